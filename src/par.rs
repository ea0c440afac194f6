//! How finely parallel loops are cut.
//!
//! Rayon cuts an indexed loop into a few pieces per thread (four in all at
//! two threads) and cuts a piece again only when another thread steals it;
//! a piece being run is never cut. When one thread has finished, it waits
//! for the other's last piece: up to a quarter of the loop. Loops whose end
//! others wait for (each chunk of input before the next, each batch of
//! stories) are therefore capped with `with_max_len` at these sizes, which
//! keep a piece to about a millisecond at most.

/// Items that each cost tens of microseconds: an article read, tokenized,
/// signed or prepared for comparison.
pub const ARTICLES: usize = 8;

/// Items that each cost a few microseconds: a story written as JSON, an
/// article's weighted vector.
pub const LIGHT: usize = 128;

/// Items that each cost a story's worth of work: every member measured.
pub const STORIES: usize = 1;
