//! End-to-end ingest of a 300-page tender: parse, segment, check, store, index.
//!
//! `cargo bench --bench ingest [-- FILE.pdf]` (harness = false). Default input
//! `fixtures/tender_300p.pdf` (made by `fixtures/make/big_tender.py`). Goal: < 2 s end to end.
//!
//! 1. In-process parse + segment (`core::review::parse`), best of 3, then the rule check
//!    (`Rulebook::check`, all stages) on the result, best of 3.
//! 2. `Service::upload` (parse, segment, check, SQLite insert, blob write, tantivy commit) on a
//!    fresh temporary data directory: three uploads of the same bytes to three new projects;
//!    median and each time printed.
//! 3. Peak RSS of the process (VmHWM).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fairtender::core::review;
use fairtender::server::service::{Config, Scope, Service, UploadOutcome};
use fairtender::core::project::NewProject;

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.trim_start_matches("VmHWM:").trim().to_string()))
        .unwrap_or_else(|| "n/a".into())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tender_300p.pdf"));
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            println!("ingest: cannot read {} ({e}); run python3 fixtures/make/big_tender.py", path.display());
            return;
        }
    };
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "tender.pdf".into());
    println!("input: {} ({:.0} KB)", path.display(), bytes.len() as f64 / 1024.0);

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let service = rt.block_on(Service::open(&Config::new(dir.path()))).expect("service opens");

    // 1. In-process parse + segment, then check.
    let limits = service.limits().clone();
    let mut best = Duration::MAX;
    let mut doc = None;
    for _ in 0..3 {
        let t = Instant::now();
        let d = review::parse(&bytes, &name, &limits).expect("parses");
        best = best.min(t.elapsed());
        doc = Some(d);
    }
    let doc = doc.expect("ran");
    let mut best_check = Duration::MAX;
    let mut n_findings = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let f = service.rulebook().check(&doc, None);
        best_check = best_check.min(t.elapsed());
        n_findings = f.len();
    }
    println!(
        "document: {} pages, {} sections, {} clauses, {} chars, {} findings",
        doc.pages,
        doc.sections.len(),
        doc.clauses.len(),
        doc.text.chars().count(),
        n_findings
    );
    println!("parse+segment (in-process, best of 3): {}", ms(best));
    println!("rule check (in-process, best of 3):    {}", ms(best_check));

    // 2. Whole uploads to fresh projects.
    let mut times = Vec::new();
    for i in 0..3 {
        let project = rt
            .block_on(service.create_project(&Scope::All, &NewProject {
                project_no: format!("BENCH-{i:03}"),
                name: format!("基准测试项目{i}"),
                purchaser: "青川市人民医院".into(),
                agency: "青川市公共资源交易中心".into(),
                method: fairtender::core::vocab::Method::OpenTender,
                procurement_type: fairtender::core::vocab::ProcurementType::Goods,
                budget: fairtender::core::money::Fen(1_000_000_000),
                publish_date: None,
                deadline: None,
            }))
            .expect("project created");
        let t = Instant::now();
        let out = rt.block_on(service.upload(&fairtender::core::account::Actor::operator(), project.id, fairtender::core::vocab::DocumentKind::Tender, &name, bytes.clone())).expect("upload succeeds");
        let d = t.elapsed();
        match out {
            UploadOutcome::Stored(v) => println!(
                "upload {}: {} (document {}: {} pages, {} clauses, {} findings, status {})",
                i + 1,
                ms(d),
                v.id,
                v.pages,
                v.clauses,
                v.findings,
                v.status
            ),
            other => println!("upload {}: {} (unexpected outcome {other:?})", i + 1, ms(d)),
        }
        times.push(d);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "end-to-end upload (median of 3): {} -> goal < 2 s: {}",
        ms(median),
        if median < Duration::from_secs(2) { "met" } else { "MISSED" }
    );
    println!("peak RSS (VmHWM): {}", vm_hwm());
}
