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

use crate::align::{AlignOptions, align};
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

struct Pair {
    /// For each sentence of this member: found in the other.
    found: Vec<bool>,
    passages: Vec<SharedPassage>,
}

/// Compares every member of a story with the others.
pub fn diverge(story: &StoryText, idf: &Idf<'_>) -> Vec<Divergence> {
    let members = &story.members;
    let n = members.len();
    // Pairwise comparisons, both directions.
    let mut pairs: Vec<Vec<Option<Pair>>> = (0..n).map(|_| (0..n).map(|_| None).collect()).collect();
    for x in 0..n {
        for y in 0..n {
            if x != y {
                pairs[x][y] = Some(compare(&members[x], &members[y], idf));
            }
        }
    }
    let agencies: Vec<AHashSet<&str>> =
        members.iter().map(|m| m.attributions.iter().map(|a| a.agency.as_str()).collect()).collect();
    let vectors: Vec<AHashMap<u64, f64>> = members.iter().map(|m| weights(m, idf)).collect();
    let carried: Vec<Vec<usize>> = (0..n)
        .map(|x| {
            (0..members[x].sentences.len())
                .map(|s| (0..n).filter(|&y| y != x && pairs[x][y].as_ref().expect("pair").found[s]).count())
                .collect()
        })
        .collect();
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
            for (k, &y) in others.iter().enumerate() {
                for s in 0..members[y].sentences.len() {
                    let by_others =
                        1 + others.iter().filter(|&&z| z != y && pairs[y][z].as_ref().expect("pair").found[s]).count();
                    if by_others < majority {
                        continue;
                    }
                    let seen_before = others[..k].iter().any(|&z| pairs[y][z].as_ref().expect("pair").found[s]);
                    if seen_before {
                        continue;
                    }
                    consensus += 1;
                    if !pairs[y][x].as_ref().expect("pair").found[s] {
                        missing.push(Omission {
                            text: members[y].sentence_text(s),
                            from: members[y].id.to_json(),
                            carried_by: by_others,
                        });
                    }
                }
            }
            let omitted = if consensus == 0 { 0.0 } else { missing.len() as f64 / consensus as f64 };
            let mut rest: AHashMap<u64, f64> = AHashMap::new();
            for &y in &others {
                for (k, w) in &vectors[y] {
                    *rest.entry(*k).or_default() += w;
                }
            }
            let similarity = cosine(&vectors[x], &rest);
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
                distinctive_terms: distinctive(x, members, idf),
                attributions: m.attributions.clone(),
                quotes: quotes(x, members),
                passages: others.iter().flat_map(|&y| pairs[x][y].as_ref().expect("pair").passages.clone()).collect(),
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

/// Sentences of `a` found in `b`, and the passages they share.
fn compare(a: &MemberText, b: &MemberText, idf: &Idf<'_>) -> Pair {
    let mut covered = vec![false; a.tokens.len()];
    let mut passages = Vec::new();
    for field in [Field::Title, Field::Text] {
        let (ra, rb) = (a.field_tokens(field), b.field_tokens(field));
        let sa: Vec<u64> = a.tokens[ra.clone()].iter().map(|t| t.key).collect();
        let sb: Vec<u64> = b.tokens[rb.clone()].iter().map(|t| t.key).collect();
        for p in align(&sa, &sb, AlignOptions::default()) {
            for c in &mut covered[ra.start + p.a.start..ra.start + p.a.end] {
                *c = true;
            }
            let (ta, tb) = (&a.tokens[ra.start..], &b.tokens[rb.start..]);
            passages.push(SharedPassage {
                with: b.id.to_json(),
                field,
                start: ta[p.a.start].start,
                end: ta[p.a.end - 1].end,
                other_start: tb[p.b.start].start,
                other_end: tb[p.b.end - 1].end,
                words: p.matched,
            });
        }
    }
    let content = |m: &MemberText, s: usize| -> AHashSet<u64> {
        m.tokens[m.sentences[s].tokens.clone()].iter().map(|t| t.key).filter(|&k| idf.idf(k) >= CONTENT_IDF).collect()
    };
    let b_sets: Vec<AHashSet<u64>> = (0..b.sentences.len()).map(|s| content(b, s)).collect();
    let found = (0..a.sentences.len())
        .map(|s| {
            let range = a.sentences[s].tokens.clone();
            let len = range.len();
            let aligned = covered[range].iter().filter(|&&c| c).count();
            if len > 0 && aligned * 2 >= len {
                return true;
            }
            let mine = content(a, s);
            mine.len() >= 3
                && b_sets.iter().any(|other| {
                    let common = mine.intersection(other).count();
                    common >= 3 && common * 2 >= mine.len().min(other.len())
                })
        })
        .collect();
    Pair { found, passages }
}

/// IDF-weighted stem counts of a member.
fn weights(m: &MemberText, idf: &Idf<'_>) -> AHashMap<u64, f64> {
    let mut tf: AHashMap<u64, u32> = AHashMap::new();
    for t in &m.tokens {
        *tf.entry(t.key).or_default() += 1;
    }
    tf.into_iter().map(|(k, c)| (k, (1.0 + f64::from(c).ln()) * idf.idf(k))).collect()
}

fn cosine(a: &AHashMap<u64, f64>, b: &AHashMap<u64, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, w)| b.get(k).map(|v| w * v)).sum();
    let na = a.values().map(|w| w * w).sum::<f64>().sqrt();
    let nb = b.values().map(|w| w * w).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { (dot / (na * nb)).clamp(0.0, 1.0) }
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

/// Log-odds ratio with an informative Dirichlet prior, member `x` against
/// the others. The prior share of a word blends its frequency in the whole
/// story with its background share (weights: the story's words and
/// [`PRIOR_BACKGROUND`]); its strength is [`PRIOR_WORDS`].
fn distinctive(x: usize, members: &[MemberText], idf: &Idf<'_>) -> Vec<Term> {
    let mut mine: AHashMap<u64, u32> = AHashMap::new();
    let mut surface: AHashMap<u64, AHashMap<&str, u32>> = AHashMap::new();
    let mut theirs: AHashMap<u64, u32> = AHashMap::new();
    for (y, m) in members.iter().enumerate() {
        for t in &m.tokens {
            if y == x {
                *mine.entry(t.key).or_default() += 1;
                *surface.entry(t.key).or_default().entry(&t.surface).or_default() += 1;
            } else {
                *theirs.entry(t.key).or_default() += 1;
            }
        }
    }
    let (ni, nj) = (f64::from(mine.values().sum::<u32>()), f64::from(theirs.values().sum::<u32>()));
    let n = ni + nj;
    let mut terms: Vec<Term> = mine
        .iter()
        .filter(|(k, _)| idf.idf(**k) >= DISTINCTIVE_IDF)
        .filter_map(|(&k, &yi)| {
            let yj = theirs.get(&k).copied().unwrap_or(0);
            let (yi_f, yj_f) = (f64::from(yi), f64::from(yj));
            let share = (yi_f + yj_f + PRIOR_BACKGROUND * idf.background_share(k)) / (n + PRIOR_BACKGROUND);
            let a = PRIOR_WORDS * share;
            let delta =
                ((yi_f + a) / (ni + PRIOR_WORDS - yi_f - a)).ln() - ((yj_f + a) / (nj + PRIOR_WORDS - yj_f - a)).ln();
            let z = delta / (1.0 / (yi_f + a) + 1.0 / (yj_f + a)).sqrt();
            (z >= DISTINCTIVE_Z).then(|| {
                let forms = &surface[&k];
                let term = forms
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|f| f.0.to_string())
                    .unwrap_or_default();
                Term { term, z: round4(z), count: yi, others: yj }
            })
        })
        .collect();
    terms.sort_by(|a, b| b.z.total_cmp(&a.z).then(a.term.cmp(&b.term)));
    terms.truncate(10);
    terms
}

/// A member's quotations and the other members that carry them.
fn quotes(x: usize, members: &[MemberText]) -> Vec<Quote> {
    let grams = |m: &MemberText| -> AHashSet<u64> {
        m.tokens.windows(3).map(|w| hash_u64s(&[w[0].key, w[1].key, w[2].key], 7)).collect()
    };
    let others: Vec<(usize, AHashSet<u64>)> =
        (0..members.len()).filter(|&y| y != x).map(|y| (y, grams(&members[y]))).collect();
    let m = &members[x];
    m.quotes
        .iter()
        .map(|q| {
            let qg: Vec<u64> =
                m.tokens[q.tokens.clone()].windows(3).map(|w| hash_u64s(&[w[0].key, w[1].key, w[2].key], 7)).collect();
            let carried_by = others
                .iter()
                .filter(|(_, g)| !qg.is_empty() && qg.iter().filter(|h| g.contains(h)).count() * 2 >= qg.len())
                .map(|(y, _)| members[*y].id.to_json())
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
