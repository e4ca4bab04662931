//! Turns a parsed rule file into a compiled [`Rule`], reporting every problem with its line.

use regex::Regex;
use toml::Spanned;

use super::facts::Method;
use super::matcher::{CBound, Matcher};
use super::schema::{Bound, DayUnit, MatchKind, MatchSpec, QuantityKind, RuleFile};
use super::lexicon::{self, Lexicons};
use super::{Problem, Rule};
use crate::core::finding::Basis;
use crate::core::normalize::normalize_str;
use crate::core::quantity;

struct Ctx<'a> {
    file: &'a str,
    content: &'a str,
    lexicons: &'a Lexicons,
    problems: Vec<Problem>,
}

impl Ctx<'_> {
    fn line(&self, byte: usize) -> usize {
        self.content.get(..byte).map_or(1, |s| s.matches('\n').count() + 1)
    }

    fn err(&mut self, span: Option<std::ops::Range<usize>>, reason: impl Into<String>) {
        let line = span.map(|s| self.line(s.start));
        self.problems.push(Problem { file: self.file.to_string(), line, reason: reason.into() });
    }

    /// Compiles a regex written against normalised text (full-width folded, so the source is
    /// normalised the same way; `\s` stays usable for the few kept spaces).
    fn regex(&mut self, s: &Spanned<String>) -> Option<Regex> {
        // Concepts first (`{place}` → the lexicon's alternation), then full-width folding.
        let src = match lexicon::expand(s.get_ref(), self.lexicons) {
            Ok(x) => fold_pattern(&x),
            Err(e) => {
                self.err(Some(s.span()), e);
                return None;
            }
        };
        // A larger lazy-DFA cache keeps CJK-class patterns ([\p{Han}]{1,8}) on the fast path.
        match regex::RegexBuilder::new(&src).dfa_size_limit(16 << 20).size_limit(32 << 20).build() {
            Ok(r) => Some(r),
            Err(e) => {
                self.err(Some(s.span()), format!("regex {:?} does not compile: {e}", s.get_ref()));
                None
            }
        }
    }

    fn regexes(&mut self, v: &[Spanned<String>]) -> Vec<Regex> {
        v.iter().filter_map(|s| self.regex(s)).collect()
    }

    /// The alternatives of `any` as one regex, so that a clause is scanned once per rule and
    /// not once per alternative (each alternative is compiled alone first, so that an error
    /// names the pattern that has it). Leftmost-first: where two alternatives match at one
    /// place the one listed first wins, which only changes the reported span.
    fn merged(&mut self, v: &[Spanned<String>]) -> Vec<Regex> {
        let single = self.regexes(v);
        if single.len() != v.len() || single.len() < 2 {
            return single;
        }
        // Alternatives that begin with a literal ("须为", a place name) let the regex engine skip
        // to candidate positions; one that begins with a class ([\p{Han}]{2,6}…) would make the
        // whole alternation scan every position. So the two kinds are merged separately.
        let (lit, open): (Vec<&Regex>, Vec<&Regex>) = single.iter().partition(|r| has_literal_prefix(r.as_str()));
        let mut out = Vec::new();
        for group in [lit, open] {
            if group.is_empty() {
                continue;
            }
            let src = group.iter().map(|r| format!("(?:{})", r.as_str())).collect::<Vec<_>>().join("|");
            match regex::RegexBuilder::new(&src).dfa_size_limit(32 << 20).size_limit(64 << 20).build() {
                Ok(r) => out.push(r),
                // Too large to build as one: keep the alternatives apart.
                Err(_) => out.extend(group.into_iter().cloned()),
            }
        }
        out
    }
}

/// Whether every match of the pattern starts with one of a small set of literals (so that a
/// prefilter can find candidate positions).
fn has_literal_prefix(src: &str) -> bool {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(src) else { return false };
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    seq.is_finite() && seq.min_literal_len().is_some_and(|n| n > 0)
}

/// Folds full-width characters in a pattern without touching regex whitespace syntax.
fn fold_pattern(p: &str) -> String {
    p.chars().map(crate::core::normalize::fold_char).collect()
}

fn percent_bp(s: &str) -> Option<i64> {
    let p = quantity::percents(s);
    match p.as_slice() {
        [one] => Some(one.value),
        _ => None,
    }
}

fn bounds(cx: &mut Ctx, kind: MatchKind, list: &[Bound], at: std::ops::Range<usize>) -> Vec<CBound> {
    let mut out = Vec::new();
    for b in list {
        let mut methods = Vec::new();
        for m in &b.methods {
            match Method::parse(m) {
                Some(x) => methods.push(x),
                None => cx.err(Some(at.clone()), format!("unknown procurement method {m:?} in bounds")),
            }
        }
        let mut pct = |v: &Option<String>, name: &str| -> Option<i64> {
            let s = v.as_ref()?;
            let r = percent_bp(s);
            if r.is_none() {
                cx.err(Some(at.clone()), format!("bounds.{name} {s:?} is not a percentage like \"2%\""));
            }
            r
        };
        let (min_bp, max_bp) = (pct(&b.min, "min"), pct(&b.max, "max"));
        match kind {
            MatchKind::Numeric if b.min.is_none() && b.max.is_none() => cx.err(Some(at.clone()), "numeric bound needs min or max"),
            MatchKind::Period if b.min_days.is_none() => cx.err(Some(at.clone()), "period bound needs min_days"),
            _ => {}
        }
        out.push(CBound { methods, types: b.types.clone(), min_bp, max_bp, min_days: b.min_days, unit: b.unit.unwrap_or(DayUnit::Days) });
    }
    if out.is_empty() {
        cx.err(Some(at), "at least one [[match.bounds]] is required");
    }
    out
}

fn matcher(cx: &mut Ctx, m: &MatchSpec) -> Option<Matcher> {
    let kind = *m.kind.get_ref();
    let at = m.kind.span();
    // Fields that belong to other kinds are errors, not silently ignored.
    let used: &[(&str, bool)] = &[
        ("any", !m.any.is_empty()),
        ("all", !m.all.is_empty()),
        ("unless_near", !m.unless_near.is_empty()),
        ("trigger", m.trigger.is_some()),
        ("quantity", m.quantity.is_some()),
        ("relative_to", m.relative_to.is_some()),
        ("bounds", !m.bounds.is_empty()),
        ("window_before", m.window_before.is_some()),
        ("start", m.start.is_some()),
        ("end", m.end.is_some()),
        ("inclusive", m.inclusive.is_some()),
        ("start_heading", m.start_heading.is_some()),
        ("anchor", m.anchor.is_some()),
        ("absent_document", !m.absent_document.is_empty()),
    ];
    let allowed: &[&str] = match kind {
        MatchKind::Pattern => &["any", "all", "unless_near"],
        MatchKind::Numeric => &["trigger", "quantity", "relative_to", "bounds", "window_before"],
        MatchKind::Period => &["start", "end", "inclusive", "start_heading", "bounds"],
        MatchKind::Document => &["anchor", "absent_document"],
    };
    for (name, present) in used {
        if *present && !allowed.contains(name) {
            cx.err(Some(at.clone()), format!("field `{name}` is not used by matcher kind {kind:?}"));
        }
    }
    let required = |cx: &mut Ctx, f: &Option<Spanned<String>>, name: &str| -> Option<Regex> {
        match f {
            Some(s) => cx.regex(s),
            None => {
                cx.err(Some(at.clone()), format!("matcher kind {kind:?} needs `{name}`"));
                None
            }
        }
    };
    Some(match kind {
        MatchKind::Pattern => {
            if m.any.is_empty() {
                cx.err(Some(at.clone()), "pattern matcher needs `any`");
            }
            Matcher::Pattern { any: cx.merged(&m.any), all: cx.regexes(&m.all), window: m.window, unless_near: cx.regexes(&m.unless_near) }
        }
        MatchKind::Numeric => {
            let trigger = required(cx, &m.trigger, "trigger");
            let quantity = m.quantity.unwrap_or(QuantityKind::MoneyOrPercent);
            let b = bounds(cx, kind, &m.bounds, at.clone());
            Matcher::Numeric { trigger: trigger?, quantity, window: m.window.unwrap_or(30), window_before: m.window_before.unwrap_or(0), relative: m.relative_to, bounds: b }
        }
        MatchKind::Period => {
            let start = required(cx, &m.start, "start");
            let end = m.end.as_ref().and_then(|e| cx.regex(e));
            let start_heading = m.start_heading.as_ref().and_then(|e| cx.regex(e));
            let b = bounds(cx, kind, &m.bounds, at.clone());
            Matcher::Period {
                start: start?,
                end,
                window: m.window.unwrap_or(40),
                inclusive: m.inclusive.unwrap_or(false),
                start_heading,
                bounds: b,
            }
        }
        MatchKind::Document => {
            let anchor = required(cx, &m.anchor, "anchor");
            Matcher::Document { anchor: anchor?, absent: cx.regexes(&m.absent_document) }
        }
    })
}

/// Parses and compiles one rule file; every problem is returned, each with file and line.
pub fn compile(file: &str, content: &str, lexicons: &Lexicons) -> Result<Rule, Vec<Problem>> {
    let mut cx = Ctx { file, content, lexicons, problems: Vec::new() };
    let spec: RuleFile = match toml::from_str(content) {
        Ok(s) => s,
        Err(e) => {
            cx.err(e.span(), e.message().to_string());
            return Err(cx.problems);
        }
    };
    let id = spec.id.get_ref().clone();
    let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != id {
        cx.err(Some(spec.id.span()), format!("id {id:?} differs from the file name {stem:?}"));
    }
    for (empty, what) in [(spec.stages.is_empty(), "stages"), (spec.sections.is_empty(), "sections"), (spec.keywords.is_empty(), "keywords"), (spec.basis.is_empty(), "basis")] {
        if empty {
            cx.err(None, format!("`{what}` must not be empty"));
        }
    }
    let mut keywords = Vec::new();
    for k in &spec.keywords {
        // A keyword `{concept}` stands for every term of that lexicon.
        if let Some(name) = k.get_ref().strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
            match lexicons.get(name) {
                Some(lex) => keywords.extend(lex.keyword_forms()),
                None => cx.err(Some(k.span()), format!("unknown concept {{{name}}} in keywords (no lexicons/{name}.txt)")),
            }
            continue;
        }
        let n = normalize_str(k.get_ref());
        if n.is_empty() {
            cx.err(Some(k.span()), "empty keyword");
        } else {
            keywords.push(n);
        }
    }
    let unverified_quotes = spec.basis.iter().filter(|b| !b.text.is_empty() && b.verified.is_none()).count();
    let matcher = matcher(&mut cx, &spec.matcher);
    let unless = cx.regexes(&spec.matcher.unless);
    let unless_document = cx.regexes(&spec.matcher.unless_document);
    let require_document = cx.regexes(&spec.matcher.require_document);
    if !cx.problems.is_empty() {
        return Err(cx.problems);
    }
    let Some(matcher) = matcher else { return Err(cx.problems) };
    Ok(Rule {
        id,
        title: spec.title,
        category: spec.category,
        severity: spec.severity,
        stages: spec.stages,
        sections: spec.sections,
        keywords,
        message: spec.message,
        suggestion: spec.suggestion,
        basis: spec.basis.into_iter().map(|b| Basis { law: b.law, article: b.article, text: b.text }).collect(),
        file: file.to_string(),
        skip_exceptions: spec.skip_exceptions,
        examples: spec.examples,
        matcher,
        unless,
        unless_document,
        require_document,
        unverified_quotes,
    })
}
