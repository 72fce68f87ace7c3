//! Value representations stored in the keyspace.
//!
//! [`CompactBytes`] keeps short keys and values inline (no heap allocation up
//! to 22 bytes). [`Value`] is what a key maps to: a string in one of three
//! forms, or a collection (boxed, except the 16-byte hash handle, so that
//! `Value` stays 24 bytes and a key table entry 48).
//!
//! One file per type: [`list`], [`hash`], [`set`], [`zset`]. Each type owns
//! its compact and full encodings and converts between them past the
//! thresholds in [`limits`].

pub mod compact;
pub mod hash;
pub mod hll;
pub mod ldouble;
pub mod limits;
pub mod list;
pub mod set;
pub mod zset;

pub use compact::CompactBytes;
pub use hash::Hash;
pub use list::List;
pub use set::Set;
pub use zset::ZSet;

/// Longest string that Redis stores with the `embstr` encoding.
pub const EMBSTR_MAX: usize = 44;

/// The value held by a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string that is a canonical decimal integer (`OBJECT ENCODING` "int").
    Int(i64),
    /// A string written whole (SET and friends): "embstr" up to 44 bytes,
    /// "raw" beyond, as Redis reports it.
    Str(CompactBytes),
    /// A string modified in place (APPEND, SETRANGE, SETBIT, BITFIELD):
    /// always "raw", with spare capacity so repeated appends stay linear.
    Raw(Box<Vec<u8>>),
    /// A list.
    List(Box<List>),
    /// A hash.
    Hash(Hash),
    /// A set.
    Set(Box<Set>),
    /// A sorted set.
    ZSet(Box<ZSet>),
}

/// Redis' names for value types, as TYPE reports them.
impl Value {
    /// The TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Str(_) | Value::Raw(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(s) if s.len() <= EMBSTR_MAX => "embstr",
            Value::Str(_) | Value::Raw(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// A string modified in place (APPEND, SETRANGE, SETBIT...): "raw".
    pub fn raw(bytes: Vec<u8>) -> Value {
        Value::Raw(Box::new(bytes))
    }

    /// Builds a string value from bytes as `SET` does: integers of up to 20
    /// characters in canonical form become `Int`.
    pub fn from_bytes(data: &[u8]) -> Value {
        if data.len() <= 20 {
            if let Some(i) = crate::protocol::parse::parse_i64(data) {
                return Value::Int(i);
            }
        }
        Value::Str(CompactBytes::from_slice(data))
    }

    /// Whether this is a string value.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Str(_) | Value::Raw(_))
    }

    /// The string's bytes, with integers formatted into `scratch`.
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> Option<&'a [u8]> {
        match self {
            Value::Int(i) => {
                let s = format_i64(*i, scratch);
                Some(s)
            }
            Value::Str(s) => Some(s.as_slice()),
            Value::Raw(v) => Some(v.as_slice()),
            _ => None,
        }
    }

    /// The string's bytes as an owned vector (for in-place modification).
    pub fn to_vec(&self) -> Option<Vec<u8>> {
        let mut tmp = [0u8; 20];
        self.as_bytes(&mut tmp).map(|s| s.to_vec())
    }

    /// Length of the string value, in bytes.
    pub fn str_len(&self) -> Option<usize> {
        let mut tmp = [0u8; 20];
        self.as_bytes(&mut tmp).map(|s| s.len())
    }
}

/// Formats `v` in decimal into `buf`, returning the used tail.
pub fn format_i64(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_as_redis() {
        assert_eq!(Value::from_bytes(b"123").encoding(), "int");
        assert_eq!(Value::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 45]).encoding(), "raw");
        let mut t = [0u8; 20];
        assert_eq!(
            Value::Int(i64::MIN).as_bytes(&mut t).unwrap(),
            b"-9223372036854775808"
        );
    }

    #[test]
    fn value_is_small() {
        // Key tables store key and value in one 48-byte allocation.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<crate::shard::keyspace::Entry>(), 48);
        assert_eq!(std::mem::size_of::<crate::shard::keyspace::SlotTable>(), 40);
    }
}
