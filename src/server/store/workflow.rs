//! The workflow's rows: a project's lifecycle status, a finding's decision, manual findings,
//! the carrying of decisions from one version to the next, and identities of old rows.

use super::{now, StoreError};
use crate::core::finding::{Category, Severity};
use crate::core::workflow::{self, FindingStatus, ProjectStatus};
use chrono::{DateTime, Utc};
use entity::{clause, document, finding, project};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;

/// A finding row with the ids needed to authorise a decision on it.
pub struct FindingRow {
    pub finding: finding::Model,
    pub project_id: i64,
}

/// A finding with its document's project.
pub async fn finding_row(db: &DatabaseConnection, id: i64) -> Result<FindingRow, StoreError> {
    let f = finding::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Finding))?;
    let d = document::Entity::find_by_id(f.document_id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Finding))?;
    Ok(FindingRow { finding: f, project_id: d.project_id })
}

/// Records a decision on a finding.
pub async fn set_decision(
    conn: &impl ConnectionTrait,
    f: finding::Model,
    status: FindingStatus,
    dismissal_request: Option<String>,
    by: &str,
    reason: Option<String>,
) -> Result<finding::Model, StoreError> {
    let mut row: finding::ActiveModel = f.into();
    row.status = Set(status.as_str().to_string());
    row.dismissal_request = Set(dismissal_request);
    row.decided_by = Set(Some(by.to_string()));
    row.decided_at = Set(Some(now()));
    row.reason = Set(reason);
    Ok(row.update(conn).await?)
}

/// The clause row by id, with its document's project.
pub async fn clause_row(db: &DatabaseConnection, id: i64) -> Result<(clause::Model, i64), StoreError> {
    let c = clause::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Clause))?;
    let d = document::Entity::find_by_id(c.document_id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Clause))?;
    Ok((c, d.project_id))
}

/// A reviewer's flag on a clause.
pub struct ManualFlag {
    pub category: Category,
    pub severity: Severity,
    pub note: String,
}

/// The rule id manual findings carry.
pub const MANUAL_RULE: &str = "manual";

/// Inserts a manual finding on a clause, confirmed by whoever flagged it.
pub async fn insert_manual(
    conn: &impl ConnectionTrait,
    c: &clause::Model,
    repeat: u32,
    flag: &ManualFlag,
    by: &str,
    rulebook_version: &str,
) -> Result<finding::Model, StoreError> {
    let quote: String = c.text.chars().take(200).collect();
    Ok(finding::ActiveModel {
        document_id: Set(c.document_id),
        clause_ordinal: Set(c.ordinal),
        rulebook_version: Set(rulebook_version.to_string()),
        rule_id: Set(MANUAL_RULE.to_string()),
        category: Set(flag.category.as_str().to_string()),
        severity: Set(flag.severity.as_str().to_string()),
        stage: Set(crate::core::finding::Stage::Pre.as_str().to_string()),
        page: Set(c.page),
        section: Set(c.section.clone()),
        section_kind: Set(c.section_kind.clone()),
        start_offset: Set(c.start_offset),
        end_offset: Set(c.start_offset + quote.chars().count() as i64),
        quote: Set(quote),
        clause_text: Set(c.text.clone()),
        message: Set(format!("审查人员标记：{}", flag.note)),
        basis: Set("[]".into()),
        suggestion: Set(String::new()),
        status: Set(FindingStatus::Confirmed.as_str().to_string()),
        created_at: Set(now()),
        // Full copies like pre-compaction rows: there is no rule text to point at.
        note: Set(None),
        identity: Set(Some(workflow::finding_identity(MANUAL_RULE, &c.text, repeat))),
        dismissal_request: Set(None),
        decided_by: Set(Some(by.to_string())),
        decided_at: Set(Some(now())),
        reason: Set(Some(flag.note.clone())),
        manual: Set(true),
        fixed_in_document_id: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Sets a project's lifecycle status.
pub async fn set_project_status(conn: &impl ConnectionTrait, p: project::Model, to: ProjectStatus) -> Result<(), StoreError> {
    // Publishing dates the notice (the start of the challenge window and of the metrics' year)
    // unless the project already carries the date it was published on.
    let publish_date = p.publish_date.or_else(|| (to == ProjectStatus::Published).then(|| chrono::Utc::now().date_naive()));
    let mut row: project::ActiveModel = p.into();
    row.status = Set(to.as_str().to_string());
    row.publish_date = Set(publish_date);
    row.update(conn).await?;
    Ok(())
}

/// Sets a project's bid (response) deadline.
pub async fn set_deadline(conn: &impl ConnectionTrait, p: project::Model, deadline: DateTime<Utc>) -> Result<(), StoreError> {
    let mut row: project::ActiveModel = p.into();
    row.deadline = Set(Some(deadline));
    row.update(conn).await?;
    Ok(())
}

/// The project row.
pub async fn project_row(db: &DatabaseConnection, id: i64) -> Result<project::Model, StoreError> {
    project::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Project))
}

/// The parsed versions of a project, oldest first.
pub async fn versions(db: &impl ConnectionTrait, project_id: i64) -> Result<Vec<document::Model>, StoreError> {
    Ok(document::Entity::find()
        .filter(document::Column::ProjectId.eq(project_id))
        .filter(document::Column::Status.eq(crate::core::vocab::DocumentStatus::Parsed.as_str()))
        .order_by_asc(document::Column::Version)
        .all(db)
        .await?)
}

/// The kind slug of full document versions (采购文件); corrections and clarifications amend a
/// version without replacing it.
pub const TENDER: &str = "tender";

/// The current version among a project's parsed documents: the latest 采购文件.
pub fn current_tender(docs: &[document::Model]) -> Option<&document::Model> {
    docs.iter().filter(|d| d.kind == TENDER).last()
}

/// Whether `doc` was replaced by a later 采购文件 (its findings are history, not for decisions).
pub fn superseded(doc_id: i64, docs: &[document::Model]) -> bool {
    let current = current_tender(docs);
    docs.iter().find(|d| d.id == doc_id).is_some_and(|d| d.kind == TENDER && current.is_some_and(|c| c.id != d.id))
}

/// The documents whose findings count now: the current 采购文件 and the amendments after it.
pub fn in_force(docs: &[document::Model]) -> Vec<&document::Model> {
    let from = current_tender(docs).map(|c| c.version).unwrap_or(0);
    docs.iter().filter(|d| d.version >= from && (d.kind != TENDER || Some(d.id) == current_tender(docs).map(|c| c.id))).collect()
}

/// The finding rows of a document.
pub async fn finding_rows(db: &impl ConnectionTrait, document_id: i64) -> Result<Vec<finding::Model>, StoreError> {
    Ok(finding::Entity::find()
        .filter(finding::Column::DocumentId.eq(document_id))
        .order_by_asc(finding::Column::Id)
        .all(db)
        .await?)
}

/// The clause texts of a document in order.
pub async fn clause_rows(db: &impl ConnectionTrait, document_id: i64) -> Result<Vec<clause::Model>, StoreError> {
    Ok(clause::Entity::find()
        .filter(clause::Column::DocumentId.eq(document_id))
        .order_by_asc(clause::Column::Ordinal)
        .all(db)
        .await?)
}

/// What carrying decisions to a new version did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CarryOver {
    /// Findings of the previous version whose identity is gone: now fixed.
    pub fixed: Vec<i64>,
    /// Findings of the new version that kept a decision of the previous one.
    pub carried: Vec<i64>,
    /// Manual findings copied to the new version (their clause is still there).
    pub manual_copied: Vec<i64>,
}

/// Carries the review from `old` (the previous version) to `new`: a finding of `new` whose
/// identity `old` had keeps that finding's status, request, decision and reason; a manual
/// finding whose clause is still there is copied; a finding of `old` whose identity `new`
/// lacks becomes fixed (in `new`). Dismissed findings that disappear stay dismissed.
pub async fn carry_over(
    conn: &impl ConnectionTrait,
    old: &document::Model,
    new: &document::Model,
    by: &str,
) -> Result<CarryOver, StoreError> {
    let mut out = CarryOver::default();
    let old_rows = finding_rows(conn, old.id).await?;
    let new_rows = finding_rows(conn, new.id).await?;
    let new_ids: HashMap<String, finding::Model> =
        new_rows.into_iter().filter_map(|f| f.identity.clone().map(|i| (i, f))).collect();
    // Manual findings follow their clause (rule "manual" + the clause's identity).
    let new_clauses = clause_rows(conn, new.id).await?;
    let repeats = workflow::ordinals_among_identical(new_clauses.iter().map(|c| c.text.as_str()));
    let clause_by_identity: HashMap<String, (usize, &clause::Model)> = new_clauses
        .iter()
        .enumerate()
        .map(|(i, c)| (workflow::finding_identity(MANUAL_RULE, &c.text, repeats[i]), (i, c)))
        .collect();
    let mut present: std::collections::HashSet<String> = new_ids.keys().cloned().collect();
    for f in old_rows {
        let Some(identity) = f.identity.clone() else { continue };
        let status = FindingStatus::parse(&f.status).unwrap_or(FindingStatus::Open);
        if status == FindingStatus::Fixed {
            continue;
        }
        if let Some(n) = new_ids.get(&identity) {
            if status != FindingStatus::Open || f.dismissal_request.is_some() {
                let mut row: finding::ActiveModel = n.clone().into();
                row.status = Set(f.status.clone());
                row.dismissal_request = Set(f.dismissal_request.clone());
                row.decided_by = Set(f.decided_by.clone());
                row.decided_at = Set(f.decided_at);
                row.reason = Set(f.reason.clone());
                row.update(conn).await?;
                out.carried.push(n.id);
            }
            continue;
        }
        if f.manual {
            if let Some((i, c)) = clause_by_identity.get(&identity) {
                let flag = ManualFlag {
                    category: Category::parse(&f.category).unwrap_or(Category::Other),
                    severity: Severity::parse(&f.severity).unwrap_or(Severity::Warning),
                    note: f.reason.clone().unwrap_or_default(),
                };
                let decided_by = f.decided_by.clone().unwrap_or_else(|| by.to_string());
                let copy = insert_manual(conn, c, repeats[*i], &flag, &decided_by, &f.rulebook_version).await?;
                let mut row: finding::ActiveModel = copy.into();
                row.status = Set(f.status.clone());
                row.decided_at = Set(f.decided_at);
                let copy = row.update(conn).await?;
                present.insert(identity);
                out.manual_copied.push(copy.id);
                continue;
            }
        }
        if status == FindingStatus::Dismissed {
            continue;
        }
        let mut row: finding::ActiveModel = f.into();
        row.status = Set(FindingStatus::Fixed.as_str().to_string());
        row.fixed_in_document_id = Set(Some(new.id));
        row.decided_by = Set(Some(by.to_string()));
        row.decided_at = Set(Some(now()));
        let fixed = row.update(conn).await?;
        out.fixed.push(fixed.id);
    }
    Ok(out)
}

/// Fills in the identity of findings stored before identities existed. Returns how many.
pub async fn backfill_identities(db: &DatabaseConnection) -> Result<usize, StoreError> {
    let missing = finding::Entity::find().filter(finding::Column::Identity.is_null()).all(db).await?;
    let mut by_doc: HashMap<i64, Vec<finding::Model>> = HashMap::new();
    for f in missing {
        by_doc.entry(f.document_id).or_default().push(f);
    }
    let mut n = 0;
    for (doc, rows) in by_doc {
        let clauses = clause_rows(db, doc).await?;
        let repeats = workflow::ordinals_among_identical(clauses.iter().map(|c| c.text.as_str()));
        let by_ordinal: HashMap<i32, usize> = clauses.iter().enumerate().map(|(i, c)| (c.ordinal, i)).collect();
        for f in rows {
            let Some(&i) = by_ordinal.get(&f.clause_ordinal) else { continue };
            let identity = workflow::finding_identity(&f.rule_id, &clauses[i].text, repeats[i]);
            let mut row: finding::ActiveModel = f.into();
            row.identity = Set(Some(identity));
            row.update(db).await?;
            n += 1;
        }
    }
    Ok(n)
}

/// A fixed finding as the corrections view lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Correction {
    pub finding_id: i64,
    pub rule_id: String,
    pub category: String,
    pub severity: String,
    /// The version that had it and the version that no longer has it.
    pub found_in_version: i32,
    pub fixed_in_version: Option<i32>,
    pub fixed_at: Option<DateTime<Utc>>,
    pub fixed_by: Option<String>,
    pub clause_text: String,
    /// What prompted the fix: `review` (a reviewer confirmed it), `challenge` (a supplier's
    /// challenge targeted its clause), `checker` (the officer fixed it before any decision).
    pub prompted_by: Vec<String>,
}

/// The fixed findings of a project, oldest version first.
pub async fn corrections(db: &DatabaseConnection, project_id: i64) -> Result<Vec<Correction>, StoreError> {
    let docs = versions(db, project_id).await?;
    let version_of: HashMap<i64, i32> = docs.iter().map(|d| (d.id, d.version)).collect();
    // Every finding row of the project by identity: a decision made on an earlier version
    // counts for the row that was finally fixed.
    let mut by_identity: HashMap<String, Vec<String>> = HashMap::new();
    for d in &docs {
        for f in finding_rows(db, d.id).await? {
            if let Some(i) = f.identity {
                by_identity.entry(i).or_default().push(f.id.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for d in &docs {
        let clauses: HashMap<i32, clause::Model> = clause_rows(db, d.id).await?.into_iter().map(|c| (c.ordinal, c)).collect();
        for f in finding_rows(db, d.id).await? {
            if f.status != FindingStatus::Fixed.as_str() {
                continue;
            }
            let clause = clauses.get(&f.clause_ordinal);
            let mut prompted_by = Vec::new();
            let related = f.identity.as_ref().and_then(|i| by_identity.get(i)).cloned().unwrap_or_else(|| vec![f.id.to_string()]);
            if audit_says_confirmed(db, related).await? {
                prompted_by.push("review".to_string());
            }
            if let Some(c) = clause {
                let linked = entity::challenge_clause::Entity::find()
                    .filter(entity::challenge_clause::Column::ClauseId.eq(c.id))
                    .one(db)
                    .await?;
                if linked.is_some() {
                    prompted_by.push("challenge".to_string());
                }
            }
            if prompted_by.is_empty() {
                prompted_by.push("checker".to_string());
            }
            out.push(Correction {
                finding_id: f.id,
                rule_id: f.rule_id,
                category: f.category,
                severity: f.severity,
                found_in_version: d.version,
                fixed_in_version: f.fixed_in_document_id.and_then(|id| version_of.get(&id).copied()),
                fixed_at: f.decided_at,
                fixed_by: f.decided_by,
                clause_text: clause.map(|c| c.text.clone()).unwrap_or(f.clause_text),
                prompted_by,
            });
        }
    }
    Ok(out)
}

/// Whether the audit log shows a reviewer confirming (or flagging) one of these findings.
async fn audit_says_confirmed(db: &DatabaseConnection, finding_ids: Vec<String>) -> Result<bool, StoreError> {
    let hit = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::ObjectKind.eq("finding"))
        .filter(entity::audit_event::Column::ObjectId.is_in(finding_ids))
        .filter(entity::audit_event::Column::Action.is_in(["finding.confirm", "finding.flag"]))
        .one(db)
        .await?;
    Ok(hit.is_some())
}

/// The precedents a new upload of `agency`'s project `exclude_project` is compared with: the
/// most recent `limit` findings a reviewer confirmed or flagged by hand, from public projects
/// of any agency or from the agency's own (drafts of other agencies stay confidential), never
/// from the same project (its own decisions follow their clauses by identity).
pub async fn precedents(
    db: &DatabaseConnection,
    agency: &str,
    exclude_project: i64,
    limit: u64,
) -> Result<Vec<crate::core::precedent::Precedent>, StoreError> {
    use sea_orm::{Condition, QuerySelect};
    let rows = finding::Entity::find()
        .filter(
            Condition::any()
                .add(finding::Column::Status.eq(FindingStatus::Confirmed.as_str()))
                .add(finding::Column::Manual.eq(true)),
        )
        .order_by_desc(finding::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let doc_ids: Vec<i64> = rows.iter().map(|f| f.document_id).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let docs: HashMap<i64, document::Model> =
        document::Entity::find().filter(document::Column::Id.is_in(doc_ids)).all(db).await?.into_iter().map(|d| (d.id, d)).collect();
    let project_ids: Vec<i64> = docs.values().map(|d| d.project_id).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let projects: HashMap<i64, (project::Model, Option<entity::agency::Model>)> = project::Entity::find()
        .find_also_related(entity::agency::Entity)
        .filter(project::Column::Id.is_in(project_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|(p, a)| (p.id, (p, a)))
        .collect();
    let mut out = Vec::new();
    for f in rows {
        let Some(d) = docs.get(&f.document_id) else { continue };
        let Some((p, a)) = projects.get(&d.project_id) else { continue };
        let own = a.as_ref().is_some_and(|a| a.name == agency);
        let public = ProjectStatus::parse(&p.status).is_some_and(ProjectStatus::is_public);
        if p.id == exclude_project || !(own || public) {
            continue;
        }
        let clause = if f.clause_text.is_empty() {
            match clause::Entity::find()
                .filter(clause::Column::DocumentId.eq(f.document_id))
                .filter(clause::Column::Ordinal.eq(f.clause_ordinal))
                .one(db)
                .await?
            {
                Some(c) => c.text,
                None => continue,
            }
        } else {
            f.clause_text.clone()
        };
        let (Some(category), Some(status)) = (Category::parse(&f.category), FindingStatus::parse(&f.status)) else { continue };
        out.push(crate::core::precedent::Precedent {
            finding_id: f.id,
            clause,
            category,
            status,
            reviewer: f.decided_by.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A clause a challenge targets and the later version of the 采购文件 that no longer has it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChallengeCure {
    pub challenge_id: String,
    /// 成立, 部分成立, 不成立, … as the register records it (slug).
    pub outcome: String,
    pub clause_id: i64,
    pub document_id: i64,
    pub version: i32,
    pub clause_text: String,
    /// The first later 采购文件 version without the clause (numbering and spacing ignored);
    /// `None` while every later version still has it.
    pub cured_in_document_id: Option<i64>,
    pub cured_in_version: Option<i32>,
}

/// For each clause a challenge against the project targets, the version that cured it.
pub async fn challenge_cures(db: &DatabaseConnection, project_id: i64) -> Result<Vec<ChallengeCure>, StoreError> {
    use entity::{challenge, challenge_clause};
    let challenges: HashMap<String, String> = challenge::Entity::find()
        .filter(challenge::Column::ProjectId.eq(project_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.outcome))
        .collect();
    if challenges.is_empty() {
        return Ok(Vec::new());
    }
    let docs = versions(db, project_id).await?;
    let mut keys: HashMap<i64, std::collections::HashSet<String>> = HashMap::new();
    for d in docs.iter().filter(|d| d.kind == TENDER) {
        keys.insert(d.id, clause_rows(db, d.id).await?.iter().map(|c| workflow::clause_key(&c.text)).collect());
    }
    let links = challenge_clause::Entity::find()
        .filter(challenge_clause::Column::ChallengeId.is_in(challenges.keys().cloned().collect::<Vec<_>>()))
        .order_by_asc(challenge_clause::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for l in links {
        let Some(c) = clause::Entity::find_by_id(l.clause_id).one(db).await? else { continue };
        let Some(doc) = docs.iter().find(|d| d.id == c.document_id) else { continue };
        let key = workflow::clause_key(&c.text);
        let cure = docs
            .iter()
            .filter(|d| d.kind == TENDER && d.version > doc.version)
            .find(|d| keys.get(&d.id).is_some_and(|k| !k.contains(&key)));
        out.push(ChallengeCure {
            outcome: challenges.get(&l.challenge_id).cloned().unwrap_or_default(),
            challenge_id: l.challenge_id,
            clause_id: c.id,
            document_id: doc.id,
            version: doc.version,
            clause_text: c.text,
            cured_in_document_id: cure.map(|d| d.id),
            cured_in_version: cure.map(|d| d.version),
        });
    }
    Ok(out)
}
