//! The catalogue of STIX 2.1 object types and their property tables.
//!
//! Validation ([`crate::validate`]) is driven by these tables rather than by a
//! serde struct per type: each [`TypeDef`] lists the type's own properties with
//! their [`ValueKind`], whether they are required, the cross-property
//! [`Constraint`]s, the properties that contribute to a deterministic SCO id and
//! the predefined extensions the type may carry. The properties every object
//! shares (STIX 2.1 §3.2) are in [`COMMON_PROPERTIES`] with a [`Usage`] per
//! object family.
//!
//! The tables follow the STIX 2.1 specification (Errata 01). Where the
//! specification and the OASIS JSON schemas differ, the choice is noted beside
//! the entry.

mod common;
mod meta;
mod sco;
mod sco_ext;
mod sdo;
mod sro;
pub mod vocab;

pub use common::{
    COMMON_PROPERTIES, CommonProperty, EXTERNAL_REFERENCE, GRANULAR_MARKING, KILL_CHAIN_PHASE,
    Usage,
};
pub use sco_ext::PREDEFINED_EXTENSIONS;

/// The family a STIX object type belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// STIX Domain Object (19 types, e.g. `indicator`).
    Sdo,
    /// STIX Relationship Object (`relationship`, `sighting`).
    Sro,
    /// STIX Cyber-observable Object (18 types, e.g. `file`).
    Sco,
    /// Meta object: `language-content`, `marking-definition`,
    /// `extension-definition`.
    Meta,
    /// A type the specification does not define (a custom object or one
    /// defined by an extension-definition).
    Custom,
}

impl ObjectKind {
    /// A short lower-case name: `sdo`, `sro`, `sco`, `meta` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Sdo => "sdo",
            ObjectKind::Sro => "sro",
            ObjectKind::Sco => "sco",
            ObjectKind::Meta => "meta",
            ObjectKind::Custom => "custom",
        }
    }
}

/// How precise a timestamp property must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampPrecision {
    /// Any number of fraction digits, including none.
    Any,
    /// At least three fraction digits (`created`, `modified`).
    AtLeastMillis,
    /// No fraction at all (`windows-pebinary-ext.time_date_stamp`).
    Seconds,
}

/// Which object types a reference property may point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    /// Any STIX object (never a bundle).
    Any,
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any type except these.
    NotTypes(&'static [&'static str]),
    /// An SDO; custom types are accepted because their family is unknown.
    Sdo,
    /// An SCO; custom types are accepted because their family is unknown.
    Sco,
    /// An SCO or an SRO; custom types are accepted.
    ScoOrSro,
}

impl RefTarget {
    /// Whether an identifier of type `object_type` may be the target.
    pub fn allows(self, object_type: &str) -> bool {
        if object_type == "bundle" {
            return false;
        }
        let kind = kind_of(object_type);
        match self {
            RefTarget::Any => true,
            RefTarget::Types(types) => types.contains(&object_type),
            RefTarget::NotTypes(types) => !types.contains(&object_type),
            RefTarget::Sdo => matches!(kind, ObjectKind::Sdo | ObjectKind::Custom),
            RefTarget::Sco => matches!(kind, ObjectKind::Sco | ObjectKind::Custom),
            RefTarget::ScoOrSro => {
                matches!(kind, ObjectKind::Sco | ObjectKind::Sro | ObjectKind::Custom)
            }
        }
    }

    /// A phrase naming the allowed targets, for error messages.
    pub fn describe(self) -> String {
        match self {
            RefTarget::Any => "any STIX object".to_string(),
            RefTarget::Types(types) => types.join(" or "),
            RefTarget::NotTypes(types) => format!("any object except {}", types.join(", ")),
            RefTarget::Sdo => "an SDO".to_string(),
            RefTarget::Sco => "an SCO".to_string(),
            RefTarget::ScoOrSro => "an SCO or SRO".to_string(),
        }
    }
}

/// The kind of value a property holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueKind {
    /// A JSON string.
    String,
    /// A JSON integer, optionally bounded (inclusive). STIX integers are
    /// further limited to ±(2^53−1).
    Integer {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// A JSON number, optionally bounded (inclusive).
    Float {
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
    },
    /// `true` or `false`.
    Boolean,
    /// A STIX timestamp string of the given precision.
    Timestamp(TimestampPrecision),
    /// A STIX identifier pointing at one of the allowed types.
    Identifier(RefTarget),
    /// A non-empty JSON array of the inner kind.
    List(&'static ValueKind),
    /// A STIX dictionary: a non-empty object whose keys have at most 250
    /// characters of `a-z A-Z 0-9 _ -`.
    Dictionary,
    /// A hashes dictionary (hash-algorithm-ov keys, hex or fuzzy-hash values).
    Hashes,
    /// A kill-chain-phase object.
    KillChainPhase,
    /// An external-reference object.
    ExternalReference,
    /// A granular-marking object.
    GranularMarking,
    /// One of a closed set of strings.
    Enum(&'static [&'static str]),
    /// A string, suggested from an open vocabulary; other values are accepted.
    OpenVocab(&'static [&'static str]),
    /// A base64 string (RFC 4648 §4, padded).
    Binary,
    /// A string of an even number of hex digits.
    Hex,
    /// An embedded object with its own property table.
    Object(&'static ObjectDef),
    /// The deprecated observed-data `objects` container: a dictionary of SCOs
    /// keyed by `"0"`, `"1"`, ….
    ObservableContainer,
}

/// One property of a type or embedded object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PropertyDef {
    /// The JSON property name.
    pub name: &'static str,
    /// The kind of value.
    pub kind: ValueKind,
    /// Whether the property must be present.
    pub required: bool,
}

/// A rule that involves more than one property of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// At least one of these properties must be present.
    AtLeastOne(&'static [&'static str]),
    /// At least one property of the type's own table (or `extensions`) must be
    /// present.
    AtLeastOneSpecific,
    /// Exactly one of these properties must be present.
    ExactlyOne(&'static [&'static str]),
    /// When `property` is present, all of `requires` must be too.
    Requires {
        /// The triggering property.
        property: &'static str,
        /// The properties it needs.
        requires: &'static [&'static str],
    },
    /// When `property` is present, none of `excludes` may be.
    Excludes {
        /// The triggering property.
        property: &'static str,
        /// The properties it rules out.
        excludes: &'static [&'static str],
    },
    /// When boolean `flag` is present and equals `value`, `require` must be
    /// present and `forbid` absent.
    When {
        /// The boolean property.
        flag: &'static str,
        /// The value that triggers the rule.
        value: bool,
        /// Properties that must then be present.
        require: &'static [&'static str],
        /// Properties that must then be absent.
        forbid: &'static [&'static str],
    },
    /// When both timestamps are present, `later` must not be before `earlier`
    /// (or must be strictly after it when `strict`).
    Order {
        /// The property holding the earlier time.
        earlier: &'static str,
        /// The property holding the later time.
        later: &'static str,
        /// Whether equal times are an error.
        strict: bool,
    },
}

/// An embedded object type (for example `windows-pe-section`) or a predefined
/// SCO extension (for example `ntfs-ext`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectDef {
    /// The name the specification gives it.
    pub name: &'static str,
    /// Its properties.
    pub properties: &'static [PropertyDef],
    /// Its cross-property rules.
    pub constraints: &'static [Constraint],
}

/// One STIX 2.1 object type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TypeDef {
    /// The `type` value.
    pub name: &'static str,
    /// Its family.
    pub kind: ObjectKind,
    /// Its own properties (the common ones are in [`COMMON_PROPERTIES`]).
    pub properties: &'static [PropertyDef],
    /// Its cross-property rules.
    pub constraints: &'static [Constraint],
    /// The ID-contributing properties for deterministic SCO ids (STIX 2.1
    /// §2.9); empty for non-SCOs and for `process`.
    pub id_contributing: &'static [&'static str],
    /// The predefined extensions (`*-ext`) this type may carry.
    pub extensions: &'static [&'static ObjectDef],
}

impl TypeDef {
    /// The definition of the type's own property `name`, if it has one.
    pub fn property(&self, name: &str) -> Option<&'static PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The predefined extension `name` if this type may carry it.
    pub fn extension(&self, name: &str) -> Option<&'static ObjectDef> {
        self.extensions.iter().copied().find(|e| e.name == name)
    }
}

impl ObjectDef {
    /// The definition of property `name`, if the object has one.
    pub fn property(&self, name: &str) -> Option<&'static PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// Every type the specification defines: 19 SDOs, 2 SROs, 18 SCOs and 3 meta
/// objects.
pub static ALL_TYPES: &[&TypeDef] = &[
    &sdo::ATTACK_PATTERN,
    &sdo::CAMPAIGN,
    &sdo::COURSE_OF_ACTION,
    &sdo::GROUPING,
    &sdo::IDENTITY,
    &sdo::INCIDENT,
    &sdo::INDICATOR,
    &sdo::INFRASTRUCTURE,
    &sdo::INTRUSION_SET,
    &sdo::LOCATION,
    &sdo::MALWARE,
    &sdo::MALWARE_ANALYSIS,
    &sdo::NOTE,
    &sdo::OBSERVED_DATA,
    &sdo::OPINION,
    &sdo::REPORT,
    &sdo::THREAT_ACTOR,
    &sdo::TOOL,
    &sdo::VULNERABILITY,
    &sro::RELATIONSHIP,
    &sro::SIGHTING,
    &sco::ARTIFACT,
    &sco::AUTONOMOUS_SYSTEM,
    &sco::DIRECTORY,
    &sco::DOMAIN_NAME,
    &sco::EMAIL_ADDR,
    &sco::EMAIL_MESSAGE,
    &sco::FILE,
    &sco::IPV4_ADDR,
    &sco::IPV6_ADDR,
    &sco::MAC_ADDR,
    &sco::MUTEX,
    &sco::NETWORK_TRAFFIC,
    &sco::PROCESS,
    &sco::SOFTWARE,
    &sco::URL,
    &sco::USER_ACCOUNT,
    &sco::WINDOWS_REGISTRY_KEY,
    &sco::X509_CERTIFICATE,
    &meta::LANGUAGE_CONTENT,
    &meta::MARKING_DEFINITION,
    &meta::EXTENSION_DEFINITION,
];

/// The definition of `object_type`, or `None` for a custom or unknown type.
pub fn lookup(object_type: &str) -> Option<&'static TypeDef> {
    ALL_TYPES.iter().copied().find(|t| t.name == object_type)
}

/// The family of `object_type`; [`ObjectKind::Custom`] for types the
/// specification does not define (including `bundle`, which is not an object).
pub fn kind_of(object_type: &str) -> ObjectKind {
    lookup(object_type).map_or(ObjectKind::Custom, |t| t.kind)
}

/// A predefined SCO extension by name (e.g. `ntfs-ext`), whichever type it
/// belongs to.
pub fn predefined_extension(name: &str) -> Option<&'static ObjectDef> {
    PREDEFINED_EXTENSIONS
        .iter()
        .copied()
        .find(|e| e.name == name)
}

// Shorthands for the tables below.

pub(crate) const fn req(name: &'static str, kind: ValueKind) -> PropertyDef {
    PropertyDef {
        name,
        kind,
        required: true,
    }
}

pub(crate) const fn opt(name: &'static str, kind: ValueKind) -> PropertyDef {
    PropertyDef {
        name,
        kind,
        required: false,
    }
}

pub(crate) const STR: ValueKind = ValueKind::String;
pub(crate) const BOOL: ValueKind = ValueKind::Boolean;
pub(crate) const INT: ValueKind = ValueKind::Integer {
    min: None,
    max: None,
};
pub(crate) const UINT: ValueKind = ValueKind::Integer {
    min: Some(0),
    max: None,
};
pub(crate) const FLOAT: ValueKind = ValueKind::Float {
    min: None,
    max: None,
};
pub(crate) const TS: ValueKind = ValueKind::Timestamp(TimestampPrecision::Any);
pub(crate) const TS_MILLIS: ValueKind = ValueKind::Timestamp(TimestampPrecision::AtLeastMillis);
pub(crate) const HEX: ValueKind = ValueKind::Hex;
pub(crate) const HASHES: ValueKind = ValueKind::Hashes;
pub(crate) const DICT: ValueKind = ValueKind::Dictionary;
pub(crate) const STR_LIST: ValueKind = ValueKind::List(&STR);
pub(crate) const KILL_CHAIN: ValueKind = ValueKind::List(&ValueKind::KillChainPhase);

pub(crate) const fn reference(types: &'static [&'static str]) -> ValueKind {
    ValueKind::Identifier(RefTarget::Types(types))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_counts() {
        let count = |k| ALL_TYPES.iter().filter(|t| t.kind == k).count();
        assert_eq!(count(ObjectKind::Sdo), 19);
        assert_eq!(count(ObjectKind::Sro), 2);
        assert_eq!(count(ObjectKind::Sco), 18);
        assert_eq!(count(ObjectKind::Meta), 3);
        assert_eq!(PREDEFINED_EXTENSIONS.len(), 12);
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut names: Vec<_> = ALL_TYPES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL_TYPES.len());
        assert!(names.iter().all(|n| crate::id::is_valid_type_name(n)));
        for t in ALL_TYPES {
            let mut props: Vec<_> = t.properties.iter().map(|p| p.name).collect();
            props.sort_unstable();
            let before = props.len();
            props.dedup();
            assert_eq!(before, props.len(), "duplicate property in {}", t.name);
            for c in t.id_contributing {
                assert!(
                    t.property(c).is_some() || *c == "extensions",
                    "{}: contributing property {c} not in the table",
                    t.name
                );
            }
        }
    }

    #[test]
    fn kinds_and_targets() {
        assert_eq!(kind_of("indicator"), ObjectKind::Sdo);
        assert_eq!(kind_of("sighting"), ObjectKind::Sro);
        assert_eq!(kind_of("file"), ObjectKind::Sco);
        assert_eq!(kind_of("marking-definition"), ObjectKind::Meta);
        assert_eq!(kind_of("x-acme-widget"), ObjectKind::Custom);
        assert!(RefTarget::Sdo.allows("malware"));
        assert!(RefTarget::Sdo.allows("x-acme-widget"));
        assert!(!RefTarget::Sdo.allows("file"));
        assert!(!RefTarget::Any.allows("bundle"));
        assert!(RefTarget::ScoOrSro.allows("relationship"));
        assert!(!RefTarget::ScoOrSro.allows("indicator"));
        assert!(!RefTarget::NotTypes(&["sighting"]).allows("sighting"));
    }

    #[test]
    fn sco_extensions_are_attached() {
        let file = lookup("file").map(|t| t.extensions.len());
        assert_eq!(file, Some(5));
        assert_eq!(
            lookup("network-traffic").map(|t| t.extensions.len()),
            Some(4)
        );
        assert_eq!(lookup("process").map(|t| t.extensions.len()), Some(2));
        assert_eq!(lookup("user-account").map(|t| t.extensions.len()), Some(1));
        assert!(predefined_extension("tcp-ext").is_some());
        assert!(predefined_extension("x-ext").is_none());
    }
}
