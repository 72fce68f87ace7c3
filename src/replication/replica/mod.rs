//! The replica side of replication: the link to the master (connect,
//! handshake, full or partial resynchronization, then the stream of the
//! master's commands applied as they come), the role switches REPLICAOF
//! makes, and the checks a replica makes on its own clients' commands.
//!
//! One link task runs per process. It is tied to a generation number:
//! changing the master (or `REPLICAOF NO ONE`) bumps the generation, and a
//! task whose generation is no longer current stops at its next wake-up.

pub mod apply;
pub mod conn;
pub mod handshake;
pub mod link;
pub mod role_switch;
pub mod transfer;

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::commands::spec::{flags, CommandSpec};
use crate::config::Config;
use crate::persistence::rdb::file::LoadInfo;
use crate::replication::role::LinkState;
use crate::replication::stream::ReplStream;
use crate::server::connection::ConnCtx;
use crate::server::shared::ServerShared;

pub use role_switch::{become_master, become_replica, start_at_boot};

/// The reply to a write on a read-only replica.
pub const READONLY: &str = "READONLY You can't write against a read only replica.";

/// The reply to a data command while the link is down and stale data must
/// not be served.
pub const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/// Generation of the current link task (see the module documentation).
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Whether this server has a replication history a master could continue
/// (`PSYNC <replid> <offset+1>` rather than `PSYNC ? -1`).
static HAS_HISTORY: AtomicBool = AtomicBool::new(false);
/// The database the master's stream has selected (kept across partial
/// resynchronizations and saved as `repl-stream-db`).
static STREAM_DB: AtomicUsize = AtomicUsize::new(0);
/// The socket of the current master link (-1 when none), so a role change
/// can cut it at once.
static MASTER_FD: AtomicI32 = AtomicI32::new(-1);
/// `replica-read-only`.
static READ_ONLY: AtomicBool = AtomicBool::new(true);
/// `replica-serve-stale-data`.
static SERVE_STALE: AtomicBool = AtomicBool::new(true);
/// `replica-ignore-maxmemory`.
static IGNORE_MAXMEMORY: AtomicBool = AtomicBool::new(true);

/// Copies the replica settings read per command into atomics (at start-up
/// and after CONFIG SET).
pub fn apply_config(c: &Config) {
    READ_ONLY.store(
        c.get_bool("replica-read-only").unwrap_or(true),
        Ordering::Relaxed,
    );
    SERVE_STALE.store(
        c.get_bool("replica-serve-stale-data").unwrap_or(true),
        Ordering::Relaxed,
    );
    IGNORE_MAXMEMORY.store(
        c.get_bool("replica-ignore-maxmemory").unwrap_or(true),
        Ordering::Relaxed,
    );
}

/// Starts a new link generation and returns it; any older link task stops.
pub(crate) fn next_generation() -> u64 {
    cut_master_socket();
    GENERATION.fetch_add(1, Ordering::AcqRel) + 1
}

/// Whether the link task of generation `gen` is still the current one.
pub(crate) fn is_current(gen: u64) -> bool {
    GENERATION.load(Ordering::Acquire) == gen
}

/// Records the master link's socket (or -1).
pub(crate) fn set_master_fd(fd: i32) {
    MASTER_FD.store(fd, Ordering::Release);
}

/// Shuts the current master socket down so its task wakes and stops.
fn cut_master_socket() {
    let fd = MASTER_FD.swap(-1, Ordering::AcqRel);
    if fd >= 0 {
        // SAFETY: shutdown(2) on the link's own socket; it only makes
        // pending and future reads and writes on it fail.
        unsafe {
            libc::shutdown(fd, libc::SHUT_RDWR);
        }
    }
}

/// Whether a `PSYNC` can name this server's own replication id.
pub(crate) fn has_history() -> bool {
    HAS_HISTORY.load(Ordering::Relaxed)
}

/// Marks the replication id and offset as a history worth continuing.
pub(crate) fn set_has_history(on: bool) {
    HAS_HISTORY.store(on, Ordering::Relaxed);
}

/// The database the master's stream has selected.
pub(crate) fn stream_db() -> usize {
    STREAM_DB.load(Ordering::Relaxed)
}

/// Records the database the master's stream has selected.
pub(crate) fn set_stream_db(db: usize) {
    STREAM_DB.store(db, Ordering::Relaxed);
}

/// The replication values an RDB file saved now records: `repl-id`,
/// `repl-offset` and `repl-stream-db`. On a replica call it while the
/// apply latch is held (see [`ApplyHold`]) so they match the data.
pub fn save_info(shared: &ServerShared) -> (String, u64, usize) {
    let st = shared.repl.lock();
    let db = if shared.role.is_replica() {
        stream_db()
    } else {
        0
    };
    (st.replid.clone(), st.offset, db)
}

/// At start-up: a loaded RDB's `repl-id`/`repl-offset` become this
/// server's replication id and offset when it starts as a replica, so its
/// first PSYNC can continue where the file left off (Redis 7.0 uses them
/// only then).
pub fn restore_from_rdb(shared: &ServerShared, info: &LoadInfo) {
    if shared.config().replicaof().is_none() || shared.role.is_replica() {
        return;
    }
    let (Some(id), Some(offset)) = (&info.repl_id, info.repl_offset) else {
        return;
    };
    if id.len() != 40 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return;
    }
    shared.repl.restore(id, offset);
    set_stream_db(info.repl_stream_db.unwrap_or(0));
    set_has_history(true);
}

/// Whether a replica skips the memory limit (`replica-ignore-maxmemory`).
#[inline]
pub fn ignores_maxmemory(shared: &ServerShared) -> bool {
    shared.role.is_replica() && IGNORE_MAXMEMORY.load(Ordering::Relaxed)
}

/// The error a replica answers a client's command with instead of running
/// it, if any: `-READONLY` for writes (`replica-read-only yes`), then
/// `-MASTERDOWN` for commands without the `stale` flag while the link is
/// down (`replica-serve-stale-data no`), in Redis' order.
pub fn refusal(ctx: &ConnCtx, spec: &CommandSpec, args: &[bytes::Bytes]) -> Option<&'static str> {
    let exec = spec.name == "exec";
    if READ_ONLY.load(Ordering::Relaxed) {
        let write = spec.has(flags::WRITE)
            || (exec
                && ctx
                    .multi
                    .as_ref()
                    .is_some_and(|m| m.cmds.iter().any(|q| q.spec.has(flags::WRITE))));
        if write {
            return Some(READONLY);
        }
    }
    if !SERVE_STALE.load(Ordering::Relaxed) {
        // Every container's HELP subcommand is flagged stale in Redis.
        let help = crate::commands::spec::is_container(spec.name)
            && args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"help"));
        let deny = (!help && !spec.has(flags::STALE))
            || (exec
                && ctx
                    .multi
                    .as_ref()
                    .is_some_and(|m| m.cmds.iter().any(|q| !q.spec.has(flags::STALE))));
        if deny && !link_up(&ctx.shard.shared) {
            return Some(MASTERDOWN);
        }
    }
    None
}

/// Whether the master link is up (synced and receiving the stream).
pub fn link_up(shared: &ServerShared) -> bool {
    shared
        .role
        .link()
        .as_ref()
        .is_some_and(|l| l.state == LinkState::Connected)
}

/// Exclusive use of the apply latch by a snapshot: while held, the link
/// task applies nothing, so data and replication offset agree. Dropping it
/// releases the latch.
#[derive(Debug)]
pub struct ApplyHold {
    repl: Arc<ReplStream>,
}

impl ApplyHold {
    /// Announces the want, then waits (in short sleeps) until the link task
    /// finished its batch. On a master the latch is always free.
    pub async fn take(shared: &ServerShared) -> ApplyHold {
        let repl = shared.repl.clone();
        repl.apply.want();
        while !repl.apply.try_hold_wanted() {
            glommio::timer::sleep(std::time::Duration::from_millis(1)).await;
        }
        ApplyHold { repl }
    }
}

impl Drop for ApplyHold {
    fn drop(&mut self) {
        self.repl.apply.release();
        self.repl.apply.unwant();
    }
}
