//! Dates written in article text (DESIGN section 3): what day an article
//! reports, when its `published` field is missing or to spot two articles
//! that report different days.
//!
//! Read from L1 text, before L2 folding (آب, August, and أب, father, merge
//! under it). Recognised:
//! - day and month, with an optional year: «27 من شباط 2022», «15 آذار
//!   (مارس) 2024», «08 يناير 2017», «February 27, 2022», «27 February»;
//!   month names of Egypt and the Gulf (يناير…ديسمبر), the Levant (كانون
//!   الثاني…كانون الأول), the Maghreb (جانفي…ديسمبر) and English, with a
//!   one-letter prefix (بآذار, لشباط);
//! - numeric dates: 27/2/2022, 27-02-2022, 2022-02-27;
//! - weekdays (الأحد…السبت, Sunday…Saturday) and أمس, أول أمس, اليوم (in
//!   «اليوم الأحد», «صباح اليوم», …), resolved against a known day: the
//!   latest such weekday on or before it.
//!
//! A day and month without a year take the year that puts them nearest the
//! known day. Digits are ASCII after L1.

use crate::normalize::WordSpans;
use ahash::{AHashMap, AHashSet};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use std::borrow::Cow;
use std::sync::LazyLock;

/// How a date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Day, month and year.
    Full,
    /// Day and month; the year was inferred.
    DayMonth,
    /// A weekday or a relative word, resolved against the known day.
    Relative,
}

/// A date found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mention {
    /// The day.
    pub date: Date,
    /// How it was written.
    pub written: Written,
    /// Byte offset in the L1 text.
    pub at: usize,
}

const MONTHS: &[(&str, i8)] = &[
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("أبريل", 4),
    ("ابريل", 4),
    ("إبريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يونيه", 6),
    ("يوليو", 7),
    ("يوليه", 7),
    ("أغسطس", 8),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("أكتوبر", 10),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
    ("شباط", 2),
    ("آذار", 3),
    ("اذار", 3),
    ("نيسان", 4),
    ("أيار", 5),
    ("ايار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("آب", 8),
    ("أيلول", 9),
    ("ايلول", 9),
    ("جانفي", 1),
    ("فيفري", 2),
    ("أفريل", 4),
    ("افريل", 4),
    ("ماي", 5),
    ("جوان", 6),
    ("جويلية", 7),
    ("أوت", 8),
    ("اوت", 8),
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

/// Two-word Levantine months: (first, second, month).
const TWO_WORD_MONTHS: &[(&str, &str, i8)] = &[
    ("كانون", "الثاني", 1),
    ("تشرين", "الأول", 10),
    ("تشرين", "الاول", 10),
    ("تشرين", "الثاني", 11),
    ("كانون", "الأول", 12),
    ("كانون", "الاول", 12),
];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("الأحد", Weekday::Sunday),
    ("الاحد", Weekday::Sunday),
    ("الاثنين", Weekday::Monday),
    ("الإثنين", Weekday::Monday),
    ("الأثنين", Weekday::Monday),
    ("الثلاثاء", Weekday::Tuesday),
    ("الأربعاء", Weekday::Wednesday),
    ("الاربعاء", Weekday::Wednesday),
    ("الخميس", Weekday::Thursday),
    ("الجمعة", Weekday::Friday),
    ("السبت", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
];

/// Words that make a following weekday refer forward (next Sunday).
const FORWARD: &[&str] = &["المقبل", "القادم", "المقبلة", "القادمة", "next"];

#[derive(Debug, Clone)]
struct Word<'a> {
    text: &'a str,
    lower: Cow<'a, str>,
    at: usize,
}

/// Lower case for the English names; the other names are Arabic, which has
/// no case, so other words are left as they are.
fn lower(w: &str) -> Cow<'_, str> {
    if w.is_ascii() && w.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(w.to_ascii_lowercase())
    } else {
        Cow::Borrowed(w)
    }
}

/// The words of an L1 text, found as they are asked for: a search that
/// stops at its first date reads no further.
struct Words<'a> {
    l1: &'a str,
    scan: WordSpans<'a>,
    /// The words found so far.
    spans: Vec<std::ops::Range<usize>>,
}

impl<'a> Words<'a> {
    /// The words of the first `max_chars` characters of `l1`.
    fn new(l1: &'a str, max_chars: usize) -> Self {
        Self { l1, scan: WordSpans::new(l1).first_chars(max_chars), spans: Vec::new() }
    }

    /// Word `i`, reading on as far as needed.
    fn get(&mut self, i: usize) -> Option<Word<'a>> {
        while self.spans.len() <= i {
            self.spans.push(self.scan.next()?);
        }
        let text = &self.l1[self.spans[i].clone()];
        Some(Word { text, lower: lower(text), at: self.spans[i].start })
    }
}

/// A month name, possibly with a one-letter Arabic prefix (ب ل و ف).
fn month_of(word: &str) -> Option<i8> {
    static BY_NAME: LazyLock<AHashMap<&'static str, i8>> = LazyLock::new(|| MONTHS.iter().copied().collect());
    let exact = |w: &str| BY_NAME.get(w).copied();
    exact(word).or_else(|| {
        let mut chars = word.chars();
        match chars.next() {
            Some('ب' | 'ل' | 'و' | 'ف') => exact(chars.as_str()),
            _ => None,
        }
    })
}

/// A two-word month starting at word `i`; returns (month, words used).
fn month_at(w: &mut Words<'_>, i: usize) -> Option<(i8, usize)> {
    let first = w.get(i)?;
    if let Some(second) = w.get(i + 1) {
        let mut c = first.text.chars();
        let head = match c.next() {
            Some('ب' | 'ل' | 'و' | 'ف') if !first.text.starts_with("كانون") && !first.text.starts_with("تشرين") => {
                c.as_str()
            }
            _ => first.text,
        };
        for &(a, b, m) in TWO_WORD_MONTHS {
            if head == a && second.text == b {
                return Some((m, 2));
            }
        }
    }
    // «كانون»/«تشرين» alone are not months.
    month_of(&first.lower).map(|m| (m, 1))
}

/// The digits of a word, without a one-letter Arabic prefix (و2022).
fn digits<'a>(word: &Word<'a>) -> Option<&'a str> {
    let t = word.text.strip_prefix(['و', 'ب', 'ل', 'ف']).unwrap_or(word.text);
    (!t.is_empty() && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

fn number(word: &Word<'_>, range: std::ops::RangeInclusive<i32>) -> Option<i32> {
    digits(word)?.parse().ok().filter(|n| range.contains(n))
}

fn year(word: &Word<'_>) -> Option<i16> {
    if digits(word)?.len() != 4 {
        return None;
    }
    number(word, 1900..=2100).map(|y| y as i16)
}

/// The year that puts day/month nearest `reference`.
fn nearest_year(month: i8, day: i8, reference: Date) -> Option<Date> {
    [-1i16, 0, 1]
        .iter()
        .filter_map(|dy| Date::new(reference.year() + dy, month, day).ok())
        .min_by_key(|d| (d.since(reference).map(|s| s.get_days().abs()).unwrap_or(i32::MAX), *d))
}

/// Whether a word can start a date: digits (perhaps after a one-letter
/// prefix), a month, a weekday or a relative day. Everything else is
/// skipped at once; most words of a text are.
fn is_anchor(w: &Word<'_>) -> bool {
    static ANCHORS: LazyLock<AHashSet<&'static str>> = LazyLock::new(|| {
        let mut set: AHashSet<&'static str> = MONTHS.iter().map(|m| m.0).collect();
        set.extend(TWO_WORD_MONTHS.iter().map(|m| m.0));
        set.extend(WEEKDAYS.iter().map(|d| d.0));
        set.extend(["أمس", "امس", "اليوم", "yesterday", "today"]);
        set
    });
    /// A bit per (length, last two bytes) of the anchors: most words are
    /// ruled out by one bit test, without hashing them.
    static SHAPES: LazyLock<Vec<u64>> = LazyLock::new(|| {
        let mut bits = vec![0u64; SHAPE_BITS / 64];
        for a in ANCHORS.iter() {
            let k = shape(a);
            bits[k / 64] |= 1 << (k % 64);
        }
        bits
    });
    let maybe = |s: &str| {
        let k = shape(s);
        SHAPES[k / 64] & (1 << (k % 64)) != 0 && ANCHORS.contains(s)
    };
    let b = w.text.as_bytes();
    if b[0].is_ascii_digit() || b.get(2).is_some_and(u8::is_ascii_digit) {
        return true;
    }
    let l: &str = &w.lower;
    if maybe(l) {
        return true;
    }
    let mut c = l.chars();
    matches!(c.next(), Some('ب' | 'ل' | 'و' | 'ف')) && maybe(c.as_str())
}

const SHAPE_BITS: usize = 1 << 16;

/// A word's length and last two bytes, hashed into `SHAPE_BITS`.
fn shape(s: &str) -> usize {
    let b = s.as_bytes();
    let last = match b.len() {
        0 => 0,
        1 => usize::from(b[0]),
        n => usize::from(u16::from_le_bytes([b[n - 2], b[n - 1]])),
    };
    ((b.len() << 11) ^ last) & (SHAPE_BITS - 1)
}

/// All dates mentioned in `l1` (an L1 text), in text order. `reference` is
/// the day the article is known to be from, if any; without it only full
/// dates are found.
pub fn mentions(l1: &str, reference: Option<Date>) -> Vec<Mention> {
    let mut out = Vec::new();
    scan(l1, usize::MAX, reference, |m| {
        out.push(m);
        false
    });
    out
}

/// The first date, in text order, mentioned in the first `max_chars`
/// characters of `l1` (an L1 text) that `wanted` accepts. The text is read
/// only as far as that date.
pub fn first_mention(
    l1: &str,
    max_chars: usize,
    reference: Option<Date>,
    mut wanted: impl FnMut(&Mention) -> bool,
) -> Option<Mention> {
    let mut first = None;
    scan(l1, max_chars, reference, |m| {
        let stop = wanted(&m);
        if stop {
            first = Some(m);
        }
        stop
    });
    first
}

/// Hands each date mentioned in the first `max_chars` characters of `l1` to
/// `found`, in text order, until it returns true.
fn scan(l1: &str, max_chars: usize, reference: Option<Date>, mut found: impl FnMut(Mention) -> bool) {
    let mut w = Words::new(l1, max_chars);
    let mut i = 0;
    while let Some(word) = w.get(i) {
        if !is_anchor(&word) {
            i += 1;
            continue;
        }
        let at = word.at;
        // DAY [من] MONTH [(ALT)] [YEAR]
        if let Some(day) = number(&word, 1..=31) {
            let mut j = i + 1;
            if w.get(j).is_some_and(|x| x.text == "من" || x.lower == "of") {
                j += 1;
            }
            if let Some((month, used)) = month_at(&mut w, j) {
                j += used;
                // «آذار (مارس)»: a second month name in brackets.
                if w.get(j).and_then(|x| month_of(&x.lower)) == Some(month) {
                    j += 1;
                }
                if w.get(j).is_some_and(|x| x.text == "عام" || x.text == "سنة") {
                    j += 1;
                }
                let y = w.get(j).and_then(|x| year(&x));
                let date = match y {
                    Some(y) => Date::new(y, month, day as i8).ok().map(|d| (d, Written::Full, j + 1)),
                    None => {
                        reference.and_then(|r| nearest_year(month, day as i8, r)).map(|d| (d, Written::DayMonth, j))
                    }
                };
                if let Some((date, written, next)) = date {
                    if found(Mention { date, written, at }) {
                        return;
                    }
                    i = next;
                    continue;
                }
            }
            // 27/2/2022, 27-02-2022 (words split at / and -).
            if let (Some(w1), Some(w2)) = (w.get(i + 1), w.get(i + 2))
                && let (Some(m), Some(y)) = (number(&w1, 1..=12), year(&w2))
            {
                let sep = |a: &Word<'_>, b: &Word<'_>| {
                    let between = &l1[a.at + a.text.len()..b.at];
                    between == "/" || between == "-" || between == "."
                };
                if sep(&word, &w1)
                    && sep(&w1, &w2)
                    && let Ok(date) = Date::new(y, m as i8, day as i8)
                {
                    if found(Mention { date, written: Written::Full, at }) {
                        return;
                    }
                    i += 3;
                    continue;
                }
            }
        }
        // 2022-02-27
        if let Some(y) = year(&word)
            && let (Some(w1), Some(w2)) = (w.get(i + 1), w.get(i + 2))
            && let (Some(m), Some(d)) = (number(&w1, 1..=12), number(&w2, 1..=31))
            && l1[word.at + word.text.len()..w1.at] == *"-"
            && let Ok(date) = Date::new(y, m as i8, d as i8)
        {
            if found(Mention { date, written: Written::Full, at }) {
                return;
            }
            i += 3;
            continue;
        }
        // MONTH DAY[,] YEAR (English).
        if let Some((month, used)) = month_at(&mut w, i)
            && word.text.is_ascii()
            && let Some(day) = w.get(i + used).and_then(|x| number(&x, 1..=31))
        {
            let y = w.get(i + used + 1).and_then(|x| year(&x));
            let date = match y {
                Some(y) => Date::new(y, month, day as i8).ok().map(|d| (d, Written::Full, i + used + 2)),
                None => reference
                    .and_then(|r| nearest_year(month, day as i8, r))
                    .map(|d| (d, Written::DayMonth, i + used + 1)),
            };
            if let Some((date, written, next)) = date {
                if found(Mention { date, written, at }) {
                    return;
                }
                i = next;
                continue;
            }
        }
        if let Some(r) = reference {
            // Weekdays, looking back from the known day.
            if let Some(&(_, wd)) = WEEKDAYS.iter().find(|(n, _)| *n == word.lower.as_ref()) {
                let forward = w.get(i + 1).is_some_and(|x| FORWARD.contains(&x.lower.as_ref()));
                let date =
                    if forward { r.nth_weekday(1, wd) } else { r.tomorrow().and_then(|t| t.nth_weekday(-1, wd)) };
                if let Ok(date) = date
                    && found(Mention { date, written: Written::Relative, at })
                {
                    return;
                }
            }
            // أمس, أول أمس, اليوم in a time phrase.
            let prev = i.checked_sub(1).and_then(|p| w.get(p)).map(|x| x.text);
            let next = w.get(i + 1).map(|x| x.text);
            let offset = match word.text {
                "أمس" | "امس" if prev == Some("أول") || prev == Some("اول") => Some(-2),
                "أمس" | "امس" => Some(-1),
                "اليوم"
                    if matches!(prev, Some("صباح" | "مساء" | "ظهر" | "فجر" | "عصر" | "ليل"))
                        || next.is_some_and(|n| WEEKDAYS.iter().any(|(name, _)| *name == n)) =>
                {
                    Some(0)
                }
                "yesterday" => Some(-1),
                "today" => Some(0),
                _ => None,
            };
            if let Some(days) = offset
                && let Ok(date) = r.checked_add(days.days())
                && found(Mention { date, written: Written::Relative, at })
            {
                return;
            }
        }
        i += 1;
    }
}

/// A dateline: the first full date in the first 400 characters (for an article
/// whose `published` is missing).
pub fn dateline(l1: &str) -> Option<Date> {
    first_mention(l1, 400, None, |m| m.written == Written::Full).map(|m| m.date)
}

/// Whether `date` can be the day an article of day `reference` reports:
/// from two weeks before to one day after (older dates are background, such
/// as «the last meeting in January 2020»). The day an article reports is its
/// first mention, in text order, that this accepts ([`first_mention`]).
pub fn is_event_date(date: Date, reference: Date) -> bool {
    date.since(reference).map(|s| s.get_days()).is_ok_and(|days| (-14..=1).contains(&days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::canonical;
    use jiff::civil::date;

    fn found(text: &str, reference: Option<Date>) -> Vec<(Date, Written)> {
        mentions(&canonical(text), reference).into_iter().map(|m| (m.date, m.written)).collect()
    }

    #[test]
    fn written_forms() {
        let r = Some(date(2022, 2, 28));
        assert_eq!(found("في 27 من شباط 2022 (إرنا)", None), [(date(2022, 2, 27), Written::Full)]);
        assert_eq!(found("الأحد ٠٨ يناير ٢٠١٧ - ٠٣:٤٦", None), [(date(2017, 1, 8), Written::Full)]);
        assert_eq!(found("يوم 15 آذار (مارس) 2024", None), [(date(2024, 3, 15), Written::Full)]);
        assert_eq!(found("في 3 تشرين الأول 2018", None), [(date(2018, 10, 3), Written::Full)]);
        assert_eq!(found("حتى 31 كانون الأول", r), [(date(2021, 12, 31), Written::DayMonth)]);
        assert_eq!(found("يوم 14 جوان 2016 بتونس", None), [(date(2016, 6, 14), Written::Full)]);
        assert_eq!(found("منذ 5 أوت", Some(date(2016, 8, 9))), [(date(2016, 8, 5), Written::DayMonth)]);
        assert_eq!(found("حتى ١٥ بآذار ٢٠٢٤", None), [(date(2024, 3, 15), Written::Full)]);
        assert_eq!(found("on February 27, 2022 in Tehran", None), [(date(2022, 2, 27), Written::Full)]);
        assert_eq!(found("on 27 February", r), [(date(2022, 2, 27), Written::DayMonth)]);
        assert_eq!(
            found("بتاريخ 27/2/2022 و2022-02-28", None),
            [(date(2022, 2, 27), Written::Full), (date(2022, 2, 28), Written::Full)]
        );
    }

    #[test]
    fn weekdays_and_relative_words() {
        // Monday 28 February 2022.
        let r = Some(date(2022, 2, 28));
        assert_eq!(
            found("الأحد 27 من شباط", r),
            [(date(2022, 2, 27), Written::Relative), (date(2022, 2, 27), Written::DayMonth)]
        );
        assert_eq!(found("التقى يوم الأحد", r), [(date(2022, 2, 27), Written::Relative)]);
        assert_eq!(found("نشرته أمس الاثنين", Some(date(2022, 3, 1))).len(), 2);
        assert_eq!(found("قال أول أمس", r), [(date(2022, 2, 26), Written::Relative)]);
        assert_eq!(found("صباح اليوم", r), [(date(2022, 2, 28), Written::Relative)]);
        assert_eq!(found("الاثنين المقبل", r), [(date(2022, 3, 7), Written::Relative)]);
        assert!(found("العالم اليوم يتغير", r).is_empty(), "«today's world» is not a date");
        assert!(found("التقى يوم الأحد", None).is_empty(), "no weekday without a known day");
    }

    #[test]
    fn august_is_not_father() {
        assert_eq!(found("في 5 آب 2019", None), [(date(2019, 8, 5), Written::Full)]);
        assert!(found("في 5 أب 2019", None).is_empty());
    }

    proptest::proptest! {
        /// Reading words only as far as needed finds what reading them all
        /// finds: the first accepted mention of the first `n` characters.
        #[test]
        fn first_mention_is_the_first_of_all_mentions(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "27", "من", "شباط", "2022", "الأحد", "المقبل", "أمس", "أول", "اليوم", "صباح", "كانون", "الثاني",
                "/", "2", "-", "of", "February", "5,", "و2021", "عام", "(مارس)", "قال", "«", "»", "\n",
            ]), 0..40),
            n in 0usize..120,
            full_only in proptest::bool::ANY,
        ) {
            let text = canonical(&words.join(" "));
            let r = Some(date(2022, 2, 28));
            let prefix: String = text.chars().take(n).collect();
            let wanted = |m: &Mention| !full_only || m.written == Written::Full;
            let all = mentions(&prefix, r).into_iter().find(|m| wanted(m));
            proptest::prop_assert_eq!(first_mention(&text, n, r, wanted), all);
        }
    }

    #[test]
    fn datelines_and_event_dates() {
        let seed3 = "شمخاني يلتقي رئيس مكتب الأمن الوطني السوري\nالأحد ٠٨ يناير ٢٠١٧ - ٠٣:٤٦ بتوقيت غرينتش";
        assert_eq!(dateline(&canonical(seed3)), Some(date(2017, 1, 8)));
        let text = canonical("اللقاء الأخير كان في 5 كانون الثاني 2020، أما اللقاء الجديد فجرى الأحد 27 من شباط");
        let r = date(2022, 2, 28);
        let event = first_mention(&text, usize::MAX, Some(r), |m| is_event_date(m.date, r)).map(|m| m.date);
        assert_eq!(event, Some(date(2022, 2, 27)));
    }
}
