//! What crosses cores: the shard message mesh, the per-shard gate that makes
//! cross-shard commands atomic, and routing of commands to the shards that
//! own their keys.
//!
//! # Contracts
//!
//! - A shard's store is only touched on its own executor. Other cores send
//!   it a [`Job`] (a closure run against the shard) through the mesh and get
//!   the job's output back as a reply message.
//! - Receive loops never await: a job that cannot run yet (its shard is
//!   locked by a transaction) is queued in the shard's [`gate::Gate`], and
//!   replies leave through a per-peer outbox task. So two shards sending to
//!   each other can never deadlock on full channels.
//! - A command whose keys span shards locks those shards in ascending shard
//!   order (so no two transactions can wait on each other in a cycle), moves
//!   the keys into a scratch store, runs the ordinary handler there, and puts
//!   the results back while releasing the locks (see [`router`]).

pub mod gate;
pub mod mesh;
pub mod router;

pub use gate::{Job, LockOp, Out};

/// Awaits all of `futs` at once (one task polls them all) and returns their
/// outputs in order: cross-shard requests that may overlap (putting keys
/// back and releasing shards) then cost one round trip, not one each.
pub async fn join_all<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut outs: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    futures_lite::future::poll_fn(move |cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(outs.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *o = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(outs.iter_mut().filter_map(Option::take).collect())
        }
    })
    .await
}
