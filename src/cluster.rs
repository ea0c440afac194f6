//! The cluster job end to end (DESIGN sections 6 to 8): stories across
//! outlets, and how each version diverges.
//!
//! 1. One pass reads, validates and signs every article and extracts its
//!    story features ([`crate::features`]); articles holding learned
//!    boilerplate are redone.
//! 2. Near-duplicate groups come from the dedup engine ([`crate::dedup`]) and
//!    are strong links: their articles always share a story.
//! 3. IDF from the batch and the background table; each article becomes a
//!    vector; stories are built by single-pass centroid linkage in time
//!    order ([`crate::story`]).
//! 4. For each story of two or more articles, the texts are read again and
//!    every version's divergence is measured ([`crate::diverge`]). When the
//!    input can be read at offsets, a story is measured as soon as it is
//!    closed (no later article can join it), on the threads that the
//!    sequential story building leaves idle.
//!
//! Stories come out sorted by first publication time, then id; every input
//! article is in exactly one story.

use crate::background::{Background, builtin};
use crate::cluster_text::story_texts_with;
use crate::corpus::{Corpus, ReadOptions};
use crate::dedup::{DedupOptions, Groups, find_groups};
use crate::diverge::{Divergence, StoryText, diverge, story_texts};
use crate::error::Result;
use crate::features::{Features, read_sign_and_extract};
use crate::ids::DocIdx;
use crate::input::Inputs;
use crate::job::SignOptions;
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::sign::Signatures;
use crate::story::{Idf, Item, Story, StoryOptions, cluster_closing};
use crate::timing::Timings;
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// Everything a cluster run needs.
#[derive(Debug, Clone)]
pub struct ClusterJob {
    /// Reading.
    pub read: ReadOptions,
    /// Signing (for near-duplicates).
    pub sign: SignOptions,
    /// Near-duplicate settings.
    pub dedup: DedupOptions,
    /// Story settings.
    pub story: StoryOptions,
    /// Skip the divergence measures (stories only).
    pub no_divergence: bool,
    /// Which story texts to keep in [`ClusterRun::texts`]; `None` keeps every
    /// multi-article story's text. Divergence is computed for all stories
    /// either way; keeping fewer texts lets the texts be dropped once
    /// measured, so memory does not grow with the corpus.
    pub keep_texts: Option<KeepTexts>,
    /// When the input can be read at offsets, stories are measured as they
    /// close, about this many members at once: enough to keep a thread busy,
    /// few enough that the last stories to close are shared between threads.
    pub divergence_batch: usize,
    /// Keep a decompressed copy of compressed inputs while the run measures
    /// its stories ([`ReadOptions::spool_compressed`]), so that they are
    /// read at offsets. Without it, stories are measured after they are all
    /// made, in one more pass over the input that holds every member's
    /// text at once.
    pub copy_compressed: bool,
}

impl Default for ClusterJob {
    fn default() -> Self {
        Self {
            read: ReadOptions::default(),
            sign: SignOptions::default(),
            dedup: DedupOptions::default(),
            story: StoryOptions::default(),
            no_divergence: false,
            keep_texts: None,
            divergence_batch: 512,
            copy_compressed: true,
        }
    }
}

/// The top stories whose texts a report needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepTexts {
    /// This many stories, the first in [`rank_by_outlets`] order ...
    pub stories: usize,
    /// ... among those with at least this many members.
    pub min_size: usize,
}

/// The named outlets of a story, sorted, distinct.
pub fn story_outlets<'c>(corpus: &'c Corpus, story: &Story) -> Vec<&'c str> {
    let mut v: Vec<&str> = story.members.iter().filter_map(|&d| corpus.source_of(d)).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The number of named outlets of each story (in parallel).
pub fn outlet_counts(corpus: &Corpus, stories: &[Story]) -> Vec<usize> {
    stories
        .par_iter()
        .map(|s| match s.members.as_slice() {
            [d] => usize::from(corpus.source_of(*d).is_some()),
            _ => story_outlets(corpus, s).len(),
        })
        .collect()
}

/// Story indices ordered as the summary and the report show them: most
/// outlets first, then most articles, then story order.
pub fn rank_by_outlets(corpus: &Corpus, stories: &[Story]) -> Vec<usize> {
    rank_by_counts(&outlet_counts(corpus, stories), stories)
}

/// [`rank_by_outlets`], given each story's [`outlet_counts`].
pub fn rank_by_counts(outlets: &[usize], stories: &[Story]) -> Vec<usize> {
    let mut keyed: Vec<(std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, usize)> = stories
        .iter()
        .enumerate()
        .map(|(i, s)| (std::cmp::Reverse(outlets[i]), std::cmp::Reverse(s.members.len()), i))
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|k| k.2).collect()
}

impl ClusterJob {
    /// The signature scheme used for near-duplicates.
    pub fn scheme(&self) -> Scheme {
        Scheme::of(&self.sign, &self.dedup)
    }
}

/// The outcome of a cluster run.
#[derive(Debug)]
pub struct ClusterRun {
    /// The valid articles.
    pub corpus: Corpus,
    /// Their signatures.
    pub signatures: Signatures,
    /// Near-duplicate groups.
    pub groups: Groups,
    /// Story features per article: times and days; their `terms` and
    /// `quote_grams` are released once the stories are made.
    pub features: Vec<Features>,
    /// Stories, sorted by first publication time then id; members sorted by
    /// time then id.
    pub stories: Vec<Story>,
    /// Divergence of every member of each story (empty for single-article
    /// stories), in member order.
    pub divergence: Vec<Vec<Divergence>>,
    /// Texts of the multi-article stories (for the HTML report).
    pub texts: Vec<Option<StoryText>>,
    /// The near-duplicate keeper of each removed article.
    pub duplicate_of: Vec<Option<DocIdx>>,
    /// Time per stage.
    pub timings: Timings,
}

/// Runs the cluster job.
pub fn run_cluster(inputs: &Inputs, job: &ClusterJob, progress: &dyn Progress) -> Result<ClusterRun> {
    run_cluster_with(inputs, job, builtin(), progress)
}

/// As [`run_cluster`] with a given background table.
pub fn run_cluster_with(
    inputs: &Inputs,
    job: &ClusterJob,
    background: &Background,
    progress: &dyn Progress,
) -> Result<ClusterRun> {
    let scheme = job.scheme();
    let mut timings = Timings::default();
    // Measuring reads the stories' members again, at their offsets: a
    // compressed input is copied out decompressed as it is read, so memory
    // does not grow with the members held and stories are measured as they
    // close.
    let spool_compressed = job.copy_compressed && !job.no_divergence;
    let read = ReadOptions { spool_compressed, ..job.read.clone() };
    let (mut corpus, signatures, mut features) = timings
        .time("read+sign", || read_sign_and_extract(inputs, &read, &scheme, progress, |_, _, features, _| features))?;
    // Near-duplicate groups and term weights are independent: the
    // (sequential) counting of document frequencies runs beside the search.
    let (groups, idf) = timings.time("near-duplicates+term weights", || {
        rayon::join(
            || find_groups(inputs, &corpus, &signatures, &scheme, &job.dedup, progress),
            || Idf::new(background, &features),
        )
    });
    let groups = groups?;
    let mut duplicate_of = vec![None; corpus.len()];
    for r in &groups.removals {
        duplicate_of[r.doc.get()] = Some(r.keeper);
    }
    let start = std::time::Instant::now();
    let items = story_items(&corpus, &groups, &idf, &mut features, job.story.article_terms);
    let order = MemberOrder { corpus: &corpus, features: &features };
    // Stories are measured as they close, on the threads the (sequential)
    // story building leaves idle, when the input can be read at offsets.
    let overlap = !job.no_divergence && corpus.reads_at_offsets(inputs)?;
    let measure = |batch| measure_batch(inputs, &corpus, batch, &idf, job.keep_texts.is_none(), progress);
    let (built, early, built_at) = build_stories(items, job, overlap, &order, &measure);
    let stories_done = built_at.duration_since(start);
    timings.record("stories", stories_done);
    let (stories, position) = in_output_order(built, &order);
    let (texts, divergence) = if job.no_divergence {
        (vec![None; stories.len()], vec![Vec::new(); stories.len()])
    } else if overlap {
        let finals: Vec<&[DocIdx]> = stories.iter().map(|s| s.members.as_slice()).collect();
        let measured = collect_measured(early, &position, &finals, measure)?;
        let (mut texts, divergence): Measured = measured.into_iter().map(|(d, t)| (t, d)).unzip();
        if let Some(k) = job.keep_texts {
            // The kept stories are known only now: their texts are read again.
            let keep = kept_stories(&corpus, &stories, k);
            let kept: Vec<usize> = (0..stories.len()).filter(|&s| keep[s]).collect();
            let members: Vec<&[DocIdx]> = kept.iter().map(|&s| stories[s].members.as_slice()).collect();
            for (s, t) in kept.iter().zip(story_texts(inputs, &corpus, &members, progress)?) {
                texts[*s] = Some(t);
            }
        }
        (texts, divergence)
    } else {
        measure_stories(inputs, &corpus, &stories, &idf, job, progress)?
    };
    // Measuring began during story building; what it added is counted here.
    timings.record("divergence", start.elapsed().saturating_sub(stories_done));
    // Every re-reading is done.
    corpus.remove_spools()?;
    Ok(ClusterRun { corpus, signatures, groups, features, stories, divergence, texts, duplicate_of, timings })
}

/// Each article as the story layer sees it: its IDF-weighted vector (of at
/// most `article_terms` terms), quotes, times and near-duplicate group. The
/// items take what they need from `features`; the per-article term counts
/// are released (see [`ClusterRun::features`]).
pub fn story_items(
    corpus: &Corpus,
    groups: &Groups,
    idf: &Idf<'_>,
    features: &mut [Features],
    article_terms: usize,
) -> Vec<Item> {
    let mut group_of: Vec<Option<u32>> = vec![None; corpus.len()];
    for (g, members) in groups.groups.iter().enumerate() {
        for d in members {
            group_of[d.get()] = Some(g as u32);
        }
    }
    features
        .par_iter_mut()
        .with_max_len(crate::par::LIGHT)
        .enumerate()
        .map(|(i, f)| {
            let vector = idf.numbered_vector(f, article_terms);
            f.terms = Vec::new();
            Item {
                doc: DocIdx(i as u32),
                id: corpus.docs[i].id.clone(),
                vector,
                quote_grams: std::mem::take(&mut f.quote_grams),
                time: f.time,
                day_only: f.day_only,
                event_day: f.event_day,
                group: group_of[i],
            }
        })
        .collect()
}

/// The order of a story's members, and of stories by their first member:
/// by time (undated last), then id.
struct MemberOrder<'a> {
    corpus: &'a Corpus,
    features: &'a [Features],
}

impl MemberOrder<'_> {
    fn cmp(&self, a: &DocIdx, b: &DocIdx) -> std::cmp::Ordering {
        let time = |d: &DocIdx| self.features[d.get()].time;
        (time(a).is_none(), time(a), &self.corpus.doc(*a).id).cmp(&(
            time(b).is_none(),
            time(b),
            &self.corpus.doc(*b).id,
        ))
    }
}

/// The fewest members [`build_stories`] hands over at once, when no batch
/// is waiting to be measured.
const MIN_BATCH: usize = 16;

/// Builds the stories ([`cluster_closing`]). With `overlap`, each story of
/// two or more is handed, members in order, to `measure` as soon as it
/// closes, about [`ClusterJob::divergence_batch`] members at a time (or
/// [`MIN_BATCH`] when no batch is waiting, so that the first stories to close
/// do not wait for the batch to fill), on the threads the story building
/// leaves idle. Returns the stories in building order, the batches measured,
/// and when the building ended (the batches may end later).
fn build_stories<M>(
    items: Vec<Item>,
    job: &ClusterJob,
    overlap: bool,
    order: &MemberOrder<'_>,
    measure: &M,
) -> (Vec<Story>, Vec<MeasuredBatch>, std::time::Instant)
where
    M: Fn(Vec<(usize, Vec<DocIdx>)>) -> Result<Vec<MeasuredStory>> + Sync,
{
    let early: std::sync::Mutex<Vec<MeasuredBatch>> = std::sync::Mutex::new(Vec::new());
    // Batches handed over and not yet measured.
    let waiting = std::sync::atomic::AtomicUsize::new(0);
    let (stories, built_at) = rayon::scope(|scope| {
        let (early, waiting) = (&early, &waiting);
        let spawn = |batch: Vec<(usize, Vec<DocIdx>)>| {
            waiting.fetch_add(1, Ordering::Relaxed);
            scope.spawn(move |_| {
                let first = batch[0].0;
                let measured = measure(batch);
                early.lock().unwrap_or_else(|e| e.into_inner()).push((first, measured));
                waiting.fetch_sub(1, Ordering::Relaxed);
            })
        };
        let (mut pending, mut pending_members) = (Vec::new(), 0usize);
        let stories = cluster_closing(items, &job.story, |s, story| {
            if !overlap || story.members.len() < 2 {
                return;
            }
            let mut members = story.members.clone();
            members.sort_by(|a, b| order.cmp(a, b));
            pending_members += members.len();
            pending.push((s, members));
            let idle = waiting.load(Ordering::Relaxed) == 0 && pending_members >= MIN_BATCH;
            if pending_members >= job.divergence_batch || idle {
                spawn(std::mem::take(&mut pending));
                pending_members = 0;
            }
        });
        if !pending.is_empty() {
            spawn(pending);
        }
        (stories, std::time::Instant::now())
    });
    (stories, early.into_inner().unwrap_or_else(|e| e.into_inner()), built_at)
}

/// Stories in output order (by first publication time, then id), members
/// in [`MemberOrder`]; and for each story's index during building, its
/// place in that order.
fn in_output_order(stories: Vec<Story>, order: &MemberOrder<'_>) -> (Vec<Story>, Vec<usize>) {
    let mut built: Vec<(usize, Story)> = stories.into_iter().enumerate().collect();
    built.par_sort_by(|(_, a), (_, b)| {
        (a.first_time.is_none(), a.first_time, &a.id).cmp(&(b.first_time.is_none(), b.first_time, &b.id))
    });
    built
        .par_iter_mut()
        .with_max_len(crate::par::LIGHT)
        .for_each(|(_, story)| story.members.sort_by(|a, b| order.cmp(a, b)));
    let mut position = vec![0; built.len()];
    for (p, (s, _)) in built.iter().enumerate() {
        position[*s] = p;
    }
    (built.into_iter().map(|b| b.1).collect(), position)
}

/// Kept texts and divergences, indexed by story.
type Measured = (Vec<Option<StoryText>>, Vec<Vec<Divergence>>);

/// A batch measured during story building: its first story's index, and per
/// story its index, the members measured, their divergences and (if kept)
/// the text.
type MeasuredBatch = (usize, Result<Vec<MeasuredStory>>);

/// One story measured: index, members in order, divergences, text if kept.
type MeasuredStory = (usize, Vec<DocIdx>, Vec<Divergence>, Option<StoryText>);

/// Places the batches measured during story building at the stories' final
/// positions (`position` maps a story's index during building to its place in
/// `finals`, the stories' final members). A result counts only if it was
/// measured on the story's final members; the stories of two or more left
/// without one (an undated article joined them after they closed) are
/// measured now by `measure`. The first failure in story
/// order is returned, whatever the order in which the batches ended.
fn collect_measured(
    mut batches: Vec<MeasuredBatch>,
    position: &[usize],
    finals: &[&[DocIdx]],
    measure: impl FnOnce(Vec<(usize, Vec<DocIdx>)>) -> Result<Vec<MeasuredStory>>,
) -> Result<Vec<(Vec<Divergence>, Option<StoryText>)>> {
    batches.sort_by_key(|b| b.0);
    let mut out: Vec<Option<(Vec<Divergence>, Option<StoryText>)>> = vec![None; finals.len()];
    for (_, measured) in batches {
        for (s, members, d, t) in measured? {
            let p = position[s];
            if members == finals[p] {
                out[p] = Some((d, t));
            }
        }
    }
    let late: Vec<(usize, Vec<DocIdx>)> = (0..finals.len())
        .filter(|&p| finals[p].len() > 1 && out[p].is_none())
        .map(|p| (p, finals[p].to_vec()))
        .collect();
    if !late.is_empty() {
        for (p, _, d, t) in measure(late)? {
            out[p] = Some((d, t));
        }
    }
    Ok(out.into_iter().map(|m| m.unwrap_or_default()).collect())
}

/// Reads the stories `batch` (index, members in order) again and measures
/// every member's divergence.
fn measure_batch(
    inputs: &Inputs,
    corpus: &Corpus,
    batch: Vec<(usize, Vec<DocIdx>)>,
    idf: &Idf<'_>,
    keep_texts: bool,
    progress: &dyn Progress,
) -> Result<Vec<MeasuredStory>> {
    let members: Vec<&[DocIdx]> = batch.iter().map(|b| b.1.as_slice()).collect();
    // Each story is measured as soon as its members are prepared, while
    // their words are still in the cache.
    let measured = story_texts_with(inputs, corpus, &members, progress, |t| {
        let d = diverge(&t, idf);
        (d, keep_texts.then_some(t))
    })?;
    Ok(batch.into_iter().zip(measured).map(|(b, (d, t))| (b.0, b.1, d, t)).collect())
}

/// Which stories' texts [`KeepTexts`] keeps.
fn kept_stories(corpus: &Corpus, stories: &[Story], k: KeepTexts) -> Vec<bool> {
    let mut keep = vec![false; stories.len()];
    let eligible = |s: &usize| stories[*s].members.len() >= k.min_size.max(2);
    for s in rank_by_outlets(corpus, stories).into_iter().filter(eligible).take(k.stories) {
        keep[s] = true;
    }
    keep
}

/// Reads the multi-article stories again, in one pass over the input (which
/// cannot be read at offsets), and measures the divergence of every member;
/// returns the texts kept (see [`ClusterJob::keep_texts`]) and the
/// divergences, both indexed by story.
fn measure_stories(
    inputs: &Inputs,
    corpus: &Corpus,
    stories: &[Story],
    idf: &Idf<'_>,
    job: &ClusterJob,
    progress: &dyn Progress,
) -> Result<Measured> {
    let keep = match job.keep_texts {
        Some(k) => kept_stories(corpus, stories, k),
        None => vec![true; stories.len()],
    };
    let multi: Vec<(usize, Vec<DocIdx>)> =
        stories.iter().enumerate().filter(|(_, s)| s.members.len() > 1).map(|(i, s)| (i, s.members.clone())).collect();
    let mut texts: Vec<Option<StoryText>> = vec![None; stories.len()];
    let mut divergence: Vec<Vec<Divergence>> = vec![Vec::new(); stories.len()];
    for (s, _, d, t) in measure_batch(inputs, corpus, multi, idf, true, progress)? {
        divergence[s] = d;
        if keep[s] {
            texts[s] = t;
        }
    }
    Ok((texts, divergence))
}

/// What a member of a cluster line shows (DESIGN section 8). Serializes as
/// the member object: `id`, `source`, `published`, `duplicate_of`,
/// `divergence`, and `date_from_text` when the day came from the text.
#[derive(Debug, Clone)]
pub struct MemberFields<'a> {
    /// Its id, as in the input.
    pub id: &'a crate::ids::ArticleId,
    /// Outlet.
    pub source: Option<&'a str>,
    /// Publication time from the input.
    pub published: Option<crate::date::Published>,
    /// The kept article of its near-duplicate group, when it is not that.
    pub duplicate_of: Option<&'a crate::ids::ArticleId>,
    /// Its divergence (null when not measured).
    pub divergence: Option<&'a Divergence>,
    /// Reference day (shown as `date_from_text` when `published` is missing).
    pub day: Option<i64>,
}

impl serde::Serialize for MemberFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let from_text = match (self.published, self.day) {
            (None, Some(day)) => Some(crate::date::Published { unix: day * 86_400, date_only: true }),
            _ => None,
        };
        let mut m = s.serialize_map(Some(5 + usize::from(from_text.is_some())))?;
        m.serialize_entry("id", self.id)?;
        m.serialize_entry("source", &self.source)?;
        m.serialize_entry("published", &self.published)?;
        m.serialize_entry("duplicate_of", &self.duplicate_of)?;
        m.serialize_entry("divergence", &self.divergence)?;
        if let Some(date) = from_text {
            m.serialize_entry("date_from_text", &date)?;
        }
        m.end()
    }
}

/// A member object as JSON (see [`MemberFields`]).
pub fn member_json(m: &MemberFields<'_>) -> serde_json::Value {
    serde_json::to_value(m).expect("serializable")
}

/// A cluster line (DESIGN section 8). Serializes as `cluster`, `members`,
/// `size`, `outlets`, `first_published`, `last_published` (RFC 3339, UTC).
#[derive(Debug, Clone)]
pub struct ClusterLine<'a, M> {
    /// The story id.
    pub id: &'a str,
    /// The member objects.
    pub members: &'a [M],
    /// Its outlets, sorted, distinct.
    pub outlets: &'a [&'a str],
    /// Earliest member time (Unix seconds).
    pub first: Option<i64>,
    /// Latest member time.
    pub last: Option<i64>,
}

impl<M: serde::Serialize> serde::Serialize for ClusterLine<'_, M> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // An instant out of the representable range is shown as null.
        let time = |t: Option<i64>| {
            t.filter(|&t| jiff::Timestamp::from_second(t).is_ok())
                .map(|unix| crate::date::Published { unix, date_only: false })
        };
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("cluster", self.id)?;
        m.serialize_entry("members", self.members)?;
        m.serialize_entry("size", &self.members.len())?;
        m.serialize_entry("outlets", self.outlets)?;
        m.serialize_entry("first_published", &time(self.first))?;
        m.serialize_entry("last_published", &time(self.last))?;
        m.end()
    }
}

/// A cluster line as JSON (see [`ClusterLine`]).
pub fn cluster_line(
    id: &str,
    members: Vec<serde_json::Value>,
    outlets: &[&str],
    first: Option<i64>,
    last: Option<i64>,
) -> serde_json::Value {
    serde_json::to_value(ClusterLine { id, members: &members, outlets, first, last }).expect("serializable")
}

impl ClusterRun {
    /// The outlets of a story, sorted, distinct.
    pub fn outlets(&self, story: &Story) -> Vec<&str> {
        story_outlets(&self.corpus, story)
    }

    /// Story `s` as a cluster line (DESIGN section 8): `cluster`, `members`
    /// (each with `id`, `source`, `published`, `duplicate_of`, `divergence`),
    /// then `size`, `outlets`, `first_published`, `last_published`; appended
    /// to `out`, without a line break.
    pub fn write_story(&self, s: usize, out: &mut Vec<u8>) {
        let story = &self.stories[s];
        let divergence = &self.divergence[s];
        let members: Vec<MemberFields<'_>> = story
            .members
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                let meta = self.corpus.doc(d);
                MemberFields {
                    id: &meta.id,
                    source: self.corpus.source_of(d),
                    published: meta.published,
                    duplicate_of: self.duplicate_of[d.get()].map(|k| &self.corpus.doc(k).id),
                    divergence: divergence.get(k),
                    day: self.features[d.get()].day,
                }
            })
            .collect();
        let outlets = self.outlets(story);
        let line = ClusterLine {
            id: &story.id,
            members: &members,
            outlets: &outlets,
            first: story.first_time,
            last: story.last_time,
        };
        serde_json::to_writer(out, &line).expect("serializable");
    }

    /// Writes one story per line, those with at least `min_size` members.
    /// Lines are serialized in parallel, [`WRITE_BLOCK`] stories at a time,
    /// and written in story order; a block is written while the next one is
    /// serialized.
    pub fn write_jsonl(
        &self,
        out: &mut (dyn std::io::Write + Send),
        out_name: &std::path::Path,
        min_size: usize,
    ) -> Result<u64> {
        self.write_jsonl_in_blocks(out, out_name, min_size, WRITE_BLOCK)
    }

    /// As [`ClusterRun::write_jsonl`], `block` stories at a time (the same
    /// bytes whatever the block).
    pub fn write_jsonl_in_blocks(
        &self,
        out: &mut (dyn std::io::Write + Send),
        out_name: &std::path::Path,
        min_size: usize,
        block: usize,
    ) -> Result<u64> {
        let shown: Vec<usize> =
            (0..self.stories.len()).filter(|&s| self.stories[s].members.len() >= min_size).collect();
        let serialize = |stories: &[usize]| -> Vec<Vec<u8>> {
            stories
                .par_iter()
                .with_max_len(crate::par::LIGHT)
                .map(|&s| {
                    let mut line = Vec::with_capacity(1024);
                    self.write_story(s, &mut line);
                    line.push(b'\n');
                    line
                })
                .collect()
        };
        let mut write = |lines: &[Vec<u8>]| -> Result<()> {
            for line in lines {
                out.write_all(line).map_err(|e| crate::output::write_error(out_name, e))?;
            }
            Ok(())
        };
        let mut serialized = Vec::new();
        for stories in shown.chunks(block.max(1)) {
            let (next, written) = rayon::join(|| serialize(stories), || write(&serialized));
            written?;
            serialized = next;
        }
        write(&serialized)?;
        Ok(shown.len() as u64)
    }
}

/// Stories serialized at once by [`ClusterRun::write_jsonl`]: enough to keep
/// every thread busy, few enough that the lines held stay small.
pub const WRITE_BLOCK: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(d: &[u32]) -> Vec<DocIdx> {
        d.iter().map(|&d| DocIdx(d)).collect()
    }

    /// A divergence that says which batch measured it.
    fn marked(score: f64) -> Vec<Divergence> {
        vec![Divergence { score, ..Divergence::default() }]
    }

    #[test]
    fn early_results_count_only_for_final_members() {
        // Stories 0..3 during building sit at positions 2, 0, 1 at the end.
        let position = [2, 0, 1];
        let (a, b, c) = (docs(&[1, 2]), docs(&[3]), docs(&[4, 5, 6]));
        let finals: Vec<&[DocIdx]> = vec![&b, &c, &a];
        let batches: Vec<MeasuredBatch> = vec![
            // Story 2 measured with two members; an undated article joined it.
            (2, Ok(vec![(2, docs(&[4, 5]), marked(0.2), None)])),
            (0, Ok(vec![(0, a.clone(), marked(0.1), None)])),
        ];
        let mut late_asked = Vec::new();
        let out = collect_measured(batches, &position, &finals, |late| {
            late_asked = late.clone();
            Ok(late.into_iter().map(|(p, m)| (p, m, marked(0.9), None)).collect())
        })
        .unwrap();
        assert_eq!(late_asked, [(1, c.clone())], "the stale story is measured again, the single one never");
        let scores: Vec<Option<f64>> = out.iter().map(|(d, _)| d.first().map(|d| d.score)).collect();
        assert_eq!(scores, [None, Some(0.9), Some(0.1)]);
    }

    #[test]
    fn the_first_failure_in_story_order_is_reported() {
        let fail = |what: &str| Err(crate::error::Error::Config(what.into()));
        let batches: Vec<MeasuredBatch> = vec![(5, fail("later")), (1, fail("earlier"))];
        let a = docs(&[1, 2]);
        let err = collect_measured(batches, &[0], &[&a], |_| unreachable!()).unwrap_err();
        assert!(err.to_string().contains("earlier"), "{err}");
    }
}
