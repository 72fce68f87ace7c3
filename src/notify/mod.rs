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
    list: Vec<KeyEvent>,
}

impl Events {
    /// A collector that keeps events only if `on` (see [`wanted`]).
    #[inline]
    pub fn new(on: bool) -> Events {
        Events {
            on,
            list: Vec::new(),
        }
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
