//! Concurrent use, as a load tester would drive it: many uploads at once (into one project
//! and into their own), searches meanwhile, the same bytes into several projects at once.
//! Runs on SQLite and PostgreSQL like every test here; `docs/performance.md` has its figures.

use crate::helpers::*;
use axum::http::StatusCode;
use std::time::Instant;

/// A small tender whose every clause carries `tag`, so its clauses can be found by search.
fn tender(tag: &str) -> Vec<u8> {
    format!(
        "第一章 招标公告\n一、项目编号：{tag}\n二、申请人的资格要求\n1. 投标人须具有独立承担民事责任的能力（{tag}）。\n\
         2. 投标人注册资本不低于人民币500万元（{tag}）。\n第二章 采购需求\n一、交货地点：采购人指定地点（{tag}）。\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_uploads_and_searches_never_fail() {
    let app = std::sync::Arc::new(spawn_app().await);
    let shared = app.project("LOAD-SHARED", "青岚市采购中心").await;
    let mut own = Vec::new();
    for i in 0..10 {
        own.push(app.project(&format!("LOAD-{i:02}"), "青岚市采购中心").await);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        let project = if i < 10 { shared } else { own[i - 10] };
        tasks.push(tokio::spawn(async move {
            let tag = format!("LOADTAG{i:02}X");
            let r = app.upload(project, &format!("{tag}.txt"), &tender(&tag)).await;
            (r.status, r.json, tag)
        }));
    }
    let mut searches = Vec::new();
    for _ in 0..4 {
        let app = app.clone();
        searches.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..10 {
                statuses.push(app.get("/api/v1/search?q=%E6%B3%A8%E5%86%8C%E8%B5%84%E6%9C%AC").await.status);
            }
            statuses
        }));
    }
    let mut uploaded = Vec::new();
    for t in tasks {
        let (status, json, tag) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{json}");
        uploaded.push((json["id"].as_i64().unwrap(), tag));
    }
    for s in searches {
        assert!(s.await.unwrap().iter().all(|s| *s == StatusCode::OK));
    }
    let elapsed = started.elapsed();
    println!("20 concurrent uploads + 40 searches: {:.2} s", elapsed.as_secs_f64());

    // Ten versions of the shared project, numbered 1..=10 without a gap or a duplicate.
    let docs = app.get(&format!("/api/v1/projects/{shared}/documents")).await;
    let mut versions: Vec<i64> = docs.json["documents"].as_array().unwrap().iter().map(|d| d["version"].as_i64().unwrap()).collect();
    versions.sort_unstable();
    assert_eq!(versions, (1..=10).collect::<Vec<_>>());
    // Every upload is stored and fully indexed: each clause with its tag is found.
    for (id, tag) in &uploaded {
        let clauses = app.get(&format!("/api/v1/documents/{id}/clauses")).await;
        let tagged = clauses.json["clauses"].as_array().unwrap().iter().filter(|c| c["text"].as_str().unwrap().contains(tag.as_str())).count();
        assert!(tagged >= 3, "{tag}: {}", clauses.json);
        let r = app.get(&format!("/api/v1/search?q={tag}")).await;
        assert_eq!(r.json["total"].as_u64(), Some(tagged as u64), "{tag}: {}", r.json);
    }
    // One blob per distinct upload, nothing half-written beside them.
    let blobs = walk(&app.config.data_dir.join("blobs"));
    assert_eq!(blobs.len(), 20, "{blobs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_bytes_into_several_projects_at_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(app.project(&format!("SAME-{i}"), "青岚市采购中心").await);
    }
    let bytes = tender("SAMEBYTES");
    let tasks: Vec<_> = ids
        .iter()
        .map(|&p| {
            let (app, bytes) = (app.clone(), bytes.clone());
            tokio::spawn(async move { app.upload(p, "same.txt", &bytes).await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(walk(&app.config.data_dir.join("blobs")).len(), 1);
}
