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
}

/// Keys and values handed over by a locked shard.
type Taken = Vec<(usize, Bytes, Option<(Value, Option<u64>)>)>;

/// Executes keyed handler `f` for `args` in database `db`, appending the
/// reply to `out`. `key_idx` are the key argument positions; `extra_dbs`
/// are databases besides `db` that the handler touches (COPY ... DB n).
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
    if single && target == shard.id && shard.gate.borrow().is_open() {
        let dirty = run_here(shard, f, args, key_idx, db, extra_dbs, proto, now, out);
        let mut st = shard.stats.borrow_mut();
        st.dirty = st.dirty.saturating_add(dirty);
        return;
    }
    if single {
        let owned: Vec<Bytes> = args.to_vec();
        let idx: Vec<usize> = key_idx.to_vec();
        let extra: Vec<usize> = extra_dbs.to_vec();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            let mut bytes = BytesMut::new();
            let dirty = run_here(s, f, &owned, &idx, db, &extra, proto, now_ms(), &mut bytes);
            Box::new(RemoteReply { bytes, dirty })
        });
        match shard
            .call(target, LockOp::None, job)
            .await
            .and_then(|o| o.downcast::<RemoteReply>().ok())
        {
            Some(r) => {
                out.extend_from_slice(&r.bytes);
                {
                    let mut st = shard.stats.borrow_mut();
                    st.dirty = st.dirty.saturating_add(r.dirty);
                }
            }
            None => ReplyWriter::new(out, proto).error("ERR shard unavailable"),
        }
        return;
    }
    run_across_shards(shard, f, args, key_idx, db, extra_dbs, proto, out).await;
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
) {
    // Databases past the configured count are never touched (the handler
    // answers "DB index is out of range"); every named one exists in the
    // scratch store, so handlers can tell the count from `store.dbs.len()`.
    let extra_dbs: Vec<usize> = extra_dbs
        .iter()
        .copied()
        .filter(|&d| d < shard.shared.databases)
        .collect();
    let mut scratch = Store::default();
    for &d in std::iter::once(&db).chain(extra_dbs.iter()) {
        scratch.db(d);
    }
    // Group (db, key) pairs by owner shard; BTreeMap gives ascending order.
    let mut groups: BTreeMap<usize, Vec<(usize, Bytes)>> = BTreeMap::new();
    let mut seen: hashbrown::HashSet<(usize, &[u8])> = hashbrown::HashSet::new();
    for &i in key_idx {
        let key = &args[i];
        let owner = shard.slot_map.shard_of_key(key);
        for &d in std::iter::once(&db).chain(extra_dbs.iter()) {
            if seen.insert((d, &key[..])) {
                groups.entry(owner).or_default().push((d, key.clone()));
            }
        }
    }
    let txid = shard.new_txid();
    let mut acquired = 0usize;
    for (&owner, keys) in &groups {
        let keys = keys.clone();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            let now = now_ms();
            // Keys found expired here are gone before the command runs:
            // their `expired` events come from this shard.
            let taken: Taken = crate::notify::with_expiry_log(s, |store| {
                keys.into_iter()
                    .map(|(d, k)| {
                        let v = store.db(d).remove(&k, now);
                        (d, k, v)
                    })
                    .collect()
            });
            Box::new(taken)
        });
        let taken = shard
            .call(owner, LockOp::Acquire(txid), job)
            .await
            .and_then(|o| o.downcast::<Taken>().ok());
        match taken {
            Some(taken) => {
                acquired += 1;
                for (d, k, v) in *taken {
                    if let Some((v, exp)) = v {
                        scratch.db(d).insert(&k, v, exp);
                    }
                }
            }
            None => break,
        }
    }
    // A shard that could not be locked (it is stopping): give the others
    // their keys back untouched and fail the command.
    let complete = acquired == groups.len();
    let mut dirty = 0;
    if complete {
        let now = now_ms();
        let events;
        (dirty, events) = {
            let events = crate::notify::Events::for_server(&shard.shared);
            let mut ctx = ExecCtx::with_events(&mut scratch, db, now, events);
            run_guarded(f, &mut ctx, args, out, proto);
            (ctx.dirty, ctx.finish())
        };
        if !events.is_empty() {
            crate::notify::dispatch(shard, events.list());
        }
        {
            let mut st = shard.stats.borrow_mut();
            st.dirty = st.dirty.saturating_add(dirty);
        }
    } else {
        ReplyWriter::new(out, proto).error("ERR shard unavailable");
    }
    for (owner, keys) in groups.into_iter().take(acquired) {
        let back: Taken = keys
            .into_iter()
            .map(|(d, k)| {
                let v = scratch.db(d).remove(&k, 0);
                (d, k, v)
            })
            .collect();
        let job = Box::new(move |s: &ShardState| -> crate::dispatch::Out {
            let touched: Vec<(usize, Bytes)> = if dirty > 0 && !s.blocked.borrow().is_empty() {
                back.iter().map(|(d, k, _)| (*d, k.clone())).collect()
            } else {
                Vec::new()
            };
            {
                let mut store = s.store.borrow_mut();
                for (d, k, v) in back {
                    if let Some((v, exp)) = v {
                        store.db(d).insert(&k, v, exp);
                    }
                }
            }
            for (d, k) in &touched {
                crate::blocking::queue::signal_keys(s, *d, std::iter::once(k));
            }
            Box::new(())
        });
        let _ = shard.call(owner, LockOp::Release(txid), job).await;
    }
}

/// Runs keyed handler `f` against shard `s`'s own store (the caller made
/// sure the keys live there and the gate lets it run), then acts on what
/// the command changed: keyspace events and blocked clients. Returns the
/// dirty count.
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
) -> u64 {
    let (dirty, events) = {
        let mut store = s.store.borrow_mut();
        let events = crate::notify::Events::for_server(&s.shared);
        let mut ctx = ExecCtx::with_events(&mut store, db, now, events);
        run_guarded(f, &mut ctx, args, out, proto);
        (ctx.dirty, ctx.finish())
    };
    if !events.is_empty() {
        crate::notify::dispatch(s, events.list());
    }
    if dirty > 0 {
        signal_written(s, db, extra_dbs, args, key_idx);
    }
    dirty
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
