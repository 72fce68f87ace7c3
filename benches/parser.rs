//! Micro benchmark of the RESP request parser: requests per second for a
//! pipelined buffer of SET commands, and for PINGs (inline and multibulk).
//! Run with `cargo bench --bench parser`.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use shardis::protocol::{ParseLimits, RequestParser};

fn run(name: &str, one: &[u8], count: usize, rounds: usize) {
    let mut wire = Vec::with_capacity(one.len() * count);
    for _ in 0..count {
        wire.extend_from_slice(one);
    }
    let mut parser = RequestParser::new(ParseLimits::default());
    let mut args: Vec<Bytes> = Vec::with_capacity(8);
    let start = Instant::now();
    let mut parsed = 0usize;
    for _ in 0..rounds {
        let mut buf = BytesMut::from(&wire[..]);
        while let Ok(true) = parser.next(&mut buf, &mut args) {
            parsed += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<24} {:>12.0} requests/s  ({:.1} ns/request)",
        name,
        parsed as f64 / secs,
        secs * 1e9 / parsed as f64
    );
}

fn main() {
    run("PING inline", b"PING\r\n", 10_000, 200);
    run("PING multibulk", b"*1\r\n$4\r\nPING\r\n", 10_000, 200);
    run(
        "SET key:000001 xxx",
        b"*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$3\r\nxxx\r\n",
        10_000,
        200,
    );
    run("MSET 10 keys", b"*21\r\n$4\r\nMSET\r\n$5\r\nkey:0\r\n$3\r\nxxx\r\n$5\r\nkey:1\r\n$3\r\nxxx\r\n$5\r\nkey:2\r\n$3\r\nxxx\r\n$5\r\nkey:3\r\n$3\r\nxxx\r\n$5\r\nkey:4\r\n$3\r\nxxx\r\n$5\r\nkey:5\r\n$3\r\nxxx\r\n$5\r\nkey:6\r\n$3\r\nxxx\r\n$5\r\nkey:7\r\n$3\r\nxxx\r\n$5\r\nkey:8\r\n$3\r\nxxx\r\n$5\r\nkey:9\r\n$3\r\nxxx\r\n", 10_000, 50);
}
