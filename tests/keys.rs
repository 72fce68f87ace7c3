//! Generic key commands against the real server binary, with 4 shards so
//! cross-shard paths run: SCAN coverage, RENAME/COPY/MOVE across shards,
//! multi-key DEL/EXISTS, FLUSHALL, SWAPDB, RANDOMKEY.

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shardis::shard::slots::{key_slot, SlotMap};

const SHARDS: usize = 4;

/// A running server, killed (by its PID) when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(env!("CARGO_BIN_EXE_shardis-server"))
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--threads",
                &SHARDS.to_string(),
                "--save",
                "",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut c) = server.try_conn() {
                if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "server did not answer PING");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn try_conn(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))?.get_connection()
    }

    fn conn(&self) -> redis::Connection {
        self.try_conn().expect("connect")
    }
}

fn shard_of(key: &str) -> usize {
    SlotMap::new(SHARDS).shard_of_slot(key_slot(key.as_bytes()))
}

/// `n` keys named `{prefix}N`, each on a different shard.
fn keys_on_distinct_shards(prefix: &str, n: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while out.len() < n {
        let k = format!("{prefix}{i}");
        if out.iter().all(|o| shard_of(o) != shard_of(&k)) {
            out.push(k);
        }
        i += 1;
    }
    out
}

fn err_text(e: redis::RedisError) -> String {
    format!(
        "{} {}",
        e.code().unwrap_or("?"),
        e.detail().unwrap_or_default()
    )
}

#[test]
fn scan_returns_every_key() {
    let s = Server::start();
    let mut c = s.conn();
    let all: Vec<String> = (0..5000).map(|i| format!("key:{i}")).collect();
    for chunk in all.chunks(500) {
        let mut m = redis::cmd("MSET");
        for k in chunk {
            m.arg(k).arg("v");
        }
        m.query::<()>(&mut c).expect("mset");
    }
    // Keys of another type-less database must not leak in.
    redis::cmd("SELECT")
        .arg(1)
        .query::<()>(&mut c)
        .expect("select");
    redis::cmd("SET")
        .arg("other")
        .arg("x")
        .query::<()>(&mut c)
        .expect("set");
    redis::cmd("SELECT")
        .arg(0)
        .query::<()>(&mut c)
        .expect("select");
    let dbsize: usize = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(dbsize, 5000);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).expect("keys");
    let keys: HashSet<String> = keys.into_iter().collect();
    assert_eq!(keys, all.iter().cloned().collect::<HashSet<_>>());

    for count in [None, Some(1), Some(100), Some(100_000)] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        let mut calls = 0;
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor);
            if let Some(n) = count {
                cmd.arg("COUNT").arg(n);
            }
            let (next, batch): (u64, Vec<String>) = cmd.query(&mut c).expect("scan");
            seen.extend(batch);
            calls += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
            assert!(cursor < 16384);
            assert!(calls < 20_000);
        }
        let set: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(set, keys, "count {:?}", count);
        // Slots are visited once and keys never move: no duplicates either.
        assert_eq!(seen.len(), keys.len(), "count {:?}", count);
        if count == Some(100_000) {
            assert!(calls <= 1 + SHARDS, "{calls} calls");
        }
    }

    // MATCH and TYPE filter what was visited.
    let mut matched = HashSet::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg("key:1?")
            .arg("TYPE")
            .arg("string")
            .arg("COUNT")
            .arg(500)
            .query(&mut c)
            .expect("scan match");
        matched.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    let want: HashSet<String> = (10..20).map(|i| format!("key:{i}")).collect();
    assert_eq!(matched, want);
    let (_, none): (u64, Vec<String>) = redis::cmd("SCAN")
        .arg(0)
        .arg("TYPE")
        .arg("hash")
        .arg("COUNT")
        .arg(100_000)
        .query(&mut c)
        .expect("scan type");
    assert!(none.is_empty());

    for bad in ["16384", "-1", "x"] {
        let e = redis::cmd("SCAN")
            .arg(bad)
            .query::<redis::Value>(&mut c)
            .expect_err("invalid cursor");
        assert_eq!(err_text(e), "ERR invalid cursor");
    }
    let e = redis::cmd("SCAN")
        .arg(0)
        .arg("COUNT")
        .arg(0)
        .query::<redis::Value>(&mut c)
        .expect_err("count 0");
    assert_eq!(err_text(e), "ERR syntax error");
}

#[test]
fn rename_copy_move_across_shards() {
    let s = Server::start();
    let mut c = s.conn();
    let k = keys_on_distinct_shards("k", 3);
    redis::cmd("SET")
        .arg(&k[0])
        .arg("value")
        .arg("PX")
        .arg(100_000)
        .query::<()>(&mut c)
        .expect("set");
    redis::cmd("RENAME")
        .arg(&k[0])
        .arg(&k[1])
        .query::<()>(&mut c)
        .expect("rename");
    let v: Option<String> = redis::cmd("GET").arg(&k[1]).query(&mut c).expect("get");
    assert_eq!(v.as_deref(), Some("value"));
    let gone: i64 = redis::cmd("EXISTS")
        .arg(&k[0])
        .query(&mut c)
        .expect("exists");
    assert_eq!(gone, 0);
    let pttl: i64 = redis::cmd("PTTL").arg(&k[1]).query(&mut c).expect("pttl");
    assert!(pttl > 90_000 && pttl <= 100_000, "pttl {pttl}");
    let e = redis::cmd("RENAME")
        .arg(&k[0])
        .arg(&k[2])
        .query::<()>(&mut c)
        .expect_err("no such key");
    assert_eq!(err_text(e), "ERR no such key");

    // COPY keeps the value and the TTL; refuses an existing destination.
    let n: i64 = redis::cmd("COPY")
        .arg(&k[1])
        .arg(&k[2])
        .query(&mut c)
        .expect("copy");
    assert_eq!(n, 1);
    let v: Option<String> = redis::cmd("GET").arg(&k[2]).query(&mut c).expect("get");
    assert_eq!(v.as_deref(), Some("value"));
    let pttl: i64 = redis::cmd("PTTL").arg(&k[2]).query(&mut c).expect("pttl");
    assert!(pttl > 90_000 && pttl <= 100_000, "pttl {pttl}");
    let n: i64 = redis::cmd("COPY")
        .arg(&k[1])
        .arg(&k[2])
        .query(&mut c)
        .expect("copy");
    assert_eq!(n, 0);
    redis::cmd("SET")
        .arg(&k[0])
        .arg("new")
        .query::<()>(&mut c)
        .expect("set");
    let n: i64 = redis::cmd("COPY")
        .arg(&k[0])
        .arg(&k[2])
        .arg("REPLACE")
        .query(&mut c)
        .expect("copy replace");
    assert_eq!(n, 1);
    let ttl: i64 = redis::cmd("TTL").arg(&k[2]).query(&mut c).expect("ttl");
    assert_eq!(ttl, -1);

    // COPY into another database, across shards, and its range check.
    let n: i64 = redis::cmd("COPY")
        .arg(&k[1])
        .arg(&k[0])
        .arg("DB")
        .arg(3)
        .query(&mut c)
        .expect("copy db");
    assert_eq!(n, 1);
    let e = redis::cmd("COPY")
        .arg(&k[1])
        .arg(&k[0])
        .arg("DB")
        .arg(16)
        .query::<i64>(&mut c)
        .expect_err("db range");
    assert_eq!(err_text(e), "ERR DB index is out of range");
    redis::cmd("SELECT")
        .arg(3)
        .query::<()>(&mut c)
        .expect("select");
    let v: Option<String> = redis::cmd("GET").arg(&k[0]).query(&mut c).expect("get");
    assert_eq!(v.as_deref(), Some("value"));
    let pttl: i64 = redis::cmd("PTTL").arg(&k[0]).query(&mut c).expect("pttl");
    assert!(pttl > 90_000, "pttl {pttl}");
    let dbsize: i64 = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(dbsize, 1);

    // MOVE it back to 0 is refused (the name exists there), to 5 works.
    let n: i64 = redis::cmd("MOVE")
        .arg(&k[0])
        .arg(0)
        .query(&mut c)
        .expect("move");
    assert_eq!(n, 0);
    let n: i64 = redis::cmd("MOVE")
        .arg(&k[0])
        .arg(5)
        .query(&mut c)
        .expect("move");
    assert_eq!(n, 1);
    redis::cmd("SELECT")
        .arg(5)
        .query::<()>(&mut c)
        .expect("select");
    let pttl: i64 = redis::cmd("PTTL").arg(&k[0]).query(&mut c).expect("pttl");
    assert!(pttl > 90_000, "pttl {pttl}");
    redis::cmd("SELECT")
        .arg(0)
        .query::<()>(&mut c)
        .expect("select");

    // RENAMENX across shards.
    let n: i64 = redis::cmd("RENAMENX")
        .arg(&k[1])
        .arg(&k[2])
        .query(&mut c)
        .expect("renamenx");
    assert_eq!(n, 0);
    redis::cmd("DEL")
        .arg(&k[2])
        .query::<()>(&mut c)
        .expect("del");
    let n: i64 = redis::cmd("RENAMENX")
        .arg(&k[1])
        .arg(&k[2])
        .query(&mut c)
        .expect("renamenx");
    assert_eq!(n, 1);
    let pttl: i64 = redis::cmd("PTTL").arg(&k[2]).query(&mut c).expect("pttl");
    assert!(pttl > 90_000, "pttl {pttl}");
}

#[test]
fn multi_key_commands_across_shards() {
    let s = Server::start();
    let mut c = s.conn();
    let k = keys_on_distinct_shards("m", SHARDS);
    let mut mset = redis::cmd("MSET");
    for key in &k {
        mset.arg(key).arg(key);
    }
    mset.query::<()>(&mut c).expect("mset");
    let n: i64 = redis::cmd("EXISTS")
        .arg(&k)
        .arg(&k[0])
        .arg("missing")
        .query(&mut c)
        .expect("exists");
    assert_eq!(n, SHARDS as i64 + 1);
    let n: i64 = redis::cmd("TOUCH").arg(&k).query(&mut c).expect("touch");
    assert_eq!(n, SHARDS as i64);
    let n: i64 = redis::cmd("DEL")
        .arg(&k[..2])
        .arg(&k[0])
        .arg("missing")
        .query(&mut c)
        .expect("del");
    assert_eq!(n, 2);
    let n: i64 = redis::cmd("UNLINK").arg(&k).query(&mut c).expect("unlink");
    assert_eq!(n, SHARDS as i64 - 2);
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(n, 0);
    // Expiry on a remote shard.
    redis::cmd("SET")
        .arg(&k[3])
        .arg("v")
        .query::<()>(&mut c)
        .expect("set");
    let n: i64 = redis::cmd("EXPIRE")
        .arg(&k[3])
        .arg(-1)
        .query(&mut c)
        .expect("expire");
    assert_eq!(n, 1);
    let n: i64 = redis::cmd("TTL").arg(&k[3]).query(&mut c).expect("ttl");
    assert_eq!(n, -2);
    let t: String = redis::cmd("TYPE").arg(&k[3]).query(&mut c).expect("type");
    assert_eq!(t, "none");
}

#[test]
fn flush_swapdb_randomkey() {
    let s = Server::start();
    let mut c = s.conn();
    let nil: Option<String> = redis::cmd("RANDOMKEY").query(&mut c).expect("randomkey");
    assert_eq!(nil, None);
    let k = keys_on_distinct_shards("r", SHARDS);
    let mut mset = redis::cmd("MSET");
    for key in &k {
        mset.arg(key).arg(1);
    }
    mset.query::<()>(&mut c).expect("mset");
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let r: Option<String> = redis::cmd("RANDOMKEY").query(&mut c).expect("randomkey");
        let r = r.expect("a key");
        assert!(k.contains(&r));
        seen.insert(r);
    }
    assert_eq!(seen.len(), SHARDS, "every shard's key drawn");

    // SWAPDB: db 0's keys go to db 1, for every connection.
    redis::cmd("SWAPDB")
        .arg(0)
        .arg(1)
        .query::<()>(&mut c)
        .expect("swapdb");
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(n, 0);
    let mut c2 = s.conn();
    redis::cmd("SELECT")
        .arg(1)
        .query::<()>(&mut c2)
        .expect("select");
    let n: i64 = redis::cmd("DBSIZE").query(&mut c2).expect("dbsize");
    assert_eq!(n, SHARDS as i64);
    let e = redis::cmd("SWAPDB")
        .arg("x")
        .arg(1)
        .query::<()>(&mut c)
        .expect_err("first");
    assert_eq!(err_text(e), "ERR invalid first DB index");
    let e = redis::cmd("SWAPDB")
        .arg(0)
        .arg(16)
        .query::<()>(&mut c)
        .expect_err("range");
    assert_eq!(err_text(e), "ERR DB index is out of range");

    // FLUSHDB empties one database, FLUSHALL all.
    redis::cmd("SET")
        .arg(&k[0])
        .arg(1)
        .query::<()>(&mut c)
        .expect("set");
    redis::cmd("SET")
        .arg(&k[1])
        .arg(1)
        .query::<()>(&mut c)
        .expect("set");
    redis::cmd("FLUSHDB")
        .arg("SYNC")
        .query::<()>(&mut c)
        .expect("flushdb");
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).expect("dbsize");
    assert_eq!(n, 0);
    let n: i64 = redis::cmd("DBSIZE").query(&mut c2).expect("dbsize");
    assert_eq!(n, SHARDS as i64);
    redis::cmd("SET")
        .arg(&k[2])
        .arg(1)
        .query::<()>(&mut c)
        .expect("set");
    redis::cmd("FLUSHALL")
        .arg("ASYNC")
        .query::<()>(&mut c)
        .expect("flushall");
    for conn in [&mut c, &mut c2] {
        let n: i64 = redis::cmd("DBSIZE").query(conn).expect("dbsize");
        assert_eq!(n, 0);
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(conn).expect("keys");
        assert!(keys.is_empty());
    }
    let e = redis::cmd("FLUSHALL")
        .arg("now")
        .query::<()>(&mut c)
        .expect_err("syntax");
    assert_eq!(err_text(e), "ERR syntax error");
}
