//! Commands of the sorted set family.
//!
//! - [`range`]: score and lex range arguments;
//! - [`basic`]: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK...;
//! - [`query`]: the ZRANGE family, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*;
//! - [`setops`]: ZUNION, ZINTER, ZDIFF (and STORE forms), ZINTERCARD;
//! - [`pop`]: ZPOPMIN/MAX, ZMPOP and the blocking forms;
//! - [`random`]: ZRANDMEMBER and ZSCAN.

pub mod basic;
pub mod pop;
pub mod query;
pub mod random;
pub mod range;
pub mod setops;

use bytes::Bytes;

use super::spec::flags::*;
use super::spec::{cmd, CommandSpec, Handler, KeySpec};
use crate::error;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::{Value, ZSet};

/// The sorted set `key`: `Ok(None)` when missing, `Err` (WRONGTYPE) when of
/// another type.
pub(crate) fn read<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a ZSet>, ()> {
    match db.get(key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// The sorted set `key` for modification (as [`read`]).
pub(crate) fn write<'a>(db: &'a mut Db, key: &[u8], now: u64) -> Result<Option<&'a mut ZSet>, ()> {
    match db.get_mut(key, now) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(()),
    }
}

/// Deletes `key` when its sorted set became empty.
pub(crate) fn drop_if_empty(db: &mut Db, key: &[u8], now: u64) {
    if matches!(db.get(key, now), Some(Value::ZSet(z)) if z.is_empty()) {
        db.remove(key, now);
    }
}

/// Writes a score as a double reply (`%.17g` text: a bulk string in RESP2,
/// `,` in RESP3). Integral scores, the common case, are formatted without
/// allocating.
pub(crate) fn reply_score(w: &mut ReplyWriter<'_>, s: f64) {
    if s != 0.0 && s.fract() == 0.0 && s.abs() < 1e15 {
        let mut tmp = [0u8; 20];
        let text = crate::types::format_i64(s as i64, &mut tmp);
        if w.resp3() {
            w.raw(b",");
            w.raw(text);
            w.raw(b"\r\n");
        } else {
            w.bulk(text);
        }
    } else {
        w.double(s);
    }
}

/// Writes one (member, score) pair: nested `[member, score]` when `nested`
/// (RESP3 pairs), else the two flat.
pub(crate) fn reply_pair(w: &mut ReplyWriter<'_>, m: &[u8], s: f64, nested: bool) {
    if nested {
        w.array(2);
    }
    w.bulk(m);
    reply_score(w, s);
}

/// The array header for `n` results, with scores or not, as Redis sizes
/// it for the protocol (RESP3 nests pairs).
pub(crate) fn reply_len(w: &mut ReplyWriter<'_>, n: usize, withscores: bool) {
    if withscores && !w.resp3() {
        w.array(n * 2);
    } else {
        w.array(n);
    }
}

/// Writes a WRONGTYPE error.
pub(crate) fn wrongtype(w: &mut ReplyWriter<'_>) {
    w.error(error::WRONGTYPE)
}

/// Keys of `numkeys`-style commands: the count at `at`, the keys after it,
/// plus the keys in `extra` (a destination).
fn numkeys_at(args: &[Bytes], at: usize, extra: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = extra.iter().copied().filter(|&i| i < args.len()).collect();
    if let Some(n) = args.get(at).and_then(|a| super::args::int(a).ok()) {
        if n > 0 {
            let last = (at as u64 + n as u64).min(args.len() as u64 - 1) as usize;
            out.extend(at + 1..=last);
        }
    }
    out
}

fn keys_store(a: &[Bytes]) -> Vec<usize> {
    numkeys_at(a, 2, &[1])
}
fn keys_numkeys1(a: &[Bytes]) -> Vec<usize> {
    numkeys_at(a, 1, &[])
}
fn keys_numkeys2(a: &[Bytes]) -> Vec<usize> {
    numkeys_at(a, 2, &[])
}

const fn custom(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: fn(&[Bytes]) -> Vec<usize>,
    summary: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys: KeySpec::Custom(keys),
        group: "sorted-set",
        summary,
        handler,
    }
}

const G: &str = "sorted-set";
use Handler::{Async, Keyed};

/// The sorted set commands.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "zadd",
        -4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Adds members with scores, or updates their scores.",
        Keyed(basic::zadd),
    ),
    cmd(
        "zincrby",
        4,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        G,
        "Adds an increment to a member's score.",
        Keyed(basic::zincrby),
    ),
    cmd(
        "zrem",
        -3,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes members.",
        Keyed(basic::zrem),
    ),
    cmd(
        "zscore",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "The score of a member.",
        Keyed(basic::zscore),
    ),
    cmd(
        "zmscore",
        -3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "The scores of several members.",
        Keyed(basic::zmscore),
    ),
    cmd(
        "zcard",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "The number of members.",
        Keyed(basic::zcard),
    ),
    cmd(
        "zrank",
        -3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "The rank of a member, lowest score first.",
        Keyed(basic::zrank),
    ),
    cmd(
        "zrevrank",
        -3,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "The rank of a member, highest score first.",
        Keyed(basic::zrevrank),
    ),
    cmd(
        "zcount",
        4,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Counts the members within a score range.",
        Keyed(query::zcount),
    ),
    cmd(
        "zlexcount",
        4,
        READONLY | FAST,
        1,
        1,
        1,
        G,
        "Counts the members within a lexicographic range.",
        Keyed(query::zlexcount),
    ),
    cmd(
        "zrange",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members in a range of ranks, scores or strings.",
        Keyed(query::zrange),
    ),
    cmd(
        "zrangestore",
        -5,
        WRITE | DENYOOM,
        1,
        2,
        1,
        G,
        "Stores a range of members in another key.",
        Keyed(query::zrangestore),
    ),
    cmd(
        "zrevrange",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members in a range of ranks, highest first.",
        Keyed(query::zrevrange),
    ),
    cmd(
        "zrangebyscore",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members within a score range.",
        Keyed(query::zrangebyscore),
    ),
    cmd(
        "zrevrangebyscore",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members within a score range, highest first.",
        Keyed(query::zrevrangebyscore),
    ),
    cmd(
        "zrangebylex",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members within a lexicographic range.",
        Keyed(query::zrangebylex),
    ),
    cmd(
        "zrevrangebylex",
        -4,
        READONLY,
        1,
        1,
        1,
        G,
        "Members within a lexicographic range, in reverse.",
        Keyed(query::zrevrangebylex),
    ),
    cmd(
        "zremrangebyrank",
        4,
        WRITE,
        1,
        1,
        1,
        G,
        "Removes the members in a range of ranks.",
        Keyed(query::zremrangebyrank),
    ),
    cmd(
        "zremrangebyscore",
        4,
        WRITE,
        1,
        1,
        1,
        G,
        "Removes the members within a score range.",
        Keyed(query::zremrangebyscore),
    ),
    cmd(
        "zremrangebylex",
        4,
        WRITE,
        1,
        1,
        1,
        G,
        "Removes the members within a lexicographic range.",
        Keyed(query::zremrangebylex),
    ),
    cmd(
        "zpopmin",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes and returns the lowest-scored members.",
        Keyed(pop::zpopmin),
    ),
    cmd(
        "zpopmax",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        G,
        "Removes and returns the highest-scored members.",
        Keyed(pop::zpopmax),
    ),
    custom(
        "zmpop",
        -4,
        WRITE,
        keys_numkeys1,
        "Pops members from the first non-empty of several sorted sets.",
        Keyed(pop::zmpop),
    ),
    cmd(
        "bzpopmin",
        -3,
        WRITE | FAST | BLOCKING,
        1,
        -2,
        1,
        G,
        "Pops the lowest-scored member, waiting for one if need be.",
        Async(pop::bzpopmin),
    ),
    cmd(
        "bzpopmax",
        -3,
        WRITE | FAST | BLOCKING,
        1,
        -2,
        1,
        G,
        "Pops the highest-scored member, waiting for one if need be.",
        Async(pop::bzpopmax),
    ),
    custom(
        "bzmpop",
        -5,
        WRITE | BLOCKING,
        keys_numkeys2,
        "ZMPOP, waiting for a member if need be.",
        Async(pop::bzmpop),
    ),
    custom(
        "zunion",
        -3,
        READONLY,
        keys_numkeys1,
        "The union of sorted sets.",
        Keyed(setops::zunion),
    ),
    custom(
        "zinter",
        -3,
        READONLY,
        keys_numkeys1,
        "The intersection of sorted sets.",
        Keyed(setops::zinter),
    ),
    custom(
        "zdiff",
        -3,
        READONLY,
        keys_numkeys1,
        "The members of the first sorted set missing from the others.",
        Keyed(setops::zdiff),
    ),
    custom(
        "zunionstore",
        -4,
        WRITE | DENYOOM,
        keys_store,
        "Stores the union of sorted sets.",
        Keyed(setops::zunionstore),
    ),
    custom(
        "zinterstore",
        -4,
        WRITE | DENYOOM,
        keys_store,
        "Stores the intersection of sorted sets.",
        Keyed(setops::zinterstore),
    ),
    custom(
        "zdiffstore",
        -4,
        WRITE | DENYOOM,
        keys_store,
        "Stores the difference of sorted sets.",
        Keyed(setops::zdiffstore),
    ),
    custom(
        "zintercard",
        -3,
        READONLY,
        keys_numkeys1,
        "The size of the intersection of sorted sets.",
        Keyed(setops::zintercard),
    ),
    cmd(
        "zrandmember",
        -2,
        READONLY | RANDOM,
        1,
        1,
        1,
        G,
        "Random members.",
        Keyed(random::zrandmember),
    ),
    cmd(
        "zscan",
        -3,
        READONLY | RANDOM,
        1,
        1,
        1,
        G,
        "Iterates over members and scores.",
        Keyed(random::zscan),
    ),
];

#[cfg(test)]
mod tests;
