//! One client connection: read → parse every complete request → run each in
//! order → write all replies with one write.
//!
//! The order of checks before a command runs follows Redis'
//! `processCommand`: lookup and arity, authentication, pause, then the
//! handler. Commands whose keys live on this shard run in place; others go
//! through [`crate::dispatch::router`].

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::commands::spec::{flags, CommandSpec, Handler};
use crate::commands::{self, registry};
use crate::dispatch::router;
use crate::error;
use crate::info::stats::SlowlogEntry;
use crate::protocol::{ParseLimits, Protocol, ReplyWriter, RequestParser};
use crate::server::client::{ClientInfo, ReplyMode};
use crate::shard::keyspace::now_ms;
use crate::shard::ShardState;

/// Size of each read from the socket.
const READ_CHUNK: usize = 16 * 1024;

/// Pending output past which replies are written before the next request of
/// a batch runs.
const FLUSH_THRESHOLD: usize = 64 * 1024;

/// The state a command handler sees of its client.
#[derive(Debug)]
pub struct ConnCtx {
    /// The shard this connection lives on.
    pub shard: Rc<ShardState>,
    /// Client info shared with the registry (CLIENT LIST).
    pub info: Rc<RefCell<ClientInfo>>,
    /// Client id.
    pub id: u64,
    /// Pending output.
    pub out: BytesMut,
    /// Selected database.
    pub db: usize,
    /// Protocol version.
    pub proto: Protocol,
    /// Whether the client may run commands (no password, or authenticated).
    pub authenticated: bool,
    /// Close the connection once the pending output is written.
    pub close: bool,
    /// Reply mode (CLIENT REPLY).
    pub reply_mode: ReplyMode,
    /// Scratch space for key positions.
    pub key_idx: Vec<usize>,
    /// Wall-clock time in Unix ms, read once per batch of requests (what
    /// commands see as "now" for expiry, as Redis' cached command time).
    pub now_ms: u64,
    /// When the previous command of this batch ended (or the batch began):
    /// each command's duration costs one clock read.
    pub clock: Instant,
    /// Set by MONITOR: after this batch the connection only streams
    /// monitored commands.
    pub monitor: Option<glommio::channels::local_channel::LocalReceiver<Bytes>>,
}

impl ConnCtx {
    /// A reply writer appending to this client's output.
    pub fn writer(&mut self) -> ReplyWriter<'_> {
        ReplyWriter::new(&mut self.out, self.proto)
    }

    /// Writes an error reply.
    pub fn error(&mut self, text: &str) {
        self.writer().error(text);
    }
}

/// Serves one accepted connection until it closes.
pub async fn serve(shard: Rc<ShardState>, mut stream: TcpStream) {
    let shared = shard.shared.clone();
    let maxclients = shared.maxclients.load(Ordering::Relaxed) as usize;
    let connected = shared.connected_clients.fetch_add(1, Ordering::Relaxed) + 1;
    if connected > maxclients {
        shared.connected_clients.fetch_sub(1, Ordering::Relaxed);
        shared.rejected_connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream
            .write_all(b"-ERR max number of clients reached\r\n")
            .await;
        return;
    }
    let _ = stream.set_nodelay(true);
    let fd = stream.as_raw_fd();
    set_keepalive(fd, shared.config().tcp_keepalive());
    let id = shared.next_client_id.fetch_add(1, Ordering::Relaxed);
    let now = now_ms();
    let info = Rc::new(RefCell::new(ClientInfo {
        id,
        addr: stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        laddr: stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        fd,
        name: Bytes::new(),
        created_ms: now,
        last_ms: now,
        db: 0,
        proto: Protocol::Resp2,
        last_cmd: "",
        authenticated: !shared.auth_required.load(Ordering::Relaxed),
        no_evict: false,
        monitor: false,
        qbuf: 0,
        obuf: 0,
        killed: false,
        lib_name: Bytes::new(),
        lib_ver: Bytes::new(),
        reply_mode: ReplyMode::On,
        blocked: false,
    }));
    shard.clients.borrow_mut().clients.insert(id, info.clone());
    shard.stats.borrow_mut().connections += 1;
    let authenticated = info.borrow().authenticated;
    let mut ctx = ConnCtx {
        shard: shard.clone(),
        info: info.clone(),
        id,
        out: BytesMut::with_capacity(READ_CHUNK),
        db: 0,
        proto: Protocol::Resp2,
        authenticated,
        close: false,
        reply_mode: ReplyMode::On,
        key_idx: Vec::with_capacity(4),
        now_ms: now,
        clock: Instant::now(),
        monitor: None,
    };
    let _ = connection_loop(&mut ctx, &mut stream).await;
    shard.clients.borrow_mut().clients.remove(&id);
    if info.borrow().monitor {
        shared.monitors.fetch_sub(1, Ordering::Relaxed);
    }
    shared.connected_clients.fetch_sub(1, Ordering::Relaxed);
}

/// The parser limits for this client now: `proto-max-bulk-len` (which
/// CONFIG SET may change) and the tighter limits before authentication.
fn parse_limits(ctx: &ConnCtx) -> ParseLimits {
    ParseLimits {
        max_bulk_len: ctx.shard.shared.proto_max_bulk_len.load(Ordering::Relaxed) as i64,
        unauthenticated: !ctx.authenticated,
        ..ParseLimits::default()
    }
}

async fn connection_loop(ctx: &mut ConnCtx, stream: &mut TcpStream) -> std::io::Result<()> {
    let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
    let mut limits = parse_limits(ctx);
    let mut parser = RequestParser::new(limits);
    let mut args: Vec<Bytes> = Vec::with_capacity(8);
    loop {
        if rbuf.capacity() - rbuf.len() < READ_CHUNK / 4 {
            rbuf.reserve(READ_CHUNK);
        }
        let spare: &mut [MaybeUninit<u8>] = rbuf.spare_capacity_mut();
        // SAFETY: the socket read only writes into the slice; the length is
        // advanced by exactly the number of bytes it reports written.
        let spare: &mut [u8] = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = stream.read(spare).await?;
        if n == 0 || ctx.info.borrow().killed {
            return Ok(());
        }
        // SAFETY: `n` bytes were initialised by the read above.
        unsafe { rbuf.set_len(rbuf.len() + n) };
        ctx.shard.stats.borrow_mut().net_input += n as u64;
        // CONFIG SET proto-max-bulk-len applies to connected clients too.
        let now_limits = parse_limits(ctx);
        if now_limits.max_bulk_len != limits.max_bulk_len
            || now_limits.unauthenticated != limits.unauthenticated
        {
            parser.set_limits(now_limits);
            limits = now_limits;
        }
        if rbuf.len() >= parser.bytes_needed() {
            ctx.now_ms = now_ms();
            ctx.clock = Instant::now();
            ctx.info.borrow_mut().last_ms = ctx.now_ms;
            let mut in_batch = 0u32;
            loop {
                // AUTH earlier in this batch lifts the unauthenticated limits.
                if limits.unauthenticated && ctx.authenticated {
                    limits.unauthenticated = false;
                    parser.set_limits(limits);
                }
                match parser.next(&mut rbuf, &mut args) {
                    Ok(true) => {
                        if args.is_empty() {
                            continue;
                        }
                        in_batch += 1;
                        if in_batch.is_multiple_of(256) {
                            ctx.now_ms = now_ms();
                        }
                        execute(ctx, &args).await;
                        if ctx.close {
                            break;
                        }
                        // Backpressure: a long pipeline's replies are written
                        // as they accumulate, so a client that does not read
                        // stalls its own requests instead of growing memory.
                        if ctx.out.len() >= FLUSH_THRESHOLD {
                            ctx.shard.stats.borrow_mut().net_output += ctx.out.len() as u64;
                            stream.write_all(&ctx.out).await?;
                            ctx.out.clear();
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        ctx.out.extend_from_slice(b"-");
                        ctx.out.extend_from_slice(e.reply_text().as_bytes());
                        ctx.out.extend_from_slice(b"\r\n");
                        crate::verbose!(
                            "Protocol error ({}) from client: id={} addr={}",
                            e.0,
                            ctx.id,
                            ctx.info.borrow().addr
                        );
                        ctx.close = true;
                        break;
                    }
                }
            }
        }
        args.clear();
        if args.capacity() > 1024 {
            args = Vec::with_capacity(8);
        }
        if rbuf.is_empty() && rbuf.capacity() > 4 * READ_CHUNK {
            rbuf = BytesMut::with_capacity(READ_CHUNK);
        }
        if !ctx.out.is_empty() {
            ctx.shard.stats.borrow_mut().net_output += ctx.out.len() as u64;
            stream.write_all(&ctx.out).await?;
            ctx.out.clear();
            if ctx.out.capacity() > 4 * 1024 * 1024 {
                ctx.out = BytesMut::with_capacity(READ_CHUNK);
            }
        }
        if ctx.close {
            let _ = stream.flush().await;
            return Ok(());
        }
        if let Some(rx) = ctx.monitor.take() {
            return monitor_loop(ctx, stream, rx).await;
        }
        let limit = ctx.shard.shared.query_buffer_limit.load(Ordering::Relaxed) as usize;
        if rbuf.len() > limit {
            crate::warning!(
                "Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                ctx.id,
                ctx.info.borrow().addr,
                rbuf.len()
            );
            return Ok(());
        }
    }
}

/// Streams monitored commands to a MONITOR client until it goes away.
async fn monitor_loop(
    ctx: &mut ConnCtx,
    stream: &mut TcpStream,
    rx: glommio::channels::local_channel::LocalReceiver<Bytes>,
) -> std::io::Result<()> {
    while let Some(line) = rx.recv().await {
        if ctx.info.borrow().killed {
            break;
        }
        stream.write_all(&line).await?;
    }
    Ok(())
}

/// The MONITOR line of a command: `+<time> [<db> <addr>] "arg" ...`.
pub fn monitor_line(db: usize, addr: &str, args: &[Bytes]) -> Bytes {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut s = format!(
        "+{}.{:06} [{} {}]",
        now.as_secs(),
        now.subsec_micros(),
        db,
        addr
    )
    .into_bytes();
    for a in args {
        s.extend_from_slice(b" \"");
        for &b in a.iter() {
            match b {
                b'\\' => s.extend_from_slice(b"\\\\"),
                b'"' => s.extend_from_slice(b"\\\""),
                b'\n' => s.extend_from_slice(b"\\n"),
                b'\r' => s.extend_from_slice(b"\\r"),
                b'\t' => s.extend_from_slice(b"\\t"),
                7 => s.extend_from_slice(b"\\a"),
                8 => s.extend_from_slice(b"\\b"),
                0x20..=0x7e => s.push(b),
                _ => s.extend_from_slice(format!("\\x{:02x}", b).as_bytes()),
            }
        }
        s.push(b'"');
    }
    s.extend_from_slice(b"\r\n");
    Bytes::from(s)
}

async fn feed_monitors(ctx: &ConnCtx, args: &[Bytes]) {
    let line = { monitor_line(ctx.db, &ctx.info.borrow().addr, args) };
    let shard = ctx.shard.clone();
    for s in 0..shard.nshards {
        let line = line.clone();
        if s == shard.id {
            shard.feed_monitors(&line);
        } else {
            let _ = shard
                .call(
                    s,
                    crate::dispatch::LockOp::None,
                    Box::new(move |sh: &ShardState| -> crate::dispatch::Out {
                        sh.feed_monitors(&line);
                        Box::new(())
                    }),
                )
                .await;
        }
    }
}

/// Runs one request: lookup, checks, handler, statistics.
pub async fn execute(ctx: &mut ConnCtx, args: &[Bytes]) {
    let Some((index, spec)) = registry().lookup_indexed(&args[0]) else {
        let text = error::unknown_command(args);
        ctx.writer().error_bytes(&text);
        count_error(ctx, "ERR");
        return;
    };
    if !spec.arity_ok(args.len()) {
        let text = error::wrong_arity(spec.name);
        ctx.error(&text);
        count_rejected(ctx, index, &text);
        return;
    }
    if !ctx.authenticated && !spec.has(flags::NO_AUTH) {
        ctx.error(error::NOAUTH);
        count_rejected(ctx, index, error::NOAUTH);
        return;
    }
    wait_if_paused(ctx, spec).await;
    if ctx.shard.shared.monitors.load(Ordering::Relaxed) > 0
        && !spec.has(flags::SKIP_MONITOR)
        && !spec.has(flags::ADMIN)
    {
        feed_monitors(ctx, args).await;
    }
    if ctx.shard.shared.maxmemory.load(Ordering::Relaxed) > 0
        && crate::shard::evict::make_room_for(&ctx.shard, spec, args, &mut ctx.key_idx)
            .await
            .is_err()
        && spec.has(flags::DENYOOM)
    {
        ctx.error(crate::shard::evict::OOM_ERROR);
        count_rejected(ctx, index, crate::shard::evict::OOM_ERROR);
        return;
    }
    let mark = ctx.out.len();
    run_handler(ctx, spec, args).await;
    let end = Instant::now();
    let micros = end.saturating_duration_since(ctx.clock).as_micros() as u64;
    ctx.clock = end;
    after_command(ctx, index, spec, args, mark, micros);
}

/// Runs the handler of `spec` for `args` (also used by DEBUG and tests).
pub async fn run_handler(ctx: &mut ConnCtx, spec: &'static CommandSpec, args: &[Bytes]) {
    match spec.handler {
        Handler::Keyed(f) => {
            spec.keys.key_indexes(args, &mut ctx.key_idx);
            let extra = commands::extra_dbs(spec, args);
            let shard = ctx.shard.clone();
            router::run_keyed(
                &shard,
                f,
                args,
                &ctx.key_idx,
                ctx.db,
                &extra,
                ctx.proto,
                ctx.now_ms,
                &mut ctx.out,
            )
            .await;
        }
        Handler::Conn(f) => {
            let mark = ctx.out.len();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ctx, args)));
            if r.is_err() {
                internal_error(ctx, mark, spec.name);
            }
        }
        Handler::Async(f) => {
            let mark = ctx.out.len();
            let r = futures_lite::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(f(
                ctx,
                args.to_vec(),
            )))
            .await;
            if r.is_err() {
                internal_error(ctx, mark, spec.name);
            }
        }
    }
}

/// A handler panicked (a bug): drop its partial reply, answer an error, and
/// keep the shard and the connection running.
fn internal_error(ctx: &mut ConnCtx, mark: usize, name: &str) {
    ctx.out.truncate(mark);
    ctx.error("ERR internal error");
    crate::warning!(
        "Internal error while running '{}': the command was aborted",
        name
    );
}

async fn wait_if_paused(ctx: &ConnCtx, spec: &CommandSpec) {
    let shared = &ctx.shard.shared;
    loop {
        let until = shared.paused_until.load(Ordering::Relaxed);
        if until == 0 {
            return;
        }
        let now = now_ms();
        if now >= until {
            return;
        }
        let all = shared.pause_all.load(Ordering::Relaxed);
        if !all && !spec.has(flags::WRITE) {
            return;
        }
        if spec.name == "client" {
            return;
        }
        glommio::timer::sleep(std::time::Duration::from_millis((until - now).min(50))).await;
    }
}

fn after_command(
    ctx: &mut ConnCtx,
    index: usize,
    spec: &'static CommandSpec,
    args: &[Bytes],
    mark: usize,
    micros: u64,
) {
    let is_err = ctx.out.get(mark) == Some(&b'-');
    // The error code must be read before CLIENT REPLY OFF/SKIP drops the reply.
    let code = if is_err {
        Some(error_code(&ctx.out[mark..]))
    } else {
        None
    };
    match ctx.reply_mode {
        ReplyMode::On => {}
        ReplyMode::Off => ctx.out.truncate(mark),
        ReplyMode::Skip => {
            ctx.out.truncate(mark);
            ctx.reply_mode = ReplyMode::On;
        }
        ReplyMode::SkipNext => ctx.reply_mode = ReplyMode::Skip,
    }
    let shard = ctx.shard.clone();
    let mut stats = shard.stats.borrow_mut();
    stats.commands += 1;
    let e = stats.command(index);
    e.calls += 1;
    e.usec += micros;
    if let Some(code) = code {
        e.failed += 1;
        *stats.errors.entry(code).or_default() += 1;
    }
    let threshold = shard.shared.slowlog_slower_than.load(Ordering::Relaxed);
    if threshold >= 0 && micros >= threshold as u64 && !spec.has(flags::SKIP_SLOWLOG) {
        let max = shard.shared.slowlog_max_len.load(Ordering::Relaxed) as usize;
        let id = shard.shared.slowlog_next_id.fetch_add(1, Ordering::Relaxed);
        let info = ctx.info.borrow();
        let mut kept: Vec<Vec<u8>> = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i == 31 && args.len() > 32 {
                kept.push(format!("... ({} more arguments)", args.len() - 31).into_bytes());
                break;
            }
            if a.len() > 128 {
                let mut v = a[..128].to_vec();
                v.extend_from_slice(format!("... ({} more bytes)", a.len() - 128).as_bytes());
                kept.push(v);
            } else {
                kept.push(a.to_vec());
            }
        }
        stats.slowlog.push_back(SlowlogEntry {
            id,
            time: ctx.now_ms / 1000,
            micros,
            args: kept,
            addr: info.addr.clone(),
            name: String::from_utf8_lossy(&info.name).into_owned(),
        });
        while stats.slowlog.len() > max {
            stats.slowlog.pop_front();
        }
    }
    drop(stats);
    let mut info = ctx.info.borrow_mut();
    info.last_cmd = spec.name;
    info.db = ctx.db;
    info.proto = ctx.proto;
}

fn error_code(reply: &[u8]) -> String {
    let line = reply.get(1..).unwrap_or_default();
    let end = line
        .iter()
        .position(|&b| b == b' ' || b == b'\r')
        .unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end]).into_owned()
}

fn count_error(ctx: &mut ConnCtx, text: &str) {
    let code = text.split(' ').next().unwrap_or("ERR").to_string();
    *ctx.shard.stats.borrow_mut().errors.entry(code).or_default() += 1;
}

fn count_rejected(ctx: &mut ConnCtx, index: usize, text: &str) {
    count_error(ctx, text);
    ctx.shard.stats.borrow_mut().command(index).rejected += 1;
}

fn set_keepalive(fd: i32, secs: u64) {
    if secs == 0 {
        return;
    }
    let on: libc::c_int = 1;
    let idle = secs as libc::c_int;
    let intvl = (secs / 3).max(1) as libc::c_int;
    let cnt: libc::c_int = 3;
    // SAFETY: setsockopt on a socket this process owns, with pointers to
    // live c_ints of the right size.
    unsafe {
        let sz = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_KEEPALIVE,
            &on as *const _ as *const libc::c_void,
            sz,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPIDLE,
            &idle as *const _ as *const libc::c_void,
            sz,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            &intvl as *const _ as *const libc::c_void,
            sz,
        );
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPCNT,
            &cnt as *const _ as *const libc::c_void,
            sz,
        );
    }
}
