//! Logging in and out, the current user, and (administrators) users and API tokens.

use super::access::{client_address, presented_secret, session_cookie, CLEARED_SESSION_COOKIE};
use super::openapi::{ErrorBody, IdPath};
use super::{parse_id, ApiError, AppState};
use crate::core::account::Actor;
use crate::server::service::{CreatedUser, IssuedToken, UserRequest};
use crate::server::store::accounts::{TokenView, UserView};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json_body as parse;

/// `POST /login`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

/// Who is logged in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: Actor,
    /// The role's Chinese name.
    pub role_label: String,
}

fn me(actor: Actor) -> Me {
    Me { role_label: actor.role.label_zh().to_string(), user: actor }
}

/// `POST /login`: sets the HttpOnly, SameSite=Strict session cookie.
#[utoipa::path(post, path = "/api/v1/login", tag = "accounts", request_body = LoginInput,
    responses((status = 200, description = "logged in; the session cookie is set", body = Me),
        (status = 401, description = "wrong username or password", body = ErrorBody),
        (status = 429, description = "too many failed logins (Retry-After)", body = ErrorBody)))]
pub async fn login(State(st): State<AppState>, req: axum::extract::Request) -> Result<Response, ApiError> {
    let address = client_address(req.extensions());
    let body = axum::body::to_bytes(req.into_body(), 16 * 1024)
        .await
        .map_err(|_| ApiError::bad_request("登录请求过大"))?;
    let input: LoginInput = parse(&body, "登录 JSON")?;
    let session = st.service.login(&input.username, &input.password, &address).await?;
    let mut res = Json(me(session.actor)).into_response();
    if let Some(v) = session_cookie(&session.secret) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /logout`
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts",
    responses((status = 204, description = "the session (or token) is revoked and the cookie cleared")))]
pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(secret) = presented_secret(&headers) {
        st.service.logout(&secret).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_static(CLEARED_SESSION_COOKIE));
    Ok(res)
}

/// `GET /me`
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, description = "the current user", body = Me)))]
pub async fn current(actor: Actor) -> Json<Me> {
    Json(me(actor))
}

/// `POST /me/password`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub old_password: String,
    pub new_password: String,
}

/// `POST /me/password`
#[utoipa::path(post, path = "/api/v1/me/password", tag = "accounts", request_body = PasswordInput,
    responses((status = 204, description = "changed"), (status = 401, description = "wrong old password", body = ErrorBody),
        (status = 422, description = "the new password does not meet the policy", body = ErrorBody)))]
pub async fn change_password(State(st): State<AppState>, actor: Actor, body: Bytes) -> Result<StatusCode, ApiError> {
    let input: PasswordInput = parse(&body, "修改密码 JSON")?;
    st.service.change_password(&actor, &input.old_password, &input.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /users`
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", responses((status = 200, description = "every user", body = Vec<UserView>)))]
pub async fn users(State(st): State<AppState>, actor: Actor) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(st.service.users(&actor).await?))
}

/// `POST /users`
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = UserRequest,
    responses((status = 201, description = "created; a generated one-time password is returned once", body = CreatedUser),
        (status = 409, description = "the username is taken", body = ErrorBody), (status = 422, description = "invalid", body = ErrorBody)))]
pub async fn create_user(State(st): State<AppState>, actor: Actor, body: Bytes) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    let input: UserRequest = parse(&body, "用户 JSON")?;
    Ok((StatusCode::CREATED, Json(st.service.create_user(&actor, &input).await?)))
}

/// `POST /users/{id}/disable`
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "accounts", params(IdPath),
    responses((status = 200, description = "disabled; sessions and tokens revoked", body = UserView)))]
pub async fn disable(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<UserView>, ApiError> {
    Ok(Json(st.service.set_user_disabled(&actor, parse_id(&id, "用户")?, true).await?))
}

/// `POST /users/{id}/enable`
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "accounts", params(IdPath),
    responses((status = 200, description = "enabled", body = UserView)))]
pub async fn enable(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<UserView>, ApiError> {
    Ok(Json(st.service.set_user_disabled(&actor, parse_id(&id, "用户")?, false).await?))
}

/// A new one-time password.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetPassword {
    pub one_time_password: String,
}

/// `POST /users/{id}/reset-password`
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "accounts", params(IdPath),
    responses((status = 200, description = "a one-time password, shown once; sessions revoked", body = ResetPassword)))]
pub async fn reset_password(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<ResetPassword>, ApiError> {
    let otp = st.service.reset_password(&actor, parse_id(&id, "用户")?).await?;
    Ok(Json(ResetPassword { one_time_password: otp }))
}

/// `POST /tokens`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub user_id: i64,
    #[serde(default)]
    pub label: String,
    /// Days until it expires (1–366, default 90).
    #[serde(default)]
    pub days: Option<i64>,
}

/// `GET /tokens`
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", responses((status = 200, description = "every API token (never the secrets)", body = Vec<TokenView>)))]
pub async fn tokens(State(st): State<AppState>, actor: Actor) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(st.service.tokens(&actor).await?))
}

/// `POST /tokens`
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = TokenInput,
    responses((status = 201, description = "issued; the secret is returned once (send it as `Authorization: Bearer …`)", body = IssuedToken)))]
pub async fn issue_token(State(st): State<AppState>, actor: Actor, body: Bytes) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let input: TokenInput = parse(&body, "令牌 JSON")?;
    let t = st.service.issue_token(&actor, input.user_id, &input.label, input.days.unwrap_or(90)).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// `POST /tokens/{id}/revoke`
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "accounts", params(IdPath),
    responses((status = 200, description = "revoked", body = TokenView)))]
pub async fn revoke_token(State(st): State<AppState>, actor: Actor, Path(id): Path<String>) -> Result<Json<TokenView>, ApiError> {
    Ok(Json(st.service.revoke_token(&actor, parse_id(&id, "令牌")?).await?))
}
