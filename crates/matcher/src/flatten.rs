//! The reference flattening: STIX observed-data JSON to [`Facts`].
//!
//! This is the generic, allocating way to produce facts, for tests and for
//! sources without a fast decoder. It reads the input exactly as
//! [`phalanx_pattern::ObservationSet::from_stix`] does (bundles opened,
//! `object_refs` resolved among the input objects with the first of two equal
//! ids winning, duplicates and missing ids skipped, or the deprecated
//! `objects` dictionary), and applies the rules of the facts contract
//! ([`crate::facts`]): references resolve within the observation only and are
//! followed one step, `*_hex` and `*_bin` strings are decoded, and `null`,
//! whole lists and dictionaries, and references themselves give no fact.
//!
//! Only registered paths ([`PathId::lookup`]) produce facts: a path no
//! indicator names cannot match, and observation content must not grow the
//! registry.

use std::collections::HashMap;

use base64::Engine as _;
use phalanx_pattern::{ObjectPath, PathStep};
use serde_json::{Map, Value};

use crate::error::FlattenError;
use crate::facts::{FactValue, Facts};
use crate::paths::PathId;

/// The base64 rules of STIX binary values, as the pattern evaluator applies
/// them: standard alphabet, canonical padding required, trailing bits
/// allowed; line breaks are ignored.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

/// An owned fact value, for facts built by the reference flattening.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i128),
    /// A non-integer number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// Decoded octets.
    Bytes(Vec<u8>),
    /// An IPv4 address (its canonical text), as a decoder gives it.
    Ipv4(u32),
    /// An IPv6 address (its canonical text), as a decoder gives it.
    Ipv6(u128),
}

/// The facts of one observed-data, owned. [`OwnedFacts::facts`] lends them as
/// [`Facts`].
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedFacts {
    /// The observed-data's `id` (empty when it has none).
    pub id: String,
    /// `(path, value)` in the order of the objects and their properties.
    pub entries: Vec<(PathId, OwnedValue)>,
    /// `first_observed`, nanoseconds since the Unix epoch.
    pub first_observed: i64,
    /// `last_observed`, nanoseconds since the Unix epoch.
    pub last_observed: i64,
    /// `number_observed`.
    pub number_observed: u64,
}

impl OwnedFacts {
    /// The facts, borrowing the owned values.
    pub fn facts(&self) -> Facts<'_> {
        let mut facts = Facts::with_capacity(self.entries.len());
        for (path, value) in &self.entries {
            let value = match value {
                OwnedValue::Str(s) => FactValue::Str(s),
                OwnedValue::Int(i) => FactValue::Int(*i),
                OwnedValue::Float(f) => FactValue::Float(*f),
                OwnedValue::Bool(b) => FactValue::Bool(*b),
                OwnedValue::Bytes(b) => FactValue::Bytes(b),
                OwnedValue::Ipv4(a) => FactValue::Ipv4(*a),
                OwnedValue::Ipv6(a) => FactValue::Ipv6(*a),
            };
            facts.push(*path, value);
        }
        facts.set_observed(
            self.first_observed,
            self.last_observed,
            self.number_observed,
        );
        facts
    }
}

impl OwnedFacts {
    /// The same facts with every string that is the canonical text of an
    /// address (dotted quad, RFC 5952) as a typed address, the way a sensor
    /// decoder emits them. The facts contract makes the two forms equivalent.
    pub fn with_typed_addresses(mut self) -> OwnedFacts {
        for (_, value) in &mut self.entries {
            if let OwnedValue::Str(text) = value {
                if let Some(address) = crate::key::canonical_v4(text) {
                    *value = OwnedValue::Ipv4(address);
                } else if let Some(address) = crate::key::canonical_v6(text) {
                    *value = OwnedValue::Ipv6(address);
                }
            }
        }
        self
    }
}

/// Flattens every observed-data of `values` (STIX objects: observed-data,
/// SCOs, bundles of them) into facts, one [`OwnedFacts`] per observed-data,
/// in input order.
///
/// Errors name the input position or the observed-data and what is wrong:
/// an input that is not a JSON object, a bundle whose `objects` is not a
/// list, or an observed-data without valid `first_observed`, `last_observed`
/// (STIX timestamps, first not after last), `number_observed` (an integer of
/// at least 1) or `object_refs`/`objects`.
pub fn facts_from_observation(values: &[Value]) -> Result<Vec<OwnedFacts>, FlattenError> {
    let mut flat: Vec<&Map<String, Value>> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let object = value
            .as_object()
            .ok_or(FlattenError::NotAnObject { index })?;
        if object.get("type").and_then(Value::as_str) == Some("bundle") {
            let Some(members) = object.get("objects") else {
                continue;
            };
            let members = members
                .as_array()
                .ok_or(FlattenError::BadBundle { index })?;
            for (inner, member) in members.iter().enumerate() {
                flat.push(
                    member
                        .as_object()
                        .ok_or(FlattenError::NotAnObject { index: inner })?,
                );
            }
        } else {
            flat.push(object);
        }
    }
    let mut by_id: HashMap<&str, &Map<String, Value>> = HashMap::new();
    for object in &flat {
        let is_observed_data = object.get("type").and_then(Value::as_str) == Some("observed-data");
        if let Some(id) = object.get("id").and_then(Value::as_str)
            && !is_observed_data
        {
            by_id.entry(id).or_insert(object);
        }
    }
    let mut out = Vec::new();
    for (position, object) in flat.iter().enumerate() {
        if object.get("type").and_then(Value::as_str) == Some("observed-data") {
            out.push(flatten_observed_data(position, object, &by_id)?);
        }
    }
    Ok(out)
}

fn flatten_observed_data(
    position: usize,
    od: &Map<String, Value>,
    by_id: &HashMap<&str, &Map<String, Value>>,
) -> Result<OwnedFacts, FlattenError> {
    let id = od
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("(input object {position})"), str::to_string);
    let bad = |problem: String| FlattenError::ObservedData {
        id: id.clone(),
        problem,
    };
    let time = |name: &str| -> Result<i64, FlattenError> {
        let text = od
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("{name} is missing or not a string")))?;
        let ts = phalanx_stix::Timestamp::parse(text).map_err(|e| bad(format!("{name}: {e}")))?;
        let nanos = ts.unix_nanos();
        Ok(i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX }))
    };
    let first = time("first_observed")?;
    let last = time("last_observed")?;
    if first > last {
        return Err(bad("first_observed is after last_observed".to_string()));
    }
    let count = match od.get("number_observed").and_then(Value::as_u64) {
        Some(n) if n >= 1 => n,
        _ => {
            return Err(bad(
                "number_observed must be an integer of at least 1".to_string()
            ));
        }
    };

    let mut members: Vec<(&str, &Map<String, Value>)> = Vec::new();
    if let Some(refs) = od.get("object_refs") {
        let refs = refs
            .as_array()
            .ok_or_else(|| bad("object_refs is not a list".to_string()))?;
        for reference in refs {
            let reference = reference.as_str().ok_or_else(|| {
                bad("object_refs contains a value that is not a string".to_string())
            })?;
            if let Some(object) = by_id.get(reference)
                && !members.iter().any(|(key, _)| *key == reference)
            {
                members.push((reference, object));
            }
        }
    } else if let Some(objects) = od.get("objects") {
        let objects = objects
            .as_object()
            .ok_or_else(|| bad("objects is not a dictionary".to_string()))?;
        for (key, object) in objects {
            let object = object
                .as_object()
                .ok_or_else(|| bad(format!("objects entry '{key}' is not a JSON object")))?;
            members.push((key.as_str(), object));
        }
    } else {
        return Err(bad("it has neither object_refs nor objects".to_string()));
    }

    let local: HashMap<&str, &Map<String, Value>> = members.iter().copied().collect();
    let mut walker = Walker {
        local: &local,
        entries: Vec::new(),
    };
    for (_, object) in &members {
        let Some(ty) = object.get("type").and_then(Value::as_str) else {
            continue;
        };
        let mut path = ObjectPath::new(ty, "");
        walker.object(object, &mut path, false);
    }
    Ok(OwnedFacts {
        id: od
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        entries: walker.entries,
        first_observed: first,
        last_observed: last,
        number_observed: count,
    })
}

struct Walker<'a> {
    local: &'a HashMap<&'a str, &'a Map<String, Value>>,
    entries: Vec<(PathId, OwnedValue)>,
}

impl Walker<'_> {
    /// Walks the properties of `object`; `path` is the path to it (the root
    /// path has an empty property and no steps).
    fn object(&mut self, object: &Map<String, Value>, path: &mut ObjectPath, dereferenced: bool) {
        for (key, value) in object {
            let at_root = path.property.is_empty();
            if at_root {
                path.property.clone_from(key);
            } else {
                path.steps.push(PathStep::Key(key.clone()));
            }
            self.property(key, value, path, dereferenced);
            if at_root {
                path.property.clear();
            } else {
                path.steps.pop();
            }
        }
    }

    /// One property, converted as the evaluator converts it.
    fn property(&mut self, key: &str, value: &Value, path: &mut ObjectPath, dereferenced: bool) {
        if key.ends_with("_ref") {
            if let Value::String(id) = value {
                if let Some(target) = self.local.get(id.as_str())
                    && !dereferenced
                {
                    self.object(target, path, true);
                }
                return;
            }
            self.value(value, path, dereferenced);
            return;
        }
        if key.ends_with("_refs")
            && let Value::Array(items) = value
            && items.iter().all(Value::is_string)
        {
            if dereferenced {
                return;
            }
            path.steps.push(PathStep::AnyIndex);
            for item in items {
                if let Some(target) = item.as_str().and_then(|id| self.local.get(id)) {
                    self.object(target, path, true);
                }
            }
            path.steps.pop();
            return;
        }
        if key.ends_with("_hex")
            && let Value::String(text) = value
        {
            if let Ok(bytes) = hex::decode(text) {
                self.emit(path, OwnedValue::Bytes(bytes));
            }
            return;
        }
        if key.ends_with("_bin")
            && let Value::String(text) = value
        {
            let compact: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
            if let Ok(bytes) = BASE64.decode(compact.as_bytes()) {
                self.emit(path, OwnedValue::Bytes(bytes));
            }
            return;
        }
        self.value(value, path, dereferenced);
    }

    /// A value reached without the reference and binary rules (they apply to
    /// dictionary keys only).
    fn value(&mut self, value: &Value, path: &mut ObjectPath, dereferenced: bool) {
        match value {
            Value::Null => {}
            Value::Bool(b) => self.emit(path, OwnedValue::Bool(*b)),
            Value::Number(n) => {
                let value = if let Some(i) = n.as_i64() {
                    OwnedValue::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    OwnedValue::Int(i128::from(u))
                } else {
                    OwnedValue::Float(n.as_f64().unwrap_or(f64::NAN))
                };
                self.emit(path, value);
            }
            Value::String(s) => self.emit(path, OwnedValue::Str(s.clone())),
            Value::Array(items) => {
                path.steps.push(PathStep::AnyIndex);
                for item in items {
                    self.value(item, path, dereferenced);
                }
                path.steps.pop();
            }
            Value::Object(map) => self.object(map, path, dereferenced),
        }
    }

    fn emit(&mut self, path: &ObjectPath, value: OwnedValue) {
        if let Some(id) = PathId::lookup(path) {
            self.entries.push((id, value));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::paths::well_known;
    use serde_json::json;

    fn observation() -> Vec<Value> {
        vec![
            json!({"type": "observed-data", "id": "observed-data--1",
                   "first_observed": "2024-03-01T00:00:01Z", "last_observed": "2024-03-01T00:00:02Z",
                   "number_observed": 2,
                   "object_refs": ["ipv4-addr--a", "ipv4-addr--b", "network-traffic--c", "missing--x", "ipv4-addr--a"]}),
            json!({"type": "ipv4-addr", "id": "ipv4-addr--a", "value": "10.0.0.1"}),
            json!({"type": "ipv4-addr", "id": "ipv4-addr--b", "value": "198.51.100.7"}),
            json!({"type": "network-traffic", "id": "network-traffic--c",
                   "src_ref": "ipv4-addr--a", "dst_ref": "ipv4-addr--b", "dst_port": 443,
                   "protocols": ["ipv4", "tcp"], "extensions": null}),
        ]
    }

    #[test]
    fn flattens_objects_lists_and_one_reference_step() {
        let all = facts_from_observation(&observation()).unwrap();
        assert_eq!(all.len(), 1);
        let owned = &all[0];
        assert_eq!(owned.number_observed, 2);
        assert_eq!(owned.last_observed - owned.first_observed, 1_000_000_000);
        let has = |path: PathId, value: OwnedValue| owned.entries.contains(&(path, value));
        assert!(has(
            well_known::IPV4_VALUE,
            OwnedValue::Str("10.0.0.1".into())
        ));
        assert!(has(
            well_known::IPV4_VALUE,
            OwnedValue::Str("198.51.100.7".into())
        ));
        assert!(has(
            well_known::NT_DST_VALUE,
            OwnedValue::Str("198.51.100.7".into())
        ));
        assert!(has(
            well_known::NT_DST_TYPE,
            OwnedValue::Str("ipv4-addr".into())
        ));
        assert!(has(well_known::NT_DST_PORT, OwnedValue::Int(443)));
        assert!(has(well_known::NT_PROTOCOLS, OwnedValue::Str("tcp".into())));
        assert!(has(
            well_known::NT_TYPE,
            OwnedValue::Str("network-traffic".into())
        ));
        // The duplicate reference is read once: two addresses, one each.
        let addresses = owned
            .entries
            .iter()
            .filter(|(p, _)| *p == well_known::IPV4_VALUE)
            .count();
        assert_eq!(addresses, 2);
        let facts = owned.facts();
        assert_eq!(facts.len(), owned.entries.len());
        assert_eq!(facts.number_observed(), 2);
    }

    #[test]
    fn binary_properties_are_decoded_and_bad_input_is_named() {
        let hex_path = PathId::parse("artifact:payload_bin").unwrap();
        let values = vec![json!({"type": "observed-data", "id": "observed-data--2",
                   "first_observed": "2024-03-01T00:00:01Z", "last_observed": "2024-03-01T00:00:01Z",
                   "number_observed": 1, "objects": {"0": {"type": "artifact", "payload_bin": "aGk="}}})];
        let all = facts_from_observation(&values).unwrap();
        assert_eq!(
            all[0].entries,
            vec![(hex_path, OwnedValue::Bytes(b"hi".to_vec()))]
        );
        let bad = vec![json!({"type": "observed-data", "id": "observed-data--3",
                              "first_observed": "2024-03-01T00:00:01Z",
                              "last_observed": "2024-03-01T00:00:00Z",
                              "number_observed": 1, "object_refs": []})];
        let err = facts_from_observation(&bad).unwrap_err();
        assert!(err.to_string().contains("observed-data--3"), "{err}");
        assert!(matches!(
            facts_from_observation(&[json!(1)]),
            Err(FlattenError::NotAnObject { index: 0 })
        ));
    }
}
