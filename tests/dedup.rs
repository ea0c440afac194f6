//! `riwaya dedup` end to end: what is removed, what is kept and how, the
//! duplicates report, keeper policies, determinism and input forms.

mod common;

use common::*;
use serde_json::json;
use std::io::Write;

fn batch_file(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("batch.jsonl");
    write_jsonl(&p, &news_batch());
    p
}

/// The news batch in `dir`, plain and zstd-compressed: (plain, compressed).
fn batch_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (plain, zst) = (batch_file(dir), dir.join("batch.jsonl.zst"));
    write_zstd_copy(&plain, &zst);
    (plain, zst)
}

#[test]
fn reposts_and_wire_copies_are_removed_and_the_rest_kept_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let input = batch_file(dir.path());
    let dups = dir.path().join("dups.jsonl");
    let out = riwaya().arg("dedup").arg(&input).arg("--duplicates").arg(&dups).arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Earliest is kept: eb-1 over its repost, wat-1 over the wire copy.
    assert_eq!(ids(&out.stdout), ["eb-1", "wat-1", "7", "alam-1", "araby-1", "empty-1", "empty-2", "empty-3"]);
    // Kept records are the input lines, byte for byte, in input order.
    let input_text = std::fs::read_to_string(&input).unwrap();
    let expected: String = input_text
        .lines()
        .filter(|l| !l.contains("\"sh-1\"") && !l.contains("\"wire-1\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    // The report: one object per removed article, in input order.
    let report = objects(&std::fs::read(&dups).unwrap());
    assert_eq!(report.len(), 2);
    assert_eq!(report[0]["id"], "sh-1");
    assert_eq!(report[0]["duplicate_of"], "eb-1");
    let j = report[0]["jaccard"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&j), "{j}");
    assert!(report[0]["containment"].as_f64().unwrap() >= j);
    assert_eq!(report[1], json!({"id": "wire-1", "duplicate_of": "wat-1", "jaccard": 1.0, "containment": 1.0}));
    let keys: Vec<&String> = report[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "duplicate_of", "jaccard", "containment"]);
}

#[test]
fn keeper_policies() {
    let dir = tempfile::tempdir().unwrap();
    let input = batch_file(dir.path());
    let kept = |extra: &[&str]| {
        let out = riwaya().arg("dedup").arg(&input).args(extra).arg("-q").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        ids(&out.stdout)
    };
    let has = |v: &[String], id: &str| v.iter().any(|x| x == id);
    let earliest = kept(&[]);
    assert!(has(&earliest, "eb-1") && !has(&earliest, "sh-1") && has(&earliest, "wat-1"));
    // Input order: the first of each group.
    let first = kept(&["--keep", "first"]);
    assert!(has(&first, "eb-1") && has(&first, "wat-1") && !has(&first, "wire-1"));
    // Longest: the repost replaced one paragraph with a longer one.
    let longest = kept(&["--keep", "longest"]);
    assert!(has(&longest, "sh-1") && !has(&longest, "eb-1"), "{longest:?}");
    // Equal texts: ties break by id ("wat-1" < "wire-1").
    assert!(has(&longest, "wat-1") && !has(&longest, "wire-1"));
    let priority = kept(&["--keep", "source-priority", "--source-priority", "Wire,Syria Home"]);
    assert!(has(&priority, "wire-1") && has(&priority, "sh-1"), "{priority:?}");
    assert!(!has(&priority, "wat-1") && !has(&priority, "eb-1"));
}

#[test]
fn output_is_identical_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    // A larger batch: the seeds many times over with small edits.
    let mut records = Vec::new();
    for copy in 0..60 {
        for (i, mut r) in news_batch().into_iter().enumerate() {
            r["id"] = json!(format!("{copy}-{i}"));
            if copy % 3 == 0 {
                let t = r["text"].as_str().unwrap().replacen("طهران", &format!("طهران {copy}"), 1);
                r["text"] = json!(t);
            }
            records.push(r);
        }
    }
    let input = dir.path().join("big.jsonl");
    write_jsonl(&input, &records);
    let run = |threads: &str, out: &str, dups: &str| {
        riwaya()
            .args(["dedup", "--threads", threads, "-q", "-o"])
            .arg(dir.path().join(out))
            .arg("--duplicates")
            .arg(dir.path().join(dups))
            .arg(&input)
            .assert()
            .success();
    };
    run("1", "k1", "d1");
    run("2", "k2", "d2");
    run("4", "k4", "d4");
    let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    assert_eq!(read("k1"), read("k2"));
    assert_eq!(read("k1"), read("k4"));
    assert_eq!(read("d1"), read("d2"));
    assert_eq!(read("d1"), read("d4"));
    assert!(!read("d1").is_empty());
}

/// A compressed input is decompressed once: the run keeps a decompressed
/// copy, verifies candidates and writes the kept records from it (the
/// compressed file is no longer needed once the groups are found), and
/// removes it when the records are written.
#[test]
fn compressed_input_is_written_from_its_decompressed_copy() {
    use riwaya::input::Inputs;
    use riwaya::job::{DedupJob, run_dedup};
    use riwaya::progress::NoProgress;
    let dir = tempfile::tempdir().unwrap();
    let (input, zst) = batch_files(dir.path());
    let plain = riwaya().arg("dedup").arg(&input).arg("-q").output().unwrap().stdout;
    let inputs = Inputs::open(std::slice::from_ref(&zst)).unwrap();
    let mut run = run_dedup(&inputs, &DedupJob::default(), &NoProgress).unwrap();
    let copy = run.corpus.spool(0).expect("a decompressed copy").to_path_buf();
    assert!(copy.exists());
    std::fs::remove_file(&zst).unwrap();
    let mut out = Vec::new();
    let written = run.write_kept(&inputs, &mut out, std::path::Path::new("<out>"), &NoProgress).unwrap();
    assert_eq!(written, 8);
    assert_eq!(out, plain);
    assert!(run.corpus.spool(0).is_none() && !copy.exists(), "the copy is removed once written");
    // Without the copy, the compressed file is streamed again.
    write_zstd_copy(&input, &zst);
    let job = DedupJob { copy_compressed: false, ..DedupJob::default() };
    let mut run = run_dedup(&inputs, &job, &NoProgress).unwrap();
    assert!(run.corpus.spool(0).is_none());
    let mut out = Vec::new();
    run.write_kept(&inputs, &mut out, std::path::Path::new("<out>"), &NoProgress).unwrap();
    assert_eq!(out, plain);
}

/// Without a usable temporary directory, dedup streams a compressed input
/// again, with the same output; with one, it leaves no copy behind.
#[test]
fn compressed_dedup_without_a_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (input, zst) = batch_files(dir.path());
    let run = |input: &std::path::Path, tmp: &std::path::Path| {
        let out = riwaya().arg("dedup").arg(input).arg("-q").env("TMPDIR", tmp).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let expected = run(&input, dir.path());
    assert_eq!(run(&zst, dir.path()), expected);
    assert_eq!(run(&zst, &dir.path().join("missing")), expected);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 2, "no copy left behind: {left:?}");
}

#[test]
fn compressed_standard_and_remapped_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (input, zst) = batch_files(dir.path());
    let plain = riwaya().arg("dedup").arg(&input).arg("-q").output().unwrap().stdout;
    // gzip named .jsonl, zstd named .zst: detected by content.
    let gz = dir.path().join("batch-gz.jsonl");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(&input).unwrap()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(riwaya().arg("dedup").arg(&gz).arg("-q").output().unwrap().stdout, plain);
    assert_eq!(riwaya().arg("dedup").arg(&zst).arg("-q").output().unwrap().stdout, plain);
    // Standard input, plain and compressed.
    let stdin = riwaya().arg("dedup").arg("-q").pipe_stdin(&input).unwrap().output().unwrap();
    assert_eq!(stdin.stdout, plain);
    let stdin = riwaya().args(["dedup", "-", "-q"]).pipe_stdin(&zst).unwrap().output().unwrap();
    assert_eq!(stdin.stdout, plain);
    // Other field names, mapped with --field.
    let renamed: Vec<_> = news_batch()
        .into_iter()
        .map(|mut r| {
            let o = r.as_object_mut().unwrap();
            let text = o.shift_remove("text").unwrap();
            let id = o.shift_remove("id").unwrap();
            o.insert("body".into(), text);
            o.insert("doc_id".into(), id);
            r
        })
        .collect();
    let other = dir.path().join("renamed.jsonl");
    write_jsonl(&other, &renamed);
    let out =
        riwaya().args(["dedup", "--field", "text=body", "--field", "id=doc_id", "-q"]).arg(&other).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 8);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\"sh-1\""));
}

#[test]
fn directories_with_text_articles_and_a_manifest() {
    // The bundled samples: five .txt articles with their manifest.
    let out = riwaya().arg("dedup").arg(samples()).arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let objs = objects(&out.stdout);
    assert_eq!(ids(&out.stdout), ["000", "001", "002", "003", "004"]);
    // Manifest fields travel with the article; file is not repeated.
    assert_eq!(objs[0]["source"], "Enab Baladi");
    assert_eq!(objs[0]["event"], "E1");
    assert!(objs[0].get("file").is_none());
    assert_eq!(objs[0]["title"], "علي مملوك يحمل “إحاطة أمنية” إلى طهران");
    assert!(objs[2]["source"].is_null());
    // A copy of a seed in a subdirectory is found as a duplicate.
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(samples()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    std::fs::create_dir(dir.path().join("later")).unwrap();
    std::fs::copy(samples().join("001_12f5b8cc01743230.txt"), dir.path().join("later/copy.txt")).unwrap();
    let out = riwaya()
        .arg("dedup")
        .arg(dir.path())
        .arg("--duplicates")
        .arg("-")
        .arg("-o")
        .arg(dir.path().join("k.jsonl"))
        .arg("-q")
        .output()
        .unwrap();
    assert!(out.status.success());
    let report = objects(&out.stdout);
    assert_eq!(report, [json!({"id": "later/copy", "duplicate_of": "001", "jaccard": 1.0, "containment": 1.0})]);
}

#[test]
fn containment_links_wrapped_agency_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (title, text) = seed(1);
    let (_, other) = seed(4);
    // An outlet wraps the agency story in a long lead and ending of its own.
    let paragraphs: Vec<&str> = other.split('\n').filter(|l| !l.trim().is_empty()).collect();
    let wrapped = format!("{}\n{text}\n{}", paragraphs[..6].join("\n"), paragraphs[6..].join("\n"));
    let input = dir.path().join("wrap.jsonl");
    write_jsonl(
        &input,
        &[
            json!({"id": "agency", "published": "2022-02-28", "title": title, "text": text}),
            json!({"id": "outlet", "published": "2022-02-28T12:00:00Z", "title": "تقرير موسع", "text": wrapped}),
        ],
    );
    let by_jaccard = riwaya().arg("dedup").arg(&input).arg("-q").output().unwrap();
    assert_eq!(ids(&by_jaccard.stdout), ["agency", "outlet"]);
    let by_containment = riwaya()
        .arg("dedup")
        .arg(&input)
        .args(["--containment", "0.9", "--duplicates", "-", "-o"])
        .arg(dir.path().join("k"))
        .arg("-q")
        .output()
        .unwrap();
    assert!(by_containment.status.success(), "{}", String::from_utf8_lossy(&by_containment.stderr));
    let report = objects(&by_containment.stdout);
    assert_eq!(report.len(), 1);
    assert_eq!(report[0]["id"], "outlet");
    assert!(report[0]["jaccard"].as_f64().unwrap() < 0.8);
    assert!(report[0]["containment"].as_f64().unwrap() >= 0.9);
}

#[test]
fn boilerplate_patterns_from_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two different short stories of one outlet, each with a long donation
    // appeal: alike only because of the appeal.
    let appeal = "الإعلام الموجّه يشوه الحقيقة في بلادنا ويطيل أمد الحرب\nسوريا بحاجة للصحافة الحرة ونحن بحاجتك لنبقى مستقلين\nادعم عنب بلدي\nدولار واحد شهريًا يصنع الفرق\nاضغط هنا للمساهمة في دعم الصحافة المستقلة في سوريا اليوم";
    let input = dir.path().join("eb.jsonl");
    write_jsonl(
        &input,
        &[
            json!({"id": "a", "source": "Enab Baladi", "text": format!("قصف على ريف إدلب\n{appeal}")}),
            json!({"id": "b", "source": "Enab Baladi", "text": format!("ارتفاع أسعار الخبز\n{appeal}")}),
        ],
    );
    let plain = riwaya().arg("dedup").arg(&input).args(["--threshold", "0.6", "-q"]).output().unwrap();
    assert_eq!(ids(&plain.stdout), ["a"], "alike by boilerplate only");
    let config = dir.path().join("riwaya.toml");
    std::fs::write(
        &config,
        "[[boilerplate.pattern]]\nsource = \"Enab Baladi\"\nregex = \"^(الإعلام الموجّه|سوريا بحاجة|ادعم عنب بلدي|دولار واحد|اضغط هنا)\"\n",
    )
    .unwrap();
    let cleaned =
        riwaya().arg("dedup").arg(&input).args(["--threshold", "0.6", "-q", "--config"]).arg(&config).output().unwrap();
    assert!(cleaned.status.success(), "{}", String::from_utf8_lossy(&cleaned.stderr));
    assert_eq!(ids(&cleaned.stdout), ["a", "b"]);
}

#[test]
fn the_summary_reports_counts_bands_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let input = batch_file(dir.path());
    let out = riwaya().arg("dedup").arg(&input).arg("-v").arg("-o").arg(dir.path().join("k.jsonl")).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("read 10 articles"), "{err}");
    assert!(err.contains("kept 8, removed 2 near-duplicates in 2 groups"), "{err}");
    assert!(err.contains("lsh: 16 bands x 8 rows"), "{err}");
    assert!(err.contains("scheme ") && err.contains("minhash=oph"), "{err}");
    assert!(err.contains("time: read+sign"), "{err}");
    // No progress bars when stderr is not a terminal.
    assert!(!err.contains('\r') && !err.contains("\x1b["), "{err:?}");
    let quiet = riwaya().arg("dedup").arg(&input).arg("-q").output().unwrap();
    assert!(quiet.stderr.is_empty());
}
