//! Append-only schema migrations. Never edit a migration that has shipped: add a new one.
//! This crate does not import `entity`; the entities mirror these tables.

pub use sea_orm_migration::prelude::*;

mod m20261201_000001_documents;
mod m20261201_000002_findings;
mod m20261201_000003_challenges;
mod m20261203_000004_one_project;
mod m20261203_000005_rule_sets;
mod m20261204_000006_workflow;
mod m20261204_000007_corpus_runs;

/// Runs every migration in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_documents::Migration),
            Box::new(m20261201_000002_findings::Migration),
            Box::new(m20261201_000003_challenges::Migration),
            Box::new(m20261203_000004_one_project::Migration),
            Box::new(m20261203_000005_rule_sets::Migration),
            Box::new(m20261204_000006_workflow::Migration),
            Box::new(m20261204_000007_corpus_runs::Migration),
        ]
    }
}
