//! A hash table split into 64 independent tables by the top bits of the hash.
//!
//! A hash table grows by rehashing everything into a table twice as large; at
//! a million entries that is tens of milliseconds during which an insert (and
//! so a matching thread applying it) stalls. Split 64 ways, a growth step
//! rehashes one shard, a sixty-fourth of the entries, which keeps every insert
//! well under a millisecond at the sizes this index is built for. Lookups
//! pay one shift.
//!
//! Each shard has a blocked Bloom filter in front (three bits in one 64-bit
//! word per key, at least 16 bits per key): nearly every lookup the matcher
//! makes is a miss (background traffic), and at a million keys the table no
//! longer fits the caches while the filter (2 bytes per key) mostly does, so
//! a miss costs one filter word instead of a probe of the table. The filter
//! never says "absent" for a key that is present: bits are set before a key
//! is visible, and a filter is only ever rebuilt from the shard's own
//! entries. Removed keys leave their bits set (more false positives, never a
//! wrong answer) until the shard's filter is next rebuilt, which happens when
//! the shard grows past the filter's size or has seen more removals than it
//! holds keys.

use hashbrown::HashTable;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;
/// Filter bits per key, at least.
const BITS_PER_KEY: usize = 16;

/// One shard: its table, its filter words, and the removals since the filter
/// was built.
#[derive(Debug, Clone)]
struct Shard<T> {
    table: HashTable<T>,
    filter: Vec<u64>,
    stale: usize,
}

/// The word index and the three-bit mask of `hash` in a filter of `words`
/// words (a power of two). Bits 58..64 pick the shard; the word comes from
/// bits 7 and up, the bits from 40..58.
#[inline]
fn probe(hash: u64, words: usize) -> (usize, u64) {
    let word = (hash >> 7) as usize & (words - 1);
    let mask = (1u64 << ((hash >> 40) & 63))
        | (1u64 << ((hash >> 46) & 63))
        | (1u64 << ((hash >> 52) & 63));
    (word, mask)
}

impl<T> Shard<T> {
    #[inline]
    fn may_contain(&self, hash: u64) -> bool {
        if self.filter.is_empty() {
            return !self.table.is_empty();
        }
        let (word, mask) = probe(hash, self.filter.len());
        self.filter[word] & mask == mask
    }

    fn mark(&mut self, hash: u64) {
        if !self.filter.is_empty() {
            let (word, mask) = probe(hash, self.filter.len());
            self.filter[word] |= mask;
        }
    }

    /// Rebuilds the filter for the shard's current size (before inserting
    /// one more key) when it is too small or too stale.
    fn refresh(&mut self, hasher: &impl Fn(&T) -> u64) {
        let needed = ((self.table.len() + 1) * BITS_PER_KEY)
            .div_ceil(64)
            .next_power_of_two();
        if needed <= self.filter.len() && self.stale <= self.table.len() {
            return;
        }
        let words = needed.max(self.filter.len()).max(1);
        self.filter.clear();
        self.filter.resize(words, 0);
        self.stale = 0;
        for entry in self.table.iter() {
            let (word, mask) = probe(hasher(entry), words);
            self.filter[word] |= mask;
        }
    }
}

/// A hash table in 64 shards; the caller supplies hashes and equality.
#[derive(Debug, Clone)]
pub(crate) struct Sharded<T> {
    shards: Vec<Shard<T>>,
    len: usize,
}

impl<T> Default for Sharded<T> {
    fn default() -> Self {
        Sharded {
            shards: (0..SHARDS)
                .map(|_| Shard {
                    table: HashTable::new(),
                    filter: Vec::new(),
                    stale: 0,
                })
                .collect(),
            len: 0,
        }
    }
}

#[inline]
fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARD_BITS)) as usize
}

impl<T> Sharded<T> {
    /// The entry with `hash` for which `eq` holds.
    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        let shard = &self.shards[shard_of(hash)];
        if !shard.may_contain(hash) {
            return None;
        }
        shard.table.find(hash, eq)
    }

    /// The entry with `hash` for which `eq` holds, mutably.
    pub(crate) fn find_mut(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&mut T> {
        self.shards[shard_of(hash)].table.find_mut(hash, eq)
    }

    /// Inserts `value`, which must not be equal to an entry already there.
    pub(crate) fn insert(&mut self, hash: u64, value: T, hasher: impl Fn(&T) -> u64) {
        let shard = &mut self.shards[shard_of(hash)];
        shard.refresh(&hasher);
        shard.mark(hash);
        shard.table.insert_unique(hash, value, hasher);
        self.len += 1;
    }

    /// Removes and returns the entry with `hash` for which `eq` holds.
    pub(crate) fn remove(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<T> {
        let shard = &mut self.shards[shard_of(hash)];
        let entry = shard.table.find_entry(hash, eq).ok()?;
        self.len -= 1;
        shard.stale += 1;
        Some(entry.remove().0)
    }

    /// The number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes allocated for the tables themselves (entries and control bytes;
    /// not what entries point to).
    pub(crate) fn allocation_size(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.table.allocation_size() + s.filter.capacity() * 8)
            .sum::<usize>()
            + self.shards.capacity() * std::mem::size_of::<Shard<T>>()
    }

    /// Every entry, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.shards.iter().flat_map(|s| s.table.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher as _;

    #[test]
    fn insert_find_remove() {
        let mut table: Sharded<(u64, u32)> = Sharded::default();
        let hash = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for k in 0..1000u64 {
            table.insert(hash(k), (k, 1), |e| hash(e.0));
        }
        assert_eq!(table.len(), 1000);
        assert_eq!(table.find(hash(5), |e| e.0 == 5), Some(&(5, 1)));
        if let Some(e) = table.find_mut(hash(5), |e| e.0 == 5) {
            e.1 = 2;
        }
        assert_eq!(table.remove(hash(5), |e| e.0 == 5), Some((5, 2)));
        assert!(table.find(hash(5), |e| e.0 == 5).is_none());
        assert_eq!(table.len(), 999);
        assert_eq!(table.iter().count(), 999);
        assert!(table.allocation_size() >= 999 * 16);
    }

    #[test]
    fn the_filter_never_hides_a_present_key_through_growth_and_churn() {
        let mut table: Sharded<u64> = Sharded::default();
        let hash = |k: u64| foldhash::fast::FixedState::with_seed(7).hash_one(k);
        for round in 0..4u64 {
            for k in 0..20_000u64 {
                let k = k + round * 10_000;
                if table.find(hash(k), |e| *e == k).is_none() {
                    table.insert(hash(k), k, |e| hash(*e));
                }
            }
            // Churn: remove a third, then check every key left is found.
            for k in (round * 10_000..round * 10_000 + 20_000).step_by(3) {
                table.remove(hash(k), |e| *e == k);
            }
            for k in table.iter().copied().collect::<Vec<_>>() {
                assert!(table.find(hash(k), |e| *e == k).is_some(), "{k}");
            }
        }
        // Misses are mostly answered by the filter.
        let shard = &table.shards[0];
        assert!(!shard.filter.is_empty());
        let misses = (1_000_000..1_100_000u64)
            .filter(|k| table.shards[shard_of(hash(*k))].may_contain(hash(*k)))
            .count();
        assert!(misses < 10_000, "{misses} false positives in 100,000");
    }
}
