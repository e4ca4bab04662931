//! The tabular form shared by the CSV and XLSX readers: a header and numbered rows of cells.

/// One cell as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text (every CSV cell; XLSX shared, inline and formula strings).
    Text(String),
    /// An XLSX number, kept as its exact decimal text (never converted to a float): a date
    /// column holds a date serial, a money column an amount in 元.
    Number(String),
}

impl Cell {
    /// The text of the cell (the raw decimal text for numbers).
    pub fn as_text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) => s,
        }
    }
}

/// Why a physical row could not be split into cells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// A quoted field never closes (the rest of the file was swallowed).
    #[error("引号未闭合 / unterminated quote")]
    UnterminatedQuote,
    /// Characters follow a closing quote before the separator.
    #[error("引号后有多余字符 / text after a closing quote")]
    TextAfterQuote,
}

/// A row with its 1-based number in the file (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// Row number as the user sees it (CSV record number, or the XLSX sheet row).
    pub row_no: usize,
    /// The cells, or why the row is broken.
    pub cells: Result<Vec<Cell>, RowError>,
}

/// A header and its data rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names from the first row.
    pub header: Vec<String>,
    /// Data rows (blank rows skipped).
    pub rows: Vec<RawRow>,
}
