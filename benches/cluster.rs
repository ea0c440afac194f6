//! End-to-end `riwaya cluster` against `riwaya dedup` on the shared corpus,
//! and how its time grows with the number of articles.
//!
//! `cargo bench --bench cluster` (not run in CI):
//! 1. `riwaya dedup` (threshold 0.8, word 5-shingles, 128 hashes) and
//!    `riwaya cluster` (default settings, divergence included, clusters JSONL
//!    written) on the whole decompressed corpus, with `--threads 1` and
//!    `--threads 2`, interleaved, `$RIWAYA_CLUSTER_RUNS` times each (default
//!    3): median wall time, MB/s, articles/s, peak RSS, and the ratio of
//!    cluster to dedup; `riwaya cluster --no-divergence` runs in the same
//!    rotation, so the story layer's own share of the ratio (features and
//!    stories, no divergence) is measured next to it; `dedup` and `cluster`
//!    also run on the corpus as shipped (zstd), where both decompress it once
//!    as they read it;
//! 2. scaling at 10,000, 20,000 and all 41,686 articles, clustered with
//!    `--threads 2`, two ways: the first N articles in order of publication
//!    (a growing archive: the span grows, the articles per window stay about
//!    the same, the case a fixed window is for), and every k-th article (the
//!    span stays the same and the articles per window grow with N, so stories
//!    grow too: the hard case).
//!
//! Results are printed and written to `target/bench-results/cluster.json`.
//! Results obtained with the corpus must cite A. Chouigui, O. Ben Khiroun and
//! B. Elayeb, Arabian Journal for Science and Engineering 46(8), 2021.

mod common;

use common::{is_zstd, manifest_dir, measure, median, plain_corpus, shipped_corpus};
use riwaya::date::parse_published;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `n` lines of `corpus`: every k-th line, or (`by_time`) the first
/// `n` in order of publication; either way in input order.
fn subset(corpus: &Path, n: usize, by_time: bool) -> PathBuf {
    let name = if by_time { format!("first-{n}") } else { format!("every-kth-{n}") };
    let out = manifest_dir().join(format!("target/bench-data/subset-{name}.jsonl"));
    common::derived(&out, corpus, |out| {
        let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(corpus).expect("corpus"))
            .lines()
            .map(|l| l.expect("line"))
            .collect();
        let total = lines.len();
        let keep: Vec<bool> = if by_time {
            let mut order: Vec<(i64, usize)> = lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("record");
                    let t = v["published"].as_str().and_then(|p| parse_published(p).ok()).map_or(i64::MAX, |p| p.unix);
                    (t, i)
                })
                .collect();
            order.sort_unstable();
            let mut keep = vec![false; total];
            order.iter().take(n).for_each(|&(_, i)| keep[i] = true);
            keep
        } else {
            (0..total).map(|i| (i + 1) * n / total > i * n / total).collect()
        };
        let mut w = std::io::BufWriter::new(std::fs::File::create(out).expect("subset"));
        for (line, _) in lines.iter().zip(&keep).filter(|(_, k)| **k) {
            writeln!(w, "{line}").expect("write");
        }
        w.flush().expect("flush");
        Some(())
    })
    .expect("subset of the corpus")
}

/// A job of the rotation: `dedup`, `cluster`, or `cluster --no-divergence`
/// (`stories`).
fn run(job: &str, threads: usize, input: &Path) -> common::Measured {
    let bin = env!("CARGO_BIN_EXE_riwaya");
    let dir = manifest_dir().join("target/bench-data");
    let out = dir.join(format!("{job}-out.jsonl"));
    let _ = std::fs::remove_file(&out);
    let _ = Command::new("sync").status();
    let mut cmd = Command::new(bin);
    let command = if job == "dedup" { "dedup" } else { "cluster" };
    cmd.arg(command).arg(input).arg("-o").arg(&out).arg("--threads").arg(threads.to_string()).arg("-q");
    match job {
        "dedup" => {
            cmd.args(["--threshold", "0.8", "--shingle", "word:5", "--num-hashes", "128"]);
        }
        "stories" => {
            cmd.arg("--no-divergence");
        }
        _ => {}
    }
    measure(&mut cmd)
}

/// How a job of the rotation is shown.
fn label(job: &str) -> &'static str {
    match job {
        "dedup" => "dedup",
        "stories" => "cluster --no-divergence",
        _ => "cluster",
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(corpus) = plain_corpus() else {
        eprintln!("cluster: corpus not found (set RIWAYA_CORPUS); skipped");
        return;
    };
    let data = std::fs::read(&corpus).expect("corpus");
    let bytes = data.len() as f64;
    let docs = data.iter().filter(|&&b| b == b'\n').count();
    drop(data);
    let runs: usize = std::env::var("RIWAYA_CLUSTER_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);

    // The corpus as shipped, when it is a zstd file (a plain one is the rows
    // above already).
    let shipped = shipped_corpus().filter(|s| is_zstd(s));
    let mut configs = vec![
        ("dedup", 1, false),
        ("stories", 1, false),
        ("cluster", 1, false),
        ("dedup", 2, false),
        ("stories", 2, false),
        ("cluster", 2, false),
    ];
    if shipped.is_some() {
        configs.extend([("dedup", 1, true), ("cluster", 1, true), ("dedup", 2, true), ("cluster", 2, true)]);
    }
    let mut walls = vec![Vec::new(); configs.len()];
    let mut rss = vec![0i64; configs.len()];
    for _ in 0..runs {
        for (c, &(command, threads, zst)) in configs.iter().enumerate() {
            let m = run(command, threads, if zst { shipped.as_deref().expect("shipped") } else { &corpus });
            walls[c].push(m.wall);
            rss[c] = rss[c].max(m.max_rss_kb);
        }
    }
    let mut rows = Vec::new();
    for (c, &(job, threads, zst)) in configs.iter().enumerate() {
        let wall = median(walls[c].clone());
        let input = if zst { "zstd file" } else { "plain file" };
        println!(
            "riwaya {:<23} {input} --threads {threads}  {wall:>6.2} s  {:>6.1} MB/s  {:>6.0} articles/s  peak RSS {:>5.0} MB  (runs: {})",
            label(job),
            bytes / 1e6 / wall,
            docs as f64 / wall,
            rss[c] as f64 / 1024.0,
            walls[c].iter().map(|w| format!("{w:.2}")).collect::<Vec<_>>().join(" ")
        );
        rows.push(json!({"command": label(job), "input": input, "threads": threads, "median_wall_s": wall,
            "max_rss_kb": rss[c], "mb_per_s": bytes / 1e6 / wall, "articles_per_s": docs as f64 / wall}));
    }
    let wall_of = |job: &str, t: usize, zst: bool| {
        median(walls[configs.iter().position(|&c| c == (job, t, zst)).expect("in the rotation")].clone())
    };
    let ratio = |job: &str, t: usize, zst: bool| wall_of(job, t, zst) / wall_of("dedup", t, zst);
    for job in ["cluster", "stories"] {
        println!(
            "{} / dedup: {:.2}x with --threads 1, {:.2}x with --threads 2",
            label(job),
            ratio(job, 1, false),
            ratio(job, 2, false)
        );
    }
    let shipped_ratio = shipped.is_some().then(|| {
        let (r1, r2) = (ratio("cluster", 1, true), ratio("cluster", 2, true));
        println!("cluster / dedup on the zstd file as shipped: {r1:.2}x with --threads 1, {r2:.2}x with --threads 2");
        json!({"threads_1": r1, "threads_2": r2})
    });

    let mut scaling = Vec::new();
    for (by_time, how) in [(true, "first N by time"), (false, "every k-th")] {
        let mut base: Option<f64> = None;
        for n in [10_000, 20_000, docs] {
            let input = if n == docs { corpus.clone() } else { subset(&corpus, n, by_time) };
            let w = median((0..runs).map(|_| run("cluster", 2, &input).wall).collect());
            let per_1k = w / n as f64 * 1000.0;
            let b = *base.get_or_insert(per_1k);
            println!(
                "scaling, {how:<15}: {n:>6} articles  {w:>6.2} s  {per_1k:.3} s per 1,000 articles ({:.2}x the 10k rate)",
                per_1k / b
            );
            scaling.push(json!({"subset": how, "articles": n, "median_wall_s": w, "s_per_1k": per_1k}));
        }
    }
    let results = json!({
        "corpus_bytes": bytes, "articles": docs, "runs": runs, "runs_full": rows,
        "cluster_over_dedup": {"threads_1": ratio("cluster", 1, false), "threads_2": ratio("cluster", 2, false)},
        "no_divergence_over_dedup": {"threads_1": ratio("stories", 1, false), "threads_2": ratio("stories", 2, false)},
        "cluster_over_dedup_shipped_zstd": shipped_ratio,
        "scaling_threads_2": scaling,
    });
    let dir = manifest_dir().join("target/bench-results");
    std::fs::create_dir_all(&dir).expect("results dir");
    std::fs::write(dir.join("cluster.json"), serde_json::to_string_pretty(&results).unwrap()).expect("write");
    println!("written to {}", dir.join("cluster.json").display());
}
