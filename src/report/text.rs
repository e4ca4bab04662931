//! Text output: one stable line per finding, `file:page:section:rule:message`.

use super::Report;

/// Replaces characters that would break the line format (newlines, and ':' inside fields is
/// kept as is since the rule id field never contains one).
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect()
}

/// Renders the report, one line per finding, plus one `file:error:…` line per failed file.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.documents {
        if let Some(e) = &d.error {
            out.push_str(&format!("{}:0::error:{}\n", one_line(&d.file), one_line(e)));
        }
        for f in &d.findings {
            out.push_str(&format!("{}:{}:{}:{}:{}\n", one_line(&d.file), f.page, one_line(&f.section), f.rule, one_line(&f.message)));
        }
    }
    out
}
