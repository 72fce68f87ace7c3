//! Packed entry lists: byte strings stored back to back in one buffer, each
//! behind a LEB128 length header (one byte for entries shorter than 128).
//! The compact encoding of small hashes and sets ("listpack") is built on
//! these helpers; buffers start with a little-endian `u32` entry count.

/// Size of the entry count at the start of a packed buffer.
pub const HEADER: usize = 4;

/// Number of entries recorded in the header at `at` in `buf`.
#[inline]
pub fn count(buf: &[u8], at: usize) -> usize {
    match buf.get(at..at + HEADER) {
        Some(h) => u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize,
        None => 0,
    }
}

/// Writes the entry count into the header at `at` in `buf`.
#[inline]
pub fn set_count(buf: &mut [u8], at: usize, n: usize) {
    if let Some(h) = buf.get_mut(at..at + HEADER) {
        h.copy_from_slice(&(n.min(u32::MAX as usize) as u32).to_le_bytes());
    }
}

/// An empty packed buffer (header only).
pub fn empty() -> Vec<u8> {
    vec![0; HEADER]
}

/// Encodes the length header of an entry of `len` bytes into `out`;
/// returns how many bytes it used.
#[inline]
pub fn encode_len(mut len: usize, out: &mut [u8; 10]) -> usize {
    let mut i = 0;
    loop {
        let b = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out[i] = b;
            return i + 1;
        }
        out[i] = b | 0x80;
        i += 1;
    }
}

/// Bytes an entry holding `s` takes.
#[inline]
pub fn entry_size(s: &[u8]) -> usize {
    let mut hdr = [0u8; 10];
    encode_len(s.len(), &mut hdr) + s.len()
}

/// Appends an entry holding `s` to `out`.
#[inline]
pub fn push(out: &mut Vec<u8>, s: &[u8]) {
    let mut hdr = [0u8; 10];
    let n = encode_len(s.len(), &mut hdr);
    out.extend_from_slice(&hdr[..n]);
    out.extend_from_slice(s);
}

/// Reads the entry at `pos`: its contents and the position after it.
/// `None` at the end of the buffer (or on a malformed entry).
#[inline]
pub fn read(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let mut len = 0usize;
    let mut shift = 0u32;
    let mut p = pos;
    loop {
        let b = *buf.get(p)?;
        p += 1;
        if shift >= usize::BITS {
            return None;
        }
        len |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let end = p.checked_add(len)?;
    Some((buf.get(p..end)?, end))
}

/// Iterator over the entries of a packed buffer.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iter<'a> {
    /// Iterates the entries of `buf` from position `pos` on.
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Iter { buf, pos }
    }

    /// Position of the next entry.
    pub fn pos(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (s, next) = read(self.buf, self.pos)?;
        self.pos = next;
        Some(s)
    }
}

/// A copy of `buf` with `buf[range]` replaced by the entries `parts`,
/// exactly sized (compact encodings never hold spare capacity).
pub fn spliced(buf: &[u8], range: std::ops::Range<usize>, parts: &[&[u8]]) -> Vec<u8> {
    let added: usize = parts.iter().map(|p| entry_size(p)).sum();
    let (head, tail) = match (buf.get(..range.start), buf.get(range.end..)) {
        (Some(h), Some(t)) => (h, t),
        _ => (buf, &[][..]),
    };
    let mut v = Vec::with_capacity(head.len() + tail.len() + added);
    v.extend_from_slice(head);
    for p in parts {
        push(&mut v, p);
    }
    v.extend_from_slice(tail);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let mut v = empty();
        let long = vec![7u8; 300];
        push(&mut v, b"");
        push(&mut v, b"abc");
        push(&mut v, &long);
        set_count(&mut v, 0, 3);
        assert_eq!(count(&v, 0), 3);
        let items: Vec<&[u8]> = Iter::at(&v, HEADER).collect();
        assert_eq!(items, vec![&b""[..], &b"abc"[..], &long[..]]);
        assert_eq!(entry_size(&long), 302);
        assert_eq!(read(&v, v.len()), None);
    }
}
