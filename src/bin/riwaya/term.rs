//! Progress bars on a terminal (indicatif), behind the library's
//! [`Progress`] trait. Bars are drawn only when stderr is a terminal and
//! neither `-q` nor `--no-progress` was given; otherwise nothing is drawn.

use indicatif::{ProgressBar, ProgressStyle};
use riwaya::progress::Progress;
use std::io::IsTerminal;
use std::sync::Mutex;

/// Progress bars, one per stage.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars if stderr is a terminal and they are wanted.
    pub fn new(wanted: bool) -> Option<Self> {
        (wanted && std::io::stderr().is_terminal()).then(|| Self { bar: Mutex::new(None) })
    }
}

impl Progress for Bars {
    fn begin(&self, stage: &str, total: Option<u64>) {
        let bar = match total {
            Some(t) => ProgressBar::new(t).with_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner(),
        };
        bar.set_prefix(stage.to_string());
        if let Some(old) = self.bar.lock().expect("not poisoned").replace(bar) {
            old.finish_and_clear();
        }
    }

    fn advance(&self, amount: u64) {
        if let Some(b) = self.bar.lock().expect("not poisoned").as_ref() {
            b.inc(amount);
        }
    }

    fn end(&self) {
        if let Some(b) = self.bar.lock().expect("not poisoned").take() {
            b.finish_and_clear();
        }
    }
}
