//! Applies a [`Rulebook`] to a segmented document.
//!
//! Per document: normalise the text once (text only), read the document facts. Per clause:
//! skip it at once when no rule applies to its section; normalise it into a reused buffer and
//! run the aho-corasick prefilter to find the few rules whose keywords occur; only then build
//! the clause's position map and evaluate those rules (section and stage permitting). Work
//! that only matters once a match exists is lazy: the clause facts (numeric and period
//! matchers, fact-based exceptions), the rule's `unless` regexes, the document conditions and
//! the global exceptions run only on a candidate hit.

use std::cell::OnceCell;

use super::exceptions::{self, Context};
use super::facts::Facts;
use super::matcher::{ClauseView, Hit, Matcher};
use super::schema::Example;
use super::{Rule, Rulebook};
use crate::core::document::{Clause, Format, SectionKind, SegmentedDocument};
use crate::core::finding::{Finding, Stage};
use crate::core::normalize::{char_slice, normalize_into, Normalized};

/// Per-document state shared by all clauses.
struct DocState {
    /// The normalised document text.
    text: String,
    facts: Facts,
    /// Per rule: do the document-level conditions (`require_document`, `unless_document`) allow it?
    allowed: Vec<OnceCell<bool>>,
}

impl DocState {
    fn new(doc: &SegmentedDocument, rules: usize) -> DocState {
        let mut text = String::new();
        normalize_into(&doc.text, &mut text);
        let facts = Facts::read(&text);
        DocState { text, facts, allowed: (0..rules).map(|_| OnceCell::new()).collect() }
    }

    fn allows(&self, i: usize, rule: &Rule) -> bool {
        *self.allowed[i].get_or_init(|| {
            let t = &self.text;
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

/// Lazily computed facts of one clause (the document facts overlaid with the clause's own).
struct ClauseFacts<'a> {
    doc: &'a Facts,
    text: &'a str,
    cell: OnceCell<Facts>,
}

impl ClauseFacts<'_> {
    fn get(&self) -> &Facts {
        self.cell.get_or_init(|| Facts::overlay(self.doc, &Facts::read(self.text)))
    }
}

impl Rulebook {
    /// Checks a document and returns the findings sorted by position.
    pub fn check(&self, doc: &SegmentedDocument, stage: Option<Stage>) -> Vec<Finding> {
        let state = DocState::new(doc, self.rules.len());
        let active = self.active_sections(stage);
        let mut out = Vec::new();
        // Per rule: the ordinal + 1 of the last clause it became a candidate for.
        let mut seen: Vec<usize> = vec![0; self.rules.len()];
        let mut candidates: Vec<usize> = Vec::new();
        let mut document_rule_done: Vec<bool> = vec![false; self.rules.len()];
        let mut buf = String::new();
        // Period rules that may take their start trigger from the section heading.
        let heading_rules: Vec<usize> =
            (0..self.rules.len()).filter(|&i| matches!(self.rules[i].matcher, Matcher::Period { start_heading: Some(_), .. })).collect();
        let mut head_path: Option<&str> = None;
        let mut head = String::new();
        for (ci, clause) in doc.clauses.iter().enumerate() {
            if !active[section_index(clause.section_kind)] {
                continue;
            }
            normalize_into(&clause.text, &mut buf);
            candidates.clear();
            for m in self.prefilter.find_overlapping_iter(&buf) {
                for &i in &self.keyword_rules[m.pattern().as_usize()] {
                    if seen[i] != ci + 1 {
                        seen[i] = ci + 1;
                        candidates.push(i);
                    }
                }
            }
            if head_path != Some(clause.section.as_str()) {
                head_path = Some(clause.section.as_str());
                normalize_into(own_heading(&clause.section), &mut head);
            }
            for &i in &heading_rules {
                if seen[i] != ci + 1 && self.rules[i].keywords.iter().any(|k| head.contains(k.as_str())) {
                    seen[i] = ci + 1;
                    candidates.push(i);
                }
            }
            if candidates.is_empty() {
                continue;
            }
            candidates.sort_unstable();
            let mut norm: Option<Normalized> = None;
            let mut facts: Option<ClauseFacts> = None;
            for &i in &candidates {
                let rule = &self.rules[i];
                if !rule_applies(rule, clause, stage) {
                    continue;
                }
                let is_document = matches!(rule.matcher, Matcher::Document { .. });
                if is_document && document_rule_done[i] {
                    continue;
                }
                let norm = norm.get_or_insert_with(|| Normalized::new(&clause.text));
                let facts = facts.get_or_insert_with(|| ClauseFacts { doc: &state.facts, text: &buf, cell: OnceCell::new() });
                if let Some(f) = self.eval_rule(rule, i, clause, norm, &head, &state, facts, stage) {
                    document_rule_done[i] = is_document;
                    out.push(f);
                }
            }
        }
        out.sort_by(|a, b| (a.start, a.end, &a.rule).cmp(&(b.start, b.end, &b.rule)));
        // A period that cannot be counted (unknown holiday schedule) is one notice for the
        // document, not one per clause: an inspector auditing a 2014 tender needs to be told once.
        let mut calendar_noted = false;
        out.retain(|f| {
            if f.severity != crate::core::finding::Severity::Notice || !f.message.contains(super::matcher::CALENDAR_UNKNOWN) {
                return true;
            }
            !std::mem::replace(&mut calendar_noted, true)
        });
        out
    }

    /// Per section kind: does any rule apply to it in `stage`?
    fn active_sections(&self, stage: Option<Stage>) -> [bool; SectionKind::ALL.len()] {
        let mut active = [false; SectionKind::ALL.len()];
        for r in &self.rules {
            if stage.is_none_or(|s| r.stages.contains(&s)) {
                for k in &r.sections {
                    active[section_index(*k)] = true;
                }
            }
        }
        active
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
            let mut head = String::new();
            if matches!(rule.matcher, Matcher::Period { start_heading: Some(_), .. }) {
                normalize_into(own_heading(&clause.section), &mut head);
            }
            if !rule.keywords.iter().any(|k| norm.text.contains(k.as_str()) || head.contains(k.as_str())) {
                continue;
            }
            let facts = ClauseFacts { doc: &state.facts, text: &norm.text, cell: OnceCell::new() };
            out.extend(self.eval_rule(rule, i, clause, &norm, &head, &state, &facts, None));
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
        heading: &str,
        state: &DocState,
        facts: &ClauseFacts,
        stage: Option<Stage>,
    ) -> Option<Finding> {
        // The matcher first: on lawful text it almost never matches, and everything below
        // (`unless`, document conditions, exceptions) only matters for a match. All of these
        // are pure, so the order does not change the result.
        let get_facts = || facts.get();
        let view = ClauseView::new(norm, heading, &get_facts);
        let hits = rule.matcher.eval(&view);
        if hits.is_empty() {
            return None;
        }
        if rule.unless.iter().any(|r| r.is_match(&norm.text)) || !state.allows(i, rule) {
            return None;
        }
        let exc_facts: &Facts = if exceptions::uses_facts(rule.category, &rule.skip_exceptions) { facts.get() } else { Facts::none() };
        let hit: Hit = hits.into_iter().find(|h| {
            let ctx = Context { clause: &norm.text, anchor: (h.start, h.end), facts: exc_facts, category: rule.category, statutes: &self.statutes };
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
            clause_ordinal: clause.ordinal,
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

/// The clause's own section heading: the last component of its section path.
fn own_heading(path: &str) -> &str {
    path.rsplit(" > ").next().unwrap_or(path)
}

fn section_index(k: SectionKind) -> usize {
    SectionKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
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
