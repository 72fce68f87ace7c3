//! LZF compression in liblzf's format, as RDB strings use it.
//!
//! A compressed stream is a sequence of runs: a control byte below 32
//! announces `ctrl + 1` literal bytes; otherwise its top three bits are a
//! match length minus 2 (7 meaning "add the next byte"), its low five bits
//! with the following byte a back-reference distance minus 1 (at most
//! 8191 bytes back).

const HASH_BITS: u32 = 16;
const MAX_LIT: usize = 32;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// Why a compressed stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LzfError {
    /// The input ended inside a run.
    Truncated,
    /// A back-reference points before the start of the output.
    BadReference,
    /// The output would be longer than announced.
    TooLong,
    /// The output is shorter than announced.
    TooShort,
}

#[inline]
fn hash(b: &[u8]) -> usize {
    // liblzf's hash (HLOG 16), so that matches, and thus output bytes,
    // are the ones Redis produces.
    let v = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
    (((v >> (24 - HASH_BITS)).wrapping_sub(v)) & ((1 << HASH_BITS) - 1)) as usize
}

/// Whether slot content `cand` (a position or `usize::MAX`) may be a
/// back-reference from `i`.
#[inline]
fn table_hit(cand: usize, i: usize) -> bool {
    cand != usize::MAX && cand > 0 && cand < i && i - cand <= MAX_OFF
}

/// The hash table of [`compress`], kept per thread: zeroing 64K slots for
/// every string (most are a few dozen bytes) would cost far more than the
/// compression. A slot holds the call's generation in its high half, so a
/// slot from an earlier call reads as empty, as in a fresh table.
struct HashTable {
    slots: Vec<u64>,
    generation: u32,
}

thread_local! {
    static TABLE: std::cell::RefCell<HashTable> = const {
        std::cell::RefCell::new(HashTable {
            slots: Vec::new(),
            generation: 0,
        })
    };
}

/// Compresses `input` (at most 4 GiB); returns `None` when the result would not fit in
/// `max_out` bytes (as liblzf's `lzf_compress` returning 0).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    TABLE.with(|t| match t.try_borrow_mut() {
        Ok(mut t) => {
            let t = &mut *t;
            if t.slots.is_empty() {
                t.slots = vec![0u64; 1 << HASH_BITS];
            }
            t.generation = t.generation.wrapping_add(1);
            if t.generation == 0 {
                // Wrapped: old slots could look current.
                t.slots.iter_mut().for_each(|s| *s = 0);
                t.generation = 1;
            }
            compress_with(input, max_out, &mut t.slots, t.generation)
        }
        // Not reentrant in practice; a fresh table if it ever is.
        Err(_) => compress_with(input, max_out, &mut vec![0u64; 1 << HASH_BITS], 1),
    })
}

fn compress_with(
    input: &[u8],
    max_out: usize,
    slots: &mut [u64],
    generation: u32,
) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(input.len() + input.len() / 16 + 2));
    // Positions plus one, tagged with the generation; anything else is an
    // empty slot.
    let tag = (generation as u64) << 32;
    let get = |slots: &[u64], h: usize| -> u32 {
        let v = slots[h];
        if v >> 32 == generation as u64 {
            v as u32
        } else {
            0
        }
    };
    let table = slots;
    let n = input.len();
    let mut lit_start = 0usize;
    let mut i = 0usize;
    let flush_literals = |out: &mut Vec<u8>, from: usize, to: usize| {
        let mut s = from;
        while s < to {
            let len = (to - s).min(MAX_LIT);
            out.push((len - 1) as u8);
            out.extend_from_slice(&input[s..s + len]);
            s += len;
        }
    };
    while i + 2 < n {
        let h = hash(&input[i..i + 3]);
        let cand = (get(table, h) as usize).wrapping_sub(1);
        table[h] = tag | (i + 1) as u64;
        // As liblzf: never a reference to the first byte, and a match
        // stops two bytes before the end of the input.
        if table_hit(cand, i) && input[cand..cand + 3] == input[i..i + 3] {
            let max_len = (n - i - 2).clamp(3, MAX_REF);
            let mut len = 3;
            while len < max_len && input[cand + len] == input[i + len] {
                len += 1;
            }
            flush_literals(&mut out, lit_start, i);
            let off = i - cand - 1;
            let l = len - 2;
            if l < 7 {
                out.push(((l as u8) << 5) | (off >> 8) as u8);
            } else {
                out.push((7 << 5) | (off >> 8) as u8);
                out.push((l - 7) as u8);
            }
            out.push((off & 0xff) as u8);
            if out.len() > max_out {
                return None;
            }
            // Index the positions the match covered (cheaply: the last two).
            let end = i + len;
            for p in (end.saturating_sub(2))..end {
                if p + 2 < n && p > i {
                    table[hash(&input[p..p + 3])] = tag | (p + 1) as u64;
                }
            }
            i = end;
            lit_start = i;
        } else {
            i += 1;
        }
    }
    flush_literals(&mut out, lit_start, n);
    if out.len() > max_out || out.is_empty() {
        return None;
    }
    Some(out)
}

/// Decompresses `input`, which must expand to exactly `expected` bytes.
/// Every run and back-reference is bound-checked; the output never grows
/// past `expected`.
pub fn decompress(input: &[u8], expected: usize) -> Result<Vec<u8>, LzfError> {
    // A run of two input bytes yields at most 264 output bytes.
    let cap = expected.min(input.len().saturating_mul(MAX_REF / 2 + 1));
    let mut out: Vec<u8> = Vec::with_capacity(cap);
    let mut i = 0usize;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let len = ctrl + 1;
            let lit = input.get(i..i + len).ok_or(LzfError::Truncated)?;
            if out.len() + len > expected {
                return Err(LzfError::TooLong);
            }
            out.extend_from_slice(lit);
            i += len;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i).ok_or(LzfError::Truncated)? as usize;
                i += 1;
            }
            let low = *input.get(i).ok_or(LzfError::Truncated)? as usize;
            i += 1;
            let dist = ((ctrl & 0x1f) << 8) + low + 1;
            len += 2;
            if dist > out.len() {
                return Err(LzfError::BadReference);
            }
            if out.len() + len > expected {
                return Err(LzfError::TooLong);
            }
            let start = out.len() - dist;
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    if out.len() != expected {
        return Err(LzfError::TooShort);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_stream() {
        // "aaaaaaaaaa": one literal, then a back-reference of length 9 at
        // distance 1.
        let c = compress(b"aaaaaaaaaa", 100).unwrap();
        assert_eq!(decompress(&c, 10).unwrap(), b"aaaaaaaaaa");
        // Hand-made liblzf stream: literal "ab", then copy 4 from 2 back.
        let s = [1, b'a', b'b', (2 << 5), 1];
        assert_eq!(decompress(&s, 6).unwrap(), b"ababab");
    }

    #[test]
    fn refuses_bad_streams() {
        assert_eq!(decompress(&[0x20, 0], 3), Err(LzfError::BadReference));
        assert_eq!(decompress(&[5, b'a'], 6), Err(LzfError::Truncated));
        assert_eq!(decompress(&[0, b'a'], 2), Err(LzfError::TooShort));
        assert_eq!(decompress(&[1, b'a', b'b'], 1), Err(LzfError::TooLong));
        assert_eq!(
            decompress(&[0, b'a', 0xe0], 1 << 60),
            Err(LzfError::Truncated)
        );
        assert!(compress(&[7u8; 100], 3).is_none());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 0..3000)) {
            if let Some(c) = compress(&data, data.len() + 64) {
                prop_assert_eq!(decompress(&c, data.len()).unwrap(), data);
            } else {
                prop_assert!(data.is_empty());
            }
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), n in 0usize..1000) {
            let _ = decompress(&data, n);
        }
    }
}
