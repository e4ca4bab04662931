//! Who may call what: every endpoint × every role, against a table written here from the
//! roles' description (not from the service's own table), plus logging in, sessions,
//! throttling, first passwords and the `X-Agency` header no longer opening anything.

use crate::helpers::*;
use axum::http::StatusCode;
use fairtender::core::account::Role;
use fairtender::server::http::access::ROUTES;
use serde_json::json;

/// Who may call each endpoint: anonymous, officer, reviewer, inspector, admin.
/// `A` anyone, `U` any logged-in user, otherwise the roles listed.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "A"),
    ("GET", "/api/openapi.json", "A"),
    ("POST", "/api/v1/login", "A"),
    ("POST", "/api/v1/logout", "U"),
    ("GET", "/api/v1/me", "U"),
    ("POST", "/api/v1/me/password", "U"),
    ("POST", "/api/v1/projects", "officer admin"),
    ("GET", "/api/v1/projects", "officer reviewer inspector admin"),
    ("GET", "/api/v1/projects/{id}", "officer reviewer inspector admin"),
    ("POST", "/api/v1/projects/{id}/documents", "officer admin"),
    ("GET", "/api/v1/projects/{id}/documents", "officer reviewer inspector admin"),
    ("GET", "/api/v1/projects/{id}/corrections", "officer reviewer inspector admin"),
    ("GET", "/api/v1/projects/{id}/challenges", "officer reviewer inspector admin"),
    ("GET", "/api/v1/projects/{id}/blocking", "officer reviewer inspector admin"),
    ("POST", "/api/v1/projects/{id}/deadline", "officer admin"),
    ("POST", "/api/v1/projects/{id}/submit", "officer admin"),
    ("POST", "/api/v1/projects/{id}/return", "reviewer admin"),
    ("POST", "/api/v1/projects/{id}/approve", "reviewer admin"),
    ("POST", "/api/v1/projects/{id}/publish", "officer admin"),
    ("POST", "/api/v1/projects/{id}/award", "officer admin"),
    ("POST", "/api/v1/projects/{id}/close", "officer admin"),
    ("GET", "/api/v1/documents/{id}", "officer reviewer inspector admin"),
    ("GET", "/api/v1/documents/{id}/clauses", "officer reviewer inspector admin"),
    ("GET", "/api/v1/documents/{id}/file", "officer reviewer inspector admin"),
    ("GET", "/api/v1/documents/{id}/findings", "officer reviewer inspector admin"),
    ("GET", "/api/v1/documents/{id}/report", "officer reviewer inspector admin"),
    ("GET", "/api/v1/documents/{id}/diff", "officer reviewer inspector admin"),
    ("POST", "/api/v1/findings/{id}/decision", "reviewer admin"),
    ("POST", "/api/v1/findings/{id}/dismissal-request", "officer admin"),
    ("GET", "/api/v1/findings/{id}/history", "officer reviewer inspector admin"),
    ("GET", "/api/v1/findings/{id}/rule-example", "reviewer admin"),
    ("POST", "/api/v1/clauses/{id}/flags", "reviewer admin"),
    ("POST", "/api/v1/check", "U"),
    ("GET", "/api/v1/rules", "U"),
    ("GET", "/api/v1/rules/{id}", "U"),
    ("POST", "/api/v1/records/import", "admin"),
    ("GET", "/api/v1/records/checks", "officer reviewer inspector admin"),
    ("POST", "/api/v1/challenges/{id}/clauses", "reviewer admin"),
    ("GET", "/api/v1/metrics", "officer reviewer inspector admin"),
    ("GET", "/api/v1/search", "officer reviewer inspector admin"),
    ("GET", "/api/v1/audit", "reviewer inspector admin"),
    ("GET", "/api/v1/users", "admin"),
    ("POST", "/api/v1/users", "admin"),
    ("POST", "/api/v1/users/{id}/disable", "admin"),
    ("POST", "/api/v1/users/{id}/enable", "admin"),
    ("POST", "/api/v1/users/{id}/reset-password", "admin"),
    ("GET", "/api/v1/tokens", "admin"),
    ("POST", "/api/v1/tokens", "admin"),
    ("POST", "/api/v1/tokens/{id}/revoke", "admin"),
    ("GET", "/api/v1/inspections", "inspector admin"),
    ("POST", "/api/v1/inspections", "inspector admin"),
    ("GET", "/api/v1/inspections/{id}", "inspector admin"),
    ("POST", "/api/v1/inspections/{id}/draws", "inspector admin"),
    ("POST", "/api/v1/inspections/{id}/draws/{draw}/seed", "inspector admin"),
    ("GET", "/api/v1/inspections/{id}/draws/{draw}/verify", "U"),
    ("POST", "/api/v1/inspections/{id}/results", "inspector admin"),
    ("POST", "/api/v1/inspections/{id}/results/{project}/remediation", "inspector admin"),
    ("POST", "/api/v1/inspections/{id}/conclude", "inspector admin"),
    ("POST", "/api/v1/inspections/{id}/close", "inspector admin"),
    ("GET", "/api/v1/runs", "inspector admin"),
    ("POST", "/api/v1/runs", "inspector admin"),
    ("GET", "/api/v1/runs/{id}", "inspector admin"),
    ("GET", "/api/v1/runs/{id}/hits", "inspector admin"),
    ("POST", "/api/v1/runs/{id}/cancel", "inspector admin"),
    ("GET", "/", "A"),
    ("GET", "/static/app.css", "A"),
    ("GET", "/login", "A"),
    ("POST", "/login", "A"),
    ("POST", "/logout", "U"),
    ("GET", "/projects", "officer reviewer inspector admin"),
    ("POST", "/projects/new", "officer admin"),
    ("GET", "/projects/{id}", "officer reviewer inspector admin"),
    ("POST", "/projects/{id}/upload", "officer admin"),
    ("POST", "/projects/{id}/{action}", "U"),
    ("GET", "/documents/{id}", "officer reviewer inspector admin"),
    ("GET", "/search", "officer reviewer inspector admin"),
    ("GET", "/rules", "U"),
    ("GET", "/dashboard", "officer reviewer inspector admin"),
    ("GET", "/inspections", "inspector admin"),
    ("POST", "/inspections/new", "inspector admin"),
    ("GET", "/inspections/{id}", "inspector admin"),
    ("POST", "/inspections/{id}/freeze", "inspector admin"),
    ("POST", "/inspections/{id}/draws/{draw}/seed", "inspector admin"),
    ("POST", "/findings/{id}/decide", "U"),
    ("GET", "/password", "U"),
    ("POST", "/password", "U"),
    ("GET", "/queue", "reviewer admin"),
    ("GET", "/documents/{id}/diff", "officer reviewer inspector admin"),
    ("POST", "/documents/{id}/flag", "reviewer admin"),
    ("POST", "/documents/{id}/challenge", "reviewer admin"),
    ("GET", "/documents/{id}/report", "officer reviewer inspector admin"),
    ("GET", "/documents/{id}/report.xlsx", "officer reviewer inspector admin"),
    ("GET", "/documents/{id}/findings.csv", "officer reviewer inspector admin"),
    ("POST", "/projects/{id}/challenges", "reviewer admin"),
    ("GET", "/challenges", "officer reviewer inspector admin"),
    ("GET", "/challenges.xlsx", "officer reviewer inspector admin"),
    ("GET", "/challenges.csv", "officer reviewer inspector admin"),
    ("POST", "/challenges/{id}/reply", "reviewer admin"),
    ("POST", "/challenges/{id}/complaints", "reviewer admin"),
    ("GET", "/records/import", "admin"),
    ("POST", "/records/import", "admin"),
    ("GET", "/dashboard.xlsx", "officer reviewer inspector admin"),
    ("GET", "/dashboard.csv", "officer reviewer inspector admin"),
    ("GET", "/admin", "admin"),
    ("POST", "/admin/users", "admin"),
    ("POST", "/admin/users/{id}/{action}", "admin"),
    ("POST", "/admin/tokens", "admin"),
    ("POST", "/admin/tokens/{id}/revoke", "admin"),
];

#[tokio::test]
async fn every_endpoint_answers_each_role_as_the_table_says() {
    // The table here covers exactly the service's routes: a new endpoint needs a row.
    let mut ours: Vec<(&str, &str)> = EXPECTED.iter().map(|(m, p, _)| (*m, *p)).collect();
    let mut theirs: Vec<(&str, &str)> = ROUTES.iter().map(|(m, p, _)| (*m, *p)).collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "the test's table and the service's routes differ");

    let app = spawn_app().await;
    let roles = [Role::Officer, Role::Reviewer, Role::Inspector, Role::Admin];
    let mut tokens = Vec::new();
    for r in roles {
        let agencies: &[&str] = if matches!(r, Role::Officer | Role::Reviewer) { &["表驱动采购中心"] } else { &[] };
        tokens.push((r, app.token(r, agencies).await));
    }
    let mut checked = 0;
    for (method, path, who) in EXPECTED {
        // Ids that exist nowhere: an allowed caller gets 404/400/422, never 401/403, and
        // nothing changes.
        let uri = path.replace("{id}", "987654").replace("{draw}", "987653").replace("{project}", "987652").replace("{action}", "submit");
        // Web pages answer a missing login with a redirect and a refusal with an HTML page.
        let page = !path.starts_with("/api/") && *path != "/healthz";
        let body = if *method == "POST" { b"{}".to_vec() } else { Vec::new() };
        let anon = app.send_as(method, &uri, None, "application/json", body.clone()).await;
        if *who == "A" {
            assert!(!matches!(anon.status.as_u16(), 401 | 403), "{method} {path} anonymous: {}", anon.status);
        } else if page {
            assert_eq!(anon.status, StatusCode::SEE_OTHER, "{method} {path} anonymous");
            assert_eq!(anon.headers["location"], "/login");
        } else {
            assert_eq!(anon.status, StatusCode::UNAUTHORIZED, "{method} {path} anonymous");
            assert_eq!(anon.json["error"]["code"], "unauthenticated");
        }
        for (role, token) in &tokens {
            // Logging out revokes the token it is sent with: use a throwaway one.
            let throwaway;
            let token = if *path == "/api/v1/logout" {
                let agencies: &[&str] = if matches!(role, Role::Officer | Role::Reviewer) { &["表驱动采购中心"] } else { &[] };
                throwaway = make_token(&app.service, &format!("bye-{}", role.as_str()), *role, agencies).await;
                &throwaway
            } else {
                token
            };
            let r = app.send_as(method, &uri, Some(token), "application/json", body.clone()).await;
            let allowed = matches!(*who, "A" | "U") || who.split(' ').any(|w| w == role.as_str());
            if allowed {
                assert!(!matches!(r.status.as_u16(), 401 | 403), "{method} {path} as {}: {} {}", role.as_str(), r.status, r.json);
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path} as {}: {}", role.as_str(), r.json);
                let text = if page { String::from_utf8_lossy(&r.bytes).to_string() } else { r.json["error"]["message"].as_str().unwrap().to_string() };
                assert!(text.contains("无权"), "{text}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, EXPECTED.len() * 4);
}

#[tokio::test]
async fn login_sessions_first_passwords_and_throttling() {
    let app = spawn_app().await;
    let created = app
        .post_json("/api/v1/users", &json!({"username": "Li.Ming", "role": "审查人员", "agencies": ["青岚市采购中心", "白沙县采购中心"]}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let otp = created.json["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(created.json["user"]["username"], "li.ming");
    assert_eq!(created.json["user"]["agencies"].as_array().unwrap().len(), 2);
    assert!(created.json["user"].get("password_hash").is_none());
    let dup = app.post_json("/api/v1/users", &json!({"username": "li.ming", "role": "officer", "agencies": ["x"]})).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = app.post_json("/api/v1/users", &json!({"username": "zh", "role": "officer", "agencies": ["x"]})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_agency = app.post_json("/api/v1/users", &json!({"username": "wang", "role": "officer"})).await;
    assert_eq!(no_agency.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_agency.json);

    // Log in with the one-time password: a cookie, HttpOnly and SameSite; everything but
    // changing the password is refused until it is changed.
    let login = |u: &str, p: &str| json!({"username": u, "password": p});
    let r = app.send_as("POST", "/api/v1/login", None, "application/json", serde_json::to_vec(&login("LI.MING", &otp)).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let with_cookie = |method: &str, uri: &str, body: serde_json::Value| {
        let req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("cookie", session.clone())
            .body(axum::body::Body::from(serde_json::to_vec(&body).unwrap()))
            .unwrap();
        let router = app.router.clone();
        async move {
            use tower::ServiceExt;
            router.oneshot(req).await.unwrap().status()
        }
    };
    assert_eq!(with_cookie("GET", "/api/v1/projects", json!(null)).await, StatusCode::FORBIDDEN);
    assert_eq!(with_cookie("GET", "/api/v1/me", json!(null)).await, StatusCode::OK);
    let weak = json!({"old_password": otp, "new_password": "1234567890"});
    assert_eq!(with_cookie("POST", "/api/v1/me/password", weak).await, StatusCode::UNPROCESSABLE_ENTITY);
    let change = json!({"old_password": otp, "new_password": "青岚-review-2026"});
    assert_eq!(with_cookie("POST", "/api/v1/me/password", change).await, StatusCode::NO_CONTENT);
    assert_eq!(with_cookie("GET", "/api/v1/projects", json!(null)).await, StatusCode::OK);
    assert_eq!(with_cookie("POST", "/api/v1/logout", json!(null)).await, StatusCode::NO_CONTENT);
    assert_eq!(with_cookie("GET", "/api/v1/me", json!(null)).await, StatusCode::UNAUTHORIZED);

    // Wrong passwords: the same answer for an unknown user; after five failures the account
    // is refused for a while even with the right password.
    let app_ref = &app;
    let attempt = |u: &str, p: &str| {
        let body = serde_json::to_vec(&login(u, p)).unwrap();
        async move { app_ref.send_as("POST", "/api/v1/login", None, "application/json", body).await }
    };
    let unknown = attempt("nobody", "whatever-123").await;
    let wrong = attempt("li.ming", "whatever-123").await;
    assert_eq!((unknown.status, wrong.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(unknown.json["error"]["message"], wrong.json["error"]["message"]);
    for _ in 0..4 {
        assert_eq!(attempt("li.ming", "whatever-123").await.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = attempt("li.ming", "青岚-review-2026").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{}", throttled.json);
    assert!(throttled.headers.contains_key("retry-after"));
    let failures = app.get("/api/v1/audit?action=login.failed").await;
    assert!(failures.json["total"].as_u64().unwrap() >= 6, "{}", failures.json);

    // The old header opens nothing, a revoked token and a disabled user are out.
    let r = app
        .send_as("GET", "/api/v1/projects", None, "application/json", Vec::new())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let req = axum::http::Request::get("/api/v1/projects").header("x-agency", "%E9%9D%92").body(axum::body::Body::empty()).unwrap();
    use tower::ServiceExt;
    assert_eq!(app.router.clone().oneshot(req).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let user_id = created.json["user"]["id"].as_i64().unwrap();
    let issued = app.post_json("/api/v1/tokens", &json!({"user_id": user_id, "label": "集成", "days": 7})).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.json);
    let token = issued.json["token"].as_str().unwrap().to_string();
    assert_eq!(app.get_with("/api/v1/projects", &token).await.status, StatusCode::OK);
    let listed = app.get("/api/v1/tokens").await;
    assert!(!listed.bytes.windows(token.len()).any(|w| w == token.as_bytes()), "a listing shows a secret");
    assert_eq!(app.post_json(&format!("/api/v1/users/{user_id}/disable"), &json!({})).await.status, StatusCode::OK);
    assert_eq!(app.get_with("/api/v1/projects", &token).await.status, StatusCode::UNAUTHORIZED);
    let too_long = app.post_json("/api/v1/tokens", &json!({"user_id": user_id, "days": 5000})).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_first_start_creates_one_admin_with_a_one_time_password() {
    let app = spawn_app().await;
    // spawn_app made a user already: nothing is created.
    assert_eq!(app.service.ensure_first_admin().await.unwrap(), None);
    let dir = tempfile::tempdir().unwrap();
    let mut config = fairtender::server::service::Config::new(dir.path().join("data"));
    config.database_url = fresh_database(dir.path()).await;
    let service = fairtender::server::service::Service::open(&config).await.unwrap();
    let otp = service.ensure_first_admin().await.unwrap().expect("a password for the first admin");
    assert_eq!(service.ensure_first_admin().await.unwrap(), None, "only once");
    let session = service.login("admin", &otp, "test").await.unwrap();
    assert!(session.actor.must_change_password);
    assert_eq!(session.actor.role, Role::Admin);
}
