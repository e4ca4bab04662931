//! The OpenAPI 3.1 document served at `/api/openapi.json`, derived by `utoipa` from the
//! handlers' `#[utoipa::path]` annotations and the request and response types, so it cannot
//! drift from what the handlers do.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The `X-Agency` request header.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // only described, never read: `Scope` reads the header
pub struct AgencyHeader {
    /// Restricts the request to one agency's records (percent-encode non-ASCII); without it
    /// the caller sees every agency.
    #[serde(rename = "X-Agency")]
    x_agency: Option<String>,
}

/// A numeric id in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct IdPath {
    /// The record's id.
    id: i64,
}

/// Every error: a stable code and a Chinese message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The error object.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (`not_found`, `invalid`, `file_too_large`, `needs_ocr` …).
    pub code: String,
    /// For people, in Chinese.
    pub message: String,
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "fairtender", description = "Fair-competition review (公平竞争审查) of government procurement documents."),
    paths(
        super::healthz,
        super::projects::create, super::projects::list, super::projects::show,
        super::documents::upload, super::documents::list, super::documents::show, super::documents::clauses, super::documents::file,
        super::review::findings, super::review::report, super::review::check, super::review::rules, super::review::rule,
        super::records::import, super::records::checks, super::records::link, super::records::metrics,
        super::search::search,
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "projects", description = "Procurement projects"),
        (name = "documents", description = "Uploaded document versions and their clauses"),
        (name = "review", description = "Findings, reports, the stateless check and the rule library"),
        (name = "records", description = "Challenge and complaint registers, process checks, metrics"),
        (name = "search", description = "Full-text search over clauses"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
pub async fn spec() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
