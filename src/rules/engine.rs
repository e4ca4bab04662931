//! Applies a [`Rulebook`] to a segmented document.
//!
//! Per document: normalise the text once, read the document facts. Per clause: normalise,
//! run the aho-corasick prefilter to find the few rules whose keywords occur, then evaluate
//! only those (section and stage permitting), apply the global exceptions and map the match
//! back to the original text.

use std::cell::OnceCell;

use super::exceptions::{self, Context};
use super::facts::Facts;
use super::matcher::{ClauseView, Hit, Matcher};
use super::schema::Example;
use super::{Rule, Rulebook};
use crate::document::{Clause, Format, SectionKind, SegmentedDocument};
use crate::finding::{Finding, Stage};
use crate::normalize::{char_slice, Normalized};

/// Per-document state shared by all clauses.
struct DocState {
    norm: Normalized,
    facts: Facts,
    /// Per rule: do the document-level conditions (`require_document`, `unless_document`) allow it?
    allowed: Vec<OnceCell<bool>>,
}

impl DocState {
    fn new(doc: &SegmentedDocument, rules: usize) -> DocState {
        let norm = Normalized::new(&doc.text);
        let facts = Facts::read(&norm.text);
        DocState { norm, facts, allowed: (0..rules).map(|_| OnceCell::new()).collect() }
    }

    fn allows(&self, i: usize, rule: &Rule) -> bool {
        *self.allowed[i].get_or_init(|| {
            let t = &self.norm.text;
            rule.require_document.iter().all(|r| r.is_match(t))
                && !rule.unless_document.iter().any(|r| r.is_match(t))
                && match &rule.matcher {
                    Matcher::Document { absent, .. } => !absent.iter().any(|r| r.is_match(t)),
                    _ => true,
                }
        })
    }
}

fn rule_applies(rule: &Rule, clause: &Clause, stage: Option<Stage>) -> bool {
    rule.sections.contains(&clause.section_kind) && stage.is_none_or(|s| rule.stages.contains(&s))
}

impl Rulebook {
    /// Checks a document and returns the findings sorted by position.
    pub fn check(&self, doc: &SegmentedDocument, stage: Option<Stage>) -> Vec<Finding> {
        let state = DocState::new(doc, self.rules.len());
        let mut out = Vec::new();
        let mut candidates: Vec<bool> = vec![false; self.rules.len()];
        let mut document_rule_done: Vec<bool> = vec![false; self.rules.len()];
        for clause in &doc.clauses {
            let norm = Normalized::new(&clause.text);
            candidates.iter_mut().for_each(|c| *c = false);
            for m in self.prefilter.find_overlapping_iter(&norm.text) {
                for &i in &self.keyword_rules[m.pattern().as_usize()] {
                    candidates[i] = true;
                }
            }
            let facts = OnceCell::new();
            for (i, rule) in self.rules.iter().enumerate() {
                if !candidates[i] || !rule_applies(rule, clause, stage) {
                    continue;
                }
                let is_document = matches!(rule.matcher, Matcher::Document { .. });
                if is_document && document_rule_done[i] {
                    continue;
                }
                if let Some(f) = self.eval_rule(rule, i, clause, &norm, &state, &facts, stage) {
                    document_rule_done[i] = is_document;
                    out.push(f);
                }
            }
        }
        out.sort_by(|a, b| (a.start, a.end, &a.rule).cmp(&(b.start, b.end, &b.rule)));
        out
    }

    /// Checks a document with one rule only (used by the example tests).
    pub(crate) fn check_rule(&self, rule: &Rule, doc: &SegmentedDocument) -> Vec<Finding> {
        let Some(i) = self.rules.iter().position(|r| std::ptr::eq(r, rule)) else { return Vec::new() };
        let state = DocState::new(doc, self.rules.len());
        let mut out = Vec::new();
        for clause in &doc.clauses {
            if !rule_applies(rule, clause, None) {
                continue;
            }
            let norm = Normalized::new(&clause.text);
            if !rule.keywords.iter().any(|k| norm.text.contains(k.as_str())) {
                continue;
            }
            let facts = OnceCell::new();
            out.extend(self.eval_rule(rule, i, clause, &norm, &state, &facts, None));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_rule(
        &self,
        rule: &Rule,
        i: usize,
        clause: &Clause,
        norm: &Normalized,
        state: &DocState,
        facts: &OnceCell<Facts>,
        stage: Option<Stage>,
    ) -> Option<Finding> {
        if rule.unless.iter().any(|r| r.is_match(&norm.text)) || !state.allows(i, rule) {
            return None;
        }
        let facts = facts.get_or_init(|| Facts::overlay(&state.facts, &Facts::read(&norm.text)));
        let view = ClauseView { norm, facts };
        let hit: Hit = rule.matcher.eval(&view).into_iter().find(|h| {
            let ctx = Context { clause: &norm.text, anchor: (h.start, h.end), facts, category: rule.category };
            exceptions::excepted(&ctx, &rule.skip_exceptions).is_none()
        })?;
        let (os, oe) = norm.orig_span_bytes(hit.start, hit.end);
        let mut message = rule.message.clone();
        if let Some(note) = &hit.note {
            message.push_str(note);
        }
        Some(Finding {
            rule: rule.id.clone(),
            category: rule.category,
            severity: hit.severity.unwrap_or(rule.severity),
            stage: stage.or_else(|| rule.stages.first().copied()).unwrap_or(Stage::Pre),
            page: clause.page,
            section: clause.section.clone(),
            section_kind: clause.section_kind,
            start: clause.start + os,
            end: clause.start + oe,
            quote: char_slice(&clause.text, os, oe).to_string(),
            clause: clause.text.clone(),
            message,
            basis: rule.basis.clone(),
            suggestion: rule.suggestion.clone(),
        })
    }
}

/// Builds the small document an example is checked in: an optional `notice` clause with the
/// example's context, then the example clause. Returns the document and the char offset where
/// the example clause starts.
pub fn example_document(ex: &Example) -> (SegmentedDocument, usize) {
    let mut parts: Vec<(SectionKind, &str)> = Vec::new();
    if !ex.context.trim().is_empty() {
        parts.push((SectionKind::Notice, ex.context.as_str()));
    }
    parts.push((ex.section, ex.text.as_str()));
    let doc = single_clauses(&parts);
    let start = doc.clauses.last().map_or(0, |c| c.start);
    (doc, start)
}

/// A document made of the given clauses, one per line (used by examples, tests and benches).
pub fn single_clauses(parts: &[(SectionKind, &str)]) -> SegmentedDocument {
    let mut text = String::new();
    let mut clauses = Vec::new();
    let mut pos = 0usize;
    for (i, (kind, t)) in parts.iter().enumerate() {
        if i > 0 {
            text.push('\n');
            pos += 1;
        }
        let len = t.chars().count();
        clauses.push(Clause {
            ordinal: i as u32,
            page: 1,
            section: kind.as_str().to_string(),
            section_kind: *kind,
            start: pos,
            end: pos + len,
            text: t.to_string(),
            is_table_row: t.contains(" | "),
        });
        text.push_str(t);
        pos += len;
    }
    SegmentedDocument { format: Format::Text, pages: 1, text, sections: Vec::new(), clauses }
}
