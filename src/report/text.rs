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

/// `text` with each char range of `marks` between `open` and `close` (e.g. 【】): how search
/// snippets are shown on a terminal.
pub fn bracketed(text: &str, marks: &[(usize, usize)], open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len() + marks.len() * (open.len() + close.len()));
    for (i, c) in text.chars().enumerate() {
        if marks.iter().any(|m| m.0 == i) {
            out.push_str(open);
        }
        out.push(c);
        if marks.iter().any(|m| m.1 == i + 1) {
            out.push_str(close);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn brackets_marked_ranges() {
        assert_eq!(super::bracketed("须在本地注册<b>", &[(2, 6)], "【", "】"), "须在【本地注册】<b>");
    }
}
