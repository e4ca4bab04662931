//! Turning uploaded bytes into [`Extracted`] blocks: PDF, DOCX and plain text.
//!
//! Every parser is bounded (size, pages, time, decompressed bytes) and returns a typed
//! [`IngestError`] instead of panicking; nothing is stored by ingest itself, so a refusal
//! leaves no trace.

pub mod docx;
mod limits;
pub mod pdf;
pub mod text;

pub use limits::{Deadline, IngestError, Limits};

use crate::core::document::{Extracted, Format};

/// Guesses the format from the leading bytes, falling back to the file name.
pub fn sniff_format(bytes: &[u8], file_name: Option<&str>) -> Result<Format, IngestError> {
    if bytes.starts_with(b"%PDF-") || bytes.len() > 5 && bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-") {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Format::Docx);
    }
    // Legacy binary .doc (OLE compound file) is common in government offices but unreadable here.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(IngestError::UnsupportedFormat(Some("legacy .doc/.xls".into())));
    }
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("pdf") => Ok(Format::Pdf),
        Some("docx") => Ok(Format::Docx),
        Some("txt") | Some("text") | None => Ok(Format::Text),
        Some(other) if !bytes.contains(&0) => {
            let _ = other;
            Ok(Format::Text)
        }
        Some(other) => Err(IngestError::UnsupportedFormat(Some(other.to_string()))),
    }
}

/// Extracts blocks from `bytes`, choosing the parser by content (then file name).
pub fn extract(bytes: &[u8], file_name: Option<&str>, limits: &Limits) -> Result<Extracted, IngestError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(IngestError::TooLarge { size: bytes.len() as u64, limit: limits.max_bytes });
    }
    let deadline = Deadline::after(limits.time_limit);
    let extracted = match sniff_format(bytes, file_name)? {
        Format::Pdf => pdf::extract(bytes, limits, &deadline)?,
        Format::Docx => docx::extract(bytes, limits, &deadline)?,
        Format::Text => text::extract(bytes, limits, &deadline)?,
    };
    if extracted.blocks.iter().all(|b| b.text.trim().is_empty()) {
        return Err(IngestError::Empty);
    }
    Ok(extracted)
}
