//! The texts of a story's members, prepared for comparison and display.
//!
//! Each member's title and text are read again and cut, line by line (the
//! text without its boilerplate lines), into words: L2 tokens with their L3
//! stem keys and their **character offsets in the original field** (Unicode
//! scalar values, as Python indexes strings), found through the L1 offset map
//! ([`crate::normalize::canonical_with_offsets`]). Three paths read a line,
//! each giving up where the next one reads it: raw bytes straight to words,
//! by each character's [`crate::normalize::Class`] (most lines); the L1 fast
//! path's characters; the general path's L1 text. They give the same words,
//! offsets, sentences, quotes and agencies (proptests). Words are grouped into
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
use crate::normalize::{
    Canonical, Class, L1Sink, TokenBuilder, canonical_with_offsets_into, class_of, deletes, is_token_char,
    short_classes, walk_canonical,
};
use crate::progress::Progress;
use rayon::prelude::*;
use serde::Serialize;
use std::ops::Range;
use unicode_normalization::char::canonical_combining_class;

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

/// `at` (a byte of `s`), moved past the characters from there that L1
/// deletes and the combining marks after them. A span ends at the next
/// character L1 outputs from further on; but the characters NFKC makes of
/// an unstable segment all point at the segment's start, which may be a
/// deleted character (a tatweel) whose deletion let a mark after it join
/// the word's last letter (`Reutersـ\u{301}＂`: `ś`, then `"` pointing at
/// the tatweel). The span takes in what was deleted and what joined the
/// word, as it does when offsets are exact.
#[inline]
fn past_deleted(s: &str, mut at: usize) -> usize {
    if s.as_bytes().get(at).is_none_or(|&b| b < 0x80) {
        return at;
    }
    let mut deleted = false;
    for c in s[at..].chars() {
        if deletes(c) {
            deleted = true;
        } else if !(deleted && canonical_combining_class(c) != 0) {
            break;
        }
        at += c.len_utf8();
    }
    at
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
    /// The first path lines are read through (tests compare them).
    path: Path,
}

/// The ways a line is read, fastest first; each gives up on a line the next
/// one reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// Raw bytes to words in one step, for lines whose every character does
    /// the same wherever it stands ([`crate::normalize::Class`]).
    Words,
    /// The L1 fast path's characters ([`crate::normalize::walk_canonical`])
    /// (where [`Path::Words`] gives up, and first in tests).
    #[cfg(test)]
    L1,
    /// The general path's L1 text and offsets.
    General,
}

/// Where a [`Builder`] was before a line, to take back a partial reading.
struct LineMark {
    tokens: usize,
    surfaces: usize,
    sentences: usize,
    words: crate::attribution::WordMark,
    chars: (usize, usize),
}

impl Builder {
    /// An empty builder with room for about `words` words, reading lines
    /// through `path` first.
    fn new(words: usize, path: Path) -> Self {
        Self {
            tokens: Vec::with_capacity(words),
            surfaces: String::with_capacity(words * 8),
            sentences: Vec::new(),
            quotes: Vec::new(),
            words: WordStream::default(),
            scratch: Vec::new(),
            marks: Vec::new(),
            canon: Canonical::default(),
            tb: TokenBuilder::default(),
            path,
        }
    }

    /// Adds one line of a field: `line` is `field_text[range]`. Read from
    /// raw bytes straight to words ([`Builder::words_line`]) when every
    /// character of the line allows it; else its L1 characters, each with
    /// the offset in the line it came from, are read once ([`LineWalk`]):
    /// straight from the L1 fast path
    /// ([`crate::normalize::walk_canonical`]), or, when that path gives up,
    /// from the general path's output (what was read of the line is taken
    /// back first, each time).
    fn line(&mut self, field: Field, field_text: &str, range: Range<usize>, chars: &mut Chars<'_>) {
        let line = &field_text[range.clone()];
        let mark = LineMark {
            tokens: self.tokens.len(),
            surfaces: self.surfaces.len(),
            sentences: self.sentences.len(),
            words: self.words.mark(),
            chars: chars.mark(),
        };
        if self.path == Path::Words {
            if self.words_line(field, field_text, range.clone(), chars) {
                return;
            }
            self.rewind(&mark, chars);
        }
        if self.path != Path::General {
            let mut walk = LineWalk::new(self, field, range.clone());
            if walk_canonical(line, &mut ChunkedWalk { walk: &mut walk, chars }) {
                walk.finish(field_text, chars);
                return;
            }
            self.rewind(&mark, chars);
        }
        // Rare: the general path.
        let mut canon = std::mem::take(&mut self.canon);
        canonical_with_offsets_into(line, &mut canon);
        let mut walk = LineWalk::new(self, field, range);
        for (c, &at) in canon.text.chars().zip(&canon.offsets) {
            walk.push(c, at as usize, chars);
        }
        walk.finish(field_text, chars);
        self.canon = canon;
    }

    /// Takes back what was read since `mark`.
    fn rewind(&mut self, mark: &LineMark, chars: &mut Chars<'_>) {
        self.tokens.truncate(mark.tokens);
        self.surfaces.truncate(mark.surfaces);
        self.sentences.truncate(mark.sentences);
        self.words.rewind(mark.words);
        chars.rewind(mark.chars);
        self.tb.end_word(&mut |_, _| {});
    }

    /// Reads a line from its raw bytes straight to words, each character by
    /// its [`Class`], and returns true; or returns false, having read part
    /// of it, at the first character whose fate depends on its neighbours.
    /// What L1 outputs is followed without building it: a space after
    /// anything but a space is held until something follows (L1 drops a
    /// last one), and a word's span runs to the next character L1 outputs
    /// (deleted marks after a word belong to it), or to the end of the line.
    fn words_line(&mut self, field: Field, field_text: &str, range: Range<usize>, chars: &mut Chars<'_>) -> bool {
        let line = &field_text[range.clone()];
        let bytes = line.as_bytes();
        let classes = short_classes();
        let mut st = self.start_line(field, range.start);
        // The last token and its last character's byte in the line, while
        // its span's end is not known.
        let mut open: Option<(usize, usize)> = None;
        let mut word: Option<ByteWord> = None;
        // A space L1 outputs, held until something follows it.
        let mut space: Option<usize> = None;
        // L1 outputs a space now (its last output is no space).
        let mut spaced = false;
        // Where a replaced space points: the last character that is no
        // mark (none yet: MAX).
        let mut segment = usize::MAX;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (class, len) = if b < 0x80 {
                (classes[b as usize], 1)
            } else if b < 0xE0 {
                (classes[(usize::from(b & 0x1F) << 6) | usize::from(bytes[i + 1] & 0x3F)], 2)
            } else {
                let c = line[i..].chars().next().expect("char boundary");
                (class_of(c), c.len_utf8())
            };
            match class {
                Class::Letter { folded, numeric, ascii_digit } => {
                    if let Some(at) = space.take() {
                        self.boundary(&mut st, &mut open, word.take(), ' ', at, chars);
                    }
                    match &mut word {
                        Some(w) => {
                            w.chars += 1;
                            w.last = i;
                        }
                        None => {
                            if let Some((t, _)) = open.take() {
                                self.end_span(&st, t, i, chars);
                            }
                            st.next_char(ascii_digit);
                            let from = self.surfaces.len() as u32;
                            word = Some(ByteWord { first: i, last: i, from, chars: 1, numeric });
                        }
                    }
                    self.surfaces.push(folded);
                    st.after_digit = ascii_digit;
                    spaced = true;
                    segment = i;
                }
                Class::Other(c) => {
                    if let Some(at) = space.take() {
                        self.boundary(&mut st, &mut open, word.take(), ' ', at, chars);
                    }
                    self.boundary(&mut st, &mut open, word.take(), c, i, chars);
                    spaced = true;
                    segment = i;
                }
                Class::Space => {
                    if spaced {
                        space = Some(i);
                        spaced = false;
                    }
                    segment = i;
                }
                Class::SegmentSpace => {
                    if segment == usize::MAX {
                        segment = i;
                    }
                    if spaced {
                        space = Some(segment);
                        spaced = false;
                    }
                }
                Class::Nothing => segment = i,
                Class::Mark => {
                    if segment == usize::MAX {
                        segment = i;
                    }
                }
                Class::Context => return false,
            }
            i += len;
        }
        // A space last is dropped; the last span open reaches the end.
        if let Some(w) = word
            && let Some(t) = self.byte_word(&mut st, &w, chars)
        {
            open = Some((t, w.last));
        }
        if let Some((t, _)) = open {
            self.end_span(&st, t, range.len(), chars);
        }
        self.end_line(&mut st, field_text);
        true
    }

    /// A character L1 outputs at byte `at` of the line, no token character
    /// ([`Builder::words_line`]): it ends the word being read, and the span
    /// `open` if it comes from further on than that token's last character
    /// (a replaced space points back).
    #[inline]
    fn boundary(
        &mut self,
        st: &mut LineState,
        open: &mut Option<(usize, usize)>,
        word: Option<ByteWord>,
        c: char,
        at: usize,
        chars: &mut Chars<'_>,
    ) {
        if let Some(w) = word
            && let Some(t) = self.byte_word(st, &w, chars)
        {
            *open = Some((t, w.last));
        }
        if let Some((t, last)) = *open
            && at > last
        {
            self.end_span(st, t, at, chars);
            *open = None;
        }
        st.next_char(false);
        self.between_words(st, c);
    }

    /// The word `w`, read to the end of the surfaces, ends: it joins the
    /// words, and the tokens unless it is a single letter (the token's
    /// index is returned).
    #[inline]
    fn byte_word(&mut self, st: &mut LineState, w: &ByteWord, chars: &mut Chars<'_>) -> Option<usize> {
        let surface = w.from..self.surfaces.len() as u32;
        let token = w.chars > 1 || w.numeric;
        let key = token.then(|| token_key(&self.surfaces[surface.start as usize..]));
        self.words.word(surface.clone(), key);
        Some(self.push_token(st, key?, surface, w.first, chars))
    }

    /// Starts reading a line of `field` that begins at byte `base`.
    fn start_line(&mut self, field: Field, base: usize) -> LineState {
        self.scratch.clear();
        self.marks.clear();
        let first_token = self.tokens.len();
        LineState {
            field,
            base,
            first_token,
            first_sentence: self.sentences.len(),
            sentence_from: first_token,
            broken: false,
            after_digit: false,
            dot_after_digit: false,
        }
    }

    /// A token with stem `key` and L2 form `surface`, starting at byte
    /// `first` of the line, joins the tokens (starting a sentence after a
    /// break); its span's end is set later ([`Builder::end_span`]). Returns
    /// its index.
    #[inline]
    fn push_token(
        &mut self,
        st: &mut LineState,
        key: u64,
        surface: Range<u32>,
        first: usize,
        chars: &mut Chars<'_>,
    ) -> usize {
        if std::mem::take(&mut st.broken) {
            self.close_sentence(st);
        }
        let first = st.base + first;
        let start = chars.at(first);
        self.scratch.push(first..first);
        self.tokens.push(Tok { key, surface, field: st.field, start, end: start });
        self.tokens.len() - 1
    }

    /// Token `t`'s span ends at byte `at` of the line (and past what L1
    /// deletes there, see [`past_deleted`]).
    #[inline]
    fn end_span(&mut self, st: &LineState, t: usize, at: usize, chars: &mut Chars<'_>) {
        let at = past_deleted(chars.s, st.base + at);
        self.tokens[t].end = chars.at(at);
        self.scratch[t - st.first_token].end = at;
    }

    /// A character L1 outputs between words (no token character): it goes
    /// to the agency words, and may break a sentence or mark a quotation.
    #[inline]
    fn between_words(&mut self, st: &mut LineState, c: char) {
        self.words.other(c);
        match c {
            '!' | '?' => st.broken = true,
            '.' if st.after_digit => st.dot_after_digit = true,
            '.' => st.broken = true,
            '"' => self.marks.push(self.tokens.len() - st.first_token),
            _ => {}
        }
        st.after_digit = false;
    }

    /// Ends the sentence of the line's tokens from `st.sentence_from` (if
    /// any); its offsets are filled in when the line ends.
    fn close_sentence(&mut self, st: &mut LineState) {
        let to = self.tokens.len();
        if to > st.sentence_from {
            self.sentences.push(Sentence {
                field: st.field,
                tokens: st.sentence_from..to,
                start: 0,
                end: 0,
                bytes: 0..0,
            });
        }
        st.sentence_from = to;
    }

    /// A line ends, its tokens' spans known: its last sentence closes, its
    /// sentences take their offsets, and its quotation marks make quotes.
    fn end_line(&mut self, st: &mut LineState, field_text: &str) {
        self.close_sentence(st);
        let (field, first_token, first_sentence) = (st.field, st.first_token, st.first_sentence);
        let Self { tokens, sentences, quotes, scratch, marks, words, .. } = self;
        for sen in &mut sentences[first_sentence..] {
            let (from, to) = (sen.tokens.start, sen.tokens.end);
            (sen.start, sen.end) = (tokens[from].start, tokens[to - 1].end);
            sen.bytes = scratch[from - first_token].start..scratch[to - 1 - first_token].end;
        }
        // Quotes: words between the 1st and 2nd mark, 3rd and 4th, ...
        for k in (0..marks.len() / 2).map(|k| 2 * k) {
            let (x, y) = (marks[k], marks[k + 1]);
            if y >= x + 3 {
                let text = field_text[scratch[x].start..scratch[y - 1].end].to_string();
                let (x, y) = (first_token + x, first_token + y);
                let (start, end) = (tokens[x].start, tokens[y - 1].end);
                quotes.push(QuoteSpan { field, tokens: x..y, start, end, text });
            }
        }
        // Lines are joined by line breaks for agency matching.
        words.other('\n');
    }
}

/// What reading a line keeps track of, whichever path reads it.
struct LineState {
    field: Field,
    /// The line's first byte in its field.
    base: usize,
    /// The line's first token and sentence.
    first_token: usize,
    first_sentence: usize,
    /// The first token of the sentence being read.
    sentence_from: usize,
    /// A sentence break (. ! ?, a full stop not between digits) since the
    /// last token: the next token starts a sentence.
    broken: bool,
    /// L1's last output was an ASCII digit.
    after_digit: bool,
    /// A full stop right after a digit: a break unless a digit follows.
    dot_after_digit: bool,
}

impl LineState {
    /// L1 outputs another character (`ascii_digit`: an ASCII digit): a full
    /// stop after a digit breaks the sentence unless a digit follows it.
    #[inline]
    fn next_char(&mut self, ascii_digit: bool) {
        if std::mem::take(&mut self.dot_after_digit) && !ascii_digit {
            self.broken = true;
        }
    }
}

/// A word being read by [`Builder::words_line`].
struct ByteWord {
    /// Its first byte in the line.
    first: usize,
    /// Its last character's first byte in the line.
    last: usize,
    /// Where its L2 form starts in the surfaces.
    from: u32,
    /// Its characters so far.
    chars: u32,
    /// A one-character word of its first character is a token.
    numeric: bool,
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
    st: LineState,
    /// The line's length in bytes.
    len: usize,
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
        let st = b.start_line(field, range.start);
        Self { b, st, len: range.len(), reading: None, open: Vec::new(), space: None }
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
            self.b.end_span(&self.st, t, at, chars);
            self.open.remove(0);
        }
        self.st.next_char(c.is_ascii_digit());
        if token_char {
            match &mut self.reading {
                Some((_, last)) => *last = at,
                None => self.reading = Some((at, at)),
            }
            self.b.tb.push(c, &mut |_| unreachable!("a token character does not end a word"));
            self.st.after_digit = c.is_ascii_digit();
            return;
        }
        self.b.between_words(&mut self.st, c);
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
        let t = b.push_token(&mut self.st, key, surface, first, chars);
        self.open.push((t, last));
    }

    /// The line ends: spans still open reach its end; sentences and quotes
    /// take their offsets.
    fn finish(mut self, field_text: &str, chars: &mut Chars<'_>) {
        if let Some(r) = self.reading.take() {
            self.word(r, chars);
        }
        for (t, _) in std::mem::take(&mut self.open) {
            self.b.end_span(&self.st, t, self.len, chars);
        }
        self.b.end_line(&mut self.st, field_text);
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
                    w.st.after_digit = false;
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
    prepare_by(doc, Fields::of(article), kept, agencies, Path::Words)
}

/// What a member is prepared from, owned.
struct Fields {
    id: ArticleId,
    source: Option<String>,
    published: Option<Published>,
    title: String,
    text: String,
}

impl Fields {
    fn of(article: &Article<'_>) -> Self {
        Self {
            id: article.id.clone(),
            source: article.source.as_ref().map(|s| s.to_string()),
            published: article.published,
            title: article.title.to_string(),
            text: article.text.to_string(),
        }
    }
}

/// [`prepare`], reading lines through `path` first (and the slower ones
/// where it gives up).
fn prepare_by(doc: DocIdx, fields: Fields, kept: Vec<Range<usize>>, agencies: &Agencies, path: Path) -> MemberText {
    let Fields { id, source, published, title, text } = fields;
    // About one word in seven bytes of Arabic or English text.
    let mut b = Builder::new((title.len() + text.len()) / 7, path);
    let mut chars = Chars { s: &title, byte: 0, char: 0 };
    b.line(Field::Title, &title, 0..title.len(), &mut chars);
    let mut chars = Chars { s: &text, byte: 0, char: 0 };
    for r in &kept {
        b.line(Field::Text, &text, r.clone(), &mut chars);
    }
    // An outlet naming itself (a sign-off, an appeal) is not citing.
    let attributions = agencies
        .find_words(b.words.words(), &b.surfaces)
        .into_iter()
        .filter(|a| source.as_deref().is_none_or(|own| !a.agency.eq_ignore_ascii_case(own)))
        .collect();
    MemberText {
        doc,
        id,
        source,
        published,
        title,
        text,
        kept_lines: kept,
        attributions,
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
    story_texts_with(inputs, corpus, stories, progress, |text| text)
}

/// [`story_texts`], each story's text handed to `f` as soon as it is
/// prepared (in parallel, one story at a time per thread), so that what `f`
/// does with it (measuring its divergence) finds its members' words still in
/// the core's cache. The stories' members are read again in one pass, in
/// input order; a story's members must be in no other of `stories`.
pub fn story_texts_with<R, F>(
    inputs: &Inputs,
    corpus: &Corpus,
    stories: &[&[DocIdx]],
    progress: &dyn Progress,
    f: F,
) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(StoryText) -> R + Sync,
{
    let mut wanted: Vec<DocIdx> = stories.iter().flat_map(|s| s.iter().copied()).collect();
    wanted.sort_unstable();
    let mut read: Vec<Option<Read>> = read_members(inputs, corpus, &wanted, progress)?.into_iter().map(Some).collect();
    // Each story's members, as read, in the story's order.
    let grouped: Vec<Vec<(DocIdx, Read)>> = stories
        .iter()
        .map(|s| {
            s.iter()
                .map(|d| {
                    let at = wanted.binary_search(d).expect("a member read");
                    (*d, read[at].take().expect("a member of one story only"))
                })
                .collect()
        })
        .collect();
    let agencies = Agencies::default();
    Ok(grouped
        .into_par_iter()
        .with_max_len(crate::par::STORIES)
        .map(|members| {
            let (docs, read): (Vec<DocIdx>, Vec<Read>) = members.into_iter().unzip();
            f(StoryText { members: prepare_read(read, &docs, &agencies, false) })
        })
        .collect())
}

/// A member read again: its fields and the byte ranges of its text's lines
/// that are not boilerplate.
type Read = (Fields, Vec<Range<usize>>);

/// Reads the articles `docs` (sorted, distinct) of `corpus` again, with the
/// lines of their texts that are not boilerplate.
fn read_members(inputs: &Inputs, corpus: &Corpus, docs: &[DocIdx], progress: &dyn Progress) -> Result<Vec<Read>> {
    corpus.par_map_selected(inputs, progress, docs, |doc, article| {
        let kept = corpus.stripper.kept(corpus.slot_of(doc), corpus.source_of(doc), &article.text).lines;
        (Fields::of(article), kept)
    })
}

/// Prepares the members `read` (the articles `docs`). A member whose title,
/// text, outlet and kept lines are those of an earlier one (a repost, a
/// duplicate of the archive) is not read into words again: it takes a copy
/// of that one's, under its own id and time. `parallel`: members are
/// prepared in parallel (else one after another, on the calling thread).
fn prepare_read(read: Vec<Read>, docs: &[DocIdx], agencies: &Agencies, parallel: bool) -> Vec<MemberText> {
    let same = first_of_same(&read);
    let prepare = |(((fields, kept), &doc), same): ((Read, &DocIdx), &Option<usize>)| match *same {
        None => Reading::Prepared(prepare_by(doc, fields, kept, agencies, Path::Words)),
        Some(k) => Reading::CopyOf(k, fields.id, fields.published),
    };
    let prepared: Vec<Reading> = if parallel {
        read.into_par_iter().with_max_len(crate::par::ARTICLES).zip(docs).zip(&same).map(prepare).collect()
    } else {
        read.into_iter().zip(docs).zip(&same).map(prepare).collect()
    };
    let mut texts: Vec<MemberText> = Vec::with_capacity(docs.len());
    for (p, &doc) in prepared.into_iter().zip(docs) {
        texts.push(match p {
            Reading::Prepared(m) => m,
            Reading::CopyOf(k, id, published) => MemberText { doc, id, published, ..texts[k].clone() },
        });
    }
    texts
}

/// The prepared texts of the articles `docs` (sorted, distinct) of `corpus`,
/// reading them again, with the corpus's boilerplate lines left out. A
/// member whose title, text, outlet and kept lines are those of an earlier
/// one (a repost, a duplicate of the archive) is not read into words again:
/// it takes a copy of that one's, under its own id and time.
pub fn member_texts(
    inputs: &Inputs,
    corpus: &Corpus,
    docs: &[DocIdx],
    progress: &dyn Progress,
) -> Result<Vec<MemberText>> {
    let read = read_members(inputs, corpus, docs, progress)?;
    let agencies = Agencies::default();
    Ok(prepare_read(read, docs, &agencies, true))
}

/// A member read again: prepared, or a copy of earlier member `k` to take
/// under its own id and time.
#[expect(
    clippy::large_enum_variant,
    reason = "nine members in ten are prepared: boxing them would only add an allocation each"
)]
enum Reading {
    Prepared(MemberText),
    CopyOf(usize, ArticleId, Option<Published>),
}

/// For each member read, the earlier member with the same title, text,
/// outlet and kept lines, if any.
fn first_of_same(read: &[Read]) -> Vec<Option<usize>> {
    let keys = read.iter().map(|(f, kept)| (f.title.as_str(), f.text.as_str(), f.source.as_deref(), kept.as_slice()));
    first_of_equal(keys).into_iter().enumerate().map(|(i, first)| (first != i).then_some(first)).collect()
}

/// For each key, the index of the first key equal to it: its own, unless an
/// earlier one is.
pub(crate) fn first_of_equal<K: Eq + std::hash::Hash>(keys: impl ExactSizeIterator<Item = K>) -> Vec<usize> {
    let mut first: ahash::AHashMap<K, usize> = ahash::AHashMap::with_capacity(keys.len());
    keys.enumerate().map(|(i, key)| *first.entry(key).or_insert(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// An article of `title` and `text`.
    pub(super) fn article<'a>(title: &'a str, text: &'a str) -> Article<'a> {
        Article {
            id: ArticleId::string("x"),
            source: None,
            published: None,
            title: Cow::Borrowed(title),
            text: Cow::Borrowed(text),
            url: None,
        }
    }

    /// A tatweel deleted between a word and a mark lets the mark join the
    /// word's last letter, and what follows in the same unstable segment
    /// points at the tatweel: the word's span still takes in the tatweel
    /// and the mark (a proptest found it).
    #[test]
    fn a_span_takes_in_a_mark_that_joined_its_word() {
        let text = "Reuters\u{0640}\u{0301}\u{FF02} قال";
        let m = prepare(DocIdx(0), &article("", text), std::iter::once(0..text.len()).collect(), &Agencies::default());
        let spans: Vec<(&str, String)> =
            m.tokens.iter().map(|t| (m.surface(t), m.slice(t.field, t.start, t.end))).collect();
        assert_eq!(spans, [("reuterś", "Reuters\u{0640}\u{0301}".to_string()), ("قال", "قال".to_string())]);
    }

    #[test]
    fn offsets_point_into_the_original_fields() {
        let article =
            article("عنوانٌ قصيرٌ", "سطر زائد\nوقال شمخاني، إن «دعمت إيران الحكومةَ السورية في أصعب الظروف». ثم غادر.\n");
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
    use super::tests::article;
    use super::*;
    use crate::normalize::{Class, canonical, class_of, matching_tokens};
    use proptest::prelude::*;

    /// Words of news text: agency names in and out of context, marks,
    /// tatweel, Latin script.
    const NEWS_WORDS: &[&str] = &[
        "قال",
        "وكالة",
        "سانا",
        "«فارس»",
        "(إرنا)",
        "أ ف ب",
        "فرانس برس",
        "للأنباء",
        "على حد وصفها",
        "مَرْحَباً",
        "الـــحكومة",
        "Reuters",
        "AFP",
        "Télam",
    ];

    /// Lines of up to 40 pieces: `words`, Arabic letters, `between` pieces
    /// and, now and then, any character `allowed` lets through.
    fn line_of(
        words: Vec<&'static str>,
        between: Vec<&'static str>,
        allowed: impl Fn(&char) -> bool + 'static,
    ) -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(words).prop_map(String::from),
            3 => proptest::char::range('\u{0621}', '\u{064A}').prop_map(String::from),
            3 => proptest::sample::select(between).prop_map(String::from),
            1 => any::<char>().prop_filter("an allowed character", allowed).prop_map(String::from),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    /// Lines made of pieces news text is made of, with the characters the
    /// offsets and breaks depend on (marks, spaces L1 rewrites, quotation
    /// marks, digits and their separators, presentation forms), and agency
    /// names in and out of context.
    fn line() -> impl Strategy<Value = String> {
        line_of(
            [NEWS_WORDS, &["ﻻ", "٣٫٥", "١٬٠٠٠", "27.5", "3."]].concat(),
            vec![
                " ", " ", "  ", "\u{00A0}", "\u{2026}", ".", "!", "؟", "۔", "،", "\"", "«", "»", "“", "”", "'", "(",
                ")", "\u{0651}", "\u{200F}", "\u{0640}", "\t", "\r", "٬", "٫", "x", "7", "\u{0301}", "\u{FF02}",
            ],
            |_| true,
        )
    }

    /// Lines of characters that do the same wherever they stand (no line
    /// breaks, digit separators, no-break spaces or ellipses): the lines
    /// [`Builder::words_line`] reads.
    fn plain_line() -> impl Strategy<Value = String> {
        line_of(
            [NEWS_WORDS, &["٣.٥", "27.5", "3.", "3. 4", "1.2."]].concat(),
            vec![
                " ",
                " ",
                "  ",
                "   ",
                ".",
                "!",
                "؟",
                "۔",
                "،",
                "\"",
                "«",
                "»",
                "“",
                "”",
                "'",
                "(",
                ")",
                "\u{0651}",
                "\u{064E}",
                "\u{200F}",
                "\u{0640}",
                "\t",
                " \t ",
                "x",
                "7",
                "٧",
                "?",
                "\u{0610}",
                "\u{00A0}",
                "\u{00A0}\u{00A0}",
                "\u{202F}",
                "\u{0651}\u{00A0}",
                "\u{0640}\u{00A0}",
                " \u{00A0}",
            ],
            |c| class_of(*c) != Class::Context,
        )
    }

    /// `article` prepared (its whole text kept) through each path first: the
    /// same member every time.
    fn read_alike(article: &Article<'_>) -> Result<MemberText, TestCaseError> {
        let agencies = Agencies::default();
        let kept = || std::iter::once(0..article.text.len()).collect();
        let by = |path| prepare_by(DocIdx(0), Fields::of(article), kept(), &agencies, path);
        let words = by(Path::Words);
        prop_assert_eq!(&words, &prepare(DocIdx(0), article, kept(), &agencies));
        prop_assert_eq!(&words, &by(Path::L1));
        prop_assert_eq!(&words, &by(Path::General));
        Ok(words)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Lines without characters whose fate depends on their neighbours
        /// are read from their raw bytes, and read as the L1 fast path and
        /// the general path read them.
        #[test]
        fn plain_lines_are_read_from_raw_bytes(title in plain_line(), text in plain_line()) {
            for line in [&title, &text] {
                let mut b = Builder::new(0, Path::Words);
                let mut chars = Chars { s: line, byte: 0, char: 0 };
                prop_assert!(b.words_line(Field::Text, line, 0..line.len(), &mut chars), "{:?}", line);
            }
            read_alike(&article(&title, &text))?;
        }

        /// A member's words are the L2 tokens of its fields (the same read
        /// through the L1 fast path or the general path); each word's span in
        /// the original field holds that word; its
        /// sentences cover its words in order; and the agencies found while
        /// reading it are those found in its L1 text.
        #[test]
        fn prepared_words_spans_sentences_and_agencies(title in line(), text in line()) {
            let agencies = Agencies::default();
            // Read from raw bytes, from the L1 fast path and from the
            // general path's output alike.
            let m = read_alike(&article(&title, &text))?;
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
