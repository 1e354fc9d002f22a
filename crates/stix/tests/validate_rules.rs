//! One valid and one invalid example for each validation rule.
#![allow(clippy::unwrap_used)]

use phalanx_stix::{ObjectKind, Severity, validate};
use serde_json::{Value, json};

const IDENTITY: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const OBSERVED: &str = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
const FILE: &str = "file--9f0e1e37-7b4e-4a27-a6a5-4cb7dd4c3b5d";
const IPV4: &str = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const T0: &str = "2016-04-06T20:03:48.000Z";
const T1: &str = "2016-04-06T20:06:37.000Z";

fn indicator() -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created": T0, "modified": T0,
        "pattern": "[file:hashes.'SHA-256' = 'aa']", "pattern_type": "stix",
        "valid_from": T0
    })
}

fn sighting() -> Value {
    json!({
        "type": "sighting", "spec_version": "2.1",
        "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
        "created": T0, "modified": T0, "sighting_of_ref": INDICATOR
    })
}

fn observed_data() -> Value {
    json!({
        "type": "observed-data", "spec_version": "2.1", "id": OBSERVED,
        "created": T0, "modified": T0, "first_observed": T0, "last_observed": T1,
        "number_observed": 5, "object_refs": [IPV4]
    })
}

fn file() -> Value {
    json!({"type": "file", "spec_version": "2.1", "id": FILE, "name": "a.exe"})
}

/// Sets `key` to `value` (or removes it for `Value::Null`).
fn with(mut v: Value, key: &str, value: Value) -> Value {
    let map = v.as_object_mut().unwrap();
    if value.is_null() {
        map.remove(key);
    } else {
        map.insert(key.to_string(), value);
    }
    v
}

fn assert_valid(v: &Value) {
    if let Err(problems) = validate(v) {
        panic!("expected valid, got {problems:#?}");
    }
}

/// Asserts that validation fails with an error at `path`.
fn assert_error_at(v: &Value, path: &str) {
    let problems = validate(v).expect_err("expected errors");
    assert!(
        problems
            .iter()
            .any(|p| p.severity == Severity::Error && p.path == path),
        "no error at {path:?}: {problems:#?}"
    );
}

fn warnings(v: &Value) -> Vec<String> {
    validate(v)
        .unwrap()
        .warnings
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect()
}

#[test]
fn summary_of_a_valid_object() {
    let s = validate(&indicator()).unwrap();
    assert_eq!(s.id.as_str(), INDICATOR);
    assert_eq!(s.object_type, "indicator");
    assert_eq!(s.kind, ObjectKind::Sdo);
    assert_eq!(s.spec_version, "2.1");
    assert_eq!(s.version().map(|t| t.as_str()), Some(T0));
    assert!(!s.revoked);
    assert!(s.warnings.is_empty());
    let sco = validate(&file()).unwrap();
    assert_eq!(sco.kind, ObjectKind::Sco);
    assert_eq!(sco.version(), None);
}

#[test]
fn every_problem_is_reported() {
    let v = json!({
        "type": "indicator", "spec_version": "2.0", "id": "indicator--bad",
        "created": "2016-04-06T20:03:48Z", "modified": T0, "confidence": 101,
        "labels": [], "pattern_type": "stix", "valid_from": "yesterday"
    });
    let problems = validate(&v).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "/spec_version",
        "/id",
        "/created",
        "/confidence",
        "/labels",
        "/valid_from",
        "",
    ] {
        assert!(paths.contains(&path), "missing {path:?} in {paths:?}");
    }
    assert!(problems.iter().any(|p| p.message.contains("\"pattern\"")));
}

#[test]
fn not_an_object_or_a_bundle() {
    assert_error_at(&json!([1, 2]), "");
    assert_error_at(
        &json!({"type": "bundle", "id": "bundle--311b2d2d-f010-4473-83ec-1edf84858f4c"}),
        "/type",
    );
    assert_error_at(&json!({"id": INDICATOR}), "");
    assert_error_at(&json!({"type": 5, "id": INDICATOR}), "/type");
    assert_error_at(&json!({"type": "Indicator", "id": INDICATOR}), "/type");
}

#[test]
fn id_prefix_equals_type() {
    assert_valid(&indicator());
    assert_error_at(&with(indicator(), "id", json!(MALWARE)), "/id");
    assert_error_at(&with(indicator(), "id", Value::Null), "");
    assert_error_at(
        &with(
            indicator(),
            "id",
            json!("indicator--8e2e2d2b-17d4-7cbf-938f-98ee46b3cd3f"),
        ),
        "/id",
    );
}

#[test]
fn spec_version() {
    assert_error_at(&with(indicator(), "spec_version", Value::Null), "");
    let problems = validate(&with(indicator(), "spec_version", json!("2.0"))).unwrap_err();
    assert!(problems[0].message.contains("only STIX 2.1 is supported"));
    assert_valid(&with(file(), "spec_version", Value::Null));
    assert_error_at(&with(file(), "spec_version", json!("2.0")), "/spec_version");
}

#[test]
fn created_and_modified() {
    assert_error_at(
        &with(indicator(), "created", json!("2016-04-06T20:03:48Z")),
        "/created",
    );
    assert_error_at(
        &with(indicator(), "modified", json!("2016-04-06T20:03:48.12Z")),
        "/modified",
    );
    assert_valid(&with(
        indicator(),
        "modified",
        json!("2016-04-06T20:03:48.0001Z"),
    ));
    assert_error_at(
        &with(indicator(), "modified", json!("2016-04-06T20:03:47.999Z")),
        "/modified",
    );
    assert_error_at(&with(indicator(), "modified", Value::Null), "");
    assert_error_at(
        &with(indicator(), "created", json!("2016-02-30T00:00:00.000Z")),
        "/created",
    );
}

#[test]
fn required_properties() {
    assert_error_at(&with(indicator(), "pattern", Value::Null), "");
    assert_error_at(&with(sighting(), "sighting_of_ref", Value::Null), "");
    assert_error_at(&json!({"type": "ipv4-addr", "id": IPV4}), "");
}

#[test]
fn value_kinds() {
    assert_error_at(&with(indicator(), "name", json!(5)), "/name");
    assert_error_at(&with(indicator(), "revoked", json!("true")), "/revoked");
    assert_error_at(&with(indicator(), "confidence", json!(50.5)), "/confidence");
    assert_error_at(
        &with(
            indicator(),
            "kill_chain_phases",
            json!([{"kill_chain_name": "x"}]),
        ),
        "/kill_chain_phases/0",
    );
    assert_valid(&with(
        indicator(),
        "kill_chain_phases",
        json!([{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "delivery"}]),
    ));
    assert_error_at(&with(file(), "size", json!(-1)), "/size");
    assert_error_at(
        &with(file(), "magic_number_hex", json!("xyz")),
        "/magic_number_hex",
    );
    assert_valid(&with(file(), "magic_number_hex", json!("4D5A")));
}

#[test]
fn confidence_range() {
    assert_valid(&with(indicator(), "confidence", json!(0)));
    assert_valid(&with(indicator(), "confidence", json!(100)));
    assert_error_at(&with(indicator(), "confidence", json!(101)), "/confidence");
    assert_error_at(&with(indicator(), "confidence", json!(-1)), "/confidence");
}

#[test]
fn created_by_ref_points_at_identity() {
    assert_valid(&with(indicator(), "created_by_ref", json!(IDENTITY)));
    assert_error_at(
        &with(indicator(), "created_by_ref", json!(MALWARE)),
        "/created_by_ref",
    );
}

#[test]
fn object_marking_refs_point_at_markings() {
    assert_valid(&with(indicator(), "object_marking_refs", json!([GREEN])));
    assert_error_at(
        &with(indicator(), "object_marking_refs", json!([GREEN, IDENTITY])),
        "/object_marking_refs/1",
    );
}

#[test]
fn sighting_references() {
    assert_valid(&sighting());
    assert_valid(&with(
        sighting(),
        "sighting_of_ref",
        json!("x-acme-thing--311b2d2d-f010-4473-83ec-1edf84858f4c"),
    ));
    assert_error_at(
        &with(sighting(), "sighting_of_ref", json!(FILE)),
        "/sighting_of_ref",
    );
    assert_error_at(
        &with(
            sighting(),
            "sighting_of_ref",
            json!("relationship--311b2d2d-f010-4473-83ec-1edf84858f4c"),
        ),
        "/sighting_of_ref",
    );
    assert_valid(&with(sighting(), "observed_data_refs", json!([OBSERVED])));
    assert_error_at(
        &with(sighting(), "observed_data_refs", json!([INDICATOR])),
        "/observed_data_refs/0",
    );
    assert_valid(&with(
        sighting(),
        "where_sighted_refs",
        json!([IDENTITY, "location--311b2d2d-f010-4473-83ec-1edf84858f4c"]),
    ));
    assert_error_at(
        &with(sighting(), "where_sighted_refs", json!([MALWARE])),
        "/where_sighted_refs/0",
    );
}

#[test]
fn sighting_count_and_times() {
    assert_valid(&with(sighting(), "count", json!(999_999_999)));
    assert_error_at(&with(sighting(), "count", json!(1_000_000_000)), "/count");
    assert_error_at(&with(sighting(), "count", json!(-1)), "/count");
    let seen = with(
        with(sighting(), "first_seen", json!(T0)),
        "last_seen",
        json!(T0),
    );
    assert_valid(&seen);
    let backwards = with(
        with(sighting(), "first_seen", json!(T1)),
        "last_seen",
        json!(T0),
    );
    assert_error_at(&backwards, "/last_seen");
}

#[test]
fn relationship_endpoints() {
    let rel = json!({
        "type": "relationship", "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": T0, "modified": T0, "relationship_type": "indicates",
        "source_ref": INDICATOR, "target_ref": MALWARE
    });
    assert_valid(&rel);
    assert_valid(&with(rel.clone(), "target_ref", json!(FILE)));
    for bad in [
        "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
        "relationship--ee20065d-2555-424f-ad9e-0f8428623c75",
        "marking-definition--ee20065d-2555-424f-ad9e-0f8428623c75",
        "language-content--ee20065d-2555-424f-ad9e-0f8428623c75",
        "bundle--ee20065d-2555-424f-ad9e-0f8428623c75",
    ] {
        assert_error_at(&with(rel.clone(), "target_ref", json!(bad)), "/target_ref");
    }
    assert_error_at(
        &with(rel.clone(), "relationship_type", json!("Indicates")),
        "/relationship_type",
    );
    let times = with(
        with(rel.clone(), "start_time", json!(T0)),
        "stop_time",
        json!(T0),
    );
    assert_error_at(&times, "/stop_time");
}

#[test]
fn indicator_validity_window() {
    assert_valid(&with(indicator(), "valid_until", json!(T1)));
    assert_error_at(&with(indicator(), "valid_until", json!(T0)), "/valid_until");
    assert_error_at(&with(indicator(), "pattern", json!(["x"])), "/pattern");
    assert_error_at(&with(indicator(), "pattern_type", Value::Null), "");
    // The pattern itself is not parsed here.
    assert_valid(&with(indicator(), "pattern", json!("not [a pattern")));
}

#[test]
fn observed_data_rules() {
    assert_valid(&observed_data());
    assert_error_at(
        &with(observed_data(), "number_observed", json!(0)),
        "/number_observed",
    );
    assert_error_at(
        &with(observed_data(), "number_observed", json!(1_000_000_000)),
        "/number_observed",
    );
    assert_error_at(
        &with(
            observed_data(),
            "last_observed",
            json!("2016-04-06T20:03:47Z"),
        ),
        "/last_observed",
    );
    assert_error_at(&with(observed_data(), "object_refs", Value::Null), "");
    let both = with(
        observed_data(),
        "objects",
        json!({"0": {"type": "ipv4-addr", "value": "10.0.0.1"}}),
    );
    assert_error_at(&both, "");
    let objects = with(
        with(observed_data(), "object_refs", Value::Null),
        "objects",
        json!({"0": {"type": "ipv4-addr", "value": "10.0.0.1"}}),
    );
    let w = warnings(&objects);
    assert!(w.iter().any(|w| w.contains("deprecated")), "{w:?}");
    let no_sco = with(observed_data(), "object_refs", json!([INDICATOR]));
    assert_error_at(&no_sco, "/object_refs");
    let sro_and_sco = with(
        observed_data(),
        "object_refs",
        json!([IPV4, "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"]),
    );
    assert_valid(&sro_and_sco);
}

#[test]
fn external_references() {
    let ok = json!([{"source_name": "cve", "external_id": "CVE-2016-1234"}, {"source_name": "capec", "external_id": "CAPEC-163"}, {"source_name": "acme", "url": "https://acme.example/1"}]);
    assert_valid(&with(indicator(), "external_references", ok));
    assert_error_at(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "acme"}]),
        ),
        "/external_references/0",
    );
    assert_error_at(
        &with(
            indicator(),
            "external_references",
            json!([{"description": "x"}]),
        ),
        "/external_references/0",
    );
    assert_error_at(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "cve", "external_id": "CVE-16-1"}]),
        ),
        "/external_references/0/external_id",
    );
    assert_error_at(
        &with(
            indicator(),
            "external_references",
            json!([{"source_name": "capec", "external_id": "163"}]),
        ),
        "/external_references/0/external_id",
    );
}

#[test]
fn custom_properties() {
    assert_valid(&with(
        indicator(),
        "x_acme_score",
        json!({"deep": [1, {"x": null}]}),
    ));
    assert_error_at(&with(indicator(), "x-acme", json!(1)), "/x-acme");
    assert_error_at(&with(indicator(), "xy", json!(1)), "/xy");
    assert_error_at(&with(indicator(), "X_acme", json!(1)), "/X_acme");
    assert_error_at(
        &with(indicator(), &format!("x_{}", "a".repeat(245)), json!(1)),
        &format!("/x_{}", "a".repeat(245)),
    );
    let w = warnings(&with(indicator(), "acme_score", json!(1)));
    assert!(w[0].contains("x_<source>_<name>"), "{w:?}");
    assert_valid(&with(indicator(), "x_acme_payload_bin", json!("aGk=")));
    assert_error_at(
        &with(indicator(), "x_acme_payload_bin", json!("a")),
        "/x_acme_payload_bin",
    );
    assert_error_at(
        &with(indicator(), "x_acme_blob_hex", json!("a")),
        "/x_acme_blob_hex",
    );
    assert_error_at(&with(indicator(), "severity", json!("high")), "/severity");
    let mut null_valued = indicator();
    null_valued["x_acme_null"] = Value::Null;
    assert_error_at(&null_valued, "/x_acme_null");
    null_valued["x_acme_null"] = json!(0);
    null_valued["name"] = Value::Null;
    assert_error_at(&null_valued, "/name");
}

#[test]
fn empty_lists_are_errors() {
    assert_error_at(&with(indicator(), "labels", json!([])), "/labels");
    assert_error_at(&with(indicator(), "x_acme_list", json!([])), "/x_acme_list");
    assert_error_at(
        &with(indicator(), "indicator_types", json!([])),
        "/indicator_types",
    );
}

#[test]
fn granular_markings() {
    let ok = json!([{"marking_ref": GREEN, "selectors": ["description", "external_references.[0].url"]}, {"lang": "de", "selectors": ["name"]}]);
    assert_valid(&with(indicator(), "granular_markings", ok));
    let both = json!([{"marking_ref": GREEN, "lang": "de", "selectors": ["name"]}]);
    assert_error_at(
        &with(indicator(), "granular_markings", both),
        "/granular_markings/0",
    );
    let bad_selector = json!([{"marking_ref": GREEN, "selectors": ["Name"]}]);
    assert_error_at(
        &with(indicator(), "granular_markings", bad_selector),
        "/granular_markings/0/selectors/0",
    );
    let bad_ref = json!([{"marking_ref": IDENTITY, "selectors": ["name"]}]);
    assert_error_at(
        &with(indicator(), "granular_markings", bad_ref),
        "/granular_markings/0/marking_ref",
    );
}

#[test]
fn extensions() {
    let def_ext = json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "property-extension", "rank": 5}});
    assert_valid(&with(indicator(), "extensions", def_ext));
    let no_type =
        json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"rank": 5}});
    assert_error_at(
        &with(indicator(), "extensions", no_type),
        "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
    );
    let bad_key = json!({"acme": {"x": 1}});
    assert_error_at(
        &with(indicator(), "extensions", bad_key),
        "/extensions/acme",
    );
    let ntfs = json!({"ntfs-ext": {"sid": "1-2-3"}});
    assert_valid(&with(file(), "extensions", ntfs.clone()));
    assert_error_at(
        &with(indicator(), "extensions", ntfs),
        "/extensions/ntfs-ext",
    );
    let empty_ntfs = json!({"ntfs-ext": {}});
    assert_error_at(
        &with(file(), "extensions", empty_ntfs),
        "/extensions/ntfs-ext",
    );
    let pe = json!({"windows-pebinary-ext": {"pe_type": "exe", "time_date_stamp": "2016-01-22T12:31:12.5Z"}});
    assert_error_at(
        &with(file(), "extensions", pe),
        "/extensions/windows-pebinary-ext/time_date_stamp",
    );
    let custom_ext = json!({"x-acme-ext": {"thing": 1}});
    let w = warnings(&with(file(), "extensions", custom_ext));
    assert!(w.iter().any(|w| w.contains("deprecated")), "{w:?}");
    // A toplevel-property-extension allows un-prefixed custom properties without a warning.
    let toplevel = with(
        with(
            indicator(),
            "extensions",
            json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "toplevel-property-extension"}}),
        ),
        "toxicity",
        json!(8),
    );
    assert!(warnings(&toplevel).is_empty());
}

#[test]
fn defanged_only_on_scos() {
    assert_valid(&with(file(), "defanged", json!(true)));
    assert_error_at(&with(indicator(), "defanged", json!(true)), "/defanged");
}

#[test]
fn scos_carry_no_versioning_unless_namespaced() {
    assert_error_at(
        &with(file(), "created_by_ref", json!(IDENTITY)),
        "/created_by_ref",
    );
    assert_error_at(&with(file(), "labels", json!(["x"])), "/labels");
    // A UUIDv4 id is not in the default namespace: versioning is allowed.
    let versioned = with(with(file(), "created", json!(T0)), "modified", json!(T1));
    assert_valid(&versioned);
    // The default-namespace deterministic id may not be versioned.
    let domain = phalanx_stix::build_sco(
        "domain-name",
        json!({"value": "example.com"}).as_object().unwrap().clone(),
    );
    let versioned = with(Value::Object(domain), "created", json!(T0));
    assert_error_at(&versioned, "/id");
}

#[test]
fn sco_specific_rules() {
    let nt = json!({"type": "network-traffic", "id": "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d", "protocols": ["tcp"], "src_ref": IPV4});
    assert_valid(&nt);
    assert_error_at(&with(nt.clone(), "src_ref", Value::Null), "");
    assert_error_at(&with(nt.clone(), "src_ref", json!(FILE)), "/src_ref");
    assert_error_at(&with(nt.clone(), "src_port", json!(65536)), "/src_port");
    let active_end = with(with(nt.clone(), "is_active", json!(true)), "end", json!(T0));
    assert_error_at(&active_end, "/end");
    let email = json!({"type": "email-message", "id": "email-message--cf9b4b7f-14c8-5955-8065-020e0316b559", "is_multipart": true, "body": "x"});
    assert_error_at(&email, "/body");
    let artifact = json!({"type": "artifact", "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641", "url": "https://x.example/a"});
    assert_error_at(&artifact, "/url");
    assert_error_at(&json!({"type": "file", "id": FILE, "size": 3}), "");
    assert_error_at(
        &json!({"type": "process", "id": "process--f52a906a-0dfc-40bd-92f1-e7778ead38a9"}),
        "",
    );
    assert_valid(
        &json!({"type": "process", "id": "process--f52a906a-0dfc-40bd-92f1-e7778ead38a9", "pid": 1}),
    );
    let hashes = with(file(), "hashes", json!({"MD5": "zzzz"}));
    assert_error_at(&hashes, "/hashes/MD5");
}

#[test]
fn location_and_malware_rules() {
    let loc = json!({"type": "location", "spec_version": "2.1", "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", "created": T0, "modified": T0, "country": "ee"});
    assert_valid(&loc);
    assert_error_at(&with(loc.clone(), "country", Value::Null), "");
    assert_error_at(&with(loc.clone(), "latitude", json!(91.0)), "/latitude");
    assert_error_at(&with(loc.clone(), "latitude", json!(45.0)), "/latitude");
    let mal = json!({"type": "malware", "spec_version": "2.1", "id": MALWARE, "created": T0, "modified": T0, "is_family": true});
    assert_error_at(&mal, "");
    assert_valid(&with(mal, "name", json!("Cryptolocker")));
}

#[test]
fn open_vocabularies_only_warn() {
    let v = with(
        indicator(),
        "indicator_types",
        json!(["malicious-activity", "acme-special"]),
    );
    let w = warnings(&v);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].starts_with("/indicator_types/1"));
    let opinion = json!({"type": "opinion", "spec_version": "2.1", "id": "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7", "created": T0, "modified": T0, "opinion": "meh", "object_refs": [INDICATOR]});
    assert_error_at(&opinion, "/opinion");
}

#[test]
fn custom_object_types() {
    let custom = json!({"type": "x-acme-widget", "spec_version": "2.1", "id": "x-acme-widget--4527e5de-8572-446a-a57a-706f15467461", "created": T0, "modified": T0, "color": "red"});
    let s = validate(&custom).unwrap();
    assert_eq!(s.kind, ObjectKind::Custom);
    assert_eq!(s.warnings.len(), 1);
    assert!(s.warnings[0].message.contains("custom object"));
    assert_error_at(
        &with(custom.clone(), "confidence", json!(200)),
        "/confidence",
    );
    assert_error_at(&with(custom, "id", json!("x-acme-widget--nope")), "/id");
}

#[test]
fn marking_definitions() {
    for tlp in phalanx_stix::Tlp::ALL {
        assert_valid(&Value::Object(tlp.marking_definition()));
    }
    let statement = json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--3a5d8b0c-0f1c-4b6c-9b8a-2f6a8e4f0e11", "created": T0, "definition_type": "statement", "definition": {"statement": "Copyright ACME"}});
    assert_valid(&statement);
    assert_error_at(&with(statement.clone(), "modified", json!(T0)), "/modified");
    assert_error_at(
        &with(statement.clone(), "definition", json!({"text": "x"})),
        "/definition",
    );
    assert_error_at(
        &with(statement.clone(), "definition_type", json!("tlp")),
        "/definition",
    );
    let fake_tlp = with(
        with(statement.clone(), "definition_type", json!("tlp")),
        "definition",
        json!({"tlp": "red"}),
    );
    assert_error_at(&fake_tlp, "/id");
    assert_error_at(
        &with(statement, "definition", Value::Null),
        "/definition_type",
    );
    let mut bad_tlp2 = phalanx_stix::Tlp::Red.marking_definition();
    bad_tlp2["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] =
        json!("purple");
    assert_error_at(
        &Value::Object(bad_tlp2),
        "/extensions/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d/tlp_2_0",
    );
}

#[test]
fn extension_definitions() {
    let ext = json!({"type": "extension-definition", "spec_version": "2.1", "id": "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e", "created_by_ref": IDENTITY, "created": T0, "modified": T0, "name": "acme", "schema": "https://acme.example/schema.json", "version": "1.0", "extension_types": ["property-extension"]});
    assert_valid(&ext);
    assert_error_at(&with(ext.clone(), "created_by_ref", Value::Null), "");
    assert_error_at(
        &with(ext.clone(), "extension_types", json!(["new-thing"])),
        "/extension_types/0",
    );
    assert_error_at(
        &with(ext.clone(), "extension_properties", json!(["toxicity"])),
        "/extension_properties",
    );
    let toplevel = with(
        with(
            ext,
            "extension_types",
            json!(["toplevel-property-extension"]),
        ),
        "extension_properties",
        json!(["toxicity"]),
    );
    assert_valid(&toplevel);
}

#[test]
fn problems_display_what_and_where() {
    let problems = validate(&with(indicator(), "confidence", json!(101))).unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "error at /confidence: 101 is above the maximum 100"
    );
}
