//! DOCX extraction with `zip` + `quick-xml`.
//!
//! Only three parts are read: `word/styles.xml` (heading levels and style-linked numbering),
//! `word/numbering.xml` (list labels such as 第一章 / 一、 / （一） / 1.1, which are *not* in the
//! text runs) and `word/document.xml` (the body). Headers, footers, footnotes and comments live
//! in other parts and are never opened, which is how running headers stay out of the blocks.
//!
//! Every part is streamed through a byte-counting, `take`-limited reader, so a zip bomb is
//! refused after at most `max_unzipped_bytes` of inflation whatever the declared sizes say, and
//! memory stays at one XML event buffer plus the blocks.
//!
//! Pages: DOCX stores no pagination. `Block::page` is an approximation that counts explicit
//! page breaks (`w:br w:type="page"`, `w:pageBreakBefore`) and Word's `w:lastRenderedPageBreak`
//! markers (written by Word when it last laid the document out); documents written by other
//! tools often carry neither, so most of their blocks report page 1.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use zip::ZipArchive;

use crate::core::document::{Block, BlockKind, Extracted, Format};
use crate::core::ingest::{Deadline, IngestError, Limits};

const FORMAT: &str = "DOCX";
const DOCUMENT_PART: &str = "word/document.xml";
const STYLES_PART: &str = "word/styles.xml";
const NUMBERING_PART: &str = "word/numbering.xml";
/// The deadline is checked once per this many XML events (a few microseconds of work).
const EVENTS_PER_DEADLINE_CHECK: u32 = 1000;
/// document.xml is refused up front when it declares more than this many bytes *and*
/// a compression ratio above [`MAX_DECLARED_RATIO`]: real documents compress ~5-20:1.
const RATIO_CHECK_MIN_SIZE: u64 = 10 * 1024 * 1024;
const MAX_DECLARED_RATIO: u64 = 200;
/// Longest run of bytes without a `<` accepted in a part. quick-xml buffers a whole text node,
/// so a bomb made of one giant text node would otherwise cost up to `max_unzipped_bytes` of RAM.
const MAX_BYTES_WITHOUT_MARKUP: u64 = 16 * 1024 * 1024;
/// Guard against `w:basedOn` / `w:numStyleLink` cycles.
const MAX_CHAIN: usize = 16;
/// Word supports list levels 0..=8.
const LEVELS: usize = 9;

/// Extracts paragraphs (with heading levels and rendered list numbers) and table rows from
/// the body of a DOCX file, in document order.
///
/// Refuses with [`IngestError::Malformed`] when the bytes are not a readable zip, have no
/// `word/document.xml` or contain malformed XML, with [`IngestError::ZipBomb`] when the parts
/// inflate beyond `limits.max_unzipped_bytes`, and with [`IngestError::Timeout`] when
/// `deadline` passes.
pub fn extract(bytes: &[u8], limits: &Limits, deadline: &Deadline) -> Result<Extracted, IngestError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not a readable zip archive: {e}")))?;
    if archive.index_for_name(DOCUMENT_PART).is_none() {
        return Err(malformed(format!("no {DOCUMENT_PART} in the archive")));
    }
    check_declared_sizes(&mut archive, limits)?;
    let mut budget = UnzipBudget { limit: limits.max_unzipped_bytes, used: 0 };
    let styles = with_part(&mut archive, STYLES_PART, &mut budget, deadline, parse_styles)?.unwrap_or_default();
    deadline.check()?;
    let numbering =
        with_part(&mut archive, NUMBERING_PART, &mut budget, deadline, parse_numbering)?.unwrap_or_default();
    deadline.check()?;
    let (blocks, pages) = with_part(&mut archive, DOCUMENT_PART, &mut budget, deadline, |src| {
        BodyBuilder::new(&styles, &numbering).run(src)
    })?
    .ok_or_else(|| malformed(format!("no {DOCUMENT_PART} in the archive")))?;
    tracing::debug!(blocks = blocks.len(), pages, unzipped = budget.used, "docx extracted");
    Ok(Extracted { format: Format::Docx, pages, blocks })
}

fn malformed(reason: String) -> IngestError {
    IngestError::Malformed { format: FORMAT, reason }
}

// ---------------------------------------------------------------------------------------------
// Zip access with a decompression budget
// ---------------------------------------------------------------------------------------------

type Archive<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// Decompressed bytes allowed for all parts of one file together.
struct UnzipBudget {
    limit: u64,
    used: u64,
}

/// Cheap early refusal from the central directory. Declared sizes can lie, so this only
/// catches honest bombs quickly; the streaming limit in [`with_part`] is what guarantees safety.
fn check_declared_sizes(archive: &mut Archive<'_>, limits: &Limits) -> Result<(), IngestError> {
    let bomb = IngestError::ZipBomb { limit: limits.max_unzipped_bytes };
    let mut declared_total: u64 = 0;
    for name in [STYLES_PART, NUMBERING_PART, DOCUMENT_PART] {
        let Some(index) = archive.index_for_name(name) else { continue };
        let file = archive.by_index_raw(index).map_err(|e| malformed(format!("{name}: {e}")))?;
        let (size, compressed) = (file.size(), file.compressed_size());
        if name == DOCUMENT_PART && size > RATIO_CHECK_MIN_SIZE && size / compressed.max(1) > MAX_DECLARED_RATIO {
            return Err(bomb);
        }
        declared_total = declared_total.saturating_add(size);
    }
    if declared_total > limits.max_unzipped_bytes {
        return Err(bomb);
    }
    Ok(())
}

/// Opens `name` (if present) as a bounded XML event source and hands it to `parse`.
/// The bytes inflated are charged to `budget` whether parsing succeeds or not.
fn with_part<T>(
    archive: &mut Archive<'_>,
    name: &'static str,
    budget: &mut UnzipBudget,
    deadline: &Deadline,
    parse: impl FnOnce(&mut XmlSource<'_>) -> Result<T, IngestError>,
) -> Result<Option<T>, IngestError> {
    let Some(index) = archive.index_for_name(name) else { return Ok(None) };
    let file = archive.by_index(index).map_err(|e| malformed(format!("{name}: {e}")))?;
    let allowance = budget.limit.saturating_sub(budget.used);
    let mut src = XmlSource::new(Box::new(file), name, allowance, budget.limit, deadline);
    let result = parse(&mut src);
    budget.used = budget.used.saturating_add(src.consumed());
    result.map(Some)
}

/// A reader that counts the bytes it delivers and the longest stretch without a `<`.
struct Counted<R> {
    inner: R,
    count: u64,
    since_markup: u64,
    longest_without_markup: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.count += n as u64;
        let first = chunk.iter().position(|&b| b == b'<');
        let last = chunk.iter().rposition(|&b| b == b'<');
        match (first, last) {
            (Some(first), Some(last)) => {
                self.longest_without_markup = self.longest_without_markup.max(self.since_markup + first as u64);
                self.since_markup = (n - last - 1) as u64;
            }
            _ => self.since_markup += n as u64,
        }
        self.longest_without_markup = self.longest_without_markup.max(self.since_markup);
        Ok(n)
    }
}

/// The inflating reader of one zip entry.
type PartReader<'a> = Box<dyn Read + 'a>;

/// One zip part as a stream of XML events, with the decompression limit and the deadline
/// enforced on every event.
struct XmlSource<'a> {
    reader: Reader<BufReader<Counted<std::io::Take<PartReader<'a>>>>>,
    buf: Vec<u8>,
    part: &'static str,
    /// Bytes this part may inflate to (what is left of the file's budget).
    allowance: u64,
    /// The configured limit, reported in the refusal.
    limit: u64,
    deadline: &'a Deadline,
    events: u32,
}

impl<'a> XmlSource<'a> {
    fn new(file: PartReader<'a>, part: &'static str, allowance: u64, limit: u64, deadline: &'a Deadline) -> Self {
        // One byte over the allowance is enough to know it was exceeded.
        let limited = file.take(allowance.saturating_add(1));
        let counted = Counted { inner: limited, count: 0, since_markup: 0, longest_without_markup: 0 };
        XmlSource {
            reader: Reader::from_reader(BufReader::new(counted)),
            buf: Vec::new(),
            part,
            allowance,
            limit,
            deadline,
            events: 0,
        }
    }

    fn consumed(&self) -> u64 {
        self.reader.get_ref().get_ref().count
    }

    /// The next event. The limit is checked before the parse result so that a part cut short
    /// by the limit reports `ZipBomb`, not the XML error the truncation causes.
    fn next(&mut self) -> Result<Event<'_>, IngestError> {
        self.events = self.events.wrapping_add(1);
        if self.events.is_multiple_of(EVENTS_PER_DEADLINE_CHECK) {
            self.deadline.check()?;
        }
        self.buf.clear();
        let result = self.reader.read_event_into(&mut self.buf);
        let counted = self.reader.get_ref().get_ref();
        if counted.count > self.allowance || counted.longest_without_markup > MAX_BYTES_WITHOUT_MARKUP {
            return Err(IngestError::ZipBomb { limit: self.limit });
        }
        let part = self.part;
        result.map_err(|e| malformed(format!("{part}: {e}")))
    }
}

// ---------------------------------------------------------------------------------------------
// Small XML helpers
// ---------------------------------------------------------------------------------------------

/// The value of attribute `key` (qualified, e.g. "w:val"), unescaped.
fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.normalized_value(XmlVersion::Implicit1_0).map(|v| v.into_owned()).unwrap_or_else(|_| a.value.to_string()))
}

fn attr_u32(e: &BytesStart<'_>, key: &str) -> Option<u32> {
    attr(e, key).and_then(|v| v.trim().parse().ok())
}

/// OOXML on/off properties: present means on unless `w:val` is false/0/off.
fn attr_on(e: &BytesStart<'_>) -> bool {
    !matches!(attr(e, "w:val").as_deref(), Some("false" | "0" | "off"))
}

/// The stack of open element local names, used to check where an element sits
/// (e.g. `pStyle` directly in a paragraph's `pPr`, not in a `pPrChange`).
#[derive(Default)]
struct ElementPath(Vec<String>);

impl ElementPath {
    fn push(&mut self, name: &str) {
        self.0.push(name.to_owned());
    }
    fn pop(&mut self) {
        self.0.pop();
    }
    /// True when the innermost open elements are `suffix` (outermost first).
    fn ends_with(&self, suffix: &[&str]) -> bool {
        self.0.len() >= suffix.len() && self.0[self.0.len() - suffix.len()..].iter().zip(suffix).all(|(a, b)| a.as_str() == *b)
    }
    fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Resolves `&amp;`-style and `&#x..;` references that quick-xml reports as separate events.
fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// styles.xml
// ---------------------------------------------------------------------------------------------

/// A list reference from a `w:numPr`; either half may be missing and is then inherited.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct NumRef {
    num_id: Option<u32>,
    ilvl: Option<u8>,
}

#[derive(Debug, Default)]
struct StyleDef {
    name: Option<String>,
    based_on: Option<String>,
    outline: Option<u8>,
    num: NumRef,
}

/// Paragraph and numbering styles by style id. Style ids are only keys: Chinese Word/WPS
/// write localized or numeric ids ("1", "a3"), so meaning comes from `w:name`/`w:outlineLvl`.
#[derive(Debug, Default)]
struct Styles {
    by_id: HashMap<String, StyleDef>,
    default_paragraph: Option<String>,
}

impl Styles {
    /// The style chain starting at `id` (or the default paragraph style), following `w:basedOn`.
    fn chain<'s>(&'s self, id: Option<&'s str>) -> impl Iterator<Item = (&'s str, &'s StyleDef)> + 's {
        let mut next = id.or(self.default_paragraph.as_deref());
        std::iter::from_fn(move || {
            let key = next?;
            let def = self.by_id.get(key)?;
            next = def.based_on.as_deref();
            Some((key, def))
        })
        .take(MAX_CHAIN)
    }

    /// Heading level (1 = top) of a paragraph style: the nearest style in the chain whose
    /// name is a built-in heading or that sets an outline level decides.
    fn heading_level(&self, id: Option<&str>) -> Option<u8> {
        for (_, def) in self.chain(id) {
            if let Some(level) = def.name.as_deref().and_then(heading_level_from_name) {
                return Some(level);
            }
            if let Some(outline) = def.outline {
                return outline_to_level(outline);
            }
        }
        None
    }

    /// The numbering a paragraph style carries, with the id of the style that set it.
    fn numbering<'a>(&'a self, id: Option<&'a str>) -> Option<(&'a str, NumRef)> {
        self.chain(id).find(|(_, def)| def.num.num_id.is_some()).map(|(key, def)| (key, def.num))
    }
}

/// "heading 1".."heading 9" (Word's built-in English names, also used by Chinese Word),
/// WPS's localized "标题 1", and "Title" (mapped to level 1, the top).
fn heading_level_from_name(name: &str) -> Option<u8> {
    let lower = name.trim().to_ascii_lowercase();
    if lower == "title" {
        return Some(1);
    }
    let rest = lower.strip_prefix("heading").or_else(|| lower.strip_prefix("标题"))?;
    let level: u8 = rest.trim().parse().ok()?;
    (1..=9).contains(&level).then_some(level)
}

/// `w:outlineLvl` 0..=8 are heading levels 1..=9; 9 means body text.
fn outline_to_level(outline: u8) -> Option<u8> {
    (outline < 9).then_some(outline + 1)
}

fn parse_styles(src: &mut XmlSource<'_>) -> Result<Styles, IngestError> {
    let mut styles = Styles::default();
    let mut path = ElementPath::default();
    let mut current: Option<(String, StyleDef)> = None;
    loop {
        match src.next()? {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                on_style_element(&mut styles, &mut current, &path, name.as_ref(), &e);
                path.push(name.as_ref());
            }
            Event::Empty(e) => {
                let name = e.local_name();
                on_style_element(&mut styles, &mut current, &path, name.as_ref(), &e);
                if name.as_ref() == "style" {
                    store_style(&mut styles, &mut current);
                }
            }
            Event::End(_) => {
                path.pop();
                if !path.contains("style") {
                    store_style(&mut styles, &mut current);
                }
            }
            _ => {}
        }
    }
    Ok(styles)
}

fn store_style(styles: &mut Styles, current: &mut Option<(String, StyleDef)>) {
    if let Some((id, def)) = current.take() {
        styles.by_id.insert(id, def);
    }
}

/// Records one element of styles.xml into the style being read.
fn on_style_element(
    styles: &mut Styles,
    current: &mut Option<(String, StyleDef)>,
    path: &ElementPath,
    name: &str,
    e: &BytesStart<'_>,
) {
    if name == "style" {
        let kind = attr(e, "w:type");
        // Paragraph styles carry headings; numbering styles are targets of w:numStyleLink.
        if matches!(kind.as_deref(), Some("paragraph" | "numbering") | None) {
            if let Some(id) = attr(e, "w:styleId") {
                if kind.as_deref() != Some("numbering") && attr(e, "w:default").is_some_and(|v| v == "1" || v == "true") {
                    styles.default_paragraph = Some(id.clone());
                }
                *current = Some((id, StyleDef::default()));
            }
        }
        return;
    }
    let Some((_, def)) = current.as_mut() else { return };
    match name {
        "name" if path.ends_with(&["style"]) => def.name = attr(e, "w:val"),
        "basedOn" if path.ends_with(&["style"]) => def.based_on = attr(e, "w:val"),
        "outlineLvl" if path.ends_with(&["style", "pPr"]) => {
            def.outline = attr_u32(e, "w:val").and_then(|v| u8::try_from(v).ok())
        }
        "numId" if path.ends_with(&["style", "pPr", "numPr"]) => def.num.num_id = attr_u32(e, "w:val"),
        "ilvl" if path.ends_with(&["style", "pPr", "numPr"]) => {
            def.num.ilvl = attr_u32(e, "w:val").and_then(|v| u8::try_from(v).ok())
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// numbering.xml
// ---------------------------------------------------------------------------------------------

/// How a list level renders its counter (`w:numFmt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum NumFmt {
    #[default]
    Decimal,
    DecimalZero,
    DecimalFullWidth,
    ChineseCounting,
    ChineseLegal,
    IdeographTraditional,
    IdeographZodiac,
    IdeographDigital,
    EnclosedCircle,
    EnclosedParen,
    EnclosedFullstop,
    LowerLetter,
    UpperLetter,
    LowerRoman,
    UpperRoman,
    Bullet,
    None,
}

impl NumFmt {
    /// Unknown formats fall back to decimal so the number is at least visible.
    fn parse(value: &str) -> NumFmt {
        match value {
            "decimalZero" => NumFmt::DecimalZero,
            "decimalFullWidth" | "decimalFullWidth2" => NumFmt::DecimalFullWidth,
            // Word renders these three the same way for list-sized numbers (一 … 十 十一 … 一百).
            "chineseCounting" | "chineseCountingThousand" | "japaneseCounting" | "taiwaneseCounting"
            | "taiwaneseCountingThousand" => NumFmt::ChineseCounting,
            "chineseLegalSimplified" | "ideographLegalTraditional" => NumFmt::ChineseLegal,
            "ideographTraditional" => NumFmt::IdeographTraditional,
            "ideographZodiac" => NumFmt::IdeographZodiac,
            "ideographDigital" | "taiwaneseDigital" | "japaneseDigitalTenThousand" => NumFmt::IdeographDigital,
            "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" | "ideographEnclosedCircle" => {
                NumFmt::EnclosedCircle
            }
            "decimalEnclosedParen" => NumFmt::EnclosedParen,
            "decimalEnclosedFullstop" => NumFmt::EnclosedFullstop,
            "lowerLetter" => NumFmt::LowerLetter,
            "upperLetter" => NumFmt::UpperLetter,
            "lowerRoman" => NumFmt::LowerRoman,
            "upperRoman" => NumFmt::UpperRoman,
            "bullet" => NumFmt::Bullet,
            "none" => NumFmt::None,
            _ => NumFmt::Decimal,
        }
    }
}

/// What follows the label (`w:suff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Suffix {
    #[default]
    Tab,
    Space,
    Nothing,
}

/// One `w:lvl`.
#[derive(Debug, Clone)]
struct LevelDef {
    /// `w:start`; the schema default is 0.
    start: u32,
    fmt: NumFmt,
    /// `w:lvlText`, e.g. "第%1章" or "%1.%2".
    text: String,
    suffix: Suffix,
    /// `w:isLgl`: show every level's counter as decimal (1.1 under 第一章).
    legal: bool,
    /// `w:pStyle`: the paragraph style tied to this level.
    style: Option<String>,
}

impl Default for LevelDef {
    fn default() -> Self {
        LevelDef { start: 0, fmt: NumFmt::Decimal, text: String::new(), suffix: Suffix::Tab, legal: false, style: None }
    }
}

#[derive(Debug, Default)]
struct AbstractNum {
    levels: HashMap<u8, LevelDef>,
    /// `w:numStyleLink`: the levels are defined by the list a numbering style points to.
    style_link: Option<String>,
}

#[derive(Debug, Default)]
struct LevelOverride {
    start: Option<u32>,
    level: Option<LevelDef>,
}

#[derive(Debug, Default)]
struct NumDef {
    abstract_id: Option<u32>,
    overrides: HashMap<u8, LevelOverride>,
}

/// The parsed numbering.xml.
#[derive(Debug, Default)]
struct Numbering {
    abstracts: HashMap<u32, AbstractNum>,
    nums: HashMap<u32, NumDef>,
}

impl Numbering {
    /// The abstract definition behind `num_id`, following `w:numStyleLink` through the
    /// numbering style to the list that really defines the levels.
    fn abstract_for(&self, num_id: u32, styles: &Styles) -> Option<&AbstractNum> {
        let mut abs = self.abstracts.get(&self.nums.get(&num_id)?.abstract_id?)?;
        for _ in 0..MAX_CHAIN {
            let Some(link) = abs.style_link.as_deref() else { return Some(abs) };
            let linked_num = styles.by_id.get(link)?.num.num_id?;
            let next = self.abstracts.get(&self.nums.get(&linked_num)?.abstract_id?)?;
            if std::ptr::eq(next, abs) {
                return Some(abs);
            }
            abs = next;
        }
        Some(abs)
    }

    /// The effective definition of level `ilvl` of list `num_id`, overrides applied.
    fn level(&self, num_id: u32, ilvl: u8, styles: &Styles) -> Option<LevelDef> {
        let over = self.nums.get(&num_id).and_then(|n| n.overrides.get(&ilvl));
        let mut level = match over.and_then(|o| o.level.clone()) {
            Some(level) => level,
            None => self.abstract_for(num_id, styles)?.levels.get(&ilvl)?.clone(),
        };
        if let Some(start) = over.and_then(|o| o.start) {
            level.start = start;
        }
        Some(level)
    }

    /// The level whose `w:pStyle` is `style_id`, for styles that name a list but no level.
    fn level_for_style(&self, num_id: u32, style_id: &str, styles: &Styles) -> Option<u8> {
        let abs = self.abstract_for(num_id, styles)?;
        abs.levels.iter().find(|(_, l)| l.style.as_deref() == Some(style_id)).map(|(i, _)| *i)
    }
}

/// Where numbering.xml parsing currently writes.
#[derive(Default)]
struct NumberingCursor {
    abstract_id: Option<u32>,
    num_id: Option<u32>,
    /// (ilvl, definition) of the `w:lvl` being read, in an abstractNum or an override.
    level: Option<(u8, LevelDef)>,
    override_ilvl: Option<u8>,
}

fn parse_numbering(src: &mut XmlSource<'_>) -> Result<Numbering, IngestError> {
    let mut numbering = Numbering::default();
    let mut path = ElementPath::default();
    let mut cur = NumberingCursor::default();
    loop {
        match src.next()? {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                open_numbering_element(&mut numbering, &mut cur, &path, name.as_ref(), &e);
                path.push(name.as_ref());
            }
            Event::Empty(e) => {
                let name = e.local_name();
                open_numbering_element(&mut numbering, &mut cur, &path, name.as_ref(), &e);
                close_numbering_element(&mut numbering, &mut cur, name.as_ref());
            }
            Event::End(e) => {
                path.pop();
                close_numbering_element(&mut numbering, &mut cur, e.local_name().as_ref());
            }
            _ => {}
        }
    }
    Ok(numbering)
}

fn open_numbering_element(
    numbering: &mut Numbering,
    cur: &mut NumberingCursor,
    path: &ElementPath,
    name: &str,
    e: &BytesStart<'_>,
) {
    let val = || attr(e, "w:val");
    let small = |v: Option<u32>| v.and_then(|v| u8::try_from(v).ok());
    match name {
        "abstractNum" => {
            cur.abstract_id = attr_u32(e, "w:abstractNumId");
            if let Some(id) = cur.abstract_id {
                numbering.abstracts.entry(id).or_default();
            }
        }
        "num" if path.ends_with(&["numbering"]) => {
            cur.num_id = attr_u32(e, "w:numId");
            if let Some(id) = cur.num_id {
                numbering.nums.entry(id).or_default();
            }
        }
        "abstractNumId" if path.ends_with(&["num"]) => {
            if let Some(num) = cur.num_id.and_then(|id| numbering.nums.get_mut(&id)) {
                num.abstract_id = attr_u32(e, "w:val");
            }
        }
        "numStyleLink" if path.ends_with(&["abstractNum"]) => {
            if let Some(abs) = cur.abstract_id.and_then(|id| numbering.abstracts.get_mut(&id)) {
                abs.style_link = val();
            }
        }
        "lvlOverride" => cur.override_ilvl = small(attr_u32(e, "w:ilvl")),
        "startOverride" => {
            if let (Some(num), Some(ilvl)) = (cur.num_id.and_then(|id| numbering.nums.get_mut(&id)), cur.override_ilvl) {
                num.overrides.entry(ilvl).or_default().start = attr_u32(e, "w:val");
            }
        }
        "lvl" => cur.level = small(attr_u32(e, "w:ilvl")).map(|i| (i, LevelDef::default())),
        _ => {
            // Level properties; numFmt may sit inside mc:AlternateContent, hence "anywhere in lvl".
            let Some((_, level)) = cur.level.as_mut() else { return };
            match name {
                "start" => level.start = attr_u32(e, "w:val").unwrap_or(0),
                // "custom" formats come with a classic fallback in mc:Fallback, read after it.
                "numFmt" => {
                    if let Some(v) = val().filter(|v| v != "custom") {
                        level.fmt = NumFmt::parse(&v);
                    }
                }
                "lvlText" => level.text = val().unwrap_or_default(),
                "suff" => {
                    level.suffix = match val().as_deref() {
                        Some("space") => Suffix::Space,
                        Some("nothing") => Suffix::Nothing,
                        _ => Suffix::Tab,
                    }
                }
                "isLgl" => level.legal = attr_on(e),
                "pStyle" if path.ends_with(&["lvl"]) => level.style = val(),
                _ => {}
            }
        }
    }
}

fn close_numbering_element(numbering: &mut Numbering, cur: &mut NumberingCursor, name: &str) {
    match name {
        "lvl" => {
            let Some((ilvl, level)) = cur.level.take() else { return };
            if let Some(ov) = cur.override_ilvl {
                if let Some(num) = cur.num_id.and_then(|id| numbering.nums.get_mut(&id)) {
                    num.overrides.entry(ov).or_default().level = Some(level);
                }
            } else if let Some(abs) = cur.abstract_id.and_then(|id| numbering.abstracts.get_mut(&id)) {
                abs.levels.insert(ilvl, level);
            }
        }
        "lvlOverride" => cur.override_ilvl = None,
        "abstractNum" => cur.abstract_id = None,
        "num" => cur.num_id = None,
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// List counters and label rendering
// ---------------------------------------------------------------------------------------------

/// Running counters, one set per `numId` (as the stack notes prescribe; Word additionally lets
/// two numIds of the same abstract list continue each other, which is not modelled).
#[derive(Default)]
struct ListCounters {
    by_num: HashMap<u32, [Option<u32>; LEVELS]>,
}

impl ListCounters {
    /// Advances list `num_id` at level `ilvl` and renders the label with its suffix,
    /// e.g. "第一章 ", "一、", "（一）", "1.1 ". `None` when the level shows nothing.
    fn next_label(&mut self, numbering: &Numbering, styles: &Styles, num_id: u32, ilvl: u8) -> Option<String> {
        let idx = usize::from(ilvl);
        if idx >= LEVELS {
            return None;
        }
        let level = numbering.level(num_id, ilvl, styles)?;
        let counters = self.by_num.entry(num_id).or_insert([None; LEVELS]);
        counters[idx] = Some(counters[idx].map_or(level.start, |c| c.saturating_add(1)));
        // A new item at this level restarts every deeper level.
        counters[idx + 1..].iter_mut().for_each(|c| *c = None);
        let counters = *counters;
        let label = render_level_text(&level, &counters, |i| numbering.level(num_id, i, styles));
        let label = label.trim().to_owned();
        if label.is_empty() {
            return None;
        }
        Some(label_with_suffix(label, level.suffix))
    }
}

/// Replaces %1..%9 in `lvlText` with the counters of those levels in their formats.
fn render_level_text(
    level: &LevelDef,
    counters: &[Option<u32>; LEVELS],
    level_def: impl Fn(u8) -> Option<LevelDef>,
) -> String {
    if level.fmt == NumFmt::Bullet {
        return bullet_text(&level.text);
    }
    let mut out = String::new();
    let mut chars = level.text.chars().peekable();
    while let Some(c) = chars.next() {
        let digit = chars.peek().and_then(|d| d.to_digit(10)).filter(|d| (1..=9).contains(d));
        match (c, digit) {
            ('%', Some(d)) => {
                chars.next();
                let i = (d - 1) as u8;
                let def = level_def(i);
                // An unvisited outer level shows its start value, as Word does.
                let value = counters[usize::from(i)].or(def.as_ref().map(|l| l.start)).unwrap_or(1);
                let fmt = match (&def, level.legal) {
                    (_, true) => NumFmt::Decimal,
                    (Some(l), false) => l.fmt,
                    (None, false) => NumFmt::Decimal,
                };
                out.push_str(&format_number(value, fmt));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Bullets from Symbol/Wingdings are private-use code points; show them as "•".
/// Real characters (★, ●, ■ — ★ marks 实质性条款 in tenders) are kept.
fn bullet_text(text: &str) -> String {
    text.chars().map(|c| if ('\u{E000}'..='\u{F8FF}').contains(&c) { '•' } else { c }).collect()
}

/// Labels ending in full-width punctuation ("一、", "（一）") are followed by nothing, as in
/// typed Chinese text; others ("第一章", "1.1") get one space unless `w:suff` is "nothing".
fn label_with_suffix(mut label: String, suffix: Suffix) -> String {
    let ends_fullwidth = label.chars().last().is_some_and(|c| matches!(c, '、' | '）' | '．' | '。' | '】' | '」' | '〕'));
    let enclosed = label.chars().count() == 1 && label.chars().all(is_enclosed_number);
    if suffix != Suffix::Nothing && !ends_fullwidth && !enclosed {
        label.push(' ');
    }
    label
}

fn is_enclosed_number(c: char) -> bool {
    matches!(c, '\u{2460}'..='\u{249B}' | '\u{3251}'..='\u{325F}' | '\u{32B1}'..='\u{32BF}')
}

/// Formats one counter value.
fn format_number(n: u32, fmt: NumFmt) -> String {
    match fmt {
        NumFmt::Decimal => n.to_string(),
        NumFmt::DecimalZero => format!("{n:02}"),
        NumFmt::DecimalFullWidth => {
            n.to_string().chars().map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c)).collect()
        }
        NumFmt::ChineseCounting => chinese_number(n, &CN_DIGITS, &CN_UNITS, '零', true),
        NumFmt::ChineseLegal => chinese_number(n, &CN_LEGAL_DIGITS, &CN_LEGAL_UNITS, '零', false),
        NumFmt::IdeographDigital => n.to_string().chars().map(|c| CN_DIGITS[c as usize - '0' as usize]).collect(),
        NumFmt::IdeographTraditional => cyclic(n, &['甲', '乙', '丙', '丁', '戊', '己', '庚', '辛', '壬', '癸']),
        NumFmt::IdeographZodiac => {
            cyclic(n, &['子', '丑', '寅', '卯', '辰', '巳', '午', '未', '申', '酉', '戌', '亥'])
        }
        NumFmt::EnclosedCircle => enclosed(n, &[(1, 20, 0x2460), (21, 35, 0x3251), (36, 50, 0x32B1)])
            .unwrap_or_else(|| n.to_string()),
        NumFmt::EnclosedParen => enclosed(n, &[(1, 20, 0x2474)]).unwrap_or_else(|| format!("({n})")),
        NumFmt::EnclosedFullstop => enclosed(n, &[(1, 20, 0x2488)]).unwrap_or_else(|| format!("{n}.")),
        NumFmt::LowerLetter => letters(n, b'a'),
        NumFmt::UpperLetter => letters(n, b'A'),
        NumFmt::LowerRoman => roman(n).to_lowercase(),
        NumFmt::UpperRoman => roman(n),
        NumFmt::Bullet | NumFmt::None => String::new(),
    }
}

const CN_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CN_UNITS: [char; 4] = ['\0', '十', '百', '千'];
const CN_LEGAL_DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const CN_LEGAL_UNITS: [char; 4] = ['\0', '拾', '佰', '仟'];

/// 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (legal, without `bare_ten`: 10 → 壹拾).
/// `zero` fills skipped places; a lone 0 uses `digits[0]` (〇). Values of 10,000 and more
/// (never a list number in practice) are written in decimal.
fn chinese_number(n: u32, digits: &[char; 10], units: &[char; 4], zero: char, bare_ten: bool) -> String {
    if n == 0 {
        return digits[0].to_string();
    }
    if n >= 10_000 {
        return n.to_string();
    }
    let places = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut pending_zero = false;
    for (i, &d) in places.iter().enumerate() {
        let unit = units[3 - i];
        if d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push(zero);
            pending_zero = false;
        }
        // "十一", not "一十一", when ten is the leading place.
        let skip_one = bare_ten && d == 1 && i == 2 && out.is_empty();
        if !skip_one {
            out.push(digits[d as usize]);
        }
        if unit != '\0' {
            out.push(unit);
        }
    }
    out
}

/// 1-based cyclic sequences (甲乙丙…); beyond one cycle the decimal value is clearer.
fn cyclic(n: u32, symbols: &[char]) -> String {
    match symbols.get((n as usize).wrapping_sub(1)) {
        Some(c) => c.to_string(),
        None => n.to_string(),
    }
}

/// Enclosed-number code point ranges (first, last, code point of first).
fn enclosed(n: u32, ranges: &[(u32, u32, u32)]) -> Option<String> {
    let (first, _, base) = ranges.iter().find(|(a, b, _)| (*a..=*b).contains(&n))?;
    char::from_u32(base + n - first).map(String::from)
}

/// Word's letter numbering: a..z, then aa, bb, … zz, then aaa.
fn letters(n: u32, base: u8) -> String {
    if n == 0 {
        return "0".into();
    }
    let letter = char::from(base + ((n - 1) % 26) as u8);
    let repeat = ((n - 1) / 26 + 1).min(100) as usize;
    std::iter::repeat_n(letter, repeat).collect()
}

fn roman(mut n: u32) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// document.xml body
// ---------------------------------------------------------------------------------------------

/// Elements whose whole subtree is ignored: deleted or moved-away text, the VML duplicate of
/// DrawingML content (mc:Fallback), field codes, and tracked-change records of old properties
/// (which contain a stale `pStyle`/`numPr`).
const SKIPPED_SUBTREES: [&str; 13] = [
    "del", "moveFrom", "Fallback", "instrText", "delText", "delInstrText", "pPrChange", "rPrChange",
    "tcPrChange", "trPrChange", "tblPrChange", "sectPrChange", "numberingChange",
];

/// A paragraph being read.
#[derive(Default)]
struct ParaCtx {
    style: Option<String>,
    num: NumRef,
    /// Paragraph-level `w:outlineLvl` (direct formatting, common in WPS documents).
    outline: Option<u8>,
    /// The text read so far, one entry per line: manual line breaks (`w:br`) start a new one.
    lines: Vec<Line>,
    /// A `w:br` was seen; the next text starts a new line.
    pending_break: bool,
}

/// One line of a paragraph, with the approximate page of its first character.
#[derive(Default)]
struct Line {
    text: String,
    page: Option<u32>,
}

/// A table cell being read.
#[derive(Default)]
struct CellCtx {
    text: String,
    /// `w:vMerge` without "restart": the cell continues the one above; rendered empty.
    merge_continuation: bool,
}

#[derive(Default)]
struct RowCtx {
    cells: Vec<String>,
    cell: Option<CellCtx>,
    page: Option<u32>,
}

#[derive(Default)]
struct TableCtx {
    row: Option<RowCtx>,
    /// Rows of a nested table, flattened; appended to the enclosing cell when the table ends.
    flattened: Vec<String>,
}

/// Complex-field state (`w:fldChar`): text between "begin" and "separate" is the field code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldPart {
    Code,
    Result,
}

/// Turns the document.xml event stream into blocks.
struct BodyBuilder<'s> {
    styles: &'s Styles,
    numbering: &'s Numbering,
    counters: ListCounters,
    path: ElementPath,
    /// Depth inside a skipped subtree (0 = not skipping).
    skip_depth: usize,
    /// Open paragraphs: more than one when a text box sits inside a paragraph.
    paras: Vec<ParaCtx>,
    /// Open tables, innermost last.
    tables: Vec<TableCtx>,
    fields: Vec<FieldPart>,
    /// Approximate page counter (see the module doc).
    page: u32,
    /// Set by an explicit break; the `lastRenderedPageBreak` Word writes right after it is
    /// the same page boundary and must not count twice.
    break_just_counted: bool,
    blocks: Vec<Block>,
}

impl<'s> BodyBuilder<'s> {
    fn new(styles: &'s Styles, numbering: &'s Numbering) -> Self {
        BodyBuilder {
            styles,
            numbering,
            counters: ListCounters::default(),
            path: ElementPath::default(),
            skip_depth: 0,
            paras: Vec::new(),
            tables: Vec::new(),
            fields: Vec::new(),
            page: 1,
            break_just_counted: false,
            blocks: Vec::new(),
        }
    }

    /// Consumes the event stream; returns the blocks and the last page counter.
    fn run(mut self, src: &mut XmlSource<'_>) -> Result<(Vec<Block>, u32), IngestError> {
        loop {
            match src.next()? {
                Event::Eof => break,
                Event::Start(e) => self.on_start(&e, false),
                Event::Empty(e) => self.on_start(&e, true),
                Event::End(e) => self.on_end(e.local_name().as_ref()),
                Event::Text(t) if self.in_visible_text() => self.push_text(&t.xml10_content()),
                Event::CData(t) if self.in_visible_text() => self.push_text(&t.xml10_content()),
                Event::GeneralRef(r) if self.in_visible_text() => {
                    if let Some(c) = resolve_reference(&r) {
                        self.push_text(c.encode_utf8(&mut [0; 4]));
                    }
                }
                _ => {}
            }
        }
        if !self.path.is_empty() || self.skip_depth > 0 {
            return Err(malformed(format!("{DOCUMENT_PART} ends before its elements are closed")));
        }
        Ok((self.blocks, self.page))
    }

    fn on_start(&mut self, e: &BytesStart<'_>, empty: bool) {
        if self.skip_depth > 0 {
            if !empty {
                self.skip_depth += 1;
            }
            return;
        }
        let local = e.local_name();
        let name = local.as_ref();
        if SKIPPED_SUBTREES.contains(&name) {
            if !empty {
                self.skip_depth = 1;
            }
            return;
        }
        self.open(name, e);
        if empty {
            self.close(name);
        } else {
            self.path.push(name);
        }
    }

    fn on_end(&mut self, name: &str) {
        if self.skip_depth > 0 {
            self.skip_depth -= 1;
            return;
        }
        self.path.pop();
        self.close(name);
    }

    /// Text counts only inside `w:t` of a run, outside field codes.
    fn in_visible_text(&self) -> bool {
        self.skip_depth == 0 && self.path.ends_with(&["r", "t"]) && !self.fields.contains(&FieldPart::Code)
    }

    fn open(&mut self, name: &str, e: &BytesStart<'_>) {
        match name {
            "p" => self.paras.push(ParaCtx::default()),
            "pStyle" | "numId" | "ilvl" | "outlineLvl" | "pageBreakBefore" => self.paragraph_property(name, e),
            "tbl" => self.tables.push(TableCtx::default()),
            "tr" => {
                if let Some(t) = self.tables.last_mut() {
                    t.row = Some(RowCtx::default());
                }
            }
            "tc" => {
                if let Some(row) = self.tables.last_mut().and_then(|t| t.row.as_mut()) {
                    row.cell = Some(CellCtx::default());
                }
            }
            "vMerge" if self.path.ends_with(&["tc", "tcPr"]) => {
                let continues = attr(e, "w:val").is_none_or(|v| v != "restart");
                if let Some(cell) = self.current_cell() {
                    cell.merge_continuation = continues;
                }
            }
            "tab" if self.path.ends_with(&["r"]) => self.push_text(" "),
            "noBreakHyphen" if self.path.ends_with(&["r"]) => self.push_text("-"),
            "br" | "cr" if self.path.ends_with(&["r"]) => match attr(e, "w:type").as_deref() {
                Some("page") => self.explicit_page_break(),
                Some("column") => {}
                _ => {
                    if let Some(p) = self.paras.last_mut() {
                        p.pending_break = true;
                    }
                }
            },
            "lastRenderedPageBreak" => self.rendered_page_break(),
            "fldChar" => match attr(e, "w:fldCharType").as_deref() {
                Some("begin") => self.fields.push(FieldPart::Code),
                Some("separate") => {
                    if let Some(top) = self.fields.last_mut() {
                        *top = FieldPart::Result;
                    }
                }
                Some("end") => {
                    self.fields.pop();
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Properties read only from the paragraph's own `w:pPr` (not from run or change records).
    fn paragraph_property(&mut self, name: &str, e: &BytesStart<'_>) {
        let in_ppr = self.path.ends_with(&["p", "pPr"]);
        let in_numpr = self.path.ends_with(&["p", "pPr", "numPr"]);
        let small = || attr_u32(e, "w:val").and_then(|v| u8::try_from(v).ok());
        match name {
            "pageBreakBefore" if in_ppr && attr_on(e) => self.explicit_page_break(),
            _ => {
                let Some(p) = self.paras.last_mut() else { return };
                match name {
                    "pStyle" if in_ppr => p.style = attr(e, "w:val"),
                    "outlineLvl" if in_ppr => p.outline = small(),
                    "numId" if in_numpr => p.num.num_id = attr_u32(e, "w:val"),
                    "ilvl" if in_numpr => p.num.ilvl = small(),
                    _ => {}
                }
            }
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "p" => self.finish_paragraph(),
            "tc" => self.finish_cell(),
            "tr" => self.finish_row(),
            "tbl" => self.finish_table(),
            _ => {}
        }
    }

    fn current_cell(&mut self) -> Option<&mut CellCtx> {
        self.tables.last_mut()?.row.as_mut()?.cell.as_mut()
    }

    fn explicit_page_break(&mut self) {
        self.page = self.page.saturating_add(1);
        self.break_just_counted = true;
    }

    fn rendered_page_break(&mut self) {
        if self.break_just_counted {
            self.break_just_counted = false;
        } else {
            self.page = self.page.saturating_add(1);
        }
    }

    fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let page = self.page;
        let Some(p) = self.paras.last_mut() else { return };
        if std::mem::take(&mut p.pending_break) || p.lines.is_empty() {
            p.lines.push(Line::default());
        }
        if let Some(line) = p.lines.last_mut() {
            line.page.get_or_insert(page);
            line.text.push_str(s);
        }
        self.break_just_counted = false;
    }

    /// Ends a paragraph: numbers it, then sends it to the enclosing cell or out as blocks.
    fn finish_paragraph(&mut self) {
        let Some(p) = self.paras.pop() else { return };
        // Numbering first: an empty numbered paragraph still advances its list, as in Word.
        let label = self.list_label(&p);
        let mut lines: Vec<(String, u32)> = p
            .lines
            .iter()
            .map(|l| (l.text.trim().to_owned(), l.page.unwrap_or(self.page)))
            .filter(|(t, _)| !t.is_empty())
            .collect();
        let Some(first) = lines.first_mut() else { return }; // empty paragraphs are skipped
        if let Some(label) = label {
            first.0.insert_str(0, &label);
        }
        if !self.tables.is_empty() {
            self.paragraph_into_cell(lines);
            return;
        }
        let heading_level = match p.outline {
            Some(outline) => outline_to_level(outline),
            None => self.styles.heading_level(p.style.as_deref()),
        };
        if heading_level.is_some() {
            // A heading broken over lines ("第一章<br/>招标公告") is still one heading.
            lines = vec![join_lines(lines)];
        }
        // Body paragraphs split at manual line breaks: writers use Shift+Enter to put list items
        // ("1. …<br/>2. …") in one paragraph, and each item is a clause of its own. A break in
        // the middle of a sentence (text pasted from a PDF) is joined back, as in plain text.
        let mut joined: Vec<(String, u32)> = Vec::with_capacity(lines.len());
        for (text, page) in lines {
            match joined.last_mut() {
                Some(last) if heading_level.is_none() && super::text::line_continues(&last.0, &text) => last.0.push_str(&text),
                _ => joined.push((text, page)),
            }
        }
        for (text, page) in joined {
            self.blocks.push(Block { kind: BlockKind::Paragraph { heading_level }, text, page });
        }
    }

    /// A paragraph inside a table becomes part of the innermost open cell (no newlines in cells).
    fn paragraph_into_cell(&mut self, lines: Vec<(String, u32)>) {
        let (text, page) = join_lines(lines);
        if let Some(row) = self.tables.last_mut().and_then(|t| t.row.as_mut()) {
            row.page.get_or_insert(page);
            if let Some(cell) = row.cell.as_mut() {
                join_cell_text(&mut cell.text, &text);
            }
        }
    }

    /// The rendered list label of a paragraph: its own numPr, else its style's (following
    /// basedOn); numId 0 switches numbering off.
    fn list_label(&mut self, p: &ParaCtx) -> Option<String> {
        let style_num = self.styles.numbering(p.style.as_deref());
        let num_id = p.num.num_id.or(style_num.and_then(|(_, n)| n.num_id)).filter(|&id| id != 0)?;
        let ilvl = p
            .num
            .ilvl
            .or(style_num.and_then(|(_, n)| n.ilvl))
            .or_else(|| style_num.and_then(|(sid, _)| self.numbering.level_for_style(num_id, sid, self.styles)))
            .unwrap_or(0);
        self.counters.next_label(self.numbering, self.styles, num_id, ilvl)
    }

    fn finish_cell(&mut self) {
        let Some(row) = self.tables.last_mut().and_then(|t| t.row.as_mut()) else { return };
        let Some(cell) = row.cell.take() else { return };
        // A gridSpan cell is one w:tc and so one cell here; a vMerge continuation is empty.
        row.cells.push(if cell.merge_continuation { String::new() } else { cell.text });
    }

    fn finish_row(&mut self) {
        let depth = self.tables.len();
        let Some(table) = self.tables.last_mut() else { return };
        let Some(row) = table.row.take() else { return };
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        if depth > 1 {
            let parts: Vec<&str> = row.cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
            table.flattened.push(parts.join(" "));
            return;
        }
        let page = row.page.unwrap_or(self.page);
        self.blocks.push(Block::table_row(row.cells, page));
    }

    /// A nested table's rows become text of the enclosing cell, separated by spaces.
    fn finish_table(&mut self) {
        let Some(table) = self.tables.pop() else { return };
        if table.flattened.is_empty() {
            return;
        }
        let text = table.flattened.join(" ");
        if let Some(cell) = self.current_cell() {
            join_cell_text(&mut cell.text, &text);
        }
    }
}

/// Joins the lines of one paragraph with spaces; the page is that of the first line.
fn join_lines(lines: Vec<(String, u32)>) -> (String, u32) {
    let page = lines.first().map_or(1, |(_, p)| *p);
    let texts: Vec<String> = lines.into_iter().map(|(t, _)| t).collect();
    (texts.join(" "), page)
}

/// Joins a paragraph onto a cell's text without a newline: a space only between two ASCII
/// letters/digits ("ISO 9001"), nothing between Chinese text, which has no word spaces.
fn join_cell_text(cell: &mut String, piece: &str) {
    let needs_space = matches!(
        (cell.chars().last(), piece.chars().next()),
        (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()
    );
    if needs_space {
        cell.push(' ');
    }
    cell.push_str(piece);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
    }

    fn read_fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }

    fn run(bytes: &[u8]) -> Result<Extracted, IngestError> {
        extract(bytes, &Limits::default(), &Deadline::after(Duration::from_secs(60)))
    }

    fn heading(b: &Block) -> Option<u8> {
        match b.kind {
            BlockKind::Paragraph { heading_level } => heading_level,
            BlockKind::TableRow { .. } => None,
        }
    }

    fn find<'a>(doc: &'a Extracted, text: &str) -> &'a Block {
        doc.blocks.iter().find(|b| b.text == text).unwrap_or_else(|| panic!("no block {text:?}"))
    }

    /// A zip holding `parts` (stored, no compression) built in memory.
    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in parts {
            w.start_file(*name, opts).expect("start_file");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn doc_xml(body: &str) -> Vec<u8> {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>"#)
            .into_bytes()
    }

    #[test]
    fn tender_fixture_matches_expected_text() {
        let doc = run(&read_fixture("tender_numbered.docx")).expect("extract");
        let expected = String::from_utf8(read_fixture("tender_numbered.txt")).expect("utf8");
        let got: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        let want: Vec<&str> = expected.lines().collect();
        assert_eq!(got, want);
        assert_eq!(doc.format, Format::Docx);
    }

    #[test]
    fn headings_have_levels_and_rendered_numbers() {
        let doc = run(&read_fixture("tender_numbered.docx")).expect("extract");
        assert_eq!(heading(&doc.blocks[0]), Some(1), "Title is the top level");
        assert_eq!(heading(find(&doc, "第一章 招标公告")), Some(1));
        assert_eq!(heading(find(&doc, "二、申请人的资格要求")), Some(2));
        assert_eq!(heading(find(&doc, "（二）特定资格条件")), Some(3));
        assert_eq!(heading(find(&doc, "第三章 评标方法和评分标准")), Some(1));
        // level 2 restarts under each chapter
        assert_eq!(heading(find(&doc, "一、评标方法")), Some(2));
        assert_eq!(heading(find(&doc, "公开招标文件")), None);
        // paragraph-level numPr, second level, and a list restarted by startOverride
        assert_eq!(heading(find(&doc, "3.2 经营第三类医疗器械的，应具有医疗器械经营许可证。")), None);
        find(&doc, "4. 未被列入“信用中国”网站失信被执行人名单。");
        find(&doc, "1. 本项目专门面向中小企业采购；");
        find(&doc, "③技术及服务响应文件。");
    }

    #[test]
    fn tables_become_rows_with_cells() {
        let doc = run(&read_fixture("tender_numbered.docx")).expect("extract");
        let rows: Vec<&Vec<String>> = doc
            .blocks
            .iter()
            .filter_map(|b| match &b.kind {
                BlockKind::TableRow { cells } => Some(cells),
                _ => None,
            })
            .collect();
        assert_eq!(rows[0], &vec!["序号".to_string(), "条款名称".into(), "内容".into()]);
        // vMerge continuation is an empty cell; gridSpan over three columns is one cell
        assert_eq!(rows[6], &vec!["6".to_string(), String::new(), "电子投标文件U盘一份（与纸质文件内容一致）".into()]);
        assert_eq!(rows[7].len(), 1);
        let scoring = rows.iter().find(|r| r[0] == "售后服务").expect("scoring row");
        assert_eq!(scoring.len(), 3);
        assert!(scoring[2].ends_with("响应时间 2小时内 到场时间 24小时内"), "nested table flattened: {}", scoring[2]);
        assert_eq!(find(&doc, "评分项目 | 分值 | 评分标准").page, 4);
    }

    #[test]
    fn header_footer_and_field_codes_are_absent() {
        let doc = run(&read_fixture("tender_numbered.docx")).expect("extract");
        for b in &doc.blocks {
            assert!(!b.text.contains("交易中心 ·"), "header leaked: {}", b.text);
            assert!(!b.text.contains("第 1 页"), "footer leaked: {}", b.text);
            assert!(!b.text.contains("HYPERLINK"), "field code leaked: {}", b.text);
            assert!(!b.text.contains("人民币300元"), "deleted text leaked: {}", b.text);
        }
    }

    #[test]
    fn pages_count_explicit_breaks() {
        let doc = run(&read_fixture("tender_numbered.docx")).expect("extract");
        assert_eq!(doc.blocks[0].page, 1);
        assert_eq!(find(&doc, "第一章 招标公告").page, 2);
        assert_eq!(find(&doc, "第二章 投标人须知").page, 3);
        assert_eq!(doc.pages, 4);
    }

    #[test]
    fn refusals_are_typed() {
        let not_zip = run(&read_fixture("not_a_zip.docx"));
        assert!(matches!(not_zip, Err(IngestError::Malformed { format: "DOCX", .. })), "{not_zip:?}");
        let no_doc = run(&read_fixture("no_document_xml.docx"));
        assert!(matches!(no_doc, Err(IngestError::Malformed { format: "DOCX", ref reason }) if reason.contains("document.xml")), "{no_doc:?}");
        let bad_xml = run(&zip_of(&[(DOCUMENT_PART, b"<w:document><w:body><w:p></w:body>")]));
        assert!(matches!(bad_xml, Err(IngestError::Malformed { .. })), "{bad_xml:?}");
        let truncated = run(&zip_of(&[(DOCUMENT_PART, b"<w:document><w:body><w:p><w:r><w:t>abc")]));
        assert!(matches!(truncated, Err(IngestError::Malformed { .. })), "{truncated:?}");
        let mut corrupt = read_fixture("tender_numbered.docx");
        let mid = corrupt.len() / 2;
        corrupt.truncate(mid);
        assert!(matches!(run(&corrupt), Err(IngestError::Malformed { .. })));
        assert!(matches!(run(b""), Err(IngestError::Malformed { .. })));
    }

    #[test]
    fn zip_bomb_fixture_is_refused_quickly() {
        let bytes = read_fixture("zip_bomb.docx");
        assert!(bytes.len() < 2 * 1024 * 1024);
        let started = Instant::now();
        let result = run(&bytes);
        assert!(matches!(result, Err(IngestError::ZipBomb { limit }) if limit == Limits::default().max_unzipped_bytes), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    }

    /// Declared sizes are not trusted: a part under the ratio rule is still stopped by the
    /// streaming limit, after reading at most the limit (+ one buffer).
    #[test]
    fn streaming_limit_refuses_without_trusting_headers() {
        let mut xml = doc_xml("<w:p><w:r><w:t>x</w:t></w:r></w:p>");
        // whitespace between </w:p> and </w:body>
        let at = xml.len() - "</w:body></w:document>".len();
        xml.splice(at..at, std::iter::repeat_n(b' ', 3 << 20));
        let bytes = zip_of(&[(DOCUMENT_PART, &xml)]);
        let limits = Limits { max_unzipped_bytes: 1 << 20, ..Limits::default() };
        let result = extract(&bytes, &limits, &Deadline::after(Duration::from_secs(60)));
        assert!(matches!(result, Err(IngestError::ZipBomb { limit }) if limit == 1 << 20), "{result:?}");
        // the same bytes pass with the default limit
        assert_eq!(run(&bytes).expect("extract").blocks[0].text, "x");
    }

    /// The real deflate bomb, read past the declared-size check: inflation stops at the
    /// budget (plus one read buffer), so time and memory stay bounded.
    #[test]
    fn zip_bomb_stream_stops_at_budget() {
        let bytes = read_fixture("zip_bomb.docx");
        let mut archive = ZipArchive::new(Cursor::new(&bytes[..])).expect("zip");
        let limit = 16 << 20;
        let mut budget = UnzipBudget { limit, used: 0 };
        let deadline = Deadline::after(Duration::from_secs(60));
        let started = Instant::now();
        let styles = Styles::default();
        let numbering = Numbering::default();
        let result = with_part(&mut archive, DOCUMENT_PART, &mut budget, &deadline, |src| {
            BodyBuilder::new(&styles, &numbering).run(src)
        });
        assert!(matches!(result, Err(IngestError::ZipBomb { limit: l }) if l == limit), "{result:?}");
        assert!(budget.used <= limit + 64 * 1024, "inflated {} bytes", budget.used);
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    }

    #[test]
    fn giant_text_node_is_refused() {
        let mut xml = doc_xml("<w:p><w:r><w:t>x</w:t></w:r></w:p>");
        let at = xml.len() - "</w:t></w:r></w:p></w:body></w:document>".len();
        xml.splice(at..at, std::iter::repeat_n(b'a', (MAX_BYTES_WITHOUT_MARKUP + 10) as usize));
        let result = run(&zip_of(&[(DOCUMENT_PART, &xml)]));
        assert!(matches!(result, Err(IngestError::ZipBomb { .. })), "{result:?}");
    }

    #[test]
    fn expired_deadline_times_out() {
        let body: String = (0..2000).map(|i| format!("<w:p><w:r><w:t>第{i}条</w:t></w:r></w:p>")).collect();
        let bytes = zip_of(&[(DOCUMENT_PART, &doc_xml(&body))]);
        let deadline = Deadline::after(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(5));
        let result = extract(&bytes, &Limits::default(), &deadline);
        assert!(matches!(result, Err(IngestError::Timeout { .. })), "{result:?}");
    }

    #[test]
    fn numeric_style_ids_resolve_by_name_and_outline() {
        // WPS-style ids: "1" is heading 1, "a3" is a custom style with an outline level,
        // "a4" is based on "a3" and inherits it; numbering comes from the style.
        let styles = format!(
            r#"<w:styles {W}>
            <w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>
            <w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>
              <w:pPr><w:numPr><w:numId w:val="5"/></w:numPr></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="a3"><w:name w:val="条款标题"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
            <w:style w:type="paragraph" w:styleId="a4"><w:name w:val="条款标题2"/><w:basedOn w:val="a3"/></w:style>
            </w:styles>"#
        );
        let numbering = format!(
            r#"<w:numbering {W}><w:abstractNum w:abstractNumId="0">
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:lvlText w:val="第%1部分"/></w:lvl>
            </w:abstractNum><w:num w:numId="5"><w:abstractNumId w:val="0"/>
              <w:lvlOverride w:ilvl="0"><w:startOverride w:val="11"/></w:lvlOverride></w:num></w:numbering>"#
        );
        let body = r#"<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:t>招标公告</w:t></w:r></w:p>
            <w:p><w:pPr><w:pStyle w:val="a4"/></w:pPr><w:r><w:t>资格要求</w:t></w:r></w:p>
            <w:p><w:pPr><w:pStyle w:val="1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr><w:r><w:t>附件</w:t></w:r></w:p>
            <w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>直接大纲</w:t></w:r></w:p>"#;
        let bytes = zip_of(&[
            (STYLES_PART, styles.as_bytes()),
            (NUMBERING_PART, numbering.as_bytes()),
            (DOCUMENT_PART, &doc_xml(body)),
        ]);
        let doc = run(&bytes).expect("extract");
        let got: Vec<(&str, Option<u8>)> = doc.blocks.iter().map(|b| (b.text.as_str(), heading(b))).collect();
        assert_eq!(
            got,
            vec![("第十一部分 招标公告", Some(1)), ("资格要求", Some(3)), ("附件", Some(1)), ("直接大纲", Some(2))]
        );
    }

    #[test]
    fn runs_fields_tabs_breaks_and_alternate_content() {
        let body = r#"<w:p><w:r><w:t xml:space="preserve">A &amp; B&#x3001;</w:t></w:r>
              <w:smartTag><w:r><w:t>云溪市</w:t></w:r></w:smartTag>
              <w:r><w:tab/><w:t>甲</w:t><w:br/><w:t>乙</w:t></w:r>
              <w:fldSimple w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple>
              <w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:t>CODE</w:t></w:r>
              <w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>结果</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>
              <w:moveFrom><w:r><w:t>旧位置</w:t></w:r></w:moveFrom>
              <w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>
                <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>
            </w:p>
            <w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:lastRenderedPageBreak/><w:t>新页</w:t></w:r></w:p>
            <w:p><w:r><w:t>续</w:t><w:lastRenderedPageBreak/><w:t>页</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>ISO</w:t></w:r></w:p><w:p><w:r><w:t>9001</w:t></w:r></w:p><w:p><w:r><w:t>认证</w:t></w:r></w:p></w:tc>
            <w:tc><w:p><w:r><w:t>一</w:t><w:br/><w:t>二</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>
            <w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>第七章</w:t><w:br/><w:t>附件</w:t></w:r></w:p>"#;
        let doc = run(&zip_of(&[(DOCUMENT_PART, &doc_xml(body))])).expect("extract");
        let texts: Vec<(&str, u32)> = doc.blocks.iter().map(|b| (b.text.as_str(), b.page)).collect();
        assert_eq!(
            texts,
            vec![
                ("文本框", 1),
                ("A & B、云溪市 甲", 1),
                ("乙7结果", 1),
                ("新页", 2),
                ("续页", 2),
                ("ISO 9001认证 | 一 二", 3),
                ("第七章 附件", 3),
            ]
        );
        assert_eq!(doc.pages, 3);
    }

    #[test]
    fn a_manual_break_inside_a_sentence_is_joined_but_items_stay_apart() {
        let body = r#"<w:p><w:r><w:t>投标人须在本市行政区域内设有分</w:t><w:br/><w:t>公司，并提供营业执照。</w:t></w:r></w:p>
            <w:p><w:r><w:t>1.提供营业执照；</w:t><w:br/><w:t>2.提供财务报告。</w:t></w:r></w:p>"#;
        let doc = run(&zip_of(&[(DOCUMENT_PART, &doc_xml(body))])).expect("extract");
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["投标人须在本市行政区域内设有分公司，并提供营业执照。", "1.提供营业执照；", "2.提供财务报告。"]);
    }

    #[test]
    fn number_formats() {
        let cn = |n| format_number(n, NumFmt::ChineseCounting);
        assert_eq!([cn(1), cn(10), cn(11), cn(20), cn(21), cn(100), cn(105), cn(110)], ["一", "十", "十一", "二十", "二十一", "一百", "一百零五", "一百一十"]);
        assert_eq!(format_number(10, NumFmt::ChineseLegal), "壹拾");
        assert_eq!(format_number(3, NumFmt::IdeographTraditional), "丙");
        assert_eq!(format_number(2, NumFmt::EnclosedCircle), "②");
        assert_eq!(format_number(21, NumFmt::EnclosedCircle), "㉑");
        assert_eq!(format_number(3, NumFmt::EnclosedParen), "⑶");
        assert_eq!(format_number(28, NumFmt::LowerLetter), "bb");
        assert_eq!(format_number(4, NumFmt::UpperLetter), "D");
        assert_eq!(format_number(14, NumFmt::LowerRoman), "xiv");
        assert_eq!(format_number(1999, NumFmt::UpperRoman), "MCMXCIX");
        assert_eq!(format_number(7, NumFmt::None), "");
        assert_eq!(NumFmt::parse("japaneseCounting"), NumFmt::ChineseCounting);
        assert_eq!(bullet_text("\u{F0B7}"), "•");
        assert_eq!(bullet_text("★"), "★");
    }

    #[test]
    fn legal_numbering_and_none_format() {
        let level = |fmt, text: &str, legal| LevelDef { start: 1, fmt, text: text.into(), legal, ..LevelDef::default() };
        let defs = [level(NumFmt::ChineseCounting, "第%1章", false), level(NumFmt::Decimal, "%1.%2", true)];
        let counters = [Some(3), Some(2), None, None, None, None, None, None, None];
        assert_eq!(render_level_text(&defs[1], &counters, |i| defs.get(usize::from(i)).cloned()), "3.2");
        assert_eq!(render_level_text(&defs[0], &counters, |i| defs.get(usize::from(i)).cloned()), "第三章");
        let none = level(NumFmt::None, "", false);
        assert_eq!(render_level_text(&none, &counters, |_| None), "");
    }
}
