//! `rule_set`: one row per rule-set version that produced findings, holding every rule's
//! text (id, title, category, severity, message, basis, suggestion) as JSON, so a report
//! shows the text that applied when the finding was made.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rule_set")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: String,
    #[sea_orm(column_type = "Text")]
    pub rules: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
