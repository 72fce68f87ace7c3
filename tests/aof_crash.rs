//! Crash tests for the AOF: shardis is killed with SIGKILL while clients
//! write, restarted on the same directory, and what survived is counted
//! against what was acknowledged.
//!
//! A killed process leaves what it wrote in the kernel's page cache, and
//! shardis writes the journal before any reply that acknowledges it, so
//! with every `appendfsync` policy nothing acknowledged may be missing
//! (`always` also survives a power loss, which a test cannot cause).
//! Transactions spanning shards must come back whole.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::contents::TempDir;
use common::{parse_reply, RawConn, Server};

fn start(dir: &Path, policy: &str, shards: &str) -> Server {
    common::start_shardis(&[
        "--threads",
        shards,
        "--appendonly",
        "yes",
        "--appendfsync",
        policy,
        "--dir",
        &dir.to_string_lossy(),
    ])
}

/// What one writer sent and saw acknowledged.
#[derive(Debug, Default)]
struct Tally {
    /// Last INCR reply received (the counter's value then).
    acked: i64,
    /// INCRs sent (the counter can be at most this).
    sent: i64,
    /// Transfers acknowledged.
    transfers: u64,
}

/// Runs INCRs on `c:<w>` and MULTI/EXEC transfers between `a:<w>:<i>` and
/// `b:<w>:<i>` until the connection fails (the server was killed) or the
/// bounds are reached.
fn writer(port: u16, w: usize, stop: Arc<AtomicBool>) -> Tally {
    let mut t = Tally::default();
    let Ok(mut c) = RawConn::connect(port) else {
        return t;
    };
    let counter = format!("c:{w}");
    let deadline = Instant::now() + Duration::from_secs(20);
    for round in 0..200_000u64 {
        if stop.load(Ordering::Relaxed) || Instant::now() > deadline {
            break;
        }
        t.sent += 1;
        if c.try_send(&common::encode_command(&["INCR", &counter]))
            .is_err()
        {
            break;
        }
        match c.try_read_reply() {
            Ok(r) => match parse_reply(&r).ok().and_then(|r| r.as_int()) {
                Some(n) => t.acked = n,
                None => break,
            },
            Err(_) => break,
        }
        if round % 4 == 0 {
            let i = round % 8;
            let (a, b) = (format!("a:{w}:{i}"), format!("b:{w}:{i}"));
            let mut batch = common::encode_command(&["MULTI"]);
            batch.extend(common::encode_command(&["DECRBY", &a, "1"]));
            batch.extend(common::encode_command(&["INCRBY", &b, "1"]));
            batch.extend(common::encode_command(&["EXEC"]));
            if c.try_send(&batch).is_err() {
                break;
            }
            let mut ok = true;
            for _ in 0..4 {
                if c.try_read_reply().is_err() {
                    ok = false;
                    break;
                }
            }
            if !ok {
                break;
            }
            t.transfers += 1;
        }
    }
    t
}

fn int_of(c: &mut RawConn, key: &str) -> i64 {
    let r = c.cmd(&["GET", key]);
    match parse_reply(&r)
        .ok()
        .and_then(|r| r.as_bytes().map(|b| b.to_vec()))
    {
        Some(b) => String::from_utf8_lossy(&b).parse().unwrap_or(i64::MIN),
        None => 0,
    }
}

fn crash_and_count(policy: &str, shards: &str) {
    let dir = TempDir(common::unique_temp_dir(&format!("aof-crash-{policy}")));
    let first = start(&dir.0, policy, shards);
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let stop = stop.clone();
            let port = first.port;
            std::thread::spawn(move || writer(port, w, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on the pid of the child this test started and has
    // not reaped.
    unsafe {
        libc::kill(first.pid as libc::pid_t, libc::SIGKILL);
    }
    stop.store(true, Ordering::Relaxed);
    let tallies: Vec<Tally> = writers
        .into_iter()
        .map(|h| h.join().expect("writer"))
        .collect();
    drop(first);
    let second = start(&dir.0, policy, shards);
    let mut c = second.raw();
    let mut acked_total = 0;
    for (w, t) in tallies.iter().enumerate() {
        assert!(t.acked > 0, "writer {w} got no reply before the kill");
        acked_total += t.acked;
        let now = int_of(&mut c, &format!("c:{w}"));
        assert!(
            now >= t.acked && now <= t.sent,
            "{policy}: counter c:{w} is {now} after restart; acknowledged {}, sent {}",
            t.acked,
            t.sent
        );
        for i in 0..8 {
            let a = int_of(&mut c, &format!("a:{w}:{i}"));
            let b = int_of(&mut c, &format!("b:{w}:{i}"));
            assert_eq!(a + b, 0, "{policy}: a transfer came back torn: {a} + {b}");
        }
    }
    eprintln!(
        "appendfsync {policy}, {shards} shards: {acked_total} acknowledged INCRs and {} transfers all survived",
        tallies.iter().map(|t| t.transfers).sum::<u64>()
    );
}

#[test]
fn acknowledged_writes_survive_kill_with_appendfsync_always() {
    crash_and_count("always", "2");
}

#[test]
fn acknowledged_writes_survive_kill_with_appendfsync_everysec() {
    crash_and_count("everysec", "3");
}

#[test]
fn acknowledged_writes_survive_kill_with_appendfsync_no() {
    crash_and_count("no", "2");
}
