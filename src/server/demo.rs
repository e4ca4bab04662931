//! `serve --demo`: a realistic data set loaded into an empty database so that a newcomer sees
//! every stage with content on first start — two agencies, one user per role (passwords in
//! the README), projects at every lifecycle stage, findings in each state, an amended version
//! with fixed findings, an imported register with a challenge linked to its clause, and an
//! inspection with its verifiable draw. Everything goes through the service, as a user would.

use crate::core::account::Actor;
use crate::core::money::Fen;
use crate::core::project::NewProject;
use crate::core::vocab::{DocumentKind, Method, ProcurementType};
use crate::core::workflow::{Decision, ProjectStatus};
use crate::server::service::{Scope, Service, ServiceError, UploadOutcome, UserRequest};
use crate::server::store::Page;

/// The demo's agencies.
pub const AGENCY: &str = "示例市政府采购中心";
pub const COUNTY: &str = "示例县公共资源交易中心";

/// The demo's users: username, role, agencies, password (printed in the README; a demo is
/// not a production database).
pub const USERS: &[(&str, &str, &[&str], &str)] = &[
    ("admin", "admin", &[], "demo-admin-2026"),
    ("officer", "officer", &[AGENCY], "demo-officer-2026"),
    ("officer2", "officer", &[COUNTY], "demo-officer2-2026"),
    ("reviewer", "reviewer", &[AGENCY, COUNTY], "demo-reviewer-2026"),
    ("inspector", "inspector", &[], "demo-inspector-2026"),
    ("inspector2", "inspector", &[], "demo-inspector2-2026"),
];

/// A draft with violations (written for the demo; fictional purchaser).
const DRAFT: &str = "第一章 招标公告\n一、项目名称：示例市第一中学实验室设备采购\n二、申请人的资格要求\n\
1. 投标人须具有独立承担民事责任的能力。\n\
2. 投标人注册资本不低于人民币2000万元。\n\
3. 投标人须为在本地注册的企业，并在本市设有售后服务机构。\n\
4. 投标人须具有良好的商业信誉和健全的财务会计制度。\n\
第二章 采购需求\n一、交货地点：采购人指定地点。\n二、所投显微镜须为奥林巴斯品牌。\n\
第三章 评分标准\n一、价格分30分。\n";

/// The corrected version: capital and local-registration demands gone, the brand kept.
const CORRECTED: &str = "第一章 招标公告\n一、项目名称：示例市第一中学实验室设备采购\n二、申请人的资格要求\n\
1. 投标人须具有独立承担民事责任的能力。\n\
2. 投标人须具有良好的商业信誉和健全的财务会计制度。\n\
第二章 采购需求\n一、交货地点：采购人指定地点。\n二、所投显微镜须为奥林巴斯品牌。\n\
第三章 评分标准\n一、价格分30分。\n";

/// A county's consultation document (written for the demo).
const COUNTY_DOC: &str = "第一章 磋商公告\n二、供应商资格要求\n\
1. 供应商须在本县设立常驻服务机构，并提供场地租赁合同。\n\
2. 供应商注册资本不低于人民币500万元。\n\
3. 供应商须具有良好的商业信誉。\n\
第二章 采购需求\n一、所投办公家具须为全友品牌。\n";

/// The bundled samples (written for this project; fictional purchasers).
const SAMPLES: &[(&str, &[u8])] = &[
    ("tender_small.pdf", include_bytes!("../../fixtures/tender_small.pdf")),
    ("gbk_notice.txt", include_bytes!("../../fixtures/gbk_notice.txt")),
];

fn project(no: &str, name: &str, agency: &str, method: Method, budget_yuan: i64) -> NewProject {
    NewProject {
        project_no: no.to_string(),
        name: name.to_string(),
        purchaser: "示例市第一中学".into(),
        agency: agency.to_string(),
        method,
        procurement_type: ProcurementType::Goods,
        budget: Fen(budget_yuan * 100),
        publish_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2),
        deadline: None,
    }
}

async fn upload(service: &Service, by: &Actor, project: i64, name: &str, bytes: &[u8]) -> Result<i64, ServiceError> {
    Ok(match service.upload(by, project, DocumentKind::Tender, name, bytes.to_vec()).await? {
        UploadOutcome::Stored(d) | UploadOutcome::Duplicate(d) | UploadOutcome::NeedsOcr(d) => d.id,
    })
}

/// Accepts every blocking finding with a reason, then approves.
async fn approve(service: &Service, reviewer: &Actor, project: i64) -> Result<(), ServiceError> {
    for b in service.blocking_findings(project).await? {
        service.decide(reviewer, b.finding_id, Decision::Accept, Some("示例：已与采购人核实，风险可控，予以保留".into())).await?;
    }
    service.transition(reviewer, project, ProjectStatus::Approved, None).await?;
    Ok(())
}

/// Loads the demo if the database has no projects (users only if it has none). Returns how
/// many documents were loaded.
pub async fn load(service: &Service) -> Result<usize, ServiceError> {
    let op = Actor::operator();
    if service.users(&op).await?.is_empty() {
        for (username, role, agencies, password) in USERS {
            let req = UserRequest {
                username: username.to_string(),
                display_name: None,
                role: role.to_string(),
                agencies: agencies.iter().map(|a| a.to_string()).collect(),
                password: Some(password.to_string()),
            };
            service.create_demo_user(&req).await?;
        }
    }
    if service.projects(&Scope::All, Page { offset: 0, limit: Some(1) }).await?.total > 0 {
        return Ok(0);
    }
    let actor = |name: &str| -> Result<Actor, ServiceError> {
        let (_, role, agencies, _) = USERS.iter().find(|u| u.0 == name).copied().unwrap_or(USERS[0]);
        Ok(Actor {
            user_id: None,
            username: name.to_string(),
            display_name: name.to_string(),
            role: crate::core::account::Role::parse(role).unwrap_or(crate::core::account::Role::Admin),
            agencies: agencies.iter().map(|a| a.to_string()).collect(),
            must_change_password: false,
        })
    };
    let (officer, officer2, reviewer, inspector) = (actor("officer")?, actor("officer2")?, actor("reviewer")?, actor("inspector")?);
    let mut loaded = 0;

    // 1. Reviewed, amended, approved and published: findings confirmed, dismissed, fixed, accepted.
    let a = service.create_project(&officer.scope(), &project("SF-2026-001", "示例市第一中学实验室设备采购项目", AGENCY, Method::OpenTender, 1_560_000)).await?;
    let v1 = upload(service, &officer, a.id, "实验室设备采购招标文件.txt", DRAFT.as_bytes()).await?;
    loaded += 1;
    service.transition(&officer, a.id, ProjectStatus::InReview, None).await?;
    let (_, findings) = service.findings(&Scope::All, v1, Page::ALL).await?;
    for f in &findings.items {
        let decision = if f.finding.clause.contains("注册资本") || f.finding.clause.contains("本地注册") {
            (Decision::Confirm, None)
        } else if f.finding.severity != crate::core::finding::Severity::Violation {
            (Decision::Dismiss, Some("示例：属于对履约能力的合理描述，误报".to_string()))
        } else {
            continue;
        };
        service.decide(&reviewer, f.id, decision.0, decision.1).await?;
    }
    service.transition(&reviewer, a.id, ProjectStatus::Draft, Some("请删除注册资本和本地注册要求".into())).await?;
    let v2 = upload(service, &officer, a.id, "实验室设备采购招标文件（修改稿）.txt", CORRECTED.as_bytes()).await?;
    loaded += 1;
    service.transition(&officer, a.id, ProjectStatus::InReview, None).await?;
    approve(service, &reviewer, a.id).await?;
    service.transition(&officer, a.id, ProjectStatus::Published, None).await?;

    // 2. A draft with open findings; 3. in review with a dismissal request; 4. awarded.
    let b = service.create_project(&officer.scope(), &project("SF-2026-002", "示例市第一中学多媒体教室设备采购", AGENCY, Method::OpenTender, 980_000)).await?;
    upload(service, &officer, b.id, SAMPLES[0].0, SAMPLES[0].1).await?;
    loaded += 1;
    let c = service.create_project(&officer2.scope(), &project("XJ-2026-003", "示例县人民医院办公家具采购", COUNTY, Method::Consultation, 420_000)).await?;
    let dc = upload(service, &officer2, c.id, "办公家具采购磋商文件.txt", COUNTY_DOC.as_bytes()).await?;
    loaded += 1;
    service.transition(&officer2, c.id, ProjectStatus::InReview, None).await?;
    let c_findings = service.findings(&Scope::All, dc, Page::ALL).await?.1.items;
    if let Some(f) = c_findings.first() {
        service.decide(&officer2, f.id, Decision::RequestDismissal, Some("示例：该条款为法定要求的转述".into())).await?;
    }
    if let Some(f) = c_findings.get(1) {
        service.decide(&reviewer, f.id, Decision::Confirm, None).await?;
    }
    let d = service.create_project(&officer2.scope(), &project("XJ-2026-004", "示例县第二小学食堂服务采购", COUNTY, Method::Rfq, 300_000)).await?;
    upload(service, &officer2, d.id, SAMPLES[1].0, SAMPLES[1].1).await?;
    loaded += 1;
    service.transition(&officer2, d.id, ProjectStatus::InReview, None).await?;
    approve(service, &reviewer, d.id).await?;
    service.transition(&officer2, d.id, ProjectStatus::Published, None).await?;
    service.transition(&officer2, d.id, ProjectStatus::Awarded, None).await?;

    // 事中: the register lists both published projects; a challenge against the brand clause.
    let projects = format!(
        "project_no,name,purchaser,agency,method,budget_yuan,publish_date\n\
         SF-2026-001,示例市第一中学实验室设备采购项目,示例市第一中学,{AGENCY},公开招标,1560000,2026-03-02\n\
         XJ-2026-004,示例县第二小学食堂服务采购,示例市第一中学,{COUNTY},询价,300000,2026-03-02\n"
    );
    let challenges = "id,project_no,supplier,received_date,category,claim,reply_date,outcome\n\
        DEMO-Q1,SF-2026-001,示例仪器有限公司,2026-03-09,designation,指定显微镜品牌,2026-03-13,成立\n";
    let files = crate::core::records::ImportFiles {
        projects: Some(("demo-projects.csv".into(), projects.into_bytes())),
        challenges: Some(("demo-challenges.csv".into(), challenges.as_bytes().to_vec())),
        complaints: None,
    };
    service.import_records(&Scope::All, files, false).await?;
    let clauses = service.clauses(&Scope::All, v2, Page::ALL).await?.items;
    if let Some(c) = clauses.iter().find(|c| c.text.contains("品牌")) {
        service.link_challenge_clause(&Scope::All, "DEMO-Q1", c.id).await?;
    }

    // 事后: an inspection of the published projects with its draw.
    let req = crate::server::service::inspections::InspectionRequest {
        name: "2026年政府采购公平竞争专项检查（示例）".into(),
        scope: Default::default(),
        sample_size: 2,
        inspectors_per_project: Some(1),
    };
    let insp = service.create_inspection(&inspector, &req).await?;
    let draw = service.freeze_draw(&inspector, insp.id, None).await?;
    service.draw(&inspector, insp.id, draw.id, Some("示例摇号 2026-04-01 0415".into())).await?;
    Ok(loaded)
}
