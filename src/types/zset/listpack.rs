//! The compact sorted set form: one packed buffer of (member, score) pairs
//! in rank order.
//!
//! Each entry is `[len: u32 LE][score: f64 LE][member bytes][len: u32 LE]`;
//! the trailing length lets the buffer be walked backwards too. Every
//! operation is a linear walk, which is what the form is for: a few dozen
//! short members.

use std::cmp::Ordering;

const HEAD: usize = 12;
const TAIL: usize = 4;

/// A packed, rank-ordered list of (member, score) pairs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listpack {
    buf: Vec<u8>,
    len: usize,
}

/// Compares (score, member) pairs in rank order.
#[inline]
pub fn cmp_entry(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    match s1.partial_cmp(&s2) {
        Some(Ordering::Equal) | None => m1.cmp(m2),
        Some(o) => o,
    }
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the packed buffer.
    pub fn bytes(&self) -> usize {
        self.buf.capacity()
    }

    fn u32_at(&self, off: usize) -> usize {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.buf[off..off + 4]);
        u32::from_le_bytes(b) as usize
    }

    /// The entry starting at byte `off`: (member, score, next offset).
    #[inline]
    pub fn entry_at(&self, off: usize) -> (&[u8], f64, usize) {
        let n = self.u32_at(off);
        let mut s = [0u8; 8];
        s.copy_from_slice(&self.buf[off + 4..off + 12]);
        let m = &self.buf[off + HEAD..off + HEAD + n];
        (m, f64::from_le_bytes(s), off + HEAD + n + TAIL)
    }

    /// Offset of the entry before the one at `off` (`off` > 0).
    #[inline]
    pub fn prev_offset(&self, off: usize) -> usize {
        let n = self.u32_at(off - TAIL);
        off - TAIL - n - HEAD
    }

    /// Offset one past the last entry.
    pub fn end(&self) -> usize {
        self.buf.len()
    }

    /// Iterates (member, score) in rank order.
    pub fn iter(&self) -> LpIter<'_> {
        LpIter { lp: self, off: 0 }
    }

    /// Offset of the entry of rank `i` (walking from the nearer end).
    pub fn offset_of_rank(&self, i: usize) -> usize {
        if i <= self.len / 2 {
            let mut off = 0;
            for _ in 0..i {
                off = self.entry_at(off).2;
            }
            off
        } else {
            let mut off = self.end();
            for _ in i..self.len {
                off = self.prev_offset(off);
            }
            off
        }
    }

    /// Offset, rank and score of `member`.
    pub fn find(&self, member: &[u8]) -> Option<(usize, usize, f64)> {
        let mut off = 0;
        let mut rank = 0;
        while off < self.buf.len() {
            let (m, s, next) = self.entry_at(off);
            if m == member {
                return Some((off, rank, s));
            }
            off = next;
            rank += 1;
        }
        None
    }

    /// Inserts a member known to be absent at its rank position.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let mut off = 0;
        while off < self.buf.len() {
            let (m, s, next) = self.entry_at(off);
            if cmp_entry(s, m, score, member) == Ordering::Greater {
                break;
            }
            off = next;
        }
        self.insert_at(off, member, score);
    }

    fn insert_at(&mut self, off: usize, member: &[u8], score: f64) {
        // Scores are kept as Redis' listpack keeps them, where -0 reads 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let n = (member.len() as u32).to_le_bytes();
        let total = HEAD + member.len() + TAIL;
        self.buf
            .splice(off..off, std::iter::repeat_n(0u8, total))
            .for_each(drop);
        let e = &mut self.buf[off..off + total];
        e[0..4].copy_from_slice(&n);
        e[4..12].copy_from_slice(&score.to_le_bytes());
        e[HEAD..HEAD + member.len()].copy_from_slice(member);
        e[HEAD + member.len()..].copy_from_slice(&n);
        self.len += 1;
    }

    /// Appends an entry that sorts after every other one.
    pub fn push_back(&mut self, member: &[u8], score: f64) {
        let off = self.buf.len();
        self.insert_at(off, member, score);
    }

    /// Removes the entry at `off`.
    pub fn remove_at(&mut self, off: usize) {
        let next = self.entry_at(off).2;
        self.buf.drain(off..next);
        self.len -= 1;
    }

    /// Removes the entries of ranks `start..end`.
    pub fn remove_ranks(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let a = self.offset_of_rank(start);
        let mut b = a;
        for _ in start..end {
            b = self.entry_at(b).2;
        }
        self.buf.drain(a..b);
        self.len -= end - start;
    }

    /// Number of entries for which `below(member, score)` holds, which must
    /// be true on a prefix of the entries.
    pub fn partition_point(&self, mut below: impl FnMut(&[u8], f64) -> bool) -> usize {
        let mut n = 0;
        for (m, s) in self.iter() {
            if !below(m, s) {
                break;
            }
            n += 1;
        }
        n
    }

    /// Releases spare capacity.
    pub fn shrink(&mut self) {
        self.buf.shrink_to_fit();
    }
}

/// Iterator over a listpack's (member, score) pairs.
#[derive(Debug)]
pub struct LpIter<'a> {
    lp: &'a Listpack,
    off: usize,
}

impl<'a> Iterator for LpIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.off >= self.lp.buf.len() {
            return None;
        }
        let (m, s, next) = self.lp.entry_at(self.off);
        self.off = next;
        Some((m, s))
    }
}
