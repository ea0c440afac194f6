//! What the story layer knows about each article (DESIGN section 6): its
//! stems, the phrases it quotes, and the days it reports.
//!
//! - **Terms**: L3 stems of title and text (title stems count twice: a
//!   headline is a summary), as term keys ([`crate::background::term_key`])
//!   with counts. Weighting by IDF happens later, in [`crate::story`], when
//!   the batch's own document frequencies are known.
//! - **Quotes**: the stem 3-grams inside quoted spans (text between quotation
//!   marks, which L1 writes as `"`), so that two articles quoting the same
//!   statement can be recognised even when each rewrites the rest.
//! - **Days**: the reference day (from `published`, else a dateline in the
//!   text) and the event day the article reports ([`crate::textdate`]), read
//!   from the words of the title and the first [`DATE_SCAN_WORDS`] words of
//!   the text, where news says when things happened.
//!
//! [`read_sign_and_extract`] is the signing pass of `cluster` and `index
//! add`: each article is read once, by the byte-level fast path from raw
//! text to L2 tokens ([`crate::normalize::matching_words`]), which also
//! tells where the quotation marks are and what lies between words; its
//! tokens feed the terms, the quotes and (hashed as [`crate::shingle`]
//! hashes them) the MinHash signature, and its first words the dates. No
//! L1 text is built, except for a field the fast path leaves to the general
//! path (characters NFKC changes in context), which is then read from its
//! L1 text with the same results (a proptest holds the two together).

use crate::background::TermKeyCache;
use crate::corpus::{Content, Corpus, ReadOptions};
use crate::date::Published;
use crate::error::Result;
use crate::hash::hash_u64s;
use crate::input::{Article, Inputs};
use crate::normalize::{TokenBuilder, WordSink, canonical_into, deletes, for_each_token, matching_words};
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::shingle::{ShingleKind, Shingler};
use crate::sign::{Signatures, read_and_sign_by, read_and_sign_with, sign_token_hashes_with};
use crate::textdate::{DateWords, Mention, dateline, first_mention, is_event_date, is_madda};

/// How many words into the text dates are looked for (about the first 1,500
/// characters of Arabic news).
pub const DATE_SCAN_WORDS: usize = 250;

const QUOTE_SEED: u64 = 0x7175_6f74_6573_0001;

/// The story features of one article.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// (term key, count), sorted by key.
    pub terms: Vec<(u64, u32)>,
    /// Hashes of stem 3-grams inside quoted spans, sorted, distinct.
    pub quote_grams: Vec<u64>,
    /// Reference day (days since 1970-01-01): publication day, else dateline.
    pub day: Option<i64>,
    /// Reference time in Unix seconds (the day's start for a date only).
    pub time: Option<i64>,
    /// `time` is a day's start: `published` gives a date only, or the day
    /// comes from a dateline.
    pub day_only: bool,
    /// The day the article reports, if it says.
    pub event_day: Option<i64>,
}

fn day_number(d: jiff::civil::Date) -> i64 {
    Published::from_date(d).day_number()
}

/// Buffers reused by [`extract`], one set per thread: an article's
/// features are built without allocating for its L1 text or its stems.
#[derive(Default)]
struct Scratch {
    builder: TokenBuilder,
    token: String,
    title_l1: String,
    text_l1: String,
    counts: Vec<u64>,
    /// Where [`sort_keys`] distributes `counts`.
    sorted: Vec<u64>,
    stems: Vec<u64>,
    /// Token hashes of the current piece, for the signature.
    piece_hashes: Vec<u8>,
    /// Token hashes of the article, title then text.
    hashes: Vec<u8>,
    /// Stems of tokens, by their hashes (under the shingler's token seed,
    /// when there is one).
    term_keys: Option<TermKeyCache>,
    /// The words dates are read from: the title's, the text's first.
    dates: [DateWords; 2],
    /// Read fields through the general path only (tests compare the two).
    general_only: bool,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Extracts the features of an article's content.
pub fn extract(content: &Content<'_>, published: Option<Published>) -> Features {
    with_scratch(|scratch| extract_with(content, published, None, scratch))
}

fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let out = f(&mut scratch);
            if scratch.text_l1.capacity() > 4 << 20 {
                // One huge article should not pin its buffers for the run.
                *scratch = Scratch::default();
            }
            out
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Reads and signs the input ([`read_and_sign_by`]) and extracts every
/// article's features in the same pass, tokenizing each article once for
/// both when the scheme uses word shingles. `extra` gets each article, its
/// content, its features and its shingle set (sorted, distinct).
pub fn read_sign_and_extract<E, F>(
    inputs: &Inputs,
    options: &ReadOptions,
    scheme: &Scheme,
    progress: &dyn Progress,
    extra: F,
) -> Result<(Corpus, Signatures, Vec<E>)>
where
    E: Send,
    F: Fn(&Article<'_>, &Content<'_>, Features, &[u64]) -> E + Sync,
{
    let shingler = scheme.shingler();
    let hasher = scheme.minhasher();
    let ShingleKind::Words(k) = shingler.kind() else {
        // Character shingles do not come from tokens: sign and extract apart.
        return read_and_sign_with(inputs, options, scheme, progress, |article, content, set| {
            extra(article, content, extract(content, article.published), set)
        });
    };
    read_and_sign_by(inputs, options, hasher.k(), progress, |article, content| {
        with_scratch(|scratch| {
            let features = extract_with(content, article.published, Some(&shingler), scratch);
            sign_token_hashes_with(&shingler, &hasher, &scratch.hashes, k as usize, |set| {
                extra(article, content, features, set)
            })
        })
    })
}

/// The features of `content`; with a `shingler`, also the hashes of its L2
/// tokens for the signature, into `scratch.hashes`.
fn extract_with(
    content: &Content<'_>,
    published: Option<Published>,
    shingler: Option<&Shingler>,
    scratch: &mut Scratch,
) -> Features {
    let scratch_fast = !scratch.general_only;
    let Scratch {
        builder,
        token,
        title_l1,
        text_l1,
        counts,
        sorted,
        stems,
        piece_hashes,
        hashes,
        term_keys,
        dates,
        ..
    } = scratch;
    let seed = shingler.map_or(TermKeyCache::SEED, Shingler::token_seed);
    let term_keys = match term_keys {
        Some(cache) if cache.seed() == seed => cache,
        _ => term_keys.insert(TermKeyCache::new(seed)),
    };
    counts.clear();
    hashes.clear();
    let mut quote_grams = Vec::new();
    for (field, raw) in [content.title, &*content.text].into_iter().enumerate() {
        let mut pieces = Pieces {
            field,
            piece: 0,
            signing: shingler.is_some(),
            term_keys: &mut *term_keys,
            stems: &mut *stems,
            piece_hashes: &mut *piece_hashes,
            hashes: &mut *hashes,
            counts: &mut *counts,
            quote_grams: &mut quote_grams,
        };
        let (hashes_before, counts_before, grams_before) =
            (pieces.hashes.len(), pieces.counts.len(), pieces.quote_grams.len());
        dates[field].reset(if field == 0 { usize::MAX } else { DATE_SCAN_WORDS });
        if scratch_fast
            && matching_words(
                raw,
                token,
                FieldWords { raw, pieces: &mut pieces, dates: &mut dates[field], first: None },
            )
        {
            pieces.close();
            continue;
        }
        // Rare (characters NFKC changes in context): from the L1 text,
        // split at its quotation marks.
        pieces.hashes.truncate(hashes_before);
        pieces.counts.truncate(counts_before);
        pieces.quote_grams.truncate(grams_before);
        pieces.stems.clear();
        pieces.piece_hashes.clear();
        pieces.piece = 0;
        let l1 = if field == 0 { &mut *title_l1 } else { &mut *text_l1 };
        canonical_into(raw, l1);
        for piece in l1.split('"') {
            for_each_token(piece, builder, |t| {
                pieces.token(t);
            });
            pieces.close();
        }
        dates[field].reset(if field == 0 { usize::MAX } else { DATE_SCAN_WORDS });
        dates[field].read_l1(l1);
    }
    let counts = sort_keys(counts, sorted);
    let distinct = 1 + counts.windows(2).filter(|w| w[0] != w[1]).count();
    let mut terms: Vec<(u64, u32)> = Vec::with_capacity(if counts.is_empty() { 0 } else { distinct });
    for &k in counts.iter() {
        match terms.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => terms.push((k, 1)),
        }
    }
    quote_grams.sort_unstable();
    quote_grams.dedup();

    let [title_words, text_words] = &*dates;
    let reference = published.map(|p| p.day()).or_else(|| dateline(title_words)).or_else(|| dateline(text_words));
    // The first date, title then lead, near the reference day.
    let event = reference.and_then(|r| {
        let near = |m: &Mention| is_event_date(m.date, r);
        first_mention(title_words, usize::MAX, Some(r), near)
            .or_else(|| first_mention(text_words, DATE_SCAN_WORDS, Some(r), near))
            .map(|m| m.date)
    });
    Features {
        terms,
        quote_grams,
        day: reference.map(day_number),
        time: published.map(|p| p.unix).or_else(|| reference.map(|d| Published::from_date(d).unix)),
        day_only: published.is_none_or(|p| p.date_only),
        event_day: event.map(day_number),
    }
}

/// `keys` in order, in `keys` or `out` (returned): an article's term keys,
/// hashes spread evenly over 64 bits, are distributed by their top byte
/// (one counting pass), which leaves each key within a few places of its
/// own; one insertion pass over them all then finishes the order (no call
/// per bucket), unless some bucket is large (a very long article), when
/// each bucket is sorted alone. Faster than sorting them all for the few
/// hundred keys of an article.
fn sort_keys<'k>(keys: &'k mut [u64], out: &'k mut Vec<u64>) -> &'k [u64] {
    /// Largest bucket the insertion pass takes (its cost grows with the
    /// square of a bucket's size).
    const INSERTION_BUCKET: u32 = 16;
    if keys.len() < 64 {
        keys.sort_unstable();
        return keys;
    }
    let bucket = |k: u64| (k >> 56) as usize;
    let mut at = [0u32; 257];
    for &k in keys.iter() {
        at[bucket(k) + 1] += 1;
    }
    let largest = at.iter().copied().max().unwrap_or(0);
    for b in 0..256 {
        at[b + 1] += at[b];
    }
    let bounds = at;
    out.clear();
    out.resize(keys.len(), 0);
    for &k in keys.iter() {
        let b = bucket(k);
        out[at[b] as usize] = k;
        at[b] += 1;
    }
    if largest <= INSERTION_BUCKET {
        for i in 1..out.len() {
            let k = out[i];
            let mut j = i;
            while j > 0 && out[j - 1] > k {
                out[j] = out[j - 1];
                j -= 1;
            }
            out[j] = k;
        }
        return out;
    }
    for b in 0..256 {
        let (from, to) = (bounds[b] as usize, bounds[b + 1] as usize);
        if to - from > 1 {
            out[from..to].sort_unstable();
        }
    }
    out
}

/// The tokens of one field being read, cut into pieces at quotation marks
/// (odd pieces are quoted): stems and token hashes of the piece at hand, and
/// what the finished pieces add to the article.
struct Pieces<'s> {
    /// 0: the title (its stems count twice: a headline is a summary), 1: the
    /// text.
    field: usize,
    piece: usize,
    /// Token hashes go into the signature (they are hashed with the
    /// shingler's token seed, the memo's).
    signing: bool,
    term_keys: &'s mut TermKeyCache,
    stems: &'s mut Vec<u64>,
    piece_hashes: &'s mut Vec<u8>,
    hashes: &'s mut Vec<u8>,
    counts: &'s mut Vec<u64>,
    quote_grams: &'s mut Vec<u64>,
}

impl Pieces<'_> {
    /// Adds a token; returns its stem's term key.
    #[inline]
    fn token(&mut self, t: &str) -> u64 {
        let h = crate::hash::xxh3(t.as_bytes(), self.term_keys.seed());
        let key = self.term_keys.key_hashed(t, h);
        self.stems.push(key);
        if self.signing {
            // h is the shingler's token hash.
            self.piece_hashes.extend_from_slice(&h.to_le_bytes());
        }
        key
    }

    /// The piece at hand ends (at a quotation mark, or the field's end).
    fn close(&mut self) {
        self.hashes.extend_from_slice(self.piece_hashes);
        self.counts.extend_from_slice(self.stems);
        if self.field == 0 {
            self.counts.extend_from_slice(self.stems);
        }
        if self.piece % 2 == 1 && (3..=80).contains(&self.stems.len()) {
            self.quote_grams.extend(self.stems.windows(3).map(|w| hash_u64s(w, QUOTE_SEED)));
        }
        self.stems.clear();
        self.piece_hashes.clear();
        self.piece += 1;
    }
}

/// A field read by the fast path: its tokens go to [`Pieces`], its first
/// words to the dates.
struct FieldWords<'r, 'p, 's> {
    raw: &'r str,
    pieces: &'p mut Pieces<'s>,
    dates: &'p mut DateWords,
    /// The next word's start, for the dates.
    first: Option<WordStart>,
}

/// Where a word for the dates starts.
#[derive(Clone, Copy)]
struct WordStart {
    /// Its first character is an ASCII digit in L1.
    digit: bool,
    /// Its first character, as written and as L1 folds it.
    c: char,
    folded: char,
    /// The byte of the field it is at.
    at: usize,
}

impl WordStart {
    /// Whether the word is written with آ ([`crate::textdate::DateWord::madda`]),
    /// in the field `raw`: آ is kept by L1 and comes from no other character;
    /// a prefix letter (ب ل و ف) is its own L2 form (پ is written ب by L1).
    /// The second letter is read past what L1 deletes (بِآب). Worked out
    /// only for the words dates keep whole.
    fn madda(self, raw: &str) -> bool {
        let first = if self.c == 'آ' { self.c } else { self.folded };
        let second = if matches!(first, 'ب' | 'ل' | 'و' | 'ف') {
            raw[self.at + self.c.len_utf8()..].chars().find(|&d| !deletes(d))
        } else {
            None
        };
        is_madda(first, second)
    }
}

impl FieldWords<'_, '_, '_> {
    /// A word for the dates; `key`: its stem's term key, for a token.
    #[inline]
    fn date_word(&mut self, form: &str, key: Option<u64>) {
        if let Some(start) = self.first.take() {
            let raw = self.raw;
            match key {
                Some(key) => self.dates.word_keyed(form, start.digit, || start.madda(raw), key),
                None => self.dates.word(form, start.digit, start.madda(raw)),
            }
        }
    }
}

impl WordSink for FieldWords<'_, '_, '_> {
    #[inline]
    fn token(&mut self, form: &str) {
        let key = self.pieces.token(form);
        self.date_word(form, Some(key));
    }

    #[inline]
    fn letter(&mut self, form: &str) {
        self.date_word(form, None);
    }

    #[inline]
    fn between(&mut self, c: char, after_digit: bool) {
        if !self.dates.full() {
            self.dates.between(c, after_digit);
        }
    }

    #[inline]
    fn quote(&mut self) {
        self.pieces.close();
        if !self.dates.full() {
            self.dates.other();
        }
    }

    #[inline]
    fn word_start(&mut self, c: char, folded: char, ascii_digit: bool, at: usize) {
        if self.dates.full() {
            return;
        }
        self.first = Some(WordStart { digit: ascii_digit, c, folded, at });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use std::borrow::Cow;

    /// Tokenizing once for the signature and the features gives what
    /// signing and extracting separately give: the seeds, plus texts that
    /// take the tokenizer's slow paths (quotes, NFKC, separators, marks).
    #[test]
    fn one_tokenization_signs_and_extracts_as_two() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = std::fs::read_dir("samples")
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
            .map(|e| {
                let text = std::fs::read_to_string(e.path()).unwrap();
                let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
                serde_json::json!({"id": e.path().display().to_string(), "title": title, "text": body}).to_string()
            })
            .collect();
        for (i, text) in [
            "قال «دعمت إيران سوريا في أصعب الظروف» ثم \"غادر\" الوفد",
            "ﻻ ﷲ \u{FEB3}\u{FEE0}\u{FE8E}\u{FEE1} Ａ\u{0301}B ١٬٠٠٠ ٣٫٥ و٬ «x» “y”",
            "e\u{0301}te\u{0301} Straße ǅemal \u{1100}\u{0640}\u{1161} T\u{0308}",
            "«بدون إغلاق و«متداخل» 2022-02-27»\n\"سطر\"",
        ]
        .iter()
        .enumerate()
        {
            lines.push(
                serde_json::json!({"id": format!("t{i}"), "title": format!("عنوان «{i}»"), "text": text, "published": "2022-02-28"})
                    .to_string(),
            );
        }
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let inputs = Inputs::open(&[path]).unwrap();
        let options = ReadOptions::default();
        for shingle in [ShingleKind::Words(5), ShingleKind::Words(2), ShingleKind::Chars(5)] {
            let scheme = Scheme { shingle, ..Scheme::of(&Default::default(), &Default::default()) };
            let (_, fused, got) =
                read_sign_and_extract(&inputs, &options, &scheme, &NoProgress, |_, _, f, set| (f, set.to_vec()))
                    .unwrap();
            let (_, apart, want) = read_and_sign_with(&inputs, &options, &scheme, &NoProgress, |a, c, set| {
                (extract(c, a.published), set.to_vec())
            })
            .unwrap();
            assert_eq!(got.len(), lines.len());
            assert_eq!(got, want, "{shingle}");
            assert_eq!(fused.values, apart.values, "{shingle}");
            assert_eq!(fused.set_sizes, apart.set_sizes, "{shingle}");
            assert_eq!(fused.token_counts, apart.token_counts, "{shingle}");
        }
    }

    /// [`sort_keys`] gives what a plain sort gives.
    fn sorts_as_plainly(keys: Vec<u64>) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut want = keys.clone();
        want.sort_unstable();
        let (mut keys, mut out) = (keys, Vec::new());
        proptest::prop_assert_eq!(sort_keys(&mut keys, &mut out), &want[..]);
        Ok(())
    }

    proptest::proptest! {
        /// Sorting by bucket gives the plain sort, for few and many keys,
        /// spread or crowded into a few buckets, with repeats.
        #[test]
        fn keys_sort_by_bucket_as_plainly(
            keys in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::any::<u64>(),
                proptest::strategy::Strategy::prop_map((0u64..4, 0u64..50), |(top, low)| (top << 56) | low),
            ], 0..600),
        ) {
            sorts_as_plainly(keys)?;
        }

        /// Keys spread as hashes are (the insertion pass), with repeats.
        #[test]
        fn spread_keys_sort_as_plainly(
            keys in proptest::collection::vec(proptest::prop_oneof![
                9 => proptest::prelude::any::<u64>(),
                1 => proptest::strategy::Strategy::prop_map(0u64..20, |i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            ], 0..800),
        ) {
            sorts_as_plainly(keys)?;
        }

        /// A field read by the fast path gives the features (terms, quotes,
        /// days) and token hashes that reading its L1 text gives.
        #[test]
        fn the_fast_path_reads_as_the_general_path(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "قال", "«دعمت", "إيران»", "\"سوريا\"", "الأحد", "27", "من", "شباط", "2022", "بآب", "وپآب", "بِآب",
                "آب", "أب", "١٥", "٣٫٥", "27/2/2022", "2022-02-28", "27۔2۔2022", "٢٧٫٢٫٢٠٢٢", "١٬٠٠٠", "أمس", "اليوم",
                "صباح", "Reuters", "February", "ﻻ", "\u{00A0}", "\u{2026}", "\u{200F}", "ـ", "\n", "،", "x", "و",
            ]), 0..40),
            published in proptest::option::of(proptest::sample::select(vec!["2022-02-28", "2019-08-07"])),
            // Words before the pieces, so that some fall past DATE_SCAN_WORDS.
            lead in 0usize..300,
        ) {
            let lead = (0..lead).map(|i| ["كلمة", "الحكومة", "said", "\"رسمي\""][i % 4]);
            let text = lead.chain(pieces).collect::<Vec<_>>().join(" ");
            let content = Content { title: "عنوان «قصير» الأحد", text: Cow::Owned(text) };
            let published = published.map(|p| crate::date::parse_published(p).unwrap());
            let shingler = Scheme::of(&Default::default(), &Default::default()).shingler();
            let (mut fast, mut general) = (Scratch::default(), Scratch { general_only: true, ..Scratch::default() });
            let a = extract_with(&content, published, Some(&shingler), &mut fast);
            let b = extract_with(&content, published, Some(&shingler), &mut general);
            proptest::prop_assert_eq!(a, b);
            proptest::prop_assert_eq!(&fast.hashes, &general.hashes);
            proptest::prop_assert_eq!(&fast.dates[1].len(), &general.dates[1].len());
        }
    }

    #[test]
    fn terms_quotes_and_days() {
        let c = Content {
            title: "شمخاني يستقبل مملوك",
            text: Cow::Borrowed(
                "التقى شمخاني الأحد 27 من شباط مملوك وقال «دعمت إيران سوريا في أصعب الظروف».\nوأكد الطرفان التعاون.",
            ),
        };
        let f = extract(&c, Some(crate::date::parse_published("2022-02-28").unwrap()));
        let count = |w: &str| {
            f.terms.iter().find(|t| t.0 == crate::background::term_key(&crate::normalize::stem(w))).map(|t| t.1)
        };
        assert_eq!(count("شمخاني"), Some(3), "twice for the title, once in the text");
        assert_eq!(count("التعاون"), Some(1));
        assert_eq!(f.quote_grams.len(), 4, "six quoted words, four 3-grams");
        let feb27 = day_number(jiff::civil::date(2022, 2, 27));
        assert_eq!(f.event_day, Some(feb27));
        assert_eq!(f.day, Some(feb27 + 1));
        // Without `published`, a dateline gives the day.
        let c = Content {
            title: "عنوان", text: Cow::Borrowed("الأحد ٠٨ يناير ٢٠١٧ - ٠٣:٤٦\nالتقى الطرفان اليوم الأحد")
        };
        let f = extract(&c, None);
        assert_eq!(f.day, Some(day_number(jiff::civil::date(2017, 1, 8))));
        assert_eq!(f.event_day, f.day);
    }
}
