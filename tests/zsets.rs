//! Sorted set commands against the real server binary (1 and 4 shards, so
//! multi-key commands run with keys on different shards), compared reply
//! for reply with a real redis-server.

mod common;

use common::RawConn;

/// Commands whose replies must match Redis byte for byte. Multi-key ones
/// use keys that land on different shards with 4 threads.
const SCRIPT: &[&str] = &[
    "zadd k1 1 a 2 b 3 c 4 d",
    "zadd k2 10 b 20 c 30 e",
    "zadd k3 5 c 6 f",
    "zadd k4 -inf x +inf y 0.1 z",
    "zunionstore dst 3 k1 k2 k3",
    "zrange dst 0 -1 withscores",
    "zunionstore dst 3 k1 k2 k3 weights 1 2 3 aggregate max",
    "zrange dst 0 -1 withscores",
    "zinterstore dst2 2 k1 k2",
    "zrange dst2 0 -1 withscores",
    "zinter 3 k1 k2 k3 withscores",
    "zunion 4 k1 k2 k3 k4 withscores",
    "zdiff 2 k1 k2 withscores",
    "zdiffstore dst3 3 k1 k2 k3",
    "zrange dst3 0 -1 withscores",
    "zintercard 2 k1 k2",
    "zintercard 2 k1 k2 limit 1",
    "zrangestore other k2 0 1",
    "zrange other 0 -1 withscores",
    "zrangestore other k1 (1 3 byscore",
    "zrange other 0 -1",
    "zrangestore other nokey 0 -1",
    "exists other",
    "zmpop 3 nokey k3 k1 min count 5",
    "zmpop 2 nokey k3 max",
    "zmpop 2 k3 k1 max count 2",
    "bzpopmin nokey k1 1",
    "bzpopmax k2 1",
    "bzmpop 1 2 nokey k2 min count 9",
    "bzpopmin nokey 0.05",
    "bzmpop 0.05 1 nokey min",
    "exists k1 k2 k3",
    "zadd k5 0 a 0 b 0 c 0 d",
    "zrangebylex k5 [b +",
    "zrevrangebylex k5 + (b limit 0 1",
    "zlexcount k5 - +",
    "zremrangebylex k5 - [b",
    "zrange k5 0 -1",
    "zadd k6 1 a",
    "zadd k6 incr 2.5 a",
    "zadd k6 gt ch 1 a 9 b",
    "zincrby k6 -inf a",
    "zadd k6 incr +inf a",
    "zscore k6 a",
    "zmscore k6 a b c",
    "zrank k6 b",
    "zrevrank k6 b",
    "zpopmax k6 5",
    "set str x",
    "zunionstore dst 2 k4 str",
    "zrange str 0 -1",
];

fn run_script(c: &mut RawConn) -> Vec<(String, Vec<u8>)> {
    SCRIPT
        .iter()
        .map(|line| {
            let args: Vec<&str> = line.split(' ').collect();
            (line.to_string(), c.cmd(&args))
        })
        .collect()
}

fn compare(threads: &str) {
    if !common::redis_available() {
        eprintln!("no redis-server: skipped");
        return;
    }
    let ours = common::start_shardis(&["--threads", threads]);
    let theirs = common::start_redis(&[]);
    let a = run_script(&mut ours.raw());
    let b = run_script(&mut theirs.raw());
    for ((cmd, x), (_, y)) in a.iter().zip(&b) {
        assert_eq!(
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y),
            "{cmd} (threads {threads})"
        );
    }
}

#[test]
fn matches_redis_one_shard() {
    compare("1");
}

#[test]
fn matches_redis_four_shards() {
    compare("4");
}

/// Encodings and their conversions, as Redis reports them.
#[test]
fn encodings_match_redis() {
    if !common::redis_available() {
        return;
    }
    let ours = common::start_shardis(&["--threads", "4"]);
    let theirs = common::start_redis(&[]);
    for srv in [&ours, &theirs] {
        let mut c = srv.raw();
        let mut args = vec!["zadd".to_string(), "big".to_string()];
        for i in 0..200 {
            args.push(i.to_string());
            args.push(format!("m{i}"));
        }
        c.cmd(&args);
        c.cmd(&["zadd", "small", "1", "a"]);
        c.cmd(&["zadd", "long", "1", &"x".repeat(65)]);
        c.cmd(&["zunionstore", "u", "1", "small"]);
        c.cmd(&["zrangestore", "r", "big", "0", "9"]);
        c.cmd(&["zrangestore", "r2", "big", "0", "199"]);
    }
    let (mut x, mut y) = (ours.raw(), theirs.raw());
    for k in ["big", "small", "long", "u", "r", "r2"] {
        assert_eq!(
            x.cmd(&["object", "encoding", k]),
            y.cmd(&["object", "encoding", k]),
            "{k}"
        );
    }
    assert_eq!(
        x.cmd(&["zrange", "big", "100", "104", "withscores"]),
        y.cmd(&["zrange", "big", "100", "104", "withscores"])
    );
}

/// RESP3 reply shapes (doubles, nested pairs), compared with Redis.
#[test]
fn resp3_shapes_match_redis() {
    if !common::redis_available() {
        return;
    }
    let script: &[&str] = &[
        "zadd a 1 x 2.5 y 3 z",
        "zadd b 1 y 7 w",
        "zscore a y",
        "zmscore a y nosuch",
        "zincrby a 1 x",
        "zrange a 0 -1 withscores",
        "zrangebyscore a -inf +inf withscores limit 0 2",
        "zunion 2 a b withscores",
        "zinter 2 a b withscores",
        "zpopmin a",
        "zpopmax a 1",
        "zmpop 2 nokey b min count 2",
        "bzpopmax a 1",
        "zpopmin nokey",
        "zmpop 1 nokey min",
    ];
    let ours = common::start_shardis(&["--threads", "4"]);
    let theirs = common::start_redis(&[]);
    let (mut x, mut y) = (ours.raw(), theirs.raw());
    x.cmd(&["hello", "3"]);
    y.cmd(&["hello", "3"]);
    for line in script {
        let args: Vec<&str> = line.split(' ').collect();
        assert_eq!(
            String::from_utf8_lossy(&x.cmd(&args)),
            String::from_utf8_lossy(&y.cmd(&args)),
            "{line}"
        );
    }
}
