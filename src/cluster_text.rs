//! The texts of a story's members, prepared for comparison and display.
//!
//! Each member's title and text are read again and cut, line by line (the
//! text without its boilerplate lines), into words: L2 tokens with their L3
//! stem keys and their **character offsets in the original field** (Unicode
//! scalar values, as Python indexes strings), found through the L1 offset map
//! ([`crate::normalize::canonical_with_offsets`]). Words are grouped into
//! sentences (at `.`, `!`, `?` and line ends, after L1 has mapped the Arabic
//! forms) and quoted spans (between quotation marks, within a line), and the
//! agencies the member cites are found ([`crate::attribution`]).

use crate::attribution::{Agencies, Attribution, WordStream};
use crate::background::token_key;
use crate::corpus::Corpus;
use crate::date::Published;
use crate::error::Result;
use crate::ids::{ArticleId, DocIdx};
use crate::input::{Article, Inputs};
use crate::normalize::{Canonical, TokenBuilder, canonical_with_offsets_into, is_token_char};
use crate::progress::Progress;
use serde::Serialize;
use std::ops::Range;

/// Which field of an article a span is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The headline.
    Title,
    /// The body.
    Text,
}

/// A word of a member.
#[derive(Debug, Clone, PartialEq)]
pub struct Tok {
    /// L3 stem key.
    pub key: u64,
    /// L2 form: bytes of [`MemberText::surfaces`] (see
    /// [`MemberText::surface`]).
    pub surface: Range<u32>,
    /// Field it is in.
    pub field: Field,
    /// Character offsets in that field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
}

/// A sentence: a run of words.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// Field it is in.
    pub field: Field,
    /// Its words (indices into the member's words).
    pub tokens: Range<usize>,
    /// Character offsets in the field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The same span as byte offsets in the field.
    pub bytes: Range<usize>,
}

/// A quoted span.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteSpan {
    /// Field it is in.
    pub field: Field,
    /// Its words.
    pub tokens: Range<usize>,
    /// Character offsets in the field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// The quotation as written.
    pub text: String,
}

/// One member of a story, prepared.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberText {
    /// The article.
    pub doc: DocIdx,
    /// Its id.
    pub id: ArticleId,
    /// Its outlet.
    pub source: Option<String>,
    /// Its publication time.
    pub published: Option<Published>,
    /// The original title.
    pub title: String,
    /// The original text.
    pub text: String,
    /// Byte ranges of the text's lines that are not boilerplate.
    pub kept_lines: Vec<Range<usize>>,
    /// Words: the title's, then the text's.
    pub tokens: Vec<Tok>,
    /// The L2 forms of the words, one after another (one allocation for a
    /// member, not one per word).
    pub surfaces: String,
    /// Sentences, in order.
    pub sentences: Vec<Sentence>,
    /// Quoted spans, in order.
    pub quotes: Vec<QuoteSpan>,
    /// Agencies cited.
    pub attributions: Vec<Attribution>,
}

impl MemberText {
    /// The L2 form of a word.
    pub fn surface(&self, t: &Tok) -> &str {
        &self.surfaces[t.surface.start as usize..t.surface.end as usize]
    }

    /// The words of one field.
    pub fn field_tokens(&self, field: Field) -> Range<usize> {
        let split = self.tokens.iter().position(|t| t.field == Field::Text).unwrap_or(self.tokens.len());
        match field {
            Field::Title => 0..split,
            Field::Text => split..self.tokens.len(),
        }
    }

    /// The original field.
    pub fn field(&self, field: Field) -> &str {
        match field {
            Field::Title => &self.title,
            Field::Text => &self.text,
        }
    }

    /// A span of a field by character offsets.
    pub fn slice(&self, field: Field, start: usize, end: usize) -> String {
        self.field(field).chars().skip(start).take(end - start).collect()
    }

    /// The text of sentence `s`.
    pub fn sentence_text(&self, s: usize) -> String {
        let sen = &self.sentences[s];
        self.field(sen.field)[sen.bytes.clone()].to_string()
    }
}

/// The prepared members of one story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryText {
    /// Members, in the story's order.
    pub members: Vec<MemberText>,
}

/// Byte offsets to character offsets, for increasing byte offsets (a
/// cursor: each query counts only the characters since the last one).
struct Chars<'s> {
    s: &'s str,
    byte: usize,
    char: usize,
}

impl Chars<'_> {
    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.char = 0;
        }
        self.char += count_chars(&self.s.as_bytes()[self.byte..byte]);
        self.byte = byte;
        self.char
    }
}

/// Characters in valid UTF-8 bytes: the bytes that do not continue one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

struct Builder {
    tokens: Vec<Tok>,
    surfaces: String,
    sentences: Vec<Sentence>,
    quotes: Vec<QuoteSpan>,
    /// The words for agency matching, over every line.
    words: WordStream,
    /// Original byte range of each token of the current line.
    scratch: Vec<Range<usize>>,
    /// Per quotation mark of the current line: the line's tokens before it.
    marks: Vec<usize>,
    /// The current line's L1 form and offsets.
    canon: Canonical,
    tb: TokenBuilder,
}

/// The word being read in [`Builder::line`].
struct Reading {
    /// Its first and last characters (indices in the L1 line).
    first: usize,
    last: usize,
}

impl Builder {
    /// Ends the sentence of the current line's words `from..` (if any);
    /// `first_token` is the line's first word.
    fn close_sentence(&mut self, field: Field, from: usize, first_token: usize) {
        let to = self.tokens.len();
        if to > from {
            let (start, end) = (self.tokens[from].start, self.tokens[to - 1].end);
            let bytes = self.scratch[from - first_token].start..self.scratch[to - 1 - first_token].end;
            self.sentences.push(Sentence { field, tokens: from..to, start, end, bytes });
        }
    }

    /// Adds one line of a field: `line` is `field_text[range]`. The L1 form
    /// of the line and its map back to the original are read once, a
    /// character at a time: words (and their L2 forms), sentence breaks and
    /// quotation marks, and the characters around words for agency
    /// matching.
    fn line(&mut self, field: Field, field_text: &str, range: Range<usize>, chars: &mut Chars<'_>) {
        let line = &field_text[range.clone()];
        let mut canon = std::mem::take(&mut self.canon);
        canonical_with_offsets_into(line, &mut canon);
        let l1 = canon.text.as_bytes();
        let first_token = self.tokens.len();
        let mut sentence_from = first_token;
        // A sentence break (. ! ?, a full stop not between digits) since the
        // last token: the next token starts a sentence.
        let mut broken = false;
        self.scratch.clear();
        self.marks.clear();
        let mut reading: Option<Reading> = None;
        for (i, (at, c)) in canon.text.char_indices().enumerate() {
            if is_token_char(c) {
                match &mut reading {
                    Some(r) => r.last = i,
                    None => reading = Some(Reading { first: i, last: i }),
                }
                self.tb.push(c, &mut |_| unreachable!("a token character does not end a word"));
                continue;
            }
            if let Some(r) = reading.take() {
                self.word(field, r, &canon, range.clone(), chars, &mut broken, &mut sentence_from, first_token);
            }
            self.words.other(c);
            match c {
                '!' | '?' => broken = true,
                '.' => {
                    let digit = |j: Option<usize>| j.and_then(|j| l1.get(j)).is_some_and(u8::is_ascii_digit);
                    broken |= !(digit(at.checked_sub(1)) && digit(Some(at + 1)));
                }
                '"' => self.marks.push(self.tokens.len() - first_token),
                _ => {}
            }
        }
        if let Some(r) = reading.take() {
            self.word(field, r, &canon, range.clone(), chars, &mut broken, &mut sentence_from, first_token);
        }
        self.close_sentence(field, sentence_from, first_token);
        // Quotes: words between the 1st and 2nd mark, 3rd and 4th, ...
        for k in (0..self.marks.len() / 2).map(|k| 2 * k) {
            let (a, b) = (self.marks[k], self.marks[k + 1]);
            if b >= a + 3 {
                let text = field_text[self.scratch[a].start..self.scratch[b - 1].end].to_string();
                let (a, b) = (first_token + a, first_token + b);
                let (start, end) = (self.tokens[a].start, self.tokens[b - 1].end);
                self.quotes.push(QuoteSpan { field, tokens: a..b, start, end, text });
            }
        }
        // Lines are joined by line breaks for agency matching.
        self.words.other('\n');
        self.canon = canon;
    }

    /// The word `r` of the current line ends: its L2 form joins the words
    /// (and the tokens, unless it is a single letter, with its stem and its
    /// place in the original field).
    #[allow(clippy::too_many_arguments)]
    fn word(
        &mut self,
        field: Field,
        r: Reading,
        canon: &Canonical,
        range: Range<usize>,
        chars: &mut Chars<'_>,
        broken: &mut bool,
        sentence_from: &mut usize,
        first_token: usize,
    ) {
        let from = self.surfaces.len() as u32;
        let mut token = false;
        let surfaces = &mut self.surfaces;
        self.tb.end_word(&mut |form, is_token| {
            surfaces.push_str(form);
            token = is_token;
        });
        let surface = from..self.surfaces.len() as u32;
        self.words.word(surface.clone());
        if !token {
            return;
        }
        if std::mem::take(broken) {
            self.close_sentence(field, *sentence_from, first_token);
            *sentence_from = self.tokens.len();
        }
        let (ob, oe) = canon.original_range(r.first, r.last + 1, range.len());
        let (start, end) = (chars.at(range.start + ob), chars.at(range.start + oe));
        self.scratch.push(range.start + ob..range.start + oe);
        let key = token_key(&self.surfaces[surface.start as usize..surface.end as usize]);
        self.tokens.push(Tok { key, surface, field, start, end });
    }
}

/// Prepares one member: `kept` are the byte ranges of its text's lines that
/// are not boilerplate. Agencies named like the member's own outlet are not
/// counted as attributions.
pub fn prepare(doc: DocIdx, article: &Article<'_>, kept: Vec<Range<usize>>, agencies: &Agencies) -> MemberText {
    // About one word in seven bytes of Arabic or English text.
    let words = (article.title.len() + article.text.len()) / 7;
    let mut b = Builder {
        tokens: Vec::with_capacity(words),
        surfaces: String::with_capacity(words * 8),
        sentences: Vec::new(),
        quotes: Vec::new(),
        words: WordStream::default(),
        scratch: Vec::new(),
        marks: Vec::new(),
        canon: Canonical::default(),
        tb: TokenBuilder::default(),
    };
    let title: &str = &article.title;
    let text: &str = &article.text;
    let mut chars = Chars { s: title, byte: 0, char: 0 };
    b.line(Field::Title, title, 0..title.len(), &mut chars);
    let mut chars = Chars { s: text, byte: 0, char: 0 };
    for r in &kept {
        b.line(Field::Text, text, r.clone(), &mut chars);
    }
    MemberText {
        doc,
        id: article.id.clone(),
        source: article.source.as_ref().map(|s| s.to_string()),
        published: article.published,
        title: title.to_string(),
        text: text.to_string(),
        kept_lines: kept,
        // An outlet naming itself (a sign-off, an appeal) is not citing.
        attributions: agencies
            .find_words(b.words.words(), &b.surfaces)
            .into_iter()
            .filter(|a| article.source.as_deref().is_none_or(|own| !a.agency.eq_ignore_ascii_case(own)))
            .collect(),
        tokens: b.tokens,
        surfaces: b.surfaces,
        sentences: b.sentences,
        quotes: b.quotes,
    }
}

/// The prepared texts of stories given by their members (each story of two
/// or more, in the order to measure them), reading those articles again.
pub fn story_texts(
    inputs: &Inputs,
    corpus: &Corpus,
    stories: &[&[DocIdx]],
    progress: &dyn Progress,
) -> Result<Vec<StoryText>> {
    let mut wanted: Vec<DocIdx> = stories.iter().flat_map(|s| s.iter().copied()).collect();
    wanted.sort_unstable();
    let prepared = member_texts(inputs, corpus, &wanted, progress)?;
    let mut by_doc: ahash::AHashMap<DocIdx, MemberText> = wanted.into_iter().zip(prepared).collect();
    Ok(stories
        .iter()
        .map(|s| StoryText { members: s.iter().map(|d| by_doc.remove(d).expect("prepared")).collect() })
        .collect())
}

/// The prepared texts of the articles `docs` (sorted, distinct) of `corpus`,
/// reading them again, with the corpus's boilerplate lines left out.
pub fn member_texts(
    inputs: &Inputs,
    corpus: &Corpus,
    docs: &[DocIdx],
    progress: &dyn Progress,
) -> Result<Vec<MemberText>> {
    let agencies = Agencies::default();
    corpus.par_map_selected(inputs, progress, docs, |doc, article| {
        let kept = corpus.stripper.kept(corpus.slot_of(doc), corpus.source_of(doc), &article.text).lines;
        prepare(doc, article, kept, &agencies)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn offsets_point_into_the_original_fields() {
        let article = Article {
            id: ArticleId::string("x"),
            source: None,
            published: None,
            title: Cow::Borrowed("عنوانٌ قصيرٌ"),
            text: Cow::Borrowed("سطر زائد\nوقال شمخاني، إن «دعمت إيران الحكومةَ السورية في أصعب الظروف». ثم غادر.\n"),
            url: None,
        };
        let kept: Vec<Range<usize>> = std::iter::once(9..article.text.len() - 1).collect();
        let m = prepare(DocIdx(0), &article, kept, &Agencies::default());
        assert_eq!(m.field_tokens(Field::Title).len(), 2);
        for t in &m.tokens {
            let s = m.slice(t.field, t.start, t.end);
            assert!(!s.is_empty() && !s.contains(' '), "{s:?}");
        }
        assert_eq!(m.slice(Field::Title, m.tokens[0].start, m.tokens[0].end), "عنوانٌ");
        assert_eq!(m.quotes.len(), 1);
        assert_eq!(m.quotes[0].text, "دعمت إيران الحكومةَ السورية في أصعب الظروف");
        // Title, then two sentences of the text.
        assert_eq!(m.sentences.len(), 3);
        assert!(m.sentence_text(2).starts_with("ثم"));
        for (s, sen) in m.sentences.iter().enumerate() {
            assert_eq!(m.sentence_text(s), m.slice(sen.field, sen.start, sen.end), "bytes and chars agree");
        }
        assert!(!m.tokens.iter().any(|t| m.surface(t) == "زاءد"), "the boilerplate line is left out");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::normalize::{canonical, matching_tokens};
    use proptest::prelude::*;
    use std::borrow::Cow;

    /// Lines made of pieces news text is made of, with the characters the
    /// offsets and breaks depend on (marks, spaces L1 rewrites, quotation
    /// marks, digits and their separators, presentation forms), and agency
    /// names in and out of context.
    fn line() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(vec![
                "قال", "وكالة", "سانا", "«فارس»", "(إرنا)", "أ ف ب", "فرانس برس", "للأنباء", "على حد وصفها",
                "مَرْحَباً", "الـــحكومة", "Reuters", "AFP", "Télam", "ﻻ", "٣٫٥", "١٬٠٠٠", "27.5", "3.",
            ]).prop_map(String::from),
            3 => proptest::char::range('\u{0621}', '\u{064A}').prop_map(String::from),
            3 => proptest::sample::select(vec![
                " ", " ", "  ", "\u{00A0}", "\u{2026}", ".", "!", "؟", "۔", "،", "\"", "«", "»", "“", "”", "'", "(",
                ")", "\u{0651}", "\u{200F}", "\u{0640}", "\t", "\r", "٬", "٫", "x", "7", "\u{0301}", "\u{FF02}",
            ]).prop_map(String::from),
            1 => any::<char>().prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A member's words are the L2 tokens of its fields; each word's
        /// span in the original field holds that word; its
        /// sentences cover its words in order; and the agencies found while
        /// reading it are those found in its L1 text.
        #[test]
        fn prepared_words_spans_sentences_and_agencies(title in line(), text in line()) {
            let article = Article {
                id: ArticleId::string("x"),
                source: None,
                published: None,
                title: Cow::Borrowed(&title),
                text: Cow::Borrowed(&text),
                url: None,
            };
            let agencies = Agencies::default();
            let m = prepare(DocIdx(0), &article, std::iter::once(0..text.len()).collect(), &agencies);
            let surfaces: Vec<&str> = m.tokens.iter().map(|t| m.surface(t)).collect();
            let mut want = matching_tokens(&title);
            want.extend(matching_tokens(&text));
            prop_assert_eq!(&surfaces, &want);
            // (A span reaches to the next character L1 writes: where NFKC
            // composes across words, as with «＂ﻻ», it may hold a neighbour.)
            for t in &m.tokens {
                let held = matching_tokens(&m.slice(t.field, t.start, t.end));
                prop_assert!(held.iter().any(|w| w == m.surface(t)), "{:?} in {:?}", m.surface(t), held);
            }
            let covered: Vec<usize> = m.sentences.iter().flat_map(|s| s.tokens.clone()).collect();
            prop_assert_eq!(covered, (0..m.tokens.len()).collect::<Vec<_>>());
            for (s, sen) in m.sentences.iter().enumerate() {
                prop_assert_eq!(m.sentence_text(s), m.slice(sen.field, sen.start, sen.end));
            }
            let l1 = format!("{}\n{}\n", canonical(&title), canonical(&text));
            prop_assert_eq!(&m.attributions, &agencies.find(&l1));
        }
    }
}
