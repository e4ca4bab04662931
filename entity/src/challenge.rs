//! `challenge`: a supplier challenge (质疑).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "challenge")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub project_no: String,
    pub received_date: Date,
    pub category: String,
    pub outcome: String,
    /// The whole `records::Challenge` as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub imported_at: DateTimeUtc,
    /// The project challenged (`project.id`); set on import and by the merge migration.
    pub project_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
