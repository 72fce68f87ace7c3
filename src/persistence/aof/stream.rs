//! The AOF command stream: RESP arrays of bulk strings, one command each,
//! as Redis reads them back (`#` lines are annotations and skipped).
//!
//! Parsing never panics and never allocates from a count it has not seen
//! backed by bytes: a command announcing more arguments or longer strings
//! than the file holds is a truncated command. Every error carries the
//! byte offset where the stream went wrong.

use bytes::Bytes;

/// One parsed command and where it lies in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Its arguments (slices of the file's bytes).
    pub args: Vec<Bytes>,
    /// Offset of its first byte.
    pub start: u64,
    /// Offset just past it.
    pub end: u64,
}

/// How a stream ended, when not cleanly after a complete command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamError {
    /// The file ends inside a command: everything up to `valid_up_to` is
    /// whole commands.
    Truncated {
        /// End of the last complete command.
        valid_up_to: u64,
    },
    /// Bytes that cannot be a command start at `offset`.
    Format {
        /// Offset of the bad line.
        offset: u64,
    },
}

/// Longest line (`*<n>` or `$<n>`) Redis reads with its line buffer.
const MAX_LINE: usize = 1024;

/// Parses a whole stream. Returns the complete commands before the first
/// problem, and the problem if any.
pub fn parse(data: &Bytes) -> (Vec<Command>, Option<StreamError>) {
    parse_from(data, 0)
}

/// Parses the stream that starts at offset `from` (after an RDB preamble);
/// offsets stay those of the whole file.
pub fn parse_from(data: &Bytes, from: usize) -> (Vec<Command>, Option<StreamError>) {
    let mut cmds = Vec::new();
    let mut pos = from.min(data.len());
    let len = data.len();
    let mut valid = pos as u64;
    while pos < len {
        let start = pos;
        let trunc = Some(StreamError::Truncated { valid_up_to: valid });
        let Some((line, next)) = read_line(data, pos) else {
            return (cmds, trunc);
        };
        if line.first() == Some(&b'#') {
            pos = next;
            continue;
        }
        if line.first() != Some(&b'*') {
            return (cmds, fmt(start));
        }
        let Some(argc) = number(&line[1..]).filter(|&n| n >= 1) else {
            return (cmds, fmt(start));
        };
        pos = next;
        // Each argument takes at least 6 bytes ("$0\r\n\r\n"): a count the
        // rest of the file cannot hold is a truncated command.
        let mut args = Vec::with_capacity((argc as usize).min((len - pos) / 6 + 1).min(1024));
        for _ in 0..argc {
            let arg_start = pos;
            let Some((line, next)) = read_line(data, pos) else {
                return (cmds, trunc);
            };
            if line.first() != Some(&b'$') {
                return (cmds, fmt(arg_start));
            }
            let Some(n) = number(&line[1..]) else {
                return (cmds, fmt(arg_start));
            };
            let n = n as usize;
            pos = next;
            if len - pos < n.saturating_add(2) {
                return (cmds, trunc);
            }
            if &data[pos + n..pos + n + 2] != b"\r\n" {
                return (cmds, fmt(pos + n));
            }
            args.push(data.slice(pos..pos + n));
            pos += n + 2;
        }
        valid = pos as u64;
        cmds.push(Command {
            args,
            start: start as u64,
            end: pos as u64,
        });
    }
    (cmds, None)
}

fn fmt(offset: usize) -> Option<StreamError> {
    Some(StreamError::Format {
        offset: offset as u64,
    })
}

/// The line at `pos` without its line ending, and the offset after it.
/// `None` when the file ends before the newline. A line longer than Redis'
/// buffer is cut there, as `fgets` does.
fn read_line(data: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = data.get(pos..)?;
    let window = &rest[..rest.len().min(MAX_LINE - 1)];
    match window.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = &window[..i];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Some((line, pos + i + 1))
        }
        None if rest.len() >= MAX_LINE - 1 => Some((window, pos + window.len())),
        None => None,
    }
}

/// A non-negative decimal count (at most 2^40, well past any real file).
fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 13 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter()
        .try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add((d - b'0') as u64)
        })
        .filter(|&n| n <= 1 << 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc(cmds: &[&[&str]]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in cmds {
            crate::journal::encode_command(&mut out, c);
        }
        out
    }

    #[test]
    fn parses_commands_and_skips_annotations() {
        let mut data = b"#TS:1700000000\r\n".to_vec();
        data.extend(enc(&[&["SELECT", "0"], &["SET", "k", "v\r\nx"]]));
        let (cmds, err) = parse(&Bytes::from(data.clone()));
        assert_eq!(err, None);
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[1].args[2], Bytes::from_static(b"v\r\nx"));
        assert_eq!(cmds[1].end as usize, data.len());
    }

    #[test]
    fn truncation_reports_last_good_offset() {
        let data = enc(&[&["SET", "a", "1"], &["SET", "b", "2"]]);
        let first = enc(&[&["SET", "a", "1"]]).len() as u64;
        for cut in first as usize + 1..data.len() {
            let (cmds, err) = parse(&Bytes::from(data[..cut].to_vec()));
            assert_eq!(cmds.len(), 1, "cut {cut}");
            assert_eq!(
                err,
                Some(StreamError::Truncated { valid_up_to: first }),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn format_errors_name_the_offset() {
        let good = enc(&[&["SET", "a", "1"]]);
        let mut data = good.clone();
        data.extend_from_slice(b"garbage\r\n");
        let (cmds, err) = parse(&Bytes::from(data));
        assert_eq!(cmds.len(), 1);
        assert_eq!(
            err,
            Some(StreamError::Format {
                offset: good.len() as u64
            })
        );
        let (_, err) = parse(&Bytes::from_static(b"*0\r\n"));
        assert_eq!(err, Some(StreamError::Format { offset: 0 }));
        let (_, err) = parse(&Bytes::from_static(b"*1\r\n+x\r\n"));
        assert_eq!(err, Some(StreamError::Format { offset: 4 }));
        let (_, err) = parse(&Bytes::from_static(b"*1\r\n$1\r\nxyz\r\n"));
        assert_eq!(err, Some(StreamError::Format { offset: 9 }));
    }

    #[test]
    fn huge_counts_are_truncation_not_allocation() {
        let (_, err) = parse(&Bytes::from_static(b"*1099511627776\r\n$1\r\n"));
        assert_eq!(err, Some(StreamError::Truncated { valid_up_to: 0 }));
        let (_, err) = parse(&Bytes::from_static(b"*1\r\n$1099511627776\r\nab"));
        assert_eq!(err, Some(StreamError::Truncated { valid_up_to: 0 }));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let (cmds, err) = parse(&Bytes::from(data.clone()));
            let end = cmds.last().map_or(0, |c| c.end);
            match err {
                None => prop_assert!(end as usize <= data.len()),
                Some(StreamError::Truncated { valid_up_to }) => prop_assert_eq!(valid_up_to, end),
                Some(StreamError::Format { offset }) => prop_assert!(offset as usize <= data.len()),
            }
        }

        #[test]
        fn round_trips(cmds in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..5), 0..10)) {
            let mut data = Vec::new();
            for c in &cmds {
                crate::journal::encode_command(&mut data, c);
            }
            let (got, err) = parse(&Bytes::from(data));
            prop_assert_eq!(err, None);
            let got: Vec<Vec<Vec<u8>>> = got.into_iter().map(|c| c.args.into_iter().map(|a| a.to_vec()).collect()).collect();
            prop_assert_eq!(got, cmds);
        }
    }
}
