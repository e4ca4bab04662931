//! Behaviour of `ClauseIndex` through its public API.

use fairtender_index::{ClauseIndex, Filters, IndexDoc, IndexError, SearchQuery, SearchResults};

fn clause(clause_id: i64, document_id: i64, text: &str) -> IndexDoc {
    IndexDoc {
        clause_id,
        document_id,
        project_id: document_id * 10,
        agency: "市财政局".into(),
        year: 2024,
        method: "公开招标".into(),
        procurement_type: "货物".into(),
        section_kind: "资格要求".into(),
        section: "第三章 投标人资格要求".into(),
        page: 3,
        ordinal: clause_id as u32,
        text: text.into(),
    }
}

fn search(index: &ClauseIndex, q: &str) -> SearchResults {
    index
        .search(&SearchQuery {
            q: q.into(),
            ..Default::default()
        })
        .expect("search")
}

fn ids(r: &SearchResults) -> Vec<i64> {
    let mut ids: Vec<i64> = r.hits.iter().map(|h| h.clause_id).collect();
    ids.sort_unstable();
    ids
}

fn facet<'a>(r: &'a SearchResults, name: &str) -> &'a [(String, u64)] {
    r.facets.get(name).map(Vec::as_slice).unwrap_or(&[])
}

#[test]
fn terms_match_exact_substrings_only() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[
            clause(1, 1, "投标人须在本地注册。"),
            // Has the bigrams 地注, 注册, 本地 — but not contiguously.
            clause(
                2,
                1,
                "投标人须在项目所在地注册或设有分支机构，优先考虑本地供应商。",
            ),
            clause(3, 1, "本地，注册均可。"),
        ])
        .unwrap();
    let r = search(&index, "本地注册");
    assert_eq!(ids(&r), vec![1]);
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].snippet.text, "投标人须在本地注册。");
    assert_eq!(r.hits[0].snippet.marks, vec![(5, 9)]);
    // Single CJK chars match anywhere, also inside longer runs.
    assert_eq!(search(&index, "册").total, 3);
    // All terms must match.
    assert_eq!(ids(&search(&index, "分支机构 本地")), vec![2]);
    assert_eq!(search(&index, "分支机构 外地").total, 0);
}

#[test]
fn mixed_ascii_and_single_cjk_char_terms() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[
            clause(1, 1, "具有AAA级信用等级"),
            clause(2, 1, "注册资本不少于1500万元"),
            clause(3, 1, "注册资本不少于500万元"),
        ])
        .unwrap();
    assert_eq!(ids(&search(&index, "AAA级")), vec![1]);
    assert_eq!(ids(&search(&index, "aaa级信用")), vec![1]);
    // Latin letters and digits are substrings like CJK: 500 matches inside 1500 too; the
    // context around it is what tells them apart.
    assert_eq!(ids(&search(&index, "不少于500万元")), vec![3]);
    assert_eq!(ids(&search(&index, "500万元")), vec![2, 3]);
    assert_eq!(ids(&search(&index, "AA")), vec![1]);
}

#[test]
fn full_width_ascii_is_folded_both_ways() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[
            clause(1, 1, "须通过ＩＳＯ９００１质量管理体系认证"),
            clause(2, 1, "须通过ISO14001认证"),
        ])
        .unwrap();
    let r = search(&index, "ISO9001");
    assert_eq!(ids(&r), vec![1]);
    assert_eq!(r.hits[0].snippet.text, "须通过ＩＳＯ９００１质量管理体系认证");
    assert_eq!(r.hits[0].snippet.marks, vec![(3, 10)]);
    assert_eq!(ids(&search(&index, "ｉｓｏ１４００１")), vec![2]);
    // Substrings of Latin runs, as of CJK ones.
    assert_eq!(ids(&search(&index, "ISO")), vec![1, 2]);
    assert_eq!(ids(&search(&index, "9001")), vec![1]);
    assert_eq!(ids(&search(&index, "\"ISO9001质量\"")), vec![1]);
}

#[test]
fn quoted_phrase_keeps_spaces() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[
            clause(1, 1, "符合 ISO 9001 标准"),
            clause(2, 1, "ISO标准，9001号文件"),
        ])
        .unwrap();
    assert_eq!(ids(&search(&index, "\"ISO 9001\"")), vec![1]);
    assert_eq!(search(&index, "ISO 9001").total, 2);
}

#[test]
fn punctuation_only_term_is_a_query_error() {
    let index = ClauseIndex::in_memory().unwrap();
    let err = index.search(&SearchQuery {
        q: "本地 ，。".into(),
        ..Default::default()
    });
    assert!(matches!(err, Err(IndexError::Query(_))), "{err:?}");
    let err = index.search(&SearchQuery {
        offset: 1_000_000,
        ..Default::default()
    });
    assert!(matches!(err, Err(IndexError::Query(_))), "{err:?}");
}

fn facet_corpus() -> Vec<IndexDoc> {
    let mut docs = Vec::new();
    let agencies = ["市财政局", "市卫健委", "区教育局"];
    for i in 0..12i64 {
        let mut d = clause(
            i + 1,
            i / 3 + 1,
            if i % 2 == 0 {
                "须在本地注册"
            } else {
                "注册资本不少于100万元"
            },
        );
        d.agency = agencies[(i % 3) as usize].into();
        d.year = 2022 + i % 2;
        d.method = if i < 4 {
            "竞争性磋商".into()
        } else {
            "公开招标".into()
        };
        d.section_kind = if i % 4 == 0 {
            "评分标准".into()
        } else {
            "资格要求".into()
        };
        docs.push(d);
    }
    docs
}

#[test]
fn filters_restrict_results() {
    let index = ClauseIndex::in_memory().unwrap();
    index.index_documents(&facet_corpus()).unwrap();
    let q = |q: &str, filters: Filters| {
        index
            .search(&SearchQuery {
                q: q.into(),
                filters,
                ..Default::default()
            })
            .unwrap()
    };

    let r = q(
        "注册",
        Filters {
            agency: Some("市卫健委".into()),
            ..Default::default()
        },
    );
    assert_eq!(ids(&r), vec![2, 5, 8, 11]);
    let r = q(
        "本地注册",
        Filters {
            agency: Some("市卫健委".into()),
            year: Some(2022),
            ..Default::default()
        },
    );
    assert_eq!(ids(&r), vec![5, 11]);
    let r = q(
        "",
        Filters {
            document_id: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(ids(&r), vec![4, 5, 6]);
    let r = q(
        "",
        Filters {
            project_id: Some(40),
            method: Some("公开招标".into()),
            ..Default::default()
        },
    );
    assert_eq!(ids(&r), vec![10, 11, 12]);
    // Filter-only queries all score the same and come back in clause-id order.
    let r = q(
        "",
        Filters {
            section_kind: Some("资格要求".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        r.hits.iter().map(|h| h.clause_id).collect::<Vec<_>>(),
        vec![2, 3, 4, 6, 7, 8, 10, 11, 12]
    );
    assert_eq!(q("", Filters::default()).total, 12);
    assert_eq!(
        q(
            "",
            Filters {
                agency: Some("nobody".into()),
                ..Default::default()
            }
        )
        .total,
        0
    );
}

#[test]
fn facets_count_all_matches_not_just_the_page() {
    let index = ClauseIndex::in_memory().unwrap();
    index.index_documents(&facet_corpus()).unwrap();
    let r = index
        .search(&SearchQuery {
            q: "注册".into(),
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 12);
    assert_eq!(r.hits.len(), 2);
    let s = |v: &[(&str, u64)]| {
        v.iter()
            .map(|(a, n)| (a.to_string(), *n))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        facet(&r, "agency"),
        s(&[("区教育局", 4), ("市卫健委", 4), ("市财政局", 4)])
    );
    assert_eq!(facet(&r, "year"), s(&[("2022", 6), ("2023", 6)]));
    assert_eq!(
        facet(&r, "method"),
        s(&[("公开招标", 8), ("竞争性磋商", 4)])
    );
    assert_eq!(facet(&r, "procurement_type"), s(&[("货物", 12)]));
    assert_eq!(
        facet(&r, "section_kind"),
        s(&[("资格要求", 9), ("评分标准", 3)])
    );

    let r = search(&index, "本地注册");
    assert_eq!(r.total, 6);
    assert_eq!(facet(&r, "year"), s(&[("2022", 6)]));
    assert_eq!(
        facet(&r, "section_kind"),
        s(&[("评分标准", 3), ("资格要求", 3)])
    );
}

#[test]
fn pagination_is_stable() {
    let index = ClauseIndex::in_memory().unwrap();
    index.index_documents(&facet_corpus()).unwrap();
    let page = |offset| {
        index
            .search(&SearchQuery {
                q: "本地注册".into(),
                limit: 4,
                offset,
                ..Default::default()
            })
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.clause_id)
            .collect::<Vec<_>>()
    };
    // Same text => same score => clause-id order.
    assert_eq!(page(0), vec![1, 3, 5, 7]);
    assert_eq!(page(4), vec![9, 11]);
    assert!(page(8).is_empty());
}

#[test]
fn snippets_keep_text_plain_and_mark_every_term() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[clause(
            1,
            1,
            "<script>alert('x')</script>投标人须在本地注册 & 设有本地分支机构",
        )])
        .unwrap();
    let r = search(&index, "本地 分支机构");
    // The index does not escape: printers do (the HTTP adapter for HTML, the CLI for text).
    let s = &r.hits[0].snippet;
    assert_eq!(s.text, "<script>alert('x')</script>投标人须在本地注册 & 设有本地分支机构");
    let marked: Vec<String> = s.marks.iter().map(|&(a, b)| s.text.chars().skip(a).take(b - a).collect()).collect();
    assert_eq!(marked, ["本地", "本地分支机构"]);
    let h = &r.hits[0];
    assert_eq!(
        (h.document_id, h.project_id, h.page, h.ordinal),
        (1, 10, 3, 1)
    );
    assert_eq!(h.section, "第三章 投标人资格要求");
    assert_eq!(h.section_kind, "资格要求");
    assert!(h.score > 0.0);
}

#[test]
fn reindexing_a_document_replaces_its_clauses() {
    let index = ClauseIndex::in_memory().unwrap();
    index
        .index_documents(&[
            clause(1, 1, "须在本地注册"),
            clause(2, 1, "本地服务机构"),
            clause(3, 2, "本地注册企业"),
        ])
        .unwrap();
    assert_eq!(search(&index, "本地").total, 3);
    index
        .index_documents(&[clause(4, 1, "不得限定注册地")])
        .unwrap();
    assert_eq!(ids(&search(&index, "本地")), vec![3]);
    assert_eq!(ids(&search(&index, "注册")), vec![3, 4]);
    assert_eq!(index.num_docs(), 2);
}

#[test]
fn delete_clear_and_indexed_document_ids() {
    let index = ClauseIndex::in_memory().unwrap();
    assert!(index.indexed_document_ids().unwrap().is_empty());
    index
        .index_documents(&[
            clause(1, 7, "甲"),
            clause(2, 7, "乙"),
            clause(3, 8, "丙"),
            clause(4, 9, "丁"),
        ])
        .unwrap();
    assert_eq!(
        index.indexed_document_ids().unwrap(),
        [7, 8, 9].into_iter().collect()
    );
    index.delete_document(8).unwrap();
    assert_eq!(
        index.indexed_document_ids().unwrap(),
        [7, 9].into_iter().collect()
    );
    assert_eq!(search(&index, "丙").total, 0);
    assert_eq!(search(&index, "").total, 3);
    index.clear().unwrap();
    assert!(index.indexed_document_ids().unwrap().is_empty());
    assert_eq!(search(&index, "").total, 0);
}

#[test]
fn uncommitted_batch_is_discarded_on_drop() {
    let index = ClauseIndex::in_memory().unwrap();
    index.index_documents(&[clause(1, 1, "本地注册")]).unwrap();
    {
        let mut batch = index.batch();
        batch
            .replace_documents(&[clause(2, 2, "本地注册")])
            .unwrap();
        batch.delete_document(1).unwrap();
    }
    index.index_documents(&[clause(3, 3, "本地注册")]).unwrap();
    assert_eq!(ids(&search(&index, "本地注册")), vec![1, 3]);
}

#[test]
fn reopens_from_disk_after_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/index");
    {
        let index = ClauseIndex::open_or_create(&path).unwrap();
        index
            .index_documents(&[clause(1, 1, "须在本地注册"), clause(2, 2, "分支机构")])
            .unwrap();
    }
    let index = ClauseIndex::open_or_create(&path).unwrap();
    assert_eq!(ids(&search(&index, "本地注册")), vec![1]);
    assert_eq!(
        index.indexed_document_ids().unwrap(),
        [1, 2].into_iter().collect()
    );
    index.index_documents(&[clause(3, 3, "本地注册")]).unwrap();
    assert_eq!(search(&index, "本地注册").total, 2);
}

/// Env var that turns the next test into the child process that "crashes".
const CRASH_CHILD_DIR: &str = "FAIRTENDER_INDEX_CRASH_CHILD_DIR";

/// Indexes a committed document, then stages another one and aborts the process before the
/// commit — a kill between the DB commit and the index commit. The index must stay readable with
/// exactly the committed data, and writable.
#[test]
fn crash_before_commit_leaves_the_last_commit_readable() {
    if let Ok(dir) = std::env::var(CRASH_CHILD_DIR) {
        let index = ClauseIndex::open_or_create(std::path::Path::new(&dir)).unwrap();
        index
            .index_documents(&[clause(1, 1, "须在本地注册")])
            .unwrap();
        let mut batch = index.batch();
        let many: Vec<IndexDoc> = (0..5_000)
            .map(|i| clause(100 + i, 2, "本地注册分支机构"))
            .collect();
        batch.replace_documents(&many).unwrap();
        std::process::abort();
    }
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_before_commit_leaves_the_last_commit_readable",
            "--nocapture",
        ])
        .env(CRASH_CHILD_DIR, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child should have aborted");
    let index = ClauseIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(
        index.indexed_document_ids().unwrap(),
        [1].into_iter().collect()
    );
    assert_eq!(ids(&search(&index, "本地注册")), vec![1]);
    index.index_documents(&[clause(2, 2, "本地注册")]).unwrap();
    assert_eq!(ids(&search(&index, "本地注册")), vec![1, 2]);
}

#[test]
fn concurrent_writes_and_searches() {
    let index = std::sync::Arc::new(ClauseIndex::in_memory().unwrap());
    let handles: Vec<_> = (0..4i64)
        .map(|t| {
            let index = index.clone();
            std::thread::spawn(move || {
                for k in 0..5i64 {
                    let doc = t * 100 + k;
                    index
                        .index_documents(&[clause(doc * 10, doc, "须在本地注册")])
                        .unwrap();
                    assert!(search(&index, "本地注册").total >= 1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(search(&index, "本地注册").total, 20);
    assert_eq!(index.indexed_document_ids().unwrap().len(), 20);
}

#[test]
fn an_index_built_with_another_analysis_is_emptied_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = ClauseIndex::open_or_create(dir.path()).unwrap();
        index.index_documents(&[clause(1, 1, "须通过ISO9001认证")]).unwrap();
        assert_eq!(search(&index, "认证").total, 1);
    }
    // Reopened with the same scheme: kept.
    assert_eq!(search(&ClauseIndex::open_or_create(dir.path()).unwrap(), "认证").total, 1);
    // As if written by the previous scheme: emptied, for the owner to index again.
    std::fs::write(dir.path().join("analysis-version"), "1").unwrap();
    let reopened = ClauseIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(search(&reopened, "认证").total, 0);
    assert_eq!(std::fs::read_to_string(dir.path().join("analysis-version")).unwrap(), "2");
}
