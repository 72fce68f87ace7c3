//! ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP.

use bytes::Bytes;

use super::{reply_pair, write, wrongtype};
use crate::blocking::{BlockingSpec, TimeoutReply};
use crate::commands::args::{self, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::server::connection::ConnCtx;
use crate::shard::keyspace::Db;
use crate::types::Value;

/// How popped members are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// ZPOPMIN/ZPOPMAX: `[m, s, m, s...]`, nested pairs in RESP3 when a
    /// count was given.
    Plain { nested: bool },
    /// BZPOPMIN/BZPOPMAX: `[key, m, s]`.
    KeyFlat,
    /// ZMPOP/BZMPOP: `[key, [[m, s]...]]`.
    KeyNested,
}

/// Pops up to `count` members from the sorted set at `key` (which must be
/// a non-empty sorted set) and writes the reply.
fn pop_write(
    ctx: &mut ExecCtx<'_>,
    key: &[u8],
    last: bool,
    count: usize,
    shape: Shape,
    w: &mut ReplyWriter<'_>,
) -> u64 {
    let now = ctx.now;
    let db = ctx.db();
    let Ok(Some(z)) = write(db, key, now) else {
        return 0;
    };
    let n = count.min(z.len());
    match shape {
        Shape::Plain { nested } => {
            if nested {
                w.array(n);
            } else {
                w.array(n * 2);
            }
            for _ in 0..n {
                z.pop(last, |m, s| reply_pair(w, m, s, nested));
            }
        }
        Shape::KeyFlat => {
            w.array(3);
            w.bulk(key);
            z.pop(last, |m, s| reply_pair(w, m, s, false));
        }
        Shape::KeyNested => {
            w.array(2);
            w.bulk(key);
            w.array(n);
            for _ in 0..n {
                z.pop(last, |m, s| reply_pair(w, m, s, true));
            }
        }
    }
    let emptied = z.is_empty();
    super::drop_if_empty(db, key, now);
    ctx.dirty += n as u64;
    if n > 0 {
        ctx.notify(class::ZSET, if last { "zpopmax" } else { "zpopmin" }, key);
        if emptied {
            ctx.notify(class::GENERIC, "del", key);
        }
    }
    n as u64
}

fn zpop_generic(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, last: bool) {
    if a.len() > 3 {
        return w.error(error::SYNTAX);
    }
    let count = match a.get(2) {
        None => None,
        Some(c) => match args::int(c) {
            Ok(n) if n >= 0 => Some(n as u64),
            _ => return w.error("ERR value is out of range, must be positive"),
        },
    };
    let now = ctx.now;
    let db = ctx.db();
    match write(db, &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => return w.array(0),
        Ok(Some(_)) => {}
    }
    if count == Some(0) {
        return w.array(0);
    }
    let nested = count.is_some() && w.resp3();
    let n = count.unwrap_or(1).min(usize::MAX as u64) as usize;
    pop_write(ctx, &a[1], last, n, Shape::Plain { nested }, w);
}

/// `ZPOPMIN key [count]`
pub fn zpopmin(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    zpop_generic(ctx, a, w, false)
}

/// `ZPOPMAX key [count]`
pub fn zpopmax(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    zpop_generic(ctx, a, w, true)
}

/// A parsed `numkeys key... MIN|MAX [COUNT n]`.
struct MpopArgs {
    first_key: usize,
    numkeys: usize,
    last: bool,
    count: usize,
}

fn parse_mpop(a: &[Bytes], at: usize) -> Result<MpopArgs, &'static str> {
    let numkeys = match args::int(&a[at]) {
        Ok(n) if n > 0 => n as u64,
        _ => return Err("ERR numkeys should be greater than 0"),
    };
    let where_idx = at as u64 + numkeys + 1;
    if where_idx >= a.len() as u64 {
        return Err(error::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let last = if is(&a[where_idx], "min") {
        false
    } else if is(&a[where_idx], "max") {
        true
    } else {
        return Err(error::SYNTAX);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < a.len() {
        if count.is_none() && is(&a[j], "count") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                Ok(n) if n > 0 => count = Some(n as u64),
                _ => return Err("ERR count should be greater than 0"),
            }
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    Ok(MpopArgs {
        first_key: at + 1,
        numkeys: numkeys as usize,
        last,
        count: count.unwrap_or(1).min(usize::MAX as u64) as usize,
    })
}

/// The first key of `keys` holding a sorted set: `Ok(None)` when all are
/// missing, `Err` on a key of another type met first.
fn first_nonempty<'k>(db: &mut Db, now: u64, keys: &'k [Bytes]) -> Result<Option<&'k Bytes>, ()> {
    for k in keys {
        match db.get(k, now) {
            None => {}
            Some(Value::ZSet(z)) if !z.is_empty() => return Ok(Some(k)),
            Some(Value::ZSet(_)) => {}
            Some(_) => return Err(()),
        }
    }
    Ok(None)
}

fn mpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, at: usize) -> bool {
    let p = match parse_mpop(a, at) {
        Ok(p) => p,
        Err(e) => {
            w.error(e);
            return true;
        }
    };
    let now = ctx.now;
    let db = ctx.db();
    let keys = &a[p.first_key..p.first_key + p.numkeys];
    match first_nonempty(db, now, keys) {
        Err(()) => {
            wrongtype(w);
            true
        }
        Ok(None) => false,
        Ok(Some(k)) => {
            pop_write(ctx, k, p.last, p.count, Shape::KeyNested, w);
            true
        }
    }
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`
pub fn zmpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if !mpop_attempt(ctx, a, w, 1) {
        w.null_array();
    }
}

/// The journal records a blocking pop as the plain pop it did (as Redis
/// propagates BZPOPMIN as ZPOPMIN): replaying the blocking form could wait.
fn propagate_zpop(ctx: &mut ExecCtx<'_>, key: &Bytes, last: bool, count: Option<u64>) {
    if ctx.journaling() {
        let name: &'static [u8] = if last { b"ZPOPMAX" } else { b"ZPOPMIN" };
        let mut cmd = vec![Bytes::from_static(name), key.clone()];
        if let Some(c) = count {
            cmd.push(Bytes::from(c.to_string()));
        }
        ctx.propagate_as(cmd);
    }
}

fn bzpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, last: bool) {
    let now = ctx.now;
    let db = ctx.db();
    let keys = &a[1..a.len() - 1];
    match first_nonempty(db, now, keys) {
        Err(()) => wrongtype(w),
        Ok(None) => {}
        Ok(Some(k)) => {
            pop_write(ctx, k, last, 1, Shape::KeyFlat, w);
            propagate_zpop(ctx, k, last, None);
        }
    }
}

fn bzpopmin_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bzpop_attempt(ctx, a, w, false)
}

fn bzpopmax_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bzpop_attempt(ctx, a, w, true)
}

fn bzmpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    // Without the timeout, the same pop replays deterministically.
    if mpop_attempt(ctx, a, w, 2) && ctx.journaling() {
        let mut cmd = Vec::with_capacity(a.len() - 1);
        cmd.push(Bytes::from_static(b"ZMPOP"));
        cmd.extend(a.iter().skip(2).cloned());
        ctx.propagate_as(cmd);
    }
}

fn is_ready(db: &mut Db, now: u64, key: &[u8]) -> bool {
    matches!(db.get(key, now), Some(Value::ZSet(z)) if !z.is_empty())
}

fn serve_bzpop(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    key: usize,
    w: &mut ReplyWriter<'_>,
    last: bool,
) -> bool {
    let now = ctx.now;
    let db = ctx.db();
    let Some(k) = a.get(key) else { return false };
    if !is_ready(db, now, k) {
        return false;
    }
    pop_write(ctx, k, last, 1, Shape::KeyFlat, w);
    propagate_zpop(ctx, k, last, None);
    true
}

fn serve_bzpopmin(ctx: &mut ExecCtx<'_>, a: &[Bytes], key: usize, w: &mut ReplyWriter<'_>) -> bool {
    serve_bzpop(ctx, a, key, w, false)
}

fn serve_bzpopmax(ctx: &mut ExecCtx<'_>, a: &[Bytes], key: usize, w: &mut ReplyWriter<'_>) -> bool {
    serve_bzpop(ctx, a, key, w, true)
}

fn serve_bzmpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], key: usize, w: &mut ReplyWriter<'_>) -> bool {
    let Ok(p) = parse_mpop(a, 2) else {
        return false;
    };
    let now = ctx.now;
    let db = ctx.db();
    let Some(k) = a.get(key) else { return false };
    if !is_ready(db, now, k) {
        return false;
    }
    pop_write(ctx, k, p.last, p.count, Shape::KeyNested, w);
    propagate_zpop(ctx, k, p.last, Some(p.count as u64));
    true
}

fn last_arg(a: &[Bytes]) -> usize {
    a.len() - 1
}

fn bzpop_keys(a: &[Bytes]) -> Vec<usize> {
    (1..a.len() - 1).collect()
}

/// As Redis, BZMPOP reads its timeout after numkeys, MIN|MAX and COUNT.
fn bzmpop_keys(a: &[Bytes]) -> Vec<usize> {
    match parse_mpop(a, 2) {
        Ok(p) => (p.first_key..p.first_key + p.numkeys).collect(),
        Err(_) => Vec::new(),
    }
}

/// BZPOPMIN's blocking description.
pub static BZPOPMIN: BlockingSpec = BlockingSpec {
    attempt: bzpopmin_attempt,
    serve: serve_bzpopmin,
    timeout_arg: last_arg,
    wait_keys: bzpop_keys,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: None,
};

/// BZPOPMAX's blocking description.
pub static BZPOPMAX: BlockingSpec = BlockingSpec {
    attempt: bzpopmax_attempt,
    serve: serve_bzpopmax,
    timeout_arg: last_arg,
    wait_keys: bzpop_keys,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: None,
};

/// BZMPOP's blocking description.
pub static BZMPOP: BlockingSpec = BlockingSpec {
    attempt: bzmpop_attempt,
    serve: serve_bzmpop,
    timeout_arg: |_| 1,
    wait_keys: bzmpop_keys,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: Some(check_bzmpop),
};

/// `BZPOPMIN key [key ...] timeout`
pub fn bzpopmin(
    ctx: &mut ConnCtx,
    args: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    crate::blocking::run(ctx, args, &BZPOPMIN)
}

/// `BZPOPMAX key [key ...] timeout`
pub fn bzpopmax(
    ctx: &mut ConnCtx,
    args: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    crate::blocking::run(ctx, args, &BZPOPMAX)
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`
pub fn bzmpop(
    ctx: &mut ConnCtx,
    args: Vec<Bytes>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
    crate::blocking::run(ctx, args, &BZMPOP)
}

/// BZMPOP reads numkeys, MIN|MAX and COUNT before its timeout.
fn check_bzmpop(a: &[Bytes]) -> Result<(), &'static str> {
    if a.len() < 3 {
        return Err(crate::error::SYNTAX);
    }
    parse_mpop(a, 2).map(|_| ())
}
