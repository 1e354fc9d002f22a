//! What [`crate::decide`] returns: the verdict, the form the object leaves
//! in, the rule that decided, and the trace of every rule evaluated.

use std::fmt::{self, Write as _};

use serde_json::Value;

use crate::rule::RuleId;

/// The verdict on one (object version, peer) pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The object may go to the peer, in `form`.
    Allow {
        /// What exactly is sent.
        form: Form,
        /// The rule that granted it (a TLP rule).
        rule: RuleId,
        /// Every rule evaluated, in order.
        explanation: Explanation,
    },
    /// The object must not go to the peer.
    Deny {
        /// The rule that refused it.
        rule: RuleId,
        /// Every rule evaluated, in order.
        explanation: Explanation,
    },
}

impl Decision {
    /// Whether the object may go.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The rule that decided.
    pub fn rule(&self) -> RuleId {
        match self {
            Decision::Allow { rule, .. } | Decision::Deny { rule, .. } => *rule,
        }
    }

    /// The trace of the rules evaluated.
    pub fn explanation(&self) -> &Explanation {
        match self {
            Decision::Allow { explanation, .. } | Decision::Deny { explanation, .. } => explanation,
        }
    }

    /// The form the object leaves in, when it may go.
    pub fn form(&self) -> Option<&Form> {
        match self {
            Decision::Allow { form, .. } => Some(form),
            Decision::Deny { .. } => None,
        }
    }

    /// The redactions applied (empty when denied or unchanged).
    pub fn redactions(&self) -> &[Redaction] {
        match self.form() {
            Some(Form::Redacted(_, redactions)) => redactions,
            _ => &[],
        }
    }

    /// A human-readable trace: the object, the peer, the verdict and every
    /// rule evaluated in order, the deciding one marked with `<= decided`.
    /// This is what `phalanx policy explain OBJECT_ID PEER` prints.
    pub fn explain(&self) -> String {
        let verdict = if self.is_allowed() { "ALLOW" } else { "DENY" };
        let e = self.explanation();
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{} -> peer {:?}: {verdict} by rule {}",
            e.object_id,
            e.peer,
            self.rule()
        );
        for (i, step) in e.steps.iter().enumerate() {
            let mark = if step.rule == self.rule() && step.verdict.is_final() {
                "  <= decided"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {:>2}. {:<26} {:<6} {}{mark}",
                i + 1,
                step.rule.as_str(),
                step.verdict.as_str(),
                step.detail
            );
        }
        for r in self.redactions() {
            let _ = writeln!(out, "  redaction: {r}");
        }
        out
    }
}

/// The form an allowed object leaves in.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// Exactly as stored.
    Unchanged,
    /// Rewritten: the object to send and what was done to it.
    Redacted(Value, Vec<Redaction>),
}

/// One change made to an object before it leaves. It never holds the value
/// that was removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// The rule that made the change.
    pub rule: RuleId,
    /// Where, as a JSON pointer into the object as sent (`""` for the
    /// object itself).
    pub path: String,
    /// What was done.
    pub kind: RedactionKind,
}

/// What a [`Redaction`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedactionKind {
    /// A property under a more restrictive granular marking was removed
    /// (the path is the original selector's property).
    Removed,
    /// Values in a string (or a dictionary key) were replaced by
    /// pseudonyms or placeholders.
    Rewritten,
    /// A reference to a withheld object was removed.
    ReferenceRemoved,
    /// A reference now points at a recomputed SCO id.
    ReferenceRewritten,
    /// The SCO's deterministic id was recomputed after its values changed.
    IdRewritten {
        /// The id before.
        from: String,
        /// The id after.
        to: String,
    },
}

impl fmt::Display for Redaction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.kind {
            RedactionKind::Removed => "removed".to_string(),
            RedactionKind::Rewritten => "values rewritten".to_string(),
            RedactionKind::ReferenceRemoved => "reference to a withheld object removed".to_string(),
            RedactionKind::ReferenceRewritten => "reference rewritten to a new id".to_string(),
            RedactionKind::IdRewritten { from, to } => format!("id {from} -> {to}"),
        };
        let path = if self.path.is_empty() {
            "(object)"
        } else {
            &self.path
        };
        write!(f, "{path}: {what} [{}]", self.rule)
    }
}

/// What one rule concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The rule let the object through to the next rule.
    Pass,
    /// The rule did not apply to this object or peer.
    Skip,
    /// Informational: what the policy established (e.g. the TLP level).
    Info,
    /// The rule changed the object and let it through.
    Redact,
    /// The rule granted the object (pending the rules after it).
    Allow,
    /// The rule refused the object; evaluation stopped here.
    Deny,
}

impl Verdict {
    /// A short upper-case word for traces.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Skip => "skip",
            Verdict::Info => "info",
            Verdict::Redact => "REDACT",
            Verdict::Allow => "ALLOW",
            Verdict::Deny => "DENY",
        }
    }

    fn is_final(self) -> bool {
        matches!(self, Verdict::Allow | Verdict::Deny)
    }
}

/// One rule's line in a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The rule.
    pub rule: RuleId,
    /// What it concluded.
    pub verdict: Verdict,
    /// Why, in words.
    pub detail: String,
}

/// The trace of one decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The object's `id` (or `(no id)`).
    pub object_id: String,
    /// The peer's name.
    pub peer: String,
    /// Every rule evaluated, in order.
    pub steps: Vec<Step>,
}

impl Explanation {
    pub(crate) fn new(object_id: &str, peer: &str) -> Explanation {
        Explanation {
            object_id: object_id.to_string(),
            peer: peer.to_string(),
            steps: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, rule: RuleId, verdict: Verdict, detail: impl Into<String>) {
        self.steps.push(Step {
            rule,
            verdict,
            detail: detail.into(),
        });
    }
}
