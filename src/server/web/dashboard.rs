use super::*;
use crate::core::records::{GroupBy, Granularity, MetricsQuery, MetricsReport};

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    /// Breakdown: agency (default), category or method.
    group: Option<String>,
}

impl DashboardQuery {
    /// The years asked for (default: the last three) and the breakdown.
    pub(super) fn range(&self) -> (i32, i32, GroupBy) {
        use chrono::Datelike;
        let today = chrono::Utc::now().date_naive();
        let year = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i32>().ok()).filter(|y| (2000..=2100).contains(y));
        let to = year(&self.to).unwrap_or(today.year());
        let from = year(&self.from).unwrap_or(to - 2).min(to).max(to - 20);
        let group = match self.group.as_deref() {
            Some("category") => GroupBy::Category,
            Some("method") => GroupBy::Method,
            Some("none") => GroupBy::None,
            _ => GroupBy::Agency,
        };
        (from, to, group)
    }

    /// The metrics query of the years and breakdown, judged as of today.
    pub(super) fn metrics(&self, from: i32, to: i32, group: GroupBy) -> MetricsQuery {
        let today = chrono::Utc::now().date_naive();
        MetricsQuery::new(Some(from), Some(to), Granularity::Year, group, None, today)
    }
}

/// Text for inside an SVG element.
fn svg_text(s: &str) -> String {
    let short: String = s.chars().take(10).collect();
    short.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A grouped bar chart as inline SVG (two series per label): drawn on the server so it shows
/// without a script and prints cleanly. Hand-written because it is two rectangles per label;
/// a plotting crate would add far more build than it saves.
fn bar_chart(periods: &[(String, u64, u64)], title: &str, colors: (&str, &str)) -> String {
    let (w, h, pad) = (720.0_f64, 240.0_f64, 30.0_f64);
    let max = periods.iter().map(|p| p.1.max(p.2)).max().unwrap_or(0).max(1) as f64;
    let slot = (w - 2.0 * pad) / periods.len().max(1) as f64;
    let bar = (slot / 3.0).min(40.0);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        svg_text(title)
    );
    svg.push_str(&format!("<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#9aa5b1\"/>", h - pad, w - pad, h - pad));
    for (i, (label, a, b)) in periods.iter().enumerate() {
        let x = pad + slot * i as f64 + (slot - 2.0 * bar) / 2.0;
        for (k, (v, color)) in [(*a, colors.0), (*b, colors.1)].iter().enumerate() {
            let bh = (h - 2.0 * pad) * (*v as f64) / max;
            let bx = x + k as f64 * bar;
            svg.push_str(&format!(
                "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{v}</text>",
                h - pad - bh, bar - 2.0, bx + bar / 2.0 - 1.0, h - pad - bh - 3.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            x + bar,
            h - pad + 16.0,
            svg_text(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The group rows summed over the years, largest first.
fn by_group(report: &MetricsReport) -> Vec<(String, u64, u64, u64)> {
    let mut sums: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for r in report.rows.iter() {
        if let Some(g) = &r.group {
            let e = sums.entry(g.clone()).or_default();
            e.0 += r.challenges;
            e.1 += r.complaints;
            e.2 += r.projects;
        }
    }
    let mut out: Vec<(String, u64, u64, u64)> = sums.into_iter().map(|(g, (a, b, p))| (g, a, b, p)).collect();
    out.sort_by(|x, y| (y.1 + y.2).cmp(&(x.1 + x.2)).then(x.0.cmp(&y.0)));
    out
}

/// `GET /dashboard`: challenges and complaints per year in the user's scope, with the
/// year-over-year change and the rate per 100 projects, a breakdown by agency, category or
/// method, findings found vs fixed before publication, and whether the rules had flagged the
/// clauses suppliers later challenged (definitions in docs/metrics.md).
pub async fn dashboard(State(st): State<AppState>, actor: Actor, headers: HeaderMap, Query(q): Query<DashboardQuery>) -> Response {
    let csrf = csrf_of(&headers);
    let (from, to, group) = q.range();
    let scope = actor.scope();
    let (totals, groups) = match (
        st.service.metrics(&scope, q.metrics(from, to, GroupBy::None)).await,
        st.service.metrics(&scope, q.metrics(from, to, group)).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return failure(e, &actor),
    };
    let years: Vec<&crate::core::records::MetricsRow> = totals.rows.iter().filter(|r| r.group.is_none()).collect();
    let rows: Vec<minijinja::Value> = years
        .iter()
        .map(|r| {
            context! {
                period => &r.period, projects => r.projects, challenges => r.challenges, complaints => r.complaints, total => r.total,
                yoy => r.total_yoy_pct.map(|d| d.to_string()), per100 => r.total_per_100_projects.map(|d| d.to_string()),
                upheld => r.challenges_upheld_pct.map(|d| d.to_string()),
                raised => r.findings_raised, fixed => r.findings_fixed, fixed_pct => r.fixed_pct.map(|d| d.to_string()),
                linked => r.challenges_linked, with_finding => r.challenges_with_finding, without => r.challenges_linked_no_finding,
            }
        })
        .collect();
    let series: Vec<(String, u64, u64)> = years.iter().map(|r| (r.period.clone(), r.challenges, r.complaints)).collect();
    let fixes: Vec<(String, u64, u64)> = years.iter().map(|r| (r.period.clone(), r.findings_raised, r.findings_fixed)).collect();
    let grouped = by_group(&groups);
    let group_series: Vec<(String, u64, u64)> = grouped.iter().take(12).map(|(g, a, b, _)| (g.clone(), *a, *b)).collect();
    let group_rows: Vec<minijinja::Value> =
        grouped.iter().map(|(g, a, b, p)| context! { group => g, challenges => a, complaints => b, projects => p }).collect();
    let group_key = match group {
        GroupBy::Category => "category",
        GroupBy::Method => "method",
        _ => "agency",
    };
    let group_label = match group {
        GroupBy::Category => "问题类别",
        GroupBy::Method => "采购方式",
        _ => "代理机构",
    };
    let ctx = context! {
        user => &actor, role_label => actor.role.label_zh(), csrf => &csrf.0, from, to, rows, group_key, group_label, group_rows,
        chart => bar_chart(&series, "每年质疑与投诉数量", ("#12355b", "#7fa7d9")),
        fix_chart => bar_chart(&fixes, "发布前发现与整改的问题", ("#b42318", "#2f855a")),
        group_chart => bar_chart(&group_series, "分组质疑与投诉数量", ("#12355b", "#7fa7d9")),
    };
    render("dashboard.html", ctx, &csrf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_has_two_bars_per_label_and_escapes_labels() {
        let svg = bar_chart(&[("2024".into(), 8, 2), ("示例<x>&".into(), 3, 1)], "t", ("#000", "#fff"));
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>") && !svg.contains("<x>"));
        assert!(svg.contains("示例&lt;x&gt;&amp;"));
        assert!(bar_chart(&[], "t", ("#000", "#fff")).starts_with("<svg"));
    }
}
