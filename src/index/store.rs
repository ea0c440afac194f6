//! The index directory on disk: manifest, state, lock, durable writes.
//!
//! **Why files with an atomic manifest** (and not redb or SQLite): the bulk
//! of the index is immutable (segments of articles, sorted runs of band keys
//! and ids), written once and read through memory maps; what changes on a
//! run is which files make up the index. So a run writes its new files under
//! fresh names, then commits by replacing `MANIFEST.json`: written to a
//! temporary file, fsynced, renamed over the old one, and the directory
//! fsynced. A crash at any moment leaves either the old manifest or the new
//! one, and each names only complete files. Files no manifest names
//! (leftovers of a crashed run, files a later run replaced) are removed by the
//! next run that holds the lock. This keeps the format simple and versioned,
//! makes the per-article cost a few compressed bytes (no B-tree pages), and
//! lets lookups stay O(log n) with no load step.
//!
//! **Lock**: `LOCK`, held with `flock` for the whole run (exclusive for runs
//! that change the index, shared for readers); a second run fails at once
//! with a message saying so, or waits with `--wait`.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Version of the index's on-disk format.
pub const FORMAT: u32 = 1;
/// The manifest's file name.
pub const MANIFEST: &str = "MANIFEST.json";
const LOCK: &str = "LOCK";

/// An error for a damaged index file.
pub fn corrupt(path: &Path, why: &str) -> Error {
    Error::Index(format!(
        "{}: damaged index file: {why}; restore the index directory from a backup or rebuild it with `riwaya index add`",
        path.display()
    ))
}

/// Writes `bytes` to `path` through a temporary file, fsynced and renamed.
/// (The directory is synced once per commit, by [`commit_manifest`].)
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(path, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(|e| Error::io(dir, e))
}

/// The scheme an index was made with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SchemeStamp {
    /// [`crate::scheme::Scheme::fingerprint_hex`].
    pub fingerprint: String,
    /// [`crate::scheme::Scheme::describe`].
    pub description: String,
}

/// A segment as the manifest lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentMeta {
    /// File name in the index directory.
    pub file: String,
    /// Ordinal of its first record.
    pub first: u32,
    /// Ordinal of its last record.
    pub last: u32,
    /// Records in it.
    pub count: u32,
    /// Earliest and latest reference time of its dated records.
    pub min_time: Option<i64>,
    /// See `min_time`.
    pub max_time: Option<i64>,
    /// Records without a reference time.
    pub undated: u32,
}

/// A run as the manifest lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    /// File name in the index directory.
    pub file: String,
    /// Entries in it.
    pub entries: u64,
}

/// What the last run did (for `index stats` and monitoring).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct LastRun {
    /// The command (`add`, `prune`).
    pub command: String,
    /// When it committed (RFC 3339, UTC).
    pub finished: String,
    /// Articles added.
    pub added: u64,
    /// Articles that were already present.
    pub already_present: u64,
    /// Articles replaced (`--update`).
    pub updated: u64,
    /// Articles removed (`prune`).
    pub removed: u64,
}

/// The root of an index: which files make it, and its counters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// [`FORMAT`] of the writer.
    pub format: u32,
    /// The signature scheme.
    pub scheme: SchemeStamp,
    /// Incremented by every commit; names the files a commit writes.
    pub generation: u64,
    /// When the index was made (RFC 3339).
    pub created: String,
    /// The ordinal the next article gets.
    pub next_ordinal: u32,
    /// Live articles.
    pub articles: u64,
    /// Live stories.
    pub stories: u64,
    /// Documents counted in the document frequencies.
    pub df_docs: u64,
    /// Segments, oldest first.
    pub segments: Vec<SegmentMeta>,
    /// Runs of band keys, oldest (largest) first.
    pub band_runs: Vec<RunMeta>,
    /// Runs of ids, oldest first.
    pub id_runs: Vec<RunMeta>,
    /// The document-frequency table.
    pub df: Option<String>,
    /// The state file.
    pub state: Option<String>,
    /// The last committed run.
    pub last_run: Option<LastRun>,
}

impl Manifest {
    /// A manifest for an empty index.
    pub fn empty(scheme: SchemeStamp) -> Self {
        Self {
            format: FORMAT,
            scheme,
            generation: 0,
            created: now_rfc3339(),
            next_ordinal: 0,
            articles: 0,
            stories: 0,
            df_docs: 0,
            segments: Vec::new(),
            band_runs: Vec::new(),
            id_runs: Vec::new(),
            df: None,
            state: None,
            last_run: None,
        }
    }

    /// Every file the manifest names.
    pub fn files(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.segments.iter().map(|s| s.file.as_str()).collect();
        v.extend(self.band_runs.iter().chain(&self.id_runs).map(|r| r.file.as_str()));
        v.extend(self.df.as_deref());
        v.extend(self.state.as_deref());
        v
    }
}

/// The current time as RFC 3339 in UTC.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Mutable facts that are not per article: merges, removed articles and
/// learned boilerplate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct State {
    /// A merged story's id → the id that absorbed it.
    pub story_alias: BTreeMap<String, String>,
    /// A merged near-duplicate group → the group that absorbed it.
    pub group_alias: BTreeMap<u32, u32>,
    /// Ordinals of articles replaced by `--update` whose records are still
    /// in a segment (sorted).
    pub removed: Vec<u32>,
    /// Learned boilerplate line keys per outlet.
    pub boilerplate: BTreeMap<String, Vec<u64>>,
    /// Every story merge: (absorbed, survivor, generation).
    pub merges: Vec<(String, String, u64)>,
}

impl State {
    /// The surviving id of story `id`.
    pub fn story(&self, id: &str) -> String {
        let mut id = id;
        while let Some(next) = self.story_alias.get(id) {
            id = next;
        }
        id.to_string()
    }

    /// The surviving group of `g`.
    pub fn group(&self, mut g: u32) -> u32 {
        while let Some(&next) = self.group_alias.get(&g) {
            g = next;
        }
        g
    }

    /// True when `ordinal` was removed.
    pub fn is_removed(&self, ordinal: u32) -> bool {
        self.removed.binary_search(&ordinal).is_ok()
    }
}

/// Reads a zstd-compressed JSON file of the index.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let raw = zstd::decode_all(&bytes[..]).map_err(|e| corrupt(path, &e.to_string()))?;
    serde_json::from_slice(&raw).map_err(|e| corrupt(path, &e.to_string()))
}

/// Writes a zstd-compressed JSON file durably.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let raw = serde_json::to_vec(value).expect("serializable");
    let packed = zstd::encode_all(&raw[..], 3).map_err(|e| Error::io(path, e))?;
    write_durably(path, &packed)
}

/// The lock on an index directory, held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Takes the lock: `exclusive` for a run that changes the index;
    /// `wait` blocks until it is free instead of failing.
    pub fn take(dir: &Path, exclusive: bool, wait: bool) -> Result<Lock> {
        let path = dir.join(LOCK);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        use std::os::fd::AsRawFd;
        let mut op = if exclusive { libc::LOCK_EX } else { libc::LOCK_SH };
        if !wait {
            op |= libc::LOCK_NB;
        }
        loop {
            // SAFETY: flock on a descriptor we own.
            let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
            if rc == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            match err.kind() {
                std::io::ErrorKind::Interrupted => continue,
                std::io::ErrorKind::WouldBlock => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let holder = holder.trim();
                    return Err(Error::Index(format!(
                        "{}: the index is in use by another riwaya run{}; try again when it has finished, or pass --wait",
                        dir.display(),
                        if holder.is_empty() { String::new() } else { format!(" ({holder})") }
                    )));
                }
                _ => return Err(Error::io(&path, err)),
            }
        }
        if exclusive {
            // Say who holds it, for the message above.
            let _ = file.set_len(0);
            let _ = (&file).write_all(format!("pid {}", std::process::id()).as_bytes());
        }
        Ok(Lock { _file: file })
    }
}

/// Reads the manifest of `dir`, checking the format version.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(MANIFEST);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| corrupt(&path, &e.to_string()))?;
    let format = value.get("format").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if format > u64::from(FORMAT) {
        return Err(Error::Incompatible(format!(
            "{}: the index has format {format}, written by a newer riwaya; this riwaya reads format {FORMAT}. Upgrade riwaya to use this index.",
            dir.display()
        )));
    }
    if format != u64::from(FORMAT) {
        return Err(Error::Incompatible(format!(
            "{}: the index has format {format}, which this riwaya (format {FORMAT}) cannot read; rebuild it with `riwaya index add`.",
            dir.display()
        )));
    }
    serde_json::from_value(value).map(Some).map_err(|e| corrupt(&path, &e.to_string()))
}

/// Commits `manifest`: temporary file, fsync, rename, directory fsync.
pub fn commit_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    sync_dir(dir)?;
    let path = dir.join(MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("serializable");
    bytes.push(b'\n');
    write_durably(&path, &bytes)?;
    sync_dir(dir)
}

/// Removes the files of `dir` that `manifest` does not name (leftovers of
/// crashed runs, replaced files). Only called under the exclusive lock.
pub fn collect_garbage(dir: &Path, manifest: &Manifest) -> Result<()> {
    let keep: std::collections::BTreeSet<&str> = manifest.files().into_iter().collect();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with(".tmp-")
            || ["seg-", "bands-", "ids-", "df-", "state-"].iter().any(|p| name.starts_with(p));
        if ours && !keep.contains(name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
