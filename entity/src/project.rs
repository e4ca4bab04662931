//! `project`: a procurement project (采购项目), whether created to upload documents to or
//! listed in an imported challenge register (or both). Budget in integer 分.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub method: String,
    pub procurement_type: String,
    pub budget_fen: i64,
    pub publish_date: Option<Date>,
    pub deadline: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The project's row of an imported register (the whole `records::Project` as JSON);
    /// `None` for a project no register lists.
    #[sea_orm(column_type = "Text", nullable)]
    pub register: Option<String>,
    pub registered_at: Option<DateTimeUtc>,
    /// The lifecycle (workflow::ProjectStatus): draft … closed.
    pub status: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::agency::Entity", from = "Column::AgencyId", to = "super::agency::Column::Id")]
    Agency,
    #[sea_orm(has_many = "super::document::Entity")]
    Document,
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
