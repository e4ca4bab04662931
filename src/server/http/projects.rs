//! `/projects`: create, list, show.

use super::{parse_id, ApiError, AppState};
use crate::server::service::Scope;
use crate::core::project::ProjectDraft;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

/// The request body of `POST /projects`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub project_no: String,
    pub name: String,
    pub purchaser: String,
    pub agency: String,
    pub method: String,
    pub procurement_type: String,
    /// Yuan as a decimal string ("1560000.00"); a JSON number is accepted only if integral.
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

/// `POST /projects`
pub async fn create(State(st): State<AppState>, scope: Scope, body: Bytes) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let input: ProjectInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("请求体不是有效的项目 JSON：{e}")))?;
    let new = input.draft().validate().map_err(|problems| ApiError::invalid(problems.join("；")))?;
    let view = st.service.create_project(&scope, &new).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(view).unwrap_or_default())))
}

/// `GET /projects`
pub async fn list(State(st): State<AppState>, scope: Scope) -> Result<Json<serde_json::Value>, ApiError> {
    let projects = st.service.projects(&scope).await?;
    Ok(Json(serde_json::json!({ "projects": projects, "total": projects.len() })))
}

/// `GET /projects/{id}`: the project with its document versions, the challenges against it
/// and the complaints that followed them.
pub async fn show(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "项目")?;
    let project = st.service.project(&scope, id).await?;
    let documents = st.service.documents_of(&scope, id).await?;
    let (challenges, complaints) = st.service.challenges_of(&scope, id).await?;
    let mut v = serde_json::to_value(project).unwrap_or_default();
    v["documents"] = serde_json::to_value(documents).unwrap_or_default();
    v["challenges"] = serde_json::to_value(challenges).unwrap_or_default();
    v["complaints"] = serde_json::to_value(complaints).unwrap_or_default();
    Ok(Json(v))
}
