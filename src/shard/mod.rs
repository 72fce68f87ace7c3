//! Everything one core owns: its share of the keyspace (all databases, for
//! the slots the slot map gives it), its gate, its end of the mesh, its
//! statistics and its clients. A `ShardState` lives in an `Rc` on its own
//! executor and is never sent to another thread; other cores reach it only
//! through jobs sent over the mesh.

pub mod cow;
pub mod evict;
pub mod expire;
pub mod key;
pub mod keyspace;
pub mod slots;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use crate::dispatch::gate::{self, Gate, Job, LockOp, Oneshot, ReplyTo, Work};
use crate::dispatch::mesh::Mesh;
use crate::dispatch::Out;
use crate::info::stats::ShardStats;
use crate::server::client::ClientRegistry;
use crate::server::shared::ServerShared;
use keyspace::Store;
use slots::SlotMap;

/// The state of one shard.
pub struct ShardState {
    /// Shard id (its index in the mesh and the slot map).
    pub id: usize,
    /// Number of shards.
    pub nshards: usize,
    /// The keyspace.
    pub store: RefCell<Store>,
    /// Transaction lock and queue.
    pub gate: RefCell<Gate>,
    /// Slot → shard table.
    pub slot_map: Arc<SlotMap>,
    /// State shared by all shards (config, counters).
    pub shared: Arc<ServerShared>,
    /// The mesh to other shards (absent with one shard).
    pub mesh: Option<Mesh>,
    /// Counters of this shard.
    pub stats: RefCell<ShardStats>,
    /// Clients connected to this shard.
    pub clients: RefCell<ClientRegistry>,
    /// MONITOR clients of this shard: each gets every monitored line.
    pub monitors: RefCell<Vec<glommio::channels::local_channel::LocalSender<bytes::Bytes>>>,
    /// Keyspace events of blocked-client serves waiting to be published
    /// after the events of the write that caused them.
    pub deferred_events: RefCell<Vec<crate::notify::KeyEvent>>,
    /// Keys of this shard that clients WATCH.
    pub watches: RefCell<crate::transaction::watch::WatchRegistry>,
    /// Clients blocked on this shard's keys, and outcomes awaited by this
    /// shard's blocked clients.
    pub blocked: RefCell<crate::blocking::queue::BlockedKeys>,
    /// Pub/Sub subscriptions of this shard's clients, and the view of all
    /// shards' subscriptions.
    pub pubsub: RefCell<crate::pubsub::Registry>,
    /// Eviction candidates and state (`maxmemory`).
    pub evict: RefCell<evict::Evictor>,
    /// Write commands this shard executed, not yet handed to the journal
    /// sink (see [`crate::journal`]).
    pub journal: RefCell<crate::journal::ShardJournal>,
    /// Commands recorded for transactions (cross-shard operations) until
    /// their coordinator commits them as one unit.
    pub txn_journals: RefCell<hashbrown::HashMap<u64, crate::journal::ShardJournal>>,
    /// The transaction whose job this shard is running (Acquire or Within
    /// work): what the job records goes to that transaction's buffer.
    pub running_txn: Cell<Option<u64>>,
    /// Group commit of `appendfsync always` for this shard's connections.
    pub journal_sync: crate::journal::SyncState,
    next_txid: Cell<u64>,
}

impl std::fmt::Debug for ShardState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShardState({}/{})", self.id, self.nshards)
    }
}

impl ShardState {
    /// A shard with an empty keyspace.
    pub fn new(
        id: usize,
        nshards: usize,
        slot_map: Arc<SlotMap>,
        shared: Arc<ServerShared>,
        mesh: Option<Mesh>,
    ) -> Self {
        let databases = shared.databases;
        ShardState {
            id,
            nshards,
            store: RefCell::new(Store::new(databases)),
            gate: RefCell::new(Gate::default()),
            slot_map,
            shared,
            mesh,
            stats: RefCell::new(ShardStats::default()),
            clients: RefCell::new(ClientRegistry::default()),
            monitors: RefCell::new(Vec::new()),
            blocked: RefCell::new(Default::default()),
            pubsub: RefCell::new(crate::pubsub::Registry::new(id, nshards)),
            watches: RefCell::new(Default::default()),
            deferred_events: RefCell::new(Vec::new()),
            evict: RefCell::new(Default::default()),
            journal: RefCell::new(Default::default()),
            txn_journals: RefCell::new(Default::default()),
            running_txn: Cell::new(None),
            journal_sync: Default::default(),
            next_txid: Cell::new(1),
        }
    }

    /// A transaction id unique across shards.
    pub fn new_txid(&self) -> u64 {
        let n = self.next_txid.get();
        self.next_txid.set(n + 1);
        ((self.id as u64) << 48) | n
    }

    /// Queues a reply to a peer's request.
    pub fn send_reply(
        &self,
        peer: usize,
        req: u64,
        out: Out,
        journal: Option<Box<(u64, crate::journal::ShardJournal)>>,
    ) {
        if let Some(m) = &self.mesh {
            m.send_reply(peer, req, out, journal);
        }
    }

    /// Runs `job` on shard `target` (this one or another) subject to `lock`,
    /// and returns its output. `None` only if the target shard is gone
    /// (shutdown).
    pub async fn call(self: &Rc<Self>, target: usize, lock: LockOp, job: Job) -> Option<Out> {
        if target == self.id {
            let slot = Rc::new(Oneshot::default());
            gate::submit(
                self,
                Work {
                    lock,
                    job,
                    reply: ReplyTo::Local(slot.clone()),
                },
            );
            Some(slot.wait().await)
        } else {
            match &self.mesh {
                Some(m) => m.call(target, lock, job).await,
                None => None,
            }
        }
    }

    /// Hands a MONITOR line to this shard's monitors, dropping the ones
    /// whose connection is gone.
    pub fn feed_monitors(&self, line: &bytes::Bytes) {
        self.monitors
            .borrow_mut()
            .retain(|tx| tx.try_send(line.clone()).is_ok());
    }

    /// Runs `make(shard_id)` on every shard, in ascending order, and
    /// collects the outputs (fan-out commands: DBSIZE, KEYS, INFO...).
    /// `txn` is the transaction the caller runs in, if any (EXEC holds every
    /// shard when it runs such a command; see [`LockOp::plain`]).
    pub async fn call_all(
        self: &Rc<Self>,
        txn: Option<u64>,
        make: impl Fn(usize) -> Job,
    ) -> Vec<Out> {
        let mut outs = Vec::with_capacity(self.nshards);
        for s in 0..self.nshards {
            if let Some(o) = self.call(s, LockOp::plain(txn), make(s)).await {
                outs.push(o);
            }
        }
        outs
    }

    /// [`ShardState::call_all_atomic`] for a write to every shard (FLUSHALL,
    /// FLUSHDB, SWAPDB): the jobs run while every shard is held, and `cmd`
    /// (for database `db`) goes to the write journal before any shard is
    /// released, so that nothing written after the command can precede it
    /// in the stream.
    pub async fn call_all_journaled(
        self: &Rc<Self>,
        txn: Option<u64>,
        db: usize,
        cmd: &[bytes::Bytes],
        make: impl Fn(usize) -> Job,
    ) -> Vec<Out> {
        if txn.is_some() {
            let outs = self.call_all(txn, make).await;
            crate::journal::record_command(self, txn, db, cmd);
            return outs;
        }
        let txid = self.new_txid();
        let mut held = 0;
        for s in 0..self.nshards {
            if self
                .call(s, LockOp::Acquire(txid), Box::new(|_| Box::new(())))
                .await
                .is_none()
            {
                break;
            }
            held += 1;
        }
        let mut outs = Vec::with_capacity(self.nshards);
        if held == self.nshards {
            for s in 0..self.nshards {
                if let Some(o) = self.call(s, LockOp::Within(txid), make(s)).await {
                    outs.push(o);
                }
            }
            crate::journal::record_command(self, Some(txid), db, cmd);
        }
        crate::journal::commit_txn(self, txid, None, crate::journal::Wrap::IfSeveral);
        let releases = (0..held)
            .map(|s| self.call(s, LockOp::Release(txid), Box::new(|_| Box::new(()))))
            .collect();
        crate::dispatch::join_all(releases).await;
        outs
    }

    /// Runs `make(shard_id)` on every shard atomically: all shards are
    /// locked (ascending) before any job runs, and released after. Inside
    /// transaction `txn` (which already holds every shard) the jobs just run
    /// within it.
    pub async fn call_all_atomic(
        self: &Rc<Self>,
        txn: Option<u64>,
        make: impl Fn(usize) -> Job,
    ) -> Vec<Out> {
        if txn.is_some() {
            return self.call_all(txn, make).await;
        }
        let txid = self.new_txid();
        for s in 0..self.nshards {
            let _ = self
                .call(s, LockOp::Acquire(txid), Box::new(|_| Box::new(())))
                .await;
        }
        let mut outs = Vec::with_capacity(self.nshards);
        for s in 0..self.nshards {
            if let Some(o) = self.call(s, LockOp::Release(txid), make(s)).await {
                outs.push(o);
            }
        }
        outs
    }
}
