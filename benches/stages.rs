//! Criterion benchmarks of the pipeline stages, with throughput:
//! normalize (L1), tokenize (L1 + L2, fused), stem (L3 term keys of the L2
//! tokens), shingle (word 5-shingles),
//! sign (each MinHash variant, 128 values) and band (LSH candidates).
//!
//! Input: the first 2,000 articles of the shared corpus when it is present
//! (`../shared/corpus/ant-news.jsonl.zst` or `$RIWAYA_CORPUS`), otherwise the
//! bundled seed articles, so the benchmarks always run.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use riwaya::background::token_key;
use riwaya::input::{FieldMap, parse_json};
use riwaya::lsh::{CandidateLimits, LshParams, candidate_pairs};
use riwaya::minhash::{MinHasher, SketchScratch, Variant};
use riwaya::normalize::{TokenBuilder, canonical, for_each_matching_token};
use riwaya::shingle::{Scratch, ShingleKind, Shingler, into_set};
use std::hint::black_box;
use std::path::PathBuf;

fn texts() -> Vec<String> {
    let corpus = std::env::var_os("RIWAYA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ant-news.jsonl.zst"));
    if let Ok(data) = std::fs::read(&corpus) {
        let plain = zstd::decode_all(&data[..]).unwrap_or(data);
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

criterion_group!(benches, stages);
criterion_main!(benches);
