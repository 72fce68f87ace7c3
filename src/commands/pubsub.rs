//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB. The machinery is in
//! [`crate::pubsub`].

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::args::is;
use super::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::pubsub::{self, Kind};
use crate::server::connection::ConnCtx;

/// The Pub/Sub family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "subscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Listens for messages published to channels.",
        Handler::Async(subscribe),
    ),
    cmd(
        "unsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Stops listening to messages posted to channels.",
        Handler::Async(unsubscribe),
    ),
    cmd(
        "psubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Listens for messages published to channels that match one or more patterns.",
        Handler::Async(psubscribe),
    ),
    cmd(
        "punsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Stops listening to messages published to channels that match one or more patterns.",
        Handler::Async(punsubscribe),
    ),
    cmd(
        "ssubscribe",
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Listens for messages published to shard channels.",
        Handler::Async(ssubscribe),
    ),
    cmd(
        "sunsubscribe",
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "pubsub",
        "Stops listening to messages posted to shard channels.",
        Handler::Async(sunsubscribe),
    ),
    cmd(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST | CONN,
        0,
        0,
        0,
        "pubsub",
        "Posts a message to a channel.",
        Handler::Conn(publish),
    ),
    cmd(
        "spublish",
        3,
        PUBSUB | LOADING | STALE | FAST | CONN,
        0,
        0,
        0,
        "pubsub",
        "Post a message to a shard channel",
        Handler::Conn(spublish),
    ),
    cmd(
        "pubsub",
        -2,
        CONN,
        0,
        0,
        0,
        "pubsub",
        "A container for Pub/Sub commands.",
        Handler::Conn(pubsub_cmd),
    ),
];

/// Commands a RESP2 client may run while it has subscriptions.
pub const ALLOWED_IN_CONTEXT: &[&str] = &[
    "subscribe",
    "unsubscribe",
    "psubscribe",
    "punsubscribe",
    "ssubscribe",
    "sunsubscribe",
    "ping",
    "quit",
    "reset",
];

/// Whether `name` (a command's table name) subscribes or unsubscribes.
pub fn is_subscription_command(name: &str) -> bool {
    matches!(
        name,
        "subscribe" | "unsubscribe" | "psubscribe" | "punsubscribe" | "ssubscribe" | "sunsubscribe"
    )
}

type Fut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

fn subscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(
        async move { pubsub::subscribe(ctx, Kind::Channel, a.get(1..).unwrap_or_default()).await },
    )
}

fn psubscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(
        async move { pubsub::subscribe(ctx, Kind::Pattern, a.get(1..).unwrap_or_default()).await },
    )
}

fn ssubscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(
        async move { pubsub::subscribe(ctx, Kind::Shard, a.get(1..).unwrap_or_default()).await },
    )
}

fn unsubscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        pubsub::unsubscribe(ctx, Kind::Channel, a.get(1..).unwrap_or_default()).await
    })
}

fn punsubscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(async move {
        pubsub::unsubscribe(ctx, Kind::Pattern, a.get(1..).unwrap_or_default()).await
    })
}

fn sunsubscribe(ctx: &mut ConnCtx, a: Vec<Bytes>) -> Fut<'_> {
    Box::pin(
        async move { pubsub::unsubscribe(ctx, Kind::Shard, a.get(1..).unwrap_or_default()).await },
    )
}

fn publish(ctx: &mut ConnCtx, a: &[Bytes]) {
    let n = pubsub::publish(&ctx.shard, Kind::Channel, &a[1], &a[2]);
    pubsub::propagate(&ctx.shard, a);
    ctx.writer().int(n as i64);
}

fn spublish(ctx: &mut ConnCtx, a: &[Bytes]) {
    let n = pubsub::publish(&ctx.shard, Kind::Shard, &a[1], &a[2]);
    ctx.writer().int(n as i64);
}

const HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
];

/// The first 128 bytes of `b` (Redis prints `%.128s` of client input).
fn clip(b: &[u8]) -> &[u8] {
    &b[..b.len().min(128)]
}

fn pubsub_cmd(ctx: &mut ConnCtx, a: &[Bytes]) {
    let sub = &a[1];
    let n = a.len();
    let fixed_arity = |ctx: &mut ConnCtx, name: &str| {
        ctx.error(&format!(
            "ERR wrong number of arguments for 'pubsub|{}' command",
            name
        ))
    };
    if is(sub, "help") {
        if n != 2 {
            return fixed_arity(ctx, "help");
        }
        return super::reply_help(&mut ctx.writer(), HELP);
    }
    if is(sub, "numpat") {
        if n != 2 {
            return fixed_arity(ctx, "numpat");
        }
        let v = ctx.shard.pubsub.borrow().len(Kind::Pattern);
        return ctx.writer().int(v as i64);
    }
    let channels = is(sub, "channels");
    if channels || is(sub, "shardchannels") {
        if n > 3 {
            let mut text = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
            text.extend_from_slice(clip(sub));
            text.extend_from_slice(b"'. Try PUBSUB HELP.");
            return ctx.writer().error_bytes(&text);
        }
        let kind = if channels { Kind::Channel } else { Kind::Shard };
        let names = ctx
            .shard
            .pubsub
            .borrow()
            .names(kind, a.get(2).map(|p| &p[..]));
        let mut w = ctx.writer();
        w.array(names.len());
        for name in &names {
            w.bulk(name);
        }
        return;
    }
    let numsub = is(sub, "numsub");
    if numsub || is(sub, "shardnumsub") {
        let kind = if numsub { Kind::Channel } else { Kind::Shard };
        let shard = ctx.shard.clone();
        let reg = shard.pubsub.borrow();
        let mut w = ctx.writer();
        w.array((n - 2) * 2);
        for ch in &a[2..] {
            w.bulk(ch);
            w.int(reg.count(kind, ch) as i64);
        }
        return;
    }
    let mut text = b"ERR unknown subcommand '".to_vec();
    text.extend_from_slice(clip(sub));
    text.extend_from_slice(b"'. Try PUBSUB HELP.");
    ctx.writer().error_bytes(&text);
}
