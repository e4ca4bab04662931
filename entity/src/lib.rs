//! sea-orm entities; one module per table, mirroring the `migration` crate.

pub mod agency;
pub mod audit_event;
pub mod auth_token;
pub mod challenge;
pub mod challenge_clause;
pub mod clause;
pub mod complaint;
pub mod corpus_hit;
pub mod corpus_run;
pub mod document;
pub mod finding;
pub mod inspection;
pub mod inspection_draw;
pub mod inspection_result;
pub mod login_failure;
pub mod project;
pub mod record_project;
pub mod rule_set;
pub mod user_account;
pub mod user_agency;
