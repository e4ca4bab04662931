//! Challenge/complaint registers over HTTP: import, clause links, checks, metrics.

use super::{ApiError, AppState};
use crate::core::records::{GroupBy, Granularity, MetricsQuery};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use super::openapi::ErrorBody;
use crate::server::service::{RecordImport, Scope};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The multipart form of a register import.
#[derive(ToSchema)]
#[allow(dead_code)] // only described: the handler reads the form field by field
pub struct ImportForm {
    /// The projects register (CSV in UTF-8 or GB18030, or XLSX).
    #[schema(value_type = Option<String>, format = Binary)]
    projects: Option<Vec<u8>>,
    /// The challenges register.
    #[schema(value_type = Option<String>, format = Binary)]
    challenges: Option<Vec<u8>>,
    /// The complaints register.
    #[schema(value_type = Option<String>, format = Binary)]
    complaints: Option<Vec<u8>>,
    /// `true`: import the valid rows and report the rejected ones.
    skip_invalid: Option<bool>,
}

/// `POST /records/import` (multipart files `projects`, `challenges`, `complaints`; optional
/// field `skip_invalid=true`). 200 when written, 422 with every rejected row when refused.
#[utoipa::path(post, path = "/api/v1/records/import", tag = "records", request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "written (rejected rows listed when skip_invalid)", body = RecordImport),
        (status = 400, description = "no file given, or a bad form", body = ErrorBody),
        (status = 422, description = "rows rejected, nothing written: the same body with `error`", body = RecordImport)))]
pub async fn import(State(st): State<AppState>, scope: Scope, multipart: Multipart) -> Result<Response, ApiError> {
    let mut form = super::read_form(multipart).await?;
    let skip_invalid = matches!(super::form_text(&form, "skip_invalid").as_deref(), Some("true" | "1" | "yes"));
    let mut file = |name: &str| {
        form.remove(name).map(|f| (f.file_name.unwrap_or_else(|| format!("{name}.csv")), f.bytes.to_vec()))
    };
    let files = crate::core::records::ImportFiles { projects: file("projects"), challenges: file("challenges"), complaints: file("complaints") };
    if files.projects.is_none() && files.challenges.is_none() && files.complaints.is_none() {
        return Err(ApiError::bad_request("请上传 projects、challenges 或 complaints 文件"));
    }
    let out = st.service.import_records(&scope, files, skip_invalid).await?;
    let status = if out.written.is_some() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut body = serde_json::to_value(&out).unwrap_or_default();
    if out.written.is_none() {
        body["error"] = serde_json::json!({"code": "rows_rejected",
            "message": format!("有 {} 行数据未通过校验，未导入任何数据（可选择跳过无效行）", out.rejected.len())});
    }
    Ok((status, Json(body)).into_response())
}

/// Body of `POST /challenges/{id}/clauses`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkBody {
    pub clause_id: i64,
}

/// `POST /challenges/{id}/clauses`: the challenge targets this clause.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/clauses", tag = "records", params(("id" = String, Path, description = "the challenge's id")),
    request_body = LinkBody,
    responses((status = 204, description = "linked (idempotent)"), (status = 400, description = "bad body", body = ErrorBody),
        (status = 404, description = "no such challenge or clause", body = ErrorBody),
        (status = 422, description = "the clause is not in a document of the challenged project", body = ErrorBody)))]
pub async fn link(State(st): State<AppState>, scope: Scope, Path(id): Path<String>, body: axum::body::Bytes) -> Result<StatusCode, ApiError> {
    let body: LinkBody = serde_json::from_slice(&body).map_err(|e| super::error::json_problem("关联请求（{\"clause_id\": 整数}）", &e))?;
    st.service.link_challenge_clause(&scope, &id, body.clause_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /records/checks`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ChecksParams {
    pub today: Option<chrono::NaiveDate>,
}

/// `GET /records/checks?today=YYYY-MM-DD`: overdue items and process-check flags.
#[utoipa::path(get, path = "/api/v1/records/checks", tag = "records", params(ChecksParams),
    responses((status = 200, description = "`today`, `overdue`, `uncertain` (no holiday schedule) and `flags`", body = Object)))]
pub async fn checks(State(st): State<AppState>, scope: Scope, Query(p): Query<ChecksParams>) -> Result<Json<serde_json::Value>, ApiError> {
    let today = p.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    Ok(Json(st.service.record_checks(&scope, today).await?))
}

/// Query of `GET /metrics`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MetricsParams {
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub by: Option<String>,
    pub group: Option<String>,
    pub format: Option<String>,
    pub as_of: Option<chrono::NaiveDate>,
}

/// Reads a query value as one of a core vocabulary's slugs (the core type's own serde names),
/// answering a Chinese 400 that lists the accepted values.
fn slug<T: serde::de::DeserializeOwned>(raw: Option<&str>, default: T, name: &str, accepted: &str) -> Result<T, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => serde_json::from_value(serde_json::Value::String(v.to_string()))
            .map_err(|_| ApiError::bad_request(format!("{name} 参数无效：{v}（应为 {accepted}）"))),
    }
}

/// `GET /metrics?from=&to=&by=year|quarter|month&group=agency|purchaser|category|method&format=json|csv|xlsx|text`
#[utoipa::path(get, path = "/api/v1/metrics", tag = "records", params(MetricsParams),
    responses((status = 200, description = "rows per period (and group) with `definitions` (see docs/metrics.md); CSV, text or XLSX with format=", body = Object),
        (status = 400, description = "bad parameter", body = ErrorBody)))]
pub async fn metrics(State(st): State<AppState>, scope: Scope, Query(p): Query<MetricsParams>) -> Result<Response, ApiError> {
    let by: Granularity = slug(p.by.as_deref(), Granularity::Year, "by", "year、quarter 或 month")?;
    let group: GroupBy = slug(p.group.as_deref(), GroupBy::None, "group", "none、agency、purchaser、category 或 method")?;
    if let (Some(a), Some(b)) = (p.from, p.to) {
        if a > b || b - a > 50 {
            return Err(ApiError::bad_request("年份范围无效"));
        }
    }
    let report = st.service.metrics(&scope, MetricsQuery::new(p.from, p.to, by, group, p.as_of, chrono::Utc::now().date_naive())).await?;
    use crate::core::records::report::{to_csv, to_json, to_text, to_xlsx};
    Ok(match p.format.as_deref().unwrap_or("json") {
        "json" => ([(header::CONTENT_TYPE, "application/json")], to_json(&report)).into_response(),
        "csv" => ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], to_csv(&report)).into_response(),
        "text" => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], to_text(&report)).into_response(),
        "xlsx" => {
            let bytes = to_xlsx(&report).map_err(|e| {
                tracing::error!(error = %e, "metrics xlsx failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "生成 XLSX 文件失败")
            })?;
            ([(header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")], bytes).into_response()
        }
        other => return Err(ApiError::bad_request(format!("format 参数无效：{other}"))),
    })
}
