//! The per-shard side of blocking: FIFO queues of waiters per key, serving
//! waiters when a write makes a key ready, and delivering outcomes to the
//! clients' shards.
//!
//! Serving follows Redis: after a write, every key it touched that has
//! waiters is offered to them in the order they blocked, each waiter served
//! in place (the pop happens in the same step as the write, before any other
//! command runs on this shard), until the key can serve no one. A served
//! command that writes another key (BLMOVE's destination) makes that key
//! ready in turn.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use hashbrown::HashMap;

use super::waiter::{Outcome, Waiter};
use crate::commands::spec::ExecCtx;
use crate::dispatch::gate::{Oneshot, Out};
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;

/// Blocking state of one shard.
#[derive(Debug, Default)]
pub struct BlockedKeys {
    /// (database, key) → waiters in blocking order.
    by_key: HashMap<(usize, Bytes), VecDeque<Arc<Waiter>>>,
    /// Clients of this shard now blocked, by client id (CLIENT UNBLOCK).
    clients: HashMap<u64, Arc<Waiter>>,
    /// Outcome slots awaited by clients of this shard, by token.
    pending: HashMap<u64, Rc<Oneshot>>,
    next_token: u64,
}

impl BlockedKeys {
    /// Whether no key of this shard has waiters (the common case: one
    /// check per write).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Number of keys with waiters.
    pub fn keys_with_waiters(&self) -> usize {
        self.by_key.len()
    }

    /// A new delivery token and its slot, for a client of this shard.
    pub fn new_slot(&mut self) -> (u64, Rc<Oneshot>) {
        self.next_token += 1;
        let slot = Rc::new(Oneshot::default());
        self.pending.insert(self.next_token, slot.clone());
        (self.next_token, slot)
    }

    /// Forgets a slot whose outcome will never come (claimed by its client).
    pub fn drop_slot(&mut self, token: u64) {
        self.pending.remove(&token);
    }

    /// Records that client `id` of this shard is blocked on `w`.
    pub fn set_client(&mut self, id: u64, w: Arc<Waiter>) {
        self.clients.insert(id, w);
    }

    /// Records that client `id` is no longer blocked.
    pub fn clear_client(&mut self, id: u64) {
        self.clients.remove(&id);
    }

    /// The waiter of blocked client `id` of this shard.
    pub fn client(&self, id: u64) -> Option<Arc<Waiter>> {
        self.clients.get(&id).cloned()
    }

    fn remove_waiter(&mut self, db: usize, key: &Bytes, w: &Arc<Waiter>) {
        let k = (db, key.clone());
        if let Some(q) = self.by_key.get_mut(&k) {
            q.retain(|x| !Arc::ptr_eq(x, w));
            if q.is_empty() {
                self.by_key.remove(&k);
            }
        }
    }
}

/// Completes the slot `token` of a client of `shard` with `out`.
pub fn complete(shard: &ShardState, token: u64, out: Out) {
    let slot = shard.blocked.borrow_mut().pending.remove(&token);
    if let Some(slot) = slot {
        slot.complete(out);
    }
}

/// Delivers `outcome` to the client of `w` (on this shard or another).
pub fn deliver(shard: &ShardState, w: &Waiter, outcome: Outcome) {
    let out: Out = Box::new(outcome);
    if w.client_shard == shard.id {
        complete(shard, w.token, out);
    } else if let Some(m) = &shard.mesh {
        m.send_deliver(w.client_shard, w.token, out);
    }
}

/// Queues `w` on `keys` of this shard (in `w.db`), then serves it at once
/// if one of them is already ready (data may have arrived between the
/// client's attempt and this registration).
pub fn register(shard: &ShardState, w: Arc<Waiter>, keys: Vec<Bytes>) {
    if w.is_claimed() {
        return;
    }
    {
        let mut b = shard.blocked.borrow_mut();
        for k in &keys {
            b.by_key
                .entry((w.db, k.clone()))
                .or_default()
                .push_back(w.clone());
        }
    }
    signal_keys(shard, w.db, keys.iter());
    crate::notify::publish_deferred(shard);
}

/// Removes `w` from the queues of `keys` of this shard.
pub fn forget(shard: &ShardState, w: &Arc<Waiter>, keys: &[Bytes]) {
    let mut b = shard.blocked.borrow_mut();
    for k in keys {
        b.remove_waiter(w.db, k, w);
    }
}

/// Offers `keys` of database `db`, which a write just touched, to their
/// waiters. Cheap when nothing is blocked on this shard.
pub fn signal_keys<'a>(shard: &ShardState, db: usize, keys: impl Iterator<Item = &'a Bytes>) {
    if shard.blocked.borrow().is_empty() {
        return;
    }
    let mut ready: VecDeque<(usize, Bytes)> = VecDeque::new();
    {
        let b = shard.blocked.borrow();
        for k in keys {
            let pair = (db, k.clone());
            if b.by_key.contains_key(&pair) && !ready.contains(&pair) {
                ready.push_back(pair);
            }
        }
    }
    // Bounded: every served waiter leaves the queues, and each round
    // either serves someone or ends the key.
    while let Some((db, key)) = ready.pop_front() {
        serve_key(shard, db, &key, &mut ready);
    }
}

/// Offers every key with waiters in databases `dbs` (SWAPDB, FLUSH...).
pub fn signal_dbs(shard: &ShardState, dbs: &[usize]) {
    if shard.blocked.borrow().is_empty() {
        return;
    }
    let keys: Vec<(usize, Bytes)> = shard
        .blocked
        .borrow()
        .by_key
        .keys()
        .filter(|(d, _)| dbs.contains(d))
        .cloned()
        .collect();
    for (d, k) in keys {
        signal_keys(shard, d, std::iter::once(&k));
    }
    crate::notify::publish_deferred(shard);
}

fn serve_key(shard: &ShardState, db: usize, key: &Bytes, ready: &mut VecDeque<(usize, Bytes)>) {
    let waiters: Vec<Arc<Waiter>> = match shard.blocked.borrow().by_key.get(&(db, key.clone())) {
        Some(q) => q.iter().cloned().collect(),
        None => return,
    };
    for w in waiters {
        if w.is_claimed() {
            continue;
        }
        let now = now_ms();
        if !shard.store.borrow_mut().db(db).contains(key, now) {
            return;
        }
        let args = &w.args;
        if let Some(dst) = w.spec.destination {
            let other_shard = args
                .get(dst(args))
                .is_some_and(|d| shard.slot_map.shard_of_key(d) != shard.id);
            if other_shard {
                if w.claim() {
                    // The client moves the element itself, through a
                    // cross-shard run of its attempt. Nobody queued behind
                    // it is served first: that run's write offers the key
                    // again to the rest of the queue.
                    shard.blocked.borrow_mut().remove_waiter(db, key, &w);
                    deliver(shard, &w, Outcome::Retry);
                    return;
                }
                continue;
            }
        }
        if !w.claim() {
            continue;
        }
        if w.peer_closed() {
            shard.blocked.borrow_mut().remove_waiter(db, key, &w);
            deliver(shard, &w, Outcome::Gone);
            continue;
        }
        let Some(key_arg) = (w.spec.wait_keys)(args)
            .into_iter()
            .find(|&i| args.get(i) == Some(key))
        else {
            w.unclaim();
            continue;
        };
        let mut reply = BytesMut::new();
        let dirty;
        let events;
        let served = {
            let mut store = shard.store.borrow_mut();
            let mut ctx = ExecCtx::with_events(
                &mut store,
                db,
                now,
                crate::notify::Events::for_server(&shard.shared),
            );
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut wr = ReplyWriter::new(&mut reply, w.proto);
                (w.spec.serve)(&mut ctx, args, key_arg, &mut wr)
            }));
            dirty = ctx.dirty;
            events = ctx.finish();
            let propagate = ctx.propagate.take();
            drop(ctx);
            crate::journal::record(shard, None, &mut store, db, args, dirty, propagate);
            match r {
                Ok(s) => s,
                Err(_) => {
                    reply.clear();
                    ReplyWriter::new(&mut reply, w.proto).error("ERR internal error");
                    crate::warning!("Internal error while serving a blocked client");
                    true
                }
            }
        };
        if !events.is_empty() {
            // Published after the events of the write that made the key
            // ready (see `crate::notify::take_deferred`).
            let kept = crate::notify::touch_and_keep(shard, events.into_list());
            shard.deferred_events.borrow_mut().extend(kept);
        }
        if !served {
            w.unclaim();
            continue;
        }
        shard.blocked.borrow_mut().remove_waiter(db, key, &w);
        {
            let mut st = shard.stats.borrow_mut();
            st.dirty = st.dirty.saturating_add(dirty);
        }
        if let Some(dst) = w.spec.destination.and_then(|d| args.get(d(args))) {
            let pair = (db, dst.clone());
            if !ready.contains(&pair) && shard.blocked.borrow().by_key.contains_key(&pair) {
                ready.push_back(pair);
            }
        }
        // The serve's write reaches the journal before its reply leaves.
        crate::journal::flush_shard(shard);
        deliver(shard, &w, Outcome::Served { reply, dirty });
    }
}
