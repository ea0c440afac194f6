//! One-permutation hashing with optimal densification.
//!
//! One hash per shingle: its high bits pick one of k bins, its low 32 bits are
//! the value, and each bin keeps its minimum (Li, Owen and Zhang, "One
//! permutation hashing", NIPS 2012). Bins that received no shingle borrow the
//! value of a non-empty bin chosen by a fixed probe sequence per bin: bin i
//! tries `h(i, 1), h(i, 2), ...` until it hits a bin that was filled by the
//! data, which makes the collision probability of every bin equal to the
//! Jaccard similarity (Shrivastava, "Optimal densification for fast and
//! accurate minwise hashing", ICML 2017). Cost: one operation per shingle plus
//! O(k) for densification.

use crate::hash::mix64;

#[derive(Debug, Clone)]
pub(super) struct Params {
    seed: u64,
}

impl Params {
    pub(super) fn new(_k: usize, seed: u64) -> Self {
        Self { seed }
    }
}

pub(super) fn sketch(p: &Params, shingles: &[u64], out: &mut [u32]) {
    let k = out.len() as u64;
    for &x in shingles {
        let h = mix64(x ^ p.seed);
        let bin = (((h >> 32) * k) >> 32) as usize;
        let v = (h as u32).min(u32::MAX - 1);
        if v < out[bin] {
            out[bin] = v;
        }
    }
    densify(p.seed, out);
}

fn densify(seed: u64, out: &mut [u32]) {
    let k = out.len();
    let filled: Vec<bool> = out.iter().map(|&v| v != super::EMPTY).collect();
    if filled.iter().all(|&f| f) || !filled.iter().any(|&f| f) {
        return;
    }
    for i in 0..k {
        if filled[i] {
            continue;
        }
        let mut attempt = 1u64;
        loop {
            let h = mix64(seed ^ mix64(((i as u64) << 32) | attempt));
            let j = (((h >> 32) * k as u64) >> 32) as usize;
            if filled[j] {
                out[i] = out[j];
                break;
            }
            attempt += 1;
        }
    }
}
