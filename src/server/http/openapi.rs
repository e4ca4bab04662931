//! The OpenAPI 3.1 document served at `/api/openapi.json`, derived by `utoipa` from the
//! handlers' `#[utoipa::path]` annotations and the request and response types, so it cannot
//! drift from what the handlers do.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

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
        super::accounts::login, super::accounts::logout, super::accounts::current, super::accounts::change_password,
        super::accounts::users, super::accounts::create_user, super::accounts::disable, super::accounts::enable,
        super::accounts::reset_password, super::accounts::tokens, super::accounts::issue_token, super::accounts::revoke_token,
        super::workflow::decide, super::workflow::request_dismissal, super::workflow::history, super::workflow::flag,
        super::workflow::submit, super::workflow::return_to_draft, super::workflow::approve, super::workflow::publish,
        super::workflow::award, super::workflow::close, super::workflow::blocking, super::workflow::corrections,
        super::workflow::diff, super::workflow::audit, super::workflow::deadline, super::workflow::challenge_cures, super::workflow::rule_example,
        super::inspections::list, super::inspections::create, super::inspections::show, super::inspections::freeze,
        super::inspections::seed, super::inspections::verify, super::inspections::result, super::inspections::remediation,
        super::inspections::conclude, super::inspections::close,
        super::runs::start, super::runs::list, super::runs::show, super::runs::hits, super::runs::cancel,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "projects", description = "Procurement projects"),
        (name = "documents", description = "Uploaded document versions and their clauses"),
        (name = "review", description = "Findings, reports, the stateless check and the rule library"),
        (name = "records", description = "Challenge and complaint registers, process checks, metrics"),
        (name = "search", description = "Full-text search over clauses"),
        (name = "accounts", description = "Login, users, API tokens"),
        (name = "workflow", description = "Finding decisions, lifecycle and approval, versions, corrections, audit"),
        (name = "inspections", description = "事后督查: inspections, verifiable random draws, conclusions, remediation"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate: the session cookie of `POST /api/v1/login`, or an API
/// token issued by an administrator, sent as `Authorization: Bearer …`.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("fairtender_session"))));
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// `GET /api/openapi.json`
pub async fn spec() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
