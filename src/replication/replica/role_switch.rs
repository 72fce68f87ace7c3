//! Switching roles: becoming a replica (start-up `replicaof`, `REPLICAOF
//! host port`) and a master again (`REPLICAOF NO ONE`).
//!
//! The journal's stream output is detached while a replica (its stream is
//! its master's bytes, appended by the link task) and attached again on
//! promotion; both switches happen with every shard held and their
//! journal buffers flushed, so they fall between two commands.

use std::rc::Rc;
use std::sync::Arc;

use crate::dispatch::Out;
use crate::replication::stream::ReplStream;
use crate::shard::keyspace::{set_expiry_mode, EXPIRY_DELETE, EXPIRY_HIDE};
use crate::shard::ShardState;

/// Attaches (`Some`) or detaches (`None`) the journal's stream output with
/// every shard held.
async fn switch_stream(shard: &Rc<ShardState>, txn: Option<u64>, stream: Option<Arc<ReplStream>>) {
    let last = shard.nshards.saturating_sub(1);
    let _ = shard
        .call_all_atomic(txn, |i| {
            let stream = stream.clone();
            Box::new(move |s: &ShardState| -> Out {
                crate::journal::flush_shard(s);
                if i == last {
                    s.shared.journal.set_stream(stream);
                }
                Box::new(())
            })
        })
        .await;
}

/// At start-up, once the data set is loaded: `replicaof` in the
/// configuration makes this server a replica and starts the link.
pub async fn start_at_boot(shard: &Rc<ShardState>) {
    let target = shard.shared.config().replicaof();
    if let Some((host, port)) = target {
        become_replica_inner(shard, None, host, port, false).await;
    }
}

/// `REPLICAOF host port`: follows a (new) master. Returns `false` when it
/// already follows that one (nothing done).
pub async fn become_replica(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    host: String,
    port: u16,
) -> bool {
    let shared = &shard.shared;
    if shared.role.is_replica() {
        let same = shared
            .role
            .link()
            .as_ref()
            .is_some_and(|l| l.host.eq_ignore_ascii_case(&host) && l.port == port);
        if same {
            return false;
        }
    }
    become_replica_inner(shard, txn, host, port, true).await;
    true
}

async fn become_replica_inner(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    host: String,
    port: u16,
    at_run_time: bool,
) {
    let shared = &shard.shared;
    super::apply_config(&shared.config());
    let was_master = !shared.role.is_replica();
    // Stop any current link before the role changes under it.
    super::next_generation();
    if was_master {
        switch_stream(shard, txn, None).await;
        // A master turning replica offers its own history to the new
        // master (Redis caches itself as the master to continue from).
        if at_run_time {
            super::set_has_history(true);
            super::set_stream_db(0);
        }
    }
    shared.role.set_master(Some((host, port)));
    // Our own replicas resync with us too (partially, when they can).
    shared.replicas.disconnect_all();
    set_expiry_mode(EXPIRY_HIDE);
    crate::server::log::set_role(b'S');
    super::link::spawn(shard);
}

/// `REPLICAOF NO ONE`: stops following the master and becomes a master
/// with a new replication id (the old one stays valid as the second id up
/// to the current offset), keeping data and backlog.
pub async fn become_master(shard: &Rc<ShardState>, txn: Option<u64>) {
    let shared = &shard.shared;
    if !shared.role.is_replica() {
        return;
    }
    super::next_generation();
    // No batch of the old master may be half applied when the id shifts.
    // (Inside EXEC every shard is held already and the link task may be
    // waiting for one: no latch there.)
    let latch = match txn {
        None => Some(super::link::hold_latch(shared).await),
        Some(_) => None,
    };
    shared.role.set_master(None);
    set_expiry_mode(EXPIRY_DELETE);
    crate::server::log::set_role(b'M');
    shared.repl.shift_replid();
    {
        let st = shared.repl.lock();
        crate::notice!(
            "Setting secondary replication ID to {}, valid up to offset: {}. New replication ID is {}",
            st.replid2,
            st.second_offset,
            st.replid
        );
    }
    drop(latch);
    // Sub-replicas reconnect and continue under the new id (as Redis,
    // which disconnects them to tell them of the id change).
    shared.replicas.disconnect_all();
    switch_stream(shard, txn, Some(shared.repl.clone())).await;
}
