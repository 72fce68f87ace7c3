//! Reply writer: appends RESP2 or RESP3 replies to an output buffer.
//!
//! Handlers write their reply straight into the connection's output buffer
//! (or, for a command run on another shard, into a buffer that is sent back
//! whole), so the common replies cost no allocation. RESP3-only types are
//! written in their RESP2 form for RESP2 clients, as Redis does: maps become
//! flat arrays, sets arrays, doubles bulk strings, booleans integers, nulls
//! `$-1` / `*-1`, pushes arrays.

use bytes::{BufMut, BytesMut};

/// Protocol version negotiated by `HELLO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, the default.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// Appends replies to `buf` in `proto`.
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    /// The output buffer.
    pub buf: &'a mut BytesMut,
    /// The client's protocol version.
    pub proto: Protocol,
}

/// Writes `v` in decimal into `out`, without allocating.
pub fn write_i64(out: &mut BytesMut, v: i64) {
    let mut tmp = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.put_u8(b'-');
    }
    out.extend_from_slice(&tmp[i..]);
}

/// Formats a double as Redis does in replies (`%.17g`, with `inf`/`-inf`).
pub fn format_double(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    format_g17(v)
}

/// `%.17g` formatting of a finite double.
pub fn format_g17(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = v.abs().log10().floor() as i32;
    // %g uses scientific notation when exp < -4 or exp >= precision.
    let s = format!("{:.16e}", v);
    let (mant, e) = match s.split_once('e') {
        Some(x) => x,
        None => return s,
    };
    let e: i32 = e.parse().unwrap_or(exp);
    if !(-4..17).contains(&e) {
        let mant = trim_zeros(mant);
        let sign = if e < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, e.abs())
    } else {
        let decimals = (16 - e).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

impl<'a> ReplyWriter<'a> {
    /// A writer appending to `buf` in protocol `proto`.
    pub fn new(buf: &'a mut BytesMut, proto: Protocol) -> Self {
        ReplyWriter { buf, proto }
    }

    /// Whether the client speaks RESP3.
    pub fn resp3(&self) -> bool {
        self.proto == Protocol::Resp3
    }

    fn header(&mut self, tag: u8, n: i64) {
        self.buf.put_u8(tag);
        write_i64(self.buf, n);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string (`+text`); `text` must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.buf.put_u8(b'+');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error line; `text` is the full message without `-`, e.g.
    /// `ERR syntax error`. As Redis' `addReplyErrorFormat`: CR and LF at
    /// either end are trimmed, the ones inside become spaces.
    pub fn error(&mut self, text: &str) {
        self.buf.put_u8(b'-');
        let text = text.trim_matches(|c| c == '\r' || c == '\n');
        for &b in text.as_bytes() {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error line given as bytes (texts that quote client input).
    pub fn error_bytes(&mut self, text: &[u8]) {
        self.buf.put_u8(b'-');
        for &b in text {
            self.buf
                .put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer reply.
    pub fn int(&mut self, v: i64) {
        self.buf.put_u8(b':');
        write_i64(self.buf, v);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string.
    pub fn bulk(&mut self, data: &[u8]) {
        self.header(b'$', data.len() as i64);
        self.buf.extend_from_slice(data);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer written as a bulk string (GET of an int-encoded value).
    pub fn bulk_i64(&mut self, v: i64) {
        let mut tmp = BytesMut::new();
        write_i64(&mut tmp, v);
        self.bulk(&tmp);
    }

    /// The null bulk string (`$-1` in RESP2, `_` in RESP3).
    pub fn null(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array (`*-1` in RESP2, `_` in RESP3).
    pub fn null_array(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// Header of an array of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// Header of a map of `n` pairs (a flat array of 2n in RESP2).
    pub fn map(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// Header of a set of `n` elements (an array in RESP2).
    pub fn set(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'~', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// Header of a push message of `n` elements (an array in RESP2).
    pub fn push(&mut self, n: usize) {
        if self.resp3() {
            self.header(b'>', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// A double (`,` in RESP3, a bulk string in RESP2).
    pub fn double(&mut self, v: f64) {
        let s = format_double(v);
        if self.resp3() {
            self.buf.put_u8(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A boolean (`#t`/`#f` in RESP3, `:1`/`:0` in RESP2).
    pub fn boolean(&mut self, v: bool) {
        if self.resp3() {
            self.buf
                .extend_from_slice(if v { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(v as i64);
        }
    }

    /// A verbatim string (`=len\r\ntxt:...` in RESP3, bulk in RESP2).
    pub fn verbatim(&mut self, data: &[u8]) {
        if self.resp3() {
            self.header(b'=', data.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(data);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(data);
        }
    }

    /// Bytes already encoded as one or more complete replies.
    pub fn raw(&mut self, encoded: &[u8]) {
        self.buf.extend_from_slice(encoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_redis() {
        assert_eq!(format_double(1.5), "1.5");
        assert_eq!(format_double(10.0), "10");
        assert_eq!(format_double(0.1), "0.10000000000000001");
        assert_eq!(format_double(1e20), "1e+20");
        assert_eq!(format_double(f64::INFINITY), "inf");
        assert_eq!(format_double(-3.0), "-3");
        assert_eq!(format_double(1.0e-5), "1.0000000000000001e-05");
    }

    #[test]
    fn resp2_downgrades() {
        let mut b = BytesMut::new();
        let mut w = ReplyWriter::new(&mut b, Protocol::Resp2);
        w.map(1);
        w.boolean(true);
        w.null();
        assert_eq!(&b[..], b"*2\r\n:1\r\n$-1\r\n");
        let mut b = BytesMut::new();
        let mut w = ReplyWriter::new(&mut b, Protocol::Resp3);
        w.map(1);
        w.boolean(true);
        w.null();
        assert_eq!(&b[..], b"%1\r\n#t\r\n_\r\n");
    }
}
