//! Indicators: the values each one owns, its STIX pattern and its STIX object.
//!
//! Indicator `i` is a pure function of the seed, the weights and `i`: its random material
//! comes from its own block of [`Stream::Indicators`] (words `i × 64 ..`), and its
//! addresses, names and hashes embed the keyed token of `i` (see [`crate::space`]). So any
//! indicator can be rebuilt on demand, in any order, without storing it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use serde::ser::SerializeStruct;
use uuid::Uuid;

use crate::config::{KindWeights, TlpWeights};
use crate::draw::{Draw, Stream, WORDS_PER_INDICATOR};
use crate::kind::IndicatorKind;
use crate::space::{IOC_TLDS, Keys};
use crate::text;
use crate::timefmt;
use crate::tlp::Tlp;

/// `indicator_types` values and their relative weights.
const INDICATOR_TYPES: [(&str, u32); 3] = [
    ("malicious-activity", 80),
    ("anomalous-activity", 10),
    ("compromised", 10),
];

/// File extensions of indicator URLs.
const URL_EXTS: [&str; 4] = ["php", "asp", "html", "bin"];

/// The values an indicator owns. No other indicator and no background event uses them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndicatorValues {
    /// A single IPv4 address ([`IndicatorKind::Ipv4`]).
    Ipv4(Ipv4Addr),
    /// The network address of a `/24` ([`IndicatorKind::Ipv4Cidr`]).
    Ipv4Net(Ipv4Addr),
    /// A single IPv6 address ([`IndicatorKind::Ipv6`]).
    Ipv6(Ipv6Addr),
    /// A domain name ([`IndicatorKind::Domain`]).
    Domain(String),
    /// A parent domain whose one-label subdomains match ([`IndicatorKind::DomainLike`],
    /// [`IndicatorKind::DomainMatches`]); the parent itself is never planted.
    DomainSuffix(String),
    /// A URL `http://{host}{path}` ([`IndicatorKind::Url`]).
    Url {
        /// Host part.
        host: String,
        /// Path and query.
        path: String,
    },
    /// A file SHA-256 ([`IndicatorKind::FileSha256`]).
    Sha256([u8; 32]),
    /// A file MD5 ([`IndicatorKind::FileMd5`]).
    Md5([u8; 16]),
    /// A certificate SHA-1 ([`IndicatorKind::X509Sha1`]).
    X509Sha1([u8; 20]),
    /// An email address ([`IndicatorKind::EmailAddr`]).
    Email(String),
    /// An IPv4 address and a domain, either of which matches ([`IndicatorKind::Ipv4OrDomain`]).
    Ipv4OrDomain {
        /// The address side of the `OR`.
        ip: Ipv4Addr,
        /// The domain side of the `OR`.
        domain: String,
    },
    /// A destination IPv4 address ([`IndicatorKind::NetworkTrafficDst`]).
    NetworkDst(Ipv4Addr),
}

/// Everything about one indicator, rebuilt from the seed on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorFacts {
    /// Position in the indicator bundle.
    pub index: u32,
    /// Pattern kind.
    pub kind: IndicatorKind,
    /// UUIDv4 part of the STIX id.
    pub uuid: Uuid,
    /// `created` (= `modified` = `valid_from`) in milliseconds since the epoch.
    pub created_ms: i64,
    /// TLP marking; `None` for unmarked.
    pub tlp: Option<Tlp>,
    /// The single `indicator_types` entry.
    pub indicator_type: &'static str,
    /// The owned values.
    pub values: IndicatorValues,
}

/// Draws the kind of indicator `i` (the first draw of its block).
pub(crate) fn derive_kind(seed: u64, kinds: &KindWeights, i: u32) -> IndicatorKind {
    let mut d = block(seed, i);
    kind_from(&mut d, kinds)
}

fn block(seed: u64, i: u32) -> Draw {
    Draw::at(
        seed,
        Stream::Indicators,
        u128::from(i) * WORDS_PER_INDICATOR,
    )
}

fn kind_from(d: &mut Draw, kinds: &KindWeights) -> IndicatorKind {
    let k = d.weighted(kinds.as_slice());
    IndicatorKind::ALL
        .get(k)
        .copied()
        .unwrap_or(IndicatorKind::Ipv4)
}

/// `{letters}-{token}.{example|test}`: a domain only indicator `i` can own.
fn ioc_domain(d: &mut Draw, keys: &Keys, i: u32) -> String {
    let mut s = String::with_capacity(24);
    d.letters(5, 9, &mut s);
    s.push('-');
    s.push_str(keys.token_text(i).as_str());
    s.push('.');
    s.push_str(d.pick(&IOC_TLDS));
    s
}

impl IndicatorFacts {
    /// Rebuilds indicator `i`. `kinds` and `tlp` must be the workload's weights.
    pub(crate) fn derive(
        seed: u64,
        keys: &Keys,
        kinds: &KindWeights,
        tlp: &TlpWeights,
        i: u32,
    ) -> Self {
        Self::derive_in(&mut block(seed, i), keys, kinds, tlp, i)
    }

    /// [`IndicatorFacts::derive`] from an already positioned block.
    fn derive_in(d: &mut Draw, keys: &Keys, kinds: &KindWeights, tlp: &TlpWeights, i: u32) -> Self {
        let kind = kind_from(d, kinds);
        let tlp = match d.weighted(tlp.as_slice()) {
            0 => None,
            n => Tlp::ALL.get(n - 1).copied(),
        };
        let created_ms = (timefmt::INDICATORS_EPOCH_S + i64::from(i)) * 1000 + d.below(1000) as i64;
        let uuid = d.uuid_v4();
        let type_weights = INDICATOR_TYPES.map(|(_, w)| w);
        let indicator_type = INDICATOR_TYPES[d.weighted(&type_weights) % INDICATOR_TYPES.len()].0;
        let values = match kind {
            IndicatorKind::Ipv4 => IndicatorValues::Ipv4(keys.ioc_ipv4(i)),
            IndicatorKind::Ipv4Cidr => IndicatorValues::Ipv4Net(keys.ioc_net(i)),
            IndicatorKind::Ipv6 => IndicatorValues::Ipv6(keys.ioc_ipv6(i, d.u64())),
            IndicatorKind::Domain => IndicatorValues::Domain(ioc_domain(d, keys, i)),
            IndicatorKind::DomainLike | IndicatorKind::DomainMatches => {
                IndicatorValues::DomainSuffix(ioc_domain(d, keys, i))
            }
            IndicatorKind::Url => {
                let host = ioc_domain(d, keys, i);
                let mut path = String::with_capacity(32);
                path.push('/');
                d.letters(3, 6, &mut path);
                path.push('/');
                d.letters(4, 8, &mut path);
                path.push('.');
                path.push_str(d.pick(&URL_EXTS));
                let _ = write!(path, "?id={}", d.below(1_000_000));
                IndicatorValues::Url { host, path }
            }
            IndicatorKind::FileSha256 => IndicatorValues::Sha256(keys.ioc_hash(i, d.bytes())),
            IndicatorKind::FileMd5 => IndicatorValues::Md5(keys.ioc_hash(i, d.bytes())),
            IndicatorKind::X509Sha1 => IndicatorValues::X509Sha1(keys.ioc_hash(i, d.bytes())),
            IndicatorKind::EmailAddr => {
                let mut s = String::with_capacity(32);
                d.letters(4, 8, &mut s);
                s.push('.');
                s.push_str(keys.token_text(i).as_str());
                s.push('@');
                d.letters(5, 9, &mut s);
                s.push('.');
                s.push_str(d.pick(&IOC_TLDS));
                IndicatorValues::Email(s)
            }
            IndicatorKind::Ipv4OrDomain => IndicatorValues::Ipv4OrDomain {
                ip: keys.ioc_ipv4(i),
                domain: ioc_domain(d, keys, i),
            },
            IndicatorKind::NetworkTrafficDst => IndicatorValues::NetworkDst(keys.ioc_ipv4(i)),
        };
        IndicatorFacts {
            index: i,
            kind,
            uuid,
            created_ms,
            tlp,
            indicator_type,
            values,
        }
    }

    /// The STIX id, `indicator--<uuid>`.
    pub fn stix_id(&self) -> String {
        format!("indicator--{}", self.uuid.hyphenated())
    }

    /// The STIX 2.1 pattern.
    pub fn pattern(&self) -> String {
        let mut p = String::with_capacity(112);
        // Writing into a String cannot fail.
        let _ = match &self.values {
            IndicatorValues::Ipv4(ip) => write!(p, "[ipv4-addr:value = '{ip}']"),
            IndicatorValues::Ipv4Net(net) => write!(p, "[ipv4-addr:value ISSUBSET '{net}/24']"),
            IndicatorValues::Ipv6(ip) => write!(p, "[ipv6-addr:value = '{ip}']"),
            IndicatorValues::Domain(d) => write!(p, "[domain-name:value = '{}']", quote(d)),
            IndicatorValues::DomainSuffix(parent) => match self.kind {
                IndicatorKind::DomainMatches => write!(
                    p,
                    "[domain-name:value MATCHES '^[a-z0-9]+[.]{}$']",
                    quote(&parent.replace('.', "[.]"))
                ),
                _ => write!(p, "[domain-name:value LIKE '%.{}']", quote(parent)),
            },
            IndicatorValues::Url { host, path } => {
                write!(p, "[url:value = 'http://{}{}']", quote(host), quote(path))
            }
            IndicatorValues::Sha256(h) => {
                write!(p, "[file:hashes.'SHA-256' = '{}']", text::hex(h))
            }
            IndicatorValues::Md5(h) => write!(p, "[file:hashes.MD5 = '{}']", text::hex(h)),
            IndicatorValues::X509Sha1(h) => {
                write!(p, "[x509-certificate:hashes.'SHA-1' = '{}']", text::hex(h))
            }
            IndicatorValues::Email(e) => write!(p, "[email-addr:value = '{}']", quote(e)),
            IndicatorValues::Ipv4OrDomain { ip, domain } => write!(
                p,
                "[ipv4-addr:value = '{ip}'] OR [domain-name:value = '{}']",
                quote(domain)
            ),
            IndicatorValues::NetworkDst(ip) => write!(
                p,
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '{ip}']"
            ),
        };
        p
    }

    /// The STIX `indicator` object.
    pub fn to_indicator(&self) -> Indicator {
        let mut name = String::with_capacity(64);
        name.push_str(self.kind.describe());
        name.push(' ');
        let _ = match &self.values {
            IndicatorValues::Ipv4(ip)
            | IndicatorValues::Ipv4Net(ip)
            | IndicatorValues::NetworkDst(ip)
            | IndicatorValues::Ipv4OrDomain { ip, .. } => write!(name, "{ip}"),
            IndicatorValues::Ipv6(ip) => write!(name, "{ip}"),
            IndicatorValues::Domain(d)
            | IndicatorValues::DomainSuffix(d)
            | IndicatorValues::Email(d)
            | IndicatorValues::Url { host: d, .. } => {
                name.push_str(d);
                Ok(())
            }
            IndicatorValues::Sha256(h) => write!(name, "{}", text::hex(&h[..6])),
            IndicatorValues::Md5(h) => write!(name, "{}", text::hex(&h[..6])),
            IndicatorValues::X509Sha1(h) => write!(name, "{}", text::hex(&h[..6])),
        };
        let mut description = String::with_capacity(96);
        let _ = write!(
            description,
            "Synthetic indicator #{} ({}): matches {}.",
            self.index,
            self.kind.name(),
            self.kind.describe()
        );
        Indicator {
            index: self.index,
            kind: self.kind,
            id: self.stix_id(),
            created: timefmt::stix_millis(self.created_ms),
            name,
            description,
            indicator_type: self.indicator_type,
            pattern: self.pattern(),
            tlp: self.tlp,
        }
    }
}

/// Escapes a value for a STIX pattern string literal (`\` and `'`). Generated values never
/// contain either, but the pattern must stay well-formed whatever the value.
fn quote(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', '\'']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A STIX 2.1 `indicator` object (first version: `created` = `modified` = `valid_from`).
/// It serialises to the JSON object with keys in this order: `type`, `spec_version`, `id`,
/// `created`, `modified`, `name`, `description`, `indicator_types`, `pattern`,
/// `pattern_type` (`stix`), `pattern_version` (`2.1`), `valid_from`, and
/// `object_marking_refs` when marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// Position in the bundle.
    pub index: u32,
    /// Pattern kind.
    pub kind: IndicatorKind,
    /// `indicator--<uuid v4>`.
    pub id: String,
    /// `created`, `modified` and `valid_from` (millisecond precision).
    pub created: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// The single `indicator_types` entry.
    pub indicator_type: &'static str,
    /// `pattern`.
    pub pattern: String,
    /// TLP 2.0 marking, or `None` for no `object_marking_refs`.
    pub tlp: Option<Tlp>,
}

impl Indicator {
    /// The object as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        // Serialising a struct of strings into a Value cannot fail; keep a total fallback.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for Indicator {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = if self.tlp.is_some() { 13 } else { 12 };
        let mut s = serializer.serialize_struct("Indicator", fields)?;
        s.serialize_field("type", "indicator")?;
        s.serialize_field("spec_version", "2.1")?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("created", &self.created)?;
        s.serialize_field("modified", &self.created)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("description", &self.description)?;
        s.serialize_field("indicator_types", &[self.indicator_type])?;
        s.serialize_field("pattern", &self.pattern)?;
        s.serialize_field("pattern_type", "stix")?;
        s.serialize_field("pattern_version", "2.1")?;
        s.serialize_field("valid_from", &self.created)?;
        if let Some(tlp) = self.tlp {
            s.serialize_field("object_marking_refs", &[tlp.marking_id()])?;
        }
        s.end()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn facts(kind: IndicatorKind, i: u32) -> IndicatorFacts {
        IndicatorFacts::derive(
            5,
            &Keys::new(5),
            &KindWeights::only(kind),
            &TlpWeights::default(),
            i,
        )
    }

    #[test]
    fn patterns_have_the_documented_shapes() {
        let f = facts(IndicatorKind::Ipv4Cidr, 3);
        assert!(f.pattern().starts_with("[ipv4-addr:value ISSUBSET '1"));
        assert!(f.pattern().ends_with(".0/24']"));
        let f = facts(IndicatorKind::DomainMatches, 3);
        let IndicatorValues::DomainSuffix(parent) = &f.values else {
            panic!("wrong values {:?}", f.values)
        };
        assert_eq!(
            f.pattern(),
            format!(
                "[domain-name:value MATCHES '^[a-z0-9]+[.]{}$']",
                parent.replace('.', "[.]")
            )
        );
        let f = facts(IndicatorKind::NetworkTrafficDst, 3);
        assert!(f.pattern().contains("dst_ref.type = 'ipv4-addr' AND"));
        let f = facts(IndicatorKind::FileMd5, 3);
        assert_eq!(f.pattern().len(), "[file:hashes.MD5 = '']".len() + 32);
    }

    #[test]
    fn derivation_is_a_pure_function_of_the_index() {
        for kind in IndicatorKind::ALL {
            assert_eq!(facts(kind, 17), facts(kind, 17));
            assert_ne!(facts(kind, 17).values, facts(kind, 18).values);
        }
    }

    #[test]
    fn uuid_does_not_depend_on_the_kind_weights() {
        assert_eq!(
            facts(IndicatorKind::Ipv4, 9).uuid,
            facts(IndicatorKind::Url, 9).uuid
        );
    }

    #[test]
    fn block_budget_is_respected() {
        // Every kind's draws must stay inside its 64-word block.
        let keys = Keys::new(1);
        for kind in IndicatorKind::ALL {
            for i in 0..50 {
                let mut d = block(1, i);
                let start = d.word_pos();
                let _ = IndicatorFacts::derive_in(
                    &mut d,
                    &keys,
                    &KindWeights::only(kind),
                    &TlpWeights::default(),
                    i,
                );
                assert!(d.word_pos() - start <= WORDS_PER_INDICATOR, "{kind}");
            }
        }
    }

    #[test]
    fn indicator_json_shape() {
        let f = facts(IndicatorKind::Url, 1);
        let v = f.to_indicator().to_value();
        assert_eq!(v["type"], "indicator");
        assert_eq!(v["spec_version"], "2.1");
        assert_eq!(v["pattern_type"], "stix");
        assert_eq!(v["pattern_version"], "2.1");
        assert_eq!(v["created"], v["modified"]);
        assert_eq!(v["created"], v["valid_from"]);
        assert_eq!(
            v["created"].as_str().unwrap().len(),
            "2024-01-01T00:00:01.123Z".len()
        );
        assert!(v["id"].as_str().unwrap().starts_with("indicator--"));
        assert_eq!(v["indicator_types"].as_array().unwrap().len(), 1);
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys[0], "type");
        assert_eq!(keys[11], "valid_from");
    }

    #[test]
    fn quoting_escapes_backslash_and_quote() {
        assert_eq!(quote("a'b\\c"), "a\\'b\\\\c");
        assert_eq!(quote("plain"), "plain");
    }
}
