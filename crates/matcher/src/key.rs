//! Equality keys: one form for a constant and for a fact value, so that
//! "equal keys" is exactly the evaluator's `=` (STIX 2.1 §9.6, with the
//! product's canonical comparison).
//!
//! The evaluator's `=` between a value and a constant is, by type:
//!
//! | value | constant | equal when |
//! |---|---|---|
//! | string | string | the canonical forms for the property are equal |
//! | string | `h''`/`b''` | the string's code points are all below U+0100 and, as octets, equal |
//! | octets | string | the constant's code points, as octets, are equal |
//! | octets | octets | equal |
//! | number | number | equal values (`1 = 1.0`) |
//! | boolean | boolean | equal |
//!
//! Everything else is false. So a key is one of:
//!
//! - **text**: the canonical string, stored as [`Key::V4`] / [`Key::V6`] when
//!   it is the canonical text of an address (dotted quad, RFC 5952) — an
//!   injective re-encoding, so equality is unchanged — else [`Key::Str`];
//! - **octets** ([`Key::Bytes`]): a string meets octets through its Latin-1
//!   octets, which is injective, so a string value and a string constant whose
//!   octet keys are equal are equal strings (and then also equal text keys);
//! - **numbers**: [`Key::Int`] for every integral value (floats too), else
//!   [`Key::Float`] with the bits of the float;
//! - **booleans**.
//!
//! Canonical forms come from [`phalanx_stix::canonical::canonical_value`] for
//! the object type and property of the path. For a path that follows a
//! reference the target's type is not in the facts, so both sides take every
//! form the property can have under any SCO type ([`CanonRule::AnyTarget`]):
//! a match is always found, and the candidate is verified by the evaluator.
//!
//! Address texts are fixed points of every canonical rule (tested below), so
//! an [`FactValue::Ipv4`](crate::FactValue::Ipv4) fact is the key
//! [`Key::V4`] on any path without formatting it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use phalanx_pattern::Literal;
use phalanx_stix::canonical::canonical_value;

/// The STIX 2.1 SCO types, and one custom type standing for every type
/// without a canonical rule: the types a reference may lead to.
pub(crate) const TARGET_TYPES: [&str; 19] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
    "x-custom",
];

/// An equality key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key<'a> {
    /// The canonical dotted-quad text of an IPv4 address.
    V4(u32),
    /// The canonical RFC 5952 text of an IPv6 address.
    V6(u128),
    /// Any other canonical string.
    Str(Cow<'a, str>),
    /// Octets (of a binary value, a binary constant, or a string's Latin-1
    /// code points).
    Bytes(Cow<'a, [u8]>),
    /// An integral number.
    Int(i128),
    /// A finite non-integral number, as its bits.
    Float(u64),
    /// A boolean.
    Bool(bool),
}

impl Key<'_> {
    /// The key with owned data.
    pub(crate) fn into_owned(self) -> Key<'static> {
        match self {
            Key::V4(a) => Key::V4(a),
            Key::V6(a) => Key::V6(a),
            Key::Str(s) => Key::Str(Cow::Owned(s.into_owned())),
            Key::Bytes(b) => Key::Bytes(Cow::Owned(b.into_owned())),
            Key::Int(i) => Key::Int(i),
            Key::Float(f) => Key::Float(f),
            Key::Bool(b) => Key::Bool(b),
        }
    }
}

/// How string values of a path are canonicalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CanonRule {
    /// The path stays on its root object: one canonical form.
    Static {
        object_type: Box<str>,
        property: Box<str>,
        /// A cheap test that a string is already canonical, when the rule is
        /// known to have one (see [`FastCanon`]).
        fast: FastCanon,
    },
    /// The path follows a reference: every form under any target type.
    AnyTarget { property: Box<str> },
}

/// Rules with a cheap fixed-point test, so the hot path skips the full
/// canonicalisation (IDNA for domains) for values already in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FastCanon {
    /// No shortcut: always canonicalise.
    None,
    /// `domain-name:value`.
    Domain,
    /// `email-addr:value` (the part after the last `@` is a domain).
    Email,
    /// `url:value`.
    Url,
    /// A hash value (`file:hashes.*`, `artifact:hashes.*`,
    /// `x509-certificate:hashes.*`): canonical when it has no upper-case
    /// letter, whatever the algorithm.
    Hash,
}

impl CanonRule {
    /// The rule for a path of `object_type` whose value property (after any
    /// reference) is `property`.
    pub(crate) fn new(object_type: &str, property: &str, dereferences: bool) -> CanonRule {
        if dereferences {
            return CanonRule::AnyTarget {
                property: property.into(),
            };
        }
        let fast = match (object_type, property) {
            ("domain-name", "value") => FastCanon::Domain,
            ("email-addr", "value") => FastCanon::Email,
            ("url", "value") => FastCanon::Url,
            ("file" | "artifact" | "x509-certificate", property)
                if property.starts_with("hashes.") =>
            {
                FastCanon::Hash
            }
            _ => FastCanon::None,
        };
        CanonRule::Static {
            object_type: object_type.into(),
            property: property.into(),
            fast,
        }
    }

    /// Calls `visit` with every text key of the string `value` (one for a
    /// static rule, the distinct ones under any target type otherwise).
    pub(crate) fn text_keys<'v>(&self, value: &'v str, visit: &mut dyn FnMut(Key<'_>)) {
        match self {
            CanonRule::Static {
                object_type,
                property,
                fast,
            } => {
                if fast.is_canonical(value) {
                    visit(text_key(Cow::Borrowed(value)));
                } else {
                    visit(text_key(canonical_value(object_type, property, value)));
                }
            }
            CanonRule::AnyTarget { property } => {
                let mut seen: Vec<Cow<'v, str>> = Vec::with_capacity(2);
                for ty in TARGET_TYPES {
                    let form = canonical_value(ty, property, value);
                    if !seen.contains(&form) {
                        seen.push(form);
                    }
                }
                for form in seen {
                    visit(text_key(form));
                }
            }
        }
    }
}

impl FastCanon {
    /// True when `value` is certainly its own canonical form under the rule.
    fn is_canonical(self, value: &str) -> bool {
        match self {
            FastCanon::None => false,
            FastCanon::Domain => is_plain_domain(value),
            FastCanon::Email => match value.rsplit_once('@') {
                Some((_, domain)) => is_plain_domain(domain),
                None => true,
            },
            FastCanon::Url => is_plain_url(value),
            FastCanon::Hash => !value.bytes().any(|b| b.is_ascii_uppercase()),
        }
    }
}

/// `http://` or `https://`, a plain host whose last label starts with a
/// letter (so the WHATWG parser does not read it as an IPv4 number), no
/// port or user, then a non-empty path and optional query of unreserved
/// characters, `/`, `?`, `=` and `&`, without dot segments: the URL
/// parser leaves such text as it is, and there is no escape to normalise.
fn is_plain_url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
    else {
        return false;
    };
    let Some(slash) = rest.find('/') else {
        return false;
    };
    let (host, tail) = rest.split_at(slash);
    let last_label = host.rsplit('.').next().unwrap_or_default();
    if host.is_empty()
        || !is_plain_domain(host)
        || !last_label.starts_with(|c: char| c.is_ascii_lowercase())
    {
        return false;
    }
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    path.bytes().all(|b| unreserved(b) || b == b'/')
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && query.is_none_or(|q| {
            !q.is_empty()
                && q.bytes()
                    .all(|b| unreserved(b) || matches!(b, b'/' | b'=' | b'&'))
        })
}

/// Lower-case ASCII letters, digits, `-`, `_` and `.`, not ending in `.`:
/// IDNA leaves such names as they are, or rejects them and the canonical rule
/// then only lower-cases them, which changes nothing either.
fn is_plain_domain(value: &str) -> bool {
    !value.ends_with('.')
        && value.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// The text key of a canonical string.
pub(crate) fn text_key(text: Cow<'_, str>) -> Key<'_> {
    if let Some(v4) = canonical_v4(&text) {
        return Key::V4(v4);
    }
    if let Some(v6) = canonical_v6(&text) {
        return Key::V6(v6);
    }
    Key::Str(text)
}

/// The address when `text` is the canonical dotted quad of one.
pub(crate) fn canonical_v4(text: &str) -> Option<u32> {
    if !(7..=15).contains(&text.len()) {
        return None;
    }
    let address: Ipv4Addr = text.parse().ok()?;
    let mut buffer = TextBuffer::new();
    let _ = write!(buffer, "{address}");
    (buffer.as_str() == text).then(|| u32::from(address))
}

/// The address when `text` is the canonical RFC 5952 text of an IPv6 one.
pub(crate) fn canonical_v6(text: &str) -> Option<u128> {
    if !text.contains(':') || text.len() > 45 {
        return None;
    }
    let address: Ipv6Addr = text.parse().ok()?;
    let mut buffer = TextBuffer::new();
    let _ = write!(buffer, "{address}");
    (buffer.as_str() == text).then(|| u128::from(address))
}

/// The Latin-1 octets of a string whose code points are all below U+0100.
pub(crate) fn latin1(text: &str) -> Option<Cow<'_, [u8]>> {
    if text.is_ascii() {
        return Some(Cow::Borrowed(text.as_bytes()));
    }
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map(Cow::Owned)
}

/// The number key of an integer.
pub(crate) fn int_key(value: i128) -> Key<'static> {
    Key::Int(value)
}

/// The number key of a float; `None` for NaN, which equals nothing.
pub(crate) fn float_key(value: f64) -> Option<Key<'static>> {
    if value.is_nan() {
        return None;
    }
    // 2^127: floats at or beyond it (and infinities) are outside i128.
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    if value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value) {
        // Integral and within range, so the conversion is exact.
        return Some(Key::Int(value as i128));
    }
    Some(Key::Float(value.to_bits()))
}

/// Every key under which a value equal to `literal` (on a path with `rule`)
/// can be found; `None` for a timestamp constant, which this index does not
/// key (the caller treats such a comparison as having no atom).
///
/// `binary_path` says whether the path can reach octets: only a property
/// whose name ends in `_hex` or `_bin` holds them, so only there does a
/// string constant also need its octet key.
pub(crate) fn literal_keys(
    literal: &Literal,
    rule: &CanonRule,
    binary_path: bool,
) -> Option<Vec<Key<'static>>> {
    let mut keys: Vec<Key<'static>> = Vec::new();
    match literal {
        Literal::String(text) => {
            rule.text_keys(text, &mut |key| {
                let key = key.into_owned();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            });
            if binary_path && let Some(octets) = latin1(text) {
                keys.push(Key::Bytes(Cow::Owned(octets.into_owned())));
            }
        }
        Literal::Int(value) => keys.push(int_key(*value)),
        Literal::Float(value) => keys.extend(float_key(*value)),
        Literal::Bool(value) => keys.push(Key::Bool(*value)),
        Literal::Binary(bytes) | Literal::Hex(bytes) => {
            keys.push(Key::Bytes(Cow::Owned(bytes.clone())));
        }
        Literal::Timestamp(_) => return None,
    }
    Some(keys)
}

/// A fixed-size text buffer for formatting addresses without allocating.
pub(crate) struct TextBuffer {
    bytes: [u8; 64],
    len: usize,
}

impl TextBuffer {
    pub(crate) fn new() -> TextBuffer {
        TextBuffer {
            bytes: [0; 64],
            len: 0,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for TextBuffer {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let Some(target) = self.bytes.get_mut(self.len..end) else {
            return Err(std::fmt::Error);
        };
        target.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The text of an IPv4 address in `buffer`.
pub(crate) fn format_v4(address: u32, buffer: &mut TextBuffer) -> &str {
    buffer.len = 0;
    let _ = write!(buffer, "{}", Ipv4Addr::from(address));
    buffer.as_str()
}

/// The text of an IPv6 address in `buffer`.
pub(crate) fn format_v6(address: u128, buffer: &mut TextBuffer) -> &str {
    buffer.len = 0;
    let _ = write!(buffer, "{}", Ipv6Addr::from(address));
    buffer.as_str()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// Every (type, property) with a canonical rule, and a plain one.
    const RULE_PATHS: [(&str, &str); 12] = [
        ("domain-name", "value"),
        ("email-addr", "value"),
        ("url", "value"),
        ("ipv4-addr", "value"),
        ("ipv6-addr", "value"),
        ("mac-addr", "value"),
        ("file", "hashes.MD5"),
        ("file", "hashes.TLSH"),
        ("file", "hashes.SSDEEP"),
        ("x509-certificate", "hashes.SHA-1"),
        ("network-traffic", "protocols"),
        ("x-custom", "value"),
    ];

    #[test]
    fn address_texts_are_fixed_points_of_every_rule() {
        for text in [
            "0.0.0.0",
            "10.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "fe80::1:2:3:4",
            "1:2:3:4:5:6:7:8",
            "abcd:ef01::",
        ] {
            for (ty, property) in RULE_PATHS {
                assert_eq!(
                    canonical_value(ty, property, text),
                    text,
                    "{ty}:{property} {text}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn addresses_are_fixed_points(v4 in any::<u32>(), v6 in any::<u128>()) {
            let mut buffer = TextBuffer::new();
            let text = format_v4(v4, &mut buffer).to_string();
            prop_assert_eq!(canonical_v4(&text), Some(v4));
            for (ty, property) in RULE_PATHS {
                prop_assert_eq!(canonical_value(ty, property, &text), text.as_str());
            }
            let text = format_v6(v6, &mut buffer).to_string();
            prop_assert_eq!(canonical_v6(&text), Some(v6));
            for (ty, property) in RULE_PATHS {
                prop_assert_eq!(canonical_value(ty, property, &text), text.as_str());
            }
        }

        #[test]
        fn fast_canonical_tests_agree_with_the_rules(
            name in "[a-z0-9._-]{0,24}",
            local in "[A-Za-z0-9.+]{1,8}",
        ) {
            if FastCanon::Domain.is_canonical(&name) {
                prop_assert_eq!(canonical_value("domain-name", "value", &name), name.as_str());
            }
            let email = format!("{local}@{name}");
            if FastCanon::Email.is_canonical(&email) {
                prop_assert_eq!(canonical_value("email-addr", "value", &email), email.as_str());
            }
        }

        #[test]
        fn fast_hash_test_agrees_with_the_rule(
            value in "[0-9a-zA-Z+/:]{0,40}",
            algorithm in prop::sample::select(vec!["MD5", "SHA-256", "sha256", "SSDEEP", "TLSH", "x-custom"]),
        ) {
            let property = format!("hashes.{algorithm}");
            if FastCanon::Hash.is_canonical(&value) {
                for ty in ["file", "artifact", "x509-certificate"] {
                    prop_assert_eq!(canonical_value(ty, &property, &value), value.as_str());
                }
            }
        }

        #[test]
        fn fast_url_test_agrees_with_the_rule(
            scheme in prop::sample::select(vec!["http://", "https://", "HTTP://", "ftp://"]),
            host in "[a-z0-9.-]{0,12}(\\.[a-z0-9]{1,4})?",
            path in "(/[A-Za-z0-9._~%=?&-]{0,8}){0,3}",
        ) {
            let url = format!("{scheme}{host}{path}");
            if FastCanon::Url.is_canonical(&url) {
                prop_assert_eq!(canonical_value("url", "value", &url), url.as_str());
            }
        }
    }

    #[test]
    fn fast_url_examples() {
        for (url, plain) in [
            ("http://www.evil.example/path/x.php?id=1", true),
            ("https://a.test/", true),
            ("http://a.test", false),
            ("http://1.2.3/", false),
            ("http://a.test/./x", false),
            ("http://a.test/x?", false),
            ("http://a.test:80/", false),
            ("http://A.test/", false),
        ] {
            assert_eq!(FastCanon::Url.is_canonical(url), plain, "{url}");
            if plain {
                assert_eq!(canonical_value("url", "value", url), url);
            }
        }
    }

    #[test]
    fn keys_of_literals() {
        let rule = CanonRule::new("ipv4-addr", "value", false);
        let keys = literal_keys(&Literal::String("10.0.0.1/32".into()), &rule, false).unwrap();
        assert_eq!(keys, vec![Key::V4(0x0a00_0001)]);
        let rule = CanonRule::new("file", "hashes.MD5", false);
        let keys = literal_keys(&Literal::String("ABCDEF".into()), &rule, false).unwrap();
        assert_eq!(keys, vec![Key::Str("abcdef".into())]);
        let rule = CanonRule::new("file", "magic_number_hex", false);
        let keys = literal_keys(&Literal::String("AB".into()), &rule, true).unwrap();
        assert_eq!(keys[1], Key::Bytes(Cow::Borrowed(b"AB")));
        assert_eq!(
            literal_keys(&Literal::Float(2.0), &rule, false).unwrap(),
            vec![Key::Int(2)]
        );
        assert_eq!(
            literal_keys(&Literal::Float(2.5), &rule, false).unwrap(),
            vec![Key::Float(2.5f64.to_bits())]
        );
        assert!(
            literal_keys(
                &Literal::Timestamp(phalanx_pattern::Timestamp::from_civil(jiff_civil())),
                &rule,
                false
            )
            .is_none()
        );
        // Through a reference: the domain form and the identity form.
        let rule = CanonRule::new("network-traffic", "value", true);
        let keys = literal_keys(&Literal::String("Example.COM".into()), &rule, false).unwrap();
        assert!(keys.contains(&Key::Str("example.com".into())));
        assert!(keys.contains(&Key::Str("Example.COM".into())));
    }

    fn jiff_civil() -> jiff::civil::DateTime {
        jiff::civil::date(2020, 1, 1).at(0, 0, 0, 0)
    }
}
