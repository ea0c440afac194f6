//! L1 "canonical" normalization (DESIGN section 3): the text as a reader
//! would see it, with the encoding noise removed.
//!
//! Rules, in order of application:
//! 1. NFKC. Never NFD/NFKD: those split أ into ا + hamza.
//! 2. Delete tatweel U+0640; harakat and other marks U+064B–U+065F, U+0670,
//!    U+0610–U+061A, U+06D6–U+06ED, U+08D3–U+08FF; format controls
//!    U+200B–U+200F, U+061C, U+202A–U+202E, U+2066–U+2069, U+FEFF, U+00AD,
//!    U+2060.
//! 3. Spaces U+00A0, U+2000–U+200A, U+202F, U+3000 and tabs become a space;
//!    runs collapse to one; spaces next to a line break are dropped.
//!    Line breaks (`\r\n`, `\r`, U+0085, U+2028, U+2029) become `\n`; other
//!    control characters become a space.
//! 4. Digits U+0660–U+0669 and U+06F0–U+06F9 become 0–9; ٫ between digits
//!    becomes `.`, ٬ between digits is removed.
//! 5. ، ؛ ؟ ٪ ۔ become , ; ? % . and « » “ ” become `"`.
//! 6. Persian/Urdu letters: ی ے → ي; ک گ → ك; ۀ ہ ھ → ه; ۃ → ة;
//!    پ چ ژ ڤ → ب ج ز ف.
//!
//! ## How it is fast
//! Almost all news text consists of characters that NFKC leaves alone in any
//! context (ASCII, Arabic letters). A table over the Basic Multilingual Plane
//! classifies each character once: *stable starters* (combining class 0 and
//! NFKC quick-check "yes") pass straight through; the harakat U+064B–U+0652
//! and U+0670 are dropped before composition (their combining classes, 27–35,
//! are below those of the hamza and madda marks, so they never block or take
//! part in a composition, and rule 2 deletes them anyway); any other character
//! is *unstable* and is normalized with NFKC together with the stable starter
//! before it. Only those short segments pay for NFKC.
//!
//! ## Idempotence
//! Deleting a character after NFKC can, in contrived input, put two
//! characters side by side that NFKC would compose (a Hangul L jamo, a
//! tatweel, a V jamo). Only an unstable character can be the second half of
//! such a pair, so a pass is *risky* when an unstable character is output
//! right after a deleted one; then, if the output is not NFKC, the pass runs
//! again on its own output until it is, so
//! `canonical(canonical(x)) == canonical(x)` for every input (a proptest
//! checks this).
//!
//! ## Offsets
//! [`canonical_with_offsets`] also returns, for every output character, the
//! byte offset in the original text it came from, so reported spans point
//! into the text the user gave. Characters produced by NFKC from an unstable
//! segment all point at the segment's start.

use super::l2::{TokenBuilder, for_each_token};
use std::sync::OnceLock;
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick, is_nfkc, is_nfkc_quick};

/// L1 output together with a map back into the original text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Canonical {
    /// The L1 text.
    pub text: String,
    /// For each `char` of `text`, the byte offset in the original text it
    /// came from.
    pub offsets: Vec<u32>,
}

impl Canonical {
    /// The original byte range covered by the output chars `start..end`
    /// (char indices), given the original text's length.
    pub fn original_range(&self, start: usize, end: usize, original_len: usize) -> (usize, usize) {
        if start >= end || start >= self.offsets.len() {
            return (original_len, original_len);
        }
        let from = self.offsets[start] as usize;
        let last = self.offsets[end - 1];
        let to = self.offsets[end..].iter().find(|&&o| o > last).map(|&o| o as usize).unwrap_or(original_len);
        (from, to)
    }
}

/// The L1 form of `text`.
pub fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    canonical_into(text, &mut out);
    out
}

/// The L1 form of `text` into `out` (cleared first), reusing its buffer.
pub fn canonical_into(text: &str, out: &mut String) {
    out.clear();
    if super::l1_fast::canonical::<false>(text, out, &mut Vec::new()) {
        return;
    }
    let mut sink = TextSink { text: std::mem::take(out) };
    sink.text.clear();
    run(text, &mut sink);
    *out = sink.text;
}

/// The L1 form of `text` with a map from output characters to original
/// byte offsets.
pub fn canonical_with_offsets(text: &str) -> Canonical {
    let mut out = Canonical::default();
    canonical_with_offsets_into(text, &mut out);
    out
}

/// [`canonical_with_offsets`] into `out` (cleared first), reusing its
/// buffers.
pub fn canonical_with_offsets_into(text: &str, out: &mut Canonical) {
    out.text.clear();
    out.offsets.clear();
    if super::l1_fast::canonical::<true>(text, &mut out.text, &mut out.offsets) {
        return;
    }
    let mut sink = MapSink { text: std::mem::take(&mut out.text), offsets: std::mem::take(&mut out.offsets) };
    sink.text.clear();
    sink.offsets.clear();
    run(text, &mut sink);
    (out.text, out.offsets) = (sink.text, sink.offsets);
}

/// The general path alone, for tests of the fast path.
#[cfg(test)]
pub(crate) fn canonical_general(text: &str) -> Canonical {
    let mut sink = MapSink::default();
    run(text, &mut sink);
    Canonical { text: sink.text, offsets: sink.offsets }
}

fn run<S: TextualSink>(text: &str, sink: &mut S) {
    let risky = pass(text.char_indices().map(|(o, c)| (c, o as u32)), sink);
    if !risky || is_nfkc(sink.text()) {
        return;
    }
    // Rare: a deletion joined two composable characters. Iterate to the
    // fixed point; each round only composes or deletes, so it ends quickly.
    for _ in 0..8 {
        let pairs = sink.take_pairs();
        let risky = pass(pairs.into_iter(), sink);
        if !risky || is_nfkc(sink.text()) {
            return;
        }
    }
}

// ---------------------------------------------------------------------------
// Character classes

const STABLE_STARTER: u8 = 0;
const TRANSPARENT: u8 = 1;
const UNSTABLE: u8 = 2;

fn class_table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0u32..=0xFFFF)
            .map(|cp| match char::from_u32(cp) {
                Some(c) => compute_class(c),
                None => UNSTABLE, // surrogates never occur in a str
            })
            .collect()
    })
}

fn compute_class(c: char) -> u8 {
    if matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}') {
        return TRANSPARENT;
    }
    if canonical_combining_class(c) == 0 && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
        STABLE_STARTER
    } else {
        UNSTABLE
    }
}

#[inline]
fn class_in(table: &[u8], c: char) -> u8 {
    let cp = c as u32;
    if cp < 0x80 {
        STABLE_STARTER
    } else if cp <= 0xFFFF {
        table[cp as usize]
    } else {
        compute_class(c)
    }
}

/// True when NFKC leaves `c` alone in any context (combining class 0 and
/// quick-check "yes").
#[inline]
pub(crate) fn is_stable_starter(c: char) -> bool {
    (c as u32) < 0x80 || class_in(class_table(), c) == STABLE_STARTER
}

/// True for a character L1 deletes wherever it stands (rule 2, and the
/// harakat NFKC never sees): words read before L1 skip it as L1 would.
pub fn deletes(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}') || matches!(map_char(c), Out::Drop)
}

/// An unstable Arabic mark that rule 2 deletes and that takes part in no
/// composition (only U+0653–U+0655 compose, with alef, waw and yeh): deleted
/// whatever surrounds it. The fast paths rely on this.
pub(crate) fn is_inert_mark(c: char) -> bool {
    matches!(map_char(c), Out::Drop) && !matches!(c, '\u{0653}'..='\u{0655}') && ('\u{0600}'..='\u{08FF}').contains(&c)
}

/// A starter that composes with nothing on either side, so that NFKC turns
/// it into its own NFKC whatever surrounds it (no-break space, ellipsis,
/// presentation forms). The fast paths rely on this.
pub(crate) fn is_isolated_starter(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) != IsNormalized::Maybe
}

// ---------------------------------------------------------------------------
// Sinks: where normalized characters go, with or without offsets.

trait Sink {
    fn push(&mut self, c: char, orig: u32);
    fn last(&self) -> Option<char>;
    fn pop(&mut self);
    /// The end of the text; `saw_separator` tells whether ٫ or ٬ occurred,
    /// for the between-digits part of rule 4.
    fn finish(&mut self, saw_separator: bool);
}

/// A sink that holds the L1 text itself.
trait TextualSink: Sink {
    fn text(&self) -> &str;
    /// Remove the content as (char, original offset) pairs, leaving the sink
    /// empty.
    fn take_pairs(&mut self) -> Vec<(char, u32)>;
}

#[derive(Default)]
struct TextSink {
    text: String,
}

impl Sink for TextSink {
    #[inline]
    fn push(&mut self, c: char, _orig: u32) {
        self.text.push(c);
    }
    #[inline]
    fn last(&self) -> Option<char> {
        self.text.chars().next_back()
    }
    #[inline]
    fn pop(&mut self) {
        self.text.pop();
    }
    fn finish(&mut self, saw_separator: bool) {
        if saw_separator {
            let chars: Vec<char> = self.text.chars().collect();
            self.text = apply_digit_separators(&chars).into_iter().map(|(c, _)| c).collect();
        }
    }
}

impl TextualSink for TextSink {
    fn text(&self) -> &str {
        &self.text
    }
    fn take_pairs(&mut self) -> Vec<(char, u32)> {
        let pairs = self.text.char_indices().map(|(o, c)| (c, o as u32)).collect();
        self.text.clear();
        pairs
    }
}

#[derive(Default)]
struct MapSink {
    text: String,
    offsets: Vec<u32>,
}

impl Sink for MapSink {
    #[inline]
    fn push(&mut self, c: char, orig: u32) {
        self.text.push(c);
        self.offsets.push(orig);
    }
    #[inline]
    fn last(&self) -> Option<char> {
        self.text.chars().next_back()
    }
    #[inline]
    fn pop(&mut self) {
        self.text.pop();
        self.offsets.pop();
    }
    fn finish(&mut self, saw_separator: bool) {
        if !saw_separator {
            return;
        }
        let chars: Vec<char> = self.text.chars().collect();
        let kept = apply_digit_separators(&chars);
        let mut text = String::with_capacity(self.text.len());
        let mut offsets = Vec::with_capacity(kept.len());
        for (c, i) in kept {
            text.push(c);
            offsets.push(self.offsets[i]);
        }
        self.text = text;
        self.offsets = offsets;
    }
}

impl TextualSink for MapSink {
    fn text(&self) -> &str {
        &self.text
    }
    fn take_pairs(&mut self) -> Vec<(char, u32)> {
        let pairs = self.text.chars().zip(self.offsets.iter().copied()).collect();
        self.text.clear();
        self.offsets.clear();
        pairs
    }
}

/// A sink that turns L1 characters straight into L2 tokens, for the hot path
/// of shingling; it never holds the L1 text.
struct TokenSink<'b, F: FnMut(&str)> {
    builder: &'b mut TokenBuilder,
    f: F,
    last: Option<char>,
    /// A ٬ that followed a digit: dropped if a digit follows (rule 4),
    /// otherwise it ends the token.
    held_separator: bool,
}

impl<F: FnMut(&str)> Sink for TokenSink<'_, F> {
    #[inline]
    fn push(&mut self, c: char, _orig: u32) {
        if std::mem::take(&mut self.held_separator) && !c.is_ascii_digit() {
            self.builder.end(&mut self.f);
        }
        if c == '\u{066C}' && self.last.is_some_and(|l| l.is_ascii_digit()) {
            self.held_separator = true;
        } else {
            self.builder.push(c, &mut self.f);
        }
        self.last = Some(c);
    }
    #[inline]
    fn last(&self) -> Option<char> {
        self.last
    }
    #[inline]
    fn pop(&mut self) {
        // Only spaces are popped, and they end tokens anyway.
    }
    fn finish(&mut self, _saw_separator: bool) {
        self.held_separator = false;
        self.builder.end(&mut self.f);
    }
}

/// Calls `f` with the L2 tokens of raw `text`, exactly as
/// `for_each_token(&canonical(text), ..)` would, in one pass without
/// building the L1 text. In the rare case where one pass is not enough for
/// L1, `reset` is called and the tokens are produced again the slow way: the
/// caller drops what it received before the reset.
pub fn for_each_matching_token(
    text: &str,
    builder: &mut TokenBuilder,
    l1: &mut String,
    mut f: impl FnMut(&str),
    mut reset: impl FnMut(),
) {
    if super::fast::words(text, l1, &mut f) {
        return;
    }
    reset();
    builder.end(&mut |_| {});
    let mut sink = TokenSink { builder, f: &mut f, last: None, held_separator: false };
    let risky = pass(text.char_indices().map(|(o, c)| (c, o as u32)), &mut sink);
    if risky {
        reset();
        canonical_into(text, l1);
        for_each_token(l1, builder, f);
    }
}

/// Rule 4's context-dependent part: returns the kept characters with their
/// index in `chars`.
fn apply_digit_separators(chars: &[char]) -> Vec<(char, usize)> {
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == '\u{066B}' || c == '\u{066C}' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if before && after {
                if c == '\u{066B}' {
                    out.push(('.', i));
                }
                continue;
            }
        }
        out.push((c, i));
    }
    out
}

// ---------------------------------------------------------------------------
// One pass: NFKC on unstable segments, then the character rules.

/// Runs one pass from `input` into `sink` (which must be empty). Returns true
/// when the output might not be NFKC: an unstable character came right after
/// a deleted one, so the deletion may have made two characters composable.
fn pass<S: Sink>(input: impl Iterator<Item = (char, u32)>, sink: &mut S) -> bool {
    let mut rules = Rules { sink, pending_cr: false, saw_separator: false, after_drop: false, risky: false };
    // The last stable starter, held back in case an unstable character that
    // composes with it follows.
    let mut held: Option<(char, u32)> = None;
    let mut segment = String::new();
    let mut segment_start = 0u32;
    let mut in_segment = false;
    let table = class_table();
    for (c, o) in input {
        match class_in(table, c) {
            STABLE_STARTER => {
                if in_segment {
                    for n in segment.chars().nfkc() {
                        rules.emit_composed(n, segment_start);
                    }
                    in_segment = false;
                } else if let Some((hc, ho)) = held {
                    rules.emit(hc, ho);
                }
                held = Some((c, o));
            }
            TRANSPARENT => {}
            _ => {
                if !in_segment {
                    in_segment = true;
                    segment.clear();
                    match held.take() {
                        Some((hc, ho)) => {
                            segment.push(hc);
                            segment_start = ho;
                        }
                        None => segment_start = o,
                    }
                }
                segment.push(c);
            }
        }
    }
    if in_segment {
        for n in segment.chars().nfkc() {
            rules.emit_composed(n, segment_start);
        }
    } else if let Some((hc, ho)) = held {
        rules.emit(hc, ho);
    }
    rules.finish();
    rules.risky
}

/// Rules 2 to 6, applied to NFKC output one character at a time.
struct Rules<'s, S: Sink> {
    sink: &'s mut S,
    pending_cr: bool,
    saw_separator: bool,
    /// The last character handled was deleted.
    after_drop: bool,
    /// An unstable character was output right after a deletion: the output
    /// may not be NFKC (see the module docs).
    risky: bool,
}

pub(crate) enum Out {
    Drop,
    Space,
    Newline,
    Char(char),
}

#[inline]
pub(crate) fn map_char(c: char) -> Out {
    match c {
        // Rule 2: deletions.
        '\u{0640}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0610}'..='\u{061A}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}'
        | '\u{200B}'..='\u{200F}'
        | '\u{061C}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{2060}' => Out::Drop,
        // Rule 3: spaces and line breaks.
        ' ' | '\t' | '\u{000B}' | '\u{000C}' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}' => {
            Out::Space
        }
        '\n' | '\u{0085}' | '\u{2028}' | '\u{2029}' => Out::Newline,
        c if c.is_control() => Out::Space,
        // Rule 4: digits.
        '\u{0660}'..='\u{0669}' => Out::Char(char::from(b'0' + (c as u32 - 0x0660) as u8)),
        '\u{06F0}'..='\u{06F9}' => Out::Char(char::from(b'0' + (c as u32 - 0x06F0) as u8)),
        // Rule 5: punctuation.
        '\u{060C}' => Out::Char(','),
        '\u{061B}' => Out::Char(';'),
        '\u{061F}' => Out::Char('?'),
        '\u{066A}' => Out::Char('%'),
        '\u{06D4}' => Out::Char('.'),
        '\u{00AB}' | '\u{00BB}' | '\u{201C}' | '\u{201D}' => Out::Char('"'),
        // Rule 6: Persian and Urdu letters.
        '\u{06CC}' | '\u{06D2}' => Out::Char('\u{064A}'),
        '\u{06A9}' | '\u{06AF}' => Out::Char('\u{0643}'),
        '\u{06C0}' | '\u{06C1}' | '\u{06BE}' => Out::Char('\u{0647}'),
        '\u{06C3}' => Out::Char('\u{0629}'),
        '\u{067E}' => Out::Char('\u{0628}'),
        '\u{0686}' => Out::Char('\u{062C}'),
        '\u{0698}' => Out::Char('\u{0632}'),
        '\u{06A4}' => Out::Char('\u{0641}'),
        c => Out::Char(c),
    }
}

impl<S: Sink> Rules<'_, S> {
    #[inline(always)]
    fn emit(&mut self, c: char, orig: u32) {
        // Fast path: letters and digits that no rule touches.
        if matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | 'a'..='z' | 'A'..='Z' | '0'..='9')
            && !self.pending_cr
        {
            self.sink.push(c, orig);
            self.after_drop = false;
            return;
        }
        self.emit_slow(c, orig);
    }

    /// Emits a character produced by NFKC from an unstable segment.
    #[inline]
    fn emit_composed(&mut self, c: char, orig: u32) {
        if self.after_drop && !is_stable_starter(c) {
            self.risky = true;
        }
        self.emit(c, orig);
    }

    fn emit_slow(&mut self, c: char, orig: u32) {
        if c == '\r' {
            self.newline(orig);
            self.pending_cr = true;
            self.after_drop = false;
            return;
        }
        let after_cr = std::mem::replace(&mut self.pending_cr, false);
        if c == '\n' && after_cr {
            return; // the \n of \r\n
        }
        match map_char(c) {
            Out::Drop => {
                self.after_drop = true;
                return;
            }
            Out::Space => match self.sink.last() {
                None | Some(' ') | Some('\n') => {}
                _ => self.sink.push(' ', orig),
            },
            Out::Newline => self.newline(orig),
            Out::Char(m) => {
                if m == '\u{066B}' || m == '\u{066C}' {
                    self.saw_separator = true;
                }
                self.sink.push(m, orig);
            }
        }
        self.after_drop = false;
    }

    fn newline(&mut self, orig: u32) {
        if self.sink.last() == Some(' ') {
            self.sink.pop();
        }
        self.sink.push('\n', orig);
    }

    fn finish(&mut self) {
        if self.sink.last() == Some(' ') {
            self.sink.pop();
        }
        self.sink.finish(self.saw_separator);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per rule: input, expected L1.
    const RULES: &[(&str, &str, &str)] = &[
        ("nfkc composes hamza", "\u{0627}\u{0654}", "\u{0623}"),
        ("nfkc composes madda", "\u{0627}\u{0653}", "\u{0622}"),
        ("nfkc folds lam-alef ligature", "\u{FEFB}", "\u{0644}\u{0627}"),
        ("nfkc folds lam-alef-hamza ligature", "\u{FEF9}", "\u{0644}\u{0625}"),
        ("nfkc folds presentation forms", "\u{FEB3}\u{FEE0}\u{FE8E}\u{FEE1}", "سلام"),
        ("nfkc folds allah ligature", "\u{FDF2}", "الله"),
        ("tatweel", "مـــرحبا", "مرحبا"),
        ("harakat", "مَرْحَبًا", "مرحبا"),
        ("shadda and sukun", "شدّة مْ", "شدة م"),
        ("superscript alef", "هٰذا", "هذا"),
        ("quranic marks", "ص\u{0610}لى", "صلى"),
        ("small high marks", "ر\u{06D6}ب", "رب"),
        ("extended marks", "ب\u{08F0}ت", "بت"),
        ("zero width chars", "علي\u{200C}مملوك\u{200D}", "عليمملوك"),
        ("bidi controls", "\u{202B}نص\u{202C} \u{2067}x\u{2069}\u{061C}", "نص x"),
        ("bom soft hyphen word joiner", "\u{FEFF}a\u{00AD}b\u{2060}c", "abc"),
        ("nbsp and thin spaces", "a\u{00A0}b\u{2009}c\u{202F}d\u{3000}e", "a b c d e"),
        ("tabs and runs", "a\t\t  b", "a b"),
        ("line breaks", "a \r\nb\rc\u{2028}d", "a\nb\nc\nd"),
        ("trailing space", "  a  ", "a"),
        ("controls", "a\u{0007}b", "a b"),
        ("arabic-indic digits", "٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("persian digits", "۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("decimal separator between digits", "٣٫٥", "3.5"),
        ("decimal separator elsewhere", "أ٫ب", "أ٫ب"),
        ("thousands separator between digits", "١٬٠٠٠", "1000"),
        ("thousands separator elsewhere", "٬١", "٬1"),
        ("arabic comma", "نعم، لا", "نعم, لا"),
        ("arabic semicolon and question", "لماذا؛ كيف؟", "لماذا; كيف?"),
        ("percent", "٥٠٪", "50%"),
        ("urdu full stop", "ختم۔", "ختم."),
        ("guillemets and curly quotes", "«سانا» “فارس”", "\"سانا\" \"فارس\""),
        ("persian yeh and yeh barree", "ی ے", "ي ي"),
        ("keheh and gaf", "ک گ", "ك ك"),
        ("heh forms", "ۀ ہ ھ", "ه ه ه"),
        ("teh marbuta goal", "ۃ", "ة"),
        ("peh tcheh jeh veh", "پ چ ژ ڤ", "ب ج ز ف"),
        ("hamza forms survive l1", "أإآؤئىة", "أإآؤئىة"),
        ("latin case survives l1", "Reuters AFP", "Reuters AFP"),
        ("fullwidth latin", "ＡＢＣ", "ABC"),
    ];

    #[test]
    fn every_rule() {
        for (name, input, expected) in RULES {
            assert_eq!(canonical(input), *expected, "rule: {name}");
            assert_eq!(canonical(expected), *expected, "idempotent: {name}");
            assert_eq!(canonical_with_offsets(input).text, *expected, "offsets variant: {name}");
        }
    }

    #[test]
    fn hamza_after_harakah_still_composes() {
        // Fatha (ccc 30) sits between alef and hamza above (ccc 230): NFKC
        // reorders and composes; the fatha is then deleted.
        assert_eq!(canonical("\u{0627}\u{064E}\u{0654}"), "\u{0623}");
    }

    #[test]
    fn deletion_that_joins_hangul_jamo_reaches_a_fixed_point() {
        let s = "\u{1100}\u{0640}\u{1161}";
        let once = canonical(s);
        assert_eq!(once, "\u{AC00}");
        assert_eq!(canonical(&once), once);
    }

    #[test]
    fn offsets_point_into_the_original() {
        let original = "قال: «مرحباً» ١٢";
        let c = canonical_with_offsets(original);
        assert_eq!(c.text.chars().count(), c.offsets.len());
        for (ch, &off) in c.text.chars().zip(&c.offsets) {
            let orig_char = original[off as usize..].chars().next().unwrap();
            if ch.is_alphabetic() {
                assert_eq!(ch, orig_char);
            }
        }
        // The word مرحبا maps back to its original span, harakah included.
        let start = c.text.chars().position(|ch| ch == 'م').unwrap();
        let (from, to) = c.original_range(start, start + 5, original.len());
        assert_eq!(&original[from..to], "مرحباً");
    }
}
