//! Detection quality and throughput of the builtin rule library on the development corpus.
//!
//! `cargo bench --bench quality [-- CORPUS_DIR]` (harness = false). The corpus defaults to
//! `../shared/dev-corpus` relative to the crate (override with the first argument or
//! `FAIRTENDER_DEV_CORPUS`); if it is missing the bench prints a note and exits successfully,
//! since a fresh clone has no corpus.
//!
//! 1. Clause level: every clause of `clauses.jsonl` is checked inside a one-clause document
//!    whose section kind comes from its `section` field; predictions are written to
//!    `target/quality-preds.jsonl` and scored with the corpus' `score.py` (if python3 exists).
//! 2. Throughput: all clauses repeated into a ~300-page document, checked end to end.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use fairtender::document::SectionKind;
use fairtender::rules::{single_clauses, Rulebook};

fn section_kind(s: &str) -> SectionKind {
    match s {
        "公告" => SectionKind::Notice,
        "资格要求" => SectionKind::Qualification,
        "评分标准" => SectionKind::Scoring,
        "技术要求" => SectionKind::Technical,
        "商务要求" => SectionKind::Commercial,
        "合同条款" => SectionKind::Contract,
        "投标须知" => SectionKind::Instructions,
        "投标文件格式" => SectionKind::Forms,
        _ => SectionKind::Other,
    }
}

fn main() {
    let corpus = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("FAIRTENDER_DEV_CORPUS").ok())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dev-corpus"));
    let corpus = if corpus.exists() { corpus } else { PathBuf::from("/work/shared/dev-corpus") };
    let Ok(src) = std::fs::read_to_string(corpus.join("clauses.jsonl")) else {
        println!("quality: no dev corpus at {}; skipped", corpus.display());
        return;
    };
    let book = match Rulebook::builtin() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!("rulebook {} ({} rules)", book.version(), book.rules().len());

    let mut clauses: Vec<(String, SectionKind, String)> = Vec::new();
    for line in src.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let text = v["text"].as_str().unwrap_or_default().to_string();
        clauses.push((id, section_kind(v["section"].as_str().unwrap_or_default()), text));
    }

    let out_dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()));
    let _ = std::fs::create_dir_all(&out_dir);
    let preds_path = out_dir.join("quality-preds.jsonl");
    let mut preds = Vec::new();
    let verbose = std::env::var("QUALITY_VERBOSE").is_ok();
    for (id, kind, text) in &clauses {
        let doc = single_clauses(&[(*kind, text.as_str())]);
        let findings = book.check(&doc, None);
        let mut cats: Vec<&str> = findings.iter().map(|f| f.category.as_str()).collect();
        cats.sort();
        cats.dedup();
        if verbose {
            let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
            println!("{id}\t{kind}\t{rules:?}\t{text}");
        }
        preds.push(serde_json::json!({"id": id, "categories": cats}).to_string());
    }
    if let Ok(mut f) = std::fs::File::create(&preds_path) {
        let _ = f.write_all((preds.join("\n") + "\n").as_bytes());
    }
    println!("predictions: {}", preds_path.display());
    match std::process::Command::new("python3").arg(corpus.join("score.py")).arg(&preds_path).output() {
        Ok(o) => println!("{}", String::from_utf8_lossy(&o.stdout)),
        Err(e) => println!("score.py not run: {e}"),
    }

    // Throughput: ~300 pages of ~1,500 chars.
    let mut parts: Vec<(SectionKind, &str)> = Vec::new();
    let mut chars = 0usize;
    while chars < 450_000 && !clauses.is_empty() {
        for (_, k, t) in &clauses {
            parts.push((*k, t.as_str()));
            chars += t.chars().count();
        }
    }
    let doc = single_clauses(&parts);
    let bytes = doc.text.len();
    let runs = 5;
    let t0 = Instant::now();
    let mut n = 0;
    for _ in 0..runs {
        n = book.check(&doc, None).len();
    }
    let per = t0.elapsed().as_secs_f64() / runs as f64;
    println!(
        "throughput: {} clauses, {} chars, {:.1} MB; {:.1} ms per check; {:.1} MB/s; {} findings",
        doc.clauses.len(),
        chars,
        bytes as f64 / 1e6,
        per * 1e3,
        bytes as f64 / 1e6 / per,
        n
    );
}
