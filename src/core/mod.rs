//! The domain core: synchronous, with no knowledge of axum, sea-orm, tokio or tantivy.
//!
//! The review pipeline, in order: [`ingest`] (bytes → text with pages), [`segment`] (text →
//! sections and clauses), [`rules`] (clauses → findings), joined by [`review::run`]. Beside
//! it: [`records`] (challenge and complaint registers, deadlines, metrics), [`calendar`]
//! (China's working days) and [`money`] (integer 分).

pub mod account;
pub mod calendar;
pub mod document;
pub mod finding;
pub mod ingest;
pub mod inspection;
pub mod money;
pub mod normalize;
pub mod precedent;
pub mod project;
pub mod quantity;
pub mod records;
pub mod review;
pub mod rules;
pub mod segment;
pub mod vocab;
pub mod workflow;
