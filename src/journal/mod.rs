//! The write journal: the one ordered stream of write commands that the
//! AOF and the replication stream receive.
//!
//! Every shard collects the effects of the writes it executes in its own
//! [`ShardJournal`] buffer, in execution order, already rewritten to be
//! deterministic (absolute expiry times, `DEL` for keys that expired).
//! The buffer goes to the process-wide [`Sink`] in one piece at the points
//! where order between shards matters (see the ordering rules in
//! ARCHITECTURE.md, "Replication"): before any reply that depends on the
//! writes leaves, and before a shard is handed to a cross-shard operation.
//! The sink serializes the pieces of all shards under a short lock (one
//! lock per batch of commands, not per command), inserts `SELECT` where
//! the database changes, and passes the bytes to its outputs.

use std::cell::{Cell, RefCell, RefMut};
use std::fs::File;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::shard::keyspace::Store;
use crate::shard::ShardState;

/// Where the journal's bytes go besides the replication stream: the AOF's
/// current incremental file.
pub trait JournalOutput: Send + std::fmt::Debug {
    /// Appends `bytes` (whole RESP commands) at the end of the output.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// The file whose `fdatasync` makes everything appended so far durable
    /// (`appendfsync always`), if the output is a file.
    fn sync_handle(&self) -> Option<Arc<File>>;
}

/// Mutable state of the sink, behind its lock.
#[derive(Debug, Default)]
struct SinkInner {
    output: Option<Box<dyn JournalOutput>>,
    /// Database the stream last selected (`None`: the next command needs a
    /// `SELECT` first, as at the start of a file).
    db: Option<usize>,
    /// Bytes appended since start (a position for group commit).
    appended: u64,
    /// Scratch buffer for a `SELECT` plus the commands.
    scratch: Vec<u8>,
    /// The replication stream, while it takes the journal (a master with
    /// a backlog; a replica takes its master's bytes instead).
    stream: Option<Arc<crate::replication::stream::ReplStream>>,
    /// Bytes of the stream a failed write left unwritten: they go first
    /// at the next try (the output removes a partial write), so nothing
    /// is lost while the disk is full.
    pending: Vec<u8>,
}

/// The process-wide end of the journal: serializes the shards' buffers
/// into one stream.
#[derive(Debug, Default)]
pub struct Sink {
    inner: Mutex<SinkInner>,
    /// Whether an output is attached (shards skip journaling when not).
    on: AtomicBool,
    /// Whether the replication stream is attached.
    stream_on: AtomicBool,
    /// Position up to which the output is known durable.
    synced: AtomicU64,
    /// Whether the last append failed (INFO aof_last_write_status).
    write_failed: AtomicBool,
    /// The error of the last failed append, as Redis reports it.
    last_error: Mutex<String>,
}

impl Sink {
    /// Whether writes must be journaled (an output is attached). Checked per
    /// write command, so it is one relaxed load.
    #[inline]
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed) || self.stream_on.load(Ordering::Relaxed)
    }

    /// Attaches the replication stream as a second output (or detaches it
    /// with `None`). The next command written starts with a `SELECT`, as
    /// Redis does when a replica attaches. Call it while no shard can
    /// write (all shards held, their buffers flushed) so the switch falls
    /// between two commands.
    pub fn set_stream(&self, stream: Option<Arc<crate::replication::stream::ReplStream>>) {
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        inner.db = None;
        self.stream_on.store(stream.is_some(), Ordering::Relaxed);
        inner.stream = stream;
    }

    /// Makes the next command written start with a `SELECT` (a full sync
    /// takes its offset here: the replica's selected database is unknown
    /// from then on). Call it while no shard can write.
    pub fn reselect(&self) {
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        inner.db = None;
    }

    /// Attaches `output` in place of the current one (returned), e.g. a
    /// new incremental AOF file at a rewrite. The next command written
    /// starts with a `SELECT`. Call it while no shard can write (all
    /// shards held, their buffers flushed) so the switch falls between
    /// two commands of the stream.
    pub fn replace_output(
        &self,
        output: Option<Box<dyn JournalOutput>>,
    ) -> Option<Box<dyn JournalOutput>> {
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        inner.db = None;
        // What the old output could not take is not owed to the new one
        // (a rewrite's base holds the data set).
        inner.pending = Vec::new();
        self.write_failed.store(false, Ordering::Relaxed);
        self.on.store(output.is_some(), Ordering::Relaxed);
        std::mem::replace(&mut inner.output, output)
    }

    /// Appends a shard's buffer to the stream, selecting databases as its
    /// runs say. Returns the stream position after it (for [`Sink::sync`]).
    pub fn append(&self, journal: &mut ShardJournal) -> u64 {
        if journal.buf.is_empty() {
            journal.runs.clear();
            return 0;
        }
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let inner = &mut *guard;
        inner.scratch.clear();
        let end = journal.buf.len();
        for (i, &(start, db)) in journal.runs.iter().enumerate() {
            let stop = journal.runs.get(i + 1).map_or(end, |r| r.0);
            if inner.db != Some(db) {
                write_select(&mut inner.scratch, db);
                inner.db = Some(db);
            }
            if let Some(part) = journal.buf.get(start..stop) {
                inner.scratch.extend_from_slice(part);
            }
        }
        journal.buf.clear();
        journal.runs.clear();
        journal.cmds = 0;
        inner.appended += inner.scratch.len() as u64;
        let scratch = std::mem::take(&mut inner.scratch);
        if let Some(stream) = inner.stream.as_ref() {
            stream.append(&scratch);
        }
        self.write_out(inner, &scratch);
        inner.scratch = scratch;
        if inner.scratch.capacity() > 1 << 20 {
            inner.scratch = Vec::new();
        }
        inner.appended
    }

    /// Writes what an earlier failure left unwritten, then `bytes`; on
    /// failure keeps both for the next try and records the error.
    fn write_out(&self, inner: &mut SinkInner, bytes: &[u8]) {
        let Some(out) = inner.output.as_mut() else {
            return;
        };
        let r = if inner.pending.is_empty() {
            out.append(bytes)
        } else {
            inner.pending.extend_from_slice(bytes);
            out.append(&inner.pending)
        };
        match r {
            Ok(()) => {
                inner.pending = Vec::new();
                if self.write_failed.swap(false, Ordering::Relaxed) {
                    crate::notice!("AOF write error looks solved, Redis can write again.");
                }
            }
            Err(e) => {
                if inner.pending.is_empty() {
                    inner.pending.extend_from_slice(bytes);
                }
                let text = crate::config::error::strerror(&e);
                if !self.write_failed.swap(true, Ordering::Relaxed) {
                    crate::warning!("Error writing to the AOF file: {}", text);
                }
                if let Ok(mut l) = self.last_error.lock() {
                    *l = text;
                }
            }
        }
    }

    /// Tries again to write what a failed write left (called every cron
    /// tick while the last write failed).
    pub fn retry(&self) {
        if !self.write_failed() {
            return;
        }
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if !guard.pending.is_empty() {
            self.write_out(&mut guard, &[]);
        }
    }

    /// The error of the last failed write (for `-MISCONF Errors writing to
    /// the AOF file: ...`).
    pub fn last_error(&self) -> String {
        self.last_error
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// Makes the stream durable up to position `upto` (group commit: a sync
    /// another shard did after `upto` counts).
    pub fn sync(&self, upto: u64) {
        if self.synced.load(Ordering::Acquire) >= upto {
            return;
        }
        let (file, pos) = {
            let inner = match self.inner.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            (
                inner.output.as_ref().and_then(|o| o.sync_handle()),
                inner.appended,
            )
        };
        if let Some(f) = file {
            if let Err(e) = f.sync_data() {
                crate::warning!("Error syncing the AOF file: {}", e);
                return;
            }
        }
        self.synced.fetch_max(pos, Ordering::AcqRel);
    }

    /// Bytes appended to the stream since start.
    pub fn appended(&self) -> u64 {
        match self.inner.lock() {
            Ok(g) => g.appended,
            Err(p) => p.into_inner().appended,
        }
    }

    /// Whether the last append failed.
    pub fn write_failed(&self) -> bool {
        self.write_failed.load(Ordering::Relaxed)
    }
}

/// Hands shard `s`'s buffered commands to the sink. Returns the stream
/// position after them (0 when nothing was buffered).
pub fn flush_shard(s: &ShardState) -> u64 {
    let mut j = s.journal.borrow_mut();
    if j.is_empty() {
        return 0;
    }
    s.shared.journal.append(&mut j)
}

/// The buffer what shard `s` executes now goes to: the one of transaction
/// `txn` (given, or the one whose job the shard is running), else the
/// shard's own.
pub fn buffer(s: &ShardState, txn: Option<u64>) -> RefMut<'_, ShardJournal> {
    match txn.or(s.running_txn.get()) {
        None => s.journal.borrow_mut(),
        Some(t) => RefMut::map(s.txn_journals.borrow_mut(), |m| m.entry(t).or_default()),
    }
}

/// Keeps `store`'s recording of expired keys in step with the sink (on
/// while an output is attached). Returns whether the journal records.
#[inline]
pub fn sync_store_flag(s: &ShardState, store: &mut Store) -> bool {
    let on = s.shared.journal.is_on();
    if on != store.journal_log_on() {
        store.set_journal_log(on);
    }
    on
}

/// Records what a command did: first `DEL` for the keys `store` expired
/// meanwhile, then, if it changed anything (`dirty`), its arguments or
/// the commands it asked for instead (see
/// [`crate::commands::spec::ExecCtx::propagate_as`]). `store` is the one
/// the command ran against (the shard's own or a scratch store).
pub fn record(
    s: &ShardState,
    txn: Option<u64>,
    store: &mut Store,
    db: usize,
    args: &[Bytes],
    dirty: u64,
    propagate: Option<Vec<Vec<Bytes>>>,
) {
    if !sync_store_flag(s, store) {
        return;
    }
    let mut j = buffer(s, txn);
    drain_expired(&mut j, store);
    if dirty == 0 {
        return;
    }
    match propagate {
        None => j.push(db, args),
        Some(list) => {
            for cmd in list {
                j.push(db, &cmd);
            }
        }
    }
}

/// Records command `args` for database `db`, run by shard `s` outside any
/// keyed handler (FLUSHALL, SWAPDB...), into the buffer of transaction
/// `txn` or of whatever `s` runs now.
pub fn record_command(s: &ShardState, txn: Option<u64>, db: usize, args: &[Bytes]) {
    if s.shared.journal.is_on() {
        buffer(s, txn).push(db, args);
    }
}

/// Records a `DEL` for every key `store` expired since the last call.
pub fn drain_expired(j: &mut ShardJournal, store: &mut Store) {
    store.drain_journal_log(|db, key| j.push(db, &[Bytes::from_static(b"DEL"), key]));
}

/// After shard `s` ran a job: records the keys it expired meanwhile, into
/// the buffer of the transaction the job ran in (`txn`) or the shard's own.
pub fn after_job(s: &ShardState, txn: Option<u64>) {
    if !s.shared.journal.is_on() {
        return;
    }
    let Ok(mut store) = s.store.try_borrow_mut() else {
        return;
    };
    sync_store_flag(s, &mut store);
    let mut j = buffer(s, txn);
    drain_expired(&mut j, &mut store);
}

/// Takes what shard `s` recorded for transaction `t` (a job it ran for a
/// transaction coordinated elsewhere), to ship with the job's reply.
pub fn take_txn(s: &ShardState, t: u64) -> Option<Box<(u64, ShardJournal)>> {
    let j = s.txn_journals.borrow_mut().remove(&t)?;
    if j.is_empty() {
        None
    } else {
        Some(Box::new((t, j)))
    }
}

/// Adds commands another shard recorded for transaction `t` (shipped
/// with a reply) to this shard's buffer for it.
pub fn receive_txn(s: &ShardState, shipped: (u64, ShardJournal)) {
    let (t, j) = shipped;
    s.txn_journals.borrow_mut().entry(t).or_default().extend(j);
}

/// Ends the recording of transaction `t` on its coordinating shard `s`:
/// its commands (wrapped in MULTI ... EXEC when `wrap` and there is more
/// than one, or always with `wrap_always`) go into the buffer of the
/// enclosing transaction `outer`, or else into the shard's own buffer,
/// which goes to the sink at once. Call it before any shard of `t` is
/// released, so that nothing those shards do next can precede it in the
/// stream.
pub fn commit_txn(s: &ShardState, t: u64, outer: Option<u64>, wrap: Wrap) {
    let Some(block) = s.txn_journals.borrow_mut().remove(&t) else {
        return;
    };
    if block.is_empty() {
        return;
    }
    let wrapped = match wrap {
        Wrap::Never => false,
        Wrap::IfSeveral => block.cmds > 1,
        Wrap::Always => true,
    };
    let mut j = match outer {
        Some(o) => RefMut::map(s.txn_journals.borrow_mut(), |m| m.entry(o).or_default()),
        None => s.journal.borrow_mut(),
    };
    let db = block.runs.first().map_or(0, |r| r.1);
    if wrapped {
        j.push(db, &[b"MULTI"]);
    }
    j.extend(block);
    if wrapped {
        let last = j.runs.last().map_or(db, |r| r.1);
        j.push(last, &[b"EXEC"]);
    }
    if outer.is_none() {
        drop(j);
        flush_shard(s);
    }
}

/// When [`commit_txn`] wraps a transaction's commands in MULTI ... EXEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// Never (a single command's effects, e.g. FLUSHALL).
    Never,
    /// When it holds more than one command (a command spanning shards, with
    /// the `DEL`s of keys that expired on the way).
    IfSeveral,
    /// Always (MULTI/EXEC from a client).
    Always,
}

/// Called by a connection before its replies leave: waits until the
/// writes they acknowledge are in the sink (and, with `appendfsync
/// always`, on disk). One task per shard does it for every connection in
/// rounds: it yields once, so that the connections that are ready run and
/// buffer their writes, then hands the shard's buffer to the sink in one
/// write and, with `always`, fsyncs once, as Redis writes and fsyncs once
/// per event loop turn.
pub async fn flush_for_reply(s: &Rc<ShardState>) {
    let shared = &s.shared;
    let sink = &shared.journal;
    let always = shared.aof_fsync_always();
    let buffered = !s.journal.borrow().is_empty();
    if !buffered && (!always || sink.synced.load(Ordering::Acquire) >= sink.appended()) {
        return;
    }
    let st = &s.journal_sync;
    // The first round to start from now on covers this connection.
    let ticket = st.next_round.get();
    st.wanted.set(st.wanted.get().max(ticket));
    if !st.running.get() {
        st.running.set(true);
        glommio::spawn_local(group_commit(s.clone())).detach();
    }
    std::future::poll_fn(|cx| {
        if st.done_round.get() >= ticket && st.any_done.get() {
            std::task::Poll::Ready(())
        } else {
            st.waiters.borrow_mut().push(cx.waker().clone());
            std::task::Poll::Pending
        }
    })
    .await
}

/// The per-shard task of [`flush_for_reply`]'s rounds.
async fn group_commit(shard: Rc<ShardState>) {
    let st = &shard.journal_sync;
    loop {
        // Let every connection that is ready run (and buffer) first.
        futures_lite::future::yield_now().await;
        let round = st.next_round.get();
        st.next_round.set(round + 1);
        flush_shard(&shard);
        if shard.shared.aof_fsync_always() {
            // On a helper thread: meanwhile the shard goes on serving (and
            // buffering) what the next round will cover.
            let shared = shard.shared.clone();
            glommio::executor()
                .spawn_blocking(move || {
                    let sink = &shared.journal;
                    sink.sync(sink.appended());
                })
                .await;
        }
        st.done_round.set(round);
        st.any_done.set(true);
        for w in st.waiters.borrow_mut().drain(..) {
            w.wake();
        }
        if st.wanted.get() <= round {
            break;
        }
    }
    st.running.set(false);
}

/// Per-shard state of [`flush_for_reply`]'s rounds.
#[derive(Debug, Default)]
pub struct SyncState {
    /// Number of the next round to start.
    next_round: Cell<u64>,
    /// Number of the last round done.
    done_round: Cell<u64>,
    /// Whether any round is done (round 0 included).
    any_done: Cell<bool>,
    /// Highest round a connection waits for.
    wanted: Cell<u64>,
    /// Whether the task runs.
    running: Cell<bool>,
    /// Connections waiting for the next round.
    waiters: RefCell<Vec<std::task::Waker>>,
}

/// Appends `SELECT db` in RESP.
fn write_select(out: &mut Vec<u8>, db: usize) {
    let d = db.to_string();
    out.extend_from_slice(b"*2\r\n$6\r\nSELECT\r\n$");
    out.extend_from_slice(d.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(d.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// One shard's journal buffer: RESP commands in execution order, with the
/// database each run of them applies to.
#[derive(Debug, Default)]
pub struct ShardJournal {
    buf: Vec<u8>,
    /// Commands buffered.
    cmds: usize,
    /// (start offset in `buf`, database) of each run of commands.
    runs: Vec<(usize, usize)>,
}

impl ShardJournal {
    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends command `args` for database `db`.
    pub fn push<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        if self.runs.last().map(|r| r.1) != Some(db) {
            self.runs.push((self.buf.len(), db));
        }
        encode_command(&mut self.buf, args);
        self.cmds += 1;
    }

    /// Appends another buffer's contents (e.g. the commands a job ran for
    /// a transaction, returned to the coordinator).
    pub fn extend(&mut self, other: ShardJournal) {
        let base = self.buf.len();
        for (start, db) in other.runs {
            if self.runs.last().map(|r| r.1) != Some(db) {
                self.runs.push((base + start, db));
            }
        }
        self.buf.extend_from_slice(&other.buf);
        self.cmds += other.cmds;
    }
}

/// Encodes `args` as a RESP array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    let mut num = itoa_buf(args.len() as u64);
    out.push(b'*');
    out.extend_from_slice(num.as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        num = itoa_buf(a.len() as u64);
        out.push(b'$');
        out.extend_from_slice(num.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// A decimal number formatted without allocating.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn itoa_buf(mut n: u64) -> Digits {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    Digits { buf, start: i }
}

#[cfg(test)]
mod propagate_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Collect(Arc<Mutex<Vec<u8>>>);

    impl JournalOutput for Collect {
        fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(())
        }
        fn sync_handle(&self) -> Option<Arc<File>> {
            None
        }
    }

    #[test]
    fn runs_get_select_only_when_the_database_changes() {
        let sink = Sink::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        sink.replace_output(Some(Box::new(Collect(seen.clone()))));
        let mut a = ShardJournal::default();
        a.push(0, &["SET", "k", "v"]);
        a.push(0, &["DEL", "k"]);
        a.push(3, &["INCR", "n"]);
        sink.append(&mut a);
        assert!(a.is_empty());
        let mut b = ShardJournal::default();
        b.push(3, &["INCR", "m"]);
        let pos = sink.append(&mut b);
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
             *2\r\n$3\r\nDEL\r\n$1\r\nk\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n\
             *2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nm\r\n"
        );
        assert_eq!(pos, text.len() as u64);
    }

    /// An output whose disk is full while `full` is set.
    #[derive(Debug)]
    struct Flaky {
        seen: Arc<Mutex<Vec<u8>>>,
        full: Arc<AtomicBool>,
    }

    impl JournalOutput for Flaky {
        fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
            if self.full.load(Ordering::Relaxed) {
                return Err(io::Error::from_raw_os_error(28));
            }
            self.seen.lock().unwrap().extend_from_slice(bytes);
            Ok(())
        }
        fn sync_handle(&self) -> Option<Arc<File>> {
            None
        }
    }

    #[test]
    fn a_failed_write_is_kept_and_written_when_the_disk_has_room() {
        let sink = Sink::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let full = Arc::new(AtomicBool::new(false));
        sink.replace_output(Some(Box::new(Flaky {
            seen: seen.clone(),
            full: full.clone(),
        })));
        let mut j = ShardJournal::default();
        j.push(0, &["SET", "a", "1"]);
        sink.append(&mut j);
        full.store(true, Ordering::Relaxed);
        j.push(0, &["SET", "b", "2"]);
        sink.append(&mut j);
        assert!(sink.write_failed());
        assert_eq!(sink.last_error(), "No space left on device");
        sink.retry();
        assert!(sink.write_failed());
        full.store(false, Ordering::Relaxed);
        sink.retry();
        assert!(!sink.write_failed());
        j.push(1, &["SET", "c", "3"]);
        sink.append(&mut j);
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        let order: Vec<&str> = ["$1\r\na", "$1\r\nb", "SELECT\r\n$1\r\n1", "$1\r\nc"]
            .into_iter()
            .collect();
        let mut at = 0;
        for part in order {
            let found = text[at..].find(part).map(|i| i + at);
            assert!(
                found.is_some(),
                "{part:?} missing or out of order in {text:?}"
            );
            at = found.unwrap_or(at);
        }
        assert_eq!(text.matches("SET").count(), 3);
    }

    #[test]
    fn extend_keeps_runs() {
        let mut a = ShardJournal::default();
        a.push(1, &["SET", "a", "1"]);
        let mut b = ShardJournal::default();
        b.push(1, &["SET", "b", "2"]);
        b.push(2, &["SET", "c", "3"]);
        a.extend(b);
        assert_eq!(a.runs, vec![(0, 1), (a.runs[1].0, 2)]);
        let sink = Sink::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        sink.replace_output(Some(Box::new(Collect(seen.clone()))));
        sink.append(&mut a);
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("SELECT").count(), 2);
    }
}
