//! Keyspace notifications against a real redis-server: both servers get
//! the same `notify-keyspace-events` setting and the same commands, and a
//! connection subscribed with `PSUBSCRIBE __key*@*__:*` on each must
//! receive the same messages (channel and payload), in the same order.
//!
//! After every command the driver publishes a marker on `__keymark@0__:m`
//! (which the pattern also matches) and reads the subscriber up to it, so
//! the messages are compared command by command and a difference names the
//! command that caused it.
//!
//! Sequences: a fixed one covering every family, lazy expiry (`SET k v PX
//! 50`, wait, touch) and active expiry (wait until the cron removes the
//! key), under several flag sets (`KEA`, `Kx`, `Eg$`, `KEAn`); and seeded
//! random sequences from the differential generator (`tests/differential/`)
//! under `KEA`, on one shard and on four.

mod common;
#[path = "differential/gen.rs"]
#[allow(dead_code)]
mod gen;

use common::{escape, parse_reply, RawConn, Reply, Server};
use gen::Family;
use std::time::Duration;

/// One step of a sequence.
#[derive(Clone, Debug)]
enum Step {
    /// A command, sent on the command connection.
    Cmd(Vec<Vec<u8>>),
    /// Wait this many milliseconds (expiry).
    Sleep(u64),
}

/// A command line split on spaces (`""` is an empty argument).
fn cmd(line: &str) -> Step {
    Step::Cmd(
        line.split(' ')
            .map(|t| {
                if t == "\"\"" {
                    Vec::new()
                } else {
                    t.as_bytes().to_vec()
                }
            })
            .collect(),
    )
}

/// One (channel, message) received by the subscriber.
type Message = (Vec<u8>, Vec<u8>);

/// A server with its command and subscriber connections.
struct Side {
    name: &'static str,
    _server: Server,
    conn: RawConn,
    sub: RawConn,
    marks: u64,
}

impl Side {
    fn new(name: &'static str, server: Server, flags: &str) -> Side {
        let mut conn = server.raw();
        let mut sub = server.raw();
        let r = conn.cmd(&["CONFIG", "SET", "notify-keyspace-events", flags]);
        assert_eq!(
            r, b"+OK\r\n",
            "{name}: CONFIG SET notify-keyspace-events {flags}"
        );
        let r = conn.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        assert_eq!(r, b"+OK\r\n", "{name}: DEBUG SET-ACTIVE-EXPIRE 0");
        let raw = sub.cmd(&["PSUBSCRIBE", "__key*@*__:*"]);
        let r = parse_reply(&raw);
        let ok = matches!(
            r.as_ref().ok().and_then(|r| r.as_array()),
            Some([Reply::Bulk(k), ..]) if k == b"psubscribe"
        );
        assert!(ok, "{name}: PSUBSCRIBE answered {}", escape(&raw));
        Side {
            name,
            _server: server,
            conn,
            sub,
            marks: 0,
        }
    }

    /// Runs a step and returns the messages it caused.
    fn step(&mut self, step: &Step) -> Vec<Message> {
        match step {
            Step::Cmd(args) => {
                self.conn.cmd(args);
            }
            Step::Sleep(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        }
        self.until_mark()
    }

    /// Publishes a marker and returns what the subscriber got before it.
    fn until_mark(&mut self) -> Vec<Message> {
        self.marks += 1;
        let mark = self.marks.to_string();
        let r = self.conn.cmd(&["PUBLISH", "__keymark@0__:m", &mark]);
        assert_eq!(r, b":1\r\n", "{}: PUBLISH of marker {mark}", self.name);
        let mut got = Vec::new();
        loop {
            let raw = self
                .sub
                .try_read_reply()
                .unwrap_or_else(|e| panic!("{}: waiting for marker {mark}: {e}", self.name));
            let reply = parse_reply(&raw).unwrap_or_else(|e| panic!("{}: {e}", self.name));
            let msg = match reply.as_array() {
                Some([Reply::Bulk(kind), Reply::Bulk(_), Reply::Bulk(ch), Reply::Bulk(m)])
                    if kind == b"pmessage" =>
                {
                    (ch.clone(), m.clone())
                }
                _ => panic!("{}: unexpected push {}", self.name, escape(&raw)),
            };
            if msg.0.starts_with(b"__keymark@") {
                assert_eq!(
                    msg.1,
                    mark.as_bytes(),
                    "{}: markers out of order",
                    self.name
                );
                return got;
            }
            got.push(msg);
        }
    }
}

fn show(msgs: &[Message]) -> String {
    let v: Vec<String> = msgs
        .iter()
        .map(|(c, m)| format!("{} {}", escape(c), escape(m)))
        .collect();
    format!("[{}]", v.join(", "))
}

fn show_step(step: &Step) -> String {
    match step {
        Step::Cmd(args) => args.iter().map(|a| escape(a)).collect::<Vec<_>>().join(" "),
        Step::Sleep(ms) => format!("(sleep {ms} ms)"),
    }
}

/// Runs `steps` on shardis (started with `shardis_args`) and on redis
/// under `flags`, comparing the messages of every step.
fn compare(label: &str, shardis_args: &[&str], flags: &str, steps: &[Step]) {
    let mut args = vec!["--enable-debug-command", "yes"];
    args.extend_from_slice(shardis_args);
    let mut shardis = Side::new("shardis", common::start_shardis(&args), flags);
    let mut redis = Side::new(
        "redis",
        common::start_redis(&["--enable-debug-command", "yes"]),
        flags,
    );
    let mut history: Vec<String> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let want = redis.step(step);
        let got = shardis.step(step);
        history.push(show_step(step));
        if got != want {
            let from = history.len().saturating_sub(8);
            panic!(
                "{label} (flags {flags:?}), step {i}: {}\n  redis:   {}\n  shardis: {}\n  previous steps:\n    {}",
                show_step(step),
                show(&want),
                show(&got),
                history[from..history.len() - 1].join("\n    ")
            );
        }
    }
}

/// Every write command family, lazy and active expiry, two databases.
fn fixed_steps() -> Vec<Step> {
    let mut s: Vec<Step> = [
        // Strings.
        "SET k v",
        "SET k v EX 100",
        "SET k v KEEPTTL",
        "SET k v NX",
        "SET k v XX PX 100000",
        "SET k v GET",
        "SETNX k2 v",
        "SETEX k3 10 v",
        "PSETEX k3 10000 v",
        "GETSET k z",
        "GETEX k EX 100",
        "GETEX k PERSIST",
        "GETEX k PXAT 1",
        "GETDEL k2",
        "GETDEL k2",
        "MSET a 1 b 2 a 3",
        "MSETNX a 1 c 3",
        "MSETNX d 1 e 3",
        "APPEND ap x",
        "APPEND ap \"\"",
        "INCR i",
        "INCRBY i 5",
        "DECR i",
        "DECRBY i 2",
        "INCRBYFLOAT i 1.5",
        "SETRANGE sr 2 ab",
        "SETRANGE sr 0 \"\"",
        "GET nothing",
        // Keys.
        "DEL a x b",
        "UNLINK c y",
        "SET k v",
        "EXPIRE k 100",
        "EXPIRE k 100 NX",
        "PEXPIRE k 100000",
        "EXPIREAT k 99999999999",
        "PERSIST k",
        "PERSIST k",
        "EXPIRE k -1",
        "SET k v",
        "RENAME k k2",
        "SET k3 v",
        "RENAME k2 k3",
        "RENAMENX k3 k4",
        "MOVE k4 1",
        "COPY k3 c3",
        "COPY k3 c3 REPLACE",
        "COPY k3 c3 DB 2",
        "SELECT 1",
        "SET k4 again",
        "DEL k4",
        "SELECT 0",
        // Lists.
        "LPUSH l a b",
        "RPUSH l c",
        "LPUSHX l d",
        "RPUSHX nx d",
        "LPOP l",
        "RPOP l 2",
        "RPUSH l a b c a",
        "LSET l 0 z",
        "LINSERT l BEFORE b y",
        "LREM l 0 a",
        "LTRIM l 0 1",
        "LMOVE l l LEFT RIGHT",
        "LMOVE l m RIGHT LEFT",
        "RPOPLPUSH l m",
        "LMPOP 2 x m LEFT COUNT 5",
        "RPUSH l 1",
        "BLPOP l 1",
        "RPUSH l 1 2",
        "BLMOVE l l2 LEFT RIGHT 1",
        "BRPOP l 1",
        // Hashes.
        "HSET h a 1 b 2",
        "HMSET h c 3",
        "HSETNX h a 1",
        "HSETNX h z 1",
        "HINCRBY h n 1",
        "HINCRBYFLOAT h f 1.5",
        "HDEL h a b c z n f",
        // Sets.
        "SADD s a b c",
        "SREM s a",
        "SPOP s 0",
        "SMOVE s t b",
        "SMOVE s t c",
        "SADD u c",
        "SINTERSTORE d t u",
        "SUNIONSTORE d t u",
        "SDIFFSTORE d t u",
        "SPOP t 5",
        // Sorted sets.
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZADD z 1 a",
        "ZADD z INCR 2 a",
        "ZINCRBY z 1 b",
        "ZREM z x e",
        "ZREMRANGEBYSCORE z 1 1",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYLEX z - [a",
        "ZPOPMIN z",
        "ZADD y 1 a",
        "ZUNIONSTORE zd 2 z y",
        "ZINTERSTORE zd 2 z y",
        "ZDIFFSTORE zd 1 z",
        "ZRANGESTORE zd z 0 -1",
        "ZMPOP 1 z MAX COUNT 10",
        "BZPOPMIN y 1",
        // Bitmaps, HyperLogLog, SORT.
        "SETBIT bits 7 1",
        "SETBIT bits 7 1",
        "BITFIELD bf SET u8 0 1 INCRBY u8 0 1",
        "BITOP NOT bo bits",
        "BITOP AND bo none",
        "PFADD p a b",
        "PFADD p a",
        "PFMERGE p2 p",
        "RPUSH sl 3 1 2",
        "SORT sl STORE ss",
        "SORT none STORE ss",
        // Databases: no events.
        "SWAPDB 0 1",
        "SWAPDB 0 1",
        "FLUSHDB",
        // Lazy expiry: found expired when touched.
        "SET e1 v PX 50",
        "RPUSH e2 a",
        "PEXPIRE e2 50",
        "SET e3 v PXAT 1",
    ]
    .iter()
    .map(|l| cmd(l))
    .collect();
    s.push(Step::Sleep(150));
    s.extend(
        ["GET e1", "LPUSH e2 b", "EXISTS e3", "TTL e1"]
            .iter()
            .map(|l| cmd(l)),
    );
    // Active expiry: removed by the cron, no command touches the key.
    s.push(cmd("DEBUG SET-ACTIVE-EXPIRE 1"));
    // (One key per wait: the order in which a cycle meets keys is the
    // hash tables'.)
    s.push(cmd("SET e4 v PX 50"));
    s.push(Step::Sleep(1000));
    s.push(cmd("HSET e5 f v"));
    s.push(cmd("PEXPIRE e5 50"));
    s.push(Step::Sleep(1000));
    s.push(cmd("DEBUG SET-ACTIVE-EXPIRE 0"));
    s
}

#[test]
fn fixed_sequence_all_events() {
    compare("fixed", &[], "KEA", &fixed_steps());
}

#[test]
fn fixed_sequence_flag_subsets() {
    for flags in ["Kx", "Eg$", "KEAn"] {
        compare("fixed", &[], flags, &fixed_steps());
    }
}

#[test]
fn fixed_sequence_four_shards() {
    compare(
        "fixed, 4 shards",
        &["--threads", "4"],
        "KEA",
        &fixed_steps(),
    );
}

/// Seeded random sequences (the differential generator's write and read
/// commands over all types), without what would make the two servers'
/// keyspaces or events differ for reasons of their own: SPOP (random
/// members), RANDOMKEY and SCAN (which keys they meet, and so expire,
/// depends on the hash tables), blocking commands and guarded ops.
fn random_steps(seed: u64, n: usize) -> Vec<Step> {
    let families = [
        Family::Strings,
        Family::Bits,
        Family::Keys,
        Family::Expire,
        Family::Db,
        Family::Types,
        Family::Lists,
        Family::Hashes,
        Family::Sets,
        Family::Zsets,
        Family::Hll,
        Family::Sort,
    ];
    gen::sequence(seed, &families, n * 2)
        .into_iter()
        .filter(|op| {
            let name = op.args[0].to_ascii_uppercase();
            op.guard.is_none()
                && !gen::types::is_blocking(&name)
                && !matches!(&name[..], b"SPOP" | b"RANDOMKEY" | b"SCAN")
        })
        .take(n)
        .map(|op| Step::Cmd(op.args))
        .collect()
}

#[test]
fn random_sequences() {
    for seed in [1u64, 2, 3] {
        compare(
            &format!("random seed {seed}"),
            &[],
            "KEA",
            &random_steps(seed, 1500),
        );
    }
}

#[test]
fn random_sequences_four_shards() {
    for seed in [4u64, 5] {
        compare(
            &format!("random seed {seed}, 4 shards"),
            &["--threads", "4"],
            "KEA",
            &random_steps(seed, 1500),
        );
    }
}
