//! Passages two versions share, aligned word by word (DESIGN section 7).
//!
//! Seed and extend, as text-reuse tools such as passim do (Smith, Cordell and
//! Mullen, "Computational methods for uncovering reprinted texts in antebellum
//! American newspapers", 2015): every stem n-gram (n = [`AlignOptions::seed`])
//! the two texts share is a seed; seeds that follow each other in both texts
//! with gaps of at most [`AlignOptions::max_gap`] words are chained into one
//! passage; passages with fewer than [`AlignOptions::min_tokens`] matched
//! words are dropped, so that a commonplace phrase («في أصعب الظروف») is not a
//! shared passage by itself. Working on stems lets السوري and السوريين align.
//! Where passages overlap (a phrase repeated), the one with more matched words
//! wins.

use crate::hash::hash_u64s;
use std::ops::Range;

/// Alignment settings.
#[derive(Debug, Clone, Copy)]
pub struct AlignOptions {
    /// Words per seed.
    pub seed: usize,
    /// Largest gap, in words, inside a passage.
    pub max_gap: usize,
    /// Fewest matched words in a passage.
    pub min_tokens: usize,
    /// A seed occurring more often than this in one text is ignored.
    pub max_repeats: usize,
}

impl Default for AlignOptions {
    fn default() -> Self {
        Self { seed: 3, max_gap: 4, min_tokens: 6, max_repeats: 8 }
    }
}

/// A passage: word ranges in the two texts and how many words matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Words of the first text.
    pub a: Range<usize>,
    /// Words of the second text.
    pub b: Range<usize>,
    /// Words of `a` covered by shared seeds.
    pub matched: usize,
}

struct Chain {
    first: (usize, usize),
    last: (usize, usize),
    covered_end: usize,
    matched: usize,
}

/// The hash of every window of `seed` words of `seq`, in order.
pub fn seed_hashes(seq: &[u64], seed: usize) -> Vec<u64> {
    if seq.len() < seed { Vec::new() } else { seq.windows(seed).map(|w| hash_u64s(w, 0x5eed)).collect() }
}

/// Where each seed of a text occurs, built once per text and reused against
/// every other version, in one pass over the text: each seed's first
/// position and number of occurrences, and for every position the next one
/// of the same seed, so a seed's positions are read in text order.
#[derive(Debug, Clone, Default)]
pub struct SeedIndex {
    /// Seed → (first position, occurrences).
    seeds: crate::hash::KeyMap<(u32, u32)>,
    /// For each position, the next position of the same seed (`u32::MAX`
    /// after the last one).
    next: Vec<u32>,
}

impl SeedIndex {
    /// Indexes a text's seeds, one value per window of words, from the end,
    /// so that each position is linked in front of the later ones. The
    /// values are keys of a [`crate::hash::KeyMap`] (not hashed again): any
    /// values with spread bits that are equal when the windows are, such as
    /// [`seed_hashes`] or the divergence's packed and mixed stem numbers.
    pub fn new(hashes: &[u64]) -> Self {
        let mut seeds = crate::hash::KeyMap::with_capacity_and_hasher(hashes.len(), Default::default());
        let mut next = vec![u32::MAX; hashes.len()];
        for (j, &h) in hashes.iter().enumerate().rev() {
            let (first, count) = seeds.entry(h).or_insert((u32::MAX, 0));
            next[j] = *first;
            *first = j as u32;
            *count += 1;
        }
        Self { seeds, next }
    }

    /// The positions of seed `h`, in text order.
    fn get(&self, h: u64) -> Option<Positions<'_>> {
        self.seeds.get(&h).map(|&(first, count)| Positions { next: &self.next, at: first, left: count })
    }
}

/// The positions of one seed in a [`SeedIndex`], in text order.
struct Positions<'i> {
    next: &'i [u32],
    at: u32,
    left: u32,
}

impl Iterator for Positions<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 {
            return None;
        }
        let j = self.at;
        self.left -= 1;
        self.at = self.next[j as usize];
        Some(j)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for Positions<'_> {}

/// The passages `a` and `b` (sequences of stem keys) share, in order of `a`.
pub fn align(a: &[u64], b: &[u64], o: AlignOptions) -> Vec<Passage> {
    align_indexed(&seed_hashes(a, o.seed), &SeedIndex::new(&seed_hashes(b, o.seed)), o)
}

/// As [`align`], from `a`'s seeds and `b`'s seed index (seed values made
/// the same way for both; see [`SeedIndex::new`]).
pub fn align_indexed(a: &[u64], b: &SeedIndex, o: AlignOptions) -> Vec<Passage> {
    let n = o.seed;
    let mut chains: Vec<Chain> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let reach = n + o.max_gap;
    for (i, h) in a.iter().enumerate() {
        let Some(js) = b.get(*h) else { continue };
        if js.len() > o.max_repeats {
            continue;
        }
        open.retain(|&c| chains[c].last.0 + reach >= i);
        for j in js {
            let j = j as usize;
            let best = open
                .iter()
                .copied()
                .filter(|&c| {
                    let (li, lj) = chains[c].last;
                    li < i && lj < j && j <= lj + reach
                })
                .min_by_key(|&c| {
                    let (li, lj) = chains[c].last;
                    ((i - li) + (j - lj), c)
                });
            match best {
                Some(c) => {
                    let ch = &mut chains[c];
                    ch.matched += (i + n).saturating_sub(ch.covered_end.max(i));
                    ch.covered_end = ch.covered_end.max(i + n);
                    ch.last = (i, j);
                }
                None => {
                    chains.push(Chain { first: (i, j), last: (i, j), covered_end: i + n, matched: n });
                    open.push(chains.len() - 1);
                }
            }
        }
    }
    let mut passages: Vec<Passage> = chains
        .into_iter()
        .filter(|c| c.matched >= o.min_tokens)
        .map(|c| Passage { a: c.first.0..c.last.0 + n, b: c.first.1..c.last.1 + n, matched: c.matched })
        .collect();
    // Keep the best of overlapping passages.
    passages.sort_by(|x, y| y.matched.cmp(&x.matched).then(x.a.start.cmp(&y.a.start)).then(x.b.start.cmp(&y.b.start)));
    let mut kept: Vec<Passage> = Vec::new();
    for p in passages {
        let overlaps = kept
            .iter()
            .any(|k| (p.a.start < k.a.end && k.a.start < p.a.end) || (p.b.start < k.b.end && k.b.start < p.b.end));
        if !overlaps {
            kept.push(p);
        }
    }
    kept.sort_by_key(|p| (p.a.start, p.b.start));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(s: &str) -> Vec<u64> {
        s.split(' ').map(crate::background::term_key).collect()
    }

    #[test]
    fn a_shared_passage_with_small_gaps() {
        let a = seq("x y z a b c d e f g h i j k q r");
        let b = seq("m n a b c d ZZ e f g h i j k o");
        let p = align(&a, &b, AlignOptions::default());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].a, 3..14);
        assert_eq!(p[0].b, 2..14);
        assert_eq!(p[0].matched, 11);
    }

    #[test]
    fn short_common_phrases_are_not_passages() {
        let a = seq("قال ان في اصعب الظروف كان");
        let b = seq("وقف مع الشعب في اصعب الظروف مستمر");
        assert!(align(&a, &b, AlignOptions::default()).is_empty());
    }

    proptest::proptest! {
        /// The index gives every seed's positions, in text order, and no
        /// others: what a scan of the text gives.
        #[test]
        fn the_index_lists_each_seed_where_it_occurs(hashes in proptest::collection::vec(0u64..12, 0..200)) {
            let index = SeedIndex::new(&hashes);
            for h in 0..13u64 {
                let want: Vec<u32> = (0..hashes.len() as u32).filter(|&j| hashes[j as usize] == h).collect();
                let positions = index.get(h);
                proptest::prop_assert_eq!(positions.as_ref().map_or(0, |p| p.len()), want.len());
                proptest::prop_assert_eq!(positions.map(|p| p.collect::<Vec<u32>>()).unwrap_or_default(), want);
            }
        }
    }

    #[test]
    fn repeated_phrases_do_not_blow_up() {
        let a: Vec<u64> = std::iter::repeat_n(seq("a b c"), 500).flatten().collect();
        let p = align(&a, &a, AlignOptions::default());
        assert!(p.len() <= 1, "{}", p.len());
    }
}
