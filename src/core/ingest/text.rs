//! Plain-text extraction: encoding detection, then one block per non-empty line.
//!
//! Encodings, in order: a UTF-8 / UTF-16LE / UTF-16BE byte-order mark, then valid UTF-8, then
//! GB18030 (a superset of GBK and GB2312, what Chinese Windows tools save as "ANSI"), accepted
//! only when it decodes without a single error; anything else is
//! [`IngestError::UnknownEncoding`] rather than mojibake.
//!
//! Text files in this domain mostly carry one paragraph per line, but text pasted from a PDF is
//! hard-wrapped: a sentence broken over several lines is rejoined into one paragraph (see
//! [`continues`]) so that a rule sees the whole clause. A line with " | " or tab-separated cells
//! becomes a table row; a form feed starts a new page.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::core::document::{Block, Extracted, Format};
use crate::core::ingest::{Deadline, IngestError, Limits};

/// The deadline is checked once per this many lines.
const LINES_PER_DEADLINE_CHECK: usize = 1000;
const FORM_FEED: char = '\x0C';
const CELL_SEPARATOR: &str = " | ";

/// Decodes `bytes` and turns each non-empty line into a paragraph or table-row block.
///
/// Refuses with [`IngestError::UnknownEncoding`] when the bytes are neither (BOM-marked)
/// Unicode nor error-free GB18030, and with [`IngestError::Timeout`] when `deadline` passes.
/// Size limits are the caller's job (`ingest::extract` checks `max_bytes`).
pub fn extract(bytes: &[u8], _limits: &Limits, deadline: &Deadline) -> Result<Extracted, IngestError> {
    let text = decode(bytes)?;
    let (blocks, pages) = lines_to_blocks(&text, deadline)?;
    Ok(Extracted { format: Format::Text, pages, blocks })
}

/// Decodes text in the first encoding that fits (see the module doc).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, IngestError> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Cow::Borrowed(std::str::from_utf8(rest).map_err(|_| IngestError::UnknownEncoding)?)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        strict_decode(UTF_16LE, rest)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        strict_decode(UTF_16BE, rest)?
    } else if let Ok(utf8) = std::str::from_utf8(bytes) {
        Cow::Borrowed(utf8)
    } else {
        strict_decode(GB18030, bytes)?
    };
    // NUL never occurs in text; it means a binary file (or BOM-less UTF-16) was decoded.
    if text.contains('\0') {
        return Err(IngestError::UnknownEncoding);
    }
    Ok(text)
}

/// Decodes without BOM sniffing and without replacement characters: any malformed
/// sequence refuses the whole file.
fn strict_decode<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, IngestError> {
    encoding.decode_without_bom_handling_and_without_replacement(bytes).ok_or(IngestError::UnknownEncoding)
}

/// Splits decoded text into blocks; returns them with the page count (1 + form feeds).
fn lines_to_blocks(text: &str, deadline: &Deadline) -> Result<(Vec<Block>, u32), IngestError> {
    let mut blocks = Vec::new();
    let mut page: u32 = 1;
    for (i, line) in text.split('\n').enumerate() {
        if i.is_multiple_of(LINES_PER_DEADLINE_CHECK) {
            deadline.check()?;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        // A form feed (pdftotext and some exporters put one between pages) may sit anywhere
        // in a line; the text after it belongs to the next page.
        for (j, segment) in line.split(FORM_FEED).enumerate() {
            if j > 0 {
                page = page.saturating_add(1);
            }
            if let Some(block) = line_block(segment, page) {
                match blocks.last_mut() {
                    Some(prev) if j == 0 && continues(prev, &block) => prev.text.push_str(&block.text),
                    _ => blocks.push(block),
                }
            }
        }
    }
    Ok((blocks, page))
}

/// Shortest line that can be the first part of a hard-wrapped sentence: wrapped lines are as
/// long as the page is wide, headings and titles are short.
const MIN_WRAPPED_LINE: usize = 12;

/// Whether paragraph `next` is the continuation of paragraph `prev` (a hard-wrapped sentence):
/// `prev` is long, does not end a sentence, is not a numbered heading (a heading has no
/// sentence punctuation) and reads as a sentence in progress; `next` does not start a new numbered item, a marked item (★▲…) or a
/// note. Table rows never join.
fn continues(prev: &Block, next: &Block) -> bool {
    use crate::core::document::BlockKind;
    let para = |b: &Block| matches!(b.kind, BlockKind::Paragraph { .. });
    para(prev) && para(next) && line_continues(&prev.text, &next.text)
}

/// Whether line `n` carries on the sentence of line `p` (a hard wrap, not a new paragraph,
/// item or heading). Shared with the DOCX reader for manual line breaks (`w:br`).
pub(crate) fn line_continues(p: &str, n: &str) -> bool {
    let (Some(last), Some(first)) = (p.chars().last(), n.chars().next()) else { return false };
    let len = p.chars().count();
    // A line that starts with a continuing character, or with a number when this line is
    // long enough to be a sentence ("…平均报价\n20%以上的"), carries on this line.
    let splits = splits_a_word(p, n) || CONTINUING_CHARS.contains(first) || (first.is_ascii_digit() && len >= 8);
    if (len < MIN_WRAPPED_LINE && !splits) || "。！？；;!?：:」』》)）".contains(last) {
        return false;
    }
    let has_punct = p.contains(['，', ',', '、', '；', ';', '。']);
    if crate::core::segment::numbering(p).is_some() && !has_punct {
        return false;
    }
    if crate::core::segment::numbering(n).is_some() {
        return false;
    }
    // A comma inside or at the end marks a sentence in progress. Without one, only a long line
    // that reads as a requirement (须/应/不/得…) and is not a "key：value" line (项目编号：…)
    // continues, and only into sentence text: titles ("某某医院设备采购项目" over "公开招标文件",
    // "…维修改造工程竞争性磋商公告" over "项目概况：…") stay apart.
    let long_sentence = len >= 20
        && !p.contains(['：', ':'])
        && p.contains(['须', '应', '不', '得', '可', '将', '均', '若', '如'])
        && n.contains(['，', '。', '；', '、']);
    if !(has_punct || long_sentence || splits) {
        return false;
    }
    !("★▲●■◆※□√*#-•".contains(first) || n.starts_with("注") || n.starts_with("附件") || n.starts_with("备注"))
}

/// Words of procurement documents that a copy from a PDF often breaks across two lines
/// ("质\n疑", "答\n复"): a break inside one of them is never the end of a paragraph, however
/// short the line.
const BREAKABLE_WORDS: &[&str] = &[
    "质疑", "投诉", "答复", "异议", "受理", "投标", "招标", "采购", "磋商", "谈判", "询价", "响应", "供应商", "投标人",
    "采购人", "代理机构", "中标", "成交", "评审", "评标", "评分", "得分", "分值", "资格", "审查", "条件", "要求", "提供",
    "提交", "递交", "具有", "具备", "注册", "资本", "资金", "资产", "营业", "收入", "成立", "年限", "经营", "业绩",
    "项目", "合同", "服务", "货物", "工程", "设备", "产品", "品牌", "型号", "参数", "技术", "规格", "证书", "证明",
    "认证", "资质", "许可", "授权", "厂家", "制造商", "生产", "企业", "公司", "单位", "机构", "分公司", "办事处",
    "本地", "本市", "本省", "所在地", "行政区域", "保证金", "保函", "履约", "退还", "支付", "付款", "结算", "审计",
    "验收", "期限", "截止", "时间", "日期", "工作日", "公告", "文件", "获取", "发布", "澄清", "修改", "更正",
    "无效", "不予", "视为", "否则", "处理", "负偏离", "偏离", "一致", "相同", "不得", "必须", "应当", "须知", "名录",
    "入库", "备案", "登记", "报名", "现场", "踏勘", "法定代表人", "联合体", "中小企业", "小微企业", "价格", "报价",
    "预算", "限价", "最高", "最低", "扣除", "优先", "加分", "以上", "以下", "不少于", "不低于", "不超过", "人员",
    "工程师", "职称", "社保", "社会保险", "纳税", "税收", "户籍", "荣誉", "奖项", "称号", "协会", "会员", "系统",
    "平台", "软件", "硬件", "接口", "协议", "兼容", "原厂", "进口", "国产", "样品", "方案", "优良", "酌情",
    "机关", "党政机关", "政府", "部门", "医院", "学校", "行业", "金额", "合同金额", "万元", "利润", "总额",
    "承诺", "服务费", "审批", "考核", "验收合格", "截止时间", "开标", "评标委员会",
];

/// Characters that do not begin a sentence: a line that starts with one continues the line
/// before ("…利润总额\n须连续为正").
const CONTINUING_CHARS: &str = "须的得等及和或并且而但则即之";

/// Whether the line break between `prev` and `next` falls inside one of [`BREAKABLE_WORDS`].
fn splits_a_word(prev: &str, next: &str) -> bool {
    BREAKABLE_WORDS.iter().any(|w| {
        w.char_indices().skip(1).any(|(i, _)| prev.ends_with(&w[..i]) && next.starts_with(&w[i..]))
    })
}

/// One line as a block: a table row when it has 2+ cells separated by " | " or tabs,
/// otherwise a paragraph (trimmed, including the full-width indentation spaces "　　").
/// Blank lines give `None`.
fn line_block(line: &str, page: u32) -> Option<Block> {
    if line.trim().is_empty() {
        return None;
    }
    if let Some(cells) = table_cells(line) {
        return Some(Block::table_row(cells, page));
    }
    Some(Block::paragraph(line.trim(), page))
}

/// The cells of a table-row line. Cells are split before trimming so that empty trailing
/// cells ("a | b | ") keep their column. Tab-separated lines need at least two non-empty
/// cells, since a stray tab after a sentence is not a table.
fn table_cells(line: &str) -> Option<Vec<String>> {
    let split = |sep: &str| -> Vec<String> { line.split(sep).map(|c| c.trim().to_owned()).collect() };
    if line.contains(CELL_SEPARATOR) {
        let cells = split(CELL_SEPARATOR);
        return (cells.len() >= 2).then_some(cells);
    }
    if line.contains('\t') {
        let cells = split("\t");
        let filled = cells.iter().filter(|c| !c.is_empty()).count();
        return (filled >= 2).then_some(cells);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::document::BlockKind;
    use std::path::Path;
    use std::time::Duration;

    fn fixture(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn run(bytes: &[u8]) -> Result<Extracted, IngestError> {
        extract(bytes, &Limits::default(), &Deadline::after(Duration::from_secs(60)))
    }

    fn texts(doc: &Extracted) -> Vec<&str> {
        doc.blocks.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn hard_wrapped_sentences_are_rejoined_but_items_and_headings_are_not() {
        let text = "第三章 资格要求\n供应商须在本行政区域内设有常设办公场所，并提供\n近六个月的房屋租赁合同及水电缴费凭证。\n1. 投标人须具有独立法人资格；\n2. 投标人近三年内无重大违法记录。\n评分项：成立满三年、注册资本不低于\n500万元的得2分\n二、商务要求\n";
        let doc = run(text.as_bytes()).expect("text");
        assert_eq!(
            texts(&doc),
            vec![
                "第三章 资格要求",
                "供应商须在本行政区域内设有常设办公场所，并提供近六个月的房屋租赁合同及水电缴费凭证。",
                "1. 投标人须具有独立法人资格；",
                "2. 投标人近三年内无重大违法记录。",
                "评分项：成立满三年、注册资本不低于500万元的得2分",
                "二、商务要求",
            ]
        );
    }

    #[test]
    fn a_short_line_broken_inside_a_word_is_rejoined() {
        let doc = run("同一供应商只能提出一次质\n疑，逾期不予受理。\n采购人对质疑的答\n复为最终意见。\n".as_bytes()).unwrap();
        assert_eq!(texts(&doc), ["同一供应商只能提出一次质疑，逾期不予受理。", "采购人对质疑的答复为最终意见。"]);
        let doc = run("报价低于全部有效投标人平均报价\n20%以上的按无效投标处理。\n".as_bytes()).unwrap();
        assert_eq!(texts(&doc), ["报价低于全部有效投标人平均报价20%以上的按无效投标处理。"]);
        let doc = run("供应商2022—2024年度利润总额\n须连续为正。\n".as_bytes()).unwrap();
        assert_eq!(texts(&doc), ["供应商2022—2024年度利润总额须连续为正。"]);
        // A short line that ends a word stays a line of its own (a title over its subtitle).
        let doc = run("某某医院设备采购项目\n公开招标文件\n".as_bytes()).unwrap();
        assert_eq!(texts(&doc), ["某某医院设备采购项目", "公开招标文件"]);
    }

    #[test]
    fn short_titles_and_table_rows_do_not_absorb_the_next_line() {
        let text = "某某市第一人民医院门诊楼改造工程竞争性磋商公告\n项目概况：潜在供应商应在交易网获取采购文件，并按时提交。\n某单位采购项目招标文件\n投标人须知前附表\n条款 | 内容\n保证金 | 不收取\n本项目不收取投标保证金，也不收取\n履约保证金。\n";
        let doc = run(text.as_bytes()).expect("text");
        assert_eq!(
            texts(&doc),
            vec![
                "某某市第一人民医院门诊楼改造工程竞争性磋商公告",
                "项目概况：潜在供应商应在交易网获取采购文件，并按时提交。",
                "某单位采购项目招标文件",
                "投标人须知前附表", "条款 | 内容", "保证金 | 不收取", "本项目不收取投标保证金，也不收取履约保证金。"]
        );
    }

    #[test]
    fn gbk_file_decodes_like_its_utf8_twin() {
        let gbk = fixture("gbk_notice.txt");
        assert!(std::str::from_utf8(&gbk).is_err(), "fixture must really be GBK");
        let from_gbk = run(&gbk).expect("gbk");
        let from_utf8 = run(&fixture("gbk_notice.utf8.txt")).expect("utf8");
        assert_eq!(from_gbk, from_utf8);
        assert!(from_gbk.blocks.iter().any(|b| b.text.contains("云溪市")));
        assert_eq!(from_gbk.format, Format::Text);
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let bytes = fixture("utf8_bom.txt");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let doc = run(&bytes).expect("bom");
        assert!(!doc.blocks[0].text.starts_with('\u{FEFF}'));
        assert!(doc.blocks[0].text.starts_with("云溪市"), "{}", doc.blocks[0].text);
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        let text = "第一章 采购公告\r\n预算金额：120万元\r\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        for bytes in [le, be] {
            assert_eq!(texts(&run(&bytes).expect("utf16")), ["第一章 采购公告", "预算金额：120万元"]);
        }
        // odd byte count: truncated UTF-16 is refused, not guessed
        assert!(matches!(run(&[0xFF, 0xFE, 0x41]), Err(IngestError::UnknownEncoding)));
    }

    #[test]
    fn undecodable_bytes_are_refused() {
        for bytes in [&b"\x81\x20\xff\xfe\x80abc"[..], b"\xEF\xBB\xBF\xC3\x28", b"PK\x03\x04\x00\x00binary\x00"] {
            assert!(matches!(run(bytes), Err(IngestError::UnknownEncoding)), "{bytes:?}");
        }
    }

    #[test]
    fn lines_tables_and_pages() {
        let text = "  第一章 招标公告  \n\n　　一、项目名称：云溪市某项目\r\n序号 | 条款名称 | 内容\n1 | 工期 | \n\
                    评分项目\t分值\t评分标准\n备注：\t\n\x0C第二章 投标人须知\n末行\x0C下一页";
        let doc = run(text.as_bytes()).expect("text");
        assert_eq!(
            texts(&doc),
            [
                "第一章 招标公告",
                "一、项目名称：云溪市某项目",
                "序号 | 条款名称 | 内容",
                "1 | 工期 | ",
                "评分项目 | 分值 | 评分标准",
                "备注：",
                "第二章 投标人须知",
                "末行",
                "下一页"
            ]
        );
        assert_eq!(doc.blocks[3].kind, BlockKind::TableRow { cells: vec!["1".into(), "工期".into(), String::new()] });
        assert_eq!(doc.blocks[5].kind, BlockKind::Paragraph { heading_level: None });
        let pages: Vec<u32> = doc.blocks.iter().map(|b| b.page).collect();
        assert_eq!(pages, [1, 1, 1, 1, 1, 1, 2, 2, 3]);
        assert_eq!(doc.pages, 3);
    }

    #[test]
    fn empty_input_gives_no_blocks() {
        let doc = run(b"").expect("empty");
        assert!(doc.blocks.is_empty());
        assert_eq!(doc.pages, 1);
    }

    #[test]
    fn dev_corpus_style_text_round_trips() {
        // The expected-output file of the DOCX fixture uses the same conventions.
        let doc = run(&fixture("tender_numbered.txt")).expect("txt");
        let source = String::from_utf8(fixture("tender_numbered.txt")).expect("utf8");
        assert_eq!(texts(&doc), source.lines().collect::<Vec<_>>());
    }

    #[test]
    fn expired_deadline_times_out() {
        let deadline = Deadline::after(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        let result = extract(b"a\nb", &Limits::default(), &deadline);
        assert!(matches!(result, Err(IngestError::Timeout { .. })));
    }
}
