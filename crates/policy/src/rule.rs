//! The rules of the policy, each with a stable id. The ids appear in every
//! [`crate::Decision`], in [`crate::Explanation`] traces and in
//! [`crate::Redaction`]s, so logs and the audit trail can name the rule that
//! let an object go or kept it.

use std::fmt;

/// One rule of the policy. [`RuleId::as_str`] gives its stable dotted id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    /// The object is not a JSON object with a string `type`: nothing to
    /// judge, so it does not go.
    InputShape,
    /// The peer is this node (or an identity it represents).
    LoopSelf,
    /// The peer originated the object.
    LoopOrigin,
    /// The peer is one of the object's provenance hops.
    LoopProvenance,
    /// The peer sent the object to this node.
    LoopSender,
    /// The object's TLP level (informational step; never decides).
    TlpLevel,
    /// A standard TLP marking-definition is public and goes anywhere.
    TlpMarkingDefinition,
    /// TLP:CLEAR goes anywhere.
    TlpClear,
    /// TLP:GREEN from its originator to a community peer (trust `member` or
    /// `partner`); denies `external` peers.
    TlpGreenOriginator,
    /// TLP:GREEN received from elsewhere: forwarded only by a hub, only to
    /// its members in the community.
    TlpGreenForward,
    /// TLP:AMBER from its originator to a direct peer; a receiver never
    /// redistributes it.
    TlpAmber,
    /// TLP:AMBER+STRICT from its originator to a direct peer; a receiver
    /// never redistributes it.
    TlpAmberStrict,
    /// TLP:RED only to the identities named in `x_phalanx_recipient_refs`.
    TlpRedRecipients,
    /// TLP:RED is never forwarded by a node that did not originate it.
    TlpRedNoRedistribution,
    /// The peer refuses objects from this originator.
    PeerOriginatorsDenied,
    /// The object carries a label the peer refuses.
    PeerLabelsDenied,
    /// The peer receives only some object types.
    PeerAllowedTypes,
    /// The peer receives only objects from some originators.
    PeerOriginatorsAllowed,
    /// The peer receives only objects carrying certain labels.
    PeerLabelsRequired,
    /// The peer receives only objects of a minimum confidence.
    PeerMinConfidence,
    /// The peer receives only objects about its sectors.
    PeerSectors,
    /// A property under a granular TLP marking the peer may not receive is
    /// removed.
    GranularRedact,
    /// Without the granularly marked properties the object would not be valid
    /// STIX, so it does not go at all.
    GranularRequired,
    /// Personal data rewritten (pseudonymised or replaced by a placeholder),
    /// SCO ids recomputed, references updated.
    PiiRewrite,
    /// The object carries a value whose rule is `drop`, so it is withheld.
    PiiDrop,
    /// An indicator whose pattern holds a redacted value is withheld: a
    /// rewritten pattern would detect something else.
    PiiIndicatorPattern,
    /// A reference the object needs points at an object the PII rules
    /// withheld, so it is withheld too.
    PiiRequiredReference,
    /// The rewritten object would not be valid STIX, so it is withheld.
    PiiInvalidResult,
}

impl RuleId {
    /// Every rule, in evaluation order.
    pub const ALL: [RuleId; 28] = [
        RuleId::InputShape,
        RuleId::LoopSelf,
        RuleId::LoopOrigin,
        RuleId::LoopProvenance,
        RuleId::LoopSender,
        RuleId::TlpLevel,
        RuleId::TlpMarkingDefinition,
        RuleId::TlpClear,
        RuleId::TlpGreenOriginator,
        RuleId::TlpGreenForward,
        RuleId::TlpAmber,
        RuleId::TlpAmberStrict,
        RuleId::TlpRedRecipients,
        RuleId::TlpRedNoRedistribution,
        RuleId::PeerOriginatorsDenied,
        RuleId::PeerLabelsDenied,
        RuleId::PeerAllowedTypes,
        RuleId::PeerOriginatorsAllowed,
        RuleId::PeerLabelsRequired,
        RuleId::PeerMinConfidence,
        RuleId::PeerSectors,
        RuleId::GranularRedact,
        RuleId::GranularRequired,
        RuleId::PiiRewrite,
        RuleId::PiiDrop,
        RuleId::PiiIndicatorPattern,
        RuleId::PiiRequiredReference,
        RuleId::PiiInvalidResult,
    ];

    /// The stable dotted id, e.g. `tlp.red.recipients`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::InputShape => "input.shape",
            RuleId::LoopSelf => "loop.self",
            RuleId::LoopOrigin => "loop.origin",
            RuleId::LoopProvenance => "loop.provenance",
            RuleId::LoopSender => "loop.sender",
            RuleId::TlpLevel => "tlp.level",
            RuleId::TlpMarkingDefinition => "tlp.marking-definition",
            RuleId::TlpClear => "tlp.clear",
            RuleId::TlpGreenOriginator => "tlp.green.originator",
            RuleId::TlpGreenForward => "tlp.green.forward",
            RuleId::TlpAmber => "tlp.amber",
            RuleId::TlpAmberStrict => "tlp.amber-strict",
            RuleId::TlpRedRecipients => "tlp.red.recipients",
            RuleId::TlpRedNoRedistribution => "tlp.red.no-redistribution",
            RuleId::PeerOriginatorsDenied => "peer.originators-denied",
            RuleId::PeerLabelsDenied => "peer.labels-denied",
            RuleId::PeerAllowedTypes => "peer.allowed-types",
            RuleId::PeerOriginatorsAllowed => "peer.originators-allowed",
            RuleId::PeerLabelsRequired => "peer.labels-required",
            RuleId::PeerMinConfidence => "peer.min-confidence",
            RuleId::PeerSectors => "peer.sectors",
            RuleId::GranularRedact => "granular.redact",
            RuleId::GranularRequired => "granular.required",
            RuleId::PiiRewrite => "pii.rewrite",
            RuleId::PiiDrop => "pii.drop",
            RuleId::PiiIndicatorPattern => "pii.indicator-pattern",
            RuleId::PiiRequiredReference => "pii.required-reference",
            RuleId::PiiInvalidResult => "pii.invalid-result",
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_dotted() {
        let ids: BTreeSet<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(ids.len(), RuleId::ALL.len());
        for id in ids {
            assert!(id.contains('.'), "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'-'),
                "{id}"
            );
        }
    }
}
