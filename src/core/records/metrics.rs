//! Challenge/complaint statistics for 事后督查: counts per period (and per group), change against
//! the previous period, rates, upheld shares, deadline breaches, the link to document review and
//! pre-publication activity. Pure functions over in-memory records; every figure has a
//! definition ([`FIGURES`], also in `docs/metrics.md`). Percentages and rates are exact decimals
//! with two places (integer arithmetic, rounded half away from zero), never floats.

use super::deadlines::{Deadlines, Due, DueMemo};
use super::model::{quarter_of, Category, Challenge, ChallengeId, ChallengeOutcome, Complaint, ComplaintOutcome, Method, Project, ProjectNo};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// A decimal with exactly two places, stored as hundredths. Serialized as a string ("-70.00").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec2(pub i64);

impl fmt::Display for Dec2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl Serialize for Dec2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// `num / den` rounded half away from zero (`den > 0`).
fn div_round(num: i128, den: i128) -> i128 {
    if num >= 0 {
        (num + den / 2) / den
    } else {
        -((-num + den / 2) / den)
    }
}

/// `part × 100 / whole` in hundredths; `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<Dec2> {
    (whole > 0).then(|| Dec2(div_round(i128::from(part) * 10_000, i128::from(whole)) as i64))
}

/// `(cur − prev) × 100 / prev` in hundredths; `None` when `prev` is 0.
pub fn change_percent(cur: u64, prev: u64) -> Option<Dec2> {
    (prev > 0).then(|| Dec2(div_round((i128::from(cur) - i128::from(prev)) * 10_000, i128::from(prev)) as i64))
}

/// Period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Calendar years.
    Year,
    /// Calendar quarters.
    Quarter,
    /// Calendar months.
    Month,
}

impl Granularity {
    fn per_year(self) -> i64 {
        match self {
            Granularity::Year => 1,
            Granularity::Quarter => 4,
            Granularity::Month => 12,
        }
    }
    /// Sequential period number of a date (previous period = this − 1).
    fn ordinal(self, d: NaiveDate) -> i64 {
        let y = i64::from(d.year());
        match self {
            Granularity::Year => y,
            Granularity::Quarter => y * 4 + i64::from(quarter_of(d)) - 1,
            Granularity::Month => y * 12 + i64::from(d.month()) - 1,
        }
    }
    fn label(self, ord: i64) -> String {
        let n = self.per_year();
        let (y, sub) = (ord.div_euclid(n), ord.rem_euclid(n) + 1);
        match self {
            Granularity::Year => format!("{y}"),
            Granularity::Quarter => format!("{y}-Q{sub}"),
            Granularity::Month => format!("{y}-{sub:02}"),
        }
    }
}

/// Breakdown dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Totals only.
    None,
    /// 采购代理机构 of the project (self-procured projects form the group "（自行采购）").
    Agency,
    /// 采购人 of the project.
    Purchaser,
    /// Category of the challenge (projects are not categorised: see `projects`).
    Category,
    /// 采购方式 of the project.
    Method,
}

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsQuery {
    /// First calendar year reported.
    pub from_year: i32,
    /// Last calendar year reported (inclusive).
    pub to_year: i32,
    /// Period length.
    pub by: Granularity,
    /// Breakdown.
    pub group: GroupBy,
    /// Reference date for items still awaiting a reply or decision: they count as late once
    /// this date is past their deadline. `None`: only replied/decided items are judged.
    pub as_of: Option<NaiveDate>,
}

impl MetricsQuery {
    /// A query over `from..=to` years, each defaulting from the other and `today` (the year
    /// before last to this year); items still awaiting a reply are judged as of `as_of`, or
    /// `today`. Both adapters (CLI flags, HTTP query) build their query here.
    pub fn new(
        from: Option<i32>,
        to: Option<i32>,
        by: Granularity,
        group: GroupBy,
        as_of: Option<NaiveDate>,
        today: NaiveDate,
    ) -> MetricsQuery {
        let to_year = to.unwrap_or(today.year());
        MetricsQuery { from_year: from.unwrap_or(to_year - 1), to_year, by, group, as_of: Some(as_of.unwrap_or(today)) }
    }
}

/// Review status of the checker finding on a clause (the workflow's vocabulary).
pub use crate::core::workflow::FindingStatus;

/// A document clause a challenge targets, with the checker finding on it (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseLink {
    /// The challenge.
    pub challenge_id: ChallengeId,
    /// The clause (any stable id).
    pub clause_id: String,
    /// The status of the checker's finding on the clause; `None` when the rules found nothing.
    pub finding: Option<FindingStatus>,
}

/// Pre-publication (事前预防) activity, aggregated by the caller (e.g. per month and agency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreStageActivity {
    /// Any date in the period the counts belong to (bucketed like the other records).
    pub date: NaiveDate,
    /// Agency, when the counts are per agency.
    pub agency: Option<String>,
    /// Purchaser, when per purchaser.
    pub purchaser: Option<String>,
    /// Method, when per method.
    pub method: Option<Method>,
    /// Category, when per category.
    pub category: Option<Category>,
    /// Documents checked before publication.
    pub documents_checked: u64,
    /// Findings raised by the checker on them.
    pub findings_raised: u64,
    /// Of those, fixed before publication.
    pub findings_fixed: u64,
}

/// The records the metrics are computed over.
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsInput<'a> {
    /// Projects (denominator of the rates; source of agency, purchaser and method).
    pub projects: &'a [Project],
    /// Challenges.
    pub challenges: &'a [Challenge],
    /// Complaints.
    pub complaints: &'a [Complaint],
    /// Challenge → clause links.
    pub links: &'a [ClauseLink],
    /// Pre-publication activity.
    pub pre_stage: &'a [PreStageActivity],
}

/// Definition of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FigureDef {
    /// Column key.
    pub key: &'static str,
    /// Chinese label.
    pub label: &'static str,
    /// Precise definition.
    pub definition: &'static str,
}

/// Every figure of a [`MetricsRow`], in column order. `docs/metrics.md` repeats these.
pub const FIGURES: &[FigureDef] = &[
    FigureDef { key: "projects", label: "项目数", definition: "Projects whose publish_date falls in the period (and, when grouped by agency/purchaser/method, have that value). Grouped by category: all projects of the period, since projects have no category." },
    FigureDef { key: "challenges", label: "质疑数", definition: "Challenges whose received_date falls in the period, whatever their outcome (withdrawn and pending included)." },
    FigureDef { key: "complaints", label: "投诉数", definition: "Complaints whose filed_date falls in the period, whatever their outcome; grouped through their challenge (its project, its category)." },
    FigureDef { key: "total", label: "质疑投诉合计", definition: "challenges + complaints." },
    FigureDef { key: "challenges_change_pct", label: "质疑数环比%", definition: "(challenges − challenges of the previous period) × 100 ÷ challenges of the previous period, same group, two decimals rounded half away from zero; empty when the previous period has 0. Previous period: the preceding year, quarter or month (data before from_year is used)." },
    FigureDef { key: "complaints_change_pct", label: "投诉数环比%", definition: "As challenges_change_pct, for complaints." },
    FigureDef { key: "total_change_pct", label: "合计环比%", definition: "As challenges_change_pct, for total." },
    FigureDef { key: "total_yoy_pct", label: "合计同比%", definition: "(total − total of the same period one year earlier) × 100 ÷ that total; empty when it is 0. Equal to total_change_pct for yearly periods." },
    FigureDef { key: "challenges_per_100_projects", label: "每百项目质疑数", definition: "challenges × 100 ÷ projects of the same period and group (two decimals); empty when projects is 0." },
    FigureDef { key: "complaints_per_100_projects", label: "每百项目投诉数", definition: "complaints × 100 ÷ projects (two decimals); empty when projects is 0." },
    FigureDef { key: "total_per_100_projects", label: "每百项目质疑投诉合计", definition: "total (challenges + complaints) × 100 ÷ projects (two decimals); empty when projects is 0." },
    FigureDef { key: "challenges_decided", label: "质疑已决数", definition: "Challenges of the period with outcome 成立, 部分成立 or 不成立 (withdrawn and pending excluded)." },
    FigureDef { key: "challenges_upheld", label: "质疑成立数", definition: "Challenges of the period with outcome 成立 or 部分成立." },
    FigureDef { key: "challenges_upheld_pct", label: "质疑成立率%", definition: "challenges_upheld × 100 ÷ challenges_decided; empty when none decided." },
    FigureDef { key: "complaints_decided", label: "投诉已决数", definition: "Complaints of the period with outcome 投诉成立 or 驳回." },
    FigureDef { key: "complaints_upheld", label: "投诉成立数", definition: "Complaints of the period with outcome 投诉成立." },
    FigureDef { key: "complaints_upheld_pct", label: "投诉成立率%", definition: "complaints_upheld × 100 ÷ complaints_decided; empty when none decided." },
    FigureDef { key: "late_replies", label: "逾期答复数", definition: "Challenges of the period replied after the reply due date (7 working days after receipt, 政府采购法 第五十三条), plus, when as_of is given, challenges not withdrawn and without reply whose due date is before as_of." },
    FigureDef { key: "complaints_out_of_time", label: "超期投诉数", definition: "Complaints of the period filed after the complaint window (15 working days after the reply due date, or after the reply date when the reply was late; 政府采购法 第五十五条)." },
    FigureDef { key: "decisions_overdue", label: "逾期处理决定数", definition: "Complaints of the period decided after the decision due date (30 working days after acceptance, or after filing when no acceptance is recorded; 政府采购法 第五十六条), plus, when as_of is given, complaints not withdrawn and without decision whose due date is before as_of." },
    FigureDef { key: "deadline_uncertain", label: "期限无法确定数", definition: "Deadline checks needed for the three figures above that could not be decided because a year has no published holiday schedule (one per record and check)." },
    FigureDef { key: "challenges_linked", label: "关联条款的质疑数", definition: "Challenges of the period linked to at least one document clause." },
    FigureDef { key: "challenges_with_finding", label: "条款曾被审查提示的质疑数", definition: "Linked challenges of the period with at least one linked clause that had a checker finding (any status)." },
    FigureDef { key: "challenges_linked_no_finding", label: "条款未被审查提示的质疑数", definition: "Linked challenges of the period none of whose linked clauses had a checker finding (the rules missed them)." },
    FigureDef { key: "links_finding_open", label: "关联条款-提示未处理", definition: "(challenge, clause) links of the period's challenges whose clause finding is open." },
    FigureDef { key: "links_finding_accepted", label: "关联条款-提示被接受保留", definition: "Links whose clause finding was accepted (kept with a written reason)." },
    FigureDef { key: "links_finding_dismissed", label: "关联条款-提示被驳回", definition: "Links whose clause finding was dismissed by a reviewer." },
    FigureDef { key: "links_no_finding", label: "关联条款-无提示", definition: "Links whose clause had no checker finding." },
    FigureDef { key: "docs_checked", label: "事前审查文件数", definition: "Sum of documents_checked of the pre-stage rows dated in the period (group: the row's own attribute; rows without it form the group \"（未标注）\")." },
    FigureDef { key: "findings_raised", label: "事前发现问题数", definition: "Sum of findings_raised of those rows." },
    FigureDef { key: "findings_fixed", label: "发布前整改数", definition: "Sum of findings_fixed of those rows." },
    FigureDef { key: "fixed_pct", label: "发布前整改率%", definition: "findings_fixed × 100 ÷ findings_raised; empty when no finding was raised." },
];

/// Group label for a project without agency (自行采购).
pub const SELF_PROCURED: &str = "（自行采购）";
/// Group label for records whose project (or challenge) is unknown.
pub const UNKNOWN_GROUP: &str = "（未知）";
/// Group label for pre-stage rows without the grouping attribute.
pub const UNLABELLED: &str = "（未标注）";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    projects: u64,
    challenges: u64,
    complaints: u64,
    ch_decided: u64,
    ch_upheld: u64,
    co_decided: u64,
    co_upheld: u64,
    late_replies: u64,
    out_of_time: u64,
    decisions_overdue: u64,
    uncertain: u64,
    linked: u64,
    with_finding: u64,
    linked_no_finding: u64,
    l_open: u64,
    l_accepted: u64,
    l_dismissed: u64,
    l_none: u64,
    docs: u64,
    raised: u64,
    fixed: u64,
}

/// One row of the report: a period and (optionally) a group value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsRow {
    /// "2024", "2024-Q1" or "2024-01".
    pub period: String,
    /// Group value; `None` for the all-records row.
    pub group: Option<String>,
    #[allow(missing_docs)]
    pub projects: u64,
    #[allow(missing_docs)]
    pub challenges: u64,
    #[allow(missing_docs)]
    pub complaints: u64,
    #[allow(missing_docs)]
    pub total: u64,
    #[allow(missing_docs)]
    pub challenges_change_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub complaints_change_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub total_change_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub total_yoy_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub challenges_per_100_projects: Option<Dec2>,
    #[allow(missing_docs)]
    pub complaints_per_100_projects: Option<Dec2>,
    #[allow(missing_docs)]
    pub total_per_100_projects: Option<Dec2>,
    #[allow(missing_docs)]
    pub challenges_decided: u64,
    #[allow(missing_docs)]
    pub challenges_upheld: u64,
    #[allow(missing_docs)]
    pub challenges_upheld_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub complaints_decided: u64,
    #[allow(missing_docs)]
    pub complaints_upheld: u64,
    #[allow(missing_docs)]
    pub complaints_upheld_pct: Option<Dec2>,
    #[allow(missing_docs)]
    pub late_replies: u64,
    #[allow(missing_docs)]
    pub complaints_out_of_time: u64,
    #[allow(missing_docs)]
    pub decisions_overdue: u64,
    #[allow(missing_docs)]
    pub deadline_uncertain: u64,
    #[allow(missing_docs)]
    pub challenges_linked: u64,
    #[allow(missing_docs)]
    pub challenges_with_finding: u64,
    #[allow(missing_docs)]
    pub challenges_linked_no_finding: u64,
    #[allow(missing_docs)]
    pub links_finding_open: u64,
    #[allow(missing_docs)]
    pub links_finding_accepted: u64,
    #[allow(missing_docs)]
    pub links_finding_dismissed: u64,
    #[allow(missing_docs)]
    pub links_no_finding: u64,
    #[allow(missing_docs)]
    pub docs_checked: u64,
    #[allow(missing_docs)]
    pub findings_raised: u64,
    #[allow(missing_docs)]
    pub findings_fixed: u64,
    #[allow(missing_docs)]
    pub fixed_pct: Option<Dec2>,
}

/// A figure value for printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureValue {
    /// A count.
    Count(u64),
    /// A two-decimal value, or empty.
    Decimal(Option<Dec2>),
}

impl fmt::Display for FigureValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FigureValue::Count(n) => write!(f, "{n}"),
            FigureValue::Decimal(Some(d)) => write!(f, "{d}"),
            FigureValue::Decimal(None) => Ok(()),
        }
    }
}

impl MetricsRow {
    /// The figures in [`FIGURES`] order.
    pub fn values(&self) -> Vec<FigureValue> {
        use FigureValue::{Count as C, Decimal as D};
        vec![
            C(self.projects),
            C(self.challenges),
            C(self.complaints),
            C(self.total),
            D(self.challenges_change_pct),
            D(self.complaints_change_pct),
            D(self.total_change_pct),
            D(self.total_yoy_pct),
            D(self.challenges_per_100_projects),
            D(self.complaints_per_100_projects),
            D(self.total_per_100_projects),
            C(self.challenges_decided),
            C(self.challenges_upheld),
            D(self.challenges_upheld_pct),
            C(self.complaints_decided),
            C(self.complaints_upheld),
            D(self.complaints_upheld_pct),
            C(self.late_replies),
            C(self.complaints_out_of_time),
            C(self.decisions_overdue),
            C(self.deadline_uncertain),
            C(self.challenges_linked),
            C(self.challenges_with_finding),
            C(self.challenges_linked_no_finding),
            C(self.links_finding_open),
            C(self.links_finding_accepted),
            C(self.links_finding_dismissed),
            C(self.links_no_finding),
            C(self.docs_checked),
            C(self.findings_raised),
            C(self.findings_fixed),
            D(self.fixed_pct),
        ]
    }
}

/// The report: rows ordered by period, each period's all-records row first, then groups in
/// label order; with the definitions of every figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsReport {
    /// The query answered.
    pub query: MetricsQuery,
    /// Rows.
    pub rows: Vec<MetricsRow>,
    /// Definitions of the figures, in column order.
    pub definitions: Vec<FigureDef>,
}

/// Group labels interned to small integers, so the per-record work hashes no strings.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    labels: Vec<String>,
}

impl Interner {
    fn id(&mut self, label: &str) -> u32 {
        if let Some(i) = self.ids.get(label) {
            return *i;
        }
        let i = self.labels.len() as u32;
        self.ids.insert(label.to_string(), i);
        self.labels.push(label.to_string());
        i
    }
}

/// (period ordinal, group id; `NO_GROUP` for the all-records row).
type Key = (i64, u32);
const NO_GROUP: u32 = u32::MAX;

fn project_group(p: &Project, g: GroupBy) -> Option<&str> {
    match g {
        GroupBy::None | GroupBy::Category => None,
        GroupBy::Agency => Some(p.agency.as_deref().unwrap_or(SELF_PROCURED)),
        GroupBy::Purchaser => Some(p.purchaser.as_str()),
        GroupBy::Method => Some(p.method.label_zh()),
    }
}

/// Computes the report with the built-in calendar.
pub fn metrics(input: &MetricsInput<'_>, q: &MetricsQuery) -> MetricsReport {
    metrics_with(input, q, &Deadlines::default())
}

/// Computes the report over a given calendar.
pub fn metrics_with(input: &MetricsInput<'_>, q: &MetricsQuery, dl: &Deadlines<'_>) -> MetricsReport {
    let memo = DueMemo::default();
    let dl = dl.with_memo(&memo);
    let by = q.by;
    let g = q.group;
    let mut groups = Interner::default();
    let unknown = groups.id(UNKNOWN_GROUP);

    // Each project's index and group id; each challenge's group id (for its complaints).
    let mut project_idx: HashMap<&ProjectNo, (usize, u32)> = HashMap::with_capacity(input.projects.len());
    for (i, p) in input.projects.iter().enumerate() {
        let gid = project_group(p, g).map_or(NO_GROUP, |l| groups.id(l));
        project_idx.insert(&p.project_no, (i, gid));
    }
    let category_ids: Vec<u32> = Category::ALL.iter().map(|c| groups.id(c.label_zh())).collect();
    let challenge_group = |c: &Challenge| -> u32 {
        match g {
            GroupBy::None => NO_GROUP,
            GroupBy::Category => category_ids[Category::ALL.iter().position(|x| *x == c.category).unwrap_or(0)],
            _ => project_idx.get(&c.project_no).map_or(unknown, |(_, gid)| *gid),
        }
    };
    let challenges: HashMap<&ChallengeId, (&Challenge, u32)> =
        input.challenges.iter().map(|c| (&c.id, (c, challenge_group(c)))).collect();
    let mut links: HashMap<&ChallengeId, Vec<&ClauseLink>> = HashMap::with_capacity(input.links.len());
    for l in input.links {
        links.entry(&l.challenge_id).or_default().push(l);
    }
    let mut counts: HashMap<Key, Counts> = HashMap::new();
    // Adds to the all-records row and, when grouping, to the group row.
    let mut add = |ord: i64, gid: u32, f: &dyn Fn(&mut Counts)| {
        f(counts.entry((ord, NO_GROUP)).or_default());
        if gid != NO_GROUP {
            f(counts.entry((ord, gid)).or_default());
        }
    };

    for p in input.projects {
        let gid = project_idx.get(&p.project_no).map_or(NO_GROUP, |(_, gid)| *gid);
        add(by.ordinal(p.publish_date), gid, &|c| c.projects += 1);
    }

    for ch in input.challenges {
        let ord = by.ordinal(ch.received_date);
        let mut late = 0;
        let mut uncertain = 0;
        let needs_due = ch.reply_date.is_some() || (q.as_of.is_some() && ch.outcome != ChallengeOutcome::Withdrawn);
        if needs_due {
            match dl.reply_due(ch) {
                Due::Known { date } => {
                    let late_now = match ch.reply_date {
                        Some(r) => r > date,
                        None => q.as_of.is_some_and(|t| t > date),
                    };
                    late = u64::from(late_now);
                }
                Due::Uncertain { .. } => uncertain = 1,
                Due::NoStart => {}
            }
        }
        let ls = links.get(&ch.id).map(Vec::as_slice).unwrap_or(&[]);
        // Confirmed and fixed findings count with the open ones: the checker flagged the clause
        // and nobody set the finding aside.
        let bucket = |s: Option<FindingStatus>| match s {
            Some(FindingStatus::Confirmed | FindingStatus::Fixed) => Some(FindingStatus::Open),
            other => other,
        };
        let count_status = |s: Option<FindingStatus>| ls.iter().filter(|l| bucket(l.finding) == s).count() as u64;
        let any_finding = ls.iter().any(|l| l.finding.is_some());
        let (l_open, l_acc, l_dis, l_none) = (
            count_status(Some(FindingStatus::Open)),
            count_status(Some(FindingStatus::Accepted)),
            count_status(Some(FindingStatus::Dismissed)),
            count_status(None),
        );
        let linked = !ls.is_empty();
        let outcome = ch.outcome;
        let gid = challenge_group(ch);
        add(ord, gid, &|c| {
            c.challenges += 1;
            c.ch_decided += u64::from(outcome.is_decided());
            c.ch_upheld += u64::from(outcome.is_upheld());
            c.late_replies += late;
            c.uncertain += uncertain;
            c.linked += u64::from(linked);
            c.with_finding += u64::from(linked && any_finding);
            c.linked_no_finding += u64::from(linked && !any_finding);
            c.l_open += l_open;
            c.l_accepted += l_acc;
            c.l_dismissed += l_dis;
            c.l_none += l_none;
        });
    }

    for k in input.complaints {
        let ch = challenges.get(&k.challenge_id).copied();
        let gid = match (g, ch) {
            (GroupBy::None, _) => NO_GROUP,
            (_, Some((_, gid))) => gid,
            (_, None) => unknown,
        };
        let mut uncertain = 0;
        let out_of_time = match ch.map(|(c, _)| dl.complaint_window(c)) {
            Some(Due::Known { date }) => u64::from(k.filed_date > date),
            Some(Due::Uncertain { .. }) => {
                uncertain += 1;
                0
            }
            _ => 0,
        };
        let needs_due = k.decision_date.is_some() || (q.as_of.is_some() && k.outcome != ComplaintOutcome::Withdrawn);
        let mut overdue = 0;
        if needs_due {
            match dl.decision_due(k) {
                Due::Known { date } => {
                    let late = match k.decision_date {
                        Some(d) => d > date,
                        None => q.as_of.is_some_and(|t| t > date),
                    };
                    overdue = u64::from(late);
                }
                Due::Uncertain { .. } => uncertain += 1,
                Due::NoStart => {}
            }
        }
        let outcome = k.outcome;
        add(by.ordinal(k.filed_date), gid, &|c| {
            c.complaints += 1;
            c.co_decided += u64::from(outcome.is_decided());
            c.co_upheld += u64::from(outcome == ComplaintOutcome::Upheld);
            c.out_of_time += out_of_time;
            c.decisions_overdue += overdue;
            c.uncertain += uncertain;
        });
    }

    for a in input.pre_stage {
        let attr: Option<Option<&str>> = match g {
            GroupBy::None => None,
            GroupBy::Agency => Some(a.agency.as_deref()),
            GroupBy::Purchaser => Some(a.purchaser.as_deref()),
            GroupBy::Method => Some(a.method.map(|m| m.label_zh())),
            GroupBy::Category => Some(a.category.map(|c| c.label_zh())),
        };
        let gid = attr.map_or(NO_GROUP, |v| groups.id(v.unwrap_or(UNLABELLED)));
        let (docs, raised, fixed) = (a.documents_checked, a.findings_raised, a.findings_fixed);
        add(by.ordinal(a.date), gid, &|c| {
            c.docs += docs;
            c.raised += raised;
            c.fixed += fixed;
        });
    }

    // Periods of the requested range.
    let (first, last) = match (
        NaiveDate::from_ymd_opt(q.from_year, 1, 1),
        NaiveDate::from_ymd_opt(q.to_year, 12, 31),
    ) {
        (Some(a), Some(b)) if a <= b => (by.ordinal(a), by.ordinal(b)),
        _ => (0, -1),
    };
    // Group values seen in the range, in label order.
    let seen: BTreeSet<(&str, u32)> = counts
        .keys()
        .filter(|(ord, gid)| *ord >= first && *ord <= last && *gid != NO_GROUP)
        .map(|(_, gid)| (groups.labels[*gid as usize].as_str(), *gid))
        .collect();

    let zero = Counts::default();
    let mut rows = Vec::new();
    for ord in first..=last {
        let all = counts.get(&(ord, NO_GROUP)).copied().unwrap_or(zero);
        let keys = std::iter::once((None, NO_GROUP)).chain(seen.iter().map(|(l, gid)| (Some(l.to_string()), *gid)));
        for (label, gid) in keys {
            let mut cur = counts.get(&(ord, gid)).copied().unwrap_or(zero);
            let prev = counts.get(&(ord - 1, gid)).copied().unwrap_or(zero);
            let yoy = counts.get(&(ord - by.per_year(), gid)).copied().unwrap_or(zero);
            if g == GroupBy::Category && gid != NO_GROUP {
                cur.projects = all.projects; // projects have no category
            }
            rows.push(build_row(by.label(ord), label, &cur, &prev, &yoy));
        }
    }
    MetricsReport { query: *q, rows, definitions: FIGURES.to_vec() }
}

fn build_row(period: String, group: Option<String>, c: &Counts, prev: &Counts, yoy: &Counts) -> MetricsRow {
    let total = c.challenges + c.complaints;
    MetricsRow {
        period,
        group,
        projects: c.projects,
        challenges: c.challenges,
        complaints: c.complaints,
        total,
        challenges_change_pct: change_percent(c.challenges, prev.challenges),
        complaints_change_pct: change_percent(c.complaints, prev.complaints),
        total_change_pct: change_percent(total, prev.challenges + prev.complaints),
        total_yoy_pct: change_percent(total, yoy.challenges + yoy.complaints),
        challenges_per_100_projects: percent(c.challenges, c.projects),
        complaints_per_100_projects: percent(c.complaints, c.projects),
        total_per_100_projects: percent(total, c.projects),
        challenges_decided: c.ch_decided,
        challenges_upheld: c.ch_upheld,
        challenges_upheld_pct: percent(c.ch_upheld, c.ch_decided),
        complaints_decided: c.co_decided,
        complaints_upheld: c.co_upheld,
        complaints_upheld_pct: percent(c.co_upheld, c.co_decided),
        late_replies: c.late_replies,
        complaints_out_of_time: c.out_of_time,
        decisions_overdue: c.decisions_overdue,
        deadline_uncertain: c.uncertain,
        challenges_linked: c.linked,
        challenges_with_finding: c.with_finding,
        challenges_linked_no_finding: c.linked_no_finding,
        links_finding_open: c.l_open,
        links_finding_accepted: c.l_accepted,
        links_finding_dismissed: c.l_dismissed,
        links_no_finding: c.l_none,
        docs_checked: c.docs,
        findings_raised: c.raised,
        findings_fixed: c.fixed,
        fixed_pct: percent(c.fixed, c.raised),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_percentages() {
        assert_eq!(change_percent(3, 10).map(|d| d.to_string()), Some("-70.00".into()));
        assert_eq!(change_percent(1, 3).map(|d| d.to_string()), Some("-66.67".into()));
        assert_eq!(change_percent(2, 7).map(|d| d.to_string()), Some("-71.43".into()));
        assert_eq!(change_percent(5, 0), None);
        assert_eq!(percent(11, 12).map(|d| d.to_string()), Some("91.67".into()));
        assert_eq!(percent(1, 8).map(|d| d.to_string()), Some("12.50".into()));
        assert_eq!(percent(1, 200).map(|d| d.to_string()), Some("0.50".into()));
        assert_eq!(percent(1, 400).map(|d| d.to_string()), Some("0.25".into()));
        assert_eq!(percent(1, 800).map(|d| d.to_string()), Some("0.13".into())); // 0.125 → 0.13
        assert_eq!(change_percent(7, 8).map(|d| d.to_string()), Some("-12.50".into()));
        assert_eq!(Dec2(-5).to_string(), "-0.05");
    }

    #[test]
    fn period_labels() {
        let d = NaiveDate::from_ymd_opt(2025, 5, 6).unwrap();
        assert_eq!(Granularity::Quarter.label(Granularity::Quarter.ordinal(d)), "2025-Q2");
        assert_eq!(Granularity::Month.label(Granularity::Month.ordinal(d)), "2025-05");
        assert_eq!(Granularity::Month.label(Granularity::Month.ordinal(d) - 5), "2024-12");
        assert_eq!(Granularity::Year.label(2025), "2025");
    }
}
