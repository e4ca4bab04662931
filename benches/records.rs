//! Challenge/complaint registers: import and metrics.
//!
//! `cargo bench --bench records` (harness = false).
//!
//! 1. Import of 500 projects + 1,000 challenges (+ ~100 complaints) from the canonical CSV
//!    files (`synth::import_files`, bench data in `benches/support/synth.rs`) through `Service::import_records(files, false)` on a
//!    fresh temporary SQLite data directory; three fresh directories, median. Goal: < 5 s.
//! 2. Metrics over 100,000 challenges (5,000 projects, ~10,000 complaints, ~33,000 clause links)
//!    computed in memory with `records::metrics`, monthly over 2024–2025, for each breakdown;
//!    best of 3. Goal: < 1 s.
//! 3. `Service::metrics` (load from SQLite + compute) over a database holding 20,000 challenges
//!    (2,000 projects), median of 3; the import of those 20,000 is timed too.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fairtender::core::records::{self, GroupBy, Granularity, MetricsInput, MetricsQuery};

#[path = "support/synth.rs"]
mod synth;
use fairtender::server::service::{Config, Scope, Service};

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn verdict(d: Duration, goal: Duration) -> &'static str {
    if d < goal {
        "met"
    } else {
        "MISSED"
    }
}

fn query(group: GroupBy) -> MetricsQuery {
    MetricsQuery { from_year: 2024, to_year: 2025, by: Granularity::Month, group, as_of: NaiveDate::from_ymd_opt(2026, 1, 1) }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");

    // 1. Import 500 projects + 1,000 challenges.
    let mut times = Vec::new();
    for i in 0..3 {
        let dir = tempfile::tempdir().expect("temp dir");
        let service = rt.block_on(Service::open(&Config::new(dir.path()))).expect("service opens");
        let files = synth::import_files(500, 1000, 42);
        let t = Instant::now();
        let r = rt.block_on(service.import_records(&Scope::All, files, false)).expect("import succeeds");
        let d = t.elapsed();
        let w = r.written.as_ref();
        println!(
            "import {}: {} (written: {} projects, {} challenges, {} complaints; rejected {}; flags {})",
            i + 1,
            ms(d),
            w.map_or(0, |w| w.projects),
            w.map_or(0, |w| w.challenges),
            w.map_or(0, |w| w.complaints),
            r.rejected.len(),
            r.flags.len()
        );
        times.push(d);
    }
    times.sort();
    let median = times[1];
    println!("import 500 projects + 1,000 challenges (median of 3): {} -> goal < 5 s: {}", ms(median), verdict(median, Duration::from_secs(5)));
    println!();

    // 2. In-memory metrics over 100,000 challenges.
    let (projects, challenges, complaints, links) = synth::records(5000, 100_000, 7);
    println!(
        "in-memory input: {} projects, {} challenges, {} complaints, {} clause links",
        projects.len(),
        challenges.len(),
        complaints.len(),
        links.len()
    );
    let input = MetricsInput { projects: &projects, challenges: &challenges, complaints: &complaints, links: &links, pre_stage: &[] };
    let mut worst = Duration::ZERO;
    for group in [GroupBy::None, GroupBy::Agency, GroupBy::Purchaser, GroupBy::Category, GroupBy::Method] {
        let q = query(group);
        let mut best = Duration::MAX;
        let mut rows = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let r = records::metrics(&input, &q);
            best = best.min(t.elapsed());
            rows = r.rows.len();
        }
        worst = worst.max(best);
        println!("metrics monthly 2024-2025 by {group:?}: {} ({rows} rows, best of 3)", ms(best));
    }
    println!("metrics over 100,000 challenges (slowest breakdown): {} -> goal < 1 s: {}", ms(worst), verdict(worst, Duration::from_secs(1)));
    println!();

    // 3. Service::metrics over a database with 20,000 challenges.
    let dir = tempfile::tempdir().expect("temp dir");
    let service = rt.block_on(Service::open(&Config::new(dir.path()))).expect("service opens");
    let t = Instant::now();
    let r = rt.block_on(service.import_records(&Scope::All, synth::import_files(2000, 20_000, 11), false)).expect("import succeeds");
    let w = r.written.as_ref();
    println!(
        "import 2,000 projects + 20,000 challenges: {} (written {} challenges, {} complaints)",
        ms(t.elapsed()),
        w.map_or(0, |w| w.challenges),
        w.map_or(0, |w| w.complaints)
    );
    let mut times = Vec::new();
    for group in [GroupBy::Agency, GroupBy::Agency, GroupBy::Agency] {
        let t = Instant::now();
        let r = rt.block_on(service.metrics(&Scope::All, query(group))).expect("metrics");
        times.push((t.elapsed(), r.rows.len()));
    }
    times.sort();
    let (median, rows) = times[1];
    println!("Service::metrics (SQLite load + compute, 20,000 challenges, monthly by agency, median of 3): {} ({rows} rows)", ms(median));
}
