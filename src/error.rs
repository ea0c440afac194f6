//! The library's error type.
//!
//! Every error about input names the file and, where there is one, the line,
//! so that a user can go straight to the bad record. Problems with single
//! records carry a [`ProblemKind`] so that `--skip-invalid` can count them by
//! kind.

use std::fmt;
use std::path::PathBuf;

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in the input something is: a file and, for JSON Lines, a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or `<stdin>`).
    pub file: String,
    /// 1-based line number; `None` for a whole-file article (`.txt`).
    pub line: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => f.write_str(&self.file),
        }
    }
}

/// The kinds of bad input a run can meet; `--skip-invalid` counts each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// Bytes that are not UTF-8.
    NotUtf8,
    /// A line that is not a JSON object.
    InvalidJson,
    /// No `id`, or an empty one.
    MissingId,
    /// No `text`.
    MissingText,
    /// A field of the wrong type (an object for `title`, a float for `id`).
    BadField,
    /// A `published` value that is not one of the accepted date forms.
    BadDate,
    /// An `id` already used by an earlier article.
    DuplicateId,
    /// A compressed file that ends in the middle of its data.
    Truncated,
}

impl ProblemKind {
    /// All kinds, in reporting order.
    pub const ALL: [ProblemKind; 8] = [
        ProblemKind::NotUtf8,
        ProblemKind::InvalidJson,
        ProblemKind::MissingId,
        ProblemKind::MissingText,
        ProblemKind::BadField,
        ProblemKind::BadDate,
        ProblemKind::DuplicateId,
        ProblemKind::Truncated,
    ];

    /// A short, stable name (used in summaries and JSON).
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::NotUtf8 => "not_utf8",
            ProblemKind::InvalidJson => "invalid_json",
            ProblemKind::MissingId => "missing_id",
            ProblemKind::MissingText => "missing_text",
            ProblemKind::BadField => "bad_field",
            ProblemKind::BadDate => "bad_date",
            ProblemKind::DuplicateId => "duplicate_id",
            ProblemKind::Truncated => "truncated",
        }
    }
}

/// One bad record (or the bad tail of a file): where, what kind, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub location: Location,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// A sentence saying what is wrong.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}

/// The library's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A bad record; the run stops unless `--skip-invalid` is given.
    #[error("{0}")]
    Input(Problem),
    /// The inputs hold no articles at all where some were expected.
    #[error("{0}")]
    NoInput(String),
    /// A configuration file or value is not valid.
    #[error("{0}")]
    Config(String),
    /// Stored data was made with another signature scheme or format.
    #[error("{0}")]
    Incompatible(String),
    /// An index that cannot be used as asked: in use by another run, an id
    /// whose text changed, a damaged file.
    #[error("{0}")]
    Index(String),
    /// Writing the output failed because its reader went away (`| head`).
    #[error("output closed by its reader")]
    BrokenPipe,
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
