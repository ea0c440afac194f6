//! The HTML report (`riwaya cluster --html FILE` and `riwaya index add
//! --html FILE`, DESIGN section 8): one self-contained page for an analyst.
//!
//! - A **coverage matrix**: stories by outlets, each cell showing whether the
//!   outlet covered the story (with its version's divergence score) or stayed
//!   silent.
//! - Per story, the **versions side by side**, right to left where the text
//!   is, each sentence coloured by how many other outlets carry it (unique
//!   sentences marked, boilerplate greyed), with the consensus it omits, its
//!   divergence components, distinctive terms, attributions and quotations.
//!
//! Rendered with askama, whose HTML escaping is on for every value: article
//! text reaches the page only as escaped text (a test feeds `<script>` and
//! checks it stays inert in a real browser). The page has no scripts and no
//! external resources.

use crate::cluster::ClusterRun;
use crate::cluster_text::{Field, MemberText};
use crate::diverge::Divergence;
use askama::Template;

/// A run of text with the class that colours it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text (escaped when rendered).
    pub text: String,
    /// `unique`, `shared-1`, `shared-2`, `shared-3`, `plain` or `boilerplate`.
    pub class: &'static str,
}

struct VersionView {
    id: String,
    outlet: String,
    published: String,
    duplicate_of: Option<String>,
    added: bool,
    compared: bool,
    title: Vec<Segment>,
    text: Vec<Segment>,
    score: String,
    components: Vec<(&'static str, String)>,
    terms: Vec<String>,
    attributions: Vec<String>,
    quotes: Vec<(String, String)>,
    omissions: Vec<String>,
}

struct StoryView {
    anchor: String,
    headline: String,
    status: Option<&'static str>,
    dates: String,
    outlets: usize,
    versions: Vec<VersionView>,
    absent: Vec<String>,
}

struct MatrixRow {
    anchor: String,
    headline: String,
    date: String,
    status: Option<&'static str>,
    cells: Vec<Option<String>>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    dir: &'static str,
    summary: String,
    outlets: Vec<String>,
    rows: Vec<MatrixRow>,
    stories: Vec<StoryView>,
    omitted_stories: usize,
}

/// The column of articles without a source.
const UNKNOWN: &str = "(unknown outlet)";

fn class_of(carried_by: usize) -> &'static str {
    match carried_by {
        0 => "unique",
        1 => "shared-1",
        2 => "shared-2",
        _ => "shared-3",
    }
}

/// The segments of one field: sentences coloured by how many other versions
/// carry them, text between sentences plain, boilerplate lines greyed.
pub fn segments(member: &MemberText, divergence: &Divergence, field: Field) -> Vec<Segment> {
    let text = member.field(field);
    let chars: Vec<char> = text.chars().collect();
    let mut class = vec!["plain"; chars.len()];
    if field == Field::Text {
        class.fill("boilerplate");
        let mut at = 0usize;
        let mut byte = 0usize;
        for r in &member.kept_lines {
            at += text[byte..r.start].chars().count();
            let len = text[r.clone()].chars().count();
            class[at..at + len].fill("plain");
            at += len;
            byte = r.end;
        }
    }
    for s in divergence.sentences.iter().filter(|s| s.field == field) {
        class[s.start..s.end.min(chars.len())].fill(class_of(s.carried_by));
    }
    let mut out: Vec<Segment> = Vec::new();
    for (c, k) in chars.into_iter().zip(class) {
        match out.last_mut() {
            Some(seg) if seg.class == k => seg.text.push(c),
            _ => out.push(Segment { text: c.to_string(), class: k }),
        }
    }
    out
}

/// A version shown in full.
#[derive(Debug, Clone)]
pub struct ShownVersion<'a> {
    /// Its text, prepared.
    pub text: &'a MemberText,
    /// Its divergence from the other versions shown; `None` when no other
    /// version's text is at hand.
    pub divergence: Option<&'a Divergence>,
    /// The id of its near-duplicate keeper, when it is not that.
    pub duplicate_of: Option<String>,
    /// Added by this run (index reports).
    pub added: bool,
}

/// A member whose text is not at hand (index reports: the index keeps no
/// texts), shown by id, outlet and date only.
#[derive(Debug, Clone)]
pub struct AbsentVersion {
    /// Its id.
    pub id: String,
    /// Its outlet.
    pub outlet: Option<String>,
    /// Its publication time.
    pub published: Option<crate::date::Published>,
}

/// A story as the report shows it.
#[derive(Debug, Clone)]
pub struct ReportStory<'a> {
    /// The story's id.
    pub id: &'a str,
    /// `new`, `grown` or `merged` (index reports).
    pub status: Option<&'static str>,
    /// First and last publication time.
    pub first_time: Option<i64>,
    /// Last publication time.
    pub last_time: Option<i64>,
    /// The versions shown in full, in story order.
    pub versions: Vec<ShownVersion<'a>>,
    /// The members whose text is not at hand.
    pub absent: Vec<AbsentVersion>,
}

impl ReportStory<'_> {
    fn sources(&self) -> impl Iterator<Item = Option<&str>> {
        let shown = self.versions.iter().map(|v| v.text.source.as_deref());
        shown.chain(self.absent.iter().map(|a| a.outlet.as_deref()))
    }
}

fn mostly_arabic(stories: &[ReportStory<'_>]) -> bool {
    let (mut arabic, mut latin) = (0usize, 0usize);
    for m in stories.iter().take(50).flat_map(|s| &s.versions).map(|v| v.text) {
        for c in m.title.chars().chain(m.text.chars().take(2000)) {
            if ('\u{0600}'..='\u{06FF}').contains(&c) {
                arabic += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
    }
    arabic >= latin
}

/// Renders the report for the stories of `run` with at least `min_size`
/// members, at most `max_stories` of them (most outlets first).
pub fn render(run: &ClusterRun, min_size: usize, max_stories: usize) -> String {
    let eligible: Vec<usize> = crate::cluster::rank_by_outlets(&run.corpus, &run.stories)
        .into_iter()
        .filter(|&s| run.stories[s].members.len() >= min_size.max(2))
        .collect();
    // Without divergence there are no texts, and nothing to show.
    let chosen: Vec<usize> = eligible.iter().copied().filter(|&s| run.texts[s].is_some()).take(max_stories).collect();
    let omitted_stories = if chosen.is_empty() { 0 } else { eligible.len() - chosen.len() };
    let stories: Vec<ReportStory<'_>> = chosen
        .iter()
        .map(|&s| {
            let story = &run.stories[s];
            let text = run.texts[s].as_ref().expect("chosen stories have texts");
            ReportStory {
                id: &story.id,
                status: None,
                first_time: story.first_time,
                last_time: story.last_time,
                versions: text
                    .members
                    .iter()
                    .zip(&run.divergence[s])
                    .map(|(m, d)| ShownVersion {
                        text: m,
                        divergence: Some(d),
                        duplicate_of: run.duplicate_of[m.doc.get()].map(|k| run.corpus.doc(k).id.to_string()),
                        added: false,
                    })
                    .collect(),
                absent: Vec::new(),
            }
        })
        .collect();
    let multi = run.stories.iter().filter(|s| s.members.len() > 1).count();
    let summary = format!(
        "{} articles, {} stories, {} of them with two or more articles",
        run.corpus.len(),
        run.stories.len(),
        multi
    );
    render_stories(&stories, summary, omitted_stories)
}

/// Renders a page of `stories`, in the given order, under a `summary` line;
/// `omitted_stories` more are mentioned as not shown.
pub fn render_stories(stories: &[ReportStory<'_>], summary: String, omitted_stories: usize) -> String {
    let mut outlet_counts: ahash::AHashMap<&str, usize> = ahash::AHashMap::new();
    for story in stories {
        let mut named: Vec<&str> = story.sources().map(|s| s.unwrap_or(UNKNOWN)).collect();
        named.sort_unstable();
        named.dedup();
        for o in named {
            *outlet_counts.entry(o).or_default() += 1;
        }
    }
    let mut outlets: Vec<(&str, usize)> = outlet_counts.into_iter().collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let outlets: Vec<String> = outlets.into_iter().map(|o| o.0.to_string()).collect();
    let day = |t: Option<i64>| {
        t.and_then(|t| jiff::Timestamp::from_second(t).ok())
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "undated".into())
    };
    let mut rows = Vec::new();
    let mut views = Vec::new();
    for story in stories {
        let headline = story
            .versions
            .iter()
            .map(|v| v.text.title.trim())
            .find(|t| !t.is_empty())
            .unwrap_or("(untitled)")
            .to_string();
        let anchor = story.id.to_string();
        let cells = outlets
            .iter()
            .map(|o| {
                let of_outlet = |s: Option<&str>| s.unwrap_or(UNKNOWN) == o.as_str();
                let scores: Vec<String> = story
                    .versions
                    .iter()
                    .filter(|v| of_outlet(v.text.source.as_deref()))
                    .map(|v| v.divergence.map_or_else(|| "·".to_string(), |d| format!("{:.2}", d.score)))
                    .chain(story.absent.iter().filter(|a| of_outlet(a.outlet.as_deref())).map(|_| "·".to_string()))
                    .collect();
                (!scores.is_empty()).then(|| scores.join(" / "))
            })
            .collect();
        rows.push(MatrixRow {
            anchor: anchor.clone(),
            headline: headline.clone(),
            date: day(story.first_time),
            status: story.status,
            cells,
        });
        let versions = story.versions.iter().map(version_view).collect();
        let mut named: Vec<&str> = story.sources().flatten().collect();
        named.sort_unstable();
        named.dedup();
        views.push(StoryView {
            anchor,
            headline,
            status: story.status,
            dates: if story.first_time == story.last_time {
                day(story.first_time)
            } else {
                format!("{} – {}", day(story.first_time), day(story.last_time))
            },
            outlets: named.len(),
            versions,
            absent: story
                .absent
                .iter()
                .map(|a| {
                    let outlet = a.outlet.clone().unwrap_or_else(|| UNKNOWN.into());
                    let published = a.published.map(|p| p.to_string()).unwrap_or_else(|| "no date".into());
                    format!("{outlet} · {published} · id {}", a.id)
                })
                .collect(),
        });
    }
    let page = Page {
        dir: if mostly_arabic(stories) { "rtl" } else { "ltr" },
        summary,
        outlets,
        rows,
        stories: views,
        omitted_stories,
    };
    page.render().expect("rendering into a string does not fail")
}

fn version_view(v: &ShownVersion<'_>) -> VersionView {
    let m = v.text;
    let none = Divergence::default();
    let d = v.divergence.unwrap_or(&none);
    VersionView {
        id: m.id.to_string(),
        outlet: m.source.clone().unwrap_or_else(|| UNKNOWN.into()),
        published: m.published.map(|p| p.to_string()).unwrap_or_else(|| "no date".into()),
        duplicate_of: v.duplicate_of.clone(),
        added: v.added,
        compared: v.divergence.is_some(),
        title: segments(m, d, Field::Title),
        text: segments(m, d, Field::Text),
        score: format!("{:.2}", d.score),
        components: vec![
            ("shared", format!("{:.2}", d.shared)),
            ("unique", format!("{:.2}", d.unique)),
            ("omitted", format!("{:.2}", d.omitted)),
            ("similarity", format!("{:.2}", d.similarity)),
            ("attribution difference", format!("{:.2}", d.attribution_difference)),
        ],
        terms: d.distinctive_terms.iter().map(|t| format!("{} ({:.1})", t.term, t.z)).collect(),
        attributions: d
            .attributions
            .iter()
            .map(|a| {
                let verbs = if a.verbs.is_empty() { String::new() } else { format!(": {}", a.verbs.join("، ")) };
                format!("{} ×{}{} [{}]", a.agency, a.mentions, verbs, a.stance.name())
            })
            .collect(),
        quotes: d
            .quotes
            .iter()
            .map(|q| {
                let by: Vec<String> =
                    q.carried_by.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), String::from)).collect();
                let who = if by.is_empty() { "only here".to_string() } else { format!("also in {}", by.join(", ")) };
                (q.text.clone(), who)
            })
            .collect(),
        omissions: d.omissions.iter().map(|o| o.text.clone()).collect(),
    }
}
