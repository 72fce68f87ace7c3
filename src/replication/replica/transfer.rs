//! A full synchronization: receive the master's RDB (`$<len>` or the
//! diskless `$EOF:<mark>` form), parse it off the executor, then replace
//! every shard's data set at once while clients get `-LOADING`, and adopt
//! the master's replication id and offset.
//!
//! With `repl-diskless-load disabled` the payload is also written to the
//! RDB file (through a temporary file and a rename, as Redis does), so a
//! restart finds the master's data and replication position. With the
//! other modes it is parsed from memory. In every mode the old data set
//! stays in place, and is served, until the new one parsed completely: a
//! cut-short or corrupt transfer leaves it untouched.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::conn::{LinkError, MasterConn, TICK};
use crate::dispatch::Out;
use crate::persistence::snapshot::{self, LoadedKey};
use crate::replication::role::LinkState;
use crate::shard::slots::key_slot;
use crate::shard::ShardState;

/// Length of the `$EOF:` mark.
const EOF_MARK_LEN: usize = 40;

/// Largest buffer reserved up front from the announced length.
const MAX_PREALLOC: usize = 64 << 20;

/// Receives the payload that follows `+FULLRESYNC`.
pub async fn receive(conn: &mut MasterConn, timeout: Duration) -> Result<Vec<u8>, LinkError> {
    super::link::set_state(&conn.shared, LinkState::Transfer);
    let timed = |e: LinkError| {
        match &e {
            LinkError::Timeout => crate::warning!("Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."),
            LinkError::Io(what) => crate::warning!(
                "I/O error trying to sync with MASTER: {}",
                if what == "Connection lost" { "connection lost" } else { what.as_str() }
            ),
            _ => {}
        }
        e
    };
    // Newlines are the master's keepalives while it prepares the RDB.
    let header = loop {
        let line = conn.read_line(timeout).await.map_err(timed)?;
        if !line.is_empty() {
            break line;
        }
    };
    if header.starts_with('-') {
        crate::warning!("MASTER aborted replication with an error: {}", header);
        return Err(LinkError::Protocol(header));
    }
    if !header.starts_with('$') {
        crate::warning!("Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the host and port are right?", header);
        return Err(LinkError::Protocol(header));
    }
    let disk = disk_load(&conn.shared);
    let target = if disk { "disk" } else { "parser" };
    let mut rdb: Vec<u8>;
    if let Some(mark) = header.strip_prefix("$EOF:") {
        let mark = mark.as_bytes();
        if mark.len() != EOF_MARK_LEN {
            crate::warning!("Bad protocol from MASTER: wrong EOF mark");
            return Err(LinkError::Protocol(header));
        }
        crate::notice!(
            "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to {}",
            target
        );
        set_sync_bytes(conn, -1, 0);
        rdb = Vec::new();
        loop {
            let from = rdb.len().saturating_sub(EOF_MARK_LEN - 1);
            rdb.extend_from_slice(&conn.buf);
            conn.buf.clear();
            // The stream may follow the mark in the same read.
            if let Some(at) = memchr::memmem::find(&rdb[from..], mark) {
                let end = from + at;
                conn.buf.extend_from_slice(&rdb[end + EOF_MARK_LEN..]);
                rdb.truncate(end);
                break;
            }
            set_sync_bytes(conn, -1, rdb.len() as u64);
            conn.fill(timeout, TICK).await.map_err(timed)?;
        }
    } else {
        let len: usize = header[1..].parse().map_err(|_| {
            crate::warning!("Bad protocol from MASTER: wrong payload length");
            LinkError::Protocol(header.clone())
        })?;
        crate::notice!(
            "MASTER <-> REPLICA sync: receiving {} bytes from master to {}",
            len,
            target
        );
        set_sync_bytes(conn, len as i64, 0);
        rdb = Vec::with_capacity(len.min(MAX_PREALLOC));
        loop {
            let take = (len - rdb.len()).min(conn.buf.len());
            rdb.extend_from_slice(&conn.buf[..take]);
            let _ = conn.buf.split_to(take);
            set_sync_bytes(conn, len as i64, rdb.len() as u64);
            if rdb.len() == len {
                break;
            }
            conn.fill(timeout, TICK).await.map_err(timed)?;
        }
    }
    if disk {
        save_received(&conn.shared, &rdb);
    }
    Ok(rdb)
}

fn set_sync_bytes(conn: &MasterConn, total: i64, read: u64) {
    if let Some(l) = conn.shared.role.link().as_mut() {
        l.sync_total_bytes = total;
        l.sync_read_bytes = read;
    }
}

/// Whether `repl-diskless-load` is `disabled` (the payload goes to disk).
fn disk_load(shared: &crate::server::shared::ServerShared) -> bool {
    shared
        .config()
        .get("repl-diskless-load")
        .is_none_or(|v| v == "disabled")
}

/// Writes the received file as the RDB file (temporary file, then rename).
fn save_received(shared: &crate::server::shared::ServerShared, rdb: &[u8]) {
    let path = snapshot::rdb_path(shared);
    let tmp = PathBuf::from(format!(
        "temp-{}.{}.rdb",
        crate::shard::keyspace::now_ms() / 1000,
        std::process::id()
    ));
    let r = std::fs::write(&tmp, rdb)
        .and_then(|_| std::fs::File::open(&tmp).and_then(|f| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        crate::warning!(
            "Failed trying to rename the temp DB into {} in MASTER <-> REPLICA synchronization: {}",
            path.display(),
            e
        );
    }
}

/// Parses `rdb` on a helper thread into one batch per shard (keys that
/// expired stay: the master decides when they go).
pub async fn parse(shard: &Rc<ShardState>, rdb: Vec<u8>) -> Result<Vec<Vec<LoadedKey>>, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let slot_map = shard.slot_map.clone();
    let nshards = shard.nshards;
    let databases = shard.shared.databases;
    let spawned = std::thread::Builder::new()
        .name("repl-load".into())
        .spawn(move || {
            let mut batches: Vec<Vec<LoadedKey>> = (0..nshards).map(|_| Vec::new()).collect();
            let r = crate::persistence::rdb::file::load(&rdb, 0, databases, |db, key, v, exp| {
                let owner = slot_map.shard_of_slot(key_slot(&key));
                if let Some(b) = batches.get_mut(owner) {
                    b.push((db, key, v, exp));
                }
            });
            let _ = tx.send(r.map(|_| batches).map_err(|e| e.to_string()));
        });
    if let Err(e) = spawned {
        return Err(e.to_string());
    }
    loop {
        match rx.try_recv() {
            Ok(r) => return r,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                glommio::timer::sleep(Duration::from_millis(2)).await
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                return Err("the loading thread stopped".into())
            }
        }
    }
}

/// Replaces every shard's data set with `batches` in one all-shards hold
/// (clients meanwhile get `-LOADING`), then adopts the master's history.
///
/// Returns `false` (and changes nothing) when link generation `gen` was
/// replaced meanwhile (REPLICAOF NO ONE or another master).
pub async fn install(
    shard: &Rc<ShardState>,
    gen: u64,
    batches: Vec<Vec<LoadedKey>>,
    replid: &str,
    offset: u64,
) -> bool {
    let shared = shard.shared.clone();
    let latch = super::link::hold_latch(&shared).await;
    if !super::is_current(gen) {
        return false;
    }
    crate::notice!("MASTER <-> REPLICA sync: Flushing old data");
    shared.persist.loading.store(true, Ordering::SeqCst);
    crate::notice!("MASTER <-> REPLICA sync: Loading DB in memory");
    let keys: usize = batches.iter().map(Vec::len).sum();
    let shared_batches = snapshot::share_batches(batches);
    let _ = shard
        .call_all_atomic(None, |i| {
            let batches = shared_batches.clone();
            Box::new(move |s: &ShardState| -> Out {
                crate::journal::flush_shard(s);
                let batch = snapshot::take_batch(&batches, i);
                let mut store = s.store.borrow_mut();
                for db in &mut store.dbs {
                    db.clear();
                }
                snapshot::insert_batch(&mut store, batch);
                Box::new(())
            })
        })
        .await;
    // A replica keeps keys that expired in the file: none is skipped.
    crate::notice!("Done loading RDB, keys loaded: {}, keys expired: 0.", keys);
    let backlog = super::link::backlog_size(&shared);
    shared.repl.adopt_master(replid, offset, backlog);
    // Our own replicas followed the old history: they must sync again.
    shared.replicas.disconnect_all();
    super::set_stream_db(0);
    super::set_has_history(true);
    drop(latch);
    shared.persist.loading.store(false, Ordering::SeqCst);
    crate::notice!("MASTER <-> REPLICA sync: Finished with success");
    // The AOF described the old data set: a rewrite starts it afresh from
    // the new one (Redis restarts the AOF after a sync).
    if shared.persist.aof_enabled.load(Ordering::SeqCst) {
        use crate::persistence::aof::rewrite::{start, Refused};
        match start(shard, None).await {
            Ok(()) | Err(Refused::Scheduled) => {}
            Err(Refused::InProgress) => shared
                .persist
                .aof_rewrite_scheduled
                .store(true, Ordering::SeqCst),
            Err(Refused::Failed) => crate::warning!(
                "Failed enabling the AOF after successful master synchronization! Trying it again in one second."
            ),
        }
    }
    true
}
