//! The review pipeline in one place: bytes → extracted text → segmented clauses → findings.
//! Every adapter (CLI `check`, the HTTP upload and the stateless `POST /check`) calls
//! [`run`]; [`check_files`] runs it over many files in parallel on plain threads (the core
//! stays synchronous).

use crate::core::document::SegmentedDocument;
use crate::core::finding::{Finding, Severity, Stage};
use crate::core::ingest::{self, IngestError, Limits};
use crate::core::rules::Rulebook;
use crate::core::segment::segment;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A reviewed document: its clauses and the findings on them (each finding names its clause
/// by `clause_ordinal`).
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub document: SegmentedDocument,
    pub findings: Vec<Finding>,
}

/// Extracts and segments `bytes` (named `file_name`, whose extension helps detect the format)
/// without checking it.
pub fn parse(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<SegmentedDocument, IngestError> {
    let extracted = ingest::extract(bytes, Some(file_name), limits)?;
    Ok(segment(&extracted))
}

/// The pipeline: parse, then check every clause with the rules of `stage` (`None`: every
/// stage's rules). A refused file is an [`IngestError`].
pub fn run(bytes: &[u8], file_name: &str, rulebook: &Rulebook, stage: Option<Stage>, limits: &Limits) -> Result<Reviewed, IngestError> {
    let document = parse(bytes, file_name, limits)?;
    let findings = rulebook.check(&document, stage);
    Ok(Reviewed { document, findings })
}

impl Reviewed {
    /// The report entry for this document.
    pub fn report(self, file: &str) -> DocumentReport {
        DocumentReport {
            file: file.to_string(),
            pages: self.document.pages,
            clauses: self.document.clauses.len(),
            findings: self.findings,
            error: None,
        }
    }
}

/// Checks in-memory bytes; a refused file becomes a report entry with its error.
pub fn check_bytes(file: &str, bytes: &[u8], rulebook: &Rulebook, stage: Option<Stage>, limits: &Limits) -> DocumentReport {
    match run(bytes, file, rulebook, stage, limits) {
        Ok(reviewed) => reviewed.report(file),
        Err(e) => DocumentReport { file: file.to_string(), pages: 0, clauses: 0, findings: Vec::new(), error: Some(e.to_string()) },
    }
}

/// Checks `files` (paths as given, kept in the report) on up to `threads` threads; the report
/// lists documents in the order given.
pub fn check_files(files: &[PathBuf], rulebook: &Rulebook, stage: Option<Stage>, limits: &Limits, threads: usize) -> Report {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<DocumentReport>>> = Mutex::new(vec![None; files.len()]);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, files.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let name = path.display().to_string();
                let report = match std::fs::read(path) {
                    Ok(bytes) => check_bytes(&name, &bytes, rulebook, stage, limits),
                    Err(e) => DocumentReport { file: name, pages: 0, clauses: 0, findings: Vec::new(), error: Some(e.to_string()) },
                };
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(report);
                }
            });
        }
    });
    let documents = results.into_inner().unwrap_or_default().into_iter().flatten().collect();
    Report::new(rulebook, documents)
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Violation,
    Warning,
    Never,
}

impl FailOn {
    /// Whether `f` is at or above the threshold.
    pub fn trips(self, f: &Finding) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Violation => f.severity == Severity::Violation,
            FailOn::Warning => matches!(f.severity, Severity::Violation | Severity::Warning),
        }
    }
}

/// Exit code for a report: 2 if any file failed, 1 if any finding trips `fail_on`, else 0.
pub fn exit_code(report: &Report, fail_on: FailOn) -> i32 {
    if report.documents.iter().any(|d| d.error.is_some()) {
        2
    } else if report.documents.iter().flat_map(|d| &d.findings).any(|f| fail_on.trips(f)) {
        1
    } else {
        0
    }
}

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
    /// [`Rulebook::version`].
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
    pub fn new(rulebook: &Rulebook, documents: Vec<DocumentReport>) -> Report {
        Report { rulebook: RulebookInfo { version: rulebook.version().to_string(), rules: rulebook.rules().len() }, documents }
    }
}
