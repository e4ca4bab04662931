use super::*;

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
