//! The journal's output while `appendonly` is on: the current incremental
//! file, opened with `O_APPEND`, and the once-per-second fsync of
//! `appendfsync everysec`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::journal::JournalOutput;
use crate::server::shared::ServerShared;

/// `appendfsync no`.
pub const FSYNC_NO: u8 = 0;
/// `appendfsync everysec`.
pub const FSYNC_EVERYSEC: u8 = 1;
/// `appendfsync always`.
pub const FSYNC_ALWAYS: u8 = 2;

/// An open incremental file and how much of it is written and durable.
#[derive(Debug)]
pub struct IncrFile {
    /// File name inside the AOF directory.
    pub name: String,
    /// The file (shared with the fsync thread and `appendfsync always`).
    pub file: Arc<File>,
    /// Its size: what it held when opened plus what was appended since.
    pub size: AtomicU64,
    /// Size known durable.
    pub synced: AtomicU64,
}

impl IncrFile {
    /// Opens (creating it if needed) `dir/name` for appending.
    pub fn open(dir: &Path, name: &str) -> io::Result<Arc<IncrFile>> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))?;
        let len = file.metadata()?.len();
        Ok(Arc::new(IncrFile {
            name: name.to_string(),
            file: Arc::new(file),
            size: AtomicU64::new(len),
            synced: AtomicU64::new(len),
        }))
    }

    /// fdatasyncs the file if something was written since the last sync.
    pub fn sync_if_needed(&self) -> io::Result<()> {
        let size = self.size.load(Ordering::Acquire);
        if self.synced.load(Ordering::Acquire) >= size {
            return Ok(());
        }
        self.file.sync_data()?;
        self.synced.fetch_max(size, Ordering::AcqRel);
        Ok(())
    }
}

/// The [`JournalOutput`] writing to an [`IncrFile`].
#[derive(Debug)]
pub struct IncrOutput(pub Arc<IncrFile>);

impl JournalOutput for IncrOutput {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut f: &File = &self.0.file;
        let before = self.0.size.load(Ordering::Acquire);
        let r = f.write_all(bytes);
        match &r {
            Ok(()) => {
                self.0.size.fetch_add(bytes.len() as u64, Ordering::AcqRel);
            }
            Err(_) => {
                // A partial write is cut off (as Redis does), so that the
                // journal can write the whole piece again later; if that
                // fails too, count what is there.
                if self.0.file.set_len(before).is_err() {
                    if let Ok(m) = self.0.file.metadata() {
                        self.0.size.store(m.len(), Ordering::Release);
                    }
                }
            }
        }
        r
    }

    fn sync_handle(&self) -> Option<Arc<File>> {
        Some(self.0.file.clone())
    }
}

/// Starts (once per process) the thread that fsyncs the current
/// incremental file every second under `appendfsync everysec`, as Redis'
/// background fsync does.
pub fn start_fsync_thread(shared: &Arc<ServerShared>) {
    static STARTED: std::sync::Once = std::sync::Once::new();
    let shared = shared.clone();
    STARTED.call_once(move || {
        let spawned = std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                if shared.stopping() {
                    return;
                }
                if shared.persist.aof_fsync.load(Ordering::Relaxed) != FSYNC_EVERYSEC {
                    continue;
                }
                let current = super::state(&shared).current.clone();
                if let Some(f) = current {
                    if let Err(e) = f.sync_if_needed() {
                        crate::warning!("Can't persist the AOF file {} to disk: {}", f.name, e);
                    }
                }
            });
        if let Err(e) = spawned {
            crate::warning!("Can't start the AOF fsync thread: {}", e);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_counts() {
        let dir = std::env::temp_dir().join(format!("aof-out-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::remove_file(dir.join("x.incr.aof"));
        std::fs::write(dir.join("x.incr.aof"), b"abc").unwrap();
        let f = IncrFile::open(&dir, "x.incr.aof").unwrap();
        assert_eq!(f.size.load(Ordering::Relaxed), 3);
        let mut out = IncrOutput(f.clone());
        out.append(b"defg").unwrap();
        assert_eq!(f.size.load(Ordering::Relaxed), 7);
        f.sync_if_needed().unwrap();
        assert_eq!(f.synced.load(Ordering::Relaxed), 7);
        assert_eq!(std::fs::read(dir.join("x.incr.aof")).unwrap(), b"abcdefg");
        assert!(out.sync_handle().is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn journal_stream_lands_in_the_incr_file() {
        use crate::journal::{ShardJournal, Sink};
        let dir = std::env::temp_dir().join(format!("aof-sink-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::remove_file(dir.join("a.1.incr.aof"));
        let f = IncrFile::open(&dir, "a.1.incr.aof").unwrap();
        let sink = Sink::default();
        sink.replace_output(Some(Box::new(IncrOutput(f.clone()))));
        assert!(sink.is_on());
        let mut j = ShardJournal::default();
        j.push(0, &["SET", "k", "v"]);
        j.push(2, &["RPUSH", "l", "a", "b"]);
        let pos = sink.append(&mut j);
        sink.sync(pos);
        assert_eq!(f.size.load(Ordering::Relaxed), pos);
        // A new file (a rewrite's switch) starts with a SELECT again.
        let g = IncrFile::open(&dir, "a.2.incr.aof").unwrap();
        sink.replace_output(Some(Box::new(IncrOutput(g.clone()))));
        let mut j = ShardJournal::default();
        j.push(2, &["DEL", "l"]);
        sink.append(&mut j);
        let parse = |name: &str| -> Vec<Vec<String>> {
            let data = bytes::Bytes::from(std::fs::read(dir.join(name)).unwrap());
            let (cmds, err) = crate::persistence::aof::stream::parse(&data);
            assert_eq!(err, None);
            cmds.iter()
                .map(|c| {
                    c.args
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect()
                })
                .collect()
        };
        assert_eq!(
            parse("a.1.incr.aof"),
            vec![
                vec!["SELECT", "0"],
                vec!["SET", "k", "v"],
                vec!["SELECT", "2"],
                vec!["RPUSH", "l", "a", "b"]
            ]
        );
        assert_eq!(
            parse("a.2.incr.aof"),
            vec![vec!["SELECT", "2"], vec!["DEL", "l"]]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
