//! Segments: the articles one run added, in an immutable file.
//!
//! A segment holds the [`Record`]s of one `index add` run (or of a
//! compaction), in ordinal order, in blocks of [`BLOCK_RECORDS`] records,
//! each block zstd-compressed and checksummed (XXH3-64), so that one article
//! can be read without decompressing the whole file. A footer lists the
//! blocks. Segments are written once, to a temporary name, synced and renamed;
//! the manifest names the segments that make the index, so a segment that a
//! crash left behind is simply not part of it.
//!
//! Ordinals rise within a segment but need not be consecutive (`prune`
//! leaves gaps); each record stores its gap from the previous one.
//!
//! Layout: `RWSEG001`, the blocks (compressed bytes, then their raw length
//! u32), the footer (per block: offset u64, compressed length u32, first and
//! last ordinal u32, records u32, checksum u64), the footer's length u32,
//! `RWSEGEND`.

use super::codec::{Dec, Enc};
use crate::date::Published;
use crate::error::{Error, Result};
use crate::hash::xxh3;
use crate::ids::ArticleId;
use std::path::Path;

const MAGIC: &[u8; 8] = b"RWSEG001";
const END: &[u8; 8] = b"RWSEGEND";
/// Records per compressed block.
pub const BLOCK_RECORDS: usize = 128;
const BLOCK_ENTRY: usize = 8 + 4 + 4 + 4 + 4 + 8;

/// One article as the index keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its place in the index, in the order articles were placed.
    pub ordinal: u32,
    /// Its id, as in the input.
    pub id: ArticleId,
    /// Outlet.
    pub source: Option<String>,
    /// Publication time from the input.
    pub published: Option<Published>,
    /// Reference time (published, else a date from the text).
    pub time: Option<i64>,
    /// `time` is a day's start.
    pub day_only: bool,
    /// Reference day (days since 1970-01-01).
    pub day: Option<i64>,
    /// The day the article reports.
    pub event_day: Option<i64>,
    /// XXH3-64 of title and text as read.
    pub content_hash: u64,
    /// L2 tokens (for `--keep longest`).
    pub tokens: u32,
    /// MinHash signature.
    pub signature: Vec<u32>,
    /// Shingle hashes, 32 bits each, sorted (for exact verification).
    pub shingles: Vec<u32>,
    /// Story vector: term keys (32 bits) and weights (quantized to 16 bits).
    pub vector: Vec<(u32, u16)>,
    /// Quote 3-gram hashes (32 bits), sorted.
    pub quote_grams: Vec<u32>,
    /// The story it joined (see the index's story aliases for merges).
    pub story: String,
    /// Its near-duplicate group: the ordinal of the group's first article
    /// (see the group aliases).
    pub group: u32,
}

impl Record {
    /// Orders the members of a near-duplicate group for choosing the kept
    /// one as `dedup --keep earliest` does: earliest published (unknown
    /// last), then smallest id.
    pub fn keep_key(&self) -> ((u8, i64), &ArticleId) {
        (self.published.map_or((1, 0), |p| (0, p.unix)), &self.id)
    }

    fn encode(&self, e: &mut Enc, previous: Option<u32>) {
        e.varint(u64::from(self.ordinal - previous.map_or(0, |p| p + 1)));
        e.u8(u8::from(self.id.is_integer()));
        e.bytes(self.id.as_str().as_bytes());
        match &self.source {
            None => e.varint(0),
            Some(s) => {
                e.varint(s.len() as u64 + 1);
                e.buf.extend_from_slice(s.as_bytes());
            }
        }
        e.opt_ivarint(self.published.map(|p| p.unix));
        let flags = u8::from(self.published.is_some_and(|p| p.date_only)) | (u8::from(self.day_only) << 1);
        e.u8(flags);
        e.opt_ivarint(self.time);
        e.opt_ivarint(self.day);
        e.opt_ivarint(self.event_day);
        e.u64(self.content_hash);
        e.varint(u64::from(self.tokens));
        e.varint(u64::from(self.group));
        e.bytes(self.story.as_bytes());
        let keys: Vec<u32> = self.vector.iter().map(|t| t.0).collect();
        e.sorted_u32s(&keys);
        for t in &self.vector {
            e.buf.extend_from_slice(&t.1.to_le_bytes());
        }
        e.sorted_u32s(&self.quote_grams);
        e.varint(self.signature.len() as u64);
        e.raw_u32s(&self.signature);
        // Last, so that a light read can stop before it.
        e.sorted_u32s(&self.shingles);
    }

    /// Decodes one record; `full` also reads the signature and shingles.
    fn decode(d: &mut Dec<'_>, previous: Option<u32>, full: bool) -> Option<Record> {
        let gap = u32::try_from(d.varint()?).ok()?;
        let ordinal = previous.map_or(Some(0), |p| p.checked_add(1))?.checked_add(gap)?;
        let integer = d.u8()? == 1;
        let id = std::str::from_utf8(d.bytes()?).ok()?;
        let id = if integer { ArticleId::integer(id.parse().ok()?) } else { ArticleId::string(id) };
        let source = match d.varint()? {
            0 => None,
            n => Some(std::str::from_utf8(d.take(usize::try_from(n - 1).ok()?)?).ok()?.to_string()),
        };
        let unix = d.opt_ivarint()?;
        let flags = d.u8()?;
        let published = unix.map(|unix| Published { unix, date_only: flags & 1 == 1 });
        let time = d.opt_ivarint()?;
        let day = d.opt_ivarint()?;
        let event_day = d.opt_ivarint()?;
        let content_hash = d.u64()?;
        let tokens = u32::try_from(d.varint()?).ok()?;
        let group = u32::try_from(d.varint()?).ok()?;
        let story = d.str()?.to_string();
        let keys = d.sorted_u32s()?;
        let mut vector = Vec::with_capacity(keys.len());
        for k in keys {
            let w = d.take(2)?;
            vector.push((k, u16::from_le_bytes([w[0], w[1]])));
        }
        let quote_grams = d.sorted_u32s()?;
        let k = usize::try_from(d.varint()?).ok()?;
        let (signature, shingles) = if full {
            (d.raw_u32s(k)?, d.sorted_u32s()?)
        } else {
            d.take(k.checked_mul(4)?)?;
            // Skip the shingle set: count, parameter, bytes.
            if d.varint()? > 0 {
                d.u8()?;
                d.bytes()?;
            }
            (Vec::new(), Vec::new())
        };
        Some(Record {
            ordinal,
            id,
            source,
            published,
            time,
            day_only: flags & 2 == 2,
            day,
            event_day,
            content_hash,
            tokens,
            signature,
            shingles,
            vector,
            quote_grams,
            story,
            group,
        })
    }
}

/// A block of a segment, as listed in its footer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    offset: u64,
    len: u32,
    /// Ordinal of its first record.
    pub first: u32,
    /// Ordinal of its last record.
    pub last: u32,
    /// Records in it.
    pub count: u32,
    checksum: u64,
}

/// Writes `records` (in rising ordinal order) as a segment
/// file at `path`, durably. Returns the file's size.
pub fn write(path: &Path, records: &[Record]) -> Result<u64> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    let mut blocks = Vec::new();
    for chunk in records.chunks(BLOCK_RECORDS) {
        let mut e = Enc::default();
        let mut previous = None;
        for r in chunk {
            r.encode(&mut e, previous);
            previous = Some(r.ordinal);
        }
        let packed = zstd::bulk::compress(&e.buf, 3).map_err(|err| Error::io(path, err))?;
        blocks.push(Block {
            offset: out.len() as u64,
            len: packed.len() as u32,
            first: chunk[0].ordinal,
            last: chunk[chunk.len() - 1].ordinal,
            count: chunk.len() as u32,
            checksum: xxh3(&packed, 0),
        });
        out.extend_from_slice(&packed);
        // Remember the raw size for decompression.
        out.extend_from_slice(&(e.buf.len() as u32).to_le_bytes());
    }
    let footer_start = out.len();
    for b in &blocks {
        out.extend_from_slice(&b.offset.to_le_bytes());
        out.extend_from_slice(&b.len.to_le_bytes());
        out.extend_from_slice(&b.first.to_le_bytes());
        out.extend_from_slice(&b.last.to_le_bytes());
        out.extend_from_slice(&b.count.to_le_bytes());
        out.extend_from_slice(&b.checksum.to_le_bytes());
    }
    let footer_len = (out.len() - footer_start) as u32;
    out.extend_from_slice(&footer_len.to_le_bytes());
    out.extend_from_slice(END);
    super::store::write_durably(path, &out)?;
    Ok(out.len() as u64)
}

/// An open segment file.
#[derive(Debug)]
pub struct Segment {
    data: memmap2::Mmap,
    /// Its blocks.
    pub blocks: Vec<Block>,
    path: std::path::PathBuf,
}

impl Segment {
    /// Opens and checks the layout of a segment file.
    pub fn open(path: &Path) -> Result<Segment> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: segments are never modified after they are written; the
        // index lock keeps other riwaya processes from deleting them while
        // this one reads.
        let data = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let corrupt = |why: &str| super::store::corrupt(path, why);
        let n = data.len();
        if n < 20 || &data[..8] != MAGIC || &data[n - 8..] != END {
            return Err(corrupt("not a segment file (bad magic)"));
        }
        let footer_len = u32::from_le_bytes(data[n - 12..n - 8].try_into().expect("4 bytes")) as usize;
        if !footer_len.is_multiple_of(BLOCK_ENTRY) || footer_len > n - 20 {
            return Err(corrupt("bad footer length"));
        }
        let footer = &data[n - 12 - footer_len..n - 12];
        let blocks = footer
            .chunks_exact(BLOCK_ENTRY)
            .map(|c| Block {
                offset: u64::from_le_bytes(c[0..8].try_into().expect("8")),
                len: u32::from_le_bytes(c[8..12].try_into().expect("4")),
                first: u32::from_le_bytes(c[12..16].try_into().expect("4")),
                last: u32::from_le_bytes(c[16..20].try_into().expect("4")),
                count: u32::from_le_bytes(c[20..24].try_into().expect("4")),
                checksum: u64::from_le_bytes(c[24..32].try_into().expect("8")),
            })
            .collect::<Vec<_>>();
        for b in &blocks {
            if b.offset as usize + b.len as usize + 4 > n - 12 - footer_len {
                return Err(corrupt("a block lies outside the file"));
            }
        }
        Ok(Segment { data, blocks, path: path.to_path_buf() })
    }

    /// The block holding `ordinal`, if any.
    pub fn block_of(&self, ordinal: u32) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.last < ordinal);
        (i < self.blocks.len() && self.blocks[i].first <= ordinal).then_some(i)
    }

    /// The records of block `i`; `full` also reads signatures and shingles.
    pub fn read_block(&self, i: usize, full: bool) -> Result<Vec<Record>> {
        let b = self.blocks[i];
        let corrupt = |why: &str| super::store::corrupt(&self.path, why);
        let start = b.offset as usize;
        let packed = &self.data[start..start + b.len as usize];
        if xxh3(packed, 0) != b.checksum {
            return Err(corrupt(&format!("block {i} fails its checksum")));
        }
        let raw_len = u32::from_le_bytes(
            self.data[start + b.len as usize..start + b.len as usize + 4].try_into().expect("4 bytes"),
        ) as usize;
        let raw = zstd::bulk::decompress(packed, raw_len).map_err(|e| corrupt(&format!("block {i}: {e}")))?;
        let mut d = Dec::new(&raw);
        let mut out: Vec<Record> = Vec::with_capacity(b.count as usize);
        for _ in 0..b.count {
            let previous = out.last().map(|r| r.ordinal);
            let r = Record::decode(&mut d, previous, full).ok_or_else(|| corrupt(&format!("block {i}: bad record")))?;
            out.push(r);
        }
        if out.first().map(|r| r.ordinal) != Some(b.first) || out.last().map(|r| r.ordinal) != Some(b.last) {
            return Err(corrupt(&format!("block {i}: ordinals do not match the footer")));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ordinal: u32) -> Record {
        Record {
            ordinal,
            id: if ordinal.is_multiple_of(2) {
                ArticleId::string(format!("a{ordinal}"))
            } else {
                ArticleId::integer(ordinal.into())
            },
            source: (!ordinal.is_multiple_of(3)).then(|| "عنب بلدي".to_string()),
            published: Some(Published { unix: 1_600_000_000 + i64::from(ordinal), date_only: false }),
            time: Some(1_600_000_000 + i64::from(ordinal)),
            day_only: ordinal.is_multiple_of(5),
            day: Some(18_500),
            event_day: None,
            content_hash: 0xDEAD_BEEF ^ u64::from(ordinal),
            tokens: 321,
            signature: (0..128).map(|i| i * 7 + ordinal).collect(),
            shingles: (0..200).map(|i| i * 1000 + ordinal).collect(),
            vector: vec![(3, 100), (9, 65535)],
            quote_grams: vec![1, 2, 3],
            story: format!("s{ordinal:016x}"),
            group: ordinal / 2,
        }
    }

    #[test]
    fn segments_round_trip_and_find_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        let mut records: Vec<Record> = (10..10 + 300).map(record).collect();
        records.retain(|r| r.ordinal != 12);
        write(&path, &records).unwrap();
        let seg = Segment::open(&path).unwrap();
        assert_eq!(seg.blocks.len(), 3);
        let mut back = Vec::new();
        for i in 0..seg.blocks.len() {
            back.extend(seg.read_block(i, true).unwrap());
        }
        assert_eq!(back, records);
        assert_eq!(seg.block_of(10), Some(0));
        assert_eq!(seg.block_of(10 + 129), Some(1), "a gap at 12 shifts the blocks");
        assert_eq!(seg.block_of(9), None);
        assert_eq!(seg.block_of(310), None);
        let light = seg.read_block(2, false).unwrap();
        assert!(light[0].signature.is_empty() && light[0].story == records[256].story);
        assert_eq!(seg.block_of(12), Some(0), "the block whose range holds it");
    }

    #[test]
    fn a_damaged_segment_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        write(&path, &(0..10).map(record).collect::<Vec<_>>()).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 0xFF;
        std::fs::write(&path, &bytes).unwrap();
        let e = Segment::open(&path).unwrap().read_block(0, true).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
        std::fs::write(&path, b"nonsense").unwrap();
        assert!(Segment::open(&path).is_err());
    }
}
