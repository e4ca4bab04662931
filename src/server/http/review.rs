//! Findings, reports, the stateless check, and the rule library over HTTP.

use super::openapi::{ErrorBody, IdPath};
use super::{page_size, parse_id, ApiError, AppState, PageParams};
use crate::server::store::Page;
use crate::core::document::SectionKind;
use crate::core::finding::{Basis, Category, Severity, Stage};
use crate::report::{DocumentReport, Report};
use crate::server::service::Scope;
use crate::server::store::StoredFinding;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// `GET /documents/{id}/findings`
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingList {
    pub document_id: i64,
    /// The rule-set version the findings were produced with.
    pub rulebook_version: Option<String>,
    /// How many findings the document has in all.
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub findings: Vec<StoredFinding>,
}

/// `GET /documents/{id}/findings`
#[utoipa::path(get, path = "/api/v1/documents/{id}/findings", tag = "review", params(IdPath, PageParams),
    responses((status = 200, description = "findings stored for this version, in position order (limit default 500, at most 2000)", body = FindingList),
        (status = 400, description = "bad offset or limit", body = ErrorBody), (status = 404, description = "no such document", body = ErrorBody)))]
pub async fn findings(
    State(st): State<AppState>,
    scope: Scope,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Json<FindingList>, ApiError> {
    let id = parse_id(&id, "文件")?;
    let (default, max) = page_size::CLAUSES;
    let page = q.page(default, max)?;
    let (doc, findings) = st.service.findings(&scope, id, page).await?;
    Ok(Json(FindingList {
        document_id: id,
        rulebook_version: doc.rulebook_version,
        total: findings.total,
        offset: page.offset,
        limit: page.limit.unwrap_or(default),
        findings: findings.items,
    }))
}

/// Query of `GET /documents/{id}/report`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportParams {
    /// `json` (default) or `html` (a printable page).
    pub format: Option<String>,
}

/// `GET /documents/{id}/report?format=html|json`: the stored findings as a report.
#[utoipa::path(get, path = "/api/v1/documents/{id}/report", tag = "review", params(IdPath, ReportParams),
    responses((status = 200, description = "the report: JSON, or HTML with format=html", body = Report),
        (status = 400, description = "unknown format", body = ErrorBody), (status = 404, description = "no such document", body = ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    scope: Scope,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "文件")?;
    // A report is the whole document's findings.
    let (doc, findings) = st.service.findings(&scope, id, Page::ALL).await?;
    let findings = findings.items;
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

/// The multipart form of `POST /check`.
#[derive(ToSchema)]
#[allow(dead_code)] // only described: the handler reads the form field by field
pub struct CheckForm {
    /// The document: PDF, DOCX or text.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Only the rules of this stage (default: every stage's).
    stage: Option<Stage>,
    /// `json` (default) or `html`.
    format: Option<String>,
}

/// `POST /check` (multipart `file`, optional `stage`, `format`): checks without storing.
#[utoipa::path(post, path = "/api/v1/check", tag = "review", request_body(content = CheckForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "the report (nothing is stored)", body = Report),
        (status = 400, description = "bad form", body = ErrorBody), (status = 413, description = "file too large", body = ErrorBody),
        (status = 415, description = "unsupported file type", body = ErrorBody), (status = 422, description = "the file was refused", body = ErrorBody)))]
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

/// One rule in the library listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSummary {
    pub id: String,
    pub title: String,
    pub category: Category,
    /// The category's Chinese name.
    pub category_zh: String,
    pub severity: Severity,
    pub stages: Vec<Stage>,
    /// Section kinds the rule looks at (empty: all).
    pub sections: Vec<SectionKind>,
}

/// `GET /rules`
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// The rule-set version (content hash of the library).
    pub version: String,
    pub total: usize,
    pub rules: Vec<RuleSummary>,
}

/// An example clause of a rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleExample {
    pub section: SectionKind,
    pub text: String,
}

/// The examples a rule must hit and must not hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleExamples {
    pub hit: Vec<RuleExample>,
    pub miss: Vec<RuleExample>,
}

/// `GET /rules/{id}`: everything about one rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleDetail {
    #[serde(flatten)]
    pub summary: RuleSummary,
    pub message: String,
    pub suggestion: String,
    pub basis: Vec<Basis>,
    /// The matcher kind: pattern, numeric, period or document.
    pub matcher: String,
    /// The rule file, relative to the library root.
    pub file: String,
    pub examples: RuleExamples,
    pub rulebook_version: String,
}

fn rule_summary(r: &crate::core::rules::Rule) -> RuleSummary {
    RuleSummary {
        id: r.id.clone(),
        title: r.title.clone(),
        category: r.category,
        category_zh: r.category.label_zh().to_string(),
        severity: r.severity,
        stages: r.stages.clone(),
        sections: r.sections.clone(),
    }
}

fn examples(list: &[crate::core::rules::schema::Example]) -> Vec<RuleExample> {
    list.iter().map(|e| RuleExample { section: e.section, text: e.text.clone() }).collect()
}

/// `GET /rules`
#[utoipa::path(get, path = "/api/v1/rules", tag = "review", responses((status = 200, description = "the rule library", body = RuleList)))]
pub async fn rules(State(st): State<AppState>) -> Json<RuleList> {
    let book = st.service.rulebook();
    let rules: Vec<_> = book.rules().iter().map(rule_summary).collect();
    Json(RuleList { version: book.version().to_string(), total: rules.len(), rules })
}

/// `GET /rules/{id}`
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "review", params(("id" = String, Path, description = "rule id, e.g. R01")),
    responses((status = 200, description = "the rule", body = RuleDetail), (status = 404, description = "no such rule", body = ErrorBody)))]
pub async fn rule(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<RuleDetail>, ApiError> {
    let book = st.service.rulebook();
    let r = book.rules().iter().find(|r| r.id.eq_ignore_ascii_case(&id)).ok_or_else(|| ApiError::not_found("规则"))?;
    Ok(Json(RuleDetail {
        summary: rule_summary(r),
        message: r.message.clone(),
        suggestion: r.suggestion.clone(),
        basis: r.basis.clone(),
        matcher: r.kind().to_string(),
        file: r.file.clone(),
        examples: RuleExamples { hit: examples(&r.examples.hit), miss: examples(&r.examples.miss) },
        rulebook_version: book.version().to_string(),
    }))
}
