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

/// Decides the format from the content and the file name together: a PDF header at the start
/// (or, as PDF readers tolerate, after junk within the first KiB, unless the name says text — a
/// text file may well mention "%PDF-"), a zip for DOCX, otherwise the name, otherwise text.
pub fn sniff_format(bytes: &[u8], file_name: Option<&str>) -> Result<Format, IngestError> {
    let ext = file_name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    let named_text = matches!(ext.as_deref(), Some("txt" | "text"));
    let pdf_after_junk = || bytes.len() > 5 && bytes[..bytes.len().min(1024)].windows(5).any(|w| w == b"%PDF-");
    if bytes.starts_with(b"%PDF-") || (!named_text && pdf_after_junk()) {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(Format::Docx);
    }
    // Legacy binary .doc (OLE compound file) is common in government offices but unreadable here.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(IngestError::UnsupportedFormat(Some("legacy .doc/.xls".into())));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_content_and_name_together() {
        let mentions_pdf = "关于电子文件格式的说明：上传的文件须以 %PDF- 开头。\n第一章 总则".as_bytes();
        assert_eq!(sniff_format(mentions_pdf, Some("说明.txt")).unwrap(), Format::Text);
        assert_eq!(
            extract(mentions_pdf, Some("说明.txt"), &Limits::default()).unwrap().format,
            Format::Text,
            "a text file that mentions %PDF- is read as text"
        );
        // A real PDF header wins whatever the name says; junk before it is tolerated.
        assert_eq!(sniff_format(b"%PDF-1.7\n...", Some("x.txt")).unwrap(), Format::Pdf);
        assert_eq!(sniff_format(b"\r\n\r\n%PDF-1.4\n...", Some("x.pdf")).unwrap(), Format::Pdf);
        assert_eq!(sniff_format(b"\r\n%PDF-1.4\n...", None).unwrap(), Format::Pdf);
        assert_eq!(sniff_format(b"PK\x03\x04...", Some("a.docx")).unwrap(), Format::Docx);
        assert_eq!(sniff_format("第一章".as_bytes(), None).unwrap(), Format::Text);
    }
}
