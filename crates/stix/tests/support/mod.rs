//! Shared test data: one minimal valid object of every STIX 2.1 type, and
//! proptest strategies that decorate them with random optional, custom and
//! extension properties.
#![allow(clippy::unwrap_used, dead_code)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};

pub const T0: &str = "2016-04-06T20:03:48.000Z";
pub const IDENTITY: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
pub const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
pub const IPV4: &str = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";
pub const FILE: &str = "file--9f0e1e37-7b4e-4a27-a6a5-4cb7dd4c3b5d";
pub const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const EXT_DEF: &str = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";

/// A minimal valid instance of `object_type` (a STIX 2.1 type), with the
/// given UUID.
pub fn base(object_type: &str, uuid: &str) -> Value {
    let id = format!("{object_type}--{uuid}");
    let sdo = |extra: Value| {
        let mut m = json!({
            "type": object_type, "spec_version": "2.1", "id": id,
            "created": T0, "modified": T0,
        });
        merge(&mut m, extra);
        m
    };
    let sco = |extra: Value| {
        let mut m = json!({"type": object_type, "spec_version": "2.1", "id": id});
        merge(&mut m, extra);
        m
    };
    match object_type {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident"
        | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => {
            sdo(json!({"name": "Example"}))
        }
        "grouping" => sdo(json!({"context": "suspicious-activity", "object_refs": [INDICATOR]})),
        "indicator" => sdo(json!({
            "pattern": "[ipv4-addr:value = '10.0.0.1']", "pattern_type": "stix", "valid_from": T0
        })),
        "location" => sdo(json!({"latitude": 59.43, "longitude": 24.75, "precision": 10.0})),
        "malware" => sdo(json!({"is_family": false})),
        "malware-analysis" => sdo(json!({"product": "sandbox", "result": "malicious"})),
        "note" => sdo(json!({"content": "A note", "object_refs": [INDICATOR]})),
        "observed-data" => sdo(json!({
            "first_observed": T0, "last_observed": T0, "number_observed": 1, "object_refs": [IPV4]
        })),
        "opinion" => sdo(json!({"opinion": "agree", "object_refs": [INDICATOR]})),
        "report" => sdo(json!({"name": "R", "published": T0, "object_refs": [INDICATOR]})),
        "relationship" => sdo(json!({
            "relationship_type": "indicates", "source_ref": INDICATOR,
            "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
        })),
        "sighting" => sdo(json!({"sighting_of_ref": INDICATOR, "count": 3})),
        "artifact" => sco(json!({"payload_bin": "aGVsbG8=", "mime_type": "text/plain"})),
        "autonomous-system" => sco(json!({"number": 64512})),
        "directory" => sco(json!({"path": "/tmp"})),
        "domain-name" => sco(json!({"value": "example.com"})),
        "email-addr" => sco(json!({"value": "a@example.com"})),
        "email-message" => sco(json!({"is_multipart": false, "subject": "hi", "body": "hello"})),
        "file" => sco(
            json!({"name": "a.exe", "hashes": {"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}),
        ),
        "ipv4-addr" => sco(json!({"value": "10.0.0.1"})),
        "ipv6-addr" => sco(json!({"value": "2001:db8::1"})),
        "mac-addr" => sco(json!({"value": "d2:fb:49:24:37:18"})),
        "mutex" => sco(json!({"name": "m"})),
        "network-traffic" => sco(json!({"protocols": ["tcp"], "src_ref": IPV4, "src_port": 1234})),
        "process" => sco(json!({"pid": 42, "command_line": "a.exe -x"})),
        "software" => sco(json!({"name": "Word", "vendor": "Microsoft"})),
        "url" => sco(json!({"value": "https://example.com/"})),
        "user-account" => sco(json!({"user_id": "1001", "account_type": "unix"})),
        "windows-registry-key" => sco(json!({"key": "HKEY_LOCAL_MACHINE\\Software"})),
        "x509-certificate" => sco(json!({"serial_number": "02", "issuer": "CN=ca"})),
        "language-content" => {
            sdo(json!({"object_ref": INDICATOR, "contents": {"de": {"name": "Beispiel"}}}))
        }
        "marking-definition" => json!({
            "type": object_type, "spec_version": "2.1", "id": id, "created": T0,
            "definition_type": "statement", "definition": {"statement": "Copyright ACME"}
        }),
        "extension-definition" => sdo(json!({
            "created_by_ref": IDENTITY, "name": "acme", "schema": "https://acme.example/s.json",
            "version": "1.0", "extension_types": ["property-extension"]
        })),
        other => panic!("no base object for {other}"),
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(m), Value::Object(e)) = (into.as_object_mut(), extra) {
        m.extend(e);
    }
}

/// Every STIX 2.1 type name.
pub fn all_type_names() -> Vec<&'static str> {
    phalanx_stix::types::ALL_TYPES
        .iter()
        .map(|t| t.name)
        .collect()
}

/// A random RFC 4122 version-4 UUID text.
pub fn uuid4() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| {
        uuid::Builder::from_random_bytes(n.to_be_bytes())
            .into_uuid()
            .to_string()
    })
}

/// Arbitrary JSON (bounded depth and size).
pub fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// JSON that a custom property may hold: not null, not an empty list.
pub fn custom_value() -> impl Strategy<Value = Value> {
    any_json().prop_filter("custom values are not null or empty lists", |v| {
        !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty())
    })
}

/// A valid custom property name with the recommended prefix.
pub fn custom_name() -> impl Strategy<Value = String> {
    "x_[a-z][a-z0-9_]{0,20}"
}

/// Random custom properties.
pub fn custom_properties() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(custom_name(), custom_value(), 0..4)
        .prop_map(|m| m.into_iter().collect())
}

/// Decorations that keep any object valid: custom properties, an
/// extension-definition property extension, markings, and (for non-SCOs)
/// labels, confidence and an external reference.
#[derive(Debug, Clone)]
pub struct Decorations {
    pub custom: Map<String, Value>,
    pub extension: Option<Map<String, Value>>,
    pub marked: bool,
    pub label: Option<String>,
    pub confidence: Option<u8>,
    pub description: Option<String>,
}

pub fn decorations() -> impl Strategy<Value = Decorations> {
    (
        custom_properties(),
        prop::option::of(custom_properties()),
        any::<bool>(),
        prop::option::of(".{1,16}"),
        prop::option::of(0u8..=100),
        prop::option::of(".{0,40}"),
    )
        .prop_map(
            |(custom, extension, marked, label, confidence, description)| Decorations {
                custom,
                extension,
                marked,
                label,
                confidence,
                description,
            },
        )
}

/// Applies `d` to a valid object of kind `kind`, keeping it valid.
pub fn decorate(mut object: Value, d: &Decorations) -> Value {
    let object_type = object["type"].as_str().unwrap().to_string();
    let kind = phalanx_stix::types::kind_of(&object_type);
    let map = object.as_object_mut().unwrap();
    for (k, v) in &d.custom {
        map.insert(k.clone(), v.clone());
    }
    if let Some(ext) = &d.extension
        && object_type != "extension-definition"
    {
        let mut body = ext.clone();
        body.insert("extension_type".into(), json!("property-extension"));
        map.insert("extensions".into(), json!({ EXT_DEF: body }));
    }
    if d.marked {
        map.insert("object_marking_refs".into(), json!([GREEN]));
    }
    let versioned = !matches!(kind, phalanx_stix::ObjectKind::Sco);
    if versioned && object_type != "marking-definition" {
        if let Some(label) = &d.label {
            map.insert("labels".into(), json!([label]));
        }
        if object_type != "extension-definition"
            && let Some(c) = d.confidence
        {
            map.insert("confidence".into(), json!(c));
        }
    }
    if versioned {
        map.insert(
            "external_references".into(),
            json!([{"source_name": "acme", "external_id": "A-1"}]),
        );
    }
    if let Some(text) = &d.description
        && phalanx_stix::types::lookup(&object_type)
            .and_then(|t| t.property("description"))
            .is_some()
    {
        map.insert("description".into(), json!(text));
    }
    object
}

/// A valid object of a random STIX 2.1 type with random decorations.
pub fn valid_object() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(all_type_names()),
        uuid4(),
        decorations(),
    )
        .prop_map(|(t, uuid, d)| decorate(base(t, &uuid), &d))
}
