//! Command-line interface. `main` stays thin: parse, dispatch to one module per command
//! group, map errors to exit code 2 with the message on stderr.
//!
//! - [`args`]: the clap definitions and their mapping onto core types;
//! - `review`: `check`, `rules`, `extract` (the core alone, nothing stored);
//! - `documents`: `serve`, `import`, `reindex`, `search` (through the service);
//! - `records`: `import-records`, `metrics`, `record-checks`;
//! - `progress`: the progress display of long commands.

pub mod args;
mod documents;
mod progress;
mod records;
mod review;
mod users;

pub use args::{Cli, Command};

use crate::server::service::{Config, ServiceError};
use clap::Parser;
use std::path::{Path, PathBuf};

/// A CLI failure: printed on stderr, exit code 2. Each variant's text names only its own
/// layer; the cause follows from `source`, so [`error_chain`] prints every cause once.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("cannot read or write {path}")]
    Io { path: PathBuf, #[source] source: std::io::Error },
    #[error(transparent)]
    Rules(#[from] crate::core::rules::RuleError),
    #[error("{0}")]
    Message(String),
}

/// Parses arguments, runs, and returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve { .. }));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            2
        }
    }
}

/// `e: cause: cause …`, each cause once.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

fn init_tracing(serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving { "info,sqlx=warn,tantivy=warn" } else { "warn" };
    let filter = EnvFilter::try_from_env("FAIRTENDER_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("FAIRTENDER_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn config(g: &args::GlobalOpts) -> Config {
    let mut c = Config::new(&g.data_dir);
    c.database_url = g.database_url.clone().filter(|u| !u.is_empty());
    c.blob_url = g.blob_url.clone().filter(|u| !u.is_empty());
    c.limits.max_bytes = g.max_file_mb.saturating_mul(1024 * 1024);
    c.limits.max_pages = g.max_pages;
    c.limits.time_limit = std::time::Duration::from_secs(g.parse_timeout);
    c.rules_dir = std::env::var_os("FAIRTENDER_RULES").map(PathBuf::from);
    c
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Io { path: PathBuf::from("<tokio runtime>"), source })
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io { path: path.to_path_buf(), source })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<i32, CliError> {
    let cfg = config(&cli.global);
    match cli.command {
        Command::Extract { file, format } => review::extract(&file, format, &cfg),
        Command::Check { files, format, stage, fail_on, rules, jobs } => {
            review::check(&files, format, stage, fail_on, rules.as_deref(), jobs, &cfg)
        }
        Command::Rules { action, rules } => review::rules(action, rules.as_deref()),
        Command::Serve { addr, demo } => runtime()?.block_on(documents::serve(&cfg, addr, demo)),
        Command::Import { dir, agency } => runtime()?.block_on(documents::import(&cfg, &dir, &agency)),
        Command::Reindex => runtime()?.block_on(documents::reindex(&cfg)),
        Command::Search { query, limit, section_kind, json } => {
            runtime()?.block_on(documents::search(&cfg, query, limit, section_kind, json))
        }
        Command::ImportRecords { projects, challenges, complaints, skip_invalid } => {
            runtime()?.block_on(records::import(&cfg, projects, challenges, complaints, skip_invalid))
        }
        Command::Metrics { from, to, by, group, format, as_of, output } => {
            runtime()?.block_on(records::metrics(&cfg, from, to, by, group, format, as_of, output))
        }
        Command::RecordChecks { today } => runtime()?.block_on(records::checks(&cfg, today)),
        Command::User { action } => runtime()?.block_on(users::run(&cfg, action)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::StoreError;

    /// Each layer names itself once and the cause once: no "x: y: y".
    #[test]
    fn error_chain_prints_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "disk says no");
        let store = StoreError::Io { path: PathBuf::from("/data/blobs/ab"), source: io };
        let e = CliError::Service(ServiceError::Store(store));
        let chain = error_chain(&e);
        assert_eq!(chain.matches("disk says no").count(), 1, "{chain}");
        assert_eq!(chain.matches("/data/blobs/ab").count(), 1, "{chain}");
        let read = CliError::Io { path: PathBuf::from("x.pdf"), source: std::io::Error::other("gone") };
        assert_eq!(error_chain(&read), "cannot read or write x.pdf: gone");
        let rules = CliError::Rules(crate::core::rules::RuleError::Io {
            path: PathBuf::from("lib"),
            source: std::io::Error::other("nope"),
        });
        assert_eq!(error_chain(&rules), "cannot read rule library lib: nope");
    }
}
