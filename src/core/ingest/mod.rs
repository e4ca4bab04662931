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

/// Property tests: real fixture files, mutated (bytes replaced, inserted, removed, the file cut
/// short), never make a reader panic or run past its time limit. `PROPTEST_CASES` sets the
/// number of cases (48 by default, as CI runs them; `docs/quality.md` records a longer run).
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    const FILES: &[(&str, &[u8])] = &[
        ("tender_small.pdf", include_bytes!("../../../fixtures/tender_small.pdf")),
        ("two_column.pdf", include_bytes!("../../../fixtures/two_column.pdf")),
        ("landscape_table.pdf", include_bytes!("../../../fixtures/landscape_table.pdf")),
        ("nonembedded_font.pdf", include_bytes!("../../../fixtures/nonembedded_font.pdf")),
        ("tender_numbered.docx", include_bytes!("../../../fixtures/tender_numbered.docx")),
        ("gbk_notice.txt", include_bytes!("../../../fixtures/gbk_notice.txt")),
        ("tender_small.txt", include_bytes!("../../../fixtures/tender_small.txt")),
    ];

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, max_shrink_iters: 16, ..ProptestConfig::default() })]

        #[test]
        fn mutated_documents_never_panic_or_hang(
            file in 0..FILES.len(),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..12),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let (name, original) = FILES[file];
            let mut bytes = original.to_vec();
            for (pos, byte, kind) in edits {
                let i = pos % bytes.len().max(1);
                match kind {
                    0 if !bytes.is_empty() => bytes[i] = byte,
                    1 => bytes.insert(i.min(bytes.len()), byte),
                    _ if !bytes.is_empty() => { bytes.remove(i); }
                    _ => {}
                }
            }
            if let Some(c) = cut {
                bytes.truncate(c % (bytes.len() + 1));
            }
            let limits = Limits { time_limit: Duration::from_secs(2), ..Limits::default() };
            let started = Instant::now();
            // On a thread, so that a reader that ignores its deadline fails the test (with the
            // input saved for a regression test) instead of hanging it.
            let (tx, rx) = std::sync::mpsc::channel();
            let input = bytes.clone();
            std::thread::spawn(move || {
                let _ = extract(&input, Some(name), &limits);
                let _ = tx.send(());
            });
            let finished = rx.recv_timeout(Duration::from_secs(10)).is_ok();
            if !finished {
                let path = std::env::temp_dir().join(format!("fairtender-hang-{}", name));
                let _ = std::fs::write(&path, &bytes);
                prop_assert!(false, "{name} still parsing after 10 s (time limit 2 s); input saved to {}", path.display());
            }
            prop_assert!(started.elapsed() < Duration::from_secs(10), "{name}: {:?}", started.elapsed());
        }

        /// Mutations inside the DOCX's `word/document.xml`, re-zipped so that they reach the XML
        /// reader (a mutated zip mostly fails its checksum before that).
        #[test]
        fn mutated_docx_xml_never_panics_or_hangs(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..12),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let mut xml = docx_part(FILES[4].1, "word/document.xml");
            for (pos, byte, kind) in edits {
                let i = pos % xml.len().max(1);
                match kind {
                    0 if !xml.is_empty() => xml[i] = byte,
                    1 => xml.insert(i.min(xml.len()), byte),
                    _ if !xml.is_empty() => { xml.remove(i); }
                    _ => {}
                }
            }
            if let Some(c) = cut {
                xml.truncate(c % (xml.len() + 1));
            }
            let bytes = with_part(FILES[4].1, "word/document.xml", &xml);
            let limits = Limits { time_limit: Duration::from_secs(2), ..Limits::default() };
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = extract(&bytes, Some("t.docx"), &limits);
                let _ = tx.send(());
            });
            prop_assert!(rx.recv_timeout(Duration::from_secs(10)).is_ok(), "docx reader still running after 10 s");
        }
    }

    /// One part of a zip, read whole.
    fn docx_part(docx: &[u8], name: &str) -> Vec<u8> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("fixture is a zip");
        let mut out = Vec::new();
        zip.by_name(name).expect("part present").read_to_end(&mut out).expect("part reads");
        out
    }

    /// The zip with `name` replaced by `bytes` (every other part copied as is).
    fn with_part(docx: &[u8], name: &str, bytes: &[u8]) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut src = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("fixture is a zip");
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for i in 0..src.len() {
            let mut f = src.by_index(i).expect("entry");
            let entry = f.name().expect("entry name").to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("entry reads");
            out.start_file(entry.as_str(), opts).expect("start");
            out.write_all(if entry == name { bytes } else { &data }).expect("write");
        }
        out.finish().expect("finish").into_inner()
    }
}
