//! Dedup quality on the shared corpus, measured against exact computation.
//!
//! `cargo bench --bench quality` (not run in CI; it needs the corpus at
//! `../shared/corpus/ant-news.jsonl.zst` or `$RIWAYA_CORPUS`):
//! - exact all-pairs Jaccard (prefix filtering, cross-checked against brute
//!   force on a random sample), at thresholds 0.5 and 0.8;
//! - LSH recall: the share of exact pairs whose articles end in the same
//!   near-duplicate group, and the share that LSH proposed directly;
//! - precision after verification, per link and per pair inside groups;
//! - MinHash estimation error (MAE, bias) with 128 values for each variant on
//!   real pairs, with signing speed, which is how the default variant was
//!   chosen.
//!
//! Results are printed and written to `target/bench-results/quality.json`.
//! Material that reports results obtained with the corpus must cite
//! A. Chouigui, O. Ben Khiroun and B. Elayeb, "An Arabic Multi-source News
//! Corpus: Experimenting on Single-document Extractive Summarization",
//! Arabian Journal for Science and Engineering 46(8), 2021.

use rayon::prelude::*;
use riwaya::dedup::DedupOptions;
use riwaya::exact::{Pair, all_pairs, all_pairs_brute_force};
use riwaya::hash::SplitMix64;
use riwaya::input::Inputs;
use riwaya::job::{DedupJob, run_dedup};
use riwaya::lsh::{CandidateLimits, candidate_pairs};
use riwaya::minhash::{MinHasher, SketchScratch, Variant, estimate_jaccard};
use riwaya::progress::NoProgress;
use riwaya::sign::shingle_set;
use serde_json::json;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

fn corpus_path() -> Option<PathBuf> {
    let p = std::env::var_os("RIWAYA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ant-news.jsonl.zst"));
    p.exists().then_some(p)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(path) = corpus_path() else {
        eprintln!("quality: corpus not found (set RIWAYA_CORPUS); skipped");
        return;
    };
    let inputs = Inputs::open(&[path]).expect("open corpus");
    let mut report = serde_json::Map::new();

    // The exact shingle sets, built exactly as dedup builds them.
    let t0 = Instant::now();
    let base = run_dedup(&inputs, &DedupJob::default(), &NoProgress).expect("dedup run");
    let corpus = &base.corpus;
    let shingler = base.scheme.shingler();
    let mut sets: Vec<Vec<u64>> = Vec::with_capacity(corpus.len());
    corpus
        .par_map_docs(
            &inputs,
            &NoProgress,
            |_| true,
            |doc, a| shingle_set(&shingler, &corpus.content(doc, a)).0,
            |r| {
                sets.extend(r.into_iter().map(|(_, s)| s));
                Ok(())
            },
        )
        .expect("shingle sets");
    println!("corpus: {} articles, sets built in {:.1}s", sets.len(), t0.elapsed().as_secs_f64());

    // Prefix filtering agrees with brute force on a random sample.
    let mut g = SplitMix64::new(2024);
    let mut sample: Vec<usize> = (0..sets.len()).collect();
    for i in (1..sample.len()).rev() {
        sample.swap(i, (g.next() % (i as u64 + 1)) as usize);
    }
    sample.truncate(3000);
    // Include both members of known duplicate pairs so the check is not vacuous.
    let dup_pairs = all_pairs(&sets, 0.5);
    for &(a, b, _) in dup_pairs.iter().take(300) {
        sample.extend([a as usize, b as usize]);
    }
    sample.sort_unstable();
    sample.dedup();
    let sub: Vec<Vec<u64>> = sample.iter().map(|&i| sets[i].clone()).collect();
    for t in [0.3, 0.5, 0.8] {
        let fast = all_pairs(&sub, t);
        let slow = all_pairs_brute_force(&sub, t);
        assert_eq!(fast, slow, "prefix filtering must equal brute force at {t}");
        println!("check: prefix filtering = brute force on {} articles at J >= {t} ({} pairs)", sub.len(), fast.len());
    }

    for threshold in [0.5, 0.8] {
        let job = DedupJob { dedup: DedupOptions { threshold, ..DedupOptions::default() }, ..DedupJob::default() };
        let run = run_dedup(&inputs, &job, &NoProgress).expect("dedup run");
        let exact = all_pairs(&sets, threshold);
        let mut group_of = vec![u32::MAX; sets.len()];
        for (g, members) in run.groups.groups.iter().enumerate() {
            for d in members {
                group_of[d.get()] = g as u32;
            }
        }
        let same_group =
            |a: u32, b: u32| group_of[a as usize] != u32::MAX && group_of[a as usize] == group_of[b as usize];
        let found = exact.iter().filter(|p| same_group(p.0, p.1)).count();
        let candidates: HashSet<(u32, u32)> = candidate_pairs(
            &run.signatures.values,
            run.signatures.k,
            run.scheme.lsh,
            run.scheme.seed,
            CandidateLimits::default(),
        )
        .into_iter()
        .collect();
        let proposed = exact.iter().filter(|p| candidates.contains(&(p.0, p.1))).count();
        let linked: HashSet<(u32, u32)> = run.groups.links.iter().map(|l| (l.a.0, l.b.0)).collect();
        let exact_set: HashSet<(u32, u32)> = exact.iter().map(|p| (p.0, p.1)).collect();
        let lost_by_prefilter =
            exact.iter().filter(|p| candidates.contains(&(p.0, p.1)) && !linked.contains(&(p.0, p.1))).count();
        let links_true = run.groups.links.iter().filter(|l| exact_set.contains(&(l.a.0, l.b.0))).count();
        let (mut in_group, mut in_group_true) = (0usize, 0usize);
        for members in &run.groups.groups {
            for (x, a) in members.iter().enumerate() {
                for b in &members[x + 1..] {
                    in_group += 1;
                    if exact_set.contains(&(a.0, b.0)) {
                        in_group_true += 1;
                    }
                }
            }
        }
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let lsh = run.scheme.lsh;
        println!(
            "J >= {threshold}: {} exact pairs; LSH {}x{} (P at threshold {:.4}); recall (same group) {:.4}, proposed by LSH {:.4}, lost by pre-filter {}; precision per link {:.4}, per pair in groups {:.4}; {} candidates, {} verified",
            exact.len(),
            lsh.bands,
            lsh.rows,
            lsh.probability(threshold),
            ratio(found, exact.len()),
            ratio(proposed, exact.len()),
            lost_by_prefilter,
            ratio(links_true, run.groups.links.len()),
            ratio(in_group_true, in_group),
            run.groups.candidates,
            run.groups.verified,
        );
        report.insert(
            format!("threshold_{threshold}"),
            json!({
                "exact_pairs": exact.len(),
                "bands": lsh.bands, "rows": lsh.rows,
                "probability_at_threshold": lsh.probability(threshold),
                "recall_same_group": ratio(found, exact.len()),
                "recall_proposed_by_lsh": ratio(proposed, exact.len()),
                "lost_by_prefilter": lost_by_prefilter,
                "precision_per_link": ratio(links_true, run.groups.links.len()),
                "precision_pairs_in_groups": ratio(in_group_true, in_group),
                "candidates": run.groups.candidates,
                "verified": run.groups.verified,
                "groups": run.groups.groups.len(),
                "removed": run.groups.removals.len(),
            }),
        );
    }

    // MinHash variants: estimation error on real pairs, and speed.
    let pairs: Vec<Pair> = all_pairs(&sets, 0.3);
    println!("minhash: {} real pairs with exact J >= 0.3", pairs.len());
    let mut variants = serde_json::Map::new();
    for variant in Variant::ALL {
        let hasher = MinHasher::new(variant, 128, riwaya::scheme::DEFAULT_SEED);
        let start = Instant::now();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let sigs: Vec<Vec<u32>> = pool.install(|| {
            let mut scratch = SketchScratch::default();
            sets.iter()
                .map(|s| {
                    let mut sig = vec![0u32; 128];
                    hasher.sketch(s, &mut sig, &mut scratch);
                    sig
                })
                .collect()
        });
        let secs = start.elapsed().as_secs_f64();
        let errors: Vec<(f64, f64)> = pairs
            .par_iter()
            .map(|&(a, b, j)| (j, estimate_jaccard(&sigs[a as usize], &sigs[b as usize]) - j))
            .collect();
        let stats = |lo: f64, hi: f64| {
            let e: Vec<f64> = errors.iter().filter(|(j, _)| *j >= lo && *j < hi).map(|(_, e)| *e).collect();
            let n = e.len().max(1) as f64;
            json!({
                "pairs": e.len(),
                "mae": e.iter().map(|x| x.abs()).sum::<f64>() / n,
                "bias": e.iter().sum::<f64>() / n,
            })
        };
        let all = stats(0.3, 1.01);
        let dedup_range = stats(0.5, 1.01);
        let bins: Vec<serde_json::Value> = [(0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.999), (0.999, 1.01)]
            .iter()
            .map(|&(lo, hi)| json!({"from": lo, "to": hi, "stats": stats(lo, hi)}))
            .collect();
        println!(
            "  {:<12} MAE {:.4} (J >= 0.5: {:.4}), bias {:+.4}; signing {:.0} ns/article on one thread; by J bin: {}",
            variant.name(),
            all["mae"].as_f64().unwrap(),
            dedup_range["mae"].as_f64().unwrap(),
            all["bias"].as_f64().unwrap(),
            secs * 1e9 / sets.len() as f64,
            bins.iter()
                .map(|b| format!("[{}, {}): {:.4}", b["from"], b["to"], b["stats"]["mae"].as_f64().unwrap()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        variants.insert(
            variant.name().into(),
            json!({"all_pairs": all, "j_at_least_0_5": dedup_range, "by_bin": bins, "ns_per_article": secs * 1e9 / sets.len() as f64}),
        );
    }
    report.insert("minhash_k128".into(), serde_json::Value::Object(variants));
    report.insert("articles".into(), json!(sets.len()));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-results");
    std::fs::create_dir_all(&dir).expect("results dir");
    std::fs::write(dir.join("quality.json"), serde_json::to_string_pretty(&report).unwrap()).expect("write results");
    println!("written to {}", dir.join("quality.json").display());
}
