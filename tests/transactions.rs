//! MULTI/EXEC/DISCARD/WATCH/UNWATCH.
//!
//! - Differential scenarios: each drives one or more raw connections and
//!   writes down every reply; a real redis-server gives the reference
//!   transcript, and shardis with 1 and with 4 shards must produce the same.
//! - Isolation under load (shardis with 4 shards, keys spread over them):
//!   a reader never sees part of a transaction, money moved between keys on
//!   different shards is never lost, and WATCH-based compare-and-set from
//!   two clients loses no increment.
//!
//! Environment: see `tests/common/mod.rs`. `TX_TRACE=1` prints the
//! reference transcripts (with `--nocapture`).

mod common;

use common::{escape, RawConn, Server};
use std::time::{Duration, Instant};

type Transcript = Vec<String>;

/// Sends `args` on `c` and records the escaped reply, prefixed by `who`.
fn run(t: &mut Transcript, who: &str, c: &mut RawConn, args: &[&str]) {
    let r = c.cmd(args);
    t.push(format!("{who} {} -> {}", args.join(" "), escape(&r)));
}

fn flushed(server: &Server) -> RawConn {
    let mut c = server.raw();
    c.cmd(&["FLUSHALL"]);
    c
}

/// Runs `scenario` on redis and on shardis with 1 and 4 shards; the
/// transcripts must be equal.
fn compare(name: &str, scenario: fn(&Server) -> Transcript) {
    if !common::redis_available() {
        eprintln!("SKIP {name}: no reference redis-server");
        return;
    }
    let redis = common::start_redis(&["--enable-debug-command", "local"]);
    let want = scenario(&redis);
    if std::env::var_os("TX_TRACE").is_some() {
        eprintln!("{name} on redis:\n{want:#?}");
    }
    for threads in ["1", "4"] {
        let shardis =
            common::start_shardis(&["--threads", threads, "--enable-debug-command", "local"]);
        let got = scenario(&shardis);
        for (i, (w, g)) in want.iter().zip(got.iter()).enumerate() {
            assert_eq!(
                w,
                g,
                "{name}: step {i} differs with {threads} shard(s); before it: {:#?}",
                &want[i.saturating_sub(4)..i]
            );
        }
        assert_eq!(want.len(), got.len(), "{name}: transcript lengths");
    }
}

// ----- queueing, errors, EXECABORT -----------------------------------------

fn queueing(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut c = flushed(server);
    for args in [
        &["EXEC"][..],
        &["DISCARD"],
        &["MULTI"],
        &["MULTI"],
        &["WATCH", "x"],
        &["SET", "a", "1"],
        &["NOSUCHCOMMAND", "x"],
        &["GET"],
        &["EXEC"],
        &["GET", "a"],
        &["MULTI"],
        &["SET", "a", "1"],
        &["DISCARD"],
        &["GET", "a"],
        // Runtime errors are reported in place; nothing is rolled back.
        &["MULTI"],
        &["SET", "{t}b", "x"],
        &["INCR", "{t}b"],
        &["INCR", "{t}c"],
        &["LPUSH", "{t}b", "y"],
        &["APPEND", "{t}b", "yz"],
        &["EXEC"],
        &["MGET", "{t}b", "{t}c"],
        // Keys on several shards, and commands that are not keyed.
        &["MULTI"],
        &[
            "MSET", "k1", "1", "k2", "2", "k3", "3", "k4", "4", "k5", "5",
        ],
        &["INCR", "k1"],
        &["RENAME", "k2", "k2b"],
        &["MGET", "k1", "k2", "k2b", "k3", "k4", "k5"],
        &["DBSIZE"],
        &["SELECT", "1"],
        &["SET", "k1", "db1"],
        &["DBSIZE"],
        &["SELECT", "0"],
        &["PING"],
        &["ECHO", "hi"],
        &["EXEC"],
        &["MULTI"],
        &["SET", "x", "1"],
        &["FLUSHALL"],
        &["DBSIZE"],
        &["SET", "y", "2"],
        &["EXEC"],
        &["DBSIZE"],
        // Blocking commands inside MULTI do not wait.
        &["MULTI"],
        &["BLPOP", "nolist", "0"],
        &["BRPOP", "nolist", "0"],
        &["BLMOVE", "nolist", "dst", "LEFT", "RIGHT", "0"],
        &["BRPOPLPUSH", "nolist", "dst", "0"],
        &["BZPOPMIN", "nozset", "0"],
        &["BLMPOP", "0", "1", "nolist", "LEFT"],
        &["RPUSH", "l", "a", "b"],
        &["BLPOP", "l", "0"],
        &["BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"],
        &["EXEC"],
        &["LRANGE", "dst", "0", "-1"],
        // An empty transaction.
        &["MULTI"],
        &["EXEC"],
        // Connection commands run in place, in order.
        &["MULTI"],
        &["MONITOR"],
        &["CLIENT", "SETNAME", "txclient"],
        &["CLIENT", "GETNAME"],
        &["CONFIG", "SET", "maxmemory-samples", "7"],
        &["CONFIG", "GET", "maxmemory-samples"],
        &["EXEC"],
        &["CONFIG", "SET", "maxmemory-samples", "5"],
        &["MULTI"],
        &["RESET"],
        &["EXEC"],
        &["UNWATCH"],
        &["WATCH"],
    ] {
        run(&mut t, "c", &mut c, args);
    }
    // RESP3: the same shapes, and a null EXEC.
    run(&mut t, "c", &mut c, &["HELLO", "3"]);
    t.pop();
    let mut other = server.raw();
    for args in [
        &["WATCH", "w"][..],
        &["MULTI"],
        &["INCR", "w"],
        &["HSET", "h", "f", "v"],
        &["HGETALL", "h"],
        &["EXEC"],
        &["WATCH", "w"],
    ] {
        run(&mut t, "c", &mut c, args);
    }
    run(&mut t, "o", &mut other, &["SET", "w", "9"]);
    for args in [&["MULTI"][..], &["GET", "w"], &["EXEC"]] {
        run(&mut t, "c", &mut c, args);
    }
    t
}

#[test]
fn queueing_errors_and_shapes_match_redis() {
    compare("queueing", queueing);
}

// ----- WATCH ------------------------------------------------------------------

fn watch_scenarios(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut c = flushed(server);
    let mut o = server.raw();
    let exec_after = |t: &mut Transcript, c: &mut RawConn| {
        run(t, "c", c, &["MULTI"]);
        run(t, "c", c, &["SET", "result", "done"]);
        run(t, "c", c, &["EXEC"]);
        run(t, "c", c, &["GETDEL", "result"]);
    };
    // Touched by another client.
    run(&mut t, "c", &mut c, &["WATCH", "a", "b", "c"]);
    run(&mut t, "o", &mut o, &["SET", "b", "1"]);
    exec_after(&mut t, &mut c);
    // Not touched: another key written.
    run(&mut t, "c", &mut c, &["WATCH", "a"]);
    run(&mut t, "o", &mut o, &["SET", "zz", "1"]);
    exec_after(&mut t, &mut c);
    // Touched by the client itself before MULTI.
    run(&mut t, "c", &mut c, &["WATCH", "a"]);
    run(&mut t, "c", &mut c, &["SET", "a", "2"]);
    exec_after(&mut t, &mut c);
    // A write that changes nothing does not touch.
    run(&mut t, "c", &mut c, &["WATCH", "missing"]);
    run(&mut t, "o", &mut o, &["DEL", "missing"]);
    run(&mut t, "o", &mut o, &["PERSIST", "missing"]);
    exec_after(&mut t, &mut c);
    // UNWATCH forgets.
    run(&mut t, "c", &mut c, &["WATCH", "a"]);
    run(&mut t, "c", &mut c, &["UNWATCH"]);
    run(&mut t, "o", &mut o, &["SET", "a", "3"]);
    exec_after(&mut t, &mut c);
    // DISCARD forgets too.
    run(&mut t, "c", &mut c, &["WATCH", "a"]);
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(&mut t, "c", &mut c, &["DISCARD"]);
    run(&mut t, "o", &mut o, &["SET", "a", "4"]);
    exec_after(&mut t, &mut c);
    // Same key name in another database is another key.
    run(&mut t, "c", &mut c, &["WATCH", "a"]);
    run(&mut t, "o", &mut o, &["SELECT", "1"]);
    run(&mut t, "o", &mut o, &["SET", "a", "db1"]);
    run(&mut t, "o", &mut o, &["SELECT", "0"]);
    exec_after(&mut t, &mut c);
    // Every kind of write touches: collections, expiry changes, renames.
    for (setup, touch) in [
        (&["RPUSH", "l", "x"][..], &["LPOP", "l"][..]),
        (&["HSET", "h", "f", "v"], &["HDEL", "h", "f"]),
        (&["SADD", "s", "m"], &["SREM", "s", "m"]),
        (&["ZADD", "z", "1", "m"], &["ZINCRBY", "z", "2", "m"]),
        (&["SET", "e", "v"], &["EXPIRE", "e", "100"]),
        (&["SET", "r", "v"], &["RENAME", "r", "r2"]),
        (&["SET", "n", "5"], &["INCRBY", "n", "0"]),
        (&["SET", "m", "v"], &["MSET", "zzz", "1", "m", "2"]),
    ] {
        run(&mut t, "o", &mut o, setup);
        run(&mut t, "c", &mut c, &["WATCH", setup[1]]);
        run(&mut t, "o", &mut o, touch);
        exec_after(&mut t, &mut c);
    }
    // Keys on several shards, one of them touched.
    run(
        &mut t,
        "c",
        &mut c,
        &["WATCH", "k1", "k2", "k3", "k4", "k5", "k6"],
    );
    run(&mut t, "o", &mut o, &["SET", "k5", "x"]);
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(
        &mut t,
        "c",
        &mut c,
        &["MSET", "k1", "1", "k2", "2", "k3", "3"],
    );
    run(&mut t, "c", &mut c, &["EXEC"]);
    run(&mut t, "c", &mut c, &["MGET", "k1", "k2", "k3"]);
    // FLUSHDB / FLUSHALL touch watched keys that exist, only those.
    run(&mut t, "o", &mut o, &["SET", "f", "v"]);
    run(&mut t, "c", &mut c, &["WATCH", "f"]);
    run(&mut t, "o", &mut o, &["FLUSHDB"]);
    exec_after(&mut t, &mut c);
    run(&mut t, "c", &mut c, &["WATCH", "nothere"]);
    run(&mut t, "o", &mut o, &["FLUSHALL"]);
    exec_after(&mut t, &mut c);
    run(&mut t, "o", &mut o, &["SET", "f", "v"]);
    run(&mut t, "c", &mut c, &["WATCH", "f"]);
    run(&mut t, "o", &mut o, &["FLUSHALL"]);
    exec_after(&mut t, &mut c);
    // SWAPDB touches watched keys that exist in either database.
    run(&mut t, "o", &mut o, &["SELECT", "1"]);
    run(&mut t, "o", &mut o, &["SET", "sw", "in-db1"]);
    run(&mut t, "o", &mut o, &["SELECT", "0"]);
    run(&mut t, "c", &mut c, &["WATCH", "sw"]);
    run(&mut t, "o", &mut o, &["SWAPDB", "0", "1"]);
    exec_after(&mut t, &mut c);
    run(&mut t, "o", &mut o, &["FLUSHALL"]);
    // RESTORE touches the key it writes.
    run(&mut t, "o", &mut o, &["SET", "src", "payload"]);
    let dumped = o.cmd_parsed(&["DUMP", "src"]);
    let payload = dumped.as_bytes().expect("DUMP payload").to_vec();
    run(&mut t, "o", &mut o, &["SET", "rk", "old"]);
    run(&mut t, "c", &mut c, &["WATCH", "rk"]);
    let r = o.cmd(&[&b"RESTORE"[..], b"rk", b"0", &payload, b"REPLACE"]);
    t.push(format!(
        "o RESTORE rk 0 <payload> REPLACE -> {}",
        escape(&r)
    ));
    exec_after(&mut t, &mut c);
    run(&mut t, "o", &mut o, &["GET", "rk"]);
    // A watched key that expires after WATCH fails EXEC, even before it is
    // removed; one that had already expired when watched does not.
    run(&mut t, "o", &mut o, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    run(&mut t, "o", &mut o, &["SET", "x", "v", "PX", "100"]);
    run(&mut t, "c", &mut c, &["WATCH", "x"]);
    std::thread::sleep(Duration::from_millis(250));
    exec_after(&mut t, &mut c);
    run(&mut t, "o", &mut o, &["SET", "y", "v", "PX", "50"]);
    std::thread::sleep(Duration::from_millis(150));
    run(&mut t, "c", &mut c, &["WATCH", "y"]);
    exec_after(&mut t, &mut c);
    run(&mut t, "o", &mut o, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    t
}

#[test]
fn watch_matches_redis() {
    compare("watch", watch_scenarios);
}

// ----- out of memory -----------------------------------------------------------

fn out_of_memory(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut c = flushed(server);
    let mut o = server.raw();
    run(&mut t, "o", &mut o, &["SET", "a", "1"]);
    run(
        &mut t,
        "o",
        &mut o,
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    );
    // Queued while memory is fine, then the limit drops under usage.
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(&mut t, "c", &mut c, &["SET", "b", "2"]);
    run(&mut t, "c", &mut c, &["GET", "a"]);
    run(&mut t, "o", &mut o, &["CONFIG", "SET", "maxmemory", "1"]);
    run(&mut t, "c", &mut c, &["EXEC"]);
    run(&mut t, "c", &mut c, &["EXEC"]);
    // A transaction of reads only still runs.
    run(&mut t, "o", &mut o, &["CONFIG", "SET", "maxmemory", "0"]);
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(&mut t, "c", &mut c, &["GET", "a"]);
    run(&mut t, "o", &mut o, &["CONFIG", "SET", "maxmemory", "1"]);
    run(&mut t, "c", &mut c, &["EXEC"]);
    // Inside MULTI under the limit every command but EXEC/DISCARD is
    // refused, and the transaction is marked failed.
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(&mut t, "c", &mut c, &["GET", "a"]);
    run(&mut t, "c", &mut c, &["SET", "b", "2"]);
    run(&mut t, "c", &mut c, &["EXEC"]);
    run(&mut t, "c", &mut c, &["MULTI"]);
    run(&mut t, "c", &mut c, &["DISCARD"]);
    run(&mut t, "c", &mut c, &["SET", "b", "2"]);
    run(&mut t, "c", &mut c, &["GET", "a"]);
    run(&mut t, "o", &mut o, &["CONFIG", "SET", "maxmemory", "0"]);
    run(&mut t, "c", &mut c, &["SET", "b", "2"]);
    t
}

#[test]
fn out_of_memory_matches_redis() {
    compare("out_of_memory", out_of_memory);
}

// ----- isolation under load ---------------------------------------------------

/// Keys that spread over shards (no hash tags).
const KEYS: [&str; 8] = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];

#[test]
fn readers_never_see_part_of_a_transaction() {
    let server = common::start_shardis(&["--threads", "4"]);
    let port = server.port;
    let mut c = server.raw();
    let mut init = vec!["MSET"];
    for k in KEYS {
        init.push(k);
        init.push("0");
    }
    c.cmd(&init);
    let deadline = Instant::now() + Duration::from_secs(20);
    let writer = std::thread::spawn(move || {
        let mut w = RawConn::connect(port).expect("connect");
        for _ in 0..300 {
            if Instant::now() > deadline {
                break;
            }
            w.send_cmd(&["MULTI"]);
            for k in KEYS {
                w.send_cmd(&["INCR", k]);
            }
            w.send_cmd(&["EXEC"]);
            for _ in 0..KEYS.len() + 1 {
                w.read_reply();
            }
            let exec = w.read_reply();
            assert!(exec.starts_with(b"*8\r\n"), "EXEC: {}", escape(&exec));
        }
    });
    let mut reads = 0;
    let mut mget = vec!["MGET"];
    mget.extend(KEYS);
    while !writer.is_finished() && Instant::now() < deadline {
        // A single GET per key in a transaction of this reader must see the
        // same values as well: both are isolated from the writer.
        let r = if reads % 2 == 0 {
            c.cmd_parsed(&mget)
        } else {
            c.send_cmd(&["MULTI"]);
            for k in KEYS {
                c.send_cmd(&["GET", k]);
            }
            c.send_cmd(&["EXEC"]);
            for _ in 0..KEYS.len() + 1 {
                c.read_reply();
            }
            let raw = c.read_reply();
            common::parse_reply(&raw).expect("EXEC reply")
        };
        let vals: Vec<&[u8]> = r
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_bytes().expect("value"))
            .collect();
        assert!(
            vals.iter().all(|v| *v == vals[0]),
            "read {reads} saw part of a transaction: {:?}",
            vals.iter()
                .map(|v| String::from_utf8_lossy(v))
                .collect::<Vec<_>>()
        );
        reads += 1;
    }
    writer.join().expect("writer");
    let last = c.cmd_parsed(&["GET", "k7"]);
    assert_eq!(last.as_bytes(), Some(&b"300"[..]));
    assert!(reads > 10, "only {reads} reads");
}

#[test]
fn transfers_between_shards_keep_the_total() {
    let server = common::start_shardis(&["--threads", "4"]);
    let port = server.port;
    let mut c = server.raw();
    c.cmd(&["MSET", "acct:a", "1000", "acct:b", "1000", "acct:c", "1000"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let movers: Vec<_> = [
        ("acct:a", "acct:b"),
        ("acct:b", "acct:c"),
        ("acct:c", "acct:a"),
    ]
    .into_iter()
    .map(|(from, to)| {
        std::thread::spawn(move || {
            let mut w = RawConn::connect(port).expect("connect");
            for i in 0..200 {
                if Instant::now() > deadline {
                    break;
                }
                let amount = (i % 7 + 1).to_string();
                w.send_cmd(&["MULTI"]);
                w.send_cmd(&["DECRBY", from, &amount]);
                w.send_cmd(&["INCRBY", to, &amount]);
                w.send_cmd(&["EXEC"]);
                for _ in 0..3 {
                    w.read_reply();
                }
                let exec = w.read_reply();
                assert!(exec.starts_with(b"*2\r\n"), "EXEC: {}", escape(&exec));
            }
        })
    })
    .collect();
    let mut checks = 0;
    while movers.iter().any(|m| !m.is_finished()) && Instant::now() < deadline {
        let r = c.cmd_parsed(&["MGET", "acct:a", "acct:b", "acct:c"]);
        let sum: i64 = r
            .as_array()
            .expect("array")
            .iter()
            .map(|v| {
                std::str::from_utf8(v.as_bytes().expect("value"))
                    .expect("utf8")
                    .parse::<i64>()
                    .expect("number")
            })
            .sum();
        assert_eq!(sum, 3000, "check {checks}: money appeared or vanished");
        checks += 1;
    }
    for m in movers {
        m.join().expect("mover");
    }
    let r = c.cmd_parsed(&["MGET", "acct:a", "acct:b", "acct:c"]);
    let total: i64 = r
        .as_array()
        .expect("array")
        .iter()
        .map(|v| {
            std::str::from_utf8(v.as_bytes().expect("value"))
                .expect("utf8")
                .parse::<i64>()
                .expect("number")
        })
        .sum();
    assert_eq!(total, 3000);
}

#[test]
fn watch_compare_and_set_loses_no_increment() {
    let server = common::start_shardis(&["--threads", "4"]);
    let port = server.port;
    const PER_CLIENT: usize = 150;
    let deadline = Instant::now() + Duration::from_secs(30);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                let mut w = RawConn::connect(port).expect("connect");
                let mut done = 0;
                let mut retries = 0;
                while done < PER_CLIENT && Instant::now() < deadline {
                    w.cmd(&["WATCH", "counter"]);
                    let cur = w.cmd_parsed(&["GET", "counter"]);
                    let n: i64 = cur
                        .as_bytes()
                        .map(|b| std::str::from_utf8(b).expect("utf8").parse().expect("int"))
                        .unwrap_or(0);
                    w.send_cmd(&["MULTI"]);
                    w.send_cmd(&["SET", "counter", &(n + 1).to_string()]);
                    w.send_cmd(&["EXEC"]);
                    w.read_reply();
                    w.read_reply();
                    let exec = w.read_reply();
                    if exec == b"*-1\r\n" {
                        retries += 1;
                    } else {
                        assert_eq!(exec, b"*1\r\n+OK\r\n");
                        done += 1;
                    }
                }
                (done, retries)
            })
        })
        .collect();
    let mut total = 0;
    for w in workers {
        let (done, _retries) = w.join().expect("worker");
        assert_eq!(done, PER_CLIENT, "a client ran out of time");
        total += done;
    }
    let mut c = server.raw();
    let v = c.cmd_parsed(&["GET", "counter"]);
    assert_eq!(v.as_bytes(), Some(total.to_string().as_bytes()));
}
