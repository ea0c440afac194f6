//! Classic MinHash: k independent hash functions, the minimum of each over
//! the set (Broder, "On the resemblance and containment of documents", 1997).
//!
//! The i-th function is multiply-add-shift on the 64-bit shingle hash,
//! `h_i(x) = (a_i·x + b_i) >> 32` with odd `a_i` (Dietzfelbinger et al.
//! 1997), the construction datasketch uses with a Mersenne prime instead of
//! the shift. Cost: k multiply-adds per shingle (vectorised by the compiler).

use crate::hash::SplitMix64;

#[derive(Debug, Clone)]
pub(super) struct Params {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl Params {
    pub(super) fn new(k: usize, seed: u64) -> Self {
        let mut g = SplitMix64::new(seed);
        let a = (0..k).map(|_| g.next() | 1).collect();
        let b = (0..k).map(|_| g.next()).collect();
        Self { a, b }
    }
}

pub(super) fn sketch(p: &Params, shingles: &[u64], out: &mut [u32]) {
    let (a, b) = (&p.a[..out.len()], &p.b[..out.len()]);
    for &x in shingles {
        for ((o, &ai), &bi) in out.iter_mut().zip(a).zip(b) {
            // Values are capped below EMPTY so that a real minimum can never
            // read as "empty".
            let v = ((ai.wrapping_mul(x).wrapping_add(bi)) >> 32) as u32;
            *o = (*o).min(v.min(u32::MAX - 1));
        }
    }
}
