//! Authentication and authorisation of every request, in one place: the route table says
//! what each endpoint needs ([`ROUTES`]), the middleware ([`authorize`]) finds who is asking
//! (session cookie or `Authorization: Bearer` API token), refuses with 401/403, and hands
//! the [`Actor`] to the handler. Which records a permitted request reaches is the actor's
//! [`Scope`], applied by the service; records out of scope answer 404.

use super::{ApiError, AppState};
use crate::core::account::{Actor, Permission, Scope};
use axum::extract::{FromRequestParts, MatchedPath, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fairtender_session";

/// The `Set-Cookie` value that ends a browser session.
pub const CLEARED_SESSION_COOKIE: &str = "fairtender_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";

/// The `Set-Cookie` header that starts a browser session: HttpOnly (no script reads it),
/// SameSite=Strict (no other site's form sends it), as long as the session lasts.
pub fn session_cookie(secret: &str) -> Option<header::HeaderValue> {
    let max_age = crate::server::service::SESSION_HOURS * 3600;
    header::HeaderValue::from_str(&format!("{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")).ok()
}

/// What an endpoint needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, the API description, logging in).
    Public,
    /// Any logged-in user, even one who must still change a one-time password.
    Account,
    /// Any logged-in user who has changed their first password.
    User,
    /// A logged-in user whose role holds the permission.
    Need(Permission),
}

use Access::*;
use Permission::*;

/// Every route of the service and what it needs. The router is built from the same paths;
/// a route missing here is refused (500 in the log, 403 to the caller), never let through.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/api/openapi.json", Public),
    ("POST", "/api/v1/login", Public),
    ("POST", "/api/v1/logout", Account),
    ("GET", "/api/v1/me", Account),
    ("POST", "/api/v1/me/password", Account),
    ("POST", "/api/v1/projects", Need(Prepare)),
    ("GET", "/api/v1/projects", Need(Read)),
    ("GET", "/api/v1/projects/{id}", Need(Read)),
    ("POST", "/api/v1/projects/{id}/documents", Need(Prepare)),
    ("GET", "/api/v1/projects/{id}/documents", Need(Read)),
    ("GET", "/api/v1/projects/{id}/corrections", Need(Read)),
    ("GET", "/api/v1/projects/{id}/challenges", Need(Read)),
    ("GET", "/api/v1/projects/{id}/blocking", Need(Read)),
    ("POST", "/api/v1/projects/{id}/deadline", Need(Prepare)),
    ("POST", "/api/v1/projects/{id}/submit", Need(Submit)),
    ("POST", "/api/v1/projects/{id}/return", Need(Decide)),
    ("POST", "/api/v1/projects/{id}/approve", Need(Decide)),
    ("POST", "/api/v1/projects/{id}/publish", Need(Submit)),
    ("POST", "/api/v1/projects/{id}/award", Need(Submit)),
    ("POST", "/api/v1/projects/{id}/close", Need(Submit)),
    ("GET", "/api/v1/documents/{id}", Need(Read)),
    ("GET", "/api/v1/documents/{id}/clauses", Need(Read)),
    ("GET", "/api/v1/documents/{id}/file", Need(Read)),
    ("GET", "/api/v1/documents/{id}/findings", Need(Read)),
    ("GET", "/api/v1/documents/{id}/report", Need(Read)),
    ("GET", "/api/v1/documents/{id}/diff", Need(Read)),
    ("POST", "/api/v1/findings/{id}/decision", Need(Decide)),
    ("POST", "/api/v1/findings/{id}/dismissal-request", Need(Submit)),
    ("GET", "/api/v1/findings/{id}/history", Need(Read)),
    ("GET", "/api/v1/findings/{id}/rule-example", Need(Decide)),
    ("POST", "/api/v1/clauses/{id}/flags", Need(Decide)),
    ("POST", "/api/v1/check", User),
    ("GET", "/api/v1/rules", User),
    ("GET", "/api/v1/rules/{id}", User),
    ("POST", "/api/v1/records/import", Need(Administer)),
    ("GET", "/api/v1/records/checks", Need(Statistics)),
    ("POST", "/api/v1/challenges/{id}/clauses", Need(LinkChallenges)),
    ("GET", "/api/v1/metrics", Need(Statistics)),
    ("GET", "/api/v1/search", Need(Search)),
    ("GET", "/api/v1/audit", Need(Audit)),
    ("GET", "/api/v1/users", Need(Administer)),
    ("POST", "/api/v1/users", Need(Administer)),
    ("POST", "/api/v1/users/{id}/disable", Need(Administer)),
    ("POST", "/api/v1/users/{id}/enable", Need(Administer)),
    ("POST", "/api/v1/users/{id}/reset-password", Need(Administer)),
    ("GET", "/api/v1/tokens", Need(Administer)),
    ("POST", "/api/v1/tokens", Need(Administer)),
    ("POST", "/api/v1/tokens/{id}/revoke", Need(Administer)),
    ("GET", "/api/v1/inspections", Need(Inspect)),
    ("POST", "/api/v1/inspections", Need(Inspect)),
    ("GET", "/api/v1/inspections/{id}", Need(Inspect)),
    ("POST", "/api/v1/inspections/{id}/draws", Need(Inspect)),
    ("POST", "/api/v1/inspections/{id}/draws/{draw}/seed", Need(Inspect)),
    // A draw is verifiable by anyone with an account: it reveals only project ids.
    ("GET", "/api/v1/inspections/{id}/draws/{draw}/verify", User),
    ("POST", "/api/v1/inspections/{id}/results", Need(Inspect)),
    ("POST", "/api/v1/inspections/{id}/results/{project}/remediation", Need(Inspect)),
    ("POST", "/api/v1/inspections/{id}/conclude", Need(Inspect)),
    ("POST", "/api/v1/inspections/{id}/close", Need(Inspect)),
    ("GET", "/api/v1/runs", Need(Inspect)),
    ("POST", "/api/v1/runs", Need(Inspect)),
    ("GET", "/api/v1/runs/{id}", Need(Inspect)),
    ("GET", "/api/v1/runs/{id}/hits", Need(Inspect)),
    ("POST", "/api/v1/runs/{id}/cancel", Need(Inspect)),
    // The web pages (a page answers a missing login with a redirect to /login).
    ("GET", "/", Public),
    ("GET", "/static/app.css", Public),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Account),
    ("GET", "/projects", Need(Read)),
    ("POST", "/projects/new", Need(Prepare)),
    ("GET", "/projects/{id}", Need(Read)),
    ("POST", "/projects/{id}/upload", Need(Prepare)),
    // The move's own permission (submit or decide) is the service's check.
    ("POST", "/projects/{id}/{action}", User),
    ("GET", "/documents/{id}", Need(Read)),
    ("GET", "/search", Need(Search)),
    ("GET", "/rules", User),
    ("GET", "/dashboard", Need(Statistics)),
    ("GET", "/inspections", Need(Inspect)),
    ("POST", "/inspections/new", Need(Inspect)),
    ("GET", "/inspections/{id}", Need(Inspect)),
    ("POST", "/inspections/{id}/freeze", Need(Inspect)),
    ("POST", "/inspections/{id}/draws/{draw}/seed", Need(Inspect)),
    // A decision needs Decide, a dismissal request Submit: the service's check.
    ("POST", "/findings/{id}/decide", User),
    ("GET", "/password", Account),
    ("POST", "/password", Account),
    ("GET", "/queue", Need(Decide)),
    ("GET", "/documents/{id}/diff", Need(Read)),
    ("POST", "/documents/{id}/flag", Need(Decide)),
    ("POST", "/documents/{id}/challenge", Need(LinkChallenges)),
    ("GET", "/documents/{id}/report", Need(Read)),
    ("GET", "/documents/{id}/report.xlsx", Need(Read)),
    ("GET", "/documents/{id}/findings.csv", Need(Read)),
    ("POST", "/projects/{id}/challenges", Need(LinkChallenges)),
    ("GET", "/challenges", Need(Read)),
    ("GET", "/challenges.xlsx", Need(Read)),
    ("GET", "/challenges.csv", Need(Read)),
    ("POST", "/challenges/{id}/reply", Need(LinkChallenges)),
    ("POST", "/challenges/{id}/complaints", Need(LinkChallenges)),
    ("GET", "/records/import", Need(Administer)),
    ("POST", "/records/import", Need(Administer)),
    ("GET", "/dashboard.xlsx", Need(Statistics)),
    ("GET", "/dashboard.csv", Need(Statistics)),
    ("GET", "/admin", Need(Administer)),
    ("POST", "/admin/users", Need(Administer)),
    ("POST", "/admin/users/{id}/{action}", Need(Administer)),
    ("POST", "/admin/tokens", Need(Administer)),
    ("POST", "/admin/tokens/{id}/revoke", Need(Administer)),
];

/// What `method` on the matched route `path` needs (`None`: not in the table).
pub fn access(method: &Method, path: &str) -> Option<Access> {
    ROUTES.iter().find(|(m, p, _)| *m == method.as_str() && *p == path).map(|(_, _, a)| *a)
}

/// The secret the request presents: a bearer token, else the session cookie.
pub fn presented_secret(parts: &axum::http::HeaderMap) -> Option<String> {
    if let Some(v) = parts.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")) {
            return Some(t.trim().to_string());
        }
    }
    cookie(parts, SESSION_COOKIE)
}

/// The value of the cookie `name` of a request.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn unauthenticated() -> Response {
    let mut res = ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "请先登录（会话已过期或令牌无效）").into_response();
    res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    res
}

/// Whether a path is a web page (answered in HTML) rather than the JSON API.
fn is_page(path: &str) -> bool {
    !path.starts_with("/api/") && path != "/healthz"
}

/// Middleware (a route layer, so the matched path is known): authenticates and authorises.
pub async fn authorize(State(st): State<AppState>, mut req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string());
    let Some(path) = path else { return next.run(req).await };
    let needed = match access(req.method(), &path) {
        Some(a) => a,
        // Another method of a listed path: the router answers 405 for it, but only to a
        // logged-in user, so a handler added without a table entry is never anonymous.
        None if ROUTES.iter().any(|(_, p, _)| *p == path) => User,
        None => {
            tracing::error!(method = %req.method(), %path, "route missing from the access table; refused");
            return ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权访问此接口").into_response();
        }
    };
    if needed == Public {
        return next.run(req).await;
    }
    let page = is_page(&path);
    let login = || if page { axum::response::Redirect::to("/login").into_response() } else { unauthenticated() };
    let Some(secret) = presented_secret(req.headers()) else { return login() };
    let actor = match st.service.authenticate(&secret).await {
        Ok(Some(a)) => a,
        Ok(None) => return login(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if actor.must_change_password && needed != Account {
        let message = "请先修改初始密码（POST /api/v1/me/password）";
        if page {
            // A first login in the browser goes to the form that changes the password.
            return axum::response::Redirect::to("/password").into_response();
        }
        return ApiError::new(StatusCode::FORBIDDEN, "password_change_required", message).into_response();
    }
    if let Need(p) = needed {
        if !actor.may(p) {
            tracing::info!(user = %actor.username, role = actor.role.as_str(), %path, "forbidden by role");
            let message = format!("您的角色（{}）无权执行此操作", actor.role.label_zh());
            if page {
                return crate::server::web::page_error(StatusCode::FORBIDDEN, "无权访问", &message, Some(&actor));
            }
            return ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response();
        }
    }
    req.extensions_mut().insert(actor);
    next.run(req).await
}

/// The authenticated user of a request (put there by [`authorize`]).
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Actor, Response> {
        parts.extensions.get::<Actor>().cloned().ok_or_else(unauthenticated)
    }
}

/// The records the request reaches: the authenticated user's scope.
impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Scope, Response> {
        parts.extensions.get::<Actor>().map(Actor::scope).ok_or_else(unauthenticated)
    }
}

/// The client's address as the socket saw it (for login throttling); "unknown" in-process.
pub fn client_address(parts: &axum::http::Extensions) -> String {
    parts
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
