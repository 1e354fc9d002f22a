//! The kinds of indicator a workload contains.

use std::fmt;

/// One kind of STIX indicator pattern. Each kind owns one or two values (see
/// [`crate::IndicatorValues`]) and is planted in telemetry where those values fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum IndicatorKind {
    /// `[ipv4-addr:value = 'a.b.c.d']`
    Ipv4,
    /// `[ipv4-addr:value ISSUBSET 'a.b.c.0/24']`
    Ipv4Cidr,
    /// `[ipv6-addr:value = '2001:db8:…']`
    Ipv6,
    /// `[domain-name:value = 'x.example']`
    Domain,
    /// `[domain-name:value LIKE '%.x.example']`: any subdomain of the owned name.
    DomainLike,
    /// `[domain-name:value MATCHES '^[a-z0-9]+[.]x[.]example$']`: one-label subdomains.
    DomainMatches,
    /// `[url:value = 'http://x.example/path?q']`
    Url,
    /// `[file:hashes.'SHA-256' = '…']`
    FileSha256,
    /// `[file:hashes.MD5 = '…']`
    FileMd5,
    /// `[x509-certificate:hashes.'SHA-1' = '…']`
    X509Sha1,
    /// `[email-addr:value = 'a.b@c.example']`
    EmailAddr,
    /// `[ipv4-addr:value = '…'] OR [domain-name:value = '…']`
    Ipv4OrDomain,
    /// `[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '…']`
    NetworkTrafficDst,
}

impl IndicatorKind {
    /// Every kind, in declaration order (the order of [`crate::KindWeights`]).
    pub const ALL: [IndicatorKind; 13] = [
        IndicatorKind::Ipv4,
        IndicatorKind::Ipv4Cidr,
        IndicatorKind::Ipv6,
        IndicatorKind::Domain,
        IndicatorKind::DomainLike,
        IndicatorKind::DomainMatches,
        IndicatorKind::Url,
        IndicatorKind::FileSha256,
        IndicatorKind::FileMd5,
        IndicatorKind::X509Sha1,
        IndicatorKind::EmailAddr,
        IndicatorKind::Ipv4OrDomain,
        IndicatorKind::NetworkTrafficDst,
    ];

    /// Stable snake-case name, used in `expected.json` counts and in indicator names.
    pub fn name(self) -> &'static str {
        match self {
            IndicatorKind::Ipv4 => "ipv4",
            IndicatorKind::Ipv4Cidr => "ipv4_cidr",
            IndicatorKind::Ipv6 => "ipv6",
            IndicatorKind::Domain => "domain",
            IndicatorKind::DomainLike => "domain_like",
            IndicatorKind::DomainMatches => "domain_matches",
            IndicatorKind::Url => "url",
            IndicatorKind::FileSha256 => "file_sha256",
            IndicatorKind::FileMd5 => "file_md5",
            IndicatorKind::X509Sha1 => "x509_sha1",
            IndicatorKind::EmailAddr => "email_addr",
            IndicatorKind::Ipv4OrDomain => "ipv4_or_domain",
            IndicatorKind::NetworkTrafficDst => "network_traffic_dst",
        }
    }

    /// A short human description, used in indicator descriptions.
    pub fn describe(self) -> &'static str {
        match self {
            IndicatorKind::Ipv4 => "IPv4 address",
            IndicatorKind::Ipv4Cidr => "IPv4 /24 network",
            IndicatorKind::Ipv6 => "IPv6 address",
            IndicatorKind::Domain => "domain name",
            IndicatorKind::DomainLike => "subdomains of a domain (LIKE)",
            IndicatorKind::DomainMatches => "subdomains of a domain (MATCHES)",
            IndicatorKind::Url => "URL",
            IndicatorKind::FileSha256 => "file SHA-256",
            IndicatorKind::FileMd5 => "file MD5",
            IndicatorKind::X509Sha1 => "X.509 certificate SHA-1 fingerprint",
            IndicatorKind::EmailAddr => "email address",
            IndicatorKind::Ipv4OrDomain => "IPv4 address or domain name",
            IndicatorKind::NetworkTrafficDst => "network traffic to an IPv4 address",
        }
    }

    /// Whether this kind's IPv4 value may be planted as a second hit in the source slot of
    /// an IPv4 event (the network-traffic kind matches destinations only).
    pub(crate) fn fits_v4_source(self) -> bool {
        matches!(
            self,
            IndicatorKind::Ipv4 | IndicatorKind::Ipv4Cidr | IndicatorKind::Ipv4OrDomain
        )
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_in_discriminant_order() {
        for (i, k) in IndicatorKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = IndicatorKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), IndicatorKind::ALL.len());
    }
}
