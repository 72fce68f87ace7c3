//! The list of replicas attached to this server, with what each last
//! acknowledged, plus the settings and counters replication reads often
//! (copied from the configuration so the request path takes no lock).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::Config;

/// Where a replica's synchronization stands (INFO `state=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReplicaState {
    /// Waiting for the snapshot to start (`wait_bgsave`).
    WaitBgsave = 0,
    /// Receiving the snapshot (`send_bulk`).
    SendBulk = 1,
    /// Receiving the stream (`online`).
    Online = 2,
}

impl ReplicaState {
    /// The word INFO shows.
    pub fn word(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }

    fn from_u8(v: u8) -> Self {
        match v {
            0 => ReplicaState::WaitBgsave,
            1 => ReplicaState::SendBulk,
            _ => ReplicaState::Online,
        }
    }
}

/// One attached replica, shared between its feed task and readers.
#[derive(Debug)]
pub struct ReplicaEntry {
    /// Client id of its connection.
    pub id: u64,
    /// The address it announced (or its peer address).
    pub ip: String,
    /// Its listening port (REPLCONF listening-port; 0 when not given).
    pub port: u16,
    state: AtomicU8,
    /// Highest offset it acknowledged (REPLCONF ACK).
    pub ack_offset: AtomicU64,
    /// When it last acknowledged, Unix ms.
    pub ack_time_ms: AtomicU64,
}

impl ReplicaEntry {
    /// A replica waiting for its synchronization.
    pub fn new(id: u64, ip: String, port: u16) -> Self {
        ReplicaEntry {
            id,
            ip,
            port,
            state: AtomicU8::new(ReplicaState::WaitBgsave as u8),
            ack_offset: AtomicU64::new(0),
            ack_time_ms: AtomicU64::new(crate::shard::keyspace::now_ms()),
        }
    }

    /// Its synchronization state.
    pub fn state(&self) -> ReplicaState {
        ReplicaState::from_u8(self.state.load(Ordering::Relaxed))
    }

    /// Sets its synchronization state.
    pub fn set_state(&self, s: ReplicaState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    /// Records `REPLCONF ACK offset` received at `now_ms`.
    pub fn ack(&self, offset: u64, now_ms: u64) {
        self.ack_offset.fetch_max(offset, Ordering::AcqRel);
        self.ack_time_ms.store(now_ms, Ordering::Relaxed);
    }

    /// Seconds since its last acknowledgement (INFO `lag=`).
    pub fn lag_secs(&self, now_ms: u64) -> u64 {
        (now_ms / 1000).saturating_sub(self.ack_time_ms.load(Ordering::Relaxed) / 1000)
    }

    /// `ip:port` as Redis names a replica in its log.
    pub fn name(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

/// Replication settings copied from the configuration.
#[derive(Debug, Default)]
pub struct ReplSettings {
    /// `min-replicas-to-write`.
    pub min_replicas_to_write: AtomicU64,
    /// `min-replicas-max-lag` (seconds).
    pub min_replicas_max_lag: AtomicU64,
    /// `repl-timeout` (seconds).
    pub timeout: AtomicU64,
    /// `repl-ping-replica-period` (seconds).
    pub ping_period: AtomicU64,
    /// `repl-backlog-ttl` (seconds; 0: never freed).
    pub backlog_ttl: AtomicU64,
    /// `repl-backlog-size` (bytes).
    pub backlog_size: AtomicU64,
    /// `repl-diskless-sync`.
    pub diskless: AtomicBool,
    /// `repl-diskless-sync-delay` (seconds).
    pub diskless_delay: AtomicU64,
    /// `repl-diskless-sync-max-replicas` (0: no limit): the delay ends
    /// early once this many replicas wait.
    pub diskless_max_replicas: AtomicU64,
}

/// Process-wide list of replicas (in
/// [`crate::server::shared::ServerShared::replicas`]).
#[derive(Debug, Default)]
pub struct Registry {
    list: Mutex<Vec<Arc<ReplicaEntry>>>,
    /// Settings read on hot or periodic paths.
    pub settings: ReplSettings,
    /// INFO `sync_full`.
    pub sync_full: AtomicU64,
    /// INFO `sync_partial_ok`.
    pub sync_partial_ok: AtomicU64,
    /// INFO `sync_partial_err`.
    pub sync_partial_err: AtomicU64,
    /// INFO `total_net_repl_output_bytes`: stream bytes sent to replicas.
    pub repl_output_bytes: AtomicU64,
    /// Whether the periodic task ([`super::cron`]) runs.
    pub cron_running: AtomicBool,
    /// Whether a `REPLCONF GETACK *` is due in the stream.
    pub getack_pending: AtomicBool,
    /// Bumped by [`Registry::disconnect_all`].
    epoch: AtomicU64,
    /// The full-sync snapshot replicas can still join.
    job: Mutex<Option<Arc<super::fullsync::SyncJob>>>,
}

impl Registry {
    /// A registry with the settings of `c`.
    pub fn new(c: &Config) -> Self {
        let r = Registry::default();
        r.apply_config(c);
        r
    }

    /// Copies the replication settings of `c` (at start and after CONFIG
    /// SET).
    pub fn apply_config(&self, c: &Config) {
        let s = &self.settings;
        let num = |name: &str, default: i64| c.get_i64(name).unwrap_or(default).max(0) as u64;
        s.min_replicas_to_write
            .store(num("min-replicas-to-write", 0), Ordering::Relaxed);
        s.min_replicas_max_lag
            .store(num("min-replicas-max-lag", 10), Ordering::Relaxed);
        s.timeout.store(num("repl-timeout", 60), Ordering::Relaxed);
        s.ping_period
            .store(num("repl-ping-replica-period", 10), Ordering::Relaxed);
        s.backlog_ttl
            .store(num("repl-backlog-ttl", 3600), Ordering::Relaxed);
        s.backlog_size
            .store(num("repl-backlog-size", 1 << 20).max(1), Ordering::Relaxed);
        s.diskless.store(
            c.get_bool("repl-diskless-sync").unwrap_or(true),
            Ordering::Relaxed,
        );
        s.diskless_delay
            .store(num("repl-diskless-sync-delay", 5), Ordering::Relaxed);
        s.diskless_max_replicas
            .store(num("repl-diskless-sync-max-replicas", 0), Ordering::Relaxed);
    }

    /// The joinable full-sync job, locked.
    pub fn job(&self) -> MutexGuard<'_, Option<Arc<super::fullsync::SyncJob>>> {
        match self.job.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Drops every attached replica (they reconnect and resync): what a
    /// replica does to its own replicas when its history changes (a new
    /// master, a full sync), as Redis' `disconnectSlaves`.
    pub fn disconnect_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The current [`Registry::disconnect_all`] generation.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The list, locked.
    pub fn lock(&self) -> MutexGuard<'_, Vec<Arc<ReplicaEntry>>> {
        match self.list.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Adds a replica.
    pub fn add(&self, e: Arc<ReplicaEntry>) {
        self.lock().push(e);
    }

    /// Removes the replica of client `id`.
    pub fn remove(&self, id: u64) {
        self.lock().retain(|e| e.id != id);
    }

    /// Replicas attached (any state).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no replica is attached.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A copy of the list.
    pub fn snapshot(&self) -> Vec<Arc<ReplicaEntry>> {
        self.lock().clone()
    }

    /// Online replicas that acknowledged at least `offset` (WAIT).
    pub fn count_acked(&self, offset: u64) -> usize {
        self.lock()
            .iter()
            .filter(|e| {
                e.state() == ReplicaState::Online && e.ack_offset.load(Ordering::Acquire) >= offset
            })
            .count()
    }

    /// Online replicas whose last acknowledgement is at most
    /// `min-replicas-max-lag` seconds old (`min_slaves_good_slaves`).
    pub fn good_replicas(&self, now_ms: u64) -> usize {
        let max_lag = self.settings.min_replicas_max_lag.load(Ordering::Relaxed);
        self.lock()
            .iter()
            .filter(|e| e.state() == ReplicaState::Online && e.lag_secs(now_ms) <= max_lag)
            .count()
    }

    /// Whether `min-replicas-to-write` and `min-replicas-max-lag` are both
    /// set (the write check is on).
    #[inline]
    pub fn min_replicas_on(&self) -> bool {
        self.settings.min_replicas_to_write.load(Ordering::Relaxed) > 0
            && self.settings.min_replicas_max_lag.load(Ordering::Relaxed) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_state_and_acks() {
        let r = Registry::default();
        r.settings.min_replicas_max_lag.store(10, Ordering::Relaxed);
        let a = Arc::new(ReplicaEntry::new(1, "127.0.0.1".into(), 7001));
        let b = Arc::new(ReplicaEntry::new(2, "127.0.0.1".into(), 7002));
        r.add(a.clone());
        r.add(b.clone());
        assert_eq!(r.count_acked(0), 0);
        a.set_state(ReplicaState::Online);
        b.set_state(ReplicaState::Online);
        let now = 100_000;
        a.ack(50, now);
        b.ack(20, now - 20_000);
        assert_eq!(r.count_acked(30), 1);
        assert_eq!(r.count_acked(20), 2);
        assert_eq!(r.good_replicas(now), 1);
        a.ack(10, now);
        assert_eq!(a.ack_offset.load(Ordering::Relaxed), 50);
        r.remove(1);
        assert_eq!(r.len(), 1);
        assert_eq!(a.name(), "127.0.0.1:7001");
    }
}
