//! `spawn_app()` and request helpers.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fairtender::server::app::Application;
use fairtender::core::account::{Actor, Role};
use fairtender::server::service::{Config, Service, UserRequest};
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
    /// An administrator's API token: what `get`, `post_json`, `request` … send.
    pub admin: String,
    /// Tokens of users made on demand, by role and agencies.
    tokens: std::sync::Mutex<std::collections::HashMap<String, String>>,
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
    let service = app.service().clone();
    let admin = make_token(&service, "test-admin", Role::Admin, &[]).await;
    TestApp { router: app.router(), service, config, _dir: dir, admin, tokens: Default::default() }
}

/// Creates a user and returns an API token for them.
pub async fn make_token(service: &Service, username: &str, role: Role, agencies: &[&str]) -> String {
    let op = Actor::operator();
    let req = UserRequest {
        username: username.to_string(),
        display_name: None,
        role: role.as_str().to_string(),
        agencies: agencies.iter().map(|a| a.to_string()).collect(),
        password: Some(format!("pw-{username}-2026")),
    };
    let user = service.create_user(&op, &req).await.expect("create user").user;
    service.issue_token(&op, user.id, "test", 30).await.expect("issue token").token
}

impl TestApp {
    /// A token of a user with `role` and `agencies` (made the first time it is asked for).
    pub async fn token(&self, role: Role, agencies: &[&str]) -> String {
        let key = format!("{}:{}", role.as_str(), agencies.join("|"));
        if let Some(t) = self.tokens.lock().unwrap().get(&key) {
            return t.clone();
        }
        let n = self.tokens.lock().unwrap().len();
        let t = make_token(&self.service, &format!("{}-{n}", role.as_str()), role, agencies).await;
        self.tokens.lock().unwrap().insert(key, t.clone());
        t
    }

    /// Any method, any body, as the holder of `token` (`None`: anonymous).
    pub async fn send_as(&self, method: &str, uri: &str, token: Option<&str>, content_type: &str, body: Vec<u8>) -> Resp {
        let mut b = Request::builder().method(method).uri(uri).header("content-type", content_type);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// `POST` JSON as the holder of `token`.
    pub async fn post_json_as(&self, uri: &str, token: &str, body: &Value) -> Resp {
        self.send_as("POST", uri, Some(token), "application/json", serde_json::to_vec(body).unwrap()).await
    }

    /// `GET` as the holder of `token`.
    pub async fn get_with(&self, uri: &str, token: &str) -> Resp {
        self.send_as("GET", uri, Some(token), "application/json", Vec::new()).await
    }

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

    /// `GET` as an officer of `agency` (`None`: as the administrator).
    pub async fn get_as(&self, uri: &str, agency: Option<&str>) -> Resp {
        let token = match agency {
            Some(a) => self.token(Role::Officer, &[a]).await,
            None => self.admin.clone(),
        };
        self.get_with(uri, &token).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Resp {
        self.post_raw(uri, "application/json", serde_json::to_vec(body).unwrap()).await
    }

    /// Any method, any body (as the administrator).
    pub async fn request(&self, method: &str, uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send_as(method, uri, Some(&self.admin.clone()), content_type, body).await
    }

    pub async fn post_raw(&self, uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send_as("POST", uri, Some(&self.admin.clone()), content_type, body).await
    }

    /// Uploads `bytes` as multipart field `file` named `file_name` (as the administrator).
    pub async fn upload(&self, project_id: i64, file_name: &str, bytes: &[u8]) -> Resp {
        let token = self.admin.clone();
        self.upload_as(&token, project_id, file_name, bytes).await
    }

    /// Uploads as the holder of `token`.
    pub async fn upload_as(&self, token: &str, project_id: i64, file_name: &str, bytes: &[u8]) -> Resp {
        self.upload_kind_as(token, project_id, "采购文件", file_name, bytes).await
    }

    /// Uploads a document of `kind` (采购文件, 更正公告, 澄清) as the holder of `token`.
    pub async fn upload_kind_as(&self, token: &str, project_id: i64, kind: &str, file_name: &str, bytes: &[u8]) -> Resp {
        let boundary = "----fairtender-test-boundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n").as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send_as(
            "POST",
            &format!("/api/v1/projects/{project_id}/documents"),
            Some(token),
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

/// A multipart form of file fields: (field, file name, bytes) → (content type, body).
pub fn multipart(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----fairtender-form-boundary";
    let mut body = Vec::new();
    for (field, file, bytes) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
