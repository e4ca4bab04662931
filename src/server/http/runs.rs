//! Corpus-wide runs over HTTP: start, progress, hits, cancel.

use super::openapi::{ErrorBody, IdPath};
use super::{page_size, parse_id, ApiError, AppState, PageParams};
use crate::core::account::Actor;
use crate::server::service::runs::{RunHit, RunRequest, RunView};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// `POST /runs`: starts a run in the background (202); poll `GET /runs/{id}` for progress.
#[utoipa::path(post, path = "/api/v1/runs", tag = "inspections", request_body = RunRequest,
    responses((status = 202, description = "started", body = RunView), (status = 422, description = "unknown rule, nothing asked, or a query that finds too much", body = ErrorBody)))]
pub async fn start(State(st): State<AppState>, actor: Actor, body: Bytes) -> Result<(StatusCode, Json<RunView>), ApiError> {
    let req: RunRequest = super::json_body(&body, "全库检查 JSON")?;
    Ok((StatusCode::ACCEPTED, Json(st.service.start_run(&actor, &req).await?)))
}

/// `GET /runs`
#[utoipa::path(get, path = "/api/v1/runs", tag = "inspections", responses((status = 200, description = "every run, newest first", body = Vec<RunView>)))]
pub async fn list(State(st): State<AppState>, actor: Actor) -> Result<Json<Vec<RunView>>, ApiError> {
    Ok(Json(st.service.runs(&actor).await?))
}

/// `GET /runs/{id}`
#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "inspections", params(IdPath),
    responses((status = 200, description = "status and progress (documents done of total)", body = RunView)))]
pub async fn show(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<RunView>, ApiError> {
    Ok(Json(st.service.run(&actor, parse_id(&id, "全库检查任务")?).await?))
}

/// `GET /runs/{id}/hits`
#[derive(Debug, Serialize, ToSchema)]
pub struct HitList {
    pub hits: Vec<RunHit>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// `GET /runs/{id}/hits`
#[utoipa::path(get, path = "/api/v1/runs/{id}/hits", tag = "inspections", params(IdPath, PageParams),
    responses((status = 200, description = "hits by document and clause (limit default 500, at most 2000)", body = HitList)))]
pub async fn hits(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, Query(q): Query<PageParams>) -> Result<Json<HitList>, ApiError> {
    let (default, max) = page_size::CLAUSES;
    let page = q.page(default, max)?;
    let p = st.service.run_hits(&actor, parse_id(&id, "全库检查任务")?, page).await?;
    Ok(Json(HitList { hits: p.items, total: p.total, offset: page.offset, limit: page.limit.unwrap_or(default) }))
}

/// `POST /runs/{id}/cancel`
#[utoipa::path(post, path = "/api/v1/runs/{id}/cancel", tag = "inspections", params(IdPath),
    responses((status = 200, description = "cancelled; it stops before its next document", body = RunView), (status = 422, description = "already finished", body = ErrorBody)))]
pub async fn cancel(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<RunView>, ApiError> {
    Ok(Json(st.service.cancel_run(&actor, parse_id(&id, "全库检查任务")?).await?))
}
