//! How much the archive keeps: the `[detect.archive]` table of a node's configuration.
//!
//! ```toml
//! [detect.archive]
//! max_bytes = 1073741824      # compressed bytes of sealed segments on disk (1 GiB)
//! max_age_seconds = 604800    # by event time, behind the newest event seen (7 days)
//! segment_bytes = 8388608     # uncompressed bytes at which a segment is sealed (8 MiB)
//! ```
//!
//! Every key is optional (the default is shown); unknown keys are refused, so a misspelt
//! setting is an error rather than a silently ignored line.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ArchiveError;

/// The default [`Limits::max_bytes`]: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// The default [`Limits::max_age`]: 7 days.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The default [`Limits::segment_bytes`]: 8 MiB.
pub const DEFAULT_SEGMENT_BYTES: u64 = 8 << 20;

/// What the archive keeps. See the crate docs for how each bound is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// The most compressed bytes the sealed segments may take on disk, all segments together
    /// (footers included). After every seal the oldest segments are deleted until the total is
    /// at most this. Must be at least `segment_bytes`.
    pub max_bytes: u64,
    /// How far behind the newest event time seen a segment may fall: a segment whose newest
    /// event is older than `newest − max_age` is deleted. Event time, not the wall clock: a
    /// retro-hunt asks for events by their time. In TOML, `max_age_seconds` (whole seconds).
    /// The window saturates at `i64::MAX` nanoseconds (about 292 years).
    #[serde(rename = "max_age_seconds", with = "seconds")]
    pub max_age: Duration,
    /// The uncompressed size (entry framing included) at which the open segment is sealed.
    /// A segment exceeds it by at most its last entry. Smaller segments let a time-range scan
    /// skip more precisely and lose less on a crash; larger ones compress slightly better.
    pub segment_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_age: DEFAULT_MAX_AGE,
            segment_bytes: DEFAULT_SEGMENT_BYTES,
        }
    }
}

impl Limits {
    /// Checks the limits; [`ArchiveError::Limits`] lists every problem.
    pub fn validate(&self) -> Result<(), ArchiveError> {
        let mut problems = Vec::new();
        if self.segment_bytes == 0 {
            problems.push("segment_bytes must be at least 1".to_string());
        }
        if self.max_bytes < self.segment_bytes {
            problems.push(format!(
                "max_bytes ({}) must be at least segment_bytes ({}), or retention could delete \
                 every segment as soon as it is sealed",
                self.max_bytes, self.segment_bytes
            ));
        }
        if self.max_age.is_zero() {
            problems.push(
                "max_age_seconds must be at least 1 (there is no 'unlimited': give a large value)"
                    .to_string(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ArchiveError::Limits { problems })
        }
    }

    /// [`Limits::max_age`] in nanoseconds, saturated to `i64::MAX`.
    pub(crate) fn max_age_ns(&self) -> i64 {
        i64::try_from(self.max_age.as_nanos()).unwrap_or(i64::MAX)
    }
}

/// `Duration` as whole seconds in configuration files.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_secs)
    }
}
