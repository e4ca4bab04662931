//! The review workflow over HTTP: decisions on findings, dismissal requests, manual flags,
//! lifecycle moves with the approval gate, version differences, corrections, histories and
//! the audit log.

use super::openapi::{ErrorBody, IdPath};
use super::{page_size, parse_id, ApiError, AppState, PageParams};
use crate::core::account::Actor;
use crate::core::finding::{Category, Severity};
use crate::core::workflow::{Decision, ProjectStatus};
use crate::server::service::workflow::{BlockingFinding, DecisionResult, VersionDiff};
use crate::server::store::accounts::{AuditFilter, AuditView};
use crate::server::store::workflow::Correction;
use crate::server::store::ProjectView;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json_body as parse;

/// `POST /findings/{id}/decision`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// confirm | dismiss | accept | reopen | refuse_dismissal (or the Chinese name).
    #[schema(value_type = Decision)]
    pub decision: String,
    /// Required to dismiss or accept.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /findings/{id}/decision`
#[utoipa::path(post, path = "/api/v1/findings/{id}/decision", tag = "workflow", params(IdPath), request_body = DecisionInput,
    responses((status = 200, description = "decided", body = DecisionResult),
        (status = 404, description = "no such finding in the caller's scope", body = ErrorBody),
        (status = 422, description = "the decision does not apply, or a reason is missing", body = ErrorBody)))]
pub async fn decide(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<Json<DecisionResult>, ApiError> {
    let id = parse_id(&id, "审查问题")?;
    let input: DecisionInput = parse(&body, "决定 JSON")?;
    let decision = Decision::parse(&input.decision)
        .filter(|d| *d != Decision::RequestDismissal)
        .ok_or_else(|| ApiError::invalid("decision 应为 confirm、dismiss、accept、reopen 或 refuse_dismissal"))?;
    Ok(Json(st.service.decide(&actor, id, decision, input.reason).await?))
}

/// `POST /findings/{id}/dismissal-request`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /findings/{id}/dismissal-request`: an officer asks a reviewer to dismiss.
#[utoipa::path(post, path = "/api/v1/findings/{id}/dismissal-request", tag = "workflow", params(IdPath), request_body = ReasonInput,
    responses((status = 200, description = "requested", body = DecisionResult), (status = 422, description = "no reason, or not applicable", body = ErrorBody)))]
pub async fn request_dismissal(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<Json<DecisionResult>, ApiError> {
    let id = parse_id(&id, "审查问题")?;
    let input: ReasonInput = parse(&body, "申请 JSON")?;
    Ok(Json(st.service.decide(&actor, id, Decision::RequestDismissal, input.reason).await?))
}

/// `GET /findings/{id}/history`
#[utoipa::path(get, path = "/api/v1/findings/{id}/history", tag = "workflow", params(IdPath),
    responses((status = 200, description = "the finding's events across versions, oldest first", body = Vec<AuditView>)))]
pub async fn history(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<Vec<AuditView>>, ApiError> {
    Ok(Json(st.service.finding_history(&actor, parse_id(&id, "审查问题")?).await?))
}

/// `GET /findings/{id}/rule-example`
#[utoipa::path(get, path = "/api/v1/findings/{id}/rule-example", tag = "workflow", params(IdPath),
    responses((status = 200, description = "the reviewed clause as a hit or miss example for the rule library", body = crate::server::service::workflow::RuleExample),
        (status = 422, description = "not a decided finding", body = ErrorBody)))]
pub async fn rule_example(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<crate::server::service::workflow::RuleExample>, ApiError> {
    Ok(Json(st.service.rule_example(&actor, parse_id(&id, "审查问题")?).await?))
}

/// `POST /clauses/{id}/flags`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagInput {
    #[schema(value_type = Category)]
    pub category: String,
    #[schema(value_type = Severity)]
    pub severity: String,
    pub note: String,
}

/// The manual finding created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Flagged {
    pub finding_id: i64,
}

/// `POST /clauses/{id}/flags`: a reviewer flags a clause by hand.
#[utoipa::path(post, path = "/api/v1/clauses/{id}/flags", tag = "workflow", params(IdPath), request_body = FlagInput,
    responses((status = 201, description = "a confirmed manual finding", body = Flagged), (status = 422, description = "invalid", body = ErrorBody)))]
pub async fn flag(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<(StatusCode, Json<Flagged>), ApiError> {
    let id = parse_id(&id, "条款")?;
    let input: FlagInput = parse(&body, "标记 JSON")?;
    let category = Category::parse(&input.category)
        .ok_or_else(|| ApiError::invalid(format!("category 应为：{}", Category::labels_zh())))?;
    let severity = Severity::parse(&input.severity)
        .ok_or_else(|| ApiError::invalid(format!("severity 应为：{}", Severity::labels_zh())))?;
    let finding_id = st.service.flag_clause(&actor, id, category, severity, input.note).await?;
    Ok((StatusCode::CREATED, Json(Flagged { finding_id })))
}

/// A lifecycle move.
async fn move_to(st: &AppState, actor: &Actor, id: &str, to: ProjectStatus, body: &[u8]) -> Result<Json<ProjectView>, ApiError> {
    let id = parse_id(id, "项目")?;
    let input: ReasonInput = parse(body, "请求 JSON")?;
    Ok(Json(st.service.transition(actor, id, to, input.reason).await?))
}

macro_rules! lifecycle {
    ($name:ident, $path:literal, $to:expr, $what:literal) => {
        #[doc = $what]
        #[utoipa::path(post, path = $path, tag = "workflow", params(IdPath), request_body(content = ReasonInput, description = "optional reason"),
            responses((status = 200, description = $what, body = ProjectView),
                (status = 409, description = "not possible from the project's status, or (approve) blocked by open or confirmed violations, listed in `blocking`", body = ErrorBody)))]
        pub async fn $name(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<Json<ProjectView>, ApiError> {
            move_to(&st, &actor, &id, $to, &body).await
        }
    };
}

lifecycle!(submit, "/api/v1/projects/{id}/submit", ProjectStatus::InReview, "submit for review (草稿/已通过 → 审查中)");
lifecycle!(return_to_draft, "/api/v1/projects/{id}/return", ProjectStatus::Draft, "return to the officer (审查中 → 草稿; reason required)");
lifecycle!(approve, "/api/v1/projects/{id}/approve", ProjectStatus::Approved, "approve (审查中 → 已通过)");
lifecycle!(publish, "/api/v1/projects/{id}/publish", ProjectStatus::Published, "publish (已通过 → 已发布)");
lifecycle!(award, "/api/v1/projects/{id}/award", ProjectStatus::Awarded, "award (已发布 → 已授标)");
lifecycle!(close, "/api/v1/projects/{id}/close", ProjectStatus::Closed, "close (已发布/已授标 → 已结束)");

/// `GET /projects/{id}/blocking`
#[utoipa::path(get, path = "/api/v1/projects/{id}/blocking", tag = "workflow", params(IdPath),
    responses((status = 200, description = "violations on the current version that block approval", body = Vec<BlockingFinding>)))]
pub async fn blocking(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<Vec<BlockingFinding>>, ApiError> {
    let id = parse_id(&id, "项目")?;
    st.service.project(&actor.scope(), id).await?;
    Ok(Json(st.service.blocking_findings(id).await?))
}

/// `GET /projects/{id}/corrections`
#[utoipa::path(get, path = "/api/v1/projects/{id}/corrections", tag = "workflow", params(IdPath),
    responses((status = 200, description = "what was fixed, in which version, when, by whom, prompted by what", body = Vec<Correction>)))]
pub async fn corrections(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<Vec<Correction>>, ApiError> {
    Ok(Json(st.service.corrections(&actor, parse_id(&id, "项目")?).await?))
}

/// `GET /projects/{id}/challenges`
#[utoipa::path(get, path = "/api/v1/projects/{id}/challenges", tag = "workflow", params(IdPath),
    responses((status = 200, description = "each challenged clause, its version, and the later version that no longer has it", body = Vec<crate::server::store::workflow::ChallengeCure>)))]
pub async fn challenge_cures(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<Vec<crate::server::store::workflow::ChallengeCure>>, ApiError> {
    Ok(Json(st.service.challenge_cures(&actor, parse_id(&id, "项目")?).await?))
}

/// `GET /documents/{id}/diff`
#[utoipa::path(get, path = "/api/v1/documents/{id}/diff", tag = "workflow", params(IdPath),
    responses((status = 200, description = "clause-level difference with the previous version, aligned by content", body = VersionDiff)))]
pub async fn diff(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<VersionDiff>, ApiError> {
    Ok(Json(st.service.version_diff(&actor, parse_id(&id, "文件")?).await?))
}

/// `GET /audit` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// project | document | finding | user | token
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub offset: Option<String>,
    pub limit: Option<String>,
}

/// `GET /audit`
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub events: Vec<AuditView>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

/// `GET /audit`
#[utoipa::path(get, path = "/api/v1/audit", tag = "workflow", params(AuditParams),
    responses((status = 200, description = "audit events, oldest first (limit default 100, at most 500); append-only", body = AuditList)))]
pub async fn audit(State(st): State<AppState>, actor: Actor, Query(p): Query<AuditParams>) -> Result<Json<AuditList>, ApiError> {
    let (default, max) = page_size::RECORDS;
    let page = PageParams { offset: p.offset.clone(), limit: p.limit.clone() }.page(default, max)?;
    let short = |v: Option<String>| v.map(|s| s.trim().chars().take(100).collect::<String>()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        object_kind: short(p.object_kind),
        object_ids: short(p.object_id).map(|id| vec![id]),
        actor: short(p.actor),
        action: short(p.action),
        agencies: None,
    };
    let events = st.service.audit_log(&actor, filter, page).await?;
    Ok(Json(AuditList { events: events.items, total: events.total, offset: page.offset, limit: page.limit.unwrap_or(default) }))
}

/// `POST /projects/{id}/deadline`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineInput {
    /// The new bid (response) deadline, RFC 3339.
    pub deadline: chrono::DateTime<chrono::Utc>,
}

/// `POST /projects/{id}/deadline`: moves the deadline (顺延); amendments uploaded afterwards
/// are checked against it.
#[utoipa::path(post, path = "/api/v1/projects/{id}/deadline", tag = "workflow", params(IdPath), request_body = DeadlineInput,
    responses((status = 200, description = "moved", body = ProjectView)))]
pub async fn deadline(State(st): State<AppState>, actor: Actor, Path(id): Path<String>, body: Bytes) -> Result<Json<ProjectView>, ApiError> {
    let id = parse_id(&id, "项目")?;
    let input: DeadlineInput = parse(&body, "截止时间 JSON")?;
    Ok(Json(st.service.move_deadline(&actor, id, input.deadline).await?))
}
