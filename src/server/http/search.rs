//! `GET /search`: full-text search over clauses with filters and facet counts.

use super::{ApiError, AppState};
use super::openapi::ErrorBody;
use crate::core::document::SectionKind;
use crate::core::vocab::{Method, ProcurementType};
use crate::server::service::Scope;
use axum::extract::{Query, State};
use axum::Json;
use fairtender_index::{Filters, SearchQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Query parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchParams {
    /// Terms separated by spaces, each an exact substring (quote a phrase); all must match.
    #[serde(default)]
    pub q: String,
    pub agency: Option<String>,
    pub project_id: Option<String>,
    pub document_id: Option<String>,
    pub year: Option<String>,
    #[param(value_type = Option<Method>)]
    pub method: Option<String>,
    #[param(value_type = Option<ProcurementType>)]
    pub procurement_type: Option<String>,
    #[param(value_type = Option<SectionKind>)]
    pub section_kind: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

fn num<T: std::str::FromStr>(v: &Option<String>, name: &str) -> Result<Option<T>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ApiError::bad_request(format!("参数 {name} 应为整数"))),
    }
}

/// A vocabulary filter in the form the index stores, or a Chinese 400 for an unknown value.
fn vocab<T>(
    v: Option<String>,
    parse: fn(&str) -> Option<T>,
    stored: fn(T) -> &'static str,
    name: &str,
) -> Result<Option<String>, ApiError> {
    match v {
        None => Ok(None),
        Some(raw) => parse(&raw)
            .map(|t| Some(stored(t).to_string()))
            .ok_or_else(|| ApiError::bad_request(format!("参数 {name} 的取值无效"))),
    }
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// One clause found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub clause_id: i64,
    pub document_id: i64,
    pub project_id: i64,
    pub page: u32,
    pub ordinal: u32,
    /// Plain text: a client inserting it into HTML escapes it.
    pub section: String,
    pub section_kind: String,
    pub score: f32,
    /// HTML: the snippet escaped, every match in `<mark>`, for pages that insert it as is.
    pub snippet: String,
    /// The snippet as plain text, for clients that render it themselves with `marks`.
    pub snippet_text: String,
    /// Char ranges `[start, end)` of `snippet_text` that matched.
    pub marks: Vec<(usize, usize)>,
}

/// `GET /search`
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub q: String,
    pub total: usize,
    pub hits: Vec<SearchHit>,
    /// Facet name (agency, year, method, procurement_type, section_kind) → [value, count] pairs.
    #[schema(value_type = Object)]
    pub facets: std::collections::BTreeMap<String, Vec<(String, u64)>>,
}

/// `GET /search?q=&agency=&project_id=&year=&method=&procurement_type=&section_kind=&limit=&offset=`
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, description = "hits with snippets and facet counts", body = SearchResponse),
        (status = 400, description = "an invalid query or parameter", body = ErrorBody)))]
pub async fn search(
    State(st): State<AppState>,
    scope: Scope,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    // The index holds the slug; the slug or the Chinese name is accepted.
    let section_kind = vocab(text(p.section_kind.clone()), SectionKind::parse, |k| k.as_str(), "section_kind")?;
    let limit: usize = num(&p.limit, "limit")?.unwrap_or(20);
    let offset: usize = num(&p.offset, "offset")?.unwrap_or(0);
    let query = SearchQuery {
        q: p.q.clone(),
        filters: Filters {
            agency: text(p.agency.clone()),
            project_id: num(&p.project_id, "project_id")?,
            document_id: num(&p.document_id, "document_id")?,
            year: num(&p.year, "year")?,
            // The index holds the method's Chinese label and the type's slug; either spelling
            // of each is accepted here.
            method: vocab(text(p.method.clone()), Method::parse, |m| m.label_zh(), "method")?,
            procurement_type: vocab(text(p.procurement_type.clone()), ProcurementType::parse, |t| t.as_str(), "procurement_type")?,
            section_kind,
            ..Default::default()
        },
        limit: limit.clamp(1, 200),
        offset,
    };
    let results = st.service.search(&scope, query).await?;
    let hits = results
        .hits
        .into_iter()
        .map(|h| SearchHit {
            snippet: crate::report::html::marked(&h.snippet.text, &h.snippet.marks),
            clause_id: h.clause_id,
            document_id: h.document_id,
            project_id: h.project_id,
            page: h.page,
            ordinal: h.ordinal,
            section: h.section,
            section_kind: h.section_kind,
            score: h.score,
            snippet_text: h.snippet.text,
            marks: h.snippet.marks,
        })
        .collect();
    Ok(Json(SearchResponse { q: p.q, total: results.total, hits, facets: results.facets }))
}
