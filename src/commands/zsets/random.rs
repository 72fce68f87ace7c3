//! ZRANDMEMBER and ZSCAN.

use std::cell::Cell;

use bytes::Bytes;

use super::{read, reply_len, reply_pair, wrongtype};
use crate::commands::args::{self, glob_match, is};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::protocol::ReplyWriter;

/// A per-thread xorshift64* generator (not cryptographic).
fn rand_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            let stack = &x as *const u64 as u64;
            x = (crate::shard::keyspace::now_ms() ^ stack.rotate_left(29) ^ 0x2545_F491_4F6C_DD1D)
                | 1;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

fn below(n: usize) -> usize {
    (rand_u64() % n.max(1) as u64) as usize
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`
pub fn zrandmember(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    if a.len() == 2 {
        return match read(ctx.db(), &a[1], now) {
            Err(()) => wrongtype(w),
            Ok(None) => w.null(),
            Ok(Some(z)) => match z.get(below(z.len())) {
                Some((m, _)) => w.bulk(m),
                None => w.null(),
            },
        };
    }
    let count = match args::int(&a[2]) {
        Ok(i64::MIN) => {
            return w.error(
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            )
        }
        Ok(n) => n,
        Err(e) => return w.error(e),
    };
    if a.len() > 4 || (a.len() == 4 && !is(&a[3], "withscores")) {
        return w.error(error::SYNTAX);
    }
    let withscores = a.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return w.error("ERR value is out of range");
    }
    let z = match read(ctx.db(), &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => return w.array(0),
        Ok(Some(z)) => z,
    };
    let len = z.len();
    let nested = withscores && w.resp3();
    if count == 0 || len == 0 {
        return w.array(0);
    }
    if count < 0 && count.unsigned_abs() > args::MAX_RANDOM_REPEATS {
        return w.error(args::RANDOM_REPEATS_ERR);
    }
    let emit = |w: &mut ReplyWriter<'_>, m: &[u8], s: f64| {
        if withscores {
            reply_pair(w, m, s, nested);
        } else {
            w.bulk(m);
        }
    };
    if count < 0 {
        // With repetitions: exactly -count picks.
        let n = count.unsigned_abs();
        reply_len(w, n as usize, withscores);
        for _ in 0..n {
            if let Some((m, s)) = z.get(below(len)) {
                emit(w, m, s);
            }
        }
        return;
    }
    let n = count as u64;
    if n >= len as u64 {
        // The whole set, highest rank first (as Redis answers).
        reply_len(w, len, withscores);
        z.walk(0, len, true, |m, s| {
            emit(w, m, s);
            true
        });
        return;
    }
    // Distinct picks: choose n of the len ranks (Floyd's algorithm), then
    // shuffle the reply order.
    let n = n as usize;
    let mut picked: hashbrown::HashSet<usize> = hashbrown::HashSet::with_capacity(n);
    let mut order = Vec::with_capacity(n);
    for j in len - n..len {
        let t = below(j + 1);
        let r = if picked.insert(t) {
            t
        } else {
            picked.insert(j);
            j
        };
        order.push(r);
    }
    for i in (1..order.len()).rev() {
        order.swap(i, below(i + 1));
    }
    reply_len(w, n, withscores);
    for r in order {
        if let Some((m, s)) = z.get(r) {
            emit(w, m, s);
        }
    }
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// A small (listpack) set is returned whole with cursor 0, as Redis does;
/// a large one is walked in its slot order (see [`crate::types::ZSet::scan`]).
pub fn zscan(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let Some(cursor) = parse_cursor(&a[2]) else {
        return w.error("ERR invalid cursor");
    };
    // As Redis: the key is looked up before the options are parsed.
    let now = ctx.now;
    let z = match read(ctx.db(), &a[1], now) {
        Err(()) => return wrongtype(w),
        Ok(None) => {
            w.array(2);
            w.bulk(b"0");
            return w.array(0);
        }
        Ok(Some(z)) => z,
    };
    let mut count = 10usize;
    let mut pattern: Option<&[u8]> = None;
    let mut j = 3;
    while j < a.len() {
        if is(&a[j], "count") && j + 1 < a.len() {
            match args::int(&a[j + 1]) {
                Ok(n) if n >= 1 => count = usize::try_from(n).unwrap_or(usize::MAX),
                Ok(_) => return w.error(error::SYNTAX),
                Err(e) => return w.error(e),
            }
        } else if is(&a[j], "match") && j + 1 < a.len() {
            pattern = if &a[j + 1][..] == b"*" {
                None
            } else {
                Some(&a[j + 1])
            };
        } else {
            return w.error(error::SYNTAX);
        }
        j += 2;
    }
    let matches = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
    let mut found: Vec<(Vec<u8>, f64)> = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if matches(m) {
            found.push((m.to_vec(), s));
        }
    });
    w.array(2);
    w.bulk(next.to_string().as_bytes());
    w.array(found.len() * 2);
    for (m, s) in &found {
        w.bulk(m);
        w.bulk(z.scan_score_text(*s).as_bytes());
    }
}

/// A scan cursor as Redis' `parseScanCursorOrReply` reads it with
/// `strtoul`: an optional sign then digits (a negative number wraps
/// around), nothing else; the empty string reads 0; overflow is refused.
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let (neg, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        None => return Some(0),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}
