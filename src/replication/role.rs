//! Which role this server plays (master, or replica of some master) and,
//! for a replica, the state of its link as `INFO replication` and `ROLE`
//! report it. The replica's link task writes it; INFO, ROLE and the
//! request path (`-READONLY`, no expiry on replicas) read it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// The state of a replica's link to its master, in Redis' terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Must connect (ROLE: `connect`).
    Connect,
    /// Connecting (ROLE: `connecting`).
    Connecting,
    /// Handshake under way: PING, AUTH, REPLCONF, PSYNC (ROLE: `handshake`).
    Handshake,
    /// Receiving the RDB of a full sync (ROLE: `sync`).
    Transfer,
    /// Synced, receiving the stream (ROLE: `connected`).
    Connected,
}

impl LinkState {
    /// The word ROLE shows.
    pub fn role_word(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// A replica's view of its master link.
#[derive(Debug, Clone)]
pub struct MasterLink {
    /// `master_host`.
    pub host: String,
    /// `master_port`.
    pub port: u16,
    /// Where the link stands.
    pub state: LinkState,
    /// Last byte received from the master (`master_last_io_seconds_ago`).
    pub last_io: Instant,
    /// Since when the link is down (`master_link_down_since_seconds`);
    /// `None` while it is up.
    pub down_since: Option<Instant>,
    /// Size of the RDB being received (`master_sync_total_bytes`; -1 for
    /// the `$EOF:` form, whose size is unknown).
    pub sync_total_bytes: i64,
    /// RDB bytes received so far (`master_sync_read_bytes`).
    pub sync_read_bytes: u64,
    /// Stream bytes read from the master so far (`slave_read_repl_offset`);
    /// the applied offset (`slave_repl_offset`) is the stream's offset.
    pub read_offset: u64,
}

impl MasterLink {
    /// A link to `host:port` that must still connect.
    pub fn new(host: String, port: u16) -> Self {
        MasterLink {
            host,
            port,
            state: LinkState::Connect,
            last_io: Instant::now(),
            down_since: Some(Instant::now()),
            sync_total_bytes: -1,
            sync_read_bytes: 0,
            read_offset: 0,
        }
    }
}

/// The role, process-wide (in [`crate::server::shared::ServerShared::role`]).
#[derive(Debug, Default)]
pub struct Role {
    /// Whether this server is a replica (read per write for `-READONLY`
    /// and per lookup to skip expiry, so an atomic).
    replica: AtomicBool,
    /// The master link while a replica.
    link: Mutex<Option<MasterLink>>,
}

impl Role {
    /// Whether this server is a replica.
    #[inline]
    pub fn is_replica(&self) -> bool {
        self.replica.load(Ordering::Relaxed)
    }

    /// The master link (None on a master).
    pub fn link(&self) -> MutexGuard<'_, Option<MasterLink>> {
        match self.link.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Becomes a replica of `host:port` (or a master with `None`).
    pub fn set_master(&self, master: Option<(String, u16)>) {
        let mut l = self.link();
        self.replica.store(master.is_some(), Ordering::Relaxed);
        *l = master.map(|(h, p)| MasterLink::new(h, p));
    }
}
