//! Near-duplicate groups and which article of each group is kept
//! (DESIGN section 5).
//!
//! 1. **Candidates** from LSH over the signatures ([`crate::lsh`]).
//! 2. **Pre-filter**: a candidate whose signature estimate of Jaccard (and,
//!    with `--containment`, of containment) is more than
//!    [`DedupOptions::prefilter_margin`] below the threshold is dropped before
//!    exact verification. At k = 128 the estimate's standard error is at most
//!    0.044, so the default margin of 0.2 is over four standard errors; the
//!    quality benchmark counts the true pairs this loses (none on the shared
//!    corpus).
//! 3. **Verification**: the exact shingle sets of the remaining candidates are
//!    rebuilt from the input ([`crate::sign::shingle_sets`]) and a pair is
//!    linked when its exact Jaccard is at least the threshold, or its
//!    containment (overlap coefficient) at least `--containment` when that is
//!    given.
//! 4. **Groups** are the connected components of the links, by a union-find
//!    whose roots are smallest members, so they do not depend on the order of
//!    work.
//! 5. **Keeper**: per group, by [`KeepPolicy`]; ties break by id. Every other
//!    member is reported with its exact Jaccard and containment against the
//!    keeper.
//!
//! With `--containment C`, LSH is tuned for the Jaccard that containment C
//! implies when the longer text is at most twice the shorter,
//! `C / (3 - C)`, so that wrapped agency copy becomes a candidate.

use crate::corpus::Corpus;
use crate::error::Result;
use crate::ids::DocIdx;
use crate::input::Inputs;
use crate::lsh::{CandidateLimits, LshParams, candidate_pairs};
use crate::minhash::estimate_jaccard;
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::sign::{Signatures, shingle_sets};
use crate::unionfind::UnionFind;
use crate::verify::overlap;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::fmt;
use std::str::FromStr;

/// Which article of a near-duplicate group is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeepPolicy {
    /// The first published (the first reporter); unknown dates count as
    /// latest.
    #[default]
    Earliest,
    /// The one with the most tokens (the most complete).
    Longest,
    /// The first in input order.
    First,
    /// The one whose outlet comes first in a list; then earliest.
    SourcePriority,
}

impl KeepPolicy {
    /// All policies.
    pub const ALL: [KeepPolicy; 4] =
        [KeepPolicy::Earliest, KeepPolicy::Longest, KeepPolicy::First, KeepPolicy::SourcePriority];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KeepPolicy::Earliest => "earliest",
            KeepPolicy::Longest => "longest",
            KeepPolicy::First => "first",
            KeepPolicy::SourcePriority => "source-priority",
        }
    }
}

impl fmt::Display for KeepPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeepPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        KeepPolicy::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown keep policy {s:?} (earliest, longest, first, source-priority)"))
    }
}

/// Dedup settings.
#[derive(Debug, Clone)]
pub struct DedupOptions {
    /// Jaccard threshold for a link.
    pub threshold: f64,
    /// Containment threshold for a link, if containment links are wanted.
    pub containment: Option<f64>,
    /// Keeper policy.
    pub keep: KeepPolicy,
    /// Outlets in order of preference (for [`KeepPolicy::SourcePriority`]).
    pub source_priority: Vec<String>,
    /// Weight of false negatives when choosing LSH bands.
    pub fn_weight: f64,
    /// Bucket limits.
    pub limits: CandidateLimits,
    /// Pre-filter margin below the threshold.
    pub prefilter_margin: f64,
}

impl Default for DedupOptions {
    fn default() -> Self {
        Self {
            threshold: 0.8,
            containment: None,
            keep: KeepPolicy::Earliest,
            source_priority: Vec::new(),
            fn_weight: crate::lsh::DEFAULT_FN_WEIGHT,
            limits: CandidateLimits::default(),
            prefilter_margin: 0.2,
        }
    }
}

impl DedupOptions {
    /// The Jaccard level LSH is tuned for.
    pub fn lsh_threshold(&self) -> f64 {
        match self.containment {
            Some(c) => self.threshold.min(c / (3.0 - c)),
            None => self.threshold,
        }
    }

    /// The LSH banding for `num_hashes` values.
    pub fn lsh_params(&self, num_hashes: usize) -> LshParams {
        LshParams::optimal(self.lsh_threshold(), num_hashes, self.fn_weight)
    }
}

/// An article removed as a near-duplicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Removal {
    /// The removed article.
    pub doc: DocIdx,
    /// The kept article of its group.
    pub keeper: DocIdx,
    /// Exact Jaccard similarity to the keeper.
    pub jaccard: f64,
    /// Exact containment (overlap coefficient) with the keeper.
    pub containment: f64,
}

/// A verified link between two articles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// The lower article.
    pub a: DocIdx,
    /// The higher article.
    pub b: DocIdx,
    /// Exact Jaccard.
    pub jaccard: f64,
    /// Exact containment.
    pub containment: f64,
}

/// Near-duplicate groups and what it took to find them.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// Groups of two or more articles, each sorted, ordered by first member.
    pub groups: Vec<Vec<DocIdx>>,
    /// The kept article of each group (same order).
    pub keepers: Vec<DocIdx>,
    /// Removed articles, in input order.
    pub removals: Vec<Removal>,
    /// Verified links.
    pub links: Vec<Link>,
    /// Candidate pairs from LSH.
    pub candidates: u64,
    /// Candidates left after the pre-filter.
    pub verified: u64,
    /// Articles whose shingle sets verification rebuilt.
    pub sets_loaded: u64,
}

impl Groups {
    /// Size of the largest group.
    pub fn largest(&self) -> usize {
        self.groups.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Finds near-duplicate groups among the signed articles.
pub fn find_groups(
    inputs: &Inputs,
    corpus: &Corpus,
    sigs: &Signatures,
    scheme: &Scheme,
    options: &DedupOptions,
    progress: &dyn Progress,
) -> Result<Groups> {
    let pairs = candidate_pairs(&sigs.values, sigs.k, scheme.lsh, scheme.seed, options.limits);
    let candidates = pairs.len() as u64;
    let margin = options.prefilter_margin;
    let pairs: Vec<(u32, u32)> = pairs
        .into_par_iter()
        .filter(|&(a, b)| {
            let j = estimate_jaccard(sigs.get(DocIdx(a)), sigs.get(DocIdx(b)));
            if j >= options.threshold - margin {
                return true;
            }
            options.containment.is_some_and(|c| {
                let (na, nb) = (sigs.set_sizes[a as usize] as f64, sigs.set_sizes[b as usize] as f64);
                let est = j * (na + nb) / ((1.0 + j) * na.min(nb));
                est >= c - margin
            })
        })
        .collect();
    let verified = pairs.len() as u64;
    let mut wanted: Vec<DocIdx> = pairs.iter().flat_map(|&(a, b)| [DocIdx(a), DocIdx(b)]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let sets = shingle_sets(inputs, corpus, scheme, &wanted, progress)?;
    let set_of = |d: DocIdx| &sets[wanted.binary_search(&d).expect("loaded")];
    let links: Vec<Link> = pairs
        .par_iter()
        .filter_map(|&(a, b)| {
            let (a, b) = (DocIdx(a), DocIdx(b));
            let o = overlap(set_of(a), set_of(b));
            let linked = o.jaccard >= options.threshold || options.containment.is_some_and(|c| o.containment >= c);
            linked.then_some(Link { a, b, jaccard: o.jaccard, containment: o.containment })
        })
        .collect();
    let mut uf = UnionFind::new(corpus.len());
    for l in &links {
        uf.union(l.a.0, l.b.0);
    }
    let groups: Vec<Vec<DocIdx>> = uf.groups().into_iter().map(|g| g.into_iter().map(DocIdx).collect()).collect();
    let keepers: Vec<DocIdx> = groups.iter().map(|g| keeper(g, corpus, sigs, options)).collect();
    let mut removals: Vec<Removal> = groups
        .par_iter()
        .zip(&keepers)
        .flat_map_iter(|(g, &keep)| {
            g.iter().filter(move |&&d| d != keep).map(move |&doc| {
                let o = overlap(set_of(doc), set_of(keep));
                Removal { doc, keeper: keep, jaccard: o.jaccard, containment: o.containment }
            })
        })
        .collect();
    removals.sort_unstable_by_key(|r| r.doc);
    Ok(Groups { groups, keepers, removals, links, candidates, verified, sets_loaded: wanted.len() as u64 })
}

/// The article of `group` that the policy keeps.
pub fn keeper(group: &[DocIdx], corpus: &Corpus, sigs: &Signatures, options: &DedupOptions) -> DocIdx {
    let time = |d: DocIdx| corpus.doc(d).published.map_or((1, 0), |p| (0, p.unix));
    let id = |d: DocIdx| &corpus.doc(d).id;
    let rank = |d: DocIdx| {
        corpus.source_of(d).and_then(|s| options.source_priority.iter().position(|p| p == s)).unwrap_or(usize::MAX)
    };
    let pick = group.iter().copied();
    match options.keep {
        KeepPolicy::First => pick.min(),
        KeepPolicy::Earliest => pick.min_by(|&a, &b| time(a).cmp(&time(b)).then_with(|| id(a).cmp(id(b)))),
        KeepPolicy::Longest => pick.min_by(|&a, &b| {
            (Reverse(sigs.token_counts[a.get()]), id(a)).cmp(&(Reverse(sigs.token_counts[b.get()]), id(b)))
        }),
        KeepPolicy::SourcePriority => {
            pick.min_by(|&a, &b| (rank(a), time(a)).cmp(&(rank(b), time(b))).then_with(|| id(a).cmp(id(b))))
        }
    }
    .expect("groups are never empty")
}
