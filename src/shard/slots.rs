//! Hash slots: which of the 16384 slots a key belongs to, and which shard
//! owns a slot.

/// Number of hash slots, as in Redis Cluster.
pub const SLOTS: usize = 16384;

/// The part of `key` that is hashed: the text between the first `{` and the
/// next `}` when it is non-empty, else the whole key (Redis Cluster hash tags).
#[inline]
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = memchr::memchr(b'{', key) {
        if let Some(close) = memchr::memchr(b'}', &key[open + 1..]) {
            if close > 0 {
                return &key[open + 1..open + 1 + close];
            }
        }
    }
    key
}

/// The slot of `key`: `CRC16-XMODEM(hash_tag(key)) % 16384`.
#[inline]
pub fn key_slot(key: &[u8]) -> u16 {
    (crc16::State::<crc16::XMODEM>::calculate(hash_tag(key)) as usize % SLOTS) as u16
}

/// The slot → shard table, built once at start: shard `i` of `n` owns one
/// contiguous range of slots, so a SCAN over slots visits shards in turn.
#[derive(Debug, Clone)]
pub struct SlotMap {
    owner: Vec<u16>,
    shards: usize,
}

impl SlotMap {
    /// Spreads the slots evenly over `shards` shards.
    pub fn new(shards: usize) -> Self {
        let shards = shards.max(1);
        let owner = (0..SLOTS).map(|s| (s * shards / SLOTS) as u16).collect();
        SlotMap { owner, shards }
    }

    /// The shard owning `slot`.
    #[inline]
    pub fn shard_of_slot(&self, slot: u16) -> usize {
        self.owner[slot as usize] as usize
    }

    /// The shard owning `key`.
    #[inline]
    pub fn shard_of_key(&self, key: &[u8]) -> usize {
        if self.shards == 1 {
            return 0;
        }
        self.shard_of_slot(key_slot(key))
    }

    /// Number of shards.
    pub fn shards(&self) -> usize {
        self.shards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_as_redis_cluster() {
        // Values from `CLUSTER KEYSLOT` on a real Redis.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"{user1}.a"), key_slot(b"user1"));
        assert_eq!(key_slot(b"{}a"), key_slot(b"{}a"));
        assert_eq!(hash_tag(b"a{}b{c}"), b"a{}b{c}");
        assert_eq!(hash_tag(b"a{b}{c}"), b"b");
    }

    #[test]
    fn map_spreads_evenly() {
        let m = SlotMap::new(4);
        assert_eq!(m.shard_of_slot(0), 0);
        assert_eq!(m.shard_of_slot(16383), 3);
        assert_eq!(m.shard_of_slot(4096), 1);
    }
}
