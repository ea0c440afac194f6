//! The `riwaya` command: flags in, library stages, files and a summary out.
//!
//! Exit codes: 0 on success (also when nothing was found, and when the reader
//! of standard output goes away early), 1 for input or runtime errors, 2 for
//! usage errors.

mod args;
mod summary;
mod term;

use anyhow::Context;
use args::{Cli, Command, DedupArgs, UsageError};
use clap::Parser;
use riwaya::error::Error;
use riwaya::input::Inputs;
use riwaya::job::run_dedup;
use riwaya::output::Output;
use riwaya::progress::{NoProgress, Progress};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if matches!(e.downcast_ref::<Error>(), Some(Error::BrokenPipe)) {
                return ExitCode::SUCCESS;
            }
            eprintln!("riwaya: error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::from(1) }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Dedup(args) => dedup(&args),
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("starting worker threads")?;
    Ok(pool.install(f))
}

fn write_rejects(corpus: &riwaya::corpus::Corpus, path: &std::path::Path) -> anyhow::Result<()> {
    let mut out = Output::open(Some(path))?;
    corpus.problems.write_jsonl(&mut out).map_err(|e| riwaya::output::write_error(path, e))?;
    out.finish()?;
    Ok(())
}

fn dedup(args: &DedupArgs) -> anyhow::Result<()> {
    let job = args.job()?;
    let common = &args.common;
    let threads = common.threads()?;
    let bars = term::Bars::new(!common.quiet && !common.no_progress);
    let progress: &dyn Progress = match &bars {
        Some(b) => b,
        None => &NoProgress,
    };
    in_pool(threads, || -> anyhow::Result<()> {
        let inputs = Inputs::open(&common.inputs)?;
        let mut run = run_dedup(&inputs, &job, progress)?;
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
        let written = run.write_kept(&inputs, &mut out, &name, progress)?;
        out.finish()?;
        if !common.quiet {
            summary::dedup(&run, &inputs, written, threads, common.verbose);
        }
        Ok(())
    })?
}
