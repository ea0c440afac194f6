//! Reading articles (DESIGN section 2): which files, in which order, and how
//! each record becomes an [`Article`].
//!
//! [`Inputs::open`] resolves what the user named into an ordered list of
//! files:
//! - a file is JSON Lines (plain, gzip or zstd, detected by content), or one
//!   article if its name ends in `.txt`;
//! - a directory contributes every `.jsonl`/`.ndjson` (optionally `.gz` or
//!   `.zst`) and `.txt` file below it, in sorted path order, skipping hidden
//!   entries; a `manifest.jsonl` in a directory adds metadata to the `.txt`
//!   files it names (its `file` key, relative to that directory);
//! - `-` (or nothing at all) is standard input, which is spooled to a
//!   temporary file so that later passes can read it again.
//!
//! The pipeline reads its inputs more than once (learn boilerplate, sign,
//! verify, write), always in the same order, so a record is identified across
//! passes by its ordinal in that order ([`stream`]).

pub mod decode;
mod record;
pub mod stream;

pub use decode::Compression;
pub use record::{Article, FIELD_NAMES, FieldMap, ManifestEntry, RecordError, check_utf8, parse_json, parse_text};

use crate::error::{Error, Result};
use ahash::AHashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// What kind of records a file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum FileKind {
    /// One JSON object per line.
    JsonLines,
    /// The whole file is one article.
    Text {
        /// Its id unless the manifest gives one: the path relative to the
        /// directory it was found in, without extension.
        default_id: String,
        /// Its manifest entry, if any.
        manifest: Option<ManifestEntry>,
    },
}

/// One input file.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The name to show in messages (the path as given, or `<stdin>`).
    pub display: String,
    /// Where to read it.
    pub path: PathBuf,
    /// What it holds.
    pub kind: FileKind,
    /// Size on disk in bytes (compressed size for compressed files).
    pub size: u64,
}

/// The ordered input files of a run.
#[derive(Debug)]
pub struct Inputs {
    files: Vec<InputFile>,
    // Keeps the spooled copy of standard input alive for the run.
    _stdin_spool: Option<tempfile::TempPath>,
}

impl Inputs {
    /// Resolves the user's input names; no names means standard input.
    pub fn open(names: &[PathBuf]) -> Result<Inputs> {
        let stdin = || std::io::stdin().lock();
        Self::open_with_stdin(names, stdin)
    }

    /// As [`Inputs::open`], with a custom standard input (for tests).
    pub fn open_with_stdin<R: std::io::Read>(names: &[PathBuf], stdin: impl FnOnce() -> R) -> Result<Inputs> {
        let mut files = Vec::new();
        let mut spool = None;
        let dash = [PathBuf::from("-")];
        let names = if names.is_empty() { &dash[..] } else { names };
        let mut stdin = Some(stdin);
        for name in names {
            if name.as_os_str() == "-" {
                let read =
                    stdin.take().ok_or_else(|| Error::Config("standard input (-) is named more than once".into()))?;
                let (file, path) = spool_stdin(read())?;
                files.push(file);
                spool = Some(path);
                continue;
            }
            let meta = std::fs::metadata(name).map_err(|e| Error::io(name, e))?;
            if meta.is_dir() {
                let found = walk_directory(name)?;
                if found.is_empty() {
                    return Err(Error::NoInput(format!(
                        "{}: no article files found (.jsonl, .ndjson, .jsonl.gz, .jsonl.zst or .txt)",
                        name.display()
                    )));
                }
                files.extend(found);
            } else {
                let display = name.display().to_string();
                let kind = if is_text_name(name) {
                    let stem = name.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    FileKind::Text { default_id: stem, manifest: None }
                } else {
                    FileKind::JsonLines
                };
                files.push(InputFile { display, path: name.clone(), kind, size: meta.len() });
            }
        }
        Ok(Inputs { files, _stdin_spool: spool })
    }

    /// The files, in reading order.
    pub fn files(&self) -> &[InputFile] {
        &self.files
    }

    /// Total size on disk.
    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// The same inputs, with file `i` read from `copy(i)` where it gives a
    /// path: a copy holding the bytes the file decompresses to, so the same
    /// records come in the same order (messages still name the file). The
    /// copies must outlive the returned inputs.
    pub fn read_from_copies(&self, copy: impl Fn(usize) -> Option<PathBuf>) -> Result<Inputs> {
        let files = self
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| match copy(i) {
                Some(path) => {
                    let size = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
                    Ok(InputFile { path, size, ..f.clone() })
                }
                None => Ok(f.clone()),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Inputs { files, _stdin_spool: None })
    }
}

fn spool_stdin(mut stdin: impl std::io::Read) -> Result<(InputFile, tempfile::TempPath)> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| Error::io("<stdin spool>", e))?;
    let size = std::io::copy(&mut stdin, tmp.as_file_mut()).map_err(|e| Error::io("<stdin>", e))?;
    let path = tmp.into_temp_path();
    let file = InputFile { display: "<stdin>".into(), path: path.to_path_buf(), kind: FileKind::JsonLines, size };
    Ok((file, path))
}

fn is_text_name(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "txt")
}

fn is_jsonl_name(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name == "manifest.jsonl" {
        return false;
    }
    [".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz", ".jsonl.zst", ".ndjson.zst"].iter().any(|ext| name.ends_with(ext))
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// Every article file below `dir`, in sorted path order, with manifests
/// applied to `.txt` files.
fn walk_directory(dir: &Path) -> Result<Vec<InputFile>> {
    let mut paths = Vec::new();
    let mut manifests = Vec::new();
    let walker = walkdir::WalkDir::new(dir).follow_links(true).into_iter().filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(path, e.into_io_error().unwrap_or_else(|| std::io::Error::other("file system loop")))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "manifest.jsonl") {
            manifests.push(path.to_path_buf());
        } else if is_text_name(path) || is_jsonl_name(path) {
            paths.push(path.to_path_buf());
        }
    }
    paths.sort();
    manifests.sort();
    let mut entries: AHashMap<PathBuf, ManifestEntry> = AHashMap::new();
    for manifest in &manifests {
        read_manifest(manifest, &mut entries)?;
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let size = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
        let kind = if is_text_name(&path) {
            let rel = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
            let default_id = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            FileKind::Text { default_id, manifest: entries.remove(&path) }
        } else {
            FileKind::JsonLines
        };
        files.push(InputFile { display: path.display().to_string(), path, kind, size });
    }
    // Entries left over name files that are not there.
    if let Some((path, entry)) = entries.into_iter().min_by(|a, b| a.1.location.cmp(&b.1.location)) {
        return Err(Error::Config(format!(
            "{}: the file {} is not a .txt article in this directory",
            entry.location,
            path.display()
        )));
    }
    Ok(files)
}

fn read_manifest(manifest: &Path, entries: &mut AHashMap<PathBuf, ManifestEntry>) -> Result<()> {
    let base = manifest.parent().unwrap_or(Path::new("."));
    let file = std::fs::File::open(manifest).map_err(|e| Error::io(manifest, e))?;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let location = format!("{}:{}", manifest.display(), i + 1);
        let line = line.map_err(|e| Error::Config(format!("{location}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| Error::Config(format!("{location}: {why}"));
        let mut fields: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(&line) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(_) => return Err(bad("a manifest line must be a JSON object".into())),
            Err(e) => return Err(bad(format!("not valid JSON: {e}"))),
        };
        let name = match fields.shift_remove("file") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => s,
            _ => return Err(bad("a manifest entry needs a \"file\" string".into())),
        };
        let path = base.join(&name);
        if !is_text_name(&path) {
            return Err(bad(format!("{name:?}: manifest entries describe .txt articles")));
        }
        let entry = ManifestEntry { location: location.clone(), fields };
        if entries.insert(path, entry).is_some() {
            return Err(bad(format!("{name:?} is described twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_read_in_sorted_order_with_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::create_dir(d.join(".hidden")).unwrap();
        std::fs::write(d.join("b.jsonl"), "").unwrap();
        std::fs::write(d.join("a.txt"), "t\nx").unwrap();
        std::fs::write(d.join("sub/c.txt"), "t\nx").unwrap();
        std::fs::write(d.join("sub/d.ndjson.gz"), "").unwrap();
        std::fs::write(d.join("notes.md"), "").unwrap();
        std::fs::write(d.join(".hidden/e.jsonl"), "").unwrap();
        std::fs::write(d.join("manifest.jsonl"), "{\"file\":\"a.txt\",\"id\":\"A\"}\n").unwrap();
        let inputs = Inputs::open(&[d.to_path_buf()]).unwrap();
        let names: Vec<String> =
            inputs.files().iter().map(|f| f.path.strip_prefix(d).unwrap().display().to_string()).collect();
        assert_eq!(names, ["a.txt", "b.jsonl", "sub/c.txt", "sub/d.ndjson.gz"]);
        match &inputs.files()[0].kind {
            FileKind::Text { default_id, manifest } => {
                assert_eq!(default_id, "a");
                assert_eq!(manifest.as_ref().unwrap().fields["id"], "A");
            }
            k => panic!("{k:?}"),
        }
        match &inputs.files()[2].kind {
            FileKind::Text { default_id, manifest } => {
                assert_eq!(default_id, "sub/c");
                assert!(manifest.is_none());
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn manifest_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.txt"), "t").unwrap();
        std::fs::write(d.join("manifest.jsonl"), "{\"file\":\"a.txt\"}\n{\"file\":\"gone.txt\"}\n").unwrap();
        let e = Inputs::open(&[d.to_path_buf()]).unwrap_err().to_string();
        assert!(e.contains("manifest.jsonl:2") && e.contains("gone.txt"), "{e}");
        std::fs::write(d.join("manifest.jsonl"), "{\"file\":\"a.txt\"}\nnot json\n").unwrap();
        let e = Inputs::open(&[d.to_path_buf()]).unwrap_err().to_string();
        assert!(e.contains("manifest.jsonl:2") && e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn empty_directories_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("readme.md"), "").unwrap();
        let e = Inputs::open(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(e, Error::NoInput(_)), "{e}");
    }

    #[test]
    fn standard_input_is_spooled() {
        let inputs = Inputs::open_with_stdin(&[], || &b"{\"id\":1,\"text\":\"x\"}\n"[..]).unwrap();
        assert_eq!(inputs.files()[0].display, "<stdin>");
        assert_eq!(std::fs::read(&inputs.files()[0].path).unwrap(), b"{\"id\":1,\"text\":\"x\"}\n");
    }
}
