//! A bounded load generator for MULTI/EXEC, which redis-benchmark cannot
//! send: each connection pipelines transactions of `--sets` SETs and checks
//! every reply byte for byte.
//!
//! ```text
//! cargo run --release --example txload -- --port 6379 --mode one \
//!     --connections 8 --pipeline 8 --seconds 5
//! ```
//!
//! `--mode one`: the keys of a transaction share a hash tag (one slot, so
//! one shard); `--mode spread`: plain keys, spread over every shard;
//! `--mode plain`: the same SETs without MULTI/EXEC (a baseline).
//! Prints one line: `mode=<m> tx/s=<n> sets/s=<n>`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Opts {
    port: u16,
    mode: String,
    connections: usize,
    pipeline: usize,
    sets: usize,
    seconds: f64,
    max_tx: u64,
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        port: 6379,
        mode: "one".into(),
        connections: 8,
        pipeline: 8,
        sets: 10,
        seconds: 5.0,
        max_tx: 50_000_000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args
            .get(i + 1)
            .ok_or(format!("{} needs a value", args[i]))?;
        let bad = |_: std::num::ParseIntError| format!("bad value for {}: {v}", args[i]);
        match args[i].as_str() {
            "--port" => o.port = v.parse().map_err(bad)?,
            "--mode" => o.mode = v.clone(),
            "--connections" => o.connections = v.parse().map_err(bad)?,
            "--pipeline" => o.pipeline = v.parse().map_err(bad)?,
            "--sets" => o.sets = v.parse().map_err(bad)?,
            "--seconds" => {
                o.seconds = v
                    .parse()
                    .map_err(|_| format!("bad value for --seconds: {v}"))?
            }
            "--max-tx" => o.max_tx = v.parse().map_err(bad)?,
            other => return Err(format!("unknown option {other}")),
        }
        i += 2;
    }
    if !matches!(o.mode.as_str(), "one" | "spread" | "plain") {
        return Err(format!("unknown mode {}", o.mode));
    }
    if o.connections == 0 || o.pipeline == 0 || o.sets == 0 {
        return Err("connections, pipeline and sets must be positive".into());
    }
    Ok(o)
}

fn push_cmd(buf: &mut Vec<u8>, args: &[&[u8]]) {
    buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

/// One connection's request batch and the exact replies it must get.
fn batch(o: &Opts, conn: usize) -> (Vec<u8>, Vec<u8>) {
    let mut req = Vec::new();
    let mut want = Vec::new();
    for t in 0..o.pipeline {
        let tx = o.mode != "plain";
        if tx {
            push_cmd(&mut req, &[b"MULTI"]);
            want.extend_from_slice(b"+OK\r\n");
        }
        for s in 0..o.sets {
            let key = match o.mode.as_str() {
                "one" => format!("{{c{conn}}}:{t}:{s}"),
                _ => format!("c{conn}:{t}:{s}"),
            };
            push_cmd(&mut req, &[b"SET", key.as_bytes(), b"xxxxxxxx"]);
            want.extend_from_slice(if tx { b"+QUEUED\r\n" } else { b"+OK\r\n" });
        }
        if tx {
            push_cmd(&mut req, &[b"EXEC"]);
            want.extend_from_slice(format!("*{}\r\n", o.sets).as_bytes());
            for _ in 0..o.sets {
                want.extend_from_slice(b"+OK\r\n");
            }
        }
    }
    (req, want)
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("txload: {e}");
            std::process::exit(2);
        }
    };
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let per_conn_max = o.max_tx / o.connections as u64 + 1;
    let start = Instant::now();
    let handles: Vec<_> = (0..o.connections)
        .map(|c| {
            let (req, want) = batch(&o, c);
            let port = o.port;
            let pipeline = o.pipeline as u64;
            std::thread::spawn(move || -> Result<u64, String> {
                let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                s.set_read_timeout(Some(Duration::from_secs(10)))
                    .map_err(|e| e.to_string())?;
                let mut got = vec![0u8; want.len()];
                let mut done = 0u64;
                while Instant::now() < deadline && done < per_conn_max {
                    s.write_all(&req).map_err(|e| e.to_string())?;
                    s.read_exact(&mut got).map_err(|e| e.to_string())?;
                    if got != want {
                        return Err(format!(
                            "unexpected reply: {:?}",
                            String::from_utf8_lossy(&got[..got.len().min(200)])
                        ));
                    }
                    done += pipeline;
                }
                Ok(done)
            })
        })
        .collect();
    let mut total = 0u64;
    for h in handles {
        match h.join() {
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => {
                eprintln!("txload: {e}");
                std::process::exit(1);
            }
            Err(_) => {
                eprintln!("txload: a connection thread panicked");
                std::process::exit(1);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "mode={} tx/s={:.0} sets/s={:.0}",
        o.mode,
        total as f64 / secs,
        (total * o.sets as u64) as f64 / secs
    );
}
