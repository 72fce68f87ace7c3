//! Blocking commands, differentially: each scenario drives several raw
//! connections against one server and writes down what each client
//! observes (replies, whether a client is still blocked, INFO counters);
//! the transcript from a real redis-server is the reference, and shardis
//! with 1 and with 4 shards must produce the same one.
//!
//! Before a client's blocking command is counted as waiting, the scenario
//! polls INFO `blocked_clients` until it has grown, so the order in which
//! clients block is the order in which they are written.
//!
//! Environment: see `tests/common/mod.rs` (`SHARDIS_TEST_BIN`,
//! `REDIS_SERVER_BIN`); `BLOCKING_TRACE=1` prints the reference transcripts
//! (with `--nocapture`).

mod common;

use common::{escape, RawConn, Server};
use std::time::{Duration, Instant};

/// How long a client is watched to see that it stays blocked.
const STILL_BLOCKED: Duration = Duration::from_millis(150);
/// How long to wait for the server to count a client as blocked.
const BLOCK_WAIT: Duration = Duration::from_secs(5);

/// What a scenario saw, one line per observation.
type Transcript = Vec<String>;

/// One client connection and the transcript it writes to.
struct Client {
    conn: RawConn,
    /// Which server it talks to, for failure messages.
    who: String,
}

impl Client {
    fn new(server: &Server) -> Client {
        Client {
            conn: server.raw(),
            who: format!(
                "{} ({} {}, port {})",
                server.role,
                server.bin.display(),
                common::shell_join(&server.args),
                server.port
            ),
        }
    }

    /// Send a command without waiting for its reply.
    fn send(&mut self, args: &[&str]) {
        self.conn.send_cmd(args);
    }

    /// The next reply, escaped.
    fn reply(&mut self) -> String {
        escape(&self.conn.read_reply())
    }

    /// Send a command and return its reply, escaped.
    fn cmd(&mut self, args: &[&str]) -> String {
        self.send(args);
        self.reply()
    }

    /// "still blocked" if no reply comes within `STILL_BLOCKED`, else the
    /// reply that came.
    fn still_blocked(&mut self) -> String {
        let stream = self.conn.stream().try_clone().expect("clone stream");
        stream
            .set_read_timeout(Some(STILL_BLOCKED))
            .expect("set timeout");
        let r = self.conn.try_read_reply();
        stream
            .set_read_timeout(Some(common::IO_TIMEOUT))
            .expect("set timeout");
        match r {
            Ok(bytes) => format!("replied {}", escape(&bytes)),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                "still blocked".to_string()
            }
            Err(e) => format!("I/O error: {e}"),
        }
    }
}

/// INFO clients `blocked_clients`.
fn blocked_clients(c: &mut Client) -> i64 {
    let info = c.conn.cmd(&["INFO", "clients"]);
    let text = String::from_utf8_lossy(&info);
    text.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no blocked_clients in INFO clients: {text:?}"))
}

/// Poll until the server counts exactly `n` blocked clients.
fn wait_blocked(c: &mut Client, n: i64) {
    let deadline = Instant::now() + BLOCK_WAIT;
    loop {
        let got = blocked_clients(c);
        if got == n {
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "blocked_clients stayed at {got}, expected {n}, on {}",
                c.who
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A client that sends a blocking command and is known to be blocked.
fn block(server: &Server, ctl: &mut Client, waiting: i64, args: &[&str]) -> Client {
    let mut c = Client::new(server);
    c.send(args);
    wait_blocked(ctl, waiting);
    c
}

/// Run `scenario` on redis, then on shardis with 1 and 4 shards, and
/// compare the transcripts. `expect` checks the reference transcript (what
/// Redis is known to do), so the scenario itself is verified too.
fn compare(name: &str, scenario: fn(&Server) -> Transcript, expect: &[(usize, &str)]) {
    if !common::redis_available() {
        eprintln!("SKIP {name}: no reference redis-server");
        return;
    }
    let redis = common::start_redis(&[]);
    let want = scenario(&redis);
    if std::env::var_os("BLOCKING_TRACE").is_some() {
        eprintln!("{name} on redis:\n{want:#?}");
    }
    for (i, line) in expect {
        assert_eq!(
            want.get(*i).map(String::as_str),
            Some(*line),
            "{name}: the reference transcript is not what Redis should do:\n{want:#?}"
        );
    }
    for threads in ["1", "4"] {
        let shardis = common::start_shardis(&["--threads", threads]);
        let got = scenario(&shardis);
        assert_eq!(
            got, want,
            "{name}: shardis --threads {threads} (left) differs from redis (right)"
        );
    }
}

fn flushed(server: &Server) -> Client {
    let mut ctl = Client::new(server);
    assert_eq!(ctl.cmd(&["FLUSHALL"]), "+OK\\r\\n");
    ctl
}

// ----- (a) several clients on one key: served in blocking order -------------

fn fifo(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    let mut c1 = block(server, &mut ctl, 1, &["BLPOP", "q", "0"]);
    let mut c2 = block(server, &mut ctl, 2, &["BLPOP", "q", "0"]);
    let mut c3 = block(server, &mut ctl, 3, &["BRPOP", "q", "0"]);
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t.push(ctl.cmd(&["RPUSH", "q", "x", "y"]));
    t.push(format!("c1 {}", c1.reply()));
    t.push(format!("c2 {}", c2.reply()));
    t.push(format!("c3 {}", c3.still_blocked()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t.push(ctl.cmd(&["LLEN", "q"]));
    // LPUSH of two: the list is [b, a], the remaining waiter gets the head
    t.push(ctl.cmd(&["LPUSH", "q", "a", "b"]));
    t.push(format!("c3 {}", c3.reply()));
    t.push(ctl.cmd(&["LRANGE", "q", "0", "-1"]));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn a_waiters_are_served_in_order() {
    compare(
        "fifo",
        fifo,
        &[
            (0, "blocked 3"),
            (1, ":2\\r\\n"),
            (2, "c1 *2\\r\\n$1\\r\\nq\\r\\n$1\\r\\nx\\r\\n"),
            (3, "c2 *2\\r\\n$1\\r\\nq\\r\\n$1\\r\\ny\\r\\n"),
            (4, "c3 still blocked"),
            (5, "blocked 1"),
            (8, "c3 *2\\r\\n$1\\r\\nq\\r\\n$1\\r\\na\\r\\n"),
            (9, "*1\\r\\n$1\\r\\nb\\r\\n"),
            (10, "blocked 0"),
        ],
    );
}

// ----- (b) one client on several keys (on different shards) ------------------

fn multi_key(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    let keys = ["k:one", "k:two", "k:three"];
    let mut c = block(
        server,
        &mut ctl,
        1,
        &["BLPOP", keys[0], keys[1], keys[2], "0"],
    );
    t.push(ctl.cmd(&["RPUSH", keys[1], "v1", "v2"]));
    t.push(format!("c {}", c.reply()));
    t.push(ctl.cmd(&["LRANGE", keys[1], "0", "-1"]));
    // both the first and the last key have data: the first listed wins
    t.push(ctl.cmd(&["RPUSH", keys[2], "z"]));
    t.push(ctl.cmd(&["RPUSH", keys[0], "a"]));
    t.push(c.cmd(&["BRPOP", keys[0], keys[1], keys[2], "0"]));
    t.push(c.cmd(&["BRPOP", keys[0], keys[1], keys[2], "0"]));
    t.push(c.cmd(&["BRPOP", keys[0], keys[1], keys[2], "0"]));
    // two clients on overlapping keys
    let mut c1 = block(server, &mut ctl, 1, &["BLPOP", keys[0], keys[2], "0"]);
    let mut c2 = block(server, &mut ctl, 2, &["BLPOP", keys[2], keys[1], "0"]);
    t.push(ctl.cmd(&["RPUSH", keys[2], "w"]));
    t.push(format!("c1 {}", c1.reply()));
    t.push(format!("c2 {}", c2.still_blocked()));
    t.push(ctl.cmd(&["RPUSH", keys[1], "u"]));
    t.push(format!("c2 {}", c2.reply()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn b_one_client_blocked_on_several_keys() {
    compare(
        "multi_key",
        multi_key,
        &[
            (1, "c *2\\r\\n$5\\r\\nk:two\\r\\n$2\\r\\nv1\\r\\n"),
            (5, "*2\\r\\n$5\\r\\nk:one\\r\\n$1\\r\\na\\r\\n"),
            (6, "*2\\r\\n$5\\r\\nk:two\\r\\n$2\\r\\nv2\\r\\n"),
            (9, "c1 *2\\r\\n$7\\r\\nk:three\\r\\n$1\\r\\nw\\r\\n"),
            (10, "c2 still blocked"),
            (12, "c2 *2\\r\\n$5\\r\\nk:two\\r\\n$1\\r\\nu\\r\\n"),
            (13, "blocked 0"),
        ],
    );
}

// ----- (c) chains: a served BLMOVE / a store into a key wakes its waiters -----

fn chains(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    // A waits on list2; B moves from list1 into list2.
    let mut a = block(server, &mut ctl, 1, &["BLPOP", "list2", "0"]);
    let mut b = block(
        server,
        &mut ctl,
        2,
        &["BLMOVE", "list1", "list2", "RIGHT", "LEFT", "0"],
    );
    t.push(ctl.cmd(&["RPUSH", "list1", "v"]));
    t.push(format!("B {}", b.reply()));
    t.push(format!("A {}", a.reply()));
    t.push(ctl.cmd(&["EXISTS", "list1", "list2"]));
    // the same with BRPOPLPUSH
    let mut a = block(server, &mut ctl, 1, &["BRPOP", "list3", "0"]);
    let mut b = block(server, &mut ctl, 2, &["BRPOPLPUSH", "list4", "list3", "0"]);
    t.push(ctl.cmd(&["LPUSH", "list4", "w1", "w2"]));
    t.push(format!("B {}", b.reply()));
    t.push(format!("A {}", a.reply()));
    t.push(ctl.cmd(&["LRANGE", "list4", "0", "-1"]));
    t.push(ctl.cmd(&["EXISTS", "list3"]));
    // LMOVE and RPOPLPUSH into a key with a waiter
    let mut a = block(server, &mut ctl, 1, &["BLPOP", "dst", "0"]);
    t.push(ctl.cmd(&["RPUSH", "src", "s1", "s2", "s3"]));
    t.push(ctl.cmd(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]));
    t.push(format!("A {}", a.reply()));
    let mut a = block(server, &mut ctl, 1, &["BRPOP", "dst", "0"]);
    t.push(ctl.cmd(&["RPOPLPUSH", "src", "dst"]));
    t.push(format!("A {}", a.reply()));
    // SORT ... STORE into a key with a waiter (same hash tag for the keys)
    let mut a = block(server, &mut ctl, 1, &["BLPOP", "{srt}out", "0"]);
    t.push(ctl.cmd(&["RPUSH", "{srt}in", "3", "1", "2"]));
    t.push(ctl.cmd(&["SORT", "{srt}in", "STORE", "{srt}out"]));
    t.push(format!("A {}", a.reply()));
    t.push(ctl.cmd(&["LRANGE", "{srt}out", "0", "-1"]));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn c_chains_and_stores_wake_waiters() {
    compare(
        "chains",
        chains,
        &[
            (1, "B $1\\r\\nv\\r\\n"),
            (2, "A *2\\r\\n$5\\r\\nlist2\\r\\n$1\\r\\nv\\r\\n"),
            (3, ":0\\r\\n"),
            (5, "B $2\\r\\nw1\\r\\n"),
            (6, "A *2\\r\\n$5\\r\\nlist3\\r\\n$2\\r\\nw1\\r\\n"),
            (11, "A *2\\r\\n$3\\r\\ndst\\r\\n$2\\r\\ns1\\r\\n"),
            (13, "A *2\\r\\n$3\\r\\ndst\\r\\n$2\\r\\ns3\\r\\n"),
            (16, "A *2\\r\\n$8\\r\\n{srt}out\\r\\n$1\\r\\n1\\r\\n"),
            (17, "*2\\r\\n$1\\r\\n2\\r\\n$1\\r\\n3\\r\\n"),
            (18, "blocked 0"),
        ],
    );
}

// ----- (d) timeouts ----------------------------------------------------------

fn timeouts(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    for args in [
        &["BLPOP", "k", "0.2"][..],
        &["BZPOPMIN", "k", "0.2"][..],
        &["BLMOVE", "k", "k2", "LEFT", "LEFT", "0.2"][..],
        &["BLMPOP", "0.2", "1", "k", "LEFT"][..],
    ] {
        let t0 = Instant::now();
        let r = ctl.cmd(args);
        let el = t0.elapsed();
        t.push(format!(
            "{} -> {r}, in [0.2 s, 1 s): {}",
            args[0],
            el >= Duration::from_millis(200) && el < Duration::from_secs(1)
        ));
    }
    for bad in [
        "-1", "-0.5", "abc", "", "1e", "0.1x", "nan", "inf", "-inf", "1e400",
    ] {
        t.push(format!(
            "BLPOP timeout {bad:?}: {}",
            ctl.cmd(&["BLPOP", "k", bad])
        ));
        t.push(format!(
            "BZMPOP timeout {bad:?}: {}",
            ctl.cmd(&["BZMPOP", bad, "1", "k", "MIN"])
        ));
    }
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn d_timeouts() {
    compare(
        "timeouts",
        timeouts,
        &[
            (0, "BLPOP -> *-1\\r\\n, in [0.2 s, 1 s): true"),
            (1, "BZPOPMIN -> *-1\\r\\n, in [0.2 s, 1 s): true"),
            (2, "BLMOVE -> *-1\\r\\n, in [0.2 s, 1 s): true"),
            (3, "BLMPOP -> *-1\\r\\n, in [0.2 s, 1 s): true"),
            (4, "BLPOP timeout \"-1\": -ERR timeout is negative\\r\\n"),
            (
                8,
                "BLPOP timeout \"abc\": -ERR timeout is not a float or out of range\\r\\n",
            ),
        ],
    );
}

// ----- (e) CLIENT UNBLOCK ----------------------------------------------------

fn client_unblock(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    for how in [None, Some("TIMEOUT"), Some("ERROR"), Some("timeout")] {
        let mut c = Client::new(server);
        let id = c.cmd(&["CLIENT", "ID"]);
        let id = id
            .trim_start_matches(':')
            .trim_end_matches("\\r\\n")
            .to_string();
        c.send(&["BLPOP", "u", "0"]);
        wait_blocked(&mut ctl, 1);
        let mut args = vec!["CLIENT", "UNBLOCK", id.as_str()];
        if let Some(h) = how {
            args.push(h);
        }
        t.push(format!("unblock {how:?}: {}", ctl.cmd(&args)));
        t.push(format!("client: {}", c.reply()));
        t.push(format!("again: {}", ctl.cmd(&args)));
        t.push(format!("blocked {}", blocked_clients(&mut ctl)));
        // the connection is still usable
        t.push(format!("ping: {}", c.cmd(&["PING"])));
    }
    t.push(ctl.cmd(&["CLIENT", "UNBLOCK", "999999999"]));
    t.push(ctl.cmd(&["CLIENT", "UNBLOCK", "abc"]));
    let mut c = Client::new(server);
    let id = c.cmd(&["CLIENT", "ID"]);
    let id = id
        .trim_start_matches(':')
        .trim_end_matches("\\r\\n")
        .to_string();
    c.send(&["BZPOPMAX", "u", "0"]);
    wait_blocked(&mut ctl, 1);
    t.push(ctl.cmd(&["CLIENT", "UNBLOCK", &id, "BOGUS"]));
    t.push(format!("client: {}", c.still_blocked()));
    t.push(ctl.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]));
    t.push(format!("client: {}", c.reply()));
    t
}

#[test]
fn e_client_unblock() {
    compare(
        "client_unblock",
        client_unblock,
        &[
            (0, "unblock None: :1\\r\\n"),
            (1, "client: *-1\\r\\n"),
            (2, "again: :0\\r\\n"),
            (5, "unblock Some(\"TIMEOUT\"): :1\\r\\n"),
            (6, "client: *-1\\r\\n"),
            (10, "unblock Some(\"ERROR\"): :1\\r\\n"),
            (
                11,
                "client: -UNBLOCKED client unblocked via CLIENT UNBLOCK\\r\\n",
            ),
            (20, ":0\\r\\n"),
            (23, "client: still blocked"),
            (24, ":1\\r\\n"),
            (
                25,
                "client: -UNBLOCKED client unblocked via CLIENT UNBLOCK\\r\\n",
            ),
        ],
    );
}

// ----- (f) a blocked client that disconnects is forgotten --------------------

fn disconnect(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    let c1 = block(server, &mut ctl, 1, &["BLPOP", "gone", "0"]);
    let mut c2 = block(server, &mut ctl, 2, &["BLPOP", "other", "gone", "0"]);
    c1.conn.shutdown();
    drop(c1);
    wait_blocked(&mut ctl, 1);
    t.push(ctl.cmd(&["RPUSH", "gone", "a", "b"]));
    t.push(format!("c2 {}", c2.reply()));
    t.push(ctl.cmd(&["LRANGE", "gone", "0", "-1"]));
    let c3 = block(server, &mut ctl, 1, &["BZPOPMIN", "zgone", "0"]);
    drop(c3);
    wait_blocked(&mut ctl, 0);
    t.push(ctl.cmd(&["ZADD", "zgone", "1", "m"]));
    t.push(ctl.cmd(&["ZCARD", "zgone"]));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn f_disconnected_waiter_is_forgotten() {
    compare(
        "disconnect",
        disconnect,
        &[
            (0, ":2\\r\\n"),
            (1, "c2 *2\\r\\n$4\\r\\ngone\\r\\n$1\\r\\na\\r\\n"),
            (2, "*1\\r\\n$1\\r\\nb\\r\\n"),
            (4, ":1\\r\\n"),
        ],
    );
}

// ----- (g) sorted-set and multi-pop blocking commands ------------------------

fn zset_and_mpop(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    let mut c1 = block(server, &mut ctl, 1, &["BZPOPMIN", "z", "zz", "0"]);
    let mut c2 = block(server, &mut ctl, 2, &["BZPOPMAX", "zz", "z", "0"]);
    t.push(ctl.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]));
    t.push(format!("c1 {}", c1.reply()));
    t.push(format!("c2 {}", c2.reply()));
    t.push(ctl.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]));
    let mut c3 = block(
        server,
        &mut ctl,
        1,
        &["BZMPOP", "0", "2", "z1", "z2", "MIN", "COUNT", "2"],
    );
    t.push(ctl.cmd(&["ZADD", "z2", "1.5", "x", "2", "y", "3", "w"]));
    t.push(format!("c3 {}", c3.reply()));
    t.push(c3.cmd(&["BZMPOP", "0", "2", "z1", "z2", "MAX"]));
    t.push(c3.cmd(&["BZMPOP", "0.05", "2", "z1", "z2", "MAX", "COUNT", "3"]));
    let mut c4 = block(
        server,
        &mut ctl,
        1,
        &["BLMPOP", "0", "2", "l1", "l2", "RIGHT", "COUNT", "5"],
    );
    t.push(ctl.cmd(&["RPUSH", "l2", "a", "b", "c"]));
    t.push(format!("c4 {}", c4.reply()));
    t.push(c4.cmd(&["EXISTS", "l2"]));
    let mut c5 = block(server, &mut ctl, 1, &["BLMPOP", "0", "1", "l1", "LEFT"]);
    t.push(ctl.cmd(&["LPUSH", "l1", "p", "q"]));
    t.push(format!("c5 {}", c5.reply()));
    // a key of the wrong type does not serve a waiter; it is skipped
    let mut c6 = block(server, &mut ctl, 1, &["BZPOPMIN", "wt", "0"]);
    t.push(ctl.cmd(&["SET", "wt", "str"]));
    t.push(format!("c6 {}", c6.still_blocked()));
    t.push(ctl.cmd(&["DEL", "wt"]));
    t.push(ctl.cmd(&["ZADD", "wt", "5", "five"]));
    t.push(format!("c6 {}", c6.reply()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn g_zset_and_multi_pop_waiters() {
    compare(
        "zset_and_mpop",
        zset_and_mpop,
        &[
            (
                1,
                "c1 *3\\r\\n$1\\r\\nz\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n",
            ),
            (
                2,
                "c2 *3\\r\\n$1\\r\\nz\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n",
            ),
        ],
    );
}

// ----- (h) INFO blocked_clients ---------------------------------------------

fn blocked_counts(server: &Server) -> Transcript {
    let mut t = Transcript::new();
    let mut ctl = flushed(server);
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    let mut cs = Vec::new();
    for (i, args) in [
        &["BLPOP", "h1", "0"][..],
        &["BRPOP", "h1", "h2", "0"][..],
        &["BZPOPMIN", "hz", "0"][..],
        &["BLMOVE", "h3", "h1", "LEFT", "LEFT", "0"][..],
    ]
    .into_iter()
    .enumerate()
    {
        cs.push(block(server, &mut ctl, i as i64 + 1, args));
        t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    }
    t.push(ctl.cmd(&["RPUSH", "h1", "x"]));
    t.push(format!("c0 {}", cs[0].reply()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t.push(ctl.cmd(&["ZADD", "hz", "1", "m"]));
    t.push(format!("c2 {}", cs[2].reply()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    // the BLMOVE pushes into h1, which serves the BRPOP
    t.push(ctl.cmd(&["RPUSH", "h3", "y"]));
    t.push(format!("c3 {}", cs[3].reply()));
    t.push(format!("c1 {}", cs[1].reply()));
    t.push(format!("blocked {}", blocked_clients(&mut ctl)));
    t
}

#[test]
fn h_blocked_clients_counter() {
    compare(
        "blocked_counts",
        blocked_counts,
        &[
            (0, "blocked 0"),
            (4, "blocked 4"),
            (7, "blocked 3"),
            (10, "blocked 2"),
            (13, "c1 *2\\r\\n$2\\r\\nh1\\r\\n$1\\r\\ny\\r\\n"),
            (14, "blocked 0"),
        ],
    );
}
