//! Hash and set commands against the real binary, with 1 and 4 shards,
//! compared reply for reply with a reference redis-server. Multi-key set
//! commands use keys on different shards. Replies whose order is arbitrary
//! in Redis (hashtable encodings, random picks) are compared as sorted
//! lines or by shape.

mod common;

use shardis::shard::slots::{key_slot, SlotMap};

/// Commands whose replies must match Redis byte for byte. `{a}`, `{b}`,
/// `{c}` are replaced by keys that live on different shards.
const EXACT: &[&str] = &[
    "hset h a 1 b 2 c 3",
    "hgetall h",
    "hkeys h",
    "hvals h",
    "hmget h a x c",
    "hincrby h c 5",
    "hincrbyfloat h f 0.1",
    "hincrbyfloat h f 0.2",
    "hincrbyfloat hf f 1e400",
    "hincrbyfloat h x inf",
    "hstrlen h f",
    "hsetnx h a 9",
    "hdel h a zz",
    "hscan h 0 match f*",
    "hrandfield h 100 withvalues",
    "hrandfield h -9223372036854775808",
    "hrandfield h 4611686018427387904 withvalues",
    "object encoding h",
    "sadd {a} 1 2 3 4",
    "sadd {b} 2 3 4 5",
    "sadd {c} 3 4 9",
    "smembers {a}",
    "sinter {a} {b} {c}",
    "sintercard 3 {a} {b} {c} limit 1",
    "sintercard 3 {a} {b} {c}",
    "sinterstore {d} {a} {b} {c}",
    "smembers {d}",
    "object encoding {d}",
    "sunionstore {d} {a} {b} {c}",
    "smembers {d}",
    "sdiffstore {d} {a} {b}",
    "smembers {d}",
    "sunion {a} {c}",
    "sdiff {a} {b} {c}",
    "smove {a} {c} 1",
    "smove {a} {c} 1",
    "smembers {c}",
    "smove {a} {e} 2",
    "smembers {e}",
    "scard {a}",
    "smismember {a} 1 2 3 4",
    "srandmember {a} -9223372036854775808",
    "srandmember {a} 100",
    "spop {a} 0",
    "set str x",
    "smove {a} str 3",
    "sinterstore {d} {a} str",
    "sinterstore {d} nokey {a}",
    "exists {d}",
    "spop {c} 100",
    "exists {c}",
];

fn shard_of(key: &str, shards: usize) -> usize {
    SlotMap::new(shards).shard_of_slot(key_slot(key.as_bytes()))
}

/// Keys `k0`, `k1`... chosen so that consecutive ones are on different
/// shards.
fn spread_keys(shards: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while out.len() < 5 {
        let k = format!("k{i}");
        if shards == 1
            || out
                .last()
                .is_none_or(|o| shard_of(o, shards) != shard_of(&k, shards))
        {
            out.push(k);
        }
        i += 1;
    }
    out
}

fn expand(line: &str, keys: &[String]) -> Vec<String> {
    line.split(' ')
        .map(|t| match t {
            "{a}" => keys[0].clone(),
            "{b}" => keys[1].clone(),
            "{c}" => keys[2].clone(),
            "{d}" => keys[3].clone(),
            "{e}" => keys[4].clone(),
            t => t.to_string(),
        })
        .collect()
}

fn compare_with_redis(threads: &str) {
    if !common::redis_available() {
        eprintln!("no reference redis-server; skipped");
        return;
    }
    let shardis = common::start_shardis(&["--threads", threads]);
    let redis = common::start_redis(&[]);
    let (mut s, mut r) = (shardis.raw(), redis.raw());
    let keys = spread_keys(threads.parse().unwrap());
    for line in EXACT {
        let args = expand(line, &keys);
        let (got, want) = (s.cmd(&args), r.cmd(&args));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{line} ({threads} shards)"
        );
    }
}

/// Commands compared over RESP3 (after `HELLO 3`), where Redis picks
/// between arrays, sets and maps per command.
const EXACT_RESP3: &[&str] = &[
    "sadd {a} 1 2 3 4",
    "srandmember {a} 100",
    "srandmember {a} 0",
    "srandmember nokey 3",
    "smembers {a}",
    "smembers nokey",
    "sinter {a} nokey",
    "sunion {a}",
    "sdiff {a}",
    "spop {a} 0",
    "spop nokey 2",
    "hset h a 1",
    "hgetall h",
    "hgetall nokey",
    "hrandfield h 5",
    "hrandfield h 5 withvalues",
    "hrandfield h -1 withvalues",
    "hrandfield nokey 2 withvalues",
    "hscan nokey 0 count 0",
    "sscan nokey 0 garbage",
    "spop {a} 100",
];

fn compare_with_redis_resp3(threads: &str) {
    if !common::redis_available() {
        eprintln!("no reference redis-server; skipped");
        return;
    }
    let shardis = common::start_shardis(&["--threads", threads]);
    let redis = common::start_redis(&[]);
    let (mut s, mut r) = (shardis.raw(), redis.raw());
    let hello = vec!["HELLO".to_string(), "3".to_string()];
    s.cmd(&hello);
    r.cmd(&hello);
    let keys = spread_keys(threads.parse().unwrap());
    for line in EXACT_RESP3 {
        let args = expand(line, &keys);
        let (got, want) = (s.cmd(&args), r.cmd(&args));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{line} (RESP3, {threads} shards)"
        );
    }
}

#[test]
fn resp3_replies_match_redis() {
    compare_with_redis_resp3("1");
    compare_with_redis_resp3("4");
}

#[test]
fn replies_match_redis_one_shard() {
    compare_with_redis("1");
}

#[test]
fn replies_match_redis_four_shards() {
    compare_with_redis("4");
}

#[test]
fn large_sets_and_hashes_across_shards() {
    let server = common::start_shardis(&["--threads", "4"]);
    let mut c = server.raw();
    let keys = spread_keys(4);
    let (a, b, d) = (&keys[0], &keys[1], &keys[3]);
    for i in 0..1000 {
        c.cmd(&["sadd", a, &format!("m{i}")]);
        if i % 2 == 0 {
            c.cmd(&["sadd", b, &format!("m{i}")]);
        }
        c.cmd(&["hset", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    assert_eq!(c.cmd(&["object", "encoding", a]), b"$9\r\nhashtable\r\n");
    assert_eq!(
        c.cmd(&["object", "encoding", "big"]),
        b"$9\r\nhashtable\r\n"
    );
    assert_eq!(c.cmd(&["sinterstore", d, a, b]), b":500\r\n");
    assert_eq!(c.cmd(&["sdiffstore", d, a, b]), b":500\r\n");
    assert_eq!(c.cmd(&["sunionstore", d, a, b]), b":1000\r\n");
    assert_eq!(c.cmd(&["smove", a, b, "m1"]), b":1\r\n");
    assert_eq!(c.cmd(&["scard", b]), b":501\r\n");
    // SSCAN and HSCAN return every element.
    for (cmd, key, n) in [("sscan", a.as_str(), 999usize), ("hscan", "big", 2000)] {
        let mut cursor = b"0".to_vec();
        let mut seen = std::collections::HashSet::new();
        loop {
            let reply = c.cmd(&[cmd.as_bytes(), key.as_bytes(), &cursor, b"count", b"20"]);
            let text = String::from_utf8(reply).unwrap();
            let parts: Vec<&str> = text.split("\r\n").collect();
            cursor = parts[2].as_bytes().to_vec();
            for p in parts.iter().skip(5).step_by(2) {
                if !p.is_empty() {
                    seen.insert(p.to_string());
                }
            }
            if cursor == b"0" {
                break;
            }
        }
        assert_eq!(seen.len(), n, "{cmd}");
    }
}
