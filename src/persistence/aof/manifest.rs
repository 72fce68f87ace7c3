//! The AOF manifest (`<appendfilename>.manifest` in `appenddirname`): one
//! line per file, `file <name> seq <n> type <b|h|i>`, base first, then
//! history, then incremental files in sequence order. Names that need it
//! are written double-quoted with C-style escapes; `#` lines are comments.
//! Keys Redis added later (`startoffset`, `endoffset`) are accepted and
//! ignored, as are unknown key/value pairs.

use std::fmt;
use std::io::Write;
use std::path::Path;

/// Longest manifest line Redis accepts.
pub const MAX_LINE: usize = 1024;

/// The role of a file in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// The base: an RDB or AOF image of the data set at a rewrite.
    Base,
    /// A file replaced by a rewrite, waiting to be deleted.
    History,
    /// An incremental file: commands written after the base.
    Incr,
}

impl FileType {
    /// The manifest letter.
    pub fn letter(self) -> char {
        match self {
            FileType::Base => 'b',
            FileType::History => 'h',
            FileType::Incr => 'i',
        }
    }
}

/// One file listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// File name inside the AOF directory (never a path).
    pub name: String,
    /// Sequence number (positive).
    pub seq: i64,
    /// Its role.
    pub kind: FileType,
}

/// The parsed manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if any.
    pub base: Option<AofFile>,
    /// Files a rewrite replaced.
    pub history: Vec<AofFile>,
    /// Incremental files, in ascending sequence.
    pub incr: Vec<AofFile>,
    /// Highest base sequence used so far.
    pub base_seq: i64,
    /// Highest incremental sequence used so far.
    pub incr_seq: i64,
}

/// Why a manifest was refused (Redis' texts), with the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// Line number where the error was found (0: none).
    pub line: usize,
    /// The offending line, trimmed (empty when not about one line).
    pub text: String,
    /// Byte offset of the start of that line in the file.
    pub offset: usize,
    /// Redis' message.
    pub what: &'static str,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{} (line {}, offset {}: '{}')",
                self.what, self.line, self.offset, self.text
            )
        } else {
            f.write_str(self.what)
        }
    }
}

impl Manifest {
    /// Parses a manifest file's contents as Redis 7 does.
    pub fn parse(data: &[u8]) -> Result<Manifest, ManifestError> {
        let mut m = Manifest::default();
        let mut linenum = 0usize;
        let mut pos = 0usize;
        let mut max_incr = 0i64;
        while pos < data.len() {
            let start = pos;
            let rest = &data[pos..];
            let nl = rest.iter().position(|&b| b == b'\n');
            let (raw, next) = match nl {
                Some(i) if i < MAX_LINE => (&rest[..i], start + i + 1),
                Some(_) | None if rest.len() > MAX_LINE => {
                    let text = String::from_utf8_lossy(&rest[..MAX_LINE]).into_owned();
                    return Err(err(linenum + 1, &text, start, too_long()));
                }
                _ => (rest, data.len()),
            };
            linenum += 1;
            pos = next;
            if raw.first() == Some(&b'#') {
                continue;
            }
            if nl.is_none() {
                // Redis reads lines with fgets and wants each one complete.
                return Err(err(
                    linenum,
                    &String::from_utf8_lossy(raw),
                    start,
                    too_long(),
                ));
            }
            let line = trim(raw);
            let text = String::from_utf8_lossy(line).into_owned();
            let bad = |what| err(linenum, &text, start, what);
            if line.is_empty() {
                return Err(bad(INVALID));
            }
            let argv = split_args(line).ok_or_else(|| bad(INVALID))?;
            if argv.len() < 6 || argv.len() % 2 != 0 {
                return Err(bad(INVALID));
            }
            let (mut name, mut seq, mut kind) = (None, 0i64, None);
            for pair in argv.chunks(2) {
                let (k, v) = (&pair[0], &pair[1]);
                if k.eq_ignore_ascii_case(b"file") {
                    if v.contains(&b'/') {
                        return Err(bad("File can't be a path, just a filename"));
                    }
                    name = Some(String::from_utf8_lossy(v).into_owned());
                } else if k.eq_ignore_ascii_case(b"seq") {
                    seq = atoll(v);
                } else if k.eq_ignore_ascii_case(b"type") {
                    kind = v.first().copied();
                }
            }
            let (Some(name), Some(kind)) = (name, kind) else {
                return Err(bad(INVALID));
            };
            if seq == 0 || name.is_empty() || kind == 0 {
                return Err(bad(INVALID));
            }
            match kind {
                b'b' => {
                    if m.base.is_some() {
                        return Err(bad("Found duplicate base file information"));
                    }
                    m.base_seq = seq;
                    m.base = Some(AofFile {
                        name,
                        seq,
                        kind: FileType::Base,
                    });
                }
                b'h' => m.history.push(AofFile {
                    name,
                    seq,
                    kind: FileType::History,
                }),
                b'i' => {
                    if seq <= max_incr {
                        return Err(bad("Found a non-monotonic sequence number"));
                    }
                    max_incr = seq;
                    m.incr_seq = seq;
                    m.incr.push(AofFile {
                        name,
                        seq,
                        kind: FileType::Incr,
                    });
                }
                _ => return Err(bad("Unknown AOF file type")),
            }
        }
        if linenum == 0 {
            return Err(ManifestError {
                line: 0,
                text: String::new(),
                offset: 0,
                what: "Found an empty AOF manifest",
            });
        }
        Ok(m)
    }

    /// The manifest's text: base, history, incremental files.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in self
            .base
            .iter()
            .chain(self.history.iter())
            .chain(self.incr.iter())
        {
            out.push_str("file ");
            // A single quote also starts a quoted token when read back, so
            // such names are quoted too (Redis writes them bare).
            if needs_repr(f.name.as_bytes()) || f.name.contains('\'') {
                out.push_str(&repr(f.name.as_bytes()));
            } else {
                out.push_str(&f.name);
            }
            out.push_str(&format!(" seq {} type {}\n", f.seq, f.kind.letter()));
        }
        out
    }

    /// Whether the manifest lists no base and no incremental file.
    pub fn is_empty(&self) -> bool {
        self.base.is_none() && self.incr.is_empty()
    }

    /// Makes a new base named after `prefix` (`appendfilename`) the current
    /// one, moving the old one to history. Returns its name.
    pub fn new_base(&mut self, prefix: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = FileType::History;
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let name = format!(
            "{}.{}.base.{}",
            prefix,
            self.base_seq,
            if rdb { "rdb" } else { "aof" }
        );
        self.base = Some(AofFile {
            name: name.clone(),
            seq: self.base_seq,
            kind: FileType::Base,
        });
        name
    }

    /// Adds a new incremental file named after `prefix`. Returns its name.
    pub fn new_incr(&mut self, prefix: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{}.{}.incr.aof", prefix, self.incr_seq);
        self.incr.push(AofFile {
            name: name.clone(),
            seq: self.incr_seq,
            kind: FileType::Incr,
        });
        name
    }

    /// Moves every incremental file except the last `keep_last` ones to
    /// history (after a rewrite, the base covers them).
    pub fn incr_to_history(&mut self, keep_last: usize) {
        let n = self.incr.len().saturating_sub(keep_last);
        for mut f in self.incr.drain(..n).rev() {
            f.kind = FileType::History;
            self.history.insert(0, f);
        }
    }
}

const INVALID: &str = "Invalid AOF manifest file format";

fn too_long() -> &'static str {
    "The AOF manifest file contains too long line"
}

fn err(line: usize, text: &str, offset: usize, what: &'static str) -> ManifestError {
    ManifestError {
        line,
        text: text.to_string(),
        offset,
        what,
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

/// C `atoll`: optional spaces and sign, then digits up to the first other
/// byte; 0 when there are none. Saturates instead of overflowing.
fn atoll(s: &[u8]) -> i64 {
    let mut i = 0;
    while s.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    while let Some(d) = s.get(i).filter(|b| b.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((d - b'0') as i64);
        i += 1;
    }
    if neg {
        -n
    } else {
        n
    }
}

/// Whether a name must be written quoted (Redis' `sdsneedsrepr`).
pub fn needs_repr(s: &[u8]) -> bool {
    s.iter().any(|&b| {
        matches!(b, b'\\' | b'"' | b'\n' | b'\r' | b'\t' | 7 | 8)
            || !(0x20..=0x7e).contains(&b)
            || b == b' '
    })
}

/// A double-quoted, escaped form of `s` (Redis' `sdscatrepr`).
pub fn repr(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in s {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{:02x}", b)),
        }
    }
    out.push('"');
    out
}

/// Splits a line into arguments as Redis' `sdssplitargs`: spaces separate,
/// double quotes allow escapes (`\xHH`, `\n`...), single quotes allow `\'`;
/// a closing quote must be followed by a space or the end. `None` for
/// unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // Redis works on C strings: a NUL ends the line.
    let line = match line.iter().position(|&b| b == 0) {
        Some(i) => &line[..i],
        None => line,
    };
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| line.get(i).copied();
    loop {
        while at(i).is_some_and(is_space) {
            i += 1;
        }
        if i >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut inq, mut insq) = (false, false);
        loop {
            let c = at(i);
            if inq {
                match c {
                    None => return None,
                    Some(b'\\')
                        if at(i + 1) == Some(b'x') && hex_pair(at(i + 2), at(i + 3)).is_some() =>
                    {
                        cur.push(hex_pair(at(i + 2), at(i + 3)).unwrap_or(0));
                        i += 3;
                    }
                    Some(b'\\') if at(i + 1).is_some() => {
                        i += 1;
                        cur.push(match at(i).unwrap_or(0) {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        if at(i + 1).is_some_and(|b| !is_space(b)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => cur.push(b),
                }
            } else if insq {
                match c {
                    None => return None,
                    Some(b'\\') if at(i + 1) == Some(b'\'') => {
                        i += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if at(i + 1).is_some_and(|b| !is_space(b)) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(b) => cur.push(b),
                }
            } else {
                match c {
                    None => break,
                    Some(b) if is_space(b) => break,
                    Some(b'"') => inq = true,
                    Some(b'\'') => insq = true,
                    Some(b) => cur.push(b),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// C `isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_pair(a: Option<u8>, b: Option<u8>) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16).map(|v| v as u8);
    Some(d(a?)? * 16 + d(b?)?)
}

/// Writes `text` to `dir/name` through `dir/temp-name`: write, fsync,
/// rename, then fsync the directory. Logs failures as Redis does.
pub fn write_atomically(dir: &Path, name: &str, text: &[u8]) -> Result<(), String> {
    let tmp_name = format!("temp-{}", name);
    let tmp = dir.join(&tmp_name);
    let target = dir.join(name);
    let res = std::fs::File::create(&tmp)
        .map_err(|e| format!("Can't open the AOF manifest file {}: {}", tmp_name, e))
        .and_then(|mut f| {
            f.write_all(text).map_err(|e| {
                format!(
                    "Error trying to write the temporary AOF manifest file {}: {}",
                    tmp_name, e
                )
            })?;
            f.sync_all()
                .map_err(|e| format!("Fail to fsync the temp AOF file {}: {}.", tmp_name, e))
        })
        .and_then(|_| {
            std::fs::rename(&tmp, &target).map_err(|e| {
                format!(
                    "Error trying to rename the temporary AOF manifest file {} into {}: {}",
                    tmp_name, name, e
                )
            })
        })
        .and_then(|_| {
            sync_dir(dir)
                .map_err(|e| format!("Fail to fsync AOF directory {}: {}.", target.display(), e))
        });
    if let Err(e) = &res {
        crate::warning!("{}", e);
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// fsyncs a directory (so renames and new files in it are durable).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_redis_manifest() {
        let text = b"file appendonly.aof.2.base.rdb seq 2 type b\n\
                     # a comment\n\
                     file appendonly.aof.1.base.rdb seq 1 type h\n\
                     file appendonly.aof.3.incr.aof seq 3 type i\n\
                     file appendonly.aof.4.incr.aof seq 4 type i startoffset 10\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!(m.base_seq, 2);
        assert_eq!(m.history.len(), 1);
        assert_eq!(m.incr.len(), 2);
        assert_eq!(m.incr_seq, 4);
        let back = Manifest::parse(m.to_text().as_bytes()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn quoted_names_round_trip() {
        let mut m = Manifest::default();
        let name = m.new_base("my aof\t\"x\"\u{e9}", true);
        assert!(name.starts_with("my aof"));
        m.new_incr("my aof\t\"x\"\u{e9}");
        let text = m.to_text();
        assert!(
            text.starts_with("file \"my aof\\t\\\"x\\\"\\xc3\\xa9.1.base.rdb\" seq 1 type b\n"),
            "{text}"
        );
        assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m);
    }

    #[test]
    fn errors_as_redis() {
        let e = |t: &[u8]| Manifest::parse(t).unwrap_err().what;
        assert_eq!(e(b""), "Found an empty AOF manifest");
        assert_eq!(e(b"\n"), INVALID);
        assert_eq!(e(b"file a seq 1\n"), INVALID);
        assert_eq!(e(b"file a seq 1 type\n"), INVALID);
        assert_eq!(e(b"file a seq x type b\n"), INVALID);
        assert_eq!(e(b"file \"a seq 1 type b\n"), INVALID);
        assert_eq!(
            e(b"file a/b seq 1 type b\n"),
            "File can't be a path, just a filename"
        );
        assert_eq!(
            e(b"file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information"
        );
        assert_eq!(
            e(b"file a seq 2 type i\nfile b seq 2 type i\n"),
            "Found a non-monotonic sequence number"
        );
        assert_eq!(e(b"file a seq 1 type x\n"), "Unknown AOF file type");
        let long = format!("file {} seq 1 type b\n", "a".repeat(1100));
        assert_eq!(e(long.as_bytes()), too_long());
        assert_eq!(e(b"file a seq 1 type b"), too_long());
        let err = Manifest::parse(b"file a seq 1 type b\nfile a seq 1 type z\n").unwrap_err();
        assert_eq!((err.line, err.offset), (2, 20));
    }

    #[test]
    fn history_moves() {
        let mut m = Manifest::default();
        m.new_base("x", true);
        m.new_incr("x");
        m.new_incr("x");
        m.new_base("x", true);
        m.incr_to_history(1);
        assert_eq!(m.incr.len(), 1);
        assert_eq!(m.incr[0].name, "x.2.incr.aof");
        let names: Vec<_> = m.history.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["x.1.incr.aof", "x.1.base.rdb"]);
    }

    proptest! {
        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Manifest::parse(&data);
        }

        #[test]
        fn any_name_round_trips(name in proptest::collection::vec(any::<u8>().prop_filter("no slash", |b| *b != b'/'), 1..40), n in 1usize..4) {
            let prefix = String::from_utf8_lossy(&name).into_owned();
            let mut m = Manifest::default();
            m.new_base(&prefix, false);
            for _ in 0..n {
                m.new_incr(&prefix);
            }
            let text = m.to_text();
            prop_assume!(text.lines().all(|l| l.len() < MAX_LINE));
            prop_assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), m);
        }

        #[test]
        fn repr_splits_back(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let r = repr(&s);
            let v = split_args(r.as_bytes()).unwrap();
            prop_assert_eq!(v, vec![s]);
        }
    }
}
