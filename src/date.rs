//! Publication times (DESIGN section 2).
//!
//! Accepted forms of `published`:
//! - RFC 3339: `2022-02-27T10:30:00+03:00`, `...Z`, fractional seconds;
//! - the same with a space instead of `T`, and/or without an offset, which
//!   is read as UTC: `2015-07-22 01:01:26`; minutes without seconds too;
//! - a date alone: `2022-02-27` (a day, not an instant: see
//!   [`Published::date_only`]);
//! - ISO 8601 basic time after an extended date, `2017-01-22T185600`, which
//!   real feeds (the shared corpus among them) contain.
//!
//! Anything else, including impossible dates such as `2022-02-30`, is an
//! error with a reason. Calendar arithmetic is done by `jiff`.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use std::fmt;

/// A publication time: an instant in UTC seconds, or a calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Published {
    /// Seconds since 1970-01-01T00:00:00Z (for a day: its start in UTC).
    pub unix: i64,
    /// True when only the day is known.
    pub date_only: bool,
}

impl Published {
    /// The UTC calendar day.
    pub fn day(&self) -> Date {
        jiff::Timestamp::from_second(self.unix)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
            .unwrap_or(Date::ZERO)
    }

    /// Whole days since 1970-01-01 (UTC).
    pub fn day_number(&self) -> i64 {
        self.unix.div_euclid(86_400)
    }

    /// A day at its UTC midnight.
    pub fn from_date(date: Date) -> Self {
        let unix = Offset::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .map(|t| t.as_second())
            .unwrap_or(0);
        Self { unix, date_only: true }
    }
}

impl fmt::Display for Published {
    /// `YYYY-MM-DD` for a day, RFC 3339 in UTC for an instant.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.date_only {
            write!(f, "{}", self.day())
        } else {
            match jiff::Timestamp::from_second(self.unix) {
                Ok(t) => write!(f, "{}", t.strftime("%Y-%m-%dT%H:%M:%SZ")),
                Err(_) => write!(f, "{}", self.unix),
            }
        }
    }
}

impl serde::Serialize for Published {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses a `published` value; the error says what is wrong.
pub fn parse_published(s: &str) -> Result<Published, String> {
    let bad = || format!("published {s:?} is not a date (expected RFC 3339, \"YYYY-MM-DD HH:MM:SS\" or YYYY-MM-DD)");
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let year = digits(&b[0..4]).ok_or_else(bad)? as i16;
    let month = digits(&b[5..7]).ok_or_else(bad)? as i8;
    let day = digits(&b[8..10]).ok_or_else(bad)? as i8;
    let date = Date::new(year, month, day).map_err(|_| format!("published {s:?} is not a real calendar date"))?;
    if b.len() == 10 {
        return Ok(Published::from_date(date));
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return Err(bad());
    }
    let rest = &b[11..];
    // Time: HH:MM[:SS[.frac]] or HHMMSS.
    let (hour, minute, second, mut pos) = if rest.len() >= 5 && rest[2] == b':' {
        let h = digits(&rest[0..2]).ok_or_else(bad)?;
        let m = digits(&rest[3..5]).ok_or_else(bad)?;
        if rest.len() >= 8 && rest[5] == b':' { (h, m, digits(&rest[6..8]).ok_or_else(bad)?, 8) } else { (h, m, 0, 5) }
    } else if rest.len() >= 6 && rest[..6].iter().all(u8::is_ascii_digit) {
        let d = |r: std::ops::Range<usize>| digits(&rest[r]).expect("checked digits");
        (d(0..2), d(2..4), d(4..6), 6)
    } else {
        return Err(bad());
    };
    if pos < rest.len() && (rest[pos] == b'.' || rest[pos] == b',') {
        pos += 1;
        let start = pos;
        while pos < rest.len() && rest[pos].is_ascii_digit() {
            pos += 1;
        }
        if pos == start {
            return Err(bad());
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("published {s:?} has an impossible time of day"));
    }
    let second = second.min(59); // a leap second counts as the second before it
    let offset_seconds: i32 = match &rest[pos..] {
        [] => 0,
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (digits(&[*h1, *h2]), Some(0)),
                [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
                [h1, h2, m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
                _ => (None, None),
            };
            let (h, m) = (h.ok_or_else(bad)?, m.ok_or_else(bad)?);
            if h > 23 || m > 59 {
                return Err(format!("published {s:?} has an impossible UTC offset"));
            }
            let v = (h * 3600 + m * 60) as i32;
            if *sign == b'-' { -v } else { v }
        }
        _ => return Err(bad()),
    };
    let dt = DateTime::new(year, month, day, hour as i8, minute as i8, second as i8, 0).map_err(|_| bad())?;
    let offset = Offset::from_seconds(offset_seconds).map_err(|_| bad())?;
    let ts = offset.to_timestamp(dt).map_err(|_| bad())?;
    Ok(Published { unix: ts.as_second(), date_only: false })
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let utc = |s| parse_published(s).unwrap().unix;
        assert_eq!(utc("2022-02-27T10:30:00+03:00"), utc("2022-02-27T07:30:00Z"));
        assert_eq!(utc("2022-02-27T07:30:00Z"), 1_645_947_000);
        assert_eq!(utc("2022-02-27 07:30:00"), 1_645_947_000);
        assert_eq!(utc("2022-02-27T07:30:00"), 1_645_947_000);
        assert_eq!(utc("2022-02-27T07:30"), 1_645_947_000);
        assert_eq!(utc("2022-02-27T07:30:00.123+00:00"), 1_645_947_000);
        assert_eq!(utc("2022-02-27T103000+0300"), 1_645_947_000);
        assert_eq!(utc("2017-01-22T185600"), utc("2017-01-22T18:56:00Z"));
        assert_eq!(utc("2018-02-18T21:35:43+04:00"), utc("2018-02-18T17:35:43Z"));
        let d = parse_published("2022-02-27").unwrap();
        assert!(d.date_only);
        assert_eq!(d.to_string(), "2022-02-27");
        assert_eq!(d.day(), Date::new(2022, 2, 27).unwrap());
        assert!(!parse_published("2022-02-27 01:00:00").unwrap().date_only);
    }

    #[test]
    fn rejected_forms_say_why() {
        for bad in [
            "",
            "yesterday",
            "27/02/2022",
            "2022-2-27",
            "2022-02-30",
            "2022-02-27T25:00:00",
            "2022-02-27T10:30:00+3",
            "2022-02-27X10:30",
            "2022-02-27T10:30:00 +03:00",
            "1645947000",
        ] {
            let e = parse_published(bad).unwrap_err();
            assert!(e.contains("published"), "{bad}: {e}");
        }
    }

    #[test]
    fn display_is_rfc3339_utc() {
        let p = parse_published("2022-02-27T10:30:00+03:00").unwrap();
        assert_eq!(p.to_string(), "2022-02-27T07:30:00Z");
    }
}
