//! Printers for check results: one stable text line per finding, a JSON report, and a
//! self-contained printable HTML report.

pub mod html;
pub mod json;
pub mod text;

// The report is what the core's review produces; these modules only format it.
pub use crate::core::review::{DocumentReport, Report, RulebookInfo};
