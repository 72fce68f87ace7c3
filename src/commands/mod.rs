//! The command table and one file per command family.
//!
//! Every command is one [`CommandSpec`] entry in its family's `COMMANDS`
//! table (name, arity, flags, key positions, handler). The registry merges
//! the tables once; lookups are case-insensitive and allocation-free.
//! `COMMAND`, `COMMAND INFO/COUNT/GETKEYS/DOCS`, arity and unknown-command
//! errors all come from the table.

pub mod args;
pub mod bitmaps;
pub mod connection;
pub mod dump;
pub mod hashes;
pub mod hyperloglog;
pub mod keys;
pub mod lists;
pub mod pubsub;
pub mod replica_of;
pub mod replication;
pub mod server;
pub mod sets;
pub mod sort;
pub mod spec;
pub mod strings;
#[cfg(test)]
pub(crate) mod testutil;
pub mod transactions;
pub mod zsets;

use std::sync::OnceLock;

use bytes::Bytes;
use hashbrown::HashMap;

pub use spec::{CommandSpec, ExecCtx, Handler, KeySpec};

/// All commands, by lowercase name.
#[derive(Debug)]
pub struct Registry {
    by_name: HashMap<&'static str, usize>,
    all: Vec<&'static CommandSpec>,
}

impl Registry {
    fn build() -> Registry {
        let tables: &[&'static [CommandSpec]] = &[
            strings::COMMANDS,
            bitmaps::COMMANDS,
            keys::COMMANDS,
            dump::COMMANDS,
            lists::COMMANDS,
            hashes::COMMANDS,
            sets::COMMANDS,
            zsets::COMMANDS,
            hyperloglog::COMMANDS,
            sort::COMMANDS,
            transactions::COMMANDS,
            connection::COMMANDS,
            pubsub::COMMANDS,
            server::COMMANDS,
            replication::COMMANDS,
            replica_of::COMMANDS,
            crate::persistence::aof::command::COMMANDS,
        ];
        let mut by_name = HashMap::new();
        let mut all = Vec::new();
        for t in tables {
            for c in t.iter() {
                by_name.insert(c.name, all.len());
                all.push(c);
            }
        }
        Registry { by_name, all }
    }

    /// The command named `name`, in any letter case.
    #[inline]
    pub fn lookup(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.lookup_indexed(name).map(|(_, c)| c)
    }

    /// The command named `name` and its index in [`Registry::all`] (which
    /// per-command statistics are kept by).
    #[inline]
    pub fn lookup_indexed(&self, name: &[u8]) -> Option<(usize, &'static CommandSpec)> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        for (d, s) in buf.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        let lower = std::str::from_utf8(&buf[..name.len()]).ok()?;
        let i = *self.by_name.get(lower)?;
        Some((i, self.all[i]))
    }

    /// Every command, in table order.
    pub fn all(&self) -> &[&'static CommandSpec] {
        &self.all
    }
}

/// The process-wide command table.
pub fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(Registry::build)
}

/// Replies with a HELP text: one simple string per line, as Redis'
/// `addReplyHelp` does.
pub fn reply_help(w: &mut crate::protocol::ReplyWriter<'_>, lines: &[&str]) {
    w.array(lines.len());
    for l in lines {
        w.simple(l);
    }
}

/// Databases other than the client's that a keyed command touches
/// (`COPY src dst DB n`, `MOVE key n`), so a cross-shard run gathers keys
/// from them too. A superset is harmless; the router drops indexes past the
/// configured number of databases.
pub fn extra_dbs(spec: &CommandSpec, args: &[Bytes]) -> Vec<usize> {
    let db_arg = |a: &Bytes| match args::int(a) {
        Ok(n) if n >= 0 => Some(n as usize),
        _ => None,
    };
    match spec.name {
        "copy" => args
            .windows(2)
            .skip(3)
            .filter(|w| args::is(&w[0], "db"))
            .filter_map(|w| db_arg(&w[1]))
            .collect(),
        "move" => args.get(2).and_then(db_arg).into_iter().collect(),
        _ => Vec::new(),
    }
}
