//! Outbound sharing policy of a Phalanx node (documentation in progress).

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
pub use pii::{IdMap, IdMapping, Redactor, RewrittenBatch, RewrittenItem};
pub use pseudonym::PseudonymKey;
pub use rule::RuleId;
pub use tlp::RECIPIENTS_PROPERTY;
