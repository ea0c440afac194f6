//! Background document frequencies of L3 stems, so that even a batch of five
//! articles knows which words are rare (DESIGN section 6).
//!
//! The table is built from real Arabic news by `examples/build_background.rs`
//! (from the ANT corpus; see `data/README.md` for provenance and citation) and
//! compiled into the binary. Its file format, version [`FORMAT`], all
//! little-endian, zstd-compressed:
//!
//! ```text
//! "RWBG" | format u32 | normalization version u32 | stemmer name (u32 length, bytes)
//!        | documents u64 | entries u64 | entries × (term key u64, df u32), sorted by key
//! ```
//!
//! A term key is [`term_key`]: XXH3-64 of the stem's UTF-8 bytes. Only stems
//! seen in at least two documents are stored; a stem that is not in the table
//! has a background frequency of 0. Opening a table made with another
//! normalization or stemmer is an error, since its keys would not match.

use crate::error::{Error, Result};
use crate::hash::xxh3;
use crate::normalize::{STEMMER, VERSION};
use std::sync::OnceLock;

/// Version of the file format.
pub const FORMAT: u32 = 1;
const MAGIC: &[u8; 4] = b"RWBG";
const TERM_SEED: u64 = 0x7465_726d_6b65_7901;

/// The stable key of a stem.
#[inline]
pub fn term_key(stem: &str) -> u64 {
    xxh3(stem.as_bytes(), TERM_SEED)
}

/// The term key of an L2 token: `term_key(&stem(token))`, remembered per
/// thread in a [`TermKeyCache`] (news repeats its words: most tokens are
/// found there, at the price of one short hash instead of stemming and
/// hashing the stem).
pub fn token_key(token: &str) -> u64 {
    thread_local! {
        static CACHE: std::cell::RefCell<TermKeyCache> = std::cell::RefCell::new(TermKeyCache::new(TermKeyCache::SEED));
    }
    CACHE.with(|cache| match cache.try_borrow_mut() {
        Ok(mut cache) => cache.key(token),
        Err(_) => term_key(&crate::normalize::stem(token)),
    })
}

/// A direct-mapped memo of [`token_key`]: slot `h mod size` holds the last
/// token whose hash `h` (XXH3 under the memo's seed) fell there, by that
/// hash, with its term key. A token is known by its 64-bit hash, as a stem
/// is known by its term key everywhere else; the memo holds a fixed number
/// of slots, so it never grows and needs no eviction. A caller that hashes
/// its tokens anyway (the signing pass, for shingles) gives the memo that
/// seed and hands it the hashes ([`TermKeyCache::key_hashed`]).
#[derive(Debug, Clone)]
pub struct TermKeyCache {
    slots: Box<[(u64, u64)]>,
    seed: u64,
}

impl TermKeyCache {
    /// Slots (a power of two): 512 KB, most of a core's L2 cache.
    const SLOTS: usize = 1 << 15;
    /// The seed of [`token_key`]'s memo.
    pub const SEED: u64 = 0x7465_726d_6361_6301;

    /// An empty memo of tokens hashed under `seed`.
    pub fn new(seed: u64) -> Self {
        // Hash 0 marks an empty slot; a token hashing to 0 is never stored.
        Self { slots: vec![(0, 0); Self::SLOTS].into_boxed_slice(), seed }
    }

    /// The seed tokens are hashed with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `term_key(&stem(token))`.
    #[inline]
    pub fn key(&mut self, token: &str) -> u64 {
        self.key_hashed(token, xxh3(token.as_bytes(), self.seed))
    }

    /// `term_key(&stem(token))`, where `h` is the XXH3 hash of `token`
    /// under [`TermKeyCache::seed`].
    #[inline]
    pub fn key_hashed(&mut self, token: &str, h: u64) -> u64 {
        debug_assert_eq!(h, xxh3(token.as_bytes(), self.seed));
        let slot = &mut self.slots[(h as usize) & (Self::SLOTS - 1)];
        if slot.0 == h && h != 0 {
            return slot.1;
        }
        let k = term_key(&crate::normalize::stem(token));
        *slot = (h, k);
        k
    }
}

/// A set of term keys kept as one bit per key's low bits, to rule words out
/// by the stem key a pass has anyway: [`KeyFilter::may_contain`] is true for
/// every key inserted and, for any other key, false but for the share of
/// bits set (keys are XXH3 hashes, spread evenly).
#[derive(Debug, Clone)]
pub struct KeyFilter {
    bits: Box<[u64]>,
    /// Bits − 1: a key's bit is its low bits.
    mask: usize,
}

impl KeyFilter {
    /// An empty filter of `2^log2_bits` bits (at least 64).
    pub fn new(log2_bits: u32) -> Self {
        let bits = 1usize << log2_bits.max(6);
        Self { bits: vec![0; bits / 64].into_boxed_slice(), mask: bits - 1 }
    }

    /// The filter of the stems of `tokens` (L2 forms), with `2^log2_bits`
    /// bits.
    pub fn of_tokens<S: AsRef<str>>(log2_bits: u32, tokens: impl IntoIterator<Item = S>) -> Self {
        let mut filter = Self::new(log2_bits);
        for t in tokens {
            filter.insert(token_key(t.as_ref()));
        }
        filter
    }

    /// Adds a key.
    pub fn insert(&mut self, key: u64) {
        let b = self.bit(key);
        self.bits[b / 64] |= 1 << (b % 64);
    }

    /// False only for a key that was never inserted.
    #[inline]
    pub fn may_contain(&self, key: u64) -> bool {
        let b = self.bit(key);
        self.bits[b / 64] & (1 << (b % 64)) != 0
    }

    #[inline]
    fn bit(&self, key: u64) -> usize {
        (key as usize) & self.mask
    }
}

/// Document frequencies of stems in a background corpus.
#[derive(Debug, Clone, Default)]
pub struct Background {
    docs: u64,
    keys: Vec<u64>,
    dfs: Vec<u32>,
    total: u64,
}

impl Background {
    /// Builds a table from (key, df) pairs over `docs` documents.
    pub fn new(docs: u64, mut entries: Vec<(u64, u32)>) -> Self {
        entries.sort_unstable();
        let (keys, dfs): (Vec<u64>, Vec<u32>) = entries.into_iter().unzip();
        let total = dfs.iter().map(|&d| u64::from(d)).sum();
        Self { docs, keys, dfs, total }
    }

    /// Number of documents the table was counted over.
    pub fn docs(&self) -> u64 {
        self.docs
    }

    /// Number of stems stored.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no stem is stored.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Background document frequency of a term key (0 when unknown).
    #[inline]
    pub fn df(&self, key: u64) -> u32 {
        self.keys.binary_search(&key).map_or(0, |i| self.dfs[i])
    }

    /// A term's share of all background occurrences (document frequencies
    /// summed), smoothed so that unknown terms get a small share: the prior
    /// for log-odds ratios.
    pub fn share(&self, key: u64) -> f64 {
        self.share_of(self.df(key))
    }

    /// [`Background::share`] of a term whose background document frequency
    /// is `df`.
    #[inline]
    pub fn share_of(&self, df: u32) -> f64 {
        (f64::from(df) + 0.5) / (self.total as f64 + 0.5 * self.keys.len() as f64 + 1.0)
    }

    /// The (key, df) entries, sorted by key.
    pub fn entries(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.keys.iter().copied().zip(self.dfs.iter().copied())
    }

    /// This table plus `counts` (sorted by key, distinct) over `docs` more
    /// documents.
    pub fn plus(&self, counts: &[(u64, u32)], docs: u64) -> Self {
        let mut merged = Vec::with_capacity(self.keys.len() + counts.len());
        let (mut i, mut j) = (0, 0);
        while i < self.keys.len() || j < counts.len() {
            let a = self.keys.get(i).map(|&k| (k, self.dfs[i]));
            match (a, counts.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    merged.push((x.0, x.1.saturating_add(y.1)));
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    merged.push(x);
                    i += 1;
                }
                (_, Some(y)) => {
                    merged.push(*y);
                    j += 1;
                }
                (Some(x), None) => {
                    merged.push(x);
                    i += 1;
                }
                (None, None) => unreachable!(),
            }
        }
        Self::new(self.docs + docs, merged)
    }

    /// The table in its file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_at(19)
    }

    /// The table in its file format, compressed at zstd `level` (the index
    /// rewrites its table on every run and uses a fast level).
    pub fn to_bytes_at(&self, level: i32) -> Vec<u8> {
        let mut raw = Vec::with_capacity(32 + self.keys.len() * 12);
        raw.extend_from_slice(MAGIC);
        raw.extend_from_slice(&FORMAT.to_le_bytes());
        raw.extend_from_slice(&VERSION.to_le_bytes());
        raw.extend_from_slice(&(STEMMER.len() as u32).to_le_bytes());
        raw.extend_from_slice(STEMMER.as_bytes());
        raw.extend_from_slice(&self.docs.to_le_bytes());
        raw.extend_from_slice(&(self.keys.len() as u64).to_le_bytes());
        for (k, d) in self.keys.iter().zip(&self.dfs) {
            raw.extend_from_slice(&k.to_le_bytes());
            raw.extend_from_slice(&d.to_le_bytes());
        }
        zstd::encode_all(&raw[..], level).expect("in-memory compression")
    }

    /// Reads a table; `what` names it in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let bad = |why: &str| Error::Incompatible(format!("{what}: {why}"));
        let raw = zstd::decode_all(bytes).map_err(|e| bad(&format!("not a compressed background table ({e})")))?;
        let mut r = Reader { raw: &raw, at: 0 };
        if r.take(4).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("not a background table"));
        }
        let format = r.u32().ok_or_else(|| bad("truncated"))?;
        if format != FORMAT {
            return Err(bad(&format!("format {format}, this riwaya reads format {FORMAT}")));
        }
        let norm = r.u32().ok_or_else(|| bad("truncated"))?;
        let name_len = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        let stemmer = r.take(name_len).ok_or_else(|| bad("truncated"))?;
        if norm != VERSION || stemmer != STEMMER.as_bytes() {
            return Err(bad(&format!(
                "made with normalization {norm} and stemmer {}, this riwaya uses {VERSION} and {STEMMER}; rebuild it with examples/build_background.rs",
                String::from_utf8_lossy(stemmer)
            )));
        }
        let docs = r.u64().ok_or_else(|| bad("truncated"))?;
        let n = r.u64().ok_or_else(|| bad("truncated"))? as usize;
        let mut keys = Vec::with_capacity(n);
        let mut dfs = Vec::with_capacity(n);
        for _ in 0..n {
            keys.push(r.u64().ok_or_else(|| bad("truncated"))?);
            dfs.push(r.u32().ok_or_else(|| bad("truncated"))?);
        }
        if !keys.windows(2).all(|w| w[0] < w[1]) {
            return Err(bad("entries are not sorted"));
        }
        let total = dfs.iter().map(|&d| u64::from(d)).sum();
        Ok(Self { docs, keys, dfs, total })
    }
}

struct Reader<'a> {
    raw: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.raw.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
}

/// The table shipped in the binary.
pub fn builtin() -> &'static Background {
    static TABLE: OnceLock<Background> = OnceLock::new();
    TABLE.get_or_init(|| {
        Background::from_bytes(include_bytes!("../data/background-df.bin.zst"), "the built-in background table")
            .expect("the shipped table matches this build (tests/golden.rs checks it)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key filter holds every key put in and rules out most others.
    #[test]
    fn key_filters_hold_what_was_put_in() {
        let words = ["شباط", "وشباط", "Reuters", "x"];
        let filter = KeyFilter::of_tokens(12, words);
        assert!(words.iter().all(|w| filter.may_contain(token_key(w))));
        let others = (0..1000u64).filter(|&k| filter.may_contain(crate::hash::xxh3(&k.to_le_bytes(), 1))).count();
        assert!(others < 20, "{others} of 1000 other keys pass");
        assert!(KeyFilter::new(0).bits.len() == 1, "at least one word of bits");
    }

    /// The memo gives the stem's key, for tokens seen once, again, and
    /// after other tokens took their slots (four times as many as slots).
    #[test]
    fn remembered_keys_are_the_stems_keys() {
        let mut cache = TermKeyCache::new(TermKeyCache::SEED);
        let words = ["الحكومه", "والسوريين", "meetings", "2022", "москва", "x"];
        let tokens: Vec<String> =
            (0..4 * TermKeyCache::SLOTS).map(|i| format!("{}{i}", words[i % words.len()])).collect();
        for round in 0..2 {
            for t in tokens.iter().map(String::as_str).chain(words) {
                assert_eq!(cache.key(t), term_key(&crate::normalize::stem(t)), "{t} in round {round}");
            }
        }
        assert_eq!(token_key("الحكومه"), term_key("حكوم"));
    }

    #[test]
    fn round_trip_and_lookups() {
        let t = Background::new(10, vec![(term_key("طهر"), 4), (term_key("شمخان"), 2)]);
        let back = Background::from_bytes(&t.to_bytes(), "test").unwrap();
        assert_eq!(back.docs(), 10);
        assert_eq!(back.df(term_key("طهر")), 4);
        assert_eq!(back.df(term_key("مجهول")), 0);
        assert!(Background::from_bytes(b"nonsense", "test").is_err());
    }

    #[test]
    fn the_builtin_table_loads_and_knows_common_and_rare_words() {
        let t = builtin();
        assert!(t.docs() > 40_000, "{}", t.docs());
        assert!(t.len() > 10_000);
        let common = t.df(term_key(&crate::normalize::stem("الحكومه")));
        let rare = t.df(term_key(&crate::normalize::stem("شمخاني")));
        assert!(common > 1000, "{common}");
        assert!(rare < 50, "{rare}");
    }
}
