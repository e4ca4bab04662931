//! PDF text extraction on top of lopdf: a small content-stream interpreter that places every
//! glyph on the page, then a layout pass that rebuilds reading order, paragraphs and table rows.
//!
//! Pipeline (one pass per page, then one pass over the document):
//! 1. [`interp`]: run the page's content stream (and the Form XObjects it paints), decode every
//!    glyph through its font ([`fonts`]) and record its origin, advance and direction, plus the
//!    straight ruling lines that are drawn (table borders).
//! 2. [`layout`]: rotate the page so its dominant text direction reads left to right (this covers
//!    `/Rotate 90/270` pages and rotated CTMs alike), group glyphs into lines by baseline, find
//!    ruled tables and two-column pages, and order the result as a person reads it.
//! 3. [`furniture`]: drop running headers and footers (page numbers, lines repeated at the top
//!    or bottom of most pages).
//! 4. [`blocks`]: rejoin hard-wrapped lines into paragraphs and emit table rows.
//!
//! Everything that touches lopdf runs under `catch_unwind`: lopdf can panic on hostile input, and
//! a refusal must never take the server down.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lopdf::Document;

use crate::core::document::{Extracted, Format};
use crate::core::ingest::{Deadline, IngestError, Limits};

/// A page with fewer visible characters than this counts as "no text" for the OCR check.
const MIN_CHARS_PER_PAGE: usize = 8;
/// Upper bound on one page's decompressed content (a decompression-bomb guard).
const MAX_PAGE_CONTENT_BYTES: usize = 64 * 1024 * 1024;

/// Extracts the blocks of a PDF: paragraphs (hard wraps rejoined) and table rows in reading
/// order, each tagged with the 1-based page of its first character. Running headers and
/// footers are dropped.
///
/// Refuses with [`IngestError::Encrypted`] (any `/Encrypt` in the trailer),
/// [`IngestError::TooManyPages`], [`IngestError::NeedsOcr`] (no text layer on any page),
/// [`IngestError::Malformed`] (unparseable or truncated) and [`IngestError::Timeout`]
/// (checked between pages). Never panics.
pub fn extract(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<Extracted, IngestError> {
    let doc = load(bytes)?;
    let pages: Vec<lopdf::ObjectId> = guard("page tree", || Ok(doc.get_pages().into_values().collect()))?;
    let page_count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    if page_count > limits.max_pages {
        return Err(IngestError::TooManyPages { pages: page_count, limit: limits.max_pages });
    }
    if page_count == 0 {
        return Err(malformed("document has no pages"));
    }

    let mut store = fonts::FontStore::default();
    let mut laid_out = Vec::with_capacity(pages.len());
    let mut visible_chars = 0usize;
    let mut failed = 0usize;
    let mut first_error = None;
    for (index, &page_id) in pages.iter().enumerate() {
        deadline.check()?;
        let page_no = index as u32 + 1;
        match guard("page", || interp::interpret_page(&doc, page_id, &mut store)) {
            Ok(raw) => {
                if raw.visible_chars() >= MIN_CHARS_PER_PAGE {
                    visible_chars += raw.visible_chars();
                }
                laid_out.push(layout::lay_out_page(raw, page_no));
            }
            Err(err) => {
                tracing::warn!(page = page_no, error = %err, "skipping unreadable PDF page");
                failed += 1;
                first_error.get_or_insert(err);
                laid_out.push(layout::PageLines::empty(page_no));
            }
        }
    }
    if failed == pages.len() {
        return Err(first_error.unwrap_or_else(|| malformed("no readable page")));
    }
    if visible_chars == 0 {
        // A file cut short loses its text; that is damage, not a scan.
        if failed > 0 || !has_eof_marker(bytes) {
            return Err(first_error.unwrap_or_else(|| malformed("truncated: no %%EOF and no text")));
        }
        return Err(IngestError::NeedsOcr { pages: page_count });
    }

    furniture::strip_headers_and_footers(&mut laid_out);
    let blocks = blocks::build_blocks(&laid_out);
    Ok(Extracted { format: Format::Pdf, pages: page_count, blocks })
}

/// Parses the file, refusing encrypted ones before any object is interpreted.
fn load(bytes: &[u8]) -> Result<Document, IngestError> {
    let loaded = catch_unwind(|| Document::load_mem(bytes));
    match loaded {
        Ok(Ok(doc)) => {
            if doc.trailer.has(b"Encrypt") || doc.encryption_state.is_some() {
                return Err(IngestError::Encrypted);
            }
            Ok(doc)
        }
        // lopdf may refuse an encrypted file it cannot open; report what it is, not a parse error.
        Ok(Err(_)) | Err(_) if declares_encryption(bytes) => Err(IngestError::Encrypted),
        Ok(Err(err)) => Err(malformed(&err.to_string())),
        Err(_) => Err(malformed("parser panicked")),
    }
}

/// A raw byte scan for an `/Encrypt` reference in a trailer or cross-reference stream dictionary,
/// used only when lopdf could not load the file.
fn declares_encryption(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

/// Whether `%%EOF` occurs in the last KiB (it is missing from files cut short in transfer).
fn has_eof_marker(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(5).any(|w| w == b"%%EOF")
}

fn malformed(reason: &str) -> IngestError {
    IngestError::Malformed { format: "PDF", reason: reason.to_string() }
}

/// Runs `f`, turning a panic inside lopdf (or our own code) into `Malformed`.
fn guard<T>(what: &str, f: impl FnOnce() -> Result<T, IngestError>) -> Result<T, IngestError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(malformed(&format!("{what}: parser panicked"))),
    }
}

/// Small numeric helpers shared by the submodules.
mod geom {
    /// An affine matrix `[a b c d e f]` as in the PDF spec (row vector convention).
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Matrix(pub [f32; 6]);

    impl Matrix {
        pub const IDENTITY: Matrix = Matrix([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

        /// `self × other`: apply `self` first, then `other`.
        pub fn then(&self, other: &Matrix) -> Matrix {
            let [a, b, c, d, e, f] = self.0;
            let [a2, b2, c2, d2, e2, f2] = other.0;
            Matrix([
                a * a2 + b * c2,
                a * b2 + b * d2,
                c * a2 + d * c2,
                c * b2 + d * d2,
                e * a2 + f * c2 + e2,
                e * b2 + f * d2 + f2,
            ])
        }

        pub fn translate(tx: f32, ty: f32) -> Matrix {
            Matrix([1.0, 0.0, 0.0, 1.0, tx, ty])
        }

        pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
            let [a, b, c, d, e, f] = self.0;
            (a * x + c * y + e, b * x + d * y + f)
        }

        /// Applies only the linear part (for direction vectors).
        pub fn apply_vec(&self, x: f32, y: f32) -> (f32, f32) {
            let [a, b, c, d, _, _] = self.0;
            (a * x + c * y, b * x + d * y)
        }
    }

    /// The value of a numeric operand, if it is one.
    pub fn num(obj: &lopdf::Object) -> Option<f32> {
        obj.as_float().ok().filter(|v| v.is_finite())
    }

    /// Rotates a point by `quarter` × 90° clockwise, which turns text written in direction
    /// `quarter` (0 = rightwards, 1 = upwards, 2 = leftwards, 3 = downwards) into rightwards text.
    pub fn unrotate(quarter: u8, x: f32, y: f32) -> (f32, f32) {
        match quarter & 3 {
            0 => (x, y),
            1 => (y, -x),
            2 => (-x, -y),
            _ => (-y, x),
        }
    }

    /// Value at quantile `q` (0..=1) of an unsorted sample; `None` when empty.
    pub fn quantile(values: &mut [f32], q: f32) -> Option<f32> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(|a, b| a.total_cmp(b));
        let idx = ((values.len() - 1) as f32 * q).round() as usize;
        values.get(idx.min(values.len() - 1)).copied()
    }

    /// CJK ideographs, kana, CJK punctuation and full-width forms: characters between which
    /// no space is ever inserted.
    pub fn is_cjk(c: char) -> bool {
        matches!(c as u32,
            0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x312F | 0x3190..=0x31FF | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
    }
}

/// Fonts: splitting shown strings into character codes and mapping codes to Unicode and widths.
mod fonts {
    use std::collections::HashMap;

    use lopdf::{Dictionary, Document, Encoding, Object, ObjectId};

    use super::geom::num;

    /// How a shown string splits into character codes (the font's codespace).
    #[derive(Debug, Clone, PartialEq)]
    enum Codespace {
        /// Simple fonts: every byte is a code.
        OneByte,
        /// Identity-H/V and UCS-2 CMaps.
        TwoByte,
        /// UTF-16: two bytes, four for a surrogate pair.
        Utf16,
        /// GBK/GB2312/GB18030 EUC CMaps: 0x81-0xFE starts a 2-byte code (4-byte for GB18030).
        Gbk,
        /// Big5 CMaps: 0x81-0xFE starts a 2-byte code.
        Big5,
        /// UTF-8 CMaps.
        Utf8,
        /// An embedded CMap's `begincodespacerange` entries: (low, high, byte length).
        Ranges(Vec<(u32, u32, u8)>),
    }

    /// What a code means when the font has no (or an incomplete) ToUnicode map.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Fallback {
        /// A 256-entry table built from the simple font's encoding.
        Table,
        Utf16,
        Gbk,
        Big5,
        Utf8,
        /// Identity-H without ToUnicode and similar: codes are glyph ids, there is no text.
        Nothing,
    }

    /// Glyph widths, in text space units per 1000 (glyph space) before `scale`.
    #[derive(Debug, Clone)]
    enum Widths {
        Simple { first: u32, widths: Vec<f32>, missing: f32 },
        /// CID fonts whose code is the CID (Identity and embedded CMaps).
        Cid { default: f32, ranges: Vec<(u32, u32, f32)> },
        /// CID fonts with a predefined non-identity CMap: code ≠ CID, so /W cannot be used;
        /// ASCII is half width and everything else is the default width.
        HalfAscii { default: f32 },
    }

    /// A parsed /ToUnicode CMap: code and code length to UTF-16. (lopdf does not export the
    /// CMap type's name, so the map is kept inside a closure.)
    type ToUnicode = Box<dyn Fn(u32, u8) -> Option<Vec<u16>>>;

    /// Everything needed to turn a shown string into glyphs; built once per font object and
    /// shared by every page that uses it.
    pub struct FontDecoder {
        codespace: Codespace,
        fallback: Fallback,
        to_unicode: Option<ToUnicode>,
        /// Simple fonts: text of each byte code as a (start, len) into `text`.
        table: Vec<(u32, u8)>,
        /// Composite fonts: decoded text per (len << 32 | code), filled lazily.
        cache: HashMap<u64, (u32, u8)>,
        text: String,
        widths: Widths,
        /// Glyph space to text space (1/1000, or a Type 3 font's FontMatrix).
        pub scale: f32,
        /// Vertical writing (`-V` CMaps): the pen moves down instead of right.
        pub vertical: bool,
        pub two_byte_space: bool,
    }

    /// One decoded character code.
    pub struct Code {
        pub code: u32,
        pub len: u8,
        /// Advance in glyph space units (per 1000 unless `scale` differs).
        pub width: f32,
    }

    impl FontDecoder {
        /// Builds the decoder for a font dictionary.
        pub fn new(doc: &Document, font: &Dictionary) -> FontDecoder {
            let subtype = font.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
            let to_unicode = load_to_unicode(doc, font);
            let mut dec = if subtype == b"Type0" {
                composite(doc, font, to_unicode)
            } else {
                simple(doc, font, to_unicode, subtype == b"Type3")
            };
            dec.two_byte_space = dec.codespace != Codespace::OneByte;
            dec
        }

        /// Splits a shown string into codes, calling `f` for each with its bytes.
        pub fn for_each_code(&self, bytes: &[u8], mut f: impl FnMut(Code)) {
            let mut i = 0;
            while i < bytes.len() {
                let len = self.code_len(&bytes[i..]).clamp(1, 4).min(bytes.len() - i);
                let code = bytes[i..i + len].iter().fold(0u32, |acc, &b| (acc << 8) | b as u32);
                let width = self.width(code, len as u8);
                f(Code { code, len: len as u8, width });
                i += len;
            }
        }

        /// The Unicode text of one code, appended to `out`. Returns false when the code has none.
        pub fn decode_into(&mut self, code: u32, len: u8, out: &mut String) -> bool {
            if self.codespace == Codespace::OneByte {
                let (start, n) = self.table.get(code as usize).copied().unwrap_or((0, 0));
                out.push_str(&self.text[start as usize..start as usize + n as usize]);
                return n > 0;
            }
            let key = ((len as u64) << 32) | code as u64;
            let (start, n) = match self.cache.get(&key) {
                Some(&hit) => hit,
                None => {
                    let start = self.text.len();
                    let decoded = self.decode_uncached(code, len);
                    self.text.push_str(&decoded);
                    let entry = (start as u32, (self.text.len() - start).min(255) as u8);
                    self.cache.insert(key, entry);
                    entry
                }
            };
            out.push_str(&self.text[start as usize..start as usize + n as usize]);
            n > 0
        }

        fn decode_uncached(&self, code: u32, len: u8) -> String {
            if let Some(s) = self.to_unicode.as_ref().and_then(|m| m(code, len)) {
                let s = String::from_utf16_lossy(&s);
                if !s.is_empty() && s != "\u{FFFD}" {
                    return clean(s);
                }
            }
            let bytes = &code.to_be_bytes()[4 - len as usize..];
            let s = match self.fallback {
                Fallback::Utf16 => encoding_rs::UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(),
                Fallback::Gbk => encoding_rs::GB18030.decode_without_bom_handling(bytes).0.into_owned(),
                Fallback::Big5 => encoding_rs::BIG5.decode_without_bom_handling(bytes).0.into_owned(),
                Fallback::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
                Fallback::Table | Fallback::Nothing => String::new(),
            };
            clean(s)
        }

        fn code_len(&self, rest: &[u8]) -> usize {
            let b0 = rest.first().copied().unwrap_or(0);
            match &self.codespace {
                Codespace::OneByte => 1,
                Codespace::TwoByte => 2,
                Codespace::Utf16 => {
                    if (0xD8..=0xDB).contains(&b0) { 4 } else { 2 }
                }
                Codespace::Gbk => match b0 {
                    0x81..=0xFE if matches!(rest.get(1), Some(0x30..=0x39)) => 4,
                    0x81..=0xFE => 2,
                    _ => 1,
                },
                Codespace::Big5 => if (0x81..=0xFE).contains(&b0) { 2 } else { 1 },
                Codespace::Utf8 => match b0 {
                    0xF0..=0xF7 => 4,
                    0xE0..=0xEF => 3,
                    0xC0..=0xDF => 2,
                    _ => 1,
                },
                Codespace::Ranges(ranges) => codespace_len(ranges, rest),
            }
        }

        fn width(&self, code: u32, len: u8) -> f32 {
            match &self.widths {
                Widths::Simple { first, widths, missing } => code
                    .checked_sub(*first)
                    .and_then(|i| widths.get(i as usize))
                    .copied()
                    .unwrap_or(*missing),
                Widths::Cid { default, ranges } => ranges
                    .iter()
                    .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
                    .map(|r| r.2)
                    .unwrap_or(*default),
                Widths::HalfAscii { default } => {
                    let ascii = len == 1 || (code < 0x80) || (0xFF61..=0xFF9F).contains(&code);
                    if ascii { *default / 2.0 } else { *default }
                }
            }
        }
    }

    /// Drops control characters a CMap may map to (and the NUL padding some producers emit).
    fn clean(s: String) -> String {
        if s.chars().any(|c| c.is_control() && c != '\t') {
            s.chars().filter(|c| !c.is_control() || *c == '\t').collect()
        } else {
            s
        }
    }

    /// The shortest code length whose codespace range contains the leading bytes.
    fn codespace_len(ranges: &[(u32, u32, u8)], rest: &[u8]) -> usize {
        for len in 1..=4u8 {
            if rest.len() < len as usize {
                break;
            }
            let code = rest[..len as usize].iter().fold(0u32, |acc, &b| (acc << 8) | b as u32);
            let hit = ranges.iter().any(|&(lo, hi, l)| {
                l == len
                    && (0..len).all(|i| {
                        let shift = 8 * i as u32;
                        let (b, blo, bhi) = ((code >> shift) as u8, (lo >> shift) as u8, (hi >> shift) as u8);
                        blo <= b && b <= bhi
                    })
            });
            if hit {
                return len as usize;
            }
        }
        ranges.iter().map(|r| r.2 as usize).min().unwrap_or(2)
    }

    /// Parses the font's /ToUnicode CMap through lopdf (which only exposes it when /Encoding is
    /// absent, hence the clone without /Encoding).
    fn load_to_unicode(doc: &Document, font: &Dictionary) -> Option<ToUnicode> {
        if !font.has(b"ToUnicode") {
            return None;
        }
        let mut probe = font.clone();
        probe.remove(b"Encoding");
        match probe.get_font_encoding(doc) {
            Ok(Encoding::UnicodeMapEncoding(map)) => Some(Box::new(move |code, len| map.get(code, len))),
            _ => None,
        }
    }

    fn composite(doc: &Document, font: &Dictionary, to_unicode: Option<ToUnicode>) -> FontDecoder {
        let encoding = font.get_deref(b"Encoding", doc).ok();
        let name: Vec<u8> = encoding.and_then(|e| e.as_name().ok()).map(<[u8]>::to_vec).unwrap_or_default();
        let (codespace, fallback, identity) = match encoding {
            Some(Object::Stream(stream)) => {
                // An embedded CMap: take its codespace; the text must come from ToUnicode.
                let data = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
                let ranges = parse_codespace(&data);
                let cs = if ranges.is_empty() { Codespace::TwoByte } else { Codespace::Ranges(ranges) };
                (cs, Fallback::Nothing, true)
            }
            _ => predefined_cmap(&name),
        };
        let vertical = name.ends_with(b"-V");
        let descendant = font
            .get_deref(b"DescendantFonts", doc)
            .and_then(Object::as_array)
            .ok()
            .and_then(|a| a.first())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        let default = descendant.and_then(|d| d.get(b"DW").ok()).and_then(num).unwrap_or(1000.0);
        let widths = if identity {
            let ranges = descendant.map(|d| cid_widths(doc, d)).unwrap_or_default();
            Widths::Cid { default, ranges }
        } else {
            Widths::HalfAscii { default }
        };
        FontDecoder {
            codespace,
            fallback,
            to_unicode,
            table: Vec::new(),
            cache: HashMap::new(),
            text: String::new(),
            widths,
            scale: 0.001,
            vertical,
            two_byte_space: true,
        }
    }

    /// Codespace and fallback decoding of a predefined CMap name; the bool says whether the
    /// code is the CID (so /W widths apply).
    fn predefined_cmap(name: &[u8]) -> (Codespace, Fallback, bool) {
        let base = name.strip_suffix(b"-H").or_else(|| name.strip_suffix(b"-V")).unwrap_or(name);
        let has = |needle: &[u8]| base.windows(needle.len()).any(|w| w == needle);
        if base == b"Identity" {
            (Codespace::TwoByte, Fallback::Nothing, true)
        } else if has(b"UTF16") {
            (Codespace::Utf16, Fallback::Utf16, false)
        } else if has(b"UCS2") {
            (Codespace::TwoByte, Fallback::Utf16, false)
        } else if has(b"UTF8") {
            (Codespace::Utf8, Fallback::Utf8, false)
        } else if has(b"UTF32") {
            (Codespace::Ranges(vec![(0, u32::MAX, 4)]), Fallback::Nothing, false)
        } else if has(b"GB") {
            // GBK-EUC, GBpc-EUC, GB-EUC, GBT-EUC, GBK2K: EUC-style mixed 1/2(/4)-byte codes.
            (Codespace::Gbk, Fallback::Gbk, false)
        } else if has(b"B5") || has(b"ETen") || has(b"HKscs") {
            (Codespace::Big5, Fallback::Big5, false)
        } else {
            (Codespace::TwoByte, Fallback::Nothing, false)
        }
    }

    /// Reads `begincodespacerange <lo> <hi> … endcodespacerange` from an embedded CMap.
    fn parse_codespace(data: &[u8]) -> Vec<(u32, u32, u8)> {
        let text = String::from_utf8_lossy(data);
        let mut out = Vec::new();
        for section in text.split("begincodespacerange").skip(1) {
            let body = section.split("endcodespacerange").next().unwrap_or("");
            let hex: Vec<&str> = body
                .split(['<', '>'])
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
                .collect();
            for pair in hex.chunks(2) {
                if let [lo, hi] = pair {
                    let len = (lo.len().div_ceil(2)).clamp(1, 4) as u8;
                    if let (Ok(l), Ok(h)) = (u32::from_str_radix(lo, 16), u32::from_str_radix(hi, 16)) {
                        out.push((l, h, len));
                    }
                }
            }
        }
        out
    }

    /// The /W array of a CIDFont: `c [w1 w2 …]` and `c1 c2 w` entries.
    fn cid_widths(doc: &Document, cid_font: &Dictionary) -> Vec<(u32, u32, f32)> {
        let Ok(w) = cid_font.get_deref(b"W", doc).and_then(Object::as_array) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < w.len() {
            let first = num(&w[i]).map(|v| v as u32);
            let next = w.get(i + 1).map(|o| doc.dereference(o).map(|(_, o)| o).unwrap_or(o));
            match (first, next) {
                (Some(c), Some(Object::Array(list))) => {
                    for (k, v) in list.iter().enumerate() {
                        if let Some(v) = num(v) {
                            out.push((c + k as u32, c + k as u32, v));
                        }
                    }
                    i += 2;
                }
                (Some(c1), Some(o)) => {
                    if let (Some(c2), Some(v)) = (num(o), w.get(i + 2).and_then(num)) {
                        out.push((c1, c2 as u32, v));
                    }
                    i += 3;
                }
                _ => break,
            }
        }
        out
    }

    fn simple(doc: &Document, font: &Dictionary, to_unicode: Option<ToUnicode>, type3: bool) -> FontDecoder {
        let mut text = String::new();
        let mut table = Vec::with_capacity(256);
        // The font's own encoding (Differences, WinAnsi, Standard…) for codes ToUnicode lacks.
        let encoding = font.get_font_encoding(doc).ok();
        let mut buf = String::new();
        for code in 0u32..256 {
            buf.clear();
            if let Some(s) = to_unicode.as_ref().and_then(|m| m(code, 1)) {
                buf.push_str(&String::from_utf16_lossy(&s));
            }
            if (buf.is_empty() || buf == "\u{FFFD}") && encoding.is_some() {
                buf.clear();
                if let Some(enc) = &encoding {
                    let _ = enc.write_to_string(&[code as u8], &mut buf);
                }
            }
            let cleaned = clean(std::mem::take(&mut buf));
            let start = text.len() as u32;
            text.push_str(&cleaned);
            table.push((start, cleaned.len().min(255) as u8));
            buf = cleaned;
        }
        let first = font.get(b"FirstChar").ok().and_then(num).unwrap_or(0.0).max(0.0) as u32;
        let widths: Vec<f32> = font
            .get_deref(b"Widths", doc)
            .and_then(Object::as_array)
            .map(|a| a.iter().map(|o| doc.dereference(o).ok().and_then(|(_, o)| num(o)).unwrap_or(0.0)).collect())
            .unwrap_or_default();
        let missing = font
            .get_deref(b"FontDescriptor", doc)
            .and_then(Object::as_dict)
            .ok()
            .and_then(|d| d.get(b"MissingWidth").ok())
            .and_then(num)
            .filter(|w| *w > 0.0)
            // Standard-14 fonts often come without /Widths; half an em is a fair average.
            .unwrap_or(if widths.is_empty() { 500.0 } else { 0.0 });
        let scale = if type3 {
            font.get(b"FontMatrix")
                .and_then(Object::as_array)
                .ok()
                .and_then(|m| m.first())
                .and_then(num)
                .unwrap_or(0.001)
        } else {
            0.001
        };
        FontDecoder {
            codespace: Codespace::OneByte,
            fallback: Fallback::Table,
            to_unicode: None,
            table,
            cache: HashMap::new(),
            text,
            widths: Widths::Simple { first, widths, missing },
            scale,
            vertical: false,
            two_byte_space: false,
        }
    }

    /// All fonts of a document, built once and shared across pages.
    #[derive(Default)]
    pub struct FontStore {
        by_id: HashMap<ObjectId, usize>,
        by_addr: HashMap<usize, usize>,
        fonts: Vec<FontDecoder>,
    }

    impl FontStore {
        /// The decoder index for a font given by reference (cached by object id) or inline.
        pub fn resolve(&mut self, doc: &Document, obj: &Object) -> Option<usize> {
            let (id, target) = doc.dereference(obj).ok()?;
            let dict = target.as_dict().ok()?;
            if let Some(id) = id {
                if let Some(&i) = self.by_id.get(&id) {
                    return Some(i);
                }
                let i = self.push(FontDecoder::new(doc, dict));
                self.by_id.insert(id, i);
                return Some(i);
            }
            let addr = dict as *const Dictionary as usize;
            if let Some(&i) = self.by_addr.get(&addr) {
                return Some(i);
            }
            let i = self.push(FontDecoder::new(doc, dict));
            self.by_addr.insert(addr, i);
            Some(i)
        }

        fn push(&mut self, dec: FontDecoder) -> usize {
            self.fonts.push(dec);
            self.fonts.len() - 1
        }

        pub fn get(&self, i: usize) -> &FontDecoder {
            &self.fonts[i]
        }

        pub fn get_mut(&mut self, i: usize) -> &mut FontDecoder {
            &mut self.fonts[i]
        }
    }
}

/// The content-stream interpreter: text state, CTM, glyph placement, ruling lines.
mod interp {
    use lopdf::content::Content;
    use lopdf::{Dictionary, Document, Object, ObjectId};

    use super::fonts::FontStore;
    use super::geom::{num, Matrix};
    use super::{malformed, MAX_PAGE_CONTENT_BYTES};
    use crate::core::ingest::IngestError;

    /// Form XObjects nested deeper than this are ignored (guards against cycles and bombs).
    const MAX_FORM_DEPTH: usize = 8;

    /// One placed glyph in user space.
    #[derive(Debug, Clone, Copy)]
    pub struct Glyph {
        /// Origin on the baseline.
        pub x: f32,
        pub y: f32,
        /// Advance along the writing direction.
        pub w: f32,
        /// Font size in user space (for tolerances).
        pub size: f32,
        /// Writing direction in quarter turns (0 = rightwards … 3 = downwards).
        pub dir: u8,
        /// The glyph is preceded by a space character that was shown but not kept as a glyph.
        pub space_before: bool,
        /// The glyph's text in `RawPage::text`.
        pub start: u32,
        pub len: u8,
    }

    /// An axis-aligned ruling line (table border) in user space.
    #[derive(Debug, Clone, Copy)]
    pub struct Rule {
        pub x0: f32,
        pub y0: f32,
        pub x1: f32,
        pub y1: f32,
    }

    /// Everything drawn on one page that layout needs.
    #[derive(Debug, Default)]
    pub struct RawPage {
        pub glyphs: Vec<Glyph>,
        pub text: String,
        pub rules: Vec<Rule>,
        /// The page box (MediaBox ∩ CropBox) as x0, y0, x1, y1.
        pub bbox: [f32; 4],
    }

    impl RawPage {
        pub fn visible_chars(&self) -> usize {
            self.glyphs.len()
        }

        pub fn glyph_text(&self, g: &Glyph) -> &str {
            &self.text[g.start as usize..g.start as usize + g.len as usize]
        }
    }

    #[derive(Clone)]
    struct GState {
        ctm: Matrix,
        font: Option<usize>,
        size: f32,
        char_spacing: f32,
        word_spacing: f32,
        h_scale: f32,
        leading: f32,
        rise: f32,
    }

    struct Interp<'a> {
        doc: &'a Document,
        store: &'a mut FontStore,
        page: RawPage,
        gs: GState,
        stack: Vec<GState>,
        tm: Matrix,
        tlm: Matrix,
        pending_space: bool,
        /// Current path: subpaths of points in user space.
        path: Vec<Vec<(f32, f32)>>,
        forms_seen: Vec<ObjectId>,
    }

    /// Runs the page's content stream and returns the glyphs and rules it draws.
    pub fn interpret_page(doc: &Document, page_id: ObjectId, store: &mut FontStore) -> Result<RawPage, IngestError> {
        let page_dict = doc.get_dictionary(page_id).map_err(|e| malformed(&e.to_string()))?;
        let bbox = page_box(doc, page_dict);
        // lopdf recovers truncated files leniently; a page whose content objects are gone is
        // damaged, not blank (and must not be reported as a scan).
        if let Some(missing) = doc.get_page_contents(page_id).into_iter().find(|id| !doc.objects.contains_key(id)) {
            return Err(malformed(&format!("content stream {} {} R is missing", missing.0, missing.1)));
        }
        let content = doc
            .get_page_content_with_limit(page_id, MAX_PAGE_CONTENT_BYTES)
            .map_err(|e| malformed(&format!("page content: {e}")))?;
        let ops = Content::decode(&content).map_err(|e| malformed(&format!("content stream: {e}")))?;
        let (direct, inherited) = doc.get_page_resources(page_id).map_err(|e| malformed(&e.to_string()))?;
        let mut resources: Vec<&Dictionary> = direct.into_iter().collect();
        resources.extend(inherited.iter().filter_map(|id| doc.get_dictionary(*id).ok()));

        let mut it = Interp {
            doc,
            store,
            page: RawPage { bbox, ..RawPage::default() },
            gs: GState {
                ctm: Matrix::IDENTITY,
                font: None,
                size: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                h_scale: 1.0,
                leading: 0.0,
                rise: 0.0,
            },
            stack: Vec::new(),
            tm: Matrix::IDENTITY,
            tlm: Matrix::IDENTITY,
            pending_space: false,
            path: Vec::new(),
            forms_seen: Vec::new(),
        };
        it.run(&ops.operations, &resources, 0);
        Ok(it.page)
    }

    /// MediaBox (inherited) clipped by CropBox, normalised so x0 < x1 and y0 < y1.
    fn page_box(doc: &Document, page: &Dictionary) -> [f32; 4] {
        let read = |key: &[u8]| -> Option<[f32; 4]> {
            let mut node = Some(page);
            for _ in 0..32 {
                let dict = node?;
                if let Ok(arr) = dict.get_deref(key, doc).and_then(Object::as_array) {
                    let v: Vec<f32> = arr.iter().filter_map(num).collect();
                    if v.len() == 4 {
                        return Some([v[0].min(v[2]), v[1].min(v[3]), v[0].max(v[2]), v[1].max(v[3])]);
                    }
                }
                node = dict.get_deref(b"Parent", doc).and_then(Object::as_dict).ok();
            }
            None
        };
        let media = read(b"MediaBox").unwrap_or([0.0, 0.0, 612.0, 792.0]);
        match read(b"CropBox") {
            Some(c) => {
                let b = [media[0].max(c[0]), media[1].max(c[1]), media[2].min(c[2]), media[3].min(c[3])];
                if b[2] > b[0] && b[3] > b[1] { b } else { media }
            }
            None => media,
        }
    }

    impl Interp<'_> {
        fn run(&mut self, ops: &[lopdf::content::Operation], resources: &[&Dictionary], depth: usize) {
            for op in ops {
                let a = &op.operands;
                let n = |i: usize| a.get(i).and_then(num).unwrap_or(0.0);
                match op.operator.as_str() {
                    "q" => self.stack.push(self.gs.clone()),
                    "Q" => {
                        if let Some(gs) = self.stack.pop() {
                            self.gs = gs;
                        }
                    }
                    "cm" if a.len() == 6 => {
                        let m = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                        self.gs.ctm = m.then(&self.gs.ctm);
                    }
                    "BT" => {
                        self.tm = Matrix::IDENTITY;
                        self.tlm = Matrix::IDENTITY;
                    }
                    "Tf" => {
                        self.gs.font = a.first().and_then(|o| o.as_name().ok()).and_then(|name| self.font(resources, name));
                        self.gs.size = n(1);
                    }
                    "Tc" => self.gs.char_spacing = n(0),
                    "Tw" => self.gs.word_spacing = n(0),
                    "Tz" => self.gs.h_scale = n(0) / 100.0,
                    "TL" => self.gs.leading = n(0),
                    "Ts" => self.gs.rise = n(0),
                    "Td" => self.next_line(n(0), n(1)),
                    "TD" => {
                        self.gs.leading = -n(1);
                        self.next_line(n(0), n(1));
                    }
                    "Tm" if a.len() == 6 => {
                        self.tm = Matrix([n(0), n(1), n(2), n(3), n(4), n(5)]);
                        self.tlm = self.tm;
                    }
                    "T*" => self.next_line(0.0, -self.gs.leading),
                    "Tj" => self.show_operand(a.first()),
                    "'" => {
                        self.next_line(0.0, -self.gs.leading);
                        self.show_operand(a.first());
                    }
                    "\"" => {
                        self.gs.word_spacing = n(0);
                        self.gs.char_spacing = n(1);
                        self.next_line(0.0, -self.gs.leading);
                        self.show_operand(a.get(2));
                    }
                    "TJ" => {
                        if let Some(Object::Array(items)) = a.first() {
                            for item in items {
                                match item {
                                    Object::String(bytes, _) => self.show(bytes),
                                    other => {
                                        if let Some(adj) = num(other) {
                                            self.kern(adj);
                                        }
                                    }
                                }
                            }
                        }
                    }
                    "Do" => {
                        if let Some(name) = a.first().and_then(|o| o.as_name().ok()) {
                            self.paint_xobject(resources, name, depth);
                        }
                    }
                    "m" if a.len() >= 2 => self.path.push(vec![self.gs.ctm.apply(n(0), n(1))]),
                    "l" if a.len() >= 2 => {
                        let p = self.gs.ctm.apply(n(0), n(1));
                        match self.path.last_mut() {
                            Some(sub) => sub.push(p),
                            None => self.path.push(vec![p]),
                        }
                    }
                    "re" if a.len() >= 4 => {
                        let (x, y, w, h) = (n(0), n(1), n(2), n(3));
                        let c = &self.gs.ctm;
                        self.path.push(vec![c.apply(x, y), c.apply(x + w, y), c.apply(x + w, y + h), c.apply(x, y + h), c.apply(x, y)]);
                    }
                    "c" | "v" | "y" => {
                        // Curves are never table borders: end the straight subpath here.
                        if let (Some(x), Some(y)) = (a.get(a.len().wrapping_sub(2)).and_then(num), a.last().and_then(num)) {
                            self.path.push(vec![self.gs.ctm.apply(x, y)]);
                        }
                    }
                    "h" => {
                        if let Some(sub) = self.path.last_mut() {
                            if let Some(&first) = sub.first() {
                                sub.push(first);
                            }
                        }
                    }
                    "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => self.paint_path(),
                    "n" => self.path.clear(),
                    _ => {}
                }
            }
        }

        fn font(&mut self, resources: &[&Dictionary], name: &[u8]) -> Option<usize> {
            for res in resources {
                let Ok(fonts) = res.get_deref(b"Font", self.doc).and_then(Object::as_dict) else { continue };
                if let Ok(obj) = fonts.get(name) {
                    return self.store.resolve(self.doc, obj);
                }
            }
            None
        }

        fn next_line(&mut self, tx: f32, ty: f32) {
            self.tlm = Matrix::translate(tx, ty).then(&self.tlm);
            self.tm = self.tlm;
        }

        fn kern(&mut self, adj: f32) {
            let amount = -adj / 1000.0 * self.gs.size;
            let vertical = self.gs.font.map(|f| self.store.get(f).vertical).unwrap_or(false);
            let m = if vertical {
                Matrix::translate(0.0, amount)
            } else {
                Matrix::translate(amount * self.gs.h_scale, 0.0)
            };
            self.tm = m.then(&self.tm);
            // A large negative adjustment is how some producers write a space.
            if !vertical && adj < -250.0 {
                self.pending_space = true;
            }
        }

        fn show_operand(&mut self, obj: Option<&Object>) {
            if let Some(Object::String(bytes, _)) = obj {
                self.show(bytes);
            }
        }

        /// Places every glyph of a shown string and advances the text matrix.
        fn show(&mut self, bytes: &[u8]) {
            let Some(fi) = self.gs.font else { return };
            let gs = &self.gs;
            let (fs, th, tc, tw, rise) = (gs.size, gs.h_scale, gs.char_spacing, gs.word_spacing, gs.rise);
            let ctm = gs.ctm;
            let mut codes = Vec::new();
            {
                let font = self.store.get(fi);
                font.for_each_code(bytes, |c| codes.push((c.code, c.len, c.width)));
            }
            let (scale, vertical, multi) = {
                let f = self.store.get(fi);
                (f.scale, f.vertical, f.two_byte_space)
            };
            for (code, len, width) in codes {
                let trm = Matrix([fs * th, 0.0, 0.0, fs, 0.0, rise]).then(&self.tm).then(&ctm);
                let (x, y) = (trm.0[4], trm.0[5]);
                let is_space_code = len == 1 && code == 32;
                let start = self.page.text.len();
                let has_text = self.store.get_mut(fi).decode_into(code, len, &mut self.page.text);
                let glyph_text = &self.page.text[start..];
                let blank = glyph_text.chars().all(char::is_whitespace);
                // Direction and size of the glyph in user space.
                let (dx, dy, size) = if vertical {
                    let (vx, vy) = trm.apply_vec(0.0, -1.0);
                    let (sx, sy) = trm.apply_vec(1.0, 0.0);
                    (vx, vy, (sx * sx + sy * sy).sqrt())
                } else {
                    let (vx, vy) = trm.apply_vec(1.0, 0.0);
                    let (sx, sy) = trm.apply_vec(0.0, 1.0);
                    (vx, vy, (sx * sx + sy * sy).sqrt())
                };
                let adv_text = width * scale * fs;
                let norm = (dx * dx + dy * dy).sqrt().max(1e-6);
                let w_user = adv_text * norm / fs.abs().max(1e-6) * if vertical { 1.0 } else { th };
                if !has_text || blank {
                    self.page.text.truncate(start);
                    if blank && has_text {
                        self.pending_space = true;
                    }
                } else if let Some(dir) = quarter_turn(dx, dy) {
                    self.page.glyphs.push(Glyph {
                        x,
                        y,
                        w: w_user.abs(),
                        size: size.abs(),
                        dir,
                        space_before: std::mem::take(&mut self.pending_space),
                        start: start as u32,
                        len: (self.page.text.len() - start).min(255) as u8,
                    });
                } else {
                    // Diagonal text (watermarks, stamps) is decoration, not document text.
                    self.page.text.truncate(start);
                }
                let spacing = tc + if is_space_code || (multi && code == 32 && len == 1) { tw } else { 0.0 };
                self.tm = if vertical {
                    Matrix::translate(0.0, -(adv_text + spacing)).then(&self.tm)
                } else {
                    Matrix::translate((adv_text + spacing) * th, 0.0).then(&self.tm)
                };
            }
        }

        /// Turns the straight segments of the painted path into axis-aligned rules.
        fn paint_path(&mut self) {
            for sub in std::mem::take(&mut self.path) {
                if sub.len() == 5 && is_rect(&sub) {
                    let (x0, x1) = (sub.iter().map(|p| p.0).fold(f32::MAX, f32::min), sub.iter().map(|p| p.0).fold(f32::MIN, f32::max));
                    let (y0, y1) = (sub.iter().map(|p| p.1).fold(f32::MAX, f32::min), sub.iter().map(|p| p.1).fold(f32::MIN, f32::max));
                    // A thin filled rectangle is a line; a real box contributes its four edges.
                    if x1 - x0 < 3.0 {
                        self.push_rule((x0 + x1) / 2.0, y0, (x0 + x1) / 2.0, y1);
                        continue;
                    }
                    if y1 - y0 < 3.0 {
                        self.push_rule(x0, (y0 + y1) / 2.0, x1, (y0 + y1) / 2.0);
                        continue;
                    }
                }
                for pair in sub.windows(2) {
                    let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                    self.push_rule(x0, y0, x1, y1);
                }
            }
        }

        fn push_rule(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) {
            let (dx, dy) = ((x1 - x0).abs(), (y1 - y0).abs());
            let axis_aligned = dx < 1.0 || dy < 1.0;
            if axis_aligned && dx.max(dy) >= 4.0 && self.page.rules.len() < 20_000 {
                self.page.rules.push(Rule { x0: x0.min(x1), y0: y0.min(y1), x1: x0.max(x1), y1: y0.max(y1) });
            }
        }

        /// Paints a Form XObject: its content runs with its own resources and matrix.
        fn paint_xobject(&mut self, resources: &[&Dictionary], name: &[u8], depth: usize) {
            if depth >= MAX_FORM_DEPTH {
                return;
            }
            let doc = self.doc;
            let found = resources.iter().find_map(|res| {
                let xobjects = res.get_deref(b"XObject", doc).and_then(Object::as_dict).ok()?;
                let obj = xobjects.get(name).ok()?;
                let (id, target) = doc.dereference(obj).ok()?;
                Some((id, target.as_stream().ok()?))
            });
            let Some((id, stream)) = found else { return };
            if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
                return;
            }
            if let Some(id) = id {
                if self.forms_seen.contains(&id) {
                    return;
                }
                self.forms_seen.push(id);
            }
            let Ok(data) = stream.decompressed_content_with_limit(MAX_PAGE_CONTENT_BYTES).or_else(|_| {
                if stream.dict.has(b"Filter") { Err(()) } else { Ok(stream.content.clone()) }
            }) else {
                return;
            };
            let Ok(content) = Content::decode(&data) else { return };
            let mut inner: Vec<&Dictionary> = Vec::with_capacity(resources.len() + 1);
            if let Ok(own) = stream.dict.get_deref(b"Resources", doc).and_then(Object::as_dict) {
                inner.push(own);
            }
            inner.extend_from_slice(resources);
            let matrix = stream
                .dict
                .get(b"Matrix")
                .and_then(Object::as_array)
                .ok()
                .map(|m| m.iter().filter_map(num).collect::<Vec<f32>>())
                .filter(|m| m.len() == 6)
                .map(|m| Matrix([m[0], m[1], m[2], m[3], m[4], m[5]]))
                .unwrap_or(Matrix::IDENTITY);
            let saved = (self.gs.clone(), self.tm, self.tlm, std::mem::take(&mut self.path));
            self.gs.ctm = matrix.then(&self.gs.ctm);
            let depth_before = self.stack.len();
            self.run(&content.operations, &inner, depth + 1);
            self.stack.truncate(depth_before);
            (self.gs, self.tm, self.tlm, self.path) = saved;
            if let Some(id) = id {
                self.forms_seen.retain(|seen| *seen != id);
            }
        }
    }

    fn is_rect(sub: &[(f32, f32)]) -> bool {
        sub.windows(2).all(|p| (p[0].0 - p[1].0).abs() < 0.5 || (p[0].1 - p[1].1).abs() < 0.5)
    }

    /// The writing direction in quarter turns, or `None` for text more than ~10° off an axis.
    fn quarter_turn(dx: f32, dy: f32) -> Option<u8> {
        let angle = dy.atan2(dx).to_degrees();
        let q = (angle / 90.0).round();
        if (angle - q * 90.0).abs() > 10.0 {
            return None;
        }
        Some((q as i32).rem_euclid(4) as u8)
    }
}

/// Page layout: lines, ruled tables, columns and reading order.
mod layout {
    use super::geom::{is_cjk, quantile, unrotate};
    use super::interp::{Glyph, RawPage, Rule};

    /// Glyphs further apart than this (in ems) on one line are in different table cells.
    const CELL_GAP_EM: f32 = 1.5;
    /// A gap this wide (in ems) between two non-CJK glyphs becomes a space.
    const SPACE_GAP_EM: f32 = 0.15;
    /// Between a CJK character and anything else only a much wider gap is a space (LibreOffice
    /// and Word leave ~¼ em of "autospace" between CJK and Latin that is not in the text).
    const CJK_SPACE_GAP_EM: f32 = 0.8;

    /// One cell (or the whole text) of a line.
    #[derive(Debug, Clone)]
    pub struct Cell {
        pub text: String,
        pub x0: f32,
        pub x1: f32,
        /// Largest glyph size and the first glyph's baseline: a line split at a column gutter
        /// takes its size and baseline from its own cells, not from the other column.
        pub size: f32,
        pub y: f32,
    }

    /// What a line is.
    #[derive(Debug, Clone, PartialEq)]
    pub enum LineKind {
        /// Ordinary text.
        Text,
        /// A row of a ruled table, all of its lines already merged cell by cell.
        RuledRow,
        /// A line whose glyphs have column-sized gaps (an unruled table row).
        GapRow,
    }

    /// A line of text in reading order, in the page's normalised frame (text runs rightwards,
    /// y grows upwards).
    #[derive(Debug, Clone)]
    pub struct Line {
        pub kind: LineKind,
        pub cells: Vec<Cell>,
        pub x0: f32,
        pub x1: f32,
        /// Baseline of the first (top) line.
        pub y: f32,
        /// Baseline of the last line (differs from `y` for merged table rows).
        pub y_last: f32,
        pub size: f32,
        /// Column: 0 full width, 1 left, 2 right; the block builder uses the column's margins.
        pub col: u8,
        /// Direction group: 0 for the page's main text direction.
        pub group: u8,
        pub page: u32,
        /// The line's text with cells joined by one space (header/footer matching, paragraphs).
        pub text: String,
    }

    /// The lines of one page plus the geometry the later passes need.
    #[derive(Debug, Clone)]
    pub struct PageLines {
        pub page: u32,
        pub lines: Vec<Line>,
        /// Normalised page box y range (for header/footer zones).
        pub top: f32,
        pub bottom: f32,
        /// Per column (0, 1, 2): typical left and right text edges.
        pub margins: [(f32, f32); 3],
        /// Typical baseline distance inside paragraphs.
        pub line_pitch: f32,
        /// Paragraphs on this page are marked by a first-line indent or by extra spacing, so a
        /// line that fills the measure and ends in 。 or ； is not by itself a paragraph end.
        pub para_signal: bool,
    }

    impl PageLines {
        pub fn empty(page: u32) -> PageLines {
            PageLines { page, lines: Vec::new(), top: 0.0, bottom: 0.0, margins: [(0.0, 0.0); 3], line_pitch: 0.0, para_signal: false }
        }
    }

    /// A raw line: glyph indices sorted by x, before cells and columns.
    struct RawLine {
        glyphs: Vec<usize>,
        y: f32,
        size: f32,
    }

    /// Lays out one page: direction groups, lines, ruled tables, columns.
    pub fn lay_out_page(raw: RawPage, page_no: u32) -> PageLines {
        let mut counts = [0usize; 4];
        for g in &raw.glyphs {
            counts[g.dir as usize & 3] += 1;
        }
        let main = (0..4u8).max_by_key(|d| (counts[*d as usize], std::cmp::Reverse(*d))).unwrap_or(0);
        let mut order: Vec<u8> = (0..4u8).filter(|d| counts[*d as usize] > 0 && *d != main).collect();
        order.sort_by_key(|d| std::cmp::Reverse(counts[*d as usize]));
        order.insert(0, main);

        // The page box in the main group's frame.
        let corners = [(raw.bbox[0], raw.bbox[1]), (raw.bbox[2], raw.bbox[3]), (raw.bbox[0], raw.bbox[3]), (raw.bbox[2], raw.bbox[1])];
        let ys: Vec<f32> = corners.iter().map(|&(x, y)| unrotate(main, x, y).1).collect();
        let top = ys.iter().copied().fold(f32::MIN, f32::max);
        let bottom = ys.iter().copied().fold(f32::MAX, f32::min);

        let mut out = PageLines::empty(page_no);
        (out.top, out.bottom) = (top, bottom);
        for (group, &dir) in order.iter().enumerate() {
            let glyphs: Vec<Glyph> = raw
                .glyphs
                .iter()
                .filter(|g| g.dir == dir)
                .map(|g| {
                    let (x, y) = unrotate(dir, g.x, g.y);
                    Glyph { x, y, ..*g }
                })
                .collect();
            let rules: Vec<Rule> = raw
                .rules
                .iter()
                .map(|r| {
                    let (ax, ay) = unrotate(dir, r.x0, r.y0);
                    let (bx, by) = unrotate(dir, r.x1, r.y1);
                    Rule { x0: ax.min(bx), y0: ay.min(by), x1: ax.max(bx), y1: ay.max(by) }
                })
                .collect();
            let lines = lay_out_group(&raw, &glyphs, &rules, page_no, group as u8);
            if group == 0 {
                out.margins = margins(&lines);
                out.line_pitch = line_pitch(&lines);
                out.para_signal = indent_style(&lines, &out.margins) || spacing_style(&lines, out.line_pitch);
            }
            out.lines.extend(lines);
        }
        out
    }

    fn lay_out_group(raw: &RawPage, glyphs: &[Glyph], rules: &[Rule], page: u32, group: u8) -> Vec<Line> {
        let raw_lines = group_lines(glyphs);
        let tables = Tables::new(rules);
        // Lines inside ruled tables are merged into rows; everything else becomes a text line.
        let mut items: Vec<Line> = Vec::with_capacity(raw_lines.len());
        let mut current_row: Option<(usize, Line)> = None; // (row id, merged line)
        for rl in &raw_lines {
            let mid = rl.y + rl.size * 0.3;
            let first = &glyphs[rl.glyphs[0]];
            let last = &glyphs[rl.glyphs[rl.glyphs.len() - 1]];
            match tables.row_at(first.x, last.x + last.w, mid) {
                Some((row_id, cols)) => {
                    let cells = split_by_columns(raw, glyphs, &rl.glyphs, &cols);
                    match &mut current_row {
                        Some((id, row)) if *id == row_id => merge_row(row, cells, rl.y),
                        _ => {
                            if let Some((_, row)) = current_row.take() {
                                items.push(row);
                            }
                            current_row = Some((row_id, row_line(cells, rl, page, group)));
                        }
                    }
                }
                None => {
                    if let Some((_, row)) = current_row.take() {
                        items.push(row);
                    }
                    items.push(text_line(raw, glyphs, rl, page, group));
                }
            }
        }
        if let Some((_, row)) = current_row.take() {
            items.push(row);
        }
        // Drop rows whose cells are all empty (e.g. a ruled box around nothing).
        items.retain(|l| !l.text.trim().is_empty());
        split_columns(items)
    }

    /// Groups glyphs into lines by baseline (tolerance half the font size) and sorts each by x.
    fn group_lines(glyphs: &[Glyph]) -> Vec<RawLine> {
        let mut idx: Vec<usize> = (0..glyphs.len()).collect();
        idx.sort_by(|&a, &b| glyphs[b].y.total_cmp(&glyphs[a].y).then(glyphs[a].x.total_cmp(&glyphs[b].x)));
        let mut lines: Vec<RawLine> = Vec::new();
        for i in idx {
            let g = &glyphs[i];
            match lines.last_mut() {
                Some(line) if (line.y - g.y).abs() <= 0.5 * line.size.max(g.size).max(1.0) => {
                    line.glyphs.push(i);
                    line.size = line.size.max(g.size);
                }
                _ => lines.push(RawLine { glyphs: vec![i], y: g.y, size: g.size }),
            }
        }
        for line in &mut lines {
            line.glyphs.sort_by(|&a, &b| glyphs[a].x.total_cmp(&glyphs[b].x));
            dedupe_overprint(glyphs, &mut line.glyphs);
            // The baseline of most glyphs, not of a superscript that happened to sort first.
            let mut ys: Vec<f32> = line.glyphs.iter().map(|&i| glyphs[i].y).collect();
            line.y = quantile(&mut ys, 0.5).unwrap_or(line.y);
        }
        lines
    }

    /// Removes glyphs drawn twice at (almost) the same spot: "fake bold" and shadow effects.
    fn dedupe_overprint(glyphs: &[Glyph], line: &mut Vec<usize>) {
        let mut keep: Vec<usize> = Vec::with_capacity(line.len());
        for &i in line.iter() {
            let g = &glyphs[i];
            let dup = keep.iter().rev().take(3).any(|&k| {
                let h = &glyphs[k];
                h.start != g.start && (h.x - g.x).abs() < 0.3 * g.w.max(0.1 * g.size) && (h.y - g.y).abs() < 0.2 * g.size && h.len == g.len
            });
            if !dup {
                keep.push(i);
            }
        }
        *line = keep;
    }

    /// Builds the text of a glyph run: spaces only where the PDF had one or where two
    /// non-CJK characters are visibly apart.
    fn run_text(raw: &RawPage, glyphs: &[Glyph], run: &[usize]) -> String {
        let mut s = String::with_capacity(run.len() * 3);
        let mut prev: Option<&Glyph> = None;
        for &i in run {
            let g = &glyphs[i];
            let t = raw.glyph_text(g);
            if let Some(p) = prev {
                let gap = g.x - (p.x + p.w);
                let em = g.size.max(p.size).max(1.0);
                let a = raw.glyph_text(p).chars().last().unwrap_or(' ');
                let b = t.chars().next().unwrap_or(' ');
                let cjk = is_cjk(a) || is_cjk(b);
                let wide = if cjk { gap > CJK_SPACE_GAP_EM * em } else { gap > SPACE_GAP_EM * em };
                let spaced = (g.space_before && !cjk) || wide || (g.space_before && gap > 0.1 * em);
                if spaced && !s.ends_with(' ') {
                    s.push(' ');
                }
            }
            s.push_str(t);
            prev = Some(g);
        }
        s.trim().to_string()
    }

    /// Splits a raw line into runs at column-sized gaps.
    fn split_runs(glyphs: &[Glyph], line: &[usize]) -> Vec<Vec<usize>> {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut prev: Option<&Glyph> = None;
        for &i in line {
            let g = &glyphs[i];
            let new_run = match prev {
                None => true,
                Some(p) => g.x - (p.x + p.w) > CELL_GAP_EM * g.size.max(p.size).max(1.0),
            };
            if new_run {
                runs.push(vec![i]);
            } else if let Some(r) = runs.last_mut() {
                r.push(i);
            }
            prev = Some(g);
        }
        runs
    }

    fn text_line(raw: &RawPage, glyphs: &[Glyph], rl: &RawLine, page: u32, group: u8) -> Line {
        let cells: Vec<Cell> = split_runs(glyphs, &rl.glyphs)
            .iter()
            .map(|run| {
                let first = &glyphs[run[0]];
                let last = &glyphs[run[run.len() - 1]];
                let size = run.iter().map(|&i| glyphs[i].size).fold(0.0, f32::max);
                Cell { text: run_text(raw, glyphs, run), x0: first.x, x1: last.x + last.w, size, y: first.y }
            })
            .filter(|c| !c.text.is_empty())
            .collect();
        let kind = if cells.len() >= 2 { LineKind::GapRow } else { LineKind::Text };
        make_line(kind, cells, rl.y, rl.size, page, group)
    }

    fn make_line(kind: LineKind, cells: Vec<Cell>, y: f32, size: f32, page: u32, group: u8) -> Line {
        let x0 = cells.first().map(|c| c.x0).unwrap_or(0.0);
        let x1 = cells.iter().map(|c| c.x1).fold(x0, f32::max);
        let text = cells.iter().map(|c| c.text.as_str()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
        Line { kind, cells, x0, x1, y, y_last: y, size, col: 0, group, page, text }
    }

    fn row_line(cells: Vec<Cell>, rl: &RawLine, page: u32, group: u8) -> Line {
        let mut line = make_line(LineKind::RuledRow, cells, rl.y, rl.size, page, group);
        line.x0 = line.cells.first().map(|c| c.x0).unwrap_or(line.x0);
        line
    }

    /// Appends the next line of a ruled row to the row, cell by cell (cells are column slots).
    fn merge_row(row: &mut Line, cells: Vec<Cell>, y: f32) {
        for (slot, add) in row.cells.iter_mut().zip(cells) {
            if add.text.is_empty() {
                continue;
            }
            if slot.text.is_empty() {
                slot.text = add.text;
            } else {
                super::blocks::join_wrapped(&mut slot.text, &add.text);
            }
        }
        row.y_last = y;
        row.text = row.cells.iter().map(|c| c.text.as_str()).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
    }

    /// Splits a line's glyphs into the slots between column boundaries `cols` (sorted x).
    fn split_by_columns(raw: &RawPage, glyphs: &[Glyph], line: &[usize], cols: &[f32]) -> Vec<Cell> {
        let slots = cols.len().saturating_sub(1).max(1);
        let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); slots];
        for &i in line {
            let g = &glyphs[i];
            let mid = g.x + g.w / 2.0;
            let slot = cols.iter().skip(1).position(|&b| mid < b).unwrap_or(slots - 1).min(slots - 1);
            buckets[slot].push(i);
        }
        buckets
            .iter()
            .enumerate()
            .map(|(k, b)| Cell {
                text: run_text(raw, glyphs, b),
                x0: cols.get(k).copied().unwrap_or(0.0),
                x1: cols.get(k + 1).copied().unwrap_or(0.0),
                size: b.iter().map(|&i| glyphs[i].size).fold(0.0, f32::max),
                y: b.first().map(|&i| glyphs[i].y).unwrap_or(0.0),
            })
            .collect()
    }

    /// Ruled tables: vertical rules give the column boundaries, horizontal rules the rows.
    struct Tables {
        verticals: Vec<Rule>,
        horizontals: Vec<Rule>,
    }

    impl Tables {
        fn new(rules: &[Rule]) -> Tables {
            let mut verticals: Vec<Rule> = rules.iter().filter(|r| r.x1 - r.x0 < 1.0).copied().collect();
            let mut horizontals: Vec<Rule> = rules.iter().filter(|r| r.y1 - r.y0 < 1.0).copied().collect();
            merge_collinear(&mut verticals, true);
            merge_collinear(&mut horizontals, false);
            Tables { verticals, horizontals }
        }

        /// For a line spanning x0..x1 at height y: the row it belongs to (an id made of the
        /// bounding horizontal rules) and the column boundaries, when the line sits in a ruled
        /// table of at least two columns.
        fn row_at(&self, x0: f32, x1: f32, y: f32) -> Option<(usize, Vec<f32>)> {
            if self.verticals.len() < 3 {
                return None;
            }
            let mut xs: Vec<f32> = self.verticals.iter().filter(|r| r.y0 - 1.0 <= y && y <= r.y1 + 1.0).map(|r| r.x0).collect();
            xs.sort_by(|a, b| a.total_cmp(b));
            xs.dedup_by(|a, b| (*a - *b).abs() < 2.0);
            // All boundaries at this height belong to the table; a line inside it may cover a
            // single cell (a wrapped cell's continuation), so the line itself need not span two.
            if xs.len() < 3 || x0 < xs[0] - 2.0 || x1 > xs[xs.len() - 1] + 2.0 {
                return None; // fewer than two columns (a framed box), or the line is outside
            }
            let cols = xs;
            let (tx0, tx1) = (cols[0], cols[cols.len() - 1]);
            let spans = |r: &&Rule| r.x0 <= tx0 + 3.0 && r.x1 >= tx0 + 3.0 || r.x0 <= tx1 - 3.0 && r.x1 >= tx1 - 3.0 || (r.x0 < tx1 && r.x1 > tx0);
            let above = self.horizontals.iter().filter(spans).filter(|r| r.y0 > y).map(|r| r.y0).fold(f32::MAX, f32::min);
            let below = self.horizontals.iter().filter(spans).filter(|r| r.y0 < y).map(|r| r.y0).fold(f32::MIN, f32::max);
            let id = ((above.clamp(-1e6, 1e6) * 8.0) as i64 as usize).wrapping_mul(31) ^ ((below.clamp(-1e6, 1e6) * 8.0) as i64 as usize);
            Some((id, cols))
        }
    }

    /// Joins touching or overlapping segments on the same line (cells draw their own borders).
    /// Segments are first clustered by their cross-axis position (within 1 pt), then merged as
    /// intervals along the axis.
    fn merge_collinear(rules: &mut Vec<Rule>, vertical: bool) {
        let key = |r: &Rule| if vertical { r.x0 } else { r.y0 };
        let span = |r: &Rule| if vertical { (r.y0, r.y1) } else { (r.x0, r.x1) };
        rules.sort_by(|a, b| key(a).total_cmp(&key(b)));
        let mut out: Vec<Rule> = Vec::with_capacity(rules.len());
        let mut cluster: Vec<Rule> = Vec::new();
        let flush = |cluster: &mut Vec<Rule>, out: &mut Vec<Rule>| {
            cluster.sort_by(|a, b| span(a).0.total_cmp(&span(b).0));
            let mut merged: Option<Rule> = None;
            for r in cluster.drain(..) {
                match &mut merged {
                    Some(m) if span(&r).0 <= span(m).1 + 1.5 => {
                        m.x0 = m.x0.min(r.x0);
                        m.y0 = m.y0.min(r.y0);
                        m.x1 = m.x1.max(r.x1);
                        m.y1 = m.y1.max(r.y1);
                    }
                    _ => {
                        if let Some(m) = merged.take() {
                            out.push(m);
                        }
                        merged = Some(r);
                    }
                }
            }
            out.extend(merged);
        };
        for r in rules.drain(..) {
            if cluster.first().is_some_and(|c| (key(c) - key(&r)).abs() >= 1.0) {
                flush(&mut cluster, &mut out);
            }
            cluster.push(r);
        }
        flush(&mut cluster, &mut out);
        *rules = out;
    }

    /// Detects a two-column body and reorders: full-width bands stay in place, each band of
    /// column lines is read left column first, then right column.
    fn split_columns(lines: Vec<Line>) -> Vec<Line> {
        let Some(gutter) = find_gutter(&lines) else { return lines };
        let mut out = Vec::with_capacity(lines.len() + 8);
        let mut left: Vec<Line> = Vec::new();
        let mut right: Vec<Line> = Vec::new();
        let flush = |out: &mut Vec<Line>, left: &mut Vec<Line>, right: &mut Vec<Line>| {
            out.append(left);
            out.append(right);
        };
        for line in lines {
            if line.kind == LineKind::RuledRow || line.cells.iter().any(|c| c.x0 < gutter && c.x1 > gutter) {
                flush(&mut out, &mut left, &mut right);
                out.push(line);
                continue;
            }
            let (l, r): (Vec<Cell>, Vec<Cell>) = line.cells.iter().cloned().partition(|c| c.x1 <= gutter);
            for (cells, col, sink) in [(l, 1u8, &mut left), (r, 2u8, &mut right)] {
                if cells.is_empty() {
                    continue;
                }
                let kind = if cells.len() >= 2 { LineKind::GapRow } else { LineKind::Text };
                let size = cells.iter().map(|c| c.size).fold(0.0, f32::max);
                let y = cells.first().map(|c| c.y).unwrap_or(line.y);
                let mut part = make_line(kind, cells, y, size, line.page, line.group);
                part.col = col;
                sink.push(part);
            }
        }
        flush(&mut out, &mut left, &mut right);
        out
    }

    /// The x of a vertical gutter that separates two text columns, if the page has one.
    fn find_gutter(lines: &[Line]) -> Option<f32> {
        let text: Vec<&Line> = lines.iter().filter(|l| l.kind != LineKind::RuledRow).collect();
        if text.len() < 10 {
            return None;
        }
        let x0 = text.iter().map(|l| l.x0).fold(f32::MAX, f32::min);
        let x1 = text.iter().map(|l| l.x1).fold(f32::MIN, f32::max);
        let width = x1 - x0;
        if width <= 0.0 {
            return None;
        }
        // The x in the middle 40% crossed by the fewest cells.
        let mut best: Option<(usize, f32)> = None;
        let mut x = x0 + 0.3 * width;
        while x <= x0 + 0.7 * width {
            let crossing = text.iter().filter(|l| l.cells.iter().any(|c| c.x0 < x && c.x1 > x)).count();
            if best.is_none_or(|(c, _)| crossing < c) {
                best = Some((crossing, x));
            }
            x += 2.0;
        }
        let (crossing, gx) = best?;
        if crossing * 5 > text.len() {
            return None; // most lines run across: single column
        }
        let lefts: Vec<&Cell> = text.iter().flat_map(|l| l.cells.iter()).filter(|c| c.x1 <= gx).collect();
        let rights: Vec<&Cell> = text.iter().flat_map(|l| l.cells.iter()).filter(|c| c.x0 >= gx).collect();
        let left_lines = text.iter().filter(|l| l.cells.iter().any(|c| c.x1 <= gx)).count();
        let right_lines = text.iter().filter(|l| l.cells.iter().any(|c| c.x0 >= gx)).count();
        if left_lines < 5 || right_lines < 5 {
            return None;
        }
        // Text columns hold one run per line on each side (tables have several) …
        let multi_left = text.iter().filter(|l| l.cells.iter().filter(|c| c.x1 <= gx).count() > 1).count();
        let multi_right = text.iter().filter(|l| l.cells.iter().filter(|c| c.x0 >= gx).count() > 1).count();
        if multi_left * 5 > left_lines || multi_right * 5 > right_lines {
            return None;
        }
        // … and wrapped lines of the left column run up to the gutter (a table's label column
        // is ragged).
        let edge = lefts.iter().map(|c| c.x1).fold(f32::MIN, f32::max);
        let em = {
            let mut sizes: Vec<f32> = text.iter().map(|l| l.size).collect();
            quantile(&mut sizes, 0.5).unwrap_or(10.0)
        };
        let full = lefts.iter().filter(|c| c.x1 >= edge - 2.0 * em).count();
        if full * 5 < lefts.len() * 2 {
            return None;
        }
        let right_edge = rights.iter().map(|c| c.x0).fold(f32::MAX, f32::min);
        if right_edge - edge < em {
            return None;
        }
        Some((edge + right_edge) / 2.0)
    }

    /// Typical left and right edges per column: the 10th percentile of line starts and the
    /// 90th percentile of line ends (robust to a centred heading or a short last line).
    fn margins(lines: &[Line]) -> [(f32, f32); 3] {
        let mut out = [(0.0, 0.0); 3];
        for (col, slot) in out.iter_mut().enumerate() {
            let sel: Vec<&Line> = lines.iter().filter(|l| l.col as usize == col && l.group == 0 && l.kind == LineKind::Text).collect();
            let mut xs: Vec<f32> = sel.iter().map(|l| l.x0).collect();
            let mut xe: Vec<f32> = sel.iter().map(|l| l.x1).collect();
            *slot = (quantile(&mut xs, 0.1).unwrap_or(0.0), quantile(&mut xe, 0.9).unwrap_or(0.0));
        }
        out
    }

    /// True when at least a fifth of the text lines start with a 1.5–2.5 em first-line indent
    /// and the line before each of them ends at the right margin or with 。/：(a paragraph end).
    fn indent_style(lines: &[Line], margins: &[(f32, f32); 3]) -> bool {
        let text: Vec<&Line> = lines.iter().filter(|l| l.kind == LineKind::Text && l.group == 0).collect();
        if text.len() < 5 {
            return false;
        }
        let indented = text
            .iter()
            .filter(|l| {
                let (left, _) = margins[l.col as usize];
                let d = (l.x0 - left) / l.size.max(1.0);
                (1.5..=2.6).contains(&d)
            })
            .count();
        indented * 5 >= text.len()
    }

    /// True when at least a sixth of the gaps between consecutive text lines are paragraph gaps
    /// (LibreOffice and Word styles with "space after").
    fn spacing_style(lines: &[Line], pitch: f32) -> bool {
        if pitch <= 0.0 {
            return false;
        }
        let gaps: Vec<f32> = lines
            .windows(2)
            .filter(|w| w[0].col == w[1].col && w[0].kind == LineKind::Text && w[1].kind == LineKind::Text)
            .map(|w| w[0].y_last - w[1].y)
            .filter(|&d| d > 0.0)
            .collect();
        let wide = gaps.iter().zip(lines.iter()).filter(|(g, l)| **g > pitch + 0.3 * l.size.max(1.0)).count();
        gaps.len() >= 5 && wide * 6 >= gaps.len()
    }

    /// The typical distance between consecutive baselines of text lines (25th percentile, so that
    /// paragraph spacing does not count as line spacing).
    fn line_pitch(lines: &[Line]) -> f32 {
        let mut d: Vec<f32> = lines
            .windows(2)
            .filter(|w| w[0].col == w[1].col && w[0].kind == LineKind::Text && w[1].kind == LineKind::Text)
            .map(|w| w[0].y_last - w[1].y)
            .filter(|&d| d > 0.0 && d < 3.0 * lines[0].size.max(1.0) * 2.0)
            .collect();
        quantile(&mut d, 0.25).unwrap_or(0.0)
    }
}

/// Running headers and footers.
mod furniture {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use regex::Regex;

    use super::layout::PageLines;

    /// How many lines at the top and at the bottom of a page are header/footer candidates.
    const EDGE_LINES: usize = 2;
    /// Header/footer zone: this share of the page height at the top and at the bottom.
    const ZONE: f32 = 0.12;

    fn page_number_re() -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        RE.get_or_init(|| {
            Regex::new(concat!(
                r"^(?:",
                r"第\s*[0-9一二三四五六七八九十百]+\s*页\s*[,，/]?\s*(?:共\s*[0-9一二三四五六七八九十百]+\s*页)?",
                r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页",
                r"|[-—–－]\s*\d+\s*[-—–－]",
                r"|\d+\s*/\s*\d+",
                r"|\d{1,4}",
                r"|(?i:page)\s*\d+(?:\s*(?i:of)\s*\d+)?",
                r")$"
            ))
            .expect("static regex")
        })
    }

    /// The repetition key of a line: whitespace removed, digit runs collapsed.
    fn key(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut in_digits = false;
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push('#');
                }
                in_digits = true;
            } else {
                out.push(c);
                in_digits = false;
            }
        }
        out
    }

    /// Indices of a page's header/footer candidates: the first and last lines of the main
    /// direction group that lie in the top or bottom zone.
    fn candidates(page: &PageLines) -> Vec<usize> {
        let main: Vec<usize> = (0..page.lines.len()).filter(|&i| page.lines[i].group == 0).collect();
        let height = (page.top - page.bottom).max(1.0);
        let by_y = {
            let mut v = main.clone();
            v.sort_by(|&a, &b| page.lines[b].y.total_cmp(&page.lines[a].y));
            v
        };
        let mut out = Vec::new();
        for &i in by_y.iter().take(EDGE_LINES) {
            if page.lines[i].y >= page.top - ZONE * height {
                out.push(i);
            }
        }
        for &i in by_y.iter().rev().take(EDGE_LINES) {
            if page.lines[i].y <= page.bottom + ZONE * height && !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// Drops page-number lines and lines repeated in the header/footer zone of most pages.
    pub fn strip_headers_and_footers(pages: &mut [PageLines]) {
        let cands: Vec<Vec<usize>> = pages.iter().map(candidates).collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (page, idx) in pages.iter().zip(&cands) {
            let mut keys: Vec<String> = idx.iter().map(|&i| key(&page.lines[i].text)).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                *seen.entry(k).or_default() += 1;
            }
        }
        let with_text = pages.iter().filter(|p| !p.lines.is_empty()).count();
        let needed = (with_text.div_ceil(2)).max(2);
        for (page, idx) in pages.iter_mut().zip(cands) {
            let mut drop: Vec<usize> = idx
                .into_iter()
                .filter(|&i| {
                    let text = page.lines[i].text.trim();
                    let k = key(text);
                    page_number_re().is_match(text) || (with_text >= 2 && seen.get(&k).copied().unwrap_or(0) >= needed && !k.is_empty())
                })
                .collect();
            drop.sort_unstable();
            for i in drop.into_iter().rev() {
                page.lines.remove(i);
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn page_number_patterns() {
            for s in ["第 3 页 共 30 页", "第3页共30页", "- 3 -", "— 12 —", "3/30", "3 / 30", "7", "Page 2 of 9", "共 30 页 第 3 页"] {
                assert!(page_number_re().is_match(s), "{s}");
            }
            for s in ["第三章 评标办法", "3.1 投标人", "30分"] {
                assert!(!page_number_re().is_match(s), "{s}");
            }
        }

        #[test]
        fn keys_ignore_numbers_and_spaces() {
            assert_eq!(key("某项目  第 3 页"), key("某项目 第 12 页"));
        }
    }
}

/// Rejoining hard-wrapped lines into paragraphs; table rows.
pub(crate) mod blocks {
    use std::sync::OnceLock;

    use regex::Regex;

    use super::geom::is_cjk;
    use super::layout::{Line, LineKind, PageLines};
    use crate::core::document::{Block, BlockKind};

    /// A line ending this far (in ems) before the column's right edge ends its paragraph.
    const SHORT_LINE_EM: f32 = 2.0;
    /// Extra baseline distance (in ems) over the normal pitch that starts a new paragraph.
    const PARA_GAP_EM: f32 = 0.35;
    /// Indentation (in ems) that counts as a first-line indent.
    const INDENT_EM: f32 = 0.9;

    fn marker_re() -> &'static Regex {
        static RE: OnceLock<Regex> = OnceLock::new();
        RE.get_or_init(|| {
            Regex::new(concat!(
                r"^(?:",
                r"第[一二三四五六七八九十百零〇两\d]+[章节条部分篇卷]",
                r"|[一二三四五六七八九十]{1,3}\s*[、.．]",
                r"|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]",
                r"|\d{1,3}(?:[.．]\d{1,3}){1,4}(?:\s|[、.．]|$)",
                r"|\d{1,3}\s*[、.．](?:[^\d]|$)",
                r"|\d{1,3}\s*[)）]",
                r"|[①-⑳⑴-⒇⒈-⒛㈠-㈩]",
                r"|[★▲■●◆△☆※◇□►•]",
                r"|[A-Za-z]\s*[.、)）]\s",
                r"|附[件表录]\s*[\d一二三四五六七八九十:：]",
                r"|注\s*[:：]",
                r")"
            ))
            .expect("static regex")
        })
    }

    /// True when the line starts with a heading or list marker (第X章, 一、, （一）, 1.1, ①, ★ …).
    pub fn starts_with_marker(text: &str) -> bool {
        marker_re().is_match(text.trim_start())
    }

    fn ends_sentence(text: &str) -> bool {
        matches!(text.trim_end().chars().last(), Some('。' | '；' | '：' | '！' | '？' | ';' | ':' | '!' | '?'))
    }

    /// Appends a wrapped continuation: no space between CJK characters, one space between two
    /// ASCII words, nothing after a hyphen.
    pub fn join_wrapped(text: &mut String, more: &str) {
        let more = more.trim();
        let (Some(a), Some(b)) = (text.trim_end().chars().last(), more.chars().next()) else {
            text.push_str(more);
            return;
        };
        let trimmed_len = text.trim_end().len();
        text.truncate(trimmed_len);
        if !is_cjk(a) && !is_cjk(b) && a.is_alphanumeric() && b.is_alphanumeric() {
            text.push(' ');
        }
        text.push_str(more);
    }

    struct Open {
        text: String,
        page: u32,
        /// Lines so far and whether the first began with a marker (hanging indents).
        lines: usize,
        marker: bool,
        last: Line,
    }

    /// The state of the block builder while it walks the document's lines.
    #[derive(Default)]
    struct Builder {
        blocks: Vec<Block>,
        open: Option<Open>,
        /// Geometry of the last unruled table row, while it is the last block (wrapped cells).
        gap_row: Option<Line>,
        /// The first row of the table being emitted (to drop its repetition on later pages).
        header: Option<Vec<String>>,
        /// Page of the last line seen, and whether the next row is the first thing on its page.
        last_page: u32,
        at_page_top: bool,
    }

    /// Builds the document's blocks from laid-out pages.
    pub fn build_blocks(pages: &[PageLines]) -> Vec<Block> {
        let mut b = Builder::default();
        let mut prev_page: Option<&PageLines> = None;
        for page in pages {
            for line in &page.lines {
                b.push_line(line, page, prev_page.unwrap_or(page));
            }
            prev_page = Some(page);
        }
        b.close();
        b.blocks
    }

    impl Builder {
        fn push_line(&mut self, line: &Line, page: &PageLines, prev_page: &PageLines) {
            self.at_page_top = line.page != self.last_page;
            self.last_page = line.page;
            match line.kind {
                LineKind::RuledRow => {
                    self.close();
                    self.push_row(line, false);
                }
                LineKind::GapRow => {
                    self.close();
                    if !self.continue_gap_row(line) {
                        self.push_row(line, true);
                    }
                }
                LineKind::Text => {
                    if let Some(o) = &mut self.open {
                        if continues(o, line, page, prev_page) {
                            join_wrapped(&mut o.text, &line.text);
                            o.lines += 1;
                            o.last = line.clone();
                            return;
                        }
                    }
                    self.close();
                    // A single-run line right below an unruled table row, starting under one of
                    // its later cells, is that cell wrapping.
                    if self.continue_gap_row(line) {
                        return;
                    }
                    self.gap_row = None;
                    self.open = Some(Open {
                        text: line.text.clone(),
                        page: line.page,
                        lines: 1,
                        marker: starts_with_marker(&line.text),
                        last: line.clone(),
                    });
                }
            }
        }

        fn push_row(&mut self, line: &Line, unruled: bool) {
            let cells: Vec<String> = line.cells.iter().map(|c| c.text.clone()).collect();
            self.gap_row = unruled.then(|| line.clone());
            let prev_row = match self.blocks.last_mut() {
                Some(Block { kind: BlockKind::TableRow { cells: prev }, page, text }) if *page < line.page || !self.at_page_top => {
                    Some((prev, text, *page < line.page))
                }
                _ => None,
            };
            match prev_row {
                Some((prev, text, true)) if self.at_page_top && prev.len() == cells.len() => {
                    // The table goes on from the previous page. Its header row repeated at the
                    // top of this page is dropped; a first row with an empty first cell is the
                    // rest of a row the page break cut in two.
                    if self.header.as_ref() == Some(&cells) {
                        self.last_page = 0; // the next row is still "at the top"
                        return;
                    }
                    if cells[0].trim().is_empty() && cells.iter().any(|c| !c.trim().is_empty()) {
                        for (slot, add) in prev.iter_mut().zip(&cells) {
                            join_wrapped(slot, add);
                        }
                        *text = prev.join(" | ");
                        return;
                    }
                }
                Some(_) => {}
                None => self.header = Some(cells.clone()),
            }
            self.blocks.push(Block::table_row(cells, line.page));
        }

        fn close(&mut self) {
            if let Some(o) = self.open.take() {
                let text = o.text.trim();
                if !text.is_empty() {
                    self.blocks.push(Block::paragraph(text, o.page));
                }
            }
        }

        /// Merges a line into the previous unruled table row when it only has text under the
        /// row's later columns (a wrapped cell) and follows at normal line spacing.
        fn continue_gap_row(&mut self, line: &Line) -> bool {
            let Some(anchor) = &mut self.gap_row else { return false };
            let Some(last) = self.blocks.last_mut() else { return false };
            let BlockKind::TableRow { cells } = &mut last.kind else { return false };
            if anchor.page != line.page || anchor.col != line.col || anchor.cells.len() != cells.len() || cells.len() < 2 {
                return false;
            }
            let em = anchor.size.max(1.0);
            let gap = anchor.y_last - line.y;
            if gap <= 0.0 || gap > 2.0 * em {
                return false;
            }
            // Every run must start under a later column, never under the first cell.
            let starts: Vec<f32> = anchor.cells.iter().map(|c| c.x0).collect();
            if line.cells.iter().any(|c| c.x0 < starts[1] - 0.5 * em) {
                return false;
            }
            for c in &line.cells {
                let slot = starts.iter().rposition(|&s| s <= c.x0 + 0.5 * em).unwrap_or(0);
                if let Some(cell) = cells.get_mut(slot) {
                    join_wrapped(cell, &c.text);
                }
            }
            last.text = cells.join(" | ");
            anchor.y_last = line.y;
            true
        }
    }

    /// Estimated width in ems of the unbreakable run a line starts with: ASCII (about 0.6 em a
    /// character) and full-width punctuation that may not end a line, up to the first ideograph.
    fn leading_word_ems(text: &str) -> f32 {
        text.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(*c as u32, 0x3400..=0x9FFF))
            .take(40)
            .map(|c| if is_cjk(c) { 1.0 } else { 0.6 })
            .sum()
    }

    /// Does `line` continue the open paragraph?
    fn continues(o: &Open, line: &Line, page: &PageLines, prev_page: &PageLines) -> bool {
        let p = &o.last;
        let em = p.size.max(1.0);
        if starts_with_marker(&line.text) || line.group != p.group {
            return false;
        }
        let (left, _) = page.margins[line.col as usize];
        // On pages whose paragraphs are marked by a first-line indent or by spacing, that mark is
        // the paragraph signal; a full line that happens to end with 。 is not (the indent and
        // gap checks below still apply).
        let unindented_next = line.x0 < left + INDENT_EM * line.size.max(1.0);
        if ends_sentence(&p.text) && !(page.para_signal && unindented_next && p.page == line.page && p.col == line.col) {
            return false;
        }
        if (line.size - p.size).abs() > 0.15 * em {
            return false;
        }
        let p_page = if p.page == page.page { page } else { prev_page };
        let (p_left, p_right) = p_page.margins[p.col as usize];
        // A line wraps early when the next word does not fit: allow the width of the next line's
        // leading ASCII word (about 0.6 em a character), so "下午14:30至 / 17:30" still joins.
        let slack = SHORT_LINE_EM.max(leading_word_ems(&line.text) + 1.0) * em;
        // A centred line (a wrapped title) is full when it is as wide as the column.
        let full = p.x1 >= p_right - slack || p.x1 - p.x0 >= (p_right - p_left) - slack;
        if !full {
            return false;
        }
        let same_flow = p.page == line.page && p.col == line.col;
        if same_flow {
            let gap = p.y_last - line.y;
            let pitch = if page.line_pitch > 0.0 { page.line_pitch } else { 1.5 * em };
            if gap <= 0.0 || gap > pitch + PARA_GAP_EM * em || gap > 3.0 * em {
                return false;
            }
            // A first-line indent starts a paragraph; a hanging indent after a marker does not.
            let hanging = o.lines == 1 && o.marker;
            if line.x0 > p.x0 + INDENT_EM * em && !hanging {
                return false;
            }
        } else if line.x0 > left + INDENT_EM * em || p.x0 > p_left + 8.0 * em {
            // Across a column or page break only an unindented full continuation joins.
            return false;
        }
        true
    }
}


#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::core::document::{Block, BlockKind};

    fn fixtures() -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
    }

    fn bytes(name: &str) -> Vec<u8> {
        std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }

    fn run(name: &str) -> Result<Extracted, IngestError> {
        let limits = Limits::default();
        extract(&bytes(name), &limits, &Deadline::after(limits.time_limit))
    }

    fn ok(name: &str) -> Extracted {
        run(name).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    /// Whitespace removed; table rows compared without their " | " separators.
    fn squash(s: &str) -> String {
        s.lines()
            .map(|l| l.trim_end().trim_end_matches(" |").replace(" | ", ""))
            .collect::<String>()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    }

    fn similarity(a: &str, b: &str) -> f64 {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut diag = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = (diag + usize::from(ca != cb)).min(up + 1).min(row[j] + 1);
                diag = up;
            }
        }
        1.0 - row[b.len()] as f64 / a.len().max(b.len()).max(1) as f64
    }

    fn expected_lines(name: &str) -> Vec<String> {
        let txt = std::fs::read_to_string(fixtures().join(name.replace(".pdf", ".txt"))).expect("expected text");
        txt.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect()
    }

    fn text_of(ex: &Extracted) -> String {
        ex.blocks.iter().map(|b| b.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    /// Similarity ≥ 0.99 and, stronger, one block per expected line with the same text.
    fn assert_matches_reference(name: &str) -> Extracted {
        let ex = ok(name);
        let expected = expected_lines(name);
        let sim = similarity(&squash(&text_of(&ex)), &squash(&expected.join("\n")));
        assert!(sim >= 0.99, "{name}: similarity {sim:.4}\n{}", text_of(&ex));
        let got: Vec<String> = ex.blocks.iter().map(|b| squash(&b.text)).collect();
        let want: Vec<String> = expected.iter().map(|l| squash(l)).collect();
        assert_eq!(got, want, "{name}: blocks differ from the reference lines");
        ex
    }

    fn find<'a>(ex: &'a Extracted, needle: &str) -> (usize, &'a Block) {
        ex.blocks
            .iter()
            .enumerate()
            .find(|(_, b)| b.text.contains(needle))
            .unwrap_or_else(|| panic!("no block contains {needle:?}:\n{}", text_of(ex)))
    }

    #[test]
    fn tender_small_libreoffice() {
        let ex = assert_matches_reference("tender_small.pdf");
        assert_eq!((ex.format, ex.pages), (Format::Pdf, 2));
        // Running header and the "第 N 页 共 M 页" footer are gone.
        assert!(ex.blocks.iter().all(|b| b.text != "青岚市第二中学多媒体教室设备采购项目"));
        assert!(ex.blocks.iter().all(|b| !b.text.contains("共2页") && !b.text.contains("共 2 页")));
        // Pages of specific phrases.
        assert_eq!(find(&ex, "第一章 招标公告").1.page, 1);
        assert_eq!(find(&ex, "评分项目").1.page, 1);
        assert_eq!(find(&ex, "交互式智能平板屏幕尺寸").1.page, 2);
        assert_eq!(find(&ex, "（三）质保期").1.page, 2);
        // A hard-wrapped paragraph is one block, with no space inserted between CJK characters.
        let (_, para) = find(&ex, "1.3 本项目的特定资格要求");
        assert!(para.text.contains("不作为资格条件，外地供应商无需在本市设立分支机构。"), "{}", para.text);
        // The scoring table: rows with three cells, wrapped cells merged into one cell.
        let (_, row) = find(&ex, "技术参数 |");
        match &row.kind {
            BlockKind::TableRow { cells } => {
                assert_eq!(cells.len(), 3);
                assert_eq!(cells[1], "40分");
                assert!(cells[2].ends_with("扣完为止。") && cells[2].starts_with("完全满足"), "{cells:?}");
            }
            other => panic!("not a table row: {other:?}"),
        }
    }

    #[test]
    fn two_column_reads_left_column_first() {
        let ex = assert_matches_reference("two_column.pdf");
        let (title, _) = find(&ex, "云岫县人民医院医用耗材配送服务采购项目");
        let (left_last, _) = find(&ex, "（六）本项目不接受联合体投标");
        let (right_first, _) = find(&ex, "二、评分标准");
        let (right_last, _) = find(&ex, "5. 类似业绩");
        assert!(title < left_last && left_last < right_first && right_first < right_last);
        // A paragraph wrapped inside the narrow column is rejoined.
        assert_eq!(find(&ex, "（一）投标人").1.text, "（一）投标人应具有独立承担民事责任的能力，提供营业执照或事业单位法人证书复印件。");
    }

    #[test]
    fn landscape_pages_with_identity_h_and_ruled_table() {
        let ex = assert_matches_reference("landscape_table.pdf");
        // Page 1 is /Rotate 90, page 2 a rotated CTM only; both read top to bottom.
        assert_eq!(find(&ex, "评分标准（一）").1.page, 1);
        assert_eq!(find(&ex, "评分标准（二）").1.page, 2);
        let rows: Vec<&Vec<String>> = ex
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::TableRow { cells } => Some(cells),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), 8);
        assert!(rows.iter().all(|r| r.len() == 3));
        assert_eq!(rows[0], &vec!["评分项目".to_string(), "分值".into(), "评分标准".into()]);
        assert!(rows[1][2].ends_with("×30。"), "wrapped cell merged: {:?}", rows[1]);
    }

    #[test]
    fn nonembedded_ucs2_font_with_first_line_indents() {
        let ex = assert_matches_reference("nonembedded_font.pdf");
        assert!(ex.blocks.iter().all(|b| !b.text.contains("临溪县城乡供水一体化工程监理服务采购项目") || b.text.len() > 80));
        assert!(ex.blocks.iter().all(|b| b.text != "- 1 -" && b.text != "- 2 -"));
        assert_eq!(find(&ex, "4.3 评标委员会").1.page, 2);
        // "1.2 … 编制投标文件。" fills its line: the indent, not the 。, decides the paragraph.
        assert!(find(&ex, "1.2 投标人").1.text.ends_with("其投标无效。"));
    }

    #[test]
    fn gbk_and_utf8_cmaps_without_tounicode() {
        let ex = assert_matches_reference("gbk_euc.pdf");
        assert!(find(&ex, "CT机维保").1.text.contains("（项目编号LX-2025-017）"));
    }

    #[test]
    fn refusals() {
        assert!(matches!(run("encrypted.pdf"), Err(IngestError::Encrypted)));
        assert!(matches!(run("scanned.pdf"), Err(IngestError::NeedsOcr { pages: 1 })));
        assert!(matches!(run("truncated.pdf"), Err(IngestError::Malformed { format: "PDF", .. })));
        let limits = Limits::default();
        let deadline = Deadline::after(limits.time_limit);
        for junk in [&b""[..], b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", b"not a pdf at all"] {
            assert!(matches!(extract(junk, &limits, &deadline), Err(IngestError::Malformed { .. })), "{junk:?}");
        }
    }

    #[test]
    fn page_and_time_limits() {
        let limits = Limits { max_pages: 1, ..Limits::default() };
        let r = extract(&bytes("nonembedded_font.pdf"), &limits, &Deadline::after(limits.time_limit));
        assert!(matches!(r, Err(IngestError::TooManyPages { pages: 2, limit: 1 })));
        let expired = Deadline::after(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        let r = extract(&bytes("nonembedded_font.pdf"), &Limits::default(), &expired);
        assert!(matches!(r, Err(IngestError::Timeout { .. })));
    }

    /// Damaged copies of a real fixture must give a result or a refusal, never a panic.
    #[test]
    fn corrupted_input_never_panics() {
        let original = bytes("nonembedded_font.pdf");
        let limits = Limits::default();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..60 {
            let mut data = original.clone();
            for _ in 0..(1 + round % 8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % data.len() as u64) as usize;
                data[at] = (seed >> 32) as u8;
            }
            if round % 5 == 0 {
                data.truncate((seed % data.len() as u64) as usize);
            }
            let _ = extract(&data, &limits, &Deadline::after(limits.time_limit));
        }
    }

    #[test]
    fn markers_and_joining() {
        for s in ["第一章 招标公告", "第3条 保证金", "一、总则", "（一）采购内容", "(2) 参数", "1. 满足", "1.1 本项目", "1.2.3 技术", "① 响应", "★1. 屏幕", "▲处理器", "附件1 格式"] {
            assert!(blocks::starts_with_marker(s), "{s}");
        }
        for s in ["45.6万元", "2024年11月", "（北京时间）", "30分", "17:30（北京时间）", "0.124mg/m³的得15分"] {
            assert!(!blocks::starts_with_marker(s), "{s}");
        }
        let mut t = String::from("采购需求：彩色多普勒超声诊断系统2台，含安装");
        blocks::join_wrapped(&mut t, "调试、培训及售后服务");
        assert_eq!(t, "采购需求：彩色多普勒超声诊断系统2台，含安装调试、培训及售后服务");
        let mut t = String::from("supports Windows");
        blocks::join_wrapped(&mut t, "and Linux");
        assert_eq!(t, "supports Windows and Linux");
        let mut t = String::from("电话：0571-");
        blocks::join_wrapped(&mut t, "8812××××");
        assert_eq!(t, "电话：0571-8812××××");
    }
}
