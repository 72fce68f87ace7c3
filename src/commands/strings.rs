//! String commands (Redis' t_string.c).

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed};
use crate::error;
use crate::protocol::ReplyWriter;
use crate::types::Value;

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
];

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
    let (mut nx, mut xx, mut get_old) = (false, false, false);
    let mut expiry = Expiry::None;
    let mut i = 3;
    while i < a.len() {
        let opt = &a[i];
        let has_next = i + 1 < a.len();
        if is(opt, "nx") && !xx {
            nx = true;
        } else if is(opt, "xx") && !nx {
            xx = true;
        } else if is(opt, "get") {
            get_old = true;
        } else if is(opt, "keepttl") && expiry == Expiry::None {
            expiry = Expiry::KeepTtl;
        } else if (is(opt, "ex") || is(opt, "px") || is(opt, "exat") || is(opt, "pxat"))
            && expiry == Expiry::None
            && has_next
        {
            let unit = if is(opt, "ex") || is(opt, "exat") {
                1000
            } else {
                1
            };
            let abs = is(opt, "exat") || is(opt, "pxat");
            match parse_expiry(&a[i + 1], unit, abs, now, "set") {
                Ok(at) => expiry = Expiry::At(at),
                Err(e) => return w.error(&e),
            }
            i += 1;
        } else {
            return w.error(error::SYNTAX);
        }
        i += 1;
    }
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
    if let Expiry::At(at) = expiry {
        if at <= now {
            db.remove(&a[1], now);
        } else {
            db.set_expire(&a[1], at);
        }
    }
    ctx.dirty += 1;
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
        }
    }
}

fn getex(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let mut expiry = Expiry::None;
    let mut i = 2;
    while i < a.len() {
        let opt = &a[i];
        if is(opt, "persist") && expiry == Expiry::None {
            expiry = Expiry::Persist;
        } else if (is(opt, "ex") || is(opt, "px") || is(opt, "exat") || is(opt, "pxat"))
            && expiry == Expiry::None
            && i + 1 < a.len()
        {
            let unit = if is(opt, "ex") || is(opt, "exat") {
                1000
            } else {
                1
            };
            let abs = is(opt, "exat") || is(opt, "pxat");
            match parse_expiry(&a[i + 1], unit, abs, now, "getex") {
                Ok(at) => expiry = Expiry::At(at),
                Err(e) => return w.error(&e),
            }
            i += 1;
        } else {
            return w.error(error::SYNTAX);
        }
        i += 1;
    }
    let db = ctx.db();
    match db.get(&a[1], now) {
        None => return w.null(),
        Some(v) if !v.is_string() => return w.error(error::WRONGTYPE),
        Some(v) => reply_value(Some(v), w),
    }
    match expiry {
        Expiry::At(at) if at <= now => {
            db.remove(&a[1], now);
            ctx.dirty += 1;
        }
        Expiry::At(at) => {
            db.set_expire(&a[1], at);
            ctx.dirty += 1;
        }
        Expiry::Persist => {
            if db.persist(&a[1]) {
                ctx.dirty += 1;
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
    if a.len() % 2 == 0 {
        return w.error(&error::wrong_arity("mset"));
    }
    let db = ctx.db();
    for pair in a[1..].chunks(2) {
        db.set(&pair[0], Value::from_bytes(&pair[1]), false);
    }
    ctx.dirty += (a.len() as u64 - 1) / 2;
    w.ok();
}

fn msetnx(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    if a.len() % 2 == 0 {
        return w.error(&error::wrong_arity("msetnx"));
    }
    let now = ctx.now;
    let db = ctx.db();
    if a[1..].chunks(2).any(|p| db.contains(&p[0], now)) {
        return w.int(0);
    }
    for pair in a[1..].chunks(2) {
        db.set(&pair[0], Value::from_bytes(&pair[1]), false);
    }
    ctx.dirty += (a.len() as u64 - 1) / 2;
    w.int(1);
}

fn append(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let db = ctx.db();
    match db.get_mut(&a[1], now) {
        None => {
            db.set(&a[1], Value::raw(a[2].to_vec()), false);
            w.int(a[2].len() as i64);
        }
        Some(v) if !v.is_string() => return w.error(error::WRONGTYPE),
        Some(v) => {
            let cur = v.str_len().unwrap_or(0);
            if cur + a[2].len() > 512 * 1024 * 1024 {
                return w.error(error::STRING_TOO_LONG);
            }
            if !matches!(v, Value::Raw(_)) {
                *v = Value::raw(v.to_vec().unwrap_or_default());
            }
            if let Value::Raw(buf) = v {
                buf.extend_from_slice(&a[2]);
                w.int(buf.len() as i64);
            }
        }
    }
    ctx.dirty += 1;
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
