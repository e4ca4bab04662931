//! Precedents: clauses a reviewer confirmed or flagged by hand. A new clause that no rule
//! flagged but that closely resembles a precedent is reported as a notice
//! ("与已确认问题条款相似") pointing at the precedent, so a reviewer's judgement reaches the next
//! document that words the same practice the same way — before anyone writes a rule for it.
//!
//! Resemblance is the Dice coefficient over character bigrams of the clauses' keys
//! ([`crate::core::workflow::clause_key`]: numbering, spaces and full-width forms ignored).
//! Candidates come from an inverted index of bigrams, so a clause is compared only with the
//! precedents that share enough of its bigrams to reach the threshold.

use crate::core::document::{Clause, SegmentedDocument};
use crate::core::finding::{Category, Finding, Severity, Stage};
use crate::core::workflow::{clause_key, FindingStatus};
use std::collections::HashMap;

/// The rule id precedent notices carry.
pub const PRECEDENT_RULE: &str = "precedent";

/// How similar a clause must be to a precedent to be reported.
pub const THRESHOLD: f64 = 0.7;

/// Clauses shorter than this (after [`clause_key`]) are never matched: short headings and
/// fragments resemble too much.
pub const MIN_CHARS: usize = 12;

/// A reviewed clause that later clauses are compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Precedent {
    /// The finding that made it a precedent.
    pub finding_id: i64,
    pub clause: String,
    pub category: Category,
    pub status: FindingStatus,
    pub reviewer: String,
}

type Gram = (char, char);

fn grams(key: &str) -> HashMap<Gram, u32> {
    let cs: Vec<char> = key.chars().collect();
    let mut m = HashMap::new();
    for w in cs.windows(2) {
        *m.entry((w[0], w[1])).or_insert(0) += 1;
    }
    m
}

/// Precedents indexed by bigram.
pub struct PrecedentIndex {
    items: Vec<(Precedent, HashMap<Gram, u32>, u32)>,
    postings: HashMap<Gram, Vec<usize>>,
}

impl PrecedentIndex {
    /// Indexes `precedents` (ones too short to match are left out).
    pub fn new(precedents: Vec<Precedent>) -> PrecedentIndex {
        let mut items = Vec::new();
        let mut postings: HashMap<Gram, Vec<usize>> = HashMap::new();
        for p in precedents {
            let key = clause_key(&p.clause);
            if key.chars().count() < MIN_CHARS {
                continue;
            }
            let g = grams(&key);
            let n: u32 = g.values().sum();
            for gram in g.keys() {
                postings.entry(*gram).or_default().push(items.len());
            }
            items.push((p, g, n));
        }
        PrecedentIndex { items, postings }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most similar precedent at or above [`THRESHOLD`], with its similarity.
    pub fn best(&self, text: &str) -> Option<(&Precedent, f64)> {
        self.best_at(text, THRESHOLD)
    }

    /// The most similar precedent at or above `threshold` (for measuring other thresholds).
    pub fn best_at(&self, text: &str, threshold: f64) -> Option<(&Precedent, f64)> {
        let key = clause_key(text);
        if key.chars().count() < MIN_CHARS || self.items.is_empty() {
            return None;
        }
        let g = grams(&key);
        let n: u32 = g.values().sum();
        // Shared bigram counts per candidate, from the postings of the clause's bigrams.
        let mut shared: HashMap<usize, u32> = HashMap::new();
        for (gram, count) in &g {
            if let Some(list) = self.postings.get(gram) {
                for &i in list {
                    let theirs = self.items[i].1.get(gram).copied().unwrap_or(0);
                    *shared.entry(i).or_insert(0) += (*count).min(theirs);
                }
            }
        }
        shared
            .into_iter()
            .map(|(i, s)| (i, 2.0 * f64::from(s) / f64::from(n + self.items[i].2)))
            .filter(|(_, sim)| *sim >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(i, sim)| (&self.items[i].0, sim))
    }

    /// Notices for the clauses of `doc` that no finding in `findings` is on and that resemble
    /// a precedent.
    pub fn notices(&self, doc: &SegmentedDocument, findings: &[Finding]) -> Vec<Finding> {
        let flagged: std::collections::HashSet<u32> = findings.iter().map(|f| f.clause_ordinal).collect();
        doc.clauses
            .iter()
            .filter(|c| !flagged.contains(&c.ordinal))
            .filter_map(|c| self.best(&c.text).map(|(p, sim)| notice(c, p, sim)))
            .collect()
    }
}

fn notice(c: &Clause, p: &Precedent, similarity: f64) -> Finding {
    let excerpt: String = p.clause.chars().take(60).collect();
    let percent = (similarity * 100.0).round() as u32;
    let message = format!(
        "与已确认问题条款相似（相似度 {percent}%）：审查问题 #{} 已由 {} 判定为“{}”。原条款：{excerpt}",
        p.finding_id,
        p.reviewer,
        p.status.label_zh()
    );
    let suggestion = "请对照该先例核查本条款是否同样构成排斥或歧视潜在供应商。".to_string();
    Finding::on_clause(c, PRECEDENT_RULE, p.category, Severity::Notice, Stage::Pre, message, Vec::new(), suggestion)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, text: &str) -> Precedent {
        Precedent { finding_id: id, clause: text.into(), category: Category::Region, status: FindingStatus::Confirmed, reviewer: "zhao".into() }
    }

    #[test]
    fn a_near_duplicate_is_found_and_an_unrelated_clause_is_not() {
        let idx = PrecedentIndex::new(vec![
            p(1, "投标人须在本市行政区域内设有常驻售后服务机构，并提供场地租赁合同。"),
            p(2, "短句"),
        ]);
        assert_eq!(idx.len(), 1, "too-short precedents are left out");
        let (hit, sim) = idx.best("3. 投标人须在本县行政区域内设有常驻售后服务机构，并提供场地租赁合同原件。").expect("similar");
        assert_eq!(hit.finding_id, 1);
        assert!(sim > 0.8, "{sim}");
        assert!(idx.best("投标人须具有良好的商业信誉和健全的财务会计制度。").is_none());
        assert!(idx.best("本市").is_none());
    }
}
