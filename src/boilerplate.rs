//! Outlet boilerplate: lines that are site chrome, not reporting (donation
//! appeals, "show more" buttons, share bars, agency sign-offs), removed before
//! shingling so that two different articles of one outlet do not look alike
//! because of them (DESIGN section 3).
//!
//! Two mechanisms:
//! - **Learned lines.** While reading, every line of every article is counted
//!   per source, once per distinct text (exact reposts count once). A line is
//!   boilerplate for a source when it occurs in at least `min_docs` of that
//!   source's distinct texts and in at least `min_share` of them. Counting
//!   uses Lossy Counting (Manku and Motwani, "Approximate frequency counts
//!   over data streams", VLDB 2002) with error ε = 1/2000 per source, so memory
//!   stays bounded on any corpus, and it is fed in input order, so the result
//!   does not depend on the number of threads.
//! - **Patterns.** Regular expressions, for every source or one source, from
//!   the config file, plus a short built-in list of generic site chrome
//!   ([`DEFAULT_PATTERNS`], can be turned off). A line matching one is removed.
//!
//! A guard protects reposts: when the learned lines would remove more than
//! `max_strip_share` of an article's text, that article is most likely one of
//! many copies of a single story (whose lines therefore recur), not a
//! template, and its learned lines are kept (patterns still apply).

use crate::error::{Error, Result};
use crate::hash::xxh3;
use ahash::{AHashMap, AHashSet};
use regex::RegexSet;
use std::ops::Range;

const LINE_SEED: u64 = 0x6C69_6E65_6B65_7901;
const TEXT_SEED: u64 = 0x7465_7874_6B65_7901;
/// Lossy Counting bucket width: ε = 1/2000 of a source's distinct texts.
const BUCKET: u64 = 2000;

/// Generic site chrome, removed by default (one full line each, matched on
/// the line with surrounding space trimmed).
pub const DEFAULT_PATTERNS: &[&str] = &[
    // "show more", "show summary", "show all"
    r"^[اأإ]?(ظهر|ظهار|عرض) (المزيد|الملخص|الكل)$",
    // "read also", "read more"
    r"^[اإ]قر[اأ] (أيضا|أيضاً|ايضا|ايضاً|المزيد)\s*:?$",
    // "back to top" buttons
    r"^(زر )?(العودة|الذهاب|الرجوع) [اإ]لى ([اأ]على الصفحة|ال[اأ]على)$",
    // font size controls
    r"^\+?\s*الخط\s*-?$",
    // share bars
    r"^(شارك|مشاركة|شاركها|شارك الخبر)(\s+(على|عبر)\s+\S+)?\s*:?$",
    // icon alt texts left by scrapers (the rest of such a line is a caption)
    r"^(camera|tag|share|print|clock|calendar) icon",
    // form feedback strings
    r"^(نجاح|خطأ|×)$",
    r"^حدث خطأ [اأ]ثناء .*المحاولة مرة [اأ]خرى\.?$",
];

/// How boilerplate is found.
#[derive(Debug, Clone, PartialEq)]
pub struct BoilerplateConfig {
    /// Learn recurring lines from the data.
    pub learn: bool,
    /// A learned line must occur in at least this many distinct texts.
    pub min_docs: u32,
    /// ... and in at least this share of its source's distinct texts.
    pub min_share: f64,
    /// Learned lines are not removed from an article if they would remove
    /// more than this share of its text.
    pub max_strip_share: f64,
    /// Apply [`DEFAULT_PATTERNS`].
    pub default_patterns: bool,
    /// User patterns.
    pub patterns: Vec<PatternSpec>,
}

impl Default for BoilerplateConfig {
    fn default() -> Self {
        Self {
            learn: true,
            min_docs: 10,
            min_share: 0.005,
            max_strip_share: 0.5,
            default_patterns: true,
            patterns: Vec::new(),
        }
    }
}

/// A user pattern: a regular expression, for one source or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternSpec {
    /// The outlet it applies to (`None`: every outlet).
    pub source: Option<String>,
    /// The expression, matched against each trimmed line.
    pub regex: String,
}

/// The key of a line: XXH3 of its trimmed bytes.
#[inline]
pub fn line_key(line: &str) -> u64 {
    xxh3(line.trim().as_bytes(), LINE_SEED)
}

/// The key of a whole text, for counting each distinct text once.
#[inline]
pub fn text_key(text: &str) -> u64 {
    xxh3(text.as_bytes(), TEXT_SEED)
}

/// Keys of the non-blank lines of `text`.
pub fn line_keys(text: &str) -> Vec<u64> {
    text.split('\n').filter(|l| !l.trim().is_empty()).map(line_key).collect()
}

#[derive(Debug, Default)]
struct SourceCounts {
    distinct_texts: u64,
    seen_texts: AHashSet<u64>,
    // line key -> (count, maximum undercount)
    counts: AHashMap<u64, (u64, u64)>,
}

/// Counts recurring lines per source slot while reading.
#[derive(Debug, Default)]
pub struct Learner {
    slots: Vec<SourceCounts>,
}

impl Learner {
    /// Counts one article. `slot` identifies its source (the caller keeps
    /// one slot per outlet plus one for "unknown"); `line_keys` are its
    /// distinct line keys, as [`line_keys`] gives them.
    pub fn observe(&mut self, slot: usize, text_key: u64, line_keys: &[u64]) {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, SourceCounts::default);
        }
        let s = &mut self.slots[slot];
        if !s.seen_texts.insert(text_key) {
            return;
        }
        s.distinct_texts += 1;
        let bucket = s.distinct_texts.div_ceil(BUCKET);
        for &key in line_keys {
            s.counts.entry(key).and_modify(|e| e.0 += 1).or_insert((1, bucket - 1));
        }
        if s.distinct_texts.is_multiple_of(BUCKET) {
            s.counts.retain(|_, &mut (count, delta)| count + delta > bucket);
        }
    }

    /// The boilerplate lines per slot.
    pub fn finish(self, config: &BoilerplateConfig) -> Learned {
        let slots = self
            .slots
            .into_iter()
            .map(|s| {
                let needed = (config.min_share * s.distinct_texts as f64).ceil().max(f64::from(config.min_docs)) as u64;
                s.counts.into_iter().filter(|&(_, (count, _))| count >= needed).map(|(k, _)| k).collect()
            })
            .collect();
        Learned { slots }
    }
}

/// Learned boilerplate lines per source slot.
#[derive(Debug, Default, Clone)]
pub struct Learned {
    slots: Vec<AHashSet<u64>>,
}

impl Learned {
    /// Number of learned lines per slot.
    pub fn counts(&self) -> Vec<usize> {
        self.slots.iter().map(|s| s.len()).collect()
    }

    /// The learned line keys of every slot.
    pub fn slots(&self) -> &[AHashSet<u64>] {
        &self.slots
    }

    /// The learned line keys of a slot, sorted (for storage).
    pub fn keys(&self, slot: usize) -> Vec<u64> {
        let mut v: Vec<u64> = self.slots.get(slot).map(|s| s.iter().copied().collect()).unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// Adds lines to a slot.
    pub fn add(&mut self, slot: usize, keys: &[u64]) {
        if self.slots.len() <= slot {
            self.slots.resize_with(slot + 1, AHashSet::new);
        }
        self.slots[slot].extend(keys.iter().copied());
    }

    /// Learned lines from stored keys.
    pub fn from_keys(slots: Vec<Vec<u64>>) -> Self {
        Self { slots: slots.into_iter().map(|v| v.into_iter().collect()).collect() }
    }
}

/// Removes boilerplate lines from texts.
#[derive(Debug)]
pub struct Stripper {
    learned: Learned,
    max_strip_share: f64,
    /// Patterns for every source.
    global: Option<RegexSet>,
    /// Patterns per source name (global ones included).
    per_source: AHashMap<String, RegexSet>,
}

/// The lines of a text that are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Byte ranges of kept lines (without their `\n`), in order.
    pub lines: Vec<Range<usize>>,
    /// Number of lines removed.
    pub removed: usize,
}

impl Stripper {
    /// Builds a stripper from learned lines and the configured patterns.
    pub fn new(config: &BoilerplateConfig, learned: Learned) -> Result<Self> {
        let mut global: Vec<String> = Vec::new();
        if config.default_patterns {
            global.extend(DEFAULT_PATTERNS.iter().map(|p| p.to_string()));
        }
        let mut specific: AHashMap<String, Vec<String>> = AHashMap::new();
        for p in &config.patterns {
            regex::Regex::new(&p.regex)
                .map_err(|e| Error::Config(format!("boilerplate pattern {:?}: {e}", p.regex)))?;
            match &p.source {
                None => global.push(p.regex.clone()),
                Some(s) => specific.entry(s.clone()).or_default().push(p.regex.clone()),
            }
        }
        let build = |v: &[String]| RegexSet::new(v).map_err(|e| Error::Config(format!("boilerplate patterns: {e}")));
        let per_source = specific
            .into_iter()
            .map(|(source, mut v)| {
                v.extend(global.iter().cloned());
                build(&v).map(|set| (source, set))
            })
            .collect::<Result<_>>()?;
        let global = if global.is_empty() { None } else { Some(build(&global)?) };
        Ok(Self { learned, max_strip_share: config.max_strip_share, global, per_source })
    }

    /// The learned lines.
    pub fn learned(&self) -> &Learned {
        &self.learned
    }

    /// Which lines of `text` to keep, for an article of source slot `slot`
    /// named `source`.
    pub fn kept(&self, slot: usize, source: Option<&str>, text: &str) -> Kept {
        let patterns = source.and_then(|s| self.per_source.get(s)).or(self.global.as_ref());
        let learned = self.learned.slots.get(slot).filter(|s| !s.is_empty());
        let mut lines = Vec::new();
        let mut learned_lines = Vec::new();
        let (mut total, mut learned_bytes) = (0usize, 0usize);
        let mut removed = 0;
        let mut start = 0;
        for line in text.split('\n') {
            let range = start..start + line.len();
            start += line.len() + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            total += trimmed.len();
            if patterns.is_some_and(|p| p.is_match(trimmed)) {
                removed += 1;
                continue;
            }
            if learned.is_some_and(|l| l.contains(&line_key(trimmed))) {
                learned_bytes += trimmed.len();
                learned_lines.push(lines.len());
            }
            lines.push(range);
        }
        if !learned_lines.is_empty() && (learned_bytes as f64) <= self.max_strip_share * total as f64 {
            removed += learned_lines.len();
            let mut drop = learned_lines.into_iter().peekable();
            let mut i = 0;
            lines.retain(|_| {
                let gone = drop.peek() == Some(&i);
                if gone {
                    drop.next();
                }
                i += 1;
                !gone
            });
        }
        Kept { lines, removed }
    }

    /// `text` without its boilerplate lines (borrowed when nothing goes).
    pub fn strip<'t>(&self, slot: usize, source: Option<&str>, text: &'t str) -> std::borrow::Cow<'t, str> {
        let kept = self.kept(slot, source, text);
        if kept.removed == 0 {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        for r in kept.lines {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&text[r]);
        }
        std::borrow::Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(i: usize, extra: &str) -> String {
        format!("خبر رقم {i} عن حدث مختلف تماما في يوم {i}\nتفاصيل الخبر {i} كثيرة ومتنوعة ولا تتكرر\n{extra}")
    }

    fn learn(texts: &[String], config: &BoilerplateConfig) -> Learned {
        let mut l = Learner::default();
        for t in texts {
            l.observe(0, text_key(t), &line_keys(t));
        }
        l.finish(config)
    }

    #[test]
    fn recurring_lines_are_learned_and_removed() {
        let appeal = "ادعم عنب بلدي\nدولار واحد شهريًا يصنع الفرق";
        let texts: Vec<String> = (0..40).map(|i| article(i, appeal)).collect();
        let config = BoilerplateConfig::default();
        let learned = learn(&texts, &config);
        assert_eq!(learned.counts(), [2]);
        let s = Stripper::new(&config, learned).unwrap();
        let stripped = s.strip(0, Some("Enab Baladi"), &texts[3]);
        assert!(!stripped.contains("ادعم"));
        assert!(stripped.contains("تفاصيل الخبر 3"));
    }

    #[test]
    fn rare_lines_and_exact_reposts_are_not_learned() {
        // One text reposted 30 times counts once.
        let texts: Vec<String> = (0..30).map(|_| article(1, "سطر")).collect();
        assert_eq!(learn(&texts, &BoilerplateConfig::default()).counts(), [0]);
        // A line in 9 of 40 texts is below min_docs.
        let texts: Vec<String> = (0..40).map(|i| article(i, if i < 9 { "سطر متكرر" } else { "" })).collect();
        assert_eq!(learn(&texts, &BoilerplateConfig::default()).counts(), [0]);
    }

    #[test]
    fn near_copies_of_one_story_keep_their_lines() {
        // Fifteen copies of one story that differ in one line: its shared
        // lines recur, but removing them would gut the article.
        let story = "الفقرة الأولى من القصة المكررة\nالفقرة الثانية من القصة المكررة\nالفقرة الثالثة من القصة المكررة";
        let texts: Vec<String> = (0..15).map(|i| format!("{story}\nتحديث {i}")).collect();
        let config = BoilerplateConfig::default();
        let learned = learn(&texts, &config);
        assert_eq!(learned.counts(), [3]);
        let s = Stripper::new(&config, learned).unwrap();
        assert_eq!(s.kept(0, None, &texts[0]).removed, 0);
    }

    #[test]
    fn lossy_counting_keeps_frequent_lines_over_many_texts() {
        let texts: Vec<String> =
            (0..10_000).map(|i| article(i, if i % 50 == 0 { "توقيع الوكالة" } else { "" })).collect();
        let config = BoilerplateConfig::default();
        let learned = learn(&texts, &config);
        assert_eq!(learned.counts(), [1], "a line in 2% of 10,000 texts is learned");
    }

    #[test]
    fn patterns_per_source_and_defaults() {
        let config = BoilerplateConfig {
            patterns: vec![PatternSpec {
                source: Some("Enab Baladi".into()), regex: "^ادعم عنب بلدي$".into()
            }],
            ..BoilerplateConfig::default()
        };
        let s = Stripper::new(&config, Learned::default()).unwrap();
        let text = "خبر\nادعم عنب بلدي\nاظهر المزيد\nزر الذهاب إلى الأعلى\ncamera iconصورة\n+ الخط -";
        assert_eq!(s.strip(0, Some("Enab Baladi"), text), "خبر");
        assert_eq!(s.strip(0, Some("Other"), text), "خبر\nادعم عنب بلدي");
        let off = BoilerplateConfig { default_patterns: false, ..BoilerplateConfig::default() };
        let s = Stripper::new(&off, Learned::default()).unwrap();
        assert_eq!(s.strip(0, None, text), text);
        let bad = BoilerplateConfig {
            patterns: vec![PatternSpec { source: None, regex: "(".into() }],
            ..BoilerplateConfig::default()
        };
        assert!(Stripper::new(&bad, Learned::default()).is_err());
    }
}
