//! Differential test: the same seeded random command sequences are sent to
//! shardis and to a real redis-server side by side, over raw RESP, and the
//! replies are compared byte for byte (values, types, errors), except where
//! Redis itself is nondeterministic (see `gen::Check`).
//!
//! Environment:
//! - `SHARDIS_TEST_BIN`: run this binary as "shardis" (e.g.
//!   /usr/bin/redis-server, to check the test against redis itself).
//! - `REDIS_SERVER_BIN`: the reference server (default /usr/bin/redis-server).
//! - `DIFF_SEED`: one seed or a comma-separated list (default: `SEEDS`).
//! - `DIFF_OPS`: commands per seed (default `DEFAULT_OPS`).
//! - `DIFF_FAMILIES`: comma-separated families (strings, bits, keys, expire,
//!   db, conn, types, lists, hashes, sets, zsets, hll, sort), `all` (every
//!   family), `collections` (lists..sort) or `default` (strings..conn).
//!   The collection families also run alone in `collections_vs_redis`
//!   (1 and 4 shards), which takes `DIFF_SEED`/`DIFF_OPS` but not
//!   `DIFF_FAMILIES`; `collections_vs_redis_resp3` runs them over RESP3.
//! - `DIFF_STATS=1`: print, per command, how many replies of each kind came
//!   back (to see what a run really covered).
//! - `DIFF_TRACE=1`: print every command and redis's reply (use with
//!   `--nocapture`).

mod common;
#[path = "differential/gen.rs"]
mod gen;

use common::{escape_trunc, format_command, parse_reply, RawConn, Reply, Server};
use gen::{Check, Family, Guard, Op};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seeds run by default (each one from an empty server).
const SEEDS: &[u64] = &[1, 2, 3, 4, 5, 0x5eed, 1234567, 20240601];
/// Commands per seed by default.
const DEFAULT_OPS: usize = 4000;
/// How many previous commands a failure report shows.
const HISTORY: usize = 10;
/// SCAN iterations before giving up on reaching cursor 0.
const MAX_SCAN_CALLS: usize = 100_000;

fn env_seeds() -> Vec<u64> {
    match std::env::var("DIFF_SEED") {
        Ok(s) if !s.trim().is_empty() => s
            .split(',')
            .map(|x| {
                let x = x.trim();
                let parsed = if let Some(h) = x.strip_prefix("0x") {
                    u64::from_str_radix(h, 16)
                } else {
                    x.parse()
                };
                parsed.unwrap_or_else(|_| panic!("bad DIFF_SEED value {x:?}"))
            })
            .collect(),
        _ => SEEDS.to_vec(),
    }
}

fn env_ops() -> usize {
    match std::env::var("DIFF_OPS") {
        Ok(s) if !s.trim().is_empty() => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("bad DIFF_OPS value {s:?}")),
        _ => DEFAULT_OPS,
    }
}

fn env_families() -> Vec<Family> {
    let spec = std::env::var("DIFF_FAMILIES").unwrap_or_default();
    gen::parse_families(&spec).unwrap_or_else(|e| panic!("{e}"))
}

/// One side of the comparison.
struct Side<'a> {
    name: &'static str,
    server: &'a Server,
    conn: RawConn,
}

/// One past step, for failure reports.
struct Step {
    n: usize,
    cmd: String,
    shardis: String,
    redis: String,
}

struct Run<'a> {
    label: String,
    seed: u64,
    shardis: Side<'a>,
    redis: Side<'a>,
    history: VecDeque<Step>,
    stats: BTreeMap<String, BTreeMap<&'static str, u64>>,
    skipped: u64,
    /// The families the sequence is drawn from (for the rerun hint).
    families: Vec<Family>,
}

fn reply_kind(r: &[u8]) -> &'static str {
    match r.first() {
        Some(b'+') => "status",
        Some(b'-') => "error",
        Some(b':') => "int",
        Some(b'$') if r.starts_with(b"$-1") => "nil",
        Some(b'$') => "bulk",
        Some(b'*') if r.starts_with(b"*-1") => "nil",
        Some(b'*') => "array",
        _ => "other",
    }
}

impl<'a> Run<'a> {
    fn fail(&mut self, step: usize, args: &[Vec<u8>], what: &str, a: &[u8], b: &[u8]) -> ! {
        let mut msg = String::new();
        msg.push_str(&format!(
            "\n=== differential mismatch [{}] ===\nseed: {} (rerun: DIFF_SEED={} DIFF_OPS={} DIFF_FAMILIES={})\nstep: {}\ncommand: {}\n{}\n  shardis: {}\n  redis:   {}\n",
            self.label,
            self.seed,
            self.seed,
            step + 1,
            self.families.iter().map(|f| f.name()).collect::<Vec<_>>().join(","),
            step + 1,
            format_command(args),
            what,
            escape_trunc(a, 400),
            escape_trunc(b, 400),
        ));
        msg.push_str(&format!(
            "last {} commands before it:\n",
            self.history.len()
        ));
        for s in &self.history {
            msg.push_str(&format!(
                "  #{} {}\n      shardis: {}\n      redis:   {}\n",
                s.n, s.cmd, s.shardis, s.redis
            ));
        }
        msg.push_str(&format!(
            "shardis ({} {}), port {}:\n{}",
            self.shardis.server.bin.display(),
            common::shell_join(&self.shardis.server.args),
            self.shardis.server.port,
            self.shardis.server.log_tail(15)
        ));
        panic!("{msg}");
    }

    fn remember(&mut self, n: usize, args: &[Vec<u8>], a: &[u8], b: &[u8]) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Step {
            n,
            cmd: format_command(args),
            shardis: escape_trunc(a, 160),
            redis: escape_trunc(b, 160),
        });
    }

    /// Send one command to both servers (both before reading either reply,
    /// so that they see it as close in time as possible), return both
    /// replies.
    fn both(&mut self, step: usize, args: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let wire = common::encode_command(args);
        let r1 = self.shardis.conn.try_send(&wire);
        let r2 = self.redis.conn.try_send(&wire);
        let a = r1.and_then(|_| self.shardis.conn.try_read_reply());
        let b = r2.and_then(|_| self.redis.conn.try_read_reply());
        match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let show = |r: &std::io::Result<Vec<u8>>| match r {
                    Ok(v) => v.clone(),
                    Err(e) => format!("<I/O error: {e}>").into_bytes(),
                };
                let (sa, sb) = (show(&a), show(&b));
                self.fail(step, args, "connection failure", &sa, &sb)
            }
        }
    }

    fn one(&mut self, which_shardis: bool, step: usize, args: &[Vec<u8>]) -> Vec<u8> {
        let side = if which_shardis {
            &mut self.shardis
        } else {
            &mut self.redis
        };
        let name = side.name;
        let r = side
            .conn
            .try_send(&common::encode_command(args))
            .and_then(|_| side.conn.try_read_reply());
        match r {
            Ok(v) => v,
            Err(e) => {
                let msg = format!("<I/O error on {name}: {e}>").into_bytes();
                self.fail(step, args, "connection failure", &msg, &msg)
            }
        }
    }

    fn exec(&mut self, step: usize, op: &Op) {
        if let Some(g) = &op.guard {
            if !self.guard_allows(step, g) {
                self.skipped += 1;
                self.remember(
                    step + 1,
                    &op.args,
                    b"(skipped by guard)",
                    b"(skipped by guard)",
                );
                return;
            }
        }
        let (a, b) = self.both(step, &op.args);
        if std::env::var_os("DIFF_TRACE").is_some() {
            eprintln!(
                "[{} seed {}] #{} {}\n    -> {}",
                self.label,
                self.seed,
                step + 1,
                format_command(&op.args),
                escape_trunc(&b, 200)
            );
        }
        if std::env::var_os("DIFF_STATS").is_some() {
            let name = String::from_utf8_lossy(&op.args[0]).to_ascii_uppercase();
            *self
                .stats
                .entry(name)
                .or_default()
                .entry(reply_kind(&b))
                .or_default() += 1;
        }
        let verdict = match &op.check {
            Check::Exact => {
                if a == b || redis_7_2_rank(&op.args, &a, &b) {
                    Ok(())
                } else {
                    Err("replies differ".to_string())
                }
            }
            Check::Unordered => check_unordered(&a, &b),
            Check::Ttl { tol } => check_ttl(&a, &b, *tol, None),
            Check::ExpireTime {
                tol,
                exact_from,
                exact_to,
            } => check_ttl(&a, &b, *tol, Some((*exact_from, *exact_to))),
            Check::RandomKey => self.check_randomkey(step, &op.args, &a, &b),
            Check::ScanAll => self.check_scan(step, &op.args, &a, &b),
            Check::SetOrder { keys, pairs } => {
                self.check_set_order(step, &op.args, &a, &b, keys, *pairs)
            }
            Check::ScanMembers { pairs } => self.check_scan_members(step, &op.args, &a, &b, *pairs),
            Check::Random => self.check_random(step, &op.args, &a, &b),
            Check::Encoding { key } => self.check_encoding(step, &op.args, &a, &b, *key),
        };
        if let Err(what) = verdict {
            self.fail(step, &op.args, &what, &a, &b);
        }
        self.remember(step + 1, &op.args, &a, &b);
    }

    /// Runs `ops` (all compared exactly) as one transaction on both
    /// servers: MULTI, each op (+QUEUED or a queueing error), EXEC; every
    /// reply must be the same.
    fn exec_tx(&mut self, step: usize, ops: &[Op]) {
        let multi = vec![b"MULTI".to_vec()];
        let (a, b) = self.both(step, &multi);
        if a != b {
            self.fail(step, &multi, "MULTI replies differ", &a, &b);
        }
        for (i, op) in ops.iter().enumerate() {
            let (a, b) = self.both(step + i, &op.args);
            if a != b {
                self.fail(step + i, &op.args, "replies differ while queueing", &a, &b);
            }
            self.remember(step + i + 1, &op.args, &a, &b);
        }
        let exec = vec![b"EXEC".to_vec()];
        let (a, b) = self.both(step + ops.len(), &exec);
        if a != b {
            let cmds: Vec<String> = ops.iter().map(|o| format_command(&o.args)).collect();
            let what = format!(
                "EXEC replies differ; the transaction was: {}",
                cmds.join(" ; ")
            );
            self.fail(step + ops.len(), &exec, &what, &a, &b);
        }
    }

    /// Guards use read-only commands on both servers; their replies must
    /// agree too.
    fn guard_allows(&mut self, step: usize, g: &Guard) -> bool {
        match g {
            Guard::LcsCells { a, b, max_cells } => {
                let mut lens = [0u64; 2];
                for (i, k) in [a, b].into_iter().enumerate() {
                    let args = vec![b"STRLEN".to_vec(), k.clone()];
                    let (ra, rb) = self.both(step, &args);
                    if ra != rb {
                        self.fail(
                            step,
                            &args,
                            "replies differ (guard of the next command)",
                            &ra,
                            &rb,
                        );
                    }
                    lens[i] = parse_reply(&rb)
                        .ok()
                        .and_then(|r| r.as_int())
                        .unwrap_or(0)
                        .max(0) as u64;
                }
                lens[0] * lens[1] <= *max_cells
            }
            Guard::LexNotSkiplist { key } => {
                // Only "is it a skiplist" must agree: a small set of strings
                // is a listpack here and a hashtable in Redis 7.0, which the
                // lex command that follows (a WRONGTYPE) does not care about.
                let args = vec![b"OBJECT".to_vec(), b"ENCODING".to_vec(), key.clone()];
                let (ra, rb) = self.both(step, &args);
                let skiplist: &[u8] = b"$8\r\nskiplist\r\n";
                if (ra == skiplist) != (rb == skiplist) {
                    self.fail(
                        step,
                        &args,
                        "replies differ (guard of the next command)",
                        &ra,
                        &rb,
                    );
                }
                rb != b"$8\r\nskiplist\r\n"
            }
        }
    }

    /// RANDOMKEY: which key comes back is random. Both must be nil (empty
    /// db) or both a key that exists on the server that returned it.
    fn check_randomkey(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
    ) -> Result<(), String> {
        let (pa, pb) = (parse_reply(a), parse_reply(b));
        match (pa, pb) {
            (Ok(Reply::Bulk(ka)), Ok(Reply::Bulk(kb))) => {
                for (is_shardis, k) in [(true, ka), (false, kb)] {
                    let ex = self.one(is_shardis, step, &[b"EXISTS".to_vec(), k.clone()]);
                    if ex != b":1\r\n" {
                        return Err(format!(
                            "RANDOMKEY returned {:?} on {}, but EXISTS says {}",
                            escape_trunc(&k, 100),
                            if is_shardis { "shardis" } else { "redis" },
                            escape_trunc(&ex, 100)
                        ));
                    }
                }
                let _ = args;
                Ok(())
            }
            _ if a == b => Ok(()),
            _ => Err("RANDOMKEY replies differ in kind (nil/key/error)".into()),
        }
    }

    /// Orders that follow a hash table: exact unless redis says one of the
    /// keys is hashtable-encoded, then as multisets.
    fn check_set_order(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
        keys: &[usize],
        pairs: bool,
    ) -> Result<(), String> {
        if a == b {
            return Ok(());
        }
        let mut hashtable = false;
        for &i in keys {
            let Some(k) = args.get(i) else { continue };
            let enc = self.one(
                false,
                step,
                &[b"OBJECT".to_vec(), b"ENCODING".to_vec(), k.clone()],
            );
            if enc == bulk(b"hashtable") {
                hashtable = true;
            }
        }
        // SUNION/SDIFF build their result in a temporary set, which is a
        // hash table once it holds more than set-max-intset-entries members.
        let name = args[0].to_ascii_uppercase();
        if !hashtable && (name == b"SUNION" || name == b"SDIFF") {
            let n = flat_items(b).map(|v| v.len()).unwrap_or(0);
            let conf = self.one(
                false,
                step,
                &[
                    b"CONFIG".to_vec(),
                    b"GET".to_vec(),
                    b"set-max-intset-entries".to_vec(),
                ],
            );
            let max = flat_items(&conf)
                .and_then(|v| v.get(1).cloned())
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(usize::MAX);
            hashtable = n > max;
        }
        if !hashtable {
            return Err(
                "replies differ (no key is hashtable-encoded on redis: the order must match)"
                    .into(),
            );
        }
        same_multiset(a, b, pairs)
    }

    /// SSCAN/HSCAN/ZSCAN: iterate each server to cursor 0, compare the
    /// elements returned as sets.
    fn check_scan_members(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
        pairs: bool,
    ) -> Result<(), String> {
        if a == b && scan_page(a).map(|(c, _)| c == b"0").unwrap_or(true) {
            return Ok(());
        }
        let (Some(first_a), Some(first_b)) = (scan_page(a), scan_page(b)) else {
            return if a == b {
                Ok(())
            } else {
                Err("replies differ".into())
            };
        };
        let mut sets = Vec::new();
        for (is_shardis, first) in [(true, first_a), (false, first_b)] {
            let name = if is_shardis { "shardis" } else { "redis" };
            let (mut cursor, page) = first;
            let mut items = page;
            let mut calls = 1;
            while cursor != b"0" {
                if calls >= MAX_SCAN_CALLS {
                    return Err(format!("{name}: scan did not reach cursor 0"));
                }
                let mut next = args.to_vec();
                next[2] = cursor.clone();
                let r = self.one(is_shardis, step, &next);
                let Some((c, page)) = scan_page(&r) else {
                    return Err(format!(
                        "{name}: cursor {} answered {}",
                        escape_trunc(&cursor, 40),
                        escape_trunc(&r, 200)
                    ));
                };
                items.extend(page);
                cursor = c;
                calls += 1;
            }
            let set: BTreeSet<Vec<Vec<u8>>> = if pairs {
                let Some(p) = pairs_of(items) else {
                    return Err(format!("{name}: odd number of elements in scan pages"));
                };
                p.into_iter().map(|(k, v)| vec![k, v]).collect()
            } else {
                items.into_iter().map(|k| vec![k]).collect()
            };
            sets.push(set);
        }
        if sets[0] == sets[1] {
            Ok(())
        } else {
            let only = |x: &BTreeSet<Vec<Vec<u8>>>, y: &BTreeSet<Vec<Vec<u8>>>| {
                x.difference(y)
                    .take(10)
                    .map(|e| {
                        e.iter()
                            .map(|b| escape_trunc(b, 40))
                            .collect::<Vec<_>>()
                            .join("=")
                    })
                    .collect::<Vec<_>>()
            };
            Err(format!(
                "full scans returned different elements: only on shardis: {:?}; only on redis: {:?}",
                only(&sets[0], &sets[1]),
                only(&sets[1], &sets[0])
            ))
        }
    }

    /// OBJECT ENCODING: exact, except a small set that redis 7.0 keeps in a
    /// hashtable may be a listpack on shardis (Redis 7.2 behaviour).
    fn check_encoding(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
        key: usize,
    ) -> Result<(), String> {
        if a == b {
            return Ok(());
        }
        if a != bulk(b"listpack") || b != bulk(b"hashtable") {
            return Err("encodings differ".into());
        }
        let Some(k) = args.get(key) else {
            return Err("encodings differ".into());
        };
        for is_shardis in [true, false] {
            let t = self.one(is_shardis, step, &[b"TYPE".to_vec(), k.clone()]);
            if t != b"+set\r\n" {
                return Err(format!(
                    "listpack/hashtable is only accepted for sets; TYPE says {}",
                    escape_trunc(&t, 40)
                ));
            }
        }
        let members = self.one(false, step, &[b"SMEMBERS".to_vec(), k.clone()]);
        let members = flat_items(&members).unwrap_or_default();
        if members.len() > 128 || members.iter().any(|m| m.len() > 64) {
            return Err(format!(
                "shardis says listpack for a set of {} members (longest {} bytes): too big for a listpack set",
                members.len(),
                members.iter().map(|m| m.len()).max().unwrap_or(0)
            ));
        }
        Ok(())
    }

    /// SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER (see `Check::Random`).
    fn check_random(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
    ) -> Result<(), String> {
        let name = args[0].to_ascii_uppercase();
        let is_spop = name == b"SPOP";
        let key = args.get(1).cloned().unwrap_or_default();
        let count: Option<i64> = args
            .get(2)
            .and_then(|c| std::str::from_utf8(c).ok())
            .and_then(|c| c.parse().ok());
        let with = args.len() > 3;
        let (pa, pb) = (parse_reply(a), parse_reply(b));
        let mut popped: Vec<(bool, Vec<Vec<u8>>)> = Vec::new();
        match (pa, pb) {
            (Ok(Reply::Bulk(x)), Ok(Reply::Bulk(y))) if count.is_none() => {
                for (is_shardis, e) in [(true, x), (false, y)] {
                    popped.push((is_shardis, vec![e]));
                }
            }
            (Ok(x), Ok(y)) if x.as_array().is_some() && y.as_array().is_some() => {
                if a.first() != b.first() {
                    return Err("replies differ in type".into());
                }
                let (Some(x), Some(y)) = (flat_items(a), flat_items(b)) else {
                    return Err("replies differ (unexpected shape)".into());
                };
                if x.len() != y.len() {
                    return Err(format!(
                        "different numbers of elements: shardis {}, redis {}",
                        x.len(),
                        y.len()
                    ));
                }
                for (is_shardis, items) in [(true, x), (false, y)] {
                    let side = if is_shardis { "shardis" } else { "redis" };
                    let (elems, vals): (Vec<Vec<u8>>, Option<Vec<Vec<u8>>>) = if with {
                        let Some(p) = pairs_of(items) else {
                            return Err(format!("{side}: odd number of elements"));
                        };
                        let (e, v) = p.into_iter().unzip();
                        (e, Some(v))
                    } else {
                        (items, None)
                    };
                    if count.unwrap_or(0) >= 0 {
                        let distinct: BTreeSet<&Vec<u8>> = elems.iter().collect();
                        if distinct.len() != elems.len() {
                            return Err(format!("{side}: repeated elements with a positive count"));
                        }
                    }
                    if !is_spop && !elems.is_empty() {
                        self.check_members(step, is_shardis, &name, &key, &elems, vals)?;
                    }
                    popped.push((is_shardis, elems));
                }
            }
            _ => {
                return if a == b {
                    Ok(())
                } else {
                    Err("replies differ (kind)".into())
                };
            }
        }
        if !is_spop {
            if count.is_none() {
                for (is_shardis, e) in popped {
                    self.check_members(step, is_shardis, &name, &key, &e, None)?;
                }
            }
            return Ok(());
        }
        // SPOP: what was popped is gone, the sizes agree, then the set is
        // rewritten identically on both servers.
        for (is_shardis, elems) in &popped {
            if elems.is_empty() {
                continue;
            }
            let mut q = vec![b"SMISMEMBER".to_vec(), key.clone()];
            q.extend(elems.iter().cloned());
            let r = self.one(*is_shardis, step, &q);
            if flat_items(&r).is_some() || r.starts_with(b"*") {
                let all_zero = parse_reply(&r)
                    .ok()
                    .and_then(|p| {
                        p.as_array()
                            .map(|v| v.iter().all(|x| x.as_int() == Some(0)))
                    })
                    .unwrap_or(false);
                if !all_zero {
                    return Err(format!(
                        "{}: popped members still in the set (SMISMEMBER: {})",
                        if *is_shardis { "shardis" } else { "redis" },
                        escape_trunc(&r, 200)
                    ));
                }
            }
        }
        let card = vec![b"SCARD".to_vec(), key.clone()];
        let (ca, cb) = self.both(step, &card);
        if ca != cb {
            return Err(format!(
                "SCARD after SPOP differs: shardis {}, redis {}",
                escape_trunc(&ca, 40),
                escape_trunc(&cb, 40)
            ));
        }
        let members = self.one(false, step, &[b"SMEMBERS".to_vec(), key.clone()]);
        let members = flat_items(&members).unwrap_or_default();
        let mut cmds = vec![vec![b"DEL".to_vec(), key.clone()]];
        if !members.is_empty() {
            let mut sadd = vec![b"SADD".to_vec(), key.clone()];
            sadd.extend(members);
            cmds.push(sadd);
        }
        for c in cmds {
            let (x, y) = self.both(step, &c);
            if x != y {
                return Err(format!(
                    "re-syncing the set after SPOP: {} answered differently: shardis {}, redis {}",
                    format_command(&c[..1]),
                    escape_trunc(&x, 80),
                    escape_trunc(&y, 80)
                ));
            }
        }
        Ok(())
    }

    /// Each element sampled from `key` is in it on the server that
    /// returned it (and has the value/score returned with it).
    fn check_members(
        &mut self,
        step: usize,
        is_shardis: bool,
        name: &[u8],
        key: &[u8],
        elems: &[Vec<u8>],
        vals: Option<Vec<Vec<u8>>>,
    ) -> Result<(), String> {
        let side = if is_shardis { "shardis" } else { "redis" };
        let q = match name {
            b"HRANDFIELD" => "HMGET",
            b"ZRANDMEMBER" => "ZMSCORE",
            _ => "SMISMEMBER",
        };
        let mut args = vec![q.as_bytes().to_vec(), key.to_vec()];
        args.extend(elems.iter().cloned());
        let r = self.one(is_shardis, step, &args);
        let Ok(parsed) = parse_reply(&r) else {
            return Err(format!("{side}: {q} answered {}", escape_trunc(&r, 100)));
        };
        let items = parsed.as_array().unwrap_or(&[]).to_vec();
        if items.len() != elems.len() {
            return Err(format!("{side}: {q} answered {}", escape_trunc(&r, 200)));
        }
        for (i, it) in items.iter().enumerate() {
            let ok = match (q, it) {
                ("SMISMEMBER", Reply::Int(1)) => true,
                ("SMISMEMBER", _) => false,
                (_, Reply::Bulk(v) | Reply::Other(_, v)) => {
                    vals.as_ref().map(|vs| vs[i] == *v).unwrap_or(true)
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "{side}: sampled element {} is not in the key (or its value/score differs): {q} says {}",
                    escape_trunc(&elems[i], 60),
                    escape_trunc(&r, 200)
                ));
            }
        }
        Ok(())
    }

    /// SCAN: cursors and pages are implementation details. When the first
    /// replies are both [cursor, keys], iterate each server to cursor 0 with
    /// the same options and compare the sets of keys returned.
    fn check_scan(
        &mut self,
        step: usize,
        args: &[Vec<u8>],
        a: &[u8],
        b: &[u8],
    ) -> Result<(), String> {
        let (Some(first_a), Some(first_b)) = (scan_page(a), scan_page(b)) else {
            return if a == b {
                Ok(())
            } else {
                Err("SCAN replies differ".into())
            };
        };
        let mut sets = Vec::new();
        for (is_shardis, first) in [(true, first_a), (false, first_b)] {
            let name = if is_shardis { "shardis" } else { "redis" };
            let mut keys: BTreeSet<Vec<u8>> = BTreeSet::new();
            let (mut cursor, page) = first;
            keys.extend(page);
            let mut calls = 1;
            while cursor != b"0" {
                if calls >= MAX_SCAN_CALLS {
                    return Err(format!(
                        "{name}: SCAN did not reach cursor 0 in {MAX_SCAN_CALLS} calls"
                    ));
                }
                let mut next = args.to_vec();
                next[1] = cursor.clone();
                let r = self.one(is_shardis, step, &next);
                let Some((c, page)) = scan_page(&r) else {
                    return Err(format!(
                        "{name}: SCAN with cursor {} answered {}",
                        escape_trunc(&cursor, 40),
                        escape_trunc(&r, 200)
                    ));
                };
                keys.extend(page);
                cursor = c;
                calls += 1;
            }
            sets.push(keys);
        }
        if sets[0] == sets[1] {
            Ok(())
        } else {
            let only_a: Vec<String> = sets[0]
                .difference(&sets[1])
                .map(|k| escape_trunc(k, 60))
                .collect();
            let only_b: Vec<String> = sets[1]
                .difference(&sets[0])
                .map(|k| escape_trunc(k, 60))
                .collect();
            Err(format!(
                "full SCAN iterations returned different key sets: only on shardis: {only_a:?}; only on redis: {only_b:?}"
            ))
        }
    }
}

/// The elements of an array reply as byte strings (None for another shape
/// or nested arrays).
///
/// RESP3 shapes are flattened: a map gives key, value, key, value...; an
/// array of pairs (HRANDFIELD/ZRANDMEMBER WITH...) gives the pairs' items;
/// doubles give their text.
fn flat_items(r: &[u8]) -> Option<Vec<Vec<u8>>> {
    fn item(r: &Reply) -> Option<Vec<u8>> {
        match r {
            Reply::Bulk(b) | Reply::Simple(b) | Reply::Other(_, b) => Some(b.clone()),
            _ => None,
        }
    }
    let parsed = parse_reply(r).ok()?;
    let mut out = Vec::new();
    if let Reply::Map(pairs) = &parsed {
        for (k, v) in pairs {
            out.push(item(k)?);
            out.push(item(v)?);
        }
        return Some(out);
    }
    for x in parsed.as_array()? {
        match x.as_array() {
            Some(inner) => {
                for y in inner {
                    out.push(item(y)?);
                }
            }
            None => out.push(item(x)?),
        }
    }
    Some(out)
}

/// Group a flat list into (field, value) pairs (None if its length is odd).
fn pairs_of(items: Vec<Vec<u8>>) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    if !items.len().is_multiple_of(2) {
        return None;
    }
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Some(out)
}

/// Compare two flat array replies as multisets (of pairs when `pairs`).
fn same_multiset(a: &[u8], b: &[u8], pairs: bool) -> Result<(), String> {
    if a.first() != b.first() {
        return Err("replies differ in type".into());
    }
    let (Some(mut x), Some(mut y)) = (flat_items(a), flat_items(b)) else {
        return Err("replies differ".into());
    };
    if pairs {
        let (Some(mut px), Some(mut py)) = (pairs_of(x), pairs_of(y)) else {
            return Err("replies differ (odd number of elements)".into());
        };
        px.sort();
        py.sort();
        if px == py {
            return Ok(());
        }
        return Err("replies differ as sets of field/value pairs".into());
    }
    x.sort();
    y.sort();
    if x == y {
        Ok(())
    } else {
        Err("replies differ as multisets".into())
    }
}

fn bulk(s: &[u8]) -> Vec<u8> {
    let mut v = format!("${}\r\n", s.len()).into_bytes();
    v.extend_from_slice(s);
    v.extend_from_slice(b"\r\n");
    v
}

/// [cursor, [key...]] from a SCAN reply, or None if it has another shape.
fn scan_page(r: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let parsed = parse_reply(r).ok()?;
    let items = parsed.as_array()?;
    if items.len() != 2 {
        return None;
    }
    let cursor = items[0].as_bytes()?.to_vec();
    let keys = items[1]
        .as_array()?
        .iter()
        .map(|k| k.as_bytes().map(|b| b.to_vec()))
        .collect::<Option<Vec<_>>>()?;
    Some((cursor, keys))
}

/// KEYS: Redis returns keys in hash-table order, which is unspecified:
/// compare as sorted lists (duplicates would still show).
fn check_unordered(a: &[u8], b: &[u8]) -> Result<(), String> {
    if a == b {
        return Ok(());
    }
    if a.first() != b.first() {
        return Err("replies differ in type".into());
    }
    let sorted = |r: &[u8]| -> Option<Vec<Reply>> {
        let mut v = parse_reply(r).ok()?.as_array()?.to_vec();
        v.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
        Some(v)
    };
    match (sorted(a), sorted(b)) {
        (Some(x), Some(y)) if x == y => Ok(()),
        (Some(_), Some(_)) => Err("arrays differ (compared as sorted lists)".into()),
        _ => Err("replies differ".into()),
    }
}

/// TTL/PTTL/EXPIRETIME/PEXPIRETIME: -1/-2 (and errors) exact; positive
/// values within `tol` (each server computes them from its own clock at
/// slightly different moments), except inside the `exact` band (absolute
/// times the generator set), which must be equal.
fn check_ttl(a: &[u8], b: &[u8], tol: i64, exact: Option<(i64, i64)>) -> Result<(), String> {
    if a == b {
        return Ok(());
    }
    let (Ok(Reply::Int(x)), Ok(Reply::Int(y))) = (parse_reply(a), parse_reply(b)) else {
        return Err("replies differ".into());
    };
    if x < 0 || y < 0 {
        return Err("replies differ (negative values are compared exactly)".into());
    }
    if let Some((lo, hi)) = exact {
        if (lo..=hi).contains(&x) || (lo..=hi).contains(&y) {
            return Err(format!(
                "absolute expire times differ (values in {lo}..={hi} come from EXAT/PXAT/EXPIREAT/PEXPIREAT and are compared exactly)"
            ));
        }
    }
    if (x - y).abs() > tol {
        return Err(format!(
            "values differ by {} (tolerance {tol})",
            (x - y).abs()
        ));
    }
    Ok(())
}

fn start_pair(threads: usize) -> Option<(Server, Server)> {
    if !common::redis_available() {
        eprintln!(
            "SKIP: no reference redis-server at {} (set REDIS_SERVER_BIN)",
            common::redis_bin().display()
        );
        return None;
    }
    let t = threads.to_string();
    let shardis = common::start_shardis(&["--threads", &t]);
    let redis = common::start_redis(&[]);
    Some((shardis, redis))
}

fn new_run<'a>(label: &str, seed: u64, shardis: &'a Server, redis: &'a Server) -> Run<'a> {
    let mut run = Run {
        label: label.to_string(),
        seed,
        shardis: Side {
            name: "shardis",
            server: shardis,
            conn: shardis.raw(),
        },
        redis: Side {
            name: "redis",
            server: redis,
            conn: redis.raw(),
        },
        history: VecDeque::new(),
        stats: BTreeMap::new(),
        skipped: 0,
        families: env_families(),
    };
    // Every seed starts from empty servers, in db 0.
    for args in [
        vec![b"FLUSHALL".to_vec()],
        vec![b"SELECT".to_vec(), b"0".to_vec()],
    ] {
        let (a, b) = run.both(0, &args);
        if a != b || (a != b"+OK\r\n") {
            run.fail(0, &args, "setup command failed", &a, &b);
        }
    }
    run
}

/// Restore the encoding thresholds the collection families change.
fn restore_config(run: &mut Run, step: usize) {
    for (name, value) in gen::types::CONFIG_DEFAULTS {
        let args = vec![
            b"CONFIG".to_vec(),
            b"SET".to_vec(),
            name.as_bytes().to_vec(),
            value.as_bytes().to_vec(),
        ];
        let (a, b) = run.both(step, &args);
        if a != b || a != b"+OK\r\n" {
            run.fail(
                step,
                &args,
                "restoring the default configuration failed",
                &a,
                &b,
            );
        }
    }
}

fn run_differential(threads: usize) {
    run_families(threads, &env_families(), &env_seeds(), env_ops(), false);
}

/// Switch both connections of a run to RESP3 (HELLO 3); the HELLO replies
/// themselves (server name, version, client id) are not compared.
fn hello3(run: &mut Run, step: usize) {
    let args = vec![b"HELLO".to_vec(), b"3".to_vec()];
    let (a, b) = run.both(step, &args);
    if !a.starts_with(b"%") || !b.starts_with(b"%") {
        run.fail(step, &args, "HELLO 3 did not answer a map", &a, &b);
    }
}

/// Whether `op` may run inside a transaction of the transactional
/// differential run: compared exactly, unguarded, and not a command that
/// changes the connection or the transaction itself.
fn batchable(op: &Op) -> bool {
    let name = String::from_utf8_lossy(&op.args[0]).to_ascii_lowercase();
    matches!(op.check, Check::Exact)
        && op.guard.is_none()
        && !matches!(
            name.as_str(),
            "multi"
                | "exec"
                | "discard"
                | "watch"
                | "unwatch"
                | "quit"
                | "reset"
                | "hello"
                | "client"
                | "monitor"
                | "auth"
                | "zrank"
                | "zrevrank"
                | "debug"
        )
}

fn run_families(threads: usize, families: &[Family], seeds: &[u64], ops: usize, resp3: bool) {
    run_families_tx(threads, families, seeds, ops, resp3, false)
}

/// [`run_families`]; with `tx`, consecutive exactly-compared commands are
/// grouped into MULTI/EXEC transactions of 1 to 8 commands.
fn run_families_tx(
    threads: usize,
    families: &[Family],
    seeds: &[u64],
    ops: usize,
    resp3: bool,
    tx: bool,
) {
    let Some((shardis, redis)) = start_pair(threads) else {
        return;
    };
    let label = format!("shardis --threads {threads}");
    let collections = families.iter().any(|f| Family::COLLECTIONS.contains(f));
    let t0 = Instant::now();
    let mut total = 0;
    for &seed in seeds {
        let mut run = new_run(&label, seed, &shardis, &redis);
        run.families = families.to_vec();
        if resp3 {
            run.label = format!("{label}, RESP3");
            hello3(&mut run, 0);
        }
        if collections {
            restore_config(&mut run, 0);
        }
        let mut g = gen::Gen::new(seed, families);
        let mut batch: Vec<Op> = Vec::new();
        let mut batch_start = 0;
        let mut target = 1 + (seed as usize % 8);
        for step in 0..ops {
            let op = g.next_op();
            total += 1;
            if !tx {
                run.exec(step, &op);
                continue;
            }
            if batchable(&op) {
                if batch.is_empty() {
                    batch_start = step;
                }
                batch.push(op);
                if batch.len() >= target {
                    run.exec_tx(batch_start, &batch);
                    batch.clear();
                    target = 1 + (step.wrapping_mul(2654435761) >> 7) % 8;
                }
            } else {
                if !batch.is_empty() {
                    run.exec_tx(batch_start, &batch);
                    batch.clear();
                }
                run.exec(step, &op);
            }
        }
        if !batch.is_empty() {
            run.exec_tx(batch_start, &batch);
        }
        if collections {
            restore_config(&mut run, ops);
        }
        if std::env::var_os("DIFF_STATS").is_some() {
            eprintln!("[{label}] seed {seed}: reply kinds per command (from redis):");
            for (cmd, kinds) in &run.stats {
                eprintln!("  {cmd:<14} {kinds:?}");
            }
            eprintln!("  ({} ops skipped by guards)", run.skipped);
        }
    }
    eprintln!(
        "[{label}] {total} commands agreed with redis in {:.1?} (families: {})",
        t0.elapsed(),
        families
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(",")
    );
}

#[test]
fn differential_threads_1() {
    run_differential(1);
}

#[test]
fn differential_threads_4() {
    run_differential(4);
}

/// Every family, with runs of commands grouped into MULTI/EXEC
/// transactions, on 4 shards (so transactions span shards): each queueing
/// reply and each EXEC reply must match redis byte for byte.
#[test]
fn transactions_vs_redis() {
    let families = gen::parse_families("all").unwrap_or_else(|e| panic!("{e}"));
    let set = |v: &str| {
        std::env::var(v)
            .map(|s| !s.trim().is_empty())
            .unwrap_or(false)
    };
    let seeds = if set("DIFF_SEED") {
        env_seeds()
    } else {
        vec![5, 0x7a, 0x7b]
    };
    let ops = if set("DIFF_OPS") { env_ops() } else { 4000 };
    run_families_tx(4, &families, &seeds, ops, false, true);
}

/// Seeds of `collections_vs_redis` (unless DIFF_SEED is set).
const COLLECTION_SEEDS: &[u64] = &[11, 22, 0xc011, 424242];
/// Commands per seed of `collections_vs_redis` (unless DIFF_OPS is set).
const COLLECTION_OPS: usize = 3000;

/// The collection families alone (lists, hashes, sets, zsets, hll, sort),
/// with 1 and 4 shards.
#[test]
fn collections_vs_redis() {
    let seeds = if std::env::var("DIFF_SEED")
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false)
    {
        env_seeds()
    } else {
        COLLECTION_SEEDS.to_vec()
    };
    let ops = if std::env::var("DIFF_OPS")
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false)
    {
        env_ops()
    } else {
        COLLECTION_OPS
    };
    for threads in [1, 4] {
        run_families(threads, &Family::COLLECTIONS, &seeds, ops, false);
    }
}

/// The collection families over RESP3 connections (maps, sets, doubles,
/// nested pairs), with 1 and 4 shards.
#[test]
fn collections_vs_redis_resp3() {
    let seeds = if std::env::var("DIFF_SEED")
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false)
    {
        env_seeds()
    } else {
        COLLECTION_SEEDS[..2].to_vec()
    };
    let ops = if std::env::var("DIFF_OPS")
        .map(|s| !s.trim().is_empty())
        .unwrap_or(false)
    {
        env_ops()
    } else {
        COLLECTION_OPS
    };
    for threads in [1, 4] {
        run_families(threads, &Family::COLLECTIONS, &seeds, ops, true);
    }
}

// ----- tiny expirations ------------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Keys given tiny expirations (1..50 ms, or absolute times in the past, or
/// about to pass) must be gone, on both servers, after a short sleep; keys
/// with long or no expiration must still be there. Both servers must agree
/// on every reply (TTL/PTTL within tolerance).
fn run_tiny_expirations(threads: usize) {
    use rand::{Rng, SeedableRng};
    let Some((shardis, redis)) = start_pair(threads) else {
        return;
    };
    let label = format!("tiny expirations, shardis --threads {threads}");
    for seed in env_seeds().into_iter().take(3) {
        let mut run = new_run(&label, seed, &shardis, &redis);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut step = 0;
        let exec = |run: &mut Run, step: &mut usize, args: Vec<Vec<u8>>, check: Check| {
            run.exec(
                *step,
                &Op {
                    family: Family::Expire,
                    args,
                    check,
                    guard: None,
                },
            );
            *step += 1;
        };
        let b = |s: &str| s.as_bytes().to_vec();
        // (key, expected to be gone after the sleep)
        let mut keys: Vec<(Vec<u8>, bool)> = Vec::new();
        for i in 0..60 {
            let key = format!("tiny:{{t{}}}:{i}", i % 7).into_bytes();
            let ms = rng.gen_range(1..=50).to_string();
            let gone = match rng.gen_range(0..11) {
                0 => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("PX"), b(&ms)],
                        Check::Exact,
                    );
                    true
                }
                1 => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("PSETEX"), key.clone(), b(&ms), b("v")],
                        Check::Exact,
                    );
                    true
                }
                2 => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("1")],
                        Check::Exact,
                    );
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("PEXPIRE"), key.clone(), b(&ms)],
                        Check::Exact,
                    );
                    true
                }
                3 => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("x")],
                        Check::Exact,
                    );
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("GETEX"), key.clone(), b("PX"), b(&ms)],
                        Check::Exact,
                    );
                    true
                }
                4 => {
                    // absolute, a few ms ahead (both servers share this clock)
                    let at = (now_ms() + rng.gen_range(1..=50)).to_string();
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("PXAT"), b(&at)],
                        Check::Exact,
                    );
                    true
                }
                5 => {
                    // absolute in the past: Redis 7.0 stores the key, and it
                    // is expired at once
                    let at = rng.gen_range(1..1_600_000_000i64).to_string();
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("EXAT"), b(&at)],
                        Check::Exact,
                    );
                    true
                }
                6 => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v")],
                        Check::Exact,
                    );
                    let at = (now_ms() + rng.gen_range(1..=50)).to_string();
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("PEXPIREAT"), key.clone(), b(&at)],
                        Check::Exact,
                    );
                    true
                }
                7 => {
                    // a long expiration: must survive
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("EX"), b("100000")],
                        Check::Exact,
                    );
                    false
                }
                8 => {
                    // tiny, then made persistent again: must survive
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("PX"), b("5000")],
                        Check::Exact,
                    );
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("PERSIST"), key.clone()],
                        Check::Exact,
                    );
                    false
                }
                9 => {
                    // tiny, then overwritten by a plain SET (which clears it)
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v"), b("PX"), b(&ms)],
                        Check::Exact,
                    );
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("w")],
                        Check::Exact,
                    );
                    false
                }
                _ => {
                    exec(
                        &mut run,
                        &mut step,
                        vec![b("SET"), key.clone(), b("v")],
                        Check::Exact,
                    );
                    false
                }
            };
            keys.push((key, gone));
        }
        std::thread::sleep(Duration::from_millis(200));
        // KEYS and SCAN skip expired keys; then each key is read (which
        // expires it for good), then DBSIZE (which counts keys that are
        // expired but not yet collected, so it comes last).
        exec(
            &mut run,
            &mut step,
            vec![b("KEYS"), b("tiny:*")],
            Check::Unordered,
        );
        exec(
            &mut run,
            &mut step,
            vec![b("SCAN"), b("0"), b("COUNT"), b("7")],
            Check::ScanAll,
        );
        for (key, gone) in &keys {
            exec(
                &mut run,
                &mut step,
                vec![b("PTTL"), key.clone()],
                Check::Ttl {
                    tol: gen::TTL_TOL_MS,
                },
            );
            let args = vec![b("EXISTS"), key.clone()];
            let (a, r) = run.both(step, &args);
            step += 1;
            let want: &[u8] = if *gone { b":0\r\n" } else { b":1\r\n" };
            if a != want || r != want {
                run.fail(
                    step,
                    &args,
                    &format!(
                        "key should {} after 200 ms (expected {})",
                        if *gone { "be gone" } else { "still exist" },
                        escape_trunc(want, 10)
                    ),
                    &a,
                    &r,
                );
            }
            run.remember(step, &args, &a, &r);
            exec(
                &mut run,
                &mut step,
                vec![b("GET"), key.clone()],
                Check::Exact,
            );
        }
        exec(&mut run, &mut step, vec![b("DBSIZE")], Check::Exact);
        exec(&mut run, &mut step, vec![b("RANDOMKEY")], Check::RandomKey);
    }
}

#[test]
fn tiny_expirations_threads_1() {
    run_tiny_expirations(1);
}

#[test]
fn tiny_expirations_threads_4() {
    run_tiny_expirations(4);
}

// ----- generator determinism ---------------------------------------------------

#[test]
fn generator_is_deterministic() {
    for fams in [
        Family::DEFAULT.to_vec(),
        Family::ALL.to_vec(),
        vec![Family::Bits],
    ] {
        for seed in [0u64, 1, 42, u64::MAX] {
            let a = gen::sequence(seed, &fams, 2000);
            let b = gen::sequence(seed, &fams, 2000);
            assert_eq!(a, b, "seed {seed}: same seed must give the same sequence");
            let c = gen::sequence(seed.wrapping_add(1), &fams, 2000);
            assert_ne!(
                a,
                c,
                "seeds {seed} and {} gave the same sequence",
                seed.wrapping_add(1)
            );
        }
    }
    // Family order in DIFF_FAMILIES does not matter.
    let x = gen::parse_families("keys,strings").unwrap();
    let y = gen::parse_families("strings , KEYS,keys").unwrap();
    assert_eq!(gen::sequence(7, &x, 500), gen::sequence(7, &y, 500));
    assert!(gen::parse_families("strings,nope").is_err());
    assert_eq!(gen::parse_families("").unwrap(), Family::DEFAULT.to_vec());
}

/// Every command of the list is generated by the default families.
#[test]
fn generator_covers_the_command_list() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for seed in 0..5u64 {
        for op in gen::sequence(seed, &Family::DEFAULT, 5000) {
            seen.insert(String::from_utf8_lossy(&op.args[0]).to_ascii_uppercase());
            if op.args[0].eq_ignore_ascii_case(b"OBJECT") && op.args.len() > 1 {
                seen.insert(format!(
                    "OBJECT {}",
                    String::from_utf8_lossy(&op.args[1]).to_ascii_uppercase()
                ));
            }
        }
    }
    let want = "GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN \
        INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE SUBSTR LCS SETBIT GETBIT BITCOUNT \
        BITPOS BITOP BITFIELD BITFIELD_RO DEL UNLINK EXISTS TYPE EXPIRE PEXPIRE EXPIREAT PEXPIREAT \
        TTL PTTL EXPIRETIME PEXPIRETIME PERSIST KEYS SCAN RANDOMKEY RENAME RENAMENX COPY TOUCH \
        DBSIZE FLUSHDB FLUSHALL SELECT SWAPDB MOVE PING ECHO FOOBAR";
    let missing: Vec<&str> = want
        .split_whitespace()
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    assert!(seen.contains("OBJECT ENCODING"));
}

/// Every collection command is generated by the collection families.
#[test]
fn generator_covers_the_collection_commands() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for seed in 0..5u64 {
        for op in gen::sequence(seed, &Family::COLLECTIONS, 5000) {
            seen.insert(String::from_utf8_lossy(&op.args[0]).to_ascii_uppercase());
        }
    }
    let want = "LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LRANGE LINDEX LSET LINSERT LLEN LREM LTRIM \
        LPOS LMOVE RPOPLPUSH LMPOP BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP \
        HSET HSETNX HMSET HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HINCRBY HINCRBYFLOAT \
        HSTRLEN HRANDFIELD HSCAN SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER \
        SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN ZADD \
        ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANGE ZRANGESTORE ZREVRANGE \
        ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZRANK ZREVRANK \
        ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZUNION ZINTER \
        ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZRANDMEMBER ZSCAN PFADD PFCOUNT \
        PFMERGE GET SORT SORT_RO OBJECT TYPE CONFIG";
    let missing: Vec<&str> = want
        .split_whitespace()
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
    // No blocking command may carry a timeout that blocks for long.
    for seed in 0..5u64 {
        for op in gen::sequence(seed, &Family::COLLECTIONS, 5000) {
            if gen::types::is_blocking(&op.args[0]) {
                let name = op.args[0].to_ascii_uppercase();
                let t = if name == b"BLMPOP" || name == b"BZMPOP" {
                    &op.args[1]
                } else {
                    op.args.last().unwrap()
                };
                let v: Option<f64> = std::str::from_utf8(t).ok().and_then(|s| s.parse().ok());
                assert!(
                    !matches!(v, Some(x) if x == 0.0 || x > 0.05),
                    "blocking command with a long timeout: {}",
                    format_command(&op.args)
                );
            }
        }
    }
}

/// ZRANK/ZREVRANK with a fourth argument: shardis follows Redis 7.2
/// (WITHSCORE, else a syntax error) where Redis 7.0 answers a wrong-arity
/// error. Only that pair of replies is accepted.
fn redis_7_2_rank(args: &[Vec<u8>], shardis: &[u8], redis: &[u8]) -> bool {
    let name = args.first().map(|n| n.to_ascii_lowercase());
    let is_rank = matches!(name.as_deref(), Some(b"zrank") | Some(b"zrevrank"));
    is_rank
        && args.len() == 4
        && redis.starts_with(b"-ERR wrong number of arguments")
        && (shardis == b"-ERR syntax error\r\n"
            || (args[3].eq_ignore_ascii_case(b"withscore") && !shardis.starts_with(b"-")))
}
