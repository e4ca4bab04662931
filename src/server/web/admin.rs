use super::*;
use crate::core::account::Role;
use crate::server::service::UserRequest;
use crate::server::store::accounts::AuditFilter;

/// Audit events per admin page.
const AUDIT_PER_PAGE: u64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct AdminQuery {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    offset: Option<u64>,
}

/// The admin page, with `notice` (e.g. a one-time password, shown once) or `error`.
async fn admin_page(st: &AppState, actor: &Actor, headers: &HeaderMap, q: &AdminQuery, notice: Option<String>, error: Option<String>) -> Response {
    let csrf = csrf_of(headers);
    let (users, tokens) = match (st.service.users(actor).await, st.service.tokens(actor).await) {
        (Ok(u), Ok(t)) => (u, t),
        (Err(e), _) | (_, Err(e)) => return failure(e, actor),
    };
    let action = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let offset = q.offset.unwrap_or(0);
    // Newest first: the store lists oldest first, so the page is counted from the end.
    let all = match st.service.audit_log(actor, AuditFilter { action: action.clone(), ..Default::default() }, Page { offset: 0, limit: Some(0) }).await {
        Ok(p) => p.total,
        Err(e) => return failure(e, actor),
    };
    let start = all.saturating_sub(offset + AUDIT_PER_PAGE);
    let take = all.saturating_sub(offset).saturating_sub(start);
    let mut events = match st.service.audit_log(actor, AuditFilter { action: action.clone(), ..Default::default() }, Page { offset: start, limit: Some(take) }).await {
        Ok(p) => p.items,
        Err(e) => return failure(e, actor),
    };
    events.reverse();
    let roles: Vec<(&str, &str)> = Role::ALL.iter().map(|r| (r.as_str(), r.label_zh())).collect();
    let failed = error.is_some();
    let ctx = context! {
        user => actor, role_label => actor.role.label_zh(), csrf => &csrf.0, users, tokens, events, roles, notice, error,
        role_labels => labels(Role::ALL, Role::as_str, Role::label_zh), action, total => all,
        older => (offset + AUDIT_PER_PAGE < all).then_some(offset + AUDIT_PER_PAGE),
    };
    let mut res = render("admin.html", ctx, &csrf);
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /admin`: users, agencies, API tokens and the audit log.
pub async fn admin(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Query(q): Query<AdminQuery>) -> Response {
    admin_page(&st, &actor, &headers, &q, None, None).await
}

/// A problem with what the form said (shown on the form), or a failure (an error page).
fn inline_problem(e: ServiceError) -> Result<String, ServiceError> {
    let inline = matches!(e, ServiceError::Invalid(_) | ServiceError::Account(_) | ServiceError::BadCredentials)
        || matches!(&e, ServiceError::Store(crate::server::store::StoreError::DuplicateUser(_)));
    if inline {
        Ok(crate::server::http::ApiError::from(e).message)
    } else {
        Err(e)
    }
}

/// The outcome of an admin form, as the admin page.
async fn answered(st: &AppState, actor: &Actor, headers: &HeaderMap, outcome: Result<String, ServiceError>) -> Response {
    match outcome {
        Ok(notice) => admin_page(st, actor, headers, &AdminQuery::default(), Some(notice), None).await,
        Err(e) => match inline_problem(e) {
            Ok(message) => admin_page(st, actor, headers, &AdminQuery::default(), None, Some(message)).await,
            Err(e) => failure(e, actor),
        },
    }
}

/// `POST /admin/users` (`username`, `display_name`, `role`, `agencies`): a new user with a
/// one-time password shown once.
pub async fn create_user(State(st): State<AppState>, actor: Actor, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let display = field(&form, "display_name").trim();
    let req = UserRequest {
        username: field(&form, "username").trim().to_string(),
        display_name: (!display.is_empty()).then(|| display.to_string()),
        role: field(&form, "role").to_string(),
        agencies: split_list(field(&form, "agencies")),
        password: None,
    };
    let outcome = st.service.create_user(&actor, &req).await.map(|c| {
        format!("已创建用户 {}，初始密码：{}（只显示这一次，请当面或通过安全渠道交给本人；首次登录须修改）", c.user.username, c.one_time_password.unwrap_or_default())
    });
    answered(&st, &actor, &headers, outcome).await
}

/// `POST /admin/users/{id}/{action}` (disable, enable, reset).
pub async fn user_action(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path((id, action)): Path<(String, String)>, Form(form): Form<CsrfForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "用户不存在", Some(&actor)) };
    let outcome = match action.as_str() {
        "disable" => st.service.set_user_disabled(&actor, id, true).await.map(|u| format!("已停用用户 {}（其会话和令牌已失效）", u.username)),
        "enable" => st.service.set_user_disabled(&actor, id, false).await.map(|u| format!("已启用用户 {}", u.username)),
        "reset" => st.service.reset_password(&actor, id).await.map(|p| format!("已重置密码，新的一次性密码：{p}（只显示这一次）")),
        _ => return page_error(StatusCode::NOT_FOUND, "未找到", "没有这个操作", Some(&actor)),
    };
    answered(&st, &actor, &headers, outcome).await
}

/// `POST /admin/tokens` (`user_id`, `label`, `days`): an API token, shown once.
pub async fn issue_token(State(st): State<AppState>, actor: Actor, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (Ok(user_id), Ok(days)) = (field(&form, "user_id").trim().parse::<i64>(), field(&form, "days").trim().parse::<i64>()) else {
        return answered(&st, &actor, &headers, Err(ServiceError::Invalid("请选择用户并填写有效天数（整数）".into()))).await;
    };
    let outcome = st
        .service
        .issue_token(&actor, user_id, field(&form, "label").trim(), days)
        .await
        .map(|t| format!("已签发令牌“{}”：{}（只显示这一次；调用接口时放在 Authorization: Bearer 之后）", t.view.label, t.token));
    answered(&st, &actor, &headers, outcome).await
}

/// `POST /admin/tokens/{id}/revoke`
pub async fn revoke_token(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<CsrfForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "令牌不存在", Some(&actor)) };
    let outcome = st.service.revoke_token(&actor, id).await.map(|t| format!("已吊销令牌“{}”", t.label));
    answered(&st, &actor, &headers, outcome).await
}

/// `GET /password`: the form to change one's password (a first login must use it).
pub async fn password_page(actor: Actor, headers: HeaderMap) -> Response {
    let csrf = csrf_of(&headers);
    render("password.html", context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0 }, &csrf)
}

/// `POST /password` (`old`, `new`, `again`).
pub async fn change_password(State(st): State<AppState>, actor: Actor, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let csrf = csrf_of(&headers);
    let refuse = |message: String| {
        let mut res = render("password.html", context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, error => message }, &csrf);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        res
    };
    if field(&form, "new") != field(&form, "again") {
        return refuse("两次输入的新密码不一致".into());
    }
    match st.service.change_password(&actor, field(&form, "old"), field(&form, "new")).await {
        // Changing the password ends every session: log in again with the new one.
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => match inline_problem(e) {
            Ok(message) => refuse(message),
            Err(e) => failure(e, &actor),
        },
    }
}
