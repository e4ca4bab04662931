//! The three record kinds as [`RecordSheet`]s: their columns, their references to other
//! records, and the date orders a row must respect.

use super::sheet::{field_err, Col, FieldResult, RecordSheet, Row};
use super::{FileKind, Known, RejectReason};
use crate::core::records::model::*;
use std::collections::HashMap;

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

/// The projects file.
pub(super) struct ProjectSheet<'a> {
    pub(super) existing: &'a Known,
}

impl RecordSheet for ProjectSheet<'_> {
    type Id = ProjectNo;
    type Record = Project;
    const KIND: FileKind = FileKind::Projects;
    const COLUMNS: &'static [Col] = PROJECT_COLS;
    const ID_COLUMN: &'static str = "project_no";

    fn parse_id(text: &str) -> Result<ProjectNo, FieldError> {
        ProjectNo::parse(text)
    }

    fn is_stored(&self, id: &ProjectNo) -> bool {
        self.existing.projects.contains_key(id)
    }

    /// A register's 项目编号 names one project: the same number from another agency is not a
    /// re-import of the stored row but a different project, refused so that nobody's
    /// challenges are attached to someone else's project.
    fn stored_reason(&self, id: &ProjectNo, r: &Row<'_>) -> RejectReason {
        let row_owner = owner_of(Some(r.text("agency")), r.text("purchaser"));
        match self.existing.projects.get(id) {
            Some(Some(stored)) => {
                if stored.owner() == row_owner {
                    RejectReason::AlreadyExists
                } else {
                    RejectReason::NumberTaken { owner: stored.owner().to_string() }
                }
            }
            _ => RejectReason::AlreadyExists,
        }
    }

    fn record(&self, project_no: ProjectNo, r: &Row<'_>) -> FieldResult<Project> {
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
    }
}

/// The challenges file; its rows reference the projects of this import or stored ones.
pub(super) struct ChallengeSheet<'a> {
    pub(super) existing: &'a Known,
    /// The valid projects of this import.
    pub(super) projects: &'a HashMap<ProjectNo, &'a Project>,
    /// The rejected project rows of this import, by project number.
    pub(super) rejected_projects: &'a HashMap<String, usize>,
}

impl ChallengeSheet<'_> {
    /// The project number, which must name a project of this import or a stored one.
    fn project_no(&self, r: &Row<'_>) -> FieldResult<ProjectNo> {
        let project_no = r.parse("project_no", ProjectNo::parse)?;
        if self.projects.contains_key(&project_no) || self.existing.projects.contains_key(&project_no) {
            return Ok(project_no);
        }
        Err(match self.rejected_projects.get(project_no.as_str()) {
            Some(row) => RejectReason::ReferenceRejected { id: project_no.to_string(), row: *row },
            None => RejectReason::UnknownProject { project_no: project_no.to_string() },
        })
    }
}

impl RecordSheet for ChallengeSheet<'_> {
    type Id = ChallengeId;
    type Record = Challenge;
    const KIND: FileKind = FileKind::Challenges;
    const COLUMNS: &'static [Col] = CHALLENGE_COLS;
    const ID_COLUMN: &'static str = "id";

    fn parse_id(text: &str) -> Result<ChallengeId, FieldError> {
        ChallengeId::parse(text)
    }

    fn is_stored(&self, id: &ChallengeId) -> bool {
        self.existing.challenges.contains_key(id)
    }

    fn record(&self, id: ChallengeId, r: &Row<'_>) -> FieldResult<Challenge> {
        let project_no = self.project_no(r)?;
        let c = Challenge {
            id,
            project_no,
            supplier: r.req_text("supplier")?,
            received_date: r.date("received_date")?,
            target: r.opt_vocab("target", parse_target)?,
            known_date: r.opt_date("known_date")?,
            claim: r.req_text("claim")?,
            category: r.parse("category", parse_category)?,
            reply_date: r.opt_date("reply_date")?,
            outcome: r.parse("outcome", ChallengeOutcome::parse)?,
            corrective_action: r.opt_text("corrective_action")?,
        };
        challenge_dates(&c)?;
        Ok(c)
    }
}

/// A challenge's own dates: the reply is not before the receipt, and the supplier knew of the
/// harm no later than it challenged.
fn challenge_dates(c: &Challenge) -> FieldResult<()> {
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
    Ok(())
}

/// The complaints file; its rows reference the challenges of this import or stored ones.
pub(super) struct ComplaintSheet<'a> {
    pub(super) existing: &'a Known,
    /// The valid challenges of this import.
    pub(super) challenges: &'a HashMap<ChallengeId, &'a Challenge>,
    /// The rejected challenge rows of this import, by id.
    pub(super) rejected_challenges: &'a HashMap<String, usize>,
}

impl<'a> ComplaintSheet<'a> {
    /// The challenge id, which must name a challenge of this import or a stored one (94号令
    /// 第十九条(一): a complaint requires a prior challenge), and that challenge when its details
    /// are known.
    fn challenge(&self, r: &Row<'_>) -> FieldResult<(ChallengeId, Option<&'a Challenge>)> {
        let challenge_id = r.parse("challenge_id", ChallengeId::parse)?;
        if let Some(c) = self.challenges.get(&challenge_id) {
            return Ok((challenge_id, Some(*c)));
        }
        if let Some(details) = self.existing.challenges.get(&challenge_id) {
            return Ok((challenge_id, details.as_ref()));
        }
        Err(match self.rejected_challenges.get(challenge_id.as_str()) {
            Some(row) => RejectReason::ReferenceRejected { id: challenge_id.to_string(), row: *row },
            None => RejectReason::UnknownChallenge { challenge_id: challenge_id.to_string() },
        })
    }
}

impl RecordSheet for ComplaintSheet<'_> {
    type Id = ComplaintId;
    type Record = Complaint;
    const KIND: FileKind = FileKind::Complaints;
    const COLUMNS: &'static [Col] = COMPLAINT_COLS;
    const ID_COLUMN: &'static str = "id";

    fn parse_id(text: &str) -> Result<ComplaintId, FieldError> {
        ComplaintId::parse(text)
    }

    fn is_stored(&self, id: &ComplaintId) -> bool {
        self.existing.complaints.contains(id)
    }

    fn record(&self, id: ComplaintId, r: &Row<'_>) -> FieldResult<Complaint> {
        let (challenge_id, challenge) = self.challenge(r)?;
        let filed_date = r.date("filed_date")?;
        let suspended_from = r.opt_date("suspended_from")?;
        let suspended_to = r.opt_date("suspended_to")?;
        let k = Complaint {
            id,
            challenge_id,
            filed_date,
            accepted_date: r.opt_date("accepted_date")?,
            suspension: suspension(suspended_from, suspended_to)?,
            decision_date: r.opt_date("decision_date")?,
            outcome: r.parse("outcome", ComplaintOutcome::parse)?,
            category: r.opt_vocab("category", parse_category)?,
        };
        complaint_dates(&k, challenge)?;
        Ok(k)
    }
}

/// The suspension of a complaint's period: an end needs a start; a start may have no end yet.
fn suspension(from: Option<chrono::NaiveDate>, to: Option<chrono::NaiveDate>) -> FieldResult<Option<Suspension>> {
    match (from, to) {
        (Some(from), to) => Ok(Some(Suspension { from, to })),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(field_err("suspended_from", FieldError::Empty)),
    }
}

/// A complaint's dates in order: filed after its challenge was received, accepted and decided
/// after filing, a suspension ending after it starts.
fn complaint_dates(k: &Complaint, challenge: Option<&Challenge>) -> FieldResult<()> {
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
    Ok(())
}
