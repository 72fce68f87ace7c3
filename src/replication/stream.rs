//! The replication stream as the whole process sees it: the replication id
//! and offset (`master_replid`, `master_repl_offset`, and after a promotion
//! `master_replid2`/`second_repl_offset`), the backlog holding the stream's
//! last bytes, and the wakers of the tasks that feed replicas from it.
//!
//! On a master the write journal ([`crate::journal::Sink`]) appends every
//! batch of commands here while a backlog exists. On a replica the link
//! task appends the bytes it received from its master, unchanged, after
//! applying them, so the replica's own replicas (chained replication) see
//! the master's stream with the master's offsets.
//!
//! All of it sits behind one short mutex: it is taken once per journal
//! batch and once per feed read, never per command.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use super::backlog::Backlog;

/// The replication id and offsets, plus the backlog, behind the mutex of
/// [`ReplStream`].
#[derive(Debug)]
pub struct StreamState {
    /// `master_replid`: the id of the history this server's data follows.
    pub replid: String,
    /// `master_replid2`: the id of the history before the last promotion
    /// (all zeros when none).
    pub replid2: String,
    /// `second_repl_offset`: up to where `replid2`'s history is shared with
    /// `replid`'s (-1 when none). Redis reports it as offset + 1.
    pub second_offset: i64,
    /// `master_repl_offset`: bytes of the stream so far. Advances only
    /// while a backlog exists, as in Redis.
    pub offset: u64,
    /// The backlog (created when the first replica attaches, or when a
    /// replica syncs with its master).
    pub backlog: Option<Backlog>,
    /// Wakers of feed tasks waiting for bytes past their offset.
    waiters: Vec<(u64, Waker)>,
    /// Feeds' private copies of the stream (see [`Tap`]).
    taps: Vec<(u64, Arc<Mutex<Tap>>)>,
}

/// A feed's private copy of the stream from some offset on, filled by
/// [`ReplStream::append`] itself, so a feed whose socket is busy (sending
/// a snapshot, a replica reading slowly) does not depend on the backlog
/// still holding its bytes when it comes back (Redis keeps them in the
/// replica's output buffer).
#[derive(Debug, Default)]
pub struct Tap {
    /// Bytes appended since the feed last took them.
    pub bytes: Vec<u8>,
    /// Past `limit` (the feed must drop its replica).
    pub overflow: bool,
    /// Most bytes kept (0: no limit).
    pub limit: usize,
}

impl Tap {
    fn push(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        if self.limit > 0 && self.bytes.len() + bytes.len() > self.limit {
            self.overflow = true;
            self.bytes = Vec::new();
            return;
        }
        self.bytes.extend_from_slice(bytes);
    }
}

/// The 40 zeros Redis shows for an unset replication id.
pub const NO_REPLID: &str = "0000000000000000000000000000000000000000";

/// Process-wide replication stream (one per server, in
/// [`crate::server::shared::ServerShared::repl`]).
#[derive(Debug)]
pub struct ReplStream {
    state: Mutex<StreamState>,
    /// Copy of `offset` readable without the lock (INFO, WAIT, ACK checks).
    offset: AtomicU64,
    /// Whether a backlog exists (the journal skips the stream when not).
    has_backlog: AtomicBool,
    /// Serializes "apply a batch from the master and append its bytes" on
    /// a replica against a snapshot taking its offset: see [`ApplyLatch`].
    pub apply: ApplyLatch,
}

impl ReplStream {
    /// A stream with replication id `replid`, at offset 0, without backlog.
    pub fn new(replid: String) -> Self {
        ReplStream {
            state: Mutex::new(StreamState {
                replid,
                replid2: NO_REPLID.to_string(),
                second_offset: -1,
                offset: 0,
                backlog: None,
                waiters: Vec::new(),
                taps: Vec::new(),
            }),
            offset: AtomicU64::new(0),
            has_backlog: AtomicBool::new(false),
            apply: ApplyLatch::default(),
        }
    }

    /// Locks the state (poison is ignored: the state stays consistent
    /// between statements).
    pub fn lock(&self) -> MutexGuard<'_, StreamState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// `master_repl_offset` without taking the lock.
    pub fn offset(&self) -> u64 {
        self.offset.load(Ordering::Acquire)
    }

    /// Whether a backlog exists, without taking the lock.
    pub fn has_backlog(&self) -> bool {
        self.has_backlog.load(Ordering::Relaxed)
    }

    /// Appends `bytes` to the stream: into the backlog, advancing the
    /// offset, and wakes every feed. Does nothing without a backlog (as
    /// Redis, whose offset stands still while no replica ever attached).
    pub fn append(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut st = self.lock();
        let Some(backlog) = st.backlog.as_mut() else {
            return;
        };
        backlog.append(bytes);
        st.offset = backlog.end_offset();
        self.offset.store(st.offset, Ordering::Release);
        for (_, t) in &st.taps {
            match t.lock() {
                Ok(mut t) => t.push(bytes),
                Err(p) => p.into_inner().push(bytes),
            }
        }
        for (_, w) in st.waiters.drain(..) {
            w.wake();
        }
    }

    /// Creates the backlog (`size` bytes) if there is none; the next byte
    /// appended is byte `offset` of the stream.
    pub fn ensure_backlog(&self, size: usize) {
        let mut st = self.lock();
        if st.backlog.is_none() {
            st.backlog = Some(Backlog::new(size, st.offset));
            self.has_backlog.store(true, Ordering::Relaxed);
        }
    }

    /// Drops the backlog (`repl-backlog-ttl` expired with no replica).
    pub fn free_backlog(&self) {
        let mut st = self.lock();
        st.backlog = None;
        st.taps.clear();
        self.has_backlog.store(false, Ordering::Relaxed);
    }

    /// Starts a new history: a fresh random replication id, no second id
    /// (what a master does when its first replica attaches with no backlog,
    /// and what `DEBUG CHANGE-REPL-ID` does).
    pub fn change_replid(&self) {
        let mut st = self.lock();
        st.replid = crate::server::shared::random_hex(40);
        st.replid2 = NO_REPLID.to_string();
        st.second_offset = -1;
    }

    /// Promotion (`REPLICAOF NO ONE`, failover): the old id becomes the
    /// second id, valid up to the current offset, and a fresh id starts, so
    /// replicas of the old master can continue here with a partial resync.
    pub fn shift_replid(&self) {
        let mut st = self.lock();
        st.replid2 = std::mem::replace(&mut st.replid, crate::server::shared::random_hex(40));
        st.second_offset = st.offset as i64 + 1;
    }

    /// Adopts the master's history after a full sync (`+FULLRESYNC replid
    /// offset`): id and offset become the master's, the second id is
    /// cleared and the backlog restarts empty at `offset`.
    pub fn adopt_master(&self, replid: &str, offset: u64, backlog_size: usize) {
        let mut st = self.lock();
        st.replid = replid.to_string();
        st.replid2 = NO_REPLID.to_string();
        st.second_offset = -1;
        st.offset = offset;
        st.backlog = Some(Backlog::new(backlog_size, offset));
        self.offset.store(offset, Ordering::Release);
        self.has_backlog.store(true, Ordering::Relaxed);
        for (_, w) in st.waiters.drain(..) {
            w.wake();
        }
    }

    /// A master's id changed under a partial resync (`+CONTINUE newid`):
    /// the old id becomes the second id valid up to the current offset.
    pub fn master_changed_id(&self, new_replid: &str) {
        let mut st = self.lock();
        if st.replid == new_replid {
            return;
        }
        st.replid2 = std::mem::replace(&mut st.replid, new_replid.to_string());
        st.second_offset = st.offset as i64 + 1;
    }

    /// Sets id and offset without a backlog (at start-up, from the RDB's
    /// `repl-id`/`repl-offset` aux fields, so a restarted replica can ask
    /// its master for a partial resync).
    pub fn restore(&self, replid: &str, offset: u64) {
        let mut st = self.lock();
        st.replid = replid.to_string();
        st.offset = offset;
        self.offset.store(offset, Ordering::Release);
    }

    /// Whether `PSYNC replid offset` can continue from the backlog: the id
    /// is ours (or our second id and `offset` within its shared history)
    /// and the backlog still holds `offset`. `offset` counts the bytes the
    /// replica has: the PSYNC argument minus one (Redis asks for the next
    /// byte, numbered from 1).
    pub fn can_continue(&self, replid: &str, offset: u64) -> bool {
        let st = self.lock();
        let id_ok = replid == st.replid
            || (replid == st.replid2 && st.second_offset >= 0 && offset < st.second_offset as u64);
        // `second_offset` is stored as Redis reports it (offset + 1).
        id_ok
            && st
                .backlog
                .as_ref()
                .is_some_and(|b| offset >= b.first_offset() && offset <= b.end_offset())
    }

    /// Copies stream bytes from `from` into `out` (at most `max`). `Ok(0)`
    /// when nothing is there yet; `Err(OutOfBacklog)` when the backlog no longer holds
    /// `from` (the replica fell too far behind) or there is no backlog.
    pub fn read_from(
        &self,
        from: u64,
        out: &mut Vec<u8>,
        max: usize,
    ) -> Result<usize, OutOfBacklog> {
        let st = self.lock();
        let Some(b) = st.backlog.as_ref() else {
            return Err(OutOfBacklog);
        };
        let Some((a, c)) = b.since(from) else {
            return Err(OutOfBacklog);
        };
        let n_a = a.len().min(max);
        out.extend_from_slice(&a[..n_a]);
        let n_c = c.len().min(max - n_a);
        out.extend_from_slice(&c[..n_c]);
        Ok(n_a + n_c)
    }

    /// Gives feed `id` a [`Tap`] holding the stream from `from` on (what
    /// the backlog has of it now, then every append), at most `limit`
    /// bytes. `Err` when the backlog does not hold `from`.
    pub fn tap(&self, id: u64, from: u64, limit: usize) -> Result<Arc<Mutex<Tap>>, OutOfBacklog> {
        let mut st = self.lock();
        let Some(b) = st.backlog.as_ref() else {
            return Err(OutOfBacklog);
        };
        let Some((a, c)) = b.since(from) else {
            return Err(OutOfBacklog);
        };
        let mut tap = Tap {
            limit,
            ..Tap::default()
        };
        tap.push(a);
        tap.push(c);
        let tap = Arc::new(Mutex::new(tap));
        st.taps.retain(|(i, _)| *i != id);
        st.taps.push((id, tap.clone()));
        Ok(tap)
    }

    /// Removes feed `id`'s tap.
    pub fn untap(&self, id: u64) {
        self.lock().taps.retain(|(i, _)| *i != id);
    }

    /// Registers `waker` (of feed `id`) to be woken when the offset passes
    /// `seen`; returns `false` (and registers nothing) if it already has.
    pub fn wait_past(&self, id: u64, seen: u64, waker: &Waker) -> bool {
        let mut st = self.lock();
        if st.offset > seen {
            return false;
        }
        if let Some(slot) = st.waiters.iter_mut().find(|(i, _)| *i == id) {
            slot.1 = waker.clone();
        } else {
            st.waiters.push((id, waker.clone()));
        }
        true
    }

    /// Wakes every waiting feed (shutdown, role change, ping time).
    pub fn wake_all(&self) {
        let mut st = self.lock();
        for (_, w) in st.waiters.drain(..) {
            w.wake();
        }
    }
}

/// The offset a feed asked for is no longer (or not) in the backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfBacklog;

/// A latch between a replica's link task (which applies a batch of the
/// master's commands and then appends their bytes to the stream) and a
/// snapshot that must see data and offset agree (a full sync served by a
/// replica to its own replica, or a save writing `repl-offset`).
///
/// The link task holds it around each batch ([`ApplyLatch::try_hold`]);
/// the snapshot side raises [`ApplyLatch::want`], waits until it gets the
/// latch, takes its point in time, and releases it. The link task does not
/// take the latch while it is wanted, so the snapshot cannot starve. A
/// master never holds it, so there it is always free.
#[derive(Debug, Default)]
pub struct ApplyLatch {
    held: AtomicBool,
    wanted: AtomicU64,
}

impl ApplyLatch {
    /// Takes the latch for a batch; `false` if it is held or wanted (the
    /// link task then waits a little and tries again).
    pub fn try_hold(&self) -> bool {
        self.wanted.load(Ordering::Acquire) == 0
            && self
                .held
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }

    /// Takes the latch for a snapshot regardless of the wanted count.
    pub fn try_hold_wanted(&self) -> bool {
        self.held
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// Announces that a snapshot wants the latch (pair with [`ApplyLatch::unwant`]).
    pub fn want(&self) {
        self.wanted.fetch_add(1, Ordering::AcqRel);
    }

    /// Withdraws a [`ApplyLatch::want`].
    pub fn unwant(&self) {
        self.wanted.fetch_sub(1, Ordering::AcqRel);
    }

    /// Releases the latch.
    pub fn release(&self) {
        self.held.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_moves_only_with_a_backlog() {
        let s = ReplStream::new("a".repeat(40));
        s.append(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(s.offset(), 0);
        s.ensure_backlog(1024);
        s.append(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(s.offset(), 14);
        let mut out = Vec::new();
        assert_eq!(s.read_from(0, &mut out, 100), Ok(14));
        assert_eq!(s.read_from(14, &mut out, 100), Ok(0));
        assert!(s.read_from(15, &mut out, 100).is_err());
    }

    #[test]
    fn promotion_keeps_the_old_history_reachable() {
        let s = ReplStream::new("a".repeat(40));
        s.ensure_backlog(1024);
        s.append(b"0123456789");
        s.shift_replid();
        s.append(b"abc");
        let st = s.lock();
        assert_eq!(st.replid2, "a".repeat(40));
        assert_eq!(st.second_offset, 11);
        drop(st);
        // A replica of the old master at offset 10 continues here.
        assert!(s.can_continue(&"a".repeat(40), 10));
        assert!(!s.can_continue(&"a".repeat(40), 12));
        let id = s.lock().replid.clone();
        assert!(s.can_continue(&id, 13));
        assert!(!s.can_continue(&id, 14));
    }

    #[test]
    fn taps_keep_what_the_backlog_drops() {
        let s = ReplStream::new("a".repeat(40));
        s.ensure_backlog(8);
        s.append(b"0123");
        let tap = s.tap(7, 2, 16).unwrap();
        s.append(b"456789abc");
        // The backlog (8 bytes) lost offset 2, the tap did not.
        let mut out = Vec::new();
        assert!(s.read_from(2, &mut out, 100).is_err());
        assert_eq!(tap.lock().unwrap().bytes, b"23456789abc");
        s.append(b"defghi");
        assert!(tap.lock().unwrap().overflow);
        assert!(s.tap(8, 0, 0).is_err());
        s.untap(7);
        assert!(s.lock().taps.is_empty());
    }

    #[test]
    fn latch_gives_way_to_a_wanting_snapshot() {
        let l = ApplyLatch::default();
        assert!(l.try_hold());
        l.want();
        assert!(!l.try_hold_wanted());
        l.release();
        assert!(!l.try_hold());
        assert!(l.try_hold_wanted());
        l.unwant();
        l.release();
        assert!(l.try_hold());
    }
}
