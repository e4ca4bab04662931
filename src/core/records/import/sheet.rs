//! The sheet reader shared by the record kinds: opening a file as a table (CSV or a
//! spreadsheet), mapping its header to canonical columns, typed access to a row's fields, and
//! turning each row into a record or a rejected row.

use super::{FileKind, NamedFile, RejectReason, RejectedRow};
use crate::core::records::csv::{decode_text, parse_csv};
use crate::core::records::model::{excel_serial_to_date, parse_date, parse_required_text, parse_text, FieldError};
use crate::core::records::table::{Cell, RawRow, RowError, Table};
use crate::core::records::xlsx::{is_workbook, read_xlsx};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::hash::Hash;

/// A column definition: canonical name, accepted header aliases, required.
pub(super) struct Col {
    pub(super) name: &'static str,
    pub(super) aliases: &'static [&'static str],
    pub(super) required: bool,
}

/// One kind of record read from its own file: the file's columns, how a row's id is read and
/// checked against the stored records, and how the rest of the row becomes a record.
pub(super) trait RecordSheet {
    /// The id of a record (unique within the file and among stored records).
    type Id: Clone + Eq + Hash;
    /// The record.
    type Record;
    /// Which file of the import this is.
    const KIND: FileKind;
    /// The columns of the file.
    const COLUMNS: &'static [Col];
    /// The column that holds the id.
    const ID_COLUMN: &'static str;
    /// Parses an id.
    fn parse_id(text: &str) -> Result<Self::Id, FieldError>;
    /// Whether a record with this id is already stored.
    fn is_stored(&self, id: &Self::Id) -> bool;
    /// Why a row whose id is already stored is not imported: by default it is the same record
    /// again ([`RejectReason::AlreadyExists`], re-importing changes nothing).
    fn stored_reason(&self, _id: &Self::Id, _row: &Row<'_>) -> RejectReason {
        RejectReason::AlreadyExists
    }
    /// The record of a row whose id is new; the first problem found rejects the row.
    fn record(&self, id: Self::Id, row: &Row<'_>) -> FieldResult<Self::Record>;
}

/// What one file yielded: the valid records in file order, and the first row of each id whose
/// row was rejected for its content (not as a duplicate), so that a reference to it can say
/// "rejected" rather than "unknown".
pub(super) struct SheetRecords<T> {
    pub(super) records: Vec<T>,
    pub(super) rejected_ids: HashMap<String, usize>,
}

impl<T> Default for SheetRecords<T> {
    fn default() -> Self {
        SheetRecords { records: Vec::new(), rejected_ids: HashMap::new() }
    }
}

/// Reads the records of one file (none when it is absent), adding every rejection to
/// `rejected`: the whole file's when it cannot be opened or lacks a required column, else each
/// rejected row's.
pub(super) fn read_records<R: RecordSheet>(kind: &R, file: Option<&NamedFile>, rejected: &mut Vec<RejectedRow>) -> SheetRecords<R::Record> {
    let mut out = SheetRecords::default();
    let Some(file) = file else { return out };
    let sheet = match open(R::KIND, file, R::COLUMNS) {
        Ok(sheet) => sheet,
        Err(whole) => {
            rejected.extend(whole);
            return out;
        }
    };
    let mut rows_by_id: HashMap<R::Id, usize> = HashMap::new();
    for_rows(&sheet, rejected, |row_no, row| {
        let raw_id = row.text(R::ID_COLUMN).trim().to_string();
        match read_row(kind, &row, &rows_by_id) {
            Ok((id, record)) => {
                rows_by_id.insert(id, row_no);
                out.records.push(record);
                Ok(())
            }
            Err(reason) => {
                if !raw_id.is_empty() && !matches!(reason, RejectReason::DuplicateId { .. } | RejectReason::AlreadyExists) {
                    out.rejected_ids.entry(raw_id.clone()).or_insert(row_no);
                }
                Err((Some(raw_id).filter(|s| !s.is_empty()), reason))
            }
        }
    });
    out
}

/// One row: its id (new in the file and among the stored records), then its record.
fn read_row<R: RecordSheet>(kind: &R, row: &Row<'_>, rows_by_id: &HashMap<R::Id, usize>) -> FieldResult<(R::Id, R::Record)> {
    let id = row.parse(R::ID_COLUMN, R::parse_id)?;
    if let Some(first) = rows_by_id.get(&id) {
        return Err(RejectReason::DuplicateId { first_row: *first });
    }
    if kind.is_stored(&id) {
        return Err(kind.stored_reason(&id, row));
    }
    let record = kind.record(id.clone(), row)?;
    Ok((id, record))
}

fn norm_header(s: &str) -> String {
    s.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '\u{3000}'], "")
}

/// A readable file: its table, whether its rows must match the header width (CSV), and the
/// column index of each canonical column.
struct Sheet {
    file: String,
    kind: FileKind,
    table: Table,
    strict_width: bool,
    cols: HashMap<&'static str, usize>,
}

/// Whether the file is a spreadsheet (XLSX, XLS or ODS) rather than CSV: by its first bytes
/// (zip or OLE compound file), or by its name when the bytes are too damaged to tell, so that
/// a broken workbook is reported as such and not read as text.
fn is_spreadsheet(name: &str, bytes: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    is_workbook(bytes) || [".xlsx", ".xls", ".ods"].iter().any(|ext| name.ends_with(ext))
}

/// Reads a file as a table and maps its header. On failure returns the whole-file rejections.
fn open(kind: FileKind, file: &NamedFile, defs: &[Col]) -> Result<Sheet, Vec<RejectedRow>> {
    let (name, bytes) = file;
    let whole = |reason: RejectReason| RejectedRow {
        file: name.clone(),
        kind,
        row: 0,
        id: None,
        message: reason.to_string(),
        reason,
    };
    let (table, strict_width) = if is_spreadsheet(name, bytes) {
        match read_xlsx(bytes) {
            Ok(t) => (t, false),
            Err(e) => return Err(vec![whole(RejectReason::UnreadableFile { detail: error_chain(&e) })]),
        }
    } else {
        match decode_text(bytes) {
            Ok((text, _)) => (parse_csv(&text), true),
            Err(e) => return Err(vec![whole(RejectReason::UnreadableFile { detail: error_chain(&e) })]),
        }
    };
    let cols = map_header(&table.header, defs);
    let missing: Vec<RejectedRow> = defs
        .iter()
        .filter(|d| d.required && !cols.contains_key(d.name))
        .map(|d| {
            let reason = RejectReason::MissingColumn { column: d.name.to_string() };
            RejectedRow { file: name.clone(), kind, row: 1, id: None, message: reason.to_string(), reason }
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    Ok(Sheet { file: name.clone(), kind, table, strict_width, cols })
}

/// The column index of each canonical column found in the header (by name or alias; the first
/// matching header wins).
fn map_header(header: &[String], defs: &[Col]) -> HashMap<&'static str, usize> {
    let mut cols = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = norm_header(h);
        if let Some(def) = defs.iter().find(|d| h == d.name || d.aliases.iter().any(|a| norm_header(a) == h)) {
            cols.entry(def.name).or_insert(i);
        }
    }
    cols
}

/// An error and its causes, `error: cause: cause`, each cause once: a cause whose text the
/// message already shows (some readers print their source inline) is not repeated.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// One row being read: typed accessors over the canonical columns.
pub(super) struct Row<'a> {
    cells: &'a [Cell],
    cols: &'a HashMap<&'static str, usize>,
}

/// A field's value, or why the row is rejected.
pub(super) type FieldResult<T> = Result<T, RejectReason>;

/// The rejection for a field that does not parse.
pub(super) fn field_err(column: &str, e: FieldError) -> RejectReason {
    RejectReason::Field { column: column.to_string(), detail: e.to_string() }
}

impl<'a> Row<'a> {
    fn cell(&self, col: &str) -> Option<&'a Cell> {
        self.cols.get(col).and_then(|i| self.cells.get(*i))
    }
    /// The raw text of a column ("" when absent).
    pub(super) fn text(&self, col: &str) -> &'a str {
        self.cell(col).map_or("", |c| c.as_text())
    }
    /// A column parsed by `f`.
    pub(super) fn parse<T>(&self, col: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> FieldResult<T> {
        f(self.text(col)).map_err(|e| field_err(col, e))
    }
    /// Optional text (`None` when blank).
    pub(super) fn opt_text(&self, col: &str) -> FieldResult<Option<String>> {
        self.parse(col, parse_text)
    }
    /// Required text.
    pub(super) fn req_text(&self, col: &str) -> FieldResult<String> {
        self.parse(col, parse_required_text)
    }
    /// A required date: a spreadsheet number is an Excel serial, anything else a written date.
    pub(super) fn date(&self, col: &str) -> FieldResult<NaiveDate> {
        match self.cell(col) {
            Some(Cell::Number(raw)) => excel_serial_to_date(raw).map_err(|e| field_err(col, e)),
            _ => self.parse(col, parse_date),
        }
    }
    /// An optional date.
    pub(super) fn opt_date(&self, col: &str) -> FieldResult<Option<NaiveDate>> {
        if self.text(col).trim().is_empty() {
            Ok(None)
        } else {
            self.date(col).map(Some)
        }
    }
    /// An optional vocabulary word.
    pub(super) fn opt_vocab<T>(&self, col: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> FieldResult<Option<T>> {
        if self.text(col).trim().is_empty() {
            Ok(None)
        } else {
            self.parse(col, f).map(Some)
        }
    }
}

/// Iterates the data rows of a sheet, rejecting broken rows and rows of the wrong width, and
/// calls `f` with the readable ones.
fn for_rows(sheet: &Sheet, rejected: &mut Vec<RejectedRow>, mut f: impl FnMut(usize, Row<'_>) -> Result<(), (Option<String>, RejectReason)>) {
    let width = sheet.table.header.len();
    for RawRow { row_no, cells } in &sheet.table.rows {
        let mut reject = |id: Option<String>, reason: RejectReason| {
            rejected.push(RejectedRow {
                file: sheet.file.clone(),
                kind: sheet.kind,
                row: *row_no,
                id,
                message: reason.to_string(),
                reason,
            })
        };
        let cells = match cells {
            Ok(c) => c,
            Err(e) => {
                let detail = match e {
                    RowError::UnterminatedQuote | RowError::TextAfterQuote => e.to_string(),
                };
                reject(None, RejectReason::BrokenRow { detail });
                continue;
            }
        };
        let row = Row { cells, cols: &sheet.cols };
        if sheet.strict_width && cells.len() != width {
            // The first column is usually the id; show it to help find the row.
            let id = cells.first().map(|c| c.as_text().trim().to_string()).filter(|s| !s.is_empty());
            reject(id, RejectReason::ColumnCount { expected: width, found: cells.len() });
            continue;
        }
        if let Err((id, reason)) = f(*row_no, row) {
            reject(id, reason);
        }
    }
}
