//! Whole values in RDB form: a type byte, then the type's body.
//!
//! Decoding accepts every type Redis 7.0 and older versions write (and
//! Redis 7.2's listpack sets); values are built through the types' insert
//! paths, so the usual encoding thresholds apply. Encoding writes what
//! Redis 7.0 writes for the value's encoding.

use super::codec::{write_binary_double, write_int, write_len, write_string, DecodeError, Reader};
use super::packed::{
    intset_blob, intset_for_each, listpack_for_each, ziplist_for_each, zipmap_for_each, Item,
    ListpackWriter,
};
use crate::types::{Hash, List, Set, Value, ZSet};

/// RDB value type bytes.
pub mod types {
    /// A string.
    pub const STRING: u8 = 0;
    /// A list as a count and strings (before quicklists).
    pub const LIST: u8 = 1;
    /// A set as a count and strings.
    pub const SET: u8 = 2;
    /// A sorted set with scores as text.
    pub const ZSET: u8 = 3;
    /// A hash as a count and field/value strings.
    pub const HASH: u8 = 4;
    /// A sorted set with binary scores.
    pub const ZSET_2: u8 = 5;
    /// A hash as a zipmap blob.
    pub const HASH_ZIPMAP: u8 = 9;
    /// A list as one ziplist blob.
    pub const LIST_ZIPLIST: u8 = 10;
    /// A set as an intset blob.
    pub const SET_INTSET: u8 = 11;
    /// A sorted set as a ziplist blob.
    pub const ZSET_ZIPLIST: u8 = 12;
    /// A hash as a ziplist blob.
    pub const HASH_ZIPLIST: u8 = 13;
    /// A list as ziplist nodes.
    pub const LIST_QUICKLIST: u8 = 14;
    /// A hash as a listpack blob.
    pub const HASH_LISTPACK: u8 = 16;
    /// A sorted set as a listpack blob.
    pub const ZSET_LISTPACK: u8 = 17;
    /// A list as plain or listpack nodes.
    pub const LIST_QUICKLIST_2: u8 = 18;
    /// A set as a listpack blob (Redis 7.2).
    pub const SET_LISTPACK: u8 = 20;
}

/// Quicklist node container: one element stored as is.
const NODE_PLAIN: u64 = 1;
/// Quicklist node container: a listpack.
const NODE_PACKED: u64 = 2;
/// Target size of the listpack nodes DUMP writes (Redis' default
/// `list-max-listpack-size -2`).
const NODE_BYTES: usize = 8192;

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// Appends the type byte and body of `v`.
pub fn encode_value(v: &Value, compress: bool, out: &mut Vec<u8>) {
    match v {
        Value::Int(i) => {
            out.push(types::STRING);
            write_int(out, *i);
        }
        Value::Str(s) => {
            out.push(types::STRING);
            write_string(out, s.as_slice(), compress);
        }
        Value::Raw(s) => {
            out.push(types::STRING);
            write_string(out, s, compress);
        }
        Value::List(l) => encode_list(l, compress, out),
        Value::Hash(h) => encode_hash(h, compress, out),
        Value::Set(s) => encode_set(s, compress, out),
        Value::ZSet(z) => encode_zset(z, compress, out),
    }
}

fn encode_list(l: &List, compress: bool, out: &mut Vec<u8>) {
    out.push(types::LIST_QUICKLIST_2);
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut cur = ListpackWriter::new();
    l.for_each(|e| {
        if !cur.is_empty() && cur.bytes() + e.len() + 11 > NODE_BYTES {
            nodes.push(std::mem::take(&mut cur).finish());
        }
        cur.push(e);
    });
    if !cur.is_empty() {
        nodes.push(cur.finish());
    }
    write_len(out, nodes.len() as u64);
    for n in &nodes {
        write_len(out, NODE_PACKED);
        write_string(out, n, compress);
    }
}

fn encode_hash(h: &Hash, compress: bool, out: &mut Vec<u8>) {
    if h.encoding() == "listpack" {
        out.push(types::HASH_LISTPACK);
        let mut w = ListpackWriter::new();
        h.for_each(|f, v| {
            w.push(f);
            w.push(v);
        });
        write_string(out, &w.finish(), compress);
    } else {
        out.push(types::HASH);
        write_len(out, h.len() as u64);
        h.for_each(|f, v| {
            write_string(out, f, compress);
            write_string(out, v, compress);
        });
    }
}

fn encode_set(s: &Set, compress: bool, out: &mut Vec<u8>) {
    if s.encoding() == "intset" {
        out.push(types::SET_INTSET);
        let mut vals = Vec::with_capacity(s.len());
        s.for_each(|m| {
            if let Some(v) = crate::types::set::as_int(m) {
                vals.push(v);
            }
        });
        vals.sort_unstable();
        write_string(out, &intset_blob(&vals), compress);
    } else {
        // Listpack sets too: Redis 7.0 has no listpack set type.
        out.push(types::SET);
        write_len(out, s.len() as u64);
        s.for_each(|m| write_string(out, m, compress));
    }
}

fn encode_zset(z: &ZSet, compress: bool, out: &mut Vec<u8>) {
    if z.encoding() == "listpack" {
        out.push(types::ZSET_LISTPACK);
        let mut w = ListpackWriter::new();
        z.for_each(|m, s| {
            w.push(m);
            w.push(crate::types::zset::listpack_score_text(s).as_bytes());
        });
        write_string(out, &w.finish(), compress);
    } else {
        out.push(types::ZSET_2);
        write_len(out, z.len() as u64);
        // Highest first, as Redis writes it (loading then prepends).
        z.walk(0, z.len(), true, |m, s| {
            write_string(out, m, compress);
            write_binary_double(out, s);
            true
        });
    }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Decodes one value (type byte and body) from `r`.
pub fn decode_value(r: &mut Reader<'_>) -> Result<Value, DecodeError> {
    let at = r.pos();
    let t = r.u8()?;
    decode_body(t, at, r)
}

/// Decodes the body of a value of type `t` from `r` (RDB files put the key
/// between the type byte and the body); `at` is the offset errors about
/// the whole value name.
pub fn decode_body(t: u8, at: usize, r: &mut Reader<'_>) -> Result<Value, DecodeError> {
    match t {
        types::STRING => {
            let s = r.string()?;
            Ok(Value::from_bytes(&s))
        }
        types::LIST => {
            let n = r.len()?;
            let mut l = List::new();
            for _ in 0..n {
                l.push_back(&r.string()?);
            }
            non_empty(Value::List(Box::new(l)), at)
        }
        types::SET => {
            let n = r.len()?;
            let mut s: Option<Set> = None;
            for _ in 0..n {
                let mpos = r.pos();
                let m = r.string()?;
                // The size hint is capped by the bytes left: every member
                // takes at least one.
                let hint = usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(r.remaining() + 1);
                let set = s.get_or_insert_with(|| Set::with_hint(&m, hint));
                if !set.add(&m) {
                    return Err(dup(mpos));
                }
            }
            non_empty(Value::Set(Box::new(s.unwrap_or_default())), at)
        }
        types::ZSET | types::ZSET_2 => {
            let n = r.len()?;
            let mut z = ZSet::new();
            for _ in 0..n {
                let mpos = r.pos();
                let m = r.string()?;
                let score = if t == types::ZSET {
                    r.text_double()?
                } else {
                    r.binary_double()?
                };
                zset_add(&mut z, &m, score, mpos)?;
            }
            non_empty(Value::ZSet(Box::new(z)), at)
        }
        types::HASH => {
            let n = r.len()?;
            let mut h = Hash::new();
            for _ in 0..n {
                let fpos = r.pos();
                let f = r.string()?;
                let v = r.string()?;
                if !h.set(&f, &v) {
                    return Err(dup(fpos));
                }
            }
            non_empty(Value::Hash(h), at)
        }
        types::HASH_ZIPMAP => {
            let (blob, bpos) = blob(r)?;
            let mut h = Hash::new();
            zipmap_for_each(
                &blob,
                |f, v| {
                    if h.set(f, v) {
                        Ok(())
                    } else {
                        Err(dup(bpos))
                    }
                },
            )
            .map_err(|e| nested(e, bpos))?;
            non_empty(Value::Hash(h), at)
        }
        types::LIST_ZIPLIST => {
            let (blob, bpos) = blob(r)?;
            let mut l = List::new();
            ziplist_for_each(&blob, |i| {
                push_item(&mut l, i);
                Ok(())
            })
            .map_err(|e| nested(e, bpos))?;
            non_empty(Value::List(Box::new(l)), at)
        }
        types::SET_INTSET => {
            let (blob, bpos) = blob(r)?;
            let mut s = Set::new();
            let mut buf = [0u8; 20];
            intset_for_each(&blob, |v| {
                s.add(crate::types::format_i64(v, &mut buf));
                Ok(())
            })
            .map_err(|e| nested(e, bpos))?;
            non_empty(Value::Set(Box::new(s)), at)
        }
        types::SET_LISTPACK => {
            let (blob, bpos) = blob(r)?;
            let mut s: Option<Set> = None;
            listpack_for_each(&blob, |i| {
                let m = i.to_vec();
                let set = s.get_or_insert_with(|| Set::with_hint(&m, 1));
                if set.add(&m) {
                    Ok(())
                } else {
                    Err(dup(0))
                }
            })
            .map_err(|e| nested(e, bpos))?;
            non_empty(Value::Set(Box::new(s.unwrap_or_default())), at)
        }
        types::ZSET_ZIPLIST | types::ZSET_LISTPACK => {
            let (blob, bpos) = blob(r)?;
            let mut items = Vec::new();
            let each = |i: Item<'_>| {
                items.push(i.to_vec());
                Ok(())
            };
            if t == types::ZSET_ZIPLIST {
                ziplist_for_each(&blob, each)
            } else {
                listpack_for_each(&blob, each)
            }
            .map_err(|e| nested(e, bpos))?;
            if items.len() % 2 != 0 {
                return Err(DecodeError {
                    offset: bpos,
                    what: "sorted set blob with an odd element count",
                });
            }
            let mut z = ZSet::new();
            for pair in items.chunks_exact(2) {
                let score = crate::commands::args::parse_f64(&pair[1]).ok_or(DecodeError {
                    offset: bpos,
                    what: "invalid score in sorted set blob",
                })?;
                zset_add(&mut z, &pair[0], score, bpos)?;
            }
            non_empty(Value::ZSet(Box::new(z)), at)
        }
        types::HASH_ZIPLIST | types::HASH_LISTPACK => {
            let (blob, bpos) = blob(r)?;
            let mut h = Hash::new();
            let mut field: Option<Vec<u8>> = None;
            let each = |i: Item<'_>| match field.take() {
                None => {
                    field = Some(i.to_vec());
                    Ok(())
                }
                Some(f) => {
                    if h.set(&f, &i.to_vec()) {
                        Ok(())
                    } else {
                        Err(dup(0))
                    }
                }
            };
            let res = if t == types::HASH_ZIPLIST {
                ziplist_for_each(&blob, each)
            } else {
                listpack_for_each(&blob, each)
            };
            res.map_err(|e| nested(e, bpos))?;
            if field.is_some() {
                return Err(DecodeError {
                    offset: bpos,
                    what: "hash blob with an odd element count",
                });
            }
            non_empty(Value::Hash(h), at)
        }
        types::LIST_QUICKLIST | types::LIST_QUICKLIST_2 => {
            let n = r.len()?;
            let mut l = List::new();
            for _ in 0..n {
                let container = if t == types::LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    NODE_PACKED
                };
                let (blob, bpos) = blob(r)?;
                match container {
                    NODE_PLAIN => l.push_back(&blob),
                    NODE_PACKED => {
                        let each = |i: Item<'_>| {
                            push_item(&mut l, i);
                            Ok(())
                        };
                        // Empty nodes are skipped, as Redis does; a list
                        // left empty is refused below.
                        if t == types::LIST_QUICKLIST {
                            ziplist_for_each(&blob, each)
                        } else {
                            listpack_for_each(&blob, each)
                        }
                        .map_err(|e| nested(e, bpos))?;
                    }
                    _ => {
                        return Err(DecodeError {
                            offset: bpos,
                            what: "unknown quicklist node container",
                        })
                    }
                }
            }
            non_empty(Value::List(Box::new(l)), at)
        }
        _ => Err(DecodeError {
            offset: at,
            what: "unknown value type",
        }),
    }
}

fn dup(offset: usize) -> DecodeError {
    DecodeError {
        offset,
        what: "duplicate element",
    }
}

/// An error inside a blob, moved to the payload offset of the blob.
fn nested(e: DecodeError, blob_at: usize) -> DecodeError {
    DecodeError {
        offset: blob_at.saturating_add(e.offset),
        what: e.what,
    }
}

/// Reads a string holding a packed blob; returns it with its offset.
fn blob(r: &mut Reader<'_>) -> Result<(Vec<u8>, usize), DecodeError> {
    let at = r.pos();
    Ok((r.string()?, at))
}

fn push_item(l: &mut List, i: Item<'_>) {
    match i {
        Item::Str(s) => l.push_back(s),
        Item::Int(v) => {
            let mut buf = [0u8; 20];
            l.push_back(crate::types::format_i64(v, &mut buf));
        }
    }
}

fn zset_add(z: &mut ZSet, m: &[u8], score: f64, at: usize) -> Result<(), DecodeError> {
    if score.is_nan() {
        return Err(DecodeError {
            offset: at,
            what: "NaN score",
        });
    }
    if z.score(m).is_some() {
        return Err(dup(at));
    }
    z.insert_new(m, score);
    Ok(())
}

/// Redis refuses empty collections in a payload.
fn non_empty(v: Value, at: usize) -> Result<Value, DecodeError> {
    let empty = match &v {
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        _ => false,
    };
    if empty {
        Err(DecodeError {
            offset: at,
            what: "empty collection",
        })
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::rdb::{dump_payload, restore_payload, PayloadError};
    use proptest::prelude::*;

    fn round_trip(v: &Value, compress: bool) -> Value {
        let p = dump_payload(v, compress);
        restore_payload(&p).unwrap()
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            (-100000i64..100000).prop_map(|i| i.to_string().into_bytes()),
            any::<i64>().prop_map(|i| i.to_string().into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..12),
            proptest::collection::vec(Just(b'z'), 0..100),
        ]
    }

    fn assert_same(a: &Value, b: &Value) {
        assert_eq!(a.type_name(), b.type_name());
        if !matches!(b, Value::Hash(_)) {
            assert_eq!(a.encoding(), b.encoding());
        }
        match (a, b) {
            (Value::Set(x), Value::Set(y)) => {
                assert_eq!(x.len(), y.len());
                x.for_each(|m| assert!(y.contains(m)));
            }
            (Value::Hash(x), Value::Hash(y)) => {
                assert_eq!(x.len(), y.len());
                x.for_each(|f, v| assert_eq!(y.value(f), Some(v)));
                // A hash is loaded as a listpack when it fits one, as Redis
                // loads it (whatever it was before).
                let mut fits = x.len() <= 128;
                y.for_each(|f, v| fits &= f.len() <= 64 && v.len() <= 64);
                assert_eq!(x.encoding(), if fits { "listpack" } else { "hashtable" });
            }
            _ => assert_eq!(a, b),
        }
    }

    proptest! {
        #[test]
        fn strings(s in member(), c in any::<bool>()) {
            let v = Value::from_bytes(&s);
            assert_same(&round_trip(&v, c), &v);
            let raw = Value::raw(s.clone());
            prop_assert_eq!(round_trip(&raw, c).to_vec(), Some(s));
        }

        #[test]
        fn lists(items in proptest::collection::vec(member(), 1..400), c in any::<bool>()) {
            let mut l = List::new();
            for i in &items { l.push_back(i); }
            let v = Value::List(Box::new(l));
            assert_same(&round_trip(&v, c), &v);
        }

        #[test]
        fn sets(items in proptest::collection::vec(member(), 1..300), c in any::<bool>()) {
            let v = Value::Set(Box::new(Set::from_members(items.iter().map(|m| m.as_slice()))));
            assert_same(&round_trip(&v, c), &v);
        }

        #[test]
        fn hashes(items in proptest::collection::vec((member(), member()), 1..300), c in any::<bool>()) {
            let mut h = Hash::new();
            for (f, x) in &items { h.set(f, x); }
            let v = Value::Hash(h);
            assert_same(&round_trip(&v, c), &v);
        }

        #[test]
        fn zsets(items in proptest::collection::vec((member(), prop_oneof![any::<f64>().prop_filter("nan", |f| !f.is_nan()), (-1000i64..1000).prop_map(|i| i as f64)]), 1..300), c in any::<bool>()) {
            let mut z = ZSet::new();
            for (m, s) in &items { z.insert(m, *s); }
            let v = Value::ZSet(Box::new(z));
            assert_same(&round_trip(&v, c), &v);
        }

        #[test]
        fn decoding_garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_value(&mut Reader::new(&data));
        }
    }

    #[test]
    fn redis_payloads_decode_and_encode_byte_for_byte() {
        // DUMP output of Redis 7.0.15 for SET k hello, RPUSH l a 1,
        // SADD s 1 2 3, HSET h f v n 12, ZADD z 1.5 a 2 b.
        let cases: &[(&[u8], &str)] = &[
            (b"\x00\x05\x68\x65\x6c\x6c\x6f\x0a\x00\x63\x72\xdf\x76\x65\x34\x20\x0a", "embstr"),
            (b"\x12\x01\x02\x0c\x0c\x00\x00\x00\x02\x00\x81\x61\x02\x01\x01\xff\x0a\x00\x94\x96\x2b\x23\xac\x17\xaa\x85", "quicklist"),
            (b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00\x0a\x00\xa5\x02\x5c\xe2\x6d\x6e\x4d\x1b", "intset"),
            (b"\x10\x12\x12\x00\x00\x00\x04\x00\x81\x66\x02\x81\x76\x02\x81\x6e\x02\x0c\x01\xff\x0a\x00\x01\x36\x94\x81\xd3\x5b\x89\x74", "listpack"),
            (b"\x11\x14\x14\x00\x00\x00\x04\x00\x81\x61\x02\x83\x31\x2e\x35\x04\x81\x62\x02\x02\x01\xff\x0a\x00\xfa\x02\xb4\x25\xaf\x18\x87\x63", "listpack"),
        ];
        for (p, enc) in cases {
            let v = restore_payload(p).unwrap();
            assert_eq!(v.encoding(), *enc);
            assert_eq!(dump_payload(&v, true), p.to_vec());
        }
    }

    /// A ziplist of short strings (6-bit lengths, one-byte prevlen).
    fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut z = vec![0u8; 10];
        let mut prev = 0u8;
        for it in items {
            let start = z.len();
            z.push(prev);
            z.push(it.len() as u8);
            z.extend_from_slice(it);
            prev = (z.len() - start) as u8;
        }
        z.push(0xff);
        let n = z.len() as u32;
        z[0..4].copy_from_slice(&n.to_le_bytes());
        z[8..10].copy_from_slice(&(items.len() as u16).to_le_bytes());
        z
    }

    fn decode(b: &[u8]) -> Value {
        let mut r = Reader::new(b);
        let v = decode_value(&mut r).unwrap();
        assert!(r.is_empty());
        v
    }

    fn blob_value(t: u8, blob: &[u8]) -> Vec<u8> {
        let mut b = vec![t];
        crate::persistence::rdb::codec::write_string(&mut b, blob, false);
        b
    }

    #[test]
    fn older_types() {
        let mut s = crate::commands::testutil::Session::new();
        let mut put = |key: &str, b: Vec<u8>| {
            let v = decode(&b);
            s.store.db(0).insert(key.as_bytes(), v, None);
        };
        put(
            "l10",
            blob_value(types::LIST_ZIPLIST, &ziplist(&[b"a", b"bb"])),
        );
        let mut q = vec![types::LIST_QUICKLIST, 2];
        for node in [ziplist(&[b"x"]), ziplist(&[b"y", b"z"])] {
            crate::persistence::rdb::codec::write_string(&mut q, &node, false);
        }
        put("l14", q);
        put(
            "h13",
            blob_value(types::HASH_ZIPLIST, &ziplist(&[b"f", b"v", b"g", b"w"])),
        );
        put(
            "z12",
            blob_value(types::ZSET_ZIPLIST, &ziplist(&[b"m", b"2.5", b"n", b"1"])),
        );
        put(
            "h9",
            blob_value(
                types::HASH_ZIPMAP,
                &[2, 1, b'f', 1, 0, b'v', 1, b'g', 2, 1, b'w', b'x', 0, 0xff],
            ),
        );
        let mut z3 = vec![types::ZSET, 2, 1, b'a', 3, b'1', b'.', b'5', 1, b'b', 254];
        put("z3", std::mem::take(&mut z3));
        let mut sl = ListpackWriter::new();
        sl.push(b"p");
        sl.push(b"7");
        put("s20", blob_value(types::SET_LISTPACK, &sl.finish()));
        assert_eq!(
            s.run("LRANGE l10 0 -1"),
            "*2\\r\\n$1\\r\\na\\r\\n$2\\r\\nbb\\r\\n"
        );
        assert_eq!(
            s.run("LRANGE l14 0 -1"),
            "*3\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n$1\\r\\nz\\r\\n"
        );
        assert_eq!(s.run("HGET h13 g"), "$1\\r\\nw\\r\\n");
        assert_eq!(s.run("HGET h9 g"), "$2\\r\\nwx\\r\\n");
        assert_eq!(
            s.run("ZRANGE z12 0 -1"),
            "*2\\r\\n$1\\r\\nn\\r\\n$1\\r\\nm\\r\\n"
        );
        assert_eq!(s.run("ZSCORE z3 b"), "$3\\r\\ninf\\r\\n");
        assert_eq!(s.run("SISMEMBER s20 7"), ":1\\r\\n");
        assert_eq!(s.run("OBJECT ENCODING s20"), "$8\\r\\nlistpack\\r\\n");
    }

    #[test]
    fn huge_counts_do_not_allocate() {
        for t in [
            types::LIST,
            types::SET,
            types::ZSET_2,
            types::HASH,
            types::LIST_QUICKLIST_2,
        ] {
            let mut b = vec![t, 0x81];
            b.extend_from_slice(&(1u64 << 60).to_be_bytes());
            b.extend_from_slice(&[3, b'a', b'b', b'c']);
            assert!(decode_value(&mut Reader::new(&b)).is_err());
        }
    }

    #[test]
    fn footer_and_data_errors() {
        let v = Value::from_bytes(b"hello");
        let mut p = dump_payload(&v, true);
        assert!(restore_payload(&p).is_ok());
        let n = p.len();
        p[n - 1] ^= 1;
        assert_eq!(restore_payload(&p), Err(PayloadError::Footer));
        assert_eq!(restore_payload(b"short"), Err(PayloadError::Footer));
        // Version 12 refused even with a right checksum.
        let mut body = vec![0u8, 1, b'a', 12, 0];
        let crc = crate::persistence::crc64::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(restore_payload(&body), Err(PayloadError::Footer));
        // A truncated object with a valid footer is a data error at its offset.
        let mut body = vec![0u8, 5, b'a', 10, 0];
        let crc = crate::persistence::crc64::crc64(0, &body);
        body.extend_from_slice(&crc.to_le_bytes());
        match restore_payload(&body) {
            Err(PayloadError::Data(e)) => assert_eq!(e.offset, 2),
            other => panic!("{other:?}"),
        }
    }
}
