//! Equality atoms: hash tables keyed by `(path, key)` (see [`crate::key`]).
//!
//! Addresses are integers (`u32`, `u128`), so the common IP indicators cost
//! twelve or twenty-four bytes of table each and hash without touching a
//! string. Strings are stored once, in the table; an indicator remembers only
//! the hash of its key, and removal finds the entry by hash and by the
//! indicator's slot in its posting.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;

use crate::key::Key;
use crate::posting::{Posting, Postings};
use crate::sharded::Sharded;

#[derive(Debug, Clone)]
struct V4Entry {
    path: u32,
    addr: u32,
    posting: Posting,
}

#[derive(Debug, Clone)]
struct V6Entry {
    path: u32,
    posting: Posting,
    addr: [u64; 2],
}

#[derive(Debug, Clone)]
struct StrEntry {
    path: u32,
    posting: Posting,
    text: Box<str>,
}

#[derive(Debug, Clone, PartialEq)]
enum OtherKey {
    Bytes(Box<[u8]>),
    Int(i128),
    Float(u64),
    Bool(bool),
}

#[derive(Debug, Clone)]
struct OtherEntry {
    path: u32,
    posting: Posting,
    key: OtherKey,
}

/// Where an indicator's equality key was filed, to remove it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EqRef {
    V4 {
        path: u32,
        addr: u32,
    },
    V6 {
        path: u32,
        addr: [u64; 2],
    },
    Str {
        path: u32,
        hash: u64,
    },
    Other {
        path: u32,
        hash: u64,
        class: OtherClass,
    },
}

/// The kind of a non-text key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtherClass {
    Bytes,
    Number,
    Bool,
}

/// The four equality tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct EqIndex {
    state: RandomState,
    v4: Sharded<V4Entry>,
    v6: Sharded<V6Entry>,
    strs: Sharded<StrEntry>,
    other: Sharded<OtherEntry>,
    /// Bytes of the strings and octet keys the tables own.
    key_bytes: usize,
}

fn split(addr: u128) -> [u64; 2] {
    [(addr >> 64) as u64, addr as u64]
}

/// A borrowed non-text key, hashed like [`OtherKey`].
#[derive(Hash)]
enum OtherView<'a> {
    Bytes(&'a [u8]),
    Int(i128),
    Float(u64),
    Bool(bool),
}

impl OtherKey {
    fn view(&self) -> OtherView<'_> {
        match self {
            OtherKey::Bytes(b) => OtherView::Bytes(b),
            OtherKey::Int(i) => OtherView::Int(*i),
            OtherKey::Float(f) => OtherView::Float(*f),
            OtherKey::Bool(b) => OtherView::Bool(*b),
        }
    }

    fn matches(&self, view: &OtherView<'_>) -> bool {
        match (self, view) {
            (OtherKey::Bytes(a), OtherView::Bytes(b)) => **a == **b,
            (OtherKey::Int(a), OtherView::Int(b)) => a == b,
            (OtherKey::Float(a), OtherView::Float(b)) => a == b,
            (OtherKey::Bool(a), OtherView::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl EqIndex {
    #[inline]
    fn h4(&self, path: u32, addr: u32) -> u64 {
        self.state
            .hash_one((u64::from(path) << 32) | u64::from(addr))
    }

    #[inline]
    fn h6(&self, path: u32, addr: [u64; 2]) -> u64 {
        self.state.hash_one((path, addr))
    }

    #[inline]
    fn hs(&self, path: u32, text: &str) -> u64 {
        self.state.hash_one((path, text))
    }

    fn ho(&self, path: u32, key: &OtherView<'_>) -> u64 {
        self.state.hash_one((path, key))
    }

    /// Files `slot` under `(path, key)`.
    pub(crate) fn insert(
        &mut self,
        path: u32,
        key: &Key<'_>,
        slot: u32,
        postings: &mut Postings,
    ) -> EqRef {
        match key {
            Key::V4(addr) => {
                let addr = *addr;
                let hash = self.h4(path, addr);
                let state = self.state.clone();
                match self.v4.find_mut(hash, |e| e.path == path && e.addr == addr) {
                    Some(e) => e.posting = postings.add(e.posting, slot),
                    None => self.v4.insert(
                        hash,
                        V4Entry {
                            path,
                            addr,
                            posting: Postings::single(slot),
                        },
                        |e| state.hash_one((u64::from(e.path) << 32) | u64::from(e.addr)),
                    ),
                }
                EqRef::V4 { path, addr }
            }
            Key::V6(addr) => {
                let addr = split(*addr);
                let hash = self.h6(path, addr);
                let state = self.state.clone();
                match self.v6.find_mut(hash, |e| e.path == path && e.addr == addr) {
                    Some(e) => e.posting = postings.add(e.posting, slot),
                    None => self.v6.insert(
                        hash,
                        V6Entry {
                            path,
                            posting: Postings::single(slot),
                            addr,
                        },
                        |e| state.hash_one((e.path, e.addr)),
                    ),
                }
                EqRef::V6 { path, addr }
            }
            Key::Str(text) => {
                let hash = self.hs(path, text);
                let state = self.state.clone();
                match self
                    .strs
                    .find_mut(hash, |e| e.path == path && *e.text == **text)
                {
                    Some(e) => e.posting = postings.add(e.posting, slot),
                    None => {
                        self.key_bytes += text.len();
                        self.strs.insert(
                            hash,
                            StrEntry {
                                path,
                                posting: Postings::single(slot),
                                text: Box::from(&**text),
                            },
                            |e| state.hash_one((e.path, &*e.text)),
                        );
                    }
                }
                EqRef::Str { path, hash }
            }
            Key::Bytes(_) | Key::Int(_) | Key::Float(_) | Key::Bool(_) => {
                let owned = match key {
                    Key::Bytes(b) => OtherKey::Bytes(Box::from(&**b)),
                    Key::Int(i) => OtherKey::Int(*i),
                    Key::Float(f) => OtherKey::Float(*f),
                    Key::Bool(b) => OtherKey::Bool(*b),
                    Key::V4(_) | Key::V6(_) | Key::Str(_) => OtherKey::Bool(false),
                };
                let view = owned.view();
                let hash = self.ho(path, &view);
                let state = self.state.clone();
                match self
                    .other
                    .find_mut(hash, |e| e.path == path && e.key.matches(&view))
                {
                    Some(e) => e.posting = postings.add(e.posting, slot),
                    None => {
                        if let OtherKey::Bytes(b) = &owned {
                            self.key_bytes += b.len();
                        }
                        self.other.insert(
                            hash,
                            OtherEntry {
                                path,
                                posting: Postings::single(slot),
                                key: owned,
                            },
                            |e| state.hash_one((e.path, e.key.view())),
                        );
                    }
                }
                let class = match key {
                    Key::Bytes(_) => OtherClass::Bytes,
                    Key::Bool(_) => OtherClass::Bool,
                    _ => OtherClass::Number,
                };
                EqRef::Other { path, hash, class }
            }
        }
    }

    /// Removes `slot` from the key `eq_ref` names.
    pub(crate) fn remove(&mut self, eq_ref: &EqRef, slot: u32, postings: &mut Postings) {
        match *eq_ref {
            EqRef::V4 { path, addr } => {
                let hash = self.h4(path, addr);
                let eq = |e: &V4Entry| e.path == path && e.addr == addr;
                if let Some(e) = self.v4.find_mut(hash, eq) {
                    match postings.remove(e.posting, slot) {
                        Some(p) => e.posting = p,
                        None => {
                            self.v4.remove(hash, eq);
                        }
                    }
                }
            }
            EqRef::V6 { path, addr } => {
                let hash = self.h6(path, addr);
                let eq = |e: &V6Entry| e.path == path && e.addr == addr;
                if let Some(e) = self.v6.find_mut(hash, eq) {
                    match postings.remove(e.posting, slot) {
                        Some(p) => e.posting = p,
                        None => {
                            self.v6.remove(hash, eq);
                        }
                    }
                }
            }
            EqRef::Str { path, hash } => {
                let found = self.strs.find_mut(hash, |e| {
                    e.path == path && postings.contains(&e.posting, slot)
                });
                if let Some(e) = found {
                    match postings.remove(e.posting, slot) {
                        Some(p) => e.posting = p,
                        None => {
                            let gone = self.strs.remove(hash, |e| {
                                e.path == path && postings.slots(&e.posting) == [slot]
                            });
                            if let Some(gone) = gone {
                                self.key_bytes -= gone.text.len();
                            }
                        }
                    }
                }
            }
            EqRef::Other { path, hash, .. } => {
                let found = self.other.find_mut(hash, |e| {
                    e.path == path && postings.contains(&e.posting, slot)
                });
                if let Some(e) = found {
                    match postings.remove(e.posting, slot) {
                        Some(p) => e.posting = p,
                        None => {
                            let gone = self.other.remove(hash, |e| {
                                e.path == path && postings.slots(&e.posting) == [slot]
                            });
                            if let Some(OtherEntry {
                                key: OtherKey::Bytes(b),
                                ..
                            }) = gone
                            {
                                self.key_bytes -= b.len();
                            }
                        }
                    }
                }
            }
        }
    }

    /// The posting of `(path, addr)`.
    #[inline]
    pub(crate) fn get_v4(&self, path: u32, addr: u32) -> Option<&Posting> {
        let hash = self.h4(path, addr);
        self.v4
            .find(hash, |e| e.path == path && e.addr == addr)
            .map(|e| &e.posting)
    }

    /// The posting of `(path, addr)`.
    #[inline]
    pub(crate) fn get_v6(&self, path: u32, addr: u128) -> Option<&Posting> {
        let addr = split(addr);
        let hash = self.h6(path, addr);
        self.v6
            .find(hash, |e| e.path == path && e.addr == addr)
            .map(|e| &e.posting)
    }

    /// The posting of `(path, text)`.
    #[inline]
    pub(crate) fn get_str(&self, path: u32, text: &str) -> Option<&Posting> {
        let hash = self.hs(path, text);
        self.strs
            .find(hash, |e| e.path == path && *e.text == *text)
            .map(|e| &e.posting)
    }

    /// The posting of `(path, key)` for any key.
    pub(crate) fn get(&self, path: u32, key: &Key<'_>) -> Option<&Posting> {
        let view = match key {
            Key::V4(a) => return self.get_v4(path, *a),
            Key::V6(a) => return self.get_v6(path, *a),
            Key::Str(s) => return self.get_str(path, s),
            Key::Bytes(b) => OtherView::Bytes(b),
            Key::Int(i) => OtherView::Int(*i),
            Key::Float(f) => OtherView::Float(*f),
            Key::Bool(b) => OtherView::Bool(*b),
        };
        let hash = self.ho(path, &view);
        self.other
            .find(hash, |e| e.path == path && e.key.matches(&view))
            .map(|e| &e.posting)
    }

    /// The number of distinct keys.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len() + self.strs.len() + self.other.len()
    }

    /// Bytes held: tables and the keys they own.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.v4.allocation_size()
            + self.v6.allocation_size()
            + self.strs.allocation_size()
            + self.other.allocation_size()
            + self.key_bytes
    }
}

/// A borrowed key as it is stored: a helper for the tests.
#[cfg(test)]
pub(crate) fn str_key(text: &str) -> Key<'_> {
    Key::Str(std::borrow::Cow::Borrowed(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_kind_round_trips() {
        let mut index = EqIndex::default();
        let mut postings = Postings::default();
        let keys = [
            Key::V4(1),
            Key::V6(u128::MAX - 3),
            str_key("example.com"),
            Key::Bytes(std::borrow::Cow::Borrowed(b"ab")),
            Key::Int(-4),
            Key::Float(2.5f64.to_bits()),
            Key::Bool(true),
        ];
        let refs: Vec<EqRef> = keys
            .iter()
            .map(|k| index.insert(3, k, 10, &mut postings))
            .collect();
        let again = index.insert(3, &keys[2], 11, &mut postings);
        assert_eq!(again, refs[2]);
        for key in &keys {
            assert!(index.get(3, key).is_some(), "{key:?}");
            assert!(index.get(4, key).is_none(), "{key:?}");
        }
        assert_eq!(
            postings.slots(index.get(3, &keys[2]).unwrap_or(&Postings::single(0))),
            &[10, 11]
        );
        assert!(index.memory_bytes() > "example.com".len());
        for r in &refs {
            index.remove(r, 10, &mut postings);
        }
        assert_eq!(index.len(), 1);
        index.remove(&again, 11, &mut postings);
        assert_eq!(index.len(), 0);
        assert_eq!(index.key_bytes, 0);
    }
}
