//! INFO: per-shard snapshots merged into Redis' sections and field names.

use std::sync::atomic::Ordering;

use super::stats::CommandStat;
use crate::server::shared::ServerShared;
use crate::shard::ShardState;

/// What one shard reports for INFO (sent across cores, so owned data only).
#[derive(Debug, Default, Clone)]
pub struct ShardSnapshot {
    /// (keys, volatile keys, sum of remaining TTLs in ms over a sample) per db.
    pub keyspace: Vec<(usize, usize)>,
    /// Unsaved changes.
    pub dirty: u64,
    /// Commands processed.
    pub commands: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Lookup hits.
    pub hits: u64,
    /// Lookup misses.
    pub misses: u64,
    /// Bytes read.
    pub net_input: u64,
    /// Bytes written.
    pub net_output: u64,
    /// Keys expired.
    pub expired: u64,
    /// Keys evicted.
    pub evicted: u64,
    /// Error replies by code.
    pub errors: Vec<(String, u64)>,
    /// Per-command stats.
    pub cmdstats: Vec<(&'static str, CommandStat)>,
    /// Clients on this shard.
    pub clients: usize,
}

impl ShardSnapshot {
    /// Takes a snapshot of `s`.
    pub fn take(s: &ShardState) -> ShardSnapshot {
        let store = s.store.borrow();
        let stats = s.stats.borrow();
        ShardSnapshot {
            keyspace: store
                .dbs
                .iter()
                .map(|d| (d.len(), d.volatile_len()))
                .collect(),
            dirty: stats.dirty,
            commands: stats.commands,
            connections: stats.connections,
            hits: stats.hits + store.dbs.iter().map(|d| d.hits).sum::<u64>(),
            misses: stats.misses + store.dbs.iter().map(|d| d.misses).sum::<u64>(),
            net_input: stats.net_input,
            net_output: stats.net_output,
            expired: store.dbs.iter().map(|d| d.expired).sum(),
            evicted: stats.evicted_keys,
            errors: stats.errors.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            cmdstats: stats
                .commands_by_index
                .iter()
                .enumerate()
                .filter(|(_, v)| v.calls > 0 || v.rejected > 0)
                .map(|(i, v)| (crate::commands::registry().all()[i].name, *v))
                .collect(),
            clients: s.clients.borrow().clients.len(),
        }
    }

    /// Adds `o` into `self`.
    pub fn merge(&mut self, o: ShardSnapshot) {
        if self.keyspace.len() < o.keyspace.len() {
            self.keyspace.resize(o.keyspace.len(), (0, 0));
        }
        for (i, (k, v)) in o.keyspace.into_iter().enumerate() {
            self.keyspace[i].0 += k;
            self.keyspace[i].1 += v;
        }
        self.dirty += o.dirty;
        self.commands += o.commands;
        self.connections += o.connections;
        self.hits += o.hits;
        self.misses += o.misses;
        self.net_input += o.net_input;
        self.net_output += o.net_output;
        self.expired += o.expired;
        self.evicted += o.evicted;
        self.clients += o.clients;
        for (k, v) in o.errors {
            match self.errors.iter_mut().find(|(n, _)| *n == k) {
                Some(e) => e.1 += v,
                None => self.errors.push((k, v)),
            }
        }
        for (k, v) in o.cmdstats {
            match self.cmdstats.iter_mut().find(|(n, _)| *n == k) {
                Some(e) => {
                    e.1.calls += v.calls;
                    e.1.usec += v.usec;
                    e.1.rejected += v.rejected;
                    e.1.failed += v.failed;
                }
                None => self.cmdstats.push((k, v)),
            }
        }
    }
}

/// Sections printed by a plain `INFO` (and `INFO default`).
pub const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Bytes in Redis' human form (`1.50M`).
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{}B", n as u64)
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else if n < 1024.0 * 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.2}T", n / (1024.0 * 1024.0 * 1024.0 * 1024.0))
    }
}

fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage fills a struct we own.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        (t(ru.ru_stime), t(ru.ru_utime))
    }
}

fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Builds the INFO text for `sections` (lowercase names; empty = default).
pub fn render(shared: &ServerShared, snap: &ShardSnapshot, sections: &[String]) -> String {
    let mut want: Vec<&str> = Vec::new();
    let all = sections.iter().any(|s| s == "all" || s == "everything");
    if sections.is_empty() || sections.iter().any(|s| s == "default") {
        want.extend(DEFAULT_SECTIONS);
    }
    if all {
        want.extend(DEFAULT_SECTIONS);
        want.push("commandstats");
        want.push("latencystats");
    }
    for s in sections {
        want.push(s.as_str());
    }
    let mut out = String::new();
    let order = [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "commandstats",
        "errorstats",
        "latencystats",
        "cluster",
        "keyspace",
    ];
    for sec in order {
        if !want.contains(&sec) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        section(&mut out, sec, shared, snap);
    }
    out
}

fn section(out: &mut String, name: &str, shared: &ServerShared, snap: &ShardSnapshot) {
    use std::fmt::Write;
    let cfg = shared.config();
    // Fields are collected first and written after the section header.
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut f = |k: &'static str, v: String| fields.push((k, v));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    match name {
        "server" => {
            out.push_str("# Server\r\n");
            f("redis_version", crate::server::REDIS_VERSION.into());
            f("redis_git_sha1", "00000000".into());
            f("redis_git_dirty", "0".into());
            f("redis_build_id", "0".into());
            f("redis_mode", "standalone".into());
            f("shardis_version", crate::server::SHARDIS_VERSION.into());
            f("shards", shared.nshards.to_string());
            f(
                "os",
                format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            );
            f("arch_bits", "64".into());
            f("monotonic_clock", "POSIX clock_gettime".into());
            f("multiplexing_api", "io_uring".into());
            f("atomicvar_api", "c11-builtin".into());
            f("gcc_version", "0.0.0".into());
            f("process_id", std::process::id().to_string());
            f("process_supervised", "no".into());
            f("run_id", shared.run_id.clone());
            f("tcp_port", shared.port.to_string());
            f("server_time_usec", now.as_micros().to_string());
            f("uptime_in_seconds", shared.uptime().to_string());
            f("uptime_in_days", (shared.uptime() / 86400).to_string());
            f("hz", shared.hz.load(Ordering::Relaxed).to_string());
            f("configured_hz", cfg.hz().to_string());
            f("lru_clock", ((now.as_secs()) & ((1 << 24) - 1)).to_string());
            f("executable", shared.executable.clone());
            f(
                "config_file",
                cfg.config_file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            );
            f("io_threads_active", "0".into());
        }
        "clients" => {
            out.push_str("# Clients\r\n");
            f(
                "connected_clients",
                shared
                    .connected_clients
                    .load(Ordering::Relaxed)
                    .saturating_sub(shared.replicas.len())
                    .to_string(),
            );
            f("cluster_connections", "0".into());
            f(
                "maxclients",
                shared.maxclients.load(Ordering::Relaxed).to_string(),
            );
            f("client_recent_max_input_buffer", "0".into());
            f("client_recent_max_output_buffer", "0".into());
            f(
                "blocked_clients",
                shared.blocked_clients.load(Ordering::Relaxed).to_string(),
            );
            f("tracking_clients", "0".into());
            f("clients_in_timeout_table", "0".into());
        }
        "memory" => {
            out.push_str("# Memory\r\n");
            let used = crate::alloc::used_memory();
            let rss = crate::alloc::rss();
            let total = total_system_memory();
            let maxmem = cfg
                .get("maxmemory")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            f("used_memory", used.to_string());
            f("used_memory_human", human_bytes(used));
            f("used_memory_rss", rss.to_string());
            f("used_memory_rss_human", human_bytes(rss));
            f("used_memory_peak", used.to_string());
            f("used_memory_peak_human", human_bytes(used));
            f("used_memory_peak_perc", "100.00%".into());
            f("used_memory_overhead", "0".into());
            f("used_memory_startup", "0".into());
            f("used_memory_dataset", used.to_string());
            f("used_memory_dataset_perc", "100.00%".into());
            f("allocator_allocated", used.to_string());
            f("allocator_active", rss.to_string());
            f("allocator_resident", rss.to_string());
            f("total_system_memory", total.to_string());
            f("total_system_memory_human", human_bytes(total));
            f("used_memory_lua", "0".into());
            f("used_memory_vm_eval", "0".into());
            f("used_memory_lua_human", "0B".into());
            f("used_memory_scripts_eval", "0".into());
            f("number_of_cached_scripts", "0".into());
            f("number_of_functions", "0".into());
            f("number_of_libraries", "0".into());
            f("used_memory_vm_functions", "0".into());
            f("used_memory_vm_total", "0".into());
            f("used_memory_vm_total_human", "0B".into());
            f("used_memory_functions", "0".into());
            f("used_memory_scripts", "0".into());
            f("used_memory_scripts_human", "0B".into());
            f("maxmemory", maxmem.to_string());
            f("maxmemory_human", human_bytes(maxmem));
            f(
                "maxmemory_policy",
                cfg.get("maxmemory-policy")
                    .unwrap_or_else(|| "noeviction".into()),
            );
            let ratio = if used > 0 {
                rss as f64 / used as f64
            } else {
                1.0
            };
            f("allocator_frag_ratio", "1.00".into());
            f("allocator_frag_bytes", "0".into());
            f("allocator_rss_ratio", "1.00".into());
            f("allocator_rss_bytes", "0".into());
            f("rss_overhead_ratio", "1.00".into());
            f("rss_overhead_bytes", "0".into());
            f("mem_fragmentation_ratio", format!("{:.2}", ratio));
            f(
                "mem_fragmentation_bytes",
                (rss as i64 - used as i64).to_string(),
            );
            f("mem_not_counted_for_evict", "0".into());
            f("mem_replication_backlog", "0".into());
            f("mem_total_replication_buffers", "0".into());
            f("mem_clients_slaves", "0".into());
            f("mem_clients_normal", "0".into());
            f("mem_cluster_links", "0".into());
            f("mem_aof_buffer", "0".into());
            f("mem_allocator", "mimalloc".into());
            f("active_defrag_running", "0".into());
            f("lazyfree_pending_objects", "0".into());
            f("lazyfreed_objects", "0".into());
        }
        "persistence" => {
            out.push_str("# Persistence\r\n");
            persistence_fields(shared, snap.dirty, &mut f);
        }
        "stats" => {
            out.push_str("# Stats\r\n");
            let errors: u64 = snap.errors.iter().map(|(_, v)| v).sum();
            for (k, v) in [
                ("total_connections_received", snap.connections.to_string()),
                ("total_commands_processed", snap.commands.to_string()),
                ("instantaneous_ops_per_sec", "0".into()),
                ("total_net_input_bytes", snap.net_input.to_string()),
                ("total_net_output_bytes", snap.net_output.to_string()),
                ("total_net_repl_input_bytes", "0".into()),
                (
                    "total_net_repl_output_bytes",
                    shared
                        .replicas
                        .repl_output_bytes
                        .load(Ordering::Relaxed)
                        .to_string(),
                ),
                ("instantaneous_input_kbps", "0.00".into()),
                ("instantaneous_output_kbps", "0.00".into()),
                ("instantaneous_input_repl_kbps", "0.00".into()),
                ("instantaneous_output_repl_kbps", "0.00".into()),
                (
                    "rejected_connections",
                    shared
                        .rejected_connections
                        .load(Ordering::Relaxed)
                        .to_string(),
                ),
                (
                    "sync_full",
                    shared
                        .replicas
                        .sync_full
                        .load(Ordering::Relaxed)
                        .to_string(),
                ),
                (
                    "sync_partial_ok",
                    shared
                        .replicas
                        .sync_partial_ok
                        .load(Ordering::Relaxed)
                        .to_string(),
                ),
                (
                    "sync_partial_err",
                    shared
                        .replicas
                        .sync_partial_err
                        .load(Ordering::Relaxed)
                        .to_string(),
                ),
                ("expired_keys", snap.expired.to_string()),
                ("expired_stale_perc", "0.00".into()),
                ("expired_time_cap_reached_count", "0".into()),
                ("expire_cycle_cpu_milliseconds", "0".into()),
                ("evicted_keys", snap.evicted.to_string()),
                ("evicted_clients", "0".into()),
                ("total_eviction_exceeded_time", "0".into()),
                ("current_eviction_exceeded_time", "0".into()),
                ("keyspace_hits", snap.hits.to_string()),
                ("keyspace_misses", snap.misses.to_string()),
                (
                    "pubsub_channels",
                    shared.pubsub_names[0].load(Ordering::Relaxed).to_string(),
                ),
                (
                    "pubsub_patterns",
                    shared.pubsub_names[1].load(Ordering::Relaxed).to_string(),
                ),
                (
                    "pubsubshard_channels",
                    shared.pubsub_names[2].load(Ordering::Relaxed).to_string(),
                ),
                ("latest_fork_usec", "0".into()),
                ("total_forks", "0".into()),
                ("migrate_cached_sockets", "0".into()),
                ("slave_expires_tracked_keys", "0".into()),
                ("active_defrag_hits", "0".into()),
                ("active_defrag_misses", "0".into()),
                ("active_defrag_key_hits", "0".into()),
                ("active_defrag_key_misses", "0".into()),
                ("total_active_defrag_time", "0".into()),
                ("current_active_defrag_time", "0".into()),
                ("tracking_total_keys", "0".into()),
                ("tracking_total_items", "0".into()),
                ("tracking_total_prefixes", "0".into()),
                ("unexpected_error_replies", "0".into()),
                ("total_error_replies", errors.to_string()),
                ("dump_payload_sanitizations", "0".into()),
                ("total_reads_processed", "0".into()),
                ("total_writes_processed", "0".into()),
                ("io_threaded_reads_processed", "0".into()),
                ("io_threaded_writes_processed", "0".into()),
                ("reply_buffer_shrinks", "0".into()),
                ("reply_buffer_expands", "0".into()),
            ] {
                f(k, v);
            }
        }
        "replication" => {
            out.push_str("# Replication\r\n");
            out.push_str(&crate::replication::master::report::info_replication(
                shared, &cfg,
            ));
        }
        "cpu" => {
            let (sys, user) = cpu_times();
            out.push_str("# CPU\r\n");
            f("used_cpu_sys", format!("{:.6}", sys));
            f("used_cpu_user", format!("{:.6}", user));
            f("used_cpu_sys_children", "0.000000".into());
            f("used_cpu_user_children", "0.000000".into());
            f("used_cpu_sys_main_thread", format!("{:.6}", sys));
            f("used_cpu_user_main_thread", format!("{:.6}", user));
        }
        "modules" => out.push_str("# Modules\r\n"),
        "commandstats" => {
            out.push_str("# Commandstats\r\n");
            let mut v = snap.cmdstats.clone();
            v.sort_by_key(|(n, _)| *n);
            for (n, s) in v {
                let per = if s.calls > 0 {
                    s.usec as f64 / s.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    out,
                    "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                    n, s.calls, s.usec, per, s.rejected, s.failed
                );
            }
        }
        "errorstats" => {
            out.push_str("# Errorstats\r\n");
            let mut v = snap.errors.clone();
            v.sort();
            for (n, c) in v {
                let _ = write!(out, "errorstat_{}:count={}\r\n", n, c);
            }
        }
        "latencystats" => out.push_str("# Latencystats\r\n"),
        "cluster" => {
            out.push_str("# Cluster\r\n");
            f("cluster_enabled", "0".into());
        }
        "keyspace" => {
            out.push_str("# Keyspace\r\n");
            for (i, (keys, vol)) in snap.keyspace.iter().enumerate() {
                if *keys > 0 {
                    let _ = write!(out, "db{}:keys={},expires={},avg_ttl=0\r\n", i, keys, vol);
                }
            }
        }
        _ => {}
    }
    for (k, v) in fields {
        let _ = write!(out, "{}:{}\r\n", k, v);
    }
}

/// INFO persistence, in Redis 7.0's order. Snapshots are not forked, so
/// the copy-on-write fields stay 0; `current_fork_perc` is the share of
/// keys the running save has written.
fn persistence_fields(shared: &ServerShared, dirty: u64, f: &mut impl FnMut(&'static str, String)) {
    let p = &shared.persist;
    let flag = |b: &std::sync::atomic::AtomicBool| (b.load(Ordering::Relaxed) as u8).to_string();
    let now = crate::shard::keyspace::now_ms();
    let running_secs = |started: u64| {
        if started == 0 {
            "-1".to_string()
        } else {
            (now.saturating_sub(started) / 1000).to_string()
        }
    };
    let saving = p.bgsave_in_progress.load(Ordering::Relaxed);
    let (processed, total) = if saving {
        (
            p.save_keys_processed.load(Ordering::Relaxed),
            p.save_keys_total.load(Ordering::Relaxed),
        )
    } else {
        (0, 0)
    };
    let perc = if total > 0 {
        processed as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let status = |ok: bool| if ok { "ok" } else { "err" }.to_string();
    f("loading", flag(&p.loading));
    f("async_loading", "0".into());
    f("current_cow_peak", "0".into());
    f("current_cow_size", "0".into());
    f("current_cow_size_age", "0".into());
    f("current_fork_perc", format!("{:.2}", perc));
    f("current_save_keys_processed", processed.to_string());
    f("current_save_keys_total", total.to_string());
    f("rdb_changes_since_last_save", dirty.to_string());
    f("rdb_bgsave_in_progress", (saving as u8).to_string());
    f(
        "rdb_last_save_time",
        shared.lastsave.load(Ordering::Relaxed).to_string(),
    );
    f(
        "rdb_last_bgsave_status",
        status(shared.last_save_ok.load(Ordering::Relaxed)),
    );
    f(
        "rdb_last_bgsave_time_sec",
        p.bgsave_last_time_sec.load(Ordering::Relaxed).to_string(),
    );
    f(
        "rdb_current_bgsave_time_sec",
        if saving {
            running_secs(p.bgsave_started_ms.load(Ordering::Relaxed))
        } else {
            "-1".into()
        },
    );
    f(
        "rdb_saves",
        shared.rdb_saves.load(Ordering::Relaxed).to_string(),
    );
    f("rdb_last_cow_size", "0".into());
    f(
        "rdb_last_load_keys_expired",
        shared.rdb_last_load[1].load(Ordering::Relaxed).to_string(),
    );
    f(
        "rdb_last_load_keys_loaded",
        shared.rdb_last_load[0].load(Ordering::Relaxed).to_string(),
    );
    f("aof_enabled", flag(&p.aof_enabled));
    let rewriting = p.aof_rewrite_in_progress.load(Ordering::Relaxed);
    f("aof_rewrite_in_progress", (rewriting as u8).to_string());
    f("aof_rewrite_scheduled", flag(&p.aof_rewrite_scheduled));
    f(
        "aof_last_rewrite_time_sec",
        p.aof_last_rewrite_time_sec
            .load(Ordering::Relaxed)
            .to_string(),
    );
    f(
        "aof_current_rewrite_time_sec",
        if rewriting {
            running_secs(p.aof_rewrite_started_ms.load(Ordering::Relaxed))
        } else {
            "-1".into()
        },
    );
    f(
        "aof_last_bgrewrite_status",
        status(!p.aof_last_rewrite_failed.load(Ordering::Relaxed)),
    );
    f(
        "aof_rewrites",
        p.aof_rewrites.load(Ordering::Relaxed).to_string(),
    );
    f(
        "aof_rewrites_consecutive_failures",
        p.aof_rewrites_consecutive_failures
            .load(Ordering::Relaxed)
            .to_string(),
    );
    f(
        "aof_last_write_status",
        status(!shared.journal.write_failed()),
    );
    f("aof_last_cow_size", "0".into());
    f("module_fork_in_progress", "0".into());
    f("module_fork_last_cow_size", "0".into());
    if p.aof_enabled.load(Ordering::Relaxed) {
        f(
            "aof_current_size",
            p.aof_current_size.load(Ordering::Relaxed).to_string(),
        );
        f(
            "aof_base_size",
            p.aof_base_size.load(Ordering::Relaxed).to_string(),
        );
        f("aof_pending_rewrite", flag(&p.aof_rewrite_scheduled));
        f("aof_buffer_length", "0".into());
        f("aof_pending_bio_fsync", "0".into());
        f("aof_delayed_fsync", "0".into());
    }
    if p.loading.load(Ordering::Relaxed) {
        let start = p.loading_start_time.load(Ordering::Relaxed);
        let total = p.loading_total_bytes.load(Ordering::Relaxed);
        let loaded = p.loading_loaded_bytes.load(Ordering::Relaxed).min(total);
        let perc = if total > 0 {
            loaded as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        let elapsed = (now / 1000).saturating_sub(start);
        let eta = if loaded > 0 && elapsed > 0 {
            let rate = loaded as f64 / elapsed as f64;
            ((total - loaded) as f64 / rate) as u64
        } else {
            1
        };
        f("loading_start_time", start.to_string());
        f("loading_total_bytes", total.to_string());
        f("loading_rdb_used_mem", "0".into());
        f("loading_loaded_bytes", loaded.to_string());
        f("loading_loaded_perc", format!("{:.2}", perc));
        f("loading_eta_seconds", eta.to_string());
    }
}
