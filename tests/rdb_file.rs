//! RDB files across servers: shardis SAVEs a file that redis-server loads
//! (and redis-check-rdb accepts), shardis starts on a file redis-server
//! wrote, and shardis restarts on its own dump after SHUTDOWN. Contents
//! are compared key by key, in several databases, with expiries.

mod common;

use std::path::Path;

use common::contents::{assert_same_dbs as assert_same, db_contents as snapshot, TempDir};
use common::Server;
use redis::Connection;

/// Commands filling the current database with every type and encoding.
fn fill(c: &mut Connection, tag: &str) {
    let big: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    let mut q = |args: Vec<String>| {
        let mut cmd = redis::cmd(&args[0]);
        for a in &args[1..] {
            cmd.arg(a);
        }
        let _: redis::Value = cmd.query(c).unwrap();
    };
    let s = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.to_string()).collect() };
    q(s(&["SET", &format!("{tag}str"), "hello world"]));
    q(s(&["SET", &format!("{tag}int"), "-123456"]));
    q(s(&["SET", &format!("{tag}long"), &"abc".repeat(400)]));
    q(s(&["RPUSH", &format!("{tag}list"), "a", "b", "1", "2"]));
    q([s(&["RPUSH", &format!("{tag}biglist")]), big.clone()].concat());
    q(s(&["SADD", &format!("{tag}intset"), "1", "2", "3", "-9"]));
    q(s(&["SADD", &format!("{tag}set"), "a", "b"]));
    q([s(&["SADD", &format!("{tag}bigset")]), big.clone()].concat());
    q(s(&["HSET", &format!("{tag}hash"), "f", "v", "g", "1"]));
    let mut hb = s(&["HSET", &format!("{tag}bighash")]);
    let mut zb = s(&["ZADD", &format!("{tag}bigzset")]);
    for (i, m) in big.iter().enumerate() {
        hb.push(m.clone());
        hb.push(format!("v{i}"));
        zb.push(format!("{}.5", i));
        zb.push(m.clone());
    }
    q(hb);
    q(zb);
    q(s(&[
        "ZADD",
        &format!("{tag}zset"),
        "1",
        "a",
        "2.5",
        "b",
        "-inf",
        "c",
    ]));
    q(s(&["PFADD", &format!("{tag}hll"), "x", "y", "z"]));
    q(s(&["SET", &format!("{tag}ttl"), "v", "EX", "1000"]));
    q(s(&["HSET", &format!("{tag}ttlhash"), "a", "b"]));
    q(s(&["PEXPIRE", &format!("{tag}ttlhash"), "5000000"]));
}

fn populate(server: &Server) {
    let mut c = server.client();
    fill(&mut c, "a:");
    let _: () = redis::cmd("SELECT").arg(3).query(&mut c).unwrap();
    fill(&mut c, "b:");
}

fn dir_args(dir: &Path) -> Vec<String> {
    vec![
        "--dir".into(),
        dir.to_string_lossy().into_owned(),
        "--dbfilename".into(),
        "snap.rdb".into(),
    ]
}

fn start(redis: bool, dir: &Path, extra: &[&str]) -> Server {
    let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    args.extend(dir_args(dir));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    if redis {
        common::start_redis(&refs)
    } else {
        common::start_shardis(&refs)
    }
}

fn save(server: &Server) {
    let reply = server.raw().cmd(&["SAVE"]);
    assert_eq!(reply, b"+OK\r\n");
}

#[test]
fn shardis_dump_loads_in_redis_and_passes_check_rdb() {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("rdb-a"));
    let shardis = start(false, &dir.0, &["--threads", "4"]);
    populate(&shardis);
    save(&shardis);
    let info = String::from_utf8(shardis.raw().cmd(&["INFO", "persistence"])).unwrap();
    assert!(info.contains("rdb_changes_since_last_save:0\r\n"), "{info}");
    assert!(info.contains("rdb_last_bgsave_status:ok\r\n"), "{info}");
    assert!(info.contains("rdb_saves:1\r\n"), "{info}");
    let file = dir.0.join("snap.rdb");
    let check = std::process::Command::new("redis-check-rdb")
        .arg(&file)
        .output();
    if let Ok(out) = check {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("RDB looks OK"), "{text}");
    }
    let redis = start(true, &dir.0, &[]);
    assert_same(&shardis, &redis, &[0, 3]);
}

#[test]
fn redis_dump_loads_in_shardis() {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("rdb-b"));
    let redis = start(true, &dir.0, &[]);
    populate(&redis);
    save(&redis);
    let shardis = start(false, &dir.0, &["--threads", "4"]);
    assert_same(&redis, &shardis, &[0, 3]);
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    assert!(log.contains("Loading RDB produced by version 7.0"), "{log}");
    assert!(log.contains("DB loaded from disk"), "{log}");
    let info = String::from_utf8(shardis.raw().cmd(&["INFO", "persistence"])).unwrap();
    let n = snapshot(&redis, 0).len() + snapshot(&redis, 3).len();
    assert!(
        info.contains(&format!("rdb_last_load_keys_loaded:{n}\r\n")),
        "{info}"
    );
}

#[test]
fn shardis_restarts_on_its_own_dump() {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("rdb-c"));
    let first = start(false, &dir.0, &["--threads", "4"]);
    populate(&first);
    // A reference copy of the data: redis-server loading a SAVE.
    save(&first);
    let reference = start(true, &dir.0, &[]);
    // Written after the SAVE: only the save on SHUTDOWN keeps it.
    for s in [&first, &reference] {
        assert_eq!(s.raw().cmd(&["SET", "late", "1"]), b"+OK\r\n");
    }
    let mut c = first.raw();
    c.send_cmd(&["SHUTDOWN", "SAVE"]);
    let _ = c.try_read_reply();
    drop(first);
    let second = start(
        false,
        &dir.0,
        &["--threads", "3", "--enable-debug-command", "yes"],
    );
    assert_same(&reference, &second, &[0, 3]);
    // DEBUG RELOAD keeps everything.
    let mut c = second.raw();
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), b"+OK\r\n");
    assert_same(&reference, &second, &[0, 3]);
    // SHUTDOWN NOSAVE leaves the file as it was.
    drop(c);
    let mut c = second.raw();
    assert_eq!(c.cmd(&["SET", "unsaved", "1"]), b"+OK\r\n");
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    let _ = c.try_read_reply();
    drop(second);
    let third = start(false, &dir.0, &["--threads", "2"]);
    assert_eq!(third.raw().cmd(&["EXISTS", "unsaved"]), b":0\r\n");
    assert_same(&reference, &third, &[0, 3]);
}

#[test]
fn corrupt_file_stops_start_up() {
    let dir = TempDir(common::unique_temp_dir("rdb-d"));
    std::fs::write(dir.0.join("snap.rdb"), b"REDIS0010\xfa\x05abc").unwrap();
    let mut args = dir_args(&dir.0);
    args.insert(0, "--threads".into());
    args.insert(1, "2".into());
    let bin = common::shardis_bin();
    let out = std::process::Command::new(bin)
        .args(["--port", &common::free_port().to_string(), "--save", ""])
        .args(&args)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("offset"), "{text}");
}

#[test]
fn failed_save_replies_err_and_keeps_the_old_file() {
    let dir = TempDir(common::unique_temp_dir("rdb-e"));
    let server = start(false, &dir.0, &["--threads", "2"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["SET", "k", "v1"]), b"+OK\r\n");
    save(&server);
    let old = std::fs::read(dir.0.join("snap.rdb")).unwrap();
    // The temporary file cannot be created where a directory is.
    std::fs::create_dir(dir.0.join(format!("temp-{}.rdb", server.pid))).unwrap();
    assert_eq!(c.cmd(&["SET", "k", "v2"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SAVE"]), b"-ERR\r\n");
    assert_eq!(std::fs::read(dir.0.join("snap.rdb")).unwrap(), old);
    let info = String::from_utf8(c.cmd(&["INFO", "persistence"])).unwrap();
    assert!(info.contains("rdb_last_bgsave_status:err\r\n"), "{info}");
    assert!(info.contains("rdb_changes_since_last_save:1\r\n"), "{info}");
    let log = std::fs::read_to_string(server.logfile()).unwrap_or_default();
    assert!(log.contains("Failed opening the temp RDB file"), "{log}");
}
