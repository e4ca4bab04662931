//! Parse limits, the cooperative deadline, and the typed refusal every parser returns.

use std::time::{Duration, Instant};

/// Limits applied to every parse. The defaults suit a 2-core server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted upload in bytes (default 50 MiB).
    pub max_bytes: u64,
    /// Largest accepted page count for PDFs (default 2,000).
    pub max_pages: u32,
    /// Largest total decompressed size of the parts read from a DOCX (default 200 MiB).
    pub max_unzipped_bytes: u64,
    /// Wall-clock budget for one parse (default 60 s).
    pub time_limit: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_pages: 2000,
            max_unzipped_bytes: 200 * 1024 * 1024,
            time_limit: Duration::from_secs(60),
        }
    }
}

/// A deadline checked cooperatively by the parsers (between pages, parts, elements).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    budget: Duration,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline { at: Instant::now() + budget, budget }
    }

    /// `Err(IngestError::Timeout)` once the deadline has passed.
    pub fn check(&self) -> Result<(), IngestError> {
        if Instant::now() > self.at {
            Err(IngestError::Timeout { seconds: self.budget.as_secs() })
        } else {
            Ok(())
        }
    }
}

/// Why a file was refused. `Display` is the English operator message;
/// [`IngestError::user_message`] is the Chinese message for users; [`IngestError::code`]
/// is the stable machine code used in API errors.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("document has {pages} pages, over the limit of {limit}")]
    TooManyPages { pages: u32, limit: u32 },
    #[error("unsupported file type{}", .0.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())]
    UnsupportedFormat(Option<String>),
    #[error("PDF is encrypted")]
    Encrypted,
    #[error("PDF has no text layer (scanned?); needs OCR")]
    NeedsOcr { pages: u32 },
    #[error("malformed {format} file: {reason}")]
    Malformed { format: &'static str, reason: String },
    #[error("DOCX expands to more than {limit} bytes (zip bomb?)")]
    ZipBomb { limit: u64 },
    #[error("text is not valid UTF-8 or GB18030")]
    UnknownEncoding,
    #[error("parse took longer than {seconds} s")]
    Timeout { seconds: u64 },
    #[error("document contains no text")]
    Empty,
}

impl IngestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::TooLarge { .. } => "file_too_large",
            IngestError::TooManyPages { .. } => "too_many_pages",
            IngestError::UnsupportedFormat(_) => "unsupported_format",
            IngestError::Encrypted => "encrypted_pdf",
            IngestError::NeedsOcr { .. } => "needs_ocr",
            IngestError::Malformed { .. } => "malformed_file",
            IngestError::ZipBomb { .. } => "zip_bomb",
            IngestError::UnknownEncoding => "unknown_encoding",
            IngestError::Timeout { .. } => "parse_timeout",
            IngestError::Empty => "empty_document",
        }
    }

    /// The message shown to users, in Chinese.
    pub fn user_message(&self) -> String {
        match self {
            IngestError::TooLarge { limit, .. } => {
                format!("文件过大：超过上限 {} MiB", limit / (1024 * 1024))
            }
            IngestError::TooManyPages { pages, limit } => {
                format!("文件页数过多：共 {pages} 页，超过上限 {limit} 页")
            }
            IngestError::UnsupportedFormat(_) => {
                "不支持的文件类型：请上传 PDF、DOCX 或 TXT 文件（旧版 .doc 请先另存为 .docx）".into()
            }
            IngestError::Encrypted => "PDF 文件已加密，无法读取，请上传未加密的文件".into(),
            IngestError::NeedsOcr { .. } => {
                "PDF 没有文字层（可能是扫描件），需要先进行文字识别（OCR）".into()
            }
            IngestError::Malformed { .. } => "文件已损坏或格式不正确，无法解析".into(),
            IngestError::ZipBomb { .. } => "DOCX 文件解压后体积异常，已拒绝处理".into(),
            IngestError::UnknownEncoding => "无法识别文本编码：请使用 UTF-8 或 GBK/GB18030 编码".into(),
            IngestError::Timeout { seconds } => format!("文件解析超时（超过 {seconds} 秒）"),
            IngestError::Empty => "文件中没有可读取的文字".into(),
        }
    }
}
