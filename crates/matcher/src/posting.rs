//! Posting lists: the indicator slots filed under one key.
//!
//! Most keys belong to one indicator, so a [`Posting`] is one `u32`: the slot
//! itself, or (high bit set) the number of a shared list in [`Postings`].
//! Lists freed by removals are reused.

/// The slots under one key: one slot inline, or a list in [`Postings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Posting(u32);

const LIST: u32 = 1 << 31;

/// The largest slot number a posting can hold.
pub(crate) const MAX_SLOT: u32 = LIST - 1;

/// Storage for postings with more than one slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Postings {
    lists: Vec<Vec<u32>>,
    free: Vec<u32>,
}

impl Postings {
    /// A posting holding only `slot` (at most [`MAX_SLOT`]).
    pub(crate) fn single(slot: u32) -> Posting {
        Posting(slot & MAX_SLOT)
    }

    /// The slots of `posting`.
    pub(crate) fn slots<'a>(&'a self, posting: &'a Posting) -> &'a [u32] {
        if posting.0 & LIST == 0 {
            std::slice::from_ref(&posting.0)
        } else {
            self.lists
                .get((posting.0 & !LIST) as usize)
                .map_or(&[], Vec::as_slice)
        }
    }

    /// `posting` with `slot` added (nothing changes when it is there).
    pub(crate) fn add(&mut self, posting: Posting, slot: u32) -> Posting {
        if posting.0 & LIST == 0 {
            if posting.0 == slot {
                return posting;
            }
            let list = vec![posting.0, slot];
            let index = match self.free.pop() {
                Some(index) => {
                    self.lists[index as usize] = list;
                    index
                }
                None => {
                    self.lists.push(list);
                    u32::try_from(self.lists.len() - 1).unwrap_or(MAX_SLOT)
                }
            };
            return Posting(index | LIST);
        }
        if let Some(list) = self.lists.get_mut((posting.0 & !LIST) as usize)
            && !list.contains(&slot)
        {
            list.push(slot);
        }
        posting
    }

    /// `posting` without `slot`; `None` when nothing is left.
    pub(crate) fn remove(&mut self, posting: Posting, slot: u32) -> Option<Posting> {
        if posting.0 & LIST == 0 {
            return (posting.0 != slot).then_some(posting);
        }
        let index = posting.0 & !LIST;
        let list = self.lists.get_mut(index as usize)?;
        list.retain(|s| *s != slot);
        match list.len() {
            0 | 1 => {
                let last = list.first().copied();
                *list = Vec::new();
                self.free.push(index);
                last.map(Posting)
            }
            _ => Some(posting),
        }
    }

    /// True when `posting` holds `slot`.
    pub(crate) fn contains(&self, posting: &Posting, slot: u32) -> bool {
        self.slots(posting).contains(&slot)
    }

    /// Heap bytes held by shared lists.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.lists.capacity() * std::mem::size_of::<Vec<u32>>()
            + self.lists.iter().map(|l| l.capacity() * 4).sum::<usize>()
            + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn grow_shrink_and_reuse() {
        let mut postings = Postings::default();
        let p = Postings::single(7);
        assert_eq!(postings.slots(&p), &[7]);
        let p = postings.add(p, 9);
        let p = postings.add(p, 9);
        assert_eq!(postings.slots(&p), &[7, 9]);
        let p = postings.remove(p, 7).unwrap();
        assert_eq!(postings.slots(&p), &[9]);
        assert_eq!(postings.free.len(), 1);
        let q = postings.add(Postings::single(1), 2);
        assert_eq!(postings.free.len(), 0);
        assert_eq!(postings.slots(&q), &[1, 2]);
        assert!(postings.remove(p, 9).is_none());
        assert!(postings.contains(&q, 2));
    }
}
