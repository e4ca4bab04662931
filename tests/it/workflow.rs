//! The three stages as a workflow, end to end through the API: an officer's draft, a
//! reviewer's decisions, the approval gate, a corrected version that fixes findings and
//! carries decisions, publication, a challenge linked to a clause, what inspectors see, and
//! the audit log that records it all and cannot be changed.

use crate::helpers::*;
use axum::http::StatusCode;
use fairtender::core::account::Role;
use serde_json::{json, Value};

const AGENCY: &str = "青岚市采购中心";

/// A draft with three violations (registered capital, local registration, a named brand).
const V1: &str = "第一章 招标公告\n一、项目名称：第二中学设备采购\n二、申请人的资格要求\n\
1. 投标人须具有独立承担民事责任的能力。\n\
2. 投标人注册资本不低于人民币1000万元。\n\
3. 投标人须在本市注册并设有常驻服务机构。\n\
4. 投标人须具有良好的商业信誉和健全的财务会计制度。\n\
第二章 采购需求\n一、交货地点：采购人指定地点。\n二、所投产品须为华为品牌。\n";

/// The corrected version: the capital and local clauses are gone, one clause is reworded,
/// and the brand clause moved to the front of the requirements (its decision must follow it).
const V2: &str = "第一章 招标公告\n一、项目名称：第二中学设备采购\n二、申请人的资格要求\n\
1. 投标人须具有独立承担民事责任的能力。\n\
2. 投标人须具有良好的商业信誉和健全的财务会计制度，近三年无重大违法记录。\n\
第二章 采购需求\n一、所投产品须为华为品牌。\n二、交货地点：采购人指定地点。\n";

async fn findings(app: &TestApp, token: &str, doc: i64) -> Vec<Value> {
    let r = app.get_with(&format!("/api/v1/documents/{doc}/findings"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json["findings"].as_array().unwrap().clone()
}

fn by_text<'a>(fs: &'a [Value], needle: &str) -> &'a Value {
    fs.iter()
        .find(|f| f["clause"].as_str().unwrap_or("").contains(needle) && f["severity"] == "violation")
        .unwrap_or_else(|| panic!("no violation on a clause with {needle}: {fs:?}"))
}

#[tokio::test]
async fn draft_review_gate_amendment_publication_challenge_and_audit() {
    let app = spawn_app().await;
    let officer = app.token(Role::Officer, &[AGENCY]).await;
    let reviewer = app.token(Role::Reviewer, &[AGENCY]).await;
    let inspector = app.token(Role::Inspector, &[]).await;
    let stranger = app.token(Role::Reviewer, &["白沙县采购中心"]).await;

    // 事前: the officer creates the project and uploads a draft; it is confidential.
    let created = app.post_json_as("/api/v1/projects", &officer, &project_json("QL-2026-07", AGENCY)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["status"], "draft");
    let p = created.json["id"].as_i64().unwrap();
    let other = app.post_json_as("/api/v1/projects", &officer, &project_json("QL-2026-08", "白沙县采购中心")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "an officer creates projects of their own agency only");
    let up = app.upload_as(&officer, p, "v1.txt", V1.as_bytes()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.json);
    let v1 = up.json["id"].as_i64().unwrap();
    for t in [&inspector, &stranger] {
        assert_eq!(app.get_with(&format!("/api/v1/projects/{p}"), t).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get_with(&format!("/api/v1/documents/{v1}/findings"), t).await.status, StatusCode::NOT_FOUND);
    }
    let hits = app.get_with("/api/v1/search?q=%E6%B3%A8%E5%86%8C%E8%B5%84%E6%9C%AC", &inspector).await;
    assert_eq!(hits.json["total"], 0, "a draft is not searchable by inspectors: {}", hits.json);

    // Submit; the reviewer decides.
    assert_eq!(app.post_json_as(&format!("/api/v1/projects/{p}/approve"), &officer, &json!({})).await.status, StatusCode::FORBIDDEN);
    let submitted = app.post_json_as(&format!("/api/v1/projects/{p}/submit"), &officer, &json!({})).await;
    assert_eq!(submitted.json["status"], "in_review", "{}", submitted.json);
    let fs = findings(&app, &reviewer, v1).await;
    let capital = by_text(&fs, "注册资本")["id"].as_i64().unwrap();
    let local = by_text(&fs, "本市注册")["id"].as_i64().unwrap();
    let brand = by_text(&fs, "华为")["id"].as_i64().unwrap();
    let app_ref = &app;
    let decide = |id: i64, d: &str, reason: Option<&str>| {
        let body = json!({"decision": d, "reason": reason});
        let url = format!("/api/v1/findings/{id}/decision");
        let token = reviewer.clone();
        async move { app_ref.post_json_as(&url, &token, &body).await }
    };
    assert_eq!(decide(capital, "confirm", None).await.json["status"], "confirmed");
    assert_eq!(decide(local, "dismiss", None).await.status, StatusCode::UNPROCESSABLE_ENTITY, "a dismissal needs a reason");
    assert_eq!(decide(local, "confirm", None).await.status, StatusCode::OK);
    let officer_decides = app.post_json_as(&format!("/api/v1/findings/{brand}/decision"), &officer, &json!({"decision": "confirm"})).await;
    assert_eq!(officer_decides.status, StatusCode::FORBIDDEN);
    let req = app
        .post_json_as(&format!("/api/v1/findings/{brand}/dismissal-request"), &officer, &json!({"reason": "采购人已有同品牌设备需兼容"}))
        .await;
    assert_eq!(req.status, StatusCode::OK, "{}", req.json);
    assert_eq!(req.json["dismissal_request"], "采购人已有同品牌设备需兼容");
    let refused = decide(brand, "refuse_dismissal", Some("兼容需求应以技术参数表述，不得指定品牌")).await;
    assert_eq!(refused.json["status"], "open", "{}", refused.json);
    assert!(refused.json["dismissal_request"].is_null());
    assert_eq!(
        app.post_json_as(&format!("/api/v1/findings/{brand}/decision"), &stranger, &json!({"decision": "confirm"})).await.status,
        StatusCode::NOT_FOUND,
        "another agency's reviewer does not see the finding"
    );

    // The gate: approval is refused with the blocking findings and their clauses.
    let blocked = app.post_json_as(&format!("/api/v1/projects/{p}/approve"), &reviewer, &json!({})).await;
    assert_eq!(blocked.status, StatusCode::CONFLICT, "{}", blocked.json);
    assert_eq!(blocked.json["error"]["code"], "approval_blocked");
    let blocking: Vec<i64> = blocked.json["error"]["blocking"].as_array().unwrap().iter().map(|b| b["finding_id"].as_i64().unwrap()).collect();
    for id in [capital, local, brand] {
        assert!(blocking.contains(&id), "{id} not listed: {}", blocked.json);
    }
    assert!(blocked.json["error"]["blocking"][0]["clause_text"].as_str().unwrap().len() > 4);
    let back = app.post_json_as(&format!("/api/v1/projects/{p}/return"), &reviewer, &json!({})).await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY, "returning needs a reason");
    let back = app.post_json_as(&format!("/api/v1/projects/{p}/return"), &reviewer, &json!({"reason": "请删除注册资本和本地注册要求"})).await;
    assert_eq!(back.json["status"], "draft", "{}", back.json);

    // 事中: the corrected version. Findings whose clause is gone are fixed; the brand
    // finding moved with its clause and keeps its history.
    let up = app.upload_as(&officer, p, "v2.txt", V2.as_bytes()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.json);
    let v2 = up.json["id"].as_i64().unwrap();
    assert_eq!(up.json["version"], 2);
    let old = findings(&app, &reviewer, v1).await;
    for id in [capital, local] {
        let f = old.iter().find(|f| f["id"] == id).unwrap();
        assert_eq!(f["status"], "fixed", "{f}");
        assert_eq!(f["fixed_in_document_id"], v2);
    }
    let new = findings(&app, &reviewer, v2).await;
    let brand2 = by_text(&new, "华为");
    assert_eq!(brand2["identity"], old.iter().find(|f| f["id"] == brand).unwrap()["identity"]);
    assert!(new.iter().all(|f| !f["clause"].as_str().unwrap().contains("注册资本")));
    let brand2 = brand2["id"].as_i64().unwrap();
    let history = app.get_with(&format!("/api/v1/findings/{brand2}/history"), &officer).await;
    let actions: Vec<&str> = history.json.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["finding.request_dismissal", "finding.refuse_dismissal"], "{}", history.json);

    let diff = app.get_with(&format!("/api/v1/documents/{v2}/diff"), &officer).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.json);
    assert_eq!(diff.json["previous_document_id"], v1);
    assert_eq!(diff.json["removed"], 2, "{}", diff.json);
    assert_eq!(diff.json["changed"], 1, "{}", diff.json);
    assert!(diff.json["moved"].as_u64().unwrap() >= 1, "{}", diff.json);
    let fixed: Vec<i64> = diff.json["fixed_findings"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert!(fixed.contains(&capital) && fixed.contains(&local), "{}", diff.json);

    // A reviewer flags a clause by hand; it blocks like any confirmed violation until
    // accepted with a reason.
    let clauses = app.get_with(&format!("/api/v1/documents/{v2}/clauses"), &reviewer).await;
    let honesty = clauses.json["clauses"].as_array().unwrap().iter().find(|c| c["text"].as_str().unwrap().contains("重大违法记录")).unwrap()["id"].as_i64().unwrap();
    let flag = app
        .post_json_as(&format!("/api/v1/clauses/{honesty}/flags"), &reviewer, &json!({"category": "other", "severity": "violation", "note": "“近三年”超出法定的三年内要求表述，需核对"}))
        .await;
    assert_eq!(flag.status, StatusCode::CREATED, "{}", flag.json);
    let manual = flag.json["finding_id"].as_i64().unwrap();
    assert_eq!(app.post_json_as(&format!("/api/v1/projects/{p}/submit"), &officer, &json!({})).await.json["status"], "in_review");
    let blocked = app.post_json_as(&format!("/api/v1/projects/{p}/approve"), &reviewer, &json!({})).await;
    let ids: Vec<i64> = blocked.json["error"]["blocking"].as_array().unwrap().iter().map(|b| b["finding_id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&manual) && ids.contains(&brand2), "{}", blocked.json);
    for id in ids {
        let r = decide(id, "accept", Some("已与采购人确认，发布前在澄清中说明")).await;
        assert_eq!(r.json["status"], "accepted", "{}", r.json);
    }
    let approved = app.post_json_as(&format!("/api/v1/projects/{p}/approve"), &reviewer, &json!({})).await;
    assert_eq!(approved.json["status"], "approved", "{}", approved.json);
    assert_eq!(app.post_json_as(&format!("/api/v1/projects/{p}/award"), &officer, &json!({})).await.status, StatusCode::CONFLICT);
    let published = app.post_json_as(&format!("/api/v1/projects/{p}/publish"), &officer, &json!({})).await;
    assert_eq!(published.json["status"], "published", "{}", published.json);

    // 事后: inspectors now see it; a supplier's challenge is linked to the clause it targets.
    assert_eq!(app.get_with(&format!("/api/v1/projects/{p}"), &inspector).await.status, StatusCode::OK);
    let hits = app.get_with("/api/v1/search?q=%E5%8D%8E%E4%B8%BA", &inspector).await;
    assert!(hits.json["total"].as_u64().unwrap() >= 1, "{}", hits.json);
    let projects = format!("project_no,name,purchaser,agency,method,budget_yuan,publish_date\nQL-2026-07,第二中学设备采购,青岚市第二中学,{AGENCY},公开招标,1800000,2026-03-02\n");
    let challenges = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\nQ-07-1,QL-2026-07,甲科技有限公司,2026-03-09,designation,指定华为品牌,2026-03-13,成立\n";
    let (ct, body) = multipart(&[("projects", "p.csv", projects.as_bytes()), ("challenges", "c.csv", challenges.as_bytes())]);
    let imported = app.post_raw("/api/v1/records/import", &ct, body).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.json);
    let brand_clause = clauses.json["clauses"].as_array().unwrap().iter().find(|c| c["text"].as_str().unwrap().contains("华为")).unwrap()["id"].as_i64().unwrap();
    let link = app.post_json_as("/api/v1/challenges/Q-07-1/clauses", &reviewer, &json!({"clause_id": brand_clause})).await;
    assert!(link.status.is_success(), "{} {}", link.status, link.json);
    let detail = app.get_with(&format!("/api/v1/projects/{p}"), &inspector).await;
    assert_eq!(detail.json["challenges"][0]["id"], "Q-07-1", "{}", detail.json);

    // An inspector's draw over the agency's published projects includes this one (the only
    // candidate), is verifiable, and takes a conclusion with remediation.
    let created = app
        .post_json_as("/api/v1/inspections", &inspector, &json!({"name": "2026年第一季度政府采购专项检查", "scope": {"agencies": [AGENCY], "years": [2025, 2026]}, "sample_size": 3, "inspectors_per_project": 1}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let insp = created.json["id"].as_i64().unwrap();
    let frozen = app.post_json_as(&format!("/api/v1/inspections/{insp}/draws"), &inspector, &json!({})).await;
    assert_eq!(frozen.status, StatusCode::CREATED, "{}", frozen.json);
    assert_eq!(frozen.json["candidates"], json!([p]));
    assert!(frozen.json["seed"].is_null());
    let draw = frozen.json["id"].as_i64().unwrap();
    let drawn = app.post_json_as(&format!("/api/v1/inspections/{insp}/draws/{draw}/seed"), &inspector, &json!({"seed": "2026-04-01 公开摇号 0415"})).await;
    assert_eq!(drawn.json["sample"][0]["project_id"], p, "{}", drawn.json);
    assert_eq!(drawn.json["sample"][0]["inspectors"].as_array().unwrap().len(), 1);
    let verified = app.get_with(&format!("/api/v1/inspections/{insp}/draws/{draw}/verify"), &officer).await;
    assert_eq!(verified.json["verified"], true, "{}", verified.json);
    let concluded = app
        .post_json_as(&format!("/api/v1/inspections/{insp}/results"), &inspector, &json!({"project_id": p, "conclusion": "存在问题", "categories": ["designation"], "finding_ids": [brand2], "remediation_required": true, "remediation_due": "2026-05-15"}))
        .await;
    assert_eq!(concluded.status, StatusCode::OK, "{}", concluded.json);
    let reported = app
        .post_json_as(&format!("/api/v1/inspections/{insp}/results/{p}/remediation"), &inspector, &json!({"report": "已发布更正公告删除品牌要求", "resolution": "fully"}))
        .await;
    assert_eq!(reported.json["resolution"], "fully", "{}", reported.json);
    assert_eq!(app.post_json_as(&format!("/api/v1/inspections/{insp}/conclude"), &inspector, &json!({})).await.json["status"], "concluded");

    // The corrections view: what was fixed, in which version, prompted by the review.
    let corrections = app.get_with(&format!("/api/v1/projects/{p}/corrections"), &inspector).await;
    let list = corrections.json.as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", corrections.json);
    for c in list {
        assert_eq!(c["found_in_version"], 1);
        assert_eq!(c["fixed_in_version"], 2);
        assert!(c["prompted_by"].as_array().unwrap().contains(&json!("review")), "{c}");
    }

    // 更正: a third version drops the challenged clause; the challenge is cured by it.
    let cures = app.get_with(&format!("/api/v1/projects/{p}/challenges"), &inspector).await;
    assert_eq!(cures.json[0]["challenge_id"], "Q-07-1", "{}", cures.json);
    assert!(cures.json[0]["cured_in_version"].is_null());
    let v3 = V2.replace("一、所投产品须为华为品牌。\n", "");
    let up = app.upload_as(&officer, p, "v3.txt", v3.as_bytes()).await;
    assert_eq!(up.json["version"], 3, "{}", up.json);
    let cures = app.get_with(&format!("/api/v1/projects/{p}/challenges"), &inspector).await;
    assert_eq!((cures.json[0]["version"].as_i64(), cures.json[0]["cured_in_version"].as_i64()), (Some(2), Some(3)), "{}", cures.json);

    // The audit log has every step; it has no way to change or delete an event.
    let log = app.get_with("/api/v1/audit?limit=500", &inspector).await;
    let actions: Vec<&str> = log.json["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["document.upload", "project.in_review", "finding.confirm", "finding.request_dismissal", "project.draft", "finding.fixed", "finding.flag", "finding.accept", "project.approved", "project.published", "inspection.freeze", "inspection.draw", "inspection.conclusion", "inspection.concluded"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let scoped = app.get_with("/api/v1/audit?limit=500", &stranger).await;
    assert_eq!(scoped.json["total"], 0, "another agency's reviewer sees none of these events: {}", scoped.json);
    let before = log.json["total"].as_u64().unwrap();
    let first = log.json["events"][0]["id"].as_i64().unwrap();
    for method in ["DELETE", "PUT", "PATCH"] {
        let r = app.request(method, "/api/v1/audit", "application/json", b"{}".to_vec()).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        let r = app.request(method, &format!("/api/v1/audit/{first}"), "application/json", b"{}".to_vec()).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}");
    }
    let after = app.get_with("/api/v1/audit?limit=500", &inspector).await;
    assert_eq!(after.json["total"].as_u64().unwrap(), before);
    assert_eq!(after.json["events"][0], log.json["events"][0]);
}


/// A decision follows its clause when clauses move, and a finding that a later version
/// removes and a still later one brings back starts open again.
#[tokio::test]
async fn a_moved_clause_keeps_its_decision() {
    let app = spawn_app().await;
    let officer = app.token(Role::Officer, &[AGENCY]).await;
    let reviewer = app.token(Role::Reviewer, &[AGENCY]).await;
    let p = app.post_json_as("/api/v1/projects", &officer, &project_json("QL-MOVE", AGENCY)).await.json["id"].as_i64().unwrap();
    let v1 = app.upload_as(&officer, p, "a.txt", V1.as_bytes()).await.json["id"].as_i64().unwrap();
    let fs = findings(&app, &reviewer, v1).await;
    let capital = by_text(&fs, "注册资本")["id"].as_i64().unwrap();
    let r = app.post_json_as(&format!("/api/v1/findings/{capital}/decision"), &reviewer, &json!({"decision": "dismiss", "reason": "测试：视为误报"})).await;
    assert_eq!(r.json["status"], "dismissed", "{}", r.json);
    // The same clauses in another order and renumbered.
    let mut lines: Vec<&str> = V1.lines().collect();
    lines.swap(4, 6);
    let moved = lines.join("\n").replace("2. 投标人注册资本", "（三）投标人注册资本");
    let v2 = app.upload_as(&officer, p, "b.txt", moved.as_bytes()).await;
    assert_eq!(v2.status, StatusCode::CREATED, "{}", v2.json);
    let fs2 = findings(&app, &reviewer, v2.json["id"].as_i64().unwrap()).await;
    let carried = by_text(&fs2, "注册资本");
    assert_eq!(carried["status"], "dismissed", "{carried}");
    assert_eq!(carried["reason"], "测试：视为误报");
    assert!(fs2.iter().filter(|f| f["status"] == "fixed").count() == 0);
    // The dismissal becomes a must-not-hit example for the rule; an open finding is not one.
    let example = app.get_with(&format!("/api/v1/findings/{}/rule-example", carried["id"]), &reviewer).await;
    assert_eq!(example.json["kind"], "miss", "{}", example.json);
    assert_eq!(example.json["rule_id"], carried["rule"]);
    assert!(example.json["file"].as_str().unwrap().ends_with(&format!("/{}.toml", carried["rule"].as_str().unwrap())));
    let line = example.json["toml"].as_str().unwrap();
    assert!(line.contains("注册资本") && line.starts_with("  { section = "), "{line}");
    let open = fs2.iter().find(|f| f["status"] == "open").unwrap();
    assert_eq!(app.get_with(&format!("/api/v1/findings/{}/rule-example", open["id"]), &reviewer).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deciding on the old version is refused: it is not the current one.
    let stale = app.post_json_as(&format!("/api/v1/findings/{capital}/decision"), &reviewer, &json!({"decision": "reopen"})).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.json);
}

/// The same frozen list and seed give the same sample; a redraw keeps the first draw; a list
/// changed in the database afterwards fails verification.
#[tokio::test]
async fn draws_are_reproducible_kept_and_tamper_evident() {
    let app = spawn_app().await;
    let inspector = app.token(Role::Inspector, &[]).await;
    let _second = make_token(&app.service, "inspector-two", Role::Inspector, &[]).await;
    // Twelve published projects of two agencies (a register import publishes them).
    let mut csv = String::from("project_no,name,purchaser,agency,method,budget_yuan,publish_date\n");
    for i in 0..12 {
        let agency = if i % 2 == 0 { "甲代理" } else { "乙代理" };
        csv.push_str(&format!("D-{i:02},项目{i},某单位,{agency},公开招标,100000,2025-0{}-10\n", 1 + i % 9));
    }
    let (ct, body) = multipart(&[("projects", "p.csv", csv.as_bytes())]);
    assert_eq!(app.post_raw("/api/v1/records/import", &ct, body).await.status, StatusCode::OK);
    let new = |name: &str| json!({"name": name, "scope": {"agencies": ["甲代理"]}, "sample_size": 3});
    let a = app.post_json_as("/api/v1/inspections", &inspector, &new("甲")).await.json["id"].as_i64().unwrap();
    let d1 = app.post_json_as(&format!("/api/v1/inspections/{a}/draws"), &inspector, &json!({})).await;
    assert_eq!(d1.json["candidates"].as_array().unwrap().len(), 6, "{}", d1.json);
    let d1id = d1.json["id"].as_i64().unwrap();
    let s1 = app.post_json_as(&format!("/api/v1/inspections/{a}/draws/{d1id}/seed"), &inspector, &json!({"seed": "fixed-seed-1"})).await;
    assert_eq!(s1.json["sample"].as_array().unwrap().len(), 3);
    let again = app.post_json_as(&format!("/api/v1/inspections/{a}/draws/{d1id}/seed"), &inspector, &json!({"seed": "another"})).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a seed is fixed once");

    // Another inspection over the same list with the same seed draws the same projects.
    let b = app.post_json_as("/api/v1/inspections", &inspector, &new("乙")).await.json["id"].as_i64().unwrap();
    let d2 = app.post_json_as(&format!("/api/v1/inspections/{b}/draws"), &inspector, &json!({})).await;
    assert_eq!(d2.json["candidates_hash"], d1.json["candidates_hash"]);
    let d2id = d2.json["id"].as_i64().unwrap();
    let s2 = app.post_json_as(&format!("/api/v1/inspections/{b}/draws/{d2id}/seed"), &inspector, &json!({"seed": "fixed-seed-1"})).await;
    let ids = |v: &Value| v["sample"].as_array().unwrap().iter().map(|s| s["project_id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&s1.json), ids(&s2.json));

    // A redraw needs a reason; both draws stay visible.
    let no_reason = app.post_json_as(&format!("/api/v1/inspections/{a}/draws"), &inspector, &json!({})).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let redraw = app.post_json_as(&format!("/api/v1/inspections/{a}/draws"), &inspector, &json!({"reason": "抽中项目与检查人员存在利害关系，经批准重新抽取"})).await;
    assert_eq!(redraw.json["ordinal"], 2, "{}", redraw.json);
    let detail = app.get_with(&format!("/api/v1/inspections/{a}"), &inspector).await;
    assert_eq!(detail.json["draws"].as_array().unwrap().len(), 2);

    // Tampering: a project removed from the stored list no longer matches the hash.
    assert_eq!(app.get_with(&format!("/api/v1/inspections/{a}/draws/{d1id}/verify"), &inspector).await.json["verified"], true);
    use sea_orm::{ConnectionTrait, Database};
    let db = Database::connect(app.config.database_url()).await.unwrap();
    let kept: Vec<i64> = d1.json["candidates"].as_array().unwrap().iter().skip(1).map(|v| v.as_i64().unwrap()).collect();
    db.execute_unprepared(&format!("UPDATE inspection_draw SET candidates = '{}' WHERE id = {d1id}", serde_json::to_string(&kept).unwrap()))
        .await
        .unwrap();
    let v = app.get_with(&format!("/api/v1/inspections/{a}/draws/{d1id}/verify"), &inspector).await;
    assert_eq!(v.json["verified"], false, "{}", v.json);
    assert_eq!(v.json["candidates_match_hash"], false);
}

/// A clause a reviewer flagged becomes a precedent: a later upload of the agency with a
/// near-duplicate clause no rule flags gets a notice pointing at it; another agency's upload
/// does not, while the precedent's project is an unpublished draft.
#[tokio::test]
async fn a_flagged_clause_is_a_precedent_for_the_next_upload() {
    let app = spawn_app().await;
    let officer = app.token(Role::Officer, &[AGENCY]).await;
    let reviewer = app.token(Role::Reviewer, &[AGENCY]).await;
    let elsewhere = app.token(Role::Officer, &["白沙县采购中心"]).await;
    let doc = |clause: &str| format!("第一章 资格要求\n1. 投标人须具有独立承担民事责任的能力。\n2. {clause}\n");
    let a = app.post_json_as("/api/v1/projects", &officer, &project_json("QL-PREC-A", AGENCY)).await.json["id"].as_i64().unwrap();
    let up = app.upload_as(&officer, a, "a.txt", doc("供应商须承诺中标后三日内组建不少于八人的驻场团队，团队成员须参加采购人组织的入场培训并考核合格。").as_bytes()).await;
    let da = up.json["id"].as_i64().unwrap();
    assert_eq!(up.json["findings"], 0, "no rule flags the clause: {}", up.json);
    let clauses = app.get_with(&format!("/api/v1/documents/{da}/clauses"), &reviewer).await;
    let team = clauses.json["clauses"].as_array().unwrap().iter().find(|c| c["text"].as_str().unwrap().contains("驻场团队")).unwrap()["id"].as_i64().unwrap();
    let flag = app
        .post_json_as(&format!("/api/v1/clauses/{team}/flags"), &reviewer, &json!({"category": "access_barrier", "severity": "warning", "note": "驻场人数与期限超出项目需要，变相限制外地供应商"}))
        .await;
    assert_eq!(flag.status, StatusCode::CREATED, "{}", flag.json);
    let precedent = flag.json["finding_id"].as_i64().unwrap();

    let reworded = "供应商应承诺中标后五日内组建不少于十人的驻场团队，团队成员须参加采购人组织的入场培训且考核合格。";
    let b = app.post_json_as("/api/v1/projects", &officer, &project_json("QL-PREC-B", AGENCY)).await.json["id"].as_i64().unwrap();
    let db = app.upload_as(&officer, b, "b.txt", doc(reworded).as_bytes()).await.json["id"].as_i64().unwrap();
    let fs = findings(&app, &officer, db).await;
    let notice = fs.iter().find(|f| f["rule"] == "precedent").unwrap_or_else(|| panic!("no precedent notice: {fs:?}"));
    assert_eq!(notice["severity"], "notice");
    assert_eq!(notice["category"], "access_barrier");
    let message = notice["message"].as_str().unwrap();
    assert!(message.contains("与已确认问题条款相似") && message.contains(&format!("#{precedent}")), "{message}");
    assert!(notice["clause"].as_str().unwrap().contains("驻场团队"));

    let c = app.post_json_as("/api/v1/projects", &elsewhere, &project_json("BS-PREC-C", "白沙县采购中心")).await.json["id"].as_i64().unwrap();
    let dc = app.upload_as(&elsewhere, c, "c.txt", doc(reworded).as_bytes()).await.json["id"].as_i64().unwrap();
    assert!(findings(&app, &elsewhere, dc).await.iter().all(|f| f["rule"] != "precedent"), "another agency's draft is not a precedent for it");
}

/// 事中: a clarification uploaded fewer than 15 days before the project's deadline is a
/// finding; once the deadline is moved (顺延), the next one is not.
#[tokio::test]
async fn a_late_clarification_is_flagged_until_the_deadline_moves() {
    let app = spawn_app().await;
    let officer = app.token(Role::Officer, &[AGENCY]).await;
    let mut body = project_json("QL-CLAR", AGENCY);
    body["deadline"] = json!((chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339());
    let p = app.post_json_as("/api/v1/projects", &officer, &body).await.json["id"].as_i64().unwrap();
    assert_eq!(app.upload_as(&officer, p, "t.txt", V2.as_bytes()).await.status, StatusCode::CREATED);
    let clar = "澄清公告\n一、第二章采购需求第一条修改为：所投产品的接口应兼容现有系统。\n";
    let up = app.upload_kind_as(&officer, p, "澄清", "c1.txt", clar.as_bytes()).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.json);
    let fs = findings(&app, &officer, up.json["id"].as_i64().unwrap()).await;
    let late = fs.iter().find(|f| f["rule"] == "T03-dates").unwrap_or_else(|| panic!("{fs:?}"));
    assert!(late["message"].as_str().unwrap().contains("不足15日"), "{late}");
    assert!(late["basis"][0]["article"].as_str().unwrap().contains("第三十一条"), "{late}");

    let moved = app
        .post_json_as(&format!("/api/v1/projects/{p}/deadline"), &officer, &json!({"deadline": (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339()}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.json);
    let up = app.upload_kind_as(&officer, p, "澄清", "c2.txt", format!("{clar}二、投标截止时间顺延。\n").as_bytes()).await;
    let fs = findings(&app, &officer, up.json["id"].as_i64().unwrap()).await;
    assert!(fs.iter().all(|f| f["rule"] != "T03-dates"), "{fs:?}");
}
