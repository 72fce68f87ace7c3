//! SORT and SORT_RO (Redis' sort.c): sorting the elements of a list, set or
//! sorted set numerically or lexicographically, optionally by external keys
//! (`BY pattern`), returning them or values derived from them (`GET
//! pattern`), or storing the result as a list (`STORE`, SORT only).
//!
//! Patterns: the first `*` is replaced by the element; a `->field` suffix
//! after the `*` reads a hash field instead of a string; `GET #` returns the
//! element itself; a `BY` pattern without `*` (such as `nosort`) disables
//! sorting (lists and sorted sets keep their order, `DESC` reverses it).
//!
//! Pattern keys are looked up in the store the command runs against. With
//! several shards that store only holds the keys of the slots owned by the
//! sorted key's shard, so `BY`/`GET` patterns (and the `STORE` destination)
//! must hash to the sorted key's slot, as Redis Cluster requires: use a hash
//! tag, e.g. key `{u}list`, patterns `{u}weight_*` and `{u}data_*->name`.

use std::cmp::Ordering;

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{flags::*, CommandSpec, ExecCtx, Handler::Keyed, KeySpec};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::{List, Value};

/// The error for a `BY`/element value that is not a number.
pub const NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

/// The sort commands.
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sort",
        arity: -2,
        flags: WRITE | DENYOOM,
        keys: KeySpec::Custom(sort_keys),
        group: "generic",
        summary: "Sorts the elements of a list, set or sorted set, optionally storing the result.",
        handler: Keyed(sort),
    },
    CommandSpec {
        name: "sort_ro",
        arity: -2,
        flags: READONLY,
        keys: KeySpec::Range {
            first: 1,
            last: 1,
            step: 1,
        },
        group: "generic",
        summary: "Returns the sorted elements of a list, set or sorted set.",
        handler: Keyed(sort_ro),
    },
];

/// SORT's keys: the sorted key and the last `STORE` destination (options
/// are skipped the way Redis' key extraction skips them).
fn sort_keys(args: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if is(a, "limit") {
            i += 2;
        } else if is(a, "get") || is(a, "by") {
            i += 1;
        } else if is(a, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

/// Parsed options.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    by: Option<&'a [u8]>,
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

/// Parses the options after the key; the error text on failure.
fn parse_options(args: &[Bytes], read_only: bool) -> Result<Options<'_>, &'static str> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < args.len() {
        let a = &args[j];
        let left = args.len() - j - 1;
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            o.limit_start = args::int(&args[j + 1])?;
            o.limit_count = args::int(&args[j + 2])?;
            j += 2;
        } else if !read_only && is(a, "store") && left >= 1 {
            o.store = Some(&args[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            let p: &[u8] = &args[j + 1];
            o.by = Some(p);
            o.dont_sort = !error::c_str(p).contains(&b'*');
            j += 1;
        } else if is(a, "get") && left >= 1 {
            o.gets.push(&args[j + 1]);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// What a pattern resolves to for one element.
enum Lookup {
    /// Nothing (no `*`, missing key, wrong type, missing field).
    None,
    /// The element itself (`#`).
    Element,
    /// A value read from the keyspace.
    Value(Vec<u8>),
}

/// Resolves `pattern` for `element` as Redis' `lookupKeyByPattern`.
fn lookup(db: &mut Db, now: u64, pattern: &[u8], element: &[u8]) -> Lookup {
    let cpat = error::c_str(pattern);
    if cpat == b"#" {
        return Lookup::Element;
    }
    let Some(star) = cpat.iter().position(|&b| b == b'*') else {
        return Lookup::None;
    };
    // A `->field` after the `*` (and a non-empty field) reads a hash field.
    let after = &cpat[star + 1..];
    let field_at = after
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < cpat.len());
    let (key_end, field) = match field_at {
        Some(f) => (f, Some(&pattern[f + 2..])),
        None => (pattern.len(), None),
    };
    let elem = element;
    let mut key = Vec::with_capacity(key_end + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (db.get(&key, now), field) {
        (Some(v), None) => v.to_vec().map_or(Lookup::None, Lookup::Value),
        (Some(Value::Hash(h)), Some(f)) => h.get(f).map_or(Lookup::None, Lookup::Value),
        _ => Lookup::None,
    }
}

/// Parses a sort weight as C's `strtod` must accept it for SORT: the whole
/// string (up to a NUL) consumed, no overflow or underflow, not NaN. An
/// empty string is 0.
pub fn parse_weight(s: &[u8]) -> Option<f64> {
    let s = error::c_str(s);
    if s.is_empty() {
        return Some(0.0);
    }
    let t = match s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        Some(i) => &s[i..],
        None => return None,
    };
    let text = std::str::from_utf8(t).ok()?;
    let (neg, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower.starts_with("nan") {
        return None;
    }
    let v = if let Some(hex) = lower.strip_prefix("0x") {
        parse_hex(hex)?
    } else {
        if body.starts_with(['+', '-'])
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return None;
        }
        let v: f64 = body.parse().ok()?;
        let mantissa = body.split(['e', 'E']).next().unwrap_or("");
        let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
        if v.is_infinite() || (nonzero && v.abs() < f64::MIN_POSITIVE) {
            return None; // ERANGE
        }
        v
    };
    Some(if neg { -v } else { v })
}

/// A C99 hexadecimal float body (after `0x`): digits, optional fraction,
/// optional binary exponent `p[+-]N`.
fn parse_hex(s: &str) -> Option<f64> {
    let (mant, exp) = match s.split_once('p') {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    let r = v * 2f64.powi(exp);
    if r.is_infinite() || (v != 0.0 && r.abs() < f64::MIN_POSITIVE) {
        return None;
    }
    Some(r)
}

/// One element to sort with its sort key.
struct Item {
    elem: Vec<u8>,
    score: f64,
    by: Option<Vec<u8>>,
}

fn sort(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    run(ctx, args, w, false);
}

fn sort_ro(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>) {
    run(ctx, args, w, true);
}

/// Native order of the sorted value's elements, and whether it is a set.
fn collect(v: Option<&Value>) -> Result<(Vec<Vec<u8>>, bool), &'static str> {
    let mut out = Vec::new();
    match v {
        None => Ok((out, false)),
        Some(Value::List(l)) => {
            out.reserve(l.len());
            l.for_each(|e| out.push(e.to_vec()));
            Ok((out, false))
        }
        Some(Value::Set(s)) => {
            out.reserve(s.len());
            s.for_each(|e| out.push(e.to_vec()));
            Ok((out, true))
        }
        Some(Value::ZSet(z)) => {
            out.reserve(z.len());
            z.for_each(|m, _| out.push(m.to_vec()));
            Ok((out, false))
        }
        Some(_) => Err(error::WRONGTYPE),
    }
}

fn run(ctx: &mut ExecCtx<'_>, args: &[Bytes], w: &mut ReplyWriter<'_>, read_only: bool) {
    let mut o = match parse_options(args, read_only) {
        Ok(o) => o,
        Err(e) => {
            w.error(e);
            return;
        }
    };
    let now = ctx.now;
    let db = ctx.db();
    let (elements, is_set) = match collect(db.get(&args[1], now)) {
        Ok(r) => r,
        Err(e) => {
            w.error(e);
            return;
        }
    };
    // An unsorted set would give an order that depends on the encoding:
    // when storing, sort it alphabetically instead, as Redis does.
    if o.dont_sort && is_set && o.store.is_some() {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }

    let len = elements.len() as i64;
    let mut start = o.limit_start.max(0);
    let mut end = if o.limit_count < 0 {
        len - 1
    } else {
        start.saturating_add(o.limit_count) - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    let mut items: Vec<Item> = elements
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            by: None,
        })
        .collect();

    if o.dont_sort {
        if o.desc && !is_set {
            items.reverse();
        }
    } else {
        let mut bad_score = false;
        for it in &mut items {
            let by = match o.by {
                Some(p) => match lookup(db, now, p, &it.elem) {
                    Lookup::None => continue,
                    Lookup::Element => None,
                    Lookup::Value(v) => Some(v),
                },
                None => None,
            };
            if o.alpha {
                if o.by.is_some() {
                    it.by = Some(by.unwrap_or_else(|| it.elem.clone()));
                }
            } else {
                match parse_weight(by.as_deref().unwrap_or(&it.elem)) {
                    Some(s) => it.score = s,
                    None => bad_score = true,
                }
            }
        }
        if bad_score {
            w.error(NOT_DOUBLE);
            return;
        }
        let (alpha, by_pattern, desc) = (o.alpha, o.by.is_some(), o.desc);
        items.sort_by(|a, b| {
            let c = compare(a, b, alpha, by_pattern);
            if desc {
                c.reverse()
            } else {
                c
            }
        });
    }

    let range: &[Item] = if end >= start && start >= 0 {
        items.get(start as usize..=end as usize).unwrap_or(&[])
    } else {
        &[]
    };
    let per_item = o.gets.len().max(1);
    let output_len = range.len() * per_item;

    let Some(dest) = o.store else {
        w.array(output_len);
        for it in range {
            if o.gets.is_empty() {
                w.bulk(&it.elem);
            }
            for p in &o.gets {
                match lookup(db, now, p, &it.elem) {
                    Lookup::None => w.null(),
                    Lookup::Element => w.bulk(&it.elem),
                    Lookup::Value(v) => w.bulk(&v),
                }
            }
        }
        return;
    };

    let mut list = List::new();
    for it in range {
        if o.gets.is_empty() {
            list.push_back(&it.elem);
        }
        for p in &o.gets {
            match lookup(db, now, p, &it.elem) {
                Lookup::None => list.push_back(b""),
                Lookup::Element => list.push_back(&it.elem),
                Lookup::Value(v) => list.push_back(&v),
            }
        }
    }
    if output_len > 0 {
        db.set(dest, Value::List(Box::new(list)), false);
        ctx.dirty += output_len as u64;
        ctx.notify(class::LIST, "sortstore", dest);
    } else if db.remove(dest, now).is_some() {
        ctx.dirty += 1;
        ctx.notify(class::GENERIC, "del", dest);
    }
    w.int(output_len as i64);
}

/// Redis' `sortCompare` (before `DESC` is applied).
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool) -> Ordering {
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .filter(|o| o.is_ne())
            .unwrap_or_else(|| a.elem.cmp(&b.elem));
    }
    if by_pattern {
        return match (&a.by, &b.by) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
        };
    }
    a.elem.cmp(&b.elem)
}

#[cfg(test)]
mod tests;
