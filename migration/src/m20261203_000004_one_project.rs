//! One project model. Until now a project listed in an imported challenge register lived in
//! `record_project`, apart from the projects documents are uploaded to, so imported projects
//! never appeared beside their documents and a challenge could not reach the clauses it
//! targets. This migration:
//!
//! - gives `project` the register row (`register`, the imported `records::Project` as JSON,
//!   and `registered_at`), null for projects no register lists;
//! - gives `challenge` the `project_id` it belongs to;
//! - copies every `record_project` row into `project`: matched by 项目编号 within the agency
//!   (a self-procured project, 自行采购, belongs to its purchaser) when the project exists,
//!   created otherwise, keeping the register's payload whole;
//! - points every stored challenge at its project.
//!
//! `record_project` itself stays, because `challenge.project_no` has a foreign key to it that
//! SQLite cannot drop without rebuilding the table: from now on it is only that key (one row
//! per registered 项目编号) and nothing reads it. All of this runs in one transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::{ChronoDate, ChronoDateTimeUtc};
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The register's method slugs as the project table has always stored them (the Chinese
/// name). Migrations do not import the domain crate, so the seven names are written here.
const METHOD_NAMES: &[(&str, &str)] = &[
    ("open_tender", "公开招标"),
    ("invited_tender", "邀请招标"),
    ("negotiation", "竞争性谈判"),
    ("consultation", "竞争性磋商"),
    ("rfq", "询价"),
    ("single_source", "单一来源"),
    ("framework", "框架协议"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("project").add_column(text_null("register")).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table("project").add_column(timestamp_with_time_zone_null("registered_at")).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("challenge").add_column(big_integer_null("project_id")).to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_challenge_project").table("challenge").col("project_id").to_owned())
            .await?;
        copy_register_projects(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_challenge_project").table("challenge").to_owned()).await?;
        manager.alter_table(Table::alter().table("challenge").drop_column("project_id").to_owned()).await?;
        manager.alter_table(Table::alter().table("project").drop_column("registered_at").to_owned()).await?;
        manager.alter_table(Table::alter().table("project").drop_column("register").to_owned()).await?;
        Ok(())
    }
}

async fn copy_register_projects(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let rows = db
        .query_all(
            &Query::select()
                .columns(["project_no", "agency", "purchaser", "method", "publish_date", "payload", "imported_at"])
                .from("record_project")
                .to_owned(),
        )
        .await?;
    for row in rows {
        let project_no: String = row.try_get("", "project_no")?;
        let agency: String = row.try_get("", "agency")?;
        let purchaser: String = row.try_get("", "purchaser")?;
        let method: String = row.try_get("", "method")?;
        let publish_date: ChronoDate = row.try_get("", "publish_date")?;
        let payload: String = row.try_get("", "payload")?;
        let imported_at: ChronoDateTimeUtc = row.try_get("", "imported_at")?;
        let owner = if agency.trim().is_empty() { purchaser.clone() } else { agency };
        let agency_id = agency_id(db, &owner, imported_at).await?;
        let existing = db
            .query_one(
                &Query::select()
                    .column("id")
                    .from("project")
                    .and_where(Expr::col("agency_id").eq(agency_id))
                    .and_where(Expr::col("project_no").eq(project_no.as_str()))
                    .to_owned(),
            )
            .await?;
        let project_id: i64 = match existing {
            Some(p) => {
                let id: i64 = p.try_get("", "id")?;
                // Like a later import: the register row, and its publication date where the
                // project had none.
                db.execute(
                    &Query::update()
                        .table("project")
                        .value("register", payload.as_str())
                        .value("registered_at", imported_at)
                        .value("publish_date", Func::coalesce([Expr::col("publish_date"), Expr::val(publish_date)]))
                        .and_where(Expr::col("id").eq(id))
                        .to_owned(),
                )
                .await?;
                id
            }
            None => {
                let fields: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
                let name = fields["name"].as_str().unwrap_or(&project_no).to_string();
                let budget_fen = fields["budget"].as_i64().unwrap_or(0);
                let method = METHOD_NAMES.iter().find(|(slug, _)| *slug == method).map_or(method.as_str(), |(_, n)| n);
                db.execute(
                    &Query::insert()
                        .into_table("project")
                        .columns([
                            "agency_id", "project_no", "name", "purchaser", "method", "procurement_type", "budget_fen",
                            "publish_date", "created_at", "register", "registered_at",
                        ])
                        .values_panic([
                            agency_id.into(),
                            project_no.as_str().into(),
                            name.into(),
                            purchaser.into(),
                            method.into(),
                            "".into(),
                            budget_fen.into(),
                            publish_date.into(),
                            imported_at.into(),
                            payload.as_str().into(),
                            imported_at.into(),
                        ])
                        .to_owned(),
                )
                .await?;
                project_id(db, agency_id, &project_no).await?
            }
        };
        db.execute(
            &Query::update()
                .table("challenge")
                .value("project_id", project_id)
                .and_where(Expr::col("project_no").eq(project_no.as_str()))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

async fn project_id(db: &SchemaManagerConnection<'_>, agency_id: i64, project_no: &str) -> Result<i64, DbErr> {
    let row = db
        .query_one(
            &Query::select()
                .column("id")
                .from("project")
                .and_where(Expr::col("agency_id").eq(agency_id))
                .and_where(Expr::col("project_no").eq(project_no))
                .to_owned(),
        )
        .await?
        .ok_or_else(|| DbErr::Migration(format!("project {project_no} vanished while merging")))?;
    row.try_get("", "id")
}

async fn agency_id(
    db: &SchemaManagerConnection<'_>,
    name: &str,
    created_at: ChronoDateTimeUtc,
) -> Result<i64, DbErr> {
    let find = Query::select().column("id").from("agency").and_where(Expr::col("name").eq(name)).to_owned();
    if let Some(row) = db.query_one(&find).await? {
        return row.try_get("", "id");
    }
    db.execute(
        &Query::insert().into_table("agency").columns(["name", "created_at"]).values_panic([name.into(), created_at.into()]).to_owned(),
    )
    .await?;
    db.query_one(&find)
        .await?
        .ok_or_else(|| DbErr::Migration(format!("agency {name} vanished while merging")))?
        .try_get("", "id")
}
