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
//!   strongest first, at most ten;
//! - **attributions** ([`crate::attribution`]) and **quotes** (quoted spans
//!   and the other versions that carry them, by half of their stem 3-grams);
//! - **score** = 0.3·unique + 0.3·omitted + 0.2·(1 − similarity) +
//!   0.2·attribution difference, where the attribution difference is the
//!   Jaccard distance between the agencies this member cites and those the
//!   others cite (0 when nobody cites any). Every component is reported next
//!   to it.

use crate::align::{AlignOptions, SeedIndex, align_indexed, seed_hashes};
use crate::attribution::{Agencies, Attribution};
use crate::background::term_key;
use crate::cluster_text::{Field, MemberText};
use crate::hash::hash_u64s;
use crate::story::Idf;
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

/// What is computed once per member and reused against every other one.
/// Per-stem tables are vectors sorted by stem key, so sums run in key order
/// (the same bits on every run) and lookups are merges or binary searches.
struct Prepared {
    /// Seed hashes of the title's and the text's words.
    seeds: [Vec<u64>; 2],
    /// Where those seeds occur.
    index: [SeedIndex; 2],
    /// First word of the title and of the text.
    field_start: [usize; 2],
    /// Distinct content stems of each sentence, sorted: sentence `s` has
    /// `content[content_at[s]..content_at[s + 1]]`.
    content: Vec<u64>,
    content_at: Vec<u32>,
    /// Sentences holding each content stem, stem by stem (see `runs`).
    postings: Vec<u32>,
    /// Content stem → its run of `postings`.
    runs: crate::hash::KeyMap<(u32, u32)>,
    /// Stem 3-grams (quotes carried), sorted, distinct; empty when no
    /// member of the story quotes anything.
    grams: Vec<u64>,
    /// (stem, count, IDF-weighted count), sorted by stem.
    tf: Vec<(u64, u32, f64)>,
    /// Norm of the weighted counts.
    norm: f64,
}

fn gram(w: &[crate::cluster_text::Tok]) -> u64 {
    hash_u64s(&[w[0].key, w[1].key, w[2].key], 7)
}

/// A member's stem counts, the first step of [`Prepared`]: the story's
/// IDF weights are looked up once per distinct stem of the whole story.
struct Counted {
    /// (stem, count), sorted by stem.
    counts: Vec<(u64, u32)>,
    /// For each word, its entry in `counts`.
    entry_of: Vec<u32>,
}

impl Counted {
    fn new(m: &MemberText) -> Self {
        let mut keyed: Vec<(u64, u32)> = m.tokens.iter().enumerate().map(|(i, t)| (t.key, i as u32)).collect();
        keyed.sort_unstable();
        let mut counts: Vec<(u64, u32)> = Vec::new();
        let mut entry_of = vec![0u32; keyed.len()];
        for (k, i) in keyed {
            match counts.last_mut() {
                Some(last) if last.0 == k => last.1 += 1,
                _ => counts.push((k, 1)),
            }
            entry_of[i as usize] = (counts.len() - 1) as u32;
        }
        Self { counts, entry_of }
    }
}

/// The IDF of every stem of a story's members: (stem, IDF), sorted by stem.
fn story_idf(counted: &[Counted], idf: &Idf<'_>) -> Vec<(u64, f64)> {
    let mut keys: Vec<u64> = counted.iter().flat_map(|c| c.counts.iter().map(|t| t.0)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter().map(|k| (k, idf.idf(k))).collect()
}

impl Prepared {
    /// `weights`: the story's [`story_idf`]; `quoting`: some member of the
    /// story quotes (else the 3-grams are never asked for).
    fn new(m: &MemberText, counted: &Counted, weights: &[(u64, f64)], quoting: bool) -> Self {
        let o = AlignOptions::default();
        let fields = [m.field_tokens(Field::Title), m.field_tokens(Field::Text)];
        let seeds = fields.clone().map(|r| {
            let keys: Vec<u64> = m.tokens[r].iter().map(|t| t.key).collect();
            seed_hashes(&keys, o.seed)
        });
        let index = [SeedIndex::new(&seeds[0]), SeedIndex::new(&seeds[1])];
        // Weigh each stem (a merge with the story's table) and note whether
        // it is a content word.
        let mut w = weights.iter();
        let mut is_content: Vec<bool> = Vec::with_capacity(counted.counts.len());
        let tf: Vec<(u64, u32, f64)> = counted
            .counts
            .iter()
            .map(|&(k, count)| {
                // Every stem of the member is in the story's table.
                let idf = w.find(|x| x.0 == k).map_or(0.0, |x| x.1);
                is_content.push(idf >= CONTENT_IDF);
                (k, count, (1.0 + f64::from(count).ln()) * idf)
            })
            .collect();
        let norm = tf.iter().map(|t| t.2 * t.2).sum::<f64>().sqrt();
        let mut content: Vec<u64> = Vec::new();
        let mut content_at: Vec<u32> = Vec::with_capacity(m.sentences.len() + 1);
        content_at.push(0);
        let mut sentence: Vec<u64> = Vec::new();
        for sen in &m.sentences {
            sentence.clear();
            sentence.extend(
                sen.tokens.clone().filter(|&i| is_content[counted.entry_of[i] as usize]).map(|i| m.tokens[i].key),
            );
            sentence.sort_unstable();
            sentence.dedup();
            content.extend_from_slice(&sentence);
            content_at.push(content.len() as u32);
        }
        let mut pairs: Vec<(u64, u32)> = (0..m.sentences.len())
            .flat_map(|s| {
                content[content_at[s] as usize..content_at[s + 1] as usize].iter().map(move |&k| (k, s as u32))
            })
            .collect();
        pairs.sort_unstable();
        let mut runs = crate::hash::KeyMap::with_capacity_and_hasher(pairs.len(), Default::default());
        for (i, &(k, _)) in pairs.iter().enumerate() {
            runs.entry(k).or_insert((i as u32, i as u32)).1 += 1;
        }
        let mut grams: Vec<u64> = Vec::new();
        if quoting {
            grams.extend(m.tokens.windows(3).map(gram));
            grams.sort_unstable();
            grams.dedup();
        }
        Self {
            seeds,
            index,
            field_start: [fields[0].start, fields[1].start],
            content,
            content_at,
            postings: pairs.into_iter().map(|p| p.1).collect(),
            runs,
            grams,
            tf,
            norm,
        }
    }

    /// The distinct content stems of sentence `s`, sorted.
    fn content_of(&self, s: usize) -> &[u64] {
        &self.content[self.content_at[s] as usize..self.content_at[s + 1] as usize]
    }

    /// The sentences holding content stem `k`, in order.
    fn sentences_with(&self, k: u64) -> &[u32] {
        self.runs.get(&k).map_or(&[], |&(from, to)| &self.postings[from as usize..to as usize])
    }
}

/// The whole story's stems: (stem, count, weighted count), sorted by stem,
/// each sum taken in member order.
fn story_totals<'p>(members: impl Iterator<Item = &'p [(u64, u32, f64)]>) -> Vec<(u64, u32, f64)> {
    let mut all: Vec<(u64, u32, f64)> = members.flat_map(|tf| tf.iter().copied()).collect();
    // Stable: a stem's entries stay in member order.
    all.sort_by_key(|t| t.0);
    let mut out: Vec<(u64, u32, f64)> = Vec::with_capacity(all.len());
    for t in all {
        match out.last_mut() {
            Some(last) if last.0 == t.0 => {
                last.1 += t.1;
                last.2 += t.2;
            }
            _ => out.push(t),
        }
    }
    out
}

/// Sum of `a.w · b.w` over the stems in both (both sorted by stem, `b` a
/// superset of `a`'s stems), in stem order.
fn dot_sorted(a: &[(u64, u32, f64)], b: &[(u64, u32, f64)]) -> f64 {
    let mut j = 0;
    let mut s = 0.0;
    for x in a {
        while b[j].0 < x.0 {
            j += 1;
        }
        s += x.2 * b[j].2;
    }
    s
}

/// Compares every member of a story with the others.
///
/// Each pair of members is aligned once (the passages serve both sides);
/// sentence matching goes through each member's postings of content stems,
/// so a story of n members costs n² cheap comparisons, not n² rebuilds.
pub fn diverge(story: &StoryText, idf: &Idf<'_>) -> Vec<Divergence> {
    let members = &story.members;
    let n = members.len();
    let counted: Vec<Counted> = members.iter().map(Counted::new).collect();
    let weights = story_idf(&counted, idf);
    let quoting = members.iter().any(|m| !m.quotes.is_empty());
    let prepared: Vec<Prepared> =
        members.iter().zip(&counted).map(|(m, c)| Prepared::new(m, c, &weights, quoting)).collect();
    // found[x][y][s]: sentence s of x is found in y. passages[x][y]: x's
    // passages shared with y.
    let mut found: Vec<Vec<Vec<bool>>> = vec![vec![Vec::new(); n]; n];
    let mut passages: Vec<Vec<Vec<SharedPassage>>> = vec![vec![Vec::new(); n]; n];
    let mut scratch = FoundScratch::default();
    for x in 0..n {
        for y in x + 1..n {
            let (px, py) = aligned(&members[x], &prepared[x], &members[y], &prepared[y]);
            found[x][y] = found_in(&members[x], &prepared[x], &px, &prepared[y], &mut scratch);
            found[y][x] = found_in(&members[y], &prepared[y], &py, &prepared[x], &mut scratch);
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
    let totals = story_totals(prepared.iter().map(|p| p.tf.as_slice()));
    let total_sq: f64 = totals.iter().map(|t| t.2 * t.2).sum();
    let priors = Priors::new(&totals, &weights, idf);
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
                distinctive_terms: distinctive(m, &own.tf, &priors),
                attributions: m.attributions.clone(),
                quotes: quotes(x, members, &prepared),
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

/// Buffers [`found_in`] reuses from pair to pair.
#[derive(Default)]
struct FoundScratch {
    /// Per sentence of `b`, content stems shared with the sentence of `a`
    /// at hand; all zero between calls.
    counts: Vec<u32>,
    /// The sentences of `b` with a count.
    touched: Vec<u32>,
    /// Per word of `a`: inside a passage aligned with `b` (empty when
    /// there are no passages).
    covered: Vec<bool>,
}

/// For each sentence of `a`: is it found in `b`? Either aligned passages
/// cover half its words, or it shares at least half of its content stems
/// (and three) with one of `b`'s sentences.
fn found_in(
    a: &MemberText,
    pa: &Prepared,
    passages: &[SharedPassage],
    pb: &Prepared,
    scratch: &mut FoundScratch,
) -> Vec<bool> {
    let FoundScratch { counts, touched, covered } = scratch;
    covered.clear();
    if !passages.is_empty() {
        covered.resize(a.tokens.len(), false);
        for p in passages {
            covered[p.words_range.clone()].fill(true);
        }
    }
    let b_sentences = pb.content_at.len() - 1;
    if counts.len() < b_sentences {
        counts.resize(b_sentences, 0);
    }
    (0..a.sentences.len())
        .map(|s| {
            let range = a.sentences[s].tokens.clone();
            let len = range.len();
            let aligned = if covered.is_empty() { 0 } else { covered[range].iter().filter(|&&c| c).count() };
            if len > 0 && aligned * 2 >= len {
                return true;
            }
            let mine = pa.content_of(s);
            if mine.len() < 3 {
                return false;
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
            let hit = touched.iter().any(|&t| {
                let common = counts[t as usize] as usize;
                common >= 3 && common * 2 >= mine.len().min(pb.content_of(t as usize).len())
            });
            for &t in touched.iter() {
                counts[t as usize] = 0;
            }
            hit
        })
        .collect()
}

/// Prior strength (in words) of the distinctive-term scores.
pub const PRIOR_WORDS: f64 = 200.0;
/// Weight, in words, of the background table inside the prior.
pub const PRIOR_BACKGROUND: f64 = 50.0;
/// z-score a distinctive term must reach (one-sided 90%): single articles are
/// short, and Monroe et al.'s 1.96 was set for whole corpora of speeches.
pub const DISTINCTIVE_Z: f64 = 1.28;
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
    /// (content word, count in the story, prior), sorted by word.
    terms: Vec<(u64, u32, f64)>,
}

impl Priors {
    /// `weights`: the IDF of each stem of `totals`, in the same order.
    fn new(totals: &[(u64, u32, f64)], weights: &[(u64, f64)], idf: &Idf<'_>) -> Self {
        debug_assert!(totals.iter().zip(weights).all(|(t, w)| t.0 == w.0) && totals.len() == weights.len());
        let n = f64::from(totals.iter().map(|t| t.1).sum::<u32>());
        let terms = totals
            .iter()
            .zip(weights)
            .filter(|(_, w)| w.1 >= DISTINCTIVE_IDF)
            .map(|(&(k, count, _), _)| {
                let share = (f64::from(count) + PRIOR_BACKGROUND * idf.background_share(k)) / (n + PRIOR_BACKGROUND);
                (k, count, PRIOR_WORDS * share)
            })
            .collect();
        Self { words: n, terms }
    }
}

/// Log-odds ratio with an informative Dirichlet prior ([`Priors`], strength
/// [`PRIOR_WORDS`]), a member's words `mine` (sorted by stem) against the
/// other members'.
fn distinctive(m: &MemberText, mine: &[(u64, u32, f64)], priors: &Priors) -> Vec<Term> {
    let ni = f64::from(mine.iter().map(|t| t.1).sum::<u32>());
    let nj = priors.words - ni;
    let mut terms: Vec<(u64, Term)> = Vec::new();
    let mut p = priors.terms.iter().peekable();
    for &(k, yi, _) in mine {
        while p.next_if(|t| t.0 < k).is_some() {}
        let Some(&&(_, count, a)) = p.peek().filter(|t| t.0 == k) else {
            continue;
        };
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
            terms.push((k, Term { term: String::new(), z: round4(z), count: yi, others: yj }));
        }
    }
    // The word as this version writes it most often (ties: the smaller form).
    let mut forms: AHashMap<u64, AHashMap<&str, u32>> = terms.iter().map(|(k, _)| (*k, AHashMap::new())).collect();
    for t in &m.tokens {
        if let Some(f) = forms.get_mut(&t.key) {
            *f.entry(m.surface(t)).or_default() += 1;
        }
    }
    for (k, term) in &mut terms {
        term.term =
            forms[k].iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|f| f.0.to_string()).unwrap_or_default();
    }
    let mut terms: Vec<Term> = terms.into_iter().map(|t| t.1).collect();
    terms.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.term.cmp(&b.term)));
    terms.truncate(10);
    terms
}

/// A member's quotations and the other members that carry them.
fn quotes(x: usize, members: &[MemberText], prepared: &[Prepared]) -> Vec<Quote> {
    let m = &members[x];
    m.quotes
        .iter()
        .map(|q| {
            let qg: Vec<u64> = m.tokens[q.tokens.clone()].windows(3).map(gram).collect();
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

    /// A member's (stem, count, weight) table, sorted and distinct.
    fn table(raw: Vec<(u64, u32, f64)>) -> Vec<(u64, u32, f64)> {
        let mut v = raw;
        v.sort_by_key(|t| t.0);
        v.dedup_by_key(|t| t.0);
        v
    }

    proptest! {
        /// The story's totals are the per-stem sums over members (in member
        /// order), and a member's dot product with them is the plain sum of
        /// its products.
        #[test]
        fn totals_and_dot_products_are_the_plain_sums(
            raw in proptest::collection::vec(
                proptest::collection::vec((0u64..60, 1u32..9, 0.0f64..5.0), 0..40), 1..6),
        ) {
            let members: Vec<Vec<(u64, u32, f64)>> = raw.into_iter().map(table).collect();
            let totals = story_totals(members.iter().map(Vec::as_slice));
            prop_assert!(totals.windows(2).all(|w| w[0].0 < w[1].0));
            for &(k, count, weight) in &totals {
                let mine = members.iter().filter_map(|m| m.iter().find(|t| t.0 == k));
                let (c, w) = mine.fold((0, 0.0), |(c, w), t| (c + t.1, w + t.2));
                prop_assert_eq!(count, c);
                prop_assert_eq!(weight.to_bits(), w.to_bits());
            }
            for m in &members {
                let plain =
                    m.iter().map(|t| t.2 * totals.iter().find(|u| u.0 == t.0).unwrap().2).fold(0.0, |s, x| s + x);
                prop_assert_eq!(dot_sorted(m, &totals).to_bits(), plain.to_bits());
            }
        }
    }
}
