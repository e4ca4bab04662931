//! Minimal XLSX (Office Open XML spreadsheet) reading and writing with `zip` + `quick-xml`.
//!
//! Reading takes the first worksheet of the workbook, resolves shared strings, inline strings and
//! formula string results, and keeps numbers as their exact decimal text (date columns are Excel
//! serials, converted by the importer). Every zip entry is read with a size cap so a zip bomb is
//! refused rather than expanded. Writing produces one sheet with inline strings and numbers, plus
//! a date style, which Excel, WPS and LibreOffice open.

use super::table::{Cell, RawRow, Table};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

/// Upper bound on the decompressed size of one XML part.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Upper bound on the column index (XFD = 16384 in Excel).
const MAX_COLUMNS: usize = 16_384;

/// Why a workbook could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XlsxError {
    /// Not a zip archive, or a damaged one.
    #[error("不是有效的XLSX文件 / not a valid XLSX file: {0}")]
    Zip(String),
    /// A required part is missing.
    #[error("XLSX缺少部件 {0} / XLSX part {0} is missing")]
    MissingPart(String),
    /// A part is larger than the cap.
    #[error("XLSX部件 {0} 过大 / XLSX part {0} is too large")]
    TooLarge(String),
    /// Malformed XML.
    #[error("XLSX部件 {part} 的XML格式错误 / malformed XML in {part}: {reason}")]
    Xml { part: String, reason: String },
}

fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, XlsxError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(XlsxError::Zip(e.to_string())),
    };
    let mut buf = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| XlsxError::Zip(e.to_string()))?;
    if buf.len() as u64 > MAX_PART_BYTES {
        return Err(XlsxError::TooLarge(name.to_string()));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| XlsxError::Xml { part: name.to_string(), reason: "not UTF-8".into() })
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| unescape_min(&a.value))
}

/// Resolves the five predefined entities and character references in attribute values.
fn unescape_min(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find(';') {
            Some(j) => {
                out.push_str(&entity(&after[..j]).unwrap_or_else(|| format!("&{};", &after[..j])));
                rest = &after[j + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<String> {
    Some(match name {
        "lt" => "<".into(),
        "gt" => ">".into(),
        "amp" => "&".into(),
        "apos" => "'".into(),
        "quot" => "\"".into(),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?.to_string()
        }
    })
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> XlsxError {
    XlsxError::Xml { part: part.to_string(), reason: e.to_string() }
}

/// Collects the text of every `<si>` in sharedStrings.xml (plain `<t>` or rich-text runs; phonetic
/// `<rPh>` runs are skipped).
fn shared_strings(xml: &str) -> Result<Vec<String>, XlsxError> {
    let part = "xl/sharedStrings.xml";
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut in_si, mut in_t, mut in_rph) = (false, false, false);
    loop {
        match r.read_event().map_err(|e| xml_err(part, e))? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = true;
                    cur.clear();
                }
                "t" => in_t = in_si && !in_rph,
                "rPh" => in_rph = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    out.push(std::mem::take(&mut cur));
                }
                "t" => in_t = false,
                "rPh" => in_rph = false,
                _ => {}
            },
            Event::Text(t) if in_t => cur.push_str(&t.xml10_content()),
            Event::CData(t) if in_t => cur.push_str(t.as_ref()),
            Event::GeneralRef(g) if in_t => {
                if let Some(s) = entity(&g) {
                    cur.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Finds the path of the first worksheet: workbook.xml's first `<sheet r:id>` resolved through
/// workbook.xml.rels; falls back to `xl/worksheets/sheet1.xml`.
fn first_sheet_path(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<String, XlsxError> {
    let fallback = "xl/worksheets/sheet1.xml".to_string();
    let Some(wb) = read_part(zip, "xl/workbook.xml")? else { return Ok(fallback) };
    let mut rid = None;
    let mut r = Reader::from_str(&wb);
    loop {
        match r.read_event().map_err(|e| xml_err("xl/workbook.xml", e))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                rid = attr(&e, "r:id");
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let Some(rid) = rid else { return Ok(fallback) };
    let Some(rels) = read_part(zip, "xl/_rels/workbook.xml.rels")? else { return Ok(fallback) };
    let mut r = Reader::from_str(&rels);
    loop {
        match r.read_event().map_err(|e| xml_err("xl/_rels/workbook.xml.rels", e))? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship" && attr(&e, "Id").as_deref() == Some(rid.as_str()) =>
            {
                let target = attr(&e, "Target").unwrap_or_default();
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("xl/{target}"),
                };
                return Ok(path);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(fallback)
}

/// Column index (0-based) from a cell reference such as `AB12`.
fn column_of(r: &str) -> Option<usize> {
    let mut col: usize = 0;
    let mut any = false;
    for b in r.bytes() {
        if b.is_ascii_uppercase() {
            col = col.checked_mul(26)?.checked_add(usize::from(b - b'A') + 1)?;
            any = true;
        } else {
            break;
        }
    }
    if !any || col > MAX_COLUMNS {
        return None;
    }
    Some(col - 1)
}

/// Reads the first worksheet as a [`Table`]: sheet row 1 is the header, later rows keep their
/// sheet row numbers; rows with no non-empty cell are skipped.
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, XlsxError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| XlsxError::Zip(e.to_string()))?;
    let strings = match read_part(&mut zip, "xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml)?,
        None => Vec::new(),
    };
    let sheet_path = first_sheet_path(&mut zip)?;
    let sheet = read_part(&mut zip, &sheet_path)?.ok_or_else(|| XlsxError::MissingPart(sheet_path.clone()))?;
    let part = sheet_path.as_str();

    // Sheet rows: row number -> column -> cell.
    let mut rows: BTreeMap<usize, BTreeMap<usize, Cell>> = BTreeMap::new();
    let mut r = Reader::from_str(&sheet);
    let mut row_no: usize = 0;
    let mut col: usize = 0;
    let mut cell_type = String::new();
    let mut value = String::new();
    let (mut in_cell, mut in_v, mut in_t, mut in_rph) = (false, false, false, false);
    loop {
        match r.read_event().map_err(|e| xml_err(part, e))? {
            Event::Start(e) => match e.local_name().as_ref() {
                "row" => {
                    row_no = attr(&e, "r").and_then(|v| v.parse().ok()).unwrap_or(row_no + 1);
                    col = 0;
                }
                "c" => {
                    in_cell = true;
                    if let Some(c) = attr(&e, "r").and_then(|v| column_of(&v)) {
                        col = c;
                    }
                    cell_type = attr(&e, "t").unwrap_or_default();
                    value.clear();
                }
                "v" if in_cell => in_v = true,
                "t" if in_cell => in_t = !in_rph,
                "rPh" => in_rph = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "row" => {
                    row_no = attr(&e, "r").and_then(|v| v.parse().ok()).unwrap_or(row_no + 1);
                }
                "c" => {
                    if let Some(c) = attr(&e, "r").and_then(|v| column_of(&v)) {
                        col = c;
                    }
                    col += 1;
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "c" => {
                    in_cell = false;
                    let cell = match cell_type.as_str() {
                        "s" => {
                            let idx: Option<usize> = value.trim().parse().ok();
                            Cell::Text(idx.and_then(|i| strings.get(i).cloned()).unwrap_or_default())
                        }
                        "inlineStr" | "str" | "e" => Cell::Text(std::mem::take(&mut value)),
                        "b" => Cell::Text(if value.trim() == "1" { "TRUE".into() } else { "FALSE".into() }),
                        _ => Cell::Number(value.trim().to_string()),
                    };
                    if !cell.as_text().is_empty() && col < MAX_COLUMNS {
                        rows.entry(row_no).or_default().insert(col, cell);
                    }
                    col += 1;
                }
                "v" => in_v = false,
                "t" => in_t = false,
                "rPh" => in_rph = false,
                _ => {}
            },
            Event::Text(t) if in_v || in_t => value.push_str(&t.xml10_content()),
            Event::GeneralRef(g) if in_v || in_t => {
                if let Some(s) = entity(&g) {
                    value.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }

    let to_vec = |m: &BTreeMap<usize, Cell>| -> Vec<Cell> {
        let width = m.keys().next_back().map_or(0, |k| k + 1);
        let mut v = vec![Cell::Text(String::new()); width];
        for (k, c) in m {
            v[*k] = c.clone();
        }
        v
    };
    let mut iter = rows.into_iter();
    let header = match iter.next() {
        Some((_, cells)) => to_vec(&cells).iter().map(|c| c.as_text().to_string()).collect(),
        None => Vec::new(),
    };
    let rows = iter.map(|(row_no, cells)| RawRow { row_no, cells: Ok(to_vec(&cells)) }).collect();
    Ok(Table { header, rows })
}

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum OutCell {
    /// A string (written inline).
    Text(String),
    /// A number given as exact decimal text, e.g. `"-70.00"` or `"12"`.
    Number(String),
    /// A date, written as an Excel serial with a date format.
    Date(chrono::NaiveDate),
    /// Nothing.
    Empty,
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

fn col_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Writes one worksheet named `sheet_name` with the given rows (the first is usually a header).
pub fn write_xlsx(sheet_name: &str, rows: &[Vec<OutCell>]) -> Result<Vec<u8>, XlsxError> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (ri, row) in rows.iter().enumerate() {
        let rn = ri + 1;
        sheet.push_str(&format!(r#"<row r="{rn}">"#));
        for (ci, cell) in row.iter().enumerate() {
            let r = format!("{}{rn}", col_name(ci));
            match cell {
                OutCell::Text(s) => sheet.push_str(&format!(
                    r#"<c r="{r}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                    esc(s)
                )),
                OutCell::Number(n) => sheet.push_str(&format!(r#"<c r="{r}"><v>{}</v></c>"#, esc(n))),
                OutCell::Date(d) => sheet.push_str(&format!(
                    r#"<c r="{r}" s="1"><v>{}</v></c>"#,
                    super::model::date_to_excel_serial(*d)
                )),
                OutCell::Empty => {}
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");

    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#, esc(sheet_name))),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        w.start_file(name, opts).map_err(|e| XlsxError::Zip(e.to_string()))?;
        w.write_all(body.as_bytes()).map_err(|e| XlsxError::Zip(e.to_string()))?;
    }
    let cur = w.finish().map_err(|e| XlsxError::Zip(e.to_string()))?;
    Ok(cur.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn round_trip() {
        let d = NaiveDate::from_ymd_opt(2024, 7, 3).unwrap();
        let rows = vec![
            vec![OutCell::Text("id".into()), OutCell::Text("date".into()), OutCell::Text("amount".into())],
            vec![OutCell::Text("Q-1 <&>".into()), OutCell::Date(d), OutCell::Number("1200000.5".into())],
            vec![],
            vec![OutCell::Empty, OutCell::Text("第二行".into())],
        ];
        let bytes = write_xlsx("质疑", &rows).unwrap();
        let t = read_xlsx(&bytes).unwrap();
        assert_eq!(t.header, vec!["id", "date", "amount"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].row_no, 2);
        assert_eq!(
            t.rows[0].cells,
            Ok(vec![Cell::Text("Q-1 <&>".into()), Cell::Number("45476".into()), Cell::Number("1200000.5".into())])
        );
        assert_eq!(t.rows[1].row_no, 4);
        assert_eq!(t.rows[1].cells, Ok(vec![Cell::Text(String::new()), Cell::Text("第二行".into())]));
    }

    #[test]
    fn shared_strings_and_rich_text() {
        let xml = r#"<sst><si><t>项目编号</t></si><si><r><t>采购</t></r><r><t xml:space="preserve"> 人</t></r><rPh><t>x</t></rPh></si><si/></sst>"#;
        assert_eq!(shared_strings(xml).unwrap(), vec!["项目编号", "采购 人", ""]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(read_xlsx(b"PK\x03\x04garbage"), Err(XlsxError::Zip(_))));
        assert!(matches!(read_xlsx(b""), Err(XlsxError::Zip(_))));
    }

    #[test]
    fn column_names() {
        assert_eq!(column_of("A1"), Some(0));
        assert_eq!(column_of("AB12"), Some(27));
        assert_eq!(col_name(27), "AB");
        assert_eq!(col_name(0), "A");
        assert_eq!(column_of("1"), None);
    }
}
