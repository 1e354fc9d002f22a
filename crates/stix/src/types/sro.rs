//! The two STIX Relationship Objects (STIX 2.1 §5).

use super::{BOOL, Constraint, ObjectKind, RefTarget, STR, TS, TypeDef, ValueKind, opt, req};

/// Types that may not be the source or target of a relationship.
const NOT_RELATABLE: &[&str] = &[
    "relationship",
    "sighting",
    "bundle",
    "marking-definition",
    "language-content",
];

/// `relationship` (§5.1). The validator adds the `relationship_type` syntax
/// (`a-z`, `0-9`, `-`).
pub static RELATIONSHIP: TypeDef = TypeDef {
    name: "relationship",
    kind: ObjectKind::Sro,
    properties: &[
        req("relationship_type", STR),
        opt("description", STR),
        req(
            "source_ref",
            ValueKind::Identifier(RefTarget::NotTypes(NOT_RELATABLE)),
        ),
        req(
            "target_ref",
            ValueKind::Identifier(RefTarget::NotTypes(NOT_RELATABLE)),
        ),
        opt("start_time", TS),
        opt("stop_time", TS),
    ],
    constraints: &[Constraint::Order {
        earlier: "start_time",
        later: "stop_time",
        strict: true,
    }],
    id_contributing: &[],
    extensions: &[],
};

/// `sighting` (§5.2).
pub static SIGHTING: TypeDef = TypeDef {
    name: "sighting",
    kind: ObjectKind::Sro,
    properties: &[
        opt("description", STR),
        opt("first_seen", TS),
        opt("last_seen", TS),
        opt(
            "count",
            ValueKind::Integer {
                min: Some(0),
                max: Some(999_999_999),
            },
        ),
        req("sighting_of_ref", ValueKind::Identifier(RefTarget::Sdo)),
        opt(
            "observed_data_refs",
            ValueKind::List(&super::reference(&["observed-data"])),
        ),
        opt(
            "where_sighted_refs",
            ValueKind::List(&super::reference(&["identity", "location"])),
        ),
        opt("summary", BOOL),
    ],
    constraints: &[Constraint::Order {
        earlier: "first_seen",
        later: "last_seen",
        strict: false,
    }],
    id_contributing: &[],
    extensions: &[],
};
