//! The ZRANGE family, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY*.

use bytes::Bytes;

use super::range::{LexRange, ScoreRange, NOT_FLOAT_RANGE, NOT_LEX_RANGE};
use super::{read, reply_len, reply_pair, write, wrongtype};
use crate::commands::args::{self, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::types::{Value, ZSet};

/// How a ZRANGE-like command selects members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeBy {
    /// By rank (index).
    Rank,
    /// By score.
    Score,
    /// By member (lexicographic).
    Lex,
}

/// A parsed ZRANGE request.
#[derive(Debug, Clone, Copy)]
struct Request {
    by: RangeBy,
    rev: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

/// Ranks `start..end` of the members a request selects (in ascending rank
/// order; the caller walks them backwards for REV).
fn select(z: &ZSet, req: &Request, min: &[u8], max: &[u8]) -> (usize, usize) {
    let len = z.len();
    let (start, end) = match req.by {
        RangeBy::Rank => {
            let (Ok(s), Ok(e)) = (args::int(min), args::int(max)) else {
                return (0, 0);
            };
            let l = len as i64;
            let mut s = if s < 0 { s.saturating_add(l) } else { s };
            let mut e = if e < 0 { e.saturating_add(l) } else { e };
            if s < 0 {
                s = 0;
            }
            if s > e || s >= l {
                return (0, 0);
            }
            if e >= l {
                e = l - 1;
            }
            if req.rev {
                return ((l - 1 - e) as usize, (l - s) as usize);
            }
            return (s as usize, (e + 1) as usize);
        }
        RangeBy::Score => match ScoreRange::parse(min, max) {
            Ok(r) => r.ranks(z),
            Err(_) => (0, 0),
        },
        RangeBy::Lex => match LexRange::parse(min, max) {
            Ok(r) if z.encoding() == "listpack" => {
                if req.offset < 0 {
                    return (0, 0);
                }
                let limit = usize::try_from(req.limit).ok();
                let offset = usize::try_from(req.offset).unwrap_or(usize::MAX);
                return r.walk_listpack(z, req.rev, offset, limit);
            }
            Ok(r) => r.ranks(z),
            Err(_) => (0, 0),
        },
    };
    // LIMIT offset count (negative offset selects nothing; negative count
    // means all).
    if req.offset < 0 {
        return (start, start);
    }
    let n = end - start;
    let off = (req.offset as u64).min(n as u64) as usize;
    let take = if req.limit < 0 {
        n - off
    } else {
        (req.limit as u64).min((n - off) as u64) as usize
    };
    if req.rev {
        (end - off - take, end - off)
    } else {
        (start + off, start + off + take)
    }
}

/// Parses options from `a[first..]` and the range ends; on error, writes it
/// and returns `None`.
fn parse(
    a: &[Bytes],
    first: usize,
    by: Option<RangeBy>,
    rev: Option<bool>,
    store: bool,
    w: &mut ReplyWriter<'_>,
) -> Option<Request> {
    let mut req = Request {
        by: by.unwrap_or(RangeBy::Rank),
        rev: rev.unwrap_or(false),
        withscores: false,
        offset: 0,
        limit: -1,
    };
    let (mut by_set, mut rev_set) = (by.is_some(), rev.is_some());
    let mut has_limit = false;
    let mut j = first;
    while j < a.len() {
        let left = a.len() - j - 1;
        let o = &a[j];
        if is(o, "withscores") && !store {
            req.withscores = true;
        } else if is(o, "limit") && left >= 2 {
            match (args::int(&a[j + 1]), args::int(&a[j + 2])) {
                (Ok(off), Ok(lim)) => {
                    req.offset = off;
                    req.limit = lim;
                }
                _ => {
                    w.error(error::NOT_INTEGER);
                    return None;
                }
            }
            has_limit = true;
            j += 2;
        } else if !rev_set && is(o, "rev") {
            req.rev = true;
            rev_set = true;
        } else if !by_set && is(o, "bylex") {
            req.by = RangeBy::Lex;
            by_set = true;
        } else if !by_set && is(o, "byscore") {
            req.by = RangeBy::Score;
            by_set = true;
        } else {
            w.error(error::SYNTAX);
            return None;
        }
        j += 1;
    }
    if has_limit && req.limit != -1 && req.by == RangeBy::Rank {
        w.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
        return None;
    }
    if req.withscores && req.by == RangeBy::Lex {
        w.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return None;
    }
    Some(req)
}

/// The (min, max) arguments, swapped for reverse score/lex ranges.
fn ends<'a>(a: &'a [Bytes], at: usize, req: &Request) -> (&'a [u8], &'a [u8]) {
    if req.rev && req.by != RangeBy::Rank {
        (&a[at + 1], &a[at])
    } else {
        (&a[at], &a[at + 1])
    }
}

fn check_ends(req: &Request, min: &[u8], max: &[u8], w: &mut ReplyWriter<'_>) -> bool {
    let err = match req.by {
        RangeBy::Rank => match (args::int(min), args::int(max)) {
            (Ok(_), Ok(_)) => None,
            _ => Some(error::NOT_INTEGER),
        },
        RangeBy::Score => ScoreRange::parse(min, max).err().map(|_| NOT_FLOAT_RANGE),
        RangeBy::Lex => LexRange::parse(min, max).err().map(|_| NOT_LEX_RANGE),
    };
    match err {
        Some(e) => {
            w.error(e);
            false
        }
        None => true,
    }
}

fn range_generic(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    w: &mut ReplyWriter<'_>,
    by: Option<RangeBy>,
    rev: Option<bool>,
) {
    let Some(req) = parse(a, 4, by, rev, false, w) else {
        return;
    };
    let (min, max) = ends(a, 2, &req);
    if !check_ends(&req, min, max, w) {
        return;
    }
    let now = ctx.now;
    let z = match read(ctx.db(), &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => return w.array(0),
        Ok(Some(z)) => z,
    };
    let (s, e) = select(z, &req, min, max);
    reply_len(w, e - s, req.withscores);
    let nested = req.withscores && w.resp3();
    z.walk(s, e, req.rev, |m, sc| {
        if req.withscores {
            reply_pair(w, m, sc, nested);
        } else {
            w.bulk(m);
        }
        true
    });
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
pub fn zrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, None, None)
}

/// `ZREVRANGE key start stop [WITHSCORES]`
pub fn zrevrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, Some(RangeBy::Rank), Some(true))
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
pub fn zrangebyscore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, Some(RangeBy::Score), Some(false))
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
pub fn zrevrangebyscore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, Some(RangeBy::Score), Some(true))
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`
pub fn zrangebylex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, Some(RangeBy::Lex), Some(false))
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
pub fn zrevrangebylex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    range_generic(ctx, a, w, Some(RangeBy::Lex), Some(true))
}

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`
pub fn zrangestore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let Some(req) = parse(a, 5, None, None, true, w) else {
        return;
    };
    let (min, max) = ends(a, 3, &req);
    if !check_ends(&req, min, max, w) {
        return;
    }
    let now = ctx.now;
    let db = ctx.db();
    let out = match read(db, &a[2], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => None,
        Ok(Some(z)) => {
            let (s, e) = select(z, &req, min, max);
            // As Redis: a rank range knows its length up front, a score
            // or lex range starts small and converts as it grows (a -0
            // score added before that reads 0).
            let mut out = match req.by {
                RangeBy::Rank => ZSet::with_expected(e - s, 0),
                _ => ZSet::new(),
            };
            z.walk(s, e, req.rev, |m, sc| {
                out.insert_new(m, sc);
                true
            });
            Some(out)
        }
    };
    let n = out.as_ref().map_or(0, |z| z.len());
    if let Some(z) = out.filter(|z| !z.is_empty()) {
        db.set(&a[1], Value::ZSet(Box::new(z)), false);
        ctx.dirty += 1;
        ctx.notify(class::ZSET, "zrangestore", &a[1]);
    } else if db.remove(&a[1], now).is_some() {
        ctx.dirty += 1;
        ctx.notify(class::GENERIC, "del", &a[1]);
    }
    w.int(n as i64);
}

/// `ZCOUNT key min max`
pub fn zcount(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let r = match ScoreRange::parse(&a[2], &a[3]) {
        Ok(r) => r,
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    match read(ctx.db(), &a[1], now) {
        Err(()) => wrongtype(w),
        Ok(z) => w.int(z.map_or(0, |z| {
            let (s, e) = r.ranks(z);
            e - s
        }) as i64),
    }
}

/// `ZLEXCOUNT key min max`
pub fn zlexcount(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let r = match LexRange::parse(&a[2], &a[3]) {
        Ok(r) => r,
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    match read(ctx.db(), &a[1], now) {
        Err(()) => wrongtype(w),
        Ok(z) => w.int(z.map_or(0, |z| {
            let (s, e) = r.ranks(z);
            e - s
        }) as i64),
    }
}

fn remrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, by: RangeBy) {
    let req = Request {
        by,
        rev: false,
        withscores: false,
        offset: 0,
        limit: -1,
    };
    if !check_ends(&req, &a[2], &a[3], w) {
        return;
    }
    let now = ctx.now;
    let db = ctx.db();
    let z = match write(db, &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => return w.int(0),
        Ok(Some(z)) => z,
    };
    let (s, e) = select(z, &req, &a[2], &a[3]);
    let n = z.remove_ranks(s, e);
    let emptied = z.is_empty();
    super::drop_if_empty(db, &a[1], now);
    ctx.dirty += n as u64;
    if n > 0 {
        let event = match by {
            RangeBy::Rank => "zremrangebyrank",
            RangeBy::Score => "zremrangebyscore",
            RangeBy::Lex => "zremrangebylex",
        };
        ctx.notify(class::ZSET, event, &a[1]);
        if emptied {
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    }
    w.int(n as i64);
}

/// `ZREMRANGEBYRANK key start stop`
pub fn zremrangebyrank(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    remrange(ctx, a, w, RangeBy::Rank)
}

/// `ZREMRANGEBYSCORE key min max`
pub fn zremrangebyscore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    remrange(ctx, a, w, RangeBy::Score)
}

/// `ZREMRANGEBYLEX key min max`
pub fn zremrangebylex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    remrange(ctx, a, w, RangeBy::Lex)
}
