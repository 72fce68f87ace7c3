//! The full mesh of lock-free channels between shards (glommio
//! `channel_mesh`: one bounded single-producer single-consumer ring per
//! ordered pair of shards), and the request/reply protocol over it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use glommio::channels::channel_mesh::{Receivers, Senders};
use glommio::channels::local_channel::{self, LocalSender};
use glommio::{GlommioError, ResourceType};
use hashbrown::HashMap;

use super::gate::{self, Job, LockOp, Oneshot, Out, ReplyTo, Work};
use crate::shard::ShardState;

/// Capacity of each channel of the mesh.
pub const CHANNEL_CAPACITY: usize = 1024;

/// A message between shards.
pub enum ShardMsg {
    /// Run `job` (subject to `lock`) and reply to request `req`.
    Call {
        /// Request id, unique on the sending shard.
        req: u64,
        /// Lock relation of the job.
        lock: LockOp,
        /// The work.
        job: Job,
    },
    /// The output of request `req`.
    Reply {
        /// Request id on the receiving shard.
        req: u64,
        /// The job's output.
        out: Out,
        /// What the job recorded for a transaction, for the coordinator's
        /// journal buffer (see [`crate::journal::commit_txn`]).
        journal: Option<Box<(u64, crate::journal::ShardJournal)>>,
    },
    /// A published message for the receiving shard's subscribers
    /// (fire-and-forget; see [`crate::pubsub::publish`]).
    Publish {
        /// Channel or shard-channel namespace.
        kind: crate::pubsub::Kind,
        /// The channel.
        channel: bytes::Bytes,
        /// The message.
        message: bytes::Bytes,
    },
    /// The outcome of a blocked client of the receiving shard.
    Deliver {
        /// Delivery token on the receiving shard.
        token: u64,
        /// A [`crate::blocking::waiter::Outcome`].
        out: Out,
    },
}

impl std::fmt::Debug for ShardMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShardMsg::Call { req, lock, .. } => write!(f, "Call({req}, {lock:?})"),
            ShardMsg::Reply { req, .. } => write!(f, "Reply({req})"),
            ShardMsg::Deliver { token, .. } => write!(f, "Deliver({token})"),
            ShardMsg::Publish { kind, .. } => write!(f, "Publish({kind:?})"),
        }
    }
}

/// One shard's end of the mesh.
pub struct Mesh {
    senders: Rc<Senders<ShardMsg>>,
    outboxes: Vec<Option<LocalSender<ShardMsg>>>,
    /// Messages waiting in each peer's outbox: while any wait, later ones
    /// queue behind them, so messages to a peer keep their order.
    backlog: Vec<Rc<Cell<usize>>>,
    pending: RefCell<HashMap<u64, Rc<Oneshot>>>,
    next_req: Cell<u64>,
}

impl std::fmt::Debug for Mesh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mesh(peer={})", self.senders.peer_id())
    }
}

impl Mesh {
    /// Wraps the joined mesh and starts, on the current executor, one task
    /// per peer that forwards queued replies to it. The receive tasks are
    /// started by [`spawn_receivers`] once the shard state exists.
    pub fn new(senders: Senders<ShardMsg>) -> Mesh {
        let senders = Rc::new(senders);
        let n = senders.nr_consumers();
        let me = senders.peer_id();
        let mut outboxes = Vec::with_capacity(n);
        let mut backlog = Vec::with_capacity(n);
        for peer in 0..n {
            let waiting = Rc::new(Cell::new(0usize));
            backlog.push(waiting.clone());
            if peer == me {
                outboxes.push(None);
                continue;
            }
            let (tx, rx) = local_channel::new_unbounded::<ShardMsg>();
            let s = senders.clone();
            glommio::spawn_local(async move {
                while let Some(msg) = rx.recv().await {
                    let sent = s.send_to(peer, msg).await;
                    waiting.set(waiting.get().saturating_sub(1));
                    if sent.is_err() {
                        break;
                    }
                }
            })
            .detach();
            outboxes.push(Some(tx));
        }
        Mesh {
            senders,
            outboxes,
            backlog,
            pending: RefCell::new(HashMap::new()),
            next_req: Cell::new(1),
        }
    }

    /// This shard's id in the mesh.
    pub fn peer_id(&self) -> usize {
        self.senders.peer_id()
    }

    /// Queues a reply to `peer` (never awaits).
    ///
    /// The reply goes straight into the channel when it has room; only when
    /// it is full does it wait in the outbox for the forwarding task. Replies
    /// are matched by request id, so their order does not matter.
    pub fn send_reply(
        &self,
        peer: usize,
        req: u64,
        out: Out,
        journal: Option<Box<(u64, crate::journal::ShardJournal)>>,
    ) {
        self.send_async(peer, ShardMsg::Reply { req, out, journal });
    }

    /// Queues the outcome of a blocked client of `peer` (never awaits).
    pub fn send_deliver(&self, peer: usize, token: u64, out: Out) {
        self.send_async(peer, ShardMsg::Deliver { token, out });
    }

    /// Posts a published message to `peer`'s subscribers (never awaits;
    /// messages to one peer arrive in the order they were posted).
    pub fn send_publish(
        &self,
        peer: usize,
        kind: crate::pubsub::Kind,
        channel: bytes::Bytes,
        message: bytes::Bytes,
    ) {
        self.send_async(
            peer,
            ShardMsg::Publish {
                kind,
                channel,
                message,
            },
        );
    }

    /// Sends without awaiting, in order: straight into the channel when it
    /// has room and nothing waits in the outbox, else into the outbox.
    fn send_async(&self, peer: usize, msg: ShardMsg) {
        self.send_in_order(peer, msg);
    }

    /// Sends `msg` to `peer` without awaiting, after everything queued for
    /// it before: straight into the channel when nothing waits in the
    /// outbox and the channel has room, else through the outbox. Returns
    /// `false` when the peer is gone.
    fn send_in_order(&self, peer: usize, msg: ShardMsg) -> bool {
        let Some(waiting) = self.backlog.get(peer) else {
            return false;
        };
        let msg = if waiting.get() > 0 {
            msg
        } else {
            match self.senders.try_send_to(peer, msg) {
                Ok(()) => return true,
                Err(GlommioError::WouldBlock(ResourceType::Channel(msg))) => msg,
                // The peer is gone (shutdown): nobody waits for the message.
                Err(_) => return false,
            }
        };
        if let Some(Some(tx)) = self.outboxes.get(peer) {
            if tx.try_send(msg).is_ok() {
                waiting.set(waiting.get() + 1);
                return true;
            }
        }
        false
    }

    /// Messages waiting in the outboxes, all peers together.
    #[inline]
    pub fn backlog_total(&self) -> usize {
        self.backlog.iter().map(|c| c.get()).sum()
    }

    /// Waits until no more than `low` messages wait in the outboxes.
    pub async fn wait_backlog_below(&self, low: usize) {
        while self.backlog_total() > low {
            glommio::timer::sleep(std::time::Duration::from_micros(200)).await;
        }
    }

    /// Sends `job` to `peer` and waits for its output.
    pub async fn call(&self, peer: usize, lock: LockOp, job: Job) -> Option<Out> {
        Some(self.call_start(peer, lock, job)?.wait().await)
    }

    /// Sends `job` to `peer` now and returns the slot its output will land
    /// in (await `slot.wait()`), so several calls can be in flight at once;
    /// `None` if the peer is gone. Calls to one peer run in the order sent.
    pub fn call_start(&self, peer: usize, lock: LockOp, job: Job) -> Option<Rc<Oneshot>> {
        let req = self.next_req.get();
        self.next_req.set(req + 1);
        let slot = Rc::new(Oneshot::default());
        self.pending.borrow_mut().insert(req, slot.clone());
        // In order with the messages already queued for that peer
        // (publishes, replies), so a call never overtakes them.
        if !self.send_in_order(peer, ShardMsg::Call { req, lock, job }) {
            self.pending.borrow_mut().remove(&req);
            return None;
        }
        Some(slot)
    }

    fn complete(&self, req: u64, out: Out) {
        if let Some(slot) = self.pending.borrow_mut().remove(&req) {
            slot.complete(out);
        }
    }
}

/// Starts one receive task per peer on the current executor. Receive tasks
/// never await anything but the next message.
pub fn spawn_receivers(shard: Rc<ShardState>, mut receivers: Receivers<ShardMsg>) {
    for (peer, rx) in receivers.streams() {
        let shard = shard.clone();
        glommio::spawn_local(async move {
            while let Some(msg) = rx.recv().await {
                match msg {
                    ShardMsg::Call { req, lock, job } => {
                        gate::submit(
                            &shard,
                            Work {
                                lock,
                                job,
                                reply: ReplyTo::Remote { peer, req },
                            },
                        );
                    }
                    ShardMsg::Reply { req, out, journal } => {
                        if let Some(j) = journal {
                            crate::journal::receive_txn(&shard, *j);
                        }
                        if let Some(m) = shard.mesh.as_ref() {
                            m.complete(req, out);
                        }
                    }
                    ShardMsg::Publish {
                        kind,
                        channel,
                        message,
                    } => {
                        crate::pubsub::deliver_remote(&shard, kind, &channel, &message);
                    }
                    ShardMsg::Deliver { token, out } => {
                        crate::blocking::queue::complete(&shard, token, out);
                    }
                }
            }
        })
        .detach();
    }
}
