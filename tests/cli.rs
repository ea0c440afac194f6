//! The command-line contract (DESIGN sections 8 and 9): exit codes, pipes,
//! atomic output files.

mod common;

use common::*;
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn usage_errors_exit_with_2() {
    for args in [
        &["dedup", "--threshold", "1.5"][..],
        &["dedup", "--threshold", "0"],
        &["dedup", "--containment", "2"],
        &["dedup", "--keep", "newest"],
        &["dedup", "--keep", "source-priority"],
        &["dedup", "--threads", "0"],
        &["dedup", "--shingle", "word:0"],
        &["dedup", "--minhash", "simhash"],
        &["dedup", "--num-hashes", "8"],
        &["dedup", "--field", "author=byline"],
        &["dedup", "--field", "text"],
        &["dedup", "--rejects", "r.jsonl"],
        &["dedup", "--no-such-flag"],
        &["no-such-command"],
    ] {
        let out = riwaya().args(args).arg(samples()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(!out.stderr.is_empty());
    }
    let out = riwaya().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("dedup"));
}

#[test]
fn a_bad_config_file_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[boilerplate]\nmin_doc = 3\n").unwrap();
    let out = riwaya().arg("dedup").arg("--config").arg(&config).arg(samples()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("bad.toml") && err.contains("min_doc"), "{err}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let mut records = Vec::new();
    for copy in 0..300 {
        for (i, mut r) in news_batch().into_iter().enumerate() {
            r["id"] = serde_json::json!(format!("{copy}-{i}"));
            r["text"] = serde_json::json!(format!("{} {copy}", r["text"].as_str().unwrap()));
            records.push(r);
        }
    }
    write_jsonl(&input, &records);
    // Like `riwaya dedup big.jsonl | head -c 100`.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("riwaya"))
        .arg("dedup")
        .arg(&input)
        .arg("-q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn output_files_are_replaced_atomically_and_devices_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    std::fs::write(&out, "previous\n").unwrap();
    // A failing run leaves the previous output untouched and no temporary.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": 1, \"text\": \"x\"}\nnot json\n").unwrap();
    let status = riwaya().arg("dedup").arg(&bad).arg("-o").arg(&out).output().unwrap().status;
    assert_eq!(status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous\n");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A successful run replaces it.
    let status = riwaya().arg("dedup").arg(samples()).arg("-o").arg(&out).arg("-q").output().unwrap().status;
    assert!(status.success());
    assert_eq!(ids(&std::fs::read(&out).unwrap()), ["000", "001", "002", "003", "004"]);
    // /dev/null stays a device.
    let status = riwaya()
        .arg("dedup")
        .arg(samples())
        .args(["-o", "/dev/null", "--duplicates", "/dev/null", "-q"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
}
