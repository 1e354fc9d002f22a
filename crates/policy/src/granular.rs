//! Granular markings (STIX 2.1 §7.2.3): a TLP marking on selected properties
//! marks those properties. Where such a marking is more restrictive than what
//! the peer may receive, the selected content is removed before the object
//! leaves, and the granular markings are rewritten to stay consistent.
//!
//! Removing list items shifts the indices after them, so the remaining
//! selectors are renumbered; a list or embedded object left empty is removed
//! with its content (STIX lists must not be empty); a granular marking whose
//! selectors all pointed at removed content is removed.

use std::collections::BTreeSet;

use phalanx_stix::Tlp;
use phalanx_stix::types::{COMMON_PROPERTIES, Usage, kind_of, lookup};
use serde_json::{Map, Value};

/// One step of a selector path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Seg {
    /// A property or dictionary key.
    Key(String),
    /// A list index.
    Index(usize),
}

pub(crate) type Path = Vec<Seg>;

/// Parses a selector such as `external_references.[0].url`.
pub(crate) fn parse_selector(selector: &str) -> Option<Path> {
    if selector.is_empty() {
        return None;
    }
    selector
        .split('.')
        .map(|part| {
            if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                inner.parse().ok().map(Seg::Index)
            } else if part.is_empty() {
                None
            } else {
                Some(Seg::Key(part.to_string()))
            }
        })
        .collect()
}

fn print_selector(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A JSON pointer (RFC 6901) for a path.
pub(crate) fn pointer(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        out.push('/');
        match s {
            Seg::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// Every (path, level) that a granular TLP marking on `object` selects.
/// Markings that are not TLP, `lang` markings and malformed selectors are
/// ignored.
pub(crate) fn marked_paths(object: &Value) -> Vec<(Path, Tlp)> {
    let mut out = Vec::new();
    let Some(list) = object.get("granular_markings").and_then(Value::as_array) else {
        return out;
    };
    for marking in list {
        let Some(tlp) = marking
            .get("marking_ref")
            .and_then(Value::as_str)
            .and_then(Tlp::from_marking_id)
        else {
            continue;
        };
        let selectors = marking.get("selectors").and_then(Value::as_array);
        for selector in selectors.into_iter().flatten().filter_map(Value::as_str) {
            if let Some(path) = parse_selector(selector) {
                out.push((path, tlp));
            }
        }
    }
    out
}

fn get<'v>(value: &'v Value, path: &[Seg]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get(k),
        Seg::Index(i) => v.get(*i),
    })
}

/// Whether removing top-level property `name` from an object of
/// `object_type` leaves it without something STIX requires.
pub(crate) fn is_required_property(object_type: &str, name: &str) -> bool {
    let kind = kind_of(object_type);
    let common = COMMON_PROPERTIES
        .iter()
        .any(|c| c.def.name == name && c.usage(kind, object_type) == Usage::Required);
    let own = lookup(object_type)
        .and_then(|def| def.property(name))
        .is_some_and(|p| p.required);
    common || own
}

/// The result of removing content.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Removal {
    /// The object without the content.
    pub object: Value,
    /// JSON pointers (into the original object) of what was removed,
    /// including lists and objects left empty.
    pub removed: Vec<String>,
    /// Top-level properties that were removed.
    pub removed_top_level: Vec<String>,
}

/// Removes the content at `paths` (those that exist) from `object`, cascades
/// to containers left empty, and renumbers or drops the granular markings.
pub(crate) fn remove(object: &Value, paths: &[Path]) -> Removal {
    let requested: BTreeSet<&Path> = paths.iter().filter(|p| get(object, p).is_some()).collect();
    let mut removed: BTreeSet<Path> = BTreeSet::new();
    let mut path = Vec::new();
    mark(object, &mut path, &requested, &mut removed);

    let mut pruned = prune(object, &mut Vec::new(), &removed).unwrap_or(Value::Null);
    if let Some(map) = pruned.as_object_mut()
        && map.contains_key("granular_markings")
    {
        let rewritten = rewrite_markings(object, &removed);
        match rewritten {
            Some(list) => {
                map.insert("granular_markings".into(), list);
            }
            None => {
                map.remove("granular_markings");
            }
        }
    }
    let removed_top_level = removed
        .iter()
        .filter(|p| p.len() == 1)
        .filter_map(|p| match &p[0] {
            Seg::Key(k) => Some(k.clone()),
            Seg::Index(_) => None,
        })
        .collect();
    Removal {
        object: pruned,
        removed: removed.iter().map(|p| pointer(p)).collect(),
        removed_top_level,
    }
}

/// Marks `path` removed when requested or when it is a non-empty container
/// all of whose content is removed. The root is never removed.
fn mark(
    value: &Value,
    path: &mut Path,
    requested: &BTreeSet<&Path>,
    removed: &mut BTreeSet<Path>,
) -> bool {
    if !path.is_empty() && requested.contains(path) {
        removed.insert(path.clone());
        return true;
    }
    let (count, gone) = match value {
        Value::Object(map) => {
            let mut gone = 0;
            for (k, v) in map {
                path.push(Seg::Key(k.clone()));
                gone += usize::from(mark(v, path, requested, removed));
                path.pop();
            }
            (map.len(), gone)
        }
        Value::Array(items) => {
            let mut gone = 0;
            for (i, v) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                gone += usize::from(mark(v, path, requested, removed));
                path.pop();
            }
            (items.len(), gone)
        }
        _ => (0, 0),
    };
    if !path.is_empty() && count > 0 && gone == count {
        removed.insert(path.clone());
        return true;
    }
    false
}

fn prune(value: &Value, path: &mut Path, removed: &BTreeSet<Path>) -> Option<Value> {
    if removed.contains(path) {
        return None;
    }
    Some(match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                path.push(Seg::Key(k.clone()));
                if let Some(v) = prune(v, path, removed) {
                    out.insert(k.clone(), v);
                }
                path.pop();
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, v) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if let Some(v) = prune(v, path, removed) {
                    out.push(v);
                }
                path.pop();
            }
            Value::Array(out)
        }
        other => other.clone(),
    })
}

/// Where the content at original `path` sits after the removal, or `None`
/// when it (or something above it) was removed.
fn map_path(path: &[Seg], removed: &BTreeSet<Path>) -> Option<Path> {
    let mut out = Vec::with_capacity(path.len());
    for (i, seg) in path.iter().enumerate() {
        if removed.contains(&path[..=i].to_vec()) {
            return None;
        }
        match seg {
            Seg::Key(k) => out.push(Seg::Key(k.clone())),
            Seg::Index(j) => {
                let mut sibling = path[..i].to_vec();
                sibling.push(Seg::Index(0));
                let before = (0..*j)
                    .filter(|k| {
                        if let Some(last) = sibling.last_mut() {
                            *last = Seg::Index(*k);
                        }
                        removed.contains(&sibling)
                    })
                    .count();
                out.push(Seg::Index(j - before));
            }
        }
    }
    Some(out)
}

/// The granular markings with selectors renumbered, selectors of removed
/// content dropped, and markings left without selectors dropped; `None` when
/// none remain (or the property itself was removed).
fn rewrite_markings(original: &Value, removed: &BTreeSet<Path>) -> Option<Value> {
    let list = original.get("granular_markings")?.as_array()?;
    if removed.contains(&vec![Seg::Key("granular_markings".into())]) {
        return None;
    }
    let mut out = Vec::new();
    for (index, marking) in list.iter().enumerate() {
        let here = vec![Seg::Key("granular_markings".into()), Seg::Index(index)];
        if removed.contains(&here) {
            continue;
        }
        let Some(map) = marking.as_object() else {
            out.push(marking.clone());
            continue;
        };
        let mut map = map.clone();
        if let Some(selectors) = marking.get("selectors").and_then(Value::as_array) {
            let kept: Vec<Value> = selectors
                .iter()
                .filter_map(|s| match s.as_str().and_then(parse_selector) {
                    Some(path) => {
                        map_path(&path, removed).map(|p| Value::String(print_selector(&p)))
                    }
                    None => Some(s.clone()),
                })
                .collect();
            if kept.is_empty() {
                continue;
            }
            map.insert("selectors".into(), Value::Array(kept));
        }
        out.push(Value::Object(map));
    }
    (!out.is_empty()).then_some(Value::Array(out))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn sel(s: &str) -> Path {
        parse_selector(s).unwrap()
    }

    #[test]
    fn selectors_parse_and_print() {
        let p = sel("external_references.[1].url");
        assert_eq!(
            p,
            vec![
                Seg::Key("external_references".into()),
                Seg::Index(1),
                Seg::Key("url".into())
            ]
        );
        assert_eq!(print_selector(&p), "external_references.[1].url");
        assert_eq!(pointer(&p), "/external_references/1/url");
        assert!(parse_selector("a..b").is_none());
        assert!(parse_selector("a.[x]").is_none());
    }

    #[test]
    fn removal_renumbers_and_drops_markings() {
        let red = Tlp::Red.marking_id();
        let green = Tlp::Green.marking_id();
        let object = json!({
            "type": "report",
            "labels": ["a", "b", "c"],
            "description": "secret",
            "granular_markings": [
                {"selectors": ["labels.[0]", "description"], "marking_ref": red},
                {"selectors": ["labels.[2]"], "marking_ref": green},
            ],
        });
        let r = remove(&object, &[sel("labels.[0]"), sel("description")]);
        assert_eq!(r.object["labels"], json!(["b", "c"]));
        assert!(r.object.get("description").is_none());
        assert_eq!(
            r.object["granular_markings"],
            json!([{"selectors": ["labels.[1]"], "marking_ref": green}])
        );
        assert_eq!(
            r.removed,
            vec!["/description".to_string(), "/labels/0".to_string()]
        );
        assert_eq!(r.removed_top_level, vec!["description".to_string()]);
    }

    #[test]
    fn empty_containers_go_with_their_content() {
        let object = json!({
            "type": "malware", "aliases": ["x"],
            "granular_markings": [{"selectors": ["aliases.[0]"], "marking_ref": Tlp::Red.marking_id()}],
        });
        let r = remove(&object, &[sel("aliases.[0]")]);
        assert!(r.object.get("aliases").is_none());
        assert!(r.object.get("granular_markings").is_none());
        assert!(r.removed.contains(&"/aliases".to_string()));
    }

    #[test]
    fn missing_paths_are_ignored_and_requiredness_known() {
        let object = json!({"type": "indicator", "name": "n"});
        let r = remove(&object, &[sel("description")]);
        assert_eq!(r.object, object);
        assert!(r.removed.is_empty());
        assert!(is_required_property("indicator", "pattern"));
        assert!(is_required_property("indicator", "created"));
        assert!(!is_required_property("indicator", "description"));
        assert!(is_required_property("email-addr", "value"));
    }
}
