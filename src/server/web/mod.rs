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
use crate::server::http::access::SESSION_COOKIE;
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

/// Clauses per review page.
const CLAUSES_PER_PAGE: u64 = 300;

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
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
        ] {
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

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
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
            let cookie = format!(
                "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
                session.secret,
                crate::server::service::SESSION_HOURS * 3600
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
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
    res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static("fairtender_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"));
    res
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ProjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    project_no: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purchaser: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    procurement_type: String,
    #[serde(default)]
    budget: String,
}

async fn projects_page(st: &AppState, actor: &Actor, headers: &HeaderMap, form: Option<&ProjectForm>, error: Option<String>) -> Response {
    let csrf = csrf_of(headers);
    let projects = match st.service.projects(&actor.scope(), Page { offset: 0, limit: Some(500) }).await {
        Ok(p) => p,
        Err(e) => return failure(e, actor),
    };
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.label_zh()).collect();
    let ctx = context! {
        user => actor, role_label => actor.role.label_zh(), csrf => &csrf.0,
        projects => &projects.items, total => projects.total,
        status_labels => labels(ProjectStatus::ALL, ProjectStatus::as_str, ProjectStatus::label_zh),
        can_prepare => actor.may(Permission::Prepare), methods,
        default_agency => actor.agencies.first(), form => form, error => &error,
    };
    let failed = error.is_some();
    let mut res = render("projects.html", ctx, &csrf);
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /projects`
pub async fn projects(State(st): State<AppState>, actor: Actor, headers: HeaderMap) -> Response {
    projects_page(&st, &actor, &headers, None, None).await
}

/// `POST /projects/new`: validated on the server; problems shown next to the form.
pub async fn create_project(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Form(form): Form<ProjectForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let draft = crate::core::project::ProjectDraft {
        project_no: form.project_no.clone(),
        name: form.name.clone(),
        purchaser: form.purchaser.clone(),
        agency: form.agency.clone(),
        method: form.method.clone(),
        procurement_type: form.procurement_type.clone(),
        budget: form.budget.clone(),
        publish_date: None,
        deadline: None,
    };
    let new = match draft.validate() {
        Ok(n) => n,
        Err(problems) => return projects_page(&st, &actor, &headers, Some(&form), Some(problems.join("；"))).await,
    };
    match st.service.create_project(&actor.scope(), &new).await {
        Ok(p) => Redirect::to(&format!("/projects/{}", p.id)).into_response(),
        Err(e) => {
            let message = crate::server::http::ApiError::from(e).message;
            projects_page(&st, &actor, &headers, Some(&form), Some(message)).await
        }
    }
}

/// A lifecycle button of the project page.
#[derive(serde::Serialize)]
struct Action {
    action: &'static str,
    label: &'static str,
    class: &'static str,
    reason: bool,
}

/// `GET /projects/{id}`
pub async fn project(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let csrf = csrf_of(&headers);
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "项目不存在", Some(&actor)) };
    let scope = actor.scope();
    let project = match st.service.project(&scope, id).await {
        Ok(p) => p,
        Err(e) => return failure(e, &actor),
    };
    let documents = match st.service.documents_of(&scope, id, Page::ALL).await {
        Ok(d) => d.items,
        Err(e) => return failure(e, &actor),
    };
    let candidates = [
        (ProjectStatus::InReview, "submit", "提交审查", "primary", false),
        (ProjectStatus::Draft, "return", "退回修改", "danger", true),
        (ProjectStatus::Approved, "approve", "审查通过", "primary", false),
        (ProjectStatus::Published, "publish", "发布", "primary", false),
        (ProjectStatus::Awarded, "award", "授标", "", false),
        (ProjectStatus::Closed, "close", "结束", "", false),
    ];
    let actions: Vec<Action> = candidates
        .iter()
        .filter(|(to, ..)| project.status.transition(*to).is_some_and(|p| actor.may(p)))
        .map(|(_, action, label, class, reason)| Action { action, label, class, reason: *reason })
        .collect();
    let blocking = if project.status == ProjectStatus::InReview { st.service.blocking_findings(id).await.unwrap_or_default() } else { Vec::new() };
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, project => &project, documents => &documents,
        status_labels => labels(ProjectStatus::ALL, ProjectStatus::as_str, ProjectStatus::label_zh),
        status_labels_f => labels(FindingStatus::ALL, FindingStatus::as_str, FindingStatus::label_zh),
        kind_labels => labels(DocumentKind::ALL, DocumentKind::as_str, DocumentKind::label_zh),
        can_prepare => actor.may(Permission::Prepare) && project.status != ProjectStatus::Closed,
        actions, blocking,
    };
    render("project.html", ctx, &csrf)
}

/// `POST /projects/{id}/{action}`: a lifecycle move from the project page.
pub async fn transition(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "项目不存在", Some(&actor)) };
    let to = match action.as_str() {
        "submit" => ProjectStatus::InReview,
        "return" => ProjectStatus::Draft,
        "approve" => ProjectStatus::Approved,
        "publish" => ProjectStatus::Published,
        "award" => ProjectStatus::Awarded,
        "close" => ProjectStatus::Closed,
        _ => return page_error(StatusCode::NOT_FOUND, "未找到", "没有这个操作", Some(&actor)),
    };
    match st.service.transition(&actor, id, to, form.reason).await {
        Ok(_) => Redirect::to(&format!("/projects/{id}")).into_response(),
        Err(ServiceError::ApprovalBlocked(list)) => {
            let message = format!("当前版本还有 {} 个未处理或已确认的违规问题，不能通过审查；请在文件审查页处理后再试。", list.len());
            page_error(StatusCode::CONFLICT, "不能通过审查", &message, Some(&actor))
        }
        Err(e) => failure(e, &actor),
    }
}

/// `POST /projects/{id}/upload` (multipart: `csrf`, `kind`, `file`): stored, checked, then the
/// review page.
pub async fn upload(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, mut multipart: Multipart) -> Response {
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "项目不存在", Some(&actor)) };
    let (mut csrf, mut kind, mut file) = (String::new(), DocumentKind::Tender, None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let Ok(bytes) = field.bytes().await else {
                    return page_error(StatusCode::PAYLOAD_TOO_LARGE, "上传失败", "上传内容过大或不完整", Some(&actor));
                };
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&bytes).to_string(),
                    "kind" => kind = DocumentKind::parse(&String::from_utf8_lossy(&bytes)).unwrap_or(DocumentKind::Tender),
                    "file" => file = Some((file_name.unwrap_or_else(|| "upload".into()), bytes.to_vec())),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return page_error(StatusCode::BAD_REQUEST, "上传失败", "上传内容不是有效的表单", Some(&actor)),
        }
    }
    if let Err(r) = check_csrf(&headers, &csrf) {
        return r;
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page_error(StatusCode::BAD_REQUEST, "上传失败", "请选择要上传的文件", Some(&actor));
    };
    use crate::server::service::UploadOutcome;
    match st.service.upload(&actor, id, kind, &name, bytes).await {
        Ok(UploadOutcome::Stored(d) | UploadOutcome::Duplicate(d)) => Redirect::to(&format!("/documents/{}", d.id)).into_response(),
        Ok(UploadOutcome::NeedsOcr(_)) => {
            page_error(StatusCode::UNPROCESSABLE_ENTITY, "需要文字识别", "PDF 没有文字层（可能是扫描件），已保存原件，需要先进行文字识别（OCR）。", Some(&actor))
        }
        Err(e) => failure(e, &actor),
    }
}

#[derive(Deserialize)]
pub struct ReviewQuery {
    offset: Option<u64>,
}

/// A run of a clause's text, marked where a finding matched.
#[derive(serde::Serialize)]
struct Part {
    text: String,
    mark: bool,
    severity: &'static str,
}

/// Splits a clause into runs, marking the spans of its findings (char offsets within it).
fn parts(text: &str, mut spans: Vec<(usize, usize, Severity)>) -> Vec<Part> {
    let chars: Vec<char> = text.chars().collect();
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, sev) in spans {
        let (start, end) = (start.max(at).min(chars.len()), end.min(chars.len()));
        if start >= end {
            continue;
        }
        if start > at {
            out.push(Part { text: chars[at..start].iter().collect(), mark: false, severity: "" });
        }
        out.push(Part { text: chars[start..end].iter().collect(), mark: true, severity: sev.as_str() });
        at = end;
    }
    if at < chars.len() {
        out.push(Part { text: chars[at..].iter().collect(), mark: false, severity: "" });
    }
    out
}

/// `GET /documents/{id}`: the review page.
pub async fn document(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<ReviewQuery>) -> Response {
    let csrf = csrf_of(&headers);
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(&actor)) };
    let scope = actor.scope();
    let offset = q.offset.unwrap_or(0);
    let (doc, findings) = match st.service.findings(&scope, id, Page { offset: 0, limit: Some(2000) }).await {
        Ok(x) => x,
        Err(e) => return failure(e, &actor),
    };
    let clauses = match st.service.clauses(&scope, id, Page { offset, limit: Some(CLAUSES_PER_PAGE) }).await {
        Ok(c) => c,
        Err(e) => return failure(e, &actor),
    };
    let project = match st.service.project(&scope, doc.project_id).await {
        Ok(p) => p,
        Err(e) => return failure(e, &actor),
    };
    let mut by_clause: BTreeMap<u32, Vec<&crate::server::store::StoredFinding>> = BTreeMap::new();
    for f in &findings.items {
        by_clause.entry(f.finding.clause_ordinal).or_default().push(f);
    }
    let rows: Vec<minijinja::Value> = clauses
        .items
        .iter()
        .map(|c| {
            let on = by_clause.get(&(c.ordinal.max(0) as u32)).cloned().unwrap_or_default();
            let spans = on
                .iter()
                .map(|f| {
                    let local = f.finding.start.saturating_sub(c.start.max(0) as usize);
                    (local, local + f.finding.end.saturating_sub(f.finding.start).max(1), f.finding.severity)
                })
                .collect();
            context! { ordinal => c.ordinal, page => c.page, section => &c.section, findings => on.len(), parts => parts(&c.text, spans) }
        })
        .collect();
    let counts: Vec<minijinja::Value> = Severity::ALL
        .iter()
        .map(|s| context! { severity => s.as_str(), label => s.label_zh(), n => findings.items.iter().filter(|f| f.finding.severity == *s).count() })
        .collect();
    let next_offset = offset + CLAUSES_PER_PAGE;
    let finding_views: Vec<minijinja::Value> = findings
        .items
        .iter()
        .map(|f| {
            context! {
                id => f.id, rule => &f.finding.rule, severity => f.finding.severity.as_str(), status => f.status.as_str(),
                message => &f.finding.message, basis => &f.finding.basis, suggestion => &f.finding.suggestion,
                reason => &f.reason, decided_by => &f.decided_by, dismissal_request => &f.dismissal_request,
                clause_ordinal => f.finding.clause_ordinal,
            }
        })
        .collect();
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, document => &doc, project => &project,
        clauses => rows, findings => finding_views, counts, more => next_offset < clauses.total, next_offset,
        status_labels_f => labels(FindingStatus::ALL, FindingStatus::as_str, FindingStatus::label_zh),
        can_decide => actor.may(Permission::Decide), can_request => actor.may(Permission::Submit),
    };
    render("document.html", ctx, &csrf)
}

/// `GET /search` parameters (every one optional).
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    section_kind: Option<String>,
    #[serde(default)]
    offset: Option<usize>,
}

/// Hits per search page.
const HITS_PER_PAGE: usize = 20;

/// `GET /search`: full text over the user's scope (inspectors: everything published), with
/// highlighted snippets, facets and paging.
pub async fn search(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Query(f): Query<SearchForm>) -> Response {
    use fairtender_index::{Filters, SearchQuery};
    let csrf = csrf_of(&headers);
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let filters: BTreeMap<&str, Option<String>> = [
        ("agency", text(&f.agency)),
        ("year", text(&f.year)),
        ("method", text(&f.method)),
        ("section_kind", text(&f.section_kind)),
    ]
    .into_iter()
    .collect();
    let query_string = |extra: &[(&str, String)], offset: usize| {
        let mut pairs: Vec<(String, String)> = vec![("q".into(), f.q.clone())];
        for (k, v) in &filters {
            if let Some(v) = v {
                pairs.push((k.to_string(), v.clone()));
            }
        }
        for (k, v) in extra {
            pairs.retain(|(pk, _)| pk != k);
            pairs.push((k.to_string(), v.clone()));
        }
        if offset > 0 {
            pairs.push(("offset".into(), offset.to_string()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let offset = f.offset.unwrap_or(0);
    let facet_labels: BTreeMap<&str, &str> =
        [("agency", "代理机构"), ("year", "年份"), ("method", "采购方式"), ("procurement_type", "采购类型"), ("section_kind", "章节类型")].into_iter().collect();
    let base = context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, q => &f.q, filters => &filters, facet_labels };
    if f.q.trim().is_empty() {
        return render("search.html", context! { searched => false, ..base.clone() }, &csrf);
    }
    let query = SearchQuery {
        q: f.q.clone(),
        filters: Filters {
            agency: filters["agency"].clone(),
            year: filters["year"].as_deref().and_then(|y| y.parse().ok()),
            method: filters["method"].as_deref().and_then(Method::parse).map(|m| m.label_zh().to_string()),
            section_kind: filters["section_kind"].as_deref().and_then(crate::core::document::SectionKind::parse).map(|k| k.as_str().to_string()),
            ..Default::default()
        },
        limit: HITS_PER_PAGE,
        offset,
    };
    let results = match st.service.search(&actor.scope(), query).await {
        Ok(r) => r,
        Err(e) => {
            let message = crate::server::http::ApiError::from(e).message;
            let mut res = render("search.html", context! { searched => false, error => message, ..base.clone() }, &csrf);
            *res.status_mut() = StatusCode::BAD_REQUEST;
            return res;
        }
    };
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for h in &results.hits {
        if let std::collections::btree_map::Entry::Vacant(e) = names.entry(h.project_id) {
            let name = st.service.project(&actor.scope(), h.project_id).await.map(|p| format!("{} {}", p.project_no, p.name)).unwrap_or_default();
            e.insert(name);
        }
    }
    let hits: Vec<minijinja::Value> = results
        .hits
        .iter()
        .map(|h| {
            let spans = h.snippet.marks.iter().map(|(a, b)| (*a, *b, Severity::Notice)).collect();
            context! {
                document_id => h.document_id, ordinal => h.ordinal, page => h.page, section => &h.section,
                project => names.get(&h.project_id), parts => parts(&h.snippet.text, spans),
            }
        })
        .collect();
    let facets: BTreeMap<&String, Vec<minijinja::Value>> = results
        .facets
        .iter()
        .filter(|(name, _)| filters.contains_key(name.as_str()))
        .map(|(name, values)| {
            let vs = values
                .iter()
                .take(12)
                .map(|(v, n)| {
                    let label = match name.as_str() {
                        "section_kind" => crate::core::document::SectionKind::parse(v).map(|k| k.label_zh().to_string()).unwrap_or_else(|| v.clone()),
                        _ => v.clone(),
                    };
                    context! { label, count => n, query => query_string(&[(name.as_str(), v.clone())], 0) }
                })
                .collect();
            (name, vs)
        })
        .collect();
    let more = offset + results.hits.len() < results.total;
    let ctx = context! {
        searched => true, total => results.total, offset, hits, facets, more,
        next_query => query_string(&[], offset + HITS_PER_PAGE), prev_query => query_string(&[], offset.saturating_sub(HITS_PER_PAGE)),
        ..base
    };
    render("search.html", ctx, &csrf)
}

/// `GET /rules`: the rule library by category, with legal basis and examples.
pub async fn rules(State(st): State<AppState>, actor: Actor, headers: HeaderMap) -> Response {
    let csrf = csrf_of(&headers);
    let book = st.service.rulebook();
    let categories: Vec<minijinja::Value> = crate::core::finding::Category::ALL
        .iter()
        .map(|cat| {
            let rules: Vec<minijinja::Value> = book
                .rules()
                .iter()
                .filter(|r| r.category == *cat)
                .map(|r| {
                    context! {
                        id => &r.id, title => &r.title, severity => r.severity.as_str(), severity_label => r.severity.label_zh(),
                        message => &r.message, basis => &r.basis, suggestion => &r.suggestion,
                        hits => r.examples.hit.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
                        misses => r.examples.miss.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
                    }
                })
                .collect();
            context! { slug => cat.as_str(), label => cat.label_zh(), rules }
        })
        .collect();
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0,
        version => book.version(), count => book.rules().len(), categories,
    };
    render("rules.html", ctx, &csrf)
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct InspectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    agencies: String,
    #[serde(default)]
    years: String,
    #[serde(default)]
    sample_size: String,
    #[serde(default)]
    inspectors_per_project: String,
}

fn split_list(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

async fn inspections_page(st: &AppState, actor: &Actor, headers: &HeaderMap, form: Option<&InspectionForm>, error: Option<String>) -> Response {
    use crate::core::inspection::InspectionStatus;
    let csrf = csrf_of(headers);
    let list = match st.service.inspections(actor).await {
        Ok(l) => l,
        Err(e) => return failure(e, actor),
    };
    let failed = error.is_some();
    let ctx = context! {
        user => actor, role_label => actor.role.label_zh(), csrf => &csrf.0, inspections => &list, form, error => &error,
        status_labels => labels(InspectionStatus::ALL, InspectionStatus::as_str, InspectionStatus::label_zh),
    };
    let mut res = render("inspections.html", ctx, &csrf);
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /inspections`
pub async fn inspections(State(st): State<AppState>, actor: Actor, headers: HeaderMap) -> Response {
    inspections_page(&st, &actor, &headers, None, None).await
}

/// `POST /inspections/new`
pub async fn create_inspection(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Form(form): Form<InspectionForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let years: Result<Vec<i32>, _> = split_list(&form.years).iter().map(|y| y.parse::<i32>()).collect();
    let (Ok(years), Ok(sample_size)) = (years, form.sample_size.trim().parse::<i32>()) else {
        return inspections_page(&st, &actor, &headers, Some(&form), Some("年份和抽取数量应为整数".into())).await;
    };
    let req = crate::server::service::inspections::InspectionRequest {
        name: form.name.clone(),
        scope: crate::server::store::inspections::InspectionScope { agencies: split_list(&form.agencies), years, ..Default::default() },
        sample_size,
        inspectors_per_project: form.inspectors_per_project.trim().parse().ok(),
    };
    match st.service.create_inspection(&actor, &req).await {
        Ok(i) => Redirect::to(&format!("/inspections/{}", i.id)).into_response(),
        Err(e) => {
            let message = crate::server::http::ApiError::from(e).message;
            inspections_page(&st, &actor, &headers, Some(&form), Some(message)).await
        }
    }
}

/// `GET /inspections/{id}`: draws with hash, seed, sample, inspectors and verification.
pub async fn inspection(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>) -> Response {
    use crate::core::inspection::InspectionStatus;
    let csrf = csrf_of(&headers);
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "检查任务不存在", Some(&actor)) };
    let detail = match st.service.inspection(&actor, id).await {
        Ok(d) => d,
        Err(e) => return failure(e, &actor),
    };
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    let mut draws = Vec::new();
    let mut algorithm = "";
    for d in &detail.draws {
        algorithm = d.algorithm;
        for s in &d.sample {
            if let std::collections::btree_map::Entry::Vacant(e) = names.entry(s.project_id) {
                let name = st.service.project(&actor.scope(), s.project_id).await.map(|p| format!("{} {}", p.project_no, p.name));
                e.insert(name.unwrap_or_else(|_| format!("项目 #{}", s.project_id)));
            }
        }
        let verified = if d.seed.is_some() { st.service.verify_draw(id, d.id).await.map(|v| v.verified).unwrap_or(false) } else { false };
        draws.push(context! { verified, ..minijinja::Value::from_serialize(d) });
    }
    let conclusions: BTreeMap<i64, &str> = detail.results.iter().map(|r| (r.project_id, r.conclusion.label_zh())).collect();
    let status = detail.inspection.status;
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, inspection => &detail.inspection, draws, names, conclusions, algorithm,
        can_freeze => matches!(status, InspectionStatus::Draft | InspectionStatus::Active),
        status_labels => labels(InspectionStatus::ALL, InspectionStatus::as_str, InspectionStatus::label_zh),
    };
    render("inspection.html", ctx, &csrf)
}

/// `POST /inspections/{id}/freeze`
pub async fn freeze(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<CsrfForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "检查任务不存在", Some(&actor)) };
    match st.service.freeze_draw(&actor, id, form.reason).await {
        Ok(_) => Redirect::to(&format!("/inspections/{id}")).into_response(),
        Err(e) => failure(e, &actor),
    }
}

#[derive(Deserialize)]
pub struct SeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seed: Option<String>,
}

/// `POST /inspections/{id}/draws/{draw}/seed`
pub async fn seed(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path((id, draw)): Path<(String, String)>, Form(form): Form<SeedForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let (Ok(id), Ok(draw)) = (id.parse::<i64>(), draw.parse::<i64>()) else {
        return page_error(StatusCode::NOT_FOUND, "未找到", "抽取记录不存在", Some(&actor));
    };
    match st.service.draw(&actor, id, draw, form.seed).await {
        Ok(_) => Redirect::to(&format!("/inspections/{id}")).into_response(),
        Err(e) => failure(e, &actor),
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
}

/// A grouped bar chart as inline SVG (two series per period): drawn on the server so it shows
/// without a script and prints cleanly. Hand-written because it is two rectangles per period;
/// a plotting crate would add far more build than it saves.
fn bar_chart(periods: &[(String, u64, u64)]) -> String {
    let (w, h, pad) = (720.0_f64, 240.0_f64, 30.0_f64);
    let max = periods.iter().map(|p| p.1.max(p.2)).max().unwrap_or(0).max(1) as f64;
    let slot = (w - 2.0 * pad) / periods.len().max(1) as f64;
    let bar = (slot / 3.0).min(40.0);
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"质疑投诉数量\">");
    svg.push_str(&format!("<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#9aa5b1\"/>", h - pad, w - pad, h - pad));
    for (i, (label, a, b)) in periods.iter().enumerate() {
        let x = pad + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
        for (k, (v, color)) in [(*a, "#12355b"), (*b, "#7fa7d9")].iter().enumerate() {
            let bh = (h - 2.0 * pad) * (*v as f64) / max;
            let bx = x + k as f64 * bar;
            svg.push_str(&format!(
                "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{v}</text>",
                h - pad - bh, bar - 2.0, bx + bar / 2.0 - 1.0, h - pad - bh - 3.0
            ));
        }
        let label: String = label.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        svg.push_str(&format!("<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{label}</text>", x + bar, h - pad + 16.0));
    }
    svg.push_str("</svg>");
    svg
}

/// `GET /dashboard`: challenges and complaints per year in the user's scope, with the
/// year-over-year change and the rate per 100 projects (definitions in docs/metrics.md).
pub async fn dashboard(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Query(q): Query<DashboardQuery>) -> Response {
    use crate::core::records::{GroupBy, Granularity, MetricsQuery};
    use chrono::Datelike;
    let csrf = csrf_of(&headers);
    let today = chrono::Utc::now().date_naive();
    let year = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i32>().ok()).filter(|y| (2000..=2100).contains(y));
    let to = year(&q.to).unwrap_or(today.year());
    let from = year(&q.from).unwrap_or(to - 2).min(to).max(to - 20);
    let report = match st.service.metrics(&actor.scope(), MetricsQuery::new(Some(from), Some(to), Granularity::Year, GroupBy::None, None, today)).await {
        Ok(r) => r,
        Err(e) => return failure(e, &actor),
    };
    let rows: Vec<minijinja::Value> = report
        .rows
        .iter()
        .filter(|r| r.group.is_none())
        .map(|r| {
            context! {
                period => &r.period, projects => r.projects, challenges => r.challenges, complaints => r.complaints, total => r.total,
                yoy => r.total_yoy_pct.map(|d| d.to_string()), per100 => r.total_per_100_projects.map(|d| d.to_string()),
                upheld => r.challenges_upheld_pct.map(|d| d.to_string()),
            }
        })
        .collect();
    let series: Vec<(String, u64, u64)> =
        report.rows.iter().filter(|r| r.group.is_none()).map(|r| (r.period.clone(), r.challenges, r.complaints)).collect();
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, from, to, rows, chart => bar_chart(&series),
    };
    render("dashboard.html", ctx, &csrf)
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    back: Option<i64>,
}

/// `POST /findings/{id}/decide`: a decision (or a dismissal request) from the review page.
pub async fn decide(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<DecideForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "审查问题不存在", Some(&actor)) };
    let Some(decision) = Decision::parse(&form.decision) else {
        return page_error(StatusCode::UNPROCESSABLE_ENTITY, "操作未完成", "未知的操作", Some(&actor));
    };
    match st.service.decide(&actor, id, decision, form.reason).await {
        Ok(_) => Redirect::to(&format!("/documents/{}", form.back.unwrap_or(0))).into_response(),
        Err(e) => failure(e, &actor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_marked_inside_the_clause() {
        let p = parts("投标人须在本市注册。", vec![(5, 7, Severity::Violation)]);
        let texts: Vec<(&str, bool)> = p.iter().map(|p| (p.text.as_str(), p.mark)).collect();
        assert_eq!(texts, vec![("投标人须在", false), ("本市", true), ("注册。", false)]);
        // Overlapping and out-of-range spans are clipped, never panic.
        let p = parts("abc", vec![(0, 2, Severity::Notice), (1, 9, Severity::Warning), (7, 8, Severity::Notice)]);
        assert_eq!(p.iter().map(|p| p.text.as_str()).collect::<String>(), "abc");
    }

    #[test]
    fn the_chart_has_two_bars_per_period_and_no_markup_from_labels() {
        let svg = bar_chart(&[("2024".into(), 8, 2), ("2025<x>".into(), 3, 1)]);
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>") && !svg.contains("<x>"));
        assert!(bar_chart(&[]).starts_with("<svg"));
    }

    #[test]
    fn every_template_compiles() {
        for name in ["base.html", "login.html", "error.html", "projects.html", "project.html", "document.html", "search.html", "rules.html", "inspections.html", "inspection.html", "dashboard.html"] {
            assert!(env().get_template(name).is_ok(), "{name}");
        }
    }
}
