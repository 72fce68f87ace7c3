//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Between MULTI and EXEC a client's commands are checked (lookup, arity,
//! authentication) and queued; a command that fails those checks marks the
//! transaction so that EXEC answers `-EXECABORT`. EXEC runs the queue as one
//! isolated unit, whatever shards the keys live on:
//!
//! - **One shard** (every queued command is keyed and every key, watched
//!   keys included, lives on one shard): the whole queue travels to that
//!   shard as one job and runs there without a pause, which makes it atomic
//!   and isolated (a shard runs one job at a time). This is the common case
//!   and costs a single hop, or none on the client's own shard.
//! - **Several shards**, or commands that are not keyed (SELECT, DBSIZE,
//!   FLUSHALL, INFO...): EXEC locks the shards involved (every shard when a
//!   command is not keyed) in ascending order through their gates, runs
//!   each command in order as usual, with every shard call made *within*
//!   the transaction, then releases them. Other clients' work on those
//!   shards waits in the gates meanwhile, so nobody sees part of it.
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

use crate::commands::spec::{flags, CommandSpec, Handler, KeyedFn};
use crate::dispatch::router;
use crate::dispatch::LockOp;
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
}

/// A client's open transaction (between MULTI and EXEC/DISCARD).
#[derive(Debug, Default)]
pub struct MultiState {
    /// The queued commands.
    pub cmds: Vec<Queued>,
    /// A command failed to queue: EXEC must answer EXECABORT.
    pub aborted: bool,
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
    if let Some(m) = ctx.multi.as_mut() {
        m.cmds.push(Queued {
            index,
            spec,
            args: args.to_vec(),
        });
        ctx.info.borrow_mut().multi = m.cmds.len() as i64;
    }
    ctx.writer().simple("QUEUED");
}

/// MULTI.
pub fn multi(ctx: &mut ConnCtx) {
    if ctx.multi.is_some() {
        return ctx.error("ERR MULTI calls can not be nested");
    }
    ctx.multi = Some(Box::default());
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
    ctx.multi = None;
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
            shard.shared.watched_keys.fetch_add(1, Ordering::Relaxed);
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

/// A command of a one-shard EXEC, as sent to that shard.
struct ShardCmd {
    f: KeyedFn,
    args: Vec<Bytes>,
    key_idx: Vec<usize>,
    extra_dbs: Vec<usize>,
}

/// What a one-shard EXEC job returns.
enum ShardExec {
    /// A watched key changed: nothing ran.
    Watched,
    /// The replies, one after another, with the end offset of each.
    Ran {
        replies: BytesMut,
        ends: Vec<usize>,
        dirty: u64,
        /// Keyspace events for the client's shard to publish.
        events: Vec<crate::notify::KeyEvent>,
    },
}

/// EXEC.
pub async fn exec(ctx: &mut ConnCtx) {
    let Some(multi) = ctx.multi.take() else {
        return ctx.error("ERR EXEC without MULTI");
    };
    ctx.info.borrow_mut().multi = -1;
    let watching = ctx.watching.take();
    let shard = ctx.shard.clone();
    let finish = |shard: &std::rc::Rc<ShardState>, w: Option<Box<Watching>>| {
        if let Some(w) = w {
            release_watching(shard, *w);
        }
    };
    if multi.aborted {
        finish(&shard, watching);
        return ctx.error(EXECABORT);
    }
    if watching.as_ref().is_some_and(|w| w.flag.is_touched()) {
        finish(&shard, watching);
        return ctx.writer().null_array();
    }
    // Which shards the transaction needs.
    let mut shards = BTreeSet::new();
    let mut keyed_only = true;
    let mut global = false;
    let mut key_idx: Vec<Vec<usize>> = Vec::with_capacity(multi.cmds.len());
    for q in &multi.cmds {
        let mut idx = Vec::new();
        q.spec.keys.key_indexes(&q.args, &mut idx);
        for &i in &idx {
            if let Some(k) = q.args.get(i) {
                shards.insert(shard.slot_map.shard_of_key(k));
            }
        }
        match q.spec.handler {
            Handler::Keyed(_) => {}
            Handler::Conn(_) => keyed_only = false,
            Handler::Async(_) => {
                keyed_only = false;
                if !q.spec.has(flags::BLOCKING) {
                    global = true;
                }
            }
        }
        key_idx.push(idx);
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
    if let Some(w) = &watching {
        for k in &w.keys {
            shards.insert(k.shard);
        }
    }
    if keyed_only && shards.len() <= 1 {
        let target = shards.first().copied().unwrap_or(shard.id);
        exec_on_one_shard(
            ctx,
            multi,
            key_idx,
            watching.as_ref().map(|w| w.flag.clone()),
            watched,
            target,
        )
        .await;
    } else {
        // The client's own shard too: a command with no keys (or whose
        // arguments name none, as `LMPOP -1 ...`) runs there.
        shards.insert(shard.id);
        let all: Vec<usize> = if global {
            (0..shard.nshards).collect()
        } else {
            shards.into_iter().collect()
        };
        exec_locked(
            ctx,
            multi,
            watching.as_ref().map(|w| w.flag.clone()),
            watched,
            all,
        )
        .await;
    }
    finish(&shard, watching);
}

/// Runs a transaction whose keys all live on shard `target` as one job
/// there.
async fn exec_on_one_shard(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    key_idx: Vec<Vec<usize>>,
    flag: Option<Arc<WatchFlag>>,
    watched: Vec<(usize, usize, Bytes)>,
    target: usize,
) {
    let shard = ctx.shard.clone();
    let (db, proto) = (ctx.db, ctx.proto);
    let indexes: Vec<usize> = multi.cmds.iter().map(|q| q.index).collect();
    let cmds: Vec<ShardCmd> = multi
        .cmds
        .into_iter()
        .zip(key_idx)
        .filter_map(|(q, key_idx)| match q.spec.handler {
            Handler::Keyed(f) => Some(ShardCmd {
                f,
                extra_dbs: crate::commands::extra_dbs(q.spec, &q.args),
                args: q.args,
                key_idx,
            }),
            _ => None,
        })
        .collect();
    let watched: Vec<(usize, Bytes)> = watched.into_iter().map(|(_, d, k)| (d, k)).collect();
    let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
        let now = now_ms();
        if flag.as_ref().is_some_and(|f| f.is_touched()) || watched_key_expired(s, &watched, now) {
            return Box::new(ShardExec::Watched);
        }
        let mut replies = BytesMut::new();
        let mut ends = Vec::with_capacity(cmds.len());
        let mut dirty = 0u64;
        let mut events = Vec::new();
        for c in &cmds {
            let d = router::run_here(
                s,
                c.f,
                &c.args,
                &c.key_idx,
                db,
                &c.extra_dbs,
                proto,
                now,
                &mut replies,
                &mut events,
            );
            dirty = dirty.saturating_add(d);
            ends.push(replies.len());
        }
        Box::new(ShardExec::Ran {
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
        None => ctx.error("ERR shard unavailable"),
        Some(ShardExec::Watched) => ctx.writer().null_array(),
        Some(ShardExec::Ran {
            replies,
            ends,
            dirty,
            events,
        }) => {
            crate::notify::publish(&shard, &events);
            ctx.writer().array(ends.len());
            ctx.out.extend_from_slice(&replies);
            let mut st = shard.stats.borrow_mut();
            st.dirty = st.dirty.saturating_add(dirty);
            let mut start = 0;
            for (index, end) in indexes.into_iter().zip(ends) {
                let reply = &replies[start..end];
                start = end;
                connection::count_queued(&mut st, index, reply);
            }
        }
    }
}

/// Runs a transaction holding the gates of `shards` (ascending).
async fn exec_locked(
    ctx: &mut ConnCtx,
    multi: Box<MultiState>,
    flag: Option<Arc<WatchFlag>>,
    watched: Vec<(usize, usize, Bytes)>,
    shards: Vec<usize>,
) {
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
    for s in held {
        let _ = shard
            .call(s, LockOp::Release(txid), Box::new(|_| Box::new(())))
            .await;
    }
}
