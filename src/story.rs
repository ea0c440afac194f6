//! Same-event clustering (DESIGN section 6): which articles report one event.
//!
//! Rewritten versions of one event share names, numbers, quotes and dates, not
//! long verbatim runs, so the decision is made on IDF-weighted stems, not on
//! shingles:
//! - each article is a unit vector of `(1 + ln tf) · idf` over its L3 stems
//!   (title stems count twice), pruned to its [`StoryOptions::article_terms`]
//!   heaviest terms; IDF blends the batch's own document frequencies with the
//!   built-in background table (`idf = ln((N_bg + N + 1) / (df_bg + df + 1))`),
//!   so a batch of five articles still knows that شمخاني is rare and الحكومة
//!   is not;
//! - an article's similarity to a story is the cosine with the story's
//!   centroid (the sum of its members' vectors), plus a bonus when it quotes a
//!   phrase the story quotes, minus a penalty when the day it reports is two
//!   days or more from every day the story reports, minus a time penalty
//!   `min(time_penalty_max, time_decay · max(0, |t − mean| − grace))` in days
//!   from the mean publication time of the story's members (the grace is a
//!   day longer when either side only knows its date): follow-ups a day or
//!   two later must be closer in words to join, which separates "charged"
//!   from "taken into custody" while a late report of the same event still
//!   joins;
//! - only stories whose latest article is within the window (default ±3 days)
//!   and whose span would stay within [`StoryOptions::max_span_days`] are
//!   considered; near-duplicate groups always go to the same story.
//!
//! **Clustering** is single-pass centroid linkage in time order (as in Topic
//! Detection and Tracking, Allan et al. 1998): each article, in order of
//! (time, id), joins the most similar story if the score reaches the
//! threshold, or founds a new one. An article is compared with centroids,
//! never with single members, so a chain of pairwise links cannot merge
//! unrelated stories. Candidate stories are found through postings of the
//! article's rarest terms, so each article costs about the same whatever the
//! size of the archive. Articles with no known day go last, against every
//! story, with a stricter threshold. The same [`StoryIndex::add`] serves a
//! whole archive at once and one night added to an index.
//!
//! A story's id is derived from its founding article's id, so it never
//! changes as the story grows.

use crate::background::Background;
use crate::features::Features;
use crate::hash::xxh3;
use crate::ids::{ArticleId, DocIdx};
use ahash::{AHashMap, AHashSet};
use rayon::slice::ParallelSliceMut;

/// Story clustering settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryOptions {
    /// An article joins a story whose latest article is at most this many
    /// days away.
    pub window_days: f64,
    /// The span of a story (first to last article) stays within this.
    pub max_span_days: f64,
    /// Score needed to join a story.
    pub threshold: f64,
    /// Added when the article quotes a phrase the story quotes.
    pub quote_bonus: f64,
    /// Subtracted when the days reported conflict.
    pub date_penalty: f64,
    /// Subtracted per day between an article and the mean time of a story's
    /// members, beyond [`StoryOptions::time_grace_days`].
    pub time_decay: f64,
    /// Distance from a story's mean time that costs nothing.
    pub time_grace_days: f64,
    /// The most that distance in time can cost, so that a late report
    /// that is close enough in words still joins within the window.
    pub time_penalty_max: f64,
    /// Added to the threshold for articles with no known day.
    pub undated_extra: f64,
    /// Terms kept per article vector.
    pub article_terms: usize,
    /// Terms kept per story centroid.
    pub centroid_terms: usize,
    /// Rarest terms of an article used to find candidate stories.
    pub probe_terms: usize,
}

impl Default for StoryOptions {
    fn default() -> Self {
        Self {
            window_days: 3.0,
            max_span_days: 7.0,
            threshold: 0.2,
            quote_bonus: 0.1,
            date_penalty: 0.2,
            time_decay: 0.8,
            time_grace_days: 0.5,
            time_penalty_max: 0.4,
            undated_extra: 0.1,
            article_terms: 64,
            centroid_terms: 256,
            probe_terms: 12,
        }
    }
}

impl StoryOptions {
    /// Checks that every setting is in range; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [("window_days", self.window_days), ("max_span_days", self.max_span_days)];
        for (name, v) in positive {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("{name} must be positive, got {v}"));
            }
        }
        if self.max_span_days < self.window_days {
            return Err("max_span_days must be at least window_days".into());
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!("threshold must be in (0, 1], got {}", self.threshold));
        }
        let non_negative = [
            ("quote_bonus", self.quote_bonus),
            ("date_penalty", self.date_penalty),
            ("time_decay", self.time_decay),
            ("time_grace_days", self.time_grace_days),
            ("time_penalty_max", self.time_penalty_max),
            ("undated_extra", self.undated_extra),
        ];
        for (name, v) in non_negative {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!("{name} must be zero or more, got {v}"));
            }
        }
        let counts = [
            ("article_terms", self.article_terms),
            ("centroid_terms", self.centroid_terms),
            ("probe_terms", self.probe_terms),
        ];
        for (name, v) in counts {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }
}

/// Inverse document frequencies: the batch's own counts blended with the
/// background table.
#[derive(Debug, Clone)]
pub struct Idf<'b> {
    background: &'b Background,
    /// The IDF, background document frequency and number of every term the
    /// batch holds, computed once (a hash lookup instead of a binary search
    /// of the background table for each).
    table: crate::hash::KeyMap<IdfEntry>,
    docs: u64,
}

/// What [`Idf`] knows of a term of the batch.
#[derive(Debug, Clone, Copy)]
struct IdfEntry {
    idf: f64,
    background_df: u32,
    /// The term's rank among the batch's term keys ([`TermNumbers`]).
    number: u32,
}

impl<'b> Idf<'b> {
    /// IDF over `features` (each article counts once per term) and the
    /// background table.
    pub fn new<'f>(background: &'b Background, features: impl IntoIterator<Item = &'f Features>) -> Self {
        let mut df: crate::hash::KeyMap<u32> = crate::hash::KeyMap::default();
        let mut docs = 0;
        for f in features {
            docs += 1;
            for &(k, _) in &f.terms {
                *df.entry(k).or_default() += 1;
            }
        }
        Self::from_counts(background, df, docs)
    }

    /// An IDF from stored counts (for an index).
    pub fn from_counts(background: &'b Background, df: impl IntoIterator<Item = (u64, u32)>, docs: u64) -> Self {
        let n = (background.docs() + docs + 1) as f64;
        let mut table: crate::hash::KeyMap<IdfEntry> = df
            .into_iter()
            .map(|(k, d)| {
                let bg = background.df(k);
                (k, IdfEntry { idf: Self::formula(n, bg + d), background_df: bg, number: 0 })
            })
            .collect();
        let mut keys: Vec<u64> = table.keys().copied().collect();
        keys.sort_unstable();
        for (rank, k) in keys.iter().enumerate() {
            table.get_mut(k).expect("a key of the table").number = rank as u32;
        }
        Self { background, table, docs }
    }

    #[inline]
    fn formula(n: f64, df: u32) -> f64 {
        (n / f64::from(df + 1)).ln().max(0.0)
    }

    /// The weight of a term: `ln((N_bg + N + 1) / (df_bg + df + 1))`.
    #[inline]
    pub fn idf(&self, key: u64) -> f64 {
        match self.table.get(&key) {
            Some(e) => e.idf,
            None => self.unknown_idf(key),
        }
    }

    /// The weight of a term the batch does not hold.
    fn unknown_idf(&self, key: u64) -> f64 {
        Self::formula((self.background.docs() + self.docs + 1) as f64, self.background.df(key))
    }

    /// The terms of the batch (in no particular order).
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.table.keys().copied()
    }

    /// A term's background share, the prior of distinctive-term scores.
    pub fn background_share(&self, key: u64) -> f64 {
        match self.table.get(&key) {
            Some(e) => self.background.share_of(e.background_df),
            None => self.background.share(key),
        }
    }

    /// The article vector of `features`: unit length, its `keep` heaviest
    /// terms, sorted by key.
    pub fn vector(&self, features: &Features, keep: usize) -> Vec<(u64, f32)> {
        self.heaviest(features, keep, |key, _, w| Some((key, w)))
    }

    /// [`Idf::vector`] over term numbers: each key as its rank among the
    /// batch's term keys (what [`TermNumbers`] made from [`Idf::keys`]
    /// gives, without a second lookup per term); terms the batch does not
    /// hold are left out.
    pub fn numbered_vector(&self, features: &Features, keep: usize) -> Vec<(u32, f32)> {
        self.heaviest(features, keep, |_, number, w| number.map(|n| (n, w)))
    }

    /// The `keep` heaviest terms of `features` (ties: the smaller key), each
    /// weight divided by the norm of all, in key order, through `out` (key,
    /// number if the batch holds the term, unit weight).
    fn heaviest<T>(
        &self,
        features: &Features,
        keep: usize,
        out: impl Fn(u64, Option<u32>, f32) -> Option<T>,
    ) -> Vec<T> {
        let v: Vec<(u64, f64, Option<u32>)> = features
            .terms
            .iter()
            .map(|&(k, tf)| {
                let (idf, number) = match self.table.get(&k) {
                    Some(e) => (e.idf, Some(e.number)),
                    None => (self.unknown_idf(k), None),
                };
                (k, log_tf(tf) * idf, number)
            })
            .collect();
        let norm = v.iter().map(|t| t.1 * t.1).sum::<f64>().sqrt();
        if norm == 0.0 {
            return Vec::new();
        }
        type Weighed = (u64, f64, Option<u32>);
        let heavier = |a: &Weighed, b: &Weighed| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let unit = |t: &Weighed| out(t.0, t.2, (t.1 / norm) as f32);
        if v.len() <= keep {
            return v.iter().filter_map(unit).collect();
        }
        // The `keep` heaviest are those ranked before the first left out;
        // taken from `v`, they stay in key order.
        let mut ranked = v.clone();
        let (_, &mut first_out, _) = ranked.select_nth_unstable_by(keep, heavier);
        v.iter().filter(|t| heavier(t, &first_out).is_lt()).filter_map(unit).collect()
    }
}

/// The sublinear term frequency `1 + ln tf` (from a table for the small
/// counts nearly every term has: the same bits as computing it).
#[inline]
pub fn log_tf(tf: u32) -> f64 {
    static TABLE: std::sync::LazyLock<[f64; 256]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|c| 1.0 + (c as f64).ln()));
    match TABLE.get(tf as usize) {
        Some(&w) => w,
        None => 1.0 + f64::from(tf).ln(),
    }
}

/// An article as the clusterer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The article.
    pub doc: DocIdx,
    /// Its id (for ordering and story ids).
    pub id: ArticleId,
    /// Its unit vector over term numbers ([`TermNumbers`]), sorted.
    pub vector: Vec<(u32, f32)>,
    /// Quote 3-gram hashes, sorted.
    pub quote_grams: Vec<u64>,
    /// Reference time (Unix seconds), if known.
    pub time: Option<i64>,
    /// `time` is a day's start: the article gives a date, not a time.
    pub day_only: bool,
    /// The day it reports, if it says.
    pub event_day: Option<i64>,
    /// Its near-duplicate group, if any.
    pub group: Option<u32>,
}

/// A story: the articles that report one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Stable id: `s` and 16 hex digits of its founding article's id hash.
    pub id: String,
    /// Members in the order they joined.
    pub members: Vec<DocIdx>,
    /// Earliest and latest member time.
    pub first_time: Option<i64>,
    /// Latest member time.
    pub last_time: Option<i64>,
    centroid: Vec<(u32, f32)>,
    norm: f64,
    time_sum: f64,
    timed: u32,
    /// Members whose time is a day only.
    day_only: u32,
    event_days: Vec<i64>,
    quote_grams: AHashSet<u64>,
    /// Absorbed by another story ([`StoryIndex::merge`]); takes no articles.
    merged: bool,
}

impl Story {
    fn empty(id: String) -> Self {
        Story {
            id,
            members: Vec::new(),
            first_time: None,
            last_time: None,
            centroid: Vec::new(),
            norm: 0.0,
            time_sum: 0.0,
            timed: 0,
            day_only: 0,
            event_days: Vec::new(),
            quote_grams: AHashSet::new(),
            merged: false,
        }
    }

    /// The article's score against this story, when it can still exceed
    /// `floor` (and reach `threshold`); `None` when it cannot. The quotes
    /// shared (hash lookups per quoted 3-gram) are looked at only when the
    /// bonus could decide: the score with the bonus is at least the score
    /// without, so a story that cannot win with it cannot win without.
    fn score(
        &self,
        item: &Item,
        terms: &TermFilter,
        options: &StoryOptions,
        threshold: f64,
        floor: Option<f64>,
    ) -> Option<f64> {
        let dot = terms.dot(&item.vector, &self.centroid);
        let base = if self.norm > 0.0 { dot / self.norm } else { 0.0 };
        let conflicting = item
            .event_day
            .is_some_and(|d| !self.event_days.is_empty() && self.event_days.iter().all(|e| (e - d).abs() >= 2));
        let time_penalty = match item.time {
            Some(t) if self.timed > 0 => {
                let mean = self.time_sum / f64::from(self.timed);
                let days = (t as f64 - mean).abs() / 86_400.0;
                // A date without a time of day is known to within a day.
                let grace = options.time_grace_days + if item.day_only || self.day_only > 0 { 1.0 } else { 0.0 };
                Some((options.time_decay * (days - grace).max(0.0)).min(options.time_penalty_max))
            }
            _ => None,
        };
        let with = |bonus: bool| {
            let mut s = base;
            if bonus {
                s += options.quote_bonus;
            }
            if conflicting {
                s -= options.date_penalty;
            }
            if let Some(p) = time_penalty {
                s -= p;
            }
            s
        };
        let best_case = with(true);
        if best_case < threshold || floor.is_some_and(|f| best_case <= f) {
            return None;
        }
        let quoted = item.quote_grams.iter().filter(|g| self.quote_grams.contains(g)).take(2).count() == 2;
        Some(if quoted { best_case } else { with(false) })
    }

    /// Adds `item`; returns the terms new to the centroid.
    fn absorb(&mut self, item: &Item, options: &StoryOptions) -> Vec<u32> {
        self.members.push(item.doc);
        if let Some(t) = item.time {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
            self.time_sum += t as f64;
            self.timed += 1;
            self.day_only += u32::from(item.day_only);
        }
        if let Some(d) = item.event_day
            && !self.event_days.contains(&d)
        {
            self.event_days.push(d);
        }
        self.quote_grams.extend(item.quote_grams.iter().copied());
        self.add_to_centroid(&item.vector, options)
    }

    /// Adds all of `other` (a story being merged into this one); returns the
    /// terms new to the centroid.
    fn absorb_story(&mut self, other: &Story, options: &StoryOptions) -> Vec<u32> {
        self.members.extend_from_slice(&other.members);
        for t in [other.first_time, other.last_time].into_iter().flatten() {
            self.first_time = Some(self.first_time.map_or(t, |f| f.min(t)));
            self.last_time = Some(self.last_time.map_or(t, |l| l.max(t)));
        }
        self.time_sum += other.time_sum;
        self.timed += other.timed;
        self.day_only += other.day_only;
        for &d in &other.event_days {
            if !self.event_days.contains(&d) {
                self.event_days.push(d);
            }
        }
        self.quote_grams.extend(other.quote_grams.iter().copied());
        self.add_to_centroid(&other.centroid, options)
    }

    /// centroid += vector, then keep the heaviest terms; returns the terms
    /// new to the centroid.
    fn add_to_centroid(&mut self, vector: &[(u32, f32)], options: &StoryOptions) -> Vec<u32> {
        let mut merged = Vec::with_capacity(self.centroid.len() + vector.len());
        let mut added = Vec::new();
        let (mut i, mut j) = (0, 0);
        let (a, b) = (&self.centroid, vector);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    merged.push((x.0, x.1 + y.1));
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    merged.push(*x);
                    i += 1;
                }
                (Some(_), Some(y)) | (None, Some(y)) => {
                    merged.push(*y);
                    added.push(y.0);
                    j += 1;
                }
                (Some(x), None) => {
                    merged.push(*x);
                    i += 1;
                }
                (None, None) => unreachable!(),
            }
        }
        if merged.len() > options.centroid_terms {
            merged.select_nth_unstable_by(options.centroid_terms, |x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            merged.truncate(options.centroid_terms);
            merged.sort_unstable_by_key(|t| t.0);
            added.retain(|k| merged.binary_search_by_key(k, |t| t.0).is_ok());
        }
        self.norm = merged.iter().map(|t| f64::from(t.1) * f64::from(t.1)).sum::<f64>().sqrt();
        self.centroid = merged;
        added
    }

    /// True when the story was merged into another.
    pub fn is_merged(&self) -> bool {
        self.merged
    }

    /// True when an article at `time` could join (window and span).
    pub fn could_take(&self, time: Option<i64>, options: &StoryOptions) -> bool {
        admits(time, self.first_time, self.last_time, options)
    }

    /// The story's centroid terms (number, weight), sorted.
    pub fn centroid(&self) -> &[(u32, f32)] {
        &self.centroid
    }
}

/// True when an article at `time` could join a story whose members span
/// `first` to `last` ([`Story::could_take`]).
#[inline]
fn admits(time: Option<i64>, first: Option<i64>, last: Option<i64>, options: &StoryOptions) -> bool {
    match (time, first, last) {
        (Some(t), Some(first), Some(last)) => {
            let day = 86_400.0;
            (t - last).abs() as f64 <= options.window_days * day
                && (t.max(last) - t.min(first)) as f64 <= options.max_span_days * day
        }
        // Undated articles, or stories of undated articles only.
        _ => true,
    }
}

/// An article's terms by their low bits, to score it against many
/// centroids: each centroid term reads one slot, which is empty (most
/// terms), or names the place in the article's vector of the one term with
/// those low bits (compared by key: another term may share the slot's bits),
/// or says that several terms share them (then the vector is searched). The
/// reads are independent of each other (unlike the steps of a merge of the
/// two sorted lists), so they pipeline; the table (8 KB) stays in L1.
struct TermFilter {
    slots: [u16; TermFilter::SLOTS],
}

impl TermFilter {
    const SLOTS: usize = 4096;
    const MASK: u32 = (Self::SLOTS - 1) as u32;
    /// Several terms of the vector share the slot.
    const SHARED: u16 = u16::MAX;

    fn new(vector: &[(u32, f32)]) -> Self {
        let mut slots = [0u16; Self::SLOTS];
        for (i, &(k, _)) in vector.iter().enumerate() {
            let slot = &mut slots[(k & Self::MASK) as usize];
            // Place + 1 (0 is empty); a vector too long to number is
            // searched for every term.
            *slot = if *slot == 0 && i + 1 < usize::from(Self::SHARED) { (i + 1) as u16 } else { Self::SHARED };
        }
        Self { slots }
    }

    /// The dot product of `vector` (the article's, sorted by key) and
    /// `centroid` (sorted by key): the products of the shared terms, summed
    /// in key order.
    #[inline]
    fn dot(&self, vector: &[(u32, f32)], centroid: &[(u32, f32)]) -> f64 {
        let mut s = 0.0f64;
        for &(k, w) in centroid {
            let place = match self.slots[(k & Self::MASK) as usize] {
                0 => continue,
                Self::SHARED => match vector.binary_search_by_key(&k, |t| t.0) {
                    Ok(i) => i,
                    Err(_) => continue,
                },
                p => usize::from(p - 1),
            };
            let (key, v) = vector[place];
            if key == k {
                s += f64::from(v) * f64::from(w);
            }
        }
        s
    }
}

/// Asks the processor to bring the cache line at `p` closer, without
/// waiting for it (a hint: no effect on results, none off x86-64).
#[inline]
fn prefetch<T>(p: *const T) {
    // SAFETY: SSE is part of every x86-64 target, and a prefetch never
    // faults nor reads into the program: any address is allowed.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Entry `k` of a table indexed by term number, made if it is not there.
fn grow(table: &mut Vec<Vec<u32>>, k: usize) -> &mut Vec<u32> {
    if table.len() <= k {
        table.resize_with(k + 1, Vec::new);
    }
    &mut table[k]
}

/// The numbers the story layer knows terms by: a term key's rank among the
/// keys of a run, so that vectors and centroids sorted by number are sorted
/// by key (sums over them run in key order, the same bits as over keys),
/// and postings are arrays indexed by number. A key the numbering was not
/// made with has no number.
#[derive(Debug, Clone, Default)]
pub struct TermNumbers {
    numbers: crate::hash::KeyMap<u32>,
}

impl TermNumbers {
    /// Numbers `keys` (any order, repeats allowed) by rank.
    pub fn new(mut keys: Vec<u64>) -> Self {
        keys.sort_unstable();
        keys.dedup();
        let numbers = keys.iter().enumerate().map(|(rank, &k)| (k, rank as u32)).collect();
        Self { numbers }
    }

    /// A vector over keys (sorted by key) as one over numbers (sorted);
    /// terms without a number are left out.
    pub fn number(&self, vector: &[(u64, f32)]) -> Vec<(u32, f32)> {
        vector.iter().filter_map(|&(k, w)| self.numbers.get(&k).map(|&n| (n, w))).collect()
    }

    /// Terms numbered.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// True when no term is numbered.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}

/// The id of a story founded by `founder`.
pub fn story_id(founder: &ArticleId) -> String {
    format!("s{:016x}", xxh3(founder.as_str().as_bytes(), 0x7374_6f72_7969_6401))
}

/// Stories under construction, and the postings that find candidates.
#[derive(Debug, Clone, Default)]
pub struct StoryIndex {
    options: StoryOptions,
    stories: Vec<Story>,
    /// Per term number: the stories whose centroid has (or had) it, that a
    /// dated article at [`StoryIndex::horizon`] or later could still join.
    postings: Vec<Vec<u32>>,
    /// Per term number: the stories moved out of `postings` because their
    /// span can no longer take dated articles from the horizon on;
    /// consulted only for undated articles and articles older than the
    /// horizon.
    retired: Vec<Vec<u32>>,
    /// Each story's first time, apart from the stories: the posting lists
    /// are swept for stale stories by this alone.
    first_times: Vec<Option<i64>>,
    /// Each story's last time, apart from the stories: with `first_times`,
    /// candidates out of an article's window (about half of them) are
    /// passed over without reading their stories.
    last_times: Vec<Option<i64>>,
    /// The latest article time seen.
    horizon: Option<i64>,
    group_story: AHashMap<u32, u32>,
    /// Story id → index.
    ids: AHashMap<String, u32>,
}

impl StoryIndex {
    /// An empty index.
    pub fn new(options: StoryOptions) -> Self {
        Self { options, ..Self::default() }
    }

    /// The stories.
    pub fn stories(&self) -> &[Story] {
        &self.stories
    }

    /// Adds one article and returns the index of its story. Articles must
    /// come in order of (time, id), dated ones first.
    pub fn add(&mut self, item: &Item) -> usize {
        let o = &self.options;
        // A near-duplicate of an article already placed goes with it.
        if let Some(g) = item.group
            && let Some(&s) = self.group_story.get(&g)
            && self.stories[s as usize].could_take(item.time, o)
        {
            self.join(s as usize, item);
            return s as usize;
        }
        let threshold = if item.time.is_some() { o.threshold } else { o.threshold + o.undated_extra };
        // The heaviest terms (ties: the smaller key), in no particular order.
        let mut probes: Vec<(u32, f32)> = item.vector.clone();
        if probes.len() > o.probe_terms {
            probes.select_nth_unstable_by(o.probe_terms - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            probes.truncate(o.probe_terms);
        }
        let candidates = self.candidates(&probes, item.time);
        let o = &self.options;
        let terms = TermFilter::new(&item.vector);
        let mut best: Option<(f64, usize)> = None;
        for s in candidates {
            if !admits(item.time, self.first_times[s as usize], self.last_times[s as usize], o) {
                continue;
            }
            let story = &self.stories[s as usize];
            if story.merged {
                continue;
            }
            let Some(score) = story.score(item, &terms, o, threshold, best.map(|b| b.0)) else { continue };
            if score >= threshold && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, s as usize));
            }
        }
        let s = match best {
            Some((_, s)) => s,
            None => self.found(item),
        };
        self.join(s, item);
        s
    }

    /// Stories holding any of the probe terms that could take an article
    /// at `time`. Stories too old for any later dated article are retired
    /// from the postings as they are met, so the cost of an article does not
    /// grow with the archive.
    fn candidates(&mut self, probes: &[(u32, f32)], time: Option<i64>) -> Vec<u32> {
        let mut out = Vec::new();
        let first_times = &self.first_times;
        let max_span = (self.options.max_span_days * 86_400.0) as i64;
        let in_order = match (time, self.horizon) {
            (Some(t), Some(h)) => t >= h,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if let Some(t) = time {
            self.horizon = Some(self.horizon.map_or(t, |h| h.max(t)));
        }
        // The probes' lists are scattered over a large table: all are asked
        // for before the first is read.
        for &(k, _) in probes {
            if let Some(list) = self.postings.get(k as usize) {
                prefetch(list.as_ptr());
            }
        }
        for &(k, _) in probes {
            let k = k as usize;
            if let Some(list) = self.postings.get_mut(k) {
                if let Some(t) = time.filter(|_| in_order) {
                    // Dated and in time order: retire stale stories.
                    let mut stale = Vec::new();
                    list.retain(|&s| {
                        let keep = first_times[s as usize].is_none_or(|f| t - f <= max_span);
                        if !keep {
                            stale.push(s);
                        }
                        keep
                    });
                    if !stale.is_empty() {
                        grow(&mut self.retired, k).extend(stale);
                    }
                }
                out.extend_from_slice(list);
            }
            if !in_order && let Some(list) = self.retired.get(k) {
                out.extend_from_slice(list);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn found(&mut self, item: &Item) -> usize {
        let mut id = story_id(&item.id);
        let mut n = 1;
        while self.ids.contains_key(&id) {
            id = format!("{}-{n}", story_id(&item.id));
            n += 1;
        }
        self.found_with_id(id)
    }

    fn found_with_id(&mut self, id: String) -> usize {
        self.ids.insert(id.clone(), self.stories.len() as u32);
        self.stories.push(Story::empty(id));
        self.first_times.push(None);
        self.last_times.push(None);
        self.stories.len() - 1
    }

    /// The index of the story with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.ids.get(id).map(|&s| s as usize)
    }

    /// Puts `item` into the story `id` (founding it under that id if it is
    /// not known yet), without scoring: rebuilds a stored index's stories
    /// from its articles, in the order they were first placed. Returns the
    /// story's index.
    pub fn replay(&mut self, item: &Item, id: &str) -> usize {
        let s = match self.find(id) {
            Some(s) => s,
            None => self.found_with_id(id.to_string()),
        };
        if let Some(t) = item.time {
            self.horizon = Some(self.horizon.map_or(t, |h| h.max(t)));
        }
        self.join(s, item);
        s
    }

    /// Merges story `gone` into story `keep`: members, times, dates, quotes
    /// and centroid; `gone` takes no more articles, and its near-duplicate
    /// groups now lead to `keep`.
    pub fn merge(&mut self, keep: usize, gone: usize) {
        assert_ne!(keep, gone, "a story cannot absorb itself");
        let mut other = std::mem::replace(&mut self.stories[gone], Story::empty(String::new()));
        self.stories[gone].merged = true;
        std::mem::swap(&mut self.stories[gone].id, &mut other.id);
        let added = self.stories[keep].absorb_story(&other, &self.options);
        self.times_changed(keep);
        self.times_changed(gone);
        for k in added {
            grow(&mut self.postings, k as usize).push(keep as u32);
        }
        for s in self.group_story.values_mut() {
            if *s == gone as u32 {
                *s = keep as u32;
            }
        }
    }

    /// The story that near-duplicate group `group` belongs to, if any.
    pub fn story_of_group(&self, group: u32) -> Option<usize> {
        self.group_story.get(&group).map(|&s| s as usize)
    }

    /// Copies story `s`'s first and last times to `first_times` and
    /// `last_times`: called wherever a story's times change, so that the
    /// arrays are always the stories' own.
    fn times_changed(&mut self, s: usize) {
        self.first_times[s] = self.stories[s].first_time;
        self.last_times[s] = self.stories[s].last_time;
    }

    fn join(&mut self, s: usize, item: &Item) {
        let added = self.stories[s].absorb(item, &self.options);
        self.times_changed(s);
        for k in added {
            grow(&mut self.postings, k as usize).push(s as u32);
        }
        if let Some(g) = item.group {
            self.group_story.entry(g).or_insert(s as u32);
        }
    }
}

/// Clusters `items` (in any order) into stories.
pub fn cluster(items: Vec<Item>, options: &StoryOptions) -> Vec<Story> {
    cluster_closing(items, options, |_, _| {})
}

/// Items placed between two looks for closed stories in [`cluster_closing`].
const CLOSING_SWEEP: usize = 256;

/// As [`cluster`], also calling `closed(s, story)` for every story as soon as
/// no later dated article can join it, so that work on finished stories can
/// start while the others are still being built; `s` is the story's index in
/// the returned list. Dated items come first and in time order, so a story
/// is closed once the time of the item just placed is past its window or its
/// span ([`Story::could_take`] turns false and stays false for every later
/// time). Stories still open at the end are reported then, in index order.
/// Undated items, placed last, may join any story: a story one of them
/// joins after it was reported is reported again at the end, so a story's
/// last report is its final state.
pub fn cluster_closing(
    mut items: Vec<Item>,
    options: &StoryOptions,
    mut closed: impl FnMut(usize, &Story),
) -> Vec<Story> {
    items.par_sort_by(|a, b| (a.time.is_none(), a.time, &a.id).cmp(&(b.time.is_none(), b.time, &b.id)));
    let mut index = StoryIndex::new(options.clone());
    let mut open: Vec<u32> = Vec::new();
    let mut reported: Vec<bool> = Vec::new();
    let mut changed: Vec<usize> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let known = index.stories.len() as u32;
        let s = index.add(item);
        open.extend(known..index.stories.len() as u32);
        reported.resize(index.stories.len(), false);
        if item.time.is_none() && reported[s] {
            changed.push(s);
        }
        if item.time.is_some() && i % CLOSING_SWEEP == CLOSING_SWEEP - 1 {
            open.retain(|&s| {
                let s = s as usize;
                let still_open = admits(item.time, index.first_times[s], index.last_times[s], options);
                if !still_open {
                    closed(s, &index.stories[s]);
                    reported[s] = true;
                }
                still_open
            });
        }
    }
    for s in open {
        closed(s as usize, &index.stories[s as usize]);
    }
    changed.sort_unstable();
    changed.dedup();
    for s in changed {
        closed(s, &index.stories[s]);
    }
    index.stories
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain merge of two sorted lists, products summed in key order.
    fn merge_dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f64 {
        let (mut i, mut j, mut s) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Equal => {
                    s += f64::from(a[i].1) * f64::from(b[j].1);
                    i += 1;
                    j += 1;
                }
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        s
    }

    fn sparse(keys: Vec<(u32, f32)>) -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = keys;
        v.sort_unstable_by_key(|t| t.0);
        v.dedup_by_key(|t| t.0);
        v
    }

    #[test]
    fn log_tf_is_one_plus_the_logarithm_to_the_bit() {
        for tf in (1..1000).chain([u32::MAX]) {
            assert_eq!(log_tf(tf).to_bits(), (1.0 + f64::from(tf).ln()).to_bits(), "{tf}");
        }
    }

    #[test]
    fn numbers_keep_the_order_of_keys() {
        let numbers = TermNumbers::new(vec![900, 7, u64::MAX, 7, 42]);
        assert_eq!(numbers.len(), 4);
        let v = numbers.number(&[(7, 0.5), (42, 0.25), (900, 0.125), (1234, 1.0), (u64::MAX, 2.0)]);
        assert_eq!(v, [(0, 0.5), (1, 0.25), (2, 0.125), (3, 2.0)], "ranks in key order; unknown keys left out");
    }

    proptest! {
        /// The filtered dot product is the merge's, to the bit, when every
        /// key has a slot of its own (small keys).
        #[test]
        fn filtered_dot_is_the_merge(
            a in proptest::collection::vec((0u32..1_500, -1.0f32..1.0), 0..80),
            b in proptest::collection::vec((0u32..1_500, -1.0f32..1.0), 0..300),
        ) {
            let (a, b) = (sparse(a), sparse(b));
            let filtered = TermFilter::new(&a).dot(&a, &b);
            prop_assert_eq!(filtered.to_bits(), merge_dot(&a, &b).to_bits());
        }

        /// And when keys share slots: several of the article's (searched),
        /// or a centroid's key and another of the article's (told apart by
        /// the key).
        #[test]
        fn filtered_dot_is_the_merge_when_slots_are_shared(
            a in proptest::collection::vec((0u32..48, 0u32..6, -1.0f32..1.0), 0..80),
            b in proptest::collection::vec((0u32..48, 0u32..6, -1.0f32..1.0), 0..300),
        ) {
            let shared = |v: Vec<(u32, u32, f32)>| {
                sparse(v.into_iter().map(|(low, high, w)| (low + high * TermFilter::SLOTS as u32, w)).collect())
            };
            let (a, b) = (shared(a), shared(b));
            let filtered = TermFilter::new(&a).dot(&a, &b);
            prop_assert_eq!(filtered.to_bits(), merge_dot(&a, &b).to_bits());
        }

        /// An article vector holds the `keep` heaviest terms (ties: the
        /// smaller key), each weight divided by the norm of all terms,
        /// sorted by key: what selecting, truncating and sorting gives.
        /// Few distinct counts and document frequencies make ties common.
        #[test]
        fn vectors_keep_the_heaviest_terms_in_key_order(
            terms in proptest::collection::btree_map(0u64..400, (1u32..4, 0u32..3), 0..120),
            keep in 0usize..80,
        ) {
            let background = Background::default();
            let idf = Idf::from_counts(&background, terms.iter().map(|(&k, &(_, df))| (k, df)), 10);
            let features = Features { terms: terms.iter().map(|(&k, &(tf, _))| (k, tf)).collect(), ..Features::default() };
            let mut plain: Vec<(u64, f64)> = features.terms.iter().map(|&(k, tf)| (k, log_tf(tf) * idf.idf(k))).collect();
            let norm = plain.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            let expected: Vec<(u64, f32)> = if norm == 0.0 {
                Vec::new()
            } else {
                plain.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                plain.truncate(keep);
                plain.sort_by_key(|t| t.0);
                plain.into_iter().map(|(k, w)| (k, (w / norm) as f32)).collect()
            };
            prop_assert_eq!(&idf.vector(&features, keep), &expected);
            // Numbered: the same terms, each key as its rank.
            let numbers = TermNumbers::new(idf.keys().collect());
            prop_assert_eq!(idf.numbered_vector(&features, keep), numbers.number(&expected));
        }
    }

    #[test]
    fn a_vector_too_long_to_number_is_searched() {
        let a: Vec<(u32, f32)> = (0..70_000u32).map(|k| (k * 3, 1.0 / (1.0 + k as f32))).collect();
        let b: Vec<(u32, f32)> = (0..5_000u32).map(|k| (k * 41, 0.5)).collect();
        let filtered = TermFilter::new(&a).dot(&a, &b);
        assert!(filtered > 0.0);
        assert_eq!(filtered.to_bits(), merge_dot(&a, &b).to_bits());
    }

    fn item(doc: u32, terms: &[(u32, f32)], day: i64) -> Item {
        let norm = terms.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        let mut vector: Vec<(u32, f32)> = terms.iter().map(|&(k, w)| (k, w / norm)).collect();
        vector.sort_unstable_by_key(|t| t.0);
        Item {
            doc: DocIdx(doc),
            id: ArticleId::string(format!("a{doc}")),
            vector,
            quote_grams: Vec::new(),
            time: Some(day * 86_400),
            day_only: false,
            event_day: None,
            group: None,
        }
    }

    #[test]
    fn similar_articles_within_the_window_share_a_story() {
        let o = StoryOptions::default();
        let stories = cluster(
            vec![
                item(0, &[(1, 1.0), (2, 1.0), (3, 0.5)], 100),
                item(1, &[(1, 1.0), (2, 0.8), (4, 0.5)], 101),
                item(2, &[(7, 1.0), (8, 1.0)], 101),
                // Same words, but ten days later: another story.
                item(3, &[(1, 1.0), (2, 1.0), (3, 0.5)], 111),
            ],
            &o,
        );
        let groups: Vec<Vec<u32>> = stories.iter().map(|s| s.members.iter().map(|d| d.0).collect()).collect();
        assert_eq!(groups, [vec![0, 1], vec![2], vec![3]]);
        assert_eq!(stories[0].id, story_id(&ArticleId::string("a0")));
    }

    #[test]
    fn stories_are_reported_when_closed_and_again_if_an_undated_article_joins() {
        // Ten stories a day for 40 days, each on its own terms; an undated
        // article with the first story's words comes last and joins it.
        let n = 400;
        let mut items: Vec<Item> = (0..n).map(|d| item(d, &[(1_000 + d, 1.0)], 100 + i64::from(d / 10))).collect();
        let mut undated = item(n, &[(1_000, 1.0)], 0);
        undated.time = None;
        items.push(undated);
        let mut reports: Vec<(usize, usize)> = Vec::new();
        let stories =
            cluster_closing(items.clone(), &StoryOptions::default(), |s, story| reports.push((s, story.members.len())));
        assert_eq!(stories.len(), n as usize);
        // Story 0 closed long before the end (with its one article), and is
        // reported again once the undated article has joined it.
        let of_first: Vec<usize> = reports.iter().filter(|r| r.0 == 0).map(|r| r.1).collect();
        assert_eq!(of_first, [1, 2]);
        assert!(reports.iter().position(|r| r.0 == 0) < reports.iter().position(|r| r.0 == n as usize - 1));
        // Every story is reported, and its last report is its final state.
        for (s, story) in stories.iter().enumerate() {
            let last = reports.iter().rev().find(|r| r.0 == s).expect("reported");
            assert_eq!(last.1, story.members.len());
        }
        // The callback does not change the clustering.
        assert_eq!(stories, cluster(items, &StoryOptions::default()));
    }

    #[test]
    fn stale_stories_leave_the_postings_and_the_times_follow_the_stories() {
        let mut index = StoryIndex::new(StoryOptions::default());
        // Days 100 and 101 share term 1; day 120 is past every span.
        let a = index.add(&item(0, &[(1, 1.0), (2, 1.0)], 100));
        let b = index.add(&item(1, &[(1, 1.0), (3, 1.0)], 101));
        let c = index.add(&item(2, &[(1, 1.0), (4, 1.0)], 120));
        let firsts = |index: &StoryIndex| index.stories.iter().map(|s| s.first_time).collect::<Vec<_>>();
        let lasts = |index: &StoryIndex| index.stories.iter().map(|s| s.last_time).collect::<Vec<_>>();
        assert_eq!(index.first_times, firsts(&index));
        assert_eq!(index.last_times, lasts(&index));
        // The stories of days 100 and 101 were retired from term 1 when the
        // article of day 120 looked it up.
        assert_eq!(index.postings[1], vec![c as u32]);
        let mut retired = index.retired[1].clone();
        retired.sort_unstable();
        retired.dedup();
        let mut old = vec![a as u32, b as u32];
        old.sort_unstable();
        old.dedup();
        assert_eq!(retired, old);
        // The later story takes the earlier one: its first time moves back.
        assert_ne!(a, b);
        index.merge(b, a);
        assert_eq!(index.first_times[b], Some(100 * 86_400));
        assert_eq!(index.first_times, firsts(&index));
        assert_eq!(index.last_times, lasts(&index));
    }

    #[test]
    fn no_chaining_through_pairwise_links() {
        // a-b and b-c are similar, a and c are not; a centroid does not let
        // c in through b alone.
        let o = StoryOptions { threshold: 0.6, ..StoryOptions::default() };
        let stories = cluster(
            vec![
                item(0, &[(1, 1.0), (2, 1.0)], 100),
                item(1, &[(2, 1.0), (3, 1.0)], 100),
                item(2, &[(3, 1.0), (4, 1.0)], 100),
            ],
            &o,
        );
        assert!(stories.iter().all(|s| s.members.len() < 3), "{stories:?}");
    }

    #[test]
    fn conflicting_dates_and_near_duplicates() {
        let o = StoryOptions::default();
        let mut a = item(0, &[(1, 1.0), (2, 1.0)], 100);
        let mut b = item(1, &[(1, 1.0), (2, 0.9), (5, 0.6)], 101);
        a.event_day = Some(100);
        b.event_day = Some(90);
        let stories = cluster(vec![a.clone(), b.clone()], &StoryOptions { threshold: 0.85, ..o.clone() });
        assert_eq!(stories.len(), 2, "a conflicting day costs the penalty");
        // Near-duplicates go together even when their words differ.
        let mut c = item(2, &[(9, 1.0)], 101);
        a.group = Some(7);
        c.group = Some(7);
        let stories = cluster(vec![a, c], &o);
        assert_eq!(stories.len(), 1);
    }

    #[test]
    fn distance_in_time_costs_beyond_the_grace() {
        // Same words; the third article is two days after the story's mean
        // time, which costs 0.8 * 1.5 = 1.2, capped at 0.4.
        let o = StoryOptions { threshold: 0.7, ..StoryOptions::default() };
        let terms = [(1, 1.0), (2, 1.0), (3, 0.3)];
        let late = |day_only| {
            let mut c = item(2, &terms, 102);
            c.day_only = day_only;
            cluster(vec![item(0, &terms, 100), item(1, &terms, 100), c], &o).len()
        };
        assert_eq!(late(false), 2, "a late article pays the time penalty");
        let no_decay = StoryOptions { time_decay: 0.0, ..o.clone() };
        assert_eq!(cluster(vec![item(0, &terms, 100), item(1, &terms, 100), item(2, &terms, 102)], &no_decay).len(), 1);
        // Within half a day of the mean there is no penalty at all.
        let mut near = item(2, &terms, 100);
        near.time = Some(100 * 86_400 + 40_000);
        assert_eq!(cluster(vec![item(0, &terms, 100), item(1, &terms, 100), near], &o).len(), 1);
        // A date without a time of day gets a day more of grace: 2 days away
        // then costs 0.8 * 0.5 = 0.4, still too much at 0.7 ...
        assert_eq!(late(true), 2);
        // ... but 1.5 days away costs nothing.
        let mut c = item(2, &terms, 100);
        c.time = Some(100 * 86_400 + 129_600);
        c.day_only = true;
        assert_eq!(cluster(vec![item(0, &terms, 100), item(1, &terms, 100), c.clone()], &o).len(), 1);
        c.day_only = false;
        assert_eq!(cluster(vec![item(0, &terms, 100), item(1, &terms, 100), c], &o).len(), 2);
    }

    #[test]
    fn validation_names_the_setting() {
        assert_eq!(StoryOptions::default().validate(), Ok(()));
        let e = StoryOptions { threshold: 0.0, ..StoryOptions::default() }.validate().unwrap_err();
        assert!(e.contains("threshold"), "{e}");
        let e = StoryOptions { time_decay: -1.0, ..StoryOptions::default() }.validate().unwrap_err();
        assert!(e.contains("time_decay"), "{e}");
        let e = StoryOptions { window_days: 9.0, ..StoryOptions::default() }.validate().unwrap_err();
        assert!(e.contains("max_span_days"), "{e}");
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let o = StoryOptions::default();
        let items = vec![
            item(0, &[(1, 1.0), (2, 1.0)], 100),
            item(1, &[(1, 1.0), (2, 0.8)], 101),
            item(2, &[(7, 1.0), (8, 1.0)], 101),
            item(3, &[(7, 1.0), (8, 0.7)], 102),
        ];
        let mut reversed = items.clone();
        reversed.reverse();
        assert_eq!(cluster(items, &o), cluster(reversed, &o));
    }
}
