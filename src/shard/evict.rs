//! The memory limit (`maxmemory`) and eviction, as Redis 7.0's `evict.c`
//! behaves, for a keyspace split over shards.
//!
//! **Access clock.** Every key entry keeps 24 bits of access data, as a
//! Redis object's `lru` field: under the LRU and other non-LFU policies the
//! LRU clock (Unix seconds modulo 2^24) of its last access; under the LFU
//! policies the minute of its last counter decrement (16 bits) and a
//! logarithmic access counter (8 bits, starting at [`LFU_INIT_VAL`]).
//! Lookups update it ([`touch`]); OBJECT reads it without updating it.
//! The clock is a cached process-wide value refreshed by every shard's cron
//! ([`tick`]), as Redis caches `server.lruclock`.
//!
//! **Eviction.** Memory is process-wide (the allocator's exact count,
//! [`crate::alloc::used_memory`]) while keys belong to shards. Before each
//! command, when `maxmemory` is set and exceeded, the command's shard
//! evicts keys of its own ([`make_room`]): it samples `maxmemory-samples`
//! keys per database into a pool of the best candidates ([`Pool`], Redis'
//! eviction pool of 16) and removes the best, until memory is under the
//! limit or the time budget set by `maxmemory-eviction-tenacity` is spent.
//! A shard with nothing left to evict asks the other shards in turn. Every
//! shard's cron also evicts while memory is over the limit, so shards that
//! receive no commands give back their share and an interrupted eviction
//! goes on. When nothing can be evicted anywhere (or the policy is
//! `noeviction`), commands flagged `denyoom` get [`OOM_ERROR`].

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::keyspace::{Key, Store};
use super::ShardState;
use bytes::Bytes;

use crate::commands::spec::CommandSpec;
use crate::config::MaxmemoryPolicy;
use crate::dispatch::gate::LockOp;
use crate::notify::{self, KeyEvent};

/// Redis' reply to a `denyoom` command when memory stays over the limit.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Largest LRU clock value (24 bits).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// Milliseconds per LRU clock unit.
pub const LRU_CLOCK_RESOLUTION: u64 = 1000;
/// Counter of a new key under an LFU policy, so it is not evicted at once.
pub const LFU_INIT_VAL: u8 = 5;
/// Candidates kept between eviction rounds (Redis' `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

static LFU_MODE: AtomicBool = AtomicBool::new(false);
static UNSHARED_INTEGERS: AtomicBool = AtomicBool::new(false);
static LFU_LOG_FACTOR: AtomicU32 = AtomicU32::new(10);
static LFU_DECAY_TIME: AtomicU32 = AtomicU32::new(1);
static CLOCK_SECS: AtomicU64 = AtomicU64::new(0);

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

/// The numeric code of `p` (its value in the `maxmemory-policy` table), as
/// [`crate::server::shared::ServerShared`] keeps it in an atomic.
pub fn policy_code(p: MaxmemoryPolicy) -> u32 {
    match p {
        MaxmemoryPolicy::VolatileLru => 0,
        MaxmemoryPolicy::VolatileLfu => 1,
        MaxmemoryPolicy::VolatileRandom => 2,
        MaxmemoryPolicy::VolatileTtl => 3,
        MaxmemoryPolicy::AllkeysLru => 4,
        MaxmemoryPolicy::AllkeysLfu => 5,
        MaxmemoryPolicy::AllkeysRandom => 6,
        MaxmemoryPolicy::NoEviction => 7,
    }
}

/// The policy of code `c` (see [`policy_code`]).
pub fn policy_of(c: u32) -> MaxmemoryPolicy {
    match c {
        0 => MaxmemoryPolicy::VolatileLru,
        1 => MaxmemoryPolicy::VolatileLfu,
        2 => MaxmemoryPolicy::VolatileRandom,
        3 => MaxmemoryPolicy::VolatileTtl,
        4 => MaxmemoryPolicy::AllkeysLru,
        5 => MaxmemoryPolicy::AllkeysLfu,
        6 => MaxmemoryPolicy::AllkeysRandom,
        _ => MaxmemoryPolicy::NoEviction,
    }
}

/// Whether `p` tracks access frequency (LFU) rather than recency.
pub fn is_lfu(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu
    )
}

/// Whether `p` only evicts keys with an expiry time.
pub fn is_volatile(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLru
            | MaxmemoryPolicy::VolatileLfu
            | MaxmemoryPolicy::VolatileRandom
            | MaxmemoryPolicy::VolatileTtl
    )
}

/// Whether `p` evicts by access (LRU or LFU): with a memory limit, Redis
/// then gives every integer value an object of its own (no shared
/// integers), so each has its own access data.
pub fn tracks_access(p: MaxmemoryPolicy) -> bool {
    matches!(
        p,
        MaxmemoryPolicy::VolatileLru
            | MaxmemoryPolicy::AllkeysLru
            | MaxmemoryPolicy::VolatileLfu
            | MaxmemoryPolicy::AllkeysLfu
    )
}

/// Sets how lookups maintain the access clock (from the configuration:
/// whether the policy is an LFU one, whether small integers stop being
/// shared objects (see [`tracks_access`]), `lfu-log-factor`,
/// `lfu-decay-time`).
pub fn set_access_tracking(lfu: bool, unshared_integers: bool, log_factor: u32, decay_time: u32) {
    LFU_MODE.store(lfu, Ordering::Relaxed);
    UNSHARED_INTEGERS.store(unshared_integers, Ordering::Relaxed);
    LFU_LOG_FACTOR.store(log_factor, Ordering::Relaxed);
    LFU_DECAY_TIME.store(decay_time, Ordering::Relaxed);
}

/// Whether small integer values are objects of their own in Redis now
/// (`maxmemory` set with an LRU or LFU policy): OBJECT REFCOUNT then
/// answers 1 for them.
pub fn unshared_integers() -> bool {
    UNSHARED_INTEGERS.load(Ordering::Relaxed)
}

/// Whether access clocks hold LFU data now.
#[inline]
pub fn lfu_enabled() -> bool {
    LFU_MODE.load(Ordering::Relaxed)
}

// ---------------------------------------------------------------------------
// Clock and counters
// ---------------------------------------------------------------------------

fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Refreshes the cached clock (every shard's cron calls it).
pub fn tick() {
    CLOCK_SECS.store(unix_secs(), Ordering::Relaxed);
}

#[inline]
fn clock_secs() -> u64 {
    let s = CLOCK_SECS.load(Ordering::Relaxed);
    if s != 0 {
        return s;
    }
    tick();
    CLOCK_SECS.load(Ordering::Relaxed)
}

/// The LRU clock of Unix time `secs`.
#[inline]
pub fn lru_clock_at(secs: u64) -> u32 {
    (secs as u32) & LRU_CLOCK_MAX
}

/// The current LRU clock.
#[inline]
pub fn lru_clock() -> u32 {
    lru_clock_at(clock_secs())
}

/// The LFU minute clock (16 bits) of Unix time `secs`.
#[inline]
pub fn lfu_minutes_at(secs: u64) -> u32 {
    ((secs / 60) & 0xffff) as u32
}

/// Milliseconds since `access` (an LRU clock value) at LRU clock `now`,
/// allowing for one wrap of the 24-bit clock.
pub fn idle_ms(now: u32, access: u32) -> u64 {
    let access = access & LRU_CLOCK_MAX;
    let units = if now >= access {
        now - access
    } else {
        now + (LRU_CLOCK_MAX - access)
    };
    units as u64 * LRU_CLOCK_RESOLUTION
}

/// Minutes from `ldt` to `now` on the 16-bit minute clock (one wrap).
pub fn lfu_elapsed(now: u32, ldt: u32) -> u32 {
    if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    }
}

/// The LFU counter of `access` after decay at minute `now`: one less per
/// `decay_time` minutes since its last decrement (0: no decay).
pub fn lfu_decayed(access: u32, now: u32, decay_time: u32) -> u8 {
    let ldt = access >> 8;
    let counter = (access & 255) as u8;
    let periods = lfu_elapsed(now, ldt).checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods.min(255) as u8)
}

/// The counter after one access: incremented with probability
/// `1 / ((counter - LFU_INIT_VAL) * factor + 1)`, `r` being uniform in
/// `[0, 1)`. Saturates at 255.
pub fn lfu_log_incr(counter: u8, factor: u32, r: f64) -> u8 {
    if counter == 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The access clock of a new key.
#[inline]
pub fn initial_access() -> u32 {
    if lfu_enabled() {
        (lfu_minutes_at(clock_secs()) << 8) | LFU_INIT_VAL as u32
    } else {
        lru_clock()
    }
}

/// The access clock of a key whose value was replaced: an LFU counter is
/// kept (as Redis' `dbOverwrite`), an LRU clock set to now.
#[inline]
pub fn overwritten_access(old: u32) -> u32 {
    if lfu_enabled() {
        old
    } else {
        lru_clock()
    }
}

/// Records one access.
#[inline]
pub fn touch(access: &mut u32) {
    if lfu_enabled() {
        let now = lfu_minutes_at(clock_secs());
        let counter = lfu_decayed(*access, now, LFU_DECAY_TIME.load(Ordering::Relaxed));
        let counter = lfu_log_incr(
            counter,
            LFU_LOG_FACTOR.load(Ordering::Relaxed),
            random_unit(),
        );
        *access = (now << 8) | counter as u32;
    } else {
        *access = lru_clock();
    }
}

/// OBJECT FREQ of a key with access clock `access` (decayed, not stored).
pub fn frequency(access: u32) -> u8 {
    lfu_decayed(
        access,
        lfu_minutes_at(clock_secs()),
        LFU_DECAY_TIME.load(Ordering::Relaxed),
    )
}

/// OBJECT IDLETIME (seconds) of a key with access clock `access`.
pub fn idle_seconds(access: u32) -> u64 {
    idle_ms(lru_clock(), access) / 1000
}

// ---------------------------------------------------------------------------
// Per-thread state: randomness, the last touched entry (every shard is
// one thread)
// ---------------------------------------------------------------------------

thread_local! {
    static RNG: Cell<u64> = const { Cell::new(0) };
    /// The entry the running command touched last (its address).
    static LAST_TOUCHED: Cell<usize> = const { Cell::new(0) };
}

/// Marks the start of a command on this thread (see [`first_touch`]).
#[inline]
pub fn begin_command() {
    LAST_TOUCHED.with(|c| c.set(0));
}

/// Whether the entry at `addr` is not the one the running command touched
/// last, recording it: handlers often look a key up twice (read, then
/// write back), where Redis looks it up once and counts one access.
#[inline]
pub fn first_touch(addr: usize) -> bool {
    LAST_TOUCHED.with(|c| c.replace(addr) != addr)
}

/// A pseudo-random 64-bit number (xorshift64*, seeded per thread).
pub fn random_u64() -> u64 {
    RNG.with(|c| {
        let mut x = c.get();
        if x == 0 {
            x = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                ^ (c as *const Cell<u64> as u64).rotate_left(32)
                | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        c.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

// ---------------------------------------------------------------------------
// The eviction pool
// ---------------------------------------------------------------------------

/// One eviction candidate.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// How good a candidate it is: the higher the better (idle time in ms,
    /// 255 minus the LFU counter, or `u64::MAX` minus the expiry time).
    pub score: u64,
    /// Its database.
    pub db: usize,
    /// The key.
    pub key: Key,
}

/// The best eviction candidates seen so far, ascending by score (Redis'
/// eviction pool): kept between rounds, so each round's few samples add to
/// what earlier rounds found.
#[derive(Debug, Default)]
pub struct Pool {
    entries: Vec<Candidate>,
}

impl Pool {
    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The candidates, ascending by score.
    pub fn candidates(&self) -> &[Candidate] {
        &self.entries
    }

    /// Offers a sampled key: kept if the pool has room or the key beats the
    /// worst candidate (which is then dropped). A key already in the pool
    /// gets its new score.
    pub fn offer(&mut self, db: usize, key: &Key, score: u64) {
        if let Some(i) = self
            .entries
            .iter()
            .position(|c| c.db == db && c.key == *key)
        {
            self.entries.remove(i);
        }
        let k = self.entries.partition_point(|c| c.score < score);
        if self.entries.len() < POOL_SIZE {
            self.entries.insert(
                k,
                Candidate {
                    score,
                    db,
                    key: key.clone(),
                },
            );
        } else if k > 0 {
            self.entries.remove(0);
            self.entries.insert(
                k - 1,
                Candidate {
                    score,
                    db,
                    key: key.clone(),
                },
            );
        }
    }

    /// Recomputes every candidate's score with `current` (`None`: the key
    /// is gone), keeping the order.
    pub fn rescore(&mut self, mut current: impl FnMut(&Candidate) -> Option<u64>) {
        self.entries.retain_mut(|c| match current(c) {
            Some(s) => {
                c.score = s;
                true
            }
            None => false,
        });
        self.entries.sort_by_key(|c| c.score);
    }

    /// The score of the best candidate.
    pub fn best_score(&self) -> Option<u64> {
        self.entries.last().map(|c| c.score)
    }

    /// Takes the best candidate.
    pub fn pop_best(&mut self) -> Option<Candidate> {
        self.entries.pop()
    }

    /// Forgets every candidate. (Nothing requires it: a candidate whose key
    /// is gone is skipped, one whose key was used since is re-scored.)
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Eviction score of a sampled key under `policy` (higher: evict sooner).
pub fn score(policy: MaxmemoryPolicy, access: u32, expire_at: Option<u64>) -> u64 {
    match policy {
        MaxmemoryPolicy::VolatileTtl => u64::MAX - expire_at.unwrap_or(u64::MAX),
        MaxmemoryPolicy::VolatileLfu | MaxmemoryPolicy::AllkeysLfu => {
            255 - frequency(access) as u64
        }
        _ => idle_ms(lru_clock(), access),
    }
}

/// Per-shard eviction state.
#[derive(Debug, Default)]
pub struct Evictor {
    /// Candidates for the sampling policies.
    pub pool: Pool,
    /// Next database the random policies take a key from.
    next_db: usize,
}

impl Evictor {
    /// One sampling round of a sampling policy: offers `samples` keys of
    /// every database to the pool. Returns false when no key qualifies.
    pub fn fill(&mut self, store: &Store, policy: MaxmemoryPolicy, samples: usize) -> bool {
        let volatile = is_volatile(policy);
        let mut any = false;
        for (i, db) in store.dbs.iter().enumerate() {
            let n = if volatile {
                db.volatile_len()
            } else {
                db.len()
            };
            if n == 0 {
                continue;
            }
            any = true;
            let pool = &mut self.pool;
            db.sample(volatile, samples, random_u64, |k, access, at| {
                pool.offer(i, k, score(policy, access, at))
            });
        }
        any
    }

    /// Chooses the next key to evict from `store` under `policy` and
    /// removes it; returns its (database, key), or `None` when no key
    /// qualifies.
    pub fn evict_one(
        &mut self,
        store: &mut Store,
        policy: MaxmemoryPolicy,
        samples: usize,
    ) -> Option<(usize, Key)> {
        let volatile = is_volatile(policy);
        match policy {
            MaxmemoryPolicy::NoEviction => None,
            MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom => {
                let n = store.dbs.len();
                for _ in 0..n {
                    let i = self.next_db % n.max(1);
                    self.next_db = self.next_db.wrapping_add(1);
                    let db = &mut store.dbs[i];
                    let picked = db.uniform_key(volatile, random_u64).cloned();
                    if let Some(k) = picked {
                        if db.evict(k.as_slice()) {
                            return Some((i, k));
                        }
                    }
                }
                None
            }
            _ => {
                // Sampling policies: as Redis, fill the pool from every
                // database, then evict the best candidate that still exists
                // (candidates can be stale: deleted or changed since).
                loop {
                    if !self.fill(store, policy, samples) {
                        self.pool.clear();
                        return None;
                    }
                    while let Some(c) = self.pool.pop_best() {
                        let Some(db) = store.dbs.get_mut(c.db) else {
                            continue;
                        };
                        let Some(access) = db.access_of(c.key.as_slice()) else {
                            continue;
                        };
                        let at = db.expire_at(c.key.as_slice());
                        if volatile && at.is_none() {
                            continue;
                        }
                        // The key may have been used since it was sampled:
                        // if it is no longer the best, it goes back with
                        // its current score.
                        let now = score(policy, access, at);
                        if now < c.score && self.pool.best_score().is_some_and(|b| b > now) {
                            self.pool.offer(c.db, &c.key, now);
                            continue;
                        }
                        if db.evict(c.key.as_slice()) {
                            return Some((c.db, c.key));
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Making room
// ---------------------------------------------------------------------------

/// Memory stays over `maxmemory` and nothing more can be evicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory;

/// What one shard's eviction achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Memory is at or under the limit.
    Under,
    /// Keys were evicted but the time budget ran out (or the shard is held
    /// by a transaction): eviction goes on later, as Redis' `EVICT_RUNNING`.
    Running,
    /// Nothing left to evict on this shard (or the policy evicts nothing).
    Empty,
}

/// The eviction time budget of `tenacity` (`maxmemory-eviction-tenacity`):
/// 50 µs per unit up to 10, then growing 15% per unit, unlimited at 100.
pub fn time_limit(tenacity: u32) -> Option<Duration> {
    if tenacity <= 10 {
        Some(Duration::from_micros(50 * tenacity as u64))
    } else if tenacity < 100 {
        Some(Duration::from_micros(
            (500.0 * 1.15f64.powf(tenacity as f64 - 10.0)) as u64,
        ))
    } else {
        None
    }
}

/// Whether used memory exceeds `maxmemory` (false when there is none).
#[inline]
pub fn over_limit(shard: &ShardState) -> bool {
    let limit = shard.shared.maxmemory.load(Ordering::Relaxed);
    limit > 0 && crate::alloc::used_memory() > limit
}

/// Number of keys of `store` that `policy` may evict.
fn evictable(store: &Store, policy: MaxmemoryPolicy) -> u64 {
    if is_volatile(policy) {
        store.dbs.iter().map(|d| d.volatile_len() as u64).sum()
    } else {
        store.dbs.iter().map(|d| d.len() as u64).sum()
    }
}

/// Publishes what `shard` could evict (its number of evictable keys, and
/// under a sampling policy the score of its best candidate) and returns
/// the shard that should evict now, so that eviction approximates one
/// policy over all keys whichever shard the clients are connected to:
/// under the sampling policies, the shard whose best candidate is the
/// best of all (as last published; `hint`, the shard of the command's key,
/// on ties); under the random ones, a shard drawn with probability
/// proportional to its number of keys.
pub fn choose_shard(shard: &ShardState, hint: usize) -> usize {
    let shared = &shard.shared;
    let policy = policy_of(shared.maxmemory_policy.load(Ordering::Relaxed));
    let store = shard.store.borrow();
    let own = evictable(&store, policy);
    if let Some(c) = shared.evictable_keys.get(shard.id) {
        c.store(own, Ordering::Relaxed);
    }
    match policy {
        MaxmemoryPolicy::NoEviction => shard.id,
        MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom => {
            let counts: Vec<u64> = shared
                .evictable_keys
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                return hint;
            }
            let mut r = random_u64() % total;
            for (i, &n) in counts.iter().enumerate() {
                if r < n {
                    return i;
                }
                r -= n;
            }
            hint
        }
        _ => {
            let mut ev = shard.evict.borrow_mut();
            if ev.pool.is_empty() && own > 0 {
                let samples = shared.maxmemory_samples.load(Ordering::Relaxed).max(1);
                ev.fill(&store, policy, samples as usize);
            }
            publish_best(shard, policy, ev.pool.best_score());
            let best: Vec<u64> = shared
                .eviction_best
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect();
            let max = best.iter().copied().max().unwrap_or(0);
            if max == 0 || best.get(hint) == Some(&max) {
                hint
            } else if best.get(shard.id) == Some(&max) {
                shard.id
            } else {
                best.iter().position(|&b| b == max).unwrap_or(hint)
            }
        }
    }
}

/// Publishes the score of `shard`'s best candidate (0: none). Under the
/// LRU policies an idle time grows while it waits to be compared, so what
/// is published is the idle time minus the clock at publication: shards
/// that published at different times compare as if all had published now.
fn publish_best(shard: &ShardState, policy: MaxmemoryPolicy, best: Option<u64>) {
    let value = best.map_or(0, |s| {
        let s = if matches!(
            policy,
            MaxmemoryPolicy::AllkeysLru | MaxmemoryPolicy::VolatileLru
        ) {
            s.saturating_add(1 << 62)
                .saturating_sub(clock_secs().saturating_mul(LRU_CLOCK_RESOLUTION))
        } else {
            s
        };
        s.saturating_add(1)
    });
    if let Some(c) = shard.shared.eviction_best.get(shard.id) {
        c.store(value, Ordering::Relaxed);
    }
}

/// Evicts keys of `shard` until used memory is at or under `maxmemory`,
/// the time budget is spent, or the shard has nothing left to evict.
pub fn evict_local(shard: &ShardState) -> Outcome {
    let shared = &shard.shared;
    let limit = shared.maxmemory.load(Ordering::Relaxed);
    if limit == 0 || crate::alloc::used_memory() <= limit {
        return Outcome::Under;
    }
    let policy = policy_of(shared.maxmemory_policy.load(Ordering::Relaxed));
    if policy == MaxmemoryPolicy::NoEviction {
        return Outcome::Empty;
    }
    if !shard.gate.borrow().is_open() {
        return Outcome::Running;
    }
    let samples = shared.maxmemory_samples.load(Ordering::Relaxed).max(1) as usize;
    let budget = time_limit(shared.eviction_tenacity.load(Ordering::Relaxed));
    let want_events = notify::wanted(shared);
    let start = Instant::now();
    let mut events: Vec<KeyEvent> = Vec::new();
    let mut evicted = 0u64;
    let outcome = {
        let mut store = shard.store.borrow_mut();
        let mut ev = shard.evict.borrow_mut();
        loop {
            if crate::alloc::used_memory() <= limit {
                break Outcome::Under;
            }
            let Some((db, key)) = ev.evict_one(&mut store, policy, samples) else {
                break Outcome::Empty;
            };
            evicted += 1;
            // Replicas and the AOF see an eviction as a DEL.
            crate::journal::record_command(
                shard,
                None,
                db,
                &[
                    bytes::Bytes::from_static(b"DEL"),
                    bytes::Bytes::copy_from_slice(key.as_slice()),
                ],
            );
            if want_events {
                events.push(KeyEvent {
                    class: notify::class::EVICTED,
                    event: "evicted",
                    db,
                    key: bytes::Bytes::copy_from_slice(key.as_slice()),
                });
            }
            if evicted.is_multiple_of(16) && budget.is_some_and(|b| start.elapsed() > b) {
                break if crate::alloc::used_memory() <= limit {
                    Outcome::Under
                } else {
                    Outcome::Running
                };
            }
        }
    };
    if evicted > 0 {
        if let Some(c) = shared.evictable_keys.get(shard.id) {
            c.store(evictable(&shard.store.borrow(), policy), Ordering::Relaxed);
        }
        publish_best(shard, policy, shard.evict.borrow().pool.best_score());
        shard.stats.borrow_mut().evicted_keys += evicted;
        if !events.is_empty() {
            notify::dispatch(shard, &events);
        }
    }
    outcome
}

async fn evict_on(shard: &Rc<ShardState>, target: usize) -> Outcome {
    if target == shard.id {
        return evict_local(shard);
    }
    let out = shard
        .call(target, LockOp::None, Box::new(|s| Box::new(evict_local(s))))
        .await;
    out.and_then(|o| o.downcast::<Outcome>().ok())
        .map_or(Outcome::Empty, |o| *o)
}

/// Makes room before a command runs (Redis' `performEvictions`): evicts on
/// this shard, or on the one with clearly more evictable keys (see
/// [`choose_shard`]), then, if that one has nothing left to evict, on the
/// others in turn. `Err` means memory stays over the limit with nothing
/// evictable: commands flagged `denyoom` must then be refused with
/// [`OOM_ERROR`]. Returns at once when `maxmemory` is 0 or not reached.
/// Call it before taking any shard's lock: it may run a job on another
/// shard, which waits for that shard's lock to be free.
pub async fn make_room(shard: &Rc<ShardState>) -> Result<(), OutOfMemory> {
    make_room_on(shard, shard.id).await
}

/// [`make_room`] before running `spec` with `args`: eviction starts on the
/// shard of the command's first key, where its write will add memory.
/// `scratch` is reused for key positions.
pub async fn make_room_for(
    shard: &Rc<ShardState>,
    spec: &CommandSpec,
    args: &[Bytes],
    scratch: &mut Vec<usize>,
) -> Result<(), OutOfMemory> {
    if !over_limit(shard) {
        return Ok(());
    }
    spec.keys.key_indexes(args, scratch);
    let hint = scratch
        .first()
        .and_then(|&i| args.get(i))
        .map_or(shard.id, |k| shard.slot_map.shard_of_key(k));
    make_room_on(shard, hint).await
}

async fn make_room_on(shard: &Rc<ShardState>, hint: usize) -> Result<(), OutOfMemory> {
    if !over_limit(shard) {
        return Ok(());
    }
    let policy = policy_of(shard.shared.maxmemory_policy.load(Ordering::Relaxed));
    if policy == MaxmemoryPolicy::NoEviction {
        return Err(OutOfMemory);
    }
    let first = choose_shard(shard, hint);
    match evict_on(shard, first).await {
        Outcome::Under | Outcome::Running => return Ok(()),
        Outcome::Empty => {}
    }
    for i in 0..shard.nshards {
        let target = (shard.id + i) % shard.nshards;
        if target == first {
            continue;
        }
        match evict_on(shard, target).await {
            Outcome::Under | Outcome::Running => return Ok(()),
            Outcome::Empty => {}
        }
    }
    if over_limit(shard) {
        Err(OutOfMemory)
    } else {
        Ok(())
    }
}

/// The cron's part: refreshes the clock; with a memory limit, adds one
/// sampling round to the candidate pool (so the published best candidate
/// stays current) and, while memory is over the limit, evicts this
/// shard's keys within the time budget if they are the ones to evict.
pub fn cron(shard: &ShardState) {
    tick();
    let shared = &shard.shared;
    if shared.maxmemory.load(Ordering::Relaxed) == 0 {
        return;
    }
    let policy = policy_of(shared.maxmemory_policy.load(Ordering::Relaxed));
    if policy == MaxmemoryPolicy::NoEviction {
        return;
    }
    if !matches!(
        policy,
        MaxmemoryPolicy::AllkeysRandom | MaxmemoryPolicy::VolatileRandom
    ) && shard.gate.borrow().is_open()
    {
        let samples = shared.maxmemory_samples.load(Ordering::Relaxed).max(1) as usize;
        let store = shard.store.borrow();
        let mut ev = shard.evict.borrow_mut();
        // Keys used or deleted since they were sampled: the published best
        // candidate must be current.
        ev.pool.rescore(|c| {
            let db = store.dbs.get(c.db)?;
            let access = db.access_of(c.key.as_slice())?;
            let at = db.expire_at(c.key.as_slice());
            if is_volatile(policy) && at.is_none() {
                return None;
            }
            Some(score(policy, access, at))
        });
        ev.fill(&store, policy, samples);
    }
    if choose_shard(shard, shard.id) == shard.id && over_limit(shard) {
        let _ = evict_local(shard);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_idle_time_wraps() {
        assert_eq!(idle_ms(100, 90), 10_000);
        assert_eq!(idle_ms(5, 5), 0);
        // The clock wrapped since the access.
        assert_eq!(idle_ms(3, LRU_CLOCK_MAX - 2), 5_000);
        assert_eq!(lru_clock_at(1 << 24), 0);
        assert_eq!(lru_clock_at((1 << 24) + 7), 7);
    }

    #[test]
    fn lfu_counter_grows_logarithmically() {
        // Factor 0 (or any factor under LFU_INIT_VAL): every access counts.
        assert_eq!(lfu_log_incr(5, 0, 0.99), 6);
        assert_eq!(lfu_log_incr(3, 10, 0.99), 4);
        assert_eq!(lfu_log_incr(255, 0, 0.0), 255);
        // Counter 15, factor 10: p = 1/101.
        assert_eq!(lfu_log_incr(15, 10, 0.0098), 16);
        assert_eq!(lfu_log_incr(15, 10, 0.0100), 15);
        // A million accesses with factor 10 stay far from saturation, as
        // Redis' table says (about 255 needs 1M hits at factor 10... and
        // 100 hits reach about 10 to 20).
        let mut c = LFU_INIT_VAL;
        let mut x = 12345u64;
        for _ in 0..100 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c = lfu_log_incr(c, 10, (x >> 11) as f64 / (1u64 << 53) as f64);
        }
        assert!((8..=25).contains(&c), "{c}");
    }

    #[test]
    fn lfu_counter_decays_per_period() {
        let access = (100 << 8) | 20;
        assert_eq!(lfu_decayed(access, 100, 1), 20);
        assert_eq!(lfu_decayed(access, 103, 1), 17);
        assert_eq!(lfu_decayed(access, 106, 2), 17);
        assert_eq!(lfu_decayed(access, 500, 1), 0);
        assert_eq!(lfu_decayed(access, 500, 0), 20);
        // Minute clock wrap: from 65530 to 4 is 9 minutes.
        assert_eq!(lfu_elapsed(4, 65530), 9);
        assert_eq!(lfu_decayed((65530 << 8) | 20, 4, 1), 11);
    }

    #[test]
    fn pool_keeps_best_candidates_in_order() {
        let mut p = Pool::default();
        for i in 0..40u64 {
            // Scores in a scrambled order.
            let s = (i * 17) % 40;
            p.offer(0, &Key::from_slice(format!("k{s}").as_bytes()), s);
        }
        assert_eq!(p.len(), POOL_SIZE);
        let scores: Vec<u64> = p.candidates().iter().map(|c| c.score).collect();
        assert_eq!(scores, (24..40).collect::<Vec<_>>());
        // A worse key than all does not enter a full pool.
        p.offer(0, &Key::from_slice(b"low"), 1);
        assert!(p.candidates().iter().all(|c| c.key.as_slice() != b"low"));
        // A key offered again is not duplicated.
        p.offer(0, &Key::from_slice(b"k39"), 39);
        assert_eq!(p.len(), POOL_SIZE);
        let best = p.pop_best().map(|c| (c.score, c.key));
        assert_eq!(best, Some((39, Key::from_slice(b"k39"))));
        assert_eq!(p.pop_best().map(|c| c.score), Some(38));
    }

    #[test]
    fn time_limit_follows_tenacity() {
        assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
        assert_eq!(time_limit(0), Some(Duration::from_micros(0)));
        assert_eq!(time_limit(11), Some(Duration::from_micros(575)));
        assert_eq!(time_limit(100), None);
    }

    #[test]
    fn evict_one_follows_policies() {
        use crate::types::Value;
        let mut store = Store::new(1);
        let db = &mut store.dbs[0];
        for i in 0..200 {
            let k = format!("k{i}");
            db.set(k.as_bytes(), Value::Int(i), false);
            if i % 2 == 0 {
                db.set_expire(k.as_bytes(), 1_000_000 + i as u64);
            }
        }
        let mut ev = Evictor::default();
        // volatile-ttl: the nearest expiry first (with many samples, exact).
        let (_, k) = ev
            .evict_one(&mut store, MaxmemoryPolicy::VolatileTtl, 200)
            .unwrap();
        assert_eq!(k.as_slice(), b"k0");
        // Volatile policies never touch persistent keys.
        for _ in 0..99 {
            let (_, k) = ev
                .evict_one(&mut store, MaxmemoryPolicy::VolatileRandom, 5)
                .unwrap();
            let n: i64 = std::str::from_utf8(&k.as_slice()[1..])
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(n % 2, 0);
        }
        assert!(ev
            .evict_one(&mut store, MaxmemoryPolicy::VolatileLru, 5)
            .is_none());
        assert_eq!(store.dbs[0].len(), 100);
        assert!(ev
            .evict_one(&mut store, MaxmemoryPolicy::NoEviction, 5)
            .is_none());
        for _ in 0..100 {
            assert!(ev
                .evict_one(&mut store, MaxmemoryPolicy::AllkeysLru, 5)
                .is_some());
        }
        assert!(store.dbs[0].is_empty());
        assert!(ev
            .evict_one(&mut store, MaxmemoryPolicy::AllkeysRandom, 5)
            .is_none());
    }
}
