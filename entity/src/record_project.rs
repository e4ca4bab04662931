//! `record_project`: a project as listed in an imported challenge/complaint register.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_project")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub project_no: String,
    pub agency: String,
    pub purchaser: String,
    pub method: String,
    pub publish_date: Date,
    /// The whole `records::Project` as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
