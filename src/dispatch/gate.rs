//! The gate in front of a shard's store: a FIFO of work that must wait
//! while a cross-shard transaction holds the shard.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::shard::ShardState;

/// Output of a job: any value, downcast by the caller that knows its type.
pub type Out = Box<dyn Any + Send>;

/// Work sent to a shard: runs once against the shard, on its executor.
pub type Job = Box<dyn FnOnce(&ShardState) -> Out + Send>;

/// The output of a job that panicked.
#[derive(Debug)]
pub struct JobPanicked;

/// How a job relates to the shard's transaction lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOp {
    /// Plain work: runs when no transaction holds the shard.
    None,
    /// Takes the lock for transaction `txid`, then runs.
    Acquire(u64),
    /// Runs inside transaction `txid`, which holds the lock.
    Within(u64),
    /// Runs inside transaction `txid`, then releases the lock.
    Release(u64),
}

impl LockOp {
    /// The lock relation of plain work done by a caller that runs inside
    /// transaction `txn` (which holds the target shard), or outside any.
    #[inline]
    pub fn plain(txn: Option<u64>) -> LockOp {
        match txn {
            Some(t) => LockOp::Within(t),
            None => LockOp::None,
        }
    }
}

/// Where a job's output goes.
#[derive(Debug)]
pub enum ReplyTo {
    /// A task on this shard waits on it.
    Local(Rc<Oneshot>),
    /// Shard `peer` waits on request `req`.
    Remote {
        /// The requesting shard.
        peer: usize,
        /// Its request id.
        req: u64,
    },
}

/// A queued or running piece of work.
pub struct Work {
    /// Its lock relation.
    pub lock: LockOp,
    /// What to run.
    pub job: Job,
    /// Where the output goes.
    pub reply: ReplyTo,
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Work({:?}, {:?})", self.lock, self.reply)
    }
}

/// The lock state and waiting queue of one shard.
#[derive(Default)]
pub struct Gate {
    holder: Option<u64>,
    queue: VecDeque<Work>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Gate(holder={:?}, queued={})",
            self.holder,
            self.queue.len()
        )
    }
}

impl Gate {
    /// Whether plain work may run right now (no holder, nothing queued).
    #[inline]
    pub fn is_open(&self) -> bool {
        self.holder.is_none() && self.queue.is_empty()
    }

    /// Whether transaction `txn` holds this shard.
    #[inline]
    pub fn is_held_by(&self, txn: u64) -> bool {
        self.holder == Some(txn)
    }

    fn may_run(&self, lock: LockOp) -> bool {
        match lock {
            LockOp::Within(t) | LockOp::Release(t) => self.holder == Some(t),
            LockOp::None | LockOp::Acquire(_) => self.is_open(),
        }
    }
}

/// Runs `work` now if the gate allows, else queues it.
pub fn submit(shard: &ShardState, work: Work) {
    let runnable = shard.gate.borrow().may_run(work.lock);
    if runnable {
        run(shard, work);
    } else {
        shard.gate.borrow_mut().queue.push_back(work);
    }
}

fn run(shard: &ShardState, work: Work) {
    if let LockOp::Acquire(t) = work.lock {
        // What this shard wrote before goes to the journal before anything
        // the transaction records.
        crate::journal::flush_shard(shard);
        shard.gate.borrow_mut().holder = Some(t);
    }
    // Work of a transaction records into that transaction's journal
    // buffer, shipped to its coordinator with the reply.
    let txn = match work.lock {
        LockOp::Acquire(t) | LockOp::Within(t) => Some(t),
        LockOp::None | LockOp::Release(_) => None,
    };
    let outer = shard.running_txn.replace(txn);
    // A panicking job (a bug) must not take the shard down: its caller gets
    // an output of the wrong type, which every caller treats as a failure.
    let job = work.job;
    let mut panicked = false;
    let out = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(shard))) {
        Ok(out) => out,
        Err(_) => {
            crate::warning!(
                "Internal error in a shard job on shard {}: aborted",
                shard.id
            );
            panicked = true;
            Box::new(JobPanicked)
        }
    };
    crate::journal::after_job(shard, txn);
    shard.running_txn.set(outer);
    deliver(shard, work.reply, out, txn);
    // A failed Acquire counts as not acquired by its caller, which will
    // never release it: the lock is let go here.
    let failed_acquire = panicked && matches!(work.lock, LockOp::Acquire(_));
    if failed_acquire || matches!(work.lock, LockOp::Release(_)) {
        shard.gate.borrow_mut().holder = None;
        drain(shard);
    }
}

/// Runs queued work in order until the queue is empty or a queued
/// transaction takes the lock.
fn drain(shard: &ShardState) {
    loop {
        let next = {
            let mut g = shard.gate.borrow_mut();
            if g.holder.is_some() {
                return;
            }
            g.queue.pop_front()
        };
        match next {
            Some(w) => run(shard, w),
            None => return,
        }
    }
}

/// Hands a job's output to its caller. For another shard's request, the
/// journal goes first: what a transaction's job recorded travels with the
/// reply, and what plain work recorded goes to the sink before the reply
/// leaves.
fn deliver(shard: &ShardState, to: ReplyTo, out: Out, txn: Option<u64>) {
    match to {
        ReplyTo::Local(slot) => slot.complete(out),
        ReplyTo::Remote { peer, req } => {
            let shipped = match txn {
                Some(t) => crate::journal::take_txn(shard, t),
                None => {
                    crate::journal::flush_shard(shard);
                    None
                }
            };
            shard.send_reply(peer, req, out, shipped)
        }
    }
}

/// A single-use slot a task awaits: filled by a job or a reply message.
#[derive(Default)]
pub struct Oneshot {
    value: RefCell<Option<Out>>,
    waker: RefCell<Option<Waker>>,
}

impl std::fmt::Debug for Oneshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Oneshot")
    }
}

impl Oneshot {
    /// Fills the slot and wakes its waiter.
    pub fn complete(&self, out: Out) {
        *self.value.borrow_mut() = Some(out);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Waits for the slot to be filled.
    pub fn wait(self: &Rc<Self>) -> OneshotWait {
        OneshotWait(self.clone())
    }
}

/// Future of [`Oneshot::wait`].
#[derive(Debug)]
pub struct OneshotWait(Rc<Oneshot>);

impl Future for OneshotWait {
    type Output = Out;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Out> {
        if let Some(v) = self.0.value.borrow_mut().take() {
            return Poll::Ready(v);
        }
        *self.0.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}
