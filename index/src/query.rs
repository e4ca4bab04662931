//! Turning a [`SearchQuery`](crate::SearchQuery) into a tantivy query.
//!
//! Every search term becomes an exact-substring query over the `cjk2` field (a `PhraseQuery`
//! with explicit character offsets, or a `TermQuery` when the term is one token); all terms and
//! all filters are required. Filters are wrapped in a zero `ConstScoreQuery` so that ranking
//! depends on the text terms only.

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::analysis::{analyze, Mode};
use crate::schema::Fields;
use crate::{Filters, IndexError};

/// Splits a query string into terms: whitespace separates terms, and a double-quoted section
/// (ASCII `"` or Chinese “ ”) is kept as one term with its spaces. An unclosed quote runs to the
/// end of the string. Empty terms are dropped.
pub fn split_terms(q: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut flush = |current: &mut String| {
        if !current.trim().is_empty() {
            terms.push(std::mem::take(current));
        }
        current.clear();
    };
    for c in q.chars() {
        match c {
            '"' | '“' | '”' | '＂' => {
                flush(&mut current);
                in_quotes = !in_quotes;
            }
            c if !in_quotes && (c.is_whitespace() || c == '\u{3000}') => flush(&mut current),
            c => current.push(c),
        }
    }
    flush(&mut current);
    terms
}

/// The exact-substring query for one term.
///
/// Returns [`IndexError::Query`] when the term has no searchable characters (only punctuation).
pub fn term_query(field: Field, term: &str) -> Result<Box<dyn Query>, IndexError> {
    let tokens = analyze(term, Mode::Query);
    let first = match tokens.first() {
        Some(t) => t.position,
        None => {
            return Err(IndexError::Query(crate::QueryProblem::NoSearchableCharacters))
        }
    };
    if tokens.len() == 1 {
        let t = Term::from_field_text(field, &tokens[0].text);
        return Ok(Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)));
    }
    // Offsets relative to the first token: positions are char indices, so this pins every token
    // to the same relative place in the clause, i.e. the term must occur as a substring.
    let terms = tokens
        .into_iter()
        .map(|t| (t.position - first, Term::from_field_text(field, &t.text)))
        .collect();
    Ok(Box::new(PhraseQuery::new_with_offset(terms)))
}

fn filter_clauses(fields: &Fields, filters: &Filters) -> Vec<Term> {
    let mut terms = Vec::new();
    let text = |field: Field, v: &Option<String>, out: &mut Vec<Term>| {
        if let Some(v) = v {
            out.push(Term::from_field_text(field, v));
        }
    };
    text(fields.agency, &filters.agency, &mut terms);
    text(fields.method, &filters.method, &mut terms);
    text(
        fields.procurement_type,
        &filters.procurement_type,
        &mut terms,
    );
    text(fields.section_kind, &filters.section_kind, &mut terms);
    let int = |field: Field, v: Option<i64>, out: &mut Vec<Term>| {
        if let Some(v) = v {
            out.push(Term::from_field_i64(field, v));
        }
    };
    int(fields.project_id, filters.project_id, &mut terms);
    int(fields.document_id, filters.document_id, &mut terms);
    int(fields.year, filters.year, &mut terms);
    terms
}

/// Builds the full query: all `terms` (from [`split_terms`]) and all filters must match. No terms and no filters
/// matches every clause.
pub fn build_query(
    fields: &Fields,
    terms: &[String],
    filters: &Filters,
) -> Result<Box<dyn Query>, IndexError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for term in terms {
        clauses.push((Occur::Must, term_query(fields.text, term)?));
    }
    for t in filter_clauses(fields, filters) {
        let filter = TermQuery::new(t, IndexRecordOption::Basic);
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
        ));
    }
    // Scope restrictions: the clause's agency or project must be one of a set.
    if let Some(agencies) = &filters.agency_any {
        let set = agencies.iter().map(|a| Term::from_field_text(fields.agency, a));
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(TermSetQuery::new(set)), 0.0))));
    }
    if let Some(projects) = &filters.project_any {
        let set = projects.iter().map(|p| Term::from_field_i64(fields.project_id, *p));
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(TermSetQuery::new(set)), 0.0))));
    }
    Ok(match clauses.len() {
        0 => Box::new(AllQuery),
        1 => clauses
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| Box::new(AllQuery)),
        _ => Box::new(BooleanQuery::new(clauses)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_whitespace_and_keeps_quoted_phrases() {
        assert_eq!(split_terms("本地注册  资本"), vec!["本地注册", "资本"]);
        assert_eq!(split_terms("\"ISO 9001\" 认证"), vec!["ISO 9001", "认证"]);
        assert_eq!(
            split_terms("“本地 企业”\u{3000}分支"),
            vec!["本地 企业", "分支"]
        );
        assert_eq!(split_terms("\"unclosed phrase"), vec!["unclosed phrase"]);
        assert!(split_terms("  \"\"  ").is_empty());
    }

    #[test]
    fn punctuation_only_term_is_an_error() {
        let (_, fields) = crate::schema::build_schema();
        assert!(matches!(
            term_query(fields.text, "，。"),
            Err(IndexError::Query(_))
        ));
    }
}
