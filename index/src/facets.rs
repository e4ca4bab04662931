//! Facet counting over every matching clause, with a custom collector on the fast fields.
//!
//! Per segment, string facets are counted by term ordinal into a dense vector (facet columns
//! have few distinct values) and translated to strings once at harvest; years go into a small
//! map. This is cheaper than the generic aggregation framework and needs no JSON request.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::schema::names;

/// String facets, in output order. (`year` is counted separately: it is an i64 column.)
const STR_FACETS: [&str; 4] = [
    names::AGENCY,
    names::METHOD,
    names::PROCUREMENT_TYPE,
    names::SECTION_KIND,
];

/// Facet name -> value -> count, merged over segments.
#[derive(Debug, Default)]
pub struct FacetTally(HashMap<&'static str, HashMap<String, u64>>);

impl FacetTally {
    fn add(&mut self, facet: &'static str, value: String, count: u64) {
        *self.0.entry(facet).or_default().entry(value).or_insert(0) += count;
    }

    /// Sorted output: every facet name present (possibly empty), values by count desc then value.
    /// Empty strings and year 0 mean "unknown" and are left out.
    pub fn into_sorted(mut self) -> BTreeMap<String, Vec<(String, u64)>> {
        let mut out = BTreeMap::new();
        for facet in STR_FACETS.iter().chain(std::iter::once(&names::YEAR)) {
            let mut values: Vec<(String, u64)> = self
                .0
                .remove(facet)
                .unwrap_or_default()
                .into_iter()
                .filter(|(v, n)| *n > 0 && !v.is_empty())
                .collect();
            values.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out.insert(facet.to_string(), values);
        }
        out
    }
}

/// Counts facet values of all matching documents.
#[derive(Debug, Default, Clone, Copy)]
pub struct FacetCollector;

/// Matching docs are buffered and their column values read in blocks of this size: batched
/// `first_vals` reads are several times cheaper than one `first` call per doc and column.
const BLOCK: usize = 512;

/// Years outside a span this wide (corrupt data) are counted in a map instead of a dense array.
const MAX_DENSE_YEARS: i64 = 1_000;

/// Per-segment state of [`FacetCollector`].
pub struct FacetSegmentCollector {
    /// One (column, counts by term ordinal) per string facet; `None` if the segment has no
    /// values for it.
    str_facets: Vec<Option<(StrColumn, Vec<u64>)>>,
    year: Column<i64>,
    /// Dense year counts from `year_min` (facet years span a few decades at most).
    year_min: i64,
    year_counts: Vec<u64>,
    /// Years that did not fit the dense array.
    year_overflow: HashMap<i64, u64>,
    docs: Vec<DocId>,
    ords: Vec<Option<u64>>,
    years: Vec<Option<i64>>,
}

impl FacetSegmentCollector {
    fn flush(&mut self) {
        let n = self.docs.len();
        if n == 0 {
            return;
        }
        for (col, counts) in self.str_facets.iter_mut().flatten() {
            self.ords[..n].fill(None);
            col.ords().first_vals(&self.docs, &mut self.ords[..n]);
            for ord in self.ords[..n].iter().flatten() {
                if let Some(slot) = counts.get_mut(*ord as usize) {
                    *slot += 1;
                }
            }
        }
        self.years[..n].fill(None);
        self.year.first_vals(&self.docs, &mut self.years[..n]);
        for &year in self.years[..n].iter().flatten() {
            let slot = usize::try_from(year - self.year_min)
                .ok()
                .and_then(|i| self.year_counts.get_mut(i));
            match slot {
                Some(slot) => *slot += 1,
                None => *self.year_overflow.entry(year).or_insert(0) += 1,
            }
        }
        self.docs.clear();
    }
}

impl Collector for FacetCollector {
    type Fruit = FacetTally;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = segment.fast_fields();
        let mut str_facets = Vec::with_capacity(STR_FACETS.len());
        for name in STR_FACETS {
            str_facets.push(fast.str(name)?.map(|col| {
                let counts = vec![0u64; col.num_terms()];
                (col, counts)
            }));
        }
        let year = fast.i64(names::YEAR)?;
        let (year_min, year_max) = (year.min_value(), year.max_value());
        let span = year_max.saturating_sub(year_min).saturating_add(1);
        let dense = if (1..=MAX_DENSE_YEARS).contains(&span) {
            span as usize
        } else {
            0
        };
        Ok(FacetSegmentCollector {
            str_facets,
            year,
            year_min,
            year_counts: vec![0; dense],
            year_overflow: HashMap::new(),
            docs: Vec::with_capacity(BLOCK),
            ords: vec![None; BLOCK],
            years: vec![None; BLOCK],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segment_fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        let mut total = FacetTally::default();
        for fruit in segment_fruits {
            for (facet, values) in fruit.0 {
                for (value, count) in values {
                    total.add(facet, value, count);
                }
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.docs.push(doc);
        if self.docs.len() == BLOCK {
            self.flush();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for chunk in docs.chunks(BLOCK) {
            if self.docs.len() + chunk.len() > BLOCK {
                self.flush();
            }
            self.docs.extend_from_slice(chunk);
        }
    }

    fn harvest(mut self) -> FacetTally {
        self.flush();
        let mut tally = FacetTally::default();
        for (name, facet) in STR_FACETS.iter().zip(self.str_facets) {
            let Some((col, counts)) = facet else { continue };
            let mut value = String::new();
            for (ord, count) in counts.into_iter().enumerate() {
                // An ordinal that does not resolve would be a corrupt dictionary; skip it rather
                // than fail the whole search.
                if count > 0 && col.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    tally.add(name, value.clone(), count);
                }
            }
        }
        let dense = self.year_counts.into_iter().enumerate();
        let dense = dense.map(|(i, count)| (self.year_min + i as i64, count));
        for (year, count) in dense.chain(self.year_overflow) {
            if year != 0 && count > 0 {
                tally.add(names::YEAR, year.to_string(), count);
            }
        }
        tally
    }
}
