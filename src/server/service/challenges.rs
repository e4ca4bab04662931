//! Challenges (质疑) and complaints (投诉) registered one at a time from the web, as opposed to
//! the register import: a challenge against clauses of a published version, its reply and
//! outcome, a complaint that followed it, and the list with each record's statutory deadline.
//!
//! A record entered here goes through the same validator as an imported row (a one-row
//! register built from the form), so the two ways in cannot disagree about what is valid.

use super::accounts::require;
use super::{Service, ServiceError};
use crate::core::account::{Actor, Permission};
use crate::core::records::{
    self, Challenge, ChallengeOutcome, Complaint, Deadlines, FieldError, ImportFiles, ProcessFlag, RejectReason, RejectedRow,
};
use crate::server::store::accounts::{self as audit, AuditEntry};
use crate::server::store::{Missing, Page, StoreError};
use chrono::NaiveDate;
use sea_orm::TransactionTrait;
use serde::Serialize;

/// A challenge as the list shows it: the record, its project, its reply deadline and whether
/// it is overdue today, the complaints that followed it and how many clauses it names.
#[derive(Debug, Clone, Serialize)]
pub struct ChallengeRow {
    pub challenge: Challenge,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    /// 7 working days after receipt (政府采购法 第五十三条); `None` if the year's calendar is unknown.
    pub reply_due: Option<NaiveDate>,
    /// No reply and the due date has passed, or the reply came after it.
    pub overdue: bool,
    pub complaints: Vec<Complaint>,
    pub clauses: usize,
}

/// The form of a new challenge (text fields as typed).
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct ChallengeInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub supplier: String,
    #[serde(default)]
    pub received_date: String,
    #[serde(default)]
    pub known_date: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub claim: String,
}

/// The form of a complaint that follows a challenge.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
pub struct ComplaintInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub filed_date: String,
    #[serde(default)]
    pub decision_date: String,
    #[serde(default)]
    pub outcome: String,
}

/// What registering gave: the stored id, or the problems of the row (nothing stored), and the
/// process checks the record raised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Registered {
    pub id: Option<String>,
    pub rejected: Vec<RejectedRow>,
    pub flags: Vec<ProcessFlag>,
}

impl Registered {
    /// The problem of `column` (for the message next to the form field).
    pub fn field_errors(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for r in &self.rejected {
            let key = match &r.reason {
                RejectReason::Field { column, .. } => column.clone(),
                RejectReason::AlreadyExists | RejectReason::DuplicateId { .. } => "id".into(),
                RejectReason::ReplyBeforeReceipt { .. } => "reply_date".into(),
                _ => "form".into(),
            };
            out.entry(key).or_insert_with(|| r.reason.to_string());
        }
        out
    }
}

fn missing_challenge() -> ServiceError {
    ServiceError::from(StoreError::NotFound(Missing::Challenge))
}

impl Service {
    /// The challenges of the projects in the user's scope, newest first, with deadlines as of
    /// `today`.
    pub async fn challenge_list(&self, by: &Actor, today: NaiveDate) -> Result<Vec<ChallengeRow>, ServiceError> {
        require(by, Permission::Read)?;
        let scope = by.scope();
        let mut r = crate::server::store::records::load(self.store.db()).await?;
        if let Some(agencies) = scope.agencies() {
            r = r.of_agencies(&agencies);
        }
        let links = crate::server::store::records::links(self.store.db()).await?;
        let projects = self.store.projects(&scope, Page::ALL).await?.items;
        // The deadline calculator memoises in a cell (not Send): made after the last await.
        let dl = Deadlines::new(crate::core::calendar::WorkCalendar::builtin());
        let mut out: Vec<ChallengeRow> = r
            .challenges
            .iter()
            .map(|c| {
                let project = projects.iter().find(|p| p.project_no == c.project_no.as_str());
                let reply_due = dl.reply_due(c).date();
                let overdue = reply_due.is_some_and(|due| c.reply_date.unwrap_or(today) > due);
                ChallengeRow {
                    challenge: c.clone(),
                    project_id: project.map(|p| p.id),
                    project_name: project.map(|p| p.name.clone()),
                    reply_due,
                    overdue,
                    complaints: r.complaints.iter().filter(|k| k.challenge_id.as_str() == c.id.as_str()).cloned().collect(),
                    clauses: links.iter().filter(|l| l.challenge_id.as_str() == c.id.as_str()).count(),
                }
            })
            .collect();
        out.sort_by(|a, b| b.challenge.received_date.cmp(&a.challenge.received_date).then(a.challenge.id.as_str().cmp(b.challenge.id.as_str())));
        Ok(out)
    }

    /// Registers a challenge against a published project of the user's scope and links it to
    /// the clauses it names (clauses of that project's documents).
    pub async fn register_challenge(
        &self,
        by: &Actor,
        project_id: i64,
        input: &ChallengeInput,
        clause_ids: &[i64],
    ) -> Result<Registered, ServiceError> {
        require(by, Permission::LinkChallenges)?;
        let project = self.store.project(project_id, &by.scope()).await?;
        if !project.status.is_public() {
            return Err(ServiceError::Invalid("项目尚未发布，采购文件发布后才能登记质疑".into()));
        }
        let Some(publish_date) = project.publish_date else {
            return Err(ServiceError::Invalid("项目没有发布日期，请先在项目中记录发布日期".into()));
        };
        let method = records::Method::parse(&project.method).ok_or_else(|| ServiceError::Invalid(format!("采购方式“{}”不在登记册的采购方式之列", project.method)))?;
        let project_no = records::ProjectNo::parse(&project.project_no).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        for &clause_id in clause_ids {
            let (_, of) = crate::server::store::workflow::clause_row(self.store.db(), clause_id).await?;
            if of != project_id {
                return Err(ServiceError::Invalid("所选条款不属于该项目".into()));
            }
        }
        let register_row = records::Project {
            project_no,
            name: project.name.clone(),
            purchaser: project.purchaser.clone(),
            agency: Some(project.agency.clone()),
            method,
            budget: records::Fen(project.budget_fen),
            publish_date,
            contract_date: None,
        };
        let csv = records::csv::write_csv(
            &["id", "project_no", "supplier", "received_date", "known_date", "category", "claim", "reply_date", "outcome", "target"],
            &[vec![
                input.id.trim().to_string(),
                project.project_no.clone(),
                input.supplier.clone(),
                input.received_date.clone(),
                input.known_date.clone(),
                input.category.clone(),
                input.claim.clone(),
                String::new(),
                String::new(),
                "采购文件".to_string(),
            ]],
        );
        let files = ImportFiles { challenges: Some(("质疑登记.csv".into(), csv.into_bytes())), ..Default::default() };
        let _turn = self.store.write_turn().await;
        let stored = crate::server::store::records::load(self.store.db()).await?;
        let registered = stored.projects.iter().any(|p| p.project_no.as_str() == project.project_no);
        let mut known = crate::server::store::records::known(&stored);
        if !registered {
            known.add_project(register_row.clone());
        }
        let mut plan = records::parse_import(files, &known);
        if !plan.rejected.is_empty() || plan.challenges.len() != 1 {
            return Ok(Registered { id: None, rejected: plan.rejected, flags: Vec::new() });
        }
        if !registered {
            plan.projects = vec![register_row];
        }
        let id = plan.challenges[0].id.as_str().to_string();
        crate::server::store::records::write(self.store.db(), &plan).await?;
        for &clause_id in clause_ids {
            crate::server::store::records::link_clause(self.store.db(), &id, clause_id).await?;
        }
        let mut e = AuditEntry::new(by, "challenge.register", "challenge", &id);
        e.agency = Some(project.agency.clone());
        e.after = Some(serde_json::json!({"project_id": project_id, "clauses": clause_ids}));
        audit::append(self.store.db(), e).await?;
        Ok(Registered { id: Some(id), rejected: Vec::new(), flags: plan.flags })
    }

    /// Records the reply to a challenge and its outcome.
    pub async fn answer_challenge(
        &self,
        by: &Actor,
        challenge_id: &str,
        reply_date: &str,
        outcome: &str,
        corrective_action: &str,
    ) -> Result<Challenge, ServiceError> {
        require(by, Permission::LinkChallenges)?;
        let project_id = crate::server::store::records::challenge_project(self.store.db(), challenge_id).await?.ok_or_else(missing_challenge)?;
        let project = self.store.project(project_id, &by.scope()).await.map_err(|_| missing_challenge())?;
        let invalid = |what: &str, e: FieldError| ServiceError::Invalid(format!("{what}：{e}"));
        let reply = records::model::parse_date(reply_date).map_err(|e| invalid("答复日期", e))?;
        let outcome = ChallengeOutcome::parse(outcome).map_err(|e| invalid("处理结果", e))?;
        let action = records::model::parse_text(corrective_action).map_err(|e| invalid("纠正措施", e))?;
        let _turn = self.store.write_turn().await;
        let txn = self.store.db().begin().await.map_err(StoreError::from)?;
        let mut c = crate::server::store::records::challenge(&txn, challenge_id).await?.ok_or_else(missing_challenge)?;
        if reply < c.received_date {
            return Err(ServiceError::Invalid(format!("答复日期 {reply} 早于收到质疑的日期 {}", c.received_date)));
        }
        let before = serde_json::json!({"reply_date": c.reply_date, "outcome": c.outcome});
        c.reply_date = Some(reply);
        c.outcome = outcome;
        c.corrective_action = action;
        crate::server::store::records::update_challenge(&txn, &c).await?;
        let mut e = AuditEntry::new(by, "challenge.reply", "challenge", challenge_id);
        e.agency = Some(project.agency);
        e.before = Some(before);
        e.after = Some(serde_json::json!({"reply_date": c.reply_date, "outcome": c.outcome}));
        audit::append(&txn, e).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(c)
    }

    /// Registers a complaint (投诉) that followed a challenge of the user's scope.
    pub async fn register_complaint(&self, by: &Actor, challenge_id: &str, input: &ComplaintInput) -> Result<Registered, ServiceError> {
        require(by, Permission::LinkChallenges)?;
        let project_id = crate::server::store::records::challenge_project(self.store.db(), challenge_id).await?.ok_or_else(missing_challenge)?;
        let project = self.store.project(project_id, &by.scope()).await.map_err(|_| missing_challenge())?;
        let csv = records::csv::write_csv(
            &["id", "challenge_id", "filed_date", "decision_date", "outcome"],
            &[vec![input.id.trim().to_string(), challenge_id.to_string(), input.filed_date.clone(), input.decision_date.clone(), input.outcome.clone()]],
        );
        let files = ImportFiles { complaints: Some(("投诉登记.csv".into(), csv.into_bytes())), ..Default::default() };
        let _turn = self.store.write_turn().await;
        let stored = crate::server::store::records::load(self.store.db()).await?;
        let plan = records::parse_import(files, &crate::server::store::records::known(&stored));
        if !plan.rejected.is_empty() || plan.complaints.len() != 1 {
            return Ok(Registered { id: None, rejected: plan.rejected, flags: Vec::new() });
        }
        let id = plan.complaints[0].id.as_str().to_string();
        crate::server::store::records::write(self.store.db(), &plan).await?;
        let mut e = AuditEntry::new(by, "complaint.register", "complaint", &id);
        e.agency = Some(project.agency);
        e.after = Some(serde_json::json!({"challenge_id": challenge_id}));
        audit::append(self.store.db(), e).await?;
        Ok(Registered { id: Some(id), rejected: Vec::new(), flags: plan.flags })
    }
}
