//! `inspection_draw`: one random draw of an inspection, frozen before its seed; never deleted.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_draw")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: i64,
    pub ordinal: i32,
    #[sea_orm(column_type = "Text")]
    pub candidates: String,
    pub candidates_hash: String,
    #[sea_orm(column_type = "Text")]
    pub inspector_pool: String,
    pub frozen_at: DateTimeUtc,
    pub seed: Option<String>,
    pub drawn_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub sample: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
