//! The sorted set type.
//!
//! Two encodings, as Redis: [`Listpack`] (one packed buffer in rank order)
//! while the set is small, and [`Sorted`] (reported as "skiplist": a
//! hash index plus a rank-ordered block list) past
//! `zset-max-listpack-entries` members or a member longer than
//! `zset-max-listpack-value` bytes. A set never converts back by itself;
//! stores that build a new set pick the encoding for the final size
//! ([`ZSet::shrink_if_small`]).

pub mod listpack;
pub mod skiplist;

pub use listpack::Listpack;
pub use skiplist::Sorted;

use crate::types::limits::limits;

#[derive(Debug, Clone)]
enum Repr {
    Listpack(Listpack),
    Skiplist(Box<Sorted>),
}

/// A sorted set value.
#[derive(Debug, Clone)]
pub struct ZSet {
    repr: Repr,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet {
            repr: Repr::Listpack(Listpack::new()),
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut a = Vec::new();
        self.for_each(|m, s| a.push((m.to_vec(), s)));
        let mut i = 0;
        let mut eq = true;
        other.for_each(|m, s| {
            if eq {
                eq = a.get(i).is_some_and(|(am, as_)| am == m && *as_ == s);
            }
            i += 1;
        });
        eq
    }
}

/// What [`ZSet::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// The member was new.
    Added,
    /// The member's score changed.
    Updated,
    /// Nothing changed.
    Unchanged,
    /// The flags told to skip this member.
    Skipped,
}

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty sorted set in the encoding Redis picks for a set expected to
    /// hold `n` members, the longest `max_member` bytes long.
    pub fn with_expected(n: usize, max_member: usize) -> Self {
        let l = limits();
        if n > l.zset_max_listpack_entries() || max_member > l.zset_max_listpack_value() {
            ZSet {
                repr: Repr::Skiplist(Box::new(Sorted::with_capacity(n.min(4096)))),
            }
        } else {
            Self::default()
        }
    }

    /// An empty sorted set in the full ("skiplist") form, with room for
    /// about `n` members.
    pub fn new_full(n: usize) -> Self {
        ZSet {
            repr: Repr::Skiplist(Box::new(Sorted::with_capacity(n.min(4096)))),
        }
    }

    /// A new sorted set for a first member of `member_len` bytes, as ZADD
    /// creates it.
    pub fn for_first_member(member_len: usize) -> Self {
        let l = limits();
        if l.zset_max_listpack_entries() == 0 || member_len > l.zset_max_listpack_value() {
            ZSet {
                repr: Repr::Skiplist(Box::default()),
            }
        } else {
            Self::default()
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.len(),
            Repr::Skiplist(s) => s.len(),
        }
    }

    /// Whether the sorted set has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Skiplist(_) => "skiplist",
        }
    }

    /// Calls `f(member, score)` on every member in rank order (ascending
    /// score, then member bytes).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        self.walk(0, self.len(), false, |m, s| {
            f(m, s);
            true
        });
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.bytes(),
            Repr::Skiplist(s) => s.memory_usage() + std::mem::size_of::<Sorted>(),
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Listpack(l) => l.find(member).map(|(_, _, s)| s),
            Repr::Skiplist(s) => s.score(member),
        }
    }

    /// Ascending rank and score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match &self.repr {
            Repr::Listpack(l) => l.find(member).map(|(_, r, s)| (r, s)),
            Repr::Skiplist(s) => s.rank(member),
        }
    }

    /// The member and score of ascending rank `r`.
    pub fn get(&self, r: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Listpack(l) => {
                if r >= l.len() {
                    return None;
                }
                let (m, s, _) = l.entry_at(l.offset_of_rank(r));
                Some((m, s))
            }
            Repr::Skiplist(s) => s.get(r),
        }
    }

    /// Rank of the first member for which `below(member, score)` is false;
    /// `below` must hold on a prefix of the rank order.
    pub fn partition_point(&self, below: impl Fn(&[u8], f64) -> bool) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.partition_point(below),
            Repr::Skiplist(s) => s.partition_point(below),
        }
    }

    /// Calls `f` on the members of ranks `start..end`, ascending, or from
    /// `end - 1` down to `start` when `rev`; stops when `f` returns false.
    pub fn walk(&self, start: usize, end: usize, rev: bool, mut f: impl FnMut(&[u8], f64) -> bool) {
        let end = end.min(self.len());
        if start >= end {
            return;
        }
        match &self.repr {
            Repr::Listpack(l) => {
                if !rev {
                    let mut off = l.offset_of_rank(start);
                    for _ in start..end {
                        let (m, s, next) = l.entry_at(off);
                        if !f(m, s) {
                            return;
                        }
                        off = next;
                    }
                } else {
                    let mut off = l.offset_of_rank(end - 1);
                    for i in (start..end).rev() {
                        let (m, s, _) = l.entry_at(off);
                        if !f(m, s) {
                            return;
                        }
                        if i > 0 {
                            off = l.prev_offset(off);
                        }
                    }
                }
            }
            Repr::Skiplist(s) => s.walk(start, end, rev, f),
        }
    }

    fn convert_to_skiplist(&mut self) {
        if let Repr::Listpack(l) = &self.repr {
            let mut s = Sorted::with_capacity(l.len());
            for (m, sc) in l.iter() {
                s.insert_new(m, sc);
            }
            self.repr = Repr::Skiplist(Box::new(s));
        }
    }

    /// Converts to the listpack form when the set is small enough for it
    /// (what Redis does to the destination of a store command).
    pub fn shrink_if_small(&mut self) {
        let l = limits();
        if let Repr::Skiplist(s) = &self.repr {
            if s.len() > l.zset_max_listpack_entries() {
                return;
            }
            let max = l.zset_max_listpack_value();
            let mut fits = true;
            s.walk(0, s.len(), false, |m, _| {
                fits = m.len() <= max;
                fits
            });
            if !fits {
                return;
            }
            let mut lp = Listpack::new();
            s.walk(0, s.len(), false, |m, sc| {
                lp.push_back(m, sc);
                true
            });
            self.repr = Repr::Listpack(lp);
        }
    }

    /// Sets `member`'s score to `score`, adding it if absent (converting
    /// to the full form past the listpack limits).
    pub fn insert(&mut self, member: &[u8], score: f64) -> AddOutcome {
        match self.score(member) {
            Some(old) if old == score => AddOutcome::Unchanged,
            Some(_) => {
                self.set_existing(member, score);
                AddOutcome::Updated
            }
            None => {
                self.insert_new(member, score);
                AddOutcome::Added
            }
        }
    }

    /// Changes the score of a member that is present.
    pub fn set_existing(&mut self, member: &[u8], score: f64) {
        match &mut self.repr {
            Repr::Listpack(l) => {
                if let Some((off, _, _)) = l.find(member) {
                    l.remove_at(off);
                    l.insert(member, score);
                }
            }
            Repr::Skiplist(s) => s.update(member, score),
        }
    }

    /// Adds a member known to be absent.
    pub fn insert_new(&mut self, member: &[u8], score: f64) {
        if let Repr::Listpack(l) = &self.repr {
            let lim = limits();
            if l.len() + 1 > lim.zset_max_listpack_entries()
                || member.len() > lim.zset_max_listpack_value()
            {
                self.convert_to_skiplist();
            }
        }
        match &mut self.repr {
            Repr::Listpack(l) => l.insert(member, score),
            Repr::Skiplist(s) => s.insert_new(member, score),
        }
    }

    /// How ZSCAN prints `score` for this set's encoding: a listpack stores
    /// an integral score within ±2^62 as an integer and everything else as
    /// Redis' `d2string` text, the full form prints `d2string`'s.
    pub fn scan_score_text(&self, score: f64) -> String {
        match &self.repr {
            Repr::Listpack(_) => listpack_score_text(score),
            Repr::Skiplist(_) => d2string(score),
        }
    }

    /// One ZSCAN step from `cursor`: a listpack is returned whole (cursor
    /// 0 next), the full form about `count` members at a time. Returns the
    /// next cursor.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Listpack(l) => {
                l.iter().for_each(|(m, s)| f(m, s));
                0
            }
            Repr::Skiplist(s) => s.scan(cursor, count, f),
        }
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Listpack(l) => {
                let (off, _, s) = l.find(member)?;
                l.remove_at(off);
                Some(s)
            }
            Repr::Skiplist(s) => s.remove(member),
        }
    }

    /// Removes the members of ranks `start..end`; returns how many.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match &mut self.repr {
            Repr::Listpack(l) => l.remove_ranks(start, end),
            Repr::Skiplist(s) => s.remove_ranks(start, end, |_, _| {}),
        }
        end - start
    }

    /// Removes the lowest-ranked member (highest with `last`) and calls `f`
    /// with it; false when empty.
    pub fn pop(&mut self, last: bool, f: impl FnOnce(&[u8], f64)) -> bool {
        match &mut self.repr {
            Repr::Listpack(l) => {
                if l.is_empty() {
                    return false;
                }
                let off = if last { l.prev_offset(l.end()) } else { 0 };
                let (m, s, _) = l.entry_at(off);
                f(m, s);
                l.remove_at(off);
                true
            }
            Repr::Skiplist(s) => s.pop(last, f),
        }
    }
}

/// Redis' `d2string`: an integral value strictly within ±(2^52 - 1) as an
/// integer, infinities as `inf`/`-inf`, zero as `0`/`-0`, else `%.17g`.
pub fn d2string(v: f64) -> String {
    const LIM: f64 = 4503599627370495.0;
    if v != 0.0 && v > -LIM && v < LIM && v.fract() == 0.0 {
        (v as i64).to_string()
    } else {
        crate::protocol::encode::format_double(v)
    }
}

/// The text of a score as a listpack stores it: integral values within
/// ±2^62 as integers (`-0` included, as `0`), others as [`d2string`].
pub fn listpack_score_text(v: f64) -> String {
    const LIM: f64 = 4611686018427387904.0;
    if (-LIM..=LIM).contains(&v) && v.fract() == 0.0 {
        (v as i64).to_string()
    } else {
        d2string(v)
    }
}

#[cfg(test)]
mod tests;
