//! Helpers shared by the integration tests: the binary, the seed articles,
//! and fixtures made from them.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The `riwaya` binary.
pub fn riwaya() -> Command {
    Command::cargo_bin("riwaya").expect("binary built")
}

pub fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// The seed article `n` (0 to 4): (title, text) as `riwaya` reads them.
pub fn seed(n: usize) -> (String, String) {
    let dir = samples();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let raw = std::fs::read_to_string(&files[n]).unwrap();
    let mut lines = raw.lines();
    let title = lines.by_ref().find(|l| !l.trim().is_empty()).unwrap().trim().to_string();
    let text: Vec<&str> = lines.collect();
    (title, text.join("\n").trim_start_matches('\n').to_string())
}

/// Writes `records` as JSON Lines.
pub fn write_jsonl(path: &Path, records: &[Value]) {
    let body: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(path, body).unwrap();
}

/// Writes `plain` zstd-compressed to `to`.
pub fn write_zstd_copy(plain: &Path, to: &Path) {
    std::fs::write(to, zstd::encode_all(&std::fs::read(plain).unwrap()[..], 3).unwrap()).unwrap();
}

/// A small news batch made from the seeds, with known near-duplicates:
/// - `eb-1` (seed 000, Enab Baladi, 27 Feb) and `sh-1`, a repost a day later
///   with a sentence added to one paragraph (Jaccard about 0.9, and longer);
/// - `wat-1` (seed 001, Al-Watan, 28 Feb) and `wire-1`, the same text filed
///   again by an agency on 1 Mar (Jaccard 1);
/// - the other seeds, unique;
/// - three empty texts (two with distinct titles), which must stay apart.
pub fn news_batch() -> Vec<Value> {
    let (t0, x0) = seed(0);
    let (t1, x1) = seed(1);
    let (t2, x2) = seed(2);
    let (t3, x3) = seed(3);
    let (t4, x4) = seed(4);
    let mut paragraphs: Vec<String> = x0.split("\n\n").map(String::from).collect();
    paragraphs[4].push_str(" وقال مصدر مطلع إن الزيارة جاءت بطلب من الجانب السوري وتناولت ملفات إقليمية عدة.");
    let repost = paragraphs.join("\n\n");
    vec![
        json!({"id": "eb-1", "source": "Enab Baladi", "published": "2022-02-27T14:00:00+03:00", "title": t0, "text": x0, "url": "https://example.org/eb-1"}),
        json!({"id": "wat-1", "source": "Al-Watan", "published": "2022-02-28T08:00:00+03:00", "title": t1, "text": x1}),
        json!({"id": "sh-1", "source": "Syria Home", "published": "2022-02-28T10:00:00+03:00", "title": t0, "text": repost, "extra": {"kept": [1, 2]}}),
        json!({"id": 7, "source": null, "published": "2022-03-01", "title": t2, "text": x2}),
        json!({"id": "alam-1", "source": "Al-Alam", "published": "2017-01-08", "title": t3, "text": x3}),
        json!({"id": "wire-1", "source": "Wire", "published": "2022-03-01T09:00:00Z", "title": t1, "text": x1}),
        json!({"id": "araby-1", "source": "Al-Araby Al-Jadeed", "published": "2024-03-18", "title": t4, "text": x4}),
        json!({"id": "empty-1", "title": "عاجل", "text": ""}),
        json!({"id": "empty-2", "title": "خبر آخر مختلف", "text": ""}),
        json!({"id": "empty-3", "text": ""}),
    ]
}

/// Ids of the records of a JSON Lines output, in order.
pub fn ids(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            match &v["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        })
        .collect()
}

/// The JSON objects of a JSON Lines output.
pub fn objects(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}
