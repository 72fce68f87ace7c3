//! CRC-64 with the Jones polynomial, reflected input and output, no final
//! xor: the checksum RDB files and DUMP payloads carry. `crc64(0, data)`
//! computes the checksum of `data`; passing a previous result continues it.

/// The reflected Jones polynomial.
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

/// Lookup tables for slicing by 8: `TABLES[0]` is the classic one-byte
/// table; `TABLES[k][b]` is the CRC of byte `b` followed by `k` zero bytes,
/// so eight bytes are folded in with eight lookups and no per-byte shift
/// chain (several times the speed of the byte-at-a-time loop).
static TABLES: [[u64; 256]; 8] = build_tables();

const fn build_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut n = 1;
    while n < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[n - 1][i];
            t[n][i] = t[0][(prev & 0xff) as usize] ^ (prev >> 8);
            i += 1;
        }
        n += 1;
    }
    t
}

/// Continues the checksum `crc` over `data` (start with 0).
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    let t = &TABLES;
    let mut c = crc;
    let mut chunks = data.chunks_exact(8);
    for w in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = c ^ u64::from_le_bytes(word);
        c = t[7][(x & 0xff) as usize]
            ^ t[6][((x >> 8) & 0xff) as usize]
            ^ t[5][((x >> 16) & 0xff) as usize]
            ^ t[4][((x >> 24) & 0xff) as usize]
            ^ t[3][((x >> 32) & 0xff) as usize]
            ^ t[2][((x >> 40) & 0xff) as usize]
            ^ t[1][((x >> 48) & 0xff) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in chunks.remainder() {
        c = t[0][((c ^ b as u64) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(crc64(0, b""), 0);
        let whole = crc64(0, b"hello world");
        assert_eq!(crc64(crc64(0, b"hello "), b"world"), whole);
    }

    /// The byte-at-a-time definition, for checking the sliced one.
    fn reference(crc: u64, data: &[u8]) -> u64 {
        let mut c = crc;
        for &b in data {
            c ^= b as u64;
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            }
        }
        c
    }

    #[test]
    fn sliced_equals_bitwise_for_every_length_and_split() {
        let data: Vec<u8> = (0..300u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
            .collect();
        for len in 0..data.len() {
            assert_eq!(
                crc64(0, &data[..len]),
                reference(0, &data[..len]),
                "len {len}"
            );
        }
        for split in 0..40 {
            let whole = crc64(0, &data);
            assert_eq!(crc64(crc64(0, &data[..split]), &data[split..]), whole);
        }
    }
}
