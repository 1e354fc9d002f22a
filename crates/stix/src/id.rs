//! STIX identifiers: `object-type--UUID` (STIX 2.1 §2.9).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// The length of a hyphenated UUID (`8-4-4-4-12`).
const UUID_LEN: usize = 36;
/// The separator between the type and the UUID.
const SEPARATOR: &str = "--";

/// Why a text is not a STIX identifier or a type name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text has no `--` followed by a 36-character UUID at its end.
    #[error(
        "{text:?} is not a STIX identifier: it must be `<object-type>--<UUID>`, e.g. indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
    )]
    Shape {
        /// The offending text.
        text: String,
    },
    /// The part before `--` is not a valid object type name.
    #[error(
        "{type_name:?} is not a valid STIX type name: use 3-250 characters of a-z, 0-9 and single hyphens, starting with a letter"
    )]
    TypeName {
        /// The offending type name.
        type_name: String,
    },
    /// The UUID part is malformed or not an RFC 4122 UUID of version 1–5.
    #[error(
        "{uuid:?} is not an RFC 4122 UUID of version 1-5 in 8-4-4-4-12 hex form: {reason}; generate one with UUIDv4 (or UUIDv5 for SCOs)"
    )]
    Uuid {
        /// The offending UUID text.
        uuid: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Returns whether `name` is a valid STIX object type name: 3–250 characters
/// matching `^([a-z][a-z0-9]*)+(-[a-z0-9]+)*-?$`.
///
/// Written by hand instead of with a regex engine: the grammar is "a lowercase
/// letter, then lowercase letters, digits and single hyphens, optionally one
/// trailing hyphen", which a loop states more plainly than the regex does.
pub fn is_valid_type_name(name: &str) -> bool {
    let b = name.as_bytes();
    if !(3..=250).contains(&b.len()) || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut prev_hyphen = false;
    for &c in &b[1..] {
        match c {
            b'a'..=b'z' | b'0'..=b'9' => prev_hyphen = false,
            b'-' if !prev_hyphen => prev_hyphen = true,
            _ => return false,
        }
    }
    true
}

/// A parsed STIX identifier: the original text, the position of the separator
/// and the UUID. Equality, ordering and hashing use the text; the UUID's hex
/// may be in either case, as the schema allows, and is kept as written.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identifier {
    text: Box<str>,
    type_len: usize,
    uuid: Uuid,
}

impl Identifier {
    /// Parses and checks `type--uuid`: the type must satisfy
    /// [`is_valid_type_name`] and the UUID must be hyphenated hex with the
    /// RFC 4122 variant and version 1–5.
    pub fn parse(text: &str) -> Result<Identifier, IdError> {
        let shape = || IdError::Shape {
            text: text.to_string(),
        };
        if text.len() < UUID_LEN + SEPARATOR.len() + 1
            || !text.is_char_boundary(text.len() - UUID_LEN)
        {
            return Err(shape());
        }
        let (head, uuid_text) = text.split_at(text.len() - UUID_LEN);
        let type_name = head.strip_suffix(SEPARATOR).ok_or_else(shape)?;
        if !is_valid_type_name(type_name) {
            return Err(IdError::TypeName {
                type_name: type_name.to_string(),
            });
        }
        let uuid = parse_uuid(uuid_text)?;
        Ok(Identifier {
            text: text.into(),
            type_len: type_name.len(),
            uuid,
        })
    }

    /// A new identifier for `object_type` with a random (version 4) UUID, as
    /// the spec recommends for SDOs, SROs, meta objects and bundles.
    pub fn new_v4(object_type: &str) -> Result<Identifier, IdError> {
        Identifier::from_parts(object_type, Uuid::new_v4())
    }

    /// A UUIDv4 identifier for a type name known at compile time to be valid
    /// (`bundle`, `marking-definition`, …).
    pub(crate) fn new_v4_for_known_type(object_type: &'static str) -> Identifier {
        debug_assert!(is_valid_type_name(object_type));
        let uuid = Uuid::new_v4();
        Identifier {
            text: format!("{object_type}{SEPARATOR}{}", uuid.hyphenated()).into(),
            type_len: object_type.len(),
            uuid,
        }
    }

    /// An identifier from a type name and a UUID; the UUID must have the
    /// RFC 4122 variant and version 1–5.
    pub fn from_parts(object_type: &str, uuid: Uuid) -> Result<Identifier, IdError> {
        if !is_valid_type_name(object_type) {
            return Err(IdError::TypeName {
                type_name: object_type.to_string(),
            });
        }
        check_uuid(&uuid, &uuid.hyphenated().to_string())?;
        Ok(Identifier {
            text: format!("{object_type}{SEPARATOR}{}", uuid.hyphenated()).into(),
            type_len: object_type.len(),
            uuid,
        })
    }

    /// The object type: the part before `--`.
    pub fn object_type(&self) -> &str {
        &self.text[..self.type_len]
    }

    /// The UUID part.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    /// The identifier text exactly as parsed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn parse_uuid(text: &str) -> Result<Uuid, IdError> {
    let bad = |reason| IdError::Uuid {
        uuid: text.to_string(),
        reason,
    };
    // `Uuid::parse_str` also accepts braced, URN and unhyphenated forms; STIX
    // allows only the hyphenated one, so check the layout first.
    for (i, c) in text.bytes().enumerate() {
        let hyphen = matches!(i, 8 | 13 | 18 | 23);
        if hyphen && c != b'-' {
            return Err(bad("hyphens must separate 8-4-4-4-12 hex digits"));
        }
        if !hyphen && !c.is_ascii_hexdigit() {
            return Err(bad("only hex digits may appear between the hyphens"));
        }
    }
    let uuid = Uuid::try_parse(text).map_err(|_| bad("it does not parse"))?;
    check_uuid(&uuid, text)?;
    Ok(uuid)
}

fn check_uuid(uuid: &Uuid, text: &str) -> Result<(), IdError> {
    let bad = |reason| IdError::Uuid {
        uuid: text.to_string(),
        reason,
    };
    if uuid.get_variant() != uuid::Variant::RFC4122 {
        return Err(bad("the variant nibble must be 8, 9, a or b"));
    }
    if !(1..=5).contains(&uuid.get_version_num()) {
        return Err(bad("the version nibble must be 1-5"));
    }
    Ok(())
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({:?})", &*self.text)
    }
}

impl FromStr for Identifier {
    type Err = IdError;

    /// Same as [`Identifier::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Identifier::parse(s)
    }
}

impl AsRef<str> for Identifier {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl serde::Serialize for Identifier {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Identifier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Identifier::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn type_names() {
        for ok in [
            "indicator",
            "x-foo",
            "abc",
            "a1b",
            "foo-",
            "a-b-c",
            "x-acme-thing2",
        ] {
            assert!(is_valid_type_name(ok), "{ok}");
        }
        for bad in [
            "ab",
            "Indicator",
            "1abc",
            "-abc",
            "a--b",
            "foo--",
            "a_b",
            "ab c",
            "ab\u{e9}",
        ] {
            assert!(!is_valid_type_name(bad), "{bad}");
        }
        assert!(is_valid_type_name(&"a".repeat(250)));
        assert!(!is_valid_type_name(&"a".repeat(251)));
    }

    #[test]
    fn parses_and_splits() {
        let id = Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid().get_version_num(), 4);
        let upper = Identifier::parse("x-foo---8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F").unwrap();
        assert_eq!(upper.object_type(), "x-foo-");
        assert_eq!(
            upper.as_str(),
            "x-foo---8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"
        );
    }

    #[test]
    fn rejects_bad_identifiers() {
        let cases = [
            ("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "shape"),
            ("indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f", "shape"),
            ("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "type"),
            ("in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "type"),
            ("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f", "uuid"),
            ("indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", "uuid"),
            ("indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", "uuid"),
            ("indicator--{e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "uuid"),
            ("indicator--8e2e2d2b_17d4-4cbf-938f-98ee46b3cd3f", "uuid"),
            ("", "shape"),
            ("ééééééééééééééééééééééééééééééééééééééééééé", "shape"),
        ];
        for (text, kind) in cases {
            let err = Identifier::parse(text).unwrap_err();
            let got = match err {
                IdError::Shape { .. } => "shape",
                IdError::TypeName { .. } => "type",
                IdError::Uuid { .. } => "uuid",
            };
            assert_eq!(got, kind, "{text}: {err}");
        }
    }

    #[test]
    fn new_v4_and_from_parts() {
        let id = Identifier::new_v4("report").unwrap();
        assert_eq!(id.object_type(), "report");
        assert_eq!(id.uuid().get_version_num(), 4);
        assert_eq!(Identifier::parse(id.as_str()).unwrap(), id);
        assert!(Identifier::new_v4("NotAType").is_err());
        assert!(Identifier::from_parts("file", Uuid::nil()).is_err());
    }
}
