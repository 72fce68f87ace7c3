//! Integration tests of the server as a whole, against the real binary:
//! start-up (arguments, config files, fatal config errors, log format,
//! pidfile, `dir`, daemonize), stopping (signals, SHUTDOWN), connections
//! (AUTH, HELLO, SELECT, inline and pipelined requests, protocol errors and
//! limits, maxclients, idle timeout), CLIENT, INFO, CONFIG, COMMAND,
//! SLOWLOG, DEBUG, TIME, binary-safe keys and cross-shard MSET atomicity.
//!
//! Where Redis' behaviour is the specification, the same bytes are sent to a
//! real redis-server (`REDIS_SERVER_BIN`, default /usr/bin/redis-server) and
//! the replies compared byte for byte; without one those comparisons are
//! skipped (with a note on stderr) and only shardis' own checks run.
//!
//! Every loop is bounded in count and time, everything listens on
//! 127.0.0.1, and timeouts are generous: the tests must pass on a loaded
//! two-core machine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{
    encode_command, escape, escape_trunc, free_port, parse_reply, redis_available, redis_bin,
    shardis_bin, start_redis, start_shardis, unique_temp_dir, RawConn, Reply, Server,
};

/// How long a process has to exit after being asked to.
const EXIT_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A reference redis-server with `args`, or `None` (and a note) when there
/// is none installed.
fn redis_opt(args: &[&str]) -> Option<Server> {
    if redis_available() {
        Some(start_redis(args))
    } else {
        eprintln!(
            "note: no redis-server at {}; skipping the comparison with redis",
            redis_bin().display()
        );
        None
    }
}

/// Parse an integer reply's bytes.
fn int_of(reply: &[u8]) -> i64 {
    match parse_reply(reply) {
        Ok(Reply::Int(i)) => i,
        other => panic!(
            "expected an integer reply, got {other:?} ({})",
            escape(reply)
        ),
    }
}

/// The text of a bulk (or verbatim) string reply.
fn text_of(reply: &[u8]) -> String {
    match parse_reply(reply) {
        Ok(Reply::Bulk(b)) => String::from_utf8_lossy(&b).into_owned(),
        // RESP3 verbatim string: "txt:" prefix.
        Ok(Reply::Other(b'=', b)) => String::from_utf8_lossy(&b[4..]).into_owned(),
        other => panic!("expected a bulk reply, got {other:?}"),
    }
}

const MARKER_CMD: &[u8] = b"*2\r\n$4\r\nECHO\r\n$12\r\n__marker__42\r\n";
const MARKER_REPLY: &[u8] = b"$12\r\n__marker__42\r\n";

/// Send `input` followed by an ECHO marker on a fresh connection and
/// return everything the server answered before the marker's reply, as one
/// byte string. If the server closes the connection instead, what came
/// before the close is returned followed by `<EOF>`.
fn replies_to(port: u16, input: &[u8]) -> Vec<u8> {
    let mut c = RawConn::connect(port).expect("connect");
    replies_on(&mut c, input)
}

fn replies_on(c: &mut RawConn, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    data.extend_from_slice(MARKER_CMD);
    // A server that closes the connection early may make the write fail.
    let _ = c.try_send(&data);
    let mut out = Vec::new();
    for _ in 0..100_000 {
        match c.try_read_reply() {
            Ok(r) if r == MARKER_REPLY => return out,
            Ok(r) => out.extend_from_slice(&r),
            Err(e)
                if e.kind() == ErrorKind::UnexpectedEof
                    || e.kind() == ErrorKind::ConnectionReset =>
            {
                out.extend_from_slice(c.pending());
                out.extend_from_slice(b"<EOF>");
                return out;
            }
            Err(e) => panic!("reading replies to {}: {e}", escape_trunc(input, 200)),
        }
    }
    panic!("too many replies to {}", escape_trunc(input, 200));
}

/// Sends the same bytes to shardis and to redis (when there is one) on
/// fresh connections; the replies must be identical. Returns shardis'.
fn same_as_redis(ours: &Server, redis: Option<&Server>, input: &[u8]) -> Vec<u8> {
    let got = replies_to(ours.port, input);
    if let Some(r) = redis {
        let want = replies_to(r.port, input);
        assert_eq!(
            escape(&got),
            escape(&want),
            "shardis and redis answer differently to {}",
            escape_trunc(input, 300)
        );
    }
    got
}

/// Reads from `s` until the peer closes the connection; panics after
/// `limit`. Returns what was read.
fn read_until_eof(s: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let deadline = Instant::now() + limit;
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return out,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(e) => panic!("read: {e}"),
        }
        assert!(
            Instant::now() < deadline,
            "connection still open after {limit:?}; read so far: {}",
            escape_trunc(&out, 200)
        );
    }
}

/// Whether the server closed `c`'s connection within `limit` (reading and
/// discarding what comes before the close).
fn closed_within(c: &RawConn, limit: Duration) -> bool {
    let mut s = c.stream().try_clone().unwrap();
    let deadline = Instant::now() + limit;
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

/// A reply as compact readable text (for messages).
fn show(r: &Reply) -> String {
    let list = |v: &[Reply]| v.iter().map(show).collect::<Vec<_>>().join(", ");
    match r {
        Reply::Simple(b) => format!("+{}", escape(b)),
        Reply::Error(b) => format!("-{}", escape(b)),
        Reply::Int(i) => i.to_string(),
        Reply::Bulk(b) => format!("\"{}\"", escape(b)),
        Reply::Nil => "nil".to_string(),
        Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => format!("[{}]", list(v)),
        Reply::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Reply::Other(t, b) => format!("{}{}", *t as char, escape(b)),
    }
}

/// `INFO` text as (section name → field name → value), in order.
fn info_fields(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(name) = line.strip_prefix("# ") {
            section = name.to_string();
            out.entry(section.clone()).or_default();
        } else if let Some((k, v)) = line.split_once(':') {
            out.entry(section.clone())
                .or_default()
                .insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn info(port: u16, section: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut c = RawConn::connect(port).unwrap();
    let r = if section.is_empty() {
        c.cmd(&["INFO"])
    } else {
        c.cmd(&["INFO", section])
    };
    info_fields(&text_of(&r))
}

fn info_field(port: u16, section: &str, field: &str) -> String {
    let all = info(port, section);
    for fields in all.values() {
        if let Some(v) = fields.get(field) {
            return v.clone();
        }
    }
    panic!("INFO {section} has no field {field}");
}

/// Polls `f` every 50 ms until it is true; false after `limit`.
fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for a child to exit; `None` after `limit`.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` names a live (not zombie) process.
fn pid_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => match s.rfind(')') {
            Some(i) => !matches!(
                s[i + 1..].trim_start().chars().next(),
                Some('Z') | Some('X')
            ),
            None => true,
        },
        Err(_) => false,
    }
}

fn send_signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) on a pid this test started (a child, or the daemon
    // whose pid it read from the pidfile it told the server to write).
    unsafe {
        libc::kill(pid, sig);
    }
}

/// One PING on a fresh connection.
fn pings(port: u16) -> bool {
    let Ok(mut c) = RawConn::connect(port) else {
        return false;
    };
    c.stream()
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    if c.try_send(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    matches!(c.try_read_reply(), Ok(r) if r == b"+PONG\r\n")
}

/// A server process started by the test itself (not through the harness),
/// with its stdout and stderr captured to files in `dir`. Dropping it kills
/// the process and removes `dir`.
struct Direct {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Direct {
    /// Starts `bin` with `args` in `cwd` (the caller's temporary `dir`).
    fn spawn(bin: &Path, args: &[String], dir: PathBuf, cwd: &Path, port: u16) -> Direct {
        let stdout = std::fs::File::create(dir.join("stdout.txt")).unwrap();
        let stderr = std::fs::File::create(dir.join("stderr.txt")).unwrap();
        let child = Command::new(bin)
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        Direct { child, dir, port }
    }

    fn output(&self) -> String {
        let mut s = String::new();
        for f in ["stdout.txt", "stderr.txt"] {
            s.push_str(&std::fs::read_to_string(self.dir.join(f)).unwrap_or_default());
        }
        s
    }

    fn wait_ping(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pings(self.port) {
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("server exited with {st}:\n{}", self.output());
            }
            assert!(Instant::now() < deadline, "no PONG:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(30));
        }
    }
}

impl Drop for Direct {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            send_signal(self.child.id() as i32, libc::SIGTERM);
            if wait_exit(&mut self.child, Duration::from_secs(5)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A temporary directory removed when dropped (also when a test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        TempDir(unique_temp_dir(prefix))
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("SHARDIS_TEST_KEEP_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Kills a daemon (not our child) by pid when dropped, if still alive.
struct PidGuard(i32);

impl Drop for PidGuard {
    fn drop(&mut self) {
        if self.0 > 0 && pid_alive(self.0) {
            send_signal(self.0, libc::SIGKILL);
        }
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// Whether a log line is `pid:M dd Mon yyyy hh:mm:ss.mmm <level> <msg>` with
/// exactly that level character and message (Redis' log format).
fn is_log_line(line: &str, level: char, msg: &str) -> bool {
    let Some((pid, rest)) = line.split_once(':') else {
        return false;
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // '9': a digit, '@': a letter; the rest is literal.
    let shape = format!("M 99 @@@ 9999 99:99:99.999 {level} {msg}");
    rest.len() == shape.len()
        && rest.bytes().zip(shape.bytes()).all(|(c, p)| match p {
            b'9' => c.is_ascii_digit(),
            b'@' => c.is_ascii_alphabetic(),
            _ => c == p,
        })
}

// ---------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------

#[test]
fn starts_with_only_port_bind_and_dir() {
    let dir = unique_temp_dir("shardis-it-bare");
    let port = free_port();
    let args = vec![
        s("--port"),
        port.to_string(),
        s("--bind"),
        s("127.0.0.1"),
        s("--dir"),
        dir.to_string_lossy().into_owned(),
    ];
    let mut d = Direct::spawn(&shardis_bin(), &args, dir.clone(), &dir, port);
    d.wait_ping();
    let mut c = RawConn::connect(port).unwrap();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(c.cmd(&["ECHO", "hi"]), b"$2\r\nhi\r\n");
    // Without a logfile the log goes to standard output.
    assert!(
        eventually(Duration::from_secs(5), || d
            .output()
            .contains("Ready to accept connections")),
        "no ready line on stdout:\n{}",
        d.output()
    );
}

#[test]
fn config_file_with_port_override() {
    let confdir = TempDir::new("shardis-it-conf");
    let conf = confdir.join("test.conf");
    // The file's port is overridden by --port on the command line (the
    // harness adds it); the other directives apply.
    std::fs::write(
        &conf,
        "# a test config\nport 1\nmaxmemory 3mb\nhz 20\ndatabases 4\n",
    )
    .unwrap();
    let conf_s = conf.to_string_lossy().into_owned();
    let srv = start_shardis(&[&conf_s]);
    let mut c = srv.raw();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "port"]),
        format!(
            "*2\r\n$4\r\nport\r\n${}\r\n{}\r\n",
            srv.port.to_string().len(),
            srv.port
        )
        .as_bytes()
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxmemory"]),
        b"*2\r\n$9\r\nmaxmemory\r\n$7\r\n3145728\r\n"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "hz"]),
        b"*2\r\n$2\r\nhz\r\n$2\r\n20\r\n"
    );
    assert_eq!(c.cmd(&["SELECT", "3"]), b"+OK\r\n");
    assert_eq!(
        c.cmd(&["SELECT", "4"]),
        b"-ERR DB index is out of range\r\n"
    );
    assert_eq!(
        text_of(&c.cmd(&["INFO", "server"]))
            .lines()
            .find(|l| l.starts_with("config_file:"))
            .map(|l| l.trim_end().to_string()),
        Some(format!("config_file:{}", conf.display()))
    );
    drop(srv);
}

/// Runs `bin` with `args` in `cwd`, waits for it to exit, returns its exit
/// status and stdout+stderr.
fn run_to_exit(bin: &Path, args: &[String], cwd: &Path) -> (ExitStatus, String) {
    let out_path = cwd.join("run-stdout.txt");
    let err_path = cwd.join("run-stderr.txt");
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let st = match wait_exit(&mut child, EXIT_TIMEOUT) {
        Some(st) => st,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} {:?} did not exit", bin.display(), args);
        }
    };
    let mut text = std::fs::read_to_string(&out_path).unwrap_or_default();
    text.push_str(&std::fs::read_to_string(&err_path).unwrap_or_default());
    (st, text)
}

/// The FATAL CONFIG FILE ERROR block, without its first line (which names
/// the version).
fn fatal_block(out: &str) -> Vec<String> {
    let lines: Vec<&str> = out.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("*** FATAL CONFIG FILE ERROR ("))
        .unwrap_or_else(|| panic!("no FATAL CONFIG FILE ERROR block in:\n{out}"));
    assert!(lines[start].ends_with(") ***"), "{}", lines[start]);
    lines[start + 1..]
        .iter()
        .map(|l| l.to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bad_config_file_is_fatal() {
    let dir = TempDir::new("shardis-it-badconf");
    let conf = dir.join("bad.conf");
    std::fs::write(&conf, "# comment\nport 7777\nfoobar yes\nmaxmemory 1mb\n").unwrap();
    let args = vec![conf.to_string_lossy().into_owned()];
    let (st, out) = run_to_exit(&shardis_bin(), &args, &dir);
    assert!(!st.success(), "exit status {st} for a bad config file");
    let block = fatal_block(&out);
    assert_eq!(
        block,
        vec![
            s("Reading the configuration file, at line 3"),
            s(">>> 'foobar yes'"),
            s("Bad directive or wrong number of arguments"),
        ],
        "{out}"
    );
    // An unknown option on the command line is reported the same way.
    let (st2, out2) = run_to_exit(&shardis_bin(), &[s("--foo"), s("bar")], &dir);
    assert!(!st2.success());
    let block2 = fatal_block(&out2);
    if redis_available() {
        let (rst, rout) = run_to_exit(&redis_bin(), &args, &dir);
        assert!(!rst.success());
        assert_eq!(block, fatal_block(&rout));
        let (_, rout2) = run_to_exit(&redis_bin(), &[s("--foo"), s("bar")], &dir);
        assert_eq!(block2, fatal_block(&rout2));
    }
}

#[test]
fn log_has_redis_format() {
    let srv = start_shardis(&[]);
    let ok = eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(srv.logfile())
            .unwrap_or_default()
            .lines()
            .any(|l| is_log_line(l, '*', "Ready to accept connections tcp"))
    });
    assert!(ok, "no ready line in the log:\n{}", srv.log_tail(20));
    // Every line of the log has the same shape.
    let log = std::fs::read_to_string(srv.logfile()).unwrap();
    for l in log.lines().filter(|l| l.contains(":M ")) {
        let (_, rest) = l.split_once(':').unwrap();
        let level = rest.as_bytes().get(27).copied().unwrap_or(b'?');
        assert!(
            b".-*#".contains(&level) && is_log_line(l, level as char, &rest[29.min(rest.len())..]),
            "badly formed log line: {l:?}"
        );
    }
}

#[test]
fn pidfile_written_and_removed() {
    let mut srv = start_shardis(&["--pidfile", "shardis-test.pid"]);
    let pidfile = srv.dir.join("shardis-test.pid");
    assert!(
        eventually(Duration::from_secs(5), || pidfile.exists()),
        "no pidfile at {}",
        pidfile.display()
    );
    let text = std::fs::read_to_string(&pidfile).unwrap();
    assert_eq!(text.trim(), srv.pid.to_string());
    srv.stop();
    assert!(!pidfile.exists(), "pidfile left behind after shutdown");
    assert!(srv.log_tail(10).contains("Removing the pid file."));
}

/// (Redis 7.0 ignores the failure silently; 7.2 logs this warning.)
#[test]
fn unwritable_pidfile_is_only_a_warning() {
    let srv = start_shardis(&["--pidfile", "/nonexistent-shardis-dir/x/y.pid"]);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let log = std::fs::read_to_string(srv.logfile()).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains(" # Failed to write PID file: ")),
        "no warning in:\n{log}"
    );
}

/// Starts `bin` in a fresh directory with `--dir sub` (relative) and
/// relative pidfile and logfile names; both must land in `sub`, and the
/// process' working directory must be `sub`.
fn check_relative_dir(bin: &Path) {
    let top = unique_temp_dir("shardis-it-reldir");
    std::fs::create_dir(top.join("sub")).unwrap();
    let port = free_port();
    let args = vec![
        s("--port"),
        port.to_string(),
        s("--bind"),
        s("127.0.0.1"),
        s("--save"),
        s(""),
        s("--dir"),
        s("sub"),
        s("--pidfile"),
        s("p.pid"),
        s("--logfile"),
        s("l.log"),
    ];
    let mut d = Direct::spawn(bin, &args, top.clone(), &top, port);
    d.wait_ping();
    let sub = top.join("sub").canonicalize().unwrap();
    let mut c = RawConn::connect(port).unwrap();
    let want_dir = sub.to_string_lossy().into_owned();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "dir"]),
        encode_resp_pair("dir", &want_dir),
        "{}",
        bin.display()
    );
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", d.child.id())).unwrap();
    assert_eq!(cwd, sub);
    assert!(sub.join("p.pid").exists(), "no pidfile in dir");
    assert!(
        eventually(Duration::from_secs(5), || std::fs::read_to_string(
            sub.join("l.log")
        )
        .unwrap_or_default()
        .contains("Ready to accept connections")),
        "{}: log not written in dir",
        bin.display()
    );
    assert!(!top.join("l.log").exists(), "log written outside dir");
    drop(d);
}

fn encode_resp_pair(k: &str, v: &str) -> Vec<u8> {
    format!("*2\r\n${}\r\n{}\r\n${}\r\n{}\r\n", k.len(), k, v.len(), v).into_bytes()
}

#[test]
fn relative_dir_is_entered() {
    check_relative_dir(&shardis_bin());
    if redis_available() {
        check_relative_dir(&redis_bin());
    }
}

#[test]
fn daemonize_yes() {
    let dir = TempDir::new("shardis-it-daemon");
    let port = free_port();
    let pidfile = dir.join("daemon.pid");
    let args = vec![
        s("--port"),
        port.to_string(),
        s("--bind"),
        s("127.0.0.1"),
        s("--save"),
        s(""),
        s("--dir"),
        dir.to_string_lossy().into_owned(),
        s("--daemonize"),
        s("yes"),
        s("--pidfile"),
        pidfile.to_string_lossy().into_owned(),
        s("--logfile"),
        dir.join("daemon.log").to_string_lossy().into_owned(),
    ];
    let mut parent = Command::new(shardis_bin())
        .args(&args)
        .current_dir(&*dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let parent_pid = parent.id() as i32;
    let st = wait_exit(&mut parent, EXIT_TIMEOUT).expect("the parent process did not exit");
    assert!(st.success(), "parent exited with {st}");
    assert!(
        eventually(Duration::from_secs(10), || std::fs::read_to_string(
            &pidfile
        )
        .map(|t| t.trim().parse::<i32>().is_ok())
        .unwrap_or(false)),
        "no pidfile written by the daemon"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _guard = PidGuard(pid);
    assert_ne!(pid, parent_pid, "the pidfile holds the parent's pid");
    assert!(pid_alive(pid));
    assert!(
        eventually(Duration::from_secs(15), || pings(port)),
        "the daemon does not answer"
    );
    let mut c = RawConn::connect(port).unwrap();
    assert_eq!(c.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "k"]), b"$1\r\nv\r\n");
    assert_eq!(
        info_field(port, "server", "process_id"),
        pid.to_string(),
        "INFO process_id"
    );
    send_signal(pid, libc::SIGTERM);
    assert!(
        eventually(EXIT_TIMEOUT, || !pid_alive(pid)),
        "the daemon did not stop on SIGTERM"
    );
    assert!(
        eventually(Duration::from_secs(5), || !pidfile.exists()),
        "pidfile left behind"
    );
}

// ---------------------------------------------------------------------------
// Stopping
// ---------------------------------------------------------------------------

fn check_signal_stops(sig: libc::c_int, name: &str) {
    let mut srv = start_shardis(&["--threads", "2"]);
    // A connected client must not hold the shutdown up.
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let t = Instant::now();
    send_signal(srv.pid as i32, sig);
    assert!(
        eventually(EXIT_TIMEOUT, || !srv.is_running()),
        "still running {:?} after {name}",
        EXIT_TIMEOUT
    );
    eprintln!("{name}: stopped in {:?}", t.elapsed());
    let log = std::fs::read_to_string(srv.logfile()).unwrap();
    assert!(
        log.lines().any(|l| is_log_line(
            l,
            '#',
            &format!("Received {name} scheduling shutdown...")
        )),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| is_log_line(l, '#', "User requested shutdown...")),
        "{log}"
    );
    assert!(closed_within(&c, Duration::from_secs(5)));
}

#[test]
fn sigterm_stops_the_server() {
    check_signal_stops(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_stops_the_server() {
    check_signal_stops(libc::SIGINT, "SIGINT");
}

fn check_shutdown_nosave(srv: &mut Server) {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    let mut st = c.stream().try_clone().unwrap();
    let got = read_until_eof(&mut st, EXIT_TIMEOUT);
    assert_eq!(escape(&got), "", "{}: SHUTDOWN NOSAVE replied", srv.role);
    assert!(
        eventually(EXIT_TIMEOUT, || !srv.is_running()),
        "{}: the process did not exit",
        srv.role
    );
    assert!(
        !srv.dir.join("dump.rdb").exists(),
        "{}: SHUTDOWN NOSAVE saved",
        srv.role
    );
}

#[test]
fn shutdown_nosave_closes_and_exits() {
    let mut srv = start_shardis(&["--threads", "2"]);
    check_shutdown_nosave(&mut srv);
    if let Some(mut r) = redis_opt(&[]) {
        check_shutdown_nosave(&mut r);
    }
    // Illegal option combinations do not stop the server.
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    same_as_redis(
        &srv,
        r.as_ref(),
        b"SHUTDOWN NOSAVE SAVE\r\nSHUTDOWN ABORT NOW\r\nSHUTDOWN ABORT\r\nSHUTDOWN FOO\r\nPING\r\n",
    );
}

// ---------------------------------------------------------------------------
// Connections: AUTH, HELLO, SELECT, errors
// ---------------------------------------------------------------------------

#[test]
fn requirepass() {
    // Set at run time: the harness' start-up PING must not need AUTH.
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let r = r.as_ref();
    for s in std::iter::once(&srv).chain(r) {
        let mut c = s.raw();
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "requirepass", "s3cret"]),
            b"+OK\r\n"
        );
        // A client connected before keeps its rights.
        assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    }
    // Before AUTH: NOAUTH; wrong passwords: WRONGPASS; then OK.
    let got = same_as_redis(
        &srv,
        r,
        &[
            encode_command(&["GET", "k"]),
            encode_command(&["SET", "k", "v"]),
            encode_command(&["PING"]),
            encode_command(&["AUTH", "wrong"]),
            encode_command(&["AUTH", "default", "wrong"]),
            encode_command(&["AUTH", "nobody", "s3cret"]),
            encode_command(&["AUTH", "a", "b", "c"]),
            encode_command(&["HELLO", "3"]),
            encode_command(&["AUTH", "s3cret"]),
            encode_command(&["SET", "k", "v"]),
            encode_command(&["GET", "k"]),
        ]
        .concat(),
    );
    let got = String::from_utf8(got).unwrap();
    assert!(got.starts_with(
        "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n\
         -WRONGPASS invalid username-password pair or user is disabled.\r\n\
         -WRONGPASS invalid username-password pair or user is disabled.\r\n\
         -WRONGPASS invalid username-password pair or user is disabled.\r\n"
    ), "{got:?}");
    assert!(got.ends_with("+OK\r\n+OK\r\n$1\r\nv\r\n"), "{got:?}");
    // AUTH with the user name.
    assert_eq!(
        replies_to(srv.port, &encode_command(&["AUTH", "default", "s3cret"])),
        b"+OK\r\n"
    );
    // HELLO 3 AUTH default <pass>: authenticated and in RESP3 at once.
    for s in std::iter::once(&srv).chain(r) {
        let mut c = s.raw();
        let hello = c.cmd(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "me"]);
        assert!(
            hello.starts_with(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"),
            "{}",
            escape(&hello)
        );
        assert_eq!(c.cmd(&["GET", "nosuchkey"]), b"_\r\n", "{}", s.role);
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), b"$2\r\nme\r\n");
        // Wrong password in HELLO: WRONGPASS, still unauthenticated.
        let mut c2 = s.raw();
        assert_eq!(
            c2.cmd(&["HELLO", "3", "AUTH", "default", "nope"]),
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(
            c2.cmd(&["GET", "k"]),
            b"-NOAUTH Authentication required.\r\n"
        );
    }
}

#[test]
fn requirepass_from_the_command_line() {
    let dir = unique_temp_dir("shardis-it-pass");
    let port = free_port();
    let args = vec![
        s("--port"),
        port.to_string(),
        s("--bind"),
        s("127.0.0.1"),
        s("--save"),
        s(""),
        s("--dir"),
        dir.to_string_lossy().into_owned(),
        s("--requirepass"),
        s("pw"),
    ];
    let d = Direct::spawn(&shardis_bin(), &args, dir.clone(), &dir, port);
    let ready = eventually(Duration::from_secs(20), || {
        let Ok(mut c) = RawConn::connect(port) else {
            return false;
        };
        c.cmd(&["PING"]) == b"-NOAUTH Authentication required.\r\n"
    });
    assert!(ready, "no NOAUTH answer:\n{}", d.output());
    let mut c = RawConn::connect(port).unwrap();
    assert_eq!(c.cmd(&["AUTH", "pw"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    // SHUTDOWN is allowed before AUTH in name only: it answers NOAUTH.
    let mut c2 = RawConn::connect(port).unwrap();
    assert_eq!(
        c2.cmd(&["SHUTDOWN"]),
        b"-NOAUTH Authentication required.\r\n"
    );
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}

/// Redis 7 caps what a client that has not authenticated yet may send
/// (CVE-2021-32675): more than 10 arguments or a bulk over 16 KB closes the
/// connection with a protocol error.
#[test]
fn unauthenticated_request_limits() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    for s in std::iter::once(&srv).chain(r.as_ref()) {
        s.raw().cmd(&["CONFIG", "SET", "requirepass", "pw"]);
        for (input, what) in [
            (&b"*11\r\n"[..], "unauthenticated multibulk length"),
            (&b"*1\r\n$16385\r\n"[..], "unauthenticated bulk length"),
        ] {
            let mut c = s.raw();
            c.send(input);
            let mut st = c.stream().try_clone().unwrap();
            let got = read_until_eof(&mut st, Duration::from_secs(15));
            assert_eq!(
                escape(&got),
                escape(format!("-ERR Protocol error: {what}\r\n").as_bytes()),
                "{}",
                s.role
            );
        }
    }
}

/// Redis accepts multibulk counts up to INT_MAX (a 2M-argument MSET is
/// legal), and so does shardis.
#[test]
fn multibulk_count_over_a_million_is_accepted() {
    let srv = start_shardis(&[]);
    let mut c = srv.raw();
    c.send(b"*2000000\r\n");
    c.stream()
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    match c.try_read_reply() {
        Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
        other => panic!("a 2M-argument request was refused: {other:?}"),
    }
}

/// The HELLO reply with the client id replaced by 0.
fn hello_without_id(reply: &[u8]) -> Reply {
    let mut r = parse_reply(reply).unwrap();
    let items: &mut Vec<(Reply, Reply)> = match &mut r {
        Reply::Map(m) => m,
        _ => panic!("HELLO 3 did not answer a map: {}", escape(reply)),
    };
    for (k, v) in items.iter_mut() {
        if *k == Reply::Bulk(b"id".to_vec()) {
            assert!(matches!(v, Reply::Int(i) if *i > 0));
            *v = Reply::Int(0);
        }
    }
    r
}

#[test]
fn hello_switches_protocol() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let mut c = srv.raw();
    let id = int_of(&c.cmd(&["CLIENT", "ID"]));
    let h3 = c.cmd(&["HELLO", "3"]);
    assert!(h3.starts_with(b"%7\r\n"), "{}", escape(&h3));
    let want = format!(
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n\
         $2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n\
         $7\r\nmodules\r\n*0\r\n"
    );
    assert_eq!(escape(&h3), escape(want.as_bytes()));
    // RESP3 replies from now on: null, map.
    assert_eq!(c.cmd(&["GET", "missing"]), b"_\r\n");
    assert!(c
        .cmd(&["CONFIG", "GET", "maxmemory"])
        .starts_with(b"%1\r\n"));
    // Unsupported versions.
    assert_eq!(
        c.cmd(&["HELLO", "4"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
    assert_eq!(
        c.cmd(&["HELLO", "1"]),
        b"-NOPROTO unsupported protocol version\r\n"
    );
    // Still RESP3 after the failed HELLO; HELLO 2 goes back.
    assert_eq!(c.cmd(&["GET", "missing"]), b"_\r\n");
    let h2 = c.cmd(&["HELLO", "2"]);
    assert!(h2.starts_with(b"*14\r\n"), "{}", escape(&h2));
    assert_eq!(c.cmd(&["GET", "missing"]), b"$-1\r\n");
    if let Some(r) = &r {
        let mut rc = r.raw();
        assert_eq!(
            hello_without_id(&h3),
            hello_without_id(&rc.cmd(&["HELLO", "3"]))
        );
        assert_eq!(
            rc.cmd(&["HELLO", "4"]),
            b"-NOPROTO unsupported protocol version\r\n"
        );
    }
    same_as_redis(
        &srv,
        r.as_ref(),
        b"HELLO 4\r\nHELLO x\r\nHELLO 3 foo\r\nHELLO 3 AUTH default\r\nHELLO 3 SETNAME\r\n",
    );
}

#[test]
fn select_out_of_range() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let got = same_as_redis(
        &srv,
        r.as_ref(),
        b"SELECT 16\r\nSELECT -1\r\nSELECT x\r\nSELECT 99999999999999999999\r\nSELECT 15\r\nSELECT 0\r\nSELECT\r\nSELECT 1 2\r\n",
    );
    assert!(got.starts_with(b"-ERR DB index is out of range\r\n"));
    // Databases are separate.
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "k", "db0"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SELECT", "15"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "k"]), b"$-1\r\n");
    assert_eq!(c.cmd(&["SELECT", "0"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "k"]), b"$3\r\ndb0\r\n");
}

#[test]
fn unknown_command_and_arity_texts_match_redis() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let long = "a".repeat(200);
    let many: Vec<String> = (0..60).map(|i| format!("x{i}")).collect();
    let mut cases: Vec<Vec<Vec<u8>>> = vec![
        vec![b"foo".to_vec()],
        vec![b"foo".to_vec(), b"bar".to_vec()],
        vec![b"foo".to_vec(), long.as_bytes().to_vec()],
        vec![
            b"foo".to_vec(),
            vec![b'a'; 100],
            vec![b'b'; 100],
            b"c".to_vec(),
        ],
        vec![b"foo".to_vec(), vec![b'a'; 125], b"b".to_vec()],
        vec![b"foo".to_vec(), vec![b'a'; 120], b"bcdefghijk".to_vec()],
        vec![vec![b'f'; 200], b"a".to_vec()],
        vec![b"foo\r\nbar".to_vec(), b"a\r\nb".to_vec()],
        vec![b"foo".to_vec(), b"a\x00b".to_vec(), b"c".to_vec()],
        vec![b"fo\xffo".to_vec(), b"\xfe".to_vec()],
        vec![b"".to_vec()],
        vec![b"get".to_vec()],
        vec![b"GeT".to_vec(), b"a".to_vec(), b"b".to_vec()],
        vec![b"SET".to_vec(), b"a".to_vec()],
        vec![b"ping".to_vec(), b"a".to_vec(), b"b".to_vec()],
        vec![b"echo".to_vec()],
        vec![b"config".to_vec(), b"get".to_vec()],
        vec![b"config".to_vec(), b"set".to_vec(), b"a".to_vec()],
        vec![b"config".to_vec(), b"nosuch".to_vec()],
        vec![b"client".to_vec(), b"kill".to_vec()],
        vec![b"client".to_vec(), b"setname".to_vec()],
        vec![b"client".to_vec(), b"nosuch".to_vec()],
        vec![b"command".to_vec(), b"count".to_vec(), b"x".to_vec()],
        vec![
            b"slowlog".to_vec(),
            b"get".to_vec(),
            b"1".to_vec(),
            b"2".to_vec(),
        ],
        vec![b"slowlog".to_vec(), b"len".to_vec(), b"x".to_vec()],
        vec![b"time".to_vec(), b"x".to_vec()],
    ];
    let mut m = vec![b"foo".to_vec()];
    m.extend(many.iter().map(|s| s.as_bytes().to_vec()));
    cases.push(m);
    let mut input = Vec::new();
    for c in &cases {
        input.extend_from_slice(&encode_command(c));
    }
    let got = same_as_redis(&srv, r.as_ref(), &input);
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with(
        "-ERR unknown command 'foo', with args beginning with: \r\n\
         -ERR unknown command 'foo', with args beginning with: 'bar' \r\n"
    ));
    assert!(got.contains("-ERR wrong number of arguments for 'get' command\r\n"));
    assert!(got.contains("-ERR wrong number of arguments for 'config|get' command\r\n"));
    // Inline too.
    same_as_redis(&srv, r.as_ref(), b"foo bar baz\r\nget\r\nGET a b\r\n");
}

#[test]
fn inline_commands() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    let got = same_as_redis(
        &srv,
        r.as_ref(),
        b"PING\r\nping hello\r\nSET k \"hello world\"\r\nGET k\r\nSET q 'it''s'\r\n\
          SET e \"a\\x41\\n\\t\\\"\"\r\nGET e\r\nECHO ''\r\n\r\n   \r\nECHO   spaced    out  \r\n\
          PING\nGET k\n\r\nMSET a 1 b 2 c 3\r\nMGET a b c nosuch\r\n",
    );
    assert!(
        got.starts_with(b"+PONG\r\n$5\r\nhello\r\n+OK\r\n$11\r\nhello world\r\n"),
        "{}",
        escape(&got)
    );
    // Inline and multibulk mixed in one write.
    let mut c = srv.raw();
    c.send(b"PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nECHO def\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(c.read_reply(), b"$3\r\nabc\r\n");
    assert_eq!(c.read_reply(), b"$3\r\ndef\r\n");
}

#[test]
fn pipeline_of_10k_commands_in_one_write() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut c = srv.raw();
    let n = 10_000;
    let mut buf = Vec::new();
    for i in 0..n {
        buf.extend_from_slice(&encode_command(&[
            "SET",
            &format!("key:{i}"),
            &format!("value:{i}"),
        ]));
        buf.extend_from_slice(&encode_command(&["GET", &format!("key:{i}")]));
    }
    // Write from another thread: the replies flow back while we write.
    let mut w = c.stream().try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&buf));
    for i in 0..n {
        assert_eq!(c.read_reply(), b"+OK\r\n", "reply to SET #{i}");
        let v = format!("value:{i}");
        assert_eq!(
            c.read_reply(),
            format!("${}\r\n{}\r\n", v.len(), v).as_bytes(),
            "reply to GET #{i}"
        );
    }
    writer.join().unwrap().unwrap();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
}

// ---------------------------------------------------------------------------
// Protocol errors and limits
// ---------------------------------------------------------------------------

#[test]
fn protocol_errors_match_redis_and_close() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"*x\r\n".to_vec(), "invalid multibulk length"),
        (b"*1\r\n$-5\r\n".to_vec(), "invalid bulk length"),
        (b"*1\r\n:1\r\n".to_vec(), "expected '$', got ':'"),
        (b"set \"a b\r\n".to_vec(), "unbalanced quotes in request"),
        (b"set 'a b\r\n".to_vec(), "unbalanced quotes in request"),
        (b"set \"a\"b\r\n".to_vec(), "unbalanced quotes in request"),
        (b"*1\r\n$x\r\n".to_vec(), "invalid bulk length"),
        (b"*3000000000\r\n".to_vec(), "invalid multibulk length"),
        (b"*1\r\n$600000000\r\n".to_vec(), "invalid bulk length"),
        (
            b"*2\r\n$4\r\nECHO\r\n*1\r\n".to_vec(),
            "expected '$', got '*'",
        ),
        (vec![b'A'; 70_000], "too big inline request"),
        (
            [b"*".to_vec(), vec![b'1'; 70_000]].concat(),
            "too big mbulk count string",
        ),
        (
            [b"*1\r\n$".to_vec(), vec![b'1'; 70_000]].concat(),
            "too big bulk count string",
        ),
    ];
    for (input, what) in &cases {
        // A good command first: its reply comes before the error.
        let mut data = b"PING\r\n".to_vec();
        data.extend_from_slice(input);
        for s in std::iter::once(&srv).chain(r.as_ref()) {
            let mut c = s.raw();
            let _ = c.try_send(&data);
            let mut st = c.stream().try_clone().unwrap();
            let got = read_until_eof(&mut st, Duration::from_secs(15));
            let want = format!("+PONG\r\n-ERR Protocol error: {what}\r\n");
            assert_eq!(
                escape(&got),
                escape(want.as_bytes()),
                "{} on {}",
                s.role,
                escape_trunc(input, 60)
            );
        }
    }
    // Not errors: a negative multibulk count, an empty multibulk, a bare
    // `$-5` (an inline command named "$-5"), empty lines.
    same_as_redis(
        &srv,
        r.as_ref(),
        b"*-1\r\n*0\r\n$-5\r\n\r\n\n*1\r\n$0\r\n\r\n",
    );
    // The server keeps serving.
    assert_eq!(srv.raw().cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn proto_max_bulk_len() {
    let srv = start_shardis(&["--proto-max-bulk-len", "1mb"]);
    let r = redis_opt(&["--proto-max-bulk-len", "1mb"]);
    for s in std::iter::once(&srv).chain(r.as_ref()) {
        let mut c = s.raw();
        let ok = vec![b'x'; 1024 * 1024];
        assert_eq!(
            c.cmd(&[b"SET".as_slice(), b"k", &ok]),
            b"+OK\r\n",
            "{}",
            s.role
        );
        assert_eq!(int_of(&c.cmd(&["STRLEN", "k"])), 1024 * 1024);
        let mut c = s.raw();
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n");
        let mut st = c.stream().try_clone().unwrap();
        let got = read_until_eof(&mut st, Duration::from_secs(15));
        assert_eq!(
            escape(&got),
            escape(b"-ERR Protocol error: invalid bulk length\r\n"),
            "{}",
            s.role
        );
        // The limit is a CONFIG SET away; it has a floor of 1mb.
        let mut c = s.raw();
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "2mb"]),
            b"+OK\r\n"
        );
        assert_eq!(
            c.cmd(&[b"SET".as_slice(), b"k2", &vec![b'y'; 1024 * 1024 + 1]]),
            b"+OK\r\n"
        );
    }
    same_as_redis(&srv, r.as_ref(), b"CONFIG SET proto-max-bulk-len 1000\r\n");
}

#[test]
fn client_query_buffer_limit() {
    let srv = start_shardis(&["--client-query-buffer-limit", "1mb", "--threads", "2"]);
    let r = redis_opt(&["--client-query-buffer-limit", "1mb"]);
    for s in std::iter::once(&srv).chain(r.as_ref()) {
        let mut other = s.raw();
        assert_eq!(other.cmd(&["SET", "x", "1"]), b"+OK\r\n");
        let mut c = s.raw();
        // A 10 MB bulk announced, 3 MB of it sent: over the 1 MB limit.
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n");
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < 3 * 1024 * 1024 {
            if c.try_send(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        assert!(
            closed_within(&c, Duration::from_secs(15)),
            "{}: connection over the query buffer limit not closed",
            s.role
        );
        // Others are still served.
        assert_eq!(other.cmd(&["GET", "x"]), b"$1\r\n1\r\n", "{}", s.role);
        assert_eq!(s.raw().cmd(&["PING"]), b"+PONG\r\n");
        if s.role == "shardis" {
            let log = std::fs::read_to_string(s.logfile()).unwrap();
            assert!(
                log.contains("Closing client that reached max query buffer length"),
                "{log}"
            );
        }
    }
}

/// Opens `n` clients and makes each PING, waiting until the server counts
/// exactly them.
fn check_maxclients(srv: &Server) {
    // Wait for the harness' start-up probe to be gone.
    let mut first = srv.raw();
    assert_eq!(first.cmd(&["PING"]), b"+PONG\r\n");
    assert!(
        eventually(Duration::from_secs(10), || {
            let t = text_of(&first.cmd(&["INFO", "clients"]));
            t.contains("connected_clients:1\r\n")
        }),
        "{}: stray clients",
        srv.role
    );
    let mut conns = vec![first];
    for _ in 1..5 {
        let mut c = srv.raw();
        assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n", "{}", srv.role);
        conns.push(c);
    }
    // The sixth one gets an error and is closed.
    let mut sixth = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    let got = read_until_eof(&mut sixth, Duration::from_secs(10));
    assert_eq!(
        escape(&got),
        escape(b"-ERR max number of clients reached\r\n"),
        "{}",
        srv.role
    );
    // The five are fine.
    for c in conns.iter_mut() {
        assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    }
    let rejected: i64 = text_of(&conns[0].cmd(&["INFO", "stats"]))
        .lines()
        .find_map(|l| l.strip_prefix("rejected_connections:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap();
    assert!(
        rejected >= 1,
        "{}: rejected_connections {rejected}",
        srv.role
    );
    // Once one leaves, a new one gets in.
    drop(conns.pop());
    assert!(
        eventually(Duration::from_secs(10), || pings(srv.port)),
        "{}: no room after a client left",
        srv.role
    );
}

#[test]
fn maxclients() {
    let srv = start_shardis(&["--maxclients", "5", "--threads", "2"]);
    check_maxclients(&srv);
    if let Some(r) = redis_opt(&["--maxclients", "5"]) {
        check_maxclients(&r);
    }
}

#[test]
fn idle_timeout_closes_clients() {
    let srv = start_shardis(&["--timeout", "1", "--threads", "2"]);
    let mut idle = srv.raw();
    assert_eq!(idle.cmd(&["PING"]), b"+PONG\r\n");
    let t = Instant::now();
    // A busy client is not closed meanwhile.
    let mut busy = srv.raw();
    let mut st = idle.stream().try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let port = srv.port;
    let pinger = std::thread::spawn(move || {
        let mut n = 0;
        while !stop2.load(Ordering::Relaxed) && n < 200 {
            assert_eq!(
                busy.cmd(&["PING"]),
                b"+PONG\r\n",
                "busy client closed (port {port})"
            );
            std::thread::sleep(Duration::from_millis(100));
            n += 1;
        }
    });
    let got = read_until_eof(&mut st, Duration::from_secs(20));
    let waited = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    pinger.join().unwrap();
    assert_eq!(got, b"", "an idle client got data");
    assert!(
        waited >= Duration::from_millis(900),
        "idle client closed after only {waited:?}"
    );
    eprintln!("idle client closed after {waited:?}");
}

// ---------------------------------------------------------------------------
// CLIENT
// ---------------------------------------------------------------------------

fn client_line_field<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(field).and_then(|v| v.strip_prefix('=')))
}

#[test]
fn client_id_name_list_info() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut conns: Vec<RawConn> = (0..6).map(|_| srv.raw()).collect();
    let ids: Vec<i64> = conns
        .iter_mut()
        .map(|c| int_of(&c.cmd(&["CLIENT", "ID"])))
        .collect();
    let uniq: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(uniq.len(), ids.len(), "duplicate client ids {ids:?}");
    assert!(ids.iter().all(|&id| id > 0), "{ids:?}");
    // A client that connects after another has been served gets a larger id
    // (connections accepted at the same time on different shards may not).
    let mut later = srv.raw();
    let later_id = int_of(&later.cmd(&["CLIENT", "ID"]));
    assert!(
        ids.iter().all(|&id| id < later_id),
        "{ids:?} then {later_id}"
    );
    for (i, c) in conns.iter_mut().enumerate() {
        assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), b"$-1\r\n");
        assert_eq!(
            c.cmd(&["CLIENT", "SETNAME", &format!("conn-{i}")]),
            b"+OK\r\n"
        );
        assert_eq!(
            c.cmd(&["CLIENT", "GETNAME"]),
            format!("${}\r\nconn-{i}\r\n", format!("conn-{i}").len()).as_bytes()
        );
    }
    assert_eq!(
        conns[0].cmd(&["CLIENT", "SETNAME", "a b"]),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    // CLIENT LIST sees every client, whatever its shard.
    let list = text_of(&conns[0].cmd(&["CLIENT", "LIST"]));
    for (i, id) in ids.iter().enumerate() {
        let line = list
            .lines()
            .find(|l| client_line_field(l, "id") == Some(&id.to_string()))
            .unwrap_or_else(|| panic!("client {id} missing from CLIENT LIST:\n{list}"));
        assert_eq!(
            client_line_field(line, "name"),
            Some(format!("conn-{i}").as_str())
        );
        let addr = conns[i].stream().local_addr().unwrap().to_string();
        assert_eq!(client_line_field(line, "addr"), Some(addr.as_str()));
        assert_eq!(
            client_line_field(line, "laddr"),
            Some(format!("127.0.0.1:{}", srv.port).as_str())
        );
    }
    // CLIENT LIST ID filters.
    let one = text_of(&conns[0].cmd(&["CLIENT", "LIST", "ID", &ids[3].to_string()]));
    assert_eq!(one.lines().count(), 1, "{one}");
    assert!(one.starts_with(&format!("id={} ", ids[3])));
    // CLIENT INFO: this client's line.
    let me = text_of(&conns[2].cmd(&["CLIENT", "INFO"]));
    assert_eq!(me.lines().count(), 1);
    assert!(me.starts_with(&format!("id={} addr=", ids[2])), "{me}");
    assert_eq!(client_line_field(me.trim_end(), "name"), Some("conn-2"));
    // The same field names as redis, in the same order.
    if let Some(r) = redis_opt(&[]) {
        let theirs = text_of(&r.raw().cmd(&["CLIENT", "INFO"]));
        let names = |l: &str| -> Vec<String> {
            l.trim_end()
                .split(' ')
                .map(|kv| kv.split('=').next().unwrap().to_string())
                .collect()
        };
        let ours = names(&me);
        let theirs = names(&theirs);
        let missing: Vec<&String> = theirs.iter().filter(|f| !ours.contains(f)).collect();
        assert!(missing.is_empty(), "CLIENT INFO lacks {missing:?}");
    }
}

#[test]
fn client_kill_by_id_and_addr_across_shards() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut killer = srv.raw();
    let mut victims: Vec<RawConn> = (0..8).map(|_| srv.raw()).collect();
    let ids: Vec<i64> = victims
        .iter_mut()
        .map(|c| int_of(&c.cmd(&["CLIENT", "ID"])))
        .collect();
    // By ID (new style): one each.
    for i in 0..4 {
        assert_eq!(
            killer.cmd(&["CLIENT", "KILL", "ID", &ids[i].to_string()]),
            b":1\r\n",
            "kill id {}",
            ids[i]
        );
        assert!(
            closed_within(&victims[i], Duration::from_secs(10)),
            "victim {} still open",
            ids[i]
        );
    }
    // By address, old style (+OK) and new style (:1).
    let addr4 = victims[4].stream().local_addr().unwrap().to_string();
    assert_eq!(killer.cmd(&["CLIENT", "KILL", &addr4]), b"+OK\r\n");
    assert!(closed_within(&victims[4], Duration::from_secs(10)));
    let addr5 = victims[5].stream().local_addr().unwrap().to_string();
    assert_eq!(killer.cmd(&["CLIENT", "KILL", "ADDR", &addr5]), b":1\r\n");
    assert!(closed_within(&victims[5], Duration::from_secs(10)));
    // Killed ones are gone from the list; the others are still served.
    for (i, v) in victims.iter_mut().enumerate().skip(6) {
        assert_eq!(v.cmd(&["PING"]), b"+PONG\r\n", "victim {i}");
    }
    assert!(eventually(Duration::from_secs(10), || {
        let list = text_of(&killer.cmd(&["CLIENT", "LIST"]));
        ids[..6].iter().all(|id| {
            !list
                .lines()
                .any(|l| client_line_field(l, "id") == Some(&id.to_string()))
        })
    }));
    // Nothing to kill; errors as redis.
    let r = redis_opt(&[]);
    same_as_redis(
        &srv,
        r.as_ref(),
        b"CLIENT KILL ID 99999999\r\nCLIENT KILL 1.2.3.4:5\r\nCLIENT KILL ADDR 1.2.3.4:5\r\n\
          CLIENT KILL ID 0\r\nCLIENT KILL ID abc\r\nCLIENT KILL TYPE foo\r\nCLIENT KILL a b\r\n\
          CLIENT KILL\r\nCLIENT KILL SKIPME maybe\r\n",
    );
    // Killing oneself (SKIPME no) answers, then closes.
    let me = int_of(&killer.cmd(&["CLIENT", "ID"]));
    assert_eq!(
        killer.cmd(&["CLIENT", "KILL", "ID", &me.to_string(), "SKIPME", "no"]),
        b":1\r\n"
    );
    assert!(closed_within(&killer, Duration::from_secs(10)));
    assert_eq!(srv.raw().cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn client_reply_modes_match_redis() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let got = same_as_redis(
        &srv,
        r.as_ref(),
        b"CLIENT REPLY OFF\r\nSET a 1\r\nPING\r\nCLIENT REPLY ON\r\nGET a\r\n\
          CLIENT REPLY SKIP\r\nPING 1\r\nPING 2\r\n\
          CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING 3\r\nPING 4\r\nCLIENT REPLY ON\r\nPING 5\r\n\
          CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING 6\r\nCLIENT REPLY foo\r\nCLIENT REPLY\r\n",
    );
    assert!(
        got.starts_with(b"+OK\r\n$1\r\n1\r\n$1\r\n2\r\n+OK\r\n$1\r\n5\r\n"),
        "{}",
        escape(&got)
    );
}

#[test]
fn client_pause_and_unpause() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    for s in std::iter::once(&srv).chain(r.as_ref()) {
        let mut admin = s.raw();
        let mut writer = s.raw();
        let mut reader = s.raw();
        assert_eq!(writer.cmd(&["SET", "k", "before"]), b"+OK\r\n");
        assert_eq!(
            admin.cmd(&["CLIENT", "PAUSE", "20000", "WRITE"]),
            b"+OK\r\n"
        );
        // Reads go on; writes wait.
        assert_eq!(reader.cmd(&["GET", "k"]), b"$6\r\nbefore\r\n", "{}", s.role);
        writer.send_cmd(&["SET", "k", "after"]);
        writer
            .stream()
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        match writer.try_read_reply() {
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {}
            other => panic!(
                "{}: a write ran during CLIENT PAUSE WRITE: {other:?}",
                s.role
            ),
        }
        writer
            .stream()
            .set_read_timeout(Some(common::IO_TIMEOUT))
            .unwrap();
        assert_eq!(reader.cmd(&["GET", "k"]), b"$6\r\nbefore\r\n");
        let t = Instant::now();
        assert_eq!(admin.cmd(&["CLIENT", "UNPAUSE"]), b"+OK\r\n");
        assert_eq!(writer.read_reply(), b"+OK\r\n", "{}", s.role);
        assert!(t.elapsed() < Duration::from_secs(10));
        assert_eq!(reader.cmd(&["GET", "k"]), b"$5\r\nafter\r\n");
        // A short pause ends by itself.
        assert_eq!(admin.cmd(&["CLIENT", "PAUSE", "300"]), b"+OK\r\n");
        let t = Instant::now();
        assert_eq!(writer.cmd(&["SET", "k", "later"]), b"+OK\r\n");
        assert!(
            t.elapsed() >= Duration::from_millis(150),
            "{}: pause ALL ignored",
            s.role
        );
    }
    same_as_redis(
        &srv,
        r.as_ref(),
        b"CLIENT PAUSE x\r\nCLIENT PAUSE -1\r\nCLIENT PAUSE 10 foo\r\nCLIENT PAUSE\r\nCLIENT UNPAUSE\r\nCLIENT UNPAUSE x\r\n",
    );
}

// ---------------------------------------------------------------------------
// INFO, CONFIG, COMMAND, SLOWLOG, DEBUG, TIME
// ---------------------------------------------------------------------------

#[test]
fn info_has_redis_sections_and_fields() {
    let srv = start_shardis(&[]);
    let Some(r) = redis_opt(&[]) else {
        // Without redis: at least the default sections are there.
        let ours = info(srv.port, "");
        for s in [
            "Server",
            "Clients",
            "Memory",
            "Persistence",
            "Stats",
            "Replication",
            "CPU",
            "Keyspace",
        ] {
            assert!(ours.contains_key(s), "INFO lacks # {s}");
        }
        return;
    };
    for section in [
        "",
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "keyspace",
    ] {
        let ours = info(srv.port, section);
        let theirs = info(r.port, section);
        let our_sections: BTreeSet<&String> = ours.keys().collect();
        let their_sections: BTreeSet<&String> = theirs.keys().collect();
        assert_eq!(our_sections, their_sections, "sections of INFO {section}");
        let mut missing = Vec::new();
        let mut extra = Vec::new();
        for (sec, fields) in &theirs {
            for f in fields.keys() {
                if !ours[sec].contains_key(f) {
                    missing.push(format!("{sec}/{f}"));
                }
            }
            for f in ours[sec].keys() {
                if !fields.contains_key(f) {
                    extra.push(format!("{sec}/{f}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "INFO {section}: fields redis has and shardis lacks: {missing:?}"
        );
        if !extra.is_empty() {
            eprintln!("INFO {section}: shardis-only fields: {extra:?}");
        }
    }
    // Values that must agree.
    let ours = info(srv.port, "server");
    assert_eq!(ours["Server"]["redis_version"], "7.0.15");
    assert_eq!(ours["Server"]["tcp_port"], srv.port.to_string());
    assert_eq!(ours["Server"]["process_id"], srv.pid.to_string());
    // After a command: the same commandstats and keyspace shapes.
    for s in [&srv, &r] {
        let mut c = s.raw();
        c.cmd(&["SET", "k", "v"]);
        c.cmd(&["GET", "k"]);
        c.cmd(&["GET", "k", "extra"]);
    }
    let cmd_fields = |port| -> Vec<String> {
        let i = info(port, "commandstats");
        let v = &i["Commandstats"]["cmdstat_get"];
        v.split(',')
            .map(|kv| kv.split('=').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(cmd_fields(srv.port), cmd_fields(r.port));
    let ks = |port| info(port, "keyspace")["Keyspace"]["db0"].clone();
    assert_eq!(ks(srv.port), ks(r.port));
    let es = |port| info(port, "errorstats")["Errorstats"].clone();
    assert_eq!(es(srv.port), es(r.port));
}

#[test]
fn config_get_set_resetstat() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    same_as_redis(
        &srv,
        r.as_ref(),
        b"CONFIG SET maxmemory 10mb\r\nCONFIG GET maxmemory\r\nCONFIG SET timeout 5 maxmemory-policy allkeys-lru\r\n\
          CONFIG GET timeout\r\nCONFIG GET maxmemory-policy\r\nCONFIG GET nosuch\r\nCONFIG SET nosuch 1\r\n\
          CONFIG SET maxmemory abc\r\nCONFIG SET maxmemory 1 timeout\r\nCONFIG SET timeout\r\nCONFIG GET\r\n\
          CONFIG SET hz 15\r\nCONFIG GET hz\r\nCONFIG SET databases 4\r\nCONFIG GET databases\r\n\
          CONFIG SET slowlog-log-slower-than -5\r\nCONFIG GET slowlog-log-slower-than\r\nCONFIG RESETSTAT x\r\n",
    );
    let mut c = srv.raw();
    for _ in 0..20 {
        c.cmd(&["PING"]);
    }
    c.cmd(&["NOSUCHCMD"]);
    let before: i64 = info_field(srv.port, "stats", "total_commands_processed")
        .parse()
        .unwrap();
    assert!(before >= 20, "total_commands_processed {before}");
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), b"+OK\r\n");
    let after: i64 = info_field(srv.port, "stats", "total_commands_processed")
        .parse()
        .unwrap();
    assert!(
        after <= 2,
        "total_commands_processed {after} after RESETSTAT"
    );
    let i = info(srv.port, "errorstats");
    assert!(
        i["Errorstats"].is_empty(),
        "errorstats after RESETSTAT: {:?}",
        i["Errorstats"]
    );
    let i = info(srv.port, "commandstats");
    assert!(
        !i["Commandstats"].contains_key("cmdstat_ping"),
        "{:?}",
        i["Commandstats"]
    );
}

fn check_config_rewrite(start: fn(&[&str]) -> Server, tag: &str) {
    let confdir = TempDir::new(&format!("shardis-it-rewrite-{tag}"));
    let conf = confdir.join("rw.conf");
    let original = "# Top comment, kept.\n\n# Memory\nmaxmemory 1mb\n# hz comment\nhz 11\n\n# trailing comment\n";
    std::fs::write(&conf, original).unwrap();
    let conf_s = conf.to_string_lossy().into_owned();
    let srv = start(&[&conf_s]);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "2mb"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "timeout", "7"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["CONFIG", "REWRITE"]), b"+OK\r\n", "{tag}");
    let text = std::fs::read_to_string(&conf).unwrap();
    for keep in [
        "# Top comment, kept.",
        "# Memory",
        "# hz comment",
        "# trailing comment",
        "hz 11",
    ] {
        assert!(
            text.lines().any(|l| l == keep),
            "{tag}: rewrite lost {keep:?}:\n{text}"
        );
    }
    assert!(text.lines().any(|l| l == "maxmemory 2mb"), "{tag}:\n{text}");
    assert!(
        !text.lines().any(|l| l == "maxmemory 1mb"),
        "{tag}:\n{text}"
    );
    assert!(text.lines().any(|l| l == "timeout 7"), "{tag}:\n{text}");
    // The changed line stays where it was, after its comment.
    let lines: Vec<&str> = text.lines().collect();
    let mem = lines.iter().position(|l| *l == "# Memory").unwrap();
    assert_eq!(lines[mem + 1], "maxmemory 2mb", "{tag}:\n{text}");
    // The rewritten file loads (while the first server, whose `dir` it
    // names, still runs).
    let srv2 = start(&[&conf_s]);
    assert_eq!(
        srv2.raw().cmd(&["CONFIG", "GET", "timeout"]),
        b"*2\r\n$7\r\ntimeout\r\n$1\r\n7\r\n"
    );
    drop(srv2);
    drop(srv);
}

#[test]
fn config_rewrite_keeps_comments() {
    check_config_rewrite(start_shardis, "shardis");
    if redis_available() {
        check_config_rewrite(start_redis, "redis");
    }
    // Without a config file: an error, as redis.
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    same_as_redis(&srv, r.as_ref(), b"CONFIG REWRITE\r\n");
}

#[test]
fn command_count_info_getkeys() {
    let srv = start_shardis(&[]);
    let r = redis_opt(&[]);
    let mut c = srv.raw();
    let count = int_of(&c.cmd(&["COMMAND", "COUNT"]));
    let list = parse_reply(&c.cmd(&["COMMAND", "LIST"])).unwrap();
    let all = parse_reply(&c.cmd(&["COMMAND"])).unwrap();
    assert_eq!(all.as_array().unwrap().len() as i64, count);
    // COMMAND LIST has every top-level command (redis 7 adds subcommands).
    let names: BTreeSet<Vec<u8>> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_bytes().unwrap().to_vec())
        .filter(|n| !n.contains(&b'|'))
        .collect();
    assert_eq!(names.len() as i64, count);
    for name in ["get", "set", "ping", "config", "client", "info", "command"] {
        assert!(
            list.as_array()
                .unwrap()
                .contains(&Reply::Bulk(name.as_bytes().to_vec())),
            "COMMAND LIST lacks {name}"
        );
    }
    // COMMAND INFO get: the first eight fields as redis (name, arity, flags,
    // first/last/step, ACL categories, tips).
    let ours = parse_reply(&c.cmd(&["COMMAND", "INFO", "get", "set", "mset"])).unwrap();
    assert_eq!(ours.as_array().unwrap().len(), 3);
    if let Some(r) = &r {
        let theirs = parse_reply(&r.raw().cmd(&["COMMAND", "INFO", "get", "set", "mset"])).unwrap();
        for (o, t) in ours
            .as_array()
            .unwrap()
            .iter()
            .zip(theirs.as_array().unwrap())
        {
            let o = o.as_array().unwrap();
            let t = t.as_array().unwrap();
            assert_eq!(o.len(), 10);
            assert_eq!(o[..7], t[..7], "COMMAND INFO differs");
            // Tips (8th), key specs (9th): reported, not required.
            if o[7..] != t[7..] {
                eprintln!(
                    "COMMAND INFO {}: tips/key specs differ from redis: {} vs {}",
                    escape(o[0].as_bytes().unwrap()),
                    show(&Reply::Array(o[7..].to_vec())),
                    show(&Reply::Array(t[7..].to_vec()))
                );
            }
        }
    }
    same_as_redis(
        &srv,
        r.as_ref(),
        b"COMMAND INFO nosuch\r\nCOMMAND GETKEYS SET a b\r\nCOMMAND GETKEYS MSET a 1 b 2 c 3\r\n\
          COMMAND GETKEYS MGET x y z\r\nCOMMAND GETKEYS GET\r\nCOMMAND GETKEYS GET a b\r\n\
          COMMAND GETKEYS SET a\r\nCOMMAND GETKEYS PING x\r\nCOMMAND GETKEYS FOO x\r\n\
          COMMAND GETKEYS\r\nCOMMAND COUNT x\r\nCOMMAND FOO\r\n",
    );
    let got = replies_to(srv.port, b"COMMAND GETKEYS MSET a 1 b 2 c 3\r\n");
    assert_eq!(got, b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
}

/// Redis 7's COMMAND LIST names container subcommands too ("config|get").
#[test]
#[ignore = "shardis' COMMAND LIST has no subcommands (redis 7.0 lists e.g. 'config|get', 'client|kill')"]
fn command_list_includes_subcommands() {
    let srv = start_shardis(&[]);
    let list = parse_reply(&srv.raw().cmd(&["COMMAND", "LIST"])).unwrap();
    let list = list.as_array().unwrap();
    for name in ["config|get", "client|kill", "command|count", "slowlog|get"] {
        assert!(
            list.contains(&Reply::Bulk(name.as_bytes().to_vec())),
            "no {name}"
        );
    }
}

#[test]
fn slowlog() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    let setup = b"CONFIG SET slowlog-log-slower-than 0\r\nCONFIG SET slowlog-max-len 128\r\nSLOWLOG RESET\r\nSLOWLOG LEN\r\n";
    same_as_redis(&srv, r.as_ref(), setup);
    for s in std::iter::once(&srv).chain(r.as_ref()) {
        let mut c = s.raw();
        c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        assert_eq!(c.cmd(&["CLIENT", "SETNAME", "slowpoke"]), b"+OK\r\n");
        assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), b"+OK\r\n");
        let long = "v".repeat(200);
        assert_eq!(c.cmd(&["SET", "slowkey", &long]), b"+OK\r\n");
        let many: Vec<String> = std::iter::once("MGET".to_string())
            .chain((0..40).map(|i| format!("k{i}")))
            .collect();
        c.cmd(&many);
        let log = parse_reply(&c.cmd(&["SLOWLOG", "GET", "-1"])).unwrap();
        let entries = log.as_array().unwrap();
        let addr = c.stream().local_addr().unwrap().to_string();
        let find = |name: &[u8]| {
            entries
                .iter()
                .map(|e| e.as_array().unwrap())
                .find(|e| e[3].as_array().unwrap()[0] == Reply::Bulk(name.to_vec()))
                .unwrap_or_else(|| {
                    panic!("{}: no {} in SLOWLOG: {entries:?}", s.role, escape(name))
                })
        };
        let set = find(b"SET");
        assert_eq!(set.len(), 6);
        assert!(set[0].as_int().unwrap() >= 0);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((set[1].as_int().unwrap() - now).abs() < 60, "timestamp");
        assert!(set[2].as_int().unwrap() >= 0);
        let args = set[3].as_array().unwrap();
        assert_eq!(args[1], Reply::Bulk(b"slowkey".to_vec()));
        // Arguments over 128 bytes are cut.
        assert_eq!(
            args[2],
            Reply::Bulk(format!("{}... (72 more bytes)", "v".repeat(128)).into_bytes()),
            "{}",
            s.role
        );
        assert_eq!(set[4], Reply::Bulk(addr.into_bytes()));
        assert_eq!(set[5], Reply::Bulk(b"slowpoke".to_vec()));
        // More than 32 arguments: the last one says how many more.
        let mget = find(b"MGET");
        let margs = mget[3].as_array().unwrap();
        assert_eq!(margs.len(), 32, "{}", s.role);
        assert_eq!(
            margs[31],
            Reply::Bulk(b"... (10 more arguments)".to_vec()),
            "{}",
            s.role
        );
        // Newest first; ids decrease.
        let ids: Vec<i64> = entries
            .iter()
            .map(|e| e.as_array().unwrap()[0].as_int().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{}: {ids:?}", s.role);
        // slowlog-max-len caps the log.
        c.cmd(&["CONFIG", "SET", "slowlog-max-len", "3"]);
        for _ in 0..10 {
            c.cmd(&["PING"]);
        }
        assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), b":3\r\n", "{}", s.role);
        let two = parse_reply(&c.cmd(&["SLOWLOG", "GET", "2"])).unwrap();
        assert_eq!(two.as_array().unwrap().len(), 2);
        // Off: nothing logged.
        c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
        c.cmd(&["SLOWLOG", "RESET"]);
        c.cmd(&["PING"]);
        assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), b":0\r\n", "{}", s.role);
    }
    same_as_redis(
        &srv,
        r.as_ref(),
        b"SLOWLOG GET x\r\nSLOWLOG GET -2\r\nSLOWLOG FOO\r\nSLOWLOG GET 1 2\r\n",
    );
}

#[test]
fn debug_sleep_and_time() {
    // DEBUG is refused by default, as in Redis 7 (`enable-debug-command no`).
    let locked = start_shardis(&[]);
    if let Some(r) = redis_opt(&[]) {
        same_as_redis(&locked, Some(&r), b"DEBUG SLEEP 0\r\n");
    }
    drop(locked);
    let srv = start_shardis(&["--enable-debug-command", "yes"]);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0"]), b"+OK\r\n");
    let t = Instant::now();
    assert_eq!(c.cmd(&["DEBUG", "SLEEP", "0.2"]), b"+OK\r\n");
    assert!(t.elapsed() >= Duration::from_millis(190));
    if let Some(r) = redis_opt(&["--enable-debug-command", "yes"]) {
        same_as_redis(&srv, Some(&r), b"DEBUG SLEEP 0\r\nDEBUG\r\nTIME x\r\n");
    }
    let time = parse_reply(&c.cmd(&["TIME"])).unwrap();
    let parts = time.as_array().unwrap();
    assert_eq!(parts.len(), 2);
    let secs: u64 = std::str::from_utf8(parts[0].as_bytes().unwrap())
        .unwrap()
        .parse()
        .unwrap();
    let micros: u64 = std::str::from_utf8(parts[1].as_bytes().unwrap())
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) <= 5, "TIME {secs} vs {now}");
    assert!(micros < 1_000_000);
}

// ---------------------------------------------------------------------------
// Keys across shards
// ---------------------------------------------------------------------------

#[test]
fn binary_keys_round_trip_across_shards() {
    let srv = start_shardis(&["--threads", "3"]);
    let mut c = srv.raw();
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for i in 0..64u32 {
        let mut k = format!("k{i}\r\n").into_bytes();
        k.extend_from_slice(&[0, 0xff, b'\n', b'\r', (i as u8).wrapping_mul(37)]);
        k.extend_from_slice(b"$3\r\n*1\r\n");
        let mut v = vec![0u8, b'\r', b'\n', 0x80, 0xfe];
        v.extend_from_slice(format!("val{i}\r\n\r\n").as_bytes());
        v.extend(std::iter::repeat_n(0u8, i as usize));
        pairs.push((k, v));
    }
    for (k, v) in &pairs {
        assert_eq!(c.cmd(&[b"SET".as_slice(), k, v]), b"+OK\r\n");
    }
    for (k, v) in &pairs {
        let mut want = format!("${}\r\n", v.len()).into_bytes();
        want.extend_from_slice(v);
        want.extend_from_slice(b"\r\n");
        assert_eq!(c.cmd(&[b"GET".as_slice(), k]), want, "GET {}", escape(k));
    }
    // Empty key and empty value.
    assert_eq!(c.cmd(&["SET", "", ""]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", ""]), b"$0\r\n\r\n");
    // MSET/MGET of all of them at once (keys on every shard).
    let mut mset: Vec<Vec<u8>> = vec![b"MSET".to_vec()];
    for (k, v) in &pairs {
        mset.push(k.clone());
        let mut v2 = v.clone();
        v2.push(b'!');
        mset.push(v2);
    }
    assert_eq!(c.cmd(&mset), b"+OK\r\n");
    let mut mget: Vec<Vec<u8>> = vec![b"MGET".to_vec()];
    mget.extend(pairs.iter().map(|(k, _)| k.clone()));
    let got = parse_reply(&c.cmd(&mget)).unwrap();
    let got = got.as_array().unwrap();
    for ((k, v), g) in pairs.iter().zip(got) {
        let mut v2 = v.clone();
        v2.push(b'!');
        assert_eq!(g, &Reply::Bulk(v2), "MGET {}", escape(k));
    }
    // Other connections (possibly on other shards) see the same.
    for _ in 0..4 {
        let mut o = srv.raw();
        let (k, v) = &pairs[7];
        let mut v2 = v.clone();
        v2.push(b'!');
        assert_eq!(
            parse_reply(&o.cmd(&[b"GET".as_slice(), k])).unwrap(),
            Reply::Bulk(v2)
        );
    }
}

#[test]
fn mset_is_atomic_across_shards() {
    let shards = 3;
    let srv = start_shardis(&["--threads", "3"]);
    // Ten keys covering every shard.
    let map = shardis::shard::slots::SlotMap::new(shards);
    let mut keys: Vec<String> = Vec::new();
    let mut per_shard = vec![0; shards];
    for i in 0..10_000 {
        let k = format!("atomic:{i}");
        let sh = map.shard_of_key(k.as_bytes());
        if per_shard[sh] < 4 && keys.len() < 10 {
            per_shard[sh] += 1;
            keys.push(k);
        }
    }
    assert_eq!(keys.len(), 10);
    assert!(per_shard.iter().all(|&n| n >= 2), "{per_shard:?}");
    let mut c = srv.raw();
    let mut first = vec!["MSET".to_string()];
    for k in &keys {
        first.push(k.clone());
        first.push("a".to_string());
    }
    assert_eq!(c.cmd(&first), b"+OK\r\n");

    let deadline = Instant::now() + Duration::from_secs(60);
    let done = Arc::new(AtomicBool::new(false));
    let port = srv.port;
    let writer = {
        let keys = keys.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut w = RawConn::connect(port).unwrap();
            let mut n = 0;
            while n < 2000 && Instant::now() < deadline {
                let v = if n % 2 == 0 { "b" } else { "a" };
                let mut cmd = vec!["MSET".to_string()];
                for k in &keys {
                    cmd.push(k.clone());
                    cmd.push(v.to_string());
                }
                assert_eq!(w.cmd(&cmd), b"+OK\r\n");
                n += 1;
            }
            done.store(true, Ordering::Relaxed);
            n
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let keys = keys.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut r = RawConn::connect(port).unwrap();
                let mut cmd = vec!["MGET".to_string()];
                cmd.extend(keys.iter().cloned());
                let mut n = 0;
                let mut mixed = 0;
                while n < 2000 && !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let got = parse_reply(&r.cmd(&cmd)).unwrap();
                    let vals: BTreeSet<Vec<u8>> = got
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_bytes().unwrap().to_vec())
                        .collect();
                    if vals.len() != 1 {
                        mixed += 1;
                    }
                    n += 1;
                }
                (n, mixed)
            })
        })
        .collect();
    let writes = writer.join().unwrap();
    let mut reads = 0;
    for h in readers {
        let (n, mixed) = h.join().unwrap();
        assert_eq!(mixed, 0, "{mixed} of {n} MGETs saw a partial MSET");
        reads += n;
    }
    eprintln!("{writes} MSETs, {reads} MGETs, none partial");
    assert!(writes > 0 && reads > 0);
}

/// Errors from commands whose replies CLIENT REPLY OFF/SKIP drops are still
/// counted, and the server keeps serving.
#[test]
fn errors_under_client_reply_off_and_skip() {
    let srv = start_shardis(&["--threads", "2"]);
    let mut c = srv.raw();
    c.send(b"CLIENT REPLY OFF\r\nSELECT 99\r\nCLIENT REPLY ON\r\n");
    assert_eq!(c.read_reply(), b"+OK\r\n");
    c.send(b"SET a x\r\nCLIENT REPLY SKIP\r\nINCR a\r\nPING\r\n");
    assert_eq!(c.read_reply(), b"+OK\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    let info = c.cmd(&["INFO", "errorstats"]);
    let text = String::from_utf8_lossy(&info);
    assert!(text.contains("errorstat_ERR:count=2"), "{text}");
    assert_eq!(srv.raw().cmd(&["PING"]), b"+PONG\r\n");
}

/// A glob pattern with many stars against a long key answers at once.
#[test]
fn keys_with_pathological_pattern() {
    let srv = start_shardis(&[]);
    let mut c = srv.raw();
    let key = "a".repeat(300);
    assert_eq!(c.cmd(&["SET", key.as_str(), "v"]), b"+OK\r\n");
    let t = Instant::now();
    assert_eq!(c.cmd(&["KEYS", "*a*a*a*a*a*a*a*a*a*a*a*a*a*b"]), b"*0\r\n");
    assert!(t.elapsed() < Duration::from_secs(5));
}

/// ROLE of a server that replicates nothing: a master at offset 0 with no
/// replicas, as redis-server; extra arguments are an arity error.
#[test]
fn role_of_a_lone_master() {
    let srv = start_shardis(&["--threads", "2"]);
    let r = redis_opt(&[]);
    let got = same_as_redis(
        &srv,
        r.as_ref(),
        b"ROLE\r\nROLE x\r\nMULTI\r\nROLE\r\nEXEC\r\n",
    );
    assert!(escape(&got).starts_with("*3\\r\\n$6\\r\\nmaster\\r\\n:0\\r\\n*0\\r\\n"));
}
