//! Value spaces: where indicator values and background values come from, and why they can
//! never collide.
//!
//! | value | indicators own | background uses |
//! |---|---|---|
//! | IPv4 | single hosts in first octets 100–149 except 127; `/24` networks in 150–199 | sources in `10.0.0.0/8`, destinations in first octets 20–99 |
//! | IPv6 | `2001:db8::/32`, indicator token in bits 32–63 | sources in `fd00::/8`, destinations in `2a00::/12` |
//! | domain | `<letters>-<token>.example` / `.test` (two labels, a hyphen and the token) | three labels from fixed word lists under real TLDs |
//! | email | `<letters>.<token>@<letters>.example` | `<first>.<last>@<word>.<tld>` |
//! | hash (MD5, SHA-1, SHA-256) | top bit of the first byte clear, bytes 1–4 the token | top bit of the first byte set |
//!
//! The *token* of indicator `i` is a keyed bijection of `i` (different seeds give different
//! tokens; distinct indicators always get distinct tokens), so two indicators never share a
//! value, and the shape rules above keep every indicator value out of the background.
//! Single IPv4 hosts and `/24` networks use keyed affine permutations of their ranges, which
//! are bijections for the same reason.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::text::StackStr;

/// First octets of single-host IPv4 indicators: 100–149 without the loopback 127.
const IOC_V4_FIRST: [u8; 49] = {
    let mut t = [0u8; 49];
    let mut i = 0;
    let mut o = 100u8;
    while i < 49 {
        if o != 127 {
            t[i] = o;
            i += 1;
        }
        o += 1;
    }
    t
};

/// Host addresses per first octet (last octet 1–254).
const HOSTS_PER_OCTET: u64 = 65_536 * 254;
/// Number of distinct single-host IPv4 indicator addresses.
pub(crate) const IOC_V4_HOSTS: u64 = IOC_V4_FIRST.len() as u64 * HOSTS_PER_OCTET;
/// First octet of the `/24` indicator networks (150–199).
const IOC_NET_FIRST: u8 = 150;
/// Number of distinct `/24` indicator networks; this bounds the number of indicators.
pub(crate) const IOC_NETS: u64 = 50 * 65_536;
/// Multiplier of the affine permutations: a prime larger than both ranges, so it is
/// coprime with each and `i -> (A*i + b) mod N` is a bijection on `0..N`.
const AFFINE_A: u64 = 2_654_435_761;

/// Per-seed keys of the bijections above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Keys {
    host_offset: u64,
    net_offset: u64,
    token_key: u32,
}

/// SplitMix64 finaliser: spreads a seed into unrelated-looking keys.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Keys {
    /// The keys for a seed.
    pub(crate) fn new(seed: u64) -> Self {
        Keys {
            host_offset: mix64(seed ^ 0x686f_7374) % IOC_V4_HOSTS,
            net_offset: mix64(seed ^ 0x6e65_7473) % IOC_NETS,
            token_key: mix64(seed ^ 0x746f_6b65) as u32,
        }
    }

    /// The token of indicator `i`: a keyed bijection on `u32` (xor, then the invertible
    /// "lowbias32" mixer: xor-shifts and odd multiplications).
    pub(crate) fn token(&self, i: u32) -> u32 {
        let mut x = i ^ self.token_key;
        x ^= x >> 16;
        x = x.wrapping_mul(0x7feb_352d);
        x ^= x >> 15;
        x = x.wrapping_mul(0x846c_a68b);
        x ^ (x >> 16)
    }

    /// The token in base 36, as it appears in names.
    pub(crate) fn token_text(&self, i: u32) -> StackStr<8> {
        base36(self.token(i))
    }

    /// The single-host IPv4 address owned by indicator `i`.
    pub(crate) fn ioc_ipv4(&self, i: u32) -> Ipv4Addr {
        let h = (AFFINE_A * u64::from(i) + self.host_offset) % IOC_V4_HOSTS;
        let first = IOC_V4_FIRST[(h / HOSTS_PER_OCTET) as usize % IOC_V4_FIRST.len()];
        let rem = h % HOSTS_PER_OCTET;
        let b = (rem / (256 * 254)) as u8;
        let c = (rem / 254 % 256) as u8;
        let d = (rem % 254 + 1) as u8;
        Ipv4Addr::new(first, b, c, d)
    }

    /// The network address of the `/24` owned by indicator `i`.
    pub(crate) fn ioc_net(&self, i: u32) -> Ipv4Addr {
        let n = (AFFINE_A * u64::from(i) + self.net_offset) % IOC_NETS;
        Ipv4Addr::new(IOC_NET_FIRST + (n >> 16) as u8, (n >> 8) as u8, n as u8, 0)
    }

    /// The IPv6 address owned by indicator `i`; `low` is its random interface id.
    pub(crate) fn ioc_ipv6(&self, i: u32, low: u64) -> Ipv6Addr {
        let bits = (0x2001_0db8u128 << 96) | (u128::from(self.token(i)) << 64) | u128::from(low);
        Ipv6Addr::from(bits)
    }

    /// An indicator hash: random bytes with the top bit cleared and the token in bytes 1–4.
    pub(crate) fn ioc_hash<const N: usize>(&self, i: u32, mut random: [u8; N]) -> [u8; N] {
        if N >= 5 {
            random[0] &= 0x7f;
            random[1..5].copy_from_slice(&self.token(i).to_be_bytes());
        }
        random
    }
}

/// A background hash: random bytes with the top bit set.
pub(crate) fn background_hash<const N: usize>(mut random: [u8; N]) -> [u8; N] {
    if N > 0 {
        random[0] |= 0x80;
    }
    random
}

/// `n` in lowercase base 36.
pub(crate) fn base36(mut n: u32) -> StackStr<8> {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 7];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    let mut out = StackStr::new();
    out.push_bytes(&buf[at..]);
    out
}

#[cfg(test)]
/// Which value space an IPv4 address belongs to (used by tests and the property checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V4Space {
    /// `10.0.0.0/8`: background sources and resolvers.
    Internal,
    /// First octet 20–99: background destinations.
    External,
    /// Single-host indicator addresses.
    IocHost,
    /// Inside an indicator `/24`.
    IocNet,
    /// Anything else (never generated).
    Other,
}

#[cfg(test)]
/// Classifies an IPv4 address by its first octet.
pub(crate) fn v4_space(ip: Ipv4Addr) -> V4Space {
    match ip.octets()[0] {
        10 => V4Space::Internal,
        20..=99 => V4Space::External,
        127 => V4Space::Other,
        100..=149 => V4Space::IocHost,
        150..=199 => V4Space::IocNet,
        _ => V4Space::Other,
    }
}

#[cfg(test)]
/// Whether an IPv6 address is in the indicator range `2001:db8::/32`.
pub(crate) fn is_ioc_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    s[0] == 0x2001 && s[1] == 0x0db8
}

#[cfg(test)]
/// Whether a domain has the indicator shape: ends in `.example` or `.test`.
pub(crate) fn is_ioc_domain(domain: &str) -> bool {
    domain.ends_with(".example") || domain.ends_with(".test")
}

/// Reserved top-level domains used for indicator names (RFC 2606), never by background.
pub(crate) const IOC_TLDS: [&str; 2] = ["example", "test"];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn loopback_is_not_an_indicator_octet() {
        assert!(!IOC_V4_FIRST.contains(&127));
        assert_eq!(IOC_V4_FIRST[0], 100);
        assert_eq!(IOC_V4_FIRST[48], 149);
    }

    #[test]
    fn first_indices_are_distinct_and_in_range() {
        let keys = Keys::new(42);
        let mut hosts = HashSet::new();
        let mut nets = HashSet::new();
        let mut tokens = HashSet::new();
        for i in 0..50_000 {
            let h = keys.ioc_ipv4(i);
            assert_eq!(v4_space(h), V4Space::IocHost, "{h}");
            assert!(h.octets()[3] != 0 && h.octets()[3] != 255);
            assert!(hosts.insert(h));
            let n = keys.ioc_net(i);
            assert_eq!(v4_space(n), V4Space::IocNet, "{n}");
            assert_eq!(n.octets()[3], 0);
            assert!(nets.insert(n));
            assert!(tokens.insert(keys.token(i)));
        }
    }

    #[test]
    fn last_indices_stay_in_range() {
        let keys = Keys::new(0);
        let last = (IOC_NETS - 1) as u32;
        assert_eq!(v4_space(keys.ioc_net(last)), V4Space::IocNet);
        assert_eq!(v4_space(keys.ioc_ipv4(u32::MAX)), V4Space::IocHost);
    }

    #[test]
    fn hashes_carry_the_token() {
        let keys = Keys::new(1);
        let a = keys.ioc_hash(5, [0xff; 16]);
        assert_eq!(a[0], 0x7f);
        assert_eq!(&a[1..5], &keys.token(5).to_be_bytes());
        assert_eq!(background_hash([0u8; 16])[0], 0x80);
    }

    #[test]
    fn base36_text() {
        assert_eq!(base36(0).as_str(), "0");
        assert_eq!(base36(35).as_str(), "z");
        assert_eq!(base36(36).as_str(), "10");
        assert_eq!(base36(u32::MAX).as_str(), "1z141z3");
    }

    proptest::proptest! {
        #[test]
        fn distinct_indices_never_share_a_value(seed: u64, i: u32, j: u32) {
            proptest::prop_assume!(i != j);
            let keys = Keys::new(seed);
            proptest::prop_assert_ne!(keys.token(i), keys.token(j));
            proptest::prop_assert_ne!(keys.ioc_ipv4(i), keys.ioc_ipv4(j));
            proptest::prop_assert_eq!(v4_space(keys.ioc_ipv4(i)), V4Space::IocHost);
            let (a, b) = (i % IOC_NETS as u32, j % IOC_NETS as u32);
            if a != b {
                proptest::prop_assert_ne!(keys.ioc_net(a), keys.ioc_net(b));
            }
            proptest::prop_assert_eq!(v4_space(keys.ioc_net(a)), V4Space::IocNet);
            proptest::prop_assert_ne!(keys.ioc_hash(i, [0u8; 20]), keys.ioc_hash(j, [0u8; 20]));
            proptest::prop_assert!(keys.ioc_hash(i, [0xffu8; 16])[0] < 0x80);
        }
    }

    #[test]
    fn ipv6_range() {
        let keys = Keys::new(9);
        let ip = keys.ioc_ipv6(3, 0x1234);
        assert!(is_ioc_v6(ip));
        assert!(!is_ioc_v6("2a00::1".parse().unwrap()));
    }
}
