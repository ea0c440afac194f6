//! Command-line flags, and their translation into a validated library job.
//!
//! Clap parses the flags; [`DedupArgs::job`] checks what clap cannot (ranges,
//! combinations, the config file) and builds the [`DedupJob`]. Anything wrong
//! here is a usage error (exit code 2).

use clap::{Args, Parser, Subcommand};
use riwaya::config::FileConfig;
use riwaya::corpus::ReadOptions;
use riwaya::dedup::{DedupOptions, KeepPolicy};
use riwaya::input::FieldMap;
use riwaya::job::{DedupJob, SignOptions};
use riwaya::lsh::DEFAULT_FN_WEIGHT;
use riwaya::minhash::Variant;
use riwaya::shingle::ShingleKind;
use std::path::PathBuf;

/// Finds the news articles that report the same event across outlets and
/// measures how each outlet's version differs.
#[derive(Debug, Parser)]
#[command(name = "riwaya", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remove near-duplicate articles (reposts, wire copy, syndicated text),
    /// writing the kept records byte for byte in input order.
    Dedup(DedupArgs),
    /// Group each event's versions across outlets into stories and measure
    /// how every version diverges; JSON Lines out, optionally an HTML report.
    Cluster(ClusterArgs),
    /// Score a clusters file against labelled events (B-cubed and pairwise
    /// precision, recall, F1).
    Eval(EvalArgs),
    /// A persistent index for nightly runs: add each day's articles, match
    /// them against earlier days, keep cluster ids stable.
    Index(IndexArgs),
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Add articles; writes the new and changed clusters (status new, grown
    /// or merged) as JSON Lines.
    Add(Box<IndexAddArgs>),
    /// Remove the articles published before a date.
    Prune(IndexPruneArgs),
    /// Articles, clusters, scheme, size on disk, last run.
    Stats(IndexStatsArgs),
    /// Every cluster of the index as JSON Lines.
    Export(IndexExportArgs),
}

#[derive(Debug, Args)]
pub struct IndexAddArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The index directory (created when missing).
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Write the new and changed clusters here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the run's summary here as JSON (counts, clusters, timings).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Also write the new and changed clusters as an HTML report here. The
    /// index keeps no texts: versions from earlier runs are shown when
    /// `--texts` gives their input files, and listed without text otherwise.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// An earlier input file or directory holding texts of the clusters'
    /// older members (for `--html`; repeat for more); a text is used only if
    /// it is the version the index holds.
    #[arg(long, value_name = "PATH", requires = "html")]
    pub texts: Vec<PathBuf>,
    /// Clusters shown in the HTML report (most outlets first).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub html_stories: usize,
    /// Replace articles whose id is in the index with another text (without
    /// it, that is an error).
    #[arg(long)]
    pub update: bool,
    /// Wait for another run on the index to finish instead of failing.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub story: StoryArgs,
}

/// Story and near-duplicate settings, shared by `cluster` and `index add`.
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// Articles join a story whose latest article is at most this many days
    /// away [default: 3].
    #[arg(long, value_name = "DAYS")]
    pub window_days: Option<f64>,
    /// A story spans at most this many days [default: 7].
    #[arg(long, value_name = "DAYS")]
    pub max_span_days: Option<f64>,
    /// Similarity an article needs to join a story [default: 0.2]; the
    /// config file's [story] section sets the other knobs.
    #[arg(long, value_name = "S")]
    pub story_threshold: Option<f64>,
    /// Jaccard similarity at which two articles are near-duplicates (always
    /// in one story). Part of an index's scheme: every run on one index must
    /// use the same value.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub dup_threshold: f64,
}

#[derive(Debug, Args)]
pub struct IndexPruneArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Remove articles published before this date (YYYY-MM-DD) or time.
    #[arg(long, value_name = "DATE")]
    pub older_than: String,
    /// Wait for another run on the index to finish instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexExportArgs {
    /// The index directory.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// Write the clusters here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the near-duplicate groups here, as `dedup --duplicates`
    /// does: one {"id", "duplicate_of"} per article that is not its group's
    /// earliest.
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write the stories here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write an HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub story: StoryArgs,
    /// Write only stories with at least this many articles.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_size: usize,
    /// Stories shown in the HTML report (most outlets first).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub html_stories: usize,
    /// Stories only: skip the divergence measures.
    #[arg(long)]
    pub no_divergence: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A clusters file, as `riwaya cluster` writes it.
    #[arg(value_name = "CLUSTERS")]
    pub clusters: PathBuf,
    /// Labelled events: JSON Lines with "id" and "event" (a manifest works).
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Print the scores as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Input files (JSON Lines, plain, .gz or .zst) or directories; `-` or
    /// nothing reads standard input.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Count and skip bad records (reported on stderr) instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    /// With --skip-invalid: write every skipped record's file, line, kind
    /// and reason here, one JSON object per line.
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Read article field NAME from the JSON key KEY (id, source, published,
    /// title, text, url). Repeatable.
    #[arg(long = "field", value_name = "NAME=KEY")]
    pub fields: Vec<String>,
    /// Configuration file (TOML): field names, boilerplate patterns, source
    /// priority.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Never draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
    /// More detail in the summary (scheme, boilerplate per outlet).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
pub struct DedupArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write kept records here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write one JSON object per removed article here: id, duplicate_of,
    /// jaccard, containment.
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<PathBuf>,
    /// Jaccard similarity (of word shingle sets) at which two articles are
    /// near-duplicates.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub threshold: f64,
    /// Also link articles when this share of the shorter one is found in the
    /// longer (agency copy wrapped in an outlet's own lead and ending).
    #[arg(long, value_name = "C")]
    pub containment: Option<f64>,
    /// Which article of a group to keep: earliest, longest, first,
    /// source-priority.
    #[arg(long, default_value = "earliest", value_name = "POLICY")]
    pub keep: KeepPolicy,
    /// Outlets in order of preference, for --keep source-priority.
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    pub source_priority: Vec<String>,
    /// Shingles: word:K (K tokens) or char:N (N characters).
    #[arg(long, default_value = "word:5", value_name = "KIND:SIZE")]
    pub shingle: ShingleKind,
    /// Number of MinHash values per article.
    #[arg(long, default_value_t = 128, value_name = "K")]
    pub num_hashes: usize,
    /// MinHash construction: oph, classic or superminhash.
    #[arg(long, default_value = "oph", value_name = "VARIANT")]
    pub minhash: Variant,
    /// Weight of missed duplicates against extra candidates when choosing
    /// LSH bands (0.5 to 1).
    #[arg(long, default_value_t = DEFAULT_FN_WEIGHT, value_name = "W")]
    pub recall_weight: f64,
}

/// A usage error: bad flag values or combinations (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

impl CommonArgs {
    /// The config file, if any.
    pub fn file_config(&self) -> anyhow::Result<FileConfig> {
        match &self.config {
            Some(p) => FileConfig::load(p).map_err(|e| usage(e.to_string())),
            None => Ok(FileConfig::default()),
        }
    }

    /// Reading options from flags and the config file.
    pub fn read_options(&self, file: &FileConfig) -> anyhow::Result<ReadOptions> {
        let mut fields = FieldMap::default();
        let from_file = file.fields.iter().map(|(k, v)| (k.clone(), v.clone()));
        let from_flags = self.fields.iter().map(|f| match f.split_once('=') {
            Some((name, key)) => Ok((name.to_string(), key.to_string())),
            None => Err(usage(format!("--field {f:?}: expected NAME=KEY"))),
        });
        for pair in from_file.map(Ok).chain(from_flags) {
            let (name, key) = pair?;
            fields.set(&name, &key).map_err(|e| usage(format!("--field: {e}")))?;
        }
        Ok(ReadOptions {
            fields,
            skip_invalid: self.skip_invalid,
            boilerplate: file.boilerplate().map_err(|e| usage(e.to_string()))?,
            chunk_bytes: None,
            keep_all_problems: self.rejects.is_some(),
            known_boilerplate: Default::default(),
            // The job decides (cluster keeps copies to measure stories).
            spool_compressed: false,
        })
    }

    /// The number of worker threads.
    pub fn threads(&self) -> anyhow::Result<usize> {
        match self.threads {
            Some(0) => Err(usage("--threads must be at least 1")),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}

fn unit_interval(name: &str, v: f64) -> anyhow::Result<f64> {
    if v > 0.0 && v <= 1.0 { Ok(v) } else { Err(usage(format!("{name} must be in (0, 1], got {v}"))) }
}

/// Stories the terminal summary can show (with `-v`).
pub const SUMMARY_STORIES: usize = 20;

impl StoryArgs {
    /// The validated story and near-duplicate settings: the flags over the
    /// config file's [story] section.
    pub fn settings(&self, file: &FileConfig) -> anyhow::Result<(riwaya::story::StoryOptions, DedupOptions)> {
        let mut story = file.story();
        story.window_days = self.window_days.unwrap_or(story.window_days);
        story.max_span_days = self.max_span_days.unwrap_or(story.max_span_days);
        story.threshold = self.story_threshold.unwrap_or(story.threshold);
        // The message names the [story] key; its flag, if any, is the same
        // name with dashes.
        story.validate().map_err(|e| usage(format!("story setting {e}")))?;
        let threshold = unit_interval("--dup-threshold", self.dup_threshold)?;
        Ok((story, DedupOptions { threshold, ..DedupOptions::default() }))
    }
}

impl ClusterArgs {
    /// The validated job.
    pub fn job(&self) -> anyhow::Result<riwaya::cluster::ClusterJob> {
        let file = self.common.file_config()?;
        let (story, dedup) = self.story.settings(&file)?;
        if self.min_size == 0 {
            return Err(usage("--min-size must be at least 1"));
        }
        Ok(riwaya::cluster::ClusterJob {
            read: self.common.read_options(&file)?,
            sign: SignOptions::default(),
            dedup,
            story,
            no_divergence: self.no_divergence,
            // The report's stories and the summary's top stories.
            keep_texts: Some(riwaya::cluster::KeepTexts {
                stories: if self.html.is_some() { self.html_stories.max(SUMMARY_STORIES) } else { SUMMARY_STORIES },
                min_size: if self.html.is_some() { self.min_size } else { 2 },
            }),
            ..riwaya::cluster::ClusterJob::default()
        })
    }
}

impl IndexAddArgs {
    /// The validated job.
    pub fn job(&self) -> anyhow::Result<riwaya::index::AddJob> {
        let file = self.common.file_config()?;
        let (story, dedup) = self.story.settings(&file)?;
        Ok(riwaya::index::AddJob {
            dir: self.index.clone(),
            read: self.common.read_options(&file)?,
            sign: SignOptions::default(),
            dedup,
            story,
            update: self.update,
            wait: self.wait,
            report: self.html.as_ref().map(|_| riwaya::index::report::ReportJob {
                texts: self.texts.clone(),
                max_stories: self.html_stories,
            }),
        })
    }
}

impl DedupArgs {
    /// The validated job.
    pub fn job(&self) -> anyhow::Result<DedupJob> {
        let file = self.common.file_config()?;
        let threshold = unit_interval("--threshold", self.threshold)?;
        let containment = self.containment.map(|c| unit_interval("--containment", c)).transpose()?;
        if !(0.5..=1.0).contains(&self.recall_weight) || self.recall_weight >= 1.0 {
            return Err(usage(format!("--recall-weight must be in [0.5, 1), got {}", self.recall_weight)));
        }
        if !(16..=1024).contains(&self.num_hashes) {
            return Err(usage(format!("--num-hashes must be 16 to 1024, got {}", self.num_hashes)));
        }
        let mut source_priority = self.source_priority.clone();
        if source_priority.is_empty() {
            source_priority = file.dedup.source_priority.clone();
        }
        if self.keep == KeepPolicy::SourcePriority && source_priority.is_empty() {
            return Err(usage(
                "--keep source-priority needs --source-priority A,B,... (or [dedup] source_priority in the config file)",
            ));
        }
        Ok(DedupJob {
            read: self.common.read_options(&file)?,
            sign: SignOptions {
                shingle: self.shingle,
                num_hashes: self.num_hashes,
                variant: self.minhash,
                ..SignOptions::default()
            },
            dedup: DedupOptions {
                threshold,
                containment,
                keep: self.keep,
                source_priority,
                fn_weight: self.recall_weight,
                ..DedupOptions::default()
            },
            ..DedupJob::default()
        })
    }
}
