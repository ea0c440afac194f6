//! The HTML report, checked in a real browser (Debian's chromium, headless):
//! its DOM holds the coverage matrix and the versions side by side, article
//! text containing `<script>` and markup stays inert text, and a screenshot of
//! the page is not blank.
//!
//! The browser is found as `chromium` (or `$RIWAYA_CHROMIUM`). Without one the
//! browser checks are skipped with a message, unless `RIWAYA_BROWSER_TESTS`
//! is `require` (as `.ci/run` sets it, after installing chromium).

mod common;

use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates =
        [std::env::var("RIWAYA_CHROMIUM").unwrap_or_default(), "chromium".into(), "chromium-browser".into()];
    let found = candidates
        .into_iter()
        .filter(|c| !c.is_empty())
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()));
    if found.is_none() {
        assert!(
            std::env::var("RIWAYA_BROWSER_TESTS").as_deref() != Ok("require"),
            "RIWAYA_BROWSER_TESTS=require but no chromium was found"
        );
        eprintln!("report: no chromium found; the browser checks are skipped (apt-get install chromium)");
    }
    found.map(PathBuf::from)
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

const EVIL: &str = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\"><b>bold</b> & \"quotes\"";

/// The text of an HTML document as a reader sees it: tags removed, entities
/// decoded.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let mut out = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'");
    out = out.replace("&#38;", "&").replace("&amp;", "&");
    out
}

/// The DOM of the page at `url` after chromium loaded it.
fn dump_dom(browser: &Path, profile: &Path, url: &str) -> String {
    let dom = headless(browser, profile).arg("--dump-dom").arg(url).output().unwrap();
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    String::from_utf8(dom.stdout).unwrap()
}

/// The hostile markup of [`EVIL`] stayed text in a loaded page's DOM.
fn assert_inert(dom: &str) {
    // The hostile code never ran: it would have set a data-pwned attribute
    // on <body> (the words appear in the page only as text).
    let body_tag = &dom[dom.find("<body").unwrap()..];
    let body_tag = &body_tag[..body_tag.find('>').unwrap()];
    assert!(!body_tag.contains("data-pwned"), "the page ran article text as code: {body_tag}");
    assert!(!dom.contains("data-pwned=\""), "the page ran article text as code");
    assert!(!dom.to_lowercase().contains("<script"));
    assert!(!dom.contains("<img"));
    // What a reader sees is the hostile markup, verbatim, as text.
    assert!(visible_text(dom).contains(EVIL), "the markup is displayed as text");
}

/// A batch with the seeds and two versions of an article whose title and
/// text are hostile markup.
fn hostile_batch(dir: &Path) -> PathBuf {
    let evil = EVIL;
    let (_, text) = seed(1);
    let input = dir.join("hostile.jsonl");
    let mut records: Vec<serde_json::Value> = Vec::new();
    for (n, (title, body)) in (0..5).map(seed).enumerate() {
        let manifest = ["2022-02-27", "2022-02-28", "2022-03-01", "2017-01-08", "2024-03-18"];
        records.push(json!({"id": format!("seed-{n}"), "source": format!("Outlet {n}"), "published": manifest[n], "title": title, "text": body}));
    }
    for (id, outlet) in [("evil-1", "Evil Times"), ("evil-2", "<i>Evil</i> Post")] {
        records.push(json!({"id": id, "source": outlet, "published": "2022-02-28T12:00:00Z", "title": format!("{evil} مملوك في طهران"), "text": format!("{evil}\n{text}")}));
    }
    write_jsonl(&input, &records);
    input
}

#[test]
fn the_report_is_escaped_and_renders_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_batch(dir.path());
    let html_path = dir.path().join("report.html");
    riwaya()
        .arg("cluster")
        .arg(&input)
        .arg("--html")
        .arg(&html_path)
        .arg("-o")
        .arg(dir.path().join("c.jsonl"))
        .arg("-q")
        .assert()
        .success();
    let html = std::fs::read_to_string(&html_path).unwrap();

    // In the file: no script element at all, the markup as escaped text.
    assert!(!html.to_lowercase().contains("<script"), "the page has no scripts");
    // The markup is shown as text (askama escapes with numeric entities, and
    // sentence highlights split it into several spans).
    assert!(html.contains("&#60;"));
    assert!(!html.contains("<img"));
    assert!(visible_text(&html).contains(EVIL), "the article's <script> is shown as text");
    assert!(!html.contains("<i>Evil</i>"));
    assert!(html.contains("Evil Times"));
    // Self-contained: no external resources.
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("src=\""),
        "no external resources"
    );
    assert!(html.contains("dir=\"rtl\""));

    let Some(browser) = chromium() else { return };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", html_path.display());
    let dom = dump_dom(&browser, profile.path(), &url);
    assert_inert(&dom);
    // The structure: a coverage matrix with a row per shown story and a
    // column per outlet, and the versions side by side.
    assert!(dom.contains("<table class=\"coverage\">"));
    // One story of several versions (the E1 seeds and both hostile copies),
    // five outlets covering it.
    assert_eq!(dom.matches("<td class=\"story\">").count(), 1);
    assert_eq!(dom.matches("<td class=\"covered\">").count(), 5);
    assert!(dom.contains("<th>&lt;i&gt;Evil&lt;/i&gt; Post</th>"));
    assert!(dom.matches("<article class=\"version\"").count() >= 5);
    assert!(dom.contains("data-id=\"evil-1\"") && dom.contains("data-id=\"evil-2\""));
    assert!(dom.contains("class=\"shared-"), "shared sentences are highlighted");
    assert!(dom.contains("class=\"unique\""), "unique sentences are marked");

    // A screenshot that is not blank: many pixels are not background.
    let png_path = dir.path().join("shot.png");
    let shot = headless(&browser, profile.path())
        .arg("--window-size=1280,1600")
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let first = &pixels[..channels];
    let differing = pixels.chunks(channels).filter(|p| p != &first).count();
    let total = pixels.len() / channels;
    assert!(info.width == 1280 && info.height == 1600);
    assert!(differing * 20 > total, "only {differing} of {total} pixels differ from the background");
    let colours: std::collections::HashSet<&[u8]> = pixels.chunks(channels).take(500_000).collect();
    assert!(colours.len() > 50, "{} colours: text and highlights are drawn", colours.len());
}

#[test]
fn the_index_report_is_escaped_and_marks_what_the_run_changed() {
    // Day one: the seeds; day two: the hostile versions, which join E1.
    let dir = tempfile::tempdir().unwrap();
    let all = objects(&std::fs::read(hostile_batch(dir.path())).unwrap());
    let (day1, day2) = (dir.path().join("day1.jsonl"), dir.path().join("day2.jsonl"));
    write_jsonl(&day1, &all[..5]);
    write_jsonl(&day2, &all[5..]);
    let index = dir.path().join("ix");
    riwaya().args(["index", "add", "-q", "--index"]).arg(&index).arg(&day1).assert().success();
    let html_path = dir.path().join("index.html");
    riwaya()
        .args(["index", "add", "-q", "--index"])
        .arg(&index)
        .arg("--html")
        .arg(&html_path)
        .arg("--texts")
        .arg(&day1)
        .arg("-o")
        .arg(dir.path().join("c.jsonl"))
        .arg(&day2)
        .assert()
        .success();
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(!html.to_lowercase().contains("<script") && !html.contains("<img"));
    assert!(visible_text(&html).contains(EVIL));

    let Some(browser) = chromium() else { return };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", html_path.display());
    let dom = dump_dom(&browser, profile.path(), &url);
    assert_inert(&dom);
    // One grown story: the three E1 seeds from the earlier day's file and the
    // two versions this run added, marked as such.
    assert_eq!(dom.matches("<td class=\"story\">").count(), 1);
    assert!(dom.contains("<span class=\"status grown\">grown</span>"));
    assert_eq!(dom.matches("<article class=\"version\"").count(), 3);
    assert_eq!(dom.matches("<article class=\"version added\"").count(), 2);
    assert!(dom.contains("data-id=\"evil-1\"") && dom.contains("data-id=\"seed-0\""));
    assert_eq!(dom.matches("<td class=\"covered\">").count(), 5);
}
