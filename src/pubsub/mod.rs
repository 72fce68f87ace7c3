//! Publish/subscribe across cores.
//!
//! A client's subscriptions live on the shard (core) its connection runs on:
//! the shard's [`registry::Registry`] maps each channel, pattern and shard
//! channel to the push buffers ([`push::PushBox`]) of its local subscribers,
//! and keeps a replicated view of how many subscribers every shard has for
//! each of them. A (un)subscribing client changes its shard's column at once
//! and sends the change to every other shard, awaiting their
//! acknowledgements before it replies, so a PUBLISH issued after the
//! SUBSCRIBE reply, on any core, counts and reaches the new subscriber.
//!
//! PUBLISH never waits: the publishing shard computes the receiver count
//! from its view, delivers in place to its own subscribers, and posts the
//! message (fire-and-forget, over the FIFO mesh channels) only to the shards
//! that have subscribers for it. Messages from one connection therefore
//! reach every subscriber in the order they were published.

pub mod push;
pub mod registry;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use hashbrown::HashMap;

use crate::dispatch::LockOp;
use crate::server::connection::ConnCtx;
use crate::server::shared::ServerShared;
use crate::shard::ShardState;
pub use push::{OutputLimit, PushBox};
pub use registry::{Kind, Registry, Subscriber};

/// The `pubsub` class of `client-output-buffer-limit`, as now configured.
#[inline]
pub fn pubsub_limit(shared: &ServerShared) -> OutputLimit {
    shared.output_limit(2)
}

/// Delivers `message` on `channel` to every subscriber on every shard
/// without waiting (keyspace notifications, which are sent from inside a
/// shard's work and cannot await).
pub fn publish_nowait(shard: &ShardState, channel: Bytes, message: Bytes) {
    publish(shard, Kind::Channel, &channel, &message);
}

/// Publishes `message` on `channel` (`kind`: [`Kind::Channel`] for PUBLISH,
/// [`Kind::Shard`] for SPUBLISH) from `shard`: delivers in place to local
/// subscribers, posts it to the shards that have others, and returns the
/// number of receivers.
pub fn publish(shard: &ShardState, kind: Kind, channel: &Bytes, message: &Bytes) -> u64 {
    let receivers = {
        let mut reg = shard.pubsub.borrow_mut();
        if reg.is_empty() {
            return 0;
        }
        reg.plan(kind, channel)
    };
    if receivers == 0 {
        return 0;
    }
    let limit = pubsub_limit(&shard.shared);
    let reg = shard.pubsub.borrow();
    for &t in reg.targets() {
        if t == shard.id {
            reg.deliver_local(kind, channel, message, &limit);
        } else if let Some(m) = &shard.mesh {
            m.send_publish(t, kind, channel.clone(), message.clone());
        }
    }
    receivers
}

/// Delivers a message another shard posted (see [`publish`]).
pub fn deliver_remote(shard: &ShardState, kind: Kind, channel: &[u8], message: &[u8]) {
    let limit = pubsub_limit(&shard.shared);
    shard
        .pubsub
        .borrow()
        .deliver_local(kind, channel, message, &limit);
}

/// Keeps the server-wide INFO counts (`pubsub_channels`, ...) from shard
/// 0's view: `change` is what [`Registry::apply`] returned there.
fn count_names(shard: &ShardState, kind: Kind, change: i64) {
    if shard.id != 0 || change == 0 {
        return;
    }
    let c = &shard.shared.pubsub_names[kind.index()];
    if change > 0 {
        c.fetch_add(1, Ordering::Relaxed);
    } else {
        c.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Applies another shard's subscription changes to this shard's view.
fn apply_remote(shard: &ShardState, kind: Kind, from: usize, deltas: &[(Bytes, i64)]) {
    let mut reg = shard.pubsub.borrow_mut();
    for (name, d) in deltas {
        let change = reg.apply(kind, from, name, *d);
        count_names(shard, kind, change);
    }
}

/// Sends this shard's subscription changes to every other shard and waits
/// until each has applied them. `txn`: the transaction the client runs in
/// (EXEC holds every shard while it runs a SUBSCRIBE).
async fn broadcast(
    shard: &Rc<ShardState>,
    txn: Option<u64>,
    kind: Kind,
    deltas: Vec<(Bytes, i64)>,
) {
    if deltas.is_empty() || shard.nshards < 2 {
        return;
    }
    let deltas = Arc::new(deltas);
    let from = shard.id;
    for peer in 0..shard.nshards {
        if peer == from {
            continue;
        }
        let d = deltas.clone();
        let _ = shard
            .call(
                peer,
                LockOp::plain(txn),
                Box::new(move |s: &ShardState| -> crate::dispatch::Out {
                    apply_remote(s, kind, from, &d);
                    Box::new(())
                }),
            )
            .await;
    }
}

/// A connection's subscriptions (present while it has any).
#[derive(Debug)]
pub struct ClientSubs {
    /// Where its messages wait.
    pub push: Rc<PushBox>,
    /// Per kind: name → order of subscription.
    sets: [HashMap<Bytes, u64>; 3],
    next: u64,
}

impl ClientSubs {
    fn new(push: Rc<PushBox>) -> ClientSubs {
        ClientSubs {
            push,
            sets: Default::default(),
            next: 0,
        }
    }

    /// Number of subscriptions of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.sets[kind.index()].len()
    }

    /// Channels plus patterns (what SUBSCRIBE/UNSUBSCRIBE replies count).
    pub fn classic(&self) -> usize {
        self.count(Kind::Channel) + self.count(Kind::Pattern)
    }

    /// All subscriptions.
    pub fn total(&self) -> usize {
        self.classic() + self.count(Kind::Shard)
    }

    /// What the confirmations of `kind` count: shard channels for the
    /// shard kind, channels and patterns otherwise.
    fn reply_count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.count(Kind::Shard),
            _ => self.classic(),
        }
    }

    /// Names of `kind` in subscription order.
    fn names(&self, kind: Kind) -> Vec<Bytes> {
        let mut v: Vec<(&Bytes, &u64)> = self.sets[kind.index()].iter().collect();
        v.sort_unstable_by_key(|(_, &seq)| seq);
        v.into_iter().map(|(k, _)| k.clone()).collect()
    }
}

/// The reply verbs of each kind.
fn verbs(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Channel => ("subscribe", "unsubscribe"),
        Kind::Pattern => ("psubscribe", "punsubscribe"),
        Kind::Shard => ("ssubscribe", "sunsubscribe"),
    }
}

fn update_info(ctx: &ConnCtx) {
    let (s, p, ss) = match &ctx.subs {
        Some(c) => (
            c.count(Kind::Channel),
            c.count(Kind::Pattern),
            c.count(Kind::Shard),
        ),
        None => (0, 0, 0),
    };
    let mut i = ctx.info.borrow_mut();
    i.sub = s;
    i.psub = p;
    i.ssub = ss;
}

/// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE: subscribes the client to `names`
/// and writes one confirmation per name.
pub async fn subscribe(ctx: &mut ConnCtx, kind: Kind, names: &[Bytes]) {
    // Redis 7.0 lets SUBSCRIBE and PSUBSCRIBE run inside EXEC, not
    // SSUBSCRIBE.
    if ctx.in_exec && kind == Kind::Shard {
        return ctx.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    let shard = ctx.shard.clone();
    let subs = ctx.subs.get_or_insert_with(|| {
        Box::new(ClientSubs::new(Rc::new(PushBox::new(
            ctx.proto,
            Rc::downgrade(&ctx.info),
        ))))
    });
    let mut deltas = Vec::new();
    let mut counts = Vec::with_capacity(names.len().min(1024));
    {
        let mut reg = shard.pubsub.borrow_mut();
        for name in names {
            let set = &mut subs.sets[kind.index()];
            if !set.contains_key(name) {
                // Arguments are slices of the read buffer: keep a copy, not
                // the whole buffer, for as long as the subscription lives.
                let name = &Bytes::copy_from_slice(name);
                set.insert(name.clone(), subs.next);
                subs.next += 1;
                let change = reg.add_local(
                    kind,
                    name,
                    Subscriber {
                        client: ctx.id,
                        push: subs.push.clone(),
                    },
                );
                count_names(&shard, kind, change);
                deltas.push((name.clone(), 1));
            }
            counts.push(subs.reply_count(kind));
        }
    }
    update_info(ctx);
    broadcast(&shard, ctx.txn, kind, deltas).await;
    let verb = verbs(kind).0;
    let mut w = ctx.writer();
    for (name, n) in names.iter().zip(counts) {
        w.push(3);
        w.bulk(verb.as_bytes());
        w.bulk(name);
        w.int(n as i64);
    }
}

/// Removes the client's subscriptions of `kind` to `names` (all of them when
/// `names` is empty) and returns (name, count after) per name, for the
/// confirmations.
async fn remove(ctx: &mut ConnCtx, kind: Kind, names: &[Bytes]) -> Vec<(Bytes, usize)> {
    let shard = ctx.shard.clone();
    let Some(subs) = ctx.subs.as_mut() else {
        return names.iter().map(|n| (n.clone(), 0)).collect();
    };
    let owned;
    let names = if names.is_empty() {
        owned = subs.names(kind);
        &owned[..]
    } else {
        names
    };
    let mut deltas = Vec::new();
    let mut out = Vec::with_capacity(names.len().min(1024));
    {
        let mut reg = shard.pubsub.borrow_mut();
        for name in names {
            if subs.sets[kind.index()].remove(name).is_some() {
                if let Some(change) = reg.remove_local(kind, name, ctx.id) {
                    count_names(&shard, kind, change);
                }
                deltas.push((name.clone(), -1));
            }
            out.push((name.clone(), subs.reply_count(kind)));
        }
    }
    update_info(ctx);
    broadcast(&shard, ctx.txn, kind, deltas).await;
    out
}

/// Drops the subscription state once the client has none left, moving any
/// waiting messages to its output.
fn release_if_idle(ctx: &mut ConnCtx) {
    if ctx.subs.as_ref().is_some_and(|s| s.total() == 0) {
        if let Some(s) = ctx.subs.take() {
            s.push.take_into(&mut ctx.out);
        }
    }
}

/// UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE.
pub async fn unsubscribe(ctx: &mut ConnCtx, kind: Kind, names: &[Bytes]) {
    let removed = remove(ctx, kind, names).await;
    let verb = verbs(kind).1;
    if removed.is_empty() {
        let n = ctx.subs.as_ref().map_or(0, |s| s.reply_count(kind));
        let mut w = ctx.writer();
        w.push(3);
        w.bulk(verb.as_bytes());
        w.null();
        w.int(n as i64);
    } else {
        let mut w = ctx.writer();
        for (name, n) in &removed {
            w.push(3);
            w.bulk(verb.as_bytes());
            w.bulk(name);
            w.int(*n as i64);
        }
    }
    release_if_idle(ctx);
}

/// Removes every subscription of the client (RESET, disconnection).
pub async fn unsubscribe_all(ctx: &mut ConnCtx) {
    if ctx.subs.is_none() {
        return;
    }
    for kind in Kind::ALL {
        remove(ctx, kind, &[]).await;
    }
    if let Some(s) = ctx.subs.take() {
        s.push.take_into(&mut ctx.out);
    }
}

/// Whether the client is in RESP2's subscribed context (any subscription).
#[inline]
pub fn in_context(subs: &Option<Box<ClientSubs>>) -> bool {
    subs.as_ref().is_some_and(|s| s.total() > 0)
}

/// Shared handle on a shard's registry (the type of `ShardState::pubsub`).
pub type SharedRegistry = RefCell<Registry>;

/// PUBLISH reaches replicas (not the AOF), as Redis propagates it: after
/// the writes this shard buffered, straight into the replication stream
/// (a message is the same in every database, so the stream's selected
/// database does not matter).
pub fn propagate(shard: &ShardState, args: &[Bytes]) {
    let shared = &shard.shared;
    if shared.role.is_replica() || !shared.repl.has_backlog() {
        return;
    }
    crate::journal::flush_shard(shard);
    let mut buf = Vec::with_capacity(64);
    crate::journal::encode_command(&mut buf, args);
    shared.repl.append(&buf);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Config;
    use crate::protocol::Protocol;
    use crate::shard::slots::SlotMap;

    fn one_shard() -> ShardState {
        let shared = Arc::new(ServerShared::new(Config::default(), 1));
        ShardState::new(0, 1, Arc::new(SlotMap::new(1)), shared, None)
    }

    #[test]
    fn publish_nowait_reaches_local_subscribers() {
        let shard = one_shard();
        let push = Rc::new(PushBox::new(Protocol::Resp3, std::rc::Weak::new()));
        let ch = Bytes::from_static(b"__keyevent@0__:set");
        let change = shard.pubsub.borrow_mut().add_local(
            Kind::Pattern,
            &Bytes::from_static(b"__keyevent@*"),
            Subscriber {
                client: 1,
                push: push.clone(),
            },
        );
        assert_eq!(change, 1);
        publish_nowait(&shard, ch.clone(), Bytes::from_static(b"k"));
        let mut out = bytes::BytesMut::new();
        push.take_into(&mut out);
        assert_eq!(
            &out[..],
            &b">4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n"[..]
        );
        assert_eq!(publish(&shard, Kind::Shard, &ch, &ch), 0);
        assert_eq!(publish(&shard, Kind::Channel, &ch, &ch), 1);
    }
}
