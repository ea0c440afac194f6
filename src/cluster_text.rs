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
use crate::normalize::{Canonical, L1Sink, TokenBuilder, canonical_with_offsets_into, is_token_char, walk_canonical};
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
    /// Where the cursor is, for [`Chars::rewind`].
    fn mark(&self) -> (usize, usize) {
        (self.byte, self.char)
    }

    fn rewind(&mut self, (byte, char): (usize, usize)) {
        (self.byte, self.char) = (byte, char);
    }

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
    /// The current line's L1 form and offsets, when the fast path gives up.
    canon: Canonical,
    tb: TokenBuilder,
    /// Read lines through the L1 fast path when it applies (tests compare
    /// both paths).
    fast: bool,
}

impl Builder {
    /// Adds one line of a field: `line` is `field_text[range]`. Its L1
    /// characters, each with the offset in the line it came from, are read
    /// once ([`LineWalk`]): straight from the L1 fast path
    /// ([`crate::normalize::walk_canonical`]), or, when that path gives up,
    /// from the general path's output (what was read of the line is taken
    /// back first).
    fn line(&mut self, field: Field, field_text: &str, range: Range<usize>, chars: &mut Chars<'_>) {
        let line = &field_text[range.clone()];
        let mark = (self.tokens.len(), self.surfaces.len(), self.sentences.len(), self.words.mark(), chars.mark());
        if self.fast {
            let mut walk = LineWalk::new(self, field, range.clone());
            if walk_canonical(line, &mut ChunkedWalk { walk: &mut walk, chars }) {
                walk.finish(field_text, chars);
                return;
            }
        }
        // Rare: back to where the line started, then the general path.
        let (tokens, surfaces, sentences, words, at) = mark;
        self.tokens.truncate(tokens);
        self.surfaces.truncate(surfaces);
        self.sentences.truncate(sentences);
        self.words.rewind(words);
        chars.rewind(at);
        self.tb.end_word(&mut |_, _| {});
        let mut canon = std::mem::take(&mut self.canon);
        canonical_with_offsets_into(line, &mut canon);
        let mut walk = LineWalk::new(self, field, range);
        for (c, &at) in canon.text.chars().zip(&canon.offsets) {
            walk.push(c, at as usize, chars);
        }
        walk.finish(field_text, chars);
        self.canon = canon;
    }
}

/// A line read a character at a time: its L1 characters, in order, each
/// with the byte offset in the line it came from (what
/// [`crate::normalize::canonical_with_offsets`] gives, without building it).
/// Words are L2 tokens of runs of token characters; a token's span in the
/// original runs from its first character to the first later character L1
/// outputs from further on (so deleted marks after a word belong to it), or
/// to the end of the line.
struct LineWalk<'b> {
    b: &'b mut Builder,
    field: Field,
    /// The line's byte range in its field.
    range: Range<usize>,
    first_token: usize,
    first_sentence: usize,
    sentence_from: usize,
    /// A sentence break (. ! ?, a full stop not between digits) since the
    /// last token: the next token starts a sentence.
    broken: bool,
    /// The last character was an ASCII digit.
    after_digit: bool,
    /// A full stop right after a digit: a break unless a digit follows.
    dot_after_digit: bool,
    /// The word being read: offsets of its first and last characters.
    reading: Option<(usize, usize)>,
    /// Tokens whose span's end is not known yet, with their last
    /// character's offset.
    open: Vec<(usize, usize)>,
    /// A space that may still be taken back.
    space: Option<usize>,
}

impl<'b> LineWalk<'b> {
    fn new(b: &'b mut Builder, field: Field, range: Range<usize>) -> Self {
        b.scratch.clear();
        b.marks.clear();
        let first_token = b.tokens.len();
        let first_sentence = b.sentences.len();
        Self {
            b,
            field,
            range,
            first_token,
            first_sentence,
            sentence_from: first_token,
            broken: false,
            after_digit: false,
            dot_after_digit: false,
            reading: None,
            open: Vec::new(),
            space: None,
        }
    }

    /// The next L1 character, from offset `at` of the line.
    #[inline]
    fn push(&mut self, c: char, at: usize, chars: &mut Chars<'_>) {
        if let Some(space) = self.space.take() {
            self.char(' ', space, chars);
        }
        if c == ' ' {
            self.space = Some(at);
        } else {
            self.char(c, at, chars);
        }
    }

    #[inline]
    fn char(&mut self, c: char, at: usize, chars: &mut Chars<'_>) {
        let token_char = is_token_char(c);
        if !token_char && let Some(r) = self.reading.take() {
            self.word(r, chars);
        }
        // Spans of earlier tokens end at the first character from further on.
        while let Some(&(t, last)) = self.open.first() {
            if at <= last {
                break;
            }
            self.end_span(t, at, chars);
            self.open.remove(0);
        }
        if std::mem::take(&mut self.dot_after_digit) && !c.is_ascii_digit() {
            self.broken = true;
        }
        if token_char {
            match &mut self.reading {
                Some((_, last)) => *last = at,
                None => self.reading = Some((at, at)),
            }
            self.b.tb.push(c, &mut |_| unreachable!("a token character does not end a word"));
            self.after_digit = c.is_ascii_digit();
            return;
        }
        self.b.words.other(c);
        match c {
            '!' | '?' => self.broken = true,
            '.' if self.after_digit => self.dot_after_digit = true,
            '.' => self.broken = true,
            '"' => self.b.marks.push(self.b.tokens.len() - self.first_token),
            _ => {}
        }
        self.after_digit = false;
    }

    /// The word read ends: its L2 form joins the words, and the tokens
    /// unless it is a single letter (with its stem and where it starts in
    /// the original field).
    fn word(&mut self, (first, last): (usize, usize), chars: &mut Chars<'_>) {
        let b = &mut *self.b;
        let from = b.surfaces.len() as u32;
        let mut token = false;
        let surfaces = &mut b.surfaces;
        b.tb.end_word(&mut |form, is_token| {
            surfaces.push_str(form);
            token = is_token;
        });
        let surface = from..b.surfaces.len() as u32;
        let key = token.then(|| token_key(&b.surfaces[surface.start as usize..surface.end as usize]));
        b.words.word(surface.clone(), key);
        let Some(key) = key else { return };
        if std::mem::take(&mut self.broken) {
            self.close_sentence();
        }
        let b = &mut *self.b;
        let start = chars.at(self.range.start + first);
        b.scratch.push(self.range.start + first..self.range.start + first);
        b.tokens.push(Tok { key, surface, field: self.field, start, end: start });
        self.open.push((b.tokens.len() - 1, last));
    }

    /// Token `t`'s span ends at offset `at` of the line.
    fn end_span(&mut self, t: usize, at: usize, chars: &mut Chars<'_>) {
        let b = &mut *self.b;
        b.tokens[t].end = chars.at(self.range.start + at);
        b.scratch[t - self.first_token].end = self.range.start + at;
    }

    /// Ends the sentence of the line's tokens from `sentence_from` (if
    /// any); its offsets are filled in when the line ends.
    fn close_sentence(&mut self) {
        let to = self.b.tokens.len();
        if to > self.sentence_from {
            let (field, tokens) = (self.field, self.sentence_from..to);
            self.b.sentences.push(Sentence { field, tokens, start: 0, end: 0, bytes: 0..0 });
        }
        self.sentence_from = to;
    }

    /// The line ends: spans still open reach its end; sentences and quotes
    /// take their offsets.
    fn finish(mut self, field_text: &str, chars: &mut Chars<'_>) {
        if let Some(r) = self.reading.take() {
            self.word(r, chars);
        }
        for (t, _) in std::mem::take(&mut self.open) {
            self.end_span(t, self.range.len(), chars);
        }
        self.close_sentence();
        let (b, first_token) = (self.b, self.first_token);
        for sen in &mut b.sentences[self.first_sentence..] {
            let (from, to) = (sen.tokens.start, sen.tokens.end);
            (sen.start, sen.end) = (b.tokens[from].start, b.tokens[to - 1].end);
            sen.bytes = b.scratch[from - first_token].start..b.scratch[to - 1 - first_token].end;
        }
        // Quotes: words between the 1st and 2nd mark, 3rd and 4th, ...
        for k in (0..b.marks.len() / 2).map(|k| 2 * k) {
            let (x, y) = (b.marks[k], b.marks[k + 1]);
            if y >= x + 3 {
                let text = field_text[b.scratch[x].start..b.scratch[y - 1].end].to_string();
                let (x, y) = (first_token + x, first_token + y);
                let (start, end) = (b.tokens[x].start, b.tokens[y - 1].end);
                b.quotes.push(QuoteSpan { field: self.field, tokens: x..y, start, end, text });
            }
        }
        // Lines are joined by line breaks for agency matching.
        b.words.other('\n');
    }
}

/// Feeds a [`LineWalk`] from the L1 fast path.
struct ChunkedWalk<'w, 'b, 'c, 's> {
    walk: &'w mut LineWalk<'b>,
    chars: &'c mut Chars<'s>,
}

impl L1Sink for ChunkedWalk<'_, '_, '_, '_> {
    #[inline]
    fn run(&mut self, text: &str, from: usize, to: usize) {
        let bytes = text.as_bytes();
        let mut i = from;
        while i < to {
            let b = bytes[i];
            if (0xC2..0xE0).contains(&b) {
                // Inside a word (no space held back after it), with no span
                // waiting for its end, a letter only lengthens the word (most
                // of Arabic text).
                let w = &mut *self.walk;
                if let Some((_, last)) = &mut w.reading
                    && w.space.is_none()
                    && w.open.is_empty()
                    && w.b.tb.continue_with((u32::from(b & 0x1F) << 6) | u32::from(bytes[i + 1] & 0x3F))
                {
                    *last = i;
                    w.after_digit = false;
                    i += 2;
                    continue;
                }
            }
            let c = text[i..].chars().next().expect("char boundary");
            self.walk.push(c, i, self.chars);
            i += c.len_utf8();
        }
    }

    #[inline]
    fn push(&mut self, c: char, at: usize) {
        self.walk.push(c, at, self.chars);
    }

    fn pop_space(&mut self) {
        self.walk.space = None;
    }
}

/// Prepares one member: `kept` are the byte ranges of its text's lines that
/// are not boilerplate. Agencies named like the member's own outlet are not
/// counted as attributions.
pub fn prepare(doc: DocIdx, article: &Article<'_>, kept: Vec<Range<usize>>, agencies: &Agencies) -> MemberText {
    prepare_by(doc, article, kept, agencies, true)
}

/// [`prepare`], reading lines through the L1 fast path where it applies
/// (`fast`) or always through the general path.
fn prepare_by(
    doc: DocIdx,
    article: &Article<'_>,
    kept: Vec<Range<usize>>,
    agencies: &Agencies,
    fast: bool,
) -> MemberText {
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
        fast,
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

        /// A member's words are the L2 tokens of its fields (the same read
        /// through the L1 fast path or the general path); each word's span in
        /// the original field holds that word; its
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
            // Read from the L1 fast path as from the general path's output.
            let general = prepare_by(DocIdx(0), &article, std::iter::once(0..text.len()).collect(), &agencies, false);
            prop_assert_eq!(&m, &general);
        }
    }
}
