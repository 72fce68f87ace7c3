//! Per-shard counters, merged when INFO or SLOWLOG asks.

use hashbrown::HashMap;

/// Calls and time spent per command (INFO commandstats).
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    /// Number of calls.
    pub calls: u64,
    /// Total microseconds.
    pub usec: u64,
    /// Calls that were rejected before running (arity, auth...).
    pub rejected: u64,
    /// Calls that replied with an error.
    pub failed: u64,
}

/// One SLOWLOG entry.
#[derive(Debug, Clone)]
pub struct SlowlogEntry {
    /// Entry id, unique per shard; merged lists sort by time.
    pub id: u64,
    /// Unix time in seconds.
    pub time: u64,
    /// Duration in microseconds.
    pub micros: u64,
    /// Arguments (at most 32, each at most 128 bytes, as Redis trims them).
    pub args: Vec<Vec<u8>>,
    /// Client address.
    pub addr: String,
    /// Client name.
    pub name: String,
}

/// Counters owned by one shard.
#[derive(Debug, Default)]
pub struct ShardStats {
    /// Keyspace changes since the last save.
    pub dirty: u64,
    /// Commands processed.
    pub commands: u64,
    /// Connections accepted.
    pub connections: u64,
    /// Successful key lookups (keyspace_hits).
    pub hits: u64,
    /// Failed key lookups (keyspace_misses).
    pub misses: u64,
    /// Bytes read from clients.
    pub net_input: u64,
    /// Bytes written to clients.
    pub net_output: u64,
    /// Error replies by error code (errorstats).
    pub errors: HashMap<String, u64>,
    /// Per-command statistics, indexed like the command registry.
    pub commands_by_index: Vec<CommandStat>,
    /// SLOWLOG entries, newest last.
    pub slowlog: std::collections::VecDeque<SlowlogEntry>,
    /// Active expiry cycles run.
    pub expire_cycles: u64,
    /// Keys evicted because of `maxmemory` (INFO evicted_keys).
    pub evicted_keys: u64,
}

impl ShardStats {
    /// The statistics of command number `i` of the registry.
    #[inline]
    pub fn command(&mut self, i: usize) -> &mut CommandStat {
        if self.commands_by_index.len() <= i {
            self.commands_by_index.resize(
                crate::commands::registry().all().len().max(i + 1),
                CommandStat::default(),
            );
        }
        &mut self.commands_by_index[i]
    }

    /// Clears what CONFIG RESETSTAT clears.
    pub fn reset(&mut self) {
        let dirty = self.dirty;
        *self = ShardStats {
            dirty,
            slowlog: std::mem::take(&mut self.slowlog),
            ..Default::default()
        };
    }
}
