//! Build-and-query benchmark for `ClauseIndex` on synthetic Chinese procurement clauses.
//!
//! `cargo bench -p fairtender-index --bench search`
//!
//! Env: `FAIRTENDER_BENCH_CLAUSES` (default 1,000,000), `FAIRTENDER_BENCH_DIR` (default: a fresh
//! directory under the system temp dir, removed at the end), `FAIRTENDER_BENCH_REUSE=1` (with
//! `FAIRTENDER_BENCH_DIR`: keep an existing index of the right size and only run the queries),
//! `FAIRTENDER_BENCH_SEARCH_THREADS` (default 1).
//!
//! Prints build time, throughput, on-disk size, per-kind query latency percentiles (end to end:
//! query + count + facets + top 20 + stored-doc fetch + snippets) and peak RSS.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fairtender_index::{ClauseIndex, Filters, IndexDoc, IndexOptions, SearchQuery};

/// Clauses per document (so re-indexing and document filters look realistic).
const CLAUSES_PER_DOC: usize = 40;
/// Clauses per `index_documents` call (one commit each).
const COMMIT_EVERY: usize = 50_000;
// Batches must hold whole documents: index_documents replaces every document it sees.
const _: () = assert!(COMMIT_EVERY.is_multiple_of(CLAUSES_PER_DOC));

/// splitmix64: tiny deterministic PRNG, good enough for synthetic text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

const CITIES: &[&str] = &[
    "北京市",
    "上海市",
    "广州市",
    "深圳市",
    "杭州市",
    "南京市",
    "成都市",
    "武汉市",
    "西安市",
    "重庆市",
    "天津市",
    "苏州市",
    "长沙市",
    "郑州市",
    "青岛市",
    "济南市",
    "合肥市",
    "福州市",
    "厦门市",
    "昆明市",
    "南宁市",
    "贵阳市",
    "兰州市",
    "太原市",
    "石家庄市",
    "哈尔滨市",
    "长春市",
    "沈阳市",
    "大连市",
    "宁波市",
];
const AGENCIES: &[&str] = &[
    "市财政局",
    "市卫生健康委员会",
    "市教育局",
    "区人民医院",
    "市公安局",
    "市交通运输局",
    "县农业农村局",
    "市住房和城乡建设局",
    "区政务服务中心",
    "市生态环境局",
    "市水务局",
    "市体育局",
];
const METHODS: &[&str] = &[
    "公开招标",
    "邀请招标",
    "竞争性谈判",
    "竞争性磋商",
    "询价",
    "单一来源",
];
const TYPES: &[&str] = &["货物", "工程", "服务"];
const KINDS: &[&str] = &[
    "资格要求",
    "评分标准",
    "技术要求",
    "商务条款",
    "合同条款",
    "投标须知",
];
const GOODS: &[&str] = &[
    "办公设备",
    "医疗器械",
    "信息化系统",
    "物业管理服务",
    "车辆",
    "教学仪器",
    "网络安全设备",
    "家具",
    "食堂食材",
    "绿化养护服务",
    "监控设备",
    "空调设备",
    "图书资料",
    "软件开发服务",
];
const CERTS: &[&str] = &[
    "ISO9001质量管理体系认证",
    "ISO14001环境管理体系认证",
    "ISO45001职业健康安全管理体系认证",
    "CMMI5级认证",
    "信息安全服务资质",
    "安全生产许可证",
    "建筑业企业资质证书",
    "AAA级信用等级证书",
];

/// Clause templates; `{city}`, `{n}`, `{m}`, `{goods}`, `{cert}`, `{agency}` are filled in.
const TEMPLATES: &[&str] = &[
    "投标人须在{city}注册或设有分支机构，并提供营业执照复印件。",
    "投标人注册资本不少于{n}万元，须提供验资报告或财务审计报告。",
    "投标人须具有{cert}，证书须在有效期内。",
    "投标人近三年内须具有不少于{m}个同类{goods}项目业绩，提供合同复印件。",
    "本项目采购{goods}，预算金额为{n}万元，最高限价{n}万元。",
    "投标人须为本地注册企业，外地企业须在{city}设立常驻服务机构。",
    "评标委员会根据投标文件对技术方案进行评审，技术方案优的得{m}分，良的得{m}分，一般的不得分。",
    "价格分采用低价优先法计算，满足招标文件要求且投标价格最低的投标报价为评标基准价，其价格分为满分{m}分。",
    "供应商应在合同签订后{m}个工作日内完成{goods}的供货、安装和调试，并通过{agency}组织的验收。",
    "投标人须提供项目所在地{city}的售后服务网点证明，响应时间不超过{m}小时。",
    "中标人应按照合同约定向采购人提交履约保证金，金额为合同金额的{m}%。",
    "采购人将在{agency}网站发布中标结果公告，公告期限为{m}个工作日。",
    "投标人不得存在围标、串标等违法行为，一经发现取消中标资格并列入不良行为记录名单。",
    "投标人须提供近{m}个月依法缴纳税收和社会保障资金的证明材料。",
    "投标人须获得{city}颁发的相关奖项或荣誉称号，每项得{m}分，最多得{m}分。",
    "本项目不接受联合体投标，不允许转包或分包。",
    "投标人的项目负责人须具有高级职称，并具有{m}年以上{goods}项目管理经验。",
    "付款方式：合同签订后支付合同金额的{m}%，验收合格后支付剩余款项。",
    "质保期为验收合格之日起{m}年，质保期内免费提供维修和技术支持服务。",
    "投标人在{city}有办公场所的得{m}分，没有的不得分。",
];
/// Rare clause (about 1 in 2,000) for the "rare phrase" queries.
const RARE: &str = "投标人须为{city}本地纳税大户，年纳税额不低于{n}万元。";

fn fill(template: &str, rng: &mut Rng, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        match &rest[open + 1..open + close] {
            "city" => out.push_str(rng.pick(CITIES)),
            "agency" => out.push_str(rng.pick(AGENCIES)),
            "goods" => out.push_str(rng.pick(GOODS)),
            "cert" => out.push_str(rng.pick(CERTS)),
            "n" => out.push_str(&((rng.below(200) + 1) * 50).to_string()),
            "m" => out.push_str(&(rng.below(30) + 1).to_string()),
            other => out.push_str(other),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
}

fn make_clause(i: usize, rng: &mut Rng) -> IndexDoc {
    let doc = i / CLAUSES_PER_DOC;
    // Document-level facets from a per-document PRNG, so all clauses of a document agree.
    let mut doc_rng = Rng(doc as u64 ^ 0xD0C5);
    let mut text = String::with_capacity(256);
    for _ in 0..1 + rng.below(3) {
        let template = if rng.chance(1) {
            RARE
        } else {
            rng.pick(TEMPLATES)
        };
        fill(template, rng, &mut text);
    }
    IndexDoc {
        clause_id: i as i64 + 1,
        document_id: doc as i64 + 1,
        project_id: (doc / 3) as i64 + 1,
        agency: doc_rng.pick(AGENCIES).into(),
        year: 2018 + doc_rng.below(8) as i64,
        method: doc_rng.pick(METHODS).into(),
        procurement_type: doc_rng.pick(TYPES).into(),
        section_kind: rng.pick(KINDS).into(),
        section: format!("第{}章", 1 + rng.below(8)),
        page: 1 + rng.below(120) as u32,
        ordinal: (i % CLAUSES_PER_DOC) as u32,
        text,
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// On-CPU time of the calling thread (first field of /proc/thread-self/schedstat, ns). Unlike
/// wall time it does not grow when other processes compete for the cores.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

struct Case {
    kind: &'static str,
    query: SearchQuery,
}

fn q(text: &str, filters: Filters) -> SearchQuery {
    SearchQuery {
        q: text.into(),
        filters,
        limit: 20,
        offset: 0,
    }
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(42);
    let mut cases = Vec::new();
    let common = [
        "注册", "投标", "合同", "服务", "资质", "证明", "本地", "验收", "分支", "得分",
    ];
    let phrase4 = [
        "注册资本",
        "分支机构",
        "本地注册",
        "质量管理",
        "履约保证",
        "售后服务",
        "同类项目",
        "技术方案",
    ];
    let multi = [
        "本地 注册",
        "注册资本 验资报告",
        "ISO9001 认证",
        "分支机构 营业执照",
        "业绩 合同复印件",
        "价格分 满分",
    ];
    for k in 0..40 {
        cases.push(Case {
            kind: "common 2-char",
            query: q(common[k % common.len()], Filters::default()),
        });
        cases.push(Case {
            kind: "4-char phrase",
            query: q(phrase4[k % phrase4.len()], Filters::default()),
        });
        // Rare: the 1-in-2,000 clause with a specific city, or an exact budget figure.
        let rare = if k % 2 == 0 {
            format!("{}本地纳税大户", rng.pick(CITIES))
        } else {
            format!("不少于{}万元", (rng.below(200) + 1) * 50)
        };
        cases.push(Case {
            kind: "rare phrase",
            query: q(&rare, Filters::default()),
        });
        let filters = match k % 3 {
            0 => Filters {
                agency: Some(rng.pick(AGENCIES).into()),
                ..Default::default()
            },
            1 => Filters {
                year: Some(2018 + rng.below(8) as i64),
                method: Some(rng.pick(METHODS).into()),
                ..Default::default()
            },
            _ => Filters {
                procurement_type: Some(rng.pick(TYPES).into()),
                section_kind: Some(rng.pick(KINDS).into()),
                ..Default::default()
            },
        };
        cases.push(Case {
            kind: "phrase + filter",
            query: q(phrase4[k % phrase4.len()], filters),
        });
        cases.push(Case {
            kind: "multi-term",
            query: q(multi[k % multi.len()], Filters::default()),
        });
    }
    cases
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn build(index: &ClauseIndex, n: usize) {
    let mut rng = Rng(7);
    let start = Instant::now();
    let mut text_bytes = 0usize;
    let mut next = 0;
    while next < n {
        let end = (next + COMMIT_EVERY).min(n);
        let batch: Vec<IndexDoc> = (next..end).map(|i| make_clause(i, &mut rng)).collect();
        text_bytes += batch.iter().map(|d| d.text.len()).sum::<usize>();
        index.index_documents(&batch).expect("index batch");
        next = end;
    }
    let committed = start.elapsed();
    let segments_before = index.num_segments();
    index.wait_for_merges().expect("wait for merges");
    let build = start.elapsed();
    println!(
        "build: {:.1} s ({:.1} s to last commit, {} segments, then merges -> {} segments)",
        build.as_secs_f64(),
        committed.as_secs_f64(),
        segments_before,
        index.num_segments()
    );
    println!(
        "throughput: {:.0} clauses/s, {:.1} MB/s of clause text ({:.1} MB text, avg {} chars/clause)",
        n as f64 / build.as_secs_f64(),
        text_bytes as f64 / 1e6 / build.as_secs_f64(),
        text_bytes as f64 / 1e6,
        text_bytes / n.max(1) / 3
    );
}

fn main() {
    let n: usize = std::env::var("FAIRTENDER_BENCH_CLAUSES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let (dir, remove_after): (PathBuf, bool) = match std::env::var("FAIRTENDER_BENCH_DIR") {
        Ok(d) => (PathBuf::from(d), false),
        Err(_) => (
            std::env::temp_dir().join(format!("fairtender-bench-{}", std::process::id())),
            true,
        ),
    };
    let reuse = std::env::var("FAIRTENDER_BENCH_REUSE").is_ok_and(|v| v == "1") && !remove_after;
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let search_threads = std::env::var("FAIRTENDER_BENCH_SEARCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    println!(
        "fairtender-index search bench: {n} clauses, index dir {}, search threads {search_threads}",
        dir.display()
    );

    let options = IndexOptions {
        search_threads,
        ..IndexOptions::default()
    };
    let index = ClauseIndex::open_or_create_with(&dir, options).expect("open index");
    if index.num_docs() as usize == n {
        println!(
            "reusing the existing index ({} segments)",
            index.num_segments()
        );
    } else {
        index.clear().expect("clear");
        build(&index, n);
    }
    println!("num_docs: {}", index.num_docs());
    println!(
        "index size on disk: {} bytes ({:.1} MB)",
        dir_size(&dir),
        dir_size(&dir) as f64 / 1e6
    );
    let t = Instant::now();
    let ids = index.indexed_document_ids().expect("ids");
    println!(
        "indexed_document_ids: {} ids in {} ms",
        ids.len(),
        ms(t.elapsed())
    );

    let cases = cases();
    // Warm-up pass (first touch of mmapped files, allocator).
    for c in cases.iter().take(20) {
        let _ = index.search(&c.query);
    }
    // (kind, wall times, cpu times, summed totals)
    type Stats<'a> = (&'a str, Vec<Duration>, Vec<Duration>, usize);
    let mut by_kind: Vec<Stats> = Vec::new();
    let mut all: Stats = ("overall", Vec::new(), Vec::new(), 0);
    for c in &cases {
        let (t, cpu) = (Instant::now(), thread_cpu());
        let r = index.search(&c.query).expect("search");
        let (d, dc) = (t.elapsed(), thread_cpu().saturating_sub(cpu));
        let k = match by_kind.iter().position(|k| k.0 == c.kind) {
            Some(i) => &mut by_kind[i],
            None => {
                by_kind.push((c.kind, Vec::new(), Vec::new(), 0));
                by_kind.last_mut().expect("just pushed")
            }
        };
        for s in [k, &mut all] {
            s.1.push(d);
            s.2.push(dc);
            s.3 += r.total;
        }
    }
    println!(
        "\n{:<16} {:>4} {:>10} {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
        "query kind",
        "n",
        "avg total",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "cpu p50",
        "cpu p95",
        "cpu p99"
    );
    for (kind, wall, cpu, totals) in by_kind.iter_mut().chain(std::iter::once(&mut all)) {
        wall.sort_unstable();
        cpu.sort_unstable();
        println!(
            "{:<16} {:>4} {:>10} {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
            kind,
            wall.len(),
            *totals / wall.len().max(1),
            ms(percentile(wall, 50.0)),
            ms(percentile(wall, 95.0)),
            ms(percentile(wall, 99.0)),
            ms(percentile(wall, 100.0)),
            ms(percentile(cpu, 50.0)),
            ms(percentile(cpu, 95.0)),
            ms(percentile(cpu, 99.0)),
        );
    }
    println!("(wall = elapsed time; cpu = on-CPU time of the searching thread, unaffected by other load)");

    let sample = index.search(&cases[2].query).expect("search");
    if let Some(hit) = sample.hits.first() {
        println!(
            "\nsample ({:?}, total {}): {}",
            cases[2].query.q, sample.total, hit.snippet.text
        );
    }
    match peak_rss_kb() {
        Some(kb) => println!("peak RSS (VmHWM): {kb} kB ({:.1} MB)", kb as f64 / 1024.0),
        None => println!("peak RSS: unavailable"),
    }
    drop(index);
    if remove_after {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
