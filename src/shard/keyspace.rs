//! The keyspace one shard owns: per database, one table per group of 64
//! hash slots.
//!
//! Keeping keys grouped by slot (as Redis 7.2's kvstore does per slot in
//! cluster mode) gives three things cheaply: a SCAN cursor that is simply a
//! slot number and never misses a key that exists for the whole scan (a
//! group's keys are returned together), per-slot walks for Cluster, and
//! slot migration. Tables are allocated when a group gets its first key and
//! dropped when it loses its last, so an empty database costs one vector of
//! 256 pointers.
//!
//! Expiry times live in a second map per table that only volatile keys
//! enter, as Redis' `expires` dict. Reads go through [`Db::get`] /
//! [`Db::get_mut`], which expire a key lazily when its time has passed.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use hashbrown::{HashMap, HashTable};

use super::cow::DbSnapshot;
use super::evict;
use super::slots::{key_slot, SLOTS};

/// Slots per key table: 2^6 = 64, so a database has at most 256 tables.
/// One table per slot would make SCAN's unit smaller, but with a few
/// hundred thousand keys its fixed cost (the table header and a mostly
/// empty bucket array per slot) came to about 38 bytes per key; groups of
/// 64 slots keep that near the cost of one big table.
pub const GROUP_SHIFT: u32 = 6;
/// Number of slot groups (key tables) per database.
pub const GROUPS: usize = SLOTS >> GROUP_SHIFT;

/// The group (table index) of `slot`.
#[inline]
pub fn group_of(slot: usize) -> usize {
    slot >> GROUP_SHIFT
}

/// The first slot after the group of `slot`.
#[inline]
pub fn group_end(slot: usize) -> usize {
    (group_of(slot) + 1) << GROUP_SHIFT
}
use crate::types::Value;

/// A key as stored: its header also holds the key's access clock (as
/// Redis' 24 `lru` bits of an object: the LRU clock of the last access, or
/// under an LFU policy the minute of the last decrement and the
/// logarithmic counter; see [`super::evict`]).
pub type Key = super::key::KeyBytes;

/// One key and its value, in one 48-byte allocation.
#[derive(Debug)]
pub struct Entry {
    /// The key, with the access clock.
    pub key: Key,
    /// Its value.
    pub value: Value,
}

impl Entry {
    /// The access clock.
    #[inline]
    pub fn access(&self) -> u32 {
        self.key.access()
    }

    /// Records an access (once per command: a handler that looks a key
    /// up twice counts one access, as Redis' single lookup does).
    #[inline]
    fn touch(&mut self) {
        if !evict::first_touch(self as *const Entry as usize) {
            return;
        }
        let mut a = self.key.access();
        evict::touch(&mut a);
        self.key.set_access(a);
    }
}

/// The hasher of key tables: ahash with fixed seeds, so a key hashes the
/// same on every shard and in scratch stores.
static HASHER: ahash::RandomState = ahash::RandomState::with_seeds(
    0x243f_6a88_85a3_08d3,
    0x1319_8a2e_0370_7344,
    0xa409_3822_299f_31d0,
    0x082e_fa98_ec4e_6c89,
);

#[inline]
fn hash_key(key: &[u8]) -> u64 {
    HASHER.hash_one(key)
}

/// Key → value table of one slot.
///
/// Buckets hold one pointer each, to an [`Entry`] holding key and value
/// together: 8 bytes per bucket instead of 48, which matters because
/// open-addressing tables run between 44% and 87% full. The pointer is
/// only followed when the hash's top bits already match.
#[derive(Debug, Default)]
pub struct KeyTable {
    table: HashTable<Box<Entry>>,
}

impl KeyTable {
    /// Number of keys.
    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are no keys.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&Value> {
        self.table
            .find(hash_key(key), |e| e.key.as_slice() == key)
            .map(|e| &e.value)
    }

    /// The value of `key` and its access clock, without touching it.
    #[inline]
    pub fn get_with_access(&self, key: &[u8]) -> Option<(&Value, u32)> {
        self.table
            .find(hash_key(key), |e| e.key.as_slice() == key)
            .map(|e| (&e.value, e.access()))
    }

    /// The value of `key`, recording the access (LRU clock / LFU counter).
    #[inline]
    pub fn get_touch(&mut self, key: &[u8]) -> Option<&Value> {
        self.table
            .find_mut(hash_key(key), |e| e.key.as_slice() == key)
            .map(|e| {
                e.touch();
                &e.value
            })
    }

    /// The value of `key`, for modification (records the access).
    #[inline]
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.table
            .find_mut(hash_key(key), |e| e.key.as_slice() == key)
            .map(|e| {
                e.touch();
                &mut e.value
            })
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`; returns true if the key was added.
    pub fn insert(&mut self, key: &[u8], value: Value) -> bool {
        let h = hash_key(key);
        if let Some(e) = self.table.find_mut(h, |e| e.key.as_slice() == key) {
            e.value = value;
            let a = evict::overwritten_access(e.access());
            e.key.set_access(a);
            return false;
        }
        let mut k = Key::from_slice(key);
        k.set_access(evict::initial_access());
        let entry = Box::new(Entry { key: k, value });
        // A key the command creates is not accessed again by it: Redis
        // gives a new object its initial clock and nothing more.
        evict::first_touch(&*entry as *const Entry as usize);
        self.table
            .insert_unique(h, entry, |e| hash_key(e.key.as_slice()));
        true
    }

    /// Sets the access clock of `key` (a value moved here keeps the clock
    /// it had where it came from); returns whether the key is present.
    pub fn set_access(&mut self, key: &[u8], access: u32) -> bool {
        match self
            .table
            .find_mut(hash_key(key), |e| e.key.as_slice() == key)
        {
            Some(e) => {
                e.key.set_access(access);
                true
            }
            None => false,
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Value> {
        match self
            .table
            .find_entry(hash_key(key), |e| e.key.as_slice() == key)
        {
            Ok(o) => Some(o.remove().0.value),
            Err(_) => None,
        }
    }

    /// Every key and value.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.table.iter().map(|e| (&e.key, &e.value))
    }

    /// Every key.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.table.iter().map(|e| &e.key)
    }

    /// The entry of `key`.
    #[inline]
    pub fn entry(&self, key: &[u8]) -> Option<&Entry> {
        self.table
            .find(hash_key(key), |e| e.key.as_slice() == key)
            .map(|e| &**e)
    }

    /// Every entry (key, value and access clock), in table order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.table.iter().map(|e| &**e)
    }
}

/// The keys and expiry times of one group of hash slots.
///
/// Kept small (40 bytes) because a database has up to 16384 of them and,
/// with few keys, their fixed cost is shared by few keys.
#[derive(Debug, Default)]
pub struct SlotTable {
    /// Key → value.
    pub keys: KeyTable,
    /// Key → absolute expiry time in Unix milliseconds (volatile keys only).
    pub expires: Expires,
}

/// Expiry times of one slot's volatile keys: no allocation at all while
/// the slot has none (the common case), one map once it has some.
#[derive(Debug, Default)]
pub struct Expires(Option<Box<HashMap<Key, u64>>>);

impl Expires {
    /// Whether no key of the slot has an expiry time.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|m| m.is_empty())
    }

    /// The expiry time of `key`.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<&u64> {
        self.0.as_ref()?.get(key)
    }

    /// The expiry time of `key`, for modification.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut u64> {
        self.0.as_mut()?.get_mut(key)
    }

    /// Sets the expiry time of `key`.
    pub fn insert(&mut self, key: Key, at: u64) {
        self.0.get_or_insert_with(Default::default).insert(key, at);
    }

    /// Removes the expiry time of `key`, freeing the map when it empties.
    pub fn remove(&mut self, key: &[u8]) -> Option<u64> {
        let m = self.0.as_mut()?;
        let r = m.remove(key);
        if m.is_empty() {
            self.0 = None;
        }
        r
    }

    /// Every (key, expiry time).
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &u64)> {
        self.0.iter().flat_map(|m| m.iter())
    }
}

/// One logical database on one shard.
#[derive(Debug, Default)]
pub struct Db {
    slots: Vec<Option<Box<SlotTable>>>,
    len: usize,
    volatile: usize,
    /// Keys removed by lazy or active expiry since start (INFO expired_keys).
    pub expired: u64,
    /// Successful lookups through [`Db::get`] (INFO keyspace_hits).
    pub hits: u64,
    /// Failed lookups through [`Db::get`] (INFO keyspace_misses).
    pub misses: u64,
    /// Which key changes the database records for keyspace events
    /// ([`LOG_EXPIRED`], [`LOG_NEW`]); set by [`Store::set_key_log`].
    log_flags: u8,
    /// Keys expired (`false`) or created (`true`) since the log was last
    /// drained, in order; empty (no allocation) while nothing is recorded.
    log: Vec<(bool, Bytes)>,
    /// Snapshot mode (a point-in-time image is being written; see
    /// [`super::cow`]): every change first writes out the key it touches.
    snap: Option<Box<DbSnapshot>>,
    /// Keys removed by expiry since the journal last drained them (only
    /// while [`LOG_JOURNAL`] is set): they reach the AOF and replicas as
    /// `DEL`.
    jlog: Vec<Bytes>,
}

/// [`Store::set_key_log`] flag: record keys removed by lazy or active expiry.
pub const LOG_EXPIRED: u8 = 1;
/// [`Store::set_key_log`] flag: record keys added to the database.
pub const LOG_NEW: u8 = 2;
/// [`set_expiry_mode`]: due keys are removed when looked up (a master).
pub const EXPIRY_DELETE: u8 = 0;
/// [`set_expiry_mode`]: due keys stay but read as absent (a replica's
/// clients).
pub const EXPIRY_HIDE: u8 = 1;
/// [`set_expiry_mode`]: due keys stay and read as present (a replica
/// applying its master's stream: the master decides when keys expire).
pub const EXPIRY_KEEP: u8 = 2;

/// How lookups treat keys whose expiry time has passed, process-wide. Read
/// only when a looked-up key is due, so a master pays nothing for it.
static EXPIRY_MODE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(EXPIRY_DELETE);

/// Sets how lookups treat due keys ([`EXPIRY_DELETE`], [`EXPIRY_HIDE`] or
/// [`EXPIRY_KEEP`]).
pub fn set_expiry_mode(mode: u8) {
    EXPIRY_MODE.store(mode, Ordering::Relaxed);
}

/// The current [`set_expiry_mode`] mode.
pub fn expiry_mode() -> u8 {
    EXPIRY_MODE.load(Ordering::Relaxed)
}

/// Flag kept by [`Store::set_journal_log`]: record expired keys for the
/// write journal.
pub const LOG_JOURNAL: u8 = 4;

/// Wall-clock time in Unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Db {
    fn table(&self, slot: u16) -> Option<&SlotTable> {
        self.slots
            .get(group_of(slot as usize))
            .and_then(|t| t.as_deref())
    }

    /// Copy before write: in snapshot mode, writes out `key` (of `slot`)
    /// as it is now unless its group or the key itself was written
    /// already (see [`super::cow`]). Every path that changes a key goes
    /// through here first (via [`Db::table_mut`], [`Db::table_or_create`]),
    /// and [`Db::clear`] / [`Db::take_all`] hand unwritten groups over.
    #[inline]
    fn cow(&mut self, slot: u16, key: &[u8]) {
        if let Some(s) = self.snap.as_deref_mut() {
            let g = group_of(slot as usize);
            if !s.is_done(g) {
                s.before_change(g, self.slots.get(g).and_then(|t| t.as_deref()), key);
            }
        }
    }

    /// In snapshot mode, records that `key` (of `slot`) was created after
    /// T, so the walk of its group leaves it out.
    #[cold]
    fn note_created(&mut self, slot: u16, key: &[u8]) {
        if let Some(s) = self.snap.as_deref_mut() {
            let g = group_of(slot as usize);
            s.layout_changed(g);
            let e = self
                .slots
                .get(g)
                .and_then(|t| t.as_deref())
                .and_then(|t| t.keys.entry(key));
            if let Some(e) = e {
                s.created(g, super::cow::entry_id(e));
            }
        }
    }

    /// The table of `slot`, about to change `key`.
    fn table_mut(&mut self, slot: u16, key: &[u8]) -> Option<&mut SlotTable> {
        self.cow(slot, key);
        self.slots
            .get_mut(group_of(slot as usize))
            .and_then(|t| t.as_deref_mut())
    }

    /// The table of `slot` (created if needed), about to change `key`.
    fn table_or_create(&mut self, slot: u16, key: &[u8]) -> &mut SlotTable {
        self.cow(slot, key);
        if self.slots.is_empty() {
            self.slots.resize_with(GROUPS, || None);
        }
        self.slots[group_of(slot as usize)].get_or_insert_with(Default::default)
    }

    fn drop_table_if_empty(&mut self, slot: u16) {
        if let Some(t) = self.slots.get_mut(group_of(slot as usize)) {
            if t.as_ref().is_some_and(|t| t.keys.is_empty()) {
                *t = None;
            }
        }
    }

    /// Number of keys (including expired keys not yet removed).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the database has no keys.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of keys with an expiry time.
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// Removes `key` if its expiry time is at or before `now`; returns
    /// whether it must be treated as absent. On a replica (see
    /// [`set_expiry_mode`]) a due key is never removed: it reads as absent
    /// for clients and as present for the master's stream.
    fn expire_if_needed(&mut self, slot: u16, key: &[u8], now: u64) -> bool {
        let Some(t) = self.table(slot) else {
            return false;
        };
        if t.expires.is_empty() {
            return false;
        }
        match t.expires.get(key) {
            Some(&at) if at <= now => {
                match EXPIRY_MODE.load(Ordering::Relaxed) {
                    EXPIRY_DELETE => {}
                    EXPIRY_HIDE => return true,
                    _ => return false,
                }
                self.remove_in(slot, key);
                self.expired += 1;
                if self.log_flags & LOG_EXPIRED != 0 {
                    self.log.push((false, Bytes::copy_from_slice(key)));
                }
                if self.log_flags & LOG_JOURNAL != 0 {
                    self.jlog.push(Bytes::copy_from_slice(key));
                }
                true
            }
            _ => false,
        }
    }

    /// The value of `key`, expiring it first when due.
    pub fn get(&mut self, key: &[u8], now: u64) -> Option<&Value> {
        let slot = key_slot(key);
        if self.expire_if_needed(slot, key, now) {
            self.misses += 1;
            return None;
        }
        let found = self
            .slots
            .get_mut(group_of(slot as usize))
            .and_then(|t| t.as_deref_mut())
            .and_then(|t| t.keys.get_touch(key));
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        found
    }

    /// The value of `key` and its access clock, expiring it first when due,
    /// without recording an access (Redis' `LOOKUP_NOTOUCH`, as OBJECT
    /// looks keys up). Counts a hit or a miss like [`Db::get`].
    pub fn get_notouch(&mut self, key: &[u8], now: u64) -> Option<(&Value, u32)> {
        let slot = key_slot(key);
        if self.expire_if_needed(slot, key, now) {
            self.misses += 1;
            return None;
        }
        let found = self
            .slots
            .get(group_of(slot as usize))
            .and_then(|t| t.as_deref())
            .and_then(|t| t.keys.get_with_access(key));
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        found
    }

    /// The value of `key` for modification, expiring it first when due.
    pub fn get_mut(&mut self, key: &[u8], now: u64) -> Option<&mut Value> {
        let slot = key_slot(key);
        if self.expire_if_needed(slot, key, now) {
            return None;
        }
        self.table_mut(slot, key)?.keys.get_mut(key)
    }

    /// Whether `key` exists (and is not expired).
    pub fn contains(&mut self, key: &[u8], now: u64) -> bool {
        self.get(key, now).is_some()
    }

    /// Sets `key` to `value`. `keep_ttl` keeps an existing expiry time;
    /// otherwise the key becomes persistent (as SET without KEEPTTL).
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool) {
        let slot = key_slot(key);
        let t = self.table_or_create(slot, key);
        let mut removed_ttl = false;
        if !keep_ttl && !t.expires.is_empty() {
            removed_ttl = t.expires.remove(key).is_some();
        }
        let added = t.keys.insert(key, value);
        if added {
            if self.snap.is_some() {
                self.note_created(slot, key);
            }
            self.len += 1;
            if self.log_flags & LOG_NEW != 0 {
                self.log.push((true, Bytes::copy_from_slice(key)));
            }
        }
        if removed_ttl {
            self.volatile -= 1;
        }
    }

    /// Inserts `key` with an optional expiry time, replacing any old value
    /// and expiry (used by RENAME, COPY, MOVE and cross-shard put-back).
    pub fn insert(&mut self, key: &[u8], value: Value, expire_at: Option<u64>) {
        self.set(key, value, false);
        if let Some(at) = expire_at {
            self.set_expire(key, at);
        }
    }

    /// [`Db::insert`] for a value that was taken out of the database for
    /// a moment (it does not count as a new key for keyspace events).
    pub fn put_back(&mut self, key: &[u8], value: Value, expire_at: Option<u64>) {
        let flags = self.log_flags;
        self.log_flags &= !LOG_NEW;
        self.insert(key, value, expire_at);
        self.log_flags = flags;
    }

    fn remove_in(&mut self, slot: u16, key: &[u8]) -> Option<(Value, Option<u64>)> {
        let t = self.table_mut(slot, key)?;
        let v = t.keys.remove(key)?;
        let exp = if t.expires.is_empty() {
            None
        } else {
            t.expires.remove(key)
        };
        if let Some(s) = self.snap.as_deref_mut() {
            s.layout_changed(group_of(slot as usize));
        }
        self.len -= 1;
        if exp.is_some() {
            self.volatile -= 1;
        }
        self.drop_table_if_empty(slot);
        Some((v, exp))
    }

    /// Removes `key`, returning its value and expiry time. An expired key
    /// is removed and counts as absent.
    pub fn remove(&mut self, key: &[u8], now: u64) -> Option<(Value, Option<u64>)> {
        let slot = key_slot(key);
        if self.expire_if_needed(slot, key, now) {
            return None;
        }
        self.remove_in(slot, key)
    }

    /// The expiry time of `key` in Unix ms, if it has one.
    pub fn expire_at(&self, key: &[u8]) -> Option<u64> {
        self.table(key_slot(key))?.expires.get(key).copied()
    }

    /// Sets the expiry time of an existing key; returns false if absent.
    pub fn set_expire(&mut self, key: &[u8], at: u64) -> bool {
        let slot = key_slot(key);
        let Some(t) = self.table_mut(slot, key) else {
            return false;
        };
        if !t.keys.contains_key(key) {
            return false;
        }
        if let Some(old) = t.expires.get_mut(key) {
            *old = at;
        } else {
            t.expires.insert(Key::from_slice(key), at);
            self.volatile += 1;
        }
        true
    }

    /// The access clock of `key`, without touching it (expired or not).
    pub fn access_of(&self, key: &[u8]) -> Option<u32> {
        self.table(key_slot(key))?
            .keys
            .get_with_access(key)
            .map(|(_, a)| a)
    }

    /// Sets the access clock of `key` (LRU clock or LFU counter), for a
    /// value that keeps its history as it moves (RENAME, MOVE, cross-shard
    /// hand-over); returns whether the key is present.
    pub fn set_access(&mut self, key: &[u8], access: u32) -> bool {
        // The access clock is not part of an image: no copy before write.
        let t = self
            .slots
            .get_mut(group_of(key_slot(key) as usize))
            .and_then(|t| t.as_deref_mut());
        match t {
            Some(t) => t.keys.set_access(key, access),
            None => false,
        }
    }

    /// Removes `key` whatever its expiry time (eviction); returns whether
    /// it was there.
    pub fn evict(&mut self, key: &[u8]) -> bool {
        self.remove_in(key_slot(key), key).is_some()
    }

    /// Samples up to `n` keys for eviction: from random slot groups (a
    /// shard owns only some), `n` consecutive entries of a table from a
    /// random position, wrapping around (table order is hash order, so
    /// neighbours are as good as random picks), more groups while fewer
    /// were found. `volatile` samples only keys with an expiry time. `f`
    /// gets each key, its access clock and its expiry time.
    pub fn sample(
        &self,
        volatile: bool,
        n: usize,
        mut rand: impl FnMut() -> u64,
        mut f: impl FnMut(&Key, u32, Option<u64>),
    ) {
        /// Random groups tried before walking from one.
        const PROBES: usize = 64;
        let pool = if volatile { self.volatile } else { self.len };
        if pool == 0 || self.slots.is_empty() || n == 0 {
            return;
        }
        let mut found = 0;
        let mut take = |t: &SlotTable, found: &mut usize, rand: &mut dyn FnMut() -> u64| {
            if volatile {
                let Some(m) = t.expires.0.as_deref() else {
                    return;
                };
                let skip = (rand() % m.len().max(1) as u64) as usize;
                let run = m.iter().skip(skip).chain(m.iter().take(skip));
                for (k, &at) in run.take(n - *found) {
                    let access = t.keys.get_with_access(k.as_slice()).map_or(0, |(_, a)| a);
                    f(k, access, Some(at));
                    *found += 1;
                }
            } else {
                let len = t.keys.len();
                if len == 0 {
                    return;
                }
                let skip = (rand() % len as u64) as usize;
                let with_ttl = !t.expires.is_empty();
                let run = t.keys.entries().skip(skip);
                for e in run.chain(t.keys.entries().take(skip)).take(n - *found) {
                    let at = if with_ttl {
                        t.expires.get(e.key.as_slice()).copied()
                    } else {
                        None
                    };
                    f(&e.key, e.access(), at);
                    *found += 1;
                }
            }
        };
        for _ in 0..PROBES {
            if let Some(t) = self.slots[(rand() % GROUPS as u64) as usize].as_deref() {
                take(t, &mut found, &mut rand);
                if found >= n {
                    return;
                }
            }
        }
        let start = (rand() % GROUPS as u64) as usize;
        for i in 0..GROUPS {
            if let Some(t) = self.slots[(start + i) % GROUPS].as_deref() {
                take(t, &mut found, &mut rand);
                if found >= n {
                    return;
                }
            }
        }
    }

    /// A uniformly chosen key (among those with an expiry time if
    /// `volatile`), for the random eviction policies: the `r`-th key
    /// counting table by table (`r` below the number of keys, from
    /// `rand`). Costs a walk over the slot groups and part of one table.
    pub fn uniform_key(&self, volatile: bool, mut rand: impl FnMut() -> u64) -> Option<&Key> {
        let pool = if volatile { self.volatile } else { self.len };
        if pool == 0 {
            return None;
        }
        let mut r = (rand() % pool as u64) as usize;
        for t in self.slots.iter().filter_map(|t| t.as_deref()) {
            if volatile {
                let Some(m) = t.expires.0.as_deref() else {
                    continue;
                };
                if r < m.len() {
                    return m.keys().nth(r);
                }
                r -= m.len();
            } else {
                if r < t.keys.len() {
                    return t.keys.keys().nth(r);
                }
                r -= t.keys.len();
            }
        }
        None
    }

    /// Removes the expiry time of `key`; returns whether it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        let slot = key_slot(key);
        let Some(t) = self.table_mut(slot, key) else {
            return false;
        };
        if t.expires.remove(key).is_some() {
            self.volatile -= 1;
            true
        } else {
            false
        }
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.detach_for_snapshot();
        self.slots = Vec::new();
        self.len = 0;
        self.volatile = 0;
    }

    /// In snapshot mode, hands the tables not yet written out to the
    /// snapshot state (the keys are about to go).
    fn detach_for_snapshot(&mut self) {
        if let Some(s) = self.snap.as_deref_mut() {
            let slots = &mut self.slots;
            s.detach(|g| slots.get_mut(g).and_then(Option::take));
        }
    }

    /// Moves every key out into the returned database (FLUSHDB,
    /// FLUSHALL), leaving this one empty with its counters, recording
    /// flags, logs and snapshot state. In snapshot mode the tables still
    /// owed to the image stay with the snapshot, so the returned database
    /// may hold fewer tables than its [`Db::len`], which counts every
    /// removed key.
    pub fn take_all(&mut self) -> Db {
        self.detach_for_snapshot();
        let old = Db {
            slots: std::mem::take(&mut self.slots),
            len: self.len,
            volatile: self.volatile,
            ..Db::default()
        };
        self.len = 0;
        self.volatile = 0;
        old
    }

    /// Enters snapshot mode: the image being written is this database's
    /// keys as of now (`at`, Unix ms), filed under database `db_index`.
    /// An empty database has nothing to write and stays as it is.
    pub fn begin_snapshot(&mut self, db_index: usize, at: u64, compress: bool) {
        if self.len == 0 {
            return;
        }
        let slots = &self.slots;
        self.snap = Some(Box::new(DbSnapshot::new(db_index, at, compress, |g| {
            slots.get(g).is_some_and(|t| t.is_some())
        })));
    }

    /// The snapshot state, in snapshot mode.
    pub fn snapshot_mut(&mut self) -> Option<&mut DbSnapshot> {
        self.snap.as_deref_mut()
    }

    /// Whether the database is in snapshot mode.
    pub fn in_snapshot(&self) -> bool {
        self.snap.is_some()
    }

    /// One step of writing the image: serializes one table not yet
    /// written out. Returns false when nothing is left (or not in
    /// snapshot mode).
    pub fn snapshot_step(&mut self) -> bool {
        let Some(s) = self.snap.as_deref_mut() else {
            return false;
        };
        let slots = &self.slots;
        s.step(|g| slots.get(g).and_then(|t| t.as_deref()))
    }

    /// Leaves snapshot mode, returning the state (with any output not yet
    /// taken).
    pub fn end_snapshot(&mut self) -> Option<Box<DbSnapshot>> {
        self.snap.take()
    }

    /// The first slot at or after `from` whose table has keys: `from`
    /// itself when its group has keys, else the first slot of the next
    /// group that has.
    pub fn next_nonempty_slot(&self, from: usize) -> Option<usize> {
        let g = group_of(from);
        if self.slots.get(g).is_some_and(|t| t.is_some()) {
            return Some(from);
        }
        (g + 1..self.slots.len())
            .find(|&g| self.slots[g].is_some())
            .map(|g| g << GROUP_SHIFT)
    }

    /// The table holding the keys of `slot`: those of its whole group of
    /// slots (expired ones included; callers filter by time).
    pub fn slot_table(&self, slot: usize) -> Option<&SlotTable> {
        self.slots.get(group_of(slot)).and_then(|t| t.as_deref())
    }

    /// Every key of the database, with its table (slot order).
    pub fn tables(&self) -> impl Iterator<Item = (usize, &SlotTable)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.as_deref().map(|t| (i, t)))
    }

    /// Whether `key` (already looked up) is expired at `now`.
    pub fn is_expired(&self, key: &[u8], now: u64) -> bool {
        self.expire_at(key).is_some_and(|at| at <= now)
    }

    /// Active expiry: examines volatile keys of slots starting at `*cursor`,
    /// removing those that are due, until `budget` keys were examined or all
    /// slots were visited once. Returns (examined, expired).
    pub fn active_expire(&mut self, cursor: &mut usize, budget: usize, now: u64) -> (usize, usize) {
        if self.volatile == 0 || self.slots.is_empty() {
            return (0, 0);
        }
        let mut examined = 0;
        let mut removed = 0;
        let mut visited = 0;
        let mut due: Vec<Key> = Vec::new();
        while examined < budget && visited < GROUPS {
            let group = *cursor % GROUPS;
            *cursor = (group + 1) % GROUPS;
            visited += 1;
            let slot = group << GROUP_SHIFT;
            let Some(t) = self.slots[group].as_deref() else {
                continue;
            };
            if t.expires.is_empty() {
                continue;
            }
            due.clear();
            for (k, &at) in t.expires.iter() {
                examined += 1;
                if at <= now {
                    due.push(k.clone());
                }
            }
            for k in &due {
                if self.remove_in(slot as u16, k.as_slice()).is_some() {
                    removed += 1;
                    self.expired += 1;
                    if self.log_flags & LOG_EXPIRED != 0 {
                        self.log.push((false, Bytes::copy_from_slice(k.as_slice())));
                    }
                    if self.log_flags & LOG_JOURNAL != 0 {
                        self.jlog.push(Bytes::copy_from_slice(k.as_slice()));
                    }
                }
            }
        }
        (examined, removed)
    }

    /// A uniformly chosen slot among the non-empty ones is too costly to
    /// find; this picks a random key by probing random slots, then falling
    /// back to a linear walk from a random slot. `rand` supplies randomness.
    pub fn random_key(&self, mut rand: impl FnMut() -> u64) -> Option<&Key> {
        if self.len == 0 || self.slots.is_empty() {
            return None;
        }
        let start = (rand() % GROUPS as u64) as usize;
        for i in 0..GROUPS {
            let s = (start + i) % GROUPS;
            if let Some(t) = self.slots[s].as_deref() {
                let n = t.keys.len();
                if n == 0 {
                    continue;
                }
                let idx = (rand() % n as u64) as usize;
                return t.keys.keys().nth(idx);
            }
        }
        None
    }
}

/// All databases of one shard.
#[derive(Debug, Default)]
pub struct Store {
    /// Databases `0..databases`.
    pub dbs: Vec<Db>,
    /// The key log flags every database gets (see [`Store::set_key_log`]).
    log_flags: u8,
    /// [`LOG_JOURNAL`] while the write journal records, else 0.
    journal_flag: u8,
}

impl Store {
    /// A store with `n` empty databases.
    pub fn new(n: usize) -> Self {
        Store {
            dbs: (0..n).map(|_| Db::default()).collect(),
            log_flags: 0,
            journal_flag: 0,
        }
    }

    /// Makes every database record the key changes `flags` selects
    /// ([`LOG_EXPIRED`], [`LOG_NEW`]; 0 stops recording), for keyspace
    /// events. Databases created later get the same flags.
    pub fn set_key_log(&mut self, flags: u8) {
        if self.log_flags == flags {
            return;
        }
        self.log_flags = flags;
        let all = flags | self.journal_flag;
        for db in &mut self.dbs {
            db.log_flags = all;
        }
    }

    /// Starts or stops recording expired keys for the write journal
    /// (see [`crate::journal`]).
    pub fn set_journal_log(&mut self, on: bool) {
        let flag = if on { LOG_JOURNAL } else { 0 };
        if self.journal_flag == flag {
            return;
        }
        self.journal_flag = flag;
        let all = self.log_flags | flag;
        for db in &mut self.dbs {
            db.log_flags = all;
            if !on {
                db.jlog = Vec::new();
            }
        }
    }

    /// Whether expired keys are recorded for the journal.
    #[inline]
    pub fn journal_log_on(&self) -> bool {
        self.journal_flag != 0
    }

    /// Hands the keys expired since the last call to `f` as (database,
    /// key), and empties the journal's expiry log.
    #[inline]
    pub fn drain_journal_log(&mut self, mut f: impl FnMut(usize, Bytes)) {
        if self.journal_flag == 0 {
            return;
        }
        for (i, db) in self.dbs.iter_mut().enumerate() {
            if !db.jlog.is_empty() {
                for key in db.jlog.drain(..) {
                    f(i, key);
                }
            }
        }
    }

    /// Whether some database recorded key changes not yet drained.
    #[inline]
    pub fn has_logged(&self) -> bool {
        self.log_flags != 0 && self.dbs.iter().any(|d| !d.log.is_empty())
    }

    /// Hands the recorded key changes to `f` as (database, created, key),
    /// created `false` meaning expired, and empties the logs.
    pub fn drain_key_log(&mut self, mut f: impl FnMut(usize, bool, Bytes)) {
        for (i, db) in self.dbs.iter_mut().enumerate() {
            for (created, key) in db.log.drain(..) {
                f(i, created, key);
            }
        }
    }

    /// Database `i`, created on demand (scratch stores of cross-shard
    /// commands start with none).
    pub fn db(&mut self, i: usize) -> &mut Db {
        if self.dbs.len() <= i {
            let flags = self.log_flags | self.journal_flag;
            self.dbs.resize_with(i + 1, || Db {
                log_flags: flags,
                ..Db::default()
            });
        }
        &mut self.dbs[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_expire_remove() {
        let mut db = Db::default();
        db.set(b"a", Value::Int(1), false);
        db.set(b"b", Value::Int(2), false);
        assert_eq!(db.len(), 2);
        assert!(db.set_expire(b"a", 100));
        assert_eq!(db.volatile_len(), 1);
        assert!(db.get(b"a", 99).is_some());
        assert!(db.get(b"a", 100).is_none());
        assert_eq!(db.len(), 1);
        assert_eq!(db.volatile_len(), 0);
        assert!(db.remove(b"b", 0).is_some());
        assert!(db.is_empty());
        assert!(db.next_nonempty_slot(0).is_none());
    }

    #[test]
    fn active_expiry_removes_due_keys() {
        let mut db = Db::default();
        for i in 0..1000 {
            let k = format!("k{i}");
            db.set(k.as_bytes(), Value::Int(i), false);
            db.set_expire(k.as_bytes(), if i % 2 == 0 { 10 } else { 1000 });
        }
        let mut cursor = 0;
        let (_, removed) = db.active_expire(&mut cursor, 100_000, 500);
        assert_eq!(removed, 500);
        assert_eq!(db.len(), 500);
    }

    /// Tests of snapshot mode: the output, loaded as a file, must hold
    /// exactly the keys as they were at T.
    mod snapshot {
        use super::*;
        use crate::persistence::crc64::crc64;
        use crate::persistence::rdb::file::{self, write_header, FileMeta, OP_EOF};
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        type Image = BTreeMap<(usize, Vec<u8>), (Vec<u8>, Option<u64>)>;

        const T: u64 = 1_000_000;

        thread_local! {
            /// Whether [`key`] puts every key in one slot (one big group,
            /// which the background walk writes in several pieces).
            static ONE_SLOT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }

        fn key(i: usize) -> Vec<u8> {
            if ONE_SLOT.with(|c| c.get()) {
                format!("{{t}}key:{i}").into_bytes()
            } else {
                format!("key:{i}").into_bytes()
            }
        }

        /// The live keys of `db` at `now`, filed under database `index`.
        fn model(db: &Db, index: usize, now: u64, into: &mut Image) {
            for (_, t) in db.tables() {
                for (k, v) in t.keys.iter() {
                    let exp = t.expires.get(k.as_slice()).copied();
                    if exp.is_some_and(|e| e <= now) {
                        continue;
                    }
                    let v = v.to_vec().unwrap_or_default();
                    into.insert((index, k.as_slice().to_vec()), (v, exp));
                }
            }
        }

        /// Runs `n` background steps, moving the output to `body`.
        fn steps(db: &mut Db, n: usize, body: &mut Vec<u8>) {
            for _ in 0..n {
                if !db.snapshot_step() {
                    break;
                }
            }
            if let Some(s) = db.snapshot_mut() {
                body.extend(s.take_out());
            }
        }

        /// Writes everything left and leaves snapshot mode.
        fn finish(db: &mut Db, body: &mut Vec<u8>) {
            while db.snapshot_step() {}
            if let Some(mut s) = db.end_snapshot() {
                assert!(s.finished());
                body.extend(s.take_out());
            }
        }

        /// Loads a file made of a header, `body`, EOF and checksum.
        fn load(body: &[u8]) -> Image {
            let meta = FileMeta {
                ctime: 0,
                used_mem: 0,
                repl_id: "0".repeat(40),
                repl_offset: 0,
                repl_stream_db: 0,
            };
            let mut f = Vec::new();
            write_header(&mut f, &meta, false);
            f.extend_from_slice(body);
            f.push(OP_EOF);
            let crc = crc64(0, &f);
            f.extend_from_slice(&crc.to_le_bytes());
            let mut got = Image::new();
            file::load(&f, T, 16, |db, k, v, exp| {
                let v = v.to_vec().unwrap_or_default();
                assert!(got.insert((db, k), (v, exp)).is_none(), "key written twice");
            })
            .expect("the image loads");
            got
        }

        fn filled(n: usize) -> Db {
            let mut db = Db::default();
            for i in 0..n {
                db.set(
                    &key(i),
                    Value::from_bytes(format!("v{i}").as_bytes()),
                    false,
                );
                match i % 5 {
                    0 => {
                        db.set_expire(&key(i), T + 10_000 + i as u64);
                    }
                    1 => {
                        db.set_expire(&key(i), T - 1);
                    }
                    _ => {}
                }
            }
            db
        }

        #[test]
        fn changes_after_t_do_not_reach_the_image() {
            let mut db = filled(3000);
            let mut want = Image::new();
            model(&db, 7, T, &mut want);
            db.begin_snapshot(7, T, true);
            let mut body = Vec::new();
            steps(&mut db, 20, &mut body);
            for i in (0..3000).step_by(7) {
                db.set(&key(i), Value::from_bytes(b"new"), i % 2 == 0);
            }
            steps(&mut db, 20, &mut body);
            for i in (1..3000).step_by(11) {
                db.remove(&key(i), T);
            }
            for i in (2..3000).step_by(13) {
                db.set_expire(&key(i), T + 1);
                db.persist(&key(i + 1));
            }
            // Lazy and active expiry after T of keys live at T.
            assert!(db.get(&key(2), T + 5).is_none());
            let mut cursor = 0;
            db.active_expire(&mut cursor, 1_000_000, T + 20_000);
            for i in 3000..3500 {
                db.insert(&key(i), Value::Int(i as i64), Some(T + 50));
            }
            if let Some(v) = db.get_mut(&key(4), T) {
                *v = Value::from_bytes(b"changed in place");
            }
            db.evict(&key(6));
            finish(&mut db, &mut body);
            assert!(!db.in_snapshot());
            assert_eq!(load(&body), want);
        }

        #[test]
        fn a_change_copies_one_entry_not_its_group() {
            let mut db = filled(20_000);
            let mut want = Image::new();
            model(&db, 0, T, &mut want);
            db.begin_snapshot(0, T, false);
            db.set(&key(3), Value::Int(1), false);
            let one = db.snapshot_mut().map_or(0, |s| s.out_len());
            assert!(one > 0 && one < 64, "{one} bytes for one key");
            // Changing it again, or adding keys, copies nothing more.
            db.set(&key(3), Value::Int(2), false);
            db.set(b"brand new", Value::Int(3), false);
            db.remove(b"brand new", T);
            assert_eq!(db.snapshot_mut().map_or(0, |s| s.out_len()), one);
            let mut body = Vec::new();
            finish(&mut db, &mut body);
            assert_eq!(load(&body), want);
        }

        #[test]
        fn flush_during_snapshot_keeps_the_old_keys_in_the_image() {
            for take in [false, true] {
                let mut db = filled(2000);
                let mut want = Image::new();
                model(&db, 0, T, &mut want);
                db.begin_snapshot(0, T, false);
                let mut body = Vec::new();
                steps(&mut db, 50, &mut body);
                db.set(&key(10), Value::Int(1), false);
                if take {
                    let old = db.take_all();
                    assert_eq!(old.len(), 2000);
                } else {
                    db.clear();
                }
                assert!(db.is_empty());
                for i in 0..100 {
                    db.set(&key(i), Value::Int(-1), false);
                }
                finish(&mut db, &mut body);
                assert_eq!(load(&body), want);
                assert_eq!(db.len(), 100);
            }
        }

        #[test]
        fn swapdb_during_snapshot_keeps_keys_under_their_database_at_t() {
            let mut store = Store::new(3);
            for i in 0..500 {
                store.dbs[0].set(&key(i), Value::Int(0), false);
                store.dbs[1].set(&key(i + 1000), Value::Int(1), false);
            }
            let mut want = Image::new();
            for (i, db) in store.dbs.iter().enumerate() {
                model(db, i, T, &mut want);
            }
            for (i, db) in store.dbs.iter_mut().enumerate() {
                db.begin_snapshot(i, T, true);
            }
            assert!(
                !store.dbs[2].in_snapshot(),
                "an empty database has nothing to write"
            );
            let mut body = Vec::new();
            steps(&mut store.dbs[0], 10, &mut body);
            store.dbs.swap(0, 1);
            store.dbs[0].set(&key(5000), Value::Int(9), false);
            store.dbs[1].remove(&key(3), T);
            store.dbs.swap(1, 2);
            store.dbs[2].clear();
            for db in &mut store.dbs {
                finish(db, &mut body);
            }
            assert_eq!(load(&body), want);
        }

        #[derive(Debug, Clone)]
        enum Op {
            Set(usize, u8, bool),
            Del(usize),
            Expire(usize, u64),
            Persist(usize),
            Get(usize),
            GetMut(usize),
            ActiveExpire,
            Evict(usize),
            Clear,
            Take,
            Step(usize),
        }

        fn op() -> impl Strategy<Value = Op> {
            op_over(400, 8)
        }

        /// Operations on keys `0..keys`; background steps of 1 to
        /// `max_step - 1` pieces.
        fn op_over(keys: usize, max_step: usize) -> impl Strategy<Value = Op> {
            let k = 0usize..keys;
            prop_oneof![
                4 => (k.clone(), any::<u8>(), any::<bool>()).prop_map(|(k, v, keep)| Op::Set(k, v, keep)),
                2 => k.clone().prop_map(Op::Del),
                2 => (k.clone(), 0u64..200).prop_map(|(k, d)| Op::Expire(k, d)),
                1 => k.clone().prop_map(Op::Persist),
                2 => k.clone().prop_map(Op::Get),
                1 => k.clone().prop_map(Op::GetMut),
                1 => Just(Op::ActiveExpire),
                1 => k.clone().prop_map(Op::Evict),
                1 => prop_oneof![Just(Op::Clear), Just(Op::Take)],
                3 => (1usize..max_step).prop_map(Op::Step),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn image_is_the_state_at_t(
                before in proptest::collection::vec(op(), 0..300),
                after in proptest::collection::vec(op(), 0..300),
            ) {
                ONE_SLOT.with(|c| c.set(false));
                check_image(0, &before, &after)?;
            }

            /// The same with every key in one group, more keys than one
            /// piece of the walk: changes between pieces (adds and removes
            /// that reorder the table included) keep the image at T.
            #[test]
            fn image_is_the_state_at_t_for_a_group_written_in_pieces(
                before in proptest::collection::vec(op_over(1200, 8), 0..300),
                after in proptest::collection::vec(op_over(1200, 2), 0..400),
            ) {
                ONE_SLOT.with(|c| c.set(true));
                check_image(1000, &before, &after)?;
            }
        }

        /// Keys `0..prefill`, then `before`, then T, then `after` with the
        /// background walk's steps among them: the image equals the state
        /// at T.
        fn check_image(prefill: usize, before: &[Op], after: &[Op]) -> Result<(), TestCaseError> {
            {
                // Time moves forward by 1 ms per operation; T falls between
                // the two sequences.
                let mut now = T - before.len() as u64 - 1;
                let mut db = Db::default();
                let mut body = Vec::new();
                let apply = |db: &mut Db, op: &Op, now: u64, body: &mut Vec<u8>| match *op {
                    Op::Set(k, v, keep) => db.set(&key(k), Value::from_bytes(&[v]), keep),
                    Op::Del(k) => {
                        db.remove(&key(k), now);
                    }
                    Op::Expire(k, d) => {
                        db.set_expire(&key(k), now + d);
                    }
                    Op::Persist(k) => {
                        db.persist(&key(k));
                    }
                    Op::Get(k) => {
                        db.get(&key(k), now);
                    }
                    Op::GetMut(k) => {
                        if let Some(v) = db.get_mut(&key(k), now) {
                            *v = Value::Int(now as i64);
                        }
                    }
                    Op::ActiveExpire => {
                        let mut c = 0;
                        db.active_expire(&mut c, 50, now);
                    }
                    Op::Evict(k) => {
                        db.evict(&key(k));
                    }
                    Op::Clear => db.clear(),
                    Op::Take => {
                        db.take_all();
                    }
                    Op::Step(n) => steps(db, n, body),
                };
                for i in 0..prefill {
                    db.set(&key(i), Value::Int(i as i64), false);
                }
                for o in before {
                    apply(&mut db, o, now, &mut body);
                    now += 1;
                }
                prop_assert!(body.is_empty());
                let mut want = Image::new();
                model(&db, 3, T, &mut want);
                db.begin_snapshot(3, T, true);
                now = T;
                for o in after {
                    apply(&mut db, o, now, &mut body);
                    now += 1;
                }
                finish(&mut db, &mut body);
                prop_assert_eq!(load(&body), want);
            }
            Ok(())
        }
    }
}
