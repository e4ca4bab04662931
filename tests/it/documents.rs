//! Uploads: parsing, storage, blobs, duplicates, and every refusal leaving nothing behind.

use crate::helpers::*;
use axum::http::StatusCode;

#[tokio::test]
async fn upload_pdf_stores_clauses_with_pages_and_the_original_bytes() {
    let app = spawn_app().await;
    let p = app.project("QL-1", "青岚市采购中心").await;
    let bytes = fixture_bytes("tender_small.pdf");
    let r = app.upload(p, "tender_small.pdf", &bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.json);
    assert_eq!(r.json["status"], "parsed");
    assert_eq!(r.json["format"], "pdf");
    assert_eq!(r.json["pages"], 2);
    assert_eq!(r.json["version"], 1);
    assert_eq!(r.json["kind"], "tender");
    let id = r.json["id"].as_i64().unwrap();

    let clauses = app.get(&format!("/api/v1/documents/{id}/clauses")).await;
    assert_eq!(clauses.status, StatusCode::OK);
    let list = clauses.json["clauses"].as_array().unwrap();
    assert!(list.len() > 20);
    let find = |needle: &str| list.iter().find(|c| c["text"].as_str().unwrap().contains(needle)).unwrap_or_else(|| panic!("{needle}"));
    let q = find("本项目的特定资格要求");
    assert_eq!(q["section_kind"], "qualification");
    assert_eq!(q["page"], 1);
    assert!(q["section"].as_str().unwrap().contains("申请人的资格要求"));
    assert_eq!(find("交货地点")["section_kind"], "commercial");
    assert_eq!(find("交货地点")["page"], 2);
    // Running footers never become clauses.
    assert!(list.iter().all(|c| !c["text"].as_str().unwrap().contains("共 2 页")));

    let file = app.get(&format!("/api/v1/documents/{id}/file")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, bytes);

    // Same bytes again: recognised, nothing new stored.
    let again = app.upload(p, "copy.pdf", &bytes).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["duplicate"], true);
    assert_eq!(again.json["id"], id);
    let project = app.get(&format!("/api/v1/projects/{p}")).await;
    assert_eq!(project.json["documents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn docx_and_gbk_text_are_parsed_and_versions_increase() {
    let app = spawn_app().await;
    let p = app.project("QL-2", "青岚市采购中心").await;
    let d = app.upload(p, "tender_numbered.docx", &fixture_bytes("tender_numbered.docx")).await;
    assert_eq!(d.status, StatusCode::CREATED, "{:?}", d.json);
    assert_eq!(d.json["format"], "docx");
    let t = app.upload(p, "gbk_notice.txt", &fixture_bytes("gbk_notice.txt")).await;
    assert_eq!(t.status, StatusCode::CREATED, "{:?}", t.json);
    assert_eq!(t.json["version"], 2);
    let id = t.json["id"].as_i64().unwrap();
    let clauses = app.get(&format!("/api/v1/documents/{id}/clauses")).await;
    let utf8 = std::fs::read_to_string(fixture("gbk_notice.utf8.txt")).unwrap();
    let first_line = utf8.lines().find(|l| !l.trim().is_empty()).unwrap().trim();
    assert_eq!(clauses.json["clauses"][0]["text"].as_str().unwrap().trim(), first_line);
}

async fn document_count(app: &TestApp, project: i64) -> usize {
    app.get(&format!("/api/v1/projects/{project}")).await.json["documents"].as_array().unwrap().len()
}

#[tokio::test]
async fn refusals_have_clear_errors_and_store_nothing() {
    let app = spawn_app().await;
    let p = app.project("QL-3", "青岚市采购中心").await;
    let cases: &[(&str, Vec<u8>, StatusCode, &str)] = &[
        ("encrypted.pdf", fixture_bytes("encrypted.pdf"), StatusCode::UNPROCESSABLE_ENTITY, "encrypted_pdf"),
        ("truncated.pdf", fixture_bytes("truncated.pdf"), StatusCode::UNPROCESSABLE_ENTITY, "malformed_file"),
        ("zip_bomb.docx", fixture_bytes("zip_bomb.docx"), StatusCode::UNPROCESSABLE_ENTITY, "zip_bomb"),
        ("no_document_xml.docx", fixture_bytes("no_document_xml.docx"), StatusCode::UNPROCESSABLE_ENTITY, "malformed_file"),
        ("old.doc", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format"),
        ("binary.txt", vec![0xFF, 0xFE, 0xFD, 0x00, 0x81, 0x00, 0xFF, 0xFF, 0x80], StatusCode::UNPROCESSABLE_ENTITY, "unknown_encoding"),
    ];
    for (name, bytes, status, code) in cases {
        let r = app.upload(p, name, bytes).await;
        assert_eq!(r.status, *status, "{name}: {:?}", r.json);
        assert_eq!(r.json["error"]["code"], *code, "{name}: {:?}", r.json);
        let msg = r.json["error"]["message"].as_str().unwrap();
        assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{name}: message not in Chinese: {msg}");
    }
    assert_eq!(document_count(&app, p).await, 0);
    // No blob was written either.
    let blobs = app.config.data_dir.join("blobs");
    let files = walk(&blobs);
    assert!(files.is_empty(), "blobs left behind: {files:?}");
}

#[tokio::test]
async fn scanned_pdf_is_kept_with_status_needs_ocr() {
    let app = spawn_app().await;
    let p = app.project("QL-4", "青岚市采购中心").await;
    let r = app.upload(p, "scanned.pdf", &fixture_bytes("scanned.pdf")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["code"], "needs_ocr");
    assert!(r.json["error"]["message"].as_str().unwrap().contains("OCR"));
    let id = r.json["error"]["document"]["id"].as_i64().unwrap();
    let d = app.get(&format!("/api/v1/documents/{id}")).await;
    assert_eq!(d.json["status"], "needs_ocr");
    assert_eq!(d.json["clauses"], 0);
}

#[tokio::test]
async fn size_page_and_time_limits_are_enforced() {
    let app = spawn_app_with(|c| {
        c.limits.max_bytes = 64 * 1024;
        c.limits.max_pages = 1;
    })
    .await;
    let p = app.project("QL-5", "青岚市采购中心").await;
    let big = vec![b'a'; 70 * 1024];
    let r = app.upload(p, "big.txt", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.json);
    assert_eq!(r.json["error"]["code"], "file_too_large");
    let two_pages = app.upload(p, "nonembedded_font.pdf", &fixture_bytes("nonembedded_font.pdf")).await;
    assert_eq!(two_pages.json["error"]["code"], "too_many_pages", "{:?}", two_pages.json);
    assert_eq!(document_count(&app, p).await, 0);

    let slow = spawn_app_with(|c| c.limits.time_limit = std::time::Duration::ZERO).await;
    let p = slow.project("QL-6", "青岚市采购中心").await;
    let r = slow.upload(p, "tender_small.pdf", &fixture_bytes("tender_small.pdf")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["code"], "parse_timeout");
}

#[tokio::test]
async fn unknown_ids_are_404_in_json() {
    let app = spawn_app().await;
    for uri in ["/api/v1/projects/999", "/api/v1/projects/abc", "/api/v1/documents/42", "/api/v1/documents/42/clauses", "/api/v1/documents/42/file"] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(r.json["error"]["code"], "not_found", "{uri}");
    }
    let r = app.upload(999, "a.txt", "第一章 总则".as_bytes()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// Lists that can grow come in pages with their total; a page larger than the maximum is
/// refused in Chinese.
#[tokio::test]
async fn long_lists_are_paged() {
    let app = spawn_app().await;
    let p = app.project("PAGE-1", "青岚市采购中心").await;
    let _ = app.project("PAGE-2", "青岚市采购中心").await;
    let mut text = String::from("第一章 采购需求\n");
    for i in 1..=1200 {
        text.push_str(&format!("{i}. 第{i}项设备应符合国家标准。\n"));
    }
    let d = app.upload(p, "long.txt", text.as_bytes()).await;
    assert_eq!(d.status, StatusCode::CREATED, "{:?}", d.json);
    let id = d.json["id"].as_i64().unwrap();
    let all = d.json["clauses"].as_u64().unwrap();
    assert!(all >= 1200, "{all}");

    let first = app.get(&format!("/api/v1/documents/{id}/clauses")).await;
    assert_eq!(first.json["total"].as_u64(), Some(all));
    assert_eq!(first.json["clauses"].as_array().unwrap().len(), 500, "default page");
    let last = app.get(&format!("/api/v1/documents/{id}/clauses?offset={}&limit=2000", all - 7)).await;
    let items = last.json["clauses"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[6]["ordinal"].as_u64(), Some(all - 1));
    for bad in ["limit=5000", "limit=0", "limit=abc", "offset=-1"] {
        let r = app.get(&format!("/api/v1/documents/{id}/clauses?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.json["error"]["message"].as_str().unwrap().contains("参数"), "{bad}: {:?}", r.json);
    }
    let projects = app.get("/api/v1/projects?limit=1").await;
    assert_eq!((projects.json["total"].as_u64(), projects.json["projects"].as_array().unwrap().len()), (Some(2), 1));
    let findings = app.get(&format!("/api/v1/documents/{id}/findings?limit=1")).await;
    assert_eq!(findings.status, StatusCode::OK);
    assert!(findings.json["findings"].as_array().unwrap().len() <= 1);
}

/// A blob no document references (its upload's transaction failed, or a crash came between
/// the blob and the commit) is collected by the sweep the service runs on start; the blobs of
/// stored documents stay.
#[tokio::test]
async fn orphaned_blobs_are_swept() {
    let app = spawn_app().await;
    let p = app.project("SWEEP-1", "青岚市采购中心").await;
    let stored = app.upload(p, "a.txt", "第一章 总则\n一、本项目接受联合体投标。\n".as_bytes()).await;
    assert_eq!(stored.status, StatusCode::CREATED);
    let blobs = fairtender::server::store::BlobStore::local(&app.config.data_dir.join("blobs")).unwrap();
    blobs.put(&"0f".repeat(32), b"never committed").await.unwrap();
    assert_eq!(walk(&app.config.data_dir.join("blobs")).len(), 2);
    assert_eq!(app.service.sweep_orphan_blobs(fairtender::server::service::ORPHAN_GRACE).await.unwrap(), 0, "too young");
    assert_eq!(app.service.sweep_orphan_blobs(std::time::Duration::ZERO).await.unwrap(), 1);
    assert_eq!(walk(&app.config.data_dir.join("blobs")).len(), 1);
    let file = app.get(&format!("/api/v1/documents/{}/file", stored.json["id"])).await;
    assert_eq!(file.status, StatusCode::OK);
}
