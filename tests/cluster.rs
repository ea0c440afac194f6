//! `riwaya cluster` and `riwaya eval` end to end: stories across outlets and
//! the divergence of each version, on the seeds and on made-up batches.

mod common;

use common::*;
use serde_json::{Value, json};

fn cluster(args: &[&str], input: &std::path::Path) -> Vec<Value> {
    let out = riwaya().arg("cluster").arg(input).args(args).arg("-q").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    objects(&out.stdout)
}

fn member_ids(c: &Value) -> Vec<String> {
    c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().map_or_else(|| m["id"].to_string(), String::from))
        .collect()
}

#[test]
fn the_seeds_group_into_their_events() {
    let clusters = cluster(&[], &samples());
    let groups: Vec<Vec<String>> = clusters.iter().map(member_ids).collect();
    // Sorted by first publication: E2 (2017), E1 (2022), E3 (2024).
    assert_eq!(groups, [vec!["003"], vec!["000", "001", "002"], vec!["004"]]);
    // Every article in exactly one cluster, each with the fixed keys.
    for c in &clusters {
        assert!(c["cluster"].as_str().unwrap().starts_with('s'));
        for m in c["members"].as_array().unwrap() {
            for key in ["id", "source", "published", "duplicate_of", "divergence"] {
                assert!(m.get(key).is_some(), "member without {key}: {m}");
            }
        }
    }
    assert!(clusters[0]["members"][0]["divergence"].is_null(), "a story of one has no divergence");
    let e1 = &clusters[1];
    assert_eq!(e1["outlets"], json!(["Al-Watan", "Enab Baladi"]));
    // --min-size keeps only stories of two or more.
    assert_eq!(cluster(&["--min-size", "2"], &samples()).len(), 1);
}

/// Characters `start..end` of `text`.
fn chars(text: &str, start: u64, end: u64) -> String {
    text.chars().skip(start as usize).take((end - start) as usize).collect()
}

#[test]
fn divergence_on_the_seeds_links_quotes_and_names_agencies() {
    let clusters = cluster(&[], &samples());
    let members = clusters[1]["members"].as_array().unwrap();
    let by_id = |id: &str| members.iter().find(|m| m["id"] == id).unwrap();
    let (m0, m1, m2) = (by_id("000"), by_id("001"), by_id("002"));
    let (_, t0) = seed(0);
    let (_, t1) = seed(1);
    let (_, t2) = seed(2);
    let phrase = "في أصعب الظروف";

    // 000 and 002 carry Shamkhani's statement; the alignment links them,
    // with offsets into both original texts.
    let linked: Vec<&Value> = m0["divergence"]["passages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["with"] == "002" && p["field"] == "text")
        .filter(|p| chars(&t0, p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap()).contains(phrase))
        .collect();
    assert_eq!(linked.len(), 1, "{}", m0["divergence"]["passages"]);
    let other = chars(&t2, linked[0]["other_start"].as_u64().unwrap(), linked[0]["other_end"].as_u64().unwrap());
    assert!(other.contains(phrase) && other.contains("عازمة على مواصلة دعمها لسوريا"), "{other}");
    // 001 only paraphrases it: no passage of 001's covers its own copy of
    // the phrase, and 000 has none with 001 that does.
    let phrase_in_001 = t1.find(phrase).map(|b| t1[..b].chars().count() as u64).unwrap();
    for p in m1["divergence"]["passages"].as_array().unwrap() {
        let (s, e) = (p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap());
        assert!(!(p["field"] == "text" && s <= phrase_in_001 && phrase_in_001 < e), "001 aligned on the phrase: {p}");
    }
    for p in m0["divergence"]["passages"].as_array().unwrap().iter().filter(|p| p["with"] == "001") {
        assert!(!chars(&t0, p["start"].as_u64().unwrap(), p["end"].as_u64().unwrap()).contains(phrase));
    }
    // The quotation itself: carried by 002, not by 001.
    let quote = m0["divergence"]["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["text"].as_str().unwrap().contains(phrase))
        .unwrap();
    assert_eq!(quote["carried_by"], json!(["002"]));
    assert_eq!(
        chars(&t0, quote["start"].as_u64().unwrap(), quote["end"].as_u64().unwrap()),
        quote["text"].as_str().unwrap()
    );

    // Whom each cites.
    let agencies = |m: &Value| -> Vec<String> {
        m["divergence"]["attributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["agency"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(agencies(m0).contains(&"IRNA".to_string()), "{:?}", agencies(m0));
    assert!(!agencies(m0).contains(&"SANA".to_string()));
    let a1 = agencies(m1);
    assert!(a1.contains(&"SANA".to_string()) && a1.contains(&"Fars".to_string()), "{a1:?}");
    let sana = m1["divergence"]["attributions"].as_array().unwrap().iter().find(|a| a["agency"] == "SANA").unwrap();
    assert!(sana["verbs"].as_array().unwrap().iter().any(|v| v == "ذكرت"), "{sana}");

    // Every component in [0, 1], and the score follows its formula.
    for m in [m0, m1, m2] {
        let d = &m["divergence"];
        for k in ["score", "shared", "unique", "omitted", "similarity", "attribution_difference"] {
            let v = d[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{k} = {v}");
        }
        let f = |k: &str| d[k].as_f64().unwrap();
        let formula =
            0.3 * f("unique") + 0.3 * f("omitted") + 0.2 * (1.0 - f("similarity")) + 0.2 * f("attribution_difference");
        assert!((f("score") - formula).abs() < 2e-4, "{} vs {formula}", f("score"));
        assert!((f("shared") + f("unique") - 1.0).abs() < 2e-4);
    }
    // 002 calls Damascus «حكومة دمشق»: its most distinctive word.
    assert_eq!(m2["divergence"]["distinctive_terms"][0]["term"], "دمشق");
}

#[test]
fn eval_scores_clusters_against_labels() {
    let dir = tempfile::tempdir().unwrap();
    let clusters = dir.path().join("clusters.jsonl");
    riwaya().arg("cluster").arg(samples()).arg("-o").arg(&clusters).arg("-q").assert().success();
    let out = riwaya()
        .arg("eval")
        .arg(&clusters)
        .arg("--labels")
        .arg(samples().join("manifest.jsonl"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scores: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scores["bcubed"]["f1"], 1.0);
    assert_eq!(scores["pairwise"]["f1"], 1.0);
    assert_eq!(scores["articles"], 5);
    // A wrong clustering scores lower.
    let lumped = dir.path().join("lumped.jsonl");
    let members: Vec<Value> = ["000", "001", "002", "003", "004"].iter().map(|i| json!({"id": i})).collect();
    write_jsonl(&lumped, &[json!({"cluster": "all", "members": members})]);
    let out = riwaya()
        .arg("eval")
        .arg(&lumped)
        .arg("--labels")
        .arg(samples().join("manifest.jsonl"))
        .arg("--json")
        .output()
        .unwrap();
    let scores: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(scores["bcubed"]["precision"].as_f64().unwrap() < 0.6);
    assert_eq!(scores["bcubed"]["recall"], 1.0);
    // A bad clusters file names file and line.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"cluster\": \"a\", \"members\": [{\"id\": 1}]}\nnot json\n").unwrap();
    let out = riwaya().arg("eval").arg(&bad).arg("--labels").arg(samples().join("manifest.jsonl")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:2"));
}

#[test]
fn english_news_clusters_too() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("en.jsonl");
    write_jsonl(
        &input,
        &[
            json!({"id": "r1", "source": "Reuters", "published": "2022-02-27T12:00:00Z", "title": "Syria's Mamlouk briefs Iran's Shamkhani in Tehran", "text": "Syrian security chief Ali Mamlouk met Ali Shamkhani, secretary of Iran's Supreme National Security Council, in Tehran on Sunday. Shamkhani said Iran had supported the Syrian government and people in the hardest of times and would keep supporting them, IRNA reported. The two discussed American moves in eastern Syria and economic cooperation."}),
            json!({"id": "a1", "source": "AP", "published": "2022-02-28T09:00:00Z", "title": "Iran pledges continued support as Syrian security chief visits Tehran", "text": "Iran will keep supporting Syria, Ali Shamkhani told the visiting Syrian security chief Ali Mamlouk in Tehran. Mamlouk presented a report on the security situation across Syria, according to state media. Shamkhani accused the United States of training militant groups in Syria."}),
            json!({"id": "x1", "source": "AP", "published": "2022-02-28T10:00:00Z", "title": "Floods hit northern Italy as rivers burst their banks", "text": "Heavy rain caused the Po and several smaller rivers to burst their banks in northern Italy on Monday, forcing hundreds of residents from their homes, officials said. Rescue teams used boats to reach villages cut off by the water."}),
        ],
    );
    let groups: Vec<Vec<String>> = cluster(&[], &input).iter().map(member_ids).collect();
    assert_eq!(groups, [vec!["r1", "a1"], vec!["x1"]]);
}

#[test]
fn days_are_read_from_the_text_when_published_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (t0, x0) = seed(0);
    let (t3, x3) = seed(3);
    let input = dir.path().join("undated.jsonl");
    // 003 without `published`: its dateline (الأحد ٠٨ يناير ٢٠١٧) dates it,
    // five years before 000, so they stay apart despite sharing names.
    write_jsonl(
        &input,
        &[
            json!({"id": "000", "published": "2022-02-27", "title": t0, "text": x0}),
            json!({"id": "003", "title": t3, "text": x3}),
        ],
    );
    let clusters = cluster(&[], &input);
    assert_eq!(clusters.len(), 2);
    let m = clusters.iter().flat_map(|c| c["members"].as_array().unwrap()).find(|m| m["id"] == "003").unwrap();
    assert!(m["published"].is_null());
    assert_eq!(m["date_from_text"], "2017-01-08");
}

#[test]
fn near_duplicates_share_a_story_and_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("batch.jsonl");
    write_jsonl(&input, &news_batch());
    let clusters = cluster(&[], &input);
    let story_of = |id: &str| clusters.iter().position(|c| member_ids(c).iter().any(|m| m == id)).unwrap();
    assert_eq!(story_of("eb-1"), story_of("sh-1"));
    assert_eq!(story_of("wat-1"), story_of("wire-1"));
    let wire =
        clusters[story_of("wire-1")]["members"].as_array().unwrap().iter().find(|m| m["id"] == "wire-1").unwrap();
    assert_eq!(wire["duplicate_of"], "wat-1");
    // Every article once.
    let mut all: Vec<String> = clusters.iter().flat_map(member_ids).collect();
    all.sort();
    assert_eq!(all.len(), 10);
    all.dedup();
    assert_eq!(all.len(), 10);
}

#[test]
fn story_settings_come_from_the_config_and_flags_and_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("riwaya.toml");
    // A threshold no rewrite reaches: every seed stands alone.
    std::fs::write(&cfg, "[story]\nthreshold = 0.99\n").unwrap();
    let strict = cluster(&["--config", cfg.to_str().unwrap()], &samples());
    assert_eq!(strict.len(), 5);
    // The flag overrides the file.
    let flagged = cluster(&["--config", cfg.to_str().unwrap(), "--story-threshold", "0.2"], &samples());
    assert_eq!(flagged.len(), 3);
    let out = riwaya().arg("cluster").arg(samples()).args(["--story-threshold", "0", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("story setting threshold"), "{err}");
}

#[test]
fn divergence_measured_in_batches_equals_all_at_once() {
    use riwaya::cluster::{ClusterJob, KeepTexts, run_cluster};
    use riwaya::input::Inputs;
    use riwaya::progress::NoProgress;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    let mut records = news_batch();
    // A second and a third story of two versions each.
    records.push(json!({"id": "r1", "source": "Reuters", "published": "2022-02-27T12:00:00Z", "title": "Floods hit northern Italy as the Po bursts its banks", "text": "Heavy rain caused the Po to burst its banks in northern Italy on Sunday, forcing hundreds of residents from their homes, officials said. Rescue teams used boats to reach villages cut off by the water."}));
    records.push(json!({"id": "a1", "source": "AP", "published": "2022-02-27T15:00:00Z", "title": "Hundreds flee as the Po floods villages in northern Italy", "text": "Hundreds of residents fled their homes in northern Italy after heavy rain made the Po burst its banks, officials said. Rescuers reached cut-off villages by boat, and more rain is forecast."}));
    records.push(json!({"id": "r2", "source": "Reuters", "published": "2022-02-28T12:00:00Z", "title": "Earthquake of magnitude 6.1 shakes Crete", "text": "An earthquake of magnitude 6.1 struck the Greek island of Crete on Monday, damaging old houses in Heraklion, the seismological institute said. No deaths were reported."}));
    records.push(json!({"id": "a2", "source": "AP", "published": "2022-02-28T13:00:00Z", "title": "Strong earthquake damages houses on Crete", "text": "A magnitude 6.1 earthquake damaged old houses in Heraklion on the Greek island of Crete on Monday, the seismological institute said, with no deaths reported."}));
    write_jsonl(&input, &records);
    let inputs = Inputs::open(&[input]).unwrap();
    let all = run_cluster(&inputs, &ClusterJob::default(), &NoProgress).unwrap();
    let multi = all.stories.iter().filter(|s| s.members.len() > 1).count();
    assert!(multi >= 3, "{:?}", all.stories);
    // One member per batch, and the text of the top story only.
    let keep = KeepTexts { stories: 1, min_size: 2 };
    let job = ClusterJob { keep_texts: Some(keep), divergence_batch: 1, ..ClusterJob::default() };
    let batched = run_cluster(&inputs, &job, &NoProgress).unwrap();
    assert_eq!(batched.stories, all.stories);
    assert_eq!(batched.divergence, all.divergence);
    let top = riwaya::cluster::rank_by_outlets(&all.corpus, &all.stories)[0];
    for (s, text) in batched.texts.iter().enumerate() {
        assert_eq!(text.is_some(), s == top, "story {s}");
    }
    assert_eq!(batched.texts[top], all.texts[top]);
    // Compressed input cannot be read at offsets: a decompressed copy is
    // kept while the run measures the stories (as they close), with the
    // same results, and removed with the run's end.
    let zst = dir.path().join("news.jsonl.zst");
    write_zstd_copy(&dir.path().join("news.jsonl"), &zst);
    let zst_inputs = Inputs::open(&[zst]).unwrap();
    let streamed = run_cluster(&zst_inputs, &job, &NoProgress).unwrap();
    assert_eq!(streamed.stories, all.stories);
    assert_eq!(streamed.divergence, all.divergence);
    assert_eq!(streamed.texts[top], all.texts[top]);
    assert!(streamed.corpus.spool(0).is_none(), "the copy is gone once the run is measured");
    // Without the copy (the stories measured after they are all made, in
    // one more pass over the input), the same results.
    let job = ClusterJob { copy_compressed: false, ..job };
    let unspooled = run_cluster(&zst_inputs, &job, &NoProgress).unwrap();
    assert_eq!(unspooled.stories, all.stories);
    assert_eq!(unspooled.divergence, all.divergence);
}

/// Lines are written a block at a time, each block while the next is
/// serialized: whatever the block, the same bytes, one story per line in
/// story order.
#[test]
fn lines_written_in_blocks_are_the_same_bytes() {
    use riwaya::cluster::{ClusterJob, WRITE_BLOCK, run_cluster};
    use riwaya::input::Inputs;
    use riwaya::progress::NoProgress;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("news.jsonl");
    write_jsonl(&input, &news_batch());
    let run = run_cluster(&Inputs::open(&[input]).unwrap(), &ClusterJob::default(), &NoProgress).unwrap();
    assert!(run.stories.len() >= 3, "{:?}", run.stories);
    let name = std::path::Path::new("out.jsonl");
    let written = |block: usize| {
        let mut out: Vec<u8> = Vec::new();
        let n = run.write_jsonl_in_blocks(&mut out, name, 1, block).unwrap();
        (n, out)
    };
    let (n, whole) = written(WRITE_BLOCK);
    assert_eq!(n as usize, run.stories.len());
    let ids: Vec<String> = String::from_utf8(whole.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["cluster"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<&str> = run.stories.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, want);
    for block in [1, 2, 3] {
        assert_eq!(written(block), (n, whole.clone()), "block {block}");
    }
}

/// Without a usable temporary directory, cluster reads a compressed input
/// again by streaming, with the same output.
#[test]
fn compressed_input_without_a_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("news.jsonl");
    write_jsonl(&plain, &news_batch());
    let zst = dir.path().join("news.jsonl.zst");
    write_zstd_copy(&plain, &zst);
    let run = |input: &std::path::Path, out: &str, tmp: &std::path::Path| {
        let out = dir.path().join(out);
        let done = riwaya().arg("cluster").arg(input).arg("-o").arg(&out).arg("-q").env("TMPDIR", tmp).output();
        assert!(done.unwrap().status.success());
        std::fs::read(out).unwrap()
    };
    let expected = run(&plain, "plain.out", dir.path());
    assert_eq!(run(&zst, "copied.out", dir.path()), expected);
    assert_eq!(run(&zst, "streamed.out", &dir.path().join("missing")), expected);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 5, "no copy left behind: {left:?}");
}

/// A compressed input read with `spool_compressed` is copied out byte for
/// byte as it is read (gzip and zstd, and as far as a damaged file goes),
/// its articles are read again at their offsets from the copy, and the copy
/// is removed with the corpus.
#[test]
fn compressed_inputs_are_copied_out_for_reading_again() {
    use riwaya::corpus::{Corpus, ReadOptions};
    use riwaya::input::Inputs;
    use riwaya::progress::NoProgress;
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let records = news_batch();
    let id_of = |r: &Value| match &r["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // The records, their ids prefixed (ids are unique across a run).
    let body = |prefix: &str| -> String {
        records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["id"] = json!(format!("{prefix}{}", id_of(&r)));
                format!("{r}\n")
            })
            .collect()
    };
    let (a, b) = (body("a-"), body("b-"));
    let gz = dir.path().join("a.jsonl.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(a.as_bytes()).unwrap();
    std::fs::write(&gz, e.finish().unwrap()).unwrap();
    let zst = dir.path().join("b.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(b.as_bytes(), 3).unwrap()).unwrap();
    let inputs = Inputs::open(&[gz, zst]).unwrap();
    let options = ReadOptions { spool_compressed: true, chunk_bytes: Some(4096), ..ReadOptions::default() };
    let mut corpus = Corpus::read(&inputs, &options, &NoProgress).unwrap();
    assert!(corpus.reads_at_offsets(&inputs).unwrap());
    let copies: Vec<std::path::PathBuf> = (0..2).map(|i| corpus.spool(i).unwrap().to_path_buf()).collect();
    assert_eq!(std::fs::read(&copies[0]).unwrap(), a.as_bytes());
    assert_eq!(std::fs::read(&copies[1]).unwrap(), b.as_bytes());
    let docs: Vec<riwaya::ids::DocIdx> = (0..corpus.len()).map(|d| riwaya::ids::DocIdx(d as u32)).collect();
    let read_again = |corpus: &Corpus| {
        corpus.par_map_selected(&inputs, &NoProgress, &docs, |_, a| (a.id.to_string(), a.text.len())).unwrap()
    };
    let at_offsets = read_again(&corpus);
    assert_eq!(at_offsets.len(), 2 * records.len());
    for (i, (id, len)) in at_offsets.iter().enumerate() {
        let r = &records[i % records.len()];
        let prefix = if i < records.len() { "a-" } else { "b-" };
        assert_eq!(id, &format!("{prefix}{}", id_of(r)));
        assert_eq!(*len, r["text"].as_str().unwrap().len());
    }
    corpus.remove_spools().unwrap();
    assert!(copies.iter().all(|c| !c.exists()), "copies removed");
    assert!(!corpus.reads_at_offsets(&inputs).unwrap());
    assert_eq!(read_again(&corpus), at_offsets, "streamed again, the same articles");
    // A damaged file: the copy holds what was read, up to the damage (noise
    // lines make the data compress into many blocks, as real text does).
    let mut g = riwaya::hash::SplitMix64::new(1);
    let noise = |g: &mut riwaya::hash::SplitMix64| {
        let words: Vec<String> = (0..400).map(|_| format!("{:x}", g.next())).collect();
        format!("{}\n", json!({"id": format!("noise-{:x}", g.next()), "text": words.join(" ")}))
    };
    let whole: String = (0..50).map(|k| body(&format!("{k}-")) + &noise(&mut g)).collect();
    let cut = dir.path().join("cut.jsonl.zst");
    let packed = zstd::encode_all(whole.as_bytes(), 3).unwrap();
    std::fs::write(&cut, &packed[..packed.len() * 2 / 3]).unwrap();
    let inputs = Inputs::open(&[cut]).unwrap();
    let options = ReadOptions { skip_invalid: true, ..options };
    let corpus = Corpus::read(&inputs, &options, &NoProgress).unwrap();
    let copy = std::fs::read(corpus.spool(0).unwrap()).unwrap();
    assert!(
        !copy.is_empty() && whole.as_bytes().starts_with(&copy),
        "{} of {} bytes; {} records",
        copy.len(),
        whole.len(),
        corpus.len()
    );
    assert_eq!(copy.iter().filter(|&&b| b == b'\n').count(), corpus.len(), "complete records only");
    let copy_path = corpus.spool(0).unwrap().to_path_buf();
    drop(corpus);
    assert!(!copy_path.exists(), "removed with the corpus");
}

/// Members read again for divergence: one whose title, text and outlet
/// repeat an earlier member's (a repost) takes a copy of that one's words,
/// under its own id and time; every member is what reading it alone gives.
#[test]
fn reposted_members_are_prepared_as_read_alone() {
    use riwaya::attribution::Agencies;
    use riwaya::cluster_text::{member_texts, prepare, story_texts_with};
    use riwaya::corpus::{Corpus, ReadOptions};
    use riwaya::ids::DocIdx;
    use riwaya::input::Inputs;
    use riwaya::progress::NoProgress;
    let dir = tempfile::tempdir().unwrap();
    let text = "قال وزير الخارجية، بحسب وكالة «سانا»، إن «الحوار مستمر حتى النهاية». وأضاف أن الاجتماع المقبل سيعقد في ١٥ آذار.";
    let records = [
        json!({"id": "a", "source": "Al-Watan", "published": "2020-03-01T10:00:00Z", "title": "حوار", "text": text}),
        json!({"id": "b", "source": "Al-Watan", "published": "2020-03-02T08:00:00Z", "title": "حوار", "text": text}),
        json!({"id": "c", "source": "SANA", "published": "2020-03-01T11:00:00Z", "title": "حوار", "text": text}),
        json!({"id": "d", "source": "Al-Watan", "published": "2020-03-01T12:00:00Z", "title": "حوار آخر", "text": text}),
        json!({"id": "e", "source": "Al-Watan", "title": "حوار", "text": text}),
    ];
    let path = dir.path().join("reposts.jsonl");
    std::fs::write(&path, records.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
    let inputs = Inputs::open(&[path]).unwrap();
    let corpus = Corpus::read(&inputs, &ReadOptions::default(), &NoProgress).unwrap();
    let docs: Vec<DocIdx> = (0..corpus.len()).map(|d| DocIdx(d as u32)).collect();
    let texts = member_texts(&inputs, &corpus, &docs, &NoProgress).unwrap();
    let agencies = Agencies::default();
    let alone = corpus
        .par_map_selected(&inputs, &NoProgress, &docs, |doc, article| {
            let kept = corpus.stripper.kept(corpus.slot_of(doc), corpus.source_of(doc), &article.text).lines;
            prepare(doc, article, kept, &agencies)
        })
        .unwrap();
    assert_eq!(texts, alone);
    let ids: Vec<String> = texts.iter().map(|m| m.id.to_string()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(texts[1].tokens, texts[0].tokens, "the repost has the same words");
    assert_ne!(texts[1].published, texts[0].published);
    // SANA citing itself is no attribution; Al-Watan citing SANA is.
    assert!(texts[0].attributions.iter().any(|a| a.agency == "SANA"), "{:?}", texts[0].attributions);
    assert!(texts[2].attributions.iter().all(|a| a.agency != "SANA"), "{:?}", texts[2].attributions);
    // Stories prepared one at a time, each handed on as soon as it is ready,
    // hold the same members in each story's order (here the repost comes
    // first in its story, so the earlier article is the copy).
    let stories: [&[DocIdx]; 2] = [&[DocIdx(1), DocIdx(0), DocIdx(4)], &[DocIdx(3), DocIdx(2)]];
    let handed = story_texts_with(&inputs, &corpus, &stories, &NoProgress, |t| t.members).unwrap();
    let expected: Vec<Vec<_>> = stories.iter().map(|s| s.iter().map(|d| alone[d.get()].clone()).collect()).collect();
    assert_eq!(handed, expected);
}
