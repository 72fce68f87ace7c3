//! Seeded, reproducible generator of command sequences for the differential
//! test. Same seed and same families => same sequence (no clock, no global
//! state: everything comes from one `StdRng::seed_from_u64(seed)`).
//!
//! The key space is small (about 40 keys, a hot dozen of them picked half the
//! time) so that commands collide. Keys include hash-tagged ones, binary
//! bytes, CRLF, NUL, the empty key and glob metacharacters; values include
//! integers at the i64 limits, floats, strings at the embstr/raw boundary,
//! binary strings, empty strings and (rarely) big values.
//!
//! Time: relative expirations are distinct multiples of 100 s (drawn without
//! replacement from a shuffled pool), so that they never expire during a run
//! and no NX/XX/GT/LT decision can depend on how many milliseconds passed
//! between two commands (two different ones differ by >= 99 s, far more than
//! a run lasts, and one is never used twice). Absolute expirations
//! (EXAT/PXAT/EXPIREAT/PEXPIREAT) are far in the future (after
//! `ABS_EXACT_FROM_S`) or far in the past; they are compared exactly.

#[path = "gen_types.rs"]
pub mod types;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// Command families, to restrict a run with DIFF_FAMILIES=strings,keys,...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND
    /// STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE SUBSTR LCS
    Strings,
    /// SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO
    Bits,
    /// DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY TOUCH
    /// OBJECT ENCODING DBSIZE
    Keys,
    /// EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
    Expire,
    /// SELECT SWAPDB MOVE FLUSHDB FLUSHALL
    Db,
    /// PING ECHO, unknown commands
    Conn,
    /// Opt-in (not in the default set): LPUSH/SADD/HSET/ZADD on the shared
    /// key space, so string commands meet WRONGTYPE keys and TYPE/OBJECT
    /// ENCODING/SCAN TYPE see other types.
    Types,
    /// Lists, blocking list pops included (10 ms timeouts).
    Lists,
    /// Hashes.
    Hashes,
    /// Sets.
    Sets,
    /// Sorted sets, BZPOPMIN/BZPOPMAX/BZMPOP included.
    Zsets,
    /// HyperLogLog (PFADD PFCOUNT PFMERGE, GET of the HLL strings).
    Hll,
    /// SORT and SORT_RO.
    Sort,
}

impl Family {
    pub const ALL: [Family; 13] = [
        Family::Strings,
        Family::Bits,
        Family::Keys,
        Family::Expire,
        Family::Db,
        Family::Conn,
        Family::Types,
        Family::Lists,
        Family::Hashes,
        Family::Sets,
        Family::Zsets,
        Family::Hll,
        Family::Sort,
    ];
    /// The collection families (`DIFF_FAMILIES=collections`), run by the
    /// `collections_vs_redis` test.
    pub const COLLECTIONS: [Family; 6] = [
        Family::Lists,
        Family::Hashes,
        Family::Sets,
        Family::Zsets,
        Family::Hll,
        Family::Sort,
    ];
    /// The default set: every family but the opt-in `types`.
    pub const DEFAULT: [Family; 6] = [
        Family::Strings,
        Family::Bits,
        Family::Keys,
        Family::Expire,
        Family::Db,
        Family::Conn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Strings => "strings",
            Family::Bits => "bits",
            Family::Keys => "keys",
            Family::Expire => "expire",
            Family::Db => "db",
            Family::Conn => "conn",
            Family::Types => "types",
            Family::Lists => "lists",
            Family::Hashes => "hashes",
            Family::Sets => "sets",
            Family::Zsets => "zsets",
            Family::Hll => "hll",
            Family::Sort => "sort",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Relative weight of the family in a mixed sequence.
    fn weight(self) -> u32 {
        match self {
            Family::Strings => 40,
            Family::Bits => 15,
            Family::Keys => 20,
            Family::Expire => 18,
            Family::Db => 4,
            Family::Conn => 3,
            Family::Types => 6,
            Family::Lists => 20,
            Family::Hashes => 15,
            Family::Sets => 15,
            Family::Zsets => 25,
            Family::Hll => 6,
            Family::Sort => 6,
        }
    }
}

/// Parse a DIFF_FAMILIES value: comma-separated names, or "all" (every family,
/// `types` included), or "default"; empty => default.
pub fn parse_families(spec: &str) -> Result<Vec<Family>, String> {
    let spec = spec.trim();
    if spec.is_empty() || spec.eq_ignore_ascii_case("default") {
        return Ok(Family::DEFAULT.to_vec());
    }
    if spec.eq_ignore_ascii_case("all") {
        return Ok(Family::ALL.to_vec());
    }
    if spec.eq_ignore_ascii_case("collections") {
        return Ok(Family::COLLECTIONS.to_vec());
    }
    let mut out = Vec::new();
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        match Family::parse(part) {
            Some(f) => {
                if !out.contains(&f) {
                    out.push(f)
                }
            }
            None => {
                return Err(format!(
                    "unknown family {part:?} in DIFF_FAMILIES (known: {}, or all/default)",
                    Family::ALL.map(|f| f.name()).join(",")
                ))
            }
        }
    }
    if out.is_empty() {
        return Err("DIFF_FAMILIES names no family".into());
    }
    out.sort();
    Ok(out)
}

/// How the two replies of an op are compared. Anything but `Exact` is a
/// normalisation of something Redis itself leaves unspecified; each falls
/// back to a byte-exact comparison when a reply does not have the expected
/// shape (errors, for instance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Byte for byte.
    Exact,
    /// An array whose order is unspecified (KEYS): compared as sorted lists.
    Unordered,
    /// SCAN: iterate to cursor 0 on both servers (same options), compare the
    /// sets of keys returned. Cursors and page boundaries are unspecified.
    ScanAll,
    /// RANDOMKEY: nil on both, or a key on each that EXISTS on that server.
    RandomKey,
    /// TTL/PTTL: negative replies (-1, -2) exact, positive ones within `tol`
    /// (the two servers set and read the expiry at slightly different times).
    Ttl { tol: i64 },
    /// Replies whose order follows a hash table when a key is
    /// hashtable-encoded (SMEMBERS, SINTER, SUNION, SDIFF, HGETALL, HKEYS,
    /// HVALS): exact, unless redis reports "hashtable" for one of the keys
    /// at these argument positions; then compared as multisets (of
    /// field/value pairs when `pairs`).
    SetOrder { keys: Vec<usize>, pairs: bool },
    /// SSCAN/HSCAN/ZSCAN: iterate to cursor 0 on both servers (same key and
    /// options), compare the sets of elements (pairs when `pairs`).
    ScanMembers { pairs: bool },
    /// SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER: errors and nil exact;
    /// otherwise the same shape and count on both, distinct elements where
    /// Redis guarantees it, each element (and value/score) present on the
    /// server that returned it. After SPOP the popped elements must be gone
    /// and the set is rewritten identically on both servers.
    Random,
    /// OBJECT ENCODING of the key at `key`: exact, except that a set redis
    /// 7.0 reports as "hashtable" may be "listpack" on shardis (as in Redis
    /// 7.2) when it is small enough for a listpack set.
    Encoding { key: usize },
    /// EXPIRETIME/PEXPIRETIME: negative replies exact; times in
    /// `exact_from..=exact_to` come from absolute times the generator set
    /// (EXAT/PXAT/EXPIREAT/PEXPIREAT) and must be equal; others come from
    /// relative expirations (set at each server's own clock): within `tol`.
    ExpireTime {
        tol: i64,
        exact_from: i64,
        exact_to: i64,
    },
}

/// Something the driver checks (on both servers, with read-only commands)
/// before it sends the op; the op is skipped when it says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// LCS allocates a (len(a)+1)*(len(b)+1) table: skip when STRLEN a *
    /// STRLEN b exceeds `max_cells`.
    LcsCells {
        a: Vec<u8>,
        b: Vec<u8>,
        max_cells: u64,
    },
    /// A lex range over a skiplist-encoded sorted set whose members may
    /// have different scores (any key but `LEX_KEY`): Redis' answer then
    /// depends on its random skiplist levels. Skip when OBJECT ENCODING of
    /// `key` says skiplist.
    LexNotSkiplist { key: Vec<u8> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    pub family: Family,
    pub args: Vec<Vec<u8>>,
    pub check: Check,
    pub guard: Option<Guard>,
}

/// Absolute expirations the generator sets are at or after this (seconds):
/// the year 2096. Relative ones land well before it.
pub const ABS_BASE_S: i64 = 4_000_000_000;
/// The band of expire times compared exactly (seconds). Relative
/// expirations land before it (now + at most REL_POOL * REL_STEP_S), except
/// the huge erroneous-looking ones like PEXPIRE k 9223372036854775, which
/// land far after it.
pub const ABS_EXACT_FROM_S: i64 = 3_000_000_000;
pub const ABS_EXACT_TO_S: i64 = 5_000_000_000;
/// Relative expirations are k * REL_STEP_S seconds, k in 1..=REL_POOL.
pub const REL_STEP_S: i64 = 100;
pub const REL_POOL: u32 = 50_000;
/// Tolerances for values derived from relative expirations.
pub const TTL_TOL_S: i64 = 2;
pub const TTL_TOL_MS: i64 = 2000;

/// The key space.
pub const KEYS: &[&[u8]] = &[
    b"a",
    b"b",
    b"c",
    b"d",
    b"key:1",
    b"key:2",
    b"key:3",
    b"key:10",
    b"counter",
    b"n:1",
    b"n:2",
    b"f:1",
    b"{user1}.a",
    b"{user1}.b",
    b"{user1}.c",
    b"{user2}.a",
    b"{user2}.b",
    b"{}.empty-tag",
    b"{{x}}.y",
    b"x{a}y",
    b"bits:1",
    b"bits:2",
    b"bits:3",
    b"dst",
    b"bin\x00key",
    b"crlf\r\nkey",
    b"\xff\xfe\xfd",
    b"",
    b" ",
    b"sp ace",
    b"h\xc3\xa9llo",
    b"*star",
    b"q?",
    b"[br]",
    b"back\\slash",
    b"\r\n",
    b"\x00",
    b"long:0123456789012345678901234567890123456789012345678901234567890123456789",
];

/// Keys picked half of the time, so that commands collide often.
const HOT_KEYS: &[&[u8]] = &[
    b"a",
    b"b",
    b"c",
    b"{user1}.a",
    b"{user1}.b",
    b"n:1",
    b"bits:1",
    b"bin\x00key",
    b"crlf\r\nkey",
    b"",
    b"key:1",
    b"dst",
];

const NUMERIC_KEYS: &[&[u8]] = &[b"n:1", b"n:2", b"counter", b"a", b"{user1}.a", b"f:1"];

const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "10",
    "42",
    "-42",
    "100",
    "9999",
    "10000",
    "-10000",
    "123456789",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "-9223372036854775807",
    "4611686018427387904",
    "-4611686018427387904",
    "18446744073709551615",
    "9223372036854775808",
    "-9223372036854775809",
    "007",
    "+5",
    "-0",
    " 3",
    "3 ",
    "1e3",
    "0x1f",
    "12345678901234567890",
    "",
    "abc",
    "1.5",
    "99999999999999999999",
];

const FLOATS: &[&str] = &[
    "0",
    "1",
    "1.5",
    "-0.5",
    "0.1",
    "3.0e3",
    "1e-5",
    "5.0",
    "10.50",
    ".5",
    "5.",
    "-0.0",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "1e308",
    "2.2250738585072014e-308",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "1e400",
    " 1.5",
    "1.5 ",
    "1,5",
    "abc",
    "",
    "123456789012345678",
    "0.30000000000000004",
    "3.14159265358979323846",
    "-12.25",
    "1e10",
];

/// Deterministic command sequence for a seed.
pub fn sequence(seed: u64, families: &[Family], n: usize) -> Vec<Op> {
    let mut g = Gen::new(seed, families);
    (0..n).map(|_| g.next_op()).collect()
}

pub struct Gen {
    rng: StdRng,
    families: Vec<Family>,
    /// Shuffled multipliers of REL_STEP_S, drawn without replacement.
    rel_pool: Vec<u32>,
}

type Builder = fn(&mut Gen) -> Op;

impl Gen {
    pub fn new(seed: u64, families: &[Family]) -> Gen {
        let mut fams = families.to_vec();
        fams.sort();
        fams.dedup();
        assert!(!fams.is_empty(), "no command family selected");
        Gen {
            rng: StdRng::seed_from_u64(seed),
            families: fams,
            rel_pool: Vec::new(),
        }
    }

    pub fn next_op(&mut self) -> Op {
        let total: u32 = self.families.iter().map(|f| f.weight()).sum();
        let mut x = self.rng.gen_range(0..total);
        let mut fam = self.families[0];
        for f in &self.families {
            if x < f.weight() {
                fam = *f;
                break;
            }
            x -= f.weight();
        }
        let table: &[(u32, Builder)] = match fam {
            Family::Strings => STRINGS,
            Family::Bits => BITS,
            Family::Keys => KEYSPACE,
            Family::Expire => EXPIRE,
            Family::Db => DB,
            Family::Conn => CONN,
            Family::Types => TYPES,
            Family::Lists => types::LISTS,
            Family::Hashes => types::HASHES,
            Family::Sets => types::SETS,
            Family::Zsets => types::ZSETS,
            Family::Hll => types::HLL,
            Family::Sort => types::SORT,
        };
        let total: u32 = table.iter().map(|(w, _)| *w).sum();
        let mut x = self.rng.gen_range(0..total);
        let mut build = table[0].1;
        for (w, b) in table {
            if x < *w {
                build = *b;
                break;
            }
            x -= *w;
        }
        let mut op = build(self);
        op.family = fam;
        if !types::is_blocking(&op.args[0]) {
            self.mangle(&mut op);
        }
        if op.guard.is_none() {
            op.guard = types::lex_guard(&op.args);
        }
        self.random_case_name(&mut op);
        op
    }

    // ----- building blocks -------------------------------------------------

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.gen_range(0..100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).unwrap()
    }

    fn key(&mut self) -> Vec<u8> {
        if self.chance(50) {
            self.pick(HOT_KEYS).to_vec()
        } else {
            self.pick(KEYS).to_vec()
        }
    }

    fn keys(&mut self, min: usize, max: usize) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(min..=max);
        (0..n).map(|_| self.key()).collect()
    }

    fn numeric_key(&mut self) -> Vec<u8> {
        if self.chance(60) {
            self.pick(NUMERIC_KEYS).to_vec()
        } else {
            self.key()
        }
    }

    fn random_bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len).map(|_| self.pick(alphabet)).collect()
    }

    fn alnum(&mut self, len: usize) -> Vec<u8> {
        self.random_bytes(
            len,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        )
    }

    fn value(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=19 => self.pick(INTS).as_bytes().to_vec(),
            20..=24 => self
                .rng
                .gen_range(-100_000i64..100_000)
                .to_string()
                .into_bytes(),
            25..=29 => self.pick(FLOATS).as_bytes().to_vec(),
            30..=54 => {
                let n = self.rng.gen_range(0..16);
                self.alnum(n)
            }
            55..=64 => {
                // around the embstr/raw boundary (44 bytes)
                let n = self.rng.gen_range(40..=48);
                self.alnum(n)
            }
            65..=74 => {
                let n = self.rng.gen_range(1..24);
                self.random_bytes(n, b"ab\r\n\x00\xff\x01 \t\"\\*?[]{}")
            }
            75..=79 => Vec::new(),
            80..=97 => {
                let n = self.rng.gen_range(16..300);
                self.alnum(n)
            }
            _ => {
                // big
                let n = self.rng.gen_range(1_000..20_000);
                let mut v = self.alnum(64);
                v.resize(n, b'x');
                let i = self.rng.gen_range(0..n);
                v[i] = b'\n';
                v
            }
        }
    }

    fn int_of(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        self.rng.gen_range(lo..=hi).to_string().into_bytes()
    }

    /// An integer argument: mostly in lo..=hi, sometimes a bad or extreme one.
    fn int_arg(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        if self.chance(8) {
            self.pick(INTS).as_bytes().to_vec()
        } else {
            self.int_of(lo, hi)
        }
    }

    fn float_arg(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..10) {
            0..=3 => self.pick(FLOATS).as_bytes().to_vec(),
            4..=5 => self.int_of(-1000, 1000),
            _ => {
                let x: f64 = self.rng.gen_range(-1000.0..1000.0);
                let digits = self.rng.gen_range(0..6);
                format!("{x:.digits$}").into_bytes()
            }
        }
    }

    /// A fresh relative duration in seconds (never the same twice per run
    /// until the pool of REL_POOL values is exhausted, then refilled).
    fn rel_units(&mut self) -> i64 {
        if self.rel_pool.is_empty() {
            self.rel_pool = (1..=REL_POOL).collect();
            self.rel_pool.shuffle(&mut self.rng);
        }
        self.rel_pool.pop().unwrap() as i64 * REL_STEP_S
    }

    fn rel_s(&mut self) -> Vec<u8> {
        self.rel_units().to_string().into_bytes()
    }

    fn rel_ms(&mut self) -> Vec<u8> {
        let s = self.rel_units();
        let extra = self.rng.gen_range(0..1000);
        (s * 1000 + extra).to_string().into_bytes()
    }

    /// An absolute Unix time in seconds: far future (small pool, so equal
    /// ones happen), or sometimes (if `past_ok`) in the past.
    ///
    /// SET ... EXAT/PXAT with a past time is not generated (past_ok false):
    /// Redis 7.0 stores such a key and leaves it to lazy/active expiry, so
    /// DBSIZE would depend on when the active expire cycle runs. The
    /// tiny-expiration test covers it instead.
    fn abs_s(&mut self, past_ok: bool) -> Vec<u8> {
        if past_ok && self.chance(10) {
            self.pick(&["1", "1000000", "1600000000"])
                .as_bytes()
                .to_vec()
        } else {
            (ABS_BASE_S + self.rng.gen_range(0..50) * 1000)
                .to_string()
                .into_bytes()
        }
    }

    fn abs_ms(&mut self, past_ok: bool) -> Vec<u8> {
        if past_ok && self.chance(10) {
            self.pick(&["1", "1000000000", "1600000000000"])
                .as_bytes()
                .to_vec()
        } else {
            ((ABS_BASE_S + self.rng.gen_range(0..50) * 1000) * 1000
                + self.rng.gen_range(0..3) * 250)
                .to_string()
                .into_bytes()
        }
    }

    /// A bad expire-time argument (error, or immediate deletion for <= 0 in
    /// EXPIRE-like commands). `ms_relative`: for PEXPIRE/PX/PSETEX, where a
    /// huge value like 9223372036854775 is a valid relative time; such
    /// values are left out there, because two of them set on one key (say
    /// PX then PEXPIRE .. GT) compare equal or not depending on whether both
    /// commands ran in the same millisecond. The ones kept overflow whatever
    /// the clock says.
    fn bad_time(&mut self, ms_relative: bool) -> Vec<u8> {
        let common = [
            "0",
            "-1",
            "-100",
            "abc",
            "",
            "1.5",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854770000",
        ];
        let seconds_only = ["9223372036854775", "9223372036854776", "92233720368547758"];
        let n = if ms_relative {
            common.len()
        } else {
            common.len() + seconds_only.len()
        };
        let i = self.rng.gen_range(0..n);
        let v = if i < common.len() {
            common[i]
        } else {
            seconds_only[i - common.len()]
        };
        v.as_bytes().to_vec()
    }

    fn opt(&mut self, name: &str) -> Vec<u8> {
        if self.chance(15) {
            name.to_ascii_lowercase().into_bytes()
        } else {
            name.as_bytes().to_vec()
        }
    }

    fn op(&self, args: Vec<Vec<u8>>) -> Op {
        Op {
            family: Family::Strings, // set by next_op
            args,
            check: Check::Exact,
            guard: None,
        }
    }

    fn cmd(&self, name: &str, rest: Vec<Vec<u8>>) -> Op {
        let mut args = vec![name.as_bytes().to_vec()];
        args.extend(rest);
        self.op(args)
    }

    /// With a small probability, make the command malformed: drop trailing
    /// arguments (wrong arity, option missing its value) or add a junk one.
    fn mangle(&mut self, op: &mut Op) {
        let r = self.rng.gen_range(0..100);
        if r < 3 && op.args.len() > 1 {
            let keep = self.rng.gen_range(1..op.args.len());
            op.args.truncate(keep);
        } else if r < 5 {
            let junk: Vec<u8> = self
                .pick(&["junk", "NX", "EX", "1", "", "GET", "\r\n"])
                .as_bytes()
                .to_vec();
            op.args.push(junk);
        }
    }

    /// Command names are case-insensitive: sometimes send them in odd case.
    fn random_case_name(&mut self, op: &mut Op) {
        if self.chance(10) {
            let name = &mut op.args[0];
            for b in name.iter_mut() {
                if self.rng.gen_bool(0.5) {
                    *b = b.to_ascii_lowercase();
                }
            }
        }
    }

    // ----- strings ---------------------------------------------------------

    fn g_get(&mut self) -> Op {
        let k = self.key();
        self.cmd("GET", vec![k])
    }

    /// SET on a numeric key with an integer-ish value (feeds INCR & co.).
    fn g_set_numeric(&mut self) -> Op {
        let k = self.numeric_key();
        let v = match self.rng.gen_range(0..10) {
            0..=3 => self.pick(INTS).as_bytes().to_vec(),
            4..=7 => self.int_of(-1000, 1000),
            _ => self.float_arg(),
        };
        self.cmd("SET", vec![k, v])
    }

    /// Expiry options of SET (`is_set`: KEEPTTL) or GETEX (PERSIST).
    fn expiry_opt(&mut self, is_set: bool) -> Vec<Vec<u8>> {
        match self.rng.gen_range(0..100) {
            0..=29 => vec![],
            30..=54 => vec![self.opt("EX"), self.rel_s()],
            55..=64 => vec![self.opt("PX"), self.rel_ms()],
            65..=71 => vec![self.opt("EXAT"), self.abs_s(!is_set)],
            72..=78 => vec![self.opt("PXAT"), self.abs_ms(!is_set)],
            79..=86 if is_set => vec![self.opt("KEEPTTL")],
            79..=86 => vec![self.opt("PERSIST")],
            87..=94 => {
                let o = self.pick(&["EX", "PX", "EXAT", "PXAT"]);
                vec![self.opt(o), self.bad_time(o == "PX")]
            }
            _ => {
                // two expiry options: syntax error (each with a value that
                // is valid for it, in case `mangle` cuts the second one off)
                let mut v = Vec::new();
                for _ in 0..2 {
                    let o = self.pick(&["EX", "PX", "EXAT", "PXAT", "KEEPTTL", "PERSIST"]);
                    v.push(self.opt(o));
                    match o {
                        "EX" => v.push(self.rel_s()),
                        "PX" => v.push(self.rel_ms()),
                        "EXAT" => v.push(self.abs_s(false)),
                        "PXAT" => v.push(self.abs_ms(false)),
                        _ => {}
                    }
                }
                v
            }
        }
    }

    fn g_set(&mut self) -> Op {
        let k = self.key();
        let v = self.value();
        let mut groups: Vec<Vec<Vec<u8>>> = Vec::new();
        let e = self.expiry_opt(true);
        if !e.is_empty() {
            groups.push(e);
        }
        match self.rng.gen_range(0..100) {
            0..=19 => groups.push(vec![self.opt("NX")]),
            20..=39 => groups.push(vec![self.opt("XX")]),
            40..=42 => groups.push(vec![self.opt("NX"), self.opt("XX")]),
            _ => {}
        }
        if self.chance(20) {
            groups.push(vec![self.opt("GET")]);
        }
        if self.chance(2) {
            groups.push(vec![b"BOGUS".to_vec()]);
        }
        groups.shuffle(&mut self.rng);
        let mut args = vec![k, v];
        args.extend(groups.into_iter().flatten());
        self.cmd("SET", args)
    }

    fn g_setnx(&mut self) -> Op {
        let (k, v) = (self.key(), self.value());
        self.cmd("SETNX", vec![k, v])
    }

    fn g_setex(&mut self) -> Op {
        let k = self.key();
        let t = if self.chance(85) {
            self.rel_s()
        } else {
            self.bad_time(false)
        };
        let v = self.value();
        self.cmd("SETEX", vec![k, t, v])
    }

    fn g_psetex(&mut self) -> Op {
        let k = self.key();
        let t = if self.chance(85) {
            self.rel_ms()
        } else {
            self.bad_time(true)
        };
        let v = self.value();
        self.cmd("PSETEX", vec![k, t, v])
    }

    fn g_getset(&mut self) -> Op {
        let (k, v) = (self.key(), self.value());
        self.cmd("GETSET", vec![k, v])
    }

    fn g_getdel(&mut self) -> Op {
        let k = self.key();
        self.cmd("GETDEL", vec![k])
    }

    fn g_getex(&mut self) -> Op {
        let k = self.key();
        let mut args = vec![k];
        args.extend(self.expiry_opt(false));
        if self.chance(3) {
            args.push(b"BOGUS".to_vec());
        }
        self.cmd("GETEX", args)
    }

    fn g_mget(&mut self) -> Op {
        let ks = self.keys(1, 6);
        self.cmd("MGET", ks)
    }

    fn pairs(&mut self) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(1..=4);
        let mut args = Vec::new();
        for _ in 0..n {
            args.push(self.key());
            args.push(self.value());
        }
        args
    }

    fn g_mset(&mut self) -> Op {
        let a = self.pairs();
        self.cmd("MSET", a)
    }

    fn g_msetnx(&mut self) -> Op {
        let a = self.pairs();
        self.cmd("MSETNX", a)
    }

    fn g_append(&mut self) -> Op {
        let (k, v) = (self.key(), self.value());
        self.cmd("APPEND", vec![k, v])
    }

    fn g_strlen(&mut self) -> Op {
        let k = self.key();
        self.cmd("STRLEN", vec![k])
    }

    fn g_incr(&mut self) -> Op {
        let k = self.numeric_key();
        let name = self.pick(&["INCR", "DECR"]);
        self.cmd(name, vec![k])
    }

    fn g_incrby(&mut self) -> Op {
        let k = self.numeric_key();
        let name = self.pick(&["INCRBY", "DECRBY"]);
        let by = if self.chance(80) {
            self.int_of(-1000, 1000)
        } else {
            self.pick(INTS).as_bytes().to_vec()
        };
        self.cmd(name, vec![k, by])
    }

    fn g_incrbyfloat(&mut self) -> Op {
        let k = self.numeric_key();
        let by = self.float_arg();
        self.cmd("INCRBYFLOAT", vec![k, by])
    }

    fn range_index(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=59 => self.int_of(-10, 30),
            60..=79 => self.int_of(-400, 400),
            80..=89 => self
                .pick(&[
                    "2147483647",
                    "-2147483648",
                    "4294967296",
                    "9223372036854775807",
                    "-9223372036854775808",
                    "-1",
                    "0",
                ])
                .as_bytes()
                .to_vec(),
            _ => self.int_arg(-5, 5),
        }
    }

    fn g_getrange(&mut self) -> Op {
        let k = self.key();
        let (s, e) = (self.range_index(), self.range_index());
        let name = if self.chance(20) {
            "SUBSTR"
        } else {
            "GETRANGE"
        };
        self.cmd(name, vec![k, s, e])
    }

    fn g_setrange(&mut self) -> Op {
        let k = self.key();
        let off = match self.rng.gen_range(0..100) {
            0..=69 => self.int_of(0, 60),
            70..=89 => self.int_of(0, 10_000),
            _ => self
                .pick(&[
                    "-1",
                    "536870911",
                    "536870912",
                    "4294967296",
                    "9223372036854775807",
                    "abc",
                    "",
                ])
                .as_bytes()
                .to_vec(),
        };
        // A huge offset with a non-empty value would allocate 512 MB: only
        // the erroring or no-op forms are sent for those.
        let v = if off == b"536870911" {
            b"xy".to_vec() // 536870911 + 2 > 512 MB: error
        } else {
            self.value()
        };
        self.cmd("SETRANGE", vec![k, off, v])
    }

    fn g_lcs(&mut self) -> Op {
        let (a, b) = (self.key(), self.key());
        let mut args = vec![a.clone(), b.clone()];
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        match self.rng.gen_range(0..100) {
            0..=29 => {}
            30..=49 => opts.push(vec![self.opt("LEN")]),
            50..=94 => opts.push(vec![self.opt("IDX")]),
            _ => opts.push(vec![self.opt("LEN"), self.opt("IDX")]),
        }
        if self.chance(35) {
            let n = if self.chance(90) {
                self.int_of(0, 6)
            } else {
                self.int_arg(-3, 3)
            };
            opts.push(vec![self.opt("MINMATCHLEN"), n]);
        }
        if self.chance(35) {
            opts.push(vec![self.opt("WITHMATCHLEN")]);
        }
        if self.chance(3) {
            opts.push(vec![b"BOGUS".to_vec()]);
        }
        opts.shuffle(&mut self.rng);
        args.extend(opts.into_iter().flatten());
        let mut op = self.cmd("LCS", args);
        op.guard = Some(Guard::LcsCells {
            a,
            b,
            max_cells: 4_000_000,
        });
        op
    }

    /// SET of a short string made from a small alphabet, so LCS has common
    /// subsequences to find.
    fn g_set_lcs_material(&mut self) -> Op {
        let k = self.key();
        let n = self.rng.gen_range(0..40);
        let v = self.random_bytes(n, b"abcdeAB\x00");
        self.cmd("SET", vec![k, v])
    }

    // ----- bits ------------------------------------------------------------

    fn bit_offset(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=49 => self.int_of(0, 64),
            50..=79 => self.int_of(0, 8_000),
            80..=91 => self.int_of(0, 80_000),
            _ => self
                .pick(&["-1", "4294967296", "abc", "", "1.5", "9223372036854775807"])
                .as_bytes()
                .to_vec(),
        }
    }

    fn g_setbit(&mut self) -> Op {
        let k = self.key();
        let off = self.bit_offset();
        let bit = if self.chance(92) {
            self.pick(&["0", "1", "1"]).as_bytes().to_vec()
        } else {
            self.pick(&["2", "-1", "a", "", "01"]).as_bytes().to_vec()
        };
        self.cmd("SETBIT", vec![k, off, bit])
    }

    fn g_getbit(&mut self) -> Op {
        let k = self.key();
        let off = if self.chance(5) {
            b"4294967295".to_vec() // the largest valid offset: no allocation on read
        } else {
            self.bit_offset()
        };
        self.cmd("GETBIT", vec![k, off])
    }

    fn byte_bit(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..10) {
            0..=4 => self.opt("BYTE"),
            5..=8 => self.opt("BIT"),
            _ => b"WORD".to_vec(),
        }
    }

    fn g_bitcount(&mut self) -> Op {
        let k = self.key();
        let mut args = vec![k];
        match self.rng.gen_range(0..100) {
            0..=24 => {}
            25..=59 => {
                args.push(self.range_index());
                args.push(self.range_index());
            }
            60..=94 => {
                args.push(self.range_index());
                args.push(self.range_index());
                args.push(self.byte_bit());
            }
            _ => args.push(self.range_index()), // syntax error
        }
        self.cmd("BITCOUNT", args)
    }

    fn g_bitpos(&mut self) -> Op {
        let k = self.key();
        let bit = if self.chance(94) {
            self.pick(&["0", "1"]).as_bytes().to_vec()
        } else {
            self.pick(&["2", "-1", "x"]).as_bytes().to_vec()
        };
        let mut args = vec![k, bit];
        let n = self.rng.gen_range(0..=3);
        if n >= 1 {
            args.push(self.range_index());
        }
        if n >= 2 {
            args.push(self.range_index());
        }
        if n >= 3 {
            args.push(self.byte_bit());
        }
        self.cmd("BITPOS", args)
    }

    fn g_bitop(&mut self) -> Op {
        let op = match self.rng.gen_range(0..100) {
            0..=22 => "AND",
            23..=45 => "OR",
            46..=68 => "XOR",
            69..=96 => "NOT",
            _ => "NAND",
        };
        let dest = self.key();
        let n = if op == "NOT" && self.chance(85) {
            1
        } else {
            self.rng.gen_range(1..=4)
        };
        let mut args = vec![self.opt(op), dest];
        args.extend((0..n).map(|_| self.key()));
        self.cmd("BITOP", args)
    }

    fn bf_type(&mut self) -> Vec<u8> {
        if self.chance(3) {
            return self
                .pick(&["u64", "i65", "i0", "u0", "x8", "", "8", "I8", "U8", "u-1"])
                .as_bytes()
                .to_vec();
        }
        let signed = self.chance(50);
        let bits = if self.chance(60) {
            self.pick(&[1, 2, 3, 4, 5, 7, 8, 16, 32])
        } else if signed {
            self.rng.gen_range(1..=64)
        } else {
            self.rng.gen_range(1..=63)
        };
        format!("{}{}", if signed { "i" } else { "u" }, bits).into_bytes()
    }

    fn bf_offset(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=54 => self.int_of(0, 128),
            55..=74 => format!("#{}", self.rng.gen_range(0..16)).into_bytes(),
            75..=95 => self.int_of(0, 100_000),
            _ => self
                .pick(&["-1", "#-1", "4294967296", "abc", "#", "", "# 1"])
                .as_bytes()
                .to_vec(),
        }
    }

    fn bf_value(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..10) {
            0..=4 => self.int_of(-300, 300),
            5..=7 => self.pick(INTS).as_bytes().to_vec(),
            _ => {
                let x: i64 = self.rng.gen();
                x.to_string().into_bytes()
            }
        }
    }

    fn g_bitfield(&mut self) -> Op {
        let k = self.key();
        let mut args = vec![k];
        let n = self.rng.gen_range(0..=4);
        for _ in 0..n {
            match self.rng.gen_range(0..100) {
                0..=29 => {
                    args.push(self.opt("GET"));
                    args.push(self.bf_type());
                    args.push(self.bf_offset());
                }
                30..=59 => {
                    args.push(self.opt("SET"));
                    args.push(self.bf_type());
                    args.push(self.bf_offset());
                    args.push(self.bf_value());
                }
                60..=84 => {
                    args.push(self.opt("INCRBY"));
                    args.push(self.bf_type());
                    args.push(self.bf_offset());
                    args.push(self.bf_value());
                }
                85..=97 => {
                    args.push(self.opt("OVERFLOW"));
                    let o = if self.chance(93) {
                        self.pick(&["WRAP", "SAT", "FAIL"])
                    } else {
                        "BOUNCE"
                    };
                    args.push(self.opt(o));
                }
                _ => args.push(b"BOGUS".to_vec()),
            }
        }
        self.cmd("BITFIELD", args)
    }

    fn g_bitfield_ro(&mut self) -> Op {
        let k = self.key();
        let mut args = vec![k];
        let n = self.rng.gen_range(0..=3);
        for _ in 0..n {
            if self.chance(92) {
                args.push(self.opt("GET"));
                args.push(self.bf_type());
                args.push(self.bf_offset());
            } else if self.chance(50) {
                args.push(self.opt("SET"));
                args.push(self.bf_type());
                args.push(self.bf_offset());
                args.push(self.bf_value());
            } else {
                args.push(self.opt("OVERFLOW"));
                args.push(self.opt("SAT"));
            }
        }
        self.cmd("BITFIELD_RO", args)
    }

    // ----- keys ------------------------------------------------------------

    fn g_del(&mut self) -> Op {
        let name = self.pick(&["DEL", "DEL", "UNLINK"]);
        let ks = self.keys(1, 4);
        self.cmd(name, ks)
    }

    fn g_exists(&mut self) -> Op {
        let name = self.pick(&["EXISTS", "EXISTS", "TOUCH"]);
        let ks = self.keys(1, 5);
        self.cmd(name, ks)
    }

    fn g_type(&mut self) -> Op {
        let k = self.key();
        self.cmd("TYPE", vec![k])
    }

    fn pattern(&mut self) -> Vec<u8> {
        if self.chance(20) {
            return self.key();
        }
        self.pick::<&[u8]>(&[
            b"*",
            b"*",
            b"a*",
            b"key:*",
            b"key:?",
            b"key:??",
            b"{user1}*",
            b"*}*",
            b"*\x00*",
            b"*\r\n*",
            b"[a-c]",
            b"[^a]",
            b"[!a]",
            b"[c-a]",
            b"*[",
            b"[",
            b"\\*star",
            b"\\**",
            b"*\\",
            b"h?llo",
            b"h??llo",
            b"",
            b"*:*",
            b"bits:[12]",
            b"n:[^1]",
            b"?",
            b"??",
            b"*y",
            b"\xff*",
            b"*a*b*",
            b"[[]br]",
            b"[\\]]*",
        ])
        .to_vec()
    }

    fn g_keys(&mut self) -> Op {
        let p = self.pattern();
        let mut op = self.cmd("KEYS", vec![p]);
        // Redis returns KEYS in hash-table order, which is unspecified.
        op.check = Check::Unordered;
        op
    }

    fn g_scan(&mut self) -> Op {
        let cursor = if self.chance(95) {
            b"0".to_vec()
        } else {
            // invalid cursors only: a valid non-zero cursor is
            // implementation-specific
            self.pick(&["abc", " 0", "", "1.5"]).as_bytes().to_vec()
        };
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        if self.chance(50) {
            opts.push(vec![self.opt("MATCH"), self.pattern()]);
        }
        if self.chance(50) {
            let n = if self.chance(92) {
                self.int_of(1, 20)
            } else {
                self.pick(&["0", "-1", "abc"]).as_bytes().to_vec()
            };
            opts.push(vec![self.opt("COUNT"), n]);
        }
        if self.chance(30) {
            let t = self.pick(&[
                "string", "STRING", "list", "set", "hash", "zset", "none", "bogus",
            ]);
            opts.push(vec![self.opt("TYPE"), t.as_bytes().to_vec()]);
        }
        if self.chance(3) {
            opts.push(vec![self.opt("MATCH")]); // missing value: syntax error
        }
        opts.shuffle(&mut self.rng);
        let mut args = vec![cursor];
        args.extend(opts.into_iter().flatten());
        let mut op = self.cmd("SCAN", args);
        op.check = Check::ScanAll;
        op
    }

    fn g_randomkey(&mut self) -> Op {
        let mut op = self.cmd("RANDOMKEY", vec![]);
        // Which key is returned is random by definition.
        op.check = Check::RandomKey;
        op
    }

    fn g_rename(&mut self) -> Op {
        let name = self.pick(&["RENAME", "RENAMENX"]);
        let a = self.key();
        let b = if self.chance(10) {
            a.clone()
        } else {
            self.key()
        };
        self.cmd(name, vec![a, b])
    }

    fn db_index(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=39 => b"0".to_vec(),
            40..=69 => b"1".to_vec(),
            70..=84 => self.int_of(2, 3),
            85..=89 => b"15".to_vec(),
            _ => self
                .pick(&["16", "-1", "abc", "", "9223372036854775807", "2147483648"])
                .as_bytes()
                .to_vec(),
        }
    }

    fn g_copy(&mut self) -> Op {
        let a = self.key();
        let b = if self.chance(10) {
            a.clone()
        } else {
            self.key()
        };
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        if self.chance(40) {
            opts.push(vec![self.opt("DB"), self.db_index()]);
        }
        if self.chance(40) {
            opts.push(vec![self.opt("REPLACE")]);
        }
        if self.chance(3) {
            opts.push(vec![b"BOGUS".to_vec()]);
        }
        opts.shuffle(&mut self.rng);
        let mut args = vec![a, b];
        args.extend(opts.into_iter().flatten());
        self.cmd("COPY", args)
    }

    fn g_object(&mut self) -> Op {
        let k = self.key();
        if self.chance(5) {
            let sub = self.pick(&["BOGUS", "encodings"]);
            return self.cmd("OBJECT", vec![sub.as_bytes().to_vec(), k]);
        }
        let sub = self.opt("ENCODING");
        let mut op = self.cmd("OBJECT", vec![sub, k]);
        op.check = Check::Encoding { key: 2 };
        op
    }

    fn g_dbsize(&mut self) -> Op {
        self.cmd("DBSIZE", vec![])
    }

    // ----- expire ----------------------------------------------------------

    fn expire_flags(&mut self) -> Vec<Vec<u8>> {
        match self.rng.gen_range(0..100) {
            0..=44 => vec![],
            45..=54 => vec![self.opt("NX")],
            55..=64 => vec![self.opt("XX")],
            65..=76 => vec![self.opt("GT")],
            77..=88 => vec![self.opt("LT")],
            89..=91 => vec![self.opt("NX"), self.opt("XX")],
            92..=94 => vec![self.opt("GT"), self.opt("LT")],
            95..=96 => vec![self.opt("XX"), self.opt("GT")],
            97 => vec![self.opt("NX"), self.opt("GT")],
            _ => vec![b"BOGUS".to_vec()],
        }
    }

    fn g_expire(&mut self) -> Op {
        let which = self.rng.gen_range(0..4);
        let k = self.key();
        let good = self.chance(88);
        let (name, t) = match which {
            0 => (
                "EXPIRE",
                if good {
                    self.rel_s()
                } else {
                    self.bad_time(false)
                },
            ),
            1 => (
                "PEXPIRE",
                if good {
                    self.rel_ms()
                } else {
                    self.bad_time(true)
                },
            ),
            2 => (
                "EXPIREAT",
                if good {
                    self.abs_s(true)
                } else {
                    self.bad_time(false)
                },
            ),
            _ => (
                "PEXPIREAT",
                if good {
                    self.abs_ms(true)
                } else {
                    self.bad_time(false)
                },
            ),
        };
        let mut args = vec![k, t];
        args.extend(self.expire_flags());
        self.cmd(name, args)
    }

    fn g_ttl(&mut self) -> Op {
        let k = self.key();
        let ms = self.chance(50);
        let mut op = self.cmd(if ms { "PTTL" } else { "TTL" }, vec![k]);
        // Remaining time depends on when each server set and read it.
        op.check = Check::Ttl {
            tol: if ms { TTL_TOL_MS } else { TTL_TOL_S },
        };
        op
    }

    fn g_expiretime(&mut self) -> Op {
        let k = self.key();
        let ms = self.chance(50);
        let mut op = self.cmd(if ms { "PEXPIRETIME" } else { "EXPIRETIME" }, vec![k]);
        // Absolute times set with EXAT/PXAT/EXPIREAT/PEXPIREAT (all after
        // ABS_EXACT_FROM_S) must match exactly; relative ones depend on each
        // server's clock when it got the command.
        op.check = if ms {
            Check::ExpireTime {
                tol: TTL_TOL_MS,
                exact_from: ABS_EXACT_FROM_S * 1000,
                exact_to: ABS_EXACT_TO_S * 1000,
            }
        } else {
            Check::ExpireTime {
                tol: TTL_TOL_S,
                exact_from: ABS_EXACT_FROM_S,
                exact_to: ABS_EXACT_TO_S,
            }
        };
        op
    }

    fn g_persist(&mut self) -> Op {
        let k = self.key();
        self.cmd("PERSIST", vec![k])
    }

    // ----- db --------------------------------------------------------------

    fn g_select(&mut self) -> Op {
        let db = if self.chance(45) {
            b"0".to_vec()
        } else {
            self.db_index()
        };
        self.cmd("SELECT", vec![db])
    }

    fn g_swapdb(&mut self) -> Op {
        let (a, b) = (self.db_index(), self.db_index());
        self.cmd("SWAPDB", vec![a, b])
    }

    fn g_move(&mut self) -> Op {
        let k = self.key();
        let db = if self.chance(50) {
            b"1".to_vec()
        } else {
            self.db_index()
        };
        self.cmd("MOVE", vec![k, db])
    }

    fn flush_opt(&mut self) -> Vec<Vec<u8>> {
        match self.rng.gen_range(0..10) {
            0..=5 => vec![],
            6..=7 => vec![self.opt("ASYNC")],
            8 => vec![self.opt("SYNC")],
            _ => vec![b"BOGUS".to_vec()],
        }
    }

    fn g_flushdb(&mut self) -> Op {
        let o = self.flush_opt();
        self.cmd("FLUSHDB", o)
    }

    fn g_flushall(&mut self) -> Op {
        let o = self.flush_opt();
        self.cmd("FLUSHALL", o)
    }

    // ----- conn ------------------------------------------------------------

    fn g_ping(&mut self) -> Op {
        match self.rng.gen_range(0..10) {
            0..=4 => self.cmd("PING", vec![]),
            5..=8 => {
                let v = self.value();
                self.cmd("PING", vec![v])
            }
            _ => {
                let (a, b) = (self.value(), self.value());
                self.cmd("PING", vec![a, b])
            }
        }
    }

    fn g_echo(&mut self) -> Op {
        if self.chance(8) {
            return self.cmd("ECHO", vec![]);
        }
        let v = self.value();
        self.cmd("ECHO", vec![v])
    }

    fn g_unknown(&mut self) -> Op {
        let name = self.pick::<&[u8]>(&[
            b"FOOBAR",
            b"getx",
            b"SET2",
            b"",
            b"\r\n",
            b"x\x00y",
            b"CLUSTERFOO",
            b"bitfield_rw",
        ]);
        let n = self.rng.gen_range(0..4);
        let mut args = vec![name.to_vec()];
        for _ in 0..n {
            let v = self.value();
            args.push(v);
        }
        self.op(args)
    }

    // ----- types (opt-in) --------------------------------------------------

    fn g_lpush(&mut self) -> Op {
        let k = self.key();
        let name = self.pick(&["LPUSH", "RPUSH"]);
        let n = self.rng.gen_range(1..=3);
        let mut args = vec![k];
        args.extend((0..n).map(|_| self.alnum(3)));
        self.cmd(name, args)
    }

    fn g_sadd(&mut self) -> Op {
        let k = self.key();
        let n = self.rng.gen_range(1..=3);
        let mut args = vec![k];
        args.extend((0..n).map(|_| self.int_of(0, 20)));
        self.cmd("SADD", args)
    }

    fn g_hset(&mut self) -> Op {
        let k = self.key();
        let (f, v) = (self.alnum(2), self.value());
        self.cmd("HSET", vec![k, f, v])
    }

    fn g_zadd(&mut self) -> Op {
        let k = self.key();
        let s = self.int_of(-5, 5);
        let m = self.alnum(2);
        self.cmd("ZADD", vec![k, s, m])
    }
}

const STRINGS: &[(u32, Builder)] = &[
    (8, Gen::g_get),
    (14, Gen::g_set),
    (7, Gen::g_set_numeric),
    (2, Gen::g_setnx),
    (2, Gen::g_setex),
    (2, Gen::g_psetex),
    (2, Gen::g_getset),
    (2, Gen::g_getdel),
    (3, Gen::g_getex),
    (3, Gen::g_mget),
    (3, Gen::g_mset),
    (2, Gen::g_msetnx),
    (3, Gen::g_append),
    (2, Gen::g_strlen),
    (4, Gen::g_incr),
    (4, Gen::g_incrby),
    (3, Gen::g_incrbyfloat),
    (3, Gen::g_getrange),
    (3, Gen::g_setrange),
    (3, Gen::g_lcs),
    (2, Gen::g_set_lcs_material),
];

const BITS: &[(u32, Builder)] = &[
    (5, Gen::g_setbit),
    (3, Gen::g_getbit),
    (3, Gen::g_bitcount),
    (3, Gen::g_bitpos),
    (2, Gen::g_bitop),
    (5, Gen::g_bitfield),
    (2, Gen::g_bitfield_ro),
];

const KEYSPACE: &[(u32, Builder)] = &[
    (4, Gen::g_del),
    (4, Gen::g_exists),
    (3, Gen::g_type),
    (2, Gen::g_keys),
    (2, Gen::g_scan),
    (1, Gen::g_randomkey),
    (3, Gen::g_rename),
    (3, Gen::g_copy),
    (3, Gen::g_object),
    (1, Gen::g_dbsize),
];

const EXPIRE: &[(u32, Builder)] = &[
    (8, Gen::g_expire),
    (4, Gen::g_ttl),
    (3, Gen::g_expiretime),
    (2, Gen::g_persist),
];

const DB: &[(u32, Builder)] = &[
    (30, Gen::g_select),
    (15, Gen::g_swapdb),
    (30, Gen::g_move),
    (3, Gen::g_flushdb),
    (1, Gen::g_flushall),
];

const CONN: &[(u32, Builder)] = &[(3, Gen::g_ping), (3, Gen::g_echo), (2, Gen::g_unknown)];

const TYPES: &[(u32, Builder)] = &[
    (3, Gen::g_lpush),
    (2, Gen::g_sadd),
    (2, Gen::g_hset),
    (2, Gen::g_zadd),
];
