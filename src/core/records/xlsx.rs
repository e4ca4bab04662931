//! Spreadsheet registers: reading XLSX, XLS and ODS with `calamine`, writing XLSX with
//! `rust_xlsxwriter`.
//!
//! Reading takes the first worksheet of the workbook as a [`Table`]. The format is told by the
//! bytes, not the file name: a zip is XLSX unless its `mimetype` entry says ODS, an OLE compound
//! file is XLS. Cells become [`Cell`]s:
//! - text, booleans (`TRUE`/`FALSE`) and error values (`#N/A`) as text;
//! - numbers as the shortest decimal text that reads back as the same number (calamine reads
//!   them as `f64`; `1200000.5` stays `1200000.5`, `45476` stays `45476`), so an unformatted date
//!   serial is still a serial the importer converts;
//! - date-formatted cells (and ODS dates) as ISO dates, `2024-07-03` (with ` hh:mm:ss` when the
//!   cell has a time of day), which the importer's date parser reads.
//!
//! Hostile workbooks are refused before they are expanded: see the `bounds` module for the
//! limits. Writing produces one sheet with strings, numbers and dates, which Excel, WPS and
//! LibreOffice open.

mod bounds;

use super::table::{Cell, RawRow, Table};
use bounds::{TableBudget, MAX_COLUMNS};
use calamine::{Data, ExcelDateTime, Reader, Sheet, SheetType};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use bounds::{MAX_CELLS, MAX_PART_BYTES, MAX_TEXT_BYTES};

/// The spreadsheet formats that are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Office Open XML workbook (Excel 2007 and later, WPS).
    Xlsx,
    /// Excel 97–2003 binary workbook.
    Xls,
    /// OpenDocument spreadsheet (LibreOffice, WPS).
    Ods,
}

impl fmt::Display for SheetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SheetFormat::Xlsx => "XLSX",
            SheetFormat::Xls => "XLS",
            SheetFormat::Ods => "ODS",
        })
    }
}

/// Why a workbook could not be read or written.
///
/// Variants with a source do not repeat its text: print the chain to see the cause.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// The bytes are neither a zip (XLSX, ODS) nor an OLE compound file (XLS).
    #[error("不是有效的XLSX、XLS或ODS文件 / not a valid XLSX, XLS or ODS file")]
    NotASpreadsheet,
    /// Not a zip archive, or a damaged one.
    #[error("不是有效的XLSX文件 / not a valid XLSX file")]
    Zip(#[source] zip::result::ZipError),
    /// Not an OLE compound file, or a damaged one.
    #[error("不是有效的XLS文件 / not a valid XLS file")]
    Cfb(#[source] std::io::Error),
    /// The container is sound but the workbook inside could not be parsed.
    #[error("{format}文件已损坏或无法解析 / the {format} file is damaged or cannot be parsed")]
    Read {
        /// The format it was read as.
        format: SheetFormat,
        /// calamine's error.
        #[source]
        source: calamine::Error,
    },
    /// The reader failed on the workbook's content (a malformed record it did not expect).
    #[error("{0}文件已损坏，无法读取 / the {0} file is damaged and cannot be read")]
    Damaged(SheetFormat),
    /// The workbook has no worksheet.
    #[error("{0}文件中没有工作表 / the {0} file has no worksheet")]
    NoSheet(SheetFormat),
    /// A part of the file (zip entry, XLS stream) is larger than the cap.
    #[error("文件部件 {part} 过大（上限{max}字节）/ part {part} is larger than {max} bytes")]
    TooLarge {
        /// The part's name.
        part: String,
        /// The cap in bytes.
        max: u64,
    },
    /// The sheet would hold more cells than [`MAX_CELLS`].
    #[error("工作表过大：超过{max}个单元格 / the sheet is too large: more than {max} cells")]
    TooManyCells {
        /// The cap.
        max: usize,
    },
    /// The sheet would hold more text than [`MAX_TEXT_BYTES`].
    #[error("工作表文字过多：超过{max}字节 / the sheet holds too much text: more than {max} bytes")]
    TooMuchText {
        /// The cap in bytes.
        max: usize,
    },
    /// A cell to write as a number is not a number.
    #[error("“{0}”不是数字，无法写入XLSX / '{0}' is not a number and cannot be written to XLSX")]
    NotANumber(String),
    /// The workbook could not be written.
    #[error("无法生成XLSX文件 / cannot write the XLSX file")]
    Write(#[source] rust_xlsxwriter::XlsxError),
}

/// Whether the bytes begin as a workbook does: a zip (XLSX, ODS) or an OLE compound file (XLS).
/// Says nothing of whether the workbook is readable.
pub fn is_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(bounds::ZIP_MAGIC) || bytes.starts_with(bounds::CFB_MAGIC)
}

/// Reads the first worksheet of an XLSX, XLS or ODS workbook as a [`Table`]: its first row with
/// a non-empty cell is the header, later rows keep their sheet row numbers (1-based); rows with
/// no non-empty cell are skipped. Column positions are kept (column A is index 0).
pub fn read_xlsx(bytes: &[u8]) -> Result<Table, XlsxError> {
    let format = bounds::check(bytes)?;
    // calamine is fuzzed but not free of index panics on malformed records; a damaged upload
    // must be refused, not take the request (or the CLI) down with it.
    let cells = catch_unwind(AssertUnwindSafe(|| read_cells(format, bytes))).map_err(|_| XlsxError::Damaged(format))??;
    Ok(cells.into_table())
}

/// Reads the cells of the first worksheet in the given format.
fn read_cells(format: SheetFormat, bytes: &[u8]) -> Result<SheetCells, XlsxError> {
    let read = |source: calamine::Error| XlsxError::Read { format, source };
    match format {
        SheetFormat::Xlsx => read_xlsx_cells(bytes),
        SheetFormat::Xls => {
            let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(|e| read(e.into()))?;
            range_cells(format, &mut book)
        }
        SheetFormat::Ods => {
            let mut book = calamine::Ods::new(Cursor::new(bytes)).map_err(|e| read(e.into()))?;
            range_cells(format, &mut book)
        }
    }
}

/// XLSX cells, streamed: calamine's cell reader never builds the dense range, so a sheet with
/// two cells a million rows apart costs two cells.
fn read_xlsx_cells(bytes: &[u8]) -> Result<SheetCells, XlsxError> {
    let format = SheetFormat::Xlsx;
    let read = |source: calamine::XlsxError| XlsxError::Read { format, source: source.into() };
    let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(read)?;
    let name = first_worksheet(format, book.sheets_metadata())?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(read)?;
    let mut cells = SheetCells::default();
    while let Some(cell) = reader.next_cell().map_err(read)? {
        let (row, col) = cell.get_position();
        if let Some(value) = cell_of(Data::from(cell.get_value().clone())) {
            cells.insert(row, col, value)?;
        }
    }
    Ok(cells)
}

/// XLS and ODS cells from calamine's range of the first worksheet (the dense range was bounded
/// by [`bounds::check`] before the workbook was opened).
fn range_cells<'a, R>(format: SheetFormat, book: &mut R) -> Result<SheetCells, XlsxError>
where
    R: Reader<Cursor<&'a [u8]>>,
    R::Error: Into<calamine::Error>,
{
    let name = first_worksheet(format, book.sheets_metadata())?;
    let range = book.worksheet_range(&name).map_err(|e| XlsxError::Read { format, source: e.into() })?;
    let (top, left) = range.start().unwrap_or_default();
    let mut cells = SheetCells::default();
    for (row, col, value) in range.used_cells() {
        if let Some(value) = cell_of(value.clone()) {
            // used_cells counts from the range's corner; the table counts from A1.
            let (row, col) = (offset(top, row), offset(left, col));
            cells.insert(row, col, value)?;
        }
    }
    Ok(cells)
}

/// `base + rel` for a position inside a range that calamine built, so it fits in `u32`.
fn offset(base: u32, rel: usize) -> u32 {
    base.saturating_add(u32::try_from(rel).unwrap_or(u32::MAX))
}

/// The name of the first worksheet (chart and macro sheets hold no register).
fn first_worksheet(format: SheetFormat, sheets: &[Sheet]) -> Result<String, XlsxError> {
    sheets
        .iter()
        .find(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .ok_or(XlsxError::NoSheet(format))
}

/// The table form of a cell value; `None` for an empty cell or empty text.
fn cell_of(value: Data) -> Option<Cell> {
    let cell = match value {
        Data::Empty => return None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s),
        Data::Int(n) => Cell::Number(n.to_string()),
        Data::Float(x) => Cell::Number(number_text(x)),
        Data::Bool(b) => Cell::Text(if b { "TRUE" } else { "FALSE" }.into()),
        Data::Error(e) => Cell::Text(e.to_string()),
        Data::DateTime(dt) => date_cell(&dt),
    };
    (!cell.as_text().is_empty()).then_some(cell)
}

/// The shortest decimal text of a number that parses back to the same `f64` (Rust's `Display`
/// for floats never uses an exponent, which the amount parser would refuse).
fn number_text(x: f64) -> String {
    x.to_string()
}

/// A date-formatted cell as an ISO date (with the time when there is one). Durations and
/// serials outside Excel's calendar (before 1900-01-01, after 9999-12-31, the non-existent
/// 1900-02-29) stay numbers, so the importer judges them as it judges any serial.
fn date_cell(dt: &ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    let raw = || Cell::Number(number_text(serial));
    // Excel's calendar: serial 1 is 1900-01-01, 2958465 is 9999-12-31.
    if !dt.is_datetime() || !(1.0..2_958_466.0).contains(&serial) {
        return raw();
    }
    let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
    match chrono::NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()) {
        Some(date) if (hh, mm, ss) == (0, 0, 0) => Cell::Text(date.to_string()),
        Some(date) => Cell::Text(format!("{date} {hh:02}:{mm:02}:{ss:02}")),
        None => raw(),
    }
}

/// The non-empty cells of a sheet by row and column, with the budget of the table they make.
#[derive(Default)]
struct SheetCells {
    rows: BTreeMap<u32, BTreeMap<u32, Cell>>,
    budget: TableBudget,
}

impl SheetCells {
    /// Adds a cell. Cells past the last Excel column (XFD) are ignored, as Excel would not show
    /// them; the table's size (padded rows) and text are charged to the budget.
    fn insert(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), XlsxError> {
        if col >= MAX_COLUMNS {
            return Ok(());
        }
        let cells = self.rows.entry(row).or_default();
        let width = cells.keys().next_back().map_or(0, |last| last + 1);
        self.budget.charge_cells((col + 1).saturating_sub(width) as usize)?;
        self.budget.charge_text(cell.as_text().len())?;
        cells.insert(col, cell);
        Ok(())
    }

    /// The table: the first row is the header, every row padded with empty text up to its last
    /// non-empty cell.
    fn into_table(self) -> Table {
        let mut rows = self.rows.into_iter().map(|(row, cells)| (row as usize + 1, padded(cells)));
        let header = match rows.next() {
            Some((_, cells)) => cells.into_iter().map(|c| c.as_text().to_string()).collect(),
            None => Vec::new(),
        };
        let rows = rows.map(|(row_no, cells)| RawRow { row_no, cells: Ok(cells) }).collect();
        Table { header, rows }
    }
}

/// The cells of a row in column order, gaps filled with empty text.
fn padded(cells: BTreeMap<u32, Cell>) -> Vec<Cell> {
    let width = cells.keys().next_back().map_or(0, |last| *last as usize + 1);
    let mut out = vec![Cell::Text(String::new()); width];
    for (col, cell) in cells {
        out[col as usize] = cell;
    }
    out
}

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum OutCell {
    /// A string.
    Text(String),
    /// A number given as exact decimal text, e.g. `"-70.00"` or `"12"`; shown with as many
    /// decimals as the text has.
    Number(String),
    /// A date, written as an Excel date with a date format.
    Date(chrono::NaiveDate),
    /// Nothing.
    Empty,
}

/// Writes one worksheet named `sheet_name` with the given rows (the first is usually a header).
pub fn write_xlsx(sheet_name: &str, rows: &[Vec<OutCell>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(XlsxError::Write)?;
    let mut formats = Formats::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write_cell(sheet, (position(r)?, position(c)?), cell, &mut formats)?;
        }
    }
    book.save_to_buffer().map_err(XlsxError::Write)
}

/// The number formats of a written sheet, made once each.
struct Formats {
    /// Built-in format 14, the locale's short date, as Excel itself formats a typed date.
    date: rust_xlsxwriter::Format,
    /// `0.00`-style formats by number of decimals.
    decimals: BTreeMap<usize, rust_xlsxwriter::Format>,
}

impl Formats {
    fn new() -> Self {
        Formats { date: rust_xlsxwriter::Format::new().set_num_format_index(14), decimals: BTreeMap::new() }
    }

    /// A format showing `n` decimals, e.g. `0.00`.
    fn decimals(&mut self, n: usize) -> &rust_xlsxwriter::Format {
        self.decimals
            .entry(n)
            .or_insert_with(|| rust_xlsxwriter::Format::new().set_num_format(format!("0.{}", "0".repeat(n))))
    }
}

/// Writes one cell; a number keeps the decimals of its text on display (`-70.00`).
fn write_cell(
    sheet: &mut rust_xlsxwriter::Worksheet,
    (r, c): (u32, u16),
    cell: &OutCell,
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    match cell {
        OutCell::Text(s) => sheet.write_string(r, c, s).map(drop),
        OutCell::Number(text) => {
            let value = parse_number(text)?;
            match decimals(text) {
                0 => sheet.write_number(r, c, value).map(drop),
                n => sheet.write_number_with_format(r, c, value, formats.decimals(n)).map(drop),
            }
        }
        OutCell::Date(d) => sheet.write_datetime_with_format(r, c, excel_date(*d)?, &formats.date).map(drop),
        OutCell::Empty => Ok(()),
    }
    .map_err(XlsxError::Write)
}

/// A row or column index as rust_xlsxwriter's index type; past its range, the writer's own
/// row/column limit error.
fn position<T: TryFrom<usize>>(i: usize) -> Result<T, XlsxError> {
    T::try_from(i).map_err(|_| XlsxError::Write(rust_xlsxwriter::XlsxError::RowColumnLimitError))
}

/// The value of a number cell's text.
fn parse_number(text: &str) -> Result<f64, XlsxError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| XlsxError::NotANumber(text.to_string()))
}

/// Digits after the decimal point of a number's text (`"-70.00"` → 2).
fn decimals(text: &str) -> usize {
    text.trim().split_once('.').map_or(0, |(_, frac)| frac.bytes().take_while(u8::is_ascii_digit).count())
}

/// A calendar date as rust_xlsxwriter's date (Excel's calendar is years 1900–9999).
fn excel_date(d: chrono::NaiveDate) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::Write(rust_xlsxwriter::XlsxError::DateTimeRangeError(d.to_string())))?;
    // Month and day come from a valid date, so they fit.
    rust_xlsxwriter::ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).map_err(XlsxError::Write)
}

#[cfg(test)]
pub(super) mod tests;
