//! SuperMinHash (Ertl, "SuperMinHash – A new minwise hashing algorithm for
//! Jaccard similarity estimation", arXiv:1706.05698, 2017).
//!
//! Each shingle seeds a generator that draws, for slot j = 0, 1, ..., a value
//! `j + r` (r uniform in [0, 1)) and a slot from a lazily shuffled
//! permutation; the shuffle makes the slots of one shingle distinct, which
//! lowers the estimator's variance below classic MinHash for sets of size
//! comparable to k. A histogram of the current maxima stops a shingle's loop as
//! soon as it can no longer improve any slot, so the expected cost is
//! O(n + k log² k). Values are kept as fixed-point integers: the slot index in
//! the high bits, r in the low bits.

use crate::hash::SplitMix64;

#[derive(Debug, Default)]
pub(super) struct State {
    p: Vec<u32>,
    q: Vec<u32>,
    b: Vec<u32>,
}

pub(super) fn sketch(seed: u64, shingles: &[u64], out: &mut [u32], st: &mut State) {
    let m = out.len();
    let bits = usize::BITS - (m - 1).leading_zeros(); // ceil(log2 m)
    let frac_bits = 32 - bits.max(1);
    st.p.clear();
    st.p.resize(m, 0);
    st.q.clear();
    st.q.resize(m, u32::MAX);
    st.b.clear();
    st.b.resize(m, 0);
    st.b[m - 1] = m as u32;
    let mut a = m - 1;
    // out starts as EMPTY (u32::MAX), whose integer part is at least m - 1.
    for (i, &x) in shingles.iter().enumerate() {
        let i = i as u32;
        let mut rng = SplitMix64::new(x ^ seed);
        let mut j = 0usize;
        while j <= a {
            let r64 = rng.next();
            let r = (r64 >> 32) as u32;
            let k = j + ((u64::from(r64 as u32) * (m - j) as u64) >> 32) as usize;
            if st.q[j] != i {
                st.q[j] = i;
                st.p[j] = j as u32;
            }
            if st.q[k] != i {
                st.q[k] = i;
                st.p[k] = k as u32;
            }
            st.p.swap(j, k);
            let slot = st.p[j] as usize;
            let value = ((j as u32) << frac_bits) | (r >> bits.max(1));
            if value < out[slot] {
                let previous = ((out[slot] >> frac_bits) as usize).min(m - 1);
                out[slot] = value.min(u32::MAX - 1);
                if j < previous {
                    st.b[previous] -= 1;
                    st.b[j] += 1;
                    while st.b[a] == 0 {
                        a -= 1;
                    }
                }
            }
            j += 1;
        }
    }
}
