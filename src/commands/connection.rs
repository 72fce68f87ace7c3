//! Connection commands: PING, ECHO, QUIT, AUTH, HELLO, SELECT, RESET, CLIENT.

use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, Handler};
use crate::error;
use crate::protocol::Protocol;
use crate::server::client::ReplyMode;
use crate::server::connection::ConnCtx;
use crate::shard::keyspace::now_ms;

/// The connection family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "ping",
        -1,
        FAST | CONN,
        0,
        0,
        0,
        "connection",
        "Returns the server's liveliness response.",
        Handler::Conn(ping),
    ),
    cmd(
        "echo",
        2,
        FAST | STALE | LOADING | CONN,
        0,
        0,
        0,
        "connection",
        "Returns the given string.",
        Handler::Conn(echo),
    ),
    cmd(
        "quit",
        -1,
        FAST | STALE | LOADING | NO_AUTH | ALLOW_BUSY | CONN,
        0,
        0,
        0,
        "connection",
        "Closes the connection.",
        Handler::Conn(quit),
    ),
    cmd(
        "auth",
        -2,
        FAST | STALE | LOADING | NO_AUTH | NOSCRIPT | SKIP_MONITOR | SKIP_SLOWLOG | CONN,
        0,
        0,
        0,
        "connection",
        "Authenticates the connection.",
        Handler::Conn(auth),
    ),
    cmd(
        "hello",
        -1,
        FAST | STALE | LOADING | NO_AUTH | NOSCRIPT | SKIP_MONITOR | SKIP_SLOWLOG | CONN,
        0,
        0,
        0,
        "connection",
        "Handshakes with the Redis server.",
        Handler::Conn(hello),
    ),
    cmd(
        "select",
        2,
        FAST | STALE | LOADING | CONN,
        0,
        0,
        0,
        "connection",
        "Changes the selected database.",
        Handler::Conn(select),
    ),
    cmd(
        "reset",
        1,
        FAST | STALE | LOADING | NO_AUTH | NOSCRIPT | CONN,
        0,
        0,
        0,
        "connection",
        "Resets the connection.",
        Handler::Async(reset_async),
    ),
    cmd(
        "client",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "connection",
        "A container for client connection commands.",
        Handler::Async(client_async),
    ),
];

fn ping(ctx: &mut ConnCtx, a: &[Bytes]) {
    // RESP2 subscribed context: PING answers as a push-style pair.
    if ctx.proto == Protocol::Resp2 && crate::pubsub::in_context(&ctx.subs) && a.len() <= 2 {
        let msg = a.get(1).cloned().unwrap_or_default();
        let mut w = ctx.writer();
        w.array(2);
        w.bulk(b"pong");
        return w.bulk(&msg);
    }
    match a.len() {
        1 => ctx.out.extend_from_slice(b"+PONG\r\n"),
        2 => {
            let msg = a[1].clone();
            ctx.writer().bulk(&msg)
        }
        _ => ctx.error(&error::wrong_arity("ping")),
    }
}

fn echo(ctx: &mut ConnCtx, a: &[Bytes]) {
    ctx.writer().bulk(&a[1]);
}

fn quit(ctx: &mut ConnCtx, _a: &[Bytes]) {
    ctx.writer().ok();
    ctx.close = true;
}

fn check_password(ctx: &ConnCtx, user: Option<&[u8]>, pass: &[u8]) -> bool {
    if let Some(u) = user {
        if u != b"default" {
            return false;
        }
    }
    let guard = match ctx.shard.shared.requirepass.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    match guard.as_ref() {
        None => true,
        Some(p) => p.as_slice() == pass,
    }
}

fn auth(ctx: &mut ConnCtx, a: &[Bytes]) {
    if a.len() > 3 {
        return ctx.error(error::SYNTAX);
    }
    let required = ctx.shard.shared.auth_required.load(Ordering::Relaxed);
    if a.len() == 2 && !required {
        return ctx.error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
    }
    let (user, pass) = if a.len() == 3 {
        (Some(&a[1][..]), &a[2][..])
    } else {
        (None, &a[1][..])
    };
    if check_password(ctx, user, pass) {
        ctx.authenticated = true;
        ctx.info.borrow_mut().authenticated = true;
        ctx.writer().ok();
    } else {
        ctx.error(error::WRONGPASS);
    }
}

fn hello(ctx: &mut ConnCtx, a: &[Bytes]) {
    let mut proto = None;
    let mut i = 1;
    if a.len() > 1 {
        match args::int(&a[1]) {
            Ok(v) if v == 2 || v == 3 => proto = Some(v),
            Ok(_) => return ctx.error("NOPROTO unsupported protocol version"),
            Err(_) => return ctx.error("ERR Protocol version is not an integer or out of range"),
        }
        i = 2;
    }
    let mut setname = None;
    while i < a.len() {
        let more = a.len() - i - 1;
        if is(&a[i], "auth") && more >= 2 {
            if !check_password(ctx, Some(&a[i + 1]), &a[i + 2]) {
                return ctx.error(error::WRONGPASS);
            }
            ctx.authenticated = true;
            ctx.info.borrow_mut().authenticated = true;
            i += 3;
        } else if is(&a[i], "setname") && more >= 1 {
            if let Err(e) = valid_name(&a[i + 1]) {
                return ctx.error(e);
            }
            setname = Some(Bytes::copy_from_slice(&a[i + 1]));
            i += 2;
        } else {
            return ctx.error(&format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(&a[i])
            ));
        }
    }
    if !ctx.authenticated {
        return ctx.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(n) = setname {
        ctx.info.borrow_mut().name = n;
    }
    if let Some(p) = proto {
        ctx.proto = if p == 3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        };
    }
    let id = ctx.id;
    let p = if ctx.proto == Protocol::Resp3 { 3 } else { 2 };
    let mut w = ctx.writer();
    w.map(7);
    w.bulk(b"server");
    w.bulk(b"redis");
    w.bulk(b"version");
    w.bulk(crate::server::REDIS_VERSION.as_bytes());
    w.bulk(b"proto");
    w.int(p);
    w.bulk(b"id");
    w.int(id as i64);
    w.bulk(b"mode");
    w.bulk(b"standalone");
    w.bulk(b"role");
    w.bulk(b"master");
    w.bulk(b"modules");
    w.array(0);
}

fn select(ctx: &mut ConnCtx, a: &[Bytes]) {
    let n = match args::int(&a[1]) {
        Ok(n) if n < i32::MIN as i64 || n > i32::MAX as i64 => {
            return ctx
                .error("ERR value is out of range, value must between -2147483648 and 2147483647")
        }
        Ok(n) => n,
        Err(_) => return ctx.error(error::NOT_INTEGER),
    };
    if n < 0 || n as usize >= ctx.shard.shared.databases {
        return ctx.error(error::DB_INDEX);
    }
    ctx.db = n as usize;
    ctx.writer().ok();
}

fn reset_async(
    ctx: &mut ConnCtx,
    a: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    Box::pin(async move {
        crate::pubsub::unsubscribe_all(ctx).await;
        reset(ctx, &a)
    })
}

fn reset(ctx: &mut ConnCtx, _a: &[Bytes]) {
    crate::transaction::discard_state(ctx);
    // Leaving MONITOR mode: dropping the receiver unregisters the monitor.
    ctx.monitor = None;
    ctx.db = 0;
    ctx.proto = Protocol::Resp2;
    ctx.reply_mode = ReplyMode::On;
    ctx.authenticated = !ctx.shard.shared.auth_required.load(Ordering::Relaxed);
    {
        let mut info = ctx.info.borrow_mut();
        info.name = Bytes::new();
        info.no_evict = false;
        info.authenticated = ctx.authenticated;
        if info.monitor {
            info.monitor = false;
            ctx.shard.shared.monitors.fetch_sub(1, Ordering::Relaxed);
        }
    }
    ctx.writer().simple("RESET");
}

fn valid_name(name: &[u8]) -> Result<(), &'static str> {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        Err("ERR Client names cannot contain spaces, newlines or special characters.")
    } else {
        Ok(())
    }
}

/// A CLIENT KILL filter.
#[derive(Debug, Clone, Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<String>,
    laddr: Option<String>,
    ctype: Option<String>,
    skipme: bool,
    me: u64,
}

fn client_async(
    ctx: &mut ConnCtx,
    a: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    Box::pin(client(ctx, a))
}

async fn client(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    let n = a.len();
    match (sub.as_str(), n) {
        ("id", 2) => {
            let id = ctx.id as i64;
            ctx.writer().int(id)
        }
        ("setname", 3) => match valid_name(&a[2]) {
            Ok(()) => {
                ctx.info.borrow_mut().name = Bytes::copy_from_slice(&a[2]);
                ctx.writer().ok()
            }
            Err(e) => ctx.error(e),
        },
        ("getname", 2) => {
            let name = ctx.info.borrow().name.clone();
            if name.is_empty() {
                ctx.writer().null()
            } else {
                ctx.writer().bulk(&name)
            }
        }
        ("setinfo", 4) => {
            if is(&a[2], "lib-name") {
                ctx.info.borrow_mut().lib_name = Bytes::copy_from_slice(&a[3]);
            } else if is(&a[2], "lib-ver") {
                ctx.info.borrow_mut().lib_ver = Bytes::copy_from_slice(&a[3]);
            } else {
                return ctx.error(&format!(
                    "ERR Unrecognized option '{}'",
                    String::from_utf8_lossy(&a[2])
                ));
            }
            ctx.writer().ok()
        }
        ("info", 2) => {
            let line = { ctx.info.borrow().list_line(now_ms()) };
            ctx.writer().verbatim(format!("{}\n", line).as_bytes())
        }
        ("list", _) => {
            let mut ids: Option<hashbrown::HashSet<u64>> = None;
            let mut ctype: Option<String> = None;
            let mut i = 2;
            while i < n {
                if is(&a[i], "type") && i + 1 < n {
                    let t = String::from_utf8_lossy(&a[i + 1]).to_ascii_lowercase();
                    if !["normal", "master", "replica", "slave", "pubsub"].contains(&t.as_str()) {
                        return ctx.error(&format!("ERR Unknown client type '{}'", t));
                    }
                    ctype = Some(if t == "slave" { "replica".into() } else { t });
                    i += 2;
                } else if is(&a[i], "id") && i + 1 < n {
                    let mut v = Vec::new();
                    for x in &a[i + 1..] {
                        match args::int(x) {
                            Ok(id) if id > 0 => v.push(id as u64),
                            _ => return ctx.error("ERR Invalid client ID"),
                        }
                    }
                    ids = Some(v.into_iter().collect::<hashbrown::HashSet<u64>>());
                    i = n;
                } else {
                    return ctx.error(error::SYNTAX);
                }
            }
            let lines = ctx
                .shard
                .call_all(ctx.txn, |_| {
                    let ids = ids.clone();
                    let ctype = ctype.clone();
                    Box::new(
                        move |s: &crate::shard::ShardState| -> crate::dispatch::Out {
                            let now = now_ms();
                            let mut out: Vec<(u64, String)> = Vec::new();
                            for c in s.clients.borrow().clients.values() {
                                let c = c.borrow();
                                if let Some(ids) = &ids {
                                    if !ids.contains(&c.id) {
                                        continue;
                                    }
                                }
                                if let Some(t) = &ctype {
                                    if t != c.client_type() {
                                        continue;
                                    }
                                }
                                out.push((c.id, c.list_line(now)));
                            }
                            Box::new(out)
                        },
                    )
                })
                .await;
            let mut all: Vec<(u64, String)> = lines
                .into_iter()
                .filter_map(|o| o.downcast::<Vec<(u64, String)>>().ok())
                .flat_map(|b| *b)
                .collect();
            all.sort_by_key(|(id, _)| *id);
            let mut text = String::new();
            for (_, l) in all {
                text.push_str(&l);
                text.push('\n');
            }
            ctx.writer().verbatim(text.as_bytes())
        }
        ("kill", _) => client_kill(ctx, &a).await,
        ("unblock", 3) | ("unblock", 4) => {
            let id = match args::int(&a[2]) {
                Ok(v) => v,
                Err(e) => return ctx.error(e),
            };
            let error = if n == 4 {
                if is(&a[3], "error") {
                    true
                } else if is(&a[3], "timeout") {
                    false
                } else {
                    return ctx.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                }
            } else {
                false
            };
            let mut found = false;
            if id > 0 {
                let outs = ctx
                    .shard
                    .call_all(ctx.txn, move |_| {
                        Box::new(move |s: &crate::shard::ShardState| {
                            Box::new(crate::blocking::driver::unblock_local(s, id as u64, error))
                                as crate::dispatch::Out
                        })
                    })
                    .await;
                found = outs
                    .into_iter()
                    .any(|o| o.downcast::<bool>().map(|b| *b).unwrap_or(false));
            }
            ctx.writer().int(found as i64)
        }
        ("reply", 3) => {
            if is(&a[2], "on") {
                ctx.reply_mode = ReplyMode::On;
                ctx.writer().ok();
            } else if is(&a[2], "off") {
                ctx.reply_mode = ReplyMode::Off;
            } else if is(&a[2], "skip") {
                // As in Redis, SKIP does nothing while replies are OFF.
                if ctx.reply_mode != ReplyMode::Off {
                    ctx.reply_mode = ReplyMode::SkipNext;
                }
            } else {
                ctx.error(error::SYNTAX)
            }
        }
        ("no-evict", 3) => {
            if is(&a[2], "on") || is(&a[2], "off") {
                ctx.info.borrow_mut().no_evict = is(&a[2], "on");
                ctx.writer().ok()
            } else {
                ctx.error(error::SYNTAX)
            }
        }
        ("pause", 3) | ("pause", 4) => {
            let ms = match args::int(&a[2]) {
                Ok(v) if v >= 0 => v as u64,
                Ok(_) => return ctx.error("ERR timeout is negative"),
                _ => return ctx.error("ERR timeout is not an integer or out of range"),
            };
            let all = if n == 4 {
                if is(&a[3], "all") {
                    true
                } else if is(&a[3], "write") {
                    false
                } else {
                    return ctx.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                }
            } else {
                true
            };
            let shared = &ctx.shard.shared;
            shared.pause_all.store(all, Ordering::Relaxed);
            shared.paused_until.store(now_ms() + ms, Ordering::Relaxed);
            ctx.writer().ok()
        }
        ("unpause", 2) => {
            ctx.shard.shared.paused_until.store(0, Ordering::Relaxed);
            ctx.writer().ok()
        }
        ("help", 2) => {
            let lines = [
                "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, SKIPME.",
                "LIST [options ...]",
                "    Return information about client connections.",
                "NO-EVICT (ON|OFF)",
                "    Protect the current client connection from eviction.",
                "PAUSE <timeout> [WRITE|ALL]",
                "    Suspend clients for <timeout> milliseconds.",
                "REPLY (ON|OFF|SKIP)",
                "    Control the replies sent to the current connection.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "UNBLOCK <clientid> [TIMEOUT|ERROR]",
                "    Unblock the specified blocked client.",
                "UNPAUSE",
                "    Stop the current client pause, resuming traffic.",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(&mut ctx.writer(), &lines);
        }
        _ => {
            let known = [
                "id", "setname", "getname", "setinfo", "info", "list", "kill", "reply", "no-evict",
                "pause", "unpause", "unblock", "help",
            ];
            if known.contains(&sub.as_str()) {
                ctx.error(&format!(
                    "ERR wrong number of arguments for 'client|{}' command",
                    sub
                ))
            } else {
                ctx.error(&error::unknown_subcommand("client", &a[1]))
            }
        }
    }
}

async fn client_kill(ctx: &mut ConnCtx, a: &[Bytes]) {
    let n = a.len();
    let mut f = KillFilter {
        skipme: true,
        me: ctx.id,
        ..Default::default()
    };
    let old_style = n == 3;
    if old_style {
        f.addr = Some(String::from_utf8_lossy(&a[2]).into_owned());
        f.skipme = false;
    } else if n < 3 {
        return ctx.error("ERR wrong number of arguments for 'client|kill' command");
    } else if !n.is_multiple_of(2) {
        return ctx.error(error::SYNTAX);
    } else {
        let mut i = 2;
        while i + 1 < n {
            let v = String::from_utf8_lossy(&a[i + 1]).into_owned();
            if is(&a[i], "id") {
                match args::int(&a[i + 1]) {
                    Ok(id) if id > 0 => f.id = Some(id as u64),
                    _ => return ctx.error("ERR client-id should be greater than 0"),
                }
            } else if is(&a[i], "addr") {
                f.addr = Some(v);
            } else if is(&a[i], "laddr") {
                f.laddr = Some(v);
            } else if is(&a[i], "type") {
                let t = v.to_ascii_lowercase();
                if !["normal", "master", "replica", "slave", "pubsub"].contains(&t.as_str()) {
                    return ctx.error(&format!("ERR Unknown client type '{}'", v));
                }
                f.ctype = Some(if t == "slave" { "replica".into() } else { t });
            } else if is(&a[i], "skipme") {
                if is(&a[i + 1], "yes") {
                    f.skipme = true;
                } else if is(&a[i + 1], "no") {
                    f.skipme = false;
                } else {
                    return ctx.error(error::SYNTAX);
                }
            } else if is(&a[i], "user") {
                if v != "default" {
                    return ctx.error(&format!("ERR No such user '{}'", v));
                }
            } else {
                return ctx.error(error::SYNTAX);
            }
            i += 2;
        }
    }
    let outs = ctx
        .shard
        .call_all(ctx.txn, |_| {
            let f = f.clone();
            Box::new(
                move |s: &crate::shard::ShardState| -> crate::dispatch::Out {
                    let mut killed = 0i64;
                    for c in s.clients.borrow().clients.values() {
                        let mut c = c.borrow_mut();
                        if f.skipme && c.id == f.me {
                            continue;
                        }
                        if f.id.is_some_and(|id| id != c.id) {
                            continue;
                        }
                        if f.addr.as_ref().is_some_and(|ad| *ad != c.addr) {
                            continue;
                        }
                        if f.laddr.as_ref().is_some_and(|ad| *ad != c.laddr) {
                            continue;
                        }
                        if f.ctype.as_ref().is_some_and(|t| t != c.client_type()) {
                            continue;
                        }
                        if c.id == f.me {
                            // Closed after the reply is written.
                            c.killed = true;
                        } else {
                            c.kill();
                        }
                        killed += 1;
                    }
                    Box::new(killed)
                },
            )
        })
        .await;
    let total: i64 = outs
        .into_iter()
        .filter_map(|o| o.downcast::<i64>().ok())
        .map(|b| *b)
        .sum();
    // Killing oneself (SKIPME no) closes after the reply, as Redis does.
    if !f.skipme && ctx.info.borrow().killed {
        ctx.close = true;
    }
    if old_style {
        if total == 0 {
            ctx.error("ERR No such client")
        } else {
            ctx.writer().ok()
        }
    } else {
        ctx.writer().int(total)
    }
}
