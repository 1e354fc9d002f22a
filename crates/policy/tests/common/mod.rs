//! Fixtures shared by the integration tests.
#![allow(clippy::unwrap_used, dead_code)]

use phalanx_policy::{
    Decision, DecisionContext, EmailRule, IdentityId, Nation, NodeContext, NodeIdentity,
    PeerPolicy, PiiAction, PiiRules, Provenance, PseudonymKey, Role, SharingDefaults, Trust,
    decide,
};
use phalanx_stix::Tlp;
use serde_json::{Map, Value, json};

/// This node's identity.
pub const NODE: &str = "identity--0a0a0a0a-0000-4000-8000-000000000001";

/// A deterministic identity id for small numbers.
pub fn ident(n: u32) -> String {
    format!("identity--00000000-0000-4000-8000-{n:012}")
}

/// A deterministic id of `object_type` for small numbers.
pub fn sdo_id(object_type: &str, n: u32) -> String {
    format!("{object_type}--00000000-0000-4000-8000-{n:012}")
}

pub fn node(role: Role) -> NodeIdentity {
    NodeIdentity {
        id: IdentityId::parse(NODE).unwrap(),
        name: "CERT-TEST".into(),
        nation: Nation::parse("EE").unwrap(),
        role,
        sectors: Vec::new(),
        represents: Vec::new(),
    }
}

pub fn peer(name: &str, identity: &str, trust: Trust) -> PeerPolicy {
    PeerPolicy::new(
        name,
        IdentityId::parse(identity).unwrap(),
        Role::NationalCsirt,
        trust,
    )
}

pub fn key() -> PseudonymKey {
    PseudonymKey::new(b"test key: 32 bytes of not-random").unwrap()
}

pub fn pii_rules() -> PiiRules {
    PiiRules {
        emails: EmailRule {
            action: PiiAction::Pseudonymise,
            domains: vec!["ministry.example".into()],
        },
        user_accounts: PiiAction::Pseudonymise,
        internal_ranges: vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
        internal_addresses: PiiAction::Pseudonymise,
    }
}

pub fn defaults_with(pii: PiiRules) -> SharingDefaults {
    SharingDefaults {
        pii,
        pseudonym_key_ref: Some("env:TEST".into()),
        ..SharingDefaults::default()
    }
}

/// Decides with a fresh context.
pub fn decide_with(
    node: &NodeIdentity,
    defaults: &SharingDefaults,
    provenance: &Provenance,
    peer: &PeerPolicy,
    object: &Value,
) -> Decision {
    let key = key();
    let ctx = DecisionContext {
        node: NodeContext {
            identity: node,
            defaults,
            key: &key,
        },
        provenance,
    };
    decide(&ctx, peer, object)
}

/// A valid indicator created by `created_by`, marked `tlp` (none: unmarked).
pub fn indicator(created_by: Option<&str>, tlp: Option<Tlp>) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": sdo_id("indicator", 1),
        "created": "2024-05-01T10:00:00.000Z",
        "modified": "2024-05-01T10:00:00.000Z",
        "name": "C2 domain",
        "pattern": "[domain-name:value = 'c2.bad.example']",
        "pattern_type": "stix",
        "valid_from": "2024-05-01T10:00:00Z",
        "indicator_types": ["malicious-activity"],
        "confidence": 80,
    });
    let m = o.as_object_mut().unwrap();
    if let Some(by) = created_by {
        m.insert("created_by_ref".into(), json!(by));
    }
    if let Some(tlp) = tlp {
        m.insert("object_marking_refs".into(), json!([tlp.marking_id()]));
    }
    o
}

/// Sets a property.
pub fn with(mut object: Value, key: &str, value: Value) -> Value {
    if let Some(m) = object.as_object_mut() {
        m.insert(key.to_string(), value);
    }
    object
}

/// An SCO built by phalanx-stix (canonical values, deterministic id).
pub fn sco(object_type: &str, props: Value) -> Value {
    let props: Map<String, Value> = props.as_object().cloned().unwrap();
    Value::Object(phalanx_stix::build_sco(object_type, props))
}

/// Every `*_ref` / `*_refs` string value in `value`, at any depth.
pub fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                if k.ends_with("_ref") || k.ends_with("_refs") {
                    match v {
                        Value::String(s) => out.push(s.clone()),
                        Value::Array(items) => {
                            out.extend(items.iter().filter_map(Value::as_str).map(String::from))
                        }
                        _ => {}
                    }
                } else {
                    references(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The object as it would leave: the redacted form or the original.
pub fn sent(decision: &Decision, original: &Value) -> Option<Value> {
    match decision.form()? {
        phalanx_policy::Form::Unchanged => Some(original.clone()),
        phalanx_policy::Form::Redacted(v, _) => Some(v.clone()),
    }
}
