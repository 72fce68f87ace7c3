//! The link task: connect to the master, handshake, synchronize (full or
//! partial), follow the stream; on any failure mark the link down and try
//! again about every second (Redis retries from its once-a-second cron),
//! asking for a partial resynchronization from where the data is.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::conn::{LinkError, MasterConn};
use super::handshake::{HandshakeSettings, Psync};
use crate::config::Config;
use crate::replication::role::LinkState;
use crate::server::shared::ServerShared;
use crate::shard::ShardState;

/// Pause between two attempts.
const RETRY_PERIOD: Duration = Duration::from_secs(1);

/// `repl-timeout` as a duration (at least one second).
pub fn repl_timeout(c: &Config) -> Duration {
    Duration::from_secs(c.get_i64("repl-timeout").unwrap_or(60).max(1) as u64)
}

/// Sets the link state (and, going down, since when it is down).
pub fn set_state(shared: &ServerShared, state: LinkState) {
    if let Some(l) = shared.role.link().as_mut() {
        l.state = state;
        match state {
            LinkState::Connected => l.down_since = None,
            _ => {
                if l.down_since.is_none() {
                    l.down_since = Some(Instant::now());
                }
            }
        }
        if state != LinkState::Transfer {
            l.sync_total_bytes = -1;
            l.sync_read_bytes = 0;
        }
    }
}

/// Takes the apply latch for a batch or a data set replacement, giving way
/// to snapshots that want it.
pub async fn hold_latch_for_batch(shared: &ServerShared) -> LatchGuard {
    let repl = shared.repl.clone();
    while !repl.apply.try_hold() {
        glommio::timer::sleep(Duration::from_micros(200)).await;
    }
    LatchGuard { repl }
}

/// [`hold_latch_for_batch`] under the name the full sync uses.
pub async fn hold_latch(shared: &ServerShared) -> LatchGuard {
    hold_latch_for_batch(shared).await
}

/// The link task's hold of the apply latch; released on drop.
#[derive(Debug)]
pub struct LatchGuard {
    repl: Arc<crate::replication::stream::ReplStream>,
}

impl Drop for LatchGuard {
    fn drop(&mut self) {
        self.repl.apply.release();
    }
}

/// Sleeps `d`, waking early when the link generation changes.
async fn pause(gen: u64, d: Duration) {
    let until = Instant::now() + d;
    while super::is_current(gen) {
        let now = Instant::now();
        if now >= until {
            return;
        }
        glommio::timer::sleep((until - now).min(Duration::from_millis(100))).await;
    }
}

/// Spawns the link task of a new generation on the calling executor.
pub fn spawn(shard: &Rc<ShardState>) {
    let gen = super::next_generation();
    glommio::spawn_local(run(shard.clone(), gen)).detach();
}

/// The link task of generation `gen`.
pub async fn run(shard: Rc<ShardState>, gen: u64) {
    let shared = shard.shared.clone();
    let mut first = true;
    while super::is_current(gen) && shared.role.is_replica() {
        let Some((host, port)) = shared
            .role
            .link()
            .as_ref()
            .map(|l| (l.host.clone(), l.port))
        else {
            return;
        };
        if first {
            crate::notice!("Connecting to MASTER {}:{}", host, port);
        } else {
            crate::notice!("Reconnecting to MASTER {}:{}", host, port);
        }
        first = false;
        let r = attempt(&shard, gen, &host, port).await;
        if !super::is_current(gen) || !shared.role.is_replica() {
            return;
        }
        set_state(&shared, LinkState::Connect);
        if let Err(LinkError::Io(e)) = &r {
            crate::verbose!("Master link error: {}", e);
        }
        pause(gen, RETRY_PERIOD).await;
    }
}

/// One connection to the master, from connect to the end of the stream.
async fn attempt(shard: &Rc<ShardState>, gen: u64, host: &str, port: u16) -> Result<(), LinkError> {
    let shared = shard.shared.clone();
    let settings = HandshakeSettings::from_shared(&shared);
    let timeout = settings.timeout;
    set_state(&shared, LinkState::Connecting);
    crate::notice!("MASTER <-> REPLICA sync started");
    let addr = format!("{}:{}", host, port);
    let stream = match glommio::net::TcpStream::connect_timeout(addr.as_str(), timeout).await {
        Ok(s) => s,
        Err(e) => {
            let e = std::io::Error::from(e);
            crate::warning!("Error condition on socket for SYNC: {}", connect_error(&e));
            return Err(LinkError::Protocol(e.to_string()));
        }
    };
    if !super::is_current(gen) {
        return Err(LinkError::Stopped);
    }
    let mut conn = MasterConn::new(stream, gen, shared.clone());
    crate::notice!("Non blocking connect for SYNC fired the event.");
    let psync = handshake_or_log(&mut conn, &settings).await?;
    match psync {
        Psync::Retry => return Err(LinkError::Protocol("PSYNC refused".into())),
        Psync::Continue { replid } => {
            crate::notice!("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
            let backlog = backlog_size(&shared);
            shared.repl.ensure_backlog(backlog);
            if let Some(id) = replid {
                let old = shared.repl.lock().replid.clone();
                if old != id {
                    shared.repl.master_changed_id(&id);
                    crate::warning!("Master replication ID changed to {}", id);
                    // Our replicas continue under the new id after they
                    // reconnect.
                    shared.replicas.disconnect_all();
                }
            }
            super::set_has_history(true);
        }
        Psync::Full { replid, offset } => {
            let rdb = super::transfer::receive(&mut conn, timeout).await?;
            let batches = match super::transfer::parse(shard, rdb).await {
                Ok(b) => b,
                Err(e) => {
                    crate::warning!(
                        "Failed trying to load the MASTER synchronization DB from disk, check server logs. ({})",
                        e
                    );
                    return Err(LinkError::Protocol(e));
                }
            };
            if !super::transfer::install(shard, gen, batches, &replid, offset).await {
                return Err(LinkError::Stopped);
            }
        }
    }
    set_state(&shared, LinkState::Connected);
    let r = super::apply::run(shard, &mut conn, timeout).await;
    if !matches!(r, Err(LinkError::Stopped)) {
        crate::notice!("Connection with master lost.");
        crate::notice!("Caching the disconnected master state.");
    }
    r
}

/// The handshake, logging a timeout as Redis does.
async fn handshake_or_log(
    conn: &mut MasterConn,
    settings: &HandshakeSettings,
) -> Result<Psync, LinkError> {
    match super::handshake::run(conn, settings).await {
        Err(LinkError::Timeout) => {
            crate::warning!("Timeout connecting to the MASTER...");
            Err(LinkError::Timeout)
        }
        Err(LinkError::Io(e)) => {
            crate::warning!("Master closed the connection during the handshake: {}", e);
            Err(LinkError::Protocol(e))
        }
        r => r,
    }
}

/// `repl-backlog-size`.
pub fn backlog_size(shared: &ServerShared) -> usize {
    shared
        .config()
        .get_u64("repl-backlog-size")
        .unwrap_or(1 << 20)
        .max(16 * 1024) as usize
}

/// A connect error in the words of strerror (`Connection refused`).
fn connect_error(e: &std::io::Error) -> String {
    crate::config::error::strerror(e)
}
