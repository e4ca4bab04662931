//! Inspections (事后督查) over HTTP: create, freeze, draw, verify, conclusions, remediation.

use super::openapi::{ErrorBody, IdPath};
use super::{parse_id, ApiError, AppState};
use crate::core::account::Actor;
use crate::core::inspection::{InspectionStatus, Resolution, Verification};
use crate::server::service::inspections::{DrawView, InspectionDetail, InspectionRequest, InspectionView, ResultRequest, ResultView};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::json_body as parse;

/// An inspection and one of its draws in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct DrawPath {
    id: i64,
    draw: i64,
}

/// An inspection and a sampled project in the path.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub struct ResultPath {
    id: i64,
    project: i64,
}

/// `GET /inspections`
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", responses((status = 200, description = "every inspection, newest first", body = Vec<InspectionView>)))]
pub async fn list(State(st): State<AppState>, actor: Actor) -> Result<Json<Vec<InspectionView>>, ApiError> {
    Ok(Json(st.service.inspections(&actor).await?))
}

/// `POST /inspections`
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = InspectionRequest,
    responses((status = 201, description = "created (草拟)", body = InspectionView), (status = 422, description = "invalid", body = ErrorBody)))]
pub async fn create(State(st): State<AppState>, actor: Actor, body: Bytes) -> Result<(StatusCode, Json<InspectionView>), ApiError> {
    let req: InspectionRequest = parse(&body, "检查 JSON")?;
    Ok((StatusCode::CREATED, Json(st.service.create_inspection(&actor, &req).await?)))
}

/// `GET /inspections/{id}`
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(IdPath),
    responses((status = 200, description = "with every draw (redraws included) and the results", body = InspectionDetail)))]
pub async fn show(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<InspectionDetail>, ApiError> {
    Ok(Json(st.service.inspection(&actor, parse_id(&id, "检查任务")?).await?))
}

/// `POST /inspections/{id}/draws`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeInput {
    /// Required for a redraw.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /inspections/{id}/draws`: freezes the candidates and records their hash.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/draws", tag = "inspections", params(IdPath), request_body = FreezeInput,
    responses((status = 201, description = "frozen; no seed yet", body = DrawView), (status = 422, description = "a redraw without a reason, nothing to draw from", body = ErrorBody)))]
pub async fn freeze(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<(StatusCode, Json<DrawView>), ApiError> {
    let input: FreezeInput = parse(&body, "抽取 JSON")?;
    Ok((StatusCode::CREATED, Json(st.service.freeze_draw(&actor, parse_id(&id, "检查任务")?, input.reason).await?)))
}

/// `POST /inspections/{id}/draws/{draw}/seed`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedInput {
    /// E.g. a number drawn in public; omitted: a random one is generated and recorded.
    #[serde(default)]
    pub seed: Option<String>,
}

/// `POST /inspections/{id}/draws/{draw}/seed`: fixes the seed and draws.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/draws/{draw}/seed", tag = "inspections", params(DrawPath), request_body = SeedInput,
    responses((status = 200, description = "drawn: seed, sample and inspectors recorded", body = DrawView), (status = 422, description = "the seed is already fixed", body = ErrorBody)))]
pub async fn seed(State(st): State<AppState>, actor: Actor, Path((id, draw)): Path<(String, String)>, body: Bytes) -> Result<Json<DrawView>, ApiError> {
    let input: SeedInput = parse(&body, "种子 JSON")?;
    Ok(Json(st.service.draw(&actor, parse_id(&id, "检查任务")?, parse_id(&draw, "抽取记录")?, input.seed).await?))
}

/// `GET /inspections/{id}/draws/{draw}/verify`
#[utoipa::path(get, path = "/api/v1/inspections/{id}/draws/{draw}/verify", tag = "inspections", params(DrawPath),
    responses((status = 200, description = "the draw recomputed from its record", body = Verification)))]
pub async fn verify(State(st): State<AppState>, Path((id, draw)): Path<(String, String)>) -> Result<Json<Verification>, ApiError> {
    Ok(Json(st.service.verify_draw(parse_id(&id, "检查任务")?, parse_id(&draw, "抽取记录")?).await?))
}

/// `POST /inspections/{id}/results`
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results", tag = "inspections", params(IdPath), request_body = ResultRequest,
    responses((status = 200, description = "recorded", body = ResultView), (status = 422, description = "not in the sample, or invalid", body = ErrorBody)))]
pub async fn result(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<Json<ResultView>, ApiError> {
    let req: ResultRequest = parse(&body, "检查结论 JSON")?;
    Ok(Json(st.service.record_result(&actor, parse_id(&id, "检查任务")?, &req).await?))
}

/// `POST /inspections/{id}/results/{project}/remediation`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationInput {
    /// What the agency reported it did.
    #[serde(default)]
    pub report: Option<String>,
    /// fully | partly | not
    #[serde(default)]
    pub resolution: Option<String>,
}

/// `POST /inspections/{id}/results/{project}/remediation`
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results/{project}/remediation", tag = "inspections", params(ResultPath), request_body = RemediationInput,
    responses((status = 200, description = "recorded", body = ResultView)))]
pub async fn remediation(State(st): State<AppState>, actor: Actor, Path((id, project)): Path<(String, String)>, body: Bytes) -> Result<Json<ResultView>, ApiError> {
    let input: RemediationInput = parse(&body, "整改 JSON")?;
    let resolution = match input.resolution.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => Some(Resolution::parse(r).ok_or_else(|| ApiError::invalid("resolution 应为 fully、partly 或 not（已整改到位/部分整改/未整改）"))?),
        None => None,
    };
    let (id, project) = (parse_id(&id, "检查任务")?, parse_id(&project, "项目")?);
    Ok(Json(st.service.update_remediation(&actor, id, project, input.report, resolution).await?))
}

/// `POST /inspections/{id}/conclude`
#[utoipa::path(post, path = "/api/v1/inspections/{id}/conclude", tag = "inspections", params(IdPath),
    responses((status = 200, description = "concluded (every sampled project has a conclusion)", body = InspectionView)))]
pub async fn conclude(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<InspectionView>, ApiError> {
    Ok(Json(st.service.set_inspection_status(&actor, parse_id(&id, "检查任务")?, InspectionStatus::Concluded).await?))
}

/// `POST /inspections/{id}/close`
#[utoipa::path(post, path = "/api/v1/inspections/{id}/close", tag = "inspections", params(IdPath),
    responses((status = 200, description = "closed", body = InspectionView)))]
pub async fn close(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<InspectionView>, ApiError> {
    Ok(Json(st.service.set_inspection_status(&actor, parse_id(&id, "检查任务")?, InspectionStatus::Closed).await?))
}
