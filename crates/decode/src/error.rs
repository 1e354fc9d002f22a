//! Why a record could not be decoded.

use thiserror::Error;

/// A record that is not a valid event of its format. The record is counted as malformed and
/// skipped; the records around it are decoded as usual.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Not JSON, or a field of the wrong JSON type.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// JSON, but not an object.
    #[error("the record is not a JSON object")]
    NotAnObject,
    /// A required field is missing.
    #[error("the record has no `{field}` field")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A time that is not in a form this format allows.
    #[error("`{field}` is not a valid time: {value:?}")]
    BadTime {
        /// The field.
        field: &'static str,
        /// Its value (at most 64 characters).
        value: String,
    },
    /// An address field that is not an IPv4 or IPv6 address.
    #[error("`{field}` is not an IP address: {value:?}")]
    BadAddress {
        /// The field.
        field: &'static str,
        /// Its value (at most 64 characters).
        value: String,
    },
    /// A record nested deeper than the decoder accepts.
    #[error("the record nests arrays and objects deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A record longer than the decoder accepts.
    #[error("the record is {len} bytes, more than the limit of {limit}")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
}

impl DecodeError {
    pub(crate) fn json(error: impl std::fmt::Display) -> DecodeError {
        let mut text = error.to_string();
        if text.len() > 200 {
            let mut cut = 200;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        DecodeError::Json(text)
    }

    /// A short stable name for metrics and summaries (`json`, `not_object`, `missing_field`,
    /// `bad_time`, `bad_address`, `too_long`, `too_deep`).
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Json(_) => "json",
            DecodeError::NotAnObject => "not_object",
            DecodeError::MissingField { .. } => "missing_field",
            DecodeError::BadTime { .. } => "bad_time",
            DecodeError::BadAddress { .. } => "bad_address",
            DecodeError::TooLong { .. } => "too_long",
            DecodeError::TooDeep { .. } => "too_deep",
        }
    }
}
