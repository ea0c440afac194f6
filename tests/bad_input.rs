//! Bad input, each case through the binary: a clear message naming file,
//! line and reason with exit code 1, or, with `--skip-invalid`, the record
//! skipped, counted and listed while the run goes on. Never a panic, never a
//! silent loss.

mod common;

use common::*;
use serde_json::json;
use std::io::Write;
use std::path::Path;

/// A file with a good record, `bad` on line 2, and another good record.
fn with_bad_line(dir: &Path, bad: &[u8]) -> std::path::PathBuf {
    let (t, x) = seed(2);
    let (t4, x4) = seed(4);
    let mut body = Vec::new();
    body.extend(json!({"id": "good-1", "title": t, "text": x}).to_string().as_bytes());
    body.push(b'\n');
    body.extend(bad);
    body.push(b'\n');
    body.extend(json!({"id": "good-2", "title": t4, "text": x4}).to_string().as_bytes());
    body.push(b'\n');
    let p = dir.join("in.jsonl");
    std::fs::write(&p, body).unwrap();
    p
}

/// Runs dedup on `input`; checks exit 1 and a message naming `file:2` with
/// `reason`; then with --skip-invalid checks the good records are kept and
/// the problem counted as `kind`.
fn rejected(bad: &[u8], reason: &str, kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = with_bad_line(dir.path(), bad);
    let out = riwaya().arg("dedup").arg(&input).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("{}:2: ", input.display())), "location missing: {err}");
    assert!(err.contains(reason), "reason {reason:?} missing: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "nothing is written when the run stops");

    let out = riwaya().arg("dedup").arg(&input).arg("--skip-invalid").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(ids(&out.stdout), ["good-1", "good-2"]);
    assert!(err.contains(&format!("skipped 1 bad records: 1 {kind}")), "{err}");
    assert!(err.contains(&format!("{}:2: ", input.display())), "{err}");
}

#[test]
fn invalid_json() {
    rejected(b"{\"id\": \"x\", \"text\": \"unterminated", "not a valid JSON object", "invalid_json");
    rejected(b"[\"an\", \"array\"]", "not a valid JSON object", "invalid_json");
    rejected(b"{\"id\": 1, \"text\": \"a\"} {\"id\": 2}", "trailing characters", "invalid_json");
}

#[test]
fn missing_id_or_text() {
    rejected(b"{\"text\": \"no id here\"}", "no \"id\" field", "missing_id");
    rejected(b"{\"id\": \"\", \"text\": \"empty id\"}", "\"id\" is empty", "missing_id");
    rejected(b"{\"id\": \"x\", \"title\": \"no text\"}", "no \"text\" field", "missing_text");
    rejected(b"{\"id\": \"x\", \"text\": null}", "no \"text\" field", "missing_text");
    rejected(b"{\"id\": 1.5, \"text\": \"x\"}", "must be a string or an integer", "bad_field");
}

#[test]
fn non_utf8_bytes() {
    rejected(b"{\"id\": \"x\", \"text\": \"caf\xe9\"}", "not valid UTF-8", "not_utf8");
}

#[test]
fn bad_dates() {
    rejected(b"{\"id\": \"x\", \"text\": \"t\", \"published\": \"27/02/2022\"}", "is not a date", "bad_date");
    rejected(
        b"{\"id\": \"x\", \"text\": \"t\", \"published\": \"2022-02-30\"}",
        "not a real calendar date",
        "bad_date",
    );
}

#[test]
fn duplicate_ids() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("dup.jsonl");
    write_jsonl(
        &input,
        &[json!({"id": "a", "text": "أول"}), json!({"id": "b", "text": "ثان"}), json!({"id": "a", "text": "ثالث"})],
    );
    let out = riwaya().arg("dedup").arg(&input).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains(&format!(
            "{}:3: id \"a\" is already used by the article at {}:1",
            input.display(),
            input.display()
        )),
        "{err}"
    );
    // An integer id and the same digits as a string are the same id.
    write_jsonl(&input, &[json!({"id": 17, "text": "x"}), json!({"id": "17", "text": "y"})]);
    assert_eq!(riwaya().arg("dedup").arg(&input).output().unwrap().status.code(), Some(1));
    let out = riwaya().arg("dedup").arg(&input).arg("--skip-invalid").output().unwrap();
    assert!(out.status.success());
    assert_eq!(ids(&out.stdout), ["17"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 duplicate_id"));
}

#[test]
fn empty_and_very_short_texts_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.jsonl");
    let mut records = vec![json!({"id": "with-text", "text": ""})];
    for i in 0..300 {
        records.push(json!({"id": format!("e{i}"), "text": ""}));
        records.push(json!({"id": format!("p{i}"), "text": "، . ! ؟"}));
        records.push(json!({"id": format!("s{i}"), "text": "و"}));
    }
    write_jsonl(&input, &records);
    let out = riwaya()
        .arg("dedup")
        .arg(&input)
        .arg("--duplicates")
        .arg("-")
        .arg("-o")
        .arg(dir.path().join("k"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "no empty text is a duplicate of another");
    assert_eq!(std::fs::read_to_string(dir.path().join("k")).unwrap().lines().count(), 901);
    // Identical one-word headlines, however, are duplicates.
    write_jsonl(
        &input,
        &[json!({"id": 1, "title": "عاجل جدا", "text": ""}), json!({"id": 2, "title": "عاجل جدا", "text": ""})],
    );
    let out = riwaya().arg("dedup").arg(&input).arg("-q").output().unwrap();
    assert_eq!(ids(&out.stdout), ["1"]);
}

#[test]
fn a_fifty_megabyte_article() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = seed(0);
    let mut huge = String::with_capacity(52 << 20);
    let mut i = 0;
    while huge.len() < 50 << 20 {
        huge.push_str(&text.replace("طهران", &format!("طهران {i}")));
        huge.push('\n');
        i += 1;
    }
    let input = dir.path().join("huge.jsonl");
    let (t, x) = seed(3);
    write_jsonl(&input, &[json!({"id": "huge", "text": huge}), json!({"id": "normal", "title": t, "text": x})]);
    assert!(std::fs::metadata(&input).unwrap().len() > 50 << 20);
    let out = riwaya().arg("dedup").arg(&input).arg("-o").arg(dir.path().join("k")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kept = std::fs::read(dir.path().join("k")).unwrap();
    assert_eq!(kept, std::fs::read(&input).unwrap(), "both kept, byte for byte");
}

#[test]
fn an_empty_file_is_no_articles_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("empty.jsonl");
    std::fs::write(&input, "\n\n").unwrap();
    let out = riwaya().arg("dedup").arg(&input).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains("read 0 articles"), "{err}");
    assert!(err.contains(&format!("warning: {}: no articles", input.display())), "{err}");
}

fn truncated(compress: fn(&[u8]) -> Vec<u8>, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    // Noise words make the data compress like real text, into many blocks.
    let mut g = riwaya::hash::SplitMix64::new(1);
    let mut records = Vec::new();
    for copy in 0..40 {
        for (i, mut r) in news_batch().into_iter().enumerate() {
            r["id"] = json!(format!("{copy}-{i}"));
            let noise: Vec<String> = (0..400).map(|_| format!("{:x}", g.next())).collect();
            r["noise"] = json!(noise.join(" "));
            records.push(r);
        }
    }
    let body: String = records.iter().map(|r| format!("{r}\n")).collect();
    let packed = compress(body.as_bytes());
    let input = dir.path().join(name);
    std::fs::write(&input, &packed[..packed.len() * 2 / 3]).unwrap();
    let out = riwaya().arg("dedup").arg(&input).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&input.display().to_string()) && err.contains("ends early or is damaged"), "{err}");
    assert!(err.contains("the rest of the file is lost"), "{err}");
    let out =
        riwaya().arg("dedup").arg(&input).arg("--skip-invalid").arg("-o").arg(dir.path().join("k")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 truncated"), "{err}");
    let kept = std::fs::read_to_string(dir.path().join("k")).unwrap();
    assert!(kept.lines().count() > 10, "the complete records before the damage are read");
    // cluster keeps a decompressed copy of what it could read, to measure
    // the stories: every complete record (kept by dedup or removed as a
    // near-duplicate) is in exactly one story.
    let dups = dir.path().join("d");
    let dedup = riwaya().arg("dedup").arg(&input).arg("--skip-invalid").arg("--duplicates").arg(&dups).output();
    assert!(dedup.unwrap().status.success());
    let removed = std::fs::read_to_string(&dups).unwrap().lines().count();
    let out =
        riwaya().arg("cluster").arg(&input).arg("--skip-invalid").arg("-o").arg(dir.path().join("c")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 truncated"), "{err}");
    let clustered: usize = std::fs::read_to_string(dir.path().join("c"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["members"].as_array().unwrap().len())
        .sum();
    assert_eq!(clustered, kept.lines().count() + removed);
}

#[test]
fn truncated_gzip() {
    truncated(
        |b| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(b).unwrap();
            e.finish().unwrap()
        },
        "cut.jsonl.gz",
    );
}

#[test]
fn truncated_zstd() {
    truncated(|b| zstd::encode_all(b, 3).unwrap(), "cut.jsonl.zst");
}

#[test]
fn a_directory_without_articles() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "nothing here").unwrap();
    let out = riwaya().arg("dedup").arg(dir.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(&dir.path().display().to_string()) && err.contains("no article files found"), "{err}");
}

#[test]
fn a_missing_file() {
    let out = riwaya().args(["dedup", "/nonexistent/news.jsonl"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("/nonexistent/news.jsonl") && err.contains("No such file"), "{err}");
}

#[test]
fn many_problems_are_all_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let mut body = String::new();
    for i in 0..250 {
        body.push_str(&format!("{{\"id\": \"ok{i}\", \"text\": \"نص رقم {i} مختلف\"}}\n"));
        body.push_str("not json\n");
    }
    std::fs::write(&input, body).unwrap();
    let out = riwaya().arg("dedup").arg(&input).arg("--skip-invalid").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert_eq!(ids(&out.stdout).len(), 250);
    assert!(err.contains("skipped 250 bad records: 250 invalid_json"), "{err}");
    // The first hundred are listed, all are counted, and --rejects has all.
    assert!(err.contains(":200: ") && !err.contains(":202: ") && err.contains("... and 150 more"), "{err}");
    let rejects = dir.path().join("rejects.jsonl");
    let out = riwaya()
        .arg("dedup")
        .arg(&input)
        .arg("--skip-invalid")
        .arg("--rejects")
        .arg(&rejects)
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success());
    let all = objects(&std::fs::read(&rejects).unwrap());
    assert_eq!(all.len(), 250);
    assert_eq!(
        all[249],
        json!({"file": input.display().to_string(), "line": 500, "kind": "invalid_json", "reason": "not a valid JSON object: expected ident (column 2)"})
    );
}
