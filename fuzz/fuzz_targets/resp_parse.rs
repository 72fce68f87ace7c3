//! Fuzz target: the RESP request parser must never panic, whatever the
//! bytes, and must give the same requests whether the input arrives whole or
//! split at an arbitrary point.
//!
//! Run with `cargo fuzz run resp_parse` from the repository root.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use shardis::protocol::{ParseLimits, RequestParser};

fn parse(chunks: &[&[u8]], unauthenticated: bool) -> (Vec<Vec<Vec<u8>>>, bool) {
    let limits = ParseLimits { max_bulk_len: 1 << 20, max_multibulk_len: 1 << 16, unauthenticated };
    let mut p = RequestParser::new(limits);
    let mut buf = BytesMut::new();
    let mut args: Vec<Bytes> = Vec::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        loop {
            match p.next(&mut buf, &mut args) {
                Ok(true) => out.push(args.iter().map(|a| a.to_vec()).collect()),
                Ok(false) => break,
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let cut = data[0] as usize % data.len();
    let unauth = data[0] & 1 == 1;
    let whole = parse(&[data], unauth);
    let split = parse(&[&data[..cut], &data[cut..]], unauth);
    assert_eq!(whole, split);
});
