//! The append-only file in Redis 7's multi-part layout.
//!
//! A directory (`appenddirname`, under `dir`) holds a manifest
//! ([`manifest`]) naming one base file (an RDB image, or commands with
//! `aof-use-rdb-preamble no`) and the incremental files written since,
//! which hold the journal's command stream ([`output`], fed by
//! [`crate::journal::Sink`]). Start-up loads the base and replays every
//! incremental file ([`load`]); BGREWRITEAOF writes a new base from one
//! point in time and starts a new incremental file ([`rewrite`]).
//!
//! - [`stream`]: the command stream parser (truncation and format errors
//!   with offsets).
//! - [`command`]: the BGREWRITEAOF command.

pub mod command;
pub mod load;
pub mod manifest;
pub mod output;
pub mod rewrite;
pub mod stream;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};

use crate::server::shared::ServerShared;
use manifest::Manifest;
use output::IncrFile;

/// The AOF's run-time state: the manifest as last written, and the file
/// the journal appends to.
#[derive(Debug, Default)]
pub struct AofState {
    /// The manifest as on disk.
    pub manifest: Manifest,
    /// The incremental file being written (appendonly on).
    pub current: Option<Arc<IncrFile>>,
    /// Size of the base file.
    pub base_size: u64,
    /// Sizes of the incremental files before the current one.
    pub older_incr_size: u64,
    /// Total AOF size after the last rewrite or load (the reference of
    /// `auto-aof-rewrite-percentage`).
    pub size_at_rewrite: u64,
}

impl AofState {
    /// Base plus every incremental file.
    pub fn current_size(&self) -> u64 {
        self.base_size
            + self.older_incr_size
            + self
                .current
                .as_ref()
                .map_or(0, |f| f.size.load(Ordering::Relaxed))
    }
}

/// The AOF state (poisoning ignored).
pub fn state(shared: &ServerShared) -> MutexGuard<'_, AofState> {
    match shared.persist.aof.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The AOF settings read from the configuration at one time.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `appenddirname` (relative to `dir`, the working directory).
    pub dir: PathBuf,
    /// `appendfilename`: the prefix of every file name.
    pub prefix: String,
    /// `aof-use-rdb-preamble`.
    pub rdb_preamble: bool,
    /// `aof-load-truncated`.
    pub load_truncated: bool,
    /// `rdbchecksum`.
    pub checksum: bool,
}

impl Settings {
    /// Reads the settings.
    pub fn read(shared: &ServerShared) -> Settings {
        let c = shared.config();
        let s = |name: &str, default: &str| {
            c.get_bytes(name)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_else(|| default.to_string())
        };
        Settings {
            dir: PathBuf::from(s("appenddirname", "appendonlydir")),
            prefix: s("appendfilename", "appendonly.aof"),
            rdb_preamble: c.get_bool("aof-use-rdb-preamble").unwrap_or(true),
            load_truncated: c.get_bool("aof-load-truncated").unwrap_or(true),
            checksum: c.get_bool("rdbchecksum").unwrap_or(true),
        }
    }

    /// The manifest's file name.
    pub fn manifest_name(&self) -> String {
        format!("{}.manifest", self.prefix)
    }
}

/// Refreshes the size atomics INFO shows (`aof_current_size`,
/// `aof_base_size`).
pub fn publish_sizes(shared: &ServerShared) {
    let (cur, base) = {
        let st = state(shared);
        (st.current_size(), st.base_size)
    };
    shared
        .persist
        .aof_current_size
        .store(cur, Ordering::Relaxed);
    shared.persist.aof_base_size.store(base, Ordering::Relaxed);
}

/// At exit: makes the AOF durable and removes the temporary base of a
/// rewrite cut short (as Redis does when it kills the rewriting child).
pub fn on_exit(shared: &ServerShared) {
    sync_now(shared);
    if shared
        .persist
        .aof_rewrite_in_progress
        .load(Ordering::SeqCst)
    {
        let settings = Settings::read(shared);
        crate::notice!("There is a child rewriting the AOF. Killing it!");
        let _ = std::fs::remove_file(settings.dir.join(rewrite::temp_base_name()));
    }
}

/// Makes everything appended so far durable (at shutdown, and when
/// appendonly is turned off).
pub fn sync_now(shared: &ServerShared) {
    let cur = state(shared).current.clone();
    if let Some(f) = cur {
        if let Err(e) = f.sync_if_needed() {
            crate::warning!("Can't persist the AOF file {} to disk: {}", f.name, e);
        }
    }
}

/// Deletes the history files the manifest lists and writes it without
/// them (Redis does it after every rewrite and at start-up).
pub fn delete_history(settings: &Settings, st: &mut AofState) {
    if st.manifest.history.is_empty() {
        return;
    }
    for f in std::mem::take(&mut st.manifest.history) {
        crate::notice!("Removing the history file {} in the background", f.name);
        let _ = std::fs::remove_file(settings.dir.join(&f.name));
    }
    let _ = manifest::write_atomically(
        &settings.dir,
        &settings.manifest_name(),
        st.manifest.to_text().as_bytes(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appendfsync_reaches_the_atomic() {
        let mut c = crate::config::Config::default();
        let shared = ServerShared::new(c.clone(), 1);
        assert_eq!(
            shared.persist.aof_fsync.load(Ordering::Relaxed),
            output::FSYNC_EVERYSEC
        );
        for (v, code) in [
            ("always", output::FSYNC_ALWAYS),
            ("no", output::FSYNC_NO),
            ("everysec", output::FSYNC_EVERYSEC),
        ] {
            // The codes the journal reads are the ones defined here.
            c.set_many(&[(b"appendfsync".as_slice(), v.as_bytes())])
                .unwrap();
            shared.apply_config(&c);
            assert_eq!(
                shared.persist.aof_fsync.load(Ordering::Relaxed),
                code,
                "{v}"
            );
        }
    }

    #[test]
    fn settings_follow_the_configuration() {
        let mut c = crate::config::Config::default();
        c.set_many(&[(b"aof-use-rdb-preamble".as_slice(), b"no".as_slice())])
            .unwrap();
        let shared = ServerShared::new(c, 1);
        let s = Settings::read(&shared);
        assert_eq!(s.dir, PathBuf::from("appendonlydir"));
        assert_eq!(s.prefix, "appendonly.aof");
        assert_eq!(s.manifest_name(), "appendonly.aof.manifest");
        assert!(!s.rdb_preamble);
        assert!(s.load_truncated);
    }
}
