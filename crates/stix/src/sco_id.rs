//! Deterministic SCO identifiers (STIX 2.1 §2.9).
//!
//! The id of an SCO is a UUIDv5 in the namespace
//! `00abedb4-aa42-466c-9c01-fed23315a9b7` over the RFC 8785 (JCS) canonical
//! JSON of its ID-contributing properties that are present. The values are
//! hashed exactly as they appear in the JSON, so a producer must canonicalise
//! them first ([`crate::canonical::build_sco`] does) to get the same id for the
//! same observable.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::types::{ObjectKind, lookup};

/// The UUIDv5 namespace STIX 2.1 defines for SCO ids.
pub const SCO_NAMESPACE: Uuid = Uuid::from_bytes([
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
]);

/// The hash algorithms in the order the specification prefers one for the id.
const HASH_PREFERENCE: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The deterministic id of the SCO `object` (which must carry its `type`), or
/// `None` when the type is not a STIX 2.1 SCO, is `process` (always UUIDv4),
/// or has none of its ID-contributing properties present (the producer then
/// uses UUIDv4).
///
/// `hashes` contributes a single entry: MD5, else SHA-1, else SHA-256, else
/// SHA-512, else the first key in the object (as python-stix2 does).
/// Reference properties contribute their id strings as they are, so the ids of
/// referenced SCOs must be computed first.
pub fn deterministic_id(object: &Map<String, Value>) -> Option<String> {
    let object_type = object.get("type")?.as_str()?;
    let def = lookup(object_type).filter(|d| d.kind == ObjectKind::Sco)?;
    let mut contributing = Map::new();
    for &name in def.id_contributing {
        let Some(value) = object.get(name) else {
            continue;
        };
        let value = if name == "hashes" {
            match choose_one_hash(value) {
                Some(one) => one,
                None => continue,
            }
        } else {
            value.clone()
        };
        contributing.insert(name.to_string(), value);
    }
    if contributing.is_empty() {
        return None;
    }
    // Serialising a `Map<String, Value>` cannot fail: keys are strings and
    // values are plain JSON.
    let canonical = serde_json_canonicalizer::to_vec(&contributing).ok()?;
    let uuid = Uuid::new_v5(&SCO_NAMESPACE, &canonical);
    Some(format!("{object_type}--{}", uuid.hyphenated()))
}

/// Reduces a hashes dictionary to the single entry that contributes to the id.
fn choose_one_hash(hashes: &Value) -> Option<Value> {
    let map = hashes.as_object()?;
    let key = HASH_PREFERENCE
        .iter()
        .copied()
        .find(|k| map.contains_key(*k))
        .or_else(|| map.keys().next().map(String::as_str))?;
    let mut one = Map::new();
    one.insert(key.to_string(), map.get(key)?.clone());
    Some(Value::Object(one))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn id_of(v: Value) -> Option<String> {
        deterministic_id(v.as_object().unwrap())
    }

    #[test]
    fn namespace_constant() {
        assert_eq!(
            SCO_NAMESPACE.to_string(),
            "00abedb4-aa42-466c-9c01-fed23315a9b7"
        );
    }

    #[test]
    fn no_id_without_contributing_properties() {
        assert_eq!(id_of(json!({"type": "process", "pid": 1})), None);
        assert_eq!(id_of(json!({"type": "file", "size": 1})), None);
        assert_eq!(id_of(json!({"type": "indicator", "name": "x"})), None);
        assert_eq!(id_of(json!({"type": "x-custom", "value": "x"})), None);
        assert_eq!(id_of(json!({"value": "x"})), None);
    }

    #[test]
    fn hash_preference_and_ignored_properties() {
        let a = id_of(json!({"type": "file", "hashes": {"SHA-256": "aa", "MD5": "bb"}}));
        let b = id_of(json!({"type": "file", "hashes": {"MD5": "bb"}, "size": 3}));
        assert_eq!(a, b);
        let c = id_of(json!({"type": "file", "hashes": {"x_foo": "1", "x_bar": "2"}}));
        let d = id_of(json!({"type": "file", "hashes": {"x_foo": "1"}}));
        assert_eq!(c, d);
        let id = a.unwrap();
        assert!(id.starts_with("file--"));
        let parsed = crate::id::Identifier::parse(&id).unwrap();
        assert_eq!(parsed.uuid().get_version_num(), 5);
    }
}
