//! The web pages (Chinese, server-rendered with minijinja, no script required): log in, the
//! projects of the user's scope, a project with its versions, lifecycle actions and upload,
//! and the review page of a document with every finding highlighted in place and decided in
//! the side panel. The pages call the same service as the JSON API; who may open which page
//! is the same access table (`http::access`), which answers a page with a redirect to the
//! login instead of JSON.
//!
//! minijinja rather than askama: templates are plain files embedded at build time, rendered
//! with HTML auto-escaping (a clause containing `<script>` shows as text), and it adds no
//! proc-macro build step to a build that is already slow on two cores.

use crate::core::account::{Actor, Permission};
use crate::core::finding::Severity;
use crate::core::vocab::{DocumentKind, Method};
use crate::core::workflow::{Decision, FindingStatus, ProjectStatus};
use crate::server::http::access::{cookie, session_cookie, CLEARED_SESSION_COOKIE, SESSION_COOKIE};
use crate::server::http::AppState;
use crate::server::service::ServiceError;
use crate::server::store::Page;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::{context, Environment};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The CSRF cookie: a random value every form repeats in a hidden field (double submit).
pub const CSRF_COOKIE: &str = "fairtender_csrf";

mod admin;
mod challenges;
mod dashboard;
mod exports;
mod inspections;
mod projects;
mod review;
mod rules;
mod search;

pub use admin::*;
pub use challenges::*;
pub use dashboard::*;
pub use exports::*;
pub use inspections::*;
pub use projects::*;
pub use review::*;
pub use rules::*;
pub use search::*;

/// Every page template, embedded at build time.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("error.html", include_str!("templates/error.html")),
    ("projects.html", include_str!("templates/projects.html")),
    ("project.html", include_str!("templates/project.html")),
    ("document.html", include_str!("templates/document.html")),
    ("search.html", include_str!("templates/search.html")),
    ("rules.html", include_str!("templates/rules.html")),
    ("inspections.html", include_str!("templates/inspections.html")),
    ("inspection.html", include_str!("templates/inspection.html")),
    ("dashboard.html", include_str!("templates/dashboard.html")),
    ("diff.html", include_str!("templates/diff.html")),
    ("queue.html", include_str!("templates/queue.html")),
    ("challenges.html", include_str!("templates/challenges.html")),
    ("challenge_new.html", include_str!("templates/challenge_new.html")),
    ("import.html", include_str!("templates/import.html")),
    ("report.html", include_str!("templates/report.html")),
    ("admin.html", include_str!("templates/admin.html")),
    ("password.html", include_str!("templates/password.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for &(name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "a page template does not compile");
            }
        }
        env
    })
}

/// `GET /static/app.css`
pub async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("static/app.css")).into_response()
}

/// The request's CSRF value, and whether it has to be set as a cookie.
fn csrf_of(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, CSRF_COOKIE).filter(|v| v.len() == 64 + 5) {
        Some(v) => (v, false),
        None => (crate::core::account::new_secret("ft_c_"), true),
    }
}

fn check_csrf(headers: &HeaderMap, submitted: &str) -> Result<(), Response> {
    match cookie(headers, CSRF_COOKIE) {
        Some(v) if !submitted.is_empty() && v == submitted => Ok(()),
        _ => Err(page_error(StatusCode::FORBIDDEN, "请求已失效", "表单校验失败（可能已过期或来自其他网站），请返回刷新页面后重试。", None)),
    }
}

/// Renders a template; the CSRF cookie is set when the request had none.
fn render(name: &str, ctx: minijinja::Value, csrf: &(String, bool)) -> Response {
    let body = match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(template = name, error = %e, "rendering a page failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, Html("<h1>页面生成失败</h1>".to_string())).into_response();
        }
    };
    let mut res = Html(body).into_response();
    if csrf.1 {
        if let Ok(v) = HeaderValue::from_str(&format!("{CSRF_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", csrf.0)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// An error page (also used by the access middleware for pages).
pub fn page_error(status: StatusCode, heading: &str, message: &str, actor: Option<&Actor>) -> Response {
    let ctx = context! { heading, message, user => actor, role_label => actor.map(|a| a.role.label_zh()) };
    let mut res = render("error.html", ctx, &(String::new(), false));
    *res.status_mut() = status;
    res
}

/// A service failure as a page, in Chinese.
fn failure(e: ServiceError, actor: &Actor) -> Response {
    let api = crate::server::http::ApiError::from(e);
    let heading = match api.status {
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::FORBIDDEN => "无权访问",
        s if s.is_server_error() => "服务器错误",
        _ => "操作未完成",
    };
    page_error(api.status, heading, &api.message, Some(actor))
}

/// A urlencoded form body as pairs, repeated keys kept (one `clause` per ticked box), with its
/// CSRF value checked. Anything but a form is refused as axum's `Form` refuses it (415).
fn form_pairs(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, Response> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(page_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "操作未完成", "请求不是表单", None));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    check_csrf(headers, field(&pairs, "csrf"))?;
    Ok(pairs)
}

/// The first value of `key` in a form ("" when absent).
fn field<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// Every value of `key` that is an id.
fn ids(pairs: &[(String, String)], key: &str) -> Vec<i64> {
    pairs.iter().filter(|(k, _)| k == key).filter_map(|(_, v)| v.trim().parse().ok()).collect()
}

/// A list typed with any of the usual separators.
fn split_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn labels<T: Copy>(all: &[T], slug: fn(T) -> &'static str, zh: fn(T) -> &'static str) -> BTreeMap<&'static str, &'static str> {
    all.iter().map(|v| (slug(*v), zh(*v))).collect()
}

/// `GET /`
pub async fn home() -> Redirect {
    Redirect::to("/projects")
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// `GET /login`
pub async fn login_page(headers: HeaderMap) -> Response {
    let csrf = csrf_of(&headers);
    render("login.html", context! { csrf => &csrf.0, username => "", user => () }, &csrf)
}

/// `POST /login`: sets the session cookie and goes to the projects.
pub async fn login(State(st): State<AppState>, req: axum::extract::Request) -> Response {
    use axum::extract::FromRequest;
    let address = crate::server::http::access::client_address(req.extensions());
    let headers = req.headers().clone();
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &()).await else {
        return page_error(StatusCode::BAD_REQUEST, "登录失败", "登录表单无法解析", None);
    };
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let csrf = csrf_of(&headers);
    match st.service.login(&form.username, &form.password, &address).await {
        Ok(session) => {
            let mut res = Redirect::to("/projects").into_response();
            if let Some(v) = session_cookie(&session.secret) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            let message = crate::server::http::ApiError::from(e).message;
            let mut res =
                render("login.html", context! { csrf => &csrf.0, username => &form.username, error => message, user => () }, &csrf);
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            res
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /logout`
pub async fn logout(State(st): State<AppState>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let _ = st.service.logout(&secret).await;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static(CLEARED_SESSION_COOKIE));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
    }
}
