//! The stream: the master's commands, parsed with the request parser and
//! run through the normal command path by the master client (no replies;
//! MULTI/EXEC and SELECT as for any client; none of the refusals a replica
//! makes to its own clients).
//!
//! Each batch of commands runs with the apply latch held and ends with the
//! raw bytes of the commands it applied appended to the replication
//! stream, so the offset counts exactly what was applied and chained
//! replicas receive the master's bytes unchanged. Bytes of a transaction
//! still open (MULTI queued, EXEC not yet read) are appended only once it
//! closes: a link lost meanwhile resumes from before the MULTI, as the
//! queued commands are lost with the master client.

use std::cell::RefCell;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::conn::{LinkError, MasterConn};
use crate::commands::spec::{flags, Handler, KeyedFn};
use crate::dispatch::router::{finish_remote, start_remote, InFlight};
use crate::protocol::{ParseLimits, RequestParser};
use crate::server::client::ClientInfo;
use crate::server::connection::{execute, ConnCtx};
use crate::shard::keyspace::{now_ms, set_expiry_mode, EXPIRY_HIDE, EXPIRY_KEEP};
use crate::shard::ShardState;

/// How often the replica acknowledges its offset.
const ACK_PERIOD: Duration = Duration::from_secs(1);

/// The master client: its command context, registered as a client of type
/// `master` while the link lasts.
#[derive(Debug)]
pub struct MasterClient {
    ctx: ConnCtx,
}

impl MasterClient {
    /// Registers the master client for `conn` on `shard`, in database `db`.
    pub fn new(shard: &Rc<ShardState>, conn: &MasterConn, db: usize) -> MasterClient {
        let shared = &shard.shared;
        let id = shared.next_client_id.fetch_add(1, Ordering::Relaxed);
        let addr = conn
            .stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let laddr = conn
            .stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut info = ClientInfo::new(id, addr, laddr, conn.stream.as_raw_fd(), now_ms(), true);
        info.master = true;
        info.no_evict = true;
        let info = Rc::new(RefCell::new(info));
        shard.clients.borrow_mut().clients.insert(id, info.clone());
        let mut ctx = ConnCtx::for_master(shard.clone(), info, id);
        ctx.db = db;
        MasterClient { ctx }
    }

    /// Whether CLIENT KILL closed it.
    fn killed(&self) -> bool {
        self.ctx.info.borrow().killed
    }
}

impl Drop for MasterClient {
    fn drop(&mut self) {
        crate::transaction::discard_state(&mut self.ctx);
        self.ctx
            .shard
            .clients
            .borrow_mut()
            .clients
            .remove(&self.ctx.id);
    }
}

/// Sends `REPLCONF ACK <offset>`.
async fn send_ack(conn: &mut MasterConn) -> Result<(), LinkError> {
    let off = conn.shared.repl.offset().to_string();
    let mut out = Vec::with_capacity(64);
    crate::journal::encode_command(&mut out, &[&b"REPLCONF"[..], b"ACK", off.as_bytes()]);
    conn.send(&out).await
}

/// Applied bytes not yet appended to the stream.
#[derive(Default)]
struct Pending {
    /// Raw bytes parsed so far (applied or about to be).
    bytes: Vec<u8>,
    /// How many of `bytes` end outside a transaction (may be appended).
    committed: usize,
}

impl Pending {
    /// Appends the committed bytes to the stream.
    fn settle(&mut self, shard: &ShardState) {
        if self.committed > 0 {
            shard.shared.repl.append(&self.bytes[..self.committed]);
            self.bytes.drain(..self.committed);
            self.committed = 0;
        }
    }
}

/// Runs the stream until the link fails or must stop.
pub async fn run(
    shard: &Rc<ShardState>,
    conn: &mut MasterConn,
    timeout: Duration,
) -> Result<(), LinkError> {
    let mut client = MasterClient::new(shard, conn, super::stream_db());
    let max_bulk = shard.shared.proto_max_bulk_len.load(Ordering::Relaxed) as i64;
    let mut parser = RequestParser::new(ParseLimits {
        max_bulk_len: max_bulk,
        unauthenticated: false,
        ..ParseLimits::default()
    });
    let mut args: Vec<Bytes> = Vec::with_capacity(8);
    let mut pending = Pending::default();
    let mut last_ack = Instant::now();
    send_ack(conn).await?;
    loop {
        if !conn.buf.is_empty() && conn.buf.len() >= parser.bytes_needed() {
            apply_batch(
                shard,
                conn,
                &mut client,
                &mut parser,
                &mut args,
                &mut pending,
            )
            .await?;
        }
        if client.killed() {
            return Err(LinkError::Io("killed".into()));
        }
        if last_ack.elapsed() >= ACK_PERIOD {
            last_ack = Instant::now();
            send_ack(conn).await?;
        }
        match conn.fill(timeout, ACK_PERIOD / 2).await {
            Ok(_) => {}
            Err(LinkError::Timeout) => {
                crate::warning!("MASTER timeout: no data nor PING received...");
                return Err(LinkError::Timeout);
            }
            Err(e) => return Err(e),
        }
        let unapplied = (conn.buf.len() + pending.bytes.len()) as u64;
        if let Some(l) = shard.shared.role.link().as_mut() {
            l.read_offset = shard.shared.repl.offset() + unapplied;
        }
    }
}

/// Applies every complete command in the buffer under the apply latch.
async fn apply_batch(
    shard: &Rc<ShardState>,
    conn: &mut MasterConn,
    client: &mut MasterClient,
    parser: &mut RequestParser,
    args: &mut Vec<Bytes>,
    pending: &mut Pending,
) -> Result<(), LinkError> {
    let latch = super::link::hold_latch_for_batch(&shard.shared).await;
    // Promoted or re-pointed while waiting: the old master's commands no
    // longer apply.
    if !super::is_current(conn.gen) || !shard.shared.role.is_replica() {
        return Err(LinkError::Stopped);
    }
    set_expiry_mode(EXPIRY_KEEP);
    let ctx = &mut client.ctx;
    ctx.now_ms = now_ms();
    ctx.clock = Instant::now();
    ctx.info.borrow_mut().last_ms = ctx.now_ms;
    // Parse position within `pending.bytes`, which gets a copy of the
    // whole buffer; what stays unparsed is cut off at the end.
    let mut cur = pending.bytes.len();
    pending.bytes.extend_from_slice(&conn.buf);
    let mut result = Ok(());
    // Commands sent to other shards and not yet answered, in order sent.
    let mut inflight: Vec<(InFlight, Bytes)> = Vec::new();
    loop {
        let before = conn.buf.len();
        match parser.next(&mut conn.buf, args) {
            Ok(true) => {
                let n = before - conn.buf.len();
                let start = cur;
                cur += n;
                if args.is_empty() {
                    if ctx.multi.is_none() {
                        pending.committed = cur;
                    }
                    continue;
                }
                if args[0].eq_ignore_ascii_case(b"replconf") {
                    if args
                        .get(1)
                        .is_some_and(|a| a.eq_ignore_ascii_case(b"getack"))
                    {
                        // The acknowledged offset covers what came before.
                        if ctx.multi.is_none() {
                            pending.committed = start;
                        }
                        drain(shard, &mut inflight, &mut ctx.out).await;
                        let drained = pending.committed;
                        pending.settle(shard);
                        cur -= drained;
                        if let Err(e) = send_ack(conn).await {
                            result = Err(e);
                            break;
                        }
                    }
                } else {
                    match route(ctx, args) {
                        Route::Remote(f, target) => {
                            let sent = start_remote(
                                shard,
                                target,
                                f,
                                args,
                                &ctx.key_idx,
                                ctx.db,
                                ctx.proto,
                            );
                            match sent {
                                Some(sent) => inflight.push((sent, args[0].clone())),
                                None => {
                                    result = Err(LinkError::Stopped);
                                    break;
                                }
                            }
                            if inflight.len() >= MAX_IN_FLIGHT {
                                drain(shard, &mut inflight, &mut ctx.out).await;
                            }
                        }
                        route => {
                            if matches!(route, Route::Other) {
                                drain(shard, &mut inflight, &mut ctx.out).await;
                            }
                            execute(ctx, args).await;
                            if ctx.out.first() == Some(&b'-') {
                                report_error(&ctx.out, args);
                            }
                            ctx.out.clear();
                        }
                    }
                }
                if ctx.multi.is_none() {
                    pending.committed = cur;
                }
            }
            Ok(false) => break,
            Err(e) => {
                crate::warning!(
                    "Protocol error ({}) from client: id={} addr={} (master)",
                    e.0,
                    ctx.id,
                    ctx.info.borrow().addr
                );
                result = Err(LinkError::Protocol(e.0.clone()));
                break;
            }
        }
    }
    drain(shard, &mut inflight, &mut client.ctx.out).await;
    let ctx = &mut client.ctx;
    pending.bytes.truncate(cur);
    if shard.shared.journal.is_on() {
        crate::journal::flush_for_reply(shard).await;
    }
    pending.settle(shard);
    super::set_stream_db(ctx.db);
    set_expiry_mode(EXPIRY_HIDE);
    drop(latch);
    result
}

/// Commands a batch keeps in flight on other shards at most.
const MAX_IN_FLIGHT: usize = 1024;

/// How a command of the stream runs.
#[derive(Debug, Clone, Copy)]
enum Route {
    /// Keys all on shard `.1`, another shard: sent without waiting, so
    /// commands for different shards overlap (calls to one shard run in
    /// the order sent, so each key still sees the stream's order).
    Remote(KeyedFn, usize),
    /// Keys all on the link's own shard: runs now (it cannot touch what is
    /// in flight elsewhere).
    Home,
    /// Anything else (several shards, transactions, SELECT, commands with
    /// side conditions): runs after everything in flight has finished.
    Other,
}

/// Decides how the stream's command `args` runs (see [`Route`]).
fn route(ctx: &mut ConnCtx, args: &[Bytes]) -> Route {
    let shard = &ctx.shard;
    let shared = &shard.shared;
    if shard.nshards < 2
        || ctx.multi.is_some()
        || ctx.txn.is_some()
        || shared.maxmemory.load(Ordering::Relaxed) > 0
        || shared.monitors.load(Ordering::Relaxed) > 0
    {
        return Route::Other;
    }
    let Some(spec) = crate::commands::registry().lookup(&args[0]) else {
        return Route::Other;
    };
    let Handler::Keyed(f) = spec.handler else {
        return Route::Other;
    };
    let n = args.len() as i64;
    let arity = spec.arity as i64;
    if (arity > 0 && n != arity) || (arity < 0 && n < -arity) || spec.has(flags::BLOCKING) {
        return Route::Other;
    }
    if !crate::commands::extra_dbs(spec, args).is_empty() {
        return Route::Other;
    }
    spec.keys.key_indexes(args, &mut ctx.key_idx);
    let map = &shard.slot_map;
    let Some(target) = ctx
        .key_idx
        .first()
        .and_then(|&i| args.get(i))
        .map(|k| map.shard_of_key(k))
    else {
        return Route::Other;
    };
    let same = ctx
        .key_idx
        .iter()
        .all(|&i| args.get(i).is_some_and(|k| map.shard_of_key(k) == target));
    match (same, target == shard.id) {
        (false, _) => Route::Other,
        (true, true) => Route::Home,
        (true, false) => Route::Remote(f, target),
    }
}

/// Waits for every command in flight, in the order sent, logging errors
/// as for commands run here.
async fn drain(shard: &Rc<ShardState>, inflight: &mut Vec<(InFlight, Bytes)>, out: &mut BytesMut) {
    for (sent, name) in inflight.drain(..) {
        out.clear();
        finish_remote(shard, sent, out).await;
        if out.first() == Some(&b'-') {
            report_error(out, std::slice::from_ref(&name));
        }
    }
    out.clear();
}

/// Logs an error the master's command got here (the data sets may have
/// diverged, or the command is not supported), as Redis does.
fn report_error(reply: &[u8], args: &[Bytes]) {
    let line = reply.split(|&b| b == b'\r').next().unwrap_or_default();
    let text = String::from_utf8_lossy(line.get(1..).unwrap_or_default());
    let name = String::from_utf8_lossy(args.first().map(|a| &a[..]).unwrap_or_default());
    crate::warning!(
        "== CRITICAL == This replica is sending an error to its master: '{}' after processing the command '{}'",
        text,
        name
    );
}
