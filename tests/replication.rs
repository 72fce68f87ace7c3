//! Master-replica replication across processes: a master and two replicas
//! set up by `replicaof` in their config files, each a redis-server or a
//! shardis, run through the scenarios of the Redis replication tutorial:
//!
//! - `tutorial`: keys of every type and encoding, some with TTLs, in dbs 0
//!   and 1, written on the master, equal on every replica;
//! - `restart_*`: a replica killed (SIGKILL) or shut down (SHUTDOWN SAVE)
//!   and restarted with the same config comes back with a partial resync;
//! - `promote`: `REPLICAOF NO ONE` on replica 1, replica 2 moved under it
//!   continues with a partial resync;
//! - `kill_master_*`: the master SIGKILLed under write load; acknowledged
//!   writes missing on the most up-to-date replica are counted, and with
//!   `WAIT 1` none may be missing;
//! - `readonly_and_min_replicas`: writes on a replica get -READONLY, and a
//!   master with `min-replicas-to-write` refuses writes with -NOREPLICAS
//!   once its replicas are gone.
//!
//! Every scenario runs on several topologies (module per topology). The
//! topologies with a shardis node are skipped, with a printed note, while
//! the shardis binary does not speak the replication protocol. Running with
//! `SHARDIS_TEST_BIN=/usr/bin/redis-server` makes every "shardis" node a
//! redis-server, which checks the scenarios themselves.

mod common;
#[path = "replication/dataset.rs"]
mod dataset;
#[path = "replication/topology.rs"]
mod topology;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{escape_trunc, RawConn};
use topology::{can_run, poll, Kind, Node, Shape, Topology};

/// Keys per database in the tutorial scenario (dbs 0 and 1: 20k in all).
const TUTORIAL_KEYS: usize = 10_000;
/// Keys per database in the other scenarios.
const SMALL_KEYS: usize = 1_000;
/// How long the writers run before the master is killed.
const LOAD_TIME: Duration = Duration::from_millis(1500);
/// Writer threads in the kill-the-master scenarios.
const WRITERS: usize = 4;
/// How long a log line or a statistic has to show up.
const SHOW_UP: Duration = Duration::from_secs(10);

const DBS: &[i64] = &[0, 1];

/// Waits until `node`'s log contains `text`; panics with the log tail.
fn assert_log_contains(node: &Node, text: &str) {
    assert!(
        poll(SHOW_UP, || node.log().contains(text)),
        "{} log has no {text:?}\n{}",
        node.name,
        node.log_tail(40)
    );
}

/// Waits until the INFO stats counter `field` of `node` exceeds `before`.
fn assert_stat_grows(node: &Node, field: &str, before: i64, t: &Topology) {
    assert!(
        poll(SHOW_UP, || node.info_int("stats", field) > before),
        "{}: {field} stayed at {before}\n{}",
        node.name,
        t.logs()
    );
}

fn assert_ok(reply: &[u8], what: &str) {
    assert!(
        reply.starts_with(b"+OK"),
        "{what} answered {}",
        escape_trunc(reply, 200)
    );
}

/// Every replica equals the master, key by key, in dbs 0 and 1.
fn assert_replicas_equal(t: &Topology, master: usize, replicas: &[usize]) {
    let ports: Vec<u16> = replicas.iter().map(|&r| t.nodes[r].port).collect();
    dataset::assert_same(t.nodes[master].port, &ports, DBS, |port| {
        t.nodes
            .iter()
            .find(|n| n.port == port)
            .map_or_else(|| port.to_string(), |n| n.name.clone())
    });
}

/// Scenario a: keys of every type on the master, 60% of them written
/// before the replicas start (they get them by full sync), the rest and
/// changes to some of the first ones after (by the command stream); wait
/// for the replicas to reach the master's offset, compare them key by key.
fn tutorial(kinds: [Kind; 3], shape: Shape) {
    let started = Instant::now();
    let early = TUTORIAL_KEYS * 3 / 5;
    let t = Topology::start_with(
        kinds,
        shape,
        |_| Vec::new(),
        |m| dataset::load_range(m.port, "t", 0..early, DBS),
    );
    for i in 1..3 {
        let up = &t.nodes[t.upstream_of(i)];
        let me = format!("127.0.0.1:{}", t.nodes[i].port);
        assert_log_contains(up, &format!("Replica {me} asks for synchronization"));
        assert_log_contains(up, &format!("Full resync requested by replica {me}"));
        assert_log_contains(up, &format!("Synchronization with replica {me} succeeded"));
        assert_log_contains(
            &t.nodes[i],
            "MASTER <-> REPLICA sync: Finished with success",
        );
        assert_eq!(
            t.nodes[i]
                .info("replication")
                .get("role")
                .map(String::as_str),
            Some("slave"),
            "{} role",
            t.nodes[i].name
        );
    }
    // Keys 40%..60% are written again (lists get longer, sets and hashes
    // unchanged, TTLs set again) and changed again.
    dataset::load_range(
        t.nodes[0].port,
        "t",
        TUTORIAL_KEYS * 2 / 5..TUTORIAL_KEYS,
        DBS,
    );
    let loaded = started.elapsed();
    t.wait_synced(&[0], &[1, 2]);
    let synced = started.elapsed();
    assert_replicas_equal(&t, 0, &[1, 2]);
    println!(
        "tutorial {kinds:?} {shape:?}: loaded {} keys at {loaded:?}, replicas synced at \
         {synced:?}, compared at {:?}",
        TUTORIAL_KEYS * DBS.len(),
        started.elapsed()
    );
}

/// How replica 1 goes down in the restart scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Down {
    /// SIGKILL, no save points: the replica comes back with the RDB of its
    /// full sync (redis keeps it in its dir, with the master's replication
    /// id and offset in its aux fields).
    KillAfterSync,
    /// SIGKILL with `save 1 1`: after a background save of the replica's
    /// own, which records the replication id and offset.
    KillAfterBgsave,
    /// `SHUTDOWN SAVE`.
    ShutdownSave,
}

/// Scenario b: replica 1 goes down, the master gets more writes, replica 1
/// restarts with the same config and continues with a partial resync.
fn restart(kinds: [Kind; 3], shape: Shape, down: Down) {
    let t0 = Instant::now();
    let mut t = Topology::start(kinds, shape, |i| {
        if i > 0 && down == Down::KillAfterBgsave {
            vec!["save 1 1".to_string()]
        } else {
            Vec::new()
        }
    });
    dataset::load(t.nodes[0].port, "a", SMALL_KEYS, DBS);
    t.wait_synced(&[0], &[1, 2]);
    let up = t.upstream_of(1);
    let partial_before = t.nodes[up].info_int("stats", "sync_partial_ok");
    match down {
        Down::KillAfterSync => t.nodes[1].kill9(),
        Down::KillAfterBgsave => {
            let r = &t.nodes[1];
            assert!(
                poll(Duration::from_secs(15), || {
                    let p = r.info("persistence");
                    p.get("rdb_changes_since_last_save").map(String::as_str) == Some("0")
                        && p.get("rdb_bgsave_in_progress").map(String::as_str) == Some("0")
                }),
                "replica 1 did not save its data set\n{}",
                r.log_tail(30)
            );
            t.nodes[1].kill9();
        }
        Down::ShutdownSave => t.nodes[1].shutdown_save(),
    }
    dataset::load(t.nodes[0].port, "b", SMALL_KEYS / 2, DBS);
    t.nodes[1].restart();
    t.wait_synced(&[0], &[1, 2]);
    let me = format!("127.0.0.1:{}", t.nodes[1].port);
    assert_log_contains(
        &t.nodes[up],
        &format!("Partial resynchronization request from {me} accepted"),
    );
    assert_stat_grows(&t.nodes[up], "sync_partial_ok", partial_before, &t);
    assert_log_contains(
        &t.nodes[1],
        "Successful partial resynchronization with master.",
    );
    assert_replicas_equal(&t, 0, &[1, 2]);
    println!("restart {down:?} {kinds:?} {shape:?}: {:?}", t0.elapsed());
}

/// Scenario c: promote replica 1, move replica 2 under it, write on it.
fn promote(kinds: [Kind; 3], shape: Shape) {
    let t0 = Instant::now();
    let t = Topology::start(kinds, shape, |_| Vec::new());
    dataset::load(t.nodes[0].port, "a", SMALL_KEYS, DBS);
    t.wait_synced(&[0], &[1, 2]);
    let (r1, r2) = (&t.nodes[1], &t.nodes[2]);
    let partial_before = r1.info_int("stats", "sync_partial_ok");
    assert_ok(&r1.cmd(&["REPLICAOF", "NO", "ONE"]), "REPLICAOF NO ONE");
    assert_eq!(
        r1.info("replication").get("role").map(String::as_str),
        Some("master")
    );
    // In a chain replica 2 already replicates replica 1 ("+OK Already
    // connected to specified master"); the promotion makes it reconnect.
    assert_ok(
        &r2.cmd(&["REPLICAOF", "127.0.0.1", &r1.port.to_string()]),
        "REPLICAOF replica 1",
    );
    dataset::load(r1.port, "c", SMALL_KEYS / 2, DBS);
    t.wait_synced(&[1], &[2]);
    let me = format!("127.0.0.1:{}", r2.port);
    assert_log_contains(
        r1,
        &format!("Partial resynchronization request from {me} accepted"),
    );
    assert_stat_grows(r1, "sync_partial_ok", partial_before, &t);
    assert_log_contains(r2, "Successful partial resynchronization with master.");
    assert_replicas_equal(&t, 1, &[2]);
    println!("promote {kinds:?} {shape:?}: {:?}", t0.elapsed());
}

/// One writer of the kill-the-master scenario: unique keys `d:<w>:<i>`
/// until the connection fails, the stop flag or the time limit; returns the
/// keys whose writes were acknowledged (by `WAIT 1 <ms>` >= 1 when `wait`).
fn writer(port: u16, w: usize, wait: bool, stop: Arc<AtomicBool>) -> Vec<String> {
    let mut acked = Vec::new();
    let Ok(mut c) = RawConn::connect(port) else {
        return acked;
    };
    let deadline = Instant::now() + LOAD_TIME * 4;
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        let key = format!("d:{w}:{i}");
        i += 1;
        let v = i.to_string();
        if c.try_send(&common::encode_command(&["SET", &key, &v]))
            .is_err()
        {
            break;
        }
        match c.try_read_reply() {
            Ok(r) if r == b"+OK\r\n" => {}
            _ => break,
        }
        if wait {
            if c.try_send(&common::encode_command(&["WAIT", "1", "500"]))
                .is_err()
            {
                break;
            }
            match c.try_read_reply().map(|r| common::parse_reply(&r)) {
                Ok(Ok(common::Reply::Int(n))) if n >= 1 => acked.push(key),
                Ok(Ok(common::Reply::Int(_))) => {}
                _ => break,
            }
        } else {
            acked.push(key);
        }
    }
    acked
}

/// Scenario d: SIGKILL the master under write load; count acknowledged
/// writes missing on the most up-to-date replica. With `wait` (WAIT 1 after
/// each write) none may be missing; without, asynchronous replication may
/// lose a tail, which is only reported.
fn kill_master(kinds: [Kind; 3], shape: Shape, wait: bool) {
    let mut t = Topology::start(kinds, shape, |_| Vec::new());
    let stop = Arc::new(AtomicBool::new(false));
    let port = t.nodes[0].port;
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || writer(port, w, wait, stop))
        })
        .collect();
    std::thread::sleep(LOAD_TIME);
    t.nodes[0].kill9();
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("writer thread"))
        .collect();
    assert!(!acked.is_empty(), "no write was acknowledged\n{}", t.logs());
    // Each direct replica of the dead master: once its link is down it has
    // applied everything it received; then REPLICAOF NO ONE, so that it
    // does not reconnect to the dead master's port, which another test may
    // be given by now. Along a chain replica 2 can only be behind replica 1.
    let direct: Vec<usize> = (1..3).filter(|&i| t.upstream_of(i) == 0).collect();
    let mut offsets = Vec::new();
    for &i in &direct {
        let n = &t.nodes[i];
        assert!(
            poll(SHOW_UP, || n
                .info("replication")
                .get("master_link_status")
                .map(String::as_str)
                == Some("down")),
            "{} still has its link up after the master was killed",
            n.name
        );
        assert_ok(&n.cmd(&["REPLICAOF", "NO", "ONE"]), "REPLICAOF NO ONE");
        offsets.push((n.info_int("replication", "master_repl_offset"), i));
    }
    offsets.sort();
    let (best_offset, best) = *offsets.last().expect("a direct replica");
    let last = (best_offset, offsets[0].0);
    let mut c = dataset::Pipe::connect(t.nodes[best].port);
    let cmds: Vec<Vec<String>> = acked
        .iter()
        .map(|k| vec!["EXISTS".to_string(), k.clone()])
        .collect();
    let missing = dataset::pipeline(&mut c, &cmds)
        .iter()
        .filter(|r| r.as_int() != Some(1))
        .count();
    println!(
        "kill master {kinds:?} {shape:?} wait={wait}: {} acknowledged writes, {missing} missing \
         on {} (offset {}, other replica {})",
        acked.len(),
        t.nodes[best].name,
        last.0.max(last.1),
        last.0.min(last.1)
    );
    if wait {
        assert_eq!(
            missing,
            0,
            "writes acknowledged by WAIT 1 are missing on {}\n{}",
            t.nodes[best].name,
            t.logs()
        );
    }
}

const READONLY: &[u8] = b"-READONLY You can't write against a read only replica.\r\n";
const NOREPLICAS: &[u8] = b"-NOREPLICAS Not enough good replicas to write.\r\n";

/// Scenario e: writes on replicas get -READONLY; a master with
/// `min-replicas-to-write` = its replica count accepts writes while they
/// are attached and answers -NOREPLICAS once they are stopped.
fn readonly_and_min_replicas(kinds: [Kind; 3], shape: Shape) {
    let direct = match shape {
        Shape::Star => 2,
        Shape::Chain => 1,
    };
    let mut t = Topology::start(kinds, shape, |i| {
        if i == 0 {
            vec![
                format!("min-replicas-to-write {direct}"),
                "min-replicas-max-lag 3".to_string(),
            ]
        } else {
            Vec::new()
        }
    });
    for i in 1..3 {
        let r = &t.nodes[i];
        assert_eq!(r.cmd(&["SET", "x", "1"]), READONLY, "SET on {}", r.name);
        assert_eq!(r.cmd(&["DEL", "x"]), READONLY, "DEL on {}", r.name);
        assert_eq!(r.cmd(&["GET", "x"]), b"$-1\r\n", "GET on {}", r.name);
    }
    assert_eq!(t.direct_replicas(), direct);
    let m = &t.nodes[0];
    let mut last = Vec::new();
    assert!(
        poll(SHOW_UP, || {
            last = m.cmd(&["SET", "x", "1"]);
            last == b"+OK\r\n"
        }),
        "master refuses writes with its replicas attached: {}\n{}",
        escape_trunc(&last, 200),
        t.logs()
    );
    for i in 1..3 {
        t.nodes[i].stop();
    }
    let m = &t.nodes[0];
    assert!(
        poll(SHOW_UP, || {
            last = m.cmd(&["SET", "x", "2"]);
            last == NOREPLICAS
        }),
        "master still answers {} to writes with its replicas stopped",
        escape_trunc(&last, 200)
    );
    assert_eq!(m.cmd(&["GET", "x"]), b"$1\r\n1\r\n", "reads still work");
}

/// One module per topology, one test per scenario.
macro_rules! topology_tests {
    ($name:ident, [$m:ident, $r1:ident, $r2:ident], $shape:ident) => {
        mod $name {
            use super::*;

            const KINDS: [Kind; 3] = [Kind::$m, Kind::$r1, Kind::$r2];
            const SHAPE: Shape = Shape::$shape;

            fn go(test: &str) -> bool {
                can_run(&KINDS, &format!("{}::{test}", stringify!($name)))
            }

            #[test]
            fn tutorial() {
                if go("tutorial") {
                    super::tutorial(KINDS, SHAPE);
                }
            }

            #[test]
            fn restart_kill_after_sync() {
                if go("restart_kill_after_sync") {
                    super::restart(KINDS, SHAPE, Down::KillAfterSync);
                }
            }

            #[test]
            fn restart_kill_after_bgsave() {
                if go("restart_kill_after_bgsave") {
                    super::restart(KINDS, SHAPE, Down::KillAfterBgsave);
                }
            }

            #[test]
            fn restart_shutdown_save() {
                if go("restart_shutdown_save") {
                    super::restart(KINDS, SHAPE, Down::ShutdownSave);
                }
            }

            #[test]
            fn promote() {
                if go("promote") {
                    super::promote(KINDS, SHAPE);
                }
            }

            #[test]
            fn kill_master_async() {
                if go("kill_master_async") {
                    super::kill_master(KINDS, SHAPE, false);
                }
            }

            #[test]
            fn kill_master_with_wait() {
                if go("kill_master_with_wait") {
                    super::kill_master(KINDS, SHAPE, true);
                }
            }

            #[test]
            fn readonly_and_min_replicas() {
                if go("readonly_and_min_replicas") {
                    super::readonly_and_min_replicas(KINDS, SHAPE);
                }
            }
        }
    };
}

topology_tests!(all_redis, [Redis, Redis, Redis], Star);
topology_tests!(all_shardis, [Shardis, Shardis, Shardis], Star);
topology_tests!(
    redis_master_shardis_replicas,
    [Redis, Shardis, Shardis],
    Star
);
topology_tests!(shardis_master_redis_replicas, [Shardis, Redis, Redis], Star);
topology_tests!(chain_redis_shardis_redis, [Redis, Shardis, Redis], Chain);
