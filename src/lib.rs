//! Shardis: a Redis-compatible in-memory data server, built thread-per-core.
pub mod config;
