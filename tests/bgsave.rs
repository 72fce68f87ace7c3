//! BGSAVE without fork, against real processes: the file is one point in
//! time across shards while clients keep writing, it loads in redis-server
//! and passes redis-check-rdb, clients are served during the save, save
//! points start saves, and a failed save stops writes with -MISCONF until
//! a save succeeds.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::contents::{assert_same_dbs as assert_same, TempDir};
use common::Server;
use redis::Connection;

const MISCONF: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";

fn q(c: &mut Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn info_field(server: &Server, field: &str) -> String {
    let info = String::from_utf8(server.raw().cmd(&["INFO", "persistence"])).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .to_string()
}

/// Waits until no BGSAVE runs (at most 60 s).
fn wait_done(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while info_field(server, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn bgsave(server: &Server) {
    assert_eq!(
        server.raw().cmd(&["BGSAVE"]),
        b"+Background saving started\r\n"
    );
}

/// Fills the current database with every type and encoding, with expiries.
fn fill(c: &mut Connection, tag: &str) {
    let big: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
    let k = |s: &str| format!("{tag}{s}");
    q(c, &["SET", &k("str"), "hello world"]);
    q(c, &["SET", &k("int"), "-123456"]);
    q(c, &["SET", &k("long"), &"abc".repeat(400)]);
    q(c, &["RPUSH", &k("list"), "a", "b", "1", "2"]);
    let mut args = vec!["RPUSH".to_string(), k("biglist")];
    args.extend(big.iter().cloned());
    q(c, &args.iter().map(String::as_str).collect::<Vec<_>>());
    q(c, &["SADD", &k("intset"), "1", "2", "3", "-9"]);
    q(c, &["SADD", &k("set"), "a", "b"]);
    let mut args = vec!["SADD".to_string(), k("bigset")];
    args.extend(big.iter().cloned());
    q(c, &args.iter().map(String::as_str).collect::<Vec<_>>());
    q(c, &["HSET", &k("hash"), "f", "v", "g", "1"]);
    let mut h = vec!["HSET".to_string(), k("bighash")];
    let mut z = vec!["ZADD".to_string(), k("bigzset")];
    for (i, m) in big.iter().enumerate() {
        h.push(m.clone());
        h.push(format!("v{i}"));
        z.push(format!("{i}.5"));
        z.push(m.clone());
    }
    q(c, &h.iter().map(String::as_str).collect::<Vec<_>>());
    q(c, &z.iter().map(String::as_str).collect::<Vec<_>>());
    q(c, &["ZADD", &k("zset"), "1", "a", "2.5", "b", "-inf", "c"]);
    q(c, &["PFADD", &k("hll"), "x", "y", "z"]);
    q(c, &["SET", &k("ttl"), "v", "EX", "1000"]);
    q(c, &["HSET", &k("ttlhash"), "a", "b"]);
    q(c, &["PEXPIRE", &k("ttlhash"), "5000000"]);
    for i in 0..200 {
        q(c, &["SET", &format!("{tag}many:{i}"), &i.to_string()]);
    }
}

/// A server started on a copy of `file` (as `snap.rdb` in a new directory).
fn start_on(file: &Path, redis: bool, tmp: &TempDir) -> Server {
    std::fs::create_dir_all(&tmp.0).unwrap();
    std::fs::copy(file, tmp.0.join("snap.rdb")).unwrap();
    let dir = tmp.0.to_string_lossy().into_owned();
    let args = ["--dir", &dir, "--dbfilename", "snap.rdb"];
    if redis {
        common::start_redis(&args)
    } else {
        let mut a = vec!["--threads", "4"];
        a.extend(args);
        common::start_shardis(&a)
    }
}

/// Sends MSETs of `n` keys `prefix<i>` with values of `size` bytes.
fn fill_many(server: &Server, prefix: &str, n: usize, size: usize) {
    let mut raw = server.raw();
    let value = "x".repeat(size);
    let mut sent = 0;
    for start in (0..n).step_by(1000) {
        let mut args = vec!["MSET".to_string()];
        for i in start..(start + 1000).min(n) {
            args.push(format!("{prefix}{i}"));
            args.push(value.clone());
        }
        raw.send_cmd(&args);
        sent += 1;
    }
    for _ in 0..sent {
        assert_eq!(raw.read_reply(), b"+OK\r\n");
    }
}

#[test]
fn bgsave_file_loads_in_redis_and_passes_check_rdb() {
    let shardis = common::start_shardis(&["--threads", "4", "--dbfilename", "snap.rdb"]);
    let mut c = shardis.client();
    fill(&mut c, "a:");
    q(&mut c, &["SELECT", "3"]);
    fill(&mut c, "b:");
    q(&mut c, &["SELECT", "9"]);
    q(&mut c, &["SET", "only-in-9", "x", "PX", "100000000"]);
    bgsave(&shardis);
    wait_done(&shardis);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&shardis, "rdb_saves"), "1");
    assert_eq!(info_field(&shardis, "rdb_changes_since_last_save"), "0");
    assert_ne!(info_field(&shardis, "rdb_last_bgsave_time_sec"), "-1");
    let log = std::fs::read_to_string(shardis.logfile()).unwrap();
    for line in [
        &format!("Background saving started by pid {}", shardis.pid),
        "DB saved on disk",
        "Background saving terminated with success",
    ] {
        assert!(log.contains(line), "{line} missing in\n{log}");
    }
    let file = shardis.dir.join("snap.rdb");
    if let Ok(out) = std::process::Command::new("redis-check-rdb")
        .arg(&file)
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("RDB looks OK"),
            "{text}"
        );
    }
    let copy = TempDir(common::unique_temp_dir("bgsave-load"));
    if common::redis_available() {
        let redis = start_on(&file, true, &copy);
        assert_same(&shardis, &redis, &[0, 3, 9]);
    }
    let again = TempDir(common::unique_temp_dir("bgsave-load2"));
    let reloaded = start_on(&file, false, &again);
    assert_same(&shardis, &reloaded, &[0, 3, 9]);
}

#[test]
fn image_is_one_point_in_time_under_cross_shard_transfers() {
    // 20 µs per key: the save takes about 0.3 s while transfers go on.
    let shardis = common::start_shardis(&[
        "--threads",
        "4",
        "--dbfilename",
        "snap.rdb",
        "--rdb-key-save-delay",
        "20",
    ]);
    const ACCOUNTS: usize = 40;
    const START: i64 = 1000;
    {
        let mut c = shardis.client();
        for i in 0..ACCOUNTS {
            q(&mut c, &["SET", &format!("acct:{i}"), &START.to_string()]);
        }
        q(&mut c, &["SET", "pre:delete", "here"]);
        q(&mut c, &["SET", "pre:overwrite", "old"]);
    }
    // Enough keys that the save takes a while.
    fill_many(&shardis, "filler:", 60_000, 64);
    let stop = Arc::new(AtomicBool::new(false));
    let port = shardis.port;
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
                let mut c = client.get_connection().unwrap();
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let a = (n * 7 + w) % ACCOUNTS;
                    let b = (n * 13 + 5 + w) % ACCOUNTS;
                    n += 1;
                    if a == b {
                        continue;
                    }
                    let _: () = redis::pipe()
                        .atomic()
                        .cmd("DECRBY")
                        .arg(format!("acct:{a}"))
                        .arg(3)
                        .ignore()
                        .cmd("INCRBY")
                        .arg(format!("acct:{b}"))
                        .arg(3)
                        .ignore()
                        .cmd("INCR")
                        .arg("transfers")
                        .ignore()
                        .query(&mut c)
                        .unwrap();
                    let _: i64 = redis::cmd("INCR").arg("counter").query(&mut c).unwrap();
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut raw = shardis.raw();
    let transfers = |raw: &mut common::RawConn| -> i64 {
        let r = raw.cmd(&["GET", "transfers"]);
        let text = String::from_utf8(r).unwrap();
        text.lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or(0)
    };
    let before = transfers(&mut raw);
    assert_eq!(raw.cmd(&["BGSAVE"]), b"+Background saving started\r\n");
    let at_reply = transfers(&mut raw);
    // Changes after BGSAVE answered are not in the image.
    assert_eq!(raw.cmd(&["SET", "post:new", "1"]), b"+OK\r\n");
    assert_eq!(raw.cmd(&["DEL", "pre:delete"]), b":1\r\n");
    assert_eq!(raw.cmd(&["SET", "pre:overwrite", "new"]), b"+OK\r\n");
    assert_eq!(raw.cmd(&["DEL", "filler:17"]), b":1\r\n");
    let seen_running = info_field(&shardis, "rdb_bgsave_in_progress") == "1";
    wait_done(&shardis);
    let after = transfers(&mut raw);
    stop.store(true, Ordering::Relaxed);
    let done: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(done > 0);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "ok");
    assert!(seen_running, "the save ended before it could be seen");
    assert!(after > at_reply, "no transfer ran during the save");

    let copy = TempDir(common::unique_temp_dir("bgsave-pit"));
    let loaded = start_on(&shardis.dir.join("snap.rdb"), false, &copy);
    let mut c = loaded.client();
    let mut total = 0i64;
    for i in 0..ACCOUNTS {
        let v: i64 = redis::cmd("GET")
            .arg(format!("acct:{i}"))
            .query(&mut c)
            .unwrap();
        total += v;
    }
    assert_eq!(
        total,
        START * ACCOUNTS as i64,
        "transfers straddle the image"
    );
    let exists =
        |c: &mut Connection, k: &str| -> i64 { redis::cmd("EXISTS").arg(k).query(c).unwrap() };
    assert_eq!(exists(&mut c, "post:new"), 0);
    assert_eq!(exists(&mut c, "pre:delete"), 1);
    assert_eq!(exists(&mut c, "filler:17"), 1);
    let old: String = redis::cmd("GET")
        .arg("pre:overwrite")
        .query(&mut c)
        .unwrap();
    assert_eq!(old, "old");
    // The image's transfer count lies between the counts read before
    // BGSAVE and right after its reply.
    let then: i64 = redis::cmd("GET").arg("transfers").query(&mut c).unwrap();
    assert!(
        before <= then && then <= at_reply,
        "{before} {then} {at_reply}"
    );
    let dbsize: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert!(dbsize >= 60_000 + ACCOUNTS as i64 + 2, "dbsize {dbsize}");
    // The counters in the image are no later than now.
    let now: i64 = redis::cmd("GET")
        .arg("counter")
        .query(&mut shardis.client())
        .unwrap();
    let then: Option<i64> = redis::cmd("GET").arg("counter").query(&mut c).unwrap();
    assert!(then.unwrap_or(0) <= now);
}

#[test]
fn clients_are_served_during_a_large_bgsave() {
    let shardis = common::start_shardis(&["--threads", "4", "--dbfilename", "snap.rdb"]);
    fill_many(&shardis, "key:", 200_000, 100);
    let mut raw = shardis.raw();
    assert_eq!(raw.cmd(&["SET", "probe", "v"]), b"+OK\r\n");
    bgsave(&shardis);
    assert_eq!(
        raw.cmd(&["BGSAVE"]),
        b"-ERR Background save already in progress\r\n"
    );
    assert_eq!(
        raw.cmd(&["SAVE"]),
        b"-ERR Background save already in progress\r\n"
    );
    let mut seen_running = false;
    let mut seen_progress = false;
    let mut gets = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert_eq!(raw.cmd(&["GET", "probe"]), b"$1\r\nv\r\n");
        gets += 1;
        let info = String::from_utf8(raw.cmd(&["INFO", "persistence"])).unwrap();
        if info.contains("rdb_bgsave_in_progress:1\r\n") {
            seen_running = true;
            seen_progress |= info.contains("current_save_keys_total:200001\r\n");
        } else {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    assert!(seen_running && seen_progress, "after {gets} GETs");
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "ok");
    let copy = TempDir(common::unique_temp_dir("bgsave-big"));
    let loaded = start_on(&shardis.dir.join("snap.rdb"), false, &copy);
    let n: i64 = redis::cmd("DBSIZE").query(&mut loaded.client()).unwrap();
    assert_eq!(n, 200_001);
}

#[test]
fn bgsave_schedule_and_inside_multi() {
    let shardis = common::start_shardis(&["--threads", "2", "--dbfilename", "snap.rdb"]);
    let mut raw = shardis.raw();
    raw.cmd(&["SET", "a", "1"]);
    assert_eq!(
        raw.cmd(&["BGSAVE", "SCHEDULE"]),
        b"+Background saving started\r\n"
    );
    wait_done(&shardis);
    assert_eq!(raw.cmd(&["BGSAVE", "NOW"]), b"-ERR syntax error\r\n");
    raw.cmd(&["MULTI"]);
    raw.cmd(&["BGSAVE"]);
    assert_eq!(
        raw.cmd(&["EXEC"]),
        b"*1\r\n+Background saving scheduled\r\n"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while info_field(&shardis, "rdb_saves") != "2" {
        assert!(Instant::now() < deadline, "the scheduled BGSAVE never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn save_point_starts_a_bgsave() {
    let shardis = common::start_shardis(&[
        "--threads",
        "2",
        "--dbfilename",
        "snap.rdb",
        "--save",
        "1 1",
    ]);
    let mut c = shardis.client();
    let t0: i64 = redis::cmd("LASTSAVE").query(&mut c).unwrap();
    q(&mut c, &["SET", "k", "v"]);
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let t: i64 = redis::cmd("LASTSAVE").query(&mut c).unwrap();
        if t > t0 && shardis.dir.join("snap.rdb").exists() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no save\n{}",
            shardis.log_tail(20)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(shardis.logfile()).unwrap();
    assert!(log.contains("1 changes in 1 seconds. Saving..."), "{log}");
    assert_eq!(info_field(&shardis, "rdb_changes_since_last_save"), "0");
}

/// Makes saves to `bad.rdb` fail for any user (root included): the target
/// is a non-empty directory, so the final rename fails.
fn make_unwritable_target(dir: &Path) {
    std::fs::create_dir_all(dir.join("bad.rdb").join("x")).unwrap();
}

/// Replies to a write, PING and a read while the last save failed.
fn misconf_replies(server: &Server) -> Vec<Vec<u8>> {
    let mut raw = server.raw();
    vec![
        raw.cmd(&["SET", "k", "2"]),
        raw.cmd(&["PING"]),
        raw.cmd(&["GET", "k"]),
        raw.cmd(&["MULTI"]),
        raw.cmd(&["INCR", "k"]),
        raw.cmd(&["EXEC"]),
    ]
}

#[test]
fn failed_bgsave_stops_writes_until_a_save_succeeds() {
    let shardis = common::start_shardis(&[
        "--threads",
        "2",
        "--dbfilename",
        "snap.rdb",
        "--save",
        "3600 100000",
        "--enable-protected-configs",
        "yes",
    ]);
    let mut raw = shardis.raw();
    raw.cmd(&["SET", "k", "1"]);
    bgsave(&shardis);
    wait_done(&shardis);
    let good = shardis.dir.join("snap.rdb");
    let before = std::fs::read(&good).unwrap();
    make_unwritable_target(&shardis.dir);
    assert_eq!(
        raw.cmd(&["CONFIG", "SET", "dbfilename", "bad.rdb"]),
        b"+OK\r\n"
    );
    raw.cmd(&["SET", "k", "1"]);
    bgsave(&shardis);
    wait_done(&shardis);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "err");
    let log = std::fs::read_to_string(shardis.logfile()).unwrap();
    assert!(log.contains("Background saving error"), "{log}");
    let moving = format!(
        "Error moving temp DB file temp-bg-{}.rdb on the final destination bad.rdb (in server root dir {}): Is a directory\n",
        shardis.pid,
        shardis.dir.display()
    );
    assert!(log.contains(&moving), "{moving} missing in\n{log}");
    assert_eq!(
        std::fs::read(&good).unwrap(),
        before,
        "the old file changed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&shardis.dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let got = misconf_replies(&shardis);
    assert_eq!(got[0], MISCONF.as_bytes());
    assert_eq!(got[1], MISCONF.as_bytes());
    assert_eq!(got[2], b"$1\r\n1\r\n");
    if common::redis_available() {
        let redis = common::start_redis(&[
            "--dbfilename",
            "snap.rdb",
            "--save",
            "3600 100000",
            "--enable-protected-configs",
            "yes",
        ]);
        let mut r = redis.raw();
        r.cmd(&["SET", "k", "1"]);
        make_unwritable_target(&redis.dir);
        r.cmd(&["CONFIG", "SET", "dbfilename", "bad.rdb"]);
        bgsave(&redis);
        wait_done(&redis);
        assert_eq!(got, misconf_replies(&redis));
    } else {
        assert!(got[5].starts_with(b"-EXECABORT"));
    }
    // Without save points writes are allowed again, and with them back
    // they are refused again.
    raw.cmd(&["CONFIG", "SET", "save", ""]);
    assert_eq!(raw.cmd(&["SET", "k", "3"]), b"+OK\r\n");
    raw.cmd(&["CONFIG", "SET", "save", "3600 100000"]);
    assert_eq!(raw.cmd(&["SET", "k", "3"]), MISCONF.as_bytes());
    // The temporary file cannot be created where a directory is.
    raw.cmd(&["CONFIG", "SET", "dbfilename", "snap.rdb"]);
    let blocker = shardis.dir.join(format!("temp-bg-{}.rdb", shardis.pid));
    std::fs::create_dir(&blocker).unwrap();
    bgsave(&shardis);
    wait_done(&shardis);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "err");
    let log = std::fs::read_to_string(shardis.logfile()).unwrap();
    assert!(log.contains("Failed opening the temp RDB file"), "{log}");
    assert_eq!(
        std::fs::read(&good).unwrap(),
        before,
        "the old file changed"
    );
    std::fs::remove_dir(&blocker).unwrap();
    // A good save clears it.
    bgsave(&shardis);
    wait_done(&shardis);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "ok");
    assert_eq!(raw.cmd(&["SET", "k", "4"]), b"+OK\r\n");
    assert_eq!(raw.cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn info_persistence_fields_match_redis() {
    let shardis = common::start_shardis(&["--threads", "2"]);
    let names = |s: &Server| -> Vec<String> {
        String::from_utf8(s.raw().cmd(&["INFO", "persistence"]))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .collect()
    };
    let ours = names(&shardis);
    assert_eq!(ours.first().map(String::as_str), Some("loading"));
    assert!(ours.contains(&"current_save_keys_total".to_string()));
    if common::redis_available() {
        let redis = common::start_redis(&[]);
        assert_eq!(ours, names(&redis));
    }
}

#[test]
fn swapdb_and_flush_during_bgsave_keep_the_image_at_t() {
    let shardis = common::start_shardis(&["--threads", "4", "--dbfilename", "snap.rdb"]);
    fill_many(&shardis, "zero:", 50_000, 32);
    let mut raw = shardis.raw();
    raw.cmd(&["SELECT", "1"]);
    for i in 0..300 {
        raw.cmd(&["SET", &format!("one:{i}"), "1"]);
    }
    raw.cmd(&["SELECT", "2"]);
    raw.cmd(&["SET", "two", "2"]);
    bgsave(&shardis);
    raw.cmd(&["SELECT", "0"]);
    assert_eq!(raw.cmd(&["SWAPDB", "0", "1"]), b"+OK\r\n");
    // Database 0 now holds the "one:" keys; flush them and write anew.
    assert_eq!(raw.cmd(&["FLUSHDB"]), b"+OK\r\n");
    raw.cmd(&["SET", "after", "x"]);
    raw.cmd(&["SELECT", "2"]);
    assert_eq!(raw.cmd(&["FLUSHALL", "ASYNC"]), b"+OK\r\n");
    wait_done(&shardis);
    assert_eq!(info_field(&shardis, "rdb_last_bgsave_status"), "ok");
    let copy = TempDir(common::unique_temp_dir("bgsave-swap"));
    let loaded = start_on(&shardis.dir.join("snap.rdb"), false, &copy);
    let mut l = loaded.raw();
    assert_eq!(l.cmd(&["DBSIZE"]), b":50000\r\n");
    assert_eq!(l.cmd(&["EXISTS", "after"]), b":0\r\n");
    l.cmd(&["SELECT", "1"]);
    assert_eq!(l.cmd(&["DBSIZE"]), b":300\r\n");
    l.cmd(&["SELECT", "2"]);
    assert_eq!(l.cmd(&["GET", "two"]), b"$1\r\n2\r\n");
}
