//! Pub/Sub against the real binary: message sequences in RESP2 and RESP3
//! compared byte for byte with a real redis-server, on a four-core shardis
//! with subscribers and publishers on different connections (so, in
//! general, different cores); exact receiver counts; per-publisher order;
//! odd input; and a subscriber that never reads under a publisher flood
//! (`client-output-buffer-limit pubsub`).
//!
//! Without a redis-server the comparisons are skipped (with a note) and
//! only shardis' own checks run. Every loop is bounded in count and time.

mod common;

use std::time::{Duration, Instant};

use common::{
    encode_command, escape, parse_reply, redis_available, redis_bin, start_redis, start_shardis,
    RawConn, Reply, Server,
};

fn redis_opt() -> Option<Server> {
    if redis_available() {
        Some(start_redis(&[]))
    } else {
        eprintln!(
            "note: no redis-server at {}; skipping the comparison with redis",
            redis_bin().display()
        );
        None
    }
}

fn shardis4(extra: &[&str]) -> Server {
    let mut args = vec!["--threads", "4"];
    args.extend_from_slice(extra);
    start_shardis(&args)
}

/// Many connections, so that with four cores they land on several.
fn conns(port: u16, n: usize) -> Vec<RawConn> {
    (0..n)
        .map(|_| RawConn::connect(port).expect("connect"))
        .collect()
}

fn int_of(reply: &[u8]) -> i64 {
    match parse_reply(reply) {
        Ok(Reply::Int(i)) => i,
        other => panic!("expected an integer, got {other:?} ({})", escape(reply)),
    }
}

/// A transcript: labelled raw replies.
type Transcript = Vec<(String, Vec<u8>)>;

/// Sends `args` on `c` and records `n` replies.
fn step(t: &mut Transcript, label: &str, c: &mut RawConn, args: &[&[u8]], n: usize) {
    c.send_cmd(args);
    read_n(t, label, c, n);
}

/// Records `n` more replies (pushed messages) from `c`.
fn read_n(t: &mut Transcript, label: &str, c: &mut RawConn, n: usize) {
    for i in 0..n {
        t.push((format!("{label} #{i}"), c.read_reply()));
    }
}

/// An array-of-bulks reply with its elements sorted (set-like replies whose
/// order is Redis' hash order).
fn sorted_bulks(reply: &[u8]) -> Vec<Vec<u8>> {
    match parse_reply(reply) {
        Ok(Reply::Array(v)) => {
            let mut out: Vec<Vec<u8>> = v
                .into_iter()
                .map(|r| match r {
                    Reply::Bulk(b) => b,
                    other => panic!("not a bulk: {other:?}"),
                })
                .collect();
            out.sort();
            out
        }
        other => panic!("expected an array, got {other:?}"),
    }
}

fn info_field(c: &mut RawConn, section: &str, field: &str) -> String {
    let r = c.cmd(&[b"INFO".as_slice(), section.as_bytes()]);
    let text = match parse_reply(&r) {
        Ok(Reply::Bulk(b)) => String::from_utf8_lossy(&b).into_owned(),
        Ok(Reply::Other(_, b)) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO: {other:?}"),
    };
    text.lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{field}:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
}

fn compare(name: &str, ours: &Transcript, theirs: &Transcript) {
    assert_eq!(ours.len(), theirs.len(), "{name}: transcript lengths");
    for ((l, a), (_, b)) in ours.iter().zip(theirs) {
        assert_eq!(
            escape(a),
            escape(b),
            "{name}: step {l}: shardis (left) vs redis (right)"
        );
    }
}

fn resp2_script(port: u16) -> Transcript {
    let mut t = Transcript::new();
    let mut c = conns(port, 4);
    let (s1, rest) = c.split_at_mut(1);
    let (s2, rest) = rest.split_at_mut(1);
    let (s3, p) = rest.split_at_mut(1);
    let (s1, s2, s3, p) = (&mut s1[0], &mut s2[0], &mut s3[0], &mut p[0]);
    step(&mut t, "unsubscribe none", s1, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "punsubscribe none", s1, &[b"PUNSUBSCRIBE"], 1);
    step(&mut t, "sunsubscribe none", s1, &[b"SUNSUBSCRIBE"], 1);
    step(
        &mut t,
        "subscribe a b a",
        s1,
        &[b"SUBSCRIBE", b"a", b"b", b"a"],
        3,
    );
    step(
        &mut t,
        "psubscribe",
        s2,
        &[b"PSUBSCRIBE", b"a*", b"h?llo"],
        2,
    );
    step(
        &mut t,
        "ssubscribe",
        s3,
        &[b"SSUBSCRIBE", b"s1", b"s2", b"s1"],
        3,
    );
    step(&mut t, "s3 subscribe a", s3, &[b"subscribe", b"a"], 1);
    step(&mut t, "ping", s1, &[b"PING"], 1);
    step(&mut t, "ping x", s1, &[b"PING", b"x"], 1);
    step(&mut t, "get in context", s1, &[b"GET", b"k"], 1);
    step(
        &mut t,
        "publish in context",
        s1,
        &[b"PUBLISH", b"a", b"x"],
        1,
    );
    step(
        &mut t,
        "client info in context",
        s1,
        &[b"CLIENT", b"INFO"],
        1,
    );
    step(&mut t, "ssub-only context", s3, &[b"SET", b"k", b"v"], 1);
    step(&mut t, "subscribe arity", s1, &[b"SUBSCRIBE"], 1);
    step(&mut t, "publish a", p, &[b"PUBLISH", b"a", b"m1"], 1);
    read_n(&mut t, "s1 gets message", s1, 1);
    read_n(&mut t, "s2 gets pmessage", s2, 1);
    read_n(&mut t, "s3 gets message", s3, 1);
    step(
        &mut t,
        "publish hello",
        p,
        &[b"PUBLISH", b"hello", b"m2"],
        1,
    );
    read_n(&mut t, "s2 gets pmessage", s2, 1);
    step(&mut t, "publish nobody", p, &[b"PUBLISH", b"zz", b"m"], 1);
    step(&mut t, "spublish s1", p, &[b"SPUBLISH", b"s1", b"m3"], 1);
    read_n(&mut t, "s3 gets smessage", s3, 1);
    step(&mut t, "spublish a", p, &[b"SPUBLISH", b"a", b"m"], 1);
    step(
        &mut t,
        "numsub",
        p,
        &[b"PUBSUB", b"NUMSUB", b"a", b"b", b"zz"],
        1,
    );
    step(&mut t, "numsub none", p, &[b"PUBSUB", b"numsub"], 1);
    step(&mut t, "numpat", p, &[b"PUBSUB", b"NUMPAT"], 1);
    step(
        &mut t,
        "shardnumsub",
        p,
        &[b"PUBSUB", b"SHARDNUMSUB", b"s1", b"s2", b"a"],
        1,
    );
    step(&mut t, "channels b", p, &[b"PUBSUB", b"CHANNELS", b"b"], 1);
    step(
        &mut t,
        "channels none",
        p,
        &[b"PUBSUB", b"CHANNELS", b"nothing*"],
        1,
    );
    step(
        &mut t,
        "shardchannels s1",
        p,
        &[b"PUBSUB", b"SHARDCHANNELS", b"s1"],
        1,
    );
    let all = p.cmd(&[b"PUBSUB".as_slice(), b"CHANNELS"]);
    t.push(("channels (sorted)".into(), sorted_bulks(&all).concat()));
    let all = p.cmd(&[b"PUBSUB".as_slice(), b"SHARDCHANNELS", b"*"]);
    t.push(("shardchannels (sorted)".into(), sorted_bulks(&all).concat()));
    for f in ["pubsub_channels", "pubsub_patterns", "pubsubshard_channels"] {
        t.push((f.into(), info_field(p, "stats", f).into_bytes()));
    }
    step(&mut t, "pubsub foo", p, &[b"PUBSUB", b"FOO", b"x"], 1);
    step(
        &mut t,
        "pubsub channels x y",
        p,
        &[b"PUBSUB", b"Channels", b"x", b"y"],
        1,
    );
    step(
        &mut t,
        "pubsub numpat x",
        p,
        &[b"PUBSUB", b"NUMPAT", b"x"],
        1,
    );
    step(&mut t, "pubsub help", p, &[b"PUBSUB", b"HELP"], 1);
    step(&mut t, "pubsub help x", p, &[b"PUBSUB", b"help", b"x"], 1);
    step(&mut t, "pubsub arity", p, &[b"PUBSUB"], 1);
    step(&mut t, "publish arity", p, &[b"PUBLISH", b"a"], 1);
    step(
        &mut t,
        "unsubscribe b zz",
        s1,
        &[b"UNSUBSCRIBE", b"b", b"zz"],
        2,
    );
    step(&mut t, "unsubscribe rest", s1, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "out of context", s1, &[b"GET", b"k"], 1);
    step(
        &mut t,
        "punsubscribe one",
        s2,
        &[b"PUNSUBSCRIBE", b"h?llo"],
        1,
    );
    step(&mut t, "reset", s2, &[b"RESET"], 1);
    step(&mut t, "after reset", s2, &[b"GET", b"k"], 1);
    step(&mut t, "numpat after reset", p, &[b"PUBSUB", b"NUMPAT"], 1);
    step(&mut t, "publish a again", p, &[b"PUBLISH", b"a", b"m4"], 1);
    read_n(&mut t, "s3 gets message", s3, 1);
    step(
        &mut t,
        "sunsubscribe",
        s3,
        &[b"SUNSUBSCRIBE", b"s2", b"s1"],
        2,
    );
    step(&mut t, "sunsubscribe none", s3, &[b"SUNSUBSCRIBE"], 1);
    step(&mut t, "still in context", s3, &[b"GET", b"k"], 1);
    step(&mut t, "unsubscribe all", s3, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "free again", s3, &[b"GET", b"k"], 1);
    step(&mut t, "numsub after", p, &[b"PUBSUB", b"NUMSUB", b"a"], 1);
    // SUBSCRIBE and a PUBLISH to oneself inside MULTI/EXEC: the message
    // sits inside EXEC's array, as Redis writes it.
    step(&mut t, "multi", s2, &[b"MULTI"], 1);
    step(&mut t, "queue subscribe", s2, &[b"SUBSCRIBE", b"tx"], 1);
    step(&mut t, "queue publish", s2, &[b"PUBLISH", b"tx", b"hi"], 1);
    step(&mut t, "exec", s2, &[b"EXEC"], 2);
    step(&mut t, "context after exec", s2, &[b"GET", b"k"], 1);
    step(&mut t, "publish to tx", p, &[b"PUBLISH", b"tx", b"m"], 1);
    read_n(&mut t, "s2 gets message", s2, 1);
    step(&mut t, "reset after exec", s2, &[b"RESET"], 1);
    step(&mut t, "subscribe then quit", s1, &[b"SUBSCRIBE", b"q"], 1);
    step(&mut t, "quit", s1, &[b"QUIT"], 1);
    t
}

fn resp3_script(port: u16) -> Transcript {
    let mut t = Transcript::new();
    let mut c = conns(port, 2);
    let (s, p) = c.split_at_mut(1);
    let (s, p) = (&mut s[0], &mut p[0]);
    s.cmd(&[b"HELLO".as_slice(), b"3"]);
    step(&mut t, "unsubscribe none", s, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "subscribe", s, &[b"SUBSCRIBE", b"a", b"b"], 2);
    step(&mut t, "psubscribe", s, &[b"PSUBSCRIBE", b"a*"], 1);
    step(&mut t, "ssubscribe", s, &[b"SSUBSCRIBE", b"sa"], 1);
    step(&mut t, "get allowed", s, &[b"GET", b"k"], 1);
    step(&mut t, "ping", s, &[b"PING"], 1);
    step(&mut t, "publish from p", p, &[b"PUBLISH", b"a", b"x"], 1);
    read_n(&mut t, "pushes", s, 2);
    // A message to the publishing client itself precedes the reply.
    step(&mut t, "self publish", s, &[b"PUBLISH", b"a", b"self"], 3);
    step(&mut t, "spublish", p, &[b"SPUBLISH", b"sa", b"y"], 1);
    read_n(&mut t, "smessage", s, 1);
    step(&mut t, "multi", s, &[b"MULTI"], 1);
    step(&mut t, "queue publish", s, &[b"PUBLISH", b"a", b"tx"], 1);
    step(&mut t, "exec", s, &[b"EXEC"], 3);
    step(&mut t, "unsubscribe b", s, &[b"UNSUBSCRIBE", b"b"], 1);
    step(&mut t, "unsubscribe a", s, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "punsubscribe zz", s, &[b"PUNSUBSCRIBE", b"zz"], 1);
    step(&mut t, "punsubscribe", s, &[b"PUNSUBSCRIBE"], 1);
    step(&mut t, "sunsubscribe", s, &[b"SUNSUBSCRIBE"], 1);
    step(&mut t, "unsubscribe none again", s, &[b"UNSUBSCRIBE"], 1);
    step(&mut t, "publish nobody", p, &[b"PUBLISH", b"a", b"z"], 1);
    t
}

#[test]
fn resp2_sequences_match_redis() {
    let ours = shardis4(&[]);
    let t = resp2_script(ours.port);
    if let Some(r) = redis_opt() {
        compare("resp2", &t, &resp2_script(r.port));
    }
}

#[test]
fn resp3_sequences_match_redis() {
    let ours = shardis4(&[]);
    let t = resp3_script(ours.port);
    if let Some(r) = redis_opt() {
        compare("resp3", &t, &resp3_script(r.port));
    }
}

/// Subscribers spread over many connections: every PUBLISH, from any
/// connection, returns the exact number of receivers, and each gets it.
fn receiver_counts(port: u16) -> Vec<i64> {
    let mut chan = conns(port, 8);
    let mut pat = conns(port, 4);
    let mut both = conns(port, 2);
    for c in chan.iter_mut() {
        c.cmd(&[b"SUBSCRIBE".as_slice(), b"news"]);
    }
    for c in pat.iter_mut() {
        c.cmd(&[b"PSUBSCRIBE".as_slice(), b"n*"]);
    }
    for c in both.iter_mut() {
        c.send_cmd(&[b"SUBSCRIBE".as_slice(), b"news"]);
        c.send_cmd(&[b"PSUBSCRIBE".as_slice(), b"new?"]);
        c.read_reply();
        c.read_reply();
    }
    let mut pubs = conns(port, 4);
    let mut counts = Vec::new();
    for (i, p) in pubs.iter_mut().enumerate() {
        let msg = format!("m{i}");
        counts.push(int_of(&p.cmd(&[
            b"PUBLISH".as_slice(),
            b"news",
            msg.as_bytes(),
        ])));
        counts.push(int_of(&p.cmd(&[b"PUBLISH".as_slice(), b"nope", b"x"])));
        counts.push(int_of(&p.cmd(&[b"PUBLISH".as_slice(), b"other", b"x"])));
        for c in chan.iter_mut() {
            let m = c.read_reply();
            assert!(m.ends_with(format!("$4\r\nnews\r\n$2\r\n{msg}\r\n").as_bytes()));
        }
        for c in pat.iter_mut() {
            let m = c.read_reply();
            assert!(m.starts_with(b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews"));
            let m = c.read_reply();
            assert!(m.starts_with(b"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnope"));
        }
        for c in both.iter_mut() {
            assert!(c.read_reply().starts_with(b"*3\r\n$7\r\nmessage\r\n"));
            assert!(c
                .read_reply()
                .starts_with(b"*4\r\n$8\r\npmessage\r\n$4\r\nnew?"));
        }
    }
    let numsub = pubs[0].cmd(&[b"PUBSUB".as_slice(), b"NUMSUB", b"news"]);
    counts.push(match parse_reply(&numsub) {
        Ok(Reply::Array(v)) => v[1].as_int().unwrap_or(-1),
        other => panic!("{other:?}"),
    });
    counts.push(int_of(&pubs[1].cmd(&[b"PUBSUB".as_slice(), b"NUMPAT"])));
    counts
}

#[test]
fn exact_receiver_counts_across_cores() {
    let ours = shardis4(&[]);
    let got = receiver_counts(ours.port);
    // 8 + 2 channel subscribers, 4 + 2 pattern subscriptions.
    assert_eq!(got[0], 16);
    if let Some(r) = redis_opt() {
        assert_eq!(got, receiver_counts(r.port));
    }
}

#[test]
fn per_publisher_order_is_kept() {
    const N: usize = 3000;
    let s = shardis4(&[]);
    let mut subs = conns(s.port, 6);
    for c in subs.iter_mut() {
        c.cmd(&[b"SUBSCRIBE".as_slice(), b"ord"]);
    }
    let mut pubs = conns(s.port, 3);
    // Pipelined floods from three connections at once.
    let mut batch: Vec<Vec<u8>> = vec![Vec::new(); pubs.len()];
    for (pi, b) in batch.iter_mut().enumerate() {
        for n in 1..=N {
            b.extend_from_slice(&encode_command(&[
                b"PUBLISH".as_slice(),
                b"ord",
                format!("{pi}:{n}").as_bytes(),
            ]));
        }
    }
    std::thread::scope(|scope| {
        for (p, b) in pubs.iter_mut().zip(&batch) {
            scope.spawn(move || {
                p.send(b);
                for _ in 0..N {
                    assert_eq!(int_of(&p.read_reply()), 6);
                }
            });
        }
        for c in subs.iter_mut() {
            scope.spawn(move || {
                let mut last = [0usize; 3];
                for _ in 0..3 * N {
                    let m = c.read_reply();
                    let Ok(Reply::Array(v)) = parse_reply(&m) else {
                        panic!("not a message: {}", escape(&m));
                    };
                    let body =
                        String::from_utf8_lossy(v[2].as_bytes().unwrap_or_default()).into_owned();
                    let (p, n) = body.split_once(':').expect("p:n");
                    let (p, n): (usize, usize) = (p.parse().unwrap(), n.parse().unwrap());
                    assert_eq!(n, last[p] + 1, "publisher {p}: {n} after {}", last[p]);
                    last[p] = n;
                }
                assert_eq!(last, [N; 3]);
            });
        }
    });
}

#[test]
fn odd_input_does_not_break_anything() {
    let s = shardis4(&[]);
    let mut c = conns(s.port, 3);
    let big = vec![b'c'; 1_000_000];
    assert_eq!(int_of(&c[0].cmd(&[b"PUBLISH".as_slice(), &big, b"m"])), 0);
    c[1].cmd(&[b"PSUBSCRIBE".as_slice(), b"*"]);
    assert_eq!(int_of(&c[0].cmd(&[b"PUBLISH".as_slice(), &big, b"m"])), 1);
    let m = c[1].read_reply();
    assert!(m.len() > 1_000_000 && m.ends_with(b"$1\r\nm\r\n"));
    c[1].cmd(&[b"SUBSCRIBE".as_slice(), &big]);
    assert_eq!(int_of(&c[0].cmd(&[b"PUBLISH".as_slice(), &big, b"m"])), 2);
    c[1].read_reply();
    c[1].read_reply();
    // Many subscriptions in one command, then all dropped at once.
    let n = 20_000;
    let names: Vec<Vec<u8>> = (0..n).map(|i| format!("ch{i}").into_bytes()).collect();
    let mut args: Vec<&[u8]> = vec![b"SUBSCRIBE"];
    args.extend(names.iter().map(|v| v.as_slice()));
    c[2].send_cmd(&args);
    let mut last = Vec::new();
    for _ in 0..n {
        last = c[2].read_reply();
    }
    assert_eq!(
        last,
        format!("*3\r\n$9\r\nsubscribe\r\n$7\r\nch{}\r\n:{n}\r\n", n - 1).into_bytes()
    );
    assert_eq!(
        int_of(&c[0].cmd(&[b"PUBLISH".as_slice(), b"ch777", b"x"])),
        2
    );
    assert_eq!(
        c[2].read_reply(),
        b"*3\r\n$7\r\nmessage\r\n$5\r\nch777\r\n$1\r\nx\r\n".to_vec()
    );
    assert_eq!(
        info_field(&mut c[0], "stats", "pubsub_channels"),
        (n + 1).to_string()
    );
    c[2].send_cmd(&[b"UNSUBSCRIBE".as_slice()]);
    for _ in 0..n {
        last = c[2].read_reply();
    }
    assert!(last.ends_with(b":0\r\n"), "{}", escape(&last));
    assert_eq!(info_field(&mut c[0], "stats", "pubsub_channels"), "1");
    assert_eq!(
        c[0].cmd(&[b"PUBSUB".as_slice(), b"NOSUCH"]),
        b"-ERR unknown subcommand 'NOSUCH'. Try PUBSUB HELP.\r\n".to_vec()
    );
    // Odd patterns.
    for p in [&b"["[..], b"\\", b"[a-", b"*?*?*?*?*?*?*?*?*?*?*?x", b""] {
        c[2].cmd(&[b"PSUBSCRIBE".as_slice(), p]);
    }
    assert_eq!(int_of(&c[0].cmd(&[b"PUBLISH".as_slice(), &big, b"m"])), 2);
    assert_eq!(c[0].cmd(&[b"PING".as_slice()]), b"+PONG\r\n".to_vec());
}

fn used_memory(c: &mut RawConn) -> i64 {
    info_field(c, "memory", "used_memory").parse().unwrap()
}

fn subscriber_listed(c: &mut RawConn) -> bool {
    let r = c.cmd(&[b"CLIENT".as_slice(), b"LIST"]);
    String::from_utf8_lossy(&r).contains("sub=1")
}

#[test]
fn slow_subscriber_is_dropped_and_memory_freed() {
    let s = shardis4(&[
        "--client-output-buffer-limit",
        "pubsub",
        "1mb",
        "256kb",
        "5",
    ]);
    let mut sub = RawConn::connect(s.port).unwrap();
    sub.cmd(&[b"SUBSCRIBE".as_slice(), b"flood"]);
    let mut p = RawConn::connect(s.port).unwrap();
    let mut admin = RawConn::connect(s.port).unwrap();
    assert!(subscriber_listed(&mut admin));
    let before = used_memory(&mut admin);
    let payload = vec![b'x'; 4096];
    let batch: Vec<u8> = (0..256)
        .flat_map(|_| encode_command(&[b"PUBLISH".as_slice(), b"flood", &payload]))
        .collect();
    let start = Instant::now();
    let mut dropped = false;
    let mut peak = before;
    // At most 256 MB of messages or 20 s; the subscriber never reads.
    for _ in 0..256 {
        p.send(&batch);
        for _ in 0..256 {
            p.read_reply();
        }
        peak = peak.max(used_memory(&mut admin));
        if !subscriber_listed(&mut admin) {
            dropped = true;
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    assert!(dropped, "the subscriber was not disconnected");
    // Memory never grew much past the limit, and is given back.
    assert!(
        peak < before + 8 * 1024 * 1024,
        "peak used_memory {peak} vs {before} before the flood"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = used_memory(&mut admin);
        if now < before + 512 * 1024 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "used_memory {now} stays above {before}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(int_of(&p.cmd(&[b"PUBLISH".as_slice(), b"flood", b"x"])), 0);
    // The subscriber's socket ends (EOF or reset) after what was sent.
    let mut eof = false;
    for _ in 0..100_000 {
        match sub.try_read_reply() {
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
            Err(_) => {
                eof = true;
                break;
            }
        }
    }
    assert!(eof, "the subscriber's connection is still open");
    assert!(s
        .log_tail(50)
        .contains("scheduled to be closed ASAP for overcoming of output buffer limits."));
    // CONFIG SET applies at runtime: with no pubsub limit, no drop.
    admin.cmd(&[
        b"CONFIG".as_slice(),
        b"SET",
        b"client-output-buffer-limit",
        b"pubsub 0 0 0",
    ]);
    let mut sub2 = RawConn::connect(s.port).unwrap();
    sub2.cmd(&[b"SUBSCRIBE".as_slice(), b"flood"]);
    for _ in 0..4 {
        p.send(&batch);
        for _ in 0..256 {
            p.read_reply();
        }
    }
    assert!(subscriber_listed(&mut admin));
}

/// A subscribed connection waits for requests and pushed messages at once;
/// requests that arrive while messages are being pushed are all served.
#[test]
fn requests_are_not_lost_while_messages_arrive() {
    const MSGS: usize = 5000;
    const PINGS: usize = 2000;
    let s = shardis4(&[]);
    let mut sub = RawConn::connect(s.port).unwrap();
    sub.cmd(&[b"SUBSCRIBE".as_slice(), b"x"]);
    let mut writer = sub.stream().try_clone().unwrap();
    let mut p = RawConn::connect(s.port).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for i in 0..MSGS {
                p.send_cmd(&[b"PUBLISH".as_slice(), b"x", format!("{i}").as_bytes()]);
                if i % 64 == 63 {
                    for _ in 0..64 {
                        p.read_reply();
                    }
                }
            }
        });
        scope.spawn(move || {
            use std::io::Write;
            for i in 0..PINGS {
                writer
                    .write_all(&encode_command(&[
                        b"PING".as_slice(),
                        format!("{i}").as_bytes(),
                    ]))
                    .unwrap();
            }
        });
        let (mut pongs, mut msgs) = (0usize, 0usize);
        while pongs < PINGS || msgs < MSGS {
            let r = sub.read_reply();
            let Ok(Reply::Array(v)) = parse_reply(&r) else {
                panic!("unexpected {}", escape(&r));
            };
            match v[0].as_bytes() {
                Some(b"pong") => {
                    assert_eq!(v[1].as_bytes(), Some(format!("{pongs}").as_bytes()));
                    pongs += 1;
                }
                Some(b"message") => {
                    assert_eq!(v[2].as_bytes(), Some(format!("{msgs}").as_bytes()));
                    msgs += 1;
                }
                _ => panic!("unexpected {}", escape(&r)),
            }
        }
    });
}
