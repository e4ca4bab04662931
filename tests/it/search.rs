//! Full-text search through the API, and the index catching up after a crash.

use crate::helpers::*;
use axum::http::StatusCode;
use fairtender::core::review;
use fairtender::server::service::{Config, Scope, Service};
use fairtender::server::store::{BlobStore, Store};
use fairtender::server::store::UploadContent;

fn enc(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn search_finds_substrings_with_snippets_filters_and_facets() {
    let app = spawn_app().await;
    let p = app.project("QL-S1", "青岚市采购中心").await;
    let r = app.upload(p, "tender_small.pdf", &fixture_bytes("tender_small.pdf")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let doc_id = r.json["id"].as_i64().unwrap();

    // A substring in the middle of words: exact-substring semantics.
    let res = app.get(&format!("/api/v1/search?q={}", enc("成立年限"))).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.json);
    assert_eq!(res.json["total"], 1, "{:?}", res.json);
    let hit = &res.json["hits"][0];
    assert_eq!(hit["document_id"], doc_id);
    assert_eq!(hit["page"], 1);
    assert_eq!(hit["section_kind"], "qualification");
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>成立年限</mark>"), "{hit}");
    assert_eq!(res.json["facets"]["section_kind"][0][0], "qualification");
    assert_eq!(res.json["facets"]["agency"][0][0], "青岚市采购中心");

    // Filters narrow; unknown section kinds are a 400 in JSON.
    let tech = app.get(&format!("/api/v1/search?q={}&section_kind=technical", enc("成立年限"))).await;
    assert_eq!(tech.json["total"], 0);
    let bad = app.get("/api/v1/search?q=x&section_kind=nonsense").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json["error"]["code"], "bad_request");
    let year = app.get(&format!("/api/v1/search?q={}&year=2025", enc("交货地点"))).await;
    assert_eq!(year.json["total"], 1);
    let other_year = app.get(&format!("/api/v1/search?q={}&year=2019", enc("交货地点"))).await;
    assert_eq!(other_year.json["total"], 0);
    // Two terms must both occur in the clause.
    let both = app.get(&format!("/api/v1/search?q={}", enc("交货地点 第二中学"))).await;
    assert_eq!(both.json["total"], 1);
    let none = app.get(&format!("/api/v1/search?q={}", enc("交货地点 南极洲"))).await;
    assert_eq!(none.json["total"], 0);
}

#[tokio::test]
async fn index_catches_up_with_documents_committed_before_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.database_url = fresh_database(dir.path()).await;
    let bytes = fixture_bytes("tender_small.pdf");
    {
        let service = Service::open(&config).await.unwrap();
        let project = service
            .create_project(&Scope::All, &fairtender::core::project::NewProject {
                project_no: "CRASH-1".into(),
                name: "崩溃恢复".into(),
                purchaser: "青岚市第二中学".into(),
                agency: "青岚市采购中心".into(),
                method: fairtender::core::vocab::Method::OpenTender,
                procurement_type: fairtender::core::vocab::ProcurementType::Goods,
                budget: fairtender::core::money::Fen(100),
                publish_date: None,
                deadline: None,
            })
            .await
            .unwrap();
        // The database commit happens, then the process "dies" before indexing.
        // The service has no door that stores without indexing, so the test writes through
        // a second connection to the same database, as the dying process would have.
        let doc = review::parse(&bytes, "tender_small.pdf", service.limits()).unwrap();
        let sha = fairtender::server::service::sha256_hex(&bytes);
        let blobs = BlobStore::local(&config.data_dir.join("blobs")).unwrap();
        let store = Store::connect(&config.database_url(), blobs).await.unwrap();
        store
            .add_document(
                project.id,
                fairtender::core::vocab::DocumentKind::Tender,
                "tender_small.pdf",
                &bytes,
                &sha,
                UploadContent::Parsed { doc: &doc, findings: &[], rulebook: service.rulebook() },
                "operator",
            )
            .await
            .unwrap();
        let before = service.search(&Scope::All, fairtender_index::SearchQuery { q: "交货地点".into(), limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(before.total, 0, "not indexed yet");
    }
    // Restart: the index catches up from the database.
    let service = Service::open(&config).await.unwrap();
    let after = service.search(&Scope::All, fairtender_index::SearchQuery { q: "交货地点".into(), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(after.total, 1);
    // A full reindex gives the same answer.
    let clauses = service.reindex(|_, _| {}).await.unwrap();
    assert!(clauses > 20);
    let again = service.search(&Scope::All, fairtender_index::SearchQuery { q: "交货地点".into(), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(again.total, 1);
}

/// Queries are bounded in length and terms; the refusal is Chinese and does not echo the query.
#[tokio::test]
async fn oversized_queries_are_refused_without_echo() {
    let app = spawn_app().await;
    let many: Vec<String> = (0..17).map(|i| format!("词{i}")).collect();
    let long = "注册资本".repeat(60);
    for q in [many.join(" "), long.clone()] {
        let r = app.get(&format!("/api/v1/search?q={}", enc(&q))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.json);
        let message = r.json["error"]["message"].as_str().unwrap();
        assert!(message.contains("最多"), "{message}");
        assert!(!message.contains("词16") && !message.contains(&long[..24]), "echoed: {message}");
    }
    let ok = app.get(&format!("/api/v1/search?q={}", enc(&many[..16].join(" ")))).await;
    assert_eq!(ok.status, StatusCode::OK);
}
