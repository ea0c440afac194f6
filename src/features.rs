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
//!   from the title and the first [`DATE_SCAN_CHARS`] characters, where news
//!   says when things happened.
//!
//! [`read_sign_and_extract`] is the signing pass of `cluster` and `index
//! add`: each article is tokenized once, and its tokens feed both the
//! features and (hashed as [`crate::shingle`] hashes them) the MinHash
//! signature.

use crate::background::TermKeyCache;
use crate::corpus::{Content, Corpus, ReadOptions};
use crate::date::Published;
use crate::error::Result;
use crate::hash::hash_u64s;
use crate::input::{Article, Inputs};
use crate::normalize::{TokenBuilder, canonical_into, for_each_matching_token};
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::shingle::{ShingleKind, Shingler};
use crate::sign::{Signatures, read_and_sign_by, read_and_sign_with, sign_token_hashes_with};
use crate::textdate::{Mention, dateline, first_mention, is_event_date};

/// How far into the text dates are looked for.
pub const DATE_SCAN_CHARS: usize = 1500;

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
    stems: Vec<u64>,
    /// Token hashes of the current piece, for the signature.
    piece_hashes: Vec<u8>,
    /// Token hashes of the article, title then text.
    hashes: Vec<u8>,
    /// Stems of tokens, by their hashes (under the shingler's token seed,
    /// when there is one).
    term_keys: Option<TermKeyCache>,
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
    let Scratch { builder, token, title_l1, text_l1, counts, stems, piece_hashes, hashes, term_keys } = scratch;
    let seed = shingler.map_or(TermKeyCache::SEED, Shingler::token_seed);
    let term_keys = match term_keys {
        Some(cache) if cache.seed() == seed => cache,
        _ => term_keys.insert(TermKeyCache::new(seed)),
    };
    counts.clear();
    hashes.clear();
    let mut quote_grams = Vec::new();
    canonical_into(content.title, title_l1);
    canonical_into(&content.text, text_l1);
    for (field, l1) in [&*title_l1, &*text_l1].into_iter().enumerate() {
        // Split at quotation marks: odd pieces are quoted.
        for (i, piece) in l1.split('"').enumerate() {
            stems.clear();
            piece_hashes.clear();
            // L1 is idempotent, so the one-pass tokenizer of raw text gives
            // the L2 tokens of an L1 piece, faster than a char at a time; a
            // quotation mark is no token character, so the pieces' tokens
            // are those of the whole field.
            let cell = std::cell::RefCell::new((&mut *stems, &mut *piece_hashes));
            for_each_matching_token(
                piece,
                builder,
                token,
                |t| {
                    let (stems, piece_hashes) = &mut *cell.borrow_mut();
                    let h = crate::hash::xxh3(t.as_bytes(), seed);
                    stems.push(term_keys.key_hashed(t, h));
                    if shingler.is_some() {
                        // h is the shingler's token hash.
                        piece_hashes.extend_from_slice(&h.to_le_bytes());
                    }
                },
                || {
                    let (stems, piece_hashes) = &mut *cell.borrow_mut();
                    stems.clear();
                    piece_hashes.clear();
                },
            );
            hashes.extend_from_slice(piece_hashes);
            counts.extend_from_slice(stems);
            if field == 0 {
                // Title stems count twice: a headline is a summary.
                counts.extend_from_slice(stems);
            }
            if i % 2 == 1 && (3..=80).contains(&stems.len()) {
                quote_grams.extend(stems.windows(3).map(|w| hash_u64s(w, QUOTE_SEED)));
            }
        }
    }
    counts.sort_unstable();
    let distinct = 1 + counts.windows(2).filter(|w| w[0] != w[1]).count();
    let mut terms: Vec<(u64, u32)> = Vec::with_capacity(if counts.is_empty() { 0 } else { distinct });
    for &k in counts.iter() {
        match terms.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => terms.push((k, 1)),
        }
    }
    let (title_l1, text_l1) = (&*title_l1, &*text_l1);
    quote_grams.sort_unstable();
    quote_grams.dedup();

    let reference = published.map(|p| p.day()).or_else(|| dateline(title_l1)).or_else(|| dateline(text_l1));
    // The first date, title then lead, near the reference day.
    let event = reference.and_then(|r| {
        let near = |m: &Mention| is_event_date(m.date, r);
        first_mention(title_l1, usize::MAX, Some(r), near)
            .or_else(|| first_mention(text_l1, DATE_SCAN_CHARS, Some(r), near))
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
