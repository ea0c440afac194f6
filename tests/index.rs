//! `riwaya index`: a persistent index fed day by day.

mod common;

use common::{news_batch, objects, riwaya, samples, seed, write_jsonl};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn add(index: &Path, inputs: &[&Path], extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = riwaya();
    cmd.args(["index", "add", "-q", "--index"]).arg(index).args(extra);
    for i in inputs {
        cmd.arg(i);
    }
    cmd.assert()
}

fn export(index: &Path) -> Vec<Value> {
    let out = riwaya().args(["index", "export", "--index"]).arg(index).assert().success();
    objects(&out.get_output().stdout)
}

fn stats(index: &Path) -> Value {
    let out = riwaya().args(["index", "stats", "--json", "--index"]).arg(index).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// Every file of the index but its lock, with contents.
fn snapshot(index: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "LOCK")
        .map(|e| (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn member_ids(cluster: &Value) -> Vec<String> {
    cluster["members"].as_array().unwrap().iter().map(|m| m["id"].to_string().trim_matches('"').to_string()).collect()
}

#[test]
fn the_seeds_cluster_in_an_index_and_adding_them_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let summary = dir.path().join("summary.json");
    let out = add(&index, &[&samples()], &["--summary", summary.to_str().unwrap()]).success();
    let clusters = objects(&out.get_output().stdout);
    let groups: BTreeSet<Vec<String>> = clusters.iter().map(member_ids).collect();
    let expected: BTreeSet<Vec<String>> = [vec!["000", "001", "002"], vec!["003"], vec!["004"]]
        .iter()
        .map(|v| v.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(groups, expected);
    assert!(clusters.iter().all(|c| c["status"] == "new"));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["added"], 5);
    assert_eq!(s["clusters"]["new"].as_array().unwrap().len(), 3);
    assert!(s["timings_seconds"]["read+sign"].is_number());
    let st = stats(&index);
    assert_eq!((st["articles"].as_u64(), st["clusters"].as_u64()), (Some(5), Some(3)));
    assert_eq!(st["last_run"]["added"], 5);
    assert!(st["scheme"]["fingerprint"].as_str().unwrap().len() == 16);

    // Again: nothing new, no file touched.
    let before = snapshot(&index);
    let out = add(&index, &[&samples()], &["--summary", summary.to_str().unwrap()]).success();
    assert!(out.get_output().stdout.is_empty(), "no cluster changed");
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!((s["added"].as_u64(), s["already_present"].as_u64()), (Some(0), Some(5)));
    assert_eq!(snapshot(&index), before);
    // The export is the same clusters.
    let exported: BTreeSet<Vec<String>> = export(&index).iter().map(member_ids).collect();
    assert_eq!(exported, expected);
}

#[test]
fn a_changed_text_is_an_error_unless_updated() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let (t, x) = seed(0);
    let day1 = dir.path().join("day1.jsonl");
    write_jsonl(&day1, &[json!({"id": "a", "published": "2022-02-27", "title": t, "text": x})]);
    add(&index, &[&day1], &[]).success();
    let changed = dir.path().join("changed.jsonl");
    let (t3, x3) = seed(3);
    write_jsonl(
        &changed,
        &[
            json!({"id": "b", "published": "2022-02-27", "title": t3, "text": x3}),
            json!({"id": "a", "published": "2022-02-27", "title": t, "text": format!("{x}\nتصحيح: أضيفت فقرة.")}),
        ],
    );
    let before = snapshot(&index);
    let err = add(&index, &[&changed], &[]).failure().code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(msg.contains("changed.jsonl:2") && msg.contains("\"a\"") && msg.contains("--update"), "{msg}");
    assert_eq!(snapshot(&index), before, "a failed run changes nothing");
    let summary = dir.path().join("s.json");
    add(&index, &[&changed], &["--update", "--summary", summary.to_str().unwrap()]).success();
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!((s["added"].as_u64(), s["updated"].as_u64()), (Some(1), Some(1)));
    let st = stats(&index);
    assert_eq!(st["articles"], 2, "the old version is gone");
    let ids: Vec<String> = export(&index).iter().flat_map(member_ids).collect();
    assert_eq!(ids.iter().filter(|i| *i == "a").count(), 1);
}

/// Word sequences whose 5-shingle sets have known Jaccard similarities.
fn words(range: std::ops::Range<usize>) -> String {
    range.map(|i| format!("كلمة{i}")).collect::<Vec<_>>().join(" ")
}

#[test]
fn clusters_keep_their_ids_as_they_grow_and_the_older_survives_a_merge() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    // A and B overlap too little to be near-duplicates (Jaccard 0.78) and,
    // at a story threshold of 0.99, are separate stories; C, a day later,
    // is a near-duplicate of both (0.88 each), which unites them.
    let strict = ["--story-threshold", "0.99"];
    let day1 = dir.path().join("d1.jsonl");
    write_jsonl(
        &day1,
        &[
            json!({"id": "A", "source": "one", "published": "2022-05-01T08:00:00Z", "text": words(0..100)}),
            json!({"id": "B", "source": "two", "published": "2022-05-01T09:00:00Z", "text": words(12..112)}),
        ],
    );
    let out = add(&index, &[&day1], &strict).success();
    let first = objects(&out.get_output().stdout);
    assert_eq!(first.len(), 2, "two stories");
    let id_of = |cs: &[Value], member: &str| {
        cs.iter().find(|c| member_ids(c).contains(&member.to_string())).unwrap()["cluster"].clone()
    };
    let (sa, sb) = (id_of(&first, "A"), id_of(&first, "B"));
    // A repost of A: A's story grows and keeps its id.
    let day2 = dir.path().join("d2.jsonl");
    write_jsonl(
        &day2,
        &[json!({"id": "A2", "source": "three", "published": "2022-05-02T08:00:00Z", "text": words(0..100)})],
    );
    let out = add(&index, &[&day2], &strict).success();
    let grown = objects(&out.get_output().stdout);
    assert_eq!(grown.len(), 1);
    assert_eq!(grown[0]["cluster"], sa);
    assert_eq!(grown[0]["status"], "grown");
    assert_eq!(member_ids(&grown[0]), ["A", "A2"]);
    let a2 = &grown[0]["members"][1];
    assert_eq!((a2["duplicate_of"].as_str(), a2["added"].as_bool()), (Some("A"), Some(true)));
    // C unites the two stories; the older id survives and the merge is said.
    let day3 = dir.path().join("d3.jsonl");
    write_jsonl(
        &day3,
        &[json!({"id": "C", "source": "four", "published": "2022-05-02T10:00:00Z", "text": words(6..106)})],
    );
    let out = add(&index, &[&day3], &strict).success();
    let merged = objects(&out.get_output().stdout);
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert_eq!(merged[0]["cluster"], sa);
    assert_eq!(merged[0]["status"], "merged");
    assert_eq!(merged[0]["merged_from"], json!([sb]));
    assert_eq!(member_ids(&merged[0]), ["A", "B", "A2", "C"]);
    // C made one near-duplicate group of A's and B's: A, the earliest, is
    // everyone's keeper, in the run's output and in the export.
    let keepers = |c: &Value| -> Vec<Option<String>> {
        c["members"].as_array().unwrap().iter().map(|m| m["duplicate_of"].as_str().map(String::from)).collect()
    };
    let a = Some("A".to_string());
    assert_eq!(keepers(&merged[0]), [None, a.clone(), a.clone(), a.clone()]);
    let all = export(&index);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["cluster"], sa);
    assert_eq!(keepers(&all[0]), [None, a.clone(), a.clone(), a]);
    assert_eq!(stats(&index)["story_merges"], 1);
}

/// Partition of articles into near-duplicate groups from `{"id",
/// "duplicate_of"}` lines.
fn dup_groups(lines: &[Value]) -> BTreeSet<BTreeSet<String>> {
    let mut group: BTreeMap<String, String> = BTreeMap::new();
    for l in lines {
        group.insert(l["id"].to_string(), l["duplicate_of"].to_string());
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, keeper) in &group {
        let e = out.entry(keeper.clone()).or_default();
        e.insert(id.clone());
        e.insert(keeper.clone());
    }
    out.into_values().collect()
}

#[test]
fn adding_day_by_day_gives_the_batch_groups_and_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let batch = news_batch();
    let all = dir.path().join("all.jsonl");
    write_jsonl(&all, &batch);
    // One file per day, in date order; undated last.
    let mut days: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in &batch {
        let day = r["published"].as_str().map_or("~undated".to_string(), |p| p[..10].to_string());
        days.entry(day).or_default().push(r.clone());
    }
    for (day, records) in &days {
        let f = dir.path().join(format!("{day}.jsonl"));
        write_jsonl(&f, records);
        add(&index, &[&f], &[]).success();
    }
    let batch_dups = dir.path().join("dups.jsonl");
    riwaya().args(["dedup", "-q", "-o", "/dev/null", "--duplicates"]).arg(&batch_dups).arg(&all).assert().success();
    let index_dups = dir.path().join("ixdups.jsonl");
    riwaya()
        .args(["index", "export", "-o", "/dev/null", "--index"])
        .arg(&index)
        .arg("--duplicates")
        .arg(&index_dups)
        .assert()
        .success();
    let read = |p: &PathBuf| objects(&std::fs::read(p).unwrap());
    let expected = dup_groups(&read(&batch_dups));
    assert_eq!(expected.len(), 2, "the fixture's two pairs");
    assert_eq!(dup_groups(&read(&index_dups)), expected);

    let out = riwaya().args(["cluster", "-q", "--no-divergence"]).arg(&all).assert().success();
    let partition = |cs: &[Value]| -> BTreeSet<Vec<String>> {
        cs.iter()
            .map(|c| {
                let mut v = member_ids(c);
                v.sort();
                v
            })
            .collect()
    };
    assert_eq!(partition(&export(&index)), partition(&objects(&out.get_output().stdout)));
}

#[test]
fn another_scheme_or_a_newer_format_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    add(&index, &[&samples()], &[]).success();
    let err = add(&index, &[&samples()], &["--dup-threshold", "0.5"]).failure().code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(msg.contains("another signature scheme") && msg.contains("Use the same options"), "{msg}");
    let manifest = index.join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"format\": 1", "\"format\": 9")).unwrap();
    for args in [vec!["index", "stats", "--index"], vec!["index", "export", "--index"]] {
        let err = riwaya().args(args).arg(&index).assert().failure().code(1);
        let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
        assert!(msg.contains("format 9") && msg.contains("newer riwaya") && msg.contains("Upgrade"), "{msg}");
    }
    let err = riwaya().args(["index", "stats", "--index"]).arg(dir.path().join("none")).assert().failure().code(1);
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("no index here"));
}

#[test]
fn a_second_run_fails_clearly_while_the_index_is_locked() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    add(&index, &[&samples()], &[]).success();
    let lock = std::fs::OpenOptions::new().read(true).write(true).open(index.join("LOCK")).unwrap();
    // SAFETY: flock on a descriptor we own.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }, 0);
    let before = snapshot(&index);
    let err = add(&index, &[&samples()], &[]).failure().code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(msg.contains("in use by another riwaya run") && msg.contains("--wait"), "{msg}");
    assert_eq!(snapshot(&index), before);
    drop(lock);
    add(&index, &[&samples()], &[]).success();
}

#[test]
fn prune_removes_old_articles_and_keeps_cluster_ids() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("ix");
    let out = add(&index, &[&samples()], &[]).success();
    let before = objects(&out.get_output().stdout);
    riwaya().args(["index", "prune", "-q", "--older-than", "2022-02-28", "--index"]).arg(&index).assert().success();
    // 003 (2017) and 000 (27 Feb 2022) are gone; E1 keeps its id.
    let after = export(&index);
    let ids: BTreeSet<String> = after.iter().flat_map(member_ids).collect();
    assert_eq!(ids, ["001", "002", "004"].iter().map(|s| s.to_string()).collect());
    let e1 = before.iter().find(|c| member_ids(c).len() == 3).unwrap();
    assert!(after.iter().any(|c| c["cluster"] == e1["cluster"] && member_ids(c) == ["001", "002"]));
    let st = stats(&index);
    assert_eq!((st["articles"].as_u64(), st["clusters"].as_u64()), (Some(3), Some(2)));
    assert_eq!(st["last_run"]["removed"], 2);
    // A pruned article can come back.
    let out = add(&index, &[&samples()], &[]).success();
    assert!(!out.get_output().stdout.is_empty());
    assert_eq!(stats(&index)["articles"], 5);
}

/// `n` articles over ten days, each 150 words drawn from the seeds'
/// vocabulary by a fixed generator: realistic lengths, mostly unrelated.
fn synthetic(n: usize, prefix: &str) -> Vec<Value> {
    let mut vocab: Vec<String> =
        (0..5).flat_map(|s| seed(s).1.split_whitespace().map(String::from).collect::<Vec<_>>()).collect();
    vocab.sort();
    vocab.dedup();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    (0..n)
        .map(|i| {
            let text: Vec<&str> = (0..150).map(|_| vocab[next() % vocab.len()].as_str()).collect();
            json!({
                "id": format!("{prefix}{i}"),
                "source": format!("outlet{}", i % 7),
                "published": format!("2023-01-{:02}T{:02}:00:00Z", 1 + i % 10, i % 24),
                "title": text[..8].join(" "),
                "text": text.join(" "),
            })
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_state_before_or_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let first = dir.path().join("first.jsonl");
    write_jsonl(&first, &synthetic(1500, "old-"));
    add(&base, &[&first], &[]).success();
    let batch = dir.path().join("batch.jsonl");
    let mut records = synthetic(2500, "new-");
    // Near-duplicates of indexed articles, so the run also merges groups.
    records.extend(synthetic(40, "old-").into_iter().enumerate().map(|(i, mut r)| {
        r["id"] = json!(format!("repost-{i}"));
        r
    }));
    write_jsonl(&batch, &records);

    let before = export(&base);
    let reference = dir.path().join("reference");
    copy_dir(&base, &reference);
    let started = std::time::Instant::now();
    add(&reference, &[&batch], &[]).success();
    let duration = started.elapsed();
    let after = export(&reference);
    assert_ne!(before, after);
    let (n_before, n_after) = (1500, 1500 + 2540);

    let bin = assert_cmd::cargo::cargo_bin("riwaya");
    let kills = 16;
    let mut seen = BTreeMap::new();
    for k in 0..kills {
        let victim = dir.path().join(format!("victim{k}"));
        copy_dir(&base, &victim);
        let mut child = std::process::Command::new(&bin)
            .args(["index", "add", "-q", "-o", "/dev/null", "--index"])
            .arg(&victim)
            .arg(&batch)
            .spawn()
            .unwrap();
        // Half spread over the run, half dense near its end, where the
        // commit happens.
        let share = if k < kills / 2 { 0.1 * (k + 1) as f64 } else { 0.8 + 0.03 * (k - kills / 2) as f64 };
        let at = duration.mul_f64(share);
        std::thread::sleep(at);
        // SAFETY: sending a signal to our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let status = child.wait().unwrap();
        let state = export(&victim);
        let articles = stats(&victim)["articles"].as_u64().unwrap();
        let which = if state == before {
            assert_eq!(articles, n_before);
            "before"
        } else {
            assert!(state == after, "kill {k} at {at:?} left a state that is neither before nor after the run");
            assert_eq!(articles, n_after);
            "after"
        };
        *seen.entry(which).or_insert(0) += 1;
        let _ = status;
        // The next run succeeds and ends in the after state.
        add(&victim, &[&batch], &[]).success();
        assert_eq!(export(&victim), after);
        std::fs::remove_dir_all(&victim).unwrap();
    }
    eprintln!("kills: {seen:?}");
    assert!(seen.contains_key("before"), "some kills landed before the commit: {seen:?}");
}

/// The seeds as two days: 000 (E1), 003 and 004 first; 001 and 002 (E1) the
/// next run.
fn seed_days(dir: &Path) -> (PathBuf, PathBuf) {
    let meta = [
        ("000", "Enab Baladi", "2022-02-27"),
        ("001", "Al-Watan", "2022-02-28"),
        ("002", "", "2022-03-01"),
        ("003", "Al-Alam", "2017-01-08"),
        ("004", "Al-Araby Al-Jadeed", "2024-03-18"),
    ];
    let record = |n: usize| {
        let (title, text) = seed(n);
        let (id, source, published) = meta[n];
        let source = if source.is_empty() { Value::Null } else { source.into() };
        json!({"id": id, "source": source, "published": published, "title": title, "text": text})
    };
    let (day1, day2) = (dir.join("day1.jsonl"), dir.join("day2.jsonl"));
    write_jsonl(&day1, &[record(0), record(3), record(4)]);
    write_jsonl(&day2, &[record(1), record(2)]);
    (day1, day2)
}

/// The `data-id`s of the versions shown in full, and of those marked added.
fn shown_versions(html: &str) -> (Vec<String>, Vec<String>) {
    let (mut shown, mut added) = (Vec::new(), Vec::new());
    for part in html.split("<article class=\"version").skip(1) {
        let id = part.split("data-id=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        if part.starts_with(" added\"") {
            added.push(id.clone());
        }
        shown.push(id);
    }
    (shown, added)
}

#[test]
fn the_html_report_shows_the_changed_clusters_with_the_texts_at_hand() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = seed_days(dir.path());
    let base = dir.path().join("base");
    add(&base, &[&day1], &[]).success();
    let fresh_copy = |name: &str| {
        let ix = dir.path().join(name);
        copy_dir(&base, &ix);
        ix
    };
    let run = |ix: &Path, extra: &[&str]| -> (String, Value, Vec<Value>) {
        let html = ix.with_extension("html");
        let summary = ix.with_extension("json");
        let mut args = vec!["--html", html.to_str().unwrap(), "--summary", summary.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = add(ix, &[&day2], &args).success();
        let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
        (std::fs::read_to_string(&html).unwrap(), s["report"].clone(), objects(&out.get_output().stdout))
    };

    // Without earlier texts: the day's two versions, compared with each
    // other; 000 is listed by id without its text.
    let (html, report, clusters) = run(&fresh_copy("plain"), &[]);
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["status"], "grown");
    assert_eq!(
        report,
        json!({"clusters": 1, "versions_at_hand": 2, "versions_without_text": 1, "texts_read": 0, "texts_skipped_invalid": 0})
    );
    let (shown, added) = shown_versions(&html);
    assert_eq!((shown.clone(), added), (vec!["001".to_string(), "002".into()], shown));
    assert!(html.contains("<span class=\"status grown\">grown</span>"));
    assert!(
        html.contains("Versions whose text is not at hand (1)") && html.contains("Enab Baladi · 2022-02-27 · id 000")
    );
    assert_eq!(html.matches("class=\"score\">divergence").count(), 2);

    // With the earlier day's file: all three versions, measured exactly as
    // `riwaya cluster` measures them over both days at once.
    let (html, report, _) = run(&fresh_copy("texts"), &["--texts", day1.to_str().unwrap()]);
    assert_eq!(
        report,
        json!({"clusters": 1, "versions_at_hand": 3, "versions_without_text": 0, "texts_read": 3, "texts_skipped_invalid": 0})
    );
    let (shown, added) = shown_versions(&html);
    assert_eq!(shown, ["000", "001", "002"]);
    assert_eq!(added, ["001", "002"]);
    assert!(!html.contains("not at hand"));
    let batch = riwaya().args(["cluster", "-q"]).arg(&day1).arg(&day2).assert().success();
    let e1 = objects(&batch.get_output().stdout).into_iter().find(|c| c["size"] == 3).unwrap();
    let scores: Vec<String> = e1["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("class=\"score\">divergence {:.2}<", m["divergence"]["score"].as_f64().unwrap()))
        .collect();
    let in_page: Vec<&str> = html.match_indices("class=\"score\">divergence ").map(|(i, _)| &html[i..i + 30]).collect();
    assert_eq!(in_page, scores, "the batch's divergence, version by version");

    // An earlier file whose copy of 000 was edited since it was indexed: that
    // copy is not the indexed version, so it is not shown.
    let edited = dir.path().join("edited.jsonl");
    let mut lines: Vec<Value> = objects(&std::fs::read(&day1).unwrap());
    lines[0]["text"] = format!("{}\nتحديث لاحق.", lines[0]["text"].as_str().unwrap()).into();
    write_jsonl(&edited, &lines);
    let (html, report, _) = run(&fresh_copy("edited"), &["--texts", edited.to_str().unwrap()]);
    assert_eq!(report["versions_at_hand"], 2);
    assert!(html.contains("id 000") && shown_versions(&html).0 == ["001", "002"]);

    // A broken line in an earlier file: an error naming file and line, the
    // index untouched; with --skip-invalid the report says what it skipped.
    let broken = dir.path().join("broken.jsonl");
    let text = std::fs::read_to_string(&day1).unwrap();
    std::fs::write(&broken, format!("{{\"id\": broken\n{text}")).unwrap();
    let ix = fresh_copy("broken");
    let before = snapshot(&ix);
    let html = dir.path().join("broken.html");
    let err =
        add(&ix, &[&day2], &["--html", html.to_str().unwrap(), "--texts", broken.to_str().unwrap()]).failure().code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(msg.contains("broken.jsonl:1"), "{msg}");
    assert_eq!(snapshot(&ix), before);
    let (_, report, _) = run(&ix, &["--skip-invalid", "--texts", broken.to_str().unwrap()]);
    assert_eq!((report["versions_at_hand"].as_u64(), report["texts_skipped_invalid"].as_u64()), (Some(3), Some(1)));
}

#[test]
fn outputs_that_cannot_be_written_leave_the_index_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (day1, day2) = seed_days(dir.path());
    let index = dir.path().join("ix");
    add(&index, &[&day1], &[]).success();
    let before = snapshot(&index);
    let nowhere = dir.path().join("missing-dir").join("report.html");
    let err = add(&index, &[&day2], &["--html", nowhere.to_str().unwrap()]).failure().code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(msg.contains("report.html"), "{msg}");
    assert_eq!(snapshot(&index), before, "nothing committed when the outputs fail");
    // A missing earlier file is an error at once, named once.
    let html = dir.path().join("r.html");
    let missing = dir.path().join("no-such-day.jsonl");
    let err = add(&index, &[&day2], &["--html", html.to_str().unwrap(), "--texts", missing.to_str().unwrap()])
        .failure()
        .code(1);
    let msg = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert_eq!(msg.matches("no-such-day.jsonl").count(), 1, "{msg}");
    assert_eq!(msg.matches("No such file").count(), 1, "the cause once: {msg}");
    assert_eq!(snapshot(&index), before);
    // The rerun does the same run, and its clusters are not lost.
    let out = add(&index, &[&day2], &[]).success();
    let clusters = objects(&out.get_output().stdout);
    assert_eq!(clusters.len(), 1);
    assert_eq!(member_ids(&clusters[0]), ["000", "001", "002"]);
}
