//! Dates written in article text (DESIGN section 3): what day an article
//! reports, when its `published` field is missing or to spot two articles
//! that report different days.
//!
//! Read from the words of the text ([`DateWords`]: runs of token characters
//! of its L1 form, single letters included), compared in their L2 forms, so
//! that spelling variants of a name match (أيار and ايار, الجمعة and
//! الجمعه); the one distinction L2 folding erases that dates need, آب
//! (August) against أب (father), is read from the text before folding, as
//! DESIGN asks. Recognised:
//! - day and month, with an optional year: «27 من شباط 2022», «15 آذار
//!   (مارس) 2024», «08 يناير 2017», «February 27, 2022», «27 February»;
//!   month names of Egypt and the Gulf (يناير…ديسمبر), the Levant (كانون
//!   الثاني…كانون الأول), the Maghreb (جانفي…ديسمبر) and English, with a
//!   one-letter prefix (بآذار, لشباط);
//! - numeric dates: 27/2/2022, 27-02-2022, 2022-02-27 (the parts joined by
//!   one `/`, `-` or `.` and nothing else);
//! - weekdays (الأحد…السبت, Sunday…Saturday) and أمس, أول أمس, اليوم (in
//!   «اليوم الأحد», «صباح اليوم», …), resolved against a known day: the
//!   latest such weekday on or before it.
//!
//! A day and month without a year take the year that puts them nearest the
//! known day. Digits are read as ASCII digits, as L1 writes them.

use crate::background::KeyFilter;
use crate::normalize::{TokenBuilder, WordSpans, word_form};
use ahash::{AHashMap, AHashSet};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
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
    /// Its first word (index in the text's words).
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

/// Words that make a following weekday refer forward (next Sunday), in
/// their L2 forms.
const FORWARD: &[&str] = &["المقبل", "القادم", "المقبله", "القادمه", "next"];

/// What separates a word from the word before it, as far as numeric dates
/// care: one `/`, `-` or `.` in the L1 text and nothing else, or anything
/// else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sep {
    /// Anything else (a space, other punctuation, several characters,
    /// nothing).
    #[default]
    Other,
    /// `/`.
    Slash,
    /// `-`.
    Dash,
    /// `.`.
    Dot,
}

/// A word of a text as dates are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateWord {
    /// Its L2 form: bytes of the [`DateWords`]' forms.
    pub form: std::ops::Range<u32>,
    /// What separates it from the word before.
    pub sep: Sep,
    /// It is written with آ first, or after a one-letter prefix (بآب):
    /// what tells آب (August) from أب (father) once folded.
    pub madda: bool,
}

/// The L1 text since the last word, for [`Sep`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Gap {
    #[default]
    Empty,
    One(Sep),
    /// A ٫ right after a digit: a `.` if a digit follows (L1's rule 4).
    Decimal,
    Other,
}

/// The first words of a text (at most a limit), as dates read them,
/// collected from a walk over the text: the walker reports each word, whole,
/// and the characters L1 keeps between words. A word given with its stem
/// key that no scan compares is kept without its form
/// ([`DateWords::word_keyed`]).
#[derive(Debug, Default, Clone)]
pub struct DateWords {
    forms: String,
    words: Vec<DateWord>,
    /// The words that can start a date ([`is_anchor`]), by index: a scan
    /// goes from one to the next without looking at the others.
    anchors: Vec<u32>,
    gap: Gap,
    limit: usize,
}

impl DateWords {
    /// Starts again, keeping at most `limit` words.
    pub fn reset(&mut self, limit: usize) {
        self.forms.clear();
        self.words.clear();
        self.anchors.clear();
        self.gap = Gap::Empty;
        self.limit = limit;
    }

    /// True when no more words are kept.
    #[inline]
    pub fn full(&self) -> bool {
        self.words.len() >= self.limit
    }

    /// The words kept.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when no word is kept.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// A word: its L2 form, whether L1 writes its first character as an
    /// ASCII digit, and [`DateWord::madda`].
    #[inline]
    pub fn word(&mut self, form: &str, digit_first: bool, madda: bool) {
        self.push(form, digit_first, madda, true);
    }

    /// [`DateWords::word`] for a token whose stem's term key
    /// ([`crate::background::term_key`]) is `key`: most words are told
    /// apart from dates by that key ([`may_be_anchor`]) without reading
    /// them, and a word no scan compares (no possible anchor, and not
    /// `may_be_neighbour`) is kept as an empty word (which every comparison
    /// rejects, as it would the word), without its form; `madda` is asked
    /// only for a word kept whole.
    #[inline]
    pub fn word_keyed(&mut self, form: &str, digit_first: bool, madda: impl FnOnce() -> bool, key: u64) {
        if self.full() {
            return;
        }
        let anchor = may_be_anchor(form, key);
        if anchor || may_be_neighbour(key) {
            self.push(form, digit_first, madda(), anchor);
        } else {
            self.push("", digit_first, false, false);
        }
    }

    /// Adds a word; `maybe` is false only for words that are no anchor.
    #[inline]
    fn push(&mut self, form: &str, digit_first: bool, madda: bool, maybe: bool) {
        if self.full() {
            return;
        }
        let sep = match self.gap {
            Gap::One(sep) => sep,
            Gap::Decimal if digit_first => Sep::Dot,
            _ => Sep::Other,
        };
        if maybe && is_anchor(form) {
            self.anchors.push(self.words.len() as u32);
        }
        let from = self.forms.len() as u32;
        self.forms.push_str(form);
        self.words.push(DateWord { form: from..self.forms.len() as u32, sep, madda });
        self.gap = Gap::Empty;
    }

    /// A character between words that L1 keeps or maps, as it is in the
    /// text; `after_digit`: the character L1 output before it is an ASCII
    /// digit. (For an L1 text, pass its characters and false.)
    #[inline]
    pub fn between(&mut self, c: char, after_digit: bool) {
        self.gap = match (self.gap, c) {
            (Gap::Empty, '/') => Gap::One(Sep::Slash),
            (Gap::Empty, '-') => Gap::One(Sep::Dash),
            (Gap::Empty, '.' | '\u{06D4}') => Gap::One(Sep::Dot),
            (Gap::Empty, '\u{066B}') if after_digit => Gap::Decimal,
            _ => Gap::Other,
        };
    }

    /// Anything else between words (a quotation mark).
    #[inline]
    pub fn other(&mut self) {
        self.gap = Gap::Other;
    }

    /// Adds the words of an L1 text.
    pub fn read_l1(&mut self, l1: &str) {
        let (mut builder, mut form) = (TokenBuilder::default(), String::new());
        let mut at = 0;
        for span in WordSpans::new(l1) {
            if self.full() {
                break;
            }
            for c in l1[at..span.start].chars() {
                self.between(c, false);
            }
            let word = &l1[span.clone()];
            let mut chars = word.chars();
            let (first, second) = (chars.next().expect("a word"), chars.next());
            form.clear();
            word_form(word, &mut builder, &mut form);
            self.word(&form, first.is_ascii_digit(), is_madda(first, second));
            at = span.end;
        }
    }

    fn get(&self, i: usize, max_words: usize) -> Option<Word<'_>> {
        let w = self.words.get(i).filter(|_| i < max_words)?;
        Some(Word { text: &self.forms[w.form.start as usize..w.form.end as usize], sep: w.sep, madda: w.madda })
    }
}

/// Whether a word whose first characters (in L1) are `first` and `second`
/// is written with آ first, or after a one-letter prefix.
#[inline]
pub fn is_madda(first: char, second: Option<char>) -> bool {
    first == 'آ' || (matches!(first, 'ب' | 'ل' | 'و' | 'ف') && second == Some('آ'))
}

#[derive(Debug, Clone)]
struct Word<'a> {
    /// Its L2 form.
    text: &'a str,
    sep: Sep,
    madda: bool,
}

/// The words a scan reads: the first `max` of `words`.
struct Words<'a> {
    words: &'a DateWords,
    max: usize,
}

impl<'a> Words<'a> {
    fn get(&self, i: usize) -> Option<Word<'a>> {
        self.words.get(i, self.max)
    }
}

/// The L2 form of a name.
fn folded(name: &str) -> String {
    let mut out = String::new();
    word_form(name, &mut TokenBuilder::default(), &mut out);
    out
}

/// August, the one month name L2 folding confuses with another word (أب,
/// father): counted only when written with آ.
const AUGUST_FOLDED: &str = "\u{0627}\u{0628}";

/// A month name (L2 form), possibly with a one-letter Arabic prefix (ب ل و
/// ف).
fn month_of(word: &Word<'_>) -> Option<i8> {
    static BY_NAME: LazyLock<AHashMap<String, i8>> =
        LazyLock::new(|| MONTHS.iter().map(|&(name, m)| (folded(name), m)).collect());
    let exact = |w: &str| BY_NAME.get(w).copied().filter(|_| w != AUGUST_FOLDED || word.madda);
    exact(word.text).or_else(|| {
        let mut chars = word.text.chars();
        match chars.next() {
            Some('ب' | 'ل' | 'و' | 'ف') => exact(chars.as_str()),
            _ => None,
        }
    })
}

/// A month starting at word `i` (two words for the Levantine كانون/تشرين
/// months); returns (month, words used).
fn month_at(w: &Words<'_>, i: usize) -> Option<(i8, usize)> {
    static TWO: LazyLock<Vec<(String, String, i8)>> =
        LazyLock::new(|| TWO_WORD_MONTHS.iter().map(|&(a, b, m)| (folded(a), folded(b), m)).collect());
    let first = w.get(i)?;
    if let Some(second) = w.get(i + 1) {
        let mut c = first.text.chars();
        let head = match c.next() {
            Some('ب' | 'ل' | 'و' | 'ف') if !first.text.starts_with("كانون") && !first.text.starts_with("تشرين") => {
                c.as_str()
            }
            _ => first.text,
        };
        for (a, b, m) in TWO.iter() {
            if head == a && second.text == b {
                return Some((*m, 2));
            }
        }
    }
    // «كانون»/«تشرين» alone are not months.
    month_of(&first).map(|m| (m, 1))
}

/// The weekday a word names.
fn weekday_of(word: &str) -> Option<Weekday> {
    static BY_NAME: LazyLock<AHashMap<String, Weekday>> =
        LazyLock::new(|| WEEKDAYS.iter().map(|&(name, d)| (folded(name), d)).collect());
    BY_NAME.get(word).copied()
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

/// The L2 forms of the names a date can start with: months, weekdays and
/// relative days.
fn anchor_names() -> &'static AHashSet<String> {
    static ANCHORS: LazyLock<AHashSet<String>> = LazyLock::new(|| {
        let names = MONTHS.iter().map(|m| m.0).chain(TWO_WORD_MONTHS.iter().map(|m| m.0));
        let names = names.chain(WEEKDAYS.iter().map(|d| d.0)).chain(["أمس", "اليوم", "yesterday", "today"]);
        names.map(folded).collect()
    });
    &ANCHORS
}

/// The one-letter prefixes an anchor may take (ب ل و ف).
const ANCHOR_PREFIXES: [char; 4] = ['ب', 'ل', 'و', 'ف'];

/// Whether a word (L2 form) can start a date: digits (perhaps after a
/// one-letter prefix), a month, a weekday or a relative day. Everything else
/// is skipped at once; most words of a text are.
fn is_anchor(text: &str) -> bool {
    /// A bit per (length, last two bytes) of the anchors: most words are
    /// ruled out by one bit test, without hashing them.
    static SHAPES: LazyLock<Vec<u64>> = LazyLock::new(|| {
        let mut bits = vec![0u64; SHAPE_BITS / 64];
        for a in anchor_names() {
            let k = shape(a);
            bits[k / 64] |= 1 << (k % 64);
        }
        bits
    });
    let maybe = |s: &str| {
        let k = shape(s);
        SHAPES[k / 64] & (1 << (k % 64)) != 0 && anchor_names().contains(s)
    };
    if starts_with_digits(text) {
        return true;
    }
    if maybe(text) {
        return true;
    }
    let mut c = text.chars();
    c.next().is_some_and(|p| ANCHOR_PREFIXES.contains(&p)) && maybe(c.as_str())
}

/// A digit first, or after a one-letter Arabic prefix (its two bytes).
#[inline]
fn starts_with_digits(text: &str) -> bool {
    let b = text.as_bytes();
    b.first().is_some_and(u8::is_ascii_digit) || b.get(2).is_some_and(u8::is_ascii_digit)
}

/// Whether a token whose L2 form is `form` and whose stem's term key is
/// `key` may be an anchor: true for every anchor (`is_anchor`) and for few
/// other words. A bit per term key of the anchors and of their prefixed
/// forms (words that share a stem with one of them pass too), so most words
/// are ruled out by two byte tests and one bit test.
#[inline]
pub fn may_be_anchor(form: &str, key: u64) -> bool {
    static KEYS: LazyLock<KeyFilter> = LazyLock::new(|| {
        let prefixed = anchor_names().iter().flat_map(|a| ANCHOR_PREFIXES.map(|p| format!("{p}{a}")));
        KeyFilter::of_tokens(16, anchor_names().iter().cloned().chain(prefixed))
    });
    starts_with_digits(form) || KEYS.may_contain(key)
}

/// The words other than anchors that a scan compares, in their L2 forms:
/// each is read next to an anchor ([`scan`]) and compared whole.
const NEIGHBOURS: &[&str] = &["من", "of", "عام", "سنه", "اول", "صباح", "مساء", "ظهر", "فجر", "عصر", "ليل"];

/// Whether a word with stem key `key` may be a word a scan compares next
/// to an anchor: [`NEIGHBOURS`], [`FORWARD`] and the second words of the
/// two-word months (words that share a stem with one of them pass too).
#[inline]
fn may_be_neighbour(key: u64) -> bool {
    static KEYS: LazyLock<KeyFilter> = LazyLock::new(|| KeyFilter::of_tokens(12, neighbour_words()));
    KEYS.may_contain(key)
}

/// The words [`may_be_neighbour`] lets through, in their L2 forms.
fn neighbour_words() -> impl Iterator<Item = String> {
    NEIGHBOURS.iter().chain(FORWARD).chain(TWO_WORD_MONTHS.iter().map(|m| &m.1)).map(|n| folded(n))
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

/// All dates mentioned in `words`, in text order. `reference` is the day the
/// article is known to be from, if any; without it only full dates are
/// found.
pub fn mentions(words: &DateWords, reference: Option<Date>) -> Vec<Mention> {
    let mut out = Vec::new();
    scan(words, usize::MAX, reference, |m| {
        out.push(m);
        false
    });
    out
}

/// The first date, in text order, mentioned in the first `max_words` of
/// `words` that `wanted` accepts. The words are read only as far as that
/// date.
pub fn first_mention(
    words: &DateWords,
    max_words: usize,
    reference: Option<Date>,
    mut wanted: impl FnMut(&Mention) -> bool,
) -> Option<Mention> {
    let mut first = None;
    scan(words, max_words, reference, |m| {
        let stop = wanted(&m);
        if stop {
            first = Some(m);
        }
        stop
    });
    first
}

/// Hands each date mentioned in the first `max_words` of `words` to
/// `found`, in text order, until it returns true.
fn scan(words: &DateWords, max_words: usize, reference: Option<Date>, mut found: impl FnMut(Mention) -> bool) {
    let w = Words { words, max: max_words };
    // The next word a date may start at.
    let mut i = 0;
    for &a in &words.anchors {
        if (a as usize) < i {
            continue;
        }
        i = a as usize;
        let Some(word) = w.get(i) else { break };
        let at = i;
        // DAY [من] MONTH [(ALT)] [YEAR]
        if let Some(day) = number(&word, 1..=31) {
            let mut j = i + 1;
            if w.get(j).is_some_and(|x| x.text == "من" || x.text == "of") {
                j += 1;
            }
            if let Some((month, used)) = month_at(&w, j) {
                j += used;
                // «آذار (مارس)»: a second month name in brackets.
                if w.get(j).and_then(|x| month_of(&x)) == Some(month) {
                    j += 1;
                }
                if w.get(j).is_some_and(|x| x.text == "عام" || x.text == "سنه") {
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
            // 27/2/2022, 27-02-2022, 27.2.2022.
            if let (Some(w1), Some(w2)) = (w.get(i + 1), w.get(i + 2))
                && let (Some(m), Some(y)) = (number(&w1, 1..=12), year(&w2))
                && w1.sep != Sep::Other
                && w2.sep != Sep::Other
                && let Ok(date) = Date::new(y, m as i8, day as i8)
            {
                if found(Mention { date, written: Written::Full, at }) {
                    return;
                }
                i += 3;
                continue;
            }
        }
        // 2022-02-27
        if let Some(y) = year(&word)
            && let (Some(w1), Some(w2)) = (w.get(i + 1), w.get(i + 2))
            && let (Some(m), Some(d)) = (number(&w1, 1..=12), number(&w2, 1..=31))
            && w1.sep == Sep::Dash
            && let Ok(date) = Date::new(y, m as i8, d as i8)
        {
            if found(Mention { date, written: Written::Full, at }) {
                return;
            }
            i += 3;
            continue;
        }
        // MONTH DAY[,] YEAR (English).
        if let Some((month, used)) = month_at(&w, i)
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
            if let Some(wd) = weekday_of(word.text) {
                let forward = w.get(i + 1).is_some_and(|x| FORWARD.contains(&x.text));
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
                "امس" if prev == Some("اول") => Some(-2),
                "امس" => Some(-1),
                "اليوم"
                    if matches!(prev, Some("صباح" | "مساء" | "ظهر" | "فجر" | "عصر" | "ليل"))
                        || next.is_some_and(|n| weekday_of(n).is_some()) =>
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

/// A dateline: the first full date in the first [`DATELINE_WORDS`] words
/// (for an article whose `published` is missing).
pub fn dateline(words: &DateWords) -> Option<Date> {
    first_mention(words, DATELINE_WORDS, None, |m| m.written == Written::Full).map(|m| m.date)
}

/// How many words a dateline is looked for in (about 400 characters of
/// Arabic news).
pub const DATELINE_WORDS: usize = 70;

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

    /// The words of an L1 text (at most `limit`).
    fn of_l1(l1: &str, limit: usize) -> DateWords {
        let mut out = DateWords::default();
        out.reset(limit);
        out.read_l1(l1);
        out
    }

    fn words(text: &str) -> DateWords {
        of_l1(&canonical(text), usize::MAX)
    }

    fn found(text: &str, reference: Option<Date>) -> Vec<(Date, Written)> {
        mentions(&words(text), reference).into_iter().map(|m| (m.date, m.written)).collect()
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

    /// The key of a token's stem, as the signing pass has it.
    fn key(form: &str) -> u64 {
        crate::background::token_key(form)
    }

    /// `words` given again word by word with their stem keys
    /// ([`DateWords::word_keyed`]), separators as they were read.
    fn keyed(words: &DateWords) -> DateWords {
        let mut out = DateWords::default();
        out.reset(usize::MAX);
        for w in &words.words {
            match w.sep {
                Sep::Slash => out.between('/', false),
                Sep::Dash => out.between('-', false),
                Sep::Dot => out.between('.', false),
                Sep::Other => out.other(),
            }
            let form = &words.forms[w.form.start as usize..w.form.end as usize];
            out.word_keyed(form, form.starts_with(|c: char| c.is_ascii_digit()), || w.madda, key(form));
        }
        out
    }

    /// Every way of writing a date that reads a word beside its anchor is
    /// read alike from words given with their stem keys, the words no scan
    /// compares kept without their forms.
    #[test]
    fn keyed_words_read_every_date_form() {
        let r = Some(date(2022, 2, 28));
        for text in [
            "قال إنه في 27 من شباط 2022 التقى",
            "met on 27 of February 2022 in",
            "في 5 آذار عام 2022 و 6 آذار سنة 2021",
            "يوم الأحد المقبل ثم الاثنين القادم وnext Sunday",
            "أول أمس ووصل صباح اليوم ثم مساء اليوم وظهر اليوم وفجر اليوم وعصر اليوم وليل اليوم",
            "في 15 كانون الثاني 2022 و 3 تشرين الأول و 4 تشرين الاول و 9 كانون الأول 2021",
            "في 15 آذار (مارس) 2024 و 27/2/2022 و 2022-02-27 و February 27, 2022",
        ] {
            let plain = words(text);
            let found = mentions(&plain, r);
            assert!(!found.is_empty(), "{text}");
            assert_eq!(mentions(&keyed(&plain), r), found, "{text}");
        }
    }

    /// The words a scan compares next to an anchor pass the filter of
    /// words read; most words do not.
    #[test]
    fn neighbours_pass_the_key_prefilter() {
        for form in neighbour_words() {
            assert!(may_be_neighbour(key(&form)), "{form}");
        }
        let words = ["الحكومه", "السوريه", "قال", "وزير", "الخارجيه", "the", "meeting", "دمشق", "طهران", "ايران"];
        assert!(words.iter().all(|w| !may_be_anchor(w, key(w)) && !may_be_neighbour(key(w))));
    }

    /// Every anchor passes the prefilter by stem key: the names, with and
    /// without a prefix, and digits.
    #[test]
    fn anchors_pass_the_key_prefilter() {
        let mut forms: Vec<String> = anchor_names().iter().cloned().collect();
        forms.extend(anchor_names().iter().flat_map(|a| ANCHOR_PREFIXES.iter().map(move |p| format!("{p}{a}"))));
        forms.extend(["2022", "5", "و2022", "ب27"].map(String::from));
        assert!(forms.len() > 100);
        for form in &forms {
            assert!(is_anchor(form), "{form}");
            assert!(may_be_anchor(form, key(form)), "{form}");
        }
        // Most words are ruled out.
        let words = ["الحكومه", "السوريه", "قال", "وزير", "الخارجيه", "the", "meeting", "دمشق", "طهران", "ايران"];
        assert!(words.iter().all(|w| !may_be_anchor(w, key(w))));
    }

    #[test]
    fn august_is_not_father() {
        assert_eq!(found("في 5 آب 2019", None), [(date(2019, 8, 5), Written::Full)]);
        assert!(found("في 5 أب 2019", None).is_empty());
    }

    proptest::proptest! {
        /// Words given with their stem keys are read as words given alone
        /// (every anchor passes the key prefilter, and the words kept
        /// without their form are words no comparison accepts): the same
        /// mentions.
        #[test]
        fn words_by_key_read_as_words_alone(
            picks in proptest::collection::vec(proptest::sample::select(vec![
                "27", "من", "شباط", "2022", "باب", "اب", "وشباط", "الاحد", "امس", "اول", "اليوم", "صباح", "القادم",
                "February", "27,", "الحكومه", "و2022", "ب5", "كانون", "الثاني", "تشرين", "لاذار", "فيناير", "today",
                "of", "عام", "سنه", "مساء", "المقبل", "next", "الاول", "قال", "وعام", "بآب", "آب", "5,", "(مارس)",
            ]), 0..30),
        ) {
            let r = Some(date(2022, 2, 28));
            let (mut plain, mut keyed) = (DateWords::default(), DateWords::default());
            plain.reset(usize::MAX);
            keyed.reset(usize::MAX);
            for (i, w) in picks.iter().enumerate() {
                let folded = folded(w);
                let digit = folded.starts_with(|c: char| c.is_ascii_digit());
                plain.word(&folded, digit, i % 3 == 0);
                keyed.word_keyed(&folded, digit, || i % 3 == 0, key(&folded));
            }
            proptest::prop_assert_eq!(&plain.anchors, &keyed.anchors);
            proptest::prop_assert_eq!(mentions(&plain, r), mentions(&keyed, r));
        }

        /// Reading words only as far as needed finds what reading them all
        /// finds: the first accepted mention of the first `n` words.
        #[test]
        fn first_mention_is_the_first_of_all_mentions(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "27", "من", "شباط", "2022", "الأحد", "المقبل", "أمس", "أول", "اليوم", "صباح", "كانون", "الثاني",
                "/", "2", "-", "of", "February", "5,", "و2021", "عام", "(مارس)", "قال", "«", "»", "\n",
            ]), 0..40),
            n in 0usize..40,
            full_only in proptest::bool::ANY,
        ) {
            let text = canonical(&words.join(" "));
            let r = Some(date(2022, 2, 28));
            let wanted = |m: &Mention| !full_only || m.written == Written::Full;
            let all = mentions(&of_l1(&text, n), r).into_iter().find(|m| wanted(m));
            proptest::prop_assert_eq!(first_mention(&of_l1(&text, usize::MAX), n, r, wanted), all);
        }
    }

    #[test]
    fn datelines_and_event_dates() {
        let seed3 = "شمخاني يلتقي رئيس مكتب الأمن الوطني السوري\nالأحد ٠٨ يناير ٢٠١٧ - ٠٣:٤٦ بتوقيت غرينتش";
        assert_eq!(dateline(&words(seed3)), Some(date(2017, 1, 8)));
        let text = words("اللقاء الأخير كان في 5 كانون الثاني 2020، أما اللقاء الجديد فجرى الأحد 27 من شباط");
        let r = date(2022, 2, 28);
        let event = first_mention(&text, usize::MAX, Some(r), |m| is_event_date(m.date, r)).map(|m| m.date);
        assert_eq!(event, Some(date(2022, 2, 27)));
    }
}
