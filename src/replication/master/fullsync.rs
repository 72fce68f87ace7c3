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
use crate::replication::stream::Tap;
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
    on_instant: OnInstant,
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
        take_instant(s, &slot, size, &on_instant);
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
    // On a replica `bgsave::start` takes the apply latch itself, so the
    // offset taken at T matches the data.
    let r = bgsave::start(shard, None, path.clone(), opts).await;
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
    /// Who joined (closed at T: later replicas need another job).
    members: Mutex<Members>,
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

    fn lock_members(&self) -> std::sync::MutexGuard<'_, Members> {
        match self.members.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Adds replica `id` (with a channel for its chunks when diskless);
    /// `None` once T passed, except on disk while the backlog still holds
    /// T's offset (the replica then starts from there, as Redis attaches
    /// a replica to a BGSAVE another one waits for).
    fn add_member(
        &self,
        id: u64,
        shared: &crate::server::shared::ServerShared,
    ) -> Option<Option<Receiver<Piece>>> {
        let mut m = self.lock_members();
        if !m.open {
            if self.diskless {
                return None;
            }
            let JobState::Started(_, offset) = self.current() else {
                return None;
            };
            let tap = shared
                .repl
                .tap(id, offset, shared.output_limit(1).hard as usize)
                .ok()?;
            m.taps.push((id, tap));
            return Some(None);
        }
        m.ids.push(id);
        if !self.diskless {
            return Some(None);
        }
        let (tx, rx) = sync_channel(MEMBER_CHUNKS);
        m.senders.push(tx);
        Some(Some(rx))
    }

    /// At T: closes the membership and gives every member its tap on the
    /// stream from `offset`.
    fn at_instant(&self, shared: &crate::server::shared::ServerShared, offset: u64) {
        let limit = shared.output_limit(1).hard as usize;
        let mut m = self.lock_members();
        m.open = false;
        let ids = m.ids.clone();
        for id in ids {
            if let Ok(t) = shared.repl.tap(id, offset, limit) {
                m.taps.push((id, t));
            }
        }
    }

    /// Member `id`'s tap on the stream from T.
    pub fn take_tap(&self, id: u64) -> Option<Arc<Mutex<Tap>>> {
        let mut m = self.lock_members();
        let i = m.taps.iter().position(|(t, _)| *t == id)?;
        Some(m.taps.swap_remove(i).1)
    }
}

/// The replicas of a job.
#[derive(Debug, Default)]
struct Members {
    /// Whether replicas may still join (until T).
    open: bool,
    /// Their client ids.
    ids: Vec<u64>,
    /// Diskless: their chunk channels.
    senders: Vec<std::sync::mpsc::SyncSender<Piece>>,
    /// Their taps, made at T, until each takes its own.
    taps: Vec<(u64, Arc<Mutex<Tap>>)>,
}

/// The first shard at T: creates the backlog (a new history, on a master
/// without one), attaches the journal to the stream, and records the id
/// and offset in `slot`.
fn take_instant(
    s: &ShardState,
    slot: &Mutex<Option<(String, u64)>>,
    size: usize,
    on_instant: &OnInstant,
) {
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
    let (replid, offset) = {
        let st = repl.lock();
        (st.replid.clone(), st.offset)
    };
    on_instant(shared, offset);
    *slot = Some((replid, offset));
}

/// Run at T (every shard held) with the offset the replicas continue from.
pub type OnInstant = Arc<dyn Fn(&crate::server::shared::ServerShared, u64) + Send + Sync>;

/// Joins replica `id` to the job under way that can still serve it
/// (same kind, before its instant T), or starts one on `shard`.
pub fn join_or_start(shard: &Rc<ShardState>, diskless: bool, id: u64) -> Ticket {
    let reg = &shard.shared.replicas;
    let mut slot = reg.job();
    if let Some(job) = slot.as_ref().filter(|j| j.diskless == diskless) {
        if let Some(rx) = job.add_member(id, &shard.shared) {
            return Ticket {
                job: job.clone(),
                rx,
            };
        }
    }
    let job = Arc::new(SyncJob {
        diskless,
        state: Mutex::new(JobState::Waiting),
        members: Mutex::new(Members {
            open: true,
            ..Members::default()
        }),
        file: Mutex::new(None),
        mark: crate::server::shared::random_hex(40),
    });
    let rx = job.add_member(id, &shard.shared).flatten();
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
                let waiting = job.lock_members().ids.len();
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
            let j = job.clone();
            let on_instant: OnInstant = Arc::new(move |sh, off| j.at_instant(sh, off));
            match prepare(
                &shard,
                job.diskless,
                JOB_SEQ.fetch_add(1, Ordering::Relaxed),
                on_instant,
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
    // Diskless: no one joins once T passed (they would miss the start of
    // the transfer); on disk replicas may join until the file is done.
    if job.diskless {
        close(&shard, &job);
    }
    let members = std::mem::take(&mut job.lock_members().senders);
    *job.lock_state() = JobState::Started(replid, offset);
    match payload {
        Payload::Stream(rx) => {
            let mut members = members;
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
    {
        let mut m = job.lock_members();
        m.open = false;
        m.senders.clear();
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
