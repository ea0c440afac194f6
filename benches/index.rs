//! `riwaya index add`: one day of 2,000 articles into an index of 1,000,000,
//! and how a day-by-day index compares with one batch run.
//!
//! `cargo bench --bench index` (not run in CI; needs ../shared/corpus):
//! 1. **Equivalence** (`RIWAYA_INDEX_EQUIVALENCE=0` skips it): the shared
//!    corpus added one publication day at a time (1,370 runs) against one
//!    `riwaya dedup` and one `riwaya cluster` run over it: near-duplicate
//!    groups compared exactly, clusters by B-cubed (`riwaya eval` with the
//!    batch clusters as labels), and both against the labelled events.
//! 2. **Speed**: a synthetic corpus of 24 copies of the shared corpus
//!    (1,000,464 articles), built from the real articles: copy c moves every
//!    date by c × 2,300 days (so copies do not overlap in time), gives every
//!    article a new id, and replaces every word by the word c places further
//!    in its band of 64 words of similar corpus frequency, so each copy keeps
//!    the lengths, the word-frequency profile, the near-duplicates and the
//!    stories of the real corpus without repeating its text. The copies are
//!    added one by one (cached in `target/bench-data/index-1m`); then three
//!    days of 2,000 articles each (from a 25th copy, dated on three days after
//!    the last copy) are added one after another with `--threads 2` and timed:
//!    wall time, peak RSS, and the index's bytes per article.
//!
//! Results go to `target/bench-results/index.json`. Results obtained with the
//! corpus must cite A. Chouigui, O. Ben Khiroun and B. Elayeb, Arabian
//! Journal for Science and Engineering 46(8), 2021.

mod common;

use common::{manifest_dir, measure, plain_corpus};
use riwaya::date::parse_published;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const COPIES: usize = 24;
const SHIFT_DAYS: i64 = 2_300;
const BAND: usize = 64;
const DAY_ARTICLES: usize = 2_000;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_riwaya")
}

fn run(args: &[&str]) -> String {
    let out = Command::new(bin()).args(args).output().expect("spawn");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn eval(clusters: &Path, labels: &Path) -> Value {
    serde_json::from_str(&run(&["eval", "--json", clusters.to_str().unwrap(), "--labels", labels.to_str().unwrap()]))
        .unwrap()
}

fn equivalence(corpus: &Path, work: &Path) -> Value {
    let records: Vec<Value> =
        std::fs::read_to_string(corpus).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let days_dir = work.join("days");
    let _ = std::fs::remove_dir_all(&days_dir);
    std::fs::create_dir_all(&days_dir).unwrap();
    let mut days: BTreeMap<String, String> = BTreeMap::new();
    for r in &records {
        let day = r["published"].as_str().filter(|p| p.len() >= 10).map_or("~undated".into(), |p| p[..10].to_string());
        let e = days.entry(day).or_default();
        e.push_str(&r.to_string());
        e.push('\n');
    }
    let index = work.join("index-days");
    let _ = std::fs::remove_dir_all(&index);
    let start = std::time::Instant::now();
    for (day, body) in &days {
        let f = days_dir.join(format!("{day}.jsonl"));
        std::fs::write(&f, body).unwrap();
        run(&["index", "add", "-q", "-o", "/dev/null", "--index", index.to_str().unwrap(), f.to_str().unwrap()]);
    }
    let day_by_day = start.elapsed().as_secs_f64();
    let p = |name: &str| work.join(name);
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    run(&[
        "index",
        "export",
        "--index",
        &s(&index),
        "-o",
        &s(&p("ix-clusters.jsonl")),
        "--duplicates",
        &s(&p("ix-dups.jsonl")),
    ]);
    run(&["dedup", "-q", "-o", "/dev/null", "--duplicates", &s(&p("batch-dups.jsonl")), corpus.to_str().unwrap()]);
    run(&["cluster", "-q", "--no-divergence", "-o", &s(&p("batch-clusters.jsonl")), corpus.to_str().unwrap()]);
    let groups = |path: &Path| -> std::collections::BTreeSet<Vec<String>> {
        let mut by: HashMap<String, Vec<String>> = HashMap::new();
        for l in std::fs::read_to_string(path).unwrap().lines() {
            let v: Value = serde_json::from_str(l).unwrap();
            let keeper = v["duplicate_of"].to_string();
            by.entry(keeper.clone()).or_insert_with(|| vec![keeper]).push(v["id"].to_string());
        }
        by.into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect()
    };
    let (batch_groups, index_groups) = (groups(&p("batch-dups.jsonl")), groups(&p("ix-dups.jsonl")));
    let mut labels = String::new();
    for l in std::fs::read_to_string(p("batch-clusters.jsonl")).unwrap().lines() {
        let c: Value = serde_json::from_str(l).unwrap();
        for m in c["members"].as_array().unwrap() {
            labels.push_str(&json!({"id": m["id"], "event": c["cluster"]}).to_string());
            labels.push('\n');
        }
    }
    std::fs::write(p("batch-labels.jsonl"), labels).unwrap();
    let vs_batch = eval(&p("ix-clusters.jsonl"), &p("batch-labels.jsonl"));
    let events = manifest_dir().join("data/events/labels.jsonl");
    let index_events = eval(&p("ix-clusters.jsonl"), &events);
    let batch_events = eval(&p("batch-clusters.jsonl"), &events);
    let result = json!({
        "days": days.len(),
        "day_by_day_seconds": day_by_day,
        "batch_groups": batch_groups.len(),
        "index_groups": index_groups.len(),
        "groups_identical": batch_groups == index_groups,
        "groups_only_in_batch": batch_groups.difference(&index_groups).count(),
        "groups_only_in_index": index_groups.difference(&batch_groups).count(),
        "clusters_vs_batch_bcubed": vs_batch["bcubed"],
        "labelled_events_index": index_events["bcubed"],
        "labelled_events_batch": batch_events["bcubed"],
    });
    println!("equivalence: {}", serde_json::to_string_pretty(&result).unwrap());
    result
}

/// The word map of copy `c`: each word to the word `c` places further in
/// its frequency band.
struct Vocab {
    rank: HashMap<String, usize>,
    words: Vec<String>,
}

impl Vocab {
    fn new(records: &[Value]) -> Self {
        let mut freq: HashMap<&str, u64> = HashMap::new();
        for r in records {
            for f in ["title", "text"] {
                for w in r[f].as_str().unwrap_or("").split(' ') {
                    *freq.entry(w).or_default() += 1;
                }
            }
        }
        let mut words: Vec<(&str, u64)> = freq.into_iter().collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let words: Vec<String> = words.into_iter().map(|w| w.0.to_string()).collect();
        let rank = words.iter().enumerate().map(|(i, w)| (w.clone(), i)).collect();
        Self { rank, words }
    }

    fn map(&self, text: &str, c: usize) -> String {
        let mut out = String::with_capacity(text.len());
        for (i, w) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let r = self.rank[w];
            let start = r / BAND * BAND;
            let len = BAND.min(self.words.len() - start);
            out.push_str(&self.words[start + (r - start + c) % len]);
        }
        out
    }
}

fn shifted(published: &Value, days: i64) -> Value {
    let Some(p) = published.as_str().and_then(|s| parse_published(s).ok()) else { return published.clone() };
    let moved = riwaya::date::Published { unix: p.unix + days * 86_400, date_only: p.date_only };
    Value::from(moved.to_string())
}

fn copy_of(records: &[Value], vocab: &Vocab, c: usize) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["id"] = Value::from(format!("c{c}-{}", r["id"].as_str().map_or(r["id"].to_string(), str::to_string)));
            for f in ["title", "text"] {
                if let Some(t) = r[f].as_str() {
                    r[f] = Value::from(vocab.map(t, c));
                }
            }
            r["published"] = shifted(&r["published"], c as i64 * SHIFT_DAYS);
            r
        })
        .collect()
}

fn write_jsonl(path: &Path, records: &[Value]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for r in records {
        serde_json::to_writer(&mut f, r).unwrap();
        f.write_all(b"\n").unwrap();
    }
    f.flush().unwrap();
}

fn stats(index: &Path) -> Value {
    serde_json::from_str(&run(&["index", "stats", "--json", "--index", index.to_str().unwrap()])).unwrap()
}

fn speed(corpus: &Path, work: &Path) -> Value {
    let records: Vec<Value> =
        std::fs::read_to_string(corpus).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let vocab = Vocab::new(&records);
    let index = work.join("index-1m");
    let target = (records.len() * COPIES) as u64;
    let built =
        std::fs::metadata(index.join("MANIFEST.json")).is_ok() && stats(&index)["articles"].as_u64() == Some(target);
    if !built {
        let _ = std::fs::remove_dir_all(&index);
        for c in 0..COPIES {
            let f = work.join("copy.jsonl");
            write_jsonl(&f, &copy_of(&records, &vocab, c));
            let start = std::time::Instant::now();
            run(&["index", "add", "-q", "-o", "/dev/null", "--index", index.to_str().unwrap(), f.to_str().unwrap()]);
            println!("built copy {c}: {:.1} s", start.elapsed().as_secs_f64());
        }
    }
    let base = stats(&index);
    println!("index: {} articles, {} bytes per article", base["articles"], base["bytes_per_article"]);
    // Three days of 2,000 articles, dated on three busy days of the last
    // copy (12 to 14 March 2018, moved as copy 23 is), so that the window
    // holds a full week of stories: 1,800 articles of a 25th copy (new
    // text) and 200 reposts of the last copy's articles of those weeks (new
    // ids, same text: near-duplicates of indexed articles).
    let by_time = |copy: Vec<Value>| {
        let mut v: Vec<Value> = copy.into_iter().filter(|r| r["published"].is_string()).collect();
        v.sort_by_key(|r| parse_published(r["published"].as_str().unwrap()).map(|p| p.unix).unwrap_or(0));
        v
    };
    let fresh = by_time(copy_of(&records, &vocab, COPIES));
    let reposts = by_time(copy_of(&records, &vocab, COPIES - 1));
    let shift = (COPIES as i64 - 1) * SHIFT_DAYS;
    let first_day = parse_published("2018-03-12").unwrap().unix / 86_400 + shift;
    let start_of = |v: &[Value], day: i64| {
        v.partition_point(|r| {
            parse_published(r["published"].as_str().unwrap()).map(|p| p.unix).unwrap_or(0) < day * 86_400
        })
    };
    let scratch = work.join("index-1m-run");
    let _ = std::fs::remove_dir_all(&scratch);
    // Work on a copy so the cached index stays at exactly 1,000,464.
    let status = Command::new("cp").arg("-r").arg(&index).arg(&scratch).status().unwrap();
    assert!(status.success());
    let mut runs = Vec::new();
    for d in 0..3 {
        let day_no = first_day + d as i64;
        let a = start_of(&fresh, day_no - 10);
        let b = start_of(&reposts, day_no - 3);
        let picked = fresh[a..a + DAY_ARTICLES - DAY_ARTICLES / 10].iter().chain(&reposts[b..b + DAY_ARTICLES / 10]);
        let day: Vec<Value> = picked
            .enumerate()
            .map(|(i, r)| {
                let mut r = r.clone();
                r["id"] = Value::from(format!("day{d}-{i}"));
                let t = day_no * 86_400 + (i as i64 * 43) % 86_400;
                r["published"] = Value::from(riwaya::date::Published { unix: t, date_only: false }.to_string());
                r
            })
            .collect();
        let f = work.join(format!("day{d}.jsonl"));
        write_jsonl(&f, &day);
        let summary = work.join(format!("day{d}-summary.json"));
        let m = measure(
            Command::new(bin())
                .args(["index", "add", "-q", "--threads", "2", "-o", "/dev/null", "--summary"])
                .arg(&summary)
                .arg("--index")
                .arg(&scratch)
                .arg(&f),
        );
        let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        println!(
            "day {d}: {} articles ({} near-duplicates) into {} in {:.2} s, peak RSS {:.0} MB; stages {}",
            s["added"],
            s["near_duplicates"],
            base["articles"].as_u64().unwrap() + (d * DAY_ARTICLES) as u64,
            m.wall,
            m.max_rss_kb as f64 / 1024.0,
            s["timings_seconds"]
        );
        runs.push(json!({"wall_seconds": m.wall, "peak_rss_mb": m.max_rss_kb as f64 / 1024.0, "summary": s}));
    }
    let after = stats(&scratch);
    json!({ "index_articles": base["articles"], "bytes_per_article": base["bytes_per_article"], "size_bytes": base["size_bytes"], "days": runs, "after": after })
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Some(corpus) = plain_corpus() else {
        eprintln!("index bench: ../shared/corpus not found; skipped");
        return;
    };
    let work = manifest_dir().join("target/bench-data");
    let mut results = serde_json::Map::new();
    if std::env::var("RIWAYA_INDEX_EQUIVALENCE").as_deref() != Ok("0") {
        results.insert("equivalence".into(), equivalence(&corpus, &work));
    }
    results.insert("speed".into(), speed(&corpus, &work));
    let out = manifest_dir().join("target/bench-results");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("index.json"), serde_json::to_string_pretty(&Value::Object(results)).unwrap()).unwrap();
}
