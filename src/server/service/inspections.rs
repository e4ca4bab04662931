//! Inspections through the service: create, freeze a candidate list, fix the seed and draw,
//! verify, record conclusions, remediation and resolution. See `core::inspection` for the
//! algorithm; every step is audited.

use super::accounts::require;
use super::{Service, ServiceError};
use crate::core::account::{Actor, Permission};
use crate::core::inspection::{self, Conclusion, DrawRecord, InspectionStatus, Resolution, Verification};
use crate::server::store::accounts::{self as audit, AuditEntry};
use crate::server::store::inspections::{self as rows, InspectionScope};
use crate::server::store::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{inspection as inspection_row, inspection_draw, inspection_result};
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};

/// `POST /inspections`
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    pub name: String,
    #[serde(default)]
    pub scope: InspectionScope,
    /// How many projects to draw.
    pub sample_size: i32,
    /// How many inspectors per sampled project (default 2).
    #[serde(default)]
    pub inspectors_per_project: Option<i32>,
}

/// An inspection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: i64,
    pub name: String,
    pub scope: InspectionScope,
    pub sample_size: i32,
    pub inspectors_per_project: i32,
    pub status: InspectionStatus,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One draw: frozen candidates and their hash, then the seed and the sample.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawView {
    pub id: i64,
    pub inspection_id: i64,
    /// 1 for the first draw; a redraw is the next number, with a reason.
    pub ordinal: i32,
    pub candidates: Vec<i64>,
    /// SHA-256 over the candidate ids, one per line (see `core::inspection`).
    pub candidates_hash: String,
    pub inspector_pool: Vec<String>,
    pub frozen_at: DateTime<Utc>,
    pub seed: Option<String>,
    pub drawn_at: Option<DateTime<Utc>>,
    /// Sampled projects in draw order, each with its inspectors.
    pub sample: Vec<SampledProject>,
    pub reason: Option<String>,
    pub created_by: String,
    /// How the sample is computed, for anyone who wants to check it by hand.
    pub algorithm: &'static str,
}

/// A sampled project and its inspectors.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampledProject {
    pub project_id: i64,
    pub inspectors: Vec<String>,
}

/// The conclusion on a sampled project.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub project_id: i64,
    pub conclusion: Conclusion,
    pub categories: Vec<String>,
    pub finding_ids: Vec<i64>,
    pub note: Option<String>,
    pub remediation_required: bool,
    pub remediation_due: Option<NaiveDate>,
    pub remediation_report: Option<String>,
    pub remediation_reported_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub inspector: String,
    pub updated_at: DateTime<Utc>,
}

/// An inspection with its draws and results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionDetail {
    pub inspection: InspectionView,
    pub draws: Vec<DrawView>,
    pub results: Vec<ResultView>,
}

/// `POST /inspections/{id}/results`
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultRequest {
    pub project_id: i64,
    /// compliant | problem (合规 / 存在问题)
    pub conclusion: String,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub finding_ids: Vec<i64>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub remediation_required: bool,
    #[serde(default)]
    pub remediation_due: Option<NaiveDate>,
}

const ALGORITHM: &str = "candidates_hash = SHA-256 of the candidate ids ascending, decimal, one per line ending in \\n; \
rank each candidate by lowercase hex SHA-256(seed + \":\" + id) ascending and take the first sample_size; \
for each sampled project rank the inspector pool by SHA-256(seed + \":\" + project_id + \":\" + username) and take the first inspectors_per_project";

fn view(i: inspection_row::Model) -> InspectionView {
    InspectionView {
        scope: rows::scope_of(&i),
        id: i.id,
        name: i.name,
        sample_size: i.sample_size,
        inspectors_per_project: i.inspectors_per_project,
        status: InspectionStatus::parse(&i.status).unwrap_or(InspectionStatus::Draft),
        created_by: i.created_by,
        created_at: i.created_at,
    }
}

fn draw_view(d: inspection_draw::Model) -> DrawView {
    let sample: Vec<(i64, Vec<String>)> = d.sample.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    DrawView {
        id: d.id,
        inspection_id: d.inspection_id,
        ordinal: d.ordinal,
        candidates: serde_json::from_str(&d.candidates).unwrap_or_default(),
        candidates_hash: d.candidates_hash,
        inspector_pool: serde_json::from_str(&d.inspector_pool).unwrap_or_default(),
        frozen_at: d.frozen_at,
        seed: d.seed,
        drawn_at: d.drawn_at,
        sample: sample.into_iter().map(|(project_id, inspectors)| SampledProject { project_id, inspectors }).collect(),
        reason: d.reason,
        created_by: d.created_by,
        algorithm: ALGORITHM,
    }
}

fn result_view(r: inspection_result::Model) -> ResultView {
    ResultView {
        project_id: r.project_id,
        conclusion: Conclusion::parse(&r.conclusion).unwrap_or(Conclusion::Problem),
        categories: serde_json::from_str(&r.categories).unwrap_or_default(),
        finding_ids: serde_json::from_str(&r.finding_ids).unwrap_or_default(),
        note: r.note,
        remediation_required: r.remediation_required,
        remediation_due: r.remediation_due,
        remediation_report: r.remediation_report,
        remediation_reported_at: r.remediation_reported_at,
        resolution: r.resolution.as_deref().and_then(Resolution::parse),
        inspector: r.inspector,
        updated_at: r.updated_at,
    }
}

fn event(by: &Actor, action: &str, id: i64, after: serde_json::Value) -> AuditEntry {
    let mut e = AuditEntry::new(by, action, "inspection", id);
    e.after = Some(after);
    e
}

/// The largest sample an inspection may draw.
const MAX_SAMPLE: i32 = 1000;

impl Service {
    /// Creates an inspection (draft).
    pub async fn create_inspection(&self, by: &Actor, req: &InspectionRequest) -> Result<InspectionView, ServiceError> {
        require(by, Permission::Inspect)?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ServiceError::Invalid("检查名称不能为空，最长 200 个字".into()));
        }
        if !(1..=MAX_SAMPLE).contains(&req.sample_size) {
            return Err(ServiceError::Invalid(format!("抽取数量应为 1 到 {MAX_SAMPLE}")));
        }
        let per = req.inspectors_per_project.unwrap_or(2);
        if !(1..=10).contains(&per) {
            return Err(ServiceError::Invalid("每个项目的检查人员数应为 1 到 10".into()));
        }
        let s = &req.scope;
        if s.agencies.len() + s.years.len() + s.methods.len() + s.procurement_types.len() > 200 {
            return Err(ServiceError::Invalid("检查范围条件过多".into()));
        }
        let _turn = self.store.write_turn().await;
        let i = rows::insert(self.store.db(), name, s, req.sample_size, per, &by.username).await?;
        audit::append(self.store.db(), event(by, "inspection.create", i.id, serde_json::json!({"name": name, "scope": s, "sample_size": req.sample_size}))).await?;
        Ok(view(i))
    }

    /// Every inspection, newest first.
    pub async fn inspections(&self, by: &Actor) -> Result<Vec<InspectionView>, ServiceError> {
        require(by, Permission::Inspect)?;
        Ok(rows::all(self.store.db()).await?.into_iter().map(view).collect())
    }

    /// An inspection with its draws and results.
    pub async fn inspection(&self, by: &Actor, id: i64) -> Result<InspectionDetail, ServiceError> {
        require(by, Permission::Inspect)?;
        let i = rows::get(self.store.db(), id).await?;
        let draws = rows::draws(self.store.db(), id).await?.into_iter().map(draw_view).collect();
        let results = rows::results(self.store.db(), id).await?.into_iter().map(result_view).collect();
        Ok(InspectionDetail { inspection: view(i), draws, results })
    }

    /// Freezes the candidate list (and the inspector pool) as a new draw and records its hash.
    /// A second draw of the same inspection is a redraw and needs a reason; the first stays.
    pub async fn freeze_draw(&self, by: &Actor, id: i64, reason: Option<String>) -> Result<DrawView, ServiceError> {
        require(by, Permission::Inspect)?;
        let reason = reason.map(|r| r.trim().chars().take(2000).collect::<String>()).filter(|r| !r.is_empty());
        let _turn = self.store.write_turn().await;
        let i = rows::get(self.store.db(), id).await?;
        let status = InspectionStatus::parse(&i.status).unwrap_or(InspectionStatus::Draft);
        if matches!(status, InspectionStatus::Concluded | InspectionStatus::Closed) {
            return Err(ServiceError::Invalid("检查已出结论或已关闭，不能再抽取".into()));
        }
        let existing = rows::draws(self.store.db(), id).await?;
        if existing.iter().any(|d| d.seed.is_none()) {
            return Err(ServiceError::Invalid("已冻结的候选名单尚未确定种子，请先完成该次抽取".into()));
        }
        if !existing.is_empty() && reason.is_none() {
            return Err(ServiceError::Invalid("重新抽取必须说明理由（原抽取记录保留）".into()));
        }
        let candidates = rows::candidates(self.store.db(), &rows::scope_of(&i)).await?;
        if candidates.is_empty() {
            return Err(ServiceError::Invalid("检查范围内没有已发布的项目".into()));
        }
        let pool = rows::inspector_pool(self.store.db()).await?;
        if pool.is_empty() {
            return Err(ServiceError::Invalid("没有可分配的监督检查人员".into()));
        }
        let hash = inspection::candidates_hash(&candidates);
        let ordinal = existing.len() as i32 + 1;
        let d = rows::freeze(self.store.db(), id, ordinal, &candidates, &hash, &pool, reason.clone(), &by.username).await?;
        let mut e = event(by, "inspection.freeze", id, serde_json::json!({"draw_id": d.id, "ordinal": ordinal, "candidates": candidates.len(), "candidates_hash": hash}));
        e.reason = reason;
        audit::append(self.store.db(), e).await?;
        Ok(draw_view(d))
    }

    /// Fixes the seed of a frozen draw (given, or random when `None`) and draws the sample.
    /// A draw's seed is set once.
    pub async fn draw(&self, by: &Actor, id: i64, draw_id: i64, seed: Option<String>) -> Result<DrawView, ServiceError> {
        require(by, Permission::Inspect)?;
        let seed = match seed.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            Some(s) if s.chars().count() > 200 => return Err(ServiceError::Invalid("种子最长 200 个字".into())),
            Some(s) => s,
            None => crate::core::account::new_secret(""),
        };
        let _turn = self.store.write_turn().await;
        let i = rows::get(self.store.db(), id).await?;
        let d = self.draw_row(id, draw_id).await?;
        if d.seed.is_some() {
            return Err(ServiceError::Invalid("该次抽取已确定种子，不能更改；如需重新抽取请新建抽取并说明理由".into()));
        }
        let v = draw_view(d.clone());
        let n = (i.sample_size as usize).min(v.candidates.len());
        let sample = inspection::sample(&seed, &v.candidates, n);
        let per = i.inspectors_per_project as usize;
        let assignments: Vec<(i64, Vec<String>)> =
            sample.iter().map(|p| (*p, inspection::assign(&seed, *p, &v.inspector_pool, per))).collect();
        use sea_orm::TransactionTrait;
        let txn = self.store.db().begin().await.map_err(StoreError::from)?;
        let done = rows::complete(&txn, d, &seed, &assignments).await?;
        if InspectionStatus::parse(&i.status) == Some(InspectionStatus::Draft) {
            rows::set_status(&txn, i, InspectionStatus::Active.as_str()).await?;
        }
        audit::append(&txn, event(by, "inspection.draw", id, serde_json::json!({"draw_id": draw_id, "seed": seed, "sample": sample}))).await?;
        txn.commit().await.map_err(StoreError::from)?;
        Ok(draw_view(done))
    }

    /// Recomputes a draw from what is stored.
    pub async fn verify_draw(&self, id: i64, draw_id: i64) -> Result<Verification, ServiceError> {
        let i = rows::get(self.store.db(), id).await?;
        let d = self.draw_row(id, draw_id).await?;
        let v = draw_view(d);
        let Some(seed) = v.seed.clone() else {
            return Err(ServiceError::Invalid("该次抽取尚未确定种子".into()));
        };
        let record = DrawRecord {
            sample_size: (i.sample_size as usize).min(v.candidates.len()),
            candidates: v.candidates,
            candidates_hash: v.candidates_hash,
            seed,
            sample: v.sample.iter().map(|s| s.project_id).collect(),
            inspector_pool: v.inspector_pool,
            inspectors_per_project: i.inspectors_per_project as usize,
            assignments: v.sample.into_iter().map(|s| (s.project_id, s.inspectors)).collect(),
        };
        Ok(inspection::verify(&record))
    }

    /// Records (or replaces) the conclusion on a project of the inspection's current sample.
    pub async fn record_result(&self, by: &Actor, id: i64, req: &ResultRequest) -> Result<ResultView, ServiceError> {
        require(by, Permission::Inspect)?;
        let conclusion = Conclusion::parse(&req.conclusion).ok_or_else(|| ServiceError::Invalid("结论应为 合规 或 存在问题".into()))?;
        if conclusion == Conclusion::Problem && req.categories.is_empty() {
            return Err(ServiceError::Invalid("结论为存在问题时须列出问题类别".into()));
        }
        for c in &req.categories {
            if crate::core::finding::Category::parse(c).is_none() {
                return Err(ServiceError::Invalid(format!("未知的问题类别：{}", c.chars().take(40).collect::<String>())));
            }
        }
        if req.remediation_required && req.remediation_due.is_none() {
            return Err(ServiceError::Invalid("要求整改时须给出整改期限".into()));
        }
        let _turn = self.store.write_turn().await;
        let i = rows::get(self.store.db(), id).await?;
        if InspectionStatus::parse(&i.status) != Some(InspectionStatus::Active) {
            return Err(ServiceError::Invalid("只有进行中的检查可以记录结论".into()));
        }
        if !self.current_sample(id).await?.contains(&req.project_id) {
            return Err(ServiceError::Invalid("该项目不在本次检查的抽取结果中".into()));
        }
        let categories: Vec<String> =
            req.categories.iter().filter_map(|c| crate::core::finding::Category::parse(c)).map(|c| c.as_str().to_string()).collect();
        let existing = rows::result(self.store.db(), id, req.project_id).await?;
        let mut row: inspection_result::ActiveModel = match existing {
            Some(r) => r.into(),
            None => inspection_result::ActiveModel {
                inspection_id: Set(id),
                project_id: Set(req.project_id),
                remediation_report: Set(None),
                remediation_reported_at: Set(None),
                resolution: Set(None),
                ..Default::default()
            },
        };
        row.conclusion = Set(conclusion.as_str().to_string());
        row.categories = Set(serde_json::to_string(&categories).unwrap_or_else(|_| "[]".into()));
        row.finding_ids = Set(serde_json::to_string(&req.finding_ids).unwrap_or_else(|_| "[]".into()));
        row.note = Set(req.note.clone().map(|n| n.chars().take(2000).collect()));
        row.remediation_required = Set(req.remediation_required);
        row.remediation_due = Set(req.remediation_due);
        row.inspector = Set(by.username.clone());
        row.updated_at = Set(crate::server::store::now());
        let saved = rows::save_result(self.store.db(), row).await?;
        let after = serde_json::json!({"project_id": req.project_id, "conclusion": conclusion, "categories": categories, "remediation_required": req.remediation_required, "remediation_due": req.remediation_due});
        audit::append(self.store.db(), event(by, "inspection.conclusion", id, after)).await?;
        Ok(result_view(saved))
    }

    /// Records the remediation an agency reported, or the inspector's resolution of it.
    pub async fn update_remediation(
        &self,
        by: &Actor,
        id: i64,
        project_id: i64,
        report: Option<String>,
        resolution: Option<Resolution>,
    ) -> Result<ResultView, ServiceError> {
        require(by, Permission::Inspect)?;
        let _turn = self.store.write_turn().await;
        let r = rows::result(self.store.db(), id, project_id)
            .await?
            .ok_or_else(|| ServiceError::Invalid("该项目还没有检查结论".into()))?;
        if !r.remediation_required {
            return Err(ServiceError::Invalid("该项目的结论未要求整改".into()));
        }
        let mut row: inspection_result::ActiveModel = r.into();
        if let Some(text) = report.map(|t| t.trim().chars().take(4000).collect::<String>()).filter(|t| !t.is_empty()) {
            row.remediation_report = Set(Some(text));
            row.remediation_reported_at = Set(Some(crate::server::store::now()));
        }
        if let Some(res) = resolution {
            row.resolution = Set(Some(res.as_str().to_string()));
        }
        row.updated_at = Set(crate::server::store::now());
        let saved = rows::save_result(self.store.db(), row).await?;
        let after = serde_json::json!({"project_id": project_id, "remediation_reported": saved.remediation_report.is_some(), "resolution": saved.resolution});
        audit::append(self.store.db(), event(by, "inspection.remediation", id, after)).await?;
        Ok(result_view(saved))
    }

    /// Concludes (every sampled project has a conclusion) or closes an inspection.
    pub async fn set_inspection_status(&self, by: &Actor, id: i64, to: InspectionStatus) -> Result<InspectionView, ServiceError> {
        require(by, Permission::Inspect)?;
        let _turn = self.store.write_turn().await;
        let i = rows::get(self.store.db(), id).await?;
        let from = InspectionStatus::parse(&i.status).unwrap_or(InspectionStatus::Draft);
        let ok = matches!((from, to), (InspectionStatus::Active, InspectionStatus::Concluded) | (InspectionStatus::Concluded, InspectionStatus::Closed));
        if !ok {
            return Err(ServiceError::Invalid(format!("检查状态为“{}”，不能变为“{}”", from.label_zh(), to.label_zh())));
        }
        if to == InspectionStatus::Concluded {
            let done: Vec<i64> = rows::results(self.store.db(), id).await?.iter().map(|r| r.project_id).collect();
            let missing: Vec<i64> = self.current_sample(id).await?.into_iter().filter(|p| !done.contains(p)).collect();
            if !missing.is_empty() {
                return Err(ServiceError::Invalid(format!("还有 {} 个抽中项目没有结论", missing.len())));
            }
        }
        rows::set_status(self.store.db(), i.clone(), to.as_str()).await?;
        audit::append(self.store.db(), event(by, &format!("inspection.{}", to.as_str()), id, serde_json::json!({"from": from, "to": to}))).await?;
        Ok(view(rows::get(self.store.db(), id).await?))
    }

    /// A draw of inspection `id`.
    async fn draw_row(&self, id: i64, draw_id: i64) -> Result<inspection_draw::Model, ServiceError> {
        Ok(rows::draws(self.store.db(), id)
            .await?
            .into_iter()
            .find(|d| d.id == draw_id)
            .ok_or(StoreError::NotFound(crate::server::store::Missing::Draw))?)
    }

    /// The sample of the latest completed draw.
    async fn current_sample(&self, id: i64) -> Result<Vec<i64>, ServiceError> {
        let last = rows::draws(self.store.db(), id).await?.into_iter().filter(|d| d.seed.is_some()).last();
        Ok(last.map(draw_view).map(|v| v.sample.into_iter().map(|s| s.project_id).collect()).unwrap_or_default())
    }
}
