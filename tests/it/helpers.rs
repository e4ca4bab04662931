//! `spawn_app()` and request helpers.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fairtender::server::app::Application;
use fairtender::server::service::{Config, Service};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

/// A running application on a fresh data directory and database.
pub struct TestApp {
    pub router: axum::Router,
    pub service: Service,
    pub config: Config,
    pub _dir: tempfile::TempDir,
}

/// A response: status, raw body, and the body parsed as JSON (Null when not JSON).
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

/// The fixtures directory.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A fresh database URL: SQLite in `dir`, or a new PostgreSQL database when
/// `FAIRTENDER_TEST_DATABASE_URL` points at a server.
pub async fn fresh_database(dir: &std::path::Path) -> Option<String> {
    let base = std::env::var("FAIRTENDER_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    let name = format!("ft_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(base.as_str()).await.expect("connect to the test PostgreSQL server");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
    let _ = dir;
    let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
    Some(format!("{prefix}/{name}"))
}

/// Starts an app with default limits.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts an app after letting the test adjust the configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path().join("data"));
    config.database_url = fresh_database(dir.path()).await;
    adjust(&mut config);
    let app = Application::build(&config, "127.0.0.1:0".parse().unwrap()).await.expect("build app");
    assert_ne!(app.port(), 0);
    TestApp { router: app.router(), service: app.service().clone(), config, _dir: dir }
}

impl TestApp {
    async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, bytes, json }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.get_as(uri, None).await
    }

    pub async fn get_as(&self, uri: &str, agency: Option<&str>) -> Resp {
        let mut b = Request::get(uri);
        if let Some(a) = agency {
            b = b.header("x-agency", percent(a));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Resp {
        self.post_raw(uri, "application/json", serde_json::to_vec(body).unwrap()).await
    }

    /// Any method, any body.
    pub async fn request(&self, method: &str, uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let req = Request::builder().method(method).uri(uri).header("content-type", content_type).body(Body::from(body)).unwrap();
        self.send(req).await
    }

    pub async fn post_raw(&self, uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
        let req = Request::post(uri).header("content-type", content_type).body(Body::from(body)).unwrap();
        self.send(req).await
    }

    /// Uploads `bytes` as multipart field `file` named `file_name`.
    pub async fn upload(&self, project_id: i64, file_name: &str, bytes: &[u8]) -> Resp {
        let boundary = "----fairtender-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n采购文件\r\n").as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_raw(
            &format!("/api/v1/projects/{project_id}/documents"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    /// Creates a project and returns its id.
    pub async fn project(&self, no: &str, agency: &str) -> i64 {
        let r = self.post_json("/api/v1/projects", &project_json(no, agency)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
        r.json["id"].as_i64().expect("id")
    }
}

pub fn project_json(no: &str, agency: &str) -> Value {
    serde_json::json!({
        "project_no": no, "name": "第二中学多媒体教室设备采购项目", "purchaser": "青岚市第二中学",
        "agency": agency, "method": "公开招标", "procurement_type": "goods", "budget": "1800000.00",
        "publish_date": "2025-03-03"
    })
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// Every file below `dir` (none if it does not exist).
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}
