//! Streaming the records of all inputs in order, in parallel, deterministically.
//!
//! A reader thread decompresses each file and cuts it into chunks of complete
//! lines (about [`StreamOptions::chunk_bytes`] each; a longer line makes a
//! longer chunk), noting for every non-blank line its line number, byte offset
//! and ordinal (its position among all records of the run). The calling
//! thread maps each chunk's records in parallel with rayon and hands the
//! results, in input order, to a sink. Reading the next chunk overlaps with
//! processing the current one; memory holds at most a few chunks whatever the
//! size of the input.
//!
//! Because chunks, ordinals and result order depend only on the bytes of the
//! input, every pass sees the same records with the same ordinals, and the
//! output does not depend on the number of threads.

use super::decode::{self, Compression};
use super::{FileKind, InputFile, Inputs};
use crate::error::{Error, Location, Problem, ProblemKind, Result};
use crate::ids::FileIdx;
use crate::progress::Progress;
use rayon::prelude::*;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// Options for a pass over the inputs.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Target chunk size in bytes.
    pub chunk_bytes: usize,
    /// Keep going after a truncated compressed file (its complete records
    /// are kept and the problem is reported) instead of stopping.
    pub tolerate_truncation: bool,
    /// Write the decompressed content of each compressed JSON Lines file to
    /// a temporary file as it is read ([`StreamReport::spools`]), so that
    /// its records can be read again at their offsets. A copy that cannot
    /// be written (no temporary directory, a full disk) is given up without
    /// error: its records are then read again by streaming.
    pub spool_compressed: bool,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self { chunk_bytes: 8 << 20, tolerate_truncation: false, spool_compressed: false }
    }
}

/// A record's place in the input.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    start: u32,
    /// Length of the record in bytes.
    pub len: u32,
    /// 1-based line number (1 for a `.txt` article).
    pub line: u64,
    /// Byte offset of the record in the file's decompressed content.
    pub offset: u64,
}

/// Complete lines of one file.
#[derive(Debug)]
pub struct Chunk {
    /// The file they come from.
    pub file: FileIdx,
    data: Data,
    /// Non-blank records, in order.
    pub spans: Vec<Span>,
    /// Ordinal of the first record of this chunk among all records.
    pub first_ordinal: u64,
}

/// Where a chunk's bytes live.
#[derive(Debug)]
enum Data {
    /// Read (and decompressed) into memory.
    Owned(Vec<u8>),
    /// A range of a memory-mapped uncompressed file.
    Mapped { map: Arc<memmap2::Mmap>, start: usize, end: usize },
}

impl Chunk {
    fn data(&self) -> &[u8] {
        match &self.data {
            Data::Owned(v) => v,
            Data::Mapped { map, start, end } => &map[*start..*end],
        }
    }

    /// The bytes of record `i` (without its line terminator).
    pub fn bytes(&self, i: usize) -> &[u8] {
        let s = &self.spans[i];
        &self.data()[s.start as usize..(s.start + s.len) as usize]
    }

    /// True when record `j` is on the line right after record `i`, so that
    /// the bytes from the start of `i` to the end of `j` are exactly the
    /// records with a `\n` between them.
    pub fn adjacent(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.spans[i], &self.spans[j]);
        b.line == a.line + 1 && b.start == a.start + a.len + 1
    }

    /// The bytes from the start of record `first` to the end of record
    /// `last` (for a run of adjacent records).
    pub fn run_bytes(&self, first: usize, last: usize) -> &[u8] {
        let (a, b) = (&self.spans[first], &self.spans[last]);
        &self.data()[a.start as usize..(b.start + b.len) as usize]
    }
}

impl Drop for Chunk {
    /// A processed chunk of a mapped file gives its pages back, so that the
    /// resident memory of a pass stays bounded whatever the file size.
    fn drop(&mut self) {
        if let Data::Mapped { map, start, end } = &self.data {
            let page = page_size();
            let from = start.div_ceil(page) * page;
            let to = end / page * page;
            if to > from {
                // SAFETY: the mapping is a read-only shared mapping of a file,
                // and no slice of this range outlives the chunk (records are
                // only borrowed while the chunk is alive; neighbouring chunks
                // own the partial pages at the edges, which are left alone).
                // MADV_DONTNEED only drops this process's page-table entries;
                // a later read would fault the same file contents back in.
                let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from) };
            }
        }
    }
}

fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if n > 0 { n as usize } else { 4096 }
    })
}

/// One record as handed to a mapping function.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    /// The file it is in.
    pub file: &'a InputFile,
    /// Index of that file.
    pub file_idx: FileIdx,
    /// 1-based line (1 for `.txt`).
    pub line: u64,
    /// Position among all records of the run (blank lines are not records).
    pub ordinal: u64,
    /// Its bytes.
    pub bytes: &'a [u8],
}

impl RecordRef<'_> {
    /// Where the record is, for messages.
    pub fn location(&self) -> Location {
        let line = matches!(self.file.kind, FileKind::JsonLines).then_some(self.line);
        Location { file: self.file.display.clone(), line }
    }
}

/// What a pass saw besides its records.
#[derive(Debug, Default)]
pub struct StreamReport {
    /// Records seen.
    pub records: u64,
    /// Bytes of decompressed input.
    pub bytes: u64,
    /// Files that ended early (only with `tolerate_truncation`).
    pub truncated: Vec<Problem>,
    /// Files that hold no records at all.
    pub empty_files: Vec<String>,
    /// With [`StreamOptions::spool_compressed`]: for each compressed JSON
    /// Lines file, a temporary file holding its decompressed content as far
    /// as it was read (record offsets index both alike); removed when
    /// dropped.
    pub spools: Vec<(FileIdx, tempfile::TempPath)>,
}

enum Msg {
    Chunk(Chunk),
    Truncated(Problem),
    Empty(String),
    Spooled(FileIdx, tempfile::TempPath),
    Failed(Error),
}

/// Maps every record with `map` (in parallel) and gives each chunk's results,
/// in input order, to `sink`. The sink of one chunk runs while the next chunk
/// is being mapped, so a sequential sink does not leave the workers idle.
pub fn par_map<R, M, S>(
    inputs: &Inputs,
    options: &StreamOptions,
    progress: &dyn Progress,
    map: M,
    mut sink: S,
) -> Result<StreamReport>
where
    R: Send,
    M: Fn(RecordRef<'_>) -> R + Sync,
    S: FnMut(&Chunk, Vec<R>) -> Result<()> + Send,
{
    let files = inputs.files();
    let mut report = StreamReport::default();
    let map_chunk = |chunk: &Chunk| -> Vec<R> {
        let file = &files[chunk.file.0 as usize];
        (0..chunk.spans.len())
            .into_par_iter()
            .with_max_len(crate::par::ARTICLES)
            .map(|i| {
                let s = &chunk.spans[i];
                map(RecordRef {
                    file,
                    file_idx: chunk.file,
                    line: s.line,
                    ordinal: chunk.first_ordinal + i as u64,
                    bytes: chunk.bytes(i),
                })
            })
            .collect()
    };
    let flush = |pending: Option<(Chunk, Vec<R>)>, sink: &mut S| match pending {
        Some((chunk, results)) => sink(&chunk, results),
        None => Ok(()),
    };
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = mpsc::sync_channel::<Msg>(2);
        let reader = scope.spawn(move || read_all(files, options, progress, &tx));
        let mut outcome = Ok(());
        let mut pending: Option<(Chunk, Vec<R>)> = None;
        for msg in rx.iter() {
            match msg {
                Msg::Chunk(chunk) => {
                    report.records += chunk.spans.len() as u64;
                    report.bytes += chunk.data().len() as u64;
                    let previous = pending.take();
                    let (results, sunk) = rayon::join(|| map_chunk(&chunk), || flush(previous, &mut sink));
                    if let Err(e) = sunk {
                        outcome = Err(e);
                        break;
                    }
                    pending = Some((chunk, results));
                }
                Msg::Truncated(p) => report.truncated.push(p),
                Msg::Empty(name) => report.empty_files.push(name),
                Msg::Spooled(idx, path) => report.spools.push((idx, path)),
                Msg::Failed(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        if outcome.is_ok() {
            outcome = flush(pending.take(), &mut sink);
        }
        // Dropping the receiver stops the reader at its next send.
        drop(rx);
        reader.join().expect("the reader thread does not panic");
        outcome
    })?;
    progress.end();
    Ok(report)
}

fn read_all(files: &[InputFile], options: &StreamOptions, progress: &dyn Progress, tx: &mpsc::SyncSender<Msg>) {
    let total: u64 = files.iter().map(|f| f.size).sum();
    progress.begin("read", Some(total));
    let mut ordinal = 0u64;
    for (i, file) in files.iter().enumerate() {
        let idx = FileIdx(i as u32);
        let counter = Arc::new(AtomicU64::new(0));
        let result = match &file.kind {
            FileKind::JsonLines => match decode::sniff(&file.path) {
                Ok(Compression::None) if file.size > 0 => read_mapped(file, idx, options, &mut ordinal, progress, tx),
                Ok(_) => read_lines(file, idx, options, &counter, &mut ordinal, progress, tx),
                Err(e) => Err(e),
            },
            FileKind::Text { .. } => read_whole(file, idx, &counter, &mut ordinal, tx),
        };
        match result {
            Ok(true) => {}
            Ok(false) => return, // the receiver is gone
            Err(e) => {
                let _ = tx.send(Msg::Failed(e));
                return;
            }
        }
        if matches!(file.kind, FileKind::Text { .. }) {
            progress.advance(file.size);
        }
    }
}

/// Reads a `.txt` article as one record. Returns false when the receiver
/// has gone away.
fn read_whole(
    file: &InputFile,
    idx: FileIdx,
    counter: &Arc<AtomicU64>,
    ordinal: &mut u64,
    tx: &mpsc::SyncSender<Msg>,
) -> Result<bool> {
    let (mut reader, _) = decode::open(&file.path, counter.clone())?;
    let mut data = Vec::new();
    reader.read_to_end(&mut data).map_err(|e| Error::io(&file.path, e))?;
    let len = u32::try_from(data.len()).map_err(|_| too_long(file, 1))?;
    let chunk = Chunk {
        file: idx,
        data: Data::Owned(data),
        spans: vec![Span { start: 0, len, line: 1, offset: 0 }],
        first_ordinal: *ordinal,
    };
    *ordinal += 1;
    Ok(tx.send(Msg::Chunk(chunk)).is_ok())
}

fn too_long(file: &InputFile, line: u64) -> Error {
    Error::Input(Problem {
        location: Location { file: file.display.clone(), line: Some(line) },
        kind: ProblemKind::BadField,
        reason: "record longer than 4 GiB".into(),
    })
}

/// Reads a JSON Lines file in chunks of complete lines. Returns false when
/// the receiver has gone away.
fn read_lines(
    file: &InputFile,
    idx: FileIdx,
    options: &StreamOptions,
    counter: &Arc<AtomicU64>,
    ordinal: &mut u64,
    progress: &dyn Progress,
    tx: &mpsc::SyncSender<Msg>,
) -> Result<bool> {
    let (mut reader, compression) = decode::open(&file.path, counter.clone())?;
    // A copy that cannot be written (no temporary directory, a full disk)
    // is given up: the records are then read again by streaming.
    let mut spool = match options.spool_compressed && compression != Compression::None {
        true => Spool::new().ok(),
        false => None,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(options.chunk_bytes + (64 << 10));
    let mut line = 1u64; // line number of buf[0]
    let mut offset = 0u64; // file offset of buf[0]
    let mut records = 0u64;
    let mut reported = 0u64;
    loop {
        // Fill the buffer up to the chunk size (or more, for a long line).
        let mut eof = false;
        let mut truncation: Option<std::io::Error> = None;
        let target = (buf.len() + options.chunk_bytes).max(options.chunk_bytes);
        while buf.len() < target {
            let want = (target - buf.len()) as u64;
            match (&mut reader).take(want).read_to_end(&mut buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if compression == Compression::None {
                        return Err(Error::io(&file.path, e));
                    }
                    truncation = Some(e);
                    eof = true;
                    break;
                }
            }
        }
        let done = counter.load(Ordering::Relaxed);
        progress.advance(done - reported);
        reported = done;
        // Cut at the last complete line; at a clean end the rest is a final
        // line without terminator; after truncation it is the damaged tail.
        let cut = match memchr_last(&buf) {
            Some(i) => i + 1,
            None if eof && truncation.is_none() => buf.len(),
            None if eof => 0,
            None => continue, // a line longer than the chunk: read more
        };
        let cut = if eof && truncation.is_none() { buf.len() } else { cut };
        let rest = buf.split_off(cut);
        let data = std::mem::replace(&mut buf, rest);
        if let Some(copy) = &mut spool
            && copy.write(&data).is_err()
        {
            spool = None;
        }
        let chunk = make_chunk(file, idx, Data::Owned(data), &mut line, &mut offset, ordinal)?;
        records += chunk.spans.len() as u64;
        if !chunk.spans.is_empty() && tx.send(Msg::Chunk(chunk)).is_err() {
            return Ok(false);
        }
        if (eof || truncation.is_some())
            && let Some(copy) = spool.take().and_then(|s| s.finish().ok())
            && tx.send(Msg::Spooled(idx, copy)).is_err()
        {
            return Ok(false);
        }
        if let Some(e) = truncation {
            let problem = Problem {
                location: Location { file: file.display.clone(), line: Some(line) },
                kind: ProblemKind::Truncated,
                reason: format!(
                    "the compressed data ends early or is damaged ({e}); {records} complete records before line {line} were read, the rest of the file is lost"
                ),
            };
            let msg =
                if options.tolerate_truncation { Msg::Truncated(problem) } else { Msg::Failed(Error::Input(problem)) };
            return Ok(tx.send(msg).is_ok() && options.tolerate_truncation);
        }
        if eof {
            if records == 0 {
                return Ok(tx.send(Msg::Empty(file.display.clone())).is_ok());
            }
            return Ok(true);
        }
    }
}

/// The decompressed copy of a compressed input being written (removed if
/// dropped unfinished).
struct Spool {
    out: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl Spool {
    fn new() -> std::io::Result<Self> {
        Ok(Self { out: std::io::BufWriter::with_capacity(1 << 20, tempfile::NamedTempFile::new()?) })
    }

    fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        std::io::Write::write_all(&mut self.out, data)
    }

    fn finish(self) -> std::io::Result<tempfile::TempPath> {
        Ok(self.out.into_inner().map_err(|e| e.into_error())?.into_temp_path())
    }
}

/// Reads an uncompressed JSON Lines file through a memory map: the reader
/// only finds line boundaries; workers parse straight from the page cache.
/// Returns false when the receiver has gone away.
fn read_mapped(
    file: &InputFile,
    idx: FileIdx,
    options: &StreamOptions,
    ordinal: &mut u64,
    progress: &dyn Progress,
    tx: &mpsc::SyncSender<Msg>,
) -> Result<bool> {
    let handle = std::fs::File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
    // SAFETY: the map is read-only. Its contents may change only if another
    // process modifies the file during the run, which riwaya documents as
    // unsupported (as ripgrep does for its memory maps).
    let map = unsafe { memmap2::Mmap::map(&handle) }.map_err(|e| Error::io(&file.path, e))?;
    let _ = map.advise(memmap2::Advice::Sequential);
    let map = Arc::new(map);
    let (mut line, mut offset, mut records) = (1u64, 0u64, 0u64);
    let mut start = 0usize;
    while start < map.len() {
        let target = (start + options.chunk_bytes).min(map.len());
        // End the chunk after the last line break before the target, or after
        // the first one beyond it for a line longer than a chunk.
        let end = if target == map.len() {
            map.len()
        } else {
            match memchr::memrchr(b'\n', &map[start..target]) {
                Some(p) => start + p + 1,
                None => memchr::memchr(b'\n', &map[target..]).map_or(map.len(), |p| target + p + 1),
            }
        };
        let data = Data::Mapped { map: Arc::clone(&map), start, end };
        let chunk = make_chunk(file, idx, data, &mut line, &mut offset, ordinal)?;
        records += chunk.spans.len() as u64;
        progress.advance((end - start) as u64);
        if !chunk.spans.is_empty() && tx.send(Msg::Chunk(chunk)).is_err() {
            return Ok(false);
        }
        start = end;
    }
    if records == 0 {
        return Ok(tx.send(Msg::Empty(file.display.clone())).is_ok());
    }
    Ok(true)
}

fn memchr_last(buf: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', buf)
}

/// Splits `data` (complete lines) into record spans, advancing the line,
/// offset and ordinal counters.
fn make_chunk(
    file: &InputFile,
    idx: FileIdx,
    data: Data,
    line: &mut u64,
    offset: &mut u64,
    ordinal: &mut u64,
) -> Result<Chunk> {
    let mut chunk = Chunk { file: idx, data, spans: Vec::new(), first_ordinal: *ordinal };
    let data = chunk.data();
    if u32::try_from(data.len()).is_err() {
        return Err(too_long(file, *line));
    }
    let mut spans = Vec::new();
    // A byte-order mark is not part of the first record. The first chunk
    // always holds the whole first line, so the mark is whole too.
    let mut start = if *offset == 0 && data.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |p| start + p);
        let bytes = &data[start..end];
        if !bytes.iter().all(u8::is_ascii_whitespace) {
            let len = u32::try_from(bytes.len()).map_err(|_| too_long(file, *line))?;
            spans.push(Span { start: start as u32, len, line: *line, offset: *offset + start as u64 });
            *ordinal += 1;
        }
        *line += 1;
        start = end + 1;
    }
    *offset += data.len() as u64;
    chunk.spans = spans;
    Ok(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;
    use std::io::Write;

    /// (ordinal, line, offset, bytes) of every record.
    type Seen = Vec<(u64, u64, u64, Vec<u8>)>;

    fn collect(inputs: &Inputs, chunk_bytes: usize) -> Result<(Seen, StreamReport)> {
        let mut out = Vec::new();
        let options = StreamOptions { chunk_bytes, tolerate_truncation: true, ..StreamOptions::default() };
        let report = par_map(
            inputs,
            &options,
            &NoProgress,
            |r| (r.ordinal, r.line, r.bytes.to_vec()),
            |chunk, results| {
                for (i, (ord, line, bytes)) in results.into_iter().enumerate() {
                    out.push((ord, line, chunk.spans[i].offset, bytes));
                }
                Ok(())
            },
        )?;
        Ok((out, report))
    }

    #[test]
    fn lines_ordinals_and_offsets_survive_any_chunk_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl");
        let content = "\u{FEFF}{\"a\":1}\n\n   \n{\"b\":2}\r\n{\"c\":3}";
        std::fs::write(&p, content).unwrap();
        let inputs = Inputs::open(&[p]).unwrap();
        for chunk in [1, 3, 7, 64, 1 << 20] {
            let (recs, report) = collect(&inputs, chunk).unwrap();
            let got: Vec<(u64, u64, u64, &[u8])> = recs.iter().map(|(o, l, off, b)| (*o, *l, *off, &b[..])).collect();
            assert_eq!(
                got,
                [(0, 1, 3, &b"{\"a\":1}"[..]), (1, 4, 16, &b"{\"b\":2}\r"[..]), (2, 5, 25, &b"{\"c\":3}"[..])],
                "chunk size {chunk}"
            );
            assert_eq!(report.records, 3);
        }
    }

    #[test]
    fn compressed_files_and_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (0..20000).map(|i| format!("{{\"id\":{i},\"text\":\"نص رقم {i}\"}}\n")).collect();
        let gz = dir.path().join("a.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(lines.as_bytes()).unwrap();
        let gz_bytes = enc.finish().unwrap();
        std::fs::write(&gz, &gz_bytes).unwrap();
        let zst = dir.path().join("b.jsonl"); // named plain, detected by content
        std::fs::write(&zst, zstd::encode_all(lines.as_bytes(), 3).unwrap()).unwrap();
        let inputs = Inputs::open(&[gz.clone(), zst.clone()]).unwrap();
        let (recs, report) = collect(&inputs, 4096).unwrap();
        assert_eq!(recs.len(), 40000);
        assert!(report.truncated.is_empty());
        assert_eq!(recs[39999].0, 39999);

        // Cut both files in half: the complete records before the cut are
        // read, the truncation is reported with its line.
        std::fs::write(&gz, &gz_bytes[..gz_bytes.len() / 2]).unwrap();
        let z = std::fs::read(&zst).unwrap();
        std::fs::write(&zst, &z[..z.len() / 2]).unwrap();
        let inputs = Inputs::open(&[gz, zst]).unwrap();
        let (recs, report) = collect(&inputs, 4096).unwrap();
        assert_eq!(report.truncated.len(), 2, "{report:?}");
        assert!(recs.len() < 40000 && recs.len() > 10000, "{}", recs.len());
        for p in &report.truncated {
            assert_eq!(p.kind, ProblemKind::Truncated);
            assert!(p.location.line.unwrap() > 1, "{p}");
        }
        // Without tolerance, the first truncation stops the pass.
        let strict = StreamOptions { chunk_bytes: 4096, tolerate_truncation: false, ..StreamOptions::default() };
        let e = par_map(&inputs, &strict, &NoProgress, |_| (), |_, _| Ok(())).unwrap_err();
        assert!(e.to_string().contains("ends early"), "{e}");
    }

    #[test]
    fn empty_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.jsonl");
        std::fs::write(&p, "\n\n").unwrap();
        let inputs = Inputs::open(&[p]).unwrap();
        let (recs, report) = collect(&inputs, 1024).unwrap();
        assert!(recs.is_empty());
        assert_eq!(report.empty_files.len(), 1);
    }
}
