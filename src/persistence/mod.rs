//! Persistence formats: the RDB object encoding shared by DUMP/RESTORE and
//! (later) snapshot files, with its checksum and compression helpers.
//!
//! - [`crc64`]: the CRC-64 variant RDB files and DUMP payloads end with.
//! - [`lzf`]: the LZF compressor/decompressor RDB strings may use.
//! - [`rdb`]: lengths, strings and value types in RDB form, and the DUMP
//!   payload wrapper, and RDB files.
//! - [`snapshot`]: SAVE, the save on shutdown and the load at start-up.
//! - [`aof`]: the append-only file (manifest, incremental files, loading,
//!   rewrite).
//! - [`bgsave`]: point-in-time snapshots without fork (BGSAVE, save
//!   points, `stop-writes-on-bgsave-error`).

pub mod aof;
pub mod bgsave;
pub mod crc64;
pub mod lzf;
pub mod rdb;
pub mod snapshot;
