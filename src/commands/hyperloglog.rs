//! HyperLogLog commands (Redis' hyperloglog.c): PFADD, PFCOUNT, PFMERGE,
//! PFDEBUG and PFSELFTEST. The HLL is an ordinary string value holding
//! Redis' exact byte layout ([`crate::types::hll`]), so `GET`/`SET` move
//! HLLs between this server and Redis unchanged.

use bytes::Bytes;

use super::args::is;
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::hll::{self, REGISTERS};
use crate::types::limits::limits;
use crate::types::Value;

/// A string that is not an HLL where one is required.
pub const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// An HLL string whose sparse body is malformed.
pub const INVALID_HLL: &str = "INVALIDOBJ Corrupted HLL object detected";

/// The hyperloglog commands.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "pfadd",
        -2,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "hyperloglog",
        "Adds elements to a HyperLogLog key, creating the key if needed.",
        Keyed(pfadd),
    ),
    cmd(
        "pfcount",
        -2,
        READONLY,
        1,
        -1,
        1,
        "hyperloglog",
        "Returns the approximate cardinality of the union of HyperLogLog keys.",
        Keyed(pfcount),
    ),
    cmd(
        "pfmerge",
        -2,
        WRITE | DENYOOM,
        1,
        -1,
        1,
        "hyperloglog",
        "Merges HyperLogLog keys into a destination key.",
        Keyed(pfmerge),
    ),
    cmd(
        "pfdebug",
        3,
        WRITE | DENYOOM | ADMIN,
        2,
        2,
        1,
        "hyperloglog",
        "Internal commands for inspecting and converting HyperLogLog values.",
        Keyed(pfdebug),
    ),
    cmd(
        "pfselftest",
        1,
        ADMIN,
        0,
        0,
        0,
        "hyperloglog",
        "Checks the HyperLogLog register code against a simple model.",
        Keyed(pfselftest),
    ),
];

/// Checks that `v` is an HLL string; the error text to send otherwise.
fn check(v: &Value) -> Result<(), &'static str> {
    match v {
        Value::Str(s) if hll::is_valid(s.as_slice()) => Ok(()),
        Value::Raw(s) if hll::is_valid(s) => Ok(()),
        Value::Int(_) | Value::Str(_) | Value::Raw(_) => Err(NOT_HLL),
        _ => Err(error::WRONGTYPE),
    }
}

/// The bytes of a string value (empty for non-strings and integers, which
/// [`check`] rejects first).
fn bytes_of(v: &Value) -> &[u8] {
    match v {
        Value::Str(s) => s.as_slice(),
        Value::Raw(s) => s,
        _ => &[],
    }
}

/// The HLL string of `key` for modification, turned into a `Raw` string
/// first if needed (Redis unshares the value the same way).
fn hll_mut<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Option<&'a mut Vec<u8>> {
    let v = db.get_mut(key, now)?;
    if let Value::Str(s) = v {
        *v = Value::raw(s.as_slice().to_vec());
    }
    match v {
        Value::Raw(s) => Some(s),
        _ => None,
    }
}

fn pfadd(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    let key = &args[1];
    let now = ctx.now;
    let max_bytes = limits().hll_sparse_max_bytes();
    let db = ctx.db();
    let mut updated = 0u64;
    match db.get(key, now) {
        None => {
            db.insert(key, Value::raw(hll::new_sparse()), None);
            updated += 1;
        }
        Some(v) => {
            if let Err(e) = check(v) {
                w.error(e);
                return;
            }
        }
    }
    let Some(s) = hll_mut(db, key, now) else {
        w.error(NOT_HLL);
        return;
    };
    for ele in &args[2..] {
        match hll::add(s, ele, max_bytes) {
            Ok(true) => updated += 1,
            Ok(false) => {}
            Err(hll::Corrupt) => {
                w.error(INVALID_HLL);
                return;
            }
        }
    }
    if updated > 0 {
        hll::invalidate_cache(s);
        ctx.dirty += updated;
        ctx.notify(class::STRING, "pfadd", key);
    }
    w.int((updated > 0) as i64);
}

fn pfcount(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    if args.len() > 2 {
        let mut max = Box::new([0u8; REGISTERS]);
        let db = ctx.db();
        for key in &args[1..] {
            let Some(v) = db.get(key, now) else {
                continue;
            };
            if let Err(e) = check(v) {
                w.error(e);
                return;
            }
            if hll::merge_into(&mut max, bytes_of(v)).is_err() {
                w.error(INVALID_HLL);
                return;
            }
        }
        w.int(hll::estimate(&hll::raw_histogram(&max)) as i64);
        return;
    }
    let key = &args[1];
    let db = ctx.db();
    match db.get(key, now) {
        None => {
            w.int(0);
            return;
        }
        Some(v) => {
            if let Err(e) = check(v) {
                w.error(e);
                return;
            }
        }
    }
    let Some(s) = hll_mut(db, key, now) else {
        w.error(NOT_HLL);
        return;
    };
    if let Some(card) = hll::cached_cardinality(s) {
        w.int(card as i64);
        return;
    }
    match hll::count(s) {
        Ok(card) => {
            hll::set_cached_cardinality(s, card);
            ctx.dirty += 1;
            w.int(card as i64);
        }
        Err(hll::Corrupt) => w.error(INVALID_HLL),
    }
}

fn pfmerge(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let max_bytes = limits().hll_sparse_max_bytes();
    let mut max = Box::new([0u8; REGISTERS]);
    let mut use_dense = false;
    let db = ctx.db();
    for key in &args[1..] {
        let Some(v) = db.get(key, now) else {
            continue;
        };
        if let Err(e) = check(v) {
            w.error(e);
            return;
        }
        let s = bytes_of(v);
        if hll::encoding(s) == hll::DENSE {
            use_dense = true;
        }
        if hll::merge_into(&mut max, s).is_err() {
            w.error(INVALID_HLL);
            return;
        }
    }
    let dest = &args[1];
    if !db.contains(dest, now) {
        db.insert(dest, Value::raw(hll::new_sparse()), None);
    }
    let Some(s) = hll_mut(db, dest, now) else {
        w.error(NOT_HLL);
        return;
    };
    if use_dense && hll::sparse_to_dense(s).is_err() {
        w.error(INVALID_HLL);
        return;
    }
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            // The destination was validated by the merge above.
            let _ = hll::set_register(s, i, m, max_bytes);
        }
    }
    hll::invalidate_cache(s);
    ctx.dirty += 1;
    // Redis reports a merge as `pfadd` on the destination.
    ctx.notify(class::STRING, "pfadd", dest);
    w.ok();
}

fn pfdebug(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    let sub = &args[1];
    let key = &args[2];
    let now = ctx.now;
    let mut dirty = 0;
    pfdebug_on(ctx.db(), sub, key, now, &mut dirty, w);
    ctx.dirty += dirty;
}

fn pfdebug_on(
    db: &mut Db,
    sub: &[u8],
    key: &[u8],
    now: u64,
    dirty: &mut u64,
    w: &mut ReplyWriter<'_>,
) {
    match db.get(key, now) {
        None => {
            w.error("ERR The specified key does not exist");
            return;
        }
        Some(v) => {
            if let Err(e) = check(v) {
                w.error(e);
                return;
            }
        }
    }
    let Some(s) = hll_mut(db, key, now) else {
        w.error(NOT_HLL);
        return;
    };
    if is(sub, "getreg") {
        if hll::encoding(s) == hll::SPARSE {
            if hll::sparse_to_dense(s).is_err() {
                w.error(INVALID_HLL);
                return;
            }
            *dirty += 1;
        }
        let regs = s.get(hll::HDR_SIZE..).unwrap_or(&[]);
        w.array(REGISTERS);
        for i in 0..REGISTERS {
            w.int(hll::dense_get(regs, i) as i64);
        }
    } else if is(sub, "decode") {
        if hll::encoding(s) != hll::SPARSE {
            w.error("ERR HLL encoding is not sparse");
            return;
        }
        w.bulk(hll::decode(s).as_bytes());
    } else if is(sub, "encoding") {
        w.simple(if hll::encoding(s) == hll::SPARSE {
            "sparse"
        } else {
            "dense"
        });
    } else if is(sub, "todense") {
        let mut converted = false;
        if hll::encoding(s) == hll::SPARSE {
            if hll::sparse_to_dense(s).is_err() {
                w.error(INVALID_HLL);
                return;
            }
            converted = true;
            *dirty += 1;
        }
        w.int(converted as i64);
    } else {
        let mut text = b"ERR Unknown PFDEBUG subcommand '".to_vec();
        text.extend_from_slice(error::c_str(sub));
        text.push(b'\'');
        w.error_bytes(&text);
    }
}

fn pfselftest(ctx: &mut ExecCtx<'_>, _args: &[Bytes], w: &mut ReplyWriter<'_>) {
    // xorshift64*, seeded from the clock.
    let mut state = ctx.now | 1;
    let rand = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    match hll::self_test(rand) {
        Ok(()) => w.ok(),
        Err(e) => w.error(&e),
    }
}

#[cfg(test)]
mod tests;
