//! Fuzz target: arbitrary bytes as an AOF manifest and as an AOF command
//! stream must parse or be refused with an error naming where, never panic
//! or allocate from an unbacked count.
//!
//! Run with `cargo fuzz run aof_load` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use shardis::persistence::aof::{manifest::Manifest, stream};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data) {
        // What parses writes back to text that parses to the same thing.
        let again = Manifest::parse(m.to_text().as_bytes());
        if m.to_text().lines().all(|l| l.len() < 1024) && !m.to_text().is_empty() {
            assert_eq!(again.ok().as_ref(), Some(&m));
        }
    }
    let bytes = bytes::Bytes::copy_from_slice(data);
    let (cmds, err) = stream::parse(&bytes);
    let end = cmds.last().map_or(0, |c| c.end);
    assert!(end as usize <= data.len());
    match err {
        Some(stream::StreamError::Truncated { valid_up_to }) => assert_eq!(valid_up_to, end),
        Some(stream::StreamError::Format { offset }) => assert!(offset as usize <= data.len()),
        None => {}
    }
});
