//! Building blocks shared by the list commands and their blocking forms:
//! list lookup, pushes and pops at either end, moves between lists and the
//! multi-key pop.

use std::ops::Range;

use bytes::Bytes;

use crate::commands::args::{self, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::format_i64;
use crate::types::list::{Elem, List};
use crate::types::Value;

/// An end of a list: LEFT is the head, RIGHT the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The head.
    Left,
    /// The tail.
    Right,
}

impl End {
    /// The keyspace event of a push at this end (`lpush` / `rpush`).
    pub fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }

    /// The keyspace event of a pop from this end (`lpop` / `rpop`).
    pub fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }

    /// Pushes `v` at this end of `l`.
    #[inline]
    pub fn push(self, l: &mut List, v: &[u8]) {
        match self {
            End::Left => l.push_front(v),
            End::Right => l.push_back(v),
        }
    }

    /// Pops the element at this end of `l`, passing it to `f` first.
    #[inline]
    pub fn pop_with<R>(self, l: &mut List, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        match self {
            End::Left => l.pop_front_with(f),
            End::Right => l.pop_back_with(f),
        }
    }
}

/// Parses LEFT or RIGHT (`ERR syntax error` otherwise).
pub fn parse_end(a: &[u8]) -> Result<End, &'static str> {
    if is(a, "left") {
        Ok(End::Left)
    } else if is(a, "right") {
        Ok(End::Right)
    } else {
        Err(error::SYNTAX)
    }
}

/// Writes an element as a bulk string (integers formatted on the stack).
#[inline]
pub fn write_elem(w: &mut ReplyWriter<'_>, e: Elem<'_>) {
    match e {
        Elem::Str(s) => w.bulk(s),
        Elem::Int(i) => {
            let mut tmp = [0u8; 20];
            w.bulk(format_i64(i, &mut tmp));
        }
    }
}

/// The list at `key` for writing: `Ok(None)` when missing, WRONGTYPE when
/// the key holds another type.
pub fn list_mut<'a>(
    db: &'a mut Db,
    key: &[u8],
    now: u64,
) -> Result<Option<&'a mut List>, &'static str> {
    match db.get_mut(key, now) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// Creates the list `key` (which must be missing) from `elems` pushed at
/// `end`; returns its length.
pub fn push_new<'a>(
    db: &mut Db,
    key: &[u8],
    elems: impl IntoIterator<Item = &'a [u8]>,
    end: End,
) -> usize {
    let mut l = List::new();
    for v in elems {
        end.push(&mut l, v);
    }
    let n = l.len();
    if n > 0 {
        db.set(key, Value::List(Box::new(l)), false);
    }
    n
}

/// Resolves LRANGE/LTRIM bounds against `len`, as Redis: negative indexes
/// count from the tail, the start is clamped to 0 and the end to the last
/// element. `None` for an empty range, else `(first, count)`.
pub fn range_bounds(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut s = if start < 0 { llen + start } else { start };
    let mut e = if end < 0 { llen + end } else { end };
    if s < 0 {
        s = 0;
    }
    if s > e || s >= llen {
        return None;
    }
    if e >= llen {
        e = llen - 1;
    }
    if e < s {
        return None;
    }
    Some((s as usize, (e - s + 1) as usize))
}

/// Pops up to `n` elements from `end` of `l`, replying with them as an
/// array in pop order; returns how many were popped. The reply is written
/// from the nodes, then the elements are dropped in one go.
pub fn pop_count(l: &mut List, n: u64, end: End, w: &mut ReplyWriter<'_>) -> u64 {
    let k = usize::try_from(n).unwrap_or(usize::MAX).min(l.len());
    w.array(k);
    match end {
        End::Left => {
            for e in l.iter().take(k) {
                write_elem(w, e);
            }
            l.remove_front(k);
        }
        End::Right => {
            for e in l.iter_rev().take(k) {
                write_elem(w, e);
            }
            l.remove_back(k);
        }
    }
    k as u64
}

/// What a pop from one named key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popped {
    /// No list there (nothing written).
    Missing,
    /// The key holds another type (nothing written).
    WrongType,
    /// Elements were popped and the reply written.
    Done,
}

/// Pops from the list at `key` and replies with the key: `[key, element]`
/// when `count` is `None` (BLPOP), `[key, [elements...]]` otherwise
/// (LMPOP). Deletes the key when emptied and counts `ctx.dirty`.
pub fn pop_with_key(
    ctx: &mut ExecCtx<'_>,
    key: &[u8],
    end: End,
    count: Option<u64>,
    w: &mut ReplyWriter<'_>,
) -> Popped {
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    let l = match list_mut(db, key, now) {
        Ok(Some(l)) if !l.is_empty() => l,
        Ok(_) => return Popped::Missing,
        Err(_) => return Popped::WrongType,
    };
    w.array(2);
    w.bulk(key);
    let n = match count {
        None => {
            end.pop_with(l, |e| write_elem(w, e));
            1
        }
        Some(c) => pop_count(l, c, end, w),
    };
    let emptied = l.is_empty();
    if emptied {
        db.remove(key, now);
    }
    ctx.dirty += n;
    ctx.notify(class::LIST, end.pop_event(), key);
    if emptied {
        ctx.notify(class::GENERIC, "del", key);
    }
    Popped::Done
}

/// What a move between lists did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    /// The source is missing (nothing written).
    NoSource,
    /// The source holds another type (nothing written).
    SourceWrongType,
    /// The destination holds another type (nothing written, nothing
    /// changed).
    DestWrongType,
    /// The element moved and was written as the reply.
    Done,
}

/// LMOVE's work: checks both keys' types (source first, then destination,
/// before anything is popped), pops from `from` of `src` and pushes at `to`
/// of `dst`, replying with the element. A source that empties is deleted,
/// unless it is also the destination (a rotation keeps the key and its
/// TTL).
pub fn move_one(
    ctx: &mut ExecCtx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
    w: &mut ReplyWriter<'_>,
) -> Moved {
    let now = ctx.now;
    let db = ctx.store.db(ctx.db);
    match list_mut(db, src, now) {
        Ok(Some(l)) if !l.is_empty() => {}
        Ok(_) => return Moved::NoSource,
        Err(_) => return Moved::SourceWrongType,
    }
    if src != dst && list_mut(db, dst, now).is_err() {
        return Moved::DestWrongType;
    }
    let Ok(Some(l)) = list_mut(db, src, now) else {
        return Moved::NoSource;
    };
    if src == dst {
        // Rotation: pop and push on the same list.
        let Some(v) = from.pop_with(l, |e| e.to_vec()) else {
            return Moved::NoSource;
        };
        to.push(l, &v);
        w.bulk(&v);
        ctx.notify(class::LIST, to.push_event(), dst);
        ctx.notify(class::LIST, from.pop_event(), src);
    } else {
        let Some(v) = from.pop_with(l, |e| e.to_vec()) else {
            return Moved::NoSource;
        };
        let emptied = l.is_empty();
        // Redis pushes before it deletes an emptied source, so the
        // destination's events (`new` included) come first.
        match list_mut(db, dst, now) {
            Ok(Some(d)) => to.push(d, &v),
            _ => {
                push_new(db, dst, std::iter::once(&v[..]), to);
            }
        }
        if emptied {
            db.remove(src, now);
        }
        w.bulk(&v);
        ctx.notify(class::LIST, to.push_event(), dst);
        ctx.notify(class::LIST, from.pop_event(), src);
        if emptied {
            ctx.notify(class::GENERIC, "del", src);
        }
    }
    ctx.dirty += 1;
    Moved::Done
}

/// Parsed `numkeys key... LEFT|RIGHT [COUNT n]` of LMPOP and BLMPOP.
#[derive(Debug, Clone)]
pub struct MpopArgs {
    /// Indexes of the keys.
    pub keys: Range<usize>,
    /// Which end to pop from.
    pub end: End,
    /// How many elements at most (1 without COUNT).
    pub count: u64,
}

/// Parses the LMPOP arguments with `numkeys` at `numkeys_idx`, with Redis'
/// error texts and order of checks.
pub fn parse_mpop(a: &[Bytes], numkeys_idx: usize) -> Result<MpopArgs, &'static str> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = match a.get(numkeys_idx).map(|x| args::int(x)) {
        Some(Ok(n)) if n >= 1 => n as u64,
        _ => return Err(NUMKEYS),
    };
    let first = numkeys_idx + 1;
    // The position of LEFT|RIGHT; past the arguments is a syntax error.
    let where_idx = (first as u64).saturating_add(numkeys);
    if where_idx >= a.len() as u64 {
        return Err(error::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let end = parse_end(&a[where_idx])?;
    let mut count: Option<u64> = None;
    let mut j = where_idx + 1;
    while j < a.len() {
        if count.is_none() && is(&a[j], "count") && j + 1 < a.len() {
            j += 1;
            match args::int(&a[j]) {
                Ok(c) if c >= 1 => count = Some(c as u64),
                _ => return Err("ERR count should be greater than 0"),
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: first..where_idx,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first non-empty list among the keys of `m`, replying
/// `[key, [elements...]]`; a key of another type replies WRONGTYPE. Returns
/// false, writing nothing, when no key holds a list.
pub fn mpop(ctx: &mut ExecCtx<'_>, a: &[Bytes], m: &MpopArgs, w: &mut ReplyWriter<'_>) -> bool {
    for key in a.get(m.keys.clone()).unwrap_or(&[]) {
        match pop_with_key(ctx, key, m.end, Some(m.count), w) {
            Popped::Missing => continue,
            Popped::WrongType => {
                w.error(error::WRONGTYPE);
                return true;
            }
            Popped::Done => return true,
        }
    }
    false
}
