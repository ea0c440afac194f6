//! The `riwaya` command: flags in, library stages, files and a summary out.
//!
//! Exit codes: 0 on success (also when nothing was found, and when the reader
//! of standard output goes away early), 1 for input or runtime errors, 2 for
//! usage errors.

mod args;
mod summary;
mod term;

use anyhow::Context;
use args::{Cli, ClusterArgs, Command, CommonArgs, DedupArgs, EvalArgs, IndexAddArgs, IndexCommand, UsageError};
use clap::Parser;
use riwaya::error::Error;
use riwaya::input::Inputs;
use riwaya::job::run_dedup;
use riwaya::output::Output;
use riwaya::progress::{NoProgress, Progress};
use std::process::ExitCode;

/// mimalloc: the library allocates many small short-lived values per
/// article (tokens, sentences, maps), where glibc's allocator spent a fifth
/// of `riwaya cluster`'s time. Built without transparent huge pages
/// (`no_thp`): on machines whose THP setting is `madvise`, mimalloc asked for
/// huge pages and each purge and re-touch zeroed a 2 MB page (`perf`: 10 to
/// 16% of a cluster run in `clear_page_erms`, peak RSS 355 MB against 323 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if matches!(e.downcast_ref::<Error>(), Some(Error::BrokenPipe)) {
                return ExitCode::SUCCESS;
            }
            eprintln!("riwaya: error: {}", message(&e));
            if e.downcast_ref::<UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

/// The error and its causes, each cause once: library errors already show
/// their cause (`file: reason`), so a cause the message holds is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.contains(&part) {
            text = format!("{text}: {part}");
        }
    }
    text
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dedup(args) => dedup(&args),
        Command::Cluster(args) => cluster(&args),
        Command::Eval(args) => eval(&args),
        Command::Index(args) => match args.command {
            IndexCommand::Add(a) => index_add(&a),
            IndexCommand::Prune(a) => {
                let before = riwaya::index::maintain::parse_cutoff(&a.older_than)
                    .map_err(|e| anyhow::Error::new(UsageError(e.to_string())))?;
                let p = riwaya::index::maintain::prune(&a.index, before, a.wait)?;
                if !a.quiet {
                    eprintln!(
                        "pruned {} articles older than {}; {} articles in {} clusters remain",
                        summary::thousands(p.removed),
                        a.older_than,
                        summary::thousands(p.articles),
                        summary::thousands(p.clusters)
                    );
                }
                Ok(())
            }
            IndexCommand::Stats(a) => {
                let index = riwaya::index::Index::open(&a.index, None, riwaya::index::Access::Read)?;
                let stats = index.stats();
                if a.json {
                    println!("{}", serde_json::to_string_pretty(&stats)?);
                } else {
                    summary::index_stats(&stats);
                }
                Ok(())
            }
            IndexCommand::Export(a) => {
                let index = riwaya::index::Index::open(&a.index, None, riwaya::index::Access::Read)?;
                let mut out = Output::open(a.output.as_deref())?;
                let name = out.name();
                riwaya::index::maintain::export(&index, &mut out, &name)?;
                out.finish()?;
                if let Some(path) = &a.duplicates {
                    let mut out = Output::open(Some(path))?;
                    riwaya::index::maintain::duplicates(&index, &mut out, path)?;
                    out.finish()?;
                }
                Ok(())
            }
        },
    }
}

fn index_add(args: &IndexAddArgs) -> anyhow::Result<()> {
    let job = args.job()?;
    let common = &args.common;
    run_job(common, |inputs, progress, threads| {
        // The run's outputs are written before it commits: should writing
        // fail, the index is unchanged and a rerun redoes the same run.
        let write_outputs = &mut |run: &riwaya::index::AddRun| -> riwaya::error::Result<()> {
            if let Some(path) = &common.rejects {
                write_rejects(&run.corpus, path)?;
            }
            let mut out = Output::open(args.output.as_deref())?;
            let name = out.name();
            for c in &run.clusters {
                let mut line = serde_json::to_vec(c).expect("serializable");
                line.push(b'\n');
                std::io::Write::write_all(&mut out, &line).map_err(|e| riwaya::output::write_error(&name, e))?;
            }
            out.finish()?;
            if let (Some(path), Some(report)) = (&args.html, &run.report) {
                let mut out = Output::open(Some(path))?;
                std::io::Write::write_all(&mut out, report.html.as_bytes())
                    .map_err(|e| riwaya::output::write_error(path, e))?;
                out.finish()?;
            }
            Ok(())
        };
        let background = riwaya::background::builtin();
        let run = riwaya::index::add::add_with(inputs, &job, background, progress, write_outputs)?;
        if let Some(path) = &args.summary {
            let mut out = Output::open(Some(path))?;
            let mut json = serde_json::to_vec_pretty(&run.summary_json())?;
            json.push(b'\n');
            std::io::Write::write_all(&mut out, &json).map_err(|e| riwaya::output::write_error(path, e))?;
            out.finish()?;
        }
        if !common.quiet {
            summary::index_add(&run, inputs, threads);
        }
        Ok(())
    })
}

/// Progress bars when wanted and possible.
fn bars(common: &CommonArgs) -> Option<term::Bars> {
    term::Bars::new(!common.quiet && !common.no_progress)
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting worker threads")?;
    Ok(pool.install(f))
}

/// Runs `job` in a pool of `--threads` workers, with progress bars when
/// they are wanted; `job` gets the opened inputs, the progress and the
/// thread count.
fn run_job(
    common: &CommonArgs,
    job: impl FnOnce(&Inputs, &dyn Progress, usize) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let threads = common.threads()?;
    let bars = bars(common);
    let progress: &dyn Progress = match &bars {
        Some(b) => b,
        None => &NoProgress,
    };
    in_pool(threads, || {
        let inputs = Inputs::open(&common.inputs)?;
        job(&inputs, progress, threads)
    })?
}

/// A finished run's results, left for the operating system to reclaim: the
/// process ends right after, and freeing a cluster run's millions of small
/// allocations one by one took 15 to 25 ms on the shared corpus. Files are
/// written and closed before this.
fn exit_without_freeing<T>(run: T) {
    std::mem::forget(run);
}

fn write_rejects(corpus: &riwaya::corpus::Corpus, path: &std::path::Path) -> riwaya::error::Result<()> {
    let mut out = Output::open(Some(path))?;
    corpus.problems.write_jsonl(&mut out).map_err(|e| riwaya::output::write_error(path, e))?;
    out.finish()?;
    Ok(())
}

fn dedup(args: &DedupArgs) -> anyhow::Result<()> {
    let job = args.job()?;
    let common = &args.common;
    run_job(common, |inputs, progress, threads| {
        let mut run = run_dedup(inputs, &job, progress)?;
        if let Some(path) = &common.rejects {
            write_rejects(&run.corpus, path)?;
        }
        if let Some(path) = &args.duplicates {
            let mut out = Output::open(Some(path))?;
            run.write_duplicates(&mut out, path)?;
            out.finish()?;
        }
        let mut out = Output::open(args.output.as_deref())?;
        let name = out.name();
        let written = run.write_kept(inputs, &mut out, &name, progress)?;
        out.finish()?;
        if !common.quiet {
            summary::dedup(&run, inputs, written, threads, common.verbose);
        }
        exit_without_freeing(run);
        Ok(())
    })
}

fn cluster(args: &ClusterArgs) -> anyhow::Result<()> {
    let job = args.job()?;
    let common = &args.common;
    run_job(common, |inputs, progress, threads| {
        let mut run = riwaya::cluster::run_cluster(inputs, &job, progress)?;
        if let Some(path) = &common.rejects {
            write_rejects(&run.corpus, path)?;
        }
        if let Some(path) = &args.html {
            let start = std::time::Instant::now();
            let html = riwaya::report::render(&run, args.min_size, args.html_stories);
            run.timings.record("report", start.elapsed());
            let mut out = Output::open(Some(path))?;
            std::io::Write::write_all(&mut out, html.as_bytes()).map_err(|e| riwaya::output::write_error(path, e))?;
            out.finish()?;
        }
        let start = std::time::Instant::now();
        let mut out = Output::open(args.output.as_deref())?;
        let name = out.name();
        let written = run.write_jsonl(&mut out, &name, args.min_size)?;
        out.finish()?;
        run.timings.record("write", start.elapsed());
        if !common.quiet {
            summary::cluster(&run, inputs, written, threads, common.verbose);
        }
        exit_without_freeing(run);
        Ok(())
    })
}

fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    let clusters = riwaya::eval::read_clusters(&args.clusters)?;
    let labels = riwaya::eval::read_labels(&args.labels)?;
    if labels.is_empty() {
        anyhow::bail!("{}: no labelled articles (lines with \"id\" and \"event\")", args.labels.display());
    }
    let scores = riwaya::eval::evaluate(&clusters, &labels);
    if args.json {
        println!("{}", serde_json::to_string(&scores)?);
    } else {
        println!("{} labelled articles in {} events", scores.articles, scores.events);
        for (name, s) in [("B-cubed", scores.bcubed), ("pairwise", scores.pairwise)] {
            println!("{name:<9} precision {:.4}  recall {:.4}  F1 {:.4}", s.precision, s.recall, s.f1);
        }
        if !scores.missing.is_empty() {
            eprintln!(
                "warning: {} labelled articles are not in the clusters file (counted alone): {}",
                scores.missing.len(),
                scores.missing.join(", ")
            );
        }
    }
    Ok(())
}
