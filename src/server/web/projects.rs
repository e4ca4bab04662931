use super::*;

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
