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

/// Runs the per-peer rules in order, recording each in `trace`. Returns the
/// rule that denied, or `None` when all passed.
pub(crate) fn evaluate(
    peer: &PeerPolicy,
    object: &Value,
    object_type: &str,
    origin: &str,
    trace: &mut Explanation,
) -> Option<RuleId> {
    let mut step = |rule: RuleId, verdict: Verdict, detail: String| -> Option<RuleId> {
        trace.push(rule, verdict, detail);
        (verdict == Verdict::Deny).then_some(rule)
    };
    let object_labels = labels(object);

    // 1. Originators denied.
    let r = if peer.originators_denied.iter().any(|d| d.matches(origin)) {
        step(RuleId::PeerOriginatorsDenied, Verdict::Deny, format!("the peer refuses objects originated by {origin}"))
    } else if peer.originators_denied.is_empty() {
        step(RuleId::PeerOriginatorsDenied, Verdict::Skip, "no originators denied".into())
    } else {
        step(RuleId::PeerOriginatorsDenied, Verdict::Pass, format!("originator {origin} is not denied"))
    };
    if r.is_some() {
        return r;
    }

    // 2. Labels denied.
    let denied: Vec<&str> = object_labels
        .iter()
        .copied()
        .filter(|l| peer.labels_denied.iter().any(|d| d == l))
        .collect();
    let r = if !denied.is_empty() {
        step(RuleId::PeerLabelsDenied, Verdict::Deny, format!("the object carries denied label(s) {denied:?}"))
    } else if peer.labels_denied.is_empty() {
        step(RuleId::PeerLabelsDenied, Verdict::Skip, "no labels denied".into())
    } else {
        step(RuleId::PeerLabelsDenied, Verdict::Pass, "no denied label present".into())
    };
    if r.is_some() {
        return r;
    }

    // 3. Allowed types.
    let r = if peer.allowed_types.is_empty() {
        step(RuleId::PeerAllowedTypes, Verdict::Skip, "every type allowed".into())
    } else if peer.allowed_types.iter().any(|t| t == object_type) {
        step(RuleId::PeerAllowedTypes, Verdict::Pass, format!("type {object_type} is allowed"))
    } else {
        step(RuleId::PeerAllowedTypes, Verdict::Deny, format!("type {object_type} is not among the peer's allowed types {:?}", peer.allowed_types))
    };
    if r.is_some() {
        return r;
    }

    // 4. Originators allowed.
    let r = if peer.originators_allowed.is_empty() {
        step(RuleId::PeerOriginatorsAllowed, Verdict::Skip, "every originator allowed".into())
    } else if peer.originators_allowed.iter().any(|a| a.matches(origin)) {
        step(RuleId::PeerOriginatorsAllowed, Verdict::Pass, format!("originator {origin} is allowed"))
    } else {
        step(RuleId::PeerOriginatorsAllowed, Verdict::Deny, format!("originator {origin} is not among the peer's allowed originators"))
    };
    if r.is_some() {
        return r;
    }

    // 5. Labels required.
    let missing: Vec<&str> = peer
        .labels_required
        .iter()
        .map(String::as_str)
        .filter(|l| !object_labels.contains(l))
        .collect();
    let r = if peer.labels_required.is_empty() {
        step(RuleId::PeerLabelsRequired, Verdict::Skip, "no labels required".into())
    } else if missing.is_empty() {
        step(RuleId::PeerLabelsRequired, Verdict::Pass, "every required label present".into())
    } else {
        step(RuleId::PeerLabelsRequired, Verdict::Deny, format!("required label(s) {missing:?} missing"))
    };
    if r.is_some() {
        return r;
    }

    // 6. Minimum confidence.
    let subject_to_confidence = matches!(
        phalanx_stix::types::kind_of(object_type),
        ObjectKind::Sdo | ObjectKind::Sro | ObjectKind::Custom
    );
    let r = match (peer.min_confidence, subject_to_confidence) {
        (None, _) => step(RuleId::PeerMinConfidence, Verdict::Skip, "no minimum confidence".into()),
        (Some(_), false) => step(RuleId::PeerMinConfidence, Verdict::Skip, format!("{object_type} objects carry no confidence")),
        (Some(min), true) => match object.get("confidence").and_then(Value::as_i64) {
            Some(c) if c >= i64::from(min) => step(RuleId::PeerMinConfidence, Verdict::Pass, format!("confidence {c} >= {min}")),
            Some(c) => step(RuleId::PeerMinConfidence, Verdict::Deny, format!("confidence {c} < the peer's minimum {min}")),
            None => match peer.without_confidence {
                WhenMissing::Allow => step(RuleId::PeerMinConfidence, Verdict::Pass, "no confidence; the peer accepts unspecified confidence".into()),
                WhenMissing::Deny => step(RuleId::PeerMinConfidence, Verdict::Deny, "no confidence; the peer refuses unspecified confidence".into()),
            },
        },
    };
    if r.is_some() {
        return r;
    }

    // 7. Sectors.
    let sectors = object_sectors(object);
    let r = if peer.sectors.is_empty() {
        step(RuleId::PeerSectors, Verdict::Skip, "no sector filter".into())
    } else if sectors.is_empty() {
        match peer.without_sectors {
            WhenMissing::Allow => step(RuleId::PeerSectors, Verdict::Pass, "the object names no sector; sector-neutral objects go".into()),
            WhenMissing::Deny => step(RuleId::PeerSectors, Verdict::Deny, "the object names no sector; the peer takes only its sectors".into()),
        }
    } else if let Some(shared) = sectors.iter().find(|s| peer.sectors.iter().any(|p| p == *s)) {
        step(RuleId::PeerSectors, Verdict::Pass, format!("sector {shared} is one of the peer's"))
    } else {
        step(RuleId::PeerSectors, Verdict::Deny, format!("sectors {sectors:?} share nothing with the peer's {:?}", peer.sectors))
    };
    r
}
