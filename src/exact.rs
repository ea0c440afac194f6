//! Exact all-pairs similarity: every pair of sets with Jaccard similarity at
//! or above a threshold, with no estimation. Used to measure LSH recall and
//! MinHash error against the truth (`cargo bench --bench quality`).
//!
//! Algorithm: prefix filtering with a size filter (AllPairs; Bayardo, Ma and
//! Srikant, "Scaling up all pairs similarity search", WWW 2007). Elements are
//! ranked from rarest to most common; if J(x, y) ≥ t then x and y share an
//! element among the first |x| - ⌈t·|x|⌉ + 1 of x's ranked elements and the
//! first |y| - ⌈t·|y|⌉ + 1 of y's, and t·|x| ≤ |y| ≤ |x|/t. Indexing those
//! prefixes therefore finds every qualifying pair; each candidate is then
//! verified exactly. [`all_pairs_brute_force`] is the plain O(n²) loop, kept
//! to check the fast one.

use crate::verify::overlap;
use ahash::AHashMap;
use rayon::prelude::*;

/// A pair `(i, j)`, `i < j`, with its exact Jaccard similarity.
pub type Pair = (u32, u32, f64);

/// Every pair of `sets` (sorted, distinct elements) with Jaccard ≥
/// `threshold` (which must be in (0, 1]), sorted by `(i, j)`.
pub fn all_pairs(sets: &[Vec<u64>], threshold: f64) -> Vec<Pair> {
    assert!(threshold > 0.0 && threshold <= 1.0);
    // Rank elements by document frequency, rarest first (ties by value).
    let mut df: AHashMap<u64, u32> = AHashMap::new();
    for s in sets {
        for &e in s {
            *df.entry(e).or_default() += 1;
        }
    }
    let mut order: Vec<(u32, u64)> = df.iter().map(|(&e, &n)| (n, e)).collect();
    order.sort_unstable();
    let rank: AHashMap<u64, u32> = order.iter().enumerate().map(|(r, &(_, e))| (e, r as u32)).collect();
    let ranked: Vec<Vec<u32>> = sets
        .par_iter()
        .map(|s| {
            let mut r: Vec<u32> = s.iter().map(|e| rank[e]).collect();
            r.sort_unstable();
            r
        })
        .collect();
    let prefix = |n: usize| n - (threshold * n as f64 - 1e-9).ceil() as usize + 1;
    // Inverted index over prefixes: element rank -> sets.
    let mut index: AHashMap<u32, Vec<u32>> = AHashMap::new();
    for (i, r) in ranked.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        for &e in &r[..prefix(r.len()).min(r.len())] {
            index.entry(e).or_default().push(i as u32);
        }
    }
    let mut pairs: Vec<Pair> = (0..sets.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let r = &ranked[i];
            let mut candidates: Vec<u32> = Vec::new();
            if !r.is_empty() {
                for e in &r[..prefix(r.len()).min(r.len())] {
                    candidates.extend(index[e].iter().copied().filter(|&j| j as usize > i));
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let (min, max) = (threshold * r.len() as f64, r.len() as f64 / threshold);
            candidates
                .into_iter()
                .filter(move |&j| {
                    let n = sets[j as usize].len() as f64;
                    n >= min - 1e-9 && n <= max + 1e-9
                })
                .filter_map(move |j| {
                    let jac = overlap(&sets[i], &sets[j as usize]).jaccard;
                    (jac >= threshold).then_some((i as u32, j, jac))
                })
        })
        .collect();
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    pairs
}

/// The same result by comparing every pair (O(n²)): the reference.
pub fn all_pairs_brute_force(sets: &[Vec<u64>], threshold: f64) -> Vec<Pair> {
    let n = sets.len();
    (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            (i + 1..n).filter_map(move |j| {
                let jac = overlap(&sets[i], &sets[j]).jaccard;
                (jac >= threshold).then_some((i as u32, j as u32, jac))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::SplitMix64;

    #[test]
    fn prefix_filtering_finds_exactly_what_brute_force_finds() {
        // Clusters of near-copies over a small vocabulary, so that pairs at
        // every level of similarity exist.
        let mut g = SplitMix64::new(5);
        let mut sets: Vec<Vec<u64>> = Vec::new();
        for _ in 0..60 {
            let base: Vec<u64> = (0..(5 + g.next() % 40)).map(|_| g.next() % 400).collect();
            for _ in 0..(1 + g.next() % 5) {
                let mut s: Vec<u64> = base.iter().copied().filter(|_| !g.next().is_multiple_of(5)).collect();
                s.extend((0..g.next() % 6).map(|_| g.next() % 400));
                s.sort_unstable();
                s.dedup();
                sets.push(s);
            }
        }
        sets.push(Vec::new());
        sets.push(sets[3].clone()); // an exact copy, for t = 1
        for t in [0.2, 0.5, 0.8, 1.0] {
            let fast = all_pairs(&sets, t);
            let slow = all_pairs_brute_force(&sets, t);
            assert_eq!(fast, slow, "threshold {t}");
            assert!(!fast.is_empty());
        }
    }
}
