//! Statutory periods of the challenge/complaint chain, counted in working days (工作日) on the
//! [`WorkCalendar`]. The first day is not counted (民法典 第二百零一条, see legal-basis §11):
//! a period of `n` working days "from" a date ends on the `n`-th working day after it, which is
//! always a working day, so a last day falling on a holiday is moved automatically.
//!
//! A date in a year without a published holiday schedule gives [`Due::Uncertain`], never a guess.

use super::model::{Challenge, ChallengeTarget, Complaint, Project};
use crate::core::calendar::{UnknownYear, WorkCalendar};
use chrono::NaiveDate;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;

/// 政府采购法 第五十二条; 94号令 第十条: challenge within 7 working days of knowing of the harm.
pub const CHALLENGE_WINDOW_WD: u32 = 7;
/// 政府采购法 第五十三条; 94号令 第十三条: reply within 7 working days of receipt.
pub const REPLY_WD: u32 = 7;
/// 政府采购法 第五十五条; 94号令 第十七条: complaint within 15 working days after the reply period.
pub const COMPLAINT_WINDOW_WD: u32 = 15;
/// 政府采购法 第五十六条; 94号令 第二十六条: decision within 30 working days of receipt.
pub const DECISION_WD: u32 = 30;
/// 政府采购法 第五十七条; 94号令 第二十八条: suspension at most 30 (calendar) days.
pub const SUSPENSION_MAX_DAYS: i64 = 30;

/// The last day of a period, or why it cannot be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Due {
    /// The period ends at the end of this day (inclusive).
    Known {
        /// Last day of the period.
        date: NaiveDate,
    },
    /// The period crosses a year whose holiday schedule is not published.
    Uncertain {
        /// The year without a schedule.
        year: i32,
    },
    /// The start of the period is not recorded (e.g. the date the supplier knew of the harm for
    /// a 采购过程 challenge).
    NoStart,
}

impl Due {
    fn from(r: Result<NaiveDate, UnknownYear>) -> Due {
        match r {
            Ok(date) => Due::Known { date },
            Err(UnknownYear(year)) => Due::Uncertain { year },
        }
    }
    /// The date, when known.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Due::Known { date } => Some(date),
            _ => None,
        }
    }
    /// Whether `d` is after the last day. `None` when the deadline is not known.
    pub fn is_breached_by(self, d: NaiveDate) -> Option<bool> {
        self.date().map(|due| d > due)
    }
}

/// A memo of `add_working_days` results, for bulk computations (statistics over 100,000
/// records touch only a few hundred distinct start dates).
pub type DueMemo = RefCell<HashMap<(NaiveDate, u32), Result<NaiveDate, UnknownYear>>>;

/// Working-day arithmetic for the chain, over a calendar.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines<'c> {
    cal: &'c WorkCalendar,
    memo: Option<&'c DueMemo>,
}

impl Default for Deadlines<'static> {
    fn default() -> Self {
        Deadlines { cal: WorkCalendar::builtin(), memo: None }
    }
}

impl<'c> Deadlines<'c> {
    /// Deadlines over `cal`.
    pub fn new(cal: &'c WorkCalendar) -> Self {
        Deadlines { cal, memo: None }
    }

    /// The same deadlines, remembering results in `memo`.
    pub fn with_memo<'m>(&self, memo: &'m DueMemo) -> Deadlines<'m>
    where
        'c: 'm,
    {
        Deadlines { cal: self.cal, memo: Some(memo) }
    }

    fn add(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, UnknownYear> {
        let Some(memo) = self.memo else { return self.cal.add_working_days(start, n) };
        if let Some(r) = memo.borrow().get(&(start, n)) {
            return *r;
        }
        let r = self.cal.add_working_days(start, n);
        memo.borrow_mut().insert((start, n), r);
        r
    }

    /// The start of the challenge period: the recorded `known_date`, else — for challenges to the
    /// 采购文件 — the project's publish date. 94号令 第十一条 counts from receipt of the documents
    /// or the end of the announcement period, both on or after publication, so counting from
    /// publication gives the earliest possible end: a challenge received after it may still be in
    /// time (PR01 is therefore a notice, to be verified).
    pub fn challenge_window_start(c: &Challenge, project: Option<&Project>) -> Option<NaiveDate> {
        match (c.known_date, c.target, project) {
            (Some(k), _, _) => Some(k),
            (None, Some(ChallengeTarget::Documents), Some(p)) => Some(p.publish_date),
            _ => None,
        }
    }

    /// Last day to file the challenge (7 working days, 政府采购法 第五十二条).
    pub fn challenge_window(&self, c: &Challenge, project: Option<&Project>) -> Due {
        match Self::challenge_window_start(c, project) {
            Some(start) => Due::from(self.add(start, CHALLENGE_WINDOW_WD)),
            None => Due::NoStart,
        }
    }

    /// Last day for the reply (7 working days after receipt, 政府采购法 第五十三条).
    pub fn reply_due(&self, c: &Challenge) -> Due {
        Due::from(self.add(c.received_date, REPLY_WD))
    }

    /// Last day to file a complaint: 15 working days after the reply period expires
    /// (政府采购法 第五十五条 "答复期满后十五个工作日内"). The period is counted from the reply due
    /// date; when the reply came later than due, from the reply date — the reading most
    /// favourable to the supplier, so a complaint is flagged late only when it is late under
    /// every reading.
    pub fn complaint_window(&self, c: &Challenge) -> Due {
        let base = match self.reply_due(c) {
            Due::Known { date } => match c.reply_date {
                Some(r) if r > date => r,
                _ => date,
            },
            other => return other,
        };
        Due::from(self.add(base, COMPLAINT_WINDOW_WD))
    }

    /// Last day for the decision: 30 working days after acceptance, or after filing when no
    /// acceptance is recorded (政府采购法 第五十六条; 94号令 第二十一条 dates acceptance from
    /// receipt). Periods excluded by 实施条例 第五十八条 (testing, expert review …) are not
    /// recorded, so a flagged decision may have been lawful.
    pub fn decision_due(&self, k: &Complaint) -> Due {
        let start = k.accepted_date.unwrap_or(k.filed_date);
        Due::from(self.add(start, DECISION_WD))
    }

    /// Working days from the day after `due` up to and including `today` (how late).
    pub fn working_days_late(&self, due: NaiveDate, today: NaiveDate) -> Result<u32, UnknownYear> {
        match due.succ_opt() {
            Some(next) => self.cal.working_days_inclusive(next, today),
            None => Ok(0),
        }
    }
}

/// What is overdue as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    /// `reply` (challenge awaiting reply) or `decision` (complaint awaiting decision).
    pub kind: OverdueKind,
    /// Challenge or complaint id.
    pub record_id: String,
    /// The project.
    pub project_no: Option<String>,
    /// The deadline.
    pub due: NaiveDate,
    /// Working days since the deadline (None when uncertain).
    pub working_days_late: Option<u32>,
}

/// Kind of overdue item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueKind {
    /// A challenge with no reply after the reply due date.
    Reply,
    /// A complaint with no decision after the decision due date.
    Decision,
}

/// Items whose deadline could not be computed for the overdue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UncertainItem {
    /// Challenge or complaint id.
    pub record_id: String,
    /// The year with no published schedule.
    pub year: i32,
}

/// Overdue list as of `today`: challenges without reply past the reply due date, complaints
/// without decision past the decision due date (withdrawn ones excluded). Sorted by due date.
pub fn overdue(
    dl: &Deadlines<'_>,
    challenges: &[Challenge],
    complaints: &[Complaint],
    today: NaiveDate,
) -> (Vec<Overdue>, Vec<UncertainItem>) {
    use super::model::{ChallengeOutcome, ComplaintOutcome};
    let mut out = Vec::new();
    let mut uncertain = Vec::new();
    for c in challenges {
        if c.reply_date.is_some() || c.outcome == ChallengeOutcome::Withdrawn {
            continue;
        }
        match dl.reply_due(c) {
            Due::Known { date } if today > date => out.push(Overdue {
                kind: OverdueKind::Reply,
                record_id: c.id.to_string(),
                project_no: Some(c.project_no.to_string()),
                due: date,
                working_days_late: dl.working_days_late(date, today).ok(),
            }),
            Due::Uncertain { year } => uncertain.push(UncertainItem { record_id: c.id.to_string(), year }),
            _ => {}
        }
    }
    for k in complaints {
        if k.decision_date.is_some() || k.outcome == ComplaintOutcome::Withdrawn {
            continue;
        }
        match dl.decision_due(k) {
            Due::Known { date } if today > date => out.push(Overdue {
                kind: OverdueKind::Decision,
                record_id: k.id.to_string(),
                project_no: None,
                due: date,
                working_days_late: dl.working_days_late(date, today).ok(),
            }),
            Due::Uncertain { year } => uncertain.push(UncertainItem { record_id: k.id.to_string(), year }),
            _ => {}
        }
    }
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.record_id.cmp(&b.record_id)));
    (out, uncertain)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::records::model::*;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn challenge(id: &str, received: NaiveDate) -> Challenge {
        Challenge {
            id: ChallengeId::parse(id).unwrap(),
            project_no: ProjectNo::parse("P1").unwrap(),
            supplier: "某公司".into(),
            received_date: received,
            target: None,
            known_date: None,
            claim: "claim".into(),
            category: Category::Region,
            reply_date: None,
            outcome: ChallengeOutcome::Pending,
            corrective_action: None,
        }
    }

    pub(crate) fn complaint(id: &str, ch: &str, filed: NaiveDate) -> Complaint {
        Complaint {
            id: ComplaintId::parse(id).unwrap(),
            challenge_id: ChallengeId::parse(ch).unwrap(),
            filed_date: filed,
            accepted_date: None,
            suspension: None,
            decision_date: None,
            outcome: ComplaintOutcome::Pending,
            category: None,
        }
    }

    #[test]
    fn reply_due_across_the_2025_spring_festival() {
        // Received Fri 2025-01-24. Working days after it: Sun 01-26 (调休上班) = 1, Mon 01-27 = 2,
        // holiday 01-28..02-04, Wed 02-05 = 3, Thu 02-06 = 4, Fri 02-07 = 5,
        // Sat 02-08 (调休上班) = 6, Sun 02-09 off, Mon 02-10 = 7.
        let dl = Deadlines::default();
        let c = challenge("Q1", d(2025, 1, 24));
        assert_eq!(dl.reply_due(&c), Due::Known { date: d(2025, 2, 10) });
    }

    #[test]
    fn reply_due_across_the_2024_spring_festival() {
        // Received Thu 2024-02-08. Fri 02-09 = 1; holiday 02-10..02-17 (Sat–Sat);
        // Sun 02-18 (调休上班) = 2, Mon 02-19 = 3, Tue 02-20 = 4, Wed 02-21 = 5, Thu 02-22 = 6,
        // Fri 02-23 = 7.
        let dl = Deadlines::default();
        assert_eq!(dl.reply_due(&challenge("Q", d(2024, 2, 8))), Due::Known { date: d(2024, 2, 23) });
        // Received Fri 2024-02-02: Sun 02-04 (调休上班) = 1, Mon 02-05 .. Fri 02-09 = 2..6,
        // holiday, Sun 02-18 = 7.
        assert_eq!(dl.reply_due(&challenge("Q", d(2024, 2, 2))), Due::Known { date: d(2024, 2, 18) });
    }

    #[test]
    fn complaint_window_and_decision_due() {
        let dl = Deadlines::default();
        // Received Fri 2025-01-24, reply due Mon 02-10 (above). 15 working days after 02-10:
        // 02-11..02-14 (4), 02-17..02-21 (9), 02-24..02-28 (14), Mon 03-03 (15).
        let mut c = challenge("Q1", d(2025, 1, 24));
        assert_eq!(dl.complaint_window(&c), Due::Known { date: d(2025, 3, 3) });
        // A late reply on Wed 02-12 moves the base: 02-13, 02-14 (2), 02-17..02-21 (7),
        // 02-24..02-28 (12), 03-03, 03-04, 03-05 (15).
        c.reply_date = Some(d(2025, 2, 12));
        assert_eq!(dl.complaint_window(&c), Due::Known { date: d(2025, 3, 5) });
        // An early reply does not shorten it.
        c.reply_date = Some(d(2025, 1, 27));
        assert_eq!(dl.complaint_window(&c), Due::Known { date: d(2025, 3, 3) });

        // Filed Mon 2025-09-22, no acceptance date: 30 working days after it. 09-23..09-26 (4),
        // Sun 09-28 (调休) = 5, 09-29, 09-30 (7), holiday 10-01..10-08, Thu 10-09, Fri 10-10 (9),
        // Sat 10-11 (调休) = 10, 10-13..10-17 (15), 10-20..10-24 (20), 10-27..10-31 (25),
        // 11-03..11-07 (30) → Fri 2025-11-07.
        let mut k = complaint("T1", "Q1", d(2025, 9, 22));
        assert_eq!(dl.decision_due(&k), Due::Known { date: d(2025, 11, 7) });
        // With an acceptance date on Fri 11-07 the count starts there: 11-10..11-14 (5) …
        // 6 full weeks = 30 → Fri 2025-12-19.
        k.accepted_date = Some(d(2025, 11, 7));
        assert_eq!(dl.decision_due(&k), Due::Known { date: d(2025, 12, 19) });
    }

    #[test]
    fn unpublished_year_is_uncertain() {
        let dl = Deadlines::default();
        assert_eq!(dl.reply_due(&challenge("Q", d(2027, 3, 1))), Due::Uncertain { year: 2027 });
        // Late December 2026 reaches into 2027.
        assert_eq!(dl.reply_due(&challenge("Q", d(2026, 12, 28))), Due::Uncertain { year: 2027 });
        let k = complaint("T", "Q", d(2027, 1, 5));
        assert_eq!(dl.decision_due(&k), Due::Uncertain { year: 2027 });
        let (list, unc) = overdue(&dl, &[challenge("Q9", d(2027, 3, 1))], &[], d(2027, 6, 1));
        assert!(list.is_empty());
        assert_eq!(unc, vec![UncertainItem { record_id: "Q9".into(), year: 2027 }]);
    }

    #[test]
    fn challenge_window_from_publication() {
        let dl = Deadlines::default();
        let p = Project {
            project_no: ProjectNo::parse("P1").unwrap(),
            name: "n".into(),
            purchaser: "p".into(),
            agency: None,
            method: Method::OpenTender,
            budget: Fen(1),
            publish_date: d(2024, 9, 10), // Tue
            contract_date: None,
        };
        let mut c = challenge("Q", d(2024, 9, 20));
        assert_eq!(dl.challenge_window(&c, Some(&p)), Due::NoStart);
        c.target = Some(ChallengeTarget::Documents);
        // After Tue 09-10: 09-11, 09-12, 09-13 (3), Sat 09-14 (调休) = 4, holiday 09-15..09-17,
        // 09-18, 09-19, 09-20 (7) → Fri 2024-09-20.
        assert_eq!(dl.challenge_window(&c, Some(&p)), Due::Known { date: d(2024, 9, 20) });
    }

    #[test]
    fn overdue_list() {
        let dl = Deadlines::default();
        let mut replied = challenge("Q2", d(2025, 1, 24));
        replied.reply_date = Some(d(2025, 2, 1));
        let pending = challenge("Q1", d(2025, 1, 24)); // due 02-10
        let k = complaint("T1", "Q1", d(2025, 9, 22)); // due 11-07
        let (list, unc) = overdue(&dl, &[replied, pending], &[k], d(2025, 2, 12));
        assert!(unc.is_empty());
        // 02-11, 02-12 → 2 working days late.
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].kind, list[0].record_id.as_str(), list[0].working_days_late), (OverdueKind::Reply, "Q1", Some(2)));
        assert!(overdue(&dl, &[challenge("Q1", d(2025, 1, 24))], &[], d(2025, 2, 10)).0.is_empty());
    }
}
