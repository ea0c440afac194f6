//! One run of `riwaya index add`: a batch of articles into the index.
//!
//! 1. **Read** the batch: validate, sign, extract story features, shingle
//!    sets (cut to 32 bits) and a content hash, with the boilerplate lines the
//!    index has learned removed as well as those this batch teaches.
//! 2. **Known articles**: an id already in the index with the same content is
//!    *already present* and skipped; with another content it is an error
//!    naming the file and line, or, with `--update`, the old version is
//!    removed and the new one added.
//! 3. **Near-duplicates** against the whole index and within the batch: LSH
//!    band keys looked up in the index's runs, the same pre-filter as `dedup`,
//!    then exact Jaccard (and containment) on the stored shingle sets. Groups
//!    are persistent: a group keeps the ordinal of its first article, and when
//!    a new article links two groups the younger becomes an alias of the older.
//! 4. **Stories**: the index's stories that a new article could still join
//!    (those with articles from `max_span_days + window_days` before the
//!    batch's first article on) are rebuilt by replaying their articles, in the
//!    order they were placed, through [`crate::story::StoryIndex::replay`]; when a
//!    new article unites near-duplicate groups of two stories, the younger
//!    story is merged into the older, whose id survives; then the new
//!    articles are placed by [`crate::story::StoryIndex::add`], exactly as
//!    `riwaya cluster` places them. IDF comes from the index's document
//!    frequencies plus the batch's, over the background table.
//! 5. **Report** (optional): the HTML page of the changed clusters from the
//!    texts at hand ([`super::report`]).
//! 6. **Commit**: the caller writes the run's outputs first (the
//!    `before_commit` hook of [`add_with`]); then a new segment, runs, document
//!    frequencies and state under fresh names, then the manifest (see
//!    [`super::store`]). A batch with nothing new commits nothing.
//!
//! The new and changed clusters come back in the `cluster` schema with a
//! `status` of `new`, `grown` or `merged`.

use super::report::{self, Changed, Report, ReportJob};
use super::runs::{self, BandEntry, Entry, IdEntry};
use super::segment::{self, Record};
use super::store::{self, LastRun, RunMeta, SegmentMeta};
use super::{Access, ID_SEED, Index};
use crate::background::{Background, builtin};
use crate::cluster::{MemberFields, cluster_line, member_json};
use crate::corpus::{Corpus, ReadOptions};
use crate::dedup::DedupOptions;
use crate::error::{Error, Result};
use crate::features::{Features, read_sign_and_extract};
use crate::hash::xxh3;
use crate::ids::{ArticleId, DocIdx};
use crate::input::Inputs;
use crate::job::SignOptions;
use crate::lsh::{band_keys, band_seeds, candidate_pairs};
use crate::minhash::estimate_jaccard;
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::story::{Idf, Item, StoryIndex, StoryOptions, TermNumbers};
use crate::timing::Timings;
use crate::unionfind::UnionFind;
use crate::verify::overlap;
use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Everything an `index add` run needs.
#[derive(Debug, Clone, Default)]
pub struct AddJob {
    /// The index directory.
    pub dir: PathBuf,
    /// Reading.
    pub read: ReadOptions,
    /// Signing.
    pub sign: SignOptions,
    /// Near-duplicates.
    pub dedup: DedupOptions,
    /// Stories (its window bounds matching).
    pub story: StoryOptions,
    /// Replace articles whose id is known but whose text changed.
    pub update: bool,
    /// Wait for the lock instead of failing.
    pub wait: bool,
    /// Render the HTML report of the new and changed clusters.
    pub report: Option<ReportJob>,
}

impl AddJob {
    /// The signature scheme.
    pub fn scheme(&self) -> Scheme {
        Scheme::of(&self.sign, &self.dedup)
    }
}

/// What a run did.
#[derive(Debug)]
pub struct AddRun {
    /// The batch as read (problems skipped, sources).
    pub corpus: Corpus,
    /// Articles added.
    pub added: u64,
    /// Articles already present with the same content.
    pub already_present: u64,
    /// Articles replaced (`--update`).
    pub updated: u64,
    /// New articles that near-duplicate another article.
    pub duplicates: u64,
    /// New and changed clusters, sorted by first publication then id, in the
    /// `cluster` schema with `status`.
    pub clusters: Vec<serde_json::Value>,
    /// Stories founded.
    pub new_stories: u64,
    /// Stories that gained articles.
    pub grown_stories: u64,
    /// Stories merged into older ones.
    pub merged_stories: u64,
    /// Index articles replayed to rebuild the window's stories.
    pub replayed: u64,
    /// The index after the run: articles and clusters.
    pub index_articles: u64,
    /// See `index_articles`.
    pub index_clusters: u64,
    /// The generation committed (unchanged when nothing was new).
    pub generation: u64,
    /// The HTML report, when [`AddJob::report`] asked for it.
    pub report: Option<Report>,
    /// Time per stage.
    pub timings: Timings,
}

impl AddRun {
    /// The run's summary as JSON (for `--summary`).
    pub fn summary_json(&self) -> serde_json::Value {
        let status = |s: &str| {
            self.clusters.iter().filter(|c| c["status"] == s).map(|c| c["cluster"].clone()).collect::<Vec<_>>()
        };
        serde_json::json!({
            "articles_read": self.corpus.len(),
            "added": self.added,
            "already_present": self.already_present,
            "updated": self.updated,
            "near_duplicates": self.duplicates,
            "skipped_invalid": self.corpus.problems.total(),
            "skipped_by_kind": self.corpus.problems.counts().iter().map(|(k, n)| (k.name().to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
            "clusters": {
                "new": status("new"),
                "grown": status("grown"),
                "merged": status("merged"),
            },
            "index": { "articles": self.index_articles, "clusters": self.index_clusters, "generation": self.generation },
            "replayed": self.replayed,
            "report": self.report.as_ref().map(|r| serde_json::json!({
                "clusters": r.stories,
                "versions_at_hand": r.versions_at_hand,
                "versions_without_text": r.versions_absent,
                "texts_read": r.texts_read,
                "texts_skipped_invalid": r.texts_skipped_invalid,
            })),
            "timings_seconds": self.timings.stages().iter().map(|(n, d)| (n.to_string(), d.as_secs_f64())).collect::<std::collections::BTreeMap<_, _>>(),
            "total_seconds": self.timings.total().as_secs_f64(),
        })
    }
}

/// A new article's story vector and quote 3-grams, in stored precision.
type StoredFeatures = (Vec<(u32, u16)>, Vec<u32>);

/// What the read pass keeps per article.
struct Read {
    features: Features,
    shingles: Vec<u32>,
    content_hash: u64,
}

/// The hash of an article's title and text, stored to recognise it again.
pub(super) fn content_hash(title: &str, text: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::with_seed(0x636f_6e74_656e_7401);
    h.update(title.as_bytes());
    h.update(&[0]);
    h.update(text.as_bytes());
    h.digest()
}

/// The id key of the id runs.
pub fn id_key(id: &ArticleId) -> u64 {
    xxh3(id.as_str().as_bytes(), ID_SEED)
}

/// A vector in its stored precision: 32-bit keys, weights in 1/65535ths.
fn quantize(vector: &[(u64, f32)]) -> Vec<(u32, u16)> {
    let mut q: Vec<(u32, u16)> =
        vector.iter().map(|&(k, w)| (k as u32, ((w * 65535.0).round() as u32).clamp(1, 65535) as u16)).collect();
    q.sort_unstable_by_key(|t| t.0);
    q.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 = a.1.saturating_add(b.1);
            true
        } else {
            false
        }
    });
    q
}

/// A stored vector, its keys numbered for the story layer.
fn dequantize(v: &[(u32, u16)], numbers: &TermNumbers) -> Vec<(u32, f32)> {
    let keyed: Vec<(u64, f32)> = v.iter().map(|&(k, w)| (u64::from(k), f32::from(w) / 65535.0)).collect();
    numbers.number(&keyed)
}

fn item_of(doc: u32, r: &Record, group: u32, numbers: &TermNumbers) -> Item {
    Item {
        doc: DocIdx(doc),
        id: r.id.clone(),
        vector: dequantize(&r.vector, numbers),
        quote_grams: r.quote_grams.iter().map(|&g| u64::from(g)).collect(),
        time: r.time,
        day_only: r.day_only,
        event_day: r.event_day,
        group: Some(group),
    }
}

/// Runs `index add`.
pub fn add(inputs: &Inputs, job: &AddJob, progress: &dyn Progress) -> Result<AddRun> {
    add_with(inputs, job, builtin(), progress, &mut |_| Ok(()))
}

/// As [`add`] with a given background table; `before_commit` sees the run
/// (its clusters and report) before anything is committed, so a caller can
/// write the run's outputs first: when that fails, the index is unchanged
/// and a rerun redoes the same run. (The run's `commit` timing is added
/// after it.)
pub fn add_with(
    inputs: &Inputs,
    job: &AddJob,
    background: &Background,
    progress: &dyn Progress,
    before_commit: &mut dyn FnMut(&AddRun) -> Result<()>,
) -> Result<AddRun> {
    let mut timings = Timings::default();
    let scheme = job.scheme();
    let earlier = job.report.as_ref().map(report::open_texts).transpose()?.flatten();
    let mut index = timings.time("open", || Index::open(&job.dir, Some(&scheme), Access::Write { wait: job.wait }))?;
    let mut state = index.state.clone();

    // 1. Read.
    let mut read = job.read.clone();
    read.known_boilerplate = state.boilerplate.clone();
    let (corpus, sigs, extras) = timings.time("read+sign", || {
        read_sign_and_extract(inputs, &read, &scheme, progress, |article, _, features, set| {
            let mut shingles: Vec<u32> = set.iter().map(|&h| h as u32).collect();
            shingles.sort_unstable();
            shingles.dedup();
            Read { features, shingles, content_hash: content_hash(&article.title, &article.text) }
        })
    })?;

    // 2. Known articles.
    let (fresh, already_present, replaced) = timings.time("known ids", || -> Result<_> {
        // Every stored ordinal under the batch's id keys, fetched at once
        // (in ordinal order, so each block is decompressed once).
        let hits: Vec<Vec<u32>> = corpus
            .docs
            .iter()
            .map(|m| index.id_matches(id_key(&m.id)).iter().map(|e| e.ordinal).collect())
            .collect();
        let mut wanted: Vec<u32> = hits.iter().flatten().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let known = index.records(&wanted, false)?;
        let mut fresh = Vec::new();
        let mut present = 0u64;
        let mut replaced = Vec::new();
        for (i, meta) in corpus.docs.iter().enumerate() {
            let same = hits[i]
                .iter()
                .map(|o| &known[wanted.binary_search(o).expect("fetched")])
                .find(|r| r.id == meta.id);
            match same {
                None => fresh.push(DocIdx(i as u32)),
                Some(r) if r.content_hash == extras[i].content_hash => present += 1,
                Some(r) if job.update => {
                    replaced.push(r.ordinal);
                    fresh.push(DocIdx(i as u32));
                }
                Some(_) => {
                    return Err(Error::Index(format!(
                        "{}: id {:?} is already in the index with a different title or text; pass --update to replace it",
                        corpus.location(inputs, DocIdx(i as u32)),
                        meta.id.as_str()
                    )));
                }
            }
        }
        Ok((fresh, present, replaced))
    })?;
    state.removed.extend(&replaced);
    state.removed.sort_unstable();
    state.removed.dedup();
    // Replaced articles' old versions no longer match anything.
    index.state.removed.clone_from(&state.removed);

    // Placement order, as in `riwaya cluster`: dated first, by time, then id.
    let mut fresh = fresh;
    let time_of = |d: &DocIdx| extras[d.get()].features.time;
    fresh.sort_by(|a, b| {
        (time_of(a).is_none(), time_of(a), &corpus.doc(*a).id).cmp(&(
            time_of(b).is_none(),
            time_of(b),
            &corpus.doc(*b).id,
        ))
    });
    let base = index.manifest.next_ordinal;
    let n = fresh.len();
    if base.checked_add(n as u32).is_none() {
        return Err(Error::Index("the index would hold more than 4 billion articles".into()));
    }
    let ordinal = |i: usize| base + i as u32;

    // 3. Near-duplicates.
    let k = sigs.k;
    let seeds = band_seeds(scheme.seed, scheme.lsh.bands);
    let fresh_sig = |i: usize| sigs.get(fresh[i]);
    let fresh_bands: Vec<Vec<u32>> = fresh
        .par_iter()
        .map(|&d| {
            let mut keys = Vec::new();
            band_keys(sigs.get(d), scheme.lsh, &seeds, &mut keys);
            keys.into_iter().map(|k| k as u32).collect()
        })
        .collect();
    let (groups, duplicates, old_groups_united) = timings.time("near-duplicates", || -> Result<_> {
        let mut values = Vec::with_capacity(n * k);
        for i in 0..n {
            values.extend_from_slice(fresh_sig(i));
        }
        let inner = candidate_pairs(&values, k, scheme.lsh, scheme.seed, job.dedup.limits);
        let mut outer: Vec<(u32, u32)> = (0..n)
            .into_par_iter()
            .flat_map_iter(|i| {
                let mut found = Vec::new();
                index.band_matches(&fresh_bands[i], &mut found);
                found.sort_unstable();
                found.dedup();
                found.into_iter().map(move |o| (i as u32, o))
            })
            .collect();
        outer.sort_unstable();
        let mut old: Vec<u32> = outer.iter().map(|p| p.1).collect();
        old.sort_unstable();
        old.dedup();
        let old_records = index.records(&old, true)?;
        let slot = |o: u32| old.binary_search(&o).expect("fetched");
        let o = &job.dedup;
        let passes = |a: &[u32], b: &[u32], na: usize, nb: usize| {
            let j = estimate_jaccard(a, b);
            j >= o.threshold - o.prefilter_margin
                || o.containment.is_some_and(|c| {
                    let (na, nb) = (na as f64, nb as f64);
                    j * (na + nb) / ((1.0 + j) * na.min(nb).max(1.0)) >= c - o.prefilter_margin
                })
        };
        let linked = |a: &[u32], b: &[u32]| {
            let ov = overlap(a, b);
            ov.jaccard >= o.threshold || o.containment.is_some_and(|c| ov.containment >= c)
        };
        let sh = |i: usize| &extras[fresh[i].get()].shingles;
        let mut uf = UnionFind::new(n + old.len());
        let inner_links: Vec<(u32, u32)> = inner
            .par_iter()
            .filter(|&&(a, b)| {
                let (a, b) = (a as usize, b as usize);
                passes(fresh_sig(a), fresh_sig(b), sh(a).len(), sh(b).len()) && linked(sh(a), sh(b))
            })
            .copied()
            .collect();
        let outer_links: Vec<(u32, u32)> = outer
            .par_iter()
            .filter(|&&(i, o)| {
                let (i, r) = (i as usize, &old_records[slot(o)]);
                passes(fresh_sig(i), &r.signature, sh(i).len(), r.shingles.len()) && linked(sh(i), &r.shingles)
            })
            .copied()
            .collect();
        for (a, b) in inner_links {
            uf.union(a, b);
        }
        for (i, o) in outer_links {
            uf.union(i, (n + slot(o)) as u32);
        }
        // Each component's group: the oldest existing group it touches, else
        // its first new article's ordinal.
        let mut comp_old: AHashMap<u32, Vec<u32>> = AHashMap::new();
        for (j, r) in old_records.iter().enumerate() {
            comp_old.entry(uf.find((n + j) as u32)).or_default().push(state.group(r.group));
        }
        let mut size: AHashMap<u32, u32> = AHashMap::new();
        for x in 0..(n + old.len()) as u32 {
            *size.entry(uf.find(x)).or_default() += 1;
        }
        let mut groups = vec![0u32; n];
        let mut duplicates = 0;
        let mut first_new: AHashMap<u32, u32> = AHashMap::new();
        for (i, g) in groups.iter_mut().enumerate() {
            let root = uf.find(i as u32);
            let existing = comp_old.get(&root).and_then(|v| v.iter().min().copied());
            *g = existing.unwrap_or_else(|| *first_new.entry(root).or_insert(ordinal(i)));
            if size[&root] > 1 {
                duplicates += 1;
            }
        }
        // Existing groups united by the batch: the younger ones become aliases.
        let mut united = Vec::new();
        for v in comp_old.values_mut() {
            v.sort_unstable();
            v.dedup();
            for &g in &v[1..] {
                state.group_alias.insert(g, v[0]);
                united.push((v[0], g));
            }
        }
        united.sort_unstable();
        Ok((groups, duplicates, united))
    })?;

    // 4. Stories.
    let mut batch_df: AHashMap<u64, u32> = AHashMap::new();
    for d in &fresh {
        for &(t, _) in &extras[d.get()].features.terms {
            *batch_df.entry(t).or_default() += 1;
        }
    }
    let counts: AHashMap<u64, u32> = batch_df.iter().map(|(&t, &c)| (t, c + index.df.df(t))).collect();
    let idf = Idf::from_counts(background, counts, index.manifest.df_docs + n as u64);
    let o = &job.story;
    let built: Vec<StoredFeatures> = fresh
        .par_iter()
        .map(|d| {
            let f = &extras[d.get()].features;
            let vector = quantize(&idf.vector(f, o.article_terms));
            let mut grams: Vec<u32> = f.quote_grams.iter().map(|&g| g as u32).collect();
            grams.sort_unstable();
            grams.dedup();
            (vector, grams)
        })
        .collect();
    let day = 86_400.0;
    let earliest = fresh.iter().filter_map(|d| extras[d.get()].features.time).min();
    let cut = earliest.map(|t| t - ((o.max_span_days + o.window_days) * day) as i64);
    let mut replayed: Vec<Record> = Vec::new();
    timings.time("replay", || {
        if n == 0 {
            return Ok(());
        }
        index.scan(
            |m| match (cut, m.max_time) {
                (Some(c), Some(max)) => max >= c,
                (None, _) => true,
                (Some(_), None) => m.undated > 0,
            },
            false,
            |r| {
                let recent = match (cut, r.time) {
                    (Some(c), Some(t)) => t >= c,
                    _ => true,
                };
                if recent {
                    replayed.push(r);
                }
                Ok(())
            },
        )
    })?;
    let r_len = replayed.len() as u32;
    // The story layer numbers the (32-bit) keys of the vectors at hand.
    let numbers = TermNumbers::new(
        replayed
            .iter()
            .flat_map(|r| r.vector.iter())
            .chain(built.iter().flat_map(|b| b.0.iter()))
            .map(|&(k, _)| u64::from(k))
            .collect(),
    );
    let mut stories = StoryIndex::new(job.story.clone());
    let mut merged_into: Vec<(usize, usize)> = Vec::new();
    let placed: Vec<usize> = timings.time("stories", || {
        // The groups and stories as they were before this run.
        for (j, r) in replayed.iter().enumerate() {
            let g = index.state.group(r.group);
            stories.replay(&item_of(j as u32, r, g, &numbers), &index.state.story(&r.story));
        }
        // Old groups united by new articles bring their stories together.
        for &(keep_g, gone_g) in &old_groups_united {
            let (Some(a), Some(b)) = (stories.story_of_group(keep_g), stories.story_of_group(gone_g)) else {
                continue;
            };
            if a == b {
                continue;
            }
            let key = |s: usize| {
                let st = &stories.stories()[s];
                (st.first_time.is_none(), st.first_time, st.id.clone())
            };
            let (keep, gone) = if key(a) <= key(b) { (a, b) } else { (b, a) };
            let (sk, sg) = (&stories.stories()[keep], &stories.stories()[gone]);
            let span_ok = match (sk.first_time.zip(sk.last_time), sg.first_time.zip(sg.last_time)) {
                (Some((f1, l1)), Some((f2, l2))) => (l1.max(l2) - f1.min(f2)) as f64 <= o.max_span_days * day,
                _ => true,
            };
            if span_ok {
                state.story_alias.insert(sg.id.clone(), sk.id.clone());
                state.merges.push((sg.id.clone(), sk.id.clone(), index.manifest.generation + 1));
                stories.merge(keep, gone);
                merged_into.push((keep, gone));
            }
        }
        (0..n)
            .map(|i| {
                let (vector, grams) = &built[i];
                let f = &extras[fresh[i].get()].features;
                let item = Item {
                    doc: DocIdx(r_len + i as u32),
                    id: corpus.doc(fresh[i]).id.clone(),
                    vector: dequantize(vector, &numbers),
                    quote_grams: grams.iter().map(|&g| u64::from(g)).collect(),
                    time: f.time,
                    day_only: f.day_only,
                    event_day: f.event_day,
                    group: Some(groups[i]),
                };
                stories.add(&item)
            })
            .collect()
    });
    let existed: AHashSet<usize> = replayed.iter().filter_map(|r| stories.find(&index.state.story(&r.story))).collect();

    // The records of the new articles.
    let records: Vec<Record> = (0..n)
        .map(|i| {
            let d = fresh[i];
            let meta = corpus.doc(d);
            let e = &extras[d.get()];
            Record {
                ordinal: ordinal(i),
                id: meta.id.clone(),
                source: corpus.source_of(d).map(str::to_string),
                published: meta.published,
                time: e.features.time,
                day_only: e.features.day_only,
                day: e.features.day,
                event_day: e.features.event_day,
                content_hash: e.content_hash,
                tokens: sigs.token_counts[d.get()],
                signature: sigs.get(d).to_vec(),
                shingles: e.shingles.clone(),
                vector: built[i].0.clone(),
                quote_grams: built[i].1.clone(),
                story: stories.stories()[placed[i]].id.clone(),
                group: groups[i],
            }
        })
        .collect();

    // New and changed clusters.
    let mut touched: Vec<usize> = placed.clone();
    touched.extend(merged_into.iter().map(|m| m.0));
    touched.sort_unstable();
    touched.dedup();
    let member =
        |d: DocIdx| -> &Record { if d.0 < r_len { &replayed[d.get()] } else { &records[(d.0 - r_len) as usize] } };
    let mut clusters: Vec<(Option<i64>, String, serde_json::Value, Changed<'_>)> = Vec::new();
    let (mut new_stories, mut grown) = (0, 0);
    for &s in &touched {
        let story = &stories.stories()[s];
        let merged_from: Vec<&str> =
            merged_into.iter().filter(|m| m.0 == s).map(|m| stories.stories()[m.1].id.as_str()).collect();
        let status = if !existed.contains(&s) {
            new_stories += 1;
            "new"
        } else if !merged_from.is_empty() {
            "merged"
        } else {
            grown += 1;
            "grown"
        };
        let mut members: Vec<&Record> = story.members.iter().map(|&d| member(d)).collect();
        members.sort_by(|a, b| (a.time.is_none(), a.time, &a.id).cmp(&(b.time.is_none(), b.time, &b.id)));
        let duplicates = duplicate_of(&members, |g| state.group(g));
        let mut json = cluster_json(&story.id, &members, &duplicates, |r| r.ordinal >= base);
        json["status"] = status.into();
        if !merged_from.is_empty() {
            json["merged_from"] = merged_from.into();
        }
        let fresh = members.iter().filter(|r| r.ordinal >= base).map(|r| r.ordinal).collect();
        let changed = Changed { id: story.id.clone(), status, members, fresh, duplicates };
        clusters.push((story.first_time, story.id.clone(), json, changed));
    }
    clusters.sort_by(|a, b| (a.0.is_none(), a.0, &a.1).cmp(&(b.0.is_none(), b.0, &b.1)));
    let (clusters, changed): (Vec<serde_json::Value>, Vec<Changed<'_>>) =
        clusters.into_iter().map(|c| (c.2, c.3)).unzip();
    let report = match &job.report {
        Some(r) => Some(timings.time("report", || {
            let hashes: Vec<u64> = extras.iter().map(|e| e.content_hash).collect();
            let df = |k: u64| index.df.df(k) + batch_df.get(&k).copied().unwrap_or(0);
            report::render(
                r,
                earlier.as_ref(),
                &read,
                &changed,
                &report::RunTexts { inputs, corpus: &corpus, hashes: &hashes },
                &report::Frequencies { background, df: &df, docs: index.manifest.df_docs + n as u64 },
                progress,
            )
        })?),
        None => None,
    };
    drop(changed);

    // 6. Commit: the run's outputs first (`before_commit`), then the files.
    let committing = n > 0 || !replaced.is_empty();
    let generation = index.manifest.generation + 1;
    let mut manifest = index.manifest.clone();
    if committing {
        manifest.generation = generation;
        manifest.next_ordinal = base + n as u32;
        manifest.articles = manifest.articles + n as u64 - replaced.len() as u64;
        manifest.stories = manifest.stories + new_stories - merged_into.len() as u64;
    }
    let mut run = AddRun {
        added: (n - replaced.len()) as u64,
        already_present,
        updated: replaced.len() as u64,
        duplicates,
        clusters,
        new_stories,
        grown_stories: grown,
        merged_stories: merged_into.len() as u64,
        replayed: u64::from(r_len),
        index_articles: manifest.articles,
        index_clusters: manifest.stories,
        generation: manifest.generation,
        report,
        timings,
        corpus,
    };
    before_commit(&run)?;
    let corpus = &run.corpus;
    if committing {
        run.timings.time("commit", || -> Result<()> {
            let dir = job.dir.as_path();
            let name = |kind: &str, ext: &str| format!("{kind}-{generation:08}.{ext}");
            let seg_name = name("seg", "rws");
            segment::write(&dir.join(&seg_name), &records)?;
            let dated: Vec<i64> = records.iter().filter_map(|r| r.time).collect();
            manifest.segments.push(SegmentMeta {
                file: seg_name,
                first: base,
                last: base + n as u32 - 1,
                count: n as u32,
                min_time: dated.iter().min().copied(),
                max_time: dated.iter().max().copied(),
                undated: (n - dated.len()) as u32,
            });
            let mut bands: Vec<BandEntry> = fresh_bands
                .iter()
                .enumerate()
                .flat_map(|(i, keys)| keys.iter().map(move |&key| BandEntry { key, ordinal: ordinal(i) }))
                .collect();
            bands.sort_unstable();
            bands.dedup();
            let mut ids: Vec<IdEntry> = records
                .iter()
                .map(|r| IdEntry { key: id_key(&r.id), ordinal: r.ordinal, content: r.content_hash as u32 })
                .collect();
            ids.sort_unstable();
            let removed = &state.removed;
            manifest.band_runs =
                add_run(dir, &index.band_runs, &manifest.band_runs, bands, &name("bands", "run"), removed)?;
            manifest.id_runs = add_run(dir, &index.id_runs, &manifest.id_runs, ids, &name("ids", "run"), removed)?;
            let mut batch: Vec<(u64, u32)> = batch_df.into_iter().collect();
            batch.sort_unstable();
            let df = index.df.plus(&batch, n as u64);
            let df_name = name("df", "bin");
            store::write_durably(&dir.join(&df_name), &df.to_bytes_at(3))?;
            manifest.df = Some(df_name);
            manifest.df_docs = df.docs();
            for (slot, source) in std::iter::once(None).chain(corpus.sources().iter().map(Some)).enumerate() {
                let Some(source) = source else { continue };
                let keys = corpus.stripper.learned().keys(slot);
                if !keys.is_empty() {
                    let stored = state.boilerplate.entry(source.clone()).or_default();
                    stored.extend(keys);
                    stored.sort_unstable();
                    stored.dedup();
                }
            }
            let state_name = name("state", "json.zst");
            store::write_json(&dir.join(&state_name), &state)?;
            manifest.state = Some(state_name);
            manifest.last_run = Some(LastRun {
                command: "add".into(),
                finished: store::now_rfc3339(),
                added: n as u64 - replaced.len() as u64,
                already_present,
                updated: replaced.len() as u64,
                removed: 0,
            });
            store::commit_manifest(dir, &manifest)?;
            store::collect_garbage(dir, &manifest)
        })?;
    }
    Ok(run)
}

/// The kept article's id of each member of `members` that is not its
/// near-duplicate group's keeper (the earliest, by [`Record::keep_key`]), by
/// ordinal; groups are as `group` resolves a record's stored one (groups
/// united since it was stored are one group).
pub(super) fn duplicate_of<'r>(members: &[&'r Record], group: impl Fn(u32) -> u32) -> AHashMap<u32, &'r ArticleId> {
    let mut keeper: AHashMap<u32, &Record> = AHashMap::new();
    for &r in members {
        let e = keeper.entry(group(r.group)).or_insert(r);
        if r.keep_key() < e.keep_key() {
            *e = r;
        }
    }
    members
        .iter()
        .map(|r| (r.ordinal, keeper[&group(r.group)]))
        .filter(|(o, k)| k.ordinal != *o)
        .map(|(o, k)| (o, &k.id))
        .collect()
}

/// Adds a run of `entries` to the runs of a table and merges, LSM-style,
/// while the newest run is at least half the size of the one before it.
/// Entries of removed articles are dropped when runs are merged.
fn add_run<E: Entry>(
    dir: &Path,
    open: &[runs::Run<E>],
    metas: &[RunMeta],
    entries: Vec<E>,
    name: &str,
    removed: &[u32],
) -> Result<Vec<RunMeta>> {
    // Runs as (meta, entries if not yet written).
    let mut stack: Vec<(RunMeta, Option<Vec<E>>)> = metas.iter().cloned().map(|m| (m, None)).collect();
    stack.push((RunMeta { file: name.to_string(), entries: entries.len() as u64 }, Some(entries)));
    let mut merges = 0;
    while stack.len() >= 2 && stack[stack.len() - 1].0.entries * 2 >= stack[stack.len() - 2].0.entries {
        let (_, newer) = stack.pop().expect("two runs");
        let (older_meta, older) = stack.pop().expect("two runs");
        let load = |m: &RunMeta, e: Option<Vec<E>>| -> Vec<E> {
            e.unwrap_or_else(|| {
                let i = metas.iter().position(|x| x.file == m.file).expect("an open run");
                open[i].entries().collect()
            })
        };
        let a = load(&older_meta, older);
        let b = newer.expect("the newest run is in memory");
        let mut merged = Vec::with_capacity(a.len() + b.len());
        merged.extend(a.into_iter().chain(b).filter(|e| removed.binary_search(&e.ordinal()).is_err()));
        merged.sort_unstable();
        merges += 1;
        let file = format!("{}.{merges}", name);
        stack.push((RunMeta { file, entries: merged.len() as u64 }, Some(merged)));
    }
    let mut out = Vec::with_capacity(stack.len());
    for (meta, entries) in stack {
        if let Some(e) = entries {
            runs::write(&dir.join(&meta.file), &e)?;
        }
        out.push(meta);
    }
    Ok(out)
}

/// A cluster as JSON, in the `cluster` schema: members sorted by time then
/// id, each with `id`, `source`, `published`, `duplicate_of` (the earliest
/// member of its near-duplicate group in the cluster, from `duplicate_of`),
/// `divergence` (null:
/// the index keeps no texts) and `added` when `fresh` says so.
pub fn cluster_json(
    id: &str,
    members: &[&Record],
    duplicates: &AHashMap<u32, &ArticleId>,
    fresh: impl Fn(&Record) -> bool,
) -> serde_json::Value {
    let mut members: Vec<&Record> = members.to_vec();
    members.sort_by(|a, b| (a.time.is_none(), a.time, &a.id).cmp(&(b.time.is_none(), b.time, &b.id)));
    let list: Vec<serde_json::Value> = members
        .iter()
        .map(|r| {
            let mut m = member_json(&MemberFields {
                id: &r.id,
                source: r.source.as_deref(),
                published: r.published,
                duplicate_of: duplicates.get(&r.ordinal).copied(),
                divergence: None,
                day: r.day,
            });
            if fresh(r) {
                m["added"] = true.into();
            }
            m
        })
        .collect();
    let mut outlets: Vec<&str> = members.iter().filter_map(|r| r.source.as_deref()).collect();
    outlets.sort_unstable();
    outlets.dedup();
    let times = || members.iter().filter_map(|r| r.time);
    cluster_line(id, list, &outlets, times().min(), times().max())
}
