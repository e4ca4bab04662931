//! Process checks on the challenge/complaint log (legal-basis §12.2, PR01–PR08 and PR11). They
//! produce [`ProcessFlag`]s the way document rules produce findings. They judge recorded facts
//! only; "what is overdue today" is [`super::deadlines::overdue`].
//!
//! Not implemented here because the records do not carry the facts: PR09 (deposit refunds),
//! PR10 (evaluation committee reports) and the refused-letter half of PR02.

use super::deadlines::{Deadlines, Due, SUSPENSION_MAX_DAYS};
use super::model::{Challenge, ChallengeId, ChallengeOutcome, ChallengeTarget, Complaint, Project, ProjectNo};
use serde::Serialize;
use std::collections::HashMap;

/// How serious a flag is: the same scale (and type) as document findings.
pub use crate::core::finding::Severity;

/// Which record a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A project.
    Project,
    /// A challenge.
    Challenge,
    /// A complaint.
    Complaint,
}

/// One process-check result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcessFlag {
    /// Check id, `PR01` … `PR11`.
    pub check: &'static str,
    /// Check name, e.g. `challenge-reply-overdue`.
    pub name: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Kind of the record flagged.
    pub record_kind: RecordKind,
    /// Id of the record flagged (challenge id, complaint id or project number).
    pub record_id: String,
    /// Explanation in Chinese, with the dates involved.
    pub message: String,
    /// Legal basis (articles cited).
    pub basis: &'static str,
    /// Set when the check could not be decided because a year has no published holiday schedule.
    pub uncertain_year: Option<i32>,
}

const B_PR01: &str = "《政府采购法》第五十二条；《政府采购法实施条例》第五十三条；财政部令第94号 第十条、第十一条";
const B_PR02: &str = "《政府采购法》第五十三条；财政部令第94号 第十三条";
const B_PR03: &str = "《政府采购法实施条例》第五十四条";
const B_PR04: &str = "财政部令第94号 第十六条；财政部令第87号 第二十七条";
const B_PR05: &str = "《政府采购法》第五十五条；财政部令第94号 第十七条、第十九条";
const B_PR06: &str = "《政府采购法实施条例》第五十五条；财政部令第94号 第二十条";
const B_PR07: &str = "《政府采购法》第五十六条；《政府采购法实施条例》第五十八条；财政部令第94号 第二十六条";
const B_PR08: &str = "《政府采购法》第五十七条；财政部令第94号 第二十八条";
const B_PR11: &str = "《公平竞争审查条例》第二十一条（参照，抽查重点）";

fn uncertain(check: &'static str, name: &'static str, kind: RecordKind, id: &str, what: &str, year: i32, basis: &'static str) -> ProcessFlag {
    ProcessFlag {
        check,
        name,
        severity: Severity::Notice,
        record_kind: kind,
        record_id: id.to_string(),
        message: format!("无法判断{what}：{year}年节假日安排尚未公布，工作日无法计算"),
        basis,
        uncertain_year: Some(year),
    }
}

/// Checks one challenge: PR01 (late challenge), PR02 (late reply), PR03 (contract signed while
/// pending) and PR04 (upheld but not cured).
pub fn check_challenge(dl: &Deadlines<'_>, c: &Challenge, project: Option<&Project>) -> Vec<ProcessFlag> {
    let id = c.id.as_str();
    let mut out = Vec::new();

    // PR01: 7 working days from knowing of the harm (政府采购法 第五十二条).
    match dl.challenge_window(c, project) {
        Due::Known { date } if c.received_date > date => {
            // Counting from publication is the earliest possible start (94号令 第十一条), so a
            // derived window is only a notice; a recorded known_date makes it a warning.
            let (severity, from) = match c.known_date {
                Some(k) => (Severity::Warning, format!("知道或应知权益受损之日{k}")),
                None => (Severity::Notice, "采购文件发布之日（最早可能的起算日，需核实获取文件或公告期满日期）".to_string()),
            };
            out.push(ProcessFlag {
                check: "PR01",
                name: "challenge-window",
                severity,
                record_kind: RecordKind::Challenge,
                record_id: id.into(),
                message: format!(
                    "质疑于{}收到，晚于质疑期限{}（自{}起7个工作日）",
                    c.received_date, date, from
                ),
                basis: B_PR01,
                uncertain_year: None,
            });
        }
        Due::Uncertain { year } => out.push(uncertain("PR01", "challenge-window", RecordKind::Challenge, id, "质疑是否逾期", year, B_PR01)),
        _ => {}
    }

    // PR02: reply within 7 working days of receipt (政府采购法 第五十三条).
    if let Some(reply) = c.reply_date {
        match dl.reply_due(c) {
            Due::Known { date } if reply > date => out.push(ProcessFlag {
                check: "PR02",
                name: "challenge-reply-overdue",
                severity: Severity::Violation,
                record_kind: RecordKind::Challenge,
                record_id: id.into(),
                message: format!(
                    "质疑于{}收到，应于{}前答复，实际答复日期{}，逾期{}个工作日",
                    c.received_date,
                    date,
                    reply,
                    dl.working_days_late(date, reply).map_or("?".to_string(), |n| n.to_string())
                ),
                basis: B_PR02,
                uncertain_year: None,
            }),
            Due::Uncertain { year } => out.push(uncertain("PR02", "challenge-reply-overdue", RecordKind::Challenge, id, "答复是否逾期", year, B_PR02)),
            _ => {}
        }
    }

    // PR03: no contract while a challenge that may affect the result is pending
    // (实施条例 第五十四条). Pending = received on or before the contract date and not replied by
    // then. Withdrawn challenges are skipped: the withdrawal date is not recorded.
    if let Some(contract) = project.and_then(|p| p.contract_date) {
        let pending_at_contract = c.received_date <= contract
            && c.reply_date.is_none_or(|r| r > contract)
            && c.outcome != ChallengeOutcome::Withdrawn;
        if pending_at_contract {
            out.push(ProcessFlag {
                check: "PR03",
                name: "contract-while-challenge-pending",
                severity: Severity::Warning,
                record_kind: RecordKind::Challenge,
                record_id: id.into(),
                message: format!(
                    "项目{}于{}签订合同，而质疑（{}收到）{}尚未答复",
                    c.project_no,
                    contract,
                    c.received_date,
                    c.reply_date.map_or("至今".to_string(), |r| format!("至{r}"))
                ),
                basis: B_PR03,
                uncertain_year: None,
            });
        }
    }

    // PR04: an upheld challenge must be cured (94号令 第十六条): clarification/amendment or
    // re-procurement. Only "no corrective action recorded" is checkable here.
    if c.outcome.is_upheld() && c.corrective_action.is_none() {
        let what = match c.target {
            Some(ChallengeTarget::Documents) | None => "未记录澄清、修改采购文件或重新采购等纠正措施",
            Some(_) => "未记录纠正措施（如重新评审、重新采购）",
        };
        out.push(ProcessFlag {
            check: "PR04",
            name: "upheld-challenge-not-cured",
            severity: Severity::Warning,
            record_kind: RecordKind::Challenge,
            record_id: id.into(),
            message: format!("质疑{}（{}），但{}", c.outcome.zh(), c.category.label_zh(), what),
            basis: B_PR04,
            uncertain_year: None,
        });
    }
    out
}

/// Checks one complaint: PR05 (no prior challenge, or out of time), PR06 (category differs
/// from the challenge's), PR07 (late decision), PR08 (suspension longer than 30 days).
pub fn check_complaint(dl: &Deadlines<'_>, k: &Complaint, challenge: Option<&Challenge>) -> Vec<ProcessFlag> {
    let id = k.id.as_str();
    let mut out = Vec::new();
    match challenge {
        None => out.push(ProcessFlag {
            check: "PR05",
            name: "complaint-window",
            severity: Severity::Violation,
            record_kind: RecordKind::Complaint,
            record_id: id.into(),
            message: format!("投诉所称质疑{}不存在：提起投诉前应已依法质疑", k.challenge_id),
            basis: B_PR05,
            uncertain_year: None,
        }),
        Some(c) => {
            match dl.complaint_window(c) {
                Due::Known { date } if k.filed_date > date => out.push(ProcessFlag {
                    check: "PR05",
                    name: "complaint-window",
                    severity: if k.accepted_date.is_some() { Severity::Violation } else { Severity::Warning },
                    record_kind: RecordKind::Complaint,
                    record_id: id.into(),
                    message: format!(
                        "投诉于{}提起，晚于投诉期限{}（答复期满后15个工作日）{}",
                        k.filed_date,
                        date,
                        if k.accepted_date.is_some() { "，却已受理" } else { "，应不予受理" }
                    ),
                    basis: B_PR05,
                    uncertain_year: None,
                }),
                Due::Uncertain { year } => out.push(uncertain("PR05", "complaint-window", RecordKind::Complaint, id, "投诉是否逾期", year, B_PR05)),
                _ => {}
            }
            if let Some(cat) = k.category {
                if cat != c.category {
                    out.push(ProcessFlag {
                        check: "PR06",
                        name: "complaint-scope-creep",
                        severity: Severity::Notice,
                        record_kind: RecordKind::Complaint,
                        record_id: id.into(),
                        message: format!(
                            "投诉事项类别（{}）与质疑事项类别（{}）不同：投诉事项不得超出已质疑事项范围，基于质疑答复内容提出的除外",
                            cat.label_zh(),
                            c.category.label_zh()
                        ),
                        basis: B_PR06,
                        uncertain_year: None,
                    });
                }
            }
        }
    }
    if let Some(decision) = k.decision_date {
        match dl.decision_due(k) {
            Due::Known { date } if decision > date => out.push(ProcessFlag {
                check: "PR07",
                name: "complaint-decision-overdue",
                severity: Severity::Violation,
                record_kind: RecordKind::Complaint,
                record_id: id.into(),
                message: format!(
                    "投诉处理决定应于{}前作出，实际{}（检验、检测、鉴定、专家评审及补正材料时间如有，应扣除后复核）",
                    date, decision
                ),
                basis: B_PR07,
                uncertain_year: None,
            }),
            Due::Uncertain { year } => out.push(uncertain("PR07", "complaint-decision-overdue", RecordKind::Complaint, id, "处理决定是否逾期", year, B_PR07)),
            _ => {}
        }
    }
    if let Some(s) = k.suspension {
        if let Some(to) = s.to {
            // "暂停时间最长不得超过30日": calendar days, the first day not counted.
            let days = (to - s.from).num_days();
            if days > SUSPENSION_MAX_DAYS {
                out.push(ProcessFlag {
                    check: "PR08",
                    name: "suspension-too-long",
                    severity: Severity::Violation,
                    record_kind: RecordKind::Complaint,
                    record_id: id.into(),
                    message: format!("暂停采购活动自{}至{}，共{}日，超过30日", s.from, to, days),
                    basis: B_PR08,
                    uncertain_year: None,
                });
            }
        }
    }
    out
}

/// Runs PR01–PR08 over whole record sets. Complaints whose challenge is not in `challenges`
/// are flagged PR05 (no prior challenge).
pub fn check_all(dl: &Deadlines<'_>, projects: &[Project], challenges: &[Challenge], complaints: &[Complaint]) -> Vec<ProcessFlag> {
    let pmap: HashMap<&ProjectNo, &Project> = projects.iter().map(|p| (&p.project_no, p)).collect();
    let cmap: HashMap<&ChallengeId, &Challenge> = challenges.iter().map(|c| (&c.id, c)).collect();
    let mut out = Vec::new();
    for c in challenges {
        out.extend(check_challenge(dl, c, pmap.get(&c.project_no).copied()));
    }
    for k in complaints {
        out.extend(check_complaint(dl, k, cmap.get(&k.challenge_id).copied()));
    }
    out
}

/// PR11 (事后督查): a purchaser or agency with at least `min_count` upheld challenges in the same
/// category whose receipt dates fall within `window_days` of each other → flag for sampling.
/// One flag per (party, category), on the project number of the latest challenge.
pub fn repeat_patterns(projects: &[Project], challenges: &[Challenge], window_days: i64, min_count: usize) -> Vec<ProcessFlag> {
    let pmap: HashMap<&ProjectNo, &Project> = projects.iter().map(|p| (&p.project_no, p)).collect();
    // (role, party, category) -> receipt dates of upheld challenges
    let mut groups: HashMap<(&'static str, String, super::model::Category), Vec<&Challenge>> = HashMap::new();
    for c in challenges.iter().filter(|c| c.outcome.is_upheld()) {
        let Some(p) = pmap.get(&c.project_no) else { continue };
        groups.entry(("采购人", p.purchaser.clone(), c.category)).or_default().push(c);
        if let Some(a) = &p.agency {
            groups.entry(("采购代理机构", a.clone(), c.category)).or_default().push(c);
        }
    }
    let mut out = Vec::new();
    for ((role, party, cat), mut list) in groups {
        if list.len() < min_count || min_count == 0 {
            continue;
        }
        list.sort_by_key(|c| c.received_date);
        // Sliding window over receipt dates.
        let mut best: Option<(usize, usize)> = None;
        let mut lo = 0;
        for hi in 0..list.len() {
            while (list[hi].received_date - list[lo].received_date).num_days() > window_days {
                lo += 1;
            }
            if hi + 1 - lo >= min_count && best.is_none_or(|(a, b)| hi + 1 - lo > b + 1 - a) {
                best = Some((lo, hi));
            }
        }
        if let Some((a, b)) = best {
            let ids: Vec<&str> = list[a..=b].iter().map(|c| c.id.as_str()).collect();
            out.push(ProcessFlag {
                check: "PR11",
                name: "repeat-pattern",
                severity: Severity::Notice,
                record_kind: RecordKind::Project,
                record_id: list[b].project_no.to_string(),
                message: format!(
                    "{role}“{party}”在{}日内有{}件{}类质疑成立（{}），建议列为督查抽查重点",
                    window_days,
                    ids.len(),
                    cat.label_zh(),
                    ids.join("、")
                ),
                basis: B_PR11,
                uncertain_year: None,
            });
        }
    }
    out.sort_by(|x, y| x.record_id.cmp(&y.record_id).then_with(|| x.message.cmp(&y.message)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::records::deadlines::tests::{challenge, complaint, d};
    use crate::core::records::model::*;

    fn project(contract: Option<chrono::NaiveDate>) -> Project {
        Project {
            project_no: ProjectNo::parse("P1").unwrap(),
            name: "n".into(),
            purchaser: "某局".into(),
            agency: Some("甲代理".into()),
            method: Method::OpenTender,
            budget: Fen(100),
            publish_date: d(2025, 1, 6),
            contract_date: contract,
        }
    }

    fn checks(flags: &[ProcessFlag]) -> Vec<&'static str> {
        flags.iter().map(|f| f.check).collect()
    }

    #[test]
    fn late_reply_is_pr02() {
        let dl = Deadlines::default();
        let mut c = challenge("Q1", d(2025, 1, 24)); // due 2025-02-10
        c.reply_date = Some(d(2025, 2, 10));
        c.outcome = ChallengeOutcome::NotUpheld;
        assert!(check_challenge(&dl, &c, None).is_empty());
        c.reply_date = Some(d(2025, 2, 11));
        let f = check_challenge(&dl, &c, None);
        assert_eq!(checks(&f), vec!["PR02"]);
        assert_eq!(f[0].severity, Severity::Violation);
        assert!(f[0].message.contains("逾期1个工作日"), "{}", f[0].message);
    }

    #[test]
    fn challenge_window_contract_and_cure() {
        let dl = Deadlines::default();
        let p = project(Some(d(2025, 1, 20)));
        // Published Mon 2025-01-06; 7 working days → Wed 01-15. Received Thu 01-16: reply due
        // 01-17 (1), 01-20..01-24 (6), Sun 01-26 (调休) (7) → 01-26; replied 01-24 in time, but
        // the contract was signed on 01-20 while it was pending.
        let mut c = challenge("Q1", d(2025, 1, 16));
        c.target = Some(ChallengeTarget::Documents);
        c.outcome = ChallengeOutcome::Upheld;
        c.reply_date = Some(d(2025, 1, 24));
        let f = check_challenge(&dl, &c, Some(&p));
        assert_eq!(checks(&f), vec!["PR01", "PR03", "PR04"]);
        assert_eq!(f[0].severity, Severity::Notice);
        c.corrective_action = Some("发布更正公告".into());
        c.received_date = d(2025, 1, 15);
        c.reply_date = Some(d(2025, 1, 20));
        assert!(check_challenge(&dl, &c, Some(&p)).is_empty());
    }

    #[test]
    fn complaint_checks() {
        let dl = Deadlines::default();
        let mut c = challenge("Q1", d(2025, 1, 24)); // reply due 02-10, complaint window 03-03
        c.reply_date = Some(d(2025, 2, 7));
        assert_eq!(checks(&check_complaint(&dl, &complaint("T0", "Q9", d(2025, 2, 20)), None)), vec!["PR05"]);
        let mut k = complaint("T1", "Q1", d(2025, 3, 3));
        assert!(check_complaint(&dl, &k, Some(&c)).is_empty());
        k.filed_date = d(2025, 3, 4);
        k.category = Some(Category::Scoring);
        // Decision due: 30 working days after Tue 03-04: 03-05..03-07 (3), three weeks to 03-28
        // (18), 03-31..04-03 (22), holiday 04-04..04-06, 04-07..04-11 (27), 04-14, 04-15,
        // 04-16 (30) → Wed 2025-04-16.
        k.decision_date = Some(d(2025, 4, 17));
        k.suspension = Some(Suspension { from: d(2025, 3, 5), to: Some(d(2025, 4, 5)) }); // 31 days
        let f = check_complaint(&dl, &k, Some(&c));
        assert_eq!(checks(&f), vec!["PR05", "PR06", "PR07", "PR08"]);
        assert_eq!(f[0].severity, Severity::Warning);
        k.decision_date = Some(d(2025, 4, 16));
        k.suspension = Some(Suspension { from: d(2025, 3, 5), to: Some(d(2025, 4, 4)) }); // 30 days
        assert_eq!(checks(&check_complaint(&dl, &k, Some(&c))), vec!["PR05", "PR06"]);
    }

    #[test]
    fn uncertain_year_gives_a_notice() {
        let dl = Deadlines::default();
        let mut c = challenge("Q1", d(2027, 3, 1));
        c.reply_date = Some(d(2027, 3, 20));
        let f = check_challenge(&dl, &c, None);
        assert_eq!(checks(&f), vec!["PR02"]);
        assert_eq!((f[0].severity, f[0].uncertain_year), (Severity::Notice, Some(2027)));
    }

    #[test]
    fn repeat_pattern() {
        let p = project(None);
        let mut a = challenge("Q1", d(2025, 1, 6));
        let mut b = challenge("Q2", d(2025, 6, 6));
        let mut far = challenge("Q3", d(2024, 1, 2));
        for c in [&mut a, &mut b, &mut far] {
            c.outcome = ChallengeOutcome::Upheld;
        }
        let f = repeat_patterns(std::slice::from_ref(&p), &[a.clone(), b.clone(), far.clone()], 365, 2);
        // Both the purchaser and the agency are flagged.
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|x| x.message.contains("Q1、Q2")));
        assert!(repeat_patterns(&[p], &[a, far], 365, 2).is_empty());
    }
}
