//! Shardis (4 shards) as the replica of a real redis-server 7 master: full
//! sync (RDB on disk and diskless), the stream (MULTI/EXEC, EXPIRE, keys
//! expiring on the master), partial resynchronization after a cut link
//! and after a restart from the RDB, promotion, -READONLY, -MASTERDOWN,
//! unreachable masters, and a master killed during the transfer.

mod common;

use std::time::{Duration, Instant};

use common::contents::{assert_same_dbs, TempDir};
use common::{start_redis, start_shardis, unique_temp_dir, Server};
use redis::Connection;

/// Longest wait for any condition.
const WAIT: Duration = Duration::from_secs(15);

fn cmd<T: redis::FromRedisValue>(c: &mut Connection, args: &[&str]) -> T {
    let mut k = redis::cmd(args[0]);
    for a in &args[1..] {
        k.arg(*a);
    }
    k.query(c)
        .unwrap_or_else(|e| panic!("{args:?} failed: {e}"))
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool, logs: &[&Server]) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let tails: Vec<String> = logs.iter().map(|s| s.log_tail(30)).collect();
    panic!("timed out waiting for {what}\n{}", tails.join("\n"));
}

fn log_count(server: &Server, needle: &str) -> usize {
    std::fs::read_to_string(server.logfile())
        .unwrap_or_default()
        .matches(needle)
        .count()
}

/// The master's `master_repl_offset` and the offset its only replica
/// acknowledged (`slave0:...offset=`), if it has one online.
fn master_offsets(master: &Server) -> (u64, Option<u64>) {
    let mut c = master.client();
    let info: String = cmd(&mut c, &["INFO", "replication"]);
    let mut own = 0;
    let mut acked = None;
    for line in info.lines() {
        if let Some(v) = line.strip_prefix("master_repl_offset:") {
            own = v.trim().parse().unwrap_or(0);
        }
        if line.starts_with("slave0:") && line.contains("state=online") {
            acked = line
                .split(',')
                .find_map(|f| f.strip_prefix("offset="))
                .and_then(|v| v.parse().ok());
        }
    }
    (own, acked)
}

/// Waits until the replica applied everything the master wrote: a marker
/// written on the master (database 9, left out of the comparisons) is
/// readable on the replica, and the replica acknowledged the master's
/// whole offset.
fn wait_synced(master: &Server, replica: &Server) {
    static MARK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mark = MARK
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    let mut mc = master.client();
    let _: () = cmd(&mut mc, &["SELECT", "9"]);
    let _: () = cmd(&mut mc, &["SET", "sync-mark", &mark]);
    wait_for(
        "the replica to apply the sync mark",
        || {
            let Ok(mut rc) = redis::Client::open(format!("redis://127.0.0.1:{}/9", replica.port))
                .and_then(|c| c.get_connection())
            else {
                return false;
            };
            redis::cmd("GET")
                .arg("sync-mark")
                .query::<Option<String>>(&mut rc)
                .ok()
                .flatten()
                .as_deref()
                == Some(mark.as_str())
        },
        &[master, replica],
    );
    wait_for(
        "the replica to acknowledge the master's offset",
        || {
            let (own, acked) = master_offsets(master);
            acked == Some(own)
        },
        &[master, replica],
    );
}

fn start_master(diskless: bool) -> Server {
    start_redis(&[
        "--repl-diskless-sync",
        if diskless { "yes" } else { "no" },
        "--repl-diskless-sync-delay",
        "0",
        "--enable-debug-command",
        "yes",
    ])
}

fn start_replica_of(master: &Server, extra: &[&str]) -> Server {
    let target = format!("127.0.0.1 {}", master.port);
    let mut args = vec!["--threads", "4", "--replicaof", target.as_str()];
    args.extend_from_slice(extra);
    start_shardis(&args)
}

/// Keys of every type, some with TTLs, in databases 0, 1 and 2.
fn populate(c: &mut Connection, tag: &str) {
    for db in 0..3 {
        let _: () = cmd(c, &["SELECT", &db.to_string()]);
        for i in 0..40 {
            let k = format!("{tag}:{db}:{i}");
            let _: () = cmd(c, &["SET", &format!("{k}:s"), &format!("v{i}")]);
            let _: () = cmd(c, &["SET", &format!("{k}:n"), &i.to_string()]);
            let _: () = cmd(c, &["RPUSH", &format!("{k}:l"), "a", "b", &i.to_string()]);
            let _: () = cmd(
                c,
                &["HSET", &format!("{k}:h"), "f", "v", "g", &i.to_string()],
            );
            let _: () = cmd(c, &["SADD", &format!("{k}:set"), "x", "y", &i.to_string()]);
            let _: () = cmd(
                c,
                &["ZADD", &format!("{k}:z"), "1", "a", "2.5", &i.to_string()],
            );
            if i % 3 == 0 {
                let _: () = cmd(c, &["EXPIRE", &format!("{k}:s"), "1000"]);
                let _: () = cmd(c, &["PEXPIRE", &format!("{k}:h"), "2000000"]);
            }
        }
    }
    let _: () = cmd(c, &["SELECT", "0"]);
}

fn full_sync_then_stream(diskless: bool) {
    let master = start_master(diskless);
    let mut mc = master.client();
    populate(&mut mc, "pre");
    let replica = start_replica_of(&master, &[]);
    wait_synced(&master, &replica);
    assert_same_dbs(&master, &replica, &[0, 1, 2]);
    assert_eq!(log_count(&replica, "Full resync from master:"), 1);
    assert_eq!(
        log_count(&replica, "MASTER <-> REPLICA sync: Finished with success"),
        1
    );

    // The stream: plain writes, a transaction, expiry changes, deletions.
    populate(&mut mc, "post");
    let mut p = redis::pipe();
    p.atomic()
        .cmd("SET")
        .arg("tx:a")
        .arg("1")
        .cmd("INCRBY")
        .arg("tx:a")
        .arg(5)
        .cmd("LPUSH")
        .arg("tx:l")
        .arg("z")
        .cmd("EXPIRE")
        .arg("tx:l")
        .arg(500);
    let _: () = p.query(&mut mc).unwrap();
    let _: () = cmd(&mut mc, &["DEL", "pre:0:1:s", "pre:0:2:l"]);
    let _: () = cmd(&mut mc, &["PERSIST", "pre:0:0:s"]);
    let _: () = cmd(&mut mc, &["SELECT", "2"]);
    let _: () = cmd(&mut mc, &["HDEL", "pre:2:5:h", "f"]);
    let _: () = cmd(&mut mc, &["SET", "db2only", "x", "EX", "300"]);
    let _: () = cmd(&mut mc, &["SELECT", "0"]);
    wait_synced(&master, &replica);
    assert_same_dbs(&master, &replica, &[0, 1, 2]);

    // Writes from clients are refused; reads work.
    let mut rc = replica.raw();
    assert_eq!(
        rc.cmd(&["SET", "x", "1"]),
        b"-READONLY You can't write against a read only replica.\r\n".to_vec()
    );
    assert_eq!(rc.cmd(&["GET", "tx:a"]), b"$1\r\n6\r\n".to_vec());
    // Inside MULTI the write is refused when queued and EXEC aborts.
    assert_eq!(rc.cmd(&["MULTI"]), b"+OK\r\n".to_vec());
    assert!(rc.cmd(&["INCR", "tx:a"]).starts_with(b"-READONLY"));
    assert!(rc.cmd(&["EXEC"]).starts_with(b"-EXECABORT"));
}

#[test]
fn full_sync_from_disk_rdb_and_stream() {
    full_sync_then_stream(false);
}

#[test]
fn full_sync_diskless_and_stream() {
    full_sync_then_stream(true);
}

#[test]
fn keys_expire_only_when_the_master_says() {
    let master = start_master(false);
    let mut mc = master.client();
    let _: () = cmd(&mut mc, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    let _: () = cmd(&mut mc, &["SET", "keep", "1"]);
    let replica = start_replica_of(&master, &[]);
    wait_synced(&master, &replica);
    let _: () = cmd(&mut mc, &["SET", "short", "v", "PX", "150"]);
    wait_synced(&master, &replica);
    std::thread::sleep(Duration::from_millis(300));
    let mut rc = replica.client();
    // Logically expired: reads as missing, but still counted (the master
    // has not deleted it yet).
    let v: Option<String> = cmd(&mut rc, &["GET", "short"]);
    assert_eq!(v, None);
    let n: i64 = cmd(&mut rc, &["EXISTS", "short"]);
    assert_eq!(n, 0);
    let size: i64 = cmd(&mut rc, &["DBSIZE"]);
    assert_eq!(size, 2);
    // The master expires it on access and sends DEL.
    let v: Option<String> = cmd(&mut mc, &["GET", "short"]);
    assert_eq!(v, None);
    wait_for(
        "the master's DEL to reach the replica",
        || cmd::<i64>(&mut rc, &["DBSIZE"]) == 1,
        &[&master, &replica],
    );
    // Active expiry on the master reaches the replica the same way.
    let _: () = cmd(&mut mc, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    let _: () = cmd(&mut mc, &["SET", "gone", "v", "PX", "100"]);
    wait_for(
        "an actively expired key to disappear from the replica",
        || cmd::<i64>(&mut rc, &["DBSIZE"]) == 1 && cmd::<i64>(&mut mc, &["DBSIZE"]) == 1,
        &[&master, &replica],
    );
}

#[test]
fn cut_links_resume_with_a_partial_resync() {
    let master = start_master(false);
    let mut mc = master.client();
    populate(&mut mc, "a");
    let replica = start_replica_of(&master, &[]);
    wait_synced(&master, &replica);
    let mut rc = replica.client();
    // The replica cuts its master link.
    let killed: i64 = cmd(&mut rc, &["CLIENT", "KILL", "TYPE", "master"]);
    assert_eq!(killed, 1);
    let _: () = cmd(&mut mc, &["SET", "during1", "x"]);
    wait_for(
        "a partial resync after CLIENT KILL TYPE master",
        || log_count(&master, "Partial resynchronization request from") >= 1,
        &[&master, &replica],
    );
    wait_synced(&master, &replica);
    // The master cuts the link to its replica.
    let _: i64 = cmd(&mut mc, &["CLIENT", "KILL", "TYPE", "replica"]);
    let _: () = cmd(&mut mc, &["SET", "during2", "y"]);
    wait_for(
        "a second partial resync after CLIENT KILL TYPE replica",
        || log_count(&master, "Partial resynchronization request from") >= 2,
        &[&master, &replica],
    );
    wait_synced(&master, &replica);
    assert_same_dbs(&master, &replica, &[0, 1, 2]);
    assert_eq!(log_count(&master, "Full resync requested by replica"), 1);
    assert!(
        log_count(
            &replica,
            "Successful partial resynchronization with master."
        ) >= 2
    );
}

#[test]
fn restart_from_the_rdb_continues_with_a_partial_resync() {
    let master = start_master(false);
    let mut mc = master.client();
    populate(&mut mc, "a");
    let dir = TempDir(unique_temp_dir("shardis-replica-dir"));
    let dir_arg = dir.0.to_string_lossy().into_owned();
    let mut replica = start_replica_of(&master, &["--dir", &dir_arg]);
    wait_synced(&master, &replica);
    let _: () = cmd(&mut mc, &["SET", "after-sync", "1"]);
    let _: () = cmd(&mut mc, &["SELECT", "1"]);
    let _: () = cmd(&mut mc, &["SET", "after-sync-db1", "1"]);
    wait_synced(&master, &replica);
    let _: () = cmd(&mut replica.client(), &["SAVE"]);
    // SAFETY: kill(2) on the pid of our own child process.
    unsafe {
        libc::kill(replica.pid as libc::pid_t, libc::SIGKILL);
    }
    replica.stop();
    // Writes the replica misses while down (in db 1: the stream goes on
    // without a SELECT).
    let _: () = cmd(&mut mc, &["SET", "while-down", "2"]);
    let replica = start_replica_of(&master, &["--dir", &dir_arg]);
    wait_synced(&master, &replica);
    assert_same_dbs(&master, &replica, &[0, 1, 2]);
    assert_eq!(log_count(&master, "Full resync requested by replica"), 1);
    assert!(log_count(&master, "Partial resynchronization request from") >= 1);
    assert!(log_count(&replica, "Trying a partial resynchronization (request") >= 1);
}

#[test]
fn promotion_and_stale_data_rules() {
    let master = start_master(false);
    let mut mc = master.client();
    let _: () = cmd(&mut mc, &["SET", "k", "v"]);
    let replica = start_replica_of(&master, &["--replica-serve-stale-data", "no"]);
    wait_synced(&master, &replica);
    let mut rc = replica.raw();
    assert_eq!(rc.cmd(&["GET", "k"]), b"$1\r\nv\r\n".to_vec());
    // replica-read-only no: clients may write.
    assert_eq!(
        rc.cmd(&["CONFIG", "SET", "replica-read-only", "no"]),
        b"+OK\r\n".to_vec()
    );
    assert_eq!(rc.cmd(&["SET", "local", "1"]), b"+OK\r\n".to_vec());
    assert_eq!(
        rc.cmd(&["CONFIG", "SET", "replica-read-only", "yes"]),
        b"+OK\r\n".to_vec()
    );
    assert!(rc.cmd(&["SET", "local", "2"]).starts_with(b"-READONLY"));
    // Same master again: nothing to do.
    assert_eq!(
        rc.cmd(&["REPLICAOF", "127.0.0.1", &master.port.to_string()]),
        b"+OK Already connected to specified master\r\n".to_vec()
    );
    assert_eq!(
        rc.cmd(&["REPLICAOF", "127.0.0.1", "99999"]),
        b"-ERR Invalid master port\r\n".to_vec()
    );
    // The master goes away: data commands get -MASTERDOWN, INFO still works.
    drop(master);
    let masterdown =
        b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
            .to_vec();
    let deadline = Instant::now() + WAIT;
    while rc.cmd(&["GET", "k"]) != masterdown {
        assert!(Instant::now() < deadline, "{}", replica.log_tail(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(rc.cmd(&["INFO", "server"]).starts_with(b"$"));
    // Promotion: writable again, data kept.
    assert_eq!(rc.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n".to_vec());
    assert_eq!(rc.cmd(&["GET", "k"]), b"$1\r\nv\r\n".to_vec());
    assert_eq!(rc.cmd(&["SET", "k2", "w"]), b"+OK\r\n".to_vec());
    assert_eq!(
        log_count(&replica, "MASTER MODE enabled (user request from 'id="),
        1
    );
    assert_eq!(
        log_count(&replica, "Setting secondary replication ID to"),
        1
    );
}

#[test]
fn unreachable_masters_are_retried_while_stale_data_is_served() {
    let server = start_shardis(&["--threads", "4"]);
    let mut rc = server.raw();
    assert_eq!(rc.cmd(&["SET", "k", "v"]), b"+OK\r\n".to_vec());
    // A closed port.
    let closed = common::free_port().to_string();
    assert_eq!(
        rc.cmd(&["REPLICAOF", "127.0.0.1", &closed]),
        b"+OK\r\n".to_vec()
    );
    wait_for(
        "two refused connection attempts",
        || {
            log_count(
                &server,
                "Error condition on socket for SYNC: Connection refused",
            ) >= 2
        },
        &[&server],
    );
    assert_eq!(rc.cmd(&["GET", "k"]), b"$1\r\nv\r\n".to_vec());
    assert!(rc.cmd(&["SET", "k", "w"]).starts_with(b"-READONLY"));
    // Itself: every attempt fails at PSYNC; data is still served.
    let own = server.port.to_string();
    assert_eq!(
        rc.cmd(&["REPLICAOF", "127.0.0.1", &own]),
        b"+OK\r\n".to_vec()
    );
    wait_for(
        "two attempts at syncing with itself",
        || log_count(&server, "Trying a partial resynchronization") >= 2,
        &[&server],
    );
    assert_eq!(rc.cmd(&["GET", "k"]), b"$1\r\nv\r\n".to_vec());
    assert_eq!(rc.cmd(&["REPLICAOF", "NO", "ONE"]), b"+OK\r\n".to_vec());
    assert_eq!(rc.cmd(&["SET", "k", "w"]), b"+OK\r\n".to_vec());
}

#[test]
fn master_killed_during_the_transfer_leaves_the_old_data() {
    // A slow diskless transfer (the master sleeps per key while streaming).
    let mut master = start_redis(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--rdb-key-save-delay",
        "200",
        "--enable-debug-command",
        "yes",
    ]);
    let mut mc = master.client();
    let _: () = cmd(&mut mc, &["DEBUG", "POPULATE", "30000", "big", "100"]);
    let replica = start_shardis(&["--threads", "4", "--repl-diskless-load", "swapdb"]);
    let mut rc = replica.raw();
    assert_eq!(rc.cmd(&["SET", "old", "data"]), b"+OK\r\n".to_vec());
    let port = master.port.to_string();
    assert_eq!(
        rc.cmd(&["REPLICAOF", "127.0.0.1", &port]),
        b"+OK\r\n".to_vec()
    );
    wait_for(
        "the transfer to start",
        || log_count(&replica, "receiving streamed RDB from master") >= 1,
        &[&master, &replica],
    );
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: kill(2) on the pid of our own child process.
    unsafe {
        libc::kill(master.pid as libc::pid_t, libc::SIGKILL);
    }
    master.stop();
    wait_for(
        "a reconnection attempt",
        || log_count(&replica, "Reconnecting to MASTER") >= 1,
        &[&replica],
    );
    assert_eq!(
        log_count(
            &replica,
            "I/O error trying to sync with MASTER: connection lost"
        ),
        1
    );
    assert_eq!(rc.cmd(&["GET", "old"]), b"$4\r\ndata\r\n".to_vec());
    assert_eq!(rc.cmd(&["DBSIZE"]), b":1\r\n".to_vec());
    assert_eq!(log_count(&replica, "Finished with success"), 0);
}

/// A scripted master: a plain TCP socket speaking the master's side of the
/// protocol, to check the replica's exact bytes (offsets, acks, timeout).
mod fake_master {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    /// Reads one RESP array of bulk strings.
    pub fn read_command(r: &mut BufReader<TcpStream>) -> Vec<String> {
        let mut line = String::new();
        r.read_line(&mut line).expect("read header");
        let n: usize = line
            .trim()
            .strip_prefix('*')
            .unwrap_or_else(|| panic!("not an array: {line:?}"))
            .parse()
            .unwrap();
        (0..n)
            .map(|_| {
                let mut h = String::new();
                r.read_line(&mut h).expect("read bulk header");
                let len: usize = h.trim().trim_start_matches('$').parse().unwrap();
                let mut b = vec![0u8; len + 2];
                r.read_exact(&mut b).unwrap();
                b.truncate(len);
                String::from_utf8(b).unwrap()
            })
            .collect()
    }

    /// Answers the handshake up to PSYNC (returned) with `+OK`/`+PONG`.
    pub fn handshake(r: &mut BufReader<TcpStream>, w: &mut TcpStream) -> Vec<String> {
        loop {
            let c = read_command(r);
            match c[0].to_ascii_uppercase().as_str() {
                "PING" => w.write_all(b"+PONG\r\n").unwrap(),
                "PSYNC" => return c,
                _ => w.write_all(b"+OK\r\n").unwrap(),
            }
        }
    }

    /// Reads commands until a `REPLCONF ACK <want>` comes.
    pub fn wait_ack(r: &mut BufReader<TcpStream>, want: u64) {
        for _ in 0..50 {
            let c = read_command(r);
            if c.len() == 3 && c[1].eq_ignore_ascii_case("ACK") && c[2] == want.to_string() {
                return;
            }
        }
        panic!("no REPLCONF ACK {want}");
    }
}

#[test]
fn offsets_acks_and_timeout_with_a_scripted_master() {
    use std::io::{BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = format!("127.0.0.1 {port}");
    let replica = start_shardis(&[
        "--threads",
        "4",
        "--replicaof",
        &target,
        "--repl-timeout",
        "2",
        "--replica-announce-port",
        "4321",
        "--replica-announce-ip",
        "10.1.2.3",
    ]);
    let (sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let mut w = sock.try_clone().unwrap();
    let mut r = BufReader::new(sock);
    // The handshake announces the port and asks for a full sync first.
    let mut seen = Vec::new();
    let psync = loop {
        let c = fake_master::read_command(&mut r);
        match c[0].to_ascii_uppercase().as_str() {
            "PING" => w.write_all(b"+PONG\r\n").unwrap(),
            "PSYNC" => break c,
            _ => {
                seen.push(c.join(" "));
                w.write_all(b"+OK\r\n").unwrap()
            }
        }
    };
    assert!(
        seen.contains(&"REPLCONF listening-port 4321".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"REPLCONF capa eof capa psync2".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"REPLCONF ip-address 10.1.2.3".to_string()),
        "{seen:?}"
    );
    assert_eq!(psync, vec!["PSYNC", "?", "-1"]);
    let id = "0123456789abcdef0123456789abcdef01234567";
    w.write_all(format!("+CONTINUE {id}\r\n").as_bytes())
        .unwrap();
    fake_master::wait_ack(&mut r, 0);
    let set = common::encode_command(&["SET", "k", "v"]);
    let getack = common::encode_command(&["REPLCONF", "GETACK", "*"]);
    w.write_all(&set).unwrap();
    w.write_all(&getack).unwrap();
    // The ack counts the bytes before GETACK.
    let mut at = set.len() as u64;
    fake_master::wait_ack(&mut r, at);
    at += getack.len() as u64;
    // Inside an open transaction nothing more is acknowledged...
    let multi = common::encode_command(&["MULTI"]);
    let queued = common::encode_command(&["SET", "k2", "x"]);
    w.write_all(&multi).unwrap();
    w.write_all(&queued).unwrap();
    w.write_all(&getack).unwrap();
    fake_master::wait_ack(&mut r, at);
    // ...until EXEC closes it.
    let exec = common::encode_command(&["EXEC"]);
    w.write_all(&exec).unwrap();
    w.write_all(&getack).unwrap();
    at += (multi.len() + queued.len() + getack.len() + exec.len()) as u64;
    fake_master::wait_ack(&mut r, at);
    at += getack.len() as u64;
    let mut rc = replica.client();
    let got: Vec<Option<String>> = cmd(&mut rc, &["MGET", "k", "k2"]);
    assert_eq!(got, vec![Some("v".to_string()), Some("x".to_string())]);
    // Silence for longer than repl-timeout: the replica drops the link and
    // asks to continue from its offset.
    let (sock2, _) = listener.accept().unwrap();
    sock2.set_read_timeout(Some(WAIT)).unwrap();
    let mut w2 = sock2.try_clone().unwrap();
    let mut r2 = BufReader::new(sock2);
    let psync = fake_master::handshake(&mut r2, &mut w2);
    assert_eq!(
        psync,
        vec!["PSYNC".to_string(), id.to_string(), (at + 1).to_string()]
    );
    assert_eq!(
        log_count(&replica, "MASTER timeout: no data nor PING received..."),
        1
    );
    drop(w);
}

#[test]
fn authenticates_with_masteruser_and_masterauth() {
    let master = start_master(true);
    let mut mc = master.client();
    // Set after start-up: the harness checks readiness without a password.
    let _: () = cmd(&mut mc, &["CONFIG", "SET", "requirepass", "s3cret"]);
    let _: () = cmd(&mut mc, &["SET", "k", "v"]);
    let target = format!("127.0.0.1 {}", master.port);
    let replica = start_shardis(&[
        "--threads",
        "4",
        "--replicaof",
        &target,
        "--masteruser",
        "default",
        "--masterauth",
        "s3cret",
    ]);
    let mut rc = replica.client();
    wait_for(
        "the replica to sync through AUTH",
        || {
            redis::cmd("GET")
                .arg("k")
                .query::<Option<String>>(&mut rc)
                .ok()
                .flatten()
                .is_some()
        },
        &[&master, &replica],
    );
    let _: () = cmd(&mut mc, &["SET", "k2", "w"]);
    wait_for(
        "the stream to flow",
        || cmd::<Option<String>>(&mut rc, &["GET", "k2"]).as_deref() == Some("w"),
        &[&master, &replica],
    );
}

#[test]
fn full_sync_payload_after_keepalives_with_eof_mark() {
    use std::io::{BufReader, Write};
    // An RDB file made by redis-server itself.
    let source = start_redis(&[]);
    let mut sc = source.client();
    let _: () = cmd(&mut sc, &["SET", "from-rdb", "yes"]);
    let _: () = cmd(&mut sc, &["HSET", "h", "f", "v"]);
    let _: () = cmd(&mut sc, &["SAVE"]);
    let rdb = std::fs::read(source.dir.join("dump.rdb")).unwrap();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = format!("127.0.0.1 {port}");
    let replica = start_shardis(&[
        "--threads",
        "4",
        "--replicaof",
        &target,
        "--repl-diskless-load",
        "on-empty-db",
    ]);
    let (sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let mut w = sock.try_clone().unwrap();
    let mut r = BufReader::new(sock);
    fake_master::handshake(&mut r, &mut w);
    let id = "fedcba9876543210fedcba9876543210fedcba98";
    let mark = "m".repeat(40);
    w.write_all(format!("+FULLRESYNC {id} 1000\r\n\n\n").as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    w.write_all(format!("$EOF:{mark}\r\n").as_bytes()).unwrap();
    let (a, b) = rdb.split_at(rdb.len() / 2);
    w.write_all(a).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    w.write_all(b).unwrap();
    w.write_all(mark.as_bytes()).unwrap();
    // The stream follows right after the mark; offsets start at 1000.
    let select = common::encode_command(&["SELECT", "0"]);
    let set = common::encode_command(&["SET", "after", "1"]);
    let getack = common::encode_command(&["REPLCONF", "GETACK", "*"]);
    w.write_all(&select).unwrap();
    w.write_all(&set).unwrap();
    w.write_all(&getack).unwrap();
    fake_master::wait_ack(&mut r, 1000 + (select.len() + set.len()) as u64);
    let mut rc = replica.client();
    let got: Vec<Option<String>> = cmd(&mut rc, &["MGET", "from-rdb", "after"]);
    assert_eq!(got, vec![Some("yes".to_string()), Some("1".to_string())]);
    let h: Option<String> = cmd(&mut rc, &["HGET", "h", "f"]);
    assert_eq!(h.as_deref(), Some("v"));
    assert_eq!(
        log_count(
            &replica,
            "receiving streamed RDB from master with EOF to parser"
        ),
        1
    );
}

#[test]
fn the_aof_of_a_replica_restarts_from_the_synced_data() {
    let master = start_master(true);
    let mut mc = master.client();
    let _: () = cmd(&mut mc, &["MSET", "a", "1", "b", "2"]);
    let dir = TempDir(unique_temp_dir("shardis-replica-aof"));
    let dir_arg = dir.0.to_string_lossy().into_owned();
    let mut replica = start_replica_of(&master, &["--dir", &dir_arg, "--appendonly", "yes"]);
    wait_synced(&master, &replica);
    let _: () = cmd(&mut mc, &["SET", "c", "3"]);
    wait_synced(&master, &replica);
    wait_for(
        "the AOF rewrite after the sync",
        || log_count(&replica, "Background AOF rewrite finished successfully") >= 1,
        &[&replica],
    );
    replica.stop();
    // Alone, from its AOF: the synced data and what the stream brought.
    let alone = start_shardis(&["--threads", "4", "--dir", &dir_arg, "--appendonly", "yes"]);
    let mut c = alone.client();
    let got: Vec<Option<String>> = cmd(&mut c, &["MGET", "a", "b", "c"]);
    assert_eq!(
        got,
        vec![
            Some("1".to_string()),
            Some("2".to_string()),
            Some("3".to_string())
        ]
    );
}
