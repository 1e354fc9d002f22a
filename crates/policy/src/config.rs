//! The policy model, as the node's TOML configuration describes it.
//!
//! ```toml
//! [node]
//! id = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
//! name = "CERT-EE"
//! nation = "EE"
//! role = "national-csirt"
//! sectors = ["government"]
//!
//! [sharing]
//! unmarked_tlp = "amber"                 # the default
//! pseudonym_key_ref = "env:PHALANX_PSEUDONYM_KEY"
//! [sharing.pii]
//! emails = { action = "pseudonymise", domains = ["ministry.example"] }
//! user_accounts = "pseudonymise"
//! internal_ranges = ["10.0.0.0/8", "fd00::/8"]
//! internal_addresses = "pseudonymise"
//!
//! [[peers]]
//! name = "CERT-LV"
//! identity = "identity--b4bd0ae4-3a8c-4c8e-9d39-7d1c07f9d1f5"
//! role = "national-csirt"
//! trust = "member"
//! labels_denied = ["exercise"]
//! ```
//!
//! Every struct rejects unknown fields, so a misspelt rule is an error rather
//! than a rule silently not applied. [`PolicyConfig::validate`] checks what
//! serde cannot: cross-field consistency.

use std::collections::BTreeSet;
use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use phalanx_stix::Tlp;

use crate::error::ConfigError;

/// A STIX `identity` id (`identity--<uuid>`), kept in lower case so that two
/// spellings of one id compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdentityId(String);

impl IdentityId {
    /// Parses `text` as an identifier of type `identity`.
    pub fn parse(text: &str) -> Result<IdentityId, ConfigError> {
        let id = phalanx_stix::Identifier::parse(text).map_err(|e| ConfigError::IdentityId {
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        if id.object_type() != "identity" {
            return Err(ConfigError::IdentityId {
                text: text.to_string(),
                reason: format!(
                    "it names a {} object; an identity id starts with \"identity--\"",
                    id.object_type()
                ),
            });
        }
        Ok(IdentityId(text.to_ascii_lowercase()))
    }

    /// The id in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` is this id, ignoring the case of the hex digits.
    pub fn matches(&self, text: &str) -> bool {
        self.0.eq_ignore_ascii_case(text)
    }
}

impl TryFrom<String> for IdentityId {
    type Error = ConfigError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        IdentityId::parse(&text)
    }
}

impl From<IdentityId> for String {
    fn from(id: IdentityId) -> String {
        id.0
    }
}

impl fmt::Display for IdentityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code (two upper-case ASCII letters, e.g.
/// `EE`). Only the shape is checked, not the ISO list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nation(String);

impl Nation {
    /// Parses a two-letter code; lower case is accepted and upper-cased.
    pub fn parse(text: &str) -> Result<Nation, ConfigError> {
        if text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Nation(text.to_ascii_uppercase()))
        } else {
            Err(ConfigError::Nation {
                text: text.to_string(),
            })
        }
    }

    /// The code in upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nation {
    type Error = ConfigError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Nation::parse(&text)
    }
}

impl From<Nation> for String {
    fn from(n: Nation) -> String {
        n.0
    }
}

/// What kind of organisation runs a node (this one or a peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A nation's national CSIRT.
    NationalCsirt,
    /// A coordination hub that links members. Only a hub redistributes
    /// TLP:GREEN it received, and only to its members.
    Hub,
    /// A critical-infrastructure operator.
    CriticalInfrastructure,
    /// An organisation outside the alliance that exchanges intelligence with it.
    Partner,
}

impl Role {
    /// The configuration spelling, e.g. `national-csirt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::NationalCsirt => "national-csirt",
            Role::Hub => "hub",
            Role::CriticalInfrastructure => "critical-infrastructure",
            Role::Partner => "partner",
        }
    }
}

/// How far this node trusts a peer. It decides who belongs to the TLP:GREEN
/// "community" (TLP 2.0: the recipients' community, not public channels).
///
/// | trust | receives GREEN from the originator | receives GREEN a hub forwards |
/// |---|---|---|
/// | `member` | yes | yes, when it is a member of that hub |
/// | `partner` | yes | yes, when it is a member of that hub |
/// | `external` | no | no |
///
/// Every trust level receives CLEAR; AMBER, AMBER+STRICT and RED do not
/// depend on trust (see [`crate::tlp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    /// A node of the alliance: inside the GREEN community.
    Member,
    /// An organisation admitted to the alliance's community by agreement
    /// (e.g. a partner nation's CERT or a sector ISAC): inside the GREEN
    /// community.
    Partner,
    /// Anyone else this node talks to: outside the GREEN community; receives
    /// CLEAR, and AMBER/RED only when the originator addresses it.
    External,
}

impl Trust {
    /// The configuration spelling, e.g. `member`.
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Member => "member",
            Trust::Partner => "partner",
            Trust::External => "external",
        }
    }

    /// Whether a peer of this trust belongs to the TLP:GREEN community.
    pub fn in_green_community(self) -> bool {
        matches!(self, Trust::Member | Trust::Partner)
    }
}

/// `[node]`: who this node is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeIdentity {
    /// The node's STIX identity id: the `created_by_ref` of what it
    /// originates.
    pub id: IdentityId,
    /// A display name, used in explanations.
    pub name: String,
    /// The ISO 3166-1 alpha-2 code of the node's nation (hubs: the host
    /// nation).
    pub nation: Nation,
    /// What kind of node this is; `hub` enables GREEN redistribution to
    /// members.
    pub role: Role,
    /// Sectors the node serves (free terms, ideally STIX `industry-sector-ov`
    /// such as `energy`). Informational.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// Further identities this node originates for, e.g. the identities of
    /// its own analysts or teams that appear as `created_by_ref`. An object
    /// created by any of them counts as originated here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub represents: Vec<IdentityId>,
}

impl NodeIdentity {
    /// Whether `identity` is this node or one it represents.
    pub fn is_self(&self, identity: &str) -> bool {
        self.id.matches(identity) || self.represents.iter().any(|r| r.matches(identity))
    }
}

/// What to do with an object that lacks the property a rule looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhenMissing {
    /// The rule passes.
    #[default]
    Allow,
    /// The rule denies.
    Deny,
}

/// `[[peers]]`: one peer and the rules for what it may receive.
///
/// The per-peer rules run after the TLP and loop rules and can only deny
/// more; they are evaluated in the order of the fields below (deny lists
/// first). Empty lists mean "no restriction".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerPolicy {
    /// A unique name for the peer, used in explanations and the CLI.
    pub name: String,
    /// The peer's STIX identity id.
    pub identity: IdentityId,
    /// What kind of organisation the peer is (informational; shown in
    /// explanations).
    pub role: Role,
    /// How far this node trusts the peer (see [`Trust`]).
    pub trust: Trust,
    /// Whether the peer is a member of this hub. Only meaningful when this
    /// node's role is `hub`; [`PolicyConfig::validate`] rejects it otherwise.
    #[serde(default)]
    pub hub_member: bool,
    /// Originating identities (`created_by_ref`, see
    /// [`crate::context::Provenance`]) whose objects never go to this peer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub originators_denied: Vec<IdentityId>,
    /// Labels (`labels`) that keep an object from this peer when any of them
    /// is present. Compared exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels_denied: Vec<String>,
    /// Object types this peer receives; absent or empty: every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_types: Vec<String>,
    /// When non-empty, only objects originated by one of these identities go
    /// to this peer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub originators_allowed: Vec<IdentityId>,
    /// Labels that must all be present on an object for it to go.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels_required: Vec<String>,
    /// The least `confidence` (0–100) an object must have. Applies to the
    /// object families that may carry `confidence` (SDOs, SROs, custom
    /// objects); SCOs and meta objects are not subject to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_confidence: Option<u8>,
    /// What to do with an object subject to `min_confidence` that has no
    /// `confidence` (STIX: "unspecified"). Default: allow.
    #[serde(default)]
    pub without_confidence: WhenMissing,
    /// Sectors this peer receives intelligence about. An object's sectors are
    /// its `x_phalanx_sectors` list, or for an `identity` object its
    /// `sectors`; the rule passes when they share at least one term.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// What to do, when `sectors` is set, with an object that names no
    /// sector (sector-neutral intelligence). Default: allow.
    #[serde(default)]
    pub without_sectors: WhenMissing,
}

impl PeerPolicy {
    /// A peer with no per-peer restrictions.
    pub fn new(name: &str, identity: IdentityId, role: Role, trust: Trust) -> PeerPolicy {
        PeerPolicy {
            name: name.to_string(),
            identity,
            role,
            trust,
            hub_member: false,
            originators_denied: Vec::new(),
            labels_denied: Vec::new(),
            allowed_types: Vec::new(),
            originators_allowed: Vec::new(),
            labels_required: Vec::new(),
            min_confidence: None,
            without_confidence: WhenMissing::Allow,
            sectors: Vec::new(),
            without_sectors: WhenMissing::Allow,
        }
    }
}

/// A TLP level as the configuration spells it (`clear`, `green`, `amber`,
/// `amber+strict`, `red`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TlpSetting(pub Tlp);

impl TryFrom<String> for TlpSetting {
    type Error = ConfigError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let lower = text.to_ascii_lowercase();
        let lower = lower.strip_prefix("tlp:").unwrap_or(&lower);
        let tlp = match lower {
            "white" => Some(Tlp::Clear),
            other => Tlp::from_tlp2_value(other),
        };
        tlp.map(TlpSetting)
            .ok_or(ConfigError::Tlp { text: text.clone() })
    }
}

impl From<TlpSetting> for String {
    fn from(t: TlpSetting) -> String {
        t.0.tlp2_value().to_string()
    }
}

impl Default for TlpSetting {
    fn default() -> Self {
        TlpSetting(Tlp::Amber)
    }
}

/// What a PII rule does with a value it covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PiiAction {
    /// Leave the value as it is.
    #[default]
    Keep,
    /// Replace the value with its keyed pseudonym (see [`crate::pseudonym`]):
    /// one value always maps to one token, so peers can still correlate.
    #[serde(alias = "pseudonymize")]
    Pseudonymise,
    /// Withhold the SCO that carries the value, prune references to it, and
    /// replace the value in text with a fixed placeholder.
    Drop,
}

/// `[sharing.pii] emails`: victim e-mail addresses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailRule {
    /// What to do with a covered address.
    #[serde(default)]
    pub action: PiiAction,
    /// The domains whose addresses are covered; a domain covers its
    /// subdomains. Empty: every address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
}

/// `[sharing.pii]`: personal data that is minimised before anything leaves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiiRules {
    /// E-mail addresses: `email-addr` SCOs (`value`, and `display_name`
    /// with it) and addresses in any text.
    #[serde(default)]
    pub emails: EmailRule,
    /// `user-account` SCOs: `user_id`, `account_login` and `display_name`.
    #[serde(default)]
    pub user_accounts: PiiAction,
    /// The node's internal address ranges (CIDR). `ipv4-addr`/`ipv6-addr`
    /// values inside them, and such addresses in any text, are covered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub internal_ranges: Vec<IpNet>,
    /// What to do with an internal address (default: pseudonymise).
    #[serde(default = "default_internal_action")]
    pub internal_addresses: PiiAction,
}

fn default_internal_action() -> PiiAction {
    PiiAction::Pseudonymise
}

/// `[sharing]`: node-wide defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingDefaults {
    /// The TLP assumed for an object without a TLP marking in
    /// `object_marking_refs`. Default: `amber`.
    #[serde(default)]
    pub unmarked_tlp: TlpSetting,
    /// PII minimisation rules.
    #[serde(default)]
    pub pii: PiiRules,
    /// Where the binary finds the pseudonymisation key (for example
    /// `env:PHALANX_PSEUDONYM_KEY` or `file:/etc/phalanx/pseudonym.key`).
    /// This crate never resolves it: the key itself is handed to
    /// [`crate::pseudonym::PseudonymKey::new`] at run time and never appears
    /// in this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym_key_ref: Option<String>,
}

/// The policy part of the node's configuration file: `[node]`, `[sharing]`
/// and `[[peers]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// This node.
    pub node: NodeIdentity,
    /// Node-wide defaults.
    #[serde(default)]
    pub sharing: SharingDefaults,
    /// The peers this node shares with.
    #[serde(default)]
    pub peers: Vec<PeerPolicy>,
}

impl PolicyConfig {
    /// Parses and validates a TOML document.
    pub fn from_toml_str(text: &str) -> Result<PolicyConfig, ConfigError> {
        let config: PolicyConfig = toml::from_str(text).map_err(|e| ConfigError::Toml {
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// The peer called `name`.
    pub fn peer(&self, name: &str) -> Option<&PeerPolicy> {
        self.peers.iter().find(|p| p.name == name)
    }

    /// Checks what deserialisation cannot: peer names and identities are
    /// unique, no peer is this node, `hub_member` only on a hub, confidence
    /// within 0–100, and a key reference when a rule pseudonymises.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut names = BTreeSet::new();
        let mut identities = BTreeSet::new();
        for peer in &self.peers {
            if peer.name.trim().is_empty() {
                return Err(ConfigError::EmptyPeerName);
            }
            if !names.insert(peer.name.as_str()) {
                return Err(ConfigError::DuplicatePeerName {
                    name: peer.name.clone(),
                });
            }
            if !identities.insert(peer.identity.as_str()) {
                return Err(ConfigError::DuplicatePeerIdentity {
                    name: peer.name.clone(),
                    identity: peer.identity.to_string(),
                });
            }
            if self.node.is_self(peer.identity.as_str()) {
                return Err(ConfigError::PeerIsSelf {
                    name: peer.name.clone(),
                });
            }
            if peer.hub_member && self.node.role != Role::Hub {
                return Err(ConfigError::HubMemberWithoutHub {
                    name: peer.name.clone(),
                    role: self.node.role.as_str(),
                });
            }
            if let Some(c) = peer.min_confidence
                && c > 100
            {
                return Err(ConfigError::Confidence {
                    name: peer.name.clone(),
                    value: c,
                });
            }
        }
        let pii = &self.sharing.pii;
        let pseudonymises = pii.emails.action == PiiAction::Pseudonymise
            || pii.user_accounts == PiiAction::Pseudonymise
            || (pii.internal_addresses == PiiAction::Pseudonymise
                && !pii.internal_ranges.is_empty());
        if pseudonymises && self.sharing.pseudonym_key_ref.is_none() {
            return Err(ConfigError::MissingKeyRef);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NODE: &str = "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    const PEER: &str = "identity--b4bd0ae4-3a8c-4c8e-9d39-7d1c07f9d1f5";

    fn doc(extra_peer: &str, role: &str) -> String {
        format!(
            r#"
[node]
id = "{NODE}"
name = "CERT-EE"
nation = "ee"
role = "{role}"

[sharing]
pseudonym_key_ref = "env:KEY"
[sharing.pii]
emails = {{ action = "pseudonymise", domains = ["ministry.example"] }}
user_accounts = "drop"
internal_ranges = ["10.0.0.0/8", "fd00::/8"]

[[peers]]
name = "CERT-LV"
identity = "{PEER}"
role = "national-csirt"
trust = "member"
labels_denied = ["exercise"]
min_confidence = 40
without_confidence = "deny"
{extra_peer}
"#
        )
    }

    #[test]
    fn parses_a_full_document() {
        let c = PolicyConfig::from_toml_str(&doc("", "national-csirt")).unwrap();
        assert_eq!(c.node.nation.as_str(), "EE");
        assert_eq!(c.node.role, Role::NationalCsirt);
        assert_eq!(c.sharing.unmarked_tlp.0, Tlp::Amber);
        assert_eq!(c.sharing.pii.emails.action, PiiAction::Pseudonymise);
        assert_eq!(c.sharing.pii.user_accounts, PiiAction::Drop);
        assert_eq!(c.sharing.pii.internal_addresses, PiiAction::Pseudonymise);
        assert_eq!(c.sharing.pii.internal_ranges.len(), 2);
        let peer = c.peer("CERT-LV").unwrap();
        assert_eq!(peer.trust, Trust::Member);
        assert_eq!(peer.min_confidence, Some(40));
        assert_eq!(peer.without_confidence, WhenMissing::Deny);
        assert_eq!(peer.without_sectors, WhenMissing::Allow);
        assert!(peer.allowed_types.is_empty());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_errors() {
        let typo = doc("allowed_type = [\"indicator\"]", "national-csirt");
        let err = PolicyConfig::from_toml_str(&typo).unwrap_err();
        assert!(err.to_string().contains("allowed_type"), "{err}");

        let bad_id = doc("", "national-csirt")
            .replace(PEER, "indicator--b4bd0ae4-3a8c-4c8e-9d39-7d1c07f9d1f5");
        let err = PolicyConfig::from_toml_str(&bad_id).unwrap_err();
        assert!(err.to_string().contains("identity--"), "{err}");

        let bad_role = doc("", "ministry");
        assert!(PolicyConfig::from_toml_str(&bad_role).is_err());
    }

    #[test]
    fn cross_field_checks() {
        let hub_member = doc("hub_member = true", "national-csirt");
        let err = PolicyConfig::from_toml_str(&hub_member).unwrap_err();
        assert!(
            matches!(err, ConfigError::HubMemberWithoutHub { .. }),
            "{err}"
        );
        assert!(PolicyConfig::from_toml_str(&doc("hub_member = true", "hub")).is_ok());

        let too_confident = doc("", "hub").replace("min_confidence = 40", "min_confidence = 140");
        assert!(matches!(
            PolicyConfig::from_toml_str(&too_confident).unwrap_err(),
            ConfigError::Confidence { value: 140, .. }
        ));

        let mut c = PolicyConfig::from_toml_str(&doc("", "hub")).unwrap();
        let mut twin = c.peers[0].clone();
        twin.name = "other".into();
        c.peers.push(twin);
        assert!(matches!(
            c.validate(),
            Err(ConfigError::DuplicatePeerIdentity { .. })
        ));

        let mut c = PolicyConfig::from_toml_str(&doc("", "hub")).unwrap();
        c.peers[0].identity = c.node.id.clone();
        assert!(matches!(c.validate(), Err(ConfigError::PeerIsSelf { .. })));

        let mut c = PolicyConfig::from_toml_str(&doc("", "hub")).unwrap();
        c.sharing.pseudonym_key_ref = None;
        assert!(matches!(c.validate(), Err(ConfigError::MissingKeyRef)));
    }

    #[test]
    fn identity_ids_are_case_insensitive() {
        let upper =
            IdentityId::parse(&PEER.to_ascii_uppercase().replace("IDENTITY", "identity")).unwrap();
        assert_eq!(upper.as_str(), PEER);
        assert!(upper.matches(&PEER.to_ascii_uppercase()));
    }

    #[test]
    fn tlp_setting_spellings() {
        for (text, tlp) in [
            ("amber+strict", Tlp::AmberStrict),
            ("TLP:RED", Tlp::Red),
            ("white", Tlp::Clear),
            ("Green", Tlp::Green),
        ] {
            assert_eq!(
                TlpSetting::try_from(text.to_string()).unwrap().0,
                tlp,
                "{text}"
            );
        }
        assert!(TlpSetting::try_from("purple".to_string()).is_err());
    }
}
