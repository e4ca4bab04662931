//! `check`, `rules` and `extract`: the core alone, nothing stored.

use super::args::{ExtractFormat, FailOnArg, ReportFormat, RulesAction, StageArg};
use super::{read_file, CliError};
use crate::core::review::{self, check_files, exit_code};
use crate::core::rules::Rulebook;
use crate::server::service::Config;
use std::io::Write;
use std::path::{Path, PathBuf};

fn load_rulebook(dir: Option<&Path>) -> Result<Rulebook, CliError> {
    Ok(match dir {
        Some(d) => Rulebook::load_dir(d)?,
        None => Rulebook::builtin()?,
    })
}

/// `check FILE…`: the exit code says whether findings reached `--fail-on`.
pub fn check(
    files: &[PathBuf],
    format: ReportFormat,
    stage: Option<StageArg>,
    fail_on: FailOnArg,
    rules: Option<&Path>,
    jobs: Option<usize>,
    cfg: &Config,
) -> Result<i32, CliError> {
    let book = load_rulebook(rules)?;
    let threads = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let report = check_files(files, &book, stage.map(Into::into), &cfg.limits, threads);
    let rendered = match format {
        ReportFormat::Text => crate::report::text::render(&report),
        ReportFormat::Json => crate::report::json::render(&report),
        ReportFormat::Html => crate::report::html::render(&report),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(rendered.as_bytes());
    for d in report.documents.iter().filter(|d| d.error.is_some()) {
        eprintln!("error: {}: {}", d.file, d.error.as_deref().unwrap_or_default());
    }
    Ok(exit_code(&report, fail_on.into()))
}

/// `rules list|show|test|lint`.
pub fn rules(action: RulesAction, dir: Option<&Path>) -> Result<i32, CliError> {
    let book = load_rulebook(dir)?;
    let mut out = std::io::stdout().lock();
    match action {
        RulesAction::List => {
            for r in book.rules() {
                let _ = writeln!(out, "{}\t{}\t{}\t{}", r.id, r.category.as_str(), r.severity.as_str(), r.title);
            }
            let _ = writeln!(out, "{} rules, version {}", book.rules().len(), book.version());
            Ok(0)
        }
        RulesAction::Show { id } => {
            let r = book
                .rules()
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(&id))
                .ok_or_else(|| CliError::Message(format!("no rule with id {id}")))?;
            let _ = writeln!(
                out,
                "{} {}\ncategory: {} ({})\nseverity: {}\nstages: {}\nsections: {}\nmatcher: {}\nfile: {}",
                r.id,
                r.title,
                r.category.as_str(),
                r.category.label_zh(),
                r.severity.as_str(),
                r.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                r.sections.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                r.kind(),
                r.file
            );
            let _ = writeln!(out, "message: {}\nsuggestion: {}", r.message, r.suggestion);
            for b in &r.basis {
                if b.text.is_empty() {
                    let _ = writeln!(out, "basis: {} {}", b.law, b.article);
                } else {
                    let _ = writeln!(out, "basis: {} {}：“{}”", b.law, b.article, b.text);
                }
            }
            for e in &r.examples.hit {
                let _ = writeln!(out, "must hit  [{}] {}", e.section, e.text);
            }
            for e in &r.examples.miss {
                let _ = writeln!(out, "must miss [{}] {}", e.section, e.text);
            }
            Ok(0)
        }
        RulesAction::Test => {
            let failures = book.test_examples();
            let examples: usize = book.rules().iter().map(|r| r.examples.hit.len() + r.examples.miss.len()).sum();
            for f in &failures {
                let _ = writeln!(out, "FAIL {} {}[{}] {}: {}", f.file, f.kind, f.index, f.text, f.reason);
            }
            let _ = writeln!(out, "{} rules, {} examples, {} failures", book.rules().len(), examples, failures.len());
            Ok(if failures.is_empty() { 0 } else { 1 })
        }
        RulesAction::Lint => {
            let issues = book.lint();
            for i in &issues {
                let _ = writeln!(out, "{}: {}: {}", i.file, i.rule, i.message);
            }
            let _ = writeln!(out, "{} rules, {} lint issues", book.rules().len(), issues.len());
            Ok(if issues.is_empty() { 0 } else { 1 })
        }
    }
}

/// `extract FILE`: the clauses of one file.
pub fn extract(file: &Path, format: ExtractFormat, cfg: &Config) -> Result<i32, CliError> {
    let bytes = read_file(file)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let doc = review::parse(&bytes, &name, &cfg.limits).map_err(|e| CliError::Message(format!("{}: {e}", file.display())))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ExtractFormat::Text => {
            for c in &doc.clauses {
                let _ = writeln!(out, "{}", c.text);
            }
        }
        ExtractFormat::Json => {
            let clauses: Vec<_> = doc
                .clauses
                .iter()
                .map(|c| {
                    serde_json::json!({"ordinal": c.ordinal, "page": c.page, "section": c.section,
                        "section_kind": c.section_kind, "start": c.start, "end": c.end, "text": c.text})
                })
                .collect();
            let v = serde_json::json!({"file": file.display().to_string(), "pages": doc.pages,
                "sections": doc.sections, "clauses": clauses});
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    Ok(0)
}
