//! IP addresses and CIDR blocks for `ISSUBSET` and `ISSUPERSET`.
//!
//! A value is an address (`198.51.100.7`, `2001:db8::1`) or a CIDR block
//! (`198.51.100.0/24`, `2001:db8::/32`). Host bits of a block are cleared
//! (`11.22.41.123/20` is the block `11.22.32.0/20`), and an address is the
//! block of its full length. Parsing uses `std::net`, so addresses are in the
//! strict textual forms (dotted quad; RFC 4291 IPv6 text); a prefix has no
//! sign and no leading zeros beyond one digit. IPv4 and IPv6 never contain
//! each other, including IPv4-mapped IPv6 addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A normalised CIDR block (host bits cleared); an address is the block of
/// its full length. Public as [`IpBlock`](crate::IpBlock) so that a
/// multi-pattern index applies exactly the evaluator's `ISSUBSET` and
/// `ISSUPERSET` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Block {
    /// Network bits of an IPv4 block and the prefix length (0-32).
    V4(u32, u8),
    /// Network bits of an IPv6 block and the prefix length (0-128).
    V6(u128, u8),
}

impl Block {
    /// Parses an address or CIDR block, clearing host bits. The error says
    /// why the text is not one.
    pub fn parse(text: &str) -> Result<Block, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("'{text}' is not an IPv4 or IPv6 address or CIDR block"))?;
        let max = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            None => max,
            Some(digits) => {
                let valid = !digits.is_empty()
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && !(digits.len() > 1 && digits.starts_with('0'));
                match digits.parse::<u8>() {
                    Ok(prefix) if valid && prefix <= max => prefix,
                    _ => {
                        return Err(format!(
                            "'{text}' has an invalid prefix length; it must be 0 to {max}"
                        ));
                    }
                }
            }
        };
        Ok(match address {
            IpAddr::V4(v4) => Block::V4(mask_v4(v4, prefix), prefix),
            IpAddr::V6(v6) => Block::V6(mask_v6(v6, prefix), prefix),
        })
    }

    /// True when every address of `self` is in `other` (identical blocks
    /// count). Blocks of different families are never related.
    pub fn is_subset_of(&self, other: &Block) -> bool {
        match (*self, *other) {
            (Block::V4(bits, len), Block::V4(other_bits, other_len)) => {
                len >= other_len && mask_bits_v4(bits, other_len) == other_bits
            }
            (Block::V6(bits, len), Block::V6(other_bits, other_len)) => {
                len >= other_len && mask_bits_v6(bits, other_len) == other_bits
            }
            _ => false,
        }
    }

    /// True for IPv4 blocks.
    pub fn is_v4(&self) -> bool {
        matches!(self, Block::V4(..))
    }
}

fn mask_v4(address: Ipv4Addr, prefix: u8) -> u32 {
    mask_bits_v4(u32::from(address), prefix)
}

fn mask_v6(address: Ipv6Addr, prefix: u8) -> u128 {
    mask_bits_v6(u128::from(address), prefix)
}

fn mask_bits_v4(bits: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        bits & (u32::MAX << (32 - u32::from(prefix)))
    }
}

fn mask_bits_v6(bits: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn block(text: &str) -> Block {
        Block::parse(text).unwrap()
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(block("11.22.41.123/20"), block("11.22.32.0/20"));
        assert!(block("11.22.33.44").is_subset_of(&block("11.22.41.123/20")));
        assert_eq!(block("2001:db8::1/32"), block("2001:db8::/32"));
    }

    #[test]
    fn subset_relations() {
        assert!(block("198.51.100.0/27").is_subset_of(&block("198.51.100.0/24")));
        assert!(!block("198.51.100.0/24").is_subset_of(&block("198.51.100.0/27")));
        assert!(block("198.51.100.7").is_subset_of(&block("198.51.100.7")));
        assert!(block("10.0.0.1").is_subset_of(&block("0.0.0.0/0")));
        assert!(block("2001:db8::1").is_subset_of(&block("2001:db8::/32")));
        assert!(!block("2001:db9::1").is_subset_of(&block("2001:db8::/32")));
        assert!(!block("::ffff:10.0.0.1").is_subset_of(&block("10.0.0.0/8")));
        assert!(!block("10.0.0.1").is_subset_of(&block("::/0")));
    }

    #[test]
    fn invalid_text() {
        assert!(Block::parse("10.0.0.0/33").is_err());
        assert!(Block::parse("10.0.0.0/").is_err());
        assert!(Block::parse("10.0.0.0/08").is_err());
        assert!(Block::parse("10.0.0.0/+8").is_err());
        assert!(Block::parse("10.0.0").is_err());
        assert!(Block::parse("example.com").is_err());
        assert!(Block::parse("::1/129").is_err());
    }
}
