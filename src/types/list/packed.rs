//! Packed list nodes: elements serialized back to back in one buffer.
//!
//! Each entry is `[head][payload][back]`:
//!
//! * `head` says what the entry holds. Canonical decimal integers are kept
//!   as binary integers in 1 to 9 bytes; other strings get a 1, 2, 5 or 9
//!   byte length header followed by their bytes:
//!
//!   | head                 | meaning                                    |
//!   |----------------------|--------------------------------------------|
//!   | `0xxxxxxx`           | integer 0..=127                            |
//!   | `10llllll`           | string of 0..=63 bytes                     |
//!   | `110xxxxx` + 1 byte  | 13-bit signed integer                      |
//!   | `1110llll` + 1 byte  | string of up to 4095 bytes                 |
//!   | `0xF0` + 4 bytes     | string with a 32-bit length                |
//!   | `0xF1`..`0xF4`       | 16, 24, 32, 64-bit integer (little endian) |
//!   | `0xF5` + 8 bytes     | string with a 64-bit length                |
//!
//! * `back` is the size of `head` + `payload`, written in 7-bit groups so
//!   that it can be read from its last byte backwards: the last byte holds
//!   the lowest 7 bits and has its high bit set when more groups precede.
//!   It lets a node be walked from its end as cheaply as from its start.

use crate::protocol::parse::parse_i64;
use crate::types::format_i64;

/// One element as stored: a binary integer (from a canonical decimal
/// string) or the string's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An element that was a canonical decimal integer.
    Int(i64),
    /// Any other string.
    Str(&'a [u8]),
}

impl<'a> Elem<'a> {
    /// Calls `f` with the element's bytes (integers formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Elem::Str(s) => f(s),
            Elem::Int(i) => {
                let mut tmp = [0u8; 20];
                f(format_i64(i, &mut tmp))
            }
        }
    }

    /// The element's bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }
}

/// A value searched for in a list (LREM, LPOS, LINSERT's pivot), with its
/// integer form computed once so that integer entries compare without
/// formatting.
#[derive(Debug, Clone, Copy)]
pub struct Needle<'a> {
    bytes: &'a [u8],
    int: Option<i64>,
}

impl<'a> Needle<'a> {
    /// A needle for `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        let int = if bytes.len() <= 20 {
            parse_i64(bytes)
        } else {
            None
        };
        Needle { bytes, int }
    }

    /// Whether `e` holds the same bytes. Canonical integers are always
    /// stored as `Int`, so an `Int` entry equals the needle exactly when
    /// the needle parses to the same integer.
    #[inline]
    pub fn matches(&self, e: &Elem<'_>) -> bool {
        match *e {
            Elem::Int(i) => self.int == Some(i),
            Elem::Str(s) => self.int.is_none() && s == self.bytes,
        }
    }
}

/// An element encoded for storage: the head (integers fit entirely in it),
/// the payload to copy after it and the back-length suffix.
#[derive(Debug)]
pub struct Encoded<'a> {
    head: [u8; 9],
    head_len: u8,
    payload: &'a [u8],
    back: [u8; 10],
    back_len: u8,
}

impl<'a> Encoded<'a> {
    /// Encodes `v`.
    pub fn new(v: &'a [u8]) -> Self {
        let mut head = [0u8; 9];
        let (head_len, payload): (usize, &[u8]) =
            match (v.len() <= 20).then(|| parse_i64(v)).flatten() {
                Some(i) => (encode_int(i, &mut head), &[]),
                None => (encode_str_len(v.len(), &mut head), v),
            };
        let mut back = [0u8; 10];
        let back_len = encode_back(head_len + payload.len(), &mut back);
        Encoded {
            head,
            head_len: head_len as u8,
            payload,
            back,
            back_len: back_len as u8,
        }
    }

    /// Total bytes the entry takes.
    #[inline]
    pub fn len(&self) -> usize {
        self.head_len as usize + self.payload.len() + self.back_len as usize
    }

    /// Always false: an entry has at least a head and a back length.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the entry into `out`, which must be exactly `len()` bytes.
    fn write_to(&self, out: &mut [u8]) {
        let h = self.head_len as usize;
        let p = self.payload.len();
        out[..h].copy_from_slice(&self.head[..h]);
        out[h..h + p].copy_from_slice(self.payload);
        out[h + p..].copy_from_slice(&self.back[..self.back_len as usize]);
    }

    /// Appends the entry to `buf`.
    fn append_to(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.head[..self.head_len as usize]);
        buf.extend_from_slice(self.payload);
        buf.extend_from_slice(&self.back[..self.back_len as usize]);
    }
}

fn encode_int(i: i64, h: &mut [u8; 9]) -> usize {
    if (0..=127).contains(&i) {
        h[0] = i as u8;
        1
    } else if (-4096..=4095).contains(&i) {
        let u = (i as u16) & 0x1fff;
        h[0] = 0xC0 | (u >> 8) as u8;
        h[1] = u as u8;
        2
    } else if i16::try_from(i).is_ok() {
        h[0] = 0xF1;
        h[1..3].copy_from_slice(&(i as i16).to_le_bytes());
        3
    } else if (-(1 << 23)..(1 << 23)).contains(&i) {
        h[0] = 0xF2;
        h[1..4].copy_from_slice(&(i as i32).to_le_bytes()[..3]);
        4
    } else if i32::try_from(i).is_ok() {
        h[0] = 0xF3;
        h[1..5].copy_from_slice(&(i as i32).to_le_bytes());
        5
    } else {
        h[0] = 0xF4;
        h[1..9].copy_from_slice(&i.to_le_bytes());
        9
    }
}

fn encode_str_len(n: usize, h: &mut [u8; 9]) -> usize {
    if n < 64 {
        h[0] = 0x80 | n as u8;
        1
    } else if n < 4096 {
        h[0] = 0xE0 | (n >> 8) as u8;
        h[1] = n as u8;
        2
    } else if let Ok(n32) = u32::try_from(n) {
        h[0] = 0xF0;
        h[1..5].copy_from_slice(&n32.to_le_bytes());
        5
    } else {
        h[0] = 0xF5;
        h[1..9].copy_from_slice(&(n as u64).to_le_bytes());
        9
    }
}

/// Writes `size` as the back-length suffix; returns its length.
fn encode_back(mut size: usize, out: &mut [u8; 10]) -> usize {
    let mut groups = [0u8; 10];
    let mut n = 0;
    loop {
        groups[n] = (size & 0x7f) as u8;
        n += 1;
        size >>= 7;
        if size == 0 || n == groups.len() {
            break;
        }
    }
    // Memory order: most significant group first, high bit set on all but it.
    for k in 0..n {
        let g = groups[n - 1 - k];
        out[k] = if k == 0 { g } else { g | 0x80 };
    }
    n
}

fn back_len_of(size: usize) -> usize {
    let mut n = 1;
    let mut s = size >> 7;
    while s != 0 {
        n += 1;
        s >>= 7;
    }
    n
}

#[inline]
fn le(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for (k, &x) in b.iter().enumerate().take(8) {
        v |= (x as u64) << (8 * k);
    }
    v
}

/// Decodes the entry starting at `off`: the element and the entry's total
/// size. The buffer must hold a valid entry there (nodes only ever contain
/// what [`Encoded`] wrote); a malformed buffer yields an empty string and a
/// size that ends the walk, never a panic.
#[inline]
pub fn decode(buf: &[u8], off: usize) -> (Elem<'_>, usize) {
    let rest = buf.get(off..).unwrap_or(&[]);
    let Some(&b) = rest.first() else {
        return (Elem::Str(&[]), rest.len().max(1));
    };
    let (elem, body): (Elem<'_>, usize) = if b < 0x80 {
        (Elem::Int(b as i64), 1)
    } else if b & 0xC0 == 0x80 {
        let n = (b & 0x3f) as usize;
        (Elem::Str(rest.get(1..1 + n).unwrap_or(&[])), 1 + n)
    } else if b & 0xE0 == 0xC0 {
        let u = (((b & 0x1f) as u16) << 8) | *rest.get(1).unwrap_or(&0) as u16;
        let v = if u >= 0x1000 {
            u as i64 - 0x2000
        } else {
            u as i64
        };
        (Elem::Int(v), 2)
    } else if b & 0xF0 == 0xE0 {
        let n = (((b & 0x0f) as usize) << 8) | *rest.get(1).unwrap_or(&0) as usize;
        (Elem::Str(rest.get(2..2 + n).unwrap_or(&[])), 2 + n)
    } else {
        let field = |n: usize| le(rest.get(1..1 + n).unwrap_or(&[]));
        match b {
            0xF0 => {
                let n = field(4) as usize;
                (Elem::Str(rest.get(5..5 + n).unwrap_or(&[])), 5 + n)
            }
            0xF1 => (Elem::Int(field(2) as u16 as i16 as i64), 3),
            0xF2 => (Elem::Int(((field(3) as u32) << 8) as i32 as i64 >> 8), 4),
            0xF3 => (Elem::Int(field(4) as u32 as i32 as i64), 5),
            0xF4 => (Elem::Int(field(8) as i64), 9),
            0xF5 => {
                let n = usize::try_from(field(8)).unwrap_or(usize::MAX);
                let end = n.saturating_add(9);
                (Elem::Str(rest.get(9..end).unwrap_or(&[])), end)
            }
            _ => (Elem::Str(&[]), rest.len()),
        }
    };
    (elem, body.saturating_add(back_len_of(body)))
}

/// Start of the entry that ends at `end` (`end > 0`), read from its
/// back-length suffix.
#[inline]
pub fn prev_start(buf: &[u8], end: usize) -> usize {
    let mut size = 0usize;
    let mut shift = 0u32;
    let mut p = end;
    while p > 0 && shift < 64 {
        p -= 1;
        let b = buf.get(p).copied().unwrap_or(0);
        size |= ((b & 0x7f) as usize) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            break;
        }
    }
    p.saturating_sub(size)
}

/// A run of entries in one buffer, with their count.
#[derive(Debug, Clone, Default)]
pub struct Node {
    buf: Vec<u8>,
    count: usize,
}

impl Node {
    /// A node holding one element.
    pub fn with(e: &Encoded<'_>) -> Self {
        let mut buf = Vec::with_capacity(e.len());
        e.append_to(&mut buf);
        Node { buf, count: 1 }
    }

    /// Number of entries.
    #[inline]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes of entries.
    #[inline]
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes held.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Gives back spare capacity (when the node stops growing).
    pub fn shrink(&mut self) {
        if self.buf.capacity() > self.buf.len() {
            self.buf.shrink_to_fit();
        }
    }

    /// The entry at byte offset `off` and its size.
    #[inline]
    pub fn at(&self, off: usize) -> (Elem<'_>, usize) {
        decode(&self.buf, off)
    }

    /// Offset of the entry before the one at `off` (`off > 0`).
    #[inline]
    pub fn prev(&self, off: usize) -> usize {
        prev_start(&self.buf, off)
    }

    /// Offset of the `i`-th entry (`i <= count`; `count` gives the end),
    /// walking from the nearer end.
    pub fn offset_of(&self, i: usize) -> usize {
        if i <= self.count / 2 {
            let mut off = 0;
            for _ in 0..i {
                off += self.at(off).1;
            }
            off
        } else {
            let mut off = self.buf.len();
            for _ in i..self.count {
                off = self.prev(off);
            }
            off
        }
    }

    /// Appends an entry.
    pub fn push_back(&mut self, e: &Encoded<'_>) {
        e.append_to(&mut self.buf);
        self.count += 1;
    }

    /// Inserts an entry at byte offset `off`.
    pub fn insert_at(&mut self, off: usize, e: &Encoded<'_>) {
        let n = e.len();
        let old = self.buf.len();
        let off = off.min(old);
        self.buf.resize(old + n, 0);
        self.buf.copy_within(off..old, off + n);
        e.write_to(&mut self.buf[off..off + n]);
        self.count += 1;
    }

    /// Removes the entry at `off`.
    pub fn remove_at(&mut self, off: usize) {
        let size = self.at(off).1;
        let end = (off + size).min(self.buf.len());
        self.buf.drain(off..end);
        self.count = self.count.saturating_sub(1);
    }

    /// Removes entries `[from, from + n)` given by their byte range.
    pub fn remove_bytes(&mut self, start: usize, end: usize, n: usize) {
        self.buf.drain(start..end.min(self.buf.len()));
        self.count = self.count.saturating_sub(n);
    }

    /// Replaces the entry at `off` with `e`.
    pub fn replace_at(&mut self, off: usize, e: &Encoded<'_>) {
        let size = self.at(off).1;
        let end = (off + size).min(self.buf.len());
        let n = e.len();
        if n == size {
            e.write_to(&mut self.buf[off..end]);
            return;
        }
        // Build the entry in place: make room (or shrink) then write.
        if n > size {
            let grow = n - size;
            let old = self.buf.len();
            self.buf.resize(old + grow, 0);
            self.buf.copy_within(end..old, end + grow);
        } else {
            self.buf.drain(off + n..end);
        }
        e.write_to(&mut self.buf[off..off + n]);
    }

    /// Appends one already encoded entry (bytes taken from another node).
    pub fn push_raw(&mut self, entry: &[u8]) {
        self.buf.extend_from_slice(entry);
        self.count += 1;
    }

    /// The raw bytes of the entry at `off` (size `size`).
    pub fn raw(&self, off: usize, size: usize) -> &[u8] {
        self.buf.get(off..off + size).unwrap_or(&[])
    }

    /// Moves all entries of `other` to the end of this node.
    pub fn append(&mut self, other: Node) {
        self.buf.extend_from_slice(&other.buf);
        self.count += other.count;
    }

    /// Splits off the entries from byte offset `off` (entry `i`) on.
    pub fn split_off(&mut self, off: usize, i: usize) -> Node {
        let buf = self.buf.split_off(off);
        let count = self.count.saturating_sub(i);
        self.count = i;
        self.shrink();
        Node { buf, count }
    }

    /// Keeps the entries for which `keep(index, elem)` is true, compacting
    /// in place. Returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, &Elem<'_>) -> bool) -> usize {
        let mut read = 0;
        let mut write = 0;
        let mut idx = 0;
        let mut removed = 0;
        let len = self.buf.len();
        while read < len {
            let (e, size) = decode(&self.buf, read);
            let size = size.min(len - read);
            if keep(idx, &e) {
                if write != read {
                    self.buf.copy_within(read..read + size, write);
                }
                write += size;
            } else {
                removed += 1;
            }
            read += size;
            idx += 1;
        }
        self.buf.truncate(write);
        self.count -= removed;
        removed
    }

    /// Iterates the entries head to tail.
    pub fn iter(&self) -> NodeIter<'_> {
        NodeIter {
            buf: &self.buf,
            off: 0,
        }
    }
}

/// Entries of one node, head to tail.
#[derive(Debug)]
pub struct NodeIter<'a> {
    buf: &'a [u8],
    off: usize,
}

impl<'a> Iterator for NodeIter<'a> {
    type Item = Elem<'a>;
    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.off >= self.buf.len() {
            return None;
        }
        let (e, size) = decode(self.buf, self.off);
        self.off += size;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(v: &[u8]) {
        let e = Encoded::new(v);
        let mut buf = Vec::new();
        e.append_to(&mut buf);
        e.append_to(&mut buf);
        assert_eq!(buf.len(), 2 * e.len());
        let (el, size) = decode(&buf, 0);
        assert_eq!(size, e.len(), "{:?}", v);
        assert_eq!(el.to_vec(), v);
        assert_eq!(prev_start(&buf, buf.len()), e.len());
        assert_eq!(prev_start(&buf, e.len()), 0);
    }

    #[test]
    fn entries_roundtrip() {
        for v in [
            "0",
            "1",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-4097",
            "32767",
            "-32768",
            "32768",
            "8388607",
            "-8388608",
            "8388608",
            "2147483647",
            "-2147483648",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "",
            "a",
            "-0",
            "01",
            "+1",
            " 1",
            "1 ",
        ] {
            roundtrip(v.as_bytes());
        }
        for n in [63, 64, 100, 127, 128, 4095, 4096, 20000, 70000] {
            roundtrip(&vec![b'x'; n]);
        }
    }

    #[test]
    fn compact_sizes() {
        assert_eq!(Encoded::new(b"5").len(), 2);
        assert_eq!(Encoded::new(b"1000").len(), 3);
        assert_eq!(Encoded::new(b"abcdefghij").len(), 12);
        assert!(matches!(decode(b"\x05\x01", 0).0, Elem::Int(5)));
    }

    #[test]
    fn needle_matching() {
        let n = Needle::new(b"12");
        assert!(n.matches(&Elem::Int(12)));
        assert!(!n.matches(&Elem::Str(b"12")));
        let n = Needle::new(b"012");
        assert!(n.matches(&Elem::Str(b"012")));
        assert!(!n.matches(&Elem::Int(12)));
    }
}
