//! Executors, listeners, connections, clients, start-up and shutdown.
//!
//! [`run`] turns a loaded [`Config`] into a running server: it daemonizes
//! when asked, enters `dir`, writes the pidfile, prints the banner, starts
//! one pinned glommio executor per shard, joins them through the channel
//! mesh, and waits for them to stop (SIGTERM/SIGINT or SHUTDOWN).

pub mod client;
pub mod connection;
pub mod cron;
pub mod log;
pub mod shared;

use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use glommio::channels::channel_mesh::MeshBuilder;
use glommio::net::TcpListener;
use glommio::{CpuSet, LocalExecutorPoolBuilder, PoolPlacement};

use crate::config::Config;
use crate::dispatch::mesh::{self, Mesh, ShardMsg};
use crate::persistence::snapshot;
use crate::shard::slots::SlotMap;
use crate::shard::ShardState;
use shared::ServerShared;

/// Version reported as `redis_version` (the Redis behaviour implemented).
pub const REDIS_VERSION: &str = "7.0.15";
/// This server's own version.
pub const SHARDIS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Set by the signal handler; every shard's cron polls it.
pub static SIGNALLED: AtomicBool = AtomicBool::new(false);
static SIGNAL_NUM: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    SIGNAL_NUM.store(sig, Ordering::Relaxed);
    SIGNALLED.store(true, Ordering::Relaxed);
}

fn install_signal_handlers() {
    // SAFETY: the handler only stores to atomics, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as usize);
        libc::signal(libc::SIGINT, on_signal as *const () as usize);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// The signal that requested shutdown, for the log line.
pub fn signal_name() -> &'static str {
    match SIGNAL_NUM.load(Ordering::Relaxed) {
        libc::SIGINT => "SIGINT",
        _ => "SIGTERM",
    }
}

/// CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills a cpu_set_t we own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| libc::CPU_ISSET(c, &set))
                .collect();
            if !cpus.is_empty() {
                return cpus;
            }
        }
    }
    (0..std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1))
        .collect()
}

fn daemonize() {
    // SAFETY: called before any thread is started; the parent exits at once.
    unsafe {
        match libc::fork() {
            -1 => {
                eprintln!("fork failed: {}", std::io::Error::last_os_error());
                std::process::exit(1);
            }
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 0);
            libc::dup2(devnull, 1);
            libc::dup2(devnull, 2);
            if devnull > 2 {
                libc::close(devnull);
            }
        }
    }
}

fn print_banner(config: &Config, nshards: usize) {
    let pid = std::process::id();
    crate::notice!("oO0OoO0OoO0Oo Shardis is starting oO0OoO0OoO0Oo");
    crate::notice!(
        "Shardis version={}, redis_version={}, bits=64, shards={}, pid={}, just started",
        SHARDIS_VERSION,
        REDIS_VERSION,
        nshards,
        pid
    );
    match config.config_file() {
        Some(p) => crate::notice!("Configuration loaded from {}", p.display()),
        None => crate::warning!(
            "Warning: no config file specified, using the default config. In order to specify a config file use shardis-server /path/to/redis.conf"
        ),
    }
    if config.always_show_logo() {
        let logo = format!(
            "\n                 _                   _ _\n        ___| |__   __ _ _ __ __| (_)___      Shardis {} ({} compatible) 64 bit\n       / __| '_ \\ / _` | '__/ _` | / __|\n       \\__ \\ | | | (_| | | | (_| | \\__ \\     Running in standalone mode\n       |___/_| |_|\\__,_|_|  \\__,_|_|___/     Port: {}\n                                             PID: {}\n                                             Shards: {}\n\n",
            SHARDIS_VERSION,
            REDIS_VERSION,
            config.port(),
            pid,
            nshards
        );
        log::write_raw(logo.as_bytes());
    }
    crate::notice!("Running mode=standalone, port={}.", config.port());
    crate::notice!("Server initialized");
}

/// Runs the server until it is stopped. Returns the process exit code.
pub fn run(config: Config) -> i32 {
    if config.daemonize() {
        daemonize();
    }
    // A relative log file lives in `dir`: Redis has `chdir`ed there while
    // loading the configuration, before it opens the log.
    let logfile = config.logfile();
    let logfile = if logfile.is_empty() || std::path::Path::new(&logfile).is_absolute() {
        logfile
    } else {
        std::path::Path::new(&config.dir())
            .join(&logfile)
            .to_string_lossy()
            .into_owned()
    };
    if let Err(e) = log::init(&logfile, config.loglevel()) {
        eprintln!("Can't open the log file: {}", e);
        return 1;
    }
    install_signal_handlers();
    let dir = config.dir();
    if let Err(e) = std::env::set_current_dir(&dir) {
        crate::warning!("Can't chdir to '{}': {}", dir, e);
        return 1;
    }
    let pidfile = config
        .pidfile()
        .or_else(|| config.daemonize().then(|| "/var/run/redis.pid".to_string()));
    if let Some(p) = &pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            crate::warning!("Failed to write PID file: {}", e);
        }
    }
    let cpus = allowed_cpus();
    let nshards = match config.threads() {
        0 => cpus.len(),
        n => n,
    }
    .clamp(1, 1024);
    print_banner(&config, nshards);
    let addrs = match listen_addrs(&config) {
        Ok(a) => a,
        Err(e) => {
            crate::warning!("{}", e);
            return 1;
        }
    };
    // Bind once here so that a taken port fails start-up cleanly, as Redis
    // does; each shard then binds its own SO_REUSEPORT socket.
    for a in &addrs {
        if let Err(e) = std::net::TcpListener::bind(a) {
            crate::warning!(
                "Warning: Could not create server TCP listening socket {}: {}",
                a,
                e
            );
            if !(a.is_ipv6() && config.bind().iter().any(|b| b.starts_with('-'))) {
                return 1;
            }
        }
    }
    let addrs: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|a| std::net::TcpListener::bind(a).is_ok())
        .collect();
    let shared = Arc::new(ServerShared::new(config, nshards));
    let slot_map = Arc::new(SlotMap::new(nshards));
    // With appendonly the AOF is read and checked here, before any shard
    // starts (its base parsed into per-shard batches; shard 0 replays its
    // commands once the mesh is up). Otherwise the RDB file is parsed by a
    // thread while the shards already answer -LOADING. Each shard inserts
    // its own batch.
    let appendonly = shared.config().get_bool("appendonly") == Some(true);
    let mut aof_replay = None;
    let mut batches = Vec::new();
    let mut parse_rdb = false;
    if appendonly {
        match crate::persistence::aof::load::prepare(&shared, &slot_map) {
            Ok(p) => {
                aof_replay = Some(p.replay);
                batches = p.batches.into_iter().map(Some).collect();
            }
            Err(_) => return 1,
        }
    } else if let Ok(m) = std::fs::metadata(snapshot::rdb_path(&shared)) {
        let p = &shared.persist;
        p.loading.store(true, Ordering::SeqCst);
        p.loading_start_time
            .store(crate::shard::keyspace::now_ms() / 1000, Ordering::Relaxed);
        p.loading_total_bytes.store(m.len(), Ordering::Relaxed);
        parse_rdb = true;
    }
    let startup = Arc::new(Startup {
        aof_replay: std::sync::Mutex::new(aof_replay),
        aof_replayed: AtomicBool::new(false),
        parsed: AtomicBool::new(!parse_rdb),
        batches: std::sync::Mutex::new(batches),
        loaded: std::sync::atomic::AtomicUsize::new(0),
        images: std::sync::Mutex::new(Vec::new()),
    });
    if parse_rdb {
        let shared = shared.clone();
        let slot_map = slot_map.clone();
        let startup = startup.clone();
        let spawned = std::thread::Builder::new()
            .name("rdb-load".into())
            .spawn(move || {
                let batches = match snapshot::load_batches(&shared, &slot_map) {
                    Ok(Some(b)) => b.into_iter().map(Some).collect(),
                    Ok(None) => Vec::new(),
                    Err(e) => {
                        crate::warning!("{}", e);
                        std::process::exit(1);
                    }
                };
                let total = shared.persist.loading_total_bytes.load(Ordering::Relaxed);
                shared
                    .persist
                    .loading_loaded_bytes
                    .store(total, Ordering::Relaxed);
                if let Ok(mut b) = startup.batches.lock() {
                    *b = batches;
                }
                startup.parsed.store(true, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            crate::warning!("Fatal error loading the DB: {}. Exiting.", e);
            return 1;
        }
    }
    let mesh_builder: MeshBuilder<ShardMsg, _> = MeshBuilder::full(nshards, mesh::CHANNEL_CAPACITY);
    let placement = placement_for(&cpus, nshards);
    let builder = LocalExecutorPoolBuilder::new(placement).name("shard");
    let ready = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles = {
        let shared = shared.clone();
        let ready = ready.clone();
        let startup = startup.clone();
        builder.on_all_shards(move || {
            let shared = shared.clone();
            let slot_map = slot_map.clone();
            let mesh_builder = mesh_builder.clone();
            let addrs = addrs.clone();
            let ready = ready.clone();
            let startup = startup.clone();
            async move { run_shard(shared, slot_map, mesh_builder, addrs, ready, startup).await }
        })
    };
    let handles = match handles {
        Ok(h) => h,
        Err(e) => {
            crate::warning!("Failed to start the shard executors: {}", e);
            return 1;
        }
    };
    let _ = handles.join_all();
    crate::persistence::aof::on_exit(&shared);
    crate::persistence::bgsave::abandon_on_shutdown(&shared);
    let images: Vec<_> = match startup.images.lock() {
        Ok(mut v) => std::mem::take(&mut *v),
        Err(_) => Vec::new(),
    };
    if images.len() == nshards && nshards > 0 {
        crate::notice!("Saving the final RDB snapshot before exiting.");
        if snapshot::write_snapshot(&shared, &images).is_err() {
            crate::warning!("Error trying to save the DB, can't exit.");
        }
    }
    if let Some(p) = &pidfile {
        crate::notice!("Removing the pid file.");
        let _ = std::fs::remove_file(p);
    }
    crate::warning!("Shardis is now ready to exit, bye bye...");
    0
}

/// What the shards share while starting and stopping: the batches of keys
/// loaded from the RDB file (one per shard, taken by its owner), how many
/// shards inserted theirs, and the images shards leave for the final save.
struct Startup {
    aof_replay: std::sync::Mutex<Option<crate::persistence::aof::load::Replay>>,
    aof_replayed: AtomicBool,
    parsed: AtomicBool,
    batches: std::sync::Mutex<Vec<Option<Vec<snapshot::LoadedKey>>>>,
    loaded: std::sync::atomic::AtomicUsize,
    images: std::sync::Mutex<Vec<crate::persistence::rdb::file::ShardImage>>,
}

/// Whether stopping now must save: SHUTDOWN SAVE always, SHUTDOWN NOSAVE
/// never, otherwise (plain SHUTDOWN, signals) when save points exist.
fn save_on_exit(shared: &ServerShared) -> bool {
    match shared.shutdown_save.load(Ordering::Relaxed) {
        1 => true,
        0 => false,
        _ => !shared.config().save_points().is_empty(),
    }
}

fn placement_for(cpus: &[usize], nshards: usize) -> PoolPlacement {
    let Ok(online) = CpuSet::online() else {
        return PoolPlacement::Unbound(nshards);
    };
    let sets: Vec<CpuSet> = (0..nshards)
        .map(|i| {
            let cpu = cpus[i % cpus.len()];
            online.clone().filter(|l| l.cpu == cpu)
        })
        .collect();
    if sets.iter().any(|s| s.is_empty()) {
        PoolPlacement::Unbound(nshards)
    } else {
        PoolPlacement::Custom(sets)
    }
}

fn listen_addrs(config: &Config) -> Result<Vec<SocketAddr>, String> {
    let port = config.port();
    let mut out = Vec::new();
    let binds = config.bind();
    let binds = if binds.is_empty() {
        vec!["127.0.0.1".to_string()]
    } else {
        binds
    };
    for b in binds {
        let host = b.trim_start_matches('-');
        let host = match host {
            "*" => "0.0.0.0",
            "::*" => "::",
            h => h,
        };
        let ip: IpAddr = host
            .parse()
            .map_err(|_| format!("Invalid bind address '{}'", b))?;
        out.push(SocketAddr::new(ip, port));
    }
    Ok(out)
}

async fn run_shard(
    shared: Arc<ServerShared>,
    slot_map: Arc<SlotMap>,
    mesh_builder: MeshBuilder<ShardMsg, glommio::channels::channel_mesh::Full>,
    addrs: Vec<SocketAddr>,
    ready: Arc<std::sync::atomic::AtomicUsize>,
    startup: Arc<Startup>,
) {
    let nshards = shared.nshards;
    let (id, mesh, receivers) = if nshards > 1 {
        match mesh_builder.join().await {
            Ok((senders, receivers)) => {
                let id = senders.peer_id();
                (id, Some(Mesh::new(senders)), Some(receivers))
            }
            Err(_) => {
                crate::warning!("Failed to join the shard mesh");
                return;
            }
        }
    } else {
        (0, None, None)
    };
    let shard = Rc::new(ShardState::new(id, nshards, slot_map, shared.clone(), mesh));
    if let Some(r) = receivers {
        mesh::spawn_receivers(shard.clone(), r);
    }
    let mut listeners = Vec::new();
    for a in &addrs {
        match TcpListener::bind(a) {
            Ok(l) => listeners.push(l),
            Err(e) => crate::warning!("Shard {} could not listen on {}: {}", id, a, e),
        }
    }
    for l in listeners {
        let shard = shard.clone();
        glommio::spawn_local(async move {
            loop {
                match l.accept().await {
                    Ok(stream) => {
                        let s = shard.clone();
                        if s.shared.stopping() {
                            break;
                        }
                        if !allowed_by_protected_mode(&s, &stream) {
                            continue;
                        }
                        glommio::spawn_local(connection::serve(s, stream)).detach();
                    }
                    Err(e) => {
                        crate::warning!("Accepting client connection: {}", e);
                        glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
                    }
                }
            }
        })
        .detach();
    }
    // Clients connected from here on get -LOADING until the data set is in.
    while !startup.parsed.load(Ordering::SeqCst) {
        glommio::timer::sleep(std::time::Duration::from_millis(1)).await;
    }
    let batch = startup
        .batches
        .lock()
        .ok()
        .and_then(|mut b| b.get_mut(id).and_then(Option::take));
    if let Some(batch) = batch {
        snapshot::insert_batch(&mut shard.store.borrow_mut(), batch);
    }
    startup.loaded.fetch_add(1, Ordering::SeqCst);
    while startup.loaded.load(Ordering::SeqCst) < nshards {
        glommio::timer::sleep(std::time::Duration::from_millis(1)).await;
    }
    // Shard 0 replays the AOF through the mesh (clients meanwhile get
    // -LOADING); the others serve its calls and wait for it before their
    // cron starts.
    if id == 0 {
        let replay = startup.aof_replay.lock().ok().and_then(|mut r| r.take());
        if let Some(r) = replay {
            crate::persistence::aof::load::replay(&shard, r).await;
        }
        // `replicaof` in the configuration: a replica from the start (its
        // link begins once the data set is loaded).
        crate::replication::replica::start_at_boot(&shard).await;
        shared.persist.loading.store(false, Ordering::SeqCst);
        startup.aof_replayed.store(true, Ordering::SeqCst);
    } else {
        while !startup.aof_replayed.load(Ordering::SeqCst) {
            glommio::timer::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    if ready.fetch_add(1, Ordering::SeqCst) + 1 == nshards {
        crate::notice!("Ready to accept connections tcp");
    }
    cron::run(shard.clone()).await;
    // Close every client of this shard before the executor exits.
    let clients: Vec<_> = shard.clients.borrow().clients.values().cloned().collect();
    for c in clients {
        c.borrow_mut().kill();
    }
    if save_on_exit(&shared) {
        let img = snapshot::shard_image(&shard.store.borrow());
        if let Ok(mut v) = startup.images.lock() {
            v.push(img);
        }
    }
}

fn allowed_by_protected_mode(shard: &ShardState, stream: &glommio::net::TcpStream) -> bool {
    let Ok(peer) = stream.peer_addr() else {
        return true;
    };
    if peer.ip().is_loopback() {
        return true;
    }
    let c = shard.shared.config();
    if !c.protected_mode() || c.requirepass().is_some() {
        return true;
    }
    drop(c);
    // SAFETY: write(2) of a static buffer to a socket we own; best effort.
    const MSG: &[u8] = b"-DENIED Running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. To accept outside connections, set a password (requirepass), or disable protected mode (CONFIG SET protected-mode no, or --protected-mode no), or bind explicit addresses.\r\n";
    unsafe {
        libc::write(
            std::os::fd::AsRawFd::as_raw_fd(stream),
            MSG.as_ptr() as *const libc::c_void,
            MSG.len(),
        );
    }
    false
}
