//! Loop prevention, every per-peer rule, their order, and the explanation.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use phalanx_policy::{
    IdentityId, Provenance, Role, RuleId, SECTORS_PROPERTY, SharingDefaults, Trust, WhenMissing,
};
use phalanx_stix::Tlp;
use serde_json::json;

const PEER: u32 = 50;

fn clear_here() -> (phalanx_policy::NodeIdentity, SharingDefaults, Provenance) {
    (
        node(Role::Hub),
        SharingDefaults::default(),
        Provenance::created_here(),
    )
}

#[test]
fn a_node_never_sends_to_itself() {
    let (node, defaults, here) = clear_here();
    let me = peer("me", NODE, Trust::Member);
    let d = decide_with(
        &node,
        &defaults,
        &here,
        &me,
        &indicator(Some(NODE), Some(Tlp::Clear)),
    );
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::LoopSelf));
}

#[test]
fn never_back_to_the_origin_a_hop_or_the_sender() {
    let (node, defaults, _) = clear_here();
    let p = peer("p", &ident(PEER), Trust::Member);
    let clear = |by: &str| indicator(Some(by), Some(Tlp::Clear));

    let d = decide_with(
        &node,
        &defaults,
        &Provenance::received(&ident(2), vec![]),
        &p,
        &clear(&ident(PEER)),
    );
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::LoopOrigin));

    let via_peer = Provenance::received(&ident(2), vec![ident(1), ident(PEER), ident(2)]);
    let d = decide_with(&node, &defaults, &via_peer, &p, &clear(&ident(1)));
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::LoopProvenance));
    assert!(d.explain().contains("hop 2"), "{}", d.explain());

    let from_peer = Provenance::received(&ident(PEER), vec![ident(1)]);
    let d = decide_with(&node, &defaults, &from_peer, &p, &clear(&ident(1)));
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::LoopSender));

    // Case of the hex digits does not matter.
    let upper = Provenance::received(
        &ident(PEER)
            .to_ascii_uppercase()
            .replace("IDENTITY", "identity"),
        vec![],
    );
    let d = decide_with(&node, &defaults, &upper, &p, &clear(&ident(1)));
    assert_eq!(d.rule(), RuleId::LoopSender);

    let elsewhere = Provenance::received(&ident(2), vec![ident(1), ident(2)]);
    assert!(decide_with(&node, &defaults, &elsewhere, &p, &clear(&ident(1))).is_allowed());
}

#[test]
fn loops_are_checked_before_tlp() {
    // Even CLEAR does not go back to its sender.
    let (node, defaults, _) = clear_here();
    let p = peer("p", &ident(PEER), Trust::External);
    let d = decide_with(
        &node,
        &defaults,
        &Provenance::received(&ident(PEER), vec![]),
        &p,
        &indicator(Some(&ident(1)), Some(Tlp::Clear)),
    );
    assert_eq!(d.rule(), RuleId::LoopSender);
}

fn allowed_rule(p: &phalanx_policy::PeerPolicy, object: &serde_json::Value) -> (bool, RuleId) {
    let (node, defaults, here) = clear_here();
    let d = decide_with(&node, &defaults, &here, p, object);
    (d.is_allowed(), d.rule())
}

#[test]
fn originator_lists() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    let object = indicator(Some(NODE), Some(Tlp::Clear));
    p.originators_denied = vec![IdentityId::parse(NODE).unwrap()];
    assert_eq!(
        allowed_rule(&p, &object),
        (false, RuleId::PeerOriginatorsDenied)
    );
    p.originators_denied = vec![IdentityId::parse(&ident(9)).unwrap()];
    assert_eq!(allowed_rule(&p, &object), (true, RuleId::TlpClear));
    p.originators_allowed = vec![IdentityId::parse(&ident(9)).unwrap()];
    assert_eq!(
        allowed_rule(&p, &object),
        (false, RuleId::PeerOriginatorsAllowed)
    );
    p.originators_allowed.push(IdentityId::parse(NODE).unwrap());
    assert_eq!(allowed_rule(&p, &object), (true, RuleId::TlpClear));
}

#[test]
fn labels_denied_and_required() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    let object = with(
        indicator(Some(NODE), Some(Tlp::Clear)),
        "labels",
        json!(["exercise", "apt"]),
    );
    p.labels_denied = vec!["exercise".into()];
    assert_eq!(allowed_rule(&p, &object), (false, RuleId::PeerLabelsDenied));
    p.labels_denied = vec!["other".into()];
    p.labels_required = vec!["apt".into(), "vetted".into()];
    assert_eq!(
        allowed_rule(&p, &object),
        (false, RuleId::PeerLabelsRequired)
    );
    p.labels_required = vec!["apt".into()];
    assert_eq!(allowed_rule(&p, &object), (true, RuleId::TlpClear));
}

#[test]
fn allowed_types() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    let object = indicator(Some(NODE), Some(Tlp::Clear));
    p.allowed_types = vec!["malware".into()];
    assert_eq!(allowed_rule(&p, &object), (false, RuleId::PeerAllowedTypes));
    p.allowed_types.push("indicator".into());
    assert_eq!(allowed_rule(&p, &object), (true, RuleId::TlpClear));
}

#[test]
fn minimum_confidence() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    let object = indicator(Some(NODE), Some(Tlp::Clear)); // confidence 80
    p.min_confidence = Some(81);
    assert_eq!(
        allowed_rule(&p, &object),
        (false, RuleId::PeerMinConfidence)
    );
    p.min_confidence = Some(80);
    assert_eq!(allowed_rule(&p, &object), (true, RuleId::TlpClear));

    let mut unspecified = object.clone();
    unspecified.as_object_mut().unwrap().remove("confidence");
    assert_eq!(allowed_rule(&p, &unspecified), (true, RuleId::TlpClear));
    p.without_confidence = WhenMissing::Deny;
    assert_eq!(
        allowed_rule(&p, &unspecified),
        (false, RuleId::PeerMinConfidence)
    );

    // SCOs carry no confidence: the rule does not apply to them.
    let ip = with(
        sco("ipv4-addr", json!({"value": "198.51.100.7"})),
        "object_marking_refs",
        json!([Tlp::Clear.marking_id()]),
    );
    assert_eq!(allowed_rule(&p, &ip), (true, RuleId::TlpClear));
}

#[test]
fn sectors() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    p.sectors = vec!["energy".into(), "water".into()];
    let base = indicator(Some(NODE), Some(Tlp::Clear));
    let finance = with(base.clone(), SECTORS_PROPERTY, json!(["finance"]));
    assert_eq!(allowed_rule(&p, &finance), (false, RuleId::PeerSectors));
    let energy = with(base.clone(), SECTORS_PROPERTY, json!(["finance", "energy"]));
    assert_eq!(allowed_rule(&p, &energy), (true, RuleId::TlpClear));
    assert_eq!(allowed_rule(&p, &base), (true, RuleId::TlpClear));
    p.without_sectors = WhenMissing::Deny;
    assert_eq!(allowed_rule(&p, &base), (false, RuleId::PeerSectors));

    // An identity's own `sectors` count.
    let identity = json!({
        "type": "identity", "spec_version": "2.1", "id": ident(77),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": "Grid operator", "identity_class": "organization", "sectors": ["energy"],
        "object_marking_refs": [Tlp::Clear.marking_id()],
    });
    assert_eq!(allowed_rule(&p, &identity), (true, RuleId::TlpClear));
}

#[test]
fn deny_lists_come_before_restrictions() {
    let mut p = peer("p", &ident(PEER), Trust::Member);
    p.labels_denied = vec!["exercise".into()];
    p.allowed_types = vec!["malware".into()];
    p.min_confidence = Some(99);
    let object = with(
        indicator(Some(NODE), Some(Tlp::Clear)),
        "labels",
        json!(["exercise"]),
    );
    let (node, defaults, here) = clear_here();
    let d = decide_with(&node, &defaults, &here, &p, &object);
    assert_eq!(d.rule(), RuleId::PeerLabelsDenied);
    let rules: Vec<RuleId> = d.explanation().steps.iter().map(|s| s.rule).collect();
    assert_eq!(rules.last(), Some(&RuleId::PeerLabelsDenied));
    assert!(!rules.contains(&RuleId::PeerAllowedTypes));
}

#[test]
fn peer_rules_never_widen_tlp() {
    // A received AMBER object stays denied whatever the peer rules allow.
    let node = node(Role::Hub);
    let mut p = peer("p", &ident(PEER), Trust::Member);
    p.hub_member = true;
    p.originators_allowed = vec![IdentityId::parse(&ident(1)).unwrap()];
    let object = indicator(Some(&ident(1)), Some(Tlp::Amber));
    let d = decide_with(
        &node,
        &SharingDefaults::default(),
        &Provenance::received(&ident(2), vec![]),
        &p,
        &object,
    );
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::TlpAmber));
}

#[test]
fn explain_lists_every_rule_in_order_and_marks_the_decider() {
    let (node, defaults, here) = clear_here();
    let mut p = peer("CERT-LV", &ident(PEER), Trust::Member);
    p.min_confidence = Some(90);
    let d = decide_with(
        &node,
        &defaults,
        &here,
        &p,
        &indicator(Some(NODE), Some(Tlp::Green)),
    );
    let text = d.explain();
    assert!(
        text.starts_with(&format!(
            "{} -> peer \"CERT-LV\": DENY by rule peer.min-confidence",
            sdo_id("indicator", 1)
        )),
        "{text}"
    );
    let order = [
        "input.shape",
        "loop.self",
        "loop.origin",
        "loop.provenance",
        "loop.sender",
        "tlp.level",
        "tlp.green.originator",
        "peer.originators-denied",
        "peer.labels-denied",
        "peer.allowed-types",
        "peer.originators-allowed",
        "peer.labels-required",
        "peer.min-confidence",
    ];
    let mut at = 0;
    for rule in order {
        let found = text[at..]
            .find(rule)
            .unwrap_or_else(|| panic!("{rule} missing or out of order in\n{text}"));
        at += found + rule.len();
    }
    let decided: Vec<&str> = text.lines().filter(|l| l.ends_with("<= decided")).collect();
    assert_eq!(decided.len(), 1, "{text}");
    assert!(
        decided[0].contains("peer.min-confidence") && decided[0].contains("DENY"),
        "{text}"
    );
    assert!(
        !text.contains("peer.sectors"),
        "rules after the decider are not evaluated:\n{text}"
    );

    let p = peer("CERT-LV", &ident(PEER), Trust::Member);
    let d = decide_with(
        &node,
        &defaults,
        &here,
        &p,
        &indicator(Some(NODE), Some(Tlp::Green)),
    );
    let text = d.explain();
    assert!(
        text.contains("ALLOW by rule tlp.green.originator"),
        "{text}"
    );
    let decided: Vec<&str> = text.lines().filter(|l| l.ends_with("<= decided")).collect();
    assert_eq!(decided.len(), 1, "{text}");
    assert!(decided[0].contains("tlp.green.originator"), "{text}");
}

#[test]
fn malformed_input_is_denied_not_a_panic() {
    let (node, defaults, here) = clear_here();
    let p = peer("p", &ident(PEER), Trust::Member);
    for bad in [
        json!(null),
        json!([1, 2]),
        json!("x"),
        json!({"id": "x"}),
        json!({"type": 3}),
    ] {
        let d = decide_with(&node, &defaults, &here, &p, &bad);
        assert_eq!(
            (d.is_allowed(), d.rule()),
            (false, RuleId::InputShape),
            "{bad}"
        );
    }
}
