//! The optional configuration file (`--config FILE`, TOML).
//!
//! ```toml
//! [fields]                 # like --field NAME=KEY
//! text = "body"
//!
//! [dedup]
//! source_priority = ["SANA", "Reuters"]
//!
//! [boilerplate]
//! learn = true             # learn recurring lines per source
//! min_docs = 10
//! min_share = 0.005
//! max_strip_share = 0.5
//! defaults = true          # the built-in site-chrome patterns
//!
//! [[boilerplate.pattern]]
//! source = "Enab Baladi"   # omit for every source
//! regex = "^ادعم عنب بلدي$"
//!
//! [story]                  # `riwaya cluster`; every key optional
//! threshold = 0.2          # like --story-threshold
//! window_days = 3.0        # like --window-days
//! max_span_days = 7.0      # like --max-span-days
//! quote_bonus = 0.1
//! date_penalty = 0.2
//! time_decay = 0.8         # per day from the story's mean time...
//! time_grace_days = 0.5    # ...beyond half a day...
//! time_penalty_max = 0.4   # ...costing at most this
//! undated_extra = 0.1
//! article_terms = 64
//! centroid_terms = 256
//! probe_terms = 12
//! ```
//!
//! Unknown keys are an error, so a typo does not silently do nothing.
//! Command-line flags override the file.

use crate::boilerplate::{BoilerplateConfig, PatternSpec};
use crate::error::{Error, Result};
use crate::story::StoryOptions;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The parsed file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Field name → JSON key.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Dedup settings.
    #[serde(default)]
    pub dedup: DedupSection,
    /// Boilerplate settings.
    #[serde(default)]
    pub boilerplate: BoilerplateSection,
    /// Story clustering settings.
    #[serde(default)]
    pub story: StorySection,
}

/// `[story]`: any [`StoryOptions`] field; missing ones keep their defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorySection {
    window_days: Option<f64>,
    max_span_days: Option<f64>,
    threshold: Option<f64>,
    quote_bonus: Option<f64>,
    date_penalty: Option<f64>,
    time_decay: Option<f64>,
    time_grace_days: Option<f64>,
    time_penalty_max: Option<f64>,
    undated_extra: Option<f64>,
    article_terms: Option<usize>,
    centroid_terms: Option<usize>,
    probe_terms: Option<usize>,
}

/// `[dedup]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupSection {
    /// Outlets in order of preference for `--keep source-priority`.
    #[serde(default)]
    pub source_priority: Vec<String>,
}

/// `[boilerplate]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoilerplateSection {
    learn: Option<bool>,
    min_docs: Option<u32>,
    min_share: Option<f64>,
    max_strip_share: Option<f64>,
    defaults: Option<bool>,
    #[serde(default)]
    pattern: Vec<PatternEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternEntry {
    source: Option<String>,
    regex: String,
}

impl FileConfig {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// The boilerplate configuration (defaults for what the file leaves out).
    pub fn boilerplate(&self) -> Result<BoilerplateConfig> {
        let d = BoilerplateConfig::default();
        let b = &self.boilerplate;
        let share = |v: Option<f64>, default: f64, name: &str| -> Result<f64> {
            let v = v.unwrap_or(default);
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(Error::Config(format!("boilerplate.{name} must be between 0 and 1, got {v}")))
            }
        };
        Ok(BoilerplateConfig {
            learn: b.learn.unwrap_or(d.learn),
            min_docs: b.min_docs.unwrap_or(d.min_docs).max(2),
            min_share: share(b.min_share, d.min_share, "min_share")?,
            max_strip_share: share(b.max_strip_share, d.max_strip_share, "max_strip_share")?,
            default_patterns: b.defaults.unwrap_or(d.default_patterns),
            patterns: b
                .pattern
                .iter()
                .map(|p| PatternSpec { source: p.source.clone(), regex: p.regex.clone() })
                .collect(),
        })
    }

    /// The story options (defaults for what the file leaves out), not yet
    /// validated: flags may still override them.
    pub fn story(&self) -> StoryOptions {
        let d = StoryOptions::default();
        let s = &self.story;
        StoryOptions {
            window_days: s.window_days.unwrap_or(d.window_days),
            max_span_days: s.max_span_days.unwrap_or(d.max_span_days),
            threshold: s.threshold.unwrap_or(d.threshold),
            quote_bonus: s.quote_bonus.unwrap_or(d.quote_bonus),
            date_penalty: s.date_penalty.unwrap_or(d.date_penalty),
            time_decay: s.time_decay.unwrap_or(d.time_decay),
            time_grace_days: s.time_grace_days.unwrap_or(d.time_grace_days),
            time_penalty_max: s.time_penalty_max.unwrap_or(d.time_penalty_max),
            undated_extra: s.undated_extra.unwrap_or(d.undated_extra),
            article_terms: s.article_terms.unwrap_or(d.article_terms),
            centroid_terms: s.centroid_terms.unwrap_or(d.centroid_terms),
            probe_terms: s.probe_terms.unwrap_or(d.probe_terms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_typos() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "[fields]\ntext = \"body\"\n[boilerplate]\nmin_docs = 3\n[[boilerplate.pattern]]\nsource = \"X\"\nregex = \"^a$\"\n",
        )
        .unwrap();
        let c = FileConfig::load(&p).unwrap();
        assert_eq!(c.fields["text"], "body");
        let b = c.boilerplate().unwrap();
        assert_eq!(b.min_docs, 3);
        assert_eq!(b.patterns[0].source.as_deref(), Some("X"));
        std::fs::write(&p, "[boilerplate]\nmin_doc = 3\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("c.toml") && e.contains("min_doc"), "{e}");
        std::fs::write(&p, "[boilerplate]\nmin_share = 2.0\n").unwrap();
        assert!(FileConfig::load(&p).unwrap().boilerplate().is_err());
    }

    #[test]
    fn story_section_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[story]\nthreshold = 0.3\ntime_decay = 0\nwindow_days = 2\n").unwrap();
        let s = FileConfig::load(&p).unwrap().story();
        assert_eq!(s, StoryOptions { threshold: 0.3, time_decay: 0.0, window_days: 2.0, ..StoryOptions::default() });
        std::fs::write(&p, "[story]\nthreshhold = 0.3\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("threshhold"), "{e}");
    }
}
