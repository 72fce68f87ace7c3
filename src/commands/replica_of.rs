//! REPLICAOF / SLAVEOF: follow a master, or stop following one.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::args::is;
use super::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::server::connection::ConnCtx;

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The commands of this module.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "replicaof",
        3,
        ADMIN | NOSCRIPT | STALE | CONN,
        0,
        0,
        0,
        "server",
        "Configures a server as replica of another, or promotes it to a master.",
        Handler::Async(replicaof_async),
    ),
    cmd(
        "slaveof",
        3,
        ADMIN | NOSCRIPT | STALE | CONN,
        0,
        0,
        0,
        "server",
        "Sets a Redis server as a replica of another, or promotes it to being a master.",
        Handler::Async(replicaof_async),
    ),
];

fn replicaof_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(replicaof(ctx, a))
}

/// The client as Redis' log lines describe the requester.
fn requester(ctx: &ConnCtx) -> String {
    ctx.info
        .borrow()
        .list_line(crate::shard::keyspace::now_ms())
}

async fn replicaof(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    if ctx
        .shard
        .shared
        .config()
        .get_bool("cluster-enabled")
        .unwrap_or(false)
    {
        return ctx.error("ERR REPLICAOF not allowed in cluster mode.");
    }
    let shard = ctx.shard.clone();
    if is(&a[1], "no") && is(&a[2], "one") {
        if shard.shared.role.is_replica() {
            crate::replication::replica::become_master(&shard, ctx.txn).await;
            crate::notice!(
                "MASTER MODE enabled (user request from '{}')",
                requester(ctx)
            );
        }
        return ctx.writer().ok();
    }
    let port = std::str::from_utf8(&a[2])
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|p| (0..=65535).contains(p));
    let Some(port) = port else {
        return ctx.error("ERR Invalid master port");
    };
    let host = String::from_utf8_lossy(&a[1]).into_owned();
    let was_master = !shard.shared.role.is_replica();
    if was_master {
        crate::notice!("Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.");
    }
    let changed =
        crate::replication::replica::become_replica(&shard, ctx.txn, host.clone(), port as u16)
            .await;
    if !changed {
        crate::notice!("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        return ctx
            .writer()
            .simple("OK Already connected to specified master");
    }
    crate::notice!(
        "REPLICAOF {}:{} enabled (user request from '{}')",
        host,
        port,
        requester(ctx)
    );
    ctx.writer().ok();
}
