//! Shingles: the overlapping pieces of a text whose sets are compared.
//!
//! Word k-shingles (default k = 5) are windows of k consecutive L2 tokens;
//! character n-shingles are windows of n characters of the L2 tokens joined
//! by single spaces. A text shorter than one window gives one shingle made of
//! all of it, so short texts still compare; a text with no tokens gives none,
//! so empty texts never match each other.
//!
//! Each token is hashed once with XXH3-64; a word shingle's hash is XXH3-64
//! over the little-endian bytes of its tokens' hashes, a character shingle's
//! is XXH3-64 of its UTF-8 bytes. Both use seeds derived from the scheme seed,
//! so shingle hashes are stable across machines and runs (DESIGN section 4).

use crate::hash::{SplitMix64, xxh3};
use crate::normalize::{TokenBuilder, for_each_matching_token};
use std::fmt;
use std::str::FromStr;

/// What a shingle is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShingleKind {
    /// Windows of this many L2 tokens.
    Words(u8),
    /// Windows of this many characters.
    Chars(u8),
}

impl Default for ShingleKind {
    fn default() -> Self {
        ShingleKind::Words(5)
    }
}

impl fmt::Display for ShingleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShingleKind::Words(k) => write!(f, "word:{k}"),
            ShingleKind::Chars(n) => write!(f, "char:{n}"),
        }
    }
}

impl FromStr for ShingleKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, size) = s.split_once(':').ok_or_else(|| format!("expected word:K or char:N, got {s:?}"))?;
        let size: u8 = size
            .parse()
            .ok()
            .filter(|&n| (1..=32).contains(&n))
            .ok_or_else(|| format!("shingle size must be 1 to 32, got {size:?}"))?;
        match kind {
            "word" => Ok(ShingleKind::Words(size)),
            "char" => Ok(ShingleKind::Chars(size)),
            _ => Err(format!("shingle kind must be word or char, got {kind:?}")),
        }
    }
}

/// Reusable buffers for shingling; one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    l1: String,
    token: TokenBuilder,
    /// Little-endian bytes of the token hashes, back to back.
    token_bytes: Vec<u8>,
    joined: String,
    boundaries: Vec<usize>,
}

/// Turns text into shingle hashes.
#[derive(Debug, Clone)]
pub struct Shingler {
    kind: ShingleKind,
    token_seed: u64,
    shingle_seed: u64,
}

impl Shingler {
    /// A shingler for `kind` whose hashes derive from `seed`.
    pub fn new(kind: ShingleKind, seed: u64) -> Self {
        let mut g = SplitMix64::new(seed);
        Self { kind, token_seed: g.next(), shingle_seed: g.next() }
    }

    /// The shingle kind.
    pub fn kind(&self) -> ShingleKind {
        self.kind
    }

    /// The seed of [`Shingler::token_hash`].
    pub fn token_seed(&self) -> u64 {
        self.token_seed
    }

    /// The stable hash of one L2 token.
    #[inline]
    pub fn token_hash(&self, token: &str) -> u64 {
        xxh3(token.as_bytes(), self.token_seed)
    }

    /// Appends the shingle hashes of raw `text` (L1 and L2 are applied) to
    /// `out`, in text order and with repeats. Returns the number of tokens.
    pub fn shingle(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<u64>) -> usize {
        self.shingle_parts(std::iter::once(text), scratch, out)
    }

    /// As [`Shingler::shingle`] for the texts `parts` joined by line breaks
    /// (a line break never joins tokens, so each part is tokenized alone).
    pub fn shingle_parts<'t>(
        &self,
        parts: impl IntoIterator<Item = &'t str>,
        scratch: &mut Scratch,
        out: &mut Vec<u64>,
    ) -> usize {
        let Scratch { l1, token, token_bytes, joined, boundaries } = scratch;
        match self.kind {
            ShingleKind::Words(k) => {
                token_bytes.clear();
                for part in parts {
                    let before = token_bytes.len();
                    let bytes = std::cell::RefCell::new(&mut *token_bytes);
                    for_each_matching_token(
                        part,
                        token,
                        l1,
                        |t| bytes.borrow_mut().extend_from_slice(&self.token_hash(t).to_le_bytes()),
                        || bytes.borrow_mut().truncate(before),
                    );
                }
                self.word_shingles_le(token_bytes, k as usize, out);
                token_bytes.len() / 8
            }
            ShingleKind::Chars(n) => {
                joined.clear();
                let mut count = 0usize;
                for part in parts {
                    let before = (joined.len(), count);
                    let state = std::cell::RefCell::new((&mut *joined, &mut count));
                    for_each_matching_token(
                        part,
                        token,
                        l1,
                        |t| {
                            let (joined, count) = &mut *state.borrow_mut();
                            if !joined.is_empty() {
                                joined.push(' ');
                            }
                            joined.push_str(t);
                            **count += 1;
                        },
                        || {
                            let (joined, count) = &mut *state.borrow_mut();
                            joined.truncate(before.0);
                            **count = before.1;
                        },
                    );
                }
                self.char_shingles(joined, n as usize, boundaries, out);
                count
            }
        }
    }

    /// Word shingles from token hashes: XXH3-64 over the little-endian bytes
    /// of each window of `k` token hashes.
    pub fn word_shingles(&self, token_hashes: &[u64], k: usize, out: &mut Vec<u64>) {
        let bytes: Vec<u8> = token_hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        self.word_shingles_le(&bytes, k, out);
    }

    /// As [`Shingler::word_shingles`], from the token hashes already laid out
    /// as little-endian bytes (8 per token), which costs no copying.
    pub fn word_shingles_le(&self, bytes: &[u8], k: usize, out: &mut Vec<u64>) {
        let tokens = bytes.len() / 8;
        if tokens == 0 {
            return;
        }
        if tokens < k {
            out.push(xxh3(bytes, self.shingle_seed));
            return;
        }
        out.extend((0..=tokens - k).map(|i| xxh3(&bytes[i * 8..(i + k) * 8], self.shingle_seed)));
    }

    fn char_shingles(&self, joined: &str, n: usize, boundaries: &mut Vec<usize>, out: &mut Vec<u64>) {
        if joined.is_empty() {
            return;
        }
        boundaries.clear();
        boundaries.extend(joined.char_indices().map(|(i, _)| i));
        boundaries.push(joined.len());
        let chars = boundaries.len() - 1;
        if chars < n {
            out.push(xxh3(joined.as_bytes(), self.shingle_seed));
            return;
        }
        for i in 0..=chars - n {
            let piece = &joined[boundaries[i]..boundaries[i + n]];
            out.push(xxh3(piece.as_bytes(), self.shingle_seed));
        }
    }
}

/// Sorts and deduplicates shingle hashes into a set.
pub fn into_set(shingles: &mut Vec<u64>) {
    shingles.sort_unstable();
    shingles.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &Shingler, text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        s.shingle(text, &mut Scratch::default(), &mut out);
        into_set(&mut out);
        out
    }

    #[test]
    fn word_shingles_count_windows() {
        let s = Shingler::new(ShingleKind::Words(3), 1);
        let mut out = Vec::new();
        let n = s.shingle("علي مملوك يزور طهران ويلتقي شمخاني", &mut Scratch::default(), &mut out);
        assert_eq!(n, 6);
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn spelling_variants_give_the_same_shingles() {
        let s = Shingler::new(ShingleKind::Words(2), 1);
        assert_eq!(set(&s, "أكد الرئيسُ السوري"), set(&s, "اكد الرئيس السورى"));
    }

    #[test]
    fn short_and_empty_texts() {
        let s = Shingler::new(ShingleKind::Words(5), 1);
        assert_eq!(set(&s, "عاجل").len(), 1);
        assert_ne!(set(&s, "عاجل"), set(&s, "خبر عاجل"));
        assert!(set(&s, "").is_empty());
        assert!(set(&s, " ، . ").is_empty());
        let c = Shingler::new(ShingleKind::Chars(4), 1);
        assert_eq!(set(&c, "ab").len(), 1);
        assert_eq!(set(&c, "abcde fg").len(), 5);
    }

    #[test]
    fn a_word_shingle_is_xxh3_of_its_token_hashes_bytes() {
        let s = Shingler::new(ShingleKind::Words(2), 9);
        let mut out = Vec::new();
        s.shingle("alpha beta gamma", &mut Scratch::default(), &mut out);
        let h: Vec<u64> = ["alpha", "beta", "gamma"].iter().map(|t| s.token_hash(t)).collect();
        assert_eq!(
            out,
            [crate::hash::hash_u64s(&h[0..2], s.shingle_seed), crate::hash::hash_u64s(&h[1..3], s.shingle_seed)]
        );
        let mut again = Vec::new();
        s.word_shingles(&h, 2, &mut again);
        assert_eq!(again, out);
    }

    #[test]
    fn parts_shingle_like_their_joined_text() {
        let title = "علي مملوك يحمل \u{201C}إحاطة أمنية\u{201D} إلى طهران ١٬";
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/000_bfbc723f652bba98.txt")).unwrap();
        let text = format!("\u{0654}٢ {text}");
        for kind in [ShingleKind::Words(5), ShingleKind::Chars(4)] {
            let s = Shingler::new(kind, 3);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let na = s.shingle(&format!("{title}\n{text}"), &mut Scratch::default(), &mut a);
            let nb = s.shingle_parts([title, text.as_str()], &mut Scratch::default(), &mut b);
            assert_eq!((na, &a), (nb, &b), "{kind}");
        }
    }

    #[test]
    fn seeds_change_hashes() {
        let a = Shingler::new(ShingleKind::Words(2), 1);
        let b = Shingler::new(ShingleKind::Words(2), 2);
        assert_ne!(set(&a, "one two three"), set(&b, "one two three"));
    }

    #[test]
    fn kind_parses_and_prints() {
        assert_eq!("word:5".parse::<ShingleKind>().unwrap(), ShingleKind::Words(5));
        assert_eq!("char:7".parse::<ShingleKind>().unwrap().to_string(), "char:7");
        assert!("word:0".parse::<ShingleKind>().is_err());
        assert!("token:3".parse::<ShingleKind>().is_err());
    }
}
