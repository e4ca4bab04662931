//! Tests of the spreadsheet reader and writer, over workbooks made in code (XLSX with the
//! writer, ODS by hand) and one XLS fixture.

use super::*;
use books::*;
use chrono::NaiveDate;

/// Workbooks for the tests of this module and of the importer.
pub(in crate::core::records) mod books {
    use std::io::Write;

    /// `fixtures/records/projects.xls`: a projects register with Chinese headers on its first
    /// sheet ("项目") and a note on a second one. Made with xlwt 1.3.0
    /// (`pip install xlwt`), run from the repository root:
    ///
    /// ```python
    /// import datetime, xlwt
    /// book = xlwt.Workbook(encoding="utf-8")
    /// sheet = book.add_sheet("项目")
    /// date = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    /// head = ["项目编号", "项目名称", "采购人", "采购代理机构", "采购方式", "预算金额（元）", "公告日期", "合同签订日期"]
    /// for c, h in enumerate(head):
    ///     sheet.write(0, c, h)
    /// rows = [
    ///     ["XLS-01", "办公家具", "某区财政局", "甲代理", "公开招标", 1200000.5, datetime.date(2025, 1, 6), None],
    ///     ["XLS-02", "物业服务", "某区卫健委", None, "竞争性磋商", 350000, "2025年3月3日", datetime.date(2025, 4, 1)],
    ///     ["XLS-03", "打印纸", "某区教育局", "乙代理", "询价", "五万", datetime.date(2025, 2, 3), None],
    /// ]
    /// for r, row in enumerate(rows, start=1):
    ///     for c, v in enumerate(row):
    ///         if v is None:
    ///             continue
    ///         if isinstance(v, datetime.date):
    ///             sheet.write(r, c, datetime.datetime(v.year, v.month, v.day), date)
    ///         else:
    ///             sheet.write(r, c, v)
    /// book.add_sheet("说明").write(0, 0, "第一个工作表是项目登记表")
    /// book.save("fixtures/records/projects.xls")
    /// ```
    pub const XLS_PROJECTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/records/projects.xls"));

    /// An ODS workbook (mimetype, manifest, content) whose first table, "登记", has the given
    /// rows (see [`row`]); a second table follows, which the reader must ignore.
    pub fn ods(rows: &str) -> Vec<u8> {
        let ns = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#;
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2"><office:body><office:spreadsheet><table:table table:name="登记"><table:table-column table:number-columns-repeated="8"/>{rows}</table:table><table:table table:name="其他">{}</table:table></office:spreadsheet></office:body></office:document-content>"#,
            row(&[text("不应读取")])
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // The ODS specification asks for an uncompressed mimetype entry first.
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
        zip.start_file("META-INF/manifest.xml", deflated).unwrap();
        zip.write_all(manifest.as_bytes()).unwrap();
        zip.start_file("content.xml", deflated).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// A table row of the given cells.
    pub fn row(cells: &[String]) -> String {
        format!("<table:table-row>{}</table:table-row>", cells.concat())
    }

    /// A string cell.
    pub fn text(s: &str) -> String {
        let s = s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!(r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#)
    }

    /// A number cell.
    pub fn float(x: &str) -> String {
        format!(r#"<table:table-cell office:value-type="float" office:value="{x}"><text:p>{x}</text:p></table:table-cell>"#)
    }

    /// A date cell (`YYYY-MM-DD`).
    pub fn date(d: &str) -> String {
        format!(r#"<table:table-cell office:value-type="date" office:date-value="{d}"><text:p>{d}</text:p></table:table-cell>"#)
    }

    /// `n` empty cells, as LibreOffice writes them (one element with a repeat count).
    pub fn empty(n: usize) -> String {
        format!(r#"<table:table-cell table:number-columns-repeated="{n}"/>"#)
    }
}

fn t(s: &str) -> Cell {
    Cell::Text(s.into())
}

fn n(s: &str) -> Cell {
    Cell::Number(s.into())
}

#[test]
fn round_trip() {
    let d = NaiveDate::from_ymd_opt(2024, 7, 3).unwrap();
    let rows = vec![
        vec![OutCell::Text("id".into()), OutCell::Text("date".into()), OutCell::Text("amount".into())],
        vec![OutCell::Text("Q-1 <&>".into()), OutCell::Date(d), OutCell::Number("1200000.5".into())],
        vec![],
        vec![OutCell::Empty, OutCell::Text("第二行".into()), OutCell::Number("-70.00".into())],
    ];
    let bytes = write_xlsx("质疑", &rows).unwrap();
    let table = read_xlsx(&bytes).unwrap();
    assert_eq!(table.header, vec!["id", "date", "amount"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].row_no, 2);
    // The date cell has a date format, so it reads as a date.
    assert_eq!(table.rows[0].cells, Ok(vec![t("Q-1 <&>"), t("2024-07-03"), n("1200000.5")]));
    assert_eq!(table.rows[1].row_no, 4);
    // A number is a number: its trailing zeros were formatting.
    assert_eq!(table.rows[1].cells, Ok(vec![t(""), t("第二行"), n("-70")]));
}

#[test]
fn numbers_dates_and_other_values() {
    assert_eq!(cell_of(Data::Float(45476.0)), Some(n("45476")));
    assert_eq!(cell_of(Data::Float(0.07)), Some(n("0.07")));
    assert_eq!(cell_of(Data::Float(1e21)), Some(n("1000000000000000000000")));
    assert_eq!(cell_of(Data::Int(-3)), Some(n("-3")));
    assert_eq!(cell_of(Data::Bool(true)), Some(t("TRUE")));
    assert_eq!(cell_of(Data::Error(calamine::CellErrorType::NA)), Some(t("#N/A")));
    assert_eq!(cell_of(Data::String(String::new())), None);
    assert_eq!(cell_of(Data::Empty), None);
    assert_eq!(cell_of(Data::DateTimeIso("2025-01-06".into())), Some(t("2025-01-06")));
    let dt = |v: f64, typ| Data::DateTime(ExcelDateTime::new(v, typ, false));
    use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
    assert_eq!(cell_of(dt(45476.0, DateTime)), Some(t("2024-07-03")));
    assert_eq!(cell_of(dt(45476.5, DateTime)), Some(t("2024-07-03 12:00:00")));
    // The 1904 calendar counts from 1904-01-01.
    assert_eq!(cell_of(Data::DateTime(ExcelDateTime::new(44014.0, DateTime, true))), Some(t("2024-07-03")));
    // Outside Excel's calendar and durations stay serials, for the importer to judge.
    assert_eq!(cell_of(dt(-3.0, DateTime)), Some(n("-3")));
    assert_eq!(cell_of(dt(1.5, TimeDelta)), Some(n("1.5")));
    assert_eq!(decimals("-70.00"), 2);
    assert_eq!(decimals("12"), 0);
    assert!(matches!(parse_number("1,2"), Err(XlsxError::NotANumber(_))));
    assert!(matches!(write_xlsx("s", &[vec![OutCell::Number("abc".into())]]), Err(XlsxError::NotANumber(_))));
}

#[test]
fn ods_is_read() {
    let rows = [
        row(&[text("项目编号"), text("预算"), text("公告日期")]),
        row(&[]),
        row(&[text("OD-1"), float("1200000.5"), date("2025-01-06"), empty(1020)]),
        row(&[empty(1), float("50000"), text("2025年2月3日")]),
    ]
    .concat();
    let table = read_xlsx(&ods(&rows)).unwrap();
    assert_eq!(table.header, vec!["项目编号", "预算", "公告日期"]);
    let rows: Vec<_> = table.rows.iter().map(|r| (r.row_no, r.cells.clone().unwrap())).collect();
    assert_eq!(
        rows,
        vec![(3, vec![t("OD-1"), n("1200000.5"), t("2025-01-06")]), (4, vec![t(""), n("50000"), t("2025年2月3日")])]
    );
}

#[test]
fn xls_is_read() {
    let table = read_xlsx(XLS_PROJECTS).unwrap();
    assert_eq!(table.header, vec!["项目编号", "项目名称", "采购人", "采购代理机构", "采购方式", "预算金额（元）", "公告日期", "合同签订日期"]);
    let cells: Vec<_> = table.rows.iter().map(|r| r.cells.clone().unwrap()).collect();
    assert_eq!(cells[0], vec![t("XLS-01"), t("办公家具"), t("某区财政局"), t("甲代理"), t("公开招标"), n("1200000.5"), t("2025-01-06")]);
    assert_eq!(cells[1][3..], [t(""), t("竞争性磋商"), n("350000"), t("2025年3月3日"), t("2025-04-01")]);
    assert_eq!(cells[2][5], t("五万"));
    assert_eq!(table.rows.iter().map(|r| r.row_no).collect::<Vec<_>>(), vec![2, 3, 4]);
}

#[test]
fn garbage_and_truncated_workbooks_are_errors_not_panics() {
    assert!(matches!(read_xlsx(b""), Err(XlsxError::NotASpreadsheet)));
    assert!(matches!(read_xlsx(b"id,name\n1,x\n"), Err(XlsxError::NotASpreadsheet)));
    assert!(matches!(read_xlsx(b"PK\x03\x04garbage"), Err(XlsxError::Zip(_))));
    assert!(matches!(read_xlsx(&[bounds::CFB_MAGIC, b"garbage"].concat()), Err(XlsxError::Cfb(_))));
    let xlsx = write_xlsx("s", &[vec![OutCell::Text("id".into())], vec![OutCell::Number("1".into())]]).unwrap();
    let ods = ods(&row(&[text("id")]));
    for book in [&xlsx, &ods, &XLS_PROJECTS.to_vec()] {
        for cut in [4, 64, book.len() / 3, book.len() / 2, book.len() - 100] {
            assert!(read_xlsx(&book[..cut]).is_err(), "cut at {cut} of {}", book.len());
        }
    }
    // A zip that is neither: calamine finds no workbook in it.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
    let other = zip.finish().unwrap().into_inner();
    assert!(matches!(read_xlsx(&other), Err(XlsxError::Read { format: SheetFormat::Xlsx, .. })));
}

#[test]
fn mutated_ods_and_xls_never_panic() {
    // Deterministic byte mutations: the reader returns (a table or an error), never panics.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    let ods = ods(&[row(&[text("id"), text("date")]), row(&[text("A"), date("2025-01-06")])].concat());
    for round in 0..200 {
        let mut bytes = if round % 2 == 0 { ods.clone() } else { XLS_PROJECTS.to_vec() };
        for _ in 0..1 + next(4) {
            let i = next(bytes.len());
            bytes[i] = [0x00, 0xff, b'<', b'9', 0x7f][next(5)];
        }
        let _ = read_xlsx(&bytes);
    }
}

#[test]
fn far_apart_cells_are_not_expanded() {
    // Two cells at opposite corners of the sheet: the dense range would be 17 billion cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_number(1_048_575, 16_383, 1.0).unwrap();
    let table = read_xlsx(&book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].row_no, 1_048_576);
    assert_eq!(table.rows[0].cells.as_ref().unwrap().len(), 16_384);
}

#[test]
fn a_sheet_over_the_cell_limit_is_refused() {
    // Each row padded to the last column: 130 × 16384 cells are more than the limit.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for r in 0..130 {
        sheet.write_number(r, 16_383, 1.0).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    assert!(matches!(read_xlsx(&bytes), Err(XlsxError::TooManyCells { max: MAX_CELLS })));
}

#[test]
fn a_zip_bomb_is_refused() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..=MAX_PART_BYTES >> 20 {
        zip.write_all(&zeros).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    match read_xlsx(&bytes) {
        Err(XlsxError::TooLarge { part, max }) => assert_eq!((part.as_str(), max), ("xl/worksheets/sheet1.xml", MAX_PART_BYTES)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ods_repeats_are_bounded() {
    // One row element repeated to the last row, 100 columns wide: 100 million cells.
    let tall = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="string" table:number-columns-repeated="100"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    assert!(matches!(read_xlsx(&ods(tall)), Err(XlsxError::TooManyCells { .. })));
    // One 100 kB string repeated across every column: 1.6 GB of copies.
    let wide = format!(
        r#"<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>{}</text:p></table:table-cell></table:table-row>"#,
        "x".repeat(100_000)
    );
    assert!(matches!(read_xlsx(&ods(&wide)), Err(XlsxError::TooMuchText { .. })));
    // Rows whose only value sits far right: each row element keeps all the cells before it.
    let far = row(&[empty(16_000), float("1")]).repeat(200);
    assert!(matches!(read_xlsx(&ods(&far)), Err(XlsxError::TooManyCells { .. })));
    // Repeated empty rows and columns, as LibreOffice writes them, cost nothing.
    let filler = format!(r#"{}<table:table-row table:number-rows-repeated="1048570">{}</table:table-row>"#, row(&[text("id"), empty(1023)]), empty(1024));
    assert_eq!(read_xlsx(&ods(&filler)).unwrap().header, vec!["id"]);
}

/// The XLS fixture with its workbook stream's records rewritten in place: `patch` gets each
/// record's type and payload.
fn patched_xls(patch: impl Fn(u16, &mut [u8])) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut file = cfb::CompoundFile::open(std::io::Cursor::new(XLS_PROJECTS.to_vec())).unwrap();
    let mut stream = Vec::new();
    file.open_stream("/Workbook").unwrap().read_to_end(&mut stream).unwrap();
    let mut at = 0;
    while at + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        patch(typ, &mut stream[at + 4..at + 4 + len]);
        at += 4 + len;
    }
    file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// The fixture with every `DIMENSIONS` record (BIFF8: first row, last row + 1 as u32, first
/// column, last column + 1 as u16) rewritten.
fn xls_with_dimensions(rows: (u32, u32), cols: (u16, u16)) -> Vec<u8> {
    patched_xls(|typ, d| {
        if typ == 0x0200 {
            d[0..4].copy_from_slice(&rows.0.to_le_bytes());
            d[4..8].copy_from_slice(&rows.1.to_le_bytes());
            d[8..10].copy_from_slice(&cols.0.to_le_bytes());
            d[10..12].copy_from_slice(&cols.1.to_le_bytes());
        }
    })
}

#[test]
fn xls_declared_dimensions_are_bounded() {
    // The patch itself keeps the workbook readable.
    assert_eq!(read_xlsx(&xls_with_dimensions((0, 4), (0, 8))).unwrap().rows.len(), 3);
    // Rows 0..1048576, columns 0..256: calamine would reserve 268 million cells.
    assert!(matches!(read_xlsx(&xls_with_dimensions((0, 1_048_576), (0, 256))), Err(XlsxError::TooManyCells { .. })));
    // A last row before the first, which calamine's arithmetic would wrap.
    assert!(matches!(read_xlsx(&xls_with_dimensions((10, 2), (0, 8))), Err(XlsxError::Damaged(SheetFormat::Xls))));
}

#[test]
fn xls_sheet_offset_past_the_stream_is_refused() {
    // BoundSheet8 starts with the sheet's offset in the stream.
    let bytes = patched_xls(|typ, d| {
        if typ == 0x0085 {
            d[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        }
    });
    assert!(matches!(read_xlsx(&bytes), Err(XlsxError::Damaged(SheetFormat::Xls))));
}

#[test]
fn errors_print_each_cause_once() {
    use std::error::Error;
    let e = read_xlsx(b"PK\x03\x04garbage").unwrap_err();
    let (top, cause) = (e.to_string(), e.source().unwrap().to_string());
    assert!(top.contains("不是有效的XLSX文件") && top.contains("not a valid XLSX file"), "{top}");
    assert!(!top.contains(&cause), "{top} / {cause}");
}
