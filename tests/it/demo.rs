//! `serve --demo`: every stage has content on first start, and the README's passwords work.

use crate::helpers::*;
use fairtender::core::account::Scope;
use fairtender::core::workflow::FindingStatus;
use fairtender::server::service::{Config, Service};
use fairtender::server::store::Page;
use std::collections::BTreeSet;

#[tokio::test]
async fn the_demo_shows_every_stage() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.database_url = fresh_database(dir.path()).await;
    let service = Service::open(&config).await.unwrap();
    assert_eq!(fairtender::server::demo::load(&service).await.unwrap(), 5);
    assert_eq!(fairtender::server::demo::load(&service).await.unwrap(), 0, "loaded once");

    let projects = service.projects(&Scope::All, Page::ALL).await.unwrap().items;
    let stages: BTreeSet<&str> = projects.iter().map(|p| p.status.as_str()).collect();
    for s in ["draft", "in_review", "published", "awarded"] {
        assert!(stages.contains(s), "{s} missing: {stages:?}");
    }
    let mut states = BTreeSet::new();
    for p in &projects {
        for d in service.documents_of(&Scope::All, p.id, Page::ALL).await.unwrap().items {
            for f in service.findings(&Scope::All, d.id, Page::ALL).await.unwrap().1.items {
                states.insert(f.status);
                if f.dismissal_request.is_some() {
                    states.insert(FindingStatus::Dismissed); // a pending request counts as shown
                }
            }
        }
    }
    for s in [FindingStatus::Open, FindingStatus::Confirmed, FindingStatus::Fixed, FindingStatus::Accepted] {
        assert!(states.contains(&s), "{s:?} missing: {states:?}");
    }
    // The searches a newcomer tries find something.
    for q in ["注册资本", "本地", "品牌"] {
        let r = service.search(&Scope::All, fairtender_index::SearchQuery { q: q.into(), limit: 5, ..Default::default() }).await.unwrap();
        assert!(r.total > 0, "{q}");
    }
    // The inspection's draw verifies; the challenge is linked to its clause.
    let inspector = service.login("inspector", "demo-inspector-2026", "test").await.unwrap().actor;
    assert!(!inspector.must_change_password, "demo passwords are the README's");
    let insp = service.inspections(&inspector).await.unwrap();
    let detail = service.inspection(&inspector, insp[0].id).await.unwrap();
    assert_eq!(detail.draws[0].sample.len(), 2);
    assert!(service.verify_draw(insp[0].id, detail.draws[0].id).await.unwrap().verified);
    let published = projects.iter().find(|p| p.project_no == "SF-2026-001").unwrap();
    let cures = service.challenge_cures(&inspector, published.id).await.unwrap();
    assert_eq!(cures.len(), 1, "{cures:?}");
    for (user, password) in [("officer", "demo-officer-2026"), ("reviewer", "demo-reviewer-2026"), ("admin", "demo-admin-2026")] {
        assert!(service.login(user, password, "test").await.is_ok(), "{user}");
    }
}
