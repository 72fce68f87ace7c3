//! Shardis: a Redis-compatible in-memory data server, built thread-per-core.
//!
//! # Layout
//!
//! - [`protocol`]: RESP2/RESP3 request parser and reply writer; knows
//!   nothing of commands or shards.
//! - [`commands`]: the declarative command table and one file per family.
//! - [`shard`]: what one core owns: slots, keyspace, expiry.
//! - [`dispatch`]: what crosses cores: the channel mesh, the per-shard gate,
//!   routing and cross-shard atomicity.
//! - [`server`]: executors, listeners, connections, clients, shutdown, log.
//! - [`types`]: value representations: strings and the collection types
//!   with their compact and full encodings.
//! - [`blocking`]: clients waiting on keys (BLPOP and friends).
//! - [`notify`]: keyspace events (notifications, WATCH).
//! - [`pubsub`]: publish/subscribe across cores.
//! - [`transaction`]: MULTI/EXEC and WATCH, atomic across shards.
//! - [`config`]: redis.conf parsing, the directive table, CONFIG REWRITE.
//! - [`info`]: statistics and INFO.
//! - [`error`]: Redis error texts.
//! - [`persistence`]: the RDB object encoding (DUMP/RESTORE).
//!
//! # A command's way
//!
//! A connection task reads into one buffer, parses every complete request
//! (arguments are `Bytes` slices of the buffer), looks each up in the
//! command table, checks arity and authentication, and runs it: in place
//! when its keys live on the connection's shard, as a job on the owning
//! shard otherwise, or as a locked transaction across shards when its keys
//! span several. Replies are appended to one output buffer, written once per
//! batch of requests.
//!
//! # Errors
//!
//! Errors sent to clients are Redis' texts (see [`error`]); nothing on a
//! request path panics on input.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod alloc;
pub mod blocking;
pub mod commands;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod info;
pub mod journal;
pub mod notify;
pub mod persistence;
pub mod protocol;
pub mod pubsub;
pub mod replication;
pub mod server;
pub mod shard;
pub mod transaction;
pub mod types;
