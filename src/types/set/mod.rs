//! The set type, in three encodings as Redis 7.2 has them:
//!
//! - "intset": every member is an integer in canonical form (as Redis'
//!   `string2ll` accepts) and there are at most `set-max-intset-entries`
//!   members; a sorted array of 2-, 4- or 8-byte integers ([`intset`]).
//! - "listpack": at most `set-max-listpack-entries` members of at most
//!   `set-max-listpack-value` bytes, packed back to back in insertion order
//!   ([`pack`]).
//! - "hashtable": anything larger ([`dense`]).
//!
//! Redis 7.0 has no listpack encoding for sets: a small set of strings is a
//! "hashtable" there. This server follows Redis 7.2 (which reports
//! "listpack" for such sets) because it keeps small sets compact; it is the
//! one place where OBJECT ENCODING deliberately differs from Redis 7.0.
//! The conversion rules are 7.2's: an intset that gets a non-integer
//! member becomes a listpack if the result fits the listpack limits (with
//! its integers counted at their printed length), else a hashtable; an
//! intset past `set-max-intset-entries` and a listpack past its limits
//! become hashtables. A set never converts back to a smaller encoding.

pub mod dense;
pub mod intset;
pub mod pack;

use crate::types::limits::limits;
use crate::types::{format_i64, CompactBytes};
use dense::Dense;

/// Kind byte of a small set stored as a listpack.
const LISTPACK: u8 = 0;
/// Offset of the entry count in a listpack set buffer (after the kind).
const LP_COUNT: usize = 1;
/// Offset of the first entry in a listpack set buffer.
const LP_FIRST: usize = LP_COUNT + pack::HEADER;

/// Largest intset Redis keeps, whatever `set-max-intset-entries` says.
const INTSET_HARD_MAX: usize = 1 << 30;

/// A set value.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    /// Intset (first byte 2, 4 or 8: the element width) or listpack (first
    /// byte [`LISTPACK`], then the entry count and the entries). Buffers of
    /// up to 22 bytes (e.g. ten small integers) are kept inside the set
    /// itself, saving an allocation for the many tiny sets.
    Small(CompactBytes),
    /// Hashtable.
    Table(Box<Dense<CompactBytes>>),
}

impl Default for Set {
    fn default() -> Self {
        Self::new()
    }
}

/// A member parsed as Redis stores it in an intset, if it is one.
#[inline]
pub fn as_int(m: &[u8]) -> Option<i64> {
    crate::protocol::parse::parse_i64(m)
}

/// Number of characters of `v` printed in decimal (sign included).
fn digits(v: i64) -> usize {
    let mut b = [0u8; 20];
    format_i64(v, &mut b).len()
}

fn empty_listpack() -> CompactBytes {
    CompactBytes::from_slice(&[LISTPACK, 0, 0, 0, 0])
}

#[inline]
fn is_listpack(buf: &[u8]) -> bool {
    buf.first() == Some(&LISTPACK)
}

impl Set {
    /// An empty set (an empty intset, as Redis creates before adding).
    pub fn new() -> Self {
        Set {
            repr: Repr::Small(CompactBytes::from_slice(intset::EMPTY)),
        }
    }

    /// An empty set in the encoding picked for a set about to get
    /// `size_hint` members, the first being `first`: an intset when `first`
    /// is an integer (as Redis 7.0), else a listpack or a hashtable by size.
    pub fn with_hint(first: &[u8], size_hint: usize) -> Self {
        let l = limits();
        if as_int(first).is_some() {
            // Redis 7.0 starts every set whose first member is an integer
            // as an intset, however many members follow.
            Self::new()
        } else if size_hint <= l.set_max_listpack_entries() {
            Set {
                repr: Repr::Small(empty_listpack()),
            }
        } else {
            Set {
                repr: Repr::Table(Box::new(Dense::with_capacity(size_hint))),
            }
        }
    }

    /// A set of the given members, built as the *STORE commands build
    /// theirs: an intset at first, converted as members are added.
    pub fn from_members<'a>(members: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut s = Self::new();
        for m in members {
            s.add(m);
        }
        s
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(b) if is_listpack(b.as_slice()) => pack::count(b.as_slice(), LP_COUNT),
            Repr::Small(b) => intset::len(b.as_slice()),
            Repr::Table(t) => t.len(),
        }
    }

    /// Whether the set has no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Small(b) if is_listpack(b.as_slice()) => "listpack",
            Repr::Small(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Position of `m` in a listpack buffer: (start, end) of its entry.
    fn lp_find(buf: &[u8], m: &[u8]) -> Option<(usize, usize)> {
        let mut pos = LP_FIRST;
        while let Some((s, next)) = pack::read(buf, pos) {
            if s == m {
                return Some((pos, next));
            }
            pos = next;
        }
        None
    }

    /// Whether `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.repr {
            Repr::Small(b) if is_listpack(b.as_slice()) => Self::lp_find(b.as_slice(), m).is_some(),
            Repr::Small(b) => as_int(m).is_some_and(|v| intset::contains(b.as_slice(), v)),
            Repr::Table(t) => t.find(m).is_some(),
        }
    }

    /// Converts to a hashtable with room for `extra` more members.
    fn make_table(&mut self, extra: usize) -> &mut Dense<CompactBytes> {
        if let Repr::Small(_) = self.repr {
            let mut t = Dense::with_capacity(self.len() + extra);
            self.for_each(|m| t.insert_new(CompactBytes::from_slice(m)));
            self.repr = Repr::Table(Box::new(t));
        }
        match &mut self.repr {
            Repr::Table(t) => t,
            Repr::Small(_) => unreachable!("just converted"),
        }
    }

    /// Converts an intset to a listpack (members in ascending order).
    fn intset_to_listpack(&mut self) {
        if let Repr::Small(b) = &self.repr {
            if is_listpack(b.as_slice()) {
                return;
            }
            let n = intset::len(b.as_slice());
            let mut v = Vec::with_capacity(LP_FIRST + n * 4);
            v.push(LISTPACK);
            v.extend_from_slice(&[0; pack::HEADER]);
            let mut tmp = [0u8; 20];
            for x in intset::iter(b.as_slice()) {
                pack::push(&mut v, format_i64(x, &mut tmp));
            }
            pack::set_count(&mut v, LP_COUNT, n);
            self.repr = Repr::Small(CompactBytes::from_slice(&v));
        }
    }

    /// Adds `m`; returns true if it was not a member. Converts the encoding
    /// as Redis 7.2 does.
    pub fn add(&mut self, m: &[u8]) -> bool {
        let l = limits();
        match &mut self.repr {
            Repr::Table(t) => {
                if t.find(m).is_some() {
                    return false;
                }
                t.insert_new(CompactBytes::from_slice(m));
                true
            }
            Repr::Small(b) if is_listpack(b.as_slice()) => {
                if Self::lp_find(b.as_slice(), m).is_some() {
                    return false;
                }
                let n = pack::count(b.as_slice(), LP_COUNT);
                if n < l.set_max_listpack_entries() && m.len() <= l.set_max_listpack_value() {
                    let end = b.len();
                    let mut v = pack::spliced(b.as_slice(), end..end, &[m]);
                    pack::set_count(&mut v, LP_COUNT, n + 1);
                    *b = CompactBytes::from_slice(&v);
                } else {
                    self.make_table(1).insert_new(CompactBytes::from_slice(m));
                }
                true
            }
            Repr::Small(b) => {
                if let Some(v) = as_int(m) {
                    let Some(new) = intset::inserted(b.as_slice(), v) else {
                        return false;
                    };
                    *b = CompactBytes::from_slice(&new);
                    let max = l.set_max_intset_entries().min(INTSET_HARD_MAX);
                    if intset::len(b.as_slice()) > max {
                        self.make_table(0);
                    }
                    return true;
                }
                let n = intset::len(b.as_slice());
                let widest = match (
                    intset::get(b.as_slice(), 0),
                    n.checked_sub(1).and_then(|i| intset::get(b.as_slice(), i)),
                ) {
                    (Some(lo), Some(hi)) => digits(lo).max(digits(hi)),
                    _ => 0,
                };
                let maxv = l.set_max_listpack_value();
                if n < l.set_max_listpack_entries() && m.len() <= maxv && widest <= maxv {
                    self.intset_to_listpack();
                    if let Repr::Small(b) = &mut self.repr {
                        let end = b.len();
                        let mut v = pack::spliced(b.as_slice(), end..end, &[m]);
                        pack::set_count(&mut v, LP_COUNT, n + 1);
                        *b = CompactBytes::from_slice(&v);
                    }
                } else {
                    self.make_table(1).insert_new(CompactBytes::from_slice(m));
                }
                true
            }
        }
    }

    /// Removes `m`; returns true if it was a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Table(t) => t.remove(m).is_some(),
            Repr::Small(b) if is_listpack(b.as_slice()) => match Self::lp_find(b.as_slice(), m) {
                Some((start, end)) => {
                    let n = pack::count(b.as_slice(), LP_COUNT);
                    let mut v = pack::spliced(b.as_slice(), start..end, &[]);
                    pack::set_count(&mut v, LP_COUNT, n.saturating_sub(1));
                    *b = CompactBytes::from_slice(&v);
                    true
                }
                None => false,
            },
            Repr::Small(b) => match as_int(m).and_then(|v| intset::removed(b.as_slice(), v)) {
                Some(new) => {
                    *b = CompactBytes::from_slice(&new);
                    true
                }
                None => false,
            },
        }
    }

    /// Calls `f` with the member at position `i` of the iteration order
    /// (O(1) for intsets and hashtables, O(i) for listpacks).
    pub fn with_member_at<R>(&self, i: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        match &self.repr {
            Repr::Table(t) => t.at(i).map(|m| f(m.as_slice())),
            Repr::Small(b) if is_listpack(b.as_slice()) => {
                pack::Iter::at(b.as_slice(), LP_FIRST).nth(i).map(f)
            }
            Repr::Small(b) => {
                let mut tmp = [0u8; 20];
                intset::get(b.as_slice(), i).map(|v| f(format_i64(v, &mut tmp)))
            }
        }
    }

    /// Removes the member at position `i` of the iteration order; returns
    /// it.
    pub fn remove_at(&mut self, i: usize) -> Option<Vec<u8>> {
        match &mut self.repr {
            Repr::Table(t) => t.remove_at(i).map(|m| m.as_slice().to_vec()),
            _ => {
                let m = self.with_member_at(i, |m| m.to_vec())?;
                self.remove(&m);
                Some(m)
            }
        }
    }

    /// Calls `f` on every member (in the encoding's iteration order:
    /// ascending for intsets, insertion order for listpacks).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match &self.repr {
            Repr::Table(t) => t.iter().for_each(|m| f(m.as_slice())),
            Repr::Small(b) if is_listpack(b.as_slice()) => {
                pack::Iter::at(b.as_slice(), LP_FIRST).for_each(f)
            }
            Repr::Small(b) => {
                let mut tmp = [0u8; 20];
                for v in intset::iter(b.as_slice()) {
                    f(format_i64(v, &mut tmp));
                }
            }
        }
    }

    /// One SSCAN step from `cursor`: small encodings give everything at
    /// once (next cursor 0), hashtables a window of about `count` members.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        match &self.repr {
            Repr::Table(t) => t.scan(cursor, count, |m| f(m.as_slice())),
            Repr::Small(_) => {
                self.for_each(f);
                0
            }
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<Self>()
            + match &self.repr {
                Repr::Small(b) if b.len() <= 22 => 0,
                Repr::Small(b) => b.len(),
                Repr::Table(t) => {
                    let mut heap = 0;
                    t.iter().for_each(|m| {
                        if m.len() > 22 {
                            heap += m.len();
                        }
                    });
                    std::mem::size_of::<Dense<CompactBytes>>() + t.heap_size() + heap
                }
            }
    }
}

#[cfg(test)]
mod tests;
