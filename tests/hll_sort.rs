//! HyperLogLog and SORT compared byte for byte with a real redis-server, on
//! one shard and on four (multi-key PFCOUNT/PFMERGE then span shards).
//!
//! SORT patterns are only visible on the sorted key's shard, so the SORT
//! cases use hash-tagged keys (`{u}...`), as Redis Cluster requires.

mod common;

use common::{RawConn, Server};

/// Runs each command on both servers and asserts identical replies.
struct Pair {
    redis: RawConn,
    shardis: RawConn,
}

impl Pair {
    fn new(redis: &Server, shardis: &Server) -> Pair {
        Pair {
            redis: redis.raw(),
            shardis: shardis.raw(),
        }
    }

    fn both<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        let a = self.redis.cmd(args);
        let b = self.shardis.cmd(args);
        assert_eq!(
            String::from_utf8_lossy(&b),
            String::from_utf8_lossy(&a),
            "reply differs for {:?}",
            args.iter()
                .take(24)
                .map(|x| String::from_utf8_lossy(x.as_ref()).into_owned())
                .collect::<Vec<_>>()
        );
        a
    }

    /// Whether shardis knows `name` (collection commands may be missing).
    fn knows(&mut self, name: &str) -> bool {
        let r = self.shardis.cmd(&["COMMAND", "INFO", name]);
        // An unknown name gives a one-element array holding a nil.
        !(r.starts_with(b"*1\r\n$-1") || r.starts_with(b"*1\r\n*-1") || r.starts_with(b"*1\r\n_"))
    }
}

fn servers(threads: &str) -> Option<(Server, Server)> {
    if !common::redis_available() {
        eprintln!("no redis-server to compare with: skipped");
        return None;
    }
    Some((
        common::start_redis(&[]),
        common::start_shardis(&["--threads", threads]),
    ))
}

/// A deterministic pseudo-random sequence (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn hll_cases(p: &mut Pair) {
    p.both(&["FLUSHALL"]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let sizes = [1usize, 3, 20, 150, 400, 900, 2500, 6000, 20000];
    for (n, &size) in sizes.iter().enumerate() {
        let key = format!("hll{n}");
        let mut batch: Vec<String> = Vec::new();
        for _ in 0..size {
            batch.push(format!("el:{}", rng.next() % (size as u64 * 2)));
            if batch.len() == 50 {
                let mut args = vec!["PFADD".to_string(), key.clone()];
                args.append(&mut batch);
                p.both(&args);
                if rng.next().is_multiple_of(4) {
                    p.both(&["PFCOUNT", &key]);
                }
            }
        }
        let mut args = vec!["PFADD".to_string(), key.clone()];
        args.append(&mut batch);
        p.both(&args);
        p.both(&["GET", &key]);
        p.both(&["PFCOUNT", &key]);
        p.both(&["GET", &key]);
        p.both(&["PFDEBUG", "ENCODING", &key]);
    }
    let all: Vec<String> = (0..sizes.len()).map(|n| format!("hll{n}")).collect();
    let mut args = vec!["PFCOUNT".to_string()];
    args.extend(all.iter().cloned());
    p.both(&args);
    p.both(&["PFCOUNT", "hll1", "hll2", "hll3", "absent"]);
    p.both(&["PFMERGE", "m1", "hll1", "hll2", "hll3"]);
    p.both(&["GET", "m1"]);
    p.both(&["PFCOUNT", "m1"]);
    let mut args = vec!["PFMERGE".to_string(), "m2".to_string()];
    args.extend(all.iter().cloned());
    p.both(&args);
    p.both(&["GET", "m2"]);
    p.both(&["PFCOUNT", "m2"]);
    // Destination that already exists (and is one of the sources).
    p.both(&["PFMERGE", "hll0", "hll4"]);
    p.both(&["GET", "hll0"]);
    p.both(&["PFMERGE", "hll2", "hll7"]);
    p.both(&["GET", "hll2"]);
    p.both(&["PFDEBUG", "DECODE", "hll3"]);
    p.both(&["PFDEBUG", "GETREG", "hll3"]);
    p.both(&["GET", "hll3"]);
    p.both(&["PFDEBUG", "TODENSE", "hll4"]);
    p.both(&["PFDEBUG", "TODENSE", "hll4"]);
    p.both(&["PFDEBUG", "NOPE", "hll4"]);
    p.both(&["PFDEBUG", "ENCODING", "absent"]);
    // Strings that are not HLLs, and corrupt ones.
    p.both(&["SET", "str", "hello"]);
    p.both(&["SET", "int", "1234"]);
    for k in ["str", "int"] {
        p.both(&["PFADD", k, "a"]);
        p.both(&["PFCOUNT", k]);
        p.both(&["PFCOUNT", k, "hll1"]);
        p.both(&["PFMERGE", "dst", k]);
    }
    let mut bad = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80".to_vec();
    bad.extend_from_slice(b"\x7f\xfe");
    p.both(&[&b"SET"[..], b"bad", &bad]);
    p.both(&["PFCOUNT", "bad"]);
    p.both(&["PFCOUNT", "bad", "hll1"]);
    p.both(&["PFMERGE", "dst", "bad"]);
    p.both(&["PFDEBUG", "TODENSE", "bad"]);
    // A sparse HLL moved between the servers keeps working.
    let v = p.redis.cmd(&["GET", "hll5"]);
    let body = v.splitn(2, |&b| b == b'\n').nth(1).unwrap();
    let body = &body[..body.len() - 2];
    p.both(&[&b"SET"[..], b"copy", body]);
    p.both(&["PFADD", "copy", "x1", "x2", "x3", "x4"]);
    p.both(&["GET", "copy"]);
    p.both(&["PFCOUNT", "copy"]);
    p.both(&["OBJECT", "ENCODING", "copy"]);
    // A smaller sparse limit promotes sooner.
    p.both(&["CONFIG", "SET", "hll-sparse-max-bytes", "200"]);
    let mut args = vec!["PFADD".to_string(), "small".to_string()];
    args.extend((0..120).map(|i| format!("s{i}")));
    p.both(&args);
    p.both(&["PFDEBUG", "ENCODING", "small"]);
    p.both(&["GET", "small"]);
    p.both(&["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]);
}

#[test]
fn hll_matches_redis_one_shard() {
    let Some((r, s)) = servers("1") else { return };
    hll_cases(&mut Pair::new(&r, &s));
}

#[test]
fn hll_matches_redis_four_shards() {
    let Some((r, s)) = servers("4") else { return };
    hll_cases(&mut Pair::new(&r, &s));
}

fn sort_cases(p: &mut Pair) {
    p.both(&["FLUSHALL"]);
    // Errors need no collection.
    p.both(&["SORT", "{u}none"]);
    p.both(&["SORT", "{u}none", "STORE", "{u}dst"]);
    p.both(&["SET", "{u}str", "x"]);
    p.both(&["SORT", "{u}str"]);
    p.both(&["SORT", "{u}str", "LIMIT", "1"]);
    p.both(&["SORT", "{u}str", "LIMIT", "x", "1"]);
    p.both(&["SORT_RO", "{u}none", "STORE", "{u}dst"]);
    if !p.knows("rpush") {
        eprintln!("shardis has no RPUSH yet: list SORT cases skipped");
        return;
    }
    p.both(&["RPUSH", "{u}l", "3", "1", "2", "10", "-4", "2.5", "1e3"]);
    p.both(&[
        "MSET", "{u}w_3", "30", "{u}w_1", "10", "{u}w_2", "20", "{u}w_10", "5", "{u}n_1", "one",
        "{u}n_2", "two", "{u}w_-4", "x",
    ]);
    for cmd in [
        "SORT {u}l",
        "SORT {u}l DESC",
        "SORT {u}l ALPHA",
        "SORT {u}l ALPHA DESC LIMIT 1 3",
        "SORT {u}l LIMIT 2 9223372036854775807",
        "SORT {u}l LIMIT -1 2",
        "SORT {u}l BY {u}w_*",
        "SORT {u}l BY {u}w_* ALPHA",
        "SORT {u}l BY {u}n_* ALPHA GET # GET {u}n_*",
        "SORT {u}l BY nosort",
        "SORT {u}l BY nosort DESC LIMIT 1 3",
        "SORT {u}l BY nosort GET {u}n_* GET #",
        "SORT_RO {u}l GET {u}w_*",
        "SORT {u}l STORE {u}dst",
        "LRANGE {u}dst 0 -1",
        "SORT {u}l GET {u}n_* STORE {u}dst",
        "LRANGE {u}dst 0 -1",
        "SORT {u}l LIMIT 0 0 STORE {u}dst",
        "EXISTS {u}dst",
    ] {
        let args: Vec<&str> = cmd.split(' ').collect();
        p.both(&args);
    }
    p.both(&["RPUSH", "{u}words", "b", "a"]);
    p.both(&["SORT", "{u}words"]);
    p.both(&["SORT", "{u}words", "STORE", "{u}dst"]);
    p.both(&["SORT", "{u}l", "BY", "{u}w_*", "STORE", "{u}dst"]);
    p.both(&["DEL", "{u}w_-4"]);
    // Random lists, weights and options.
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..40 {
        let key = format!("{{u}}r{round}");
        let n = 1 + rng.next() % 30;
        let mut args = vec!["RPUSH".to_string(), key.clone()];
        for _ in 0..n {
            let e = match rng.next() % 4 {
                0 => format!("{}", rng.next() % 50),
                1 => format!("-{}.{}", rng.next() % 9, rng.next() % 100),
                2 => format!("{}e{}", rng.next() % 9, rng.next() % 5),
                _ => format!("{}", (rng.next() % 2000) as i64 - 1000),
            };
            args.push(e.clone());
            if !rng.next().is_multiple_of(3) {
                let w = format!("{}", (rng.next() % 10) as i64 - 5);
                p.both(&["SET", &format!("{{u}}wt_{e}"), &w]);
            }
        }
        p.both(&args);
        let mut sort = vec!["SORT".to_string(), key.clone()];
        if rng.next().is_multiple_of(2) {
            sort.extend(["BY".to_string(), "{u}wt_*".to_string()]);
        }
        if rng.next().is_multiple_of(3) {
            sort.push("ALPHA".to_string());
        }
        if rng.next().is_multiple_of(2) {
            sort.push("DESC".to_string());
        }
        // Redis orders ALPHA ties among BY values with an unstable partial
        // sort when LIMIT is given; that order is not reproduced.
        let by_alpha = sort.iter().any(|a| a == "BY") && sort.iter().any(|a| a == "ALPHA");
        if !by_alpha && rng.next().is_multiple_of(2) {
            let a = (rng.next() % 12) as i64 - 2;
            let b = (rng.next() % 12) as i64 - 2;
            sort.extend(["LIMIT".to_string(), a.to_string(), b.to_string()]);
        }
        if rng.next().is_multiple_of(2) {
            sort.extend(["GET".to_string(), "#".to_string()]);
            sort.extend(["GET".to_string(), "{u}wt_*".to_string()]);
        }
        p.both(&sort);
        sort.extend(["STORE".to_string(), "{u}out".to_string()]);
        p.both(&sort);
        p.both(&["LRANGE", "{u}out", "0", "-1"]);
    }
    if p.knows("hset") {
        p.both(&["HSET", "{u}h_1", "f", "z"]);
        p.both(&["HSET", "{u}h_2", "f", "y"]);
        p.both(&["HSET", "{u}h_10", "g", "w"]);
        p.both(&[
            "SORT",
            "{u}l",
            "BY",
            "{u}h_*->f",
            "ALPHA",
            "GET",
            "{u}h_*->f",
            "GET",
            "#",
        ]);
        p.both(&["SORT", "{u}l", "BY", "{u}h_*->", "GET", "{u}h_*->g"]);
    }
    if p.knows("sadd") {
        p.both(&["SADD", "{u}s", "5", "3", "9", "1"]);
        p.both(&["SORT", "{u}s"]);
        p.both(&["SORT", "{u}s", "BY", "nosort", "STORE", "{u}dst"]);
        p.both(&["LRANGE", "{u}dst", "0", "-1"]);
        p.both(&["SORT", "{u}s", "DESC", "GET", "{u}w_*"]);
    }
    if p.knows("zadd") {
        p.both(&["ZADD", "{u}z", "3", "a", "1", "b", "2", "c", "2", "d"]);
        p.both(&["SORT", "{u}z", "BY", "nosort"]);
        p.both(&["SORT", "{u}z", "BY", "nosort", "DESC", "LIMIT", "1", "2"]);
        p.both(&["SORT", "{u}z", "ALPHA"]);
        p.both(&["SORT", "{u}z"]);
    }
}

#[test]
fn sort_matches_redis_one_shard() {
    let Some((r, s)) = servers("1") else { return };
    sort_cases(&mut Pair::new(&r, &s));
}

#[test]
fn sort_matches_redis_four_shards() {
    let Some((r, s)) = servers("4") else { return };
    sort_cases(&mut Pair::new(&r, &s));
}
