//! How each version of a story differs from the others (DESIGN section 7).
//!
//! Each member's title and text (boilerplate removed) are cut into sentences
//! and words (L2 tokens with their L3 stems and their character offsets in the
//! original fields). Against the other members of its story:
//! - **passages**: stretches aligned word by word ([`crate::align`]), with
//!   character offsets into both original texts;
//! - a sentence is **found** in another version when an aligned passage covers
//!   half of its words, or when it shares with one of that version's
//!   sentences at least half of its rarer stems (IDF ≥ [`CONTENT_IDF`]) and
//!   three of them (a rewritten sentence keeps its names and numbers);
//! - **shared** = share of the member's words in sentences found in at least
//!   one other version; **unique** = 1 − shared;
//! - **omitted** = share of the consensus (the sentences of the other versions
//!   that a majority of the other versions carry, each fact counted once) not
//!   found in this member;
//! - **similarity** = cosine between the member's IDF-weighted stems and those
//!   of the other members together;
//! - **distinctive terms**: log-odds ratio with an informative Dirichlet prior
//!   (Monroe, Colaresi and Quinn, "Fightin' words", Political Analysis 2008),
//!   this member against the others, the prior from the story's own words and
//!   the background table; content words with z ≥ [`DISTINCTIVE_Z`],
//!   strongest first, at most ten ([`MAX_DISTINCTIVE`]);
//! - **attributions** ([`crate::attribution`]) and **quotes** (quoted spans
//!   and the other versions that carry them, by half of their stem 3-grams);
//! - **score** = 0.3·unique + 0.3·omitted + 0.2·(1 − similarity) +
//!   0.2·attribution difference, where the attribution difference is the
//!   Jaccard distance between the agencies this member cites and those the
//!   others cite (0 when nobody cites any). Every component is reported next
//!   to it.

use crate::align::{AlignOptions, SeedIndex, align_indexed};
use crate::attribution::{Agencies, Attribution};
use crate::background::{KeyFilter, term_key};
use crate::cluster_text::{Field, MemberText, first_of_equal};
use crate::hash::{hash_u32s, mix64};
use crate::story::{Idf, log_tf};
use ahash::{AHashMap, AHashSet};
use serde::Serialize;

pub use crate::cluster_text::{StoryText, story_texts};

/// Stems at least this rare (IDF) are content words for sentence matching.
pub const CONTENT_IDF: f64 = 2.5;

/// A term this version uses far more than the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// The word as this version writes it most often (L2 form).
    pub term: String,
    /// z-score of the log-odds ratio.
    pub z: f64,
    /// Times in this version.
    pub count: u32,
    /// Times in the other versions together.
    pub others: u32,
}

/// A quoted span and who else carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// The quotation as written.
    pub text: String,
    /// `title` or `text`.
    pub field: Field,
    /// Character offsets in that field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// Ids of the other versions that carry it.
    pub carried_by: Vec<serde_json::Value>,
}

/// A passage shared with another version, with offsets in both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedPassage {
    /// The other version's id.
    pub with: serde_json::Value,
    /// `title` or `text` (the same in both versions).
    pub field: Field,
    /// Character offsets in this version's field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// Character offsets in the other version's field.
    pub other_start: usize,
    /// End offset (exclusive).
    pub other_end: usize,
    /// Words aligned.
    pub words: usize,
    /// This version's words (indices) the passage spans.
    #[serde(skip)]
    pub words_range: std::ops::Range<usize>,
}

/// How one sentence of a version fares, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceMark {
    /// `title` or `text`.
    pub field: Field,
    /// Character offsets in that field.
    pub start: usize,
    /// End offset (exclusive).
    pub end: usize,
    /// How many other versions carry it.
    pub carried_by: usize,
}

/// Consensus content this version leaves out, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Omission {
    /// The sentence as one of the other versions writes it.
    pub text: String,
    /// That version's id.
    pub from: serde_json::Value,
    /// How many of the other versions carry it.
    pub carried_by: usize,
}

/// The divergence of one version from the rest of its story.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Divergence {
    /// 0.3·unique + 0.3·omitted + 0.2·(1 − similarity) + 0.2·attribution_difference.
    pub score: f64,
    /// Share of its words found in another version.
    pub shared: f64,
    /// Share found in no other version.
    pub unique: f64,
    /// Share of the consensus it leaves out.
    pub omitted: f64,
    /// Cosine with the other versions.
    pub similarity: f64,
    /// Jaccard distance of cited agencies against the others'.
    pub attribution_difference: f64,
    /// Words it uses far more than the others.
    pub distinctive_terms: Vec<Term>,
    /// Agencies it cites.
    pub attributions: Vec<Attribution>,
    /// Its quotations.
    pub quotes: Vec<Quote>,
    /// Passages shared with other versions.
    pub passages: Vec<SharedPassage>,
    /// Per sentence, how many others carry it (for the report).
    #[serde(skip)]
    pub sentences: Vec<SentenceMark>,
    /// Consensus it leaves out (for the report).
    #[serde(skip)]
    pub omissions: Vec<Omission>,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A story's stems, numbered in the order of their keys, so that per-stem
/// tables are arrays indexed by number and sums over stems in number order
/// run in key order (the same bits on every run).
struct Vocab {
    /// The key of each stem.
    keys: Vec<u64>,
    /// Its IDF.
    idf: Vec<f64>,
    /// For each member, the number of each of its words' stems.
    ids: Vec<Vec<u32>>,
}

impl Vocab {
    /// The stems of members given as their words' stem keys; `idf` weighs a
    /// key.
    fn new<M, W>(members: M, idf: impl Fn(u64) -> f64) -> Self
    where
        M: IntoIterator<Item = W>,
        W: IntoIterator<Item = u64>,
    {
        // Numbers in order of first sight, then renumbered in key order.
        let mut seen: crate::hash::KeyMap<u32> =
            crate::hash::KeyMap::with_capacity_and_hasher(1024, Default::default());
        let mut first: Vec<u64> = Vec::new();
        let mut ids: Vec<Vec<u32>> = members
            .into_iter()
            .map(|words| {
                words
                    .into_iter()
                    .map(|key| {
                        *seen.entry(key).or_insert_with(|| {
                            first.push(key);
                            (first.len() - 1) as u32
                        })
                    })
                    .collect()
            })
            .collect();
        let mut by_key: Vec<(u64, u32)> = first.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
        by_key.sort_unstable();
        let mut rank = vec![0u32; first.len()];
        for (r, &(_, i)) in by_key.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        for member in &mut ids {
            for id in member.iter_mut() {
                *id = rank[*id as usize];
            }
        }
        let keys: Vec<u64> = by_key.iter().map(|t| t.0).collect();
        let idf = keys.iter().map(|&k| idf(k)).collect();
        Self { keys, idf, ids }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }
}

/// What is computed once per member and reused against every other one.
/// Per-stem tables are sorted by stem number ([`Vocab`]), so sums run in key
/// order and lookups are array reads, merges or binary searches.
struct Prepared {
    /// Seed hashes of the title's and the text's words.
    seeds: [Vec<u64>; 2],
    /// Where those seeds occur.
    index: [SeedIndex; 2],
    /// First word of the title and of the text.
    field_start: [usize; 2],
    /// Distinct content stems of each sentence, in order of first use:
    /// sentence `s` has `content[content_at[s]..content_at[s + 1]]`.
    content: Vec<u32>,
    content_at: Vec<u32>,
    /// Sentences holding each content stem, stem by stem (see `run_at`).
    postings: Vec<u32>,
    /// Where each stem's run of `postings` starts, for every stem number of
    /// the story (one more entry: the end), so a lookup is an array read.
    run_at: Vec<u32>,
    /// Its stem 3-grams that are 3-grams of some quote of the story
    /// (quotes carried), sorted, distinct.
    grams: Vec<u64>,
    /// (stem, count, IDF-weighted count), sorted by stem.
    tf: Vec<(u32, u32, f64)>,
    /// Norm of the weighted counts.
    norm: f64,
}

/// An n-gram of stem numbers (a 3-gram of a quote, an alignment seed) as
/// one value for the story's in-memory tables. Up to three numbers below
/// 2²¹ (a story has fewer stems) are packed, 21 bits each, and mixed by a
/// bijection ([`mix64`], the SplitMix64 finalizer), so that
/// distinct n-grams of one length never share a value and the value's bits
/// are spread for the tables; anything else is hashed (XXH3).
#[inline]
fn gram(w: &[u32]) -> u64 {
    const BITS: u32 = 21;
    if w.len() > 3 || w.iter().any(|&x| x >= 1 << BITS) {
        return hash_u32s(w, 7);
    }
    mix64(w.iter().fold(0u64, |p, &x| (p << BITS) | u64::from(x)))
}

/// Buffers [`Prepared::new`] reuses from member to member of a story.
struct PrepareScratch {
    /// Per stem number, its count in the member at hand; all zero between
    /// members.
    counts: Vec<u32>,
    /// Per stem number, whether the member at hand has it, 64 to a word;
    /// all zero between members.
    has: Vec<u64>,
    /// Per stem number, one more than the last sentence that took it.
    seen_in: Vec<u32>,
    /// Per stem number, where its next posting goes.
    next: Vec<u32>,
}

impl PrepareScratch {
    fn new(vocab: &Vocab) -> Self {
        Self {
            counts: vec![0; vocab.len()],
            has: vec![0; vocab.len().div_ceil(64)],
            seen_in: Vec::new(),
            next: Vec::new(),
        }
    }
}

impl Prepared {
    /// A member of the story, `ids` the stem numbers of its words;
    /// `quote_grams`: the 3-grams of every quote of the story (the only
    /// ones [`quotes`] looks for).
    fn new(
        m: &MemberText,
        ids: &[u32],
        vocab: &Vocab,
        quote_grams: &nohash_hasher::IntSet<u64>,
        scratch: &mut PrepareScratch,
    ) -> Self {
        let o = AlignOptions::default();
        let fields = [m.field_tokens(Field::Title), m.field_tokens(Field::Text)];
        let seeds = fields.clone().map(|r| ids[r].windows(o.seed).map(gram).collect::<Vec<u64>>());
        let index = [SeedIndex::new(&seeds[0]), SeedIndex::new(&seeds[1])];
        let tf = count_stems(ids, vocab, scratch);
        let PrepareScratch { seen_in, next, .. } = scratch;
        let norm = tf.iter().map(|t| t.2 * t.2).sum::<f64>().sqrt();
        let is_content = |id: u32| vocab.idf[id as usize] >= CONTENT_IDF;
        let mut content: Vec<u32> = Vec::new();
        let mut content_at: Vec<u32> = Vec::with_capacity(m.sentences.len() + 1);
        content_at.push(0);
        // A stem is taken once per sentence: `seen_in[id]` is one more than
        // the last sentence that took it.
        seen_in.clear();
        seen_in.resize(vocab.len(), 0);
        for (s, sen) in m.sentences.iter().enumerate() {
            let stamp = s as u32 + 1;
            for &id in &ids[sen.tokens.clone()] {
                if is_content(id) && seen_in[id as usize] != stamp {
                    seen_in[id as usize] = stamp;
                    content.push(id);
                }
            }
            content_at.push(content.len() as u32);
        }
        // Postings by counting sort: run_at[id] = entries of smaller stem
        // numbers; sentences are visited in order, so each run is sorted.
        let mut run_at = vec![0u32; vocab.len() + 1];
        for &id in &content {
            run_at[id as usize + 1] += 1;
        }
        for id in 0..vocab.len() {
            run_at[id + 1] += run_at[id];
        }
        let mut postings = vec![0u32; content.len()];
        next.clear();
        next.extend_from_slice(&run_at[..vocab.len()]);
        for s in 0..m.sentences.len() {
            for &id in &content[content_at[s] as usize..content_at[s + 1] as usize] {
                postings[next[id as usize] as usize] = s as u32;
                next[id as usize] += 1;
            }
        }
        let mut grams: Vec<u64> = Vec::new();
        if !quote_grams.is_empty() {
            grams.extend(ids.windows(3).map(gram).filter(|g| quote_grams.contains(g)));
            grams.sort_unstable();
            grams.dedup();
        }
        Self {
            seeds,
            index,
            field_start: [fields[0].start, fields[1].start],
            content,
            content_at,
            postings,
            run_at,
            grams,
            tf,
            norm,
        }
    }

    /// The distinct content stems of sentence `s`.
    fn content_of(&self, s: usize) -> &[u32] {
        &self.content[self.content_at[s] as usize..self.content_at[s + 1] as usize]
    }

    /// The sentences holding content stem `id`, in order.
    #[inline]
    fn sentences_with(&self, id: u32) -> &[u32] {
        &self.postings[self.run_at[id as usize] as usize..self.run_at[id as usize + 1] as usize]
    }
}

/// A member's stems, from its words' stem numbers `ids`: (stem, count,
/// `(1 + ln count) · idf`), sorted by stem.
fn count_stems(ids: &[u32], vocab: &Vocab, scratch: &mut PrepareScratch) -> Vec<(u32, u32, f64)> {
    let PrepareScratch { counts, has, .. } = scratch;
    for &id in ids {
        counts[id as usize] += 1;
        has[id as usize / 64] |= 1 << (id % 64);
    }
    // The stems in number order, from the set bits (cleared as they go).
    let mut out = Vec::new();
    for (w, bits) in has.iter_mut().enumerate() {
        while *bits != 0 {
            let id = (w * 64) as u32 + bits.trailing_zeros();
            *bits &= *bits - 1;
            let count = std::mem::take(&mut counts[id as usize]);
            out.push((id, count, log_tf(count) * vocab.idf[id as usize]));
        }
    }
    out
}

/// The whole story's stems: per stem number, its count and weighted count,
/// each sum taken in member order.
fn story_totals<'p>(stems: usize, members: impl Iterator<Item = &'p [(u32, u32, f64)]>) -> (Vec<u32>, Vec<f64>) {
    let (mut counts, mut weights) = (vec![0u32; stems], vec![0.0f64; stems]);
    for tf in members {
        for &(id, c, w) in tf {
            counts[id as usize] += c;
            weights[id as usize] += w;
        }
    }
    (counts, weights)
}

/// Sum of `a.w · b[a.stem]` over `a` (sorted by stem), in stem order.
fn dot_sorted(a: &[(u32, u32, f64)], b: &[f64]) -> f64 {
    a.iter().fold(0.0, |s, x| s + x.2 * b[x.0 as usize])
}

/// Compares every member of a story with the others.
///
/// Each pair of members is aligned once (the passages serve both sides);
/// sentence matching goes through each member's postings of content stems,
/// so a story of n members costs n² cheap comparisons, not n² rebuilds. A
/// member that repeats an earlier one (a repost) is measured through it.
pub fn diverge(story: &StoryText, idf: &Idf<'_>) -> Vec<Divergence> {
    diverge_with(story, idf, true)
}

/// [`diverge`]; `reuse_copies`: measure each copy through its first copy
/// (false: every member on its own, for tests).
fn diverge_with(story: &StoryText, idf: &Idf<'_>, reuse_copies: bool) -> Vec<Divergence> {
    let members = &story.members;
    let n = members.len();
    // A member that is a copy of an earlier one (a repost) shares its
    // stems, tables, alignments and distinctive terms: each is computed
    // once, for the first of the copies (`first[x]`).
    let first = if reuse_copies { first_copies(members) } else { (0..n).collect() };
    let distinct: Vec<usize> = (0..n).filter(|&x| first[x] == x).collect();
    let mut vocab = Vocab::new(distinct.iter().map(|&x| members[x].tokens.iter().map(|t| t.key)), |k| idf.idf(k));
    vocab.ids = spread(vocab.ids, &first);
    // Each quote's 3-grams, member by member, quote by quote.
    let quoted: Vec<Vec<Vec<u64>>> = members
        .iter()
        .zip(&vocab.ids)
        .map(|(m, ids)| m.quotes.iter().map(|q| ids[q.tokens.clone()].windows(3).map(gram).collect()).collect())
        .collect();
    let quote_grams: nohash_hasher::IntSet<u64> = quoted.iter().flatten().flatten().copied().collect();
    let mut scratch = PrepareScratch::new(&vocab);
    let prepared: Vec<Prepared> = distinct
        .iter()
        .map(|&x| Prepared::new(&members[x], &vocab.ids[x], &vocab, &quote_grams, &mut scratch))
        .collect();
    // Where each member's first copy is among the distinct members.
    let slot: Vec<usize> = spread((0..distinct.len()).collect(), &first);
    let prepared: Vec<&Prepared> = slot.iter().map(|&i| &prepared[i]).collect();
    // found[x][y][s]: sentence s of x is found in y. passages[x][y]: x's
    // passages shared with y.
    let mut found: Vec<Vec<Vec<bool>>> = vec![vec![Vec::new(); n]; n];
    let mut passages: Vec<Vec<Vec<SharedPassage>>> = vec![vec![Vec::new(); n]; n];
    let mut scratch = FoundScratch::default();
    // The pair of first copies each pair was measured as, and where.
    let mut measured: AHashMap<(usize, usize), (usize, usize)> = AHashMap::new();
    for x in 0..n {
        for y in x + 1..n {
            if let Some(&(a, b)) = measured.get(&(first[x], first[y])) {
                // The passages of that pair, shared with this pair's members.
                let with = |passages: &[SharedPassage], other: &MemberText| -> Vec<SharedPassage> {
                    passages.iter().map(|p| SharedPassage { with: other.id.to_json(), ..p.clone() }).collect()
                };
                found[x][y] = found[a][b].clone();
                found[y][x] = found[b][a].clone();
                passages[x][y] = with(&passages[a][b], &members[y]);
                passages[y][x] = with(&passages[b][a], &members[x]);
                continue;
            }
            measured.insert((first[x], first[y]), (x, y));
            let (px, py) = aligned(&members[x], prepared[x], &members[y], prepared[y]);
            (found[x][y], found[y][x]) =
                found_both((&members[x], prepared[x], &px), (&members[y], prepared[y], &py), &mut scratch);
            passages[x][y] = px;
            passages[y][x] = py;
        }
    }
    // carried[x][s]: how many others carry sentence s of x; first_two[x][s]:
    // the two lowest-numbered members that do.
    let carried: Vec<Vec<usize>> = (0..n)
        .map(|x| {
            (0..members[x].sentences.len()).map(|s| (0..n).filter(|&y| y != x && found[x][y][s]).count()).collect()
        })
        .collect();
    let first_two: Vec<Vec<[usize; 2]>> = (0..n)
        .map(|x| {
            (0..members[x].sentences.len())
                .map(|s| {
                    let mut it = (0..n).filter(|&y| y != x && found[x][y][s]);
                    [it.next().unwrap_or(usize::MAX), it.next().unwrap_or(usize::MAX)]
                })
                .collect()
        })
        .collect();
    let agencies: Vec<AHashSet<&str>> =
        members.iter().map(|m| m.attributions.iter().map(|a| a.agency.as_str()).collect()).collect();
    // The whole story's weights and stem counts, once.
    let (total_counts, totals) = story_totals(vocab.len(), prepared.iter().map(|p| p.tf.as_slice()));
    let total_sq: f64 = totals.iter().map(|w| w * w).sum();
    let priors = Priors::new(&total_counts, &vocab, idf);
    let terms: Vec<Vec<Term>> =
        distinct.iter().map(|&x| distinctive(&members[x], &vocab.ids[x], &prepared[x].tf, &priors)).collect();
    (0..n)
        .map(|x| {
            let m = &members[x];
            let words = |s: usize| m.sentences[s].tokens.len();
            let total: usize = (0..m.sentences.len()).map(words).sum();
            let shared_words: usize = (0..m.sentences.len()).filter(|&s| carried[x][s] > 0).map(words).sum();
            let shared = if total == 0 { 0.0 } else { shared_words as f64 / total as f64 };
            // Consensus: sentences of the others carried by a majority of
            // the others, each fact counted once (the first version stating
            // it represents it).
            let others: Vec<usize> = (0..n).filter(|&y| y != x).collect();
            let majority = others.len() / 2 + 1;
            let (mut consensus, mut missing) = (0usize, Vec::new());
            for &y in &others {
                for s in 0..members[y].sentences.len() {
                    let by_others = 1 + carried[y][s] - usize::from(found[y][x][s]);
                    if by_others < majority {
                        continue;
                    }
                    // Stated earlier by another version (not x itself)?
                    let [f0, f1] = first_two[y][s];
                    let seen_before = (f0 < y && f0 != x) || (f0 == x && f1 < y);
                    if seen_before {
                        continue;
                    }
                    consensus += 1;
                    if !found[y][x][s] {
                        missing.push(Omission {
                            text: members[y].sentence_text(s),
                            from: members[y].id.to_json(),
                            carried_by: by_others,
                        });
                    }
                }
            }
            let omitted = if consensus == 0 { 0.0 } else { missing.len() as f64 / consensus as f64 };
            // Cosine with the sum of the others: total − own, expanded.
            let own = &prepared[x];
            let dot_total = dot_sorted(&own.tf, &totals);
            let dot = dot_total - own.norm * own.norm;
            let rest_sq = (total_sq - 2.0 * dot_total + own.norm * own.norm).max(0.0);
            let similarity = if own.norm == 0.0 || rest_sq <= 1e-12 {
                0.0
            } else {
                (dot / (own.norm * rest_sq.sqrt())).clamp(0.0, 1.0)
            };
            let others_agencies: AHashSet<&str> = others.iter().flat_map(|&y| agencies[y].iter().copied()).collect();
            let union = agencies[x].union(&others_agencies).count();
            let attribution_difference = if union == 0 {
                0.0
            } else {
                1.0 - agencies[x].intersection(&others_agencies).count() as f64 / union as f64
            };
            let unique = 1.0 - shared;
            let score = 0.3 * unique + 0.3 * omitted + 0.2 * (1.0 - similarity) + 0.2 * attribution_difference;
            Divergence {
                score: round4(score.clamp(0.0, 1.0)),
                shared: round4(shared),
                unique: round4(unique),
                omitted: round4(omitted),
                similarity: round4(similarity),
                attribution_difference: round4(attribution_difference),
                distinctive_terms: terms[slot[x]].clone(),
                attributions: m.attributions.clone(),
                quotes: quotes(x, members, &quoted[x], &prepared),
                passages: others.iter().flat_map(|&y| std::mem::take(&mut passages[x][y])).collect(),
                sentences: m
                    .sentences
                    .iter()
                    .enumerate()
                    .map(|(s, sen)| SentenceMark {
                        field: sen.field,
                        start: sen.start,
                        end: sen.end,
                        carried_by: carried[x][s],
                    })
                    .collect(),
                omissions: missing,
            }
        })
        .collect()
}

/// For each member, the first member that is a copy of it (the same title,
/// text and kept lines): itself, unless an earlier one is. The outlet may
/// differ: what is taken over depends on the words alone, and what depends
/// on the outlet (attributions: an outlet naming itself is not citing)
/// stays each member's own.
fn first_copies(members: &[MemberText]) -> Vec<usize> {
    first_of_equal(members.iter().map(|m| (m.title.as_str(), m.text.as_str(), m.kept_lines.as_slice())))
}

/// Per-member rows from the rows of the first copies (in order): each
/// member takes its first copy's.
fn spread<T: Clone>(rows: Vec<T>, first: &[usize]) -> Vec<T> {
    let mut rows = rows.into_iter();
    let mut out: Vec<T> = Vec::with_capacity(first.len());
    for (x, &f) in first.iter().enumerate() {
        let row = if f == x { rows.next().expect("a row per first copy") } else { out[f].clone() };
        out.push(row);
    }
    out
}

/// The passages `a` and `b` share, field by field, as each side sees them.
fn aligned(a: &MemberText, pa: &Prepared, b: &MemberText, pb: &Prepared) -> (Vec<SharedPassage>, Vec<SharedPassage>) {
    let (mut for_a, mut for_b) = (Vec::new(), Vec::new());
    for (f, field) in [Field::Title, Field::Text].into_iter().enumerate() {
        let (ta, tb) = (&a.tokens[pa.field_start[f]..], &b.tokens[pb.field_start[f]..]);
        for p in align_indexed(&pa.seeds[f], &pb.index[f], AlignOptions::default()) {
            let (start, end) = (ta[p.a.start].start, ta[p.a.end - 1].end);
            let (other_start, other_end) = (tb[p.b.start].start, tb[p.b.end - 1].end);
            for_a.push(SharedPassage {
                with: b.id.to_json(),
                field,
                start,
                end,
                other_start,
                other_end,
                words: p.matched,
                words_range: pa.field_start[f] + p.a.start..pa.field_start[f] + p.a.end,
            });
            for_b.push(SharedPassage {
                with: a.id.to_json(),
                field,
                start: other_start,
                end: other_end,
                other_start: start,
                other_end: end,
                words: p.matched,
                words_range: pb.field_start[f] + p.b.start..pb.field_start[f] + p.b.end,
            });
        }
    }
    for_b.sort_by_key(|p| (p.field == Field::Text, p.start));
    (for_a, for_b)
}

/// Buffers [`found_both`] reuses from pair to pair.
#[derive(Default)]
struct FoundScratch {
    /// Per sentence of `b`, content stems shared with the sentence of `a`
    /// at hand; all zero between sentences.
    counts: Vec<u32>,
    /// The sentences of `b` with a count.
    touched: Vec<u32>,
    /// Per word of `a`, then of `b`: inside a passage aligned with the
    /// other.
    covered: [Vec<bool>; 2],
}

/// For each sentence of `a`, and of `b`: is it found in the other member?
/// Either passages aligned with the other (`for_a`, `for_b`) cover half its
/// words, or it shares at least half of its content stems (and three) with
/// one of the other's sentences.
///
/// The second test is symmetric (the stems two sentences share are the same
/// seen from either side), so one sweep of `a`'s sentences through `b`'s
/// postings decides it for both sides; a sentence of `a` is swept only while
/// it, or some sentence of `b` that could still match, is undecided.
fn found_both(
    (a, pa, for_a): (&MemberText, &Prepared, &[SharedPassage]),
    (b, pb, for_b): (&MemberText, &Prepared, &[SharedPassage]),
    scratch: &mut FoundScratch,
) -> (Vec<bool>, Vec<bool>) {
    let FoundScratch { counts, touched, covered } = scratch;
    // Found by the passages: at least half of the sentence's words covered.
    let by_passages = |m: &MemberText, passages: &[SharedPassage], covered: &mut Vec<bool>| -> Vec<bool> {
        if passages.is_empty() {
            // Most pairs (rewritten versions) share no passage.
            return vec![false; m.sentences.len()];
        }
        covered.clear();
        covered.resize(m.tokens.len(), false);
        for p in passages {
            covered[p.words_range.clone()].fill(true);
        }
        m.sentences
            .iter()
            .map(|sen| {
                let len = sen.tokens.len();
                len > 0 && covered[sen.tokens.clone()].iter().filter(|&&c| c).count() * 2 >= len
            })
            .collect()
    };
    let [covered_a, covered_b] = covered;
    let mut found_a = by_passages(a, for_a, covered_a);
    let mut found_b = by_passages(b, for_b, covered_b);
    // Sentences of `b` that are not found yet and could be (three content
    // stems or more).
    let mut open_b = (0..found_b.len()).filter(|&t| !found_b[t] && pb.content_of(t).len() >= 3).count();
    if counts.len() < found_b.len() {
        counts.resize(found_b.len(), 0);
    }
    for (s, found_s) in found_a.iter_mut().enumerate() {
        let mine = pa.content_of(s);
        if mine.len() < 3 || (*found_s && open_b == 0) {
            continue;
        }
        touched.clear();
        for &k in mine {
            for &t in pb.sentences_with(k) {
                if counts[t as usize] == 0 {
                    touched.push(t);
                }
                counts[t as usize] += 1;
            }
        }
        for &t in touched.iter() {
            let t = t as usize;
            let common = std::mem::take(&mut counts[t]) as usize;
            if common >= 3 && common * 2 >= mine.len().min(pb.content_of(t).len()) {
                *found_s = true;
                if !found_b[t] {
                    found_b[t] = true;
                    open_b -= 1;
                }
            }
        }
    }
    (found_a, found_b)
}

/// Prior strength (in words) of the distinctive-term scores.
pub const PRIOR_WORDS: f64 = 200.0;
/// Weight, in words, of the background table inside the prior.
pub const PRIOR_BACKGROUND: f64 = 50.0;
/// z-score a distinctive term must reach (one-sided 90%): single articles are
/// short, and Monroe et al.'s 1.96 was set for whole corpora of speeches.
pub const DISTINCTIVE_Z: f64 = 1.28;
/// Distinctive terms kept per version, strongest first.
pub const MAX_DISTINCTIVE: usize = 10;
/// Distinctive terms are content words: at least this IDF.
pub const DISTINCTIVE_IDF: f64 = 2.0;

/// The story-wide part of the distinctive-term scores, computed once per
/// story: per content word (IDF at least [`DISTINCTIVE_IDF`]), its count in
/// the whole story and its prior `PRIOR_WORDS · share`, where the share
/// blends its frequency in the story with its background share (weights: the
/// story's words and [`PRIOR_BACKGROUND`]).
struct Priors {
    /// Words in the story.
    words: f64,
    /// Per stem number: its count in the story and its prior, for content
    /// words only.
    terms: Vec<Option<(u32, f64)>>,
}

impl Priors {
    /// `counts`: each stem's count in the story, by number.
    fn new(counts: &[u32], vocab: &Vocab, idf: &Idf<'_>) -> Self {
        let n = f64::from(counts.iter().sum::<u32>());
        let terms = counts
            .iter()
            .zip(&vocab.idf)
            .zip(&vocab.keys)
            .map(|((&count, &w), &k)| {
                (w >= DISTINCTIVE_IDF).then(|| {
                    let share =
                        (f64::from(count) + PRIOR_BACKGROUND * idf.background_share(k)) / (n + PRIOR_BACKGROUND);
                    (count, PRIOR_WORDS * share)
                })
            })
            .collect();
        Self { words: n, terms }
    }
}

/// Log-odds ratio with an informative Dirichlet prior ([`Priors`], strength
/// [`PRIOR_WORDS`]), a member's words `mine` (sorted by stem) against the
/// other members'; `ids`: the stem number of each of its words.
fn distinctive(m: &MemberText, ids: &[u32], mine: &[(u32, u32, f64)], priors: &Priors) -> Vec<Term> {
    let ni = f64::from(mine.iter().map(|t| t.1).sum::<u32>());
    let nj = priors.words - ni;
    let mut terms: Vec<(u32, Term)> = Vec::new();
    for &(id, yi, _) in mine {
        let Some((count, a)) = priors.terms[id as usize] else { continue };
        let yj = count - yi;
        let (yi_f, yj_f) = (f64::from(yi), f64::from(yj));
        let (odds_i, odds_j) = ((yi_f + a) / (ni + PRIOR_WORDS - yi_f - a), (yj_f + a) / (nj + PRIOR_WORDS - yj_f - a));
        if odds_i <= odds_j {
            // δ ≤ 0 (the logarithm keeps the order, to within a unit in the
            // last place), so z is far below the bar: no logarithms needed.
            continue;
        }
        let delta = odds_i.ln() - odds_j.ln();
        let z = delta / (1.0 / (yi_f + a) + 1.0 / (yj_f + a)).sqrt();
        if z >= DISTINCTIVE_Z {
            terms.push((id, Term { term: String::new(), z: round4(z), count: yi, others: yj }));
        }
    }
    // Only terms at least as strong as the tenth can be among the ten
    // kept (ties are ordered by their form): only they need one.
    if terms.len() > MAX_DISTINCTIVE {
        let mut z: Vec<f64> = terms.iter().map(|t| t.1.z).collect();
        let (_, &mut tenth, _) = z.select_nth_unstable_by(MAX_DISTINCTIVE - 1, |a, b| b.total_cmp(a));
        terms.retain(|t| t.1.z.total_cmp(&tenth).is_ge());
    }
    let wanted: Vec<u32> = terms.iter().map(|t| t.0).collect();
    let words = m.tokens.iter().zip(ids).map(|(t, &id)| (id, m.surface(t)));
    for ((_, term), form) in terms.iter_mut().zip(most_written(&wanted, words)) {
        term.term = form.to_string();
    }
    let mut terms: Vec<Term> = terms.into_iter().map(|t| t.1).collect();
    terms.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.term.cmp(&b.term)));
    terms.truncate(MAX_DISTINCTIVE);
    terms
}

/// For each stem number of `wanted` (sorted), the form `words` (stem
/// number, form) write it in most often (ties: the smaller form; none:
/// empty). A bit per number's low bits rules out most words at once.
fn most_written<'w>(wanted: &[u32], words: impl Iterator<Item = (u32, &'w str)>) -> Vec<&'w str> {
    let mut filter = KeyFilter::new(8);
    for &id in wanted {
        filter.insert(u64::from(id));
    }
    let mut forms: Vec<Vec<(&str, u32)>> = vec![Vec::new(); wanted.len()];
    if !wanted.is_empty() {
        for (id, form) in words {
            if !filter.may_contain(u64::from(id)) {
                continue;
            }
            let Ok(k) = wanted.binary_search(&id) else { continue };
            match forms[k].iter_mut().find(|f| f.0 == form) {
                Some(f) => f.1 += 1,
                None => forms[k].push((form, 1)),
            }
        }
    }
    forms.iter().map(|f| f.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map_or("", |f| f.0)).collect()
}

/// A member's quotations and the other members that carry them; `grams`:
/// the 3-grams of each of its quotes.
fn quotes(x: usize, members: &[MemberText], grams: &[Vec<u64>], prepared: &[&Prepared]) -> Vec<Quote> {
    let m = &members[x];
    m.quotes
        .iter()
        .zip(grams)
        .map(|(q, qg)| {
            let carried_by = (0..members.len())
                .filter(|&y| y != x)
                .filter(|&y| {
                    let g = &prepared[y].grams;
                    !qg.is_empty() && qg.iter().filter(|h| g.binary_search(h).is_ok()).count() * 2 >= qg.len()
                })
                .map(|y| members[y].id.to_json())
                .collect();
            Quote { text: q.text.clone(), field: q.field, start: q.start, end: q.end, carried_by }
        })
        .collect()
}

/// Whether two stems' keys are the same (for tests).
pub fn same_stem(a: &str, b: &str) -> bool {
    term_key(&crate::normalize::stem(a)) == term_key(&crate::normalize::stem(b))
}

/// The default agency list.
pub fn default_agencies() -> Agencies {
    Agencies::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A member with this title and text, under `id`.
    fn member(doc: u32, id: &str, (title, text): &(String, String)) -> MemberText {
        use crate::ids::{ArticleId, DocIdx};
        let article = crate::input::Article {
            id: ArticleId::string(id),
            source: Some(std::borrow::Cow::Owned(format!("outlet {id}"))),
            published: None,
            title: std::borrow::Cow::Borrowed(title),
            text: std::borrow::Cow::Borrowed(text),
            url: None,
        };
        crate::cluster_text::prepare(
            DocIdx(doc),
            &article,
            std::iter::once(0..text.len()).collect(),
            &Agencies::default(),
        )
    }

    /// A copy of an earlier member (a repost under another id and outlet)
    /// is measured through that member: the same divergences, to the bit,
    /// as measuring every member on its own, with each passage and quote
    /// naming the right version.
    #[test]
    fn copies_are_measured_as_themselves() {
        let seed = |i: usize| {
            let prefix = format!("{i:03}_");
            let path = std::fs::read_dir("samples")
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&prefix))
                .unwrap();
            let raw = std::fs::read_to_string(path).unwrap();
            let (title, text) = raw.split_once('\n').unwrap();
            (title.to_string(), text.to_string())
        };
        let (s0, s1, s2) = (seed(0), seed(1), seed(2));
        let story = StoryText {
            members: vec![
                member(0, "a", &s0),
                member(1, "b", &s1),
                member(2, "a-copy", &s0),
                member(3, "c", &s2),
                member(4, "b-copy", &s1),
                member(5, "a-copy-2", &s0),
            ],
        };
        assert_eq!(first_copies(&story.members), [0, 1, 0, 3, 1, 0]);
        let idf = Idf::from_counts(crate::background::builtin(), std::iter::empty(), 0);
        let reused = diverge_with(&story, &idf, true);
        assert_eq!(reused, diverge_with(&story, &idf, false));
        // The copies' passages name the versions they are shared with.
        let with = |x: usize| -> AHashSet<String> {
            reused[x].passages.iter().map(|p| p.with.as_str().unwrap().to_string()).collect()
        };
        assert!(with(2).contains("a") && with(2).contains("a-copy-2") && !with(2).contains("a-copy"));
        assert!(with(4).contains("b") && !with(4).contains("b-copy"));
    }

    /// Sentence `s` of `a` is found in `b`, decided plainly: passages
    /// cover half its words, or it shares half of its content stems (and
    /// three) with a sentence of `b`, the shared stems counted by sets.
    fn found_plainly(a: &MemberText, pa: &Prepared, for_a: &[SharedPassage], pb: &Prepared, s: usize) -> bool {
        let sen = a.sentences[s].tokens.clone();
        let covered = sen.clone().filter(|&w| for_a.iter().any(|p| p.words_range.contains(&w))).count();
        if !sen.is_empty() && covered * 2 >= sen.len() {
            return true;
        }
        let mine: AHashSet<u32> = pa.content_of(s).iter().copied().collect();
        (0..pb.content_at.len() - 1).any(|t| {
            let theirs: AHashSet<u32> = pb.content_of(t).iter().copied().collect();
            let common = mine.intersection(&theirs).count();
            common >= 3 && common * 2 >= mine.len().min(theirs.len())
        })
    }

    /// Made-up words (not in the background table: every one is a content
    /// word).
    const WORDS: &[&str] = &["zorb", "quax", "plim", "vrek", "talu", "mesk", "dornu", "fip", "gazo"];

    /// 3-grams one or two bits apart (every bit a number below 2²¹ can
    /// have) have distinct values: no number's bits spill onto another's.
    #[test]
    fn grams_a_bit_or_two_apart_differ() {
        let base = [0x0a_5a5a_u32, 0x15_a5a5, 0x1f_0f0f];
        let flip = |w: &mut [u32; 3], b: usize| w[b / 21] ^= 1 << (b % 21);
        let mut seen: AHashMap<u64, [u32; 3]> = AHashMap::new();
        for b1 in 0..63 {
            for b2 in b1..63 {
                let mut w = base;
                flip(&mut w, b1);
                if b2 != b1 {
                    flip(&mut w, b2);
                }
                if let Some(other) = seen.insert(gram(&w), w) {
                    assert_eq!(other, w, "two 3-grams share a value");
                }
            }
        }
        assert_eq!(seen.len(), 63 * 64 / 2);
    }

    proptest! {
        /// Distinct n-grams of one length have distinct values, packed or
        /// (numbers of 2²¹ and more) hashed.
        #[test]
        fn grams_of_one_length_never_share_a_value(
            a in proptest::collection::vec(0u32..(1 << 21), 1..=3),
            b in proptest::collection::vec(0u32..(1 << 21), 1..=3),
            wide in (1u32 << 21)..,
        ) {
            let b: Vec<u32> = b.into_iter().cycle().take(a.len()).collect();
            prop_assert_eq!(gram(&a) == gram(&b), a == b);
            let mut w = a.clone();
            w[0] = wide;
            prop_assert_eq!(gram(&w), hash_u32s(&w, 7));
            prop_assert_ne!(gram(&w), gram(&a));
        }

        /// One sweep decides both sides of a pair as each side alone would.
        /// The second version keeps some of the first one's sentences (so
        /// that passages align) and rewrites the others.
        #[test]
        fn found_both_decides_each_side_as_alone(
            sentences in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::sample::select(WORDS), 1..9),
                    proptest::collection::vec(proptest::sample::select(WORDS), 1..9),
                    any::<bool>(),
                ),
                1..8,
            ),
        ) {
            let text = |sentences: Vec<&Vec<&str>>| {
                let body: Vec<String> = sentences.iter().map(|w| w.join(" ")).collect();
                ("headline".to_string(), body.join(". "))
            };
            let first = text(sentences.iter().map(|s| &s.0).collect());
            let second = text(sentences.iter().map(|s| if s.2 { &s.0 } else { &s.1 }).collect());
            let story = StoryText { members: vec![member(0, "a", &first), member(1, "b", &second)] };
            let idf = Idf::from_counts(crate::background::builtin(), std::iter::empty(), 0);
            let (a, b) = (&story.members[0], &story.members[1]);
            let vocab = Vocab::new(story.members.iter().map(|m| m.tokens.iter().map(|t| t.key)), |k| idf.idf(k));
            let mut scratch = PrepareScratch::new(&vocab);
            let none = nohash_hasher::IntSet::default();
            let pa = Prepared::new(a, &vocab.ids[0], &vocab, &none, &mut scratch);
            let pb = Prepared::new(b, &vocab.ids[1], &vocab, &none, &mut scratch);
            let (for_a, for_b) = aligned(a, &pa, b, &pb);
            let (found_a, found_b) = found_both((a, &pa, &for_a), (b, &pb, &for_b), &mut FoundScratch::default());
            let plain_a: Vec<bool> = (0..a.sentences.len()).map(|s| found_plainly(a, &pa, &for_a, &pb, s)).collect();
            let plain_b: Vec<bool> = (0..b.sentences.len()).map(|t| found_plainly(b, &pb, &for_b, &pa, t)).collect();
            prop_assert_eq!(found_a, plain_a);
            prop_assert_eq!(found_b, plain_b);
        }

        /// The form a stem is written in most often, ties to the smaller
        /// form: what counting every word in a map gives.
        #[test]
        fn most_written_forms_are_the_counted_ones(
            wanted in proptest::collection::btree_set(0u32..600, 0..12),
            words in proptest::collection::vec((0u32..600, proptest::sample::select(vec!["a", "b", "ab", "ba", "c"])), 0..200),
        ) {
            let wanted: Vec<u32> = wanted.into_iter().collect();
            let mut counted: std::collections::BTreeMap<u32, std::collections::BTreeMap<&str, u32>> = Default::default();
            for &(id, form) in &words {
                if wanted.contains(&id) {
                    *counted.entry(id).or_default().entry(form).or_default() += 1;
                }
            }
            let plain: Vec<&str> = wanted
                .iter()
                .map(|id| {
                    counted.get(id).map_or("", |f| {
                        let most = f.values().max().copied().unwrap_or(0);
                        f.iter().find(|x| *x.1 == most).map_or("", |x| *x.0)
                    })
                })
                .collect();
            prop_assert_eq!(most_written(&wanted, words.iter().copied()), plain);
        }

        /// Stems are numbered in key order; a member's stem table holds its
        /// stems in key order with their counts and weights; the story's
        /// totals are the per-stem sums over members in member order; a
        /// member's dot product with them is the plain sum of its products
        /// in key order. All checked against plain maps keyed by stem, to
        /// the bit.
        #[test]
        fn stem_tables_are_the_plain_sums(
            members in proptest::collection::vec(proptest::collection::vec(0u64..60, 0..40), 1..6),
        ) {
            use std::collections::BTreeMap;
            let idf = |k: u64| 0.5 + (k % 7) as f64 * 0.37;
            let vocab = Vocab::new(members.iter().map(|m| m.iter().copied()), idf);
            prop_assert!(vocab.keys.windows(2).all(|w| w[0] < w[1]));
            let mut scratch = PrepareScratch::new(&vocab);
            let mut tables = Vec::new();
            for (m, ids) in members.iter().zip(&vocab.ids) {
                prop_assert!(m.iter().zip(ids).all(|(&k, &id)| vocab.keys[id as usize] == k));
                let tf = count_stems(ids, &vocab, &mut scratch);
                let mut plain: BTreeMap<u64, u32> = BTreeMap::new();
                for &k in m {
                    *plain.entry(k).or_default() += 1;
                }
                let want: Vec<(u64, u32, u64)> =
                    plain.iter().map(|(&k, &c)| (k, c, ((1.0 + f64::from(c).ln()) * idf(k)).to_bits())).collect();
                let got: Vec<(u64, u32, u64)> =
                    tf.iter().map(|&(id, c, w)| (vocab.keys[id as usize], c, w.to_bits())).collect();
                prop_assert_eq!(got, want);
                tables.push(tf);
            }
            let (counts, totals) = story_totals(vocab.len(), tables.iter().map(Vec::as_slice));
            for (id, &k) in vocab.keys.iter().enumerate() {
                let mine = tables.iter().filter_map(|t| t.iter().find(|x| vocab.keys[x.0 as usize] == k));
                let (c, w) = mine.fold((0, 0.0), |(c, w), t| (c + t.1, w + t.2));
                prop_assert_eq!(counts[id], c);
                prop_assert_eq!(totals[id].to_bits(), w.to_bits());
            }
            for t in &tables {
                let plain = t.iter().map(|x| x.2 * totals[x.0 as usize]).fold(0.0, |s, x| s + x);
                prop_assert_eq!(dot_sorted(t, &totals).to_bits(), plain.to_bits());
            }
        }
    }
}
