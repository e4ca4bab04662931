//! A clause-level full-text index over tantivy. It knows nothing of the domain types: callers
//! hand it [`IndexDoc`]s (ids, facet strings, text) and get [`SearchResults`] back.
//!
//! Search terms match as **exact substrings** of the clause text (CJK bigrams with char-index
//! positions, see [`analysis`]), which is what a compliance reviewer needs: "本地注册" finds
//! "须在本地注册" but not "项目所在地注册……本地供应商".
//!
//! Modules: [`analysis`] (tokenizer), [`schema`], [`query`] (query building), [`highlight`]
//! (snippets), [`facets`] (facet collector), and `clause_index` ([`ClauseIndex`] itself).

use std::collections::BTreeMap;

pub mod analysis;
mod clause_index;
pub mod facets;
pub mod highlight;
pub use highlight::Snippet;
pub mod query;
pub mod schema;

pub use clause_index::{
    ClauseIndex, IndexBatch, IndexOptions, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET,
};

/// Errors from the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// From tantivy: I/O, corruption, or (on open) "schema does not match".
    #[error("search index (tantivy) failed")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The request is invalid; a 400 for the caller.
    #[error("invalid query: {0}")]
    Query(QueryProblem),
    /// Anything else (e.g. the index directory cannot be created).
    #[error("{0}")]
    Other(String),
}

/// Why a query was refused. The text names the problem without repeating the query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryProblem {
    #[error("a term contains no letters, digits or CJK characters")]
    NoSearchableCharacters,
    #[error("the query is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the query has more than {max} terms")]
    TooManyTerms { max: usize },
    #[error("offset larger than the maximum {max}")]
    OffsetTooLarge { max: usize },
}

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms in one query (each term is one phrase query: the cost grows with their number).
pub const MAX_TERMS: usize = 16;

/// One clause to index.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct IndexDoc {
    pub clause_id: i64,
    pub document_id: i64,
    pub project_id: i64,
    /// Facet values (exact-match filters and facet counts).
    pub agency: String,
    pub year: i64,
    pub method: String,
    pub procurement_type: String,
    pub section_kind: String,
    /// Display-only.
    pub section: String,
    pub page: u32,
    pub ordinal: u32,
    /// The clause text (stored and indexed).
    pub text: String,
}

/// Exact-match filters; `None` means any.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    pub agency: Option<String>,
    /// Any of these agencies (a caller's scope); `Some(empty)` matches nothing.
    #[serde(default)]
    pub agency_any: Option<Vec<String>>,
    /// Any of these projects (e.g. the published ones); `Some(empty)` matches nothing.
    #[serde(default)]
    pub project_any: Option<Vec<i64>>,
    pub project_id: Option<i64>,
    pub document_id: Option<i64>,
    pub year: Option<i64>,
    pub method: Option<String>,
    pub procurement_type: Option<String>,
    pub section_kind: Option<String>,
}

/// A search request. `limit` 0 means [`DEFAULT_LIMIT`]; larger than [`MAX_LIMIT`] is clamped;
/// `offset` above [`MAX_OFFSET`] is an error.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Whitespace-separated terms, each matched as an exact substring (all must match);
    /// `"..."` quotes keep spaces inside a term.
    pub q: String,
    pub filters: Filters,
    pub limit: usize,
    pub offset: usize,
}

/// One hit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub clause_id: i64,
    pub document_id: i64,
    pub project_id: i64,
    pub page: u32,
    pub ordinal: u32,
    pub section: String,
    pub section_kind: String,
    /// The clause text (cut to a window) with the ranges that matched; not escaped.
    pub snippet: Snippet,
    pub score: f32,
}

/// Hits, total count, and facet counts (facet name -> [(value, count)] sorted by count desc,
/// then value). Facet names: `agency`, `year`, `method`, `procurement_type`, `section_kind`;
/// all five are always present. Counts cover every matching clause, not just the page. Empty
/// strings and year 0 are treated as unknown and not counted.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}
