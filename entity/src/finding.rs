//! `finding`: a suspect clause reported by the rule checker for one document version,
//! with the rule-set version that produced it and its review status.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub document_id: i64,
    pub clause_ordinal: i32,
    pub rulebook_version: String,
    pub rule_id: String,
    pub category: String,
    pub severity: String,
    pub stage: String,
    pub page: i32,
    #[sea_orm(column_type = "Text")]
    pub section: String,
    pub section_kind: String,
    pub start_offset: i64,
    pub end_offset: i64,
    #[sea_orm(column_type = "Text")]
    pub quote: String,
    #[sea_orm(column_type = "Text")]
    pub clause_text: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// JSON array of {law, article, text} (opaque payload).
    #[sea_orm(column_type = "Text")]
    pub basis: String,
    #[sea_orm(column_type = "Text")]
    pub suggestion: String,
    /// open | confirmed | dismissed | accepted | fixed (workflow::FindingStatus)
    pub status: String,
    pub created_at: DateTimeUtc,
    /// What the finding adds to its rule's message (computed values); `Some` marks a row
    /// written after m20261203_000005, whose rule text lives in `rule_set` and whose clause
    /// text, section and page live in `clause` (the copied columns above are left empty).
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// Rule + normalised clause hash + ordinal among identical clauses (workflow::finding_identity).
    pub identity: Option<String>,
    /// An officer's pending request to dismiss, with its reason.
    #[sea_orm(column_type = "Text", nullable)]
    pub dismissal_request: Option<String>,
    /// Username of whoever made the last decision.
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    /// The reason of the last decision (dismissed, accepted).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// Flagged by a reviewer by hand rather than by a rule.
    pub manual: bool,
    /// The later version of the project in which this finding's identity is gone.
    pub fixed_in_document_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::document::Entity", from = "Column::DocumentId", to = "super::document::Column::Id")]
    Document,
}

impl Related<super::document::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Document.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
