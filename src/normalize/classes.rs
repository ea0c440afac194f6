//! What L1 and L2 do with each character of raw text, as one table, for
//! readers that walk raw bytes and need every word's place in the original
//! (the texts of story members, [`crate::cluster_text`]).
//!
//! Most characters of news text do the same wherever they stand: L1 keeps
//! or maps them, deletes them or turns them into a space, and L2 either
//! appends them, folded, to the word being read or ends it. Such a
//! character gets a [`Class`]; the others (line breaks, digit separators,
//! characters NFKC may change or replace in context, token characters L2
//! folds to more than one character or recomposes) are
//! [`Class::Context`], and a reader that meets one hands the line to the
//! general path. The classes come from the rule functions themselves
//! (`l1_fast::alone`, `l2::plain_token_char`), so they cannot drift apart
//! from the general path; `cluster_text`'s proptest compares the readings.

use super::l1_fast::{Alone, alone};
use super::l2::{is_token_char, plain_token_char};
use std::sync::OnceLock;

/// What a character of raw text is to L1 and L2, wherever it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// L1 outputs a token character: `folded` is its L2 form (one
    /// character); `numeric`: a one-character token of it is kept;
    /// `ascii_digit`: L1 outputs an ASCII digit.
    Letter {
        /// Its L2 form.
        folded: char,
        /// A one-character token of it is kept.
        numeric: bool,
        /// L1 outputs an ASCII digit.
        ascii_digit: bool,
    },
    /// L1 outputs this character, which is neither a token character nor a
    /// space.
    Other(char),
    /// A space (L1 outputs one after anything but a space, unless it is last).
    Space,
    /// Replaced by a space (a no-break space): a [`Class::Space`] whose
    /// offset is that of the last character before it that is no
    /// [`Class::Mark`] (the segment NFKC reads it with).
    SegmentSpace,
    /// L1 outputs nothing for it.
    Nothing,
    /// L1 outputs nothing for it, a mark (harakat, marks that never
    /// compose): it belongs to the segment of the character before it.
    Mark,
    /// What it becomes depends on its neighbours.
    Context,
}

/// The [`Class`] of `c`.
pub fn class_of(c: char) -> Class {
    match alone(c) {
        Alone::Out(m) if is_token_char(m) => match plain_token_char(m) {
            Some((folded, numeric)) => Class::Letter { folded, numeric, ascii_digit: m.is_ascii_digit() },
            None => Class::Context,
        },
        Alone::Out(m) => Class::Other(m),
        Alone::Space => Class::Space,
        Alone::SegmentSpace => Class::SegmentSpace,
        Alone::Nothing => Class::Nothing,
        Alone::Mark => Class::Mark,
        Alone::Context => Class::Context,
    }
}

/// The [`Class`] of every one- and two-byte character (U+0000–U+07FF:
/// ASCII, Latin, Arabic and its supplement).
pub fn short_classes() -> &'static [Class; 0x800] {
    static TABLE: OnceLock<[Class; 0x800]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|cp| class_of(char::from_u32(cp as u32).expect("BMP"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_news_characters() {
        assert_eq!(class_of('ب'), Class::Letter { folded: 'ب', numeric: false, ascii_digit: false });
        // Alef with hamza folds to bare alef; Arabic-Indic digits become ASCII.
        assert_eq!(class_of('أ'), Class::Letter { folded: 'ا', numeric: false, ascii_digit: false });
        assert_eq!(class_of('٣'), Class::Letter { folded: '3', numeric: true, ascii_digit: true });
        assert_eq!(class_of('A'), Class::Letter { folded: 'a', numeric: false, ascii_digit: false });
        assert_eq!(class_of('«'), Class::Other('"'));
        assert_eq!(class_of('؟'), Class::Other('?'));
        assert_eq!(class_of(' '), Class::Space);
        assert_eq!(class_of('\t'), Class::Space);
        // Harakat and tatweel are deleted; harakat with the letter before.
        assert_eq!(class_of('\u{064E}'), Class::Mark);
        assert_eq!(class_of('\u{0640}'), Class::Nothing);
        assert_eq!(class_of('\u{00A0}'), Class::SegmentSpace);
        // Line breaks, digit separators, the ellipsis and composing marks
        // depend on their neighbours.
        for c in ['\n', '\r', '\u{2028}', '\u{066C}', '\u{066B}', '\u{2026}', '\u{0654}'] {
            assert_eq!(class_of(c), Class::Context, "{c:?}");
        }
        for cp in 0..0x800u32 {
            let c = char::from_u32(cp).expect("BMP");
            assert_eq!(short_classes()[cp as usize], class_of(c));
        }
    }
}
