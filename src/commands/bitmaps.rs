//! Bitmap commands (Redis' bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD and BITFIELD_RO.
//!
//! Bits are numbered from the most significant bit of the first byte, as
//! Redis does. Strings that a command writes become [`Value::Raw`].

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler::Keyed};
use super::strings::{raw_mut, MAX_STRING_LEN};
use crate::error;
use crate::notify::class;
use crate::protocol::ReplyWriter;
use crate::shard::keyspace::Db;
use crate::types::Value;

/// The bitmap family's table.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "setbit",
        4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "bitmap",
        "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.",
        Keyed(setbit),
    ),
    cmd(
        "getbit",
        3,
        READONLY | FAST,
        1,
        1,
        1,
        "bitmap",
        "Returns a bit value by offset.",
        Keyed(getbit),
    ),
    cmd(
        "bitcount",
        -2,
        READONLY,
        1,
        1,
        1,
        "bitmap",
        "Counts the number of set bits (population counting) in a string.",
        Keyed(bitcount),
    ),
    cmd(
        "bitpos",
        -3,
        READONLY,
        1,
        1,
        1,
        "bitmap",
        "Finds the first set (1) or clear (0) bit in a string.",
        Keyed(bitpos),
    ),
    cmd(
        "bitop",
        -4,
        WRITE | DENYOOM,
        2,
        -1,
        1,
        "bitmap",
        "Performs bitwise operations on multiple strings, and stores the result.",
        Keyed(bitop),
    ),
    cmd(
        "bitfield",
        -2,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "bitmap",
        "Performs arbitrary bitfield integer operations on strings.",
        Keyed(bitfield),
    ),
    cmd(
        "bitfield_ro",
        -2,
        READONLY | FAST,
        1,
        1,
        1,
        "bitmap",
        "Performs arbitrary read-only bitfield integer operations on strings.",
        Keyed(bitfield_ro),
    ),
];

/// Parses a bit offset as Redis' `getBitOffsetFromArgument`: with `bits`
/// given, `#N` means `N * bits` (multiplied with wrap-around, as C does).
/// Offsets whose byte is at or past 512MB are refused.
fn bit_offset(arg: &[u8], bits: Option<u32>) -> Result<u64, &'static str> {
    let (hash, digits) = match (arg.first(), bits) {
        (Some(b'#'), Some(_)) => (true, &arg[1..]),
        _ => (false, arg),
    };
    let mut off = args::int(digits).map_err(|_| error::BIT_OFFSET)?;
    if hash {
        off = off.wrapping_mul(bits.unwrap_or(1) as i64);
    }
    if off < 0 || (off as u64 >> 3) >= MAX_STRING_LEN {
        return Err(error::BIT_OFFSET);
    }
    Ok(off as u64)
}

/// The string at `key` for writing bits up to bit `maxbit`, created or
/// zero-padded as needed and made `Raw` (Redis' `lookupStringForBitCommand`).
fn string_for_bits<'a>(
    db: &'a mut Db,
    key: &[u8],
    now: u64,
    maxbit: u64,
) -> Result<(&'a mut Vec<u8>, bool), &'static str> {
    let len = (maxbit >> 3) as usize + 1;
    let mut grown = false;
    match db.get(key, now) {
        None => {
            db.set(key, Value::raw(Vec::new()), false);
            grown = true;
        }
        Some(v) if !v.is_string() => return Err(error::WRONGTYPE),
        Some(_) => {}
    }
    let buf = db
        .get_mut(key, now)
        .and_then(raw_mut)
        .ok_or(error::WRONGTYPE)?;
    if buf.len() < len {
        buf.resize(len, 0);
        grown = true;
    }
    Ok((buf, grown))
}

fn setbit(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    const ERR_BIT: &str = "ERR bit is not an integer or out of range";
    let off = match bit_offset(&a[2], None) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let on = match args::int(&a[3]) {
        Ok(v) if v & !1 == 0 => v as u8,
        _ => return w.error(ERR_BIT),
    };
    let now = ctx.now;
    let (buf, grown) = match string_for_bits(ctx.db(), &a[1], now, off) {
        Ok(b) => b,
        Err(e) => return w.error(e),
    };
    let byte = (off >> 3) as usize;
    let shift = 7 - (off & 7) as u8;
    let old = (buf[byte] >> shift) & 1;
    buf[byte] = (buf[byte] & !(1 << shift)) | (on << shift);
    ctx.dirty += 1;
    // As Redis: an event only when the string was created or grown, or
    // the bit changed.
    if grown || old != on {
        ctx.notify(class::STRING, "setbit", &a[1]);
    }
    w.int(old as i64);
}

fn getbit(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let off = match bit_offset(&a[2], None) {
        Ok(o) => o,
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    let mut tmp = [0u8; 20];
    let s = match ctx.db().get(&a[1], now) {
        None => return w.int(0),
        Some(v) => match v.as_bytes(&mut tmp) {
            Some(s) => s,
            None => return w.error(error::WRONGTYPE),
        },
    };
    let byte = (off >> 3) as usize;
    let bit = s.get(byte).map_or(0, |b| (b >> (7 - (off & 7))) & 1);
    w.int(bit as i64);
}

/// Number of set bits in `s`.
pub fn popcount(s: &[u8]) -> u64 {
    let mut chunks = s.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        n += u64::from_ne_bytes(word).count_ones() as u64;
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| b.count_ones() as u64)
        .sum::<u64>()
}

/// A range in a string of `len` bytes, as BITCOUNT and BITPOS read their
/// `start end [BYTE|BIT]` arguments: negative indexes count from the end,
/// then both are clamped. Returns the first and last bit, or `None` when
/// the range is empty.
fn bit_range(start: i64, end: i64, len: usize, isbit: bool) -> Option<(u64, u64)> {
    let total = if isbit { len as i64 * 8 } else { len as i64 };
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    let (s, e) = (start as u64, end as u64);
    Some(if isbit { (s, e) } else { (s * 8, e * 8 + 7) })
}

/// Parses an optional `BYTE|BIT` unit argument.
fn unit_is_bit(arg: &[u8]) -> Option<bool> {
    if is(arg, "bit") {
        Some(true)
    } else if is(arg, "byte") {
        Some(false)
    } else {
        None
    }
}

/// Number of set bits from bit `first` to bit `last` (inclusive) of `s`.
fn count_bits(s: &[u8], first: u64, last: u64) -> u64 {
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    let mut n = popcount(&s[fb..=lb]);
    // Take off the bits of the edge bytes that are outside the range.
    let head = s[fb] & !(0xffu8 >> (first & 7));
    let tail = s[lb] & (0xffu8 >> (last & 7) >> 1);
    n -= head.count_ones() as u64 + tail.count_ones() as u64;
    n
}

fn bitcount(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    let mut tmp = [0u8; 20];
    let s = match ctx.db().get(&a[1], now) {
        None => return w.int(0),
        Some(v) => match v.as_bytes(&mut tmp) {
            Some(s) => s,
            None => return w.error(error::WRONGTYPE),
        },
    };
    let range = match a.len() {
        2 => bit_range(0, -1, s.len(), false),
        4 | 5 => {
            let (start, end) = match (args::int(&a[2]), args::int(&a[3])) {
                (Ok(s), Ok(e)) => (s, e),
                (Err(e), _) | (_, Err(e)) => return w.error(e),
            };
            if start < 0 && end < 0 && start > end {
                return w.int(0);
            }
            let isbit = match a.get(4) {
                None => false,
                Some(u) => match unit_is_bit(u) {
                    Some(b) => b,
                    None => return w.error(error::SYNTAX),
                },
            };
            bit_range(start, end, s.len(), isbit)
        }
        _ => return w.error(error::SYNTAX),
    };
    match range {
        None => w.int(0),
        Some((first, last)) => w.int(count_bits(s, first, last) as i64),
    }
}

/// Position of the first bit equal to `bit` from bit `first` to bit `last`
/// (inclusive) of `s`.
fn find_bit(s: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let (fb, lb) = ((first >> 3) as usize, (last >> 3) as usize);
    // Bytes whose bits are all "not found" are skipped whole.
    let skip = if bit { 0x00 } else { 0xff };
    let mut i = fb;
    while i <= lb {
        let mut b = s[i];
        let mut mask = 0xffu8;
        if i == fb {
            mask &= 0xff >> (first & 7);
        }
        if i == lb {
            mask &= !(0x7fu8 >> (last & 7));
        }
        if !bit {
            b = !b;
        }
        b &= mask;
        if b != 0 {
            return Some(i as u64 * 8 + b.leading_zeros() as u64);
        }
        i += 1;
        if i < lb {
            // Fast skip through the middle of the range.
            let n = s[i..lb].iter().position(|&c| c != skip).unwrap_or(lb - i);
            i += n;
        }
    }
    None
}

fn bitpos(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let bit = match args::int(&a[2]) {
        Ok(b @ (0 | 1)) => b == 1,
        Ok(_) => return w.error("ERR The bit argument must be 1 or 0."),
        Err(e) => return w.error(e),
    };
    let now = ctx.now;
    let mut tmp = [0u8; 20];
    let s = match ctx.db().get(&a[1], now) {
        // A missing key is an infinite run of zeros.
        None => return w.int(if bit { -1 } else { 0 }),
        Some(v) => match v.as_bytes(&mut tmp) {
            Some(s) => s,
            None => return w.error(error::WRONGTYPE),
        },
    };
    let mut end_given = false;
    let range = match a.len() {
        3 => bit_range(0, -1, s.len(), false),
        4..=6 => {
            let start = match args::int(&a[3]) {
                Ok(v) => v,
                Err(e) => return w.error(e),
            };
            let isbit = match a.get(5) {
                None => false,
                Some(u) => match unit_is_bit(u) {
                    Some(b) => b,
                    None => return w.error(error::SYNTAX),
                },
            };
            let end = match a.get(4) {
                None => -1,
                Some(e) => match args::int(e) {
                    Ok(v) => {
                        end_given = true;
                        v
                    }
                    Err(e) => return w.error(e),
                },
            };
            bit_range(start, end, s.len(), isbit)
        }
        _ => return w.error(error::SYNTAX),
    };
    let Some((first, last)) = range else {
        return w.int(-1);
    };
    match find_bit(s, bit, first, last) {
        Some(p) => w.int(p as i64),
        // Looking for a clear bit with no end given: the string is taken as
        // padded with zeros on the right.
        None if !bit && !end_given => w.int(last as i64 + 1),
        None => w.int(-1),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

fn bitop(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let op = if is(&a[1], "and") {
        BitOp::And
    } else if is(&a[1], "or") {
        BitOp::Or
    } else if is(&a[1], "xor") {
        BitOp::Xor
    } else if is(&a[1], "not") {
        BitOp::Not
    } else {
        return w.error(error::SYNTAX);
    };
    if op == BitOp::Not && a.len() != 4 {
        return w.error("ERR BITOP NOT must be called with a single source key.");
    }
    let now = ctx.now;
    let db = ctx.db();
    // Check every source's type before computing anything.
    for k in &a[3..] {
        if db.get(k, now).is_some_and(|v| !v.is_string()) {
            return w.error(error::WRONGTYPE);
        }
    }
    // Fold the sources into one buffer; shorter strings are zero-padded.
    let mut acc: Vec<u8> = Vec::new();
    for (n, k) in a[3..].iter().enumerate() {
        let mut tmp = [0u8; 20];
        let src: &[u8] = match db.get(k, now) {
            None => &[],
            Some(v) => v.as_bytes(&mut tmp).unwrap_or_default(),
        };
        if n == 0 {
            acc.extend_from_slice(src);
            if op == BitOp::Not {
                acc.iter_mut().for_each(|b| *b = !*b);
            }
            continue;
        }
        if acc.len() < src.len() {
            acc.resize(src.len(), 0);
        }
        match op {
            BitOp::And => {
                for (i, d) in acc.iter_mut().enumerate() {
                    *d &= src.get(i).copied().unwrap_or(0);
                }
            }
            BitOp::Or => acc.iter_mut().zip(src).for_each(|(d, s)| *d |= s),
            BitOp::Xor => acc.iter_mut().zip(src).for_each(|(d, s)| *d ^= s),
            BitOp::Not => {}
        }
    }
    let len = acc.len();
    if len > 0 {
        db.set(&a[2], Value::raw(acc), false);
        ctx.dirty += 1;
        ctx.notify(class::STRING, "set", &a[2]);
    } else if db.remove(&a[2], now).is_some() {
        ctx.dirty += 1;
        ctx.notify(class::GENERIC, "del", &a[2]);
    }
    w.int(len as i64);
}

/// What BITFIELD does on overflow.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum FieldOp {
    Get,
    Set,
    Incr,
}

#[derive(Clone, Copy, Debug)]
struct Field {
    op: FieldOp,
    signed: bool,
    bits: u32,
    offset: u64,
    value: i64,
    overflow: Overflow,
}

const ERR_BITFIELD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// Parses `i1`..`i64` / `u1`..`u63` (lowercase prefix, as Redis 7.0).
fn bitfield_type(arg: &[u8]) -> Result<(bool, u32), &'static str> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(ERR_BITFIELD_TYPE),
    };
    // Redis reads the width with strlen(): up to the first NUL.
    let rest = &arg[1..];
    let rest = &rest[..memchr::memchr(0, rest).unwrap_or(rest.len())];
    match args::int(rest) {
        Ok(b) if b >= 1 && b <= if signed { 64 } else { 63 } => Ok((signed, b as u32)),
        _ => Err(ERR_BITFIELD_TYPE),
    }
}

/// Reads `bits` bits (MSB first) at bit `offset`; bytes past the end read
/// as zero.
pub fn get_unsigned(s: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v: u64 = 0;
    for i in 0..bits as u64 {
        let o = offset + i;
        let byte = s.get((o >> 3) as usize).copied().unwrap_or(0);
        v = (v << 1) | ((byte >> (7 - (o & 7))) & 1) as u64;
    }
    v
}

/// Reads a two's complement field of `bits` bits.
pub fn get_signed(s: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(s, offset, bits);
    if bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` bits of `v` (MSB first) at bit `offset`; the
/// buffer must be long enough.
pub fn set_field(s: &mut [u8], offset: u64, bits: u32, v: u64) {
    for i in 0..bits as u64 {
        let bit = (v >> (bits as u64 - 1 - i)) & 1;
        let o = offset + i;
        let byte = (o >> 3) as usize;
        let shift = 7 - (o & 7);
        s[byte] = (s[byte] & !(1 << shift)) | ((bit as u8) << shift);
    }
}

/// Redis' `checkUnsignedBitfieldOverflow`: whether `value + incr` leaves
/// the field's range, and the value to store on WRAP / SAT.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> Option<u64> {
    let max: u64 = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = (value as i64).wrapping_neg();
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0));
    if value > max || (incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrap(),
            _ => max,
        })
    } else if incr < 0 && incr < minincr {
        Some(match ow {
            Overflow::Wrap => wrap(),
            _ => 0,
        })
    } else {
        None
    }
}

/// Redis' `checkSignedBitfieldOverflow`.
fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> Option<i64> {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                (c | mask) as i64
            } else {
                (c & !mask) as i64
            }
        } else {
            c as i64
        }
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        Some(match ow {
            Overflow::Wrap => wrap(),
            _ => max,
        })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        Some(match ow {
            Overflow::Wrap => wrap(),
            _ => min,
        })
    } else {
        None
    }
}

fn bitfield(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bitfield_generic(ctx, a, w, false)
}

fn bitfield_ro(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    bitfield_generic(ctx, a, w, true)
}

fn bitfield_generic(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>, ro: bool) {
    let mut ops: Vec<Field> = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut j = 2;
    while j < a.len() {
        let rem = a.len() - j - 1;
        let sub = &a[j];
        let op = if is(sub, "get") && rem >= 2 {
            FieldOp::Get
        } else if is(sub, "set") && rem >= 3 {
            FieldOp::Set
        } else if is(sub, "incrby") && rem >= 3 {
            FieldOp::Incr
        } else if is(sub, "overflow") && rem >= 1 {
            let t = &a[j + 1];
            overflow = if is(t, "wrap") {
                Overflow::Wrap
            } else if is(t, "sat") {
                Overflow::Sat
            } else if is(t, "fail") {
                Overflow::Fail
            } else {
                return w.error("ERR Invalid OVERFLOW type specified");
            };
            j += 2;
            continue;
        } else {
            return w.error(error::SYNTAX);
        };
        let (signed, bits) = match bitfield_type(&a[j + 1]) {
            Ok(t) => t,
            Err(e) => return w.error(e),
        };
        let offset = match bit_offset(&a[j + 2], Some(bits)) {
            Ok(o) => o,
            Err(e) => return w.error(e),
        };
        let mut value = 0;
        if op != FieldOp::Get {
            let top = offset + bits as u64 - 1;
            highest_write = Some(highest_write.map_or(top, |h| h.max(top)));
            value = match args::int(&a[j + 3]) {
                Ok(v) => v,
                Err(e) => return w.error(e),
            };
        }
        ops.push(Field {
            op,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    let now = ctx.now;
    let db = ctx.db();
    let Some(maxbit) = highest_write else {
        // Only GETs: a read, that creates nothing.
        let mut tmp = [0u8; 20];
        let s: &[u8] = match db.get(&a[1], now) {
            None => &[],
            Some(v) => match v.as_bytes(&mut tmp) {
                Some(s) => s,
                None => return w.error(error::WRONGTYPE),
            },
        };
        w.array(ops.len());
        for f in &ops {
            if f.signed {
                w.int(get_signed(s, f.offset, f.bits));
            } else {
                w.int(get_unsigned(s, f.offset, f.bits) as i64);
            }
        }
        return;
    };
    if ro {
        return w.error("ERR BITFIELD_RO only supports the GET subcommand");
    }
    let (buf, grown) = match string_for_bits(db, &a[1], now, maxbit) {
        Ok(b) => b,
        Err(e) => return w.error(e),
    };
    w.array(ops.len());
    let mut changes = 0;
    for f in &ops {
        if f.op == FieldOp::Get {
            if f.signed {
                w.int(get_signed(buf, f.offset, f.bits));
            } else {
                w.int(get_unsigned(buf, f.offset, f.bits) as i64);
            }
            continue;
        }
        // (value to store, value to reply, overflowed)
        let (store, reply, overflowed) = if f.signed {
            let old = get_signed(buf, f.offset, f.bits);
            if f.op == FieldOp::Incr {
                match signed_overflow(old, f.value, f.bits, f.overflow) {
                    Some(v) => (v, v, true),
                    None => {
                        let v = old.wrapping_add(f.value);
                        (v, v, false)
                    }
                }
            } else {
                match signed_overflow(f.value, 0, f.bits, f.overflow) {
                    Some(v) => (v, old, true),
                    None => (f.value, old, false),
                }
            }
        } else {
            let old = get_unsigned(buf, f.offset, f.bits);
            let (store, reply, overflowed) = if f.op == FieldOp::Incr {
                match unsigned_overflow(old, f.value, f.bits, f.overflow) {
                    Some(v) => (v, v, true),
                    None => {
                        let v = old.wrapping_add(f.value as u64);
                        (v, v, false)
                    }
                }
            } else {
                match unsigned_overflow(f.value as u64, 0, f.bits, f.overflow) {
                    Some(v) => (v, old, true),
                    None => (f.value as u64, old, false),
                }
            };
            (store as i64, reply as i64, overflowed)
        };
        if overflowed && f.overflow == Overflow::Fail {
            w.null();
        } else {
            w.int(reply);
            let before = get_unsigned(buf, f.offset, f.bits);
            set_field(buf, f.offset, f.bits, store as u64);
            // As Redis 7.0: a write counts when the string was created or
            // grown, or the field's bits changed.
            if grown || get_unsigned(buf, f.offset, f.bits) != before {
                changes += 1;
            }
        }
    }
    ctx.dirty += changes;
    if changes > 0 {
        ctx.notify(class::STRING, "setbit", &a[1]);
    }
}

#[cfg(test)]
mod tests {
    //! Expected replies were captured from redis-server 7.0.15 (started as
    //! `redis-server --port 17201 --save ''`), by sending the same commands
    //! with a raw RESP client and recording the reply bytes (written here as
    //! Python's bytes repr does: `:1\r\n`, `$1\r\n\x01\r\n`).

    use super::*;
    use crate::commands::testutil::Session;
    use proptest::prelude::*;

    #[test]
    fn setbit_getbit_bitcount_bitpos_as_redis() {
        let mut s = Session::new();
        // SETBIT / GETBIT
        assert_eq!(s.runv(&["setbit", "b1", "7", "1"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["get", "b1"]), r#"$1\r\n\x01\r\n"#);
        assert_eq!(s.encoding("b1"), Some("raw"));
        assert_eq!(s.runv(&["setbit", "b1", "7", "1"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["setbit", "b1", "7", "0"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["setbit", "b1", "100", "1"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["strlen", "b1"]), r#":13\r\n"#);
        assert_eq!(s.runv(&["getbit", "b1", "100"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["getbit", "b1", "101"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["getbit", "b1", "100000"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["getbit", "nokey", "5"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["getbit", "nokey", "x"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["getbit", "b1", "-1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["getbit", "b1", "4294967295"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["getbit", "b1", "4294967296"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "-1", "1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "x", "1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "0", "2"]),
            r#"-ERR bit is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "0", "-1"]),
            r#"-ERR bit is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "0", "x"]),
            r#"-ERR bit is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "4294967296", "1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "9223372036854775807", "1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "0", "01"]),
            r#"-ERR bit is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["setbit", "b1", "#8", "1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["getbit", "b1", "#1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["set", "b2", "12"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["getbit", "b2", "2"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["getbit", "b2", "3"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["getbit", "b2", "7"]), r#":1\r\n"#);
        assert_eq!(s.runv(&["getbit", "b2", "8"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["getbit", "b2", "100"]), r#":0\r\n"#);
        assert_eq!(s.encoding("b2"), Some("int"));
        assert_eq!(s.runv(&["setbit", "b2", "0", "0"]), r#":0\r\n"#);
        assert_eq!(s.encoding("b2"), Some("raw"));
        assert_eq!(s.runv(&["get", "b2"]), r#"$2\r\n12\r\n"#);
        assert_eq!(s.runv(&["set", "b3", "abc"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["setbit", "b3", "1", "0"]), r#":1\r\n"#);
        assert_eq!(s.encoding("b3"), Some("raw"));
        assert_eq!(s.runv(&["setbit", "b4", "0", "0"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["get", "b4"]), r#"$1\r\n\x00\r\n"#);
        assert_eq!(s.exists("b4"), 1);
        // BITCOUNT
        assert_eq!(s.runv(&["set", "c1", "foobar"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1"]), r#":26\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "0", "0"]), r#":4\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "1", "1"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "1", "1", "byte"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "5", "30", "bit"]), r#":17\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "-1", "-1"]), r#":4\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "-1", "-5"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "-1", "-5", "foo"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "0", "-1", "bit"]), r#":26\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "-8", "-1", "bit"]), r#":4\r\n"#);
        assert_eq!(
            s.runv(&["bitcount", "c1", "-100", "100", "bit"]),
            r#":26\r\n"#
        );
        assert_eq!(s.runv(&["bitcount", "c1", "0"]), r#"-ERR syntax error\r\n"#);
        assert_eq!(
            s.runv(&["bitcount", "c1", "0", "1", "2"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitcount", "c1", "0", "1", "bit", "2"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitcount", "c1", "0", "1", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitcount", "c1", "a", "1"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitcount", "c1", "1", "a"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitcount", "c1", "a", "1", "foo"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(s.runv(&["bitcount", "nokey"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "nokey", "0"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["bitcount", "nokey", "a", "b", "c", "d", "e"]),
            r#":0\r\n"#
        );
        assert_eq!(s.runv(&["bitcount", "c1", "3", "1"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&[
                "bitcount",
                "c1",
                "9223372036854775807",
                "-9223372036854775808",
                "bit"
            ]),
            r#":0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitcount",
                "c1",
                "-9223372036854775808",
                "9223372036854775807",
                "bit"
            ]),
            r#":26\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitcount",
                "c1",
                "-9223372036854775808",
                "9223372036854775807"
            ]),
            r#":26\r\n"#
        );
        assert_eq!(s.runv(&["bitcount", "c1", "0", "0", "bit"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "1", "6", "bit"]), r#":4\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c1", "7", "7", "bit"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["set", "c2", ""]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c2"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c2", "0", "-1"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c2", "0", "-1", "bit"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["set", "c3", "1234"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c3"]), r#":13\r\n"#);
        assert_eq!(s.runv(&["bitcount", "c3", "1", "2"]), r#":7\r\n"#);
        // BITPOS
        assert_eq!(s.runv(&["set", "p1", r#"\xff\xf0\x00"#]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "0"]), r#":12\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "1"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "0", "1"]), r#":12\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "1", "2"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "1", "2", "-1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "0", "0", "0"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p1", "0", "0", "-1"]), r#":12\r\n"#);
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "0", "-1", "bit"]),
            r#":0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "7", "15", "bit"]),
            r#":7\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "7", "15", "bit"]),
            r#":12\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "0", "11", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "0", "12", "bit"]),
            r#":12\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "12", "-1", "bit"]),
            r#":12\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "17", "-1", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "5", "3", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "0", "-3", "-1", "bit"]),
            r#":21\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "2"]),
            r#"-ERR The bit argument must be 1 or 0.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "-1"]),
            r#"-ERR The bit argument must be 1 or 0.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "0", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "0", "1", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "0", "1", "bit", "x"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "x", "1", "foo"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p1", "1", "0", "x", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["bitpos", "nokey", "1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "nokey", "0"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitpos", "nokey", "0", "5", "10"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["bitpos", "nokey", "2"]),
            r#"-ERR The bit argument must be 1 or 0.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "nokey", "1", "a", "b", "c", "d", "e"]),
            r#":-1\r\n"#
        );
        assert_eq!(s.runv(&["set", "p2", r#"\xff\xff\xff"#]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0"]), r#":24\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0", "0"]), r#":24\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0", "1"]), r#":24\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0", "0", "-1"]), r#":-1\r\n"#);
        assert_eq!(
            s.runv(&["bitpos", "p2", "0", "0", "-1", "byte"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p2", "0", "0", "-1", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(s.runv(&["bitpos", "p2", "0", "3"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0", "100"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "1", "100"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "0", "-100"]), r#":24\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p2", "1", "-1"]), r#":16\r\n"#);
        assert_eq!(s.runv(&["set", "p3", ""]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p3", "0"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p3", "1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p3", "0", "0"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p3", "0", "0", "-1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["set", "p4", r#"\x00\x00\x00"#]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p4", "1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p4", "0"]), r#":0\r\n"#);
        assert_eq!(
            s.runv(&["bitpos", "p4", "1", "0", "-1", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(s.runv(&["bitpos", "p4", "1", "1"]), r#":-1\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p4", "0", "-1"]), r#":16\r\n"#);
        assert_eq!(s.runv(&["set", "p5", "12"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p5", "1"]), r#":2\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p5", "0"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p5", "1", "1"]), r#":10\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p5", "0", "0", "7", "bit"]), r#":0\r\n"#);
        assert_eq!(s.runv(&["bitpos", "p5", "1", "3", "3", "bit"]), r#":3\r\n"#);
        assert_eq!(s.runv(&["set", "p6", r#"\x00\x00\x01"#]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["bitpos", "p6", "1", "0", "-1", "bit"]),
            r#":23\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p6", "1", "0", "22", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p6", "1", "23", "23", "bit"]),
            r#":23\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p6", "1", "22", "22", "bit"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitpos", "p2", "0", "9223372036854775807"]),
            r#":-1\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitpos",
                "p2",
                "1",
                "-9223372036854775808",
                "9223372036854775807",
                "bit"
            ]),
            r#":0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitpos",
                "p2",
                "0",
                "-9223372036854775808",
                "9223372036854775807",
                "bit"
            ]),
            r#":-1\r\n"#
        );
    }

    #[test]
    fn bitop_bitfield_as_redis() {
        let mut s = Session::new();
        // BITOP
        assert_eq!(s.runv(&["set", "o1", "foobar"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "o2", "abcdef"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["set", "o3", "12"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitop", "and", "d", "o1", "o2"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\n`bc`ab\r\n"#);
        assert_eq!(s.encoding("d"), Some("raw"));
        assert_eq!(s.runv(&["bitop", "or", "d", "o1", "o2"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\ngoofev\r\n"#);
        assert_eq!(s.runv(&["bitop", "xor", "d", "o1", "o2"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\n\x07\r\x0c\x06\x04\x14\r\n"#);
        assert_eq!(s.runv(&["bitop", "not", "d", "o1"]), r#":6\r\n"#);
        assert_eq!(
            s.runv(&["get", "d"]),
            r#"$6\r\n\x99\x90\x90\x9d\x9e\x8d\r\n"#
        );
        assert_eq!(s.runv(&["bitop", "and", "d", "o1", "o3"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\n "\x00\x00\x00\x00\r\n"#);
        assert_eq!(
            s.runv(&["bitop", "or", "d", "o1", "o3", "nokey"]),
            r#":6\r\n"#
        );
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\nw\x7fobar\r\n"#);
        assert_eq!(s.runv(&["bitop", "xor", "d", "o3", "o1"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\nW]obar\r\n"#);
        assert_eq!(s.runv(&["bitop", "and", "d", "o1", "nokey"]), r#":6\r\n"#);
        assert_eq!(
            s.runv(&["get", "d"]),
            r#"$6\r\n\x00\x00\x00\x00\x00\x00\r\n"#
        );
        assert_eq!(
            s.runv(&["bitop", "not", "d", "o1", "o2"]),
            r#"-ERR BITOP NOT must be called with a single source key.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitop", "not", "d"]),
            r#"-ERR wrong number of arguments for 'bitop' command\r\n"#
        );
        assert_eq!(
            s.runv(&["bitop", "foo", "d", "o1"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitop", "nand", "d", "o1"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitop", "and", "d", "nokey", "nokey2"]),
            r#":0\r\n"#
        );
        assert_eq!(s.exists("d"), 0);
        assert_eq!(s.runv(&["set", "d", "x"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitop", "or", "d", "nokey"]), r#":0\r\n"#);
        assert_eq!(s.exists("d"), 0);
        assert_eq!(s.runv(&["set", "e", "y"]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitop", "or", "e", "o1"]), r#":6\r\n"#);
        assert_eq!(
            s.runv(&["bitop", "and", "d"]),
            r#"-ERR wrong number of arguments for 'bitop' command\r\n"#
        );
        assert_eq!(s.runv(&["bitop", "AND", "d", "o1"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\nfoobar\r\n"#);
        assert_eq!(s.runv(&["bitop", "not", "d", "nokey"]), r#":0\r\n"#);
        assert_eq!(s.exists("d"), 0);
        assert_eq!(s.runv(&["set", "o4", ""]), r#"+OK\r\n"#);
        assert_eq!(s.runv(&["bitop", "not", "d", "o4"]), r#":0\r\n"#);
        assert_eq!(s.exists("d"), 0);
        assert_eq!(s.runv(&["bitop", "or", "d", "o4", "o1"]), r#":6\r\n"#);
        assert_eq!(s.runv(&["get", "d"]), r#"$6\r\nfoobar\r\n"#);
        // BITFIELD
        assert_eq!(
            s.runv(&["bitfield", "f1", "set", "i8", "0", "100", "get", "i8", "0"]),
            r#"*2\r\n:0\r\n:100\r\n"#
        );
        assert_eq!(s.runv(&["get", "f1"]), r#"$1\r\nd\r\n"#);
        assert_eq!(s.encoding("f1"), Some("raw"));
        assert_eq!(
            s.runv(&["bitfield", "f1", "incrby", "i8", "0", "100"]),
            r#"*1\r\n:-56\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "sat", "incrby", "i8", "0", "100"]),
            r#"*1\r\n:44\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "fail", "incrby", "i8", "0", "100"]),
            r#"*1\r\n$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "wrap", "incrby", "i8", "0", "100"]),
            r#"*1\r\n:-112\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f1", "get", "u8", "0", "get", "i4", "0", "get", "u4", "4", "get",
                "i64", "0", "get", "u63", "0"
            ]),
            r#"*5\r\n:144\r\n:-7\r\n:0\r\n:-8070450532247928832\r\n:5188146770730811392\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f1", "set", "u8", "#1", "255", "get", "u8", "#1", "get", "u8", "8"
            ]),
            r#"*3\r\n:0\r\n:255\r\n:255\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "set", "u8", "0", "-1"]),
            r#"*1\r\n:144\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "sat", "set", "u8", "0", "-1"]),
            r#"*1\r\n:255\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "sat", "set", "u8", "0", "256"]),
            r#"*1\r\n:255\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "fail", "set", "u8", "0", "256"]),
            r#"*1\r\n$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "sat", "set", "i8", "0", "-200"]),
            r#"*1\r\n:-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "sat", "set", "i8", "0", "200"]),
            r#"*1\r\n:-128\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "wrap", "set", "i8", "0", "200"]),
            r#"*1\r\n:127\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "fail", "set", "i8", "0", "200"]),
            r#"*1\r\n$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "u64", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i65", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i0", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "x8", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i08", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "u63", "0"]),
            r#"*1\r\n:7241647463323402240\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "I8", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "U8", "0"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "-1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "x"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "#-1"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "4294967295"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "4294967296"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "#536870911"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8", "#536870912"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i8"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "set", "i8", "0"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "incrby", "i8", "0"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "overflow", "foo", "get", "i8", "0"]),
            r#"-ERR Invalid OVERFLOW type specified\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "set", "i8", "0", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "incrby", "i8", "0", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "set", "i8", "0", "x", "get", "i65", "0"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f1", "get", "i65", "0", "set", "i8", "0", "x"]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
        assert_eq!(s.runv(&["bitfield", "f1"]), r#"*0\r\n"#);
        assert_eq!(s.runv(&["bitfield", "f1", "overflow", "sat"]), r#"*0\r\n"#);
        assert_eq!(
            s.runv(&["bitfield", "f2", "get", "i8", "0"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(s.exists("f2"), 0);
        assert_eq!(
            s.runv(&["bitfield", "f2", "overflow", "fail", "incrby", "u2", "0", "5"]),
            r#"*1\r\n$-1\r\n"#
        );
        assert_eq!(s.exists("f2"), 1);
        assert_eq!(s.runv(&["get", "f2"]), r#"$1\r\n\x00\r\n"#);
        assert_eq!(
            s.runv(&[
                "bitfield",
                "f3",
                "set",
                "i64",
                "0",
                "9223372036854775807",
                "incrby",
                "i64",
                "0",
                "1"
            ]),
            r#"*2\r\n:0\r\n:-9223372036854775808\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f3", "overflow", "sat", "incrby", "i64", "0", "1", "incrby", "i64",
                "0", "-1"
            ]),
            r#"*2\r\n:-9223372036854775807\r\n:-9223372036854775808\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield",
                "f3",
                "set",
                "i64",
                "0",
                "-9223372036854775808",
                "overflow",
                "sat",
                "incrby",
                "i64",
                "0",
                "-1"
            ]),
            r#"*2\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f3", "overflow", "wrap", "incrby", "i64", "0", "-1"]),
            r#"*1\r\n:9223372036854775807\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield",
                "f3",
                "overflow",
                "fail",
                "incrby",
                "i64",
                "0",
                "9223372036854775807",
                "incrby",
                "i64",
                "0",
                "1"
            ]),
            r#"*2\r\n$-1\r\n$-1\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f3", "set", "u63", "0", "-1", "get", "u63", "0"]),
            r#"*2\r\n:4611686018427387903\r\n:9223372036854775807\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f3", "overflow", "sat", "set", "u63", "0", "-1"]),
            r#"*1\r\n:9223372036854775807\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield",
                "f3",
                "overflow",
                "sat",
                "incrby",
                "u63",
                "0",
                "-9223372036854775808"
            ]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield",
                "f3",
                "overflow",
                "wrap",
                "incrby",
                "u63",
                "0",
                "-9223372036854775808"
            ]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f3", "set", "u1", "0", "1", "set", "u1", "1", "2", "set", "i1", "2",
                "1", "set", "i1", "3", "-1", "get", "i1", "0", "get", "i2", "0"
            ]),
            r#"*6\r\n:0\r\n:0\r\n:0\r\n:0\r\n:-1\r\n:-2\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f3", "incrby", "i5", "3", "-20", "incrby", "u5", "100", "40",
                "overflow", "sat", "incrby", "i5", "3", "-20", "incrby", "u5", "100", "40"
            ]),
            r#"*4\r\n:-4\r\n:8\r\n:-16\r\n:31\r\n"#
        );
        assert_eq!(
            s.runv(&["get", "f3"]),
            r#"$14\r\n\xb0\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x0f\x80\r\n"#
        );
        assert_eq!(s.runv(&["set", "f4", "12"]), r#"+OK\r\n"#);
        assert_eq!(
            s.runv(&["bitfield", "f4", "get", "u8", "0"]),
            r#"*1\r\n:49\r\n"#
        );
        assert_eq!(s.encoding("f4"), Some("int"));
        assert_eq!(
            s.runv(&["bitfield", "f4", "set", "u8", "0", "65"]),
            r#"*1\r\n:49\r\n"#
        );
        assert_eq!(s.runv(&["get", "f4"]), r#"$2\r\nA2\r\n"#);
        assert_eq!(s.encoding("f4"), Some("raw"));
        assert_eq!(
            s.runv(&["bitfield", "f5", "set", "u8", "#2", "1", "get", "u8", "#0"]),
            r#"*2\r\n:0\r\n:0\r\n"#
        );
        assert_eq!(s.runv(&["get", "f5"]), r#"$3\r\n\x00\x00\x01\r\n"#);
        assert_eq!(
            s.runv(&["bitfield", "f6", "set", "i8", "4294967295", "1"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f6", "get", "u3", "#9223372036854775807"]),
            r#"-ERR bit offset is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f6", "get", "u8", "#2305843009213693953"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f6", "get", "i64", "#2305843009213693953"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield", "f6", "set", "i64", "#2305843009213693953", "5"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield", "f7", "incrby", "u2", "100", "1", "overflow", "sat", "incrby", "u2",
                "102", "-10", "overflow", "fail", "incrby", "u2", "104", "5", "get", "u2", "100"
            ]),
            r#"*4\r\n:1\r\n:0\r\n$-1\r\n:1\r\n"#
        );
        // BITFIELD_RO
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "get", "i8", "0"]),
            r#"*1\r\n:-56\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "get", "i8", "0", "get", "u4", "#1"]),
            r#"*2\r\n:-56\r\n:8\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "set", "i8", "0", "1"]),
            r#"-ERR BITFIELD_RO only supports the GET subcommand\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "incrby", "i8", "0", "1"]),
            r#"-ERR BITFIELD_RO only supports the GET subcommand\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "overflow", "sat", "get", "i8", "0"]),
            r#"*1\r\n:-56\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "get", "i8", "0", "set", "i8", "0", "x"]),
            r#"-ERR value is not an integer or out of range\r\n"#
        );
        assert_eq!(
            s.runv(&["bitfield_ro", "f1", "foo"]),
            r#"-ERR syntax error\r\n"#
        );
        assert_eq!(s.runv(&["bitfield_ro", "f1"]), r#"*0\r\n"#);
        assert_eq!(
            s.runv(&["bitfield_ro", "nokey", "get", "u16", "0"]),
            r#"*1\r\n:0\r\n"#
        );
        assert_eq!(
            s.runv(&[
                "bitfield_ro",
                "f1",
                "get",
                "i65",
                "0",
                "set",
                "i8",
                "0",
                "1"
            ]),
            r#"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"#
        );
    }

    #[test]
    fn writes_make_raw_values_and_bitop_clears_ttl() {
        let mut s = Session::new();
        s.run("set n 12");
        assert_eq!(s.encoding("n"), Some("int"));
        s.run("getbit n 3");
        s.run("bitfield n get u8 0");
        assert_eq!(s.encoding("n"), Some("int"));
        s.run("setbit n 0 0");
        assert!(
            matches!(s.store.db(0).get(b"n", s.now), Some(Value::Raw(v)) if v.as_slice() == b"12")
        );
        s.run("set t x ex 100");
        s.run("set src abc");
        assert_eq!(s.run("bitop or t src"), r":3\r\n");
        assert_eq!(s.store.db(0).expire_at(b"t"), None);
        assert!(matches!(
            s.store.db(0).get(b"t", s.now),
            Some(Value::Raw(_))
        ));
        s.run("set u y ex 100");
        assert_eq!(s.run("bitfield u set u8 0 65"), r"*1\r\n:121\r\n");
        assert!(s.store.db(0).expire_at(b"u").is_some());
        // Deleting an empty result counts as a change only if dest existed.
        let d = s.dirty;
        s.run("bitop and nothing missing");
        assert_eq!(s.dirty, d);
    }

    #[test]
    fn huge_offsets_are_refused_before_allocating() {
        let mut s = Session::new();
        let err = r"-ERR bit offset is not an integer or out of range\r\n";
        assert_eq!(s.run("setbit k 4294967296 1"), err);
        assert_eq!(s.run("bitfield k set u8 4294967296 1"), err);
        assert_eq!(s.run("bitfield k set u8 #536870912 1"), err);
        assert_eq!(s.run("bitfield k set i64 #9223372036854775807 1"), err);
        assert_eq!(s.exists("k"), 0);
    }

    #[test]
    fn resp3_nulls_for_failed_bitfield_ops() {
        let mut s = Session::new();
        s.proto = crate::protocol::Protocol::Resp3;
        assert_eq!(
            s.run("bitfield k overflow fail incrby u2 0 5 get u2 0"),
            r"*2\r\n_\r\n:0\r\n"
        );
    }

    /// Bits of `s`, most significant first.
    fn bits_of(s: &[u8]) -> Vec<bool> {
        s.iter()
            .flat_map(|b| (0..8).map(move |i| (b >> (7 - i)) & 1 == 1))
            .collect()
    }

    /// Redis' index normalisation, done naively: the positions (bytes or
    /// bits) selected by `start end`.
    fn naive_range(len: i64, start: i64, end: i64) -> Option<(i64, i64)> {
        let (mut s, mut e) = (start, end);
        if s < 0 {
            s += len;
        }
        if e < 0 {
            e += len;
        }
        let s = s.max(0);
        let e = e.max(0).min(len - 1);
        (s <= e).then_some((s, e))
    }

    fn naive_bitcount(s: &[u8], range: Option<(i64, i64, bool)>) -> i64 {
        let bits = bits_of(s);
        let Some((start, end, isbit)) = range else {
            return bits.iter().filter(|&&b| b).count() as i64;
        };
        if start < 0 && end < 0 && start > end {
            return 0;
        }
        let len = if isbit { bits.len() } else { s.len() } as i64;
        let Some((a, b)) = naive_range(len, start, end) else {
            return 0;
        };
        let (a, b) = if isbit { (a, b) } else { (a * 8, b * 8 + 7) };
        (a..=b).filter(|&i| bits[i as usize]).count() as i64
    }

    fn naive_bitpos(s: &[u8], bit: bool, start: Option<i64>, end: Option<i64>, isbit: bool) -> i64 {
        let bits = bits_of(s);
        let len = if isbit { bits.len() } else { s.len() } as i64;
        let Some((a, b)) = naive_range(len, start.unwrap_or(0), end.unwrap_or(-1)) else {
            return -1;
        };
        let (a, b) = if isbit { (a, b) } else { (a * 8, b * 8 + 7) };
        match (a..=b).find(|&i| bits[i as usize] == bit) {
            Some(p) => p,
            None if !bit && end.is_none() => b + 1,
            None => -1,
        }
    }

    fn set_bytes(s: &mut Session, key: &str, v: &[u8]) {
        s.exec(&[b"set".to_vec(), key.as_bytes().to_vec(), v.to_vec()]);
    }

    fn int_reply(r: &[u8]) -> i64 {
        let t = std::str::from_utf8(r).unwrap();
        t.trim_start_matches(':').trim_end().parse().unwrap()
    }

    proptest! {
        #[test]
        fn bitcount_matches_naive(
            data in proptest::collection::vec(any::<u8>(), 0..40),
            start in -400i64..400,
            end in -400i64..400,
            unit in 0u8..4,
        ) {
            let mut s = Session::new();
            set_bytes(&mut s, "k", &data);
            let mut args = vec![b"bitcount".to_vec(), b"k".to_vec()];
            let range = if unit == 3 {
                None
            } else {
                args.push(start.to_string().into_bytes());
                args.push(end.to_string().into_bytes());
                if unit > 0 {
                    args.push(if unit == 2 { b"bit".to_vec() } else { b"byte".to_vec() });
                }
                Some((start, end, unit == 2))
            };
            prop_assert_eq!(int_reply(&s.exec(&args)), naive_bitcount(&data, range));
            prop_assert_eq!(popcount(&data) as i64, naive_bitcount(&data, None));
        }

        #[test]
        fn bitpos_matches_naive(
            data in proptest::collection::vec(prop_oneof![Just(0u8), Just(0xffu8), any::<u8>()], 0..24),
            bit in any::<bool>(),
            start in -200i64..200,
            end in -200i64..200,
            form in 0u8..5,
        ) {
            let mut s = Session::new();
            set_bytes(&mut s, "k", &data);
            let mut args = vec![b"bitpos".to_vec(), b"k".to_vec(), vec![b'0' + bit as u8]];
            let (st, en, isbit) = match form {
                0 => (None, None, false),
                1 => (Some(start), None, false),
                2 => (Some(start), Some(end), false),
                3 => (Some(start), Some(end), true),
                _ => (Some(start), Some(end), false),
            };
            if let Some(v) = st { args.push(v.to_string().into_bytes()); }
            if let Some(v) = en { args.push(v.to_string().into_bytes()); }
            if form >= 3 { args.push(if isbit { b"BIT".to_vec() } else { b"byte".to_vec() }); }
            let expected = naive_bitpos(&data, bit, st, en, isbit);
            prop_assert_eq!(int_reply(&s.exec(&args)), expected);
        }

        #[test]
        fn bitfield_set_get_round_trip(
            init in proptest::collection::vec(any::<u8>(), 0..16),
            signed in any::<bool>(),
            bits in 1u32..=64,
            offset in 0u64..200,
            raw in any::<u64>(),
        ) {
            let bits = if signed { bits } else { bits.min(63) };
            let mut s = Session::new();
            set_bytes(&mut s, "k", &init);
            // A value in the type's range.
            let value: i64 = if signed {
                let shift = 64 - bits;
                ((raw << shift) as i64) >> shift
            } else {
                (raw & ((1u64 << bits) - 1)) as i64
            };
            let ty = format!("{}{}", if signed { 'i' } else { 'u' }, bits);
            let mut model = bits_of(&init);
            let needed = (offset + bits as u64) as usize;
            if model.len() < needed {
                model.resize(needed.div_ceil(8) * 8, false);
            }
            let old_bits = &model[offset as usize..needed];
            let mut old: u64 = 0;
            for &b in old_bits {
                old = (old << 1) | b as u64;
            }
            let old = if signed && bits < 64 && old >> (bits - 1) == 1 {
                (old | (u64::MAX << bits)) as i64
            } else {
                old as i64
            };
            let reply = s.runv(&["bitfield", "k", "set", &ty, &offset.to_string(), &value.to_string(), "get", &ty, &offset.to_string()]);
            prop_assert_eq!(reply, format!("*2\\r\\n:{}\\r\\n:{}\\r\\n", old, value));
            for i in 0..bits as usize {
                model[offset as usize + i] = (value as u64 >> (bits as usize - 1 - i)) & 1 == 1;
            }
            let stored = match s.store.db(0).get(b"k", s.now) {
                Some(Value::Raw(v)) => v.clone(),
                other => panic!("not raw: {other:?}"),
            };
            prop_assert_eq!(bits_of(&stored), model);
            // The same field read with the low-level helpers and via #N.
            if offset % bits as u64 == 0 {
                let r = s.runv(&["bitfield_ro", "k", "get", &ty, &format!("#{}", offset / bits as u64)]);
                prop_assert_eq!(r, format!("*1\\r\\n:{}\\r\\n", value));
            }
            let direct = if signed { get_signed(&stored, offset, bits) } else { get_unsigned(&stored, offset, bits) as i64 };
            prop_assert_eq!(direct, value);
        }
    }
}
