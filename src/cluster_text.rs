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

use crate::attribution::{Agencies, Attribution};
use crate::background::token_key;
use crate::corpus::Corpus;
use crate::date::Published;
use crate::error::Result;
use crate::ids::{ArticleId, DocIdx};
use crate::input::{Article, Inputs};
use crate::normalize::{Canonical, TokenBuilder, canonical_with_offsets_into, collect_token_spans};
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
    l1_all: String,
    /// Per token of the current line: L1 byte start, original byte range.
    scratch: Vec<(usize, Range<usize>)>,
    /// The current line's tokens: form in `surfaces`, L1 byte range.
    spans: Vec<(Range<u32>, Range<usize>)>,
    /// The current line's L1 form and offsets.
    canon: Canonical,
}

impl Builder {
    /// Ends the sentence of the current line's words `from..` (if any);
    /// `first_token` is the line's first word.
    fn close_sentence(&mut self, field: Field, from: usize, first_token: usize) {
        let to = self.tokens.len();
        if to > from {
            let (start, end) = (self.tokens[from].start, self.tokens[to - 1].end);
            let bytes = self.scratch[from - first_token].1.start..self.scratch[to - 1 - first_token].1.end;
            self.sentences.push(Sentence { field, tokens: from..to, start, end, bytes });
        }
    }

    /// Adds one line of a field: `line` is `field_text[range]`.
    fn line(
        &mut self,
        field: Field,
        field_text: &str,
        range: Range<usize>,
        chars: &mut Chars<'_>,
        tb: &mut TokenBuilder,
    ) {
        let line = &field_text[range.clone()];
        let mut canon = std::mem::take(&mut self.canon);
        canonical_with_offsets_into(line, &mut canon);
        let l1 = &canon.text;
        self.l1_all.push_str(l1);
        self.l1_all.push('\n');
        // Sentence breaks and quotation marks, as L1 byte offsets.
        let bytes = l1.as_bytes();
        // (ASCII bytes are never part of a longer character.)
        let breaks: Vec<usize> = memchr::memchr3_iter(b'.', b'!', b'?', bytes)
            .filter(|&i| {
                !(bytes[i] == b'.'
                    && i > 0
                    && bytes[i - 1].is_ascii_digit()
                    && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()))
            })
            .collect();
        let marks: Vec<usize> = memchr::memchr_iter(b'"', bytes).collect();
        let first_token = self.tokens.len();
        let mut sentence_from = self.tokens.len();
        let mut next_break = 0;
        // L1 byte offset -> L1 char index, by a cursor (tokens come in order).
        let mut l1_chars = Chars { s: l1, byte: 0, char: 0 };
        self.scratch.clear();
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        collect_token_spans(l1, tb, &mut self.surfaces, &mut spans);
        for (surface, r) in spans.drain(..) {
            while next_break < breaks.len() && breaks[next_break] < r.start {
                self.close_sentence(field, sentence_from, first_token);
                sentence_from = self.tokens.len();
                next_break += 1;
            }
            let from_char = l1_chars.at(r.start);
            let to_char = l1_chars.at(r.end);
            let (ob, oe) = canon.original_range(from_char, to_char, line.len());
            let start = chars.at(range.start + ob);
            let end = chars.at(range.start + oe);
            self.scratch.push((r.start, range.start + ob..range.start + oe));
            self.tokens.push(Tok {
                key: token_key(&self.surfaces[surface.start as usize..surface.end as usize]),
                surface,
                field,
                start,
                end,
            });
        }
        self.spans = spans;
        self.close_sentence(field, sentence_from, first_token);
        // Quotes: words between the 1st and 2nd mark, 3rd and 4th, ...
        for pair in marks.chunks_exact(2) {
            let inside: Vec<usize> = self
                .scratch
                .iter()
                .enumerate()
                .filter(|(_, (s, _))| *s > pair[0] && *s < pair[1])
                .map(|(k, _)| k)
                .collect();
            if inside.len() >= 3 {
                let (a, b) = (inside[0], inside[inside.len() - 1]);
                let text = field_text[self.scratch[a].1.start..self.scratch[b].1.end].to_string();
                let (a, b) = (first_token + a, first_token + b + 1);
                let (start, end) = (self.tokens[a].start, self.tokens[b - 1].end);
                self.quotes.push(QuoteSpan { field, tokens: a..b, start, end, text });
            }
        }
        self.canon = canon;
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
        l1_all: String::new(),
        scratch: Vec::new(),
        spans: Vec::new(),
        canon: Canonical::default(),
    };
    let mut tb = TokenBuilder::default();
    let title: &str = &article.title;
    let text: &str = &article.text;
    let mut chars = Chars { s: title, byte: 0, char: 0 };
    b.line(Field::Title, title, 0..title.len(), &mut chars, &mut tb);
    let mut chars = Chars { s: text, byte: 0, char: 0 };
    for r in &kept {
        b.line(Field::Text, text, r.clone(), &mut chars, &mut tb);
    }
    MemberText {
        doc,
        id: article.id.clone(),
        source: article.source.as_ref().map(|s| s.to_string()),
        published: article.published,
        title: title.to_string(),
        text: text.to_string(),
        kept_lines: kept,
        tokens: b.tokens,
        surfaces: b.surfaces,
        sentences: b.sentences,
        quotes: b.quotes,
        // An outlet naming itself (a sign-off, an appeal) is not citing.
        attributions: agencies
            .find(&b.l1_all)
            .into_iter()
            .filter(|a| article.source.as_deref().is_none_or(|own| !a.agency.eq_ignore_ascii_case(own)))
            .collect(),
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
