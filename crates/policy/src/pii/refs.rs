//! Keeping references consistent after SCO ids change: every `*_ref` and
//! `*_refs` value, at any depth, that names a rewritten id is pointed at the
//! new id; one that names a withheld object is removed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::decision::{Redaction, RedactionKind};
use phalanx_stix::types::{Constraint, lookup};

use crate::granular::is_required_property;
use crate::rule::RuleId;

/// What became of an id in a rewritten batch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdMapping {
    /// The SCO's deterministic id was recomputed: references now use this
    /// one.
    Rewritten(String),
    /// The object was withheld by a PII rule; references to it are removed.
    Withheld,
}

/// Old id (lower case) → what became of it.
pub type IdMap = BTreeMap<String, IdMapping>;

/// Whether a property name holds references.
pub(crate) fn is_reference_key(key: &str) -> bool {
    key.ends_with("_ref") || key.ends_with("_refs")
}

/// Applies `map` to every reference in `object`. Returns the redactions made
/// and whether a required top-level reference property had to be removed.
pub(crate) fn apply(object: &mut Value, map: &IdMap) -> (Vec<Redaction>, bool) {
    let mut redactions = Vec::new();
    let object_type = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut lost_required = false;
    if let Value::Object(m) = object {
        let removed = walk_map(m, "", map, &mut redactions);
        lost_required = removed.iter().any(|k| needed(&object_type, m, k));
    }
    (redactions, lost_required)
}

/// Whether an object of `object_type` needs top-level property `key`, which
/// is no longer in `rest`: STIX requires it, or it was the one present
/// member of an "exactly one of" / "at least one of" group.
fn needed(object_type: &str, rest: &Map<String, Value>, key: &str) -> bool {
    if is_required_property(object_type, key) {
        return true;
    }
    let Some(def) = lookup(object_type) else {
        return false;
    };
    def.constraints.iter().any(|c| match c {
        Constraint::ExactlyOne(names) | Constraint::AtLeastOne(names) => {
            names.contains(&key) && !names.iter().any(|n| rest.contains_key(*n))
        }
        _ => false,
    })
}

/// Rewrites references in `m`; returns the names of its own reference
/// properties that were removed.
fn walk_map(
    m: &mut Map<String, Value>,
    path: &str,
    map: &IdMap,
    out: &mut Vec<Redaction>,
) -> Vec<String> {
    let mut removed_keys = Vec::new();
    let keys: Vec<String> = m.keys().cloned().collect();
    for key in keys {
        let here = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
        let Some(value) = m.get_mut(&key) else {
            continue;
        };
        if is_reference_key(&key) {
            let keep = rewrite_reference_value(value, &here, map, out);
            if !keep {
                m.remove(&key);
                removed_keys.push(key);
            }
        } else {
            walk_value(value, &here, map, out);
        }
    }
    removed_keys
}

fn walk_value(value: &mut Value, path: &str, map: &IdMap, out: &mut Vec<Redaction>) {
    match value {
        Value::Object(m) => {
            walk_map(m, path, map, out);
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk_value(item, &format!("{path}/{i}"), map, out);
            }
        }
        _ => {}
    }
}

/// Rewrites a reference property's value (a string or a list of strings).
/// Returns false when the property must go (its only reference, or every
/// one, was withheld).
fn rewrite_reference_value(
    value: &mut Value,
    path: &str,
    map: &IdMap,
    out: &mut Vec<Redaction>,
) -> bool {
    let redaction = |kind, path: String| Redaction {
        rule: RuleId::PiiRewrite,
        path,
        kind,
    };
    match value {
        Value::String(id) => match map.get(&id.to_ascii_lowercase()) {
            Some(IdMapping::Rewritten(new)) => {
                *id = new.clone();
                out.push(redaction(
                    RedactionKind::ReferenceRewritten,
                    path.to_string(),
                ));
                true
            }
            Some(IdMapping::Withheld) => {
                out.push(redaction(RedactionKind::ReferenceRemoved, path.to_string()));
                false
            }
            None => true,
        },
        Value::Array(items) => {
            let before = items.len();
            let mut kept = Vec::with_capacity(items.len());
            for (i, item) in items.drain(..).enumerate() {
                let item_path = format!("{path}/{i}");
                match item.as_str().map(|s| map.get(&s.to_ascii_lowercase())) {
                    Some(Some(IdMapping::Rewritten(new))) => {
                        out.push(redaction(RedactionKind::ReferenceRewritten, item_path));
                        kept.push(Value::String(new.clone()));
                    }
                    Some(Some(IdMapping::Withheld)) => {
                        out.push(redaction(RedactionKind::ReferenceRemoved, item_path));
                    }
                    _ => kept.push(item),
                }
            }
            *items = kept;
            before == 0 || !items.is_empty()
        }
        // Not a reference shape: a custom property that happens to end in
        // `_ref`. Leave it to the text pass.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn rewrites_and_prunes_at_any_depth() {
        let mut map = IdMap::new();
        map.insert(
            "ipv4-addr--a".into(),
            IdMapping::Rewritten("ipv4-addr--b".into()),
        );
        map.insert("email-addr--x".into(), IdMapping::Withheld);
        let mut o = json!({
            "type": "email-message",
            "from_ref": "email-addr--x",
            "to_refs": ["email-addr--x", "EMAIL-ADDR--Y"],
            "cc_refs": ["email-addr--x"],
            "extensions": {"x-ext": {"host_ref": "ipv4-addr--A"}},
        });
        let (redactions, lost_required) = apply(&mut o, &map);
        assert!(!lost_required);
        assert!(o.get("from_ref").is_none());
        assert!(o.get("cc_refs").is_none());
        assert_eq!(o["to_refs"], json!(["EMAIL-ADDR--Y"]));
        assert_eq!(o["extensions"]["x-ext"]["host_ref"], json!("ipv4-addr--b"));
        assert_eq!(redactions.len(), 4);
        assert!(
            redactions
                .iter()
                .any(|r| r.path == "/extensions/x-ext/host_ref"
                    && r.kind == RedactionKind::ReferenceRewritten)
        );
    }

    #[test]
    fn losing_a_required_reference_is_reported() {
        let mut map = IdMap::new();
        map.insert("ipv4-addr--a".into(), IdMapping::Withheld);
        let mut o = json!({"type": "observed-data", "object_refs": ["ipv4-addr--a"]});
        let (_, lost_required) = apply(&mut o, &map);
        assert!(lost_required);
    }
}
