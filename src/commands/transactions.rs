//! Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (the
//! machinery is in [`crate::transaction`]).

use bytes::Bytes;

use super::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::server::connection::ConnCtx;
use crate::transaction;

type AsyncRet<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// The transaction family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | CONN,
        0,
        0,
        0,
        "transactions",
        "Starts a transaction.",
        Handler::Conn(multi),
    ),
    cmd(
        "exec",
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG | CONN,
        0,
        0,
        0,
        "transactions",
        "Executes all commands in a transaction.",
        Handler::Async(exec),
    ),
    cmd(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | CONN,
        0,
        0,
        0,
        "transactions",
        "Discards a transaction.",
        Handler::Conn(discard),
    ),
    cmd(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        1,
        -1,
        1,
        "transactions",
        "Monitors changes to keys to determine the execution of a transaction.",
        Handler::Async(watch),
    ),
    cmd(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY | CONN,
        0,
        0,
        0,
        "transactions",
        "Forgets about watched keys of a transaction.",
        Handler::Conn(unwatch),
    ),
];

fn multi(ctx: &mut ConnCtx, _a: &[Bytes]) {
    transaction::multi(ctx);
}

fn discard(ctx: &mut ConnCtx, _a: &[Bytes]) {
    transaction::discard(ctx);
}

fn unwatch(ctx: &mut ConnCtx, _a: &[Bytes]) {
    transaction::unwatch(ctx);
    ctx.writer().ok();
}

fn exec(ctx: &mut ConnCtx, _a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(transaction::exec(ctx))
}

fn watch(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(async move { transaction::watch_keys(ctx, &a[1..]).await })
}
