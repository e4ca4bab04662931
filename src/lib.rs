//! fairtender: fair-competition review of government procurement documents.
//!
//! The tree shows the pipeline and the boundary:
//!
//! - [`core`]: the synchronous domain — documents are ingested ([`core::ingest`]), segmented
//!   into clauses ([`core::segment`]), checked against the rule library ([`core::rules`]) by one
//!   entry point ([`core::review::run`]); challenge and complaint registers ([`core::records`]),
//!   the working-day calendar and money live beside them. The core knows nothing of HTTP,
//!   databases, async runtimes or the search index.
//! - [`report`]: printers that format what the core reports (text, JSON, HTML).
//! - `server` (feature `server`): the adapters — storage, the application service (the only
//!   door to storage), the HTTP API and the application that serves it.
//! - `cli` (feature `server`): the command line.
//!
//! CI proves the boundary with `cargo check --lib --no-default-features`.

pub mod core;
pub mod report;

#[cfg(feature = "server")]
pub mod cli;
#[cfg(feature = "server")]
pub mod server;
