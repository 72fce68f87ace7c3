//! Routing a keyed command to the shard(s) owning its keys.
//!
//! - All keys on the client's own shard and the gate open: the handler runs
//!   in place, writing its reply straight into the client's output buffer
//!   (the fast path: no allocation, no message).
//! - All keys on one shard: a job runs the handler there and sends back the
//!   encoded reply.
//! - Keys on several shards: a transaction. The shards are locked in
//!   ascending order, each handing over the command's keys (values and
//!   expiry times are moved, not copied); the handler runs against a scratch
//!   store holding them; then each shard gets back its keys as the handler
//!   left them and is released. No other command can see the keys between
//!   the first lock and the last release, so the command is atomic and
//!   isolated, whatever it does.

use std::collections::BTreeMap;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};

use crate::commands::spec::{ExecCtx, KeyedFn};
use crate::dispatch::LockOp;
use crate::protocol::{Protocol, ReplyWriter};
use crate::shard::keyspace::{now_ms, Store};
use crate::shard::ShardState;
use crate::types::Value;

/// Runs keyed handler `f`, appending its reply to `out`. A panic in the
/// handler (a bug) is contained: the partial reply is dropped, the client
/// gets `-ERR internal error`, the shard keeps running.
pub fn run_guarded(
    f: KeyedFn,
    ctx: &mut ExecCtx<'_>,
    args: &[Bytes],
    out: &mut BytesMut,
    proto: Protocol,
) {
    let mark = out.len();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut w = ReplyWriter::new(out, proto);
        f(ctx, args, &mut w);
    }));
    if result.is_err() {
        out.truncate(mark);
        ReplyWriter::new(out, proto).error("ERR internal error");
        crate::warning!(
            "Internal error while running '{}': the command was aborted",
            String::from_utf8_lossy(args.first().map(|a| &a[..]).unwrap_or(b""))
        );
    }
}

/// Output of a single-shard remote run: the encoded reply and dirty count.
struct RemoteReply {
    bytes: BytesMut,
    dirty: u64,
    /// Keyspace events for the client's shard to publish.
    events: Vec<crate::notify::KeyEvent>,
}

/// A key moved between a shard and a scratch store: its value, expiry
/// time and access clock (so LRU/LFU history survives the trip).
type Moved = Option<(Value, Option<u64>, u32)>;

/// Keys and values handed over by a locked shard.
type Taken = Vec<(usize, Bytes, Moved)>;

/// Removes `key` of database `d` from `store` with its access clock.
fn take_key(store: &mut Store, d: usize, key: &[u8], now: u64) -> Moved {
    let db = store.db(d);
    let access = db.access_of(key).unwrap_or(0);
    db.remove(key, now).map(|(v, exp)| (v, exp, access))
}

/// Inserts a moved key into `store`, keeping its access clock.
fn place_key(store: &mut Store, d: usize, key: &[u8], moved: Moved) {
    if let Some((v, exp, access)) = moved {
        let db = store.db(d);
        db.insert(key, v, exp);
        db.set_access(key, access);
    }
}

/// Executes keyed handler `f` for `args` in database `db`, appending the
/// reply to `out`. `key_idx` are the key argument positions; `extra_dbs`
/// are databases besides `db` that the handler touches (COPY ... DB n).
/// `txn` is the transaction (EXEC) the command runs in, which then already
/// holds every shard the keys live on.
#[allow(clippy::too_many_arguments)]
pub async fn run_keyed(
    shard: &Rc<ShardState>,
    f: KeyedFn,
    args: &[Bytes],
    key_idx: &[usize],
    db: usize,
    extra_dbs: &[usize],
    proto: Protocol,
    now: u64,
    out: &mut BytesMut,
    txn: Option<u64>,
) {
    let map = &shard.slot_map;
    let mut target = shard.id;
    let mut single = true;
    if shard.nshards > 1 {
        if let Some(&first) = key_idx.first() {
            target = map.shard_of_key(&args[first]);
            single = key_idx
                .iter()
                .all(|&i| map.shard_of_key(&args[i]) == target);
        }
    }
    let runs_here = {
        let g = shard.gate.borrow();
        match txn {
            Some(t) => g.is_held_by(t),
            None => g.is_open(),
        }
    };
    if single && target == shard.id && runs_here {
        let mut events = Vec::new();
        let dirty = run_here(
            shard,
            f,
            args,
            key_idx,
            db,
            extra_dbs,
            proto,
            now,
            out,
            &mut events,
            txn,
        );
        crate::notify::publish(shard, &events);
        let mut st = shard.stats.borrow_mut();
        st.dirty = st.dirty.saturating_add(dirty);
        return;
    }
    if single {
        let job = remote_job(f, args, key_idx, db, extra_dbs, proto);
        let done = shard.call(target, LockOp::plain(txn), job).await;
        take_remote_reply(shard, done, out, proto);
        return;
    }
    run_across_shards(shard, f, args, key_idx, db, extra_dbs, proto, out, txn).await;
}

/// A keyed command sent to another shard and not yet answered (see
/// [`start_remote`]).
#[derive(Debug)]
pub struct InFlight(Rc<crate::dispatch::gate::Oneshot>, Protocol);

/// Sends a keyed command whose keys all live on shard `target` (not this
/// one) to run there, without waiting for it: a replica applying its
/// master's stream keeps several in flight (calls to one shard run in the
/// order sent) and collects them with [`finish_remote`] before anything
/// that depends on them. `None` if the shard is gone.
#[allow(clippy::too_many_arguments)]
pub fn start_remote(
    shard: &Rc<ShardState>,
    target: usize,
    f: KeyedFn,
    args: &[Bytes],
    key_idx: &[usize],
    db: usize,
    proto: Protocol,
) -> Option<InFlight> {
    let job = remote_job(f, args, key_idx, db, &[], proto);
    shard
        .mesh
        .as_ref()?
        .call_start(target, LockOp::plain(None), job)
        .map(|slot| InFlight(slot, proto))
}

/// Waits for a command sent by [`start_remote`] and appends its reply to
/// `out` (publishing its keyspace events and counting its changes here,
/// as [`run_keyed`] does).
pub async fn finish_remote(shard: &Rc<ShardState>, sent: InFlight, out: &mut BytesMut) {
    let done = sent.0.wait().await;
    take_remote_reply(shard, Some(done), out, sent.1);
}

/// The job that runs a keyed command on the shard owning its keys.
fn remote_job(
    f: KeyedFn,
    args: &[Bytes],
    key_idx: &[usize],
    db: usize,
    extra_dbs: &[usize],
    proto: Protocol,
) -> crate::dispatch::gate::Job {
    let owned: Vec<Bytes> = args.to_vec();
    let idx: Vec<usize> = key_idx.to_vec();
    let extra: Vec<usize> = extra_dbs.to_vec();
    Box::new(move |s: &ShardState| -> crate::dispatch::Out {
        let mut bytes = BytesMut::new();
        let mut events = Vec::new();
        let dirty = run_here(
            s,
            f,
            &owned,
            &idx,
            db,
            &extra,
            proto,
            now_ms(),
            &mut bytes,
            &mut events,
            None,
        );
        Box::new(RemoteReply {
            bytes,
            dirty,
            events,
        })
    })
}

/// Appends a [`remote_job`]'s reply to `out`, publishing its keyspace
/// events and counting its changes on the calling shard.
fn take_remote_reply(
    shard: &ShardState,
    done: Option<crate::dispatch::Out>,
    out: &mut BytesMut,
    proto: Protocol,
) {
    match done.and_then(|o| o.downcast::<RemoteReply>().ok()) {
        Some(r) => {
            crate::notify::publish(shard, &r.events);
            out.extend_from_slice(&r.bytes);
            let mut st = shard.stats.borrow_mut();
            st.dirty = st.dirty.saturating_add(r.dirty);
        }
        None => ReplyWriter::new(out, proto).error("ERR shard unavailable"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_across_shards(
    shard: &Rc<ShardState>,
    f: KeyedFn,
    args: &[Bytes],
    key_idx: &[usize],
    db: usize,
    extra_dbs: &[usize],
    proto: Protocol,
    out: &mut BytesMut,
    txn: Option<u64>,
) {
    // Databases past the configured count are never touched (the handler
    // answers "DB index is out of range"); every named one exists in the
    // scratch store, so handlers can tell the count from `store.dbs.len()`.
    let dbs: Vec<usize> = std::iter::once(db)
        .chain(extra_dbs.iter().copied())
        .filter(|&d| d == db || d < shard.shared.databases)
        .collect();
    let mut groups = KeyGroups::default();
    for &i in key_idx {
        if let Some(key) = args.get(i) {
            for &d in &dbs {
                groups.add(shard, d, key);
            }
        }
    }
    let ran = with_keys_gathered(shard, groups, &dbs, txn, |scratch, jt| {
        let events = crate::notify::Events::for_server(&shard.shared);
        let mut ctx = ExecCtx::with_events(scratch, db, now_ms(), events);
        run_guarded(f, &mut ctx, args, out, proto);
        let dirty = ctx.dirty;
        let events = ctx.finish().into_list();
        let propagate = ctx.propagate.take();
        crate::journal::record(shard, Some(jt), scratch, db, args, dirty, propagate);
        (dirty, events)
    })
    .await;
    if !ran {
        ReplyWriter::new(out, proto).error("ERR shard unavailable");
    }
}

/// (database, key) pairs a cross-shard run moves, by owner shard (in
/// ascending shard order, the locking order).
#[derive(Debug, Default)]
pub struct KeyGroups {
    by_owner: BTreeMap<usize, Vec<(usize, Bytes)>>,
    seen: hashbrown::HashSet<(usize, Bytes)>,
}

impl KeyGroups {
    /// Adds `key` of database `db` (once).
    pub fn add(&mut self, shard: &ShardState, db: usize, key: &Bytes) {
        if self.seen.insert((db, key.clone())) {
            let owner = shard.slot_map.shard_of_key(key);
            self.by_owner
                .entry(owner)
                .or_default()
                .push((db, key.clone()));
        }
    }
}

/// Moves the keys of `groups` from their shards into a scratch store, runs
/// `work` on it, and puts them back as `work` left them: atomic and
/// isolated, because every shard involved is locked (in ascending order)
/// from its hand-over until its keys are back. Inside transaction `txn`
/// the shards are already held and stay held.
///
/// `work` gets the scratch store and the transaction id its commands record
/// into for the write journal (`crate::journal::record`); that record goes
/// to the journal as one unit before any shard is released.
/// `work` returns the dirty count and the keyspace events of what it did;
/// the events are published from this shard (after the `expired` events
/// of the hand-over) and touch WATCHed keys on their shards. `dbs` are the
/// databases the scratch store must have. Returns `false`, without running
/// `work`, when a shard could not be locked (it is stopping).
pub async fn with_keys_gathered(
    shard: &Rc<ShardState>,
    groups: KeyGroups,
    dbs: &[usize],
    txn: Option<u64>,
    work: impl FnOnce(&mut Store, u64) -> (u64, Vec<crate::notify::KeyEvent>),
) -> bool {
    let groups = groups.by_owner;
    let mut scratch = Store::default();
    scratch.set_journal_log(shard.shared.journal.is_on());
    for &d in dbs {
        scratch.db(d);
    }
    let txid = txn.unwrap_or_else(|| shard.new_txid());
    let (take_op, give_op) = match txn {
        Some(t) => (LockOp::Within(t), LockOp::Within(t)),
        None => (LockOp::Acquire(txid), LockOp::Release(txid)),
    };
    let mut acquired = 0usize;
    for (&owner, keys) in &groups {
        let keys = keys.clone();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            let now = now_ms();
            // Keys found expired here are gone before the work runs: their
            // `expired` events go out first, from the client's shard.
            let taken = crate::notify::with_expiry_log_deferred(s, |store| {
                keys.into_iter()
                    .map(|(d, k)| {
                        let v = take_key(store, d, &k, now);
                        (d, k, v)
                    })
                    .collect::<Taken>()
            });
            Box::new(taken)
        });
        let taken = shard
            .call(owner, take_op, job)
            .await
            .and_then(|o| o.downcast::<(Taken, Vec<crate::notify::KeyEvent>)>().ok());
        match taken {
            Some(taken) => {
                acquired += 1;
                let (taken, expired) = *taken;
                crate::notify::publish(shard, &expired);
                for (d, k, v) in taken {
                    place_key(&mut scratch, d, &k, v);
                }
            }
            None => break,
        }
    }
    // A shard that could not be locked: give the others their keys back
    // untouched.
    let complete = acquired == groups.len();
    let mut dirty = 0;
    let mut all_events: Vec<crate::notify::KeyEvent> = Vec::new();
    if complete {
        (dirty, all_events) = work(&mut scratch, txn.unwrap_or(txid));
        crate::notify::publish(shard, &all_events);
        let mut st = shard.stats.borrow_mut();
        st.dirty = st.dirty.saturating_add(dirty);
    }
    // The journal gets the hand-overs' expirations and the work as one
    // unit, before any shard is released (inside EXEC, EXEC commits).
    if txn.is_none() {
        crate::journal::commit_txn(shard, txid, None, crate::journal::Wrap::IfSeveral);
    }
    let no_events = all_events.is_empty();
    let mut give_backs = Vec::with_capacity(acquired);
    for (owner, keys) in groups.into_iter().take(acquired) {
        let back: Taken = keys
            .into_iter()
            .map(|(d, k)| {
                let v = take_key(&mut scratch, d, &k, 0);
                (d, k, v)
            })
            .collect();
        // This owner's share of the events: its WATCHed keys are touched
        // when the keys are back.
        let owned_events: Vec<crate::notify::KeyEvent> = all_events
            .iter()
            .filter(|e| shard.slot_map.shard_of_key(&e.key) == owner)
            .cloned()
            .collect();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            crate::transaction::watch::touch_events(s, &owned_events);
            if dirty > 0 && no_events {
                let mut reg = s.watches.borrow_mut();
                for (d, k, _) in &back {
                    reg.touch(*d, k);
                }
            }
            let touched: Vec<(usize, Bytes)> = if dirty > 0 && !s.blocked.borrow().is_empty() {
                back.iter().map(|(d, k, _)| (*d, k.clone())).collect()
            } else {
                Vec::new()
            };
            {
                let mut store = s.store.borrow_mut();
                for (d, k, v) in back {
                    place_key(&mut store, d, &k, v);
                }
            }
            for (d, k) in &touched {
                crate::blocking::queue::signal_keys(s, *d, std::iter::once(k));
            }
            // Events of the blocked clients this served are published by
            // the client's shard, after the command's own.
            let mut served: Vec<crate::notify::KeyEvent> = Vec::new();
            crate::notify::take_deferred(s, &mut served);
            Box::new(served)
        });
        give_backs.push(shard.call(owner, give_op, job));
    }
    // Every shard gets its keys back at once: the order of releases does
    // not matter (only taking locks must be ordered).
    for out in crate::dispatch::join_all(give_backs)
        .await
        .into_iter()
        .flatten()
    {
        if let Ok(served) = out.downcast::<Vec<crate::notify::KeyEvent>>() {
            crate::notify::publish(shard, &served);
        }
    }
    complete
}

/// Runs keyed handler `f` against shard `s`'s own store (the caller made
/// sure the keys live there and the gate lets it run), then acts on what
/// the command changed: WATCHed keys and blocked clients. The keyspace
/// events to publish are appended to `to_publish`, for the client's shard
/// to publish (so they reach subscribers in that client's order). The
/// command goes to the write journal buffer of transaction `txn` (or of
/// the transaction whose job runs, or the shard's own). Returns the dirty
/// count.
#[allow(clippy::too_many_arguments)]
pub fn run_here(
    s: &ShardState,
    f: KeyedFn,
    args: &[Bytes],
    key_idx: &[usize],
    db: usize,
    extra_dbs: &[usize],
    proto: Protocol,
    now: u64,
    out: &mut BytesMut,
    to_publish: &mut Vec<crate::notify::KeyEvent>,
    txn: Option<u64>,
) -> u64 {
    let (dirty, events) = {
        let mut store = s.store.borrow_mut();
        let events = crate::notify::Events::for_server(&s.shared);
        let mut ctx = ExecCtx::with_events(&mut store, db, now, events);
        run_guarded(f, &mut ctx, args, out, proto);
        let dirty = ctx.dirty;
        let events = ctx.finish();
        let propagate = ctx.propagate.take();
        crate::journal::record(s, txn, &mut store, db, args, dirty, propagate);
        (dirty, events)
    };
    if !events.is_empty() {
        let mut kept = crate::notify::touch_and_keep(s, events.into_list());
        if to_publish.is_empty() {
            *to_publish = kept;
        } else {
            to_publish.append(&mut kept);
        }
    } else if dirty > 0 {
        touch_key_args(s, db, extra_dbs, args, key_idx);
    }
    if dirty > 0 {
        signal_written(s, db, extra_dbs, args, key_idx);
        crate::notify::take_deferred(s, to_publish);
    }
    dirty
}

/// A write that reported no keyspace event: every key argument counts as
/// touched for WATCH (a safe over-approximation).
fn touch_key_args(
    s: &ShardState,
    db: usize,
    extra_dbs: &[usize],
    args: &[Bytes],
    key_idx: &[usize],
) {
    if s.watches.borrow().is_empty() {
        return;
    }
    let mut reg = s.watches.borrow_mut();
    for &d in std::iter::once(&db).chain(extra_dbs.iter()) {
        for k in key_idx.iter().filter_map(|&i| args.get(i)) {
            reg.touch(d, k);
        }
    }
}

/// After a write, offers the command's keys (in every database it touched)
/// to clients blocked on them.
fn signal_written(
    shard: &ShardState,
    db: usize,
    extra_dbs: &[usize],
    args: &[Bytes],
    key_idx: &[usize],
) {
    if shard.blocked.borrow().is_empty() {
        return;
    }
    for &d in std::iter::once(&db).chain(extra_dbs.iter()) {
        crate::blocking::queue::signal_keys(shard, d, key_idx.iter().filter_map(|&i| args.get(i)));
    }
}
