//! Test helpers: run keyed handlers against a [`Store`] and read replies in
//! an escaped form that is easy to compare with captured Redis replies.

use bytes::{Bytes, BytesMut};

use super::spec::{ExecCtx, Handler};
use crate::protocol::{Protocol, ReplyWriter};
use crate::shard::keyspace::Store;

/// A store with one client's view of it (database 0, fixed clock).
#[derive(Debug)]
pub struct Session {
    /// The data.
    pub store: Store,
    /// The protocol replies are written in.
    pub proto: Protocol,
    /// The time commands see, in Unix ms.
    pub now: u64,
    /// Sum of the `dirty` counts of the commands run.
    pub dirty: u64,
    /// Keyspace events of the last command run.
    pub last_events: Vec<crate::notify::KeyEvent>,
    /// The `dirty` count of the last command.
    pub last_dirty: u64,
    /// What the last command asked the write journal to record instead of
    /// its arguments (see `ExecCtx::propagate`).
    pub last_propagated: Option<Vec<Vec<bytes::Bytes>>>,
    /// Whether `new` events (class `n`) are recorded too.
    pub new_keys: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            store: Store::new(16),
            proto: Protocol::Resp2,
            now: 1_700_000_000_000,
            dirty: 0,
            last_events: Vec::new(),
            last_dirty: 0,
            last_propagated: None,
            new_keys: false,
        }
    }
}

impl Session {
    /// A session on an empty store speaking RESP2.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the command given as arguments; returns the raw reply bytes.
    /// Panics (tests only) on an unknown or non-keyed command or bad arity.
    pub fn exec(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.last_events.clear();
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let spec = super::registry().lookup(&args[0]).expect("known command");
        if !spec.arity_ok(args.len()) {
            return format!(
                "-ERR wrong number of arguments for '{}' command\r\n",
                spec.name
            )
            .into_bytes();
        }
        let Handler::Keyed(f) = spec.handler else {
            panic!("not a keyed command");
        };
        let mut buf = BytesMut::new();
        let mut w = ReplyWriter::new(&mut buf, self.proto);
        let events = self.collector();
        let mut ctx = ExecCtx::with_events(&mut self.store, 0, self.now, events);
        f(&mut ctx, &args, &mut w);
        self.dirty += ctx.dirty;
        self.last_dirty = ctx.dirty;
        self.last_events = ctx.finish().take();
        self.last_propagated = ctx.propagate.take();
        buf.to_vec()
    }

    /// Runs a command line (space-separated; `""` is an empty argument;
    /// `\xNN` escapes a byte) and returns the reply escaped as Python's
    /// `repr` of bytes does, without the quotes: `$3\r\n0.1\r\n` reads
    /// `$3\\r\\n0.1\\r\\n`, as in the captured Redis transcripts.
    pub fn run(&mut self, line: &str) -> String {
        let args: Vec<Vec<u8>> = line.split(' ').map(unescape).collect();
        escape(&self.exec(&args))
    }
}

/// `\xNN` escapes to bytes; `""` to the empty string.
pub fn unescape(tok: &str) -> Vec<u8> {
    if tok == "\"\"" {
        return Vec::new();
    }
    let b = tok.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
            if let Ok(v) = u8::from_str_radix(&tok[i + 2..i + 4], 16) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Python's bytes `repr` escaping (without the quotes; `'` is left as is,
/// as repr does when it quotes with `"`).
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{:02x}", c)),
        }
    }
    s
}

impl Session {
    /// Runs a command given as separate arguments (`\xNN` escapes a byte);
    /// returns the escaped reply as [`Session::run`].
    pub fn runv(&mut self, args: &[&str]) -> String {
        let args: Vec<Vec<u8>> = args.iter().map(|a| unescape(a)).collect();
        escape(&self.exec(&args))
    }

    /// `OBJECT ENCODING` of `key` in database 0, `None` if absent.
    pub fn encoding(&mut self, key: &str) -> Option<&'static str> {
        let now = self.now;
        self.store
            .db(0)
            .get(key.as_bytes(), now)
            .map(|v| v.encoding())
    }

    fn collector(&self) -> crate::notify::Events {
        if self.new_keys {
            crate::notify::Events::with_new_keys()
        } else {
            crate::notify::Events::new(true)
        }
    }

    /// The keyspace events of the last command, as `"event key"` strings
    /// (`"expired k"`, `"new k"`, `"set k"`; a key of another database
    /// than 0 reads `"move_to k@9"`).
    pub fn events(&self) -> Vec<String> {
        self.last_events
            .iter()
            .map(|e| {
                let key = String::from_utf8_lossy(&e.key);
                if e.db == 0 {
                    format!("{} {}", e.event, key)
                } else {
                    format!("{} {}@{}", e.event, key, e.db)
                }
            })
            .collect()
    }

    /// `EXISTS` of one key in database 0.
    pub fn exists(&mut self, key: &str) -> i64 {
        let now = self.now;
        self.store.db(0).contains(key.as_bytes(), now) as i64
    }
}

impl Session {
    /// Runs blocking command `line`'s attempt (see
    /// [`crate::blocking::BlockingSpec`]); returns the escaped reply, empty
    /// when the client would wait.
    pub fn blocking_attempt(&mut self, spec: &crate::blocking::BlockingSpec, line: &str) -> String {
        self.blocking_run(spec, line, None).1
    }

    /// Runs blocking command `line`'s serve on the key at `key_arg`;
    /// returns whether it served and the escaped reply.
    pub fn blocking_serve(
        &mut self,
        spec: &crate::blocking::BlockingSpec,
        line: &str,
        key_arg: usize,
    ) -> (bool, String) {
        self.blocking_run(spec, line, Some(key_arg))
    }

    fn blocking_run(
        &mut self,
        spec: &crate::blocking::BlockingSpec,
        line: &str,
        serve: Option<usize>,
    ) -> (bool, String) {
        let args: Vec<Bytes> = line.split(' ').map(|t| Bytes::from(unescape(t))).collect();
        let mut buf = BytesMut::new();
        let mut w = ReplyWriter::new(&mut buf, self.proto);
        let events = self.collector();
        let mut ctx = ExecCtx::with_events(&mut self.store, 0, self.now, events);
        let served = match serve {
            None => {
                (spec.attempt)(&mut ctx, &args, &mut w);
                true
            }
            Some(k) => (spec.serve)(&mut ctx, &args, k, &mut w),
        };
        self.dirty += ctx.dirty;
        self.last_dirty = ctx.dirty;
        self.last_events = ctx.finish().take();
        self.last_propagated = ctx.propagate.take();
        (served, escape(&buf))
    }
}
