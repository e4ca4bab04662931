//! `serve`, `import`, `reindex` and `search`: documents through the application service.

use super::progress::Progress;
use super::{read_file, CliError};
use crate::core::money::Fen;
use crate::server::app::Application;
use crate::server::service::{Config, Scope, Service, ServiceError, UploadOutcome};
use crate::core::project::NewProject;
use crate::core::vocab::{Method, ProcurementType};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// `serve [--demo]`: the HTTP service until Ctrl-C / SIGTERM.
pub async fn serve(cfg: &Config, addr: SocketAddr, demo: bool) -> Result<i32, CliError> {
    let app = Application::build(cfg, addr).await?;
    if demo {
        let loaded = crate::server::demo::load(app.service()).await?;
        if loaded > 0 {
            eprintln!("demo: loaded {loaded} sample documents and one user per role (passwords in the README)");
        }
    }
    if let Some(password) = app.service().ensure_first_admin().await? {
        eprintln!("first start: created the administrator `admin` with the one-time password {password}");
        eprintln!("            (shown only now; it must be changed at the first login)");
    }
    eprintln!("fairtender listening on http://{}:{} (data: {})", addr.ip(), app.port(), cfg.data_dir.display());
    app.run_until_stopped().await.map_err(|source| CliError::Io { path: PathBuf::from(addr.to_string()), source })?;
    Ok(0)
}

/// `import DIR`: every PDF/DOCX/TXT under DIR, each a project named after the file (or a new
/// version of it). Exit 1 when some files were refused.
pub async fn import(cfg: &Config, dir: &Path, agency: &str) -> Result<i32, CliError> {
    let files = document_files(dir)?;
    if files.is_empty() {
        return Err(CliError::Message(format!("{}: no .pdf, .docx or .txt files", dir.display())));
    }
    let service = Service::open(cfg).await?;
    let scope = Scope::All;
    let mut bar = Progress::new("import");
    let (mut stored, mut skipped, mut refused) = (0, 0, 0);
    for (i, path) in files.iter().enumerate() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let project_id = match service.project_by_number(&scope, agency, &stem).await? {
            Some(p) => p.id,
            None => {
                let p = NewProject {
                    project_no: stem.clone(),
                    name: stem.clone(),
                    purchaser: String::new(),
                    agency: agency.to_string(),
                    method: Method::OpenTender,
                    procurement_type: ProcurementType::Goods,
                    budget: Fen(0),
                    publish_date: None,
                    deadline: None,
                };
                service.create_project(&scope, &p).await?.id
            }
        };
        let bytes = read_file(path)?;
        match service.upload(&crate::core::account::Actor::operator(), project_id, crate::core::vocab::DocumentKind::Tender, &name, bytes).await {
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

/// The .pdf, .docx and .txt files under `dir`, sorted.
fn document_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            CliError::Io { path, source: e.into() }
        })?;
        let is_document = entry
            .path()
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .is_some_and(|e| matches!(e.as_str(), "pdf" | "docx" | "txt"));
        if entry.file_type().is_file() && is_document {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// `reindex`: rebuild the index from the database.
pub async fn reindex(cfg: &Config) -> Result<i32, CliError> {
    let service = Service::open(cfg).await?;
    let mut bar = Progress::new("reindex");
    let clauses = service.reindex(|done, total| bar.update(done, total, "")).await?;
    bar.finish();
    println!("indexed {clauses} clauses");
    Ok(0)
}

/// `search QUERY`.
pub async fn search(cfg: &Config, query: String, limit: usize, section_kind: Option<String>, json: bool) -> Result<i32, CliError> {
    // Read-only: works beside a running `serve`, and skips compiling the rule library.
    let service = Service::open_read_only(cfg).await?;
    let mut q = fairtender_index::SearchQuery { q: query, limit, ..Default::default() };
    q.filters.section_kind = section_kind;
    let res = service.search(&Scope::All, q).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&res).unwrap_or_default());
    } else {
        println!("{} hits", res.total);
        for h in &res.hits {
            println!("document {} page {} [{}] {}", h.document_id, h.page, h.section, crate::report::text::bracketed(&h.snippet.text, &h.snippet.marks, "【", "】"));
        }
    }
    Ok(0)
}
