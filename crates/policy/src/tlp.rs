//! The TLP 2.0 rules: which level governs an object, and whether that level
//! lets it go to a peer.
//!
//! | level | originated here | received from elsewhere |
//! |---|---|---|
//! | CLEAR | any peer | any peer |
//! | GREEN | peers of trust `member` or `partner` | only a hub, only to its members (`hub_member`) of trust `member` or `partner` |
//! | AMBER, AMBER+STRICT | any direct peer | never |
//! | RED | only identities in `x_phalanx_recipient_refs` | never |
//!
//! AMBER and AMBER+STRICT differ in what the recipient's people may do
//! (clients or not); a node enforces the same thing for both, because a
//! Phalanx node never redistributes either.

use phalanx_stix::Tlp;
use serde_json::Value;

use crate::config::{PeerPolicy, Role, SharingDefaults};
use crate::rule::RuleId;

/// Phalanx's custom property naming the recipients of a TLP:RED object: a
/// list of `identity` ids. Only those identities receive it.
pub const RECIPIENTS_PROPERTY: &str = "x_phalanx_recipient_refs";

/// The level that governs `object` and where it came from: the most
/// restrictive TLP marking in `object_marking_refs` (TLP 1.0 ids count as
/// their TLP 2.0 level), else the configured default for unmarked objects.
pub fn effective_level(object: &Value, defaults: &SharingDefaults) -> (Tlp, &'static str) {
    match object.as_object().and_then(phalanx_stix::tlp_of) {
        Some(tlp) => (tlp, "object_marking_refs"),
        None => (
            defaults.unmarked_tlp.0,
            "no TLP marking: the configured default",
        ),
    }
}

/// Whether `object` is one of the standard TLP marking-definitions, which
/// are public (they are published in the STIX specification).
pub fn is_standard_tlp_definition(object: &Value) -> bool {
    object.get("type").and_then(Value::as_str) == Some("marking-definition")
        && object
            .get("id")
            .and_then(Value::as_str)
            .and_then(Tlp::from_marking_id)
            .is_some()
}

/// The facts the TLP rules read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TlpFacts<'a> {
    /// This node originated the object.
    pub originated_here: bool,
    /// This node's role.
    pub node_role: Role,
    /// The peer.
    pub peer: &'a PeerPolicy,
    /// The object (for its RED recipients).
    pub object: &'a Value,
}

/// A TLP rule's conclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlpVerdict {
    pub rule: RuleId,
    pub allowed: bool,
    pub detail: String,
}

fn verdict(rule: RuleId, allowed: bool, detail: String) -> TlpVerdict {
    TlpVerdict {
        rule,
        allowed,
        detail,
    }
}

/// Whether content at `level` may go to the peer, by the table in the module
/// docs.
pub(crate) fn evaluate(level: Tlp, facts: TlpFacts<'_>) -> TlpVerdict {
    let peer = facts.peer;
    let trust = peer.trust.as_str();
    match level {
        Tlp::Clear => verdict(RuleId::TlpClear, true, "TLP:CLEAR may go to anyone".into()),
        Tlp::Green if facts.originated_here => {
            let ok = peer.trust.in_green_community();
            let detail = if ok {
                format!(
                    "this node originated it and the peer's trust {trust} is inside the GREEN community"
                )
            } else {
                format!(
                    "the peer's trust is {trust}: outside the GREEN community (member or partner)"
                )
            };
            verdict(RuleId::TlpGreenOriginator, ok, detail)
        }
        Tlp::Green => {
            let (ok, detail) = if facts.node_role != Role::Hub {
                (
                    false,
                    format!(
                        "this node received it and is a {}, not a hub: only a hub forwards GREEN",
                        facts.node_role.as_str()
                    ),
                )
            } else if !peer.hub_member {
                (
                    false,
                    "this hub received it and forwards GREEN only to its members; the peer is not one".into(),
                )
            } else if !peer.trust.in_green_community() {
                (
                    false,
                    format!(
                        "the peer is a hub member but its trust is {trust}: outside the GREEN community"
                    ),
                )
            } else {
                (
                    true,
                    format!("this hub forwards GREEN to its member (trust {trust})"),
                )
            };
            verdict(RuleId::TlpGreenForward, ok, detail)
        }
        Tlp::Amber | Tlp::AmberStrict => {
            let rule = if level == Tlp::Amber {
                RuleId::TlpAmber
            } else {
                RuleId::TlpAmberStrict
            };
            if facts.originated_here {
                verdict(
                    rule,
                    true,
                    format!(
                        "this node originated it; {} goes to direct peers",
                        level.label()
                    ),
                )
            } else {
                verdict(
                    rule,
                    false,
                    format!(
                        "this node received it; {} is never redistributed by a receiver",
                        level.label()
                    ),
                )
            }
        }
        Tlp::Red if !facts.originated_here => verdict(
            RuleId::TlpRedNoRedistribution,
            false,
            "this node did not originate it; TLP:RED is never forwarded".into(),
        ),
        Tlp::Red => {
            let recipients = recipients(facts.object);
            let named = recipients.iter().any(|r| peer.identity.matches(r));
            let detail = if named {
                format!("the peer is named in {RECIPIENTS_PROPERTY}")
            } else if recipients.is_empty() {
                format!("the object names no recipients in {RECIPIENTS_PROPERTY}")
            } else {
                format!(
                    "the peer is not among the {} identities named in {RECIPIENTS_PROPERTY}",
                    recipients.len()
                )
            };
            verdict(RuleId::TlpRedRecipients, named, detail)
        }
    }
}

/// The identity ids in `x_phalanx_recipient_refs` (non-strings ignored).
pub fn recipients(object: &Value) -> Vec<&str> {
    object
        .get(RECIPIENTS_PROPERTY)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::{IdentityId, Trust};
    use serde_json::json;

    const PEER: &str = "identity--b4bd0ae4-3a8c-4c8e-9d39-7d1c07f9d1f5";

    fn peer(trust: Trust, hub_member: bool) -> PeerPolicy {
        let mut p = PeerPolicy::new(
            "p",
            IdentityId::parse(PEER).unwrap(),
            Role::NationalCsirt,
            trust,
        );
        p.hub_member = hub_member;
        p
    }

    #[test]
    fn effective_level_takes_the_most_restrictive_or_the_default() {
        let defaults = SharingDefaults::default();
        let marked =
            json!({"object_marking_refs": [Tlp::Green.marking_id(), Tlp::Red.marking_id()]});
        assert_eq!(effective_level(&marked, &defaults).0, Tlp::Red);
        // TLP 1.0 AMBER id.
        let tlp1 = json!({"object_marking_refs": ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]});
        assert_eq!(effective_level(&tlp1, &defaults).0, Tlp::Amber);
        assert_eq!(effective_level(&json!({}), &defaults).0, Tlp::Amber);
        let mut clear_default = SharingDefaults::default();
        clear_default.unmarked_tlp.0 = Tlp::Clear;
        assert_eq!(effective_level(&json!({}), &clear_default).0, Tlp::Clear);
    }

    #[test]
    fn red_needs_the_peer_named_and_the_originator() {
        let object = json!({RECIPIENTS_PROPERTY: [PEER.to_ascii_uppercase().replace("IDENTITY", "identity")]});
        let p = peer(Trust::External, false);
        let facts = |originated_here| TlpFacts {
            originated_here,
            node_role: Role::Hub,
            peer: &p,
            object: &object,
        };
        assert!(evaluate(Tlp::Red, facts(true)).allowed);
        let received = evaluate(Tlp::Red, facts(false));
        assert_eq!(received.rule, RuleId::TlpRedNoRedistribution);
        assert!(!received.allowed);
        let unnamed =
            json!({RECIPIENTS_PROPERTY: ["identity--00000000-0000-4000-8000-000000000000"]});
        let v = evaluate(
            Tlp::Red,
            TlpFacts {
                originated_here: true,
                node_role: Role::Hub,
                peer: &p,
                object: &unnamed,
            },
        );
        assert!(!v.allowed && v.rule == RuleId::TlpRedRecipients);
    }

    #[test]
    fn standard_definitions_are_recognised() {
        assert!(is_standard_tlp_definition(&Value::Object(
            Tlp::Red.marking_definition()
        )));
        assert!(!is_standard_tlp_definition(
            &json!({"type": "marking-definition", "id": "marking-definition--00000000-0000-4000-8000-000000000000"})
        ));
    }
}
