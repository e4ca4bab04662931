//! `/projects`: create, list, show.

use super::{parse_id, ApiError, AppState};
use crate::server::service::Scope;
use crate::core::money::Fen;
use crate::server::store::NewProject;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

/// Procurement methods accepted for a project (政府采购法 第二十六条 and 87/74/214号令).
pub const METHODS: &[&str] = &["公开招标", "邀请招标", "竞争性谈判", "竞争性磋商", "询价", "单一来源", "框架协议"];

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
    /// Checks every field, returning all problems at once in Chinese.
    pub fn validate(self) -> Result<NewProject, ApiError> {
        let mut problems = Vec::new();
        let required = [
            ("project_no", &self.project_no, "项目编号"),
            ("name", &self.name, "项目名称"),
            ("purchaser", &self.purchaser, "采购人"),
            ("agency", &self.agency, "采购代理机构"),
        ];
        for (_, v, label) in required {
            if v.trim().is_empty() {
                problems.push(format!("{label}不能为空"));
            }
        }
        if !METHODS.contains(&self.method.trim()) {
            problems.push(format!("采购方式“{}”无效，应为：{}", self.method, METHODS.join("、")));
        }
        let ptype = self.procurement_type.trim().to_string();
        if !["goods", "services", "works"].contains(&ptype.as_str()) {
            problems.push("采购类型应为 goods、services 或 works".to_string());
        }
        let budget = match &self.budget {
            serde_json::Value::String(s) => Fen::parse_yuan(s).ok(),
            serde_json::Value::Number(n) => n.as_u64().and_then(|y| Fen::parse_yuan(&y.to_string()).ok()),
            _ => None,
        };
        if budget.is_none() {
            problems.push("预算金额应为以元为单位的数字字符串，最多两位小数，例如 \"1560000.00\"".to_string());
        }
        match (problems.is_empty(), budget) {
            (true, Some(budget)) => Ok(NewProject {
                project_no: self.project_no.trim().to_string(),
                name: self.name.trim().to_string(),
                purchaser: self.purchaser.trim().to_string(),
                agency: self.agency.trim().to_string(),
                method: self.method.trim().to_string(),
                procurement_type: ptype,
                budget,
                publish_date: self.publish_date,
                deadline: self.deadline,
            }),
            _ => Err(ApiError::invalid(problems.join("；"))),
        }
    }
}

/// `POST /projects`
pub async fn create(State(st): State<AppState>, scope: Scope, body: Bytes) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let input: ProjectInput = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("请求体不是有效的项目 JSON：{e}")))?;
    let new = input.validate()?;
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
