//! The packed blobs RDB stores inside strings: listpack (Redis 7), ziplist
//! and zipmap (older dumps), intset. Readers check every length against
//! the blob and report errors at offsets within it; writers produce what
//! Redis writes.

use super::codec::DecodeError;

/// One element of a packed blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A string.
    Str(&'a [u8]),
    /// An integer.
    Int(i64),
}

impl Item<'_> {
    /// The element as bytes (integers in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Item::Str(s) => s.to_vec(),
            Item::Int(i) => i.to_string().into_bytes(),
        }
    }
}

fn err(offset: usize, what: &'static str) -> DecodeError {
    DecodeError { offset, what }
}

fn take(buf: &[u8], at: usize, n: usize) -> Result<&[u8], DecodeError> {
    at.checked_add(n)
        .and_then(|end| buf.get(at..end))
        .ok_or(err(at, "entry runs past the end of its blob"))
}

fn le_int(s: &[u8]) -> i64 {
    // Sign-extends a little-endian integer of 1 to 8 bytes.
    let mut v: u64 = 0;
    for (i, &b) in s.iter().enumerate() {
        v |= (b as u64) << (8 * i);
    }
    let bits = 8 * s.len() as u32;
    if bits < 64 {
        let shift = 64 - bits;
        ((v << shift) as i64) >> shift
    } else {
        v as i64
    }
}

// ---------------------------------------------------------------------------
// Listpack
// ---------------------------------------------------------------------------

const LP_HEADER: usize = 6;
const LP_EOF: u8 = 0xff;

/// Size of the back-length field for an entry of `l` bytes.
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Reads every element of a listpack blob, calling `f` on each.
pub fn listpack_for_each(
    buf: &[u8],
    mut f: impl FnMut(Item<'_>) -> Result<(), DecodeError>,
) -> Result<usize, DecodeError> {
    let head = take(buf, 0, LP_HEADER)?;
    let total = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if total != buf.len() {
        return Err(err(0, "listpack size does not match its blob"));
    }
    let announced = u16::from_le_bytes([head[4], head[5]]) as usize;
    let mut pos = LP_HEADER;
    let mut count = 0usize;
    loop {
        let b = *buf
            .get(pos)
            .ok_or(err(pos, "listpack without terminator"))?;
        if b == LP_EOF {
            if pos + 1 != buf.len() {
                return Err(err(pos, "bytes after the listpack terminator"));
            }
            break;
        }
        let (item, size) = if b & 0x80 == 0 {
            (Item::Int((b & 0x7f) as i64), 1)
        } else if b & 0xc0 == 0x80 {
            let n = (b & 0x3f) as usize;
            (Item::Str(take(buf, pos + 1, n)?), 1 + n)
        } else if b & 0xe0 == 0xc0 {
            let lo = *take(buf, pos + 1, 1)?.first().unwrap_or(&0);
            let v = (((b & 0x1f) as u16) << 8 | lo as u16) as i64;
            let v = if v >= 1 << 12 { v - (1 << 13) } else { v };
            (Item::Int(v), 2)
        } else if b & 0xf0 == 0xe0 {
            let lo = *take(buf, pos + 1, 1)?.first().unwrap_or(&0);
            let n = ((b & 0x0f) as usize) << 8 | lo as usize;
            (Item::Str(take(buf, pos + 2, n)?), 2 + n)
        } else {
            match b {
                0xf0 => {
                    let l = take(buf, pos + 1, 4)?;
                    let n = u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize;
                    (Item::Str(take(buf, pos + 5, n)?), 5 + n)
                }
                0xf1 => (Item::Int(le_int(take(buf, pos + 1, 2)?)), 3),
                0xf2 => (Item::Int(le_int(take(buf, pos + 1, 3)?)), 4),
                0xf3 => (Item::Int(le_int(take(buf, pos + 1, 4)?)), 5),
                0xf4 => (Item::Int(le_int(take(buf, pos + 1, 8)?)), 9),
                _ => return Err(err(pos, "unknown listpack entry encoding")),
            }
        };
        let back = backlen_size(size);
        take(buf, pos + size, back)?;
        f(item)?;
        count += 1;
        pos += size + back;
    }
    if announced != 0xffff && announced != count {
        return Err(err(4, "listpack element count does not match"));
    }
    Ok(count)
}

/// Builds a listpack blob.
#[derive(Debug)]
pub struct ListpackWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ListpackWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        ListpackWriter {
            buf: vec![0; LP_HEADER],
            count: 0,
        }
    }

    /// Size so far, in bytes.
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no element was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends an element, stored as an integer when it is one in
    /// canonical form (as Redis' `lpAppend`).
    pub fn push(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let int = if s.len() <= 20 {
            crate::protocol::parse::parse_i64(s)
        } else {
            None
        };
        match int {
            Some(v) if (0..=127).contains(&v) => self.buf.push(v as u8),
            Some(v) if (-4096..=4095).contains(&v) => {
                let u = (v & 0x1fff) as u16;
                self.buf.push(0xc0 | (u >> 8) as u8);
                self.buf.push((u & 0xff) as u8);
            }
            Some(v) if i16::try_from(v).is_ok() => {
                self.buf.push(0xf1);
                self.buf.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                self.buf.push(0xf2);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v) if i32::try_from(v).is_ok() => {
                self.buf.push(0xf3);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                self.buf.push(0xf4);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
            None => {
                let n = s.len();
                if n < 64 {
                    self.buf.push(0x80 | n as u8);
                } else if n < 4096 {
                    self.buf.push(0xe0 | (n >> 8) as u8);
                    self.buf.push((n & 0xff) as u8);
                } else {
                    self.buf.push(0xf0);
                    self.buf.extend_from_slice(&(n as u32).to_le_bytes());
                }
                self.buf.extend_from_slice(s);
            }
        }
        let l = (self.buf.len() - start) as u64;
        match backlen_size(l as usize) {
            1 => self.buf.push(l as u8),
            k => {
                for i in (0..k).rev() {
                    let group = ((l >> (7 * i)) & 127) as u8;
                    self.buf.push(if i == k - 1 { group } else { group | 128 });
                }
            }
        }
        self.count += 1;
    }

    /// The finished blob.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(LP_EOF);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let n = if self.count < 0xffff {
            self.count as u16
        } else {
            0xffff
        };
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

// ---------------------------------------------------------------------------
// Ziplist (RDB types 10, 12, 13, and quicklist nodes before Redis 7)
// ---------------------------------------------------------------------------

const ZL_HEADER: usize = 10;

/// Reads every element of a ziplist blob, calling `f` on each.
pub fn ziplist_for_each(
    buf: &[u8],
    mut f: impl FnMut(Item<'_>) -> Result<(), DecodeError>,
) -> Result<usize, DecodeError> {
    let head = take(buf, 0, ZL_HEADER)?;
    let total = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if total != buf.len() {
        return Err(err(0, "ziplist size does not match its blob"));
    }
    let mut pos = ZL_HEADER;
    let mut count = 0usize;
    loop {
        let b = *buf.get(pos).ok_or(err(pos, "ziplist without terminator"))?;
        if b == 0xff {
            if pos + 1 != buf.len() {
                return Err(err(pos, "bytes after the ziplist terminator"));
            }
            break;
        }
        // Previous entry length: one byte, or 0xfe and four bytes.
        let mut p = pos + if b == 0xfe { 5 } else { 1 };
        take(buf, pos, p - pos)?;
        let e = *take(buf, p, 1)?.first().unwrap_or(&0);
        let item = match e >> 6 {
            0 => {
                let n = (e & 0x3f) as usize;
                let s = take(buf, p + 1, n)?;
                p += 1 + n;
                Item::Str(s)
            }
            1 => {
                let lo = *take(buf, p + 1, 1)?.first().unwrap_or(&0);
                let n = ((e & 0x3f) as usize) << 8 | lo as usize;
                let s = take(buf, p + 2, n)?;
                p += 2 + n;
                Item::Str(s)
            }
            2 => {
                let l = take(buf, p + 1, 4)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                let s = take(buf, p + 5, n)?;
                p += 5 + n;
                Item::Str(s)
            }
            _ => {
                let width = match e {
                    0xc0 => 2,
                    0xd0 => 4,
                    0xe0 => 8,
                    0xf0 => 3,
                    0xfe => 1,
                    0xf1..=0xfd => 0,
                    _ => return Err(err(p, "unknown ziplist entry encoding")),
                };
                let v = if width == 0 {
                    (e & 0x0f) as i64 - 1
                } else {
                    le_int(take(buf, p + 1, width)?)
                };
                p += 1 + width;
                Item::Int(v)
            }
        };
        f(item)?;
        count += 1;
        pos = p;
    }
    Ok(count)
}

// ---------------------------------------------------------------------------
// Intset
// ---------------------------------------------------------------------------

/// Reads the members of an intset blob (width, count, sorted values).
pub fn intset_for_each(
    buf: &[u8],
    mut f: impl FnMut(i64) -> Result<(), DecodeError>,
) -> Result<usize, DecodeError> {
    let head = take(buf, 0, 8)?;
    let width = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let n = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(err(0, "invalid intset encoding"));
    }
    if n.checked_mul(width).and_then(|b| b.checked_add(8)) != Some(buf.len()) {
        return Err(err(4, "intset size does not match its blob"));
    }
    let mut prev: Option<i64> = None;
    for i in 0..n {
        let at = 8 + i * width;
        let v = le_int(take(buf, at, width)?);
        if prev.is_some_and(|p| p >= v) {
            return Err(err(at, "intset not sorted or with duplicates"));
        }
        prev = Some(v);
        f(v)?;
    }
    Ok(n)
}

/// Builds an intset blob from sorted, distinct values.
pub fn intset_blob(sorted: &[i64]) -> Vec<u8> {
    let width = sorted
        .iter()
        .map(|&v| crate::types::set::intset::width_for(v))
        .max()
        .unwrap_or(2);
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for &v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

// ---------------------------------------------------------------------------
// Zipmap (hashes before Redis 2.6)
// ---------------------------------------------------------------------------

/// Reads the (field, value) pairs of a zipmap blob.
pub fn zipmap_for_each(
    buf: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    fn zm_len(buf: &[u8], at: usize) -> Result<(usize, usize), DecodeError> {
        let b = *take(buf, at, 1)?.first().unwrap_or(&0);
        if b < 254 {
            Ok((b as usize, 1))
        } else if b == 254 {
            let l = take(buf, at + 1, 4)?;
            Ok((u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize, 5))
        } else {
            Err(err(at, "zipmap length expected"))
        }
    }
    let mut pos = 1;
    take(buf, 0, 1)?;
    loop {
        let b = *buf.get(pos).ok_or(err(pos, "zipmap without terminator"))?;
        if b == 0xff {
            if pos + 1 != buf.len() {
                return Err(err(pos, "bytes after the zipmap terminator"));
            }
            return Ok(());
        }
        let (klen, h) = zm_len(buf, pos)?;
        let key = take(buf, pos + h, klen)?;
        pos += h + klen;
        let (vlen, h) = zm_len(buf, pos)?;
        let free = *take(buf, pos + h, 1)?.first().unwrap_or(&0) as usize;
        let val = take(buf, pos + h + 1, vlen)?;
        pos += h + 1 + vlen;
        take(buf, pos, free)?;
        pos += free;
        f(key, val)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp_items(buf: &[u8]) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        listpack_for_each(buf, |i| {
            v.push(i.to_vec());
            Ok(())
        })
        .unwrap();
        v
    }

    #[test]
    fn listpack_round_trip_every_encoding() {
        let long = "y".repeat(5000);
        let mid = "x".repeat(200);
        let items: Vec<&[u8]> = vec![
            b"0",
            b"127",
            b"128",
            b"-1",
            b"-4096",
            b"4095",
            b"-32768",
            b"32767",
            b"8388607",
            b"-8388608",
            b"2147483647",
            b"-2147483648",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"",
            b"a",
            b"012",
            mid.as_bytes(),
            long.as_bytes(),
        ];
        let mut w = ListpackWriter::new();
        for i in &items {
            w.push(i);
        }
        let blob = w.finish();
        let got = lp_items(&blob);
        assert_eq!(got, items.iter().map(|s| s.to_vec()).collect::<Vec<_>>());
    }

    #[test]
    fn listpack_known_bytes() {
        // Redis: an empty listpack is 7 bytes; "a" and 1 as below.
        let mut w = ListpackWriter::new();
        w.push(b"a");
        w.push(b"1");
        assert_eq!(
            w.finish(),
            vec![12, 0, 0, 0, 2, 0, 0x81, b'a', 2, 1, 1, 0xff]
        );
    }

    #[test]
    fn ziplist_reader() {
        // zlbytes, zltail, zllen, then "ab", 5 (immediate), 300 (int16).
        let mut z = vec![0u8; 10];
        z.extend_from_slice(&[0, 0x02, b'a', b'b']);
        z.extend_from_slice(&[4, 0xf6]);
        z.extend_from_slice(&[2, 0xc0, 0x2c, 0x01]);
        z.push(0xff);
        let n = z.len() as u32;
        z[0..4].copy_from_slice(&n.to_le_bytes());
        let mut got = Vec::new();
        ziplist_for_each(&z, |i| {
            got.push(i.to_vec());
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![b"ab".to_vec(), b"5".to_vec(), b"300".to_vec()]);
    }

    #[test]
    fn intset_round_trip() {
        let vals = [-70000i64, -1, 5, 1 << 40];
        let blob = intset_blob(&vals);
        let mut got = Vec::new();
        intset_for_each(&blob, |v| {
            got.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vals);
        assert!(intset_for_each(&blob[..blob.len() - 1], |_| Ok(())).is_err());
    }

    #[test]
    fn zipmap_reader() {
        let z = [1u8, 1, b'f', 2, 0, b'v', b'w', 0xff];
        let mut got = Vec::new();
        zipmap_for_each(&z, |k, v| {
            got.push((k.to_vec(), v.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, vec![(b"f".to_vec(), b"vw".to_vec())]);
    }
}
