//! The workflow: accounts, sessions and API tokens, login failures (for throttling), the
//! append-only audit log, a project's lifecycle status and a finding's review state.
//!
//! - `user_account` (role, own agency) and `user_agency` (a reviewer's assigned agencies);
//! - `auth_token`: session cookies and API tokens, stored as the SHA-256 of the secret;
//! - `login_failure`: one row per failed login (account and client address), counted over a
//!   window to slow guessing down;
//! - `audit_event`: every change of state; nothing updates or deletes it;
//! - `project.status`: the lifecycle. Projects listed by an imported challenge register were
//!   published (a supplier challenged them), so those start `published`, the rest `draft`;
//! - `finding`: its identity across versions, the pending dismissal request, the last
//!   decision (who, when, why), whether a reviewer flagged it by hand, and the version that
//!   fixed it. Existing findings get their identity filled in by the service on start.
//! - `document.uploaded_by`;
//! - `inspection`, `inspection_draw` (frozen candidates and their hash, the seed, the sample,
//!   the inspectors; never deleted: a redraw is a new row with a reason) and
//!   `inspection_result` (one per sampled project: conclusion, remediation, resolution).
//!
//! All in one transaction.

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
                    .table("user_account")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_uniq("username"))
                    .col(string("display_name"))
                    .col(string("role"))
                    .col(big_integer_null("agency_id"))
                    .col(text("password_hash"))
                    .col(boolean("must_change_password"))
                    .col(boolean("disabled"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("user_agency")
                    .if_not_exists()
                    .col(big_integer("user_id"))
                    .col(big_integer("agency_id"))
                    .primary_key(Index::create().col("user_id").col("agency_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("auth_token")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    // session | api
                    .col(string("kind"))
                    .col(string_uniq("token_hash"))
                    .col(string("label"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_auth_token_user").table("auth_token").col("user_id").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("login_failure")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string("username"))
                    .col(string("address"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_login_failure_at").table("login_failure").col("at").to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_id"))
                    .col(string("actor"))
                    .col(string("action"))
                    .col(string("object_kind"))
                    .col(string("object_id"))
                    // The agency the object belongs to, so a scoped reader sees its own events.
                    .col(string_null("agency"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(text_null("reason"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_audit_object").table("audit_event").col("object_kind").col("object_id").to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("project").add_column(string("status").default("draft")).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE project SET status = 'published' WHERE register IS NOT NULL")
            .await?;
        for col in [
            string_null("identity"),
            text_null("dismissal_request"),
            string_null("decided_by"),
            timestamp_with_time_zone_null("decided_at"),
            text_null("reason"),
            boolean("manual").default(false).take(),
            big_integer_null("fixed_in_document_id"),
        ] {
            let mut col = col;
            manager.alter_table(Table::alter().table("finding").add_column(&mut col).to_owned()).await?;
        }
        manager
            .create_index(Index::create().name("ix_finding_identity").table("finding").col("identity").to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("document").add_column(string_null("uploaded_by")).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("inspection")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string("name"))
                    // JSON: {agencies, years, methods, procurement_types}; empty lists mean any.
                    .col(text("scope"))
                    .col(integer("sample_size"))
                    .col(integer("inspectors_per_project"))
                    .col(string("status"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("inspection_draw")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("inspection_id"))
                    .col(integer("ordinal"))
                    // JSON arrays: project ids ascending; inspector usernames.
                    .col(text("candidates"))
                    .col(string("candidates_hash"))
                    .col(text("inspector_pool"))
                    .col(timestamp_with_time_zone("frozen_at"))
                    .col(string_null("seed"))
                    .col(timestamp_with_time_zone_null("drawn_at"))
                    // JSON: [[project id, [inspectors]], …] in sample order.
                    .col(text_null("sample"))
                    .col(text_null("reason"))
                    .col(string("created_by"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_draw_ordinal").table("inspection_draw").col("inspection_id").col("ordinal").unique().to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("inspection_result")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(big_integer("inspection_id"))
                    .col(big_integer("project_id"))
                    .col(string("conclusion"))
                    // JSON arrays: violation categories, finding ids.
                    .col(text("categories"))
                    .col(text("finding_ids"))
                    .col(text_null("note"))
                    .col(boolean("remediation_required"))
                    .col(date_null("remediation_due"))
                    .col(text_null("remediation_report"))
                    .col(timestamp_with_time_zone_null("remediation_reported_at"))
                    .col(string_null("resolution"))
                    .col(string("inspector"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_result_project").table("inspection_result").col("inspection_id").col("project_id").unique().to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["inspection_result", "inspection_draw", "inspection", "audit_event", "login_failure", "auth_token", "user_agency", "user_account"] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
