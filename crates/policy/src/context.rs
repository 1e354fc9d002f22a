//! What a decision needs besides the peer and the object: who this node is,
//! its defaults and key, and where the object came from.
//!
//! Provenance travels *beside* an object, never on it: STIX allows only the
//! creator to make a new version, and any change to a property needs one, so
//! a node that forwards an object may not add a hop list to it. The
//! federation layer records, for every object it receives, the sender and the
//! hops the sender reported, and hands them back here as a [`Provenance`].

use serde_json::Value;

use crate::config::{NodeIdentity, SharingDefaults};
use crate::pseudonym::PseudonymKey;

/// How the object reached this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// Written at this node (by an analyst, an import or a sensor).
    CreatedHere,
    /// Received from the peer with this identity id.
    ReceivedFrom(String),
}

/// The path an object travelled before it reached this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The identity ids of the nodes the object passed through, oldest
    /// first (the first is normally the originator). Does not include this
    /// node.
    pub hops: Vec<String>,
    /// How it arrived here.
    pub arrival: Arrival,
}

impl Provenance {
    /// Provenance of an object written at this node.
    pub fn created_here() -> Provenance {
        Provenance {
            hops: Vec::new(),
            arrival: Arrival::CreatedHere,
        }
    }

    /// Provenance of an object received from `sender` after `hops`.
    pub fn received(sender: &str, hops: Vec<String>) -> Provenance {
        Provenance {
            hops,
            arrival: Arrival::ReceivedFrom(sender.to_string()),
        }
    }

    /// The identity that sent it here, if it was received.
    pub fn sender(&self) -> Option<&str> {
        match &self.arrival {
            Arrival::CreatedHere => None,
            Arrival::ReceivedFrom(s) => Some(s),
        }
    }
}

/// Everything about this node a decision reads.
#[derive(Debug, Clone, Copy)]
pub struct NodeContext<'a> {
    /// This node.
    pub identity: &'a NodeIdentity,
    /// Its sharing defaults and PII rules.
    pub defaults: &'a SharingDefaults,
    /// Its pseudonymisation key.
    pub key: &'a PseudonymKey,
}

/// The context of one decision: this node and the object's provenance.
#[derive(Debug, Clone, Copy)]
pub struct DecisionContext<'a> {
    /// This node.
    pub node: NodeContext<'a>,
    /// Where the object came from.
    pub provenance: &'a Provenance,
}

/// Who originated an object, and how that was established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The originating identity id.
    pub identity: String,
    /// Where it came from: `created_by_ref`, `first provenance hop` or
    /// `this node`.
    pub source: &'static str,
}

impl DecisionContext<'_> {
    /// The object's origin: its `created_by_ref`, else the first provenance
    /// hop (the sender counts as the last hop, so a received object with an
    /// empty hop list originates at its sender), else, for an anonymous
    /// object written here, this node.
    pub fn origin(&self, object: &Value) -> Origin {
        if let Some(by) = object.get("created_by_ref").and_then(Value::as_str) {
            return Origin {
                identity: by.to_ascii_lowercase(),
                source: "created_by_ref",
            };
        }
        if let Some(first) = self.provenance.hops.first() {
            return Origin {
                identity: first.to_ascii_lowercase(),
                source: "first provenance hop",
            };
        }
        if let Some(sender) = self.provenance.sender() {
            return Origin {
                identity: sender.to_ascii_lowercase(),
                source: "sender (the only hop)",
            };
        }
        Origin {
            identity: self.node.identity.id.as_str().to_string(),
            source: "this node",
        }
    }

    /// Whether this node originated `object` (its origin is this node or an
    /// identity it represents).
    pub fn originated_here(&self, object: &Value) -> bool {
        self.node.identity.is_self(&self.origin(object).identity)
    }
}
