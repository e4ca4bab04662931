//! Inspections (事后督查) with verifiable random draws (双随机: random projects, random
//! inspectors).
//!
//! The draw is reproducible by anyone from what is recorded:
//! 1. the candidate list (project ids matching the inspection's scope, ascending) is frozen
//!    and its hash recorded — SHA-256 over the ids written in decimal, one per line, each
//!    line ending in `\n` — before any seed exists;
//! 2. then the seed is fixed (given, e.g. drawn in public, or generated) and recorded;
//! 3. each candidate is ranked by SHA-256(seed ‖ ":" ‖ id) as lowercase hex, ascending (ties,
//!    which SHA-256 makes vanishingly unlikely, by id); the first N are the sample;
//! 4. each sampled project gets the first K inspectors of the frozen pool ranked by
//!    SHA-256(seed ‖ ":" ‖ project id ‖ ":" ‖ username).
//!
//! [`verify`] recomputes 1, 3 and 4 from the stored record.

use crate::core::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

vocabulary!(
    /// Where an inspection stands.
    InspectionStatus {
        /// 草拟: scope and size can still change; nothing drawn.
        Draft = "draft", "草拟";
        /// 进行中: a sample was drawn; results are being recorded.
        Active = "active", "进行中";
        /// 已出结论: every sampled project has a conclusion.
        Concluded = "concluded", "已出结论";
        /// 已关闭
        Closed = "closed", "已关闭";
    }
);

vocabulary!(
    /// An inspector's conclusion on one sampled project.
    Conclusion {
        /// 合规
        Compliant = "compliant", "合规";
        /// 存在问题
        Problem = "problem", "存在问题" | "问题";
    }
);

vocabulary!(
    /// How far a required remediation was carried out.
    Resolution {
        /// 已整改到位
        Fully = "fully", "已整改到位" | "全部整改";
        /// 部分整改
        Partly = "partly", "部分整改";
        /// 未整改
        Not = "not", "未整改";
    }
);

/// The hash of a frozen candidate list (ids ascending, decimal, one per line).
pub fn candidates_hash(ids: &[i64]) -> String {
    let mut h = Sha256::new();
    for id in ids {
        h.update(id.to_string().as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn rank_key(seed: &str, item: &str) -> String {
    hex::encode(Sha256::digest(format!("{seed}:{item}").as_bytes()))
}

/// The first `n` candidates ranked by SHA-256(seed ‖ ":" ‖ id).
pub fn sample(seed: &str, candidates: &[i64], n: usize) -> Vec<i64> {
    let mut ranked: Vec<(String, i64)> = candidates.iter().map(|id| (rank_key(seed, &id.to_string()), *id)).collect();
    ranked.sort();
    ranked.into_iter().take(n).map(|(_, id)| id).collect()
}

/// The first `k` inspectors of `pool` for `project`, ranked by SHA-256(seed ‖ ":" ‖ project ‖ ":" ‖ username).
pub fn assign(seed: &str, project: i64, pool: &[String], k: usize) -> Vec<String> {
    let mut ranked: Vec<(String, &String)> =
        pool.iter().map(|u| (rank_key(seed, &format!("{project}:{u}")), u)).collect();
    ranked.sort();
    ranked.into_iter().take(k).map(|(_, u)| u.clone()).collect()
}

/// A recorded draw as [`verify`] needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub candidates: Vec<i64>,
    pub candidates_hash: String,
    pub seed: String,
    pub sample_size: usize,
    pub sample: Vec<i64>,
    pub inspector_pool: Vec<String>,
    pub inspectors_per_project: usize,
    /// Project id → assigned inspectors, in sample order.
    pub assignments: Vec<(i64, Vec<String>)>,
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Verification {
    /// The stored candidate list still hashes to the hash recorded before the seed.
    pub candidates_match_hash: bool,
    /// The sample recomputed from the seed equals the recorded one.
    pub sample_matches: bool,
    /// The inspector assignments recomputed equal the recorded ones.
    pub assignments_match: bool,
    pub recomputed_hash: String,
    pub recomputed_sample: Vec<i64>,
    /// All three hold.
    pub verified: bool,
}

/// Recomputes a draw from its record.
pub fn verify(r: &DrawRecord) -> Verification {
    let recomputed_hash = candidates_hash(&r.candidates);
    let recomputed_sample = sample(&r.seed, &r.candidates, r.sample_size);
    let assignments: Vec<(i64, Vec<String>)> =
        recomputed_sample.iter().map(|p| (*p, assign(&r.seed, *p, &r.inspector_pool, r.inspectors_per_project))).collect();
    let candidates_match_hash = recomputed_hash == r.candidates_hash;
    let sample_matches = recomputed_sample == r.sample;
    let assignments_match = assignments == r.assignments;
    Verification {
        verified: candidates_match_hash && sample_matches && assignments_match,
        candidates_match_hash,
        sample_matches,
        assignments_match,
        recomputed_hash,
        recomputed_sample,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: &str) -> DrawRecord {
        let candidates: Vec<i64> = (1..=40).collect();
        let pool = vec!["wang".to_string(), "li".to_string(), "zhao".to_string()];
        let s = sample(seed, &candidates, 5);
        let assignments = s.iter().map(|p| (*p, assign(seed, *p, &pool, 2))).collect();
        DrawRecord {
            candidates_hash: candidates_hash(&candidates),
            candidates,
            seed: seed.into(),
            sample_size: 5,
            sample: s,
            inspector_pool: pool,
            inspectors_per_project: 2,
            assignments,
        }
    }

    #[test]
    fn the_same_seed_and_list_give_the_same_sample() {
        let a = record("2026-12-04 公开摇号 7731");
        let b = record("2026-12-04 公开摇号 7731");
        assert_eq!(a, b);
        assert_eq!(a.sample.len(), 5);
        assert_ne!(a.sample, record("another seed").sample);
        assert!(a.assignments.iter().all(|(_, who)| who.len() == 2 && who[0] != who[1]));
        // The hash is of the documented form.
        assert_eq!(candidates_hash(&[3, 12]), hex::encode(Sha256::digest(b"3\n12\n")));
        assert!(verify(&a).verified);
    }

    #[test]
    fn a_tampered_list_or_sample_fails_verification() {
        let mut r = record("seed");
        r.candidates.retain(|id| *id != r.sample[0]);
        let v = verify(&r);
        assert!(!v.candidates_match_hash && !v.verified);
        let mut r = record("seed");
        r.sample.swap(0, 1);
        assert!(!verify(&r).sample_matches);
        let mut r = record("seed");
        r.seed.push('x');
        assert!(!verify(&r).verified);
    }
}
