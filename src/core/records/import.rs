//! Import of projects, challenges and complaints from CSV (UTF-8 with/without BOM, GB18030) or a
//! spreadsheet (XLSX, XLS or ODS), validated row by row before anything is written.
//!
//! Each kind has its reader (`kinds`) over a shared sheet reader (`sheet`: header mapping,
//! required and optional columns, typed fields, per-row rejections).
//!
//! [`parse_import`] never writes: it returns an [`ImportPlan`] with the valid records, every
//! rejected row (file, 1-based row number with the header as row 1, id, reason in Chinese and
//! English) and the process flags raised by valid rows that breach a statutory period (they are
//! accepted: a late reply is a fact to record, not a data error). Whether to write the valid rows
//! when some are rejected is the caller's choice (`plan.rejected.is_empty()`).

use super::checks::{check_challenge, check_complaint, ProcessFlag};
use super::deadlines::Deadlines;
use super::model::*;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

mod kinds;
mod sheet;

use kinds::{ChallengeSheet, ComplaintSheet, ProjectSheet};
use sheet::read_records;

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
    /// The file could not be read at all (encoding, damaged or oversized spreadsheet).
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
    /// The project number is registered to a project of another agency.
    NumberTaken {
        /// The agency (or self-procuring purchaser) whose project has the number.
        owner: String,
    },
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
            RejectReason::NumberTaken { owner } => write!(
                f,
                "项目编号已被“{owner}”的登记项目使用 / project number is registered to a project of {owner}"
            ),
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

/// Validates an import without writing anything. See the module documentation.
pub fn parse_import(files: ImportFiles, existing: &Known) -> ImportPlan {
    parse_import_with(files, existing, &Deadlines::default())
}

/// [`parse_import`] over a given calendar.
///
/// The files are read in reference order: projects, then challenges (which reference
/// projects), then complaints (which reference challenges), each against the valid records of
/// the files before it and the stored ones.
pub fn parse_import_with(files: ImportFiles, existing: &Known, dl: &Deadlines<'_>) -> ImportPlan {
    let mut rejected = Vec::new();
    let projects = read_records(&ProjectSheet { existing }, files.projects.as_ref(), &mut rejected);
    let projects_by_no: HashMap<ProjectNo, &Project> = projects.records.iter().map(|p| (p.project_no.clone(), p)).collect();

    let challenge_sheet = ChallengeSheet { existing, projects: &projects_by_no, rejected_projects: &projects.rejected_ids };
    let challenges = read_records(&challenge_sheet, files.challenges.as_ref(), &mut rejected);
    let challenges_by_id: HashMap<ChallengeId, &Challenge> = challenges.records.iter().map(|c| (c.id.clone(), c)).collect();

    let complaint_sheet = ComplaintSheet { existing, challenges: &challenges_by_id, rejected_challenges: &challenges.rejected_ids };
    let complaints = read_records(&complaint_sheet, files.complaints.as_ref(), &mut rejected);

    let flags = process_flags(dl, existing, &projects_by_no, &challenges_by_id, &challenges.records, &complaints.records);
    ImportPlan { projects: projects.records, challenges: challenges.records, complaints: complaints.records, rejected, flags }
}

/// The process flags of the valid rows: each challenge against its project, each complaint
/// against its challenge (from this import or stored).
fn process_flags(
    dl: &Deadlines<'_>,
    existing: &Known,
    projects_by_no: &HashMap<ProjectNo, &Project>,
    challenges_by_id: &HashMap<ChallengeId, &Challenge>,
    challenges: &[Challenge],
    complaints: &[Complaint],
) -> Vec<ProcessFlag> {
    let mut flags = Vec::new();
    for c in challenges {
        let project = projects_by_no
            .get(&c.project_no)
            .copied()
            .or_else(|| existing.projects.get(&c.project_no).and_then(|p| p.as_ref()));
        flags.extend(check_challenge(dl, c, project));
    }
    for k in complaints {
        let challenge = challenges_by_id
            .get(&k.challenge_id)
            .copied()
            .or_else(|| existing.challenges.get(&k.challenge_id).and_then(|c| c.as_ref()));
        match challenge {
            Some(c) => flags.extend(check_complaint(dl, k, Some(c))),
            // Known by id only: the prior challenge exists, its dates are unknown; keep only
            // the checks that need no challenge.
            None => flags.extend(check_complaint(dl, k, None).into_iter().filter(|f| f.check != "PR05" && f.check != "PR06")),
        }
    }
    flags
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

    /// The projects register header in Chinese, as offices write it.
    const ZH_HEAD: [&str; 7] = ["项目编号", "项目名称", "采购人", "采购代理机构", "采购方式", "预算金额（元）", "公告日期"];

    #[test]
    fn ods_register_imports() {
        use crate::core::records::xlsx::tests::books::{date, empty, float, ods, row, text};
        let rows = [
            row(&ZH_HEAD.map(text)),
            row(&[text("OD-1"), text("设备"), text("某局"), text("甲代理"), text("公开招标"), float("1200000.5"), date("2025-01-06"), empty(1017)]),
            row(&[text("OD-2"), text("服务"), text("某局"), empty(1), text("询价"), float("50000"), text("2025年2月3日")]),
            row(&[text("OD-3"), text("服务"), text("某局"), empty(1), text("询价"), text("五万"), date("2025-02-03")]),
        ]
        .concat();
        let f = ImportFiles { projects: Some(("项目.ods".into(), ods(&rows))), ..Default::default() };
        let plan = parse_import(f, &Known::new());
        let got: Vec<_> = plan.projects.iter().map(|p| (p.project_no.as_str(), p.agency.as_deref(), p.budget, p.publish_date)).collect();
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(got, vec![("OD-1", Some("甲代理"), Fen(120_000_050), d(1, 6)), ("OD-2", None, Fen(5_000_000), d(2, 3))]);
        assert_eq!(reasons(&plan).len(), 1);
        let (kind, row, id, reason) = reasons(&plan)[0];
        assert_eq!((kind, row, id), (FileKind::Projects, 4, Some("OD-3")));
        assert!(matches!(reason, RejectReason::Field { column, .. } if column == "budget_yuan"));
    }

    #[test]
    fn xls_register_imports() {
        use crate::core::records::xlsx::tests::books::XLS_PROJECTS;
        // Told by its bytes, whatever its name.
        for name in ["项目.xls", "项目.csv"] {
            let f = ImportFiles { projects: Some((name.into(), XLS_PROJECTS.to_vec())), ..Default::default() };
            let plan = parse_import(f, &Known::new());
            let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day);
            let got: Vec<_> = plan
                .projects
                .iter()
                .map(|p| (p.project_no.as_str(), p.agency.as_deref(), p.method, p.budget, Some(p.publish_date), p.contract_date))
                .collect();
            assert_eq!(
                got,
                vec![
                    ("XLS-01", Some("甲代理"), Method::OpenTender, Fen(120_000_050), d(1, 6), None),
                    ("XLS-02", None, Method::Consultation, Fen(35_000_000), d(3, 3), d(4, 1)),
                ]
            );
            assert_eq!(plan.rejected.iter().map(|r| (r.row, r.id.as_deref())).collect::<Vec<_>>(), vec![(4, Some("XLS-03"))]);
        }
    }

    #[test]
    fn damaged_spreadsheets_are_unreadable_files() {
        use crate::core::records::xlsx::tests::books::{ods, row, text, XLS_PROJECTS};
        let ods = ods(&row(&ZH_HEAD.map(text)));
        let xlsx = write_xlsx("p", &[ZH_HEAD.map(|h| OutCell::Text(h.into())).to_vec()]).unwrap();
        let cases: [(&str, &[u8]); 5] = [
            ("p.xls", &XLS_PROJECTS[..XLS_PROJECTS.len() / 2]),
            ("p.ods", &ods[..ods.len() / 2]),
            ("p.xlsx", &xlsx[..xlsx.len() - 30]),
            // Named as a spreadsheet, but not one: reported as such, not read as CSV.
            ("p.ods", b"project_no,name\n"),
            ("p.XLS", b"<html><table></table></html>"),
        ];
        for (name, bytes) in cases {
            let f = ImportFiles { projects: Some((name.into(), bytes.to_vec())), ..Default::default() };
            let plan = parse_import(f, &Known::new());
            assert!(plan.projects.is_empty());
            assert_eq!(plan.rejected.len(), 1, "{name}: {:?}", plan.rejected);
            let r = &plan.rejected[0];
            assert_eq!(r.row, 0);
            let RejectReason::UnreadableFile { detail } = &r.reason else { panic!("{name}: {:?}", r.reason) };
            assert!(detail.contains(" / "), "{name}: {detail}");
        }
        // The cause follows the message, once.
        let f = ImportFiles { projects: Some(("p.xlsx".into(), xlsx[..xlsx.len() - 30].to_vec())), ..Default::default() };
        let RejectReason::UnreadableFile { detail } = &parse_import(f, &Known::new()).rejected[0].reason else { unreachable!() };
        let (message, cause) = detail.split_once(": ").unwrap();
        assert_eq!(message, "不是有效的XLSX文件 / not a valid XLSX file");
        assert!(!cause.is_empty() && !cause.contains(message), "{detail}");
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

    #[test]
    fn a_stored_number_of_another_agency_is_refused_not_skipped() {
        let head = "project_no,name,purchaser,agency,method,budget_yuan,publish_date\n";
        let stored = parse_import(files(Some(&format!("{head}NT-1,办公家具,市教育局,甲代理,询价,1000,2025-01-06\n")), None, None), &Known::new());
        let mut known = Known::new();
        for p in stored.projects {
            known.add_project(p);
        }
        let again = format!("{head}NT-1,办公家具,市教育局,甲代理,询价,1000,2025-01-06\n");
        let other = format!("{head}NT-1,道路维修,市交通局,乙代理,询价,1000,2025-01-06\n");
        let same = parse_import(files(Some(&again), None, None), &known);
        assert_eq!(same.rejected[0].reason, RejectReason::AlreadyExists);
        let taken = parse_import(files(Some(&other), None, None), &known);
        assert_eq!(taken.rejected[0].reason, RejectReason::NumberTaken { owner: "甲代理".into() });
        assert!(taken.rejected[0].message.contains("甲代理"));
    }
}