//! Corpus-wide runs: a rule, a set of rules, or a full-text query over every stored document
//! in the caller's scope (the index finds candidate clauses, the engine confirms), and the
//! re-check of every document after the rule library changed (counts per rule, new and
//! gone, without touching any decision). A run works in the background, reports documents
//! done of total, and can be cancelled; its hits are stored with the rule-set version.

use super::accounts::require;
use super::{Service, ServiceError};
use crate::core::account::{Actor, Permission};
use crate::server::store::runs::{self as rows, RunDocument};
use crate::server::store::{Page, Paged};
use chrono::{DateTime, Utc};
use entity::{corpus_hit, corpus_run};
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// `POST /runs`
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Rule ids to run (empty: every rule when `recheck`, none otherwise).
    #[serde(default)]
    pub rules: Vec<String>,
    /// A full-text query (terms as in search); with rules, only clauses it finds are checked.
    #[serde(default)]
    pub query: Option<String>,
    /// Re-check every document with the whole current library and report how counts per
    /// rule changed against the stored findings.
    #[serde(default)]
    pub recheck: bool,
}

/// A run and its progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: i64,
    /// rules | query | recheck
    pub kind: String,
    #[schema(value_type = Object)]
    pub spec: serde_json::Value,
    pub rulebook_version: String,
    /// running | done | cancelled | failed
    pub status: String,
    pub total_documents: i64,
    pub done_documents: i64,
    pub hits: i64,
    /// A re-check's change per rule: {rule: {before, after, new, gone}}.
    #[schema(value_type = Option<Object>)]
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One hit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunHit {
    pub document_id: i64,
    pub project_id: i64,
    pub agency: String,
    pub clause_ordinal: i32,
    /// The rule that confirmed it (`None`: a query-only run).
    pub rule_id: Option<String>,
    pub quote: String,
}

/// Cancellation flags of the runs this process is working on.
#[derive(Clone, Default)]
pub struct Runs {
    flags: Arc<std::sync::Mutex<HashMap<i64, Arc<AtomicBool>>>>,
}

impl Runs {
    fn register(&self, id: i64) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut m) = self.flags.lock() {
            m.insert(id, flag.clone());
        }
        flag
    }

    fn cancel(&self, id: i64) {
        if let Some(f) = self.flags.lock().ok().and_then(|m| m.get(&id).cloned()) {
            f.store(true, Ordering::SeqCst);
        }
    }

    fn done(&self, id: i64) {
        if let Ok(mut m) = self.flags.lock() {
            m.remove(&id);
        }
    }
}

fn view(r: corpus_run::Model) -> RunView {
    RunView {
        id: r.id,
        kind: r.kind,
        spec: serde_json::from_str(&r.spec).unwrap_or(serde_json::Value::Null),
        rulebook_version: r.rulebook_version,
        status: r.status,
        total_documents: r.total_documents,
        done_documents: r.done_documents,
        hits: r.hits,
        summary: r.summary.and_then(|s| serde_json::from_str(&s).ok()),
        error: r.error,
        created_by: r.created_by,
        created_at: r.created_at,
        finished_at: r.finished_at,
    }
}

/// Query hits per run are capped: a query that finds more is refused as too broad.
const MAX_QUERY_HITS: usize = 10_000;

impl Service {
    /// Starts a run in the background and returns it (status running).
    pub async fn start_run(&self, by: &Actor, req: &RunRequest) -> Result<RunView, ServiceError> {
        require(by, Permission::Inspect)?;
        if self.read_only {
            return Err(ServiceError::ReadOnly);
        }
        let query = req.query.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_string);
        let unknown: Vec<&str> = req.rules.iter().map(String::as_str).filter(|id| self.rulebook.rule(id).is_none()).collect();
        if !unknown.is_empty() {
            return Err(ServiceError::Invalid(format!("规则不存在：{}", unknown.join("、").chars().take(200).collect::<String>())));
        }
        if req.rules.len() > 500 {
            return Err(ServiceError::Invalid("规则过多".into()));
        }
        let kind = match (req.recheck, req.rules.is_empty(), query.is_some()) {
            (true, _, false) => "recheck",
            (true, _, true) => return Err(ServiceError::Invalid("全库复查不能同时指定检索式".into())),
            (false, true, false) => return Err(ServiceError::Invalid("请指定规则或检索式".into())),
            (false, false, _) => "rules",
            (false, true, true) => "query",
        };
        let scope = by.scope();
        // The query's candidates first: a bad query is refused before anything starts.
        let candidates: Option<HashMap<i64, HashSet<u32>>> = match &query {
            Some(q) => {
                let mut per_doc: HashMap<i64, HashSet<u32>> = HashMap::new();
                let mut offset = 0;
                loop {
                    let page = self
                        .search(&scope, fairtender_index::SearchQuery { q: q.clone(), limit: 200, offset, ..Default::default() })
                        .await?;
                    for h in &page.hits {
                        per_doc.entry(h.document_id).or_default().insert(h.ordinal);
                    }
                    offset += page.hits.len();
                    if page.hits.is_empty() || offset >= page.total {
                        break;
                    }
                    if offset >= MAX_QUERY_HITS {
                        return Err(ServiceError::Invalid(format!("检索式命中超过 {MAX_QUERY_HITS} 条，请缩小范围")));
                    }
                }
                Some(per_doc)
            }
            None => None,
        };
        let mut docs = rows::documents_in_scope(self.store.db(), &scope).await?;
        if let Some(c) = &candidates {
            docs.retain(|d| c.contains_key(&d.document_id));
        }
        let spec = serde_json::json!({"rules": req.rules, "query": query, "recheck": req.recheck, "scope": format!("{scope:?}")});
        let run = rows::insert(self.store.db(), kind, &spec, self.rulebook.version(), docs.len() as i64, &by.username).await?;
        let mut e = crate::server::store::accounts::AuditEntry::new(by, "run.start", "run", run.id);
        e.after = Some(spec);
        crate::server::store::accounts::append(self.store.db(), e).await?;
        let flag = self.runs.register(run.id);
        let service = self.clone();
        let rules: HashSet<String> = req.rules.iter().cloned().collect();
        let run_id = run.id;
        let recheck = req.recheck;
        tokio::spawn(async move {
            let outcome = service.execute_run(run_id, docs, rules, candidates, recheck, &flag).await;
            let (status, summary, error) = match outcome {
                Ok(summary) if flag.load(Ordering::SeqCst) => ("cancelled", summary, None),
                Ok(summary) => ("done", summary, None),
                Err(e) => {
                    tracing::error!(run = run_id, error = %e, "corpus run failed");
                    ("failed", None, Some("运行失败，请查看服务日志".to_string()))
                }
            };
            if let Err(e) = rows::finish(service.store.db(), run_id, status, summary.map(|s| s.to_string()), error).await {
                tracing::error!(run = run_id, error = %e, "recording the end of a corpus run failed");
            }
            service.runs.done(run_id);
        });
        Ok(view(run))
    }

    async fn execute_run(
        &self,
        run_id: i64,
        docs: Vec<RunDocument>,
        rules: HashSet<String>,
        candidates: Option<HashMap<i64, HashSet<u32>>>,
        recheck: bool,
        cancelled: &AtomicBool,
    ) -> Result<Option<serde_json::Value>, ServiceError> {
        // rule → (stored before, found now)
        let mut counts: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for d in docs {
            if cancelled.load(Ordering::SeqCst) {
                break;
            }
            let query_only = rules.is_empty() && !recheck;
            let mut hits = Vec::new();
            if query_only {
                let ordinals = candidates.as_ref().and_then(|c| c.get(&d.document_id)).cloned().unwrap_or_default();
                let clauses = crate::server::store::workflow::clause_rows(self.store.db(), d.document_id).await?;
                for c in clauses.into_iter().filter(|c| ordinals.contains(&(c.ordinal.max(0) as u32))) {
                    hits.push(hit(run_id, &d, c.ordinal, None, c.text.chars().take(200).collect()));
                }
            } else {
                // The engine confirms, on the stored bytes, with the current library.
                let bytes = self.store.blobs().get(&d.sha256).await?;
                let (book, limits, name) = (self.rulebook.clone(), self.limits.clone(), d.file_name.clone());
                let reviewed = tokio::task::spawn_blocking(move || crate::core::review::run(&bytes, &name, &book, None, &limits))
                    .await
                    .map_err(|e| ServiceError::Task(e.to_string()))?;
                let findings = match reviewed {
                    Ok(r) => r.findings,
                    Err(e) => {
                        tracing::warn!(document_id = d.document_id, error = %e, "a stored document no longer parses; skipped");
                        Vec::new()
                    }
                };
                if recheck {
                    for (rule, n) in rows::stored_counts(self.store.db(), d.document_id).await? {
                        counts.entry(rule).or_default().0 += n;
                    }
                }
                for f in findings {
                    if recheck {
                        counts.entry(f.rule.clone()).or_default().1 += 1;
                    }
                    let wanted = recheck || rules.contains(&f.rule);
                    let in_query = candidates.as_ref().is_none_or(|c| c.get(&d.document_id).is_some_and(|o| o.contains(&f.clause_ordinal)));
                    if wanted && in_query && !recheck {
                        hits.push(hit(run_id, &d, f.clause_ordinal as i32, Some(f.rule.clone()), f.quote.chars().take(200).collect()));
                    }
                }
            }
            rows::progress(self.store.db(), run_id, hits).await?;
        }
        if !recheck {
            return Ok(None);
        }
        // Manual, precedent and timing findings are not rules of the library.
        let extra = [crate::server::store::workflow::MANUAL_RULE, crate::core::precedent::PRECEDENT_RULE, crate::core::workflow::LATE_AMENDMENT_RULE];
        let summary: serde_json::Map<String, serde_json::Value> = counts
            .into_iter()
            .filter(|(rule, (before, after))| before != after && !extra.contains(&rule.as_str()))
            .map(|(rule, (before, after))| {
                (rule, serde_json::json!({"before": before, "after": after, "new": (after - before).max(0), "gone": (before - after).max(0)}))
            })
            .collect();
        Ok(Some(serde_json::Value::Object(summary)))
    }

    /// A run with its progress.
    pub async fn run(&self, by: &Actor, id: i64) -> Result<RunView, ServiceError> {
        require(by, Permission::Inspect)?;
        Ok(view(rows::get(self.store.db(), id).await?))
    }

    /// Every run, newest first.
    pub async fn runs(&self, by: &Actor) -> Result<Vec<RunView>, ServiceError> {
        require(by, Permission::Inspect)?;
        Ok(rows::all(self.store.db()).await?.into_iter().map(view).collect())
    }

    /// The hits of a run, by document and clause.
    pub async fn run_hits(&self, by: &Actor, id: i64, page: Page) -> Result<Paged<RunHit>, ServiceError> {
        require(by, Permission::Inspect)?;
        rows::get(self.store.db(), id).await?;
        let p = rows::hits(self.store.db(), id, page).await?;
        Ok(Paged {
            total: p.total,
            items: p
                .items
                .into_iter()
                .map(|h| RunHit {
                    document_id: h.document_id,
                    project_id: h.project_id,
                    agency: h.agency,
                    clause_ordinal: h.clause_ordinal,
                    rule_id: h.rule_id,
                    quote: h.quote,
                })
                .collect(),
        })
    }

    /// Cancels a running run: it stops before its next document and stays `cancelled`.
    pub async fn cancel_run(&self, by: &Actor, id: i64) -> Result<RunView, ServiceError> {
        require(by, Permission::Inspect)?;
        let r = rows::get(self.store.db(), id).await?;
        if r.status != "running" {
            return Err(ServiceError::Invalid("该任务已结束，不能取消".into()));
        }
        self.runs.cancel(id);
        rows::finish(self.store.db(), id, "cancelled", None, None).await?;
        crate::server::store::accounts::append(
            self.store.db(),
            crate::server::store::accounts::AuditEntry::new(by, "run.cancel", "run", id),
        )
        .await?;
        Ok(view(rows::get(self.store.db(), id).await?))
    }
}

fn hit(run_id: i64, d: &RunDocument, ordinal: i32, rule: Option<String>, quote: String) -> corpus_hit::ActiveModel {
    corpus_hit::ActiveModel {
        run_id: Set(run_id),
        document_id: Set(d.document_id),
        project_id: Set(d.project_id),
        agency: Set(d.agency.clone()),
        clause_ordinal: Set(ordinal),
        rule_id: Set(rule),
        quote: Set(quote),
        ..Default::default()
    }
}
