//! Rules specific to one type that the constraint table cannot express.

use serde_json::{Map, Value};

use super::problem::{Problems, child, index};
use crate::id::Identifier;
use crate::marking::{TLP2_EXTENSION_ID, Tlp};
use crate::types::{ObjectKind, TypeDef, kind_of};

/// Dispatches to the rules of `def`.
pub(crate) fn check_type_rules(p: &mut Problems, map: &Map<String, Value>, def: &TypeDef) {
    match def.name {
        "relationship" => relationship(p, map),
        "observed-data" => observed_data(p, map),
        "marking-definition" => marking_definition(p, map),
        "extension-definition" => extension_definition(p, map),
        _ => {}
    }
}

/// `relationship_type` is limited to `a-z`, `0-9` and `-` (§5.1).
fn relationship(p: &mut Problems, map: &Map<String, Value>) {
    if let Some(Value::String(t)) = map.get("relationship_type")
        && (t.is_empty()
            || !t
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'))
    {
        p.error(
            "/relationship_type",
            format!("{t:?} must use only a-z, 0-9 and '-', e.g. indicates or related-to"),
        );
    }
}

/// `object_refs` must include at least one SCO (§4.14). Only checked when
/// every referenced type is known; a custom type may be an SCO.
fn observed_data(p: &mut Problems, map: &Map<String, Value>) {
    let Some(Value::Array(refs)) = map.get("object_refs") else {
        return;
    };
    let kinds: Vec<ObjectKind> = refs
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|s| Identifier::parse(s).ok())
        .map(|id| kind_of(id.object_type()))
        .collect();
    if !kinds.is_empty()
        && kinds.len() == refs.len()
        && !kinds
            .iter()
            .any(|k| matches!(k, ObjectKind::Sco | ObjectKind::Custom))
    {
        p.error(
            "/object_refs",
            "object_refs must include at least one SCO; observed-data records observations",
        );
    }
}

/// The `statement` and `tlp` definition shapes, the TLP 1.0 ids, and the
/// TLP 2.0 extension value.
fn marking_definition(p: &mut Problems, map: &Map<String, Value>) {
    let definition = map.get("definition");
    match map.get("definition_type").and_then(Value::as_str) {
        Some("statement") => {
            let statement = definition
                .and_then(Value::as_object)
                .and_then(|d| d.get("statement"));
            if !statement.is_some_and(Value::is_string) {
                p.error(
                    "/definition",
                    "a statement marking needs definition {\"statement\": \"<text>\"}",
                );
            }
        }
        Some("tlp") => {
            let colour = definition
                .and_then(Value::as_object)
                .and_then(|d| d.get("tlp"))
                .and_then(Value::as_str);
            let id = map.get("id").and_then(Value::as_str);
            let known = id.and_then(Tlp::from_tlp1_marking_id);
            match (colour, known) {
                (None, _) => p.error(
                    "/definition",
                    "a TLP 1.0 marking needs definition {\"tlp\": \"white|green|amber|red\"}",
                ),
                (Some(_), None) => p.error(
                    "/id",
                    "definition_type \"tlp\" is reserved for the four TLP 1.0 objects of STIX 2.1 §7.2.1.4; use their standard ids, or TLP 2.0 markings",
                ),
                (Some(c), Some((_, expected))) if c != expected => p.error(
                    "/definition/tlp",
                    format!("this standard TLP 1.0 id is TLP:{}, not {c:?}", expected.to_uppercase()),
                ),
                _ => {}
            }
        }
        _ => {}
    }
    let tlp2 = map
        .get("extensions")
        .and_then(Value::as_object)
        .and_then(|e| e.get(TLP2_EXTENSION_ID))
        .and_then(Value::as_object);
    if let Some(ext) = tlp2 {
        let path = child(&child("", "extensions"), TLP2_EXTENSION_ID);
        match ext.get("tlp_2_0").and_then(Value::as_str) {
            Some(level) if Tlp::from_tlp2_value(level).is_some() => {}
            _ => p.error(
                child(&path, "tlp_2_0"),
                "the TLP 2.0 extension needs tlp_2_0: one of clear, green, amber, amber+strict, red",
            ),
        }
    }
}

/// `extension_properties` only with a `toplevel-property-extension` (§7.3).
fn extension_definition(p: &mut Problems, map: &Map<String, Value>) {
    let toplevel = map
        .get("extension_types")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|v| v == "toplevel-property-extension"));
    if map.contains_key("extension_properties") && !toplevel {
        p.error(
            "/extension_properties",
            "extension_properties is only allowed when extension_types includes toplevel-property-extension",
        );
    }
    if let Some(Value::Array(props)) = map.get("extension_properties") {
        for (i, name) in props.iter().enumerate() {
            if let Some(name) = name.as_str()
                && !super::is_valid_custom_property_name(name)
            {
                p.error(
                    index("/extension_properties", i),
                    format!("{name:?} is not a valid property name"),
                );
            }
        }
    }
}

/// An SCO that carries `created`/`modified` is being versioned, which STIX
/// forbids for ids in the default namespace (§3.6). The namespace of a UUIDv5
/// cannot be read back, so the check recomputes the default-namespace id and
/// flags the object only when its id equals it.
pub(crate) fn check_sco_namespace(
    p: &mut Problems,
    map: &Map<String, Value>,
    def: Option<&TypeDef>,
    id: Option<&Identifier>,
) {
    let (Some(_), Some(id)) = (def, id) else {
        return;
    };
    if id.uuid().get_version_num() != 5 {
        return;
    }
    if crate::sco_id::deterministic_id(map).as_deref() == Some(id.as_str()) {
        p.error(
            "/id",
            "an SCO that carries created/modified is versioned and must not use the default STIX namespace for its UUIDv5; drop created/modified or mint the id in your own namespace",
        );
    }
}
