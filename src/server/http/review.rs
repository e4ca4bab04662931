//! Findings, reports, the stateless check, and the rule library over HTTP.

use super::{parse_id, ApiError, AppState};
use crate::server::service::Scope;
use crate::core::finding::Stage;
use crate::report::{DocumentReport, Report};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// `GET /documents/{id}/findings`
pub async fn findings(State(st): State<AppState>, scope: Scope, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (doc, findings) = st.service.findings(&scope, id).await?;
    Ok(Json(serde_json::json!({
        "document_id": id,
        "rulebook_version": doc.rulebook_version,
        "total": findings.len(),
        "findings": findings,
    })))
}

/// Query of `GET /documents/{id}/report`.
#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub format: Option<String>,
}

/// `GET /documents/{id}/report?format=html|json`: the stored findings as a report.
pub async fn report(
    State(st): State<AppState>,
    scope: Scope,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (doc, findings) = st.service.findings(&scope, id).await?;
    let mut report = Report::new(
        st.service.rulebook(),
        vec![DocumentReport {
            file: doc.file_name.clone(),
            pages: doc.pages.max(0) as u32,
            clauses: doc.clauses as usize,
            findings: findings.into_iter().map(|f| f.finding).collect(),
            error: doc.error.clone(),
        }],
    );
    // The report belongs to the rule set that produced the stored findings.
    if let Some(v) = doc.rulebook_version {
        report.rulebook.version = v;
    }
    render(&report, p.format.as_deref())
}

fn render(report: &Report, format: Option<&str>) -> Result<Response, ApiError> {
    match format.unwrap_or("json") {
        "html" => Ok(Html(crate::report::html::render(report)).into_response()),
        "json" => Ok(([(header::CONTENT_TYPE, "application/json")], crate::report::json::render(report)).into_response()),
        other => Err(ApiError::bad_request(format!("不支持的报告格式：{other}（应为 html 或 json）"))),
    }
}

/// `POST /check` (multipart `file`, optional `stage`, `format`): checks without storing.
pub async fn check(State(st): State<AppState>, multipart: Multipart) -> Result<Response, ApiError> {
    let mut form = super::read_form(multipart).await?;
    let stage = match super::form_text(&form, "stage") {
        Some(v) => Some(Stage::parse(&v).ok_or_else(|| ApiError::invalid("stage 应为 pre、mid 或 post"))?),
        None => None,
    };
    let format = super::form_text(&form, "format").unwrap_or_else(|| "json".into());
    let file = form.remove("file").ok_or_else(|| ApiError::bad_request("缺少上传文件字段 file"))?;
    let (name, bytes) = (file.file_name.unwrap_or_else(|| "upload".into()), file.bytes.to_vec());
    // Parse errors are refusals with the same codes as uploads.
    let reviewed = st.service.check(name.clone(), bytes, stage).await?;
    let report = Report::new(st.service.rulebook(), vec![reviewed.report(&name)]);
    render(&report, Some(&format))
}

/// `GET /rules`
pub async fn rules(State(st): State<AppState>) -> Json<serde_json::Value> {
    let book = st.service.rulebook();
    let rules: Vec<_> = book.rules().iter().map(rule_summary).collect();
    Json(serde_json::json!({ "version": book.version(), "total": rules.len(), "rules": rules }))
}

fn rule_summary(r: &crate::core::rules::Rule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "title": r.title, "category": r.category, "category_zh": r.category.label_zh(),
        "severity": r.severity, "stages": r.stages, "sections": r.sections,
    })
}

/// `GET /rules/{id}`
pub async fn rule(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let book = st.service.rulebook();
    let r = book.rules().iter().find(|r| r.id.eq_ignore_ascii_case(&id)).ok_or_else(|| ApiError::not_found("规则"))?;
    let mut v = rule_summary(r);
    v["message"] = r.message.clone().into();
    v["suggestion"] = r.suggestion.clone().into();
    v["basis"] = serde_json::to_value(&r.basis).unwrap_or_default();
    v["matcher"] = r.kind().into();
    v["file"] = r.file.clone().into();
    v["examples"] = serde_json::json!({
        "hit": r.examples.hit.iter().map(|e| serde_json::json!({"section": e.section, "text": e.text})).collect::<Vec<_>>(),
        "miss": r.examples.miss.iter().map(|e| serde_json::json!({"section": e.section, "text": e.text})).collect::<Vec<_>>(),
    });
    v["rulebook_version"] = book.version().into();
    Ok(Json(v))
}
