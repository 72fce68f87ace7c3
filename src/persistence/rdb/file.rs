//! RDB files (Redis 7.0's format, version 10): the writer and the loader.
//!
//! A file is the magic `REDIS` and a four-digit version, auxiliary fields,
//! then per non-empty database a SELECTDB opcode, a RESIZEDB hint and its
//! entries (an optional expiry opcode, the value type byte, the key, the
//! value body), then EOF and an 8-byte little-endian CRC-64 of everything
//! before it (0 when checksums are off).
//!
//! Writing is split so that each shard serializes its own keys
//! ([`encode_store`] → [`ShardImage`]) and one place assembles the file
//! ([`assemble`]). Loading ([`load`]) parses the whole file and hands every
//! live entry to a callback.

use crate::persistence::crc64::crc64;
use crate::persistence::rdb::codec::{write_len, write_string, DecodeError, Reader};
use crate::persistence::rdb::value::{decode_body, encode_value};
use crate::shard::keyspace::Store;
use crate::types::Value;

/// Auxiliary field.
pub const OP_AUX: u8 = 0xFA;
/// Database size hints.
pub const OP_RESIZEDB: u8 = 0xFB;
/// Expiry in milliseconds (8 bytes LE).
pub const OP_EXPIRETIME_MS: u8 = 0xFC;
/// Expiry in seconds (4 bytes LE).
pub const OP_EXPIRETIME: u8 = 0xFD;
/// Database selector.
pub const OP_SELECTDB: u8 = 0xFE;
/// End of file.
pub const OP_EOF: u8 = 0xFF;
/// LFU frequency (1 byte).
pub const OP_FREQ: u8 = 0xF9;
/// LRU idle time (a length).
pub const OP_IDLE: u8 = 0xF8;
/// Module auxiliary data.
pub const OP_MODULE_AUX: u8 = 0xF7;
/// Function library (7.0).
pub const OP_FUNCTION2: u8 = 0xF5;
/// Function library (7.0 release candidates).
pub const OP_FUNCTION: u8 = 0xF6;

/// The Redis version the file claims to be produced by.
pub const PRODUCER_VERSION: &str = "7.0.15";

/// The entries of one shard, serialized per database.
#[derive(Debug, Default, Clone)]
pub struct ShardImage {
    /// Per database: (keys, keys with an expiry, serialized entries).
    pub dbs: Vec<(u64, u64, Vec<u8>)>,
}

/// Serializes every non-expired key of `store` (as of `now`, Unix ms).
pub fn encode_store(store: &Store, now: u64, compress: bool) -> ShardImage {
    let mut img = ShardImage::default();
    let mut tmp = Vec::new();
    for db in &store.dbs {
        let (mut n, mut volatile, mut buf) = (0u64, 0u64, Vec::new());
        for (_, table) in db.tables() {
            for (key, value) in table.keys.iter() {
                let exp = table.expires.get(key.as_slice()).copied();
                if let Some(at) = exp {
                    if at <= now {
                        continue;
                    }
                    buf.push(OP_EXPIRETIME_MS);
                    buf.extend_from_slice(&at.to_le_bytes());
                    volatile += 1;
                }
                encode_entry(key.as_slice(), value, compress, &mut tmp, &mut buf);
                n += 1;
            }
        }
        img.dbs.push((n, volatile, buf));
    }
    img
}

/// Appends the type byte, the key and the value body (`tmp` is scratch).
pub fn encode_entry(
    key: &[u8],
    value: &Value,
    compress: bool,
    tmp: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    // `encode_value` writes the type byte first; the key goes between it
    // and the body.
    tmp.clear();
    encode_value(value, compress, tmp);
    let Some((&t, body)) = tmp.split_first() else {
        return;
    };
    out.push(t);
    write_string(out, key, compress);
    out.extend_from_slice(body);
}

/// Header values the writer records as auxiliary fields.
#[derive(Debug, Clone)]
pub struct FileMeta {
    /// Creation time, Unix seconds.
    pub ctime: u64,
    /// Memory in use.
    pub used_mem: u64,
    /// 40-hex-digit replication id (`repl-id`).
    pub repl_id: String,
    /// Replication offset the data corresponds to (`repl-offset`).
    pub repl_offset: u64,
    /// Database the replication stream has selected (`repl-stream-db`).
    pub repl_stream_db: usize,
}

fn write_aux(out: &mut Vec<u8>, k: &str, v: &[u8]) {
    out.push(OP_AUX);
    write_string(out, k.as_bytes(), false);
    write_string(out, v, false);
}

/// Appends the magic, the version and the auxiliary fields Redis 7.0
/// writes (`aof_base`: the file is the base of an AOF).
pub fn write_header(out: &mut Vec<u8>, meta: &FileMeta, aof_base: bool) {
    out.extend_from_slice(format!("REDIS{:04}", super::RDB_VERSION).as_bytes());
    write_aux(out, "redis-ver", PRODUCER_VERSION.as_bytes());
    write_aux(out, "redis-bits", b"64");
    write_aux(out, "ctime", meta.ctime.to_string().as_bytes());
    write_aux(out, "used-mem", meta.used_mem.to_string().as_bytes());
    write_aux(
        out,
        "repl-stream-db",
        meta.repl_stream_db.to_string().as_bytes(),
    );
    write_aux(out, "repl-id", meta.repl_id.as_bytes());
    write_aux(out, "repl-offset", meta.repl_offset.to_string().as_bytes());
    write_aux(out, "aof-base", if aof_base { b"1" } else { b"0" });
}

/// Builds a whole file from the images of every shard (all with the same
/// number of databases). `checksum` false writes a zero CRC.
pub fn assemble(images: &[ShardImage], meta: &FileMeta, checksum: bool) -> Vec<u8> {
    let total: usize = images
        .iter()
        .flat_map(|i| i.dbs.iter())
        .map(|d| d.2.len())
        .sum();
    let mut out = Vec::with_capacity(total + 256);
    write_header(&mut out, meta, false);
    let ndbs = images.iter().map(|i| i.dbs.len()).max().unwrap_or(0);
    for d in 0..ndbs {
        let (n, v) = images
            .iter()
            .filter_map(|i| i.dbs.get(d))
            .fold((0, 0), |(n, v), x| (n + x.0, v + x.1));
        if n == 0 {
            continue;
        }
        out.push(OP_SELECTDB);
        write_len(&mut out, d as u64);
        out.push(OP_RESIZEDB);
        write_len(&mut out, n);
        write_len(&mut out, v);
        for i in images {
            if let Some(x) = i.dbs.get(d) {
                out.extend_from_slice(&x.2);
            }
        }
    }
    out.push(OP_EOF);
    let crc = if checksum { crc64(0, &out) } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// What [`load`] found besides the keys.
#[derive(Debug, Default, Clone)]
pub struct LoadInfo {
    /// The file's RDB version.
    pub version: u16,
    /// The `redis-ver` auxiliary field, if any.
    pub redis_ver: Option<String>,
    /// The `ctime` auxiliary field, if any.
    pub ctime: Option<u64>,
    /// The `repl-id` auxiliary field, if any.
    pub repl_id: Option<String>,
    /// The `repl-offset` auxiliary field, if any.
    pub repl_offset: Option<u64>,
    /// The `repl-stream-db` auxiliary field, if any.
    pub repl_stream_db: Option<usize>,
    /// Keys handed to the callback.
    pub loaded: u64,
    /// Keys skipped because they had expired.
    pub expired: u64,
    /// Offset just past the file's end (checksum included); an AOF may go
    /// on with commands after it.
    pub end: usize,
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// Byte offset in the file.
    pub offset: usize,
    /// What was wrong.
    pub what: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {}", self.what, self.offset)
    }
}

impl std::error::Error for LoadError {}

impl From<DecodeError> for LoadError {
    fn from(e: DecodeError) -> Self {
        LoadError {
            offset: e.offset,
            what: e.what.to_string(),
        }
    }
}

fn err(offset: usize, what: impl Into<String>) -> LoadError {
    LoadError {
        offset,
        what: what.into(),
    }
}

fn u32_le(r: &mut Reader<'_>) -> Result<u32, DecodeError> {
    let b = r.bytes(4)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    Ok(u32::from_le_bytes(a))
}

fn u64_le(r: &mut Reader<'_>) -> Result<u64, DecodeError> {
    let b = r.bytes(8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

/// Parses a whole file. Every live key goes to `sink(db, key, value,
/// expire_at_ms)`; keys whose expiry is at or before `now` (Unix ms) are
/// skipped, as a master does. `databases` bounds SELECTDB.
pub fn load(
    buf: &[u8],
    now: u64,
    databases: usize,
    mut sink: impl FnMut(usize, Vec<u8>, Value, Option<u64>),
) -> Result<LoadInfo, LoadError> {
    let mut info = LoadInfo::default();
    let (Some(magic), Some(ver)) = (buf.get(..5), buf.get(5..9)) else {
        return Err(err(
            0,
            "Short read or wrong signature trying to load DB from file",
        ));
    };
    if magic != b"REDIS" {
        return Err(err(0, "Wrong signature trying to load DB from file"));
    }
    let version = std::str::from_utf8(ver)
        .ok()
        .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| err(5, "Wrong signature trying to load DB from file"))?;
    if !(1..=super::MAX_RDB_VERSION).contains(&version) {
        return Err(err(
            5,
            format!("Can't handle RDB format version {}", version),
        ));
    }
    info.version = version;
    let mut r = Reader::new(buf);
    r.bytes(9)?;
    let mut db = 0usize;
    let mut expire: Option<u64> = None;
    loop {
        let at = r.pos();
        let op = r.u8()?;
        match op {
            OP_EXPIRETIME => {
                expire = Some(u64::from(u32_le(&mut r)?) * 1000);
            }
            OP_EXPIRETIME_MS => {
                expire = Some(u64_le(&mut r)?);
            }
            OP_FREQ => {
                r.u8()?;
            }
            OP_IDLE => {
                r.len()?;
            }
            OP_EOF => break,
            OP_SELECTDB => {
                let n = r.len()?;
                if n >= databases as u64 {
                    return Err(err(
                        at,
                        format!(
                            "FATAL: Data file was created with a Redis server configured to handle more than {} databases",
                            databases
                        ),
                    ));
                }
                db = n as usize;
            }
            OP_RESIZEDB => {
                r.len()?;
                r.len()?;
            }
            OP_AUX => {
                let k = r.string()?;
                let v = r.string()?;
                match k.as_slice() {
                    b"redis-ver" => info.redis_ver = Some(String::from_utf8_lossy(&v).into()),
                    b"ctime" => {
                        info.ctime = std::str::from_utf8(&v).ok().and_then(|s| s.parse().ok())
                    }
                    b"repl-id" => info.repl_id = Some(String::from_utf8_lossy(&v).into()),
                    b"repl-offset" => {
                        info.repl_offset = std::str::from_utf8(&v).ok().and_then(|s| s.parse().ok())
                    }
                    b"repl-stream-db" => {
                        info.repl_stream_db =
                            std::str::from_utf8(&v).ok().and_then(|s| s.parse().ok())
                    }
                    _ => {}
                }
            }
            OP_MODULE_AUX => {
                return Err(err(
                    at,
                    "The RDB file contains AUX module data, which is not supported",
                ));
            }
            OP_FUNCTION | OP_FUNCTION2 => {
                return Err(err(
                    at,
                    "The RDB file contains function libraries, which are not supported",
                ));
            }
            _ => {
                // A value: type byte, key, body.
                let key = r.string()?;
                let value = decode_typed(op, at, &mut r)?;
                let exp = expire.take();
                if exp.is_some_and(|e| e <= now) {
                    info.expired += 1;
                    continue;
                }
                info.loaded += 1;
                sink(db, key, value, exp);
            }
        }
    }
    let body_end = r.pos();
    if version >= 5 {
        let stored =
            u64_le(&mut r).map_err(|_| err(body_end, "Unexpected EOF reading RDB file"))?;
        if stored != 0 && crc64(0, &buf[..body_end]) != stored {
            return Err(err(body_end, "Wrong RDB checksum"));
        }
    }
    info.end = r.pos();
    Ok(info)
}

/// Decodes the body of a value whose type byte `t` (at `at`) came before
/// its key.
fn decode_typed(t: u8, at: usize, r: &mut Reader<'_>) -> Result<Value, LoadError> {
    decode_body(t, at, r).map_err(|e| {
        if e.what == "unknown value type" {
            err(e.offset, format!("Unknown RDB encoding type {}", t))
        } else {
            e.into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::Session;
    use crate::persistence::rdb::dump_payload;
    use proptest::prelude::*;

    const NOW: u64 = 1_700_000_000_000;

    #[test]
    fn replication_aux_fields_round_trip() {
        let m = FileMeta {
            repl_id: "ab".repeat(20),
            repl_offset: 123_456,
            repl_stream_db: 3,
            ..meta()
        };
        let bytes = assemble(&[], &m, true);
        let info = load(&bytes, NOW, 16, |_, _, _, _| {}).unwrap();
        assert_eq!(info.repl_id.as_deref(), Some("ab".repeat(20).as_str()));
        assert_eq!(info.repl_offset, Some(123_456));
        assert_eq!(info.repl_stream_db, Some(3));
    }

    fn meta() -> FileMeta {
        FileMeta {
            ctime: NOW / 1000,
            used_mem: 1,
            repl_id: "0".repeat(40),
            repl_offset: 0,
            repl_stream_db: 0,
        }
    }

    /// (db, key, payload, expiry).
    type Canon = (usize, Vec<u8>, Vec<u8>, Option<u64>);

    /// Every (db, key, payload, expiry) of a store, sorted.
    fn canon(store: &Store) -> Vec<Canon> {
        let mut out = Vec::new();
        for (d, db) in store.dbs.iter().enumerate() {
            for (_, t) in db.tables() {
                for (k, v) in t.keys.iter() {
                    let e = t.expires.get(k.as_slice()).copied();
                    out.push((d, k.as_slice().to_vec(), dump_payload(v, false), e));
                }
            }
        }
        out.sort();
        out
    }

    fn load_store(bytes: &[u8], now: u64) -> Result<(Store, LoadInfo), LoadError> {
        let mut store = Store::new(16);
        let info = load(bytes, now, 16, |d, k, v, e| store.dbs[d].insert(&k, v, e))?;
        Ok((store, info))
    }

    fn sample() -> Session {
        let mut s = Session::new();
        for line in [
            "SET s hello",
            "SET i 12345",
            "SET neg -7",
            "RPUSH l a b c 1 2",
            "HSET h f v g 1",
            "SADD st a b",
            "SADD is 1 2 3",
            "ZADD z 1 a 2.5 b",
            "PFADD hll x y",
        ] {
            s.run(line);
        }
        let big: String = (0..300).map(|i| format!(" m{i}")).collect();
        s.run(&format!("SADD bigset{big}"));
        s.run(&format!("RPUSH biglist{big}"));
        s.run(&format!(
            "ZADD bigz{}",
            (0..300).map(|i| format!(" {i} m{i}")).collect::<String>()
        ));
        s.run(&format!(
            "HSET bigh{}",
            (0..300).map(|i| format!(" f{i} v{i}")).collect::<String>()
        ));
        s.run(&format!("SET long {}", "x".repeat(1000)));
        s.store.dbs[0].set_expire(b"s", NOW + 60_000);
        s.store.dbs[3].insert(
            b"k3",
            crate::types::Value::from_bytes(b"v3"),
            Some(NOW + 5000),
        );
        s.store.dbs[3].insert(b"k4", crate::types::Value::from_bytes(b"v4"), None);
        s.store.dbs[15].insert(
            b"gone",
            crate::types::Value::from_bytes(b"x"),
            Some(NOW - 1),
        );
        s
    }

    #[test]
    fn round_trip_all_types_expiries_several_dbs() {
        let s = sample();
        for compress in [false, true] {
            for checksum in [false, true] {
                let img = encode_store(&s.store, NOW, compress);
                let bytes = assemble(&[img], &meta(), checksum);
                assert!(bytes.starts_with(b"REDIS0010"));
                let (back, info) = load_store(&bytes, NOW).unwrap();
                let mut want = canon(&s.store);
                want.retain(|e| e.1 != b"gone");
                assert_eq!(canon(&back), want);
                assert_eq!(info.loaded as usize, want.len());
                assert_eq!(info.redis_ver.as_deref(), Some(PRODUCER_VERSION));
            }
        }
    }

    #[test]
    fn split_images_assemble_like_one() {
        let s = sample();
        let whole = encode_store(&s.store, NOW, true);
        // Two shards: the second holds nothing.
        let empty = encode_store(&Store::new(16), NOW, true);
        let bytes = assemble(&[empty, whole], &meta(), true);
        let (back, _) = load_store(&bytes, NOW).unwrap();
        assert_eq!(canon(&back).len(), canon(&s.store).len() - 1);
    }

    #[test]
    fn expired_keys_are_skipped_on_load() {
        let s = sample();
        let bytes = assemble(&[encode_store(&s.store, NOW, true)], &meta(), true);
        // Ten seconds later k3 (5 s) has expired; s (60 s) has not.
        let (back, info) = load_store(&bytes, NOW + 10_000).unwrap();
        assert_eq!(info.expired, 1);
        assert!(back.dbs[3].expire_at(b"k3").is_none());
        assert_eq!(back.dbs[0].expire_at(b"s"), Some(NOW + 60_000));
    }

    #[test]
    fn truncated_files_fail_with_an_offset() {
        let s = sample();
        let bytes = assemble(&[encode_store(&s.store, NOW, true)], &meta(), true);
        for n in 0..bytes.len() {
            let e = load_store(&bytes[..n], NOW).unwrap_err();
            assert!(e.offset <= n, "{n}: {e}");
        }
    }

    #[test]
    fn corrupt_bytes_never_load_silently() {
        let s = sample();
        let bytes = assemble(&[encode_store(&s.store, NOW, true)], &meta(), true);
        for i in 9..bytes.len() - 8 {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            // Either a decode error or the checksum catches it.
            assert!(load_store(&b, NOW).is_err(), "flip at {i} loaded");
        }
        let mut b = bytes.clone();
        let n = b.len();
        b[n - 1] ^= 1;
        assert_eq!(load_store(&b, NOW).unwrap_err().what, "Wrong RDB checksum");
    }

    #[test]
    fn zero_checksum_is_not_checked() {
        let s = sample();
        let bytes = assemble(&[encode_store(&s.store, NOW, true)], &meta(), false);
        assert!(bytes.ends_with(&[0; 8]));
        assert!(load_store(&bytes, NOW).is_ok());
    }

    #[test]
    fn versions_and_opcodes() {
        let mut f = b"REDIS0011".to_vec();
        f.push(OP_FREQ);
        f.push(3);
        f.push(OP_IDLE);
        write_len(&mut f, 100);
        f.push(OP_EXPIRETIME);
        f.extend_from_slice(&4_000_000_000u32.to_le_bytes());
        f.push(0);
        write_string(&mut f, b"k", false);
        write_string(&mut f, b"v", false);
        f.push(OP_EOF);
        f.extend_from_slice(&[0; 8]);
        let (back, info) = load_store(&f, NOW).unwrap();
        assert_eq!(info.version, 11);
        assert_eq!(back.dbs[0].expire_at(b"k"), Some(4_000_000_000_000));
        // Version 3 files have no checksum.
        let mut old = b"REDIS0003".to_vec();
        old.push(OP_EOF);
        assert!(load_store(&old, NOW).is_ok());
        let mut f12 = b"REDIS0012".to_vec();
        f12.push(OP_EOF);
        assert_eq!(load_store(&f12, NOW).unwrap_err().offset, 5);
        assert!(load_store(b"RADIS0010\xff", NOW).is_err());
        let mut m = b"REDIS0010".to_vec();
        m.push(OP_MODULE_AUX);
        assert_eq!(load_store(&m, NOW).unwrap_err().offset, 9);
        let mut sel = b"REDIS0010".to_vec();
        sel.push(OP_SELECTDB);
        write_len(&mut sel, 16);
        assert!(load_store(&sel, NOW)
            .unwrap_err()
            .what
            .contains("databases"));
        let mut bad = b"REDIS0010".to_vec();
        bad.push(99);
        write_string(&mut bad, b"k", false);
        assert_eq!(
            load_store(&bad, NOW).unwrap_err().what,
            "Unknown RDB encoding type 99"
        );
    }

    #[test]
    fn huge_lengths_do_not_allocate() {
        let mut f = b"REDIS0010".to_vec();
        f.push(crate::persistence::rdb::value::types::LIST);
        write_string(&mut f, b"k", false);
        write_len(&mut f, u64::MAX >> 1);
        assert!(load_store(&f, NOW).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_stores_round_trip(
            ops in proptest::collection::vec(
                (0usize..4, 0u8..5, "[a-c]{1,3}", proptest::collection::vec("[a-z0-9]{0,12}", 1..6), proptest::option::of(1u64..100_000)),
                0..40,
            )
        ) {
            let mut s = Session::new();
            for (db, kind, key, items, ttl) in ops {
                let cmd = match kind {
                    0 => "RPUSH",
                    1 => "SADD",
                    2 => "HSET",
                    3 => "ZADD",
                    _ => "SET",
                };
                let mut args: Vec<String> = vec![cmd.into(), format!("{kind}{key}")];
                match kind {
                    2 => {
                        for it in &items { args.push(it.clone()); args.push(it.clone()); }
                    }
                    3 => {
                        for (i, it) in items.iter().enumerate() { args.push(i.to_string()); args.push(it.clone()); }
                    }
                    4 => args.push(items[0].clone()),
                    _ => args.extend(items.iter().cloned()),
                }
                let argv: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
                // Build in db 0, then move the key to `db`.
                s.exec(&argv);
                let k = format!("{kind}{key}");
                if let Some((v, _)) = s.store.dbs[0].remove(k.as_bytes(), NOW) {
                    s.store.dbs[db].insert(k.as_bytes(), v, ttl.map(|t| NOW + t));
                }
            }
            let bytes = assemble(&[encode_store(&s.store, NOW, true)], &meta(), true);
            let (back, _) = load_store(&bytes, NOW).unwrap();
            prop_assert_eq!(canon(&back), canon(&s.store));
        }
    }
}
