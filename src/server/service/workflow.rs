//! The review workflow through the service: decisions on findings, manual flags, the
//! project lifecycle with its approval gate, the difference between versions, the
//! corrections of a project, and the audit log. Every change writes an audit event in the
//! transaction that makes it.

use super::accounts::require;
use super::{Service, ServiceError};
use crate::core::account::{Actor, Permission};
use crate::core::finding::{Category, Severity};
use crate::core::workflow::{self, ClauseChange, Decision, FindingStatus, ProjectStatus};
use crate::server::store::accounts::{self as audit, AuditEntry, AuditFilter, AuditView};
use crate::server::store::workflow::{self as rows, Correction, ManualFlag};
use crate::server::store::{Missing, Page, Paged, ProjectView, StoreError};
use sea_orm::TransactionTrait;
use serde::Serialize;

/// A finding that blocks approval, with its clause.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockingFinding {
    pub finding_id: i64,
    pub rule_id: String,
    pub category: String,
    pub status: FindingStatus,
    pub clause_ordinal: i32,
    pub clause_text: String,
}

/// A finding after a decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionResult {
    pub finding_id: i64,
    pub status: FindingStatus,
    pub dismissal_request: Option<String>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

/// One changed clause of a version difference, with the texts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DiffLine {
    #[serde(flatten)]
    pub change: ClauseChange,
    pub old_text: Option<String>,
    pub new_text: Option<String>,
}

/// The difference between a version and the one before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    pub project_id: i64,
    /// `None` for a first version (everything is added).
    pub previous_document_id: Option<i64>,
    pub previous_version: Option<i32>,
    pub document_id: i64,
    pub version: i32,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub moved: usize,
    pub changes: Vec<DiffLine>,
    /// Findings of the previous version that this version fixed.
    pub fixed_findings: Vec<i64>,
}

/// A reviewed clause as an example for the rule library (`[examples]` of the rule's TOML).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleExample {
    pub finding_id: i64,
    /// The rule the example is for; `None` for a manual or precedent finding (a new rule, or
    /// an existing one of `category`, is the maintainer's choice).
    pub rule_id: Option<String>,
    pub category: String,
    /// `hit` (confirmed or flagged: the rule must match it) or `miss` (dismissed as a false
    /// alarm: the rule must not).
    pub kind: &'static str,
    /// Where it goes.
    pub file: String,
    /// The line to add under `hit = [` or `miss = [`.
    pub toml: String,
}

/// Longest reason or note accepted.
const MAX_REASON: usize = 2000;

fn bounded(reason: Option<String>) -> Result<Option<String>, ServiceError> {
    let r = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if r.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(ServiceError::Invalid(format!("理由最长 {MAX_REASON} 个字")));
    }
    Ok(r)
}

impl Service {
    /// A project the actor sees, as a row (answering "not found" otherwise).
    async fn visible_project(&self, by: &Actor, project_id: i64) -> Result<(ProjectView, entity::project::Model), ServiceError> {
        let view = self.store.project(project_id, &by.scope()).await?;
        let row = rows::project_row(self.store.db(), project_id).await?;
        Ok((view, row))
    }

    /// Decides a finding of the current version of a project the actor sees.
    pub async fn decide(
        &self,
        by: &Actor,
        finding_id: i64,
        decision: Decision,
        reason: Option<String>,
    ) -> Result<DecisionResult, ServiceError> {
        require(by, decision.permission())?;
        let reason = bounded(reason)?;
        let _turn = self.store.write_turn().await;
        let row = rows::finding_row(self.store.db(), finding_id).await?;
        let (project, _) = self
            .visible_project(by, row.project_id)
            .await
            .map_err(|_| ServiceError::from(StoreError::NotFound(Missing::Finding)))?;
        if rows::superseded(row.finding.document_id, &rows::versions(self.store.db(), row.project_id).await?) {
            return Err(ServiceError::Invalid("只能对项目当前版本的问题作出决定".into()));
        }
        let before = FindingStatus::parse(&row.finding.status).unwrap_or(FindingStatus::Open);
        let decided = decision.apply(before, row.finding.dismissal_request.as_deref(), reason.as_deref())?;
        let txn = self.store.db().begin().await.map_err(StoreError::from)?;
        // A request keeps the last reviewer decision as it was; the officer's reason is the request.
        let (decided_by, kept_reason) = match decision {
            Decision::RequestDismissal => (row.finding.decided_by.clone(), row.finding.reason.clone()),
            Decision::RefuseDismissal => (Some(by.username.clone()), reason.clone().or(row.finding.reason.clone())),
            _ => (Some(by.username.clone()), reason.clone()),
        };
        let before_json = serde_json::json!({"status": before, "dismissal_request": row.finding.dismissal_request});
        let updated = rows::set_decision(
            &txn,
            row.finding,
            decided.status,
            decided.dismissal_request.clone(),
            decided_by.as_deref().unwrap_or(&by.username),
            kept_reason,
        )
        .await?;
        let mut e = AuditEntry::new(by, &format!("finding.{}", decision.as_str()), "finding", finding_id);
        e.agency = Some(project.agency.clone());
        e.before = Some(before_json);
        e.after = Some(serde_json::json!({"status": decided.status, "dismissal_request": decided.dismissal_request}));
        e.reason = reason;
        audit::append(&txn, e).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(DecisionResult {
            finding_id,
            status: decided.status,
            dismissal_request: updated.dismissal_request,
            decided_by: updated.decided_by,
            reason: updated.reason,
        })
    }

    /// A reviewer flags a clause of a current version by hand: a confirmed finding.
    pub async fn flag_clause(
        &self,
        by: &Actor,
        clause_id: i64,
        category: Category,
        severity: Severity,
        note: String,
    ) -> Result<i64, ServiceError> {
        require(by, Permission::Decide)?;
        let note = bounded(Some(note))?.ok_or_else(|| ServiceError::Invalid("请说明标记的理由".into()))?;
        let _turn = self.store.write_turn().await;
        let (clause, project_id) = rows::clause_row(self.store.db(), clause_id).await?;
        let (project, _) = self
            .visible_project(by, project_id)
            .await
            .map_err(|_| ServiceError::from(StoreError::NotFound(Missing::Clause)))?;
        if rows::superseded(clause.document_id, &rows::versions(self.store.db(), project_id).await?) {
            return Err(ServiceError::Invalid("只能标记项目当前版本的条款".into()));
        }
        let clauses = rows::clause_rows(self.store.db(), clause.document_id).await?;
        let repeats = workflow::ordinals_among_identical(clauses.iter().map(|c| c.text.as_str()));
        let repeat = clauses.iter().position(|c| c.id == clause.id).map(|i| repeats[i]).unwrap_or(0);
        let identity = workflow::finding_identity(rows::MANUAL_RULE, &clause.text, repeat);
        let existing = rows::finding_rows(self.store.db(), clause.document_id).await?;
        if existing.iter().any(|f| f.identity.as_deref() == Some(identity.as_str())) {
            return Err(ServiceError::Invalid("该条款已由审查人员标记".into()));
        }
        let flag = ManualFlag { category, severity, note: note.clone() };
        let txn = self.store.db().begin().await.map_err(StoreError::from)?;
        let f = rows::insert_manual(&txn, &clause, repeat, &flag, &by.username, self.rulebook.version()).await?;
        let mut e = AuditEntry::new(by, "finding.flag", "finding", f.id);
        e.agency = Some(project.agency);
        e.after = Some(serde_json::json!({"clause_id": clause_id, "category": category, "severity": severity, "status": "confirmed"}));
        e.reason = Some(note);
        audit::append(&txn, e).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(f.id)
    }

    /// The findings that block approving a project: violations open or confirmed on the
    /// current version.
    pub async fn blocking_findings(&self, project_id: i64) -> Result<Vec<BlockingFinding>, ServiceError> {
        let docs = rows::versions(self.store.db(), project_id).await?;
        let mut out = Vec::new();
        // The current 采购文件 and the corrections and clarifications issued after it.
        for doc in rows::in_force(&docs) {
            let clauses: std::collections::HashMap<i32, String> =
                rows::clause_rows(self.store.db(), doc.id).await?.into_iter().map(|c| (c.ordinal, c.text)).collect();
            out.extend(rows::finding_rows(self.store.db(), doc.id).await?.into_iter().filter_map(|f| {
                let status = FindingStatus::parse(&f.status)?;
                let severity = Severity::parse(&f.severity)?;
                workflow::blocking(severity, status).then(|| BlockingFinding {
                    finding_id: f.id,
                    clause_text: clauses.get(&f.clause_ordinal).cloned().unwrap_or(f.clause_text),
                    rule_id: f.rule_id,
                    category: f.category,
                    status,
                    clause_ordinal: f.clause_ordinal,
                })
            }));
        }
        Ok(out)
    }

    /// Moves a project through its lifecycle. Approval is refused while a violation on the
    /// current version is open or confirmed ([`ServiceError::ApprovalBlocked`] lists them).
    pub async fn transition(
        &self,
        by: &Actor,
        project_id: i64,
        to: ProjectStatus,
        reason: Option<String>,
    ) -> Result<ProjectView, ServiceError> {
        let reason = bounded(reason)?;
        let _turn = self.store.write_turn().await;
        let (view, row) = self.visible_project(by, project_id).await?;
        let from = view.status;
        let needed = from.transition(to).ok_or(ServiceError::BadTransition { from, to })?;
        require(by, needed)?;
        if to == ProjectStatus::Approved || (from == ProjectStatus::Draft && to == ProjectStatus::InReview) {
            if rows::versions(self.store.db(), project_id).await?.is_empty() {
                return Err(ServiceError::Invalid("项目还没有已解析的采购文件".into()));
            }
        }
        if to == ProjectStatus::Approved {
            let blocking = self.blocking_findings(project_id).await?;
            if !blocking.is_empty() {
                return Err(ServiceError::ApprovalBlocked(blocking));
            }
        }
        if from == ProjectStatus::InReview && to == ProjectStatus::Draft && reason.is_none() {
            return Err(ServiceError::Invalid("退回修改必须填写理由".into()));
        }
        let txn = self.store.db().begin().await.map_err(StoreError::from)?;
        rows::set_project_status(&txn, row, to).await?;
        let mut e = AuditEntry::new(by, &format!("project.{}", to.as_str()), "project", project_id);
        e.agency = Some(view.agency.clone());
        e.before = Some(serde_json::json!({"status": from}));
        e.after = Some(serde_json::json!({"status": to}));
        e.reason = reason;
        audit::append(&txn, e).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(self.store.project(project_id, &crate::core::account::Scope::All).await?)
    }

    /// The clause-level difference between a document version and the previous one.
    pub async fn version_diff(&self, by: &Actor, document_id: i64) -> Result<VersionDiff, ServiceError> {
        let doc = self.store.document(document_id, &by.scope()).await?;
        let versions = rows::versions(self.store.db(), doc.project_id).await?;
        // Versions of the 采购文件 compare with the one before; an amendment with nothing.
        let previous = if doc.kind == rows::TENDER {
            versions.iter().filter(|d| d.version < doc.version && d.kind == rows::TENDER).last().cloned()
        } else {
            None
        };
        let new_rows = rows::clause_rows(self.store.db(), document_id).await?;
        let old_rows = match &previous {
            Some(p) => rows::clause_rows(self.store.db(), p.id).await?,
            None => Vec::new(),
        };
        let (old, new): (Vec<String>, Vec<String>) =
            (old_rows.iter().map(|c| c.text.clone()).collect(), new_rows.iter().map(|c| c.text.clone()).collect());
        let changes = tokio::task::spawn_blocking(move || {
            let (old, new): (Vec<&str>, Vec<&str>) = (old.iter().map(String::as_str).collect(), new.iter().map(String::as_str).collect());
            workflow::diff(&old, &new)
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))?;
        let count = |f: fn(&ClauseChange) -> bool| changes.iter().filter(|c| f(c)).count();
        let fixed_findings = match &previous {
            Some(p) => rows::finding_rows(self.store.db(), p.id)
                .await?
                .into_iter()
                .filter(|f| f.fixed_in_document_id == Some(document_id))
                .map(|f| f.id)
                .collect(),
            None => Vec::new(),
        };
        let text = |rows: &[entity::clause::Model], i: u32| rows.get(i as usize).map(|c| c.text.clone());
        Ok(VersionDiff {
            project_id: doc.project_id,
            previous_document_id: previous.as_ref().map(|p| p.id),
            previous_version: previous.as_ref().map(|p| p.version),
            document_id,
            version: doc.version,
            added: count(|c| matches!(c, ClauseChange::Added { .. })),
            removed: count(|c| matches!(c, ClauseChange::Removed { .. })),
            changed: count(|c| matches!(c, ClauseChange::Changed { .. })),
            moved: count(|c| matches!(c, ClauseChange::Moved { .. })),
            changes: changes
                .iter()
                .map(|c| {
                    let (o, n) = match *c {
                        ClauseChange::Added { new } => (None, Some(new)),
                        ClauseChange::Removed { old } => (Some(old), None),
                        ClauseChange::Changed { old, new } | ClauseChange::Moved { old, new } => (Some(old), Some(new)),
                    };
                    DiffLine {
                        change: c.clone(),
                        old_text: o.and_then(|i| text(&old_rows, i)),
                        new_text: n.and_then(|i| text(&new_rows, i)),
                    }
                })
                .collect(),
            fixed_findings,
        })
    }

    /// What was fixed in a project, when, in which version, prompted by what.
    pub async fn corrections(&self, by: &Actor, project_id: i64) -> Result<Vec<Correction>, ServiceError> {
        self.visible_project(by, project_id).await?;
        Ok(rows::corrections(self.store.db(), project_id).await?)
    }

    /// A reviewed finding as a rule-library example: confirmed and hand-flagged clauses are
    /// `hit` examples, dismissed ones `miss` examples, so reviewers' decisions flow into the
    /// rules' must-hit and must-not-hit lists (the library is data reviewed by its
    /// maintainers; this gives them the line, it does not edit the embedded library).
    pub async fn rule_example(&self, by: &Actor, finding_id: i64) -> Result<RuleExample, ServiceError> {
        require(by, Permission::Decide)?;
        let row = rows::finding_row(self.store.db(), finding_id).await?;
        self.visible_project(by, row.project_id)
            .await
            .map_err(|_| ServiceError::from(StoreError::NotFound(Missing::Finding)))?;
        let f = row.finding;
        let kind = match FindingStatus::parse(&f.status) {
            Some(FindingStatus::Dismissed) => "miss",
            Some(FindingStatus::Confirmed) => "hit",
            _ if f.manual => "hit",
            _ => return Err(ServiceError::Invalid("只有已确认、人工标记或已排除的问题可以作为规则示例".into())),
        };
        let clause = if f.clause_text.is_empty() {
            rows::clause_rows(self.store.db(), f.document_id)
                .await?
                .into_iter()
                .find(|c| c.ordinal == f.clause_ordinal)
                .map(|c| c.text)
                .unwrap_or_default()
        } else {
            f.clause_text.clone()
        };
        let library_rule = self.rulebook.rule(&f.rule_id).map(|r| r.id.clone());
        let file = match &library_rule {
            Some(id) => format!("src/core/rules/library/{}/{id}.toml", f.category),
            None => format!("src/core/rules/library/{}/", f.category),
        };
        let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
        let toml = format!("  {{ section = {}, text = {} }},", quote(&f.section_kind), quote(&clause));
        Ok(RuleExample { finding_id, rule_id: library_rule, category: f.category, kind, file, toml })
    }

    /// The clauses challenged in a project and the version that cured each.
    pub async fn challenge_cures(&self, by: &Actor, project_id: i64) -> Result<Vec<rows::ChallengeCure>, ServiceError> {
        self.visible_project(by, project_id).await?;
        Ok(rows::challenge_cures(self.store.db(), project_id).await?)
    }

    /// The history of a finding across versions: the audit events of every finding of its
    /// project with the same identity, oldest first.
    pub async fn finding_history(&self, by: &Actor, finding_id: i64) -> Result<Vec<AuditView>, ServiceError> {
        let row = rows::finding_row(self.store.db(), finding_id).await?;
        self.visible_project(by, row.project_id)
            .await
            .map_err(|_| ServiceError::from(StoreError::NotFound(Missing::Finding)))?;
        let mut ids = vec![finding_id.to_string()];
        if let Some(identity) = &row.finding.identity {
            for d in rows::versions(self.store.db(), row.project_id).await? {
                for f in rows::finding_rows(self.store.db(), d.id).await? {
                    if f.identity.as_ref() == Some(identity) && f.id != finding_id {
                        ids.push(f.id.to_string());
                    }
                }
            }
        }
        let filter = AuditFilter { object_kind: Some("finding".into()), object_ids: Some(ids), ..Default::default() };
        Ok(audit::events(self.store.db(), &filter, Page::ALL).await?.items)
    }

    /// The audit log: administrators and inspectors read all of it; reviewers the events of
    /// their agencies; officers only those of their agency's objects.
    pub async fn audit_log(&self, by: &Actor, mut filter: AuditFilter, page: Page) -> Result<Paged<AuditView>, ServiceError> {
        require(by, Permission::Audit)?;
        if let Some(agencies) = by.scope().agencies() {
            filter.agencies = Some(agencies.iter().map(|a| a.to_string()).collect());
        }
        Ok(audit::events(self.store.db(), &filter, page).await?)
    }

    /// Fills in identities of findings stored before they existed (run on start).
    pub(crate) async fn backfill_identities(&self) -> Result<usize, ServiceError> {
        let _turn = self.store.write_turn().await;
        Ok(rows::backfill_identities(self.store.db()).await?)
    }
}
