//! The client side of a blocking command: parse the timeout, attempt,
//! register on the shards owning the keys, wait for an outcome, clean up.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_lite::future;

use super::queue;
use super::waiter::{Outcome, Waiter};
use super::{BlockingSpec, TimeoutReply};
use crate::commands::args;
use crate::dispatch::gate::Out;
use crate::dispatch::{router, LockOp};
use crate::server::connection::ConnCtx;
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;

/// How often a blocked client checks that its peer is still connected.
const LIVENESS_PERIOD: Duration = Duration::from_millis(100);

/// Parses a blocking timeout in seconds (fractions allowed) into a wait in
/// milliseconds; `None` waits forever. `now` (Unix ms) bounds the deadline
/// as Redis does. Errors are Redis'.
pub fn parse_timeout(arg: &[u8], now: u64) -> Result<Option<u64>, &'static str> {
    let secs = args::parse_f64(arg).ok_or("ERR timeout is not a float or out of range")?;
    let ms = secs * 1000.0;
    // Redis converts to a 64-bit integer without a range check, and on
    // x86-64 anything past the range (inf, 1e400) becomes i64::MIN.
    if ms >= i64::MAX as f64 {
        return Err("ERR timeout is negative");
    }
    if ms < 0.0 {
        return Err("ERR timeout is negative");
    }
    let ms = ms.ceil() as i64;
    if ms == 0 {
        return Ok(None);
    }
    if ms > i64::MAX - now as i64 {
        return Err("ERR timeout is out of range");
    }
    Ok(Some(ms as u64))
}

/// Writes the reply of a command whose timeout passed.
pub fn timeout_reply(ctx: &mut ConnCtx, spec: &BlockingSpec) {
    let mut w = ctx.writer();
    match spec.timeout_reply {
        TimeoutReply::NullArray => w.null_array(),
        TimeoutReply::NullBulk => w.null(),
    }
}

pub(super) async fn run(ctx: &mut ConnCtx, args: Vec<Bytes>, spec: &'static BlockingSpec) {
    if let Some(check) = spec.check_args {
        if let Err(e) = check(&args) {
            return ctx.error(e);
        }
    }
    let t = (spec.timeout_arg)(&args);
    let Some(targ) = args.get(t) else {
        return ctx.error(crate::error::SYNTAX);
    };
    let deadline = match parse_timeout(targ, now_ms()) {
        Ok(d) => d.map(|ms| Instant::now() + Duration::from_millis(ms)),
        Err(e) => return ctx.error(e),
    };
    let mut key_idx = Vec::new();
    if let Some(c) = crate::commands::registry().lookup(&args[0]) {
        c.keys.key_indexes(&args, &mut key_idx);
    }
    let shard = ctx.shard.clone();
    loop {
        let before = ctx.out.len();
        router::run_keyed(
            &shard,
            spec.attempt,
            &args,
            &key_idx,
            ctx.db,
            &[],
            ctx.proto,
            now_ms(),
            &mut ctx.out,
            ctx.txn,
        )
        .await;
        if ctx.out.len() != before {
            return;
        }
        // Inside MULTI a blocking command never waits: with nothing to
        // pop it answers a null, as Redis does.
        if ctx.in_exec {
            let mut w = ctx.writer();
            if spec.destination.is_some() {
                w.null();
            } else {
                w.null_array();
            }
            return;
        }
        match wait(ctx, &args, spec, deadline).await {
            Outcome::Served { reply, .. } => {
                ctx.out.extend_from_slice(&reply);
                return;
            }
            Outcome::Retry => continue,
            Outcome::UnblockTimeout => return timeout_reply(ctx, spec),
            Outcome::UnblockError => {
                return ctx.error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
            }
            Outcome::Gone => {
                ctx.close = true;
                return;
            }
        }
    }
}

enum Event {
    Delivered(Out),
    Timeout,
    Closed,
}

/// Blocks the client on the keys of `args` until an outcome.
/// A timeout is reported as [`Outcome::UnblockTimeout`].
async fn wait(
    ctx: &mut ConnCtx,
    args: &[Bytes],
    spec: &'static BlockingSpec,
    deadline: Option<Instant>,
) -> Outcome {
    let shard = ctx.shard.clone();
    let shared = shard.shared.clone();
    let (token, slot) = shard.blocked.borrow_mut().new_slot();
    let fd = ctx.info.borrow().fd;
    let w = Arc::new(Waiter::new(
        shard.id,
        token,
        ctx.id,
        fd,
        ctx.db,
        ctx.proto,
        args.to_vec(),
        spec,
    ));
    // Keys grouped by owner shard, in argument order, without repeats.
    let mut groups: BTreeMap<usize, Vec<Bytes>> = BTreeMap::new();
    for i in (spec.wait_keys)(args) {
        let Some(k) = args.get(i) else { continue };
        let owner = shard.slot_map.shard_of_key(k);
        let g = groups.entry(owner).or_default();
        if !g.contains(k) {
            g.push(k.clone());
        }
    }
    shard.blocked.borrow_mut().set_client(ctx.id, w.clone());
    {
        let mut info = ctx.info.borrow_mut();
        info.blocked = true;
        if let Some(c) = args
            .first()
            .and_then(|n| crate::commands::registry().lookup(n))
        {
            info.last_cmd = c.name;
        }
    }
    shared.blocked_clients.fetch_add(1, Ordering::Relaxed);

    for (&owner, keys) in &groups {
        let (w2, keys) = (w.clone(), keys.clone());
        let _ = shard
            .call(
                owner,
                LockOp::None,
                Box::new(move |s: &ShardState| {
                    queue::register(s, w2, keys);
                    Box::new(())
                }),
            )
            .await;
    }

    let info = ctx.info.clone();
    let delivered = async { Event::Delivered(slot.wait().await) };
    let timer = async {
        match deadline {
            Some(at) => {
                // Timers may fire a little early: never time out before the
                // deadline.
                loop {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break Event::Timeout;
                    }
                    glommio::timer::sleep(left).await;
                }
            }
            None => future::pending().await,
        }
    };
    let w_live = w.clone();
    let liveness = async {
        loop {
            glommio::timer::sleep(LIVENESS_PERIOD).await;
            if info.borrow().killed || w_live.peer_closed() {
                return Event::Closed;
            }
        }
    };
    let event = future::or(delivered, future::or(timer, liveness)).await;
    let outcome = match event {
        Event::Delivered(out) => to_outcome(out),
        Event::Timeout => settle(&shard, &w, &slot, Outcome::UnblockTimeout).await,
        Event::Closed => {
            settle(&shard, &w, &slot, Outcome::Gone).await;
            Outcome::Gone
        }
    };

    shard.blocked.borrow_mut().clear_client(ctx.id);
    ctx.info.borrow_mut().blocked = false;
    // Time spent waiting is not execution time (SLOWLOG, commandstats),
    // and the commands after this one see the clock of now.
    ctx.clock = std::time::Instant::now();
    ctx.now_ms = now_ms();
    shared.blocked_clients.fetch_sub(1, Ordering::Relaxed);
    // Leave the queues (memory only: a claimed waiter is never served).
    let shard2 = shard.clone();
    glommio::spawn_local(async move {
        for (owner, keys) in groups {
            let w2 = w.clone();
            let _ = shard2
                .call(
                    owner,
                    LockOp::None,
                    Box::new(move |s: &ShardState| {
                        queue::forget(s, &w2, &keys);
                        Box::new(())
                    }),
                )
                .await;
        }
    })
    .detach();
    outcome
}

fn to_outcome(out: Out) -> Outcome {
    match out.downcast::<Outcome>() {
        Ok(o) => *o,
        Err(_) => Outcome::Gone,
    }
}

/// The client's own reason to stop waiting (`own`) wins if it can claim
/// the waiter; otherwise a shard or CLIENT UNBLOCK claimed it first and its
/// outcome is on the way (or the claim was a serve attempt that will give
/// it back): wait for whichever comes.
async fn settle(
    shard: &Rc<ShardState>,
    w: &Arc<Waiter>,
    slot: &Rc<crate::dispatch::gate::Oneshot>,
    own: Outcome,
) -> Outcome {
    loop {
        if w.claim() {
            shard.blocked.borrow_mut().drop_slot(w.token);
            return own;
        }
        let got = future::or(async { Some(slot.wait().await) }, async {
            glommio::timer::sleep(Duration::from_millis(1)).await;
            None
        })
        .await;
        if let Some(out) = got {
            return to_outcome(out);
        }
    }
}

/// CLIENT UNBLOCK: completes blocked client `id` with `outcome`'s kind, if
/// it is blocked on this shard. Returns whether it was.
pub fn unblock_local(shard: &ShardState, id: u64, error: bool) -> bool {
    let w = shard.blocked.borrow().client(id);
    match w {
        Some(w) if w.claim() => {
            let o = if error {
                Outcome::UnblockError
            } else {
                Outcome::UnblockTimeout
            };
            queue::deliver(shard, &w, o);
            true
        }
        _ => false,
    }
}
