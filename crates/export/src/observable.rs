//! The values an indicator is exported as: their kinds, canonical forms and validation.

use std::fmt;
use std::net::IpAddr;

use phalanx_stix::canonical;

/// What an exported value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// One IPv4 address (`ipv4-addr:value`, or a `network-traffic` reference's value).
    Ipv4,
    /// One IPv6 address.
    Ipv6,
    /// An IPv4 CIDR block shorter than `/32` (`ISSUBSET`, or `=` with a block).
    Ipv4Net,
    /// An IPv6 CIDR block shorter than `/128`.
    Ipv6Net,
    /// A domain name, matched exactly (`domain-name:value =`).
    Domain,
    /// A domain-name suffix: every name that ends with the value matches
    /// (`domain-name:value LIKE '%suffix'`).
    DomainSuffix,
    /// A URL (`url:value`), in canonical form.
    Url,
    /// A file MD5 (`file:hashes.MD5`).
    FileMd5,
    /// A file SHA-1 (`file:hashes.'SHA-1'`).
    FileSha1,
    /// A file SHA-256 (`file:hashes.'SHA-256'`).
    FileSha256,
    /// The SHA-1 fingerprint of an X.509 certificate (`x509-certificate:hashes.'SHA-1'`).
    X509Sha1,
    /// An email address (`email-addr:value`).
    Email,
}

impl Kind {
    /// The name used in the `type` column of the CSV format.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4-addr",
            Kind::Ipv6 => "ipv6-addr",
            Kind::Ipv4Net => "ipv4-net",
            Kind::Ipv6Net => "ipv6-net",
            Kind::Domain => "domain-name",
            Kind::DomainSuffix => "domain-suffix",
            Kind::Url => "url",
            Kind::FileMd5 => "file-md5",
            Kind::FileSha1 => "file-sha1",
            Kind::FileSha256 => "file-sha256",
            Kind::X509Sha1 => "x509-sha1",
            Kind::Email => "email-addr",
        }
    }

    /// True for addresses and CIDR blocks.
    pub fn is_address(self) -> bool {
        matches!(
            self,
            Kind::Ipv4 | Kind::Ipv6 | Kind::Ipv4Net | Kind::Ipv6Net
        )
    }

    /// True for CIDR blocks.
    pub fn is_network(self) -> bool {
        matches!(self, Kind::Ipv4Net | Kind::Ipv6Net)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which end of a connection an address must be at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Anywhere: `ipv4-addr:value` and every value that is not an address.
    Any,
    /// The source (`network-traffic:src_ref.value`).
    Source,
    /// The destination (`network-traffic:dst_ref.value`).
    Destination,
}

/// One exported value of an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Observable {
    /// What it is.
    pub kind: Kind,
    /// For addresses from `network-traffic` references, the end they must be at.
    pub direction: Direction,
    /// The canonical value (lower-case hashes and domains, canonical IP text, canonical URL).
    pub value: String,
}

impl Observable {
    /// The `type` column of the CSV format: the kind's name, prefixed by `src:` or `dst:`
    /// for an address that must be at one end of a connection.
    pub fn csv_type(&self) -> String {
        match self.direction {
            Direction::Any => self.kind.name().to_owned(),
            Direction::Source => format!("src:{}", self.kind.name()),
            Direction::Destination => format!("dst:{}", self.kind.name()),
        }
    }
}

/// Which address family a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
    /// A `network-traffic` reference without a `type` constraint: either family.
    Either,
}

/// An IP address or CIDR block in canonical text (`/32` and `/128` dropped, host bits
/// cleared), or an error message.
pub(crate) fn address(value: &str, family: Family) -> Result<(Kind, String), String> {
    let canonical = canonical::canonical_ip(value.trim()).into_owned();
    let (addr, prefix) = match canonical.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (canonical.as_str(), None),
    };
    let parsed: Option<IpAddr> = addr.parse().ok();
    let prefix_ok = |max: u8| {
        prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= max) && !p.starts_with('+'))
    };
    let kind = match parsed {
        Some(IpAddr::V4(_)) if family != Family::V6 && prefix_ok(32) => {
            if prefix.is_some() {
                Kind::Ipv4Net
            } else {
                Kind::Ipv4
            }
        }
        Some(IpAddr::V6(_)) if family != Family::V4 && prefix_ok(128) => {
            if prefix.is_some() {
                Kind::Ipv6Net
            } else {
                Kind::Ipv6
            }
        }
        _ => {
            let what = match family {
                Family::V4 => "an IPv4 address or CIDR block",
                Family::V6 => "an IPv6 address or CIDR block",
                Family::Either => "an IP address or CIDR block",
            };
            return Err(format!("{value:?} is not {what}"));
        }
    };
    Ok((kind, canonical))
}

/// The canonical domain name, or an error message. Accepted: ASCII letters, digits, `-`
/// and `_` in non-empty labels separated by dots (IDNA names arrive here as `xn--`).
pub(crate) fn domain(value: &str) -> Result<String, String> {
    let canonical = canonical::canonical_domain(value).into_owned();
    if is_domain_text(&canonical) {
        Ok(canonical)
    } else {
        Err(format!("{value:?} is not a domain name"))
    }
}

fn is_domain_text(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        })
}

/// The canonical suffix of a `LIKE '%suffix'` on a domain name: lower case, IDNA to
/// ASCII, with a leading dot kept. An error message when the suffix is empty or is not
/// the end of a domain name.
pub(crate) fn domain_suffix(suffix: &str) -> Result<String, String> {
    let (dot, rest) = match suffix.strip_prefix('.') {
        Some(rest) => (".", rest),
        None => ("", suffix),
    };
    if rest.is_empty() {
        return Err(format!("LIKE '%{suffix}' matches almost every domain name"));
    }
    let canonical = canonical::canonical_domain(rest).into_owned();
    if is_domain_text(&canonical) {
        Ok(format!("{dot}{canonical}"))
    } else {
        Err(format!("{suffix:?} is not the end of a domain name"))
    }
}

/// The canonical URL, or an error message.
pub(crate) fn url(value: &str) -> Result<String, String> {
    let canonical = canonical::canonical_url(value).into_owned();
    match url::Url::parse(&canonical) {
        Ok(parsed) if parsed.has_host() && !canonical.contains(char::is_whitespace) => {
            Ok(canonical)
        }
        _ => Err(format!("{value:?} is not an absolute URL with a host")),
    }
}

/// The canonical (lower-case hex) hash, or an error message when it is not `digits` hex
/// digits.
pub(crate) fn hash(value: &str, algorithm: &str, digits: usize) -> Result<String, String> {
    let canonical = value.to_ascii_lowercase();
    if canonical.len() == digits && canonical.bytes().all(|c| c.is_ascii_hexdigit()) {
        Ok(canonical)
    } else {
        Err(format!(
            "{value:?} is not a {algorithm} ({digits} hex digits)"
        ))
    }
}

/// The canonical email address (domain part as for domain names), or an error message.
pub(crate) fn email(value: &str) -> Result<String, String> {
    let canonical = canonical::canonical_email(value).into_owned();
    let valid = canonical.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !local.chars().any(|c| c.is_whitespace() || c.is_control())
            && is_domain_text(domain)
    });
    if valid {
        Ok(canonical)
    } else {
        Err(format!("{value:?} is not an email address"))
    }
}

/// The two address types a `network-traffic` reference's `type` may name.
pub(crate) fn family_of_type(type_name: &str) -> Option<Family> {
    match type_name {
        "ipv4-addr" => Some(Family::V4),
        "ipv6-addr" => Some(Family::V6),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn addresses_are_canonical_and_checked() {
        assert_eq!(
            address("198.51.100.7/32", Family::V4).unwrap(),
            (Kind::Ipv4, "198.51.100.7".to_owned())
        );
        assert_eq!(
            address("198.51.100.77/24", Family::V4).unwrap(),
            (Kind::Ipv4Net, "198.51.100.0/24".to_owned())
        );
        assert_eq!(
            address("2001:DB8:0:0::1", Family::Either).unwrap(),
            (Kind::Ipv6, "2001:db8::1".to_owned())
        );
        assert!(address("2001:db8::1", Family::V4).is_err());
        assert!(address("198.51.100.7", Family::V6).is_err());
        assert!(address("198.51.100.7/33", Family::V4).is_err());
        assert!(address("example.com", Family::Either).is_err());
    }

    #[test]
    fn names_hashes_urls_and_emails() {
        assert_eq!(domain("Example.COM.").unwrap(), "example.com");
        assert!(domain("bad name.example").is_err());
        assert!(domain("").is_err());
        assert_eq!(domain_suffix(".Evil.Example").unwrap(), ".evil.example");
        assert_eq!(domain_suffix("evil.example").unwrap(), "evil.example");
        assert!(domain_suffix(".").is_err());
        assert_eq!(
            url("HTTP://Example.com:80/a").unwrap(),
            "http://example.com/a"
        );
        assert!(url("not a url").is_err());
        assert_eq!(
            hash("ABCDEF0123456789ABCDEF0123456789", "MD5", 32)
                .unwrap()
                .len(),
            32
        );
        assert!(hash("abc", "MD5", 32).is_err());
        assert_eq!(email("Alice@Example.COM").unwrap(), "Alice@example.com");
        assert!(email("no-at-sign").is_err());
    }
}
