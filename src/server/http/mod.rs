//! HTTP adapter: JSON under `/api/v1`, errors as `{"error":{"code","message"}}`.
//!
//! Who may call what is [`access`]'s route table; which records they reach is their scope
//! (an officer's agency, a reviewer's agencies, inspectors every published project,
//! administrators everything); other records answer 404 as if absent.

pub mod access;
mod accounts;
mod documents;
mod error;
mod inspections;
mod openapi;
mod projects;
mod records;
mod runs;
mod review;
mod search;
mod workflow;

pub use error::ApiError;

use crate::server::service::Service;
use crate::server::store::Page;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::routing::{get, post};
use axum::{Json, Router};
use tower_http::trace::TraceLayer;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub service: Service,
}

/// One field of a multipart form: its file name (for file fields) and its bytes.
pub(crate) struct FormField {
    pub file_name: Option<String>,
    pub bytes: axum::body::Bytes,
}

/// Reads a whole multipart form into field name → field (a repeated name keeps the last).
/// The body limit applies while reading; exceeding it answers 413.
pub(crate) async fn read_form(mut multipart: axum::extract::Multipart) -> Result<std::collections::HashMap<String, FormField>, ApiError> {
    let mut fields = std::collections::HashMap::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(fields),
            Err(e) => return Err(documents::multipart_error(e.status(), e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| documents::multipart_error(e.status(), e.body_text()))?;
        fields.insert(name, FormField { file_name, bytes });
    }
}

/// A text field of a form, trimmed (`None` when absent).
pub(crate) fn form_text(fields: &std::collections::HashMap<String, FormField>, name: &str) -> Option<String> {
    fields.get(name).map(|f| String::from_utf8_lossy(&f.bytes).trim().to_string())
}

/// `?offset=&limit=` of a list endpoint.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to skip (default 0).
    pub offset: Option<String>,
    /// How many items at most (default and maximum depend on the list; see each endpoint).
    pub limit: Option<String>,
}

impl PageParams {
    /// The page asked for: `limit` defaults to `default` and may not exceed `max`.
    pub fn page(&self, default: u64, max: u64) -> Result<Page, ApiError> {
        let num = |v: &Option<String>, name: &str| -> Result<Option<u64>, ApiError> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(s) => s.parse::<u64>().map(Some).map_err(|_| ApiError::bad_request(format!("参数 {name} 应为非负整数"))),
            }
        };
        let offset = num(&self.offset, "offset")?.unwrap_or(0);
        let limit = num(&self.limit, "limit")?.unwrap_or(default);
        if limit == 0 || limit > max {
            return Err(ApiError::bad_request(format!("参数 limit 应在 1 到 {max} 之间")));
        }
        Ok(Page { offset, limit: Some(limit) })
    }
}

/// Page sizes: the default and the largest a caller may ask for.
pub(crate) mod page_size {
    /// Projects and document versions.
    pub const RECORDS: (u64, u64) = (100, 500);
    /// Clauses and findings of one document.
    pub const CLAUSES: (u64, u64) = (500, 2000);
}

/// Parses a JSON request body (an empty body reads as `{}`, so bodies whose fields are all
/// optional may be left out); problems answer 400 in Chinese without serde's English.
pub(crate) fn json_body<T: for<'de> serde::Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|e| error::json_problem(what, &e))
}

/// Parses a numeric path id, answering 404 for anything else.
pub(crate) fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().map_err(|_| ApiError::not_found(what))
}

/// `GET /healthz`
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "the service is up: {\"status\": \"ok\"}", body = Object)))]
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.service.limits().max_bytes as usize + 1024 * 1024;
    let api = Router::new()
        .route("/projects", post(projects::create).get(projects::list))
        .route("/projects/{id}", get(projects::show))
        .route(
            "/projects/{id}/documents",
            post(documents::upload).get(documents::list).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/documents/{id}", get(documents::show))
        .route("/documents/{id}/clauses", get(documents::clauses))
        .route("/documents/{id}/file", get(documents::file))
        .route("/documents/{id}/findings", get(review::findings))
        .route("/documents/{id}/report", get(review::report))
        .route("/check", post(review::check).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/rules", get(review::rules))
        .route("/rules/{id}", get(review::rule))
        .route("/records/import", post(records::import).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/records/checks", get(records::checks))
        .route("/challenges/{id}/clauses", post(records::link))
        .route("/metrics", get(records::metrics))
        .route("/search", get(search::search))
        .route("/login", post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/me", get(accounts::current))
        .route("/me/password", post(accounts::change_password))
        .route("/users", get(accounts::users).post(accounts::create_user))
        .route("/users/{id}/disable", post(accounts::disable))
        .route("/users/{id}/enable", post(accounts::enable))
        .route("/users/{id}/reset-password", post(accounts::reset_password))
        .route("/tokens", get(accounts::tokens).post(accounts::issue_token))
        .route("/tokens/{id}/revoke", post(accounts::revoke_token))
        .route("/findings/{id}/decision", post(workflow::decide))
        .route("/findings/{id}/dismissal-request", post(workflow::request_dismissal))
        .route("/findings/{id}/history", get(workflow::history))
        .route("/findings/{id}/rule-example", get(workflow::rule_example))
        .route("/clauses/{id}/flags", post(workflow::flag))
        .route("/projects/{id}/submit", post(workflow::submit))
        .route("/projects/{id}/return", post(workflow::return_to_draft))
        .route("/projects/{id}/approve", post(workflow::approve))
        .route("/projects/{id}/publish", post(workflow::publish))
        .route("/projects/{id}/award", post(workflow::award))
        .route("/projects/{id}/close", post(workflow::close))
        .route("/projects/{id}/blocking", get(workflow::blocking))
        .route("/projects/{id}/deadline", post(workflow::deadline))
        .route("/projects/{id}/corrections", get(workflow::corrections))
        .route("/projects/{id}/challenges", get(workflow::challenge_cures))
        .route("/documents/{id}/diff", get(workflow::diff))
        .route("/audit", get(workflow::audit))
        .route("/inspections", get(inspections::list).post(inspections::create))
        .route("/inspections/{id}", get(inspections::show))
        .route("/inspections/{id}/draws", post(inspections::freeze))
        .route("/inspections/{id}/draws/{draw}/seed", post(inspections::seed))
        .route("/inspections/{id}/draws/{draw}/verify", get(inspections::verify))
        .route("/inspections/{id}/results", post(inspections::result))
        .route("/inspections/{id}/results/{project}/remediation", post(inspections::remediation))
        .route("/inspections/{id}/conclude", post(inspections::conclude))
        .route("/inspections/{id}/close", post(inspections::close))
        .route("/runs", get(runs::list).post(runs::start))
        .route("/runs/{id}", get(runs::show))
        .route("/runs/{id}/hits", get(runs::hits))
        .route("/runs/{id}/cancel", post(runs::cancel));
    use crate::server::web;
    let pages = Router::new()
        .route("/", get(web::home))
        .route("/static/app.css", get(web::stylesheet))
        .route("/login", get(web::login_page).post(web::login))
        .route("/logout", post(web::logout))
        .route("/projects", get(web::projects))
        .route("/projects/new", post(web::create_project))
        .route("/projects/{id}", get(web::project))
        .route("/projects/{id}/upload", post(web::upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/projects/{id}/{action}", post(web::transition))
        .route("/documents/{id}", get(web::document))
        .route("/search", get(web::search))
        .route("/rules", get(web::rules))
        .route("/dashboard", get(web::dashboard))
        .route("/inspections", get(web::inspections))
        .route("/inspections/new", post(web::create_inspection))
        .route("/inspections/{id}", get(web::inspection))
        .route("/inspections/{id}/freeze", post(web::freeze))
        .route("/inspections/{id}/draws/{draw}/seed", post(web::seed))
        .route("/findings/{id}/decide", post(web::decide))
        .route("/password", get(web::password_page).post(web::change_password))
        .route("/queue", get(web::queue))
        .route("/documents/{id}/diff", get(web::diff))
        .route("/documents/{id}/flag", post(web::flag))
        .route("/documents/{id}/challenge", post(web::pick_challenge))
        .route("/documents/{id}/report", get(web::report))
        .route("/documents/{id}/report.xlsx", get(web::report_download))
        .route("/documents/{id}/findings.csv", get(web::report_download))
        .route("/projects/{id}/challenges", post(web::register_challenge))
        .route("/challenges", get(web::challenges))
        .route("/challenges.xlsx", get(web::challenges_download))
        .route("/challenges.csv", get(web::challenges_download))
        .route("/challenges/{id}/reply", post(web::reply))
        .route("/challenges/{id}/complaints", post(web::register_complaint))
        .route("/records/import", get(web::import_page).post(web::import).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/dashboard.xlsx", get(web::metrics_download))
        .route("/dashboard.csv", get(web::metrics_download))
        .route("/admin", get(web::admin))
        .route("/admin/users", post(web::create_user))
        .route("/admin/users/{id}/{action}", post(web::user_action))
        .route("/admin/tokens", post(web::issue_token))
        .route("/admin/tokens/{id}/revoke", post(web::revoke_token));
    Router::new()
        .nest("/api/v1", api)
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::spec))
        // After every route, so each one passes the access table (a route layer sees the
        // matched path; unmatched requests fall through to the 404 below).
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), access::authorize))
        .fallback(|| async { ApiError::not_found("接口") })
        .layer(axum::middleware::from_fn(error::uniform_responses))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            // The path only: query strings may carry search text, and bodies document text.
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}
