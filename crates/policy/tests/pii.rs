//! PII minimisation on a realistic batch: pseudonyms, drops, indicators,
//! recomputed SCO ids, consistent references, no raw value in the bytes,
//! valid STIX out.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use phalanx_policy::{
    BatchItem, Decision, Form, IdMapping, NodeContext, PiiAction, PiiRules, Provenance, Role,
    RuleId, SharingDefaults, Trust, decide_batch,
};
use phalanx_stix::Tlp;
use serde_json::{Value, json};

const PEER: u32 = 50;

/// Raw values that must never leave.
const RAW: &[&str] = &[
    "10.20.30.40",
    "fd12:3456::42",
    "fd12:3456:0::42",
    "Jane.Doe@ministry.example",
    "Jane.Doe@MINISTRY.example",
    "Jane Doe",
    "jdoe42",
    "JDOE42-admin",
    "Jane Q Doe",
];

struct Batch {
    objects: Vec<Value>,
}

impl Batch {
    fn get(&self, i: usize) -> &Value {
        &self.objects[i]
    }
}

const IP_INT: usize = 0;
const IP_EXT: usize = 1;
const IP6_INT: usize = 2;
const MAIL_VICTIM: usize = 3;
const MAIL_OTHER: usize = 4;
const ACCOUNT: usize = 5;
const TRAFFIC: usize = 6;
const MESSAGE: usize = 7;
const OBSERVED: usize = 8;
const NOTE: usize = 9;
const IND_INTERNAL: usize = 10;
const IND_ACCOUNT: usize = 11;
const IND_OK: usize = 12;
const OBSERVED_IP_ONLY: usize = 13;

fn clear(mut o: Value) -> Value {
    o["object_marking_refs"] = json!([Tlp::Clear.marking_id()]);
    o
}

fn sdo(object_type: &str, n: u32, props: Value) -> Value {
    let mut o = json!({
        "type": object_type, "spec_version": "2.1", "id": sdo_id(object_type, n),
        "created_by_ref": NODE,
        "created": "2024-05-03T09:00:00.000Z", "modified": "2024-05-03T09:00:00.000Z",
    });
    for (k, v) in props.as_object().unwrap() {
        o[k] = v.clone();
    }
    clear(o)
}

fn batch() -> Batch {
    let ip_int = clear(sco("ipv4-addr", json!({"value": "10.20.30.40"})));
    let ip_ext = clear(sco("ipv4-addr", json!({"value": "203.0.113.9"})));
    let ip6_int = clear(sco("ipv6-addr", json!({"value": "fd12:3456::42"})));
    let mail_victim = clear(sco(
        "email-addr",
        json!({"value": "Jane.Doe@ministry.example", "display_name": "Jane Doe"}),
    ));
    let mail_other = clear(sco("email-addr", json!({"value": "attacker@evil.example"})));
    let account = clear(sco(
        "user-account",
        json!({
            "user_id": "jdoe42", "account_login": "JDOE42-admin", "display_name": "Jane Q Doe",
            "account_type": "windows-domain",
            "extensions": {"unix-account-ext": {"home_dir": "/home/jdoe42"}}
        }),
    ));
    let traffic = clear(sco(
        "network-traffic",
        json!({
            "src_ref": ip_int["id"], "dst_ref": ip_ext["id"], "protocols": ["tcp"], "dst_port": 443
        }),
    ));
    let message = clear(sco(
        "email-message",
        json!({
            "is_multipart": false, "from_ref": mail_other["id"], "to_refs": [mail_victim["id"]],
            "subject": "Invoice for Jane.Doe@ministry.example",
            "body": "Dear Jane Doe, open the attachment. Sent via 10.20.30.40."
        }),
    ));
    let observed = sdo(
        "observed-data",
        8,
        json!({
            "first_observed": "2024-05-03T08:00:00Z", "last_observed": "2024-05-03T08:05:00Z",
            "number_observed": 1,
            "object_refs": [ip_int["id"], ip6_int["id"], traffic["id"], account["id"], message["id"]]
        }),
    );
    let note = sdo(
        "note",
        9,
        json!({
            "abstract": "Login of jdoe42",
            "content": format!("jdoe42 logged in from 10.20.30.40 and fd12:3456:0::42; contact Jane.Doe@MINISTRY.example. SCO {}.", ip_int["id"].as_str().unwrap()),
            "object_refs": [observed["id"]],
            "external_references": [{"source_name": "ticket", "url": "http://10.20.30.40/ticket/1", "description": "ticket by Jane Q Doe"}],
            "x_phalanx_internal": {"host": "10.20.30.40", "owner": "JDOE42-admin", "jdoe42": true}
        }),
    );
    let ind = |n: u32, pattern: &str| {
        sdo(
            "indicator",
            n,
            json!({
                "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-05-03T09:00:00Z"
            }),
        )
    };
    let observed_ip_only = sdo(
        "observed-data",
        14,
        json!({
            "first_observed": "2024-05-03T08:00:00Z", "last_observed": "2024-05-03T08:05:00Z",
            "number_observed": 1, "object_refs": [ip_int["id"]]
        }),
    );
    Batch {
        objects: vec![
            ip_int,
            ip_ext,
            ip6_int,
            mail_victim,
            mail_other,
            account,
            traffic,
            message,
            observed,
            note,
            ind(10, "[ipv4-addr:value = '10.20.30.40']"),
            ind(11, "[user-account:user_id = 'someone-else']"),
            ind(12, "[ipv4-addr:value = '203.0.113.9']"),
            observed_ip_only,
        ],
    }
}

fn run(batch: &Batch, pii: PiiRules) -> (Vec<Decision>, phalanx_policy::IdMap) {
    let identity = node(Role::NationalCsirt);
    let defaults = defaults_with(pii);
    let key = key();
    let node = NodeContext {
        identity: &identity,
        defaults: &defaults,
        key: &key,
    };
    let p = peer("p", &ident(PEER), Trust::External);
    let here = Provenance::created_here();
    let items: Vec<BatchItem<'_>> = batch
        .objects
        .iter()
        .map(|o| BatchItem {
            object: o,
            provenance: &here,
        })
        .collect();
    let out = decide_batch(&node, &p, &items);
    (out.decisions, out.id_map)
}

fn outputs(batch: &Batch, decisions: &[Decision]) -> Vec<Option<Value>> {
    decisions
        .iter()
        .zip(&batch.objects)
        .map(|(d, o)| sent(d, o))
        .collect()
}

fn assert_no_raw(outputs: &[Option<Value>], raw: &[&str]) {
    for o in outputs.iter().flatten() {
        let bytes = serde_json::to_string(o).unwrap();
        for r in raw {
            assert!(
                !bytes.to_lowercase().contains(&r.to_lowercase()),
                "{r} leaked in {bytes}"
            );
        }
    }
}

fn assert_references_resolve(outputs: &[Option<Value>], id_map: &phalanx_policy::IdMap) {
    let ids: BTreeSet<String> = outputs
        .iter()
        .flatten()
        .filter_map(|o| o["id"].as_str())
        .map(str::to_ascii_lowercase)
        .collect();
    for o in outputs.iter().flatten() {
        let mut refs = Vec::new();
        references(o, &mut refs);
        for r in refs {
            let r = r.to_ascii_lowercase();
            assert!(
                ids.contains(&r) || !id_map.contains_key(&r),
                "dangling rewritten ref {r} in {o}"
            );
        }
    }
}

#[test]
fn pseudonymise_everything_consistently() {
    let b = batch();
    for o in &b.objects {
        phalanx_stix::validate(o).unwrap_or_else(|p| panic!("fixture invalid: {p:?}\n{o}"));
    }
    let (decisions, id_map) = run(&b, pii_rules());
    let out = outputs(&b, &decisions);

    // Indicators whose pattern holds a covered value are withheld.
    assert_eq!(
        decisions[IND_INTERNAL].rule(),
        RuleId::PiiIndicatorPattern,
        "{}",
        decisions[IND_INTERNAL].explain()
    );
    assert!(!decisions[IND_INTERNAL].is_allowed());
    assert_eq!(decisions[IND_ACCOUNT].rule(), RuleId::PiiIndicatorPattern);
    assert_eq!(decisions[IND_OK].form(), Some(&Form::Unchanged));
    // External values and objects without personal data are unchanged.
    assert_eq!(decisions[IP_EXT].form(), Some(&Form::Unchanged));
    assert_eq!(decisions[MAIL_OTHER].form(), Some(&Form::Unchanged));

    for (i, d) in decisions.iter().enumerate() {
        if ![IND_INTERNAL, IND_ACCOUNT].contains(&i) {
            assert!(d.is_allowed(), "{i}: {}", d.explain());
        }
    }
    assert_no_raw(&out, RAW);
    // Old ids are hashes of the raw values: they must not leave either.
    for i in [IP_INT, IP6_INT, MAIL_VICTIM, ACCOUNT] {
        let old = b.get(i)["id"].as_str().unwrap();
        for o in out.iter().flatten() {
            assert!(
                !serde_json::to_string(o).unwrap().contains(old),
                "old id {old} in {o}"
            );
        }
        assert!(
            matches!(id_map.get(old), Some(IdMapping::Rewritten(_))),
            "{old}"
        );
    }
    assert_references_resolve(&out, &id_map);

    // Every output is valid STIX and every SCO carries its deterministic id.
    for o in out.iter().flatten() {
        phalanx_stix::validate(o).unwrap_or_else(|p| panic!("{p:?}\n{o}"));
        if let Some(det) = phalanx_stix::deterministic_id(o.as_object().unwrap()) {
            assert_eq!(o["id"].as_str().unwrap(), det, "{o}");
        }
    }

    // Tokens: in the documented ranges and formats, and one value gives one token.
    let ip = out[IP_INT].as_ref().unwrap();
    let token: std::net::Ipv4Addr = ip["value"].as_str().unwrap().parse().unwrap();
    assert_eq!(token.octets()[0] >> 4, 0xF, "{token}");
    let ip6 = out[IP6_INT].as_ref().unwrap();
    assert!(
        ip6["value"].as_str().unwrap().starts_with("2001:db8:"),
        "{ip6}"
    );
    let mail = out[MAIL_VICTIM].as_ref().unwrap();
    let mail_token = mail["value"].as_str().unwrap();
    assert!(
        mail_token.starts_with("pseudo-") && mail_token.ends_with("@redacted.invalid"),
        "{mail_token}"
    );
    let note = out[NOTE].as_ref().unwrap();
    let content = note["content"].as_str().unwrap();
    assert!(content.contains(&token.to_string()), "{content}");
    assert!(
        content.contains(ip6["value"].as_str().unwrap()),
        "{content}"
    );
    assert!(content.contains(mail_token), "{content}");
    assert!(
        content.contains(ip["id"].as_str().unwrap()),
        "old id in text points at the new one: {content}"
    );
    assert_eq!(
        note["external_references"][0]["url"],
        json!(format!("http://{token}/ticket/1"))
    );
    let account = out[ACCOUNT].as_ref().unwrap();
    assert!(
        note["x_phalanx_internal"]
            .get(account["user_id"].as_str().unwrap())
            .is_some(),
        "{note}"
    );

    // References follow the new ids.
    let traffic = out[TRAFFIC].as_ref().unwrap();
    assert_eq!(traffic["src_ref"], ip["id"]);
    assert_eq!(traffic["dst_ref"], b.get(IP_EXT)["id"]);
    assert_ne!(
        traffic["id"],
        b.get(TRAFFIC)["id"],
        "network-traffic id depends on src_ref"
    );
    let message = out[MESSAGE].as_ref().unwrap();
    assert_eq!(message["to_refs"], json!([mail["id"]]));
    let observed = out[OBSERVED].as_ref().unwrap();
    assert_eq!(
        observed["object_refs"],
        json!([
            ip["id"],
            ip6["id"],
            traffic["id"],
            account["id"],
            message["id"]
        ])
    );
    // The redactions name what changed, never the values.
    let redactions = decisions[TRAFFIC].redactions();
    assert!(redactions.iter().any(|r| r.path == "/src_ref"));
    assert!(
        redactions
            .iter()
            .any(|r| matches!(&r.kind, phalanx_policy::RedactionKind::IdRewritten { .. }))
    );
    for d in &decisions {
        let text = d.explain();
        for r in RAW {
            assert!(!text.contains(r), "explanation leaks {r}: {text}");
        }
    }
}

#[test]
fn decisions_are_deterministic() {
    let b = batch();
    let (a, map_a) = run(&b, pii_rules());
    let (c, map_c) = run(&b, pii_rules());
    assert_eq!(a, c);
    assert_eq!(map_a, map_c);
}

#[test]
fn drop_withholds_the_carriers_and_prunes_references() {
    let b = batch();
    let rules = PiiRules {
        emails: phalanx_policy::EmailRule {
            action: PiiAction::Drop,
            domains: vec![],
        },
        user_accounts: PiiAction::Drop,
        internal_addresses: PiiAction::Drop,
        ..pii_rules()
    };
    let (decisions, id_map) = run(&b, rules);
    let out = outputs(&b, &decisions);
    for i in [IP_INT, IP6_INT, MAIL_VICTIM, MAIL_OTHER, ACCOUNT] {
        assert_eq!(
            (decisions[i].is_allowed(), decisions[i].rule()),
            (false, RuleId::PiiDrop),
            "{i}"
        );
    }
    assert_eq!(
        id_map.get(b.get(IP_INT)["id"].as_str().unwrap()),
        Some(&IdMapping::Withheld)
    );
    // An observed-data whose only reference was dropped is withheld with it.
    assert_eq!(
        decisions[OBSERVED_IP_ONLY].rule(),
        RuleId::PiiRequiredReference
    );
    // Optional references are pruned; required lists keep what is left.
    let traffic = out[TRAFFIC].as_ref().unwrap();
    assert!(traffic.get("src_ref").is_none());
    let message = out[MESSAGE].as_ref().unwrap();
    assert!(
        message.get("from_ref").is_none() && message.get("to_refs").is_none(),
        "{message}"
    );
    let observed = out[OBSERVED].as_ref().unwrap();
    assert_eq!(
        observed["object_refs"],
        json!([traffic["id"], message["id"]])
    );
    // Text gets fixed placeholders.
    let content = out[NOTE].as_ref().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        content.contains("240.0.0.0")
            && content.contains("redacted@redacted.invalid")
            && content.contains("[redacted]"),
        "{content}"
    );
    assert!(content.contains("[withheld]"), "{content}");
    let mut raw = RAW.to_vec();
    raw.push("attacker@evil.example");
    assert_no_raw(&out, &raw);
    assert_references_resolve(&out, &id_map);
    for o in out.iter().flatten() {
        phalanx_stix::validate(o).unwrap_or_else(|p| panic!("{p:?}\n{o}"));
    }
}

#[test]
fn keep_rules_change_nothing() {
    let b = batch();
    let (decisions, id_map) = run(&b, PiiRules::default());
    assert!(id_map.is_empty());
    for d in &decisions {
        assert!(d.is_allowed());
        assert_eq!(d.form(), Some(&Form::Unchanged));
    }
}

#[test]
fn a_single_decision_applies_pii_too() {
    let b = batch();
    let identity = node(Role::NationalCsirt);
    let defaults = defaults_with(pii_rules());
    let p = peer("p", &ident(PEER), Trust::External);
    let d = decide_with(
        &identity,
        &defaults,
        &Provenance::created_here(),
        &p,
        b.get(NOTE),
    );
    let out = sent(&d, b.get(NOTE)).unwrap();
    let bytes = serde_json::to_string(&out).unwrap();
    // Without the batch the user-account names are unknown, but detected
    // addresses are still replaced.
    assert!(
        !bytes.contains("10.20.30.40")
            && !bytes.to_lowercase().contains("jane.doe@ministry.example"),
        "{bytes}"
    );
    let d = decide_with(
        &identity,
        &defaults,
        &Provenance::created_here(),
        &p,
        b.get(IND_INTERNAL),
    );
    assert_eq!(d.rule(), RuleId::PiiIndicatorPattern);
    // Non-STIX patterns are scanned as text.
    let snort = {
        let mut o = b.get(IND_OK).clone();
        o["pattern"] = json!("alert tcp 10.20.30.40 any -> any any (msg:\"x\";)");
        o["pattern_type"] = json!("snort");
        o
    };
    let d = decide_with(
        &identity,
        &defaults,
        &Provenance::created_here(),
        &p,
        &snort,
    );
    assert_eq!(d.rule(), RuleId::PiiIndicatorPattern);
    let _ = SharingDefaults::default();
}

#[test]
fn a_rewrite_that_breaks_validity_withholds_the_object() {
    // An account called "neutral" is replaced everywhere, including in an
    // opinion's closed vocabulary, which then fails validation.
    let account = clear(sco(
        "user-account",
        json!({"user_id": "neutral", "account_type": "unix"}),
    ));
    let opinion = sdo(
        "opinion",
        20,
        json!({"opinion": "neutral", "object_refs": [sdo_id("note", 9)]}),
    );
    phalanx_stix::validate(&opinion).unwrap();
    let identity = node(Role::NationalCsirt);
    let defaults = defaults_with(pii_rules());
    let key = key();
    let ctx = NodeContext {
        identity: &identity,
        defaults: &defaults,
        key: &key,
    };
    let rewritten = phalanx_policy::rewrite_batch(&ctx, &[account.clone(), opinion]);
    let objects = rewritten.objects();
    assert_eq!(objects.len(), 1);
    assert_ne!(objects[0]["id"], account["id"]);
    assert!(
        matches!(
            &rewritten.items[1],
            phalanx_policy::RewrittenItem::Withheld { rule: RuleId::PiiInvalidResult, reason } if reason.contains("/opinion")
        ),
        "{:?}",
        rewritten.items[1]
    );
}
