//! The key type of the keyspace: a byte string of 24 bytes that also holds
//! the key's 24-bit access clock (LRU clock or LFU data, see
//! [`super::evict`]).
//!
//! A key entry (key and value in one allocation) must stay 48 bytes: the
//! allocator's next size class is 64, so a separate clock field would cost
//! 16 bytes per key. The clock takes 3 bytes of the key's header instead,
//! next to the byte that says how the bytes are stored: up to
//! [`INLINE_CAP`] bytes in place, longer keys in a heap block.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Longest key stored in place.
pub const INLINE_CAP: usize = 20;

/// Header value of a key stored on the heap (inline lengths are smaller).
const HEAP: u8 = u8::MAX;

/// Pointer and length of a heap-stored key, packed to 4-byte alignment so
/// that it fits after the 4-byte header.
#[derive(Clone, Copy)]
#[repr(C, packed(4))]
struct HeapRef {
    ptr: *mut u8,
    len: usize,
}

#[repr(C)]
union Body {
    inline: [u8; INLINE_CAP],
    heap: HeapRef,
}

/// A key: 24 bytes, contents in place up to [`INLINE_CAP`] bytes, else in
/// an owned heap block; plus a 24-bit access clock that is not part of
/// its value (equality, hashing and cloning ignore it; a clone starts at
/// 0).
#[repr(C)]
pub struct KeyBytes {
    /// Low 8 bits: the inline length, or [`HEAP`]; high 24 bits: the
    /// access clock.
    head: u32,
    body: Body,
}

// SAFETY: a `KeyBytes` owns its heap block exclusively (as a `Box<[u8]>`
// would) and has no interior mutability.
unsafe impl Send for KeyBytes {}
// SAFETY: as above; shared references only read.
unsafe impl Sync for KeyBytes {}

impl KeyBytes {
    /// Copies `s` into a new key (access clock 0).
    pub fn from_slice(s: &[u8]) -> Self {
        if s.len() <= INLINE_CAP {
            let mut inline = [0u8; INLINE_CAP];
            inline[..s.len()].copy_from_slice(s);
            KeyBytes {
                head: s.len() as u32,
                body: Body { inline },
            }
        } else {
            let b: Box<[u8]> = s.into();
            let len = b.len();
            let ptr = Box::into_raw(b) as *mut u8;
            KeyBytes {
                head: HEAP as u32,
                body: Body {
                    heap: HeapRef { ptr, len },
                },
            }
        }
    }

    #[inline]
    fn tag(&self) -> u8 {
        (self.head & 0xff) as u8
    }

    /// The contents.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        let tag = self.tag();
        if tag == HEAP {
            // SAFETY: a HEAP tag means `body.heap` was written by
            // `from_slice` from a live `Box<[u8]>` this key owns.
            unsafe {
                let h = self.body.heap;
                std::slice::from_raw_parts(h.ptr, h.len)
            }
        } else {
            // SAFETY: any other tag means `body.inline` is initialized
            // (the whole array) and `tag <= INLINE_CAP`.
            unsafe { &self.body.inline[..tag as usize] }
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

    /// The access clock (24 bits).
    #[inline]
    pub fn access(&self) -> u32 {
        self.head >> 8
    }

    /// Sets the access clock (its low 24 bits).
    #[inline]
    pub fn set_access(&mut self, clock: u32) {
        self.head = (self.head & 0xff) | (clock << 8);
    }
}

impl Drop for KeyBytes {
    fn drop(&mut self) {
        if self.tag() == HEAP {
            // SAFETY: the block came from `Box::<[u8]>::into_raw` with this
            // pointer and length, and is freed only here.
            unsafe {
                let h = self.body.heap;
                drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                    h.ptr, h.len,
                )));
            }
        }
    }
}

impl Clone for KeyBytes {
    fn clone(&self) -> Self {
        KeyBytes::from_slice(self.as_slice())
    }
}

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl PartialEq for KeyBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for KeyBytes {}

impl Hash for KeyBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must hash exactly as `[u8]` does, so lookups by `&[u8]` work.
        self.as_slice().hash(state)
    }
}

impl Borrow<[u8]> for KeyBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<&[u8]> for KeyBytes {
    fn from(s: &[u8]) -> Self {
        KeyBytes::from_slice(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn size_and_layout() {
        assert_eq!(std::mem::size_of::<KeyBytes>(), 24);
        assert_eq!(std::mem::size_of::<Option<Box<KeyBytes>>>(), 8);
    }

    #[test]
    fn clock_is_separate_from_contents() {
        for n in [0usize, 1, 20, 21, 22, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            let mut k = KeyBytes::from_slice(&v);
            assert_eq!(k.access(), 0);
            k.set_access(0xabcdef);
            assert_eq!(k.as_slice(), &v[..]);
            assert_eq!(k.access(), 0xabcdef);
            k.set_access(0xffff_ffff);
            assert_eq!(k.access(), 0xff_ffff);
            assert_eq!(k.as_slice(), &v[..]);
            let c = k.clone();
            assert_eq!(c, k);
            assert_eq!(c.access(), 0);
        }
    }

    proptest! {
        #[test]
        fn behaves_as_a_byte_vector(data in proptest::collection::vec(any::<u8>(), 0..64), clock in any::<u32>()) {
            let mut k = KeyBytes::from_slice(&data);
            k.set_access(clock);
            prop_assert_eq!(k.as_slice(), &data[..]);
            prop_assert_eq!(k.len(), data.len());
            prop_assert_eq!(k.access(), clock & 0xff_ffff);
            let mut h1 = std::collections::hash_map::DefaultHasher::new();
            let mut h2 = std::collections::hash_map::DefaultHasher::new();
            k.hash(&mut h1);
            data[..].hash(&mut h2);
            prop_assert_eq!(h1.finish(), h2.finish());
            let b: &[u8] = k.borrow();
            prop_assert_eq!(b, &data[..]);
        }
    }
}
