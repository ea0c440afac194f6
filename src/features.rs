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

use crate::background::token_key;
use crate::corpus::Content;
use crate::date::Published;
use crate::hash::hash_u64s;
use crate::normalize::{TokenBuilder, canonical_into, for_each_matching_token};
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
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Extracts the features of an article's content.
pub fn extract(content: &Content<'_>, published: Option<Published>) -> Features {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let features = extract_with(content, published, &mut scratch);
            if scratch.text_l1.capacity() > 4 << 20 {
                // One huge article should not pin its buffers for the run.
                *scratch = Scratch::default();
            }
            features
        }
        Err(_) => extract_with(content, published, &mut Scratch::default()),
    })
}

fn extract_with(content: &Content<'_>, published: Option<Published>, scratch: &mut Scratch) -> Features {
    let Scratch { builder, token, title_l1, text_l1, counts, stems } = scratch;
    counts.clear();
    let mut quote_grams = Vec::new();
    canonical_into(content.title, title_l1);
    canonical_into(&content.text, text_l1);
    for (field, l1) in [&*title_l1, &*text_l1].into_iter().enumerate() {
        // Split at quotation marks: odd pieces are quoted.
        for (i, piece) in l1.split('"').enumerate() {
            stems.clear();
            // L1 is idempotent, so the one-pass tokenizer of raw text gives
            // the L2 tokens of an L1 piece, faster than a char at a time.
            let cell = std::cell::RefCell::new(&mut *stems);
            for_each_matching_token(
                piece,
                builder,
                token,
                |t| cell.borrow_mut().push(token_key(t)),
                || cell.borrow_mut().clear(),
            );
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
    use std::borrow::Cow;

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
