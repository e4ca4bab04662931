// TEMPORARY profiling probe (to be deleted).
use std::time::Instant;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Index;
use fairtender_index::{analysis, facets::FacetCollector, query, schema, Filters};

fn main() {
    let dir = std::env::args().nth(1).unwrap();
    let index = Index::open(MmapDirectory::open(&dir).unwrap()).unwrap();
    index.tokenizers().register("cjk2", TextAnalyzer::from(analysis::CjkBigramTokenizer));
    let (_, fields) = schema::build_schema();
    let reader = index.reader().unwrap();
    let searcher = reader.searcher();
    for q in ["注册", "注册资本", "本地 注册"] {
        let terms = query::split_terms(q);
        let query = query::build_query(&fields, &terms, &Filters::default()).unwrap();
        let t = |name: &str, f: &dyn Fn()| {
            f();
            let s = Instant::now();
            for _ in 0..10 { f(); }
            println!("{q:8} {name:12} {:.2} ms", s.elapsed().as_secs_f64() * 100.0);
        };
        t("count", &|| { searcher.search(&*query, &Count).unwrap(); });
        t("top score", &|| { searcher.search(&*query, &TopDocs::with_limit(20).order_by_score()).unwrap(); });
        t("top+count", &|| { searcher.search(&*query, &(TopDocs::with_limit(20).order_by_score(), Count)).unwrap(); });
        t("facets", &|| { searcher.search(&*query, &FacetCollector).unwrap(); });
        t("all3", &|| { searcher.search(&*query, &(TopDocs::with_limit(20).order_by_score(), Count, FacetCollector)).unwrap(); });
    }
}
