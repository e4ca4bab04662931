//! `GET /search`: full-text search over clauses with filters and facet counts.

use super::{ApiError, AppState};
use crate::core::vocab::{Method, ProcurementType};
use crate::server::service::Scope;
use axum::extract::{Query, State};
use axum::Json;
use fairtender_index::{Filters, SearchQuery};
use serde::Deserialize;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub agency: Option<String>,
    pub project_id: Option<String>,
    pub document_id: Option<String>,
    pub year: Option<String>,
    pub method: Option<String>,
    pub procurement_type: Option<String>,
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

/// `GET /search?q=&agency=&project_id=&year=&method=&procurement_type=&section_kind=&limit=&offset=`
pub async fn search(
    State(st): State<AppState>,
    scope: Scope,
    Query(p): Query<SearchParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if let Some(kind) = p.section_kind.as_deref().filter(|k| !k.is_empty()) {
        if crate::core::document::SectionKind::parse(kind).is_none() {
            return Err(ApiError::bad_request(format!("未知的章节类型 section_kind：{kind}")));
        }
    }
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
            section_kind: text(p.section_kind.clone()),
        },
        limit: limit.clamp(1, 200),
        offset,
    };
    let results = st.service.search(&scope, query).await?;
    // `snippet` is HTML (escaped, matches in <mark>) for pages that insert it as is;
    // `snippet_text` and `marks` (char ranges) are for clients that render it themselves.
    // Every other field is plain text: a client inserting `section` into HTML escapes it.
    let hits: Vec<serde_json::Value> = results
        .hits
        .iter()
        .map(|h| {
            serde_json::json!({
                "clause_id": h.clause_id, "document_id": h.document_id, "project_id": h.project_id,
                "page": h.page, "ordinal": h.ordinal, "section": h.section, "section_kind": h.section_kind,
                "score": h.score,
                "snippet": crate::report::html::marked(&h.snippet.text, &h.snippet.marks),
                "snippet_text": h.snippet.text, "marks": h.snippet.marks,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "q": p.q,
        "total": results.total,
        "hits": hits,
        "facets": results.facets,
    })))
}
