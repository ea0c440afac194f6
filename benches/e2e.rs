//! End-to-end `riwaya dedup` on the shared corpus, with the Python peers in
//! the same run.
//!
//! `cargo bench --bench e2e` (not run in CI):
//! 1. decompresses `../shared/corpus/ant-news.jsonl.zst` (or `$RIWAYA_CORPUS`)
//!    to `target/bench-data/ant-news.jsonl`, the plain file every contender
//!    reads;
//! 2. runs `riwaya dedup` (threshold 0.8, word 5-shingles, 128 hashes,
//!    output written to a fresh file, fsynced) with `--threads 1`, `--threads 2`, and
//!    `--threads 1` pinned to one core with `taskset` (so the reader thread
//!    cannot borrow the second core), each `$RIWAYA_E2E_RUNS` times (default
//!    5), reporting the median wall time, MB/s, articles/s and peak RSS;
//! 3. runs `../shared/bench/peers.py` for datasketch, rensa and gaoya with a
//!    Python that has them (`$RIWAYA_PEERS_PYTHON`, or a virtualenv it creates
//!    in `target/peers-venv`), once each (they take tens of seconds);
//! 4. prints a table and writes `target/bench-results/e2e.json`.
//!
//! Results obtained with the corpus must cite A. Chouigui, O. Ben Khiroun and
//! B. Elayeb, Arabian Journal for Science and Engineering 46(8), 2021.

mod common;

use common::{manifest_dir, measure, median, plain_corpus};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn peers_python() -> Option<PathBuf> {
    let has_peers = |p: &Path| {
        Command::new(p)
            .args(["-c", "import datasketch, rensa, gaoya"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if let Some(p) = std::env::var_os("RIWAYA_PEERS_PYTHON") {
        let p = PathBuf::from(p);
        return has_peers(&p).then_some(p);
    }
    let venv = manifest_dir().join("target/peers-venv");
    let python = venv.join("bin/python");
    if python.exists() && has_peers(&python) {
        return Some(python);
    }
    eprintln!("e2e: creating {} with datasketch, rensa and gaoya", venv.display());
    let ok = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "datasketch", "rensa", "gaoya"])
            .status()
            .is_ok_and(|s| s.success());
    (ok && has_peers(&python)).then_some(python)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(corpus) = plain_corpus() else {
        eprintln!("e2e: corpus not found (set RIWAYA_CORPUS); skipped");
        return;
    };
    let bytes = std::fs::metadata(&corpus).expect("corpus").len() as f64;
    let docs =
        41_686f64.max(std::fs::read(&corpus).map(|d| d.iter().filter(|&&b| b == b'\n').count() as f64).unwrap_or(0.0));
    let runs: usize = std::env::var("RIWAYA_E2E_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let bin = env!("CARGO_BIN_EXE_riwaya");
    let out = manifest_dir().join("target/bench-data/kept.jsonl");
    let dups = manifest_dir().join("target/bench-data/duplicates.jsonl");
    let has_taskset = Command::new("taskset").arg("--version").stdout(Stdio::null()).status().is_ok();

    let mut rows: Vec<(String, f64, i64)> = Vec::new();
    let mut configs: Vec<(String, Vec<String>)> = vec![
        ("riwaya --threads 1".into(), vec![bin.into(), "dedup".into(), "--threads".into(), "1".into()]),
        ("riwaya --threads 2".into(), vec![bin.into(), "dedup".into(), "--threads".into(), "2".into()]),
    ];
    if has_taskset {
        configs.push((
            "riwaya --threads 1, one core".into(),
            vec!["taskset".into(), "-c".into(), "0".into(), bin.into(), "dedup".into(), "--threads".into(), "1".into()],
        ));
    }
    // Rounds interleave the configurations, so that drift in the machine's
    // speed affects them all alike; each reports its median.
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); configs.len()];
    let mut rss = vec![0i64; configs.len()];
    for _ in 0..runs {
        for (c, (_, argv)) in configs.iter().enumerate() {
            let mut cmd = Command::new(&argv[0]);
            cmd.args(&argv[1..])
                .arg(&corpus)
                .arg("-o")
                .arg(&out)
                .arg("--duplicates")
                .arg(&dups)
                .arg("--threshold")
                .arg("0.8")
                .arg("--shingle")
                .arg("word:5")
                .arg("--num-hashes")
                .arg("128")
                .arg("-q");
            // Each run writes a fresh output, as a batch job does: the
            // previous run's files are removed and flushed first (untimed),
            // so that neither their writeback nor freeing them is charged to
            // the next run.
            let _ = std::fs::remove_file(&out);
            let _ = std::fs::remove_file(&dups);
            let _ = Command::new("sync").status();
            let m = measure(&mut cmd);
            walls[c].push(m.wall);
            rss[c] = rss[c].max(m.max_rss_kb);
        }
    }
    for (c, (name, _)) in configs.iter().enumerate() {
        let wall = median(walls[c].clone());
        println!(
            "{name:<32} {wall:>7.2} s  {:>6.1} MB/s  {:>7.0} articles/s  peak RSS {:>5.0} MB  (runs: {})",
            bytes / 1e6 / wall,
            docs / wall,
            rss[c] as f64 / 1024.0,
            walls[c].iter().map(|w| format!("{w:.2}")).collect::<Vec<_>>().join(" ")
        );
        rows.push((name.clone(), wall, rss[c]));
    }

    let mut peers = serde_json::Map::new();
    match peers_python() {
        None => eprintln!("e2e: no Python with datasketch, rensa and gaoya; peers skipped"),
        Some(python) => {
            let script = manifest_dir().join("../shared/bench/peers.py");
            for peer in ["datasketch", "rensa", "gaoya"] {
                let _ = Command::new("sync").status();
                let m = measure(Command::new(&python).arg(&script).arg(peer).arg(&corpus).args(["--threshold", "0.8"]));
                let reported: serde_json::Value = serde_json::from_str(m.stdout.trim()).unwrap_or(json!(null));
                println!(
                    "{:<32} {:>7.2} s  {:>6.1} MB/s  {:>7.0} articles/s  peak RSS {:>5.0} MB  (its own total_s {})",
                    peer,
                    m.wall,
                    bytes / 1e6 / m.wall,
                    docs / m.wall,
                    m.max_rss_kb as f64 / 1024.0,
                    reported["total_s"]
                );
                peers.insert(peer.into(), json!({"wall_s": m.wall, "max_rss_kb": m.max_rss_kb, "reported": reported}));
                rows.push((peer.into(), m.wall, m.max_rss_kb));
            }
        }
    }

    let wall = |name: &str| rows.iter().find(|r| r.0 == name).map(|r| r.1);
    let one = wall("riwaya --threads 1").expect("measured");
    let two = wall("riwaya --threads 2").expect("measured");
    let pinned = wall("riwaya --threads 1, one core");
    println!("speedup with 2 threads: {:.2}x over --threads 1", one / two);
    if let Some(p) = pinned {
        println!("speedup with 2 threads: {:.2}x over --threads 1 pinned to one core", p / two);
    }
    for peer in ["datasketch", "rensa", "gaoya"] {
        if let Some(w) = wall(peer) {
            print!("riwaya --threads 1 is {:.1}x faster than {peer}", w / one);
            match pinned {
                Some(p) => println!(" ({:.1}x pinned to one core)", w / p),
                None => println!(),
            }
        }
    }
    let results = json!({
        "corpus_bytes": bytes,
        "articles": docs,
        "runs": runs,
        "riwaya": rows.iter().filter(|r| r.0.starts_with("riwaya")).map(|r| json!({"config": r.0, "median_wall_s": r.1, "max_rss_kb": r.2, "mb_per_s": bytes / 1e6 / r.1, "articles_per_s": docs / r.1})).collect::<Vec<_>>(),
        "peers": peers,
        "speedup_2_threads": one / two,
        "speedup_2_threads_vs_pinned": pinned.map(|p| p / two),
    });
    let dir = manifest_dir().join("target/bench-results");
    std::fs::create_dir_all(&dir).expect("results dir");
    std::fs::write(dir.join("e2e.json"), serde_json::to_string_pretty(&results).unwrap()).expect("write");
    println!("written to {}", dir.join("e2e.json").display());
}
