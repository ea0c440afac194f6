//! Criterion benchmarks of the pipeline stages, with throughput:
//! normalize (L1), tokenize (L1 + L2, fused), stem (L3 term keys of the L2
//! tokens), shingle (word 5-shingles),
//! sign (each MinHash variant, 128 values) and band (LSH candidates); and
//! the story layer, the part of `riwaya cluster` that `dedup` does not do:
//! the first pass (read, sign and extract story features), story building,
//! the members' texts read again and prepared, and their divergence.
//!
//! Input: the first 2,000 articles of the shared corpus when it is present
//! (`../shared/corpus/ant-news.jsonl.zst` or `$RIWAYA_CORPUS`); for the
//! story layer, its articles of June 2018 (4,683 from five outlets, so that
//! stories covered by several outlets form as in the whole corpus);
//! otherwise the bundled seed articles, so the benchmarks always run.

mod common;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use riwaya::background::{builtin, token_key};
use riwaya::cluster::{ClusterJob, run_cluster, story_items};
use riwaya::cluster_text::{StoryText, story_texts};
use riwaya::dedup::find_groups;
use riwaya::diverge::diverge;
use riwaya::features::read_sign_and_extract;
use riwaya::ids::DocIdx;
use riwaya::input::{FieldMap, Inputs, parse_json};
use riwaya::lsh::{CandidateLimits, LshParams, candidate_pairs};
use riwaya::minhash::{MinHasher, SketchScratch, Variant};
use riwaya::normalize::{TokenBuilder, canonical, for_each_matching_token};
use riwaya::progress::NoProgress;
use riwaya::shingle::{Scratch, ShingleKind, Shingler, into_set};
use riwaya::story::{Idf, cluster};
use std::hint::black_box;
use std::path::PathBuf;

/// The `riwaya` binary's allocator, so that a stage takes the time it takes
/// in a run (under glibc's, malloc and free were a tenth of `story/diverge`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The shared corpus, decompressed ([`common::plain_corpus`]), if it is
/// present.
fn corpus() -> Option<Vec<u8>> {
    std::fs::read(common::plain_corpus()?).ok()
}

fn texts() -> Vec<String> {
    if let Some(plain) = corpus() {
        let fields = FieldMap::default();
        return plain
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .take(2000)
            .filter_map(|l| {
                let mut scratch = String::new();
                parse_json(l, &fields, &mut scratch).ok().map(|a| format!("{}\n{}", a.title, a.text))
            })
            .collect();
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .expect("samples")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .map(|e| std::fs::read_to_string(e.path()).expect("seed"))
        .collect();
    out.sort();
    out
}

fn stages(c: &mut Criterion) {
    let texts = texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();

    let mut g = c.benchmark_group("text");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(20);
    g.bench_function("normalize_l1", |b| b.iter(|| texts.iter().map(|t| canonical(t).len()).sum::<usize>()));
    g.bench_function("tokenize_l1_l2", |b| {
        let (mut builder, mut l1) = (TokenBuilder::default(), String::new());
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                for_each_matching_token(t, &mut builder, &mut l1, |_| n += 1, || {});
            }
            n
        })
    });
    let mut tokens: Vec<String> = Vec::new();
    let (mut builder, mut l1) = (TokenBuilder::default(), String::new());
    for t in &texts {
        for_each_matching_token(t, &mut builder, &mut l1, |w| tokens.push(w.to_owned()), || {});
    }
    g.bench_function("stem_l3", |b| b.iter(|| tokens.iter().fold(0u64, |x, t| x ^ token_key(t))));
    let shingler = Shingler::new(ShingleKind::Words(5), 1);
    g.bench_function("shingle_word5", |b| {
        let (mut scratch, mut out) = (Scratch::default(), Vec::new());
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                out.clear();
                shingler.shingle(t, &mut scratch, &mut out);
                n += out.len();
            }
            n
        })
    });
    g.finish();

    let sets: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| {
            let mut v = Vec::new();
            shingler.shingle(t, &mut Scratch::default(), &mut v);
            into_set(&mut v);
            v
        })
        .collect();
    let mut g = c.benchmark_group("sign");
    g.throughput(Throughput::Elements(sets.len() as u64));
    g.sample_size(10);
    for variant in Variant::ALL {
        let hasher = MinHasher::new(variant, 128, 7);
        g.bench_with_input(BenchmarkId::new("k128", variant.name()), &sets, |b, sets| {
            let (mut sig, mut scratch) = (vec![0u32; 128], SketchScratch::default());
            b.iter(|| {
                for s in sets {
                    hasher.sketch(black_box(s), &mut sig, &mut scratch);
                }
                sig[0]
            })
        });
    }
    g.finish();

    let hasher = MinHasher::new(Variant::Oph, 128, 7);
    let mut sigs = Vec::with_capacity(sets.len() * 128);
    for s in &sets {
        let mut sig = vec![0u32; 128];
        hasher.sketch(s, &mut sig, &mut SketchScratch::default());
        sigs.extend(sig);
    }
    let mut g = c.benchmark_group("band");
    g.throughput(Throughput::Elements(sets.len() as u64));
    g.sample_size(20);
    let params = LshParams::optimal(0.8, 128, riwaya::lsh::DEFAULT_FN_WEIGHT);
    g.bench_function("candidates_t0.8", |b| {
        b.iter(|| candidate_pairs(black_box(&sigs), 128, params, 7, CandidateLimits::default()).len())
    });
    g.finish();
}

/// The story layer's input: the corpus's articles of one month in a
/// temporary file (kept alive by the returned directory), or the seeds.
fn story_input() -> (Option<tempfile::TempDir>, Inputs) {
    if let Some(plain) = corpus() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("2018-06.jsonl");
        let fields = FieldMap::default();
        let in_month = |l: &&[u8]| {
            let mut scratch = String::new();
            parse_json(l, &fields, &mut scratch)
                .ok()
                .and_then(|a| a.published)
                .is_some_and(|p| (p.day().year(), p.day().month()) == (2018, 6))
        };
        let lines: Vec<&[u8]> = plain.split(|&b| b == b'\n').filter(|l| !l.is_empty()).filter(in_month).collect();
        std::fs::write(&path, lines.join(&b'\n')).expect("write the articles");
        let inputs = Inputs::open(&[path]).expect("open");
        return (Some(dir), inputs);
    }
    (None, Inputs::open(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples")]).expect("samples"))
}

fn story_stages(c: &mut Criterion) {
    let (_dir, inputs) = story_input();
    let job = ClusterJob::default();
    let first_pass =
        || read_sign_and_extract(&inputs, &job.read, &job.scheme(), &NoProgress, |_, _, f, _| f).expect("first pass");
    let (corpus, signatures, mut features) = first_pass();
    let articles = corpus.len() as u64;
    let groups = find_groups(&inputs, &corpus, &signatures, &job.scheme(), &job.dedup, &NoProgress).expect("groups");
    let idf = Idf::new(builtin(), &features);
    let items = story_items(&corpus, &groups, &idf, &mut features, job.story.article_terms);
    let run = run_cluster(&inputs, &job, &NoProgress).expect("cluster");
    let members: Vec<&[DocIdx]> = run.stories.iter().map(|s| s.members.as_slice()).filter(|m| m.len() > 1).collect();
    let texts: Vec<&StoryText> = run.texts.iter().flatten().collect();
    let measured: u64 = members.iter().map(|m| m.len() as u64).sum();

    let mut g = c.benchmark_group("story");
    g.sample_size(10);
    g.throughput(Throughput::Elements(articles));
    g.bench_function("first_pass", |b| b.iter(|| first_pass().0.len()));
    g.bench_function("build", |b| {
        b.iter_batched(|| items.clone(), |items| cluster(items, &job.story).len(), BatchSize::LargeInput)
    });
    // Per member of the stories of two or more.
    g.throughput(Throughput::Elements(measured));
    g.bench_function("member_texts", |b| {
        b.iter(|| story_texts(&inputs, &run.corpus, &members, &NoProgress).expect("texts").len())
    });
    g.bench_function("diverge", |b| b.iter(|| texts.iter().map(|t| diverge(t, &idf).len()).sum::<usize>()));
    g.finish();
}

criterion_group!(benches, stages, story_stages);
criterion_main!(benches);
