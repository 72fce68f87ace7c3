//! The hash type, in two encodings as Redis has them:
//!
//! - "listpack": at most `hash-max-listpack-entries` fields, every field
//!   and value at most `hash-max-listpack-value` bytes; fields and values
//!   alternate in one packed buffer, in insertion order
//!   ([`crate::types::set::pack`]).
//! - "hashtable": anything larger, a dense hashbrown-indexed table
//!   ([`crate::types::set::dense`]).
//!
//! A hash never converts back to a listpack, as in Redis.

use crate::types::limits::limits;
use crate::types::set::dense::Dense;
use crate::types::set::pack;
use crate::types::CompactBytes;

/// A field and its value in a hashtable-encoded hash.
pub type Pair = (CompactBytes, CompactBytes);

/// A hash value.
#[derive(Debug, Clone, PartialEq)]
pub struct Hash {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    /// Entry count, then field, value, field, value...
    Pack(Box<[u8]>),
    /// Hashtable.
    Table(Box<Dense<Pair>>),
}

impl Default for Hash {
    fn default() -> Self {
        Self::new()
    }
}

/// Positions of one field/value pair in a listpack buffer.
struct Found {
    start: usize,
    value: usize,
    end: usize,
}

fn pack_find(buf: &[u8], field: &[u8]) -> Option<Found> {
    let mut pos = pack::HEADER;
    loop {
        let (f, vpos) = pack::read(buf, pos)?;
        let (_, end) = pack::read(buf, vpos)?;
        if f == field {
            return Some(Found {
                start: pos,
                value: vpos,
                end,
            });
        }
        pos = end;
    }
}

/// Iterator over the (field, value) pairs of a listpack buffer.
fn pack_pairs(buf: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut it = pack::Iter::at(buf, pack::HEADER);
    std::iter::from_fn(move || Some((it.next()?, it.next()?)))
}

impl Hash {
    /// An empty hash (listpack-encoded).
    pub fn new() -> Self {
        Hash {
            repr: Repr::Pack(pack::empty().into_boxed_slice()),
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(b) => pack::count(b, 0),
            Repr::Table(t) => t.len(),
        }
    }

    /// Whether the hash has no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// The value of `field`, if present (SORT's `->field` patterns).
    pub fn get(&self, field: &[u8]) -> Option<Vec<u8>> {
        self.value(field).map(<[u8]>::to_vec)
    }

    /// The value of `field`, borrowed.
    pub fn value(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(b) => {
                let f = pack_find(b, field)?;
                pack::read(b, f.value).map(|(v, _)| v)
            }
            Repr::Table(t) => t.get(field).map(|p| p.1.as_slice()),
        }
    }

    /// Whether `field` is present.
    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.repr {
            Repr::Pack(b) => pack_find(b, field).is_some(),
            Repr::Table(t) => t.find(field).is_some(),
        }
    }

    /// Converts to a hashtable.
    fn make_table(&mut self) -> &mut Dense<Pair> {
        if let Repr::Pack(b) = &self.repr {
            let mut t = Dense::with_capacity(pack::count(b, 0) + 1);
            for (f, v) in pack_pairs(b) {
                t.insert_new((CompactBytes::from_slice(f), CompactBytes::from_slice(v)));
            }
            self.repr = Repr::Table(Box::new(t));
        }
        match &mut self.repr {
            Repr::Table(t) => t,
            Repr::Pack(_) => unreachable!("just converted"),
        }
    }

    /// Whether a field or value of `len` bytes is too long for a listpack.
    #[inline]
    pub fn too_long_for_listpack(len: usize) -> bool {
        len > limits().hash_max_listpack_value()
    }

    /// Converts to a hashtable if any of `args` is longer than
    /// `hash-max-listpack-value` (what Redis checks before HSET/HSETNX).
    pub fn convert_for(&mut self, args: &[&[u8]]) {
        if matches!(self.repr, Repr::Pack(_))
            && args.iter().any(|a| Self::too_long_for_listpack(a.len()))
        {
            self.make_table();
        }
    }

    /// Sets `field` to `value`; returns true if the field is new. Converts
    /// to a hashtable when the field count passes
    /// `hash-max-listpack-entries` or either string is longer than
    /// `hash-max-listpack-value`.
    pub fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.convert_for(&[field, value]);
        match &mut self.repr {
            Repr::Table(t) => {
                if let Some(p) = t.get_mut(field) {
                    p.1 = CompactBytes::from_slice(value);
                    false
                } else {
                    t.insert_new((
                        CompactBytes::from_slice(field),
                        CompactBytes::from_slice(value),
                    ));
                    true
                }
            }
            Repr::Pack(b) => {
                if let Some(f) = pack_find(b, field) {
                    *b = pack::spliced(b, f.value..f.end, &[value]).into_boxed_slice();
                    return false;
                }
                let n = pack::count(b, 0) + 1;
                let end = b.len();
                let mut v = pack::spliced(b, end..end, &[field, value]);
                pack::set_count(&mut v, 0, n);
                *b = v.into_boxed_slice();
                if n > limits().hash_max_listpack_entries() {
                    self.make_table();
                }
                true
            }
        }
    }

    /// Removes `field`; returns true if it was present.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Table(t) => t.remove(field).is_some(),
            Repr::Pack(b) => match pack_find(b, field) {
                Some(f) => {
                    let n = pack::count(b, 0);
                    let mut v = pack::spliced(b, f.start..f.end, &[]);
                    pack::set_count(&mut v, 0, n.saturating_sub(1));
                    *b = v.into_boxed_slice();
                    true
                }
                None => false,
            },
        }
    }

    /// Calls `f` on every field and value, in the encoding's order
    /// (insertion order for listpacks).
    pub fn for_each<'a>(&'a self, mut f: impl FnMut(&'a [u8], &'a [u8])) {
        match &self.repr {
            Repr::Pack(b) => pack_pairs(b).for_each(|(k, v)| f(k, v)),
            Repr::Table(t) => t.iter().for_each(|p| f(p.0.as_slice(), p.1.as_slice())),
        }
    }

    /// The pair at position `i` of the iteration order (O(1) for
    /// hashtables, O(i) for listpacks).
    pub fn pair_at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Pack(b) => pack_pairs(b).nth(i),
            Repr::Table(t) => t.at(i).map(|p| (p.0.as_slice(), p.1.as_slice())),
        }
    }

    /// One HSCAN step from `cursor`: a listpack gives everything at once
    /// (next cursor 0), a hashtable a window of about `count` fields.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut f: impl FnMut(&'a [u8], &'a [u8]),
    ) -> u64 {
        match &self.repr {
            Repr::Pack(_) => {
                self.for_each(f);
                0
            }
            Repr::Table(t) => t.scan(cursor, count, |p| f(p.0.as_slice(), p.1.as_slice())),
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<Self>()
            + match &self.repr {
                Repr::Pack(b) => b.len(),
                Repr::Table(t) => {
                    let mut heap = 0;
                    t.iter().for_each(|p| {
                        for s in [&p.0, &p.1] {
                            if s.len() > 22 {
                                heap += s.len();
                            }
                        }
                    });
                    std::mem::size_of::<Dense<Pair>>() + t.heap_size() + heap
                }
            }
    }
}

#[cfg(test)]
mod tests;
