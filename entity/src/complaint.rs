//! `complaint`: a complaint (投诉) that follows a challenge.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub challenge_id: String,
    pub filed_date: Date,
    pub outcome: String,
    /// The whole `records::Complaint` as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
