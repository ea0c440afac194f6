//! Writing results: atomic files, standard output, and the kept records.
//!
//! Every output file is written to a temporary file in the same directory,
//! flushed and synced, then renamed over the target, so a reader never sees
//! a half-written file and a crash leaves the previous file intact. Standard
//! output is written directly; a reader that goes away (`| head`) surfaces as
//! [`Error::BrokenPipe`], which the program treats as a normal end.
//!
//! Kept JSON Lines records are copied byte for byte from the input, in input
//! order; a `.txt` article (which has no JSON form of its own) is written as a
//! JSON object with its id, its manifest fields, title and text.

use crate::corpus::{Corpus, with_record};
use crate::error::{Error, Result};
use crate::ids::DocIdx;
use crate::input::stream::{self, RecordRef};
use crate::input::{FileKind, Inputs};
use crate::progress::Progress;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Maps a write error: a closed pipe is [`Error::BrokenPipe`].
pub fn write_error(path: &Path, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe { Error::BrokenPipe } else { Error::io(path, e) }
}

/// A file that appears at its path only when [`AtomicFile::commit`] is called.
///
/// The data is made durable (fsync) before the rename. To keep that final
/// wait short, writeback of what is already written is started every
/// [`WRITEBACK_EVERY`] bytes (`sync_file_range` on Linux), overlapping disk
/// writes with the rest of the output.
#[derive(Debug)]
pub struct AtomicFile {
    writer: BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
    written: u64,
    kicked: u64,
}

/// Start writeback after this many more bytes.
pub const WRITEBACK_EVERY: u64 = 8 << 20;

impl AtomicFile {
    /// Starts writing `path` (through a temporary file beside it).
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".riwaya-").suffix(".tmp");
        // The mode `File::create` gives (0666 less the umask), not the
        // temporary file's private 0600: the output is the user's file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).map_err(|e| Error::io(path, e))?;
        Ok(Self { writer: BufWriter::with_capacity(1 << 20, tmp), path: path.to_path_buf(), written: 0, kicked: 0 })
    }

    /// Asks the kernel to start writing out what has been written so far,
    /// without waiting for it.
    fn start_writeback(&mut self) -> std::io::Result<()> {
        self.writer.flush()?;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = self.writer.get_ref().as_file().as_raw_fd();
            // SAFETY: a plain system call on a file descriptor we own.
            unsafe {
                libc::sync_file_range(
                    fd,
                    self.kicked as libc::off64_t,
                    (self.written - self.kicked) as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.kicked = self.written;
        Ok(())
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let tmp = self.writer.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        tmp.as_file().sync_all().map_err(|e| Error::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }

    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.writer.write(buf)?;
        self.written += n as u64;
        if self.written - self.kicked >= WRITEBACK_EVERY {
            self.start_writeback()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Standard output, an atomic file, or a device or pipe written in place.
#[derive(Debug)]
pub enum Output {
    /// Standard output.
    Stdout(BufWriter<std::io::Stdout>),
    /// A regular file, replaced atomically.
    File(AtomicFile),
    /// Something that exists and is not a regular file (`/dev/null`, a named
    /// pipe): it cannot be replaced by a rename, so it is written directly.
    Special(BufWriter<std::fs::File>, PathBuf),
}

impl Output {
    /// `path`, or standard output for `None` or `-`.
    pub fn open(path: Option<&Path>) -> Result<Self> {
        match path {
            Some(p) if p.as_os_str() != "-" => match std::fs::metadata(p) {
                Ok(m) if !m.is_file() && !m.is_dir() => {
                    let f = std::fs::OpenOptions::new().write(true).open(p).map_err(|e| Error::io(p, e))?;
                    Ok(Output::Special(BufWriter::with_capacity(1 << 20, f), p.to_path_buf()))
                }
                _ => Ok(Output::File(AtomicFile::create(p)?)),
            },
            _ => Ok(Output::Stdout(BufWriter::with_capacity(1 << 20, std::io::stdout()))),
        }
    }

    /// The name to use in messages.
    pub fn name(&self) -> PathBuf {
        match self {
            Output::Stdout(_) => PathBuf::from("<stdout>"),
            Output::File(f) => f.path().to_path_buf(),
            Output::Special(_, p) => p.clone(),
        }
    }

    /// Flushes standard output or a device, or commits the file.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(|e| write_error(Path::new("<stdout>"), e)),
            Output::File(f) => f.commit(),
            Output::Special(mut w, p) => w.flush().map_err(|e| write_error(&p, e)),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
            Output::Special(w, _) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
            Output::Special(w, _) => w.flush(),
        }
    }
}

enum Emit {
    Raw,
    Json(Vec<u8>),
}

/// Writes the records of the articles `keep` accepts, in input order: JSON
/// Lines records as read, `.txt` articles as JSON. Returns how many.
pub fn write_records(
    inputs: &Inputs,
    corpus: &Corpus,
    keep: impl Fn(DocIdx) -> bool + Sync,
    out: &mut (dyn Write + Send),
    out_name: &Path,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut written = 0u64;
    stream::par_map(
        inputs,
        &corpus.stream_options(),
        progress,
        |record| {
            let doc = corpus.doc_at_ordinal(record.ordinal).filter(|&d| keep(d))?;
            Some(match record.file.kind {
                FileKind::JsonLines => Emit::Raw,
                FileKind::Text { .. } => Emit::Json(text_record_json(&record, corpus, doc)),
            })
        },
        |chunk, results| {
            // Consecutive kept lines are contiguous in the chunk: each such
            // run goes out in one write, without passing through the buffer.
            let mut run: Option<(usize, usize)> = None;
            let flush = |run: &mut Option<(usize, usize)>, out: &mut (dyn Write + Send)| -> Result<()> {
                if let Some((first, last)) = run.take() {
                    out.write_all(chunk.run_bytes(first, last))
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(|e| write_error(out_name, e))?;
                }
                Ok(())
            };
            for (i, r) in results.into_iter().enumerate() {
                match r {
                    None => flush(&mut run, out)?,
                    Some(Emit::Raw) => {
                        run = match run {
                            Some((first, last)) if chunk.adjacent(last, i) => Some((first, i)),
                            other => {
                                let mut other = other;
                                flush(&mut other, out)?;
                                Some((i, i))
                            }
                        };
                        written += 1;
                    }
                    Some(Emit::Json(bytes)) => {
                        flush(&mut run, out)?;
                        out.write_all(&bytes)
                            .and_then(|()| out.write_all(b"\n"))
                            .map_err(|e| write_error(out_name, e))?;
                        written += 1;
                    }
                }
            }
            flush(&mut run, out)
        },
    )?;
    Ok(written)
}

/// The JSON form of a `.txt` article: id, manifest fields, title, text.
fn text_record_json(record: &RecordRef<'_>, corpus: &Corpus, doc: DocIdx) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("id".into(), corpus.doc(doc).id.to_json());
    if let FileKind::Text { manifest: Some(m), .. } = &record.file.kind {
        for (k, v) in &m.fields {
            if k != "id" && k != "title" && k != "text" {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    let _ = with_record(record, corpus.fields(), |article| {
        obj.insert("title".into(), article.title.as_ref().into());
        obj.insert("text".into(), article.text.as_ref().into());
    });
    serde_json::to_vec(&obj).expect("a JSON map serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_written_in_place_not_replaced() {
        let mut out = Output::open(Some(Path::new("/dev/null"))).unwrap();
        assert!(matches!(out, Output::Special(..)));
        out.write_all(b"x\n").unwrap();
        out.finish().unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null must still be a device");
    }

    #[test]
    fn atomic_files_appear_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "old\n").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        drop(f); // abandoned: the old file stays, no temporary is left
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"new\n").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_files_get_the_mode_a_plain_create_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let p = dir.path().join("out.jsonl");
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"x\n").unwrap();
        f.commit().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&plain));
    }
}
