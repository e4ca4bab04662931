//! Placeholder: being written.
use crate::document::Extracted;
use crate::ingest::{Deadline, IngestError, Limits};

/// Extracts blocks from a docx file.
pub fn extract(_bytes: &[u8], _limits: &Limits, _deadline: &Deadline) -> Result<Extracted, IngestError> {
    Err(IngestError::UnsupportedFormat(Some("docx".into())))
}
