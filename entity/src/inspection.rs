//! `inspection`: a 事后督查 inspection with its scope and sample size.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// JSON {agencies, years, methods, procurement_types}.
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    pub sample_size: i32,
    pub inspectors_per_project: i32,
    /// draft | active | concluded | closed
    pub status: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
