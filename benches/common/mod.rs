//! Helpers shared by the end-to-end benchmarks: where the corpus is, and
//! how a child process is timed (wall time and peak RSS).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Measured {
    pub wall: f64,
    pub max_rss_kb: i64,
    pub stdout: String,
}

/// Runs `cmd` to completion and measures its wall time and peak RSS. The
/// child is reaped with `wait4` (which also gives its resource usage)
/// instead of `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn measure(cmd: &mut Command) -> Measured {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(r, pid, "wait4");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed with status {status}");
    Measured { wall, max_rss_kb: usage.ru_maxrss, stdout: reader.join().unwrap_or_default() }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The magic number a zstd frame starts with.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Whether the file at `path` is zstd-compressed (starts with
/// [`ZSTD_MAGIC`]).
pub fn is_zstd(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok()
        && magic == ZSTD_MAGIC
}

/// The corpus as shipped (`$RIWAYA_CORPUS`, else the shared zstd file), if
/// present.
pub fn shipped_corpus() -> Option<PathBuf> {
    let src = std::env::var_os("RIWAYA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../shared/corpus/ant-news.jsonl.zst"));
    src.exists().then_some(src)
}

/// The corpus decompressed into `target/bench-data`, if present; made
/// again when the corpus is another file or has changed ([`derived`]).
pub fn plain_corpus() -> Option<PathBuf> {
    let src = shipped_corpus()?;
    let dir = manifest_dir().join("target/bench-data");
    std::fs::create_dir_all(&dir).ok()?;
    derived(&dir.join("ant-news.jsonl"), &src, |out| {
        let data = std::fs::read(&src).ok()?;
        let plain = if data.starts_with(&ZSTD_MAGIC) { zstd::decode_all(&data[..]).ok()? } else { data };
        std::fs::write(out, plain).ok()
    })
}

/// `out`, a file made from `src` by `make`: reused when a stamp beside it
/// (`out` + `.source`) names the same `src` (path, size, modification
/// time), else made again and stamped. `None` when `make` fails.
pub fn derived(out: &Path, src: &Path, make: impl FnOnce(&Path) -> Option<()>) -> Option<PathBuf> {
    let stamp_of = |src: &Path| {
        let meta = std::fs::metadata(src).ok()?;
        let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!("{}\t{}\t{}", std::fs::canonicalize(src).ok()?.display(), meta.len(), modified.as_nanos()))
    };
    let mut stamp_file = out.as_os_str().to_owned();
    stamp_file.push(".source");
    let stamp = stamp_of(src)?;
    if out.exists() && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return Some(out.to_path_buf());
    }
    let _ = std::fs::remove_file(&stamp_file);
    make(out)?;
    std::fs::write(&stamp_file, stamp).ok()?;
    Some(out.to_path_buf())
}
