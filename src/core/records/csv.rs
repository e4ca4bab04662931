//! CSV reading (RFC 4180: comma separator, `"` quoting with `""` escapes, quoted fields may span
//! lines) and writing, hand-rolled to keep the domain core small.
//!
//! Text decoding: UTF-8 with or without BOM, UTF-16 with BOM, otherwise GB18030 — the encoding
//! Excel on Chinese Windows uses for "CSV" exports. A broken row (unterminated quote, text after a
//! closing quote) is reported on its own; the reader resynchronises at the next line so the other
//! rows are still validated.

use super::table::{Cell, RawRow, RowError, Table};

/// Why a file could not be decoded as text at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Neither UTF-8 nor GB18030.
    #[error("文件编码无法识别（应为UTF-8或GB18030） / file is neither UTF-8 nor GB18030")]
    UnknownEncoding,
}

/// Which encoding a file was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (a BOM, if any, is removed).
    Utf8,
    /// UTF-16 with a BOM.
    Utf16,
    /// GB18030 (superset of GBK/GB2312).
    Gb18030,
}

/// Decodes CSV bytes: a BOM decides; else valid UTF-8 is UTF-8; else GB18030 without errors.
pub fn decode_text(bytes: &[u8]) -> Result<(String, TextEncoding), DecodeError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(DecodeError::UnknownEncoding);
        }
        let kind = if enc == encoding_rs::UTF_8 { TextEncoding::Utf8 } else { TextEncoding::Utf16 };
        return Ok((text.into_owned(), kind));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), TextEncoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(DecodeError::UnknownEncoding);
    }
    Ok((text.into_owned(), TextEncoding::Gb18030))
}

/// Splits decoded CSV text into rows. Row numbers count records (a quoted field spanning two
/// lines is still one row), 1-based with the header as row 1. Blank lines are skipped but keep
/// their number. The first row becomes the header; a file without any row has an empty header.
pub fn parse_csv(text: &str) -> Table {
    let mut rows = split_records(text);
    let header = match rows.first() {
        Some(RawRow { cells: Ok(cells), .. }) => cells.iter().map(|c| c.as_text().to_string()).collect(),
        _ => Vec::new(),
    };
    let header_ok = matches!(rows.first(), Some(RawRow { cells: Ok(_), .. }));
    if header_ok {
        rows.remove(0);
    }
    Table { header, rows }
}

fn split_records(text: &str) -> Vec<RawRow> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut row_no: usize = 0;
    loop {
        if chars.peek().is_none() {
            break;
        }
        row_no += 1;
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut error: Option<RowError> = None;
        let mut blank = true;
        // State machine over one record.
        'record: loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break 'record;
                }
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    fields.push(std::mem::take(&mut field));
                    break 'record;
                }
                Some('\n') => {
                    fields.push(std::mem::take(&mut field));
                    break 'record;
                }
                Some(',') => {
                    blank = false;
                    fields.push(std::mem::take(&mut field));
                }
                Some('"') if field.is_empty() => {
                    blank = false;
                    // Quoted field: read until the closing quote.
                    loop {
                        match chars.next() {
                            None => {
                                error = Some(RowError::UnterminatedQuote);
                                fields.push(std::mem::take(&mut field));
                                break 'record;
                            }
                            Some('"') => {
                                if chars.peek() == Some(&'"') {
                                    chars.next();
                                    field.push('"');
                                } else {
                                    break;
                                }
                            }
                            Some(c) => field.push(c),
                        }
                    }
                    // After the closing quote only a separator or the end of the line may follow.
                    match chars.peek() {
                        None | Some(',') | Some('\r') | Some('\n') => {}
                        Some(_) => {
                            error = Some(RowError::TextAfterQuote);
                            // Resynchronise at the end of the physical line.
                            for c in chars.by_ref() {
                                if c == '\n' {
                                    break;
                                }
                            }
                            break 'record;
                        }
                    }
                }
                Some(c) => {
                    if !c.is_whitespace() {
                        blank = false;
                    }
                    // A quote inside an unquoted field is kept literally (common in hand-made
                    // files: 采购文件第3.2条"注册资本" …).
                    field.push(c);
                }
            }
        }
        if error.is_none() && blank && fields.iter().all(|f| f.trim().is_empty()) {
            continue; // blank line
        }
        out.push(RawRow {
            row_no,
            cells: match error {
                Some(e) => Err(e),
                None => Ok(fields.into_iter().map(Cell::Text).collect()),
            },
        });
    }
    out
}

/// Quotes one CSV field when needed (separator, quote, line break, or leading/trailing space).
pub fn quote_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes rows as CSV text (CRLF line ends, as Excel writes them). Prepend a UTF-8 BOM yourself
/// if the file is meant for Excel.
pub fn write_csv<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> String {
    let mut out = String::new();
    out.push_str(&header.iter().map(|h| quote_field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.as_ref().iter().map(|f| quote_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(row: &RawRow) -> Vec<String> {
        row.cells.as_ref().unwrap().iter().map(|c| c.as_text().to_string()).collect()
    }

    #[test]
    fn quoting_and_multiline_fields() {
        let t = parse_csv("a,b,c\r\n1,\"x, y\",\"he said \"\"no\"\"\"\n2,\"two\nlines\",z\n\n3,,\n");
        assert_eq!(t.header, vec!["a", "b", "c"]);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[0].row_no, 2);
        assert_eq!(texts(&t.rows[0]), vec!["1", "x, y", "he said \"no\""]);
        assert_eq!(texts(&t.rows[1]), vec!["2", "two\nlines", "z"]);
        // The blank line is row 4; the last record is row 5.
        assert_eq!(t.rows[2].row_no, 5);
        assert_eq!(texts(&t.rows[2]), vec!["3", "", ""]);
    }

    #[test]
    fn broken_rows_are_isolated() {
        let t = parse_csv("a,b\n\"x\"y,1\n2,3\n4,\"never closed\n5,6\n");
        assert_eq!(t.rows[0].cells, Err(RowError::TextAfterQuote));
        assert_eq!(t.rows[0].row_no, 2);
        assert_eq!(texts(&t.rows[1]), vec!["2", "3"]);
        assert_eq!(t.rows[2].cells, Err(RowError::UnterminatedQuote));
        assert_eq!(t.rows[2].row_no, 4);
        assert_eq!(t.rows.len(), 3);
    }

    #[test]
    fn encodings() {
        let (s, e) = decode_text("\u{feff}项目,a".as_bytes()).unwrap();
        assert_eq!((s.as_str(), e), ("项目,a", TextEncoding::Utf8));
        let (gb, _, _) = encoding_rs::GB18030.encode("项目编号,采购人");
        let (s, e) = decode_text(&gb).unwrap();
        assert_eq!((s.as_str(), e), ("项目编号,采购人", TextEncoding::Gb18030));
        assert_eq!(decode_text(&[0xff, 0xff, 0x81]).map(|x| x.1), Err(DecodeError::UnknownEncoding));
    }

    #[test]
    fn write_then_read() {
        let rows = vec![vec!["1".to_string(), "a,\"b\"".to_string()], vec!["2".into(), "多\n行".into()]];
        let text = write_csv(&["id", "v"], &rows);
        let t = parse_csv(&text);
        assert_eq!(texts(&t.rows[0]), rows[0]);
        assert_eq!(texts(&t.rows[1]), rows[1]);
    }
}
