//! Active expiry: each shard removes expired keys of its own slots without
//! waiting for them to be touched, as Redis' `activeExpireCycle` does.
//!
//! Each cycle walks the volatile keys slot by slot from where the last one
//! stopped, in rounds of [`KEYS_PER_ROUND`] keys examined, and keeps going
//! while more than 10% of what it examined was expired, within a time budget
//! of 25% of the cron period (Redis' default effort).

use std::time::{Duration, Instant};

use super::keyspace::now_ms;
use super::ShardState;

/// Keys examined per round (Redis: 20 per loop).
pub const KEYS_PER_ROUND: usize = 20;

/// Where the expiry walk of each database stopped.
#[derive(Debug, Default)]
pub struct ActiveExpire {
    cursors: Vec<usize>,
}

impl ActiveExpire {
    /// Runs one cycle with a budget of a quarter of `period_ms`.
    pub fn cycle(&mut self, shard: &ShardState, period_ms: u64) {
        // A replica leaves expiry to its master (which sends DEL).
        if super::keyspace::expiry_mode() != super::keyspace::EXPIRY_DELETE {
            return;
        }
        let budget = Duration::from_micros(period_ms * 1000 / 4);
        let start = Instant::now();
        let now = now_ms();
        // Removed keys become `expired` events (notifications, WATCH),
        // dispatched once the walk is over.
        crate::notify::with_expiry_log(shard, |store| {
            if self.cursors.len() < store.dbs.len() {
                self.cursors.resize(store.dbs.len(), 0);
            }
            for (i, db) in store.dbs.iter_mut().enumerate() {
                loop {
                    if db.volatile_len() == 0 || start.elapsed() > budget {
                        break;
                    }
                    let (examined, expired) =
                        db.active_expire(&mut self.cursors[i], KEYS_PER_ROUND, now);
                    if examined == 0 || expired * 10 <= examined {
                        break;
                    }
                }
            }
        });
        shard.stats.borrow_mut().expire_cycles += 1;
    }
}
