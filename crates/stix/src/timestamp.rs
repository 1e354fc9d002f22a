//! STIX timestamps (STIX 2.1 §3.2 "timestamp", RFC 3339 profile).
//!
//! A [`Timestamp`] keeps the exact text it was parsed from, because two
//! serialisations of one object version must be byte-identical, and compares by
//! the instant it denotes (nanosecond precision; digits beyond the ninth are kept
//! in the text but do not take part in comparisons).
//!
//! The grammar is parsed by hand rather than with `jiff`'s RFC 3339 parser because
//! STIX is stricter than RFC 3339 (uppercase `T` and `Z` only, no offsets) and
//! more lenient in one place (any number of fraction digits), and because the
//! error has to say exactly which part is wrong. Conversions to and from
//! `jiff::Timestamp` are provided for callers that do time arithmetic.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Why a text is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The text does not follow `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
    #[error(
        "{text:?} is not a STIX timestamp: {reason}; write it as YYYY-MM-DDTHH:MM:SS[.fraction]Z in UTC, e.g. 2016-05-12T08:17:27.000Z"
    )]
    Syntax {
        /// The offending text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The fields are well formed but name no real date or time.
    #[error("{text:?} is not a real calendar time: {reason}")]
    Calendar {
        /// The offending text.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The instant cannot be written with a four-digit year (0000–9999).
    #[error(
        "the instant {what} lies outside the years 0000-9999 that a STIX timestamp can express"
    )]
    OutOfRange {
        /// A description of the value that was out of range.
        what: String,
    },
}

/// A STIX 2.1 timestamp: the original text plus the instant it denotes.
///
/// Equality, ordering and hashing use the instant only, so
/// `2020-01-01T00:00:00Z` and `2020-01-01T00:00:00.000Z` are equal; use
/// [`Timestamp::as_str`] when the exact text matters.
#[derive(Clone)]
pub struct Timestamp {
    /// Nanoseconds since 1970-01-01T00:00:00Z (years 0000-9999 fit easily).
    nanos: i128,
    text: Box<str>,
}

impl Timestamp {
    /// Parses a timestamp in the strict STIX form
    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (uppercase `T` and `Z`, UTC only, any
    /// number of fraction digits, a real calendar date).
    ///
    /// A leap second (`:60`) is accepted only at 23:59 on the last day of a
    /// month, where the ITU may insert one; its instant is the last
    /// nanosecond of second `:59` (fraction digits of a leap second are kept in
    /// the text only), so it sorts after every other time in that minute.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let parts = Parts::scan(text, Mode::Strict)?;
        parts.build(text, text.into())
    }

    /// Parses any RFC 3339 date-time, as TAXII query parameters (`added_after`,
    /// `match[version]`) allow: `T`/`t` or a space between date and time, `Z`/`z`
    /// or a numeric offset such as `+02:00`, and any number of fraction digits.
    ///
    /// The stored text is the UTC form of the instant in STIX syntax, keeping as
    /// many fraction digits as the input had (at most nine).
    pub fn parse_lenient(text: &str) -> Result<Timestamp, TimestampError> {
        let parts = Parts::scan(text, Mode::Lenient)?;
        let digits = parts.fraction.len().min(9);
        let provisional = parts.build(text, text.into())?;
        render(provisional.nanos, digits)
    }

    /// Creates a timestamp from a `jiff` instant, rendered with 3, 6 or 9
    /// fraction digits: the fewest that represent it exactly, never fewer than
    /// the millisecond precision STIX requires of `created`/`modified`.
    pub fn from_jiff(instant: jiff::Timestamp) -> Result<Timestamp, TimestampError> {
        let nanos = instant.as_nanosecond();
        render(nanos, minimal_digits(nanos))
    }

    /// The same instant written with 3, 6 or 9 fraction digits (the fewest
    /// that represent it exactly, at least 3), so that one instant has one
    /// text. Digits beyond the ninth are dropped.
    pub fn normalized(&self) -> Timestamp {
        Timestamp {
            nanos: self.nanos,
            text: format_instant(self.nanos, minimal_digits(self.nanos)).into(),
        }
    }

    /// Creates a timestamp from microseconds since the Unix epoch, rendered
    /// with exactly six fraction digits (the TAXII form).
    pub fn from_unix_micros(micros: i64) -> Result<Timestamp, TimestampError> {
        render(i128::from(micros) * 1_000, 6)
    }

    /// Microseconds since the Unix epoch, rounded toward negative infinity, so
    /// that the order of the results agrees with the order of the timestamps.
    pub fn to_unix_micros(&self) -> i64 {
        // Years 0000-9999 span about ±2.6e17 µs, far inside i64.
        i64::try_from(self.nanos.div_euclid(1_000)).unwrap_or(i64::MAX)
    }

    /// The instant as a `jiff` timestamp (nanosecond precision). Fails only
    /// for the last hours of 9999-12-30/31, which `jiff` cannot represent.
    pub fn to_jiff(&self) -> Result<jiff::Timestamp, TimestampError> {
        jiff::Timestamp::from_nanosecond(self.nanos).map_err(|_| TimestampError::OutOfRange {
            what: format!("{} (beyond the range of jiff::Timestamp)", self.text),
        })
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> i128 {
        self.nanos
    }

    /// The exact text this timestamp was created from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The number of digits after the decimal point in the text (0 when there
    /// is no fraction).
    pub fn fractional_digits(&self) -> usize {
        match self.text.find('.') {
            Some(dot) => self.text.len() - dot - 2,
            None => 0,
        }
    }

    /// The instant with exactly three fraction digits (truncated, not rounded):
    /// the precision STIX requires for `created` and `modified`.
    pub fn to_millis_string(&self) -> String {
        format_instant(self.nanos, 3)
    }

    /// The instant with exactly six fraction digits (truncated, not rounded):
    /// the TAXII 2.1 `timestamp` form.
    pub fn to_micros_string(&self) -> String {
        format_instant(self.nanos, 6)
    }
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

fn minimal_digits(nanos: i128) -> usize {
    let sub = nanos.rem_euclid(NANOS_PER_SECOND);
    if sub % 1_000_000 == 0 {
        3
    } else if sub % 1_000 == 0 {
        6
    } else {
        9
    }
}

fn render(nanos: i128, digits: usize) -> Result<Timestamp, TimestampError> {
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let days = i64::try_from(seconds.div_euclid(i128::from(SECONDS_PER_DAY))).ok();
    let year = days.map(|d| civil::from_days(d).0);
    if !year.is_some_and(|y| (0..=9999).contains(&y)) {
        return Err(TimestampError::OutOfRange {
            what: format!("{nanos} ns after the Unix epoch"),
        });
    }
    Ok(Timestamp {
        nanos,
        text: format_instant(nanos, digits).into(),
    })
}

/// Formats `nanos` (within years 0000-9999) in UTC as
/// `YYYY-MM-DDTHH:MM:SS[.f…]Z` with `digits` fraction digits (0 to 9),
/// truncating.
fn format_instant(nanos: i128, digits: usize) -> String {
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let sub = nanos.rem_euclid(NANOS_PER_SECOND);
    // The callers keep the instant within years 0000-9999, so these fit.
    let seconds = i64::try_from(seconds).unwrap_or_default();
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let in_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil::from_days(days);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    );
    if digits > 0 {
        let fraction = format!("{sub:09}");
        out.push('.');
        out.push_str(&fraction[..digits.min(9)]);
    }
    out.push('Z');
    out
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since
/// 1970-01-01), after Howard Hinnant's `days_from_civil` and
/// `civil_from_days`. Hand-written because `jiff::Timestamp` stops a day short
/// of 9999-12-31T23:59:59Z (it keeps room for UTC offsets), and STIX
/// timestamps may use the whole of year 9999. Public for sensor-time parsers
/// that need the same arithmetic on their own layouts.
pub mod civil {
    /// Whether `year` is a leap year.
    pub fn is_leap(year: i64) -> bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1-12) of `year`.
    pub fn days_in_month(year: i64, month: i64) -> i64 {
        match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Days since 1970-01-01 of a valid civil date.
    pub fn to_days(year: i64, month: i64, day: i64) -> i64 {
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The civil date `(year, month, day)` of a day number.
    pub fn from_days(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Lenient,
}

/// The fields of a timestamp text, checked for syntax but not yet for the
/// calendar.
struct Parts<'a> {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    fraction: &'a str,
    offset_seconds: i64,
}

impl<'a> Parts<'a> {
    fn scan(text: &'a str, mode: Mode) -> Result<Parts<'a>, TimestampError> {
        let syntax = |reason| TimestampError::Syntax {
            text: text.to_string(),
            reason,
        };
        let b = text.as_bytes();
        if b.len() < 20 {
            return Err(syntax("it is too short"));
        }
        let year = digits(b, 0, 4).ok_or_else(|| syntax("the year must be four digits"))?;
        expect_byte(b, 4, b'-').ok_or_else(|| syntax("a '-' must follow the year"))?;
        let month = digits(b, 5, 2).ok_or_else(|| syntax("the month must be two digits"))?;
        expect_byte(b, 7, b'-').ok_or_else(|| syntax("a '-' must follow the month"))?;
        let day = digits(b, 8, 2).ok_or_else(|| syntax("the day must be two digits"))?;
        let sep = b[10];
        let sep_ok = match mode {
            Mode::Strict => sep == b'T',
            Mode::Lenient => matches!(sep, b'T' | b't' | b' '),
        };
        if !sep_ok {
            return Err(syntax(match mode {
                Mode::Strict => "an uppercase 'T' must separate date and time",
                Mode::Lenient => "'T' or a space must separate date and time",
            }));
        }
        let hour = digits(b, 11, 2).ok_or_else(|| syntax("the hour must be two digits"))?;
        expect_byte(b, 13, b':').ok_or_else(|| syntax("a ':' must follow the hour"))?;
        let minute = digits(b, 14, 2).ok_or_else(|| syntax("the minute must be two digits"))?;
        expect_byte(b, 16, b':').ok_or_else(|| syntax("a ':' must follow the minute"))?;
        let second = digits(b, 17, 2).ok_or_else(|| syntax("the second must be two digits"))?;
        let mut pos = 19;
        let mut fraction = "";
        if b.get(pos) == Some(&b'.') {
            let start = pos + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return Err(syntax("a '.' must be followed by at least one digit"));
            }
            // The range holds ASCII digits only, so it lies on char boundaries.
            fraction = &text[start..end];
            pos = end;
        }
        let rest = &b[pos..];
        let offset_seconds = match (mode, rest) {
            (_, b"Z") => 0,
            (Mode::Strict, b"z") => return Err(syntax("the zone must be an uppercase 'Z'")),
            (Mode::Lenient, b"z") => 0,
            (Mode::Strict, [b'+' | b'-', ..]) => {
                return Err(syntax("STIX timestamps are UTC: use 'Z', not an offset"));
            }
            (Mode::Lenient, [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]) => {
                let hh =
                    two(*h1, *h2).ok_or_else(|| syntax("the offset hour must be two digits"))?;
                let mm =
                    two(*m1, *m2).ok_or_else(|| syntax("the offset minute must be two digits"))?;
                if hh > 23 || mm > 59 {
                    return Err(syntax("the offset must lie within ±23:59"));
                }
                let secs = i64::from(hh) * 3600 + i64::from(mm) * 60;
                if *sign == b'-' { -secs } else { secs }
            }
            (_, []) => return Err(syntax("it must end with 'Z'")),
            _ => return Err(syntax("unexpected text after the seconds")),
        };
        // Ranges that the STIX schema regex enforces; the calendar check follows.
        if !(1..=12).contains(&month) {
            return Err(syntax("the month must be 01-12"));
        }
        if !(1..=31).contains(&day) {
            return Err(syntax("the day must be 01-31"));
        }
        if hour > 23 {
            return Err(syntax("the hour must be 00-23"));
        }
        if minute > 59 {
            return Err(syntax("the minute must be 00-59"));
        }
        if second > 60 {
            return Err(syntax("the second must be 00-60"));
        }
        Ok(Parts {
            year: i64::from(year),
            month: i64::from(month),
            day: i64::from(day),
            hour: i64::from(hour),
            minute: i64::from(minute),
            second: i64::from(second),
            fraction,
            offset_seconds,
        })
    }

    fn build(&self, original: &str, text: Box<str>) -> Result<Timestamp, TimestampError> {
        let calendar = |reason: String| TimestampError::Calendar {
            text: original.to_string(),
            reason,
        };
        let month_days = civil::days_in_month(self.year, self.month);
        if self.day > month_days {
            return Err(calendar(format!(
                "{:04}-{:02} has only {month_days} days",
                self.year, self.month
            )));
        }
        let mut fraction: i128 = 0;
        for (i, c) in self.fraction.bytes().take(9).enumerate() {
            fraction += i128::from(c - b'0') * 10i128.pow(8 - i as u32);
        }
        let mut second = self.second;
        if second == 60 {
            if self.hour != 23 || self.minute != 59 || self.day != month_days {
                return Err(calendar(
                    "a leap second (:60) can only occur at 23:59 on the last day of a month"
                        .to_string(),
                ));
            }
            second = 59;
            fraction = NANOS_PER_SECOND - 1;
        }
        let days = civil::to_days(self.year, self.month, self.day);
        let seconds = days * SECONDS_PER_DAY + self.hour * 3600 + self.minute * 60 + second
            - self.offset_seconds;
        let nanos = i128::from(seconds) * NANOS_PER_SECOND + fraction;
        Ok(Timestamp { nanos, text })
    }
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<u16> {
    let slice = b.get(start..start + len)?;
    let mut value: u16 = 0;
    for &c in slice {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u16::from(c - b'0');
    }
    Some(value)
}

fn two(a: u8, b: u8) -> Option<u8> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0'))
}

fn expect_byte(b: &[u8], at: usize, want: u8) -> Option<()> {
    (b.get(at) == Some(&want)).then_some(())
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({:?})", &*self.text)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    /// Same as [`Timestamp::parse`] (strict).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl TryFrom<jiff::Timestamp> for Timestamp {
    type Error = TimestampError;

    /// Same as [`Timestamp::from_jiff`].
    fn try_from(instant: jiff::Timestamp) -> Result<Self, Self::Error> {
        Timestamp::from_jiff(instant)
    }
}

impl TryFrom<&Timestamp> for jiff::Timestamp {
    type Error = TimestampError;

    /// Same as [`Timestamp::to_jiff`].
    fn try_from(ts: &Timestamp) -> Result<Self, Self::Error> {
        ts.to_jiff()
    }
}

impl serde::Serialize for Timestamp {
    /// Serialises the original text.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    /// Deserialises with the strict parser.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn strict_accepts_the_stix_forms() {
        for text in [
            "2016-05-12T08:17:27Z",
            "2016-05-12T08:17:27.000Z",
            "2016-05-12T08:17:27.1Z",
            "2016-05-12T08:17:27.123456789012Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999Z",
            "2024-02-29T12:00:00Z",
            "2016-12-31T23:59:60Z",
        ] {
            let ts = Timestamp::parse(text).unwrap();
            assert_eq!(ts.as_str(), text);
            assert_eq!(ts.to_string(), text);
        }
    }

    #[test]
    fn strict_rejects_what_stix_forbids() {
        for text in [
            "2016-05-12t08:17:27Z",
            "2016-05-12T08:17:27z",
            "2016-05-12T08:17:27+00:00",
            "2016-05-12 08:17:27Z",
            "2016-05-12T08:17:27.Z",
            "2016-05-12T08:17:27",
            "2016-5-12T08:17:27Z",
            "2016-13-12T08:17:27Z",
            "2016-00-12T08:17:27Z",
            "2016-05-32T08:17:27Z",
            "2016-05-12T24:00:00Z",
            "2016-05-12T08:60:00Z",
            "2016-05-12T08:17:61Z",
            "2023-02-29T00:00:00Z",
            "2016-04-31T00:00:00Z",
            "2016-06-29T23:59:60Z",
            "2016-05-12T08:17:27ZZ",
            "",
            "2016-05-12T08:17:27.12a3Z",
            "２016-05-12T08:17:27Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text} must be rejected");
        }
    }

    #[test]
    fn errors_name_the_problem() {
        let err = Timestamp::parse("2016-05-12T08:17:27+01:00").unwrap_err();
        assert!(err.to_string().contains("use 'Z', not an offset"), "{err}");
        let err = Timestamp::parse("2023-02-29T00:00:00Z").unwrap_err();
        assert!(matches!(err, TimestampError::Calendar { .. }), "{err}");
    }

    #[test]
    fn order_is_by_instant_with_nanosecond_precision() {
        let a = Timestamp::parse("2020-01-01T00:00:00.000000001Z").unwrap();
        let b = Timestamp::parse("2020-01-01T00:00:00.000000002Z").unwrap();
        assert!(a < b);
        let c = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        let d = Timestamp::parse("2020-01-01T00:00:00.000Z").unwrap();
        assert_eq!(c, d);
        assert_ne!(c.as_str(), d.as_str());
        let leap = Timestamp::parse("2016-12-31T23:59:60Z").unwrap();
        let before = Timestamp::parse("2016-12-31T23:59:59.5Z").unwrap();
        let after = Timestamp::parse("2017-01-01T00:00:00Z").unwrap();
        assert!(before < leap && leap < after);
    }

    #[test]
    fn fractional_digits_counts_the_text() {
        assert_eq!(
            Timestamp::parse("2020-01-01T00:00:00Z")
                .unwrap()
                .fractional_digits(),
            0
        );
        assert_eq!(
            Timestamp::parse("2020-01-01T00:00:00.12Z")
                .unwrap()
                .fractional_digits(),
            2
        );
        assert_eq!(
            Timestamp::parse("2020-01-01T00:00:00.1234567891Z")
                .unwrap()
                .fractional_digits(),
            10
        );
    }

    #[test]
    fn millis_and_micros_truncate() {
        let ts = Timestamp::parse("2020-01-01T00:00:00.1239999Z").unwrap();
        assert_eq!(ts.to_millis_string(), "2020-01-01T00:00:00.123Z");
        assert_eq!(ts.to_micros_string(), "2020-01-01T00:00:00.123999Z");
        let ts = Timestamp::parse("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(ts.to_micros_string(), "2020-01-01T00:00:00.000000Z");
    }

    #[test]
    fn unix_micros_round_trip_and_floor() {
        let ts = Timestamp::parse("2020-01-01T00:00:00.123456Z").unwrap();
        let micros = ts.to_unix_micros();
        assert_eq!(micros, 1_577_836_800_123_456);
        let back = Timestamp::from_unix_micros(micros).unwrap();
        assert_eq!(back, ts);
        assert_eq!(back.as_str(), "2020-01-01T00:00:00.123456Z");
        let before_epoch = Timestamp::parse("1969-12-31T23:59:59.9999995Z").unwrap();
        assert_eq!(before_epoch.to_unix_micros(), -1);
        assert!(Timestamp::from_unix_micros(i64::MAX).is_err());
        assert!(Timestamp::from_unix_micros(-62_167_219_200_000_001).is_err());
        assert!(Timestamp::from_unix_micros(-62_167_219_200_000_000).is_ok());
    }

    #[test]
    fn jiff_round_trip() {
        let instant: jiff::Timestamp = "2021-03-04T05:06:07.5Z".parse().unwrap();
        let ts = Timestamp::from_jiff(instant).unwrap();
        assert_eq!(ts.as_str(), "2021-03-04T05:06:07.500Z");
        assert_eq!(ts.to_jiff().unwrap(), instant);
        let fine: jiff::Timestamp = "2021-03-04T05:06:07.000000001Z".parse().unwrap();
        assert_eq!(
            Timestamp::from_jiff(fine).unwrap().as_str(),
            "2021-03-04T05:06:07.000000001Z"
        );
        let far = jiff::Timestamp::from_second(-62_167_219_201).unwrap();
        assert!(Timestamp::from_jiff(far).is_err());
        let end = Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap();
        assert!(end.to_jiff().is_err());
        assert_eq!(end.to_micros_string(), "9999-12-31T23:59:59.999000Z");
    }

    #[test]
    fn normalized_uses_minimal_digits() {
        let n = |t: &str| Timestamp::parse(t).unwrap().normalized().to_string();
        assert_eq!(n("2020-01-01T00:00:05Z"), "2020-01-01T00:00:05.000Z");
        assert_eq!(n("2020-01-01T00:00:05.1200Z"), "2020-01-01T00:00:05.120Z");
        assert_eq!(
            n("2020-01-01T00:00:05.1234Z"),
            "2020-01-01T00:00:05.123400Z"
        );
        assert_eq!(
            n("2020-01-01T00:00:05.1234567891Z"),
            "2020-01-01T00:00:05.123456789Z"
        );
    }

    #[test]
    fn lenient_accepts_offsets_and_long_fractions() {
        let ts = Timestamp::parse_lenient("2020-01-01T02:00:00.5+02:00").unwrap();
        assert_eq!(ts.as_str(), "2020-01-01T00:00:00.5Z");
        let ts = Timestamp::parse_lenient("2019-12-31t23:30:00z").unwrap();
        assert_eq!(ts.as_str(), "2019-12-31T23:30:00Z");
        let ts = Timestamp::parse_lenient("2020-01-01 00:00:00.123456789123-00:30").unwrap();
        assert_eq!(ts.as_str(), "2020-01-01T00:30:00.123456789Z");
        assert!(Timestamp::parse_lenient("2020-01-01T00:00:00").is_err());
        assert!(Timestamp::parse_lenient("2020-01-01T00:00:00+2:00").is_err());
        assert!(Timestamp::parse_lenient("2020-01-01T00:00:00+24:00").is_err());
    }

    #[test]
    fn serde_uses_the_text() {
        let ts: Timestamp = serde_json::from_str("\"2020-01-01T00:00:00.10Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&ts).unwrap(),
            "\"2020-01-01T00:00:00.10Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("\"2020-01-01\"").is_err());
    }
}
