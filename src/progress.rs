//! Progress reporting across the library boundary.
//!
//! The library knows nothing of terminals: long stages report through this
//! small trait, and the command-line program decides whether to draw bars
//! (only on a terminal, never with `-q` or `--no-progress`).

/// Receives progress from long-running stages. Implementations must be cheap
/// and thread-safe; calls come from worker threads.
pub trait Progress: Sync {
    /// A stage begins; `total` is its amount of work in bytes, if known.
    fn begin(&self, stage: &str, total: Option<u64>);
    /// `amount` more bytes of the current stage are done.
    fn advance(&self, amount: u64);
    /// The current stage has ended.
    fn end(&self);
}

/// Progress that goes nowhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _stage: &str, _total: Option<u64>) {}
    fn advance(&self, _amount: u64) {}
    fn end(&self) {}
}
