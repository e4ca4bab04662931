//! Limits on what a workbook may make the reader allocate, checked before calamine opens it.
//!
//! calamine reads whole sheets into memory. XLS and ODS sheets become dense ranges sized by what
//! the file declares (an XLS `DIMENSIONS` record, the corners of its cells, ODS repeat counts),
//! and a string is copied into every cell that shows it (an XLS shared string, an ODS cell
//! repeated across columns and rows). A few hundred hostile bytes can so ask for gigabytes, and
//! a failed allocation aborts the process instead of returning an error. XLSX entries and ODS
//! parts are deflated, so a small zip can also inflate to gigabytes (a zip bomb).
//!
//! The checks here read the same structures cheaply first and refuse the workbook when the
//! reader would exceed a limit:
//! - every zip entry inflates to at most [`MAX_PART_BYTES`] (the limit of the reader this one
//!   replaced), all of them together to at most [`MAX_ARCHIVE_BYTES`]; the XLS workbook stream
//!   is at most [`MAX_PART_BYTES`];
//! - the cells the reader would hold, ranges and copies included, are at most [`MAX_CELLS`];
//! - the text it would hold, copies included, is at most [`MAX_TEXT_BYTES`].
//!
//! XLSX sheets themselves are streamed cell by cell (see `read_xlsx_cells`), so only the zip and
//! the table built from the cells are bounded for them.

use super::{SheetFormat, XlsxError};
use quick_xml::events::{BytesStart, Event};
use std::io::{self, BufRead, BufReader, Cursor, Read};
use zip::result::ZipError;
use zip::ZipArchive;

/// Upper bound on the inflated size of one zip entry or of the XLS workbook stream.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Upper bound on the inflated size of all entries of a zip together; it also bounds the time
/// spent inflating a hostile archive of many entries.
pub const MAX_ARCHIVE_BYTES: u64 = 4 * MAX_PART_BYTES;
/// Columns of a sheet (XFD = 16384 in Excel); cells further right are ignored.
pub const MAX_COLUMNS: u32 = 16_384;
/// Rows of a sheet (Excel's limit); calamine caps ODS row repeats at the same number.
const MAX_ROWS: usize = 1_048_576;
/// Upper bound on the cells held while reading a sheet: 100 000 rows of 20 columns fit.
pub const MAX_CELLS: usize = 2_000_000;
/// Upper bound on the text held while reading a sheet, copies included.
pub const MAX_TEXT_BYTES: usize = 256 * 1024 * 1024;

/// How XLSX and ODS files begin (a zip's first local header).
pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// How XLS files begin (an OLE compound file's signature).
pub(super) const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// The `mimetype` entry of an ODS file (or of an ODS template, which begins the same).
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Tells the workbook's format from its first bytes (and, for a zip, its `mimetype` entry) and
/// checks it against the limits.
pub(super) fn check(bytes: &[u8]) -> Result<SheetFormat, XlsxError> {
    if bytes.starts_with(ZIP_MAGIC) {
        let format = check_zip(bytes)?;
        if format == SheetFormat::Ods {
            check_ods(bytes)?;
        }
        Ok(format)
    } else if bytes.starts_with(CFB_MAGIC) {
        check_xls(bytes)?;
        Ok(SheetFormat::Xls)
    } else {
        Err(XlsxError::NotASpreadsheet)
    }
}

/// Cells and text charged while reading one workbook.
#[derive(Debug, Default)]
pub(super) struct TableBudget {
    cells: usize,
    text: usize,
}

impl TableBudget {
    /// Charges `n` more cells.
    pub(super) fn charge_cells(&mut self, n: usize) -> Result<(), XlsxError> {
        self.cells = self.cells.saturating_add(n);
        if self.cells > MAX_CELLS {
            return Err(XlsxError::TooManyCells { max: MAX_CELLS });
        }
        Ok(())
    }

    /// Charges `n` more bytes of text.
    pub(super) fn charge_text(&mut self, n: usize) -> Result<(), XlsxError> {
        self.text = self.text.saturating_add(n);
        if self.text > MAX_TEXT_BYTES {
            return Err(XlsxError::TooMuchText { max: MAX_TEXT_BYTES });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Zip (XLSX, ODS)
// ---------------------------------------------------------------------------------------------

/// Inflates every entry once, keeping nothing but its size (a damaged entry fails its CRC
/// here), and tells XLSX from ODS by the `mimetype` entry.
fn check_zip(bytes: &[u8]) -> Result<SheetFormat, XlsxError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(XlsxError::Zip)?;
    let mut format = SheetFormat::Xlsx;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(XlsxError::Zip)?;
        let name = entry.name().map_err(XlsxError::Zip)?.into_owned();
        let (size, head) = inflated_size(entry).map_err(|e| XlsxError::Zip(e.into()))?;
        if size > MAX_PART_BYTES {
            return Err(XlsxError::TooLarge { part: name, max: MAX_PART_BYTES });
        }
        total += size;
        if total > MAX_ARCHIVE_BYTES {
            return Err(XlsxError::TooLarge { part: "(zip)".into(), max: MAX_ARCHIVE_BYTES });
        }
        if name == "mimetype" && head.starts_with(ODS_MIMETYPE) {
            format = SheetFormat::Ods;
        }
    }
    Ok(format)
}

/// The inflated size of an entry, counted up to one byte past the limit, and its first bytes.
fn inflated_size(entry: impl Read) -> io::Result<(u64, Vec<u8>)> {
    let mut limited = entry.take(MAX_PART_BYTES + 1);
    let mut head = Vec::new();
    (&mut limited).take(ODS_MIMETYPE.len() as u64).read_to_end(&mut head)?;
    let rest = io::copy(&mut limited, &mut io::sink())?;
    Ok((head.len() as u64 + rest, head))
}

// ---------------------------------------------------------------------------------------------
// ODS
// ---------------------------------------------------------------------------------------------

/// Walks `content.xml` as calamine's ODS reader does and charges what it would keep: for each
/// row element its cells up to the last non-empty one, then each table's dense range from its
/// first to its last non-empty row and column, repeats expanded; as text, the XML of every
/// non-empty cell once per copy (an upper bound of the string calamine copies).
fn check_ods(bytes: &[u8]) -> Result<(), XlsxError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(XlsxError::Zip)?;
    let content = match zip.by_name("content.xml") {
        Ok(f) => f,
        // Nothing to expand; calamine reports the missing part.
        Err(ZipError::FileNotFound) => return Ok(()),
        Err(e) => return Err(XlsxError::Zip(e)),
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(content));
    // calamine's settings, so that both read the same events.
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;

    let mut cost = OdsCost::default();
    let mut buf = Vec::new();
    loop {
        // What this walk cannot read is refused rather than left to calamine: past that point
        // nothing would be bounded.
        let event = xml.read_event_into(&mut buf).map_err(|_| XlsxError::Damaged(SheetFormat::Ods))?;
        match event {
            Event::Start(e) if e.name().as_ref() == "table:table" => cost.end_table(),
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                let repeats = repeat_count(&e, "table:number-rows-repeated")?;
                let row = scan_row(&mut xml)?;
                cost.add_row(repeats, &row)?;
            }
            Event::End(e) if e.name().as_ref() == "table:table" => cost.end_table(),
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

/// A repeat attribute (`table:number-rows-repeated`, `table:number-columns-repeated`); 1 when
/// absent.
fn repeat_count(e: &BytesStart<'_>, key: &str) -> Result<usize, XlsxError> {
    match e.try_get_attribute(key) {
        Ok(None) => Ok(1),
        Ok(Some(a)) => a.value.parse().map_err(|_| XlsxError::Damaged(SheetFormat::Ods)),
        Err(_) => Err(XlsxError::Damaged(SheetFormat::Ods)),
    }
}

/// What one `table:table-row` element makes calamine keep, before its repeats.
#[derive(Debug, Default)]
struct RowScan {
    /// Cells kept: the columns up to the end of the last non-empty cell.
    width: usize,
    /// Column of the first non-empty cell; `None` for an empty row.
    first: Option<usize>,
    /// XML bytes of the non-empty cells, each times its column repeats.
    text: usize,
}

/// Reads the cells of a row up to its end tag.
fn scan_row<R: BufRead>(xml: &mut quick_xml::Reader<R>) -> Result<RowScan, XlsxError> {
    let damaged = |_| XlsxError::Damaged(SheetFormat::Ods);
    let mut row = RowScan::default();
    let mut col = 0usize;
    let mut buf = Vec::new();
    loop {
        let start = xml.buffer_position();
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                let repeats = repeat_count(&e, "table:number-columns-repeated")?;
                let valued = ["office:value-type", "calcext:value-type", "table:formula"]
                    .iter()
                    .any(|key| matches!(e.try_get_attribute(key), Ok(Some(_))));
                let has_content = skip_cell(xml)?;
                let bytes = usize::try_from(xml.buffer_position() - start).unwrap_or(usize::MAX);
                // calamine stops a row at the last Excel column.
                let repeats = repeats.min(MAX_COLUMNS as usize - col.min(MAX_COLUMNS as usize));
                if valued || has_content {
                    row.first.get_or_insert(col);
                    row.text = row.text.saturating_add(bytes.saturating_mul(repeats));
                    row.width = col + repeats;
                }
                col += repeats;
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => return Ok(row),
            Event::Eof => return Err(XlsxError::Damaged(SheetFormat::Ods)),
            _ => {}
        }
        buf.clear();
    }
}

/// Reads up to the end of the cell just opened; says whether it had any content (text or
/// elements), which calamine may turn into a value.
fn skip_cell<R: BufRead>(xml: &mut quick_xml::Reader<R>) -> Result<bool, XlsxError> {
    let mut depth = 1usize;
    let mut content = false;
    let mut buf = Vec::new();
    while depth > 0 {
        match xml.read_event_into(&mut buf).map_err(|_| XlsxError::Damaged(SheetFormat::Ods))? {
            Event::Start(_) => {
                depth += 1;
                content = true;
            }
            Event::End(_) => depth -= 1,
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => content = true,
            Event::Eof => return Err(XlsxError::Damaged(SheetFormat::Ods)),
            _ => {}
        }
        buf.clear();
    }
    Ok(content)
}

/// Running cost of an ODS document: the budget, and the extent of the table being read.
#[derive(Debug, Default)]
struct OdsCost {
    budget: TableBudget,
    /// Rows of the current table so far, repeats included.
    rows: usize,
    /// First and one-past-last non-empty row of the current table.
    row_span: Option<(usize, usize)>,
    /// First and one-past-last non-empty column of the current table.
    col_span: Option<(usize, usize)>,
    /// Cells of the current table's range already charged.
    range_charged: usize,
}

impl OdsCost {
    /// Charges a row element repeated `repeats` times.
    fn add_row(&mut self, repeats: usize, row: &RowScan) -> Result<(), XlsxError> {
        let repeats = repeats.min(MAX_ROWS.saturating_sub(self.rows));
        // The element's own cells, kept until the range is built.
        self.budget.charge_cells(row.width)?;
        self.budget.charge_text(row.text)?;
        if let Some(first) = row.first {
            let (top, _) = self.row_span.unwrap_or((self.rows, 0));
            self.row_span = Some((top, self.rows + repeats));
            let (left, right) = self.col_span.unwrap_or((first, row.width));
            self.col_span = Some((left.min(first), right.max(row.width)));
            self.charge_range()?;
            // Each repetition is copied into the range, text included.
            self.budget.charge_text(row.text.saturating_mul(repeats))?;
        }
        self.rows += repeats;
        Ok(())
    }

    /// Charges the growth of the current table's dense range.
    fn charge_range(&mut self) -> Result<(), XlsxError> {
        let (Some((top, bottom)), Some((left, right))) = (self.row_span, self.col_span) else { return Ok(()) };
        let area = (bottom - top).saturating_mul(right - left);
        self.budget.charge_cells(area.saturating_sub(self.range_charged))?;
        self.range_charged = self.range_charged.max(area);
        Ok(())
    }

    /// Ends the current table (its range stays charged).
    fn end_table(&mut self) {
        self.rows = 0;
        self.row_span = None;
        self.col_span = None;
        self.range_charged = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// XLS
// ---------------------------------------------------------------------------------------------

/// Reads the workbook stream out of the compound file and charges what calamine would build
/// from its records.
fn check_xls(bytes: &[u8]) -> Result<(), XlsxError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(XlsxError::Cfb)?;
    // calamine reads the same streams, in this order.
    let Some(name) = ["/Workbook", "/Book"].into_iter().find(|n| file.is_stream(n)) else {
        // Nothing to expand; calamine reports the missing stream.
        return Ok(());
    };
    let stream = file.open_stream(name).map_err(XlsxError::Cfb)?;
    let mut data = Vec::new();
    stream.take(MAX_PART_BYTES + 1).read_to_end(&mut data).map_err(XlsxError::Cfb)?;
    if data.len() as u64 > MAX_PART_BYTES {
        return Err(XlsxError::TooLarge { part: name.trim_start_matches('/').into(), max: MAX_PART_BYTES });
    }
    check_biff(&data)
}

/// Charges every sheet the globals substream points to, as calamine parses each of them.
fn check_biff(stream: &[u8]) -> Result<(), XlsxError> {
    let globals = Globals::read(stream);
    let mut budget = TableBudget::default();
    // The shared strings themselves, held for the whole read.
    budget.charge_text(globals.shared.iter().sum())?;
    for &pos in &globals.sheets {
        // calamine slices the stream at this offset without checking it.
        let sheet = stream.get(pos..).ok_or(XlsxError::Damaged(SheetFormat::Xls))?;
        charge_sheet(sheet, &globals, &mut budget)?;
    }
    Ok(())
}

/// One BIFF record with the CONTINUE records that follow it ([MS-XLS] 2.1.4).
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The records of a stream, up to its end or to a truncated record (where calamine stops with
/// an error).
fn records(mut stream: &[u8]) -> impl Iterator<Item = Record<'_>> {
    std::iter::from_fn(move || {
        let (typ, data, rest) = split_record(stream)?;
        stream = rest;
        let mut cont = Vec::new();
        while let Some((CONTINUE, more, rest)) = split_record(stream) {
            cont.push(more);
            stream = rest;
        }
        Some(Record { typ, data, cont })
    })
}

/// The first record of `stream`: type, payload and what follows.
fn split_record(stream: &[u8]) -> Option<(u16, &[u8], &[u8])> {
    let typ = u16_at(stream, 0)?;
    let len = usize::from(u16_at(stream, 2)?);
    let data = stream.get(4..4 + len)?;
    Some((typ, data, &stream[4 + len..]))
}

/// What the globals substream tells about the sheets.
#[derive(Debug, Default)]
struct Globals {
    /// Stream offsets of the sheets (`BoundSheet8`).
    sheets: Vec<usize>,
    /// Upper bound of each shared string's UTF-8 length (`SST`).
    shared: Vec<usize>,
    /// Upper bound of the UTF-8 length of the longest sheet or defined name, which a formula's
    /// text may repeat for every reference.
    longest_name: usize,
}

impl Globals {
    /// Reads the globals substream up to its EOF, as calamine does.
    fn read(stream: &[u8]) -> Globals {
        let mut g = Globals::default();
        for r in records(stream) {
            match r.typ {
                // BoundSheet8: lbPlyPos, then the name.
                0x0085 => {
                    if let Some(pos) = u32_at(r.data, 0) {
                        g.sheets.push(pos as usize);
                    }
                    g.longest_name = g.longest_name.max(r.data.len() * 3);
                }
                // Lbl (a defined name).
                0x0018 => g.longest_name = g.longest_name.max(r.data.len() * 3),
                0x00FC => g.shared = shared_string_lengths(&r),
                EOF => break,
                _ => {}
            }
        }
        g
    }
}

/// Charges one sheet substream as calamine parses it.
fn charge_sheet(sheet: &[u8], globals: &Globals, budget: &mut TableBudget) -> Result<(), XlsxError> {
    let mut scan = SheetScan::default();
    for r in sheet_records(sheet) {
        scan.add(&r, globals, budget)?;
    }
    scan.charge(budget)
}

/// The records of a sheet substream as calamine reads them: after its BOF, up to its EOF,
/// without the substreams nested in it (embedded charts).
fn sheet_records(sheet: &[u8]) -> impl Iterator<Item = Record<'_>> {
    let mut all = records(sheet);
    let mut seen_bof = false;
    let mut nested = 0usize;
    std::iter::from_fn(move || loop {
        let r = all.next()?;
        match r.typ {
            BOF if !seen_bof => seen_bof = true,
            BOF => nested += 1,
            EOF if nested > 0 => nested -= 1,
            EOF => return None,
            _ if nested > 0 => {}
            _ => return Some(r),
        }
    })
}

/// What calamine builds from one sheet's cell records: the room `DIMENSIONS` makes it reserve,
/// the cells it pushes, and the corners of the dense ranges of values and formulas.
#[derive(Debug, Default)]
struct SheetScan {
    reserved: usize,
    pushed: usize,
    cells: Corners,
    formulas: Corners,
}

impl SheetScan {
    /// Notes a record's cells and charges its text.
    fn add(&mut self, r: &Record<'_>, globals: &Globals, budget: &mut TableBudget) -> Result<(), XlsxError> {
        let pos = || Some((u16_at(r.data, 0)?, u16_at(r.data, 2)?));
        match r.typ {
            0x0200 => self.reserved = self.reserved.max(dimensions_area(r.data)?),
            // Number, BoolErr, RK: a number or a short value.
            0x0203 | 0x0205 | 0x027E => self.pushed += self.cells.add(pos()),
            // Label, RString: the string is in the record.
            0x0204 | 0x00D6 => {
                self.pushed += self.cells.add(pos());
                budget.charge_text(r.data.len() * 3)?;
            }
            // LabelSst: a copy of a shared string.
            0x00FD => {
                self.pushed += self.cells.add(pos());
                let index = u32_at(r.data, 6).map_or(usize::MAX, |i| i as usize);
                budget.charge_text(globals.shared.get(index).copied().unwrap_or(0))?;
            }
            // MulRk: a run of numbers on one row, six bytes each.
            0x00BD => {
                let last = r.data.len().checked_sub(2).and_then(|at| u16_at(r.data, at));
                if let (Some((row, first)), Some(last)) = (pos(), last) {
                    self.cells.add(Some((row, first)));
                    self.cells.add(Some((row, last)));
                    self.pushed += r.data.len().saturating_sub(6) / 6;
                }
            }
            // Formula: its value as a cell, its text as a formula cell; each reference in it
            // may print a sheet or defined name.
            0x0006 => {
                self.pushed += self.cells.add(pos());
                self.formulas.add(pos());
                budget.charge_text(r.data.len().saturating_mul(32 + globals.longest_name))?;
            }
            // String: the text result of the formula before it.
            0x0207 => budget.charge_text(r.data.len() * 3)?,
            _ => {}
        }
        Ok(())
    }

    /// Charges the cells: the vector of pushed cells (at least the reserved room), then the
    /// dense ranges built from it.
    fn charge(self, budget: &mut TableBudget) -> Result<(), XlsxError> {
        budget.charge_cells(self.reserved.max(self.pushed))?;
        budget.charge_cells(self.cells.area())?;
        budget.charge_cells(self.formulas.area())
    }
}

/// The corners of the cells seen, which bound the dense range built from them.
#[derive(Debug, Default)]
struct Corners(Option<((u16, u16), (u16, u16))>);

impl Corners {
    /// Adds a cell position (none when the record is too short: calamine refuses it); returns
    /// the cells added.
    fn add(&mut self, pos: Option<(u16, u16)>) -> usize {
        let Some((row, col)) = pos else { return 0 };
        let ((top, left), (bottom, right)) = self.0.unwrap_or(((row, col), (row, col)));
        self.0 = Some(((top.min(row), left.min(col)), (bottom.max(row), right.max(col))));
        1
    }

    fn area(&self) -> usize {
        self.0.map_or(0, |((top, left), (bottom, right))| {
            (usize::from(bottom - top) + 1) * (usize::from(right - left) + 1)
        })
    }
}

/// The cells a `DIMENSIONS` record makes calamine reserve, read as calamine reads it; a
/// record whose last row or column is before its first (which calamine's arithmetic would
/// wrap into a huge reservation) is refused.
fn dimensions_area(data: &[u8]) -> Result<usize, XlsxError> {
    let fields = match data.len() {
        10 => (u16_at(data, 0).map(u32::from), u16_at(data, 2).map(u32::from), u16_at(data, 4), u16_at(data, 6)),
        14 | 16 => (u32_at(data, 0), u32_at(data, 4), u16_at(data, 8), u16_at(data, 10)),
        // calamine refuses other lengths.
        _ => return Ok(0),
    };
    let (Some(first_row), Some(end_row), Some(mut first_col), Some(end_col)) = fields else { return Ok(0) };
    // calamine's repair of a first column past IV ([MS-XLS] 2.5.53) or after the last one.
    if first_col > 0xFF || end_col < first_col {
        first_col = 0;
    }
    if end_row == 0 || end_col == 0 {
        return Ok(1);
    }
    let rows = (end_row - 1).checked_sub(first_row).map(|n| n as usize + 1);
    let cols = (end_col - 1).checked_sub(first_col).map(|n| usize::from(n) + 1);
    match (rows, cols) {
        (Some(rows), Some(cols)) => Ok(rows.saturating_mul(cols)),
        _ => Err(XlsxError::Damaged(SheetFormat::Xls)),
    }
}

/// A record's payload followed by its CONTINUE records, read front to back.
struct Payload<'a> {
    current: &'a [u8],
    rest: std::slice::Iter<'a, &'a [u8]>,
}

impl<'a> Payload<'a> {
    fn new(r: &'a Record<'a>) -> Self {
        Payload { current: r.data, rest: r.cont.iter() }
    }

    /// Moves to the next CONTINUE record; false when there is none.
    fn next_part(&mut self) -> bool {
        match self.rest.next() {
            Some(part) => {
                self.current = part;
                true
            }
            None => false,
        }
    }

    /// The next `n` bytes of the current record (structure headers never straddle records).
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.current.split_at_checked(n)?;
        self.current = tail;
        Some(head)
    }

    /// Skips `n` bytes, across records.
    fn skip(&mut self, mut n: usize) -> bool {
        while n > 0 {
            if self.current.is_empty() && !self.next_part() {
                return false;
            }
            let step = n.min(self.current.len());
            self.current = &self.current[step..];
            n -= step;
        }
        true
    }
}

/// Upper bounds of the UTF-8 length of every string of an `SST` record ([MS-XLS] 2.4.265),
/// walked as calamine walks it; a string of `cch` characters decodes to at most `3 × cch`
/// bytes.
fn shared_string_lengths(sst: &Record<'_>) -> Vec<usize> {
    let mut p = Payload::new(sst);
    let mut out = Vec::new();
    // cstTotal and cstUnique.
    if p.take(8).is_none() {
        return out;
    }
    while !p.current.is_empty() || p.next_part() {
        match next_string_chars(&mut p) {
            Some(chars) => out.push(chars * 3),
            None => break,
        }
    }
    out
}

/// Steps over one `XLUnicodeRichExtendedString` ([MS-XLS] 2.5.293) and returns its length in
/// characters; `None` when the record ends inside it (calamine stops there with an error).
fn next_string_chars(p: &mut Payload<'_>) -> Option<usize> {
    let head = p.take(3)?;
    let chars = usize::from(u16::from_le_bytes([head[0], head[1]]));
    let flags = head[2];
    let runs = if flags & 0x8 != 0 { usize::from(u16_at(p.take(2)?, 0)?) * 4 } else { 0 };
    // calamine reads cbExtRst as a signed size.
    let ext = if flags & 0x4 != 0 { u32_at(p.take(4)?, 0)? as i32 as usize } else { 0 };
    let mut left = chars;
    let mut wide = flags & 0x1 != 0;
    loop {
        let unit = if wide { 2 } else { 1 };
        let n = left.min(p.current.len() / unit);
        p.current = &p.current[n * unit..];
        left -= n;
        if left == 0 {
            break;
        }
        // The characters go on in the next CONTINUE record, which starts with their width.
        if !p.next_part() {
            return None;
        }
        wide = p.take(1)?[0] & 0x1 != 0;
    }
    p.skip(runs.checked_add(ext)?).then_some(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_strings_are_walked_across_continue_records() {
        let mut sst = vec![0u8; 8];
        // "abc": 3 one-byte characters.
        sst.extend([3, 0, 0x00]);
        sst.extend(b"abc");
        // 4 two-byte characters, 2 of them here...
        sst.extend([4, 0, 0x01]);
        sst.extend([0x4E, 0x00, 0x2D, 0x4E]);
        // ...and 2 one-byte ones in the CONTINUE record, which starts with their width.
        let cont = [&[0x00u8][..], b"de", &[1, 0, 0x08, 1, 0], b"x", &[0, 0, 0, 0]].concat();
        let record = Record { typ: 0x00FC, data: &sst, cont: vec![&cont] };
        assert_eq!(shared_string_lengths(&record), vec![9, 12, 3]);
        // A string cut short ends the walk.
        let record = Record { typ: 0x00FC, data: &sst[..sst.len() - 2], cont: vec![] };
        assert_eq!(shared_string_lengths(&record), vec![9]);
    }

    #[test]
    fn dimensions_as_calamine_reads_them() {
        let biff8 = |rf: u32, rl: u32, cf: u16, cl: u16| [&rf.to_le_bytes()[..], &rl.to_le_bytes(), &cf.to_le_bytes(), &cl.to_le_bytes(), &[0, 0]].concat();
        assert_eq!(dimensions_area(&biff8(0, 4, 0, 8)).unwrap(), 32);
        // A first column past IV counts from column A.
        assert_eq!(dimensions_area(&biff8(0, 1, 300, 8)).unwrap(), 8);
        // An empty sheet.
        assert_eq!(dimensions_area(&biff8(0, 0, 0, 0)).unwrap(), 1);
        assert!(dimensions_area(&biff8(5, 5, 0, 8)).is_err());
        assert!(dimensions_area(&biff8(0, 4, 8, 8)).is_err());
        assert_eq!(dimensions_area(&[0; 3]).unwrap(), 0);
    }

    #[test]
    fn records_group_their_continue_records() {
        let stream = [&[0xFC, 0x00, 1, 0, 7][..], &[0x3C, 0x00, 1, 0, 8], &[0x0A, 0x00, 0, 0], &[0x01, 0x00, 9]].concat();
        let got: Vec<_> = records(&stream).map(|r| (r.typ, r.data.to_vec(), r.cont.len())).collect();
        // The truncated last record is not returned.
        assert_eq!(got, vec![(0x00FC, vec![7], 1), (EOF, vec![], 0)]);
    }
}
