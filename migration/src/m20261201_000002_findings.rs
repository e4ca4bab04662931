//! Findings of the rule checker, stored per document version and rule-set version.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("finding")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("document_id"))
                    .col(integer("clause_ordinal"))
                    .col(string("rulebook_version"))
                    .col(string("rule_id"))
                    .col(string("category"))
                    .col(string("severity"))
                    .col(string("stage"))
                    .col(integer("page"))
                    .col(text("section"))
                    .col(string("section_kind"))
                    .col(big_integer("start_offset"))
                    .col(big_integer("end_offset"))
                    .col(text("quote"))
                    .col(text("clause_text"))
                    .col(text("message"))
                    .col(text("basis"))
                    .col(text("suggestion"))
                    // open | accepted | dismissed | fixed (the review workflow)
                    .col(string("status"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_finding_document")
                            .from("finding", "document_id")
                            .to("document", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_finding_document").table("finding").col("document_id").to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("document").add_column(string_null("rulebook_version")).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("finding").if_exists().to_owned()).await
    }
}
