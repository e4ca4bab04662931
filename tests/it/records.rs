//! Challenge/complaint registers through the service and its database: import validation,
//! all-or-nothing vs skip-invalid, idempotent re-import, deadlines, metrics, clause links.

use crate::helpers::*;
use axum::http::StatusCode;


fn fixture_records(name: &str) -> Vec<u8> {
    fixture_bytes(&format!("records/{name}"))
}

async fn import_fixture(app: &TestApp) -> Resp {
    let (ct, body) = multipart(&[
        ("projects", "projects.csv", &fixture_records("projects.csv")),
        ("challenges", "challenges.csv", &fixture_records("challenges.csv")),
        ("complaints", "complaints.csv", &fixture_records("complaints.csv")),
    ]);
    app.post_raw("/api/v1/records/import", &ct, body).await
}

#[tokio::test]
async fn import_is_idempotent_and_flags_statutory_breaches() {
    let app = spawn_app().await;
    let r = import_fixture(&app).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["written"]["projects"], 9);
    assert_eq!(r.json["written"]["challenges"], 10);
    assert_eq!(r.json["written"]["complaints"], 3);
    let checks: Vec<&str> = r.json["flags"].as_array().unwrap().iter().map(|f| f["check"].as_str().unwrap()).collect();
    assert!(checks.contains(&"PR02"), "late reply flagged: {checks:?}");
    assert!(checks.contains(&"PR05"), "complaint out of time flagged: {checks:?}");
    // Same files again: nothing changes.
    let again = import_fixture(&app).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["written"]["challenges"], 0);
    assert_eq!(again.json["unchanged"], 22);
    assert_eq!(again.json["rejected"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn metrics_through_the_database_match_the_hand_computed_fixture() {
    let app = spawn_app().await;
    assert_eq!(import_fixture(&app).await.status, StatusCode::OK);
    let m = app.get("/api/v1/metrics?from=2024&to=2025&by=year&as_of=2026-01-31").await;
    assert_eq!(m.status, StatusCode::OK, "{:?}", String::from_utf8_lossy(&m.bytes));
    let rows = m.json["rows"].as_array().unwrap();
    let (y24, y25) = (&rows[0], &rows[1]);
    assert_eq!((y24["period"].as_str(), y25["period"].as_str()), (Some("2024"), Some("2025")));
    // By hand: 2024 has 5 projects, 8 challenges, 2 complaints; 2025 has 4, 2, 1.
    assert_eq!((y24["projects"].as_u64(), y24["challenges"].as_u64(), y24["complaints"].as_u64()), (Some(5), Some(8), Some(2)));
    assert_eq!((y25["projects"].as_u64(), y25["challenges"].as_u64(), y25["complaints"].as_u64()), (Some(4), Some(2), Some(1)));
    // (3 - 10) / 10 = -70.00 %; 8 / 5 * 100 = 160.00 per 100 projects; 2 / 4 * 100 = 50.00.
    assert_eq!(y25["total_change_pct"], "-70.00");
    assert_eq!(y25["challenges_change_pct"], "-75.00");
    assert_eq!(y24["challenges_per_100_projects"], "160.00");
    assert_eq!(y25["challenges_per_100_projects"], "50.00");
    assert_eq!(y24["challenges_upheld_pct"], "50.00");
    assert_eq!(y24["late_replies"], 2);
    assert_eq!(y25["complaints_out_of_time"], 1);

    // The stored records give exactly what the core computes from the files themselves.
    use fairtender::core::records::*;
    let files = ImportFiles {
        projects: Some(("p".into(), fixture_records("projects.csv"))),
        challenges: Some(("c".into(), fixture_records("challenges.csv"))),
        complaints: Some(("k".into(), fixture_records("complaints.csv"))),
    };
    let plan = parse_import(files, &Known::new());
    let q = MetricsQuery {
        from_year: 2024,
        to_year: 2025,
        by: Granularity::Quarter,
        group: GroupBy::Agency,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 1, 31),
    };
    let direct = metrics(
        &MetricsInput { projects: &plan.projects, challenges: &plan.challenges, complaints: &plan.complaints, links: &[], pre_stage: &[] },
        &q,
    );
    let via_db = app.get("/api/v1/metrics?from=2024&to=2025&by=quarter&group=agency&as_of=2026-01-31").await;
    let direct_json: serde_json::Value = serde_json::from_str(&report::to_json(&direct)).unwrap();
    assert_eq!(via_db.json["rows"], direct_json["rows"]);

    let csv = app.get("/api/v1/metrics?from=2024&to=2025&format=csv").await;
    assert!(String::from_utf8(csv.bytes).unwrap().starts_with("period,group,projects"));
    let xlsx = app.get("/api/v1/metrics?from=2024&to=2025&format=xlsx").await;
    assert_eq!(&xlsx.bytes[..2], b"PK");
    assert_eq!(app.get("/api/v1/metrics?by=week").await.status, StatusCode::BAD_REQUEST);
}

const PROJECTS: &str = "project_no,name,purchaser,agency,method,budget_yuan,publish_date\nP1,设备,市教育局,甲代理,公开招标,100000,2025-01-06\n";

#[tokio::test]
async fn rejected_rows_block_the_import_unless_skip_invalid() {
    let app = spawn_app().await;
    let challenges = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\n\
        C1,P1,甲公司,2025-01-10,region,本地注册,2025-01-15,成立\n\
        C2,P1,乙公司,2025-13-40,scale,注册资本,,\n\
        C3,P9,丙公司,2025-01-10,scale,注册资本,,\n\
        C1,P1,丁公司,2025-01-10,scale,重复编号,,\n\
        C5,P1,戊公司,2025-01-20,scale,答复早于收到,2025-01-10,不成立\n\
        C6,P1,己公司,2025-01-20,scale,结果未知,2025-01-21,大概成立\n\
        C7,P1,\"庚公司,2025-01-20\n";
    let complaints = "id,challenge_id,filed_date,decision_date,outcome\nK1,C404,2025-02-10,,\n";
    let (ct, body) = multipart(&[
        ("projects", "projects.csv", PROJECTS.as_bytes()),
        ("challenges", "challenges.csv", challenges.as_bytes()),
        ("complaints", "complaints.csv", complaints.as_bytes()),
    ]);
    let r = app.post_raw("/api/v1/records/import", &ct, body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.json);
    assert_eq!(r.json["error"]["code"], "rows_rejected");
    let rejected = r.json["rejected"].as_array().unwrap();
    let reason = |row: u64| -> String {
        rejected
            .iter()
            .find(|x| x["row"] == row && x["file"] != "complaints.csv")
            .map(|x| x["reason"]["kind"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(reason(3), "field", "{rejected:?}"); // unparseable date
    assert_eq!(reason(4), "unknown_project");
    assert_eq!(reason(5), "duplicate_id");
    assert_eq!(reason(6), "reply_before_receipt");
    assert_eq!(reason(7), "field"); // unknown outcome
    assert!(!reason(8).is_empty(), "broken row reported: {rejected:?}");
    let k = rejected.iter().find(|x| x["file"] == "complaints.csv").unwrap();
    assert_eq!(k["reason"]["kind"], "unknown_challenge");
    assert_eq!(k["id"], "K1");
    assert_eq!(k["row"], 2);
    // Nothing was written.
    let m = app.get("/api/v1/metrics?from=2025&to=2025").await;
    assert_eq!(m.json["rows"][0]["projects"], 0);

    // With skip_invalid the valid rows go in and the rest are reported.
    let (ct, mut body2) = multipart(&[
        ("projects", "projects.csv", PROJECTS.as_bytes()),
        ("challenges", "challenges.csv", challenges.as_bytes()),
        ("complaints", "complaints.csv", complaints.as_bytes()),
    ]);
    let tail = body2.split_off(body2.len() - "------fairtender-form-boundary--\r\n".len());
    body2.extend_from_slice(b"------fairtender-form-boundary\r\nContent-Disposition: form-data; name=\"skip_invalid\"\r\n\r\ntrue\r\n");
    body2.extend_from_slice(&tail);
    let r = app.post_raw("/api/v1/records/import", &ct, body2).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.json);
    assert_eq!(r.json["written"]["projects"], 1);
    assert_eq!(r.json["written"]["challenges"], 1);
    assert_eq!(r.json["written"]["complaints"], 0);
    assert!(r.json["rejected"].as_array().unwrap().len() >= 7);
}

#[tokio::test]
async fn reply_deadline_counts_working_days_across_the_spring_festival() {
    let app = spawn_app().await;
    let challenges = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\nC1,P1,甲公司,2025-01-24,region,本地注册,,\n";
    let (ct, body) = multipart(&[("projects", "p.csv", PROJECTS.as_bytes()), ("challenges", "c.csv", challenges.as_bytes())]);
    assert_eq!(app.post_raw("/api/v1/records/import", &ct, body).await.status, StatusCode::OK);
    // Received Fri 2025-01-24; 7 working days: Sun 01-26 (调休), Mon 01-27, [01-28..02-04 holiday],
    // 02-05, 02-06, 02-07, Sat 02-08 (调休), Mon 02-10.
    let on_time = app.get("/api/v1/records/checks?today=2025-02-10").await;
    assert_eq!(on_time.json["overdue"].as_array().unwrap().len(), 0, "{:?}", on_time.json);
    let late = app.get("/api/v1/records/checks?today=2025-02-11").await;
    let overdue = late.json["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{:?}", late.json);
    assert_eq!(overdue[0]["record_id"], "C1");
    assert_eq!(overdue[0]["due"], "2025-02-10");
}

#[tokio::test]
async fn challenges_linked_to_flagged_clauses_are_counted() {
    let app = spawn_app().await;
    let p = app.project("P1", "甲代理").await;
    let tender = "第一章 招标公告\n二、申请人的资格要求\n1. 投标人注册资本不低于人民币1000万元。\n2. 具有良好的商业信誉。\n";
    let d = app.upload(p, "t.txt", tender.as_bytes()).await;
    let doc = d.json["id"].as_i64().unwrap();
    let clauses = app.get(&format!("/api/v1/documents/{doc}/clauses")).await;
    let id_of = |needle: &str| {
        clauses.json["clauses"].as_array().unwrap().iter().find(|c| c["text"].as_str().unwrap().contains(needle)).unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let challenges = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\n\
        C1,P1,甲公司,2025-01-10,scale,注册资本门槛,2025-01-15,成立\n\
        C2,P1,乙公司,2025-01-10,other,商业信誉,2025-01-15,不成立\n";
    let (ct, body) = multipart(&[("projects", "p.csv", PROJECTS.as_bytes()), ("challenges", "c.csv", challenges.as_bytes())]);
    assert_eq!(app.post_raw("/api/v1/records/import", &ct, body).await.status, StatusCode::OK);
    let link = |c: &'static str, clause: i64| {
        let app = &app;
        async move { app.post_json(&format!("/api/v1/challenges/{c}/clauses"), &serde_json::json!({"clause_id": clause})).await }
    };
    assert_eq!(link("C1", id_of("注册资本")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(link("C2", id_of("商业信誉")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(link("C404", id_of("商业信誉")).await.status, StatusCode::NOT_FOUND);
    // A clause of another project's document is not what C1 challenged.
    let other = app.project("P-OTHER", "甲代理").await;
    let o = app.upload(other, "o.txt", "第一章 招标公告\n一、投标人注册资本不低于人民币500万元。\n".as_bytes()).await;
    let o_clauses = app.get(&format!("/api/v1/documents/{}/clauses", o.json["id"])).await;
    let foreign = o_clauses.json["clauses"][0]["id"].as_i64().unwrap();
    let refused = link("C1", foreign).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", refused.json);
    assert!(refused.json["error"]["message"].as_str().unwrap().contains("不属于"));
    let m = app.get("/api/v1/metrics?from=2025&to=2025&as_of=2025-12-31").await;
    let row = &m.json["rows"][0];
    assert_eq!(row["challenges_linked"], 2, "{row}");
    assert_eq!(row["challenges_with_finding"], 1, "{row}");
    assert_eq!(row["challenges_linked_no_finding"], 1, "{row}");
    assert_eq!(row["links_finding_open"], 1, "{row}");
}

/// One project model: the projects a register lists are projects like any other, listed by
/// `GET /projects`, with their documents and the challenges against them. A project created
/// to upload documents to is matched by 项目编号 within its agency, not duplicated.
#[tokio::test]
async fn register_projects_are_projects_with_their_documents_and_challenges() {
    let app = spawn_app().await;
    let uploaded_to = app.project("P24-01", "甲代理").await;
    let d = app.upload(uploaded_to, "t.txt", "第一章 招标公告\n一、本项目接受联合体投标。".as_bytes()).await;
    assert_eq!(d.status, StatusCode::CREATED, "{:?}", d.json);
    assert_eq!(import_fixture(&app).await.status, StatusCode::OK);

    let list = app.get("/api/v1/projects").await;
    assert_eq!(list.json["total"], 9, "8 created from the register, 1 matched: {:?}", list.json);
    let projects = list.json["projects"].as_array().unwrap();
    assert!(projects.iter().all(|p| !p["registered_at"].is_null()), "every project is in the register");

    // The matched project keeps its id, name and document, and gains its two challenges.
    let show = app.get(&format!("/api/v1/projects/{uploaded_to}")).await;
    assert_eq!(show.json["name"], "第二中学多媒体教室设备采购项目");
    assert_eq!(show.json["documents"].as_array().unwrap().len(), 1);
    let ids: Vec<&str> = show.json["challenges"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["C01", "C02"]);

    // A project only the register knows: its fields come from the register row.
    let p3 = projects.iter().find(|p| p["project_no"] == "P24-03").expect("P24-03 listed");
    assert_eq!((p3["agency"].as_str(), p3["method"].as_str(), p3["budget"].as_str()), (Some("乙代理"), Some("公开招标"), Some("2800000.50")));
    let show3 = app.get(&format!("/api/v1/projects/{}", p3["id"])).await;
    let ids: Vec<&str> = show3.json["challenges"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["C05", "C06"]);

    // A self-procured project (自行采购) belongs to its purchaser.
    let p5 = projects.iter().find(|p| p["project_no"] == "P24-05").expect("P24-05 listed");
    assert_eq!(p5["agency"], "市城管局");

    // Ownership applies to imported projects as to any other.
    let scoped = app.get_as("/api/v1/projects", Some("乙代理")).await;
    let agencies: Vec<&str> = scoped.json["projects"].as_array().unwrap().iter().map(|p| p["agency"].as_str().unwrap()).collect();
    assert!(!agencies.is_empty() && agencies.iter().all(|a| *a == "乙代理"), "{agencies:?}");
    assert_eq!(app.get_as(&format!("/api/v1/projects/{uploaded_to}"), Some("乙代理")).await.status, StatusCode::NOT_FOUND);

    // Re-importing changes nothing.
    assert_eq!(import_fixture(&app).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/projects").await.json["total"], 9);
}

/// A database written before the merge (register projects in `record_project` only) is
/// migrated: every register row becomes a project, matched within its agency when the project
/// existed, and challenges point at their project.
#[tokio::test]
async fn migration_merges_register_projects_into_projects() {
    use fairtender::core::records::{parse_import, ImportFiles, Known};
    use fairtender::server::service::{Config, Scope, Service};
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Database};

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.database_url = fresh_database(dir.path()).await;
    std::fs::create_dir_all(&config.data_dir).unwrap();
    let db = Database::connect(config.database_url()).await.unwrap();
    migration::Migrator::up(&db, Some(3)).await.unwrap();

    // The rows as the old import wrote them: the domain records as JSON payloads.
    let plan = parse_import(
        ImportFiles {
            projects: Some((
                "p.csv".into(),
                "project_no,name,purchaser,agency,method,budget_yuan,publish_date\n\
                 R-1,R-1 办公家具采购,青岚市水务局,丙代理,竞争性磋商,123456,2024-05-06\n\
                 R-2,R-2 办公家具采购,青岚市水务局,,竞争性磋商,123456,2024-05-06\n"
                    .as_bytes()
                    .to_vec(),
            )),
            challenges: Some((
                "c.csv".into(),
                "id,project_no,supplier,received_date,category,claim,reply_date,outcome,target,corrective_action\n\
                 Q-1,R-2,华东科技有限公司,2024-05-10,地域限制,要求本市注册,,,采购文件,\n"
                    .as_bytes()
                    .to_vec(),
            )),
            complaints: None,
        },
        &Known::new(),
    );
    assert!(plan.rejected.is_empty(), "{:?}", plan.rejected);
    let quote = |v: &str| v.replace('\'', "''");
    let at = "'2024-06-01T08:00:00+00:00'";
    let sql = [
        format!("INSERT INTO agency (name, created_at) VALUES ('丙代理', {at})"),
        format!(
            "INSERT INTO project (agency_id, project_no, name, purchaser, method, procurement_type, budget_fen, created_at) \
             SELECT id, 'R-1', '已上传文件的项目', '青岚市水务局', '竞争性磋商', 'goods', 100, {at} FROM agency WHERE name = '丙代理'"
        ),
    ];
    for s in sql {
        db.execute_unprepared(&s).await.unwrap();
    }
    for p in &plan.projects {
        let payload = quote(&serde_json::to_string(p).unwrap());
        db.execute_unprepared(&format!(
            "INSERT INTO record_project (project_no, agency, purchaser, method, publish_date, payload, imported_at) \
             VALUES ('{}', '{}', '青岚市水务局', 'consultation', '2024-05-06', '{payload}', {at})",
            p.project_no.as_str(),
            p.agency.as_deref().unwrap_or("")
        ))
        .await
        .unwrap();
    }
    let payload = quote(&serde_json::to_string(&plan.challenges[0]).unwrap());
    db.execute_unprepared(&format!(
        "INSERT INTO challenge (id, project_no, received_date, category, outcome, payload, imported_at) \
         VALUES ('Q-1', 'R-2', '2024-05-10', 'region', 'pending', '{payload}', {at})"
    ))
    .await
    .unwrap();
    let matched_id: i64 = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), "SELECT id FROM project WHERE project_no = 'R-1'"))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();
    drop(db);

    // Opening the service runs the remaining migrations.
    let service = Service::open(&config).await.unwrap();
    let projects = service.projects(&Scope::All, fairtender::server::store::Page::ALL).await.unwrap().items;
    assert_eq!(projects.len(), 2, "{projects:?}");
    let r1 = projects.iter().find(|p| p.project_no == "R-1").unwrap();
    assert_eq!((r1.id, r1.name.as_str(), r1.agency.as_str()), (matched_id, "已上传文件的项目", "丙代理"));
    assert!(r1.registered_at.is_some());
    assert_eq!(r1.publish_date, chrono::NaiveDate::from_ymd_opt(2024, 5, 6), "filled from the register");
    let r2 = projects.iter().find(|p| p.project_no == "R-2").unwrap();
    assert_eq!((r2.name.as_str(), r2.agency.as_str(), r2.method.as_str(), r2.budget.as_str()), ("R-2 办公家具采购", "青岚市水务局", "竞争性磋商", "123456.00"));
    assert_eq!(r2.publish_date, chrono::NaiveDate::from_ymd_opt(2024, 5, 6));
    // The stored challenge now hangs off its project.
    let (challenges, _) = service.challenges_of(&Scope::All, r2.id).await.unwrap();
    assert_eq!(challenges.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["Q-1"]);
    assert!(service.challenges_of(&Scope::All, r1.id).await.unwrap().0.is_empty());
}

#[path = "../../benches/support/synth.rs"]
#[allow(dead_code)]
mod synth;

/// The benchmarks' synthetic registers import without a rejected row and measure consistently.
#[test]
fn synthetic_bench_data_imports_and_measures() {
    use chrono::Datelike;
    use fairtender::core::records::*;
    let plan = parse_import(synth::import_files(50, 100, 7), &Known::new());
    assert!(plan.rejected.is_empty(), "{:#?}", &plan.rejected[..plan.rejected.len().min(3)]);
    assert_eq!((plan.projects.len(), plan.challenges.len(), plan.complaints.len()), (50, 100, 10));
    let (p, c, k, l) = synth::records(50, 1000, 1);
    let input = MetricsInput { projects: &p, challenges: &c, complaints: &k, links: &l, pre_stage: &[] };
    let q = MetricsQuery {
        from_year: 2024,
        to_year: 2025,
        by: Granularity::Month,
        group: GroupBy::Agency,
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30),
    };
    let r = metrics(&input, &q);
    let total: u64 = r.rows.iter().filter(|x| x.group.is_none()).map(|x| x.challenges).sum();
    assert_eq!(total, c.iter().filter(|x| x.received_date.year() <= 2025).count() as u64);
}

/// The registers follow ownership like everything else: an agency's metrics and checks count
/// only its own projects, it cannot import registers or link another agency's challenges.
#[tokio::test]
async fn registers_are_scoped_to_the_agency_asking() {
    let app = spawn_app().await;
    assert_eq!(import_fixture(&app).await.status, StatusCode::OK);
    let all = app.get("/api/v1/metrics?from=2024&to=2024&by=year&as_of=2026-01-31").await;
    let mine = app.get_as("/api/v1/metrics?from=2024&to=2024&by=year&as_of=2026-01-31", Some("乙代理")).await;
    let (all_p, mine_p) = (all.json["rows"][0]["projects"].as_u64().unwrap(), mine.json["rows"][0]["projects"].as_u64().unwrap());
    assert!(mine_p > 0 && mine_p < all_p, "{mine_p} of {all_p}");
    let checks = app.get_as("/api/v1/records/checks?today=2026-01-31", Some("乙代理")).await;
    assert!(checks.json["flags"].as_array().unwrap().iter().all(|f| !f["record_id"].as_str().unwrap_or("").starts_with("C01")), "{:?}", checks.json);

    // Registers span agencies: an agency's officer may not import them.
    let (ct, body) = multipart(&[("projects", "p.csv", PROJECTS.as_bytes())]);
    let officer = app.token(fairtender::core::account::Role::Officer, &["乙代理"]).await;
    assert_eq!(app.send_as("POST", "/api/v1/records/import", Some(&officer), &ct, body).await.status, StatusCode::FORBIDDEN);

    // C01 is a challenge against 甲代理's P24-01: 乙代理's reviewer does not see it.
    let reviewer = app.token(fairtender::core::account::Role::Reviewer, &["乙代理"]).await;
    let link = app.post_json_as("/api/v1/challenges/C01/clauses", &reviewer, &serde_json::json!({"clause_id": 1})).await;
    assert_eq!(link.status, StatusCode::NOT_FOUND, "{:?}", link.json);
}

/// A project created without a publication date gets its year from the register row, and its
/// document's clauses are found under that year at once.
#[tokio::test]
async fn a_register_row_gives_an_uploaded_project_its_year() {
    let app = spawn_app().await;
    let mut body = project_json("P24-01", "甲代理");
    body.as_object_mut().unwrap().remove("publish_date");
    let created = app.post_json("/api/v1/projects", &body).await;
    let p = created.json["id"].as_i64().unwrap();
    let d = app.upload(p, "t.txt", "第一章 采购需求\n一、交货地点：采购人指定地点（YEARTAG）。\n".as_bytes()).await;
    assert_eq!(d.status, StatusCode::CREATED);
    assert_eq!(app.get("/api/v1/search?q=YEARTAG&year=2024").await.json["total"], 0);
    assert_eq!(import_fixture(&app).await.status, StatusCode::OK);
    let found = app.get("/api/v1/search?q=YEARTAG&year=2024").await;
    assert_eq!(found.json["total"], 1, "{:?}", found.json);
}
