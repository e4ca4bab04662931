//! Records of the challenge/complaint chain (政府采购法 第五十二–五十八条; 财政部令第94号) and the
//! projects they belong to, as parsed, validated values.
//!
//! Every field is a parsed type (parse, don't validate): an identifier can never be empty, money is
//! integer 分 (never a float), vocabularies are enums. The parsers here are total: they return a
//! typed [`FieldError`] and never panic.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::core::vocab::norm_word;

/// Why a single field could not be parsed. `Display` gives the Chinese reason followed by the
/// English one, which is what import reports show to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A required field is empty.
    #[error("必填字段为空 / required field is empty")]
    Empty,
    /// The text is longer than the field allows.
    #[error("字段过长（超过{0}个字符） / field longer than {0} characters")]
    TooLong(usize),
    /// An identifier contains control characters.
    #[error("标识含有控制字符 / identifier contains control characters")]
    ControlChars,
    /// Not a date in one of the accepted forms.
    #[error("无法识别的日期“{0}” / unparseable date '{0}'")]
    Date(String),
    /// Not a decimal amount.
    #[error("无法识别的金额“{0}” / unparseable amount '{0}'")]
    Amount(String),
    /// Not one of the 18 categories.
    #[error("未知的问题类别“{0}” / unknown category '{0}'")]
    Category(String),
    /// Not a known outcome.
    #[error("未知的处理结果“{0}” / unknown outcome '{0}'")]
    Outcome(String),
    /// Not a known procurement method.
    #[error("未知的采购方式“{0}” / unknown procurement method '{0}'")]
    Method(String),
    /// Not a known challenge target.
    #[error("未知的质疑对象“{0}” / unknown challenge target '{0}'")]
    Target(String),
}

const MAX_ID_CHARS: usize = 100;
const MAX_TEXT_CHARS: usize = 20_000;

fn parse_id(s: &str) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::Empty);
    }
    if t.chars().count() > MAX_ID_CHARS {
        return Err(FieldError::TooLong(MAX_ID_CHARS));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::ControlChars);
    }
    Ok(t.to_string())
}

macro_rules! id_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a trimmed, non-empty identifier of at most 100 characters without control
            /// characters.
            pub fn parse(s: &str) -> Result<Self, FieldError> {
                parse_id(s).map($name)
            }
            /// The identifier text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, FieldError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

id_newtype!(
    /// 项目编号: the procurement project number.
    ProjectNo
);
id_newtype!(
    /// The identifier of a challenge (质疑) as given in the imported file.
    ChallengeId
);
id_newtype!(
    /// The identifier of a complaint (投诉) as given in the imported file.
    ComplaintId
);

/// Parses free text: trimmed, bounded; `None` when empty.
pub fn parse_text(s: &str) -> Result<Option<String>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::TooLong(MAX_TEXT_CHARS));
    }
    Ok(Some(t.to_string()))
}

/// Parses required free text.
pub fn parse_required_text(s: &str) -> Result<String, FieldError> {
    parse_text(s)?.ok_or(FieldError::Empty)
}

/// Money in integer 分: the one type shared with the rest of the crate.
pub use crate::core::money::Fen;

/// Parses a budget in 元 (see [`Fen::parse_yuan`]), as a field error for import reports.
pub fn parse_budget(s: &str) -> Result<Fen, FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::Empty);
    }
    Fen::parse_yuan(s).map_err(|_| FieldError::Amount(s.trim().to_string()))
}

/// Parses a calendar date in the forms found in procurement spreadsheets: `2024-07-03`,
/// `2024/7/3`, `2024年7月3日`, `2024.7.3`, optionally followed by a time (`2024-07-03 10:00`),
/// which is ignored. Full-width digits are accepted.
pub fn parse_date(s: &str) -> Result<NaiveDate, FieldError> {
    let bad = || FieldError::Date(s.trim().to_string());
    let t: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if t.is_empty() {
        return Err(FieldError::Empty);
    }
    // Drop a time part: "2024-07-03 10:00:00", "2024-07-03T10:00".
    let date_part = t.split([' ', 'T']).next().unwrap_or("");
    let date_part = date_part.strip_suffix('日').unwrap_or(date_part);
    let parts: Vec<&str> = date_part.split(['-', '/', '.', '年', '月']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    if parts[0].len() != 4 {
        return Err(bad());
    }
    let y: i32 = parts[0].parse().map_err(|_| bad())?;
    let m: u32 = parts[1].parse().map_err(|_| bad())?;
    let d: u32 = parts[2].parse().map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)
}

/// Converts an Excel date serial (1900 date system) to a date. Excel counts 1900-02-29, which
/// does not exist, so serials from 61 on are offset from 1899-12-30. A time fraction is ignored.
/// Only serials for years 1900–9999 are accepted.
pub fn excel_serial_to_date(raw: &str) -> Result<NaiveDate, FieldError> {
    let bad = || FieldError::Date(raw.trim().to_string());
    let t = raw.trim();
    let int_part = t.split('.').next().unwrap_or("");
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) || int_part.len() > 7 {
        return Err(bad());
    }
    if let Some(frac) = t.split('.').nth(1) {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let n: i64 = int_part.parse().map_err(|_| bad())?;
    if !(1..=2_958_465).contains(&n) {
        return Err(bad());
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or_else(bad)?;
    let n = if n < 61 { n + 1 } else { n };
    base.checked_add_signed(Duration::days(n)).ok_or_else(bad)
}

/// Converts a date to an Excel serial (inverse of [`excel_serial_to_date`] for dates after
/// 1900-03-01).
pub fn date_to_excel_serial(d: NaiveDate) -> i64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    (d - base).num_days()
}

/// The fixed 18-category vocabulary, shared with the rule library (`crate::core::finding`).
pub use crate::core::finding::Category;

/// Parses a category from its slug (`track_record`) or its Chinese label (`业绩与奖项`), case-
/// and space-insensitive; `其他` is accepted for `other`.
pub fn parse_category(s: &str) -> Result<Category, FieldError> {
    if norm_word(s).is_empty() {
        return Err(FieldError::Empty);
    }
    // The vocabulary's own parse: slug, Chinese label, or 其他 for `other`.
    Category::parse(s).ok_or_else(|| FieldError::Category(s.trim().to_string()))
}

/// 采购方式: the core vocabulary (one definition for rules, registers, storage and HTTP).
pub use crate::core::vocab::Method;

/// Parses a register's 采购方式 cell.
pub fn parse_method(s: &str) -> Result<Method, FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::Empty);
    }
    Method::parse(s).ok_or_else(|| FieldError::Method(s.trim().to_string()))
}

crate::core::vocab::vocabulary!(
    /// What a challenge is aimed at (政府采购法 第五十二条: 采购文件、采购过程和中标、成交结果).
    ChallengeTarget {
        /// 采购文件
        Documents = "documents", "采购文件" | "招标文件";
        /// 采购过程
        Process = "process", "采购过程";
        /// 中标、成交结果
        Result = "result", "中标成交结果" | "中标结果" | "成交结果";
    }
);

/// Parses a register's 质疑对象 cell.
pub fn parse_target(s: &str) -> Result<ChallengeTarget, FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError::Empty);
    }
    ChallengeTarget::parse(s).ok_or_else(|| FieldError::Target(s.trim().to_string()))
}

/// The outcome of a challenge. `Pending` is written as an empty cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeOutcome {
    /// 成立
    Upheld,
    /// 部分成立
    PartlyUpheld,
    /// 不成立
    NotUpheld,
    /// 撤回
    Withdrawn,
    /// No outcome yet (empty cell).
    Pending,
}

impl ChallengeOutcome {
    /// Parses 成立 / 部分成立 / 不成立 / 撤回 (or the English codes); empty means pending.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Ok(match norm_word(s).as_str() {
            "" | "pending" | "待处理" | "处理中" => Self::Pending,
            "成立" | "upheld" => Self::Upheld,
            "部分成立" | "partly_upheld" | "partlyupheld" => Self::PartlyUpheld,
            "不成立" | "not_upheld" | "notupheld" => Self::NotUpheld,
            "撤回" | "withdrawn" => Self::Withdrawn,
            _ => return Err(FieldError::Outcome(s.trim().to_string())),
        })
    }
    /// The Chinese label ("" for pending, as in the import files).
    pub fn zh(self) -> &'static str {
        match self {
            Self::Upheld => "成立",
            Self::PartlyUpheld => "部分成立",
            Self::NotUpheld => "不成立",
            Self::Withdrawn => "撤回",
            Self::Pending => "",
        }
    }
    /// 成立 or 部分成立.
    pub fn is_upheld(self) -> bool {
        matches!(self, Self::Upheld | Self::PartlyUpheld)
    }
    /// Decided on the merits: 成立, 部分成立 or 不成立 (withdrawn and pending are not).
    pub fn is_decided(self) -> bool {
        matches!(self, Self::Upheld | Self::PartlyUpheld | Self::NotUpheld)
    }
}

/// The outcome of a complaint. `Pending` is written as an empty cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintOutcome {
    /// 投诉成立
    Upheld,
    /// 驳回
    Rejected,
    /// 撤回
    Withdrawn,
    /// No decision yet (empty cell).
    Pending,
}

impl ComplaintOutcome {
    /// Parses 投诉成立 (or 成立) / 驳回 / 撤回 (or the English codes); empty means pending.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Ok(match norm_word(s).as_str() {
            "" | "pending" | "待处理" | "处理中" => Self::Pending,
            "投诉成立" | "成立" | "upheld" => Self::Upheld,
            "驳回" | "驳回投诉" | "rejected" => Self::Rejected,
            "撤回" | "withdrawn" => Self::Withdrawn,
            _ => return Err(FieldError::Outcome(s.trim().to_string())),
        })
    }
    /// The Chinese label ("" for pending).
    pub fn zh(self) -> &'static str {
        match self {
            Self::Upheld => "投诉成立",
            Self::Rejected => "驳回",
            Self::Withdrawn => "撤回",
            Self::Pending => "",
        }
    }
    /// Decided on the merits: 投诉成立 or 驳回.
    pub fn is_decided(self) -> bool {
        matches!(self, Self::Upheld | Self::Rejected)
    }
}

/// A procurement project (采购项目).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// 项目编号.
    pub project_no: ProjectNo,
    /// 项目名称.
    pub name: String,
    /// 采购人.
    pub purchaser: String,
    /// 采购代理机构; `None` when the purchaser procured itself (自行采购).
    pub agency: Option<String>,
    /// 采购方式.
    pub method: Method,
    /// 预算金额 in 分.
    pub budget: Fen,
    /// Publication date of the procurement announcement and documents.
    pub publish_date: NaiveDate,
    /// Contract signing date, when known (optional column `contract_date`; used by PR03).
    pub contract_date: Option<NaiveDate>,
}

/// The agency that owns a register project: its 采购代理机构, or for a self-procured project
/// (自行采购, no agency) its purchaser.
pub fn owner_of<'a>(agency: Option<&'a str>, purchaser: &'a str) -> &'a str {
    agency.map(str::trim).filter(|a| !a.is_empty()).unwrap_or(purchaser.trim())
}

impl Project {
    /// The agency that owns the project (see [`owner_of`]).
    pub fn owner(&self) -> &str {
        owner_of(self.agency.as_deref(), &self.purchaser)
    }
}

/// A supplier challenge (质疑, 政府采购法 第五十二条; 94号令 第十条–第十六条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Identifier from the file.
    pub id: ChallengeId,
    /// The project challenged.
    pub project_no: ProjectNo,
    /// 质疑供应商.
    pub supplier: String,
    /// Date the purchaser or agency received the challenge letter.
    pub received_date: NaiveDate,
    /// What is challenged; `None` when the file does not say.
    pub target: Option<ChallengeTarget>,
    /// Date the supplier knew or ought to have known of the harm (optional column `known_date`;
    /// for 采购文件 challenges the project's publish date is used when absent).
    pub known_date: Option<NaiveDate>,
    /// 质疑事项 (claim text).
    pub claim: String,
    /// Category of the challenged clause, from the 18-category vocabulary.
    pub category: Category,
    /// Date of the written reply, if any.
    pub reply_date: Option<NaiveDate>,
    /// Outcome of the challenge.
    pub outcome: ChallengeOutcome,
    /// Corrective action taken (澄清/修改/重新采购), when the challenge was upheld.
    pub corrective_action: Option<String>,
}

/// A suspension of the procurement during a complaint (政府采购法 第五十七条; 94号令 第二十八条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// First day of the suspension (date of the notice).
    pub from: NaiveDate,
    /// Date the procurement resumed; `None` while still suspended.
    pub to: Option<NaiveDate>,
}

/// A complaint to the finance department (投诉, 政府采购法 第五十五–五十六条; 94号令 第十七条起).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Identifier from the file.
    pub id: ComplaintId,
    /// The prior challenge (94号令 第十九条(一): no complaint without a prior challenge).
    pub challenge_id: ChallengeId,
    /// Date the complaint was received by the finance department.
    pub filed_date: NaiveDate,
    /// Acceptance date (受理), when recorded.
    pub accepted_date: Option<NaiveDate>,
    /// Suspension of the procurement, when ordered.
    pub suspension: Option<Suspension>,
    /// Date of the decision (处理决定).
    pub decision_date: Option<NaiveDate>,
    /// Outcome.
    pub outcome: ComplaintOutcome,
    /// Category of the complaint items when recorded (optional column `category`; a category
    /// different from the challenge's is a possible scope extension, PR06).
    pub category: Option<Category>,
}

/// A (year, quarter, month) helper shared by metrics.
pub(crate) fn quarter_of(d: NaiveDate) -> u32 {
    (d.month() - 1) / 3 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_every_accepted_form() {
        for s in ["2024-07-03", "2024/7/3", "2024年7月3日", "2024.7.3", " 2024-7-03 ", "2024-07-03 10:00:00", "２０２４年７月３日"] {
            assert_eq!(parse_date(s), Ok(d(2024, 7, 3)), "{s}");
        }
        for s in ["2024-02-30", "24-7-3", "2024-07", "July 3", "2024-07-03x", "2024年7月"] {
            assert!(matches!(parse_date(s), Err(FieldError::Date(_))), "{s}");
        }
        assert_eq!(parse_date("  "), Err(FieldError::Empty));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_to_date("45476"), Ok(d(2024, 7, 3)));
        assert_eq!(excel_serial_to_date("45476.5"), Ok(d(2024, 7, 3)));
        assert_eq!(excel_serial_to_date("1"), Ok(d(1900, 1, 1)));
        assert_eq!(excel_serial_to_date("61"), Ok(d(1900, 3, 1)));
        assert_eq!(date_to_excel_serial(d(2024, 7, 3)), 45476);
        assert!(excel_serial_to_date("-3").is_err());
        assert!(excel_serial_to_date("1e5").is_err());
        assert!(excel_serial_to_date("99999999").is_err());
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(parse_budget("1200000"), Ok(Fen(120_000_000)));
        assert_eq!(parse_budget("1,200,000.5"), Ok(Fen(120_000_050)));
        assert_eq!(parse_budget("0.07"), Ok(Fen(7)));
        assert_eq!(parse_budget("１２０００元"), Ok(Fen(1_200_000)));
        assert_eq!(parse_budget("1.2E6"), Ok(Fen(120_000_000)));
        assert_eq!(parse_budget("12.300"), Ok(Fen(1230)));
        assert_eq!(parse_budget(".5"), Ok(Fen(50)));
        assert_eq!(parse_budget("  "), Err(FieldError::Empty));
        for bad in ["1.234", "-5", "abc", "1.2.3", "99999999999999999999", "1e30", "."] {
            assert!(matches!(parse_budget(bad), Err(FieldError::Amount(_))), "{bad}");
        }
        assert_eq!(Fen(120_000_050).to_yuan_string(), "1200000.50");
    }

    #[test]
    fn vocabularies() {
        assert_eq!(Category::ALL.len(), 18);
        assert_eq!(parse_category("地域限制"), Ok(Category::Region));
        assert_eq!(parse_category("track_record"), Ok(Category::TrackRecord));
        assert_eq!(parse_category(" Track_Record "), Ok(Category::TrackRecord));
        assert!(matches!(parse_category("地方保护"), Err(FieldError::Category(_))));
        assert_eq!(parse_method("竞争性磋商"), Ok(Method::Consultation));
        assert_eq!(parse_target("中标、成交结果"), Ok(ChallengeTarget::Result));
        assert_eq!(ChallengeOutcome::parse(""), Ok(ChallengeOutcome::Pending));
        assert_eq!(ChallengeOutcome::parse("部分成立"), Ok(ChallengeOutcome::PartlyUpheld));
        assert!(ChallengeOutcome::parse("成立了").is_err());
        assert_eq!(ComplaintOutcome::parse("驳回"), Ok(ComplaintOutcome::Rejected));
        assert!(ProjectNo::parse("  ").is_err());
        assert!(ProjectNo::parse("a\u{7}b").is_err());
    }
}
