//! Lexicons: the concepts rules refer to by name (`{locality}`, `{size_attribute}`, `{brand}` …),
//! kept as data beside the rules in `library/lexicons/<concept>.txt` (format:
//! `library/lexicons/README.md`) instead of as alternations copied into each regex.
//!
//! A lexicon file starts with `# concept:`, `# source:` and `# licence:` header lines; every other
//! non-comment line is one entry: the canonical term, then aliases, separated by `|`. At load every
//! term is normalised like clause text and checked (no empty term, none shorter than 2 characters,
//! no term listed twice); a pattern's `{name}` is then replaced by one alternation of the terms,
//! longest first, so the regex engine builds one automaton per use. Latin terms match only as
//! whole words, as written, in capitals or in lower case ("GE" in "GE-1000" is a model code, not a
//! brand).

use std::collections::BTreeMap;

use super::Problem;
use crate::core::normalize::normalize_str;

/// One concept's terms.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    pub concept: String,
    pub title: String,
    pub source: String,
    pub licence: String,
    /// File relative to the library root ("lexicons/locality.txt").
    pub file: String,
    /// Entries: canonical term first, then aliases (normalised).
    pub entries: Vec<Vec<String>>,
}

impl Lexicon {
    /// Every term (canonical names and aliases).
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flatten().map(String::as_str)
    }

    /// The keyword forms of every term, for the prefilter: a Latin term also in capitals and in
    /// lower case, as [`Lexicon::alternation`] matches it ("DAHUA" must reach the rule too).
    pub fn keyword_forms(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in self.terms() {
            out.push(t.to_string());
            if is_latin(t) {
                for f in [t.to_ascii_uppercase(), t.to_ascii_lowercase()] {
                    if f != t {
                        out.push(f);
                    }
                }
            }
        }
        out
    }

    /// The regex alternation standing for `{concept}`: terms longest first (so the longest
    /// wins at a position), escaped; Latin terms as whole words, as written, upper- or lower-case.
    pub fn alternation(&self) -> String {
        let mut terms: Vec<&str> = self.terms().collect();
        terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        let parts: Vec<String> = terms
            .into_iter()
            .map(|t| {
                if is_latin(t) {
                    // As written, in capitals and in lower case rather than `(?i:…)`: a
                    // case-insensitive alternation of hundreds of names has too many prefixes
                    // for the regex engine's prefilter, and the rule would scan every position.
                    let mut forms = vec![t.to_string(), t.to_ascii_uppercase(), t.to_ascii_lowercase()];
                    forms.sort();
                    forms.dedup();
                    let alts: Vec<String> = forms.iter().map(|f| regex::escape(f)).collect();
                    format!("(?-u:\\b)(?:{})(?-u:\\b)", alts.join("|"))
                } else {
                    regex::escape(t)
                }
            })
            .collect();
        format!("(?:{})", parts.join("|"))
    }
}

/// The lexicons of a library, by concept name.
pub type Lexicons = BTreeMap<String, Lexicon>;

/// Parses one lexicon file; every problem is reported with its line.
pub fn parse(file: &str, content: &str) -> Result<Lexicon, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut lex = Lexicon { file: file.to_string(), ..Lexicon::default() };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let err = |problems: &mut Vec<Problem>, line: usize, reason: String| problems.push(Problem { file: file.to_string(), line: Some(line), reason });
    for (i, raw) in content.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((key, value)) = comment.split_once(':') {
                let value = value.trim().to_string();
                match key.trim() {
                    "concept" => lex.concept = value,
                    "title" => lex.title = value,
                    "source" => lex.source = value,
                    "licence" | "license" => lex.licence = value,
                    _ => {}
                }
            }
            continue;
        }
        let mut entry = Vec::new();
        for part in line.split('|') {
            let term = normalize_str(part.trim());
            if term.is_empty() {
                err(&mut problems, line_no, format!("empty term in {line:?}"));
                continue;
            }
            if term.chars().count() < 2 {
                err(&mut problems, line_no, format!("term {term:?} is shorter than 2 characters (it would match inside ordinary words)"));
                continue;
            }
            if let Some(first) = seen.insert(term.clone(), line_no) {
                err(&mut problems, line_no, format!("term {term:?} is listed twice (first on line {first})"));
                continue;
            }
            entry.push(term);
        }
        if !entry.is_empty() {
            lex.entries.push(entry);
        }
    }
    let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if lex.concept != stem {
        problems.push(Problem { file: file.to_string(), line: None, reason: format!("`# concept: {stem}` header missing or different from the file name") });
    }
    for (value, name) in [(&lex.source, "source"), (&lex.licence, "licence")] {
        if value.is_empty() {
            problems.push(Problem { file: file.to_string(), line: None, reason: format!("`# {name}:` header missing (every lexicon records where its terms come from)") });
        }
    }
    if lex.entries.is_empty() {
        problems.push(Problem { file: file.to_string(), line: None, reason: "no entries".into() });
    }
    if problems.is_empty() { Ok(lex) } else { Err(problems) }
}

/// Whether `path` (relative to the library root) is a lexicon file.
pub fn is_lexicon_path(path: &str) -> bool {
    path.starts_with("lexicons/") && path.ends_with(".txt")
}

/// Replaces every `{name}` naming a known concept with its alternation. A `{word}` that is not a
/// regex repetition and names no lexicon is an error (a misspelt concept must not silently match
/// the literal text).
pub fn expand(pattern: &str, lexicons: &Lexicons) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        // `\{` is a literal brace.
        let escaped = rest[..open].ends_with('\\');
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        match close {
            Some(c) if !escaped && !after[..c].is_empty() && after[..c].chars().all(|ch| ch.is_ascii_lowercase() || ch == '_') => {
                let name = &after[..c];
                match lexicons.get(name) {
                    Some(lex) => out.push_str(&lex.alternation()),
                    None => return Err(format!("unknown concept {{{name}}} (no lexicons/{name}.txt)")),
                }
                rest = &after[c + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Terms of every lexicon that occur inside a word of `common` (the `common_words` lexicon):
/// such a term would fire on ordinary text. Returned as (lexicon file, term, common word).
pub fn common_word_clashes(lexicons: &Lexicons) -> Vec<(String, String, String)> {
    let Some(common) = lexicons.get("common_words") else { return Vec::new() };
    let words: Vec<&str> = common.terms().collect();
    let mut out = Vec::new();
    for lex in lexicons.values().filter(|l| l.concept != "common_words") {
        for t in lex.terms() {
            if let Some(w) = words.iter().find(|w| w.contains(t) && **w != t) {
                out.push((lex.file.clone(), t.to_string(), w.to_string()));
            }
        }
    }
    out
}

/// A term written in Latin letters (matched as a whole word, in its three cases).
fn is_latin(t: &str) -> bool {
    t.chars().all(|c| c.is_ascii_alphanumeric() || " -+.&".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# concept: locality\n# title: t\n# source: hand-written\n# licence: project\n";

    #[test]
    fn parses_entries_and_expands_longest_first() {
        let lex = parse("lexicons/locality.txt", &format!("{HEAD}本地\n本市|本市内\n")).expect("parse");
        let mut all = Lexicons::new();
        all.insert("locality".into(), lex);
        let p = expand("(?:须在){locality}注册", &all).expect("expand");
        assert!(p.starts_with("(?:须在)(?:本市内|"), "{p}");
        let r = regex::Regex::new(&p).expect("compiles");
        assert!(r.is_match("须在本市内注册"));
        assert!(!r.is_match("须在外地注册"));
        // Regex repetitions are left alone.
        assert_eq!(expand(r"[0-9]{2,3}", &all).unwrap(), r"[0-9]{2,3}");
        assert!(expand("{nosuch}", &all).unwrap_err().contains("unknown concept"));
    }

    #[test]
    fn latin_terms_match_whole_words_only() {
        let lex = parse("lexicons/brand.txt", "# concept: brand\n# source: s\n# licence: l\n华为|HUAWEI\nCisco\n").expect("parse");
        let r = regex::Regex::new(&lex.alternation()).expect("compiles");
        assert!(r.is_match("须为cisco交换机"));
        assert!(r.is_match("须为华为品牌"));
        assert!(!r.is_match("型号FranciscoX"));
        // The prefilter sees the same three cases as the pattern.
        let kw = lex.keyword_forms();
        for k in ["华为", "HUAWEI", "huawei", "Cisco", "CISCO", "cisco"] {
            assert!(kw.iter().any(|x| x == k), "{k} in {kw:?}");
        }
    }

    #[test]
    fn bad_files_are_refused_with_lines() {
        let e = parse("lexicons/locality.txt", &format!("{HEAD}本地\n本地\n市\n")).unwrap_err();
        assert!(e.iter().any(|p| p.line == Some(6) && p.reason.contains("twice")), "{e:?}");
        assert!(e.iter().any(|p| p.line == Some(7) && p.reason.contains("shorter")), "{e:?}");
        let e = parse("lexicons/locality.txt", "# concept: locality\n本地\n").unwrap_err();
        assert!(e.iter().any(|p| p.reason.contains("source")));
        let e = parse("lexicons/other.txt", &format!("{HEAD}本地\n")).unwrap_err();
        assert!(e.iter().any(|p| p.reason.contains("concept")));
    }
}
