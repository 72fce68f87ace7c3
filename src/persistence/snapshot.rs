//! Snapshots of the whole keyspace in an RDB file: SAVE (all shards locked
//! so the image is one point in time), the save on shutdown, and the load
//! at start-up (parsed on one thread into per-shard batches that each
//! shard inserts on its own executor).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::Ordering;

use crate::dispatch::Out;
use crate::persistence::rdb::file::{self, FileMeta, LoadError, ShardImage};
use crate::server::shared::ServerShared;
use crate::shard::keyspace::{now_ms, Store};
use crate::shard::slots::{key_slot, SlotMap};
use crate::shard::ShardState;
use crate::types::Value;

/// One key read from a file: database, key, value, expiry (Unix ms).
pub type LoadedKey = (usize, Vec<u8>, Value, Option<u64>);

/// The RDB file path (`dbfilename`, relative to `dir`, the working
/// directory since start-up).
pub fn rdb_path(shared: &ServerShared) -> PathBuf {
    PathBuf::from(shared.config().dbfilename())
}

/// Serializes one shard's store for a snapshot.
pub fn shard_image(store: &Store) -> ShardImage {
    file::encode_store(store, now_ms(), crate::persistence::rdb::compression())
}

/// Assembles the file from every shard's image and writes it: a temporary
/// file `temp-<pid>.rdb`, fsync, then rename over the target, so the old
/// file survives any error. Logs failures as Redis does.
pub fn write_snapshot(shared: &ServerShared, images: &[ShardImage]) -> Result<(), String> {
    write_snapshot_with(shared, images, file_meta(shared))
}

/// [`write_snapshot`] with header values taken by the caller (at the
/// instant the images were taken).
pub fn write_snapshot_with(
    shared: &ServerShared,
    images: &[ShardImage],
    meta: FileMeta,
) -> Result<(), String> {
    let (checksum, path) = {
        let c = shared.config();
        (
            c.get_bool("rdbchecksum").unwrap_or(true),
            PathBuf::from(c.dbfilename()),
        )
    };
    let bytes = file::assemble(images, &meta, checksum);
    write_atomically(&path, &bytes)?;
    shared.lastsave.store(now_ms() / 1000, Ordering::Relaxed);
    shared.rdb_saves.fetch_add(1, Ordering::Relaxed);
    crate::notice!("DB saved on disk");
    Ok(())
}

/// The header values of a file saved now: creation time, memory, and the
/// replication id, offset and stream database the data corresponds to
/// (read while the data cannot move: under the replica's apply latch, or
/// with every shard held on a master).
pub fn file_meta(shared: &ServerShared) -> FileMeta {
    let (repl_id, repl_offset, repl_stream_db) = crate::replication::replica::save_info(shared);
    FileMeta {
        ctime: now_ms() / 1000,
        used_mem: crate::alloc::used_memory(),
        repl_id,
        repl_offset,
        repl_stream_db,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let mut f = match std::fs::File::create(&tmp) {
        Ok(f) => f,
        Err(e) => {
            let msg = format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                tmp.display(),
                cwd,
                crate::config::error::strerror(&e)
            );
            crate::warning!("{}", msg);
            return Err(msg);
        }
    };
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        let msg = format!(
            "Write error saving DB on disk: {}",
            crate::config::error::strerror(&e)
        );
        crate::warning!("{}", msg);
        return Err(msg);
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let msg = format!(
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
            tmp.display(),
            path.display(),
            cwd,
            crate::config::error::strerror(&e)
        );
        crate::warning!("{}", msg);
        let _ = std::fs::remove_file(&tmp);
        return Err(msg);
    }
    Ok(())
}

/// SAVE: locks every shard, serializes each one's keys, writes the file,
/// and on success resets the change counters by what was saved.
pub async fn save(shard: &Rc<ShardState>, txn: Option<u64>) -> Result<(), String> {
    // On a replica the replication offset written must be the one of the
    // data: no batch from the master is applied while the images are taken.
    let latch = match txn {
        None => Some(crate::replication::replica::ApplyHold::take(&shard.shared).await),
        Some(_) => None,
    };
    let meta = file_meta(&shard.shared);
    let outs = shard
        .call_all_atomic(txn, |_| {
            Box::new(|s: &ShardState| -> Out {
                let img = shard_image(&s.store.borrow());
                let dirty = s.stats.borrow().dirty;
                Box::new((img, dirty))
            })
        })
        .await;
    let mut images = Vec::with_capacity(outs.len());
    let mut dirties = Vec::with_capacity(outs.len());
    for o in outs {
        if let Ok(b) = o.downcast::<(ShardImage, u64)>() {
            let (img, d) = *b;
            images.push(img);
            dirties.push(d);
        }
    }
    drop(latch);
    let res = write_snapshot_with(&shard.shared, &images, meta);
    shard
        .shared
        .last_save_ok
        .store(res.is_ok(), Ordering::Relaxed);
    crate::persistence::bgsave::refresh_misconf(&shard.shared, &shard.shared.config());
    if res.is_ok() {
        let _ = shard
            .call_all(txn, |i| {
                let d = dirties.get(i).copied().unwrap_or(0);
                Box::new(move |s: &ShardState| -> Out {
                    let mut st = s.stats.borrow_mut();
                    st.dirty = st.dirty.saturating_sub(d);
                    Box::new(())
                })
            })
            .await;
    }
    res
}

/// Reads and parses the RDB file at start-up into one batch per shard.
/// `Ok(None)` when there is no file.
pub fn load_batches(
    shared: &ServerShared,
    slot_map: &SlotMap,
) -> Result<Option<Vec<Vec<LoadedKey>>>, String> {
    let path = rdb_path(shared);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Fatal error loading the DB: {}. Exiting.", e)),
    };
    let start = std::time::Instant::now();
    let mut batches: Vec<Vec<LoadedKey>> = (0..shared.nshards).map(|_| Vec::new()).collect();
    // A replica keeps keys that expired in the file: its master decides
    // when they go (Redis skips them only when it is a master).
    let replica = shared.config().replicaof().is_some();
    let now = if replica { 0 } else { now_ms() };
    let res = file::load(&bytes, now, shared.databases, |db, key, value, exp| {
        let owner = slot_map.shard_of_slot(key_slot(&key));
        if let Some(b) = batches.get_mut(owner) {
            b.push((db, key, value, exp));
        }
    });
    match res {
        Ok(info) => {
            crate::replication::replica::restore_from_rdb(shared, &info);
            shared.rdb_last_load[0].store(info.loaded, Ordering::Relaxed);
            shared.rdb_last_load[1].store(info.expired, Ordering::Relaxed);
            if let Some(v) = &info.redis_ver {
                crate::notice!("Loading RDB produced by version {}", v);
            }
            if let Some(t) = info.ctime {
                let age = (now_ms() / 1000).saturating_sub(t);
                crate::notice!("RDB age {} seconds", age);
            }
            crate::notice!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                info.loaded,
                info.expired
            );
            crate::notice!(
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            );
            Ok(Some(batches))
        }
        Err(LoadError { offset, what }) => {
            crate::warning!("Internal error in RDB reading offset {}: {}", offset, what);
            Err(format!(
                "Fatal error loading the DB from {}: {} at offset {}. Exiting.",
                path.display(),
                what,
                offset
            ))
        }
    }
}

/// Per-shard batches of loaded keys, for the shards' jobs to take (each
/// its own, once).
pub type SharedBatches = std::sync::Arc<std::sync::Mutex<Vec<Option<Vec<LoadedKey>>>>>;

/// Wraps per-shard batches for [`take_batch`].
pub fn share_batches(batches: Vec<Vec<LoadedKey>>) -> SharedBatches {
    std::sync::Arc::new(std::sync::Mutex::new(
        batches.into_iter().map(Some).collect(),
    ))
}

/// Shard `i`'s batch (empty if taken already or absent).
pub fn take_batch(batches: &SharedBatches, i: usize) -> Vec<LoadedKey> {
    batches
        .lock()
        .ok()
        .and_then(|mut b| b.get_mut(i).and_then(Option::take))
        .unwrap_or_default()
}

/// Inserts a shard's batch into its store.
pub fn insert_batch(store: &mut Store, batch: Vec<LoadedKey>) {
    for (db, key, value, exp) in batch {
        if let Some(d) = store.dbs.get_mut(db) {
            d.insert(&key, value, exp);
        }
    }
}

/// DEBUG RELOAD: saves, then replaces every shard's keys with what the
/// file holds.
pub async fn reload(shard: &Rc<ShardState>, txn: Option<u64>) -> Result<(), String> {
    if save(shard, txn).await.is_err() {
        return Err("ERR Error trying to save the DB".into());
    }
    let batches = match load_batches(&shard.shared, &shard.slot_map) {
        Ok(Some(b)) => b,
        Ok(None) => Vec::new(),
        Err(_) => return Err("ERR Error trying to load the RDB dump".into()),
    };
    let batches = share_batches(batches);
    let _ = shard
        .call_all_atomic(txn, |i| {
            let batches = batches.clone();
            Box::new(move |s: &ShardState| -> Out {
                let batch = take_batch(&batches, i);
                let mut store = s.store.borrow_mut();
                for db in &mut store.dbs {
                    db.clear();
                }
                insert_batch(&mut store, batch);
                Box::new(())
            })
        })
        .await;
    Ok(())
}
