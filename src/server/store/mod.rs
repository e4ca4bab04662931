//! Storage adapter: the database (SQLite by default, PostgreSQL when the URL says so) and the
//! content-addressed blob store for uploaded bytes. The database is the source of truth;
//! the search index is derived from it.

pub mod accounts;
mod blobs;
mod findings;
pub mod inspections;
pub mod records;
pub mod runs;
pub mod workflow;

pub use blobs::{BlobStore, BlobStream};

use crate::core::document::{SectionKind, SegmentedDocument};
use crate::core::money::Fen;
pub use crate::core::project::NewProject;
use chrono::{DateTime, NaiveDate, Utc};
use crate::core::finding::Finding;
use crate::core::rules::Rulebook;
use crate::core::vocab::{DocumentKind, DocumentStatus};
use crate::core::account::Scope;
use crate::core::workflow::ProjectStatus;
use fairtender_index::IndexDoc;
use entity::{agency, clause, document, finding, project};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::Serialize;
use std::path::PathBuf;

/// What a lookup did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Project,
    Document,
    Blob,
    Agency,
    Challenge,
    Clause,
    User,
    Token,
    Finding,
    Inspection,
    Draw,
    Run,
}

impl Missing {
    /// The Chinese name of the record, for users ("项目不存在").
    pub fn label_zh(self) -> &'static str {
        match self {
            Missing::Project => "项目",
            Missing::Document => "文件",
            Missing::Blob => "原始文件",
            Missing::Agency => "采购代理机构",
            Missing::Challenge => "质疑",
            Missing::Clause => "条款",
            Missing::User => "用户",
            Missing::Token => "令牌",
            Missing::Finding => "审查问题",
            Missing::Inspection => "检查任务",
            Missing::Draw => "抽取记录",
            Missing::Run => "全库检查任务",
        }
    }
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Missing::Project => "project",
            Missing::Document => "document",
            Missing::Blob => "blob",
            Missing::Agency => "agency",
            Missing::Challenge => "challenge",
            Missing::Clause => "clause",
            Missing::User => "user",
            Missing::Token => "token",
            Missing::Finding => "finding",
            Missing::Inspection => "inspection",
            Missing::Draw => "draw",
            Missing::Run => "corpus run",
        })
    }
}

/// A storage failure, by cause. Operator-facing text; the HTTP layer chooses the status and
/// the Chinese message from the variant, never from the text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("blob store I/O error at {path}")]
    Io { path: PathBuf, #[source] source: std::io::Error },
    #[error("{0} not found")]
    NotFound(Missing),
    /// A project with this 项目编号 already exists in the agency.
    #[error("project {project_no} already exists in agency {agency}")]
    DuplicateProject { agency: String, project_no: String },
    /// The username is taken.
    #[error("user {0} already exists")]
    DuplicateUser(String),
    /// The database needs migrations this read-only command may not run.
    #[error("the database schema is {pending} migration(s) behind this program; start `fairtender serve` (or any writing command) once to upgrade it")]
    SchemaBehind { pending: usize },
    /// Another writer stored the same records at the same time (a concurrent import).
    #[error("a concurrent writer stored the same records first")]
    ConcurrentWrite,
    /// A challenge may only be linked to clauses of its own project's documents.
    #[error("clause {clause} is not in a document of the project challenge {challenge} is about")]
    ClauseOutsideProject { challenge: String, clause: i64 },
    /// The blob store failed (I/O, permissions, the bucket's service).
    #[error("blob store {location} failed")]
    Blob { location: String, #[source] source: object_store::Error },
    /// A blob store URL that cannot be used.
    #[error("cannot use blob store {url}: {reason}")]
    BlobUrl { url: String, reason: String },
    /// A stored record that cannot be read back: an internal fault, not the caller's.
    #[error("stored {what} {id} is unreadable")]
    Corrupt { what: &'static str, id: String, #[source] source: serde_json::Error },
}

/// The id of the agency named `name`, created if it does not exist yet (on `conn`, which may
/// be a transaction).
pub(crate) async fn agency_id(conn: &impl ConnectionTrait, name: &str) -> Result<i64, StoreError> {
    let find = || agency::Entity::find().filter(agency::Column::Name.eq(name)).one(conn);
    if let Some(a) = find().await? {
        return Ok(a.id);
    }
    // ON CONFLICT DO NOTHING rather than catching the error: on PostgreSQL a failed insert
    // would abort the caller's transaction, and a concurrent request may create it first.
    agency::Entity::insert(agency::ActiveModel { name: Set(name.to_string()), created_at: Set(now()), ..Default::default() })
        .on_conflict_do_nothing_on([agency::Column::Name])
        .exec(conn)
        .await?;
    find().await?.map(|a| a.id).ok_or(StoreError::NotFound(Missing::Agency))
}

/// Whether a database error is a unique-constraint violation (a concurrent writer won).
pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Truncates to microseconds: PostgreSQL keeps µs, SQLite would keep ns, and values must
/// compare equal after a round trip on both.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// A page of a list: at most `limit` items (`None`: all) from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: Option<u64>,
}

impl Page {
    /// The whole list (for callers that need every item, e.g. a report).
    pub const ALL: Page = Page { offset: 0, limit: None };

    /// Applies the page to a query. SQLite accepts OFFSET only after a LIMIT, so "all from
    /// `offset`" is written as the largest LIMIT it takes.
    pub(crate) fn apply<Q: QuerySelect>(self, q: Q) -> Q {
        match (self.limit, self.offset) {
            (None, 0) => q,
            (limit, offset) => q.limit(limit.unwrap_or(i64::MAX as u64)).offset(offset),
        }
    }
}

/// One page of a list and the length of the whole list.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// A project as returned by the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub agency: String,
    pub method: String,
    pub procurement_type: String,
    /// Yuan as an exact decimal string.
    pub budget: String,
    pub budget_fen: i64,
    pub publish_date: Option<NaiveDate>,
    pub deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When an imported challenge register last listed the project (`None`: no register does).
    pub registered_at: Option<DateTime<Utc>>,
    /// The lifecycle: draft, in_review, approved, published, awarded, closed.
    pub status: ProjectStatus,
}

/// A stored document version as returned by the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub project_id: i64,
    pub version: i32,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub pages: i32,
    pub format: String,
    pub status: String,
    pub error: Option<String>,
    pub clauses: u64,
    pub findings: u64,
    /// The rule-set version the findings were produced with.
    pub rulebook_version: Option<String>,
    pub uploaded_at: DateTime<Utc>,
}

/// A clause as returned by the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClauseView {
    pub id: i64,
    pub ordinal: i32,
    pub page: i32,
    pub section: String,
    pub section_kind: SectionKind,
    pub start: i64,
    pub end: i64,
    pub is_table_row: bool,
    pub text: String,
}

/// A finding as stored: the checker's finding plus its id, clause and review status.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredFinding {
    pub id: i64,
    pub rulebook_version: String,
    /// open | confirmed | dismissed | accepted | fixed
    pub status: crate::core::workflow::FindingStatus,
    /// The identity that follows the finding across versions (rule:clause-hash:repeat).
    pub identity: Option<String>,
    /// An officer's pending request to dismiss it, with the reason.
    pub dismissal_request: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was dismissed or accepted.
    pub reason: Option<String>,
    /// Flagged by a reviewer by hand.
    pub manual: bool,
    /// The later version in which it is gone.
    pub fixed_in_document_id: Option<i64>,
    #[serde(flatten)]
    pub finding: Finding,
}

/// What to store for an upload: either a parsed document or a document that needs OCR.
pub enum UploadContent<'a> {
    Parsed { doc: &'a SegmentedDocument, findings: &'a [Finding], rulebook: &'a Rulebook },
    NeedsOcr { pages: u32, format: &'a str },
}

/// The database plus the blob store.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    blobs: BlobStore,
    /// Rule-set versions known to be stored, with their rule texts (read once each).
    rule_sets: findings::RuleSets,
    /// Serialises write transactions on SQLite (`None` on PostgreSQL).
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// SQLite limits bound parameters per statement; clauses are inserted in chunks.
const INSERT_CHUNK: usize = 500;

impl Store {
    /// Connects to `database_url`, runs pending migrations, and keeps uploaded bytes in `blobs`.
    pub async fn connect(database_url: &str, blobs: BlobStore) -> Result<Store, StoreError> {
        Store::open(database_url, blobs, true).await
    }

    /// Connects without migrating (read-only commands beside a running service must not
    /// change its schema); a database older than this program is refused in a sentence.
    pub async fn connect_read_only(database_url: &str, blobs: BlobStore) -> Result<Store, StoreError> {
        Store::open(database_url, blobs, false).await
    }

    async fn open(database_url: &str, blobs: BlobStore, migrate: bool) -> Result<Store, StoreError> {
        let mut opt = ConnectOptions::new(database_url.to_string());
        // sqlx logs every statement at INFO otherwise, and statements can carry document text.
        opt.sqlx_logging(false);
        let sqlite = database_url.starts_with("sqlite:");
        if sqlite {
            use sea_orm::sqlx::sqlite::SqliteJournalMode;
            opt.max_connections(4);
            // On every pooled connection (a PRAGMA after connecting reaches only one): WAL so
            // readers never wait for the writer, a busy timeout so a writer waits for another
            // process's writer instead of failing, foreign keys enforced.
            opt.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal).busy_timeout(std::time::Duration::from_secs(30)).foreign_keys(true)
            });
        }
        let db = Database::connect(opt).await?;
        use migration::MigratorTrait;
        if migrate {
            migration::Migrator::up(&db, None).await?;
        } else {
            let pending = migration::Migrator::get_pending_migrations(&db).await?.len();
            if pending > 0 {
                return Err(StoreError::SchemaBehind { pending });
            }
        }
        // SQLite has one writer: a transaction that read and then writes fails at once with
        // SQLITE_BUSY(_SNAPSHOT) if another wrote meanwhile, which no busy timeout cures. So this
        // process's write transactions take turns (PostgreSQL needs no such lock).
        let writer = sqlite.then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Store { db, blobs, rule_sets: findings::RuleSets::default(), writer })
    }

    /// Waits for this process's turn to write (SQLite) and holds it while the guard lives.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writer {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }

    /// The underlying connection, for the register queries in `store::records` (which the
    /// service calls); nothing outside the server module reaches the database.
    pub(in crate::server) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// After a commit: the blob the new row references is there (a sweep elsewhere may have
    /// taken an old unreferenced copy between the write and the commit; this puts it back).
    async fn ensure_blob(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.blobs.put(sha256, bytes).await
    }

    /// Removes blobs no document references, older than `grace` (see [`BlobStore::sweep`]).
    pub async fn sweep_orphan_blobs(&self, grace: std::time::Duration) -> Result<usize, StoreError> {
        let referenced: std::collections::HashSet<String> = document::Entity::find()
            .select_only()
            .column(document::Column::Sha256)
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        self.blobs.sweep(grace, |sha| referenced.contains(sha)).await
    }

    async fn agency_id(&self, name: &str) -> Result<i64, StoreError> {
        agency_id(&self.db, name).await
    }

    /// Creates a project; a duplicate project number within the agency is a conflict.
    pub async fn create_project(&self, p: &NewProject) -> Result<ProjectView, StoreError> {
        let _turn = self.write_turn().await;
        let agency_id = self.agency_id(&p.agency).await?;
        let exists = project::Entity::find()
            .filter(project::Column::AgencyId.eq(agency_id))
            .filter(project::Column::ProjectNo.eq(p.project_no.as_str()))
            .one(&self.db)
            .await?;
        if exists.is_some() {
            return Err(StoreError::DuplicateProject { agency: p.agency.clone(), project_no: p.project_no.clone() });
        }
        let inserted = project::ActiveModel {
            agency_id: Set(agency_id),
            project_no: Set(p.project_no.clone()),
            name: Set(p.name.clone()),
            purchaser: Set(p.purchaser.clone()),
            // The Chinese label, as the column has always held (and the index facets show).
            method: Set(p.method.label_zh().to_string()),
            procurement_type: Set(p.procurement_type.as_str().to_string()),
            budget_fen: Set(p.budget.0),
            publish_date: Set(p.publish_date),
            deadline: Set(p.deadline),
            created_at: Set(now()),
            status: Set(ProjectStatus::Draft.as_str().to_string()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        let model = match inserted {
            Ok(m) => m,
            // Another instance created the same 项目编号 between the check and the insert.
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::DuplicateProject { agency: p.agency.clone(), project_no: p.project_no.clone() })
            }
            Err(e) => return Err(e.into()),
        };
        Ok(project_view(model, p.agency.clone()))
    }

    /// A project by id if `scope` sees it (others see "not found").
    pub async fn project(&self, id: i64, scope: &Scope) -> Result<ProjectView, StoreError> {
        let found = project::Entity::find_by_id(id).find_also_related(agency::Entity).one(&self.db).await?;
        match found {
            Some((p, Some(a))) if visible(scope, &a.name, &p.status) => Ok(project_view(p, a.name)),
            _ => Err(StoreError::NotFound(Missing::Project)),
        }
    }

    /// Projects `scope` sees, newest first.
    pub async fn projects(&self, scope: &Scope, page: Page) -> Result<Paged<ProjectView>, StoreError> {
        let mut q = project::Entity::find().find_also_related(agency::Entity);
        if let Some(agencies) = scope.agencies() {
            q = q.filter(agency::Column::Name.is_in(agencies));
        }
        if scope.published_only() {
            q = q.filter(project::Column::Status.is_in(public_statuses()));
        }
        let total = q.clone().count(&self.db).await?;
        let rows = page.apply(q.order_by_desc(project::Column::Id)).all(&self.db).await?;
        let items = rows.into_iter().filter_map(|(p, a)| a.map(|a| project_view(p, a.name))).collect();
        Ok(Paged { items, total })
    }

    /// The project with 项目编号 `project_no` in the agency named `agency`, if any.
    pub async fn project_by_number(&self, agency: &str, project_no: &str) -> Result<Option<ProjectView>, StoreError> {
        let found = project::Entity::find()
            .find_also_related(agency::Entity)
            .filter(agency::Column::Name.eq(agency))
            .filter(project::Column::ProjectNo.eq(project_no))
            .one(&self.db)
            .await?;
        Ok(found.and_then(|(p, a)| a.map(|a| project_view(p, a.name))))
    }

    /// A document of `project_id` with the same bytes, if one was uploaded before.
    pub async fn find_duplicate(&self, project_id: i64, sha256: &str) -> Result<Option<DocumentView>, StoreError> {
        let found = document::Entity::find()
            .filter(document::Column::ProjectId.eq(project_id))
            .filter(document::Column::Sha256.eq(sha256))
            .one(&self.db)
            .await?;
        match found {
            Some(d) => Ok(Some(self.document_view(d).await?)),
            None => Ok(None),
        }
    }

    /// Stores an upload: the blob first (idempotent), then the document row and all its
    /// clauses in one transaction, so a crash leaves either everything or nothing.
    pub async fn add_document(
        &self,
        project_id: i64,
        kind: DocumentKind,
        file_name: &str,
        bytes: &[u8],
        sha256: &str,
        content: UploadContent<'_>,
        uploaded_by: &str,
    ) -> Result<DocumentView, StoreError> {
        self.blobs.put(sha256, bytes).await?;
        let _turn = self.write_turn().await;
        let txn = self.db.begin().await?;
        // The next version number, without a race: on PostgreSQL the project row is locked
        // until this transaction ends (concurrent uploads to one project, from this or another
        // instance, take turns); on SQLite the write turn above already serialises them.
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            project::Entity::find_by_id(project_id).lock_exclusive().one(&txn).await?;
        }
        let version = document::Entity::find()
            .filter(document::Column::ProjectId.eq(project_id))
            .select_only()
            .column_as(document::Column::Version.max(), "v")
            .into_tuple::<Option<i32>>()
            .one(&txn)
            .await?
            .flatten()
            .unwrap_or(0)
            + 1;
        let rulebook_version = match &content {
            UploadContent::Parsed { rulebook, .. } => Some(rulebook.version().to_string()),
            UploadContent::NeedsOcr { .. } => None,
        };
        let (pages, format, status, sections, error) = match &content {
            UploadContent::Parsed { doc, .. } => (
                doc.pages as i32,
                format_name(doc),
                DocumentStatus::Parsed,
                serde_json::to_string(&doc.sections).unwrap_or_else(|_| "[]".into()),
                None,
            ),
            UploadContent::NeedsOcr { pages, format } => (
                *pages as i32,
                format.to_string(),
                DocumentStatus::NeedsOcr,
                "[]".to_string(),
                // Shown to users: Chinese (the log has the English reason).
                Some("PDF 没有文字层（可能是扫描件），需要先进行文字识别（OCR）".to_string()),
            ),
        };
        let doc_model = document::ActiveModel {
            project_id: Set(project_id),
            version: Set(version),
            kind: Set(kind.as_str().to_string()),
            file_name: Set(file_name.to_string()),
            sha256: Set(sha256.to_string()),
            size: Set(bytes.len() as i64),
            pages: Set(pages),
            format: Set(format),
            status: Set(status.as_str().to_string()),
            error: Set(error),
            sections: Set(sections),
            uploaded_at: Set(now()),
            rulebook_version: Set(rulebook_version),
            uploaded_by: Set(Some(uploaded_by.to_string())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let project_row = project::Entity::find_by_id(project_id).find_also_related(agency::Entity).one(&txn).await?;
        let agency_name = project_row.as_ref().and_then(|(_, a)| a.as_ref()).map(|a| a.name.clone());
        let mut upload_event = accounts::AuditEntry {
            actor: uploaded_by.to_string(),
            action: "document.upload".into(),
            object_kind: "document".into(),
            object_id: doc_model.id.to_string(),
            agency: agency_name.clone(),
            after: Some(serde_json::json!({"project_id": project_id, "version": version, "sha256": sha256, "file_name": file_name})),
            ..Default::default()
        };
        if let UploadContent::Parsed { doc, findings, rulebook } = content {
            let rows: Vec<clause::ActiveModel> = doc
                .clauses
                .iter()
                .map(|c| clause::ActiveModel {
                    document_id: Set(doc_model.id),
                    ordinal: Set(c.ordinal as i32),
                    page: Set(c.page as i32),
                    section: Set(c.section.clone()),
                    section_kind: Set(c.section_kind.as_str().to_string()),
                    start_offset: Set(c.start as i64),
                    end_offset: Set(c.end as i64),
                    is_table_row: Set(c.is_table_row),
                    text: Set(c.text.clone()),
                    ..Default::default()
                })
                .collect();
            for chunk in rows.chunks(INSERT_CHUNK) {
                clause::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
            }
            findings::insert(&txn, doc_model.id, doc, findings, rulebook, &self.rule_sets).await?;
            // A new 采购文件 version: the previous version's review carries over (corrections
            // and clarifications amend a version and carry nothing).
            let previous = if kind == DocumentKind::Tender {
                workflow::versions(&txn, project_id).await?.into_iter().filter(|d| d.id != doc_model.id && d.kind == workflow::TENDER).last()
            } else {
                None
            };
            if let Some(prev) = previous {
                let carried = workflow::carry_over(&txn, &prev, &doc_model, uploaded_by).await?;
                for id in &carried.fixed {
                    let e = accounts::AuditEntry {
                        actor: uploaded_by.to_string(),
                        action: "finding.fixed".into(),
                        object_kind: "finding".into(),
                        object_id: id.to_string(),
                        agency: agency_name.clone(),
                        after: Some(serde_json::json!({"status": "fixed", "fixed_in_document_id": doc_model.id, "version": version})),
                        ..Default::default()
                    };
                    accounts::append(&txn, e).await?;
                }
                upload_event.after = Some(serde_json::json!({
                    "project_id": project_id, "version": version, "sha256": sha256, "file_name": file_name,
                    "previous_document_id": prev.id, "fixed": carried.fixed, "carried": carried.carried,
                }));
            }
            // An approved project that changes goes back to review.
            if let Some((p, _)) = project_row {
                if p.status == ProjectStatus::Approved.as_str() {
                    workflow::set_project_status(&txn, p, ProjectStatus::InReview).await?;
                }
            }
            accounts::append(&txn, upload_event).await?;
            txn.commit().await?;
            if !findings.is_empty() {
                findings::remember(rulebook, &self.rule_sets);
            }
            self.ensure_blob(sha256, bytes).await?;
            return self.document_view(doc_model).await;
        }
        accounts::append(&txn, upload_event).await?;
        txn.commit().await?;
        self.ensure_blob(sha256, bytes).await?;
        self.document_view(doc_model).await
    }

    async fn document_view(&self, d: document::Model) -> Result<DocumentView, StoreError> {
        let clauses = clause::Entity::find().filter(clause::Column::DocumentId.eq(d.id)).count(&self.db).await?;
        let findings = finding::Entity::find().filter(finding::Column::DocumentId.eq(d.id)).count(&self.db).await?;
        Ok(DocumentView {
            id: d.id,
            project_id: d.project_id,
            version: d.version,
            kind: d.kind,
            file_name: d.file_name,
            sha256: d.sha256,
            size: d.size,
            pages: d.pages,
            format: d.format,
            status: d.status,
            error: d.error,
            clauses,
            findings,
            rulebook_version: d.rulebook_version,
            uploaded_at: d.uploaded_at,
        })
    }

    /// The document row and the agency owning it, or not found (also when out of scope).
    pub(crate) async fn document_row(&self, id: i64, scope: &Scope) -> Result<document::Model, StoreError> {
        let d = document::Entity::find_by_id(id).one(&self.db).await?.ok_or(StoreError::NotFound(Missing::Document))?;
        if !scope.is_all() {
            self.project(d.project_id, scope).await.map_err(|_| StoreError::NotFound(Missing::Document))?;
        }
        Ok(d)
    }

    /// A document by id.
    pub async fn document(&self, id: i64, scope: &Scope) -> Result<DocumentView, StoreError> {
        let d = self.document_row(id, scope).await?;
        self.document_view(d).await
    }

    /// Documents of a project, by version.
    pub async fn documents_of(&self, project_id: i64, page: Page) -> Result<Paged<DocumentView>, StoreError> {
        let q = document::Entity::find().filter(document::Column::ProjectId.eq(project_id));
        let total = q.clone().count(&self.db).await?;
        let rows = page.apply(q.order_by_asc(document::Column::Version)).all(&self.db).await?;
        let mut items = Vec::with_capacity(rows.len());
        for d in rows {
            items.push(self.document_view(d).await?);
        }
        Ok(Paged { items, total })
    }

    async fn clause_rows(&self, document_id: i64) -> Result<Vec<clause::Model>, StoreError> {
        Ok(clause::Entity::find()
            .filter(clause::Column::DocumentId.eq(document_id))
            .order_by_asc(clause::Column::Ordinal)
            .all(&self.db)
            .await?)
    }

    /// The clauses of a document in order.
    pub async fn clauses(&self, document_id: i64, scope: &Scope, page: Page) -> Result<Paged<ClauseView>, StoreError> {
        self.document_row(document_id, scope).await?;
        let q = clause::Entity::find().filter(clause::Column::DocumentId.eq(document_id));
        let total = q.clone().count(&self.db).await?;
        let rows = page.apply(q.order_by_asc(clause::Column::Ordinal)).all(&self.db).await?;
        let items = rows
            .into_iter()
            .map(|c| ClauseView {
                id: c.id,
                ordinal: c.ordinal,
                page: c.page,
                section: c.section,
                section_kind: SectionKind::parse(&c.section_kind).unwrap_or(SectionKind::Other),
                start: c.start_offset,
                end: c.end_offset,
                is_table_row: c.is_table_row,
                text: c.text,
            })
            .collect();
        Ok(Paged { items, total })
    }

    /// The original bytes of a document as a stream, with its file name.
    pub async fn document_bytes(&self, id: i64, scope: &Scope) -> Result<(String, BlobStream), StoreError> {
        let d = self.document_row(id, scope).await?;
        Ok((d.file_name, self.blobs.stream(&d.sha256).await?))
    }

    /// The stored findings of a document, in position order.
    pub async fn findings(&self, document_id: i64, scope: &Scope, page: Page) -> Result<Paged<StoredFinding>, StoreError> {
        self.document_row(document_id, scope).await?;
        findings::of_document(&self.db, document_id, &self.rule_sets, page).await
    }

    /// Ids of every parsed document (the ones that belong in the index).
    pub async fn parsed_document_ids(&self) -> Result<Vec<i64>, StoreError> {
        let rows = document::Entity::find()
            .filter(document::Column::Status.eq(DocumentStatus::Parsed.as_str()))
            .order_by_asc(document::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|d| d.id).collect())
    }

    /// The clauses of one document joined with what the index filters on.
    pub async fn clauses_for_index(&self, document_id: i64) -> Result<Vec<IndexDoc>, StoreError> {
        let d = document::Entity::find_by_id(document_id).one(&self.db).await?.ok_or(StoreError::NotFound(Missing::Document))?;
        let (p, a) = project::Entity::find_by_id(d.project_id)
            .find_also_related(agency::Entity)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound(Missing::Project))?;
        let agency = a.map(|a| a.name).unwrap_or_default();
        use chrono::Datelike;
        let year = p.publish_date.map(|d| d.year()).unwrap_or_else(|| d.uploaded_at.year()) as i64;
        let rows = self.clause_rows(document_id).await?;
        Ok(rows
            .into_iter()
            .map(|c| IndexDoc {
                clause_id: c.id,
                document_id,
                project_id: p.id,
                agency: agency.clone(),
                year,
                method: p.method.clone(),
                procurement_type: p.procurement_type.clone(),
                section_kind: c.section_kind,
                section: c.section,
                page: c.page.max(0) as u32,
                ordinal: c.ordinal.max(0) as u32,
                text: c.text,
            })
            .collect())
    }

    /// Ids of the projects in a public lifecycle state (published, awarded, closed).
    pub async fn public_project_ids(&self) -> Result<Vec<i64>, StoreError> {
        Ok(project::Entity::find()
            .filter(project::Column::Status.is_in(public_statuses()))
            .select_only()
            .column(project::Column::Id)
            .into_tuple::<i64>()
            .all(&self.db)
            .await?)
    }

    /// Document ids visible to `scope` (used to filter search results by owner).
    pub async fn project_ids_of_agency(&self, agency_name: &str) -> Result<Vec<i64>, StoreError> {
        let Some(a) = agency::Entity::find().filter(agency::Column::Name.eq(agency_name)).one(&self.db).await? else {
            return Ok(Vec::new());
        };
        let rows = project::Entity::find().filter(project::Column::AgencyId.eq(a.id)).all(&self.db).await?;
        Ok(rows.into_iter().map(|p| p.id).collect())
    }
}

fn format_name(doc: &SegmentedDocument) -> String {
    match doc.format {
        crate::core::document::Format::Pdf => "pdf",
        crate::core::document::Format::Docx => "docx",
        crate::core::document::Format::Text => "text",
    }
    .to_string()
}

/// Whether a project of `agency` in lifecycle `status` is visible to `scope`.
pub(crate) fn visible(scope: &Scope, agency: &str, status: &str) -> bool {
    scope.sees(agency) && (!scope.published_only() || ProjectStatus::parse(status).is_some_and(ProjectStatus::is_public))
}

/// The slugs of the lifecycle states inspectors see.
pub(crate) fn public_statuses() -> Vec<&'static str> {
    ProjectStatus::ALL.iter().filter(|s| s.is_public()).map(|s| s.as_str()).collect()
}

fn project_view(p: project::Model, agency: String) -> ProjectView {
    let status = ProjectStatus::parse(&p.status).unwrap_or(ProjectStatus::Draft);
    ProjectView {
        status,
        id: p.id,
        project_no: p.project_no,
        name: p.name,
        purchaser: p.purchaser,
        agency,
        method: p.method,
        procurement_type: p.procurement_type,
        budget: Fen(p.budget_fen).to_yuan_string(),
        budget_fen: p.budget_fen,
        publish_date: p.publish_date,
        deadline: p.deadline,
        created_at: p.created_at,
        registered_at: p.registered_at,
    }
}
