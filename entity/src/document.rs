//! `document`: one uploaded version of a project's document (采购文件, 更正公告, 澄清).
//! The bytes live in the blob store, addressed by `sha256`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub version: i32,
    /// tender | correction | clarification
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub pages: i32,
    /// pdf | docx | text
    pub format: String,
    /// parsed | needs_ocr | failed
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// The section tree as JSON (opaque payload; nothing filters on it).
    #[sea_orm(column_type = "Text")]
    pub sections: String,
    pub uploaded_at: DateTimeUtc,
    /// The rule-set version the stored findings were produced with (added by migration 2).
    pub rulebook_version: Option<String>,
    /// Username of the uploader (`None`: before accounts existed, or the operator's CLI).
    pub uploaded_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
    #[sea_orm(has_many = "super::clause::Entity")]
    Clause,
    #[sea_orm(has_many = "super::finding::Entity")]
    Finding,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::clause::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Clause.def()
    }
}

impl Related<super::finding::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Finding.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
