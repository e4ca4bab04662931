use super::*;
use crate::core::finding::Category;
use crate::server::service::challenges::{ChallengeInput, ChallengeRow, ComplaintInput, Registered};

/// A challenge row as the pages and exports show it (Chinese labels, dates as text).
fn view(r: &ChallengeRow, today: chrono::NaiveDate) -> minijinja::Value {
    let c = &r.challenge;
    context! {
        id => c.id.as_str(), project_no => c.project_no.as_str(), project_id => r.project_id, project_name => &r.project_name,
        supplier => &c.supplier, received => c.received_date.to_string(), category => c.category.label_zh(), claim => &c.claim,
        reply_due => r.reply_due.map(|d| d.to_string()), reply => c.reply_date.map(|d| d.to_string()),
        outcome => if c.outcome.zh().is_empty() { "待处理" } else { c.outcome.zh() },
        corrective_action => &c.corrective_action, overdue => r.overdue,
        due_soon => r.reply_due.is_some_and(|d| c.reply_date.is_none() && d >= today && (d - today).num_days() <= 3),
        clauses => r.clauses,
        complaints => r.complaints.iter().map(|k| context! {
            id => k.id.as_str(), filed => k.filed_date.to_string(), decision => k.decision_date.map(|d| d.to_string()),
            outcome => if k.outcome.zh().is_empty() { "待处理" } else { k.outcome.zh() },
        }).collect::<Vec<_>>(),
    }
}

async fn list_page(st: &AppState, actor: &Actor, headers: &HeaderMap, flash: Option<String>, error: Option<String>) -> Response {
    let csrf = csrf_of(headers);
    let today = chrono::Utc::now().date_naive();
    let rows = match st.service.challenge_list(actor, today).await {
        Ok(r) => r,
        Err(e) => return failure(e, actor),
    };
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let failed = error.is_some();
    let ctx = context! {
        user => actor, role_label => actor.role.label_zh(), csrf => &csrf.0, today => today.to_string(),
        rows => rows.iter().map(|r| view(r, today)).collect::<Vec<_>>(), overdue, flash, error,
        can_link => actor.may(Permission::LinkChallenges), can_import => actor.may(Permission::Administer),
    };
    let mut res = render("challenges.html", ctx, &csrf);
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /challenges`: the challenges and complaints of the user's scope, with reply deadlines
/// (overdue ones highlighted), replies, outcomes and the complaints that followed.
pub async fn challenges(State(st): State<AppState>, actor: Actor, headers: HeaderMap) -> Response {
    list_page(&st, &actor, &headers, None, None).await
}

/// The register form with the picked clauses (and, after a refused submit, the problems next
/// to their fields).
async fn register_page(
    st: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    project_id: i64,
    clause_ids: &[i64],
    input: &ChallengeInput,
    outcome: Option<&Registered>,
) -> Response {
    let csrf = csrf_of(headers);
    let scope = actor.scope();
    let project = match st.service.project(&scope, project_id).await {
        Ok(p) => p,
        Err(e) => return failure(e, actor),
    };
    // The picked clauses, with their text, from the project's documents.
    let mut picked = Vec::new();
    if let Ok(docs) = st.service.documents_of(&scope, project_id, Page::ALL).await {
        for d in docs.items {
            if let Ok(cs) = st.service.clauses(&scope, d.id, Page::ALL).await {
                for c in cs.items.into_iter().filter(|c| clause_ids.contains(&c.id)) {
                    picked.push(context! { id => c.id, version => d.version, section => c.section, text => c.text });
                }
            }
        }
    }
    let errors = outcome.map(Registered::field_errors).unwrap_or_default();
    let ctx = context! {
        user => actor, role_label => actor.role.label_zh(), csrf => &csrf.0, project => &project, picked, form => input, errors,
        categories => labels(Category::ALL, Category::as_str, Category::label_zh),
        today => chrono::Utc::now().date_naive().to_string(),
    };
    let mut res = render("challenge_new.html", ctx, &csrf);
    if outcome.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `POST /documents/{id}/challenge` (`clause` per ticked clause): the register form for a
/// challenge against those clauses. Changes nothing.
pub async fn pick_challenge(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(&actor)) };
    let doc = match st.service.document(&actor.scope(), id).await {
        Ok(d) => d,
        Err(e) => return failure(e, &actor),
    };
    register_page(&st, &actor, &headers, doc.project_id, &ids(&form, "clause"), &ChallengeInput::default(), None).await
}

/// `POST /projects/{id}/challenges`: registers the challenge; refused rows come back to the
/// form with the problem next to its field.
pub async fn register_challenge(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Ok(project_id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "项目不存在", Some(&actor)) };
    let input = ChallengeInput {
        id: field(&form, "id").to_string(),
        supplier: field(&form, "supplier").to_string(),
        received_date: field(&form, "received_date").to_string(),
        known_date: field(&form, "known_date").to_string(),
        category: field(&form, "category").to_string(),
        claim: field(&form, "claim").to_string(),
    };
    let clauses = ids(&form, "clause");
    match st.service.register_challenge(&actor, project_id, &input, &clauses).await {
        Ok(r) if r.id.is_some() => {
            Redirect::to(&format!("/challenges#q-{}", percent_encoding::utf8_percent_encode(r.id.as_deref().unwrap_or_default(), percent_encoding::NON_ALPHANUMERIC)))
                .into_response()
        }
        Ok(r) => register_page(&st, &actor, &headers, project_id, &clauses, &input, Some(&r)).await,
        Err(e) => failure(e, &actor),
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reply_date: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    corrective_action: String,
}

/// `POST /challenges/{id}/reply`: the reply date and the outcome.
pub async fn reply(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<ReplyForm>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    match st.service.answer_challenge(&actor, &id, &form.reply_date, &form.outcome, &form.corrective_action).await {
        Ok(_) => list_page(&st, &actor, &headers, Some(format!("已记录质疑 {id} 的答复")), None).await,
        Err(ServiceError::Invalid(m)) => list_page(&st, &actor, &headers, None, Some(format!("质疑 {id}：{m}"))).await,
        Err(e) => failure(e, &actor),
    }
}

/// `POST /challenges/{id}/complaints`: a complaint that followed the challenge.
pub async fn register_complaint(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<ComplaintFormBody>) -> Response {
    if let Err(r) = check_csrf(&headers, &form.csrf) {
        return r;
    }
    match st.service.register_complaint(&actor, &id, &form.complaint).await {
        Ok(r) if r.id.is_some() => list_page(&st, &actor, &headers, Some(format!("已登记投诉 {}", r.id.unwrap_or_default())), None).await,
        Ok(r) => {
            let problems: Vec<String> = r.rejected.iter().map(|x| x.reason.to_string()).collect();
            list_page(&st, &actor, &headers, None, Some(format!("投诉未登记：{}", problems.join("；")))).await
        }
        Err(e) => failure(e, &actor),
    }
}

#[derive(Deserialize)]
pub struct ComplaintFormBody {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    complaint: ComplaintInput,
}

/// `GET /records/import`: the register import form.
pub async fn import_page(actor: Actor, headers: HeaderMap) -> Response {
    let csrf = csrf_of(&headers);
    render("import.html", context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0 }, &csrf)
}

/// `POST /records/import` (multipart `projects`, `challenges`, `complaints`, `skip_invalid`):
/// the result on the page, with every rejected row and why.
pub async fn import(State(st): State<AppState>, actor: Actor, headers: HeaderMap, mut multipart: Multipart) -> Response {
    let (mut csrf, mut skip_invalid) = (String::new(), false);
    let mut files = crate::core::records::ImportFiles::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                let file_name = f.file_name().map(str::to_string).unwrap_or_else(|| format!("{name}.csv"));
                let Ok(bytes) = f.bytes().await else {
                    return page_error(StatusCode::PAYLOAD_TOO_LARGE, "导入失败", "上传内容过大或不完整", Some(&actor));
                };
                let file = (!bytes.is_empty()).then(|| (file_name, bytes.to_vec()));
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&bytes).to_string(),
                    "skip_invalid" => skip_invalid = true,
                    "projects" => files.projects = file,
                    "challenges" => files.challenges = file,
                    "complaints" => files.complaints = file,
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return page_error(StatusCode::BAD_REQUEST, "导入失败", "上传内容不是有效的表单", Some(&actor)),
        }
    }
    if let Err(r) = check_csrf(&headers, &csrf) {
        return r;
    }
    let page = |result: minijinja::Value, status: StatusCode| {
        let c = csrf_of(&headers);
        let mut res = render("import.html", context! { user => &actor, role_label => actor.role.label_zh(), csrf => &c.0, result }, &c);
        *res.status_mut() = status;
        res
    };
    if files.projects.is_none() && files.challenges.is_none() && files.complaints.is_none() {
        return page(context! { error => "请至少选择一个登记表文件（项目、质疑或投诉）" }, StatusCode::BAD_REQUEST);
    }
    match st.service.import_records(&actor.scope(), files, skip_invalid).await {
        Ok(out) => {
            let rejected: Vec<minijinja::Value> = out
                .rejected
                .iter()
                .map(|r| context! { file => &r.file, row => r.row, id => &r.id, message => r.reason.to_string() })
                .collect();
            let status = if out.written.is_some() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            page(context! { written => &out.written, unchanged => out.unchanged, rejected, flags => out.flags.len() }, status)
        }
        Err(e) => failure(e, &actor),
    }
}
