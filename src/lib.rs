//! riwaya (رواية, "a version of a story") finds the news articles that
//! report the same event across outlets and measures how each outlet's
//! version differs.
pub mod date;
pub mod error;
pub mod hash;
pub mod ids;
pub mod input;
pub mod minhash;
pub mod normalize;
pub mod progress;
pub mod shingle;
