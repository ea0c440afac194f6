//! The HTML report of an `index add` run (`--html FILE`): the run's new,
//! grown and merged clusters, on the page of [`crate::report`].
//!
//! The index keeps no texts (that is what keeps it under 2 KB per article),
//! so the versions shown in full are those whose text is at hand:
//!
//! - the run's own input: the articles it adds and those already present;
//! - the earlier input files given as [`ReportJob::texts`] (`--texts`), read
//!   with the run's reading options when a shown cluster needs a text the run
//!   does not hold (a missing file is an error at once).
//!
//! A text is taken only when its title and text hash to the content hash the
//! index stored for that id, so an edited copy is never shown as the indexed
//! version. Divergence is measured among the versions at hand, with IDF from
//! the index's document frequencies and the batch's; the members whose text
//! is not at hand are listed by id, outlet and date and are not compared.

use super::segment::Record;
use crate::background::Background;
use crate::cluster_text::{MemberText, StoryText, member_texts};
use crate::corpus::{Corpus, ReadOptions};
use crate::diverge::{Divergence, diverge};
use crate::error::Result;
use crate::ids::{ArticleId, DocIdx};
use crate::input::Inputs;
use crate::progress::Progress;
use crate::report::{AbsentVersion, ReportStory, ShownVersion, render_stories};
use crate::story::Idf;
use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use std::path::PathBuf;

/// Opens the earlier input files of `job`, so that a missing one is an
/// error before the run does any work.
pub fn open_texts(job: &ReportJob) -> Result<Option<Inputs>> {
    if job.texts.is_empty() { Ok(None) } else { Inputs::open(&job.texts).map(Some) }
}

/// What the report of an `index add` run shows.
#[derive(Debug, Clone, Default)]
pub struct ReportJob {
    /// Earlier input files holding the texts of articles added by earlier
    /// runs.
    pub texts: Vec<PathBuf>,
    /// At most this many clusters (most outlets first).
    pub max_stories: usize,
}

/// A rendered report and what it could show.
#[derive(Debug, Clone)]
pub struct Report {
    /// The page.
    pub html: String,
    /// Clusters shown.
    pub stories: usize,
    /// Versions shown in full.
    pub versions_at_hand: usize,
    /// Versions listed without text.
    pub versions_absent: usize,
    /// Articles read from [`ReportJob::texts`].
    pub texts_read: usize,
    /// Records of [`ReportJob::texts`] skipped as invalid (`--skip-invalid`).
    pub texts_skipped_invalid: u64,
}

/// A new or changed cluster of the run.
#[derive(Debug)]
pub(super) struct Changed<'r> {
    /// The cluster id.
    pub id: String,
    /// `new`, `grown` or `merged`.
    pub status: &'static str,
    /// Its members, sorted by time then id.
    pub members: Vec<&'r Record>,
    /// Members added by this run.
    pub fresh: AHashSet<u32>,
    /// Each member's near-duplicate keeper, when it is not that (by ordinal).
    pub duplicates: AHashMap<u32, &'r ArticleId>,
}

/// The run's own articles: where their texts are and what they hash to.
pub(super) struct RunTexts<'a> {
    pub inputs: &'a Inputs,
    pub corpus: &'a Corpus,
    /// Content hash of each of the corpus's articles.
    pub hashes: &'a [u64],
}

/// Document frequencies for the report's IDF.
pub(super) struct Frequencies<'a> {
    pub background: &'a Background,
    /// The index's document frequency of a term plus the batch's.
    pub df: &'a (dyn Fn(u64) -> u32 + Sync),
    /// Articles counted.
    pub docs: u64,
}

/// Whose text serves a member: (which corpus, article).
type Source = (usize, DocIdx);

/// Renders the report of `changed` (in output order); `earlier` is
/// [`ReportJob::texts`] opened (read only when a shown cluster needs a text
/// the run does not hold).
pub(super) fn render(
    job: &ReportJob,
    earlier: Option<&Inputs>,
    read: &ReadOptions,
    changed: &[Changed<'_>],
    run: &RunTexts<'_>,
    freq: &Frequencies<'_>,
    progress: &dyn Progress,
) -> Result<Report> {
    // The clusters shown: two or more members, most outlets first, then most
    // members, then output order.
    let outlets = |c: &Changed<'_>| {
        let mut v: Vec<&str> = c.members.iter().filter_map(|r| r.source.as_deref()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let mut chosen: Vec<usize> = (0..changed.len()).filter(|&c| changed[c].members.len() >= 2).collect();
    let eligible = chosen.len();
    chosen.sort_by_key(|&c| (std::cmp::Reverse(outlets(&changed[c])), std::cmp::Reverse(changed[c].members.len()), c));
    chosen.truncate(job.max_stories);

    // Where each wanted member's text is: the run first, then --texts.
    let wanted: AHashMap<&ArticleId, u64> =
        chosen.iter().flat_map(|&c| &changed[c].members).map(|r| (&r.id, r.content_hash)).collect();
    let mut source: AHashMap<ArticleId, Source> = AHashMap::new();
    for (i, meta) in run.corpus.docs.iter().enumerate() {
        if wanted.get(&meta.id) == Some(&run.hashes[i]) {
            source.insert(meta.id.clone(), (0, DocIdx(i as u32)));
        }
    }
    let earlier = match earlier {
        Some(inputs) if source.len() < wanted.len() => {
            let (corpus, hashes) =
                Corpus::read_with(inputs, read, progress, |a, _| super::add::content_hash(&a.title, &a.text))?;
            for (i, meta) in corpus.docs.iter().enumerate() {
                if !source.contains_key(&meta.id) && wanted.get(&meta.id) == Some(&hashes[i]) {
                    source.insert(meta.id.clone(), (1, DocIdx(i as u32)));
                }
            }
            Some((inputs, corpus))
        }
        _ => None,
    };
    let texts_read = earlier.as_ref().map_or(0, |e| e.1.len());
    let texts_skipped_invalid = earlier.as_ref().map_or(0, |e| e.1.problems.total());

    // Read and prepare the texts at hand.
    let mut prepared: AHashMap<Source, MemberText> = AHashMap::new();
    let corpora: Vec<(&Inputs, &Corpus)> =
        std::iter::once((run.inputs, run.corpus)).chain(earlier.as_ref().map(|(i, c)| (*i, c))).collect();
    for (k, (inputs, corpus)) in corpora.into_iter().enumerate() {
        let mut docs: Vec<DocIdx> = source.values().filter(|s| s.0 == k).map(|s| s.1).collect();
        docs.sort_unstable();
        let texts = member_texts(inputs, corpus, &docs, progress)?;
        prepared.extend(docs.into_iter().map(|d| (k, d)).zip(texts));
    }

    // IDF over every term of the texts at hand.
    let terms: AHashSet<u64> = prepared.values().flat_map(|m| m.tokens.iter().map(|t| t.key)).collect();
    let counts: AHashMap<u64, u32> = terms.into_iter().map(|k| (k, (freq.df)(k))).collect();
    let idf = Idf::from_counts(freq.background, counts, freq.docs);

    // Per cluster: the versions at hand, measured against each other.
    let at_hand: Vec<StoryText> = chosen
        .iter()
        .map(|&c| StoryText {
            members: changed[c]
                .members
                .iter()
                .filter_map(|r| source.get(&r.id).and_then(|s| prepared.remove(s)))
                .collect(),
        })
        .collect();
    let measured: Vec<Vec<Divergence>> = at_hand
        .par_iter()
        .with_max_len(crate::par::STORIES)
        .map(|t| if t.members.len() >= 2 { diverge(t, &idf) } else { Vec::new() })
        .collect();
    let (mut versions_at_hand, mut versions_absent) = (0, 0);
    let stories: Vec<ReportStory<'_>> = chosen
        .iter()
        .zip(at_hand.iter().zip(&measured))
        .map(|(&c, (text, divergence))| {
            let cluster = &changed[c];
            let by_id: AHashMap<&ArticleId, &Record> = cluster.members.iter().map(|r| (&r.id, *r)).collect();
            let versions: Vec<ShownVersion<'_>> = text
                .members
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    let r = by_id[&m.id];
                    ShownVersion {
                        text: m,
                        divergence: divergence.get(k),
                        duplicate_of: cluster.duplicates.get(&r.ordinal).map(|k| k.to_string()),
                        added: cluster.fresh.contains(&r.ordinal),
                    }
                })
                .collect();
            let shown: AHashSet<&ArticleId> = text.members.iter().map(|m| &m.id).collect();
            let absent: Vec<AbsentVersion> = cluster
                .members
                .iter()
                .filter(|r| !shown.contains(&r.id))
                .map(|r| AbsentVersion { id: r.id.to_string(), outlet: r.source.clone(), published: r.published })
                .collect();
            versions_at_hand += versions.len();
            versions_absent += absent.len();
            let times = || cluster.members.iter().filter_map(|r| r.time);
            ReportStory {
                id: &cluster.id,
                status: Some(cluster.status),
                first_time: times().min(),
                last_time: times().max(),
                versions,
                absent,
            }
        })
        .collect();
    let count = |s: &str| changed.iter().filter(|c| c.status == s).count();
    let summary = format!(
        "This run: {} new, {} grown and {} merged clusters; {} of them with two or more articles; \
         {versions_at_hand} versions shown in full, {versions_absent} without their text at hand",
        count("new"),
        count("grown"),
        count("merged"),
        eligible
    );
    let html = render_stories(&stories, summary, eligible - stories.len());
    Ok(Report { html, stories: stories.len(), versions_at_hand, versions_absent, texts_read, texts_skipped_invalid })
}
