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
        let mut out = Normalized {
            text: String::with_capacity(original.len()),
            byte_of: Vec::with_capacity(original.len()),
            orig_of: Vec::with_capacity(original.len()),
            orig_len: 0,
        };
        out.orig_len = normalize_with(original, |c, orig, text| {
            out.byte_of.push(text.len());
            out.orig_of.push(orig);
            text.push(c);
        }, &mut out.text);
        out
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

/// The normalisation pass shared by [`Normalized::new`] and [`normalize_into`]: calls `emit`
/// with every normalised char and the index of the original char it came from; returns the
/// number of chars in `original`. Whitespace runs are decided when the next non-whitespace
/// char is seen (the previous emitted char is always non-whitespace).
#[inline(always)]
fn normalize_with(original: &str, mut emit: impl FnMut(char, usize, &mut String), text: &mut String) -> usize {
    let mut prev: Option<char> = None;
    let mut pending_ws: Option<usize> = None;
    let mut oi = 0usize;
    for c in original.chars() {
        let c = fold_char(c);
        if c.is_whitespace() {
            if pending_ws.is_none() {
                pending_ws = Some(oi);
            }
        } else {
            if let Some(ws) = pending_ws.take() {
                // Table cells are joined with " | "; spaces around the bar carry no meaning.
                // Leading whitespace (no previous char) is dropped; trailing never reaches here.
                if let Some(p) = prev {
                    if !is_cjk(p) && !is_cjk(c) && p != '|' && c != '|' {
                        emit(' ', ws, text);
                    }
                }
            }
            emit(c, oi, text);
            prev = Some(c);
        }
        oi += 1;
    }
    oi
}

/// Normalises `original` into `out` (cleared first) without the map back to the original:
/// the same text as `Normalized::new(original).text`, for prefiltering and document-wide
/// searches.
pub fn normalize_into(original: &str, out: &mut String) {
    out.clear();
    out.reserve(original.len());
    let bytes = original.as_bytes();
    let n = bytes.len();
    // A whitespace run is pending: decided by the previous emitted char and the next one.
    let mut pending = false;
    let resolve = |out: &mut String, next: char| {
        if let Some(p) = out.chars().next_back() {
            if !is_cjk(p) && !is_cjk(next) && p != '|' && next != '|' {
                out.push(' ');
            }
        }
    };
    let mut i = 0;
    while i < n {
        // Copy runs of chars that normalisation leaves alone in bulk. Only chars whose UTF-8
        // lead byte is flagged in MAYBE_SPECIAL can fold or be whitespace; they are decoded
        // and checked exactly.
        let start = i;
        let mut special: Option<(char, usize)> = None;
        while i < n {
            let b = bytes[i];
            if !MAYBE_SPECIAL[b as usize] {
                i += 1;
                continue;
            }
            let c = original[i..].chars().next().unwrap_or(' ');
            let len = c.len_utf8();
            if fold_char(c) == c && !c.is_whitespace() {
                i += len;
                continue;
            }
            special = Some((c, len));
            break;
        }
        if i > start {
            if pending {
                resolve(out, original[start..].chars().next().unwrap_or(' '));
                pending = false;
            }
            out.push_str(&original[start..i]);
        }
        let Some((c, len)) = special else { break };
        i += len;
        let f = fold_char(c);
        if f.is_whitespace() {
            pending = true;
        } else {
            if pending {
                resolve(out, f);
                pending = false;
            }
            out.push(f);
        }
    }
}

/// UTF-8 lead bytes of every char that [`fold_char`] changes or that is whitespace: ASCII
/// whitespace, U+0080..U+00BF (C2: U+0085, U+00A0), U+1680 (E1), U+2000..U+2FFF (E2),
/// U+3000 (E3), U+F000..U+FFFF (EF: full-width forms, U+FFE5).
static MAYBE_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x09;
    while b <= 0x0D {
        t[b] = true;
        b += 1;
    }
    t[0x20] = true;
    t[0xC2] = true;
    t[0xE1] = true;
    t[0xE2] = true;
    t[0xE3] = true;
    t[0xEF] = true;
    t
};

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
    fn text_only_equals_full() {
        let mut buf = String::new();
        for t in ["", "  ", " a  b ", "注 册 资 本：５００ 万元\n不低于 Intel  Core i5", "a  |  b c", "x\u{3000}y", "（一） 投标人 | 须  在本市", "a\tb\n\nc ｜ d"] {
            normalize_into(t, &mut buf);
            assert_eq!(buf, Normalized::new(t).text, "{t:?}");
        }
    }

    #[test]
    fn empty_and_whitespace() {
        assert_eq!(Normalized::new("").text, "");
        assert_eq!(Normalized::new("  \u{3000} ").text, "");
        let n = Normalized::new("   ");
        assert_eq!(n.orig_span_chars(0, 0), (0, 0));
    }
}
