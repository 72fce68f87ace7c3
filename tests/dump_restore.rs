//! DUMP and RESTORE across servers: values dumped by a real redis-server
//! are restored on shardis and the reverse, for every type and every
//! encoding Redis 7.0 produces; the restored values are compared with
//! redis' view. Error replies are compared byte for byte.

mod common;

use common::{RawConn, Server};

/// A bulk reply's payload (panics on other replies: test only).
fn bulk(reply: &[u8]) -> Vec<u8> {
    assert_eq!(
        reply.first(),
        Some(&b'$'),
        "{}",
        String::from_utf8_lossy(reply)
    );
    let nl = reply.iter().position(|&b| b == b'\n').unwrap();
    reply[nl + 1..reply.len() - 2].to_vec()
}

/// Commands showing a key's content, order-independent where the type is.
fn view(c: &mut RawConn, key: &str) -> Vec<String> {
    let t = String::from_utf8_lossy(&c.cmd(&["TYPE", key])).into_owned();
    let cmds: Vec<Vec<&str>> = match t.trim() {
        "+string" => vec![vec!["GET", key]],
        "+list" => vec![vec!["LRANGE", key, "0", "-1"]],
        "+set" => vec![vec!["SORT", key, "ALPHA"], vec!["SCARD", key]],
        "+hash" => vec![
            vec!["SORT", key, "BY", "nosort", "ALPHA"],
            vec!["HLEN", key],
        ],
        "+zset" => vec![vec!["ZRANGE", key, "0", "-1", "WITHSCORES"]],
        other => panic!("unexpected type {other}"),
    };
    let mut out = vec![t.clone()];
    for c2 in cmds {
        let r = c.cmd(&c2);
        out.push(String::from_utf8_lossy(&r).into_owned());
    }
    if t.trim() == "+hash" {
        // HGETALL sorted by pair.
        let r = c.cmd_parsed(&["HGETALL", key]);
        out.push(format!("{:?}", sorted_pairs(&r)));
    }
    out
}

fn sorted_pairs(r: &common::Reply) -> Vec<(Vec<u8>, Vec<u8>)> {
    let items: Vec<Vec<u8>> = match r {
        common::Reply::Array(v) => v
            .iter()
            .map(|x| x.as_bytes().unwrap_or_default().to_vec())
            .collect(),
        other => panic!("{other:?}"),
    };
    let mut pairs: Vec<_> = items
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    pairs.sort();
    pairs
}

fn populate(c: &mut RawConn, key: &str, cmds: &[Vec<String>]) {
    c.cmd(&["DEL", key]);
    for cmd in cmds {
        let mut a = cmd.clone();
        a.insert(1, key.to_string());
        let r = c.cmd(&a);
        assert!(
            !r.starts_with(b"-"),
            "{a:?}: {}",
            String::from_utf8_lossy(&r)
        );
    }
}

fn args(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

/// (name, commands to build it: the key goes after the command name).
fn cases() -> Vec<(&'static str, Vec<Vec<String>>)> {
    let many = |cmd: &str, n: usize, f: &dyn Fn(usize) -> String| -> Vec<String> {
        let mut v = vec![cmd.to_string()];
        for i in 0..n {
            v.push(f(i));
        }
        v
    };
    let compressible = "abc".repeat(100);
    let random: String = (0..300u32)
        .map(|i| char::from(b'!' + ((i.wrapping_mul(2654435761) >> 13) % 90) as u8))
        .collect();
    vec![
        ("int", vec![args("SET 12345")]),
        ("bigint", vec![args("SET 9223372036854775807")]),
        ("short", vec![args("SET hello")]),
        ("compressible", vec![vec!["SET".into(), compressible]]),
        ("random", vec![vec!["SET".into(), random.clone()]]),
        (
            "list_small",
            vec![args("RPUSH a 1 -5 300 70000 5000000000 bb")],
        ),
        (
            "list_large",
            vec![many("RPUSH", 3000, &|i| {
                format!("element-{i}-{}", "x".repeat(i % 50))
            })],
        ),
        (
            "list_big_elem",
            vec![vec!["RPUSH".into(), "x".repeat(20000), "y".into()]],
        ),
        ("intset_small", vec![args("SADD 1 2 3 -70000 5000000000")]),
        (
            "intset_large",
            vec![many("SADD", 1000, &|i| (i * 7).to_string())],
        ),
        ("set_ints_many", vec![many("SADD", 600, &|i| i.to_string())]),
        ("set_str_small", vec![args("SADD a b c 1")]),
        (
            "set_str_large",
            vec![many("SADD", 300, &|i| format!("m{i}"))],
        ),
        ("hash_small", vec![args("HSET f v n 12 neg -3")]),
        (
            "hash_large",
            vec![many("HSET", 400, &|i| {
                format!("f{}", i / 2 + (i % 2) * 1000)
            })],
        ),
        (
            "hash_long_value",
            vec![vec!["HSET".into(), "f".into(), "v".repeat(100)]],
        ),
        (
            "zset_small",
            vec![args("ZADD 1.5 a 2 b -3 c inf d -inf e 0.1 f")],
        ),
        (
            "zset_large",
            vec![many("ZADD", 400, &|i| {
                if i % 2 == 0 {
                    format!("{}.25", i)
                } else {
                    format!("z{i}")
                }
            })],
        ),
        (
            "zset_long_member",
            vec![vec!["ZADD".into(), "1".into(), "m".repeat(100)]],
        ),
    ]
}

fn both_ways(redis: &Server, shardis: &Server) {
    let mut r = redis.raw();
    let mut s = shardis.raw();
    for (name, cmds) in cases() {
        let src = format!("src:{name}");
        populate(&mut r, &src, &cmds);
        let want = view(&mut r, &src);
        let enc = r.cmd(&["OBJECT", "ENCODING", &src]);
        // redis -> shardis
        let payload = bulk(&r.cmd(&["DUMP", &src]));
        let dst = format!("dst:{name}");
        s.cmd(&["DEL", &dst]);
        let rep = s.cmd(&[b"RESTORE".as_slice(), dst.as_bytes(), b"0", &payload]);
        assert_eq!(rep, b"+OK\r\n", "{name}: {}", String::from_utf8_lossy(&rep));
        assert_eq!(view(&mut s, &dst), want, "{name}: redis -> shardis");
        let enc_s = s.cmd(&["OBJECT", "ENCODING", &dst]);
        if !name.starts_with("set_str") {
            assert_eq!(
                String::from_utf8_lossy(&enc_s),
                String::from_utf8_lossy(&enc),
                "{name}: encoding"
            );
        }
        // shardis -> redis
        let back = bulk(&s.cmd(&["DUMP", &dst]));
        // Same bytes, except where LZF output may differ (liblzf's exact
        // match choices are not reproduced), where the order is a hash
        // table's (types 2 and 4) or where the encodings differ.
        let lzf = payload.get(1) == Some(&0xc3);
        let ordered = matches!(payload[0], 0 | 5 | 11 | 16 | 17);
        if ordered && !lzf && !name.starts_with("set_str") {
            assert!(back == payload, "{name}: shardis writes what redis writes");
        }
        let rep = r.cmd(&[
            b"RESTORE".as_slice(),
            dst.as_bytes(),
            b"0",
            &back,
            b"REPLACE",
        ]);
        assert_eq!(rep, b"+OK\r\n", "{name}: {}", String::from_utf8_lossy(&rep));
        assert_eq!(view(&mut r, &dst), want, "{name}: shardis -> redis");
        if !name.starts_with("set_str") {
            assert_eq!(
                r.cmd(&["OBJECT", "ENCODING", &dst]),
                enc,
                "{name}: encoding on redis"
            );
        }
    }
}

#[test]
fn values_cross_both_ways() {
    let redis = common::start_redis(&[]);
    let shardis = common::start_shardis(&["--threads", "4"]);
    both_ways(&redis, &shardis);
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// An element: integers of every width, short and long strings.
    fn element(&mut self) -> String {
        match self.below(6) {
            0 => (self.below(200) as i64 - 100).to_string(),
            1 => (self.next() as i64).to_string(),
            2 => (self.below(1 << 20) as i64 - (1 << 19)).to_string(),
            3 => format!("s{}", self.below(1000)),
            4 => "q".repeat(self.below(90) as usize),
            _ => (0..self.below(40))
                .map(|_| char::from(b'a' + self.below(26) as u8))
                .collect(),
        }
    }
}

#[test]
fn random_values_cross_both_ways() {
    let redis = common::start_redis(&[]);
    let shardis = common::start_shardis(&["--threads", "4"]);
    let mut r = redis.raw();
    let mut s = shardis.raw();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..150 {
        let key = format!("rnd:{i}");
        let bound = if rng.below(4) == 0 { 700 } else { 20 };
        let n = 1 + rng.below(bound) as usize;
        let mut cmd: Vec<String> = match i % 5 {
            0 => vec!["SET".into(), key.clone(), rng.element()],
            1 => vec!["RPUSH".into(), key.clone()],
            2 => vec!["SADD".into(), key.clone()],
            3 => vec!["HSET".into(), key.clone()],
            _ => vec!["ZADD".into(), key.clone()],
        };
        if i % 5 != 0 {
            for _ in 0..n {
                match i % 5 {
                    3 => cmd.push(rng.element()),
                    4 => cmd.push(format!("{}", rng.below(1000) as f64 / 8.0 - 50.0)),
                    _ => {}
                }
                cmd.push(rng.element());
            }
        }
        assert!(!r.cmd(&cmd).starts_with(b"-"));
        let want = view(&mut r, &key);
        let payload = bulk(&r.cmd(&["DUMP", &key]));
        let rep = s.cmd(&[b"RESTORE".as_slice(), key.as_bytes(), b"0", &payload]);
        assert_eq!(rep, b"+OK\r\n", "{cmd:?}");
        assert_eq!(view(&mut s, &key), want, "{cmd:?}");
        let back = bulk(&s.cmd(&["DUMP", &key]));
        let copy = format!("copy:{i}");
        assert_eq!(
            r.cmd(&[b"RESTORE".as_slice(), copy.as_bytes(), b"0", &back]),
            b"+OK\r\n"
        );
        assert_eq!(view(&mut r, &copy), want, "{cmd:?}");
    }
}

#[test]
fn ttl_idletime_freq() {
    let redis = common::start_redis(&[]);
    let shardis = common::start_shardis(&["--threads", "4"]);
    let mut r = redis.raw();
    let mut s = shardis.raw();
    r.cmd(&["SET", "k", "v"]);
    let p = bulk(&r.cmd(&["DUMP", "k"]));
    for c in [&mut r, &mut s] {
        assert_eq!(
            c.cmd(&[b"RESTORE".as_slice(), b"t", b"100000", &p]),
            b"+OK\r\n"
        );
        assert_eq!(c.cmd(&["TTL", "t"]), b":100\r\n");
        assert_eq!(
            c.cmd(&[b"RESTORE".as_slice(), b"i", b"0", &p, b"IDLETIME", b"1000"]),
            b"+OK\r\n"
        );
        let idle = c.cmd_parsed(&["OBJECT", "IDLETIME", "i"]).as_int().unwrap();
        assert!((1000..1003).contains(&idle), "{idle}");
        assert_eq!(
            c.cmd(&[b"RESTORE".as_slice(), b"old", b"1000", &p, b"ABSTTL"]),
            b"+OK\r\n"
        );
        assert_eq!(c.cmd(&["EXISTS", "old"]), b":0\r\n");
        c.cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
        assert_eq!(
            c.cmd(&[b"RESTORE".as_slice(), b"f", b"0", &p, b"FREQ", b"100"]),
            b"+OK\r\n"
        );
        assert_eq!(c.cmd(&["OBJECT", "FREQ", "f"]), b":100\r\n");
        c.cmd(&["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    }
}

#[test]
fn errors_match_redis() {
    let redis = common::start_redis(&[]);
    let shardis = common::start_shardis(&["--threads", "4"]);
    let mut r = redis.raw();
    let mut s = shardis.raw();
    r.cmd(&["RPUSH", "l", "a", "b", "c"]);
    let good = bulk(&r.cmd(&["DUMP", "l"]));
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 0xff;
    let mut bad_ver = good.clone();
    bad_ver[n - 10] = 99;
    let truncated = good[..good.len() - 3].to_vec();
    // A valid footer over a cut object.
    let mut cut = good[..4].to_vec();
    cut.extend_from_slice(&good[n - 10..n - 8]);
    let crc = shardis::persistence::crc64::crc64(0, &cut);
    cut.extend_from_slice(&crc.to_le_bytes());
    for c in [&mut r, &mut s] {
        c.cmd(&["SET", "busy", "x"]);
    }
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"n", b"0", &bad_crc],
        vec![b"RESTORE", b"n", b"0", &bad_ver],
        vec![b"RESTORE", b"n", b"0", &truncated],
        vec![b"RESTORE", b"n", b"0", &cut],
        vec![b"RESTORE", b"n", b"0", b""],
        vec![b"RESTORE", b"busy", b"0", &good],
        vec![b"RESTORE", b"n", b"-1", &good],
        vec![b"RESTORE", b"n", b"abc", &good],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME", b"x"],
        vec![b"RESTORE", b"n", b"0", &good, b"FREQ", b"256"],
        vec![b"RESTORE", b"n", b"0", &good, b"FREQ", b"-1"],
        vec![
            b"RESTORE",
            b"n",
            b"0",
            &good,
            b"FREQ",
            b"1",
            b"IDLETIME",
            b"1",
        ],
        vec![b"RESTORE", b"n", b"0", &good, b"NOPE"],
        vec![b"RESTORE", b"n", b"0", &good, b"IDLETIME"],
        vec![b"RESTORE", b"n", b"0"],
        vec![b"DUMP", b"missing"],
        vec![b"DUMP"],
    ];
    for c in cases {
        let a = r.cmd(&c);
        let b = s.cmd(&c);
        assert_eq!(
            String::from_utf8_lossy(&b),
            String::from_utf8_lossy(&a),
            "{:?}",
            c.first()
        );
    }
}

#[test]
fn restore_wakes_blocked_clients_and_notifies() {
    let shardis = common::start_shardis(&["--threads", "4"]);
    let mut s = shardis.raw();
    s.cmd(&["RPUSH", "src", "a", "b"]);
    let p = bulk(&s.cmd(&["DUMP", "src"]));
    s.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEg"]);
    let mut sub = shardis.raw();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:restore"]);
    let mut waiter = shardis.raw();
    waiter.send_cmd(&["BLPOP", "dst", "5"]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        s.cmd(&[b"RESTORE".as_slice(), b"dst", b"0", &p]),
        b"+OK\r\n"
    );
    assert_eq!(waiter.read_reply(), b"*2\r\n$3\r\ndst\r\n$1\r\na\r\n");
    let ev = sub.read_reply();
    assert!(
        String::from_utf8_lossy(&ev).contains("__keyevent@0__:restore\r\n$3\r\ndst"),
        "{}",
        String::from_utf8_lossy(&ev)
    );
}

#[test]
fn rdbcompression_off_gives_redis_bytes() {
    let redis = common::start_redis(&[]);
    let shardis = common::start_shardis(&["--threads", "4"]);
    let mut r = redis.raw();
    let mut s = shardis.raw();
    let long = "abc".repeat(100);
    for c in [&mut r, &mut s] {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "rdbcompression", "no"]),
            b"+OK\r\n"
        );
        c.cmd(&["SET", "k", &long]);
        c.cmd(&[
            "SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
        ]);
    }
    for key in ["k", "s"] {
        let a = bulk(&r.cmd(&["DUMP", key]));
        assert_eq!(bulk(&s.cmd(&["DUMP", key])), a, "{key}");
        assert_ne!(a.get(1), Some(&0xc3));
    }
    s.cmd(&["CONFIG", "SET", "rdbcompression", "yes"]);
    assert_eq!(bulk(&s.cmd(&["DUMP", "k"])).get(1), Some(&0xc3));
}

/// DEBUG OBJECT's fields (but the address, and the LRU clock and idle
/// time, which depend on timing) equal redis-server's for every case: the
/// serialized length is the value's RDB length. Without compression, as
/// the two LZF compressors find different matches.
#[test]
fn debug_object_matches_redis() {
    let opts = ["--enable-debug-command", "yes", "--rdbcompression", "no"];
    let redis = common::start_redis(&opts);
    let shardis = common::start_shardis(&[&opts[..], &["--threads", "2"]].concat());
    // Small sets of strings are listpacks, as in Redis 7.2 (a known
    // difference): their encoding is left out.
    let fields = |c: &mut RawConn, key: &str| -> Vec<String> {
        let r = c.cmd(&["DEBUG", "OBJECT", key]);
        String::from_utf8_lossy(&r)
            .trim_end()
            .split(' ')
            .filter(|f| !f.starts_with("at:") && !f.starts_with("lru"))
            .filter(|f| !(key.starts_with("set") && f.starts_with("encoding:")))
            .map(str::to_string)
            .collect()
    };
    let (mut rc, mut sc) = (redis.raw(), shardis.raw());
    for (key, cmds) in cases() {
        populate(&mut rc, key, &cmds);
        populate(&mut sc, key, &cmds);
        assert_eq!(
            fields(&mut sc, key),
            fields(&mut rc, key),
            "DEBUG OBJECT {key}"
        );
    }
    assert_eq!(
        sc.cmd(&["DEBUG", "OBJECT", "nokey"]),
        rc.cmd(&["DEBUG", "OBJECT", "nokey"])
    );
}
