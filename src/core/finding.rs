//! What a check reports: one suspect clause, the rule it breaks and the law behind it.

use serde::{Deserialize, Serialize};

use crate::core::document::SectionKind;

/// The 18 fixed categories (domain README "Fixed vocabularies").
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Region,
    Scale,
    Age,
    Ownership,
    Designation,
    Authorization,
    TrackRecord,
    Certification,
    Roster,
    AccessBarrier,
    TailoredSpec,
    Scoring,
    Price,
    Deposit,
    Timeline,
    Sme,
    ChallengeRights,
    Other,
}

impl Category {
    /// Every category, in vocabulary order.
    pub const ALL: [Category; 18] = [
        Category::Region,
        Category::Scale,
        Category::Age,
        Category::Ownership,
        Category::Designation,
        Category::Authorization,
        Category::TrackRecord,
        Category::Certification,
        Category::Roster,
        Category::AccessBarrier,
        Category::TailoredSpec,
        Category::Scoring,
        Category::Price,
        Category::Deposit,
        Category::Timeline,
        Category::Sme,
        Category::ChallengeRights,
        Category::Other,
    ];

    /// The stable slug ("track_record").
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Region => "region",
            Category::Scale => "scale",
            Category::Age => "age",
            Category::Ownership => "ownership",
            Category::Designation => "designation",
            Category::Authorization => "authorization",
            Category::TrackRecord => "track_record",
            Category::Certification => "certification",
            Category::Roster => "roster",
            Category::AccessBarrier => "access_barrier",
            Category::TailoredSpec => "tailored_spec",
            Category::Scoring => "scoring",
            Category::Price => "price",
            Category::Deposit => "deposit",
            Category::Timeline => "timeline",
            Category::Sme => "sme",
            Category::ChallengeRights => "challenge_rights",
            Category::Other => "other",
        }
    }

    /// The Chinese label (地域限制 …).
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Region => "地域限制",
            Category::Scale => "规模条件",
            Category::Age => "成立年限",
            Category::Ownership => "所有制与组织形式",
            Category::Designation => "指定品牌专利供应商",
            Category::Authorization => "厂家授权",
            Category::TrackRecord => "业绩与奖项",
            Category::Certification => "资质证书",
            Category::Roster => "入库与登记",
            Category::AccessBarrier => "参与障碍",
            Category::TailoredSpec => "倾向性参数",
            Category::Scoring => "评分设置",
            Category::Price => "限价",
            Category::Deposit => "保证金",
            Category::Timeline => "期限",
            Category::Sme => "中小企业政策",
            Category::ChallengeRights => "质疑投诉权利",
            Category::Other => "其他不合理条件",
        }
    }

    /// Parses a slug.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::core::vocab::vocabulary!(
    /// How serious a finding is.
    Severity {
        /// Bright-line statutory prohibition.
        Violation = "violation", "违规";
        /// Usually unlawful, needs human judgement.
        Warning = "warning", "警示";
        /// Hygiene, informational.
        Notice = "notice", "提示";
    }
);

crate::core::vocab::vocabulary!(
    /// The review stage a check runs in.
    Stage {
        /// 事前预防
        Pre = "pre", "事前预防" | "事前";
        /// 事中纠正
        Mid = "mid", "事中纠正" | "事中";
        /// 事后督查
        Post = "post", "事后督查" | "事后";
    }
);

/// One legal basis of a rule. `text` is an exact quote only where the reference file marks the
/// quote verified ([V-full], [V-2src], [V-1src]); otherwise it is empty.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    pub law: String,
    pub article: String,
    #[serde(default)]
    pub text: String,
}

/// One suspect clause.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. "R01".
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    pub stage: Stage,
    pub page: u32,
    /// Ordinal of the clause the finding is on (`Clause::ordinal`), so storage and reports
    /// point at the clause without searching offsets.
    pub clause_ordinal: u32,
    /// Section path of the clause.
    pub section: String,
    pub section_kind: SectionKind,
    /// Char offsets into `SegmentedDocument::text`.
    pub start: usize,
    pub end: usize,
    /// The matched text (from the original document).
    pub quote: String,
    /// The whole clause text.
    pub clause: String,
    pub message: String,
    pub basis: Vec<Basis>,
    pub suggestion: String,
}
