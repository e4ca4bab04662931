//! A clause-level full-text index over tantivy. It knows nothing of the domain types: callers
//! hand it [`IndexDoc`]s (ids, facet strings, text) and get [`SearchResults`] back.
//! (API skeleton: being implemented.)

use std::collections::BTreeMap;
use std::path::Path;

/// Errors from the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("tantivy: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("invalid query: {0}")]
    Query(String),
    #[error("{0}")]
    Other(String),
}

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
    pub project_id: Option<i64>,
    pub document_id: Option<i64>,
    pub year: Option<i64>,
    pub method: Option<String>,
    pub procurement_type: Option<String>,
    pub section_kind: Option<String>,
}

/// A search request.
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
    /// HTML-escaped clause text with matches wrapped in `<mark>`.
    pub snippet: String,
    pub score: f32,
}

/// Hits, total count, and facet counts (facet name -> [(value, count)] sorted by count desc).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}

/// The clause index.
pub struct ClauseIndex {
    _private: (),
}

impl ClauseIndex {
    /// Opens the index in `dir`, creating it if missing.
    pub fn open_or_create(_dir: &Path) -> Result<ClauseIndex, IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// An in-memory index (tests, stateless use).
    pub fn in_memory() -> Result<ClauseIndex, IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// Adds clauses (replacing any already indexed for the same document ids) and commits.
    pub fn index_documents(&self, _docs: &[IndexDoc]) -> Result<(), IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// Removes every clause of a document and commits.
    pub fn delete_document(&self, _document_id: i64) -> Result<(), IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// Removes everything and commits (used by a full reindex).
    pub fn clear(&self) -> Result<(), IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// Document ids with at least one indexed clause (used to catch up after a crash).
    pub fn indexed_document_ids(&self) -> Result<std::collections::HashSet<i64>, IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
    /// Runs a query.
    pub fn search(&self, _q: &SearchQuery) -> Result<SearchResults, IndexError> {
        Err(IndexError::Other("not implemented yet".into()))
    }
}
