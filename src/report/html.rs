//! HTML output: a self-contained, printable report (inline CSS, no scripts, no external assets).
//! Summary by category and severity, then every finding with its clause highlighted, the legal
//! basis and the suggested rewrite. Every text from documents or rules is HTML-escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Report;
use crate::core::finding::{Category, Finding, Severity};
use crate::core::normalize::char_slice;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut o, c);
    }
    o
}

fn push_escaped(o: &mut String, c: char) {
    match c {
        '&' => o.push_str("&amp;"),
        '<' => o.push_str("&lt;"),
        '>' => o.push_str("&gt;"),
        '"' => o.push_str("&quot;"),
        '\'' => o.push_str("&#39;"),
        _ => o.push(c),
    }
}

/// `text` HTML-escaped with each char range of `marks` (sorted, not overlapping) in `<mark>`:
/// how search snippets are shown in HTML.
pub fn marked(text: &str, marks: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len() + marks.len() * 13);
    let mut next = marks.iter().peekable();
    let mut open_until = None;
    for (i, c) in text.chars().enumerate() {
        if open_until.is_none() {
            if let Some(&&(s, e)) = next.peek() {
                if s <= i {
                    out.push_str("<mark>");
                    open_until = Some(e);
                    next.next();
                }
            }
        }
        push_escaped(&mut out, c);
        if open_until == Some(i + 1) {
            out.push_str("</mark>");
            open_until = None;
        }
    }
    if open_until.is_some() {
        out.push_str("</mark>");
    }
    out
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}\
.finding{border:1px solid #ccc;border-left:6px solid #999;padding:.6em 1em;margin:1em 0;page-break-inside:avoid}\
.violation{border-left-color:#c0392b}.warning{border-left-color:#e67e22}.notice{border-left-color:#2980b9}\
mark{background:#ffe08a}.clause{background:#f7f7f7;padding:.5em;white-space:pre-wrap}\
.meta{color:#555;font-size:.9em}.basis{font-size:.9em}@media print{body{margin:0}}";

/// The clause with the finding's quote highlighted. The quote's position inside the clause is
/// recomputed from the finding offsets when possible, else by searching the quote.
fn highlighted_clause(f: &Finding, clause_start: Option<usize>) -> String {
    let (s, e) = match clause_start {
        Some(cs) if f.start >= cs => (f.start - cs, f.end - cs),
        _ => match f.clause.find(&f.quote) {
            Some(b) if !f.quote.is_empty() => {
                let s = f.clause[..b].chars().count();
                (s, s + f.quote.chars().count())
            }
            _ => return escape(&f.clause),
        },
    };
    let n = f.clause.chars().count();
    let (s, e) = (s.min(n), e.min(n).max(s.min(n)));
    format!(
        "{}<mark>{}</mark>{}",
        escape(char_slice(&f.clause, 0, s)),
        escape(char_slice(&f.clause, s, e)),
        escape(char_slice(&f.clause, e, n))
    )
}

/// Renders the report as one HTML page.
pub fn render(report: &Report) -> String {
    let mut h = String::new();
    let _ = write!(h, "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>公平竞争审查报告</title><style>{STYLE}</style></head><body>");
    let _ = write!(h, "<h1>采购文件公平竞争审查报告</h1><p class=\"meta\">规则库版本 {} · 规则 {} 条</p>", escape(&report.rulebook.version), report.rulebook.rules);
    for d in &report.documents {
        let _ = write!(h, "<h2>{}</h2><p class=\"meta\">{} 页 · {} 条款 · {} 项发现</p>", escape(&d.file), d.pages, d.clauses, d.findings.len());
        if let Some(e) = &d.error {
            let _ = write!(h, "<p><strong>无法审查：</strong>{}</p>", escape(e));
        }
        // Summary: category × severity.
        let mut counts: BTreeMap<Category, [usize; 3]> = BTreeMap::new();
        for f in &d.findings {
            let idx = match f.severity { Severity::Violation => 0, Severity::Warning => 1, Severity::Notice => 2 };
            counts.entry(f.category).or_default()[idx] += 1;
        }
        if !counts.is_empty() {
            h.push_str("<table><tr><th>类别</th><th>违规</th><th>警示</th><th>提示</th></tr>");
            for (c, n) in &counts {
                let _ = write!(h, "<tr><td>{}（{}）</td><td>{}</td><td>{}</td><td>{}</td></tr>", c.label_zh(), c.as_str(), n[0], n[1], n[2]);
            }
            h.push_str("</table>");
        }
        for f in &d.findings {
            let _ = write!(
                h,
                "<div class=\"finding {sev}\"><p><strong>[{rule}] {msg}</strong></p><p class=\"meta\">{sevzh} · {cat} · 第{page}页 · {section}</p><div class=\"clause\">{clause}</div>",
                sev = f.severity.as_str(),
                rule = escape(&f.rule),
                msg = escape(&f.message),
                sevzh = f.severity.label_zh(),
                cat = f.category.label_zh(),
                page = f.page,
                section = escape(&f.section),
                clause = highlighted_clause(f, None),
            );
            h.push_str("<ul class=\"basis\">");
            for b in &f.basis {
                let _ = write!(h, "<li>{}{}", escape(&b.law), escape(&b.article));
                if !b.text.is_empty() {
                    let _ = write!(h, "：“{}”", escape(&b.text));
                }
                h.push_str("</li>");
            }
            let _ = write!(h, "</ul><p><strong>修改建议：</strong>{}</p></div>", escape(&f.suggestion));
        }
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ranges_after_escaping() {
        assert_eq!(marked("<b>须在本地注册</b>", &[(5, 9)]), "&lt;b&gt;须在<mark>本地注册</mark>&lt;/b&gt;");
        assert_eq!(marked("本地本地", &[(0, 2), (2, 4)]), "<mark>本地</mark><mark>本地</mark>");
        assert_eq!(marked("abc", &[(1, 9)]), "a<mark>bc</mark>");
    }

    #[test]
    fn escapes_everything() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
