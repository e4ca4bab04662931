//! Corpus-wide runs: a rule, a query, or both over every published document; a re-check of
//! everything; progress and cancelling; drafts never reached.

use crate::helpers::*;
use axum::http::StatusCode;
use fairtender::core::account::Role;
use serde_json::{json, Value};

fn tender(capital: &str, tag: &str) -> String {
    format!("第一章 招标公告\n二、申请人的资格要求\n1. 投标人须具有独立承担民事责任的能力（{tag}）。\n2. 投标人注册资本不低于人民币{capital}（{tag}）。\n第二章 采购需求\n一、交货地点：采购人指定地点（{tag}）。\n")
}


async fn wait(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let r = app.get_with(&format!("/api/v1/runs/{id}"), token).await;
        if r.json["status"] != "running" {
            return r.json;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("run {id} did not finish");
}

#[tokio::test]
async fn rules_and_queries_run_over_every_published_document() {
    let app = spawn_app().await;
    let inspector = app.token(Role::Inspector, &[]).await;
    // Six published projects (the register lists them) and one draft with the same clause.
    let mut csv = String::from("project_no,name,purchaser,agency,method,budget_yuan,publish_date\n");
    for i in 0..6 {
        let agency = if i % 2 == 0 { "甲代理" } else { "乙代理" };
        let p = app.project(&format!("RUN-{i}"), agency).await;
        let capital = if i == 0 { "1000万元" } else { "500万元" };
        assert_eq!(app.upload(p, &format!("r{i}.txt"), tender(capital, &format!("RUNTAG{i}")).as_bytes()).await.status, StatusCode::CREATED);
        csv.push_str(&format!("RUN-{i},项目{i},某单位,{agency},公开招标,100000,2025-03-10\n"));
    }
    let draft = app.project("RUN-DRAFT", "丙代理").await;
    app.upload(draft, "d.txt", tender("800万元", "DRAFTTAG").as_bytes()).await;
    let (ct, body) = multipart(&[("projects", "p.csv", csv.as_bytes())]);
    assert_eq!(app.post_raw("/api/v1/records/import", &ct, body).await.status, StatusCode::OK);

    // One rule.
    let started = app.post_json_as("/api/v1/runs", &inspector, &json!({"rules": ["S01"]})).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.json);
    assert_eq!(started.json["total_documents"], 6, "the draft is not in an inspector's scope");
    let done = wait(&app, &inspector, started.json["id"].as_i64().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["done_documents"], 6);
    assert_eq!(done["hits"], 6, "{done}");
    assert!(!done["rulebook_version"].as_str().unwrap().is_empty());
    let hits = app.get_with(&format!("/api/v1/runs/{}/hits", done["id"]), &inspector).await;
    let hits = hits.json["hits"].as_array().unwrap().clone();
    assert!(hits.iter().all(|h| h["rule_id"] == "S01" && h["quote"].as_str().unwrap().contains("注册资本")), "{hits:?}");
    assert!(hits.iter().any(|h| h["agency"] == "乙代理"));

    // A query alone, then the query narrowing the rule.
    let q = app.post_json_as("/api/v1/runs", &inspector, &json!({"query": "注册资本"})).await;
    let q = wait(&app, &inspector, q.json["id"].as_i64().unwrap()).await;
    assert_eq!((q["kind"].as_str(), q["hits"].as_i64()), (Some("query"), Some(6)), "{q}");
    let both = app.post_json_as("/api/v1/runs", &inspector, &json!({"rules": ["S01"], "query": "1000万"})).await;
    let both = wait(&app, &inspector, both.json["id"].as_i64().unwrap()).await;
    assert_eq!((both["total_documents"].as_i64(), both["hits"].as_i64()), (Some(1), Some(1)), "{both}");

    // A re-check with the same library changes no count and no decision.
    let re = app.post_json_as("/api/v1/runs", &inspector, &json!({"recheck": true})).await;
    let re = wait(&app, &inspector, re.json["id"].as_i64().unwrap()).await;
    assert_eq!(re["status"], "done", "{re}");
    assert_eq!(re["summary"], json!({}), "{re}");

    // Refusals.
    let unknown = app.post_json_as("/api/v1/runs", &inspector, &json!({"rules": ["NOPE"]})).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post_json_as("/api/v1/runs", &inspector, &json!({})).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Cancelling: either it was still running (then it stays cancelled, short of the end) or
    // it had finished (then cancelling is refused).
    let run = app.post_json_as("/api/v1/runs", &inspector, &json!({"recheck": true})).await;
    let id = run.json["id"].as_i64().unwrap();
    let cancel = app.post_json_as(&format!("/api/v1/runs/{id}/cancel"), &inspector, &json!({})).await;
    let end = wait(&app, &inspector, id).await;
    if cancel.status == StatusCode::OK {
        println!("cancelled after {} of {} documents", end["done_documents"], end["total_documents"]);
        assert_eq!(cancel.json["status"], "cancelled");
        assert_eq!(end["status"], "cancelled", "{end}");
        assert!(end["done_documents"].as_i64().unwrap() <= 6);
    } else {
        println!("the run finished before the cancel arrived");
        assert_eq!(cancel.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", cancel.json);
        assert_eq!(end["status"], "done");
    }
    let again = app.post_json_as(&format!("/api/v1/runs/{id}/cancel"), &inspector, &json!({})).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a finished run cannot be cancelled");
}
