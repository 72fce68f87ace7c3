//! Shared harness for the integration tests: start a server (shardis, or a
//! real redis-server standing in for it, or a reference redis-server) in its
//! own temporary directory on a free loopback port, talk to it with the
//! `redis` crate or with a raw RESP connection that returns the exact bytes of
//! each reply.
//!
//! Use it from a test file with `mod common;`.
//!
//! Environment:
//! - `SHARDIS_TEST_BIN`: path of the binary to run instead of the cargo bin
//!   target `shardis-server`. If its file name contains "redis" (e.g.
//!   `/usr/bin/redis-server`), the shardis-only `--threads N` argument is
//!   dropped from the command line.
//! - `REDIS_SERVER_BIN`: the reference redis-server (default
//!   `/usr/bin/redis-server`).
#![allow(dead_code)]

pub mod contents;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server has to answer PING after it was started.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stopping server has between SIGTERM and SIGKILL.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Read timeout of raw and `redis` connections.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

const DEFAULT_REDIS_BIN: &str = "/usr/bin/redis-server";

/// A running server process. Dropping it stops the process (SIGTERM, then
/// SIGKILL after `STOP_TIMEOUT`) and removes its temporary directory.
pub struct Server {
    pub port: u16,
    pub pid: u32,
    /// Its private working directory (`--dir`), removed on drop.
    pub dir: PathBuf,
    /// The binary that was started.
    pub bin: PathBuf,
    /// "shardis" or "redis" (the role it plays in the test).
    pub role: &'static str,
    /// The full command line it was started with (after the binary).
    pub args: Vec<String>,
    child: Child,
}

/// The binary the tests run as shardis: `$SHARDIS_TEST_BIN`, or the cargo
/// bin target `shardis-server`.
pub fn shardis_bin() -> PathBuf {
    match std::env::var_os("SHARDIS_TEST_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_shardis-server")),
    }
}

/// True when the "shardis" binary is in fact a redis-server standing in for
/// it (its file name contains "redis"); shardis-only arguments are dropped.
pub fn shardis_is_redis_stand_in() -> bool {
    std::env::var_os("SHARDIS_TEST_BIN").is_some()
        && shardis_bin()
            .file_name()
            .map(|n| n.to_string_lossy().contains("redis"))
            .unwrap_or(false)
}

/// The reference redis-server: `$REDIS_SERVER_BIN` or /usr/bin/redis-server.
pub fn redis_bin() -> PathBuf {
    match std::env::var_os("REDIS_SERVER_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_REDIS_BIN),
    }
}

/// Whether a reference redis-server binary is there to compare against.
pub fn redis_available() -> bool {
    std::fs::metadata(redis_bin())
        .map(|m| m.is_file())
        .unwrap_or(false)
}

/// Start shardis (or `$SHARDIS_TEST_BIN`) with the standard test arguments
/// plus `extra_args` (e.g. `&["--threads", "4"]`). If `extra_args[0]` does not
/// start with "--" it is taken as a config file and put first. Panics, with
/// the server's log tail, if it does not answer PING within 10 s.
pub fn start_shardis(extra_args: &[&str]) -> Server {
    let mut args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
    if shardis_is_redis_stand_in() {
        args = strip_option(&args, "--threads");
    }
    start_server("shardis", &shardis_bin(), &args)
}

/// Start the reference redis-server with the standard test arguments plus
/// `extra_args`. Panics if it does not answer PING within 10 s.
pub fn start_redis(extra_args: &[&str]) -> Server {
    let args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
    start_server("redis", &redis_bin(), &args)
}

/// Remove `--name VALUE` and `--name=VALUE` from an argument list.
fn strip_option(args: &[String], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if args[i] == name {
            i += 2;
            continue;
        }
        if args[i].starts_with(&format!("{name}=")) {
            i += 1;
            continue;
        }
        out.push(args[i].clone());
        i += 1;
    }
    out
}

/// A free loopback port (bind 127.0.0.1:0, read the port, close).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// A fresh, empty, unique directory under the system temp dir.
pub fn unique_temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!("cannot create temp dir {}: {e}", dir.display()),
        }
    }
}

fn start_server(role: &'static str, bin: &Path, extra: &[String]) -> Server {
    // A port picked by binding :0 may be taken by someone else before the
    // server binds it: retry a few times when the server says so.
    let mut last_err = String::new();
    for _attempt in 0..3 {
        match try_start_server(role, bin, extra) {
            Ok(s) => return s,
            Err((msg, port_in_use)) => {
                last_err = msg;
                if !port_in_use {
                    break;
                }
            }
        }
    }
    panic!("{last_err}");
}

fn try_start_server(
    role: &'static str,
    bin: &Path,
    extra: &[String],
) -> Result<Server, (String, bool)> {
    let port = free_port();
    let dir = unique_temp_dir(&format!("shardis-test-{role}"));
    let logfile = dir.join("server.log");

    // A leading argument that is not an option is a config file: it must
    // come first on a redis-server command line.
    let (conf, rest): (Option<&String>, &[String]) = match extra.first() {
        Some(a) if !a.starts_with("--") => (Some(a), &extra[1..]),
        _ => (None, extra),
    };
    let mut args: Vec<String> = Vec::new();
    if let Some(c) = conf {
        args.push(c.clone());
    }
    args.extend([
        "--port".to_string(),
        port.to_string(),
        "--bind".to_string(),
        "127.0.0.1".to_string(),
        "--save".to_string(),
        String::new(),
        "--dir".to_string(),
        dir.to_string_lossy().into_owned(),
        "--daemonize".to_string(),
        "no".to_string(),
        "--logfile".to_string(),
        logfile.to_string_lossy().into_owned(),
    ]);
    args.extend(rest.iter().cloned());

    let stdout = std::fs::File::create(dir.join("stdout.log")).expect("create stdout.log");
    let stderr = std::fs::File::create(dir.join("stderr.log")).expect("create stderr.log");
    let child = Command::new(bin)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err((
                format!(
                    "cannot start {role} binary {}: {e}{}",
                    bin.display(),
                    hint(role)
                ),
                false,
            ));
        }
    };
    let mut server = Server {
        port,
        pid: child.id(),
        dir,
        bin: bin.to_path_buf(),
        role,
        args,
        child,
    };

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let tail = server.log_tail(40);
            let in_use = tail.contains("Address already in use") || tail.contains("AddrInUse");
            return Err((
                format!(
                    "{role} ({}) exited with {status} before answering PING on 127.0.0.1:{port}{}\n\
                     command line: {} {}\n{tail}",
                    server.bin.display(),
                    hint(role),
                    server.bin.display(),
                    shell_join(&server.args),
                ),
                in_use,
            ));
        }
        if ping(port) {
            return Ok(server);
        }
        if Instant::now() >= deadline {
            let tail = server.log_tail(40);
            return Err((
                format!(
                    "{role} ({}) did not answer PING on 127.0.0.1:{port} within {:?}{}\n\
                     command line: {} {}\n{tail}",
                    server.bin.display(),
                    START_TIMEOUT,
                    hint(role),
                    server.bin.display(),
                    shell_join(&server.args),
                ),
                false,
            ));
            // `server` is dropped here: the process is killed.
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn hint(role: &str) -> &'static str {
    if role == "shardis" && std::env::var_os("SHARDIS_TEST_BIN").is_none() {
        "\nhint: the shardis-server binary may not be implemented yet; to check the \
         tests themselves against a real redis standing in for shardis, run with \
         SHARDIS_TEST_BIN=/usr/bin/redis-server"
    } else {
        ""
    }
}

pub fn shell_join(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One PING over a fresh connection; true if it answered +PONG.
fn ping(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = s.set_write_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    while got.len() < 7 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got.starts_with(b"+PONG\r\n")
}

impl Server {
    /// A `redis` crate connection to this server.
    pub fn client(&self) -> redis::Connection {
        let client =
            redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).expect("redis client");
        let con = client
            .get_connection_with_timeout(IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connect to {} on port {}: {e}", self.role, self.port));
        con.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        con.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        con
    }

    /// A raw RESP connection to this server (byte-exact replies).
    pub fn raw(&self) -> RawConn {
        RawConn::connect(self.port)
            .unwrap_or_else(|e| panic!("raw connect to {} on port {}: {e}", self.role, self.port))
    }

    /// Path of the server's log file.
    pub fn logfile(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last `n` lines of the log file and of stdout/stderr, for failure
    /// messages.
    pub fn log_tail(&self, n: usize) -> String {
        let mut out = String::new();
        for name in ["server.log", "stdout.log", "stderr.log"] {
            let path = self.dir.join(name);
            let text = match std::fs::read(&path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(_) => continue,
            };
            if text.trim().is_empty() {
                continue;
            }
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(n);
            out.push_str(&format!(
                "--- {} ({}), last lines ---\n",
                name,
                path.display()
            ));
            for l in &lines[start..] {
                out.push_str(l);
                out.push('\n');
            }
        }
        if out.is_empty() {
            out.push_str("(server wrote no log output)\n");
        }
        out
    }

    /// Stop the process: SIGTERM, then SIGKILL after `STOP_TIMEOUT`.
    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: plain kill(2) on the pid of our own, not yet reaped,
            // child (so the pid cannot have been reused).
            unsafe {
                libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + STOP_TIMEOUT;
            loop {
                match self.child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = self.child.kill(); // SIGKILL
                        let _ = self.child.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if std::env::var_os("SHARDIS_TEST_KEEP_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Encode a command as a RESP array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A plain TCP connection speaking raw RESP: what is sent is sent as is, and
/// each reply comes back as its exact bytes.
pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RawConn {
    pub fn connect(port: u16) -> io::Result<RawConn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(RawConn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Send raw bytes (panics on error).
    pub fn send(&mut self, bytes: &[u8]) {
        self.try_send(bytes).expect("raw send");
    }

    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Send one command, encoded as a RESP array of bulk strings.
    pub fn send_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send(&encode_command(args));
    }

    /// The raw bytes of exactly one reply (panics on error or timeout).
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.try_read_reply().expect("raw read_reply")
    }

    /// The raw bytes of exactly one reply; bytes after it stay buffered for
    /// the next call.
    pub fn try_read_reply(&mut self) -> io::Result<Vec<u8>> {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match reply_len(&self.buf) {
                Ok(Some(n)) => {
                    let rest = self.buf.split_off(n);
                    return Ok(std::mem::replace(&mut self.buf, rest));
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "malformed RESP: {e}; buffered: {}",
                            escape_trunc(&self.buf, 200)
                        ),
                    ))
                }
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "connection closed by server (buffered partial reply: {})",
                        escape_trunc(&self.buf, 200)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Send a command and read its reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send_cmd(args);
        self.read_reply()
    }

    /// Like `cmd`, but the reply is parsed.
    pub fn cmd_parsed<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        parse_reply(&self.cmd(args)).expect("parse reply")
    }

    /// Bytes received but not yet returned as a reply.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    pub fn shutdown(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    if from >= buf.len() {
        return None;
    }
    memchr::memmem::find(&buf[from..], b"\r\n").map(|i| from + i)
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad length {:?}", escape(line)))
}

/// Length in bytes of the first complete RESP2/RESP3 reply in `buf`:
/// `Ok(None)` if it is not complete yet, `Err` if it is malformed.
pub fn reply_len(buf: &[u8]) -> Result<Option<usize>, String> {
    frame_end(buf, 0)
}

fn frame_end(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    if pos >= buf.len() {
        return Ok(None);
    }
    let t = buf[pos];
    let Some(le) = find_crlf(buf, pos + 1) else {
        return Ok(None);
    };
    let line = &buf[pos + 1..le];
    let after = le + 2;
    match t {
        // simple string, error, integer, null, double, boolean, big number
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(after)),
        // bulk string, verbatim string, bulk error
        b'$' | b'=' | b'!' => {
            if line == b"?" {
                // streamed string: ";len\r\n<data>\r\n" chunks up to ";0\r\n"
                let mut p = after;
                loop {
                    if p >= buf.len() {
                        return Ok(None);
                    }
                    if buf[p] != b';' {
                        return Err(format!("bad streamed string chunk at {p}"));
                    }
                    let Some(e) = find_crlf(buf, p + 1) else {
                        return Ok(None);
                    };
                    let n = parse_len(&buf[p + 1..e])?;
                    if n == 0 {
                        return Ok(Some(e + 2));
                    }
                    let end = e + 2 + n as usize + 2;
                    if buf.len() < end {
                        return Ok(None);
                    }
                    p = end;
                }
            }
            let n = parse_len(line)?;
            if n < 0 {
                return Ok(Some(after));
            }
            let end = after + n as usize + 2;
            if buf.len() < end {
                return Ok(None);
            }
            if &buf[end - 2..end] != b"\r\n" {
                return Err(format!("bulk of length {n} not followed by CRLF"));
            }
            Ok(Some(end))
        }
        // array, set, push, map, attribute
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let mut p = after;
            if line == b"?" {
                // streamed aggregate, ends with ".\r\n"
                loop {
                    if p + 3 <= buf.len() && &buf[p..p + 3] == b".\r\n" {
                        return Ok(Some(p + 3));
                    }
                    if p < buf.len() && b".\r\n".starts_with(&buf[p..]) {
                        return Ok(None);
                    }
                    match frame_end(buf, p)? {
                        Some(e) => p = e,
                        None => return Ok(None),
                    }
                }
            }
            let n = parse_len(line)?;
            if n < 0 {
                return Ok(Some(after));
            }
            let count = if t == b'%' || t == b'|' { 2 * n } else { n };
            for _ in 0..count {
                match frame_end(buf, p)? {
                    Some(e) => p = e,
                    None => return Ok(None),
                }
            }
            if t == b'|' {
                // an attribute comes before the reply it annotates
                return frame_end(buf, p);
            }
            Ok(Some(p))
        }
        _ => Err(format!(
            "unknown RESP type byte {:?} at offset {pos}",
            t as char
        )),
    }
}

/// A parsed reply (for the checks that cannot compare bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or RESP3 `_`.
    Nil,
    Array(Vec<Reply>),
    Set(Vec<Reply>),
    Push(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    /// Double, boolean, big number, verbatim string: the text as sent.
    Other(u8, Vec<u8>),
}

impl Reply {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(b) | Reply::Simple(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(a) | Reply::Set(a) | Reply::Push(a) => Some(a),
            _ => None,
        }
    }
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// Parse exactly one complete reply.
pub fn parse_reply(buf: &[u8]) -> Result<Reply, String> {
    let (r, end) = parse_at(buf, 0)?;
    if end != buf.len() {
        return Err(format!("{} trailing bytes after reply", buf.len() - end));
    }
    Ok(r)
}

fn parse_at(buf: &[u8], pos: usize) -> Result<(Reply, usize), String> {
    let end = frame_end(buf, pos)?.ok_or("incomplete reply")?;
    let t = buf[pos];
    let le = find_crlf(buf, pos + 1).unwrap();
    let line = &buf[pos + 1..le];
    let after = le + 2;
    let r = match t {
        b'+' => Reply::Simple(line.to_vec()),
        b'-' => Reply::Error(line.to_vec()),
        b':' => Reply::Int(parse_len(line)?),
        b'_' => Reply::Nil,
        b',' | b'#' | b'(' => Reply::Other(t, line.to_vec()),
        b'$' | b'=' | b'!' => {
            let data = if line == b"?" {
                let mut data = Vec::new();
                let mut p = after;
                loop {
                    let e = find_crlf(buf, p + 1).unwrap();
                    let n = parse_len(&buf[p + 1..e])? as usize;
                    if n == 0 {
                        break;
                    }
                    data.extend_from_slice(&buf[e + 2..e + 2 + n]);
                    p = e + 2 + n + 2;
                }
                data
            } else {
                let n = parse_len(line)?;
                if n < 0 {
                    return Ok((Reply::Nil, end));
                }
                buf[after..after + n as usize].to_vec()
            };
            match t {
                b'$' => Reply::Bulk(data),
                b'!' => Reply::Error(data),
                _ => Reply::Other(t, data),
            }
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let mut items = Vec::new();
            let mut p = after;
            if line == b"?" {
                while &buf[p..p + 3] != b".\r\n" {
                    let (r, e) = parse_at(buf, p)?;
                    items.push(r);
                    p = e;
                }
            } else {
                let n = parse_len(line)?;
                if n < 0 {
                    return Ok((Reply::Nil, end));
                }
                let count = if t == b'%' || t == b'|' { 2 * n } else { n };
                for _ in 0..count {
                    let (r, e) = parse_at(buf, p)?;
                    items.push(r);
                    p = e;
                }
            }
            match t {
                b'*' => Reply::Array(items),
                b'~' => Reply::Set(items),
                b'>' => Reply::Push(items),
                b'%' => {
                    let mut it = items.into_iter();
                    let mut pairs = Vec::new();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    Reply::Map(pairs)
                }
                _ => {
                    // attribute: skip it, return the reply it annotates
                    let (r, _) = parse_at(buf, p)?;
                    r
                }
            }
        }
        _ => return Err(format!("unknown RESP type byte {:?}", t as char)),
    };
    Ok((r, end))
}

/// Printable escaping of arbitrary bytes: printable ASCII as is, the rest as
/// `\r`, `\n`, `\t`, `\0`, `\\`, `\"` or `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            0 => s.push_str("\\0"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// `escape`, cut to about `max` input bytes with a note of the full length.
pub fn escape_trunc(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        escape(bytes)
    } else {
        format!("{}...({} bytes in all)", escape(&bytes[..max]), bytes.len())
    }
}

/// A command as a printable line: `SET "k\r\n" "v"`.
pub fn format_command<A: AsRef<[u8]>>(args: &[A]) -> String {
    args.iter()
        .map(|a| format!("\"{}\"", escape_trunc(a.as_ref(), 120)))
        .collect::<Vec<_>>()
        .join(" ")
}
