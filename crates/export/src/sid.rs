//! Stable Suricata signature ids.
//!
//! A rule's `sid` is `base + h`, where `h` is the first 32 bits (big-endian) of the SHA-256
//! of the rule's key, shifted right by two (30 bits, so `0 ≤ h < 2^30`). The key names what
//! the rule matches, not where it sits in the file: `<indicator id>|<what>`, e.g.
//! `indicator--…|dns.query|evil.example` or `indicator--…|ip|any`, and
//! `dataset|<dataset>|<buffer>` for the dataset rules. So a rule keeps its sid across
//! exports, whatever else is added or removed, for as long as the indicator keeps the value.
//!
//! Two keys can share `h` (for 100 000 rules about five pairs are expected). The first key
//! in export order keeps `base + h`; the later one takes the next free number, counting up
//! and wrapping within the 2^30 range. Only the later key of such a pair can change its sid
//! between exports, and only when the earlier one disappears or the order changes.

use std::collections::HashSet;

use sha2::{Digest as _, Sha256};

/// The size of the range above the base: `2^30` numbers.
pub const SID_RANGE: u32 = 1 << 30;

/// The default base: sids `9_000_000 ..= 9_000_000 + 2^30 - 1`.
pub const DEFAULT_SID_BASE: u32 = 9_000_000;

/// The largest base whose range still fits in a `u32` sid.
pub const MAX_SID_BASE: u32 = u32::MAX - (SID_RANGE - 1);

/// Hands out sids for one export, never the same one twice.
#[derive(Debug)]
pub(crate) struct Sids {
    base: u32,
    used: HashSet<u32>,
}

impl Sids {
    /// A new allocator; `base` must be at most [`MAX_SID_BASE`] (the caller checks).
    pub fn new(base: u32) -> Sids {
        Sids {
            base,
            used: HashSet::new(),
        }
    }

    /// The sid for `key`.
    pub fn assign(&mut self, key: &str) -> u32 {
        let digest = Sha256::digest(key.as_bytes());
        let mut offset = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) >> 2;
        // At most 2^30 probes; an export never has that many rules, so a free one is found.
        for _ in 0..SID_RANGE {
            let sid = self.base.saturating_add(offset);
            if self.used.insert(sid) {
                return sid;
            }
            offset = (offset + 1) % SID_RANGE;
        }
        self.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_stable_in_range_and_distinct() {
        let mut a = Sids::new(DEFAULT_SID_BASE);
        let mut b = Sids::new(DEFAULT_SID_BASE);
        let x = a.assign("indicator--1|ip|any");
        let _ = b.assign("something else first");
        assert_eq!(b.assign("indicator--1|ip|any"), x);
        assert!((DEFAULT_SID_BASE..DEFAULT_SID_BASE + SID_RANGE).contains(&x));
        // The same key twice (two versions of one indicator) still gets two sids.
        let y = a.assign("indicator--1|ip|any");
        assert_ne!(y, x);
        let mut top = Sids::new(MAX_SID_BASE);
        for i in 0..1000 {
            let sid = top.assign(&i.to_string());
            assert!(sid >= MAX_SID_BASE);
        }
    }
}
