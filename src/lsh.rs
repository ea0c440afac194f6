//! Locality-sensitive hashing over MinHash signatures: which pairs of
//! articles are worth comparing exactly.
//!
//! A signature of k values is cut into b bands of r rows. Two articles whose
//! shingle sets have Jaccard similarity s agree on a whole band with
//! probability s^r, so they become candidates with probability
//! 1 - (1 - s^r)^b, an S-curve (Indyk and Motwani 1998; Leskovec, Rajaraman and
//! Ullman, *Mining of Massive Datasets*, ch. 3).
//!
//! **Choosing b and r.** As datasketch does, [`LshParams::optimal`] minimises
//! `w_fp · ∫₀ᵗ P(s) ds + w_fn · ∫ₜ¹ (1 - P(s)) ds` over all b·r ≤ k, the
//! weighted areas of false positives below the threshold t and false
//! negatives above it. riwaya weights false negatives at 0.95 by default:
//! every candidate is verified exactly afterwards, so a false positive costs
//! a little time while a false negative is a duplicate missed for good.
//!
//! **Candidates without giant maps or quadratic buckets.** Each band becomes
//! a vector of (band key, article) that is sorted; runs of equal keys are the
//! buckets. A bucket of up to [`CandidateLimits::all_pairs_up_to`] members
//! yields all its pairs; a larger one (mass reposts, or boilerplate that
//! slipped through) links each member to the next
//! [`CandidateLimits::window`] members only, which keeps the work linear in the
//! bucket size while still chaining all of its true duplicates together.
//! Band keys are XXH3 of the band's values in little-endian bytes, seeded by
//! the band number.

use crate::hash::{SplitMix64, hash_u32s};
use crate::minhash::EMPTY;
use rayon::prelude::*;

/// How a signature is cut into bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    /// Number of bands.
    pub bands: usize,
    /// Rows (signature values) per band.
    pub rows: usize,
}

/// Default weight of false negatives when choosing (b, r).
pub const DEFAULT_FN_WEIGHT: f64 = 0.95;

impl LshParams {
    /// The (b, r) with b·r ≤ `k` minimising the weighted false-positive and
    /// false-negative areas around `threshold`.
    pub fn optimal(threshold: f64, k: usize, fn_weight: f64) -> Self {
        let fp_weight = 1.0 - fn_weight;
        let mut best = (f64::INFINITY, LshParams { bands: 1, rows: k });
        for bands in 1..=k {
            for rows in 1..=k / bands {
                let p = LshParams { bands, rows };
                let fp = simpson(|s| p.probability(s), 0.0, threshold);
                let fn_ = simpson(|s| 1.0 - p.probability(s), threshold, 1.0);
                let err = fp_weight * fp + fn_weight * fn_;
                if err < best.0 {
                    best = (err, p);
                }
            }
        }
        best.1
    }

    /// Probability that two sets of Jaccard similarity `s` become candidates.
    pub fn probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }
}

fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const N: usize = 256;
    let h = (b - a) / N as f64;
    let mut sum = f(a) + f(b);
    for i in 1..N {
        let x = a + i as f64 * h;
        sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
    }
    sum * h / 3.0
}

/// Bounds on the pairs a bucket may produce.
#[derive(Debug, Clone, Copy)]
pub struct CandidateLimits {
    /// Buckets up to this size yield all their pairs.
    pub all_pairs_up_to: usize,
    /// In larger buckets each member is paired with this many successors.
    pub window: usize,
}

impl Default for CandidateLimits {
    fn default() -> Self {
        Self { all_pairs_up_to: 64, window: 8 }
    }
}

/// The band keys of one signature.
pub fn band_keys(signature: &[u32], params: LshParams, seeds: &[u64], out: &mut Vec<u64>) {
    out.clear();
    for (b, seed) in seeds.iter().enumerate().take(params.bands) {
        let rows = &signature[b * params.rows..(b + 1) * params.rows];
        out.push(hash_u32s(rows, *seed));
    }
}

/// Seeds for the band hashes, derived from the scheme seed.
pub fn band_seeds(seed: u64, bands: usize) -> Vec<u64> {
    let mut g = SplitMix64::new(seed ^ 0x6261_6E64_7365_6564);
    (0..bands).map(|_| g.next()).collect()
}

/// Candidate pairs `(i, j)`, `i < j`, sorted and without repeats, among the
/// signatures in `signatures` (k values each). Empty signatures never match.
pub fn candidate_pairs(
    signatures: &[u32],
    k: usize,
    params: LshParams,
    seed: u64,
    limits: CandidateLimits,
) -> Vec<(u32, u32)> {
    let n = signatures.len() / k;
    let seeds = band_seeds(seed, params.bands);
    let active: Vec<u32> = (0..n as u32).filter(|&i| signatures[i as usize * k] != EMPTY).collect();
    let mut pairs: Vec<u64> = (0..params.bands)
        .into_par_iter()
        .flat_map_iter(|b| {
            let mut keyed: Vec<(u64, u32)> = active
                .iter()
                .map(|&i| {
                    let sig = &signatures[i as usize * k..(i as usize + 1) * k];
                    (hash_u32s(&sig[b * params.rows..(b + 1) * params.rows], seeds[b]), i)
                })
                .collect();
            keyed.sort_unstable();
            bucket_pairs(&keyed, limits)
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs.into_iter().map(|p| ((p >> 32) as u32, p as u32)).collect()
}

/// Pairs from the runs of equal keys of a sorted (key, id) list, packed as
/// `i << 32 | j`.
fn bucket_pairs(keyed: &[(u64, u32)], limits: CandidateLimits) -> Vec<u64> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < keyed.len() {
        let mut end = start + 1;
        while end < keyed.len() && keyed[end].0 == keyed[start].0 {
            end += 1;
        }
        let bucket = &keyed[start..end];
        let reach = if bucket.len() <= limits.all_pairs_up_to { bucket.len() } else { limits.window + 1 };
        for (x, &(_, i)) in bucket.iter().enumerate() {
            for &(_, j) in bucket.iter().skip(x + 1).take(reach - 1) {
                out.push(((i as u64) << 32) | j as u64);
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_params_favour_recall_at_the_threshold() {
        let p = LshParams::optimal(0.8, 128, DEFAULT_FN_WEIGHT);
        assert!(p.bands * p.rows <= 128);
        assert!(p.probability(0.85) > 0.99, "{p:?}");
        assert!(p.probability(0.4) < 0.05, "{p:?}");
        let half = LshParams::optimal(0.5, 128, DEFAULT_FN_WEIGHT);
        assert!(half.probability(0.55) > 0.99, "{half:?}");
        // Equal weights reproduce datasketch's choice for t = 0.8, k = 128.
        assert_eq!(LshParams::optimal(0.8, 128, 0.5), LshParams { bands: 9, rows: 13 });
    }

    #[test]
    fn buckets_give_all_pairs_or_a_window() {
        let small: Vec<(u64, u32)> = (0..4).map(|i| (7, i)).chain([(9, 10)]).collect();
        assert_eq!(bucket_pairs(&small, CandidateLimits::default()).len(), 6);
        let huge: Vec<(u64, u32)> = (0..10_000).map(|i| (7, i)).collect();
        let limits = CandidateLimits { all_pairs_up_to: 64, window: 8 };
        let pairs = bucket_pairs(&huge, limits);
        assert!(pairs.len() <= 10_000 * 8);
        // Consecutive members are always linked, so the bucket stays connected.
        for i in 0..9_999u64 {
            assert!(pairs.contains(&((i << 32) | (i + 1))));
        }
    }

    #[test]
    fn identical_signatures_are_candidates_and_empty_ones_are_not() {
        let k = 16;
        let p = LshParams { bands: 4, rows: 4 };
        let mut sigs = Vec::new();
        sigs.extend((0..16u32).map(|x| x * 3));
        sigs.extend((0..16u32).map(|x| x * 5 + 1));
        sigs.extend((0..16u32).map(|x| x * 3));
        sigs.extend(std::iter::repeat_n(EMPTY, 16));
        sigs.extend(std::iter::repeat_n(EMPTY, 16));
        assert_eq!(candidate_pairs(&sigs, k, p, 1, CandidateLimits::default()), [(0, 2)]);
    }
}
