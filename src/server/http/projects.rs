//! `/projects`: create, list, show.

use super::openapi::{ErrorBody, IdPath};
use super::{page_size, parse_id, ApiError, AppState, PageParams};
use crate::server::store::Page;
use axum::extract::Query;
use crate::core::records::{Challenge, Complaint};
use crate::core::vocab::{Method, ProcurementType};
use crate::server::store::{DocumentView, ProjectView};
use crate::server::service::Scope;
use crate::core::project::ProjectDraft;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The request body of `POST /projects`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub agency: String,
    /// 采购方式: a slug (`open_tender`) or its Chinese name (公开招标).
    #[schema(value_type = Method)]
    pub method: String,
    /// 采购类型: goods, services or works (or 货物/服务/工程).
    #[schema(value_type = ProcurementType)]
    pub procurement_type: String,
    /// Yuan as a decimal string ("1560000.00"); a JSON number is accepted only if integral.
    #[schema(value_type = String, example = "1560000.00")]
    pub budget: serde_json::Value,
    #[serde(default)]
    pub publish_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
}

impl ProjectInput {
    /// The draft the core validates (the budget's JSON form is the only HTTP-specific part).
    fn draft(self) -> ProjectDraft {
        let budget = match &self.budget {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.as_u64().map(|y| y.to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        ProjectDraft {
            project_no: self.project_no,
            name: self.name,
            purchaser: self.purchaser,
            agency: self.agency,
            method: self.method,
            procurement_type: self.procurement_type,
            budget,
            publish_date: self.publish_date,
            deadline: self.deadline,
        }
    }
}

/// `GET /projects`
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectList {
    pub projects: Vec<ProjectView>,
    /// How many projects the caller can see in all.
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// `GET /projects/{id}`: the project with its document versions, the challenges against it
/// and the complaints that followed them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub project: ProjectView,
    pub documents: Vec<DocumentView>,
    /// The register's challenge rows (see `docs/metrics.md` for the fields).
    #[schema(value_type = Vec<Object>)]
    pub challenges: Vec<Challenge>,
    #[schema(value_type = Vec<Object>)]
    pub complaints: Vec<Complaint>,
}

/// `POST /projects`
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput,
    responses((status = 201, description = "created", body = ProjectView), (status = 400, description = "malformed JSON", body = ErrorBody),
        (status = 403, description = "another agency's project", body = ErrorBody), (status = 409, description = "duplicate 项目编号", body = ErrorBody),
        (status = 422, description = "invalid fields, every problem listed", body = ErrorBody)))]
pub async fn create(State(st): State<AppState>, scope: Scope, body: Bytes) -> Result<(StatusCode, Json<ProjectView>), ApiError> {
    let input: ProjectInput = serde_json::from_slice(&body)
        .map_err(|e| super::error::json_problem("项目 JSON", &e))?;
    let new = input.draft().validate().map_err(|problems| ApiError::invalid(problems.join("；")))?;
    let view = st.service.create_project(&scope, &new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /projects`
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(PageParams),
    responses((status = 200, description = "the projects visible to the caller, newest first (limit default 100, at most 500)", body = ProjectList),
        (status = 400, description = "bad offset or limit", body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, scope: Scope, Query(q): Query<PageParams>) -> Result<Json<ProjectList>, ApiError> {
    let (default, max) = page_size::RECORDS;
    let page = q.page(default, max)?;
    let projects = st.service.projects(&scope, page).await?;
    Ok(Json(ProjectList { projects: projects.items, total: projects.total, offset: page.offset, limit: page.limit.unwrap_or(default) }))
}

/// `GET /projects/{id}`
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(IdPath),
    responses((status = 200, description = "the project", body = ProjectDetail), (status = 404, description = "no such project", body = ErrorBody)))]
pub async fn show(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<ProjectDetail>, ApiError> {
    let id = parse_id(&id, "项目")?;
    let project = st.service.project(&scope, id).await?;
    // A project has a handful of versions; the detail lists them all.
    let documents = st.service.documents_of(&scope, id, Page::ALL).await?.items;
    let (challenges, complaints) = st.service.challenges_of(&scope, id).await?;
    Ok(Json(ProjectDetail { project, documents, challenges, complaints }))
}
