//! Loading the AOF at start-up (`appendonly yes`; the RDB file is then
//! ignored, as in Redis 7).
//!
//! Everything that can fail is done before any shard starts, on the main
//! thread ([`prepare`]): the manifest is read, the base is parsed (an RDB
//! base into one batch of keys per shard, which each shard inserts like an
//! RDB load), every command stream is parsed and checked (format,
//! truncation, unknown commands, an unfinished MULTI), a truncated last
//! file is cut back, the directory, a first base and the incremental file
//! are created, and the manifest is written. Errors log Redis' lines and
//! make the process exit with 1.
//!
//! The command streams are then replayed by shard 0 once every shard runs
//! and the mesh is up ([`replay`]), through the normal `execute` path of a
//! client without a socket, so each command reaches its owner shard as a
//! client's would. Clients connected meanwhile get `-LOADING` for commands
//! without the LOADING flag. Then the journal gets the incremental file as
//! its output.

use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::manifest::{self, Manifest};
use super::output::{IncrFile, IncrOutput};
use super::stream::{self, Command, StreamError};
use super::{state, Settings};
use crate::commands::spec::{flags, Handler, KeyedFn};
use crate::dispatch::router::run_here;
use crate::dispatch::{LockOp, Out};
use crate::persistence::rdb::file::{self, LoadError};
use crate::persistence::snapshot::LoadedKey;
use crate::protocol::Protocol;
use crate::server::connection::{execute, ConnCtx};
use crate::server::shared::ServerShared;
use crate::shard::keyspace::now_ms;
use crate::shard::slots::{key_slot, SlotMap};
use crate::shard::ShardState;

/// Commands of one file to replay.
#[derive(Debug)]
pub struct Segment {
    /// File name (for the log).
    pub name: String,
    /// Whether it is the base file.
    pub base: bool,
    /// Its commands.
    pub cmds: Vec<Command>,
}

/// What shard 0 does once every shard runs: replay, then attach the
/// incremental file to the journal.
#[derive(Debug)]
pub struct Replay {
    /// The command streams, in order.
    pub segments: Vec<Segment>,
    /// The incremental file the journal writes to afterwards.
    pub output: Arc<IncrFile>,
    /// Whether an AOF existed (the "DB loaded from append only file" line).
    pub loaded_any: bool,
    /// When loading started.
    pub started: Instant,
}

/// What [`prepare`] hands to the shards.
#[derive(Debug)]
pub struct Prepared {
    /// Keys of an RDB base, one batch per shard.
    pub batches: Vec<Vec<LoadedKey>>,
    /// The rest of the work, for shard 0.
    pub replay: Replay,
}

/// Why start-up must stop (already logged).
#[derive(Debug)]
pub struct Fatal;

fn fatal(msg: String) -> Fatal {
    crate::warning!("{}", msg);
    Fatal
}

/// Reads and checks the whole AOF, creates what is missing, and returns
/// the keys and commands to load. See the module documentation.
pub fn prepare(shared: &Arc<ServerShared>, slot_map: &SlotMap) -> Result<Prepared, Fatal> {
    let settings = Settings::read(shared);
    let started = Instant::now();
    let mut manifest = read_manifest(&settings)?;
    upgrade_old_style(&settings, &mut manifest)?;
    let Loaded {
        batches,
        segments,
        loaded_any,
        mut base_size,
        mut incr_sizes,
    } = read_files(shared, slot_map, &settings, &manifest)?;
    // Open (or create) the directory, a first base, the incremental file.
    if let Err(e) = std::fs::create_dir_all(&settings.dir) {
        return Err(fatal(format!(
            "Can't open or create append-only dir {}: {}",
            settings.dir.display(),
            e
        )));
    }
    if manifest.is_empty() {
        let name = manifest.new_base(&settings.prefix, settings.rdb_preamble);
        let bytes = super::rewrite::base_bytes(shared, &settings, &[]);
        super::rewrite::write_base(&settings, &name, &bytes).map_err(|_| Fatal)?;
        base_size = bytes.len() as u64;
        crate::notice!("Creating AOF base file {} on server start", name);
    }
    let had_incr = !manifest.incr.is_empty();
    let incr_name = match manifest.incr.last() {
        Some(f) => f.name.clone(),
        None => manifest.new_incr(&settings.prefix),
    };
    let output = IncrFile::open(&settings.dir, &incr_name).map_err(|e| {
        fatal(format!(
            "Can't open the append-only file {}: {}",
            incr_name, e
        ))
    })?;
    manifest::write_atomically(
        &settings.dir,
        &settings.manifest_name(),
        manifest.to_text().as_bytes(),
    )
    .map_err(|_| Fatal)?;
    if had_incr {
        crate::notice!("Opening AOF incr file {} on server start", incr_name);
        incr_sizes.pop();
    } else {
        crate::notice!("Creating AOF incr file {} on server start", incr_name);
    }
    {
        let mut st = state(shared);
        st.manifest = manifest;
        st.base_size = base_size;
        st.older_incr_size = incr_sizes.iter().sum();
        st.current = Some(output.clone());
        st.size_at_rewrite = st.current_size();
        super::delete_history(&settings, &mut st);
    }
    super::publish_sizes(shared);
    Ok(Prepared {
        batches,
        replay: Replay {
            segments,
            output,
            loaded_any,
            started,
        },
    })
}

/// What the files the manifest lists hold.
struct Loaded {
    batches: Vec<Vec<LoadedKey>>,
    segments: Vec<Segment>,
    loaded_any: bool,
    base_size: u64,
    incr_sizes: Vec<u64>,
}

/// Reads and checks the base and incremental files `manifest` lists
/// (setting the loading state when there is something to load).
fn read_files(
    shared: &ServerShared,
    slot_map: &SlotMap,
    settings: &Settings,
    manifest: &Manifest,
) -> Result<Loaded, Fatal> {
    let mut batches: Vec<Vec<LoadedKey>> = (0..shared.nshards).map(|_| Vec::new()).collect();
    let mut segments = Vec::new();
    let mut loaded_any = false;
    let mut base_size = 0u64;
    let mut incr_sizes: Vec<u64> = Vec::new();
    if !manifest.is_empty() {
        let files: Vec<(String, bool)> = manifest
            .base
            .iter()
            .map(|f| (f.name.clone(), true))
            .chain(manifest.incr.iter().map(|f| (f.name.clone(), false)))
            .collect();
        let mut contents = Vec::with_capacity(files.len());
        let mut total = 0u64;
        for (name, _) in &files {
            match std::fs::read(settings.dir.join(name)) {
                Ok(b) => {
                    total += b.len() as u64;
                    contents.push(Bytes::from(b));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(fatal(format!(
                        "Unable to obtain the AOF file {} length. stat: {}",
                        name,
                        strerror(&e)
                    )));
                }
                Err(e) => {
                    return Err(fatal(format!(
                        "Fatal error: can't open the append log file {} for reading: {}",
                        name,
                        strerror(&e)
                    )))
                }
            }
        }
        // Only empty files: nothing to load (Redis' AOF_EMPTY).
        loaded_any = total > 0;
        let p = &shared.persist;
        p.loading.store(loaded_any, Ordering::Relaxed);
        p.loading_start_time
            .store(now_ms() / 1000, Ordering::Relaxed);
        p.loading_total_bytes.store(total, Ordering::Relaxed);
        let nfiles = files.len();
        for (i, ((name, is_base), data)) in files.into_iter().zip(contents).enumerate() {
            let last = i + 1 == nfiles;
            let t0 = Instant::now();
            if data.is_empty() {
                // Redis skips an empty file.
            } else if data.starts_with(b"REDIS") {
                // A pre-7.0 file moved in by the upgrade is "old style":
                // an RDB preamble, then commands.
                let old_style = name == settings.prefix;
                if old_style {
                    crate::notice!("Reading RDB preamble from AOF file...");
                } else {
                    crate::notice!("Reading RDB base file on AOF loading...");
                }
                let end = load_rdb(shared, slot_map, &name, &data, &mut batches, old_style)?;
                p.loading_loaded_bytes
                    .fetch_add(end as u64, Ordering::Relaxed);
                if end < data.len() {
                    if old_style {
                        crate::notice!("Reading the remaining AOF tail...");
                    }
                    let cmds = check_stream(settings, &name, &data, end, last)?;
                    segments.push(Segment {
                        name: name.clone(),
                        base: is_base,
                        cmds,
                    });
                } else if is_base {
                    crate::notice!(
                        "DB loaded from base file {}: {:.3} seconds",
                        name,
                        t0.elapsed().as_secs_f64()
                    );
                }
            } else {
                let cmds = check_stream(settings, &name, &data, 0, last)?;
                segments.push(Segment {
                    name: name.clone(),
                    base: is_base,
                    cmds,
                });
            }
            if is_base {
                base_size = file_size(&settings.dir, &name);
            } else {
                incr_sizes.push(file_size(&settings.dir, &name));
            }
        }
    }
    Ok(Loaded {
        batches,
        segments,
        loaded_any,
        base_size,
        incr_sizes,
    })
}

/// An I/O error as C's `strerror` words it (without Rust's "(os error N)").
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn file_size(dir: &Path, name: &str) -> u64 {
    std::fs::metadata(dir.join(name)).map_or(0, |m| m.len())
}

/// Moves a pre-7.0 single AOF file (`appendfilename` in `dir`) into the
/// AOF directory as the base of a new manifest, as Redis 7.0 does when
/// there is no directory, no file in the manifest, or a manifest naming
/// only that file as its base while it is still outside.
fn upgrade_old_style(settings: &Settings, manifest: &mut Manifest) -> Result<(), Fatal> {
    let old = Path::new(&settings.prefix);
    if !old.is_file() {
        return Ok(());
    }
    let only_old_base = manifest.incr.is_empty()
        && manifest
            .base
            .as_ref()
            .is_some_and(|b| b.name == settings.prefix)
        && !settings.dir.join(&settings.prefix).exists();
    if settings.dir.is_dir() && !manifest.is_empty() && !only_old_base {
        return Ok(());
    }
    if let Err(e) = std::fs::create_dir_all(&settings.dir) {
        return Err(fatal(format!(
            "Can't open or create append-only dir {}: {}",
            settings.dir.display(),
            strerror(&e)
        )));
    }
    let mut m = Manifest {
        base: Some(manifest::AofFile {
            name: settings.prefix.clone(),
            seq: 1,
            kind: manifest::FileType::Base,
        }),
        base_seq: 1,
        ..Manifest::default()
    };
    m.history = std::mem::take(&mut manifest.history);
    manifest::write_atomically(
        &settings.dir,
        &settings.manifest_name(),
        m.to_text().as_bytes(),
    )
    .map_err(|_| Fatal)?;
    if let Err(e) = std::fs::rename(old, settings.dir.join(&settings.prefix)) {
        return Err(fatal(format!(
            "Error trying to move the old AOF file {} into dir {}: {}",
            settings.prefix,
            settings.dir.display(),
            strerror(&e)
        )));
    }
    let _ = manifest::sync_dir(&settings.dir);
    crate::notice!(
        "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
        settings.prefix,
        settings.dir.display()
    );
    *manifest = m;
    Ok(())
}

/// The manifest on disk, or an empty one when there is no directory or no
/// manifest yet. A bad manifest is fatal, with Redis' report.
fn read_manifest(settings: &Settings) -> Result<Manifest, Fatal> {
    let path = settings.dir.join(settings.manifest_name());
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
        Err(e) => {
            return Err(fatal(format!(
                "Fatal error: can't open the AOF manifest file {} for reading: {}",
                path.display(),
                e
            )))
        }
    };
    Manifest::parse(&data).map_err(|e| {
        crate::warning!("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if e.line > 0 {
            crate::warning!("Reading the manifest file, at line {}\n", e.line);
            crate::warning!(">>> '{}'\n", e.text);
        }
        crate::warning!("{}\n", e.what);
        crate::warning!(
            "The AOF manifest {} is not valid at offset {}",
            path.display(),
            e.offset
        );
        Fatal
    })
}

/// Loads an RDB-format file into the per-shard batches.
fn load_rdb(
    shared: &ServerShared,
    slot_map: &SlotMap,
    name: &str,
    data: &[u8],
    batches: &mut [Vec<LoadedKey>],
    old_style: bool,
) -> Result<usize, Fatal> {
    let res = file::load(data, now_ms(), shared.databases, |db, key, value, exp| {
        let owner = slot_map.shard_of_slot(key_slot(&key));
        if let Some(b) = batches.get_mut(owner) {
            b.push((db, key, value, exp));
        }
    });
    match res {
        Ok(info) => {
            crate::notice!(
                "Done loading RDB, keys loaded: {}, keys expired: {}.",
                info.loaded,
                info.expired
            );
            Ok(info.end)
        }
        Err(LoadError { offset, what }) => {
            crate::warning!("Internal error in RDB reading offset {}: {}", offset, what);
            Err(fatal(format!(
                "Error reading the {} {}, AOF loading aborted (offset {})",
                if old_style {
                    "RDB preamble of the AOF file"
                } else {
                    "RDB base file"
                },
                name,
                offset
            )))
        }
    }
}

/// Parses and checks one command stream: the commands to replay, or the
/// fatal error. A torn end (or an unfinished MULTI) of the last file is cut
/// off, on disk too, when `aof-load-truncated` allows.
fn check_stream(
    settings: &Settings,
    name: &str,
    data: &Bytes,
    from: usize,
    last_file: bool,
) -> Result<Vec<Command>, Fatal> {
    let (mut cmds, err) = stream::parse_from(data, from);
    let registry = crate::commands::registry();
    let mut multi_start: Option<(usize, u64)> = None;
    for (i, c) in cmds.iter().enumerate() {
        let Some(arg0) = c.args.first() else {
            continue;
        };
        let Some((_, spec)) = registry.lookup_indexed(arg0) else {
            return Err(fatal(format!(
                "Unknown command '{}' reading the append only file {}",
                String::from_utf8_lossy(arg0),
                name
            )));
        };
        match spec.name {
            "multi" => multi_start = Some((i, c.start)),
            "exec" | "discard" => multi_start = None,
            _ => {}
        }
    }
    let valid_up_to = match err {
        Some(StreamError::Format { offset }) => {
            crate::warning!(
                "Bad file format reading the append only file {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
                name
            );
            return Err(fatal(format!(
                "The append only file {} is not valid at offset {}",
                name, offset
            )));
        }
        Some(StreamError::Truncated { valid_up_to }) => {
            if let Some((i, start)) = multi_start {
                cmds.truncate(i);
                start
            } else {
                valid_up_to
            }
        }
        None => match multi_start {
            Some((i, start)) => {
                crate::warning!(
                    "Revert incomplete MULTI/EXEC transaction in AOF file {}",
                    name
                );
                cmds.truncate(i);
                start
            }
            None => return Ok(cmds),
        },
    };
    if settings.load_truncated && last_file {
        crate::warning!(
            "!!! Warning: short read while loading the AOF file {}!!!",
            name
        );
        crate::warning!(
            "!!! Truncating the AOF {} at offset {} !!!",
            name,
            valid_up_to
        );
        let cut = std::fs::OpenOptions::new()
            .write(true)
            .open(settings.dir.join(name))
            .and_then(|f| f.set_len(valid_up_to));
        match cut {
            Ok(()) => {
                crate::warning!(
                    "AOF {} loaded anyway because aof-load-truncated is enabled",
                    name
                );
                return Ok(cmds);
            }
            Err(e) => crate::warning!("Error truncating the AOF file {}: {}", name, e),
        }
    } else if settings.load_truncated {
        crate::warning!("Fatal error: the truncated file is not the last file");
        return Err(fatal(format!(
            "The append only file {} ends inside a command at offset {}",
            name, valid_up_to
        )));
    }
    crate::warning!(
        "Unexpected end of file reading the append only file {}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
        name
    );
    Err(fatal(format!(
        "The append only file {} ends inside a command after offset {}",
        name, valid_up_to
    )))
}

/// Replays `segments` in order (see [`replay`]).
async fn replay_segments(shard: &Rc<ShardState>, segments: Vec<Segment>, txn: Option<u64>) {
    let shared = shard.shared.clone();
    let mut ctx = ConnCtx::internal(shard.clone());
    ctx.txn = txn;
    let mut batches = Batches {
        per_shard: (0..shard.nshards).map(|_| Vec::new()).collect(),
        txn,
    };
    let loaded = &shared.persist.loading_loaded_bytes;
    for seg in segments {
        let t0 = Instant::now();
        for c in seg.cmds {
            loaded.fetch_add(c.end - c.start, Ordering::Relaxed);
            match batch_target(shard, &ctx, &c.args) {
                Some((t, f, key_idx)) => {
                    let list = &mut batches.per_shard[t];
                    list.push(Batched {
                        f,
                        args: c.args,
                        key_idx,
                        db: ctx.db,
                    });
                    if list.len() >= BATCH {
                        batches.flush(shard, t).await;
                        // Let this shard's clients get their -LOADING.
                        glommio::yield_if_needed().await;
                    }
                }
                None => {
                    batches.flush_all(shard).await;
                    ctx.now_ms = now_ms();
                    // Blocking commands never wait here (Redis' AOF client
                    // denies blocking).
                    ctx.in_exec = true;
                    execute(&mut ctx, &c.args).await;
                    ctx.in_exec = false;
                    ctx.out.clear();
                }
            }
        }
        batches.flush_all(shard).await;
        // A MULTI left open cannot happen (cut off above); drop any state.
        crate::transaction::discard_state(&mut ctx);
        crate::notice!(
            "DB loaded from {} file {}: {:.3} seconds",
            if seg.base { "base" } else { "incr" },
            seg.name,
            t0.elapsed().as_secs_f64()
        );
    }
}

/// A keyed command bound for one shard's batch.
struct Batched {
    f: KeyedFn,
    args: Vec<Bytes>,
    key_idx: Vec<usize>,
    db: usize,
}

/// Commands waiting to go to each shard, in order.
struct Batches {
    per_shard: Vec<Vec<Batched>>,
    /// The transaction holding the shards, if any (DEBUG LOADAOF in EXEC).
    txn: Option<u64>,
}

/// Commands per shard sent in one hop.
const BATCH: usize = 1024;

impl Batches {
    /// Runs shard `t`'s waiting commands there, in order.
    async fn flush(&mut self, shard: &Rc<ShardState>, t: usize) {
        let lock = LockOp::plain(self.txn);
        let Some(list) = self.per_shard.get_mut(t) else {
            return;
        };
        if list.is_empty() {
            return;
        }
        let batch = std::mem::take(list);
        let job = Box::new(move |s: &ShardState| -> Out {
            let mut out = BytesMut::new();
            let mut events = Vec::new();
            let now = now_ms();
            for c in &batch {
                out.clear();
                events.clear();
                run_here(
                    s,
                    c.f,
                    &c.args,
                    &c.key_idx,
                    c.db,
                    &[],
                    Protocol::Resp2,
                    now,
                    &mut out,
                    &mut events,
                    None,
                );
            }
            Box::new(())
        });
        let _ = shard.call(t, lock, job).await;
    }

    async fn flush_all(&mut self, shard: &Rc<ShardState>) {
        for t in 0..self.per_shard.len() {
            self.flush(shard, t).await;
        }
    }
}

/// The shard that alone holds every key of a keyed command that may run in
/// a batch (no other database named, no pattern reads, no blocking, no
/// open MULTI), with its key positions.
fn batch_target(
    shard: &ShardState,
    ctx: &ConnCtx,
    args: &[Bytes],
) -> Option<(usize, KeyedFn, Vec<usize>)> {
    if ctx.multi.is_some() {
        return None;
    }
    let (_, spec) = crate::commands::registry().lookup_indexed(args.first()?)?;
    let Handler::Keyed(f) = spec.handler else {
        return None;
    };
    if !spec.arity_ok(args.len())
        || spec.has(flags::BLOCKING)
        || matches!(spec.name, "sort" | "sort_ro")
        || !crate::commands::extra_dbs(spec, args).is_empty()
    {
        return None;
    }
    let mut idx = Vec::new();
    spec.keys.key_indexes(args, &mut idx);
    let first = *idx.first()?;
    let map = &shard.slot_map;
    let t = map.shard_of_key(args.get(first)?);
    if idx
        .iter()
        .all(|&i| args.get(i).is_some_and(|k| map.shard_of_key(k) == t))
    {
        Some((t, f, idx))
    } else {
        None
    }
}

/// Replays the command streams on shard 0 (every shard runs; clients get
/// `-LOADING`), then attaches the incremental file to the journal and ends
/// the loading state.
///
/// Order is kept per shard: a keyed command whose keys all live on one
/// shard joins that shard's batch (commands on different shards touch
/// different keys, so their relative order does not matter); any other
/// command (SELECT, MULTI/EXEC and what they queue, commands across
/// shards, server-wide ones) first flushes every batch, then runs alone
/// through the normal `execute` path of an internal client.
pub async fn replay(shard: &Rc<ShardState>, replay: Replay) {
    let shared = shard.shared.clone();
    replay_segments(shard, replay.segments, None).await;
    if replay.loaded_any {
        crate::notice!(
            "DB loaded from append only file: {:.3} seconds",
            replay.started.elapsed().as_secs_f64()
        );
    }
    shared
        .journal
        .replace_output(Some(Box::new(IncrOutput(replay.output))));
    shared.persist.aof_enabled.store(true, Ordering::Relaxed);
    super::output::start_fsync_thread(&shared);
    shared.persist.loading.store(false, Ordering::Relaxed);
}

/// DEBUG LOADAOF: hands every shard's journal to the AOF, empties the data
/// set, and loads the AOF again from the manifest on disk (the journal is
/// detached meanwhile, so nothing replayed is written again; other clients
/// get `-LOADING`). A file that cannot be loaded stops the server, as in
/// Redis.
pub async fn debug_loadaof(shard: &Rc<ShardState>, txn: Option<u64>) {
    let shared = shard.shared.clone();
    let p = &shared.persist;
    p.loading.store(true, Ordering::SeqCst);
    p.loading_start_time
        .store(now_ms() / 1000, Ordering::Relaxed);
    p.loading_loaded_bytes.store(0, Ordering::Relaxed);
    let _ = shard
        .call_all_atomic(txn, |_| {
            Box::new(|s: &ShardState| -> Out {
                crate::journal::flush_shard(s);
                for db in s.store.borrow_mut().dbs.iter_mut() {
                    db.clear();
                }
                Box::new(())
            })
        })
        .await;
    let output = shared.journal.replace_output(None);
    super::sync_now(&shared);
    let settings = Settings::read(&shared);
    let loaded = read_manifest(&settings)
        .and_then(|m| read_files(&shared, &shard.slot_map, &settings, &m).map(|l| (m, l)));
    let (manifest, loaded) = match loaded {
        Ok(x) => x,
        Err(Fatal) => std::process::exit(1),
    };
    let batches = crate::persistence::snapshot::share_batches(loaded.batches);
    let _ = shard
        .call_all(txn, |i| {
            let batches = batches.clone();
            Box::new(move |s: &ShardState| -> Out {
                let batch = crate::persistence::snapshot::take_batch(&batches, i);
                crate::persistence::snapshot::insert_batch(&mut s.store.borrow_mut(), batch);
                Box::new(())
            })
        })
        .await;
    replay_segments(shard, loaded.segments, txn).await;
    {
        let mut st = state(&shared);
        st.manifest = manifest;
        super::delete_history(&settings, &mut st);
    }
    if output.is_some() {
        shared.journal.replace_output(output);
    }
    p.loading.store(false, Ordering::SeqCst);
    crate::notice!("Append Only File loaded by DEBUG LOADAOF");
}
