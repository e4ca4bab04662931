//! `serve --demo`: sample documents loaded into an empty database so a newcomer sees data.

use crate::core::money::Fen;
use crate::server::service::{Scope, Service, ServiceError};
use crate::server::store::Page;
use crate::core::project::NewProject;
use crate::core::vocab::{Method, ProcurementType};

/// The bundled samples (written for this project; fictional purchasers).
const SAMPLES: &[(&str, &str, &[u8])] = &[
    ("DEMO-2026-001", "tender_small.pdf", include_bytes!("../../fixtures/tender_small.pdf")),
    ("DEMO-2026-002", "tender_numbered.docx", include_bytes!("../../fixtures/tender_numbered.docx")),
    ("DEMO-2026-003", "gbk_notice.txt", include_bytes!("../../fixtures/gbk_notice.txt")),
];

/// The demo agency.
pub const AGENCY: &str = "示例市政府采购中心";

/// The demo's users: username, role, agency, password (printed in the README; a demo is not
/// a production database).
pub const USERS: &[(&str, &str, Option<&str>, &str)] = &[
    ("admin", "admin", None, "demo-admin-2026"),
    ("officer", "officer", Some(AGENCY), "demo-officer-2026"),
    ("reviewer", "reviewer", Some(AGENCY), "demo-reviewer-2026"),
    ("inspector", "inspector", None, "demo-inspector-2026"),
];

/// Loads the samples if the database has no projects, and the demo users if it has no
/// users. Returns how many documents were loaded.
pub async fn load(service: &Service) -> Result<usize, ServiceError> {
    let op = crate::core::account::Actor::operator();
    if service.users(&op).await?.is_empty() {
        for (username, role, agency, password) in USERS {
            let req = crate::server::service::UserRequest {
                username: username.to_string(),
                display_name: None,
                role: role.to_string(),
                agencies: agency.iter().map(|a| a.to_string()).collect(),
                password: Some(password.to_string()),
            };
            service.create_demo_user(&req).await?;
        }
    }
    if service.projects(&Scope::All, Page { offset: 0, limit: Some(1) }).await?.total > 0 {
        return Ok(0);
    }
    let mut loaded = 0;
    for (no, file, bytes) in SAMPLES {
        let project = service
            .create_project(&Scope::All, &NewProject {
                project_no: no.to_string(),
                name: format!("示例项目：{file}"),
                purchaser: "示例市第一中学".into(),
                agency: AGENCY.into(),
                method: Method::OpenTender,
                procurement_type: ProcurementType::Goods,
                budget: Fen(156_000_000),
                publish_date: None,
                deadline: None,
            })
            .await?;
        service.upload(&crate::core::account::Actor::operator(), project.id, crate::core::vocab::DocumentKind::Tender, file, bytes.to_vec()).await?;
        loaded += 1;
    }
    Ok(loaded)
}
