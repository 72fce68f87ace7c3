//! WATCH: optimistic locking of keys for the next EXEC.
//!
//! A client that WATCHes keys owns one [`WatchFlag`]. Each watched key is
//! registered, with that flag, in the [`WatchRegistry`] of the shard owning
//! the key. Any change to the key on that shard (a keyspace event from any
//! client's command, expiry, eviction, FLUSHDB/FLUSHALL/SWAPDB) raises the
//! flag; EXEC then answers a null reply. The client keeps the list of what
//! it registered, so UNWATCH, EXEC, DISCARD, RESET and disconnection can
//! remove exactly those registrations.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;

use crate::notify::KeyEvent;
use crate::shard::ShardState;

/// Raised when a key its client watches is touched.
#[derive(Debug, Default)]
pub struct WatchFlag {
    touched: AtomicBool,
}

impl WatchFlag {
    /// Whether a watched key was touched.
    pub fn is_touched(&self) -> bool {
        self.touched.load(Ordering::Acquire)
    }

    /// Marks the watch as broken.
    pub fn touch(&self) {
        self.touched.store(true, Ordering::Release);
    }
}

/// One key a client watches.
#[derive(Debug, Clone)]
pub struct WatchedKey {
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Bytes,
    /// The shard owning it.
    pub shard: usize,
    /// Whether it was already logically expired (but not yet removed) when
    /// it was watched: such a key expiring is not a change (Redis 7.0).
    pub expired_at_watch: bool,
}

/// What a client watches.
#[derive(Debug, Default)]
pub struct Watching {
    /// Its flag, shared with every registration.
    pub flag: Arc<WatchFlag>,
    /// Its keys.
    pub keys: Vec<WatchedKey>,
}

/// The watched keys of one shard: database → key → flags of its watchers.
#[derive(Debug, Default)]
pub struct WatchRegistry {
    by_db: HashMap<usize, HashMap<Bytes, Vec<Arc<WatchFlag>>>>,
}

impl WatchRegistry {
    /// Whether no key of this shard is watched.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.by_db.is_empty()
    }

    /// Registers `flag` as a watcher of `key` in `db`.
    pub fn add(&mut self, db: usize, key: Bytes, flag: &Arc<WatchFlag>) {
        let list = self.by_db.entry(db).or_default().entry(key).or_default();
        if !list.iter().any(|f| Arc::ptr_eq(f, flag)) {
            list.push(flag.clone());
        }
    }

    /// Removes `flag`'s registration of `key` in `db`, if still there.
    pub fn remove(&mut self, db: usize, key: &[u8], flag: &Arc<WatchFlag>) {
        let Some(keys) = self.by_db.get_mut(&db) else {
            return;
        };
        if let Some(list) = keys.get_mut(key) {
            list.retain(|f| !Arc::ptr_eq(f, flag));
            if list.is_empty() {
                keys.remove(key);
            }
        }
        if keys.is_empty() {
            self.by_db.remove(&db);
        }
    }

    /// Raises the flags of the watchers of `key` in `db` (their
    /// registrations go: a raised flag stays raised until UNWATCH).
    pub fn touch(&mut self, db: usize, key: &[u8]) {
        let Some(keys) = self.by_db.get_mut(&db) else {
            return;
        };
        if let Some(list) = keys.remove(key) {
            for f in list {
                f.touch();
            }
        }
        if keys.is_empty() {
            self.by_db.remove(&db);
        }
    }

    /// Raises the flags of the watchers of every key of `db` for which
    /// `exists` holds (FLUSHDB, FLUSHALL, SWAPDB touch the keys that exist).
    pub fn touch_db(&mut self, db: usize, mut exists: impl FnMut(&[u8]) -> bool) {
        let Some(keys) = self.by_db.get_mut(&db) else {
            return;
        };
        keys.retain(|k, list| {
            if exists(k) {
                for f in list.iter() {
                    f.touch();
                }
                false
            } else {
                true
            }
        });
        if keys.is_empty() {
            self.by_db.remove(&db);
        }
    }
}

/// Touches the watched keys among `events` on `shard` (which owns them).
pub fn touch_events(shard: &ShardState, events: &[KeyEvent]) {
    if shard.watches.borrow().is_empty() {
        return;
    }
    let mut reg = shard.watches.borrow_mut();
    for e in events {
        reg.touch(e.db, &e.key);
    }
}

/// Touches, on `shard`, the watched keys of `db` that exist there now
/// (called before FLUSHDB/FLUSHALL empty it).
pub fn touch_existing(shard: &ShardState, db: usize) {
    if shard.watches.borrow().is_empty() {
        return;
    }
    let now = crate::shard::keyspace::now_ms();
    let mut store = shard.store.borrow_mut();
    let d = store.db(db);
    shard
        .watches
        .borrow_mut()
        .touch_db(db, |k| d.contains(k, now));
}

/// Touches, on `shard`, the watched keys of `a` or `b` that exist in either
/// (called before SWAPDB swaps them).
pub fn touch_swapped(shard: &ShardState, a: usize, b: usize) {
    if shard.watches.borrow().is_empty() {
        return;
    }
    let now = crate::shard::keyspace::now_ms();
    let mut store = shard.store.borrow_mut();
    let mut exists = |k: &[u8]| store.db(a).contains(k, now) || store.db(b).contains(k, now);
    let mut reg = shard.watches.borrow_mut();
    reg.touch_db(a, &mut exists);
    reg.touch_db(b, &mut exists);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_raises_only_watchers_of_that_key() {
        let mut r = WatchRegistry::default();
        let f1 = Arc::new(WatchFlag::default());
        let f2 = Arc::new(WatchFlag::default());
        r.add(0, Bytes::from_static(b"a"), &f1);
        r.add(0, Bytes::from_static(b"b"), &f2);
        r.add(1, Bytes::from_static(b"a"), &f2);
        r.touch(0, b"a");
        assert!(f1.is_touched());
        assert!(!f2.is_touched());
        r.touch(1, b"a");
        assert!(f2.is_touched());
    }

    #[test]
    fn remove_then_touch_does_nothing_and_empties() {
        let mut r = WatchRegistry::default();
        let f = Arc::new(WatchFlag::default());
        r.add(0, Bytes::from_static(b"k"), &f);
        r.add(0, Bytes::from_static(b"k"), &f);
        r.remove(0, b"k", &f);
        assert!(r.is_empty());
        r.touch(0, b"k");
        assert!(!f.is_touched());
    }

    #[test]
    fn touch_db_only_existing_keys() {
        let mut r = WatchRegistry::default();
        let f1 = Arc::new(WatchFlag::default());
        let f2 = Arc::new(WatchFlag::default());
        r.add(3, Bytes::from_static(b"there"), &f1);
        r.add(3, Bytes::from_static(b"missing"), &f2);
        r.touch_db(3, |k| k == b"there");
        assert!(f1.is_touched());
        assert!(!f2.is_touched());
        assert!(!r.is_empty());
    }
}
