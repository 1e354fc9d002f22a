//! `ISSUBSET` and `ISSUPERSET` atoms.
//!
//! `value ISSUBSET 'block'`: the value's block lies inside `block`. Several
//! indicators may name nested blocks (`10.0.0.0/8` and `10.1.0.0/16`) and an
//! address must find all of them, and blocks come and go one at a time. So
//! blocks are kept in one exact-match hash table keyed by `(path, prefix
//! length, network bits)`, and each path remembers which prefix lengths it
//! uses: a value is looked up once per length in use (at most its own
//! length), masked to that length. Every containing block is found, inserts
//! and removals are single hash operations, and the common feed (one or two
//! lengths, `/24` and `/32`) costs one or two probes.
//!
//! This replaces a longest-prefix trie (iptrie measured fastest for that):
//! a trie answers the longest match only, and its compressed form is static;
//! here both "all matches" and "one at a time" are required.
//!
//! `value ISSUPERSET 'block'`: the value's block contains `block`. That is a
//! range of network bits, so these atoms live in an ordered map; they are
//! rare in feeds.

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use phalanx_pattern::IpBlock;

use crate::posting::{Posting, Postings};
use crate::sharded::Sharded;

#[derive(Debug, Clone)]
struct BlockEntry {
    path: u32,
    len: u8,
    family: u8,
    posting: Posting,
    bits: [u64; 2],
}

/// Where a block atom was filed, to remove it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockRef {
    path: u32,
    family: u8,
    len: u8,
    bits: [u64; 2],
}

const V4: u8 = 4;
const V6: u8 = 6;

impl BlockRef {
    /// The path the block is filed under.
    pub(crate) fn path(&self) -> u32 {
        self.path
    }
}

fn parts(block: &IpBlock) -> (u8, u128, u8) {
    match *block {
        IpBlock::V4(bits, len) => (V4, u128::from(bits), len),
        IpBlock::V6(bits, len) => (V6, bits, len),
    }
}

fn split(bits: u128) -> [u64; 2] {
    [(bits >> 64) as u64, bits as u64]
}

fn join(bits: [u64; 2]) -> u128 {
    (u128::from(bits[0]) << 64) | u128::from(bits[1])
}

/// `bits` (of a family with `width` bits) masked to its first `len` bits.
fn mask(bits: u128, len: u8, width: u8) -> u128 {
    if len == 0 {
        0
    } else {
        let keep = u32::from(len);
        let shift = u32::from(width) - keep;
        (bits >> shift) << shift
    }
}

/// The lengths in use on one path for one family, with counts.
#[derive(Debug, Clone, Default)]
struct Lengths {
    counts: BTreeMap<u8, u32>,
    /// Lengths in use, longest first (what a lookup iterates).
    list: Vec<u8>,
}

impl Lengths {
    fn add(&mut self, len: u8) {
        *self.counts.entry(len).or_insert(0) += 1;
        self.refresh();
    }

    fn remove(&mut self, len: u8) {
        if let Some(count) = self.counts.get_mut(&len) {
            *count -= 1;
            if *count == 0 {
                self.counts.remove(&len);
            }
        }
        self.refresh();
    }

    fn refresh(&mut self) {
        self.list = self.counts.keys().rev().copied().collect();
    }
}

/// Blocks for `ISSUBSET`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubsetIndex {
    state: RandomState,
    table: Sharded<BlockEntry>,
    lengths: BTreeMap<(u32, u8), Lengths>,
}

impl SubsetIndex {
    fn hash(&self, path: u32, family: u8, len: u8, bits: [u64; 2]) -> u64 {
        self.state.hash_one((path, family, len, bits))
    }

    /// Files `slot` under `block` on `path`.
    pub(crate) fn insert(
        &mut self,
        path: u32,
        block: &IpBlock,
        slot: u32,
        postings: &mut Postings,
    ) -> BlockRef {
        let (family, bits, len) = parts(block);
        let bits = split(bits);
        let hash = self.hash(path, family, len, bits);
        let eq =
            |e: &BlockEntry| e.path == path && e.family == family && e.len == len && e.bits == bits;
        match self.table.find_mut(hash, eq) {
            Some(e) => e.posting = postings.add(e.posting, slot),
            None => {
                let state = self.state.clone();
                self.table.insert(
                    hash,
                    BlockEntry {
                        path,
                        len,
                        family,
                        posting: Postings::single(slot),
                        bits,
                    },
                    |e| state.hash_one((e.path, e.family, e.len, e.bits)),
                );
                self.lengths.entry((path, family)).or_default().add(len);
            }
        }
        BlockRef {
            path,
            family,
            len,
            bits,
        }
    }

    /// Removes `slot` from the block `block_ref` names.
    pub(crate) fn remove(&mut self, block_ref: &BlockRef, slot: u32, postings: &mut Postings) {
        let BlockRef {
            path,
            family,
            len,
            bits,
        } = *block_ref;
        let hash = self.hash(path, family, len, bits);
        let eq =
            |e: &BlockEntry| e.path == path && e.family == family && e.len == len && e.bits == bits;
        let Some(e) = self.table.find_mut(hash, eq) else {
            return;
        };
        match postings.remove(e.posting, slot) {
            Some(p) => e.posting = p,
            None => {
                self.table.remove(hash, eq);
                if let Some(lengths) = self.lengths.get_mut(&(path, family)) {
                    lengths.remove(len);
                    if lengths.list.is_empty() {
                        self.lengths.remove(&(path, family));
                    }
                }
            }
        }
    }

    /// Calls `visit` with the posting of every block on `path` that contains
    /// `value`.
    #[inline]
    pub(crate) fn containing(&self, path: u32, value: &IpBlock, mut visit: impl FnMut(&Posting)) {
        let (family, bits, value_len) = parts(value);
        let Some(lengths) = self.lengths.get(&(path, family)) else {
            return;
        };
        let width = if family == V4 { 32 } else { 128 };
        for &len in &lengths.list {
            if len > value_len {
                continue;
            }
            let masked = split(mask(bits, len, width));
            let hash = self.hash(path, family, len, masked);
            if let Some(e) = self.table.find(hash, |e| {
                e.path == path && e.family == family && e.len == len && e.bits == masked
            }) {
                visit(&e.posting);
            }
        }
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.allocation_size() + self.lengths.len() * (std::mem::size_of::<Lengths>() + 64)
    }
}

/// Blocks for `ISSUPERSET`, ordered by `(path, family, bits, length)`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SupersetIndex {
    map: BTreeMap<(u32, u8, u128, u8), Posting>,
}

impl SupersetIndex {
    /// Files `slot` under `block` on `path`.
    pub(crate) fn insert(
        &mut self,
        path: u32,
        block: &IpBlock,
        slot: u32,
        postings: &mut Postings,
    ) -> BlockRef {
        let (family, bits, len) = parts(block);
        let key = (path, family, bits, len);
        let posting = match self.map.get(&key) {
            Some(p) => postings.add(*p, slot),
            None => Postings::single(slot),
        };
        self.map.insert(key, posting);
        BlockRef {
            path,
            family,
            len,
            bits: split(bits),
        }
    }

    /// Removes `slot` from the block `block_ref` names.
    pub(crate) fn remove(&mut self, block_ref: &BlockRef, slot: u32, postings: &mut Postings) {
        let key = (
            block_ref.path,
            block_ref.family,
            join(block_ref.bits),
            block_ref.len,
        );
        if let Some(p) = self.map.get(&key).copied() {
            match postings.remove(p, slot) {
                Some(p) => {
                    self.map.insert(key, p);
                }
                None => {
                    self.map.remove(&key);
                }
            }
        }
    }

    /// Calls `visit` with the posting of every block on `path` that `value`
    /// contains.
    pub(crate) fn contained(&self, path: u32, value: &IpBlock, mut visit: impl FnMut(&Posting)) {
        let (family, bits, value_len) = parts(value);
        let width: u8 = if family == V4 { 32 } else { 128 };
        let low = mask(bits, value_len, width);
        let host_bits = u32::from(width - value_len);
        let high = if host_bits >= 128 {
            u128::MAX
        } else {
            low | ((1u128 << host_bits) - 1)
        };
        for ((_, _, _, len), posting) in self
            .map
            .range((path, family, low, 0)..=(path, family, high, u8::MAX))
        {
            if *len >= value_len {
                visit(posting);
            }
        }
    }

    /// Bytes held (an estimate of the ordered map's nodes).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.map.len() * (std::mem::size_of::<((u32, u8, u128, u8), Posting)>() + 16)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn block(text: &str) -> IpBlock {
        IpBlock::parse(text).unwrap()
    }

    #[test]
    fn nested_blocks_are_all_found() {
        let mut index = SubsetIndex::default();
        let mut postings = Postings::default();
        let a = index.insert(1, &block("10.0.0.0/8"), 1, &mut postings);
        index.insert(1, &block("10.1.0.0/16"), 2, &mut postings);
        index.insert(1, &block("10.1.2.3"), 3, &mut postings);
        index.insert(1, &block("2001:db8::/32"), 4, &mut postings);
        let found = |index: &SubsetIndex, postings: &Postings, text: &str| {
            let mut out = Vec::new();
            index.containing(1, &block(text), |p| {
                out.extend_from_slice(postings.slots(p))
            });
            out.sort_unstable();
            out
        };
        assert_eq!(found(&index, &postings, "10.1.2.3"), vec![1, 2, 3]);
        assert_eq!(found(&index, &postings, "10.1.9.9"), vec![1, 2]);
        assert_eq!(found(&index, &postings, "10.1.0.0/15"), vec![1]);
        assert_eq!(found(&index, &postings, "11.0.0.1"), Vec::<u32>::new());
        assert_eq!(found(&index, &postings, "2001:db8:1::5"), vec![4]);
        index.remove(&a, 1, &mut postings);
        assert_eq!(found(&index, &postings, "10.1.2.3"), vec![2, 3]);
    }

    #[test]
    fn superset_ranges() {
        let mut index = SupersetIndex::default();
        let mut postings = Postings::default();
        let r = index.insert(1, &block("10.1.2.3"), 1, &mut postings);
        index.insert(1, &block("10.1.0.0/16"), 2, &mut postings);
        index.insert(1, &block("10.0.0.0/8"), 3, &mut postings);
        let found = |index: &SupersetIndex, postings: &Postings, text: &str| {
            let mut out = Vec::new();
            index.contained(1, &block(text), |p| {
                out.extend_from_slice(postings.slots(p))
            });
            out.sort_unstable();
            out
        };
        assert_eq!(found(&index, &postings, "10.1.0.0/16"), vec![1, 2]);
        assert_eq!(found(&index, &postings, "10.0.0.0/8"), vec![1, 2, 3]);
        assert_eq!(found(&index, &postings, "10.1.2.3"), vec![1]);
        assert_eq!(found(&index, &postings, "0.0.0.0/0"), vec![1, 2, 3]);
        index.remove(&r, 1, &mut postings);
        assert_eq!(found(&index, &postings, "10.1.2.3"), Vec::<u32>::new());
    }
}
