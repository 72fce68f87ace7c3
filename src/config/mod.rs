//! Server configuration, compatible with Redis 7.0's `redis.conf`,
//! `redis-server` command line, `CONFIG GET`, `CONFIG SET` and
//! `CONFIG REWRITE`.
//!
//! # Why a table
//!
//! Redis 7 describes (almost) every parameter declaratively: a name, an
//! optional alias, a type with its range or allowed values, a default, and
//! flags (immutable, protected...). The same description drives the config
//! file loader, `CONFIG SET`, `CONFIG GET` and `CONFIG REWRITE`, which is
//! what keeps them consistent. This module does the same: [`DIRECTIVES`]
//! lists every parameter of Redis 7.0 (TLS ones included, hidden debug ones
//! too) plus Shardis' own `threads`; [`Config`] holds one value per entry.
//!
//! # Loading
//!
//! [`Config::from_args`] takes `argv[1..]` like `redis-server`: an optional
//! config file first, then `--name value...` options appended to the file as
//! extra lines (so they override it), `-` to also read standard input, and
//! `--sentinel`. Errors are [`ConfigError`]s whose `Display` is Redis' fatal
//! error block, with the same line numbers and reasons.
//!
//! # Differences from Redis 7.0 (all deliberate)
//!
//! * `bind` defaults to `127.0.0.1 -::1` (Redis: `* -::*`): Shardis started
//!   without arguments listens on loopback only. A file or option setting
//!   `bind` behaves as in Redis.
//! * `threads` is Shardis-only: the number of shard threads, `0` (default)
//!   meaning one per CPU the process may run on. Immutable at runtime.
//! * `loglevel` also accepts `nothing` (a Redis 7.2 value), so the list in
//!   its error message has five names.
//! * `dir` is not `chdir`ed into by this module (a library must not change
//!   the process' directory behind its owner's back). The directory is
//!   validated and stored as an absolute path, relative paths that follow it
//!   in the file (`include`, another `dir`) are resolved against it as if
//!   Redis had changed directory, and the server is expected to `chdir`.
//!   Until `dir` is set, `CONFIG GET dir` reports the process' directory,
//!   like Redis' `getcwd()`.
//! * `save` lines accumulate through `include`s too. (Redis 7.0 loses the
//!   "reading a config file" state after an `include`, so `save` lines that
//!   follow one replace each other instead of accumulating; that is a bug.)
//! * `rename-command`, `user`, `loadmodule`, module parameters (`name.with.dot`)
//!   and `sentinel` lines are recorded with their origin for the server to
//!   act on (commands, ACL and modules are not this module's business);
//!   only the checks that need no command table or ACL engine are made here
//!   (argument counts, duplicate users). See
//!   [`Config::validate_rename_commands`].
//! * `include` nesting stops at [`parse::MAX_INCLUDE_DEPTH`] levels instead
//!   of crashing on an include loop.
//! * `CONFIG REWRITE` keeps `user`/`loadmodule` lines unless the server
//!   provides them ([`RewriteOptions`]), and writes parameters in table
//!   order where Redis uses its hash table order.
//! * The fatal error banner shows Shardis' version where Redis shows its
//!   own ([`error::BANNER_VERSION`]).

#![warn(missing_docs)]

pub mod directives;
pub mod error;
pub mod parse;
pub mod rewrite;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use directives::{notify, ClientBufferLimit, Directive, DIRECTIVES};
pub use error::{ConfigError, ConfigSetError, Origin, RewriteError};
pub use rewrite::RewriteOptions;

use directives::{
    Kind, SetCtx, Value, DENY_LOADING, HIDDEN, IMMUTABLE, MULTI_ARG, PROTECTED, SENSITIVE,
};
use parse::{lossy_name, Loader};

/// A `rename-command` directive: `from` is renamed to `to` (removed when
/// `to` is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameCommand {
    /// The command's current name.
    pub from: Vec<u8>,
    /// Its new name; empty to remove the command.
    pub to: Vec<u8>,
    /// Where the directive was, for error reporting.
    pub origin: Origin,
}

/// A `user` directive: the user name followed by its ACL rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserDirective {
    /// `[name, rule, rule...]`.
    pub args: Vec<Vec<u8>>,
    /// Where the directive was, for error reporting.
    pub origin: Origin,
}

/// A `loadmodule` directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadModule {
    /// Path of the shared object.
    pub path: Vec<u8>,
    /// Arguments passed to the module.
    pub args: Vec<Vec<u8>>,
    /// Where the directive was.
    pub origin: Origin,
}

/// A `sentinel ...` line, kept verbatim for Sentinel mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentinelLine {
    /// The words after `sentinel`.
    pub args: Vec<Vec<u8>>,
    /// Where the line was (its `text` is the whole line).
    pub origin: Origin,
}

/// `loglevel` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// Much information, less than debug.
    Verbose,
    /// Moderately verbose, the default.
    Notice,
    /// Only important messages.
    Warning,
    /// Nothing at all (Redis 7.2 value, accepted by Shardis).
    Nothing,
}

/// `maxmemory-policy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxmemoryPolicy {
    /// Evict approximately least recently used keys with an expire.
    VolatileLru,
    /// Evict approximately least frequently used keys with an expire.
    VolatileLfu,
    /// Evict random keys with an expire.
    VolatileRandom,
    /// Evict keys with an expire, nearest expire first.
    VolatileTtl,
    /// Evict approximately least recently used keys.
    AllkeysLru,
    /// Evict approximately least frequently used keys.
    AllkeysLfu,
    /// Evict random keys.
    AllkeysRandom,
    /// Refuse writes that need memory (the default).
    NoEviction,
}

/// `appendfsync` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendFsync {
    /// Let the OS flush.
    No,
    /// fsync after every write.
    Always,
    /// fsync once per second (the default).
    Everysec,
}

/// Who is running `CONFIG SET`, for the checks that depend on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The dataset is being loaded: parameters flagged
    /// [`directives::DENY_LOADING`] answer `-LOADING`.
    pub loading: bool,
    /// The client is connected locally (loopback or Unix socket): with
    /// `enable-protected-configs local`, protected parameters may be set.
    pub local_client: bool,
}

/// The server's configuration: one value per parameter of [`DIRECTIVES`],
/// plus the directives that only make sense in a config file.
#[derive(Clone)]
pub struct Config {
    pub(crate) values: Vec<Value>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) sentinel_mode: bool,
    pub(crate) rename_commands: Vec<RenameCommand>,
    pub(crate) users: Vec<UserDirective>,
    pub(crate) load_modules: Vec<LoadModule>,
    pub(crate) module_configs: Vec<(String, Vec<u8>)>,
    pub(crate) sentinel_lines: Vec<SentinelLine>,
}

impl Default for Config {
    /// Built-in defaults: Redis 7.0's, except `bind` (`127.0.0.1 -::1`, see
    /// the module documentation) and the Shardis-only `threads` (0 = auto).
    fn default() -> Config {
        Config::with_mode(false)
    }
}

impl fmt::Debug for Config {
    /// Lists the parameters that differ from their defaults; secrets
    /// (passwords) are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let defaults = Config::with_mode(self.sentinel_mode);
        let changed: Vec<(&str, String)> = DIRECTIVES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.values.get(*i) != defaults.values.get(*i))
            .map(|(i, d)| {
                let v = if d.has(SENSITIVE) {
                    "(redacted)".to_string()
                } else {
                    self.format(i)
                };
                (d.name, v)
            })
            .collect();
        f.debug_struct("Config")
            .field("config_file", &self.config_file)
            .field("sentinel_mode", &self.sentinel_mode)
            .field("changed", &changed)
            .field("rename_commands", &self.rename_commands.len())
            .field("users", &self.users.len())
            .field("load_modules", &self.load_modules)
            .field(
                "module_configs",
                &self
                    .module_configs
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
            )
            .field("sentinel_lines", &self.sentinel_lines.len())
            .finish()
    }
}

impl Config {
    fn with_mode(sentinel: bool) -> Config {
        let mut cfg = Config {
            values: DIRECTIVES.iter().map(directives::default_value).collect(),
            config_file: None,
            sentinel_mode: sentinel,
            rename_commands: Vec::new(),
            users: Vec::new(),
            load_modules: Vec::new(),
            module_configs: Vec::new(),
            sentinel_lines: Vec::new(),
        };
        if sentinel {
            // Redis' initSentinelConfig(): Sentinel's port, and it must be
            // reachable from other hosts.
            cfg.put("port", Value::Int(26379));
            cfg.put("protected-mode", Value::Bool(false));
        }
        cfg
    }

    /// Loads the configuration from `redis-server`-style arguments
    /// (`argv[1..]`): `[config-file] [--name value...]...`.
    ///
    /// The file (if the first argument does not start with `-`) is read
    /// first; options follow as extra lines, so they override the file
    /// (multi-value directives such as `save` add to it, as in Redis).
    /// `--save ""` clears the save points, `-` reads more configuration from
    /// standard input, `--sentinel` selects Sentinel mode, `--threads N` sets
    /// Shardis' thread count. Without arguments the built-in defaults are
    /// used and no config file is remembered.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let sentinel = args.iter().any(|a| a == "--sentinel");
        let mut cfg = Config::with_mode(sentinel);
        parse::load_from_args(&mut cfg, args)?;
        Ok(cfg)
    }

    /// Loads a configuration file, remembering its absolute path for
    /// `CONFIG REWRITE`. Same as `from_args(&[path])`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref().to_string_lossy().into_owned();
        // A path starting with '-' would be taken for an option.
        let path = if path.starts_with('-') {
            format!("./{path}")
        } else {
            path
        };
        Config::from_args(&[path])
    }

    /// Loads configuration text that is not a file (no path is remembered,
    /// so `CONFIG REWRITE` is refused). `include` paths are relative to the
    /// process' directory.
    pub fn from_text(text: &[u8]) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let mut loader = Loader::new(&mut cfg);
        loader.load_text(text, None, 0)?;
        Ok(cfg)
    }

    /// Validates configuration text without side effects on the file
    /// system: `include` directives are only checked for their syntax and
    /// the log file is not opened. Meant for fuzzing and linting.
    pub fn validate_text(text: &[u8]) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let mut loader = Loader::new(&mut cfg);
        loader.sandbox = true;
        loader.load_text(text, None, 0)?;
        Ok(cfg)
    }

    /// The absolute path of the configuration file this configuration was
    /// loaded from, if any (the target of `CONFIG REWRITE`).
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }

    /// Whether Sentinel mode was requested (`--sentinel`).
    pub fn sentinel_mode(&self) -> bool {
        self.sentinel_mode
    }

    // -- generic access -----------------------------------------------------

    /// The table entry of a parameter (canonical name or alias,
    /// case-insensitive).
    pub fn directive(name: &str) -> Option<&'static Directive> {
        directives::lookup(name.as_bytes()).map(|(i, _)| &DIRECTIVES[i])
    }

    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        directives::lookup(name.as_bytes()).and_then(|(i, _)| self.values.get(i))
    }

    fn put(&mut self, name: &str, v: Value) {
        if let Some((i, _)) = directives::lookup(name.as_bytes()) {
            if let Some(slot) = self.values.get_mut(i) {
                *slot = v;
            }
        }
    }

    /// The explicitly configured `dir`, if any.
    pub(crate) fn values_dir(&self) -> Option<&str> {
        match self.value("dir") {
            Some(Value::Dir(Some(d))) => Some(d),
            _ => None,
        }
    }

    fn format(&self, idx: usize) -> String {
        match (DIRECTIVES.get(idx), self.values.get(idx)) {
            (Some(d), Some(v)) => directives::format_value(d, v),
            _ => String::new(),
        }
    }

    /// A parameter's value as `CONFIG GET` prints it, by canonical name or
    /// alias (case-insensitive), hidden parameters included. `None` for an
    /// unknown name.
    ///
    /// Examples: `save` → `"3600 1 300 100 60 10000"`, `maxmemory` → `"0"`,
    /// booleans → `"yes"`/`"no"`.
    pub fn get(&self, name: &str) -> Option<String> {
        directives::lookup(name.as_bytes()).map(|(i, _)| self.format(i))
    }

    /// `CONFIG GET pattern [pattern...]`: every parameter matching one of
    /// the patterns, each at most once, as (name, value) pairs.
    ///
    /// A pattern without `*`, `?` or `[` is an exact, case-insensitive name
    /// (canonical or alias, hidden parameters included) and is returned
    /// spelled as given. Other patterns are Redis globs matched
    /// case-insensitively against canonical names and aliases alike (as
    /// Redis 7.0 does), hidden parameters excluded.
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut out = Vec::new();
        for pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                let key = pat.to_ascii_lowercase();
                if seen.contains(&key) {
                    continue;
                }
                if let Some((i, _)) = directives::lookup(pat) {
                    seen.insert(key);
                    out.push((lossy_name(pat), self.format(i)));
                }
                continue;
            }
            for (i, d) in DIRECTIVES.iter().enumerate() {
                if d.has(HIDDEN) {
                    continue;
                }
                for name in std::iter::once(d.name).chain(d.alias) {
                    if seen.contains(name.as_bytes()) {
                        continue;
                    }
                    if parse::stringmatch(pat, name.as_bytes(), true) {
                        seen.insert(name.as_bytes().to_vec());
                        out.push((name.to_string(), self.format(i)));
                    }
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value...]` for a remote, non-local
    /// client while not loading. See [`Config::set_many_with`].
    pub fn set_many(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), ConfigSetError> {
        self.set_many_with(pairs, &SetContext::default())
            .map(|_| ())
    }

    /// `CONFIG SET` of a single parameter.
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> Result<(), ConfigSetError> {
        self.set_many(&[(name, value)])
    }

    /// `CONFIG SET name value [name value...]`, atomically: either every
    /// parameter is set or none is, with Redis' error texts and precedence
    /// (an unknown name first, then immutable/protected/duplicate, then the
    /// first invalid value).
    ///
    /// Multi-valued parameters (`save`, `bind`...) take a space-separated
    /// list. Returns the canonical names of the parameters whose value
    /// actually changed, so the server can apply them (listen on a new
    /// port, `chdir` into a new `dir`, resize the backlog...).
    pub fn set_many_with(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: &SetContext,
    ) -> Result<Vec<&'static str>, ConfigSetError> {
        let protected_ok = match self.value("enable-protected-configs") {
            Some(Value::Enum(v)) => {
                *v == directives::PROTECTED_YES
                    || (*v == directives::PROTECTED_LOCAL && ctx.local_client)
            }
            _ => false,
        };
        let mut targets: Vec<(usize, bool, &[u8])> = Vec::with_capacity(pairs.len());
        let mut invalid = false;
        let mut unknown: Option<String> = None;
        let mut failed: Option<(String, &'static str)> = None;
        let mut deny_loading = false;
        for (name, value) in pairs {
            let Some((idx, alias)) = directives::lookup(name) else {
                if !invalid {
                    unknown = Some(lossy_name(name));
                    invalid = true;
                }
                continue;
            };
            if invalid {
                continue;
            }
            let d = &DIRECTIVES[idx];
            if d.has(IMMUTABLE) || (d.has(PROTECTED) && !protected_ok) {
                let why = if d.has(IMMUTABLE) {
                    "can't set immutable config"
                } else {
                    "can't set protected config"
                };
                failed = Some((lossy_name(name), why));
                invalid = true;
                continue;
            }
            if ctx.loading && d.has(DENY_LOADING) {
                deny_loading = true;
                invalid = true;
                continue;
            }
            if targets.iter().any(|(i, a, _)| *i == idx && *a == alias) {
                failed = Some((lossy_name(name), "duplicate parameter"));
                invalid = true;
            }
            targets.push((idx, alias, value));
        }
        if invalid {
            return Err(if deny_loading {
                ConfigSetError::Loading
            } else if let Some(name) = unknown {
                ConfigSetError::Unknown { name }
            } else if let Some((name, why)) = failed {
                ConfigSetError::Failed {
                    name,
                    reason: Some(why.to_string()),
                }
            } else {
                ConfigSetError::Failed {
                    name: String::new(),
                    reason: None,
                }
            });
        }

        let backup = self.values.clone();
        let cwd = match self.values_dir() {
            Some(d) => PathBuf::from(d),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        for (idx, alias, value) in &targets {
            let d = &DIRECTIVES[*idx];
            let args: Vec<&[u8]> = if d.has(MULTI_ARG) {
                if value.is_empty() {
                    Vec::new()
                } else {
                    value.split(|&c| c == b' ').collect()
                }
            } else {
                vec![*value]
            };
            let mut sctx = SetCtx {
                from_file: false,
                save_loaded: false,
                cwd: &cwd,
            };
            let result = match self.values.get(*idx) {
                Some(cur) => directives::parse_value(d, &args, cur, &mut sctx),
                None => Err("internal error".to_string()),
            };
            match result {
                Ok(v) => {
                    if let Some(slot) = self.values.get_mut(*idx) {
                        *slot = v;
                    }
                }
                Err(reason) => {
                    self.values = backup;
                    let name = if *alias {
                        d.alias.unwrap_or(d.name)
                    } else {
                        d.name
                    };
                    return Err(ConfigSetError::Failed {
                        name: name.to_string(),
                        reason: Some(reason),
                    });
                }
            }
        }
        let mut changed = Vec::new();
        for (idx, _, _) in &targets {
            let name = DIRECTIVES[*idx].name;
            if backup.get(*idx) != self.values.get(*idx) && !changed.contains(&name) {
                changed.push(name);
            }
        }
        Ok(changed)
    }

    /// Whether `CONFIG SET` may change the parameter at runtime; `None` for
    /// an unknown name.
    pub fn is_mutable(name: &str) -> Option<bool> {
        Config::directive(name).map(Directive::is_mutable)
    }

    /// Whether the parameter holds a secret that must not be logged.
    pub fn is_sensitive(name: &str) -> bool {
        Config::directive(name).is_some_and(|d| d.has(SENSITIVE))
    }

    // -- CONFIG REWRITE ---------------------------------------------------------

    /// `CONFIG REWRITE`: rewrites the file the configuration was loaded
    /// from (see [`rewrite`] for what is kept and what changes). Fails with
    /// `ERR The server is running without a config file` when there is none.
    pub fn rewrite(&self) -> Result<(), RewriteError> {
        self.rewrite_with(&RewriteOptions::default())
    }

    /// `CONFIG REWRITE` with the server's `user` / `loadmodule` lines.
    pub fn rewrite_with(&self, opts: &RewriteOptions) -> Result<(), RewriteError> {
        let path = self
            .config_file
            .as_deref()
            .ok_or(RewriteError::NoConfigFile)?;
        let old = match std::fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(RewriteError::Io(e)),
        };
        let content = rewrite::rewrite_content(self, &old, opts);
        rewrite::overwrite_file(path, &content)?;
        Ok(())
    }

    /// What `CONFIG REWRITE` would write over a file whose content is `old`.
    pub fn rewritten_content(&self, old: &[u8], opts: &RewriteOptions) -> Vec<u8> {
        rewrite::rewrite_content(self, old, opts)
    }

    // -- file-only directives -------------------------------------------------

    /// The `rename-command` directives, in order.
    pub fn rename_commands(&self) -> &[RenameCommand] {
        &self.rename_commands
    }

    /// Replays the `rename-command` directives against the server's command
    /// table (`exists` says whether a command name exists before any
    /// renaming, case-insensitively) and reports the first invalid one with
    /// Redis' errors (`No such command in rename-command`,
    /// `Target command name already exists`).
    pub fn validate_rename_commands(
        &self,
        exists: impl Fn(&[u8]) -> bool,
    ) -> Result<(), ConfigError> {
        let mut removed: HashSet<Vec<u8>> = HashSet::new();
        let mut added: HashSet<Vec<u8>> = HashSet::new();
        for r in &self.rename_commands {
            let present = |n: &Vec<u8>, removed: &HashSet<Vec<u8>>, added: &HashSet<Vec<u8>>| {
                added.contains(n) || (!removed.contains(n) && exists(n))
            };
            let from = r.from.to_ascii_lowercase();
            if !present(&from, &removed, &added) {
                return Err(ConfigError::at(
                    &r.origin,
                    "No such command in rename-command",
                ));
            }
            added.remove(&from);
            removed.insert(from);
            if !r.to.is_empty() {
                let to = r.to.to_ascii_lowercase();
                if present(&to, &removed, &added) {
                    return Err(ConfigError::at(
                        &r.origin,
                        "Target command name already exists",
                    ));
                }
                removed.remove(&to);
                added.insert(to);
            }
        }
        Ok(())
    }

    /// The `user` directives, in order (each: user name, then ACL rules).
    pub fn users(&self) -> &[UserDirective] {
        &self.users
    }

    /// The `loadmodule` directives, in order.
    pub fn load_modules(&self) -> &[LoadModule] {
        &self.load_modules
    }

    /// Module parameters (`module.name value`) queued for modules; the last
    /// value of each name wins. Redis refuses to start when some are left
    /// without a module to take them.
    pub fn module_configs(&self) -> &[(String, Vec<u8>)] {
        &self.module_configs
    }

    /// The `sentinel ...` lines, verbatim, for Sentinel mode.
    pub fn sentinel_lines(&self) -> &[SentinelLine] {
        &self.sentinel_lines
    }

    // -- generic typed access ------------------------------------------------

    /// A boolean parameter's value; `None` if unknown or not a boolean.
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// A numeric parameter's value as a signed integer (unsigned 64-bit
    /// values above `i64::MAX` come back negative, as in Redis' C code);
    /// `None` if unknown or not numeric. Percentages are negative.
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    /// A numeric parameter's value as an unsigned integer; `None` if
    /// unknown, not numeric, or negative for a signed parameter.
    pub fn get_u64(&self, name: &str) -> Option<u64> {
        let d = Config::directive(name)?;
        match (d.kind, self.value(name)) {
            (Kind::Num { unsigned: true, .. }, Some(Value::Int(n))) => Some(*n as u64),
            (_, Some(Value::Int(n))) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// A string parameter's raw bytes; `None` if unknown, not a string, or
    /// NULL (unset / empty for parameters where empty means unset).
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        match self.value(name) {
            Some(Value::Str(Some(s))) => Some(s),
            _ => None,
        }
    }

    fn int(&self, name: &str) -> i64 {
        self.get_i64(name).unwrap_or(0)
    }

    fn flag(&self, name: &str) -> bool {
        self.get_bool(name).unwrap_or(false)
    }

    fn enum_value(&self, name: &str) -> u32 {
        match self.value(name) {
            Some(Value::Enum(v)) => *v,
            _ => 0,
        }
    }

    fn string(&self, name: &str) -> String {
        self.get_bytes(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    // -- typed accessors ----------------------------------------------------

    /// TCP port to listen on (0 = no TCP listener).
    pub fn port(&self) -> u16 {
        u16::try_from(self.int("port")).unwrap_or(0)
    }

    /// Addresses to listen on. A leading `-` marks an optional address
    /// (failing to bind it is not fatal); empty means no TCP listener.
    pub fn bind(&self) -> Vec<String> {
        match self.value("bind") {
            Some(Value::Bind(v)) => v.clone(),
            _ => Vec::new(),
        }
    }

    /// Shardis `threads`: number of shard threads, 0 = automatic.
    pub fn threads(&self) -> usize {
        usize::try_from(self.int("threads")).unwrap_or(0)
    }

    /// `threads` resolved: the configured number, or for 0 the number of
    /// CPUs this process may run on (affinity and cgroup quota included).
    pub fn effective_threads(&self) -> usize {
        match self.threads() {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n => n,
        }
    }

    /// Number of logical databases.
    pub fn databases(&self) -> usize {
        usize::try_from(self.int("databases")).unwrap_or(16)
    }

    /// Maximum number of connected clients.
    pub fn maxclients(&self) -> u64 {
        self.get_u64("maxclients").unwrap_or(10000)
    }

    /// Idle client timeout in seconds (0 = never).
    pub fn timeout(&self) -> u64 {
        self.get_u64("timeout").unwrap_or(0)
    }

    /// TCP keepalive period in seconds (0 = off).
    pub fn tcp_keepalive(&self) -> u64 {
        self.get_u64("tcp-keepalive").unwrap_or(0)
    }

    /// TCP listen backlog.
    pub fn tcp_backlog(&self) -> u32 {
        u32::try_from(self.int("tcp-backlog")).unwrap_or(511)
    }

    /// The `requirepass` password; `None` when no password is required.
    pub fn requirepass(&self) -> Option<Vec<u8>> {
        self.get_bytes("requirepass").map(<[u8]>::to_vec)
    }

    /// The `masterauth` password for replication, if any.
    pub fn masterauth(&self) -> Option<Vec<u8>> {
        self.get_bytes("masterauth").map(<[u8]>::to_vec)
    }

    /// Protected mode: refuse non-loopback clients when there is no
    /// password and no explicit bind.
    pub fn protected_mode(&self) -> bool {
        self.flag("protected-mode")
    }

    /// Run as a daemon.
    pub fn daemonize(&self) -> bool {
        self.flag("daemonize")
    }

    /// PID file path, if configured.
    pub fn pidfile(&self) -> Option<String> {
        self.get_bytes("pidfile")
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// Log file path; empty means standard output.
    pub fn logfile(&self) -> String {
        self.string("logfile")
    }

    /// Log verbosity.
    pub fn loglevel(&self) -> LogLevel {
        match self.enum_value("loglevel") {
            0 => LogLevel::Debug,
            1 => LogLevel::Verbose,
            3 => LogLevel::Warning,
            4 => LogLevel::Nothing,
            _ => LogLevel::Notice,
        }
    }

    /// Working directory for RDB/AOF files: the configured `dir` (absolute),
    /// or the process' current directory when never set.
    pub fn dir(&self) -> String {
        self.get("dir").unwrap_or_default()
    }

    /// Show the ASCII-art logo even when logging to a file.
    pub fn always_show_logo(&self) -> bool {
        self.flag("always-show-logo")
    }

    /// Largest accepted bulk string in a request, in bytes.
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.get_u64("proto-max-bulk-len")
            .unwrap_or(512 * 1024 * 1024)
    }

    /// Largest query buffer of one client, in bytes.
    pub fn client_query_buffer_limit(&self) -> u64 {
        self.get_u64("client-query-buffer-limit")
            .unwrap_or(1024 * 1024 * 1024)
    }

    /// Background task frequency, already capped into 1..=500 as Redis does.
    pub fn hz(&self) -> u32 {
        u32::try_from(self.int("hz")).unwrap_or(10)
    }

    /// Adapt the background frequency to the number of clients.
    pub fn dynamic_hz(&self) -> bool {
        self.flag("dynamic-hz")
    }

    /// RDB save points as (seconds, changes); empty disables RDB snapshots.
    pub fn save_points(&self) -> Vec<(u64, u64)> {
        match self.value("save") {
            Some(Value::Save(points)) => points
                .iter()
                .map(|(s, c)| {
                    (
                        u64::try_from(*s).unwrap_or(0),
                        u64::try_from(*c).unwrap_or(0),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Memory limit in bytes (0 = no limit).
    pub fn maxmemory(&self) -> u64 {
        self.get_u64("maxmemory").unwrap_or(0)
    }

    /// What to do when `maxmemory` is reached.
    pub fn maxmemory_policy(&self) -> MaxmemoryPolicy {
        match self.enum_value("maxmemory-policy") {
            0 => MaxmemoryPolicy::VolatileLru,
            1 => MaxmemoryPolicy::VolatileLfu,
            2 => MaxmemoryPolicy::VolatileRandom,
            3 => MaxmemoryPolicy::VolatileTtl,
            4 => MaxmemoryPolicy::AllkeysLru,
            5 => MaxmemoryPolicy::AllkeysLfu,
            6 => MaxmemoryPolicy::AllkeysRandom,
            _ => MaxmemoryPolicy::NoEviction,
        }
    }

    /// Keys sampled per eviction.
    pub fn maxmemory_samples(&self) -> u32 {
        u32::try_from(self.int("maxmemory-samples")).unwrap_or(5)
    }

    /// Append-only file enabled.
    pub fn appendonly(&self) -> bool {
        self.flag("appendonly")
    }

    /// AOF fsync policy.
    pub fn appendfsync(&self) -> AppendFsync {
        match self.enum_value("appendfsync") {
            0 => AppendFsync::No,
            2 => AppendFsync::Always,
            _ => AppendFsync::Everysec,
        }
    }

    /// AOF base file name.
    pub fn appendfilename(&self) -> String {
        self.string("appendfilename")
    }

    /// RDB file name (inside `dir`).
    pub fn dbfilename(&self) -> String {
        self.string("dbfilename")
    }

    /// Log commands slower than this many microseconds (negative = off,
    /// 0 = log everything).
    pub fn slowlog_log_slower_than(&self) -> i64 {
        self.int("slowlog-log-slower-than")
    }

    /// Maximum slow log length.
    pub fn slowlog_max_len(&self) -> u64 {
        self.get_u64("slowlog-max-len").unwrap_or(128)
    }

    /// Effort of the active expire cycle, 1..=10.
    pub fn active_expire_effort(&self) -> u32 {
        u32::try_from(self.int("active-expire-effort")).unwrap_or(1)
    }

    /// Free evicted values in the background.
    pub fn lazyfree_lazy_eviction(&self) -> bool {
        self.flag("lazyfree-lazy-eviction")
    }

    /// Free expired values in the background.
    pub fn lazyfree_lazy_expire(&self) -> bool {
        self.flag("lazyfree-lazy-expire")
    }

    /// Free values deleted implicitly by the server in the background.
    pub fn lazyfree_lazy_server_del(&self) -> bool {
        self.flag("lazyfree-lazy-server-del")
    }

    /// Make `DEL` behave like `UNLINK`.
    pub fn lazyfree_lazy_user_del(&self) -> bool {
        self.flag("lazyfree-lazy-user-del")
    }

    /// Make `FLUSHALL`/`FLUSHDB` without a modifier asynchronous.
    pub fn lazyfree_lazy_user_flush(&self) -> bool {
        self.flag("lazyfree-lazy-user-flush")
    }

    /// Keyspace notification classes, as [`notify`] bits.
    pub fn notify_keyspace_events(&self) -> u32 {
        match self.value("notify-keyspace-events") {
            Some(Value::Notify(f)) => *f,
            _ => 0,
        }
    }

    /// Output buffer limits for the normal, replica and pubsub classes.
    pub fn client_output_buffer_limits(&self) -> [ClientBufferLimit; 3] {
        match self.value("client-output-buffer-limit") {
            Some(Value::Obuf(l)) => *l,
            _ => directives::DEFAULT_OBUF,
        }
    }

    /// The master to replicate from, if this server is a replica.
    pub fn replicaof(&self) -> Option<(String, u16)> {
        match self.value("replicaof") {
            Some(Value::ReplicaOf(Some((h, p)))) => {
                Some((h.clone(), u16::try_from(*p).unwrap_or(0)))
            }
            _ => None,
        }
    }

    /// Unix socket path, if any.
    pub fn unixsocket(&self) -> Option<String> {
        self.get_bytes("unixsocket")
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// Unix socket permissions (0 = default).
    pub fn unixsocketperm(&self) -> u32 {
        u32::try_from(self.int("unixsocketperm")).unwrap_or(0)
    }

    /// Cluster mode enabled.
    pub fn cluster_enabled(&self) -> bool {
        self.flag("cluster-enabled")
    }

    /// Percentiles reported by `INFO latencystats`.
    pub fn latency_tracking_info_percentiles(&self) -> Vec<f64> {
        match self.value("latency-tracking-info-percentiles") {
            Some(Value::Percentiles(p)) => p.clone(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
