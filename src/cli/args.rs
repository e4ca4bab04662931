//! The command line's arguments (clap definitions) and their mapping onto core types. The
//! core's vocabularies do not know clap; each `…Arg` converts into its core type here.

use crate::core::finding::Stage;
use crate::core::records::{GroupBy, Granularity};
use crate::core::review::FailOn;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// Where uploaded files are kept: file:///dir or s3://bucket/prefix (S3 needs a build with
    /// --features s3; credentials from AWS_* variables); default: --data-dir/blobs.
    #[arg(long, global = true, env = "FAIRTENDER_BLOB_URL")]
    pub blob_url: Option<String>,
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
    /// Accounts: add, list, disable, enable, issue API tokens.
    User {
        #[command(subcommand)]
        action: UserAction,
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

/// What `user` does.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user; a one-time password is printed once.
    Add {
        username: String,
        /// officer, reviewer, inspector or admin.
        #[arg(long)]
        role: String,
        /// The officer's agency; for a reviewer, repeat for each assigned agency.
        #[arg(long)]
        agency: Vec<String>,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
    },
    /// One line per user: id, username, role, state, agencies.
    List,
    /// Disable a user (their sessions and tokens are revoked).
    Disable { username: String },
    /// Enable a disabled user again.
    Enable { username: String },
    /// Issue an API token (printed once; send as `Authorization: Bearer …`).
    Token {
        username: String,
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long, default_value = "cli")]
        label: String,
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

impl From<ByArg> for Granularity {
    fn from(b: ByArg) -> Granularity {
        match b {
            ByArg::Year => Granularity::Year,
            ByArg::Quarter => Granularity::Quarter,
            ByArg::Month => Granularity::Month,
        }
    }
}

impl From<Option<GroupArg>> for GroupBy {
    fn from(g: Option<GroupArg>) -> GroupBy {
        match g {
            None => GroupBy::None,
            Some(GroupArg::Agency) => GroupBy::Agency,
            Some(GroupArg::Purchaser) => GroupBy::Purchaser,
            Some(GroupArg::Category) => GroupBy::Category,
            Some(GroupArg::Method) => GroupBy::Method,
        }
    }
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Stage {
        match s {
            StageArg::Pre => Stage::Pre,
            StageArg::Mid => Stage::Mid,
            StageArg::Post => Stage::Post,
        }
    }
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> FailOn {
        match f {
            FailOnArg::Violation => FailOn::Violation,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Never => FailOn::Never,
        }
    }
}
