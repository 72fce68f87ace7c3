//! The blocking-command driver (provisional: no waiting yet; a command that
//! would block answers as if its timeout had passed).

use bytes::Bytes;

use super::{BlockingSpec, TimeoutReply};
use crate::dispatch::router;
use crate::server::connection::ConnCtx;

pub(super) async fn run(ctx: &mut ConnCtx, args: Vec<Bytes>, spec: &'static BlockingSpec) {
    let cmd = crate::commands::registry().lookup(&args[0]);
    let mut key_idx = Vec::new();
    if let Some(c) = cmd {
        c.keys.key_indexes(&args, &mut key_idx);
    }
    let before = ctx.out.len();
    let shard = ctx.shard.clone();
    router::run_keyed(
        &shard,
        spec.attempt,
        &args,
        &key_idx,
        ctx.db,
        &[],
        ctx.proto,
        ctx.now_ms,
        &mut ctx.out,
    )
    .await;
    if ctx.out.len() == before {
        let mut w = ctx.writer();
        match spec.timeout_reply {
            TimeoutReply::NullArray => w.null_array(),
            TimeoutReply::NullBulk => w.null(),
        }
    }
}
