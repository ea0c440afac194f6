//! Sorted runs: the index's lookup tables for band keys and article ids.
//!
//! A run is an immutable file of fixed-size entries sorted by key, read
//! through a memory map and searched by binary search, so a lookup costs
//! O(log n) page touches and opening a run reads nothing but its header.
//! Each `index add` writes one small run per table; runs are merged as in a
//! log-structured merge tree (O'Neil et al., "The log-structured merge-tree",
//! Acta Informatica 1996): whenever the newest run holds at least half as
//! many entries as the one before it, the two are merged, so an index of n
//! entries has O(log n) runs and every entry is rewritten O(log n) times.
//!
//! Two tables:
//! - **bands**: (32-bit band key, ordinal), 8 bytes per band and article.
//!   Band keys are the LSH band hashes ([`crate::lsh::band_keys`]) cut to 32
//!   bits; a chance match only adds a candidate, which verification rejects.
//! - **ids**: (XXH3-64 of the id text, ordinal, low 32 bits of the content
//!   hash), 16 bytes per article.
//!
//! Layout: `RWRUN001`, kind u8, three zero bytes, count u64, XXH3-64 of the
//! entries, the entries.

pub use super::store::RunMeta;
use crate::error::{Error, Result};
use crate::hash::xxh3;
use std::path::Path;

const MAGIC: &[u8; 8] = b"RWRUN001";
const HEADER: usize = 8 + 4 + 8 + 8;

/// A fixed-size, ordered entry of a run.
pub trait Entry: Copy + Ord + Send + Sync {
    /// Bytes per entry.
    const SIZE: usize;
    /// The table's kind byte.
    const KIND: u8;
    /// The lookup key.
    fn key(&self) -> u64;
    /// The ordinal of the article it points to.
    fn ordinal(&self) -> u32;
    /// Appends the entry's bytes.
    fn write(&self, out: &mut Vec<u8>);
    /// Reads an entry from exactly [`Entry::SIZE`] bytes.
    fn read(b: &[u8]) -> Self;
}

/// A band key of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BandEntry {
    /// Band hash, 32 bits.
    pub key: u32,
    /// The article.
    pub ordinal: u32,
}

impl Entry for BandEntry {
    const SIZE: usize = 8;
    const KIND: u8 = 1;
    fn key(&self) -> u64 {
        u64::from(self.key)
    }
    fn ordinal(&self) -> u32 {
        self.ordinal
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.ordinal.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        Self {
            key: u32::from_le_bytes(b[0..4].try_into().expect("4")),
            ordinal: u32::from_le_bytes(b[4..8].try_into().expect("4")),
        }
    }
}

/// An article id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdEntry {
    /// XXH3-64 of the id's text.
    pub key: u64,
    /// The article.
    pub ordinal: u32,
    /// Low 32 bits of its content hash.
    pub content: u32,
}

impl Entry for IdEntry {
    const SIZE: usize = 16;
    const KIND: u8 = 2;
    fn key(&self) -> u64 {
        self.key
    }
    fn ordinal(&self) -> u32 {
        self.ordinal
    }
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.key.to_le_bytes());
        out.extend_from_slice(&self.ordinal.to_le_bytes());
        out.extend_from_slice(&self.content.to_le_bytes());
    }
    fn read(b: &[u8]) -> Self {
        Self {
            key: u64::from_le_bytes(b[0..8].try_into().expect("8")),
            ordinal: u32::from_le_bytes(b[8..12].try_into().expect("4")),
            content: u32::from_le_bytes(b[12..16].try_into().expect("4")),
        }
    }
}

/// Writes `entries` (sorted) as a run file, durably; returns its size.
pub fn write<E: Entry>(path: &Path, entries: &[E]) -> Result<u64> {
    debug_assert!(entries.windows(2).all(|w| w[0] <= w[1]));
    let mut body = Vec::with_capacity(entries.len() * E::SIZE);
    for e in entries {
        e.write(&mut body);
    }
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[E::KIND, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    out.extend_from_slice(&xxh3(&body, 0).to_le_bytes());
    out.extend_from_slice(&body);
    super::store::write_durably(path, &out)?;
    Ok(out.len() as u64)
}

/// An open run.
#[derive(Debug)]
pub struct Run<E> {
    data: memmap2::Mmap,
    len: usize,
    _entry: std::marker::PhantomData<E>,
}

impl<E: Entry> Run<E> {
    /// Opens a run and checks its header and checksum.
    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: runs are immutable once written; the index lock keeps
        // other riwaya processes from removing them while in use.
        let data = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let corrupt = |why: &str| super::store::corrupt(path, why);
        if data.len() < HEADER || &data[..8] != MAGIC || data[8] != E::KIND {
            return Err(corrupt("not a run file of the expected kind"));
        }
        let len = u64::from_le_bytes(data[12..20].try_into().expect("8")) as usize;
        if data.len() != HEADER + len * E::SIZE {
            return Err(corrupt("length does not match its entry count"));
        }
        let sum = u64::from_le_bytes(data[20..28].try_into().expect("8"));
        if xxh3(&data[HEADER..], 0) != sum {
            return Err(corrupt("fails its checksum"));
        }
        Ok(Self { data, len, _entry: std::marker::PhantomData })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entry `i`.
    pub fn get(&self, i: usize) -> E {
        E::read(&self.data[HEADER + i * E::SIZE..HEADER + (i + 1) * E::SIZE])
    }

    /// All entries whose key is `key`, appended to `out`.
    pub fn find(&self, key: u64, out: &mut Vec<E>) {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.get(mid).key() < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        while lo < self.len {
            let e = self.get(lo);
            if e.key() != key {
                break;
            }
            out.push(e);
            lo += 1;
        }
    }

    /// Every entry, in order.
    pub fn entries(&self) -> impl Iterator<Item = E> + '_ {
        (0..self.len).map(|i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_find_every_entry_of_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let mut entries: Vec<BandEntry> = (0..1000u32).map(|i| BandEntry { key: i % 97, ordinal: i }).collect();
        entries.sort_unstable();
        write(&path, &entries).unwrap();
        let run = Run::<BandEntry>::open(&path).unwrap();
        assert_eq!(run.len(), 1000);
        let mut found = Vec::new();
        run.find(5, &mut found);
        assert_eq!(found.len(), 11);
        assert!(found.iter().all(|e| e.key == 5 && e.ordinal % 97 == 5));
        found.clear();
        run.find(1000, &mut found);
        assert!(found.is_empty());
        assert!(Run::<IdEntry>::open(&path).is_err(), "the kind is checked");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(Run::<BandEntry>::open(&path).unwrap_err().to_string().contains("checksum"));
    }
}
