//! Printers for a [`MetricsReport`]: text table, JSON, CSV and XLSX.

use super::csv::write_csv;
use super::metrics::{FigureValue, MetricsReport, FIGURES};
use super::xlsx::{write_xlsx, OutCell, XlsxError};

/// Display width of a string: CJK and full-width characters count 2.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            if (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// A text table per group (all records first): one line per figure, one column per period.
/// Empty values print as "—".
pub fn to_text(r: &MetricsReport) -> String {
    let mut groups: Vec<Option<String>> = Vec::new();
    for row in &r.rows {
        if !groups.contains(&row.group) {
            groups.push(row.group.clone());
        }
    }
    let mut out = String::new();
    for g in groups {
        let rows: Vec<_> = r.rows.iter().filter(|x| x.group == g).collect();
        out.push_str(&format!("== {} ==\n", g.as_deref().unwrap_or("全部")));
        let label_w = FIGURES.iter().map(|f| width(f.label)).max().unwrap_or(0);
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                row.values()
                    .iter()
                    .map(|v| match v {
                        FigureValue::Decimal(None) => "—".to_string(),
                        v => v.to_string(),
                    })
                    .collect()
            })
            .collect();
        let col_w: Vec<usize> = rows
            .iter()
            .zip(&cells)
            .map(|(row, vals)| vals.iter().map(|v| width(v)).chain([width(&row.period)]).max().unwrap_or(0))
            .collect();
        out.push_str(&pad("", label_w, false));
        for (row, w) in rows.iter().zip(&col_w) {
            out.push_str("  ");
            out.push_str(&pad(&row.period, *w, true));
        }
        out.push('\n');
        for (i, f) in FIGURES.iter().enumerate() {
            out.push_str(&pad(f.label, label_w, false));
            for (vals, w) in cells.iter().zip(&col_w) {
                out.push_str("  ");
                out.push_str(&pad(vals.get(i).map_or("", |s| s.as_str()), *w, true));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The report as pretty JSON (query, rows, definitions).
pub fn to_json(r: &MetricsReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The rows as CSV: `period,group,<figure keys…>`; empty cells for undefined values and for the
/// group of all-records rows.
pub fn to_csv(r: &MetricsReport) -> String {
    let mut header = vec!["period", "group"];
    header.extend(FIGURES.iter().map(|f| f.key));
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            let mut v = vec![row.period.clone(), row.group.clone().unwrap_or_default()];
            v.extend(row.values().iter().map(|x| x.to_string()));
            v
        })
        .collect();
    write_csv(&header, &rows)
}

/// The rows as an XLSX workbook: a header of Chinese labels, numbers as numbers.
pub fn to_xlsx(r: &MetricsReport) -> Result<Vec<u8>, XlsxError> {
    let mut sheet = Vec::with_capacity(r.rows.len() + 1);
    let mut head = vec![OutCell::Text("期间".into()), OutCell::Text("分组".into())];
    head.extend(FIGURES.iter().map(|f| OutCell::Text(f.label.into())));
    sheet.push(head);
    for row in &r.rows {
        let mut v = vec![
            OutCell::Text(row.period.clone()),
            row.group.clone().map_or(OutCell::Text("全部".into()), OutCell::Text),
        ];
        v.extend(row.values().iter().map(|x| match x {
            FigureValue::Count(n) => OutCell::Number(n.to_string()),
            FigureValue::Decimal(Some(d)) => OutCell::Number(d.to_string()),
            FigureValue::Decimal(None) => OutCell::Empty,
        }));
        sheet.push(v);
    }
    write_xlsx("统计", &sheet)
}
