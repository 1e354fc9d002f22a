//! Validation of one STIX 2.1 object held as JSON.
//!
//! [`validate`] walks the object once against the tables in [`crate::types`]
//! and collects every problem it finds (it does not stop at the first). An
//! object is valid when no problem is an [`Severity::Error`]; warnings travel
//! in [`ObjectSummary::warnings`].
//!
//! The walk only descends into structures the tables describe (at most a few
//! levels), never into the contents of custom properties, so its depth does not
//! depend on the input.

mod constraints;
mod embedded;
mod problem;
mod rules;
mod values;

use serde_json::{Map, Value};

pub use embedded::is_valid_selector;
pub use problem::{Problem, Severity};
pub use values::is_valid_custom_property_name;

use problem::{Problems, child};
use values::{check_custom_property, check_timestamp, check_value, json_type};

use crate::id::Identifier;
use crate::timestamp::Timestamp;
use crate::types::{
    COMMON_PROPERTIES, ObjectKind, TimestampPrecision, TypeDef, Usage, kind_of, lookup,
};

/// What validation learned about a valid object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    /// The object's `id`.
    pub id: Identifier,
    /// The object's `type`.
    pub object_type: String,
    /// The family of the type.
    pub kind: ObjectKind,
    /// The `spec_version`; `"2.1"` when absent (allowed on SCOs and custom
    /// objects only).
    pub spec_version: String,
    /// `created`, when present.
    pub created: Option<Timestamp>,
    /// `modified`, when present.
    pub modified: Option<Timestamp>,
    /// `revoked` (false when absent).
    pub revoked: bool,
    /// Problems of [`Severity::Warning`]: the object is accepted with them.
    pub warnings: Vec<Problem>,
}

impl ObjectSummary {
    /// The version of the object: `modified`, else `created`, else `None`
    /// (unversioned objects such as SCOs).
    pub fn version(&self) -> Option<&Timestamp> {
        self.modified.as_ref().or(self.created.as_ref())
    }
}

/// Property names the specification reserves (§3.1); they must not appear on
/// any object.
const RESERVED: &[&str] = &["severity", "action", "username", "phone_numbers"];

/// Validates one STIX 2.1 object.
///
/// Returns the object's summary when it has no errors (warnings are in the
/// summary), or every problem found (errors and warnings, in document order
/// as far as possible).
///
/// Unknown object types are accepted as custom objects when their type name
/// and id are valid, with a warning; only the common properties are checked
/// for them. A `bundle` is not an object and is rejected: split it with
/// [`crate::input::parse_body`] first.
pub fn validate(value: &Value) -> Result<ObjectSummary, Vec<Problem>> {
    let mut p = Problems::default();
    let Some(map) = value.as_object() else {
        p.error(
            "",
            format!(
                "a STIX object must be a JSON object, not {}",
                json_type(value)
            ),
        );
        return Err(p.list);
    };
    let summary = validate_object(&mut p, map);
    match summary {
        Some(mut summary) if !p.has_errors() => {
            summary.warnings = p.list;
            Ok(summary)
        }
        _ => Err(p.list),
    }
}

/// The object's type, checked. `None` when it is missing or unusable.
fn object_type<'m>(p: &mut Problems, map: &'m Map<String, Value>) -> Option<&'m str> {
    let Some(value) = map.get("type") else {
        p.error("", "the required property \"type\" is missing; add it");
        return None;
    };
    let Some(t) = value.as_str() else {
        p.error(
            "/type",
            format!("must be a string, not {}", json_type(value)),
        );
        return None;
    };
    if t == "bundle" {
        p.error(
            "/type",
            "a bundle is a container, not a STIX object: validate each of its objects instead",
        );
        return None;
    }
    if !crate::id::is_valid_type_name(t) {
        p.error(
            "/type",
            format!(
                "{t:?} is not a valid type name: use 3-250 characters of a-z, 0-9 and single hyphens, starting with a letter"
            ),
        );
        return None;
    }
    Some(t)
}

fn validate_object(p: &mut Problems, map: &Map<String, Value>) -> Option<ObjectSummary> {
    let object_type = object_type(p, map);
    let def = object_type.and_then(lookup);
    let kind = object_type.map_or(ObjectKind::Custom, kind_of);
    if let (Some(t), None) = (object_type, def) {
        p.warn(
            "/type",
            format!(
                "{t:?} is not a STIX 2.1 type; accepted as a custom object, only its common properties are checked"
            ),
        );
    }

    let id = check_id(p, map, object_type);
    let spec_version = check_spec_version(p, map, kind, object_type.unwrap_or_default());

    // Extensions first: a toplevel-property-extension makes non-x_ property
    // names legitimate.
    let toplevel_extension = match map.get("extensions") {
        Some(ext) => embedded::check_extensions(p, "/extensions", ext, kind, def),
        None => false,
    };

    let sco_versioned =
        kind == ObjectKind::Sco && (map.contains_key("created") || map.contains_key("modified"));
    if sco_versioned {
        rules::check_sco_namespace(p, map, def, id.as_ref());
    }

    for (name, value) in map {
        let path = child("", name);
        if matches!(name.as_str(), "type" | "id" | "spec_version" | "extensions") {
            continue;
        }
        if RESERVED.contains(&name.as_str()) {
            p.error(
                &path,
                format!("{name:?} is reserved by STIX 2.1 and must not be used; rename it (e.g. x_<source>_{name})"),
            );
            continue;
        }
        if let Some(common) = COMMON_PROPERTIES.iter().find(|c| c.def.name == name) {
            let usage = common.usage(kind, object_type.unwrap_or_default());
            let versioning = sco_versioned && matches!(name.as_str(), "created" | "modified");
            if usage == Usage::NotAllowed && !versioning {
                p.error(
                    &path,
                    format!(
                        "{name:?} is not a property of {} (STIX 2.1 §3.2); remove it",
                        family_name(kind, object_type.unwrap_or_default())
                    ),
                );
                continue;
            }
            check_value(p, &path, value, &common.def.kind);
            continue;
        }
        match def.and_then(|d| d.property(name)) {
            Some(prop) => check_value(p, &path, value, &prop.kind),
            None => {
                let warn_prefix = def.is_some() && !toplevel_extension;
                check_custom_property(p, "", name, value, warn_prefix);
            }
        }
    }

    if let Some(t) = object_type {
        for common in COMMON_PROPERTIES {
            let name = common.def.name;
            if common.usage(kind, t) == Usage::Required && !map.contains_key(name) {
                p.error(
                    "",
                    format!("the required property {name:?} is missing; add it"),
                );
            }
        }
    }
    if let Some(def) = def {
        check_type_properties(p, map, def);
    }

    let created = timestamp_of(map, "created");
    let modified = timestamp_of(map, "modified");
    if let (Some(c), Some(m)) = (&created, &modified)
        && m < c
    {
        p.error(
            "/modified",
            format!("modified ({m}) must not be earlier than created ({c})"),
        );
    }
    let revoked = map.get("revoked").and_then(Value::as_bool).unwrap_or(false);

    Some(ObjectSummary {
        id: id?,
        object_type: object_type?.to_string(),
        kind,
        spec_version: spec_version?,
        created,
        modified,
        revoked,
        warnings: Vec::new(),
    })
}

/// The type's own required properties, constraints and special rules.
fn check_type_properties(p: &mut Problems, map: &Map<String, Value>, def: &TypeDef) {
    for prop in def.properties.iter().filter(|d| d.required) {
        if !map.contains_key(prop.name) {
            p.error(
                "",
                format!(
                    "the required property {:?} of {} is missing; add it",
                    prop.name, def.name
                ),
            );
        }
    }
    constraints::check_constraints(p, "", map, def.properties, def.constraints);
    rules::check_type_rules(p, map, def);
}

fn family_name(kind: ObjectKind, object_type: &str) -> String {
    match kind {
        ObjectKind::Sdo => "SDOs".to_string(),
        ObjectKind::Sro => "SROs".to_string(),
        ObjectKind::Sco => "SCOs".to_string(),
        ObjectKind::Meta => format!("{object_type} objects"),
        ObjectKind::Custom => "custom objects".to_string(),
    }
}

fn check_id(
    p: &mut Problems,
    map: &Map<String, Value>,
    object_type: Option<&str>,
) -> Option<Identifier> {
    let Some(value) = map.get("id") else {
        p.error("", "the required property \"id\" is missing; add it");
        return None;
    };
    let id = values::check_identifier(p, "/id", value)?;
    if let Some(t) = object_type
        && id.object_type() != t
    {
        p.error(
            "/id",
            format!(
                "the id prefix {:?} must equal the type {t:?}; write {t}--<UUID>",
                id.object_type()
            ),
        );
        return None;
    }
    Some(id)
}

fn check_spec_version(
    p: &mut Problems,
    map: &Map<String, Value>,
    kind: ObjectKind,
    object_type: &str,
) -> Option<String> {
    match map.get("spec_version") {
        None => {
            // Required-ness is reported with the other common properties.
            let required = COMMON_PROPERTIES
                .iter()
                .find(|c| c.def.name == "spec_version")
                .is_some_and(|c| c.usage(kind, object_type) == Usage::Required);
            (!required).then(|| "2.1".to_string())
        }
        Some(Value::String(v)) if v == "2.1" => Some(v.clone()),
        Some(Value::String(v)) => {
            p.error(
                "/spec_version",
                format!(
                    "spec_version {v:?}: only STIX 2.1 is supported; convert the object to 2.1"
                ),
            );
            None
        }
        Some(other) => {
            p.error(
                "/spec_version",
                format!("must be the string \"2.1\", not {}", json_type(other)),
            );
            None
        }
    }
}

/// `created`/`modified` as timestamps when they are valid at millisecond
/// precision (problems are reported by the property walk).
fn timestamp_of(map: &Map<String, Value>, name: &str) -> Option<Timestamp> {
    let mut scratch = Problems::default();
    map.get(name)
        .and_then(|v| check_timestamp(&mut scratch, "", v, TimestampPrecision::AtLeastMillis))
}
