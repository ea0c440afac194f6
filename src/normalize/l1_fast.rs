//! The byte-level fast path of L1 ([`super::canonical`] and
//! [`super::canonical_with_offsets`]).
//!
//! For a text without *unstable* characters (those NFKC may change in
//! context; see `l1`) and without the digit separators ٫ ٬ (whose fate
//! depends on the digits around them), the general path reduces to a
//! per-character map with a little state: the harakat it skips before
//! composition, rule 2's deletions, rule 3's space runs and line breaks, and
//! the character maps of rules 4 to 6. This path applies exactly that state
//! machine to the UTF-8 bytes, copying runs of characters that L1 leaves
//! alone in one go instead of decoding and re-encoding each.
//!
//! Two kinds of unstable character act the same in any context, and are
//! handled here too (the L2 fast path makes the same argument):
//! - Arabic marks that L1 deletes and that never compose (everything rule 2
//!   deletes in U+0600–U+08FF except U+0653–U+0655): deleted;
//! - starters that never compose and whose NFKC is made of stable starters
//!   that L1 keeps, maps, deletes or turns into spaces (the no-break space,
//!   the ellipsis, presentation forms): replaced by their NFKC. The general
//!   path normalizes such a character together with the stable starter
//!   before it, so what it becomes points at that starter in the offsets;
//!   so it does here.
//!
//! The tables are computed from the general path's own rule functions
//! (`map_char`, `is_stable_starter`), so the two cannot drift apart, and a
//! proptest checks that they agree on arbitrary text, offsets included. At
//! the first character it cannot handle, the fast path gives up and the
//! caller takes the general path.

use super::l1::{Out, is_inert_mark, is_isolated_starter, is_stable_starter, map_char};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// What L1 does with one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// Output unchanged.
    Keep,
    /// Output as this character.
    Map(char),
    /// Skipped before the rules see it (harakat U+064B–U+0652, U+0670).
    Transparent,
    /// Deleted by rule 2.
    Drop,
    /// An unstable mark deleted by rule 2 that never composes.
    DropMark,
    /// A space (rule 3).
    Space,
    /// A line break other than `\n` and `\r` (rule 3).
    Newline,
    /// An unstable starter that never composes: replaced by its NFKC, whose
    /// characters are all [`Act::Keep`], [`Act::Map`], [`Act::Drop`] or
    /// [`Act::Space`].
    Replace,
    /// The fast path cannot tell: unstable, or a digit separator.
    GiveUp,
}

/// The act of a stable starter.
fn stable_act(c: char) -> Act {
    match map_char(c) {
        Out::Drop => Act::Drop,
        Out::Space => Act::Space,
        Out::Newline => Act::Newline,
        Out::Char('\u{066B}' | '\u{066C}') => Act::GiveUp,
        Out::Char(m) if m == c => Act::Keep,
        Out::Char(m) => Act::Map(m),
    }
}

fn act_of(c: char) -> Act {
    if matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}') {
        return Act::Transparent;
    }
    if is_stable_starter(c) {
        return stable_act(c);
    }
    if is_inert_mark(c) {
        return Act::DropMark;
    }
    let inert = is_isolated_starter(c)
        && std::iter::once(c)
            .nfkc()
            .all(|d| is_stable_starter(d) && matches!(stable_act(d), Act::Keep | Act::Map(_) | Act::Drop | Act::Space));
    if inert { Act::Replace } else { Act::GiveUp }
}

/// What L1 does with a character wherever it stands, for readers of raw
/// text that handle only such characters ([`super::classes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alone {
    /// Output as this character.
    Out(char),
    /// A space: output unless at the start, after a space or a line break,
    /// or last (before a line break or at the end).
    Space,
    /// Replaced by a space (a no-break space), output as [`Alone::Space`] is,
    /// but at the offset of the segment it joins: the last character before
    /// it that is no mark, deleted or not (see [`walk`]).
    SegmentSpace,
    /// Output as nothing; a new segment starts at it.
    Nothing,
    /// Output as nothing, and part of the segment before it (a mark).
    Mark,
    /// Its output depends on what is around it (line breaks, digit
    /// separators, characters NFKC may change in context or replaces by
    /// more than a space).
    Context,
}

/// [`Alone`] of `c`.
pub(crate) fn alone(c: char) -> Alone {
    if matches!(c, '\r' | '\n') {
        // Line breaks: `\r\n` is one, and a space before one is dropped
        // ([`walk`] reads them before their act).
        return Alone::Context;
    }
    match act_of(c) {
        Act::Keep => Alone::Out(c),
        Act::Map(m) => Alone::Out(m),
        Act::Drop => Alone::Nothing,
        Act::Transparent | Act::DropMark => Alone::Mark,
        Act::Space => Alone::Space,
        Act::Replace if std::iter::once(c).nfkc().all(|d| stable_act(d) == Act::Space) => Alone::SegmentSpace,
        Act::Newline | Act::Replace | Act::GiveUp => Alone::Context,
    }
}

/// Acts of the two-byte characters U+0080–U+07FF (Latin-1, with the
/// no-break space, to Arabic and its supplement).
fn two_byte_table() -> &'static [Act; 0x780] {
    static TABLE: OnceLock<[Act; 0x780]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| act_of(char::from_u32(0x80 + i as u32).expect("BMP"))))
}

fn ascii_table() -> &'static [Act; 128] {
    static TABLE: OnceLock<[Act; 128]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| act_of(i as u8 as char)))
}

/// The last character output, as far as rule 3 cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Space,
    Newline,
    Other,
}

/// Where the fast path's output goes: the L1 characters, in order, each
/// with the byte offset in the text it came from.
pub trait L1Sink {
    /// The characters of `text[from..to]`, which L1 leaves as they are
    /// (each at its own offset; the run may end with a space).
    fn run(&mut self, text: &str, from: usize, to: usize);
    /// One character, from the one at offset `at`.
    fn push(&mut self, c: char, at: usize);
    /// Takes back the last character output, a space (rule 3 drops a space
    /// before a line break and at the end).
    fn pop_space(&mut self);
}

/// The L1 text itself, and with `OFFSETS` each character's offset.
struct TextSink<'o, const OFFSETS: bool> {
    out: &'o mut String,
    offsets: &'o mut Vec<u32>,
}

impl<const OFFSETS: bool> L1Sink for TextSink<'_, OFFSETS> {
    #[inline(always)]
    fn run(&mut self, text: &str, from: usize, to: usize) {
        let run = &text[from..to];
        self.out.push_str(run);
        if OFFSETS {
            self.offsets
                .extend(run.bytes().enumerate().filter(|&(_, b)| (b as i8) >= -0x40).map(|(k, _)| (from + k) as u32));
        }
    }

    #[inline(always)]
    fn push(&mut self, c: char, at: usize) {
        self.out.push(c);
        if OFFSETS {
            self.offsets.push(at as u32);
        }
    }

    fn pop_space(&mut self) {
        self.out.pop();
        if OFFSETS {
            self.offsets.pop();
        }
    }
}

/// The output being built, into `sink`.
struct Out1<'o, S: L1Sink> {
    text: &'o str,
    sink: &'o mut S,
    /// Start of the run of unchanged characters not yet copied.
    run: usize,
    last: Last,
}

impl<S: L1Sink> Out1<'_, S> {
    /// Copies the pending run `self.run..to` of unchanged characters.
    #[inline(always)]
    fn flush(&mut self, to: usize) {
        if self.run < to {
            self.sink.run(self.text, self.run, to);
        }
    }

    /// Ends the run before the character at `at..next`, which is not
    /// copied as it is.
    #[inline(always)]
    fn cut(&mut self, at: usize, next: usize) {
        self.flush(at);
        self.run = next;
    }

    #[inline(always)]
    fn push(&mut self, c: char, at: usize) {
        self.sink.push(c, at);
    }

    /// Drops a trailing space (the run is already flushed).
    fn pop_space(&mut self) {
        if self.last == Last::Space {
            self.sink.pop_space();
        }
    }

    /// A line break from the character at `at..next`.
    fn newline(&mut self, at: usize, next: usize) {
        self.cut(at, next);
        self.pop_space();
        self.push('\n', at);
        self.last = Last::Newline;
    }

    /// A space (the run is already cut) pointing at `orig`: output unless
    /// at the start, or after a space or a line break.
    fn space(&mut self, orig: usize) {
        if self.last == Last::Other {
            self.push(' ', orig);
            self.last = Last::Space;
        }
    }
}

/// Writes the L1 form of `text` to `out` (and with `OFFSETS`, each output
/// character's byte offset in `text` to `offsets`) and returns true, or
/// returns false when `text` needs the general path (the outputs are then
/// partial).
pub(crate) fn canonical<const OFFSETS: bool>(text: &str, out: &mut String, offsets: &mut Vec<u32>) -> bool {
    walk(text, &mut TextSink::<OFFSETS> { out, offsets })
}

/// Hands the L1 form of `text` to `sink`, a character (or a run of
/// unchanged characters) at a time with their offsets, and returns true; or
/// returns false when `text` needs the general path (the sink has then
/// received part of the output).
#[inline]
pub fn walk<S: L1Sink>(text: &str, sink: &mut S) -> bool {
    let ascii = ascii_table();
    let two_byte = two_byte_table();
    let bytes = text.as_bytes();
    let mut o = Out1 { text, sink, run: 0, last: Last::Nothing };
    // A `\r` was just output as a line break: a `\n` right after it is part
    // of it.
    let mut pending_cr = false;
    // Where the general path's NFKC segment would start: the last stable
    // starter, else the first character of a leading unstable run.
    let mut segment: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        // The common case first: a run of characters kept as they are, and
        // single spaces between them.
        let (from, mut last_start) = (i, i);
        while i < bytes.len() {
            let b = bytes[i];
            let len = if b < 0x80 {
                // A space is kept after a kept character.
                if ascii[b as usize] == Act::Keep || (b == b' ' && i > from && bytes[i - 1] != b' ') {
                    1
                } else {
                    break;
                }
            } else if b < 0xE0
                && two_byte[((((b & 0x1F) as usize) << 6) | (bytes[i + 1] & 0x3F) as usize) - 0x80] == Act::Keep
            {
                2
            } else {
                break;
            };
            last_start = i;
            i += len;
        }
        if i > from {
            pending_cr = false;
            // The run ends with a kept character or a space after one.
            o.last = if bytes[i - 1] == b' ' { Last::Space } else { Last::Other };
            segment = Some(last_start);
            if i >= bytes.len() {
                break;
            }
        }
        let b = bytes[i];
        let (act, len) = if b < 0x80 {
            match b {
                b'\r' => {
                    o.newline(i, i + 1);
                    pending_cr = true;
                    segment = Some(i);
                    i += 1;
                    continue;
                }
                b'\n' => {
                    if std::mem::take(&mut pending_cr) {
                        o.cut(i, i + 1);
                    } else if o.last == Last::Space {
                        o.newline(i, i + 1);
                    } else {
                        o.last = Last::Newline;
                    }
                    segment = Some(i);
                    i += 1;
                    continue;
                }
                _ => (ascii[b as usize], 1),
            }
        } else if b < 0xE0 {
            // U+0080–U+07FF: two bytes, 110xxxxx 10xxxxxx.
            let cp = (((b & 0x1F) as u32) << 6) | (bytes[i + 1] & 0x3F) as u32;
            (two_byte[(cp - 0x80) as usize], 2)
        } else {
            let c = text[i..].chars().next().expect("char boundary");
            (act_of(c), c.len_utf8())
        };
        // Whatever the rules see ends a `\r\n` pair.
        if act != Act::Transparent {
            pending_cr = false;
        }
        match act {
            Act::Keep => o.last = Last::Other,
            Act::Map(m) => {
                o.cut(i, i + len);
                o.push(m, i);
                o.last = Last::Other;
            }
            Act::Transparent => {
                // Not seen by the rules, nor by NFKC segmentation.
                o.cut(i, i + len);
                i += len;
                continue;
            }
            Act::Drop => {
                o.cut(i, i + len);
            }
            Act::DropMark => {
                // Unstable: part of the segment of the starter before it.
                o.cut(i, i + len);
                segment.get_or_insert(i);
                i += len;
                continue;
            }
            Act::Space => {
                if o.last == Last::Other && b == b' ' {
                    o.last = Last::Space;
                } else {
                    o.cut(i, i + len);
                    o.space(i);
                }
            }
            Act::Newline => {
                o.newline(i, i + len);
            }
            Act::Replace => {
                o.cut(i, i + len);
                let at = *segment.get_or_insert(i);
                let c = text[i..].chars().next().expect("char boundary");
                for d in std::iter::once(c).nfkc() {
                    match stable_act(d) {
                        Act::Keep => o.push(d, at),
                        Act::Map(m) => o.push(m, at),
                        Act::Space => {
                            o.space(at);
                            continue;
                        }
                        _ => continue,
                    }
                    o.last = Last::Other;
                }
                i += len;
                continue;
            }
            Act::GiveUp => return false,
        }
        segment = Some(i);
        i += len;
    }
    o.flush(bytes.len());
    o.pop_space();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::l1::canonical_general;

    /// Texts the fast path takes, each checked against the general path
    /// (text and offsets).
    #[test]
    fn agrees_with_the_general_path_where_it_applies() {
        let texts = [
            "قال الوزير:  «نعم»، ثم غادر.\r\nسطر\rآخر\u{2028}ثالث ",
            "مَرْحَبًا بِكُمْ ـــ هنا",
            // No-break spaces: after a letter, at the start, after a tatweel
            // and a mark, in a run.
            "\u{00A0}كلمة\u{00A0}\u{00A0}أخرى ـ\u{00A0}x ب\u{0610}\u{00A0}y",
            // Ellipsis, presentation forms and a ligature.
            "انتظر\u{2026} \u{FEB3}\u{FEE0}\u{FE8E}\u{FEE1} \u{FEFB} \u{FDFA}",
            // Marks that never compose, at the start and after a break.
            "\u{0610}\u{0611}ب\n\u{0656}ت \r\u{0610}\n",
            "Persian ی ک ۀ digits ٣٤ ۵ percent ٪ and “quotes”",
            "\u{0007}tab\there  \n  end  ",
        ];
        for text in texts {
            let (mut out, mut offsets) = (String::new(), Vec::new());
            assert!(canonical::<true>(text, &mut out, &mut offsets), "fast path taken: {text:?}");
            let general = canonical_general(text);
            assert_eq!(out, general.text, "{text:?}");
            assert_eq!(offsets, general.offsets, "{text:?}");
        }
    }

    /// Digit separators and composing marks are left to the general path.
    #[test]
    fn gives_up_where_context_matters() {
        for text in ["٣٫٥", "١٬٠٠٠", "ا\u{0654}", "e\u{0301}", "\u{1100}\u{1161}"] {
            assert!(!canonical::<false>(text, &mut String::new(), &mut Vec::new()), "{text:?}");
        }
    }
}
