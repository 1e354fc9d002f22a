//! The outbound sharing policy of a Phalanx node: for every (object version,
//! peer) pair, whether the object may leave, and in what form.
//!
//! Sovereignty is enforced, not advised: the `federation` crate calls
//! [`decide_batch`] (or [`decide`]) for everything it sends and sends only
//! what comes back allowed, in the form that comes back. `phalanx policy
//! explain OBJECT_ID PEER` prints [`Decision::explain`]. This crate does no
//! I/O: no files, no network, no clock; the configuration arrives as a
//! [`PolicyConfig`] and the pseudonymisation key as bytes.
//!
//! ```
//! use phalanx_policy::*;
//! use serde_json::json;
//!
//! let config = PolicyConfig::from_toml_str(r#"
//!     [node]
//!     id = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
//!     name = "CERT-EE"
//!     nation = "EE"
//!     role = "national-csirt"
//!     [[peers]]
//!     name = "CERT-LV"
//!     identity = "identity--b4bd0ae4-3a8c-4c8e-9d39-7d1c07f9d1f5"
//!     role = "national-csirt"
//!     trust = "member"
//! "#)?;
//! let key = PseudonymKey::new(&[7; 32])?;
//! let node = NodeContext { identity: &config.node, defaults: &config.sharing, key: &key };
//! let provenance = Provenance::created_here();
//! let ctx = DecisionContext { node, provenance: &provenance };
//! let indicator = json!({
//!     "type": "indicator", "spec_version": "2.1",
//!     "id": "indicator--6b5d1a4c-3f3e-4f4a-9b1e-2f1f6a0d9c11",
//!     "created_by_ref": "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2024-05-01T10:00:00.000Z", "modified": "2024-05-01T10:00:00.000Z",
//!     "pattern": "[domain-name:value = 'c2.bad.example']", "pattern_type": "stix",
//!     "valid_from": "2024-05-01T10:00:00Z",
//!     "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
//! });
//! let decision = decide(&ctx, config.peer("CERT-LV").unwrap(), &indicator);
//! assert!(decision.is_allowed());
//! assert_eq!(decision.rule(), RuleId::TlpGreenOriginator);
//! print!("{}", decision.explain());
//! # Ok::<(), ConfigError>(())
//! ```
//!
//! # The rules, in order
//!
//! Evaluation stops at the first rule that denies. Every decision names the
//! rule that produced it ([`RuleId`]); an allowed object is attributed to the
//! TLP rule that granted it. [`Decision::explain`] lists every rule
//! evaluated, in this order, and marks the one that decided.
//!
//! 1. **Input** (`input.shape`): a JSON object with a string `type`.
//! 2. **Loops** (`loop.*`): never to this node itself (or an identity it
//!    [represents](NodeIdentity::represents)); never to the object's
//!    originator; never to a peer in its provenance; never back to the peer
//!    that sent it here.
//! 3. **TLP 2.0** (`tlp.*`, [`tlp`]). The level is the most restrictive TLP
//!    marking in `object_marking_refs` (TLP 1.0 ids map to their 2.0 level,
//!    WHITE to CLEAR), else [`SharingDefaults::unmarked_tlp`] (AMBER unless
//!    configured). The standard TLP marking-definitions themselves are
//!    public.
//!    - CLEAR: to anyone.
//!    - GREEN: the originator sends to peers of trust `member` or `partner`
//!      (the community; see [`Trust`]); a node that received it forwards it
//!      only if it is a hub, and only to its members (`hub_member`) in the
//!      community.
//!    - AMBER and AMBER+STRICT: only from the originator, to its direct
//!      peers; a receiver never redistributes them.
//!    - RED: only from the originator, only to identities named in
//!      `x_phalanx_recipient_refs`; never forwarded by anyone else.
//! 4. **Per-peer rules** (`peer.*`, [`PeerPolicy`]), deny lists first:
//!    originators denied, labels denied, then allowed types, originators
//!    allowed, labels required, minimum confidence, sectors. They can only
//!    narrow what TLP allows.
//! 5. **Granular markings** (`granular.*`): a property under a granular TLP
//!    marking more restrictive than the object's level is judged by the TLP
//!    rules at that level; if the peer may not receive it, it is removed and
//!    the remaining granular markings are renumbered. If STIX requires the
//!    property (or the object would otherwise stop being valid), the whole
//!    object is denied.
//! 6. **PII minimisation** (`pii.*`, [`pii`]): e-mail addresses, user
//!    accounts and internal addresses are pseudonymised (HMAC-SHA256 under
//!    the node's key, [`pseudonym`]) or dropped, everywhere in the object;
//!    SCO ids are recomputed and references rewritten across the batch. An
//!    indicator whose pattern holds such a value is withheld.
//!
//! The origin of an object is its `created_by_ref`, else the first
//! provenance hop (the sender counts as the last hop), else — for an
//! anonymous object written here — this node. A node is the originator when
//! the origin is its own identity or one it represents.
//!
//! # Custom properties and provenance
//!
//! Phalanx defines two custom properties (STIX 2.1 §11.1 `x_` names):
//!
//! - `x_phalanx_recipient_refs` ([`RECIPIENTS_PROPERTY`]): on a TLP:RED
//!   object, the list of `identity` ids it is addressed to. Set by the
//!   originator; the only peers a RED object ever goes to.
//! - `x_phalanx_sectors` ([`SECTORS_PROPERTY`]): the list of sectors
//!   (`industry-sector-ov` terms) an object is about, matched against a
//!   peer's `sectors`. For `identity` objects their own `sectors` count.
//!
//! Provenance (the hops an object travelled, and its sender) is **not**
//! written on objects: only the creator may version an object, and any
//! change needs a new version. It travels beside them: the federation layer
//! records it per received object and passes it in as a [`Provenance`].
//!
//! # Invariants
//!
//! - **Nothing leaves a node except through [`decide`] / [`decide_batch`]**:
//!   federation sends exactly the allowed objects, in the returned form.
//! - **Redacted fields never leave their node**: content removed by a
//!   granular marking is absent from the output; a covered PII value, in any
//!   string or dictionary key of an allowed object, is replaced (the property
//!   tests check the serialised bytes). Explanations and [`Redaction`]s name
//!   paths and rules, never the removed values.
//! - **Fail closed**: malformed input, a rewrite that would produce invalid
//!   STIX, a required reference to a withheld object — each denies, never
//!   sends unfiltered.
//! - **Pure and deterministic**: the same configuration, key, provenance and
//!   objects give the same decisions, byte for byte; no I/O, no clock, no
//!   randomness. No panic is reachable from input.
//! - **Consistent rewriting**: in a batch, every reference names either an
//!   id in the batch or an id that was not rewritten; recomputed SCO ids
//!   equal [`phalanx_stix::deterministic_id`] of the rewritten SCO.
//!
//! # Known limits
//!
//! - User-account names are recognised only from `user-account` SCOs of the
//!   same batch (and, in STIX patterns, from comparisons on their
//!   properties); a name mentioned only in prose is not detected.
//! - A reference to an SCO outside the batch cannot be rewritten: send SCOs
//!   together with the objects that reference them.
//! - Raw values are matched ignoring ASCII case only.

pub mod config;
pub mod context;
mod decide;
pub mod decision;
pub mod error;
mod granular;
mod peer_rules;
pub mod pii;
pub mod pseudonym;
pub mod rule;
pub mod tlp;

pub use config::{
    EmailRule, IdentityId, Nation, NodeIdentity, PeerPolicy, PiiAction, PiiRules, PolicyConfig,
    Role, SharingDefaults, TlpSetting, Trust, WhenMissing,
};
pub use context::{Arrival, DecisionContext, NodeContext, Origin, Provenance};
pub use decide::{BatchDecision, BatchItem, decide, decide_batch};
pub use decision::{Decision, Explanation, Form, Redaction, RedactionKind, Step, Verdict};
pub use error::ConfigError;
pub use peer_rules::{SECTORS_PROPERTY, object_sectors};
pub use pii::{IdMap, IdMapping, Redactor, RewrittenBatch, RewrittenItem, rewrite_batch};
pub use pseudonym::PseudonymKey;
pub use rule::RuleId;
pub use tlp::RECIPIENTS_PROPERTY;
