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
//! - `document.uploaded_by`.
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["audit_event", "login_failure", "auth_token", "user_agency", "user_account"] {
            manager.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
