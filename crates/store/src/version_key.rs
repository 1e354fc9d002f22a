//! [`VersionKey`]: a STIX version timestamp in a form that sorts.

use std::fmt;

/// Length in bytes of the normalised form.
const NORMALISED_LEN: usize = 30;

/// A totally ordered STIX timestamp with nanosecond precision, used as the
/// version of an object (`modified`, else `created`, else a server value).
///
/// # Why a fixed-width string and not `i128` nanoseconds
///
/// The key is kept as the 30-byte text `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`
/// (always nine fractional digits). Because every field has a fixed width and
/// STIX years are four digits, byte order is time order, so:
///
/// - it is stored as plain `TEXT` in SQLite and PostgreSQL alike, and `ORDER
///   BY`, `min()`, `max()` and b-tree indexes order it correctly with no
///   custom collation (SQLite has no 128-bit integer; an `i64` of nanoseconds
///   only spans the years 1677–2262, while STIX allows 0000–9999);
/// - a leap second (`:60`, which the STIX schema allows) sorts between `:59`
///   and the next minute without any calendar arithmetic;
/// - the stored value can be read in a database shell.
///
/// Fractions longer than nine digits are truncated to nanoseconds, as STIX
/// 2.1 §3.2 permits consumers to do, so two texts that differ only beyond
/// the ninth digit are the same version.
///
/// Invariant: the inner string is always the normalised form
/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` of a valid timestamp, so the derived
/// `Ord` (byte order) is chronological order.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionKey(String);

/// Why a text could not be read as a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z, UTC): {reason}")]
pub struct VersionKeyError {
    /// The text that was rejected (cut to 64 characters).
    pub text: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl VersionKey {
    /// Parses a STIX 2.1 timestamp (`YYYY-MM-DDTHH:MM:SS[.s+]Z`, uppercase
    /// `T` and `Z`, any number of fractional digits; seconds may be 60).
    ///
    /// The date must exist in the proleptic Gregorian calendar. Digits beyond
    /// nanoseconds are dropped. The normalised form this type stores is
    /// itself accepted, so `parse(k.as_str()) == Ok(k)`.
    pub fn parse(text: &str) -> Result<Self, VersionKeyError> {
        let fail = |reason| VersionKeyError {
            text: text.chars().take(64).collect(),
            reason,
        };
        let b = text.as_bytes();
        if b.len() < 20 {
            return Err(fail("too short"));
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let mut n = 0u32;
            for &c in b.get(range)? {
                if !c.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u32::from(c - b'0');
            }
            Some(n)
        };
        let separators_ok =
            b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        if !separators_ok {
            return Err(fail("expected the layout YYYY-MM-DDTHH:MM:SS"));
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        ) else {
            return Err(fail("a date or time field is not all digits"));
        };
        if !(1..=12).contains(&month) {
            return Err(fail("month out of range 01-12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(fail("day does not exist in that month"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(fail("time of day out of range"));
        }
        let rest = &b[19..];
        let fraction: &[u8] = match rest {
            [b'Z'] => &[],
            [b'.', middle @ .., b'Z'] => {
                if middle.is_empty() {
                    return Err(fail("a '.' must be followed by at least one digit"));
                }
                if !middle.iter().all(u8::is_ascii_digit) {
                    return Err(fail("the fraction of a second is not all digits"));
                }
                middle
            }
            _ => {
                return Err(fail(
                    "must end in an optional fraction and an uppercase 'Z'",
                ));
            }
        };
        let mut normalised = String::with_capacity(NORMALISED_LEN);
        normalised.push_str(&text[..19]);
        normalised.push('.');
        for i in 0..9 {
            normalised.push(char::from(*fraction.get(i).unwrap_or(&b'0')));
        }
        normalised.push('Z');
        Ok(VersionKey(normalised))
    }

    /// The key for a server-assigned version: the instant `micros`
    /// microseconds after the Unix epoch (used for SCOs, whose version is
    /// their `date_added`). Fails for instants outside the years 0000–9999.
    pub fn from_unix_micros(micros: i64) -> Result<Self, VersionKeyError> {
        let fail = |reason| VersionKeyError {
            text: micros.to_string(),
            reason,
        };
        let ts = jiff::Timestamp::from_microsecond(micros)
            .map_err(|_| fail("instant out of the supported range"))?;
        let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        if dt.year() < 0 {
            return Err(fail(
                "years before 0000 cannot be written as a STIX timestamp",
            ));
        }
        Ok(VersionKey(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.subsec_nanosecond()
        )))
    }

    /// The normalised form, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, whose byte
    /// order is time order. This is what backends store and compare.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for VersionKey {
    /// Writes the STIX text: milliseconds, or as many more digits (up to
    /// nine) as needed to show the value exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, fraction) = self.0.split_at(20);
        let fraction = &fraction[..9];
        let significant = fraction.trim_end_matches('0').len().max(3);
        write!(f, "{head}{}Z", &fraction[..significant])
    }
}

impl fmt::Debug for VersionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionKey({self})")
    }
}

impl std::str::FromStr for VersionKey {
    type Err = VersionKeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VersionKey::parse(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn display_uses_milliseconds_or_more_digits_when_needed() {
        let cases = [
            ("2016-05-12T08:17:27Z", "2016-05-12T08:17:27.000Z"),
            ("2016-05-12T08:17:27.1Z", "2016-05-12T08:17:27.100Z"),
            ("2016-05-12T08:17:27.123Z", "2016-05-12T08:17:27.123Z"),
            ("2016-05-12T08:17:27.1234Z", "2016-05-12T08:17:27.1234Z"),
            (
                "2016-05-12T08:17:27.123456789Z",
                "2016-05-12T08:17:27.123456789Z",
            ),
            (
                "2016-05-12T08:17:27.1234567891Z",
                "2016-05-12T08:17:27.123456789Z",
            ),
        ];
        for (input, shown) in cases {
            assert_eq!(
                VersionKey::parse(input).unwrap().to_string(),
                shown,
                "{input}"
            );
        }
    }

    #[test]
    fn normalised_form_round_trips_and_has_fixed_width() {
        let k = VersionKey::parse("2016-05-12T08:17:27.12Z").unwrap();
        assert_eq!(k.as_str(), "2016-05-12T08:17:27.120000000Z");
        assert_eq!(k.as_str().len(), NORMALISED_LEN);
        assert_eq!(VersionKey::parse(k.as_str()).unwrap(), k);
    }

    #[test]
    fn equal_instants_with_different_digits_are_equal() {
        assert_eq!(
            VersionKey::parse("2020-01-01T00:00:00.1Z").unwrap(),
            VersionKey::parse("2020-01-01T00:00:00.100000Z").unwrap()
        );
    }

    #[test]
    fn order_is_chronological_including_leap_seconds() {
        let texts = [
            "0001-01-01T00:00:00Z",
            "1999-12-31T23:59:59.999999999Z",
            "2016-12-31T23:59:59.5Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2017-01-01T00:00:00Z",
            "2017-01-01T00:00:00.000000001Z",
            "9999-12-31T23:59:59Z",
        ];
        let keys: Vec<_> = texts
            .iter()
            .map(|t| VersionKey::parse(t).unwrap())
            .collect();
        for pair in keys.windows(2) {
            assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn rejects_malformed_text_with_a_reason() {
        let bad = [
            ("", "too short"),
            ("2016-05-12 08:17:27Z", "layout"),
            ("2016-05-12t08:17:27Z", "layout"),
            ("2016-05-12T08:17:27z", "uppercase"),
            ("2016-05-12T08:17:27+00:00", "uppercase"),
            ("2016-05-12T08:17:27.Z", "at least one digit"),
            ("2016-05-12T08:17:27.1a2Z", "not all digits"),
            ("2016-13-12T08:17:27Z", "month"),
            ("2015-02-29T08:17:27Z", "day"),
            ("2016-04-31T08:17:27Z", "day"),
            ("2016-05-12T24:00:00Z", "time of day"),
            ("2016-05-12T23:60:00Z", "time of day"),
            ("2016-05-12T23:59:61Z", "time of day"),
            ("20x6-05-12T08:17:27Z", "digits"),
        ];
        for (text, reason) in bad {
            let err = VersionKey::parse(text).unwrap_err();
            assert!(err.reason.contains(reason), "{text}: {err}");
            assert!(err.to_string().contains("STIX timestamp"), "{err}");
        }
        assert!(VersionKey::parse("2016-02-29T00:00:00Z").is_ok());
        assert!(VersionKey::parse("2000-02-29T00:00:00Z").is_ok());
        assert!(VersionKey::parse("1900-02-29T00:00:00Z").is_err());
    }

    #[test]
    fn from_unix_micros_matches_parsed_text() {
        let k = VersionKey::from_unix_micros(1_463_041_047_123_456).unwrap();
        assert_eq!(k, VersionKey::parse("2016-05-12T08:17:27.123456Z").unwrap());
        assert_eq!(k.to_string(), "2016-05-12T08:17:27.123456Z");
        let epoch = VersionKey::from_unix_micros(0).unwrap();
        assert_eq!(epoch.as_str(), "1970-01-01T00:00:00.000000000Z");
        let before = VersionKey::from_unix_micros(-1).unwrap();
        assert_eq!(before.as_str(), "1969-12-31T23:59:59.999999000Z");
        assert!(VersionKey::from_unix_micros(i64::MIN).is_err());
    }
}
