//! `record_project`: the 项目编号 of every project an imported register lists. Since
//! migration m20261203_000004 the register row itself lives in `project.register`; this
//! table is only the key `challenge.project_no` refers to (a foreign key SQLite cannot drop),
//! and nothing reads it. Rows written before the merge keep their payload; later rows store
//! an empty object.
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
