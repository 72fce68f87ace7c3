//! DUMP and RESTORE: a key's value in RDB object form, with the RDB
//! version and a CRC-64 appended ([`crate::persistence::rdb`]).

use bytes::Bytes;

use super::args::{self, is};
use super::spec::{cmd, flags::*, CommandSpec, ExecCtx, Handler};
use crate::error;
use crate::notify::class;
use crate::persistence::rdb::{compression, dump_payload, restore_payload, PayloadError};
use crate::protocol::ReplyWriter;
use crate::shard::evict;
use Handler::Keyed;

/// The family's command table.
pub static COMMANDS: &[CommandSpec] = &[
    cmd(
        "dump",
        2,
        READONLY,
        1,
        1,
        1,
        "generic",
        "Returns a serialized representation of the value stored at a key.",
        Keyed(dump),
    ),
    cmd(
        "restore",
        -4,
        WRITE | DENYOOM,
        1,
        1,
        1,
        "generic",
        "Creates a key from the serialized representation of a value.",
        Keyed(restore),
    ),
];

/// Reply of RESTORE for a payload whose footer is wrong.
pub const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
/// Reply of RESTORE for a payload whose object cannot be decoded.
pub const BAD_DATA: &str = "ERR Bad data format";
/// Reply of RESTORE when the key exists and REPLACE was not given.
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
const BAD_TTL: &str = "ERR Invalid TTL value, must be >= 0";
const BAD_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
const BAD_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";

/// DUMP key: the payload (long strings compressed if `rdbcompression`),
/// or nil for a missing key.
fn dump(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let now = ctx.now;
    match ctx.db().get(&a[1], now) {
        Some(v) => {
            let p = dump_payload(v, compression());
            w.bulk(&p)
        }
        None => w.null(),
    }
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f], with
/// Redis' order of checks: options, existing key, TTL, payload.
fn restore(ctx: &mut ExecCtx<'_>, a: &[Bytes], w: &mut ReplyWriter<'_>) {
    let mut replace = false;
    let mut absttl = false;
    let mut idle: Option<i64> = None;
    let mut freq: Option<i64> = None;
    let mut j = 4;
    while j < a.len() {
        let more = j + 1 < a.len();
        if is(&a[j], "replace") {
            replace = true;
        } else if is(&a[j], "absttl") {
            absttl = true;
        } else if is(&a[j], "idletime") && more && freq.is_none() {
            let v = match args::int(&a[j + 1]) {
                Ok(v) => v,
                Err(e) => return w.error(e),
            };
            if v < 0 {
                return w.error(BAD_IDLETIME);
            }
            idle = Some(v);
            j += 1;
        } else if is(&a[j], "freq") && more && idle.is_none() {
            let v = match args::int(&a[j + 1]) {
                Ok(v) => v,
                Err(e) => return w.error(e),
            };
            if !(0..=255).contains(&v) {
                return w.error(BAD_FREQ);
            }
            freq = Some(v);
            j += 1;
        } else {
            return w.error(error::SYNTAX);
        }
        j += 1;
    }
    let now = ctx.now;
    let key = &a[1];
    if !replace && ctx.db().contains(key, now) {
        return w.error(BUSYKEY);
    }
    let ttl = match args::int(&a[2]) {
        Ok(t) if t < 0 => return w.error(BAD_TTL),
        Ok(t) => t,
        Err(e) => return w.error(e),
    };
    let value = match restore_payload(&a[3]) {
        Ok(v) => v,
        Err(PayloadError::Footer) => return w.error(BAD_PAYLOAD),
        Err(PayloadError::Data(_)) => return w.error(BAD_DATA),
    };
    let deleted = replace && ctx.db().remove(key, now).is_some();
    let expire_at = match ttl {
        0 => None,
        t if absttl => Some(t as u64),
        t => Some((t as u64).saturating_add(now)),
    };
    if expire_at.is_some_and(|at| at <= now) {
        // Already expired: the key is not created (an old one is deleted).
        if deleted {
            ctx.dirty += 1;
            ctx.notify(class::GENERIC, "del", key);
            if ctx.journaling() {
                ctx.propagate_as(vec![Bytes::from_static(b"DEL"), key.clone()]);
            }
        }
        return w.ok();
    }
    let db = ctx.db();
    db.insert(key, value, expire_at);
    if evict::lfu_enabled() {
        if let Some(f) = freq {
            db.set_access(key, (evict::lfu_minutes_at(now / 1000) << 8) | f as u32);
        }
    } else if let Some(secs) = idle {
        let clock = evict::lru_clock() as i64;
        let idle_units = secs.saturating_mul(1000) / evict::LRU_CLOCK_RESOLUTION as i64;
        let access = clock
            .wrapping_sub(idle_units)
            .rem_euclid(evict::LRU_CLOCK_MAX as i64 + 1);
        db.set_access(key, access as u32);
    }
    ctx.dirty += 1;
    ctx.notify(class::GENERIC, "restore", key);
    // A relative TTL replays as the absolute time it meant here.
    if let (Some(at), false, true) = (expire_at, absttl, ctx.journaling()) {
        let mut cmd: Vec<Bytes> = a.to_vec();
        cmd[2] = Bytes::from(at.to_string());
        cmd.push(Bytes::from_static(b"ABSTTL"));
        ctx.propagate_as(cmd);
    }
    w.ok()
}

#[cfg(test)]
mod tests {
    use crate::commands::testutil::Session;

    fn err(msg: &str) -> String {
        format!("-{msg}\\r\\n")
    }

    /// The bulk string of a raw reply.
    fn bulk(reply: &[u8]) -> Vec<u8> {
        let nl = reply.iter().position(|&b| b == b'\n').unwrap();
        reply[nl + 1..reply.len() - 2].to_vec()
    }

    #[test]
    fn errors_and_options() {
        let mut s = Session::new();
        assert_eq!(s.run("DUMP nokey"), "$-1\\r\\n");
        s.run("SET k hello");
        assert_eq!(s.run("RESTORE k 0 x"), err(super::BUSYKEY));
        assert_eq!(s.run("RESTORE n -1 x"), err(super::BAD_TTL));
        assert_eq!(s.run("RESTORE n a x"), err(crate::error::NOT_INTEGER));
        assert_eq!(s.run("RESTORE n 0 x"), err(super::BAD_PAYLOAD));
        assert_eq!(s.run("RESTORE n 0 x IDLETIME -1"), err(super::BAD_IDLETIME));
        assert_eq!(s.run("RESTORE n 0 x FREQ 256"), err(super::BAD_FREQ));
        assert_eq!(
            s.run("RESTORE n 0 x FREQ 1 IDLETIME 1"),
            err(crate::error::SYNTAX)
        );
        assert_eq!(s.run("RESTORE n 0 x BOGUS"), err(crate::error::SYNTAX));
        assert_eq!(s.run("RESTORE n 0 x IDLETIME"), err(crate::error::SYNTAX));
    }

    #[test]
    fn round_trip_with_ttl_and_replace() {
        let mut s = Session::new();
        s.run("RPUSH l a b 1 2");
        let p = bulk(&s.exec(&[b"DUMP".to_vec(), b"l".to_vec()]));
        let restore = |s: &mut Session, key: &str, ttl: &str, extra: &[&str]| {
            let mut a = vec![
                b"RESTORE".to_vec(),
                key.as_bytes().to_vec(),
                ttl.as_bytes().to_vec(),
                p.clone(),
            ];
            a.extend(extra.iter().map(|x| x.as_bytes().to_vec()));
            String::from_utf8_lossy(&s.exec(&a)).into_owned()
        };
        assert_eq!(restore(&mut s, "m", "0", &[]), "+OK\r\n");
        assert_eq!(s.last_events.len(), 1);
        assert_eq!(s.run("LRANGE m 0 -1"), s.run("LRANGE l 0 -1"));
        assert_eq!(
            restore(&mut s, "m", "0", &[]),
            format!("-{}\r\n", super::BUSYKEY)
        );
        assert_eq!(restore(&mut s, "m", "100000", &["REPLACE"]), "+OK\r\n");
        assert_eq!(s.run("TTL m"), ":100\\r\\n");
        // An absolute TTL in the past deletes the old key and creates nothing.
        assert_eq!(restore(&mut s, "m", "1", &["REPLACE", "ABSTTL"]), "+OK\r\n");
        assert_eq!(s.run("EXISTS m"), ":0\\r\\n");
        // A corrupted object with a valid footer.
        let mut bad = p.clone();
        bad[1] = 0x3f;
        let n = bad.len();
        let crc = crate::persistence::crc64::crc64(0, &bad[..n - 8]);
        bad[n - 8..].copy_from_slice(&crc.to_le_bytes());
        let r = s.exec(&[b"RESTORE".to_vec(), b"z".to_vec(), b"0".to_vec(), bad]);
        assert_eq!(r, format!("-{}\r\n", super::BAD_DATA).into_bytes());
    }
}
