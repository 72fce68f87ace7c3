//! Fuzz target: HyperLogLog strings from untrusted input (a SET of any bytes
//! followed by PFCOUNT/PFADD/PFMERGE) must never panic or read out of
//! bounds; a corrupt value is refused with an error.
//!
//! Run with `cargo fuzz run hll_parse` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::types::hll;

fuzz_target!(|data: &[u8]| {
    // Give most inputs a valid sparse header (magic, encoding 1, unused
    // bytes, an invalid cache) so the opcode decoder is reached.
    let mut s = if data.first().is_some_and(|&b| b & 1 == 0) {
        let mut v = b"HYLL\x01\0\0\0".to_vec();
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x80]);
        v.extend_from_slice(&data[1..]);
        v
    } else {
        data.to_vec()
    };
    if !hll::is_valid(&s) {
        return;
    }
    let _ = hll::histogram(&s).map(|h| hll::estimate(&h));
    let mut max = [0u8; hll::REGISTERS];
    let _ = hll::merge_into(&mut max, &s);
    let _ = hll::add(&mut s, b"element", 3000);
    let _ = hll::add(&mut s, data, 64);
    let _ = hll::sparse_to_dense(&mut s);
    let _ = hll::histogram(&s);
});
