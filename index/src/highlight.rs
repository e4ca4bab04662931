//! Snippets: a window of the clause text with the char ranges where query terms occur. The
//! index reports, printers format: the HTTP adapter escapes and marks them for HTML, the CLI
//! brackets them for the terminal.
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

/// A snippet: plain text (cut to a window, "…" where text was cut) and the char ranges
/// `[start, end)` of `text` that matched a query term, sorted and never overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Snippet {
    pub text: String,
    pub marks: Vec<(usize, usize)>,
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

/// Builds the snippet for `text`: every occurrence of every term marked, cut to about
/// [`WINDOW_CHARS`] chars around the first match (with "…" where text was cut).
pub fn snippet(text: &str, terms: &[String]) -> Snippet {
    let chars: Vec<char> = text.chars().collect();
    let norm: Vec<char> = chars.iter().map(|c| normalize_char(*c)).collect();
    let ranges = match_ranges(&norm, terms);

    let (start, end) = if chars.len() <= WINDOW_CHARS {
        (0, chars.len())
    } else {
        let first = ranges.first().map_or(0, |r| r.0);
        let start = first.saturating_sub(LEAD_CHARS).min(chars.len() - WINDOW_CHARS);
        (start, start + WINDOW_CHARS)
    };
    let lead = usize::from(start > 0);
    let mut out = String::with_capacity((end - start) * 3 + 8);
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    // A match straddling a window edge is clipped to the window.
    let marks = ranges
        .iter()
        .filter(|r| r.1 > start && r.0 < end)
        .map(|&(s, e)| (s.max(start) - start + lead, e.min(end) - start + lead))
        .collect();
    Snippet { text: out, marks }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(terms: &[&str]) -> Vec<String> {
        terms.iter().map(|s| s.to_string()).collect()
    }

    /// The snippet with its marks as `[…]`, to read the tests at a glance.
    fn marked(text: &str, terms: &[String]) -> String {
        let s = snippet(text, terms);
        let mut out = String::new();
        for (i, c) in s.text.chars().enumerate() {
            if s.marks.iter().any(|m| m.0 == i) {
                out.push('[');
            }
            out.push(c);
            if s.marks.iter().any(|m| m.1 == i + 1) {
                out.push(']');
            }
        }
        out
    }

    #[test]
    fn text_stays_plain_and_marks_are_char_ranges() {
        let s = snippet("<script>须在本地注册</script>", &t(&["本地注册"]));
        assert_eq!(s.text, "<script>须在本地注册</script>");
        assert_eq!(s.marks, vec![(10, 14)]);
    }

    #[test]
    fn marks_every_occurrence_and_merges_overlaps() {
        assert_eq!(
            marked("本地注册，本地企业", &t(&["本地", "地注"])),
            "[本地注]册，[本地]企业"
        );
    }

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(
            marked("通过ＩＳＯ９００１认证", &t(&["iso9001"])),
            "通过[ＩＳＯ９００１]认证"
        );
    }

    #[test]
    fn falls_back_to_pieces_across_punctuation() {
        assert_eq!(
            marked("本地，注册", &t(&["本地、注册"])),
            "[本地]，[注册]"
        );
    }

    #[test]
    fn long_text_is_cut_around_the_first_match() {
        let text = format!("{}须在本地注册{}", "甲".repeat(200), "乙".repeat(200));
        let s = marked(&text, &t(&["本地注册"]));
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("[本地注册]"));
        assert_eq!(s.chars().filter(|c| *c == '甲').count(), LEAD_CHARS - 2);
    }

    #[test]
    fn match_at_the_end_of_a_long_text_keeps_the_full_window() {
        let text = format!("{}本地注册", "甲".repeat(300));
        let s = marked(&text, &t(&["本地注册"]));
        assert!(s.starts_with('…') && s.ends_with("[本地注册]"));
    }
}
