//! The server's socket layer under awkward clients, against the real
//! binary: requests arriving in pieces, huge pipelines, a thousand and more
//! connections at once, clients that vanish in the middle of a big reply,
//! and clients that read slowly while others must still be served.
//!
//! Every loop is bounded in count and time; deadlines are generous (a
//! loaded two-core machine must pass), and the checks of latency only say
//! that a client is served, not how fast.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{encode_command, escape, escape_trunc, start_shardis, RawConn, Server};

/// Reads exactly `n` bytes from `s` (panics on EOF, error, or after
/// `limit`).
fn read_exact_within(s: &mut TcpStream, n: usize, limit: Duration) -> Vec<u8> {
    let deadline = Instant::now() + limit;
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 256 * 1024];
    while out.len() < n {
        let want = (n - out.len()).min(buf.len());
        match s.read(&mut buf[..want]) {
            Ok(0) => panic!("connection closed after {} of {n} bytes", out.len()),
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(e) => panic!("read after {} of {n} bytes: {e}", out.len()),
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} bytes within {limit:?}",
            out.len()
        );
    }
    out
}

/// Writes `data` from another thread (the replies flow back meanwhile, so
/// writing and reading in one thread could deadlock on full buffers).
fn write_in_background(c: &RawConn, data: Vec<u8>) -> std::thread::JoinHandle<std::io::Result<()>> {
    let mut w = c.stream().try_clone().unwrap();
    std::thread::spawn(move || w.write_all(&data))
}

fn bulk(v: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", v.len()).into_bytes();
    out.extend_from_slice(v);
    out.extend_from_slice(b"\r\n");
    out
}

fn assert_alive(srv: &Server) {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(c.cmd(&["SET", "alive", "yes"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "alive"]), b"$3\r\nyes\r\n");
}

// ---------------------------------------------------------------------------
// Partial frames
// ---------------------------------------------------------------------------

#[test]
fn request_sent_one_byte_at_a_time() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut c = srv.raw();
    let value: Vec<u8> = (0..=255u8).collect();
    let requests: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (
            encode_command(&[b"SET".as_slice(), b"byte\r\nkey", &value]),
            b"+OK\r\n".to_vec(),
        ),
        (
            encode_command(&[b"GET".as_slice(), b"byte\r\nkey"]),
            bulk(&value),
        ),
        (b"ECHO \"in\\r\\nline\"\r\n".to_vec(), bulk(b"in\r\nline")),
        (
            encode_command(&["MSET", "{a}1", "x", "{b}2", "y", "{c}3", "z"]),
            b"+OK\r\n".to_vec(),
        ),
        (
            encode_command(&["MGET", "{a}1", "{b}2", "{c}3"]),
            b"*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n".to_vec(),
        ),
    ];
    let t = Instant::now();
    for (req, want) in &requests {
        for (i, b) in req.iter().enumerate() {
            c.send(std::slice::from_ref(b));
            // Let most bytes arrive on their own.
            if i % 4 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        assert_eq!(
            escape(&c.read_reply()),
            escape(want),
            "reply to {}",
            escape_trunc(req, 80)
        );
    }
    eprintln!("byte-at-a-time requests: {:?}", t.elapsed());
    // Nothing left over.
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn request_split_at_every_position() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut c = srv.raw();
    let requests: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"*1\r\n$4\r\nPING\r\n".to_vec(), b"+PONG\r\n".to_vec()),
        (
            encode_command(&[b"SET".as_slice(), b"split", b"v\r\n\0al"]),
            b"+OK\r\n".to_vec(),
        ),
        (encode_command(&["GET", "split"]), bulk(b"v\r\n\0al")),
        (b"SET inl \"a b\"\r\n".to_vec(), b"+OK\r\n".to_vec()),
        (encode_command(&["ECHO", ""]), b"$0\r\n\r\n".to_vec()),
        (
            encode_command(&["MSET", "{a}s", "1", "{b}s", "22"]),
            b"+OK\r\n".to_vec(),
        ),
        (
            encode_command(&["MGET", "{a}s", "{b}s", "inl"]),
            b"*3\r\n$1\r\n1\r\n$2\r\n22\r\n$3\r\na b\r\n".to_vec(),
        ),
    ];
    let mut splits = 0;
    for (req, want) in &requests {
        for i in 1..req.len() {
            c.send(&req[..i]);
            std::thread::sleep(Duration::from_millis(2));
            c.send(&req[i..]);
            assert_eq!(
                escape(&c.read_reply()),
                escape(want),
                "{} split at {i}",
                escape_trunc(req, 80)
            );
            splits += 1;
        }
        // Two requests in one write, split inside the second.
        let mut two = req.clone();
        two.extend_from_slice(req);
        let cut = req.len() + req.len() / 2;
        c.send(&two[..cut]);
        std::thread::sleep(Duration::from_millis(2));
        c.send(&two[cut..]);
        assert_eq!(c.read_reply(), *want);
        assert_eq!(c.read_reply(), *want);
    }
    eprintln!("{splits} splits checked");
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}

// ---------------------------------------------------------------------------
// Huge pipelines
// ---------------------------------------------------------------------------

#[test]
fn pipeline_of_100k_pings_in_one_buffer() {
    let srv = start_shardis(&[]);
    let n = 100_000;
    for (name, one) in [
        ("multibulk", &b"*1\r\n$4\r\nPING\r\n"[..]),
        ("inline", &b"PING\r\n"[..]),
    ] {
        let c = srv.raw();
        let data = one.repeat(n);
        let t = Instant::now();
        let writer = write_in_background(&c, data);
        let mut s = c.stream().try_clone().unwrap();
        let got = read_exact_within(&mut s, n * 7, Duration::from_secs(120));
        writer.join().unwrap().unwrap();
        assert!(
            got.chunks(7).all(|r| r == b"+PONG\r\n"),
            "{name}: a reply other than +PONG"
        );
        eprintln!("{n} {name} PINGs: {:?}", t.elapsed());
        // Nothing more comes.
        let mut c = c;
        assert_eq!(c.cmd(&["ECHO", "end"]), b"$3\r\nend\r\n");
    }
}

#[test]
fn pipeline_of_1000_sets_of_100kb() {
    let srv = start_shardis(&["--threads", "2"]);
    let n = 1000;
    let size = 100 * 1024;
    let mut data = Vec::with_capacity(n * (size + 64));
    for i in 0..n {
        let mut v = vec![b'a' + (i % 26) as u8; size];
        v[..8].copy_from_slice(format!("{i:08}").as_bytes());
        data.extend_from_slice(&encode_command(&[
            b"SET".as_slice(),
            format!("big:{i}").as_bytes(),
            &v,
        ]));
    }
    let c = srv.raw();
    let t = Instant::now();
    let writer = write_in_background(&c, data);
    let mut s = c.stream().try_clone().unwrap();
    let got = read_exact_within(&mut s, n * 5, Duration::from_secs(300));
    writer.join().unwrap().unwrap();
    assert!(
        got.chunks(5).all(|r| r == b"+OK\r\n"),
        "{}",
        escape_trunc(&got, 100)
    );
    eprintln!("{n} SETs of {size} bytes: {:?}", t.elapsed());
    let mut c = srv.raw();
    for i in [0, 1, 499, 998, 999] {
        let r = c.cmd(&["GET", &format!("big:{i}")]);
        let hdr = format!("${size}\r\n{i:08}");
        assert!(
            r.starts_with(hdr.as_bytes()),
            "GET big:{i}: {}",
            escape_trunc(&r, 40)
        );
        assert_eq!(r.len(), size + format!("${size}\r\n").len() + 2);
        assert_eq!(r[r.len() - 3], b'a' + (i % 26) as u8);
    }
}

// ---------------------------------------------------------------------------
// Many connections
// ---------------------------------------------------------------------------

#[test]
fn twelve_hundred_concurrent_connections() {
    let srv = start_shardis(&["--threads", "2"]);
    let n = 1200;
    let t = Instant::now();
    let mut conns: Vec<RawConn> = Vec::with_capacity(n);
    for i in 0..n {
        match RawConn::connect(srv.port) {
            Ok(c) => conns.push(c),
            Err(e) => panic!("connection #{i} failed: {e}"),
        }
    }
    // Every socket sends before any reads.
    for (i, c) in conns.iter_mut().enumerate() {
        c.send_cmd(&["SET", &format!("conn:{i}"), &format!("value-{i}")]);
    }
    for (i, c) in conns.iter_mut().enumerate() {
        assert_eq!(c.read_reply(), b"+OK\r\n", "SET on connection #{i}");
    }
    for (i, c) in conns.iter_mut().enumerate() {
        // Another connection's key: crosses shards about half the time.
        let j = (i + 7) % n;
        c.send_cmd(&["GET", &format!("conn:{j}")]);
    }
    for (i, c) in conns.iter_mut().enumerate() {
        let j = (i + 7) % n;
        assert_eq!(
            c.read_reply(),
            bulk(format!("value-{j}").as_bytes()),
            "GET on connection #{i}"
        );
    }
    // The server counts them all.
    let mut probe = srv.raw();
    let info = probe.cmd(&["INFO", "clients"]);
    let text = String::from_utf8_lossy(&info);
    let connected: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap();
    assert!(connected > n, "connected_clients {connected}");
    eprintln!("{n} connections served in {:?}", t.elapsed());
    drop(conns);
    // And forgets them once they are gone.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = probe.cmd(&["INFO", "clients"]);
        if String::from_utf8_lossy(&info).contains("connected_clients:1\r\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "clients not released: {}",
            escape_trunc(&info, 200)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------
// Clients that leave mid-reply, and slow readers
// ---------------------------------------------------------------------------

#[test]
fn client_disconnecting_mid_reply() {
    let srv = start_shardis(&["--threads", "2"]);
    let size = 50 * 1024 * 1024;
    let mut c = srv.raw();
    // Built with APPEND in 1 MB steps (no SETRANGE yet), then checked.
    let chunk = vec![b'z'; 1024 * 1024];
    for i in 0..50 {
        let r = c.cmd(&[b"APPEND".as_slice(), b"huge", &chunk]);
        assert_eq!(r, format!(":{}\r\n", (i + 1) * chunk.len()).as_bytes());
    }
    assert_eq!(
        c.cmd(&["STRLEN", "huge"]),
        format!(":{size}\r\n").as_bytes()
    );
    let t = Instant::now();
    for round in 0..3 {
        let mut leaver = srv.raw();
        // Two 50 MB replies asked for; read a little, then go.
        leaver.send(
            &[
                encode_command(&["GET", "huge"]),
                encode_command(&["GET", "huge"]),
            ]
            .concat(),
        );
        let mut s = leaver.stream().try_clone().unwrap();
        let head = read_exact_within(&mut s, 64 * 1024, Duration::from_secs(60));
        assert!(head.starts_with(format!("${size}\r\nzzz").as_bytes()));
        if round == 1 {
            // Abortive close (RST) this time.
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: setsockopt on our own socket with a live linger.
            unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&s),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    &linger as *const _ as *const libc::c_void,
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
        } else {
            let _ = s.shutdown(Shutdown::Both);
        }
        drop(s);
        drop(leaver);
        // Others are served meanwhile and after.
        assert_alive(&srv);
    }
    // A full 50 MB reply still arrives whole.
    let mut reader = srv.raw();
    reader.send_cmd(&["GET", "huge"]);
    let mut s = reader.stream().try_clone().unwrap();
    let hdr = format!("${size}\r\n");
    let got = read_exact_within(&mut s, hdr.len() + size + 2, Duration::from_secs(120));
    assert!(got.starts_with(hdr.as_bytes()));
    assert!(got[hdr.len()..hdr.len() + size].iter().all(|&b| b == b'z'));
    assert_eq!(&got[got.len() - 2..], b"\r\n");
    eprintln!(
        "50 MB replies abandoned three times, one read whole: {:?}",
        t.elapsed()
    );
    // The abandoned clients are gone.
    let mut probe = srv.raw();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let info = probe.cmd(&["INFO", "clients"]);
        let text = String::from_utf8_lossy(&info).into_owned();
        // probe, reader and c remain.
        if text.contains("connected_clients:3\r\n") {
            break;
        }
        assert!(Instant::now() < deadline, "leavers not released: {text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(srv.raw().cmd(&["PING"]) == b"+PONG\r\n");
}

#[test]
fn slow_reader_does_not_block_others() {
    // One shard: the slow reader and the other client share it.
    let srv = start_shardis(&["--threads", "1"]);
    let size = 1024 * 1024;
    let mut c = srv.raw();
    assert_eq!(
        c.cmd(&[b"SET".as_slice(), b"mb", &vec![b'q'; size]]),
        b"+OK\r\n"
    );
    let gets = 100;
    let mut slow = srv.raw();
    slow.send(&encode_command(&["GET", "mb"]).repeat(gets));
    let mut s = slow.stream().try_clone().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let port = srv.port;
    let other = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut o = RawConn::connect(port).unwrap();
            let mut worst = Duration::ZERO;
            let mut n = 0;
            while n < 500 && !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                assert_eq!(o.cmd(&["SET", "fast", &n.to_string()]), b"+OK\r\n");
                assert_eq!(
                    o.cmd(&["GET", "fast"]),
                    format!("${}\r\n{n}\r\n", n.to_string().len()).as_bytes()
                );
                worst = worst.max(t.elapsed());
                n += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            (n, worst)
        })
    };
    // Read slowly for about two seconds: 64 KB every 20 ms.
    let t = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    let mut read = 0usize;
    while t.elapsed() < Duration::from_secs(2) {
        match s.read(&mut buf) {
            Ok(0) => panic!("slow reader closed by the server"),
            Ok(k) => read += k,
            Err(e) => panic!("slow read: {e}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let (n, worst) = other.join().unwrap();
    eprintln!("slow reader read {read} bytes; other client: {n} round trips, worst {worst:?}");
    assert!(n >= 10, "the other client was served only {n} times");
    // Loose: served at all, within a generous bound.
    assert!(
        worst < Duration::from_secs(10),
        "worst round trip {worst:?}"
    );
    // Then read the rest quickly: every reply is whole and in order.
    let per = format!("${size}\r\n").len() + size + 2;
    let rest = read_exact_within(&mut s, gets * per - read, Duration::from_secs(120));
    assert_eq!(read + rest.len(), gets * per);
    let mut all = Vec::with_capacity(gets * per);
    // Only the tail is checked byte for byte; the head was consumed.
    all.extend_from_slice(&rest);
    let last = &all[all.len() - per..];
    assert!(last.starts_with(format!("${size}\r\nqqq").as_bytes()));
    assert!(last.ends_with(b"q\r\n"));
    assert_alive(&srv);
}
