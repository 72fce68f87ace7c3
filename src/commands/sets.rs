//! Commands of the sets family.
//!
//! Multi-key commands (SINTER, SUNIONSTORE, SMOVE...) read every key from
//! `ctx.db()`: when the keys live on several shards the router has already
//! gathered them into one store.

use std::cell::Cell;

use bytes::Bytes;

use super::args;
use super::hashes::RANGE_ERR;
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed, KeySpec};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::{now_ms, Db};
use crate::shard::slots::key_slot;
use crate::types::{Set, Value};

const G: &str = "set";

/// SINTERCARD's keys: `numkeys` keys after the count.
fn sintercard_keys(a: &[Bytes]) -> Vec<usize> {
    let n = a.get(1).and_then(|n| args::int(n).ok()).unwrap_or(0);
    let n = usize::try_from(n)
        .unwrap_or(0)
        .min(a.len().saturating_sub(2));
    (2..2 + n).collect()
}

/// The sets commands.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "sadd",
        -3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Adds members to a set",
        Keyed(sadd),
    ),
    cmd(
        "srem",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes members from a set",
        Keyed(srem),
    ),
    cmd(
        "smembers",
        2,
        READONLY,
        1,
        1,
        1,
        G,
        "Every member of a set",
        Keyed(smembers),
    ),
    cmd(
        "sismember",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Whether a value is a member",
        Keyed(sismember),
    ),
    cmd(
        "smismember",
        -3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Whether each value is a member",
        Keyed(smismember),
    ),
    cmd(
        "scard",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Number of members",
        Keyed(scard),
    ),
    cmd(
        "spop",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes and returns random members",
        Keyed(spop),
    ),
    cmd(
        "srandmember",
        -2,
        READONLY,
        1,
        1,
        1,
        G,
        "Random members, distinct or with repeats",
        Keyed(srandmember),
    ),
    cmd(
        "smove",
        4,
        WRITE | FAST,
        1,
        2,
        1,
        G,
        "Moves a member from one set to another",
        Keyed(smove),
    ),
    cmd(
        "sinter",
        -2,
        READONLY,
        1,
        -1,
        1,
        G,
        "Intersection of sets",
        Keyed(sinter),
    ),
    CommandSpec {
        name: "sintercard",
        arity: -3,
        flags: READONLY,
        keys: KeySpec::Custom(sintercard_keys),
        group: G,
        summary: "Size of the intersection of sets, optionally capped",
        handler: Keyed(sintercard),
    },
    cmd(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        1,
        -1,
        1,
        G,
        "Stores the intersection of sets",
        Keyed(sinterstore),
    ),
    cmd(
        "sunion",
        -2,
        READONLY,
        1,
        -1,
        1,
        G,
        "Union of sets",
        Keyed(sunion),
    ),
    cmd(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        1,
        -1,
        1,
        G,
        "Stores the union of sets",
        Keyed(sunionstore),
    ),
    cmd(
        "sdiff",
        -2,
        READONLY,
        1,
        -1,
        1,
        G,
        "Members of the first set not in the others",
        Keyed(sdiff),
    ),
    cmd(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        1,
        -1,
        1,
        G,
        "Stores the difference of sets",
        Keyed(sdiffstore),
    ),
    cmd(
        "sscan",
        -3,
        READONLY | RANDOM,
        1,
        1,
        1,
        G,
        "Iterates members with a cursor",
        Keyed(sscan),
    ),
];

/// A per-thread xorshift64* generator (not cryptographic).
pub(crate) fn rand_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            let stack = &x as *const u64 as u64;
            x = (now_ms() ^ stack.rotate_left(29) ^ 0x6A09_E667_F3BC_C909) | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A random number in `0..n` (0 when `n` is 0).
pub(crate) fn rand_below(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (rand_u64() % n as u64) as usize
    }
}

/// `count` distinct positions out of `0..n` (`count < n`), uniformly, by
/// Floyd's algorithm: O(count) time and memory.
pub(crate) fn sample_distinct(n: usize, count: usize) -> Vec<usize> {
    let count = count.min(n);
    let mut chosen = hashbrown::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    for j in n - count..n {
        let t = rand_below(j + 1);
        let pick = if chosen.insert(t) {
            t
        } else {
            chosen.insert(j);
            j
        };
        out.push(pick);
    }
    out
}

/// Parses a scan cursor as Redis' `strtoul`: optional sign, digits, the
/// whole argument; a negative value wraps around.
pub(crate) fn scan_cursor(arg: &[u8]) -> Result<u64, &'static str> {
    const INVALID: &str = "ERR invalid cursor";
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        None => return Ok(0),
        _ => (false, arg),
    };
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
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// Parses HSCAN/SSCAN options after the cursor: COUNT n and MATCH p.
pub(crate) fn scan_options(a: &[Bytes]) -> Result<(usize, Option<Bytes>), &'static str> {
    let mut count = 10usize;
    let mut pattern = None;
    let mut i = 3;
    while i < a.len() {
        if i + 1 >= a.len() {
            return Err(error::SYNTAX);
        }
        if args::is(&a[i], "count") {
            let n = args::int(&a[i + 1])?;
            if n < 1 {
                return Err(error::SYNTAX);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(&a[i], "match") {
            let p = &a[i + 1];
            pattern = if &p[..] == b"*" {
                None
            } else {
                Some(p.clone())
            };
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    Ok((count, pattern))
}

/// The set at `key`: `Ok(None)` when absent, an error for another type.
fn read<'a>(ctx: &'a mut ExecCtx<'_>, key: &[u8]) -> Result<Option<&'a Set>, &'static str> {
    let now = ctx.now;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The value of `key` without expiring or counting (after a first pass
/// through [`Db::get`] has expired what was due).
fn peek<'a>(db: &'a Db, key: &[u8]) -> Option<&'a Set> {
    match db.slot_table(key_slot(key) as usize)?.keys.get(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

fn sadd(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    match db.get(&a[1], now) {
        None => db.insert(
            &a[1],
            Value::Set(Box::new(Set::with_hint(&a[2], a.len() - 2))),
            None,
        ),
        Some(Value::Set(_)) => {}
        Some(_) => return w.error(error::WRONGTYPE),
    }
    let Some(Value::Set(s)) = db.get_mut(&a[1], now) else {
        return w.error(error::WRONGTYPE);
    };
    let added = a[2..].iter().filter(|m| s.add(m)).count();
    ctx.dirty += added as u64;
    if added > 0 {
        ctx.notify(class::SET, "sadd", &a[1]);
    }
    w.int(added as i64);
}

fn srem(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let (n, empty) = match db.get_mut(&a[1], now) {
        None => return w.int(0),
        Some(Value::Set(s)) => {
            let mut n = 0;
            for m in &a[2..] {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            (n, s.is_empty())
        }
        Some(_) => return w.error(error::WRONGTYPE),
    };
    if empty {
        db.remove(&a[1], now);
    }
    ctx.dirty += n;
    if n > 0 {
        ctx.notify(class::SET, "srem", &a[1]);
        if empty {
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    }
    w.int(n as i64);
}

/// Replies with every member of `s` as a set.
fn reply_members(w: &mut ReplyWriter<'_>, s: &Set) {
    w.set(s.len());
    s.for_each(|m| w.bulk(m));
}

fn smembers(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(None) => w.set(0),
        Ok(Some(s)) => reply_members(w, s),
    }
}

fn sismember(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(s) => w.int(s.is_some_and(|s| s.contains(&a[2])) as i64),
    }
}

fn smismember(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(s) => {
            w.array(a.len() - 2);
            for m in &a[2..] {
                w.int(s.is_some_and(|s| s.contains(m)) as i64);
            }
        }
    }
}

fn scard(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match read(ctx, &a[1]) {
        Err(e) => w.error(e),
        Ok(s) => w.int(s.map_or(0, |s| s.len()) as i64),
    }
}

/// SPOP with a count keeps the rest in a new set once the count is at
/// least this many times the number of members left (as Redis does).
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

fn spop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len() > 3 {
        return w.error(error::SYNTAX);
    }
    let count = match a.get(2) {
        None => None,
        // Redis 7.0 reads the count as a range-checked long: anything but
        // an integer >= 0 gets the same error.
        Some(c) => match args::int(c).map(u64::try_from) {
            Ok(Ok(n)) => Some(n),
            _ => return w.error("ERR value is out of range, must be positive"),
        },
    };
    let now = ctx.now;
    let journaling = ctx.journaling();
    let db = ctx.db();
    let s = match db.get_mut(&a[1], now) {
        None => return if count.is_some() { w.set(0) } else { w.null() },
        Some(Value::Set(s)) => s,
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let size = s.len();
    // The members popped, for the journal: a random pick replays as the
    // SREM of what was picked (Redis 7 propagates it so).
    let mut popped: Vec<Bytes> = Vec::new();
    let dirty = match count {
        None => {
            if let Some(m) = s.remove_at(rand_below(size)) {
                w.bulk(&m);
                if journaling {
                    popped.push(Bytes::copy_from_slice(&m));
                }
            }
            1
        }
        Some(0) => return w.set(0),
        Some(c) if c >= size as u64 => {
            reply_members(w, s);
            db.remove(&a[1], now);
            // Redis counts the requested count; the members really removed
            // are what matters (and a huge count must not overflow).
            ctx.dirty += size as u64 + 1;
            ctx.notify(class::SET, "spop", &a[1]);
            ctx.notify(class::GENERIC, "del", &a[1]);
            if journaling {
                ctx.propagate_as(vec![Bytes::from_static(b"DEL"), a[1].clone()]);
            }
            return;
        }
        Some(c) => {
            let c = c as usize;
            let remaining = size - c;
            w.set(c);
            if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > c {
                for _ in 0..c {
                    if let Some(m) = s.remove_at(rand_below(s.len())) {
                        w.bulk(&m);
                        if journaling {
                            popped.push(Bytes::copy_from_slice(&m));
                        }
                    }
                }
            } else {
                // Few members stay: they go into a new set, built member by
                // member (so an all-integer rest becomes an intset again),
                // and the old set's members are the reply.
                let kept: Vec<Vec<u8>> = sample_distinct(size, remaining)
                    .into_iter()
                    .filter_map(|i| s.with_member_at(i, |m| m.to_vec()))
                    .collect();
                for m in &kept {
                    s.remove(m);
                }
                s.for_each(|m| {
                    w.bulk(m);
                    if journaling {
                        popped.push(Bytes::copy_from_slice(m));
                    }
                });
                **s = Set::from_members(kept.iter().map(|m| &m[..]));
            }
            c as u64 + 1
        }
    };
    let emptied = s.is_empty();
    if emptied {
        db.remove(&a[1], now);
    }
    ctx.dirty += dirty;
    ctx.notify(class::SET, "spop", &a[1]);
    if emptied {
        ctx.notify(class::GENERIC, "del", &a[1]);
    }
    if journaling {
        ctx.propagate_nothing();
        for chunk in popped.chunks(1024) {
            let mut cmd = Vec::with_capacity(chunk.len() + 2);
            cmd.push(Bytes::from_static(b"SREM"));
            cmd.push(a[1].clone());
            cmd.extend(chunk.iter().cloned());
            ctx.propagate_as(cmd);
        }
    }
}

fn srandmember(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len() == 2 {
        return match read(ctx, &a[1]) {
            Err(e) => w.error(e),
            Ok(None) => w.null(),
            Ok(Some(s)) => {
                if s.with_member_at(rand_below(s.len()), |m| w.bulk(m))
                    .is_none()
                {
                    w.null();
                }
            }
        };
    }
    if a.len() > 3 {
        return w.error(error::SYNTAX);
    }
    let l = match args::int(&a[2]) {
        Ok(l) => l,
        Err(e) => return w.error(e),
    };
    if l == i64::MIN {
        return w.error(RANGE_ERR);
    }
    let s = match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(None) => return w.array(0),
        Ok(Some(s)) => s,
    };
    let size = s.len();
    if l < 0 {
        let count = l.unsigned_abs();
        if count > args::MAX_RANDOM_REPEATS {
            return w.error(args::RANDOM_REPEATS_ERR);
        }
        w.array(usize::try_from(count).unwrap_or(usize::MAX));
        let packed: Vec<Vec<u8>> = if s.encoding() == "listpack" {
            let mut v = Vec::with_capacity(size);
            s.for_each(|m| v.push(m.to_vec()));
            v
        } else {
            Vec::new()
        };
        for _ in 0..count {
            let i = rand_below(size);
            match packed.get(i) {
                Some(m) => w.bulk(m),
                None => {
                    s.with_member_at(i, |m| w.bulk(m));
                }
            }
        }
        return;
    }
    let count = l as u64;
    if count == 0 {
        return w.array(0);
    }
    if count >= size as u64 {
        // An array even in RESP3 (Redis 7.0 replies a set only for SPOP).
        w.array(size);
        return s.for_each(|m| w.bulk(m));
    }
    let mut picks = sample_distinct(size, count as usize);
    if s.encoding() == "listpack" {
        picks.sort_unstable();
    }
    w.array(picks.len());
    for i in picks {
        s.with_member_at(i, |m| w.bulk(m));
    }
}

fn smove(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let src_exists = match db.get(&a[1], now) {
        None => false,
        Some(Value::Set(_)) => true,
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let dst_exists = match db.get(&a[2], now) {
        None => false,
        Some(Value::Set(_)) => true,
        Some(_) if src_exists => return w.error(error::WRONGTYPE),
        Some(_) => false,
    };
    if !src_exists {
        return w.int(0);
    }
    if a[1] == a[2] {
        return w.int(peek(db, &a[1]).is_some_and(|s| s.contains(&a[3])) as i64);
    }
    let Some(Value::Set(src)) = db.get_mut(&a[1], now) else {
        return w.int(0);
    };
    if !src.remove(&a[3]) {
        return w.int(0);
    }
    let emptied = src.is_empty();
    if emptied {
        db.remove(&a[1], now);
    }
    ctx.notify(class::SET, "srem", &a[1]);
    if emptied {
        ctx.notify(class::GENERIC, "del", &a[1]);
    }
    if !dst_exists {
        ctx.db()
            .insert(&a[2], Value::Set(Box::new(Set::with_hint(&a[3], 1))), None);
    }
    ctx.dirty += 1;
    if let Some(Value::Set(dst)) = ctx.db().get_mut(&a[2], now) {
        if dst.add(&a[3]) {
            ctx.dirty += 1;
            ctx.notify(class::SET, "sadd", &a[2]);
        }
    }
    w.int(1);
}

/// Expires and type-checks every key of `keys`; returns whether all exist.
fn check_sets(db: &mut Db, keys: &[Bytes], now: u64) -> Result<bool, &'static str> {
    let mut all = true;
    for k in keys {
        match db.get(k, now) {
            None => all = false,
            Some(Value::Set(_)) => {}
            Some(_) => return Err(error::WRONGTYPE),
        }
    }
    Ok(all)
}

/// The intersection of the sets at `keys` (all present), up to `limit`
/// members (0: no limit), passed to `f`.
fn intersect(db: &Db, keys: &[Bytes], limit: usize, mut f: impl FnMut(&[u8])) {
    let mut sets: Vec<&Set> = keys.iter().filter_map(|k| peek(db, k)).collect();
    if sets.len() != keys.len() {
        return;
    }
    sets.sort_by_key(|s| s.len());
    let Some((first, rest)) = sets.split_first() else {
        return;
    };
    let mut n = 0;
    first.for_each(|m| {
        if (limit == 0 || n < limit) && rest.iter().all(|s| s.contains(m)) {
            n += 1;
            f(m);
        }
    });
}

/// Set operations of SUNION/SDIFF and their STORE forms.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The result of `op` over the sets at `keys` (missing keys are empty).
fn compute(db: &mut Db, keys: &[Bytes], op: Op, now: u64) -> Result<Set, &'static str> {
    let all = check_sets(db, keys, now)?;
    let mut out = Set::new();
    match op {
        Op::Inter => {
            if all {
                intersect(db, keys, 0, |m| {
                    out.add(m);
                });
            }
        }
        Op::Union => {
            for k in keys {
                if let Some(s) = peek(db, k) {
                    s.for_each(|m| {
                        out.add(m);
                    });
                }
            }
        }
        Op::Diff => {
            if let Some(first) = keys.first().and_then(|k| peek(db, k)) {
                let others: Vec<&Set> = keys[1..].iter().filter_map(|k| peek(db, k)).collect();
                first.for_each(|m| {
                    if !others.iter().any(|s| s.contains(m)) {
                        out.add(m);
                    }
                });
            }
        }
    }
    Ok(out)
}

fn set_op(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, op: Op) {
    let now = ctx.now;
    let db = ctx.db();
    if op == Op::Inter {
        // Stream the intersection without building a set.
        match check_sets(db, &a[1..], now) {
            Err(e) => return w.error(e),
            Ok(false) => return w.set(0),
            Ok(true) => {}
        }
        let mut found: Vec<&[u8]> = Vec::new();
        let mut owned: Vec<Vec<u8>> = Vec::new();
        intersect(db, &a[1..], 0, |m| owned.push(m.to_vec()));
        found.extend(owned.iter().map(|m| &m[..]));
        w.set(found.len());
        for m in found {
            w.bulk(m);
        }
        return;
    }
    match compute(db, &a[1..], op, now) {
        Err(e) => w.error(e),
        Ok(s) => reply_members(w, &s),
    }
}

fn store_op(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, op: Op) {
    let now = ctx.now;
    let db = ctx.db();
    let s = match compute(db, &a[2..], op, now) {
        Err(e) => return w.error(e),
        Ok(s) => s,
    };
    let n = s.len();
    if n == 0 {
        if db.remove(&a[1], now).is_some() {
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "del", &a[1]);
        }
    } else {
        db.set(&a[1], Value::Set(Box::new(s)), false);
        ctx.dirty += 1;
        let event = match op {
            Op::Inter => "sinterstore",
            Op::Union => "sunionstore",
            Op::Diff => "sdiffstore",
        };
        ctx.notify(class::SET, event, &a[1]);
    }
    w.int(n as i64);
}

fn sinter(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    set_op(ctx, a, w, Op::Inter)
}

fn sunion(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    set_op(ctx, a, w, Op::Union)
}

fn sdiff(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    set_op(ctx, a, w, Op::Diff)
}

fn sinterstore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    store_op(ctx, a, w, Op::Inter)
}

fn sunionstore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    store_op(ctx, a, w, Op::Union)
}

fn sdiffstore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    store_op(ctx, a, w, Op::Diff)
}

fn sintercard(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let numkeys = match args::int(&a[1]) {
        Ok(n) if n > 0 => n as u64,
        _ => return w.error("ERR numkeys should be greater than 0"),
    };
    if numkeys > (a.len() - 2) as u64 {
        return w.error("ERR Number of keys can't be greater than number of args");
    }
    let nk = numkeys as usize;
    let mut limit = 0usize;
    let mut i = 2 + nk;
    while i < a.len() {
        if args::is(&a[i], "limit") && i + 1 < a.len() {
            match args::int(&a[i + 1]) {
                Ok(l) if l >= 0 => limit = usize::try_from(l).unwrap_or(usize::MAX),
                _ => return w.error("ERR LIMIT can't be negative"),
            }
            i += 2;
        } else {
            return w.error(error::SYNTAX);
        }
    }
    let now = ctx.now;
    let db = ctx.db();
    let keys = &a[2..2 + nk];
    match check_sets(db, keys, now) {
        Err(e) => return w.error(e),
        Ok(false) => return w.int(0),
        Ok(true) => {}
    }
    let mut n = 0i64;
    intersect(db, keys, limit, |_| n += 1);
    w.int(n);
}

fn sscan(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let cursor = match scan_cursor(&a[2]) {
        Ok(c) => c,
        Err(e) => return w.error(e),
    };
    let s = match read(ctx, &a[1]) {
        Err(e) => return w.error(e),
        Ok(None) => {
            w.array(2);
            w.bulk(b"0");
            return w.array(0);
        }
        Ok(Some(s)) => s,
    };
    let (count, pattern) = match scan_options(a) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = s.scan(cursor, count, |m| {
        if pattern
            .as_ref()
            .is_none_or(|p| args::glob_match(p, m, false))
        {
            found.push(m.to_vec());
        }
    });
    w.array(2);
    w.bulk(next.to_string().as_bytes());
    w.array(found.len());
    for m in found {
        w.bulk(&m);
    }
}

#[cfg(test)]
mod tests;
