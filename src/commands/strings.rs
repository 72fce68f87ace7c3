//! String commands (Redis' t_string.c).

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::types::ldouble::LongDouble;
use crate::types::{CompactBytes, Value};

/// The string family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "get",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "string",
        "Returns the string value of a key.",
        Keyed(get),
    ),
    cmd(
        "set",
        -3,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "string",
        "Sets the string value of a key, ignoring its type.",
        Keyed(set),
    ),
    cmd(
        "setnx",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Set the string value of a key only when the key doesn't exist.",
        Keyed(setnx),
    ),
    cmd(
        "setex",
        4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "string",
        "Sets the string value and expiration time of a key.",
        Keyed(setex),
    ),
    cmd(
        "psetex",
        4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "string",
        "Sets the string value and expiration time in milliseconds of a key.",
        Keyed(psetex),
    ),
    cmd(
        "getset",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Returns the previous string value of a key after setting it to a new value.",
        Keyed(getset),
    ),
    cmd(
        "getdel",
        2,
        WRITE | FAST,
        1,
        1,
        1,
        "string",
        "Returns the string value of a key after deleting the key.",
        Keyed(getdel),
    ),
    cmd(
        "getex",
        -2,
        WRITE | FAST,
        1,
        1,
        1,
        "string",
        "Returns the string value of a key after setting its expiration time.",
        Keyed(getex),
    ),
    cmd(
        "mget",
        -2,
        READONLY | FAST,
        1,
        -1,
        1,
        "string",
        "Atomically returns the string values of one or more keys.",
        Keyed(mget),
    ),
    cmd(
        "mset",
        -3,
        WRITE | DENYOOM,
        1,
        -1,
        2,
        "string",
        "Atomically creates or modifies the string values of one or more keys.",
        Keyed(mset),
    ),
    cmd(
        "msetnx",
        -3,
        WRITE | DENYOOM,
        1,
        -1,
        2,
        "string",
        "Atomically modifies the string values of one or more keys only when all keys don't exist.",
        Keyed(msetnx),
    ),
    cmd(
        "append",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Appends a string to the value of a key. Creates the key if it doesn't exist.",
        Keyed(append),
    ),
    cmd(
        "strlen",
        2,
        READONLY | FAST,
        1,
        1,
        1,
        "string",
        "Returns the length of a string value.",
        Keyed(strlen),
    ),
    cmd(
        "incr",
        2,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Increments the integer value of a key by one.",
        Keyed(incr),
    ),
    cmd(
        "decr",
        2,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Decrements the integer value of a key by one.",
        Keyed(decr),
    ),
    cmd(
        "incrby",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Increments the integer value of a key by a number.",
        Keyed(incrby),
    ),
    cmd(
        "decrby",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Decrements a number from the integer value of a key.",
        Keyed(decrby),
    ),
    cmd(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        1,
        1,
        1,
        "string",
        "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.",
        Keyed(incrbyfloat),
    ),
    cmd(
        "getrange",
        4,
        READONLY,
        1,
        1,
        1,
        "string",
        "Returns a substring of the string stored at a key.",
        Keyed(getrange),
    ),
    cmd(
        "substr",
        4,
        READONLY,
        1,
        1,
        1,
        "string",
        "Returns a substring from a string value.",
        Keyed(getrange),
    ),
    cmd(
        "setrange",
        4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "string",
        "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.",
        Keyed(setrange),
    ),
    cmd(
        "lcs",
        -3,
        READONLY,
        1,
        2,
        1,
        "string",
        "Finds the longest common substring.",
        Keyed(lcs),
    ),
];

/// Redis' default `proto-max-bulk-len`: no string may grow beyond it.
pub(crate) const MAX_STRING_LEN: u64 = 512 * 1024 * 1024;

/// The string value `v` as a growable buffer, converting it to `Raw` (as
/// Redis' `dbUnshareStringValue`): `None` if it is not a string.
pub(crate) fn raw_mut(v: &mut Value) -> Option<&mut Vec<u8>> {
    if !v.is_string() {
        return None;
    }
    if !matches!(v, Value::Raw(_)) {
        *v = Value::raw(v.to_vec().unwrap_or_default());
    }
    match v {
        Value::Raw(buf) => Some(buf),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Replies with the string at `key`: nil if absent, WRONGTYPE if not a string.
fn reply_value(v: Option<&Value>, w: &mut ReplyWriter<'_>) {
    match v {
        None => w.null(),
        Some(Value::Int(i)) => w.bulk_i64(*i),
        Some(Value::Str(s)) => w.bulk(s.as_slice()),
        Some(Value::Raw(s)) => w.bulk(s),
        #[allow(unreachable_patterns)]
        Some(_) => w.error(error::WRONGTYPE),
    }
}

fn get(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    reply_value(ctx.db().get(&a[1], now), w);
}

/// Expiry option of SET / GETEX.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expiry {
    None,
    At(u64),
    KeepTtl,
    Persist,
}

/// The expiry-related option last given to SET / GETEX, as Redis'
/// `parseExtendedStringArgumentsOrReply` tracks it: an option may be
/// repeated (the last value wins) but not mixed with another kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ExpiryOpt {
    None,
    KeepTtl,
    Persist,
    /// EX / PX / EXAT / PXAT: (unit in ms, absolute).
    Time(u64, bool),
}

/// The EX / PX / EXAT / PXAT option named `opt`, if it is one.
fn time_option(opt: &[u8]) -> Option<ExpiryOpt> {
    if is(opt, "ex") {
        Some(ExpiryOpt::Time(1000, false))
    } else if is(opt, "px") {
        Some(ExpiryOpt::Time(1, false))
    } else if is(opt, "exat") {
        Some(ExpiryOpt::Time(1000, true))
    } else if is(opt, "pxat") {
        Some(ExpiryOpt::Time(1, true))
    } else {
        None
    }
}

/// Parses the expiry options of SET (`set`: NX/XX/GET/KEEPTTL allowed) or
/// GETEX (PERSIST allowed) from `a[first..]`: (nx, xx, get, option, its
/// time argument). Only the syntax is checked here; the time is validated
/// later, as Redis does.
#[allow(clippy::type_complexity)]
fn parse_string_options(
    a: &[Bytes],
    first: usize,
    set: bool,
) -> Result<(bool, bool, bool, ExpiryOpt, Option<&[u8]>), &'static str> {
    let (mut nx, mut xx, mut get) = (false, false, false);
    let mut kind = ExpiryOpt::None;
    let mut time_arg = None;
    let mut i = first;
    while i < a.len() {
        let opt = &a[i];
        let has_next = i + 1 < a.len();
        if set && is(opt, "nx") && !xx {
            nx = true;
        } else if set && is(opt, "xx") && !nx {
            xx = true;
        } else if set && is(opt, "get") {
            get = true;
        } else if set && is(opt, "keepttl") && matches!(kind, ExpiryOpt::None | ExpiryOpt::KeepTtl)
        {
            kind = ExpiryOpt::KeepTtl;
        } else if !set && is(opt, "persist") && matches!(kind, ExpiryOpt::None | ExpiryOpt::Persist)
        {
            kind = ExpiryOpt::Persist;
        } else if let Some(t) =
            time_option(opt).filter(|&t| has_next && (kind == ExpiryOpt::None || kind == t))
        {
            kind = t;
            time_arg = Some(&a[i + 1][..]);
            i += 1;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    Ok((nx, xx, get, kind, time_arg))
}

/// The absolute expiry time of a parsed EX/PX/EXAT/PXAT option.
fn resolve_expiry(
    kind: ExpiryOpt,
    arg: Option<&[u8]>,
    now: u64,
    cmd: &str,
) -> Result<Expiry, String> {
    Ok(match (kind, arg) {
        (ExpiryOpt::Time(unit, abs), Some(arg)) => {
            Expiry::At(parse_expiry(arg, unit, abs, now, cmd)?)
        }
        (ExpiryOpt::KeepTtl, _) => Expiry::KeepTtl,
        (ExpiryOpt::Persist, _) => Expiry::Persist,
        _ => Expiry::None,
    })
}

/// Parses an expiry argument given in `unit_ms` per unit, relative or absolute.
fn parse_expiry(
    arg: &[u8],
    unit_ms: u64,
    absolute: bool,
    now: u64,
    cmd: &str,
) -> Result<u64, String> {
    let n = args::int(arg).map_err(|e| e.to_string())?;
    if n <= 0 {
        return Err(error::invalid_expire(cmd));
    }
    let ms = (n as u64)
        .checked_mul(unit_ms)
        .ok_or_else(|| error::invalid_expire(cmd))?;
    let at = if absolute {
        ms
    } else {
        ms.checked_add(now)
            .ok_or_else(|| error::invalid_expire(cmd))?
    };
    if at > i64::MAX as u64 {
        return Err(error::invalid_expire(cmd));
    }
    Ok(at)
}

fn set(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let (nx, xx, get_old, kind, time_arg) = match parse_string_options(a, 3, true) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let expiry = match resolve_expiry(kind, time_arg, now, "set") {
        Ok(e) => e,
        Err(e) => return w.error(&e),
    };
    let db = ctx.db();
    let old = db.get(&a[1], now);
    if get_old {
        if let Some(v) = old {
            if !v.is_string() {
                return w.error(error::WRONGTYPE);
            }
        }
    }
    let exists = old.is_some();
    if get_old {
        reply_value(old, w);
    }
    if (nx && exists) || (xx && !exists) {
        if !get_old {
            w.null();
        }
        return;
    }
    db.set(&a[1], Value::from_bytes(&a[2]), expiry == Expiry::KeepTtl);
    // A time already past is kept as it is (as Redis does): the key
    // expires, with its `expired` event, when next looked at.
    if let Expiry::At(at) = expiry {
        db.set_expire(&a[1], at);
    }
    ctx.dirty += 1;
    ctx.notify(class::STRING, "set", &a[1]);
    if let Expiry::At(at) = expiry {
        ctx.notify(class::GENERIC, "expire", &a[1]);
        if ctx.journaling() {
            ctx.propagate_as(set_pxat(&a[1], &a[2], at));
        }
    }
    if !get_old {
        w.ok();
    }
}

fn setnx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    if db.contains(&a[1], now) {
        return w.int(0);
    }
    db.set(&a[1], Value::from_bytes(&a[2]), false);
    ctx.dirty += 1;
    ctx.notify(class::STRING, "set", &a[1]);
    w.int(1);
}

fn setex_generic(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    w: &mut ReplyWriter<'_>,
    unit: u64,
    name: &str,
) {
    let now = ctx.now;
    let at = match parse_expiry(&a[2], unit, false, now, name) {
        Ok(at) => at,
        Err(e) => return w.error(&e),
    };
    let db = ctx.db();
    db.set(&a[1], Value::from_bytes(&a[3]), false);
    db.set_expire(&a[1], at);
    ctx.dirty += 1;
    if ctx.journaling() {
        ctx.propagate_as(set_pxat(&a[1], &a[3], at));
    }
    ctx.notify(class::STRING, "set", &a[1]);
    ctx.notify(class::GENERIC, "expire", &a[1]);
    w.ok();
}

fn setex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    setex_generic(ctx, a, w, 1000, "setex")
}

fn psetex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    setex_generic(ctx, a, w, 1, "psetex")
}

fn getset(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let old = db.get(&a[1], now);
    if old.is_some_and(|v| !v.is_string()) {
        return w.error(error::WRONGTYPE);
    }
    reply_value(old, w);
    db.set(&a[1], Value::from_bytes(&a[2]), false);
    ctx.dirty += 1;
    ctx.notify(class::STRING, "set", &a[1]);
}

fn getdel(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    match db.get(&a[1], now) {
        None => w.null(),
        Some(v) if !v.is_string() => w.error(error::WRONGTYPE),
        Some(v) => {
            reply_value(Some(v), w);
            db.remove(&a[1], now);
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "del", &a[1]);
            if ctx.journaling() {
                ctx.propagate_as(vec![Bytes::from_static(b"DEL"), a[1].clone()]);
            }
        }
    }
}

/// `SET key value PXAT at`: how a write with a relative or second-based
/// expiry replays the same later (Redis 7 propagates it so).
fn set_pxat(key: &Bytes, value: &Bytes, at: u64) -> Vec<Bytes> {
    vec![
        Bytes::from_static(b"SET"),
        key.clone(),
        value.clone(),
        Bytes::from_static(b"PXAT"),
        Bytes::from(at.to_string()),
    ]
}

fn getex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let (_, _, _, kind, time_arg) = match parse_string_options(a, 2, false) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let db = ctx.db();
    let v = match db.get(&a[1], now) {
        None => return w.null(),
        Some(v) if !v.is_string() => return w.error(error::WRONGTYPE),
        Some(v) => v,
    };
    // The time is validated only once the key is known to exist.
    let expiry = match resolve_expiry(kind, time_arg, now, "getex") {
        Ok(e) => e,
        Err(e) => return w.error(&e),
    };
    reply_value(Some(v), w);
    match expiry {
        Expiry::At(at) if at <= now => {
            db.remove(&a[1], now);
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "del", &a[1]);
            if ctx.journaling() {
                ctx.propagate_as(vec![Bytes::from_static(b"DEL"), a[1].clone()]);
            }
        }
        Expiry::At(at) => {
            db.set_expire(&a[1], at);
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "expire", &a[1]);
            if ctx.journaling() {
                ctx.propagate_as(vec![
                    Bytes::from_static(b"PEXPIREAT"),
                    a[1].clone(),
                    Bytes::from(at.to_string()),
                ]);
            }
        }
        Expiry::Persist if db.persist(&a[1]) => {
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "persist", &a[1]);
            if ctx.journaling() {
                ctx.propagate_as(vec![Bytes::from_static(b"PERSIST"), a[1].clone()]);
            }
        }
        _ => {}
    }
}

fn mget(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    w.array(a.len() - 1);
    for k in &a[1..] {
        match db.get(k, now) {
            Some(v) if v.is_string() => reply_value(Some(v), w),
            _ => w.null(),
        }
    }
}

fn mset(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len().is_multiple_of(2) {
        return w.error(&error::wrong_arity("mset"));
    }
    for pair in a[1..].chunks(2) {
        ctx.db().set(&pair[0], Value::from_bytes(&pair[1]), false);
        ctx.notify(class::STRING, "set", &pair[0]);
    }
    ctx.dirty += (a.len() as u64 - 1) / 2;
    w.ok();
}

fn msetnx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len().is_multiple_of(2) {
        return w.error(&error::wrong_arity("msetnx"));
    }
    let now = ctx.now;
    let db = ctx.db();
    if a[1..].chunks(2).any(|p| db.contains(&p[0], now)) {
        return w.int(0);
    }
    for pair in a[1..].chunks(2) {
        ctx.db().set(&pair[0], Value::from_bytes(&pair[1]), false);
        ctx.notify(class::STRING, "set", &pair[0]);
    }
    ctx.dirty += (a.len() as u64 - 1) / 2;
    w.int(1);
}

fn append(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    match db.get_mut(&a[1], now) {
        None => {
            // A new key holds the argument as SET would store it ("int" or
            // "embstr" encoded); only later appends make it "raw".
            db.set(&a[1], Value::from_bytes(&a[2]), false);
            w.int(a[2].len() as i64);
        }
        Some(v) if !v.is_string() => return w.error(error::WRONGTYPE),
        Some(v) => {
            let cur = v.str_len().unwrap_or(0);
            if (cur + a[2].len()) as u64 > MAX_STRING_LEN {
                return w.error(error::STRING_TOO_LONG);
            }
            if let Some(buf) = raw_mut(v) {
                buf.extend_from_slice(&a[2]);
                w.int(buf.len() as i64);
            }
        }
    }
    ctx.dirty += 1;
    ctx.notify(class::STRING, "append", &a[1]);
}

fn strlen(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match ctx.db().get(&a[1], now) {
        None => w.int(0),
        Some(v) => match v.str_len() {
            Some(n) => w.int(n as i64),
            None => w.error(error::WRONGTYPE),
        },
    }
}

fn incr_by(ctx: &mut ExecCtx<'_>, key: &[u8], delta: i64, w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let cur = match db.get_mut(key, now) {
        None => 0,
        Some(Value::Int(i)) => *i,
        Some(v) if v.is_string() => {
            let mut tmp = [0u8; 20];
            match v
                .as_bytes(&mut tmp)
                .and_then(crate::protocol::parse::parse_i64)
            {
                Some(i) => i,
                None => return w.error(error::NOT_INTEGER),
            }
        }
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let Some(new) = cur.checked_add(delta) else {
        return w.error(error::OVERFLOW);
    };
    match db.get_mut(key, now) {
        Some(v) => *v = Value::Int(new),
        None => db.set(key, Value::Int(new), false),
    }
    ctx.dirty += 1;
    ctx.notify(class::STRING, "incrby", key);
    w.int(new);
}

fn incr(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    incr_by(ctx, &a[1], 1, w)
}

fn decr(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    incr_by(ctx, &a[1], -1, w)
}

fn incrby(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match args::int(&a[2]) {
        Ok(d) => incr_by(ctx, &a[1], d, w),
        Err(e) => w.error(e),
    }
}

fn decrby(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match args::int(&a[2]) {
        Ok(d) if d != i64::MIN => incr_by(ctx, &a[1], -d, w),
        Ok(_) => w.error("ERR decrement would overflow"),
        Err(e) => w.error(e),
    }
}

fn incrbyfloat(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let cur = match db.get(&a[1], now) {
        None => LongDouble::ZERO,
        Some(Value::Int(i)) => LongDouble::from_i64(*i),
        Some(v) if v.is_string() => {
            let mut tmp = [0u8; 20];
            match v.as_bytes(&mut tmp).and_then(LongDouble::parse) {
                Some(x) => x,
                None => return w.error(error::NOT_FLOAT),
            }
        }
        Some(_) => return w.error(error::WRONGTYPE),
    };
    let Some(incr) = LongDouble::parse(&a[2]) else {
        return w.error(error::NOT_FLOAT);
    };
    let new = match cur.checked_add(incr) {
        Some(v) if v.is_finite() => v,
        _ => return w.error("ERR increment would produce NaN or Infinity"),
    };
    // Stored as a plain string ("embstr"), never int-encoded, as Redis.
    let text = new.to_human_string();
    db.set(
        &a[1],
        Value::Str(CompactBytes::from_slice(text.as_bytes())),
        true,
    );
    ctx.dirty += 1;
    ctx.notify(class::STRING, "incrbyfloat", &a[1]);
    w.bulk(text.as_bytes());
    // The sum as computed here, so that a replay cannot round differently.
    if ctx.journaling() {
        ctx.propagate_as(vec![
            Bytes::from_static(b"SET"),
            a[1].clone(),
            Bytes::from(text.into_bytes()),
            Bytes::from_static(b"KEEPTTL"),
        ]);
    }
}

/// GETRANGE and SUBSTR.
fn getrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let (mut start, mut end) = match (args::int(&a[2]), args::int(&a[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return w.error(e),
    };
    let now = ctx.now;
    let v = match ctx.db().get(&a[1], now) {
        None => return w.bulk(b""),
        Some(v) if !v.is_string() => return w.error(error::WRONGTYPE),
        Some(v) => v,
    };
    let mut tmp = [0u8; 20];
    let s = v.as_bytes(&mut tmp).unwrap_or_default();
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return w.bulk(b"");
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        w.bulk(b"");
    } else {
        w.bulk(&s[start as usize..=end as usize]);
    }
}

fn setrange(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let offset = match args::int(&a[2]) {
        Ok(o) if o < 0 => return w.error("ERR offset is out of range"),
        Ok(o) => o as u64,
        Err(e) => return w.error(e),
    };
    let value = &a[3];
    let too_long = offset + value.len() as u64 > MAX_STRING_LEN;
    let now = ctx.now;
    let db = ctx.db();
    match db.get_mut(&a[1], now) {
        None => {
            if value.is_empty() {
                return w.int(0);
            }
            if too_long {
                return w.error(error::STRING_TOO_LONG);
            }
            let mut buf = vec![0u8; offset as usize + value.len()];
            buf[offset as usize..].copy_from_slice(value);
            w.int(buf.len() as i64);
            db.set(&a[1], Value::raw(buf), false);
        }
        Some(v) => {
            let Some(olen) = v.str_len() else {
                return w.error(error::WRONGTYPE);
            };
            if value.is_empty() {
                return w.int(olen as i64);
            }
            if too_long {
                return w.error(error::STRING_TOO_LONG);
            }
            let Some(buf) = raw_mut(v) else {
                return w.error(error::WRONGTYPE);
            };
            let end = offset as usize + value.len();
            if buf.len() < end {
                buf.resize(end, 0);
            }
            buf[offset as usize..end].copy_from_slice(value);
            w.int(buf.len() as i64);
        }
    }
    ctx.dirty += 1;
    ctx.notify(class::STRING, "setrange", &a[1]);
}

fn lcs(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    let mut strs: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    for (i, s) in strs.iter_mut().enumerate() {
        match db.get(&a[1 + i], now) {
            None => {}
            Some(v) => match v.to_vec() {
                Some(bytes) => *s = bytes,
                None => return w.error("ERR The specified keys must contain string values"),
            },
        }
    }
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < a.len() {
        let opt = &a[j];
        if is(opt, "idx") {
            getidx = true;
        } else if is(opt, "len") {
            getlen = true;
        } else if is(opt, "withmatchlen") {
            withmatchlen = true;
        } else if is(opt, "minmatchlen") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                Ok(n) => minmatchlen = n.max(0),
                Err(e) => return w.error(e),
            }
            j += 1;
        } else {
            return w.error(error::SYNTAX);
        }
        j += 1;
    }
    if getidx && getlen {
        return w.error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let [sa, sb] = &strs;
    if sa.len() >= u32::MAX as usize - 1 || sb.len() >= u32::MAX as usize - 1 {
        return w.error("ERR String too long for LCS");
    }
    let (alen, blen) = (sa.len(), sb.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells * 4 > MAX_STRING_LEN {
        return w
            .error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells as usize).is_err() {
        return w.error("ERR Insufficient memory, failed allocating transient memory for LCS");
    }
    table.resize(cells as usize, 0);
    let at = |i: usize, j: usize| j + i * (blen + 1);
    for i in 1..=alen {
        for j in 1..=blen {
            table[at(i, j)] = if sa[i - 1] == sb[j - 1] {
                table[at(i - 1, j - 1)] + 1
            } else {
                table[at(i - 1, j)].max(table[at(i, j - 1)])
            };
        }
    }
    let total = table[at(alen, blen)];
    if getlen {
        return w.int(total as i64);
    }
    // Walk back from the end as Redis does, collecting the LCS string and
    // the matching ranges (last match first).
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut ranges: Vec<[usize; 4]> = Vec::new();
    let (mut i, mut j) = (alen, blen);
    // `arange_start == alen` means "no range open".
    let (mut as_, mut ae, mut bs, mut be) = (alen, 0usize, 0usize, 0usize);
    while i > 0 && j > 0 {
        let mut emit = false;
        if sa[i - 1] == sb[j - 1] {
            result[idx - 1] = sa[i - 1];
            if as_ == alen {
                as_ = i - 1;
                ae = i - 1;
                bs = j - 1;
                be = j - 1;
            } else if as_ == i && bs == j {
                as_ -= 1;
                bs -= 1;
            } else {
                emit = true;
            }
            if as_ == 0 || bs == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[at(i - 1, j)] > table[at(i, j - 1)] {
                i -= 1;
            } else {
                j -= 1;
            }
            if as_ != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = ae.wrapping_sub(as_).wrapping_add(1) as u32;
            if minmatchlen == 0 || match_len as i64 >= minmatchlen {
                ranges.push([as_, ae, bs, be]);
            }
            as_ = alen;
        }
    }
    if !getidx {
        return w.bulk(&result);
    }
    w.map(2);
    w.bulk(b"matches");
    w.array(ranges.len());
    for [as_, ae, bs, be] in ranges {
        w.array(2 + withmatchlen as usize);
        w.array(2);
        w.int(as_ as i64);
        w.int(ae as i64);
        w.array(2);
        w.int(bs as i64);
        w.int(be as i64);
        if withmatchlen {
            w.int((ae - as_ + 1) as i64);
        }
    }
    w.bulk(b"len");
    w.int(total as i64);
}

#[cfg(test)]
mod tests {
    //! Expected replies were captured from redis-server 7.0.15 (started as
    //! `redis-server --port 17201 --save ''`), by sending the same commands
    //! with a raw RESP client and recording the reply bytes (written here as
    //! Python's bytes repr does: `$3\r\n0.1\r\n`).

    use super::*;
    use crate::commands::testutil::Session;
    use crate::protocol::Protocol;

    #[test]
    fn incrbyfloat_getrange_setrange_lcs_as_redis() {
        let mut s = Session::new();
        // INCRBYFLOAT
        assert_eq!(s.runv(&["incrbyfloat", "f", "0.1"]), r#"$3\r\n0.1\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "f", "0.1"]), r#"$3\r\n0.2\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "f", "0.1"]), r#"$3\r\n0.3\r\n"#);
        assert_eq!(s.encoding("f"), Some("embstr"));
        assert_eq!(s.runv(&["get", "f"]), r#"$3\r\n0.3\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "g", "5.0e3"]), r#"$4\r\n5000\r\n"#);
        assert_eq!(s.encoding("g"), Some("embstr"));
        assert_eq!(s.runv(&["incrbyfloat", "g", "1"]), r#"$4\r\n5001\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "g", "-5001"]), r#"$1\r\n0\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "h", "10.5"]), r#"$4\r\n10.5\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "h", "-10.5"]), r#"$1\r\n0\r\n"#);
        assert_eq!(s.runv(&["set", "i", "10"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "i", "0.5"]), r#"$4\r\n10.5\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "i", "1.5"]), r#"$2\r\n12\r\n"#);
        assert_eq!(s.encoding("i"), Some("embstr"));
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "inf"]),
            r#"-ERR increment would produce NaN or Infinity\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "-inf"]),
            r#"-ERR increment would produce NaN or Infinity\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "nan"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "abc"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", ""]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", " 1"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "1 "]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "1e"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "j", "0x10"]), r#"$2\r\n16\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "0x1p-2"]),
            r#"$5\r\n16.25\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "1e5000"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "j", "1e-5000"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert!(s.runv(&["incrbyfloat", "j", "1e4000"]).starts_with(r#"$4000\r\n999999999999999999996546387309962378493249258350695763130150833304326194330634235548182164186550927986276445207312367354021760221736759234417212588195052799996142858243435475450187095821429074130114301467044502626084944345627533374234082255914622044077450269914711681830777556677357120649203631296339736876182607953816161203672468102798041894507185733380201957318437640797473774210058296343958"#));
        assert!(s.runv(&["incrbyfloat", "j", "1e900"]).starts_with(r#"$4000\r\n999999999999999999996546387309962378493249258350695763130150833304326194330634235548182164186550927986276445207312367354021760221736759234417212588195052799996142858243435475450187095821429074130114301467044502626084944345627533374234082255914622044077450269914711681830777556677357120649203631296339736876182607953816161203672468102798041894507185733380201957318437640797473774210058296343958"#));
        assert_eq!(s.exists("j"), 1);
        assert!(s.runv(&["get", "j"]).starts_with(r#"$4000\r\n999999999999999999996546387309962378493249258350695763130150833304326194330634235548182164186550927986276445207312367354021760221736759234417212588195052799996142858243435475450187095821429074130114301467044502626084944345627533374234082255914622044077450269914711681830777556677357120649203631296339736876182607953816161203672468102798041894507185733380201957318437640797473774210058296343958"#));
        assert_eq!(s.runv(&["set", "k", "abc"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "k", "1"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(s.runv(&["set", "k", ""]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "k", "1"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "l", "1.7976931348623157e308"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "l", "1.7976931348623157e308"]),
            r#"$309\r\n359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768\r\n"#
        );
        assert_eq!(
            s.runv(&["get", "l"]),
            r#"$309\r\n359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "m", "3.0000000000000000000001"]),
            r#"+OK\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "m", "0"]), r#"$1\r\n3\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "n", "1e-18"]), r#"$1\r\n0\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "n", "-2e-18"]), r#"$1\r\n0\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "o", "-1e-17"]),
            r#"$20\r\n-0.00000000000000001\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "o", "1.23456789012345678901234567890"]),
            r#"$19\r\n1.23456789012345678\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "p", "12345678901234567890"]),
            r#"$20\r\n12345678901234567890\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "q", "0.0000000000000000049"]),
            r#"$1\r\n0\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "q", "0.0000000000000000051"]),
            r#"$19\r\n0.00000000000000001\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "r", "1.5e-17"]),
            r#"$19\r\n0.00000000000000002\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "s", "2.5e-17"]),
            r#"$19\r\n0.00000000000000002\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "t", "3.814697265625e-06"]),
            r#"$19\r\n0.00000381469726562\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "u", "1.000000000000000000000000000000000001"]),
            r#"$1\r\n1\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "v", "+.5"]), r#"$3\r\n0.5\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "v", "5."]), r#"$3\r\n5.5\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "v", "."]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "v", "-0"]), r#"$3\r\n5.5\r\n"#);
        assert_eq!(s.runv(&["get", "v"]), r#"$3\r\n5.5\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "w", "9223372036854775807"]),
            r#"$19\r\n9223372036854775807\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "w", "0.5"]),
            r#"$21\r\n9223372036854775807.5\r\n"#
        );
        assert_eq!(s.runv(&["set", "x", "9223372036854775807"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "x", "1"]),
            r#"$19\r\n9223372036854775808\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "y", "1e-4940"]), r#"$1\r\n0\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "y", "1e-4950"]), r#"$1\r\n0\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "y", "1e-4960"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert!(s.runv(&["incrbyfloat", "z", "1.18e4932"]).starts_with(r#"$4933\r\n118000000000000000000065281291809369920269043714016047172983124006183652772844699601208149626612279276676952619739183447038597344683590329800799116216991296694748343264723457720062012381800562060321625768307226675521178307389389889284112733879617530537405409132168754615668215506907357517144500733188644988397260567027911200189470622347927310338818710925241147506732118617165049001497328178631"#));
        assert_eq!(
            s.runv(&["incrbyfloat", "z", "1.19e4932"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert!(s.runv(&["incrbyfloat", "z2", "-1.18e4932"]).starts_with(r#"$4934\r\n-11800000000000000000006528129180936992026904371401604717298312400618365277284469960120814962661227927667695261973918344703859734468359032980079911621699129669474834326472345772006201238180056206032162576830722667552117830738938988928411273387961753053740540913216875461566821550690735751714450073318864498839726056702791120018947062234792731033881871092524114750673211861716504900149732817863"#));
        assert_eq!(
            s.runv(&["incrbyfloat", "z2", "-1e4932"]),
            r#"-ERR increment would produce NaN or Infinity\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "z3", "Infinity"]),
            r#"-ERR increment would produce NaN or Infinity\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "z3", "0x"]),
            r#"-ERR value is not a valid float\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "z3", "1e+2"]), r#"$3\r\n100\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "z3", "1E-2"]),
            r#"$6\r\n100.01\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "z3", "0.1e1"]),
            r#"$6\r\n101.01\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a1", "0.3333333333333333333333"]),
            r#"$19\r\n0.33333333333333333\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a1", "0.3333333333333333333333"]),
            r#"$19\r\n0.66666666666666666\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a1", "0.3333333333333333333333"]),
            r#"$19\r\n0.99999999999999999\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "a2", "-0.1"]), r#"$4\r\n-0.1\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "a2", "-0.1"]), r#"$4\r\n-0.2\r\n"#);
        assert_eq!(s.runv(&["incrbyfloat", "a2", "-0.1"]), r#"$4\r\n-0.3\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat", "a3", "1e20"]),
            r#"$21\r\n100000000000000000000\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a3", "0.1"]),
            r#"$21\r\n100000000000000000000\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a4", "123.456"]),
            r#"$7\r\n123.456\r\n"#
        );
        assert_eq!(s.runv(&["incrbyfloat", "a4", "-0.456"]), r#"$3\r\n123\r\n"#);
        assert_eq!(s.encoding("a4"), Some("embstr"));
        assert_eq!(s.runv(&["incrbyfloat", "a5", "1"]), r#"$1\r\n1\r\n"#);
        assert_eq!(
            s.runv(&["incrbyfloat"]),
            r#"-ERR wrong number of arguments for 'incrbyfloat' command\r\n"#
        );
        assert_eq!(
            s.runv(&["incrbyfloat", "a5", "1", "2"]),
            r#"-ERR wrong number of arguments for 'incrbyfloat' command\r\n"#
        );
        // GETRANGE
        assert_eq!(s.runv(&["set", "s1", "Hello World"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["getrange", "s1", "0", "4"]), r#"$5\r\nHello\r\n"#);
        assert_eq!(
            s.runv(&["getrange", "s1", "-5", "-1"]),
            r#"$5\r\nWorld\r\n"#
        );
        assert_eq!(s.runv(&["getrange", "s1", "-1", "-5"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s1", "5", "-100"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s1", "-100", "-50"]), r#"$1\r\nH\r\n"#);
        assert_eq!(
            s.runv(&["getrange", "s1", "-100", "100"]),
            r#"$11\r\nHello World\r\n"#
        );
        assert_eq!(
            s.runv(&["getrange", "s1", "0", "-1"]),
            r#"$11\r\nHello World\r\n"#
        );
        assert_eq!(s.runv(&["getrange", "s1", "3", "2"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s1", "11", "20"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s1", "10", "10"]), r#"$1\r\nd\r\n"#);
        assert_eq!(
            s.runv(&["getrange", "s1", "a", "1"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["getrange", "s1", "1", "b"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["getrange", "nokey", "0", "-1"]), r#"$0\r\n\r\n"#);
        assert_eq!(
            s.runv(&["getrange", "nokey", "a", "1"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "getrange",
                "s1",
                "-9223372036854775808",
                "9223372036854775807"
            ]),
            r#"$11\r\nHello World\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "getrange",
                "s1",
                "9223372036854775807",
                "-9223372036854775808"
            ]),
            r#"$0\r\n\r\n"#
        );
        assert_eq!(s.runv(&["set", "s2", ""]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["getrange", "s2", "0", "-1"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s2", "0", "0"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["getrange", "s2", "-1", "0"]), r#"$0\r\n\r\n"#);
        assert_eq!(s.runv(&["set", "s3", "12345"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["getrange", "s3", "1", "3"]), r#"$3\r\n234\r\n"#);
        assert_eq!(s.runv(&["getrange", "s3", "-2", "-1"]), r#"$2\r\n45\r\n"#);
        assert_eq!(s.runv(&["substr", "s1", "0", "4"]), r#"$5\r\nHello\r\n"#);
        assert_eq!(s.runv(&["substr", "s3", "1", "1"]), r#"$1\r\n2\r\n"#);
        assert_eq!(s.runv(&["substr", "nokey", "0", "1"]), r#"$0\r\n\r\n"#);
        assert_eq!(
            s.runv(&["substr", "s1", "x", "1"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["getrange", "s1", "0"]),
            r#"-ERR wrong number of arguments for 'getrange' command\r\n"#
        );
        // SETRANGE
        assert_eq!(s.runv(&["setrange", "r1", "0", "hello"]), r#":5\r\n"#);
        assert_eq!(s.runv(&["get", "r1"]), r#"$5\r\nhello\r\n"#);
        assert_eq!(s.encoding("r1"), Some("raw"));
        assert_eq!(s.runv(&["setrange", "r1", "10", "world"]), r#":15\r\n"#);
        assert_eq!(
            s.runv(&["get", "r1"]),
            r#"$15\r\nhello\x00\x00\x00\x00\x00world\r\n"#
        );
        assert_eq!(s.runv(&["strlen", "r1"]), r#":15\r\n"#);
        assert_eq!(
            s.runv(&["setrange", "r1", "-1", "x"]),
            r#"-ERR offset is out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setrange", "r1", "a", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["setrange", "r1", "0", ""]), r#":15\r\n"#);
        assert_eq!(s.runv(&["setrange", "r2", "5", ""]), r#":0\r\n"#);
        assert_eq!(s.exists("r2"), 0);
        assert_eq!(
            s.runv(&["setrange", "r2", "536870912", "x"]),
            r#"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"#
        );
        assert_eq!(
            s.runv(&["setrange", "r2", "536870911", "xx"]),
            r#"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"#
        );
        assert_eq!(
            s.runv(&["setrange", "r2", "9223372036854775807", "x"]),
            r#"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"#
        );
        assert_eq!(s.runv(&["setrange", "r2", "536870912", ""]), r#":0\r\n"#);
        assert_eq!(s.runv(&["set", "r3", "12345"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["setrange", "r3", "1", "ab"]), r#":5\r\n"#);
        assert_eq!(s.runv(&["get", "r3"]), r#"$5\r\n1ab45\r\n"#);
        assert_eq!(s.encoding("r3"), Some("raw"));
        assert_eq!(s.runv(&["set", "r4", "abc"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["setrange", "r4", "536870912", ""]), r#":3\r\n"#);
        assert_eq!(
            s.runv(&["setrange", "r4", "536870912", "x"]),
            r#"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"#
        );
        assert_eq!(s.runv(&["setrange", "r4", "1", "B"]), r#":3\r\n"#);
        assert_eq!(s.runv(&["get", "r4"]), r#"$3\r\naBc\r\n"#);
        assert_eq!(s.encoding("r4"), Some("raw"));
        assert_eq!(s.runv(&["setrange", "r4", "3", ""]), r#":3\r\n"#);
        // LCS
        assert_eq!(s.runv(&["set", "l1", "ohmytext"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "l2", "mynewtext"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["lcs", "l1", "l2"]), r#"$6\r\nmytext\r\n"#);
        assert_eq!(s.runv(&["lcs", "l1", "l2", "len"]), r#":6\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx"]),
            r#"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx", "minmatchlen", "4"]),
            r#"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx", "minmatchlen", "4", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "withmatchlen"]),
            r#"$6\r\nmytext\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "minmatchlen", "4"]),
            r#"$6\r\nmytext\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "len", "idx"]),
            r#"-ERR If you want both the length and indexes, please just use IDX.\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx", "len"]),
            r#"-ERR If you want both the length and indexes, please just use IDX.\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "minmatchlen"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "minmatchlen", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "minmatchlen", "-5", "idx"]),
            r#"*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["lcs", "l1", "nokey"]), r#"$0\r\n\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l1", "nokey", "idx"]),
            r#"*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"#
        );
        assert_eq!(s.runv(&["lcs", "nokey", "nokey2", "len"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l1", "l1", "idx", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:0\r\n:7\r\n*2\r\n:0\r\n:7\r\n:8\r\n$3\r\nlen\r\n:8\r\n"#
        );
        assert_eq!(s.runv(&["set", "l3", "12345"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "l4", "2345"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l3", "l4", "idx", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:1\r\n:4\r\n*2\r\n:0\r\n:3\r\n:4\r\n$3\r\nlen\r\n:4\r\n"#
        );
        assert_eq!(
            s.runv(&["lcs", "l1"]),
            r#"-ERR wrong number of arguments for 'lcs' command\r\n"#
        );
        assert_eq!(s.runv(&["lcs", "l1", "l2", "len", "len"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["set", "l5", "abcabc"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "l6", "cbacba"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l5", "l6", "idx", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:5\r\n:5\r\n*2\r\n:3\r\n:3\r\n:1\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n:1\r\n*3\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:3\r\n"#
        );
        assert_eq!(s.runv(&["lcs", "l5", "l6"]), r#"$3\r\ncbc\r\n"#);
        assert_eq!(s.runv(&["set", "l7", "aaaa"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "l8", "aa"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "l7", "l8", "idx", "withmatchlen"]),
            r#"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:2\r\n"#
        );
        s.proto = Protocol::Resp3;
        assert_eq!(
            s.runv(&["lcs", "l1", "l2", "idx", "minmatchlen", "4", "withmatchlen"]),
            r#"%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"#
        );
        assert_eq!(s.runv(&["lcs", "l1", "l2", "len"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["lcs", "l1", "l2"]), r#"$6\r\nmytext\r\n"#);
        assert_eq!(
            s.runv(&["lcs", "nokey", "nokey2", "idx"]),
            r#"%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"#
        );
        s.proto = Protocol::Resp2;
    }

    #[test]
    fn set_family_as_redis() {
        let mut s = Session::new();
        // existing string commands
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "0"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "-1"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "px", "0"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "10", "px", "10"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "keepttl", "ex", "10"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "10", "keepttl"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "nx", "xx"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "xx", "nx"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["set", "e1", "v", "get", "get"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["set", "e1", "v", "nx", "get"]), r#"$1\r\nv\r\n"#);
        assert_eq!(s.runv(&["set", "e1", "v", "nx", "get"]), r#"$1\r\nv\r\n"#);
        assert_eq!(s.runv(&["set", "e1", "w", "xx", "get"]), r#"$1\r\nv\r\n"#);
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "9223372036854775807"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "px", "9223372036854775807"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "exat", "9223372036854775807"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "pxat", "9223372036854775807"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "9223372036854775"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "9223372036854776"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(s.runv(&["set", "e1", "v", "exat", "1"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["get", "e1"]), r#"$-1\r\n"#);
        assert_eq!(
            s.runv(&["set", "e1", "v", "pxat", "1", "get"]),
            r#"$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["set", "e1", "v", "NX"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["set", "e1", "v", "EX", "100", "GET"]),
            r#"$1\r\nv\r\n"#
        );
        assert_eq!(s.runv(&["set", "e1", "v", "ex", "100", "nx"]), r#"$-1\r\n"#);
        assert_eq!(
            s.runv(&["set", "e1", "v", "keepttl", "keepttl"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "e1", "v", "ex", "10", "ex", "10"]),
            r#"+OK\r\n"#
        );
        assert_eq!(s.runv(&["setnx", "e2", "a"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["setnx", "e2", "b"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["setex", "e3", "0", "v"]),
            r#"-ERR invalid expire time in 'setex' command\r\n"#
        );
        assert_eq!(
            s.runv(&["setex", "e3", "-1", "v"]),
            r#"-ERR invalid expire time in 'setex' command\r\n"#
        );
        assert_eq!(
            s.runv(&["setex", "e3", "x", "v"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setex", "e3", "9223372036854775807", "v"]),
            r#"-ERR invalid expire time in 'setex' command\r\n"#
        );
        assert_eq!(s.runv(&["setex", "e3", "100", "v"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["psetex", "e3", "0", "v"]),
            r#"-ERR invalid expire time in 'psetex' command\r\n"#
        );
        assert_eq!(s.runv(&["psetex", "e3", "100", "v"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["psetex", "e3", "9223372036854775807", "v"]),
            r#"-ERR invalid expire time in 'psetex' command\r\n"#
        );
        assert_eq!(s.runv(&["getset", "e4", "a"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["getset", "e4", "b"]), r#"$1\r\na\r\n"#);
        assert_eq!(s.runv(&["getdel", "e4"]), r#"$1\r\nb\r\n"#);
        assert_eq!(s.runv(&["getdel", "e4"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["getex", "e5"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["set", "e5", "1"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["getex", "e5", "persist"]), r#"$1\r\n1\r\n"#);
        assert_eq!(
            s.runv(&["getex", "e5", "ex", "10", "persist"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "e5", "persist", "ex", "10"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "e5", "ex", "0"]),
            r#"-ERR invalid expire time in 'getex' command\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "e5", "ex", "-5"]),
            r#"-ERR invalid expire time in 'getex' command\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "e5", "ex", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["getex", "e5", "foo"]), r#"-ERR syntax error\r\n"#);
        assert_eq!(
            s.runv(&["getex", "e5", "px", "100", "px", "100"]),
            r#"$1\r\n1\r\n"#
        );
        assert_eq!(s.runv(&["getex", "e5", "exat", "1"]), r#"$1\r\n1\r\n"#);
        assert_eq!(s.runv(&["get", "e5"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["set", "e5", "v"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["getex", "e5", "pxat", "9223372036854775807"]),
            r#"$1\r\nv\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "e5", "ex", "9223372036854775807"]),
            r#"-ERR invalid expire time in 'getex' command\r\n"#
        );
        assert_eq!(s.runv(&["getex", "e5", "ex"]), r#"-ERR syntax error\r\n"#);
        assert_eq!(
            s.runv(&["mget", "e1", "e2", "nokey", "e3"]),
            r#"*4\r\n$1\r\nv\r\n$1\r\na\r\n$-1\r\n$1\r\nv\r\n"#
        );
        assert_eq!(
            s.runv(&["mset", "a1", "1", "a2"]),
            r#"-ERR wrong number of arguments for 'mset' command\r\n"#
        );
        assert_eq!(s.runv(&["mset", "a1", "1", "a2", "2"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["msetnx", "a1", "1", "a3", "3"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["msetnx", "a3", "3", "a4", "4"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["msetnx", "a3", "3", "a3", "4"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["msetnx", "a5", "3", "a5", "4"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["get", "a5"]), r#"$1\r\n4\r\n"#);
        assert_eq!(s.runv(&["append", "a6", "hello"]), r#":5\r\n"#);
        assert_eq!(s.runv(&["append", "a6", " world"]), r#":11\r\n"#);
        assert_eq!(s.runv(&["get", "a6"]), r#"$11\r\nhello world\r\n"#);
        assert_eq!(s.runv(&["set", "a7", "12"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["append", "a7", "3"]), r#":3\r\n"#);
        assert_eq!(s.runv(&["get", "a7"]), r#"$3\r\n123\r\n"#);
        assert_eq!(s.runv(&["strlen", "a7"]), r#":3\r\n"#);
        assert_eq!(s.runv(&["strlen", "nokey"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["incr", "a7"]), r#":124\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a6"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a8", " 1"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a8"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a8", "1 "]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a8"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a8", "01"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a8"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a8", "-0"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a8"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a8", "9223372036854775807"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a8"]),
            r#"-ERR increment or decrement would overflow\r\n"#
        );
        assert_eq!(s.runv(&["decr", "a8"]), r#":9223372036854775806\r\n"#);
        assert_eq!(s.runv(&["set", "a8", "-9223372036854775808"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["decr", "a8"]),
            r#"-ERR increment or decrement would overflow\r\n"#
        );
        assert_eq!(
            s.runv(&["incrby", "a8", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["incrby", "a8", "1.5"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["decrby", "a8", "-9223372036854775808"]),
            r#"-ERR decrement would overflow\r\n"#
        );
        assert_eq!(
            s.runv(&["decrby", "a9", "9223372036854775807"]),
            r#":-9223372036854775807\r\n"#
        );
        assert_eq!(
            s.runv(&["decrby", "a9", "2"]),
            r#"-ERR increment or decrement would overflow\r\n"#
        );
        assert_eq!(
            s.runv(&["incrby", "a9", "-9223372036854775808"]),
            r#"-ERR increment or decrement would overflow\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "a10", "123456789012345678901"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["incr", "a10"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a10", ""]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a10"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["incrby", "a11", "-0"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["incrby", "a11", "+1"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "a12", "abc"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["setrange", "a12", "0", "12"]), r#":3\r\n"#);
        assert_eq!(
            s.runv(&["incr", "a12"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["get", "a12"]), r#"$3\r\n12c\r\n"#);
        assert_eq!(
            s.runv(&["mget"]),
            r#"-ERR wrong number of arguments for 'mget' command\r\n"#
        );
        assert_eq!(
            s.runv(&["get"]),
            r#"-ERR wrong number of arguments for 'get' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "a"]),
            r#"-ERR wrong number of arguments for 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["strlen", "a12", "x"]),
            r#"-ERR wrong number of arguments for 'strlen' command\r\n"#
        );
        assert_eq!(
            s.runv(&["setnx", "a"]),
            r#"-ERR wrong number of arguments for 'setnx' command\r\n"#
        );
        assert_eq!(
            s.runv(&["getex"]),
            r#"-ERR wrong number of arguments for 'getex' command\r\n"#
        );
        assert_eq!(
            s.runv(&["getdel", "a", "b"]),
            r#"-ERR wrong number of arguments for 'getdel' command\r\n"#
        );
        assert_eq!(
            s.runv(&["append", "a"]),
            r#"-ERR wrong number of arguments for 'append' command\r\n"#
        );
        assert_eq!(
            s.runv(&["decrby", "a"]),
            r#"-ERR wrong number of arguments for 'decrby' command\r\n"#
        );
        assert_eq!(
            s.runv(&["incr", "a", "b"]),
            r#"-ERR wrong number of arguments for 'incr' command\r\n"#
        );
        // set getex option order
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "0", "ex", "10"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "x", "ex", "10"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "10", "ex", "0"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "x", "nx", "xx"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "0", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "10", "px", "5"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "px", "10", "px", "0"]),
            r#"-ERR invalid expire time in 'set' command\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "exat", "10", "exat", "1"]),
            r#"+OK\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "f1", "ex", "0", "ex", "10"]),
            r#"$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "f1", "ex", "x", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["getex", "f1", "persist", "persist"]), r#"$-1\r\n"#);
        assert_eq!(
            s.runv(&["getex", "f1", "ex", "10", "ex", "x"]),
            r#"$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "f1", "ex", "0", "persist"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["getex", "nokey", "ex", "x"]), r#"$-1\r\n"#);
        assert_eq!(s.runv(&["getex", "nokey", "ex", "0"]), r#"$-1\r\n"#);
        assert_eq!(
            s.runv(&["getex", "nokey", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f2", "v", "get", "ex", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f2", "v", "ex", "100", "keepttl"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f3", "v", "ex", "x", "get"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["set", "f1", "v", "ex", "1", "px", "1"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["getex", "f1", "px", "100", "ex", "100"]),
            r#"-ERR syntax error\r\n"#
        );
    }

    #[test]
    fn incrbyfloat_keeps_ttl_and_stores_a_plain_string() {
        let mut s = Session::new();
        s.run("set k 10 ex 100");
        assert_eq!(s.run("incrbyfloat k 0.5"), r"$4\r\n10.5\r\n");
        let now = s.now;
        assert_eq!(s.store.db(0).expire_at(b"k"), Some(now + 100_000));
        assert_eq!(s.run("incrbyfloat k -0.5"), r"$2\r\n10\r\n");
        // "10" written by INCRBYFLOAT is embstr, not int, as in Redis.
        assert_eq!(s.encoding("k"), Some("embstr"));
        assert_eq!(s.run("incr k"), r":11\r\n");
        assert_eq!(s.encoding("k"), Some("int"));
        assert_eq!(s.dirty, 4);
    }

    #[test]
    fn setrange_and_append_make_raw_values() {
        let mut s = Session::new();
        s.run("set a 12345");
        s.run("setrange a 0 9");
        assert!(
            matches!(s.store.db(0).get(b"a", s.now), Some(Value::Raw(v)) if v.as_slice() == b"92345")
        );
        assert_eq!(s.run("incr a"), r":92346\r\n");
        // APPEND to a missing key stores the argument as SET does.
        s.run("append n 123");
        assert_eq!(s.encoding("n"), Some("int"));
        s.run("append m hello");
        assert_eq!(s.encoding("m"), Some("embstr"));
        s.run("append m !");
        assert_eq!(s.encoding("m"), Some("raw"));
        assert_eq!(s.run("get m"), r"$6\r\nhello!\r\n");
    }

    #[test]
    fn setrange_refuses_huge_strings_without_allocating() {
        let mut s = Session::new();
        assert_eq!(
            s.run("setrange k 536870912 x"),
            r"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
        assert_eq!(
            s.run("setrange k 9223372036854775807 xx"),
            r"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
        assert_eq!(s.exists("k"), 0);
    }

    #[test]
    fn lcs_memory_limit() {
        let mut s = Session::new();
        let a = vec![b'a'; 12000];
        let b = vec![b'b'; 12000];
        s.exec(&[b"set".to_vec(), b"x".to_vec(), a]);
        s.exec(&[b"set".to_vec(), b"y".to_vec(), b]);
        assert_eq!(
            s.run("lcs x y len"),
            r"-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
        );
    }

    #[test]
    fn lcs_resp3_map() {
        let mut s = Session::new();
        s.proto = Protocol::Resp3;
        s.run("set a ohmytext");
        s.run("set b mynewtext");
        assert_eq!(
            s.run("lcs a b idx"),
            r"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"
        );
        assert_eq!(s.run("lcs a missing"), r"$0\r\n\r\n");
        assert_eq!(s.run("incrbyfloat f 1.5"), r"$3\r\n1.5\r\n");
    }
}
