//! Text normalisation for matching, with a map back to the original text.
//!
//! Procurement documents arrive from PDF and DOCX extraction with full-width ASCII
//! ("５００万元", "（一）"), ideographic spaces and spurious whitespace inside Chinese runs
//! ("注 册 资 本", a clause broken across lines or table cells). Rules match on the normalised
//! text; findings must still point into the ORIGINAL text, so every normalised character keeps
//! the index of the original character it came from.

/// A normalised text plus the mapping back to the source text.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// For every char of `text`: its byte offset in `text`.
    byte_of: Vec<usize>,
    /// For every char of `text`: the char index of the original character it came from.
    orig_of: Vec<usize>,
    /// Number of chars in the original text.
    orig_len: usize,
}

/// True for characters that belong to CJK text: ideographs, CJK punctuation, full-width forms.
/// Whitespace next to such a character is an extraction artefact and is removed.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana (rare, harmless)
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFFEF    // half/full-width forms left after folding (e.g. ￥)
        | 0x2014 | 0x2018..=0x201D | 0x2026 | 0x00B7 // —‘’“”…·
        | 0x20000..=0x2FFFF)
}

/// Folds one character: full-width ASCII (U+FF01..U+FF5E) to ASCII, U+3000 and other
/// Unicode spaces to a plain space, the full-width yen sign to ¥.
pub fn fold_char(c: char) -> char {
    let u = c as u32;
    match u {
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).unwrap_or(c),
        0x3000 | 0x00A0 | 0x2000..=0x200B | 0x202F | 0x205F => ' ',
        0xFFE5 => '¥',
        _ => c,
    }
}

impl Normalized {
    /// Normalises `original`:
    /// 1. fold full-width ASCII and Unicode spaces ([`fold_char`]);
    /// 2. drop whitespace runs that touch a CJK character on either side (PDF/DOCX artefacts);
    /// 3. collapse every other whitespace run to one space; trim both ends.
    pub fn new(original: &str) -> Normalized {
        let folded: Vec<(usize, char)> =
            original.chars().map(fold_char).enumerate().collect();
        let orig_len = folded.len();
        let mut out = Normalized {
            text: String::with_capacity(original.len()),
            byte_of: Vec::with_capacity(orig_len),
            orig_of: Vec::with_capacity(orig_len),
            orig_len,
        };
        let mut i = 0;
        while i < folded.len() {
            let (oi, c) = folded[i];
            if c.is_whitespace() {
                let run_start = i;
                while i < folded.len() && folded[i].1.is_whitespace() {
                    i += 1;
                }
                let prev = out.text.chars().next_back();
                let next = folded.get(i).map(|p| p.1);
                let keep = match (prev, next) {
                    // Table cells are joined with " | "; spaces around the bar carry no meaning.
                    (Some(p), Some(n)) => !is_cjk(p) && !is_cjk(n) && p != '|' && n != '|',
                    _ => false, // leading or trailing whitespace
                };
                if keep {
                    out.push(' ', folded[run_start].0);
                }
                continue;
            }
            out.push(c, oi);
            i += 1;
        }
        out
    }

    fn push(&mut self, c: char, orig: usize) {
        self.byte_of.push(self.text.len());
        self.orig_of.push(orig);
        self.text.push(c);
    }

    /// Number of chars in the normalised text.
    pub fn char_len(&self) -> usize {
        self.orig_of.len()
    }

    /// The char index in the normalised text of the char starting at (or containing) byte
    /// offset `byte`; `char_len()` for offsets at or past the end.
    pub fn char_at_byte(&self, byte: usize) -> usize {
        match self.byte_of.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1).min(self.char_len()),
        }
    }

    /// The byte offset in the normalised text of normalised char index `ci` (clamped).
    pub fn byte_at_char(&self, ci: usize) -> usize {
        self.byte_of.get(ci).copied().unwrap_or(self.text.len())
    }

    /// Maps a normalised char range `[start, end)` to the original char range that covers it.
    pub fn orig_span_chars(&self, start: usize, end: usize) -> (usize, usize) {
        if self.orig_of.is_empty() {
            return (0, 0);
        }
        let s = self.orig_of.get(start).copied().unwrap_or(self.orig_len);
        let e = if end == 0 {
            s
        } else {
            self.orig_of.get(end - 1).map(|&o| o + 1).unwrap_or(self.orig_len)
        };
        (s.min(self.orig_len), e.max(s).min(self.orig_len))
    }

    /// Maps a normalised byte range (as returned by a regex) to the original char range.
    pub fn orig_span_bytes(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.char_at_byte(start);
        let e = if end <= start { s } else { self.char_at_byte(end - 1) + 1 };
        self.orig_span_chars(s, e)
    }
}

/// Normalises a short pattern or keyword the same way clause text is normalised, so that a
/// keyword written with full-width characters still matches.
pub fn normalize_str(s: &str) -> String {
    Normalized::new(s).text
}

/// Returns the substring of `s` between char indices `[start, end)` (clamped).
pub fn char_slice(s: &str, start: usize, end: usize) -> &str {
    let mut it = s.char_indices();
    let b0 = it.clone().nth(start).map(|(b, _)| b).unwrap_or(s.len());
    let b1 = if end <= start { b0 } else { it.nth(end).map(|(b, _)| b).unwrap_or(s.len()) };
    &s[b0..b1.max(b0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_removes_cjk_spaces() {
        let n = Normalized::new("注 册 资 本：５００ 万元\n不低于 Intel  Core i5");
        assert_eq!(n.text, "注册资本:500万元不低于Intel Core i5");
    }

    #[test]
    fn maps_back_to_original() {
        let orig = "投标人 须在\n本市注册";
        let n = Normalized::new(orig);
        assert_eq!(n.text, "投标人须在本市注册");
        let b = n.text.find("本市").unwrap();
        let (s, e) = n.orig_span_bytes(b, b + "本市".len());
        assert_eq!(char_slice(orig, s, e), "本市");
    }

    #[test]
    fn table_cells_join() {
        let n = Normalized::new("企业成立时间 | ≥8年得2分");
        assert_eq!(n.text, "企业成立时间|≥8年得2分");
        let n = Normalized::new("a  |  b c");
        assert_eq!(n.text, "a|b c");
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(Normalized::new("").text, "");
        assert_eq!(Normalized::new("  \u{3000} ").text, "");
        let n = Normalized::new("   ");
        assert_eq!(n.orig_span_chars(0, 0), (0, 0));
    }
}
