//! [`ClauseIndex`]: owns the tantivy index, its single writer and a manually reloaded reader.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader,
    TantivyDocument, Term,
};

use crate::analysis::{CjkBigramTokenizer, TOKENIZER_NAME};
use crate::facets::FacetCollector;
use crate::highlight::snippet;
use crate::query::{build_query, split_terms};
use crate::schema::{build_schema, names, Fields};
use crate::analysis::ANALYSIS_VERSION;
use crate::{Hit, IndexDoc, IndexError, QueryProblem, SearchQuery, SearchResults, MAX_QUERY_CHARS, MAX_TERMS};

/// Page size used when [`SearchQuery::limit`] is 0.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest page size; larger limits are clamped.
pub const MAX_LIMIT: usize = 200;
/// Largest accepted [`SearchQuery::offset`]. Top-k collection allocates `offset + limit` slots,
/// so unbounded offsets would let one request allocate arbitrary memory.
pub const MAX_OFFSET: usize = 10_000;

/// tantivy refuses less than this per indexing thread.
const MIN_BYTES_PER_THREAD: usize = 15_000_000;

/// Writer tuning.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Total indexing memory budget of the writer (split over its threads).
    pub writer_memory_bytes: usize,
    /// Indexing threads (reduced if the budget cannot give each one tantivy's 15 MB minimum).
    pub writer_threads: usize,
    /// Threads one search may use to scan segments in parallel. 1 (the default) searches on the
    /// calling thread, which is best when many requests run concurrently on few cores.
    pub search_threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        IndexOptions {
            writer_memory_bytes: 50_000_000,
            writer_threads: cores.clamp(1, 2),
            search_threads: 1,
        }
    }
}

/// The clause index. Cheap to share (`Arc<ClauseIndex>`); all methods take `&self`.
///
/// There is one `IndexWriter` behind a mutex (tantivy allows only one per index), so writes are
/// serialized; searches never take that lock. The reader is reloaded after every commit, so a
/// search issued after a write method returns sees the write.
pub struct ClauseIndex {
    index: Index,
    fields: Fields,
    /// `None` only transiently inside [`ClauseIndex::wait_for_merges`] (or if re-creating the
    /// writer failed there).
    writer: Mutex<Option<IndexWriter>>,
    reader: IndexReader,
    options: IndexOptions,
}

/// The file beside the index that names the analysis scheme its tokens came from.
const ANALYSIS_MARKER: &str = "analysis-version";

impl ClauseIndex {
    /// Opens the index in `dir`, creating the directory and the index if missing. An index
    /// built with another [`ANALYSIS_VERSION`] is emptied (its documents must be indexed again).
    ///
    /// An existing index with a different schema is an error (rebuild it from the database).
    /// Only committed data is ever visible, so a process killed between writes leaves the last
    /// commit readable; leftover files of the lost batch are garbage-collected later.
    pub fn open_or_create(dir: &Path) -> Result<ClauseIndex, IndexError> {
        Self::open_or_create_with(dir, IndexOptions::default())
    }

    /// [`ClauseIndex::open_or_create`] with explicit writer options.
    pub fn open_or_create_with(
        dir: &Path,
        options: IndexOptions,
    ) -> Result<ClauseIndex, IndexError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            IndexError::Other(format!("creating index directory {}: {e}", dir.display()))
        })?;
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let (schema, _) = build_schema();
        let index = Index::open_or_create(directory, schema)?;
        let opened = Self::from_index(index, options)?;
        // An index whose tokens came from another analysis scheme would miss matches: empty
        // it, and the owner (the service's start-up catch-up) re-adds every document.
        let marker = dir.join(ANALYSIS_MARKER);
        let built_with = std::fs::read_to_string(&marker).ok().and_then(|v| v.trim().parse::<u32>().ok());
        if built_with != Some(ANALYSIS_VERSION) {
            opened.clear()?;
            std::fs::write(&marker, ANALYSIS_VERSION.to_string())
                .map_err(|e| IndexError::Other(format!("writing {}: {e}", marker.display())))?;
        }
        Ok(opened)
    }

    /// Opens an existing index in `dir` for searching only: no writer, so it never takes the
    /// writer lock and works while another process (the service) writes. Writes through it
    /// fail; the reader sees the index as committed when it was opened.
    pub fn open_read_only(dir: &Path) -> Result<ClauseIndex, IndexError> {
        let built_with = std::fs::read_to_string(dir.join(ANALYSIS_MARKER)).ok().and_then(|v| v.trim().parse::<u32>().ok());
        if built_with != Some(ANALYSIS_VERSION) {
            // Its tokens would silently miss matches; only a writer can rebuild it.
            return Err(IndexError::Other(format!(
                "the index in {} was built by an older version of fairtender; start `fairtender serve` once to rebuild it",
                dir.display()
            )));
        }
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::open(directory)?;
        Self::build(index, IndexOptions::default(), false)
    }

    /// Whether another process holds the writer lock of the index in `dir` — the error
    /// [`ClauseIndex::open_or_create`] gives when, e.g., `fairtender serve` runs on it.
    pub fn is_lock_busy(err: &IndexError) -> bool {
        matches!(err, IndexError::Tantivy(tantivy::TantivyError::LockFailure(..)))
    }

    /// An in-memory index (tests, stateless use).
    pub fn in_memory() -> Result<ClauseIndex, IndexError> {
        let (schema, _) = build_schema();
        Self::from_index(Index::create_in_ram(schema), IndexOptions::default())
    }

    fn from_index(index: Index, options: IndexOptions) -> Result<ClauseIndex, IndexError> {
        Self::build(index, options, true)
    }

    fn build(mut index: Index, options: IndexOptions, writable: bool) -> Result<ClauseIndex, IndexError> {
        if options.search_threads > 1 {
            index.set_multithread_executor(options.search_threads)?;
        }
        // Tokenizers are not persisted with the index: register ours on every open.
        index
            .tokenizers()
            .register(TOKENIZER_NAME, TextAnalyzer::from(CjkBigramTokenizer));
        let fields = fields_of(&index)?;
        let writer = if writable { Some(new_writer(&index, &options)?) } else { None };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(ClauseIndex {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            options,
        })
    }

    /// Starts a write batch holding the writer lock. Nothing in it is visible or durable until
    /// [`IndexBatch::commit`]; dropping the batch without committing discards it.
    pub fn batch(&self) -> IndexBatch<'_> {
        // A panic while holding the lock unwinds through `IndexBatch::drop`, which rolls back,
        // so the writer behind a poisoned lock is clean and safe to reuse.
        let guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        IndexBatch {
            owner: self,
            guard,
            dirty: false,
            committed: false,
        }
    }

    /// Adds clauses (replacing any already indexed for the same document ids) and commits.
    pub fn index_documents(&self, docs: &[IndexDoc]) -> Result<(), IndexError> {
        if docs.is_empty() {
            return Ok(());
        }
        let mut batch = self.batch();
        batch.replace_documents(docs)?;
        batch.commit()
    }

    /// Removes every clause of a document and commits.
    pub fn delete_document(&self, document_id: i64) -> Result<(), IndexError> {
        let mut batch = self.batch();
        batch.delete_document(document_id)?;
        batch.commit()
    }

    /// Removes everything and commits (used by a full reindex).
    pub fn clear(&self) -> Result<(), IndexError> {
        let mut batch = self.batch();
        batch.clear()?;
        batch.commit()
    }

    /// Document ids with at least one indexed clause (used to catch up after a crash).
    pub fn indexed_document_ids(&self) -> Result<HashSet<i64>, IndexError> {
        let searcher = self.reader.searcher();
        let mut ids = HashSet::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().i64(names::DOCUMENT_ID)?;
            for doc in segment.doc_ids_alive() {
                if let Some(id) = column.first(doc) {
                    ids.insert(id);
                }
            }
        }
        Ok(ids)
    }

    /// Number of indexed (live) clauses.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of segments currently searched (diagnostics; many small segments slow queries).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Blocks until background segment merges have finished, then makes the merged segments
    /// visible. Useful after a bulk (re)index; never needed for correctness.
    pub fn wait_for_merges(&self) -> Result<(), IndexError> {
        let mut guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let waited = match guard.take() {
            Some(writer) => writer.wait_merging_threads(),
            None => Ok(()),
        };
        // Re-create the writer even if waiting failed, so the index stays writable.
        *guard = Some(new_writer(&self.index, &self.options)?);
        waited?;
        self.reader.reload()?;
        Ok(())
    }

    /// Runs a query: all terms (exact substrings) and filters must match.
    ///
    /// Hits are ordered by BM25 score, then clause id; facets count all matching clauses.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, IndexError> {
        if q.offset > MAX_OFFSET {
            return Err(IndexError::Query(QueryProblem::OffsetTooLarge { max: MAX_OFFSET }));
        }
        if q.q.chars().count() > MAX_QUERY_CHARS {
            return Err(IndexError::Query(QueryProblem::TooLong { max: MAX_QUERY_CHARS }));
        }
        let limit = match q.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let terms = split_terms(&q.q);
        if terms.len() > MAX_TERMS {
            return Err(IndexError::Query(QueryProblem::TooManyTerms { max: MAX_TERMS }));
        }
        let query = build_query(&self.fields, &terms, &q.filters)?;
        let top = TopDocs::with_limit(limit)
            .and_offset(q.offset)
            .tweak_score(score_then_clause_id);
        let searcher = self.reader.searcher();
        let (top, total, facets) = searcher.search(&*query, &(top, Count, FacetCollector))?;
        let hits = top
            .into_iter()
            .map(|((score, _), address)| self.hit(&searcher, address, score, &terms))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResults {
            total,
            hits,
            facets: facets.into_sorted(),
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: Score,
        terms: &[String],
    ) -> Result<Hit, IndexError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let f = &self.fields;
        let i64_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_i64())
                .unwrap_or_default()
        };
        let u32_of = |field| {
            let v = doc
                .get_first(field)
                .and_then(|v| v.as_u64())
                .unwrap_or_default();
            u32::try_from(v).unwrap_or(u32::MAX)
        };
        let str_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        Ok(Hit {
            clause_id: i64_of(f.clause_id),
            document_id: i64_of(f.document_id),
            project_id: i64_of(f.project_id),
            page: u32_of(f.page),
            ordinal: u32_of(f.ordinal),
            section: str_of(f.section),
            section_kind: str_of(f.section_kind),
            snippet: snippet(&str_of(f.text), terms),
            score,
        })
    }
}

/// Sort key for hits: score descending, then clause id ascending (`Reverse` because top-k keeps
/// the largest keys). Makes pagination stable when scores tie (e.g. filter-only queries).
fn score_then_clause_id(segment: &SegmentReader) -> impl Fn(DocId, Score) -> (Score, Reverse<i64>) {
    // The schema guarantees the column; if it were missing, ties would just stay in doc order.
    let clause_ids = segment
        .fast_fields()
        .i64(names::CLAUSE_ID)
        .ok()
        .map(|column| column.first_or_default_col(0));
    move |doc, score| {
        (
            score,
            Reverse(clause_ids.as_ref().map_or(0, |c| c.get_val(doc))),
        )
    }
}

fn fields_of(index: &Index) -> Result<Fields, IndexError> {
    // `open_or_create` has already checked that the stored schema equals ours, so the handles of
    // a freshly built schema are valid for it.
    let (expected, fields) = build_schema();
    if index.schema() != expected {
        return Err(IndexError::Other("index schema does not match".into()));
    }
    Ok(fields)
}

fn new_writer(index: &Index, options: &IndexOptions) -> Result<IndexWriter, IndexError> {
    let budget = options.writer_memory_bytes.max(MIN_BYTES_PER_THREAD);
    let threads = options
        .writer_threads
        .clamp(1, (budget / MIN_BYTES_PER_THREAD).max(1));
    Ok(index.writer_with_num_threads(threads, budget)?)
}

/// A group of writes committed together; see [`ClauseIndex::batch`].
///
/// Holds the writer lock for its lifetime, so keep batches short-lived. Dropping it without
/// [`IndexBatch::commit`] rolls the writes back.
pub struct IndexBatch<'a> {
    owner: &'a ClauseIndex,
    guard: MutexGuard<'a, Option<IndexWriter>>,
    /// Whether any write was issued (rollback is not free: it restarts the indexing threads).
    dirty: bool,
    committed: bool,
}

impl IndexBatch<'_> {
    fn writer(&mut self) -> Result<&IndexWriter, IndexError> {
        self.dirty = true;
        self.guard
            .as_ref()
            .ok_or_else(|| IndexError::Other("index writer unavailable".into()))
    }

    /// Deletes the clauses of every document id present in `docs`, then adds `docs`.
    pub fn replace_documents(&mut self, docs: &[IndexDoc]) -> Result<(), IndexError> {
        let ids: BTreeSet<i64> = docs.iter().map(|d| d.document_id).collect();
        for id in ids {
            self.delete_document(id)?;
        }
        self.add_documents(docs)
    }

    /// Adds `docs` without deleting anything first (bulk loads into an empty or cleared index).
    pub fn add_documents(&mut self, docs: &[IndexDoc]) -> Result<(), IndexError> {
        let fields = self.owner.fields;
        let writer = self.writer()?;
        for d in docs {
            writer.add_document(to_tantivy(&fields, d))?;
        }
        Ok(())
    }

    /// Deletes every clause of a document. Applies to clauses added earlier, including earlier
    /// in this batch, not to ones added after it.
    pub fn delete_document(&mut self, document_id: i64) -> Result<(), IndexError> {
        let term = Term::from_field_i64(self.owner.fields.document_id, document_id);
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Deletes everything.
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Commits the batch durably and reloads the reader so searches see it.
    pub fn commit(mut self) -> Result<(), IndexError> {
        let writer = self
            .guard
            .as_mut()
            .ok_or_else(|| IndexError::Other("index writer unavailable".into()))?;
        writer.commit()?;
        self.committed = true;
        self.owner.reader.reload()?;
        Ok(())
    }
}

impl Drop for IndexBatch<'_> {
    fn drop(&mut self) {
        if self.dirty && !self.committed {
            if let Some(writer) = self.guard.as_mut() {
                // Best effort: if rollback fails the writer is broken anyway and the next
                // commit will report it.
                let _ = writer.rollback();
            }
        }
    }
}

fn to_tantivy(f: &Fields, d: &IndexDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_i64(f.clause_id, d.clause_id);
    doc.add_i64(f.document_id, d.document_id);
    doc.add_i64(f.project_id, d.project_id);
    doc.add_u64(f.page, u64::from(d.page));
    doc.add_u64(f.ordinal, u64::from(d.ordinal));
    doc.add_text(f.agency, &d.agency);
    doc.add_i64(f.year, d.year);
    doc.add_text(f.method, &d.method);
    doc.add_text(f.procurement_type, &d.procurement_type);
    doc.add_text(f.section_kind, &d.section_kind);
    doc.add_text(f.section, &d.section);
    doc.add_text(f.text, &d.text);
    doc
}
