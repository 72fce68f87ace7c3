//! Fuzz target: arbitrary bytes decoded as a DUMP payload must never panic
//! or allocate without bound; whatever decodes must encode and decode
//! again to an equal value.
//!
//! Run with `cargo fuzz run rdb_value` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::persistence::crc64::crc64;
use shardis::persistence::rdb::{dump_payload, restore_payload};

fuzz_target!(|data: &[u8]| {
    // As given (mostly refused by the checksum)...
    let _ = restore_payload(data);
    // ...and with a valid footer appended, so the object decoder runs.
    let mut p = data.to_vec();
    p.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    if let Ok(v) = restore_payload(&p) {
        let again = dump_payload(&v, true);
        let back = restore_payload(&again).expect("own payload decodes");
        assert_eq!(back.type_name(), v.type_name());
    }
});
