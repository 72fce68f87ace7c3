//! Fuzz target: arbitrary bytes loaded as an RDB file (as given, and behind
//! a valid header) must be refused with an error or loaded, never panic or
//! allocate without bound.
//!
//! Run with `cargo fuzz run rdb_file` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::persistence::rdb::file::load;

fuzz_target!(|data: &[u8]| {
    let mut keys = 0usize;
    let _ = load(data, 0, 16, |_, _, _, _| keys += 1);
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(data);
    let _ = load(&file, 0, 16, |_, _, _, _| keys += 1);
});
