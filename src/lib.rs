//! riwaya (رواية, "a version of a story") finds the news articles that
//! report the same event across outlets and measures how each outlet's
//! version differs.
pub mod boilerplate;
pub mod config;
pub mod corpus;
pub mod date;
pub mod dedup;
pub mod error;
pub mod exact;
pub mod hash;
pub mod ids;
pub mod input;
pub mod job;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod progress;
pub mod scheme;
pub mod shingle;
pub mod sign;
pub mod timing;
pub mod unionfind;
pub mod verify;
