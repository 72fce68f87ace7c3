//! Server commands: COMMAND, INFO, CONFIG, DEBUG, SHUTDOWN, SLOWLOG, TIME,
//! LASTSAVE, MEMORY.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::args::{self, is};
use super::registry;
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler, KeySpec};
use crate::error;
use crate::info::sections::{self, ShardSnapshot};
use crate::info::stats::SlowlogEntry;
use crate::protocol::ReplyWriter;
use crate::server::connection::ConnCtx;
use crate::shard::ShardState;
use crate::types::Value;

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Lines a MONITOR client may have waiting before it is disconnected.
const MONITOR_QUEUE: usize = 16 * 1024;

/// The server family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "command",
        -1,
        LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "Returns detailed information about all commands.",
        Handler::Conn(command),
    ),
    cmd(
        "info",
        -1,
        LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "Returns information and statistics about the server.",
        Handler::Async(info_async),
    ),
    cmd(
        "config",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "A container for server configuration commands.",
        Handler::Async(config_async),
    ),
    cmd(
        "time",
        1,
        LOADING | STALE | FAST | CONN,
        0,
        0,
        0,
        "server",
        "Returns the server time.",
        Handler::Conn(time),
    ),
    cmd(
        "role",
        1,
        NOSCRIPT | LOADING | STALE | FAST | CONN,
        0,
        0,
        0,
        "server",
        "Returns the replication role.",
        Handler::Conn(role),
    ),
    cmd(
        "lastsave",
        1,
        LOADING | STALE | FAST | CONN,
        0,
        0,
        0,
        "server",
        "Returns the Unix timestamp of the last successful save to disk.",
        Handler::Conn(lastsave),
    ),
    cmd(
        "save",
        1,
        ADMIN | NOSCRIPT | CONN,
        0,
        0,
        0,
        "server",
        "Synchronously saves the database(s) to disk.",
        Handler::Async(save_async),
    ),
    cmd(
        "bgsave",
        -1,
        ADMIN | NOSCRIPT | CONN,
        0,
        0,
        0,
        "server",
        "Asynchronously saves the database(s) to disk.",
        Handler::Async(bgsave_async),
    ),
    cmd(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_AUTH | CONN,
        0,
        0,
        0,
        "server",
        "Synchronously saves the database(s) to disk and shuts down the Redis server.",
        Handler::Conn(shutdown),
    ),
    cmd(
        "slowlog",
        -2,
        ADMIN | LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "A container for slow log commands.",
        Handler::Async(slowlog_async),
    ),
    cmd(
        "debug",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "A container for debugging commands.",
        Handler::Async(debug_async),
    ),
    cmd(
        "monitor",
        1,
        ADMIN | NOSCRIPT | LOADING | STALE | CONN,
        0,
        0,
        0,
        "server",
        "Listens for all requests received by the server in real-time.",
        Handler::Conn(monitor),
    ),
    CommandSpec {
        name: "memory",
        arity: -2,
        flags: READONLY,
        keys: KeySpec::Custom(memory_keys),
        group: "server",
        summary: "A container for memory diagnostics commands.",
        handler: Handler::Keyed(memory),
    },
];

/// ACL categories of `c`, in the order Redis lists them (its category bit
/// order).
fn acl_categories(c: &CommandSpec) -> Vec<String> {
    const ORDER: &[&str] = &[
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
    let group = match c.group {
        "generic" => "keyspace",
        "sorted-set" => "sortedset",
        "transactions" => "transaction",
        "server" => "",
        g => g,
    };
    let has = |name: &str| match name {
        "read" => c.has(READONLY),
        "write" => c.has(WRITE),
        "admin" | "dangerous" => c.has(ADMIN),
        "fast" => c.has(FAST),
        "slow" => !c.has(FAST),
        "blocking" => c.has(BLOCKING),
        other => other == group,
    };
    ORDER
        .iter()
        .filter(|n| has(n))
        .map(|n| format!("@{n}"))
        .collect()
}

fn write_command_info(w: &mut ReplyWriter<'_>, c: &CommandSpec) {
    w.array(10);
    w.bulk(c.name.as_bytes());
    w.int(c.arity as i64);
    let flags: Vec<&str> = NAMES
        .iter()
        .filter(|(f, _)| c.has(*f))
        .map(|(_, n)| *n)
        .collect();
    w.set(flags.len());
    for f in flags {
        w.simple(f);
    }
    let (first, last, step) = c.keys.legacy_triple();
    w.int(first);
    w.int(last);
    w.int(step);
    let cats = acl_categories(c);
    w.set(cats.len());
    for cat in cats {
        w.simple(&cat);
    }
    w.set(0);
    w.array(0);
    w.array(0);
}

fn command(ctx: &mut ConnCtx, a: &[Bytes]) {
    let reg = registry();
    if a.len() == 1 {
        let all = reg.all();
        let mut w = ctx.writer();
        w.array(all.len());
        for c in all {
            write_command_info(&mut w, c);
        }
        return;
    }
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    match sub.as_str() {
        "count" if a.len() == 2 => {
            let n = reg.all().len() as i64;
            ctx.writer().int(n)
        }
        "list" => {
            let mut names: Vec<&str> = reg.all().iter().map(|c| c.name).collect();
            if a.len() == 5 && is(&a[2], "filterby") && is(&a[3], "pattern") {
                names.retain(|n| args::glob_match(&a[4], n.as_bytes(), true));
            } else if a.len() != 2 {
                return ctx.error(error::SYNTAX);
            }
            let mut w = ctx.writer();
            w.array(names.len());
            for n in names {
                w.bulk(n.as_bytes());
            }
        }
        "info" => {
            let mut w = ctx.writer();
            let names: Vec<Bytes> = if a.len() == 2 {
                reg.all()
                    .iter()
                    .map(|c| Bytes::from_static(c.name.as_bytes()))
                    .collect()
            } else {
                a[2..].to_vec()
            };
            w.array(names.len());
            for n in &names {
                match reg.lookup(n) {
                    Some(c) => write_command_info(&mut w, c),
                    // Redis answers a null bulk (`$-1`) for an unknown name.
                    None => w.null(),
                }
            }
        }
        "docs" => {
            let names: Vec<&'static CommandSpec> = if a.len() == 2 {
                reg.all().to_vec()
            } else {
                a[2..].iter().filter_map(|n| reg.lookup(n)).collect()
            };
            let mut w = ctx.writer();
            w.map(names.len());
            for c in names {
                w.bulk(c.name.as_bytes());
                w.map(3);
                w.bulk(b"summary");
                w.bulk(c.summary.as_bytes());
                w.bulk(b"since");
                w.bulk(b"1.0.0");
                w.bulk(b"group");
                w.bulk(c.group.as_bytes());
            }
        }
        "getkeys" | "getkeysandflags" if a.len() >= 4 => {
            let Some(c) = reg.lookup(&a[2]) else {
                return ctx.error("ERR Invalid command specified");
            };
            if !c.arity_ok(a.len() - 2) {
                return ctx.error("ERR Invalid number of arguments specified for command");
            }
            let mut idx = Vec::new();
            c.keys.key_indexes(&a[2..], &mut idx);
            if idx.is_empty() {
                return ctx.error("ERR The command has no key arguments");
            }
            let with_flags = sub == "getkeysandflags";
            let keys: Vec<Bytes> = idx.iter().map(|&i| a[2 + i].clone()).collect();
            let mut w = ctx.writer();
            w.array(keys.len());
            for k in keys {
                if with_flags {
                    w.array(2);
                    w.bulk(&k);
                    w.set(1);
                    w.simple(if c.has(WRITE) { "RW" } else { "RO" });
                } else {
                    w.bulk(&k);
                }
            }
        }
        "help" if a.len() == 2 => {
            let lines = [
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(&mut ctx.writer(), &lines);
        }
        "count" | "help" | "getkeys" | "getkeysandflags" => ctx.error(&format!(
            "ERR wrong number of arguments for 'command|{}' command",
            sub
        )),
        _ => ctx.error(&error::unknown_subcommand("command", &a[1])),
    }
}

/// Collects and merges a snapshot of every shard.
pub async fn snapshot_all(shard: &std::rc::Rc<ShardState>, txn: Option<u64>) -> ShardSnapshot {
    let outs = shard
        .call_all(txn, |_| {
            Box::new(|s: &ShardState| -> crate::dispatch::Out { Box::new(ShardSnapshot::take(s)) })
        })
        .await;
    let mut total = ShardSnapshot::default();
    for o in outs {
        if let Ok(s) = o.downcast::<ShardSnapshot>() {
            total.merge(*s);
        }
    }
    total
}

fn info_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(async move {
        let sections: Vec<String> = a[1..]
            .iter()
            .map(|s| String::from_utf8_lossy(s).to_ascii_lowercase())
            .collect();
        let snap = snapshot_all(&ctx.shard, ctx.txn).await;
        let text = sections::render(&ctx.shard.shared, &snap, &sections);
        ctx.writer().verbatim(text.as_bytes());
    })
}

fn config_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(config(ctx, a))
}

async fn config(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    let shared = ctx.shard.shared.clone();
    match sub.as_str() {
        "get" if a.len() >= 3 => {
            let pats: Vec<&[u8]> = a[2..].iter().map(|p| &p[..]).collect();
            let pairs = shared.config().get_matching(&pats);
            let mut w = ctx.writer();
            w.map(pairs.len());
            for (k, v) in pairs {
                w.bulk(k.as_bytes());
                w.bulk(v.as_bytes());
            }
        }
        "set" if a.len() >= 4 && a.len().is_multiple_of(2) => {
            let pairs: Vec<(&[u8], &[u8])> =
                a[2..].chunks(2).map(|p| (&p[0][..], &p[1][..])).collect();
            let result = {
                let mut c = shared.config();
                let r = c.set_many(&pairs);
                if r.is_ok() {
                    shared.apply_config(&c);
                    if pairs.iter().any(|(k, _)| is(k, "dir")) {
                        let _ = std::env::set_current_dir(c.dir());
                    }
                }
                r
            };
            if result.is_ok() {
                if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| is(k, "appendonly")) {
                    let on = is(v, "yes");
                    crate::persistence::aof::rewrite::set_appendonly(&ctx.shard, ctx.txn, on).await;
                }
            }
            match result {
                Ok(()) => ctx.writer().ok(),
                Err(e) => ctx.error(&e.to_string()),
            }
        }
        "resetstat" if a.len() == 2 => {
            ctx.shard
                .call_all(ctx.txn, |_| {
                    Box::new(|s: &ShardState| -> crate::dispatch::Out {
                        s.stats.borrow_mut().reset();
                        for d in s.store.borrow_mut().dbs.iter_mut() {
                            d.hits = 0;
                            d.misses = 0;
                            d.expired = 0;
                        }
                        Box::new(())
                    })
                })
                .await;
            shared.rejected_connections.store(0, Ordering::Relaxed);
            ctx.writer().ok()
        }
        "rewrite" if a.len() == 2 => {
            let r = shared.config().rewrite();
            match r {
                Ok(()) => {
                    crate::notice!("CONFIG REWRITE executed with success.");
                    ctx.writer().ok()
                }
                Err(e) => ctx.error(&e.to_string()),
            }
        }
        "help" if a.len() == 2 => {
            let lines = [
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(&mut ctx.writer(), &lines);
        }
        // An odd number of arguments after the first pair.
        "set" if a.len() >= 4 => ctx.error(error::SYNTAX),
        "get" | "set" | "resetstat" | "rewrite" | "help" => ctx.error(&format!(
            "ERR wrong number of arguments for 'config|{}' command",
            sub
        )),
        _ => ctx.error(&error::unknown_subcommand("config", &a[1])),
    }
}

fn monitor(ctx: &mut ConnCtx, _a: &[Bytes]) {
    // Inside EXEC the client expects one reply per command.
    if ctx.in_exec {
        return ctx.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    }
    if ctx.monitor.is_some() || ctx.info.borrow().monitor {
        return ctx.writer().ok();
    }
    // Bounded: a monitor that stops reading is dropped once this many lines
    // wait for it, instead of growing without limit.
    let (tx, rx) = glommio::channels::local_channel::new_bounded::<Bytes>(MONITOR_QUEUE);
    ctx.shard.monitors.borrow_mut().push(tx);
    ctx.shard.shared.monitors.fetch_add(1, Ordering::Relaxed);
    ctx.info.borrow_mut().monitor = true;
    ctx.monitor = Some(rx);
    ctx.writer().ok();
}

fn time(ctx: &mut ConnCtx, _a: &[Bytes]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut w = ctx.writer();
    w.array(2);
    w.bulk(now.as_secs().to_string().as_bytes());
    w.bulk(now.subsec_micros().to_string().as_bytes());
}

/// ROLE: master (offset and online replicas) or replica (master, link
/// state, offset).
fn role(ctx: &mut ConnCtx, _a: &[Bytes]) {
    let shared = ctx.shard.shared.clone();
    let mut w = ctx.writer();
    crate::replication::master::report::role_reply(&shared, &mut w);
}

fn lastsave(ctx: &mut ConnCtx, _a: &[Bytes]) {
    let t = ctx.shard.shared.lastsave.load(Ordering::Relaxed) as i64;
    ctx.writer().int(t);
}

fn save_async(ctx: &mut ConnCtx, _a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(async move {
        if ctx
            .shard
            .shared
            .persist
            .bgsave_in_progress
            .load(Ordering::Relaxed)
        {
            return ctx.error("ERR Background save already in progress");
        }
        match crate::persistence::snapshot::save(&ctx.shard, ctx.txn).await {
            Ok(()) => ctx.writer().ok(),
            Err(_) => ctx.error("ERR"),
        }
    })
}

/// BGSAVE [SCHEDULE]: a point-in-time snapshot written in the background
/// (see [`crate::persistence::bgsave`]).
fn bgsave_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    use crate::persistence::bgsave::{bgsave, BgsaveRefused};
    Box::pin(async move {
        let schedule = match a.len() {
            1 => false,
            2 if is(&a[1], "schedule") => true,
            _ => return ctx.error(error::SYNTAX),
        };
        match bgsave(&ctx.shard, ctx.txn, schedule).await {
            Ok(()) => ctx.writer().simple("Background saving started"),
            Err(BgsaveRefused::Scheduled) => ctx.writer().simple("Background saving scheduled"),
            Err(BgsaveRefused::InProgress) => ctx.error("ERR Background save already in progress"),
            Err(BgsaveRefused::ChildActive) => ctx.error(
                "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
            ),
            Err(BgsaveRefused::Failed(e)) => ctx.error(&e),
        }
    })
}

fn shutdown(ctx: &mut ConnCtx, a: &[Bytes]) {
    let mut save = -1;
    let (mut nosave_opt, mut save_opt, mut other_opt, mut abort) = (false, false, false, false);
    for opt in &a[1..] {
        if is(opt, "nosave") {
            nosave_opt = true;
            save = 0;
        } else if is(opt, "save") {
            save_opt = true;
            save = 1;
        } else if is(opt, "now") || is(opt, "force") {
            other_opt = true;
        } else if is(opt, "abort") {
            abort = true;
        } else {
            return ctx.error(error::SYNTAX);
        }
    }
    // Illegal combinations, as in Redis: ABORT with any other option,
    // SAVE with NOSAVE.
    if (abort && (nosave_opt || save_opt || other_opt)) || (nosave_opt && save_opt) {
        return ctx.error(error::SYNTAX);
    }
    if abort {
        return ctx.error("ERR No shutdown in progress.");
    }
    if !ctx.authenticated {
        return ctx.error(error::NOAUTH);
    }
    let shared = &ctx.shard.shared;
    shared.shutdown_save.store(save, Ordering::Relaxed);
    if !shared.shutdown.swap(true, Ordering::SeqCst) {
        crate::warning!("User requested shutdown...");
    }
    // Redis closes the connection without a reply.
    ctx.close = true;
}

fn slowlog_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(slowlog(ctx, a))
}

async fn slowlog(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    match (sub.as_str(), a.len()) {
        ("get", 2) | ("get", 3) => {
            let count = if a.len() == 3 {
                match args::int(&a[2]) {
                    Ok(n) if n >= -1 => n,
                    _ => return ctx.error("ERR count should be greater than or equal to -1"),
                }
            } else {
                10
            };
            let outs = ctx
                .shard
                .call_all(ctx.txn, |_| {
                    Box::new(|s: &ShardState| -> crate::dispatch::Out {
                        Box::new(
                            s.stats
                                .borrow()
                                .slowlog
                                .iter()
                                .cloned()
                                .collect::<Vec<SlowlogEntry>>(),
                        )
                    })
                })
                .await;
            let mut all: Vec<SlowlogEntry> = outs
                .into_iter()
                .filter_map(|o| o.downcast::<Vec<SlowlogEntry>>().ok())
                .flat_map(|v| *v)
                .collect();
            all.sort_by_key(|e| std::cmp::Reverse(e.id));
            if count >= 0 {
                all.truncate(count as usize);
            }
            let mut w = ctx.writer();
            w.array(all.len());
            for e in all {
                w.array(6);
                w.int(e.id as i64);
                w.int(e.time as i64);
                w.int(e.micros as i64);
                w.array(e.args.len());
                for x in &e.args {
                    w.bulk(x);
                }
                w.bulk(e.addr.as_bytes());
                w.bulk(e.name.as_bytes());
            }
        }
        ("len", 2) => {
            let outs = ctx
                .shard
                .call_all(ctx.txn, |_| {
                    Box::new(|s: &ShardState| -> crate::dispatch::Out {
                        Box::new(s.stats.borrow().slowlog.len())
                    })
                })
                .await;
            let n: usize = outs
                .into_iter()
                .filter_map(|o| o.downcast::<usize>().ok())
                .map(|b| *b)
                .sum();
            ctx.writer().int(n as i64)
        }
        ("reset", 2) => {
            ctx.shard
                .call_all(ctx.txn, |_| {
                    Box::new(|s: &ShardState| -> crate::dispatch::Out {
                        s.stats.borrow_mut().slowlog.clear();
                        Box::new(())
                    })
                })
                .await;
            ctx.writer().ok()
        }
        ("help", 2) => {
            let lines = [
                "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(&mut ctx.writer(), &lines);
        }
        // SLOWLOG GET's arity is -2: extra arguments reach the handler,
        // which answers Redis' generic subcommand syntax error.
        ("get", _) => ctx.error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            String::from_utf8_lossy(&a[1])
        )),
        ("len", _) | ("reset", _) | ("help", _) => ctx.error(&format!(
            "ERR wrong number of arguments for 'slowlog|{}' command",
            sub
        )),
        _ => ctx.error(&error::unknown_subcommand("slowlog", &a[1])),
    }
}

fn debug_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> BoxFut<'_> {
    Box::pin(debug(ctx, a))
}

/// Whether `enable-debug-command` lets this client run DEBUG: "yes", or
/// "local" for loopback clients (Redis' default is "no").
fn debug_allowed(ctx: &ConnCtx) -> bool {
    let setting = ctx
        .shard
        .shared
        .config()
        .get("enable-debug-command")
        .unwrap_or_default();
    match setting.as_str() {
        "yes" => true,
        "local" => {
            let addr = ctx.info.borrow().addr.clone();
            addr.parse::<std::net::SocketAddr>()
                .map(|a| a.ip().is_loopback())
                .unwrap_or(false)
        }
        _ => false,
    }
}

async fn debug(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    if !debug_allowed(ctx) {
        return ctx.error(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
        );
    }
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    match sub.as_str() {
        "sleep" if a.len() == 3 => {
            let secs = match args::float(&a[2]) {
                Ok(s) if s >= 0.0 => s,
                _ => return ctx.error(error::NOT_FLOAT),
            };
            // Like Redis, this blocks the server thread (this shard).
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
            ctx.writer().ok()
        }
        "set-active-expire" if a.len() == 3 => {
            let on = match args::int(&a[2]) {
                Ok(v) => v != 0,
                Err(e) => return ctx.error(e),
            };
            ctx.shard.shared.active_expire.store(on, Ordering::Relaxed);
            ctx.writer().ok()
        }
        "loadaof" => {
            crate::persistence::aof::load::debug_loadaof(&ctx.shard, ctx.txn).await;
            ctx.writer().ok()
        }
        "reload" => match crate::persistence::snapshot::reload(&ctx.shard, ctx.txn).await {
            Ok(()) => ctx.writer().ok(),
            Err(e) => ctx.error(&e),
        },
        "populate" if (3..=5).contains(&a.len()) => {
            let count = match args::int(&a[2]) {
                Ok(n) if n >= 0 => n as u64,
                _ => return ctx.error("ERR count must be a positive integer"),
            };
            let prefix = if a.len() >= 4 {
                a[3].clone()
            } else {
                Bytes::from_static(b"key")
            };
            let size = if a.len() == 5 {
                match args::int(&a[4]) {
                    Ok(n)
                        if n >= 0
                            && n as u64
                                <= ctx.shard.shared.proto_max_bulk_len.load(Ordering::Relaxed) =>
                    {
                        Some(n as usize)
                    }
                    Ok(n) if n >= 0 => return ctx.error(error::STRING_TOO_LONG),
                    _ => return ctx.error("ERR size must be a positive integer"),
                }
            } else {
                None
            };
            let db = ctx.db;
            ctx.shard
                .call_all(ctx.txn, |_| {
                    let prefix = prefix.clone();
                    Box::new(move |s: &ShardState| -> crate::dispatch::Out {
                        let mut store = s.store.borrow_mut();
                        let d = store.db(db);
                        let now = crate::shard::keyspace::now_ms();
                        let mut key = Vec::with_capacity(prefix.len() + 21);
                        for i in 0..count {
                            key.clear();
                            key.extend_from_slice(&prefix);
                            key.push(b':');
                            key.extend_from_slice(i.to_string().as_bytes());
                            if s.nshards > 1 && s.slot_map.shard_of_key(&key) != s.id {
                                continue;
                            }
                            if d.contains(&key, now) {
                                continue;
                            }
                            let mut val = format!("value:{}", i).into_bytes();
                            if let Some(sz) = size {
                                val.resize(sz, 0);
                            }
                            d.set(&key, Value::from_bytes(&val), false);
                        }
                        Box::new(())
                    })
                })
                .await;
            ctx.writer().ok()
        }
        "object" if a.len() == 3 => {
            let mut sub_args = vec![Bytes::from_static(b"debug-object"), a[2].clone()];
            sub_args.truncate(2);
            let shard = ctx.shard.clone();
            crate::dispatch::router::run_keyed(
                &shard,
                debug_object,
                &sub_args,
                &[1],
                ctx.db,
                &[],
                ctx.proto,
                crate::shard::keyspace::now_ms(),
                &mut ctx.out,
                ctx.txn,
            )
            .await;
        }
        "help" => {
            let lines = [
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "OBJECT <key>",
                "    Show low level info about the key and associated value.",
                "POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not accessed.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(&mut ctx.writer(), &lines);
        }
        _ => ctx.error(&error::unknown_subcommand("debug", &a[1])),
    }
}

fn debug_object(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match ctx.db().get_notouch(&a[1], now) {
        None => w.error("ERR no such key"),
        Some((v, access)) => {
            // The length of the value's RDB serialization (without its
            // type byte), as Redis' rdbSavedObjectLen.
            let mut buf = Vec::new();
            crate::persistence::rdb::value::encode_value(
                v,
                crate::persistence::rdb::compression(),
                &mut buf,
            );
            let lfu = crate::shard::evict::lfu_enabled();
            let idle = if lfu {
                0
            } else {
                crate::shard::evict::idle_seconds(access)
            };
            let mut line = format!(
                "Value at:0x0 refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
                v.encoding(),
                buf.len().saturating_sub(1),
                access,
                idle
            );
            if let crate::types::Value::List(l) = v {
                let nodes = l.node_count();
                line.push_str(&format!(
                    " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
                    nodes,
                    if nodes > 0 { l.len() as f64 / nodes as f64 } else { 0.0 },
                    l.fill_limit(),
                    (crate::types::limits::limits().list_compress_depth() != 0) as u8,
                    l.packed_bytes()
                ));
            }
            w.simple(&line);
        }
    }
}

fn memory_keys(a: &[Bytes]) -> Vec<usize> {
    if a.len() >= 3 && is(&a[1], "usage") {
        vec![2]
    } else {
        Vec::new()
    }
}

/// Approximate bytes used by `v` and its key (MEMORY USAGE).
pub fn value_memory(key_len: usize, v: &Value) -> usize {
    let key = if key_len > 22 { 24 + key_len } else { 24 };
    let val = match v {
        Value::Int(_) => 24,
        Value::Str(s) => {
            if s.len() > 22 {
                24 + s.len()
            } else {
                24
            }
        }
        Value::Raw(r) => 24 + r.capacity(),
        Value::List(l) => 24 + l.memory_usage(),
        Value::Hash(h) => 24 + h.memory_usage(),
        Value::Set(s) => 24 + s.memory_usage(),
        Value::ZSet(z) => 24 + z.memory_usage(),
    };
    key + val + 8
}

fn memory(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    match sub.as_str() {
        "usage" if a.len() == 3 || a.len() == 5 => {
            if a.len() == 5 && !(is(&a[3], "samples") && args::int(&a[4]).is_ok()) {
                return w.error(error::SYNTAX);
            }
            let now = ctx.now;
            match ctx.db().get(&a[2], now) {
                None => w.null(),
                Some(v) => w.int(value_memory(a[2].len(), v) as i64),
            }
        }
        "doctor" if a.len() == 2 => w.bulk(b"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."),
        "malloc-stats" if a.len() == 2 => w.bulk(b"Stats not supported for the current allocator"),
        "purge" if a.len() == 2 => w.ok(),
        "stats" if a.len() == 2 => {
            let used = crate::alloc::used_memory();
            w.map(3);
            w.bulk(b"peak.allocated");
            w.int(used as i64);
            w.bulk(b"total.allocated");
            w.int(used as i64);
            w.bulk(b"dataset.bytes");
            w.int(used as i64);
        }
        "help" if a.len() == 2 => {
            let lines = [
                "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).",
                "HELP",
                "    Print this help.",
            ];
            super::reply_help(w, &lines);
        }
        "usage" | "doctor" | "malloc-stats" | "purge" | "stats" | "help" => w.error(&format!("ERR wrong number of arguments for 'memory|{}' command", sub)),
        _ => w.error(&error::unknown_subcommand("memory", &a[1])),
    }
}
