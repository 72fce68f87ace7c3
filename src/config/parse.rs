//! The redis.conf grammar and the configuration loader.
//!
//! * Lines: the text is split on `\n`; every line is trimmed of
//!   ` \t\r\n`; empty lines and lines starting with `#` are skipped.
//! * Words: [`split_args`] splits a line exactly like Redis'
//!   `sdssplitargs()`: blanks separate words; `"double quotes"` allow the
//!   escapes `\n \r \t \b \a \\ \"` and `\xHH`; `'single quotes'` only
//!   allow `\'`; a closing quote must be followed by a blank or the end of
//!   the line; unbalanced quotes are an error. [`repr`] is the inverse
//!   (Redis' `sdscatrepr()`), used by `CONFIG REWRITE` and for command-line
//!   options.
//! * Numbers: [`memtoull`] (sizes with `b k kb m mb g gb` units),
//!   [`string2ll`] (strict integers), [`c_strtoll`] (C `strtoll()`, used
//!   where Redis uses it), [`string2d`] (floats).
//! * Patterns: [`stringmatch`] is Redis' glob matcher (`CONFIG GET`
//!   patterns, `include` wildcards).
//! * Loading: `Loader` applies configuration text to a [`Config`],
//!   following `include`s, and `load_from_args` builds the text from a
//!   command line the way `redis-server` does.
//!
//! All functions work on bytes, never panic on arbitrary input, and treat an
//! embedded NUL byte the way the C code does where it matters (as the end of
//! the string).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::directives::{self, Value, DEPRECATED, MULTI_ARG};
use super::error::{strerror, ConfigError, Origin};
use super::{Config, LoadModule, RenameCommand, SentinelLine, UserDirective};

/// The line had an opening quote without its closing quote (or a closing
/// quote glued to the next word).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnbalancedQuotes;

/// The bytes before the first NUL: what C string functions see.
pub fn cstr(s: &[u8]) -> &[u8] {
    match memchr::memchr(0, s) {
        Some(i) => &s[..i],
        None => s,
    }
}

/// A name given by a client, for error messages and replies.
pub(crate) fn lossy_name(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// C `isspace()` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits a configuration line into words, exactly like Redis'
/// `sdssplitargs()`.
///
/// Returns an empty vector for a blank line, and [`UnbalancedQuotes`] where
/// Redis returns NULL.
pub fn split_args(input: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
    let line = cstr(input);
    let at = |i: usize| -> u8 { line.get(i).copied().unwrap_or(0) };
    let mut out = Vec::new();
    let mut p = 0usize;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let (mut in_dq, mut in_sq, mut done) = (false, false, false);
        while !done {
            let c = at(p);
            if in_dq {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(p + 2)), hex_val(at(p + 3))) {
                        cur.push(h * 16 + l);
                        p += 3;
                    } else {
                        // `\x` not followed by two hex digits: a plain `x`.
                        p += 1;
                        cur.push(b'x');
                    }
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    cur.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    done = true;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    cur.push(c);
                }
            } else if in_sq {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    done = true;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => cur.push(c),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        out.push(cur);
    }
}

/// Quotes bytes so that [`split_args`] reads them back as one word, like
/// Redis' `sdscatrepr()`: `"..."` with `\\ \" \n \r \t \a \b` escaped and
/// other non-printable bytes as `\xHH`.
pub fn repr(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('"');
    out
}

/// Trims the given bytes from both ends (Redis' `sdstrim()`).
pub fn trim<'a>(s: &'a [u8], set: &[u8]) -> &'a [u8] {
    let start = s.iter().position(|c| !set.contains(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !set.contains(c))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// Splits text into lines on `\n` like Redis' `sdssplitlen()`: empty text
/// has no lines, and a final `\n` produces a final empty line.
pub fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(|&c| c == b'\n').collect()
    }
}

/// Parses a memory size like Redis' `memtoull()`: decimal digits followed by
/// an optional case-insensitive unit `b`, `k` (1000), `kb` (1024), `m`
/// (1000²), `mb` (1024²), `g` (1000³) or `gb` (1024³).
///
/// Quirks kept from Redis 7.0: no digits means 0 (`""`, `"kb"`), a number
/// too large for 64 bits saturates, and the unit multiplication wraps.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    let s = cstr(s);
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = s[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let mut val: u64 = 0;
    for &d in &s[..digits] {
        // strtoull saturates on overflow.
        val = val
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .unwrap_or(u64::MAX);
        if val == u64::MAX {
            break;
        }
    }
    Some(val.wrapping_mul(mul))
}

/// Parses a strict 64-bit integer like Redis' `string2ll()`: optional `-`,
/// no leading zeros, no blanks, no `+`, at most 20 characters.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Result of [`c_strtoll`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrToLl {
    /// The converted value (saturated on overflow, 0 without digits).
    pub value: i64,
    /// The whole string was consumed (`*endptr == '\0'`). Note that, as in
    /// C, an empty string is "complete" with value 0.
    pub complete: bool,
    /// The value overflowed (`errno == ERANGE`).
    pub overflow: bool,
}

/// C `strtoll()` in the given base (8 or 10): leading blanks, an optional
/// sign, digits; the caller decides what to do with trailing bytes.
pub fn c_strtoll(s: &[u8], base: u32) -> StrToLl {
    let s = cstr(s);
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut acc: i128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        if !overflow {
            acc = acc * i128::from(base) + i128::from(d);
            if acc > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
        i += 1;
    }
    if i == start {
        // No digits: endptr is the start of the string.
        return StrToLl {
            value: 0,
            complete: s.is_empty(),
            overflow: false,
        };
    }
    let signed = if neg { -acc } else { acc };
    let value = if overflow || signed > i128::from(i64::MAX) {
        overflow = true;
        i64::MAX
    } else if signed < i128::from(i64::MIN) {
        overflow = true;
        i64::MIN
    } else {
        signed as i64
    };
    let value = if overflow && neg { i64::MIN } else { value };
    StrToLl {
        value,
        complete: i == s.len(),
        overflow,
    }
}

/// Parses a float like Redis' `string2d()`: no leading blank, the whole
/// string must be a number, NaN and out-of-range values are refused.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_space(s[0]) || s.len() >= 128 {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    let v: f64 = text.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if v.is_infinite() && !lower.contains("inf") {
        return None; // ERANGE overflow
    }
    if v == 0.0 {
        let mantissa = lower.split('e').next().unwrap_or("");
        if mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c)) {
            return None; // ERANGE underflow
        }
    }
    Some(v)
}

/// Redis' glob matcher (`stringmatchlen()`): `*`, `?`, `[abc]`, `[^a]`,
/// `[a-z]`, `\x` escapes; `nocase` folds ASCII case.
pub fn stringmatch(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, nocase, &mut skip_longer, 0)
}

fn fold(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

fn match_impl(pat: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: usize) -> bool {
    if nesting > 1000 {
        return false;
    }
    let pc = |i: usize| -> u8 { pat.get(i).copied().unwrap_or(0) };
    let (mut p, mut si) = (0usize, 0usize);
    while p < pat.len() && si < s.len() {
        match pat[p] {
            b'*' => {
                while p + 1 < pat.len() && pat[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pat.len() {
                    return true;
                }
                while si < s.len() {
                    if match_impl(&pat[p + 1..], &s[si..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                p += 1;
                let not = pc(p) == b'^';
                if not {
                    p += 1;
                }
                let mut matched = false;
                let c = s[si];
                loop {
                    if p >= pat.len() {
                        // Unterminated class: treat as ending here.
                        p = p.saturating_sub(1);
                        break;
                    }
                    if pat[p] == b'\\' && pat.len() - p >= 2 {
                        p += 1;
                        if pat[p] == c {
                            matched = true;
                        }
                    } else if pat[p] == b']' {
                        break;
                    } else if pat.len() - p >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end) = (pat[p], pat[p + 2]);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let (start, end, ch) =
                            (fold(start, nocase), fold(end, nocase), fold(c, nocase));
                        p += 2;
                        if ch >= start && ch <= end {
                            matched = true;
                        }
                    } else if fold(pat[p], nocase) == fold(c, nocase) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            ch => {
                let ch = if ch == b'\\' && pat.len() - p >= 2 {
                    p += 1;
                    pat[p]
                } else {
                    ch
                };
                if fold(ch, nocase) != fold(s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        p += 1;
        if si == s.len() {
            while p < pat.len() && pat[p] == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pat.len() && si == s.len()
}

/// Whether a path contains glob wildcards (Redis checks `*`, `?` and `[`).
fn has_wildcards(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Expands an `include` pattern like glob(3): matching paths, sorted; only
/// existing ones; hidden entries only when the pattern component starts
/// with a dot. Relative patterns are resolved against `cwd` but returned
/// relative, as glob does.
fn glob_paths(cwd: &Path, pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let mut current: Vec<String> = vec![if absolute {
        "/".to_string()
    } else {
        String::new()
    }];
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for comp in comps {
        let mut next = Vec::new();
        let comp_pat = comp.replace("[!", "[^");
        for base in &current {
            let join = |name: &str| {
                if base.is_empty() {
                    name.to_string()
                } else if base.ends_with('/') {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if has_wildcards(comp) {
                let dir = cwd.join(if base.is_empty() { "." } else { base.as_str() });
                let Ok(rd) = std::fs::read_dir(dir) else {
                    continue;
                };
                let mut names: Vec<String> = rd
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                for n in names {
                    if n.starts_with('.') && !comp.starts_with('.') {
                        continue;
                    }
                    if stringmatch(comp_pat.as_bytes(), n.as_bytes(), false) {
                        next.push(join(&n));
                    }
                }
            } else {
                next.push(join(comp));
            }
        }
        current = next;
    }
    current.retain(|p| !p.is_empty() && std::fs::symlink_metadata(cwd.join(p)).is_ok());
    current.sort();
    current
}

/// Most nested `include`s followed before giving up (Redis recurses without
/// limit and crashes on include loops).
pub const MAX_INCLUDE_DEPTH: usize = 64;

/// Applies configuration text to a [`Config`], like Redis'
/// `loadServerConfigFromString()`, with `include` support.
pub(crate) struct Loader<'a> {
    /// The configuration being built.
    pub cfg: &'a mut Config,
    /// A `save` line was already applied (later ones accumulate).
    pub save_loaded: bool,
    /// Redis' current directory while loading: relative `include` and `dir`
    /// paths are resolved against it, and a `dir` directive changes it
    /// (Redis `chdir`s at once; Shardis only tracks it).
    pub cwd: PathBuf,
    /// Current `include` nesting.
    pub depth: usize,
    /// Touch no file: `include` lines are only syntax-checked and the log
    /// file is not opened (for fuzzing and linting).
    pub sandbox: bool,
}

impl<'a> Loader<'a> {
    /// A loader starting from the process' current directory.
    pub fn new(cfg: &'a mut Config) -> Loader<'a> {
        let cwd = match cfg.values_dir() {
            Some(d) => PathBuf::from(d),
            None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        };
        Loader {
            cfg,
            save_loaded: false,
            cwd,
            depth: 0,
            sandbox: false,
        }
    }

    /// Loads one configuration text. `file` is recorded in error origins
    /// for lines up to `file_lines` (the rest came from stdin or options).
    pub fn load_text(
        &mut self,
        text: &[u8],
        file: Option<&Path>,
        file_lines: usize,
    ) -> Result<(), ConfigError> {
        let lines = split_lines(text);
        for (i, raw) in lines.iter().enumerate() {
            let linenum = i + 1;
            let line = trim(raw, b" \t\r\n");
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let origin = || Origin {
                file: if linenum <= file_lines {
                    file.map(Path::to_path_buf)
                } else {
                    None
                },
                line: linenum,
                text: String::from_utf8_lossy(line).into_owned(),
            };
            let fail = |reason: &str| ConfigError::Line {
                origin: origin(),
                reason: reason.to_string(),
            };
            let argv =
                split_args(line).map_err(|_| fail("Unbalanced quotes in configuration line"))?;
            let Some(first) = argv.first() else { continue };
            let name = first.to_ascii_lowercase();
            let argc = argv.len();

            if let Some((idx, _)) = directives::lookup(&name) {
                let d = &directives::DIRECTIVES[idx];
                if !d.has(MULTI_ARG) && argc != 2 {
                    return Err(fail("wrong number of arguments"));
                }
                // A multi-argument directive given one non-empty argument
                // is split on spaces, as Redis does (`--save "60 1"`).
                if d.has(MULTI_ARG) && argc == 2 && !argv[1].is_empty() {
                    let split = split_args(&argv[1])
                        .map_err(|_| fail("Unbalanced quotes in configuration line"))?;
                    let args: Vec<&[u8]> = split.iter().map(Vec::as_slice).collect();
                    self.apply(idx, &args).map_err(|r| fail(&r))?;
                    continue;
                }
                let args: Vec<&[u8]> = argv[1..].iter().map(Vec::as_slice).collect();
                self.apply(idx, &args).map_err(|r| fail(&r))?;
                continue;
            }
            if argc == 2 && DEPRECATED.iter().any(|d| d.as_bytes() == name.as_slice()) {
                continue;
            }
            match name.as_slice() {
                b"include" if argc == 2 => {
                    let o = origin();
                    self.include(&argv[1], &o)?;
                }
                b"rename-command" if argc == 3 => {
                    self.cfg.rename_commands.push(RenameCommand {
                        from: argv[1].clone(),
                        to: argv[2].clone(),
                        origin: origin(),
                    });
                }
                b"user" if argc >= 2 => {
                    let user = &argv[1];
                    if self.cfg.users.iter().any(|u| u.args.first() == Some(user)) {
                        return Err(fail(&format!(
                            "Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files",
                            String::from_utf8_lossy(user)
                        )));
                    }
                    self.cfg.users.push(UserDirective {
                        args: argv[1..].to_vec(),
                        origin: origin(),
                    });
                }
                b"loadmodule" if argc >= 2 => {
                    self.cfg.load_modules.push(LoadModule {
                        path: argv[1].clone(),
                        args: argv[2..].to_vec(),
                        origin: origin(),
                    });
                }
                _ if cstr(&name).contains(&b'.') => {
                    if argc != 2 {
                        return Err(fail("Module config specified without value"));
                    }
                    let key = String::from_utf8_lossy(cstr(&name)).into_owned();
                    let val = argv[1].clone();
                    match self.cfg.module_configs.iter_mut().find(|(k, _)| *k == key) {
                        Some(slot) => slot.1 = val,
                        None => self.cfg.module_configs.push((key, val)),
                    }
                }
                b"sentinel" => {
                    // A bare `sentinel` line (from `--sentinel`) only selects
                    // the mode, which from_args already did.
                    if argc != 1 {
                        if !self.cfg.sentinel_mode {
                            return Err(fail("sentinel directive while not in sentinel mode"));
                        }
                        self.cfg.sentinel_lines.push(SentinelLine {
                            args: argv[1..].to_vec(),
                            origin: origin(),
                        });
                    }
                }
                _ => return Err(fail("Bad directive or wrong number of arguments")),
            }
        }
        self.final_checks()
    }

    /// Sets one directive from configuration text.
    fn apply(&mut self, idx: usize, args: &[&[u8]]) -> Result<(), String> {
        let d = &directives::DIRECTIVES[idx];
        let mut ctx = directives::SetCtx {
            from_file: true,
            save_loaded: self.save_loaded,
            cwd: &self.cwd,
        };
        let current = self
            .cfg
            .values
            .get(idx)
            .ok_or_else(|| "internal error".to_string())?;
        let v = directives::parse_value(d, args, current, &mut ctx)?;
        self.save_loaded = ctx.save_loaded;
        if let Value::Dir(Some(dir)) = &v {
            self.cwd = PathBuf::from(dir);
        }
        if let Some(slot) = self.cfg.values.get_mut(idx) {
            *slot = v;
        }
        Ok(())
    }

    /// `include <path>`: load another file (or every file matching a
    /// wildcard pattern, silently nothing when none matches).
    fn include(&mut self, arg: &[u8], origin: &Origin) -> Result<(), ConfigError> {
        if self.sandbox {
            return Ok(());
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::at(
                origin,
                "Too many nested include directives",
            ));
        }
        let name = String::from_utf8_lossy(cstr(arg)).into_owned();
        let files: Vec<String> = if has_wildcards(&name) {
            glob_paths(&self.cwd, &name)
        } else {
            vec![name]
        };
        if files.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        for f in &files {
            let path = self.cwd.join(f);
            let data = std::fs::read(&path).map_err(|e| ConfigError::Open {
                path: f.clone(),
                reason: strerror(&e),
            })?;
            text.extend_from_slice(&data);
        }
        let file_lines = text.len() + 1;
        let file = (files.len() == 1).then(|| self.cwd.join(&files[0]));
        self.depth += 1;
        let r = self.load_text(&text, file.as_deref(), file_lines);
        self.depth -= 1;
        r
    }

    /// Checks Redis makes once the text is loaded.
    fn final_checks(&mut self) -> Result<(), ConfigError> {
        if self.sandbox {
            return self.cluster_check();
        }
        if let Some(Value::Str(Some(logfile))) = self.cfg.value("logfile") {
            let logfile = cstr(logfile);
            if !logfile.is_empty() {
                let path = self.cwd.join(String::from_utf8_lossy(logfile).as_ref());
                if let Err(e) = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                {
                    return Err(ConfigError::Global {
                        reason: format!("Can't open the log file: {}", strerror(&e)),
                    });
                }
            }
        }
        self.cluster_check()
    }

    fn cluster_check(&self) -> Result<(), ConfigError> {
        let cluster = matches!(self.cfg.value("cluster-enabled"), Some(Value::Bool(true)));
        let replica = matches!(self.cfg.value("replicaof"), Some(Value::ReplicaOf(Some(_))));
        if cluster && replica {
            return Err(ConfigError::Global {
                reason: "replicaof directive not allowed in cluster mode".to_string(),
            });
        }
        Ok(())
    }
}

/// Turns the options after the config file into configuration lines, like
/// `redis-server`'s `main()`: `--name` starts a line, the following words
/// are appended quoted with [`repr`]; `--save` and `--sentinel` without a
/// value are special-cased. Returns the text and whether `-` asked for
/// standard input.
pub(crate) fn build_options(args: &[String], start: usize) -> (Vec<u8>, bool) {
    let mut options: Vec<u8> = Vec::new();
    let mut stdin = false;
    let mut handled_last = true;
    let n = args.len();
    for j in start..n {
        let a = args[j].as_str();
        let next_is_option = j + 1 < n && args[j + 1].starts_with("--");
        if a == "-" && (j == 0 || j == n - 1) {
            stdin = true;
        } else if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(&a.as_bytes()[2..]);
            options.push(b' ');
            let words = split_args(a.as_bytes()).map(|w| w.len()).unwrap_or(0);
            if words == 1 {
                handled_last = false;
                if a.eq_ignore_ascii_case("--save") {
                    if next_is_option {
                        options.extend_from_slice(b"\"\"");
                        handled_last = true;
                    } else if j == n - 1 {
                        options.extend_from_slice(b"\"\"");
                    }
                } else if a.eq_ignore_ascii_case("--sentinel") && next_is_option {
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            options.extend_from_slice(repr(a.as_bytes()).as_bytes());
            options.push(b' ');
            handled_last = true;
        }
    }
    (options, stdin)
}

/// Loads a configuration from `redis-server`-style arguments (argv without
/// the program name) into `cfg`.
pub(crate) fn load_from_args(cfg: &mut Config, args: &[String]) -> Result<(), ConfigError> {
    if args.is_empty() {
        return Ok(());
    }
    let (file, start) = match args.first() {
        Some(a) if !a.starts_with('-') => (Some(a.as_str()), 1),
        _ => (None, 0),
    };
    let (options, from_stdin) = build_options(args, start);

    let mut text = Vec::new();
    let mut file_lines = 0;
    let mut abs_file = None;
    if let Some(f) = file {
        let abs = std::path::absolute(f).unwrap_or_else(|_| PathBuf::from(f));
        let data = std::fs::read(&abs).map_err(|e| ConfigError::Open {
            path: abs.to_string_lossy().into_owned(),
            reason: strerror(&e),
        })?;
        file_lines = data.iter().filter(|&&c| c == b'\n').count() + 1;
        text = data;
        abs_file = Some(abs);
    }
    if from_stdin {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| ConfigError::Open {
                path: "-".to_string(),
                reason: strerror(&e),
            })?;
        text.extend_from_slice(&buf);
    }
    text.push(b'\n');
    text.extend_from_slice(&options);

    cfg.config_file = abs_file.clone();
    let mut loader = Loader::new(cfg);
    loader.load_text(&text, abs_file.as_deref(), file_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(s: &str) -> Vec<String> {
        split_args(s.as_bytes())
            .expect("balanced")
            .into_iter()
            .map(|w| String::from_utf8_lossy(&w).into_owned())
            .collect()
    }

    #[test]
    fn splits_plain_words() {
        assert_eq!(words("  save 900   1\t"), vec!["save", "900", "1"]);
        assert!(words("").is_empty());
        assert!(words("   \t ").is_empty());
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(words(r#"a "b c" d"#), vec!["a", "b c", "d"]);
        assert_eq!(words(r#""\n\r\t\b\a\\\"""#), vec!["\n\r\t\u{8}\u{7}\\\""]);
        assert_eq!(
            split_args(br#""\x41\x7a\xff""#).unwrap(),
            vec![vec![b'A', b'z', 0xff]]
        );
        assert_eq!(words(r#""\xZZ""#), vec!["xZZ"]);
        assert_eq!(words(r#""\q""#), vec!["q"]);
        assert_eq!(words(r#"""#.repeat(2).as_str()), vec![""]);
        assert_eq!(
            words(r#"ab"c d"e"#.replace('e', "").as_str()),
            vec!["abc d"]
        );
    }

    #[test]
    fn single_quotes() {
        assert_eq!(words(r"'a b' 'it\'s' '\n'"), vec!["a b", "it's", "\\n"]);
        assert_eq!(words("''"), vec![""]);
    }

    #[test]
    fn unbalanced_quotes_are_errors() {
        for bad in [r#""abc"#, "'abc", r#""abc"def"#, "'a'b", r#""\""#] {
            assert_eq!(split_args(bad.as_bytes()), Err(UnbalancedQuotes), "{bad}");
        }
    }

    #[test]
    fn nul_ends_the_line() {
        assert_eq!(
            split_args(b"a b\0c d").unwrap(),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
        assert_eq!(split_args(b"\"a\0\""), Err(UnbalancedQuotes));
    }

    #[test]
    fn repr_quotes() {
        assert_eq!(repr(b"dump.rdb"), "\"dump.rdb\"");
        assert_eq!(repr(b"a\"b\\c\n\x01\x7f"), r#""a\"b\\c\n\x01\x7f""#);
    }

    #[test]
    fn trim_and_lines() {
        assert_eq!(trim(b" \t x y \r\n", b" \t\r\n"), b"x y");
        assert_eq!(trim(b"   ", b" "), b"");
        assert_eq!(split_lines(b""), Vec::<&[u8]>::new());
        assert_eq!(split_lines(b"a\nb\n"), vec![&b"a"[..], b"b", b""]);
    }

    #[test]
    fn memory_units() {
        assert_eq!(memtoull(b"1k"), Some(1000));
        assert_eq!(memtoull(b"1kb"), Some(1024));
        assert_eq!(memtoull(b"1KB"), Some(1024));
        assert_eq!(memtoull(b"1m"), Some(1_000_000));
        assert_eq!(memtoull(b"1mb"), Some(1 << 20));
        assert_eq!(memtoull(b"1g"), Some(1_000_000_000));
        assert_eq!(memtoull(b"1GB"), Some(1 << 30));
        assert_eq!(memtoull(b"12b"), Some(12));
        assert_eq!(memtoull(b"12"), Some(12));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"mb"), Some(0));
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"+1"), None);
        assert_eq!(memtoull(b" 1"), None);
        assert_eq!(memtoull(b"1 mb"), None);
        assert_eq!(memtoull(b"1t"), None);
        assert_eq!(memtoull(b"99999999999999999999999"), Some(u64::MAX));
        // Redis 7.0 lets the multiplication wrap.
        assert_eq!(memtoull(b"20000000000gb"), Some(3028092406290448384));
        assert_eq!(memtoull(&[b'1'; 130]), None);
    }

    #[test]
    fn strict_integers() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-12"), Some(-12));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b"9223372036854775808"[..],
            b"-0",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"",
            b"-",
            b"1a",
        ] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn c_strtoll_semantics() {
        assert_eq!(
            c_strtoll(b"  -42", 10),
            StrToLl {
                value: -42,
                complete: true,
                overflow: false
            }
        );
        assert_eq!(
            c_strtoll(b"+7x", 10),
            StrToLl {
                value: 7,
                complete: false,
                overflow: false
            }
        );
        assert_eq!(
            c_strtoll(b"", 10),
            StrToLl {
                value: 0,
                complete: true,
                overflow: false
            }
        );
        assert_eq!(
            c_strtoll(b"x", 10),
            StrToLl {
                value: 0,
                complete: false,
                overflow: false
            }
        );
        assert_eq!(c_strtoll(b"0755", 8).value, 0o755);
        assert!(!c_strtoll(b"8", 8).complete);
        let big = c_strtoll(b"99999999999999999999", 10);
        assert!(big.overflow && big.value == i64::MAX && big.complete);
        let small = c_strtoll(b"-99999999999999999999", 10);
        assert!(small.overflow && small.value == i64::MIN);
        assert_eq!(c_strtoll(b"-9223372036854775808", 10).value, i64::MIN);
    }

    #[test]
    fn floats() {
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b" 1"), None);
        assert_eq!(string2d(b"nan"), None);
        assert_eq!(string2d(b"1e999"), None);
        assert_eq!(string2d(b"1e-999"), None);
        assert_eq!(string2d(b"0.0"), Some(0.0));
        assert_eq!(string2d(b"abc"), None);
    }

    #[test]
    fn glob_matching() {
        assert!(stringmatch(b"*", b"anything", true));
        assert!(stringmatch(b"max*", b"maxmemory", true));
        assert!(stringmatch(b"MAX*", b"maxmemory", true));
        assert!(!stringmatch(b"MAX*", b"maxmemory", false));
        assert!(stringmatch(b"ma?memory", b"maxmemory", true));
        assert!(stringmatch(b"[a-m]axmemory", b"maxmemory", true));
        assert!(!stringmatch(b"[^m]axmemory", b"maxmemory", true));
        assert!(stringmatch(b"[^a]axmemory", b"maxmemory", true));
        assert!(stringmatch(b"[z-a]*", b"maxmemory", true));
        assert!(stringmatch(b"max\\*", b"max*", true));
        assert!(!stringmatch(b"max\\*", b"maxx", true));
        assert!(stringmatch(b"*memory", b"maxmemory", true));
        assert!(stringmatch(b"*e*o*", b"maxmemory", true));
        assert!(!stringmatch(b"*x", b"maxmemory", true));
        assert!(stringmatch(b"[abc", b"a", true)); // unterminated class, as Redis
        assert!(stringmatch(b"a**", b"a", true));
        assert!(!stringmatch(b"", b"a", true));
        assert!(stringmatch(b"", b"", true));
        assert!(!stringmatch(b"[", b"a", true));
        assert!(stringmatch(b"[\\]]", b"]", true));
        // Pathological patterns terminate quickly.
        let pat = b"*a*a*a*a*a*a*a*a*a*a*a*a*b".to_vec();
        assert!(!stringmatch(&pat, &[b'a'; 60], true));
    }

    #[test]
    fn options_are_built_like_redis_server() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (o, stdin) = build_options(
            &args(&["--port", "6380", "--save", "", "--requirepass", "a b"]),
            0,
        );
        assert_eq!(
            String::from_utf8_lossy(&o),
            "port \"6380\" \nsave \"\" \nrequirepass \"a b\" "
        );
        assert!(!stdin);
        let (o, _) = build_options(&args(&["--save", "--port", "1"]), 0);
        assert_eq!(String::from_utf8_lossy(&o), "save \"\"\nport \"1\" ");
        let (o, _) = build_options(&args(&["--port 7", "--save"]), 0);
        assert_eq!(String::from_utf8_lossy(&o), "port 7 \nsave \"\"");
        let (o, _) = build_options(&args(&["--requirepass", "--foo"]), 0);
        assert_eq!(String::from_utf8_lossy(&o), "requirepass \"--foo\" ");
        let (o, _) = build_options(&args(&["--sentinel", "--port", "1"]), 0);
        assert_eq!(String::from_utf8_lossy(&o), "sentinel \nport \"1\" ");
        let (_, stdin) = build_options(&args(&["x.conf", "-"]), 1);
        assert!(stdin);
    }

    proptest! {
        #[test]
        fn repr_round_trips(s in proptest::collection::vec(any::<u8>(), 0..64)) {
            let quoted = repr(&s);
            prop_assert_eq!(split_args(quoted.as_bytes()), Ok(vec![s]));
        }

        #[test]
        fn repr_round_trips_several_words(v in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..16), 0..6)) {
            let line = v.iter().map(|w| repr(w)).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(split_args(line.as_bytes()), Ok(v));
        }

        #[test]
        fn printable_strings_round_trip(s in "[ -~]{0,40}") {
            let quoted = repr(s.as_bytes());
            prop_assert_eq!(split_args(quoted.as_bytes()), Ok(vec![s.into_bytes()]));
        }

        #[test]
        fn split_args_never_panics(b in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = split_args(&b);
            let _ = memtoull(&b);
            let _ = string2ll(&b);
            let _ = c_strtoll(&b, 10);
            let _ = string2d(&b);
            let _ = stringmatch(&b, b"maxmemory-policy", true);
        }

        #[test]
        fn unquoted_words_split_on_blanks(v in proptest::collection::vec("[a-z0-9.-]{1,8}", 0..8)) {
            let line = v.join(" \t ");
            let expect: Vec<Vec<u8>> = v.iter().map(|s| s.as_bytes().to_vec()).collect();
            prop_assert_eq!(split_args(line.as_bytes()), Ok(expect));
        }
    }
}
