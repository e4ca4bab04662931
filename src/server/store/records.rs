//! Storage of challenge/complaint registers: the imported records (kept whole as JSON, with
//! the columns that filter or join beside them), clause links, and what the metrics need from
//! the review side (findings on linked clauses, pre-publication activity).

use crate::core::records::{
    self, Challenge, ClauseLink, Complaint, FindingStatus, ImportPlan, Known, PreStageActivity, Project,
};
use crate::server::store::{now, Missing, StoreError};
use chrono::Datelike;
use entity::{agency, challenge, challenge_clause, clause, complaint, document, finding, project, record_project};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    pub projects: usize,
    pub challenges: usize,
    pub complaints: usize,
}

/// Everything stored, as domain records.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub projects: Vec<Project>,
    pub challenges: Vec<Challenge>,
    pub complaints: Vec<Complaint>,
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

/// Loads every stored record.
pub async fn load(db: &DatabaseConnection) -> Result<Records, StoreError> {
    let mut out = Records::default();
    for m in record_project::Entity::find().all(db).await? {
        out.projects.push(serde_json::from_str(&m.payload).map_err(|e| corrupt("project", &m.project_no, e))?);
    }
    for m in challenge::Entity::find().all(db).await? {
        out.challenges.push(serde_json::from_str(&m.payload).map_err(|e| corrupt("challenge", &m.id, e))?);
    }
    for m in complaint::Entity::find().all(db).await? {
        out.complaints.push(serde_json::from_str(&m.payload).map_err(|e| corrupt("complaint", &m.id, e))?);
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

/// Writes the valid records of `plan` in one transaction. Rows whose id is already stored
/// were rejected by the validator as `AlreadyExists` and are not in the plan, so re-importing
/// the same file writes nothing.
pub async fn write(db: &DatabaseConnection, plan: &ImportPlan) -> Result<ImportSummary, StoreError> {
    let txn = db.begin().await?;
    let at = now();
    for p in &plan.projects {
        record_project::ActiveModel {
            project_no: Set(p.project_no.as_str().to_string()),
            agency: Set(p.agency.clone().unwrap_or_default()),
            purchaser: Set(p.purchaser.clone()),
            method: Set(slug(&p.method)),
            publish_date: Set(p.publish_date),
            payload: Set(payload(p)),
            imported_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    for c in &plan.challenges {
        challenge::ActiveModel {
            id: Set(c.id.as_str().to_string()),
            project_no: Set(c.project_no.as_str().to_string()),
            received_date: Set(c.received_date),
            category: Set(c.category.as_str().to_string()),
            outcome: Set(slug(&c.outcome)),
            payload: Set(payload(c)),
            imported_at: Set(at),
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
    Ok(ImportSummary { projects: plan.projects.len(), challenges: plan.challenges.len(), complaints: plan.complaints.len() })
}

/// Links a challenge to a clause of a stored document (idempotent).
pub async fn link_clause(db: &DatabaseConnection, challenge_id: &str, clause_id: i64) -> Result<(), StoreError> {
    challenge::Entity::find_by_id(challenge_id.to_string()).one(db).await?.ok_or(StoreError::NotFound(Missing::Challenge))?;
    clause::Entity::find_by_id(clause_id).one(db).await?.ok_or(StoreError::NotFound(Missing::Clause))?;
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
        } else if statuses.iter().any(|s| s == "open" || s == "fixed") {
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
    for d in document::Entity::find().filter(document::Column::Status.eq("parsed")).all(db).await? {
        if !seen.insert(d.id) {
            continue;
        }
        let p = projects.get(&d.project_id);
        out.push(PreStageActivity {
            date: d.uploaded_at.date_naive().with_day(1).unwrap_or(d.uploaded_at.date_naive()),
            agency: p.and_then(|p| agencies.get(&p.agency_id).cloned()),
            purchaser: p.map(|p| p.purchaser.clone()).filter(|s| !s.is_empty()),
            method: p.and_then(|p| records::Method::parse(&p.method).ok()),
            category: None,
            documents_checked: 1,
            findings_raised: raised.get(&d.id).copied().unwrap_or(0),
            findings_fixed: fixed.get(&d.id).copied().unwrap_or(0),
        });
    }
    Ok(out)
}
