//! Periodic replication work of a master, in one task while replicas are
//! attached or a backlog exists: a PING into the stream every
//! `repl-ping-replica-period` seconds (so replicas can tell a live link
//! from a dead one; it counts in offsets like any command), and freeing
//! the backlog after `repl-backlog-ttl` seconds without replicas.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::dispatch::Out;
use crate::shard::ShardState;

/// The PING a master writes into the stream.
pub const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";

/// Starts the task on `shard` unless it runs already.
pub fn ensure_running(shard: &Rc<ShardState>) {
    let r = &shard.shared.replicas;
    if !r.cron_running.swap(true, Ordering::AcqRel) {
        glommio::spawn_local(run(shard.clone())).detach();
    }
}

/// The task: ends when there is nothing left to do (no replica and no
/// backlog, or this server is a replica without replicas).
async fn run(shard: Rc<ShardState>) {
    let tick = Duration::from_millis(100);
    let mut last_ping = Instant::now();
    let mut empty_since: Option<Instant> = None;
    loop {
        glommio::timer::sleep(tick).await;
        let shared = &shard.shared;
        if shared.stopping() {
            shared.replicas.cron_running.store(false, Ordering::Release);
            break;
        }
        let settings = &shared.replicas.settings;
        let master = !shared.role.is_replica();
        if !shared.replicas.is_empty() {
            empty_since = None;
            let period = settings.ping_period.load(Ordering::Relaxed).max(1);
            if last_ping.elapsed() >= Duration::from_secs(period) {
                last_ping = Instant::now();
                if master && shared.repl.has_backlog() {
                    shared.repl.append(PING);
                }
            }
            continue;
        }
        if !master || !shared.repl.has_backlog() {
            if stop(&shard) {
                break;
            }
            continue;
        }
        let since = *empty_since.get_or_insert_with(Instant::now);
        let ttl = settings.backlog_ttl.load(Ordering::Relaxed);
        if ttl > 0 && since.elapsed() >= Duration::from_secs(ttl) {
            free_backlog(&shard).await;
            crate::notice!(
                "Replication backlog freed after {} seconds without connected replicas.",
                ttl
            );
            if stop(&shard) {
                break;
            }
        }
    }
}

/// Marks the task stopped unless a replica arrived meanwhile (then it
/// goes on: false).
fn stop(shard: &ShardState) -> bool {
    let r = &shard.shared.replicas;
    r.cron_running.store(false, Ordering::Release);
    // A replica that arrived meanwhile found the task running: go on.
    !(!r.is_empty() && !r.cron_running.swap(true, Ordering::AcqRel))
}

/// Frees the backlog with every shard held (the journal stops feeding the
/// stream between two commands) and starts a new history, as Redis does,
/// so no replica of the old one can continue here.
async fn free_backlog(shard: &Rc<ShardState>) {
    shard
        .call_all_atomic(None, |i| {
            Box::new(move |s: &ShardState| -> Out {
                if i == 0 && !s.shared.role.is_replica() && s.shared.replicas.is_empty() {
                    s.shared.journal.set_stream(None);
                    s.shared.repl.free_backlog();
                    s.shared.repl.change_replid();
                }
                Box::new(())
            })
        })
        .await;
}
