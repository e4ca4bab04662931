//! Challenges (质疑) and complaints (投诉) with the projects they belong to, imported from
//! officials' lists, and the links from challenges to the clauses they target.
//!
//! Each record is kept whole as an opaque JSON payload (the domain type), with the columns
//! anything filters or joins on extracted beside it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("record_project")
                    .if_not_exists()
                    .col(string("project_no").primary_key())
                    .col(string("agency"))
                    .col(string("purchaser"))
                    .col(string("method"))
                    .col(date("publish_date"))
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("imported_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("challenge")
                    .if_not_exists()
                    .col(string("id").primary_key())
                    .col(string("project_no"))
                    .col(date("received_date"))
                    .col(string("category"))
                    .col(string("outcome"))
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("imported_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_challenge_project")
                            .from("challenge", "project_no")
                            .to("record_project", "project_no"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("complaint")
                    .if_not_exists()
                    .col(string("id").primary_key())
                    .col(string("challenge_id"))
                    .col(date("filed_date"))
                    .col(string("outcome"))
                    .col(text("payload"))
                    .col(timestamp_with_time_zone("imported_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_complaint_challenge")
                            .from("complaint", "challenge_id")
                            .to("challenge", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("challenge_clause")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string("challenge_id"))
                    .col(big_integer("clause_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_challenge_clause_challenge")
                            .from("challenge_clause", "challenge_id")
                            .to("challenge", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_challenge_clause_clause")
                            .from("challenge_clause", "clause_id")
                            .to("clause", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_challenge_clause")
                    .table("challenge_clause")
                    .col("challenge_id")
                    .col("clause_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["challenge_clause", "complaint", "challenge", "record_project"] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
