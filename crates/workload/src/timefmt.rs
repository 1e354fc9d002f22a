//! Timestamp text for the three formats the crate writes.
//!
//! | form | example | used for |
//! |---|---|---|
//! | EVE | `2024-03-01T00:00:00.123456+0000` | Suricata `timestamp`, `flow.start`/`end` |
//! | STIX milliseconds | `2024-01-01T00:00:01.042Z` | `created`, `modified`, `valid_from` |
//! | STIX exact | `2024-03-01T00:00:00.12Z` | `first_observed`, `network-traffic.start` |
//! | Zeek | `1709251200.123456` (a JSON number) | Zeek `ts` |
//!
//! The calendar conversion is written here (Howard Hinnant's `civil_from_days`) rather than
//! taken from `jiff` because it is total: it has no error path to thread through the
//! per-event hot path, and it writes into a stack buffer without allocating. The unit tests
//! check it against `jiff` over a wide range.

use crate::text::StackStr;

/// Seconds from 1970-01-01 to 2024-01-01T00:00:00Z, the first indicator's `created`.
pub(crate) const INDICATORS_EPOCH_S: i64 = 1_704_067_200;
/// Seconds from 1970-01-01 to 2024-03-01T00:00:00Z, the first event's time.
pub(crate) const EVENTS_EPOCH_S: i64 = 1_709_251_200;

/// A civil UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

/// Splits seconds since the Unix epoch into a proleptic Gregorian UTC date and time.
fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days: shift the era to start on 0000-03-01 so leap days end a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (sod / 3_600) as u32,
        minute: (sod / 60 % 60) as u32,
        second: (sod % 60) as u32,
    }
}

fn push_date_time(out: &mut StackStr<40>, c: Civil, sep: u8) {
    out.push_padded(c.year.max(0) as u64, 4);
    out.push_byte(b'-');
    out.push_padded(u64::from(c.month), 2);
    out.push_byte(b'-');
    out.push_padded(u64::from(c.day), 2);
    out.push_byte(sep);
    out.push_padded(u64::from(c.hour), 2);
    out.push_byte(b':');
    out.push_padded(u64::from(c.minute), 2);
    out.push_byte(b':');
    out.push_padded(u64::from(c.second), 2);
}

/// EVE form: microseconds and a `+0000` offset without a colon.
pub(crate) fn eve(micros: i64) -> StackStr<40> {
    let mut out = StackStr::new();
    push_date_time(&mut out, civil(micros.div_euclid(1_000_000)), b'T');
    out.push_byte(b'.');
    out.push_padded(micros.rem_euclid(1_000_000) as u64, 6);
    out.push_bytes(b"+0000");
    out
}

/// Date and time without fraction or zone (`tls.notbefore`).
pub(crate) fn plain_seconds(secs: i64) -> StackStr<40> {
    let mut out = StackStr::new();
    push_date_time(&mut out, civil(secs), b'T');
    out
}

/// STIX timestamp with exactly three fractional digits (SDO `created`/`modified`).
pub(crate) fn stix_millis(millis: i64) -> String {
    let mut out = StackStr::<40>::new();
    push_date_time(&mut out, civil(millis.div_euclid(1_000)), b'T');
    out.push_byte(b'.');
    out.push_padded(millis.rem_euclid(1_000) as u64, 3);
    out.push_byte(b'Z');
    out.as_str().to_owned()
}

/// STIX timestamp with the shortest exact fraction (none for whole seconds). This is the
/// text the Python `stix2` library writes for a microsecond datetime, so a deterministic
/// `network-traffic` id computed from it agrees with that library.
pub(crate) fn stix_exact(micros: i64) -> String {
    let mut out = StackStr::<40>::new();
    push_date_time(&mut out, civil(micros.div_euclid(1_000_000)), b'T');
    let mut frac = micros.rem_euclid(1_000_000) as u64;
    if frac > 0 {
        let mut width = 6;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        out.push_byte(b'.');
        out.push_padded(frac, width);
    }
    out.push_byte(b'Z');
    out.as_str().to_owned()
}

/// Zeek `ts`: seconds since the epoch as a float. The quotient is correctly rounded, and a
/// shortest-round-trip printer writes it back with at most six fractional digits.
pub(crate) fn zeek(micros: i64) -> f64 {
    micros as f64 / 1e6
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn civil_agrees_with_jiff() {
        let mut secs = -5_000_000_000i64;
        while secs < 5_000_000_000 {
            let ts = jiff::Timestamp::from_second(secs).unwrap();
            let dt = jiff::tz::Offset::UTC.to_datetime(ts);
            let c = civil(secs);
            assert_eq!(
                (c.year, c.month, c.day, c.hour, c.minute, c.second),
                (
                    i64::from(dt.year()),
                    dt.month() as u32,
                    dt.day() as u32,
                    dt.hour() as u32,
                    dt.minute() as u32,
                    dt.second() as u32
                ),
                "at {secs}"
            );
            secs += 7_919_311; // a prime step visits every month, day and hour sooner or later
        }
    }

    #[test]
    fn epochs_are_the_documented_dates() {
        assert_eq!(
            stix_millis(INDICATORS_EPOCH_S * 1000),
            "2024-01-01T00:00:00.000Z"
        );
        assert_eq!(
            eve(EVENTS_EPOCH_S * 1_000_000).as_str(),
            "2024-03-01T00:00:00.000000+0000"
        );
    }

    #[test]
    fn formats() {
        let t = EVENTS_EPOCH_S * 1_000_000 + 3_723_123_456; // +1h 2m 3.123456s
        assert_eq!(eve(t).as_str(), "2024-03-01T01:02:03.123456+0000");
        assert_eq!(stix_exact(t), "2024-03-01T01:02:03.123456Z");
        assert_eq!(stix_exact(t - 3_456), "2024-03-01T01:02:03.12Z");
        assert_eq!(stix_exact(t - 123_456), "2024-03-01T01:02:03Z");
        assert_eq!(stix_millis(t / 1000), "2024-03-01T01:02:03.123Z");
        assert_eq!(plain_seconds(t / 1_000_000).as_str(), "2024-03-01T01:02:03");
        assert_eq!(zeek(t).to_string(), "1709254923.123456");
    }

    #[test]
    fn leap_day() {
        // 2024-02-29T12:00:00Z
        assert_eq!(stix_millis(1_709_208_000_000), "2024-02-29T12:00:00.000Z");
    }
}
