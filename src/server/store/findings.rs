//! Findings in the database. A row keeps what is particular to the finding (rule id,
//! rule-set version, clause ordinal, span, severity, stage, the computed `note` appended to
//! the rule's message); the rule's text is stored once per rule-set version in `rule_set`, and
//! the clause's text, section and page come from `clause`. Rows written before migration
//! m20261203_000005 carry full copies (`note` is null) and are read as they are.

use super::{now, Page, Paged, StoreError, StoredFinding};
use crate::core::document::{SectionKind, SegmentedDocument};
use crate::core::finding::{Category, Finding, Severity, Stage};
use crate::core::rules::{RuleText, Rulebook};
use entity::{clause, finding, rule_set};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// SQLite limits bound parameters per statement; rows are inserted in chunks.
const INSERT_CHUNK: usize = 500;

/// The texts of one rule-set version, by rule id.
type Texts = Arc<HashMap<String, RuleText>>;

/// Rule-set versions this process has stored or read, with their texts: each version is
/// written once and read once per process.
#[derive(Clone, Default)]
pub struct RuleSets {
    known: Arc<Mutex<HashMap<String, Texts>>>,
}

impl RuleSets {
    fn get(&self, version: &str) -> Option<Texts> {
        self.known.lock().ok()?.get(version).cloned()
    }

    fn put(&self, version: &str, texts: Texts) {
        if let Ok(mut k) = self.known.lock() {
            k.insert(version.to_string(), texts);
        }
    }
}

fn texts_of(rules: Vec<RuleText>) -> Texts {
    Arc::new(rules.into_iter().map(|r| (r.id.clone(), r)).collect())
}

/// Stores `rulebook`'s texts under its version unless stored already.
async fn ensure_rule_set(conn: &impl ConnectionTrait, rulebook: &Rulebook, cache: &RuleSets) -> Result<(), StoreError> {
    if cache.get(rulebook.version()).is_some() {
        return Ok(());
    }
    if rule_set::Entity::find_by_id(rulebook.version().to_string()).one(conn).await?.is_none() {
        let rules = serde_json::to_string(&rulebook.texts()).unwrap_or_else(|_| "[]".into());
        rule_set::Entity::insert(rule_set::ActiveModel {
            version: Set(rulebook.version().to_string()),
            rules: Set(rules),
            created_at: Set(now()),
        })
        // Another upload with the same rule set may have committed it meanwhile.
        .on_conflict_do_nothing_on([rule_set::Column::Version])
        .exec(conn)
        .await?;
    }
    // Not cached here: if the upload's transaction rolls back, the row goes with it, and a
    // cached version would make the next upload skip the insert. The caller calls
    // `remember` after the commit.
    Ok(())
}

/// Records that `rulebook`'s version is stored (after the transaction that wrote it committed).
pub(super) fn remember(rulebook: &Rulebook, cache: &RuleSets) {
    cache.put(rulebook.version(), texts_of(rulebook.texts()));
}

/// Inserts the findings of a newly stored document (inside the upload's transaction).
pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    document_id: i64,
    doc: &SegmentedDocument,
    findings: &[Finding],
    rulebook: &Rulebook,
    cache: &RuleSets,
) -> Result<(), StoreError> {
    if findings.is_empty() {
        return Ok(());
    }
    ensure_rule_set(conn, rulebook, cache).await?;
    let created = now();
    let repeats = crate::core::workflow::ordinals_among_identical(doc.clauses.iter().map(|c| c.text.as_str()));
    let rows: Vec<finding::ActiveModel> = findings
        .iter()
        .map(|f| {
            // The note is what the engine appended to the rule's message; when the message
            // is not of that shape (or the clause is unknown), the row keeps full copies.
            let note = rulebook
                .rule(&f.rule)
                .and_then(|r| f.message.strip_prefix(r.message.as_str()))
                .filter(|_| doc.clauses.get(f.clause_ordinal as usize).is_some_and(|c| c.ordinal == f.clause_ordinal));
            let compact = note.is_some();
            let copy = |s: &str| if compact { String::new() } else { s.to_string() };
            finding::ActiveModel {
                document_id: Set(document_id),
                clause_ordinal: Set(f.clause_ordinal as i32),
                rulebook_version: Set(rulebook.version().to_string()),
                rule_id: Set(f.rule.clone()),
                category: Set(f.category.as_str().to_string()),
                severity: Set(f.severity.as_str().to_string()),
                stage: Set(f.stage.as_str().to_string()),
                page: Set(f.page as i32),
                section: Set(copy(&f.section)),
                section_kind: Set(f.section_kind.as_str().to_string()),
                start_offset: Set(f.start as i64),
                end_offset: Set(f.end as i64),
                quote: Set(copy(&f.quote)),
                clause_text: Set(copy(&f.clause)),
                message: Set(copy(&f.message)),
                basis: Set(if compact { String::new() } else { serde_json::to_string(&f.basis).unwrap_or_else(|_| "[]".into()) }),
                suggestion: Set(copy(&f.suggestion)),
                status: Set("open".into()),
                created_at: Set(created),
                note: Set(note.map(str::to_string)),
                identity: Set(doc.clauses.get(f.clause_ordinal as usize).map(|c| {
                    crate::core::workflow::finding_identity(&f.rule, &c.text, repeats[f.clause_ordinal as usize])
                })),
                manual: Set(false),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        finding::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(())
}

/// The texts of rule-set `version` (from the cache or the database).
async fn texts(db: &DatabaseConnection, version: &str, cache: &RuleSets) -> Result<Option<Texts>, StoreError> {
    if let Some(t) = cache.get(version) {
        return Ok(Some(t));
    }
    let Some(row) = rule_set::Entity::find_by_id(version.to_string()).one(db).await? else { return Ok(None) };
    let rules: Vec<RuleText> = serde_json::from_str(&row.rules)
        .map_err(|source| StoreError::Corrupt { what: "rule set", id: version.to_string(), source })?;
    let t = texts_of(rules);
    cache.put(version, t.clone());
    Ok(Some(t))
}

/// The stored findings of a document, in position order.
pub(super) async fn of_document(
    db: &DatabaseConnection,
    document_id: i64,
    cache: &RuleSets,
    page: Page,
) -> Result<Paged<StoredFinding>, StoreError> {
    let q = finding::Entity::find().filter(finding::Column::DocumentId.eq(document_id));
    let total = q.clone().count(db).await?;
    let rows = page.apply(q.order_by_asc(finding::Column::StartOffset).order_by_asc(finding::Column::Id)).all(db).await?;
    // The clauses and rule texts compact rows point at.
    let ordinals: HashSet<i32> = rows.iter().filter(|r| r.note.is_some()).map(|r| r.clause_ordinal).collect();
    let mut clauses: HashMap<i32, clause::Model> = HashMap::new();
    let wanted: Vec<i32> = ordinals.into_iter().collect();
    for chunk in wanted.chunks(INSERT_CHUNK) {
        for c in clause::Entity::find()
            .filter(clause::Column::DocumentId.eq(document_id))
            .filter(clause::Column::Ordinal.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            clauses.insert(c.ordinal, c);
        }
    }
    let mut rule_texts: HashMap<String, Option<Texts>> = HashMap::new();
    for r in rows.iter().filter(|r| r.note.is_some()) {
        if !rule_texts.contains_key(&r.rulebook_version) {
            let t = texts(db, &r.rulebook_version, cache).await?;
            rule_texts.insert(r.rulebook_version.clone(), t);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let rule = rule_texts.get(&m.rulebook_version).and_then(|t| t.as_ref()).and_then(|t| t.get(&m.rule_id)).cloned();
        let clause = clauses.get(&m.clause_ordinal);
        match stored_finding(m, rule.as_ref(), clause) {
            Some(f) => out.push(f),
            None => tracing::warn!(document_id, "a stored finding has an unknown vocabulary value; skipped"),
        }
    }
    Ok(Paged { items: out, total })
}

/// A row as a finding: compact rows take the rule text and the clause from their tables.
fn stored_finding(m: finding::Model, rule: Option<&RuleText>, clause: Option<&clause::Model>) -> Option<StoredFinding> {
    let severity = Severity::parse(&m.severity)?;
    let (start, end) = (m.start_offset.max(0) as usize, m.end_offset.max(0) as usize);
    let (message, basis, suggestion, page, section, quote, clause_text) = match (&m.note, rule, clause) {
        (Some(note), Some(rule), Some(c)) => {
            let from = start.saturating_sub(c.start_offset.max(0) as usize);
            let quote: String = c.text.chars().skip(from).take(end.saturating_sub(start)).collect();
            (
                format!("{}{note}", rule.message),
                rule.basis.clone(),
                rule.suggestion.clone(),
                c.page.max(0) as u32,
                c.section.clone(),
                quote,
                c.text.clone(),
            )
        }
        // A compact row whose rule set or clause is missing shows what it has.
        (Some(note), rule, _) => {
            tracing::warn!(finding = m.id, version = %m.rulebook_version, "rule set or clause of a finding is missing");
            (
                format!("{}{note}", rule.map(|r| r.message.as_str()).unwrap_or_default()),
                rule.map(|r| r.basis.clone()).unwrap_or_default(),
                rule.map(|r| r.suggestion.clone()).unwrap_or_default(),
                m.page.max(0) as u32,
                m.section,
                m.quote,
                m.clause_text,
            )
        }
        (None, _, _) => (
            m.message,
            serde_json::from_str(&m.basis).unwrap_or_default(),
            m.suggestion,
            m.page.max(0) as u32,
            m.section,
            m.quote,
            m.clause_text,
        ),
    };
    Some(StoredFinding {
        id: m.id,
        rulebook_version: m.rulebook_version,
        status: crate::core::workflow::FindingStatus::parse(&m.status).unwrap_or(crate::core::workflow::FindingStatus::Open),
        identity: m.identity,
        dismissal_request: m.dismissal_request,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        reason: m.reason,
        manual: m.manual,
        fixed_in_document_id: m.fixed_in_document_id,
        finding: Finding {
            rule: m.rule_id,
            category: Category::parse(&m.category)?,
            severity,
            stage: Stage::parse(&m.stage)?,
            page,
            clause_ordinal: m.clause_ordinal.max(0) as u32,
            section,
            section_kind: SectionKind::parse(&m.section_kind)?,
            start,
            end,
            quote,
            clause: clause_text,
            message,
            basis,
            suggestion,
        },
    })
}
