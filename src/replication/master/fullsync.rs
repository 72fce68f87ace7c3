//! Taking the snapshot of a full synchronization: the instant T fixes the
//! replication id and offset the replica continues from, creates the
//! backlog when this is the first replica (a master then starts a new
//! history, as Redis does) and attaches the journal to the stream.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::persistence::bgsave::{self, AtInstant, Pending, SnapshotOptions};
use crate::shard::ShardState;

/// Numbers the files of disk full syncs.
static JOB_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Chunks of a diskless snapshot in flight to the feed.
const STREAM_CHUNKS: usize = 8;

/// Where the snapshot's bytes come from.
#[derive(Debug)]
pub enum Payload {
    /// A file on disk (removed once sent).
    File(PathBuf),
    /// Chunks sent by the snapshot's writer as they are produced.
    Stream(Receiver<Vec<u8>>),
}

/// A snapshot past its instant T.
#[derive(Debug)]
pub struct Prepared {
    /// Replication id at T.
    pub replid: String,
    /// Stream offset at T: the replica continues from here.
    pub offset: u64,
    /// The snapshot's bytes.
    pub payload: Payload,
    /// The snapshot being written.
    pub pending: Pending,
}

/// Why no snapshot was started.
#[derive(Debug, PartialEq, Eq)]
pub enum NotStarted {
    /// Another snapshot is being written: try again later.
    Busy,
    /// It failed.
    Failed(String),
}

/// The temporary file of disk full sync number `id`.
pub fn sync_file(id: u64) -> PathBuf {
    PathBuf::from(format!("temp-repl-{}-{}.rdb", std::process::id(), id))
}

/// Starts the snapshot of full synchronization number `id`:
/// diskless (chunks over a channel) or to a temporary file. On a replica
/// it waits for the apply latch so data and offset agree.
pub async fn prepare(
    shard: &Rc<ShardState>,
    diskless: bool,
    id: u64,
) -> Result<Prepared, NotStarted> {
    let shared = &shard.shared;
    if shared
        .persist
        .snapshot_active
        .load(std::sync::atomic::Ordering::Acquire)
    {
        return Err(NotStarted::Busy);
    }
    let size = shared
        .replicas
        .settings
        .backlog_size
        .load(std::sync::atomic::Ordering::Relaxed) as usize;
    let taken: Arc<Mutex<Option<(String, u64)>>> = Arc::new(Mutex::new(None));
    let slot = taken.clone();
    let hook: AtInstant = Arc::new(move |s: &ShardState| {
        take_instant(s, &slot, size);
        // Keys that expire from now on are journaled (as DELs) even if
        // this shard journaled nothing before.
        if let Ok(mut store) = s.store.try_borrow_mut() {
            crate::journal::sync_store_flag(s, &mut store);
        }
    });
    let (tx, rx) = if diskless {
        let (tx, rx) = sync_channel(STREAM_CHUNKS);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let path = sync_file(id);
    let opts = SnapshotOptions {
        aof_base: false,
        at_instant: Some(hook),
        temp_path: Some(PathBuf::from(format!("{}.tmp", path.display()))),
        to_stream: tx,
    };
    let latch = shared.role.is_replica().then_some(&shared.repl.apply);
    if let Some(l) = latch {
        l.want();
        while !l.try_hold_wanted() {
            glommio::timer::sleep(Duration::from_millis(1)).await;
        }
    }
    let r = bgsave::start(shard, None, path.clone(), opts).await;
    if let Some(l) = latch {
        l.release();
        l.unwant();
    }
    let pending = match r {
        Ok(p) => p,
        Err(e) if e == bgsave::SNAPSHOT_BUSY => return Err(NotStarted::Busy),
        Err(e) => return Err(NotStarted::Failed(e)),
    };
    let at = taken.lock().ok().and_then(|mut s| s.take());
    let Some((replid, offset)) = at else {
        return Err(NotStarted::Failed("no instant was taken".into()));
    };
    let payload = match rx {
        Some(rx) => Payload::Stream(rx),
        None => Payload::File(path),
    };
    Ok(Prepared {
        replid,
        offset,
        payload,
        pending,
    })
}

/// What the members of a diskless job receive.
#[derive(Debug)]
pub enum Piece {
    /// Bytes of the RDB.
    Chunk(Arc<Vec<u8>>),
    /// The end: whether the snapshot succeeded.
    Done(bool),
}

/// Chunks a member may have waiting before the fan-out waits for it.
const MEMBER_CHUNKS: usize = 8;

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its instant T (diskless delay, or another snapshot).
    Waiting,
    /// Past T: replication id and offset the replicas continue from.
    Started(String, u64),
    /// Could not start.
    Failed,
}

/// One snapshot serving every replica that joined it: those arriving
/// during the diskless delay, or (on disk) any time before the file is
/// done. The file is removed when the last member lets go.
#[derive(Debug)]
pub struct SyncJob {
    /// Diskless (chunks fanned out to members) or a file.
    pub diskless: bool,
    /// Where it stands.
    pub state: Mutex<JobState>,
    /// Diskless: the members' channels (taken when T passes: later
    /// replicas need another job).
    members: Mutex<Option<Vec<std::sync::mpsc::SyncSender<Piece>>>>,
    /// Disk: the file once written (`Some(Err)` when the save failed).
    pub file: Mutex<Option<Result<PathBuf, String>>>,
    /// The diskless end mark (`$EOF:<mark>`), shared by all members.
    pub mark: String,
}

impl Drop for SyncJob {
    fn drop(&mut self) {
        if let Ok(g) = self.file.lock() {
            if let Some(Ok(p)) = g.as_ref() {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// A replica's place in a job.
#[derive(Debug)]
pub struct Ticket {
    /// The job.
    pub job: Arc<SyncJob>,
    /// Diskless: where its chunks arrive.
    pub rx: Option<Receiver<Piece>>,
}

impl SyncJob {
    fn lock_state(&self) -> std::sync::MutexGuard<'_, JobState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Where it stands now.
    pub fn current(&self) -> JobState {
        self.lock_state().clone()
    }

    /// Adds a diskless member; `None` once T passed.
    fn add_member(&self) -> Option<Receiver<Piece>> {
        let mut m = self.members.lock().ok()?;
        let list = m.as_mut()?;
        let (tx, rx) = sync_channel(MEMBER_CHUNKS);
        list.push(tx);
        Some(rx)
    }
}

/// The first shard at T: creates the backlog (a new history, on a master
/// without one), attaches the journal to the stream, and records the id
/// and offset in `slot`.
fn take_instant(s: &ShardState, slot: &Mutex<Option<(String, u64)>>, size: usize) {
    let Ok(mut slot) = slot.lock() else {
        return;
    };
    if slot.is_some() {
        return;
    }
    let shared = &s.shared;
    let repl = &shared.repl;
    if !shared.role.is_replica() {
        if !repl.has_backlog() {
            repl.change_replid();
            repl.ensure_backlog(size);
            let st = repl.lock();
            crate::notice!(
                "Replication backlog created, my new replication IDs are '{}' and '{}'",
                st.replid,
                st.replid2
            );
        }
        shared.journal.set_stream(Some(repl.clone()));
    }
    shared.journal.reselect();
    let st = repl.lock();
    *slot = Some((st.replid.clone(), st.offset));
}

/// Joins the job under way that can serve a replica (same kind, still
/// open), or starts one on `shard`.
pub fn join_or_start(shard: &Rc<ShardState>, diskless: bool) -> Ticket {
    let reg = &shard.shared.replicas;
    let mut slot = reg.job();
    if let Some(job) = slot.as_ref().filter(|j| j.diskless == diskless) {
        if diskless {
            if let Some(rx) = job.add_member() {
                return Ticket {
                    job: job.clone(),
                    rx: Some(rx),
                };
            }
        } else if job.current() != JobState::Failed {
            return Ticket {
                job: job.clone(),
                rx: None,
            };
        }
    }
    let job = Arc::new(SyncJob {
        diskless,
        state: Mutex::new(JobState::Waiting),
        members: Mutex::new(diskless.then(Vec::new)),
        file: Mutex::new(None),
        mark: crate::server::shared::random_hex(40),
    });
    let rx = job.add_member();
    *slot = Some(job.clone());
    drop(slot);
    glommio::spawn_local(run_job(shard.clone(), job.clone())).detach();
    Ticket { job, rx }
}

/// Clears the registry's job slot if it still holds `job`.
fn close(shard: &ShardState, job: &Arc<SyncJob>) {
    let mut slot = shard.shared.replicas.job();
    if slot.as_ref().is_some_and(|j| Arc::ptr_eq(j, job)) {
        *slot = None;
    }
}

/// The job's task: the diskless delay, waiting for the snapshot slot,
/// the instant T, then the fan-out of chunks (diskless) or the file.
async fn run_job(shard: Rc<ShardState>, job: Arc<SyncJob>) {
    use std::sync::atomic::Ordering;
    let shared = shard.shared.clone();
    let settings = &shared.replicas.settings;
    let tick = Duration::from_millis(100);
    if job.diskless {
        let delay = settings.diskless_delay.load(Ordering::Relaxed);
        if delay > 0 {
            crate::notice!("Delay next BGSAVE for diskless SYNC");
            let until = std::time::Instant::now() + Duration::from_secs(delay);
            let max = settings.diskless_max_replicas.load(Ordering::Relaxed) as usize;
            while std::time::Instant::now() < until {
                glommio::timer::sleep(Duration::from_millis(50)).await;
                let waiting = job
                    .members
                    .lock()
                    .ok()
                    .and_then(|m| m.as_ref().map(Vec::len))
                    .unwrap_or(0);
                if max > 0 && waiting >= max {
                    break;
                }
            }
        }
    }
    let mut waited = false;
    let prepared = loop {
        if shared.stopping() {
            fail(&shard, &job);
            return;
        }
        if !shared.persist.snapshot_active.load(Ordering::Acquire) {
            crate::notice!(
                "Starting BGSAVE for SYNC with target: {}",
                if job.diskless {
                    "replicas sockets"
                } else {
                    "disk"
                }
            );
            match prepare(
                &shard,
                job.diskless,
                JOB_SEQ.fetch_add(1, Ordering::Relaxed),
            )
            .await
            {
                Ok(p) => break p,
                Err(NotStarted::Busy) => {}
                Err(NotStarted::Failed(e)) => {
                    crate::warning!("Can't save in background: {}", e);
                    crate::warning!("BGSAVE for replication failed");
                    fail(&shard, &job);
                    return;
                }
            }
        }
        if !waited {
            waited = true;
            crate::notice!("Waiting for next BGSAVE for SYNC");
        }
        glommio::timer::sleep(tick).await;
    };
    if job.diskless {
        crate::notice!(
            "Background RDB transfer started by pid {}",
            std::process::id()
        );
    } else {
        crate::notice!("Background saving started by pid {}", std::process::id());
    }
    let Prepared {
        replid,
        offset,
        payload,
        pending,
    } = prepared;
    // Diskless: no one joins once T passed (they would miss the start).
    let members = if job.diskless {
        close(&shard, &job);
        job.members.lock().ok().and_then(|mut m| m.take())
    } else {
        None
    };
    *job.lock_state() = JobState::Started(replid, offset);
    match payload {
        Payload::Stream(rx) => {
            let mut members = members.unwrap_or_default();
            let ok = fan_out(rx, &mut members).await;
            let ok = pending.wait().await.is_ok() && ok;
            if ok {
                crate::notice!("Background RDB transfer terminated with success");
            } else {
                crate::warning!("Background transfer error");
            }
            for m in members {
                let _ = m.try_send(Piece::Done(ok));
                // A full channel: the member sees the sender vanish
                // without Done(true), which is a failure too.
            }
        }
        Payload::File(path) => {
            let r = pending.wait().await;
            let outcome = match r {
                Ok(_) => Ok(path),
                Err(e) => {
                    let _ = std::fs::remove_file(&path);
                    crate::warning!("SYNC failed. BGSAVE child returned an error");
                    Err(e)
                }
            };
            if let Ok(mut f) = job.file.lock() {
                *f = Some(outcome);
            }
            close(&shard, &job);
        }
    }
}

/// Marks `job` failed and closes it.
fn fail(shard: &ShardState, job: &Arc<SyncJob>) {
    *job.lock_state() = JobState::Failed;
    if let Ok(mut m) = job.members.lock() {
        m.take();
    }
    if let Ok(mut f) = job.file.lock() {
        *f = Some(Err("BGSAVE failed".into()));
    }
    close(shard, job);
}

/// Sends every chunk of the writer to every member still there, at the
/// pace of the slowest; false when no member is left (the snapshot is
/// then abandoned by dropping the writer's channel).
async fn fan_out(
    rx: Receiver<Vec<u8>>,
    members: &mut Vec<std::sync::mpsc::SyncSender<Piece>>,
) -> bool {
    use std::sync::mpsc::{TryRecvError, TrySendError};
    loop {
        if members.is_empty() {
            return false;
        }
        let chunk = match rx.try_recv() {
            Ok(c) => Arc::new(c),
            Err(TryRecvError::Empty) => {
                glommio::timer::sleep(Duration::from_millis(1)).await;
                continue;
            }
            Err(TryRecvError::Disconnected) => return true,
        };
        let mut i = 0;
        while i < members.len() {
            let mut piece = Piece::Chunk(chunk.clone());
            loop {
                match members[i].try_send(piece) {
                    Ok(()) => {
                        i += 1;
                        break;
                    }
                    Err(TrySendError::Full(p)) => {
                        piece = p;
                        glommio::timer::sleep(Duration::from_millis(1)).await;
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        members.swap_remove(i);
                        break;
                    }
                }
            }
        }
    }
}
