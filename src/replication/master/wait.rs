//! WAIT (block until replicas acknowledged this client's writes) and the
//! `min-replicas-to-write` check on writes.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::commands::spec::{flags, CommandSpec};
use crate::dispatch::Out;
use crate::server::connection::ConnCtx;
use crate::shard::ShardState;

/// WAIT's error on a replica.
pub const WAIT_ON_REPLICA: &str = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";

/// The error of writes refused for `min-replicas-to-write`.
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

/// `REPLCONF GETACK *` as it goes into the stream.
pub const GETACK: &[u8] = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

/// How often a blocked WAIT counts acknowledgements.
const POLL: Duration = Duration::from_millis(2);

/// WAIT numreplicas timeout.
pub async fn wait_command(ctx: &mut ConnCtx, args: &[Bytes]) {
    let shared = ctx.shard.shared.clone();
    if shared.role.is_replica() {
        ctx.error(WAIT_ON_REPLICA);
        return;
    }
    let (Some(n_arg), Some(t_arg)) = (args.get(1), args.get(2)) else {
        return;
    };
    let wanted = match crate::commands::args::int(n_arg) {
        Ok(n) => n,
        Err(e) => {
            ctx.error(e);
            return;
        }
    };
    let timeout = match crate::protocol::parse::parse_i64(t_arg) {
        None => {
            ctx.error("ERR timeout is not an integer or out of range");
            return;
        }
        Some(t) if t < 0 => {
            ctx.error("ERR timeout is negative");
            return;
        }
        Some(t) => t as u64,
    };
    if ctx.repl_wrote {
        // This client's writes may still sit in some shard's journal
        // buffer: put every buffer into the stream, then its offset
        // covers them.
        flush_all(&ctx.shard).await;
        ctx.repl_wrote = false;
        ctx.repl_woff = shared.repl.offset();
    }
    let target = ctx.repl_woff;
    let mut acked = shared.replicas.count_acked(target);
    if acked as i64 >= wanted || ctx.in_exec || ctx.multi.is_some() {
        ctx.writer().int(acked as i64);
        return;
    }
    request_ack(&ctx.shard);
    let deadline = (timeout > 0).then(|| Instant::now() + Duration::from_millis(timeout));
    loop {
        glommio::timer::sleep(POLL).await;
        acked = shared.replicas.count_acked(target);
        if acked as i64 >= wanted
            || deadline.is_some_and(|d| Instant::now() >= d)
            || ctx.info.borrow().killed
            || shared.stopping()
        {
            break;
        }
    }
    ctx.writer().int(acked as i64);
}

/// Hands every shard's journal buffer to the sink.
async fn flush_all(shard: &Rc<ShardState>) {
    shard
        .call_all(None, |_| {
            Box::new(|s: &ShardState| -> Out {
                crate::journal::flush_shard(s);
                Box::new(())
            })
        })
        .await;
}

/// Asks replicas for an acknowledgement: `REPLCONF GETACK *` goes into
/// the stream once, after the current turn of the shard's loop (WAITs of
/// one turn share it).
pub fn request_ack(shard: &Rc<ShardState>) {
    let shared = shard.shared.clone();
    if shared.replicas.getack_pending.swap(true, Ordering::AcqRel) {
        return;
    }
    glommio::spawn_local(async move {
        futures_lite::future::yield_now().await;
        shared
            .replicas
            .getack_pending
            .store(false, Ordering::Release);
        if !shared.role.is_replica() && shared.repl.has_backlog() {
            shared.repl.append(GETACK);
        }
    })
    .detach();
}

/// The error for `spec` while `min-replicas-to-write` is not met (call
/// only when [`super::registry::Registry::min_replicas_on`]): writes,
/// and EXEC of a transaction that writes (which is then discarded, as
/// Redis does). `None`: the command may run.
pub fn min_replicas_error(ctx: &mut ConnCtx, spec: &CommandSpec) -> Option<String> {
    let shared = &ctx.shard.shared;
    if shared.role.is_replica() {
        return None;
    }
    let exec_writes = spec.name == "exec"
        && ctx
            .multi
            .as_ref()
            .is_some_and(|m| m.cmds.iter().any(|q| q.spec.has(flags::WRITE)));
    if !spec.has(flags::WRITE) && !exec_writes {
        return None;
    }
    let min = shared
        .replicas
        .settings
        .min_replicas_to_write
        .load(Ordering::Relaxed);
    if shared
        .replicas
        .good_replicas(crate::shard::keyspace::now_ms()) as u64
        >= min
    {
        return None;
    }
    if exec_writes {
        crate::transaction::discard_state(ctx);
        return Some(format!(
            "EXECABORT Transaction discarded because of: {}",
            NOREPLICAS
        ));
    }
    Some(NOREPLICAS.to_string())
}
