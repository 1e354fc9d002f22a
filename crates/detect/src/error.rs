//! Why an indicator cannot be matched.

use thiserror::Error;

/// An `indicator` object the engine cannot match. It is reported and skipped; the other
/// indicators beside it are used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndicatorError {
    /// No `id`, or one that is not an indicator id.
    #[error("an indicator without a valid `id` (expected indicator--<uuid>)")]
    MissingId,
    /// A pattern language other than STIX.
    #[error("{id}: pattern_type {pattern_type:?} is not matched by Phalanx (only \"stix\")")]
    PatternType {
        /// The indicator.
        id: String,
        /// Its `pattern_type`.
        pattern_type: String,
    },
    /// No `pattern`.
    #[error("{id}: the indicator has no `pattern`")]
    MissingPattern {
        /// The indicator.
        id: String,
    },
    /// The pattern does not parse or cannot be indexed.
    #[error("{id}: {message}")]
    Pattern {
        /// The indicator.
        id: String,
        /// What is wrong with the pattern.
        message: String,
    },
    /// `valid_until` is not a STIX timestamp.
    #[error("{id}: valid_until {value:?} is not a STIX timestamp")]
    BadValidUntil {
        /// The indicator.
        id: String,
        /// The value.
        value: String,
    },
}
