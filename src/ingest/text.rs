//! Plain-text extraction: encoding detection, then one block per non-empty line.
//!
//! Encodings, in order: a UTF-8 / UTF-16LE / UTF-16BE byte-order mark, then valid UTF-8, then
//! GB18030 (a superset of GBK and GB2312, what Chinese Windows tools save as "ANSI"), accepted
//! only when it decodes without a single error; anything else is
//! [`IngestError::UnknownEncoding`] rather than mojibake.
//!
//! Lines are not reflowed: text files in this domain carry one paragraph per line. A line
//! with " | " or tab-separated cells becomes a table row; a form feed starts a new page.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::document::{Block, Extracted, Format};
use crate::ingest::{Deadline, IngestError, Limits};

/// The deadline is checked once per this many lines.
const LINES_PER_DEADLINE_CHECK: usize = 1000;
const FORM_FEED: char = '\x0C';
const CELL_SEPARATOR: &str = " | ";

/// Decodes `bytes` and turns each non-empty line into a paragraph or table-row block.
///
/// Refuses with [`IngestError::UnknownEncoding`] when the bytes are neither (BOM-marked)
/// Unicode nor error-free GB18030, and with [`IngestError::Timeout`] when `deadline` passes.
/// Size limits are the caller's job (`ingest::extract` checks `max_bytes`).
pub fn extract(bytes: &[u8], _limits: &Limits, deadline: &Deadline) -> Result<Extracted, IngestError> {
    let text = decode(bytes)?;
    let (blocks, pages) = lines_to_blocks(&text, deadline)?;
    Ok(Extracted { format: Format::Text, pages, blocks })
}

/// Decodes text in the first encoding that fits (see the module doc).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, IngestError> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Cow::Borrowed(std::str::from_utf8(rest).map_err(|_| IngestError::UnknownEncoding)?)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        strict_decode(UTF_16LE, rest)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        strict_decode(UTF_16BE, rest)?
    } else if let Ok(utf8) = std::str::from_utf8(bytes) {
        Cow::Borrowed(utf8)
    } else {
        strict_decode(GB18030, bytes)?
    };
    // NUL never occurs in text; it means a binary file (or BOM-less UTF-16) was decoded.
    if text.contains('\0') {
        return Err(IngestError::UnknownEncoding);
    }
    Ok(text)
}

/// Decodes without BOM sniffing and without replacement characters: any malformed
/// sequence refuses the whole file.
fn strict_decode<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, IngestError> {
    encoding.decode_without_bom_handling_and_without_replacement(bytes).ok_or(IngestError::UnknownEncoding)
}

/// Splits decoded text into blocks; returns them with the page count (1 + form feeds).
fn lines_to_blocks(text: &str, deadline: &Deadline) -> Result<(Vec<Block>, u32), IngestError> {
    let mut blocks = Vec::new();
    let mut page: u32 = 1;
    for (i, line) in text.split('\n').enumerate() {
        if i.is_multiple_of(LINES_PER_DEADLINE_CHECK) {
            deadline.check()?;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A form feed (pdftotext and some exporters put one between pages) may sit anywhere
        // in a line; the text after it belongs to the next page.
        for (j, segment) in line.split(FORM_FEED).enumerate() {
            if j > 0 {
                page = page.saturating_add(1);
            }
            if let Some(block) = line_block(segment, page) {
                blocks.push(block);
            }
        }
    }
    Ok((blocks, page))
}

/// One line as a block: a table row when it has 2+ cells separated by " | " or tabs,
/// otherwise a paragraph (trimmed, including the full-width indentation spaces "　　").
/// Blank lines give `None`.
fn line_block(line: &str, page: u32) -> Option<Block> {
    if line.trim().is_empty() {
        return None;
    }
    if let Some(cells) = table_cells(line) {
        return Some(Block::table_row(cells, page));
    }
    Some(Block::paragraph(line.trim(), page))
}

/// The cells of a table-row line. Cells are split before trimming so that empty trailing
/// cells ("a | b | ") keep their column. Tab-separated lines need at least two non-empty
/// cells, since a stray tab after a sentence is not a table.
fn table_cells(line: &str) -> Option<Vec<String>> {
    let split = |sep: &str| -> Vec<String> { line.split(sep).map(|c| c.trim().to_owned()).collect() };
    if line.contains(CELL_SEPARATOR) {
        let cells = split(CELL_SEPARATOR);
        return (cells.len() >= 2).then_some(cells);
    }
    if line.contains('\t') {
        let cells = split("\t");
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        return (filled >= 2).then_some(cells);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::BlockKind;
    use std::path::Path;
    use std::time::Duration;

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn run(bytes: &[u8]) -> Result<Extracted, IngestError> {
        extract(bytes, &Limits::default(), &Deadline::after(Duration::from_secs(60)))
    }

    fn texts(doc: &Extracted) -> Vec<&str> {
        doc.blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn gbk_file_decodes_like_its_utf8_twin() {
        let gbk = fixture("gbk_notice.txt");
        assert!(std::str::from_utf8(&gbk).is_err(), "fixture must really be GBK");
        let from_gbk = run(&gbk).expect("gbk");
        let from_utf8 = run(&fixture("gbk_notice.utf8.txt")).expect("utf8");
        assert_eq!(from_gbk, from_utf8);
        assert!(from_gbk.blocks.iter().any(|b| b.text.contains("云溪市")));
        assert_eq!(from_gbk.format, Format::Text);
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let bytes = fixture("utf8_bom.txt");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let doc = run(&bytes).expect("bom");
        assert!(!doc.blocks[0].text.starts_with('\u{FEFF}'));
        assert!(doc.blocks[0].text.starts_with("云溪市"), "{}", doc.blocks[0].text);
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        let text = "第一章 采购公告\r\n预算金额：120万元\r\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        for bytes in [le, be] {
            assert_eq!(texts(&run(&bytes).expect("utf16")), ["第一章 采购公告", "预算金额：120万元"]);
        }
        // odd byte count: truncated UTF-16 is refused, not guessed
        assert!(matches!(run(&[0xFF, 0xFE, 0x41]), Err(IngestError::UnknownEncoding)));
    }

    #[test]
    fn undecodable_bytes_are_refused() {
        for bytes in [&b"\x81\x20\xff\xfe\x80abc"[..], b"\xEF\xBB\xBF\xC3\x28", b"PK\x03\x04\x00\x00binary\x00"] {
            assert!(matches!(run(bytes), Err(IngestError::UnknownEncoding)), "{bytes:?}");
        }
    }

    #[test]
    fn lines_tables_and_pages() {
        let text = "  第一章 招标公告  \n\n　　一、项目名称：云溪市某项目\r\n序号 | 条款名称 | 内容\n1 | 工期 | \n\
                    评分项目\t分值\t评分标准\n备注：\t\n\x0C第二章 投标人须知\n末行\x0C下一页";
        let doc = run(text.as_bytes()).expect("text");
        assert_eq!(
            texts(&doc),
            [
                "第一章 招标公告",
                "一、项目名称：云溪市某项目",
                "序号 | 条款名称 | 内容",
                "1 | 工期 | ",
                "评分项目 | 分值 | 评分标准",
                "备注：",
                "第二章 投标人须知",
                "末行",
                "下一页"
            ]
        );
        assert_eq!(doc.blocks[3].kind, BlockKind::TableRow { cells: vec!["1".into(), "工期".into(), String::new()] });
        assert_eq!(doc.blocks[5].kind, BlockKind::Paragraph { heading_level: None });
        let pages: Vec<u32> = doc.blocks.iter().map(|b| b.page).collect();
        assert_eq!(pages, [1, 1, 1, 1, 1, 1, 2, 2, 3]);
        assert_eq!(doc.pages, 3);
    }

    #[test]
    fn empty_input_gives_no_blocks() {
        let doc = run(b"").expect("empty");
        assert!(doc.blocks.is_empty());
        assert_eq!(doc.pages, 1);
    }

    #[test]
    fn dev_corpus_style_text_round_trips() {
        // The expected-output file of the DOCX fixture uses the same conventions.
        let doc = run(&fixture("tender_numbered.txt")).expect("txt");
        let source = String::from_utf8(fixture("tender_numbered.txt")).expect("utf8");
        assert_eq!(texts(&doc), source.lines().collect::<Vec<_>>());
    }

    #[test]
    fn expired_deadline_times_out() {
        let deadline = Deadline::after(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        let result = extract(b"a\nb", &Limits::default(), &deadline);
        assert!(matches!(result, Err(IngestError::Timeout { .. })));
    }
}
