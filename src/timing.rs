//! Wall-clock time per pipeline stage, for the run summary.

use std::time::{Duration, Instant};

/// Stage names with their durations, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    /// Runs `f` as stage `name` and records its duration.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.stages.push((name, start.elapsed()));
        out
    }

    /// Records a stage timed elsewhere.
    pub fn record(&mut self, name: &'static str, duration: Duration) {
        self.stages.push((name, duration));
    }

    /// The recorded stages.
    pub fn stages(&self) -> &[(&'static str, Duration)] {
        &self.stages
    }

    /// Sum of all stages.
    pub fn total(&self) -> Duration {
        self.stages.iter().map(|s| s.1).sum()
    }
}
