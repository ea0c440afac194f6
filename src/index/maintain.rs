//! Housekeeping of an index: `export` (every cluster) and `prune` (drop old
//! articles).

use super::add::{cluster_json, duplicate_of};
use super::runs::{self, BandEntry, Entry, IdEntry, RunMeta};
use super::segment::{self, Record};
use super::store::{self, LastRun, SegmentMeta};
use super::{Access, Index};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Every article of the index, in the order added, with only what the
/// exports show (the story vectors and quote hashes are dropped as read).
fn shown_records(index: &Index) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    index.scan(
        |_| true,
        false,
        |mut r| {
            r.vector = Vec::new();
            r.quote_grams = Vec::new();
            records.push(r);
            Ok(())
        },
    )?;
    Ok(records)
}

/// Every cluster of the index in the `cluster` schema, sorted by first
/// publication time then id.
pub fn export(index: &Index, out: &mut dyn std::io::Write, out_name: &Path) -> Result<u64> {
    let mut by_story: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for r in shown_records(index)? {
        by_story.entry(index.state.story(&r.story)).or_default().push(r);
    }
    let mut clusters: Vec<(Option<i64>, &String, &Vec<Record>)> =
        by_story.iter().map(|(id, rs)| (rs.iter().filter_map(|r| r.time).min(), id, rs)).collect();
    clusters.sort_by(|a, b| (a.0.is_none(), a.0, a.1).cmp(&(b.0.is_none(), b.0, b.1)));
    let mut n = 0;
    for (_, id, records) in clusters {
        let members: Vec<&Record> = records.iter().collect();
        let mut line =
            serde_json::to_vec(&cluster_json(id, &members, &duplicate_of(&members, |g| index.state.group(g)), |_| {
                false
            }))
            .expect("serializable");
        line.push(b'\n');
        out.write_all(&line).map_err(|e| crate::output::write_error(out_name, e))?;
        n += 1;
    }
    Ok(n)
}

/// The near-duplicate groups of the index: one `{"id", "duplicate_of"}`
/// object per article that is not its group's keeper (the earliest
/// published, then the smallest id, as `dedup --keep earliest`), in the
/// order the articles were added.
pub fn duplicates(index: &Index, out: &mut dyn std::io::Write, out_name: &Path) -> Result<u64> {
    let members = shown_records(index)?;
    let all: Vec<&Record> = members.iter().collect();
    let duplicates = duplicate_of(&all, |g| index.state.group(g));
    let mut n = 0;
    for r in &members {
        if let Some(k) = duplicates.get(&r.ordinal) {
            let line = serde_json::json!({ "id": r.id, "duplicate_of": k });
            let mut bytes = serde_json::to_vec(&line).expect("serializable");
            bytes.push(b'\n');
            out.write_all(&bytes).map_err(|e| crate::output::write_error(out_name, e))?;
            n += 1;
        }
    }
    Ok(n)
}

/// What `prune` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Articles removed.
    pub removed: u64,
    /// Articles left.
    pub articles: u64,
    /// Clusters left.
    pub clusters: u64,
}

/// Removes the articles published before `before` (Unix seconds); undated
/// articles stay. Segments holding removed articles are rewritten and the
/// runs compacted into one per table; clusters keep their ids. The document
/// frequencies keep counting the removed articles: they describe the
/// outlets' language, like the background table, not the index's contents.
pub fn prune(dir: &Path, before: i64, wait: bool) -> Result<Pruned> {
    let index = Index::open(dir, None, Access::Write { wait })?;
    let mut manifest = index.manifest.clone();
    let mut state = index.state.clone();
    let generation = manifest.generation + 1;
    let gone = |r: &Record| r.time.is_some_and(|t| t < before);
    let mut dropped: Vec<u32> = state.removed.clone();
    let mut segments = Vec::new();
    let mut stories = std::collections::BTreeSet::new();
    let mut articles = 0u64;
    for (k, meta) in index.manifest.segments.iter().enumerate() {
        let needs_rewrite = meta.min_time.is_some_and(|t| t < before)
            || state.removed.iter().any(|&o| (meta.first..=meta.last).contains(&o));
        let mut kept = Vec::new();
        index.scan(
            |m| m.file == meta.file,
            needs_rewrite,
            |r| {
                if gone(&r) {
                    dropped.push(r.ordinal);
                } else {
                    stories.insert(state.story(&r.story));
                    articles += 1;
                    if needs_rewrite {
                        kept.push(r);
                    }
                }
                Ok(())
            },
        )?;
        if !needs_rewrite {
            segments.push(meta.clone());
        } else if !kept.is_empty() {
            let file = format!("seg-{generation:08}-{k}.rws");
            segment::write(&dir.join(&file), &kept)?;
            let dated: Vec<i64> = kept.iter().filter_map(|r| r.time).collect();
            segments.push(SegmentMeta {
                file,
                first: kept[0].ordinal,
                last: kept[kept.len() - 1].ordinal,
                count: kept.len() as u32,
                min_time: dated.iter().min().copied(),
                max_time: dated.iter().max().copied(),
                undated: (kept.len() - dated.len()) as u32,
            });
        }
    }
    dropped.sort_unstable();
    dropped.dedup();
    let removed = (dropped.len() - state.removed.len()) as u64;
    if dropped.is_empty() {
        return Ok(Pruned { removed: 0, articles, clusters: stories.len() as u64 });
    }
    manifest.band_runs =
        compact::<BandEntry>(dir, &manifest.band_runs, &dropped, &format!("bands-{generation:08}.run"))?;
    manifest.id_runs = compact::<IdEntry>(dir, &manifest.id_runs, &dropped, &format!("ids-{generation:08}.run"))?;
    state.removed.clear();
    let state_name = format!("state-{generation:08}.json.zst");
    store::write_json(&dir.join(&state_name), &state)?;
    manifest.state = Some(state_name);
    manifest.segments = segments;
    manifest.generation = generation;
    manifest.articles = articles;
    manifest.stories = stories.len() as u64;
    manifest.last_run =
        Some(LastRun { command: "prune".into(), finished: store::now_rfc3339(), removed, ..LastRun::default() });
    store::commit_manifest(dir, &manifest)?;
    store::collect_garbage(dir, &manifest)?;
    Ok(Pruned { removed, articles, clusters: manifest.stories })
}

fn compact<E: Entry>(dir: &Path, metas: &[RunMeta], dropped: &[u32], name: &str) -> Result<Vec<RunMeta>> {
    let mut all: Vec<E> = Vec::new();
    for m in metas {
        let run = runs::Run::<E>::open(&dir.join(&m.file))?;
        all.extend(run.entries().filter(|e| dropped.binary_search(&e.ordinal()).is_err()));
    }
    all.sort_unstable();
    if all.is_empty() {
        return Ok(Vec::new());
    }
    runs::write(&dir.join(name), &all)?;
    Ok(vec![RunMeta { file: name.to_string(), entries: all.len() as u64 }])
}

/// Parses `--older-than`: a date (`YYYY-MM-DD`, its midnight UTC) or an
/// RFC 3339 time.
pub fn parse_cutoff(s: &str) -> Result<i64> {
    crate::date::parse_published(s).map(|p| p.unix).map_err(|_| {
        Error::Config(format!("--older-than {s:?} is not a date: expected YYYY-MM-DD or an RFC 3339 time"))
    })
}
