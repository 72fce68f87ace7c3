//! List commands against the real server binary, with 1 and 4 shards
//! (so LMOVE, RPOPLPUSH, LMPOP and the blocking forms run across shards),
//! compared byte for byte with a real redis-server when one is installed.

mod common;

use common::{escape, RawConn};

/// A script exercising every list command; run identically on each server.
fn script() -> Vec<Vec<Vec<u8>>> {
    let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut add = |line: &str| {
        cmds.push(line.split(' ').map(|a| a.as_bytes().to_vec()).collect());
    };
    add("FLUSHALL");
    add("RPUSH l a b c 1 2 3 -7 12345678901");
    add("LPUSH l x y");
    add("LPUSHX nol a");
    add("RPUSHX l z");
    add("LLEN l");
    add("LRANGE l 0 -1");
    add("LRANGE l -3 100");
    add("LINDEX l 3");
    add("LINDEX l -1");
    add("LSET l 0 first");
    add("LSET l 99 x");
    add("LINSERT l BEFORE 1 one");
    add("LINSERT l AFTER nope x");
    add("LPOS l 2");
    add("LPOS l c RANK -1 COUNT 0");
    add("LPOS l c RANK 0");
    add("LREM l 1 one");
    add("LTRIM l 1 -2");
    add("LRANGE l 0 -1");
    add("LPOP l");
    add("RPOP l 3");
    add("LPOP l 0");
    add("LPOP missing 2");
    add("SET str v");
    add("LPUSH str a");
    add("OBJECT ENCODING l");
    add("TYPE l");
    // Moves and multi-key pops over pairs of keys (several land on
    // different shards when the server has 4).
    for i in 0..8 {
        add(&format!("RPUSH src{i} a{i} b{i} c{i}"));
        add(&format!("LMOVE src{i} dst{i} LEFT RIGHT"));
        add(&format!("RPOPLPUSH src{i} dst{i}"));
        add(&format!("LMOVE src{i} str LEFT LEFT"));
        add(&format!("LMPOP 2 none{i} src{i} RIGHT COUNT 5"));
        add(&format!("EXISTS src{i}"));
        add(&format!("LRANGE dst{i} 0 -1"));
        add(&format!("LMOVE dst{i} dst{i} LEFT RIGHT"));
        add(&format!("LMPOP 3 none{i} str dst{i} LEFT"));
        add(&format!("LMPOP 2 none{i} dst{i} LEFT"));
        add(&format!("LMPOP 2 none{i} dst{i} LEFT"));
        // Blocking forms that can be served at once, or time out quickly.
        add(&format!("RPUSH bsrc{i} 1 2 3 4"));
        add(&format!("BLPOP none{i} bsrc{i} 0"));
        add(&format!("BRPOP none{i} bsrc{i} 0"));
        add(&format!("BLMOVE bsrc{i} bdst{i} LEFT LEFT 0"));
        add(&format!("BRPOPLPUSH bsrc{i} bdst{i} 0"));
        add(&format!("BLMPOP 0.01 2 none{i} bdst{i} RIGHT COUNT 9"));
        add(&format!("BLPOP none{i} 0.01"));
        add(&format!("BLMOVE none{i} bdst{i} LEFT LEFT 0.01"));
        add(&format!("BLMPOP 0.01 1 none{i} LEFT"));
        add(&format!("BLMOVE bsrc{i} x UP LEFT 0"));
    }
    add("LMPOP 0 a LEFT");
    add("LMPOP 1 a LEFT COUNT 0");
    add("DBSIZE");
    cmds
}

fn run_script(conn: &mut RawConn) -> Vec<(String, Vec<u8>)> {
    script()
        .into_iter()
        .map(|c| {
            let line = String::from_utf8_lossy(&c.join(&b' ')).into_owned();
            (line, conn.cmd(&c))
        })
        .collect()
}

fn compare(ours: &[(String, Vec<u8>)], theirs: &[(String, Vec<u8>)]) {
    for ((line, a), (_, b)) in ours.iter().zip(theirs) {
        assert_eq!(escape(a), escape(b), "reply to {line}");
    }
}

#[test]
fn lists_match_redis_one_and_four_shards() {
    let one = common::start_shardis(&["--threads", "1"]);
    let four = common::start_shardis(&["--threads", "4"]);
    let r1 = run_script(&mut one.raw());
    let r4 = run_script(&mut four.raw());
    compare(&r1, &r4);
    if common::redis_available() {
        let redis = common::start_redis(&[]);
        let rr = run_script(&mut redis.raw());
        compare(&r1, &rr);
    } else {
        // Spot checks when no reference server is installed.
        let find = |l: &str| r1.iter().find(|(x, _)| x == l).map(|(_, r)| r.clone());
        assert_eq!(find("OBJECT ENCODING l"), Some(b"+quicklist\r\n".to_vec()));
        assert_eq!(find("LPOP missing 2"), Some(b"*-1\r\n".to_vec()));
    }
}

#[test]
fn big_list_across_shards() {
    let server = common::start_shardis(&["--threads", "4"]);
    let mut c = server.raw();
    for chunk in 0..20 {
        let mut cmd: Vec<Vec<u8>> = vec![b"RPUSH".to_vec(), b"big".to_vec()];
        for i in 0..500 {
            cmd.push(format!("{}", chunk * 500 + i).into_bytes());
        }
        assert_eq!(
            c.cmd(&cmd),
            format!(":{}\r\n", (chunk + 1) * 500).into_bytes()
        );
    }
    assert_eq!(
        c.cmd(&["LINDEX", "big", "7777"]),
        b"$4\r\n7777\r\n".to_vec()
    );
    let r = c.cmd(&["LRANGE", "big", "0", "599"]);
    assert!(r.starts_with(b"*600\r\n$1\r\n0\r\n"));
    // Move everything to a key on (most likely) another shard and back.
    for _ in 0..100 {
        assert!(c.cmd(&["RPOPLPUSH", "big", "other"]).starts_with(b"$"));
    }
    assert_eq!(c.cmd(&["LLEN", "other"]), b":100\r\n".to_vec());
    assert_eq!(c.cmd(&["LINDEX", "other", "0"]), b"$4\r\n9900\r\n".to_vec());
    let r = c.cmd(&["LMPOP", "2", "other", "big", "LEFT", "COUNT", "1000"]);
    assert!(r.starts_with(b"*2\r\n$5\r\nother\r\n*100\r\n$4\r\n9900\r\n"));
    assert_eq!(c.cmd(&["EXISTS", "other"]), b":0\r\n".to_vec());
}
