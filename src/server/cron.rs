//! Per-shard periodic work (Redis' `serverCron`, one per core): active
//! expiry, idle-client timeouts, noticing a requested shutdown, and (on
//! shard 0) the save-point check.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::shard::keyspace::now_ms;
use crate::shard::{expire, ShardState};

/// Runs until the server stops.
pub async fn run(shard: Rc<ShardState>) {
    let mut last_second = Instant::now();
    let mut expire_state = expire::ActiveExpire::default();
    crate::persistence::bgsave::register_shard(&shard);
    if shard.id == 0 {
        glommio::spawn_local(crate::persistence::bgsave::save_point_task(shard.clone())).detach();
    }
    loop {
        let hz = shard.shared.hz.load(Ordering::Relaxed).max(1);
        glommio::timer::sleep(Duration::from_millis(1000 / hz)).await;
        if super::SIGNALLED.load(Ordering::Relaxed)
            && !shard.shared.shutdown.swap(true, Ordering::SeqCst)
        {
            crate::warning!("Received {} scheduling shutdown...", super::signal_name());
            crate::warning!("User requested shutdown...");
        }
        if shard.shared.stopping() {
            return;
        }
        // Events a serve left behind outside any write (none expected).
        crate::notify::publish_deferred(&shard);
        if shard.shared.active_expire.load(Ordering::Relaxed) && shard.gate.borrow().is_open() {
            expire_state.cycle(&shard, 1000 / hz);
        }
        crate::shard::evict::cron(&shard);
        // Keys active expiry removed reach the journal as DEL, and what
        // background work recorded goes to the sink.
        if shard.shared.journal.is_on() && shard.running_txn.get().is_none() {
            crate::journal::after_job(&shard, None);
            crate::journal::flush_shard(&shard);
            if shard.id == 0 {
                shard.shared.journal.retry();
            }
        }
        crate::persistence::aof::rewrite::cron(&shard);
        if last_second.elapsed() >= Duration::from_secs(1) {
            last_second = Instant::now();
            close_idle_clients(&shard);
        }
    }
}

fn close_idle_clients(shard: &ShardState) {
    let timeout = shard.shared.timeout.load(Ordering::Relaxed);
    if timeout == 0 {
        return;
    }
    let now = now_ms();
    for c in shard.clients.borrow().clients.values() {
        let mut c = c.borrow_mut();
        if !c.monitor
            && !c.master
            && !c.blocked
            && !c.has_subscriptions()
            && now.saturating_sub(c.last_ms) / 1000 > timeout
        {
            crate::verbose!("Closing idle client");
            c.kill();
        }
    }
}
