//! Builders for the collection families: lists, hashes, sets, sorted sets,
//! HyperLogLog and SORT. Each family has its own small key space (some keys
//! hash-tagged, so multi-key commands sometimes stay on one shard and
//! sometimes span several), and with a small probability a builder picks a
//! key of another family or a string key, so WRONGTYPE paths are covered.
//!
//! Blocking commands are only sent with a 10 ms timeout (or an invalid one),
//! and are never mangled (a junk trailing "1" would become a 1 s timeout).
//! Huge negative counts for SRANDMEMBER/HRANDFIELD/ZRANDMEMBER only go to a
//! key that is never written (Redis would try to send that many elements).

use super::{Builder, Check, Gen, Guard, Op, FLOATS, INTS};
use rand::seq::SliceRandom;
use rand::Rng;

/// Keys of the list family.
pub const LIST_KEYS: &[&[u8]] = &[b"{L}l1", b"{L}l2", b"{L}l3", b"l4", b"l5"];
/// Keys of the hash family.
pub const HASH_KEYS: &[&[u8]] = &[b"{H}h1", b"{H}h2", b"h3", b"h4"];
/// Keys of the set family.
pub const SET_KEYS: &[&[u8]] = &[b"{S}s1", b"{S}s2", b"{S}s3", b"s4", b"s5"];
/// Keys of the sorted-set family.
pub const ZSET_KEYS: &[&[u8]] = &[b"{Z}z1", b"{Z}z2", b"{Z}z3", b"z4"];
/// The sorted set whose members all have score 0: the only one lex ranges
/// are sent to (on mixed scores their result is unspecified, and in Redis
/// it depends on the random levels of the skiplist).
pub const LEX_KEY: &[u8] = b"{Z}lex";
/// Keys of the HyperLogLog family.
pub const HLL_KEYS: &[&[u8]] = &[b"{P}p1", b"{P}p2", b"{P}p3", b"p4"];
/// The key `g_pfbad` writes strings that are not valid HLLs to.
pub const BAD_HLL_KEY: &[u8] = b"{P}bad";
/// Keys that are never written: huge counts go there.
pub const EMPTY_KEYS: &[&[u8]] = &[b"{L}never", b"{Z}never", b"never"];
/// Keys shared with the other families (strings written by them or by
/// `g_coll_string`).
const FOREIGN_KEYS: &[&[u8]] = &[b"a", b"{user1}.a", b"str", b"{L}str", b"{Z}str"];

/// The valid 10 ms timeout of every blocking command sent.
const BLOCK_TIMEOUT: &str = "0.01";

/// Default encoding thresholds (what `g_config` changes and the driver
/// restores): (name, default).
pub const CONFIG_DEFAULTS: &[(&str, &str)] = &[
    ("hash-max-listpack-entries", "512"),
    ("hash-max-listpack-value", "64"),
    ("zset-max-listpack-entries", "128"),
    ("zset-max-listpack-value", "64"),
    ("set-max-intset-entries", "512"),
    ("list-max-listpack-size", "-2"),
    ("hll-sparse-max-bytes", "3000"),
];

/// Whether a command (upper case) may block.
pub fn is_blocking(name: &[u8]) -> bool {
    let n = name.to_ascii_uppercase();
    matches!(
        n.as_slice(),
        b"BLPOP"
            | b"BRPOP"
            | b"BLMOVE"
            | b"BRPOPLPUSH"
            | b"BLMPOP"
            | b"BZPOPMIN"
            | b"BZPOPMAX"
            | b"BZMPOP"
    )
}

/// The guard of a lex-range command whose source key is not `LEX_KEY`
/// (see [`Guard::LexNotSkiplist`]).
pub fn lex_guard(args: &[Vec<u8>]) -> Option<Guard> {
    let name = args.first()?.to_ascii_lowercase();
    let bylex = || {
        args.iter()
            .skip(1)
            .any(|a| a.eq_ignore_ascii_case(b"bylex"))
    };
    let src = match name.as_slice() {
        b"zlexcount" | b"zrangebylex" | b"zrevrangebylex" | b"zremrangebylex" => args.get(1)?,
        b"zrange" if bylex() => args.get(1)?,
        b"zrangestore" if bylex() => args.get(2)?,
        _ => return None,
    };
    (src.as_slice() != LEX_KEY).then(|| Guard::LexNotSkiplist { key: src.clone() })
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

impl Gen {
    // ----- shared pieces ---------------------------------------------------

    /// A key of `own` (94%), or a string key, or a key of another family.
    fn ckey(&mut self, own: &[&[u8]]) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=93 => self.pick(own).to_vec(),
            94..=96 => self.pick(FOREIGN_KEYS).to_vec(),
            _ => {
                let all = [LIST_KEYS, HASH_KEYS, SET_KEYS, ZSET_KEYS, HLL_KEYS];
                let f = self.pick(&all);
                self.pick(f).to_vec()
            }
        }
    }

    fn ckeys(&mut self, own: &[&[u8]], min: usize, max: usize) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(min..=max);
        (0..n).map(|_| self.ckey(own)).collect()
    }

    /// A count argument: mostly small, sometimes negative, zero, bad or huge.
    fn count_arg(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=69 => self.int_of(0, 12),
            70..=79 => self.int_of(-5, -1),
            80..=89 => self.int_of(13, 300),
            _ => b(self.pick(&[
                "1000000000",
                "abc",
                "",
                "1.5",
                "9223372036854775807",
                "-9223372036854775808",
                "4294967296",
            ])),
        }
    }

    fn timeout_arg(&mut self) -> Vec<u8> {
        if self.chance(93) {
            b(BLOCK_TIMEOUT)
        } else {
            b(self.pick(&["-1", "-0.5", "abc", "", "0.01x", "nan", "-inf", " 0.01"]))
        }
    }

    /// A numkeys argument for `n` keys: mostly right, sometimes wrong.
    fn numkeys(&mut self, n: usize) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=91 => n.to_string().into_bytes(),
            92..=93 => b"0".to_vec(),
            94..=95 => b"-1".to_vec(),
            96..=97 => (n + 1).to_string().into_bytes(),
            98 => b"abc".to_vec(),
            _ => b"9223372036854775807".to_vec(),
        }
    }

    fn element(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=44 => b(self.pick(&["a", "b", "c", "d", "e", "x y", "1", "2", "-3", "10", ""])),
            45..=59 => self.pick(INTS).as_bytes().to_vec(),
            60..=64 => self.pick(FLOATS).as_bytes().to_vec(),
            65..=74 => {
                let n = self.rng.gen_range(1..12);
                self.random_bytes(n, b"ab\r\n\x00\xff *?[]")
            }
            75..=79 => {
                let n = self.rng.gen_range(60..200);
                self.alnum(n)
            }
            _ => {
                let n = self.rng.gen_range(1..8);
                self.alnum(n)
            }
        }
    }

    fn elements(&mut self, min: usize, max: usize) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(min..=max);
        (0..n).map(|_| self.element()).collect()
    }

    /// OBJECT ENCODING / TYPE, or DEL (which also clears the string and
    /// invalid-HLL values `string_over` and `g_pfbad` leave behind).
    fn meta(&mut self, own: &[&[u8]]) -> Op {
        match self.rng.gen_range(0..10) {
            0..=4 => {
                let k = self.ckey(own);
                let sub = self.opt("ENCODING");
                let mut op = self.cmd("OBJECT", vec![sub, k]);
                op.check = Check::Encoding { key: 2 };
                op
            }
            5..=6 => {
                let k = self.ckey(own);
                self.cmd("TYPE", vec![k])
            }
            _ => {
                let k = self.pick(own).to_vec();
                self.cmd("DEL", vec![k])
            }
        }
    }

    /// SET of a string on a key of the family (WRONGTYPE material).
    fn string_over(&mut self, own: &[&[u8]]) -> Op {
        let k = if self.chance(25) {
            self.pick(own).to_vec()
        } else {
            self.pick(FOREIGN_KEYS).to_vec()
        };
        self.cmd("SET", vec![k, b("strval")])
    }

    /// CONFIG SET of one encoding threshold to a small or default value.
    pub(super) fn g_config(&mut self) -> Op {
        let (name, def) = self.pick(CONFIG_DEFAULTS);
        let name = match name {
            // the old names are aliases
            "zset-max-listpack-entries" if self.chance(20) => "zset-max-ziplist-entries",
            "hash-max-listpack-value" if self.chance(20) => "hash-max-ziplist-value",
            n => n,
        };
        let v = if self.chance(30) {
            def.to_string()
        } else {
            match name {
                "list-max-listpack-size" => {
                    self.pick(&["-1", "-2", "-5", "1", "2", "4", "100"]).into()
                }
                "hll-sparse-max-bytes" => self.pick(&["0", "10", "200", "1000"]).into(),
                n if n.ends_with("value") => self.pick(&["0", "4", "8", "16", "100"]).into(),
                _ => self.pick(&["0", "1", "2", "4", "16", "130"]).into(),
            }
        };
        self.cmd("CONFIG", vec![b("SET"), b(name), b(&v)])
    }

    // ----- lists -----------------------------------------------------------

    fn lkey(&mut self) -> Vec<u8> {
        self.ckey(LIST_KEYS)
    }

    fn g_lpush_any(&mut self) -> Op {
        let name = self.pick(&["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]);
        let mut args = vec![self.lkey()];
        args.extend(self.elements(1, 5));
        self.cmd(name, args)
    }

    fn g_list_bulk(&mut self) -> Op {
        let name = self.pick(&["LPUSH", "RPUSH"]);
        let k = self.pick(LIST_KEYS).to_vec();
        let n = self.rng.gen_range(20..200);
        let big = self.chance(30);
        let mut args = vec![k];
        for i in 0..n {
            if big && i % 3 == 0 {
                let len = self.rng.gen_range(100..900);
                args.push(self.alnum(len));
            } else {
                args.push(self.element());
            }
        }
        self.cmd(name, args)
    }

    fn g_lpop(&mut self) -> Op {
        let name = self.pick(&["LPOP", "RPOP"]);
        let k = if self.chance(5) {
            self.pick(EMPTY_KEYS).to_vec()
        } else {
            self.lkey()
        };
        let mut args = vec![k];
        if self.chance(50) {
            args.push(self.count_arg());
        }
        self.cmd(name, args)
    }

    fn list_index(&mut self) -> Vec<u8> {
        self.range_index()
    }

    fn g_lrange(&mut self) -> Op {
        let k = self.lkey();
        let (s, e) = if self.chance(30) {
            (b("0"), b("-1"))
        } else {
            (self.list_index(), self.list_index())
        };
        self.cmd("LRANGE", vec![k, s, e])
    }

    fn g_lindex(&mut self) -> Op {
        let k = self.lkey();
        let i = self.list_index();
        self.cmd("LINDEX", vec![k, i])
    }

    fn g_lset(&mut self) -> Op {
        let k = self.lkey();
        let i = self.list_index();
        let v = self.element();
        self.cmd("LSET", vec![k, i, v])
    }

    fn g_linsert(&mut self) -> Op {
        let k = self.lkey();
        let w = if self.chance(95) {
            let w = self.pick(&["BEFORE", "AFTER"]);
            self.opt(w)
        } else {
            b("MIDDLE")
        };
        let (p, v) = (self.element(), self.element());
        self.cmd("LINSERT", vec![k, w, p, v])
    }

    fn g_llen(&mut self) -> Op {
        let k = self.lkey();
        self.cmd("LLEN", vec![k])
    }

    fn g_lrem(&mut self) -> Op {
        let k = self.lkey();
        let c = self.int_arg(-3, 3);
        let v = self.element();
        self.cmd("LREM", vec![k, c, v])
    }

    fn g_ltrim(&mut self) -> Op {
        let k = self.lkey();
        let (s, e) = (self.list_index(), self.list_index());
        self.cmd("LTRIM", vec![k, s, e])
    }

    fn g_lpos(&mut self) -> Op {
        let k = self.lkey();
        let v = self.element();
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        if self.chance(40) {
            let r = if self.chance(85) {
                self.int_of(-4, 4)
            } else {
                b(self.pick(&["-9223372036854775808", "9223372036854775807", "abc"]))
            };
            opts.push(vec![self.opt("RANK"), r]);
        }
        if self.chance(40) {
            let c = if self.chance(85) {
                self.int_of(0, 5)
            } else {
                b(self.pick(&["-1", "1000000000", "abc"]))
            };
            opts.push(vec![self.opt("COUNT"), c]);
        }
        if self.chance(25) {
            let m = if self.chance(85) {
                self.int_of(0, 20)
            } else {
                b(self.pick(&["-1", "abc"]))
            };
            opts.push(vec![self.opt("MAXLEN"), m]);
        }
        if self.chance(3) {
            opts.push(vec![b("BOGUS")]);
        }
        opts.shuffle(&mut self.rng);
        let mut args = vec![k, v];
        args.extend(opts.into_iter().flatten());
        self.cmd("LPOS", args)
    }

    fn dir(&mut self, a: &str, b_: &str) -> Vec<u8> {
        if self.chance(97) {
            let d = if self.chance(50) { a } else { b_ };
            self.opt(d)
        } else {
            b("UP")
        }
    }

    fn g_lmove(&mut self) -> Op {
        let (s, d) = (self.lkey(), self.lkey());
        if self.chance(30) {
            return self.cmd("RPOPLPUSH", vec![s, d]);
        }
        let (w1, w2) = (self.dir("LEFT", "RIGHT"), self.dir("LEFT", "RIGHT"));
        self.cmd("LMOVE", vec![s, d, w1, w2])
    }

    fn mpop_tail(&mut self, lo: &str, hi: &str) -> Vec<Vec<u8>> {
        let ks = self.ckeys(LIST_KEYS, 1, 3);
        let ks = if lo == "MIN" {
            let n = ks.len();
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(self.ckey(ZSET_KEYS));
            }
            v
        } else {
            ks
        };
        let mut args = vec![self.numkeys(ks.len())];
        args.extend(ks);
        args.push(self.dir(lo, hi));
        if self.chance(40) {
            args.push(self.opt("COUNT"));
            args.push(self.count_arg());
        }
        args
    }

    fn g_lmpop(&mut self) -> Op {
        let a = self.mpop_tail("LEFT", "RIGHT");
        self.cmd("LMPOP", a)
    }

    fn g_blist(&mut self) -> Op {
        match self.rng.gen_range(0..5) {
            0 | 1 => {
                let name = self.pick(&["BLPOP", "BRPOP"]);
                let mut args = self.ckeys(LIST_KEYS, 1, 3);
                args.push(self.timeout_arg());
                self.cmd(name, args)
            }
            2 => {
                let (s, d) = (self.lkey(), self.lkey());
                let (w1, w2) = (self.dir("LEFT", "RIGHT"), self.dir("LEFT", "RIGHT"));
                let t = self.timeout_arg();
                self.cmd("BLMOVE", vec![s, d, w1, w2, t])
            }
            3 => {
                let (s, d) = (self.lkey(), self.lkey());
                let t = self.timeout_arg();
                self.cmd("BRPOPLPUSH", vec![s, d, t])
            }
            _ => {
                let mut args = vec![self.timeout_arg()];
                args.extend(self.mpop_tail("LEFT", "RIGHT"));
                self.cmd("BLMPOP", args)
            }
        }
    }

    fn g_list_meta(&mut self) -> Op {
        self.meta(LIST_KEYS)
    }

    fn g_list_string(&mut self) -> Op {
        self.string_over(LIST_KEYS)
    }

    // ----- hashes ----------------------------------------------------------

    fn hkey(&mut self) -> Vec<u8> {
        self.ckey(HASH_KEYS)
    }

    fn field(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=74 => format!("f{}", self.rng.gen_range(0..16)).into_bytes(),
            75..=84 => self.int_of(-5, 20),
            85..=92 => {
                let n = self.rng.gen_range(0..10);
                self.random_bytes(n, b"ab\r\n\x00\xff *?")
            }
            _ => {
                let n = self.rng.gen_range(60..100);
                self.alnum(n)
            }
        }
    }

    fn hvalue(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=29 => self.int_of(-100, 100),
            30..=39 => self.pick(INTS).as_bytes().to_vec(),
            40..=49 => self.pick(FLOATS).as_bytes().to_vec(),
            50..=91 => {
                let n = self.rng.gen_range(0..12);
                self.alnum(n)
            }
            _ => {
                let n = self.rng.gen_range(60..120);
                self.alnum(n)
            }
        }
    }

    fn g_hset_c(&mut self) -> Op {
        let name = self.pick(&["HSET", "HSET", "HMSET"]);
        let mut args = vec![self.hkey()];
        let n = self.rng.gen_range(1..=4);
        for _ in 0..n {
            args.push(self.field());
            args.push(self.hvalue());
        }
        self.cmd(name, args)
    }

    fn g_hset_bulk(&mut self) -> Op {
        let k = self.pick(HASH_KEYS).to_vec();
        let n = self.rng.gen_range(100..600);
        let mut args = vec![k];
        for i in 0..n {
            args.push(format!("bf{i}").into_bytes());
            args.push(self.int_of(0, 1000));
        }
        self.cmd("HSET", args)
    }

    fn g_hsetnx(&mut self) -> Op {
        let (k, f, v) = (self.hkey(), self.field(), self.hvalue());
        self.cmd("HSETNX", vec![k, f, v])
    }

    fn g_hget(&mut self) -> Op {
        let name = self.pick(&["HGET", "HEXISTS", "HSTRLEN"]);
        let (k, f) = (self.hkey(), self.field());
        self.cmd(name, vec![k, f])
    }

    fn g_hmget(&mut self) -> Op {
        let name = self.pick(&["HMGET", "HDEL"]);
        let mut args = vec![self.hkey()];
        let n = self.rng.gen_range(1..=4);
        for _ in 0..n {
            args.push(self.field());
        }
        self.cmd(name, args)
    }

    fn g_hgetall(&mut self) -> Op {
        let name = self.pick(&["HGETALL", "HKEYS", "HVALS", "HLEN"]);
        let k = self.hkey();
        let mut op = self.cmd(name, vec![k]);
        if name != "HLEN" {
            op.check = Check::SetOrder {
                keys: vec![1],
                pairs: name == "HGETALL",
            };
        }
        op
    }

    fn g_hincrby(&mut self) -> Op {
        let (k, f) = (self.hkey(), self.field());
        if self.chance(50) {
            let by = self.int_arg(-100, 100);
            self.cmd("HINCRBY", vec![k, f, by])
        } else {
            let by = self.float_arg();
            self.cmd("HINCRBYFLOAT", vec![k, f, by])
        }
    }

    fn g_hrandfield(&mut self) -> Op {
        let (k, huge) = self.rand_key(HASH_KEYS);
        let mut args = vec![k];
        if huge || self.chance(70) {
            args.push(if huge {
                self.huge_count()
            } else {
                self.count_arg()
            });
            if self.chance(40) {
                args.push(self.opt("WITHVALUES"));
            }
        }
        let mut op = self.cmd("HRANDFIELD", args);
        op.check = Check::Random;
        op
    }

    /// A key for a random-sampling command; `true` when it is a key that is
    /// never written (safe for huge counts).
    fn rand_key(&mut self, own: &[&[u8]]) -> (Vec<u8>, bool) {
        if self.chance(6) {
            (self.pick(EMPTY_KEYS).to_vec(), true)
        } else {
            (self.ckey(own), false)
        }
    }

    fn huge_count(&mut self) -> Vec<u8> {
        b(self.pick(&[
            "-9223372036854775808",
            "-9223372036854775807",
            "9223372036854775807",
            "-4611686018427387904",
            "-1000000000",
        ]))
    }

    fn scan_tail(&mut self) -> Vec<Vec<u8>> {
        let mut args = vec![if self.chance(95) {
            b("0")
        } else {
            b(self.pick(&["abc", "1.5", ""]))
        }];
        if self.chance(40) {
            args.push(self.opt("MATCH"));
            args.push(b(
                self.pick(&["*", "f1*", "*1", "a*", "[a-c]", "bf1?", "m*", "?"])
            ));
        }
        if self.chance(50) {
            args.push(self.opt("COUNT"));
            args.push(if self.chance(92) {
                self.int_of(1, 20)
            } else {
                b(self.pick(&["0", "-1", "abc"]))
            });
        }
        args
    }

    fn scan_op(&mut self, name: &str, own: &[&[u8]], pairs: bool) -> Op {
        let mut args = vec![self.ckey(own)];
        args.extend(self.scan_tail());
        let mut op = self.cmd(name, args);
        op.check = Check::ScanMembers { pairs };
        op
    }

    fn g_hscan(&mut self) -> Op {
        self.scan_op("HSCAN", HASH_KEYS, true)
    }

    fn g_hash_meta(&mut self) -> Op {
        self.meta(HASH_KEYS)
    }

    fn g_hash_string(&mut self) -> Op {
        self.string_over(HASH_KEYS)
    }

    // ----- sets ------------------------------------------------------------

    fn skey(&mut self) -> Vec<u8> {
        self.ckey(SET_KEYS)
    }

    fn member(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=49 => self.int_of(0, 30),
            50..=54 => self.pick(INTS).as_bytes().to_vec(),
            55..=89 => b(self.pick(&["a", "b", "c", "d", "e", "x y", ""])),
            90..=95 => {
                let n = self.rng.gen_range(1..10);
                self.random_bytes(n, b"ab\r\n\x00\xff *?")
            }
            _ => {
                let n = self.rng.gen_range(60..100);
                self.alnum(n)
            }
        }
    }

    fn g_sadd_c(&mut self) -> Op {
        let name = self.pick(&["SADD", "SADD", "SREM"]);
        let mut args = vec![self.skey()];
        let n = self.rng.gen_range(1..=5);
        for _ in 0..n {
            args.push(self.member());
        }
        self.cmd(name, args)
    }

    fn g_set_bulk(&mut self) -> Op {
        let k = self.pick(SET_KEYS).to_vec();
        let n = self.rng.gen_range(100..700);
        let strings = self.chance(30);
        let mut args = vec![k];
        for _ in 0..n {
            args.push(if strings {
                format!("m{}", self.rng.gen_range(0..300)).into_bytes()
            } else {
                self.int_of(-1000, 1000)
            });
        }
        self.cmd("SADD", args)
    }

    fn g_sismember(&mut self) -> Op {
        let k = self.skey();
        if self.chance(50) {
            let m = self.member();
            self.cmd("SISMEMBER", vec![k, m])
        } else {
            let mut args = vec![k];
            let n = self.rng.gen_range(1..=4);
            for _ in 0..n {
                args.push(self.member());
            }
            self.cmd("SMISMEMBER", args)
        }
    }

    fn g_smembers(&mut self) -> Op {
        let k = self.skey();
        if self.chance(30) {
            return self.cmd("SCARD", vec![k]);
        }
        let mut op = self.cmd("SMEMBERS", vec![k]);
        op.check = Check::SetOrder {
            keys: vec![1],
            pairs: false,
        };
        op
    }

    fn g_spop(&mut self) -> Op {
        let name = self.pick(&["SPOP", "SRANDMEMBER", "SRANDMEMBER"]);
        let (k, huge) = self.rand_key(SET_KEYS);
        let mut args = vec![k];
        if huge || self.chance(60) {
            args.push(if huge {
                self.huge_count()
            } else {
                self.count_arg()
            });
        }
        let mut op = self.cmd(name, args);
        op.check = Check::Random;
        op
    }

    fn g_smove(&mut self) -> Op {
        let (s, d, m) = (self.skey(), self.skey(), self.member());
        self.cmd("SMOVE", vec![s, d, m])
    }

    fn g_setop(&mut self) -> Op {
        let name = self.pick(&["SINTER", "SUNION", "SDIFF"]);
        let ks = self.ckeys(SET_KEYS, 1, 3);
        let n = ks.len();
        let mut op = self.cmd(name, ks);
        op.check = Check::SetOrder {
            keys: (1..=n).collect(),
            pairs: false,
        };
        op
    }

    fn g_setop_store(&mut self) -> Op {
        let name = self.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]);
        let mut args = vec![self.skey()];
        args.extend(self.ckeys(SET_KEYS, 1, 3));
        self.cmd(name, args)
    }

    fn g_sintercard(&mut self) -> Op {
        let ks = self.ckeys(SET_KEYS, 1, 3);
        let mut args = vec![self.numkeys(ks.len())];
        args.extend(ks);
        if self.chance(40) {
            args.push(self.opt("LIMIT"));
            args.push(self.int_arg(0, 5));
        }
        self.cmd("SINTERCARD", args)
    }

    fn g_sscan(&mut self) -> Op {
        self.scan_op("SSCAN", SET_KEYS, false)
    }

    fn g_set_meta(&mut self) -> Op {
        self.meta(SET_KEYS)
    }

    fn g_set_string(&mut self) -> Op {
        self.string_over(SET_KEYS)
    }

    // ----- sorted sets -----------------------------------------------------

    /// A sorted-set key that may get any score (never `LEX_KEY`).
    fn zkey(&mut self) -> Vec<u8> {
        self.ckey(ZSET_KEYS)
    }

    /// A sorted-set key for a command that does not change scores.
    fn zkey_read(&mut self) -> Vec<u8> {
        if self.chance(20) {
            LEX_KEY.to_vec()
        } else {
            self.zkey()
        }
    }

    /// The key of a lex-range command: `LEX_KEY`, sometimes a key of
    /// another type.
    fn lexkey(&mut self) -> Vec<u8> {
        if self.chance(92) {
            LEX_KEY.to_vec()
        } else {
            self.pick(FOREIGN_KEYS).to_vec()
        }
    }

    fn zmember(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=69 => format!("m{}", self.rng.gen_range(0..20)).into_bytes(),
            70..=84 => b(self.pick(&["a", "b", "c", "aa", "ab", "b\x00", "", "x y"])),
            85..=94 => self.int_of(-5, 30),
            _ => {
                let n = self.rng.gen_range(60..100);
                self.alnum(n)
            }
        }
    }

    fn score(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=54 => self.int_of(-10, 10),
            55..=74 => {
                let x: f64 = self.rng.gen_range(-100.0..100.0);
                format!("{x:.3}").into_bytes()
            }
            75..=82 => b(self.pick(&["inf", "-inf", "+inf", "1e308", "-0", "0.1", "1e-300"])),
            _ => self.float_arg(),
        }
    }

    fn score_bound(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=49 => self.int_of(-10, 10),
            50..=69 => format!("({}", self.rng.gen_range(-10..10)).into_bytes(),
            70..=89 => b(self.pick(&["-inf", "+inf", "inf", "(-inf", "(+inf", "(1.5", "2.5"])),
            _ => b(self.pick(&["abc", "((1", "(", "", "nan", "[1"])),
        }
    }

    fn lex_bound(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..100) {
            0..=69 => {
                let m = self.zmember();
                let mut v = vec![if self.chance(50) { b'[' } else { b'(' }];
                v.extend(m);
                v
            }
            70..=89 => b(self.pick(&["-", "+"])),
            _ => b(self.pick(&["a", "", "-a", "+x", "m1"])),
        }
    }

    fn g_zadd_c(&mut self) -> Op {
        let k = if self.chance(20) {
            LEX_KEY.to_vec()
        } else {
            self.zkey()
        };
        let lex = k == LEX_KEY;
        let mut flags: Vec<Vec<u8>> = Vec::new();
        match self.rng.gen_range(0..100) {
            0..=49 => {}
            50..=59 => flags.push(self.opt("NX")),
            60..=69 => flags.push(self.opt("XX")),
            70..=77 => flags.push(self.opt("GT")),
            78..=85 => flags.push(self.opt("LT")),
            86..=87 => {
                flags.push(self.opt("NX"));
                flags.push(self.opt("XX"));
            }
            88..=89 => {
                flags.push(self.opt("GT"));
                flags.push(self.opt("LT"));
            }
            90..=91 => {
                flags.push(self.opt("NX"));
                flags.push(self.opt("GT"));
            }
            _ => {
                flags.push(self.opt("XX"));
                flags.push(self.opt("LT"));
            }
        }
        if self.chance(25) {
            flags.push(self.opt("CH"));
        }
        let incr = self.chance(15);
        if incr {
            flags.push(self.opt("INCR"));
        }
        flags.shuffle(&mut self.rng);
        let n = if incr && self.chance(90) {
            1
        } else {
            self.rng.gen_range(1..=4)
        };
        let mut args = vec![k];
        args.extend(flags);
        for _ in 0..n {
            args.push(if lex { b("0") } else { self.score() });
            args.push(self.zmember());
        }
        self.cmd("ZADD", args)
    }

    fn g_zadd_bulk(&mut self) -> Op {
        let k = if self.chance(20) {
            LEX_KEY.to_vec()
        } else {
            self.pick(ZSET_KEYS).to_vec()
        };
        let lex = k == LEX_KEY;
        let n = self.rng.gen_range(100..200);
        let mut args = vec![k];
        for i in 0..n {
            args.push(if lex { b("0") } else { self.int_of(-50, 50) });
            args.push(format!("b{i}").into_bytes());
        }
        self.cmd("ZADD", args)
    }

    fn g_zincrby(&mut self) -> Op {
        let (k, s, m) = (self.zkey(), self.score(), self.zmember());
        self.cmd("ZINCRBY", vec![k, s, m])
    }

    fn g_zrem(&mut self) -> Op {
        let name = self.pick(&["ZREM", "ZMSCORE"]);
        let mut args = vec![self.zkey_read()];
        let n = self.rng.gen_range(1..=3);
        for _ in 0..n {
            args.push(self.zmember());
        }
        self.cmd(name, args)
    }

    fn g_zscore(&mut self) -> Op {
        let name = self.pick(&["ZSCORE", "ZRANK", "ZREVRANK"]);
        let (k, m) = (self.zkey_read(), self.zmember());
        self.cmd(name, vec![k, m])
    }

    fn g_zcard(&mut self) -> Op {
        let k = self.zkey_read();
        self.cmd("ZCARD", vec![k])
    }

    fn g_zcount(&mut self) -> Op {
        if self.chance(50) {
            let k = self.zkey_read();
            let (a, c) = (self.score_bound(), self.score_bound());
            self.cmd("ZCOUNT", vec![k, a, c])
        } else {
            let k = self.lexkey();
            let (a, c) = (self.lex_bound(), self.lex_bound());
            self.cmd("ZLEXCOUNT", vec![k, a, c])
        }
    }

    fn limit(&mut self) -> Vec<Vec<u8>> {
        let off = self.int_arg(-2, 5);
        let cnt = if self.chance(10) {
            b(self.pick(&["9223372036854775807", "-9223372036854775808"]))
        } else {
            self.int_arg(-2, 6)
        };
        vec![self.opt("LIMIT"), off, cnt]
    }

    /// The range part of ZRANGE/ZRANGESTORE: start stop and options.
    /// The range part of ZRANGE/ZRANGESTORE for the source key `src`
    /// (ignored for BYLEX, which always reads `LEX_KEY`).
    fn zrange_tail(&mut self, src: Vec<u8>, store: bool) -> Vec<Vec<u8>> {
        let by = self.rng.gen_range(0..3);
        let src = if by == 2 { self.lexkey() } else { src };
        let rev = self.chance(30);
        let (mut s, mut e) = match by {
            0 => (self.list_index(), self.list_index()),
            1 => (self.score_bound(), self.score_bound()),
            _ => (self.lex_bound(), self.lex_bound()),
        };
        if rev && self.chance(70) {
            std::mem::swap(&mut s, &mut e);
        }
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        match by {
            1 => opts.push(vec![self.opt("BYSCORE")]),
            2 => opts.push(vec![self.opt("BYLEX")]),
            _ => {}
        }
        if rev {
            opts.push(vec![self.opt("REV")]);
        }
        if (by != 0 && self.chance(40)) || self.chance(5) {
            opts.push(self.limit());
        }
        if !store && self.chance(40) {
            opts.push(vec![self.opt("WITHSCORES")]);
        }
        if self.chance(3) {
            opts.push(vec![self.opt(if store { "WITHSCORES" } else { "BYSCORE" })]);
        }
        opts.shuffle(&mut self.rng);
        let mut args = vec![src, s, e];
        args.extend(opts.into_iter().flatten());
        args
    }

    fn g_zrange(&mut self) -> Op {
        let k = self.zkey_read();
        let args = self.zrange_tail(k, false);
        self.cmd("ZRANGE", args)
    }

    fn g_zrangestore(&mut self) -> Op {
        let (d, s) = (self.zkey(), self.zkey_read());
        let mut args = vec![d];
        args.extend(self.zrange_tail(s, true));
        self.cmd("ZRANGESTORE", args)
    }

    fn g_zrange_old(&mut self) -> Op {
        let k = self.zkey_read();
        match self.rng.gen_range(0..5) {
            0 => {
                let (s, e) = (self.list_index(), self.list_index());
                let mut args = vec![k, s, e];
                if self.chance(40) {
                    args.push(self.opt("WITHSCORES"));
                }
                self.cmd("ZREVRANGE", args)
            }
            1 | 2 => {
                let name = self.pick(&["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]);
                let (s, e) = (self.score_bound(), self.score_bound());
                let mut args = vec![k, s, e];
                if self.chance(40) {
                    args.push(self.opt("WITHSCORES"));
                }
                if self.chance(30) {
                    args.extend(self.limit());
                }
                self.cmd(name, args)
            }
            _ => {
                let name = self.pick(&["ZRANGEBYLEX", "ZREVRANGEBYLEX"]);
                let k = self.lexkey();
                let (s, e) = (self.lex_bound(), self.lex_bound());
                let mut args = vec![k, s, e];
                if self.chance(30) {
                    args.extend(self.limit());
                }
                self.cmd(name, args)
            }
        }
    }

    fn g_zremrange(&mut self) -> Op {
        let k = self.zkey_read();
        match self.rng.gen_range(0..3) {
            0 => {
                let (s, e) = (self.list_index(), self.list_index());
                self.cmd("ZREMRANGEBYRANK", vec![k, s, e])
            }
            1 => {
                let (s, e) = (self.score_bound(), self.score_bound());
                self.cmd("ZREMRANGEBYSCORE", vec![k, s, e])
            }
            _ => {
                let k = self.lexkey();
                let (s, e) = (self.lex_bound(), self.lex_bound());
                self.cmd("ZREMRANGEBYLEX", vec![k, s, e])
            }
        }
    }

    fn g_zpop(&mut self) -> Op {
        let name = self.pick(&["ZPOPMIN", "ZPOPMAX"]);
        let mut args = vec![self.zkey_read()];
        if self.chance(50) {
            args.push(self.count_arg());
        }
        self.cmd(name, args)
    }

    fn g_zmpop(&mut self) -> Op {
        let a = self.mpop_tail("MIN", "MAX");
        self.cmd("ZMPOP", a)
    }

    fn g_bzpop(&mut self) -> Op {
        if self.chance(35) {
            let mut args = vec![self.timeout_arg()];
            args.extend(self.mpop_tail("MIN", "MAX"));
            return self.cmd("BZMPOP", args);
        }
        let name = self.pick(&["BZPOPMIN", "BZPOPMAX"]);
        let mut args = self.ckeys(ZSET_KEYS, 1, 3);
        args.push(self.timeout_arg());
        self.cmd(name, args)
    }

    /// Source keys of ZUNION & co: sorted sets, sometimes plain sets.
    fn zsources(&mut self) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(1..=3);
        (0..n)
            .map(|_| {
                if self.chance(15) {
                    self.pick(SET_KEYS).to_vec()
                } else {
                    self.zkey_read()
                }
            })
            .collect()
    }

    fn g_zsetop(&mut self) -> Op {
        let which = self.pick(&["ZUNION", "ZINTER", "ZDIFF"]);
        let store = self.chance(40);
        let ks = self.zsources();
        let mut args = Vec::new();
        if store {
            args.push(self.zkey());
        }
        args.push(self.numkeys(ks.len()));
        let n = ks.len();
        args.extend(ks);
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        if which != "ZDIFF" || self.chance(5) {
            if self.chance(35) {
                let mut w = vec![self.opt("WEIGHTS")];
                let wn = if self.chance(92) { n } else { n + 1 };
                for _ in 0..wn {
                    w.push(if self.chance(85) {
                        self.int_of(-3, 3)
                    } else {
                        b(self.pick(&["1.5", "inf", "-inf", "abc", "0.5"]))
                    });
                }
                opts.push(w);
            }
            if self.chance(35) {
                let a = if self.chance(95) {
                    self.pick(&["SUM", "MIN", "MAX"])
                } else {
                    "AVG"
                };
                opts.push(vec![self.opt("AGGREGATE"), self.opt(a)]);
            }
        }
        if !store && self.chance(40) {
            opts.push(vec![self.opt("WITHSCORES")]);
        }
        opts.shuffle(&mut self.rng);
        args.extend(opts.into_iter().flatten());
        let name = if store {
            format!("{which}STORE")
        } else {
            which.to_string()
        };
        self.cmd(&name, args)
    }

    fn g_zintercard(&mut self) -> Op {
        let ks = self.zsources();
        let mut args = vec![self.numkeys(ks.len())];
        args.extend(ks);
        if self.chance(40) {
            args.push(self.opt("LIMIT"));
            args.push(self.int_arg(0, 5));
        }
        self.cmd("ZINTERCARD", args)
    }

    fn g_zrandmember(&mut self) -> Op {
        let (k, huge) = self.rand_key(ZSET_KEYS);
        let mut args = vec![k];
        if huge || self.chance(70) {
            args.push(if huge {
                self.huge_count()
            } else {
                self.count_arg()
            });
            if self.chance(40) {
                args.push(self.opt("WITHSCORES"));
            }
        }
        let mut op = self.cmd("ZRANDMEMBER", args);
        op.check = Check::Random;
        op
    }

    fn g_zscan(&mut self) -> Op {
        self.scan_op("ZSCAN", ZSET_KEYS, true)
    }

    fn g_zset_meta(&mut self) -> Op {
        self.meta(ZSET_KEYS)
    }

    fn g_zset_string(&mut self) -> Op {
        self.string_over(ZSET_KEYS)
    }

    // ----- HyperLogLog -----------------------------------------------------

    fn pkey(&mut self) -> Vec<u8> {
        if self.chance(8) {
            BAD_HLL_KEY.to_vec()
        } else {
            self.ckey(HLL_KEYS)
        }
    }

    fn g_pfadd(&mut self) -> Op {
        let mut args = vec![self.pkey()];
        let n = self.rng.gen_range(0..=6);
        for _ in 0..n {
            args.push(if self.chance(70) {
                format!("e{}", self.rng.gen_range(0..200)).into_bytes()
            } else {
                self.element()
            });
        }
        self.cmd("PFADD", args)
    }

    fn g_pfadd_bulk(&mut self) -> Op {
        let k = self.pick(HLL_KEYS).to_vec();
        let n = self.rng.gen_range(100..1500);
        let base = self.rng.gen_range(0..1_000_000u32);
        let mut args = vec![k];
        for i in 0..n {
            args.push(format!("u{}", base + i).into_bytes());
        }
        self.cmd("PFADD", args)
    }

    fn g_pfcount(&mut self) -> Op {
        let n = self.rng.gen_range(1..=3);
        let ks = (0..n).map(|_| self.pkey()).collect();
        self.cmd("PFCOUNT", ks)
    }

    fn g_pfmerge(&mut self) -> Op {
        let mut args = vec![self.pkey()];
        args.extend(self.ckeys(HLL_KEYS, 0, 3));
        self.cmd("PFMERGE", args)
    }

    fn g_pfget(&mut self) -> Op {
        let k = self.pkey();
        self.cmd("GET", vec![k])
    }

    /// A string that is not a valid HLL (caught by the header checks).
    fn g_pfbad(&mut self) -> Op {
        let k = BAD_HLL_KEY.to_vec();
        let v: Vec<u8> = match self.rng.gen_range(0..4) {
            0 => b("not an hll"),
            1 => b("HYLL"),
            2 => {
                let mut v = b("HYLL\x02\x00\x00\x00");
                v.extend([0u8; 8]);
                v
            }
            _ => {
                // dense encoding with a wrong length
                let mut v = b("HYLL\x00\x00\x00\x00");
                v.extend([0u8; 8 + 100]);
                v
            }
        };
        self.cmd("SET", vec![k, v])
    }

    fn g_hll_meta(&mut self) -> Op {
        self.meta(HLL_KEYS)
    }

    // ----- SORT ------------------------------------------------------------

    fn sort_elem(&mut self) -> Vec<u8> {
        if self.chance(85) {
            b(self.pick(&["1", "2", "3", "5", "8", "10", "-4", "2.5", "7", "13", "0"]))
        } else {
            b(self.pick(&["a", "b", "abc", " 3", "1e2", "inf"]))
        }
    }

    fn g_sort_fill(&mut self) -> Op {
        match self.rng.gen_range(0..10) {
            0 if self.chance(15) => {
                let k = b(self.pick(&["{s}l1", "{s}set1", "{s}z1"]));
                self.cmd("DEL", vec![k])
            }
            0..=3 => {
                let mut args = vec![b("{s}l1")];
                let n = self.rng.gen_range(1..6);
                for _ in 0..n {
                    args.push(self.sort_elem());
                }
                self.cmd("RPUSH", args)
            }
            4..=5 => {
                let mut args = vec![b("{s}set1")];
                let n = self.rng.gen_range(1..6);
                for _ in 0..n {
                    args.push(self.sort_elem());
                }
                self.cmd("SADD", args)
            }
            6 => {
                let mut args = vec![b("{s}z1")];
                let n = self.rng.gen_range(1..4);
                for _ in 0..n {
                    args.push(self.int_of(-5, 5));
                    args.push(self.sort_elem());
                }
                self.cmd("ZADD", args)
            }
            7..=8 => {
                let e = self.sort_elem();
                let mut k = b("{s}w_");
                k.extend(e);
                let v = if self.chance(85) {
                    self.int_of(-20, 20)
                } else {
                    b(self.pick(&["x", "2.5", "zz"]))
                };
                self.cmd("SET", vec![k, v])
            }
            _ => {
                let e = self.sort_elem();
                let mut k = b("{s}h_");
                k.extend(e);
                let v = if self.chance(85) {
                    self.int_of(-20, 20)
                } else {
                    b(self.pick(&["x", "2.5", "zz"]))
                };
                self.cmd("HSET", vec![k, b("f"), v])
            }
        }
    }

    fn g_sort(&mut self) -> Op {
        let ro = self.chance(25);
        let k = match self.rng.gen_range(0..10) {
            0..=5 => b("{s}l1"),
            6..=7 => b("{s}set1"),
            8 => b("{s}z1"),
            _ => b(self.pick(&["{s}w_1", "{s}none", "{s}out"])),
        };
        let is_set = k == b"{s}set1";
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        let by = if self.chance(40) {
            let p = self.pick(&[
                "{s}w_*",
                "{s}w_*",
                "{s}h_*->f",
                "nosort",
                "{s}nokey_*",
                "{s}h_*->nofield",
                "{s}w_*->f",
            ]);
            opts.push(vec![self.opt("BY"), b(p)]);
            Some(p)
        } else {
            None
        };
        let alpha = self.chance(30);
        if alpha {
            opts.push(vec![self.opt("ALPHA")]);
        }
        let nosort = by == Some("nosort");
        // ties under ALPHA+BY are left in unspecified order, as are sets
        // that are not sorted: no LIMIT there.
        let unordered = (alpha && by.is_some() && !nosort) || (nosort && is_set);
        if !unordered && self.chance(30) {
            opts.push(self.limit());
        }
        let ngets = if self.chance(35) {
            self.rng.gen_range(1..=3)
        } else {
            0
        };
        for _ in 0..ngets {
            let p = self.pick(&["#", "{s}w_*", "{s}h_*->f", "{s}nokey_*"]);
            opts.push(vec![self.opt("GET"), b(p)]);
        }
        if self.chance(30) {
            let d = self.pick(&["ASC", "DESC"]);
            opts.push(vec![self.opt(d)]);
        }
        // a stored result has no unordered check: ties under ALPHA+BY
        // would make the stored list differ
        let ties = alpha && by.is_some() && !nosort;
        let store = !ties && ((!ro && self.chance(30)) || self.chance(2));
        if store {
            opts.push(vec![self.opt("STORE"), b("{s}out")]);
        }
        if self.chance(2) {
            opts.push(vec![b("BOGUS")]);
        }
        opts.shuffle(&mut self.rng);
        let mut args = vec![k];
        args.extend(opts.into_iter().flatten());
        let mut op = self.cmd(if ro { "SORT_RO" } else { "SORT" }, args);
        if unordered && !store {
            op.check = Check::Unordered;
        }
        op
    }

    fn g_sort_read(&mut self) -> Op {
        let mut op = self.cmd("LRANGE", vec![b("{s}out"), b("0"), b("-1")]);
        op.check = Check::Exact;
        op
    }
}

/// Lists: every list command, the blocking ones with a 10 ms timeout.
pub(super) const LISTS: &[(u32, Builder)] = &[
    (12, Gen::g_lpush_any),
    (1, Gen::g_list_bulk),
    (6, Gen::g_lpop),
    (6, Gen::g_lrange),
    (3, Gen::g_lindex),
    (3, Gen::g_lset),
    (3, Gen::g_linsert),
    (2, Gen::g_llen),
    (3, Gen::g_lrem),
    (2, Gen::g_ltrim),
    (4, Gen::g_lpos),
    (4, Gen::g_lmove),
    (3, Gen::g_lmpop),
    (2, Gen::g_blist),
    (3, Gen::g_list_meta),
    (1, Gen::g_list_string),
    (1, Gen::g_config),
];

/// Hashes.
pub(super) const HASHES: &[(u32, Builder)] = &[
    (12, Gen::g_hset_c),
    (1, Gen::g_hset_bulk),
    (3, Gen::g_hsetnx),
    (6, Gen::g_hget),
    (4, Gen::g_hmget),
    (5, Gen::g_hgetall),
    (5, Gen::g_hincrby),
    (4, Gen::g_hrandfield),
    (3, Gen::g_hscan),
    (3, Gen::g_hash_meta),
    (1, Gen::g_hash_string),
    (1, Gen::g_config),
];

/// Sets.
pub(super) const SETS: &[(u32, Builder)] = &[
    (12, Gen::g_sadd_c),
    (1, Gen::g_set_bulk),
    (5, Gen::g_sismember),
    (5, Gen::g_smembers),
    (5, Gen::g_spop),
    (3, Gen::g_smove),
    (4, Gen::g_setop),
    (3, Gen::g_setop_store),
    (2, Gen::g_sintercard),
    (3, Gen::g_sscan),
    (3, Gen::g_set_meta),
    (1, Gen::g_set_string),
    (1, Gen::g_config),
];

/// Sorted sets, BZPOPMIN/BZPOPMAX/BZMPOP included.
pub(super) const ZSETS: &[(u32, Builder)] = &[
    (12, Gen::g_zadd_c),
    (1, Gen::g_zadd_bulk),
    (3, Gen::g_zincrby),
    (4, Gen::g_zrem),
    (4, Gen::g_zscore),
    (2, Gen::g_zcard),
    (4, Gen::g_zcount),
    (6, Gen::g_zrange),
    (3, Gen::g_zrangestore),
    (5, Gen::g_zrange_old),
    (3, Gen::g_zremrange),
    (3, Gen::g_zpop),
    (2, Gen::g_zmpop),
    (2, Gen::g_bzpop),
    (5, Gen::g_zsetop),
    (2, Gen::g_zintercard),
    (3, Gen::g_zrandmember),
    (3, Gen::g_zscan),
    (3, Gen::g_zset_meta),
    (1, Gen::g_zset_string),
    (1, Gen::g_config),
];

/// HyperLogLog, with GET of the raw HLL strings.
pub(super) const HLL: &[(u32, Builder)] = &[
    (10, Gen::g_pfadd),
    (1, Gen::g_pfadd_bulk),
    (6, Gen::g_pfcount),
    (3, Gen::g_pfmerge),
    (5, Gen::g_pfget),
    (1, Gen::g_pfbad),
    (2, Gen::g_hll_meta),
    (1, Gen::g_config),
];

/// SORT and SORT_RO over a hash-tagged list, set and sorted set.
pub(super) const SORT: &[(u32, Builder)] = &[
    (10, Gen::g_sort_fill),
    (10, Gen::g_sort),
    (2, Gen::g_sort_read),
];
