//! The three meta objects (STIX 2.1 §7).

use super::vocab::EXTENSION_TYPE_ENUM;
use super::{
    Constraint, DICT, ObjectKind, RefTarget, STR, STR_LIST, TS, TypeDef, ValueKind, opt, req,
};

/// `language-content` (§7.1).
pub static LANGUAGE_CONTENT: TypeDef = TypeDef {
    name: "language-content",
    kind: ObjectKind::Meta,
    properties: &[
        req(
            "object_ref",
            ValueKind::Identifier(RefTarget::NotTypes(&["language-content"])),
        ),
        opt("object_modified", TS),
        req("contents", DICT),
    ],
    constraints: &[],
    id_contributing: &[],
    extensions: &[],
};

/// `marking-definition` (§7.2). It has no `modified` and is not versioned.
/// The validator adds the `statement` and `tlp` definition shapes.
pub static MARKING_DEFINITION: TypeDef = TypeDef {
    name: "marking-definition",
    kind: ObjectKind::Meta,
    properties: &[
        opt("name", STR),
        opt("definition_type", STR),
        opt("definition", DICT),
    ],
    constraints: &[
        Constraint::AtLeastOne(&["definition", "extensions"]),
        Constraint::Requires {
            property: "definition",
            requires: &["definition_type"],
        },
        Constraint::Requires {
            property: "definition_type",
            requires: &["definition"],
        },
    ],
    id_contributing: &[],
    extensions: &[],
};

/// `extension-definition` (§7.3). The validator adds: `extension_properties`
/// only with a `toplevel-property-extension`.
pub static EXTENSION_DEFINITION: TypeDef = TypeDef {
    name: "extension-definition",
    kind: ObjectKind::Meta,
    properties: &[
        req("name", STR),
        opt("description", STR),
        req("schema", STR),
        req("version", STR),
        req(
            "extension_types",
            ValueKind::List(&ValueKind::Enum(EXTENSION_TYPE_ENUM)),
        ),
        opt("extension_properties", STR_LIST),
    ],
    constraints: &[],
    id_contributing: &[],
    extensions: &[],
};
