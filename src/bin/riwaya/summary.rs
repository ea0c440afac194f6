//! The human-readable run summary on stderr.

use riwaya::corpus::Corpus;
use riwaya::input::Inputs;
use riwaya::job::DedupRun;
use riwaya::timing::Timings;

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Problems skipped with --skip-invalid, empty files, and the read line.
pub fn reading(corpus: &Corpus, inputs: &Inputs) {
    let files = inputs.files().len();
    eprintln!(
        "read {} articles ({}) from {} file{}",
        thousands(corpus.len() as u64),
        megabytes(corpus.bytes),
        thousands(files as u64),
        if files == 1 { "" } else { "s" }
    );
    for f in &corpus.empty_files {
        eprintln!("  warning: {f}: no articles in this file");
    }
    let problems = &corpus.problems;
    if problems.total() > 0 {
        let kinds: Vec<String> =
            problems.counts().iter().map(|(k, n)| format!("{} {}", thousands(*n), k.name())).collect();
        eprintln!("  skipped {} bad records: {}", thousands(problems.total()), kinds.join(", "));
        for p in problems.examples() {
            eprintln!("    {p}");
        }
        let hidden = problems.total() - problems.examples().len() as u64;
        if hidden > 0 {
            eprintln!("    ... and {} more", thousands(hidden));
        }
    }
}

/// The time line: per stage, total, throughput.
pub fn timing(timings: &Timings, bytes: u64, docs: u64) {
    let parts: Vec<String> = timings.stages().iter().map(|(n, d)| format!("{n} {:.2}s", d.as_secs_f64())).collect();
    let total = timings.total().as_secs_f64().max(1e-9);
    eprintln!(
        "time: {}; total {:.2}s ({:.1} MB/s, {} articles/s)",
        parts.join(", "),
        total,
        bytes as f64 / 1e6 / total,
        thousands((docs as f64 / total) as u64)
    );
}

/// Boilerplate learned, per outlet with -v.
pub fn boilerplate(corpus: &Corpus, verbose: u8) {
    let counts = corpus.stripper.learned().counts();
    let total: usize = counts.iter().sum();
    let outlets = counts.iter().filter(|&&c| c > 0).count();
    eprintln!("boilerplate: {total} recurring lines learned in {outlets} outlets");
    if verbose > 0 {
        for (slot, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let name = if slot == 0 { "(no source)" } else { &corpus.sources()[slot - 1] };
            eprintln!("  {name}: {n}");
        }
    }
}

/// Summary of a dedup run.
pub fn dedup(run: &DedupRun, inputs: &Inputs, written: u64, threads: usize, verbose: u8) {
    let corpus = &run.corpus;
    reading(corpus, inputs);
    boilerplate(corpus, verbose);
    let g = &run.groups;
    eprintln!(
        "kept {}, removed {} near-duplicates in {} groups (largest {})",
        thousands(written),
        thousands(g.removals.len() as u64),
        thousands(g.groups.len() as u64),
        g.largest()
    );
    let lsh = run.scheme.lsh;
    eprintln!(
        "lsh: {} bands x {} rows; {} candidate pairs, {} verified exactly ({} articles re-read)",
        lsh.bands,
        lsh.rows,
        thousands(g.candidates),
        thousands(g.verified),
        thousands(g.sets_loaded)
    );
    if verbose > 0 {
        eprintln!("scheme {}: {}", run.scheme.fingerprint_hex(), run.scheme.describe());
        eprintln!("threads: {threads}");
    }
    timing(&run.timings, corpus.bytes, corpus.len() as u64);
}

/// Summary of a cluster run: counts, the top stories by number of outlets
/// with each version's divergence, times.
pub fn cluster(run: &riwaya::cluster::ClusterRun, inputs: &Inputs, written: u64, threads: usize, verbose: u8) {
    let corpus = &run.corpus;
    reading(corpus, inputs);
    boilerplate(corpus, verbose);
    let multi = run.stories.iter().filter(|s| s.members.len() > 1).count();
    let outlets = riwaya::cluster::outlet_counts(corpus, &run.stories);
    let cross = outlets.iter().filter(|&&n| n > 1).count();
    eprintln!(
        "stories: {} ({} with two or more articles, {} across outlets); {} near-duplicate groups; {} written",
        thousands(run.stories.len() as u64),
        thousands(multi as u64),
        thousands(cross as u64),
        thousands(run.groups.groups.len() as u64),
        thousands(written)
    );
    let top: Vec<usize> =
        riwaya::cluster::rank_by_counts(&outlets, &run.stories).into_iter().filter(|&s| outlets[s] > 1).collect();
    let shown = if verbose > 0 { crate::args::SUMMARY_STORIES } else { 5 };
    if !top.is_empty() {
        eprintln!("top stories by outlets (divergence score: shared/unique/omitted/similarity):");
    }
    for &s in top.iter().take(shown) {
        let story = &run.stories[s];
        let headline = run.texts[s]
            .as_ref()
            .and_then(|t| t.members.iter().map(|m| m.title.trim().to_string()).find(|t| !t.is_empty()))
            .unwrap_or_default();
        let headline: String = headline.chars().take(70).collect();
        let date = story
            .first_time
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_default();
        eprintln!("  {} {} ({} outlets, {} articles) {}", story.id, date, outlets[s], story.members.len(), headline);
        for (k, &d) in story.members.iter().enumerate() {
            let outlet = corpus.source_of(d).unwrap_or("unknown outlet");
            match run.divergence[s].get(k) {
                Some(v) => eprintln!(
                    "    {:<22} {:<28} {:.2}: {:.2}/{:.2}/{:.2}/{:.2}",
                    outlet,
                    corpus.doc(d).id.to_string(),
                    v.score,
                    v.shared,
                    v.unique,
                    v.omitted,
                    v.similarity
                ),
                None => eprintln!("    {outlet:<22} {}", corpus.doc(d).id),
            }
        }
    }
    if verbose > 0 {
        eprintln!("threads: {threads}");
    }
    timing(&run.timings, corpus.bytes, corpus.len() as u64);
}

/// The summary of `index add`.
pub fn index_add(run: &riwaya::index::AddRun, inputs: &Inputs, threads: usize) {
    reading(&run.corpus, inputs);
    eprintln!(
        "index: {} added, {} already present, {} updated; {} near-duplicates of indexed or batch articles",
        thousands(run.added),
        thousands(run.already_present),
        thousands(run.updated),
        thousands(run.duplicates)
    );
    eprintln!(
        "clusters: {} new, {} grown, {} merged ({} index articles replayed for the window)",
        thousands(run.new_stories),
        thousands(run.grown_stories),
        thousands(run.merged_stories),
        thousands(run.replayed)
    );
    eprintln!(
        "index now: {} articles in {} clusters (generation {})",
        thousands(run.index_articles),
        thousands(run.index_clusters),
        run.generation
    );
    if let Some(r) = &run.report {
        let hint = if r.versions_absent > 0 { " (--texts gives earlier input files)" } else { "" };
        eprintln!(
            "report: {} clusters, {} versions shown, {} without their text at hand{hint}",
            thousands(r.stories as u64),
            thousands(r.versions_at_hand as u64),
            thousands(r.versions_absent as u64)
        );
        if r.texts_skipped_invalid > 0 {
            eprintln!("report: {} invalid records skipped in the --texts files", thousands(r.texts_skipped_invalid));
        }
    }
    eprintln!("threads: {threads}");
    timing(&run.timings, run.corpus.bytes, run.corpus.len() as u64);
}

/// `index stats` for people.
pub fn index_stats(stats: &serde_json::Value) {
    let n = |k: &str| stats[k].as_u64().unwrap_or(0);
    println!("index      {}", stats["index"].as_str().unwrap_or(""));
    println!("articles   {}", thousands(n("articles")));
    println!("clusters   {}", thousands(n("clusters")));
    println!(
        "scheme     {} ({})",
        stats["scheme"]["fingerprint"].as_str().unwrap_or(""),
        stats["scheme"]["description"].as_str().unwrap_or("")
    );
    println!("format     {}", n("format"));
    println!(
        "on disk    {} ({:.0} bytes per article; {} segments, {} + {} runs)",
        megabytes(n("size_bytes")),
        stats["bytes_per_article"].as_f64().unwrap_or(0.0),
        n("segments"),
        n("band_runs"),
        n("id_runs")
    );
    match stats["last_run"].as_object() {
        Some(r) => println!(
            "last run   {} at {}: {} added, {} already present, {} updated, {} removed",
            r["command"].as_str().unwrap_or(""),
            r["finished"].as_str().unwrap_or(""),
            r["added"],
            r["already_present"],
            r["updated"],
            r["removed"]
        ),
        None => println!("last run   none"),
    }
}
