use super::*;

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
