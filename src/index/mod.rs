//! The persistent index: the nightly form of `riwaya cluster` (DESIGN
//! sections 4 and 8).
//!
//! Each `index add` reads a batch of articles, recognises those already
//! present (by id and content hash), matches the new ones against the whole
//! index for near-duplicates (band keys in sorted runs, verified exactly on
//! stored shingle sets) and against the stories of the time window (their
//! state is rebuilt by replaying the window's articles in the order they were
//! placed), and commits the result atomically.
//!
//! - [`store`]: the directory, manifest, lock and durable writes;
//! - [`segment`]: the articles of a run, in an immutable file;
//! - [`runs`]: sorted lookup tables (band keys, ids), merged LSM-style;
//! - [`codec`]: the compact encodings of records;
//! - [`mod@add`]: one run of `index add`;
//! - [`report`]: its HTML report;
//! - this module: opening an index, reading its articles, `stats`, `export`
//!   and `prune`.

pub mod add;
pub mod codec;
pub mod maintain;
pub mod report;
pub mod runs;
pub mod segment;
pub mod store;

use crate::background::Background;
use crate::error::{Error, Result};
use crate::scheme::Scheme;
use runs::{BandEntry, Entry, IdEntry, Run, RunMeta};
use segment::{Record, Segment};
use std::path::{Path, PathBuf};
use store::{Lock, Manifest, SchemeStamp, State};

pub use add::{AddJob, AddRun, add};

/// Seed of the id hashes in the id runs.
pub const ID_SEED: u64 = 0x6964_6b65_7973_0001;

/// How an index is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading only (stats, export): a shared lock.
    Read,
    /// Changing it (add, prune): the exclusive lock; the directory and an
    /// empty index are created when missing.
    Write {
        /// Wait for another run to finish instead of failing.
        wait: bool,
    },
}

/// An open index.
#[derive(Debug)]
pub struct Index {
    dir: PathBuf,
    /// Its manifest as committed.
    pub manifest: Manifest,
    /// Its merges, removals and learned boilerplate.
    pub state: State,
    segments: Vec<Segment>,
    band_runs: Vec<Run<BandEntry>>,
    id_runs: Vec<Run<IdEntry>>,
    /// Document frequencies of every article ever added.
    pub df: Background,
    _lock: Lock,
}

fn stamp(scheme: &Scheme) -> SchemeStamp {
    SchemeStamp { fingerprint: scheme.fingerprint_hex(), description: scheme.describe() }
}

impl Index {
    /// Opens the index in `dir`. With `scheme`, an index of another scheme is
    /// an error; a new index gets this scheme.
    pub fn open(dir: &Path, scheme: Option<&Scheme>, access: Access) -> Result<Index> {
        if let Access::Write { .. } = access {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        } else if !dir.join(store::MANIFEST).exists() {
            return Err(Error::Index(format!(
                "{}: no index here (no {}); create one with `riwaya index add --index {} FILES`",
                dir.display(),
                store::MANIFEST,
                dir.display()
            )));
        }
        let lock = match access {
            Access::Read => Lock::take(dir, false, false)?,
            Access::Write { wait } => Lock::take(dir, true, wait)?,
        };
        let manifest = match store::read_manifest(dir)? {
            Some(m) => m,
            None => match scheme {
                Some(s) => Manifest::empty(stamp(s)),
                None => return Err(Error::Index(format!("{}: no index here", dir.display()))),
            },
        };
        if let Some(s) = scheme {
            let stored = u64::from_str_radix(&manifest.scheme.fingerprint, 16).unwrap_or(0);
            s.check(stored, &manifest.scheme.description, &format!("the index in {}", dir.display()))?;
        }
        if let Access::Write { .. } = access {
            store::collect_garbage(dir, &manifest)?;
        }
        let state = match &manifest.state {
            Some(f) => store::read_json(&dir.join(f))?,
            None => State::default(),
        };
        let df = match &manifest.df {
            Some(f) => {
                let path = dir.join(f);
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                Background::from_bytes(&bytes, &path.display().to_string())?
            }
            None => Background::default(),
        };
        let segments = manifest.segments.iter().map(|s| Segment::open(&dir.join(&s.file))).collect::<Result<_>>()?;
        let band_runs = open_runs(dir, &manifest.band_runs)?;
        let id_runs = open_runs(dir, &manifest.id_runs)?;
        Ok(Index { dir: dir.to_path_buf(), manifest, state, segments, band_runs, id_runs, df, _lock: lock })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The records of `ordinals` (sorted, distinct, live), in that order;
    /// `full` also reads signatures and shingle sets.
    pub fn records(&self, ordinals: &[u32], full: bool) -> Result<Vec<Record>> {
        let mut out = Vec::with_capacity(ordinals.len());
        let mut cached: Option<(usize, usize, Vec<Record>)> = None;
        for &o in ordinals {
            let seg = self.manifest.segments.partition_point(|s| s.last < o);
            let block =
                self.segments.get(seg).and_then(|s| s.block_of(o)).ok_or_else(|| {
                    Error::Index(format!("{}: article {o} is listed but not stored", self.dir.display()))
                })?;
            if cached.as_ref().is_none_or(|c| (c.0, c.1) != (seg, block)) {
                cached = Some((seg, block, self.segments[seg].read_block(block, full)?));
            }
            let (_, _, records) = cached.as_ref().expect("filled");
            let r = records
                .binary_search_by_key(&o, |r| r.ordinal)
                .map_err(|_| Error::Index(format!("{}: article {o} is listed but not stored", self.dir.display())))?;
            out.push(records[r].clone());
        }
        Ok(out)
    }

    /// Calls `f` with every live record of the segments `keep` accepts, in
    /// ordinal order.
    pub fn scan(
        &self,
        keep: impl Fn(&store::SegmentMeta) -> bool,
        full: bool,
        mut f: impl FnMut(Record) -> Result<()>,
    ) -> Result<()> {
        for (meta, seg) in self.manifest.segments.iter().zip(&self.segments) {
            if !keep(meta) {
                continue;
            }
            for b in 0..seg.blocks.len() {
                for r in seg.read_block(b, full)? {
                    if !self.state.is_removed(r.ordinal) {
                        f(r)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Live ordinals whose band keys match `keys`.
    pub fn band_matches(&self, keys: &[u32], out: &mut Vec<u32>) {
        let mut found = Vec::new();
        for &k in keys {
            for run in &self.band_runs {
                found.clear();
                run.find(u64::from(k), &mut found);
                out.extend(found.iter().map(|e| e.ordinal).filter(|&o| !self.state.is_removed(o)));
            }
        }
    }

    /// Live ordinals whose id hashes to `key`.
    pub fn id_matches(&self, key: u64) -> Vec<IdEntry> {
        let mut found = Vec::new();
        for run in &self.id_runs {
            run.find(key, &mut found);
        }
        found.retain(|e| !self.state.is_removed(e.ordinal));
        found
    }

    /// Size of the index's files on disk, in bytes.
    pub fn size_on_disk(&self) -> u64 {
        let mut files: Vec<String> = self.manifest.files().into_iter().map(str::to_string).collect();
        files.push(store::MANIFEST.to_string());
        files.iter().filter_map(|f| std::fs::metadata(self.dir.join(f)).ok()).map(|m| m.len()).sum()
    }

    /// `index stats` as JSON.
    pub fn stats(&self) -> serde_json::Value {
        let m = &self.manifest;
        let bytes = self.size_on_disk();
        serde_json::json!({
            "index": self.dir.display().to_string(),
            "format": m.format,
            "scheme": m.scheme,
            "articles": m.articles,
            "clusters": m.stories,
            "generation": m.generation,
            "created": m.created,
            "segments": m.segments.len(),
            "band_runs": m.band_runs.len(),
            "id_runs": m.id_runs.len(),
            "size_bytes": bytes,
            "bytes_per_article": if m.articles > 0 { bytes as f64 / m.articles as f64 } else { 0.0 },
            "story_merges": self.state.merges.len(),
            "last_run": m.last_run,
        })
    }
}

fn open_runs<E: Entry>(dir: &Path, metas: &[RunMeta]) -> Result<Vec<Run<E>>> {
    metas.iter().map(|r| Run::open(&dir.join(&r.file))).collect()
}
