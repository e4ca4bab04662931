//! The review workflow: a project's lifecycle, a finding's decisions, a finding's identity
//! across document versions, and the clause-level difference between two versions.
//!
//! Everything here is pure: the service loads the rows, asks these functions what follows,
//! and stores the answer with an audit event.

use crate::core::account::{Permission, Role};
use crate::core::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

vocabulary!(
    /// Where a project stands (草稿 → 审查中 → 已通过 → 已发布 → 已授标 → 已结束).
    ProjectStatus {
        /// 草稿: the officer prepares the documents; confidential to the agency.
        Draft = "draft", "草稿";
        /// 审查中: submitted; reviewers decide its findings.
        InReview = "in_review", "审查中";
        /// 已通过: no open or confirmed violation on the current version.
        Approved = "approved", "已通过";
        /// 已发布: the procurement notice is out; inspectors can see it.
        Published = "published", "已发布";
        /// 已授标: the contract is awarded.
        Awarded = "awarded", "已授标";
        /// 已结束
        Closed = "closed", "已结束";
    }
);

impl ProjectStatus {
    /// Whether the project is public (inspectors see it, search across agencies finds it).
    pub fn is_public(self) -> bool {
        matches!(self, ProjectStatus::Published | ProjectStatus::Awarded | ProjectStatus::Closed)
    }

    /// Who may move a project from `self` to `to`: `None` when the move does not exist.
    /// Approval has a second condition, the gate ([`blocking`]), checked by the service.
    pub fn transition(self, to: ProjectStatus) -> Option<Permission> {
        use ProjectStatus::*;
        match (self, to) {
            (Draft, InReview) => Some(Permission::Submit),
            // Returned to the officer for changes, or approved.
            (InReview, Draft) | (InReview, Approved) => Some(Permission::Decide),
            // An approved project that changes again goes back to review.
            (Approved, InReview) => Some(Permission::Submit),
            (Approved, Published) | (Published, Awarded) | (Awarded, Closed) | (Published, Closed) => Some(Permission::Submit),
            _ => None,
        }
    }
}

vocabulary!(
    /// Where a finding stands.
    FindingStatus {
        /// 待审查
        Open = "open", "待审查";
        /// 已确认: must be fixed before approval.
        Confirmed = "confirmed", "已确认";
        /// 已排除: a false alarm (reason recorded).
        Dismissed = "dismissed", "已排除";
        /// 已接受风险: reason recorded.
        Accepted = "accepted", "已接受风险";
        /// 已整改: a later version no longer has it.
        Fixed = "fixed", "已整改";
    }
);

vocabulary!(
    /// What someone does to a finding.
    Decision {
        /// 确认 (reviewer)
        Confirm = "confirm", "确认";
        /// 排除 (reviewer; reason required)
        Dismiss = "dismiss", "排除";
        /// 接受风险 (reviewer; reason required)
        Accept = "accept", "接受风险";
        /// 重新打开 (reviewer)
        Reopen = "reopen", "重新打开";
        /// 申请排除 (officer; reason required): waits for a reviewer.
        RequestDismissal = "request_dismissal", "申请排除";
        /// 驳回排除申请 (reviewer)
        RefuseDismissal = "refuse_dismissal", "驳回排除申请";
    }
);

/// Why a decision cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("a reason is required")]
    ReasonRequired,
    #[error("finding is {0:?}; {1:?} does not apply")]
    NotApplicable(FindingStatus, Decision),
    #[error("no dismissal was requested")]
    NoRequest,
}

impl DecisionError {
    pub fn message_zh(&self) -> String {
        match self {
            DecisionError::ReasonRequired => "此操作必须填写理由".into(),
            DecisionError::NotApplicable(s, d) => format!("问题状态为“{}”，不能{}", s.label_zh(), d.label_zh()),
            DecisionError::NoRequest => "该问题没有待处理的排除申请".into(),
        }
    }
}

/// The state a decision leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub status: FindingStatus,
    /// The officer's pending dismissal request after the decision (`None`: none pending).
    pub dismissal_request: Option<String>,
}

impl Decision {
    /// The permission the decision needs.
    pub fn permission(self) -> Permission {
        match self {
            Decision::RequestDismissal => Permission::Submit,
            _ => Permission::Decide,
        }
    }

    /// Whether the decision needs a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Decision::Dismiss | Decision::Accept | Decision::RequestDismissal)
    }

    /// Applies the decision to a finding in `status` with `request` pending.
    pub fn apply(self, status: FindingStatus, request: Option<&str>, reason: Option<&str>) -> Result<Decided, DecisionError> {
        use FindingStatus::*;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if self.needs_reason() && reason.is_none() {
            return Err(DecisionError::ReasonRequired);
        }
        let not = || DecisionError::NotApplicable(status, self);
        let next = match (self, status) {
            (_, Fixed) => return Err(not()),
            (Decision::Confirm, Open | Dismissed | Accepted) => Decided { status: Confirmed, dismissal_request: None },
            (Decision::Dismiss, Open | Confirmed | Accepted) => Decided { status: Dismissed, dismissal_request: None },
            (Decision::Accept, Open | Confirmed | Dismissed) => Decided { status: Accepted, dismissal_request: None },
            (Decision::Reopen, Confirmed | Dismissed | Accepted) => Decided { status: Open, dismissal_request: None },
            (Decision::RequestDismissal, Open | Confirmed) => {
                Decided { status, dismissal_request: reason.map(str::to_string) }
            }
            (Decision::RefuseDismissal, _) => {
                if request.is_none() {
                    return Err(DecisionError::NoRequest);
                }
                Decided { status, dismissal_request: None }
            }
            _ => return Err(not()),
        };
        Ok(next)
    }
}

/// Whether a finding of `severity` in `status` blocks approval: violations not yet dismissed,
/// accepted or fixed.
pub fn blocking(severity: crate::core::finding::Severity, status: FindingStatus) -> bool {
    severity == crate::core::finding::Severity::Violation && matches!(status, FindingStatus::Open | FindingStatus::Confirmed)
}

/// The role able to take each decision (for documentation and the web page).
pub fn decider(decision: Decision) -> Role {
    if decision.permission() == Permission::Submit {
        Role::Officer
    } else {
        Role::Reviewer
    }
}

/// The rule id of the amendment-timing check ([`late_amendment`]).
pub const LATE_AMENDMENT_RULE: &str = "T03-dates";

/// How many days before the bid (response) deadline a clarification or change must reach the
/// suppliers: 15 (实施条例 第三十一条第二款, 87号令 第二十七条), 5 for 竞争性磋商 (财库〔2014〕214号
/// 第十条). Calendar days (日), not working days.
pub fn amendment_notice_days(method: Option<crate::core::vocab::Method>) -> i64 {
    match method {
        Some(crate::core::vocab::Method::Consultation) => 5,
        _ => 15,
    }
}

/// A clarification or correction issued on `issued` against a deadline of `deadline` that
/// leaves fewer than the required days: the days it leaves and the days required. The caller
/// checks it against the project's deadline as it stands, so a deadline moved (顺延) with the
/// amendment clears it.
pub fn late_amendment(
    method: Option<crate::core::vocab::Method>,
    issued: chrono::NaiveDate,
    deadline: chrono::NaiveDate,
) -> Option<(i64, i64)> {
    let required = amendment_notice_days(method);
    let left = (deadline - issued).num_days();
    (left < required).then_some((left, required))
}

/// A clause's text reduced to what identifies it: its leading enumeration ("一、", "2.",
/// "（3）", "第五条") dropped, no whitespace, full-width forms folded — so that renumbering,
/// re-wrapping or re-paginating a clause keeps its identity.
pub fn clause_key(text: &str) -> String {
    let folded: String = text.chars().map(crate::core::normalize::fold_char).collect();
    strip_enumeration(folded.trim_start()).chars().filter(|c| !c.is_whitespace()).collect()
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit() || "一二三四五六七八九十百零〇".contains(c)
}

/// `s` without a leading list number; unchanged when what leads is not one.
fn strip_enumeration(s: &str) -> &str {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let rest = |i: usize| chars.get(i).map(|c| &s[c.0..]).unwrap_or("");
    // 第N条 / 第N章 / 第N节 / 第N款 / 第N项
    if at(0) == Some('第') {
        let mut i = 1;
        while at(i).is_some_and(is_numeral) {
            i += 1;
        }
        if i > 1 && at(i).is_some_and(|c| "条章节款项".contains(c)) && at(i + 1).is_some_and(|c| c.is_whitespace() || "、.:".contains(c)) {
            return rest(i + 1);
        }
        return s;
    }
    let mut i = 0;
    let open = at(0).is_some_and(|c| c == '(');
    if open {
        i += 1;
    }
    let start = i;
    // Numerals, with dots between levels ("1.2.3").
    while at(i).is_some_and(|c| is_numeral(c) || (c == '.' && i > start && at(i + 1).is_some_and(|n| n.is_ascii_digit()))) {
        i += 1;
    }
    if i == start {
        return s;
    }
    match at(i) {
        Some(')') => rest(i + 1 + usize::from(at(i + 1).is_some_and(|c| "、.".contains(c)))),
        Some('、') if !open => rest(i + 1),
        // "1." but not a decimal ("1.5倍"): the dot ends the number.
        Some('.') if !open => rest(i + 1),
        // "1.2.3 text": a multi-level number ends at the space.
        Some(c) if c.is_whitespace() && !open && s[..chars[i].0].contains('.') => rest(i + 1),
        _ => s,
    }
}

/// A finding's identity across versions: rule + hash of the clause's normalised text + the
/// ordinal among identical clauses of the document (never its page or position), so that a
/// decision follows the clause when others move around it.
pub fn finding_identity(rule: &str, clause_text: &str, ordinal_among_identical: u32) -> String {
    let mut h = Sha256::new();
    h.update(clause_key(clause_text).as_bytes());
    format!("{rule}:{}:{ordinal_among_identical}", &hex::encode(h.finalize())[..16])
}

/// For each clause (in document order) the number of earlier clauses with the same key.
pub fn ordinals_among_identical<'a>(clauses: impl IntoIterator<Item = &'a str>) -> Vec<u32> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    clauses
        .into_iter()
        .map(|t| {
            let n = seen.entry(clause_key(t)).or_insert(0);
            let out = *n;
            *n += 1;
            out
        })
        .collect()
}

/// One line of a version difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ClauseChange {
    /// In the new version only.
    Added { new: u32 },
    /// In the old version only.
    Removed { old: u32 },
    /// Rewritten: the old clause and the new one that replaced it.
    Changed { old: u32, new: u32 },
    /// The same text, possibly elsewhere.
    Moved { old: u32, new: u32 },
}

/// The clause-level difference between two versions (clause texts in document order): aligned
/// by content — identical clauses pair up wherever they are (unchanged ones are not listed;
/// ones that changed place are `Moved`), and the rest pair as `Changed` when they share most
/// of their character pairs, else they are `Added` / `Removed`.
pub fn diff(old: &[&str], new: &[&str]) -> Vec<ClauseChange> {
    let old_keys: Vec<String> = old.iter().map(|t| clause_key(t)).collect();
    let new_keys: Vec<String> = new.iter().map(|t| clause_key(t)).collect();
    // Identical texts pair in order of occurrence.
    let mut by_key: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
    for (i, k) in old_keys.iter().enumerate() {
        by_key.entry(k.as_str()).or_default().push_back(i);
    }
    let mut old_match: Vec<Option<usize>> = vec![None; old.len()];
    let mut new_match: Vec<Option<usize>> = vec![None; new.len()];
    for (j, k) in new_keys.iter().enumerate() {
        if let Some(i) = by_key.get_mut(k.as_str()).and_then(|q| q.pop_front()) {
            old_match[i] = Some(j);
            new_match[j] = Some(i);
        }
    }
    // Pairs that keep their relative order are "unchanged"; the others moved. The longest
    // increasing run of new positions over old order is the unchanged backbone.
    let pairs: Vec<(usize, usize)> = old_match.iter().enumerate().filter_map(|(i, m)| m.map(|j| (i, j))).collect();
    let backbone = longest_increasing(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let mut changes = Vec::new();
    for (k, (i, j)) in pairs.iter().enumerate() {
        if !backbone.contains(&k) {
            changes.push(ClauseChange::Moved { old: *i as u32, new: *j as u32 });
        }
    }
    // Unpaired clauses: a removed one pairs with the most similar unpaired new one.
    let unpaired_new: Vec<usize> = (0..new.len()).filter(|j| new_match[*j].is_none()).collect();
    let unpaired_old: Vec<usize> = (0..old.len()).filter(|i| old_match[*i].is_none()).collect();
    // Pairing by similarity compares every unpaired old clause with every unpaired new one;
    // past this many comparisons (two unrelated documents) they are reported as removed and
    // added, which keeps the work bounded.
    let compare = unpaired_old.len().saturating_mul(unpaired_new.len()) <= MAX_COMPARISONS;
    let mut taken = vec![false; new.len()];
    for i in unpaired_old {
        let best = unpaired_new
            .iter()
            .filter(|j| compare && !taken[**j])
            .map(|j| (similarity(&old_keys[i], &new_keys[*j]), *j))
            .filter(|(s, _)| *s >= 0.5)
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        match best {
            Some((_, j)) => {
                taken[j] = true;
                changes.push(ClauseChange::Changed { old: i as u32, new: j as u32 });
            }
            None => changes.push(ClauseChange::Removed { old: i as u32 }),
        }
    }
    for j in unpaired_new.into_iter().filter(|j| !taken[*j]) {
        changes.push(ClauseChange::Added { new: j as u32 });
    }
    changes.sort_by_key(|c| match c {
        ClauseChange::Added { new } | ClauseChange::Changed { new, .. } | ClauseChange::Moved { new, .. } => (*new, 1),
        ClauseChange::Removed { old } => (*old, 0),
    });
    changes
}

/// The most similarity comparisons [`diff`] makes.
pub const MAX_COMPARISONS: usize = 4_000_000;

/// Indices (into `xs`) of one longest strictly increasing subsequence.
fn longest_increasing(xs: &[usize]) -> std::collections::HashSet<usize> {
    // Patience sorting with back-pointers: O(n log n).
    let mut tails: Vec<usize> = Vec::new(); // index into xs of the tail of each length
    let mut prev: Vec<Option<usize>> = vec![None; xs.len()];
    for (i, &x) in xs.iter().enumerate() {
        let pos = tails.partition_point(|&t| xs[t] < x);
        prev[i] = if pos > 0 { Some(tails[pos - 1]) } else { None };
        if pos == tails.len() {
            tails.push(i);
        } else {
            tails[pos] = i;
        }
    }
    let mut out = std::collections::HashSet::new();
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        out.insert(i);
        cur = prev[i];
    }
    out
}

/// Dice coefficient over character bigrams (1.0 identical, 0.0 nothing shared).
pub fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> HashMap<(char, char), usize> {
        let cs: Vec<char> = s.chars().collect();
        let mut m = HashMap::new();
        for w in cs.windows(2) {
            *m.entry((w[0], w[1])).or_insert(0) += 1;
        }
        m
    };
    let (ga, gb) = (grams(a), grams(b));
    let (na, nb): (usize, usize) = (ga.values().sum(), gb.values().sum());
    if na + nb == 0 {
        return if a == b { 1.0 } else { 0.0 };
    }
    let shared: usize = ga.iter().map(|(g, n)| (*n).min(*gb.get(g).unwrap_or(&0))).sum();
    2.0 * shared as f64 / (na + nb) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::finding::Severity;

    #[test]
    fn lifecycle_moves_need_the_right_permission() {
        use ProjectStatus::*;
        assert_eq!(Draft.transition(InReview), Some(Permission::Submit));
        assert_eq!(InReview.transition(Approved), Some(Permission::Decide));
        assert_eq!(Draft.transition(Published), None);
        assert_eq!(Closed.transition(Draft), None);
        assert!(Published.is_public() && !Approved.is_public());
    }

    #[test]
    fn decisions_follow_the_state_machine() {
        use FindingStatus::*;
        assert_eq!(Decision::Dismiss.apply(Open, None, None), Err(DecisionError::ReasonRequired));
        assert_eq!(Decision::Dismiss.apply(Open, None, Some("  ")), Err(DecisionError::ReasonRequired));
        assert_eq!(Decision::Dismiss.apply(Open, None, Some("误报")).unwrap().status, Dismissed);
        assert_eq!(Decision::Confirm.apply(Open, None, None).unwrap().status, Confirmed);
        assert!(Decision::Confirm.apply(Fixed, None, None).is_err());
        assert!(Decision::Confirm.apply(Confirmed, None, None).is_err());
        let req = Decision::RequestDismissal.apply(Open, None, Some("属于法定要求")).unwrap();
        assert_eq!((req.status, req.dismissal_request.as_deref()), (Open, Some("属于法定要求")));
        assert_eq!(Decision::RefuseDismissal.apply(Open, None, None), Err(DecisionError::NoRequest));
        assert_eq!(Decision::RefuseDismissal.apply(Open, Some("x"), None).unwrap().dismissal_request, None);
        assert!(blocking(Severity::Violation, Confirmed) && !blocking(Severity::Violation, Dismissed));
        assert!(!blocking(Severity::Warning, Open));
    }

    #[test]
    fn identity_ignores_wrapping_and_counts_repeats() {
        let a = finding_identity("r1", "投标人须在本市 注册", 0);
        assert_eq!(a, finding_identity("r1", "投标人须在本市\n注册", 0));
        assert_ne!(a, finding_identity("r1", "投标人须在本市 注册", 1));
        assert_ne!(a, finding_identity("r2", "投标人须在本市 注册", 0));
        assert_eq!(ordinals_among_identical(["甲", "乙", "甲 ", "甲"]), vec![0, 0, 1, 2]);
        // Renumbering keeps the identity; a number that is content does not go.
        for numbered in ["二、投标人须在本市注册", "3. 投标人须在本市注册", "（四）投标人须在本市注册", "第十二条 投标人须在本市注册", "1.2.3 投标人须在本市注册"] {
            assert_eq!(clause_key(numbered), "投标人须在本市注册", "{numbered}");
        }
        assert_eq!(clause_key("30日内付款"), "30日内付款");
        assert_eq!(clause_key("1.5倍"), "1.5倍");
        assert_eq!(clause_key("第一百万"), "第一百万");
        assert_eq!(clause_key("第三条款的要求"), "第三条款的要求");
    }

    #[test]
    fn an_amendment_needs_fifteen_days_or_five_for_consultation() {
        use crate::core::vocab::Method;
        let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(late_amendment(Some(Method::OpenTender), d(3, 1), d(3, 10)), Some((9, 15)));
        assert_eq!(late_amendment(Some(Method::OpenTender), d(3, 1), d(3, 16)), None);
        assert_eq!(late_amendment(Some(Method::Consultation), d(3, 1), d(3, 10)), None);
        assert_eq!(late_amendment(Some(Method::Consultation), d(3, 1), d(3, 4)), Some((3, 5)));
    }

    #[test]
    fn diff_aligns_by_content() {
        let old = ["一、总则", "投标人须在本市注册。", "付款方式：验收后付款。", "质保期两年。"];
        let new = ["质保期两年。", "一、总则", "付款方式：验收合格后三十日内付款。", "新增：提供样品。"];
        let d = diff(&old, &new);
        assert!(d.contains(&ClauseChange::Removed { old: 1 }), "{d:?}");
        assert!(d.contains(&ClauseChange::Changed { old: 2, new: 2 }), "{d:?}");
        assert!(d.contains(&ClauseChange::Added { new: 3 }), "{d:?}");
        // 质保期 moved to the top: one of the two unchanged texts is reported as moved.
        assert_eq!(d.iter().filter(|c| matches!(c, ClauseChange::Moved { .. })).count(), 1, "{d:?}");
        assert!(diff(&old, &old).is_empty());
    }
}
