//! Same-event clustering quality on the labelled set (`data/events/`),
//! riwaya next to two baselines.
//!
//! `cargo bench --bench events` (not run in CI; needs the shared corpus):
//! - **riwaya**: `riwaya cluster` with default settings on the whole corpus
//!   (41,686 articles, the labelled ones among them), and on the labelled
//!   articles alone;
//! - **TF-IDF + average linkage**: L2 tokens, sublinear TF times IDF from
//!   the whole corpus, cosine, UPGMA agglomerative clustering cut at a
//!   threshold; once without time and once with pairs more than three days
//!   apart given similarity 0;
//! - **MinHash only**: `riwaya dedup` with word 3-shingles and 128 hashes,
//!   its near-duplicate groups taken as clusters.
//!
//! The baselines run on the labelled articles alone (216, no distractors)
//! and each gets its best threshold on the labelled set itself (an oracle
//! choice), so the comparison favours them. All are scored with the
//! library's B-cubed and pairwise measures (`riwaya::eval`). Results are
//! printed and written to `target/bench-results/events.json`.
//! Results obtained with the corpus must cite A. Chouigui, O. Ben Khiroun and
//! B. Elayeb, Arabian Journal for Science and Engineering 46(8), 2021.

mod common;

use ahash::{AHashMap, AHashSet};
use common::{manifest_dir, plain_corpus};
use rayon::prelude::*;
use riwaya::date::parse_published;
use riwaya::eval::{Scores, evaluate, read_clusters, read_labels};
use riwaya::normalize::matching_tokens;
use riwaya::unionfind::UnionFind;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Command;

struct Doc {
    id: String,
    time: Option<i64>,
    tokens: Vec<String>,
}

fn doc(line: &str) -> Doc {
    let v: Value = serde_json::from_str(line).expect("corpus line");
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    let id = v["id"].as_str().map_or_else(|| v["id"].to_string(), String::from);
    let time = parse_published(&s("published")).ok().map(|p| p.unix);
    Doc { id, time, tokens: matching_tokens(&format!("{}\n{}", s("title"), s("text"))) }
}

/// Sublinear TF-IDF vectors, unit length, as sorted (term, weight) lists.
fn tfidf(docs: &[Doc], df: &AHashMap<&str, u32>, n: f64) -> Vec<Vec<(String, f64)>> {
    docs.iter()
        .map(|d| {
            let mut tf: AHashMap<&str, u32> = AHashMap::new();
            for t in &d.tokens {
                *tf.entry(t).or_default() += 1;
            }
            let mut v: Vec<(String, f64)> = tf
                .into_iter()
                .map(|(t, c)| {
                    (t.to_string(), (1.0 + f64::from(c).ln()) * (n / f64::from(*df.get(t).unwrap_or(&1))).ln())
                })
                .collect();
            let norm = v.iter().map(|x| x.1 * x.1).sum::<f64>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| x.1 /= norm);
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        })
        .collect()
}

fn cosine(a: &[(String, f64)], b: &[(String, f64)]) -> f64 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// UPGMA: the merges in order, each (a, b, average similarity). Average
/// linkage has no inversions, so cutting at `t` keeps the merges at or above
/// `t`, a prefix of this list.
fn average_linkage(sim: &[Vec<f64>]) -> Vec<(usize, usize, f64)> {
    let n = sim.len();
    let mut s = sim.to_vec();
    let mut size = vec![1.0; n];
    let mut alive = vec![true; n];
    let mut merges = Vec::new();
    for _ in 1..n {
        let mut best = (0, 0, f64::NEG_INFINITY);
        for i in 0..n {
            for j in i + 1..n {
                if alive[i] && alive[j] && s[i][j] > best.2 {
                    best = (i, j, s[i][j]);
                }
            }
        }
        let (i, j, h) = best;
        merges.push((i, j, h));
        for k in 0..n {
            if alive[k] && k != i && k != j {
                let v = (size[i] * s[k][i] + size[j] * s[k][j]) / (size[i] + size[j]);
                s[k][i] = v;
                s[i][k] = v;
            }
        }
        size[i] += size[j];
        alive[j] = false;
    }
    merges
}

fn cut(docs: &[Doc], merges: &[(usize, usize, f64)], t: f64) -> AHashMap<String, String> {
    let mut uf = UnionFind::new(docs.len());
    for &(a, b, _) in merges.iter().take_while(|m| m.2 >= t) {
        uf.union(a as u32, b as u32);
    }
    (0..docs.len()).map(|i| (docs[i].id.clone(), format!("c{}", uf.find(i as u32)))).collect()
}

/// The best B-cubed F1 over `thresholds` (the oracle choice) and its threshold.
fn best(thresholds: &[f64], labels: &[(String, String)], f: impl Fn(f64) -> AHashMap<String, String>) -> (f64, Scores) {
    thresholds
        .iter()
        .map(|&t| (t, evaluate(&f(t), labels)))
        .max_by(|a, b| a.1.bcubed.f1.total_cmp(&b.1.bcubed.f1).then(b.0.total_cmp(&a.0)))
        .expect("thresholds")
}

fn riwaya_cluster(input: &Path, labels: &[(String, String)]) -> Scores {
    let out = manifest_dir().join("target/bench-data/events-clusters.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_riwaya"))
        .arg("cluster")
        .arg(input)
        .args(["--no-divergence", "-q", "-o"])
        .arg(&out)
        .status()
        .expect("riwaya cluster");
    assert!(status.success());
    evaluate(&read_clusters(&out).expect("clusters"), labels)
}

fn minhash_only(input: &Path, docs: &[Doc], t: f64) -> AHashMap<String, String> {
    let dir = manifest_dir().join("target/bench-data");
    let dups = dir.join("events-dups.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_riwaya"))
        .arg("dedup")
        .arg(input)
        .args(["--shingle", "word:3", "--num-hashes", "128", "--threshold", &t.to_string(), "-q", "-o"])
        .arg(dir.join("events-kept.jsonl"))
        .arg("--duplicates")
        .arg(&dups)
        .status()
        .expect("riwaya dedup");
    assert!(status.success());
    let index: AHashMap<&str, u32> = docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i as u32)).collect();
    let mut uf = UnionFind::new(docs.len());
    for line in std::fs::read_to_string(&dups).expect("duplicates").lines() {
        let v: Value = serde_json::from_str(line).expect("duplicate record");
        let (a, b) = (v["id"].as_str().expect("id"), v["duplicate_of"].as_str().expect("duplicate_of"));
        uf.union(index[a], index[b]);
    }
    (0..docs.len()).map(|i| (docs[i].id.clone(), format!("c{}", uf.find(i as u32)))).collect()
}

fn row(name: &str, threshold: Option<f64>, s: &Scores) -> Value {
    println!(
        "{name:<44} {:>9}  B-cubed P {:.4} R {:.4} F1 {:.4}  pairwise P {:.4} R {:.4} F1 {:.4}",
        threshold.map_or("default".into(), |t| format!("t={t:.2}")),
        s.bcubed.precision,
        s.bcubed.recall,
        s.bcubed.f1,
        s.pairwise.precision,
        s.pairwise.recall,
        s.pairwise.f1
    );
    json!({"method": name, "threshold": threshold, "scores": s})
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(corpus) = plain_corpus() else {
        eprintln!("events: corpus not found (set RIWAYA_CORPUS); skipped");
        return;
    };
    let labels = read_labels(&manifest_dir().join("data/events/labels.jsonl")).expect("labels");
    let wanted: AHashSet<&str> = labels.iter().map(|l| l.0.as_str()).collect();
    let text = std::fs::read_to_string(&corpus).expect("corpus");
    let lines: Vec<&str> = text.lines().collect();
    let all: Vec<Doc> = lines.par_iter().map(|l| doc(l)).collect();
    let mut df: AHashMap<&str, u32> = AHashMap::new();
    for d in &all {
        let distinct: AHashSet<&str> = d.tokens.iter().map(String::as_str).collect();
        for t in distinct {
            *df.entry(t).or_default() += 1;
        }
    }
    let subset_path = manifest_dir().join("target/bench-data/labelled.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&subset_path).expect("subset"));
    let mut docs = Vec::new();
    for (line, d) in lines.iter().zip(&all) {
        if wanted.contains(d.id.as_str()) {
            writeln!(w, "{line}").expect("write");
            docs.push(Doc { id: d.id.clone(), time: d.time, tokens: d.tokens.clone() });
        }
    }
    w.flush().expect("flush");
    assert_eq!(docs.len(), labels.len(), "every labelled article is in the corpus");
    println!(
        "{} labelled articles in {} events; corpus {} articles",
        docs.len(),
        evaluate(&AHashMap::new(), &labels).events,
        all.len()
    );

    let mut rows = vec![
        row("riwaya cluster, whole corpus", None, &riwaya_cluster(&corpus, &labels)),
        row("riwaya cluster, labelled articles only", None, &riwaya_cluster(&subset_path, &labels)),
    ];
    let vectors = tfidf(&docs, &df, all.len() as f64);
    let sim: Vec<Vec<f64>> = vectors.iter().map(|a| vectors.iter().map(|b| cosine(a, b)).collect()).collect();
    let windowed: Vec<Vec<f64>> = (0..docs.len())
        .map(|i| {
            (0..docs.len())
                .map(|j| match (docs[i].time, docs[j].time) {
                    (Some(a), Some(b)) if (a - b).abs() > 3 * 86_400 => 0.0,
                    _ => sim[i][j],
                })
                .collect()
        })
        .collect();
    let grid: Vec<f64> = (1..=90).map(|i| f64::from(i) / 100.0).collect();
    for (name, matrix) in [("TF-IDF + average linkage", &sim), ("TF-IDF + average linkage, +-3 days", &windowed)] {
        let merges = average_linkage(matrix);
        let (t, s) = best(&grid, &labels, |t| cut(&docs, &merges, t));
        rows.push(row(name, Some(t), &s));
    }
    let minhash_grid = [0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8];
    let (t, s) = best(&minhash_grid, &labels, |t| minhash_only(&subset_path, &docs, t));
    rows.push(row("MinHash only (word 3-shingles, dedup groups)", Some(t), &s));

    let dir = manifest_dir().join("target/bench-results");
    std::fs::create_dir_all(&dir).expect("results dir");
    std::fs::write(dir.join("events.json"), serde_json::to_string_pretty(&json!({"rows": rows})).unwrap())
        .expect("write");
    println!("written to {}", dir.join("events.json").display());
}
