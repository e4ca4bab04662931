use super::review::parts;
use super::*;

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
