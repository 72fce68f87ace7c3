//! The RDB object encoding: lengths, strings and value types, as Redis 7.0
//! writes them (and older versions wrote them), plus the DUMP payload
//! (object, RDB version, CRC-64).
//!
//! - [`codec`]: the byte reader and writer for lengths and strings.
//! - [`packed`]: the packed blobs nested in strings (listpack, ziplist,
//!   intset, zipmap).
//! - [`value`]: whole values, by type byte.
//! - [`file`]: whole RDB files.

pub mod codec;
pub mod file;
pub mod packed;
pub mod value;

pub use codec::{DecodeError, Reader};
pub use value::{decode_value, encode_value};

use std::sync::atomic::{AtomicBool, Ordering};

use crate::persistence::crc64::crc64;
use crate::types::Value;

/// The RDB version DUMP writes (Redis 7.0's).
pub const RDB_VERSION: u16 = 10;

/// The newest payload version RESTORE accepts (11 only adds type 20,
/// which the decoder knows).
pub const MAX_RDB_VERSION: u16 = 11;

/// `rdbcompression`: whether long strings are LZF-compressed.
static COMPRESSION: AtomicBool = AtomicBool::new(true);

/// Sets `rdbcompression` (on every config load and CONFIG SET).
pub fn set_compression(on: bool) {
    COMPRESSION.store(on, Ordering::Relaxed);
}

/// The current `rdbcompression` setting.
pub fn compression() -> bool {
    COMPRESSION.load(Ordering::Relaxed)
}

/// Serializes `v` as a DUMP payload.
pub fn dump_payload(v: &Value, compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(v, compress, &mut out);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Whether the footer of `payload` (version and checksum) is acceptable.
pub fn verify_payload(payload: &[u8]) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let body = payload.len() - 10;
    let ver = u16::from_le_bytes([payload[body], payload[body + 1]]);
    if ver > MAX_RDB_VERSION {
        return false;
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&payload[body + 2..]);
    crc64(0, &payload[..body + 2]) == u64::from_le_bytes(crc)
}

/// Why a payload could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// Unknown version or wrong checksum.
    Footer,
    /// The object bytes are malformed.
    Data(DecodeError),
}

/// Decodes a DUMP payload: checks the footer, then decodes the object,
/// which must use every byte before the footer.
pub fn restore_payload(payload: &[u8]) -> Result<Value, PayloadError> {
    if !verify_payload(payload) {
        return Err(PayloadError::Footer);
    }
    let body = &payload[..payload.len() - 10];
    let mut r = Reader::new(body);
    let v = decode_value(&mut r).map_err(PayloadError::Data)?;
    if !r.is_empty() {
        return Err(PayloadError::Data(
            r.error("trailing bytes after the object"),
        ));
    }
    Ok(v)
}
