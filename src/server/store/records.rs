//! Storage of challenge/complaint registers: the imported records (kept whole as JSON, with
//! the columns that filter or join beside them), clause links, and what the metrics need from
//! the review side (findings on linked clauses, pre-publication activity).

use crate::core::records::{
    self, Challenge, ClauseLink, Complaint, FindingStatus, ImportPlan, Known, PreStageActivity, Project,
};
use crate::server::store::{agency_id, now, Missing, StoreError};
use chrono::Datelike;
use entity::{agency, challenge, challenge_clause, clause, complaint, document, finding, project, record_project};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportSummary {
    pub projects: usize,
    pub challenges: usize,
    pub complaints: usize,
    /// Ids of projects that existed (created to upload documents to) and received their
    /// register row: their documents are indexed again, since the project's year may have come
    /// with it.
    #[serde(skip)]
    pub matched_projects: Vec<i64>,
}

/// Everything stored, as domain records.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub projects: Vec<Project>,
    pub challenges: Vec<Challenge>,
    pub complaints: Vec<Complaint>,
}

impl Records {
    /// Only the records of projects `agency` owns (see `Project::owner`), their challenges and the
    /// complaints that followed them.
    pub fn of_agencies(self, agencies: &[&str]) -> Records {
        let projects: Vec<Project> = self.projects.into_iter().filter(|p| agencies.contains(&p.owner())).collect();
        let numbers: HashSet<&str> = projects.iter().map(|p| p.project_no.as_str()).collect();
        let challenges: Vec<Challenge> =
            self.challenges.into_iter().filter(|c| numbers.contains(c.project_no.as_str())).collect();
        let ids: HashSet<&str> = challenges.iter().map(|c| c.id.as_str()).collect();
        let complaints = self.complaints.into_iter().filter(|c| ids.contains(c.challenge_id.as_str())).collect();
        Records { projects, challenges, complaints }
    }
}

fn slug<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn payload<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

fn corrupt(what: &'static str, id: &str, source: serde_json::Error) -> StoreError {
    StoreError::Corrupt { what, id: id.to_string(), source }
}

/// Loads every stored register record: the projects a register lists (their register row),
/// the challenges and the complaints.
pub async fn load(db: &DatabaseConnection) -> Result<Records, StoreError> {
    let mut out = Records::default();
    for m in project::Entity::find().filter(project::Column::Register.is_not_null()).all(db).await? {
        let row = m.register.as_deref().unwrap_or_default();
        out.projects.push(serde_json::from_str(row).map_err(|e| corrupt("project", &m.project_no, e))?);
    }
    for m in challenge::Entity::find().all(db).await? {
        out.challenges.push(serde_json::from_str(&m.payload).map_err(|e| corrupt("challenge", &m.id, e))?);
    }
    for m in complaint::Entity::find().all(db).await? {
        out.complaints.push(serde_json::from_str(&m.payload).map_err(|e| corrupt("complaint", &m.id, e))?);
    }
    Ok(out)
}

/// Projects no register lists but that have a publication date, as register projects, so the
/// metrics count every published project once, however it entered the system. Projects with
/// a method outside the vocabulary are skipped (they cannot be grouped by method).
pub async fn published_projects(db: &DatabaseConnection) -> Result<Vec<Project>, StoreError> {
    let rows = project::Entity::find()
        .filter(project::Column::Register.is_null())
        .filter(project::Column::PublishDate.is_not_null())
        .find_also_related(agency::Entity)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (p, a) in rows {
        let (Some(publish_date), Some(method), Ok(project_no)) =
            (p.publish_date, records::Method::parse(&p.method), records::ProjectNo::parse(&p.project_no))
        else {
            continue;
        };
        out.push(Project {
            project_no,
            name: p.name,
            purchaser: p.purchaser,
            agency: a.map(|a| a.name),
            method,
            budget: records::Fen(p.budget_fen),
            publish_date,
            contract_date: None,
        });
    }
    Ok(out)
}

/// The stored records as the import validator's "already known" set (with details, so
/// complaints against stored challenges are still checked against their dates).
pub fn known(records: &Records) -> Known {
    let mut k = Known::new();
    for p in &records.projects {
        k.add_project(p.clone());
    }
    for c in &records.challenges {
        k.add_challenge(c.clone());
    }
    for c in &records.complaints {
        k.add_complaint_id(c.id.clone());
    }
    k
}


/// Writes the valid records of `plan` in one transaction. A register project is matched by
/// 项目编号 within its agency: an existing project (created to upload documents to) receives
/// the register row, otherwise the project is created. Each challenge points at its project.
/// Rows whose id is already stored were rejected by the validator as `AlreadyExists` and are
/// not in the plan, so re-importing the same file writes nothing.
pub async fn write(db: &DatabaseConnection, plan: &ImportPlan) -> Result<ImportSummary, StoreError> {
    write_all(db, plan).await.map_err(|e| match e {
        // Two imports of the same rows at once (PostgreSQL, or two processes): the loser's
        // whole batch is rolled back and it can simply be re-run.
        StoreError::Db(db) if super::is_unique_violation(&db) => StoreError::ConcurrentWrite,
        other => other,
    })
}

async fn write_all(db: &DatabaseConnection, plan: &ImportPlan) -> Result<ImportSummary, StoreError> {
    let txn = db.begin().await?;
    let at = now();
    let mut project_ids: HashMap<&str, i64> = HashMap::new();
    let mut matched_projects = Vec::new();
    for p in &plan.projects {
        let agency_id = agency_id(&txn, p.owner()).await?;
        let existing = project::Entity::find()
            .filter(project::Column::AgencyId.eq(agency_id))
            .filter(project::Column::ProjectNo.eq(p.project_no.as_str()))
            .one(&txn)
            .await?;
        let id = match existing {
            Some(m) => {
                let publish_date = m.publish_date.or(Some(p.publish_date));
                // Listed by a challenge register: its notice was out, whatever the workflow
                // had recorded (e.g. a project run before it used the review).
                let public = crate::core::workflow::ProjectStatus::parse(&m.status).is_some_and(|s| s.is_public());
                let mut row: project::ActiveModel = m.into();
                if !public {
                    row.status = Set(crate::core::workflow::ProjectStatus::Published.as_str().to_string());
                }
                row.register = Set(Some(payload(p)));
                row.registered_at = Set(Some(at));
                row.publish_date = Set(publish_date);
                let id = row.update(&txn).await?.id;
                matched_projects.push(id);
                id
            }
            None => {
                project::ActiveModel {
                    agency_id: Set(agency_id),
                    project_no: Set(p.project_no.as_str().to_string()),
                    name: Set(p.name.clone()),
                    purchaser: Set(p.purchaser.clone()),
                    method: Set(p.method.label_zh().to_string()),
                    // Registers do not say whether goods, services or works were bought.
                    procurement_type: Set(String::new()),
                    budget_fen: Set(p.budget.0),
                    publish_date: Set(Some(p.publish_date)),
                    deadline: Set(None),
                    created_at: Set(at),
                    register: Set(Some(payload(p))),
                    registered_at: Set(Some(at)),
                    // A register lists projects whose notice was out (a supplier challenged it).
                    status: Set(crate::core::workflow::ProjectStatus::Published.as_str().to_string()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };
        // The key challenge.project_no refers to (see entity::record_project).
        record_project::ActiveModel {
            project_no: Set(p.project_no.as_str().to_string()),
            agency: Set(p.agency.clone().unwrap_or_default()),
            purchaser: Set(p.purchaser.clone()),
            method: Set(slug(&p.method)),
            publish_date: Set(p.publish_date),
            payload: Set("{}".into()),
            imported_at: Set(at),
        }
        .insert(&txn)
        .await?;
        project_ids.insert(p.project_no.as_str(), id);
    }
    for c in &plan.challenges {
        let project_id = match project_ids.get(c.project_no.as_str()) {
            Some(id) => Some(*id),
            None => project::Entity::find()
                .filter(project::Column::Register.is_not_null())
                .filter(project::Column::ProjectNo.eq(c.project_no.as_str()))
                .one(&txn)
                .await?
                .map(|p| p.id),
        };
        challenge::ActiveModel {
            id: Set(c.id.as_str().to_string()),
            project_no: Set(c.project_no.as_str().to_string()),
            received_date: Set(c.received_date),
            category: Set(c.category.as_str().to_string()),
            outcome: Set(slug(&c.outcome)),
            payload: Set(payload(c)),
            imported_at: Set(at),
            project_id: Set(project_id),
        }
        .insert(&txn)
        .await?;
    }
    for c in &plan.complaints {
        complaint::ActiveModel {
            id: Set(c.id.as_str().to_string()),
            challenge_id: Set(c.challenge_id.as_str().to_string()),
            filed_date: Set(c.filed_date),
            outcome: Set(slug(&c.outcome)),
            payload: Set(payload(c)),
            imported_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(ImportSummary {
        projects: plan.projects.len(),
        challenges: plan.challenges.len(),
        complaints: plan.complaints.len(),
        matched_projects,
    })
}

/// The challenges against project `project_id` and the complaints that followed them.
pub async fn of_project(db: &DatabaseConnection, project_id: i64) -> Result<(Vec<Challenge>, Vec<Complaint>), StoreError> {
    let mut challenges = Vec::new();
    let mut ids = Vec::new();
    for m in challenge::Entity::find().filter(challenge::Column::ProjectId.eq(project_id)).all(db).await? {
        challenges.push(serde_json::from_str::<Challenge>(&m.payload).map_err(|e| corrupt("challenge", &m.id, e))?);
        ids.push(m.id);
    }
    let mut complaints = Vec::new();
    if !ids.is_empty() {
        for m in complaint::Entity::find().filter(complaint::Column::ChallengeId.is_in(ids)).all(db).await? {
            complaints.push(serde_json::from_str::<Complaint>(&m.payload).map_err(|e| corrupt("complaint", &m.id, e))?);
        }
    }
    challenges.sort_by(|a, b| (a.received_date, a.id.as_str()).cmp(&(b.received_date, b.id.as_str())));
    complaints.sort_by(|a, b| (a.filed_date, a.id.as_str()).cmp(&(b.filed_date, b.id.as_str())));
    Ok((challenges, complaints))
}

/// The project a stored challenge is about, if the challenge exists and is linked to one.
pub async fn challenge_project(db: &DatabaseConnection, challenge_id: &str) -> Result<Option<i64>, StoreError> {
    Ok(challenge::Entity::find_by_id(challenge_id.to_string()).one(db).await?.and_then(|c| c.project_id))
}

/// The stored challenge `id`.
pub async fn challenge(conn: &impl sea_orm::ConnectionTrait, id: &str) -> Result<Option<Challenge>, StoreError> {
    match challenge::Entity::find_by_id(id.to_string()).one(conn).await? {
        Some(m) => Ok(Some(serde_json::from_str(&m.payload).map_err(|e| corrupt("challenge", &m.id, e))?)),
        None => Ok(None),
    }
}

/// Writes a challenge's reply, outcome and corrective action (the record and its columns).
pub async fn update_challenge(conn: &impl sea_orm::ConnectionTrait, c: &Challenge) -> Result<(), StoreError> {
    let m = challenge::Entity::find_by_id(c.id.as_str().to_string()).one(conn).await?.ok_or(StoreError::NotFound(Missing::Challenge))?;
    let mut row: challenge::ActiveModel = m.into();
    row.outcome = Set(slug(&c.outcome));
    row.payload = Set(payload(c));
    row.update(conn).await?;
    Ok(())
}

/// Links a challenge to a clause of a stored document (idempotent). The clause must come
/// from a document version of the challenged project, so that a link always names the
/// version whose text was challenged.
pub async fn link_clause(db: &DatabaseConnection, challenge_id: &str, clause_id: i64) -> Result<(), StoreError> {
    let challenge =
        challenge::Entity::find_by_id(challenge_id.to_string()).one(db).await?.ok_or(StoreError::NotFound(Missing::Challenge))?;
    let clause = clause::Entity::find_by_id(clause_id).one(db).await?.ok_or(StoreError::NotFound(Missing::Clause))?;
    let document = document::Entity::find_by_id(clause.document_id).one(db).await?.ok_or(StoreError::NotFound(Missing::Document))?;
    if challenge.project_id.is_some_and(|p| p != document.project_id) {
        return Err(StoreError::ClauseOutsideProject { challenge: challenge.id, clause: clause_id });
    }
    let exists = challenge_clause::Entity::find()
        .filter(challenge_clause::Column::ChallengeId.eq(challenge_id))
        .filter(challenge_clause::Column::ClauseId.eq(clause_id))
        .one(db)
        .await?;
    if exists.is_none() {
        challenge_clause::ActiveModel {
            challenge_id: Set(challenge_id.to_string()),
            clause_id: Set(clause_id),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Every challenge→clause link with the review status of the checker's finding on that clause
/// (`None` when the rules did not flag it; the most severe status when several findings).
pub async fn links(db: &DatabaseConnection) -> Result<Vec<ClauseLink>, StoreError> {
    let rows = challenge_clause::Entity::find().all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for l in rows {
        let Some(c) = clause::Entity::find_by_id(l.clause_id).one(db).await? else { continue };
        let statuses: Vec<String> = finding::Entity::find()
            .filter(finding::Column::DocumentId.eq(c.document_id))
            .filter(finding::Column::ClauseOrdinal.eq(c.ordinal))
            .select_only()
            .column(finding::Column::Status)
            .into_tuple()
            .all(db)
            .await?;
        let finding = if statuses.is_empty() {
            None
        } else if statuses.iter().any(|s| s == "open" || s == "confirmed" || s == "fixed") {
            Some(FindingStatus::Open)
        } else if statuses.iter().any(|s| s == "accepted") {
            Some(FindingStatus::Accepted)
        } else {
            Some(FindingStatus::Dismissed)
        };
        let Ok(challenge_id) = records::ChallengeId::parse(&l.challenge_id) else { continue };
        out.push(ClauseLink { challenge_id, clause_id: l.clause_id.to_string(), finding });
    }
    Ok(out)
}

/// Pre-publication activity per document: one document checked, its findings raised and
/// fixed, dated by upload, attributed to the project's agency and purchaser.
pub async fn pre_stage(db: &DatabaseConnection) -> Result<Vec<PreStageActivity>, StoreError> {
    let agencies: HashMap<i64, String> = agency::Entity::find().all(db).await?.into_iter().map(|a| (a.id, a.name)).collect();
    let projects: HashMap<i64, project::Model> = project::Entity::find().all(db).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut raised: HashMap<i64, u64> = HashMap::new();
    let mut fixed: HashMap<i64, u64> = HashMap::new();
    let statuses: Vec<(i64, String)> = finding::Entity::find()
        .select_only()
        .column(finding::Column::DocumentId)
        .column(finding::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (doc, status) in statuses {
        *raised.entry(doc).or_default() += 1;
        if status == "fixed" {
            *fixed.entry(doc).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for d in document::Entity::find().filter(document::Column::Status.eq(crate::core::vocab::DocumentStatus::Parsed.as_str())).all(db).await? {
        if !seen.insert(d.id) {
            continue;
        }
        let p = projects.get(&d.project_id);
        out.push(PreStageActivity {
            date: d.uploaded_at.date_naive().with_day(1).unwrap_or(d.uploaded_at.date_naive()),
            agency: p.and_then(|p| agencies.get(&p.agency_id).cloned()),
            purchaser: p.map(|p| p.purchaser.clone()).filter(|s| !s.is_empty()),
            method: p.and_then(|p| records::Method::parse(&p.method)),
            category: None,
            documents_checked: 1,
            findings_raised: raised.get(&d.id).copied().unwrap_or(0),
            findings_fixed: fixed.get(&d.id).copied().unwrap_or(0),
        });
    }
    Ok(out)
}
