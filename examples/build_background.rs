//! Builds `data/background-df.bin.zst`, the background document frequencies
//! of L3 stems shipped in the binary (see `src/background.rs` and
//! `data/README.md`).
//!
//! ```sh
//! cargo run --release --example build_background -- \
//!     ../shared/corpus/ant-news.jsonl.zst data/background-df.bin.zst
//! ```
//!
//! Every article is read as `riwaya` reads it (boilerplate learned from the
//! corpus and removed), its distinct stems are counted once, and stems seen
//! in at least two articles are kept. The corpus is the ANT corpus (Chouigui,
//! Ben Khiroun and Elayeb, Arabian Journal for Science and Engineering 46(8),
//! 2021); only these counts, not its text, go into the repository.

use riwaya::background::Background;
use riwaya::corpus::{Corpus, ReadOptions};
use riwaya::features::extract;
use riwaya::input::Inputs;
use riwaya::progress::NoProgress;
use std::collections::HashMap;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus_path = PathBuf::from(args.next().unwrap_or_else(|| "../shared/corpus/ant-news.jsonl.zst".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "data/background-df.bin.zst".into()));
    let inputs = Inputs::open(&[corpus_path])?;
    let corpus = Corpus::read(&inputs, &ReadOptions::default(), &NoProgress)?;
    let mut df: HashMap<u64, u32> = HashMap::new();
    corpus.par_map_docs(
        &inputs,
        &NoProgress,
        |_| true,
        |doc, article| extract(&corpus.content(doc, article), None).terms.into_iter().map(|t| t.0).collect::<Vec<_>>(),
        |results| {
            for (_, keys) in results {
                for k in keys {
                    *df.entry(k).or_default() += 1;
                }
            }
            Ok(())
        },
    )?;
    let entries: Vec<(u64, u32)> = df.into_iter().filter(|&(_, n)| n >= 2).collect();
    let table = Background::new(corpus.len() as u64, entries);
    let bytes = table.to_bytes();
    std::fs::write(&out, &bytes)?;
    eprintln!("{}: {} stems over {} articles, {} bytes", out.display(), table.len(), table.docs(), bytes.len());
    Ok(())
}
