//! BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP: how each attempts without
//! waiting and how a waiting client is served from a key that became
//! ready (see [`crate::blocking`]).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::numkeys_keys;
use super::ops::{move_one, mpop, parse_end, parse_mpop, pop_with_key, End, Moved, Popped};
use crate::blocking::{run, BlockingSpec, TimeoutReply};
use crate::commands::spec::ExecCtx;
use crate::error;
use crate::protocol::ReplyWriter;
use crate::server::connection::ConnCtx;

type AsyncRet<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

fn last_arg(a: &[Bytes]) -> usize {
    a.len().saturating_sub(1)
}

fn keys_but_last(a: &[Bytes]) -> Vec<usize> {
    (1..a.len().saturating_sub(1)).collect()
}

fn first_key(_: &[Bytes]) -> Vec<usize> {
    vec![1]
}

fn second_key(_: &[Bytes]) -> usize {
    2
}

/// `LPOP` or `RPOP`.
fn pop_name(end: End) -> Bytes {
    Bytes::from_static(match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    })
}

/// `LEFT` or `RIGHT`.
fn end_name(end: End) -> Bytes {
    Bytes::from_static(match end {
        End::Left => b"LEFT",
        End::Right => b"RIGHT",
    })
}

/// The journal records a blocking pop as the plain pop it did (as Redis
/// propagates BLPOP as LPOP): replaying the blocking form could wait.
fn propagate_pop(ctx: &mut ExecCtx<'_>, key: &Bytes, end: End, count: Option<u64>) {
    if ctx.journaling() {
        let mut cmd = vec![pop_name(end), key.clone()];
        if let Some(c) = count {
            cmd.push(Bytes::from(c.to_string()));
        }
        ctx.propagate_as(cmd);
    }
}

/// BLPOP/BRPOP without waiting: pops from the first non-empty list.
fn bpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, end: End) {
    let keys = a.get(1..a.len().saturating_sub(1)).unwrap_or(&[]);
    for key in keys {
        match pop_with_key(ctx, key, end, None, w) {
            Popped::Missing => continue,
            Popped::WrongType => return w.error(error::WRONGTYPE),
            Popped::Done => return propagate_pop(ctx, key, end, None),
        }
    }
}

fn bpop_serve(
    ctx: &mut ExecCtx<'_>,
    a: &[Bytes],
    key_arg: usize,
    w: &mut ReplyWriter<'_>,
    end: End,
) -> bool {
    match a.get(key_arg) {
        Some(key) => {
            let done = pop_with_key(ctx, key, end, None, w) == Popped::Done;
            if done {
                propagate_pop(ctx, key, end, None);
            }
            done
        }
        None => false,
    }
}

/// The journal records a blocking move as LMOVE.
fn propagate_move(ctx: &mut ExecCtx<'_>, src: &Bytes, dst: &Bytes, from: End, to: End) {
    if ctx.journaling() {
        ctx.propagate_as(vec![
            Bytes::from_static(b"LMOVE"),
            src.clone(),
            dst.clone(),
            end_name(from),
            end_name(to),
        ]);
    }
}

fn blpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bpop_attempt(ctx, a, w, End::Left)
}

fn brpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bpop_attempt(ctx, a, w, End::Right)
}

fn blpop_serve(ctx: &mut ExecCtx<'_>, a: &[Bytes], k: usize, w: &mut ReplyWriter<'_>) -> bool {
    bpop_serve(ctx, a, k, w, End::Left)
}

fn brpop_serve(ctx: &mut ExecCtx<'_>, a: &[Bytes], k: usize, w: &mut ReplyWriter<'_>) -> bool {
    bpop_serve(ctx, a, k, w, End::Right)
}

/// The ends of a BLMOVE (`args[3]`, `args[4]`) or BRPOPLPUSH (RIGHT, LEFT).
fn move_ends(a: &[Bytes]) -> Result<(End, End), &'static str> {
    if a.len() == 4 {
        return Ok((End::Right, End::Left));
    }
    let from = parse_end(a.get(3).map_or(&[][..], |x| &x[..]))?;
    let to = parse_end(a.get(4).map_or(&[][..], |x| &x[..]))?;
    Ok((from, to))
}

fn bmove_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let (from, to) = match move_ends(a) {
        Ok(e) => e,
        Err(e) => return w.error(e),
    };
    match move_one(ctx, &a[1], &a[2], from, to, w) {
        Moved::NoSource => {}
        Moved::Done => propagate_move(ctx, &a[1], &a[2], from, to),
        Moved::SourceWrongType | Moved::DestWrongType => w.error(error::WRONGTYPE),
    }
}

/// Serves a BLMOVE/BRPOPLPUSH client from its source. A destination of
/// another type ends the wait with WRONGTYPE and leaves both keys as they
/// are, as Redis does.
fn bmove_serve(ctx: &mut ExecCtx<'_>, a: &[Bytes], k: usize, w: &mut ReplyWriter<'_>) -> bool {
    let Ok((from, to)) = move_ends(a) else {
        return false;
    };
    let (Some(src), Some(dst)) = (a.get(k), a.get(2)) else {
        return false;
    };
    match move_one(ctx, src, dst, from, to, w) {
        Moved::NoSource | Moved::SourceWrongType => false,
        Moved::DestWrongType => {
            w.error(error::WRONGTYPE);
            true
        }
        Moved::Done => {
            propagate_move(ctx, src, dst, from, to);
            true
        }
    }
}

fn blmpop_attempt(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    match parse_mpop(a, 2) {
        Ok(m) => {
            mpop(ctx, a, &m, w);
            // Without the timeout, the same pop replays deterministically.
            if ctx.journaling() {
                let mut cmd = Vec::with_capacity(a.len() - 1);
                cmd.push(Bytes::from_static(b"LMPOP"));
                cmd.extend(a.iter().skip(2).cloned());
                ctx.propagate_as(cmd);
            }
        }
        Err(e) => w.error(e),
    }
}

fn blmpop_serve(ctx: &mut ExecCtx<'_>, a: &[Bytes], k: usize, w: &mut ReplyWriter<'_>) -> bool {
    let Ok(m) = parse_mpop(a, 2) else {
        return false;
    };
    match a.get(k) {
        Some(key) => {
            let done = pop_with_key(ctx, key, m.end, Some(m.count), w) == Popped::Done;
            if done {
                propagate_pop(ctx, key, m.end, Some(m.count));
            }
            done
        }
        None => false,
    }
}

fn blmpop_keys(a: &[Bytes]) -> Vec<usize> {
    numkeys_keys(a, 2)
}

/// BLPOP.
pub static BLPOP: BlockingSpec = BlockingSpec {
    attempt: blpop_attempt,
    serve: blpop_serve,
    timeout_arg: last_arg,
    wait_keys: keys_but_last,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: None,
};

/// BRPOP.
pub static BRPOP: BlockingSpec = BlockingSpec {
    attempt: brpop_attempt,
    serve: brpop_serve,
    timeout_arg: last_arg,
    wait_keys: keys_but_last,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: None,
};

/// BLMOVE.
pub static BLMOVE: BlockingSpec = BlockingSpec {
    attempt: bmove_attempt,
    serve: bmove_serve,
    timeout_arg: |_| 5,
    wait_keys: first_key,
    destination: Some(second_key),
    // Redis 7.0 answers a timed-out BLMOVE/BRPOPLPUSH with a null array
    // (`*-1`), like the other blocking list commands; only the non-blocking
    // fallback inside MULTI gives a null bulk.
    timeout_reply: TimeoutReply::NullArray,
    check_args: Some(check_blmove),
};

/// BRPOPLPUSH.
pub static BRPOPLPUSH: BlockingSpec = BlockingSpec {
    attempt: bmove_attempt,
    serve: bmove_serve,
    timeout_arg: |_| 3,
    wait_keys: first_key,
    destination: Some(second_key),
    // Redis 7.0 answers a timed-out BLMOVE/BRPOPLPUSH with a null array
    // (`*-1`), like the other blocking list commands; only the non-blocking
    // fallback inside MULTI gives a null bulk.
    timeout_reply: TimeoutReply::NullArray,
    check_args: None,
};

/// BLMPOP.
pub static BLMPOP: BlockingSpec = BlockingSpec {
    attempt: blmpop_attempt,
    serve: blmpop_serve,
    timeout_arg: |_| 1,
    wait_keys: blmpop_keys,
    destination: None,
    timeout_reply: TimeoutReply::NullArray,
    check_args: Some(check_blmpop),
};

/// BLPOP's handler.
pub fn blpop(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    run(ctx, a, &BLPOP)
}

/// BRPOP's handler.
pub fn brpop(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    run(ctx, a, &BRPOP)
}

/// BLMOVE's handler.
pub fn blmove(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    run(ctx, a, &BLMOVE)
}

/// BRPOPLPUSH's handler.
pub fn brpoplpush(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    run(ctx, a, &BRPOPLPUSH)
}

/// BLMPOP's handler.
pub fn blmpop(ctx: &mut ConnCtx, a: Vec<Bytes>) -> AsyncRet<'_> {
    run(ctx, a, &BLMPOP)
}

/// BLMOVE reads its directions before its timeout.
fn check_blmove(a: &[Bytes]) -> Result<(), &'static str> {
    for i in [3, 4] {
        super::ops::parse_end(a.get(i).map(|x| &x[..]).unwrap_or_default())?;
    }
    Ok(())
}

/// BLMPOP reads numkeys, direction and COUNT before its timeout.
fn check_blmpop(a: &[Bytes]) -> Result<(), &'static str> {
    super::ops::parse_mpop(a, 2).map(|_| ())
}
