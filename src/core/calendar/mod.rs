//! China's working-day calendar (工作日): weekends and public holidays are not working days,
//! except the weekend days the State Council declares working days (调休上班).
//!
//! The schedule is data, one TOML file per year in `src/core/calendar/years/`, published by the
//! State Council General Office each November for the following year. A date in a year with
//! no published schedule is [`UnknownYear`]: statutory deadlines (e.g. the 7-working-day
//! challenge period of 政府采购法 第五十二条) must then be reported as uncertain, never guessed.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

/// The embedded schedules. Adding a year: drop `YYYY.toml` in `years/` and add its line here.
const BUILTIN_YEARS: &[(&str, &str)] = &[
    ("2015.toml", include_str!("years/2015.toml")),
    ("2016.toml", include_str!("years/2016.toml")),
    ("2017.toml", include_str!("years/2017.toml")),
    ("2018.toml", include_str!("years/2018.toml")),
    ("2019.toml", include_str!("years/2019.toml")),
    ("2020.toml", include_str!("years/2020.toml")),
    ("2021.toml", include_str!("years/2021.toml")),
    ("2022.toml", include_str!("years/2022.toml")),
    ("2023.toml", include_str!("years/2023.toml")),
    ("2024.toml", include_str!("years/2024.toml")),
    ("2025.toml", include_str!("years/2025.toml")),
    ("2026.toml", include_str!("years/2026.toml")),
];

/// A date falls in a year whose holiday schedule has not been published (or loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no published holiday schedule for {0}; working days cannot be counted")]
pub struct UnknownYear(pub i32);

/// A schedule file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
    #[error("cannot read holiday schedule {file}")]
    Io { file: String, source: std::io::Error },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    holidays: Vec<String>,
    working_weekends: Vec<String>,
}

/// The working-day calendar over the years it has schedules for.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    known_years: BTreeSet<i32>,
    holidays: BTreeSet<NaiveDate>,
    working_weekends: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// The calendar built from the embedded schedules.
    pub fn builtin() -> &'static WorkCalendar {
        static CAL: OnceLock<WorkCalendar> = OnceLock::new();
        CAL.get_or_init(|| {
            WorkCalendar::from_sources(BUILTIN_YEARS.iter().map(|(f, s)| (f.to_string(), s.to_string())))
                .expect("embedded holiday schedules are valid (checked by tests)")
        })
    }

    /// Loads every `*.toml` schedule in `dir`.
    pub fn load_dir(dir: &Path) -> Result<WorkCalendar, CalendarError> {
        let io = |e| CalendarError::Io { file: dir.display().to_string(), source: e };
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| CalendarError::Io { file: path.display().to_string(), source: e })?;
                sources.push((path.display().to_string(), text));
            }
        }
        WorkCalendar::from_sources(sources)
    }

    /// Builds a calendar from `(file name, TOML text)` pairs.
    pub fn from_sources(sources: impl IntoIterator<Item = (String, String)>) -> Result<WorkCalendar, CalendarError> {
        let mut cal = WorkCalendar::default();
        for (file, text) in sources {
            let invalid = |reason: String| CalendarError::Invalid { file: file.clone(), reason };
            let parsed: YearFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
            for spec in &parsed.holidays {
                let (a, b) = parse_range(parsed.year, spec).map_err(invalid)?;
                let mut d = a;
                while d <= b {
                    cal.holidays.insert(d);
                    d += Duration::days(1);
                }
            }
            for spec in &parsed.working_weekends {
                let (a, b) = parse_range(parsed.year, spec).map_err(invalid)?;
                if a != b {
                    return Err(invalid(format!("working weekend '{spec}' must be a single day")));
                }
                if !matches!(a.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(invalid(format!("working weekend {a} is not a Saturday or Sunday")));
                }
                cal.working_weekends.insert(a);
            }
            cal.known_years.insert(parsed.year);
        }
        Ok(cal)
    }

    /// The years with a schedule.
    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.known_years.iter().copied()
    }

    /// Whether `d` is a working day (工作日).
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, UnknownYear> {
        if !self.known_years.contains(&d.year()) {
            return Err(UnknownYear(d.year()));
        }
        if self.holidays.contains(&d) {
            return Ok(false);
        }
        if self.working_weekends.contains(&d) {
            return Ok(true);
        }
        Ok(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The `n`-th working day after `start` (`start` itself not counted): the last day of a
    /// period of `n` working days that begins the day after `start`. `n = 0` returns `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, UnknownYear> {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().ok_or(UnknownYear(d.year() + 1))?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// The number of working days in `from..=to` (0 when `to < from`).
    pub fn working_days_inclusive(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, UnknownYear> {
        let mut count = 0;
        let mut d = from;
        while d <= to {
            if self.is_working_day(d)? {
                count += 1;
            }
            d = match d.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        Ok(count)
    }

    /// The kind of every day of a year, for display (`None` when the year is unknown).
    pub fn year_summary(&self, year: i32) -> Option<BTreeMap<&'static str, u32>> {
        if !self.known_years.contains(&year) {
            return None;
        }
        let mut out = BTreeMap::new();
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1)?;
        while d.year() == year {
            let key = if self.is_working_day(d).ok()? { "working_days" } else { "days_off" };
            *out.entry(key).or_insert(0) += 1;
            d = d.succ_opt()?;
        }
        Some(out)
    }
}

/// Parses "MM-DD", "YYYY-MM-DD" or a range "A..B" (B inherits A's year when it has none).
fn parse_range(year: i32, spec: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (a, b) = match spec.split_once("..") {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (spec.trim(), spec.trim()),
    };
    let start = parse_day(year, a)?;
    let end = parse_day(year, b)?;
    if end < start {
        return Err(format!("range '{spec}' ends before it starts"));
    }
    if (end - start).num_days() > 40 {
        return Err(format!("range '{spec}' is longer than 40 days"));
    }
    Ok((start, end))
}

fn parse_day(year: i32, s: &str) -> Result<NaiveDate, String> {
    let parts: Vec<&str> = s.split('-').collect();
    let nums: Result<Vec<u32>, _> = parts.iter().map(|p| p.parse::<u32>()).collect();
    let nums = nums.map_err(|_| format!("bad date '{s}'"))?;
    let date = match nums.as_slice() {
        [m, d] => NaiveDate::from_ymd_opt(year, *m, *d),
        [y, m, d] => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        _ => None,
    };
    date.ok_or_else(|| format!("bad date '{s}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn builtin_schedules_load() {
        let cal = WorkCalendar::builtin();
        assert_eq!(cal.known_years().collect::<Vec<_>>(), (2015..=2026).collect::<Vec<_>>());
    }

    #[test]
    fn weekends_holidays_and_adjusted_working_days() {
        let cal = WorkCalendar::builtin();
        // 2025 Spring Festival: 01-28..02-04 off; Sunday 01-26 and Saturday 02-08 are working days.
        assert_eq!(cal.is_working_day(d(2025, 1, 27)), Ok(true));
        assert_eq!(cal.is_working_day(d(2025, 1, 28)), Ok(false));
        assert_eq!(cal.is_working_day(d(2025, 2, 4)), Ok(false));
        assert_eq!(cal.is_working_day(d(2025, 1, 26)), Ok(true));
        assert_eq!(cal.is_working_day(d(2025, 2, 8)), Ok(true));
        assert_eq!(cal.is_working_day(d(2025, 2, 9)), Ok(false));
        // The 2023 New Year holiday begins on 2022-12-31 (a Saturday anyway).
        assert_eq!(cal.is_working_day(d(2022, 12, 31)), Ok(false));
    }

    #[test]
    fn past_years_inspectors_audit() {
        let cal = WorkCalendar::builtin();
        // 2020: the Spring Festival holiday was extended to 02-02 by a second notice.
        assert_eq!(cal.is_working_day(d(2020, 1, 31)), Ok(false));
        assert_eq!(cal.is_working_day(d(2020, 2, 3)), Ok(true));
        assert_eq!(cal.is_working_day(d(2020, 1, 19)), Ok(true)); // Sunday, 调休
        // 2019: 劳动节 extended to 05-01..05-04 (second notice), Sunday 05-05 worked.
        assert_eq!(cal.is_working_day(d(2019, 5, 3)), Ok(false));
        assert_eq!(cal.is_working_day(d(2019, 5, 5)), Ok(true));
        // 2015: the 70th-anniversary day off on 09-03, Sunday 09-06 worked.
        assert_eq!(cal.is_working_day(d(2015, 9, 3)), Ok(false));
        assert_eq!(cal.is_working_day(d(2015, 9, 6)), Ok(true));
        // Before 2015 nothing is known.
        assert_eq!(cal.is_working_day(d(2014, 6, 3)), Err(UnknownYear(2014)));
    }

    #[test]
    fn counting_across_the_spring_festival() {
        let cal = WorkCalendar::builtin();
        // Received Fri 2025-01-24. Working days after it: Sun 01-26 (调休), Mon 01-27, then the
        // holiday 01-28..02-04, then Wed 02-05, Thu 02-06, Fri 02-07, Sat 02-08 (调休), Mon 02-10.
        assert_eq!(cal.add_working_days(d(2025, 1, 24), 7), Ok(d(2025, 2, 10)));
        assert_eq!(cal.working_days_inclusive(d(2025, 1, 25), d(2025, 2, 10)), Ok(7));
        assert_eq!(cal.add_working_days(d(2025, 1, 24), 0), Ok(d(2025, 1, 24)));
    }

    #[test]
    fn unknown_year_is_reported_not_guessed() {
        let cal = WorkCalendar::builtin();
        assert_eq!(cal.is_working_day(d(2027, 3, 1)), Err(UnknownYear(2027)));
        assert_eq!(cal.add_working_days(d(2026, 12, 28), 7), Err(UnknownYear(2027)));
    }

    #[test]
    fn bad_schedule_is_refused() {
        let bad = "year = 2030\nholidays = [\"02-30\"]\nworking_weekends = []\n";
        assert!(WorkCalendar::from_sources([("2030.toml".into(), bad.into())]).is_err());
        let weekday = "year = 2030\nholidays = []\nworking_weekends = [\"01-02\"]\n";
        assert!(WorkCalendar::from_sources([("2030.toml".into(), weekday.into())]).is_err());
    }
}
