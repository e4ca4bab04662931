//! Supplier challenges (质疑) and complaints (投诉): records, import, statutory deadlines,
//! process checks and statistics (legal-basis §1 第五十二–五十八条, §4 财政部令第94号, §12).
//!
//! Synchronous domain core: no storage, HTTP or async. The adapters load and store the records
//! and call these functions.
//!
//! - [`model`]: parsed record types and vocabularies.
//! - [`csv`], [`xlsx`], `table`: reading (and writing) tabular files; [`xlsx`] reads XLSX, XLS
//!   and ODS workbooks (calamine) and writes XLSX (rust_xlsxwriter).
//! - [`import`]: validating an import ([`parse_import`]) without writing.
//! - [`deadlines`]: working-day periods and the overdue list.
//! - [`checks`]: process checks PR01–PR08, PR11 producing [`ProcessFlag`]s.
//! - [`metrics`] and [`report`]: statistics and their printers.

pub mod checks;
pub mod csv;
pub mod deadlines;
pub mod import;
pub mod metrics;
pub mod model;
pub mod report;
mod table;
pub mod xlsx;

pub use checks::{check_all, repeat_patterns, ProcessFlag, RecordKind, Severity};
pub use deadlines::{overdue, Deadlines, Due, Overdue, OverdueKind};
pub use import::{parse_import, FileKind, ImportFiles, ImportPlan, Known, RejectReason, RejectedRow};
pub use metrics::{
    metrics, ClauseLink, FindingStatus, GroupBy, Granularity, MetricsInput, MetricsQuery, MetricsReport, MetricsRow,
    PreStageActivity,
};
pub use model::{
    Category, Challenge, ChallengeId, ChallengeOutcome, ChallengeTarget, Complaint, ComplaintId, ComplaintOutcome, Fen,
    FieldError, Method, Project, ProjectNo, Suspension,
};
pub use table::{Cell, RawRow, RowError, Table};

#[cfg(test)]
mod fixture_tests;
