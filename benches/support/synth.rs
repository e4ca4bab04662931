//! Deterministic synthetic records for benchmarks (no randomness crate: a fixed LCG), e.g.
//! import of 500 projects + 1,000 challenges, metrics over 100,000 challenges. Bench data, not
//! part of the library: `benches/records.rs` includes it, and `tests/it/records.rs` checks
//! that it imports cleanly.

use fairtender::core::records::model::*;
use fairtender::core::records::{ClauseLink, FindingStatus, ImportFiles};
use chrono::{Duration, NaiveDate};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

const AGENCIES: &[&str] = &["甲招标代理有限公司", "乙项目管理有限公司", "丙咨询有限公司", "丁采购服务中心"];
const PURCHASERS: &[&str] = &["市教育局", "市卫生健康委员会", "市城市管理局", "市公安局", "区人民医院", "市交通运输局"];

/// Synthetic ids are built from fixed patterns and always parse.
fn valid<T>(r: Result<T, FieldError>) -> T {
    r.expect("synthetic ids are valid")
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default()
}

/// `n_projects` projects, `n_challenges` challenges and about one complaint per ten challenges,
/// dated in 2024–2025 (years with published schedules).
pub fn records(n_projects: usize, n_challenges: usize, seed: u64) -> (Vec<Project>, Vec<Challenge>, Vec<Complaint>, Vec<ClauseLink>) {
    let mut r = Lcg(seed);
    let n_projects = n_projects.max(1);
    let mut projects = Vec::with_capacity(n_projects);
    for i in 0..n_projects {
        let publish = base() + Duration::days(r.next(700) as i64);
        projects.push(Project {
            project_no: valid(ProjectNo::parse(&format!("P{i:06}"))),
            name: format!("项目{i}"),
            purchaser: PURCHASERS[r.next(PURCHASERS.len() as u64) as usize].to_string(),
            agency: if r.next(5) == 0 { None } else { Some(AGENCIES[r.next(AGENCIES.len() as u64) as usize].to_string()) },
            method: Method::ALL[r.next(Method::ALL.len() as u64) as usize],
            budget: Fen(r.next(100_000_000) as i64 * 100),
            publish_date: publish,
            contract_date: None,
        });
    }
    let outcomes = [ChallengeOutcome::Upheld, ChallengeOutcome::PartlyUpheld, ChallengeOutcome::NotUpheld, ChallengeOutcome::NotUpheld, ChallengeOutcome::Withdrawn, ChallengeOutcome::Pending];
    let mut challenges = Vec::with_capacity(n_challenges);
    let mut complaints = Vec::new();
    let mut links = Vec::new();
    for i in 0..n_challenges {
        let p = &projects[r.next(n_projects as u64) as usize];
        let received = p.publish_date + Duration::days(1 + r.next(20) as i64);
        let outcome = outcomes[r.next(outcomes.len() as u64) as usize];
        let reply = (outcome != ChallengeOutcome::Pending).then(|| received + Duration::days(r.next(14) as i64));
        let id = valid(ChallengeId::parse(&format!("Q{i:07}")));
        if r.next(3) == 0 {
            let finding = [None, Some(FindingStatus::Open), Some(FindingStatus::Accepted), Some(FindingStatus::Dismissed)][r.next(4) as usize];
            links.push(ClauseLink { challenge_id: id.clone(), clause_id: format!("C{i}"), finding });
        }
        if i % 10 == 0 {
            let filed = reply.unwrap_or(received) + Duration::days(3 + r.next(25) as i64);
            complaints.push(Complaint {
                id: valid(ComplaintId::parse(&format!("T{i:07}"))),
                challenge_id: id.clone(),
                filed_date: filed,
                accepted_date: Some(filed),
                suspension: None,
                decision_date: (r.next(4) != 0).then(|| filed + Duration::days(20 + r.next(40) as i64)),
                outcome: [ComplaintOutcome::Upheld, ComplaintOutcome::Rejected, ComplaintOutcome::Withdrawn, ComplaintOutcome::Pending][r.next(4) as usize],
                category: None,
            });
        }
        challenges.push(Challenge {
            id,
            project_no: p.project_no.clone(),
            supplier: format!("供应商{}", r.next(300)),
            received_date: received,
            target: Some(ChallengeTarget::Documents),
            known_date: None,
            claim: "资格条件要求本地注册，排斥外地供应商".into(),
            category: Category::ALL[r.next(Category::ALL.len() as u64) as usize],
            reply_date: reply,
            outcome,
            corrective_action: outcome.is_upheld().then(|| "发布更正公告".to_string()),
        });
    }
    (projects, challenges, complaints, links)
}

/// The same records as import files in the canonical CSV layout (UTF-8).
pub fn import_files(n_projects: usize, n_challenges: usize, seed: u64) -> ImportFiles {
    use fairtender::core::records::csv::write_csv;
    let (projects, challenges, complaints, _) = records(n_projects, n_challenges, seed);
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let p: Vec<Vec<String>> = projects
        .iter()
        .map(|p| vec![p.project_no.to_string(), p.name.clone(), p.purchaser.clone(), p.agency.clone().unwrap_or_default(), p.method.label_zh().into(), p.budget.to_yuan_string(), p.publish_date.to_string()])
        .collect();
    let c: Vec<Vec<String>> = challenges
        .iter()
        .map(|c| vec![c.id.to_string(), c.project_no.to_string(), c.supplier.clone(), c.received_date.to_string(), c.category.label_zh().into(), c.claim.clone(), d(c.reply_date), c.outcome.zh().into()])
        .collect();
    let k: Vec<Vec<String>> = complaints
        .iter()
        .map(|k| vec![k.id.to_string(), k.challenge_id.to_string(), k.filed_date.to_string(), d(k.decision_date), k.outcome.zh().into()])
        .collect();
    ImportFiles {
        projects: Some(("projects.csv".into(), write_csv(&["project_no", "name", "purchaser", "agency", "method", "budget_yuan", "publish_date"], &p).into_bytes())),
        challenges: Some(("challenges.csv".into(), write_csv(&["id", "project_no", "supplier", "received_date", "category", "claim", "reply_date", "outcome"], &c).into_bytes())),
        complaints: Some(("complaints.csv".into(), write_csv(&["id", "challenge_id", "filed_date", "decision_date", "outcome"], &k).into_bytes())),
    }
}
