//! A byte string that stores up to 22 bytes inline.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

const INLINE_CAP: usize = 22;

/// An owned byte string of 24 bytes: short contents live inline, longer ones
/// in a boxed slice. Keys and short string values are mostly short, so most
/// entries cost no allocation beyond the table slot.
#[derive(Clone)]
pub enum CompactBytes {
    /// Up to 22 bytes, stored in place.
    Inline {
        /// Number of bytes used.
        len: u8,
        /// The bytes.
        data: [u8; INLINE_CAP],
    },
    /// Longer contents.
    Heap(Box<[u8]>),
}

impl CompactBytes {
    /// Copies `s` into a new value.
    pub fn from_slice(s: &[u8]) -> Self {
        if s.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..s.len()].copy_from_slice(s);
            CompactBytes::Inline {
                len: s.len() as u8,
                data,
            }
        } else {
            CompactBytes::Heap(s.into())
        }
    }

    /// The contents.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            CompactBytes::Inline { len, data } => &data[..*len as usize],
            CompactBytes::Heap(b) => b,
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must hash exactly as `[u8]` does, so lookups by `&[u8]` work.
        self.as_slice().hash(state)
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(s: &[u8]) -> Self {
        CompactBytes::from_slice(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_and_roundtrip() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        for n in [0usize, 1, 22, 23, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            assert_eq!(CompactBytes::from_slice(&v).as_slice(), &v[..]);
        }
    }
}
