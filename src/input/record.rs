//! Turning one input record into an [`Article`] (DESIGN section 2).
//!
//! A JSON Lines record is parsed with a single serde visitor that looks only
//! at the six known fields (under the user's names, see [`FieldMap`]), borrows
//! their strings from the input where it can, and skips every other value
//! without building it. A `.txt` file is one article: its first non-empty line
//! is the title, the rest the text, and its `manifest.jsonl` entry (if any)
//! adds metadata.
//!
//! Validation follows DESIGN: `id` must be present and non-empty (a string or
//! an integer), `text` must be present (a string, possibly empty), and the
//! optional fields are unknown when absent, `null` or `""`. Every failure
//! names its [`ProblemKind`] and says why.

use crate::date::{Published, parse_published};
use crate::error::ProblemKind;
use crate::ids::ArticleId;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// One article as the pipeline sees it. Strings borrow from the record's
/// bytes where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct Article<'a> {
    /// The user's identifier.
    pub id: ArticleId,
    /// Outlet name, if known.
    pub source: Option<Cow<'a, str>>,
    /// Publication time, if known.
    pub published: Option<Published>,
    /// Headline (empty if none).
    pub title: Cow<'a, str>,
    /// Body (may be empty).
    pub text: Cow<'a, str>,
    /// Address, if known.
    pub url: Option<Cow<'a, str>>,
}

/// A record that could not be read: its kind and a sentence saying why.
pub type RecordError = (ProblemKind, String);

/// The JSON keys that hold each article field (`--field NAME=KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    keys: [String; 6],
}

/// The article fields that can be remapped, in [`FieldMap`] order.
pub const FIELD_NAMES: [&str; 6] = ["id", "source", "published", "title", "text", "url"];

const ID: usize = 0;
const SOURCE: usize = 1;
const PUBLISHED: usize = 2;
const TITLE: usize = 3;
const TEXT: usize = 4;
const URL: usize = 5;

impl Default for FieldMap {
    fn default() -> Self {
        Self { keys: FIELD_NAMES.map(String::from) }
    }
}

impl FieldMap {
    /// Reads the article field `name` from the JSON key `key`.
    pub fn set(&mut self, name: &str, key: &str) -> Result<(), String> {
        let i = FIELD_NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("unknown field {name:?}: expected one of {}", FIELD_NAMES.join(", ")))?;
        if key.is_empty() {
            return Err(format!("field {name}: the key must not be empty"));
        }
        self.keys[i] = key.to_owned();
        for (j, other) in self.keys.iter().enumerate() {
            if j != i && other == key {
                return Err(format!(
                    "fields {} and {} would both read the key {key:?}",
                    FIELD_NAMES[j], FIELD_NAMES[i]
                ));
            }
        }
        Ok(())
    }

    /// The JSON key of article field number `i`.
    fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// "the id field" or "the id field (key \"doc_id\")".
    fn describe(&self, i: usize) -> String {
        if self.keys[i] == FIELD_NAMES[i] {
            format!("{:?}", FIELD_NAMES[i])
        } else {
            format!("{:?} (the {} field)", self.keys[i], FIELD_NAMES[i])
        }
    }
}

/// A JSON value, reduced to what validation needs.
enum Val<'de> {
    Str(Cow<'de, str>),
    /// A string as raw JSON (quotes and escapes included), for the text
    /// field, which is unescaped once into a reused buffer.
    RawStr(&'de str),
    Int(i128),
    Other(&'static str),
    Null,
}

impl<'de> de::Deserialize<'de> for Val<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Val<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
                Ok(Val::Str(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
                Ok(Val::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
                Ok(Val::Int(v.into()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Val<'de>, E> {
                Ok(Val::Other("a number with a fraction"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Val<'de>, E> {
                Ok(Val::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> Result<Val<'de>, E> {
                Ok(Val::Null)
            }
            fn visit_none<E>(self) -> Result<Val<'de>, E> {
                Ok(Val::Null)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Val::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Val::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

impl Val<'_> {
    fn describe(&self) -> &'static str {
        match self {
            Val::Str(_) | Val::RawStr(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Other(what) => what,
            Val::Null => "null",
        }
    }
}

/// A map key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The six raw field values of one object.
struct RawFields<'de>([Option<Val<'de>>; 6]);

struct RawSeed<'f>(&'f FieldMap);

impl<'de> DeserializeSeed<'de> for RawSeed<'_> {
    type Value = RawFields<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawSeed<'_> {
    type Value = RawFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: [Option<Val<'de>>; 6] = Default::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match (0..6).find(|&i| self.0.key(i) == key) {
                Some(i) => {
                    if out[i].is_some() {
                        return Err(de::Error::custom(format_args!("the key {key:?} appears twice")));
                    }
                    out[i] = Some(if i == TEXT {
                        raw_val(map.next_value::<&'de serde_json::value::RawValue>()?.get())
                    } else {
                        map.next_value::<Val<'de>>()?
                    });
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(RawFields(out))
    }
}

/// Classifies a raw JSON value by its first character.
fn raw_val(raw: &str) -> Val<'_> {
    match raw.as_bytes().first() {
        Some(b'"') => Val::RawStr(raw),
        Some(b'n') => Val::Null,
        Some(b't' | b'f') => Val::Other("a boolean"),
        Some(b'[') => Val::Other("an array"),
        Some(b'{') => Val::Other("an object"),
        _ => Val::Other("a number"),
    }
}

/// Unescapes the JSON string `raw` (with its quotes) into `out`. serde_json
/// has already checked its escapes (a known letter, or `u` and four hex
/// digits); what is left to check is that `\u` surrogates come in pairs.
fn unescape_json(raw: &str, out: &mut String) -> Result<(), String> {
    let body = &raw[1..raw.len() - 1];
    let b = body.as_bytes();
    out.clear();
    out.reserve(body.len());
    let (mut i, mut last) = (0, 0);
    while let Some(p) = memchr::memchr(b'\\', &b[i..]) {
        let p = i + p;
        out.push_str(&body[last..p]);
        let hex = |at: usize| u32::from_str_radix(&body[at..at + 4], 16).map_err(|_| "bad \\u escape".to_string());
        let (c, len) = match b[p + 1] {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let hi = hex(p + 2)?;
                match hi {
                    0xD800..=0xDBFF => {
                        let lo = if b.get(p + 6) == Some(&b'\\') && b.get(p + 7) == Some(&b'u') {
                            hex(p + 8).ok()
                        } else {
                            None
                        };
                        match lo {
                            Some(lo @ 0xDC00..=0xDFFF) => {
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                (char::from_u32(c).expect("valid pair"), 12)
                            }
                            _ => return Err("lone leading surrogate in a \\u escape".into()),
                        }
                    }
                    0xDC00..=0xDFFF => return Err("lone trailing surrogate in a \\u escape".into()),
                    c => (char::from_u32(c).expect("not a surrogate"), 6),
                }
            }
            _ => return Err("invalid escape".into()),
        };
        out.push(c);
        i = p + len;
        last = i;
    }
    out.push_str(&body[last..]);
    Ok(())
}

/// Checks that `bytes` is UTF-8, saying where it is not.
pub fn check_utf8(bytes: &[u8]) -> Result<&str, RecordError> {
    // SIMD validation on the fast path; the slower standard check only runs
    // to say where the bad byte is.
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Ok(s);
    }
    std::str::from_utf8(bytes).map_err(|e| {
        (ProblemKind::NotUtf8, format!("not valid UTF-8 (bad byte at byte {} of the record)", e.valid_up_to() + 1))
    })
}

/// Parses one JSON Lines record. `scratch` receives the unescaped text when
/// it has escapes (the article then borrows it).
pub fn parse_json<'a>(bytes: &'a [u8], fields: &FieldMap, scratch: &'a mut String) -> Result<Article<'a>, RecordError> {
    let s = check_utf8(bytes)?;
    let mut de = serde_json::Deserializer::from_str(s);
    let raw = RawSeed(fields)
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|()| raw))
        .map_err(|e| (ProblemKind::InvalidJson, json_reason(&e)))?;
    let [id, source, published, title, text, url] = raw.0;
    let id = match id {
        Some(Val::Str(s)) if s.trim().is_empty() => {
            return Err((ProblemKind::MissingId, format!("{} is empty", fields.describe(ID))));
        }
        Some(Val::Str(s)) => ArticleId::string(s.into_owned()),
        Some(Val::Int(i)) => ArticleId::integer(i),
        None | Some(Val::Null) => {
            return Err((ProblemKind::MissingId, format!("no {} field", fields.describe(ID))));
        }
        Some(v) => {
            return Err((
                ProblemKind::BadField,
                format!("{} must be a string or an integer, not {}", fields.describe(ID), v.describe()),
            ));
        }
    };
    let text = match text {
        Some(Val::RawStr(raw)) if !raw.contains('\\') => Cow::Borrowed(&raw[1..raw.len() - 1]),
        Some(Val::RawStr(raw)) => {
            unescape_json(raw, scratch).map_err(|e| {
                (ProblemKind::InvalidJson, format!("not a valid JSON object: {} has {e}", fields.describe(TEXT)))
            })?;
            let unescaped: &'a String = scratch;
            Cow::Borrowed(unescaped.as_str())
        }
        Some(Val::Str(s)) => s,
        None | Some(Val::Null) => {
            return Err((ProblemKind::MissingText, format!("no {} field", fields.describe(TEXT))));
        }
        Some(v) => {
            return Err((
                ProblemKind::BadField,
                format!("{} must be a string, not {}", fields.describe(TEXT), v.describe()),
            ));
        }
    };
    let optional = |v: Option<Val<'a>>, i: usize| -> Result<Option<Cow<'a, str>>, RecordError> {
        match v {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Str(s)) if s.is_empty() => Ok(None),
            Some(Val::Str(s)) => Ok(Some(s)),
            Some(v) => {
                Err((ProblemKind::BadField, format!("{} must be a string, not {}", fields.describe(i), v.describe())))
            }
        }
    };
    let published = match published {
        None | Some(Val::Null) => None,
        Some(Val::Str(s)) if s.trim().is_empty() => None,
        Some(Val::Str(s)) => Some(parse_published(&s).map_err(|e| (ProblemKind::BadDate, e))?),
        Some(v) => {
            return Err((
                ProblemKind::BadDate,
                format!("{} must be a date string, not {}", fields.describe(PUBLISHED), v.describe()),
            ));
        }
    };
    Ok(Article {
        id,
        source: optional(source, SOURCE)?,
        published,
        title: optional(title, TITLE)?.unwrap_or_default(),
        text,
        url: optional(url, URL)?,
    })
}

fn json_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line 1 column N"; the line is ours to report.
    let msg = match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    };
    format!("not a valid JSON object: {msg}")
}

/// Metadata for a `.txt` article from its directory's `manifest.jsonl`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// Where the entry is (`manifest.jsonl:LINE`).
    pub location: String,
    /// The entry's fields, without `file`, in their order.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Parses a `.txt` article: `default_id` is its path relative to the
/// directory, without extension.
pub fn parse_text<'a>(
    bytes: &'a [u8],
    default_id: &str,
    manifest: Option<&ManifestEntry>,
) -> Result<Article<'a>, RecordError> {
    let s = check_utf8(bytes)?;
    let s = s.strip_prefix('\u{FEFF}').unwrap_or(s);
    let mut title = "";
    let mut rest = s;
    while !rest.is_empty() {
        let (line, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = tail;
        if !line.trim().is_empty() {
            title = line.trim();
            break;
        }
    }
    let mut article = Article {
        id: ArticleId::string(default_id),
        source: None,
        published: None,
        title: Cow::Borrowed(title),
        text: Cow::Borrowed(rest.trim_start_matches(['\n', '\r'])),
        url: None,
    };
    if let Some(m) = manifest {
        apply_manifest(&mut article, m)?;
    }
    Ok(article)
}

fn apply_manifest(article: &mut Article<'_>, m: &ManifestEntry) -> Result<(), RecordError> {
    let string_field = |name: &str| -> Result<Option<String>, RecordError> {
        match m.fields.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err((ProblemKind::BadField, format!("{}: {name:?} must be a string", m.location))),
        }
    };
    match m.fields.get("id") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => article.id = ArticleId::string(s.as_str()),
        Some(serde_json::Value::Number(n)) if n.as_i64().is_some() || n.as_u64().is_some() => {
            let v = n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)).unwrap_or_default();
            article.id = ArticleId::integer(v);
        }
        Some(_) => {
            return Err((
                ProblemKind::BadField,
                format!("{}: \"id\" must be a non-empty string or an integer", m.location),
            ));
        }
    }
    if let Some(s) = string_field("source")? {
        article.source = Some(Cow::Owned(s));
    }
    if let Some(s) = string_field("title")? {
        article.title = Cow::Owned(s);
    }
    if let Some(s) = string_field("url")? {
        article.url = Some(Cow::Owned(s));
    }
    if let Some(s) = string_field("published")? {
        article.published =
            Some(parse_published(&s).map_err(|e| (ProblemKind::BadDate, format!("{}: {e}", m.location)))?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Article<'static>, RecordError> {
        let scratch = Box::leak(Box::new(String::new()));
        let bytes: &'static [u8] = Box::leak(line.as_bytes().to_vec().into_boxed_slice());
        parse_json(bytes, &FieldMap::default(), scratch)
    }

    #[test]
    fn full_record() {
        let a = parse(r#"{"id":"a1","source":"SANA","published":"2022-02-27","title":"t","text":"نص\n","url":"u","x":[1,{"y":2}]}"#)
            .unwrap();
        assert_eq!(a.id.as_str(), "a1");
        assert_eq!(a.source.as_deref(), Some("SANA"));
        assert_eq!(a.text, "نص\n");
        assert!(a.published.unwrap().date_only);
    }

    #[test]
    fn optional_fields_may_be_missing_null_or_empty() {
        let a = parse(r#"{"id":7,"text":"","source":null,"title":"","published":""}"#).unwrap();
        assert!(a.id.is_integer());
        assert_eq!(a.source, None);
        assert_eq!(a.published, None);
        assert_eq!(a.title, "");
    }

    #[test]
    fn each_problem_has_its_kind() {
        let cases: &[(&[u8], ProblemKind)] = &[
            (b"{\"id\":1,\"text\":\"\xff\"}", ProblemKind::NotUtf8),
            (b"{\"id\":1,\"text\":\"x\"", ProblemKind::InvalidJson),
            (b"[1,2]", ProblemKind::InvalidJson),
            (b"{\"id\":1,\"text\":\"x\"} trailing", ProblemKind::InvalidJson),
            (b"{\"id\":1,\"id\":2,\"text\":\"x\"}", ProblemKind::InvalidJson),
            (b"{\"text\":\"x\"}", ProblemKind::MissingId),
            (b"{\"id\":\"  \",\"text\":\"x\"}", ProblemKind::MissingId),
            (b"{\"id\":1.5,\"text\":\"x\"}", ProblemKind::BadField),
            (b"{\"id\":1}", ProblemKind::MissingText),
            (b"{\"id\":1,\"text\":null}", ProblemKind::MissingText),
            (b"{\"id\":1,\"text\":[\"x\"]}", ProblemKind::BadField),
            (b"{\"id\":1,\"text\":\"x\",\"title\":5}", ProblemKind::BadField),
            (b"{\"id\":1,\"text\":\"x\",\"published\":\"27/02/2022\"}", ProblemKind::BadDate),
            (b"{\"id\":1,\"text\":\"x\",\"published\":1645947000}", ProblemKind::BadDate),
        ];
        for (bytes, kind) in cases {
            let err = parse_json(bytes, &FieldMap::default(), &mut String::new()).unwrap_err();
            assert_eq!(err.0, *kind, "{:?}: {}", String::from_utf8_lossy(bytes), err.1);
        }
    }

    #[test]
    fn text_escapes_are_decoded() {
        let a = parse(r#"{"id":1,"text":"a\nb \"q\" \\ \/ \t \u00e9 \ud83d\ude00 \u0627"}"#).unwrap();
        assert_eq!(a.text, "a\nb \"q\" \\ / \t é 😀 ا");
        for bad in [r#"{"id":1,"text":"\ud83d"}"#, r#"{"id":1,"text":"\ude00x"}"#, r#"{"id":1,"text":"\ud83d\u0041"}"#]
        {
            assert_eq!(parse(bad).unwrap_err().0, ProblemKind::InvalidJson, "{bad}");
        }
        assert_eq!(parse(r#"{"id":1,"text":"\q"}"#).unwrap_err().0, ProblemKind::InvalidJson);
        assert_eq!(parse("{\"id\":1,\"text\":\"a\u{1}b\"}").unwrap_err().0, ProblemKind::InvalidJson);
    }

    proptest::proptest! {
        #[test]
        fn text_round_trips_through_json(s in proptest::prelude::any::<String>()) {
            let line = serde_json::json!({"id": 1, "text": s}).to_string();
            let mut scratch = String::new();
            let a = parse_json(line.as_bytes(), &FieldMap::default(), &mut scratch).unwrap();
            proptest::prop_assert_eq!(a.text.as_ref(), s.as_str());
            // The same text with every newline written as \u000a.
            let escaped_text: String = s
                .chars()
                .map(|c| match c {
                    '\n' => "\\u000a".to_string(),
                    c => {
                        let quoted = serde_json::to_string(&c.to_string()).unwrap();
                        quoted[1..quoted.len() - 1].to_string()
                    }
                })
                .collect();
            let escaped = format!("{{\"id\":1,\"text\":\"{escaped_text}\"}}");
            let mut scratch = String::new();
            let a = parse_json(escaped.as_bytes(), &FieldMap::default(), &mut scratch).unwrap();
            proptest::prop_assert_eq!(a.text.as_ref(), s.as_str());
        }
    }

    #[test]
    fn remapped_fields() {
        let mut f = FieldMap::default();
        f.set("id", "doc_id").unwrap();
        f.set("text", "body").unwrap();
        let mut scratch = String::new();
        let a = parse_json(br#"{"doc_id":"x","body":"b","text":"ignored"}"#, &f, &mut scratch).unwrap();
        assert_eq!((a.id.as_str(), a.text.as_ref()), ("x", "b"));
        let e = parse_json(br#"{"id":"x","body":"b"}"#, &f, &mut String::new()).unwrap_err();
        assert_eq!(e.0, ProblemKind::MissingId);
        assert!(e.1.contains("doc_id"), "{}", e.1);
        assert!(f.set("title", "body").is_err());
        assert!(f.set("author", "a").is_err());
    }

    #[test]
    fn text_files_take_their_title_from_the_first_line() {
        let a = parse_text("\n\n  العنوان  \n\nالنص هنا\nسطر".as_bytes(), "dir/x", None).unwrap();
        assert_eq!(a.id.as_str(), "dir/x");
        assert_eq!(a.title, "العنوان");
        assert_eq!(a.text, "النص هنا\nسطر");
        let mut fields = serde_json::Map::new();
        fields.insert("id".into(), "000".into());
        fields.insert("source".into(), "Enab Baladi".into());
        fields.insert("published".into(), "2022-02-27".into());
        let m = ManifestEntry { location: "manifest.jsonl:1".into(), fields };
        let a = parse_text("t\nx".as_bytes(), "000_abc", Some(&m)).unwrap();
        assert_eq!(a.id.as_str(), "000");
        assert_eq!(a.source.as_deref(), Some("Enab Baladi"));
        assert!(a.published.is_some());
    }
}
