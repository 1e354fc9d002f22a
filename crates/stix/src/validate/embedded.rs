//! Checks of STIX's structured value types: dictionaries, hashes,
//! kill-chain phases, external references, granular markings, extensions and
//! the deprecated observable container.

use serde_json::{Map, Value};

use super::constraints::check_constraints;
use super::problem::{Problems, child, index};
use super::values::{
    check_custom_property, check_identifier, check_object, check_properties, expect_object,
    expect_str,
};
use crate::canonical::normalize_hash_algorithm;
use crate::types::vocab::EXTENSION_TYPE_ENUM;
use crate::types::{
    EXTERNAL_REFERENCE, GRANULAR_MARKING, KILL_CHAIN_PHASE, ObjectKind, TypeDef,
    predefined_extension,
};

/// A STIX dictionary (§2.7): a non-empty object whose keys are at most 250
/// ASCII characters of `a-z A-Z 0-9 _ -`; no null values or empty lists.
pub(crate) fn check_dictionary(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    if map.is_empty() {
        p.error(
            path,
            "an empty dictionary is not allowed in STIX; omit the property instead",
        );
    }
    for (key, item) in map {
        let item_path = child(path, key);
        if key.len() > 250
            || !key
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            p.error(
                &item_path,
                "dictionary keys must be at most 250 characters of a-z, A-Z, 0-9, '_' and '-'",
            );
        }
        match item {
            Value::Null => p.error(&item_path, "null is not a STIX value; omit the key instead"),
            Value::Array(a) if a.is_empty() => p.error(
                &item_path,
                "empty lists are not allowed in STIX; omit the key instead",
            ),
            _ => {}
        }
    }
}

/// Whether `hash` is well formed for `algorithm`, or `None` when the
/// algorithm is not in hash-algorithm-ov (the patterns are the JSON schema's).
fn hash_value_ok(algorithm: &str, hash: &str) -> Option<bool> {
    let hex_of = |len: usize| hash.len() == len && hash.bytes().all(|c| c.is_ascii_hexdigit());
    Some(match algorithm {
        "MD5" => hex_of(32),
        "SHA-1" => hex_of(40),
        "SHA-256" | "SHA3-256" => hex_of(64),
        "SHA-512" | "SHA3-512" => hex_of(128),
        "SSDEEP" => {
            (1..=128).contains(&hash.len())
                && hash
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
        }
        "TLSH" => hash.len() == 70 && hash.bytes().all(|c| c.is_ascii_alphanumeric()),
        _ => return None,
    })
}

/// A hashes dictionary (§2.6).
pub(crate) fn check_hashes(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    if map.is_empty() {
        p.error(path, "an empty hashes dictionary is not allowed; omit it");
    }
    for (algorithm, hash) in map {
        let item_path = child(path, algorithm);
        let Some(hash) = expect_str(p, &item_path, hash, "a hash string") else {
            continue;
        };
        if let Some(ok) = hash_value_ok(algorithm, hash) {
            if !ok {
                p.error(
                    &item_path,
                    format!("{hash:?} is not a well-formed {algorithm} value"),
                );
            }
            continue;
        }
        if let Some(spelled) = normalize_hash_algorithm(algorithm) {
            p.warn(
                &item_path,
                format!(
                    "hash algorithm {algorithm:?} should be spelled {spelled:?} as in hash-algorithm-ov"
                ),
            );
        } else if !(3..=250).contains(&algorithm.len())
            || !algorithm
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        {
            p.error(
                &item_path,
                "custom hash algorithm names must be 3-250 characters of a-z, A-Z, 0-9, '_' and '-'",
            );
        }
    }
}

/// A kill-chain-phase (§2.8).
pub(crate) fn check_kill_chain_phase(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    check_object(p, path, map, &KILL_CHAIN_PHASE);
    if let Some(Value::String(name)) = map.get("kill_chain_name")
        && name
            .bytes()
            .any(|c| c.is_ascii_uppercase() || c == b' ' || c == b'_')
    {
        p.warn(
                child(path, "kill_chain_name"),
                "kill_chain_name should be lower case with hyphens, e.g. lockheed-martin-cyber-kill-chain",
            );
    }
}

/// An external-reference (§2.5), including the `cve` and `capec` id formats.
pub(crate) fn check_external_reference(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    check_object(p, path, map, &EXTERNAL_REFERENCE);
    let source = map.get("source_name").and_then(Value::as_str);
    let external_id = map.get("external_id").and_then(Value::as_str);
    let id_path = child(path, "external_id");
    match (source, external_id) {
        (Some("cve"), Some(id)) if !is_cve_id(id) => p.error(
            &id_path,
            format!("{id:?} is not a CVE id: write CVE-YYYY-NNNN (four or more digits)"),
        ),
        (Some("cve"), None) => p.error(
            &id_path,
            "a reference with source_name \"cve\" must give the CVE id in external_id",
        ),
        (Some("capec"), Some(id)) if !is_capec_id(id) => p.error(
            &id_path,
            format!("{id:?} is not a CAPEC id: write CAPEC-N, e.g. CAPEC-163"),
        ),
        (Some("capec"), None) => p.error(
            &id_path,
            "a reference with source_name \"capec\" must give the CAPEC id in external_id",
        ),
        _ => {}
    }
}

/// `CVE-YYYY-NNNN…`: four-digit year, then `0ddd` or a number of 4+ digits not
/// starting with 0 (the schema's rule).
fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    year.len() == 4
        && digits(year)
        && digits(number)
        && number.len() >= 4
        && (!number.starts_with('0') || number.len() == 4)
}

fn is_capec_id(id: &str) -> bool {
    id.strip_prefix("CAPEC-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// A granular-marking (§7.2.3) including the selector grammar
/// `^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`.
pub(crate) fn check_granular_marking(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    check_object(p, path, map, &GRANULAR_MARKING);
    if let Some(Value::Array(selectors)) = map.get("selectors") {
        let sel_path = child(path, "selectors");
        for (i, selector) in selectors.iter().enumerate() {
            if let Some(s) = selector.as_str()
                && !is_valid_selector(s)
            {
                p.error(
                        index(&sel_path, i),
                        format!(
                            "{s:?} is not a valid selector: write a property path such as description or external_references.[0].url"
                        ),
                    );
            }
        }
    }
}

/// Whether `s` follows the granular-marking selector grammar.
pub fn is_valid_selector(s: &str) -> bool {
    if s == "id" {
        return true;
    }
    let name_ok = |seg: &str, min: usize, max: usize| {
        (min..=max).contains(&seg.len())
            && seg
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    };
    let mut segments = s.split('.');
    let first = segments.next().unwrap_or_default();
    if !name_ok(first, 3, 249) {
        return false;
    }
    segments.all(
        |seg| match seg.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(n) => !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()),
            None => name_ok(seg, 1, 250),
        },
    )
}

/// The `extensions` property (§3.2, §7.3): keys are `extension-definition--`
/// ids or predefined `*-ext` names. Returns whether any extension declares
/// `toplevel-property-extension`.
pub(crate) fn check_extensions(
    p: &mut Problems,
    path: &str,
    value: &Value,
    kind: ObjectKind,
    def: Option<&TypeDef>,
) -> bool {
    let mut toplevel = false;
    let Some(map) = expect_object(p, path, value) else {
        return false;
    };
    if map.is_empty() {
        p.error(
            path,
            "an empty extensions dictionary is not allowed; omit it",
        );
    }
    let only_definitions = def.is_some_and(|d| d.name == "marking-definition");
    for (key, ext) in map {
        let ext_path = child(path, key);
        if key.starts_with("extension-definition--") {
            if let Some(id) = check_identifier(p, &ext_path, &Value::String(key.clone()))
                && id.object_type() != "extension-definition"
            {
                p.error(&ext_path, "extension keys must be extension-definition ids");
            }
            if let Some(ext_map) = expect_object(p, &ext_path, ext) {
                toplevel |= check_definition_extension(p, &ext_path, ext_map);
            }
        } else if let Some(name) = key.strip_suffix("-ext").filter(|_| !only_definitions) {
            if !crate::id::is_valid_type_name(&format!("{name}-ext")) || name.is_empty() {
                p.error(
                    &ext_path,
                    format!("{key:?} is not a valid extension name (lower-case words joined by '-', ending in -ext)"),
                );
                continue;
            }
            let Some(ext_map) = expect_object(p, &ext_path, ext) else {
                continue;
            };
            match (
                def.and_then(|d| d.extension(key)),
                predefined_extension(key),
            ) {
                (Some(ext_def), _) => check_object(p, &ext_path, ext_map, ext_def),
                (None, Some(_)) => p.error(
                    &ext_path,
                    format!(
                        "{key} is a predefined extension of another object type, not of {}",
                        def.map_or("this type", |d| d.name)
                    ),
                ),
                (None, None) => {
                    if kind != ObjectKind::Custom {
                        p.warn(
                            &ext_path,
                            format!(
                                "{key:?} is not a predefined extension; custom *-ext extensions are deprecated in STIX 2.1, define an extension-definition instead"
                            ),
                        );
                    }
                    if ext_map.is_empty() {
                        p.error(&ext_path, "an extension must have at least one property");
                    }
                    for (name, v) in ext_map {
                        check_custom_property(p, &ext_path, name, v, false);
                    }
                }
            }
        } else {
            p.error(
                &ext_path,
                if only_definitions {
                    "marking-definition extensions must be keyed by an extension-definition id"
                } else {
                    "extension keys must be an extension-definition--<UUID> id or a predefined extension name ending in -ext"
                },
            );
        }
    }
    toplevel
}

/// The value of an extension keyed by an extension-definition id. Returns
/// whether it is a `toplevel-property-extension`.
fn check_definition_extension(p: &mut Problems, path: &str, map: &Map<String, Value>) -> bool {
    let mut toplevel = false;
    match map.get("extension_type") {
        None => p.error(
            path,
            format!(
                "the required property \"extension_type\" is missing; use one of: {}",
                EXTENSION_TYPE_ENUM.join(", ")
            ),
        ),
        Some(Value::String(t)) if EXTENSION_TYPE_ENUM.contains(&t.as_str()) => {
            toplevel = t == "toplevel-property-extension";
        }
        Some(other) => p.error(
            child(path, "extension_type"),
            format!(
                "{} is not an extension type; use one of: {}",
                other,
                EXTENSION_TYPE_ENUM.join(", ")
            ),
        ),
    }
    for (name, v) in map {
        if name != "extension_type" {
            check_custom_property(p, path, name, v, false);
        }
    }
    toplevel
}

/// The deprecated observed-data `objects` container: a non-empty dictionary
/// of SCOs, each checked against its type's table (they carry no `id`).
pub(crate) fn check_observable_container(p: &mut Problems, path: &str, value: &Value) {
    let Some(map) = expect_object(p, path, value) else {
        return;
    };
    p.warn(
        path,
        "observed-data objects is deprecated in STIX 2.1; put the SCOs in the bundle and list their ids in object_refs",
    );
    if map.is_empty() {
        p.error(path, "an empty objects dictionary is not allowed");
    }
    for (key, item) in map {
        let item_path = child(path, key);
        let Some(obj) = expect_object(p, &item_path, item) else {
            continue;
        };
        let Some(object_type) = obj.get("type") else {
            p.error(&item_path, "each observable needs a \"type\"");
            continue;
        };
        let Some(object_type) = expect_str(p, &child(&item_path, "type"), object_type, "a string")
        else {
            continue;
        };
        match crate::types::lookup(object_type) {
            Some(def) if def.kind == ObjectKind::Sco => {
                check_properties(p, &item_path, obj, def.properties, false);
                check_constraints(p, &item_path, obj, def.properties, def.constraints);
            }
            Some(def) => p.error(
                child(&item_path, "type"),
                format!("{} is not a cyber-observable type", def.name),
            ),
            None if crate::id::is_valid_type_name(object_type) => {}
            None => p.error(
                child(&item_path, "type"),
                format!("{object_type:?} is not a valid type name"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(f: fn(&mut Problems, &str, &Value), v: Value) -> Vec<super::super::Problem> {
        let mut p = Problems::default();
        f(&mut p, "", &v);
        p.list
    }

    fn errors(f: fn(&mut Problems, &str, &Value), v: Value) -> usize {
        run(f, v).iter().filter(|p| p.is_error()).count()
    }

    #[test]
    fn cve_and_capec_formats() {
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(is_cve_id("CVE-2014-0160"));
        assert!(!is_cve_id("CVE-2014-00160"));
        assert!(!is_cve_id("CVE-14-0160"));
        assert!(!is_cve_id("cve-2021-44228"));
        assert!(!is_cve_id("CVE-2021-123"));
        assert!(is_capec_id("CAPEC-163"));
        assert!(!is_capec_id("CAPEC-"));
        assert!(!is_capec_id("CAPEC-1a"));
    }

    #[test]
    fn external_references() {
        let f = check_external_reference;
        assert_eq!(
            errors(
                f,
                json!({"source_name": "cve", "external_id": "CVE-2021-44228"})
            ),
            0
        );
        assert_eq!(
            errors(
                f,
                json!({"source_name": "cve", "external_id": "2021-44228"})
            ),
            1
        );
        assert_eq!(
            errors(f, json!({"source_name": "capec", "external_id": "CAPEC-1"})),
            0
        );
        assert_eq!(
            errors(f, json!({"source_name": "capec", "url": "https://x"})),
            1
        );
        assert_eq!(errors(f, json!({"source_name": "acme"})), 1);
        assert_eq!(errors(f, json!({"description": "d"})), 1);
        assert_eq!(
            errors(f, json!({"source_name": "acme", "url": "https://x"})),
            0
        );
    }

    #[test]
    fn selectors() {
        for ok in [
            "id",
            "description",
            "external_references.[0].url",
            "labels.[12]",
            "x_acme.a",
        ] {
            assert!(is_valid_selector(ok), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "Description",
            "labels.[x]",
            "labels.[]",
            "a b c",
            "desc..x",
        ] {
            assert!(!is_valid_selector(bad), "{bad}");
        }
    }

    #[test]
    fn granular_markings() {
        let f = check_granular_marking;
        let mref = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
        assert_eq!(
            errors(
                f,
                json!({"marking_ref": mref, "selectors": ["description"]})
            ),
            0
        );
        assert_eq!(errors(f, json!({"lang": "en", "selectors": ["name"]})), 0);
        assert_eq!(
            errors(
                f,
                json!({"lang": "en", "marking_ref": mref, "selectors": ["name"]})
            ),
            1
        );
        assert_eq!(errors(f, json!({"selectors": ["name"]})), 1);
        assert_eq!(errors(f, json!({"lang": "en", "selectors": []})), 1);
        assert_eq!(errors(f, json!({"lang": "en", "selectors": ["A"]})), 1);
    }

    #[test]
    fn hashes() {
        let f = check_hashes;
        assert_eq!(
            errors(f, json!({"MD5": "d41d8cd98f00b204e9800998ecf8427e"})),
            0
        );
        assert_eq!(errors(f, json!({"MD5": "d41d8"})), 1);
        assert_eq!(errors(f, json!({})), 1);
        assert_eq!(errors(f, json!({"x_custom_hash": "anything"})), 0);
        assert_eq!(errors(f, json!({"ab": "anything"})), 1);
        let out = run(
            f,
            json!({"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}),
        );
        assert_eq!(out.len(), 1);
        assert!(!out[0].is_error());
        assert!(out[0].message.contains("SHA-256"));
    }

    #[test]
    fn dictionaries() {
        let f = check_dictionary;
        assert_eq!(errors(f, json!({"Accept-Encoding": "gzip", "n": 1})), 0);
        assert_eq!(errors(f, json!({})), 1);
        assert_eq!(errors(f, json!({"a b": 1})), 1);
        assert_eq!(errors(f, json!({"a": null, "b": []})), 2);
    }
}
