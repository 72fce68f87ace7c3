//! What a master does for its replicas: the handshake commands (REPLCONF,
//! PSYNC, SYNC), full and partial synchronization, the per-replica feed
//! task streaming the replication stream, the list of replicas INFO, ROLE,
//! WAIT and `min-replicas-to-write` read, and the periodic work (PINGs
//! into the stream, freeing an unused backlog).

pub mod cron;
pub mod feed;
pub mod fullsync;
pub mod psync;
pub mod registry;
pub mod report;
pub mod wait;
