//! Encoding thresholds (`hash-max-listpack-entries` and friends), read by
//! every collection write to decide when a compact encoding converts to a
//! full structure. They live in process-wide atomics so that a handler reads
//! them without a lock or a pointer to the configuration; CONFIG SET updates
//! them through [`apply`].

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use crate::config::Config;

/// The thresholds, as the configuration directives of the same names.
#[derive(Debug)]
pub struct EncodingLimits {
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: AtomicUsize,
    /// `hash-max-listpack-value` (bytes).
    pub hash_max_listpack_value: AtomicUsize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: AtomicUsize,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: AtomicUsize,
    /// `set-max-listpack-value` (bytes).
    pub set_max_listpack_value: AtomicUsize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: AtomicUsize,
    /// `zset-max-listpack-value` (bytes).
    pub zset_max_listpack_value: AtomicUsize,
    /// `list-max-listpack-size`: positive = entries per node, -1..-5 = node
    /// size of 4, 8, 16, 32, 64 KiB.
    pub list_max_listpack_size: AtomicI64,
    /// `list-compress-depth` (accepted; nodes are never compressed).
    pub list_compress_depth: AtomicI64,
    /// `hll-sparse-max-bytes`.
    pub hll_sparse_max_bytes: AtomicUsize,
}

static LIMITS: EncodingLimits = EncodingLimits {
    hash_max_listpack_entries: AtomicUsize::new(512),
    hash_max_listpack_value: AtomicUsize::new(64),
    set_max_intset_entries: AtomicUsize::new(512),
    set_max_listpack_entries: AtomicUsize::new(128),
    set_max_listpack_value: AtomicUsize::new(64),
    zset_max_listpack_entries: AtomicUsize::new(128),
    zset_max_listpack_value: AtomicUsize::new(64),
    list_max_listpack_size: AtomicI64::new(-2),
    list_compress_depth: AtomicI64::new(0),
    hll_sparse_max_bytes: AtomicUsize::new(3000),
};

/// The process-wide thresholds.
#[inline]
pub fn limits() -> &'static EncodingLimits {
    &LIMITS
}

macro_rules! getter {
    ($name:ident, $t:ty) => {
        #[doc = concat!("Current `", stringify!($name), "`.")]
        #[inline]
        pub fn $name(&self) -> $t {
            self.$name.load(Ordering::Relaxed)
        }
    };
}

impl EncodingLimits {
    getter!(hash_max_listpack_entries, usize);
    getter!(hash_max_listpack_value, usize);
    getter!(set_max_intset_entries, usize);
    getter!(set_max_listpack_entries, usize);
    getter!(set_max_listpack_value, usize);
    getter!(zset_max_listpack_entries, usize);
    getter!(zset_max_listpack_value, usize);
    getter!(list_max_listpack_size, i64);
    getter!(list_compress_depth, i64);
    getter!(hll_sparse_max_bytes, usize);
}

/// Copies the thresholds from `c` (at start-up and after CONFIG SET).
pub fn apply(c: &Config) {
    let u = |name: &str, default: usize| {
        c.get_u64(name)
            .map(|v| v.min(usize::MAX as u64) as usize)
            .unwrap_or(default)
    };
    let l = &LIMITS;
    let st = |a: &AtomicUsize, v: usize| a.store(v, Ordering::Relaxed);
    st(
        &l.hash_max_listpack_entries,
        u("hash-max-listpack-entries", 512),
    );
    st(&l.hash_max_listpack_value, u("hash-max-listpack-value", 64));
    st(&l.set_max_intset_entries, u("set-max-intset-entries", 512));
    st(
        &l.set_max_listpack_entries,
        u("set-max-listpack-entries", 128),
    );
    st(&l.set_max_listpack_value, u("set-max-listpack-value", 64));
    st(
        &l.zset_max_listpack_entries,
        u("zset-max-listpack-entries", 128),
    );
    st(&l.zset_max_listpack_value, u("zset-max-listpack-value", 64));
    st(&l.hll_sparse_max_bytes, u("hll-sparse-max-bytes", 3000));
    l.list_max_listpack_size.store(
        c.get_i64("list-max-listpack-size").unwrap_or(-2),
        Ordering::Relaxed,
    );
    l.list_compress_depth.store(
        c.get_i64("list-compress-depth").unwrap_or(0),
        Ordering::Relaxed,
    );
}
