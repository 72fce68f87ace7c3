//! Commands of the lists family (Redis' t_list.c), including the blocking
//! ones ([`blocking`]).

pub(crate) mod blocking;
mod ops;

#[cfg(test)]
mod tests;

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler, KeySpec};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::types::list::Needle;
use crate::types::Value;
use ops::{
    list_mut, move_one, mpop, parse_end, parse_mpop, pop_count, push_new, range_bounds, write_elem,
    End, Moved,
};

use Handler::{Async, Keyed};

/// Keys of a command with a `numkeys` argument at `idx` followed by the keys
/// (LMPOP, BLMPOP); none when `numkeys` is malformed or too large, so that
/// the handler runs and reports the error.
pub(super) fn numkeys_keys(a: &[Bytes], idx: usize) -> Vec<usize> {
    let n = match a.get(idx).map(|x| args::int(x)) {
        Some(Ok(n)) if n >= 1 => n as u64,
        _ => return Vec::new(),
    };
    let avail = a.len().saturating_sub(idx + 1) as u64;
    if n > avail {
        return Vec::new();
    }
    (idx + 1..idx + 1 + n as usize).collect()
}

fn lmpop_keys(a: &[Bytes]) -> Vec<usize> {
    numkeys_keys(a, 1)
}

fn blmpop_keys(a: &[Bytes]) -> Vec<usize> {
    numkeys_keys(a, 2)
}

/// The lists commands.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "list",
        "Prepends one or more elements to a list, creating it if needed.",
        Keyed(lpush),
    ),
    cmd(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "list",
        "Appends one or more elements to a list, creating it if needed.",
        Keyed(rpush),
    ),
    cmd(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "list",
        "Prepends elements to a list only when the list exists.",
        Keyed(lpushx),
    ),
    cmd(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "list",
        "Appends elements to a list only when the list exists.",
        Keyed(rpushx),
    ),
    cmd(
        "lpop",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        "list",
        "Removes and returns the first elements of a list.",
        Keyed(lpop),
    ),
    cmd(
        "rpop",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        "list",
        "Removes and returns the last elements of a list.",
        Keyed(rpop),
    ),
    cmd(
        "llen",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "list",
        "Returns the number of elements of a list.",
        Keyed(llen),
    ),
    cmd(
        "lrange",
        4,
        READONLY,
        1,
        1,
        1,
        "list",
        "Returns the elements of a list between two positions.",
        Keyed(lrange),
    ),
    cmd(
        "lindex",
        3,
        READONLY,
        1,
        1,
        1,
        "list",
        "Returns the element at a position of a list.",
        Keyed(lindex),
    ),
    cmd(
        "lset",
        4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "list",
        "Replaces the element at a position of a list.",
        Keyed(lset),
    ),
    cmd(
        "linsert",
        5,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "list",
        "Inserts an element before or after the first occurrence of a pivot.",
        Keyed(linsert),
    ),
    cmd(
        "lrem",
        4,
        WRITE,
        1,
        1,
        1,
        "list",
        "Removes occurrences of an element from a list.",
        Keyed(lrem),
    ),
    cmd(
        "ltrim",
        4,
        WRITE,
        1,
        1,
        1,
        "list",
        "Keeps only the elements of a list between two positions.",
        Keyed(ltrim),
    ),
    cmd(
        "lpos",
        -3,
        READONLY,
        1,
        1,
        1,
        "list",
        "Returns the positions of the elements equal to a value.",
        Keyed(lpos),
    ),
    cmd(
        "lmove",
        5,
        WRITE | DENYOOM,
        1,
        2,
        1,
        "list",
        "Pops an element from one end of a list and pushes it onto an end of another.",
        Keyed(lmove),
    ),
    cmd(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        1,
        2,
        1,
        "list",
        "Pops the last element of a list and pushes it at the head of another.",
        Keyed(rpoplpush),
    ),
    CommandSpec {
        name: "lmpop",
        arity: -4,
        flags: WRITE,
        keys: KeySpec::Custom(lmpop_keys),
        group: "list",
        summary: "Pops elements from the first non-empty list among several keys.",
        handler: Keyed(lmpop),
    },
    cmd(
        "blpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        1,
        -2,
        1,
        "list",
        "Pops the first element of the first non-empty list, waiting for one if needed.",
        Async(blocking::blpop),
    ),
    cmd(
        "brpop",
        -3,
        WRITE | NOSCRIPT | BLOCKING,
        1,
        -2,
        1,
        "list",
        "Pops the last element of the first non-empty list, waiting for one if needed.",
        Async(blocking::brpop),
    ),
    cmd(
        "blmove",
        6,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        1,
        2,
        1,
        "list",
        "Moves an element between lists, waiting for the source to have one if needed.",
        Async(blocking::blmove),
    ),
    cmd(
        "brpoplpush",
        4,
        WRITE | DENYOOM | NOSCRIPT | BLOCKING,
        1,
        2,
        1,
        "list",
        "Pops the last element of a list and pushes it onto another, waiting if needed.",
        Async(blocking::brpoplpush),
    ),
    CommandSpec {
        name: "blmpop",
        arity: -5,
        flags: WRITE | BLOCKING,
        keys: KeySpec::Custom(blmpop_keys),
        group: "list",
        summary:
            "Pops elements from the first non-empty list among several keys, waiting if needed.",
        handler: Async(blocking::blmpop),
    },
];

fn push(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    w: &mut ReplyWriter<'_>,
    end: End,
    only_existing: bool,
) {
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let key = &a[1];
    let elems = a.get(2..).unwrap_or(&[]);
    let len = match db.get_mut(key, now) {
        Some(Value::List(l)) => {
            for v in elems {
                end.push(l, v);
            }
            l.len()
        }
        Some(_) => return w.error(error::WRONGTYPE),
        None if only_existing => return w.int(0),
        None => push_new(db, key, elems.iter().map(|v| &v[..]), end),
    };
    ctx.dirty += elems.len() as u64;
    ctx.notify(class::LIST, end.push_event(), key);
    w.int(len as i64);
}

fn lpush(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    push(ctx, a, w, End::Left, false)
}

fn rpush(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    push(ctx, a, w, End::Right, false)
}

fn lpushx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    push(ctx, a, w, End::Left, true)
}

fn rpushx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    push(ctx, a, w, End::Right, true)
}

fn pop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, end: End) {
    if a.len() > 3 {
        let name = if end == End::Left { "lpop" } else { "rpop" };
        return w.error(&error::wrong_arity(name));
    }
    let count = match a.get(2) {
        None => None,
        Some(c) => match args::int(c) {
            Ok(n) if n >= 0 => Some(n as u64),
            _ => return w.error("ERR value is out of range, must be positive"),
        },
    };
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let key = &a[1];
    let l = match list_mut(db, key, now) {
        Ok(Some(l)) => l,
        Ok(None) if count.is_some() => return w.null_array(),
        Ok(None) => return w.null(),
        Err(e) => return w.error(e),
    };
    let popped = match count {
        None => {
            end.pop_with(l, |e| write_elem(w, e));
            1
        }
        Some(0) => return w.array(0),
        Some(n) => pop_count(l, n, end, w),
    };
    let emptied = l.is_empty();
    if emptied {
        db.remove(key, now);
    }
    ctx.dirty += popped;
    ctx.notify(class::LIST, end.pop_event(), key);
    if emptied {
        ctx.notify(class::GENERIC, "del", key);
    }
}

fn lpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    pop(ctx, a, w, End::Left)
}

fn rpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    pop(ctx, a, w, End::Right)
}

fn llen(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match ctx.db().get(&a[1], now) {
        None => w.int(0),
        Some(Value::List(l)) => w.int(l.len() as i64),
        Some(_) => w.error(error::WRONGTYPE),
    }
}

fn lrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let (start, end) = match (args::int(&a[2]), args::int(&a[3])) {
        (Ok(s), Ok(e)) => (s, e),
        _ => return w.error(error::NOT_INTEGER),
    };
    let now = ctx.now;
    let l = match ctx.db().get(&a[1], now) {
        None => return w.array(0),
        Some(Value::List(l)) => l,
        Some(_) => return w.error(error::WRONGTYPE),
    };
    match range_bounds(start, end, l.len()) {
        None => w.array(0),
        Some((from, n)) => {
            w.array(n);
            for e in l.iter_from(from).take(n) {
                write_elem(w, e);
            }
        }
    }
}

/// A possibly negative index resolved against `len`.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 {
        (len as i64).checked_add(index)?
    } else {
        index
    };
    (0..len as i64).contains(&i).then_some(i as usize)
}

fn lindex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let l = match ctx.db().get(&a[1], now) {
        None => return w.null(),
        Some(Value::List(l)) => l,
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let index = match args::int(&a[2]) {
        Ok(i) => i,
        Err(e) => return w.error(e),
    };
    match resolve_index(index, l.len()).and_then(|i| l.get(i)) {
        Some(e) => write_elem(w, e),
        None => w.null(),
    }
}

fn lset(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let l = match list_mut(db, &a[1], now) {
        Ok(Some(l)) => l,
        Ok(None) => return w.error(error::NO_SUCH_KEY),
        Err(e) => return w.error(e),
    };
    let index = match args::int(&a[2]) {
        Ok(i) => i,
        Err(e) => return w.error(e),
    };
    match resolve_index(index, l.len()) {
        Some(i) if l.set(i, &a[3]) => {
            ctx.dirty += 1;
            ctx.notify(class::LIST, "lset", &a[1]);
            w.ok();
        }
        _ => w.error("ERR index out of range"),
    }
}

fn linsert(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let after = if is(&a[2], "after") {
        true
    } else if is(&a[2], "before") {
        false
    } else {
        return w.error(error::SYNTAX);
    };
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let l = match list_mut(db, &a[1], now) {
        Ok(Some(l)) => l,
        Ok(None) => return w.int(0),
        Err(e) => return w.error(e),
    };
    if l.insert_relative(&Needle::new(&a[3]), after, &a[4]) {
        let len = l.len();
        ctx.dirty += 1;
        ctx.notify(class::LIST, "linsert", &a[1]);
        w.int(len as i64);
    } else {
        w.int(-1);
    }
}

fn lrem(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let count = match args::int(&a[2]) {
        Ok(c) => c,
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let l = match list_mut(db, &a[1], now) {
        Ok(Some(l)) => l,
        Ok(None) => return w.int(0),
        Err(e) => return w.error(e),
    };
    let removed = l.remove_matching(&Needle::new(&a[3]), count);
    let emptied = l.is_empty();
    if emptied {
        db.remove(&a[1], now);
    }
    ctx.dirty += removed as u64;
    if removed > 0 {
        ctx.notify(class::LIST, "lrem", &a[1]);
        if emptied {
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    }
    w.int(removed as i64);
}

fn ltrim(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let (start, end) = match (args::int(&a[2]), args::int(&a[3])) {
        (Ok(s), Ok(e)) => (s, e),
        _ => return w.error(error::NOT_INTEGER),
    };
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let l = match list_mut(db, &a[1], now) {
        Ok(Some(l)) => l,
        Ok(None) => return w.ok(),
        Err(e) => return w.error(e),
    };
    let len = l.len();
    let (front, back) = match range_bounds(start, end, len) {
        None => (len, 0),
        Some((from, n)) => (from, len - from - n),
    };
    l.remove_front(front);
    l.remove_back(back);
    let emptied = l.is_empty();
    if emptied {
        db.remove(&a[1], now);
    }
    ctx.dirty += (front + back) as u64;
    ctx.notify(class::LIST, "ltrim", &a[1]);
    if emptied {
        ctx.notify(class::GENERIC, "del", &a[1]);
    }
    w.ok();
}

/// LPOS options.
struct LposArgs {
    rank: i64,
    /// `None` when COUNT was not given (single reply).
    count: Option<i64>,
    maxlen: i64,
}

fn parse_lpos(a: &[Bytes]) -> Result<LposArgs, &'static str> {
    let mut o = LposArgs {
        rank: 1,
        count: None,
        maxlen: 0,
    };
    let mut j = 3;
    while j < a.len() {
        let more = j + 1 < a.len();
        let opt = &a[j];
        if is(opt, "rank") && more {
            j += 1;
            o.rank = args::int(&a[j])?;
            if o.rank == 0 {
                return Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
            }
        } else if is(opt, "count") && more {
            j += 1;
            match args::int(&a[j]) {
                Ok(c) if c >= 0 => o.count = Some(c),
                _ => return Err("ERR COUNT can't be negative"),
            }
        } else if is(opt, "maxlen") && more {
            j += 1;
            match args::int(&a[j]) {
                Ok(m) if m >= 0 => o.maxlen = m,
                _ => return Err("ERR MAXLEN can't be negative"),
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// Scans `elems` (in search order) for LPOS as Redis does, returning the
/// scan indexes of the reported matches (at most one without COUNT).
fn lpos_scan<'a>(
    elems: impl Iterator<Item = crate::types::list::Elem<'a>>,
    needle: &Needle<'_>,
    o: &LposArgs,
) -> Vec<i64> {
    // Redis negates a negative rank in a C long: the most negative rank
    // stays negative, so that every match qualifies and COUNT never stops
    // the scan. The wrapping arithmetic below keeps that behaviour.
    let rank = o.rank.wrapping_abs();
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    for (index, e) in elems.enumerate() {
        let index = index as i64;
        if o.maxlen != 0 && index >= o.maxlen {
            break;
        }
        if !needle.matches(&e) {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(index);
        match o.count {
            None => break,
            Some(count) => {
                if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                    break;
                }
            }
        }
    }
    found
}

fn lpos(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let o = match parse_lpos(a) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    let l = match ctx.db().get(&a[1], now) {
        None if o.count.is_some() => return w.array(0),
        None => return w.null(),
        Some(Value::List(l)) => l,
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let needle = Needle::new(&a[2]);
    let len = l.len() as i64;
    let from_tail = o.rank < 0;
    let found = if from_tail {
        lpos_scan(l.iter_rev(), &needle, &o)
    } else {
        lpos_scan(l.iter(), &needle, &o)
    };
    let pos = |i: i64| if from_tail { len - i - 1 } else { i };
    match o.count {
        None => match found.first() {
            Some(&i) => w.int(pos(i)),
            None => w.null(),
        },
        Some(_) => {
            w.array(found.len());
            for &i in &found {
                w.int(pos(i));
            }
        }
    }
}

fn lmove(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let (from, to) = match (parse_end(&a[3]), parse_end(&a[4])) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return w.error(e),
    };
    move_reply(move_one(ctx, &a[1], &a[2], from, to, w), w);
}

/// Completes LMOVE/RPOPLPUSH's reply from what the move did.
fn move_reply(m: Moved, w: &mut ReplyWriter<'_>) {
    match m {
        Moved::NoSource => w.null(),
        Moved::SourceWrongType | Moved::DestWrongType => w.error(error::WRONGTYPE),
        Moved::Done => {}
    }
}

fn rpoplpush(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    move_reply(move_one(ctx, &a[1], &a[2], End::Right, End::Left, w), w);
}

fn lmpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let m = match parse_mpop(a, 1) {
        Ok(m) => m,
        Err(e) => return w.error(e),
    };
    if !mpop(ctx, a, &m, w) {
        w.null_array();
    }
}
