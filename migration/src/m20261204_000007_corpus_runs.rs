//! Corpus-wide runs (事后督查): one rule, a set of rules, or a full-text query over every stored
//! document in a scope, and re-checks of every document when the rule library changes.
//!
//! - `corpus_run`: what was asked, by whom, the rule-set version it ran with, its progress
//!   (documents done of total), status (running, done, cancelled, failed) and, for a re-check,
//!   the per-rule change of counts (JSON);
//! - `corpus_hit`: one confirmed hit (document, project, agency, clause, rule, quote).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("corpus_run")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    // rules | query | recheck
                    .col(string("kind"))
                    // JSON: {rules: [...], query: "...", agencies: [...] | null, published_only}
                    .col(text("spec"))
                    .col(string("rulebook_version"))
                    .col(string("status"))
                    .col(big_integer("total_documents"))
                    .col(big_integer("done_documents"))
                    .col(big_integer("hits"))
                    .col(text_null("summary"))
                    .col(text_null("error"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("corpus_hit")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("run_id"))
                    .col(big_integer("document_id"))
                    .col(big_integer("project_id"))
                    .col(string("agency"))
                    .col(integer("clause_ordinal"))
                    .col(string_null("rule_id"))
                    .col(text("quote"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(Index::create().name("ix_corpus_hit_run").table("corpus_hit").col("run_id").to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["corpus_hit", "corpus_run"] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
