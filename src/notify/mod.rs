//! Keyspace events: what a write did to which key, as Redis'
//! `notifyKeyspaceEvent` reports it.
//!
//! A handler reports each change with [`crate::commands::ExecCtx::notify`]
//! (class, event name, key). The events are collected only while someone can
//! use them: keyspace notifications are enabled (`notify-keyspace-events`)
//! or a client WATCHes keys. After the command, the router hands them to
//! [`dispatch`], which marks WATCHed keys as touched and publishes the
//! `__keyspace@<db>__:<key>` / `__keyevent@<db>__:<event>` messages.

use std::sync::atomic::Ordering;

use bytes::Bytes;

pub use crate::config::notify as class;
use crate::server::shared::ServerShared;
use crate::shard::keyspace::{Store, LOG_EXPIRED, LOG_NEW};
use crate::shard::ShardState;

/// One change to one key.
#[derive(Debug, Clone)]
pub struct KeyEvent {
    /// Its class, one of the [`class`] bits (`GENERIC`, `STRING`, ...).
    pub class: u32,
    /// Redis' event name (`"set"`, `"del"`, `"lpush"`, `"expired"`...).
    pub event: &'static str,
    /// The database of the key.
    pub db: usize,
    /// The key.
    pub key: Bytes,
}

/// The events one command made, collected only when `on`.
#[derive(Debug, Default)]
pub struct Events {
    on: bool,
    new_keys: bool,
    list: Vec<KeyEvent>,
}

impl Events {
    /// A collector that keeps events only if `on` (see [`wanted`]).
    #[inline]
    pub fn new(on: bool) -> Events {
        Events {
            on,
            new_keys: false,
            list: Vec::new(),
        }
    }

    /// The collector a command run on a shard of `shared` needs: on when
    /// [`wanted`], also recording `new` events when the `n` class is
    /// published.
    #[inline]
    pub fn for_server(shared: &ServerShared) -> Events {
        let flags = shared.notify_flags.load(Ordering::Relaxed);
        Events {
            on: flags != 0 || shared.watched_keys.load(Ordering::Relaxed) != 0,
            new_keys: new_keys_wanted(flags),
            list: Vec::new(),
        }
    }

    /// A collector that is on and also records `new` events (tests).
    pub fn with_new_keys() -> Events {
        Events {
            on: true,
            new_keys: true,
            list: Vec::new(),
        }
    }

    /// The [`Store::set_key_log`] flags this collector needs: expired keys
    /// when on, created keys too when `new` events are wanted.
    #[inline]
    pub fn key_log_flags(&self) -> u8 {
        match (self.on, self.new_keys) {
            (false, _) => 0,
            (true, false) => LOG_EXPIRED,
            (true, true) => LOG_EXPIRED | LOG_NEW,
        }
    }

    /// Moves the key changes `store` recorded (lazy or active expiry, key
    /// creation) into the collector as `expired` / `new` events, in the
    /// order they happened.
    pub fn absorb_key_log(&mut self, store: &mut Store) {
        if !self.on || !store.has_logged() {
            return;
        }
        let list = &mut self.list;
        store.drain_key_log(|db, created, key| {
            let (class, event) = if created {
                (class::NEW, "new")
            } else {
                (class::EXPIRED, "expired")
            };
            list.push(KeyEvent {
                class,
                event,
                db,
                key,
            });
        });
    }

    /// Whether events are being kept.
    #[inline]
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Records an event (a no-op when off: no allocation on the hot path).
    #[inline]
    pub fn push(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if self.on {
            self.list.push(KeyEvent {
                class,
                event,
                db,
                key: Bytes::copy_from_slice(key),
            });
        }
    }

    /// Whether nothing was recorded.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The recorded events, leaving the collector empty.
    pub fn take(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.list)
    }

    /// The recorded events, by value.
    pub fn into_list(self) -> Vec<KeyEvent> {
        self.list
    }

    /// The recorded events.
    pub fn list(&self) -> &[KeyEvent] {
        &self.list
    }
}

/// Whether commands should collect events now: notifications are enabled
/// or some client WATCHes keys.
#[inline]
pub fn wanted(shared: &ServerShared) -> bool {
    shared.notify_flags.load(Ordering::Relaxed) != 0
        || shared.watched_keys.load(Ordering::Relaxed) != 0
}

/// Whether `new` events are published under notification flags `flags`
/// (the `n` class and at least one of `K` / `E`).
#[inline]
pub fn new_keys_wanted(flags: u32) -> bool {
    flags & class::NEW != 0 && flags & (class::KEYSPACE | class::KEYEVENT) != 0
}

/// Runs `f` on `shard`'s store with expired keys recorded (when events are
/// wanted), then dispatches their `expired` events: for store work outside
/// a command (active expiry, handing keys over to a cross-shard command).
pub fn with_expiry_log<R>(shard: &ShardState, f: impl FnOnce(&mut Store) -> R) -> R {
    let (r, events) = with_expiry_log_deferred(shard, f);
    publish(shard, &events);
    r
}

/// [`with_expiry_log`] for work done on behalf of a client of another
/// shard: WATCHed keys are touched here, and the events to publish are
/// returned, for the client's shard to publish in order with the rest of
/// the command's events (empty when notifications are off).
pub fn with_expiry_log_deferred<R>(
    shard: &ShardState,
    f: impl FnOnce(&mut Store) -> R,
) -> (R, Vec<KeyEvent>) {
    if !wanted(&shard.shared) {
        return (f(&mut shard.store.borrow_mut()), Vec::new());
    }
    let mut events = Events::new(true);
    let r = {
        let mut store = shard.store.borrow_mut();
        store.set_key_log(LOG_EXPIRED);
        let r = f(&mut store);
        events.absorb_key_log(&mut store);
        store.set_key_log(0);
        r
    };
    (r, touch_and_keep(shard, events.take()))
}

/// Touches the WATCHed keys among `events` on `shard` (which owns them) and
/// returns the events still to be published (none when notifications are
/// off): a command's notifications are published by the client's shard, so
/// that a subscriber sees them before anything that client does next, as
/// in Redis.
pub fn touch_and_keep(shard: &ShardState, events: Vec<KeyEvent>) -> Vec<KeyEvent> {
    if events.is_empty() {
        return events;
    }
    crate::transaction::watch::touch_events(shard, &events);
    if shard.shared.notify_flags.load(Ordering::Relaxed) == 0 {
        Vec::new()
    } else {
        events
    }
}

/// Acts on the events of one command run on `shard`, which owns the keys:
/// touches the WATCHed ones and publishes the keyspace notifications the
/// configuration asks for.
pub fn dispatch(shard: &ShardState, events: &[KeyEvent]) {
    crate::transaction::watch::touch_events(shard, events);
    publish(shard, events);
}

/// Publishes the keyspace notifications of `events` (from any shard).
pub fn publish(shard: &ShardState, events: &[KeyEvent]) {
    let flags = shard.shared.notify_flags.load(Ordering::Relaxed);
    if flags == 0 {
        return;
    }
    for e in events {
        publish_event(shard, flags, e);
    }
}

/// Publishes one event's `__keyspace@` and `__keyevent@` messages, as the
/// flags select.
pub fn publish_event(shard: &ShardState, flags: u32, e: &KeyEvent) {
    if flags & e.class == 0 {
        return;
    }
    if flags & class::KEYSPACE != 0 {
        let mut ch = Vec::with_capacity(e.key.len() + 20);
        ch.extend_from_slice(format!("__keyspace@{}__:", e.db).as_bytes());
        ch.extend_from_slice(&e.key);
        crate::pubsub::publish_nowait(
            shard,
            Bytes::from(ch),
            Bytes::from_static(e.event.as_bytes()),
        );
    }
    if flags & class::KEYEVENT != 0 {
        let ch = format!("__keyevent@{}__:{}", e.db, e.event);
        crate::pubsub::publish_nowait(shard, Bytes::from(ch), e.key.clone());
    }
}

#[cfg(test)]
mod tests;

/// Publishes the events that blocked-client serves on `shard` left for
/// later (see [`take_deferred`]).
pub fn publish_deferred(shard: &ShardState) {
    if shard.deferred_events.borrow().is_empty() {
        return;
    }
    let events = std::mem::take(&mut *shard.deferred_events.borrow_mut());
    publish(shard, &events);
}

/// Moves the events of the blocked-client serves a write caused on `shard`
/// to the end of that write's own events: a subscriber sees the push before
/// the pop it made possible, as in Redis.
pub fn take_deferred(shard: &ShardState, into: &mut Vec<KeyEvent>) {
    if shard.deferred_events.borrow().is_empty() {
        return;
    }
    into.append(&mut shard.deferred_events.borrow_mut());
}
