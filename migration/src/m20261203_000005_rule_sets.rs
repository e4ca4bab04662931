//! Each rule-set version stored once. A finding used to copy its rule's message, legal basis
//! and suggestion and its clause's text, section and page (about 1.5 KB a row, more than the
//! clause itself); from now on a finding row holds what is particular to it — rule id,
//! rule-set version, clause ordinal, span, severity, the computed part of the message
//! (`note`) — and a report reads the rule's text from `rule_set` at the version that produced
//! the finding, and the clause from `clause`.
//!
//! Rows written before this migration keep their copies (`note` is null for them) and are
//! read as before; the copied columns stay (append-only) and new rows leave them empty.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("rule_set")
                    .if_not_exists()
                    .col(string("version").primary_key())
                    // JSON: every rule's id, title, category, severity, message, basis, suggestion.
                    .col(text("rules"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table("finding").add_column(text_null("note")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table("finding").drop_column("note").to_owned()).await?;
        manager.drop_table(Table::drop().table("rule_set").if_exists().to_owned()).await?;
        Ok(())
    }
}
