//! Point-in-time snapshots without fork: BGSAVE, save points, and the
//! snapshot machinery the AOF rewrite (and later a replica's full sync)
//! builds on.
//!
//! # How an image is taken
//!
//! 1. **The instant T.** The coordinating shard takes every shard's gate in
//!    ascending order ([`ShardState::call_all_atomic`]: all gates are held
//!    before any closure runs, so no cross-shard operation straddles T).
//!    On each shard the closure records the change counter, puts every
//!    database in snapshot mode ([`Db::begin_snapshot`]), runs the
//!    caller's [`SnapshotOptions::at_instant`] hook and starts the shard's
//!    background task. Clients are served again as soon as the gates open.
//! 2. **Copy before write.** In a database in snapshot mode, the first
//!    change to a key whose slot group is not written out yet first writes
//!    that key's entry as of T (and the walk of the group later leaves it
//!    and keys created after T out; see [`crate::shard::cow`]); FLUSHDB
//!    hands unwritten tables to the snapshot state instead.
//! 3. **Background task per shard.** It serializes one unwritten group per
//!    step, yielding to the shard's clients every [`STEP_BUDGET`], and
//!    hands each ~[`CHUNK_BYTES`] of output (a SELECTDB and entries, a
//!    self-contained piece of an RDB body) to the writer. A database
//!    leaves snapshot mode in the same synchronous step that writes its
//!    last group and takes its remaining output.
//! 4. **Writer thread.** One per snapshot: it receives chunks over a
//!    bounded channel (shards `try_send` and wait on a timer when it is
//!    full, never blocking their reactor), writes the header and auxiliary
//!    fields, every chunk in arrival order, EOF and the CRC-64 (computed
//!    as the bytes go), to a temporary file, fsyncs it and renames it over
//!    the target. On an error it keeps draining the channel, removes the
//!    temporary file and reports the error. The coordinator polls it on a
//!    timer.
//!
//! # API
//!
//! [`snapshot_to_file`] (or [`start`] then [`Pending::wait`]) writes one
//! image to a path; [`SnapshotOptions::aof_base`] marks the file as an AOF
//! base and [`SnapshotOptions::at_instant`] runs on every shard at T (the
//! AOF layer switches its incremental file there). [`bgsave`] is the
//! BGSAVE command's machinery (one at a time, change counters, INFO
//! state, log lines); [`save_point_task`] starts BGSAVEs for `save`
//! points and BGSAVE SCHEDULE; [`disk_error_reply`] implements
//! `stop-writes-on-bgsave-error`.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::commands::spec::{flags, CommandSpec};
use crate::config::Config;
use crate::dispatch::Out;
use crate::persistence::crc64::crc64;
use crate::persistence::rdb::file::{write_header, OP_EOF};
use crate::server::connection::ConnCtx;
use crate::server::shared::ServerShared;
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;

/// Output a shard gathers before handing it to the writer.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks the writer's channel holds (so at most this many, plus one per
/// shard waiting, are in flight).
pub const CHANNEL_CHUNKS: usize = 8;
/// Work a background task does before letting the shard's clients run.
pub const STEP_BUDGET: Duration = Duration::from_micros(200);

/// Pause between two steps of the background walk, long enough for the
/// executor to poll for I/O and serve the clients that are ready.
const YIELD_PAUSE: Duration = Duration::from_micros(20);
/// After a failed BGSAVE, save points wait this long before the next try
/// (Redis' CONFIG_BGSAVE_RETRY_DELAY).
pub const RETRY_DELAY_SECS: u64 = 5;

/// The `-MISCONF` error of `stop-writes-on-bgsave-error` (without '-').
pub const MISCONF_ERROR: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// A hook run on every shard at the instant T.
pub type AtInstant = Arc<dyn Fn(&ShardState) + Send + Sync>;

/// [`start`]'s error while another snapshot is being written.
pub const SNAPSHOT_BUSY: &str = "Another snapshot is being written";

/// What a snapshot does besides writing the keys.
#[derive(Clone, Default)]
pub struct SnapshotOptions {
    /// Write `aof-base 1` in the header (the base file of an AOF).
    pub aof_base: bool,
    /// Runs on every shard inside the instant-T closure, with all gates
    /// held.
    pub at_instant: Option<AtInstant>,
    /// The temporary file (default `temp-bg-<pid>.rdb` in the working
    /// directory); renamed over the target on success.
    pub temp_path: Option<PathBuf>,
    /// Send the image's bytes (header, chunks, EOF, checksum), in order,
    /// over this channel instead of writing a file (a diskless full sync);
    /// the path is then unused. The writer stops when the receiver is gone.
    pub to_stream: Option<SyncSender<Vec<u8>>>,
}

impl std::fmt::Debug for SnapshotOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotOptions")
            .field("aof_base", &self.aof_base)
            .field("at_instant", &self.at_instant.is_some())
            .field("temp_path", &self.temp_path)
            .field("to_stream", &self.to_stream.is_some())
            .finish()
    }
}

/// A finished snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotDone {
    /// Bytes of the file.
    pub bytes: u64,
    /// How long it took from T.
    pub elapsed: Duration,
    /// Each shard's change counter at T (BGSAVE subtracts them on success).
    pub dirty_at_t: Vec<u64>,
}

/// What shards send the writer.
#[derive(Debug)]
/// Chunk buffers handed back by the writer for the shards to fill again,
/// so the memory a snapshot holds stays a few chunks whatever the file size
/// (buffers freed on another thread are not reused at once by the
/// allocator).
#[derive(Clone, Default)]
struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

/// Buffers a pool keeps.
const POOL_MAX: usize = CHANNEL_CHUNKS + 4;

impl BufferPool {
    /// An empty buffer, from the pool if it has one.
    fn get(&self) -> Vec<u8> {
        let spare = self.0.lock().ok().and_then(|mut p| p.pop());
        spare.unwrap_or_else(|| Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 4))
    }

    /// Gives a written buffer back.
    fn put(&self, mut b: Vec<u8>) {
        if b.capacity() > 4 * CHUNK_BYTES {
            return;
        }
        b.clear();
        if let Ok(mut p) = self.0.lock() {
            if p.len() < POOL_MAX {
                p.push(b);
            }
        }
    }
}

enum Piece {
    /// A SELECTDB and entries.
    Chunk(Vec<u8>),
    /// The shard sent everything.
    ShardDone,
}

/// A snapshot past its instant T, being written.
#[derive(Debug)]
pub struct Pending {
    writer: JoinHandle<Result<u64, String>>,
    started: Instant,
    dirty_at_t: Vec<u64>,
}

impl Pending {
    /// Whether the writer is done (the file written, or failed).
    pub fn is_finished(&self) -> bool {
        self.writer.is_finished()
    }

    /// Waits (polling every 10 ms, never blocking the reactor) until the
    /// file is written or failed.
    pub async fn wait(self) -> Result<SnapshotDone, String> {
        while !self.writer.is_finished() {
            glommio::timer::sleep(Duration::from_millis(10)).await;
        }
        let bytes = self
            .writer
            .join()
            .unwrap_or_else(|_| Err("the snapshot writer thread panicked".into()))?;
        Ok(SnapshotDone {
            bytes,
            elapsed: self.started.elapsed(),
            dirty_at_t: self.dirty_at_t,
        })
    }
}

thread_local! {
    /// This executor's shard, for starting its background task from the
    /// instant-T closure (which only sees `&ShardState`).
    static SHARD: RefCell<Weak<ShardState>> = const { RefCell::new(Weak::new()) };
}

/// Records `shard` as this executor's shard (done once when the shard
/// starts, before it serves clients).
pub fn register_shard(shard: &Rc<ShardState>) {
    SHARD.with(|s| *s.borrow_mut() = Rc::downgrade(shard));
}

fn this_shard(id: usize) -> Option<Rc<ShardState>> {
    SHARD.with(|s| s.borrow().upgrade()).filter(|s| s.id == id)
}

/// Writes a point-in-time image of every shard to `path` (see the module
/// documentation); returns when the file is in place.
pub async fn snapshot_to_file(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    path: PathBuf,
    opts: SnapshotOptions,
) -> Result<SnapshotDone, String> {
    start(shard, txn, path, opts).await?.wait().await
}

/// Takes the instant T (every shard in snapshot mode, its background task
/// started) and returns the snapshot being written. `txn`: the
/// transaction the caller runs in, if any (it already holds every shard).
/// One snapshot at a time: while one is written this fails (callers such
/// as the AOF rewrite check `persist.bgsave_in_progress` first and wait
/// or schedule).
pub async fn start(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    path: PathBuf,
    opts: SnapshotOptions,
) -> Result<Pending, String> {
    let shared = &shard.shared;
    if shared.persist.snapshot_active.swap(true, Ordering::AcqRel) {
        return Err(SNAPSHOT_BUSY.into());
    }
    let checksum = shared.config().get_bool("rdbchecksum").unwrap_or(true);
    // On a replica the replication offset in the header must be the one of
    // the data at T: no batch from the master is applied until T is taken.
    // (Inside a hold of every shard the link task cannot be mid-batch on
    // them, and waiting for it could deadlock: skip the latch there.)
    let latch = match txn {
        None => Some(crate::replication::replica::ApplyHold::take(shared).await),
        Some(_) => None,
    };
    // The header carries the replication id and offset, which must be
    // those of the data at T: the first shard to reach T builds it (every
    // shard is held then, so the stream cannot move) and hands it to the
    // writer, which waits for it before writing anything.
    let (header_tx, header_rx) = sync_channel::<Vec<u8>>(1);
    let header_tx = Arc::new(Mutex::new(Some(header_tx)));
    let aof_base = opts.aof_base;
    let tmp = opts
        .temp_path
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("temp-bg-{}.rdb", std::process::id())));
    let (tx, rx) = sync_channel::<Piece>(CHANNEL_CHUNKS);
    let pool = BufferPool::default();
    let writer_pool = pool.clone();
    let nshards = shard.nshards;
    let owner = shared.clone();
    let to_stream = opts.to_stream.clone();
    let writer = std::thread::Builder::new()
        .name("shardis-bgsave".into())
        .spawn(move || {
            lower_priority();
            let Ok(header) = header_rx.recv() else {
                owner
                    .persist
                    .snapshot_active
                    .store(false, Ordering::Release);
                return Err("the snapshot was not taken".to_string());
            };
            let r = match to_stream {
                Some(out) => write_stream(rx, nshards, header, checksum, &out),
                None => write_file(rx, nshards, &header, checksum, &tmp, &path, &writer_pool),
            };
            // Every shard left snapshot mode before its last message (or
            // before dropping its sender).
            owner
                .persist
                .snapshot_active
                .store(false, Ordering::Release);
            r
        });
    let writer = match writer {
        Ok(w) => w,
        Err(e) => {
            shared
                .persist
                .snapshot_active
                .store(false, Ordering::Release);
            return Err(format!("Can't start the snapshot writer: {}", e));
        }
    };
    let at = now_ms();
    let compress = crate::persistence::rdb::compression();
    let p = &shared.persist;
    p.save_keys_processed.store(0, Ordering::Relaxed);
    p.save_keys_total.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let outs = shard
        .call_all_atomic(txn, |_| {
            let tx = tx.clone();
            let pool = pool.clone();
            let hook = opts.at_instant.clone();
            let header_tx = header_tx.clone();
            Box::new(move |s: &ShardState| -> Out {
                let dirty = s.stats.borrow().dirty;
                let mut keys = 0u64;
                {
                    let mut store = s.store.borrow_mut();
                    for (i, db) in store.dbs.iter_mut().enumerate() {
                        keys += db.len() as u64;
                        db.begin_snapshot(i, at, compress);
                    }
                }
                s.shared
                    .persist
                    .save_keys_total
                    .fetch_add(keys, Ordering::Relaxed);
                if let Some(h) = &hook {
                    h(s);
                }
                // After the hook, which may start a new replication id.
                let first = header_tx.lock().ok().and_then(|mut h| h.take());
                if let Some(htx) = first {
                    let meta = crate::persistence::snapshot::file_meta(&s.shared);
                    let mut header = Vec::with_capacity(256);
                    write_header(&mut header, &meta, aof_base);
                    let _ = htx.send(header);
                }
                match this_shard(s.id) {
                    Some(rc) => {
                        glommio::spawn_local(shard_task(rc, tx, pool)).detach();
                    }
                    None => {
                        // No executor context to write from: give the
                        // image up (the writer sees a sender vanish).
                        abort_shard(s);
                    }
                }
                Box::new(dirty)
            })
        })
        .await;
    drop(latch);
    drop(tx);
    let dirty_at_t = outs
        .into_iter()
        .map(|o| o.downcast::<u64>().map(|b| *b).unwrap_or(0))
        .collect();
    Ok(Pending {
        writer,
        started,
        dirty_at_t,
    })
}

/// Makes the calling thread (the writer) yield the CPU to the shards when
/// both want it (nice 10): pinned hosts often run it on a shard's core,
/// and clients come first; the writer mostly copies to the page cache.
fn lower_priority() {
    // SAFETY: plain syscalls on the calling thread's own id; a failure
    // leaves the priority as it was.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// Leaves snapshot mode on every database of `s`, dropping the output.
fn abort_shard(s: &ShardState) {
    for db in s.store.borrow_mut().dbs.iter_mut() {
        db.end_snapshot();
    }
}

/// The background task of one shard (see the module documentation).
async fn shard_task(shard: Rc<ShardState>, tx: SyncSender<Piece>, pool: BufferPool) {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    // `rdb-key-save-delay` (microseconds per key written by this task, as
    // Redis' child sleeps per key; negative: 1 µs with probability
    // 1/|n|), for tests that need a slow save.
    let delay = shard
        .shared
        .config()
        .get_i64("rdb-key-save-delay")
        .unwrap_or(0);
    let mut owed = Duration::ZERO;
    loop {
        if shard.shared.stopping() {
            abort_shard(&shard);
            return;
        }
        let slice = Instant::now();
        let mut left = true;
        while chunks.is_empty() && slice.elapsed() < STEP_BUDGET {
            let keys;
            (left, keys) = step(&shard, &mut chunks, &pool);
            if delay != 0 {
                owed += key_delay(delay, keys);
                break;
            }
            if !left {
                break;
            }
        }
        if !owed.is_zero() {
            glommio::timer::sleep(std::mem::take(&mut owed)).await;
        }
        for c in chunks.drain(..) {
            if !send(&tx, Piece::Chunk(c)).await {
                abort_shard(&shard);
                return;
            }
        }
        if !left {
            break;
        }
        // A timer, not a plain yield: this task is ready again at once, and
        // the executor would run it again before it polls the sockets, so
        // clients would wait until the whole image is written.
        glommio::timer::sleep(YIELD_PAUSE).await;
    }
    send(&tx, Piece::ShardDone).await;
}

/// The pause `rdb-key-save-delay` asks for after writing `keys` keys.
fn key_delay(delay: i64, keys: u64) -> Duration {
    if delay > 0 {
        Duration::from_micros((delay as u64).saturating_mul(keys))
    } else {
        // About one key in |delay| costs 1 µs.
        Duration::from_micros(keys / delay.unsigned_abs().max(1))
    }
}

/// One step on `shard`: one group of the first database in snapshot mode;
/// output of any database past [`CHUNK_BYTES`] (or finished) goes to
/// `chunks`. Returns false when no database is in snapshot mode any more,
/// and the keys written.
fn step(shard: &ShardState, chunks: &mut Vec<Vec<u8>>, pool: &BufferPool) -> (bool, u64) {
    let mut store = shard.store.borrow_mut();
    let mut walked = false;
    let mut written = 0;
    for db in store.dbs.iter_mut() {
        if !db.in_snapshot() {
            continue;
        }
        if !walked {
            walked = true;
            db.snapshot_step();
        }
        let finished = db.snapshot_mut().is_some_and(|s| s.finished());
        if finished {
            if let Some(mut s) = db.end_snapshot() {
                written += s.take_written();
                let out = s.take_out();
                if !out.is_empty() {
                    chunks.push(out);
                }
            }
        } else if let Some(s) = db.snapshot_mut() {
            written += s.take_written();
            if s.out_len() >= CHUNK_BYTES {
                chunks.push(s.take_out_into(pool.get()));
            }
        }
    }
    if written > 0 {
        shard
            .shared
            .persist
            .save_keys_processed
            .fetch_add(written, Ordering::Relaxed);
    }
    (walked, written)
}

/// Hands `piece` to the writer, waiting on a timer while the channel is
/// full. False if the writer is gone.
async fn send(tx: &SyncSender<Piece>, mut piece: Piece) -> bool {
    loop {
        match tx.try_send(piece) {
            Ok(()) => return true,
            Err(TrySendError::Full(p)) => {
                piece = p;
                glommio::timer::sleep(Duration::from_millis(1)).await;
            }
            Err(TrySendError::Disconnected(_)) => return false,
        }
    }
}

/// The file being written and the first error met.
struct FileOut {
    w: Option<BufWriter<File>>,
    crc: u64,
    size: u64,
    failure: Option<String>,
    checksum: bool,
}

impl FileOut {
    /// Appends `b` (nothing after an error).
    fn put(&mut self, b: &[u8]) {
        if self.failure.is_some() {
            return;
        }
        let Some(w) = self.w.as_mut() else {
            return;
        };
        if self.checksum {
            self.crc = crc64(self.crc, b);
        }
        self.size += b.len() as u64;
        if let Err(e) = w.write_all(b) {
            self.failure = Some(format!(
                "Write error saving DB on disk: {}",
                crate::config::error::strerror(&e)
            ));
        }
    }
}

/// The writer thread: header, chunks, EOF and checksum into `tmp`, fsync,
/// rename to `path`. Returns the file's size.
fn write_file(
    rx: Receiver<Piece>,
    nshards: usize,
    header: &[u8],
    checksum: bool,
    tmp: &Path,
    path: &Path,
    pool: &BufferPool,
) -> Result<u64, String> {
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".into());
    let mut out = FileOut {
        w: None,
        crc: 0,
        size: 0,
        failure: None,
        checksum,
    };
    match File::create(tmp) {
        Ok(f) => out.w = Some(BufWriter::with_capacity(1 << 20, f)),
        Err(e) => {
            out.failure = Some(format!(
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                tmp.display(),
                cwd,
                crate::config::error::strerror(&e)
            ))
        }
    }
    out.put(header);
    let mut done = 0;
    while done < nshards {
        match rx.recv() {
            Ok(Piece::Chunk(b)) => {
                out.put(&b);
                pool.put(b);
            }
            Ok(Piece::ShardDone) => done += 1,
            Err(_) => {
                out.failure
                    .get_or_insert_with(|| "The snapshot was abandoned".into());
                break;
            }
        }
    }
    out.put(&[OP_EOF]);
    let crc = if checksum { out.crc } else { 0 };
    out.put(&crc.to_le_bytes());
    let size = out.size;
    let mut failure = out.failure.take();
    if failure.is_none() {
        if let Some(w) = out.w.take() {
            let synced = w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all());
            if let Err(e) = synced {
                failure = Some(format!(
                    "Write error saving DB on disk: {}",
                    crate::config::error::strerror(&e)
                ));
            }
        }
    }
    drop(out);
    if failure.is_none() {
        if let Err(e) = std::fs::rename(tmp, path) {
            failure = Some(format!(
                "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
                tmp.display(),
                path.display(),
                cwd,
                crate::config::error::strerror(&e)
            ));
        }
    }
    match failure {
        None => {
            crate::notice!("DB saved on disk");
            Ok(size)
        }
        Some(msg) => {
            crate::warning!("{}", msg);
            let _ = std::fs::remove_file(tmp);
            Err(msg)
        }
    }
}

/// The writer thread of a snapshot sent over a channel: header, chunks,
/// EOF and checksum, each as it comes. Returns the bytes sent.
fn write_stream(
    rx: Receiver<Piece>,
    nshards: usize,
    header: Vec<u8>,
    checksum: bool,
    out: &SyncSender<Vec<u8>>,
) -> Result<u64, String> {
    let gone = || "The snapshot's receiver went away".to_string();
    let mut crc = 0u64;
    let mut size = 0u64;
    let mut put = |b: Vec<u8>| -> Result<(), String> {
        if checksum {
            crc = crc64(crc, &b);
        }
        size += b.len() as u64;
        out.send(b).map_err(|_| gone())
    };
    put(header)?;
    let mut done = 0;
    while done < nshards {
        match rx.recv() {
            Ok(Piece::Chunk(b)) => put(b)?,
            Ok(Piece::ShardDone) => done += 1,
            Err(_) => return Err("The snapshot was abandoned".into()),
        }
    }
    put(vec![OP_EOF])?;
    let c = if checksum { crc } else { 0 };
    out.send(c.to_le_bytes().to_vec()).map_err(|_| gone())?;
    Ok(size + 8)
}

/// At exit with a BGSAVE still running (its shard tasks are gone): logs
/// it as Redis does and removes the temporary file.
pub fn abandon_on_shutdown(shared: &ServerShared) {
    if shared.persist.bgsave_in_progress.load(Ordering::Relaxed) {
        crate::warning!("There is a child saving an .rdb. Killing it!");
        let _ = std::fs::remove_file(format!("temp-bg-{}.rdb", std::process::id()));
    }
}

/// Why BGSAVE did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BgsaveRefused {
    /// A BGSAVE runs.
    InProgress,
    /// An AOF rewrite runs and SCHEDULE was not given.
    ChildActive,
    /// Saved for later (SCHEDULE while a rewrite runs, or inside EXEC).
    Scheduled,
    /// The snapshot could not start.
    Failed(String),
}

/// Starts a BGSAVE of every shard to the `dbfilename` file: takes T, then
/// writes and records the outcome in the background. `schedule`: BGSAVE
/// SCHEDULE; `txn`: the transaction the caller runs in (Redis schedules
/// a BGSAVE asked for inside EXEC).
pub async fn bgsave(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    schedule: bool,
) -> Result<(), BgsaveRefused> {
    let p = &shard.shared.persist;
    if p.bgsave_in_progress.load(Ordering::Relaxed) {
        return Err(BgsaveRefused::InProgress);
    }
    let other_child = p.aof_rewrite_in_progress.load(Ordering::Relaxed)
        || p.snapshot_active.load(Ordering::Relaxed);
    if other_child || txn.is_some() {
        if schedule || txn.is_some() {
            p.bgsave_scheduled.store(true, Ordering::Relaxed);
            return Err(BgsaveRefused::Scheduled);
        }
        return Err(BgsaveRefused::ChildActive);
    }
    if p.bgsave_in_progress.swap(true, Ordering::AcqRel) {
        return Err(BgsaveRefused::InProgress);
    }
    let now = now_ms();
    p.bgsave_last_try.store(now / 1000, Ordering::Relaxed);
    p.bgsave_started_ms.store(now, Ordering::Relaxed);
    p.bgsave_scheduled.store(false, Ordering::Relaxed);
    let path = crate::persistence::snapshot::rdb_path(&shard.shared);
    let pending = match start(shard, None, path, SnapshotOptions::default()).await {
        Ok(p) => p,
        Err(e) if e == SNAPSHOT_BUSY => {
            // Another snapshot started meanwhile: as if it had been seen.
            p.bgsave_started_ms.store(0, Ordering::Relaxed);
            p.bgsave_in_progress.store(false, Ordering::Release);
            if schedule {
                p.bgsave_scheduled.store(true, Ordering::Relaxed);
                return Err(BgsaveRefused::Scheduled);
            }
            return Err(BgsaveRefused::ChildActive);
        }
        Err(e) => {
            crate::warning!("Can't save in background: {}", e);
            finish(shard, Err(e)).await;
            return Err(BgsaveRefused::Failed("ERR".into()));
        }
    };
    crate::notice!("Background saving started by pid {}", std::process::id());
    let rc = shard.clone();
    glommio::spawn_local(async move {
        let r = pending.wait().await;
        finish(&rc, r).await;
    })
    .detach();
    Ok(())
}

/// Records the outcome of a BGSAVE (INFO state, LASTSAVE, change
/// counters, `stop-writes-on-bgsave-error`).
async fn finish(shard: &Rc<ShardState>, r: Result<SnapshotDone, String>) {
    let shared = &shard.shared;
    let p = &shared.persist;
    let started = p.bgsave_started_ms.load(Ordering::Relaxed);
    let secs = now_ms().saturating_sub(started) / 1000;
    p.bgsave_last_time_sec.store(secs as i64, Ordering::Relaxed);
    match r {
        Ok(done) => {
            crate::notice!("Background saving terminated with success");
            shared.lastsave.store(now_ms() / 1000, Ordering::Relaxed);
            shared.rdb_saves.fetch_add(1, Ordering::Relaxed);
            shared.last_save_ok.store(true, Ordering::Relaxed);
            let dirty = done.dirty_at_t;
            let _ = shard
                .call_all(None, |i| {
                    let d = dirty.get(i).copied().unwrap_or(0);
                    Box::new(move |s: &ShardState| -> Out {
                        let mut st = s.stats.borrow_mut();
                        st.dirty = st.dirty.saturating_sub(d);
                        Box::new(())
                    })
                })
                .await;
        }
        Err(_) => {
            crate::warning!("Background saving error");
            shared.last_save_ok.store(false, Ordering::Relaxed);
        }
    }
    refresh_misconf(shared, &shared.config());
    p.bgsave_started_ms.store(0, Ordering::Relaxed);
    p.save_keys_processed.store(0, Ordering::Relaxed);
    p.save_keys_total.store(0, Ordering::Relaxed);
    p.bgsave_in_progress.store(false, Ordering::Release);
}

/// Recomputes whether writes are refused for a failed save (Redis'
/// `writeCommandsDeniedByDiskError` for RDB): `stop-writes-on-bgsave-error`
/// on, save points configured, and the last BGSAVE failed. Call with the
/// configuration after any of them changes.
pub fn refresh_misconf(shared: &ServerShared, c: &Config) {
    let deny = c.get_bool("stop-writes-on-bgsave-error").unwrap_or(true)
        && !c.save_points().is_empty()
        && !shared.last_save_ok.load(Ordering::Relaxed);
    shared.persist.misconf.store(deny, Ordering::Relaxed);
}

/// The error for `spec` while writes are refused for a failed save (call
/// only when `persist.misconf` is set): write commands and PING are
/// refused, and EXEC when a queued command writes (the transaction is
/// discarded, as Redis does). `None`: the command may run.
pub fn disk_error_reply(ctx: &mut ConnCtx, spec: &CommandSpec) -> Option<String> {
    let journal = &ctx.shard.shared.journal;
    let error = if ctx.shard.shared.persist.misconf.load(Ordering::Relaxed) {
        MISCONF_ERROR.to_string()
    } else if journal.is_on() && journal.write_failed() {
        format!(
            "MISCONF Errors writing to the AOF file: {}",
            journal.last_error()
        )
    } else {
        return None;
    };
    if spec.name == "exec" {
        let writes = ctx
            .multi
            .as_ref()
            .is_some_and(|m| m.cmds.iter().any(|q| q.spec.has(flags::WRITE)));
        if !writes {
            return None;
        }
        crate::transaction::discard_state(ctx);
        return Some(format!(
            "EXECABORT Transaction discarded because of: {}",
            error
        ));
    }
    (spec.has(flags::WRITE) || spec.name == "ping").then_some(error)
}

/// Shard 0's save-point check (Redis' `serverCron` part): starts a BGSAVE
/// when a `save <seconds> <changes>` point is reached, or when a
/// scheduled BGSAVE may run, waiting [`RETRY_DELAY_SECS`] after a failure.
pub async fn save_point_task(shard: Rc<ShardState>) {
    let mut last_check = Instant::now();
    loop {
        glommio::timer::sleep(Duration::from_millis(100)).await;
        let shared = &shard.shared;
        if shared.stopping() {
            return;
        }
        let p = &shared.persist;
        if p.bgsave_in_progress.load(Ordering::Relaxed)
            || p.aof_rewrite_in_progress.load(Ordering::Relaxed)
            || p.snapshot_active.load(Ordering::Relaxed)
        {
            continue;
        }
        let now = now_ms() / 1000;
        let retry_ok = now.saturating_sub(p.bgsave_last_try.load(Ordering::Relaxed))
            > RETRY_DELAY_SECS
            || shared.last_save_ok.load(Ordering::Relaxed);
        if p.bgsave_scheduled.load(Ordering::Relaxed) && retry_ok {
            let _ = bgsave(&shard, None, false).await;
            continue;
        }
        if last_check.elapsed() < Duration::from_secs(1) || !retry_ok {
            continue;
        }
        last_check = Instant::now();
        let points = shared.config().save_points();
        if points.is_empty() {
            continue;
        }
        let dirty = total_dirty(&shard).await;
        let since = now.saturating_sub(shared.lastsave.load(Ordering::Relaxed));
        if let Some((secs, changes)) = points
            .iter()
            .copied()
            .find(|&(secs, changes)| dirty >= changes && since > secs)
        {
            crate::notice!("{} changes in {} seconds. Saving...", changes, secs);
            let _ = bgsave(&shard, None, false).await;
        }
    }
}

/// The sum of every shard's change counter (INFO
/// `rdb_changes_since_last_save`).
pub async fn total_dirty(shard: &Rc<ShardState>) -> u64 {
    shard
        .call_all(None, |_| {
            Box::new(|s: &ShardState| -> Out { Box::new(s.stats.borrow().dirty) })
        })
        .await
        .into_iter()
        .filter_map(|o| o.downcast::<u64>().ok())
        .map(|b| *b)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::rdb::file::{self, FileMeta};
    use crate::shard::keyspace::Db;
    use crate::types::Value;

    fn meta() -> FileMeta {
        FileMeta {
            ctime: 1,
            used_mem: 2,
            repl_id: "0".repeat(40),
            repl_offset: 0,
            repl_stream_db: 0,
        }
    }

    /// Two shards' databases, written through the channel and the writer
    /// thread, load back as one file.
    #[test]
    fn writer_assembles_chunks_from_several_shards() {
        let dir = std::env::temp_dir().join(format!("shardis-bgsave-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (tmp, path) = (dir.join("tmp.rdb"), dir.join("out.rdb"));
        let mut header = Vec::new();
        write_header(&mut header, &meta(), true);
        let (tx, rx) = sync_channel::<Piece>(1);
        let (t, p) = (tmp.clone(), path.clone());
        let w = std::thread::spawn(move || {
            write_file(rx, 2, &header, true, &t, &p, &BufferPool::default())
        });
        for shard in 0..2 {
            let mut db = Db::default();
            for i in 0..500 {
                let k = format!("s{shard}:{i}");
                db.set(k.as_bytes(), Value::Int(i), false);
            }
            db.begin_snapshot(shard * 5, 0, true);
            while db.snapshot_step() {
                if let Some(s) = db.snapshot_mut() {
                    if s.out_len() > 1000 {
                        tx.send(Piece::Chunk(s.take_out())).unwrap();
                    }
                }
            }
            let rest = db
                .end_snapshot()
                .map(|mut s| s.take_out())
                .unwrap_or_default();
            tx.send(Piece::Chunk(rest)).unwrap();
            tx.send(Piece::ShardDone).unwrap();
        }
        let size = w.join().unwrap().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len() as u64, size);
        assert!(!tmp.exists());
        let mut per_db = [0usize; 16];
        let info = file::load(&bytes, 0, 16, |db, _, _, _| per_db[db] += 1).unwrap();
        assert_eq!(info.loaded, 1000);
        assert_eq!((per_db[0], per_db[5]), (500, 500));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A snapshot sent over a channel (a diskless full sync) is the same
    /// RDB a file would hold; a receiver that goes away stops the writer.
    #[test]
    fn stream_writer_sends_a_whole_rdb() {
        let mut header = Vec::new();
        write_header(&mut header, &meta(), false);
        let (tx, rx) = sync_channel::<Piece>(1);
        let (otx, orx) = sync_channel::<Vec<u8>>(2);
        let w = std::thread::spawn(move || write_stream(rx, 1, header, true, &otx));
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            while let Ok(b) = orx.recv() {
                all.extend_from_slice(&b);
            }
            all
        });
        let mut db = Db::default();
        for i in 0..300 {
            db.set(format!("k{i}").as_bytes(), Value::Int(i), false);
        }
        db.begin_snapshot(2, 0, true);
        while db.snapshot_step() {}
        let rest = db
            .end_snapshot()
            .map(|mut s| s.take_out())
            .unwrap_or_default();
        tx.send(Piece::Chunk(rest)).unwrap();
        tx.send(Piece::ShardDone).unwrap();
        let size = w.join().unwrap().unwrap();
        let bytes = reader.join().unwrap();
        assert_eq!(bytes.len() as u64, size);
        let mut n = 0;
        let info = file::load(&bytes, 0, 16, |db, _, _, _| {
            assert_eq!(db, 2);
            n += 1;
        })
        .unwrap();
        assert_eq!((info.loaded, n), (300, 300));
        // Receiver gone: the writer fails instead of blocking.
        let (tx, rx) = sync_channel::<Piece>(1);
        let (otx, orx) = sync_channel::<Vec<u8>>(1);
        drop(orx);
        let w = std::thread::spawn(move || write_stream(rx, 1, b"REDIS0010".to_vec(), true, &otx));
        let _ = tx.send(Piece::ShardDone);
        assert!(w.join().unwrap().is_err());
    }

    /// A temporary file that cannot be created fails the snapshot, after
    /// the channel was drained, and leaves the target alone.
    #[test]
    fn writer_error_drains_and_reports() {
        let dir = std::env::temp_dir().join(format!("shardis-bgsave-err-{}", std::process::id()));
        let blocker = dir.join("tmp.rdb");
        std::fs::create_dir_all(&blocker).unwrap();
        let path = dir.join("out.rdb");
        std::fs::write(&path, b"old").unwrap();
        let (tx, rx) = sync_channel::<Piece>(1);
        let (t, p) = (blocker.clone(), path.clone());
        let w = std::thread::spawn(move || {
            write_file(rx, 1, b"REDIS0010", true, &t, &p, &BufferPool::default())
        });
        for _ in 0..10 {
            tx.send(Piece::Chunk(vec![0; 100])).unwrap();
        }
        tx.send(Piece::ShardDone).unwrap();
        let err = w.join().unwrap().unwrap_err();
        assert!(err.starts_with("Failed opening the temp RDB file"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        // A shard that vanishes without finishing fails the file too.
        std::fs::remove_dir(&blocker).unwrap();
        let (tx, rx) = sync_channel::<Piece>(1);
        let (t, p) = (blocker.clone(), path.clone());
        let w = std::thread::spawn(move || {
            write_file(rx, 2, b"REDIS0010", true, &t, &p, &BufferPool::default())
        });
        tx.send(Piece::ShardDone).unwrap();
        drop(tx);
        assert!(w.join().unwrap().is_err());
        assert!(!blocker.exists());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
