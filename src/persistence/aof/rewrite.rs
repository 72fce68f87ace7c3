//! BGREWRITEAOF, turning appendonly on and off at run time, and the
//! automatic rewrite.
//!
//! A rewrite takes every shard at once (one transaction holding all
//! gates): inside that instant each shard hands its buffered journal to
//! the sink and serializes its keys, and, still inside it, the journal
//! switches to a new incremental file. Writes after the instant go to the
//! new file; the new base is the data set at the instant. The base is then
//! written by a background thread (temporary file, fsync, rename), and the
//! manifest is replaced (new base, new incremental file; the old files
//! become history and are deleted).

use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::manifest;
use super::output::{IncrFile, IncrOutput};
use super::{state, Settings};
use crate::dispatch::{LockOp, Out};
use crate::persistence::rdb::file::{self, ShardImage};
use crate::server::shared::ServerShared;
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;
use crate::types::Value;

/// Arguments per command when a base is written as commands (Redis'
/// `AOF_REWRITE_ITEMS_PER_CMD`).
const ITEMS_PER_CMD: usize = 64;

/// Why BGREWRITEAOF did not start a rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// One runs already.
    InProgress,
    /// A BGSAVE runs: the rewrite starts when it ends.
    Scheduled,
    /// The new incremental file could not be opened.
    Failed,
}

/// Starts a rewrite now (or schedules it behind a running BGSAVE). The
/// instant T is taken before this returns; the base is written in the
/// background.
pub async fn start(shard: &Rc<ShardState>, txn: Option<u64>) -> Result<(), Refused> {
    let shared = shard.shared.clone();
    let p = &shared.persist;
    if p.aof_rewrite_in_progress.load(Ordering::SeqCst) {
        return Err(Refused::InProgress);
    }
    if p.bgsave_in_progress.load(Ordering::SeqCst) || p.snapshot_active.load(Ordering::SeqCst) {
        p.aof_rewrite_scheduled.store(true, Ordering::SeqCst);
        return Err(Refused::Scheduled);
    }
    if p.aof_rewrite_in_progress.swap(true, Ordering::SeqCst) {
        return Err(Refused::InProgress);
    }
    p.aof_rewrite_scheduled.store(false, Ordering::SeqCst);
    p.aof_rewrite_started_ms.store(now_ms(), Ordering::Relaxed);
    let settings = Settings::read(&shared);
    let enabling = !shared.journal.is_on() && shared.config().get_bool("appendonly") == Some(true);
    let started = Instant::now();
    if let Err(e) = std::fs::create_dir_all(&settings.dir) {
        crate::warning!(
            "Can't open or create append-only dir {}: {}",
            settings.dir.display(),
            e
        );
        rewrite_failed(&shared);
        return Err(Refused::Failed);
    }
    let base_name = {
        let mut next = state(&shared).manifest.clone();
        next.new_base(&settings.prefix, settings.rdb_preamble)
    };
    let captured = match capture(shard, txn, &settings, enabling, &base_name).await {
        Ok(c) => c,
        Err(busy) => {
            if busy {
                // A BGSAVE took its instant first: run after it, as Redis.
                p.aof_rewrite_started_ms.store(0, Ordering::Relaxed);
                p.aof_rewrite_in_progress.store(false, Ordering::SeqCst);
                p.aof_rewrite_scheduled.store(true, Ordering::SeqCst);
                return Err(Refused::Scheduled);
            }
            rewrite_failed(&shared);
            return Err(Refused::Failed);
        }
    };
    crate::notice!("Background append only file rewriting started");
    let job = Job {
        shared: shared.clone(),
        settings,
        base_name,
        new_incr: captured.new_incr,
        enabling,
        started,
    };
    match captured.base {
        Base::Snapshot(pending) => {
            glommio::spawn_local(async move {
                let res = pending.wait().await.map(|d| d.bytes);
                finish(&job, res);
            })
            .detach();
        }
        Base::Images(images) => {
            let spawned = std::thread::Builder::new()
                .name("aof-rewrite".into())
                .spawn(move || {
                    let res = write_images(&job, images);
                    finish(&job, res);
                });
            if spawned.is_err() {
                crate::warning!("Can't rewrite append only file in background: fork: thread");
                rewrite_failed(&shared);
                return Err(Refused::Failed);
            }
        }
    }
    Ok(())
}

/// What a rewrite does after its instant.
struct Job {
    shared: Arc<ServerShared>,
    settings: Settings,
    base_name: String,
    new_incr: Option<Arc<IncrFile>>,
    enabling: bool,
    started: Instant,
}

/// How the base is being made.
enum Base {
    /// An RDB base: a point-in-time snapshot written in the background.
    Snapshot(crate::persistence::bgsave::Pending),
    /// A command base: the shards' images, converted by a thread.
    Images(Vec<ShardImage>),
}

/// What the instant produced.
struct Captured {
    base: Base,
    new_incr: Option<Arc<IncrFile>>,
}

/// The instant T: every shard held; each hands its journal to the sink;
/// the base's image is taken (a point-in-time snapshot started, or each
/// shard's keys serialized); the journal moves to a new incremental file
/// (when the AOF is on or being turned on); then the shards are released.
/// `Err(true)`: another snapshot is being written.
async fn capture(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    settings: &Settings,
    enabling: bool,
    base_name: &str,
) -> Result<Captured, bool> {
    let (hold, within) = match txn {
        Some(t) => (None, t),
        None => {
            let t = shard.new_txid();
            (Some(t), t)
        }
    };
    if let Some(t) = hold {
        for s in 0..shard.nshards {
            let _ = shard
                .call(s, LockOp::Acquire(t), Box::new(|_| Box::new(())))
                .await;
        }
    }
    let result = capture_held(shard, within, settings, enabling, base_name).await;
    if let Some(t) = hold {
        for s in 0..shard.nshards {
            let _ = shard
                .call(s, LockOp::Release(t), Box::new(|_| Box::new(())))
                .await;
        }
    }
    result
}

/// [`capture`]'s work while transaction `within` holds every shard.
async fn capture_held(
    shard: &Rc<ShardState>,
    within: u64,
    settings: &Settings,
    enabling: bool,
    base_name: &str,
) -> Result<Captured, bool> {
    let base = if settings.rdb_preamble {
        for s in 0..shard.nshards {
            let job = Box::new(|sh: &ShardState| -> Out {
                crate::journal::flush_shard(sh);
                Box::new(())
            });
            let _ = shard.call(s, LockOp::Within(within), job).await;
        }
        let opts = crate::persistence::bgsave::SnapshotOptions {
            aof_base: true,
            at_instant: None,
            temp_path: Some(settings.dir.join(temp_base_name())),
            to_stream: None,
        };
        let path = settings.dir.join(base_name);
        match crate::persistence::bgsave::start(shard, Some(within), path, opts).await {
            Ok(p) => Base::Snapshot(p),
            Err(e) if e == crate::persistence::bgsave::SNAPSHOT_BUSY => return Err(true),
            Err(e) => {
                crate::warning!("Can't rewrite append only file in background: {}", e);
                return Err(false);
            }
        }
    } else {
        let mut images = Vec::with_capacity(shard.nshards);
        for s in 0..shard.nshards {
            let job = Box::new(|sh: &ShardState| -> Out {
                crate::journal::flush_shard(sh);
                Box::new(crate::persistence::snapshot::shard_image(
                    &sh.store.borrow(),
                ))
            });
            if let Some(o) = shard.call(s, LockOp::Within(within), job).await {
                if let Ok(img) = o.downcast::<ShardImage>() {
                    images.push(*img);
                }
            }
        }
        if images.len() != shard.nshards {
            return Err(false);
        }
        Base::Images(images)
    };
    // Still inside the instant: later writes go to the new file.
    let new_incr = switch_output(&shard.shared, settings, enabling).map_err(|_| false)?;
    Ok(Captured { base, new_incr })
}

/// Opens the next incremental file and makes it the journal's output when
/// the AOF is on (the manifest on disk lists it at once, after the old
/// files) or being turned on (listed when the base is written). `Ok(None)`
/// when the AOF is off.
fn switch_output(
    shared: &Arc<ServerShared>,
    settings: &Settings,
    enabling: bool,
) -> Result<Option<Arc<IncrFile>>, ()> {
    let on = shared.journal.is_on();
    if !on && !enabling {
        return Ok(None);
    }
    if let Err(e) = std::fs::create_dir_all(&settings.dir) {
        crate::warning!(
            "Can't open or create append-only dir {}: {}",
            settings.dir.display(),
            e
        );
        return Err(());
    }
    let mut st = state(shared);
    let mut next = st.manifest.clone();
    let name = next.new_incr(&settings.prefix);
    let file = match IncrFile::open(&settings.dir, &name) {
        Ok(f) => f,
        Err(e) => {
            crate::warning!("Can't open the append-only file {}: {}", name, e);
            return Err(());
        }
    };
    if on {
        let text = next.to_text();
        if manifest::write_atomically(&settings.dir, &settings.manifest_name(), text.as_bytes())
            .is_err()
        {
            let _ = std::fs::remove_file(settings.dir.join(&name));
            return Err(());
        }
    }
    crate::notice!("Creating AOF incr file {} on background rewrite", name);
    st.manifest = next;
    let old = st.current.replace(file.clone());
    if let Some(old) = &old {
        st.older_incr_size += old.size.load(Ordering::Relaxed);
    }
    shared
        .journal
        .replace_output(Some(Box::new(IncrOutput(file.clone()))));
    shared.persist.aof_enabled.store(true, Ordering::Relaxed);
    drop(st);
    if let Some(old) = old {
        let _ = old.sync_if_needed();
    }
    if enabling {
        super::output::start_fsync_thread(shared);
    }
    Ok(Some(file))
}

/// Writes a command base from the shards' images (temporary file, fsync,
/// rename). Returns its size.
fn write_images(job: &Job, images: Vec<ShardImage>) -> Result<u64, String> {
    let settings = &job.settings;
    let bytes = base_bytes(&job.shared, settings, &images);
    drop(images);
    let tmp = temp_base_name();
    write_file(&settings.dir, &tmp, &bytes)?;
    std::fs::rename(settings.dir.join(&tmp), settings.dir.join(&job.base_name)).map_err(|e| {
        let _ = std::fs::remove_file(settings.dir.join(&tmp));
        format!(
            "Error trying to rename the temporary AOF base file {} into {}: {}",
            tmp, job.base_name, e
        )
    })?;
    Ok(bytes.len() as u64)
}

/// After the base is written (or failed): the manifest with the new base
/// and incremental file, the replaced files deleted, the state updated.
fn finish(job: &Job, base: Result<u64, String>) {
    let shared = &job.shared;
    let settings = &job.settings;
    let base_size = match base {
        Ok(n) => n,
        Err(e) => {
            crate::warning!("{}", e);
            crate::warning!("Background AOF rewrite terminated with error");
            undo_enable(shared, settings, job.enabling, &job.new_incr);
            rewrite_failed(shared);
            return;
        }
    };
    let tmp = temp_base_name();
    crate::notice!("Successfully created the temporary AOF base file {}", tmp);
    crate::notice!("Background AOF rewrite terminated with success");
    crate::notice!(
        "Successfully renamed the temporary AOF base file {} into {}",
        tmp,
        job.base_name
    );
    let mut st = state(shared);
    let mut next = st.manifest.clone();
    let name = next.new_base(&settings.prefix, settings.rdb_preamble);
    if name != job.base_name {
        // Cannot happen (one rewrite at a time); keep the manifest right.
        if let Some(b) = next.base.as_mut() {
            b.name = job.base_name.clone();
        }
    }
    // The incremental files before the one started at the instant are in
    // the base now (all of them when the AOF is off).
    let keep = match (&st.current, &job.new_incr) {
        (Some(cur), Some(n)) if Arc::ptr_eq(cur, n) => 1,
        _ => 0,
    };
    if keep == 0 {
        if let Some(n) = &job.new_incr {
            next.incr.retain(|f| f.name != n.name);
            let _ = std::fs::remove_file(settings.dir.join(&n.name));
        }
    }
    next.incr_to_history(keep);
    if manifest::write_atomically(
        &settings.dir,
        &settings.manifest_name(),
        next.to_text().as_bytes(),
    )
    .is_err()
    {
        drop(st);
        crate::warning!("Background AOF rewrite terminated with error");
        undo_enable(shared, settings, job.enabling, &job.new_incr);
        rewrite_failed(shared);
        return;
    }
    st.manifest = next;
    st.base_size = base_size;
    st.older_incr_size = 0;
    st.size_at_rewrite = st.current_size();
    super::delete_history(settings, &mut st);
    drop(st);
    super::publish_sizes(shared);
    let p = &shared.persist;
    p.aof_last_rewrite_time_sec
        .store(job.started.elapsed().as_secs() as i64, Ordering::Relaxed);
    p.aof_last_rewrite_failed.store(false, Ordering::Relaxed);
    p.aof_rewrites.fetch_add(1, Ordering::Relaxed);
    p.aof_rewrites_consecutive_failures
        .store(0, Ordering::Relaxed);
    p.aof_rewrite_started_ms.store(0, Ordering::Relaxed);
    p.aof_rewrite_in_progress.store(false, Ordering::SeqCst);
    crate::notice!("Background AOF rewrite finished successfully");
}

/// After a failed rewrite that was turning the AOF on: stop writing the
/// new incremental file and forget it.
fn undo_enable(
    shared: &ServerShared,
    settings: &Settings,
    enabling: bool,
    new_incr: &Option<Arc<IncrFile>>,
) {
    let (true, Some(n)) = (enabling, new_incr) else {
        return;
    };
    let mut st = state(shared);
    if st.current.as_ref().is_some_and(|c| Arc::ptr_eq(c, n)) {
        shared.journal.replace_output(None);
        st.current = None;
        shared.persist.aof_enabled.store(false, Ordering::Relaxed);
    }
    st.manifest.incr.retain(|f| f.name != n.name);
    let _ = std::fs::remove_file(settings.dir.join(&n.name));
}

fn rewrite_failed(shared: &ServerShared) {
    let p = &shared.persist;
    p.aof_last_rewrite_failed.store(true, Ordering::Relaxed);
    p.aof_rewrites_consecutive_failures
        .fetch_add(1, Ordering::Relaxed);
    p.aof_rewrite_started_ms.store(0, Ordering::Relaxed);
    p.aof_rewrite_in_progress.store(false, Ordering::SeqCst);
}

/// The temporary name a base is written under.
pub fn temp_base_name() -> String {
    format!("temp-rewriteaof-bg-{}.aof", std::process::id())
}

/// The base file's bytes for the shards' images: an RDB file, or with
/// `aof-use-rdb-preamble no` the commands that rebuild every key.
pub fn base_bytes(shared: &ServerShared, settings: &Settings, images: &[ShardImage]) -> Vec<u8> {
    let meta = crate::persistence::snapshot::file_meta(shared);
    let rdb = file::assemble(images, &meta, settings.checksum);
    if settings.rdb_preamble {
        return rdb;
    }
    let mut out = Vec::new();
    let mut db_now = None;
    let _ = file::load(&rdb, now_ms(), shared.databases, |db, key, value, exp| {
        if db_now != Some(db) {
            crate::journal::encode_command(
                &mut out,
                &[b"SELECT".to_vec(), db.to_string().into_bytes()],
            );
            db_now = Some(db);
        }
        key_commands(&mut out, &key, &value, exp);
    });
    out
}

/// Appends the commands that rebuild `key` (Redis' rewrite forms: RPUSH,
/// SADD, HMSET, ZADD in groups of 64 items, SET, then PEXPIREAT).
pub fn key_commands(out: &mut Vec<u8>, key: &[u8], value: &Value, expire_at: Option<u64>) {
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let emit = |out: &mut Vec<u8>, cmd: &[u8], items: &mut Vec<Vec<u8>>| {
        if items.is_empty() {
            return;
        }
        let mut args: Vec<&[u8]> = Vec::with_capacity(items.len() + 2);
        args.push(cmd);
        args.push(key);
        args.extend(items.iter().map(|v| v.as_slice()));
        crate::journal::encode_command(out, &args);
        items.clear();
    };
    match value {
        Value::Int(_) | Value::Str(_) | Value::Raw(_) => {
            let v = value.to_vec().unwrap_or_default();
            crate::journal::encode_command(out, &[&b"SET"[..], key, &v]);
        }
        Value::List(l) => {
            l.for_each(|e| {
                batch.push(e.to_vec());
                if batch.len() == ITEMS_PER_CMD {
                    emit(out, b"RPUSH", &mut batch);
                }
            });
            emit(out, b"RPUSH", &mut batch);
        }
        Value::Set(s) => {
            s.for_each(|e| {
                batch.push(e.to_vec());
                if batch.len() == ITEMS_PER_CMD {
                    emit(out, b"SADD", &mut batch);
                }
            });
            emit(out, b"SADD", &mut batch);
        }
        Value::Hash(h) => {
            h.for_each(|f, v| {
                batch.push(f.to_vec());
                batch.push(v.to_vec());
                if batch.len() == 2 * ITEMS_PER_CMD {
                    emit(out, b"HMSET", &mut batch);
                }
            });
            emit(out, b"HMSET", &mut batch);
        }
        Value::ZSet(z) => {
            z.for_each(|m, score| {
                batch.push(score_text(score).into_bytes());
                batch.push(m.to_vec());
                if batch.len() == 2 * ITEMS_PER_CMD {
                    emit(out, b"ZADD", &mut batch);
                }
            });
            emit(out, b"ZADD", &mut batch);
        }
    }
    if let Some(at) = expire_at {
        crate::journal::encode_command(out, &[&b"PEXPIREAT"[..], key, at.to_string().as_bytes()]);
    }
}

fn score_text(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        crate::protocol::encode::format_g17(v)
    }
}

/// Writes a base file under the temporary name, then renames it to
/// `name` (start-up's first base).
pub fn write_base(settings: &Settings, name: &str, bytes: &[u8]) -> Result<(), String> {
    let tmp = temp_base_name();
    write_file(&settings.dir, &tmp, bytes)?;
    std::fs::rename(settings.dir.join(&tmp), settings.dir.join(name)).map_err(|e| {
        let msg = format!(
            "Error trying to rename the temporary AOF base file {} into {}: {}",
            tmp, name, e
        );
        crate::warning!("{}", msg);
        let _ = std::fs::remove_file(settings.dir.join(&tmp));
        msg
    })?;
    manifest::sync_dir(&settings.dir).map_err(|e| e.to_string())
}

/// Writes and fsyncs `dir/name`.
fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let path = dir.join(name);
    let res = std::fs::File::create(&path).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    res.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        let msg = format!("Write error writing append only file on disk: {}", e);
        crate::warning!("{}", msg);
        msg
    })
}

/// CONFIG SET appendonly: turns the AOF on (a rewrite creates the base,
/// then the journal writes the new incremental file) or off (the journal
/// stops; the files stay).
pub async fn set_appendonly(shard: &Rc<ShardState>, txn: Option<u64>, on: bool) {
    let shared = shard.shared.clone();
    if on {
        if shared.journal.is_on() {
            return;
        }
        match start(shard, txn).await {
            Ok(()) | Err(Refused::Scheduled) => {}
            Err(Refused::InProgress) => {
                crate::notice!("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
                shared
                    .persist
                    .aof_rewrite_scheduled
                    .store(true, Ordering::SeqCst);
            }
            Err(Refused::Failed) => {
                crate::warning!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
            }
        }
    } else {
        stop(&shared);
    }
}

/// Stops writing the AOF (CONFIG SET appendonly no).
pub fn stop(shared: &ServerShared) {
    if !shared.journal.is_on() {
        return;
    }
    let old = {
        let mut st = state(shared);
        shared.journal.replace_output(None);
        shared.persist.aof_enabled.store(false, Ordering::Relaxed);
        st.current.take()
    };
    if let Some(f) = old {
        let _ = f.sync_if_needed();
    }
}

/// Per-shard cron hook (acts on shard 0 only): starts a scheduled rewrite
/// once no BGSAVE runs, and an automatic one when the AOF grew by
/// `auto-aof-rewrite-percentage` past `auto-aof-rewrite-min-size`.
pub fn cron(shard: &Rc<ShardState>) {
    if shard.id != 0 {
        return;
    }
    let shared = &shard.shared;
    let p = &shared.persist;
    // Never wait here for a rewrite's thread holding the state (it may be
    // fsyncing): skip this tick instead.
    let sizes = match shared.persist.aof.try_lock() {
        Ok(st) => Some((st.current_size(), st.base_size, st.size_at_rewrite.max(1))),
        Err(_) => None,
    };
    let Some((cur, base_size, base)) = sizes else {
        return;
    };
    if p.aof_enabled.load(Ordering::Relaxed) {
        p.aof_current_size.store(cur, Ordering::Relaxed);
        p.aof_base_size.store(base_size, Ordering::Relaxed);
    }
    if p.aof_rewrite_in_progress.load(Ordering::Relaxed)
        || p.bgsave_in_progress.load(Ordering::Relaxed)
        || p.snapshot_active.load(Ordering::Relaxed)
        || p.loading.load(Ordering::Relaxed)
    {
        return;
    }
    let mut go = p.aof_rewrite_scheduled.load(Ordering::Relaxed);
    if !go && shared.journal.is_on() {
        let (perc, min) = {
            let c = shared.config();
            (
                c.get_i64("auto-aof-rewrite-percentage").unwrap_or(100),
                c.get_u64("auto-aof-rewrite-min-size").unwrap_or(64 << 20),
            )
        };
        if perc > 0 && cur > min {
            let growth = (cur as i128 * 100 / base as i128) - 100;
            if growth >= perc as i128 {
                crate::notice!("Starting automatic rewriting of AOF on {}% growth", growth);
                go = true;
            }
        }
    }
    if go {
        let s = shard.clone();
        glommio::spawn_local(async move {
            let _ = start(&s, None).await;
        })
        .detach();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::aof::stream;

    #[test]
    fn key_commands_rebuild_values() {
        let mut out = Vec::new();
        key_commands(&mut out, b"k", &Value::Int(12), Some(99));
        let (cmds, err) = stream::parse(&bytes::Bytes::from(out));
        assert_eq!(err, None);
        let text: Vec<Vec<String>> = cmds
            .iter()
            .map(|c| {
                c.args
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .collect();
        assert_eq!(
            text,
            vec![vec!["SET", "k", "12"], vec!["PEXPIREAT", "k", "99"]]
        );
        assert_eq!(score_text(f64::NEG_INFINITY), "-inf");
        assert_eq!(score_text(2.5), "2.5");
    }
}
