//! The full sorted set form (reported as "skiplist", Redis' name).
//!
//! Members and scores live once, in a slot arena. Two indexes refer to the
//! slots by number:
//! - a hash table of slot numbers keyed by member (score lookups, O(1));
//! - the rank order: a list of sorted blocks of (score, slot) pairs, with a
//!   Fenwick tree over the block lengths, so finding a rank, a score or a
//!   member's position is a binary search over blocks plus one inside a
//!   block (O(log n)), and walking a range costs O(log n + returned).
//!
//! A block holds at most [`BLOCK_MAX`] pairs; a full block splits in two
//! (or, for appends at either end, starts a new block so that sequential
//! inserts leave full blocks), and an empty block is dropped.

use std::cmp::Ordering;
use std::collections::VecDeque;

use hashbrown::HashTable;

use super::listpack::cmp_entry;
use crate::types::CompactBytes;

/// Most pairs a block holds.
pub const BLOCK_MAX: usize = 256;

#[derive(Clone)]
struct Slot {
    member: CompactBytes,
    score: f64,
}

/// The rank-ordered, hash-indexed sorted set.
#[derive(Clone)]
pub struct Sorted {
    slots: Vec<Slot>,
    free: Vec<u32>,
    index: HashTable<u32>,
    hasher: ahash::RandomState,
    blocks: Vec<VecDeque<(f64, u32)>>,
    fenwick: Vec<usize>,
    len: usize,
}

impl std::fmt::Debug for Sorted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sorted").field("len", &self.len).finish()
    }
}

impl Default for Sorted {
    fn default() -> Self {
        Sorted {
            slots: Vec::new(),
            free: Vec::new(),
            index: HashTable::new(),
            hasher: ahash::RandomState::new(),
            blocks: Vec::new(),
            fenwick: Vec::new(),
            len: 0,
        }
    }
}

impl Sorted {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `n` members.
    pub fn with_capacity(n: usize) -> Self {
        let mut s = Self::default();
        s.slots.reserve(n);
        s.index.reserve(n, |_| 0);
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes used.
    pub fn memory_usage(&self) -> usize {
        let heap: usize = self
            .slots
            .iter()
            .map(|s| match &s.member {
                CompactBytes::Heap(b) => b.len(),
                _ => 0,
            })
            .sum();
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.free.capacity() * 4
            + self.index.capacity() * 5
            + self
                .blocks
                .iter()
                .map(|b| b.capacity() * 16 + 32)
                .sum::<usize>()
            + self.fenwick.capacity() * 8
            + heap
    }

    fn hash(&self, m: &[u8]) -> u64 {
        self.hasher.hash_one(m)
    }

    fn slot_member(&self, id: u32) -> &[u8] {
        self.slots[id as usize].member.as_slice()
    }

    fn find_id(&self, member: &[u8]) -> Option<u32> {
        let h = self.hash(member);
        let slots = &self.slots;
        self.index
            .find(h, |&id| slots[id as usize].member.as_slice() == member)
            .copied()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find_id(member).map(|id| self.slots[id as usize].score)
    }

    // ---- Fenwick tree over block lengths ----

    fn rebuild_fenwick(&mut self) {
        let n = self.blocks.len();
        self.fenwick.clear();
        self.fenwick.resize(n, 0);
        for i in 0..n {
            self.fenwick[i] += self.blocks[i].len();
            let j = i | (i + 1);
            if j < n {
                let v = self.fenwick[i];
                self.fenwick[j] += v;
            }
        }
    }

    fn fenwick_add(&mut self, mut i: usize, delta: isize) {
        while i < self.fenwick.len() {
            self.fenwick[i] = (self.fenwick[i] as isize + delta) as usize;
            i |= i + 1;
        }
    }

    /// Number of pairs in the blocks before block `b`.
    fn prefix(&self, b: usize) -> usize {
        let mut sum = 0;
        let mut i = b;
        while i > 0 {
            sum += self.fenwick[i - 1];
            i &= i - 1;
        }
        sum
    }

    /// Block and position within it of rank `r` (< len).
    fn locate_rank(&self, mut r: usize) -> (usize, usize) {
        let n = self.fenwick.len();
        let mut pos = 0;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.fenwick[next - 1] <= r {
                pos = next;
                r -= self.fenwick[next - 1];
            }
            step >>= 1;
        }
        (pos, r)
    }

    // ---- positions ----

    /// Rank of the first pair for which `below` is false (`below` must be
    /// true on a prefix of the rank order).
    pub fn partition_point(&self, below: impl Fn(&[u8], f64) -> bool) -> usize {
        let slots = &self.slots;
        let bel = |&(s, id): &(f64, u32)| below(slots[id as usize].member.as_slice(), s);
        let b = self
            .blocks
            .partition_point(|blk| blk.back().map(&bel).unwrap_or(true));
        if b == self.blocks.len() {
            return self.len;
        }
        self.prefix(b) + self.blocks[b].partition_point(bel)
    }

    /// Block and position of the pair (score, member), or where it would go.
    fn lower_bound(&self, score: f64, member: &[u8]) -> (usize, usize) {
        let slots = &self.slots;
        let less = |&(s, id): &(f64, u32)| {
            cmp_entry(s, slots[id as usize].member.as_slice(), score, member) == Ordering::Less
        };
        let b = self
            .blocks
            .partition_point(|blk| blk.back().map(&less).unwrap_or(true));
        if b == self.blocks.len() {
            return (b, 0);
        }
        (b, self.blocks[b].partition_point(less))
    }

    /// Rank (0-based, ascending) and score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let id = self.find_id(member)?;
        let score = self.slots[id as usize].score;
        let (b, p) = self.lower_bound(score, member);
        Some((self.prefix(b) + p, score))
    }

    /// The pair of rank `r`.
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        if r >= self.len {
            return None;
        }
        let (b, p) = self.locate_rank(r);
        let &(s, id) = self.blocks.get(b)?.get(p)?;
        Some((self.slot_member(id), s))
    }

    /// Calls `f` on the pairs of ranks `start..end` (ascending order), or in
    /// descending order from rank `end - 1` down to `start` when `rev`.
    /// Stops early when `f` returns false.
    pub fn walk(&self, start: usize, end: usize, rev: bool, mut f: impl FnMut(&[u8], f64) -> bool) {
        let end = end.min(self.len);
        if start >= end {
            return;
        }
        let mut left = end - start;
        if !rev {
            let (mut b, mut p) = self.locate_rank(start);
            while left > 0 && b < self.blocks.len() {
                let blk = &self.blocks[b];
                while p < blk.len() && left > 0 {
                    let (s, id) = blk[p];
                    if !f(self.slot_member(id), s) {
                        return;
                    }
                    p += 1;
                    left -= 1;
                }
                b += 1;
                p = 0;
            }
        } else {
            let (mut b, p) = self.locate_rank(end - 1);
            let mut p = p as isize;
            loop {
                let blk = &self.blocks[b];
                while p >= 0 && left > 0 {
                    let (s, id) = blk[p as usize];
                    if !f(self.slot_member(id), s) {
                        return;
                    }
                    p -= 1;
                    left -= 1;
                }
                if left == 0 || b == 0 {
                    return;
                }
                b -= 1;
                p = self.blocks[b].len() as isize - 1;
            }
        }
    }

    // ---- updates ----

    /// Inserts `member` (which must be absent) with `score`.
    pub fn insert_new(&mut self, member: &[u8], score: f64) {
        let slot = Slot {
            member: CompactBytes::from_slice(member),
            score,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = slot;
                id
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let h = self.hash(member);
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.index.insert_unique(h, id, |&i| {
            hasher.hash_one(slots[i as usize].member.as_slice())
        });
        self.place(score, member, id);
        self.len += 1;
    }

    fn place(&mut self, score: f64, member: &[u8], id: u32) {
        if self.blocks.is_empty() {
            let mut blk = VecDeque::with_capacity(BLOCK_MAX);
            blk.push_back((score, id));
            self.blocks.push(blk);
            self.rebuild_fenwick();
            return;
        }
        let (mut b, mut p) = self.lower_bound(score, member);
        if b == self.blocks.len() {
            b -= 1;
            p = self.blocks[b].len();
        }
        let nblocks = self.blocks.len();
        let blk = &mut self.blocks[b];
        if blk.len() < BLOCK_MAX {
            blk.insert(p, (score, id));
            self.fenwick_add(b, 1);
            return;
        }
        if b + 1 == nblocks && p == blk.len() {
            let mut nb = VecDeque::with_capacity(BLOCK_MAX);
            nb.push_back((score, id));
            self.blocks.push(nb);
        } else if b == 0 && p == 0 {
            let mut nb = VecDeque::with_capacity(BLOCK_MAX);
            nb.push_back((score, id));
            self.blocks.insert(0, nb);
        } else {
            let mut right = VecDeque::with_capacity(BLOCK_MAX);
            let half = blk.len() / 2;
            right.extend(blk.drain(half..));
            if p <= half {
                blk.insert(p, (score, id));
            } else {
                right.insert(p - half, (score, id));
            }
            self.blocks.insert(b + 1, right);
        }
        self.rebuild_fenwick();
    }

    /// Removes the pair at block `b`, position `p` from the rank order.
    fn unplace(&mut self, b: usize, p: usize) -> Option<(f64, u32)> {
        let blk = self.blocks.get_mut(b)?;
        let e = blk.remove(p)?;
        if blk.is_empty() {
            self.blocks.remove(b);
            self.rebuild_fenwick();
        } else {
            self.fenwick_add(b, -1);
        }
        Some(e)
    }

    fn free_slot(&mut self, id: u32) {
        // A free slot is marked by a NaN score (members never have one).
        self.slots[id as usize].score = f64::NAN;
        let member = std::mem::replace(
            &mut self.slots[id as usize].member,
            CompactBytes::from_slice(b""),
        );
        let h = self.hash(member.as_slice());
        if let Ok(e) = self.index.find_entry(h, |&i| i == id) {
            e.remove();
        }
        if id as usize + 1 == self.slots.len() {
            self.slots.pop();
        } else {
            self.free.push(id);
        }
        self.len -= 1;
        if self.len == 0 {
            self.slots.clear();
            self.free.clear();
        }
    }

    /// Calls `f` on the members in slot order from slot `cursor`, visiting
    /// about `count` slots; returns the cursor to continue from (0 at the
    /// end). A member keeps its slot while it stays in the set, so a full
    /// scan returns every member present throughout it exactly once.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        let start = cursor.min(self.slots.len() as u64) as usize;
        let end = start.saturating_add(count.max(1)).min(self.slots.len());
        for s in &self.slots[start..end] {
            if !s.score.is_nan() {
                f(s.member.as_slice(), s.score);
            }
        }
        if end >= self.slots.len() {
            0
        } else {
            end as u64
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let id = self.find_id(member)?;
        let score = self.slots[id as usize].score;
        let (b, p) = self.lower_bound(score, member);
        self.unplace(b, p);
        self.free_slot(id);
        Some(score)
    }

    /// Changes the score of `member` (present) to `score`.
    pub fn update(&mut self, member: &[u8], score: f64) {
        let Some(id) = self.find_id(member) else {
            return;
        };
        let old = self.slots[id as usize].score;
        let (b, p) = self.lower_bound(old, member);
        // Fast path: the pair keeps its place.
        let blk = &self.blocks[b];
        let fits_left = p == 0 && b == 0
            || (p > 0 && {
                let (s, i) = blk[p - 1];
                cmp_entry(s, self.slot_member(i), score, member) == Ordering::Less
            })
            || (p == 0 && b > 0 && {
                let (s, i) = *self.blocks[b - 1]
                    .back()
                    .unwrap_or(&(f64::NEG_INFINITY, id));
                cmp_entry(s, self.slot_member(i), score, member) == Ordering::Less
            });
        let fits_right = (p + 1 < blk.len() && {
            let (s, i) = blk[p + 1];
            cmp_entry(s, self.slot_member(i), score, member) == Ordering::Greater
        }) || (p + 1 == blk.len()
            && match self.blocks.get(b + 1).and_then(|n| n.front()) {
                Some(&(s, i)) => {
                    cmp_entry(s, self.slot_member(i), score, member) == Ordering::Greater
                }
                None => true,
            });
        self.slots[id as usize].score = score;
        if fits_left && fits_right {
            self.blocks[b][p].0 = score;
            return;
        }
        self.unplace(b, p);
        self.place(score, member, id);
    }

    /// Removes and returns the pairs of ranks `start..end`, calling `f` on
    /// each (ascending order).
    pub fn remove_ranks(&mut self, start: usize, end: usize, mut f: impl FnMut(&[u8], f64)) {
        let end = end.min(self.len);
        if start >= end {
            return;
        }
        let (mut b, p) = self.locate_rank(start);
        let mut left = end - start;
        let mut p = p;
        while left > 0 && b < self.blocks.len() {
            let take = (self.blocks[b].len() - p).min(left);
            let removed: Vec<(f64, u32)> = self.blocks[b].drain(p..p + take).collect();
            for (s, id) in removed {
                f(self.slot_member(id), s);
                self.free_slot(id);
            }
            left -= take;
            if self.blocks[b].is_empty() {
                self.blocks.remove(b);
            } else {
                b += 1;
            }
            p = 0;
        }
        self.rebuild_fenwick();
    }

    /// Removes and calls `f` with the pair of the lowest (or, with `last`,
    /// highest) rank.
    pub fn pop(&mut self, last: bool, f: impl FnOnce(&[u8], f64)) -> bool {
        if self.len == 0 {
            return false;
        }
        let b = if last { self.blocks.len() - 1 } else { 0 };
        let e = if last {
            self.blocks[b].pop_back()
        } else {
            self.blocks[b].pop_front()
        };
        let Some((s, id)) = e else { return false };
        if self.blocks[b].is_empty() {
            self.blocks.remove(b);
            self.rebuild_fenwick();
        } else {
            self.fenwick_add(b, -1);
        }
        f(self.slot_member(id), s);
        self.free_slot(id);
        true
    }
}
