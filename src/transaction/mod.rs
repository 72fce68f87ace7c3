//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Between MULTI and EXEC a client's commands are checked (lookup, arity,
//! authentication) and queued; a command that fails those checks marks the
//! transaction so that EXEC answers `-EXECABORT`. EXEC runs the queue as one
//! isolated unit, whatever shards the keys live on:
//!
//! - **One shard** (every queued command is keyed and every key, watched
//!   keys included, lives on one shard): on the client's own shard the
//!   queue runs in place with no await between commands; on another shard
//!   the whole queue travels there as one job. Either way it runs without a
//!   pause (a shard runs one job at a time), so it is atomic and isolated,
//!   at the cost of one hop at most.
//! - **Keyed commands on several shards**: the keys (and watched keys) move
//!   into a scratch store while their shards are locked in ascending order,
//!   the queue runs there, and the keys go back
//!   ([`router::with_keys_gathered`]): two hops per shard, whatever the
//!   number of commands.
//! - **Commands that are not keyed** (SELECT, DBSIZE, FLUSHALL, INFO,
//!   blocking commands...): EXEC locks the shards involved (every shard
//!   for a command working on all of them) in ascending order through
//!   their gates, runs each command in order as usual, with every shard
//!   call made *within* the transaction, then releases them. Other
//!   clients' work on those shards waits in the gates meanwhile, so nobody
//!   sees part of it.
//!
//! WATCH is in [`watch`]: the flag is checked, and watched keys checked for
//! having expired, inside the same isolation, just before the queue runs.
//! Runtime errors of queued commands are reported in their place of the
//! EXEC reply; nothing is rolled back, as in Redis.

pub mod watch;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use crate::commands::spec::{flags, CommandSpec, Handler};
use crate::dispatch::router;
use crate::dispatch::LockOp;
use crate::protocol::ReplyWriter;
use crate::server::connection::{self, ConnCtx};
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;
use watch::{WatchFlag, WatchedKey, Watching};

/// The reply of EXEC when a command failed to queue.
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

/// One queued command.
#[derive(Debug)]
pub struct Queued {
    /// Its index in the command table (per-command statistics).
    pub index: usize,
    /// Its table entry.
    pub spec: &'static CommandSpec,
    /// Its arguments, name included.
    pub args: Vec<Bytes>,
    /// Where its key positions are in [`MultiState`]'s list of them.
    keys: std::ops::Range<usize>,
}

/// A client's open transaction (between MULTI and EXEC/DISCARD), with what
/// EXEC needs to know about it, worked out while commands are queued.
#[derive(Debug)]
pub struct MultiState {
    /// The queued commands.
    pub cmds: Vec<Queued>,
    /// A command failed to queue: EXEC must answer EXECABORT.
    pub aborted: bool,
    /// Key argument positions of every queued command, back to back.
    key_pos: Vec<usize>,
    /// The shard owning every key queued so far (`None`: no key yet).
    target: Option<usize>,
    /// Keys on more than one shard.
    spans_shards: bool,
    /// Every shard owning a key queued so far, ascending.
    shards: Vec<usize>,
    /// Every queued command is keyed (runs against a store).
    keyed_only: bool,
    /// A queued command works on every shard (DBSIZE, FLUSHALL, INFO...).
    global: bool,
    /// Argument vectors of earlier transactions, reused.
    spare_args: Vec<Vec<Bytes>>,
}

impl Default for MultiState {
    fn default() -> Self {
        MultiState {
            cmds: Vec::new(),
            aborted: false,
            key_pos: Vec::new(),
            target: None,
            spans_shards: false,
            shards: Vec::new(),
            keyed_only: true,
            global: false,
            spare_args: Vec::new(),
        }
    }
}

impl MultiState {
    /// Empties the state for the next transaction, keeping its buffers.
    fn recycle(&mut self) {
        for q in self.cmds.drain(..) {
            let mut args = q.args;
            args.clear();
            if self.spare_args.len() < 64 && args.capacity() <= 16 {
                self.spare_args.push(args);
            }
        }
        if self.cmds.capacity() > 1024 {
            self.cmds = Vec::new();
        }
        self.key_pos.clear();
        if self.key_pos.capacity() > 4096 {
            self.key_pos = Vec::new();
        }
        self.aborted = false;
        self.target = None;
        self.spans_shards = false;
        self.shards.clear();
        self.keyed_only = true;
        self.global = false;
    }

    /// Notes that a queued command has a key on `shard`.
    fn add_shard(&mut self, shard: usize) {
        match self.target {
            None => self.target = Some(shard),
            Some(t) if t != shard => self.spans_shards = true,
            Some(_) => {}
        }
        if let Err(at) = self.shards.binary_search(&shard) {
            self.shards.insert(at, shard);
        }
    }
}

/// Whether `spec` runs at once inside MULTI instead of being queued.
#[inline]
pub fn runs_inside_multi(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// Marks the client's open transaction, if any, as failed (a command was
/// rejected while queueing).
#[inline]
pub fn flag(ctx: &mut ConnCtx) {
    if let Some(m) = ctx.multi.as_mut() {
        m.aborted = true;
    }
}

/// Queues `args` in the client's open transaction and answers `+QUEUED`.
pub fn queue(ctx: &mut ConnCtx, index: usize, spec: &'static CommandSpec, args: &[Bytes]) {
    spec.keys.key_indexes(args, &mut ctx.key_idx);
    let Some(m) = ctx.multi.as_mut() else {
        return;
    };
    let start = m.key_pos.len();
    m.key_pos.extend_from_slice(&ctx.key_idx);
    let map = &ctx.shard.slot_map;
    for &i in &ctx.key_idx {
        if let Some(k) = args.get(i) {
            let owner = if ctx.shard.nshards > 1 {
                map.shard_of_key(k)
            } else {
                0
            };
            m.add_shard(owner);
        }
    }
    match spec.handler {
        // SORT's BY and GET patterns read keys its key list does not name:
        // it must run where the keys live, not on a scratch store.
        Handler::Keyed(_) if matches!(spec.name, "sort" | "sort_ro") => m.keyed_only = false,
        Handler::Keyed(_) => {}
        Handler::Conn(_) => m.keyed_only = false,
        Handler::Async(_) => {
            m.keyed_only = false;
            if !spec.has(flags::BLOCKING) {
                m.global = true;
            }
        }
    }
    let mut owned = m.spare_args.pop().unwrap_or_default();
    owned.extend_from_slice(args);
    m.cmds.push(Queued {
        index,
        spec,
        args: owned,
        keys: start..m.key_pos.len(),
    });
    ctx.info.borrow_mut().multi = m.cmds.len() as i64;
    ctx.writer().simple("QUEUED");
}

/// MULTI.
pub fn multi(ctx: &mut ConnCtx) {
    if ctx.multi.is_some() {
        return ctx.error("ERR MULTI calls can not be nested");
    }
    ctx.multi = Some(ctx.multi_spare.take().unwrap_or_default());
    ctx.info.borrow_mut().multi = 0;
    ctx.writer().ok();
}

/// DISCARD.
pub fn discard(ctx: &mut ConnCtx) {
    if ctx.multi.is_none() {
        return ctx.error("ERR DISCARD without MULTI");
    }
    discard_state(ctx);
    ctx.writer().ok();
}

/// Drops the client's open transaction and what it watches (DISCARD,
/// RESET, disconnection).
pub fn discard_state(ctx: &mut ConnCtx) {
    if let Some(mut m) = ctx.multi.take() {
        m.recycle();
        ctx.multi_spare = Some(m);
    }
    ctx.info.borrow_mut().multi = -1;
    unwatch(ctx);
}

/// WATCH key [key ...].
pub async fn watch_keys(ctx: &mut ConnCtx, keys: &[Bytes]) {
    if ctx.multi.is_some() {
        return ctx.error("ERR WATCH inside MULTI is not allowed");
    }
    let db = ctx.db;
    let shard = ctx.shard.clone();
    let watching = ctx.watching.get_or_insert_with(Box::default);
    let flag = watching.flag.clone();
    // New keys only (watching a key twice registers it once), by owner.
    let mut by_owner: std::collections::BTreeMap<usize, Vec<Bytes>> = Default::default();
    for k in keys {
        let known = watching.keys.iter().any(|w| w.db == db && w.key == *k)
            || by_owner.values().any(|v| v.contains(k));
        if !known {
            by_owner
                .entry(shard.slot_map.shard_of_key(k))
                .or_default()
                .push(k.clone());
        }
    }
    for (owner, keys) in by_owner {
        // Counted before the registration runs, so that from then on the
        // owner collects the events that touch it (eviction, expiry).
        let shared = shard.shared.clone();
        shared.watched_keys.fetch_add(keys.len(), Ordering::Relaxed);
        let f = flag.clone();
        let job_keys = keys.clone();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            let now = now_ms();
            let mut expired = Vec::with_capacity(job_keys.len());
            {
                let store = s.store.borrow();
                let d = store.dbs.get(db);
                for k in &job_keys {
                    expired.push(d.is_some_and(|d| d.is_expired(k, now)));
                }
            }
            let mut reg = s.watches.borrow_mut();
            for k in job_keys {
                reg.add(db, k, &f);
            }
            Box::new(expired)
        });
        let expired = shard
            .call(owner, LockOp::None, job)
            .await
            .and_then(|o| o.downcast::<Vec<bool>>().ok());
        let Some(expired) = expired else {
            shared.watched_keys.fetch_sub(keys.len(), Ordering::Relaxed);
            return ctx.error("ERR shard unavailable");
        };
        let watching = ctx.watching.get_or_insert_with(Box::default);
        for (key, expired_at_watch) in keys.into_iter().zip(expired.iter().copied()) {
            watching.keys.push(WatchedKey {
                db,
                key,
                shard: owner,
                expired_at_watch,
            });
        }
    }
    ctx.writer().ok();
}

/// Forgets everything the client watches (UNWATCH, EXEC, DISCARD, RESET,
/// disconnection). The registrations on other shards are removed by a
/// background task: until then a touch only raises a flag nobody reads.
pub fn unwatch(ctx: &mut ConnCtx) {
    let Some(w) = ctx.watching.take() else {
        return;
    };
    release_watching(&ctx.shard, *w);
}

fn release_watching(shard: &std::rc::Rc<ShardState>, w: Watching) {
    if w.keys.is_empty() {
        return;
    }
    shard
        .shared
        .watched_keys
        .fetch_sub(w.keys.len(), Ordering::Relaxed);
    let mut by_owner: std::collections::BTreeMap<usize, Vec<(usize, Bytes)>> = Default::default();
    for k in w.keys {
        by_owner.entry(k.shard).or_default().push((k.db, k.key));
    }
    let flag = w.flag;
    let remove = |s: &ShardState, keys: &[(usize, Bytes)], flag: &Arc<WatchFlag>| {
        let mut reg = s.watches.borrow_mut();
        for (db, k) in keys {
            reg.remove(*db, k, flag);
        }
    };
    if let Some(local) = by_owner.remove(&shard.id) {
        remove(shard, &local, &flag);
    }
    if by_owner.is_empty() {
        return;
    }
    let shard = shard.clone();
    glommio::spawn_local(async move {
        for (owner, keys) in by_owner {
            let f = flag.clone();
            let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
                remove(s, &keys, &f);
                Box::new(())
            });
            let _ = shard.call(owner, LockOp::None, job).await;
        }
    })
    .detach();
}

/// Whether a watched key of `keys` (all on `shard`) expired since it was
/// watched: Redis 7.0 treats that as a change even before the key is
/// removed.
fn watched_key_expired(shard: &ShardState, keys: &[(usize, Bytes)], now: u64) -> bool {
    let store = shard.store.borrow();
    keys.iter().any(|(db, k)| {
        store
            .dbs
            .get(*db)
            .is_some_and(|d| d.expire_at(k).is_some_and(|at| at <= now))
    })
}

/// What a one-shard EXEC job returns.
enum ShardExec {
    /// A watched key changed: nothing ran.
    Watched(Box<MultiState>),
    /// The replies, one after another, with the end offset of each.
    Ran {
        multi: Box<MultiState>,
        replies: BytesMut,
        ends: Vec<usize>,
        dirty: u64,
        /// Keyspace events for the client's shard to publish.
        events: Vec<crate::notify::KeyEvent>,
    },
}

/// Runs every queued command of `multi` (all keyed, all keys on `s`) on
/// shard `s`, appending the replies to `out` and the end of each reply to
/// `ends`. Returns the dirty count.
#[allow(clippy::too_many_arguments)]
fn run_queue_here(
    s: &ShardState,
    multi: &MultiState,
    db: usize,
    proto: crate::protocol::Protocol,
    now: u64,
    out: &mut BytesMut,
    ends: &mut Vec<usize>,
    events: &mut Vec<crate::notify::KeyEvent>,
) -> u64 {
    let mut dirty = 0u64;
    for q in &multi.cmds {
        if let Handler::Keyed(f) = q.spec.handler {
            let extra = crate::commands::extra_dbs(q.spec, &q.args);
            let keys = multi.key_pos.get(q.keys.clone()).unwrap_or(&[]);
            let d = router::run_here(
                s, f, &q.args, keys, db, &extra, proto, now, out, events, None,
            );
            dirty = dirty.saturating_add(d);
        }
        ends.push(out.len());
    }
    dirty
}

/// Records a transaction that runs without awaiting on one shard into a
/// buffer of its own, so that it reaches the write journal as one
/// MULTI ... EXEC.
struct JournalCapture {
    id: u64,
    outer: Option<u64>,
}

impl JournalCapture {
    /// Starts capturing what shard `s` records.
    fn begin(s: &ShardState) -> Self {
        let id = s.new_txid();
        let outer = s.running_txn.replace(Some(id));
        JournalCapture { id, outer }
    }

    /// Stops capturing and commits what was recorded.
    fn commit(self, s: &ShardState) {
        s.running_txn.set(self.outer);
        crate::journal::commit_txn(s, self.id, self.outer, crate::journal::Wrap::Always);
    }
}

/// EXEC.
pub async fn exec(ctx: &mut ConnCtx) {
    let Some(mut multi) = ctx.multi.take() else {
        return ctx.error("ERR EXEC without MULTI");
    };
    ctx.info.borrow_mut().multi = -1;
    let watching = ctx.watching.take();
    let shard = ctx.shard.clone();
    if multi.aborted {
        end_exec(ctx, multi, watching);
        return ctx.error(EXECABORT);
    }
    if watching.as_ref().is_some_and(|w| w.flag.is_touched()) {
        end_exec(ctx, multi, watching);
        return ctx.writer().null_array();
    }
    // Watched keys count as keys of the transaction: their check must be
    // isolated from writers too.
    if let Some(w) = &watching {
        for k in &w.keys {
            multi.add_shard(k.shard);
        }
    }
    let watched: Vec<(usize, usize, Bytes)> = watching
        .as_ref()
        .map(|w| {
            w.keys
                .iter()
                .filter(|k| !k.expired_at_watch)
                .map(|k| (k.shard, k.db, k.key.clone()))
                .collect()
        })
        .unwrap_or_default();
    let flag = watching.as_ref().map(|w| w.flag.clone());
    if multi.keyed_only && !multi.spans_shards {
        let target = multi.target.unwrap_or(shard.id);
        if target == shard.id && shard.gate.borrow().is_open() {
            multi = exec_in_place(ctx, multi, flag, &watched);
        } else {
            multi = exec_on_one_shard(ctx, multi, flag, watched, target).await;
        }
    } else if multi.keyed_only {
        multi = exec_gathered(ctx, multi, flag, watching.as_deref()).await;
    } else {
        // Every shard for a command working on all of them; otherwise the
        // shards of the queued and watched keys (noted while queueing) and
        // the client's own: a command with no keys (or whose arguments name
        // none, as `LMPOP -1 ...`) runs there.
        let shards: Vec<usize> = if multi.global {
            (0..shard.nshards).collect()
        } else {
            let mut s: BTreeSet<usize> = multi.shards.iter().copied().collect();
            s.insert(shard.id);
            s.into_iter().collect()
        };
        multi = exec_locked(ctx, multi, flag, watched, shards).await;
    }
    end_exec(ctx, multi, watching);
}

/// Forgets what the client watched and keeps the transaction's buffers for
/// its next MULTI.
fn end_exec(ctx: &mut ConnCtx, mut multi: Box<MultiState>, watching: Option<Box<Watching>>) {
    if let Some(w) = watching {
        release_watching(&ctx.shard, *w);
    }
    multi.recycle();
    ctx.multi_spare = Some(multi);
}

/// Runs a transaction whose keys all live on the client's own shard, whose
/// gate is open: in place, with no await between the commands, so nothing
/// else can run in the middle.
fn exec_in_place(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    flag: Option<Arc<WatchFlag>>,
    watched: &[(usize, usize, Bytes)],
) -> Box<MultiState> {
    let shard = ctx.shard.clone();
    let now = now_ms();
    let watched: Vec<(usize, Bytes)> = watched.iter().map(|(_, d, k)| (*d, k.clone())).collect();
    if flag.as_ref().is_some_and(|f| f.is_touched()) || watched_key_expired(&shard, &watched, now) {
        ctx.writer().null_array();
        return multi;
    }
    ctx.writer().array(multi.cmds.len());
    let mut ends = Vec::with_capacity(multi.cmds.len());
    let mut events = Vec::new();
    let first = ctx.out.len();
    let capture = JournalCapture::begin(&shard);
    let dirty = run_queue_here(
        &shard,
        &multi,
        ctx.db,
        ctx.proto,
        now,
        &mut ctx.out,
        &mut ends,
        &mut events,
    );
    capture.commit(&shard);
    crate::notify::publish(&shard, &events);
    count_all(&shard, &multi, &ctx.out[first..], &ends, first, dirty);
    multi
}

/// Counts the queued commands EXEC ran in the statistics; `replies` starts
/// at offset `first` of the buffer the `ends` offsets refer to.
fn count_all(
    shard: &ShardState,
    multi: &MultiState,
    replies: &[u8],
    ends: &[usize],
    first: usize,
    dirty: u64,
) {
    let mut st = shard.stats.borrow_mut();
    st.dirty = st.dirty.saturating_add(dirty);
    let mut start = 0;
    for (q, &end) in multi.cmds.iter().zip(ends) {
        let end = end - first;
        connection::count_queued(&mut st, q.index, replies.get(start..end).unwrap_or(&[]));
        start = end;
    }
}

/// Runs a transaction whose keys all live on shard `target` as one job
/// there.
async fn exec_on_one_shard(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    flag: Option<Arc<WatchFlag>>,
    watched: Vec<(usize, usize, Bytes)>,
    target: usize,
) -> Box<MultiState> {
    let shard = ctx.shard.clone();
    let (db, proto) = (ctx.db, ctx.proto);
    let watched: Vec<(usize, Bytes)> = watched.into_iter().map(|(_, d, k)| (d, k)).collect();
    let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
        let now = now_ms();
        if flag.as_ref().is_some_and(|f| f.is_touched()) || watched_key_expired(s, &watched, now) {
            return Box::new(ShardExec::Watched(multi));
        }
        let mut replies = BytesMut::new();
        let mut ends = Vec::with_capacity(multi.cmds.len());
        let mut events = Vec::new();
        let capture = JournalCapture::begin(s);
        let dirty = run_queue_here(
            s,
            &multi,
            db,
            proto,
            now,
            &mut replies,
            &mut ends,
            &mut events,
        );
        capture.commit(s);
        Box::new(ShardExec::Ran {
            multi,
            replies,
            ends,
            dirty,
            events,
        })
    });
    let out = shard
        .call(target, LockOp::None, job)
        .await
        .and_then(|o| o.downcast::<ShardExec>().ok());
    match out.map(|b| *b) {
        None => {
            ctx.error("ERR shard unavailable");
            Box::default()
        }
        Some(ShardExec::Watched(multi)) => {
            ctx.writer().null_array();
            multi
        }
        Some(ShardExec::Ran {
            multi,
            replies,
            ends,
            dirty,
            events,
        }) => {
            crate::notify::publish(&shard, &events);
            ctx.writer().array(ends.len());
            ctx.out.extend_from_slice(&replies);
            count_all(&shard, &multi, &replies, &ends, 0, dirty);
            multi
        }
    }
}

/// Runs a transaction of keyed commands whose keys live on several shards:
/// the keys (watched ones included) move into a scratch store while their
/// shards are locked, every command runs there in order, and the keys go
/// back (see [`router::with_keys_gathered`]): two hops per shard whatever
/// the number of commands.
async fn exec_gathered(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    flag: Option<Arc<WatchFlag>>,
    watching: Option<&Watching>,
) -> Box<MultiState> {
    let shard = ctx.shard.clone();
    let (db, proto) = (ctx.db, ctx.proto);
    let databases = shard.shared.databases;
    let mut dbs = vec![db];
    let mut groups = router::KeyGroups::default();
    for q in &multi.cmds {
        let extra: Vec<usize> = crate::commands::extra_dbs(q.spec, &q.args)
            .into_iter()
            .filter(|&d| d < databases)
            .collect();
        for &d in &extra {
            if !dbs.contains(&d) {
                dbs.push(d);
            }
        }
        for &i in multi.key_pos.get(q.keys.clone()).unwrap_or(&[]) {
            if let Some(k) = q.args.get(i) {
                groups.add(&shard, db, k);
                for &d in &extra {
                    groups.add(&shard, d, k);
                }
            }
        }
    }
    // A watched key that expired since WATCH is expired by its hand-over,
    // which raises the flag before the queue would run.
    for k in watching.map(|w| &w.keys[..]).unwrap_or(&[]) {
        if !k.expired_at_watch && k.db < databases {
            if !dbs.contains(&k.db) {
                dbs.push(k.db);
            }
            groups.add(&shard, k.db, &k.key);
        }
    }
    let out = &mut ctx.out;
    let ran = router::with_keys_gathered(&shard, groups, &dbs, None, |scratch, jt| {
        if flag.as_ref().is_some_and(|f| f.is_touched()) {
            ReplyWriter::new(out, proto).null_array();
            return (0, Vec::new());
        }
        ReplyWriter::new(out, proto).array(multi.cmds.len());
        let first = out.len();
        let now = now_ms();
        let mut ends = Vec::with_capacity(multi.cmds.len());
        let mut events = Vec::new();
        let mut dirty = 0u64;
        for q in &multi.cmds {
            if let Handler::Keyed(f) = q.spec.handler {
                let on = crate::notify::Events::for_server(&shard.shared);
                let mut ctx = crate::commands::ExecCtx::with_events(scratch, db, now, on);
                router::run_guarded(f, &mut ctx, &q.args, out, proto);
                let d = ctx.dirty;
                dirty = dirty.saturating_add(d);
                events.append(&mut ctx.finish().into_list());
                let propagate = ctx.propagate.take();
                crate::journal::record(&shard, Some(jt), scratch, db, &q.args, d, propagate);
            }
            ends.push(out.len());
        }
        count_all(&shard, &multi, &out[first..], &ends, first, 0);
        (dirty, events)
    })
    .await;
    if !ran {
        ctx.error("ERR shard unavailable");
    }
    multi
}

/// Runs a transaction holding the gates of `shards` (ascending).
async fn exec_locked(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    flag: Option<Arc<WatchFlag>>,
    watched: Vec<(usize, usize, Bytes)>,
    shards: Vec<usize>,
) -> Box<MultiState> {
    let shard = ctx.shard.clone();
    let txid = shard.new_txid();
    let mut held = Vec::with_capacity(shards.len());
    for &s in &shards {
        let ok = shard
            .call(s, LockOp::Acquire(txid), Box::new(|_| Box::new(())))
            .await
            .is_some();
        if !ok {
            break;
        }
        held.push(s);
    }
    if held.len() == shards.len() {
        // Watched keys that expired since WATCH, checked under the locks.
        let mut changed = flag.as_ref().is_some_and(|f| f.is_touched());
        let mut by_owner: std::collections::BTreeMap<usize, Vec<(usize, Bytes)>> =
            Default::default();
        for (s, d, k) in watched {
            by_owner.entry(s).or_default().push((d, k));
        }
        for (owner, keys) in by_owner {
            if changed {
                break;
            }
            let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
                Box::new(watched_key_expired(s, &keys, now_ms()))
            });
            changed = shard
                .call(owner, LockOp::Within(txid), job)
                .await
                .and_then(|o| o.downcast::<bool>().ok())
                .is_none_or(|b| *b);
        }
        if changed {
            ctx.writer().null_array();
        } else {
            ctx.writer().array(multi.cmds.len());
            ctx.txn = Some(txid);
            ctx.in_exec = true;
            for q in &multi.cmds {
                let mark = ctx.out.len();
                connection::run_handler(ctx, q.spec, &q.args).await;
                let mut st = shard.stats.borrow_mut();
                connection::count_queued(&mut st, q.index, &ctx.out[mark..]);
            }
            ctx.txn = None;
            ctx.in_exec = false;
        }
    } else {
        ctx.error("ERR shard unavailable");
    }
    // The transaction's writes reach the journal as one MULTI ... EXEC
    // before any shard is released.
    crate::journal::commit_txn(&shard, txid, None, crate::journal::Wrap::Always);
    let releases = held
        .into_iter()
        .map(|s| shard.call(s, LockOp::Release(txid), Box::new(|_| Box::new(()))))
        .collect();
    crate::dispatch::join_all(releases).await;
    multi
}
