//! The application service: the review pipeline, storage and the search index put together.
//! The HTTP layer and the CLI both drive this and nothing else: there is no way from an
//! adapter to the database or the index except through these operations, and every operation
//! on stored data takes the [`Scope`] of whoever is asking, so authorisation has one place.

use crate::core::finding::Stage;
use crate::core::ingest::{IngestError, Limits};
use crate::core::review::{self, Reviewed};
use crate::core::rules::Rulebook;
use crate::core::vocab::DocumentKind;
use crate::server::store::{
    BlobStore, BlobStream, ClauseView, Page, Paged, DocumentView, NewProject, ProjectView, Store, StoreError, StoredFinding, UploadContent,
};
use fairtender_index::{ClauseIndex, IndexDoc, IndexError, SearchQuery, SearchResults};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the service keeps its state and how it parses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the SQLite file, the index and the blobs.
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub limits: Limits,
    /// A rule library directory; `None`: the built-in library.
    pub rules_dir: Option<PathBuf>,
    /// Where uploaded bytes go (`file:///dir`, `s3://bucket/prefix`); `None`: `data_dir/blobs`.
    pub blob_url: Option<String>,
}

impl Config {
    /// The default configuration rooted at `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config { data_dir: data_dir.into(), database_url: None, limits: Limits::default(), rules_dir: None, blob_url: None }
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => format!("sqlite://{}?mode=rwc", self.data_dir.join("fairtender.db").display()),
        }
    }
}

pub use crate::core::account::{Actor, Scope};

/// Why a service call failed. The HTTP layer maps each to a status and a Chinese message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("document refused")]
    Ingest(#[from] IngestError),
    #[error("storage failed")]
    Store(#[from] StoreError),
    #[error("search index failed")]
    Index(#[from] IndexError),
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The scope may not do this (e.g. create a project for another agency).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("background task failed: {0}")]
    Task(String),
    #[error("rule library failed to load")]
    Rules(#[from] crate::core::rules::RuleError),
    #[error("cannot listen on {addr}")]
    Bind { addr: std::net::SocketAddr, #[source] source: std::io::Error },
    /// Another process (normally `fairtender serve`) holds the search index's writer lock.
    #[error("the search index in {dir} is in use by another fairtender process (is `fairtender serve` running on this data directory?); stop it first, or upload through its HTTP API")]
    IndexBusy { dir: PathBuf },
    /// A read-only service was asked to write.
    #[error("this command opened the data read-only and cannot change it")]
    ReadOnly,
    #[error("cannot create data directory {path}")]
    DataDir { path: PathBuf, #[source] source: std::io::Error },
    /// A username or password refused by the account policy.
    #[error("account refused")]
    Account(#[from] crate::core::account::AccountError),
    /// Wrong username or password (which of the two is not said).
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed logins for the account or the address.
    #[error("too many failed logins; retry after {retry_after_secs} s")]
    LoginThrottled { retry_after_secs: u64 },
    /// A finding decision that does not apply.
    #[error("decision refused")]
    Decision(#[from] crate::core::workflow::DecisionError),
    /// A lifecycle move that does not exist.
    #[error("a project cannot go from {from:?} to {to:?}")]
    BadTransition { from: crate::core::workflow::ProjectStatus, to: crate::core::workflow::ProjectStatus },
    /// Approval refused: these findings on the current version are open or confirmed.
    #[error("approval blocked by {} finding(s)", .0.len())]
    ApprovalBlocked(Vec<workflow::BlockingFinding>),
}

mod accounts;
pub mod challenges;
pub mod inspections;
pub mod runs;
pub mod workflow;

pub use accounts::{CreatedUser, IssuedToken, Session, UserRequest, SESSION_HOURS};

/// The result of an upload.
#[derive(Debug, Clone)]
pub enum UploadOutcome {
    /// Parsed, stored and indexed.
    Stored(DocumentView),
    /// The same bytes were already uploaded to this project: nothing changed.
    Duplicate(DocumentView),
    /// Stored with status `needs_ocr` (a scanned PDF): kept so OCR can be run later.
    NeedsOcr(DocumentView),
}

/// The service: storage plus index plus parse limits.
#[derive(Clone)]
pub struct Service {
    store: Store,
    index: Arc<ClauseIndex>,
    rulebook: Arc<Rulebook>,
    limits: Limits,
    /// Opened by [`Service::open_read_only`]: searches and reads, never writes.
    read_only: bool,
    /// Corpus runs in progress in this process (their cancellation flags).
    runs: runs::Runs,
}

/// How many of the most recent confirmed or flagged findings an upload is compared with.
pub const MAX_PRECEDENTS: u64 = 5000;

/// How old an unreferenced blob must be before the start-up sweep removes it.
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

fn create_data_dir(config: &Config) -> Result<(), ServiceError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServiceError::DataDir { path: config.data_dir.clone(), source })
}

/// The blob store the configuration names.
fn blob_store(config: &Config) -> Result<BlobStore, StoreError> {
    match &config.blob_url {
        Some(url) if !url.is_empty() => BlobStore::open(url),
        _ => BlobStore::local(&config.data_dir.join("blobs")),
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Service {
    /// Opens the database (running migrations), the blob store and the index, then brings
    /// the index up to date with the database.
    pub async fn open(config: &Config) -> Result<Service, ServiceError> {
        create_data_dir(config)?;
        let rulebook = match &config.rules_dir {
            Some(dir) => Rulebook::load_dir(dir)?,
            None => Rulebook::builtin()?,
        };
        let store = Store::connect(&config.database_url(), blob_store(config)?).await?;
        let index_dir = config.data_dir.join("index");
        let dir = index_dir.clone();
        let index = tokio::task::spawn_blocking(move || ClauseIndex::open_or_create(&dir))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
            .map_err(|e| if ClauseIndex::is_lock_busy(&e) { ServiceError::IndexBusy { dir: index_dir } } else { e.into() })?;
        let service =
            Service { store, index: Arc::new(index), rulebook: Arc::new(rulebook), limits: config.limits.clone(), read_only: false, runs: Default::default() };
        // Runs a stopped process left behind cannot finish: they are marked failed.
        let interrupted = crate::server::store::runs::interrupt_running(service.store.db()).await?;
        if interrupted > 0 {
            tracing::warn!(runs = interrupted, "corpus runs interrupted by the last stop marked failed");
        }
        let backfilled = service.backfill_identities().await?;
        if backfilled > 0 {
            tracing::info!(findings = backfilled, "gave stored findings their identity across versions");
        }
        let caught_up = service.catch_up_index().await?;
        if caught_up > 0 {
            tracing::info!(documents = caught_up, "index caught up with the database");
        }
        // Blobs of uploads whose transaction failed or was cut by a crash: collected in the
        // background, past a grace that keeps uploads in flight in other instances safe.
        let sweeper = service.store.clone();
        tokio::spawn(async move {
            match sweeper.sweep_orphan_blobs(ORPHAN_GRACE).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(blobs = n, "removed blobs no document references"),
                Err(e) => tracing::warn!(error = %e, "sweeping orphaned blobs failed"),
            }
        });
        Ok(service)
    }

    /// Opens the data for reading only (search, metrics, checks of the registers): the index
    /// without its writer, so it works beside a running `fairtender serve`, and no rule
    /// library (nothing is checked). Uploads and reindexing are refused.
    pub async fn open_read_only(config: &Config) -> Result<Service, ServiceError> {
        create_data_dir(config)?;
        let store = Store::connect_read_only(&config.database_url(), blob_store(config)?).await?;
        let index_dir = config.data_dir.join("index");
        let index = tokio::task::spawn_blocking(move || {
            if index_dir.join("meta.json").exists() {
                ClauseIndex::open_read_only(&index_dir)
            } else {
                // Nothing indexed yet: an empty index answers every search with nothing.
                ClauseIndex::in_memory()
            }
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))??;
        Ok(Service {
            store,
            index: Arc::new(index),
            rulebook: Arc::new(Rulebook::empty()),
            limits: config.limits.clone(),
            read_only: true,
            runs: Default::default(),
        })
    }

    /// The rule library in use.
    pub fn rulebook(&self) -> &Arc<Rulebook> {
        &self.rulebook
    }

    /// The parse limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Reviews bytes without storing anything (the stateless check).
    pub async fn check(&self, file_name: String, bytes: Vec<u8>, stage: Option<Stage>) -> Result<Reviewed, ServiceError> {
        let (book, limits) = (self.rulebook.clone(), self.limits.clone());
        let reviewed = tokio::task::spawn_blocking(move || review::run(&bytes, &file_name, &book, stage, &limits))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))??;
        Ok(reviewed)
    }

    /// Creates a project; an agency scope may create projects of its own agency only.
    pub async fn create_project(&self, scope: &Scope, project: &NewProject) -> Result<ProjectView, ServiceError> {
        if !scope.sees(&project.agency) {
            return Err(ServiceError::Forbidden("create a project for another agency"));
        }
        Ok(self.store.create_project(project).await?)
    }

    /// A project visible to `scope`.
    pub async fn project(&self, scope: &Scope, id: i64) -> Result<ProjectView, ServiceError> {
        Ok(self.store.project(id, scope).await?)
    }

    /// The projects visible to `scope`, newest first.
    pub async fn projects(&self, scope: &Scope, page: Page) -> Result<Paged<ProjectView>, ServiceError> {
        Ok(self.store.projects(scope, page).await?)
    }

    /// The project with 项目编号 `project_no` in `agency`, if it exists and is visible.
    pub async fn project_by_number(&self, scope: &Scope, agency: &str, project_no: &str) -> Result<Option<ProjectView>, ServiceError> {
        if !scope.sees(agency) {
            return Ok(None);
        }
        Ok(self.store.project_by_number(agency, project_no).await?)
    }

    /// The document versions of a visible project, oldest first.
    pub async fn documents_of(&self, scope: &Scope, project_id: i64, page: Page) -> Result<Paged<DocumentView>, ServiceError> {
        self.store.project(project_id, scope).await?;
        Ok(self.store.documents_of(project_id, page).await?)
    }

    /// The challenges against a visible project and the complaints that followed them.
    pub async fn challenges_of(
        &self,
        scope: &Scope,
        project_id: i64,
    ) -> Result<(Vec<crate::core::records::Challenge>, Vec<crate::core::records::Complaint>), ServiceError> {
        self.store.project(project_id, scope).await?;
        Ok(crate::server::store::records::of_project(self.store.db(), project_id).await?)
    }

    /// A visible document.
    pub async fn document(&self, scope: &Scope, id: i64) -> Result<DocumentView, ServiceError> {
        Ok(self.store.document(id, scope).await?)
    }

    /// The clauses of a visible document, in order.
    pub async fn clauses(&self, scope: &Scope, document_id: i64, page: Page) -> Result<Paged<ClauseView>, ServiceError> {
        Ok(self.store.clauses(document_id, scope, page).await?)
    }

    /// The original bytes of a visible document, with its file name.
    pub async fn document_file(&self, scope: &Scope, id: i64) -> Result<(String, BlobStream), ServiceError> {
        Ok(self.store.document_bytes(id, scope).await?)
    }

    /// A visible document with its stored findings in position order.
    pub async fn findings(
        &self,
        scope: &Scope,
        document_id: i64,
        page: Page,
    ) -> Result<(DocumentView, Paged<StoredFinding>), ServiceError> {
        let doc = self.store.document(document_id, scope).await?;
        let findings = self.store.findings(document_id, scope, page).await?;
        Ok((doc, findings))
    }

    /// Parses, stores and indexes an upload. A refused file stores nothing; a scanned PDF is
    /// stored with status `needs_ocr` and no clauses.
    ///
    /// A new version carries the review of the previous one: findings whose identity persists
    /// keep their decisions, those gone become fixed (see `store::workflow::carry_over`).
    pub async fn upload(
        &self,
        by: &Actor,
        project_id: i64,
        kind: DocumentKind,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadOutcome, ServiceError> {
        if self.read_only {
            return Err(ServiceError::ReadOnly);
        }
        accounts::require(by, crate::core::account::Permission::Prepare)?;
        let project = self.store.project(project_id, &by.scope()).await?;
        if project.status == crate::core::workflow::ProjectStatus::Closed {
            return Err(ServiceError::Invalid("项目已结束，不能再上传文件".into()));
        }
        if bytes.len() as u64 > self.limits.max_bytes {
            return Err(IngestError::TooLarge { size: bytes.len() as u64, limit: self.limits.max_bytes }.into());
        }
        let sha = sha256_hex(&bytes);
        if let Some(existing) = self.store.find_duplicate(project_id, &sha).await? {
            return Ok(UploadOutcome::Duplicate(existing));
        }
        let limits = self.limits.clone();
        let name = file_name.to_string();
        let rulebook = self.rulebook.clone();
        // Documents are checked on upload with every stage's rules (事前 by default: a new
        // upload is a draft or a new version); findings belong to this version and rule set.
        let (bytes, parsed) = tokio::task::spawn_blocking(move || {
            let parsed = review::run(&bytes, &name, &rulebook, None, &limits);
            (bytes, parsed)
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))?;
        match parsed {
            Ok(Reviewed { document, mut findings }) => {
                // Clauses no rule flagged that resemble a reviewer's confirmed or flagged
                // clause elsewhere: notices pointing at that precedent.
                let precedents = crate::server::store::workflow::precedents(self.store.db(), &project.agency, project_id, MAX_PRECEDENTS).await?;
                if !precedents.is_empty() {
                    let (doc, found) = (document.clone(), findings.clone());
                    let notices = tokio::task::spawn_blocking(move || {
                        crate::core::precedent::PrecedentIndex::new(precedents).notices(&doc, &found)
                    })
                    .await
                    .map_err(|e| ServiceError::Task(e.to_string()))?;
                    findings.extend(notices);
                }
                // 事中: an amendment issued too close to the deadline as the project records it.
                if kind != DocumentKind::Tender {
                    if let Some(f) = self.late_amendment_finding(&project, &document) {
                        findings.push(f);
                    }
                }
                let content =
                    UploadContent::Parsed { doc: &document, findings: &findings, rulebook: &self.rulebook };
                let view = self.store.add_document(project_id, kind, file_name, &bytes, &sha, content, &by.username).await?;
                // The database is committed; if indexing fails or the process dies now,
                // the start-up catch-up indexes this document.
                if let Err(e) = self.index_document(view.id).await {
                    tracing::error!(document_id = view.id, error = %e, "indexing failed; will catch up on restart");
                }
                Ok(UploadOutcome::Stored(view))
            }
            Err(IngestError::NeedsOcr { pages }) => {
                let view = self
                    .store
                    .add_document(project_id, kind, file_name, &bytes, &sha, UploadContent::NeedsOcr { pages, format: "pdf" }, &by.username)
                    .await?;
                Ok(UploadOutcome::NeedsOcr(view))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The timing finding of a clarification or correction uploaded fewer than 15 days (磋商 5)
    /// before the project's deadline: on the amendment's first clause, citing T03's basis.
    fn late_amendment_finding(&self, project: &ProjectView, doc: &crate::core::document::SegmentedDocument) -> Option<crate::core::finding::Finding> {
        use crate::core::finding::{Category, Finding, Severity, Stage};
        let deadline = project.deadline?;
        let method = crate::core::vocab::Method::parse(&project.method);
        let issued = chrono::Utc::now().date_naive();
        let (left, required) = crate::core::workflow::late_amendment(method, issued, deadline.date_naive())?;
        let c = doc.clauses.first()?;
        let t03 = self.rulebook.rule("T03");
        let message = format!(
            "本次澄清或修改于{issued}上传，距投标（响应）截止时间{}仅{left}日，不足{required}日；如其内容可能影响投标文件编制，应顺延截止时间（项目截止时间尚未顺延）。",
            deadline.date_naive()
        );
        Some(Finding::on_clause(
            c,
            crate::core::workflow::LATE_AMENDMENT_RULE,
            Category::Timeline,
            Severity::Warning,
            Stage::Mid,
            message,
            t03.map(|r| r.basis.clone()).unwrap_or_default(),
            t03.map(|r| r.suggestion.clone()).unwrap_or_default(),
        ))
    }

    /// Moves a project's bid (response) deadline (顺延), e.g. with an amendment.
    pub async fn move_deadline(
        &self,
        by: &Actor,
        project_id: i64,
        deadline: chrono::DateTime<chrono::Utc>,
    ) -> Result<ProjectView, ServiceError> {
        accounts::require(by, crate::core::account::Permission::Prepare)?;
        let _turn = self.store.write_turn().await;
        let before = self.store.project(project_id, &by.scope()).await?;
        let row = crate::server::store::workflow::project_row(self.store.db(), project_id).await?;
        crate::server::store::workflow::set_deadline(self.store.db(), row, deadline).await?;
        let mut e = crate::server::store::accounts::AuditEntry::new(by, "project.deadline", "project", project_id);
        e.agency = Some(before.agency.clone());
        e.before = Some(serde_json::json!({"deadline": before.deadline}));
        e.after = Some(serde_json::json!({"deadline": deadline}));
        crate::server::store::accounts::append(self.store.db(), e).await?;
        Ok(self.store.project(project_id, &Scope::All).await?)
    }

    /// Removes blobs no document references that are older than `grace` (the service does
    /// this on start with [`ORPHAN_GRACE`]).
    pub async fn sweep_orphan_blobs(&self, grace: std::time::Duration) -> Result<usize, ServiceError> {
        if self.read_only {
            return Err(ServiceError::ReadOnly);
        }
        Ok(self.store.sweep_orphan_blobs(grace).await?)
    }

    /// (Re)indexes one document's clauses.
    pub async fn index_document(&self, document_id: i64) -> Result<usize, ServiceError> {
        let docs: Vec<IndexDoc> = self.store.clauses_for_index(document_id).await?;
        let n = docs.len();
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.index_documents(&docs))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))??;
        Ok(n)
    }

    /// Indexes every parsed document the index does not have yet (after a crash between
    /// the database commit and the index commit). Returns the number of documents indexed.
    pub async fn catch_up_index(&self) -> Result<usize, ServiceError> {
        let index = self.index.clone();
        let present = tokio::task::spawn_blocking(move || index.indexed_document_ids())
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))??;
        let mut count = 0;
        for id in self.store.parsed_document_ids().await? {
            if !present.contains(&id) && self.index_document(id).await? > 0 {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Drops the index and rebuilds it from the database. `progress(done, total)` is called
    /// after each document.
    pub async fn reindex(&self, mut progress: impl FnMut(usize, usize)) -> Result<usize, ServiceError> {
        if self.read_only {
            return Err(ServiceError::ReadOnly);
        }
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await.map_err(|e| ServiceError::Task(e.to_string()))??;
        let ids = self.store.parsed_document_ids().await?;
        let mut clauses = 0;
        for (i, id) in ids.iter().enumerate() {
            clauses += self.index_document(*id).await?;
            progress(i + 1, ids.len());
        }
        Ok(clauses)
    }

    /// Full-text search. With an agency scope, only the agency's own documents are searched
    /// (a filter naming another agency finds nothing).
    pub async fn search(&self, scope: &Scope, mut query: SearchQuery) -> Result<SearchResults, ServiceError> {
        if let Some(agencies) = scope.agencies() {
            if query.filters.agency.as_deref().is_some_and(|a| !agencies.contains(&a)) {
                return Ok(SearchResults::default());
            }
            query.filters.agency_any = Some(agencies.iter().map(|a| a.to_string()).collect());
        }
        if scope.published_only() {
            // Drafts are confidential: only clauses of public projects are searched.
            query.filters.project_any = Some(self.store.public_project_ids().await?);
        }
        let index = self.index.clone();
        let results = tokio::task::spawn_blocking(move || index.search(&query))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))??;
        Ok(results)
    }
}

/// The result of a register import.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RecordImport {
    /// What was written; `None` when rejected rows blocked an all-or-nothing import.
    pub written: Option<crate::server::store::records::ImportSummary>,
    /// Rows refused, with file, row, id and reason.
    #[schema(value_type = Vec<Object>)]
    pub rejected: Vec<crate::core::records::RejectedRow>,
    /// Rows whose id is already stored (re-import): left unchanged.
    pub unchanged: usize,
    /// Statutory-period breaches of the imported rows (imported and flagged).
    #[schema(value_type = Vec<Object>)]
    pub flags: Vec<crate::core::records::ProcessFlag>,
}

impl Service {
    /// Validates every row of a register import, then writes all of it, or (with
    /// `skip_invalid`) the valid rows only. Re-importing the same files changes nothing.
    pub async fn import_records(
        &self,
        scope: &Scope,
        files: crate::core::records::ImportFiles,
        skip_invalid: bool,
    ) -> Result<RecordImport, ServiceError> {
        use crate::core::records::RejectReason;
        // Registers list many agencies' projects: importing them is the operator's job until
        // accounts exist (the workflow issue), not one agency's.
        if !scope.is_all() {
            return Err(ServiceError::Forbidden("import registers as one agency"));
        }
        // The turn covers validation too: rows validated against what is stored must still be
        // new when written (SQLite; on PostgreSQL a concurrent import loses with a 409).
        let turn = self.store.write_turn().await;
        let stored = crate::server::store::records::load(self.store.db()).await?;
        let known = crate::server::store::records::known(&stored);
        let plan = tokio::task::spawn_blocking(move || crate::core::records::parse_import(files, &known))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?;
        let (unchanged, rejected): (Vec<_>, Vec<_>) =
            plan.rejected.iter().cloned().partition(|r| matches!(r.reason, RejectReason::AlreadyExists));
        let written = if rejected.is_empty() || skip_invalid {
            Some(crate::server::store::records::write(self.store.db(), &plan).await?)
        } else {
            None
        };
        drop(turn);
        // A matched project may have got its publication year from the register: its clauses'
        // year facet is indexed again (the database is committed; failures are caught up on
        // the next reindex, so they are logged, not returned).
        for project_id in written.iter().flat_map(|w| w.matched_projects.iter()) {
            for doc in self.store.documents_of(*project_id, Page::ALL).await?.items {
                if let Err(e) = self.index_document(doc.id).await {
                    tracing::error!(document_id = doc.id, error = %e, "reindexing after a register import failed");
                }
            }
        }
        Ok(RecordImport { written, rejected, unchanged: unchanged.len(), flags: plan.flags })
    }

    /// Links a challenge to a clause it targets.
    pub async fn link_challenge_clause(&self, scope: &Scope, challenge_id: &str, clause_id: i64) -> Result<(), ServiceError> {
        if !scope.is_all() {
            // Another agency's challenge is answered as absent: its project must be visible.
            let missing = || ServiceError::from(StoreError::NotFound(crate::server::store::Missing::Challenge));
            let project = crate::server::store::records::challenge_project(self.store.db(), challenge_id).await?.ok_or_else(missing)?;
            self.store.project(project, scope).await.map_err(|_| missing())?;
        }
        let _turn = self.store.write_turn().await;
        Ok(crate::server::store::records::link_clause(self.store.db(), challenge_id, clause_id).await?)
    }

    /// Challenge/complaint statistics over the stored registers and the review activity.
    pub async fn metrics(
        &self,
        scope: &Scope,
        q: crate::core::records::MetricsQuery,
    ) -> Result<crate::core::records::MetricsReport, ServiceError> {
        let mut records = crate::server::store::records::load(self.store.db()).await?;
        records.projects.extend(crate::server::store::records::published_projects(self.store.db()).await?);
        let mut links = crate::server::store::records::links(self.store.db()).await?;
        let mut pre = crate::server::store::records::pre_stage(self.store.db()).await?;
        // Inspectors see statistics over everything (aggregates show no draft's content);
        // officers and reviewers over their agencies.
        if let Some(agencies) = scope.agencies() {
            records = records.of_agencies(&agencies);
            let ids: std::collections::HashSet<&str> = records.challenges.iter().map(|c| c.id.as_str()).collect();
            links.retain(|l| ids.contains(l.challenge_id.as_str()));
            pre.retain(|p| p.agency.as_deref().is_some_and(|a| agencies.contains(&a)));
        }
        tokio::task::spawn_blocking(move || {
            let input = crate::core::records::MetricsInput {
                projects: &records.projects,
                challenges: &records.challenges,
                complaints: &records.complaints,
                links: &links,
                pre_stage: &pre,
            };
            crate::core::records::metrics(&input, &q)
        })
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))
    }

    /// Overdue replies and decisions as of `today`, and the process checks over all records.
    pub async fn record_checks(&self, scope: &Scope, today: chrono::NaiveDate) -> Result<serde_json::Value, ServiceError> {
        let mut r = crate::server::store::records::load(self.store.db()).await?;
        if let Some(agencies) = scope.agencies() {
            r = r.of_agencies(&agencies);
        }
        let dl = crate::core::records::Deadlines::new(crate::core::calendar::WorkCalendar::builtin());
        let (overdue, uncertain) = crate::core::records::overdue(&dl, &r.challenges, &r.complaints, today);
        let mut flags = crate::core::records::check_all(&dl, &r.projects, &r.challenges, &r.complaints);
        flags.extend(crate::core::records::repeat_patterns(&r.projects, &r.challenges, 365, 3));
        Ok(serde_json::json!({ "today": today, "overdue": overdue, "uncertain": uncertain, "flags": flags }))
    }
}
