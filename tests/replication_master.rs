//! Replication, master side, against a real redis-server 7 replica: full
//! synchronization (disk and diskless) of every type with TTLs on several
//! databases, staying in sync under concurrent writes (cross-shard MSET,
//! MULTI, expiring keys), partial resynchronization after the link drops,
//! WAIT, min-replicas-to-write, INFO replication and ROLE against Redis'
//! own, a replica sending garbage, and a replica falling out of the
//! backlog.

mod common;

use std::time::{Duration, Instant};

use common::contents::assert_same_dbs;
use common::Server;
use redis::Connection;

fn q(c: &mut Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(c).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn int(c: &mut Connection, args: &[&str]) -> i64 {
    match q(c, args) {
        redis::Value::Int(n) => n,
        other => panic!("{args:?}: {other:?}"),
    }
}

fn info(server: &Server, section: &str) -> String {
    String::from_utf8(server.raw().cmd(&["INFO", section])).unwrap()
}

fn field(server: &Server, section: &str, name: &str) -> Option<String> {
    info(server, section)
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(|v| v.to_string()))
}

fn log(server: &Server) -> String {
    String::from_utf8_lossy(&std::fs::read(server.logfile()).unwrap_or_default()).into_owned()
}

/// Polls `f` every 20 ms until it holds or `secs` pass.
fn until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn master(extra: &[&str]) -> Server {
    let mut args = vec!["--threads", "4", "--repl-diskless-sync-delay", "0"];
    args.extend_from_slice(extra);
    common::start_shardis(&args)
}

fn replica_of(m: &Server, extra: &[&str]) -> Server {
    let to = format!("127.0.0.1 {}", m.port);
    let mut args = vec![
        "--replicaof",
        to.as_str(),
        "--repl-diskless-load",
        "disabled",
    ];
    args.extend_from_slice(extra);
    common::start_redis(&args)
}

/// Waits until `r` finished its sync with `m` and `m` sees it online.
fn wait_synced(m: &Server, r: &Server) {
    until(20, "replica link up", || {
        field(r, "replication", "master_link_status").as_deref() == Some("up")
    });
    until(10, "replica online on the master", || {
        info(m, "replication").contains("state=online")
    });
}

/// Keys of every type, some with TTLs, in databases 0, 1 and 2.
fn populate(c: &mut Connection, tag: &str) {
    for db in 0..3 {
        q(c, &["SELECT", &db.to_string()]);
        for i in 0..40 {
            let k = format!("{tag}:{db}:{i}");
            q(c, &["SET", &format!("s:{k}"), &format!("v{i}")]);
            q(c, &["SET", &format!("n:{k}"), &i.to_string()]);
            q(c, &["RPUSH", &format!("l:{k}"), "a", "b", &i.to_string()]);
            q(
                c,
                &["HSET", &format!("h:{k}"), "f", "v", "g", &i.to_string()],
            );
            q(c, &["SADD", &format!("set:{k}"), "x", "y", &i.to_string()]);
            q(c, &["SADD", &format!("iset:{k}"), "1", "2", &i.to_string()]);
            q(
                c,
                &["ZADD", &format!("z:{k}"), "1.5", "m", &i.to_string(), "n"],
            );
            q(c, &["EXPIRE", &format!("s:{k}"), &(1000 + i).to_string()]);
        }
        let big: String = "x".repeat(300);
        q(c, &["HSET", &format!("bighash:{tag}:{db}"), "f", &big]);
        for i in 0..200 {
            q(
                c,
                &[
                    "RPUSH",
                    &format!("biglist:{tag}:{db}"),
                    &format!("{big}{i}"),
                ],
            );
        }
    }
    q(c, &["SELECT", "0"]);
}

fn full_sync(diskless: &str) {
    let m = master(&["--repl-diskless-sync", diskless]);
    let mut c = m.client();
    populate(&mut c, "pre");
    let r = replica_of(&m, &[]);
    wait_synced(&m, &r);
    populate(&mut c, "post");
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_same_dbs(&m, &r, &[0, 1, 2]);
    let text = log(&m);
    let name = format!("127.0.0.1:{}", r.port);
    assert!(
        text.contains(&format!("Replica {name} asks for synchronization")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Full resync requested by replica {name}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("Synchronization with replica {name} succeeded")),
        "{text}"
    );
    let target = if diskless == "yes" {
        "replicas sockets"
    } else {
        "disk"
    };
    assert!(
        text.contains(&format!("Starting BGSAVE for SYNC with target: {target}")),
        "{text}"
    );
    assert_eq!(field(&m, "stats", "sync_full").as_deref(), Some("1"));
}

#[test]
fn full_sync_from_disk() {
    full_sync("no");
}

#[test]
fn full_sync_diskless() {
    full_sync("yes");
}

#[test]
fn stays_in_sync_under_concurrent_writes() {
    let m = master(&[]);
    let r = replica_of(&m, &[]);
    let mut c = m.client();
    q(&mut c, &["SET", "seed", "1"]);
    wait_synced(&m, &r);
    let port = m.port;
    let writers: Vec<_> = (0..3)
        .map(|w| {
            std::thread::spawn(move || {
                let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
                let mut c = client.get_connection().unwrap();
                let mut expiring = Vec::new();
                for i in 0..300 {
                    let k = format!("w{w}:{}", i % 50);
                    q(&mut c, &["INCR", &format!("cnt:{k}")]);
                    q(
                        &mut c,
                        &[
                            "MSET",
                            &format!("a:{k}"),
                            "1",
                            &format!("b:{k}"),
                            &i.to_string(),
                            "c",
                            &k,
                        ],
                    );
                    q(&mut c, &["SELECT", &(i % 3).to_string()]);
                    q(&mut c, &["LPUSH", &format!("l:{k}"), &i.to_string()]);
                    q(&mut c, &["ZINCRBY", &format!("z:{k}"), "1", "m"]);
                    q(&mut c, &["SELECT", "0"]);
                    if i % 10 == 0 {
                        let mut p = redis::pipe();
                        p.atomic()
                            .cmd("HINCRBY")
                            .arg(format!("h:{k}"))
                            .arg("f")
                            .arg(1)
                            .cmd("SADD")
                            .arg(format!("s:{w}"))
                            .arg(i)
                            .cmd("RPOPLPUSH")
                            .arg(format!("l2:{w}"))
                            .arg(format!("l2:{w}"))
                            .cmd("SET")
                            .arg(format!("x:{i}:{w}"))
                            .arg("v");
                        let _: redis::Value = p.query(&mut c).unwrap();
                    }
                    if i % 7 == 0 {
                        let e = format!("exp:{w}:{i}");
                        q(&mut c, &["SET", &e, "v", "PX", "30"]);
                        expiring.push(e);
                    }
                    if i % 25 == 0 {
                        q(&mut c, &["DEL", &format!("a:{k}")]);
                    }
                }
                expiring
            })
        })
        .collect();
    let expiring: Vec<String> = writers
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    // Let the short TTLs pass, then touch the keys so the master expires
    // them (and sends the DELs) before comparing.
    std::thread::sleep(Duration::from_millis(60));
    for e in &expiring {
        q(&mut c, &["EXISTS", e]);
    }
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_same_dbs(&m, &r, &[0, 1, 2]);
    let mut rc = r.client();
    for e in &expiring {
        assert_eq!(int(&mut rc, &["EXISTS", e]), 0, "{e} left on the replica");
    }
}

#[test]
fn partial_resync_after_the_link_drops() {
    let m = master(&[]);
    let mut c = m.client();
    populate(&mut c, "p");
    let r = replica_of(&m, &[]);
    wait_synced(&m, &r);
    let mut rc = r.client();
    q(&mut rc, &["CLIENT", "KILL", "TYPE", "master"]);
    q(&mut c, &["SET", "after-kill", "1"]);
    q(&mut c, &["PUBLISH", "ch", "hello"]);
    until(10, "key on the replica", || {
        int(&mut rc, &["EXISTS", "after-kill"]) == 1
    });
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_eq!(field(&m, "stats", "sync_partial_ok").as_deref(), Some("1"));
    assert_eq!(field(&m, "stats", "sync_full").as_deref(), Some("1"));
    let text = log(&m);
    assert!(
        text.contains(&format!(
            "Partial resynchronization request from 127.0.0.1:{} accepted.",
            r.port
        )),
        "{text}"
    );
    assert_same_dbs(&m, &r, &[0, 1, 2]);
    // The master drops it this time: it shows as a replica (flag S).
    let list = String::from_utf8(m.raw().cmd(&["CLIENT", "LIST", "TYPE", "replica"])).unwrap();
    assert!(list.contains("flags=S"), "{list}");
    q(&mut c, &["CLIENT", "KILL", "TYPE", "slave"]);
    q(&mut c, &["SET", "after-kill-2", "1"]);
    until(10, "second partial resync", || {
        field(&m, "stats", "sync_partial_ok").as_deref() == Some("2")
    });
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_eq!(int(&mut rc, &["EXISTS", "after-kill-2"]), 1);
    // Both ends agree on the offset (the PINGs and PUBLISH count too).
    until(5, "same offsets", || {
        field(&m, "replication", "master_repl_offset")
            == field(&r, "replication", "master_repl_offset")
    });
}

#[test]
fn wait_and_min_replicas() {
    let m = master(&[]);
    let mut c = m.client();
    assert_eq!(int(&mut c, &["WAIT", "0", "0"]), 0);
    let mut r = replica_of(&m, &[]);
    wait_synced(&m, &r);
    q(&mut c, &["SET", "k", "v"]);
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_eq!(int(&mut c, &["WAIT", "2", "100"]), 1);
    q(&mut c, &["CONFIG", "SET", "min-replicas-to-write", "1"]);
    q(&mut c, &["SET", "k2", "v"]);
    assert_eq!(
        field(&m, "replication", "min_slaves_good_slaves").as_deref(),
        Some("1")
    );
    r.stop();
    until(10, "replica gone", || {
        field(&m, "replication", "connected_slaves").as_deref() == Some("0")
    });
    let mut raw = m.raw();
    assert_eq!(
        raw.cmd(&["SET", "k3", "v"]),
        b"-NOREPLICAS Not enough good replicas to write.\r\n"
    );
    raw.cmd(&["MULTI"]);
    raw.cmd(&["GET", "k"]);
    assert_eq!(raw.cmd(&["EXEC"]), b"*1\r\n$1\r\nv\r\n");
    q(&mut c, &["CONFIG", "SET", "min-replicas-to-write", "0"]);
    q(&mut c, &["SET", "k4", "v"]);
    let t = Instant::now();
    assert_eq!(int(&mut c, &["WAIT", "1", "300"]), 0);
    assert!(t.elapsed() >= Duration::from_millis(290));
    assert_eq!(
        raw.cmd(&["WAIT", "1", "-1"]),
        b"-ERR timeout is negative\r\n"
    );
    assert_eq!(
        raw.cmd(&["WAIT", "x", "1"]),
        b"-ERR value is not an integer or out of range\r\n"
    );
}

/// Field names of INFO replication, with `slaveN` lines and values left
/// out.
fn field_names(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(':'))
        .map(|l| {
            let name = l.split(':').next().unwrap_or_default();
            if name.starts_with("slave") && name[5..].chars().all(|c| c.is_ascii_digit()) {
                let keys: Vec<&str> = l[name.len() + 1..]
                    .split(',')
                    .map(|kv| kv.split('=').next().unwrap_or_default())
                    .collect();
                format!("slaveN:{}", keys.join(","))
            } else {
                name.to_string()
            }
        })
        .collect()
}

#[test]
fn info_replication_and_role_match_redis() {
    let m = master(&["--min-replicas-to-write", "1"]);
    let rm = common::start_redis(&[
        "--repl-diskless-sync-delay",
        "0",
        "--min-replicas-to-write",
        "1",
    ]);
    let fresh_ours = field_names(&info(&m, "replication"));
    let fresh_theirs = field_names(&info(&rm, "replication"));
    assert_eq!(fresh_ours, fresh_theirs);
    let r1 = replica_of(&m, &[]);
    let r2 = replica_of(&rm, &[]);
    wait_synced(&m, &r1);
    wait_synced(&rm, &r2);
    let ours = info(&m, "replication");
    let theirs = info(&rm, "replication");
    assert_eq!(
        field_names(&ours),
        field_names(&theirs),
        "\n{ours}\nvs\n{theirs}"
    );
    assert!(ours.contains(&format!(
        "slave0:ip=127.0.0.1,port={},state=online",
        r1.port
    )));
    assert!(ours.contains("repl_backlog_active:1"));
    assert!(ours.contains("repl_backlog_first_byte_offset:1"));
    // ROLE: master, offset, [[ip, port, offset]].
    let role = m.raw().cmd_parsed(&["ROLE"]);
    let parts = role.as_array().unwrap();
    assert_eq!(parts[0].as_bytes(), Some(&b"master"[..]));
    assert!(parts[1].as_int().is_some());
    let reps = parts[2].as_array().unwrap();
    assert_eq!(reps.len(), 1);
    let rep = reps[0].as_array().unwrap();
    assert_eq!(rep[0].as_bytes(), Some(&b"127.0.0.1"[..]));
    assert_eq!(rep[1].as_bytes(), Some(r1.port.to_string().as_bytes()));
    assert!(rep[2].as_bytes().is_some());
    let stats = info(&m, "stats");
    for f in ["sync_full:1", "sync_partial_ok:0", "sync_partial_err:0"] {
        assert!(stats.contains(f), "{f} in {stats}");
    }
}

#[test]
fn garbage_from_a_replica_drops_it() {
    let m = master(&["--repl-diskless-sync", "no"]);
    let mut c = m.client();
    q(&mut c, &["SET", "k", "v"]);
    let mut fake = m.raw();
    assert_eq!(
        fake.cmd(&["REPLCONF", "listening-port", "4321"]),
        b"+OK\r\n"
    );
    fake.send_cmd(&["PSYNC", "?", "-1"]);
    until(10, "fake replica online", || {
        info(&m, "replication").contains("port=4321,state=online")
    });
    fake.send(b"THIS IS NOT A REPLICA\r\n");
    until(10, "fake replica dropped", || {
        field(&m, "replication", "connected_slaves").as_deref() == Some("0")
    });
    assert_eq!(m.raw().cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(int(&mut c, &["DBSIZE"]), 1);
    assert!(log(&m).contains("Connection with replica 127.0.0.1:4321 lost."));
}

#[test]
fn a_replica_out_of_the_backlog_gets_a_full_sync() {
    // A replica that does not read is owed the stream up to its output
    // limit, then dropped; by then the backlog no longer has its offset.
    let m = master(&[
        "--repl-backlog-size",
        "16kb",
        "--client-output-buffer-limit",
        "replica 1mb 512kb 1",
    ]);
    let mut c = m.client();
    q(&mut c, &["SET", "k", "v"]);
    let r = replica_of(&m, &[]);
    wait_synced(&m, &r);
    // SAFETY: signals to the redis-server child this test started.
    unsafe { libc::kill(r.pid as libc::pid_t, libc::SIGSTOP) };
    let value = "v".repeat(64 * 1024);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut i = 0;
    while !log(&m).contains("overcoming of output buffer limits") {
        assert!(
            Instant::now() < deadline,
            "replica never dropped:\n{}",
            log(&m)
        );
        for _ in 0..16 {
            q(&mut c, &["SET", &format!("big:{}", i % 64), &value]);
            i += 1;
        }
    }
    // SAFETY: as above.
    unsafe { libc::kill(r.pid as libc::pid_t, libc::SIGCONT) };
    until(20, "second full sync", || {
        field(&m, "stats", "sync_full").as_deref() == Some("2")
    });
    wait_synced(&m, &r);
    assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
    assert_same_dbs(&m, &r, &[0]);
}

#[test]
fn replicas_arriving_together_share_one_snapshot() {
    for diskless in ["yes", "no"] {
        // A slow save (disk) or a delay (diskless) lets the second
        // replica join the first one's snapshot.
        let m = master(&[
            "--repl-diskless-sync",
            diskless,
            "--repl-diskless-sync-delay",
            "1",
            "--rdb-key-save-delay",
            "2000",
        ]);
        let mut c = m.client();
        populate(&mut c, "share");
        let r1 = replica_of(&m, &[]);
        let r2 = replica_of(&m, &[]);
        wait_synced(&m, &r1);
        wait_synced(&m, &r2);
        q(&mut c, &["SET", "after", "1"]);
        assert_eq!(int(&mut c, &["WAIT", "2", "5000"]), 2);
        assert_same_dbs(&m, &r1, &[0, 1, 2]);
        assert_same_dbs(&m, &r2, &[0, 1, 2]);
        let text = log(&m);
        assert_eq!(
            text.matches("Starting BGSAVE for SYNC").count(),
            1,
            "diskless {diskless}:\n{text}"
        );
        assert_eq!(field(&m, "stats", "sync_full").as_deref(), Some("2"));
    }
}

#[test]
fn backlog_is_freed_after_its_ttl_without_replicas() {
    let m = master(&["--repl-backlog-ttl", "1"]);
    let mut r = replica_of(&m, &[]);
    wait_synced(&m, &r);
    let id = field(&m, "replication", "master_replid");
    r.stop();
    until(10, "backlog freed", || {
        field(&m, "replication", "repl_backlog_active").as_deref() == Some("0")
    });
    assert!(
        log(&m).contains("Replication backlog freed after 1 seconds without connected replicas.")
    );
    // A new history starts, as Redis does.
    assert_ne!(field(&m, "replication", "master_replid"), id);
    let mut c = m.client();
    q(&mut c, &["SET", "k", "v"]);
}

#[test]
fn a_replica_that_never_acks_times_out() {
    let m = master(&["--repl-diskless-sync", "no", "--repl-timeout", "1"]);
    let mut c = m.client();
    q(&mut c, &["SET", "k", "v"]);
    let mut fake = m.raw();
    assert_eq!(
        fake.cmd(&["REPLCONF", "listening-port", "4322"]),
        b"+OK\r\n"
    );
    fake.send_cmd(&["PSYNC", "?", "-1"]);
    until(10, "fake replica online", || {
        info(&m, "replication").contains("port=4322,state=online")
    });
    // Something for the stream to carry before the replica is dropped.
    q(&mut c, &["SET", "k2", "v"]);
    // Replicas are not counted as clients (this client and INFO's are).
    assert_eq!(
        field(&m, "clients", "connected_clients").as_deref(),
        Some("2")
    );
    until(10, "fake replica timed out", || {
        log(&m).contains("Disconnecting timedout replica (streaming sync): 127.0.0.1:4322")
    });
    until(5, "fake replica gone", || {
        field(&m, "replication", "connected_slaves").as_deref() == Some("0")
    });
    assert_eq!(
        field(&m, "clients", "connected_clients").as_deref(),
        Some("2")
    );
    let sent: u64 = field(&m, "stats", "total_net_repl_output_bytes")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(sent > 0);
}

#[test]
fn writes_during_a_slow_full_sync_may_exceed_the_backlog() {
    for diskless in ["yes", "no"] {
        let m = master(&[
            "--repl-backlog-size",
            "16kb",
            "--rdb-key-save-delay",
            "3000",
            "--repl-diskless-sync",
            diskless,
        ]);
        let mut c = m.client();
        populate(&mut c, "slow");
        let r = replica_of(&m, &[]);
        let value = "w".repeat(4096);
        for i in 0..200 {
            q(&mut c, &["SET", &format!("during:{i}"), &value]);
        }
        wait_synced(&m, &r);
        assert_eq!(int(&mut c, &["WAIT", "1", "5000"]), 1);
        assert_same_dbs(&m, &r, &[0, 1, 2]);
        assert_eq!(
            field(&m, "stats", "sync_full").as_deref(),
            Some("1"),
            "{}",
            log(&m)
        );
    }
}
