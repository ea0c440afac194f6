//! MinHash signatures: k small integers per text whose agreement rate
//! estimates the Jaccard similarity of two shingle sets (Broder 1997).
//!
//! Three variants are implemented, one per file, so that they can be measured
//! against each other (`cargo bench --bench quality` reports speed and
//! estimation error on real pairs of the shared corpus):
//! - [`Variant::Classic`]: k independent hash functions, k operations per
//!   shingle.
//! - [`Variant::Oph`]: one-permutation hashing with optimal densification
//!   (Li, Owen and Zhang 2012; Shrivastava 2017): one hash per shingle.
//! - [`Variant::SuperMinHash`]: Ertl 2017, lower variance than classic for
//!   sets not much larger than k.
//!
//! The default is chosen by that measurement; see the README.
//! A signature value of [`EMPTY`] marks "no shingle" and only occurs for empty
//! sets, which never take part in matching.

mod classic;
mod oph;
mod superminhash;

use crate::hash::SplitMix64;
use std::fmt;
use std::str::FromStr;

/// The value of every signature slot of an empty set.
pub const EMPTY: u32 = u32::MAX;

/// Which MinHash construction to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// k independent multiply-shift hash functions.
    Classic,
    /// One-permutation hashing with optimal densification.
    Oph,
    /// SuperMinHash.
    SuperMinHash,
}

impl Variant {
    /// All variants.
    pub const ALL: [Variant; 3] = [Variant::Classic, Variant::Oph, Variant::SuperMinHash];

    /// Stable name, used on the command line and in the scheme fingerprint.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Classic => "classic",
            Variant::Oph => "oph",
            Variant::SuperMinHash => "superminhash",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown MinHash variant {s:?} (classic, oph, superminhash)"))
    }
}

/// Reusable per-thread buffers for sketching.
#[derive(Debug, Default)]
pub struct SketchScratch {
    super_state: superminhash::State,
}

/// Computes signatures of one variant and size.
#[derive(Debug, Clone)]
pub struct MinHasher {
    variant: Variant,
    k: usize,
    classic: Option<classic::Params>,
    oph: Option<oph::Params>,
    seed: u64,
}

impl MinHasher {
    /// A hasher for `k` slots; all its constants derive from `seed`.
    ///
    /// # Panics
    /// If `k` is 0 or above 4096 (the command line validates this first).
    pub fn new(variant: Variant, k: usize, seed: u64) -> Self {
        assert!((1..=4096).contains(&k), "number of hashes must be 1 to 4096");
        let mut g = SplitMix64::new(seed);
        let seed = g.next();
        Self {
            variant,
            k,
            classic: (variant == Variant::Classic).then(|| classic::Params::new(k, seed)),
            oph: (variant == Variant::Oph).then(|| oph::Params::new(k, seed)),
            seed,
        }
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// Number of slots.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Writes the signature of the shingle hashes `shingles` (repeats allowed)
    /// into `out`, which must have length k.
    pub fn sketch(&self, shingles: &[u64], out: &mut [u32], scratch: &mut SketchScratch) {
        debug_assert_eq!(out.len(), self.k);
        out.fill(EMPTY);
        if shingles.is_empty() {
            return;
        }
        match self.variant {
            Variant::Classic => classic::sketch(self.classic.as_ref().expect("params"), shingles, out),
            Variant::Oph => oph::sketch(self.oph.as_ref().expect("params"), shingles, out),
            Variant::SuperMinHash => superminhash::sketch(self.seed, shingles, out, &mut scratch.super_state),
        }
    }
}

/// Fraction of slots on which two signatures agree: the MinHash estimate of
/// the Jaccard similarity of their sets. Empty signatures estimate 0.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    if a.is_empty() || a[0] == EMPTY || b[0] == EMPTY {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::mix64;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(mix64).collect()
    }

    fn sketch(v: Variant, k: usize, s: &[u64]) -> Vec<u32> {
        let h = MinHasher::new(v, k, 42);
        let mut out = vec![0; k];
        h.sketch(s, &mut out, &mut SketchScratch::default());
        out
    }

    #[test]
    fn identical_sets_agree_everywhere_and_order_does_not_matter() {
        for v in Variant::ALL {
            let a = set(0..300);
            let mut b = a.clone();
            b.reverse();
            b.extend_from_slice(&a[..50]); // repeats change nothing
            assert_eq!(sketch(v, 128, &a), sketch(v, 128, &b), "{v}");
            assert_eq!(estimate_jaccard(&sketch(v, 128, &a), &sketch(v, 128, &b)), 1.0);
        }
    }

    #[test]
    fn empty_sets_are_empty_and_estimate_zero() {
        for v in Variant::ALL {
            let e = sketch(v, 64, &[]);
            assert!(e.iter().all(|&x| x == EMPTY));
            assert_eq!(estimate_jaccard(&e, &e), 0.0);
            assert!(sketch(v, 64, &set(0..3)).iter().all(|&x| x != EMPTY), "{v}");
        }
    }

    #[test]
    fn estimates_are_unbiased_within_bounds() {
        // Sets with known Jaccard; average the estimate over many seeds.
        for v in Variant::ALL {
            for (shared, only) in [(100u64, 100u64), (300, 100), (20, 60), (1000, 10)] {
                let truth = shared as f64 / (shared + 2 * only) as f64;
                let mut sum = 0.0;
                let trials = 200;
                for t in 0..trials {
                    let base = t * 1_000_000;
                    let a: Vec<u64> = set(base..base + shared + only);
                    let mut b: Vec<u64> = set(base..base + shared);
                    b.extend(set(base + 500_000..base + 500_000 + only));
                    let h = MinHasher::new(v, 128, t);
                    let (mut sa, mut sb) = (vec![0; 128], vec![0; 128]);
                    let mut s = SketchScratch::default();
                    h.sketch(&a, &mut sa, &mut s);
                    h.sketch(&b, &mut sb, &mut s);
                    sum += estimate_jaccard(&sa, &sb);
                }
                let mean = sum / trials as f64;
                // Standard error of the mean is below 0.004 here.
                assert!((mean - truth).abs() < 0.02, "{v}: J={truth:.3} mean estimate {mean:.3}");
            }
        }
    }

    #[test]
    fn variants_parse_by_name() {
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>().unwrap(), v);
        }
        assert!("minhash".parse::<Variant>().is_err());
    }
}
