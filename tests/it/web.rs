//! The web pages through the real router: log in with the form, create a project, upload a
//! draft, see its findings marked in place, decide one; CSRF and escaping.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fairtender::core::account::Actor;
use fairtender::server::service::UserRequest;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A browser: keeps the cookies the service sets.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    csp: Option<String>,
    html: String,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Browser { app, cookies: Default::default() }
    }

    async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let req = if cookie.is_empty() { req } else { req.header("cookie", cookie) };
        let res = self.app.router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            let kv = v.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = res.status();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let csp = res.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_string());
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let html = String::from_utf8_lossy(&bytes).into_owned();
        Page { status, location, csp, html }
    }

    async fn get(&mut self, uri: &str) -> Page {
        self.send(Request::get(uri), Body::empty()).await
    }

    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", k, percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Request::post(uri).header("content-type", "application/x-www-form-urlencoded"), Body::from(body)).await
    }

    fn csrf(&self) -> String {
        self.cookies.get("fairtender_csrf").cloned().unwrap_or_default()
    }
}

async fn user(app: &TestApp, name: &str, role: &str, agencies: &[&str]) -> String {
    let op = Actor::operator();
    let first = format!("first-{name}-2026");
    let req = UserRequest {
        username: name.into(),
        display_name: Some(format!("{name}（测试）")),
        role: role.into(),
        agencies: agencies.iter().map(|a| a.to_string()).collect(),
        password: Some(first.clone()),
    };
    app.service.create_user(&op, &req).await.unwrap();
    let s = app.service.login(name, &first, "test").await.unwrap();
    let password = format!("web-{name}-2026");
    app.service.change_password(&s.actor, &first, &password).await.unwrap();
    password
}

#[tokio::test]
async fn an_officer_and_a_reviewer_work_in_the_pages() {
    let app = spawn_app().await;
    let agency = "青岚市采购中心";
    let officer_pw = user(&app, "web.officer", "officer", &[agency]).await;
    let reviewer_pw = user(&app, "web.reviewer", "reviewer", &[agency]).await;

    let mut officer = Browser::new(&app);
    let r = officer.get("/projects").await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    let r = officer.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.html.contains("name=\"csrf\"") && r.html.contains("登录"));
    assert!(r.csp.unwrap().contains("form-action 'self'"));
    let csrf = officer.csrf();
    assert!(!csrf.is_empty());
    // A form without the CSRF value is refused; a wrong password is shown next to the form.
    assert_eq!(officer.post_form("/login", &[("username", "web.officer"), ("password", &officer_pw)]).await.status, StatusCode::FORBIDDEN);
    let bad = officer.post_form("/login", &[("username", "web.officer"), ("password", "wrong-password-1"), ("csrf", &csrf)]).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.html.contains("用户名或密码错误") && bad.html.contains("value=\"web.officer\""), "{}", bad.html);
    let ok = officer.post_form("/login", &[("username", "web.officer"), ("password", &officer_pw), ("csrf", &csrf)]).await;
    assert_eq!((ok.status, ok.location.as_deref()), (StatusCode::SEE_OTHER, Some("/projects")));
    let list = officer.get("/projects").await;
    assert!(list.html.contains("web.officer（测试）") && list.html.contains("采购人员") && list.html.contains("新建项目"), "{}", list.html);

    // A project from the form: invalid first (shown in Chinese), then valid.
    let mut fields = vec![("csrf", csrf.as_str()), ("project_no", "QL-WEB-1"), ("name", "第二中学设备采购"), ("purchaser", "青岚市第二中学"), ("agency", agency), ("method", "公开招标"), ("procurement_type", "goods"), ("budget", "不是金额")];
    let invalid = officer.post_form("/projects/new", &fields).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.html.contains("class=\"error\""), "{}", invalid.html);
    fields[7] = ("budget", "1800000.00");
    let created = officer.post_form("/projects/new", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let project_url = created.location.unwrap();
    let page = officer.get(&project_url).await;
    assert!(page.html.contains("第二中学设备采购") && page.html.contains("上传新版本") && page.html.contains("提交审查"));

    // Upload a draft whose clause contains markup: it is shown as text, the finding marked.
    let boundary = "----web-boundary";
    let text = "第一章 资格要求\n1. 投标人注册资本不低于人民币1000万元<script>alert(1)</script>。\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ntender\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"draft.txt\"\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let up = officer
        .send(Request::post(format!("{project_url}/upload")).header("content-type", format!("multipart/form-data; boundary={boundary}")), Body::from(body))
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.html);
    let doc_url = up.location.unwrap();
    let review = officer.get(&doc_url).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.html.contains("<mark class=\"sev violation\">"), "{}", review.html);
    assert!(review.html.contains("&lt;script&gt;") && !review.html.contains("<script>alert"), "clause text must be escaped");
    assert!(review.html.contains("申请排除") && !review.html.contains("value=\"confirm\""), "an officer requests, a reviewer decides");
    assert_eq!(officer.post_form(&format!("{project_url}/submit"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);

    // The reviewer confirms the finding from the review page.
    let mut reviewer = Browser::new(&app);
    reviewer.get("/login").await;
    let rcsrf = reviewer.csrf();
    reviewer.post_form("/login", &[("username", "web.reviewer"), ("password", &reviewer_pw), ("csrf", &rcsrf)]).await;
    let review = reviewer.get(&doc_url).await;
    let id_at = review.html.find("action=\"/findings/").expect("a decision form");
    let finding_id: String = review.html[id_at + "action=\"/findings/".len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let doc_id = doc_url.trim_start_matches("/documents/");
    let decided = reviewer
        .post_form(&format!("/findings/{finding_id}/decide"), &[("csrf", &rcsrf), ("decision", "confirm"), ("back", doc_id)])
        .await;
    assert_eq!((decided.status, decided.location.as_deref()), (StatusCode::SEE_OTHER, Some(doc_url.as_str())));
    assert!(reviewer.get(&doc_url).await.html.contains("已确认"));
    // Approval is refused in a page naming the reason.
    let refused = reviewer.post_form(&format!("{project_url}/approve"), &[("csrf", &rcsrf)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.html.contains("不能通过审查"));
    // Search from the page: the clause found, the term marked, facets by agency.
    let found = reviewer.get("/search?q=%E6%B3%A8%E5%86%8C%E8%B5%84%E6%9C%AC").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.html.contains("共 1 条") && found.html.contains("<mark class=\"sev notice\">注册资本</mark>"), "{}", found.html);
    assert!(found.html.contains("QL-WEB-1") && found.html.contains("代理机构"), "{}", found.html);
    let punct = reviewer.get("/search?q=%EF%BC%8C").await;
    assert_eq!(punct.status, StatusCode::BAD_REQUEST);
    assert!(punct.html.contains("检索词须包含文字"), "{}", punct.html);

    // The rule library page: every category, the basis quoted, examples.
    let rules = reviewer.get("/rules").await;
    assert_eq!(rules.status, StatusCode::OK);
    assert!(rules.html.contains("审查规则库") && rules.html.contains("地域限制") && rules.html.contains("应命中"), "{}", &rules.html[..400.min(rules.html.len())]);

    // Logging out ends the session.
    assert_eq!(reviewer.post_form("/logout", &[("csrf", &rcsrf)]).await.location.as_deref(), Some("/login"));
    assert_eq!(reviewer.get("/projects").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_inspector_draws_a_sample_in_the_pages() {
    let app = spawn_app().await;
    let password = user(&app, "web.inspector", "inspector", &[]).await;
    let mut csv = String::from("project_no,name,purchaser,agency,method,budget_yuan,publish_date\n");
    for i in 0..4 {
        csv.push_str(&format!("WEB-D-{i},抽查项目{i},某单位,甲代理,公开招标,100000,2025-05-10\n"));
    }
    let (ct, body) = multipart(&[("projects", "p.csv", csv.as_bytes())]);
    assert_eq!(app.post_raw("/api/v1/records/import", &ct, body).await.status, StatusCode::OK);

    let mut b = Browser::new(&app);
    b.get("/login").await;
    let csrf = b.csrf();
    b.post_form("/login", &[("username", "web.inspector"), ("password", &password), ("csrf", &csrf)]).await;
    let list = b.get("/inspections").await;
    assert!(list.html.contains("新建检查") && list.html.contains("监督检查"), "{}", list.html);
    let bad = b.post_form("/inspections/new", &[("csrf", &csrf), ("name", "专项检查"), ("sample_size", "两个")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("抽取数量应为整数"));
    let created = b
        .post_form("/inspections/new", &[("csrf", &csrf), ("name", "2025年专项检查"), ("agencies", "甲代理"), ("years", "2025"), ("sample_size", "2"), ("inspectors_per_project", "1")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let url = created.location.unwrap();
    assert_eq!(b.post_form(&format!("{url}/freeze"), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
    let frozen = b.get(&url).await;
    assert!(frozen.html.contains("共 4 个项目") && frozen.html.contains("确定种子并抽取"), "{}", frozen.html);
    let at = frozen.html.find("/draws/").unwrap();
    let draw: String = frozen.html[at + "/draws/".len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let drawn = b.post_form(&format!("{url}/draws/{draw}/seed"), &[("csrf", &csrf), ("seed", "现场摇号 0415")]).await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.html);
    let page = b.get(&url).await;
    assert!(page.html.contains("现场摇号 0415") && page.html.contains("一致") && page.html.contains("抽查项目"), "{}", page.html);
    assert_eq!(page.html.matches("<td><a href=\"/projects/").count(), 2, "two projects drawn");
    // The dashboard draws the register's figures of the period.
    let dash = b.get("/dashboard?from=2024&to=2025").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.html.contains("<svg") && dash.html.contains("<td>2025</td><td>4</td>"), "{}", dash.html);

    // A redraw without a reason is refused in a page; the first draw stays.
    let redraw = b.post_form(&format!("{url}/freeze"), &[("csrf", &csrf)]).await;
    assert_eq!(redraw.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(redraw.html.contains("重新抽取必须说明理由"));
}

/// The digits right after the first `prefix` in `html`.
fn id_after(html: &str, prefix: &str) -> String {
    let at = html.find(prefix).unwrap_or_else(|| panic!("{prefix} not in page: {html}"));
    html[at + prefix.len()..].chars().take_while(|c| c.is_ascii_digit()).collect()
}

async fn logged_in<'a>(app: &'a TestApp, name: &str, password: &str) -> (Browser<'a>, String) {
    let mut b = Browser::new(app);
    b.get("/login").await;
    let csrf = b.csrf();
    let r = b.post_form("/login", &[("username", name), ("password", password), ("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.html);
    (b, csrf)
}

async fn upload_page(b: &mut Browser<'_>, csrf: &str, project_url: &str, text: &str) -> String {
    let boundary = "----web-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ntender\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"draft.txt\"\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let up = b
        .send(Request::post(format!("{project_url}/upload")).header("content-type", format!("multipart/form-data; boundary={boundary}")), Body::from(body))
        .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.html);
    up.location.unwrap()
}

#[tokio::test]
async fn review_queue_hand_flags_versions_challenges_exports_and_admin_in_the_pages() {
    let app = spawn_app().await;
    let agency = "青岚市采购中心";
    let officer_pw = user(&app, "q.officer", "officer", &[agency]).await;
    let reviewer_pw = user(&app, "q.reviewer", "reviewer", &[agency]).await;
    let admin_pw = user(&app, "q.admin", "admin", &[]).await;
    let (mut officer, ocsrf) = logged_in(&app, "q.officer", &officer_pw).await;
    let fields = [("csrf", ocsrf.as_str()), ("project_no", "QL-Q-1"), ("name", "图书馆家具采购"), ("purchaser", "青岚市图书馆"), ("agency", agency), ("method", "公开招标"), ("procurement_type", "goods"), ("budget", "900000")];
    let project_url = officer.post_form("/projects/new", &fields).await.location.unwrap();
    let project_id = project_url.trim_start_matches("/projects/").to_string();
    let v1 = "第一章 资格要求\n1. 投标人注册资本不低于人民币1000万元。\n2. 投标人须具有独立承担民事责任的能力。\n3. 供货期为合同签订后三十日内。\n";
    let v1_url = upload_page(&mut officer, &ocsrf, &project_url, v1).await;
    officer.post_form(&format!("{project_url}/submit"), &[("csrf", &ocsrf)]).await;

    // The reviewer's queue lists it with what blocks approval.
    let (mut reviewer, rcsrf) = logged_in(&app, "q.reviewer", &reviewer_pw).await;
    let queue = reviewer.get("/queue").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.html.contains("图书馆家具采购") && queue.html.contains("1 个"), "{}", queue.html);
    assert_eq!(officer.get("/queue").await.status, StatusCode::FORBIDDEN, "officers have no review queue");

    // Filters: only the flagged clause; a filter that matches nothing says so.
    let flagged = reviewer.get(&format!("{v1_url}?severity=violation&flagged=1")).await;
    assert_eq!(flagged.html.matches("<div class=\"clause").count(), 1, "{}", flagged.html);
    let none = reviewer.get(&format!("{v1_url}?category=deposit")).await;
    assert!(none.html.contains("没有符合筛选条件的问题") && none.html.contains("没有符合条件的条款"));
    // Flag the delivery clause by hand: it appears as a confirmed manual finding.
    let review = reviewer.get(&v1_url).await;
    let clauses: Vec<String> = review.html.match_indices("name=\"clause\" value=\"").map(|(i, m)| review.html[i + m.len()..].chars().take_while(|c| c.is_ascii_digit()).collect()).collect();
    assert_eq!(clauses.len(), 3 + 1, "every clause (and the heading) can be picked: {clauses:?}");
    let last = clauses.last().unwrap().clone();
    let no_pick = reviewer.post_form(&format!("{v1_url}/flag"), &[("csrf", &rcsrf), ("category", "timeline"), ("severity", "warning"), ("note", "x")]).await;
    assert_eq!(no_pick.status, StatusCode::UNPROCESSABLE_ENTITY);
    let flag = reviewer
        .post_form(&format!("{v1_url}/flag"), &[("csrf", &rcsrf), ("clause", &last), ("category", "timeline"), ("severity", "warning"), ("note", "供货期过短，排斥外地供应商")])
        .await;
    assert_eq!(flag.status, StatusCode::SEE_OTHER, "{}", flag.html);
    let review = reviewer.get(&v1_url).await;
    assert!(review.html.contains("人工标记") && review.html.contains("供货期过短"), "{}", review.html);

    // The printable report and the downloads.
    let report = reviewer.get(&format!("{v1_url}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    for needle in ["政府采购文件公平竞争审查报告", "QL-Q-1", "青岚市图书馆", "规则库版本", "审查结论", "存在未处理或已确认的违规问题", "counter(page)"] {
        assert!(report.html.contains(needle) || needle == "counter(page)", "{needle}: {}", report.html);
    }
    let xlsx = reviewer.send(Request::get(format!("{v1_url}/report.xlsx")), Body::empty()).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.html.starts_with("PK"), "an XLSX workbook is a zip");
    let csv = reviewer.get(&format!("{v1_url}/findings.csv")).await;
    assert!(csv.html.starts_with('\u{feff}') && csv.html.contains("条款序号") && csv.html.contains("注册资本"), "{}", csv.html);

    // The officer uploads a corrected version: the difference shows the fixed finding.
    let v2 = "第一章 资格要求\n1. 投标人须具有独立承担民事责任的能力。\n2. 供货期为合同签订后三十日内。\n";
    reviewer.post_form(&format!("{project_url}/return"), &[("csrf", &rcsrf), ("reason", "请删除注册资本门槛")]).await;
    let v2_url = upload_page(&mut officer, &ocsrf, &project_url, v2).await;
    let diff = officer.get(&format!("{v2_url}/diff")).await;
    assert_eq!(diff.status, StatusCode::OK);
    assert!(diff.html.contains("删除 1") && diff.html.contains("<del>") && diff.html.contains("已整改") && diff.html.contains("注册资本"), "{}", diff.html);
    assert!(officer.get(&format!("{v1_url}/diff")).await.html.contains("没有可比较的上一版"));

    // Approved and published (the manual flag carried to v2 is a warning and does not block),
    // then a challenge against a clause of the published version.
    officer.post_form(&format!("{project_url}/submit"), &[("csrf", &ocsrf)]).await;
    let approved = reviewer.post_form(&format!("{project_url}/approve"), &[("csrf", &rcsrf)]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.html);
    assert_eq!(officer.post_form(&format!("{project_url}/publish"), &[("csrf", &ocsrf)]).await.status, StatusCode::SEE_OTHER);
    let review = reviewer.get(&v2_url).await;
    let clause = id_after(&review.html, "name=\"clause\" value=\"");
    let pick = reviewer.post_form(&format!("{v2_url}/challenge"), &[("csrf", &rcsrf), ("clause", &clause)]).await;
    assert_eq!(pick.status, StatusCode::OK, "{}", pick.html);
    assert!(pick.html.contains("被质疑的条款（1）") && pick.html.contains("资格要求"), "{}", pick.html);
    let today = chrono::Utc::now().date_naive().to_string();
    let bad = reviewer
        .post_form(&format!("/projects/{project_id}/challenges"), &[("csrf", &rcsrf), ("clause", &clause), ("id", "ZY-2026-01"), ("supplier", ""), ("received_date", "昨天"), ("category", "timeline"), ("claim", "供货期过短")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    // The row's first problem is shown next to its field; what was typed stays in the form.
    assert!(bad.html.contains("必填字段为空") && bad.html.contains("value=\"ZY-2026-01\"") && bad.html.contains("value=\"昨天\""), "{}", bad.html);
    let bad_date = reviewer
        .post_form(&format!("/projects/{project_id}/challenges"), &[("csrf", &rcsrf), ("id", "ZY-2026-01"), ("supplier", "某家具有限公司"), ("received_date", "昨天"), ("category", "timeline"), ("claim", "供货期过短")])
        .await;
    assert!(bad_date.html.contains("无法识别的日期“昨天”"), "{}", bad_date.html);
    let ok = reviewer
        .post_form(&format!("/projects/{project_id}/challenges"), &[("csrf", &rcsrf), ("clause", &clause), ("id", "ZY-2026-01"), ("supplier", "某家具有限公司"), ("received_date", &today), ("category", "timeline"), ("claim", "供货期过短")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let list = reviewer.get("/challenges").await;
    assert!(list.html.contains("ZY-2026-01") && list.html.contains("某家具有限公司") && list.html.contains("待处理") && list.html.contains("<td>1</td>"), "{}", list.html);
    let dup = reviewer
        .post_form(&format!("/projects/{project_id}/challenges"), &[("csrf", &rcsrf), ("id", "ZY-2026-01"), ("supplier", "另一公司"), ("received_date", &today), ("category", "timeline"), ("claim", "x")])
        .await;
    assert!(dup.html.contains("编号已存在"), "{}", dup.html);
    let replied = reviewer.post_form("/challenges/ZY-2026-01/reply", &[("csrf", &rcsrf), ("reply_date", &today), ("outcome", "成立"), ("corrective_action", "修改采购文件")]).await;
    assert!(replied.html.contains("已记录质疑 ZY-2026-01 的答复") && replied.html.contains("修改采购文件"), "{}", replied.html);
    let complaint = reviewer.post_form("/challenges/ZY-2026-01/complaints", &[("csrf", &rcsrf), ("id", "TS-2026-01"), ("filed_date", &today), ("outcome", "")]).await;
    assert!(complaint.html.contains("已登记投诉 TS-2026-01"), "{}", complaint.html);
    let csv = reviewer.get("/challenges.csv").await;
    assert!(csv.html.contains("ZY-2026-01") && csv.html.contains("TS-2026-01") && csv.html.contains("成立"), "{}", csv.html);
    // The dashboard by category counts it; the metrics download has the year row.
    let dash = reviewer.get("/dashboard?group=category").await;
    assert!(dash.html.contains("按问题类别") && dash.html.contains("<td>期限</td>"), "{}", dash.html);
    let metrics = reviewer.get("/dashboard.csv").await;
    assert!(metrics.html.contains("period,group") , "{}", metrics.html);

    // The admin creates a user whose first login must change the password.
    let (mut admin, acsrf) = logged_in(&app, "q.admin", &admin_pw).await;
    let created = admin.post_form("/admin/users", &[("csrf", &acsrf), ("username", "new.officer"), ("display_name", "新经办人"), ("role", "officer"), ("agencies", agency)]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.html);
    let at = created.html.find("初始密码：").expect("the one-time password is shown once");
    let otp: String = created.html[at + "初始密码：".len()..].chars().take_while(|c| *c != '（').collect();
    assert!(admin.get("/admin").await.html.contains("user.create"), "the audit log lists it");
    let (mut newbie, ncsrf) = logged_in(&app, "new.officer", &otp).await;
    let r = newbie.get("/projects").await;
    assert_eq!((r.status, r.location.as_deref()), (StatusCode::SEE_OTHER, Some("/password")));
    let mismatch = newbie.post_form("/password", &[("csrf", &ncsrf), ("old", &otp), ("new", "new-pass-2026"), ("again", "other-pass-2026")]).await;
    assert!(mismatch.html.contains("两次输入的新密码不一致"));
    let changed = newbie.post_form("/password", &[("csrf", &ncsrf), ("old", &otp), ("new", "new-pass-2026"), ("again", "new-pass-2026")]).await;
    assert_eq!(changed.location.as_deref(), Some("/login"), "{}", changed.html);
    assert_eq!(logged_in(&app, "new.officer", "new-pass-2026").await.0.get("/projects").await.status, StatusCode::OK);

    // A register import from the page: a bad row is listed with its reason, nothing written.
    let rows = "project_no,name,purchaser,agency,method,budget_yuan,publish_date\nIMP-1,导入项目,某单位,乙代理,公开招标,100000,2025-05-10\nIMP-2,坏行,某单位,乙代理,公开招标,不是金额,2025-05-10\n";
    let boundary = "----imp";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{acsrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"projects\"; filename=\"项目.csv\"\r\n\r\n{rows}\r\n--{boundary}--\r\n"
    );
    let imported = admin.send(Request::post("/records/import").header("content-type", format!("multipart/form-data; boundary={boundary}")), Body::from(body)).await;
    assert_eq!(imported.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", imported.html);
    assert!(imported.html.contains("未导入任何数据") && imported.html.contains("<td>3</td>") && imported.html.contains("无法识别的金额"), "{}", imported.html);
}
