//! ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK, ZREVRANK.

use bytes::Bytes;

use super::{read, write, wrongtype};
use crate::commands::args::{self, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::types::zset::AddOutcome;
use crate::types::{Value, ZSet};

/// ZADD's option flags.
#[derive(Debug, Default, Clone, Copy)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update to a greater score.
    pub gt: bool,
    /// Only update to a lower score.
    pub lt: bool,
    /// Count changed members, not only added ones.
    pub ch: bool,
    /// Increment instead of set.
    pub incr: bool,
}

/// Adds or updates one member under `f`. Returns what happened and the
/// member's resulting score, or the NaN error.
pub fn add_one(
    z: &mut ZSet,
    member: &[u8],
    score: f64,
    f: &AddFlags,
) -> Result<(AddOutcome, f64), &'static str> {
    match z.score(member) {
        Some(cur) => {
            if f.nx {
                return Ok((AddOutcome::Skipped, cur));
            }
            let new = if f.incr {
                let n = cur + score;
                if n.is_nan() {
                    return Err("ERR resulting score is not a number (NaN)");
                }
                n
            } else {
                score
            };
            if (f.lt && new >= cur) || (f.gt && new <= cur) {
                return Ok((AddOutcome::Skipped, cur));
            }
            if new != cur {
                z.set_existing(member, new);
                Ok((AddOutcome::Updated, new))
            } else {
                Ok((AddOutcome::Unchanged, new))
            }
        }
        None => {
            if f.xx {
                return Ok((AddOutcome::Skipped, 0.0));
            }
            z.insert_new(member, score);
            Ok((AddOutcome::Added, score))
        }
    }
}

fn zadd_generic(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, mut f: AddFlags) {
    let mut i = 2;
    while i < a.len() {
        let o = &a[i];
        if is(o, "nx") {
            f.nx = true;
        } else if is(o, "xx") {
            f.xx = true;
        } else if is(o, "ch") {
            f.ch = true;
        } else if is(o, "incr") {
            f.incr = true;
        } else if is(o, "gt") {
            f.gt = true;
        } else if is(o, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = &a[i..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return w.error(error::SYNTAX);
    }
    if f.nx && f.xx {
        return w.error("ERR XX and NX options at the same time are not compatible");
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return w.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && rest.len() > 2 {
        return w.error("ERR INCR option supports a single increment-element pair");
    }
    for pair in rest.chunks_exact(2) {
        if args::strict_f64(&pair[0]).is_none() {
            return w.error(error::NOT_FLOAT);
        }
    }
    let now = ctx.now;
    let key = &a[1];
    let db = ctx.db();
    let z = match write(db, key, now) {
        Err(()) => return wrongtype(w),
        Ok(Some(z)) => z,
        Ok(None) => {
            if f.xx {
                return if f.incr { w.null() } else { w.int(0) };
            }
            db.set(
                key,
                Value::ZSet(Box::new(ZSet::for_first_member(rest[1].len()))),
                false,
            );
            match write(db, key, now) {
                Ok(Some(z)) => z,
                _ => return w.error(error::WRONGTYPE),
            }
        }
    };
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0i64);
    let mut last = (AddOutcome::Skipped, 0.0);
    for pair in rest.chunks_exact(2) {
        let score = args::strict_f64(&pair[0]).unwrap_or(0.0);
        match add_one(z, &pair[1], score, &f) {
            Err(e) => {
                ctx.dirty += (added + updated) as u64;
                let db = ctx.db();
                super::drop_if_empty(db, key, now);
                return w.error(e);
            }
            Ok(r) => {
                match r.0 {
                    AddOutcome::Added => added += 1,
                    AddOutcome::Updated => updated += 1,
                    _ => {}
                }
                if r.0 != AddOutcome::Skipped {
                    processed += 1;
                }
                last = r;
            }
        }
    }
    ctx.dirty += (added + updated) as u64;
    if added + updated > 0 {
        let event = if f.incr { "zincr" } else { "zadd" };
        ctx.notify(class::ZSET, event, key);
    }
    if f.incr {
        if processed > 0 {
            super::reply_score(w, last.1);
        } else {
            w.null();
        }
    } else {
        w.int(if f.ch { added + updated } else { added });
    }
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`
pub fn zadd(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    zadd_generic(ctx, a, w, AddFlags::default())
}

/// `ZINCRBY key increment member`
pub fn zincrby(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let args = [a[0].clone(), a[1].clone(), a[2].clone(), a[3].clone()];
    zadd_generic(
        ctx,
        &args,
        w,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    )
}

/// `ZREM key member [member ...]`
pub fn zrem(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let z = match write(db, &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => return w.int(0),
        Ok(Some(z)) => z,
    };
    let mut n = 0;
    for m in &a[2..] {
        if z.remove(m).is_some() {
            n += 1;
            if z.is_empty() {
                break;
            }
        }
    }
    let emptied = z.is_empty();
    super::drop_if_empty(db, &a[1], now);
    ctx.dirty += n as u64;
    if n > 0 {
        ctx.notify(class::ZSET, "zrem", &a[1]);
        if emptied {
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    }
    w.int(n);
}

/// `ZSCORE key member`
pub fn zscore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match read(ctx.db(), &a[1], now) {
        Err(()) => wrongtype(w),
        Ok(z) => match z.and_then(|z| z.score(&a[2])) {
            Some(s) => super::reply_score(w, s),
            None => w.null(),
        },
    }
}

/// `ZMSCORE key member [member ...]`
pub fn zmscore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match read(ctx.db(), &a[1], now) {
        Err(()) => wrongtype(w),
        Ok(z) => {
            w.array(a.len() - 2);
            for m in &a[2..] {
                match z.and_then(|z| z.score(m)) {
                    Some(s) => super::reply_score(w, s),
                    None => w.null(),
                }
            }
        }
    }
}

/// `ZCARD key`
pub fn zcard(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match read(ctx.db(), &a[1], now) {
        Err(()) => wrongtype(w),
        Ok(z) => w.int(z.map_or(0, |z| z.len()) as i64),
    }
}

/// ZRANK/ZREVRANK, with Redis 7.2's optional WITHSCORE (a 7.0 server
/// answers a wrong-arity error there; the issue this serves asks for it).
fn rank_generic(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, rev: bool) {
    if a.len() > 4 {
        let name = if rev { "zrevrank" } else { "zrank" };
        return w.error(&error::wrong_arity(name));
    }
    let withscore = match a.get(3) {
        None => false,
        Some(o) if is(o, "withscore") => true,
        Some(_) => return w.error(error::SYNTAX),
    };
    let now = ctx.now;
    let found = match read(ctx.db(), &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(z) => z.and_then(|z| {
            z.rank(&a[2])
                .map(|(r, s)| (if rev { z.len() - 1 - r } else { r }, s))
        }),
    };
    match found {
        None if withscore => w.null_array(),
        None => w.null(),
        Some((r, s)) if withscore => {
            w.array(2);
            w.int(r as i64);
            w.double(s);
        }
        Some((r, _)) => w.int(r as i64),
    }
}

/// `ZRANK key member [WITHSCORE]`
pub fn zrank(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    rank_generic(ctx, a, w, false)
}

/// `ZREVRANK key member [WITHSCORE]`
pub fn zrevrank(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    rank_generic(ctx, a, w, true)
}
