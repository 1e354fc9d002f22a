//! A hash table split into 64 independent tables by the top bits of the hash.
//!
//! A hash table grows by rehashing everything into a table twice as large; at
//! a million entries that is tens of milliseconds during which an insert (and
//! so a matching thread applying it) stalls. Split 64 ways, a growth step
//! rehashes one shard, a sixty-fourth of the entries, which keeps every insert
//! well under a millisecond at the sizes this index is built for. Lookups
//! pay one shift.

use hashbrown::HashTable;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// A hash table in 64 shards; the caller supplies hashes and equality.
#[derive(Debug, Clone)]
pub(crate) struct Sharded<T> {
    shards: Vec<HashTable<T>>,
    len: usize,
}

impl<T> Default for Sharded<T> {
    fn default() -> Self {
        Sharded {
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
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
        self.shards[shard_of(hash)].find(hash, eq)
    }

    /// The entry with `hash` for which `eq` holds, mutably.
    pub(crate) fn find_mut(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&mut T> {
        self.shards[shard_of(hash)].find_mut(hash, eq)
    }

    /// Inserts `value`, which must not be equal to an entry already there.
    pub(crate) fn insert(&mut self, hash: u64, value: T, hasher: impl Fn(&T) -> u64) {
        self.shards[shard_of(hash)].insert_unique(hash, value, hasher);
        self.len += 1;
    }

    /// Removes and returns the entry with `hash` for which `eq` holds.
    pub(crate) fn remove(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<T> {
        let entry = self.shards[shard_of(hash)].find_entry(hash, eq).ok()?;
        self.len -= 1;
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
            .map(HashTable::allocation_size)
            .sum::<usize>()
            + self.shards.capacity() * std::mem::size_of::<HashTable<T>>()
    }

    /// Every entry, in no particular order.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
