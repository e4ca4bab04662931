//! fairtender: fair-competition review of government procurement documents.
//!
//! The domain core (`document`, `ingest`, `segment`, `calendar`, `money`, …) is synchronous
//! and knows nothing of HTTP, databases or the search index; the adapters behind the
//! `server` feature (`store`, `service`, `http`, `app`, `cli`) depend on it, never the reverse.
//! CI proves it with `cargo check --lib --no-default-features`.

pub mod calendar;
pub mod check;
pub mod document;
pub mod ingest;
pub mod money;
pub mod segment;
pub mod normalize;
pub mod quantity;
pub mod rules;
pub mod finding;
pub mod report;
pub mod records;

#[cfg(feature = "server")]
pub mod app;
#[cfg(feature = "server")]
pub mod cli;
#[cfg(feature = "server")]
mod demo;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod record_store;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
pub mod store;
