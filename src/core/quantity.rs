//! Quantities in procurement text: money, percentages, scores, dates and durations.
//!
//! Every extractor returns [`Mention`]s with the char span (Unicode scalar offsets) of the
//! mention in the text it was given. Money is integer 分 (fen), percentages are basis points
//! (1% = 100), scores are hundredths of a point: thresholds are compared exactly, never in
//! floating point (2% of the budget is `deposit * 10_000 <= budget * 200`).
//!
//! The extractors expect text normalised by [`crate::core::normalize`] (full-width digits folded),
//! but work on raw text too.

use chrono::NaiveDate;
use regex::Regex;
use std::sync::OnceLock;

/// One quantity found in a text, with its char span `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention<T> {
    pub value: T,
    pub start: usize,
    pub end: usize,
}

/// A duration unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// 工作日
    WorkingDays,
    /// 日 / 天 / 日历日 / 自然日
    Days,
    /// 周
    Weeks,
    /// 个月
    Months,
    /// 年
    Years,
}

/// A duration such as "7个工作日" or "三年".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub amount: u32,
    pub unit: DurationUnit,
}

/// A calendar date. `inferred_year` is true when the year was taken from a preceding date in
/// the same text ("2024年7月3日至7月5日"); `year_known` is false when no year was available at
/// all (the date then carries a placeholder year and is only good for day differences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMention {
    pub date: NaiveDate,
    pub inferred_year: bool,
    pub year_known: bool,
}

/// Placeholder year for dates written without any year; a non-leap year keeps day
/// differences exact except across a 29 February.
pub const PLACEHOLDER_YEAR: i32 = 2025;

/// An exact decimal: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// Multiplies by `factor` and truncates to an integer; `None` on overflow.
    pub fn times_int(self, factor: i128) -> Option<i64> {
        let v = self.mantissa.checked_mul(factor)?;
        let d = 10i128.checked_pow(self.scale)?;
        i64::try_from(v / d).ok()
    }
}

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    // The patterns are compile-time constants covered by tests; a failure here is a bug in
    // this file, not an input error.
    cell.get_or_init(|| Regex::new(pat).expect("built-in quantity regex"))
}

fn char_idx(text: &str, byte: usize) -> usize {
    text.get(..byte).map(|s| s.chars().count()).unwrap_or(0)
}

/// Value of a single Chinese digit (including financial forms), if it is one.
fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' | '○' | 'O' => 0,
        '一' | '壹' | '幺' => 1,
        '二' | '贰' | '貳' | '两' | '兩' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => {
            return c.to_digit(10);
        }
    })
}

/// Parses an Arabic decimal with optional thousands separators: "52,000.00" → 5200000/10^2.
pub fn parse_arabic(s: &str) -> Option<Decimal> {
    let s: String = s.chars().filter(|&c| c != ',').collect();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac = if frac.len() > 6 { &frac[..6] } else { &frac[..] };
    let digits = format!("{int}{frac}");
    let mantissa: i128 = digits.parse().ok()?;
    Some(Decimal { mantissa, scale: frac.len() as u32 })
}

/// Parses a Chinese numeral, including financial forms and 万/亿 groups:
/// "壹佰贰拾万" → 1 200 000, "叁万伍仟" → 35 000, "十二" → 12, "二点五" → 2.5,
/// "二〇二四" → 2024 (a bare digit string). Arabic digits may be mixed in ("3万").
pub fn parse_chinese(s: &str) -> Option<Decimal> {
    let (int_part, frac_part) = match s.split_once('点') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let chars: Vec<char> = int_part.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let has_unit = chars.iter().any(|c| "十拾百佰千仟万萬亿億".contains(*c));
    let mut int_val: i128;
    if !has_unit {
        // A bare digit string: 二〇二四.
        int_val = 0;
        for c in &chars {
            int_val = int_val.checked_mul(10)?.checked_add(cn_digit(*c)? as i128)?;
        }
    } else {
        let (mut yi, mut wan, mut section, mut number): (i128, i128, i128, i128) = (0, 0, 0, 0);
        let mut seen_digit = false;
        for (i, c) in chars.iter().enumerate() {
            if let Some(d) = cn_digit(*c) {
                // Arabic digits may run together: "30万".
                if c.is_ascii_digit() && i > 0 && chars[i - 1].is_ascii_digit() {
                    number = number.checked_mul(10)?.checked_add(d as i128)?;
                } else {
                    number = d as i128;
                }
                seen_digit = true;
                continue;
            }
            let unit: i128 = match c {
                '十' | '拾' => 10,
                '百' | '佰' => 100,
                '千' | '仟' => 1000,
                '万' | '萬' => {
                    wan = (section + number).checked_mul(10_000)?;
                    section = 0;
                    number = 0;
                    continue;
                }
                '亿' | '億' => {
                    yi = (wan + section + number).checked_mul(100_000_000)?;
                    wan = 0;
                    section = 0;
                    number = 0;
                    continue;
                }
                _ => return None,
            };
            // "十二" means 12: a leading 十 has an implicit 一.
            let n = if number == 0 && unit == 10 && section == 0 { 1 } else { number };
            section = section.checked_add(n.checked_mul(unit)?)?;
            number = 0;
        }
        if !seen_digit && !chars.iter().any(|c| matches!(c, '十' | '拾')) {
            return None;
        }
        int_val = yi + wan + section + number;
    }
    let mut dec = Decimal { mantissa: int_val, scale: 0 };
    if let Some(f) = frac_part {
        for c in f.chars().take(6) {
            let d = cn_digit(c)?;
            dec.mantissa = dec.mantissa.checked_mul(10)?.checked_add(d as i128)?;
            dec.scale += 1;
        }
    }
    Some(dec)
}

/// Parses a number written either way.
pub fn parse_number(s: &str) -> Option<Decimal> {
    let t = s.trim();
    if t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') {
        parse_arabic(t)
    } else {
        parse_chinese(t)
    }
}

const CN_NUM: &str = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億貳參陸兩";

/// Money amounts in 元/万元/亿元 (Arabic, full-width after normalisation, Chinese or
/// financial numerals, ¥ prefix), in fen.
pub fn money(text: &str) -> Vec<Mention<i64>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let r = re(&RE, &format!(
        r"(?P<yen>[¥￥])?\s*(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?|[{CN_NUM}]+)\s*(?P<unit>亿元|億元|万元|萬元|元|圆)?"
    ));
    let mut out = Vec::new();
    for c in r.captures_iter(text) {
        let (Some(m), Some(num)) = (c.get(0), c.name("num")) else { continue };
        let unit = c.name("unit").map(|u| u.as_str());
        let yen = c.name("yen").is_some();
        let fen_per_unit: i128 = match unit {
            Some("亿元") | Some("億元") => 10_000_000_000,
            Some("万元") | Some("萬元") => 1_000_000,
            Some(_) => 100,
            None if yen => 100,
            None => continue,
        };
        let Some(dec) = parse_number(num.as_str()) else { continue };
        let Some(fen) = dec.times_int(fen_per_unit) else { continue };
        out.push(Mention { value: fen, start: char_idx(text, m.start()), end: char_idx(text, m.end()) });
    }
    out
}

/// Percentages ("2%", "2.5%", "百分之二", "百分之二点五") in basis points (1% = 100).
pub fn percents(text: &str) -> Vec<Mention<i64>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let r = re(&RE, r"(?P<a>[0-9]+(?:\.[0-9]+)?)\s*[%％]|百分之(?P<c>[零〇一二两三四五六七八九十百点]+)");
    let mut out = Vec::new();
    for c in r.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let dec = match (c.name("a"), c.name("c")) {
            (Some(a), _) => parse_arabic(a.as_str()),
            (None, Some(cn)) => parse_chinese(cn.as_str()),
            _ => None,
        };
        let Some(bp) = dec.and_then(|d| d.times_int(100)) else { continue };
        out.push(Mention { value: bp, start: char_idx(text, m.start()), end: char_idx(text, m.end()) });
    }
    out
}

/// Scores ("30分", "30.5分", "三十五分", "叁拾分") in hundredths of a point. A Chinese numeral of
/// one character is not read ("十分重要" is "very"), nor is 百分之 (a percentage).
pub fn scores(text: &str) -> Vec<Mention<i64>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let r = re(&RE, r"(?P<a>[0-9]+(?:\.[0-9]+)?)\s*分|(?P<c>[一二三四五六七八九十百零两壹贰叁肆伍陆柒捌玖拾佰]{2,6})分");
    let mut out = Vec::new();
    for c in r.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let v = match (c.name("a"), c.name("c")) {
            (Some(a), _) => parse_arabic(a.as_str()).and_then(|d| d.times_int(100)),
            (None, Some(cn)) if !text[m.end()..].starts_with('之') => parse_chinese(cn.as_str()).and_then(|d| d.times_int(100)),
            _ => None,
        };
        let Some(v) = v else { continue };
        out.push(Mention { value: v, start: char_idx(text, m.start()), end: char_idx(text, m.end()) });
    }
    out
}

/// Dates: 2024年7月3日, 2024-07-03, 2024/7/3, 2024.7.3, 二〇二四年七月三日, and "7月5日"
/// inheriting the year of the preceding date in the same text (the next year when the month
/// goes backwards, e.g. 12月28日 … 1月5日).
pub fn dates(text: &str) -> Vec<Mention<DateMention>> {
    static FULL: OnceLock<Regex> = OnceLock::new();
    static PART: OnceLock<Regex> = OnceLock::new();
    let full = re(&FULL, &format!(
        r"(?P<y>[0-9]{{4}})\s*年\s*(?P<m>[0-9]{{1,2}})\s*月\s*(?P<d>[0-9]{{1,2}})\s*[日号]?|(?P<y2>[0-9]{{4}})-(?P<m2>[0-9]{{1,2}})-(?P<d2>[0-9]{{1,2}})|(?P<y3>[0-9]{{4}})/(?P<m3>[0-9]{{1,2}})/(?P<d3>[0-9]{{1,2}})|(?P<y4>[0-9]{{4}})\.(?P<m4>[0-9]{{1,2}})\.(?P<d4>[0-9]{{1,2}})|(?P<yc>[〇零○一二三四五六七八九]{{4}})年(?P<mc>[一二三四五六七八九十]{{1,3}})月(?P<dc>[一二三四五六七八九十]{{1,3}})[日号]"
    ));
    let part = re(&PART, r"(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]|(?P<mc>[一二三四五六七八九十]{1,3})月(?P<dc>[一二三四五六七八九十]{1,3})[日号]");
    // (char start, char end, byte start, y, m, d, year known)
    let mut found: Vec<(usize, usize, usize, Option<i32>, u32, u32)> = Vec::new();
    let num = |s: Option<regex::Match>| s.and_then(|m| parse_number(m.as_str())).and_then(|d| d.times_int(1));
    for c in full.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let groups = [("y", "m", "d"), ("y2", "m2", "d2"), ("y3", "m3", "d3"), ("y4", "m4", "d4"), ("yc", "mc", "dc")];
        for (y, mo, d) in groups {
            if let (Some(y), Some(mo), Some(d)) = (num(c.name(y)), num(c.name(mo)), num(c.name(d))) {
                found.push((char_idx(text, m.start()), char_idx(text, m.end()), m.start(), Some(y as i32), mo as u32, d as u32));
                break;
            }
        }
    }
    let full_spans: Vec<(usize, usize)> = full.find_iter(text).map(|m| (m.start(), m.end())).collect();
    for c in part.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        if full_spans.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
            continue;
        }
        let (mo, d) = match (num(c.name("m")), num(c.name("d"))) {
            (Some(mo), Some(d)) => (mo, d),
            _ => match (num(c.name("mc")), num(c.name("dc"))) {
                (Some(mo), Some(d)) => (mo, d),
                _ => continue,
            },
        };
        found.push((char_idx(text, m.start()), char_idx(text, m.end()), m.start(), None, mo as u32, d as u32));
    }
    found.sort_by_key(|f| f.2);
    let mut out = Vec::new();
    let mut last: Option<(i32, u32)> = None;
    for (s, e, _, y, mo, d) in found {
        let (year, inferred, known) = match (y, last) {
            (Some(y), _) => (y, false, true),
            (None, Some((ly, lm))) => (if mo < lm { ly + 1 } else { ly }, true, true),
            (None, None) => (PLACEHOLDER_YEAR, true, false),
        };
        let Some(date) = NaiveDate::from_ymd_opt(year, mo, d) else { continue };
        if known {
            last = Some((year, mo));
        }
        out.push(Mention { value: DateMention { date, inferred_year: inferred, year_known: known }, start: s, end: e });
    }
    out
}

/// Durations: "7个工作日", "5日", "10天", "三年", "6个月", "2周". Parts of dates are skipped.
pub fn durations(text: &str) -> Vec<Mention<Duration>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let r = re(&RE, r"(?P<n>[0-9]+|[零一二两三四五六七八九十百]+)\s*(?:个)?\s*(?P<u>工作日|日历日|自然日|个月|天|日|年|周)");
    let date_spans: Vec<(usize, usize)> = dates(text).iter().map(|m| (m.start, m.end)).collect();
    let mut out = Vec::new();
    for c in r.captures_iter(text) {
        let (Some(m), Some(n), Some(u)) = (c.get(0), c.name("n"), c.name("u")) else { continue };
        let (s, e) = (char_idx(text, m.start()), char_idx(text, m.end()));
        if date_spans.iter().any(|&(ds, de)| s < de && ds < e) {
            continue;
        }
        let Some(amount) = parse_number(n.as_str()).and_then(|d| d.times_int(1)) else { continue };
        let unit = match u.as_str() {
            "工作日" => DurationUnit::WorkingDays,
            "个月" => DurationUnit::Months,
            "年" => DurationUnit::Years,
            "周" => DurationUnit::Weeks,
            _ => DurationUnit::Days,
        };
        // "2024年" alone is a year, not a duration of 2024 years.
        if unit == DurationUnit::Years && amount >= 1000 {
            continue;
        }
        let Ok(amount) = u32::try_from(amount) else { continue };
        out.push(Mention { value: Duration { amount, unit }, start: s, end: e });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fen(t: &str) -> Vec<i64> {
        money(t).iter().map(|m| m.value).collect()
    }

    #[test]
    fn scores_in_arabic_and_chinese_numerals() {
        let pts = |t: &str| scores(t).iter().map(|m| m.value).collect::<Vec<_>>();
        assert_eq!(pts("价格分30分"), vec![3000]);
        assert_eq!(pts("价格分为三十五分（总分一百分）"), vec![3500, 10000]);
        assert_eq!(pts("价格分值叁拾分"), vec![3000]);
        // Not scores: "十分" as an adverb, a percentage.
        assert!(pts("十分重要").is_empty());
        assert!(pts("价格分权重为百分之二十").is_empty());
    }

    #[test]
    fn money_forms() {
        assert_eq!(fen("壹佰贰拾万元"), vec![120_000_000]);
        assert_eq!(fen("一百二十万元"), vec![120_000_000]);
        assert_eq!(fen("叁万伍仟元整"), vec![3_500_000]);
        assert_eq!(fen("¥52,000.00"), vec![5_200_000]);
        assert_eq!(fen("156.00万元"), vec![156_000_000]);
        assert_eq!(fen("1.5亿元"), vec![15_000_000_000]);
        assert_eq!(fen("人民币7.6万元"), vec![7_600_000]);
        assert_eq!(fen("850,000元"), vec![85_000_000]);
        assert_eq!(fen("柒万元整"), vec![7_000_000]);
        assert_eq!(fen("贰仟万元"), vec![2_000_000_000]);
        assert_eq!(fen("万元"), Vec::<i64>::new());
        assert_eq!(fen("共5页"), Vec::<i64>::new());
    }

    #[test]
    fn money_span_is_in_chars() {
        let m = money("保证金：5万元");
        assert_eq!((m[0].start, m[0].end), (4, 7));
    }

    #[test]
    fn percent_forms() {
        let v: Vec<i64> = percents("2%、百分之二、2.5%、百分之二点五").iter().map(|m| m.value).collect();
        assert_eq!(v, vec![200, 200, 250, 250]);
    }

    #[test]
    fn date_forms() {
        let d = |s: &str| dates(s).iter().map(|m| m.value.date.to_string()).collect::<Vec<_>>();
        assert_eq!(d("2024年7月3日"), vec!["2024-07-03"]);
        assert_eq!(d("2024-07-03"), vec!["2024-07-03"]);
        assert_eq!(d("2024/7/3"), vec!["2024-07-03"]);
        assert_eq!(d("2024.7.3"), vec!["2024-07-03"]);
        assert_eq!(d("二〇二四年七月三日"), vec!["2024-07-03"]);
        assert_eq!(d("2024年7月3日至7月5日"), vec!["2024-07-03", "2024-07-05"]);
        assert_eq!(d("2024年12月28日至1月5日"), vec!["2024-12-28", "2025-01-05"]);
        assert_eq!(d("2024年2月30日"), Vec::<String>::new());
        let m = dates("5月6日");
        assert!(!m[0].value.year_known);
    }

    #[test]
    fn duration_forms() {
        let d = durations("7个工作日、5日、三年、6个月，2024年7月3日");
        let v: Vec<(u32, DurationUnit)> = d.iter().map(|m| (m.value.amount, m.value.unit)).collect();
        assert_eq!(v, vec![(7, DurationUnit::WorkingDays), (5, DurationUnit::Days), (3, DurationUnit::Years), (6, DurationUnit::Months)]);
    }

    #[test]
    fn never_panics_on_junk() {
        for t in ["", "万亿", "99999999999999999999999999999999999亿元", "百分之", "9999年99月99日", "点点点万元"] {
            let _ = (money(t), percents(t), dates(t), durations(t), scores(t));
        }
    }
}
