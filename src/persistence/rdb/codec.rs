//! Lengths and strings in RDB form.
//!
//! A length is 6 bits (`00xxxxxx`), 14 bits (`01xxxxxx xxxxxxxx`, big
//! endian), or a marker byte `0x80`/`0x81` followed by 32 or 64 bits big
//! endian. `11xxxxxx` marks a specially encoded string: an 8, 16 or 32-bit
//! little-endian integer, or LZF-compressed bytes (compressed length,
//! original length, data).

use crate::persistence::lzf;

/// A malformed encoding: what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the decoded buffer.
    pub offset: usize,
    /// What was expected or found.
    pub what: &'static str,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for DecodeError {}

const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// A length field: a plain length, or the marker of an encoded string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    /// A length or count.
    Plain(u64),
    /// `11xxxxxx`: the low six bits name a string encoding.
    Encoded(u8),
}

/// A cursor over an encoded buffer; every read is bound-checked.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// An error at the current offset.
    pub fn error(&self, what: &'static str) -> DecodeError {
        DecodeError {
            offset: self.pos,
            what,
        }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error("unexpected end of data"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The next byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes(1)?[0])
    }

    /// A length field.
    pub fn len_field(&mut self) -> Result<Len, DecodeError> {
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => Len::Plain((b & 0x3f) as u64),
            1 => Len::Plain((((b & 0x3f) as u64) << 8) | self.u8()? as u64),
            3 => Len::Encoded(b & 0x3f),
            _ => match b {
                0x80 => {
                    let s = self.bytes(4)?;
                    Len::Plain(u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as u64)
                }
                0x81 => {
                    let s = self.bytes(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(s);
                    Len::Plain(u64::from_be_bytes(a))
                }
                _ => return Err(self.error("unknown length encoding")),
            },
        })
    }

    /// A plain length (a count or size).
    pub fn len(&mut self) -> Result<u64, DecodeError> {
        let at = self.pos;
        match self.len_field()? {
            Len::Plain(n) => Ok(n),
            Len::Encoded(_) => Err(DecodeError {
                offset: at,
                what: "encoded string where a length was expected",
            }),
        }
    }

    /// A string in any encoding, as bytes.
    pub fn string(&mut self) -> Result<Vec<u8>, DecodeError> {
        let at = self.pos;
        match self.len_field()? {
            Len::Plain(n) => {
                let n = usize::try_from(n).map_err(|_| self.error("string too long"))?;
                Ok(self.bytes(n)?.to_vec())
            }
            Len::Encoded(ENC_INT8) => Ok((self.u8()? as i8).to_string().into_bytes()),
            Len::Encoded(ENC_INT16) => {
                let s = self.bytes(2)?;
                Ok(i16::from_le_bytes([s[0], s[1]]).to_string().into_bytes())
            }
            Len::Encoded(ENC_INT32) => {
                let s = self.bytes(4)?;
                Ok(i32::from_le_bytes([s[0], s[1], s[2], s[3]])
                    .to_string()
                    .into_bytes())
            }
            Len::Encoded(ENC_LZF) => {
                let clen = self.len()?;
                let ulen = self.len()?;
                let clen = usize::try_from(clen).map_err(|_| self.error("string too long"))?;
                let ulen = usize::try_from(ulen).map_err(|_| self.error("string too long"))?;
                let data_at = self.pos;
                let data = self.bytes(clen)?;
                lzf::decompress(data, ulen).map_err(|_| DecodeError {
                    offset: data_at,
                    what: "invalid LZF data",
                })
            }
            Len::Encoded(_) => Err(DecodeError {
                offset: at,
                what: "unknown string encoding",
            }),
        }
    }

    /// A double in the old text form (ZSET type 3): a length byte (253
    /// NaN, 254 +inf, 255 -inf) and that many ASCII characters.
    pub fn text_double(&mut self) -> Result<f64, DecodeError> {
        let at = self.pos;
        let n = self.u8()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let s = self.bytes(n as usize)?;
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or(DecodeError {
                        offset: at,
                        what: "invalid double",
                    })
            }
        }
    }

    /// A little-endian binary double (ZSET_2).
    pub fn binary_double(&mut self) -> Result<f64, DecodeError> {
        let s = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(f64::from_le_bytes(a))
    }
}

/// Appends a length in the shortest form.
pub fn write_len(out: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        out.push(n as u8);
    } else if n < 1 << 14 {
        out.push(0x40 | (n >> 8) as u8);
        out.push((n & 0xff) as u8);
    } else if n <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Appends `v` in the integer string encoding if it fits 32 bits; returns
/// false otherwise.
fn write_int_encoded(out: &mut Vec<u8>, v: i64) -> bool {
    if let Ok(b) = i8::try_from(v) {
        out.push(0xc0 | ENC_INT8);
        out.push(b as u8);
    } else if let Ok(s) = i16::try_from(v) {
        out.push(0xc0 | ENC_INT16);
        out.extend_from_slice(&s.to_le_bytes());
    } else if let Ok(w) = i32::try_from(v) {
        out.push(0xc0 | ENC_INT32);
        out.extend_from_slice(&w.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// Appends an integer-valued string (`OBJ_ENCODING_INT`) as Redis does:
/// the integer encoding when it fits 32 bits, its decimal text otherwise.
pub fn write_int(out: &mut Vec<u8>, v: i64) {
    if !write_int_encoded(out, v) {
        let mut buf = [0u8; 20];
        let s = crate::types::format_i64(v, &mut buf);
        write_len(out, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// Appends a string as Redis' `rdbSaveRawString`: canonical integers of
/// up to 11 characters in the integer encoding, strings longer than 20
/// bytes LZF-compressed when `compress` is set and it saves at least 4
/// bytes, everything else verbatim.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = crate::protocol::parse::parse_i64(s) {
            if write_int_encoded(out, v) {
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = crate::persistence::lzf::compress(s, s.len() - 4) {
            out.push(0xc0 | ENC_LZF);
            write_len(out, c.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// Appends a double in the binary form (ZSET_2).
pub fn write_binary_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn length_forms() {
        for (n, len) in [
            (0u64, 1),
            (63, 1),
            (64, 2),
            (16383, 2),
            (16384, 5),
            (1 << 32, 9),
        ] {
            let mut out = Vec::new();
            write_len(&mut out, n);
            assert_eq!(out.len(), len, "{n}");
            assert_eq!(Reader::new(&out).len().unwrap(), n);
        }
    }

    #[test]
    fn huge_lengths_do_not_allocate() {
        let mut out = vec![0x81];
        out.extend_from_slice(&(1u64 << 60).to_be_bytes());
        assert!(Reader::new(&out).string().is_err());
        // LZF string claiming 2^60 bytes.
        let mut out = vec![0xc3, 2, 0x81];
        out.extend_from_slice(&(1u64 << 60).to_be_bytes());
        out.extend_from_slice(&[0, b'a']);
        let e = Reader::new(&out).string().unwrap_err();
        assert_eq!(e.offset, 11);
    }

    #[test]
    fn int_strings() {
        for (s, first) in [("12", 0xc0u8), ("-300", 0xc1), ("100000", 0xc2), ("012", 3)] {
            let mut out = Vec::new();
            write_string(&mut out, s.as_bytes(), true);
            assert_eq!(out[0], first, "{s}");
            assert_eq!(Reader::new(&out).string().unwrap(), s.as_bytes());
        }
    }

    proptest! {
        #[test]
        fn strings_round_trip(s in proptest::collection::vec(prop_oneof![Just(b'x'), any::<u8>()], 0..200), c in any::<bool>()) {
            let mut out = Vec::new();
            write_string(&mut out, &s, c);
            let mut r = Reader::new(&out);
            prop_assert_eq!(r.string().unwrap(), s);
            prop_assert!(r.is_empty());
        }
    }
}
