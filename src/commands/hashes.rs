//! Commands of the hashes family.

use bytes::Bytes;

use super::args;
use super::sets::{rand_below, sample_distinct, scan_cursor, scan_options};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::types::ldouble::LongDouble;
use crate::types::{format_i64, Hash, Value};

const G: &str = "hash";

/// The hashes commands.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "hset",
        -4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Sets fields of a hash, creating it if needed",
        Keyed(hset),
    ),
    cmd(
        "hmset",
        -4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Sets fields of a hash (replies OK)",
        Keyed(hmset),
    ),
    cmd(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Sets a field only if it is absent",
        Keyed(hsetnx),
    ),
    cmd(
        "hget",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Value of one field",
        Keyed(hget),
    ),
    cmd(
        "hmget",
        -3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Values of several fields",
        Keyed(hmget),
    ),
    cmd(
        "hgetall",
        2,
        READONLY,
        1,
        1,
        1,
        G,
        "Every field and value",
        Keyed(hgetall),
    ),
    cmd(
        "hdel",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes fields",
        Keyed(hdel),
    ),
    cmd(
        "hexists",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Whether a field is present",
        Keyed(hexists),
    ),
    cmd(
        "hlen",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Number of fields",
        Keyed(hlen),
    ),
    cmd(
        "hkeys",
        2,
        READONLY,
        1,
        1,
        1,
        G,
        "Every field",
        Keyed(hkeys),
    ),
    cmd(
        "hvals",
        2,
        READONLY,
        1,
        1,
        1,
        G,
        "Every value",
        Keyed(hvals),
    ),
    cmd(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Adds an integer to a field",
        Keyed(hincrby),
    ),
    cmd(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Adds a float to a field",
        Keyed(hincrbyfloat),
    ),
    cmd(
        "hstrlen",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Length of a field's value",
        Keyed(hstrlen),
    ),
    cmd(
        "hrandfield",
        -2,
        READONLY | RANDOM,
        1,
        1,
        1,
        G,
        "Random fields, optionally with values",
        Keyed(hrandfield),
    ),
    cmd(
        "hscan",
        -3,
        READONLY | RANDOM,
        1,
        1,
        1,
        G,
        "Iterates fields and values with a cursor",
        Keyed(hscan),
    ),
];

/// The hash at `key`: `Ok(None)` when absent, an error for another type.
fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &[u8]) -> Result<Option<&'a Hash>, &'static str> {
    let now = ctx.now;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The hash at `key` for writing, created empty when absent.
fn write_or_create<'a>(ctx: &'a mut ExecCtx<'_>, key: &[u8]) -> Result<&'a mut Hash, &'static str> {
    let now = ctx.now;
    let db = ctx.db();
    match db.get(key, now) {
        None => db.insert(key, Value::Hash(Hash::default()), None),
        Some(Value::Hash(_)) => {}
        Some(_) => return Err(error::WRONGTYPE),
    }
    match db.get_mut(key, now) {
        Some(Value::Hash(h)) => Ok(h),
        _ => Err(error::WRONGTYPE),
    }
}

/// Shared by HSET and HMSET: sets the pairs, returns how many were new.
fn set_pairs(ctx: &mut ExecCtx<'_>, a: &[Bytes]) -> Result<i64, &'static str> {
    if !a.len().is_multiple_of(2) {
        return Err("");
    }
    let h = write_or_create(ctx, &a[1])?;
    let all: Vec<&[u8]> = a[2..].iter().map(|x| &x[..]).collect();
    h.convert_for(&all);
    let mut added = 0;
    for p in a[2..].chunks_exact(2) {
        added += h.set(&p[0], &p[1]) as i64;
    }
    ctx.dirty += ((a.len() - 2) / 2) as u64;
    ctx.notify(class::HASH, "hset", &a[1]);
    Ok(added)
}

fn hset(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match set_pairs(ctx, a) {
        Ok(n) => w.int(n),
        Err("") => w.error(&error::wrong_arity("hset")),
        Err(e) => w.error(e),
    }
}

fn hmset(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match set_pairs(ctx, a) {
        Ok(_) => w.ok(),
        Err("") => w.error(&error::wrong_arity("hmset")),
        Err(e) => w.error(e),
    }
}

fn hsetnx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(Some(h)) if h.contains(&a[2]) => return w.int(0),
        Ok(_) => {}
    }
    match write_or_create(ctx, &a[1]) {
        Ok(h) => {
            h.set(&a[2], &a[3]);
            ctx.dirty += 1;
            ctx.notify(class::HASH, "hset", &a[1]);
            w.int(1);
        }
        Err(e) => w.error(e),
    }
}

fn hget(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(h) => match h.and_then(|h| h.value(&a[2])) {
            Some(v) => w.bulk(v),
            None => w.null(),
        },
    }
}

fn hmget(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(h) => {
            w.array(a.len() - 2);
            for f in &a[2..] {
                match h.and_then(|h| h.value(f)) {
                    Some(v) => w.bulk(v),
                    None => w.null(),
                }
            }
        }
    }
}

/// HGETALL, HKEYS and HVALS.
fn getall(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, keys: bool, vals: bool) {
    let h = match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(None) => {
            return if keys && vals { w.map(0) } else { w.array(0) };
        }
        Ok(Some(h)) => h,
    };
    if keys && vals {
        w.map(h.len());
    } else {
        w.array(h.len());
    }
    h.for_each(|f, v| {
        if keys {
            w.bulk(f);
        }
        if vals {
            w.bulk(v);
        }
    });
}

fn hgetall(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    getall(ctx, a, w, true, true)
}

fn hkeys(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    getall(ctx, a, w, true, false)
}

fn hvals(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    getall(ctx, a, w, false, true)
}

fn hdel(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let (deleted, empty) = match db.get_mut(&a[1], now) {
        None => return w.int(0),
        Some(Value::Hash(h)) => {
            let mut n = 0;
            for f in &a[2..] {
                if h.remove(f) {
                    n += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            (n, h.is_empty())
        }
        Some(_) => return w.error(error::WRONGTYPE),
    };
    if empty {
        db.remove(&a[1], now);
    }
    ctx.dirty += deleted;
    if deleted > 0 {
        ctx.notify(class::HASH, "hdel", &a[1]);
        if empty {
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    }
    w.int(deleted as i64);
}

fn hexists(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(h) => w.int(h.is_some_and(|h| h.contains(&a[2])) as i64),
    }
}

fn hlen(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(h) => w.int(h.map_or(0, |h| h.len()) as i64),
    }
}

fn hstrlen(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(h) => w.int(h.and_then(|h| h.value(&a[2])).map_or(0, |v| v.len()) as i64),
    }
}

fn hincrby(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let incr = match args::int(&a[3]) {
        Ok(v) => v,
        Err(e) => return w.error(e),
    };
    let h = match write_or_create(ctx, &a[1]) {
        Ok(h) => h,
        Err(e) => return w.error(e),
    };
    let cur = match h.value(&a[2]) {
        None => 0,
        Some(v) => match crate::protocol::parse::parse_i64(v) {
            Some(i) => i,
            None => return w.error("ERR hash value is not an integer"),
        },
    };
    let Some(new) = cur.checked_add(incr) else {
        return w.error(error::OVERFLOW);
    };
    let mut tmp = [0u8; 20];
    h.set(&a[2], format_i64(new, &mut tmp));
    ctx.dirty += 1;
    ctx.notify(class::HASH, "hincrby", &a[1]);
    w.int(new);
}

fn hincrbyfloat(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let Some(incr) = LongDouble::parse(&a[3]) else {
        return w.error(error::NOT_FLOAT);
    };
    if !incr.is_finite() {
        return w.error("ERR value is NaN or Infinity");
    }
    let h = match write_or_create(ctx, &a[1]) {
        Ok(h) => h,
        Err(e) => return w.error(e),
    };
    let cur = match h.value(&a[2]) {
        None => LongDouble::ZERO,
        Some(v) => match LongDouble::parse(v) {
            Some(x) => x,
            None => return w.error("ERR hash value is not a float"),
        },
    };
    let new = match cur.checked_add(incr) {
        Some(v) if v.is_finite() => v,
        _ => return w.error("ERR increment would produce NaN or Infinity"),
    };
    let text = new.to_human_string();
    h.set(&a[2], text.as_bytes());
    ctx.dirty += 1;
    ctx.notify(class::HASH, "hincrbyfloat", &a[1]);
    w.bulk(text.as_bytes());
    // The value as computed here, so that a replay cannot round differently.
    if ctx.journaling() {
        ctx.propagate_as(vec![
            Bytes::from_static(b"HSET"),
            a[1].clone(),
            a[2].clone(),
            Bytes::from(text.into_bytes()),
        ]);
    }
}

/// Writes one HRANDFIELD element: the field, and the value when asked
/// (as a nested pair in RESP3).
fn pair_reply(w: &mut ReplyWriter<'_>, f: &[u8], v: &[u8], withvalues: bool) {
    if withvalues && w.resp3() {
        w.array(2);
    }
    w.bulk(f);
    if withvalues {
        w.bulk(v);
    }
}

fn hrandfield(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len() == 2 {
        return match read(ctx, &a[1]) {
            Err(e) => w.error(e),
            Ok(None) => w.null(),
            Ok(Some(h)) => match h.pair_at(rand_below(h.len())) {
                Some((f, _)) => w.bulk(f),
                None => w.null(),
            },
        };
    }
    let l = match args::int(&a[2]) {
        Ok(l) => l,
        Err(e) => return w.error(e),
    };
    if l == i64::MIN {
        return w.error(RANGE_ERR);
    }
    let withvalues = a.len() == 4 && args::is(&a[3], "withvalues");
    if a.len() > 4 || (a.len() == 4 && !withvalues) {
        return w.error(error::SYNTAX);
    }
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return w.error("ERR value is out of range");
    }
    let h = match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(None) => return w.array(0),
        Ok(Some(h)) => h,
    };
    let size = h.len();
    let resp2_pairs = withvalues && !w.resp3();
    let header = |w: &mut ReplyWriter<'_>, n: u64| {
        let n = if resp2_pairs { n.saturating_mul(2) } else { n };
        w.array(usize::try_from(n).unwrap_or(usize::MAX));
    };
    if l < 0 {
        // Repeats allowed: `-l` independent picks.
        let count = l.unsigned_abs();
        if count > args::MAX_RANDOM_REPEATS {
            return w.error(args::RANDOM_REPEATS_ERR);
        }
        header(w, count);
        let packed: Vec<(&[u8], &[u8])> = if h.encoding() == "listpack" {
            let mut v = Vec::with_capacity(size);
            v.extend((0..size).map_while(|i| h.pair_at(i)));
            v
        } else {
            Vec::new()
        };
        for _ in 0..count {
            let i = rand_below(size);
            let p = if packed.is_empty() {
                h.pair_at(i)
            } else {
                packed.get(i).copied()
            };
            if let Some((f, v)) = p {
                pair_reply(w, f, v, withvalues);
            }
        }
        return;
    }
    let count = l as u64;
    if count == 0 {
        return w.array(0);
    }
    if count >= size as u64 {
        header(w, size as u64);
        h.for_each(|f, v| pair_reply(w, f, v, withvalues));
        return;
    }
    let count = count as usize;
    let mut picks = sample_distinct(size, count);
    if h.encoding() == "listpack" {
        // Redis samples a listpack in its own order.
        picks.sort_unstable();
    }
    header(w, count as u64);
    for i in picks {
        if let Some((f, v)) = h.pair_at(i) {
            pair_reply(w, f, v, withvalues);
        }
    }
}

/// Error of a count argument equal to `i64::MIN` (HRANDFIELD, SRANDMEMBER).
pub const RANGE_ERR: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

fn hscan(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let cursor = match scan_cursor(&a[2]) {
        Ok(c) => c,
        Err(e) => return w.error(e),
    };
    let h = match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(None) => {
            w.array(2);
            w.bulk(b"0");
            return w.array(0);
        }
        Ok(Some(h)) => h,
    };
    let (count, pattern) = match scan_options(a) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let mut found: Vec<(&[u8], &[u8])> = Vec::new();
    let next = h.scan(cursor, count, |f, v| {
        if pattern
            .as_ref()
            .is_none_or(|p| args::glob_match(p, f, false))
        {
            found.push((f, v));
        }
    });
    w.array(2);
    w.bulk(next.to_string().as_bytes());
    w.array(found.len() * 2);
    for (f, v) in found {
        w.bulk(f);
        w.bulk(v);
    }
}

#[cfg(test)]
mod tests;
