//! Findings stored on upload, reports, the stateless check, and the rule library API.

use crate::helpers::*;
use axum::http::StatusCode;

/// A small tender with a violation in the qualification section and lawful look-alikes.
const TENDER: &str = "\
第一章 招标公告
一、项目基本情况
采购方式：公开招标
预算金额：200万元
二、申请人的资格要求
1. 满足《中华人民共和国政府采购法》第二十二条规定；
2. 投标人注册资本不低于人民币1000万元。
三、其他
本项目不得将注册资本作为资格条件。
第二章 投标文件格式
一、投标人基本情况表
注册资本：______万元
";

#[tokio::test]
async fn upload_checks_the_document_and_stores_findings() {
    let app = spawn_app().await;
    let p = app.project("R-1", "青岚市采购中心").await;
    let r = app.upload(p, "tender.txt", TENDER.as_bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let id = r.json["id"].as_i64().unwrap();
    let version = r.json["rulebook_version"].as_str().unwrap().to_string();
    assert_eq!(version.len(), 16);

    let f = app.get(&format!("/api/v1/documents/{id}/findings")).await;
    assert_eq!(f.status, StatusCode::OK);
    let list = f.json["findings"].as_array().unwrap();
    let scale: Vec<_> = list.iter().filter(|x| x["category"] == "scale").collect();
    assert_eq!(scale.len(), 1, "{list:?}");
    let s = scale[0];
    assert_eq!(s["section_kind"], "qualification");
    assert!(s["clause"].as_str().unwrap().contains("注册资本不低于人民币1000万元"));
    assert!(s["quote"].as_str().unwrap().contains("注册资本"));
    assert_eq!(s["status"], "open");
    assert_eq!(s["rulebook_version"], version.as_str());
    assert!(s["basis"].as_array().unwrap().iter().any(|b| b["law"].as_str().unwrap().contains("87")));
    // The negated prohibition and the blank form are never flagged.
    for x in list {
        let clause = x["clause"].as_str().unwrap();
        assert!(!clause.contains("不得将注册资本"), "negation flagged: {x}");
        assert!(!clause.contains("______"), "blank form flagged: {x}");
    }
    // Offsets point into the document text: the clause at that ordinal contains the quote.
    let clauses = app.get(&format!("/api/v1/documents/{id}/clauses")).await;
    let ord = s["clause_ordinal"].as_i64().unwrap() as usize;
    assert_eq!(clauses.json["clauses"][ord]["text"], s["clause"]);

    let html = app.get(&format!("/api/v1/documents/{id}/report?format=html")).await;
    assert_eq!(html.status, StatusCode::OK);
    let csp = html.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(html.headers["x-content-type-options"], "nosniff");
    let page = String::from_utf8(html.bytes).unwrap();
    assert!(page.contains("<html") && page.contains("注册资本"));
    let json = app.get(&format!("/api/v1/documents/{id}/report?format=json")).await;
    assert_eq!(json.json["rulebook"]["version"], version.as_str());
    assert_eq!(json.json["documents"][0]["file"], "tender.txt");
    let bad = app.get(&format!("/api/v1/documents/{id}/report?format=pdf")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stateless_check_stores_nothing() {
    let app = spawn_app().await;
    let boundary = "XyZ";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\n\r\n").as_bytes());
    body.extend_from_slice(TENDER.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app.post_raw("/api/v1/check", &format!("multipart/form-data; boundary={boundary}"), body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", String::from_utf8_lossy(&r.bytes));
    let findings = r.json["documents"][0]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["rule"] == "S01"), "{findings:?}");
    assert_eq!(app.get("/api/v1/projects").await.json["total"], 0);
    let search = app.get("/api/v1/search?q=%E6%B3%A8%E5%86%8C").await;
    assert_eq!(search.json["total"], 0);
}

#[tokio::test]
async fn rule_library_is_browsable() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/rules").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["total"].as_u64().unwrap() >= 24);
    let one = app.get("/api/v1/rules/R01").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json["category"], "region");
    assert!(one.json["examples"]["hit"].as_array().unwrap().len() >= 2);
    assert!(one.json["examples"]["miss"].as_array().unwrap().len() >= 2);
    assert_eq!(app.get("/api/v1/rules/NOPE").await.status, StatusCode::NOT_FOUND);
}

/// A stored finding keeps only what is particular to it; the rule's text is kept once per
/// rule-set version and the clause comes from the clause table, yet reading it back gives
/// exactly what the checker reported.
#[tokio::test]
async fn stored_findings_read_back_as_checked_without_copying_rule_text() {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let app = spawn_app().await;
    let p = app.project("R-2", "青岚市采购中心").await;
    let r = app.upload(p, "tender.txt", TENDER.as_bytes()).await;
    let id = r.json["id"].as_i64().unwrap();
    let stored = app.get(&format!("/api/v1/documents/{id}/findings")).await.json["findings"].clone();

    let boundary = "----check-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tender.txt\"\r\n\r\n{TENDER}\r\n--{boundary}--\r\n"
    );
    let checked = app.post_raw("/api/v1/check", &format!("multipart/form-data; boundary={boundary}"), body.into_bytes()).await;
    let fresh = checked.json["documents"][0]["findings"].as_array().unwrap().clone();
    let stored = stored.as_array().unwrap();
    assert!(!stored.is_empty());
    assert_eq!(stored.len(), fresh.len());
    for (s, f) in stored.iter().zip(&fresh) {
        for field in ["rule", "severity", "page", "clause_ordinal", "section", "section_kind", "start", "end", "quote", "clause", "message", "basis", "suggestion"] {
            assert_eq!(s[field], f[field], "{field} of {}", f["rule"]);
        }
    }

    let db = Database::connect(app.config.database_url()).await.unwrap();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(backend, format!("SELECT note, clause_text, message, basis FROM finding WHERE document_id = {id}")))
        .await
        .unwrap();
    assert_eq!(rows.len(), stored.len());
    for row in rows {
        assert!(row.try_get::<Option<String>>("", "note").unwrap().is_some());
        for copied in ["clause_text", "message", "basis"] {
            assert_eq!(row.try_get::<String>("", copied).unwrap(), "", "{copied} is not copied");
        }
    }
    let sets = db.query_all_raw(Statement::from_string(backend, "SELECT version FROM rule_set".to_string())).await.unwrap();
    assert_eq!(sets.len(), 1, "one rule set stored once");
}
