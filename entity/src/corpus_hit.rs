//! `corpus_hit`: one confirmed hit of a corpus run.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corpus_hit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub run_id: i64,
    pub document_id: i64,
    pub project_id: i64,
    pub agency: String,
    pub clause_ordinal: i32,
    pub rule_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub quote: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
