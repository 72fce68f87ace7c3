//! A bounded Pub/Sub load generator (redis-benchmark cannot subscribe):
//! K subscriber connections read continuously while P publisher connections
//! pipeline `PUBLISH <channel> <payload>` for a fixed count each. Prints the
//! PUBLISH rate and the delivered-message rate.
//!
//! ```text
//! cargo run --release --example pubsub_load -- --port 6379 --subs 10 \
//!     --pubs 4 --count 100000 --size 32
//! ```
//! Output (one line): `subs=K pubs=P published=N publish_per_s=X
//! delivered=M delivered_per_s=Y secs=S`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Opts {
    host: String,
    port: u16,
    subs: usize,
    pubs: usize,
    count: u64,
    size: usize,
    pipeline: usize,
    timeout: u64,
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        host: "127.0.0.1".into(),
        port: 6379,
        subs: 1,
        pubs: 1,
        count: 100_000,
        size: 32,
        pipeline: 64,
        timeout: 60,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        let num = |v: &str| v.parse::<u64>().unwrap_or_else(|_| usage());
        match args[i].as_str() {
            "--host" => o.host = v.clone(),
            "--port" => o.port = num(v) as u16,
            "--subs" => o.subs = num(v) as usize,
            "--pubs" => o.pubs = num(v).max(1) as usize,
            "--count" => o.count = num(v),
            "--size" => o.size = num(v) as usize,
            "--pipeline" => o.pipeline = num(v).max(1) as usize,
            "--timeout" => o.timeout = num(v),
            _ => usage(),
        }
        i += 2;
    }
    if i != args.len() {
        usage();
    }
    o
}

fn usage() -> ! {
    eprintln!(
        "usage: pubsub_load [--host H] [--port N] [--subs K] [--pubs P] [--count N per publisher] \
         [--size BYTES] [--pipeline DEPTH] [--timeout SECS]"
    );
    std::process::exit(2)
}

fn command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn connect(o: &Opts) -> TcpStream {
    let s = TcpStream::connect((o.host.as_str(), o.port)).unwrap_or_else(|e| {
        eprintln!("connect {}:{}: {e}", o.host, o.port);
        std::process::exit(1)
    });
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_secs(o.timeout)));
    s
}

/// Reads exactly `n` bytes.
fn read_exact(s: &mut TcpStream, n: usize) -> bool {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).is_ok()
}

fn main() {
    let o = parse_opts();
    let channel = b"bench:channel".as_slice();
    let payload = vec![b'p'; o.size];
    // Every message frame has the same length: count bytes, not frames.
    let frame = command(&[b"message", channel, &payload]).len() as u64;
    let confirm = format!(
        "*3\r\n$9\r\nsubscribe\r\n${}\r\n{}\r\n:1\r\n",
        channel.len(),
        String::from_utf8_lossy(channel)
    )
    .len();
    let total = o.count * o.pubs as u64;
    let delivered = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..o.subs {
        let mut s = connect(&o);
        s.write_all(&command(&[b"SUBSCRIBE", channel]))
            .expect("subscribe");
        if !read_exact(&mut s, confirm) {
            eprintln!("no SUBSCRIBE confirmation");
            std::process::exit(1);
        }
        let delivered = delivered.clone();
        readers.push(std::thread::spawn(move || {
            let want = total * frame;
            let mut got = 0u64;
            let mut buf = vec![0u8; 256 * 1024];
            while got < want {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n as u64,
                }
            }
            delivered.fetch_add(got / frame, Ordering::Relaxed);
        }));
    }
    let one = command(&[b"PUBLISH", channel, &payload]);
    let start = Instant::now();
    let mut writers = Vec::new();
    for _ in 0..o.pubs {
        let mut s = connect(&o);
        let one = one.clone();
        let (count, depth) = (o.count, o.pipeline as u64);
        writers.push(std::thread::spawn(move || {
            let mut sent = 0u64;
            let mut buf = vec![0u8; 64 * 1024];
            let batch: Vec<u8> = one.repeat(depth as usize);
            while sent < count {
                let n = depth.min(count - sent);
                if n == depth {
                    s.write_all(&batch).expect("publish");
                } else {
                    s.write_all(&one.repeat(n as usize)).expect("publish");
                }
                // Read n integer replies (`:<k>\r\n` each).
                let mut lines = 0u64;
                while lines < n {
                    let r = s.read(&mut buf).unwrap_or(0);
                    if r == 0 {
                        eprintln!("publisher connection closed");
                        std::process::exit(1);
                    }
                    lines += buf[..r].iter().filter(|&&b| b == b'\n').count() as u64;
                }
                sent += n;
            }
        }));
    }
    for w in writers {
        let _ = w.join();
    }
    let published_secs = start.elapsed().as_secs_f64();
    for r in readers {
        let _ = r.join();
    }
    let secs = start.elapsed().as_secs_f64();
    let got = delivered.load(Ordering::Relaxed);
    println!(
        "subs={} pubs={} published={} publish_per_s={:.0} delivered={} delivered_per_s={:.0} secs={:.3}",
        o.subs,
        o.pubs,
        total,
        total as f64 / published_secs.max(1e-9),
        got,
        got as f64 / secs.max(1e-9),
        secs
    );
}
