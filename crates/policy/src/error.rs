//! Errors of this crate. Decisions themselves never fail: a denial is a
//! [`crate::Decision`], not an error. Only configuration and key setup can.

use thiserror::Error;

/// A problem in the policy configuration or the pseudonymisation key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The TOML document does not parse or does not fit the model.
    #[error("policy configuration: {message}")]
    Toml {
        /// The parser's message, with the line and the offending key.
        message: String,
    },
    /// A field that must hold an identity id holds something else.
    #[error("{text:?} is not a STIX identity id ({reason}); write identity--<uuid>")]
    IdentityId {
        /// The text found.
        text: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `nation` is not a two-letter ISO 3166-1 alpha-2 code.
    #[error("nation {text:?} is not an ISO 3166-1 alpha-2 code; write two letters such as \"EE\"")]
    Nation {
        /// The text found.
        text: String,
    },
    /// A TLP setting names no TLP 2.0 level.
    #[error("{text:?} is not a TLP level; use clear, green, amber, amber+strict or red")]
    Tlp {
        /// The text found.
        text: String,
    },
    /// A peer has an empty name.
    #[error("a [[peers]] entry has an empty name; give every peer a unique name")]
    EmptyPeerName,
    /// Two peers share a name.
    #[error("two [[peers]] entries are called {name:?}; peer names must be unique")]
    DuplicatePeerName {
        /// The repeated name.
        name: String,
    },
    /// Two peers share an identity.
    #[error("peer {name:?} repeats identity {identity} of an earlier peer; merge the two entries")]
    DuplicatePeerIdentity {
        /// The later peer's name.
        name: String,
        /// The shared identity.
        identity: String,
    },
    /// A peer has this node's identity (or one it represents).
    #[error(
        "peer {name:?} has this node's own identity; a node never shares with itself, remove the entry"
    )]
    PeerIsSelf {
        /// The peer's name.
        name: String,
    },
    /// `hub_member` on a node that is not a hub.
    #[error(
        "peer {name:?} sets hub_member, but this node's role is {role}, not hub; remove hub_member or set role = \"hub\""
    )]
    HubMemberWithoutHub {
        /// The peer's name.
        name: String,
        /// This node's role.
        role: &'static str,
    },
    /// `min_confidence` above 100.
    #[error("peer {name:?} has min_confidence = {value}; STIX confidence runs from 0 to 100")]
    Confidence {
        /// The peer's name.
        name: String,
        /// The value found.
        value: u8,
    },
    /// A PII rule pseudonymises but no key reference is configured.
    #[error(
        "a [sharing.pii] rule pseudonymises values but [sharing] has no pseudonym_key_ref; name where the key is kept"
    )]
    MissingKeyRef,
    /// The pseudonymisation key is too short.
    #[error("the pseudonymisation key has {len} bytes; use at least {min} random bytes")]
    ShortKey {
        /// The length given.
        len: usize,
        /// The minimum.
        min: usize,
    },
}
