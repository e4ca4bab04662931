//! Detection quality of the built-in rule library on the development corpus, through the real
//! pipeline (ingest → segmentation → rules).
//!
//! `cargo run --release --example quality --features eval [-- CORPUS_DIR]` (an evaluation, not a
//! benchmark: it measures detection quality, not speed). The corpus defaults to
//! `../shared/dev-corpus` beside the repository (or `FAIRTENDER_DEV_CORPUS`); without it the
//! bench prints a note and exits successfully, since a fresh clone has no corpus.
//!
//! 1. Clause level: each clause of `clauses.jsonl` becomes a small text document whose chapter
//!    heading names its section ("第一章 资格要求\n<clause>"), so the section kind comes from
//!    segmentation, not from the label. Predictions go to `<target>/quality-preds.jsonl` and are
//!    scored with the corpus' `score.py`.
//! 2. Document level: the three documents as .txt, .docx and .pdf; findings go to
//!    `<target>/quality-doc-findings-<format>.jsonl` and are scored with `score.py --doc-findings`;
//!    every finding on the clean document is listed (it should have none).

use std::io::Write;
use std::path::{Path, PathBuf};

use fairtender::core::ingest::{self, Limits};
use fairtender::core::rules::Rulebook;
use fairtender::core::segment::segment;

#[path = "common/mod.rs"]
mod common;
use common::heading;

fn out_dir() -> PathBuf {
    let d = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into()));
    let _ = std::fs::create_dir_all(&d);
    d
}

fn score(corpus: &Path, args: &[&str]) {
    match std::process::Command::new("python3").arg(corpus.join("score.py")).args(args).output() {
        Ok(o) => println!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("score.py not run ({e}); predictions kept"),
    }
}

fn main() {
    let corpus = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("FAIRTENDER_DEV_CORPUS").ok())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dev-corpus"));
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
    let limits = Limits::default();
    let verbose = std::env::var("QUALITY_VERBOSE").is_ok();

    // 1. Clause level.
    let mut preds = Vec::new();
    for line in src.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let id = v["id"].as_str().unwrap_or_default();
        let text = v["text"].as_str().unwrap_or_default();
        let doc_text = format!("{}\n{}\n", heading(v["section"].as_str().unwrap_or_default()), text);
        let findings = match ingest::extract(doc_text.as_bytes(), Some("clause.txt"), &limits) {
            Ok(ex) => book.check(&segment(&ex), None),
            Err(e) => {
                println!("{id}: not parsed: {e}");
                Vec::new()
            }
        };
        let mut cats: Vec<&str> = findings.iter().map(|f| f.category.as_str()).collect();
        cats.sort();
        cats.dedup();
        if verbose {
            let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
            println!("{id}\t{rules:?}\t{text}");
        }
        preds.push(serde_json::json!({"id": id, "categories": cats}).to_string());
    }
    let preds_path = out_dir().join("quality-preds.jsonl");
    if let Ok(mut f) = std::fs::File::create(&preds_path) {
        let _ = f.write_all((preds.join("\n") + "\n").as_bytes());
    }
    println!("== clause level ({}), predictions in {}", preds.len(), preds_path.display());
    score(&corpus, &[preds_path.to_str().unwrap_or_default()]);

    // 2. Document level, per input format.
    let docs = ["goods_computer_lab_tender", "services_canteen_tos", "clean_ultrasound_tender"];
    for ext in ["txt", "docx", "pdf"] {
        let mut lines = Vec::new();
        for name in docs {
            let path = corpus.join("docs").join(format!("{name}.{ext}"));
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let doc = match ingest::extract(&bytes, path.file_name().and_then(|n| n.to_str()), &limits) {
                Ok(ex) => segment(&ex),
                Err(e) => {
                    println!("{}: not parsed: {e}", path.display());
                    continue;
                }
            };
            for f in book.check(&doc, None) {
                if name.starts_with("clean") || verbose {
                    println!("  {name}.{ext} p{} {} [{}] {}", f.page, f.rule, f.category.as_str(), f.clause);
                }
                lines.push(serde_json::json!({"doc": name, "category": f.category.as_str(), "text": f.clause}).to_string());
            }
        }
        let path = out_dir().join(format!("quality-doc-findings-{ext}.jsonl"));
        if let Ok(mut f) = std::fs::File::create(&path) {
            let _ = f.write_all((lines.join("\n") + "\n").as_bytes());
        }
        println!("== document level, .{ext} ({} findings)", lines.len());
        score(&corpus, &["--doc-findings", path.to_str().unwrap_or_default(), "--docs-dir", corpus.join("docs").to_str().unwrap_or_default()]);
    }
}
