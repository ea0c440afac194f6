//! Quality of story clusters against labelled events (`riwaya eval`).
//!
//! Two standard measures over the labelled articles:
//! - **B-cubed** (Bagga and Baldwin 1998; Amigó et al., "A comparison of
//!   extrinsic clustering evaluation metrics", Information Retrieval 2009):
//!   for each article, precision is the share of its cluster that has its
//!   event, recall the share of its event that is in its cluster; both are
//!   averaged over articles;
//! - **pairwise**: over pairs of articles, precision is the share of pairs put
//!   together that share an event, recall the share of same-event pairs put
//!   together.
//!
//! Only labelled articles count; clusters are restricted to them. A labelled
//! article missing from the clusters counts as a cluster of its own and is
//! reported.

use crate::error::{Error, Result};
use ahash::AHashMap;
use serde::Serialize;
use std::io::BufRead;
use std::path::Path;

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Self {
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Self { precision, recall, f1 }
    }
}

/// The scores of a clustering against labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// B-cubed precision, recall, F1.
    pub bcubed: Prf,
    /// Pairwise precision, recall, F1.
    pub pairwise: Prf,
    /// Labelled articles evaluated.
    pub articles: usize,
    /// Distinct events among them.
    pub events: usize,
    /// Labelled articles not found in the clusters.
    pub missing: Vec<String>,
}

/// Scores `clusters` (cluster of each article id) against `labels` (event of
/// each article id).
pub fn evaluate(clusters: &AHashMap<String, String>, labels: &[(String, String)]) -> Scores {
    let mut missing = Vec::new();
    // Each labelled article's cluster (a missing one is alone).
    let assigned: Vec<(String, &str)> = labels
        .iter()
        .map(|(id, event)| match clusters.get(id) {
            Some(c) => (c.clone(), event.as_str()),
            None => {
                missing.push(id.clone());
                (format!("missing:{id}"), event.as_str())
            }
        })
        .collect();
    let mut by_cluster: AHashMap<&str, Vec<usize>> = AHashMap::new();
    let mut by_event: AHashMap<&str, Vec<usize>> = AHashMap::new();
    for (i, (c, e)) in assigned.iter().enumerate() {
        by_cluster.entry(c.as_str()).or_default().push(i);
        by_event.entry(e).or_default().push(i);
    }
    let n = assigned.len();
    let (mut p, mut r) = (0.0, 0.0);
    for (c, e) in &assigned {
        let cluster = &by_cluster[c.as_str()];
        let both = cluster.iter().filter(|&&j| assigned[j].1 == *e).count() as f64;
        p += both / cluster.len() as f64;
        r += both / by_event[e].len() as f64;
    }
    let bcubed = if n == 0 { Prf::new(0.0, 0.0) } else { Prf::new(p / n as f64, r / n as f64) };
    let pairs =
        |groups: &AHashMap<&str, Vec<usize>>| groups.values().map(|g| g.len() * (g.len() - 1) / 2).sum::<usize>();
    let together = pairs(&by_cluster);
    let same_event = pairs(&by_event);
    let both: usize = by_cluster
        .values()
        .map(|g| {
            let mut per_event: AHashMap<&str, usize> = AHashMap::new();
            for &i in g {
                *per_event.entry(assigned[i].1).or_default() += 1;
            }
            per_event.values().map(|k| k * (k - 1) / 2).sum::<usize>()
        })
        .sum();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    Scores {
        bcubed,
        pairwise: Prf::new(ratio(both, together), ratio(both, same_event)),
        articles: n,
        events: by_event.len(),
        missing,
    }
}

fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn lines(path: &Path) -> Result<Vec<(usize, serde_json::Value)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(&line)
            .map_err(|e| Error::Config(format!("{}:{}: not valid JSON: {e}", path.display(), i + 1)))?;
        out.push((i + 1, v));
    }
    Ok(out)
}

/// Reads a clusters file (the output of `riwaya cluster`): article id →
/// cluster id. An article in two clusters is an error.
pub fn read_clusters(path: &Path) -> Result<AHashMap<String, String>> {
    let mut out = AHashMap::new();
    for (line, v) in lines(path)? {
        let bad = |why: &str| Error::Config(format!("{}:{line}: {why}", path.display()));
        let cluster = v.get("cluster").and_then(id_text).ok_or_else(|| bad("no \"cluster\" id"))?;
        let members = v.get("members").and_then(|m| m.as_array()).ok_or_else(|| bad("no \"members\" list"))?;
        for m in members {
            let id = m.get("id").and_then(id_text).ok_or_else(|| bad("a member without an \"id\""))?;
            if out.insert(id.clone(), cluster.clone()).is_some() {
                return Err(bad(&format!("article {id:?} is in two clusters")));
            }
        }
    }
    Ok(out)
}

/// Reads labels: JSON Lines with `id` and `event` (a seed manifest works).
/// Lines without an `event` are skipped; an id labelled twice is an error.
pub fn read_labels(path: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut seen = AHashMap::new();
    for (line, v) in lines(path)? {
        let bad = |why: &str| Error::Config(format!("{}:{line}: {why}", path.display()));
        let Some(event) = v.get("event").and_then(id_text) else { continue };
        let id = v.get("id").and_then(id_text).ok_or_else(|| bad("no \"id\""))?;
        if seen.insert(id.clone(), line).is_some() {
            return Err(bad(&format!("article {id:?} is labelled twice")));
        }
        out.push((id, event));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters(pairs: &[(&str, &str)]) -> AHashMap<String, String> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn perfect_and_known_values() {
        let l = labels(&[("a", "E1"), ("b", "E1"), ("c", "E2")]);
        let perfect = evaluate(&clusters(&[("a", "x"), ("b", "x"), ("c", "y")]), &l);
        assert_eq!(perfect.bcubed.f1, 1.0);
        assert_eq!(perfect.pairwise.f1, 1.0);
        // Everything together: B-cubed precision (2/3 + 2/3 + 1/3) / 3.
        let lumped = evaluate(&clusters(&[("a", "x"), ("b", "x"), ("c", "x")]), &l);
        assert!((lumped.bcubed.precision - 5.0 / 9.0).abs() < 1e-12);
        assert_eq!(lumped.bcubed.recall, 1.0);
        assert!((lumped.pairwise.precision - 1.0 / 3.0).abs() < 1e-12);
        // All apart, with one missing.
        let split = evaluate(&clusters(&[("a", "x"), ("b", "y")]), &l);
        assert_eq!(split.missing, ["c"]);
        assert_eq!(split.bcubed.precision, 1.0);
        assert!((split.bcubed.recall - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(split.pairwise.recall, 0.0);
    }
}
