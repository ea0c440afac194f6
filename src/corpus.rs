//! The first pass over the input: read and validate every record, and learn
//! what later passes need to know about the whole batch.
//!
//! [`Corpus::read`] parses every record once, in parallel, and then, in input
//! order: rejects (or, with `--skip-invalid`, counts) bad records, rejects
//! duplicate ids, interns outlet names, and feeds each text's lines to the
//! boilerplate [`Learner`]. What it keeps per article is small and fixed
//! ([`DocMeta`]: id, outlet, time, place in the input); texts are read again
//! by later passes ([`Corpus::par_map_docs`]) instead of being held in memory.

use crate::boilerplate::{BoilerplateConfig, Learned, Learner, Stripper, line_keys, text_key};
use crate::date::Published;
use crate::error::{Error, Location, Problem, ProblemKind, Result};
use crate::hash::xxh3;
use crate::ids::{ArticleId, DocIdx, FileIdx, SourceId};
use crate::input::decode::{self, Compression};
use crate::input::stream::{self, RecordRef, StreamOptions};
use crate::input::{Article, FieldMap, FileKind, Inputs, parse_json, parse_text};
use crate::progress::Progress;
use ahash::AHashMap;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What the pipeline keeps about each valid article.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    /// The user's id.
    pub id: ArticleId,
    /// Outlet, if known.
    pub source: Option<SourceId>,
    /// Publication time, if known.
    pub published: Option<Published>,
    /// Input file.
    pub file: FileIdx,
    /// Line in that file (1 for `.txt`).
    pub line: u64,
    /// Position among all records of the run.
    pub ordinal: u64,
    /// Byte offset of the record in the file's decompressed content.
    pub offset: u64,
    /// Length of the record in bytes.
    pub len: u32,
}

/// How to read the input.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// JSON keys of the article fields.
    pub fields: FieldMap,
    /// Count and skip bad records instead of stopping.
    pub skip_invalid: bool,
    /// Boilerplate settings.
    pub boilerplate: BoilerplateConfig,
    /// Stream settings (chunk size).
    pub chunk_bytes: Option<usize>,
    /// Keep every problem in full (for a rejects file), not only the first
    /// [`PROBLEM_EXAMPLES`].
    pub keep_all_problems: bool,
    /// Boilerplate lines already learned (by an index), per outlet name:
    /// removed as if this batch had learned them.
    pub known_boilerplate: std::collections::BTreeMap<String, Vec<u64>>,
    /// Keep a decompressed copy of each compressed JSON Lines input, written
    /// while it is read, so that articles can be read again at their offsets
    /// ([`Corpus::reads_at_offsets`]) instead of by streaming the whole input
    /// again. The jobs set it themselves: `run_dedup` when
    /// `DedupJob::copy_compressed` is set, `run_cluster` when
    /// `ClusterJob::copy_compressed` is set and divergence is measured.
    pub spool_compressed: bool,
}

/// Problems met while reading, by kind, with the first ones in full.
#[derive(Debug, Default, Clone)]
pub struct ProblemLog {
    counts: BTreeMap<ProblemKind, u64>,
    examples: Vec<Problem>,
    keep_all: bool,
}

/// How many problems are kept in full for the report.
pub const PROBLEM_EXAMPLES: usize = 100;

impl ProblemLog {
    fn record(&mut self, p: Problem) {
        *self.counts.entry(p.kind).or_default() += 1;
        if self.keep_all || self.examples.len() < PROBLEM_EXAMPLES {
            self.examples.push(p);
        }
    }

    /// Number of problems of each kind met.
    pub fn counts(&self) -> &BTreeMap<ProblemKind, u64> {
        &self.counts
    }

    /// Total number of problems.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The first [`PROBLEM_EXAMPLES`] problems, in input order (all of them
    /// with [`ReadOptions::keep_all_problems`]).
    pub fn examples(&self) -> &[Problem] {
        &self.examples[..self.examples.len().min(PROBLEM_EXAMPLES)]
    }

    /// Every problem kept: all of them with
    /// [`ReadOptions::keep_all_problems`], else the first ones.
    pub fn all(&self) -> &[Problem] {
        &self.examples
    }

    /// Writes every kept problem as JSON Lines: `{"file", "line", "kind",
    /// "reason"}` (`line` is null for a `.txt` article).
    pub fn write_jsonl(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for p in &self.examples {
            let line = serde_json::json!({
                "file": p.location.file,
                "line": p.location.line,
                "kind": p.kind.name(),
                "reason": p.reason,
            });
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// The valid articles of a run and what was learned about them.
#[derive(Debug)]
pub struct Corpus {
    /// Valid articles in input order; `DocIdx` indexes this.
    pub docs: Vec<DocMeta>,
    sources: Vec<String>,
    /// Bad records met (only non-empty with `skip_invalid`).
    pub problems: ProblemLog,
    /// Boilerplate remover, with the lines learned from this batch.
    pub stripper: Stripper,
    affected: Vec<DocIdx>,
    /// Records seen (valid or not).
    pub records: u64,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// Files that held no records.
    pub empty_files: Vec<String>,
    fields: FieldMap,
    stream: StreamOptions,
    /// Per input file, its decompressed copy, if one was kept
    /// ([`ReadOptions::spool_compressed`]); removed with the corpus.
    spools: Vec<Option<tempfile::TempPath>>,
}

struct Scanned<R> {
    id: ArticleId,
    source: Option<String>,
    published: Option<Published>,
    text_key: u64,
    line_keys: Vec<u64>,
    value: R,
}

/// 32-bit fingerprints of each article's line keys, kept through the first
/// pass to find the articles that hold learned boilerplate lines.
#[derive(Default)]
struct LinePrints {
    prints: Vec<u32>,
    ends: Vec<usize>,
}

impl LinePrints {
    fn push(&mut self, keys: &[u64]) {
        self.prints.extend(keys.iter().map(|&k| k as u32));
        self.ends.push(self.prints.len());
    }

    /// Articles with at least one line among the learned lines of their
    /// source.
    fn hits(&self, docs: &[DocMeta], learned: &Learned) -> Vec<DocIdx> {
        let sets: Vec<ahash::AHashSet<u32>> =
            learned.slots().iter().map(|s| s.iter().map(|&k| k as u32).collect()).collect();
        (0..docs.len())
            .into_par_iter()
            .filter(|&i| {
                let start = if i == 0 { 0 } else { self.ends[i - 1] };
                let set = sets.get(slot(docs[i].source));
                set.is_some_and(|set| {
                    !set.is_empty() && self.prints[start..self.ends[i]].iter().any(|p| set.contains(p))
                })
            })
            .map(|i| DocIdx(i as u32))
            .collect()
    }
}

/// Parses any record: JSON Lines or a `.txt` article. An escaped text is
/// unescaped into `scratch`.
pub fn parse_record<'a>(
    record: &RecordRef<'a>,
    fields: &FieldMap,
    scratch: &'a mut String,
) -> std::result::Result<Article<'a>, Problem> {
    let parsed = match &record.file.kind {
        FileKind::JsonLines => parse_json(record.bytes, fields, scratch),
        FileKind::Text { default_id, manifest } => parse_text(record.bytes, default_id, manifest.as_ref()),
    };
    parsed.map_err(|(kind, reason)| Problem { location: record.location(), kind, reason })
}

impl Corpus {
    /// Reads and validates all records (pass 1).
    pub fn read(inputs: &Inputs, options: &ReadOptions, progress: &dyn Progress) -> Result<Corpus> {
        Self::read_with(inputs, options, progress, |_, _| ()).map(|(corpus, _)| corpus)
    }

    /// Reads and validates all records (pass 1) and, in the same pass, maps
    /// each valid article with `map`, which receives the article and its
    /// content with the *configured* boilerplate patterns removed (learned
    /// lines are not known yet). Returns the corpus and the results in
    /// `DocIdx` order. The articles whose content changes once the learned
    /// lines are removed too are listed by [`Corpus::affected_by_learning`];
    /// the caller maps those again with [`Corpus::content`].
    pub fn read_with<R, M>(
        inputs: &Inputs,
        options: &ReadOptions,
        progress: &dyn Progress,
        map: M,
    ) -> Result<(Corpus, Vec<R>)>
    where
        R: Send,
        M: Fn(&Article<'_>, &Content<'_>) -> R + Sync,
    {
        let mut stream = StreamOptions {
            chunk_bytes: options.chunk_bytes.unwrap_or(StreamOptions::default().chunk_bytes),
            tolerate_truncation: options.skip_invalid,
            spool_compressed: options.spool_compressed,
        };
        let learn = options.boilerplate.learn;
        let patterns_only = Stripper::new(&options.boilerplate, Learned::default())?;
        let mut docs: Vec<DocMeta> = Vec::new();
        let mut values: Vec<R> = Vec::new();
        let mut prints = LinePrints::default();
        let mut sources: Vec<String> = Vec::new();
        let mut source_ids: AHashMap<String, SourceId> = AHashMap::new();
        let mut problems = ProblemLog { keep_all: options.keep_all_problems, ..ProblemLog::default() };
        let mut learner = Learner::default();
        let mut ids = IdSet::default();
        let report = stream::par_map(
            inputs,
            &stream,
            progress,
            |record| {
                with_record(&record, &options.fields, |article| {
                    let content = content_with(&patterns_only, 0, article.source.as_deref(), article);
                    let value = map(article, &content);
                    Scanned {
                        id: article.id.clone(),
                        source: article.source.as_ref().map(|s| s.to_string()),
                        published: article.published,
                        text_key: if learn { text_key(&article.text) } else { 0 },
                        line_keys: if learn { line_keys(&article.text) } else { Vec::new() },
                        value,
                    }
                })
            },
            |chunk, results: Vec<std::result::Result<Scanned<R>, Problem>>| {
                for (i, result) in results.into_iter().enumerate() {
                    let scanned = match result {
                        Ok(s) => s,
                        Err(p) if options.skip_invalid => {
                            problems.record(p);
                            continue;
                        }
                        Err(p) => return Err(Error::Input(p)),
                    };
                    let span = &chunk.spans[i];
                    let doc = DocIdx(docs.len() as u32);
                    if let Some(first) = ids.insert(&scanned.id, doc, &docs) {
                        let earlier = &docs[first.get()];
                        let file = &inputs.files()[chunk.file.0 as usize];
                        let here = Location {
                            file: file.display.clone(),
                            line: matches!(file.kind, FileKind::JsonLines).then_some(span.line),
                        };
                        let p = Problem {
                            location: here,
                            kind: ProblemKind::DuplicateId,
                            reason: format!(
                                "id {:?} is already used by the article at {}",
                                scanned.id.as_str(),
                                location_of(inputs, earlier)
                            ),
                        };
                        if options.skip_invalid {
                            problems.record(p);
                            continue;
                        }
                        return Err(Error::Input(p));
                    }
                    let source = scanned.source.map(|name| match source_ids.get(&name) {
                        Some(&id) => id,
                        None => {
                            let id = SourceId(sources.len() as u32);
                            source_ids.insert(name.clone(), id);
                            sources.push(name);
                            id
                        }
                    });
                    if learn {
                        learner.observe(slot(source), scanned.text_key, &scanned.line_keys);
                        prints.push(&scanned.line_keys);
                    }
                    values.push(scanned.value);
                    docs.push(DocMeta {
                        id: scanned.id,
                        source,
                        published: scanned.published,
                        file: chunk.file,
                        line: span.line,
                        ordinal: chunk.first_ordinal + i as u64,
                        offset: span.offset,
                        len: span.len,
                    });
                }
                Ok(())
            },
        )?;
        if u32::try_from(docs.len()).is_err() {
            return Err(Error::Config("more than 4 billion articles in one run".into()));
        }
        for p in report.truncated {
            problems.record(p);
        }
        // Later passes read the input as it is; only this one keeps copies.
        stream.spool_compressed = false;
        let mut spools: Vec<Option<tempfile::TempPath>> = inputs.files().iter().map(|_| None).collect();
        for (f, path) in report.spools {
            spools[f.0 as usize] = Some(path);
        }
        let mut learned = learner.finish(&options.boilerplate);
        if learn {
            for (i, name) in sources.iter().enumerate() {
                if let Some(keys) = options.known_boilerplate.get(name) {
                    learned.add(slot(Some(SourceId(i as u32))), keys);
                }
            }
        }
        let affected = if learn { prints.hits(&docs, &learned) } else { Vec::new() };
        let stripper = Stripper::new(&options.boilerplate, learned)?;
        let corpus = Corpus {
            docs,
            sources,
            problems,
            stripper,
            affected,
            records: report.records,
            bytes: report.bytes,
            empty_files: report.empty_files,
            fields: options.fields.clone(),
            stream,
            spools,
        };
        Ok((corpus, values))
    }

    /// The articles that hold at least one learned boilerplate line of their
    /// outlet (by a 32-bit fingerprint, so a rare false hit only costs a
    /// second look). Their content differs from what [`Corpus::read_with`]
    /// mapped.
    pub fn affected_by_learning(&self) -> &[DocIdx] {
        &self.affected
    }

    /// The stream settings of this run's passes.
    pub fn stream_options(&self) -> StreamOptions {
        self.stream.clone()
    }

    /// The JSON keys of the article fields.
    pub fn fields(&self) -> &FieldMap {
        &self.fields
    }

    /// Number of valid articles.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when there are no valid articles.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The article `doc`.
    pub fn doc(&self, doc: DocIdx) -> &DocMeta {
        &self.docs[doc.get()]
    }

    /// Outlet names by [`SourceId`].
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The name of an outlet.
    pub fn source_name(&self, s: SourceId) -> &str {
        &self.sources[s.0 as usize]
    }

    /// The outlet name of an article, if known.
    pub fn source_of(&self, doc: DocIdx) -> Option<&str> {
        self.doc(doc).source.map(|s| self.source_name(s))
    }

    /// The valid article at input ordinal `ordinal`, if that record was valid.
    pub fn doc_at_ordinal(&self, ordinal: u64) -> Option<DocIdx> {
        self.docs.binary_search_by_key(&ordinal, |d| d.ordinal).ok().map(|i| DocIdx(i as u32))
    }

    /// Where an article is in the input.
    pub fn location(&self, inputs: &Inputs, doc: DocIdx) -> Location {
        location_of(inputs, self.doc(doc))
    }

    /// The text an article is compared by: its title and its text without
    /// boilerplate lines.
    pub fn content<'a>(&self, doc: DocIdx, article: &'a Article<'_>) -> Content<'a> {
        let source = self.doc(doc).source;
        content_with(&self.stripper, slot(source), source.map(|s| self.source_name(s)), article)
    }

    /// The boilerplate source slot of an article.
    pub fn slot_of(&self, doc: DocIdx) -> usize {
        slot(self.doc(doc).source)
    }

    /// Reads the input again and maps every valid article (in parallel),
    /// handing `(doc, result)` pairs to `sink` in input order. `want` filters
    /// articles before they are parsed.
    pub fn par_map_docs<R, W, M, S>(
        &self,
        inputs: &Inputs,
        progress: &dyn Progress,
        want: W,
        map: M,
        mut sink: S,
    ) -> Result<()>
    where
        R: Send,
        W: Fn(DocIdx) -> bool + Sync,
        M: Fn(DocIdx, &Article<'_>) -> R + Sync,
        S: FnMut(Vec<(DocIdx, R)>) -> Result<()> + Send,
    {
        stream::par_map(
            inputs,
            &self.stream,
            progress,
            |record| {
                let doc = self.doc_at_ordinal(record.ordinal).filter(|&d| want(d))?;
                Some(with_record(&record, &self.fields, |article| (doc, map(doc, article))))
            },
            |_, results| {
                let mut out = Vec::with_capacity(results.len());
                for r in results.into_iter().flatten() {
                    match r {
                        Ok(pair) => out.push(pair),
                        Err(p) => {
                            return Err(Error::Input(Problem {
                                reason: format!("{} (the input changed while it was being read)", p.reason),
                                ..p
                            }));
                        }
                    }
                }
                sink(out)
            },
        )
        .map(|_| ())
    }
}

impl Corpus {
    /// True when every input file can be read at record offsets
    /// (uncompressed), so that reading a selection costs little.
    pub fn reads_at_offsets(&self, inputs: &Inputs) -> Result<bool> {
        for i in 0..inputs.files().len() {
            if self.at_offsets(inputs, i)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Where input file `i` is read at record offsets: its decompressed copy
    /// if one was kept, else the file itself when it is not compressed;
    /// `None` for a compressed file without a copy.
    fn at_offsets<'a>(&'a self, inputs: &'a Inputs, i: usize) -> Result<Option<&'a std::path::Path>> {
        if let Some(copy) = self.spool(i) {
            return Ok(Some(copy));
        }
        let path = &inputs.files()[i].path;
        Ok((decode::sniff(path)? == Compression::None).then_some(path.as_path()))
    }

    /// The decompressed copy of input file `i`, if one was kept
    /// ([`ReadOptions::spool_compressed`]).
    pub fn spool(&self, i: usize) -> Option<&std::path::Path> {
        self.spools.get(i).and_then(|s| s.as_deref())
    }

    /// `inputs` as they are best streamed again: each compressed file with a
    /// decompressed copy ([`Corpus::spool`]) is read from the copy.
    pub fn inputs_for_rereading(&self, inputs: &Inputs) -> Result<Inputs> {
        inputs.read_from_copies(|i| self.spool(i).map(std::path::Path::to_path_buf))
    }

    /// Removes the decompressed copies of compressed inputs; their articles
    /// are read again by streaming from then on.
    pub fn remove_spools(&mut self) -> Result<()> {
        for spool in self.spools.iter_mut().filter_map(Option::take) {
            let path = spool.to_path_buf();
            spool.close().map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    }

    /// Maps the articles `docs` (sorted) and returns the results in the same
    /// order. Records in uncompressed files are read directly at their
    /// offsets, so a small selection costs little whatever the input size;
    /// otherwise the input is streamed once.
    pub fn par_map_selected<R, M>(
        &self,
        inputs: &Inputs,
        progress: &dyn Progress,
        docs: &[DocIdx],
        map: M,
    ) -> Result<Vec<R>>
    where
        R: Send,
        M: Fn(DocIdx, &Article<'_>) -> R + Sync,
    {
        debug_assert!(docs.windows(2).all(|w| w[0] < w[1]));
        let mut files: Vec<u32> = docs.iter().map(|&d| self.doc(d).file.0).collect();
        files.sort_unstable();
        files.dedup();
        let mut open = AHashMap::new();
        for f in files {
            let Some(path) = self.at_offsets(inputs, f as usize)? else {
                return self.stream_selected(inputs, progress, docs, map);
            };
            open.insert(f, std::fs::File::open(path).map_err(|e| Error::io(path, e))?);
        }
        docs.par_iter()
            .with_max_len(crate::par::ARTICLES)
            .map(|&doc| {
                let meta = self.doc(doc);
                let file = &inputs.files()[meta.file.0 as usize];
                let mut bytes = vec![0u8; meta.len as usize];
                read_at(&open[&meta.file.0], &mut bytes, meta.offset).map_err(|e| Error::io(&file.path, e))?;
                let record =
                    RecordRef { file, file_idx: meta.file, line: meta.line, ordinal: meta.ordinal, bytes: &bytes };
                with_record(&record, &self.fields, |article| map(doc, article)).map_err(changed)
            })
            .collect()
    }

    fn stream_selected<R, M>(&self, inputs: &Inputs, progress: &dyn Progress, docs: &[DocIdx], map: M) -> Result<Vec<R>>
    where
        R: Send,
        M: Fn(DocIdx, &Article<'_>) -> R + Sync,
    {
        let mut out = Vec::with_capacity(docs.len());
        self.par_map_docs(
            inputs,
            progress,
            |d| docs.binary_search(&d).is_ok(),
            map,
            |results| {
                out.extend(results.into_iter().map(|(_, r)| r));
                Ok(())
            },
        )?;
        Ok(out)
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
        .and_then(|n| if n == buf.len() { Ok(()) } else { Err(std::io::ErrorKind::UnexpectedEof.into()) })
}

fn changed(p: Problem) -> Error {
    Error::Input(Problem { reason: format!("{} (the input changed while it was being read)", p.reason), ..p })
}

/// What an article is compared by: its title, then its text without
/// boilerplate lines, as if joined by a line break (kept apart to save a
/// copy; a line break never joins tokens, so the tokens are the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content<'a> {
    /// The headline (may be empty).
    pub title: &'a str,
    /// The body without boilerplate lines.
    pub text: Cow<'a, str>,
}

impl Content<'_> {
    /// The non-empty parts, title first.
    pub fn parts(&self) -> impl Iterator<Item = &str> {
        [self.title, &*self.text].into_iter().filter(|p| !p.is_empty())
    }

    /// Title and text joined by a line break.
    pub fn joined(&self) -> String {
        self.parts().collect::<Vec<_>>().join("\n")
    }
}

thread_local! {
    static TEXT_SCRATCH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Parses a record and hands the article to `f`. The text, when it has
/// escapes, is unescaped into a buffer reused by the thread, so reading an
/// article allocates nothing for its body.
pub fn with_record<R>(
    record: &RecordRef<'_>,
    fields: &FieldMap,
    f: impl FnOnce(&Article<'_>) -> R,
) -> std::result::Result<R, Problem> {
    TEXT_SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let out = parse_record(record, fields, &mut buf).map(|a| f(&a));
            if buf.capacity() > 4 << 20 {
                // Do not keep the memory of one huge article.
                *buf = String::new();
            }
            out
        }
        // Re-entered from `f`: use a buffer of its own.
        Err(_) => parse_record(record, fields, &mut String::new()).map(|a| f(&a)),
    })
}

/// An article's title and its text without boilerplate lines.
fn content_with<'a>(stripper: &Stripper, slot: usize, source: Option<&str>, article: &'a Article<'_>) -> Content<'a> {
    Content { title: &article.title, text: stripper.strip(slot, source, &article.text) }
}

/// Boilerplate slot of a source: 0 for unknown, id + 1 otherwise.
fn slot(source: Option<SourceId>) -> usize {
    source.map_or(0, |s| s.0 as usize + 1)
}

fn location_of(inputs: &Inputs, d: &DocMeta) -> Location {
    let file = &inputs.files()[d.file.0 as usize];
    Location { file: file.display.clone(), line: matches!(file.kind, FileKind::JsonLines).then_some(d.line) }
}

/// Finds duplicate ids with 8 bytes per article: ids are keyed by their
/// XXH3 hash, and the rare hash collision between different ids falls back
/// to a map of full ids.
#[derive(Default)]
struct IdSet {
    by_hash: AHashMap<u64, DocIdx>,
    collided: AHashMap<Box<str>, DocIdx>,
}

impl IdSet {
    /// Adds `id` for `doc`; returns the earlier article with the same id.
    fn insert(&mut self, id: &ArticleId, doc: DocIdx, docs: &[DocMeta]) -> Option<DocIdx> {
        let h = xxh3(id.as_str().as_bytes(), 0x6964);
        match self.by_hash.get(&h) {
            None => {
                self.by_hash.insert(h, doc);
                None
            }
            Some(&earlier) if docs[earlier.get()].id.as_str() == id.as_str() => Some(earlier),
            Some(_) => match self.collided.get(id.as_str()) {
                Some(&earlier) => Some(earlier),
                None => {
                    self.collided.insert(id.as_str().into(), doc);
                    None
                }
            },
        }
    }
}
