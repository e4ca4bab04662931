//! Projects: creation, validation, exact money, ownership scoping.

use crate::helpers::*;
use axum::http::StatusCode;

#[tokio::test]
async fn health_and_openapi() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    let spec = app.get("/api/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    assert_eq!(spec.json["openapi"], "3.1.0");
    assert!(spec.json["paths"]["/api/v1/projects/{id}/documents"]["post"].is_object());
    // Derived from the handlers: every operation is there and every success has a schema.
    let paths = spec.json["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            for (status, resp) in op["responses"].as_object().unwrap() {
                if status == "204" {
                    continue;
                }
                let content = resp["content"].as_object().unwrap_or_else(|| panic!("{method} {path} {status} has no content"));
                assert!(content.values().all(|c| c["schema"].is_object()), "{method} {path} {status}");
            }
        }
    }
    let schemas = &spec.json["components"]["schemas"];
    let kinds: Vec<&str> = schemas["SectionKind"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(kinds.contains(&"qualification") && kinds.contains(&"forms"), "{kinds:?}");
    let methods = schemas["Method"]["enum"].as_array().unwrap();
    assert!(methods.iter().any(|m| m == "open_tender"), "{methods:?}");
    let missing = app.get("/api/v1/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json["error"]["code"], "not_found");
}

#[tokio::test]
async fn create_and_read_a_project_with_an_exact_budget() {
    let app = spawn_app().await;
    let mut body = project_json("QL-2025-001", "青岚市政府采购中心");
    body["budget"] = "1560000.05".into();
    let r = app.post_json("/api/v1/projects", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["budget"], "1560000.05");
    assert_eq!(r.json["budget_fen"], 156_000_005);
    let got = app.get(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json["project_no"], "QL-2025-001");
    assert_eq!(got.json["agency"], "青岚市政府采购中心");
    assert_eq!(got.json["budget_fen"], 156_000_005);
    assert_eq!(got.json["publish_date"], "2025-03-03");
    let list = app.get("/api/v1/projects").await;
    assert_eq!(list.json["total"], 1);
    // The same number in the same agency is a conflict.
    let dup = app.post_json("/api/v1/projects", &body).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn invalid_projects_are_refused_with_chinese_messages() {
    let app = spawn_app().await;
    let mut body = project_json("", "机构");
    body["budget"] = "12.345".into();
    body["method"] = "随便买".into();
    let r = app.post_json("/api/v1/projects", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.json["error"]["message"].as_str().unwrap();
    assert!(msg.contains("项目编号不能为空"), "{msg}");
    assert!(msg.contains("预算金额"), "{msg}");
    assert!(msg.contains("采购方式"), "{msg}");
    let malformed = app.post_raw("/api/v1/projects", "application/json", b"{not json".to_vec()).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json["error"]["code"], "bad_request");
    // A float budget is refused rather than rounded.
    let mut float = project_json("X-1", "机构");
    float["budget"] = serde_json::json!(1560000.5);
    assert_eq!(app.post_json("/api/v1/projects", &float).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/api/v1/projects").await.json["total"], 0);
}

#[tokio::test]
async fn an_agency_sees_only_its_own_projects_and_documents() {
    let app = spawn_app().await;
    let mine = app.project("A-1", "甲市采购中心").await;
    let theirs = app.project("B-1", "乙市采购中心").await;
    let doc = app.upload(theirs, "notice.txt", &fixture_bytes("gbk_notice.txt")).await;
    assert_eq!(doc.status, StatusCode::CREATED, "{:?}", doc.json);
    let doc_id = doc.json["id"].as_i64().unwrap();

    let list = app.get_as("/api/v1/projects", Some("甲市采购中心")).await;
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["projects"][0]["id"], mine);
    assert_eq!(app.get_as(&format!("/api/v1/projects/{theirs}"), Some("甲市采购中心")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&format!("/api/v1/documents/{doc_id}"), Some("甲市采购中心")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&format!("/api/v1/documents/{doc_id}/file"), Some("甲市采购中心")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_as(&format!("/api/v1/documents/{doc_id}"), Some("乙市采购中心")).await.status, StatusCode::OK);
    let hits = app.get_as("/api/v1/search?q=%E9%87%87%E8%B4%AD", Some("甲市采购中心")).await;
    assert_eq!(hits.status, StatusCode::OK);
    assert_eq!(hits.json["total"], 0, "another agency's clauses leaked: {:?}", hits.json);
    let own = app.get_as("/api/v1/search?q=%E9%87%87%E8%B4%AD", Some("乙市采购中心")).await;
    assert!(own.json["total"].as_u64().unwrap() > 0);
}

/// Every failure is one JSON shape with a Chinese message, also where axum rejects a request
/// before any handler runs; library English stays in the log.
#[tokio::test]
async fn every_error_is_json_in_chinese() {
    let app = spawn_app().await;
    let p = app.project("ERR-1", "青岚市采购中心").await;
    let cases = [
        app.request("POST", &format!("/api/v1/projects/{p}/documents"), "text/plain", b"hello".to_vec()).await,
        app.request("POST", &format!("/api/v1/projects/{p}/documents"), "multipart/form-data", b"--x\r\n".to_vec()).await,
        app.get("/api/v1/metrics?from=abc").await,
        app.request("DELETE", "/api/v1/projects", "application/json", Vec::new()).await,
        app.get("/api/v1/nowhere").await,
        app.post_json("/api/v1/projects", &serde_json::json!({"project_no": "X"})).await,
        app.post_raw("/api/v1/projects", "application/json", b"{not json".to_vec()).await,
    ];
    let expected = [400, 400, 400, 405, 404, 400, 400];
    for (r, want) in cases.iter().zip(expected) {
        assert_eq!(r.status.as_u16(), want, "{}", String::from_utf8_lossy(&r.bytes));
        let message = r.json["error"]["message"].as_str().unwrap_or_else(|| panic!("not JSON: {}", String::from_utf8_lossy(&r.bytes)));
        assert!(r.json["error"]["code"].is_string());
        assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{message}");
        for english in ["missing field", "expected", "invalid digit", "boundary", "Failed to", "premature"] {
            assert!(!message.contains(english), "library English leaked: {message}");
        }
    }
    assert!(cases[5].json["error"]["message"].as_str().unwrap().contains("缺少字段"), "{}", cases[5].json);
    assert!(cases[3].headers.contains_key("allow"));
    assert_eq!(cases[0].headers["x-content-type-options"], "nosniff");
}
