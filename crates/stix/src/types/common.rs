//! Common properties (STIX 2.1 §3.2) and the small embedded types they use.

use super::{
    BOOL, DICT, HASHES, ObjectDef, ObjectKind, PropertyDef, RefTarget, STR, STR_LIST, TS_MILLIS,
    ValueKind, opt, reference, req,
};

/// Whether a common property applies to an object family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// It must be present.
    Required,
    /// It may be present.
    Optional,
    /// It must not be present.
    NotAllowed,
}

use Usage::{NotAllowed as N, Optional as O, Required as R};

/// A common property and where it applies, following the informative table in
/// STIX 2.1 §3.2. The columns are: SDO, SRO, SCO, extension-definition,
/// language-content, marking-definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommonProperty {
    /// The property and its value kind (`required` is always false here; see
    /// [`CommonProperty::usage`]).
    pub def: PropertyDef,
    usage: [Usage; 6],
}

impl CommonProperty {
    /// How the property applies to an object of type `object_type` and family
    /// `kind`. Custom types may carry every common property, and need only
    /// `type` and `id`, because their family is unknown.
    pub fn usage(&self, kind: ObjectKind, object_type: &str) -> Usage {
        let column = match (kind, object_type) {
            (ObjectKind::Sdo, _) => 0,
            (ObjectKind::Sro, _) => 1,
            (ObjectKind::Sco, _) => 2,
            (ObjectKind::Meta, "extension-definition") => 3,
            (ObjectKind::Meta, "language-content") => 4,
            (ObjectKind::Meta, _) => 5,
            (ObjectKind::Custom, _) => {
                return if matches!(self.def.name, "type" | "id") {
                    R
                } else {
                    O
                };
            }
        };
        self.usage[column]
    }
}

const fn common(def: PropertyDef, usage: [Usage; 6]) -> CommonProperty {
    CommonProperty { def, usage }
}

/// The common properties with their kinds and per-family usage.
///
/// `created`/`modified` on SCOs are marked not allowed here; the validator
/// accepts them on an SCO whose id is not the default-namespace deterministic
/// id (STIX 2.1 §3.6: a producer that versions an SCO must not use the default
/// namespace).
pub static COMMON_PROPERTIES: &[CommonProperty] = &[
    common(opt("type", STR), [R, R, R, R, R, R]),
    common(opt("spec_version", STR), [R, R, O, R, R, R]),
    common(
        opt("id", ValueKind::Identifier(RefTarget::Any)),
        [R, R, R, R, R, R],
    ),
    common(
        opt("created_by_ref", reference(&["identity"])),
        [O, O, N, R, O, O],
    ),
    common(opt("created", TS_MILLIS), [R, R, N, R, R, R]),
    common(opt("modified", TS_MILLIS), [R, R, N, R, R, N]),
    common(opt("revoked", BOOL), [O, O, N, O, O, N]),
    common(opt("labels", STR_LIST), [O, O, N, O, O, N]),
    common(
        opt(
            "confidence",
            ValueKind::Integer {
                min: Some(0),
                max: Some(100),
            },
        ),
        [O, O, N, N, O, N],
    ),
    common(opt("lang", STR), [O, O, N, N, N, N]),
    common(
        opt(
            "external_references",
            ValueKind::List(&ValueKind::ExternalReference),
        ),
        [O, O, N, O, O, O],
    ),
    common(
        opt(
            "object_marking_refs",
            ValueKind::List(&reference(&["marking-definition"])),
        ),
        [O, O, O, O, O, O],
    ),
    common(
        opt(
            "granular_markings",
            ValueKind::List(&ValueKind::GranularMarking),
        ),
        [O, O, O, O, O, O],
    ),
    common(opt("defanged", BOOL), [N, N, O, N, N, N]),
    common(opt("extensions", DICT), [O, O, O, N, O, O]),
];

/// `external-reference` (§2.5). The validator adds: at least one of
/// `description`, `url`, `external_id`; the `cve` and `capec` id formats.
pub static EXTERNAL_REFERENCE: ObjectDef = ObjectDef {
    name: "external-reference",
    properties: &[
        req("source_name", STR),
        opt("description", STR),
        opt("url", STR),
        opt("hashes", HASHES),
        opt("external_id", STR),
    ],
    constraints: &[super::Constraint::AtLeastOne(&[
        "description",
        "url",
        "external_id",
    ])],
};

/// `kill-chain-phase` (§2.8).
pub static KILL_CHAIN_PHASE: ObjectDef = ObjectDef {
    name: "kill-chain-phase",
    properties: &[req("kill_chain_name", STR), req("phase_name", STR)],
    constraints: &[],
};

/// `granular-marking` (§7.2.3). The validator adds the selector grammar.
pub static GRANULAR_MARKING: ObjectDef = ObjectDef {
    name: "granular-marking",
    properties: &[
        opt("lang", STR),
        opt("marking_ref", reference(&["marking-definition"])),
        req("selectors", STR_LIST),
    ],
    constraints: &[super::Constraint::ExactlyOne(&["marking_ref", "lang"])],
};
