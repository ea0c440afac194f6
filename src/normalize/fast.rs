//! The byte-level fast path from raw text to L2 tokens.
//!
//! For a text without *unstable* characters (those NFKC may change in
//! context; see `l1`), L1 is a per-character map and L2 a per-character fold,
//! so tokens can be built directly from the UTF-8 bytes: ASCII and the Arabic
//! block U+0600–U+06FF through two small tables, anything else through the
//! same rule functions the general path uses. The tables are computed from
//! those functions, so the two paths cannot drift apart; a proptest checks
//! that they agree on arbitrary text. The first unstable character makes the
//! fast path give up (the caller then resets and takes the general path).

use super::l1::{Out, is_inert_mark, is_isolated_starter, is_stable_starter, map_char};
use super::l2::{fold_char, is_token_char, starts_numeric};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// What a character does to the token stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Deleted by L1: invisible.
    Drop,
    /// Not part of any token.
    Boundary,
    /// Not part of any token, and L1 writes it as a quotation mark `"`.
    Quote,
    /// ٬: removed between digits, a boundary elsewhere.
    Separator,
    /// A token character, already folded. `numeric`: a one-character token
    /// of it is kept; `ascii_digit`: L1 outputs an ASCII digit for it.
    Token { folded: char, numeric: bool, ascii_digit: bool },
    /// NFKC may change it in context: the fast path gives up.
    Unstable,
}

fn act_of(c: char) -> Act {
    if !is_stable_starter(c) && !matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}') {
        return unstable_act(c);
    }
    match map_char(c) {
        Out::Drop => Act::Drop,
        Out::Space | Out::Newline => Act::Boundary,
        Out::Char('\u{066C}') => Act::Separator,
        Out::Char(m) if is_token_char(m) => {
            let mut folded = m;
            let mut n = 0;
            fold_char(m, |f| {
                folded = f;
                n += 1;
            });
            if n == 1 {
                Act::Token { folded, numeric: starts_numeric(m), ascii_digit: m.is_ascii_digit() }
            } else {
                Act::Unstable
            }
        }
        Out::Char('"') => Act::Quote,
        Out::Char(_) => Act::Boundary,
    }
}

/// Some unstable characters still act the same in every context:
/// - Arabic marks that L1 deletes and that take part in no composition
///   (only U+0653–U+0655 compose, with alef, waw and yeh);
/// - starters that NFKC always replaces by spaces or punctuation (no-break
///   space, ellipsis): no composition starts from what they become, and a
///   following mark that could compose is itself unstable and stops the fast
///   path anyway.
fn unstable_act(c: char) -> Act {
    if is_inert_mark(c) {
        return Act::Drop;
    }
    if is_isolated_starter(c) {
        let replacement: String = std::iter::once(c).nfkc().collect();
        let inert = replacement.chars().all(|d| {
            is_stable_starter(d) && matches!(act_of(d), Act::Boundary | Act::Drop) && d != '\u{066B}' && d != '\u{066C}'
        });
        if inert {
            return Act::Boundary;
        }
    }
    Act::Unstable
}

fn arabic_table() -> &'static [Act; 256] {
    static TABLE: OnceLock<[Act; 256]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| act_of(char::from_u32(0x0600 + i as u32).expect("BMP"))))
}

fn ascii_table() -> &'static [Act; 128] {
    static TABLE: OnceLock<[Act; 128]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| act_of(i as u8 as char)))
}

/// Where the fast path's words go. Only [`WordSink::token`] is needed; the
/// rest, for callers that read more than tokens (story features), default
/// to nothing and cost nothing then.
pub trait WordSink {
    /// An L2 token.
    fn token(&mut self, form: &str);
    /// A word that is no token: a single letter, in its L2 form.
    #[inline(always)]
    fn letter(&mut self, _form: &str) {}
    /// A character between words that L1 keeps or maps, as it is in the
    /// text (L1 deletes the others); a quotation mark is told by
    /// [`WordSink::quote`] instead. `after_digit`: the character L1 output
    /// last was an ASCII digit.
    #[inline(always)]
    fn between(&mut self, _c: char, _after_digit: bool) {}
    /// A character L1 writes as a quotation mark `"`.
    #[inline(always)]
    fn quote(&mut self) {}
    /// The first character of the next word, as it is in the text at byte
    /// `at` and in its L2 form, told before the word; `ascii_digit`: L1
    /// writes it as an ASCII digit.
    #[inline(always)]
    fn word_start(&mut self, _c: char, _folded: char, _ascii_digit: bool, _at: usize) {}
}

impl<F: FnMut(&str)> WordSink for F {
    #[inline(always)]
    fn token(&mut self, form: &str) {
        self(form)
    }
}

/// Token being built.
struct Token<'b> {
    buf: &'b mut String,
    chars: usize,
    first_is_digit: bool,
    /// The last character L1 would have output was an ASCII digit.
    last_digit: bool,
    /// A ٬ after a digit, waiting to see whether a digit follows.
    held_separator: bool,
}

impl Token<'_> {
    #[inline(always)]
    fn end(&mut self, f: &mut impl WordSink) {
        if self.chars > 1 || (self.chars == 1 && self.first_is_digit) {
            f.token(self.buf);
        } else if self.chars == 1 {
            f.letter(self.buf);
        }
        self.buf.clear();
        self.chars = 0;
    }

    /// Applies the act of character `c`, at byte `at`.
    #[inline(always)]
    fn apply(&mut self, act: Act, c: char, at: usize, f: &mut impl WordSink) -> bool {
        if self.held_separator && act != Act::Drop {
            self.held_separator = false;
            if !matches!(act, Act::Token { ascii_digit: true, .. }) {
                self.end(f);
                // The ٬ stays: it was not between digits.
                f.between('\u{066C}', true);
                self.last_digit = false;
            }
        }
        match act {
            Act::Drop => {}
            Act::Boundary => {
                if self.chars > 0 {
                    self.end(f);
                }
                f.between(c, self.last_digit);
                self.last_digit = false;
            }
            Act::Quote => {
                if self.chars > 0 {
                    self.end(f);
                }
                f.quote();
                self.last_digit = false;
            }
            Act::Separator => {
                if self.last_digit {
                    self.held_separator = true;
                } else {
                    if self.chars > 0 {
                        self.end(f);
                    }
                    f.between(c, false);
                }
                self.last_digit = false;
            }
            Act::Token { folded, numeric, ascii_digit } => {
                if self.chars == 0 {
                    self.first_is_digit = numeric;
                    f.word_start(c, folded, ascii_digit, at);
                }
                self.buf.push(folded);
                self.chars += 1;
                self.last_digit = ascii_digit;
            }
            Act::Unstable => return false,
        }
        true
    }
}

/// Hands `f` the L2 tokens of `text`, and the words and what lies between
/// them ([`WordSink`]), if it has no unstable characters, and returns true;
/// returns false (having possibly called `f` already) at the first unstable
/// character, for the general path to take over.
#[inline(always)]
pub fn words(text: &str, buf: &mut String, mut f: impl WordSink) -> bool {
    buf.clear();
    let ascii = ascii_table();
    let arabic = arabic_table();
    let mut t = Token { buf, chars: 0, first_is_digit: false, last_digit: false, held_separator: false };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if !t.apply(ascii[b as usize], b as char, i, &mut f) {
                return false;
            }
            i += 1;
        } else if (0xD8..=0xDB).contains(&b) {
            // U+0600–U+06FF: two bytes, 110110xx 10xxxxxx.
            let cp = (((b & 0x1F) as u32) << 6) | (bytes[i + 1] & 0x3F) as u32;
            // (U+0600–U+06FF are all chars.)
            let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
            if !t.apply(arabic[(cp - 0x0600) as usize], c, i, &mut f) {
                return false;
            }
            i += 2;
        } else {
            let c = text[i..].chars().next().expect("char boundary");
            let act = act_of(c);
            match act {
                // A token character whose fold is more than one character
                // (İ → i̇) goes through the general fold.
                Act::Unstable if is_stable_starter(c) && is_token_char(c) => {
                    if t.held_separator {
                        t.held_separator = false;
                        t.end(&mut f);
                        f.between('\u{066C}', true);
                    }
                    if t.chars == 0 {
                        t.first_is_digit = false;
                        f.word_start(c, c, false, i);
                    }
                    fold_char(c, |m| {
                        t.buf.push(m);
                        t.chars += 1;
                    });
                    t.last_digit = false;
                }
                act => {
                    if !t.apply(act, c, i, &mut f) {
                        return false;
                    }
                }
            }
            i += c.len_utf8();
        }
    }
    if t.held_separator {
        t.held_separator = false;
        t.end(&mut f);
        f.between('\u{066C}', true);
    }
    t.end(&mut f);
    true
}
