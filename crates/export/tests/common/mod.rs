//! A small fixture: one indicator of each interesting shape.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::{Value, json};

/// 2025-06-01T00:00:00Z: after every `valid_from` of the fixture, before every `valid_until`
/// except the expired one's.
pub fn now() -> jiff::Timestamp {
    "2025-06-01T00:00:00Z".parse().unwrap()
}

pub const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

pub fn indicator(n: u32, name: &str, pattern: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": name,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z",
    })
}

pub fn id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

/// The fixture, in this order:
/// 1. an IPv4 address OR a domain (TLP:AMBER, valid until 2030, with a reference URL);
/// 2. an http URL whose path and name need escaping;
/// 3. a file SHA-256 (upper case);
/// 4. a /24 at the destination end of network traffic;
/// 5. a domain suffix (LIKE);
/// 6. a FOLLOWEDBY (never expressible);
/// 7. revoked;
/// 8. expired (both inactive);
/// 9. a certificate SHA-1;
/// 10. an email address;
///
/// and last an identity, which is ignored.
pub fn fixture() -> Vec<Value> {
    let mut first = indicator(
        1,
        "C2 server",
        "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'C2.Example']",
    );
    first["object_marking_refs"] = json!([TLP_AMBER]);
    first["valid_until"] = json!("2030-01-01T00:00:00Z");
    first["external_references"] =
        json!([{"source_name": "report", "url": "https://intel.example/r/1"}]);
    let mut revoked = indicator(7, "revoked", "[ipv4-addr:value = '192.0.2.1']");
    revoked["revoked"] = json!(true);
    let mut expired = indicator(8, "expired", "[ipv4-addr:value = '192.0.2.2']");
    expired["valid_until"] = json!("2025-02-01T00:00:00Z");
    vec![
        first,
        indicator(
            2,
            "Dropper \"x\"; v2\twith tab",
            "[url:value = 'http://dl.example/a;b.php?x=1']",
        ),
        indicator(
            3,
            "payload",
            &format!("[file:hashes.'SHA-256' = '{}']", "AB".repeat(32)),
        ),
        indicator(
            4,
            "scanner net",
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']",
        ),
        indicator(
            5,
            "phishing kit",
            "[domain-name:value LIKE '%.evil.example']",
        ),
        indicator(
            6,
            "sequence",
            "[ipv4-addr:value = '192.0.2.9'] FOLLOWEDBY [domain-name:value = 'x.example']",
        ),
        revoked,
        expired,
        indicator(
            9,
            "bad cert",
            &format!("[x509-certificate:hashes.'SHA-1' = '{}']", "0F".repeat(20)),
        ),
        indicator(10, "phisher", "[email-addr:value = 'Boss@Corp.Example']"),
        json!({"type": "identity", "spec_version": "2.1", "id": "identity--00000000-0000-4000-8000-000000000001",
               "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z", "name": "x"}),
    ]
}
