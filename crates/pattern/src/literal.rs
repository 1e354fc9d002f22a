//! Lexical rules for literal bodies, shared by the lexer (pattern constants)
//! and the observation reader (timestamps in STIX JSON).
//!
//! Each function takes the text between the quotes and returns the value or a
//! message saying what is wrong. Positions are byte offsets into that text so
//! the caller can turn them into columns.

use base64::Engine as _;

use crate::ast::Timestamp;

/// A problem inside a literal body: byte offset into the body and message.
pub(crate) type BodyError = (usize, String);

/// Decodes the body of `h'...'`: an even number of hex digits (any case).
pub(crate) fn decode_hex(body: &str) -> Result<Vec<u8>, BodyError> {
    if let Some((offset, c)) = body.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err((
            offset,
            format!("'{}' is not a hex digit in hex literal", c.escape_debug()),
        ));
    }
    if !body.len().is_multiple_of(2) {
        return Err((
            0,
            format!(
                "hex literal has {} digits; it needs an even number (two per octet)",
                body.len()
            ),
        ));
    }
    hex::decode(body).map_err(|e| (0, format!("invalid hex literal: {e}")))
}

/// The base64 engine for `b'...'` bodies: standard alphabet, padding
/// required, and non-zero trailing bits accepted (the grammar accepts them,
/// e.g. `b'AB=='`).
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// Encodes octets as canonical padded base64 (for printing `b'...'`).
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// Decodes the body of `b'...'`: padded base64 of at least one 4-character
/// group. Line feeds and carriage returns are ignored (STIX 2.1 §9.2: "Line
/// feeds in the base64 encoded data MUST be supported and ignored").
pub(crate) fn decode_binary(body: &str) -> Result<Vec<u8>, BodyError> {
    let mut compact = String::with_capacity(body.len());
    for (offset, c) in body.char_indices() {
        match c {
            '\n' | '\r' => {}
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' | '=' => compact.push(c),
            _ => {
                return Err((
                    offset,
                    format!(
                        "'{}' is not a base64 character in binary literal",
                        c.escape_debug()
                    ),
                ));
            }
        }
    }
    if compact.is_empty() || !compact.len().is_multiple_of(4) {
        return Err((
            0,
            format!(
                "binary literal has {} base64 characters; it needs a non-empty multiple of 4 \
                 (pad with '=')",
                compact.len()
            ),
        ));
    }
    let body_chars = compact.trim_end_matches('=');
    if compact.len() - body_chars.len() > 2 || body_chars.contains('=') || body_chars.is_empty() {
        return Err((0, "binary literal has misplaced '=' padding; '=' may only end the last group (at most two)".to_string()));
    }
    BASE64
        .decode(compact.as_bytes())
        .map_err(|e| (0, format!("invalid base64 in binary literal: {e}")))
}

/// Decodes a `_bin` property value from STIX JSON: padded base64 (RFC 4648),
/// possibly empty, line feeds ignored. `None` when it is not valid base64.
pub(crate) fn decode_base64_data(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    BASE64.decode(compact.as_bytes()).ok()
}

/// Resolves the escapes of a string literal body (between the quotes). Only
/// `\'` and `\\` are escapes; any other backslash is an error.
pub(crate) fn unescape_string(body: &str) -> Result<String, BodyError> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((offset, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '\'')) => out.push('\''),
            Some((_, '\\')) => out.push('\\'),
            Some((_, other)) => {
                return Err((
                    offset,
                    format!(
                        "invalid escape '\\{}' in string literal; only \\' and \\\\ are escapes \
                         (write \\\\ for a backslash)",
                        other.escape_debug()
                    ),
                ));
            }
            None => {
                return Err((
                    offset,
                    "string literal ends with a lone backslash".to_string(),
                ));
            }
        }
    }
    Ok(out)
}

/// Parses a STIX timestamp `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (upper-case `T`
/// and `Z`), with the grammar's ranges (month 01-12, day 01-31, hour 00-23,
/// minute 00-59, second 00-60) and a calendar check (no 30 February).
///
/// Precision is nanoseconds: fraction digits past the ninth are dropped. A
/// leap second (`:60`) is read as the last nanosecond of the minute.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, BodyError> {
    const FORMAT: &str = "expected YYYY-MM-DDTHH:MM:SS[.fraction]Z";
    let bytes = text.as_bytes();
    let digit = |i: usize| -> Result<i32, BodyError> {
        match bytes.get(i) {
            Some(b) if b.is_ascii_digit() => Ok(i32::from(b - b'0')),
            _ => Err((
                i.min(text.len()),
                format!("invalid timestamp '{text}': {FORMAT}"),
            )),
        }
    };
    let literal = |i: usize, want: u8| -> Result<(), BodyError> {
        if bytes.get(i) == Some(&want) {
            Ok(())
        } else {
            Err((
                i.min(text.len()),
                format!("invalid timestamp '{text}': {FORMAT}"),
            ))
        }
    };
    let two = |i: usize| -> Result<i32, BodyError> { Ok(digit(i)? * 10 + digit(i + 1)?) };

    let year = digit(0)? * 1000 + digit(1)? * 100 + digit(2)? * 10 + digit(3)?;
    literal(4, b'-')?;
    let month = two(5)?;
    literal(7, b'-')?;
    let day = two(8)?;
    literal(10, b'T')?;
    let hour = two(11)?;
    literal(13, b':')?;
    let minute = two(14)?;
    literal(16, b':')?;
    let second = two(17)?;
    let mut pos = 19;
    let mut nanos: i32 = 0;
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 9 {
                nanos = nanos * 10 + i32::from(bytes[pos] - b'0');
            }
            pos += 1;
        }
        if pos == start {
            return Err((
                pos,
                format!("invalid timestamp '{text}': a '.' must be followed by digits"),
            ));
        }
        for _ in (pos - start)..9 {
            nanos *= 10;
        }
    }
    literal(pos, b'Z')?;
    if pos + 1 != text.len() {
        return Err((
            pos + 1,
            format!("invalid timestamp '{text}': nothing may follow the 'Z'"),
        ));
    }

    let range = |what: &str,
                 value: i32,
                 low: i32,
                 high: i32,
                 offset: usize|
     -> Result<(), BodyError> {
        if (low..=high).contains(&value) {
            Ok(())
        } else {
            Err((
                offset,
                format!(
                    "invalid timestamp '{text}': {what} {value:02} is out of range ({low:02}-{high:02})"
                ),
            ))
        }
    };
    range("month", month, 1, 12, 5)?;
    range("day", day, 1, 31, 8)?;
    range("hour", hour, 0, 23, 11)?;
    range("minute", minute, 0, 59, 14)?;
    range("second", second, 0, 60, 17)?;
    let (second, nanos) = if second == 60 {
        (59, 999_999_999)
    } else {
        (second, nanos)
    };

    // The ranges above make these conversions lossless.
    let narrow = |v: i32| i8::try_from(v).unwrap_or(i8::MAX);
    let year = i16::try_from(year).unwrap_or(i16::MAX);
    let date = jiff::civil::Date::new(year, narrow(month), narrow(day)).map_err(|_| {
        (
            8,
            format!(
                "invalid timestamp '{text}': day {day:02} does not exist in {year:04}-{month:02}"
            ),
        )
    })?;
    let time = jiff::civil::Time::new(narrow(hour), narrow(minute), narrow(second), nanos)
        .map_err(|e| (11, format!("invalid timestamp '{text}': {e}")))?;
    Ok(Timestamp::from_civil(jiff::civil::DateTime::from_parts(
        date, time,
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hex_bodies() {
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode_hex("fFc3").unwrap(), vec![0xff, 0xc3]);
        assert!(decode_hex("abc").unwrap_err().1.contains("even number"));
        assert_eq!(decode_hex("zz").unwrap_err().0, 0);
    }

    #[test]
    fn binary_bodies() {
        assert_eq!(decode_binary("ABI=").unwrap(), vec![0x00, 0x12]);
        assert_eq!(decode_binary("AB==").unwrap(), vec![0x00]);
        assert_eq!(decode_binary("AAAA\nAAAA").unwrap(), vec![0; 6]);
        assert!(decode_binary("").is_err());
        assert!(decode_binary("====").is_err());
        assert!(decode_binary("A===").is_err());
        assert!(decode_binary("ABC").is_err());
        assert!(decode_binary("AB=A").is_err());
        assert_eq!(encode_base64(&[0x00]), "AA==");
        assert_eq!(decode_base64_data(""), Some(vec![]));
        assert_eq!(
            decode_base64_data("dGhpcyBpcyBhIHRlc3Q="),
            Some(b"this is a test".to_vec())
        );
        assert_eq!(decode_base64_data("not base64!"), None);
    }

    #[test]
    fn string_bodies() {
        assert_eq!(
            unescape_string(r"it\'s a \\ path").unwrap(),
            r"it's a \ path"
        );
        let (offset, message) = unescape_string(r"C:\Windows").unwrap_err();
        assert_eq!(offset, 2);
        assert!(message.contains(r"'\W'"), "{message}");
    }

    #[test]
    fn timestamps() {
        let ts = parse_timestamp("2016-06-01T00:00:00.960Z").unwrap();
        assert_eq!(ts.to_string(), "2016-06-01T00:00:00.96Z");
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:01Z")
                .unwrap()
                .unix_nanos(),
            1_000_000_000
        );
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.1234567891Z")
                .unwrap()
                .unix_nanos(),
            123_456_789
        );
        assert_eq!(
            parse_timestamp("9999-12-31T23:59:59Z").unwrap().to_string(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            parse_timestamp("2016-12-31T23:59:60Z").unwrap().to_string(),
            "2016-12-31T23:59:59.999999999Z"
        );
        assert!(
            parse_timestamp("2021-02-29T00:00:00Z")
                .unwrap_err()
                .1
                .contains("does not exist")
        );
        assert!(
            parse_timestamp("2021-13-01T00:00:00Z")
                .unwrap_err()
                .1
                .contains("month 13")
        );
        assert!(parse_timestamp("2021-01-01t00:00:00Z").is_err());
        assert!(parse_timestamp("2021-01-01T00:00:00z").is_err());
        assert!(parse_timestamp("2021-01-01T00:00:00.Z").is_err());
        assert!(parse_timestamp("2021-01-01T00:00:00+00:00").is_err());
        assert!(parse_timestamp("2021-01-01T24:00:00Z").is_err());
    }
}
