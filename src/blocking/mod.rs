//! Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
//! BZPOPMAX, BZMPOP).
//!
//! A blocking command is described by a [`BlockingSpec`]: an `attempt`
//! handler that does the non-blocking work (or writes nothing when the
//! client must wait) and a `serve` handler that completes a waiting client
//! from one key that became ready. The driver ([`run`]) parses the timeout,
//! runs the attempt like any keyed command (across shards if need be), and
//! otherwise parks the client on the shards owning its keys until a write
//! serves it, the timeout passes, `CLIENT UNBLOCK` releases it or it
//! disconnects.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::commands::spec::{ExecCtx, KeyedFn};
use crate::protocol::ReplyWriter;
use crate::server::connection::ConnCtx;

/// Completes a waiting client from the key at `args[key_arg]`, which a
/// write just touched. Runs on the shard owning that key (and the
/// destination key, if the spec has one). Returns `false`, writing nothing
/// and changing nothing, when the key cannot serve the client (missing,
/// empty or of another type): the client keeps waiting. Otherwise writes
/// the client's whole reply, changes the store, counts `ctx.dirty` and
/// returns `true`.
pub type ServeFn = fn(&mut ExecCtx<'_>, &[Bytes], usize, &mut ReplyWriter<'_>) -> bool;

/// Checks arguments before the timeout is read; the error is Redis' text.
pub type CheckArgsFn = fn(&[Bytes]) -> Result<(), &'static str>;

/// The reply a blocking command gives when its timeout passes (Redis 7.0
/// answers a null array for every blocking list and sorted set command,
/// BLMOVE and BRPOPLPUSH included; only their non-blocking run inside MULTI
/// answers a null bulk string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutReply {
    /// Null array (`*-1` in RESP2).
    NullArray,
    /// Null bulk string (`$-1` in RESP2).
    NullBulk,
}

/// How one blocking command attempts, waits and is served.
#[derive(Debug)]
pub struct BlockingSpec {
    /// The non-blocking form, run with the command's keys like any keyed
    /// handler. It validates every argument but the timeout (errors are
    /// written as replies) and writes **nothing** when every key it would
    /// pop from is missing, so that the client must wait. Inside MULTI the
    /// same handler runs and an empty output becomes the timeout reply.
    pub attempt: KeyedFn,
    /// Serves a waiting client from one ready key.
    pub serve: ServeFn,
    /// Index of the timeout argument.
    pub timeout_arg: fn(&[Bytes]) -> usize,
    /// Indexes of the keys the client waits on (called only after the
    /// attempt accepted the arguments).
    pub wait_keys: fn(&[Bytes]) -> Vec<usize>,
    /// Index of the key `serve` writes besides the ready one (BLMOVE's
    /// destination).
    pub destination: Option<fn(&[Bytes]) -> usize>,
    /// The reply when the timeout passes.
    pub timeout_reply: TimeoutReply,
    /// Argument checks Redis makes before it reads the timeout (BLMPOP and
    /// BZMPOP parse numkeys, direction and COUNT first; BLMOVE its
    /// directions); `None` when the timeout is read first.
    pub check_args: Option<CheckArgsFn>,
}

/// Runs blocking command `args` described by `spec` for client `ctx`.
pub fn run<'a>(
    ctx: &'a mut ConnCtx,
    args: Vec<Bytes>,
    spec: &'static BlockingSpec,
) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
    Box::pin(driver::run(ctx, args, spec))
}

pub mod driver;
pub mod queue;
pub mod waiter;
