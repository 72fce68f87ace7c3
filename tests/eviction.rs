//! `maxmemory` and the eviction policies against the real server binary,
//! with 2 and 4 shards: memory stays at the limit, the keys evicted are the
//! ones the policy picks (statistically, as Redis' own tests check it),
//! volatile policies spare persistent keys, `noeviction` refuses writes
//! with Redis' error, and OBJECT FREQ / IDLETIME answer as redis-server.
//!
//! The limit is set at run time (CONFIG SET) to the server's memory at rest
//! plus [`BUDGET`], so that it does not depend on the fixed overhead of a
//! build or of the number of shards.

mod common;

use std::collections::HashSet;
use std::thread::sleep;
use std::time::Duration;

use common::{start_redis, start_shardis, Server};
use shardis::shard::slots::SlotMap;

/// Memory allowed for the data set above the server's memory at rest.
const BUDGET: u64 = 3 << 20;
/// Size of every value: about 1450 keys fit in [`BUDGET`].
const VALUE_LEN: usize = 2000;
/// Commands per pipeline (keeps input buffers small next to the budget).
const BATCH: usize = 20;
/// Keys written before the access pattern is set up.
const BASE: usize = 600;
/// Upper bound of keys written while filling, whatever happens.
const MAX_FILL: usize = 6000;

fn info_field(con: &mut redis::Connection, section: &str, field: &str) -> u64 {
    let info: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("INFO {section} has no numeric {field}"))
}

fn used_memory(con: &mut redis::Connection) -> u64 {
    info_field(con, "memory", "used_memory")
}

fn evicted_keys(con: &mut redis::Connection) -> u64 {
    info_field(con, "stats", "evicted_keys")
}

fn config_set(con: &mut redis::Connection, name: &str, value: &str) {
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg(name)
        .arg(value)
        .query(con)
        .unwrap_or_else(|e| panic!("CONFIG SET {name} {value}: {e}"));
}

/// A shardis with `threads` shards, `policy`, and `maxmemory` set to its
/// memory at rest plus [`BUDGET`]. Returns the server, a connection and the
/// limit.
fn setup(threads: usize, policy: &str) -> (Server, redis::Connection, u64, u64) {
    let server = start_shardis(&["--threads", &threads.to_string()]);
    let mut con = server.client();
    config_set(&mut con, "maxmemory-policy", policy);
    let rest = used_memory(&mut con);
    let limit = rest + BUDGET;
    config_set(&mut con, "maxmemory", &limit.to_string());
    (server, con, limit, rest)
}

fn value() -> Vec<u8> {
    vec![b'v'; VALUE_LEN]
}

/// Writes `keys`, each with `ttl` seconds if given, in pipelines.
fn write_keys(con: &mut redis::Connection, keys: &[String], ttl: impl Fn(usize) -> Option<u64>) {
    let v = value();
    for (n, chunk) in keys.chunks(BATCH).enumerate() {
        let mut p = redis::pipe();
        for (j, k) in chunk.iter().enumerate() {
            let c = p.cmd("SET").arg(k).arg(&v[..]);
            if let Some(t) = ttl(n * BATCH + j) {
                c.arg("EX").arg(t);
            }
            c.ignore();
        }
        let () = p.query(con).unwrap();
    }
}

/// Writes new keys `prefix:N` until `INFO evicted_keys` grew by `target`
/// (at most [`MAX_FILL`] keys). Returns the keys written.
fn fill_until_evicted(
    con: &mut redis::Connection,
    prefix: &str,
    target: u64,
    ttl: impl Fn(usize) -> Option<u64>,
) -> Vec<String> {
    let start = evicted_keys(con);
    let mut written = Vec::new();
    while written.len() < MAX_FILL {
        let from = written.len();
        let batch: Vec<String> = (from..from + BATCH)
            .map(|i| format!("{prefix}:{i}"))
            .collect();
        write_keys(con, &batch, |j| ttl(from + j));
        written.extend(batch);
        if evicted_keys(con) - start >= target {
            return written;
        }
    }
    panic!(
        "{} keys written and fewer than {target} evicted",
        written.len()
    );
}

/// Which of `keys` exist (EXISTS does not count as an access in the
/// checks: it runs after the eviction being checked).
fn existing(con: &mut redis::Connection, keys: &[String]) -> Vec<bool> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(100) {
        let mut p = redis::pipe();
        for k in chunk {
            p.cmd("EXISTS").arg(k);
        }
        let r: Vec<i64> = p.query(con).unwrap();
        out.extend(r.into_iter().map(|n| n == 1));
    }
    out
}

fn survival(flags: &[bool]) -> f64 {
    flags.iter().filter(|&&b| b).count() as f64 / flags.len().max(1) as f64
}

/// Memory once writes have settled: not above the limit by more than 5%
/// (the requirement), and in fact within 5% of the data budget around it.
fn check_memory(con: &mut redis::Connection, limit: u64, rest: u64, what: &str) -> u64 {
    sleep(Duration::from_millis(300));
    let used = used_memory(con);
    assert!(
        used as f64 <= limit as f64 * 1.05,
        "{what}: used_memory {used} over the limit {limit} by more than 5%"
    );
    let budget = (limit - rest) as f64;
    assert!(
        (used as f64 - limit as f64).abs() <= budget * 0.05,
        "{what}: used_memory {used} not within 5% of the {budget} data budget of the limit {limit}"
    );
    eprintln!(
        "{what}: used_memory {used}, limit {limit} ({:+.2}% of the limit, {:+.2}% of the data budget)",
        (used as f64 - limit as f64) * 100.0 / limit as f64,
        (used as f64 - limit as f64) * 100.0 / budget
    );
    used
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}:{i}")).collect()
}

/// LRU policies: keys read after a pause outlive keys that were not.
/// Eviction samples keys, so one run's survival rates vary (on a busy
/// 2-core host, hot-key survival of single runs was seen from 0.74 to
/// 0.95 with 4 shards): the scenario runs three times and the medians are
/// checked.
fn lru_quality(threads: usize, policy: &str) {
    let what = format!("{policy}, {threads} shards");
    let mut hot = Vec::new();
    let mut cold = Vec::new();
    for _ in 0..3 {
        let (h, c) = lru_scenario(threads, policy);
        hot.push(h);
        cold.push(c);
    }
    hot.sort_by(f64::total_cmp);
    cold.sort_by(f64::total_cmp);
    let (hot_s, cold_s) = (hot[1], cold[1]);
    eprintln!("{what}: median hot survival {hot_s:.3}, cold survival {cold_s:.3}");
    // redis-server 7.0 in this test: about 0.92 and 0.42; shardis 0.90 to
    // 0.95 and 0.30 to 0.40 (the LRU clock counts seconds: once the cold
    // keys are gone, the hot ones are the oldest).
    assert!(hot_s >= 0.8, "{what}: hot keys survived {hot_s}");
    assert!(cold_s <= 0.6, "{what}: cold keys survived {cold_s}");
    assert!(
        (1.0 - hot_s) * 3.0 <= 1.0 - cold_s,
        "{what}: hot keys evicted nearly as often as cold ones"
    );
}

/// One run of the LRU scenario: returns the survival rates of the keys
/// read after the pause (hot) and of the others (cold).
fn lru_scenario(threads: usize, policy: &str) -> (f64, f64) {
    let what = format!("{policy}, {threads} shards");
    let (_server, mut con, limit, rest) = setup(threads, policy);
    let volatile = policy.starts_with("volatile");
    let ttl = move |_| volatile.then_some(100_000);
    let persistent = names("persistent", 200);
    if volatile {
        write_keys(&mut con, &persistent, |_| None);
    }
    let base = names("base", BASE);
    write_keys(&mut con, &base, ttl);
    assert_eq!(
        evicted_keys(&mut con),
        0,
        "{what}: evicted before the limit"
    );
    // The LRU clock has a resolution of one second.
    sleep(Duration::from_millis(2200));
    let (hot, cold) = split_hot_cold(&base);
    for chunk in hot.chunks(100) {
        let mut p = redis::pipe();
        for k in chunk {
            p.cmd("GET").arg(k).ignore();
        }
        let () = p.query(&mut con).unwrap();
    }
    let written = fill_until_evicted(&mut con, "new", 250, ttl);
    check_memory(&mut con, limit, rest, &what);
    let hot_s = survival(&existing(&mut con, &hot));
    let cold_s = survival(&existing(&mut con, &cold));
    eprintln!("{what}: hot survival {hot_s:.3}, cold survival {cold_s:.3}");
    if volatile {
        assert_eq!(survival(&existing(&mut con, &persistent)), 1.0, "{what}");
    } else {
        // Every key written and not there any more was evicted (INFO
        // itself may make room: read the counter before and after).
        let before = evicted_keys(&mut con);
        let dbsize: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
        let after = evicted_keys(&mut con);
        let gone = (base.len() + written.len()) as u64 - dbsize;
        assert!(
            (before..=after).contains(&gone),
            "{what}: {gone} gone, {before}..{after} evicted"
        );
    }
    (hot_s, cold_s)
}

/// LFU policies: keys read often outlive keys read once.
fn lfu_scenario(threads: usize, policy: &str) {
    let what = format!("{policy}, {threads} shards");
    let (_server, mut con, limit, rest) = setup(threads, policy);
    let volatile = policy.starts_with("volatile");
    let ttl = move |_| volatile.then_some(100_000);
    let persistent = names("persistent", 200);
    if volatile {
        write_keys(&mut con, &persistent, |_| None);
    }
    let base = names("base", BASE);
    write_keys(&mut con, &base, ttl);
    let (hot, cold) = split_hot_cold(&base);
    for _ in 0..10 {
        for chunk in hot.chunks(100) {
            let mut p = redis::pipe();
            for k in chunk {
                p.cmd("GET").arg(k).ignore();
            }
            let () = p.query(&mut con).unwrap();
        }
    }
    let freq: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg(&hot[0])
        .query(&mut con)
        .unwrap();
    assert!(freq > 5, "{what}: OBJECT FREQ of a hot key is {freq}");
    let freq: i64 = redis::cmd("OBJECT")
        .arg("FREQ")
        .arg(&cold[0])
        .query(&mut con)
        .unwrap();
    assert_eq!(freq, 5, "{what}: OBJECT FREQ of a key never read");
    fill_until_evicted(&mut con, "new", 250, ttl);
    check_memory(&mut con, limit, rest, &what);
    let hot_s = survival(&existing(&mut con, &hot));
    let cold_s = survival(&existing(&mut con, &cold));
    eprintln!("{what}: hot survival {hot_s:.3}, cold survival {cold_s:.3}");
    assert!(
        hot_s >= 0.9,
        "{what}: frequently read keys survived {hot_s}"
    );
    // redis-server 7.0 in this test: 1.0 and 0.8 (new keys have the
    // same counter as the cold ones, and are evicted as often).
    assert!(
        (1.0 - hot_s) * 3.0 <= 1.0 - cold_s,
        "{what}: frequently read keys evicted nearly as often as others"
    );
    if volatile {
        assert_eq!(survival(&existing(&mut con, &persistent)), 1.0, "{what}");
    }
}

/// Random policies: old keys of every shard are evicted evenly, with no
/// regard to access.
fn random_scenario(threads: usize, policy: &str) {
    let what = format!("{policy}, {threads} shards");
    let (_server, mut con, limit, rest) = setup(threads, policy);
    let volatile = policy.starts_with("volatile");
    let ttl = move |_| volatile.then_some(100_000);
    let persistent = names("persistent", 200);
    if volatile {
        write_keys(&mut con, &persistent, |_| None);
    }
    let base = names("base", BASE);
    write_keys(&mut con, &base, ttl);
    let written = fill_until_evicted(&mut con, "new", 400, ttl);
    check_memory(&mut con, limit, rest, &what);
    let flags = existing(&mut con, &base);
    let (first, second) = flags.split_at(BASE / 2);
    let (a, b) = (survival(first), survival(second));
    eprintln!("{what}: survival of the two halves {a:.3} / {b:.3}");
    assert!((a - b).abs() <= 0.15, "{what}: halves survived {a} and {b}");
    assert!(a < 0.9 && b < 0.9, "{what}: base keys were hardly evicted");
    // Newer keys are evicted too (random, not oldest first).
    let new_s = survival(&existing(&mut con, &written[..written.len() / 2]));
    assert!(new_s < 1.0, "{what}: no new key evicted");
    // Every shard gave keys up.
    let map = SlotMap::new(threads);
    for s in 0..threads {
        let of_shard: Vec<bool> = base
            .iter()
            .zip(&flags)
            .filter(|(k, _)| map.shard_of_key(k.as_bytes()) == s)
            .map(|(_, &f)| f)
            .collect();
        let sv = survival(&of_shard);
        assert!(sv < 0.95, "{what}: shard {s} kept {sv} of its keys");
    }
    if volatile {
        assert_eq!(survival(&existing(&mut con, &persistent)), 1.0, "{what}");
    }
}

/// volatile-ttl: the keys nearest to expiry go first; persistent keys stay.
fn ttl_scenario(threads: usize) {
    let what = format!("volatile-ttl, {threads} shards");
    let (_server, mut con, limit, rest) = setup(threads, "volatile-ttl");
    let persistent = names("persistent", 200);
    write_keys(&mut con, &persistent, |_| None);
    // TTL ranks scrambled with respect to write order: key i has rank
    // (i * 7) % BASE (7 is prime to BASE).
    let rank = |i: usize| (i * 7) % BASE;
    let base = names("base", BASE);
    write_keys(&mut con, &base, |i| Some(10_000 + rank(i) as u64 * 10));
    fill_until_evicted(&mut con, "new", 200, |_| Some(50_000));
    check_memory(&mut con, limit, rest, &what);
    let flags = existing(&mut con, &base);
    let by_rank = |lo: usize, hi: usize| -> Vec<bool> {
        (0..BASE)
            .filter(|&i| (lo..hi).contains(&rank(i)))
            .map(|i| flags[i])
            .collect()
    };
    let nearest = survival(&by_rank(0, BASE / 4));
    let farthest = survival(&by_rank(BASE / 2, BASE));
    eprintln!("{what}: survival of the nearest quarter {nearest:.3}, farthest half {farthest:.3}");
    // redis-server 7.0 in this test: about 0.45 and 0.83 (random eviction
    // would leave about 0.75 of both).
    assert!(
        nearest <= 0.65,
        "{what}: nearest expiries survived {nearest}"
    );
    assert!(
        farthest >= 0.7,
        "{what}: farthest expiries survived {farthest}"
    );
    assert!(
        1.0 - nearest >= 1.5 * (1.0 - farthest),
        "{what}: nearest expiries not evicted first ({nearest} / {farthest})"
    );
    assert_eq!(survival(&existing(&mut con, &persistent)), 1.0, "{what}");
}

/// Even-numbered keys (to be read) and odd-numbered ones (left alone).
fn split_hot_cold(keys: &[String]) -> (Vec<String>, Vec<String>) {
    let hot = keys.iter().step_by(2).cloned().collect();
    let cold = keys.iter().skip(1).step_by(2).cloned().collect();
    (hot, cold)
}

#[test]
fn allkeys_lru_keeps_recently_read_keys() {
    for t in [2, 4] {
        lru_quality(t, "allkeys-lru");
    }
}

#[test]
fn volatile_lru_keeps_recently_read_and_persistent_keys() {
    for t in [2, 4] {
        lru_quality(t, "volatile-lru");
    }
}

#[test]
fn allkeys_lfu_keeps_frequently_read_keys() {
    for t in [2, 4] {
        lfu_scenario(t, "allkeys-lfu");
    }
}

#[test]
fn volatile_lfu_keeps_frequently_read_and_persistent_keys() {
    for t in [2, 4] {
        lfu_scenario(t, "volatile-lfu");
    }
}

#[test]
fn allkeys_random_evicts_evenly_on_every_shard() {
    for t in [2, 4] {
        random_scenario(t, "allkeys-random");
    }
}

#[test]
fn volatile_random_evicts_only_volatile_keys() {
    for t in [2, 4] {
        random_scenario(t, "volatile-random");
    }
}

#[test]
fn volatile_ttl_evicts_nearest_expiry_first() {
    for t in [2, 4] {
        ttl_scenario(t);
    }
}

const OOM: &[u8] = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n";

#[test]
fn noeviction_refuses_writes_but_serves_reads_and_deletes() {
    for threads in [2, 4] {
        let what = format!("noeviction, {threads} shards");
        let (server, mut con, limit, _rest) = setup(threads, "noeviction");
        let mut raw = server.raw();
        let v = value();
        let mut written = Vec::new();
        let mut refused = None;
        for i in 0..MAX_FILL {
            let k = format!("k:{i}");
            let r = raw.cmd(&[b"SET".as_slice(), k.as_bytes(), &v]);
            if r == OOM {
                refused = Some(k);
                break;
            }
            assert_eq!(r, b"+OK\r\n", "{what}");
            written.push(k);
        }
        let refused = refused.unwrap_or_else(|| panic!("{what}: no write refused"));
        let used = used_memory(&mut con);
        assert!(used as f64 > limit as f64 - BUDGET as f64 * 0.05);
        assert_eq!(evicted_keys(&mut con), 0, "{what}");
        // Buffers come and go: keep memory clearly over the limit while
        // checking what is refused.
        config_set(&mut con, "maxmemory", &(used - BUDGET / 8).to_string());
        // Nothing was evicted, writes stay refused, reads work.
        assert_eq!(survival(&existing(&mut con, &written)), 1.0, "{what}");
        assert_eq!(raw.cmd(&[b"SET".as_slice(), refused.as_bytes(), b"x"]), OOM);
        assert_eq!(raw.cmd(&["LPUSH", "list", "x"]), OOM);
        assert_eq!(raw.cmd(&["GET", "missing"]), b"$-1\r\n");
        let got = raw.cmd(&["GET", &written[0]]);
        assert!(got.starts_with(format!("${VALUE_LEN}\r\n").as_bytes()));
        // DEL is allowed and frees memory: writes work again.
        let mut n = 0;
        for k in written.iter().take(100) {
            assert_eq!(raw.cmd(&["DEL", k]), b":1\r\n");
            n += 1;
        }
        assert_eq!(n, 100);
        config_set(&mut con, "maxmemory", &limit.to_string());
        assert_eq!(raw.cmd(&["SET", "again", "x"]), b"+OK\r\n", "{what}");
        let errs: String = redis::cmd("INFO")
            .arg("errorstats")
            .query(&mut con)
            .unwrap();
        assert!(errs.contains("errorstat_OOM:count=3"), "{what}: {errs}");
    }
}

#[test]
fn policy_and_limit_change_at_run_time() {
    let (_server, mut con, limit, rest) = setup(2, "noeviction");
    let keys = names("k", 2000);
    // Fill far past the limit with no limit at all.
    config_set(&mut con, "maxmemory", "0");
    write_keys(&mut con, &keys, |_| None);
    assert!(used_memory(&mut con) > limit + BUDGET / 4);
    // Restoring the limit with an evicting policy brings memory down on
    // the next command (and the cron of each shard).
    config_set(&mut con, "maxmemory-policy", "allkeys-random");
    config_set(&mut con, "maxmemory", &limit.to_string());
    let _: String = redis::cmd("PING").query(&mut con).unwrap();
    sleep(Duration::from_millis(500));
    let _: String = redis::cmd("PING").query(&mut con).unwrap();
    check_memory(&mut con, limit, rest, "limit lowered at run time");
    assert!(evicted_keys(&mut con) > 0);
    let gone = existing(&mut con, &keys).iter().filter(|&&b| !b).count() as u64;
    assert_eq!(evicted_keys(&mut con), gone);
    let info: String = redis::cmd("INFO").arg("memory").query(&mut con).unwrap();
    assert!(info.contains("maxmemory_policy:allkeys-random\r\n"));
    assert!(info.contains(&format!("maxmemory:{limit}\r\n")));
}

/// OBJECT FREQ and IDLETIME, byte for byte against redis-server.
#[test]
fn object_freq_and_idletime_match_redis() {
    if !common::redis_available() {
        eprintln!("no redis-server: skipped");
        return;
    }
    let shardis = start_shardis(&["--threads", "2"]);
    let redis = start_redis(&[]);
    let mut out: Vec<Vec<Vec<u8>>> = Vec::new();
    for server in [&shardis, &redis] {
        let mut r = server.raw();
        let mut replies = Vec::new();
        {
            let mut run = |args: &[&str]| replies.push(r.cmd(args));
            // Errors under non-LFU policies, and the missing key.
            run(&["SET", "k", "v"]);
            run(&["OBJECT", "FREQ", "k"]);
            run(&["OBJECT", "FREQ", "nokey"]);
            run(&["OBJECT", "IDLETIME", "nokey"]);
            // Deterministic counting: factor 0 counts every access.
            run(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
            run(&["CONFIG", "SET", "lfu-log-factor", "0"]);
            run(&["SET", "f", "v"]);
            run(&["OBJECT", "FREQ", "f"]);
            for _ in 0..7 {
                run(&["GET", "f"]);
            }
            run(&["OBJECT", "FREQ", "f"]);
            // OBJECT itself is not an access; overwriting keeps the counter.
            run(&["OBJECT", "FREQ", "f"]);
            run(&["SET", "f", "w"]);
            run(&["OBJECT", "FREQ", "f"]);
            run(&["OBJECT", "IDLETIME", "f"]);
            // With a limit and an LRU/LFU policy, small integers are not
            // shared objects.
            run(&["SET", "n", "5"]);
            run(&["OBJECT", "REFCOUNT", "n"]);
            run(&["CONFIG", "SET", "maxmemory", "1gb"]);
            run(&["SET", "m", "5"]);
            run(&["OBJECT", "REFCOUNT", "m"]);
            run(&["INCR", "m"]);
            run(&["OBJECT", "REFCOUNT", "m"]);
            run(&["OBJECT", "FREQ", "m"]);
            run(&["CONFIG", "SET", "maxmemory", "0"]);
            run(&["CONFIG", "SET", "maxmemory-policy", "volatile-lru"]);
            run(&["OBJECT", "FREQ", "f"]);
            run(&["SET", "idle", "v"]);
        }
        out.push(replies);
    }
    assert_eq!(
        out[0].iter().map(|r| common::escape(r)).collect::<Vec<_>>(),
        out[1].iter().map(|r| common::escape(r)).collect::<Vec<_>>()
    );
    // Idle time counts seconds since the last access; OBJECT is none.
    sleep(Duration::from_millis(2300));
    let mut idle = Vec::new();
    for server in [&shardis, &redis] {
        let mut r = server.raw();
        let a = r.cmd(&["OBJECT", "IDLETIME", "idle"]);
        let b = r.cmd(&["OBJECT", "IDLETIME", "idle"]);
        r.cmd(&["GET", "idle"]);
        let c = r.cmd(&["OBJECT", "IDLETIME", "idle"]);
        idle.push((a, b, c));
    }
    for (a, b, c) in &idle {
        let n: i64 = std::str::from_utf8(&a[1..a.len() - 2])
            .unwrap()
            .parse()
            .unwrap();
        assert!((2..=4).contains(&n), "idle time {n}");
        assert_eq!(a, b);
        assert_eq!(c.as_slice(), b":0\r\n");
    }
    let keys: HashSet<_> = idle.iter().map(|(_, _, c)| c.clone()).collect();
    assert_eq!(keys.len(), 1);
}

/// The OOM error, and what is still allowed, against redis-server with a
/// limit nothing fits in.
#[test]
fn oom_replies_match_redis() {
    if !common::redis_available() {
        eprintln!("no redis-server: skipped");
        return;
    }
    let args = ["--maxmemory", "1", "--maxmemory-policy", "noeviction"];
    let shardis = start_shardis(&[&["--threads", "2"][..], &args[..]].concat());
    let redis = start_redis(&args);
    let mut out = Vec::new();
    for server in [&shardis, &redis] {
        let mut r = server.raw();
        let mut replies = Vec::new();
        for cmd in [
            &["SET", "a", "b"][..],
            &["GET", "a"],
            &["INCR", "n"],
            &["DEL", "a"],
            &["EXISTS", "a"],
            &["RPUSH", "l", "x"],
            &["HSET", "h", "f", "v"],
            &["EXPIRE", "a", "10"],
            &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
            &["SET", "a", "b"],
        ] {
            replies.push(common::escape(&r.cmd(cmd)));
        }
        out.push(replies);
    }
    assert_eq!(out[0], out[1]);
    assert_eq!(out[0][0], common::escape(OOM));
}
