//! The document model shared by every stage: what ingest produces, what segmentation
//! turns it into, and what the rules engine and the adapters consume.

use serde::{Deserialize, Serialize};

crate::core::vocab::vocabulary!(
    /// The kind of a section, detected from its heading. The same words are lawful in one kind
    /// and unlawful in another ("服务地点：南通市" in `Commercial` versus "注册地在南通市" in
    /// `Qualification`), so every clause carries the kind of the section it sits in.
    SectionKind {
        /// 采购/招标公告
        Notice = "notice", "采购公告" | "招标公告";
        /// 投标人须知 and its 前附表
        Instructions = "instructions", "投标人须知" | "供应商须知";
        /// 资格要求 / 资格审查
        Qualification = "qualification", "资格要求" | "资格审查";
        /// 符合性审查
        Conformity = "conformity", "符合性审查";
        /// 评标办法 / 评分标准
        Scoring = "scoring", "评分标准" | "评标办法";
        /// 采购需求 / 技术要求
        Technical = "technical", "采购需求" | "技术要求";
        /// 商务要求
        Commercial = "commercial", "商务要求";
        /// 合同条款
        Contract = "contract", "合同条款";
        /// 投标文件格式: templates with blanks, never a requirement.
        Forms = "forms", "投标文件格式" | "响应文件格式";
        /// Anything else.
        Other = "other", "其他";
    }
);

impl std::fmt::Display for SectionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The file formats ingest understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Docx,
    Text,
}

/// What a block of extracted text is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockKind {
    /// A paragraph. `heading_level` is set when the source marks it as a heading
    /// (a DOCX heading style or outline level, 1 = top); PDF and text leave it `None`
    /// and segmentation recognises headings from their numbering.
    Paragraph { heading_level: Option<u8> },
    /// One row of a table; `Block::text` is the cells joined with " | ".
    TableRow { cells: Vec<String> },
}

/// One unit of extracted text in reading order: a paragraph (hard wraps already rejoined)
/// or a table row. Running headers and footers are never blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    /// The text as extracted (not normalised). For table rows: cells joined with " | ".
    pub text: String,
    /// 1-based page of the first character (1 for formats without pages).
    pub page: u32,
}

impl Block {
    /// A paragraph block.
    pub fn paragraph(text: impl Into<String>, page: u32) -> Block {
        Block { kind: BlockKind::Paragraph { heading_level: None }, text: text.into(), page }
    }

    /// A table-row block; the text is the cells joined with " | ".
    pub fn table_row(cells: Vec<String>, page: u32) -> Block {
        let text = cells.join(" | ");
        Block { kind: BlockKind::TableRow { cells }, text, page }
    }
}

/// The result of extracting one file, before segmentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    pub format: Format,
    /// Page count (1 for formats without pages).
    pub pages: u32,
    pub blocks: Vec<Block>,
}

/// A node of the section tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Index into `SegmentedDocument::sections`.
    pub id: usize,
    pub parent: Option<usize>,
    /// Depth in the tree, 1 = top.
    pub level: u8,
    /// The heading as written, e.g. "第二章 投标人须知" or "三、资格要求".
    pub heading: String,
    /// "第二章 投标人须知 > 三、资格要求"
    pub path: String,
    pub kind: SectionKind,
    pub page: u32,
}

/// One clause: a paragraph, list item or table row, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    /// 0-based position in the document.
    pub ordinal: u32,
    pub page: u32,
    /// Section path, e.g. "第二章 投标人须知 > 三、资格要求" (empty before the first heading).
    pub section: String,
    pub section_kind: SectionKind,
    /// Character (Unicode scalar) offsets into `SegmentedDocument::text`.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// True for table rows (前附表, scoring tables).
    #[serde(default)]
    pub is_table_row: bool,
}

/// A document split into sections and clauses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentedDocument {
    pub format: Format,
    pub pages: u32,
    /// The document text: every block's text joined with '\n'. Clause offsets point into it.
    pub text: String,
    pub sections: Vec<Section>,
    pub clauses: Vec<Clause>,
}
