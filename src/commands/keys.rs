//! Generic key commands (Redis' db.c and expire.c).
//!
//! Commands that name their keys (DEL, EXPIRE, RENAME, COPY...) are keyed
//! handlers: the router runs them on the shard owning the keys, or on a
//! scratch store holding the keys of several locked shards, so each is
//! written against one [`crate::shard::keyspace::Store`] and is atomic whatever shards it spans.
//!
//! Commands over the whole keyspace (KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB,
//! FLUSHALL, SWAPDB) fan out to every shard from the client's core. The ones
//! that change data (FLUSH*, SWAPDB) lock all shards first
//! ([`ShardState::call_all_atomic`]) so no command sees half of them done.
//!
//! # SCAN cursors
//!
//! A cursor is a hash slot number. A call visits whole slots from the
//! cursor on, on the shard owning them, until COUNT keys were seen or the
//! shard's range ends (then it moves on to the next shard, a few hops at
//! most), and returns the next slot to visit. Since every slot is visited
//! once per full scan and a slot's keys are returned together, every key
//! present for the whole scan is returned at least once (exactly once unless
//! it moves, which keys never do). See [`scan_slots`].

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};

use super::args::{self, glob_match, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler, KeySpec};
use crate::dispatch::Out;
use crate::error;
use crate::notify::class;
use crate::protocol::{Protocol, ReplyWriter};
use crate::server::connection::ConnCtx;
use crate::shard::keyspace::{now_ms, Db, Key};
use crate::shard::slots::{SlotMap, SLOTS};
use crate::shard::ShardState;

use Handler::{Async, Keyed};

/// `ERR source and destination objects are the same`.
const SAME_OBJECT: &str = "ERR source and destination objects are the same";

/// OBJECT FREQ without an LFU eviction policy.
const NO_LFU: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// OBJECT IDLETIME under an LFU eviction policy.
const LFU_NO_IDLETIME: &str = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// Redis' reference count of shared integer objects (`OBJ_SHARED_REFCOUNT`).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Integers `0..SHARED_INTEGERS` are shared objects in Redis
/// (`OBJ_SHARED_INTEGERS`); OBJECT REFCOUNT reports them as such.
const SHARED_INTEGERS: i64 = 10_000;

/// Default SCAN COUNT.
const SCAN_DEFAULT_COUNT: usize = 10;

/// Most shards one SCAN call visits when they hold too few keys.
const SCAN_MAX_HOPS: usize = 4;

/// OBJECT's key: argument 2, except for OBJECT HELP (Redis' subcommands
/// `object|encoding` etc. have their key at 2).
fn object_keys(args: &[Bytes]) -> Vec<usize> {
    if args.len() >= 3 && !is(&args[1], "help") {
        vec![2]
    } else {
        Vec::new()
    }
}

/// The generic family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "del",
        -2,
        WRITE,
        1,
        -1,
        1,
        "generic",
        "Deletes one or more keys.",
        Keyed(del),
    ),
    cmd(
        "unlink",
        -2,
        WRITE | FAST,
        1,
        -1,
        1,
        "generic",
        "Asynchronously deletes one or more keys.",
        Keyed(del),
    ),
    cmd(
        "exists",
        -2,
        READONLY | FAST,
        1,
        -1,
        1,
        "generic",
        "Determines whether one or more keys exist.",
        Keyed(exists),
    ),
    cmd(
        "touch",
        -2,
        READONLY | FAST,
        1,
        -1,
        1,
        "generic",
        "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
        Keyed(exists),
    ),
    cmd(
        "type",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "generic",
        "Determines the type of value stored at a key.",
        Keyed(type_cmd),
    ),
    cmd(
        "expire",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Sets the expiration time of a key in seconds.",
        Keyed(expire),
    ),
    cmd(
        "pexpire",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Sets the expiration time of a key in milliseconds.",
        Keyed(pexpire),
    ),
    cmd(
        "expireat",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Sets the expiration time of a key to a Unix timestamp.",
        Keyed(expireat),
    ),
    cmd(
        "pexpireat",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Sets the expiration time of a key to a Unix milliseconds timestamp.",
        Keyed(pexpireat),
    ),
    cmd(
        "ttl",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "generic",
        "Returns the expiration time in seconds of a key.",
        Keyed(ttl),
    ),
    cmd(
        "pttl",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "generic",
        "Returns the expiration time in milliseconds of a key.",
        Keyed(pttl),
    ),
    cmd(
        "expiretime",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "generic",
        "Returns the expiration time of a key as a Unix timestamp.",
        Keyed(expiretime),
    ),
    cmd(
        "pexpiretime",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "generic",
        "Returns the expiration time of a key as a Unix milliseconds timestamp.",
        Keyed(pexpiretime),
    ),
    cmd(
        "persist",
        2,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Removes the expiration time of a key.",
        Keyed(persist),
    ),
    cmd(
        "rename",
        3,
        WRITE,
        1,
        2,
        1,
        "generic",
        "Renames a key and overwrites the destination.",
        Keyed(rename),
    ),
    cmd(
        "renamenx",
        3,
        WRITE | FAST,
        1,
        2,
        1,
        "generic",
        "Renames a key only when the target key name doesn't exist.",
        Keyed(renamenx),
    ),
    cmd(
        "copy",
        -3,
        WRITE | DENYOOM,
        1,
        2,
        1,
        "generic",
        "Copies the value of a key to a new key.",
        Keyed(copy),
    ),
    cmd(
        "move",
        3,
        WRITE | FAST,
        1,
        1,
        1,
        "generic",
        "Moves a key to another database.",
        Keyed(move_cmd),
    ),
    CommandSpec {
        name: "object",
        arity: -2,
        flags: 0,
        keys: KeySpec::Custom(object_keys),
        group: "generic",
        summary: "A container for object introspection commands.",
        handler: Keyed(object),
    },
    cmd(
        "keys",
        2,
        READONLY,
        0,
        0,
        0,
        "generic",
        "Returns all key names that match a pattern.",
        Async(keys_async),
    ),
    cmd(
        "scan",
        -2,
        READONLY,
        0,
        0,
        0,
        "generic",
        "Iterates over the key names in the database.",
        Async(scan_async),
    ),
    cmd(
        "randomkey",
        1,
        READONLY,
        0,
        0,
        0,
        "generic",
        "Returns a random key name from the database.",
        Async(randomkey_async),
    ),
    cmd(
        "dbsize",
        1,
        READONLY | FAST,
        0,
        0,
        0,
        "server",
        "Returns the number of keys in the database.",
        Async(dbsize_async),
    ),
    cmd(
        "flushdb",
        -1,
        WRITE,
        0,
        0,
        0,
        "server",
        "Remove all keys from the current database.",
        Async(flushdb_async),
    ),
    cmd(
        "flushall",
        -1,
        WRITE,
        0,
        0,
        0,
        "server",
        "Removes all keys from all databases.",
        Async(flushall_async),
    ),
    cmd(
        "swapdb",
        3,
        WRITE | FAST,
        0,
        0,
        0,
        "server",
        "Swaps two Redis databases.",
        Async(swapdb_async),
    ),
];

// ---------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------

/// Parses an `int` argument as Redis' `getIntFromObjectOrReply`: `msg`
/// replaces both errors when given.
fn int32(arg: &[u8], msg: Option<&'static str>) -> Result<i64, String> {
    let n = args::int(arg).map_err(|e| msg.unwrap_or(e).to_string())?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(msg.map(str::to_string).unwrap_or_else(|| {
            "ERR value is out of range, value must between -2147483648 and 2147483647".to_string()
        }));
    }
    Ok(n)
}

/// Number of databases of the store a handler runs against. A shard's store
/// has exactly the configured number; a cross-shard scratch store has every
/// database up to the highest one the command names (the router filters out
/// indexes beyond the configured count), so an index at or past this is out
/// of range in both.
fn db_count(ctx: &ExecCtx<'_>) -> usize {
    ctx.store.dbs.len()
}

// ---------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TOUCH, TYPE
// ---------------------------------------------------------------------------

/// DEL and UNLINK (values are small enough to free in place; UNLINK's
/// background freeing buys nothing here).
fn del(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let mut n = 0;
    for k in &a[1..] {
        if ctx.db().remove(k, now).is_some() {
            n += 1;
            ctx.notify(class::GENERIC, "del", k);
        }
    }
    ctx.dirty += n;
    w.int(n as i64);
}

/// EXISTS and TOUCH: the number of named keys that exist, duplicates
/// counted each time. TOUCH records an access (LRU/LFU); EXISTS does not,
/// as Redis' `LOOKUP_NOTOUCH`.
fn exists(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let touch = args::is(&a[0], "touch");
    let db = ctx.db();
    let n = a[1..]
        .iter()
        .filter(|k| {
            if touch {
                db.contains(k, now)
            } else {
                db.get_notouch(k, now).is_some()
            }
        })
        .count();
    w.int(n as i64);
}

fn type_cmd(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match ctx.db().get_notouch(&a[1], now).map(|(v, _)| v) {
        Some(v) => w.simple(v.type_name()),
        None => w.simple("none"),
    }
}

// ---------------------------------------------------------------------------
// EXPIRE family, TTL family, PERSIST
// ---------------------------------------------------------------------------

/// NX / XX / GT / LT of the EXPIRE family.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the options after the time, as `parseExtendedExpireArgumentsOrReply`.
fn parse_expire_flags(opts: &[Bytes]) -> Result<ExpireFlags, String> {
    let mut f = ExpireFlags::default();
    for o in opts {
        if is(o, "nx") {
            f.nx = true;
        } else if is(o, "xx") {
            f.xx = true;
        } else if is(o, "gt") {
            f.gt = true;
        } else if is(o, "lt") {
            f.lt = true;
        } else {
            return Err(format!(
                "ERR Unsupported option {}",
                String::from_utf8_lossy(o)
            ));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err("ERR NX and XX, GT or LT options at the same time are not compatible".into());
    }
    if f.gt && f.lt {
        return Err("ERR GT and LT options at the same time are not compatible".into());
    }
    Ok(f)
}

/// The absolute expiry time in ms that EXPIRE-family argument `arg` names,
/// with Redis' overflow checks (a negative result is a time in the past).
fn expire_when(arg: &[u8], seconds: bool, basetime: i64, name: &str) -> Result<i64, String> {
    let mut when = args::int(arg).map_err(str::to_string)?;
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return Err(error::invalid_expire(name));
        }
        when *= 1000;
    }
    if when > i64::MAX - basetime {
        return Err(error::invalid_expire(name));
    }
    Ok(when + basetime)
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (`expireGenericCommand`).
fn expire_generic(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    w: &mut ReplyWriter<'_>,
    seconds: bool,
    relative: bool,
    name: &str,
) {
    let flags = match parse_expire_flags(&a[3..]) {
        Ok(f) => f,
        Err(e) => return w.error(&e),
    };
    let now = ctx.now;
    let basetime = if relative { now as i64 } else { 0 };
    let when = match expire_when(&a[2], seconds, basetime, name) {
        Ok(t) => t,
        Err(e) => return w.error(&e),
    };
    let key = &a[1];
    let db = ctx.db();
    if !db.contains(key, now) {
        return w.int(0);
    }
    let current = db.expire_at(key).map(|t| t as i64);
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        // No expiry counts as infinite: GT always fails, LT always passes.
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return w.int(0);
    }
    let past = when <= now as i64;
    if past {
        db.remove(key, now);
        ctx.notify(class::GENERIC, "del", key);
    } else {
        db.set_expire(key, when as u64);
        ctx.notify(class::GENERIC, "expire", key);
    }
    ctx.dirty += 1;
    w.int(1);
    // Replayed later, only an absolute time in ms means the same (Redis 7
    // propagates PEXPIREAT, or DEL for a time already past).
    if ctx.journaling() {
        ctx.propagate_as(if past {
            vec![Bytes::from_static(b"DEL"), key.clone()]
        } else {
            vec![
                Bytes::from_static(b"PEXPIREAT"),
                key.clone(),
                Bytes::from(when.to_string()),
            ]
        });
    }
}

fn expire(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    expire_generic(ctx, a, w, true, true, "expire")
}

fn pexpire(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    expire_generic(ctx, a, w, false, true, "pexpire")
}

fn expireat(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    expire_generic(ctx, a, w, true, false, "expireat")
}

fn pexpireat(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    expire_generic(ctx, a, w, false, false, "pexpireat")
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for no key, -1 for no expiry.
fn ttl_generic(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    w: &mut ReplyWriter<'_>,
    ms: bool,
    absolute: bool,
) {
    let now = ctx.now;
    let db = ctx.db();
    if db.get_notouch(&a[1], now).is_none() {
        return w.int(-2);
    }
    let Some(at) = db.expire_at(&a[1]) else {
        return w.int(-1);
    };
    // i128: the rounding below must not overflow for expiry times near
    // i64::MAX (Redis' C arithmetic gives the same values).
    let at = at.min(i64::MAX as u64) as i128;
    let now = now as i128;
    let v = match (absolute, ms) {
        (true, true) => at,
        // Redis rounds to the nearest second, as for TTL.
        (true, false) => (at + 500) / 1000,
        (false, true) => (at - now).max(0),
        (false, false) => ((at - now).max(0) + 500) / 1000,
    };
    w.int(v.min(i64::MAX as i128) as i64);
}

fn ttl(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, a, w, false, false)
}

fn pttl(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, a, w, true, false)
}

fn expiretime(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, a, w, false, true)
}

fn pexpiretime(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, a, w, true, true)
}

fn persist(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    if db.contains(&a[1], now) && db.persist(&a[1]) {
        ctx.dirty += 1;
        ctx.notify(class::GENERIC, "persist", &a[1]);
        w.int(1)
    } else {
        w.int(0)
    }
}

// ---------------------------------------------------------------------------
// RENAME, RENAMENX, COPY, MOVE
// ---------------------------------------------------------------------------

/// RENAME and RENAMENX (`renameGenericCommand`): the value moves with its
/// expiry time; an existing destination is overwritten (RENAME) or left
/// alone (RENAMENX replies 0).
fn rename_generic(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, nx: bool) {
    let now = ctx.now;
    let (src, dst) = (&a[1], &a[2]);
    let db = ctx.db();
    if !db.contains(src, now) {
        return w.error(error::NO_SUCH_KEY);
    }
    if src == dst {
        return if nx { w.int(0) } else { w.ok() };
    }
    if nx && db.contains(dst, now) {
        return w.int(0);
    }
    let access = db.access_of(src);
    let Some((value, exp)) = db.remove(src, now) else {
        return w.error(error::NO_SUCH_KEY);
    };
    // The old destination goes first, so the key counts as new (Redis
    // deletes it and adds the value again). The value keeps its access
    // history, as Redis' object does.
    db.remove(dst, now);
    db.insert(dst, value, exp);
    if let Some(a) = access {
        db.set_access(dst, a);
    }
    ctx.dirty += 1;
    ctx.notify(class::GENERIC, "rename_from", src);
    ctx.notify(class::GENERIC, "rename_to", dst);
    if nx {
        w.int(1)
    } else {
        w.ok()
    }
}

fn rename(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    rename_generic(ctx, a, w, false)
}

fn renamenx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    rename_generic(ctx, a, w, true)
}

/// COPY source destination [DB n] [REPLACE] (`copyCommand`).
fn copy(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let src_db = ctx.db;
    let mut dst_db = ctx.db;
    let mut replace = false;
    let mut j = 3;
    while j < a.len() {
        if is(&a[j], "replace") {
            replace = true;
        } else if is(&a[j], "db") && j + 1 < a.len() {
            let n = match int32(&a[j + 1], None) {
                Ok(n) => n,
                Err(e) => return w.error(&e),
            };
            if n < 0 || n as usize >= db_count(ctx) {
                return w.error(error::DB_INDEX);
            }
            dst_db = n as usize;
            j += 1;
        } else {
            return w.error(error::SYNTAX);
        }
        j += 1;
    }
    let (src, dst) = (&a[1], &a[2]);
    if src_db == dst_db && src == dst {
        return w.error(SAME_OBJECT);
    }
    let now = ctx.now;
    let Some(value) = ctx.store.db(src_db).get(src, now).cloned() else {
        return w.int(0);
    };
    let exp = ctx.store.db(src_db).expire_at(src);
    let target = ctx.store.db(dst_db);
    if target.contains(dst, now) {
        if !replace {
            return w.int(0);
        }
        target.remove(dst, now);
    }
    target.insert(dst, value, exp);
    ctx.dirty += 1;
    ctx.notify_db(dst_db, class::GENERIC, "copy_to", dst);
    w.int(1);
}

/// MOVE key db (`moveCommand`). The key keeps its slot, so both databases
/// are on the same shard.
fn move_cmd(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let n = match int32(&a[2], None) {
        Ok(n) => n,
        Err(e) => return w.error(&e),
    };
    if n < 0 || n as usize >= db_count(ctx) {
        return w.error(error::DB_INDEX);
    }
    let (src_db, dst_db) = (ctx.db, n as usize);
    if src_db == dst_db {
        return w.error(SAME_OBJECT);
    }
    let now = ctx.now;
    let key = &a[1];
    if !ctx.store.db(src_db).contains(key, now) {
        return w.int(0);
    }
    if ctx.store.db(dst_db).contains(key, now) {
        return w.int(0);
    }
    let access = ctx.store.db(src_db).access_of(key);
    let Some((value, exp)) = ctx.store.db(src_db).remove(key, now) else {
        return w.int(0);
    };
    ctx.store.db(dst_db).insert(key, value, exp);
    if let Some(a) = access {
        ctx.store.db(dst_db).set_access(key, a);
    }
    ctx.dirty += 1;
    ctx.notify_db(src_db, class::GENERIC, "move_from", key);
    ctx.notify_db(dst_db, class::GENERIC, "move_to", key);
    w.int(1);
}

// ---------------------------------------------------------------------------
// OBJECT
// ---------------------------------------------------------------------------

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

fn object(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let sub = String::from_utf8_lossy(&a[1]).to_ascii_lowercase();
    match sub.as_str() {
        "help" => {
            if a.len() != 2 {
                return w.error(&error::wrong_arity("object|help"));
            }
            w.array(OBJECT_HELP.len());
            for l in OBJECT_HELP {
                w.simple(l);
            }
        }
        "encoding" | "freq" | "idletime" | "refcount" => {
            if a.len() != 3 {
                return w.error(&error::wrong_arity(&format!("object|{sub}")));
            }
            let now = ctx.now;
            // OBJECT does not count as an access (Redis' LOOKUP_NOTOUCH).
            let Some((v, access)) = ctx.db().get_notouch(&a[2], now) else {
                return w.null();
            };
            let lfu = crate::shard::evict::lfu_enabled();
            match sub.as_str() {
                "encoding" => w.bulk(v.encoding().as_bytes()),
                "freq" if !lfu => w.error(NO_LFU),
                "freq" => w.int(crate::shard::evict::frequency(access) as i64),
                "idletime" if lfu => w.error(LFU_NO_IDLETIME),
                "idletime" => w.int(crate::shard::evict::idle_seconds(access) as i64),
                _ => match v {
                    crate::types::Value::Int(i)
                        if (0..SHARED_INTEGERS).contains(i)
                            && !crate::shard::evict::unshared_integers() =>
                    {
                        w.int(SHARED_REFCOUNT)
                    }
                    _ => w.int(1),
                },
            }
        }
        _ => w.error(&error::unknown_subcommand("object", &a[1])),
    }
}

// ---------------------------------------------------------------------------
// Keyspace-wide commands: plain functions over one Db (unit-tested), then
// the fan-out handlers.
// ---------------------------------------------------------------------------

/// Appends every key of `db` matching `pattern` that is not expired at `now`
/// as a bulk string; returns how many were written (KEYS on one shard).
pub fn write_matching_keys(db: &Db, pattern: &[u8], now: u64, w: &mut ReplyWriter<'_>) -> usize {
    let all = pattern == b"*";
    let mut n = 0;
    for (_, t) in db.tables() {
        for k in t.keys.keys() {
            let k = k.as_slice();
            if !all && !glob_match(pattern, k, false) {
                continue;
            }
            if !t.expires.is_empty() && t.expires.get(k).is_some_and(|&at| at <= now) {
                continue;
            }
            w.bulk(k);
            n += 1;
        }
    }
    n
}

/// SCAN's MATCH and TYPE filters.
#[derive(Debug, Clone, Default)]
pub struct ScanFilter {
    /// Glob pattern (none for `*`).
    pub pattern: Option<Bytes>,
    /// Type name, compared ignoring case (Redis 7.0: an unknown name
    /// matches nothing).
    pub type_name: Option<Bytes>,
}

impl ScanFilter {
    fn accepts(&self, key: &[u8], value: &crate::types::Value) -> bool {
        if let Some(p) = &self.pattern {
            if !glob_match(p, key, false) {
                return false;
            }
        }
        if let Some(t) = &self.type_name {
            if !value.type_name().as_bytes().eq_ignore_ascii_case(t) {
                return false;
            }
        }
        true
    }
}

/// What one SCAN step on one shard found.
#[derive(Debug, Default)]
pub struct ScanStep {
    /// Keys that passed the filters.
    pub keys: Vec<Key>,
    /// Keys visited, filtered or not (what COUNT bounds).
    pub visited: usize,
    /// The next slot to visit: `end` when the range was exhausted.
    pub next: usize,
    /// Expired keys met on the way (the caller deletes them).
    pub expired: Vec<Key>,
}

/// Visits the slots of `db` from `from` (inclusive) to `end` (exclusive),
/// whole slot by whole slot, until at least `count` keys were visited or
/// the range ends. Expired keys are skipped; the filters are applied after
/// visiting, so `count` bounds the work, not the number of keys returned.
pub fn scan_slots(
    db: &Db,
    from: usize,
    end: usize,
    count: usize,
    now: u64,
    filter: &ScanFilter,
) -> ScanStep {
    let end = end.min(SLOTS);
    let mut step = ScanStep {
        next: end,
        ..ScanStep::default()
    };
    let mut slot = from;
    while slot < end {
        let Some(s) = db.next_nonempty_slot(slot) else {
            break;
        };
        if s >= end {
            break;
        }
        // The table holds a whole group of slots: take the part of it in
        // [s, stop), which is all of it unless the scan starts inside the
        // group or the shard's range ends inside it.
        let stop = crate::shard::keyspace::group_end(s).min(end);
        let whole = s & ((1 << crate::shard::keyspace::GROUP_SHIFT) - 1) == 0
            && stop == crate::shard::keyspace::group_end(s);
        if let Some(t) = db.slot_table(s) {
            for (k, v) in t.keys.iter() {
                if !whole {
                    let ks = crate::shard::slots::key_slot(k.as_slice()) as usize;
                    if ks < s || ks >= stop {
                        continue;
                    }
                }
                step.visited += 1;
                if !t.expires.is_empty() && t.expires.get(k.as_slice()).is_some_and(|&at| at <= now)
                {
                    step.expired.push(k.clone());
                    continue;
                }
                if filter.accepts(k.as_slice(), v) {
                    step.keys.push(k.clone());
                }
            }
        }
        slot = stop;
        if step.visited >= count {
            step.next = slot;
            break;
        }
    }
    step
}

/// The end (exclusive) of the run of slots owned by the owner of `slot`.
fn owner_range_end(map: &SlotMap, slot: usize) -> usize {
    let owner = map.shard_of_slot(slot as u16);
    (slot + 1..SLOTS)
        .find(|&s| map.shard_of_slot(s as u16) != owner)
        .unwrap_or(SLOTS)
}

/// Parses a SCAN cursor as Redis' `parseScanCursorOrReply` (`strtoul`: an
/// optional sign, digits; no leading space, nothing after) and checks it is
/// a slot number (the only cursors this server hands out).
pub fn parse_cursor(arg: &[u8]) -> Result<usize, &'static str> {
    const INVALID: &str = "ERR invalid cursor";
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        // strtoul("") consumes nothing and ends at the terminator: 0.
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(INVALID);
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add((d - b'0') as u64))
            .ok_or(INVALID)?;
    }
    if neg && v != 0 {
        // Wraps around to a huge unsigned value in Redis: never a slot.
        return Err(INVALID);
    }
    if v >= SLOTS as u64 {
        return Err(INVALID);
    }
    Ok(v as usize)
}

/// Parses SCAN's options (after the cursor): COUNT n, MATCH p, TYPE t.
fn parse_scan_options(a: &[Bytes]) -> Result<(usize, ScanFilter), &'static str> {
    let mut count = SCAN_DEFAULT_COUNT;
    let mut filter = ScanFilter::default();
    let mut i = 2;
    while i < a.len() {
        let more = a.len() - i;
        if is(&a[i], "count") && more >= 2 {
            let n = args::int(&a[i + 1])?;
            if n < 1 {
                return Err(error::SYNTAX);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(&a[i], "match") && more >= 2 {
            let p = &a[i + 1];
            filter.pattern = if &p[..] == b"*" {
                None
            } else {
                Some(p.clone())
            };
        } else if is(&a[i], "type") && more >= 2 {
            filter.type_name = Some(a[i + 1].clone());
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    Ok((count, filter))
}

/// A per-thread xorshift64* generator for RANDOMKEY (not cryptographic).
fn rand_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            let stack = &x as *const u64 as u64;
            x = (now_ms() ^ stack.rotate_left(32) ^ 0x9E37_79B9_7F4A_7C15) | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A random key of `db` that is not expired, deleting expired ones it
/// draws (as Redis' `dbRandomKey`); gives up after 100 expired draws.
pub fn random_live_key(db: &mut Db, now: u64) -> Option<Vec<u8>> {
    for _ in 0..100 {
        let k = db.random_key(rand_u64)?.as_slice().to_vec();
        if db.is_expired(&k, now) {
            db.remove(&k, now);
            continue;
        }
        return Some(k);
    }
    None
}

/// Empties `db`, keeping its expiry statistics; returns the old contents.
fn take_db(db: &mut Db) -> Db {
    db.take_all()
}

/// Frees emptied databases: on a helper thread when ASYNC was asked and
/// there is much to free, else here.
fn dispose(old: Vec<Db>, lazy: bool) {
    let keys: usize = old.iter().map(Db::len).sum();
    if lazy && keys > 1024 {
        // If the thread cannot start, the closure (and the data) is dropped
        // here instead.
        let _ = std::thread::Builder::new()
            .name("shardis-lazyfree".into())
            .spawn(move || drop(old));
    }
}

type AsyncRet<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

fn keys_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(keys_cmd(ctx, a))
}

fn scan_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(scan_cmd(ctx, a))
}

fn randomkey_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(randomkey_cmd(ctx, a))
}

fn dbsize_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(dbsize_cmd(ctx, a))
}

fn flushdb_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(flush_cmd(ctx, a, false))
}

fn flushall_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(flush_cmd(ctx, a, true))
}

fn swapdb_async(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    Box::pin(swapdb_cmd(ctx, a))
}

/// KEYS pattern: each shard encodes its matching keys; the replies are
/// joined under one array header.
async fn keys_cmd(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let pattern = a[1].clone();
    let (dbi, proto) = (ctx.db, ctx.proto);
    let outs = ctx
        .shard
        .call_all(ctx.txn, |_| {
            let pattern = pattern.clone();
            Box::new(move |s: &ShardState| -> Out {
                let mut buf = BytesMut::new();
                let store = s.store.borrow();
                let n = match store.dbs.get(dbi) {
                    Some(db) => {
                        let mut w = ReplyWriter::new(&mut buf, proto);
                        write_matching_keys(db, &pattern, now_ms(), &mut w)
                    }
                    None => 0,
                };
                Box::new((n, buf))
            })
        })
        .await;
    let parts: Vec<(usize, BytesMut)> = outs
        .into_iter()
        .filter_map(|o| o.downcast::<(usize, BytesMut)>().ok())
        .map(|b| *b)
        .collect();
    let total = parts.iter().map(|(n, _)| n).sum();
    let mut w = ctx.writer();
    w.array(total);
    for (_, buf) in parts {
        w.raw(&buf);
    }
}

/// A SCAN step's result as it travels back from a shard.
struct ScanReply {
    encoded: BytesMut,
    n: usize,
    visited: usize,
    next: usize,
    /// `expired` events for the client's shard to publish.
    events: Vec<crate::notify::KeyEvent>,
}

/// Runs [`scan_slots`] on the shard owning `from`, deleting the expired
/// keys it met and encoding the keys found.
fn scan_job(
    dbi: usize,
    from: usize,
    end: usize,
    count: usize,
    filter: ScanFilter,
    proto: Protocol,
) -> crate::dispatch::Job {
    Box::new(move |s: &ShardState| -> Out {
        let now = now_ms();
        let mut store = s.store.borrow_mut();
        let Some(db) = store.dbs.get_mut(dbi) else {
            return Box::new(ScanReply {
                encoded: BytesMut::new(),
                n: 0,
                visited: 0,
                next: end,
                events: Vec::new(),
            });
        };
        let step = scan_slots(db, from, end, count, now, &filter);
        drop(store);
        let mut events = Vec::new();
        if !step.expired.is_empty() {
            // Removed as Redis' SCAN does, with their `expired` events.
            events = crate::notify::with_expiry_log_deferred(s, |store| {
                for k in &step.expired {
                    store.db(dbi).remove(k.as_slice(), now);
                }
            })
            .1;
        }
        let mut encoded = BytesMut::new();
        let mut w = ReplyWriter::new(&mut encoded, proto);
        for k in &step.keys {
            w.bulk(k.as_slice());
        }
        Box::new(ScanReply {
            encoded,
            n: step.keys.len(),
            visited: step.visited,
            next: step.next,
            events,
        })
    })
}

/// SCAN cursor [MATCH p] [COUNT n] [TYPE t].
async fn scan_cmd(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let mut cursor = match parse_cursor(&a[1]) {
        Ok(c) => c,
        Err(e) => return ctx.error(e),
    };
    let (count, filter) = match parse_scan_options(&a) {
        Ok(v) => v,
        Err(e) => return ctx.error(e),
    };
    let (dbi, proto) = (ctx.db, ctx.proto);
    let shard = ctx.shard.clone();
    let mut keys = BytesMut::new();
    let mut n = 0;
    let mut visited = 0;
    for _ in 0..SCAN_MAX_HOPS {
        let owner = shard.slot_map.shard_of_slot(cursor as u16);
        let end = owner_range_end(&shard.slot_map, cursor);
        let job = scan_job(dbi, cursor, end, count - visited, filter.clone(), proto);
        let Some(r) = shard
            .call(owner, crate::dispatch::LockOp::plain(ctx.txn), job)
            .await
            .and_then(|o| o.downcast::<ScanReply>().ok())
        else {
            return ctx.error("ERR shard unavailable");
        };
        crate::notify::publish(&shard, &r.events);
        keys.extend_from_slice(&r.encoded);
        n += r.n;
        visited += r.visited;
        cursor = r.next;
        if cursor >= SLOTS || visited >= count {
            break;
        }
    }
    if cursor >= SLOTS {
        cursor = 0;
    }
    let mut w = ctx.writer();
    w.array(2);
    w.bulk(cursor.to_string().as_bytes());
    w.array(n);
    w.raw(&keys);
}

/// RANDOMKEY: every shard draws a live key and reports its key count; one
/// of the draws is picked with probability proportional to its shard's
/// count, so every key is about equally likely.
async fn randomkey_cmd(ctx: &mut ConnCtx, _a: Vec<Bytes>) {
    let dbi = ctx.db;
    let outs = ctx
        .shard
        .call_all(ctx.txn, |_| {
            Box::new(move |s: &ShardState| -> Out {
                // Expired keys drawn are removed with their `expired` events.
                let r = crate::notify::with_expiry_log_deferred(s, |store| {
                    match store.dbs.get_mut(dbi) {
                        Some(db) => {
                            let k = random_live_key(db, now_ms());
                            (db.len() as u64, k)
                        }
                        None => (0, None),
                    }
                });
                Box::new(r)
            })
        })
        .await;
    type Draw = ((u64, Option<Vec<u8>>), Vec<crate::notify::KeyEvent>);
    let mut draws: Vec<(u64, Vec<u8>)> = Vec::new();
    for o in outs {
        let Ok(b) = o.downcast::<Draw>() else {
            continue;
        };
        let ((n, k), events) = *b;
        crate::notify::publish(&ctx.shard, &events);
        if let Some(k) = k {
            draws.push((n.max(1), k));
        }
    }
    let total: u64 = draws.iter().map(|(n, _)| n).sum();
    if total == 0 {
        return ctx.writer().null();
    }
    let mut r = rand_u64() % total;
    for (n, k) in &draws {
        if r < *n {
            return ctx.writer().bulk(k);
        }
        r -= n;
    }
    ctx.writer().null()
}

async fn dbsize_cmd(ctx: &mut ConnCtx, _a: Vec<Bytes>) {
    let dbi = ctx.db;
    let outs = ctx
        .shard
        .call_all(ctx.txn, |_| {
            Box::new(move |s: &ShardState| -> Out {
                let n = s.store.borrow().dbs.get(dbi).map_or(0, Db::len);
                Box::new(n)
            })
        })
        .await;
    let total: usize = outs
        .into_iter()
        .filter_map(|o| o.downcast::<usize>().ok())
        .map(|b| *b)
        .sum();
    ctx.writer().int(total as i64);
}

/// FLUSHDB / FLUSHALL [ASYNC|SYNC], with all shards locked.
async fn flush_cmd(ctx: &mut ConnCtx, a: Vec<Bytes>, all: bool) {
    let lazy = match a.len() {
        1 => false,
        2 if is(&a[1], "sync") => false,
        2 if is(&a[1], "async") => true,
        _ => return ctx.error(error::SYNTAX),
    };
    let dbi = ctx.db;
    let outs = ctx
        .shard
        .call_all_journaled(ctx.txn, dbi, &a, |_| {
            Box::new(move |s: &ShardState| -> Out {
                // WATCHed keys that exist are touched by the flush.
                if all {
                    for d in 0..s.shared.databases {
                        crate::transaction::watch::touch_existing(s, d);
                    }
                } else {
                    crate::transaction::watch::touch_existing(s, dbi);
                }
                let mut store = s.store.borrow_mut();
                let old: Vec<Db> = if all {
                    store.dbs.iter_mut().map(take_db).collect()
                } else {
                    store.dbs.get_mut(dbi).map(take_db).into_iter().collect()
                };
                let removed: usize = old.iter().map(Db::len).sum();
                drop(store);
                dispose(old, lazy);
                Box::new(removed)
            })
        })
        .await;
    let removed: usize = outs
        .into_iter()
        .filter_map(|o| o.downcast::<usize>().ok())
        .map(|b| *b)
        .sum();
    ctx.shard.stats.borrow_mut().dirty += removed as u64 + all as u64;
    ctx.writer().ok();
}

/// SWAPDB a b, with all shards locked.
async fn swapdb_cmd(ctx: &mut ConnCtx, a: Vec<Bytes>) {
    let x = match int32(&a[1], Some("ERR invalid first DB index")) {
        Ok(n) => n,
        Err(e) => return ctx.error(&e),
    };
    let y = match int32(&a[2], Some("ERR invalid second DB index")) {
        Ok(n) => n,
        Err(e) => return ctx.error(&e),
    };
    let dbs = ctx.shard.shared.databases as i64;
    if x < 0 || x >= dbs || y < 0 || y >= dbs {
        return ctx.error(error::DB_INDEX);
    }
    let (x, y) = (x as usize, y as usize);
    if x != y {
        ctx.shard
            .call_all_journaled(ctx.txn, ctx.db, &a, |_| {
                Box::new(move |s: &ShardState| -> Out {
                    crate::transaction::watch::touch_swapped(s, x, y);
                    {
                        let mut store = s.store.borrow_mut();
                        if x < store.dbs.len() && y < store.dbs.len() {
                            store.dbs.swap(x, y);
                        }
                    }
                    // Clients blocked in either database may now see data.
                    crate::blocking::queue::signal_dbs(s, &[x, y]);
                    crate::notify::publish_deferred(s);
                    Box::new(())
                })
            })
            .await;
    }
    ctx.shard.stats.borrow_mut().dirty += 1;
    ctx.writer().ok();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::keyspace::Store;
    use crate::types::Value;
    use std::collections::HashSet;

    const NOW: u64 = 1_700_000_000_000;

    /// Runs keyed handler `name` on `store` in database `db` at `NOW` and
    /// returns the RESP2 reply.
    fn run_in(store: &mut Store, db: usize, args: &[&str]) -> String {
        let spec = super::super::registry()
            .lookup(args[0].as_bytes())
            .expect("command exists");
        assert!(spec.arity_ok(args.len()), "arity of {:?}", args);
        let Handler::Keyed(f) = spec.handler else {
            panic!("{} is not keyed", args[0]);
        };
        let a: Vec<Bytes> = args.iter().map(|s| Bytes::from(s.to_string())).collect();
        let mut out = BytesMut::new();
        let mut ctx = ExecCtx {
            store,
            db,
            now: NOW,
            dirty: 0,
            events: crate::notify::Events::new(true),
            propagate: None,
        };
        let mut w = ReplyWriter::new(&mut out, Protocol::Resp2);
        f(&mut ctx, &a, &mut w);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn run(store: &mut Store, args: &[&str]) -> String {
        run_in(store, 0, args)
    }

    fn store_with(keys: &[(&str, &str)]) -> Store {
        let mut s = Store::new(16);
        for (k, v) in keys {
            s.db(0)
                .set(k.as_bytes(), Value::from_bytes(v.as_bytes()), false);
        }
        s
    }

    #[test]
    fn del_exists_touch_type() {
        let mut s = store_with(&[("a", "1"), ("b", "x")]);
        assert_eq!(run(&mut s, &["exists", "a", "a", "b", "zz"]), ":3\r\n");
        assert_eq!(run(&mut s, &["touch", "a", "a", "zz"]), ":2\r\n");
        assert_eq!(run(&mut s, &["type", "a"]), "+string\r\n");
        assert_eq!(run(&mut s, &["type", "zz"]), "+none\r\n");
        assert_eq!(run(&mut s, &["del", "a", "a", "zz"]), ":1\r\n");
        assert_eq!(run(&mut s, &["unlink", "b"]), ":1\r\n");
        assert_eq!(run(&mut s, &["exists", "a", "b"]), ":0\r\n");
        // An expired key does not exist.
        s.db(0).set(b"e", Value::Int(1), false);
        s.db(0).set_expire(b"e", NOW);
        assert_eq!(run(&mut s, &["exists", "e"]), ":0\r\n");
        assert_eq!(run(&mut s, &["del", "e"]), ":0\r\n");
    }

    #[test]
    fn expire_option_errors() {
        let mut s = store_with(&[("k", "v")]);
        let nx = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
        assert_eq!(run(&mut s, &["expire", "k", "10", "nx", "xx"]), nx);
        assert_eq!(run(&mut s, &["expire", "k", "10", "nx", "gt"]), nx);
        assert_eq!(run(&mut s, &["expire", "k", "10", "lt", "nx"]), nx);
        assert_eq!(
            run(&mut s, &["expire", "k", "10", "gt", "lt"]),
            "-ERR GT and LT options at the same time are not compatible\r\n"
        );
        assert_eq!(
            run(&mut s, &["expire", "k", "10", "foo"]),
            "-ERR Unsupported option foo\r\n"
        );
        // Options are checked before the time.
        assert_eq!(run(&mut s, &["expire", "k", "abc", "nx", "xx"]), nx);
        assert_eq!(
            run(&mut s, &["expire", "k", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        let inv = |c: &str| format!("-ERR invalid expire time in '{c}' command\r\n");
        assert_eq!(
            run(&mut s, &["expire", "k", "9223372036854776"]),
            inv("expire")
        );
        assert_eq!(
            run(&mut s, &["expire", "k", "-9223372036854776"]),
            inv("expire")
        );
        assert_eq!(
            run(&mut s, &["pexpire", "k", "9223372036854775807"]),
            inv("pexpire")
        );
        assert_eq!(
            run(&mut s, &["expireat", "k", "-9223372036854775808"]),
            inv("expireat")
        );
        // Overflow is found before the key is looked up.
        assert_eq!(
            run(&mut s, &["expire", "zz", "9223372036854776"]),
            inv("expire")
        );
        // PEXPIREAT to i64::MAX is fine.
        assert_eq!(
            run(&mut s, &["pexpireat", "k", "9223372036854775807"]),
            ":1\r\n"
        );
        assert_eq!(
            run(&mut s, &["pexpiretime", "k"]),
            ":9223372036854775807\r\n"
        );
    }

    #[test]
    fn expire_conditions() {
        let mut s = store_with(&[("k", "v")]);
        assert_eq!(run(&mut s, &["expire", "zz", "10"]), ":0\r\n");
        // No TTL: XX and GT fail, NX and LT pass.
        assert_eq!(run(&mut s, &["expire", "k", "10", "xx"]), ":0\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "10", "gt"]), ":0\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "100", "LT"]), ":1\r\n");
        assert_eq!(run(&mut s, &["ttl", "k"]), ":100\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "10", "nx"]), ":0\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "200", "lt"]), ":0\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "100", "gt"]), ":0\r\n");
        assert_eq!(run(&mut s, &["expire", "k", "200", "gt", "xx"]), ":1\r\n");
        assert_eq!(run(&mut s, &["pttl", "k"]), ":200000\r\n");
        assert_eq!(run(&mut s, &["pexpire", "k", "1500"]), ":1\r\n");
        assert_eq!(run(&mut s, &["ttl", "k"]), ":2\r\n");
        assert_eq!(run(&mut s, &["pexpire", "k", "1499"]), ":1\r\n");
        assert_eq!(run(&mut s, &["ttl", "k"]), ":1\r\n");
        let at = (NOW / 1000 + 50).to_string();
        assert_eq!(run(&mut s, &["expireat", "k", &at]), ":1\r\n");
        assert_eq!(run(&mut s, &["expiretime", "k"]), format!(":{at}\r\n"));
        assert_eq!(
            run(&mut s, &["pexpiretime", "k"]),
            format!(":{}\r\n", (NOW / 1000 + 50) * 1000)
        );
        // EXPIRETIME rounds to the nearest second (values from redis 7.0.15).
        assert_eq!(run(&mut s, &["pexpireat", "k", "4000002000500"]), ":1\r\n");
        assert_eq!(run(&mut s, &["expiretime", "k"]), ":4000002001\r\n");
        assert_eq!(run(&mut s, &["pexpireat", "k", "4000002000499"]), ":1\r\n");
        assert_eq!(run(&mut s, &["expiretime", "k"]), ":4000002000\r\n");
        // A time in the past deletes the key and answers 1.
        assert_eq!(run(&mut s, &["expire", "k", "-5"]), ":1\r\n");
        assert_eq!(run(&mut s, &["exists", "k"]), ":0\r\n");
        s.db(0).set(b"k", Value::Int(1), false);
        assert_eq!(run(&mut s, &["pexpireat", "k", &NOW.to_string()]), ":1\r\n");
        assert_eq!(run(&mut s, &["exists", "k"]), ":0\r\n");
        s.db(0).set(b"k", Value::Int(1), false);
        assert_eq!(run(&mut s, &["expire", "k", "0"]), ":1\r\n");
        assert_eq!(run(&mut s, &["exists", "k"]), ":0\r\n");
    }

    #[test]
    fn ttl_family_and_persist() {
        let mut s = store_with(&[("k", "v")]);
        for c in ["ttl", "pttl", "expiretime", "pexpiretime"] {
            assert_eq!(run(&mut s, &[c, "zz"]), ":-2\r\n");
            assert_eq!(run(&mut s, &[c, "k"]), ":-1\r\n");
        }
        assert_eq!(run(&mut s, &["persist", "k"]), ":0\r\n");
        assert_eq!(run(&mut s, &["persist", "zz"]), ":0\r\n");
        s.db(0).set_expire(b"k", NOW + 10_400);
        assert_eq!(run(&mut s, &["ttl", "k"]), ":10\r\n");
        assert_eq!(run(&mut s, &["pttl", "k"]), ":10400\r\n");
        assert_eq!(run(&mut s, &["persist", "k"]), ":1\r\n");
        assert_eq!(run(&mut s, &["ttl", "k"]), ":-1\r\n");
        // Due: gone.
        s.db(0).set_expire(b"k", NOW);
        assert_eq!(run(&mut s, &["ttl", "k"]), ":-2\r\n");
        assert_eq!(run(&mut s, &["persist", "k"]), ":0\r\n");
    }

    #[test]
    fn rename_and_renamenx() {
        let mut s = store_with(&[("a", "1"), ("b", "2")]);
        assert_eq!(run(&mut s, &["rename", "zz", "x"]), "-ERR no such key\r\n");
        assert_eq!(run(&mut s, &["rename", "zz", "zz"]), "-ERR no such key\r\n");
        assert_eq!(
            run(&mut s, &["renamenx", "zz", "x"]),
            "-ERR no such key\r\n"
        );
        assert_eq!(run(&mut s, &["rename", "a", "a"]), "+OK\r\n");
        assert_eq!(run(&mut s, &["renamenx", "a", "a"]), ":0\r\n");
        assert_eq!(run(&mut s, &["renamenx", "a", "b"]), ":0\r\n");
        s.db(0).set_expire(b"a", NOW + 5000);
        s.db(0).set_expire(b"b", NOW + 9000);
        assert_eq!(run(&mut s, &["rename", "b", "c"]), "+OK\r\n");
        assert_eq!(run(&mut s, &["pttl", "c"]), ":9000\r\n");
        assert_eq!(run(&mut s, &["exists", "b"]), ":0\r\n");
        // The destination's own TTL goes with its value.
        s.db(0).set(b"d", Value::Int(4), false);
        s.db(0).set_expire(b"d", NOW + 1000);
        s.db(0).persist(b"c");
        assert_eq!(run(&mut s, &["rename", "c", "d"]), "+OK\r\n");
        assert_eq!(run(&mut s, &["ttl", "d"]), ":-1\r\n");
        assert_eq!(s.db(0).get(b"d", NOW), Some(&Value::Int(2)));
        assert_eq!(run(&mut s, &["renamenx", "a", "e"]), ":1\r\n");
        assert_eq!(run(&mut s, &["pttl", "e"]), ":5000\r\n");
        assert_eq!(s.db(0).len(), 2);
    }

    #[test]
    fn copy_command() {
        let mut s = store_with(&[("a", "hello"), ("b", "2")]);
        let same = "-ERR source and destination objects are the same\r\n";
        assert_eq!(run(&mut s, &["copy", "a", "a"]), same);
        assert_eq!(run(&mut s, &["copy", "zz", "zz"]), same);
        assert_eq!(run(&mut s, &["copy", "a", "a", "db", "0"]), same);
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "db", "16"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "db", "-1"]),
            "-ERR DB index is out of range\r\n"
        );
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "db", "abc"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "db", "99999999999"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "foo"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            run(&mut s, &["copy", "a", "x", "db"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(run(&mut s, &["copy", "zz", "x"]), ":0\r\n");
        assert_eq!(run(&mut s, &["copy", "a", "b"]), ":0\r\n");
        s.db(0).set_expire(b"a", NOW + 7000);
        assert_eq!(run(&mut s, &["copy", "a", "b", "replace"]), ":1\r\n");
        let a = s.db(0).get(b"a", NOW).cloned();
        assert_eq!(s.db(0).get(b"b", NOW).cloned(), a);
        assert_eq!(run(&mut s, &["pttl", "b"]), ":7000\r\n");
        assert_eq!(run(&mut s, &["copy", "a", "a", "DB", "3"]), ":1\r\n");
        assert_eq!(run_in(&mut s, 3, &["pttl", "a"]), ":7000\r\n");
        assert_eq!(run(&mut s, &["copy", "a", "a", "db", "3"]), ":0\r\n");
        assert_eq!(
            run(&mut s, &["copy", "b", "a", "replace", "db", "3"]),
            ":1\r\n"
        );
        assert_eq!(s.db(0).len(), 2);
        assert_eq!(s.db(3).len(), 1);
    }

    #[test]
    fn copy_in_a_scratch_store() {
        // A cross-shard scratch store holds only the databases named.
        let mut s = Store::default();
        s.db(0).set(b"a", Value::Int(1), false);
        s.db(5);
        assert_eq!(run(&mut s, &["copy", "a", "b", "db", "5"]), ":1\r\n");
        assert_eq!(
            run(&mut s, &["copy", "a", "b", "db", "6"]),
            "-ERR DB index is out of range\r\n"
        );
    }

    #[test]
    fn move_command() {
        let mut s = store_with(&[("a", "1")]);
        let same = "-ERR source and destination objects are the same\r\n";
        assert_eq!(run(&mut s, &["move", "a", "0"]), same);
        assert_eq!(run(&mut s, &["move", "zz", "0"]), same);
        let range = "-ERR DB index is out of range\r\n";
        assert_eq!(run(&mut s, &["move", "a", "16"]), range);
        assert_eq!(run(&mut s, &["move", "a", "-1"]), range);
        assert_eq!(
            run(&mut s, &["move", "a", "x"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            run(&mut s, &["move", "a", "99999999999"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(run(&mut s, &["move", "zz", "1"]), ":0\r\n");
        s.db(0).set_expire(b"a", NOW + 3000);
        assert_eq!(run(&mut s, &["move", "a", "1"]), ":1\r\n");
        assert_eq!(run(&mut s, &["exists", "a"]), ":0\r\n");
        assert_eq!(run_in(&mut s, 1, &["pttl", "a"]), ":3000\r\n");
        s.db(0).set(b"a", Value::Int(2), false);
        assert_eq!(run(&mut s, &["move", "a", "1"]), ":0\r\n");
        assert_eq!(run_in(&mut s, 1, &["move", "a", "0"]), ":0\r\n");
    }

    #[test]
    fn object_command() {
        let long = "x".repeat(45);
        let mut s = store_with(&[("i", "12"), ("big", "10000"), ("e", "hello"), ("r", &long)]);
        assert_eq!(run(&mut s, &["object", "encoding", "i"]), "$3\r\nint\r\n");
        assert_eq!(
            run(&mut s, &["object", "ENCODING", "e"]),
            "$6\r\nembstr\r\n"
        );
        assert_eq!(run(&mut s, &["object", "encoding", "r"]), "$3\r\nraw\r\n");
        assert_eq!(run(&mut s, &["object", "encoding", "zz"]), "$-1\r\n");
        assert_eq!(run(&mut s, &["object", "refcount", "i"]), ":2147483647\r\n");
        assert_eq!(run(&mut s, &["object", "refcount", "big"]), ":1\r\n");
        assert_eq!(run(&mut s, &["object", "refcount", "e"]), ":1\r\n");
        assert_eq!(run(&mut s, &["object", "idletime", "e"]), ":0\r\n");
        assert_eq!(
            run(&mut s, &["object", "freq", "e"]),
            format!("-{NO_LFU}\r\n")
        );
        assert_eq!(run(&mut s, &["object", "freq", "zz"]), "$-1\r\n");
        assert_eq!(
            run(&mut s, &["object", "encoding"]),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n"
        );
        assert_eq!(
            run(&mut s, &["object", "encoding", "a", "b"]),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n"
        );
        assert_eq!(
            run(&mut s, &["object", "help", "x"]),
            "-ERR wrong number of arguments for 'object|help' command\r\n"
        );
        assert_eq!(
            run(&mut s, &["object", "foo", "x"]),
            "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"
        );
        let help = run(&mut s, &["object", "help"]);
        assert!(help.starts_with("*15\r\n+OBJECT <subcommand>"));
        assert!(help.ends_with("+    Prints this help.\r\n"));
        let keys = |v: &[&str]| {
            let a: Vec<Bytes> = v.iter().map(|s| Bytes::from(s.to_string())).collect();
            object_keys(&a)
        };
        assert_eq!(keys(&["object", "encoding", "k"]), vec![2]);
        assert!(keys(&["object", "help"]).is_empty());
        assert!(keys(&["object", "encoding"]).is_empty());
    }

    fn big_db(n: usize) -> Db {
        let mut db = Db::default();
        for i in 0..n {
            db.set(format!("key:{i}").as_bytes(), Value::Int(i as i64), false);
        }
        db
    }

    /// Runs a full scan over `db` split into the given shard ranges, the
    /// way the SCAN handler does, returning every key returned.
    fn full_scan(db: &Db, bounds: &[usize], count: usize, filter: &ScanFilter) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let end = *bounds.iter().find(|&&b| b > cursor).unwrap_or(&SLOTS);
            let step = scan_slots(db, cursor, end, count, NOW, filter);
            assert!(step.next > cursor && step.next <= end);
            out.extend(step.keys.iter().map(|k| k.as_slice().to_vec()));
            cursor = step.next;
            calls += 1;
            assert!(calls < 100_000);
            if cursor >= SLOTS {
                return out;
            }
        }
    }

    #[test]
    fn scan_slots_returns_every_key_once() {
        let db = big_db(5000);
        for (bounds, count) in [
            (vec![SLOTS], 10),
            (vec![5461, 10922, SLOTS], 7),
            (vec![4096, 8192, 12288, SLOTS], 1000),
            (vec![SLOTS], 100_000),
        ] {
            let keys = full_scan(&db, &bounds, count, &ScanFilter::default());
            assert_eq!(keys.len(), 5000);
            let set: HashSet<Vec<u8>> = keys.into_iter().collect();
            assert_eq!(set.len(), 5000);
        }
    }

    #[test]
    fn scan_slots_count_and_whole_slots() {
        let mut db = Db::default();
        // Keys sharing a hash tag share a slot and come back together.
        for i in 0..50 {
            db.set(format!("{{tag}}:{i}").as_bytes(), Value::Int(i), false);
        }
        let step = scan_slots(&db, 0, SLOTS, 5, NOW, &ScanFilter::default());
        assert_eq!(step.keys.len(), 50);
        assert_eq!(step.visited, 50);
        assert_eq!(
            step.next,
            crate::shard::keyspace::group_end(crate::shard::slots::key_slot(b"tag") as usize)
        );
        // An empty range ends at its end.
        let step = scan_slots(&Db::default(), 100, 200, 5, NOW, &ScanFilter::default());
        assert_eq!((step.next, step.visited), (200, 0));
    }

    #[test]
    fn scan_slots_filters_and_expiry() {
        let mut db = big_db(200);
        db.set(b"str", Value::from_bytes(b"abc"), false);
        db.set_expire(b"key:7", NOW - 1);
        db.set_expire(b"key:8", NOW + 1);
        let f = ScanFilter {
            pattern: Some(Bytes::from_static(b"key:1?")),
            type_name: None,
        };
        let mut keys = full_scan(&db, &[SLOTS], 10, &f);
        keys.sort();
        let want: Vec<Vec<u8>> = (10..20).map(|i| format!("key:{i}").into_bytes()).collect();
        assert_eq!(keys, want);
        let all = full_scan(&db, &[SLOTS], 10, &ScanFilter::default());
        assert_eq!(all.len(), 200);
        assert!(!all.contains(&b"key:7".to_vec()));
        let step = scan_slots(&db, 0, SLOTS, usize::MAX, NOW, &ScanFilter::default());
        assert_eq!(step.expired.len(), 1);
        let f = ScanFilter {
            pattern: None,
            type_name: Some(Bytes::from_static(b"STRING")),
        };
        assert_eq!(full_scan(&db, &[SLOTS], 10, &f).len(), 200);
        let f = ScanFilter {
            pattern: None,
            type_name: Some(Bytes::from_static(b"hash")),
        };
        assert!(full_scan(&db, &[SLOTS], 10, &f).is_empty());
    }

    #[test]
    fn scan_cursor_and_options() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+12"), Ok(12));
        assert_eq!(parse_cursor(b"-0"), Ok(0));
        assert_eq!(parse_cursor(b"16383"), Ok(16383));
        for bad in [
            &b"16384"[..],
            b"-1",
            b" 1",
            b"1 ",
            b"x",
            b"+",
            b"18446744073709551616",
        ] {
            assert_eq!(parse_cursor(bad), Err("ERR invalid cursor"), "{:?}", bad);
        }
        let opts = |v: &[&str]| {
            let a: Vec<Bytes> = v.iter().map(|s| Bytes::from(s.to_string())).collect();
            parse_scan_options(&a).map(|(c, f)| (c, f.pattern, f.type_name))
        };
        assert_eq!(opts(&["scan", "0"]), Ok((10, None, None)));
        assert_eq!(
            opts(&["scan", "0", "COUNT", "5", "match", "a*", "type", "string"]),
            Ok((
                5,
                Some(Bytes::from_static(b"a*")),
                Some(Bytes::from_static(b"string"))
            ))
        );
        assert_eq!(opts(&["scan", "0", "match", "*"]), Ok((10, None, None)));
        assert_eq!(opts(&["scan", "0", "count", "0"]), Err(error::SYNTAX));
        assert_eq!(opts(&["scan", "0", "count", "-1"]), Err(error::SYNTAX));
        assert_eq!(opts(&["scan", "0", "count", "x"]), Err(error::NOT_INTEGER));
        assert_eq!(opts(&["scan", "0", "match"]), Err(error::SYNTAX));
        assert_eq!(opts(&["scan", "0", "foo", "bar"]), Err(error::SYNTAX));
    }

    #[test]
    fn owner_ranges() {
        let m = SlotMap::new(3);
        assert_eq!(owner_range_end(&m, 0), 5462);
        assert_eq!(owner_range_end(&m, 5461), 5462);
        assert_eq!(owner_range_end(&m, 5462), 10923);
        assert_eq!(owner_range_end(&m, 16000), SLOTS);
        assert_eq!(owner_range_end(&SlotMap::new(1), 0), SLOTS);
    }

    #[test]
    fn keys_matching_and_random() {
        let mut db = big_db(30);
        db.set_expire(b"key:3", NOW);
        let mut buf = BytesMut::new();
        let mut w = ReplyWriter::new(&mut buf, Protocol::Resp2);
        assert_eq!(write_matching_keys(&db, b"key:?", NOW, &mut w), 9);
        assert_eq!(write_matching_keys(&db, b"*", NOW, &mut w), 29);
        assert_eq!(write_matching_keys(&db, b"nomatch", NOW, &mut w), 0);
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let k = random_live_key(&mut db, NOW).expect("a key");
            assert_ne!(k, b"key:3");
            seen.insert(k);
        }
        assert!(seen.len() > 20);
        let mut db = Db::default();
        assert_eq!(random_live_key(&mut db, NOW), None);
        db.set(b"gone", Value::Int(1), false);
        db.set_expire(b"gone", NOW);
        assert_eq!(random_live_key(&mut db, NOW), None);
        assert!(db.is_empty());
    }
}
