//! Sensor timestamps to nanoseconds since the Unix epoch, and back to STIX text.
//!
//! Suricata writes `2024-03-01T00:00:00.123456+0000` (an ISO 8601 offset without a colon),
//! Zeek writes epoch seconds as a number, mapped logs usually RFC 3339. The fixed layouts are
//! parsed by hand here: this runs once per event on the hot path, and a general date parser
//! costs several times more than the rest of the envelope. Anything the fast path does not
//! recognise goes to `jiff`, which knows every RFC 3339 / ISO 8601 form.

use phalanx_stix::timestamp::civil;

/// Parses an ISO 8601 / RFC 3339 date-time with an offset (`Z`, `+hh:mm`, `+hhmm`, `+hh`) into
/// nanoseconds since the Unix epoch. Fractions beyond nanoseconds are truncated.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    fast_iso8601(text.as_bytes()).or_else(|| {
        let normalised = normalise_offset(text)?;
        let ts: jiff::Timestamp = normalised.parse().ok()?;
        i64::try_from(ts.as_nanosecond()).ok()
    })
}

/// Epoch seconds (Zeek `ts`) to nanoseconds, rounded to the microsecond Zeek writes.
pub fn from_epoch_seconds(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() || seconds.abs() > 9.0e9 {
        return None;
    }
    // Microseconds fit a double exactly for any date this side of year 2255.
    let micros = (seconds * 1e6).round();
    Some(micros as i64 * 1_000)
}

/// A STIX timestamp (`2024-03-01T00:00:01.5Z`: UTC, the fraction as long as it needs to be).
pub fn stix_text(nanos: i64) -> String {
    match jiff::Timestamp::from_nanosecond(i128::from(nanos)) {
        Ok(ts) => ts.to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// A STIX timestamp formatted into a stack buffer (no allocation): the same text as
/// [`stix_text`], for the per-event `network-traffic:start` fact.
#[derive(Clone, Copy)]
pub struct StixText {
    buf: [u8; 32],
    len: usize,
}

impl std::fmt::Debug for StixText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StixText {
    /// Formats `nanos`. Years outside 0000..=9999 (never a sensor's) give an empty text.
    pub fn new(nanos: i64) -> StixText {
        let mut out = StixText {
            buf: [0; 32],
            len: 0,
        };
        let secs = nanos.div_euclid(1_000_000_000);
        let frac = nanos.rem_euclid(1_000_000_000);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil::from_days(secs.div_euclid(86_400));
        if !(0..=9999).contains(&year) {
            return out;
        }
        out.digits(year, 4);
        for (separator, value) in [
            (b'-', month),
            (b'-', day),
            (b'T', rem / 3600),
            (b':', rem % 3600 / 60),
            (b':', rem % 60),
        ] {
            out.byte(separator);
            out.digits(value, 2);
        }
        if frac != 0 {
            // The fraction as long as it needs to be: trailing zeros dropped.
            let (mut value, mut width) = (frac, 9);
            while value % 10 == 0 {
                value /= 10;
                width -= 1;
            }
            out.byte(b'.');
            out.digits(value, width);
        }
        out.byte(b'Z');
        out
    }

    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    /// `value` as exactly `width` decimal digits, zero-padded.
    fn digits(&mut self, value: i64, width: usize) {
        let mut v = value;
        for k in (0..width).rev() {
            self.buf[self.len + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += width;
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

/// A STIX timestamp at millisecond precision (`2024-03-01T00:00:01.500Z`), for `created` and
/// `modified`.
pub fn stix_millis(nanos: i64) -> String {
    let millis = nanos.div_euclid(1_000_000);
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(ts) => format!("{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

/// `+hhmm` / `+hh` offsets to `+hh:mm`, which jiff's RFC 3339 parser wants.
fn normalise_offset(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let t = bytes.iter().position(|&b| b == b'T' || b == b' ')?;
    let sign = bytes[t..]
        .iter()
        .rposition(|&b| b == b'+' || b == b'-')
        .map(|p| p + t);
    match sign {
        Some(p) if bytes.len() - p == 5 && bytes[p + 1..].iter().all(u8::is_ascii_digit) => {
            Some(format!("{}:{}", &text[..p + 3], &text[p + 3..]))
        }
        Some(p) if bytes.len() - p == 3 && bytes[p + 1..].iter().all(u8::is_ascii_digit) => {
            Some(format!("{text}:00"))
        }
        _ => Some(text.to_string()),
    }
}

fn digits(bytes: &[u8], at: usize, len: usize) -> Option<i64> {
    let slice = bytes.get(at..at + len)?;
    let mut value = 0i64;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(b - b'0');
    }
    Some(value)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH[:]MM)`, nothing else.
fn fast_iso8601(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > civil::days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while at < b.len() && b[at].is_ascii_digit() {
            if at - start < 9 {
                nanos = nanos * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        let len = at - start;
        if len == 0 {
            return None;
        }
        for _ in len..9 {
            nanos *= 10;
        }
    }
    let offset_s = match b.get(at)? {
        b'Z' | b'z' if at + 1 == b.len() => 0,
        &sign @ (b'+' | b'-') => {
            let rest = &b[at + 1..];
            let (h, m) = match rest.len() {
                5 if rest[2] == b':' => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
                4 => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
                2 => (digits(rest, 0, 2)?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3600 + m * 60;
            if sign == b'+' { s } else { -s }
        }
        _ => return None,
    };
    let days = civil::to_days(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_s;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jiff_nanos(text: &str) -> i64 {
        let ts: jiff::Timestamp = text.parse().unwrap_or_default();
        i64::try_from(ts.as_nanosecond()).unwrap_or_default()
    }

    #[test]
    fn suricata_layout() {
        assert_eq!(
            parse_iso8601("2024-03-01T00:00:00.123456+0000"),
            Some(jiff_nanos("2024-03-01T00:00:00.123456Z"))
        );
        assert_eq!(
            parse_iso8601("2024-03-01T02:00:00.5+0200"),
            Some(jiff_nanos("2024-03-01T00:00:00.5Z"))
        );
        assert_eq!(
            parse_iso8601("2024-02-29T23:59:59-05:30"),
            Some(jiff_nanos("2024-03-01T05:29:59Z"))
        );
    }

    #[test]
    fn rfc3339_and_fallback() {
        assert_eq!(
            parse_iso8601("2026-12-08T01:02:03Z"),
            Some(jiff_nanos("2026-12-08T01:02:03Z"))
        );
        assert_eq!(
            parse_iso8601("2026-12-08T01:02:03.123456789123Z"),
            Some(jiff_nanos("2026-12-08T01:02:03.123456789Z"))
        );
        assert_eq!(parse_iso8601("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso8601("not a time"), None);
        assert_eq!(parse_iso8601("2024-03-01T00:00:00"), None);
        assert_eq!(parse_iso8601(""), None);
    }

    #[test]
    fn epoch_seconds() {
        assert_eq!(
            from_epoch_seconds(1_709_251_200.123_456),
            Some(1_709_251_200_123_456_000)
        );
        assert_eq!(from_epoch_seconds(f64::NAN), None);
        assert_eq!(from_epoch_seconds(1e300), None);
    }

    #[test]
    fn stix_forms() {
        let t = jiff_nanos("2024-03-01T00:00:01.5Z");
        assert_eq!(stix_text(t), "2024-03-01T00:00:01.5Z");
        assert_eq!(stix_millis(t), "2024-03-01T00:00:01.500Z");
        assert_eq!(
            stix_text(jiff_nanos("2024-03-01T00:00:01Z")),
            "2024-03-01T00:00:01Z"
        );
    }

    proptest::proptest! {
        #[test]
        fn stack_text_equals_jiff_text(nanos in 0i64..i64::MAX) {
            let text = StixText::new(nanos);
            proptest::prop_assert_eq!(text.as_str(), stix_text(nanos));
        }

        #[test]
        fn fast_path_agrees_with_jiff(secs in 0i64..4_102_444_800, micros in 0i64..1_000_000) {
            let nanos = secs * 1_000_000_000 + micros * 1_000;
            let ts = jiff::Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or_default();
            let text = format!("{}", ts.strftime("%Y-%m-%dT%H:%M:%S%.6f+0000"));
            proptest::prop_assert_eq!(parse_iso8601(&text), Some(nanos));
        }
    }
}
