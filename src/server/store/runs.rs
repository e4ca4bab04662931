//! Corpus runs and their hits in the database.

use super::{now, public_statuses, Page, Paged, StoreError};
use crate::core::account::Scope;
use entity::{agency, corpus_hit, corpus_run, document, project};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

/// A parsed document a run visits, with its project and agency.
#[derive(Debug, Clone)]
pub struct RunDocument {
    pub document_id: i64,
    pub project_id: i64,
    pub agency: String,
    pub file_name: String,
    pub sha256: String,
}

/// Every parsed document `scope` sees, oldest first.
pub async fn documents_in_scope(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<RunDocument>, StoreError> {
    let mut q = project::Entity::find().find_also_related(agency::Entity);
    if let Some(agencies) = scope.agencies() {
        q = q.filter(agency::Column::Name.is_in(agencies));
    }
    if scope.published_only() {
        q = q.filter(project::Column::Status.is_in(public_statuses()));
    }
    let projects: std::collections::HashMap<i64, String> =
        q.all(db).await?.into_iter().map(|(p, a)| (p.id, a.map(|a| a.name).unwrap_or_default())).collect();
    let docs = document::Entity::find()
        .filter(document::Column::Status.eq(crate::core::vocab::DocumentStatus::Parsed.as_str()))
        .filter(document::Column::ProjectId.is_in(projects.keys().copied().collect::<Vec<_>>()))
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?;
    Ok(docs
        .into_iter()
        .map(|d| RunDocument {
            agency: projects.get(&d.project_id).cloned().unwrap_or_default(),
            document_id: d.id,
            project_id: d.project_id,
            file_name: d.file_name,
            sha256: d.sha256,
        })
        .collect())
}

/// Inserts a run (status running).
pub async fn insert(db: &DatabaseConnection, kind: &str, spec: &serde_json::Value, version: &str, total: i64, by: &str) -> Result<corpus_run::Model, StoreError> {
    Ok(corpus_run::ActiveModel {
        kind: Set(kind.to_string()),
        spec: Set(spec.to_string()),
        rulebook_version: Set(version.to_string()),
        status: Set("running".into()),
        total_documents: Set(total),
        done_documents: Set(0),
        hits: Set(0),
        summary: Set(None),
        error: Set(None),
        created_by: Set(by.to_string()),
        created_at: Set(now()),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<corpus_run::Model, StoreError> {
    corpus_run::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Run))
}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<corpus_run::Model>, StoreError> {
    Ok(corpus_run::Entity::find().order_by_desc(corpus_run::Column::Id).all(db).await?)
}

/// Records one document done and its hits.
pub async fn progress(db: &DatabaseConnection, run_id: i64, hits: Vec<corpus_hit::ActiveModel>) -> Result<(), StoreError> {
    let n = hits.len() as i64;
    for chunk in hits.chunks(500) {
        corpus_hit::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    corpus_run::Entity::update_many()
        .col_expr(corpus_run::Column::DoneDocuments, Expr::col(corpus_run::Column::DoneDocuments).add(1))
        .col_expr(corpus_run::Column::Hits, Expr::col(corpus_run::Column::Hits).add(n))
        .filter(corpus_run::Column::Id.eq(run_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a run that is still running (a cancelled run stays cancelled). Returns whether it was.
pub async fn finish(db: &DatabaseConnection, run_id: i64, status: &str, summary: Option<String>, error: Option<String>) -> Result<bool, StoreError> {
    let r = corpus_run::Entity::update_many()
        .col_expr(corpus_run::Column::Status, Expr::value(status))
        .col_expr(corpus_run::Column::Summary, Expr::value(summary))
        .col_expr(corpus_run::Column::Error, Expr::value(error))
        .col_expr(corpus_run::Column::FinishedAt, Expr::value(Some(now())))
        .filter(corpus_run::Column::Id.eq(run_id))
        .filter(corpus_run::Column::Status.eq("running"))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Hits of a run, in document and clause order.
pub async fn hits(db: &DatabaseConnection, run_id: i64, page: Page) -> Result<Paged<corpus_hit::Model>, StoreError> {
    let q = corpus_hit::Entity::find().filter(corpus_hit::Column::RunId.eq(run_id));
    let total = q.clone().count(db).await?;
    let items = page
        .apply(q.order_by_asc(corpus_hit::Column::DocumentId).order_by_asc(corpus_hit::Column::ClauseOrdinal).order_by_asc(corpus_hit::Column::Id))
        .all(db)
        .await?;
    Ok(Paged { items, total })
}

/// Per rule id, how many stored findings a document has (rule-library findings only).
pub async fn stored_counts(db: &DatabaseConnection, document_id: i64) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for f in entity::finding::Entity::find()
        .filter(entity::finding::Column::DocumentId.eq(document_id))
        .filter(entity::finding::Column::Manual.eq(false))
        .all(db)
        .await?
    {
        *out.entry(f.rule_id).or_insert(0) += 1;
    }
    Ok(out)
}

/// Marks runs left `running` by a process that stopped as failed (called on start).
pub async fn interrupt_running(db: &DatabaseConnection) -> Result<u64, StoreError> {
    let r = corpus_run::Entity::update_many()
        .col_expr(corpus_run::Column::Status, Expr::value("failed"))
        .col_expr(corpus_run::Column::Error, Expr::value(Some("服务重启，任务中断；请重新发起".to_string())))
        .col_expr(corpus_run::Column::FinishedAt, Expr::value(Some(now())))
        .filter(corpus_run::Column::Status.eq("running"))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
