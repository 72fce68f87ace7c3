//! The declarative shape of a command: name, arity, flags, key positions and
//! handler. `COMMAND`, `COMMAND INFO/COUNT/GETKEYS/DOCS`, arity errors and
//! routing are all derived from these entries.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use crate::notify::Events;
use crate::protocol::ReplyWriter;
use crate::server::connection::ConnCtx;
use crate::shard::keyspace::{Db, Store};

/// Command flags, as Redis names them in `COMMAND INFO`.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads data.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use (refused under `maxmemory` with noeviction).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative command.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/Sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// Allowed while loading the dataset.
    pub const LOADING: u32 = 1 << 6;
    /// Allowed on a replica with stale data.
    pub const STALE: u32 = 1 << 7;
    /// O(1) or O(log N), never blocks for long.
    pub const FAST: u32 = 1 << 8;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 9;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 10;
    /// Not counted in / shown by MONITOR (AUTH, HELLO).
    pub const SKIP_MONITOR: u32 = 1 << 11;
    /// Not logged in SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 12;
    /// Allowed in a subscribed RESP2 context... (set on PING, SUBSCRIBE...).
    pub const ALLOW_BUSY: u32 = 1 << 13;
    /// Result is random (RANDOMKEY, SCAN order...).
    pub const RANDOM: u32 = 1 << 14;
    /// Client-connection command (no keyspace access).
    pub const CONN: u32 = 1 << 15;

    /// Flag names in `COMMAND INFO` order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Where a command's keys are among its arguments.
#[derive(Clone, Copy)]
pub enum KeySpec {
    /// No keys.
    None,
    /// Keys at `first`, `first+step`, ... up to `last` (negative: counted
    /// from the end, -1 is the last argument), as Redis' legacy key specs.
    Range {
        /// Index of the first key.
        first: i32,
        /// Index of the last key (negative: from the end).
        last: i32,
        /// Distance between keys.
        step: i32,
    },
    /// Keys found by a function (commands with optional or counted keys).
    Custom(fn(&[Bytes]) -> Vec<usize>),
}

impl std::fmt::Debug for KeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySpec::None => write!(f, "None"),
            KeySpec::Range { first, last, step } => write!(f, "Range({first},{last},{step})"),
            KeySpec::Custom(_) => write!(f, "Custom"),
        }
    }
}

impl KeySpec {
    /// Indexes of the key arguments of `args` (`args[0]` is the name).
    pub fn key_indexes(&self, args: &[Bytes], out: &mut Vec<usize>) {
        out.clear();
        match *self {
            KeySpec::None => {}
            KeySpec::Range { first, last, step } => {
                let n = args.len() as i32;
                let last = if last < 0 { n + last } else { last.min(n - 1) };
                let mut i = first;
                while i <= last && i < n && step > 0 {
                    out.push(i as usize);
                    i += step;
                }
            }
            KeySpec::Custom(f) => out.extend(f(args)),
        }
    }

    /// (first, last, step) for `COMMAND INFO`.
    pub fn legacy_triple(&self) -> (i64, i64, i64) {
        match *self {
            KeySpec::None => (0, 0, 0),
            KeySpec::Range { first, last, step } => (first as i64, last as i64, step as i64),
            KeySpec::Custom(_) => (0, 0, 0),
        }
    }
}

/// What a keyed handler runs against: the store of the shard that owns the
/// keys (or, for a command whose keys span shards, a scratch store holding
/// those keys while their shards are locked).
#[derive(Debug)]
pub struct ExecCtx<'a> {
    /// All databases of the store.
    pub store: &'a mut Store,
    /// The client's selected database.
    pub db: usize,
    /// Current time in Unix milliseconds (one reading per command).
    pub now: u64,
    /// Number of keyspace changes made (added to the server's dirty count).
    pub dirty: u64,
    /// Keyspace events of this command (see [`crate::notify`]).
    pub events: Events,
    /// What the write journal (AOF, replicas) records for this command
    /// instead of its arguments, when they would not replay the same way
    /// (relative expiry times, random picks, blocking forms): `None`
    /// records the arguments as they are (if the command changed
    /// anything), `Some(list)` records `list`, possibly empty.
    pub propagate: Option<Vec<Vec<Bytes>>>,
}

impl<'a> ExecCtx<'a> {
    /// A context for a command on database `db` of `store` at `now`;
    /// `events_on` says whether keyspace events are collected
    /// ([`crate::notify::wanted`]).
    pub fn new(store: &'a mut Store, db: usize, now: u64, events_on: bool) -> Self {
        Self::with_events(store, db, now, Events::new(events_on))
    }

    /// A context collecting into `events` (e.g. [`Events::for_server`]);
    /// while it is on, the store records keys it expires (and creates, if
    /// `new` events are wanted) so they become events too. Call
    /// [`ExecCtx::finish`] when the command is done.
    pub fn with_events(store: &'a mut Store, db: usize, now: u64, events: Events) -> Self {
        crate::shard::evict::begin_command();
        store.set_key_log(events.key_log_flags());
        ExecCtx {
            store,
            db,
            now,
            dirty: 0,
            events,
            propagate: None,
        }
    }

    /// Whether the write journal records this command, so a handler that
    /// must rewrite its effects (see [`ExecCtx::propagate_as`]) needs to
    /// build them.
    #[inline]
    pub fn journaling(&self) -> bool {
        self.store.journal_log_on()
    }

    /// Makes the journal record `cmd` for this command (in addition to
    /// commands given before), instead of its arguments.
    pub fn propagate_as(&mut self, cmd: Vec<Bytes>) {
        self.propagate.get_or_insert_with(Vec::new).push(cmd);
    }

    /// Makes the journal record nothing for this command, whatever it
    /// changed.
    pub fn propagate_nothing(&mut self) {
        self.propagate = Some(Vec::new());
    }

    /// Ends the command: collects the last key changes the store recorded,
    /// stops the recording and returns the command's events.
    pub fn finish(&mut self) -> Events {
        self.events.absorb_key_log(self.store);
        self.store.set_key_log(0);
        std::mem::take(&mut self.events)
    }

    /// The client's database.
    pub fn db(&mut self) -> &mut Db {
        self.store.db(self.db)
    }

    /// Reports that `event` (Redis' name, e.g. `"set"`) of class `class`
    /// (a [`crate::notify::class`] bit) happened to `key` in the client's
    /// database, as Redis' `notifyKeyspaceEvent`.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        if self.events.is_on() {
            self.events.absorb_key_log(self.store);
            self.events.push(class, event, self.db, key);
        }
    }

    /// [`ExecCtx::notify`] for a key of another database (MOVE, COPY ... DB).
    #[inline]
    pub fn notify_db(&mut self, db: usize, class: u32, event: &'static str, key: &[u8]) {
        if self.events.is_on() {
            self.events.absorb_key_log(self.store);
            self.events.push(class, event, db, key);
        }
    }
}

/// A handler that runs where the keys live.
pub type KeyedFn = fn(&mut ExecCtx<'_>, &[Bytes], &mut ReplyWriter<'_>);

/// A handler that runs on the client's own core, with the client's state.
pub type ConnFn = fn(&mut ConnCtx, &[Bytes]);

/// A connection handler that needs to wait (fan-out to shards, sleeping).
pub type AsyncConnFn =
    for<'a> fn(&'a mut ConnCtx, Vec<Bytes>) -> Pin<Box<dyn Future<Output = ()> + 'a>>;

/// How a command is executed.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Runs on the shard owning its keys; several shards are locked and
    /// their keys gathered when the keys span shards.
    Keyed(KeyedFn),
    /// Runs synchronously on the client's core.
    Conn(ConnFn),
    /// Runs on the client's core and may await other shards.
    Async(AsyncConnFn),
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handler::Keyed(_) => write!(f, "Keyed"),
            Handler::Conn(_) => write!(f, "Conn"),
            Handler::Async(_) => write!(f, "Async"),
        }
    }
}

/// One command table entry.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// Lowercase name (`"get"`); subcommands are handled by their parent.
    pub name: &'static str,
    /// Redis arity: positive = exact argument count (name included),
    /// negative = at least that many.
    pub arity: i32,
    /// Bit set of [`flags`].
    pub flags: u32,
    /// Key positions.
    pub keys: KeySpec,
    /// Command group for `COMMAND DOCS` ("string", "generic", ...).
    pub group: &'static str,
    /// One-line summary for `COMMAND DOCS`.
    pub summary: &'static str,
    /// The handler.
    pub handler: Handler,
}

impl CommandSpec {
    /// Whether `argc` arguments (name included) satisfy the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc as i32 == a) || (a < 0 && argc as i32 >= -a)
    }

    /// Whether the command has flag `f`.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }
}

/// Shorthand for a table entry with range keys.
#[allow(clippy::too_many_arguments)]
pub const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    first: i32,
    last: i32,
    step: i32,
    group: &'static str,
    summary: &'static str,
    handler: Handler,
) -> CommandSpec {
    let keys = if first == 0 {
        KeySpec::None
    } else {
        KeySpec::Range { first, last, step }
    };
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        group,
        summary,
        handler,
    }
}

/// Subcommands of the container commands this server has, with their
/// arities (the subcommand counted as the second argument): Redis checks
/// them before queueing a command in MULTI, and names the command
/// `container|subcommand` (CLIENT LIST `cmd=`).
pub const SUBCOMMANDS: &[(&str, &[(&str, i32)])] = &[
    (
        "client",
        &[
            ("caching", 3),
            ("getname", 2),
            ("getredir", 2),
            ("help", 2),
            ("id", 2),
            ("info", 2),
            ("kill", -3),
            ("list", -2),
            ("no-evict", 3),
            ("no-touch", 3),
            ("pause", -3),
            ("reply", 3),
            ("setinfo", 4),
            ("setname", 3),
            ("tracking", -3),
            ("trackinginfo", 2),
            ("unblock", -3),
            ("unpause", 2),
        ],
    ),
    (
        "command",
        &[
            ("count", 2),
            ("docs", -2),
            ("getkeys", -4),
            ("getkeysandflags", -4),
            ("help", 2),
            ("info", -2),
            ("list", -2),
        ],
    ),
    (
        "config",
        &[
            ("get", -3),
            ("help", 2),
            ("resetstat", 2),
            ("rewrite", 2),
            ("set", -4),
        ],
    ),
    (
        "memory",
        &[
            ("doctor", 2),
            ("help", 2),
            ("malloc-stats", 2),
            ("purge", 2),
            ("stats", 2),
            ("usage", -3),
        ],
    ),
    (
        "object",
        &[
            ("encoding", 3),
            ("freq", 3),
            ("help", 2),
            ("idletime", 3),
            ("refcount", 3),
        ],
    ),
    (
        "pubsub",
        &[
            ("channels", -2),
            ("help", 2),
            ("numpat", 2),
            ("numsub", -2),
            ("shardchannels", -2),
            ("shardnumsub", -2),
        ],
    ),
    (
        "slowlog",
        &[("get", -2), ("help", 2), ("len", 2), ("reset", 2)],
    ),
];

/// Whether command `name` is a container whose first argument names a
/// subcommand.
pub fn is_container(name: &str) -> bool {
    SUBCOMMANDS.iter().any(|(c, _)| *c == name)
}

/// Redis' lookup-time error for a container command's subcommand: unknown
/// subcommand, or wrong number of arguments for it. `None` when `args` is
/// fine (or `spec` is not a container).
pub fn subcommand_error(spec: &CommandSpec, args: &[Bytes]) -> Option<String> {
    let (_, subs) = SUBCOMMANDS.iter().find(|(c, _)| *c == spec.name)?;
    let sub = args.get(1)?;
    let lower = String::from_utf8_lossy(sub).to_ascii_lowercase();
    let Some((name, arity)) = subs.iter().find(|(n, _)| *n == lower) else {
        let shown: String = String::from_utf8_lossy(&sub[..sub.len().min(128)]).into_owned();
        return Some(format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            shown,
            spec.name.to_ascii_uppercase()
        ));
    };
    let n = args.len() as i32;
    let ok = (*arity > 0 && n == *arity) || (*arity < 0 && n >= -*arity);
    (!ok).then(|| {
        format!(
            "ERR wrong number of arguments for '{}|{}' command",
            spec.name, name
        )
    })
}
