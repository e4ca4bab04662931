//! `corpus_run`: a rule, rules or a query over every stored document in a scope, or a re-check.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corpus_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// rules | query | recheck
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub spec: String,
    pub rulebook_version: String,
    /// running | done | cancelled | failed
    pub status: String,
    pub total_documents: i64,
    pub done_documents: i64,
    pub hits: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
