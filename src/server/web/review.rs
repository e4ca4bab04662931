use super::*;
use crate::core::document::SectionKind;
use crate::core::finding::Category;

/// Clauses per review page.
const CLAUSES_PER_PAGE: u64 = 300;

/// The review page's paging and filters (every one optional).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ReviewQuery {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    section: Option<String>,
    /// Only clauses with a finding.
    #[serde(default)]
    flagged: Option<String>,
}

impl ReviewQuery {
    fn set(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    fn filtering(&self) -> bool {
        [&self.severity, &self.category, &self.status, &self.section, &self.flagged].iter().any(|v| Self::set(v).is_some())
    }

    fn keeps(&self, f: &crate::server::store::StoredFinding) -> bool {
        Self::set(&self.severity).is_none_or(|s| f.finding.severity.as_str() == s)
            && Self::set(&self.category).is_none_or(|s| f.finding.category.as_str() == s)
            && Self::set(&self.status).is_none_or(|s| f.status.as_str() == s)
            && Self::set(&self.section).is_none_or(|s| f.finding.section_kind.as_str() == s)
    }

    /// The query string of these filters (for the paging links).
    fn query(&self, offset: u64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("severity", &self.severity), ("category", &self.category), ("status", &self.status), ("section", &self.section), ("flagged", &self.flagged)] {
            if let Some(v) = Self::set(v) {
                q.append_pair(k, v);
            }
        }
        if offset > 0 {
            q.append_pair("offset", &offset.to_string());
        }
        q.finish()
    }
}

/// A run of a clause's text, marked where a finding matched.
#[derive(serde::Serialize)]
pub(super) struct Part {
    text: String,
    mark: bool,
    severity: &'static str,
}

/// Splits a clause into runs, marking the spans of its findings (char offsets within it).
pub(super) fn parts(text: &str, mut spans: Vec<(usize, usize, Severity)>) -> Vec<Part> {
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

/// Findings per severity (the counts above the filters are over the whole document).
fn counts(findings: &[crate::server::store::StoredFinding]) -> Vec<minijinja::Value> {
    Severity::ALL
        .iter()
        .map(|s| context! { severity => s.as_str(), label => s.label_zh(), n => findings.iter().filter(|f| f.finding.severity == *s).count() })
        .collect()
}

/// `GET /documents/{id}`: the review page.
pub async fn document(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, Query(q): Query<ReviewQuery>) -> Response {
    let csrf = csrf_of(&headers);
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(&actor)) };
    let scope = actor.scope();
    let offset = q.offset.unwrap_or(0);
    let (doc, mut findings) = match st.service.findings(&scope, id, Page { offset: 0, limit: Some(5000) }).await {
        Ok(x) => x,
        Err(e) => return failure(e, &actor),
    };
    let all_counts = counts(&findings.items);
    let filtering = q.filtering();
    findings.items.retain(|f| q.keeps(f));
    // Filtered: the clauses that hold a kept finding, paged here; otherwise the document's
    // clauses in order, paged by the store (a 7,000-clause document is never one page).
    let (clause_items, total) = if filtering {
        let with: std::collections::BTreeSet<u32> = findings.items.iter().map(|f| f.finding.clause_ordinal).collect();
        let all = match st.service.clauses(&scope, id, Page::ALL).await {
            Ok(c) => c.items,
            Err(e) => return failure(e, &actor),
        };
        let kept: Vec<_> = all.into_iter().filter(|c| with.contains(&(c.ordinal.max(0) as u32))).collect();
        let total = kept.len() as u64;
        (kept.into_iter().skip(offset as usize).take(CLAUSES_PER_PAGE as usize).collect::<Vec<_>>(), total)
    } else {
        match st.service.clauses(&scope, id, Page { offset, limit: Some(CLAUSES_PER_PAGE) }).await {
            Ok(c) => (c.items, c.total),
            Err(e) => return failure(e, &actor),
        }
    };
    let project = match st.service.project(&scope, doc.project_id).await {
        Ok(p) => p,
        Err(e) => return failure(e, &actor),
    };
    let mut by_clause: BTreeMap<u32, Vec<&crate::server::store::StoredFinding>> = BTreeMap::new();
    for f in &findings.items {
        by_clause.entry(f.finding.clause_ordinal).or_default().push(f);
    }
    let rows: Vec<minijinja::Value> = clause_items
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
            context! { id => c.id, ordinal => c.ordinal, page => c.page, section => &c.section, findings => on.len(), parts => parts(&c.text, spans) }
        })
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
                clause_ordinal => f.finding.clause_ordinal, category => f.finding.category.label_zh(), manual => f.manual,
            }
        })
        .collect();
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, document => &doc, project => &project,
        clauses => rows, findings => finding_views, counts => all_counts, shown => total, filtering, q => &q,
        next => (next_offset < total).then(|| q.query(next_offset)),
        prev => (offset > 0).then(|| q.query(offset.saturating_sub(CLAUSES_PER_PAGE))),
        status_labels_f => labels(FindingStatus::ALL, FindingStatus::as_str, FindingStatus::label_zh),
        severities => labels(Severity::ALL, Severity::as_str, Severity::label_zh),
        categories => labels(Category::ALL, Category::as_str, Category::label_zh),
        sections => labels(SectionKind::ALL, SectionKind::as_str, SectionKind::label_zh),
        can_decide => actor.may(Permission::Decide), can_request => actor.may(Permission::Submit),
        can_challenge => actor.may(Permission::LinkChallenges) && project.status.is_public(),
    };
    render("document.html", ctx, &csrf)
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

/// `POST /documents/{id}/flag` (`clause` per ticked clause, `category`, `severity`, `note`): a
/// reviewer flags clauses by hand.
pub async fn flag(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    let form = match form_pairs(&headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(&actor)) };
    let clauses = ids(&form, "clause");
    if clauses.is_empty() {
        return page_error(StatusCode::UNPROCESSABLE_ENTITY, "未标记", "请先勾选要标记的条款", Some(&actor));
    }
    let (Some(category), Some(severity)) = (Category::parse(field(&form, "category")), Severity::parse(field(&form, "severity"))) else {
        return page_error(StatusCode::UNPROCESSABLE_ENTITY, "未标记", "请选择问题类别和严重程度", Some(&actor));
    };
    for clause in clauses {
        if let Err(e) = st.service.flag_clause(&actor, clause, category, severity, field(&form, "note").to_string()).await {
            return failure(e, &actor);
        }
    }
    Redirect::to(&format!("/documents/{id}")).into_response()
}

/// `GET /documents/{id}/diff`: what changed since the previous version, and which findings
/// the change fixed.
pub async fn diff(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let csrf = csrf_of(&headers);
    let Ok(id) = id.parse::<i64>() else { return page_error(StatusCode::NOT_FOUND, "未找到", "文件不存在", Some(&actor)) };
    let scope = actor.scope();
    let diff = match st.service.version_diff(&actor, id).await {
        Ok(d) => d,
        Err(e) => return failure(e, &actor),
    };
    let (doc, project) = match (st.service.document(&scope, id).await, st.service.project(&scope, diff.project_id).await) {
        (Ok(d), Ok(p)) => (d, p),
        (Err(e), _) | (_, Err(e)) => return failure(e, &actor),
    };
    let fixed = match diff.previous_document_id {
        Some(prev) => match st.service.findings(&scope, prev, Page::ALL).await {
            Ok((_, f)) => f.items.into_iter().filter(|f| diff.fixed_findings.contains(&f.id)).collect(),
            Err(e) => return failure(e, &actor),
        },
        None => Vec::new(),
    };
    let fixed: Vec<minijinja::Value> = fixed
        .iter()
        .map(|f| context! { rule => &f.finding.rule, severity => f.finding.severity.as_str(), message => &f.finding.message, text => &f.finding.clause })
        .collect();
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, document => &doc, project => &project, diff => &diff, fixed,
    };
    render("diff.html", ctx, &csrf)
}

/// `GET /queue`: the reviewer's queue — projects submitted for review in the user's scope,
/// oldest first, with their current version and what still blocks approval.
pub async fn queue(State(st): State<AppState>, actor: Actor, headers: HeaderMap) -> Response {
    let csrf = csrf_of(&headers);
    let scope = actor.scope();
    let projects = match st.service.projects(&scope, Page::ALL).await {
        Ok(p) => p.items,
        Err(e) => return failure(e, &actor),
    };
    let mut rows = Vec::new();
    for p in projects.iter().filter(|p| p.status == ProjectStatus::InReview) {
        let docs = match st.service.documents_of(&scope, p.id, Page::ALL).await {
            Ok(d) => d.items,
            Err(e) => return failure(e, &actor),
        };
        let current = docs.iter().rev().find(|d| d.kind == DocumentKind::Tender.as_str()).or(docs.last());
        let blocking = st.service.blocking_findings(p.id).await.map(|b| b.len()).unwrap_or(0);
        rows.push(context! { project => p, document => current, blocking });
    }
    let ctx = context! { user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, rows };
    render("queue.html", ctx, &csrf)
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
}
