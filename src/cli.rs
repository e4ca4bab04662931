//! Command-line interface. `main` stays thin: parse, dispatch, map errors to exit code 2
//! with the message on stderr.

use crate::app::Application;
use crate::check::{check_files, exit_code, FailOn};
use crate::finding::Stage;
use crate::rules::Rulebook;
use crate::service::{parse_document, Config, Service, ServiceError, UploadOutcome};
use crate::store::NewProject;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// fairtender — fair-competition review of government procurement documents
/// (政府采购文件公平竞争审查).
#[derive(Debug, Parser)]
#[command(name = "fairtender", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Directory holding the SQLite database, the search index and the uploaded files.
    #[arg(long, global = true, env = "FAIRTENDER_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL (sqlite://… or postgres://…); default: SQLite in --data-dir.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest accepted file in MiB.
    #[arg(long, global = true, env = "FAIRTENDER_MAX_FILE_MB", default_value_t = 50)]
    pub max_file_mb: u64,
    /// Largest accepted PDF page count.
    #[arg(long, global = true, env = "FAIRTENDER_MAX_PAGES", default_value_t = 2000)]
    pub max_pages: u32,
    /// Time limit for parsing one file, in seconds.
    #[arg(long, global = true, env = "FAIRTENDER_PARSE_TIMEOUT", default_value_t = 60)]
    pub parse_timeout: u64,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the HTTP service (JSON API under /api/v1).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "FAIRTENDER_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the bundled sample documents into an empty database first.
        #[arg(long)]
        demo: bool,
    },
    /// Parse one file and print its clauses (nothing is stored).
    Extract {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = ExtractFormat::Text)]
        format: ExtractFormat,
    },
    /// Bulk-ingest every PDF/DOCX/TXT under DIR; each file becomes a project named after it
    /// (or a new version of it, if a project with that number exists).
    Import {
        dir: PathBuf,
        /// Agency the imported projects belong to.
        #[arg(long, default_value = "批量导入")]
        agency: String,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// Check documents against the rule library (nothing is stored). Exit 0: nothing at or
    /// above --fail-on; 1: findings at or above it; 2: a file could not be checked.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Only rules that apply in this stage (pre 事前, mid 事中, post 事后).
        #[arg(long, value_enum)]
        stage: Option<StageArg>,
        #[arg(long, value_enum, default_value_t = FailOnArg::Violation)]
        fail_on: FailOnArg,
        /// Load the rule library from this directory instead of the built-in one.
        #[arg(long, env = "FAIRTENDER_RULES")]
        rules: Option<PathBuf>,
        /// Worker threads (default: available cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Inspect and test the rule library.
    Rules {
        #[command(subcommand)]
        action: RulesAction,
        /// Use the rule library in this directory instead of the built-in one.
        #[arg(long, env = "FAIRTENDER_RULES", global = true)]
        rules: Option<PathBuf>,
    },
    /// Import challenge/complaint registers (CSV in UTF-8 or GB18030, or XLSX). Every row is
    /// validated first; nothing is written if any row is rejected, unless --skip-invalid.
    ImportRecords {
        #[arg(long)]
        projects: Option<PathBuf>,
        #[arg(long)]
        challenges: Option<PathBuf>,
        #[arg(long)]
        complaints: Option<PathBuf>,
        /// Import the valid rows and report the rejected ones.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// Challenge/complaint figures (事后督查): counts, change, rate per 100 projects, upheld
    /// share, late items, the link to review findings.
    Metrics {
        #[arg(long)]
        from: Option<i32>,
        #[arg(long)]
        to: Option<i32>,
        #[arg(long, value_enum, default_value_t = ByArg::Year)]
        by: ByArg,
        #[arg(long, value_enum)]
        group: Option<GroupArg>,
        #[arg(long, value_enum, default_value_t = MetricsFormat::Text)]
        format: MetricsFormat,
        /// Reference date for items still awaiting a reply or decision (default: today).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Write to this file instead of stdout (needed for xlsx on a terminal).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Overdue replies/decisions and process-check flags over the stored registers.
    RecordChecks {
        /// Reference date (default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Search clauses (each term is an exact substring; all terms must match).
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Filter by section kind (qualification, scoring, …).
        #[arg(long)]
        section_kind: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// What `rules` does.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// One line per rule: id, category, severity, title.
    List,
    /// Everything about one rule.
    Show { id: String },
    /// Run every rule's must-hit and must-not-hit examples.
    Test,
    /// Check required fields, example counts, citations.
    Lint,
}

/// `metrics --by`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    Year,
    Quarter,
    Month,
}

/// `metrics --group`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupArg {
    Agency,
    Purchaser,
    Category,
    Method,
}

/// `metrics --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MetricsFormat {
    Text,
    Json,
    Csv,
    Xlsx,
}

/// Builds a metrics query; the year range defaults to the years present in the data.
pub fn metrics_query(
    from: Option<i32>,
    to: Option<i32>,
    by: ByArg,
    group: Option<GroupArg>,
    as_of: Option<chrono::NaiveDate>,
) -> crate::records::MetricsQuery {
    use crate::records::{GroupBy, Granularity};
    use chrono::Datelike;
    let this_year = chrono::Utc::now().year();
    crate::records::MetricsQuery {
        from_year: from.unwrap_or(to.unwrap_or(this_year) - 1),
        to_year: to.unwrap_or(this_year),
        by: match by {
            ByArg::Year => Granularity::Year,
            ByArg::Quarter => Granularity::Quarter,
            ByArg::Month => Granularity::Month,
        },
        group: match group {
            None => GroupBy::None,
            Some(GroupArg::Agency) => GroupBy::Agency,
            Some(GroupArg::Purchaser) => GroupBy::Purchaser,
            Some(GroupArg::Category) => GroupBy::Category,
            Some(GroupArg::Method) => GroupBy::Method,
        },
        as_of: Some(as_of.unwrap_or_else(|| chrono::Utc::now().date_naive())),
    }
}

/// Report formats of `check`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Html,
}

/// `--stage`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StageArg {
    Pre,
    Mid,
    Post,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Violation,
    Warning,
    Never,
}

/// Output formats of `extract`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExtractFormat {
    Text,
    Json,
}

/// A CLI failure: printed on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
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

fn error_chain(e: &dyn std::error::Error) -> String {
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

fn config(g: &GlobalOpts) -> Config {
    let mut c = Config::new(&g.data_dir);
    c.database_url = g.database_url.clone().filter(|u| !u.is_empty());
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
        .map_err(|e| CliError::Message(format!("cannot start runtime: {e}")))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<i32, CliError> {
    let cfg = config(&cli.global);
    match cli.command {
        Command::Extract { file, format } => extract(&file, format, &cfg),
        Command::Serve { addr, demo } => runtime()?.block_on(async {
            let app = Application::build(&cfg, addr).await?;
            if demo {
                let loaded = crate::demo::load(app.service()).await?;
                if loaded > 0 {
                    eprintln!("demo: loaded {loaded} sample documents");
                }
            }
            eprintln!("fairtender listening on http://{}:{} (data: {})", addr.ip(), app.port(), cfg.data_dir.display());
            app.run_until_stopped().await.map_err(|e| CliError::Message(format!("server error: {e}")))?;
            Ok(0)
        }),
        Command::Check { files, format, stage, fail_on, rules, jobs } => {
            let book = load_rulebook(rules.as_deref())?;
            let stage = stage.map(|s| match s {
                StageArg::Pre => Stage::Pre,
                StageArg::Mid => Stage::Mid,
                StageArg::Post => Stage::Post,
            });
            let threads = jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
            let report = check_files(&files, &book, stage, &cfg.limits, threads);
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
            let fail_on = match fail_on {
                FailOnArg::Violation => FailOn::Violation,
                FailOnArg::Warning => FailOn::Warning,
                FailOnArg::Never => FailOn::Never,
            };
            Ok(exit_code(&report, fail_on))
        }
        Command::Rules { action, rules } => rules_command(action, rules.as_deref()),
        Command::ImportRecords { projects, challenges, complaints, skip_invalid } => runtime()?.block_on(async {
            let named = |p: Option<PathBuf>| -> Result<Option<(String, Vec<u8>)>, CliError> {
                p.map(|p| Ok((p.display().to_string(), read_file(&p)?))).transpose()
            };
            let files = crate::records::ImportFiles {
                projects: named(projects)?,
                challenges: named(challenges)?,
                complaints: named(complaints)?,
            };
            if files.projects.is_none() && files.challenges.is_none() && files.complaints.is_none() {
                return Err(CliError::Message("nothing to import: give --projects, --challenges and/or --complaints".into()));
            }
            let service = Service::open(&cfg).await?;
            let out = service.import_records(files, skip_invalid).await?;
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
                        w.projects, w.challenges, w.complaints, out.unchanged, out.rejected.len(), out.flags.len()
                    );
                    Ok(if out.rejected.is_empty() { 0 } else { 1 })
                }
                None => Err(CliError::Message(format!(
                    "import refused: {} rejected rows, nothing written (use --skip-invalid to import the valid rows)",
                    out.rejected.len()
                ))),
            }
        }),
        Command::Metrics { from, to, by, group, format, as_of, output } => runtime()?.block_on(async {
            let service = Service::open(&cfg).await?;
            let report = service.metrics(metrics_query(from, to, by, group, as_of)).await?;
            let bytes = match format {
                MetricsFormat::Text => crate::records::report::to_text(&report).into_bytes(),
                MetricsFormat::Json => crate::records::report::to_json(&report).into_bytes(),
                MetricsFormat::Csv => crate::records::report::to_csv(&report).into_bytes(),
                MetricsFormat::Xlsx => crate::records::report::to_xlsx(&report).map_err(|e| CliError::Message(format!("xlsx: {e}")))?,
            };
            match output {
                Some(p) => std::fs::write(&p, bytes).map_err(|source| CliError::Io { path: p, source })?,
                None => {
                    let _ = std::io::stdout().lock().write_all(&bytes);
                }
            }
            Ok(0)
        }),
        Command::RecordChecks { today } => runtime()?.block_on(async {
            let service = Service::open(&cfg).await?;
            let today = today.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let v = service.record_checks(today).await?;
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(0)
        }),
        Command::Import { dir, agency } => runtime()?.block_on(import(&cfg, &dir, &agency)),
        Command::Reindex => runtime()?.block_on(async {
            let service = Service::open(&cfg).await?;
            let mut bar = Progress::new("reindex");
            let clauses = service.reindex(|done, total| bar.update(done, total, "")).await?;
            bar.finish();
            println!("indexed {clauses} clauses");
            Ok(0)
        }),
        Command::Search { query, limit, section_kind, json } => runtime()?.block_on(async {
            let service = Service::open(&cfg).await?;
            let mut q = fairtender_index::SearchQuery { q: query, limit, ..Default::default() };
            q.filters.section_kind = section_kind;
            let res = service.search(q, None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&res).unwrap_or_default());
            } else {
                println!("{} hits", res.total);
                for h in &res.hits {
                    println!("document {} page {} [{}] {}", h.document_id, h.page, h.section, strip_marks(&h.snippet));
                }
            }
            Ok(0)
        }),
    }
}

fn load_rulebook(dir: Option<&Path>) -> Result<Rulebook, CliError> {
    match dir {
        Some(d) => Rulebook::load_dir(d),
        None => Rulebook::builtin(),
    }
    .map_err(|e| CliError::Message(e.to_string()))
}

fn rules_command(action: RulesAction, dir: Option<&Path>) -> Result<i32, CliError> {
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
            let r = book.rules().iter().find(|r| r.id.eq_ignore_ascii_case(&id))
                .ok_or_else(|| CliError::Message(format!("no rule with id {id}")))?;
            let _ = writeln!(out, "{} {}\ncategory: {} ({})\nseverity: {}\nstages: {}\nsections: {}\nmatcher: {}\nfile: {}",
                r.id, r.title, r.category.as_str(), r.category.label_zh(), r.severity.as_str(),
                r.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                r.sections.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "), r.kind(), r.file);
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

/// Turns a snippet back into plain text for the terminal.
fn strip_marks(s: &str) -> String {
    s.replace("<mark>", "【").replace("</mark>", "】").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io { path: path.to_path_buf(), source })
}

fn extract(file: &Path, format: ExtractFormat, cfg: &Config) -> Result<i32, CliError> {
    let bytes = read_file(file)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let doc = parse_document(&bytes, &name, &cfg.limits).map_err(|e| CliError::Message(format!("{}: {e}", file.display())))?;
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

async fn import(cfg: &Config, dir: &Path, agency: &str) -> Result<i32, CliError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(CliError::Message(format!("{}: no .pdf, .docx or .txt files", dir.display())));
    }
    let service = Service::open(cfg).await?;
    let mut bar = Progress::new("import");
    let (mut stored, mut skipped, mut refused) = (0, 0, 0);
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let project_id = match service.store().projects(Some(agency)).await.map_err(ServiceError::from)?.into_iter().find(|p| p.project_no == stem) {
            Some(p) => p.id,
            None => {
                let p = NewProject {
                    project_no: stem.clone(),
                    name: stem.clone(),
                    purchaser: String::new(),
                    agency: agency.to_string(),
                    method: "公开招标".into(),
                    procurement_type: "goods".into(),
                    budget: crate::money::Fen(0),
                    publish_date: None,
                    deadline: None,
                };
                service.store().create_project(&p).await.map_err(ServiceError::from)?.id
            }
        };
        let bytes = read_file(path)?;
        match service.upload(project_id, "tender", &name, bytes, None).await {
            Ok(UploadOutcome::Stored(_)) => stored += 1,
            Ok(UploadOutcome::Duplicate(_)) => skipped += 1,
            Ok(UploadOutcome::NeedsOcr(_)) => {
                refused += 1;
                bar.note(&format!("{}: needs OCR (no text layer)", path.display()));
            }
            Err(ServiceError::Ingest(e)) => {
                refused += 1;
                bar.note(&format!("{}: refused: {e}", path.display()));
            }
            Err(e) => return Err(e.into()),
        }
        bar.update(i + 1, files.len(), &name);
    }
    bar.finish();
    println!("imported {stored}, already present {skipped}, refused {refused} (of {})", files.len());
    Ok(if refused > 0 { 1 } else { 0 })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CliError::Io { path: dir.to_path_buf(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .is_some_and(|e| matches!(e.as_str(), "pdf" | "docx" | "txt"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// A minimal progress display on stderr: a redrawn bar on a terminal, periodic lines otherwise.
struct Progress {
    label: &'static str,
    tty: bool,
    last_line: usize,
}

impl Progress {
    fn new(label: &'static str) -> Progress {
        Progress { label, tty: std::io::stderr().is_terminal(), last_line: 0 }
    }

    fn update(&mut self, done: usize, total: usize, item: &str) {
        let pct = if total == 0 { 100 } else { done * 100 / total };
        if self.tty {
            let filled = pct / 4;
            eprint!("\r{} [{}{}] {done}/{total} {pct:>3}% {item:<40.40}", self.label, "#".repeat(filled), " ".repeat(25 - filled));
        } else if pct / 10 != self.last_line || done == total {
            self.last_line = pct / 10;
            eprintln!("{}: {done}/{total} ({pct}%)", self.label);
        }
    }

    fn note(&self, msg: &str) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
        eprintln!("{msg}");
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}
