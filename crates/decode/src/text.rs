//! Strings deserialised without copying where the input allows it.

use std::borrow::Cow;
use std::fmt;

use std::net::IpAddr;

use serde::de::{Deserialize, Deserializer, Error, Visitor};

use crate::error::DecodeError;

/// A JSON string borrowed from the input line, or owned when it had escapes.
///
/// serde borrows `Cow<str>` only as a bare field type; this newtype borrows inside `Option`
/// and `Vec` as well.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'a> Str<'a> {
    pub(crate) fn into_cow(self) -> Cow<'a, str> {
        self.0
    }
}

struct StrVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
    type Value = Str<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Str<'a>, E> {
        Ok(Str(Cow::Owned(v)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(StrVisitor(std::marker::PhantomData))
    }
}

/// The text of an optional string field.
pub(crate) fn cow(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(Str::into_cow)
}

/// An address field: absent, or an IPv4/IPv6 address (anything else is a
/// [`DecodeError::BadAddress`] naming `field`).
pub(crate) fn address(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<IpAddr>, DecodeError> {
    match value {
        None => Ok(None),
        Some(text) => text
            .parse::<IpAddr>()
            .map(Some)
            .map_err(|_| DecodeError::BadAddress {
                field,
                value: text.chars().take(64).collect(),
            }),
    }
}

/// Drops one pair of enclosing angle brackets (`<a@example.org>` → `a@example.org`), as SMTP
/// envelopes write addresses, and surrounding spaces.
pub(crate) fn strip_angle(text: Cow<'_, str>) -> Cow<'_, str> {
    let trimmed = |s: &str| -> (usize, usize) {
        let t = s.trim();
        let start = s.len() - s.trim_start().len();
        match t.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            Some(inner) => (start + 1, start + 1 + inner.len()),
            None => (start, start + t.len()),
        }
    };
    match text {
        Cow::Borrowed(s) => {
            let (a, b) = trimmed(s);
            Cow::Borrowed(&s[a..b])
        }
        Cow::Owned(s) => {
            let (a, b) = trimmed(&s);
            if a == 0 && b == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(s[a..b].to_owned())
            }
        }
    }
}

/// A hash as lower-case hex without separators (`AB:cd:01` → `abcd01`), borrowed when it
/// already is.
pub(crate) fn plain_hex(text: Cow<'_, str>) -> Cow<'_, str> {
    let clean = text
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if clean {
        return text;
    }
    Cow::Owned(
        text.chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .map(|c| c.to_ascii_lowercase())
            .collect(),
    )
}

/// Lower case, borrowed when it already is.
pub(crate) fn lower(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_brackets() {
        assert_eq!(strip_angle(Cow::Borrowed("<a@b.c>")), "a@b.c");
        assert_eq!(strip_angle(Cow::Borrowed(" <a@b.c> ")), "a@b.c");
        assert_eq!(strip_angle(Cow::Borrowed("a@b.c")), "a@b.c");
        assert_eq!(strip_angle(Cow::Owned("<x>".into())), "x");
        assert_eq!(strip_angle(Cow::Borrowed("<")), "<");
        assert_eq!(strip_angle(Cow::Borrowed("")), "");
    }

    #[test]
    fn hex_forms() {
        assert_eq!(plain_hex(Cow::Borrowed("ab:CD:01")), "abcd01");
        assert!(matches!(
            plain_hex(Cow::Borrowed("abcd01")),
            Cow::Borrowed(_)
        ));
        assert_eq!(lower(Cow::Borrowed("TCP")), "tcp");
    }
}
