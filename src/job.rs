//! The dedup job end to end: the passes of DESIGN section 1 in order, and the
//! writers of its outputs. The command-line program only builds a
//! [`DedupJob`] from its flags, calls [`run_dedup`] and writes the results.
//!
//! Passes over the input: (1) read, validate and sign, learning boilerplate
//! on the way; then, reading only the articles concerned, (2) re-sign those
//! that hold learned boilerplate lines and (3) rebuild the exact shingle sets
//! of the candidates; finally (4) write the kept records. Memory holds per
//! article a signature and a few numbers, never its text. A compressed input
//! is decompressed once: pass 1 keeps a decompressed copy, which passes 2 to
//! 4 read ([`DedupJob::copy_compressed`]).

use crate::corpus::{Corpus, ReadOptions};
use crate::dedup::{DedupOptions, Groups, find_groups};
use crate::error::Result;
use crate::ids::DocIdx;
use crate::input::Inputs;
use crate::minhash::Variant;
use crate::output::{write_error, write_records};
use crate::progress::Progress;
use crate::scheme::{DEFAULT_SEED, Scheme};
use crate::shingle::ShingleKind;
use crate::sign::{Signatures, read_and_sign};
use crate::timing::Timings;
use std::io::Write;
use std::path::Path;

/// Signature settings (the scheme without its LSH banding, which follows
/// from the threshold).
#[derive(Debug, Clone, Copy)]
pub struct SignOptions {
    /// Shingle kind and size.
    pub shingle: ShingleKind,
    /// Number of MinHash values.
    pub num_hashes: usize,
    /// MinHash construction.
    pub variant: Variant,
    /// Seed of all hashes.
    pub seed: u64,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self { shingle: ShingleKind::Words(5), num_hashes: 128, variant: Variant::Oph, seed: DEFAULT_SEED }
    }
}

/// Everything a dedup run needs.
#[derive(Debug, Clone)]
pub struct DedupJob {
    /// Reading.
    pub read: ReadOptions,
    /// Signing.
    pub sign: SignOptions,
    /// Grouping.
    pub dedup: DedupOptions,
    /// Keep a decompressed copy of compressed inputs for the run
    /// ([`ReadOptions::spool_compressed`]): candidates are verified by
    /// reading them at their offsets there, and the kept records are written
    /// from it, instead of decompressing the input twice more. Where a copy
    /// cannot be written, the input is streamed again.
    pub copy_compressed: bool,
}

impl Default for DedupJob {
    fn default() -> Self {
        Self {
            read: ReadOptions::default(),
            sign: SignOptions::default(),
            dedup: DedupOptions::default(),
            copy_compressed: true,
        }
    }
}

impl DedupJob {
    /// The full signature scheme of this job.
    pub fn scheme(&self) -> Scheme {
        Scheme::of(&self.sign, &self.dedup)
    }
}

/// The outcome of a dedup run.
#[derive(Debug)]
pub struct DedupRun {
    /// The valid articles.
    pub corpus: Corpus,
    /// Their signatures.
    pub signatures: Signatures,
    /// Near-duplicate groups.
    pub groups: Groups,
    /// The scheme used.
    pub scheme: Scheme,
    /// Time per stage.
    pub timings: Timings,
}

/// Runs passes 1 to 3 of a dedup job.
pub fn run_dedup(inputs: &Inputs, job: &DedupJob, progress: &dyn Progress) -> Result<DedupRun> {
    let scheme = job.scheme();
    let mut timings = Timings::default();
    let read = ReadOptions { spool_compressed: job.copy_compressed, ..job.read.clone() };
    let (corpus, signatures) = timings.time("read+sign", || read_and_sign(inputs, &read, &scheme, progress))?;
    let groups = timings.time("group", || find_groups(inputs, &corpus, &signatures, &scheme, &job.dedup, progress))?;
    Ok(DedupRun { corpus, signatures, groups, scheme, timings })
}

impl DedupRun {
    /// True for articles that are kept.
    pub fn kept_mask(&self) -> Vec<bool> {
        let mut keep = vec![true; self.corpus.len()];
        for r in &self.groups.removals {
            keep[r.doc.get()] = false;
        }
        keep
    }

    /// Writes the kept records (pass 4). Returns how many.
    pub fn write_kept(
        &mut self,
        inputs: &Inputs,
        out: &mut (dyn Write + Send),
        out_name: &Path,
        progress: &dyn Progress,
    ) -> Result<u64> {
        let keep = self.kept_mask();
        let corpus = &self.corpus;
        let timings = &mut self.timings;
        let written = timings.time("write", || {
            let inputs = corpus.inputs_for_rereading(inputs)?;
            write_records(&inputs, corpus, |d: DocIdx| keep[d.get()], out, out_name, progress)
        })?;
        // Every re-reading is done.
        self.corpus.remove_spools()?;
        Ok(written)
    }

    /// Writes one JSON object per removed article, in input order:
    /// `{"id", "duplicate_of", "jaccard", "containment"}`.
    pub fn write_duplicates(&self, out: &mut dyn Write, out_name: &Path) -> Result<()> {
        for r in &self.groups.removals {
            let line = serde_json::json!({
                "id": self.corpus.doc(r.doc).id,
                "duplicate_of": self.corpus.doc(r.keeper).id,
                "jaccard": round4(r.jaccard),
                "containment": round4(r.containment),
            });
            let mut bytes = serde_json::to_vec(&line).expect("a JSON value serializes");
            bytes.push(b'\n');
            out.write_all(&bytes).map_err(|e| write_error(out_name, e))?;
        }
        Ok(())
    }
}

/// Rounds to four decimals, so reports are stable and readable.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
