//! The TOML schema of a rule file (one file per rule, see `library/README.md`).
//!
//! Every struct denies unknown fields so a misspelt key fails loading instead of silently
//! disabling part of a rule. Regex-valued fields are `Spanned` so a pattern that does not
//! compile is reported with its line.

use serde::Deserialize;
use toml::Spanned;

use crate::core::document::SectionKind;
use crate::core::finding::{Category, Severity, Stage};

/// A whole rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Rule id, equal to the file stem ("R01").
    pub id: Spanned<String>,
    /// Chinese title.
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    pub stages: Vec<Stage>,
    /// Section kinds the rule applies to. `forms` is normally absent: blank templates are
    /// never requirements.
    pub sections: Vec<SectionKind>,
    /// Literals (normalised at load) of which at least one must occur in a clause for the rule
    /// to be evaluated there: the aho-corasick prefilter.
    pub keywords: Vec<Spanned<String>>,
    /// The matcher.
    #[serde(rename = "match")]
    pub matcher: MatchSpec,
    pub message: String,
    pub suggestion: String,
    pub basis: Vec<BasisSpec>,
    /// Global exceptions (§14) this rule opts out of.
    #[serde(default)]
    pub skip_exceptions: Vec<ExceptionKind>,
    pub examples: Examples,
}

/// One legal basis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasisSpec {
    /// 《…》 title of the instrument.
    pub law: String,
    /// 第…条 (and item).
    pub article: String,
    /// Exact quote, only when verified ([V-full]/[V-2src]/[V-1src]); else empty.
    #[serde(default)]
    pub text: String,
    /// The verification label of `text` in the reference ("V-full", "V-2src", "V-1src");
    /// required when `text` is not empty.
    #[serde(default)]
    pub verified: Option<Verification>,
}

/// Verification labels under which an exact quote may be cited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Verification {
    #[serde(rename = "V-full")]
    Full,
    #[serde(rename = "V-2src")]
    TwoSources,
    #[serde(rename = "V-1src")]
    OneSource,
}

/// The closed set of matcher kinds implemented in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Regex terms with `any`/`all`, proximity windows and exceptions.
    Pattern,
    /// A quantity near a trigger compared with bounds (optionally relative to the budget).
    Numeric,
    /// Two dates or a duration compared with a minimum period.
    Period,
    /// Cross-clause facts: something required somewhere, something absent everywhere.
    Document,
}

/// What a `numeric` matcher extracts next to its trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantityKind {
    /// An amount of money, or a percentage (taken as a share of the reference amount).
    MoneyOrPercent,
    /// A percentage only.
    Percent,
    /// A score weight: a percentage, "N分" or "×N" (out of 100 points).
    Weight,
}

/// What a money amount is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relative {
    /// The lot budget (预算金额), falling back to the ceiling price (最高限价).
    Budget,
}

/// Procurement type: the core vocabulary (rule files name it by slug, `goods`).
pub use crate::core::vocab::ProcurementType as ProcType;

/// Day-count unit of a period bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayUnit {
    /// Calendar days (日).
    Days,
    /// Working days (工作日) on the PRC calendar.
    WorkingDays,
}

/// A bound; the first bound whose `methods`/`types` fit the facts applies.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// Procurement methods (公开招标, 邀请招标, 竞争性磋商, 竞争性谈判, 询价, 单一来源); empty = any.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Procurement types; empty = any.
    #[serde(default)]
    pub types: Vec<ProcType>,
    /// Numeric: lowest lawful value ("30%"); below it is a finding.
    pub min: Option<String>,
    /// Numeric: highest lawful value ("2%"); above it is a finding (equal is lawful).
    pub max: Option<String>,
    /// Period: minimum length; shorter is a finding.
    pub min_days: Option<u32>,
    /// Period: unit of `min_days`.
    pub unit: Option<DayUnit>,
}

/// The matcher table `[match]`: one flat struct, fields used depend on `kind`; fields that do
/// not belong to the kind are rejected at load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    pub kind: Spanned<MatchKind>,
    // --- pattern ---
    /// At least one must match: the anchor of the finding.
    #[serde(default)]
    pub any: Vec<Spanned<String>>,
    /// Each must match within `window` chars of the anchor (anywhere in the clause if unset).
    #[serde(default)]
    pub all: Vec<Spanned<String>>,
    /// Proximity window in chars of normalised text (spans table cells: they are joined by "|").
    pub window: Option<usize>,
    /// Look-behind window for numeric quantities (chars before the trigger).
    pub window_before: Option<usize>,
    /// If any matches within `window` of the anchor, that anchor is not a finding.
    #[serde(default)]
    pub unless_near: Vec<Spanned<String>>,
    // --- all kinds ---
    /// If any matches anywhere in the clause, the rule does not fire on it.
    #[serde(default)]
    pub unless: Vec<Spanned<String>>,
    /// If any matches anywhere in the document, the rule does not fire.
    #[serde(default)]
    pub unless_document: Vec<Spanned<String>>,
    /// All must match somewhere in the document (clause included).
    #[serde(default)]
    pub require_document: Vec<Spanned<String>>,
    // --- numeric / period ---
    /// Numeric: the trigger after (or around) which the quantity is read.
    pub trigger: Option<Spanned<String>>,
    pub quantity: Option<QuantityKind>,
    pub relative_to: Option<Relative>,
    #[serde(default)]
    pub bounds: Vec<Bound>,
    /// Period: the start trigger (dates after it).
    pub start: Option<Spanned<String>>,
    /// Period: the end trigger; without it, the first two dates after `start` form the range.
    pub end: Option<Spanned<String>>,
    /// Period: count both ends (an availability window "7月1日至7月5日" is 5 days).
    pub inclusive: Option<bool>,
    /// Period: when the clause itself has no `start`, a section heading matching this regex
    /// supplies it ("三、获取招标文件" above "时间：7月3日至7月5日"); the dates are then read from
    /// the start of the clause. The rule's keywords are also looked for in that heading.
    pub start_heading: Option<Spanned<String>>,
    // --- document ---
    /// Document: the finding is anchored at the first clause (in `sections`) matching this.
    pub anchor: Option<Spanned<String>>,
    /// Document: none may match anywhere in the document.
    #[serde(default)]
    pub absent_document: Vec<Spanned<String>>,
}

/// Global exceptions of legal-basis §14 (see `exceptions.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    Negation,
    LegalQuote,
    BlankForm,
    ReferenceBrand,
    ImportedGoods,
    SmeReserved,
    PostAwardService,
    StatutoryLicence,
    /// A correction that deletes or replaces the condition quoted (更正公告: 删除原“…”).
    Withdrawn,
}

/// Examples embedded in the rule; checked at load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    pub hit: Vec<Example>,
    pub miss: Vec<Example>,
}

/// One example clause.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub section: SectionKind,
    pub text: String,
    /// Optional document context (e.g. "采购方式：公开招标。预算金额：200万元。"), added as a
    /// `notice` clause before the example.
    #[serde(default)]
    pub context: String,
}
