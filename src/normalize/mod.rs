//! Text normalization, in the three levels of DESIGN section 3.
//!
//! - [`canonical`] (L1): for display, dates, numbers and quotes.
//! - [`for_each_token`] over L1 text (L2): tokens for shingles and token
//!   statistics.
//! - [`stem`] (L3): light stems of L2 tokens, for event similarity.
//!
//! Each level is a pure, idempotent function of the text. [`VERSION`] is part
//! of the signature scheme ([`crate::scheme`]): any change to the output of
//! these functions must bump it, and the golden signature test will insist.

mod classes;
mod fast;
mod l1;
mod l1_fast;
mod l2;
mod l3;

pub use classes::{Class, class_of, short_classes};
pub use fast::{WordSink, words as matching_words};
pub use l1::{
    Canonical, canonical, canonical_into, canonical_with_offsets, canonical_with_offsets_into, deletes,
    for_each_matching_token,
};
pub use l1_fast::{L1Sink, walk as walk_canonical};
pub use l2::{TokenBuilder, WordSpans, fold_char, for_each_token, is_token_char, tokens, word_form};
pub use l3::{STEMMER, stem};

/// Version of the L1 + L2 rules; part of the scheme fingerprint.
pub const VERSION: u32 = 1;

/// The L2 tokens of raw text (L1 then L2).
pub fn matching_tokens(text: &str) -> Vec<String> {
    tokens(&canonical(text))
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn fused_tokens(s: &str) -> Vec<String> {
        let fused = std::cell::RefCell::new(Vec::new());
        let (mut b, mut l1) = (TokenBuilder::default(), String::new());
        for_each_matching_token(
            s,
            &mut b,
            &mut l1,
            |t| fused.borrow_mut().push(t.to_owned()),
            || fused.borrow_mut().clear(),
        );
        fused.into_inner()
    }

    /// Text biased towards the characters the rules care about, mixed with
    /// arbitrary Unicode.
    fn arabic_heavy() -> impl Strategy<Value = String> {
        let interesting = prop_oneof![
            3 => proptest::char::range('\u{0600}', '\u{06FF}'),
            1 => proptest::char::range('\u{08A0}', '\u{08FF}'),
            1 => proptest::char::range('\u{FB50}', '\u{FDFF}'),
            1 => proptest::char::range('\u{FE70}', '\u{FEFF}'),
            1 => proptest::char::range('\u{2000}', '\u{206F}'),
            1 => proptest::char::range('\u{1100}', '\u{11FF}'),
            1 => proptest::char::range('\u{0300}', '\u{036F}'),
            2 => proptest::char::range(' ', '~'),
            1 => proptest::char::range('\u{0080}', '\u{024F}'),
            1 => prop_oneof![Just('\u{00A0}'), Just('\u{2026}'), Just('\u{066C}'), Just('\u{0654}'), Just('\u{0656}')],
            1 => Just('\n'),
            1 => Just('\r'),
            2 => any::<char>(),
        ];
        proptest::collection::vec(interesting, 0..60).prop_map(|v| v.into_iter().collect())
    }

    #[test]
    fn fused_tokens_follow_the_context_rules() {
        for s in ["١٬٠٠٠ و٣٫٥ و٬٣", "1٬ 2 1٬", "a1٬2b ٬", "\u{1100}\u{0640}\u{1161} كلمة", "T\u{308}X ﻻ", "سطر\r\nسطر"]
        {
            assert_eq!(fused_tokens(s), matching_tokens(s), "{s:?}");
        }
        assert_eq!(fused_tokens("١٬٠٠٠"), ["1000"]);
    }

    /// Words the plain way: runs of token characters, over chars.
    fn plain_words(s: &str) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
            match (is_token_char(c), start) {
                (true, None) => start = Some(i),
                (false, Some(from)) => {
                    out.push(from..i);
                    start = None;
                }
                _ => {}
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The byte-level word scanner finds the plain runs of token
        /// characters.
        #[test]
        fn word_spans_are_runs_of_token_chars(s in arabic_heavy()) {
            prop_assert_eq!(WordSpans::new(&s).collect::<Vec<_>>(), plain_words(&s));
        }

        /// The byte-level L1 fast path, when it takes a text, writes what
        /// the general path writes, offsets included.
        #[test]
        fn l1_fast_path_matches_the_general_path(s in arabic_heavy(), t in any::<String>()) {
            for s in [s, t] {
                let general = l1::canonical_general(&s);
                prop_assert_eq!(&canonical_with_offsets(&s), &general);
                prop_assert_eq!(canonical(&s), general.text);
            }
        }

        #[test]
        fn l1_is_idempotent_on_any_unicode(s in any::<String>()) {
            let once = canonical(&s);
            prop_assert_eq!(canonical(&once), once);
        }

        #[test]
        fn l1_is_idempotent_on_arabic_heavy_text(s in arabic_heavy()) {
            let once = canonical(&s);
            prop_assert_eq!(canonical(&once), once.clone());
            let mapped = canonical_with_offsets(&s);
            prop_assert_eq!(&mapped.text, &once);
            prop_assert_eq!(mapped.text.chars().count(), mapped.offsets.len());
            for &o in &mapped.offsets {
                prop_assert!((o as usize) < s.len().max(1));
                prop_assert!(s.is_char_boundary(o as usize));
            }
        }

        #[test]
        fn l2_is_idempotent(s in arabic_heavy()) {
            let once = matching_tokens(&s);
            prop_assert_eq!(matching_tokens(&once.join(" ")), once);
        }

        /// The story features tokenize pieces of L1 text (split at quotation
        /// marks) with the one-pass tokenizer of raw text.
        #[test]
        fn fused_tokens_of_l1_pieces_are_their_l2_tokens(s in arabic_heavy()) {
            let l1 = canonical(&s);
            for piece in l1.split('"') {
                prop_assert_eq!(fused_tokens(piece), tokens(piece));
            }
        }

        #[test]
        fn fused_tokens_equal_l1_then_l2(s in arabic_heavy()) {
            prop_assert_eq!(fused_tokens(&s), matching_tokens(&s));
        }

        #[test]
        fn fused_tokens_equal_l1_then_l2_on_any_unicode(s in any::<String>()) {
            prop_assert_eq!(fused_tokens(&s), matching_tokens(&s));
        }

        #[test]
        fn l2_is_idempotent_on_any_unicode(s in any::<String>()) {
            let once = matching_tokens(&s);
            prop_assert_eq!(matching_tokens(&once.join(" ")), once);
        }
    }
}
