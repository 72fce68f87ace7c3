//! Sorted arrays of integers ("intset"): the compact encoding of sets whose
//! members are all integers. Elements are stored little-endian with the
//! smallest width (2, 4 or 8 bytes) that holds every element; adding a
//! wider element upgrades the whole array.
//!
//! The buffer is `[width][elements...]`, exactly sized.

/// Smallest width (in bytes) that holds `v`.
#[inline]
pub fn width_for(v: i64) -> usize {
    if v >= i16::MIN as i64 && v <= i16::MAX as i64 {
        2
    } else if v >= i32::MIN as i64 && v <= i32::MAX as i64 {
        4
    } else {
        8
    }
}

/// Width of the elements of `buf`.
#[inline]
pub fn width(buf: &[u8]) -> usize {
    match buf.first() {
        Some(&w) if w == 2 || w == 4 || w == 8 => w as usize,
        _ => 8,
    }
}

/// Number of elements.
#[inline]
pub fn len(buf: &[u8]) -> usize {
    buf.len().saturating_sub(1) / width(buf)
}

/// An empty intset.
pub const EMPTY: &[u8] = &[2];

#[inline]
fn read_at(buf: &[u8], w: usize, i: usize) -> i64 {
    let off = 1 + i * w;
    match (w, buf.get(off..off + w)) {
        (2, Some(b)) => i16::from_le_bytes([b[0], b[1]]) as i64,
        (4, Some(b)) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
        (_, Some(b)) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[..8.min(b.len())]);
            i64::from_le_bytes(a)
        }
        _ => 0,
    }
}

#[inline]
fn write(out: &mut Vec<u8>, w: usize, v: i64) {
    match w {
        2 => out.extend_from_slice(&(v as i16).to_le_bytes()),
        4 => out.extend_from_slice(&(v as i32).to_le_bytes()),
        _ => out.extend_from_slice(&v.to_le_bytes()),
    }
}

/// The element at position `i` (ascending order).
#[inline]
pub fn get(buf: &[u8], i: usize) -> Option<i64> {
    (i < len(buf)).then(|| read_at(buf, width(buf), i))
}

/// Binary search for `v`: `Ok(position)` or `Err(insertion point)`.
pub fn search(buf: &[u8], v: i64) -> Result<usize, usize> {
    let w = width(buf);
    if width_for(v) > w {
        // Wider than every element: before all or after all.
        return Err(if v < 0 { 0 } else { len(buf) });
    }
    let (mut lo, mut hi) = (0usize, len(buf));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let x = read_at(buf, w, mid);
        if x == v {
            return Ok(mid);
        }
        if x < v {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Err(lo)
}

/// Whether `v` is an element.
#[inline]
pub fn contains(buf: &[u8], v: i64) -> bool {
    search(buf, v).is_ok()
}

/// The intset with `v` added, or `None` if it was already there.
pub fn inserted(buf: &[u8], v: i64) -> Option<Vec<u8>> {
    let pos = match search(buf, v) {
        Ok(_) => return None,
        Err(p) => p,
    };
    let old_w = width(buf);
    let w = old_w.max(width_for(v));
    let n = len(buf);
    let mut out = Vec::with_capacity(1 + (n + 1) * w);
    out.push(w as u8);
    for i in 0..n {
        if i == pos {
            write(&mut out, w, v);
        }
        write(&mut out, w, read_at(buf, old_w, i));
    }
    if pos == n {
        write(&mut out, w, v);
    }
    Some(out)
}

/// The intset without `v`, or `None` if `v` was not there (the width is
/// kept: Redis never downgrades an intset).
pub fn removed(buf: &[u8], v: i64) -> Option<Vec<u8>> {
    let pos = search(buf, v).ok()?;
    let w = width(buf);
    let start = 1 + pos * w;
    let (head, tail) = (buf.get(..start)?, buf.get(start + w..)?);
    let mut out = Vec::with_capacity(buf.len() - w);
    out.extend_from_slice(head);
    out.extend_from_slice(tail);
    Some(out)
}

/// Every element, ascending.
pub fn iter(buf: &[u8]) -> impl Iterator<Item = i64> + '_ {
    let w = width(buf);
    (0..len(buf)).map(move |i| read_at(buf, w, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_and_stays_sorted() {
        let mut b = EMPTY.to_vec();
        b = inserted(&b, 5).unwrap();
        b = inserted(&b, -3).unwrap();
        assert!(inserted(&b, 5).is_none());
        assert_eq!(width(&b), 2);
        b = inserted(&b, 100_000).unwrap();
        assert_eq!(width(&b), 4);
        b = inserted(&b, i64::MIN).unwrap();
        assert_eq!(width(&b), 8);
        assert_eq!(iter(&b).collect::<Vec<_>>(), vec![i64::MIN, -3, 5, 100_000]);
        b = removed(&b, -3).unwrap();
        assert!(removed(&b, -3).is_none());
        assert!(contains(&b, 100_000));
        assert_eq!(len(&b), 3);
        assert_eq!(b.len(), 1 + 3 * 8);
    }
}
