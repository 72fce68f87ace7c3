//! The full encoding of large hashes and sets ("hashtable"): entries kept
//! densely in a vector, found through a hashbrown table of indexes.
//!
//! Dense storage gives O(1) uniformly random picks (SPOP, SRANDMEMBER,
//! HRANDFIELD) and cheap iteration; removal moves the last entry into the
//! hole. Hashes use a fixed-seed hasher so a scan cursor means the same
//! thing on every call: [`Dense::scan`] walks the 64-bit hash space in
//! increasing windows, so an element present for a whole scan is returned
//! whatever the table does between calls (grows, shrinks, reorders).

use hashbrown::HashTable;

use crate::types::CompactBytes;

/// Seeds of the element hasher (fixed: scan cursors are hash positions).
static HASHER: ahash::RandomState = ahash::RandomState::with_seeds(
    0x452821e638d01377,
    0xbe5466cf34e90c6c,
    0xc0ac29b7c97c50dd,
    0x3f84d5b5b5470917,
);

/// The hash of an element, as tables and scan cursors use it.
#[inline]
pub fn hash_of(key: &[u8]) -> u64 {
    HASHER.hash_one(key)
}

/// An entry of a [`Dense`] table: something with a byte-string key.
pub trait Keyed {
    /// The key the entry is found by.
    fn key(&self) -> &[u8];
}

impl Keyed for CompactBytes {
    #[inline]
    fn key(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Keyed for (CompactBytes, CompactBytes) {
    #[inline]
    fn key(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// A hash table of entries keyed by byte strings, stored densely.
#[derive(Debug, Clone)]
pub struct Dense<E> {
    entries: Vec<E>,
    index: HashTable<usize>,
}

impl<E> Default for Dense<E> {
    fn default() -> Self {
        Dense {
            entries: Vec::new(),
            index: HashTable::new(),
        }
    }
}

impl<E: Keyed> PartialEq for Dense<E> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.entries.iter().all(|e| other.find(e.key()).is_some())
    }
}

impl<E: Keyed> Dense<E> {
    /// An empty table with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Dense {
            entries: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Position of the entry with `key`.
    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<usize> {
        let entries = &self.entries;
        self.index
            .find(hash_of(key), |&i| {
                entries.get(i).is_some_and(|e| e.key() == key)
            })
            .copied()
    }

    /// The entry with `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&E> {
        self.find(key).and_then(|i| self.entries.get(i))
    }

    /// The entry with `key`, for modification (the key must not change).
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        let i = self.find(key)?;
        self.entries.get_mut(i)
    }

    /// The entry at position `i` (positions are dense: `0..len`).
    #[inline]
    pub fn at(&self, i: usize) -> Option<&E> {
        self.entries.get(i)
    }

    /// Adds `e`, whose key must not be present yet.
    pub fn insert_new(&mut self, e: E) {
        let i = self.entries.len();
        let h = hash_of(e.key());
        self.entries.push(e);
        let entries = &self.entries;
        self.index.insert_unique(h, i, |&j| {
            entries.get(j).map(|e| hash_of(e.key())).unwrap_or(0)
        });
    }

    /// Removes the entry with `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        let i = self.find(key)?;
        self.remove_at(i)
    }

    /// Removes the entry at position `i`; the last entry takes its place.
    pub fn remove_at(&mut self, i: usize) -> Option<E> {
        let key_hash = hash_of(self.entries.get(i)?.key());
        if let Ok(slot) = self.index.find_entry(key_hash, |&j| j == i) {
            slot.remove();
        }
        let last = self.entries.len() - 1;
        let e = self.entries.swap_remove(i);
        if i != last {
            if let Some(moved) = self.entries.get(i) {
                let h = hash_of(moved.key());
                if let Some(slot) = self.index.find_mut(h, |&j| j == last) {
                    *slot = i;
                }
            }
        }
        self.maybe_shrink();
        Some(e)
    }

    /// Gives memory back when the table has become mostly empty (as Redis
    /// resizes a dict below 10% fill).
    fn maybe_shrink(&mut self) {
        let n = self.entries.len();
        if self.entries.capacity() > 16 && n * 8 < self.entries.capacity() {
            self.entries.shrink_to(n * 2);
            let entries = &self.entries;
            self.index.shrink_to(n * 2, |&j| {
                entries.get(j).map(|e| hash_of(e.key())).unwrap_or(0)
            });
        }
    }

    /// Every entry, in storage order.
    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, E> {
        self.entries.iter()
    }

    /// One step of a cursor scan: calls `f` on every entry whose hash lies
    /// in the window that starts at `cursor`, sized to hold about `count`
    /// entries (at least 1/64 of the table, so a full scan takes a bounded
    /// number of passes). Returns the next cursor, 0 when the scan is done.
    ///
    /// Windows are ranges of the fixed 64-bit hash space, so the union of
    /// the windows of a complete scan covers every hash: an entry present
    /// from start to end is returned at least once, and at most once unless
    /// it was removed and re-added.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut f: impl FnMut(&'a E)) -> u64 {
        let n = self.entries.len().max(1) as u64;
        let per_call = (count as u64).max(n / 64).max(1);
        let width = if per_call >= n {
            u64::MAX
        } else {
            (u64::MAX / n).saturating_mul(per_call)
        };
        let end = if width == u64::MAX {
            None
        } else {
            cursor.checked_add(width)
        };
        for e in &self.entries {
            let h = hash_of(e.key());
            if h >= cursor && end.is_none_or(|end| h < end) {
                f(e);
            }
        }
        end.unwrap_or(0)
    }

    /// Heap bytes used (approximate).
    pub fn heap_size(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<E>()
            + self.index.capacity() * (std::mem::size_of::<usize>() + 1)
    }
}
