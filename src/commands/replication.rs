//! Replication commands a master serves: REPLCONF, PSYNC, SYNC and WAIT
//! (the machinery is in [`crate::replication::master`]).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::args::is;
use super::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::error;
use crate::replication::master::psync::{ReplicaHello, SyncAsk};
use crate::server::connection::ConnCtx;

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The replication family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "replconf",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY | CONN,
        0,
        0,
        0,
        "server",
        "An internal command for configuring the replication stream.",
        Handler::Conn(replconf),
    ),
    cmd(
        "psync",
        -3,
        ADMIN | NOSCRIPT | CONN,
        0,
        0,
        0,
        "server",
        "An internal command used in replication.",
        Handler::Conn(psync),
    ),
    cmd(
        "sync",
        1,
        ADMIN | NOSCRIPT | CONN,
        0,
        0,
        0,
        "server",
        "An internal command used in replication.",
        Handler::Conn(sync),
    ),
    cmd(
        "wait",
        3,
        NOSCRIPT | CONN,
        0,
        0,
        0,
        "generic",
        "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
        Handler::Async(wait_async),
    ),
];

/// The longest address `REPLCONF ip-address` takes (Redis' NET_HOST_STR_LEN).
const MAX_IP_LEN: usize = 256;

/// REPLCONF option value ...: options of a replica-to-be (listening
/// port, address, capabilities); `ACK` and `GETACK` reply nothing here
/// (a feed reads its replica's ACKs itself).
fn replconf(ctx: &mut ConnCtx, a: &[Bytes]) {
    if a.len().is_multiple_of(2) {
        ctx.error(error::SYNTAX);
        return;
    }
    let mut hello = ctx.replica.as_deref().cloned().unwrap_or_default();
    for pair in a[1..].chunks(2) {
        let [opt, val] = pair else {
            ctx.error(error::SYNTAX);
            return;
        };
        if is(opt, "listening-port") {
            match super::args::int(val) {
                Ok(p) => hello.listening_port = u16::try_from(p).unwrap_or(0),
                Err(e) => {
                    ctx.error(e);
                    return;
                }
            }
        } else if is(opt, "ip-address") {
            if val.len() >= MAX_IP_LEN {
                ctx.error(&format!(
                    "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                ));
                return;
            }
            hello.ip_address = Some(String::from_utf8_lossy(val).into_owned());
        } else if is(opt, "capa") {
            if is(val, "eof") {
                hello.capa_eof = true;
            } else if is(val, "psync2") {
                hello.capa_psync2 = true;
            }
        } else if is(opt, "ack") || is(opt, "getack") {
            // From a client that is not a replica (or to a master): no
            // reply, as Redis.
            return;
        } else {
            ctx.error(&format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(opt)
            ));
            return;
        }
    }
    ctx.replica = Some(Box::new(hello));
    ctx.writer().ok();
}

/// PSYNC replid offset: the connection becomes a replica feed once this
/// batch's replies are written.
fn psync(ctx: &mut ConnCtx, a: &[Bytes]) {
    let offset = crate::protocol::parse::parse_i64(&a[2]).unwrap_or(-1);
    ask(
        ctx,
        SyncAsk {
            replid: Some(String::from_utf8_lossy(&a[1]).into_owned()),
            offset,
        },
    );
}

/// SYNC: the old full synchronization (no `+FULLRESYNC` line).
fn sync(ctx: &mut ConnCtx, _a: &[Bytes]) {
    ask(
        ctx,
        SyncAsk {
            replid: None,
            offset: -1,
        },
    );
}

fn ask(ctx: &mut ConnCtx, ask: SyncAsk) {
    if ctx.multi.is_some() || ctx.in_exec {
        ctx.error("ERR Command not allowed inside a transaction");
        return;
    }
    let mut hello: Box<ReplicaHello> = ctx.replica.take().unwrap_or_default();
    if hello.sync.is_some() {
        ctx.replica = Some(hello);
        return;
    }
    hello.sync = Some(ask);
    ctx.replica = Some(hello);
}

fn wait_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(async move { crate::replication::master::wait::wait_command(ctx, &a).await })
}
