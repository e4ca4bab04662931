//! End-to-end tests over `fixtures/records/{projects,challenges,complaints}.csv`: import, flags,
//! and every metrics figure checked against a hand computation.
//!
//! Hand computation (2024 schedule: 04-04..06, 05-01..05, 06-10, 09-15..17, 10-01..07 off;
//! 04-07, 04-28, 05-11, 09-14, 09-29 worked. 2025: 04-04..06, 05-01..05 off; 04-27 worked).
//!
//! Reply due = 7 working days after receipt (start excluded):
//!   C01 Mon 2024-03-11 → 03-12..15 (4), 03-18..20 (7) = 03-20; replied 03-15: in time.
//!   C02 Tue 2024-03-12 → 03-13..15 (3), 03-18..21 (7) = 03-21; replied 03-25: LATE.
//!   C03 Mon 2024-04-15 → 04-24; replied 04-19. C04 Tue 04-16 → 04-25; replied 04-24.
//!   C05 Mon 2024-05-13 → 05-14..17 (4), 05-20..22 (7) = 05-22; replied 05-20.
//!   C06 withdrawn, no reply: never late.
//!   C07 Tue 2024-06-04 → 06-05..07 (3), 06-10 holiday, 06-11..14 (7) = 06-14; replied 06-07.
//!   C08 Mon 2024-09-23 → 09-24..27 (4), Sun 09-29 (5), 09-30 (6), 10-01..07 off, 10-08 (7);
//!       no reply: LATE as of 2025-12-31.
//!   C09 Mon 2025-03-10 → 03-19; replied 03-14. C10 Mon 2025-04-14 → 04-23; replied 04-18.
//! Complaint window = 15 working days after the reply due date (after the reply if later):
//!   K01 (C02, late reply 03-25) → 03-26..29 (4), 04-01..03 (7), 04-04..06 off, Sun 04-07 (8),
//!       04-08..12 (13), 04-15, 04-16 (15) = 04-16; filed 04-08: in time.
//!   K02 (C07, due 06-14) → 06-17..21, 06-24..28, 07-01..05 = 07-05; filed 06-20: in time.
//!   K03 (C09, due Wed 2025-03-19) → 03-20, 03-21 (2), 03-24..28 (7), 03-31..04-03 (11),
//!       04-04..06 off, 04-07..10 (15) = 04-10; filed 04-14: OUT OF TIME.
//! Decision due = 30 working days after acceptance (or filing):
//!   K01 accepted Tue 2024-04-09 → 04-10..12 (3), 04-15..19 (8), 04-22..26 (13), Sun 04-28 (14),
//!       04-29, 04-30 (16), 05-01..05 off, 05-06..10 (21), Sat 05-11 (22), 05-13..17 (27),
//!       05-20..22 (30) = 05-22; decided 05-10: in time.
//!   K02 filed Thu 2024-06-20 → 06-21 (1), 06-24..28 (6), 07-01..05 (11), 07-08..12 (16),
//!       07-15..19 (21), 07-22..26 (26), 07-29..08-01 (30) = 08-01; decided 08-20: OVERDUE.
//!   K03 filed Mon 2025-04-14 → 04-15..18 (4), 04-21..25 (9), Sun 04-27 (10), 04-28..30 (13),
//!       05-01..05 off, 05-06..09 (17), 05-12..16 (22), 05-19..23 (27), 05-26..28 (30) = 05-28;
//!       undecided: OVERDUE as of 2025-12-31.
//!
//! Counts per year (agency: 甲 = P24-01, P24-02, P25-01; 乙 = P24-03, P24-04, P25-02, P25-03;
//! self-procured = P24-05, P25-04):
//!   2024 all: projects 5, challenges C01–C08 = 8, complaints K01, K02 = 2, total 10.
//!     per 100 projects: 8×100/5 = 160.00, 2×100/5 = 40.00.
//!     decided C01 C02 C03 C04 C05 C07 = 6, upheld C01 C03 C05 = 3 → 50.00.
//!     complaints decided 2 (驳回, 投诉成立), upheld 1 → 50.00.
//!     late replies C02, C08 = 2; out of time 0; decisions overdue K02 = 1.
//!     links: C01 open; C02 none; C03 accepted + none; C05 dismissed → linked 4, with finding 3,
//!     no finding 1 (C02); links open 1, accepted 1, dismissed 1, none 2.
//!     pre-stage: 甲 10/20/15 + 乙 6/10/9 = 16/30/24 → 80.00.
//!   2025 all: projects 4, challenges 2, complaints 1, total 3.
//!     change: (2−8)/8 = −75.00, (1−2)/2 = −50.00, (3−10)/10 = −70.00 (also year-over-year).
//!     per 100: 2×100/4 = 50.00, 1×100/4 = 25.00. decided 2 (C09 不成立, C10 成立) → 50.00.
//!     complaints decided 0 → empty. late 0, out of time K03 = 1, overdue K03 = 1.
//!     links: C09 open; C10 none → linked 2, with 1, without 1; open 1, none 1.
//!     pre-stage: 12/8/8 + 8/4/3 = 20/12/11 → 11×100/12 = 91.666… → 91.67.
//!   Per agency: see the expected CSV below (same reasoning restricted to each agency; the
//!   2025 乙代理 challenges change is (1−3)/3 = −66.666… → −66.67).

use super::import::{parse_import, ImportFiles, Known};
use super::metrics::*;
use super::model::*;
use super::report::{to_csv, to_json, to_text, to_xlsx};
use super::xlsx::{read_xlsx, write_xlsx, OutCell};
use chrono::NaiveDate;

const PROJECTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/records/projects.csv"));
const CHALLENGES: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/records/challenges.csv"));
const COMPLAINTS: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/records/complaints.csv"));

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn fixture_files() -> ImportFiles {
    ImportFiles {
        projects: Some(("projects.csv".into(), PROJECTS.to_vec())),
        challenges: Some(("challenges.csv".into(), CHALLENGES.to_vec())),
        complaints: Some(("complaints.csv".into(), COMPLAINTS.to_vec())),
    }
}

fn links() -> Vec<ClauseLink> {
    let l = |c: &str, cl: &str, f: Option<FindingStatus>| ClauseLink {
        challenge_id: ChallengeId::parse(c).unwrap(),
        clause_id: cl.into(),
        finding: f,
    };
    vec![
        l("C01", "cl-1", Some(FindingStatus::Open)),
        l("C02", "cl-2", None),
        l("C03", "cl-3", Some(FindingStatus::Accepted)),
        l("C03", "cl-4", None),
        l("C05", "cl-5", Some(FindingStatus::Dismissed)),
        l("C09", "cl-9", Some(FindingStatus::Open)),
        l("C10", "cl-10", None),
    ]
}

fn pre_stage() -> Vec<PreStageActivity> {
    let p = |date: NaiveDate, agency: &str, docs, raised, fixed| PreStageActivity {
        date,
        agency: Some(agency.into()),
        purchaser: None,
        method: None,
        category: None,
        documents_checked: docs,
        findings_raised: raised,
        findings_fixed: fixed,
    };
    vec![
        p(d(2024, 6, 1), "甲代理", 10, 20, 15),
        p(d(2024, 9, 1), "乙代理", 6, 10, 9),
        p(d(2025, 3, 1), "甲代理", 12, 8, 8),
        p(d(2025, 5, 1), "乙代理", 8, 4, 3),
    ]
}

#[test]
fn fixture_imports_cleanly_with_the_expected_flags() {
    let plan = parse_import(fixture_files(), &Known::new());
    assert!(plan.rejected.is_empty(), "{:#?}", plan.rejected);
    assert_eq!((plan.projects.len(), plan.challenges.len(), plan.complaints.len()), (9, 10, 3));
    assert_eq!(plan.projects[2].budget, Fen(280_000_050));
    assert_eq!(plan.projects[4].publish_date, d(2024, 9, 2));
    assert_eq!(plan.challenges[2].claim, "技术参数指向\"某品牌\"型号");
    let flags: Vec<(&str, &str)> = plan.flags.iter().map(|f| (f.check, f.record_id.as_str())).collect();
    // C02 replied late; C05 upheld without corrective action; K02 decided late; K03 out of time.
    assert_eq!(flags, vec![("PR02", "C02"), ("PR04", "C05"), ("PR07", "K02"), ("PR05", "K03")]);
}

const EXPECTED_BY_AGENCY: &str = "\
period,group,projects,challenges,complaints,total,challenges_change_pct,complaints_change_pct,total_change_pct,total_yoy_pct,challenges_per_100_projects,complaints_per_100_projects,total_per_100_projects,challenges_decided,challenges_upheld,challenges_upheld_pct,complaints_decided,complaints_upheld,complaints_upheld_pct,late_replies,complaints_out_of_time,decisions_overdue,deadline_uncertain,challenges_linked,challenges_with_finding,challenges_linked_no_finding,links_finding_open,links_finding_accepted,links_finding_dismissed,links_no_finding,docs_checked,findings_raised,findings_fixed,fixed_pct
2024,,5,8,2,10,,,,,160.00,40.00,200.00,6,3,50.00,2,1,50.00,2,0,1,0,4,3,1,1,1,1,2,16,30,24,80.00
2024,乙代理,2,3,1,4,,,,,150.00,50.00,200.00,2,1,50.00,1,1,100.00,0,0,1,0,1,1,0,0,0,1,0,6,10,9,90.00
2024,甲代理,2,4,1,5,,,,,200.00,50.00,250.00,4,2,50.00,1,0,0.00,1,0,0,0,3,2,1,1,1,0,2,10,20,15,75.00
2024,（自行采购）,1,1,0,1,,,,,100.00,0.00,100.00,0,0,,0,0,,1,0,0,0,0,0,0,0,0,0,0,0,0,0,
2025,,4,2,1,3,-75.00,-50.00,-70.00,-70.00,50.00,25.00,75.00,2,1,50.00,0,0,,0,1,1,0,2,1,1,1,0,0,1,20,12,11,91.67
2025,乙代理,2,1,0,1,-66.67,-100.00,-75.00,-75.00,50.00,0.00,50.00,1,1,100.00,0,0,,0,0,0,0,1,0,1,0,0,0,1,8,4,3,75.00
2025,甲代理,1,1,1,2,-75.00,0.00,-60.00,-60.00,100.00,100.00,200.00,1,0,0.00,0,0,,0,1,1,0,1,1,0,1,0,0,0,12,8,8,100.00
2025,（自行采购）,1,0,0,0,-100.00,,-100.00,-100.00,0.00,0.00,0.00,0,0,,0,0,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
";

fn report(by: Granularity, group: GroupBy, as_of: Option<NaiveDate>, from: i32, to: i32) -> MetricsReport {
    let plan = parse_import(fixture_files(), &Known::new());
    let links = links();
    let pre = pre_stage();
    let input = MetricsInput {
        projects: &plan.projects,
        challenges: &plan.challenges,
        complaints: &plan.complaints,
        links: &links,
        pre_stage: &pre,
    };
    metrics(&input, &MetricsQuery { from_year: from, to_year: to, by, group, as_of })
}

#[test]
fn every_figure_by_year_and_agency() {
    let r = report(Granularity::Year, GroupBy::Agency, Some(d(2025, 12, 31)), 2024, 2025);
    let got = to_csv(&r).replace("\r\n", "\n");
    for (g, e) in got.lines().zip(EXPECTED_BY_AGENCY.lines()) {
        assert_eq!(g, e);
    }
    assert_eq!(got, EXPECTED_BY_AGENCY);
}

#[test]
fn totals_without_grouping_match_the_all_rows() {
    let r = report(Granularity::Year, GroupBy::None, Some(d(2025, 12, 31)), 2024, 2025);
    let got = to_csv(&r).replace("\r\n", "\n");
    // The header and the two all-records rows ("2024,,…" and "2025,,…") of the agency table.
    let expected: Vec<&str> = EXPECTED_BY_AGENCY
        .lines()
        .filter(|l| l.starts_with("period") || l.starts_with("2024,,") || l.starts_with("2025,,"))
        .collect();
    assert_eq!(got.lines().collect::<Vec<_>>(), expected);
    // Without as_of, unanswered items are not judged: 2024 late replies 2 → 1 (C08 drops out),
    // 2025 decisions overdue 1 → 0 (K03 pending).
    let r = report(Granularity::Year, GroupBy::None, None, 2024, 2025);
    assert_eq!((r.rows[0].late_replies, r.rows[1].decisions_overdue), (1, 0));
    assert_eq!(r.rows[1].complaints_out_of_time, 1);
}

#[test]
fn quarters_change_and_year_over_year() {
    // 2025 by quarter. Q1: C09 / P25-01; Q2: C10, K03 / P25-02..04; Q3, Q4 empty.
    // Q1 vs 2024-Q4 (0 records) → empty; yoy vs 2024-Q1 (C01, C02 = 2): (1−2)/2 = −50.00.
    // Q2 vs Q1: challenges (1−1)/1 = 0.00, total (2−1)/1 = 100.00; yoy vs 2024-Q2
    //   (C03..C07 + K01, K02 = 7): (2−7)/7 = −71.43.
    // Q3 vs Q2: −100.00; yoy vs 2024-Q3 (C08 = 1): −100.00. Q4: all empty.
    let r = report(Granularity::Quarter, GroupBy::None, None, 2025, 2025);
    let s = |x: Option<Dec2>| x.map(|d| d.to_string());
    let got: Vec<_> = r
        .rows
        .iter()
        .map(|x| (x.period.as_str(), x.projects, x.challenges, x.complaints, s(x.challenges_change_pct), s(x.total_change_pct), s(x.total_yoy_pct)))
        .collect();
    let e = |v: &str| Some(v.to_string());
    assert_eq!(
        got,
        vec![
            ("2025-Q1", 1, 1, 0, None, None, e("-50.00")),
            ("2025-Q2", 3, 1, 1, e("0.00"), e("100.00"), e("-71.43")),
            ("2025-Q3", 0, 0, 0, e("-100.00"), e("-100.00"), e("-100.00")),
            ("2025-Q4", 0, 0, 0, None, None, None),
        ]
    );
    let m = report(Granularity::Month, GroupBy::None, None, 2024, 2024);
    assert_eq!(m.rows.len(), 12);
    assert_eq!((m.rows[2].period.as_str(), m.rows[2].challenges), ("2024-03", 2));
}

#[test]
fn grouped_by_category_uses_all_projects_as_denominator() {
    // 2024: 地域限制 = C01, C05 (2 challenges, no complaint); 规模条件 = C02 + K01.
    // Projects are not categorised: each category row shows the 5 projects of 2024.
    let r = report(Granularity::Year, GroupBy::Category, None, 2024, 2024);
    let row = |g: &str| r.rows.iter().find(|x| x.group.as_deref() == Some(g)).unwrap();
    let region = row("地域限制");
    assert_eq!((region.projects, region.challenges, region.complaints), (5, 2, 0));
    assert_eq!(region.challenges_per_100_projects, Some(Dec2(4000)));
    let scale = row("规模条件");
    assert_eq!((scale.challenges, scale.complaints, scale.late_replies), (1, 1, 1));
    // By method: 询价 2024 = P24-04, P24-05; C07, C08; K02.
    let r = report(Granularity::Year, GroupBy::Method, None, 2024, 2024);
    let rfq = r.rows.iter().find(|x| x.group.as_deref() == Some("询价")).unwrap();
    assert_eq!((rfq.projects, rfq.challenges, rfq.complaints, rfq.decisions_overdue), (2, 2, 1, 1));
    assert_eq!(rfq.docs_checked, 0); // pre-stage rows carry no method → "（未标注）"
    assert!(r.rows.iter().any(|x| x.group.as_deref() == Some(UNLABELLED) && x.docs_checked == 16));
}

#[test]
fn printers() {
    let r = report(Granularity::Year, GroupBy::Agency, Some(d(2025, 12, 31)), 2024, 2025);
    let text = to_text(&r);
    assert!(text.contains("== 全部 =="));
    assert!(text.contains("合计环比%"));
    assert!(text.contains("-70.00"));
    let json: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
    assert_eq!(json["rows"][4]["total_change_pct"], "-70.00");
    assert_eq!(json["definitions"].as_array().unwrap().len(), FIGURES.len());
    let x = read_xlsx(&to_xlsx(&r).unwrap()).unwrap();
    assert_eq!(x.header.len(), FIGURES.len() + 2);
    assert_eq!(x.rows.len(), r.rows.len());
    // Numbers are read back as numbers: "-70.00" was written as −70 shown with two decimals.
    assert_eq!(x.rows[4].cells.as_ref().unwrap()[8].as_text(), "-70");
    assert!(r.rows.iter().all(|row| row.values().len() == FIGURES.len()));
}

#[test]
fn xlsx_report_reads_back_with_calamine_as_the_same_cells() {
    use calamine::{Data, Reader};
    let r = report(Granularity::Year, GroupBy::Agency, Some(d(2025, 12, 31)), 2024, 2025);
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(to_xlsx(&r).unwrap())).unwrap();
    assert_eq!(book.sheet_names(), vec!["统计"]);
    let text = |s: &str| Data::String(s.to_string());
    let mut expected = vec![[text("期间"), text("分组")].into_iter().chain(FIGURES.iter().map(|f| text(f.label))).collect::<Vec<_>>()];
    for row in &r.rows {
        let mut cells = vec![text(&row.period), text(row.group.as_deref().unwrap_or("全部"))];
        cells.extend(row.values().iter().map(|v| match v {
            FigureValue::Count(n) => Data::Float(*n as f64),
            FigureValue::Decimal(Some(x)) => Data::Float(x.to_string().parse().unwrap()),
            FigureValue::Decimal(None) => Data::Empty,
        }));
        expected.push(cells);
    }
    // calamine may read a whole number as an integer; the value is what counts.
    let number = |d: &Data| match d {
        Data::Int(n) => Data::Float(*n as f64),
        other => other.clone(),
    };
    let range = book.worksheet_range("统计").unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    let got: Vec<Vec<Data>> = range.rows().map(|cells| cells.iter().map(number).collect()).collect();
    assert_eq!(got, expected);
}

#[test]
fn xlsx_round_trip_of_the_fixture() {
    // Re-encode every fixture file as XLSX (dates as serials, budgets as numbers) and import it:
    // the records must be identical to the CSV import.
    let csv_plan = parse_import(fixture_files(), &Known::new());
    let to_book = |bytes: &[u8], date_cols: &[&str], num_cols: &[&str]| -> Vec<u8> {
        let t = super::csv::parse_csv(std::str::from_utf8(bytes).unwrap());
        let mut rows = vec![t.header.iter().map(|h| OutCell::Text(h.clone())).collect::<Vec<_>>()];
        for r in &t.rows {
            let cells = r.cells.as_ref().unwrap();
            rows.push(
                cells
                    .iter()
                    .zip(&t.header)
                    .map(|(c, h)| {
                        let v = c.as_text();
                        if v.is_empty() {
                            OutCell::Empty
                        } else if date_cols.contains(&h.as_str()) {
                            OutCell::Date(parse_date(v).unwrap())
                        } else if num_cols.contains(&h.as_str()) {
                            OutCell::Number(v.replace(',', ""))
                        } else {
                            OutCell::Text(v.to_string())
                        }
                    })
                    .collect(),
            );
        }
        write_xlsx("sheet", &rows).unwrap()
    };
    let files = ImportFiles {
        projects: Some(("p.xlsx".into(), to_book(PROJECTS, &["publish_date"], &["budget_yuan"]))),
        challenges: Some(("c.xlsx".into(), to_book(CHALLENGES, &["received_date", "reply_date"], &[]))),
        complaints: Some(("k.xlsx".into(), to_book(COMPLAINTS, &["filed_date", "decision_date", "accepted_date"], &[]))),
    };
    let x_plan = parse_import(files, &Known::new());
    assert!(x_plan.rejected.is_empty(), "{:#?}", x_plan.rejected);
    assert_eq!(x_plan.projects, csv_plan.projects);
    assert_eq!(x_plan.challenges, csv_plan.challenges);
    assert_eq!(x_plan.complaints, csv_plan.complaints);
}


#[test]
fn mutated_inputs_never_panic() {
    // Deterministic byte mutations of the CSV fixture and of an XLSX rendering of it: the
    // importer must return (rows rejected or not), never panic.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n.max(1)
    };
    let xlsx = {
        let t = super::csv::parse_csv(std::str::from_utf8(CHALLENGES).unwrap());
        let mut rows = vec![t.header.iter().map(|h| OutCell::Text(h.clone())).collect::<Vec<_>>()];
        rows.extend(t.rows.iter().map(|r| r.cells.as_ref().unwrap().iter().map(|c| OutCell::Text(c.as_text().into())).collect()));
        write_xlsx("s", &rows).unwrap()
    };
    let noise = [b'"', b',', b'\n', b'\r', 0xff, 0xe4, b'9', b'-', b'.', 0x00, b'<', b'&'];
    for round in 0..400 {
        let base: &[u8] = if round % 2 == 0 { CHALLENGES } else { &xlsx };
        let mut bytes = base.to_vec();
        for _ in 0..1 + next(8) {
            match next(3) {
                0 if !bytes.is_empty() => {
                    let i = next(bytes.len());
                    bytes[i] = noise[next(noise.len())];
                }
                1 if !bytes.is_empty() => {
                    let i = next(bytes.len());
                    bytes.truncate(i);
                }
                _ => {
                    let i = next(bytes.len() + 1);
                    bytes.insert(i, noise[next(noise.len())]);
                }
            }
        }
        let name = if round % 2 == 0 { "c.csv" } else { "c.xlsx" };
        let files = ImportFiles {
            projects: Some(("projects.csv".into(), PROJECTS.to_vec())),
            challenges: Some((name.into(), bytes)),
            complaints: Some(("complaints.csv".into(), COMPLAINTS.to_vec())),
        };
        let plan = parse_import(files, &Known::new());
        assert!(plan.challenges.len() <= 10);
    }
}

#[test]
fn complaint_against_a_stored_challenge_is_checked() {
    // The stored challenge C09 (reply due 2025-03-19, complaint window 2025-04-10, see above).
    let plan = parse_import(fixture_files(), &Known::new());
    let mut known = Known::new();
    for c in &plan.challenges {
        known.add_challenge(c.clone());
    }
    let files = ImportFiles {
        complaints: Some(("k.csv".into(), "id,challenge_id,filed_date,decision_date,outcome\nK10,C09,2025-04-10,,\nK11,C09,2025-04-11,,\nK12,C09,2025-03-01,,\n".as_bytes().to_vec())),
        ..Default::default()
    };
    let p = parse_import(files, &known);
    assert_eq!(p.complaints.len(), 2);
    assert_eq!(p.rejected.len(), 1); // K12 filed before the challenge was received
    assert_eq!(p.rejected[0].row, 4);
    let flags: Vec<_> = p.flags.iter().map(|f| (f.check, f.record_id.as_str())).collect();
    assert_eq!(flags, vec![("PR05", "K11")]);
}
