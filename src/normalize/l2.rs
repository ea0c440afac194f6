//! L2 "matching" normalization (DESIGN section 3): L1, then the letter
//! folding that makes spelling variants match, then tokens.
//!
//! - أ إ آ ٱ → ا; ى → ي; ة → ه; ؤ ئ → ء.
//! - Letters are lower-cased (Latin and every other cased script).
//! - Tokens are split at every character that is not a letter, a digit or a
//!   combining mark (so a Latin letter with an undecomposable accent stays
//!   one token); single-letter tokens are dropped, single digits are kept.
//!
//! Dates must be read from L1 text, before this folding: آب (August) and أب
//! (father) merge here.

use unicode_normalization::UnicodeNormalization;

/// Folds one L1 character for matching, calling `push` with the result
/// (lower-casing can produce more than one character).
#[inline]
pub fn fold_char(c: char, mut push: impl FnMut(char)) {
    match c {
        'A'..='Z' => push(c.to_ascii_lowercase()),
        '\u{0623}' | '\u{0625}' | '\u{0622}' | '\u{0671}' => push('\u{0627}'),
        '\u{0649}' => push('\u{064A}'),
        '\u{0629}' => push('\u{0647}'),
        '\u{0624}' | '\u{0626}' => push('\u{0621}'),
        c if c.is_ascii() => push(c),
        // Arabic, Syriac, Thaana and the Arabic extensions have no case.
        '\u{0600}'..='\u{08FF}' | '\u{FB50}'..='\u{FEFF}' => push(c),
        c if c.is_uppercase() || is_titlecase(c) => c.to_lowercase().for_each(push),
        c => push(c),
    }
}

/// Titlecase letters (ǅ, ᾈ): neither upper nor lower case, yet with a
/// lower-case mapping (Unicode general category Lt).
#[inline]
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{01C5}'
            | '\u{01C8}'
            | '\u{01CB}'
            | '\u{01F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

/// True for a character that, alone, still makes a token (a digit of any
/// script).
#[inline]
pub(crate) fn starts_numeric(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && !is_arabic_letter(c) && c.is_numeric())
}

#[inline]
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}')
}

/// True for characters that belong inside a token.
#[inline]
pub fn is_token_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    match c {
        // Arabic letters and Arabic-Indic digits (digits are already ASCII
        // after L1, but L2 may be called on other text).
        '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0660}'..='\u{0669}' => true,
        _ => c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c),
    }
}

/// The words of an L1 text, unfolded: maximal runs of token characters
/// ([`is_token_char`]), as byte ranges, in order. What agency and date
/// matching read from an L1 text.
#[derive(Debug, Clone)]
pub struct WordSpans<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> WordSpans<'a> {
    /// The words of `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }
}

impl Iterator for WordSpans<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        // Skip to the next token character, then read to the end of its run.
        let table = token_table();
        let start = loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let (token, len) = token_char_at(table, self.text, self.pos);
            if token {
                break self.pos;
            }
            self.pos += len;
        };
        while self.pos < self.text.len() {
            let (token, len) = token_char_at(table, self.text, self.pos);
            if !token {
                break;
            }
            self.pos += len;
        }
        Some(start..self.pos)
    }
}

/// [`is_token_char`] of the one- and two-byte characters (ASCII to Arabic).
fn token_table() -> &'static [bool; 0x800] {
    static TABLE: std::sync::OnceLock<[bool; 0x800]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|cp| is_token_char(char::from_u32(cp as u32).expect("BMP"))))
}

/// Whether the character at byte `i` of `s` is a token character, and its
/// length in bytes; one- and two-byte characters from `table`
/// ([`token_table`]).
#[inline(always)]
fn token_char_at(table: &[bool; 0x800], s: &str, i: usize) -> (bool, usize) {
    let b = s.as_bytes();
    match b[i] {
        a if a < 0x80 => (table[usize::from(a)], 1),
        a if a < 0xE0 => (table[(usize::from(a & 0x1F) << 6) | usize::from(b[i + 1] & 0x3F)], 2),
        _ => {
            let c = s[i..].chars().next().expect("char boundary");
            (is_token_char(c), c.len_utf8())
        }
    }
}

/// What [`TokenBuilder::push`] does with a one- or two-byte character.
#[derive(Debug, Clone, Copy)]
struct L2Char {
    /// Its fold, when [`L2Char::PLAIN`].
    folded: char,
    flags: u8,
}

impl L2Char {
    /// A token character.
    const TOKEN: u8 = 1;
    /// A token character that folds to one character and marks nothing.
    const PLAIN: u8 = 2;
    /// A token character that makes a one-character token ([`starts_numeric`]).
    const NUMERIC: u8 = 4;
}

/// [`L2Char`] of every one- and two-byte character, from the rules
/// themselves ([`is_token_char`], [`fold_char`], [`starts_numeric`]).
fn l2_char_table() -> &'static [L2Char; 0x800] {
    static TABLE: std::sync::OnceLock<[L2Char; 0x800]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|cp| {
            let c = char::from_u32(cp as u32).expect("BMP");
            if !is_token_char(c) {
                return L2Char { folded: c, flags: 0 };
            }
            let mut folded = Vec::new();
            fold_char(c, |m| folded.push(m));
            let marks = !c.is_ascii() && !is_arabic_letter(c) && !super::l1::is_stable_starter(c);
            let mut flags = L2Char::TOKEN;
            if starts_numeric(c) {
                flags |= L2Char::NUMERIC;
            }
            if folded.len() == 1 && !marks {
                flags |= L2Char::PLAIN;
            }
            L2Char { folded: folded[0], flags }
        })
    })
}

/// The fold of token character `c` and whether a one-character token of it
/// is kept ([`starts_numeric`]), when `c` is one or two bytes long, folds to
/// one character and marks nothing: what [`TokenBuilder::push`] appends as
/// it is, with nothing to recompose.
#[inline]
pub(crate) fn plain_token_char(c: char) -> Option<(char, bool)> {
    let e = l2_char_table().get(c as usize)?;
    (e.flags & L2Char::PLAIN != 0).then_some((e.folded, e.flags & L2Char::NUMERIC != 0))
}

/// Builds L2 tokens from a stream of L1 characters; reusable scratch space.
///
/// Lower-casing can make a letter and a following combining mark composable
/// (T + ◌̈ has no precomposed form, t + ◌̈ is ẗ), so a token holding a
/// character with a combining class is recomposed with NFKC before it is
/// measured and handed out.
#[derive(Debug, Default)]
pub struct TokenBuilder {
    buf: String,
    composed: String,
    chars: usize,
    first_is_digit: bool,
    has_mark: bool,
}

impl TokenBuilder {
    /// Adds the two-byte character `cp` (U+0080–U+07FF) to the token being
    /// built, if there is one and the character is a token character that
    /// folds to one character and marks nothing (most letters); returns
    /// false, having done nothing, otherwise. What [`TokenBuilder::push`]
    /// would do, for the inside of words.
    #[inline(always)]
    pub fn continue_with(&mut self, cp: u32) -> bool {
        let e = l2_char_table()[cp as usize];
        if self.chars == 0 || e.flags & L2Char::PLAIN == 0 {
            return false;
        }
        self.buf.push(e.folded);
        self.chars += 1;
        true
    }

    /// Adds one L1 character; a non-token character ends the current token.
    #[inline]
    pub fn push(&mut self, c: char, f: &mut impl FnMut(&str)) {
        if let Some(e) = l2_char_table().get(c as usize) {
            // One or two bytes: the table says what the rules below do.
            if e.flags & L2Char::TOKEN == 0 {
                if self.chars > 0 {
                    self.end(f);
                }
                return;
            }
            if e.flags & L2Char::PLAIN != 0 {
                if self.chars == 0 {
                    self.first_is_digit = e.flags & L2Char::NUMERIC != 0;
                    self.has_mark = false;
                }
                self.buf.push(e.folded);
                self.chars += 1;
                return;
            }
        }
        if !is_token_char(c) {
            if self.chars > 0 {
                self.end(f);
            }
            return;
        }
        if self.chars == 0 {
            self.first_is_digit = starts_numeric(c);
            self.has_mark = false;
        }
        if !c.is_ascii() && !is_arabic_letter(c) && !super::l1::is_stable_starter(c) {
            self.has_mark = true;
        }
        let (buf, chars) = (&mut self.buf, &mut self.chars);
        fold_char(c, |m| {
            buf.push(m);
            *chars += 1;
        });
    }

    /// Ends the current token (if any), handing it to `f` unless it is a
    /// single letter.
    pub fn end(&mut self, f: &mut impl FnMut(&str)) {
        self.end_word(&mut |t, token| {
            if token {
                f(t)
            }
        });
    }

    /// Ends the current word (if any), handing its L2 form to `f` with
    /// whether it is a token (single letters are words, not tokens).
    pub fn end_word(&mut self, f: &mut impl FnMut(&str, bool)) {
        if self.chars == 0 {
            return;
        }
        let mut n = self.chars;
        let form: &str = if self.has_mark {
            self.composed.clear();
            self.composed.extend(self.buf.chars().nfkc());
            n = self.composed.chars().count();
            &self.composed
        } else {
            &self.buf
        };
        f(form, n > 1 || (n == 1 && self.first_is_digit));
        self.buf.clear();
        self.chars = 0;
    }
}

/// Calls `f` with each L2 token of `l1`, an L1 text.
#[inline]
pub fn for_each_token(l1: &str, builder: &mut TokenBuilder, mut f: impl FnMut(&str)) {
    builder.end(&mut |_| {});
    for c in l1.chars() {
        builder.push(c, &mut f);
    }
    builder.end(&mut f);
}

/// The L2 form of one word of an L1 text (a run of token characters),
/// single letters included, appended to `out`.
pub fn word_form(word: &str, builder: &mut TokenBuilder, out: &mut String) {
    builder.end_word(&mut |_, _| {});
    for c in word.chars() {
        builder.push(c, &mut |_| {});
    }
    builder.end_word(&mut |form, _| out.push_str(form));
}

/// The L2 tokens of an L1 text, as owned strings.
pub fn tokens(l1: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(l1, &mut TokenBuilder::default(), |t| out.push(t.to_owned()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::canonical;

    fn l2(s: &str) -> Vec<String> {
        tokens(&canonical(s))
    }

    /// One row per rule: input, expected tokens.
    const RULES: &[(&str, &str, &[&str])] = &[
        ("alef with hamza above", "أحمد", &["احمد"]),
        ("alef with hamza below", "إيران", &["ايران"]),
        ("alef with madda", "آذار", &["اذار"]),
        ("alef wasla", "ٱلله", &["الله"]),
        ("alef maqsura", "مصطفى", &["مصطفي"]),
        ("teh marbuta", "سورية", &["سوريه"]),
        ("waw with hamza", "مؤتمر", &["مءتمر"]),
        ("yeh with hamza", "رئيس", &["رءيس"]),
        ("latin lower-cased", "Reuters AFP", &["reuters", "afp"]),
        ("other scripts lower-cased", "ΑΘΗΝΑ Москва", &["αθηνα", "москва"]),
        ("split at punctuation", "سانا،فارس-إرنا", &["سانا", "فارس", "ارنا"]),
        ("split inside numbers", "3.5%", &["3", "5"]),
        ("single letters dropped", "و ب x", &[]),
        ("single digits kept", "7 من 9", &["7", "من", "9"]),
        ("arabic-indic digits via l1", "٢٧ شباط", &["27", "شباط"]),
        ("combining accent stays in token", "ba\u{0301}\u{0328}c", &["b\u{0105}\u{0301}c"]),
    ];

    #[test]
    fn every_rule() {
        for (name, input, expected) in RULES {
            assert_eq!(l2(input), *expected, "rule: {name}");
        }
    }

    #[test]
    fn titlecase_letters_are_exactly_those_with_a_lower_case_and_no_case() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let lt = !c.is_lowercase() && !c.is_uppercase() && c.to_lowercase().next() != Some(c);
            assert_eq!(is_titlecase(c), lt, "{c:?} {:x}", c as u32);
        }
    }

    #[test]
    fn tokens_are_stable_under_l2() {
        for (_, input, _) in RULES {
            let once = l2(input);
            assert_eq!(l2(&once.join(" ")), once);
        }
    }
}
