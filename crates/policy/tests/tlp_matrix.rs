//! Every TLP level × (originated here / received) × peer kind × node role,
//! against the table of the TLP rules written out independently here.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use phalanx_policy::{
    Provenance, RECIPIENTS_PROPERTY, Role, RuleId, SharingDefaults, TlpSetting, Trust,
};
use phalanx_stix::Tlp;
use serde_json::json;

const PEER: u32 = 50;
const OTHER_ORIGIN: u32 = 60;
const SENDER: u32 = 61;

#[derive(Debug, Clone, Copy)]
struct Case {
    level: Tlp,
    originated_here: bool,
    node_role: Role,
    trust: Trust,
    hub_member: bool,
    named_recipient: bool,
}

/// The expected verdict and rule, restated from the specification of the
/// task rather than from the code.
fn expected(c: Case) -> (bool, RuleId) {
    let community = matches!(c.trust, Trust::Member | Trust::Partner);
    match c.level {
        Tlp::Clear => (true, RuleId::TlpClear),
        Tlp::Green if c.originated_here => (community, RuleId::TlpGreenOriginator),
        Tlp::Green => (
            c.node_role == Role::Hub && c.hub_member && community,
            RuleId::TlpGreenForward,
        ),
        Tlp::Amber => (c.originated_here, RuleId::TlpAmber),
        Tlp::AmberStrict => (c.originated_here, RuleId::TlpAmberStrict),
        Tlp::Red if !c.originated_here => (false, RuleId::TlpRedNoRedistribution),
        Tlp::Red => (c.named_recipient, RuleId::TlpRedRecipients),
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for level in Tlp::ALL {
        for originated_here in [true, false] {
            for node_role in [Role::NationalCsirt, Role::Hub] {
                for trust in [Trust::Member, Trust::Partner, Trust::External] {
                    let memberships: &[bool] = if node_role == Role::Hub {
                        &[false, true]
                    } else {
                        &[false]
                    };
                    for &hub_member in memberships {
                        for named_recipient in [false, true] {
                            out.push(Case {
                                level,
                                originated_here,
                                node_role,
                                trust,
                                hub_member,
                                named_recipient,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_level_origin_and_peer_kind() {
    let defaults = SharingDefaults::default();
    let all = cases();
    assert_eq!(all.len(), 5 * 2 * (3 + 6) * 2);
    for c in all {
        let node = node(c.node_role);
        let mut peer = peer("peer", &ident(PEER), c.trust);
        peer.hub_member = c.hub_member;
        let creator = if c.originated_here {
            NODE.to_string()
        } else {
            ident(OTHER_ORIGIN)
        };
        let mut object = indicator(Some(&creator), Some(c.level));
        let recipients = if c.named_recipient {
            vec![ident(PEER), ident(70)]
        } else {
            vec![ident(70)]
        };
        object = with(object, RECIPIENTS_PROPERTY, json!(recipients));
        let provenance = if c.originated_here {
            Provenance::created_here()
        } else {
            Provenance::received(&ident(SENDER), vec![ident(OTHER_ORIGIN)])
        };
        let d = decide_with(&node, &defaults, &provenance, &peer, &object);
        let (allowed, rule) = expected(c);
        assert_eq!(d.is_allowed(), allowed, "{c:?}\n{}", d.explain());
        assert_eq!(d.rule(), rule, "{c:?}\n{}", d.explain());
        if allowed {
            assert_eq!(d.form(), Some(&phalanx_policy::Form::Unchanged), "{c:?}");
        }
    }
}

#[test]
fn tlp1_ids_map_to_tlp2() {
    let defaults = SharingDefaults::default();
    let node = node(Role::NationalCsirt);
    let external = peer("ext", &ident(PEER), Trust::External);
    let member = peer("mem", &ident(PEER), Trust::Member);
    let white = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
    let green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
    let red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
    let here = Provenance::created_here();
    let o = |m: &str| {
        with(
            indicator(Some(NODE), None),
            "object_marking_refs",
            json!([m]),
        )
    };
    let d = decide_with(&node, &defaults, &here, &external, &o(white));
    assert_eq!((d.is_allowed(), d.rule()), (true, RuleId::TlpClear));
    let d = decide_with(&node, &defaults, &here, &external, &o(green));
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::TlpGreenOriginator)
    );
    let d = decide_with(&node, &defaults, &here, &member, &o(red));
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::TlpRedRecipients)
    );
}

#[test]
fn the_most_restrictive_marking_counts() {
    let defaults = SharingDefaults::default();
    let node = node(Role::Hub);
    let mut member = peer("mem", &ident(PEER), Trust::Member);
    member.hub_member = true;
    let object = with(
        indicator(Some(&ident(OTHER_ORIGIN)), None),
        "object_marking_refs",
        json!([
            Tlp::Clear.marking_id(),
            Tlp::Amber.marking_id(),
            Tlp::Green.marking_id()
        ]),
    );
    let received = Provenance::received(&ident(SENDER), vec![]);
    let d = decide_with(&node, &defaults, &received, &member, &object);
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::TlpAmber),
        "{}",
        d.explain()
    );
}

#[test]
fn unmarked_objects_take_the_configured_default() {
    let node = node(Role::NationalCsirt);
    let member = peer("mem", &ident(PEER), Trust::Member);
    let here = Provenance::created_here();
    let received = Provenance::received(&ident(SENDER), vec![ident(OTHER_ORIGIN)]);
    let object = indicator(Some(&ident(OTHER_ORIGIN)), None);

    // Default AMBER: a receiver does not forward it.
    let amber = SharingDefaults::default();
    let d = decide_with(&node, &amber, &received, &member, &object);
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::TlpAmber));
    // Originated here, unmarked AMBER goes to a direct peer.
    let mine = indicator(Some(NODE), None);
    assert!(decide_with(&node, &amber, &here, &member, &mine).is_allowed());

    // Configured CLEAR: anything unmarked goes.
    let clear = SharingDefaults {
        unmarked_tlp: TlpSetting(Tlp::Clear),
        ..SharingDefaults::default()
    };
    let d = decide_with(&node, &clear, &received, &member, &object);
    assert_eq!((d.is_allowed(), d.rule()), (true, RuleId::TlpClear));

    // Configured RED: only named recipients, only from the originator.
    let red = SharingDefaults {
        unmarked_tlp: TlpSetting(Tlp::Red),
        ..SharingDefaults::default()
    };
    let d = decide_with(&node, &red, &here, &member, &mine);
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (false, RuleId::TlpRedRecipients)
    );
}

#[test]
fn origin_falls_back_to_provenance_then_this_node() {
    let defaults = SharingDefaults::default();
    let node = node(Role::NationalCsirt);
    let member = peer("mem", &ident(PEER), Trust::Member);
    let anonymous = {
        let mut o = indicator(None, Some(Tlp::Amber));
        o.as_object_mut().unwrap().remove("created_by_ref");
        o
    };
    // Anonymous and created here: this node is the originator.
    let d = decide_with(
        &node,
        &defaults,
        &Provenance::created_here(),
        &member,
        &anonymous,
    );
    assert!(d.is_allowed(), "{}", d.explain());
    // Anonymous and received: the first hop is the originator, not this node.
    let received = Provenance::received(&ident(SENDER), vec![ident(OTHER_ORIGIN), ident(SENDER)]);
    let d = decide_with(&node, &defaults, &received, &member, &anonymous);
    assert_eq!((d.is_allowed(), d.rule()), (false, RuleId::TlpAmber));
    assert!(
        d.explain().contains("first provenance hop"),
        "{}",
        d.explain()
    );
    // Anonymous, received, no hops: the sender is the originator.
    let direct = Provenance::received(&ident(SENDER), vec![]);
    assert!(!decide_with(&node, &defaults, &direct, &member, &anonymous).is_allowed());
}

#[test]
fn represented_identities_count_as_this_node() {
    let defaults = SharingDefaults::default();
    let mut node = node(Role::NationalCsirt);
    node.represents
        .push(phalanx_policy::IdentityId::parse(&ident(5)).unwrap());
    let member = peer("mem", &ident(PEER), Trust::Member);
    let object = indicator(Some(&ident(5)), Some(Tlp::Amber));
    let d = decide_with(
        &node,
        &defaults,
        &Provenance::created_here(),
        &member,
        &object,
    );
    assert_eq!((d.is_allowed(), d.rule()), (true, RuleId::TlpAmber));
}

#[test]
fn standard_tlp_definitions_are_public() {
    let defaults = SharingDefaults::default();
    let node = node(Role::NationalCsirt);
    let external = peer("ext", &ident(PEER), Trust::External);
    let def = serde_json::Value::Object(Tlp::Red.marking_definition());
    let received = Provenance::received(&ident(SENDER), vec![]);
    let d = decide_with(&node, &defaults, &received, &external, &def);
    assert_eq!(
        (d.is_allowed(), d.rule()),
        (true, RuleId::TlpMarkingDefinition)
    );
}
