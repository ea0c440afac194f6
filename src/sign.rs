//! The signing pass: each article's content becomes shingles and a MinHash
//! signature; and the verification pass's loader of exact shingle sets.
//!
//! Signatures are k `u32` per article in one flat vector (512 bytes per
//! article at k = 128), with the number of distinct shingles and of tokens.
//! Shingle sets are never kept for the whole corpus: [`shingle_sets`] reads
//! the input again and rebuilds them only for the articles that verification
//! needs.

use crate::corpus::{Content, Corpus, ReadOptions};
use crate::error::Result;
use crate::ids::DocIdx;
use crate::input::{Article, Inputs};
use crate::minhash::{MinHasher, SketchScratch};
use crate::progress::Progress;
use crate::scheme::Scheme;
use crate::shingle::{Scratch, Shingler, into_set};
use rayon::prelude::*;
use std::cell::RefCell;

/// MinHash signatures of all articles.
#[derive(Debug, Clone, Default)]
pub struct Signatures {
    /// Values per signature.
    pub k: usize,
    /// `k` values per article, in `DocIdx` order.
    pub values: Vec<u32>,
    /// Distinct shingles per article.
    pub set_sizes: Vec<u32>,
    /// L2 tokens per article (title and text, boilerplate removed).
    pub token_counts: Vec<u32>,
}

impl Signatures {
    /// The signature of `doc`.
    pub fn get(&self, doc: DocIdx) -> &[u32] {
        &self.values[doc.get() * self.k..(doc.get() + 1) * self.k]
    }
}

#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    sketch: SketchScratch,
    shingles: Vec<u64>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// Shingle set (sorted, distinct) and token count of `content`.
pub fn shingle_set(shingler: &Shingler, content: &Content<'_>) -> (Vec<u64>, usize) {
    BUFFERS.with(|b| {
        let b = &mut *b.borrow_mut();
        b.shingles.clear();
        let tokens = shingler.shingle_parts(content.parts(), &mut b.scratch, &mut b.shingles);
        into_set(&mut b.shingles);
        (b.shingles.clone(), tokens)
    })
}

/// Signature, distinct shingle count and token count of `content`.
pub fn sign_content(shingler: &Shingler, hasher: &MinHasher, content: &Content<'_>) -> (Vec<u32>, u32, u32) {
    sign_content_with(shingler, hasher, content, |_| ()).0
}

/// As [`sign_content`], also handing the shingle set (sorted, distinct) to
/// `with`, so a caller that needs it does not shingle the text again.
pub fn sign_content_with<R>(
    shingler: &Shingler,
    hasher: &MinHasher,
    content: &Content<'_>,
    with: impl FnOnce(&[u64]) -> R,
) -> (Signed, R) {
    sign_shingles(hasher, |scratch, shingles| shingler.shingle_parts(content.parts(), scratch, shingles), with)
}

/// As [`sign_content_with`] for a caller that has tokenized the content
/// itself: `token_hashes` are the little-endian bytes of its L2 tokens'
/// hashes ([`Shingler::token_hash`]), title then text, 8 bytes a token; `k`
/// the words per shingle.
pub fn sign_token_hashes_with<R>(
    shingler: &Shingler,
    hasher: &MinHasher,
    token_hashes: &[u8],
    k: usize,
    with: impl FnOnce(&[u64]) -> R,
) -> (Signed, R) {
    sign_shingles(
        hasher,
        |_, shingles| {
            shingler.word_shingles_le(token_hashes, k, shingles);
            token_hashes.len() / 8
        },
        with,
    )
}

/// Signs the shingles `shingle` writes (with repeats, into this thread's
/// buffer; it returns the number of tokens), handing the set to `with`.
fn sign_shingles<R>(
    hasher: &MinHasher,
    shingle: impl FnOnce(&mut Scratch, &mut Vec<u64>) -> usize,
    with: impl FnOnce(&[u64]) -> R,
) -> (Signed, R) {
    BUFFERS.with(|b| {
        let b = &mut *b.borrow_mut();
        b.shingles.clear();
        let tokens = shingle(&mut b.scratch, &mut b.shingles);
        into_set(&mut b.shingles);
        let mut sig = vec![0u32; hasher.k()];
        hasher.sketch(&b.shingles, &mut sig, &mut b.sketch);
        let extra = with(&b.shingles);
        ((sig, b.shingles.len() as u32, tokens as u32), extra)
    })
}

/// Reads, validates and signs every article in one pass over the input;
/// articles that turn out to hold learned boilerplate lines are read again
/// (only they) and signed without those lines.
pub fn read_and_sign(
    inputs: &Inputs,
    options: &ReadOptions,
    scheme: &Scheme,
    progress: &dyn Progress,
) -> Result<(Corpus, Signatures)> {
    read_and_sign_with(inputs, options, scheme, progress, |_, _, _| ()).map(|(c, s, _)| (c, s))
}

/// As [`read_and_sign`], also computing `extra` from each article, its
/// content and its shingle set (sorted, distinct) in the same pass (and again
/// for the articles re-signed).
pub fn read_and_sign_with<E, F>(
    inputs: &Inputs,
    options: &ReadOptions,
    scheme: &Scheme,
    progress: &dyn Progress,
    extra: F,
) -> Result<(Corpus, Signatures, Vec<E>)>
where
    E: Send,
    F: Fn(&Article<'_>, &Content<'_>, &[u64]) -> E + Sync,
{
    let shingler = scheme.shingler();
    let hasher = scheme.minhasher();
    read_and_sign_by(inputs, options, hasher.k(), progress, |article, content| {
        sign_content_with(&shingler, &hasher, content, |set| extra(article, content, set))
    })
}

/// What signing one article gives: its signature, its number of distinct
/// shingles and its number of tokens.
pub type Signed = (Vec<u32>, u32, u32);

/// The signing pass with the per-article work given by the caller: `sign`
/// returns an article's signature (`k` values) and whatever else the caller
/// computes from it in the same pass. Articles that turn out to hold learned
/// boilerplate lines are read and signed again without them.
pub fn read_and_sign_by<E, F>(
    inputs: &Inputs,
    options: &ReadOptions,
    k: usize,
    progress: &dyn Progress,
    sign: F,
) -> Result<(Corpus, Signatures, Vec<E>)>
where
    E: Send,
    F: Fn(&Article<'_>, &Content<'_>) -> (Signed, E) + Sync,
{
    let (corpus, first) = Corpus::read_with(inputs, options, progress, &sign)?;
    let mut out = Signatures {
        k,
        values: vec![0; first.len() * k],
        set_sizes: first.iter().map(|f| f.0.1).collect(),
        token_counts: first.iter().map(|f| f.0.2).collect(),
    };
    // Copy (and free) the per-article signatures in parallel.
    let mut extras: Vec<E> = Vec::with_capacity(first.len());
    let mut sigs: Vec<Vec<u32>> = Vec::with_capacity(first.len());
    for ((sig, _, _), e) in first {
        sigs.push(sig);
        extras.push(e);
    }
    out.values.par_chunks_mut(k).zip(sigs).for_each(|(slot, sig)| slot.copy_from_slice(&sig));
    let affected = corpus.affected_by_learning();
    let again = corpus
        .par_map_selected(inputs, progress, affected, |doc, article| sign(article, &corpus.content(doc, article)))?;
    for (&doc, ((sig, size, tokens), e)) in affected.iter().zip(again) {
        out.values[doc.get() * k..(doc.get() + 1) * k].copy_from_slice(&sig);
        out.set_sizes[doc.get()] = size;
        out.token_counts[doc.get()] = tokens;
        extras[doc.get()] = e;
    }
    Ok((corpus, out, extras))
}

/// Signs every article of an already read `corpus` (a full second pass).
pub fn sign(inputs: &Inputs, corpus: &Corpus, scheme: &Scheme, progress: &dyn Progress) -> Result<Signatures> {
    let shingler = scheme.shingler();
    let hasher = scheme.minhasher();
    let k = hasher.k();
    let n = corpus.len();
    let mut out = Signatures {
        k,
        values: Vec::with_capacity(n * k),
        set_sizes: Vec::with_capacity(n),
        token_counts: Vec::with_capacity(n),
    };
    corpus.par_map_docs(
        inputs,
        progress,
        |_| true,
        |doc, article| sign_content(&shingler, &hasher, &corpus.content(doc, article)),
        |results| {
            for (_, (sig, size, tokens)) in results {
                out.values.extend_from_slice(&sig);
                out.set_sizes.push(size);
                out.token_counts.push(tokens);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Exact shingle sets of the articles `wanted` (sorted, distinct), in the
/// same order.
pub fn shingle_sets(
    inputs: &Inputs,
    corpus: &Corpus,
    scheme: &Scheme,
    wanted: &[DocIdx],
    progress: &dyn Progress,
) -> Result<Vec<Vec<u64>>> {
    let shingler = scheme.shingler();
    corpus.par_map_selected(inputs, progress, wanted, |doc, article| {
        shingle_set(&shingler, &corpus.content(doc, article)).0
    })
}
