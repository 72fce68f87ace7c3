//! State shared by every shard: the configuration (cold, behind a mutex) and
//! hot settings and counters as atomics, so no request path takes a lock.

use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
use std::sync::Mutex;
use std::time::Instant;

use crate::config::Config;

/// Server-wide state, one per process, shared by all shards through an `Arc`.
#[derive(Debug)]
pub struct ServerShared {
    /// The configuration as CONFIG GET/SET/REWRITE see it. Only touched by
    /// configuration commands and INFO, never per request.
    pub config: Mutex<Config>,
    /// Number of databases (fixed at start).
    pub databases: usize,
    /// Number of shards.
    pub nshards: usize,
    /// TCP port.
    pub port: u16,
    /// When the server started.
    pub started: Instant,
    /// Start time, Unix seconds.
    pub started_unix: u64,
    /// 40-hex-digit run id.
    pub run_id: String,
    /// Next client id.
    pub next_client_id: AtomicU64,
    /// Clients connected now.
    pub connected_clients: AtomicUsize,
    /// Connections refused because of `maxclients`.
    pub rejected_connections: AtomicU64,
    /// Set when the server must stop.
    pub shutdown: AtomicBool,
    /// Whether to save on shutdown (set by SHUTDOWN SAVE/NOSAVE).
    pub shutdown_save: AtomicI64,
    /// Whether a password is required (`requirepass` non-empty).
    pub auth_required: AtomicBool,
    /// The password (read at AUTH/HELLO only).
    pub requirepass: Mutex<Option<Vec<u8>>>,
    /// `maxclients`.
    pub maxclients: AtomicU64,
    /// `timeout` in seconds (0: never).
    pub timeout: AtomicU64,
    /// `proto-max-bulk-len`.
    pub proto_max_bulk_len: AtomicU64,
    /// `client-query-buffer-limit`.
    pub query_buffer_limit: AtomicU64,
    /// `slowlog-log-slower-than` in microseconds (negative: off).
    pub slowlog_slower_than: AtomicI64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: AtomicU64,
    /// CLIENT PAUSE end time in Unix ms (0: not paused).
    pub paused_until: AtomicU64,
    /// Whether the pause covers all commands (else only writes).
    pub pause_all: AtomicBool,
    /// Next SLOWLOG entry id (ids are unique across shards).
    pub slowlog_next_id: AtomicU64,
    /// Clients in MONITOR mode.
    pub monitors: AtomicUsize,
    /// Clients waiting in a blocking command (INFO blocked_clients).
    pub blocked_clients: AtomicUsize,
    /// Last successful save, Unix seconds.
    pub lastsave: AtomicU64,
    /// Whether the last save succeeded (INFO rdb_last_bgsave_status).
    pub last_save_ok: AtomicBool,
    /// Successful saves since start (INFO rdb_saves).
    pub rdb_saves: AtomicU64,
    /// Keys loaded / skipped as expired by the last RDB load (INFO
    /// rdb_last_load_keys_loaded, rdb_last_load_keys_expired).
    pub rdb_last_load: [AtomicU64; 2],
    /// Whether active expiry runs (DEBUG SET-ACTIVE-EXPIRE).
    pub active_expire: AtomicBool,
    /// `hz`.
    pub hz: AtomicU64,
    /// Path of the executable (INFO executable).
    pub executable: String,
    /// `notify-keyspace-events` as [`crate::notify::class`] bits.
    pub notify_flags: AtomicU32,
    /// Number of (client, key) WATCH registrations on all shards.
    pub watched_keys: AtomicUsize,
    /// Channels, patterns and shard channels with subscribers (INFO
    /// `pubsub_channels`, `pubsub_patterns`, `pubsubshard_channels`).
    pub pubsub_names: [AtomicUsize; 3],
    /// `client-output-buffer-limit` (normal, replica, pubsub): hard, soft,
    /// soft seconds.
    pub obuf_limits: [[AtomicU64; 3]; 3],
    /// `maxmemory` in bytes (0: no limit).
    pub maxmemory: AtomicU64,
    /// `maxmemory-policy` (see [`crate::shard::evict::policy_code`]).
    pub maxmemory_policy: AtomicU32,
    /// `maxmemory-samples`.
    pub maxmemory_samples: AtomicU32,
    /// `maxmemory-eviction-tenacity`.
    pub eviction_tenacity: AtomicU32,
    /// Keys each shard could evict under the current policy, as last
    /// published by that shard.
    pub evictable_keys: Box<[AtomicU64]>,
    /// Eviction score + 1 of each shard's best eviction candidate, as last
    /// published by that shard (0: none); see
    /// [`crate::shard::evict::choose_shard`].
    pub eviction_best: Box<[AtomicU64]>,
    /// The write journal's process-wide end (AOF, replication).
    pub journal: crate::journal::Sink,
    /// The replication stream: id, offset, backlog.
    pub repl: std::sync::Arc<crate::replication::stream::ReplStream>,
    /// Master or replica, and a replica's link state.
    pub role: crate::replication::role::Role,
    /// The replicas attached to this server and replication settings.
    pub replicas: crate::replication::master::registry::Registry,
    /// Persistence state shown by INFO persistence and checked by
    /// commands (BGSAVE, BGREWRITEAOF, writes while loading).
    pub persist: PersistState,
}

/// Progress and outcome of snapshots, AOF work and loading, as INFO
/// persistence reports them. All plain atomics: written by the task doing
/// the work, read by INFO and by command checks.
#[derive(Debug, Default)]
pub struct PersistState {
    /// A data set is being loaded (INFO `loading:1`; commands without the
    /// LOADING flag answer `-LOADING`).
    pub loading: AtomicBool,
    /// When the current load started, Unix seconds.
    pub loading_start_time: AtomicU64,
    /// Size of what is being loaded, bytes.
    pub loading_total_bytes: AtomicU64,
    /// Bytes of it loaded so far.
    pub loading_loaded_bytes: AtomicU64,
    /// A BGSAVE runs (INFO `rdb_bgsave_in_progress`).
    pub bgsave_in_progress: AtomicBool,
    /// A BGSAVE waits for an AOF rewrite to end (BGSAVE SCHEDULE).
    pub bgsave_scheduled: AtomicBool,
    /// When the running BGSAVE started, Unix ms (0: none).
    pub bgsave_started_ms: AtomicU64,
    /// Duration of the last BGSAVE in seconds (-1: none yet).
    pub bgsave_last_time_sec: AtomicI64,
    /// Keys written so far / to write by the running save.
    pub save_keys_processed: AtomicU64,
    /// Keys the running save will write.
    pub save_keys_total: AtomicU64,
    /// `appendonly` is on and the AOF is being written.
    pub aof_enabled: AtomicBool,
    /// An AOF rewrite runs.
    pub aof_rewrite_in_progress: AtomicBool,
    /// An AOF rewrite waits for a BGSAVE to end.
    pub aof_rewrite_scheduled: AtomicBool,
    /// When the running rewrite started, Unix ms (0: none).
    pub aof_rewrite_started_ms: AtomicU64,
    /// Duration of the last rewrite in seconds (-1: none yet).
    pub aof_last_rewrite_time_sec: AtomicI64,
    /// Whether the last rewrite failed.
    pub aof_last_rewrite_failed: AtomicBool,
    /// Rewrites done since start.
    pub aof_rewrites: AtomicU64,
    /// Rewrites failed in a row.
    pub aof_rewrites_consecutive_failures: AtomicU64,
    /// When the last BGSAVE was tried, Unix seconds (save points retry a
    /// failed one after a delay).
    pub bgsave_last_try: AtomicU64,
    /// A snapshot (BGSAVE, or the base of an AOF rewrite) is being
    /// written: at most one at a time.
    pub snapshot_active: AtomicBool,
    /// Writes are refused with `-MISCONF` (see
    /// [`crate::persistence::bgsave::refresh_misconf`]).
    pub misconf: AtomicBool,
    /// `appendfsync`: 0 no, 1 everysec, 2 always.
    pub aof_fsync: AtomicU8,
    /// Size of the AOF (base and incremental files), bytes.
    pub aof_current_size: AtomicU64,
    /// Size of the AOF base file, bytes.
    pub aof_base_size: AtomicU64,
    /// The AOF manifest and current file.
    pub aof: Mutex<crate::persistence::aof::AofState>,
}

/// [`PersistState::aof_fsync`] code of an `appendfsync` value.
pub fn fsync_code(p: crate::config::AppendFsync) -> u8 {
    match p {
        crate::config::AppendFsync::No => 0,
        crate::config::AppendFsync::Everysec => 1,
        crate::config::AppendFsync::Always => 2,
    }
}

impl ServerShared {
    /// Whether `appendfsync always` is set: replies wait for the journal's
    /// fsync.
    #[inline]
    pub fn aof_fsync_always(&self) -> bool {
        self.persist.aof_fsync.load(Ordering::Relaxed) == 2
    }

    /// Shared state for a server with `config` and `nshards` shards.
    pub fn new(config: Config, nshards: usize) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let requirepass = config.requirepass();
        crate::types::limits::apply(&config);
        crate::persistence::rdb::set_compression(config.get_bool("rdbcompression").unwrap_or(true));
        let shared = ServerShared {
            databases: config.databases().max(1),
            nshards,
            port: config.port(),
            started: Instant::now(),
            started_unix: now,
            run_id: random_hex(40),
            next_client_id: AtomicU64::new(1),
            connected_clients: AtomicUsize::new(0),
            rejected_connections: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            shutdown_save: AtomicI64::new(-1),
            auth_required: AtomicBool::new(requirepass.is_some()),
            requirepass: Mutex::new(requirepass),
            maxclients: AtomicU64::new(config.maxclients()),
            timeout: AtomicU64::new(config.timeout()),
            proto_max_bulk_len: AtomicU64::new(config.proto_max_bulk_len()),
            query_buffer_limit: AtomicU64::new(config.client_query_buffer_limit()),
            slowlog_slower_than: AtomicI64::new(config.slowlog_log_slower_than()),
            slowlog_max_len: AtomicU64::new(config.slowlog_max_len()),
            paused_until: AtomicU64::new(0),
            pause_all: AtomicBool::new(false),
            slowlog_next_id: AtomicU64::new(0),
            monitors: AtomicUsize::new(0),
            blocked_clients: AtomicUsize::new(0),
            lastsave: AtomicU64::new(now),
            last_save_ok: AtomicBool::new(true),
            journal: crate::journal::Sink::default(),
            repl: std::sync::Arc::new(crate::replication::stream::ReplStream::new(random_hex(40))),
            role: Default::default(),
            replicas: crate::replication::master::registry::Registry::new(&config),
            persist: PersistState {
                bgsave_last_time_sec: AtomicI64::new(-1),
                aof_last_rewrite_time_sec: AtomicI64::new(-1),
                aof_fsync: AtomicU8::new(fsync_code(config.appendfsync())),
                ..Default::default()
            },
            rdb_saves: AtomicU64::new(0),
            rdb_last_load: [AtomicU64::new(0), AtomicU64::new(0)],
            active_expire: AtomicBool::new(true),
            hz: AtomicU64::new(config.hz().clamp(1, 500) as u64),
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            notify_flags: AtomicU32::new(config.notify_keyspace_events()),
            watched_keys: AtomicUsize::new(0),
            pubsub_names: Default::default(),
            obuf_limits: Default::default(),
            maxmemory: AtomicU64::new(0),
            maxmemory_policy: AtomicU32::new(0),
            maxmemory_samples: AtomicU32::new(5),
            eviction_tenacity: AtomicU32::new(10),
            evictable_keys: (0..nshards).map(|_| AtomicU64::new(0)).collect(),
            eviction_best: (0..nshards).map(|_| AtomicU64::new(0)).collect(),
            config: Mutex::new(config),
        };
        shared.store_output_limits(&shared.config());
        shared.apply_memory_config(&shared.config());
        shared
    }

    fn store_output_limits(&self, c: &Config) {
        for (slot, l) in self.obuf_limits.iter().zip(c.client_output_buffer_limits()) {
            slot[0].store(l.hard, Ordering::Relaxed);
            slot[1].store(l.soft, Ordering::Relaxed);
            slot[2].store(l.soft_seconds.max(0) as u64, Ordering::Relaxed);
        }
    }

    /// The output buffer limit of class `class` (0 normal, 1 replica, 2
    /// pubsub).
    #[inline]
    pub fn output_limit(&self, class: usize) -> crate::pubsub::OutputLimit {
        match self.obuf_limits.get(class) {
            Some(l) => crate::pubsub::OutputLimit {
                hard: l[0].load(Ordering::Relaxed),
                soft: l[1].load(Ordering::Relaxed),
                soft_seconds: l[2].load(Ordering::Relaxed),
            },
            None => crate::pubsub::OutputLimit::default(),
        }
    }

    /// Copies the memory limit and eviction settings into atomics.
    fn apply_memory_config(&self, c: &Config) {
        let policy = c.maxmemory_policy();
        let int = |name: &str, default: i64| c.get_i64(name).unwrap_or(default);
        self.maxmemory.store(c.maxmemory(), Ordering::Relaxed);
        self.maxmemory_policy
            .store(crate::shard::evict::policy_code(policy), Ordering::Relaxed);
        self.maxmemory_samples
            .store(c.maxmemory_samples(), Ordering::Relaxed);
        self.eviction_tenacity.store(
            int("maxmemory-eviction-tenacity", 10).clamp(0, 100) as u32,
            Ordering::Relaxed,
        );
        crate::shard::evict::set_access_tracking(
            crate::shard::evict::is_lfu(policy),
            c.maxmemory() > 0 && crate::shard::evict::tracks_access(policy),
            int("lfu-log-factor", 10).clamp(0, u32::MAX as i64) as u32,
            int("lfu-decay-time", 1).clamp(0, u32::MAX as i64) as u32,
        );
    }

    /// Refreshes the atomics from the configuration (after CONFIG SET).
    pub fn apply_config(&self, c: &Config) {
        self.replicas.apply_config(c);
        crate::replication::replica::apply_config(c);
        self.persist
            .aof_fsync
            .store(fsync_code(c.appendfsync()), Ordering::Relaxed);
        let pass = c.requirepass();
        self.auth_required.store(pass.is_some(), Ordering::Relaxed);
        if let Ok(mut g) = self.requirepass.lock() {
            *g = pass;
        }
        self.maxclients.store(c.maxclients(), Ordering::Relaxed);
        self.timeout.store(c.timeout(), Ordering::Relaxed);
        self.proto_max_bulk_len
            .store(c.proto_max_bulk_len(), Ordering::Relaxed);
        self.query_buffer_limit
            .store(c.client_query_buffer_limit(), Ordering::Relaxed);
        self.slowlog_slower_than
            .store(c.slowlog_log_slower_than(), Ordering::Relaxed);
        self.slowlog_max_len
            .store(c.slowlog_max_len(), Ordering::Relaxed);
        self.hz
            .store(c.hz().clamp(1, 500) as u64, Ordering::Relaxed);
        crate::server::log::set_level(c.loglevel());
        crate::types::limits::apply(c);
        crate::persistence::rdb::set_compression(c.get_bool("rdbcompression").unwrap_or(true));
        self.notify_flags
            .store(c.notify_keyspace_events(), Ordering::Relaxed);
        self.store_output_limits(c);
        self.apply_memory_config(c);
        crate::persistence::bgsave::refresh_misconf(self, c);
    }

    /// Seconds since start.
    pub fn uptime(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Whether a stop was requested.
    pub fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
    }

    /// A locked view of the configuration (poisoning ignored).
    pub fn config(&self) -> std::sync::MutexGuard<'_, Config> {
        match self.config.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// Random lowercase hex string of `n` characters (from /dev/urandom, or the
/// clock when that fails).
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n.div_ceil(2)];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !ok {
        let mut x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        for b in bytes.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    bytes
        .iter()
        .map(|b| format!("{:02x}", b))
        .collect::<String>()[..n]
        .to_string()
}
