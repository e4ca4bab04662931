//! Snippets: the clause text HTML-escaped, with query-term occurrences wrapped in `<mark>`.
//!
//! Matching is done on the text itself, char by char, with the same folding as the tokenizer
//! (full-width → ASCII, case-insensitive). For CJK this is more exact than tantivy's
//! `SnippetGenerator`, which highlights individual bigram tokens and so marks stray
//! "地注" fragments that are not part of a real match.

use crate::analysis::{is_token_char, normalize_char};

/// Snippets of clauses longer than this (in chars) are cut to a window of this size.
const WINDOW_CHARS: usize = 120;
/// How many chars of context to keep before the first match when cutting.
const LEAD_CHARS: usize = 30;

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// Char ranges `[start, end)` of every occurrence of `needle` in `hay`.
fn find_all(hay: &[char], needle: &[char], out: &mut Vec<(usize, usize)>) {
    if needle.is_empty() || needle.len() > hay.len() {
        return;
    }
    for start in 0..=hay.len() - needle.len() {
        if hay[start..start + needle.len()] == *needle {
            out.push((start, start + needle.len()));
        }
    }
}

/// Char ranges to highlight for `terms` in the normalized text.
///
/// A term is looked up whole; if it does not occur literally (the index matched it across
/// different punctuation or spacing, e.g. "本地、注册" vs "本地，注册"), its punctuation-free
/// pieces are highlighted instead.
fn match_ranges(norm: &[char], terms: &[String]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    for term in terms {
        let needle: Vec<char> = term.trim().chars().map(normalize_char).collect();
        let before = ranges.len();
        find_all(norm, &needle, &mut ranges);
        if ranges.len() == before {
            for piece in needle.split(|c| !is_token_char(*c)) {
                find_all(norm, piece, &mut ranges);
            }
        }
    }
    ranges.sort_unstable();
    // Merge overlapping and touching ranges so marks never nest.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Builds the snippet for `text`: HTML-escaped, every occurrence of every term in `<mark>`, cut
/// to about [`WINDOW_CHARS`] chars around the first match (with "…" where text was cut).
pub fn snippet(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let norm: Vec<char> = chars.iter().map(|c| normalize_char(*c)).collect();
    let ranges = match_ranges(&norm, terms);

    let (start, end) = if chars.len() <= WINDOW_CHARS {
        (0, chars.len())
    } else {
        let first = ranges.first().map_or(0, |r| r.0);
        let start = first
            .saturating_sub(LEAD_CHARS)
            .min(chars.len() - WINDOW_CHARS);
        (start, start + WINDOW_CHARS)
    };

    let mut out = String::with_capacity((end - start) * 4 + ranges.len() * 13 + 8);
    if start > 0 {
        out.push('…');
    }
    let mut pending = ranges
        .iter()
        .filter(|r| r.1 > start && r.0 < end)
        .peekable();
    let mut open_until: Option<usize> = None;
    for (i, c) in chars.iter().enumerate().take(end).skip(start) {
        if open_until.is_none() {
            if let Some(&&(s, e)) = pending.peek() {
                // `s < start` happens when a match straddles the window's left edge.
                if s <= i {
                    out.push_str("<mark>");
                    open_until = Some(e.min(end));
                    pending.next();
                }
            }
        }
        push_escaped(&mut out, *c);
        if open_until == Some(i + 1) {
            out.push_str("</mark>");
            open_until = None;
        }
    }
    if open_until.is_some() {
        out.push_str("</mark>");
    }
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(terms: &[&str]) -> Vec<String> {
        terms.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn escapes_and_marks() {
        assert_eq!(
            snippet("<script>须在本地注册</script>", &t(&["本地注册"])),
            "&lt;script&gt;须在<mark>本地注册</mark>&lt;/script&gt;"
        );
    }

    #[test]
    fn marks_every_occurrence_and_merges_overlaps() {
        assert_eq!(
            snippet("本地注册，本地企业", &t(&["本地", "地注"])),
            "<mark>本地注</mark>册，<mark>本地</mark>企业"
        );
    }

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(
            snippet("通过ＩＳＯ９００１认证", &t(&["iso9001"])),
            "通过<mark>ＩＳＯ９００１</mark>认证"
        );
    }

    #[test]
    fn falls_back_to_pieces_across_punctuation() {
        assert_eq!(
            snippet("本地，注册", &t(&["本地、注册"])),
            "<mark>本地</mark>，<mark>注册</mark>"
        );
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}须在本地注册{}", "甲".repeat(200), "乙".repeat(200));
        let s = snippet(&text, &t(&["本地注册"]));
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>本地注册</mark>"));
        assert_eq!(s.chars().filter(|c| *c == '甲').count(), LEAD_CHARS - 2);
    }

    #[test]
    fn match_at_the_end_of_a_long_text_keeps_the_full_window() {
        let text = format!("{}本地注册", "甲".repeat(300));
        let s = snippet(&text, &t(&["本地注册"]));
        assert!(s.starts_with('…') && s.ends_with("<mark>本地注册</mark>"));
    }
}
