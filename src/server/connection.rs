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

/// Messages queued between shards (behind full mesh channels) past which a
/// connection waits before reading its next batch...
const MESH_BACKLOG_HIGH: usize = 16 * 1024;
/// ...until they are down to this many.
const MESH_BACKLOG_LOW: usize = 1024;

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
    /// Pub/Sub subscriptions (present while the client has any): the
    /// connection then also waits for pushed messages.
    pub subs: Option<Box<crate::pubsub::ClientSubs>>,
    /// Since when pending output has been over the soft output limit.
    pub obuf_soft_since: Option<Instant>,
    /// The open transaction (between MULTI and EXEC/DISCARD).
    pub multi: Option<Box<crate::transaction::MultiState>>,
    /// A finished transaction's state, kept to reuse its buffers.
    pub multi_spare: Option<Box<crate::transaction::MultiState>>,
    /// The keys this client WATCHes.
    pub watching: Option<Box<crate::transaction::watch::Watching>>,
    /// The transaction id EXEC holds shards with while it runs the queue:
    /// shard calls made meanwhile run within it ([`LockOp::plain`]).
    ///
    /// [`LockOp::plain`]: crate::dispatch::LockOp::plain
    pub txn: Option<u64>,
    /// Whether a queued command is running inside EXEC (blocking commands
    /// then never wait).
    pub in_exec: bool,
    /// What a replica-to-be said in its handshake (REPLCONF); once it asks
    /// for a sync (PSYNC, SYNC) the connection becomes its feed.
    pub replica: Option<Box<crate::replication::master::psync::ReplicaHello>>,
    /// Whether this client wrote since its last WAIT.
    pub repl_wrote: bool,
    /// The stream offset WAIT waits for (after this client's last write).
    pub repl_woff: u64,
    /// Whether this is a replica's link to its master (its commands are
    /// obeyed: no -READONLY, -MASTERDOWN, -LOADING or OOM refusals).
    pub master: bool,
}

impl ConnCtx {
    /// A client without a socket on `shard` (id 0, authenticated, database
    /// 0), for commands the server runs itself: the AOF replay.
    pub fn internal(shard: Rc<ShardState>) -> ConnCtx {
        let now = now_ms();
        let mut info = ClientInfo::new(0, String::new(), String::new(), -1, now, true);
        info.no_evict = true;
        ConnCtx::new(shard, Rc::new(RefCell::new(info)), 0, BytesMut::new(), now)
    }

    /// The client a replica runs its master's stream with (`info` is its
    /// registry entry, CLIENT LIST type `master`).
    pub fn for_master(shard: Rc<ShardState>, info: Rc<RefCell<ClientInfo>>, id: u64) -> ConnCtx {
        let now = now_ms();
        let mut c = ConnCtx::new(shard, info, id, BytesMut::new(), now);
        c.master = true;
        c.authenticated = true;
        c
    }

    /// The state of a new client `id` whose registry entry is `info`.
    fn new(
        shard: Rc<ShardState>,
        info: Rc<RefCell<ClientInfo>>,
        id: u64,
        out: BytesMut,
        now: u64,
    ) -> ConnCtx {
        let authenticated = info.borrow().authenticated;
        ConnCtx {
            shard,
            info,
            id,
            out,
            db: 0,
            proto: Protocol::Resp2,
            authenticated,
            close: false,
            reply_mode: ReplyMode::On,
            key_idx: Vec::with_capacity(4),
            now_ms: now,
            clock: Instant::now(),
            monitor: None,
            subs: None,
            obuf_soft_since: None,
            multi: None,
            multi_spare: None,
            watching: None,
            txn: None,
            in_exec: false,
            replica: None,
            repl_wrote: false,
            repl_woff: 0,
            master: false,
        }
    }

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
    let addr = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let laddr = stream
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let authenticated = !shared.auth_required.load(Ordering::Relaxed);
    let info = Rc::new(RefCell::new(ClientInfo::new(
        id,
        addr,
        laddr,
        fd,
        now,
        authenticated,
    )));
    shard.clients.borrow_mut().clients.insert(id, info.clone());
    shard.stats.borrow_mut().connections += 1;
    let mut ctx = ConnCtx::new(
        shard.clone(),
        info.clone(),
        id,
        BytesMut::with_capacity(READ_CHUNK),
        now,
    );
    let _ = connection_loop(&mut ctx, &mut stream).await;
    crate::transaction::discard_state(&mut ctx);
    shard.clients.borrow_mut().clients.remove(&id);
    // Drop any messages still waiting before telling other shards.
    ctx.out = BytesMut::new();
    crate::pubsub::unsubscribe_all(&mut ctx).await;
    ctx.out = BytesMut::new();
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
        let n = match ctx.subs.as_ref().map(|s| s.push.clone()) {
            None => stream.read(spare).await?,
            Some(push) => {
                // Subscribed: wait for a request or for pushed messages,
                // whichever comes first. The socket read is readiness-based
                // (the bytes are copied only when it completes), so dropping
                // it when a message wins loses no input.
                if push.is_closed() {
                    return Ok(());
                }
                if !push.is_empty() {
                    push.take_into(&mut ctx.out);
                    write_out(ctx, stream).await?;
                    continue;
                }
                let r = futures_lite::future::or(async { Some(stream.read(spare).await) }, async {
                    push.ready().await;
                    None
                })
                .await;
                match r {
                    Some(r) => r?,
                    None => continue,
                }
            }
        };
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
                        if ctx.close || crate::replication::master::feed::wants_feed(ctx) {
                            break;
                        }
                        // Backpressure: a long pipeline's replies are written
                        // as they accumulate, so a client that does not read
                        // stalls its own requests instead of growing memory.
                        if ctx.out.len() >= FLUSH_THRESHOLD {
                            if over_output_limit(ctx) {
                                return Ok(());
                            }
                            write_out(ctx, stream).await?;
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
        if let Some(s) = &ctx.subs {
            s.push.take_into(&mut ctx.out);
        }
        if ctx.out.len() > READ_CHUNK && over_output_limit(ctx) {
            return Ok(());
        }
        if !ctx.out.is_empty() {
            write_out(ctx, stream).await?;
        }
        if ctx.close {
            let _ = stream.flush().await;
            return Ok(());
        }
        // Publishers outrunning the cores they post to wait here, between
        // batches, so messages queued between shards stay bounded.
        if let Some(m) = &ctx.shard.mesh {
            if m.backlog_total() > MESH_BACKLOG_HIGH {
                m.wait_backlog_below(MESH_BACKLOG_LOW).await;
            }
        }
        if crate::replication::master::feed::wants_feed(ctx) {
            return crate::replication::master::feed::serve(ctx, stream, rbuf).await;
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

/// Writes and clears the pending output. For a subscribed client the write
/// counts against its output limit and is abandoned as soon as the client
/// is closed for exceeding it (it may never read).
async fn write_out(ctx: &mut ConnCtx, stream: &mut TcpStream) -> std::io::Result<()> {
    // Writes reach the journal (and, with `appendfsync always`, the disk)
    // before the replies that acknowledge them leave.
    if ctx.shard.shared.journal.is_on() {
        crate::journal::flush_for_reply(&ctx.shard).await;
    }
    ctx.shard.stats.borrow_mut().net_output += ctx.out.len() as u64;
    match ctx.subs.as_ref().map(|s| s.push.clone()) {
        None => stream.write_all(&ctx.out).await?,
        Some(push) => {
            push.set_in_flight(ctx.out.len());
            let out = &ctx.out;
            let r = futures_lite::future::or(async { Some(stream.write_all(out).await) }, async {
                push.closed().await;
                None
            })
            .await;
            push.set_in_flight(0);
            match r {
                Some(r) => r?,
                None => {
                    ctx.out = BytesMut::new();
                    return Err(std::io::Error::other("output buffer limit reached"));
                }
            }
        }
    }
    ctx.out.clear();
    if ctx.out.capacity() > 4 * 1024 * 1024 {
        ctx.out = BytesMut::with_capacity(READ_CHUNK);
    }
    Ok(())
}

/// Whether the pending output is over the client's output buffer limit
/// (`normal` class, or `pubsub` for a subscribed client); logs Redis' line
/// when it is. Only called once the output is large, off the hot path.
fn over_output_limit(ctx: &mut ConnCtx) -> bool {
    let (class, pending) = match &ctx.subs {
        Some(s) => (2, ctx.out.len() + s.push.len()),
        None => (0, ctx.out.len()),
    };
    let limit = ctx.shard.shared.output_limit(class);
    let r = limit.check(pending as u64, &mut ctx.obuf_soft_since, Instant::now);
    if r == crate::pubsub::push::LimitCheck::Ok {
        return false;
    }
    ctx.out = BytesMut::new();
    crate::warning!(
        "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
        ctx.info.borrow().list_line(now_ms())
    );
    true
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
        crate::transaction::flag(ctx);
        return;
    };
    if !spec.arity_ok(args.len()) {
        let text = error::wrong_arity(spec.name);
        ctx.error(&text);
        count_rejected(ctx, index, &text);
        crate::transaction::flag(ctx);
        return;
    }
    if !ctx.authenticated && !spec.has(flags::NO_AUTH) {
        ctx.error(error::NOAUTH);
        count_rejected(ctx, index, error::NOAUTH);
        crate::transaction::flag(ctx);
        return;
    }
    // While the data set loads, only commands flagged LOADING run (the
    // server's own replay client, id 0, runs everything).
    if ctx.id != 0
        && !ctx.master
        && !spec.has(flags::LOADING)
        && ctx.shard.shared.persist.loading.load(Ordering::Relaxed)
    {
        ctx.error(error::LOADING);
        count_rejected(ctx, index, error::LOADING);
        crate::transaction::flag(ctx);
        return;
    }
    // A replica refuses writes (replica-read-only) and, while its link is
    // down with replica-serve-stale-data off, data commands.
    if ctx.shard.shared.role.is_replica() && !ctx.master && ctx.id != 0 {
        if let Some(text) = crate::replication::replica::refusal(ctx, spec, args) {
            ctx.error(text);
            count_rejected(ctx, index, text);
            crate::transaction::flag(ctx);
            return;
        }
    }
    // Inside MULTI a container command's subcommand is checked before it
    // is queued, as Redis' lookup does.
    if ctx.multi.is_some() {
        if let Some(text) = crate::commands::spec::subcommand_error(spec, args) {
            ctx.error(&text);
            count_rejected(ctx, index, &text);
            crate::transaction::flag(ctx);
            return;
        }
    }
    if ctx.subs.is_some()
        && ctx.proto == Protocol::Resp2
        && crate::pubsub::in_context(&ctx.subs)
        && !commands::pubsub::ALLOWED_IN_CONTEXT.contains(&spec.name)
    {
        let text = format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            full_name(spec, args)
        );
        ctx.error(&text);
        count_rejected(ctx, index, &text);
        crate::transaction::flag(ctx);
        return;
    }
    wait_if_paused(ctx, spec).await;
    if ctx.shard.shared.monitors.load(Ordering::Relaxed) > 0
        && ctx.id != 0
        && !spec.has(flags::SKIP_MONITOR)
        && !spec.has(flags::ADMIN)
    {
        feed_monitors(ctx, args).await;
    }
    // Messages that arrived before this command go out before its reply.
    if let Some(s) = &ctx.subs {
        s.push.take_into(&mut ctx.out);
    }
    // The server's own replay client (id 0) loads whatever the limit.
    // A replica's master client is never refused; it makes room only when
    // the replica does not ignore maxmemory.
    if ctx.master
        && ctx.shard.shared.maxmemory.load(Ordering::Relaxed) > 0
        && !crate::replication::replica::ignores_maxmemory(&ctx.shard.shared)
    {
        let _ = crate::shard::evict::make_room_for(&ctx.shard, spec, args, &mut ctx.key_idx).await;
    }
    if ctx.shard.shared.maxmemory.load(Ordering::Relaxed) > 0
        && ctx.id != 0
        && !ctx.master
        && !crate::replication::replica::ignores_maxmemory(&ctx.shard.shared)
        && out_of_memory(ctx, spec, args).await
    {
        if spec.name == "exec" && ctx.multi.is_some() {
            // Redis aborts the whole transaction.
            crate::transaction::discard_state(ctx);
            let text = format!(
                "EXECABORT Transaction discarded because of: {}",
                crate::shard::evict::OOM_ERROR
            );
            ctx.error(&text);
            count_rejected(ctx, index, &text);
        } else {
            ctx.error(crate::shard::evict::OOM_ERROR);
            count_rejected(ctx, index, crate::shard::evict::OOM_ERROR);
            crate::transaction::flag(ctx);
        }
        return;
    }
    if ctx.shard.shared.persist.misconf.load(Ordering::Relaxed)
        || ctx.shard.shared.journal.write_failed()
    {
        if let Some(text) = crate::persistence::bgsave::disk_error_reply(ctx, spec) {
            ctx.error(&text);
            count_rejected(ctx, index, &text);
            crate::transaction::flag(ctx);
            return;
        }
    }
    if ctx.shard.shared.replicas.min_replicas_on() {
        if let Some(text) = crate::replication::master::wait::min_replicas_error(ctx, spec) {
            ctx.error(&text);
            count_rejected(ctx, index, &text);
            crate::transaction::flag(ctx);
            return;
        }
    }
    if ctx.multi.is_some() && !crate::transaction::runs_inside_multi(spec) {
        crate::transaction::queue(ctx, index, spec, args);
        return;
    }
    let mark = ctx.out.len();
    ctx.repl_wrote |= spec.has(flags::WRITE) || spec.name == "exec";
    run_handler(ctx, spec, args).await;
    let end = Instant::now();
    let micros = end.saturating_duration_since(ctx.clock).as_micros() as u64;
    ctx.clock = end;
    after_command(ctx, index, spec, args, mark, micros);
    if let Some(s) = &ctx.subs {
        s.push.set_proto(ctx.proto);
    }
}

/// Makes room under `maxmemory` before `spec` runs (evicting keys as the
/// policy says) and tells whether the command must be refused with the OOM
/// error, as Redis' `processCommand` decides: a command that may grow
/// memory (DENYOOM); inside MULTI any command but EXEC, DISCARD, QUIT and
/// RESET (queueing itself takes memory); EXEC when a queued command may
/// grow memory.
async fn out_of_memory(ctx: &mut ConnCtx, spec: &'static CommandSpec, args: &[Bytes]) -> bool {
    let full = crate::shard::evict::make_room_for(&ctx.shard, spec, args, &mut ctx.key_idx)
        .await
        .is_err();
    if !full {
        return false;
    }
    match &ctx.multi {
        Some(m) if spec.name == "exec" => m.cmds.iter().any(|q| q.spec.has(flags::DENYOOM)),
        Some(_) => !matches!(spec.name, "discard" | "quit" | "reset"),
        None => spec.has(flags::DENYOOM),
    }
}

/// The full name of a command as Redis prints it (`client|info`).
fn full_name(spec: &CommandSpec, args: &[Bytes]) -> String {
    match args.get(1) {
        Some(sub) if crate::commands::spec::is_container(spec.name) => format!(
            "{}|{}",
            spec.name,
            String::from_utf8_lossy(sub).to_ascii_lowercase()
        ),
        _ => spec.name.to_string(),
    }
}

/// Runs the handler of `spec` for `args` (also used by DEBUG and tests).
pub async fn run_handler(ctx: &mut ConnCtx, spec: &'static CommandSpec, args: &[Bytes]) {
    let start = ctx.out.len();
    run_handler_inner(ctx, spec, args).await;
    // Messages this command caused to reach its own client (PUBLISH to a
    // channel it listens to, keyspace notifications) precede its reply, as
    // in Redis (inside EXEC too); a confirmation precedes messages.
    if let Some(s) = &ctx.subs {
        if !s.push.is_empty() && !commands::pubsub::is_subscription_command(spec.name) {
            let tail = ctx.out.split_off(start.min(ctx.out.len()));
            s.push.take_into(&mut ctx.out);
            ctx.out.unsplit(tail);
        }
    }
}

async fn run_handler_inner(ctx: &mut ConnCtx, spec: &'static CommandSpec, args: &[Bytes]) {
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
                ctx.txn,
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

/// Counts a command EXEC ran from its queue (`reply` is its reply), in the
/// per-command and error statistics.
pub fn count_queued(stats: &mut crate::info::stats::ShardStats, index: usize, reply: &[u8]) {
    stats.commands += 1;
    let e = stats.command(index);
    e.calls += 1;
    if reply.first() == Some(&b'-') {
        e.failed += 1;
        *stats.errors.entry(error_code(reply)).or_default() += 1;
    }
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
