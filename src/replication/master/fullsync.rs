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

/// The temporary file of a disk full sync for client `id`.
pub fn sync_file(id: u64) -> PathBuf {
    PathBuf::from(format!("temp-repl-{}-{}.rdb", std::process::id(), id))
}

/// Starts the snapshot of a full synchronization for client `id`:
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
