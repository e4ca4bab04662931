//! `inspection_result`: the conclusion on one sampled project, its remediation and resolution.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_result")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub inspection_id: i64,
    pub project_id: i64,
    /// compliant | problem
    pub conclusion: String,
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    #[sea_orm(column_type = "Text")]
    pub finding_ids: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub remediation_required: bool,
    pub remediation_due: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub remediation_report: Option<String>,
    pub remediation_reported_at: Option<DateTimeUtc>,
    /// fully | partly | not
    pub resolution: Option<String>,
    pub inspector: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
