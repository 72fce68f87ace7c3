//! BGREWRITEAOF.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::rewrite::{self, Refused};
use crate::commands::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::server::connection::ConnCtx;

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The AOF family's table.
pub const COMMANDS: &[CommandSpec] = &[cmd(
    "bgrewriteaof",
    1,
    ADMIN | NOSCRIPT | CONN,
    0,
    0,
    0,
    "server",
    "Asynchronously rewrites the append-only file to disk.",
    Handler::Async(bgrewriteaof_async),
)];

fn bgrewriteaof_async(ctx: &mut ConnCtx, _a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(async move {
        let shard = ctx.shard.clone();
        match rewrite::start(&shard, ctx.txn).await {
            Ok(()) => ctx
                .writer()
                .simple("Background append only file rewriting started"),
            Err(Refused::Scheduled) => ctx
                .writer()
                .simple("Background append only file rewriting scheduled"),
            Err(Refused::InProgress) => {
                ctx.error("ERR Background append only file rewriting already in progress")
            }
            Err(Refused::Failed) => ctx.error(
                "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
            ),
        }
    })
}
