//! The declarative directive table: every configuration parameter of
//! Redis 7.0 (plus Shardis' own `threads`), with its alias, its type, its
//! range or allowed values, its default and its flags.
//!
//! Everything that depends on the *kind* of a parameter lives here too:
//! parsing and validating a new value (shared by the config file loader and
//! `CONFIG SET`, exactly as in Redis), and formatting a value the way
//! `CONFIG GET` prints it. The generic machinery (lookup, atomic multi-set,
//! rewrite) works on the table and never special-cases a name, except for
//! the handful of "special" parameters Redis also implements by hand
//! ([`Special`]).
//!
//! Numeric types mirror Redis' C types because their range checks differ:
//! for `unsigned long long`, `unsigned int` and `size_t` fields Redis checks
//! the bounds on the value reinterpreted as unsigned, for all other types on
//! the signed value. The resulting error texts
//! (`argument must be between 0 and 9223372036854775807 inclusive`...) are
//! reproduced exactly.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use super::parse::{c_strtoll, cstr, memtoull, string2d, string2ll};

/// `CONFIG SET` refuses to change the parameter at runtime
/// (`can't set immutable config`).
pub const IMMUTABLE: u16 = 1 << 0;
/// `CONFIG SET` is refused unless `enable-protected-configs` allows it for
/// the client (`can't set protected config`).
pub const PROTECTED: u16 = 1 << 1;
/// `CONFIG SET` is refused with `-LOADING` while the dataset is loading.
pub const DENY_LOADING: u16 = 1 << 2;
/// The value is a secret (passwords): the server should redact it from
/// `SLOWLOG`, `MONITOR` and the like.
pub const SENSITIVE: u16 = 1 << 3;
/// Not returned by `CONFIG GET` patterns, only by its exact name (Redis'
/// test/debug knobs).
pub const HIDDEN: u16 = 1 << 4;
/// Takes several arguments: several words on a config line, a
/// space-separated list in `CONFIG SET`.
pub const MULTI_ARG: u16 = 1 << 5;
/// Parameter unknown to Redis 7.0 (Shardis-only, or from a later Redis
/// version such as `set-max-listpack-entries`).
pub const SHARDIS_ONLY: u16 = 1 << 6;

/// How a numeric parameter is written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumFmt {
    /// A plain decimal integer.
    Int,
    /// A memory size: digits with an optional unit (`b k kb m mb g gb`).
    Memory,
    /// A memory size or a percentage (`5%`, stored negated as Redis does).
    MemoryPercent,
    /// An octal number (`unixsocketperm`).
    Octal,
}

/// The parameters Redis implements with dedicated code instead of one of its
/// generic types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// `dir`: the working directory (Redis `chdir`s into it immediately).
    Dir,
    /// `save`: RDB snapshot points, `<seconds> <changes>` pairs.
    Save,
    /// `client-output-buffer-limit`: `<class> <hard> <soft> <seconds>` groups.
    ClientOutputBufferLimit,
    /// `oom-score-adj-values`: three integers.
    OomScoreAdjValues,
    /// `notify-keyspace-events`: a set of class characters.
    NotifyKeyspaceEvents,
    /// `bind`: up to 16 addresses.
    Bind,
    /// `replicaof`: `<host> <port>` or `no one`.
    ReplicaOf,
    /// `latency-tracking-info-percentiles`: a list of percentiles.
    LatencyPercentiles,
}

/// Extra validation of a string value; the error is Redis' reason text.
pub type StrCheck = fn(&[u8]) -> Result<(), &'static str>;

/// Extra validation of an enumeration value; the error is Redis' reason text.
pub type EnumCheck = fn(u32) -> Result<(), &'static str>;

/// The type of a parameter, with its type-specific data.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool {
        /// Default value.
        default: bool,
    },
    /// A string.
    Str {
        /// Default value; `None` is Redis' NULL (prints as "").
        default: Option<&'static str>,
        /// An empty string is stored as NULL (matters for `CONFIG REWRITE`,
        /// which omits NULL strings).
        empty_is_null: bool,
        /// Extra validation, returning Redis' error text.
        check: Option<StrCheck>,
    },
    /// One of a fixed set of names; a set of flags when the directive has
    /// [`MULTI_ARG`].
    Enum {
        /// Names and their values, in Redis' order (used for error texts).
        values: &'static [(&'static str, u32)],
        /// Default value.
        default: u32,
        /// Extra validation, returning Redis' error text.
        check: Option<EnumCheck>,
    },
    /// An integer.
    Num {
        /// Range checked on the value reinterpreted as unsigned (C types
        /// `unsigned long long`, `unsigned int`, `size_t`).
        unsigned: bool,
        /// Lowest accepted value (a negative bound for percentages).
        min: i128,
        /// Highest accepted value.
        max: i128,
        /// Default value (Redis' internal representation).
        default: i64,
        /// Syntax accepted and printed.
        fmt: NumFmt,
    },
    /// Hand-written parameter, see [`Special`].
    Special(Special),
}

/// One configuration parameter.
#[derive(Clone, Copy, Debug)]
pub struct Directive {
    /// Canonical name, as `CONFIG GET` and `CONFIG REWRITE` write it.
    pub name: &'static str,
    /// Old name still accepted everywhere (`slave-*`, `*-ziplist-*`...).
    pub alias: Option<&'static str>,
    /// Bit set of [`IMMUTABLE`], [`PROTECTED`], [`DENY_LOADING`],
    /// [`SENSITIVE`], [`HIDDEN`], [`MULTI_ARG`], [`SHARDIS_ONLY`].
    pub flags: u16,
    /// Type, range and default.
    pub kind: Kind,
}

impl Directive {
    /// Whether `CONFIG SET` may change this parameter at runtime (protected
    /// parameters count as modifiable: they depend on the client).
    pub fn is_mutable(&self) -> bool {
        self.flags & IMMUTABLE == 0
    }

    /// Whether the parameter has all the given flag bits.
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag == flag
    }
}

// ---------------------------------------------------------------------------
// Enumerations
// ---------------------------------------------------------------------------

/// `maxmemory-policy` values.
pub const MAXMEMORY_POLICY: &[(&str, u32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
const SYSLOG_FACILITY: &[(&str, u32)] = &[
    ("user", 8),
    ("local0", 128),
    ("local1", 136),
    ("local2", 144),
    ("local3", 152),
    ("local4", 160),
    ("local5", 168),
    ("local6", 176),
    ("local7", 184),
];
/// `loglevel` values. `nothing` comes from Redis 7.2 and is accepted as an
/// extension.
pub const LOGLEVEL: &[(&str, u32)] = &[
    ("debug", 0),
    ("verbose", 1),
    ("notice", 2),
    ("warning", 3),
    ("nothing", 4),
];
const SUPERVISED: &[(&str, u32)] = &[("upstart", 1), ("systemd", 2), ("auto", 3), ("no", 0)];
/// `appendfsync` values.
pub const APPENDFSYNC: &[(&str, u32)] = &[("everysec", 1), ("always", 2), ("no", 0)];
const REPL_DISKLESS_LOAD: &[(&str, u32)] = &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
const TLS_AUTH_CLIENTS: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
const OOM_SCORE_ADJ: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
const ACL_PUBSUB_DEFAULT: &[(&str, u32)] = &[("allchannels", 1), ("resetchannels", 0)];
const SANITIZE_DUMP_PAYLOAD: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
/// `enable-protected-configs`, `enable-debug-command`,
/// `enable-module-command` values.
pub const PROTECTED_ACTION: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
const CLUSTER_ENDPOINT_TYPE: &[(&str, u32)] =
    &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
const PROPAGATION_ERROR_BEHAVIOR: &[(&str, u32)] =
    &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];
/// `shutdown-on-sigint` / `shutdown-on-sigterm` flags.
pub const SHUTDOWN_ON_SIG: &[(&str, u32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

/// `maxmemory-policy` value of `noeviction`.
pub const POLICY_NOEVICTION: u32 = 7;
/// `enable-protected-configs` value `yes`.
pub const PROTECTED_YES: u32 = 1;
/// `enable-protected-configs` value `local`.
pub const PROTECTED_LOCAL: u32 = 2;

// ---------------------------------------------------------------------------
// Validators (Redis' is_valid_fn callbacks)
// ---------------------------------------------------------------------------

fn is_base_name(v: &[u8]) -> bool {
    !cstr(v).iter().any(|&c| c == b'/' || c == b'\\')
}

fn check_dbfilename(v: &[u8]) -> Result<(), &'static str> {
    if is_base_name(v) {
        Ok(())
    } else {
        Err("dbfilename can't be a path, just a filename")
    }
}

fn check_appendfilename(v: &[u8]) -> Result<(), &'static str> {
    if cstr(v).is_empty() {
        Err("appendfilename can't be empty")
    } else if !is_base_name(v) {
        Err("appendfilename can't be a path, just a filename")
    } else {
        Ok(())
    }
}

fn check_appenddirname(v: &[u8]) -> Result<(), &'static str> {
    if cstr(v).is_empty() {
        Err("appenddirname can't be empty")
    } else if !is_base_name(v) {
        Err("appenddirname can't be a path, just a dirname")
    } else {
        Ok(())
    }
}

fn check_hostname(v: &[u8]) -> Result<(), &'static str> {
    let v = cstr(v);
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if v.iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots")
    }
}

/// Redis expands the template with `sdstemplate()` and refuses unknown
/// variables, a `{` without its `}`, and templates expanding to nothing.
fn check_proc_title_template(v: &[u8]) -> Result<(), &'static str> {
    const ERR: &str = "template format is invalid or contains unknown variables";
    let v = cstr(v);
    let mut out: Vec<u8> = Vec::new();
    let mut p = 0;
    while p < v.len() {
        let Some(off) = v[p..].iter().position(|&c| c == b'{') else {
            out.extend_from_slice(&v[p..]);
            break;
        };
        out.extend_from_slice(&v[p..p + off]);
        let sv = p + off + 1;
        if sv >= v.len() {
            return Err(ERR);
        }
        if v[sv] == b'{' {
            out.push(b'{');
            p = sv + 1;
            continue;
        }
        let Some(len) = v[sv..].iter().position(|&c| c == b'}') else {
            return Err(ERR);
        };
        // What each variable may expand to while validating: some can be
        // empty (`title` is validated as "", others depend on the setup).
        match &v[sv..sv + len] {
            b"title" | b"server-mode" | b"unixsocket" => {}
            b"listen-addr" | b"port" | b"tls-port" | b"config-file" => out.push(b'x'),
            _ => return Err(ERR),
        }
        p = sv + len + 1;
    }
    if out.iter().all(|&c| c == b' ') {
        Err(ERR)
    } else {
        Ok(())
    }
}

fn check_shutdown_flags(v: u32) -> Result<(), &'static str> {
    if v & 1 != 0 && v & 2 != 0 {
        Err("shutdown options SAVE and NOSAVE can't be used simultaneously")
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;
const MB: i64 = 1024 * 1024;

const fn b(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    default: bool,
) -> Directive {
    Directive {
        name,
        alias,
        flags,
        kind: Kind::Bool { default },
    }
}

const fn s(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    empty_is_null: bool,
    default: Option<&'static str>,
    check: Option<StrCheck>,
) -> Directive {
    Directive {
        name,
        alias,
        flags,
        kind: Kind::Str {
            default,
            empty_is_null,
            check,
        },
    }
}

const fn e(
    name: &'static str,
    flags: u16,
    values: &'static [(&'static str, u32)],
    default: u32,
) -> Directive {
    Directive {
        name,
        alias: None,
        flags,
        kind: Kind::Enum {
            values,
            default,
            check: None,
        },
    }
}

/// Signed numeric (C `int`, `long`, `long long`, `ssize_t`, `time_t`,
/// `off_t`, and `unsigned long`, which Redis checks as signed).
const fn i(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    min: i128,
    max: i128,
    default: i64,
    fmt: NumFmt,
) -> Directive {
    Directive {
        name,
        alias,
        flags,
        kind: Kind::Num {
            unsigned: false,
            min,
            max,
            default,
            fmt,
        },
    }
}

/// Unsigned numeric (C `unsigned int`, `unsigned long long`, `size_t`).
const fn u(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    min: i128,
    max: i128,
    default: i64,
    fmt: NumFmt,
) -> Directive {
    Directive {
        name,
        alias,
        flags,
        kind: Kind::Num {
            unsigned: true,
            min,
            max,
            default,
            fmt,
        },
    }
}

const fn sp(
    name: &'static str,
    alias: Option<&'static str>,
    flags: u16,
    special: Special,
) -> Directive {
    Directive {
        name,
        alias,
        flags,
        kind: Kind::Special(special),
    }
}

use NumFmt::{Int, Memory, MemoryPercent, Octal};

const M: u16 = 0; // modifiable
const IM: u16 = IMMUTABLE;

/// Every configuration parameter, in Redis' source order (booleans,
/// strings, enums, numbers, TLS, special ones), then Shardis' own: 179
/// entries, i.e. the 173 parameters `CONFIG GET *` lists on Redis 7.0 (with
/// TLS support), its 5 hidden debug parameters, and `threads`; 19 of them
/// also have an alias.
pub static DIRECTIVES: &[Directive] = &[
    // Booleans.
    b("rdbchecksum", None, IM, true),
    b("daemonize", None, IM, false),
    b("io-threads-do-reads", None, IM, false),
    b("always-show-logo", None, IM, false),
    b("protected-mode", None, M, true),
    b("rdbcompression", None, M, true),
    b("rdb-del-sync-files", None, M, false),
    b("activerehashing", None, M, true),
    b("stop-writes-on-bgsave-error", None, M, true),
    b("set-proc-title", None, IM, true),
    b("dynamic-hz", None, M, true),
    b("lazyfree-lazy-eviction", None, M, false),
    b("lazyfree-lazy-expire", None, M, false),
    b("lazyfree-lazy-server-del", None, M, false),
    b("lazyfree-lazy-user-del", None, M, false),
    b("lazyfree-lazy-user-flush", None, M, false),
    b("repl-disable-tcp-nodelay", None, M, false),
    b("repl-diskless-sync", None, M, true),
    b("aof-rewrite-incremental-fsync", None, M, true),
    b("no-appendfsync-on-rewrite", None, M, false),
    b("cluster-require-full-coverage", None, M, true),
    b("rdb-save-incremental-fsync", None, M, true),
    b("aof-load-truncated", None, M, true),
    b("aof-use-rdb-preamble", None, M, true),
    b("aof-timestamp-enabled", None, M, false),
    b(
        "cluster-replica-no-failover",
        Some("cluster-slave-no-failover"),
        M,
        false,
    ),
    b("replica-lazy-flush", Some("slave-lazy-flush"), M, false),
    b(
        "replica-serve-stale-data",
        Some("slave-serve-stale-data"),
        M,
        true,
    ),
    b("replica-read-only", Some("slave-read-only"), M, true),
    b(
        "replica-ignore-maxmemory",
        Some("slave-ignore-maxmemory"),
        M,
        true,
    ),
    b("jemalloc-bg-thread", None, M, true),
    b("activedefrag", None, M, false),
    b("syslog-enabled", None, IM, false),
    b("cluster-enabled", None, IM, false),
    b("appendonly", None, DENY_LOADING, false),
    b("cluster-allow-reads-when-down", None, M, false),
    b("cluster-allow-pubsubshard-when-down", None, M, true),
    b("crash-log-enabled", None, M, true),
    b("crash-memcheck-enabled", None, M, true),
    b("use-exit-on-panic", None, HIDDEN, false),
    b("disable-thp", None, IM, true),
    b("cluster-allow-replica-migration", None, M, true),
    b("replica-announced", None, M, true),
    b("latency-tracking", None, M, true),
    b("aof-disable-auto-gc", None, M, false),
    b("replica-ignore-disk-write-errors", None, M, false),
    // Strings.
    s("aclfile", None, IM, false, Some(""), None),
    s("unixsocket", None, IM, true, None, None),
    s("pidfile", None, IM, true, None, None),
    s(
        "replica-announce-ip",
        Some("slave-announce-ip"),
        M,
        true,
        None,
        None,
    ),
    s("masteruser", None, SENSITIVE, true, None, None),
    s("cluster-announce-ip", None, M, true, None, None),
    s(
        "cluster-config-file",
        None,
        IM,
        false,
        Some("nodes.conf"),
        None,
    ),
    s(
        "cluster-announce-hostname",
        None,
        M,
        true,
        None,
        Some(check_hostname),
    ),
    s("syslog-ident", None, IM, false, Some("redis"), None),
    s(
        "dbfilename",
        None,
        PROTECTED,
        false,
        Some("dump.rdb"),
        Some(check_dbfilename),
    ),
    s(
        "appendfilename",
        None,
        IM,
        false,
        Some("appendonly.aof"),
        Some(check_appendfilename),
    ),
    s(
        "appenddirname",
        None,
        IM,
        false,
        Some("appendonlydir"),
        Some(check_appenddirname),
    ),
    s("server_cpulist", None, IM, true, None, None),
    s("bio_cpulist", None, IM, true, None, None),
    s("aof_rewrite_cpulist", None, IM, true, None, None),
    s("bgsave_cpulist", None, IM, true, None, None),
    s("ignore-warnings", None, M, false, Some(""), None),
    s(
        "proc-title-template",
        None,
        M,
        false,
        Some("{title} {listen-addr} {server-mode}"),
        Some(check_proc_title_template),
    ),
    s("bind-source-addr", None, M, true, None, None),
    s("logfile", None, IM, false, Some(""), None),
    s("masterauth", None, SENSITIVE, true, None, None),
    s("requirepass", None, SENSITIVE, true, None, None),
    // Enumerations.
    e("supervised", IM, SUPERVISED, 0),
    e("syslog-facility", IM, SYSLOG_FACILITY, 128),
    e("repl-diskless-load", DENY_LOADING, REPL_DISKLESS_LOAD, 0),
    e("loglevel", M, LOGLEVEL, 2),
    e("maxmemory-policy", M, MAXMEMORY_POLICY, POLICY_NOEVICTION),
    e("appendfsync", M, APPENDFSYNC, 1),
    e("oom-score-adj", M, OOM_SCORE_ADJ, 0),
    e("acl-pubsub-default", M, ACL_PUBSUB_DEFAULT, 0),
    e("sanitize-dump-payload", M, SANITIZE_DUMP_PAYLOAD, 0),
    e("enable-protected-configs", IM, PROTECTED_ACTION, 0),
    e("enable-debug-command", IM, PROTECTED_ACTION, 0),
    e("enable-module-command", IM, PROTECTED_ACTION, 0),
    e(
        "cluster-preferred-endpoint-type",
        M,
        CLUSTER_ENDPOINT_TYPE,
        0,
    ),
    e(
        "propagation-error-behavior",
        M,
        PROPAGATION_ERROR_BEHAVIOR,
        0,
    ),
    Directive {
        name: "shutdown-on-sigint",
        alias: None,
        flags: MULTI_ARG,
        kind: Kind::Enum {
            values: SHUTDOWN_ON_SIG,
            default: 0,
            check: Some(check_shutdown_flags),
        },
    },
    Directive {
        name: "shutdown-on-sigterm",
        alias: None,
        flags: MULTI_ARG,
        kind: Kind::Enum {
            values: SHUTDOWN_ON_SIG,
            default: 0,
            check: Some(check_shutdown_flags),
        },
    },
    // int
    i("databases", None, IM, 1, INT_MAX, 16, Int),
    i("port", None, M, 0, 65535, 6379, Int),
    i("io-threads", None, IM, 1, 128, 1, Int),
    i("auto-aof-rewrite-percentage", None, M, 0, INT_MAX, 100, Int),
    i(
        "cluster-replica-validity-factor",
        Some("cluster-slave-validity-factor"),
        M,
        0,
        INT_MAX,
        10,
        Int,
    ),
    i(
        "list-max-listpack-size",
        Some("list-max-ziplist-size"),
        M,
        INT_MIN,
        INT_MAX,
        -2,
        Int,
    ),
    i("tcp-keepalive", None, M, 0, INT_MAX, 300, Int),
    i("cluster-migration-barrier", None, M, 0, INT_MAX, 1, Int),
    i("active-defrag-cycle-min", None, M, 1, 99, 1, Int),
    i("active-defrag-cycle-max", None, M, 1, 99, 25, Int),
    i("active-defrag-threshold-lower", None, M, 0, 1000, 10, Int),
    i("active-defrag-threshold-upper", None, M, 0, 1000, 100, Int),
    i("lfu-log-factor", None, M, 0, INT_MAX, 10, Int),
    i("lfu-decay-time", None, M, 0, INT_MAX, 1, Int),
    i(
        "replica-priority",
        Some("slave-priority"),
        M,
        0,
        INT_MAX,
        100,
        Int,
    ),
    i("repl-diskless-sync-delay", None, M, 0, INT_MAX, 5, Int),
    i("maxmemory-samples", None, M, 1, INT_MAX, 5, Int),
    i("maxmemory-eviction-tenacity", None, M, 0, 100, 10, Int),
    i("timeout", None, M, 0, INT_MAX, 0, Int),
    i(
        "replica-announce-port",
        Some("slave-announce-port"),
        M,
        0,
        65535,
        0,
        Int,
    ),
    i("tcp-backlog", None, IM, 0, INT_MAX, 511, Int),
    i("cluster-port", None, IM, 0, 65535, 0, Int),
    i("cluster-announce-bus-port", None, M, 0, 65535, 0, Int),
    i("cluster-announce-port", None, M, 0, 65535, 0, Int),
    i("cluster-announce-tls-port", None, M, 0, 65535, 0, Int),
    i("repl-timeout", None, M, 1, INT_MAX, 60, Int),
    i(
        "repl-ping-replica-period",
        Some("repl-ping-slave-period"),
        M,
        1,
        INT_MAX,
        10,
        Int,
    ),
    i("list-compress-depth", None, M, 0, INT_MAX, 0, Int),
    i("rdb-key-save-delay", None, HIDDEN, INT_MIN, INT_MAX, 0, Int),
    i("key-load-delay", None, HIDDEN, INT_MIN, INT_MAX, 0, Int),
    i("active-expire-effort", None, M, 1, 10, 1, Int),
    i("hz", None, M, 0, INT_MAX, 10, Int),
    i(
        "min-replicas-to-write",
        Some("min-slaves-to-write"),
        M,
        0,
        INT_MAX,
        0,
        Int,
    ),
    i(
        "min-replicas-max-lag",
        Some("min-slaves-max-lag"),
        M,
        0,
        INT_MAX,
        10,
        Int,
    ),
    i("watchdog-period", None, HIDDEN, 0, INT_MAX, 0, Int),
    i("shutdown-timeout", None, M, 0, INT_MAX, 10, Int),
    i(
        "repl-diskless-sync-max-replicas",
        None,
        M,
        0,
        INT_MAX,
        0,
        Int,
    ),
    // unsigned int
    u("maxclients", None, M, 1, UINT_MAX, 10000, Int),
    u("unixsocketperm", None, IM, 0, 0o777, 0, Octal),
    u("socket-mark-id", None, IM, 0, UINT_MAX, 0, Int),
    // unsigned long (range-checked as signed by Redis)
    i(
        "active-defrag-max-scan-fields",
        None,
        M,
        1,
        LONG_MAX,
        1000,
        Int,
    ),
    i("slowlog-max-len", None, M, 0, LONG_MAX, 128, Int),
    i("acllog-max-len", None, M, 0, LONG_MAX, 128, Int),
    // long long
    i(
        "busy-reply-threshold",
        Some("lua-time-limit"),
        M,
        0,
        LONG_MAX,
        5000,
        Int,
    ),
    i("cluster-node-timeout", None, M, 0, LONG_MAX, 15000, Int),
    i("slowlog-log-slower-than", None, M, -1, LONG_MAX, 10000, Int),
    i("latency-monitor-threshold", None, M, 0, LONG_MAX, 0, Int),
    i(
        "proto-max-bulk-len",
        None,
        M,
        MB as i128,
        LONG_MAX,
        512 * MB,
        Memory,
    ),
    i("stream-node-max-entries", None, M, 0, LONG_MAX, 100, Int),
    i("repl-backlog-size", None, M, 1, LONG_MAX, MB, Memory),
    // unsigned long long
    u("maxmemory", None, M, 0, ULLONG_MAX, 0, Memory),
    u(
        "cluster-link-sendbuf-limit",
        None,
        M,
        0,
        ULLONG_MAX,
        0,
        Memory,
    ),
    // size_t
    u(
        "hash-max-listpack-entries",
        Some("hash-max-ziplist-entries"),
        M,
        0,
        LONG_MAX,
        512,
        Int,
    ),
    u("set-max-intset-entries", None, M, 0, LONG_MAX, 512, Int),
    // Redis 7.2: small sets of strings as a listpack.
    u(
        "set-max-listpack-entries",
        None,
        M | SHARDIS_ONLY,
        0,
        LONG_MAX,
        128,
        Int,
    ),
    u(
        "set-max-listpack-value",
        None,
        M | SHARDIS_ONLY,
        0,
        LONG_MAX,
        64,
        Memory,
    ),
    u(
        "zset-max-listpack-entries",
        Some("zset-max-ziplist-entries"),
        M,
        0,
        LONG_MAX,
        128,
        Int,
    ),
    u(
        "active-defrag-ignore-bytes",
        None,
        M,
        1,
        LONG_MAX,
        100 * MB,
        Memory,
    ),
    u(
        "hash-max-listpack-value",
        Some("hash-max-ziplist-value"),
        M,
        0,
        LONG_MAX,
        64,
        Memory,
    ),
    u("stream-node-max-bytes", None, M, 0, LONG_MAX, 4096, Memory),
    u(
        "zset-max-listpack-value",
        Some("zset-max-ziplist-value"),
        M,
        0,
        LONG_MAX,
        64,
        Memory,
    ),
    u("hll-sparse-max-bytes", None, M, 0, LONG_MAX, 3000, Memory),
    u(
        "tracking-table-max-keys",
        None,
        M,
        0,
        LONG_MAX,
        1_000_000,
        Int,
    ),
    u(
        "client-query-buffer-limit",
        None,
        M,
        MB as i128,
        LONG_MAX,
        1024 * MB,
        Memory,
    ),
    // ssize_t
    i(
        "maxmemory-clients",
        None,
        M,
        -100,
        LONG_MAX,
        0,
        MemoryPercent,
    ),
    // time_t, off_t
    i("repl-backlog-ttl", None, M, 0, LONG_MAX, 3600, Int),
    i(
        "auto-aof-rewrite-min-size",
        None,
        M,
        0,
        LONG_MAX,
        64 * MB,
        Memory,
    ),
    i(
        "loading-process-events-interval-bytes",
        None,
        HIDDEN,
        1024,
        INT_MAX,
        2 * MB,
        Int,
    ),
    // TLS (Redis built with OpenSSL, as Debian's package is).
    i("tls-port", None, M, 0, 65535, 0, Int),
    i(
        "tls-session-cache-size",
        None,
        M,
        0,
        INT_MAX,
        20 * 1024,
        Int,
    ),
    i("tls-session-cache-timeout", None, M, 0, INT_MAX, 300, Int),
    b("tls-cluster", None, M, false),
    b("tls-replication", None, M, false),
    e("tls-auth-clients", M, TLS_AUTH_CLIENTS, 1),
    b("tls-prefer-server-ciphers", None, M, false),
    b("tls-session-caching", None, M, true),
    s("tls-cert-file", None, M, true, None, None),
    s("tls-key-file", None, M, true, None, None),
    s("tls-key-file-pass", None, SENSITIVE, true, None, None),
    s("tls-client-cert-file", None, M, true, None, None),
    s("tls-client-key-file", None, M, true, None, None),
    s(
        "tls-client-key-file-pass",
        None,
        SENSITIVE,
        true,
        None,
        None,
    ),
    s("tls-dh-params-file", None, M, true, None, None),
    s("tls-ca-cert-file", None, M, true, None, None),
    s("tls-ca-cert-dir", None, M, true, None, None),
    s("tls-protocols", None, M, true, None, None),
    s("tls-ciphers", None, M, true, None, None),
    s("tls-ciphersuites", None, M, true, None, None),
    // Special.
    sp("dir", None, PROTECTED | DENY_LOADING, Special::Dir),
    sp("save", None, MULTI_ARG, Special::Save),
    sp(
        "client-output-buffer-limit",
        None,
        MULTI_ARG,
        Special::ClientOutputBufferLimit,
    ),
    sp(
        "oom-score-adj-values",
        None,
        MULTI_ARG,
        Special::OomScoreAdjValues,
    ),
    sp(
        "notify-keyspace-events",
        None,
        M,
        Special::NotifyKeyspaceEvents,
    ),
    sp("bind", None, MULTI_ARG, Special::Bind),
    sp(
        "replicaof",
        Some("slaveof"),
        IM | MULTI_ARG,
        Special::ReplicaOf,
    ),
    sp(
        "latency-tracking-info-percentiles",
        None,
        MULTI_ARG,
        Special::LatencyPercentiles,
    ),
    // Shardis-only: number of shard threads, 0 = one per CPU the process may use.
    i("threads", None, IM | SHARDIS_ONLY, 0, 1024, 0, Int),
];

/// Redis 7 ignores these removed directives in config files when they come
/// with exactly one argument (`list-max-ziplist-entries 512` in an old file
/// does not prevent start-up).
pub const DEPRECATED: &[&str] = &[
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// The default of `bind` in Shardis: loopback only. Redis 7's built-in
/// default is `* -::*` (all interfaces, protected mode); Shardis started
/// without arguments must listen on 127.0.0.1:6379 only.
pub const DEFAULT_BIND: &[&str] = &["127.0.0.1", "-::1"];

/// Default `save` points (seconds, changes), as Redis 7.
pub const DEFAULT_SAVE: &[(i64, i32)] = &[(3600, 1), (300, 100), (60, 10000)];

/// Default `latency-tracking-info-percentiles`.
pub const DEFAULT_PERCENTILES: &[f64] = &[50.0, 99.0, 99.9];

/// Default `oom-score-adj-values`.
pub const DEFAULT_OOM: [i32; 3] = [0, 200, 800];

/// Most addresses `bind` accepts (Redis' CONFIG_BINDADDR_MAX).
pub const BIND_MAX: usize = 16;

/// Finds a parameter by name (case-insensitive), canonical or alias.
/// Returns its index in [`DIRECTIVES`] and whether `name` was the alias.
pub fn lookup(name: &[u8]) -> Option<(usize, bool)> {
    static MAP: OnceLock<HashMap<&'static str, (usize, bool)>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let mut m = HashMap::with_capacity(DIRECTIVES.len() * 2);
        for (idx, d) in DIRECTIVES.iter().enumerate() {
            m.insert(d.name, (idx, false));
            if let Some(a) = d.alias {
                m.insert(a, (idx, true));
            }
        }
        m
    });
    if name.len() > 64 {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let key = std::str::from_utf8(&lower).ok()?;
    map.get(key).copied()
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// The output buffer limits of one client class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientBufferLimit {
    /// Hard limit in bytes (0 = none): the client is disconnected at once.
    pub hard: u64,
    /// Soft limit in bytes (0 = none).
    pub soft: u64,
    /// How long the soft limit may be exceeded before disconnection.
    pub soft_seconds: i64,
}

/// Default limits for the normal, replica and pubsub classes.
pub const DEFAULT_OBUF: [ClientBufferLimit; 3] = [
    ClientBufferLimit {
        hard: 0,
        soft: 0,
        soft_seconds: 0,
    },
    ClientBufferLimit {
        hard: 256 * 1024 * 1024,
        soft: 64 * 1024 * 1024,
        soft_seconds: 60,
    },
    ClientBufferLimit {
        hard: 32 * 1024 * 1024,
        soft: 8 * 1024 * 1024,
        soft_seconds: 60,
    },
];

/// Keyspace notification classes (bits of `notify-keyspace-events`).
pub mod notify {
    /// `K`: publish on `__keyspace@<db>__`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key miss events (not included in `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key type events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new key events (not included in `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// A parameter's current value, in Redis' internal representation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    /// Any numeric type, as the C `long long` Redis parses into (unsigned
    /// 64-bit values keep their bit pattern).
    Int(i64),
    /// `None` is Redis' NULL string.
    Str(Option<Vec<u8>>),
    Enum(u32),
    /// `None`: never set, i.e. the process' working directory.
    Dir(Option<String>),
    Save(Vec<(i64, i32)>),
    Obuf([ClientBufferLimit; 3]),
    Oom([i32; 3]),
    Notify(u32),
    Bind(Vec<String>),
    ReplicaOf(Option<(String, i64)>),
    Percentiles(Vec<f64>),
}

/// The built-in default value of a parameter.
pub(crate) fn default_value(d: &Directive) -> Value {
    match d.kind {
        Kind::Bool { default } => Value::Bool(default),
        Kind::Str { default, .. } => Value::Str(default.map(|s| s.as_bytes().to_vec())),
        Kind::Enum { default, .. } => Value::Enum(default),
        Kind::Num { default, .. } => Value::Int(default),
        Kind::Special(sp) => match sp {
            Special::Dir => Value::Dir(None),
            Special::Save => Value::Save(DEFAULT_SAVE.to_vec()),
            Special::ClientOutputBufferLimit => Value::Obuf(DEFAULT_OBUF),
            Special::OomScoreAdjValues => Value::Oom(DEFAULT_OOM),
            Special::NotifyKeyspaceEvents => Value::Notify(0),
            Special::Bind => Value::Bind(DEFAULT_BIND.iter().map(|s| s.to_string()).collect()),
            Special::ReplicaOf => Value::ReplicaOf(None),
            Special::LatencyPercentiles => Value::Percentiles(DEFAULT_PERCENTILES.to_vec()),
        },
    }
}

/// What a value is being set from: it changes how `save` lines combine and
/// what relative paths are relative to.
pub(crate) struct SetCtx<'a> {
    /// True while reading configuration text (file, stdin, options).
    pub from_file: bool,
    /// A `save` line was already seen while reading configuration text:
    /// later lines add points instead of replacing the defaults.
    pub save_loaded: bool,
    /// The directory relative paths are resolved against (Redis' current
    /// directory: the process cwd, or the last `dir`).
    pub cwd: &'a Path,
}

/// `argument(s) must be one of the following: a, b, c`, truncated to 255
/// bytes like Redis' static buffer.
fn enum_error(values: &[(&str, u32)]) -> String {
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let mut msg = format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    );
    msg.truncate(255);
    msg
}

/// Redis' `configEnumGetValue`: one name, or several flag names OR-ed.
fn enum_parse(values: &[(&str, u32)], args: &[&[u8]], flags: bool) -> Option<u32> {
    if args.is_empty() || (!flags && args.len() != 1) {
        return None;
    }
    let mut out = 0;
    for a in args {
        let a = cstr(a);
        let mut matched = false;
        for (name, v) in values {
            if a.eq_ignore_ascii_case(name.as_bytes()) {
                out |= v;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(out)
}

/// Redis' `configEnumGetName`: the first exact match, or for flag sets the
/// names of the bits, or "unknown".
pub(crate) fn enum_name(values: &[(&str, u32)], v: u32, flags: bool) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut unmatched = v;
    for (name, val) in values {
        if v == *val {
            return name.to_string();
        }
        if flags && *val != 0 && *val == (unmatched & val) {
            names.push(name);
            unmatched &= !val;
        }
    }
    if names.is_empty() || unmatched != 0 {
        "unknown".to_string()
    } else {
        names.join(" ")
    }
}

/// Parses and range-checks a numeric value (Redis' `numericParseString` and
/// `numericBoundaryCheck`).
fn num_parse(fmt: NumFmt, unsigned: bool, min: i128, max: i128, arg: &[u8]) -> Result<i64, String> {
    let mut parsed: Option<i64> = None;
    if matches!(fmt, Memory | MemoryPercent) {
        parsed = memtoull(arg).map(|v| v as i64);
    }
    if parsed.is_none() && fmt == MemoryPercent && arg.len() > 1 && arg[arg.len() - 1] == b'%' {
        if let Some(v) = string2ll(&arg[..arg.len() - 1]) {
            if v >= 0 {
                parsed = Some(-v);
            }
        }
    }
    if parsed.is_none() && fmt == Octal {
        let r = c_strtoll(arg, 8);
        if !r.overflow && r.complete {
            parsed = Some(r.value);
        }
    }
    if parsed.is_none() && fmt == Int {
        parsed = string2ll(arg);
    }
    let Some(ll) = parsed else {
        return Err(match fmt {
            MemoryPercent => "argument must be a memory or percent value",
            Memory => "argument must be a memory value",
            Octal => "argument couldn't be parsed as an octal number",
            Int => "argument couldn't be parsed into an integer",
        }
        .to_string());
    };
    if unsigned {
        let ull = ll as u64 as i128;
        if ull > max || ull < min {
            return Err(if fmt == Octal {
                format!("argument must be between {min:o} and {max:o} inclusive")
            } else {
                format!("argument must be between {min} and {max} inclusive")
            });
        }
    } else if fmt == MemoryPercent && ll < 0 {
        if (ll as i128) < min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -min
            ));
        }
    } else if (ll as i128) > max || (ll as i128) < min {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(ll)
}

/// Redis' `getClientTypeByName`, restricted to the classes that have output
/// buffer limits (normal, replica/slave, pubsub).
fn obuf_class(name: &[u8]) -> Option<usize> {
    let n = cstr(name);
    if n.eq_ignore_ascii_case(b"normal") {
        Some(0)
    } else if n.eq_ignore_ascii_case(b"slave") || n.eq_ignore_ascii_case(b"replica") {
        Some(1)
    } else if n.eq_ignore_ascii_case(b"pubsub") {
        Some(2)
    } else {
        None
    }
}

/// Parses `notify-keyspace-events` classes; `None` on an unknown character.
pub(crate) fn notify_parse(s: &[u8]) -> Option<u32> {
    let mut flags = 0;
    for &c in cstr(s) {
        flags |= match c {
            b'A' => notify::ALL,
            b'g' => notify::GENERIC,
            b'$' => notify::STRING,
            b'l' => notify::LIST,
            b's' => notify::SET,
            b'h' => notify::HASH,
            b'z' => notify::ZSET,
            b'x' => notify::EXPIRED,
            b'e' => notify::EVICTED,
            b'K' => notify::KEYSPACE,
            b'E' => notify::KEYEVENT,
            b't' => notify::STREAM,
            b'm' => notify::KEY_MISS,
            b'd' => notify::MODULE,
            b'n' => notify::NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Formats `notify-keyspace-events` classes the way Redis prints them.
pub(crate) fn notify_format(flags: u32) -> String {
    use notify::*;
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// Formats a percentile like Redis: `%f` with trailing zeros (and a
/// trailing dot) removed.
pub(crate) fn format_percentile(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Validates new arguments for a parameter and computes its new value.
///
/// `args` are the words after the directive name (config file) or the
/// `CONFIG SET` value, split on single spaces for [`MULTI_ARG`] parameters.
/// Errors are Redis' reason texts.
pub(crate) fn parse_value(
    d: &Directive,
    args: &[&[u8]],
    current: &Value,
    ctx: &mut SetCtx<'_>,
) -> Result<Value, String> {
    let single = || -> Result<&[u8], String> {
        match args {
            [one] => Ok(*one),
            _ => Err("wrong number of arguments".to_string()),
        }
    };
    match d.kind {
        Kind::Bool { .. } => {
            let a = cstr(single()?);
            if a.eq_ignore_ascii_case(b"yes") {
                Ok(Value::Bool(true))
            } else if a.eq_ignore_ascii_case(b"no") {
                Ok(Value::Bool(false))
            } else {
                Err("argument must be 'yes' or 'no'".to_string())
            }
        }
        Kind::Str {
            empty_is_null,
            check,
            ..
        } => {
            let a = single()?;
            if let Some(check) = check {
                check(a).map_err(str::to_string)?;
            }
            if empty_is_null && cstr(a).is_empty() {
                Ok(Value::Str(None))
            } else {
                Ok(Value::Str(Some(a.to_vec())))
            }
        }
        Kind::Enum { values, check, .. } => {
            let flags = d.has(MULTI_ARG);
            let v = enum_parse(values, args, flags).ok_or_else(|| enum_error(values))?;
            if let Some(check) = check {
                check(v).map_err(str::to_string)?;
            }
            Ok(Value::Enum(v))
        }
        Kind::Num {
            unsigned,
            min,
            max,
            fmt,
            ..
        } => {
            let mut v = num_parse(fmt, unsigned, min, max, single()?)?;
            if d.name == "hz" {
                // Redis accepts any hz but caps it into [1, 500].
                v = v.clamp(1, 500);
            }
            Ok(Value::Int(v))
        }
        Kind::Special(sp) => parse_special(sp, args, current, ctx),
    }
}

fn parse_special(
    sp: Special,
    args: &[&[u8]],
    current: &Value,
    ctx: &mut SetCtx<'_>,
) -> Result<Value, String> {
    match sp {
        Special::Dir => {
            let [a] = args else {
                return Err("wrong number of arguments".to_string());
            };
            let p = ctx.cwd.join(lossy(cstr(a)));
            let abs = std::fs::canonicalize(&p).map_err(|e| super::error::strerror(&e))?;
            if !abs.is_dir() {
                return Err("Not a directory".to_string());
            }
            Ok(Value::Dir(Some(abs.to_string_lossy().into_owned())))
        }
        Special::Save => {
            let clear = args.len() == 1 && args[0].is_empty();
            let args: &[&[u8]] = if clear { &[] } else { args };
            const ERR: &str = "Invalid save parameters";
            if args.len() % 2 == 1 {
                return Err(ERR.to_string());
            }
            let mut points = Vec::with_capacity(args.len() / 2);
            for pair in args.chunks(2) {
                let secs = c_strtoll(pair[0], 10);
                let changes = c_strtoll(pair[1], 10);
                if !secs.complete || secs.value < 1 || !changes.complete || changes.value < 0 {
                    return Err(ERR.to_string());
                }
                // Redis stores the change count in a C int.
                points.push((secs.value, changes.value as i32));
            }
            let mut out = Vec::new();
            if ctx.from_file && ctx.save_loaded && !clear {
                if let Value::Save(old) = current {
                    out = old.clone();
                }
            }
            if ctx.from_file {
                ctx.save_loaded = true;
            }
            out.extend(points);
            Ok(Value::Save(out))
        }
        Special::ClientOutputBufferLimit => {
            let Value::Obuf(mut limits) = current.clone() else {
                return Err("internal error".to_string());
            };
            if !args.len().is_multiple_of(4) {
                return Err("Wrong number of arguments in buffer limit configuration.".to_string());
            }
            // Check every group before changing anything.
            for g in args.chunks(4) {
                let class = obuf_class(g[0]).ok_or_else(|| {
                    "Invalid client class specified in buffer limit configuration.".to_string()
                })?;
                let hard = memtoull(g[1]);
                let soft = memtoull(g[2]);
                let secs = c_strtoll(g[3], 10);
                let secs_int = secs.value as i32;
                match (hard, soft) {
                    (Some(hard), Some(soft)) if secs_int >= 0 && secs.complete => {
                        limits[class] = ClientBufferLimit { hard, soft, soft_seconds: i64::from(secs_int) };
                    }
                    _ => {
                        return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration."
                            .to_string())
                    }
                }
            }
            Ok(Value::Obuf(limits))
        }
        Special::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".to_string());
            }
            let mut vals = [0i32; 3];
            for (slot, a) in vals.iter_mut().zip(args) {
                let r = c_strtoll(a, 10);
                if !r.complete || r.value < -2000 || r.value > 2000 {
                    return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                            .to_string(),
                    );
                }
                *slot = r.value as i32;
            }
            Ok(Value::Oom(vals))
        }
        Special::NotifyKeyspaceEvents => {
            let [a] = args else {
                return Err("wrong number of arguments".to_string());
            };
            notify_parse(a)
                .map(Value::Notify)
                .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string())
        }
        Special::Bind => {
            if args.len() > BIND_MAX {
                return Err("Too many bind addresses specified.".to_string());
            }
            if args.len() == 1 && args[0].is_empty() {
                return Ok(Value::Bind(Vec::new()));
            }
            Ok(Value::Bind(args.iter().map(|a| lossy(cstr(a))).collect()))
        }
        Special::ReplicaOf => {
            let [host, port] = args else {
                return Err("wrong number of arguments".to_string());
            };
            if cstr(host).eq_ignore_ascii_case(b"no") && cstr(port).eq_ignore_ascii_case(b"one") {
                return Ok(Value::ReplicaOf(None));
            }
            let p = c_strtoll(port, 10);
            if p.value < 0 || p.value > 65535 || !p.complete {
                return Err("Invalid master port".to_string());
            }
            Ok(Value::ReplicaOf(Some((lossy(cstr(host)), p.value))))
        }
        Special::LatencyPercentiles => {
            if args.len() == 1 && args[0].is_empty() {
                return Ok(Value::Percentiles(Vec::new()));
            }
            let mut out = Vec::with_capacity(args.len());
            for a in args {
                let v = string2d(a).ok_or_else(|| {
                    "Invalid latency-tracking-info-percentiles parameters".to_string()
                })?;
                if !(0.0..=100.0).contains(&v) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                            .to_string(),
                    );
                }
                out.push(v);
            }
            Ok(Value::Percentiles(out))
        }
    }
}

/// Formats a value the way `CONFIG GET` prints it.
pub(crate) fn format_value(d: &Directive, v: &Value) -> String {
    match (d.kind, v) {
        (_, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        (Kind::Num { fmt, .. }, Value::Int(n)) => match fmt {
            MemoryPercent if *n < 0 => format!("{}%", -(*n as i128)),
            Memory | MemoryPercent => (*n as u64).to_string(),
            Octal => format!("{n:o}"),
            Int => n.to_string(),
        },
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Str(s)) => s.as_deref().map(lossy).unwrap_or_default(),
        (Kind::Enum { values, .. }, Value::Enum(e)) => enum_name(values, *e, d.has(MULTI_ARG)),
        (_, Value::Enum(e)) => e.to_string(),
        (_, Value::Dir(dir)) => match dir {
            Some(d) => d.clone(),
            None => std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
        },
        (_, Value::Save(points)) => points
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Obuf(l)) => ["normal", "slave", "pubsub"]
            .iter()
            .zip(l.iter())
            .map(|(n, l)| format!("{n} {} {} {}", l.hard, l.soft, l.soft_seconds))
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::Oom(v)) => format!("{} {} {}", v[0], v[1], v[2]),
        (_, Value::Notify(f)) => notify_format(*f),
        (_, Value::Bind(addrs)) => addrs.join(" "),
        (_, Value::ReplicaOf(r)) => match r {
            Some((h, p)) => format!("{h} {p}"),
            None => String::new(),
        },
        (_, Value::Percentiles(p)) => p
            .iter()
            .map(|v| format_percentile(*v))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn ctx(cwd: &Path) -> SetCtx<'_> {
        SetCtx {
            from_file: false,
            save_loaded: false,
            cwd,
        }
    }

    fn set(name: &str, args: &[&str]) -> Result<String, String> {
        let (idx, _) = lookup(name.as_bytes()).expect("known directive");
        let d = &DIRECTIVES[idx];
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let cur = default_value(d);
        let cwd = std::env::temp_dir();
        parse_value(d, &args, &cur, &mut ctx(&cwd)).map(|v| format_value(d, &v))
    }

    #[test]
    fn names_are_unique_lowercase_and_defaults_are_valid() {
        let mut seen = HashSet::new();
        for d in DIRECTIVES {
            assert!(seen.insert(d.name), "duplicate {}", d.name);
            assert_eq!(d.name, d.name.to_ascii_lowercase());
            if let Some(a) = d.alias {
                assert!(seen.insert(a), "duplicate alias {a}");
            }
            // Every default must be accepted back by its own parser.
            if let Kind::Num {
                default,
                min,
                max,
                unsigned,
                ..
            } = d.kind
            {
                let v = if unsigned {
                    default as u64 as i128
                } else {
                    default as i128
                };
                assert!(v >= min && v <= max, "{} default out of range", d.name);
            }
        }
        assert_eq!(DIRECTIVES.len(), 181);
    }

    #[test]
    fn lookup_is_case_insensitive_and_resolves_aliases() {
        let (i, alias) = lookup(b"SLAVE-Priority").unwrap();
        assert!(alias);
        assert_eq!(DIRECTIVES[i].name, "replica-priority");
        assert_eq!(
            lookup(b"maxmemory").map(|(i, a)| (DIRECTIVES[i].name, a)),
            Some(("maxmemory", false))
        );
        assert!(lookup(b"nope").is_none());
        assert!(lookup(&[0xff, 0xfe]).is_none());
    }

    #[test]
    fn booleans() {
        assert_eq!(set("daemonize", &["YES"]), Ok("yes".into()));
        assert_eq!(set("daemonize", &["No"]), Ok("no".into()));
        assert_eq!(
            set("daemonize", &["1"]),
            Err("argument must be 'yes' or 'no'".into())
        );
        assert_eq!(
            set("daemonize", &["yes", "no"]),
            Err("wrong number of arguments".into())
        );
    }

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(
            set("port", &["99999"]),
            Err("argument must be between 0 and 65535 inclusive".into())
        );
        assert_eq!(
            set("port", &["abc"]),
            Err("argument couldn't be parsed into an integer".into())
        );
        assert_eq!(
            set("hz", &["010"]),
            Err("argument couldn't be parsed into an integer".into())
        );
        assert_eq!(set("hz", &["0"]), Ok("1".into()));
        assert_eq!(set("hz", &["1000"]), Ok("500".into()));
        assert_eq!(
            set("maxclients", &["0"]),
            Err("argument must be between 1 and 4294967295 inclusive".into())
        );
        assert_eq!(
            set("hash-max-listpack-entries", &["-1"]),
            Err("argument must be between 0 and 9223372036854775807 inclusive".into())
        );
        assert_eq!(
            set("slowlog-log-slower-than", &["-2"]),
            Err("argument must be between -1 and 9223372036854775807 inclusive".into())
        );
        assert_eq!(set("slowlog-log-slower-than", &["-1"]), Ok("-1".into()));
        assert_eq!(
            set("list-max-listpack-size", &["-2147483649"]),
            Err("argument must be between -2147483648 and 2147483647 inclusive".into())
        );
    }

    #[test]
    fn memory_values() {
        assert_eq!(set("maxmemory", &["1kb"]), Ok("1024".into()));
        assert_eq!(set("maxmemory", &["1K"]), Ok("1000".into()));
        assert_eq!(set("maxmemory", &["1Gb"]), Ok("1073741824".into()));
        assert_eq!(set("maxmemory", &["2m"]), Ok("2000000".into()));
        assert_eq!(set("maxmemory", &["3mb"]), Ok("3145728".into()));
        assert_eq!(set("maxmemory", &["5g"]), Ok("5000000000".into()));
        assert_eq!(set("maxmemory", &["7b"]), Ok("7".into()));
        assert_eq!(set("maxmemory", &[""]), Ok("0".into()));
        assert_eq!(
            set("maxmemory", &["18446744073709551615"]),
            Ok("18446744073709551615".into())
        );
        assert_eq!(
            set("maxmemory", &["99999999999999999999999"]),
            Ok("18446744073709551615".into())
        );
        assert_eq!(
            set("maxmemory", &["1.5mb"]),
            Err("argument must be a memory value".into())
        );
        assert_eq!(
            set("maxmemory", &["-1"]),
            Err("argument must be a memory value".into())
        );
        assert_eq!(
            set("maxmemory", &["1tb"]),
            Err("argument must be a memory value".into())
        );
        assert_eq!(
            set("proto-max-bulk-len", &["10"]),
            Err("argument must be between 1048576 and 9223372036854775807 inclusive".into())
        );
        assert_eq!(
            set("proto-max-bulk-len", &["18446744073709551615"]),
            Err("argument must be between 1048576 and 9223372036854775807 inclusive".into())
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(set("maxmemory-clients", &["10%"]), Ok("10%".into()));
        assert_eq!(set("maxmemory-clients", &["0%"]), Ok("0".into()));
        assert_eq!(set("maxmemory-clients", &["1kb"]), Ok("1024".into()));
        assert_eq!(
            set("maxmemory-clients", &["101%"]),
            Err("percentage argument must be less or equal to 100".into())
        );
        assert_eq!(
            set("maxmemory-clients", &["-5%"]),
            Err("argument must be a memory or percent value".into())
        );
        assert_eq!(
            set("maxmemory-clients", &["%"]),
            Err("argument must be a memory or percent value".into())
        );
    }

    #[test]
    fn octal() {
        assert_eq!(set("unixsocketperm", &["700"]), Ok("700".into()));
        assert_eq!(set("unixsocketperm", &["0755"]), Ok("755".into()));
        assert_eq!(
            set("unixsocketperm", &["1000"]),
            Err("argument must be between 0 and 777 inclusive".into())
        );
        assert_eq!(
            set("unixsocketperm", &["9"]),
            Err("argument couldn't be parsed as an octal number".into())
        );
    }

    #[test]
    fn enums_and_flags() {
        assert_eq!(
            set("maxmemory-policy", &["ALLKEYS-LRU"]),
            Ok("allkeys-lru".into())
        );
        assert_eq!(
            set("appendfsync", &["sometimes"]),
            Err("argument(s) must be one of the following: everysec, always, no".into())
        );
        assert_eq!(set("oom-score-adj", &["relative"]), Ok("yes".into()));
        assert_eq!(
            set("shutdown-on-sigint", &["save", "now"]),
            Ok("save now".into())
        );
        assert_eq!(
            set("shutdown-on-sigint", &["now", "save", "force"]),
            Ok("save now force".into())
        );
        assert_eq!(
            set("shutdown-on-sigint", &["default", "now"]),
            Ok("now".into())
        );
        assert_eq!(
            set("shutdown-on-sigint", &["save", "nosave"]),
            Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into())
        );
        assert_eq!(
            set("shutdown-on-sigint", &[]),
            Err(
                "argument(s) must be one of the following: default, save, nosave, now, force"
                    .into()
            )
        );
        assert_eq!(set("loglevel", &["nothing"]), Ok("nothing".into()));
    }

    #[test]
    fn strings() {
        assert_eq!(
            set("dbfilename", &["a/b"]),
            Err("dbfilename can't be a path, just a filename".into())
        );
        assert_eq!(
            set("appendfilename", &[""]),
            Err("appendfilename can't be empty".into())
        );
        assert_eq!(
            set("appenddirname", &["x\\y"]),
            Err("appenddirname can't be a path, just a dirname".into())
        );
        assert_eq!(
            set("cluster-announce-hostname", &["a_b"]),
            Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
        );
        assert_eq!(
            set("cluster-announce-hostname", &["my-host.local"]),
            Ok("my-host.local".into())
        );
        let bad = "template format is invalid or contains unknown variables";
        for t in [
            "{foo}",
            "{title",
            " ",
            "{server-mode}",
            "{unixsocket}",
            "x{",
        ] {
            assert_eq!(set("proc-title-template", &[t]), Err(bad.into()), "{t}");
        }
        for t in [
            "{config-file}",
            "{title} {listen-addr} {server-mode}",
            "redis {{port}",
        ] {
            assert!(set("proc-title-template", &[t]).is_ok(), "{t}");
        }
        assert_eq!(set("requirepass", &[""]), Ok("".into()));
    }

    #[test]
    fn specials() {
        assert_eq!(
            set("save", &["1", "2", "3"]),
            Err("Invalid save parameters".into())
        );
        assert_eq!(
            set("save", &["0", "2"]),
            Err("Invalid save parameters".into())
        );
        assert_eq!(
            set("save", &["10", "-1"]),
            Err("Invalid save parameters".into())
        );
        assert_eq!(set("save", &["10", ""]), Ok("10 0".into()));
        assert_eq!(set("save", &["10", "5", "20", "6"]), Ok("10 5 20 6".into()));
        assert_eq!(set("save", &[""]), Ok("".into()));
        assert_eq!(set("save", &[]), Ok("".into()));
        assert_eq!(
            set(
                "client-output-buffer-limit",
                &["replica", "1mb", "2kb", "3"]
            ),
            Ok("normal 0 0 0 slave 1048576 2048 3 pubsub 33554432 8388608 60".into())
        );
        assert_eq!(
            set("client-output-buffer-limit", &["normal", "1", "2"]),
            Err("Wrong number of arguments in buffer limit configuration.".into())
        );
        assert_eq!(
            set("client-output-buffer-limit", &["master", "1", "2", "3"]),
            Err("Invalid client class specified in buffer limit configuration.".into())
        );
        assert_eq!(
            set("client-output-buffer-limit", &["pubsub", "1", "2", "-1"]),
            Err(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.".into()
            )
        );
        assert_eq!(
            set("oom-score-adj-values", &["1", "2"]),
            Err("wrong number of arguments".into())
        );
        assert_eq!(
            set("oom-score-adj-values", &["1", "2", "3000"]),
            Err("Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into())
        );
        assert_eq!(set("notify-keyspace-events", &["KEA"]), Ok("AKE".into()));
        assert_eq!(
            set("notify-keyspace-events", &["g$lshzxet"]),
            Ok("g$lshzxet".into())
        );
        assert_eq!(
            set("notify-keyspace-events", &["g$lshzxetdn"]),
            Ok("A".into())
        );
        assert_eq!(set("notify-keyspace-events", &["Am"]), Ok("Am".into()));
        assert_eq!(set("notify-keyspace-events", &["dn"]), Ok("dn".into()));
        assert_eq!(
            set("notify-keyspace-events", &["Kq"]),
            Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
        );
        assert_eq!(set("bind", &[""]), Ok("".into()));
        assert_eq!(set("bind", &["1.2.3.4", "::1"]), Ok("1.2.3.4 ::1".into()));
        let many: Vec<&str> = std::iter::repeat_n("a", 17).collect();
        assert_eq!(
            set("bind", &many),
            Err("Too many bind addresses specified.".into())
        );
        assert_eq!(
            set("replicaof", &["h", "x"]),
            Err("Invalid master port".into())
        );
        assert_eq!(
            set("replicaof", &["h", "70000"]),
            Err("Invalid master port".into())
        );
        assert_eq!(
            set("replicaof", &["h"]),
            Err("wrong number of arguments".into())
        );
        assert_eq!(set("replicaof", &["h", "6380"]), Ok("h 6380".into()));
        assert_eq!(set("replicaof", &["NO", "one"]), Ok("".into()));
        assert_eq!(
            set("latency-tracking-info-percentiles", &["50", "99.99", "100"]),
            Ok("50 99.99 100".into())
        );
        assert_eq!(
            set("latency-tracking-info-percentiles", &["101"]),
            Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into()
            )
        );
        assert_eq!(
            set("latency-tracking-info-percentiles", &["abc"]),
            Err("Invalid latency-tracking-info-percentiles parameters".into())
        );
        assert_eq!(
            set("dir", &["/definitely/not/here"]),
            Err("No such file or directory".into())
        );
    }

    #[test]
    fn enum_name_unknown_and_flags() {
        assert_eq!(enum_name(SHUTDOWN_ON_SIG, 0, true), "default");
        assert_eq!(enum_name(SHUTDOWN_ON_SIG, 16, true), "unknown");
        assert_eq!(enum_name(LOGLEVEL, 9, false), "unknown");
    }

    #[test]
    fn percentile_format() {
        assert_eq!(format_percentile(99.9), "99.9");
        assert_eq!(format_percentile(50.0), "50");
        assert_eq!(format_percentile(99.9999999), "100");
        assert_eq!(format_percentile(0.0), "0");
    }
}
