//! Incremental, zero-copy request parser.
//!
//! A client's bytes arrive in a reusable [`BytesMut`]. [`RequestParser::next`]
//! looks for one complete request at the front of it. When the request is
//! complete it splits those bytes off the buffer, freezes them, and hands out
//! the arguments as [`Bytes`] slices of that frozen frame: no argument is
//! copied (inline requests with quoted arguments are the one exception, since
//! unescaping changes the bytes).
//!
//! When the request is incomplete the parser remembers how far it got
//! (argument count, argument ranges found so far, and the byte offset), so a
//! request split across reads at any byte is never parsed twice from the
//! start, and a large bulk argument only needs a length check per read.
//! "Incomplete" is not an error: `next` returns `Ok(false)`.
//!
//! Limits and error texts follow Redis' `processMultibulkBuffer` and
//! `processInlineBuffer`.

use bytes::{Bytes, BytesMut};

/// Longest inline request, and longest `*<n>` / `$<n>` header line, that
/// Redis accepts before it calls the request a protocol error (64 KiB).
pub const MAX_INLINE_SIZE: usize = 64 * 1024;

/// Largest argument count of a multibulk request (Redis: INT_MAX), beyond
/// which "invalid multibulk length". Memory stays bounded all the same: the
/// argument list of an unfinished request can only grow with the query
/// buffer, which `client-query-buffer-limit` caps.
pub const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;

/// Largest buffer reserved up front for a big bulk that is announced but not
/// yet received; beyond it the buffer grows as the bytes arrive (so a peer
/// announcing a huge bulk cannot make the server allocate it).
pub const MAX_PREALLOC: usize = 64 * 1024 * 1024;

/// Largest argument count a client that must still authenticate may send
/// (Redis: 10, "unauthenticated multibulk length").
pub const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;

/// Largest bulk a client that must still authenticate may send (Redis:
/// 16384, "unauthenticated bulk length").
pub const UNAUTH_MAX_BULK_LEN: i64 = 16384;

/// Limits that a peer cannot exceed; configured by `proto-max-bulk-len`.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Largest bulk argument (`proto-max-bulk-len`, default 512 MiB).
    pub max_bulk_len: i64,
    /// Largest multibulk argument count.
    pub max_multibulk_len: i64,
    /// Whether the client must still authenticate: then requests are
    /// limited to 10 arguments of at most 16 KiB, as Redis does.
    pub unauthenticated: bool,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: MAX_MULTIBULK_LEN,
            unauthenticated: false,
        }
    }
}

/// A protocol error: the connection gets `-ERR Protocol error: <text>` and is
/// closed, as Redis does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl ParseError {
    fn new(s: impl Into<String>) -> Self {
        ParseError(s.into())
    }

    /// The full error line as sent to the client, without `-` and CRLF.
    pub fn reply_text(&self) -> String {
        format!("ERR Protocol error: {}", self.0)
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Protocol error: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

/// State of a multibulk request that has been partly received.
#[derive(Debug, Default)]
struct Partial {
    /// Arguments still expected.
    remaining: i64,
    /// Byte offset, from the start of the request, of the next unparsed byte.
    pos: usize,
    /// Length of the bulk whose header was parsed but whose body is not all
    /// here yet (`-1` when none).
    pending_bulk: i64,
}

/// Resumable request parser; one per connection.
#[derive(Debug)]
pub struct RequestParser {
    limits: ParseLimits,
    partial: Option<Partial>,
    ranges: Vec<(usize, usize)>,
}

impl RequestParser {
    /// A parser enforcing `limits`.
    pub fn new(limits: ParseLimits) -> Self {
        RequestParser {
            limits,
            partial: None,
            ranges: Vec::with_capacity(8),
        }
    }

    /// Changes the limits (after `CONFIG SET proto-max-bulk-len`).
    pub fn set_limits(&mut self, limits: ParseLimits) {
        self.limits = limits;
    }

    /// The least number of bytes the buffer must hold before parsing can make
    /// progress; lets a connection skip parsing while a big bulk trickles in.
    pub fn bytes_needed(&self) -> usize {
        match &self.partial {
            Some(p) if p.pending_bulk >= 0 => p.pos + p.pending_bulk as usize + 2,
            _ => 0,
        }
    }

    /// Parses one request from the front of `buf`.
    ///
    /// On a complete request, its bytes are split off `buf`, `args` is filled
    /// with its arguments, and `Ok(true)` is returned (`args` may be empty for
    /// an empty inline line or `*0`, which callers skip). `Ok(false)` means
    /// more bytes are needed. `Err` is a protocol error; the connection must
    /// be closed after replying.
    pub fn next(&mut self, buf: &mut BytesMut, args: &mut Vec<Bytes>) -> Result<bool, ParseError> {
        args.clear();
        if self.partial.is_none() {
            let Some(&first) = buf.first() else {
                return Ok(false);
            };
            if first != b'*' {
                return self.parse_inline(buf, args);
            }
            self.ranges.clear();
            // Parse the "*<count>\r\n" header.
            let Some(nl) = memchr::memchr(b'\r', buf) else {
                if buf.len() > MAX_INLINE_SIZE {
                    return Err(ParseError::new("too big mbulk count string"));
                }
                return Ok(false);
            };
            if nl > MAX_INLINE_SIZE {
                return Err(ParseError::new("too big mbulk count string"));
            }
            if buf.len() < nl + 2 {
                return Ok(false);
            }
            let count = parse_i64(&buf[1..nl]);
            let count = match count {
                Some(c) if c <= self.limits.max_multibulk_len => c,
                _ => return Err(ParseError::new("invalid multibulk length")),
            };
            if count > UNAUTH_MAX_MULTIBULK_LEN && self.limits.unauthenticated {
                return Err(ParseError::new("unauthenticated multibulk length"));
            }
            if count <= 0 {
                let _ = buf.split_to(nl + 2);
                return Ok(true);
            }
            self.partial = Some(Partial {
                remaining: count,
                pos: nl + 2,
                pending_bulk: -1,
            });
        }
        let Some(p) = self.partial.as_mut() else {
            return Ok(false);
        };
        while p.remaining > 0 {
            if p.pending_bulk < 0 {
                let rest = &buf[p.pos..];
                let Some(nl) = memchr::memchr(b'\r', rest) else {
                    if rest.len() > MAX_INLINE_SIZE {
                        return Err(ParseError::new("too big bulk count string"));
                    }
                    return Ok(false);
                };
                if nl > MAX_INLINE_SIZE {
                    return Err(ParseError::new("too big bulk count string"));
                }
                if rest.len() < nl + 2 {
                    return Ok(false);
                }
                if rest[0] != b'$' {
                    return Err(ParseError(format!(
                        "expected '$', got '{}'",
                        rest[0] as char
                    )));
                }
                let len = match parse_i64(&rest[1..nl]) {
                    Some(l) if l >= 0 && l <= self.limits.max_bulk_len => l,
                    _ => return Err(ParseError::new("invalid bulk length")),
                };
                if len > UNAUTH_MAX_BULK_LEN && self.limits.unauthenticated {
                    return Err(ParseError::new("unauthenticated bulk length"));
                }
                p.pos += nl + 2;
                p.pending_bulk = len;
            }
            let len = p.pending_bulk as usize;
            if buf.len() < p.pos + len + 2 {
                // Make room for the whole bulk at once, as Redis does for
                // big arguments, so it arrives without repeated regrowth.
                let want = p.pos + len + 2;
                if want > buf.capacity() && want <= MAX_PREALLOC {
                    buf.reserve(want - buf.len());
                }
                return Ok(false);
            }
            self.ranges.push((p.pos, p.pos + len));
            p.pos += len + 2;
            p.pending_bulk = -1;
            p.remaining -= 1;
        }
        let total = p.pos;
        self.partial = None;
        let frame = buf.split_to(total).freeze();
        args.extend(self.ranges.iter().map(|&(a, b)| frame.slice(a..b)));
        Ok(true)
    }

    fn parse_inline(
        &mut self,
        buf: &mut BytesMut,
        args: &mut Vec<Bytes>,
    ) -> Result<bool, ParseError> {
        let Some(nl) = memchr::memchr(b'\n', buf) else {
            if buf.len() > MAX_INLINE_SIZE {
                return Err(ParseError::new("too big inline request"));
            }
            return Ok(false);
        };
        if nl > MAX_INLINE_SIZE {
            return Err(ParseError::new("too big inline request"));
        }
        let line_end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let frame = buf.split_to(nl + 1).freeze();
        split_inline(&frame, line_end, args)?;
        Ok(true)
    }
}

/// Splits an inline request line as Redis' `sdssplitargs` does: blanks
/// separate arguments, double quotes allow escapes (`\n`, `\xHH`, ...),
/// single quotes allow `\'`. Unquoted arguments are slices of `frame`.
fn split_inline(frame: &Bytes, end: usize, args: &mut Vec<Bytes>) -> Result<(), ParseError> {
    let line = &frame[..end];
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            return Ok(());
        }
        if line[i] != b'"' && line[i] != b'\'' {
            let start = i;
            while i < line.len()
                && !line[i].is_ascii_whitespace()
                && line[i] != b'"'
                && line[i] != b'\''
            {
                i += 1;
            }
            if i < line.len() && !line[i].is_ascii_whitespace() {
                // A quote glued to an unquoted word: fall back to the
                // general (copying) splitter for this argument.
                let (arg, next) = split_quoted_word(line, start)?;
                args.push(Bytes::from(arg));
                i = next;
            } else {
                args.push(frame.slice(start..i));
            }
        } else {
            let (arg, next) = split_quoted_word(line, i)?;
            args.push(Bytes::from(arg));
            i = next;
        }
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses one argument that may contain quoted parts, starting at `i`;
/// returns the unescaped bytes and the index after the argument.
pub fn split_quoted_word(line: &[u8], mut i: usize) -> Result<(Vec<u8>, usize), ParseError> {
    let unbalanced = || ParseError::new("unbalanced quotes in request");
    let mut out = Vec::new();
    let mut in_dq = false;
    let mut in_sq = false;
    loop {
        if in_dq {
            if i >= line.len() {
                return Err(unbalanced());
            }
            let c = line[i];
            if c == b'\\' && i + 3 < line.len() && line[i + 1] == b'x' {
                if let (Some(h), Some(l)) = (hex_val(line[i + 2]), hex_val(line[i + 3])) {
                    out.push(h * 16 + l);
                    i += 4;
                    continue;
                }
            }
            if c == b'\\' && i + 1 < line.len() {
                out.push(match line[i + 1] {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'b' => 8,
                    b'a' => 7,
                    other => other,
                });
                i += 2;
                continue;
            }
            if c == b'"' {
                // A closing quote must be followed by a blank or the end.
                if i + 1 < line.len() && !line[i + 1].is_ascii_whitespace() {
                    return Err(unbalanced());
                }
                return Ok((out, i + 1));
            }
            out.push(c);
            i += 1;
        } else if in_sq {
            if i >= line.len() {
                return Err(unbalanced());
            }
            let c = line[i];
            if c == b'\\' && i + 1 < line.len() && line[i + 1] == b'\'' {
                out.push(b'\'');
                i += 2;
                continue;
            }
            if c == b'\'' {
                if i + 1 < line.len() && !line[i + 1].is_ascii_whitespace() {
                    return Err(unbalanced());
                }
                return Ok((out, i + 1));
            }
            out.push(c);
            i += 1;
        } else {
            if i >= line.len() || line[i].is_ascii_whitespace() {
                return Ok((out, i));
            }
            match line[i] {
                b'"' => in_dq = true,
                b'\'' => in_sq = true,
                c => out.push(c),
            }
            i += 1;
        }
    }
}

/// Parses a signed decimal integer the way Redis' `string2ll` does: no
/// spaces, no `+`, no leading zeros (except "0"), no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = if s[0] == b'-' {
        (true, &s[1..])
    } else {
        (false, s)
    };
    if digits.is_empty() || digits[0] == b'0' {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ParseError> {
        let mut p = RequestParser::new(ParseLimits::default());
        let mut buf = BytesMut::from(input);
        let mut args = Vec::new();
        let mut out = Vec::new();
        while p.next(&mut buf, &mut args)? {
            if !args.is_empty() {
                out.push(args.iter().map(|a| a.to_vec()).collect());
            }
        }
        Ok(out)
    }

    #[test]
    fn multibulk_and_inline() {
        let r =
            parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nset a \"b c\\n\" 'd'\r\n").unwrap();
        assert_eq!(r[0], vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(r[1], vec![b"PING".to_vec()]);
        assert_eq!(
            r[2],
            vec![
                b"set".to_vec(),
                b"a".to_vec(),
                b"b c\n".to_vec(),
                b"d".to_vec()
            ]
        );
    }

    #[test]
    fn errors_match_redis() {
        assert_eq!(
            parse_all(b"*x\r\n").unwrap_err().0,
            "invalid multibulk length"
        );
        assert_eq!(
            parse_all(b"*9999999999\r\n").unwrap_err().0,
            "invalid multibulk length"
        );
        assert_eq!(
            parse_all(b"*1\r\n$-1\r\n").unwrap_err().0,
            "invalid bulk length"
        );
        assert_eq!(
            parse_all(b"*1\r\n:1\r\n").unwrap_err().0,
            "expected '$', got ':'"
        );
        assert_eq!(
            parse_all(b"set \"a\r\n").unwrap_err().0,
            "unbalanced quotes in request"
        );
        let big = vec![b'a'; MAX_INLINE_SIZE + 10];
        assert_eq!(parse_all(&big).unwrap_err().0, "too big inline request");
        let mut p = RequestParser::new(ParseLimits {
            max_bulk_len: 10,
            ..Default::default()
        });
        let mut buf = BytesMut::from(&b"*1\r\n$11\r\n"[..]);
        assert_eq!(
            p.next(&mut buf, &mut Vec::new()).unwrap_err().0,
            "invalid bulk length"
        );
    }

    #[test]
    fn binary_args_with_crlf_and_nul() {
        let r = parse_all(b"*2\r\n$3\r\nGET\r\n$4\r\na\r\n\0\r\n").unwrap();
        assert_eq!(r[0][1], b"a\r\n\0".to_vec());
    }

    #[test]
    fn integer_parsing() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"01"), None);
        assert_eq!(parse_i64(b"+1"), None);
        assert_eq!(parse_i64(b"-0"), None);
    }

    fn encode(reqs: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in reqs {
            out.extend_from_slice(format!("*{}\r\n", r.len()).as_bytes());
            for a in r {
                out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                out.extend_from_slice(a);
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }

    proptest! {
        /// Encoded requests fed in random chunks parse back to the same
        /// arguments, wherever the chunk boundaries fall.
        #[test]
        fn roundtrip_with_random_chunking(
            reqs in prop::collection::vec(prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..6), 1..8),
            cuts in prop::collection::vec(1usize..17, 1..64),
        ) {
            let wire = encode(&reqs);
            let mut p = RequestParser::new(ParseLimits::default());
            let mut buf = BytesMut::new();
            let mut args = Vec::new();
            let mut got = Vec::new();
            let mut off = 0;
            let mut ci = 0;
            while off < wire.len() {
                let n = cuts[ci % cuts.len()].min(wire.len() - off);
                ci += 1;
                buf.extend_from_slice(&wire[off..off + n]);
                off += n;
                while p.next(&mut buf, &mut args).unwrap() {
                    got.push(args.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
                }
            }
            prop_assert_eq!(got, reqs);
            prop_assert!(buf.is_empty());
        }

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_input_never_panics(data in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_all(&data);
        }
    }
}
