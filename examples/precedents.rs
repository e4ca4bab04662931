//! How far precedents reach what the rules miss, on the development corpus v2.
//!
//! `cargo run --example precedents --features eval [-- CORPUS_V2_DIR]`
//!
//! The precedent set is every violating clause with an even id (as if reviewers had confirmed
//! them); the odd ids are the test. For each odd clause the built-in rules are run as in the
//! `quality` evaluation; of the violating odd clauses the rules miss, it counts how many a
//! precedent notice would surface, and of the lawful odd clauses the rules leave alone, how
//! many would get a notice they should not.

use fairtender::core::finding::Category;
use fairtender::core::ingest::{self, Limits};
use fairtender::core::precedent::{Precedent, PrecedentIndex, THRESHOLD};
use fairtender::core::rules::Rulebook;
use fairtender::core::segment::segment;
use fairtender::core::workflow::FindingStatus;
use std::path::PathBuf;

#[path = "common/mod.rs"]
mod common;
use common::heading;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dev-corpus/v2"));
    let Ok(src) = std::fs::read_to_string(dir.join("clauses.jsonl")) else {
        println!("precedents: no corpus at {}; skipped", dir.display());
        return;
    };
    let book = Rulebook::builtin().expect("built-in rules");
    let limits = Limits::default();
    let clauses: Vec<serde_json::Value> = src.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let even = |id: &str| id.chars().rev().find(|c| c.is_ascii_digit()).and_then(|c| c.to_digit(10)).is_some_and(|d| d % 2 == 0);
    let labels = |v: &serde_json::Value| v["labels"].as_array().map(|a| a.len()).unwrap_or(0);
    let precedents: Vec<Precedent> = clauses
        .iter()
        .enumerate()
        .filter(|(_, v)| even(v["id"].as_str().unwrap_or("")) && labels(v) > 0)
        .map(|(i, v)| Precedent {
            finding_id: i as i64,
            clause: v["text"].as_str().unwrap_or("").to_string(),
            category: v["labels"][0].as_str().and_then(Category::parse).unwrap_or(Category::Other),
            status: FindingStatus::Confirmed,
            reviewer: "corpus".into(),
        })
        .collect();
    let index = PrecedentIndex::new(precedents);
    let (mut missed, mut surfaced, mut lawful_clean, mut false_notice, mut caught, mut also_notice) = (0, 0, 0, 0, 0, 0);
    let thresholds = [0.5, 0.6, 0.7, 0.8, 0.9];
    let mut by_threshold = [(0u32, 0u32); 5];
    for v in clauses.iter().filter(|v| !even(v["id"].as_str().unwrap_or(""))) {
        let text = v["text"].as_str().unwrap_or("");
        let doc_text = format!("{}\n{text}\n", heading(v["section"].as_str().unwrap_or_default()));
        let flagged = match ingest::extract(doc_text.as_bytes(), Some("clause.txt"), &limits) {
            Ok(ex) => !book.check(&segment(&ex), None).is_empty(),
            Err(_) => false,
        };
        let hit = index.best(text);
        for (k, t) in thresholds.iter().enumerate() {
            if index.best_at(text, *t).is_some() && !flagged {
                if labels(v) > 0 {
                    by_threshold[k].0 += 1;
                } else {
                    by_threshold[k].1 += 1;
                }
            }
        }
        match (labels(v) > 0, flagged) {
            (true, false) => {
                missed += 1;
                if let Some((p, sim)) = hit {
                    surfaced += 1;
                    println!("surfaced {} ({sim:.2}) ← {}", v["id"].as_str().unwrap_or(""), p.clause.chars().take(40).collect::<String>());
                }
            }
            (true, true) => {
                caught += 1;
                if hit.is_some() {
                    also_notice += 1;
                }
            }
            (false, false) => {
                lawful_clean += 1;
                if let Some((p, sim)) = hit {
                    false_notice += 1;
                    println!("false notice {} ({sim:.2}) ← {}", v["id"].as_str().unwrap_or(""), p.clause.chars().take(40).collect::<String>());
                }
            }
            (false, true) => {}
        }
    }
    println!("precedents from even ids: {} (threshold {THRESHOLD})", index.len());
    println!("odd violating clauses the rules miss: {missed}; surfaced by a precedent: {surfaced}");
    println!("odd violating clauses the rules catch: {caught} (a precedent would also match {also_notice})");
    println!("odd lawful clauses the rules leave alone: {lawful_clean}; given a precedent notice: {false_notice}");
    println!("threshold  misses surfaced  lawful given a notice");
    for (k, t) in thresholds.iter().enumerate() {
        println!("{t:9.1}  {:>15}  {:>21}", by_threshold[k].0, by_threshold[k].1);
    }
}
