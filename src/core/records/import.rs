//! Import of projects, challenges and complaints from CSV (UTF-8 with/without BOM, GB18030) or
//! XLSX, validated row by row before anything is written.
//!
//! [`parse_import`] never writes: it returns an [`ImportPlan`] with the valid records, every
//! rejected row (file, 1-based row number with the header as row 1, id, reason in Chinese and
//! English) and the process flags raised by valid rows that breach a statutory period (they are
//! accepted: a late reply is a fact to record, not a data error). Whether to write the valid rows
//! when some are rejected is the caller's choice (`plan.rejected.is_empty()`).

use super::checks::{check_challenge, check_complaint, ProcessFlag};
use super::csv::{decode_text, parse_csv};
use super::deadlines::Deadlines;
use super::model::*;
use super::table::{Cell, RawRow, RowError, Table};
use super::xlsx::read_xlsx;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A file to import: its name (for reports) and its bytes.
pub type NamedFile = (String, Vec<u8>);

/// The files of one import; any of them may be absent.
#[derive(Debug, Clone, Default)]
pub struct ImportFiles {
    /// Projects: `project_no,name,purchaser,agency,method,budget_yuan,publish_date`
    /// (+ optional `contract_date`).
    pub projects: Option<NamedFile>,
    /// Challenges: `id,project_no,supplier,received_date,category,claim,reply_date,outcome`
    /// (+ optional `target`, `known_date`, `corrective_action`).
    pub challenges: Option<NamedFile>,
    /// Complaints: `id,challenge_id,filed_date,decision_date,outcome`
    /// (+ optional `accepted_date`, `suspended_from`, `suspended_to`, `category`).
    pub complaints: Option<NamedFile>,
}

/// Records already stored, so that references to them are valid and their ids are not reused.
/// Details are optional: with only ids, references resolve but checks that need the referenced
/// record's dates (e.g. the complaint window) are skipped.
#[derive(Debug, Clone, Default)]
pub struct Known {
    projects: HashMap<ProjectNo, Option<Project>>,
    challenges: HashMap<ChallengeId, Option<Challenge>>,
    complaints: HashSet<ComplaintId>,
}

impl Known {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a project number without details.
    pub fn add_project_no(&mut self, no: ProjectNo) {
        self.projects.entry(no).or_insert(None);
    }
    /// Adds a stored project.
    pub fn add_project(&mut self, p: Project) {
        self.projects.insert(p.project_no.clone(), Some(p));
    }
    /// Adds a challenge id without details.
    pub fn add_challenge_id(&mut self, id: ChallengeId) {
        self.challenges.entry(id).or_insert(None);
    }
    /// Adds a stored challenge.
    pub fn add_challenge(&mut self, c: Challenge) {
        self.challenges.insert(c.id.clone(), Some(c));
    }
    /// Adds a stored complaint id.
    pub fn add_complaint_id(&mut self, id: ComplaintId) {
        self.complaints.insert(id);
    }
}

/// Which file of the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// The projects file.
    Projects,
    /// The challenges file.
    Challenges,
    /// The complaints file.
    Complaints,
}

/// Why a row (or a whole file) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RejectReason {
    /// The file could not be read at all (encoding, damaged XLSX).
    UnreadableFile {
        /// Details.
        detail: String,
    },
    /// A required column is missing from the header.
    MissingColumn {
        /// The canonical column name.
        column: String,
    },
    /// The row could not be split into fields.
    BrokenRow {
        /// Details.
        detail: String,
    },
    /// The row has a different number of fields than the header (CSV).
    ColumnCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A field could not be parsed (date, amount, vocabulary, empty required field).
    Field {
        /// The canonical column name.
        column: String,
        /// What is wrong (Chinese / English).
        detail: String,
    },
    /// The id occurs earlier in the same file.
    DuplicateId {
        /// Row of the first occurrence.
        first_row: usize,
    },
    /// The id already exists in the stored records.
    AlreadyExists,
    /// The project number is neither in this import nor stored.
    UnknownProject {
        /// The project number.
        project_no: String,
    },
    /// The challenge id is neither in this import nor stored (94号令 第十九条(一)).
    UnknownChallenge {
        /// The challenge id.
        challenge_id: String,
    },
    /// The referenced record is in this import but its row was rejected.
    ReferenceRejected {
        /// The referenced id.
        id: String,
        /// Its row.
        row: usize,
    },
    /// The reply date is before the receipt date.
    ReplyBeforeReceipt {
        /// Receipt date.
        received: NaiveDate,
        /// Reply date.
        reply: NaiveDate,
    },
    /// Two dates of the row (or of the row and the record it references) are in an impossible
    /// order, e.g. a complaint filed before its challenge was received.
    DateOrder {
        /// What is inconsistent (Chinese / English).
        detail: String,
    },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::UnreadableFile { detail } => write!(f, "文件无法读取 / unreadable file: {detail}"),
            RejectReason::MissingColumn { column } => write!(f, "缺少必需列“{column}” / missing required column '{column}'"),
            RejectReason::BrokenRow { detail } => write!(f, "行格式错误：{detail}"),
            RejectReason::ColumnCount { expected, found } => write!(
                f,
                "列数不符：表头{expected}列，本行{found}列 / wrong column count: header has {expected}, row has {found}"
            ),
            RejectReason::Field { column, detail } => write!(f, "字段“{column}”：{detail}"),
            RejectReason::DuplicateId { first_row } => {
                write!(f, "编号与第{first_row}行重复 / duplicate id (first on row {first_row})")
            }
            RejectReason::AlreadyExists => write!(f, "编号已存在于系统中 / id already exists"),
            RejectReason::UnknownProject { project_no } => {
                write!(f, "引用的项目“{project_no}”不存在 / unknown project '{project_no}'")
            }
            RejectReason::UnknownChallenge { challenge_id } => write!(
                f,
                "引用的质疑“{challenge_id}”不存在，投诉须以质疑为前提 / unknown challenge '{challenge_id}' (no complaint without a prior challenge)"
            ),
            RejectReason::ReferenceRejected { id, row } => {
                write!(f, "引用的记录“{id}”（第{row}行）已被拒绝 / referenced record '{id}' (row {row}) was rejected")
            }
            RejectReason::ReplyBeforeReceipt { received, reply } => write!(
                f,
                "答复日期{reply}早于收到质疑日期{received} / reply date {reply} is before receipt {received}"
            ),
            RejectReason::DateOrder { detail } => write!(f, "日期先后矛盾：{detail}"),
        }
    }
}

/// A rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// File name as given.
    pub file: String,
    /// Which file of the import.
    pub kind: FileKind,
    /// 1-based row number, the header being row 1; 0 for a problem with the whole file.
    pub row: usize,
    /// The row's id (project number for projects), when readable.
    pub id: Option<String>,
    /// The reason, typed.
    pub reason: RejectReason,
    /// The reason as text: Chinese, then English.
    pub message: String,
}

/// The outcome of validating an import. Nothing has been written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportPlan {
    /// Valid projects.
    pub projects: Vec<Project>,
    /// Valid challenges.
    pub challenges: Vec<Challenge>,
    /// Valid complaints.
    pub complaints: Vec<Complaint>,
    /// Rejected rows, in file order (projects, challenges, complaints).
    pub rejected: Vec<RejectedRow>,
    /// Process flags raised by the valid rows (PR01–PR08).
    pub flags: Vec<ProcessFlag>,
}

/// Column definitions: canonical name, accepted header aliases, required.
struct Col {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const PROJECT_COLS: &[Col] = &[
    Col { name: "project_no", aliases: &["项目编号"], required: true },
    Col { name: "name", aliases: &["项目名称"], required: true },
    Col { name: "purchaser", aliases: &["采购人", "采购单位"], required: true },
    Col { name: "agency", aliases: &["采购代理机构", "代理机构"], required: true },
    Col { name: "method", aliases: &["采购方式"], required: true },
    Col { name: "budget_yuan", aliases: &["预算金额", "预算金额（元）", "预算金额(元)", "budget"], required: true },
    Col { name: "publish_date", aliases: &["公告日期", "发布日期"], required: true },
    Col { name: "contract_date", aliases: &["合同签订日期"], required: false },
];

const CHALLENGE_COLS: &[Col] = &[
    Col { name: "id", aliases: &["质疑编号"], required: true },
    Col { name: "project_no", aliases: &["项目编号"], required: true },
    Col { name: "supplier", aliases: &["质疑供应商", "供应商"], required: true },
    Col { name: "received_date", aliases: &["收到日期", "质疑日期", "收到质疑日期"], required: true },
    Col { name: "category", aliases: &["问题类别", "类别"], required: true },
    Col { name: "claim", aliases: &["质疑事项"], required: true },
    Col { name: "reply_date", aliases: &["答复日期"], required: true },
    Col { name: "outcome", aliases: &["质疑结果", "处理结果"], required: true },
    Col { name: "target", aliases: &["质疑对象"], required: false },
    Col { name: "known_date", aliases: &["知道或应知日期", "知道日期"], required: false },
    Col { name: "corrective_action", aliases: &["纠正措施"], required: false },
];

const COMPLAINT_COLS: &[Col] = &[
    Col { name: "id", aliases: &["投诉编号"], required: true },
    Col { name: "challenge_id", aliases: &["质疑编号"], required: true },
    Col { name: "filed_date", aliases: &["投诉日期", "收到投诉日期"], required: true },
    Col { name: "decision_date", aliases: &["处理决定日期", "决定日期"], required: true },
    Col { name: "outcome", aliases: &["投诉结果", "处理结果"], required: true },
    Col { name: "accepted_date", aliases: &["受理日期"], required: false },
    Col { name: "suspended_from", aliases: &["暂停开始日期"], required: false },
    Col { name: "suspended_to", aliases: &["暂停结束日期", "恢复日期"], required: false },
    Col { name: "category", aliases: &["投诉类别"], required: false },
];

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

/// Reads a file (XLSX when it is a zip or named .xlsx, else CSV) and maps its header. On failure
/// returns the whole-file rejections.
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
    let is_xlsx = bytes.starts_with(b"PK\x03\x04") || name.to_ascii_lowercase().ends_with(".xlsx");
    let (table, strict_width) = if is_xlsx {
        match read_xlsx(bytes) {
            Ok(t) => (t, false),
            Err(e) => return Err(vec![whole(RejectReason::UnreadableFile { detail: e.to_string() })]),
        }
    } else {
        match decode_text(bytes) {
            Ok((text, _)) => (parse_csv(&text), true),
            Err(e) => return Err(vec![whole(RejectReason::UnreadableFile { detail: e.to_string() })]),
        }
    };
    let mut cols = HashMap::new();
    for (i, h) in table.header.iter().enumerate() {
        let h = norm_header(h);
        if let Some(def) = defs.iter().find(|d| h == d.name || d.aliases.iter().any(|a| norm_header(a) == h)) {
            cols.entry(def.name).or_insert(i);
        }
    }
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

/// One row being read: typed accessors that record the first field error.
struct Row<'a> {
    cells: &'a [Cell],
    cols: &'a HashMap<&'static str, usize>,
}

type FieldResult<T> = Result<T, RejectReason>;

fn field_err(column: &str, e: FieldError) -> RejectReason {
    RejectReason::Field { column: column.to_string(), detail: e.to_string() }
}

impl<'a> Row<'a> {
    fn cell(&self, col: &str) -> Option<&'a Cell> {
        self.cols.get(col).and_then(|i| self.cells.get(*i))
    }
    fn text(&self, col: &str) -> &'a str {
        self.cell(col).map_or("", |c| c.as_text())
    }
    fn parse<T>(&self, col: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> FieldResult<T> {
        f(self.text(col)).map_err(|e| field_err(col, e))
    }
    fn opt_text(&self, col: &str) -> FieldResult<Option<String>> {
        self.parse(col, parse_text)
    }
    fn req_text(&self, col: &str) -> FieldResult<String> {
        self.parse(col, parse_required_text)
    }
    fn date(&self, col: &str) -> FieldResult<NaiveDate> {
        match self.cell(col) {
            Some(Cell::Number(raw)) => excel_serial_to_date(raw).map_err(|e| field_err(col, e)),
            _ => self.parse(col, parse_date),
        }
    }
    fn opt_date(&self, col: &str) -> FieldResult<Option<NaiveDate>> {
        if self.text(col).trim().is_empty() {
            Ok(None)
        } else {
            self.date(col).map(Some)
        }
    }
    fn opt_vocab<T>(&self, col: &str, f: impl FnOnce(&str) -> Result<T, FieldError>) -> FieldResult<Option<T>> {
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

/// Validates an import without writing anything. See the module documentation.
pub fn parse_import(files: ImportFiles, existing: &Known) -> ImportPlan {
    parse_import_with(files, existing, &Deadlines::default())
}

/// [`parse_import`] over a given calendar.
pub fn parse_import_with(files: ImportFiles, existing: &Known, dl: &Deadlines<'_>) -> ImportPlan {
    let mut plan = ImportPlan::default();

    // ---- projects ----
    let mut project_rows: HashMap<ProjectNo, usize> = HashMap::new();
    let mut rejected_projects: HashMap<String, usize> = HashMap::new();
    if let Some(file) = &files.projects {
        match open(FileKind::Projects, file, PROJECT_COLS) {
            Err(r) => plan.rejected.extend(r),
            Ok(sheet) => {
                let mut out = Vec::new();
                for_rows(&sheet, &mut plan.rejected, |row_no, r| {
                    let raw_id = r.text("project_no").trim().to_string();
                    let res = (|| -> FieldResult<Project> {
                        let project_no = r.parse("project_no", ProjectNo::parse)?;
                        if let Some(first) = project_rows.get(&project_no) {
                            return Err(RejectReason::DuplicateId { first_row: *first });
                        }
                        if existing.projects.contains_key(&project_no) {
                            return Err(RejectReason::AlreadyExists);
                        }
                        Ok(Project {
                            name: r.req_text("name")?,
                            purchaser: r.req_text("purchaser")?,
                            agency: r.opt_text("agency")?,
                            method: r.parse("method", parse_method)?,
                            budget: r.parse("budget_yuan", parse_budget)?,
                            publish_date: r.date("publish_date")?,
                            contract_date: r.opt_date("contract_date")?,
                            project_no,
                        })
                    })();
                    match res {
                        Ok(p) => {
                            project_rows.insert(p.project_no.clone(), row_no);
                            out.push(p);
                            Ok(())
                        }
                        Err(reason) => {
                            if !raw_id.is_empty() && !matches!(reason, RejectReason::DuplicateId { .. } | RejectReason::AlreadyExists) {
                                rejected_projects.entry(raw_id.clone()).or_insert(row_no);
                            }
                            Err((Some(raw_id).filter(|s| !s.is_empty()), reason))
                        }
                    }
                });
                plan.projects = out;
            }
        }
    }
    let projects_by_no: HashMap<ProjectNo, Project> = plan.projects.iter().map(|p| (p.project_no.clone(), p.clone())).collect();

    // ---- challenges ----
    let mut challenge_rows: HashMap<ChallengeId, usize> = HashMap::new();
    let mut rejected_challenges: HashMap<String, usize> = HashMap::new();
    if let Some(file) = &files.challenges {
        match open(FileKind::Challenges, file, CHALLENGE_COLS) {
            Err(r) => plan.rejected.extend(r),
            Ok(sheet) => {
                let mut out = Vec::new();
                for_rows(&sheet, &mut plan.rejected, |row_no, r| {
                    let raw_id = r.text("id").trim().to_string();
                    let res = (|| -> FieldResult<Challenge> {
                        let id = r.parse("id", ChallengeId::parse)?;
                        if let Some(first) = challenge_rows.get(&id) {
                            return Err(RejectReason::DuplicateId { first_row: *first });
                        }
                        if existing.challenges.contains_key(&id) {
                            return Err(RejectReason::AlreadyExists);
                        }
                        let project_no = r.parse("project_no", ProjectNo::parse)?;
                        if !projects_by_no.contains_key(&project_no) && !existing.projects.contains_key(&project_no) {
                            return Err(match rejected_projects.get(project_no.as_str()) {
                                Some(row) => RejectReason::ReferenceRejected { id: project_no.to_string(), row: *row },
                                None => RejectReason::UnknownProject { project_no: project_no.to_string() },
                            });
                        }
                        let c = Challenge {
                            id,
                            project_no,
                            supplier: r.req_text("supplier")?,
                            received_date: r.date("received_date")?,
                            target: r.opt_vocab("target", ChallengeTarget::parse)?,
                            known_date: r.opt_date("known_date")?,
                            claim: r.req_text("claim")?,
                            category: r.parse("category", parse_category)?,
                            reply_date: r.opt_date("reply_date")?,
                            outcome: r.parse("outcome", ChallengeOutcome::parse)?,
                            corrective_action: r.opt_text("corrective_action")?,
                        };
                        if let Some(reply) = c.reply_date {
                            if reply < c.received_date {
                                return Err(RejectReason::ReplyBeforeReceipt { received: c.received_date, reply });
                            }
                        }
                        if let Some(k) = c.known_date {
                            if k > c.received_date {
                                return Err(RejectReason::DateOrder {
                                    detail: format!("知道权益受损日期{k}晚于收到质疑日期{} / known date after receipt", c.received_date),
                                });
                            }
                        }
                        Ok(c)
                    })();
                    match res {
                        Ok(c) => {
                            challenge_rows.insert(c.id.clone(), row_no);
                            out.push(c);
                            Ok(())
                        }
                        Err(reason) => {
                            if !raw_id.is_empty() && !matches!(reason, RejectReason::DuplicateId { .. } | RejectReason::AlreadyExists) {
                                rejected_challenges.entry(raw_id.clone()).or_insert(row_no);
                            }
                            Err((Some(raw_id).filter(|s| !s.is_empty()), reason))
                        }
                    }
                });
                plan.challenges = out;
            }
        }
    }
    let challenges_by_id: HashMap<ChallengeId, &Challenge> = plan.challenges.iter().map(|c| (c.id.clone(), c)).collect();

    // ---- complaints ----
    if let Some(file) = &files.complaints {
        match open(FileKind::Complaints, file, COMPLAINT_COLS) {
            Err(r) => plan.rejected.extend(r),
            Ok(sheet) => {
                let mut seen: HashMap<ComplaintId, usize> = HashMap::new();
                let mut out = Vec::new();
                for_rows(&sheet, &mut plan.rejected, |row_no, r| {
                    let raw_id = r.text("id").trim().to_string();
                    let res = (|| -> FieldResult<Complaint> {
                        let id = r.parse("id", ComplaintId::parse)?;
                        if let Some(first) = seen.get(&id) {
                            return Err(RejectReason::DuplicateId { first_row: *first });
                        }
                        if existing.complaints.contains(&id) {
                            return Err(RejectReason::AlreadyExists);
                        }
                        // 94号令 第十九条(一): a complaint requires a prior challenge.
                        let challenge_id = r.parse("challenge_id", ChallengeId::parse)?;
                        let challenge: Option<&Challenge> = match challenges_by_id.get(&challenge_id) {
                            Some(c) => Some(*c),
                            None => match existing.challenges.get(&challenge_id) {
                                Some(details) => details.as_ref(),
                                None => {
                                    return Err(match rejected_challenges.get(challenge_id.as_str()) {
                                        Some(row) => RejectReason::ReferenceRejected { id: challenge_id.to_string(), row: *row },
                                        None => RejectReason::UnknownChallenge { challenge_id: challenge_id.to_string() },
                                    })
                                }
                            },
                        };
                        let filed_date = r.date("filed_date")?;
                        let suspended_from = r.opt_date("suspended_from")?;
                        let suspended_to = r.opt_date("suspended_to")?;
                        let k = Complaint {
                            id,
                            challenge_id,
                            filed_date,
                            accepted_date: r.opt_date("accepted_date")?,
                            suspension: match (suspended_from, suspended_to) {
                                (Some(from), to) => Some(Suspension { from, to }),
                                (None, None) => None,
                                (None, Some(_)) => {
                                    return Err(field_err("suspended_from", FieldError::Empty));
                                }
                            },
                            decision_date: r.opt_date("decision_date")?,
                            outcome: r.parse("outcome", ComplaintOutcome::parse)?,
                            category: r.opt_vocab("category", parse_category)?,
                        };
                        let order = |zh: String, en: &str| Err(RejectReason::DateOrder { detail: format!("{zh} / {en}") });
                        if let Some(c) = challenge {
                            if k.filed_date < c.received_date {
                                return order(
                                    format!("投诉日期{}早于质疑收到日期{}", k.filed_date, c.received_date),
                                    "complaint filed before the challenge was received",
                                );
                            }
                        }
                        if let Some(a) = k.accepted_date {
                            if a < k.filed_date {
                                return order(format!("受理日期{a}早于投诉日期{}", k.filed_date), "accepted before filing");
                            }
                        }
                        if let Some(dd) = k.decision_date {
                            if dd < k.filed_date {
                                return order(format!("处理决定日期{dd}早于投诉日期{}", k.filed_date), "decision before filing");
                            }
                        }
                        if let Some(Suspension { from, to: Some(to) }) = k.suspension {
                            if to < from {
                                return order(format!("暂停结束日期{to}早于开始日期{from}"), "suspension ends before it starts");
                            }
                        }
                        Ok(k)
                    })();
                    match res {
                        Ok(k) => {
                            seen.insert(k.id.clone(), row_no);
                            out.push(k);
                            Ok(())
                        }
                        Err(reason) => Err((Some(raw_id).filter(|s| !s.is_empty()), reason)),
                    }
                });
                plan.complaints = out;
            }
        }
    }

    // ---- process flags on the valid rows ----
    for c in &plan.challenges {
        let project = projects_by_no
            .get(&c.project_no)
            .or_else(|| existing.projects.get(&c.project_no).and_then(|p| p.as_ref()));
        plan.flags.extend(check_challenge(dl, c, project));
    }
    for k in &plan.complaints {
        match challenges_by_id.get(&k.challenge_id).copied().or_else(|| {
            existing.challenges.get(&k.challenge_id).and_then(|c| c.as_ref())
        }) {
            Some(c) => plan.flags.extend(check_complaint(dl, k, Some(c))),
            // Known by id only: the prior challenge exists, its dates are unknown; keep only
            // the checks that need no challenge.
            None => plan.flags.extend(check_complaint(dl, k, None).into_iter().filter(|f| f.check != "PR05" && f.check != "PR06")),
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::records::checks::Severity;
    use crate::core::records::xlsx::{write_xlsx, OutCell};

    const PROJECTS: &str = "project_no,name,purchaser,agency,method,budget_yuan,publish_date\n\
P1,办公设备采购,某市教育局,甲招标代理有限公司,公开招标,\"1,200,000.00\",2025-01-06\n\
P2,物业服务,某市卫健委,,竞争性磋商,350000,2025/3/3\n";

    fn files(p: Option<&str>, c: Option<&str>, k: Option<&str>) -> ImportFiles {
        ImportFiles {
            projects: p.map(|s| ("projects.csv".to_string(), s.as_bytes().to_vec())),
            challenges: c.map(|s| ("challenges.csv".to_string(), s.as_bytes().to_vec())),
            complaints: k.map(|s| ("complaints.csv".to_string(), s.as_bytes().to_vec())),
        }
    }

    const CH_HEAD: &str = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\n";
    const CO_HEAD: &str = "id,challenge_id,filed_date,decision_date,outcome\n";

    fn reasons(plan: &ImportPlan) -> Vec<(FileKind, usize, Option<&str>, &RejectReason)> {
        plan.rejected.iter().map(|r| (r.kind, r.row, r.id.as_deref(), &r.reason)).collect()
    }

    #[test]
    fn valid_import() {
        let ch = format!("{CH_HEAD}Q1,P1,乙公司,2025-01-10,地域限制,要求本地注册,2025-01-15,成立\nQ2,P2,丙公司,2025年3月5日,scoring,评分,,\n");
        let co = format!("{CO_HEAD}T1,Q1,2025-02-10,,\n");
        let plan = parse_import(files(Some(PROJECTS), Some(&ch), Some(&co)), &Known::new());
        assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
        assert_eq!(plan.projects.len(), 2);
        assert_eq!(plan.projects[0].budget, Fen(120_000_000));
        assert_eq!(plan.projects[1].agency, None);
        assert_eq!(plan.challenges[1].outcome, ChallengeOutcome::Pending);
        assert_eq!(plan.challenges[1].received_date, NaiveDate::from_ymd_opt(2025, 3, 5).unwrap());
        assert_eq!(plan.complaints.len(), 1);
        // Q1 upheld without corrective action → PR04.
        assert_eq!(plan.flags.iter().map(|f| f.check).collect::<Vec<_>>(), vec!["PR04"]);
    }

    #[test]
    fn every_reject_reason() {
        let mut known = Known::new();
        known.add_project_no(ProjectNo::parse("OLD").unwrap());
        known.add_challenge_id(ChallengeId::parse("QOLD").unwrap());
        let projects = format!(
            "{}P1,dup,x,y,公开招标,1,2025-01-06\nP3,bad budget,x,y,公开招标,12万,2025-01-06\nP4,bad date,x,y,询价,1,2025-13-01\nP5,bad method,x,y,拍卖,1,2025-01-06\nOLD,exists,x,y,询价,1,2025-01-06\n",
            PROJECTS
        );
        let ch = format!(
            "{CH_HEAD}\
Q1,P1,乙,2025-01-10,region,c,2025-01-15,不成立\n\
Q1,P1,乙,2025-01-10,region,c,2025-01-15,不成立\n\
Q3,P9,乙,2025-01-10,region,c,,\n\
Q4,P1,乙,2025-01-10,地方保护,c,,\n\
Q5,P1,乙,2025-01-10,region,c,,同意\n\
Q6,P1,乙,2025-01-10,region,c,2025-01-09,不成立\n\
Q7,P1,乙,2025-01-10,region,c\n\
Q8,P1,\"乙\"x,2025-01-10,region,c,,\n\
Q9,OLD,乙,2025-01-10,region,c,,\n\
QOLD,P1,乙,2025-01-10,region,c,,\n\
Q10,P3,乙,2025-01-10,region,c,,\n\
Q11,P1,乙,1/10/2025,region,c,,\n"
        );
        let co = format!(
            "{CO_HEAD}T1,Q1,2025-02-10,,\nT2,QX,2025-02-10,,\nT3,QOLD,2025-02-10,,\nT4,Q4,2025-02-10,,\nT5,Q1,2025-01-05,,\nT6,Q1,2025-02-10,,维持\nT7,Q1,\"2025-02-10,,\n"
        );
        let plan = parse_import(files(Some(&projects), Some(&ch), Some(&co)), &known);
        let r = reasons(&plan);
        use FileKind::*;
        fn field(c: &'static str) -> impl Fn(&RejectReason) -> bool {
            move |x| matches!(x, RejectReason::Field { column, .. } if column == c)
        }
        type Expect<'a> = (FileKind, usize, Option<&'a str>, Box<dyn Fn(&RejectReason) -> bool>);
        let expect: Vec<Expect> = vec![
            (Projects, 4, Some("P1"), Box::new(|x| *x == RejectReason::DuplicateId { first_row: 2 })),
            (Projects, 5, Some("P3"), Box::new(field("budget_yuan"))),
            (Projects, 6, Some("P4"), Box::new(field("publish_date"))),
            (Projects, 7, Some("P5"), Box::new(field("method"))),
            (Projects, 8, Some("OLD"), Box::new(|x| *x == RejectReason::AlreadyExists)),
            (Challenges, 3, Some("Q1"), Box::new(|x| *x == RejectReason::DuplicateId { first_row: 2 })),
            (Challenges, 4, Some("Q3"), Box::new(|x| *x == RejectReason::UnknownProject { project_no: "P9".into() })),
            (Challenges, 5, Some("Q4"), Box::new(field("category"))),
            (Challenges, 6, Some("Q5"), Box::new(field("outcome"))),
            (Challenges, 7, Some("Q6"), Box::new(|x| matches!(x, RejectReason::ReplyBeforeReceipt { .. }))),
            (Challenges, 8, Some("Q7"), Box::new(|x| *x == RejectReason::ColumnCount { expected: 8, found: 6 })),
            (Challenges, 9, None, Box::new(|x| matches!(x, RejectReason::BrokenRow { .. }))),
            (Challenges, 11, Some("QOLD"), Box::new(|x| *x == RejectReason::AlreadyExists)),
            (Challenges, 12, Some("Q10"), Box::new(|x| *x == RejectReason::ReferenceRejected { id: "P3".into(), row: 5 })),
            (Challenges, 13, Some("Q11"), Box::new(field("received_date"))),
            (Complaints, 3, Some("T2"), Box::new(|x| *x == RejectReason::UnknownChallenge { challenge_id: "QX".into() })),
            (Complaints, 5, Some("T4"), Box::new(|x| *x == RejectReason::ReferenceRejected { id: "Q4".into(), row: 5 })),
            (Complaints, 6, Some("T5"), Box::new(|x| matches!(x, RejectReason::DateOrder { .. }))),
            (Complaints, 7, Some("T6"), Box::new(field("outcome"))),
            (Complaints, 8, None, Box::new(|x| matches!(x, RejectReason::BrokenRow { .. }))),
        ];
        assert_eq!(r.len(), expect.len(), "{:#?}", plan.rejected);
        for (got, (kind, row, id, pred)) in r.iter().zip(expect.iter()) {
            assert_eq!((got.0, got.1, got.2), (*kind, *row, *id), "{:?}", got.3);
            assert!(pred(got.3), "row {row}: {:?}", got.3);
        }
        // Valid: P1, P2; Q1, Q9 (stored project), T1, T3 (stored challenge, id only).
        assert_eq!(plan.projects.len(), 2);
        assert_eq!(plan.challenges.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["Q1", "Q9"]);
        assert_eq!(plan.complaints.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec!["T1", "T3"]);
        // Messages carry both languages.
        let m = &plan.rejected[0].message;
        assert!(m.contains("重复") && m.contains("duplicate"), "{m}");
    }

    #[test]
    fn missing_column_and_unreadable_file() {
        let plan = parse_import(files(Some("project_no,name\nP1,x\n"), None, None), &Known::new());
        let cols: Vec<_> = plan.rejected.iter().map(|r| (r.row, r.reason.clone())).collect();
        assert_eq!(cols.len(), 5);
        assert_eq!(cols[0], (1, RejectReason::MissingColumn { column: "purchaser".into() }));
        let bad = ImportFiles { projects: Some(("p.csv".into(), vec![0xff, 0xff, 0x81])), ..Default::default() };
        let plan = parse_import(bad, &Known::new());
        assert_eq!(plan.rejected.len(), 1);
        assert_eq!(plan.rejected[0].row, 0);
        assert!(matches!(plan.rejected[0].reason, RejectReason::UnreadableFile { .. }));
        let bad = ImportFiles { projects: Some(("p.xlsx".into(), b"PK\x03\x04junk".to_vec())), ..Default::default() };
        assert!(matches!(parse_import(bad, &Known::new()).rejected[0].reason, RejectReason::UnreadableFile { .. }));
    }

    #[test]
    fn gb18030_with_chinese_headers() {
        let text = "项目编号,项目名称,采购人,采购代理机构,采购方式,预算金额（元）,公告日期\r\nNT-2025-001,监控设备,某区公安分局,乙代理,询价,98000.5,2025.4.1\r\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let f = ImportFiles { projects: Some(("项目.csv".into(), bytes.into_owned())), ..Default::default() };
        let plan = parse_import(f, &Known::new());
        assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
        let p = &plan.projects[0];
        assert_eq!((p.project_no.as_str(), p.purchaser.as_str(), p.method, p.budget), ("NT-2025-001", "某区公安分局", Method::Rfq, Fen(9_800_050)));
        // The same with a UTF-8 BOM.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let f = ImportFiles { projects: Some(("项目.csv".into(), bom)), ..Default::default() };
        assert_eq!(parse_import(f, &Known::new()).projects.len(), 1);
    }

    #[test]
    fn xlsx_import_with_serial_dates() {
        let t = |s: &str| OutCell::Text(s.into());
        let head: Vec<OutCell> = "project_no,name,purchaser,agency,method,budget_yuan,publish_date".split(',').map(t).collect();
        let d = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
        let rows = vec![
            head,
            vec![t("P1"), t("设备"), t("某局"), t("甲代理"), t("公开招标"), OutCell::Number("1200000.5".into()), OutCell::Date(d)],
            vec![t("P2"), t("服务"), t("某局"), OutCell::Empty, t("询价"), OutCell::Number("50000".into()), t("2025年2月3日")],
            vec![t("P3"), t("服务"), t("某局"), OutCell::Empty, t("询价"), t("五万"), t("2025-02-03")],
        ];
        let bytes = write_xlsx("projects", &rows).unwrap();
        let f = ImportFiles { projects: Some(("p.xlsx".into(), bytes)), ..Default::default() };
        let plan = parse_import(f, &Known::new());
        assert_eq!(plan.projects.len(), 2);
        assert_eq!(plan.projects[0].publish_date, d);
        assert_eq!(plan.projects[0].budget, Fen(120_000_050));
        assert_eq!(plan.projects[1].agency, None);
        assert_eq!(plan.rejected.len(), 1);
        assert_eq!((plan.rejected[0].row, plan.rejected[0].id.as_deref()), (4, Some("P3")));
    }

    #[test]
    fn late_rows_are_accepted_and_flagged() {
        // Q1 received Fri 2025-01-24, reply due 2025-02-10, replied 02-11 → PR02.
        // T1 filed 2025-03-04, window ended 03-03 (reply due 02-10 + 15 wd; the late reply on
        // 02-11 moves it to 03-04? 02-12..02-14 (3), 02-17..02-21 (8), 02-24..02-28 (13), 03-03,
        // 03-04 (15) → 03-04: in time). T2 filed 03-05 → PR05.
        let ch = format!("{CH_HEAD}Q1,P1,乙,2025-01-24,region,c,2025-02-11,不成立\n");
        let co = format!("{CO_HEAD}T1,Q1,2025-03-04,,\nT2,Q1,2025-03-05,,\n");
        let plan = parse_import(files(Some(PROJECTS), Some(&ch), Some(&co)), &Known::new());
        assert!(plan.rejected.is_empty());
        let f: Vec<(&str, &str, Severity)> = plan.flags.iter().map(|f| (f.check, f.record_id.as_str(), f.severity)).collect();
        assert_eq!(f, vec![("PR02", "Q1", Severity::Violation), ("PR05", "T2", Severity::Warning)]);
    }
}
