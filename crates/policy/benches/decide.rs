//! Cost of a decision, next to floors measured in the same run: serialising
//! the same objects (what federation does anyway before sending) and, for
//! the PII batch, validating them (what the rewrite does to every changed
//! object).
//!
//! Run: `CARGO_TARGET_DIR=/work/target-policy cargo bench -p phalanx-policy`
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phalanx_policy::{
    BatchItem, DecisionContext, EmailRule, IdentityId, Nation, NodeContext, NodeIdentity,
    PeerPolicy, PiiAction, PiiRules, Provenance, PseudonymKey, Role, SharingDefaults, Trust,
    decide, decide_batch,
};
use phalanx_stix::Tlp;
use serde_json::{Map, Value, json};

const NODE: &str = "identity--0a0a0a0a-0000-4000-8000-000000000001";
const PEER: &str = "identity--00000000-0000-4000-8000-000000000050";

fn indicator(i: usize) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{i:012}"),
        "created_by_ref": NODE,
        "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
        "name": format!("C2 domain {i}"),
        "description": "Command-and-control domain seen in a phishing campaign against ministries.",
        "pattern": format!("[domain-name:value = 'c2-{i}.bad.example']"), "pattern_type": "stix",
        "valid_from": "2024-05-01T10:00:00Z", "confidence": 80, "labels": ["phishing"],
        "object_marking_refs": [Tlp::Green.marking_id()],
    })
}

fn sco(object_type: &str, props: Value) -> Value {
    let mut o = phalanx_stix::build_sco(
        object_type,
        props.as_object().cloned().unwrap_or_else(Map::new),
    );
    o.insert(
        "object_marking_refs".into(),
        json!([Tlp::Clear.marking_id()]),
    );
    Value::Object(o)
}

/// 50 objects: 20 indicators, and 30 observables and observed-data of which
/// a third carry personal data.
fn batch() -> Vec<Value> {
    let mut out: Vec<Value> = (0..20).map(indicator).collect();
    for i in 0..10 {
        let ip = sco("ipv4-addr", json!({"value": format!("10.0.{i}.1")}));
        let ext = sco("ipv4-addr", json!({"value": format!("203.0.113.{i}")}));
        let mail = sco(
            "email-addr",
            json!({"value": format!("user{i}@ministry.example")}),
        );
        out.push(ip);
        out.push(ext);
        out.push(mail);
    }
    out
}

fn benches(c: &mut Criterion) {
    let identity = NodeIdentity {
        id: IdentityId::parse(NODE).unwrap(),
        name: "bench".into(),
        nation: Nation::parse("EE").unwrap(),
        role: Role::NationalCsirt,
        sectors: Vec::new(),
        represents: Vec::new(),
    };
    let key = PseudonymKey::new(&[7; 32]).unwrap();
    let plain = SharingDefaults::default();
    let with_pii = SharingDefaults {
        pii: PiiRules {
            emails: EmailRule {
                action: PiiAction::Pseudonymise,
                domains: vec!["ministry.example".into()],
            },
            user_accounts: PiiAction::Pseudonymise,
            internal_ranges: vec!["10.0.0.0/8".parse().unwrap()],
            internal_addresses: PiiAction::Pseudonymise,
        },
        pseudonym_key_ref: Some("env:KEY".into()),
        ..SharingDefaults::default()
    };
    let peer = PeerPolicy::new(
        "peer",
        IdentityId::parse(PEER).unwrap(),
        Role::NationalCsirt,
        Trust::Member,
    );
    let here = Provenance::created_here();

    let mut group = c.benchmark_group("policy");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);

    let one = indicator(1);
    group.throughput(Throughput::Elements(1));
    group.bench_function("floor: serialise one indicator", |b| {
        b.iter(|| serde_json::to_vec(black_box(&one)).unwrap())
    });
    let ctx = DecisionContext {
        node: NodeContext {
            identity: &identity,
            defaults: &plain,
            key: &key,
        },
        provenance: &here,
    };
    group.bench_function("decide one indicator, no PII rules", |b| {
        b.iter(|| decide(&ctx, &peer, black_box(&one)))
    });
    let ctx = DecisionContext {
        node: NodeContext {
            identity: &identity,
            defaults: &with_pii,
            key: &key,
        },
        provenance: &here,
    };
    group.bench_function("decide one indicator, PII rules on", |b| {
        b.iter(|| decide(&ctx, &peer, black_box(&one)))
    });

    let objects = batch();
    let items: Vec<BatchItem<'_>> = objects
        .iter()
        .map(|o| BatchItem {
            object: o,
            provenance: &here,
        })
        .collect();
    group.throughput(Throughput::Elements(objects.len() as u64));
    group.bench_function("floor: serialise and validate 50 objects", |b| {
        b.iter(|| {
            for o in black_box(&objects) {
                black_box(serde_json::to_vec(o).unwrap());
                black_box(phalanx_stix::validate(o).is_ok());
            }
        })
    });
    let node = NodeContext {
        identity: &identity,
        defaults: &with_pii,
        key: &key,
    };
    group.bench_function("decide_batch 50 objects, PII rules on", |b| {
        b.iter(|| decide_batch(&node, &peer, black_box(&items)))
    });
    group.finish();
}

criterion_group!(policy, benches);
criterion_main!(policy);
