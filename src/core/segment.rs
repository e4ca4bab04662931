//! Segmentation: extracted blocks become a section tree and a list of clauses.
//!
//! Chinese procurement documents number their headings (第一章, 一、, （一）, 1., 1.1, (1), ①)
//! and nest them by the order in which numbering styles first appear, not by a fixed
//! hierarchy: one agency writes 第一章 > 一、 > （一）, another 第一章 > 1. > 1.1. So a stack
//! of styles is kept: a style already on the stack closes everything below it (a sibling),
//! a new style opens a child. DOCX heading levels, when present, take precedence.
//!
//! Every block becomes a clause, headings included, so no text a rule should see is lost
//! when a short numbered requirement is mistaken for a heading; only tables of contents are
//! skipped.

use crate::core::document::{Block, BlockKind, Clause, Extracted, Section, SectionKind, SegmentedDocument};

/// A heading numbering style. Two headings with the same style are siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A DOCX heading level without recognisable numbering.
    Outline(u8),
    Chapter,     // 第一章 / 第1章 / 第一部分 / 第一篇
    Section,     // 第一节
    Article,     // 第一条
    Han,         // 一、
    ParenHan,    // （一）
    Dotted(u8),  // 1. / 1、 (1), 1.1 (2), 1.1.1 (3)
    ParenNum,    // (1) / （1）
    Circled,     // ①
    Plain,       // an unnumbered short title such as "投标人须知前附表"
}

/// Splits blocks into sections and clauses.
pub fn segment(extracted: &Extracted) -> SegmentedDocument {
    let mut text = String::new();
    let mut char_len = 0usize;
    let mut sections: Vec<Section> = Vec::new();
    let mut clauses: Vec<Clause> = Vec::new();
    // Open sections, outermost first: (style, section id).
    let mut stack: Vec<(Style, usize)> = Vec::new();
    let mut toc = TocState::default();

    for block in &extracted.blocks {
        let block_text = block.text.trim_end_matches(['\r', '\n']);
        if block_text.trim().is_empty() {
            continue;
        }
        if toc.skip(block, &stack) {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
            char_len += 1;
        }
        let start = char_len;
        text.push_str(block_text);
        char_len += block_text.chars().count();

        if let Some(style) = heading_style(block) {
            open_section(&mut sections, &mut stack, style, block_text.trim(), block.page);
        }
        let (path, kind) = match stack.last() {
            Some(&(_, id)) => (sections[id].path.clone(), sections[id].kind),
            None => (String::new(), SectionKind::Other),
        };
        clauses.push(Clause {
            ordinal: clauses.len() as u32,
            page: block.page,
            section: path,
            section_kind: kind,
            start,
            end: char_len,
            text: block_text.to_string(),
            is_table_row: matches!(block.kind, BlockKind::TableRow { .. }),
        });
    }

    SegmentedDocument { format: extracted.format, pages: extracted.pages, text, sections, clauses }
}

fn open_section(sections: &mut Vec<Section>, stack: &mut Vec<(Style, usize)>, style: Style, heading: &str, page: u32) {
    if let Some(pos) = stack.iter().position(|(s, _)| same_level(*s, style)) {
        stack.truncate(pos);
    } else if let Style::Outline(level) = style {
        // An explicit outline level closes every deeper outline level.
        stack.retain(|(s, _)| !matches!(s, Style::Outline(l) if *l >= level));
    }
    let parent = stack.last().map(|&(_, id)| id);
    let parent_kind = parent.map(|id| sections[id].kind);
    let own = classify_heading(heading);
    // A chapter of blank forms stays forms whatever its sub-headings say
    // ("资格证明文件" inside 投标文件格式 is a template, not a requirement).
    let kind = match (parent_kind, own) {
        (Some(SectionKind::Forms), _) => SectionKind::Forms,
        (_, Some(k)) => k,
        (Some(k), None) => k,
        (None, None) => SectionKind::Other,
    };
    let path = match parent {
        Some(id) => format!("{} > {}", sections[id].path, heading),
        None => heading.to_string(),
    };
    let id = sections.len();
    sections.push(Section {
        id,
        parent,
        level: (stack.len() + 1).min(u8::MAX as usize) as u8,
        heading: heading.to_string(),
        path,
        kind,
        page,
    });
    stack.push((style, id));
}

fn same_level(a: Style, b: Style) -> bool {
    a == b
}

/// Folds full-width digits, letters and brackets so numbering is recognised either way.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

const HAN_DIGITS: &str = "〇零一二三四五六七八九十百";

fn is_han_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| HAN_DIGITS.contains(c))
}

/// Splits a leading numbering label off `s`, returning its style and the rest.
pub(crate) fn numbering(s: &str) -> Option<(Style, &str)> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('第') {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || HAN_DIGITS.contains(c)))?;
        let (num, tail) = rest.split_at(end);
        if num.is_empty() {
            return None;
        }
        let mut chars = tail.chars();
        let style = match chars.next()? {
            '章' | '部' | '篇' | '卷' => Style::Chapter,
            '节' => Style::Section,
            '条' => Style::Article,
            _ => return None,
        };
        let after = chars.as_str();
        let after = after.strip_prefix('分').unwrap_or(after); // 第一部分
        return Some((style, after));
    }
    if let Some(rest) = s.strip_prefix('(').or_else(|| s.strip_prefix('（')) {
        let close = rest.find([')', '）'])?;
        let inner = &rest[..close];
        let after = &rest[close + rest[close..].chars().next()?.len_utf8()..];
        if is_han_number(inner) {
            return Some((Style::ParenHan, after));
        }
        if !inner.is_empty() && inner.len() <= 3 && inner.chars().all(|c| c.is_ascii_digit()) {
            return Some((Style::ParenNum, after));
        }
        return None;
    }
    let first = s.chars().next()?;
    if ('①'..='⑳').contains(&first) {
        return Some((Style::Circled, &s[first.len_utf8()..]));
    }
    if HAN_DIGITS.contains(first) {
        let end = s.find(|c: char| !HAN_DIGITS.contains(c))?;
        let rest = &s[end..];
        let rest = rest.strip_prefix('、')?;
        return Some((Style::Han, rest));
    }
    if first.is_ascii_digit() {
        // 1、 | 1. | 1.1 | 1.1.1 ; not "2024年" or "1.5万元" (a number followed by a unit).
        let mut depth = 0u8;
        let mut i = 0;
        let bytes = s.as_bytes();
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start || i - start > 3 {
                return None;
            }
            depth += 1;
            if i < bytes.len() && bytes[i] == b'.' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
                i += 1;
                continue;
            }
            break;
        }
        let rest = &s[i..];
        if let Some(r) = rest.strip_prefix('、').or_else(|| rest.strip_prefix('.')).or_else(|| rest.strip_prefix('．')) {
            return Some((Style::Dotted(depth), r));
        }
        if depth >= 2 && rest.starts_with([' ', '\t', '\u{3000}']) {
            return Some((Style::Dotted(depth), rest));
        }
        if depth >= 2 && rest.chars().next().is_some_and(|c| !c.is_ascii() && !"%％万元亿".contains(c)) {
            return Some((Style::Dotted(depth), rest));
        }
        return None;
    }
    None
}

/// Whether a block is a heading, and of which style.
fn heading_style(block: &Block) -> Option<Style> {
    let level = match block.kind {
        BlockKind::TableRow { .. } => return None,
        BlockKind::Paragraph { heading_level } => heading_level,
    };
    let folded = fold(block.text.trim());
    let numbered = numbering(&folded);
    if let Some(level) = level {
        // Numbering inside an outline heading decides siblings the same way as in PDFs, so
        // documents mixing styled and unstyled headings nest consistently.
        return Some(match numbered {
            Some((style, _)) => style,
            None => Style::Outline(level),
        });
    }
    let body_len = |rest: &str| rest.trim().chars().count();
    let ends_like_sentence = folded.trim_end().ends_with(['。', '；', ';', '，', ',', '：', ':']);
    match numbered {
        Some((style, rest)) => {
            let limit = match style {
                Style::Chapter | Style::Section => 40,
                Style::Han | Style::ParenHan | Style::Dotted(2..) => 30,
                _ => 20,
            };
            let colon_clause = rest.contains(['：', ':']) && !rest.trim_end().ends_with(['：', ':']);
            (body_len(rest) <= limit && !ends_like_sentence && !colon_clause && body_len(rest) > 0).then_some(style)
        }
        None => {
            let t = folded.trim();
            let n = t.chars().count();
            let titled = n <= 16
                && !ends_like_sentence
                && !t.contains(['：', ':', '|'])
                && classify_heading(t).is_some();
            titled.then_some(Style::Plain)
        }
    }
}

/// The section kind a heading names, if any. Order matters: the most specific wins
/// ("评标办法中的资格审查" is qualification, "投标文件格式" is forms).
pub fn classify_heading(heading: &str) -> Option<SectionKind> {
    let h = heading;
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if has(&["文件格式", "响应文件格式", "投标文件组成", "格式附件", "附件格式", "声明函", "投标函", "响应函", "授权委托书", "报价一览表", "偏离表", "基本情况表", "承诺函格式"]) {
        Some(SectionKind::Forms)
    } else if has(&["符合性"]) {
        Some(SectionKind::Conformity)
    } else if has(&["资格要求", "资格审查", "资格条件", "资格性", "资质要求", "供应商资格", "申请人的资格"]) {
        Some(SectionKind::Qualification)
    } else if has(&["评分", "评标", "评审", "评价标准", "磋商办法", "谈判办法"]) {
        Some(SectionKind::Scoring)
    } else if has(&["商务要求", "商务条款", "商务需求"]) {
        Some(SectionKind::Commercial)
    } else if has(&["合同"]) {
        Some(SectionKind::Contract)
    } else if has(&["采购需求", "技术要求", "技术参数", "技术规格", "需求一览", "服务要求", "服务需求", "项目需求"]) {
        Some(SectionKind::Technical)
    } else if has(&["须知", "前附表", "投标文件的编制", "响应文件的编制", "开标", "质疑", "投诉"]) {
        Some(SectionKind::Instructions)
    } else if has(&["公告", "邀请", "项目基本情况", "项目概况"]) {
        Some(SectionKind::Notice)
    } else {
        None
    }
}

/// Recognises a table of contents ("目录" followed by heading-like lines, often with page
/// numbers) and skips it until the body starts repeating the first entry.
#[derive(Default)]
struct TocState {
    active: bool,
    entries: Vec<String>,
    done: bool,
}

impl TocState {
    fn skip(&mut self, block: &Block, stack: &[(Style, usize)]) -> bool {
        let t: String = fold(block.text.trim()).chars().filter(|c| !c.is_whitespace()).collect();
        if !self.done && !self.active && stack.is_empty() && (t == "目录" || t == "目次") {
            self.active = true;
            return true;
        }
        if !self.active {
            return false;
        }
        let entry = strip_page_number(&t);
        let first = self.entries.first().cloned();
        let is_heading = heading_style(block).is_some() || entry.len() < t.len();
        if let Some(first) = first {
            if entry == first {
                // The body starts: its first heading repeats the first TOC entry.
                self.active = false;
                self.done = true;
                return false;
            }
        }
        if is_heading && self.entries.len() < 200 {
            self.entries.push(entry);
            return true;
        }
        // Something that is not an entry: the TOC has ended without a repeat.
        self.active = false;
        self.done = true;
        false
    }
}

/// "第一章招标公告……3" -> "第一章招标公告"
fn strip_page_number(t: &str) -> String {
    let trimmed = t.trim_end_matches(|c: char| c.is_ascii_digit());
    let trimmed = trimmed.trim_end_matches(['.', '…', '·', '-', '—', '_']);
    if trimmed.len() < t.len() && !trimmed.is_empty() {
        trimmed.to_string()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::document::Format;

    fn doc(lines: &[&str]) -> SegmentedDocument {
        let blocks = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if l.contains(" | ") {
                    Block::table_row(l.split(" | ").map(String::from).collect(), 1 + i as u32 / 10)
                } else {
                    Block::paragraph(*l, 1 + i as u32 / 10)
                }
            })
            .collect();
        segment(&Extracted { format: Format::Text, pages: 3, blocks })
    }

    fn clause<'a>(d: &'a SegmentedDocument, needle: &str) -> &'a Clause {
        d.clauses.iter().find(|c| c.text.contains(needle)).unwrap_or_else(|| panic!("no clause {needle}"))
    }

    #[test]
    fn nests_by_order_of_appearance_and_classifies() {
        let d = doc(&[
            "某市第一中学设备采购项目",
            "第一章 招标公告",
            "一、项目基本情况",
            "预算金额：156.00万元",
            "二、申请人的资格要求",
            "1. 满足《中华人民共和国政府采购法》第二十二条规定；",
            "（1）投标人须在本市注册；",
            "第二章 投标人须知",
            "投标人须知前附表",
            "序号 | 条款名称 | 内容",
            "第三章 评标方法和评分标准",
            "1.1 价格分",
            "第四章 采购需求",
            "服务地点：某市",
            "第五章 投标文件格式",
            "一、资格证明文件",
            "注册资本：______万元",
        ]);
        let c = clause(&d, "投标人须在本市注册");
        assert_eq!(c.section, "第一章 招标公告 > 二、申请人的资格要求");
        assert_eq!(c.section_kind, SectionKind::Qualification);
        assert_eq!(clause(&d, "预算金额").section_kind, SectionKind::Notice);
        assert_eq!(clause(&d, "序号").section, "第二章 投标人须知 > 投标人须知前附表");
        assert!(clause(&d, "序号").is_table_row);
        assert_eq!(clause(&d, "序号").section_kind, SectionKind::Instructions);
        assert_eq!(clause(&d, "价格分").section_kind, SectionKind::Scoring);
        assert_eq!(clause(&d, "服务地点").section_kind, SectionKind::Technical);
        assert_eq!(clause(&d, "注册资本").section_kind, SectionKind::Forms);
        assert_eq!(clause(&d, "注册资本").section, "第五章 投标文件格式 > 一、资格证明文件");
        // Chapters are siblings: 第二章 closed 第一章 and its children.
        let ch2 = d.sections.iter().find(|s| s.heading == "第二章 投标人须知").unwrap();
        assert_eq!(ch2.parent, None);
    }

    #[test]
    fn offsets_point_into_the_text_and_pages_are_kept() {
        let d = doc(&["第一章 总则", "投标人须为本地注册企业。", "a", "b", "c", "d", "e", "f", "g", "h", "i", "第十一行在第二页。"]);
        for c in &d.clauses {
            let s: String = d.text.chars().skip(c.start).take(c.end - c.start).collect();
            assert_eq!(s, c.text);
        }
        assert_eq!(clause(&d, "第十一行").page, 2);
        assert_eq!(clause(&d, "本地注册").ordinal, 1);
    }

    #[test]
    fn table_of_contents_is_skipped() {
        let d = doc(&["目  录", "第一章 招标公告……1", "第二章 投标人须知……5", "第一章 招标公告", "本项目采用公开招标。"]);
        assert_eq!(d.clauses.len(), 2);
        assert_eq!(clause(&d, "本项目").section, "第一章 招标公告");
    }

    #[test]
    fn requirements_are_not_mistaken_for_headings() {
        let d = doc(&["二、资格要求", "1、投标人注册资本不低于1000万元；", "2024年7月3日发布", "1.5万元为保证金"]);
        assert_eq!(d.sections.len(), 1);
        assert_eq!(clause(&d, "1.5万元").section_kind, SectionKind::Qualification);
    }

    #[test]
    fn numbering_styles() {
        assert_eq!(numbering("第十二章 合同").map(|x| x.0), Some(Style::Chapter));
        assert_eq!(numbering("（三）技术").map(|x| x.0), Some(Style::ParenHan));
        assert_eq!(numbering("(2)其他").map(|x| x.0), Some(Style::ParenNum));
        assert_eq!(numbering("1.2.3 参数").map(|x| x.0), Some(Style::Dotted(3)));
        assert_eq!(numbering("③ 售后").map(|x| x.0), Some(Style::Circled));
        assert_eq!(numbering("十、其他").map(|x| x.0), Some(Style::Han));
        assert_eq!(numbering("2024年"), None);
        assert_eq!(numbering("一般要求"), None);
    }
}
