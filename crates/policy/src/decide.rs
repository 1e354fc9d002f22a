//! The decision: the rules in order, for one object or a batch of related
//! objects.

use serde_json::Value;

use crate::config::PeerPolicy;
use crate::context::{DecisionContext, NodeContext, Provenance};
use crate::decision::{Decision, Explanation, Form, Redaction, RedactionKind, Verdict};
use crate::granular;
use crate::peer_rules;
use crate::pii::{IdMap, Redactor, RewrittenItem};
use crate::rule::RuleId;
use crate::tlp::{self, TlpFacts};

/// One object of a batch with its provenance.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    /// The object version.
    pub object: &'a Value,
    /// Where it came from.
    pub provenance: &'a Provenance,
}

/// The decisions for a batch, in input order, and the id map the PII rules
/// produced (old SCO id → new id or withheld).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchDecision {
    /// One decision per input object.
    pub decisions: Vec<Decision>,
    /// What became of rewritten SCO ids.
    pub id_map: IdMap,
}

impl BatchDecision {
    /// The objects that may go, in input order, in the form they go in.
    pub fn allowed_objects<'a>(&'a self, items: &'a [BatchItem<'a>]) -> Vec<&'a Value> {
        self.decisions
            .iter()
            .zip(items)
            .filter_map(|(d, item)| match d.form()? {
                Form::Unchanged => Some(item.object),
                Form::Redacted(v, _) => Some(v),
            })
            .collect()
    }
}

/// Decides whether `object` may go to `peer`, and in what form. Runs every
/// rule in the order of the crate docs; the PII rules see the object alone,
/// so references from it to SCOs elsewhere cannot be rewritten — use
/// [`decide_batch`] for objects that travel together.
pub fn decide(ctx: &DecisionContext<'_>, peer: &PeerPolicy, object: &Value) -> Decision {
    let item = BatchItem {
        object,
        provenance: ctx.provenance,
    };
    let batch = decide_batch(&ctx.node, peer, &[item]);
    match batch.decisions.into_iter().next() {
        Some(decision) => decision,
        // A batch of one always yields one decision; fail closed regardless.
        None => Decision::Deny {
            rule: RuleId::InputShape,
            explanation: Explanation::new("(no id)", &peer.name),
        },
    }
}

/// Decides a batch of related objects for one peer: each object goes through
/// the loop, TLP, per-peer and granular rules on its own, then the PII rules
/// rewrite the batch together so that recomputed SCO ids and the references
/// to them agree (see [`crate::pii`]). Objects denied for this peer still
/// take part in the id computation, so no reference in an allowed object
/// keeps an id derived from a redacted value.
pub fn decide_batch(
    node: &NodeContext<'_>,
    peer: &PeerPolicy,
    items: &[BatchItem<'_>],
) -> BatchDecision {
    let staged: Vec<Stage> = items
        .iter()
        .map(|item| {
            let ctx = DecisionContext {
                node: *node,
                provenance: item.provenance,
            };
            evaluate(&ctx, peer, item.object)
        })
        .collect();

    let redactor = Redactor::new(&node.defaults.pii, node.key);
    if !redactor.is_active() {
        let decisions = staged
            .into_iter()
            .zip(items)
            .map(|(stage, item)| stage.finish(item.object, None))
            .collect();
        return BatchDecision {
            decisions,
            id_map: IdMap::new(),
        };
    }
    let inputs: Vec<Value> = staged
        .iter()
        .zip(items)
        .map(|(stage, item)| match stage {
            Stage::Passed { value: Some(v), .. } => v.clone(),
            _ => item.object.clone(),
        })
        .collect();
    let rewritten = redactor.rewrite_batch(&inputs);
    let decisions = staged
        .into_iter()
        .zip(items)
        .zip(rewritten.items)
        .map(|((stage, item), pii)| stage.finish(item.object, Some(pii)))
        .collect();
    BatchDecision {
        decisions,
        id_map: rewritten.id_map,
    }
}

/// The outcome of the rules before PII.
enum Stage {
    Denied {
        rule: RuleId,
        explanation: Explanation,
    },
    Passed {
        /// The object after granular redaction (`None`: unchanged).
        value: Option<Value>,
        redactions: Vec<Redaction>,
        rule: RuleId,
        explanation: Explanation,
    },
}

impl Stage {
    fn finish(self, original: &Value, pii: Option<RewrittenItem>) -> Decision {
        let (value, mut redactions, rule, mut explanation) = match self {
            Stage::Denied { rule, explanation } => return Decision::Deny { rule, explanation },
            Stage::Passed {
                value,
                redactions,
                rule,
                explanation,
            } => (value, redactions, rule, explanation),
        };
        let value = match pii {
            None => {
                explanation.push(RuleId::PiiRewrite, Verdict::Skip, "no PII rule configured");
                value
            }
            Some(RewrittenItem::Withheld { rule, reason }) => {
                explanation.push(rule, Verdict::Deny, reason);
                return Decision::Deny { rule, explanation };
            }
            Some(RewrittenItem::Kept {
                object,
                redactions: pii_redactions,
            }) => {
                if pii_redactions.is_empty() {
                    explanation.push(RuleId::PiiRewrite, Verdict::Pass, "no personal data found");
                } else {
                    explanation.push(
                        RuleId::PiiRewrite,
                        Verdict::Redact,
                        format!("{} change(s): personal data replaced, ids and references kept consistent", pii_redactions.len()),
                    );
                }
                redactions.extend(pii_redactions);
                Some(object)
            }
        };
        let form = match value {
            Some(v) if v != *original || !redactions.is_empty() => Form::Redacted(v, redactions),
            _ => Form::Unchanged,
        };
        Decision::Allow {
            form,
            rule,
            explanation,
        }
    }
}

fn deny(rule: RuleId, mut explanation: Explanation, detail: String) -> Stage {
    explanation.push(rule, Verdict::Deny, detail);
    Stage::Denied { rule, explanation }
}

/// The loop, TLP, per-peer and granular rules, in that order.
fn evaluate(ctx: &DecisionContext<'_>, peer: &PeerPolicy, object: &Value) -> Stage {
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("(no id)");
    let mut e = Explanation::new(id, &peer.name);
    let Some(object_type) = object.get("type").and_then(Value::as_str) else {
        return deny(
            RuleId::InputShape,
            e,
            "not a JSON object with a string \"type\"".into(),
        );
    };
    e.push(
        RuleId::InputShape,
        Verdict::Pass,
        format!("a {object_type} object"),
    );

    // Loop prevention.
    let me = ctx.node.identity;
    if me.is_self(peer.identity.as_str()) {
        return deny(
            RuleId::LoopSelf,
            e,
            "the peer is this node; a node never sends to itself".into(),
        );
    }
    e.push(
        RuleId::LoopSelf,
        Verdict::Pass,
        format!("the peer is not this node ({})", me.name),
    );
    let origin = ctx.origin(object);
    if peer.identity.matches(&origin.identity) {
        return deny(
            RuleId::LoopOrigin,
            e,
            format!("the peer originated it ({})", origin.source),
        );
    }
    e.push(
        RuleId::LoopOrigin,
        Verdict::Pass,
        format!(
            "origin {} (from {}) is not the peer",
            origin.identity, origin.source
        ),
    );
    if let Some(hop) = ctx
        .provenance
        .hops
        .iter()
        .position(|h| peer.identity.matches(h))
    {
        return deny(
            RuleId::LoopProvenance,
            e,
            format!("the peer is hop {} of its provenance", hop + 1),
        );
    }
    e.push(
        RuleId::LoopProvenance,
        Verdict::Pass,
        format!(
            "the peer is not among its {} provenance hop(s)",
            ctx.provenance.hops.len()
        ),
    );
    match ctx.provenance.sender() {
        Some(sender) if peer.identity.matches(sender) => {
            return deny(
                RuleId::LoopSender,
                e,
                "the peer sent it to this node".into(),
            );
        }
        Some(sender) => e.push(
            RuleId::LoopSender,
            Verdict::Pass,
            format!("received from {sender}, not the peer"),
        ),
        None => e.push(RuleId::LoopSender, Verdict::Skip, "created at this node"),
    }

    // TLP.
    let originated_here = me.is_self(&origin.identity);
    let facts = TlpFacts {
        originated_here,
        node_role: me.role,
        peer,
        object,
    };
    let (level, grant) = if tlp::is_standard_tlp_definition(object) {
        e.push(
            RuleId::TlpMarkingDefinition,
            Verdict::Allow,
            "a standard TLP marking-definition: public",
        );
        (None, RuleId::TlpMarkingDefinition)
    } else {
        let (level, source) = tlp::effective_level(object, ctx.node.defaults);
        e.push(
            RuleId::TlpLevel,
            Verdict::Info,
            format!(
                "{} ({source}); {}",
                level.label(),
                if originated_here {
                    "originated here"
                } else {
                    "received: this node is not the originator"
                }
            ),
        );
        let v = tlp::evaluate(level, facts);
        if !v.allowed {
            return deny(v.rule, e, v.detail);
        }
        e.push(v.rule, Verdict::Allow, v.detail);
        (Some(level), v.rule)
    };

    // Per-peer rules.
    if let Some(rule) = peer_rules::evaluate(peer, object, object_type, &origin.identity, &mut e) {
        return Stage::Denied {
            rule,
            explanation: e,
        };
    }

    // Granular markings.
    let marked = granular::marked_paths(object);
    let mut remove = Vec::new();
    let mut denied_levels = Vec::new();
    for (path, marked_level) in marked.iter() {
        if level.is_some_and(|l| *marked_level <= l) || level.is_none() {
            continue;
        }
        let v = tlp::evaluate(*marked_level, facts);
        if !v.allowed {
            remove.push(path.clone());
            if !denied_levels.contains(marked_level) {
                denied_levels.push(*marked_level);
            }
        }
    }
    if marked.is_empty() {
        e.push(
            RuleId::GranularRedact,
            Verdict::Skip,
            "no granular TLP markings",
        );
    }
    if remove.is_empty() {
        if !marked.is_empty() {
            e.push(
                RuleId::GranularRedact,
                Verdict::Pass,
                "every granularly marked property may go to the peer",
            );
        }
        return Stage::Passed {
            value: None,
            redactions: Vec::new(),
            rule: grant,
            explanation: e,
        };
    }
    let labels: Vec<&str> = denied_levels.iter().map(|l| l.label()).collect();
    let removal = granular::remove(object, &remove);
    if let Some(required) = removal
        .removed_top_level
        .iter()
        .find(|k| granular::is_required_property(object_type, k))
    {
        return deny(
            RuleId::GranularRequired,
            e,
            format!(
                "property {required:?} is marked {labels:?} for this peer and STIX requires it"
            ),
        );
    }
    if removal.object != *object
        && phalanx_stix::validate(object).is_ok()
        && let Err(problems) = phalanx_stix::validate(&removal.object)
    {
        let first = problems
            .iter()
            .find(|p| p.is_error())
            .map(|p| p.to_string())
            .unwrap_or_default();
        return deny(
            RuleId::GranularRequired,
            e,
            format!("without the content marked {labels:?} the object is not valid STIX: {first}"),
        );
    }
    e.push(
        RuleId::GranularRedact,
        Verdict::Redact,
        format!(
            "removed {} path(s) marked {labels:?}",
            removal.removed.len()
        ),
    );
    let redactions = removal
        .removed
        .iter()
        .map(|p| Redaction {
            rule: RuleId::GranularRedact,
            path: p.clone(),
            kind: RedactionKind::Removed,
        })
        .collect();
    Stage::Passed {
        value: Some(removal.object),
        redactions,
        rule: grant,
        explanation: e,
    }
}
