//! What a check reports: one suspect clause, the rule it breaks and the law behind it.

use serde::{Deserialize, Serialize};

use crate::core::document::SectionKind;

crate::core::vocab::vocabulary!(
    /// The 18 fixed categories (domain README "Fixed vocabularies").
    Category {
        Region = "region", "地域限制";
        Scale = "scale", "规模条件";
        Age = "age", "成立年限";
        Ownership = "ownership", "所有制与组织形式";
        Designation = "designation", "指定品牌专利供应商";
        Authorization = "authorization", "厂家授权";
        TrackRecord = "track_record", "业绩与奖项";
        Certification = "certification", "资质证书";
        Roster = "roster", "入库与登记";
        AccessBarrier = "access_barrier", "参与障碍";
        TailoredSpec = "tailored_spec", "倾向性参数";
        Scoring = "scoring", "评分设置";
        Price = "price", "限价";
        Deposit = "deposit", "保证金";
        Timeline = "timeline", "期限";
        Sme = "sme", "中小企业政策";
        ChallengeRights = "challenge_rights", "质疑投诉权利";
        Other = "other", "其他不合理条件" | "其他";
    }
);

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

impl Finding {
    /// A finding on a whole clause rather than on a rule's matched span (precedent notices,
    /// date checks): the quote is the clause's start.
    pub fn on_clause(
        clause: &crate::core::document::Clause,
        rule: &str,
        category: Category,
        severity: Severity,
        stage: Stage,
        message: String,
        basis: Vec<Basis>,
        suggestion: String,
    ) -> Finding {
        Finding {
            rule: rule.to_string(),
            category,
            severity,
            stage,
            page: clause.page,
            clause_ordinal: clause.ordinal,
            section: clause.section.clone(),
            section_kind: clause.section_kind,
            start: clause.start,
            end: clause.end,
            quote: clause.text.chars().take(60).collect(),
            clause: clause.text.clone(),
            message,
            basis,
            suggestion,
        }
    }
}
