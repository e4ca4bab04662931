//! Compiled matchers: the closed set of kinds a rule file can use (`pattern`, `numeric`,
//! `period`, `document`), compiled once at load and evaluated on normalised clause text.

use chrono::NaiveDate;
use regex::Regex;
use std::sync::OnceLock;

use super::facts::{Facts, Method};
use super::schema::{DayUnit, ProcType, QuantityKind, Relative};
use crate::core::calendar::WorkCalendar;
use crate::core::finding::Severity;
use crate::core::normalize::Normalized;
use crate::core::quantity::{self, DurationUnit};

/// The note of a period that cannot be counted because the year's holiday schedule is unknown;
/// the engine keeps one such notice per document (see `Rulebook::check`).
pub const CALENDAR_UNKNOWN: &str = "年的节假日安排未知，无法核算工作日，请人工核对";

/// A compiled bound.
#[derive(Debug, Clone)]
pub struct CBound {
    pub methods: Vec<Method>,
    pub types: Vec<ProcType>,
    /// Basis points (numeric).
    pub min_bp: Option<i64>,
    pub max_bp: Option<i64>,
    /// Days (period).
    pub min_days: Option<u32>,
    pub unit: DayUnit,
}

impl CBound {
    fn fits(&self, facts: &Facts) -> bool {
        let m_ok = self.methods.is_empty() || facts.method.is_some_and(|m| self.methods.contains(&m));
        let t_ok = self.types.is_empty() || facts.proc_type.is_some_and(|t| self.types.contains(&t));
        m_ok && t_ok
    }
}

/// A compiled matcher.
#[derive(Debug, Clone)]
pub enum Matcher {
    Pattern { any: Vec<Regex>, all: Vec<Regex>, window: Option<usize>, unless_near: Vec<Regex> },
    Numeric { trigger: Regex, quantity: QuantityKind, window: usize, window_before: usize, relative: Option<Relative>, bounds: Vec<CBound> },
    Period { start: Regex, end: Option<Regex>, window: usize, inclusive: bool, start_heading: Option<Regex>, bounds: Vec<CBound> },
    Document { anchor: Regex, absent: Vec<Regex> },
}

/// A candidate match in normalised clause text (byte range), before exceptions.
#[derive(Debug, Clone)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    /// Overrides the rule severity (e.g. `notice` when the working-day calendar is unknown).
    pub severity: Option<Severity>,
    /// Appended to the rule message (the computed numbers).
    pub note: Option<String>,
}

/// What a matcher sees of a clause. The facts are computed on first use: only the numeric and
/// period matchers read them.
pub struct ClauseView<'a> {
    pub norm: &'a Normalized,
    /// The normalised heading of the clause's section (its own last path component).
    pub heading: &'a str,
    facts: &'a dyn Fn() -> &'a Facts,
}

impl<'a> ClauseView<'a> {
    pub fn new(norm: &'a Normalized, heading: &'a str, facts: &'a dyn Fn() -> &'a Facts) -> ClauseView<'a> {
        ClauseView { norm, heading, facts }
    }

    /// The clause facts (document facts overlaid with the clause's own).
    pub fn facts(&self) -> &'a Facts {
        (self.facts)()
    }
}

fn char_gap(n: &Normalized, a: (usize, usize), b: (usize, usize)) -> usize {
    if a.0 < b.1 && b.0 < a.1 {
        return 0;
    }
    let (l, r) = if a.1 <= b.0 { (a.1, b.0) } else { (b.1, a.0) };
    n.char_at_byte(r).saturating_sub(n.char_at_byte(l))
}

fn fmt_pct(bp: i64) -> String {
    if bp % 100 == 0 { format!("{}%", bp / 100) } else { format!("{}.{:02}%", bp / 100, (bp % 100).abs()).trim_end_matches('0').to_string() }
}

fn fmt_yuan(fen: i64) -> String {
    if fen % 1_000_000 == 0 { format!("{}万元", fen / 1_000_000) } else { format!("{}元", fen / 100) }
}

impl Matcher {
    /// Candidate hits in a clause, in text order.
    pub fn eval(&self, v: &ClauseView) -> Vec<Hit> {
        match self {
            Matcher::Pattern { any, all, window, unless_near } => pattern(v, any, all, *window, unless_near),
            Matcher::Numeric { trigger, quantity, window, window_before, relative, bounds } => {
                numeric(v, trigger, *quantity, *window, *window_before, *relative, bounds)
            }
            Matcher::Period { start, end, window, inclusive, start_heading, bounds } => {
                period(v, start, end.as_ref(), *window, *inclusive, start_heading.as_ref(), bounds)
            }
            Matcher::Document { anchor, .. } => anchor
                .find_iter(&v.norm.text)
                .map(|m| Hit { start: m.start(), end: m.end(), severity: None, note: None })
                .collect(),
        }
    }
}

fn pattern(v: &ClauseView, any: &[Regex], all: &[Regex], window: Option<usize>, unless_near: &[Regex]) -> Vec<Hit> {
    let text = &v.norm.text;
    let mut hits = Vec::new();
    // The matches of every `all` / `unless_near` regex, found once per clause on first need
    // (not once per anchor).
    let mut all_m: Vec<Option<Vec<(usize, usize)>>> = vec![None; all.len()];
    let mut unless_m: Vec<Option<Vec<(usize, usize)>>> = vec![None; unless_near.len()];
    let spans = |r: &Regex| -> Vec<(usize, usize)> { r.find_iter(text).map(|x| (x.start(), x.end())).collect() };
    for r in any {
        'anchor: for m in r.find_iter(text) {
            let anchor = (m.start(), m.end());
            let mut span = anchor;
            for (a, found) in all.iter().zip(all_m.iter_mut()) {
                let best = found
                    .get_or_insert_with(|| spans(a))
                    .iter()
                    .map(|&x| (char_gap(v.norm, anchor, x), x))
                    .filter(|(gap, _)| window.is_none_or(|w| *gap <= w))
                    .min_by_key(|(gap, _)| *gap);
                match best {
                    Some((_, x)) => span = (span.0.min(x.0), span.1.max(x.1)),
                    None => continue 'anchor,
                }
            }
            for (u, found) in unless_near.iter().zip(unless_m.iter_mut()) {
                if found.get_or_insert_with(|| spans(u)).iter().any(|&x| window.is_none_or(|w| char_gap(v.norm, anchor, x) <= w)) {
                    continue 'anchor;
                }
            }
            hits.push(Hit { start: span.0, end: span.1, severity: None, note: None });
        }
    }
    hits.sort_by_key(|h| h.start);
    hits
}

/// A quantity near a trigger: (normalised char span, value in basis points or fen, is_money).
fn quantities(kind: QuantityKind, text: &str) -> Vec<(usize, usize, i64, bool)> {
    let mut out: Vec<(usize, usize, i64, bool)> = Vec::new();
    match kind {
        QuantityKind::MoneyOrPercent => {
            out.extend(quantity::money(text).into_iter().map(|m| (m.start, m.end, m.value, true)));
            out.extend(quantity::percents(text).into_iter().map(|m| (m.start, m.end, m.value, false)));
        }
        QuantityKind::Percent => out.extend(quantity::percents(text).into_iter().map(|m| (m.start, m.end, m.value, false))),
        QuantityKind::Weight => {
            out.extend(quantity::percents(text).into_iter().map(|m| (m.start, m.end, m.value, false)));
            out.extend(quantity::scores(text).into_iter().map(|m| (m.start, m.end, m.value, false)));
            // "×30" in a price formula, or a bare number in the next table cell ("价格分|30").
            static TIMES: OnceLock<Regex> = OnceLock::new();
            let r = TIMES.get_or_init(|| Regex::new(r"(?:[×xX*]|\|)\s*([0-9]{1,3}(?:\.[0-9]+)?)(?:[^0-9.%分]|$)").expect("weight regex"));
            for c in r.captures_iter(text) {
                if let Some(g) = c.get(1) {
                    if let Some(val) = quantity::parse_arabic(g.as_str()).and_then(|d| d.times_int(100)) {
                        let s = text[..g.start()].chars().count();
                        out.push((s, s + g.as_str().chars().count(), val, false));
                    }
                }
            }
        }
    }
    out.sort_by_key(|q| q.0);
    out.dedup_by_key(|q| q.0);
    out
}

fn numeric(
    v: &ClauseView,
    trigger: &Regex,
    kind: QuantityKind,
    window: usize,
    window_before: usize,
    relative: Option<Relative>,
    bounds: &[CBound],
) -> Vec<Hit> {
    let text = &v.norm.text;
    // The trigger first: without one nothing else (facts, quantities) is needed.
    let triggers: Vec<regex::Match> = trigger.find_iter(text).collect();
    if triggers.is_empty() {
        return Vec::new();
    }
    let Some(bound) = bounds.iter().find(|b| b.fits(v.facts())) else { return Vec::new() };
    let qs = quantities(kind, text);
    let reference = match relative {
        Some(Relative::Budget) => v.facts().reference_amount(Facts::lot_in(text)),
        None => None,
    };
    let mut hits = Vec::new();
    for t in triggers {
        let (ts, te) = (v.norm.char_at_byte(t.start()), v.norm.char_at_byte(t.end()));
        // The nearest quantity after the trigger, else the nearest before it. A money amount
        // equal to the reference is the budget itself ("按预算金额200万元的2%"), not the value.
        let usable = |q: &&(usize, usize, i64, bool)| !(q.3 && reference == Some(q.2));
        let after = qs.iter().filter(usable).find(|q| q.0 >= te && q.0 <= te + window);
        let before = || qs.iter().filter(usable).rev().find(|q| q.1 <= ts && q.1 + window_before >= ts);
        let Some(&(qs0, qe0, val, is_money)) = after.or_else(before) else { continue };
        let (bp, shown) = if is_money {
            let Some(reference) = reference.filter(|r| *r > 0) else { continue };
            // Exact integer comparison: val/reference in basis points, rounded down.
            let bp = (val as i128 * 10_000 / reference as i128) as i64;
            let over = bound.max_bp.is_some_and(|m| (val as i128) * 10_000 > (m as i128) * reference as i128);
            let under = bound.min_bp.is_some_and(|m| (val as i128) * 10_000 < (m as i128) * reference as i128);
            if !(over || under) {
                continue;
            }
            (bp, format!("{}，为预算（或最高限价）{}的{}", fmt_yuan(val), fmt_yuan(reference), fmt_pct(bp)))
        } else {
            let over = bound.max_bp.is_some_and(|m| val > m);
            let under = bound.min_bp.is_some_and(|m| val < m);
            if !(over || under) {
                continue;
            }
            (val, fmt_pct(val))
        };
        let _ = bp;
        let limits = match (bound.min_bp, bound.max_bp) {
            (Some(a), Some(b)) => format!("{}–{}", fmt_pct(a), fmt_pct(b)),
            (Some(a), None) => format!("不低于{}", fmt_pct(a)),
            (None, Some(b)) => format!("不超过{}", fmt_pct(b)),
            (None, None) => String::new(),
        };
        let (s, e) = (ts.min(qs0), te.max(qe0));
        hits.push(Hit {
            start: v.norm.byte_at_char(s),
            end: v.norm.byte_at_char(e),
            severity: None,
            note: Some(format!("（识别值：{shown}；法定范围：{limits}）")),
        });
    }
    hits
}

/// Length of a period under `unit`, or `Err(year)` when the calendar does not know a year.
fn period_len(from: NaiveDate, to: NaiveDate, unit: DayUnit, inclusive: bool) -> Result<i64, i32> {
    match unit {
        DayUnit::Days => Ok((to - from).num_days() + i64::from(inclusive)),
        DayUnit::WorkingDays => {
            let cal = WorkCalendar::builtin();
            let first = if inclusive { Some(from) } else { from.succ_opt() };
            let Some(first) = first else { return Ok(0) };
            if to < first {
                return Ok(0);
            }
            cal.working_days_inclusive(first, to).map(i64::from).map_err(|e| e.0)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn period(
    v: &ClauseView,
    start: &Regex,
    end: Option<&Regex>,
    window: usize,
    inclusive: bool,
    start_heading: Option<&Regex>,
    bounds: &[CBound],
) -> Vec<Hit> {
    let text = &v.norm.text;
    // The start trigger first: without one nothing else (facts, dates) is needed.
    let mut starts: Vec<(usize, usize)> = start.find_iter(text).map(|m| (m.start(), m.end())).collect();
    let from_heading = starts.is_empty() && start_heading.is_some_and(|h| h.is_match(v.heading));
    if from_heading {
        // The section heading names the period ("三、获取招标文件"); the clause gives the dates
        // (a date range only: a bare duration under such a heading may be about anything).
        starts.push((0, 0));
    }
    if starts.is_empty() {
        return Vec::new();
    }
    let Some(bound) = bounds.iter().find(|b| b.fits(v.facts())) else { return Vec::new() };
    let Some(min) = bound.min_days else { return Vec::new() };
    let dates = quantity::dates(text);
    let durs = std::cell::OnceCell::new();
    let durs = || durs.get_or_init(|| quantity::durations(text));
    let mut hits = Vec::new();
    for s in starts {
        let (ss, se) = (v.norm.char_at_byte(s.0), v.norm.char_at_byte(s.1));
        let near = |from: usize| dates.iter().filter(move |d| d.start >= from && d.start <= from + window);
        let pair = match end {
            None => {
                let mut it = near(se);
                it.next().zip(it.next())
            }
            Some(end_re) => {
                let from = near(se).next();
                let to = end_re.find_iter(text).find_map(|e| {
                    let ee = v.norm.char_at_byte(e.end());
                    near(ee).find(|d| from.is_none_or(|f| d.start != f.start))
                });
                from.zip(to)
            }
        };
        let (len, span_end, shown) = if let Some((a, b)) = pair {
            if !a.value.year_known && bound.unit == DayUnit::WorkingDays {
                continue; // no year: working days cannot be counted
            }
            match period_len(a.value.date, b.value.date, bound.unit, inclusive) {
                Ok(n) => (n, b.end, format!("{}至{}", a.value.date, b.value.date)),
                Err(year) => {
                    hits.push(Hit {
                        start: s.0,
                        end: v.norm.byte_at_char(b.end),
                        severity: Some(Severity::Notice),
                        note: Some(format!("（{year}{CALENDAR_UNKNOWN}）")),
                    });
                    continue;
                }
            }
        } else if let Some(d) = durs()
            .iter()
            .find(|d| d.start >= se && d.start <= se + window)
            // With an `end` trigger a stated duration counts only when the clause names that
            // end point ("自公告发布之日起5个工作日" is an announcement period, not a bid period).
            .filter(|_| !from_heading && end.is_none_or(|e| e.is_match(text)))
        {
            // A stated duration; converted conservatively so that only clear shortfalls count.
            let n = i64::from(d.value.amount);
            let len = match (d.value.unit, bound.unit) {
                (DurationUnit::WorkingDays, DayUnit::WorkingDays) | (DurationUnit::Days, DayUnit::Days) => n,
                (DurationUnit::Days, DayUnit::WorkingDays) => n, // n calendar days ≥ working days in them
                (DurationUnit::WorkingDays, DayUnit::Days) => n * 7 / 5,
                (DurationUnit::Weeks, DayUnit::Days) => n * 7,
                (DurationUnit::Weeks, DayUnit::WorkingDays) => n * 5,
                _ => continue,
            };
            (len, d.end, format!("{}{}", d.value.amount, match d.value.unit { DurationUnit::WorkingDays => "个工作日", DurationUnit::Weeks => "周", _ => "日" }))
        } else {
            continue;
        };
        if len < i64::from(min) {
            let unit = if bound.unit == DayUnit::WorkingDays { "个工作日" } else { "日" };
            hits.push(Hit {
                start: s.0,
                end: v.norm.byte_at_char(span_end.max(ss)),
                severity: None,
                note: Some(format!("（识别期限：{shown}，计{len}{unit}；法定不少于{min}{unit}）")),
            });
        }
    }
    hits
}
