//! Agencies, projects, documents (one row per uploaded version) and their clauses.
//! Money is stored as integer 分; dates as DATE; ids are 64-bit.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("agency")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("project")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("agency_id"))
                    .col(string("project_no"))
                    .col(string("name"))
                    .col(string("purchaser"))
                    .col(string("method"))
                    .col(string("procurement_type"))
                    .col(big_integer("budget_fen"))
                    .col(date_null("publish_date"))
                    .col(timestamp_with_time_zone_null("deadline"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_agency")
                            .from("project", "agency_id")
                            .to("agency", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_project_agency_no")
                    .table("project")
                    .col("agency_id")
                    .col("project_no")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("document")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("project_id"))
                    .col(integer("version"))
                    .col(string("kind"))
                    .col(string("file_name"))
                    .col(string("sha256"))
                    .col(big_integer("size"))
                    .col(integer("pages"))
                    .col(string("format"))
                    .col(string("status"))
                    .col(text_null("error"))
                    .col(text("sections"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_document_project")
                            .from("document", "project_id")
                            .to("project", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_document_project_version")
                    .table("document")
                    .col("project_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_document_sha256").table("document").col("sha256").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("clause")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("document_id"))
                    .col(integer("ordinal"))
                    .col(integer("page"))
                    .col(text("section"))
                    .col(string("section_kind"))
                    .col(big_integer("start_offset"))
                    .col(big_integer("end_offset"))
                    .col(boolean("is_table_row"))
                    .col(text("text"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_clause_document")
                            .from("clause", "document_id")
                            .to("document", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_clause_document_ordinal")
                    .table("clause")
                    .col("document_id")
                    .col("ordinal")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["clause", "document", "project", "agency"] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
