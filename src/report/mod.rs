//! Printers for check results: one stable text line per finding, a JSON report, and a
//! self-contained printable HTML report.

pub mod html;
pub mod json;
pub mod text;

use serde::Serialize;

use crate::core::finding::Finding;

/// The result of checking one file.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReport {
    /// The file name as given by the caller.
    pub file: String,
    pub pages: u32,
    /// Number of clauses checked.
    pub clauses: usize,
    pub findings: Vec<Finding>,
    /// Why the file could not be checked (ingest or segmentation failure), if so.
    pub error: Option<String>,
}

/// The rule library a report was produced with.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct RulebookInfo {
    /// [`crate::core::rules::Rulebook::version`].
    pub version: String,
    /// Number of rules.
    pub rules: usize,
}

/// A whole report: the rulebook and every document checked.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub rulebook: RulebookInfo,
    pub documents: Vec<DocumentReport>,
}

impl Report {
    /// A report for `documents` produced by `rulebook`.
    pub fn new(rulebook: &crate::core::rules::Rulebook, documents: Vec<DocumentReport>) -> Report {
        Report { rulebook: RulebookInfo { version: rulebook.version().to_string(), rules: rulebook.rules().len() }, documents }
    }
}
