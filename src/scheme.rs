//! The signature scheme and its fingerprint (DESIGN section 4).
//!
//! Every choice that changes a stored signature or band key is part of the
//! scheme: normalization version, tokenizer, stemmer, shingle kind and size,
//! hash function and seed, number of hashes, MinHash variant, bands × rows.
//! [`Scheme::describe`] writes them as one canonical line and
//! [`Scheme::fingerprint`] is XXH3-64 of that line. Stored data carries the
//! fingerprint; opening data of another scheme is a clear error
//! ([`Scheme::check`]). The golden test in `tests/golden.rs` pins the
//! signature of a fixed Arabic text, so a change to any part of the scheme
//! cannot slip in unnoticed.

use crate::error::{Error, Result};
use crate::hash::xxh3;
use crate::lsh::LshParams;
use crate::minhash::{MinHasher, Variant};
use crate::normalize;
use crate::shingle::{ShingleKind, Shingler};

/// Default seed of every hash in the scheme ("riwaya" in ASCII, version 1).
pub const DEFAULT_SEED: u64 = 0x7269_7761_7961_0001;

/// Version of the line format written by [`Scheme::describe`].
pub const SCHEME_FORMAT: u32 = 1;

/// Everything that determines a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// Shingle kind and size.
    pub shingle: ShingleKind,
    /// Number of MinHash values.
    pub num_hashes: usize,
    /// MinHash construction.
    pub variant: Variant,
    /// Seed of all hashes.
    pub seed: u64,
    /// Banding of the signature.
    pub lsh: LshParams,
}

impl Scheme {
    /// The scheme of a job's signing and near-duplicate settings.
    pub fn of(sign: &crate::job::SignOptions, dedup: &crate::dedup::DedupOptions) -> Self {
        Self {
            shingle: sign.shingle,
            num_hashes: sign.num_hashes,
            variant: sign.variant,
            seed: sign.seed,
            lsh: dedup.lsh_params(sign.num_hashes),
        }
    }

    /// The canonical one-line description.
    pub fn describe(&self) -> String {
        format!(
            "riwaya-scheme/{} norm=l1l2.v{} tokenizer=l2 stemmer=none shingle={} hash=xxh3-64 seed={:#018x} k={} minhash={} lsh={}x{}",
            SCHEME_FORMAT,
            normalize::VERSION,
            self.shingle,
            self.seed,
            self.num_hashes,
            self.variant,
            self.lsh.bands,
            self.lsh.rows
        )
    }

    /// XXH3-64 of [`Scheme::describe`].
    pub fn fingerprint(&self) -> u64 {
        xxh3(self.describe().as_bytes(), 0)
    }

    /// The fingerprint as 16 hex digits.
    pub fn fingerprint_hex(&self) -> String {
        format!("{:016x}", self.fingerprint())
    }

    /// The shingler of this scheme.
    pub fn shingler(&self) -> Shingler {
        Shingler::new(self.shingle, self.seed)
    }

    /// The MinHash hasher of this scheme.
    pub fn minhasher(&self) -> MinHasher {
        MinHasher::new(self.variant, self.num_hashes, self.seed)
    }

    /// An error unless `stored` (a fingerprint read from disk) is this
    /// scheme's. `what` names the stored data.
    pub fn check(&self, stored: u64, stored_description: &str, what: &str) -> Result<()> {
        if stored == self.fingerprint() {
            return Ok(());
        }
        Err(Error::Incompatible(format!(
            "{what} was made with another signature scheme ({stored:016x}: {stored_description}); \
             this run uses {} ({}). Use the same options as when it was made, or rebuild it.",
            self.fingerprint_hex(),
            self.describe()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme() -> Scheme {
        Scheme {
            shingle: ShingleKind::Words(5),
            num_hashes: 128,
            variant: Variant::Oph,
            seed: DEFAULT_SEED,
            lsh: LshParams { bands: 16, rows: 8 },
        }
    }

    #[test]
    fn every_choice_changes_the_fingerprint() {
        let base = scheme();
        let variants = [
            Scheme { shingle: ShingleKind::Words(4), ..base },
            Scheme { shingle: ShingleKind::Chars(5), ..base },
            Scheme { num_hashes: 64, ..base },
            Scheme { variant: Variant::Classic, ..base },
            Scheme { seed: 1, ..base },
            Scheme { lsh: LshParams { bands: 8, rows: 16 }, ..base },
        ];
        for v in variants {
            assert_ne!(v.fingerprint(), base.fingerprint(), "{}", v.describe());
        }
        assert!(base.check(base.fingerprint(), "", "index").is_ok());
        let e = base.check(1, "old scheme", "index").unwrap_err().to_string();
        assert!(e.contains("another signature scheme") && e.contains("old scheme"), "{e}");
    }
}
