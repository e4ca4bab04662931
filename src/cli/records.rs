//! `import-records`, `metrics` and `record-checks`: the challenge and complaint registers.

use super::args::{ByArg, GroupArg, MetricsFormat};
use super::{read_file, CliError};
use crate::core::records::{report, ImportFiles, MetricsQuery};
use crate::server::service::{Config, Scope, Service};
use std::io::Write;
use std::path::PathBuf;

/// `import-records`: all-or-nothing unless `--skip-invalid`; exit 1 when rows were skipped.
pub async fn import(
    cfg: &Config,
    projects: Option<PathBuf>,
    challenges: Option<PathBuf>,
    complaints: Option<PathBuf>,
    skip_invalid: bool,
) -> Result<i32, CliError> {
    let named = |p: Option<PathBuf>| -> Result<Option<(String, Vec<u8>)>, CliError> {
        p.map(|p| Ok((p.display().to_string(), read_file(&p)?))).transpose()
    };
    let files = ImportFiles { projects: named(projects)?, challenges: named(challenges)?, complaints: named(complaints)? };
    if files.projects.is_none() && files.challenges.is_none() && files.complaints.is_none() {
        return Err(CliError::Message("nothing to import: give --projects, --challenges and/or --complaints".into()));
    }
    let service = Service::open(cfg).await?;
    let out = service.import_records(&Scope::All, files, skip_invalid).await?;
    for r in &out.rejected {
        eprintln!("{}:{}: {}: {}", r.file, r.row, r.id.as_deref().unwrap_or("-"), r.message);
    }
    for f in &out.flags {
        println!("flag {} {} {}: {}", f.check, f.record_id, f.name, f.message);
    }
    match &out.written {
        Some(w) => {
            println!(
                "imported {} projects, {} challenges, {} complaints; {} rows already present; {} rejected; {} flags",
                w.projects,
                w.challenges,
                w.complaints,
                out.unchanged,
                out.rejected.len(),
                out.flags.len()
            );
            Ok(if out.rejected.is_empty() { 0 } else { 1 })
        }
        None => Err(CliError::Message(format!(
            "import refused: {} rejected rows, nothing written (use --skip-invalid to import the valid rows)",
            out.rejected.len()
        ))),
    }
}

/// `metrics`: figures as text, JSON, CSV or XLSX, to stdout or `--output`.
#[allow(clippy::too_many_arguments)]
pub async fn metrics(
    cfg: &Config,
    from: Option<i32>,
    to: Option<i32>,
    by: ByArg,
    group: Option<GroupArg>,
    format: MetricsFormat,
    as_of: Option<chrono::NaiveDate>,
    output: Option<PathBuf>,
) -> Result<i32, CliError> {
    let service = Service::open_read_only(cfg).await?;
    let today = chrono::Utc::now().date_naive();
    let report = service.metrics(&Scope::All, MetricsQuery::new(from, to, by.into(), group.into(), as_of, today)).await?;
    let bytes = match format {
        MetricsFormat::Text => report::to_text(&report).into_bytes(),
        MetricsFormat::Json => report::to_json(&report).into_bytes(),
        MetricsFormat::Csv => report::to_csv(&report).into_bytes(),
        MetricsFormat::Xlsx => report::to_xlsx(&report).map_err(|e| CliError::Message(format!("xlsx: {e}")))?,
    };
    match output {
        Some(p) => std::fs::write(&p, bytes).map_err(|source| CliError::Io { path: p, source })?,
        None => {
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
    }
    Ok(0)
}

/// `record-checks`: overdue items and process flags as JSON.
pub async fn checks(cfg: &Config, today: Option<chrono::NaiveDate>) -> Result<i32, CliError> {
    let service = Service::open_read_only(cfg).await?;
    let today = today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let v = service.record_checks(&Scope::All, today).await?;
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    Ok(0)
}
