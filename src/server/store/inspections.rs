//! Inspections, their draws and results in the database. Draw rows are only ever inserted
//! and, once, completed with their seed and sample; nothing here deletes one.

use super::{now, public_statuses, StoreError};
use chrono::Datelike;
use entity::{agency, inspection, inspection_draw, inspection_result, project, user_account};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

/// What an inspection covers; empty lists mean any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionScope {
    #[serde(default)]
    pub agencies: Vec<String>,
    #[serde(default)]
    pub years: Vec<i32>,
    /// Chinese names or slugs of 采购方式.
    #[serde(default)]
    pub methods: Vec<String>,
    /// goods | services | works
    #[serde(default)]
    pub procurement_types: Vec<String>,
}

/// Inserts an inspection.
pub async fn insert(
    db: &impl ConnectionTrait,
    name: &str,
    scope: &InspectionScope,
    sample_size: i32,
    per_project: i32,
    by: &str,
) -> Result<inspection::Model, StoreError> {
    Ok(inspection::ActiveModel {
        name: Set(name.to_string()),
        scope: Set(serde_json::to_string(scope).unwrap_or_else(|_| "{}".into())),
        sample_size: Set(sample_size),
        inspectors_per_project: Set(per_project),
        status: Set("draft".into()),
        created_by: Set(by.to_string()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn get(db: &DatabaseConnection, id: i64) -> Result<inspection::Model, StoreError> {
    inspection::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::Inspection))
}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<inspection::Model>, StoreError> {
    Ok(inspection::Entity::find().order_by_desc(inspection::Column::Id).all(db).await?)
}

pub async fn set_status(db: &impl ConnectionTrait, i: inspection::Model, status: &str) -> Result<(), StoreError> {
    let mut row: inspection::ActiveModel = i.into();
    row.status = Set(status.to_string());
    row.update(db).await?;
    Ok(())
}

/// The scope of a stored inspection.
pub fn scope_of(i: &inspection::Model) -> InspectionScope {
    serde_json::from_str(&i.scope).unwrap_or_default()
}

/// The ids, ascending, of the public projects an inspection's scope covers.
pub async fn candidates(db: &DatabaseConnection, scope: &InspectionScope) -> Result<Vec<i64>, StoreError> {
    let rows = project::Entity::find()
        .find_also_related(agency::Entity)
        .filter(project::Column::Status.is_in(public_statuses()))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?;
    let methods: Vec<String> = scope
        .methods
        .iter()
        .map(|m| crate::core::vocab::Method::parse(m).map(|m| m.label_zh().to_string()).unwrap_or_else(|| m.clone()))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|(p, a)| {
            let agency = a.as_ref().map(|a| a.name.as_str()).unwrap_or("");
            let year = p.publish_date.map(|d| d.year()).unwrap_or_else(|| p.created_at.year());
            (scope.agencies.is_empty() || scope.agencies.iter().any(|x| x == agency))
                && (scope.years.is_empty() || scope.years.contains(&year))
                && (methods.is_empty() || methods.contains(&p.method))
                && (scope.procurement_types.is_empty() || scope.procurement_types.contains(&p.procurement_type))
        })
        .map(|(p, _)| p.id)
        .collect())
}

/// Usernames of the enabled inspectors, sorted: the pool a draw assigns from.
pub async fn inspector_pool(db: &DatabaseConnection) -> Result<Vec<String>, StoreError> {
    Ok(user_account::Entity::find()
        .filter(user_account::Column::Role.eq("inspector"))
        .filter(user_account::Column::Disabled.eq(false))
        .order_by_asc(user_account::Column::Username)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect())
}

pub async fn draws(db: &impl ConnectionTrait, inspection_id: i64) -> Result<Vec<inspection_draw::Model>, StoreError> {
    Ok(inspection_draw::Entity::find()
        .filter(inspection_draw::Column::InspectionId.eq(inspection_id))
        .order_by_asc(inspection_draw::Column::Ordinal)
        .all(db)
        .await?)
}

/// Freezes a candidate list as a new draw (no seed yet).
pub async fn freeze(
    db: &impl ConnectionTrait,
    inspection_id: i64,
    ordinal: i32,
    candidates: &[i64],
    hash: &str,
    pool: &[String],
    reason: Option<String>,
    by: &str,
) -> Result<inspection_draw::Model, StoreError> {
    Ok(inspection_draw::ActiveModel {
        inspection_id: Set(inspection_id),
        ordinal: Set(ordinal),
        candidates: Set(serde_json::to_string(candidates).unwrap_or_else(|_| "[]".into())),
        candidates_hash: Set(hash.to_string()),
        inspector_pool: Set(serde_json::to_string(pool).unwrap_or_else(|_| "[]".into())),
        frozen_at: Set(now()),
        seed: Set(None),
        drawn_at: Set(None),
        sample: Set(None),
        reason: Set(reason),
        created_by: Set(by.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| if super::is_unique_violation(&e) { StoreError::ConcurrentWrite } else { e.into() })?)
}

/// Records a draw's seed and outcome (once: a draw with a seed is never changed).
pub async fn complete(
    db: &impl ConnectionTrait,
    d: inspection_draw::Model,
    seed: &str,
    assignments: &[(i64, Vec<String>)],
) -> Result<inspection_draw::Model, StoreError> {
    let mut row: inspection_draw::ActiveModel = d.into();
    row.seed = Set(Some(seed.to_string()));
    row.drawn_at = Set(Some(now()));
    row.sample = Set(Some(serde_json::to_string(assignments).unwrap_or_else(|_| "[]".into())));
    Ok(row.update(db).await?)
}

pub async fn results(db: &impl ConnectionTrait, inspection_id: i64) -> Result<Vec<inspection_result::Model>, StoreError> {
    Ok(inspection_result::Entity::find()
        .filter(inspection_result::Column::InspectionId.eq(inspection_id))
        .order_by_asc(inspection_result::Column::ProjectId)
        .all(db)
        .await?)
}

pub async fn result(db: &impl ConnectionTrait, inspection_id: i64, project_id: i64) -> Result<Option<inspection_result::Model>, StoreError> {
    Ok(inspection_result::Entity::find()
        .filter(inspection_result::Column::InspectionId.eq(inspection_id))
        .filter(inspection_result::Column::ProjectId.eq(project_id))
        .one(db)
        .await?)
}

/// Inserts or replaces the conclusion on a sampled project.
pub async fn save_result(db: &impl ConnectionTrait, row: inspection_result::ActiveModel) -> Result<inspection_result::Model, StoreError> {
    let saved = if matches!(row.id, sea_orm::ActiveValue::Unchanged(_)) { row.update(db).await? } else { row.insert(db).await? };
    Ok(saved)
}
