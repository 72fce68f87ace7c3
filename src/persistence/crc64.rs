//! CRC-64 with the Jones polynomial, reflected input and output, no final
//! xor: the checksum RDB files and DUMP payloads carry. `crc64(0, data)`
//! computes the checksum of `data`; passing a previous result continues it.

/// The reflected Jones polynomial.
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

/// One lookup table entry per byte value.
const TABLE: [u64; 256] = build_table();

const fn build_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

/// Continues the checksum `crc` over `data` (start with 0).
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    let mut c = crc;
    for &b in data {
        c = TABLE[((c ^ b as u64) & 0xff) as usize] ^ (c >> 8);
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
}
