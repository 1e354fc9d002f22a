//! Keyed pseudonyms: HMAC-SHA256 under the node's key, so one value always
//! maps to one token (peers can still correlate) and nobody without the key
//! can go back from a token to the value, or test a guess.
//!
//! Token formats keep the value valid for the property that held it:
//!
//! | kind | token | why this form |
//! |---|---|---|
//! | e-mail address | `pseudo-<32 hex>@redacted.invalid` | a valid `addr-spec`; `.invalid` (RFC 2606) never resolves |
//! | IPv4 address | an address in `240.0.0.0/4` (28 bits of MAC) | reserved "future use" space (RFC 1112): never routed, never seen in real traffic, so a token cannot match a real sensor event |
//! | IPv6 address | an address in `2001:db8::/32` (96 bits of MAC) | the documentation prefix (RFC 3849): never routed |
//! | account names, display names | `pseudo-<32 hex>` | any string is valid there |
//!
//! A CIDR value maps to a single-address token: the prefix would tell the
//! size of the internal network. 28 bits leave room for collisions between
//! IPv4 tokens (about one in 16 000 among 1 000 addresses); a collision makes
//! two internal addresses look like one to peers, never the other way round.
//!
//! The MAC input is `kind || 0x00 || canonical value`, so an account name and
//! an address with the same text get unrelated tokens, and two spellings of
//! one value (`Alice@EXAMPLE.com`, `alice@example.com`'s domain; `fd00::1`,
//! `FD00:0::1`) get the same token.
//!
//! For the `drop` action text occurrences are replaced by fixed placeholders
//! ([`placeholder`]) that carry no information at all.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ConfigError;

/// The domain of every e-mail token and placeholder.
pub const TOKEN_DOMAIN: &str = "redacted.invalid";

/// The prefix of e-mail and text tokens.
pub const TOKEN_PREFIX: &str = "pseudo-";

/// The IPv4 token range, `240.0.0.0/4`.
pub const IPV4_TOKEN_NET: (Ipv4Addr, u8) = (Ipv4Addr::new(240, 0, 0, 0), 4);

/// The IPv6 token range, `2001:db8::/32`.
pub const IPV6_TOKEN_NET: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32);

/// What kind of value a token stands for; each kind has its own token format
/// and its own MAC domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    /// An e-mail address.
    Email,
    /// An IPv4 address or CIDR.
    Ipv4,
    /// An IPv6 address or CIDR.
    Ipv6,
    /// A name: account id, login or display name.
    Text,
}

impl ValueKind {
    fn mac_label(self) -> &'static [u8] {
        match self {
            ValueKind::Email => b"email",
            ValueKind::Ipv4 => b"ipv4",
            ValueKind::Ipv6 => b"ipv6",
            ValueKind::Text => b"text",
        }
    }
}

/// The node's pseudonymisation key. Its `Debug` output shows only the
/// length, never the bytes.
#[derive(Clone)]
pub struct PseudonymKey {
    mac: Hmac<Sha256>,
    len: usize,
}

impl PseudonymKey {
    /// The fewest key bytes accepted: 128 bits.
    pub const MIN_LEN: usize = 16;

    /// A key from raw bytes (at least [`Self::MIN_LEN`] of them; 32 random
    /// bytes are recommended).
    pub fn new(bytes: &[u8]) -> Result<PseudonymKey, ConfigError> {
        if bytes.len() < Self::MIN_LEN {
            return Err(ConfigError::ShortKey {
                len: bytes.len(),
                min: Self::MIN_LEN,
            });
        }
        // HMAC accepts keys of any length; the error branch is unreachable
        // but is mapped rather than unwrapped.
        let mac =
            <Hmac<Sha256> as Mac>::new_from_slice(bytes).map_err(|_| ConfigError::ShortKey {
                len: bytes.len(),
                min: Self::MIN_LEN,
            })?;
        Ok(PseudonymKey {
            mac,
            len: bytes.len(),
        })
    }

    fn digest(&self, kind: ValueKind, canonical: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(kind.mac_label());
        mac.update(&[0]);
        mac.update(canonical.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The token for `canonical` (already in its canonical form) of kind
    /// `kind`, in the format of the module table.
    pub fn token(&self, kind: ValueKind, canonical: &str) -> String {
        let d = self.digest(kind, canonical);
        match kind {
            ValueKind::Email => format!("{TOKEN_PREFIX}{}@{TOKEN_DOMAIN}", hex::encode(&d[..16])),
            ValueKind::Text => format!("{TOKEN_PREFIX}{}", hex::encode(&d[..16])),
            ValueKind::Ipv4 => {
                let bits = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) >> 4;
                Ipv4Addr::from(u32::from(IPV4_TOKEN_NET.0) | bits).to_string()
            }
            ValueKind::Ipv6 => {
                let mut octets = IPV6_TOKEN_NET.0.octets();
                octets[4..].copy_from_slice(&d[..12]);
                Ipv6Addr::from(octets).to_string()
            }
        }
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudonymKey(<{} bytes, not shown>)", self.len)
    }
}

/// The fixed text that replaces a dropped value of `kind` in free text.
pub fn placeholder(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Email => "redacted@redacted.invalid",
        ValueKind::Ipv4 => "240.0.0.0",
        ValueKind::Ipv6 => "2001:db8::",
        ValueKind::Text => "[redacted]",
    }
}

/// Whether `addr` lies in one of the token ranges (so it is never treated as
/// an internal address: tokens are not pseudonymised twice).
pub fn is_token_address(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => u32::from(v4) >> 28 == u32::from(IPV4_TOKEN_NET.0) >> 28,
        IpAddr::V6(v6) => v6.segments()[..2] == IPV6_TOKEN_NET.0.segments()[..2],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(byte: u8) -> PseudonymKey {
        PseudonymKey::new(&[byte; 32]).unwrap()
    }

    #[test]
    fn tokens_are_deterministic_and_keyed() {
        let a = key(1);
        let b = key(2);
        let t1 = a.token(ValueKind::Email, "alice@ministry.example");
        assert_eq!(t1, a.token(ValueKind::Email, "alice@ministry.example"));
        assert_ne!(t1, b.token(ValueKind::Email, "alice@ministry.example"));
        assert_ne!(t1, a.token(ValueKind::Email, "bob@ministry.example"));
        assert!(t1.starts_with("pseudo-") && t1.ends_with("@redacted.invalid"));
        assert_eq!(t1.len(), "pseudo-".len() + 32 + "@redacted.invalid".len());
        // Kinds are separate MAC domains.
        let text = a.token(ValueKind::Text, "alice@ministry.example");
        assert!(!t1.starts_with(&text));
    }

    #[test]
    fn address_tokens_stay_addresses_in_the_token_ranges() {
        let k = key(7);
        for v in ["10.0.0.1", "10.0.0.2", "192.168.1.1"] {
            let t: Ipv4Addr = k.token(ValueKind::Ipv4, v).parse().unwrap();
            assert!(is_token_address(IpAddr::V4(t)), "{t}");
        }
        let t: Ipv6Addr = k.token(ValueKind::Ipv6, "fd00::1").parse().unwrap();
        assert!(is_token_address(IpAddr::V6(t)), "{t}");
        assert!(!is_token_address("10.0.0.1".parse().unwrap()));
        assert!(!is_token_address("fd00::1".parse().unwrap()));
        for kind in [ValueKind::Ipv4, ValueKind::Ipv6] {
            assert!(is_token_address(placeholder(kind).parse().unwrap()));
        }
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        assert!(matches!(
            PseudonymKey::new(b"short"),
            Err(ConfigError::ShortKey { len: 5, min: 16 })
        ));
        let k = PseudonymKey::new(b"0123456789abcdef-secret").unwrap();
        let shown = format!("{k:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("0123"),
            "{shown}"
        );
        assert!(shown.contains("23 bytes"));
    }
}
