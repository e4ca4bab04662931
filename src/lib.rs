//! fairtender: fair-competition review of government procurement documents.
//!
//! The domain core (`document`, `ingest`, `segment`, ...) is synchronous and knows nothing of
//! HTTP, databases or the search index; the adapters behind the `server` feature depend on it.

pub mod calendar;
pub mod document;
pub mod ingest;
pub mod segment;
