//! The per-peer rules. They run after the loop and TLP rules and can only
//! deny. Order: the deny lists first (originators denied, labels denied),
//! then the restrictions (types, originators allowed, labels required,
//! confidence, sectors). The first rule that denies decides; every rule
//! evaluated before it appears in the trace.

use phalanx_stix::ObjectKind;
use serde_json::Value;

use crate::config::{PeerPolicy, WhenMissing};
use crate::decision::{Explanation, Verdict};
use crate::rule::RuleId;

/// Phalanx's custom property naming the sectors an object is about: a list
/// of strings, ideally terms of the STIX `industry-sector-ov` vocabulary
/// (`energy`, `government-national`, …). Compared exactly.
pub const SECTORS_PROPERTY: &str = "x_phalanx_sectors";

/// The sectors `object` is about: its `x_phalanx_sectors`, or for an
/// `identity` its `sectors`.
pub fn object_sectors(object: &Value) -> Vec<&str> {
    let list = object.get(SECTORS_PROPERTY).or_else(|| {
        (object.get("type").and_then(Value::as_str) == Some("identity"))
            .then(|| object.get("sectors"))
            .flatten()
    });
    list.and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn labels(object: &Value) -> Vec<&str> {
    object
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What the per-peer rules read about one object.
struct Facts<'a> {
    object: &'a Value,
    object_type: &'a str,
    origin: &'a str,
    labels: Vec<&'a str>,
    sectors: Vec<&'a str>,
}

type Check = fn(&PeerPolicy, &Facts<'_>) -> (Verdict, String);

/// The rules in evaluation order: deny lists first, then restrictions.
const RULES: [(RuleId, Check); 7] = [
    (RuleId::PeerOriginatorsDenied, originators_denied),
    (RuleId::PeerLabelsDenied, labels_denied),
    (RuleId::PeerAllowedTypes, allowed_types),
    (RuleId::PeerOriginatorsAllowed, originators_allowed),
    (RuleId::PeerLabelsRequired, labels_required),
    (RuleId::PeerMinConfidence, min_confidence),
    (RuleId::PeerSectors, sectors),
];

/// Runs the per-peer rules in order, recording each in `trace`. Returns the
/// rule that denied, or `None` when all passed.
pub(crate) fn evaluate(
    peer: &PeerPolicy,
    object: &Value,
    object_type: &str,
    origin: &str,
    trace: &mut Explanation,
) -> Option<RuleId> {
    let facts = Facts {
        object,
        object_type,
        origin,
        labels: labels(object),
        sectors: object_sectors(object),
    };
    for (rule, check) in RULES {
        let (verdict, detail) = check(peer, &facts);
        trace.push(rule, verdict, detail);
        if verdict == Verdict::Deny {
            return Some(rule);
        }
    }
    None
}

fn originators_denied(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    if peer.originators_denied.is_empty() {
        (Verdict::Skip, "no originators denied".into())
    } else if peer.originators_denied.iter().any(|d| d.matches(f.origin)) {
        (
            Verdict::Deny,
            format!("the peer refuses objects originated by {}", f.origin),
        )
    } else {
        (
            Verdict::Pass,
            format!("originator {} is not denied", f.origin),
        )
    }
}

fn labels_denied(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    let denied: Vec<&str> = f
        .labels
        .iter()
        .copied()
        .filter(|l| peer.labels_denied.iter().any(|d| d == l))
        .collect();
    if peer.labels_denied.is_empty() {
        (Verdict::Skip, "no labels denied".into())
    } else if denied.is_empty() {
        (Verdict::Pass, "no denied label present".into())
    } else {
        (
            Verdict::Deny,
            format!("the object carries denied label(s) {denied:?}"),
        )
    }
}

fn allowed_types(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    let t = f.object_type;
    if peer.allowed_types.is_empty() {
        (Verdict::Skip, "every type allowed".into())
    } else if peer.allowed_types.iter().any(|a| a == t) {
        (Verdict::Pass, format!("type {t} is allowed"))
    } else {
        let allowed = &peer.allowed_types;
        (
            Verdict::Deny,
            format!("type {t} is not among the peer's allowed types {allowed:?}"),
        )
    }
}

fn originators_allowed(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    if peer.originators_allowed.is_empty() {
        (Verdict::Skip, "every originator allowed".into())
    } else if peer.originators_allowed.iter().any(|a| a.matches(f.origin)) {
        (Verdict::Pass, format!("originator {} is allowed", f.origin))
    } else {
        (
            Verdict::Deny,
            format!(
                "originator {} is not among the peer's allowed originators",
                f.origin
            ),
        )
    }
}

fn labels_required(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    let missing: Vec<&str> = peer
        .labels_required
        .iter()
        .map(String::as_str)
        .filter(|l| !f.labels.contains(l))
        .collect();
    if peer.labels_required.is_empty() {
        (Verdict::Skip, "no labels required".into())
    } else if missing.is_empty() {
        (Verdict::Pass, "every required label present".into())
    } else {
        (
            Verdict::Deny,
            format!("required label(s) {missing:?} missing"),
        )
    }
}

fn min_confidence(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    let Some(min) = peer.min_confidence else {
        return (Verdict::Skip, "no minimum confidence".into());
    };
    let subject = matches!(
        phalanx_stix::types::kind_of(f.object_type),
        ObjectKind::Sdo | ObjectKind::Sro | ObjectKind::Custom
    );
    if !subject {
        return (
            Verdict::Skip,
            format!("{} objects carry no confidence", f.object_type),
        );
    }
    match (
        f.object.get("confidence").and_then(Value::as_i64),
        peer.without_confidence,
    ) {
        (Some(c), _) if c >= i64::from(min) => (Verdict::Pass, format!("confidence {c} >= {min}")),
        (Some(c), _) => (
            Verdict::Deny,
            format!("confidence {c} < the peer's minimum {min}"),
        ),
        (None, WhenMissing::Allow) => (
            Verdict::Pass,
            "no confidence; the peer accepts unspecified confidence".into(),
        ),
        (None, WhenMissing::Deny) => (
            Verdict::Deny,
            "no confidence; the peer refuses unspecified confidence".into(),
        ),
    }
}

fn sectors(peer: &PeerPolicy, f: &Facts<'_>) -> (Verdict, String) {
    if peer.sectors.is_empty() {
        return (Verdict::Skip, "no sector filter".into());
    }
    if f.sectors.is_empty() {
        return match peer.without_sectors {
            WhenMissing::Allow => (
                Verdict::Pass,
                "the object names no sector; sector-neutral objects go".into(),
            ),
            WhenMissing::Deny => (
                Verdict::Deny,
                "the object names no sector; the peer takes only its sectors".into(),
            ),
        };
    }
    match f
        .sectors
        .iter()
        .find(|s| peer.sectors.iter().any(|p| p == *s))
    {
        Some(shared) => (
            Verdict::Pass,
            format!("sector {shared} is one of the peer's"),
        ),
        None => (
            Verdict::Deny,
            format!(
                "sectors {:?} share nothing with the peer's {:?}",
                f.sectors, peer.sectors
            ),
        ),
    }
}
