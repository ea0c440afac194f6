//! Newtypes for the identifiers that flow between stages.
//!
//! Internally every valid article of a run is a [`DocIdx`]: its position among
//! the run's valid articles, in input order. The user's own identifier is an
//! [`ArticleId`], kept exactly as given (a JSON string or integer) and written
//! back the same way.

use std::cmp::Ordering;
use std::fmt;

/// Position of an article among the run's valid articles, in input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocIdx(pub u32);

impl DocIdx {
    /// The index as a `usize`, for slicing.
    #[inline]
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// Interned outlet name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub u32);

/// Position of an input file in the run's list of inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileIdx(pub u32);

/// An article's identifier as the user gave it: a JSON string or integer.
///
/// Two ids are the same when their text is the same, so `17` and `"17"`
/// collide (downstream tools rarely keep the distinction). Ordering, used to
/// break ties, puts integers first (by value), then strings (by bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArticleId {
    text: Box<str>,
    numeric: bool,
}

impl ArticleId {
    /// A string id.
    pub fn string(s: impl Into<Box<str>>) -> Self {
        Self { text: s.into(), numeric: false }
    }

    /// An integer id, from its decimal text.
    pub fn integer(value: i128) -> Self {
        Self { text: value.to_string().into(), numeric: true }
    }

    /// The id's text (without quotes for strings).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the input gave the id as a JSON integer.
    pub fn is_integer(&self) -> bool {
        self.numeric
    }

    /// The id as a JSON value, the same type as in the input.
    pub fn to_json(&self) -> serde_json::Value {
        if self.numeric {
            if let Ok(v) = self.text.parse::<i64>() {
                return serde_json::Value::from(v);
            }
            if let Ok(v) = self.text.parse::<u64>() {
                return serde_json::Value::from(v);
            }
        }
        serde_json::Value::from(self.text.as_ref())
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for ArticleId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.numeric, other.numeric) {
            (true, true) => {
                let a = self.text.parse::<i128>().unwrap_or(0);
                let b = other.text.parse::<i128>().unwrap_or(0);
                a.cmp(&b).then_with(|| self.text.cmp(&other.text))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => self.text.as_bytes().cmp(other.text.as_bytes()),
        }
    }
}

impl PartialOrd for ArticleId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for ArticleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.numeric {
            if let Ok(v) = self.text.parse::<i64>() {
                return s.serialize_i64(v);
            }
            if let Ok(v) = self.text.parse::<u64>() {
                return s.serialize_u64(v);
            }
        }
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_json_type() {
        assert_eq!(serde_json::to_string(&ArticleId::integer(17)).unwrap(), "17");
        assert_eq!(serde_json::to_string(&ArticleId::string("17")).unwrap(), "\"17\"");
        assert_eq!(ArticleId::integer(-3).to_json(), serde_json::json!(-3));
    }

    #[test]
    fn integers_sort_by_value_before_strings() {
        let mut v = [ArticleId::string("b"), ArticleId::integer(10), ArticleId::string("a"), ArticleId::integer(9)];
        v.sort();
        let texts: Vec<&str> = v.iter().map(|i| i.as_str()).collect();
        assert_eq!(texts, ["9", "10", "a", "b"]);
    }
}
