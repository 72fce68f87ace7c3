//! Argument parsing helpers with Redis' error texts.

use crate::error;

/// Parses a 64-bit integer argument (`ERR value is not an integer or out of range`).
pub fn int(arg: &[u8]) -> Result<i64, &'static str> {
    crate::protocol::parse::parse_i64(arg).ok_or(error::NOT_INTEGER)
}

/// Parses a double as Redis' `getDoubleFromObject` (`strtod`, rejecting NaN
/// and trailing garbage; `inf`/`-inf` accepted).
pub fn float(arg: &[u8]) -> Result<f64, &'static str> {
    parse_f64(arg).ok_or(error::NOT_FLOAT)
}

/// Like [`float`] but with the "long double" error INCRBYFLOAT gives.
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty()
        || s.starts_with(|c: char| c.is_ascii_whitespace())
        || s.ends_with(|c: char| c.is_ascii_whitespace())
    {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let v = match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => {
            if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        t if t.starts_with("nan") => return None,
        t if t.starts_with("0x") => return None,
        _ => s.parse::<f64>().ok()?,
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// Most elements a random-pick reply with repetitions may hold (a negative
/// count for SRANDMEMBER, HRANDFIELD and ZRANDMEMBER). Redis produces any
/// length asked for, so `SRANDMEMBER key -9223372036854775807` never ends
/// and grows its memory without bound; replies here are built before they
/// are written, so the count is capped and larger ones fail with
/// [`RANDOM_REPEATS_ERR`].
pub const MAX_RANDOM_REPEATS: u64 = 1 << 24;

/// The error of a negative random-pick count past [`MAX_RANDOM_REPEATS`].
pub const RANDOM_REPEATS_ERR: &str = "ERR value is out of range";

/// Case-insensitive comparison of an argument with an option name.
#[inline]
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

/// Redis' glob matcher (`stringmatchlen`): `*`, `?`, `[a-z]`, `[^x]`, `\x`.
///
/// Every token but `*` matches exactly one byte, so a single backtrack
/// point (the last `*` seen) is enough: the match runs in O(pattern x
/// string) time, whatever the pattern (no exponential blow-up on patterns
/// like `*a*a*a*a*b`).
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pattern.len() && pattern[pi] == b'*' {
            while pi < pattern.len() && pattern[pi] == b'*' {
                pi += 1;
            }
            if pi == pattern.len() {
                return true;
            }
            star = Some((pi, si));
            continue;
        }
        if pi < pattern.len() {
            if let Some(next) = match_one(pattern, pi, s[si], nocase) {
                pi = next;
                si += 1;
                continue;
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < pattern.len() && pattern[pi] == b'*' {
        pi += 1;
    }
    pi == pattern.len()
}

/// Whether the one-byte token at `pattern[pi]` matches `c`; returns the
/// index after the token when it does.
fn match_one(p: &[u8], pi: usize, c: u8, nocase: bool) -> Option<usize> {
    let eq = |a: u8, b: u8| {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    match p[pi] {
        b'?' => Some(pi + 1),
        b'\\' if pi + 1 < p.len() => eq(p[pi + 1], c).then_some(pi + 2),
        b'[' => {
            let mut i = pi + 1;
            let not = i < p.len() && p[i] == b'^';
            if not {
                i += 1;
            }
            let mut matched = false;
            loop {
                if i >= p.len() {
                    // Unterminated class: it ends with the pattern.
                    break;
                }
                if p[i] == b'\\' && i + 1 < p.len() {
                    i += 1;
                    if eq(p[i], c) {
                        matched = true;
                    }
                } else if p[i] == b']' {
                    break;
                } else if i + 2 < p.len() && p[i + 1] == b'-' {
                    let (mut a, mut b) = (p[i], p[i + 2]);
                    if a > b {
                        std::mem::swap(&mut a, &mut b);
                    }
                    let (x, a, b) = if nocase {
                        (
                            c.to_ascii_lowercase(),
                            a.to_ascii_lowercase(),
                            b.to_ascii_lowercase(),
                        )
                    } else {
                        (c, a, b)
                    };
                    if x >= a && x <= b {
                        matched = true;
                    }
                    i += 2;
                } else if eq(p[i], c) {
                    matched = true;
                }
                i += 1;
            }
            let next = if i < p.len() { i + 1 } else { p.len() };
            (matched != not).then_some(next)
        }
        lit => eq(lit, c).then_some(pi + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(!glob_match(b"a*b", b"acd", false));
        assert!(glob_match(b"KEY*", b"key1", true));
        assert!(glob_match(b"*a*b", b"xxaxxb", false));
        assert!(!glob_match(b"*a*b", b"xxaxxbc", false));
        assert!(glob_match(b"a*", b"a", false));
        assert!(glob_match(b"", b"", false));
        assert!(!glob_match(b"", b"a", false));
        assert!(glob_match(b"a\\", b"a\\", false));
    }

    #[test]
    fn glob_is_not_exponential() {
        let s = vec![b'a'; 200];
        let start = std::time::Instant::now();
        assert!(!glob_match(b"*a*a*a*a*a*a*a*a*a*a*a*b", &s, false));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
    }

    /// The straightforward recursive matcher (exponential in the worst
    /// case), as the reference for the iterative one.
    fn reference(p: &[u8], s: &[u8]) -> bool {
        if p.is_empty() {
            return s.is_empty();
        }
        if p[0] == b'*' {
            return (0..=s.len()).any(|i| reference(&p[1..], &s[i..]));
        }
        if s.is_empty() {
            return false;
        }
        match match_one(p, 0, s[0], false) {
            Some(next) => reference(&p[next..], &s[1..]),
            None => false,
        }
    }

    proptest::proptest! {
        #[test]
        fn glob_matches_reference(
            p in proptest::collection::vec(proptest::sample::select(vec![b'a', b'b', b'*', b'?', b'[', b']', b'^', b'-', b'\\']), 0..10),
            s in proptest::collection::vec(proptest::sample::select(vec![b'a', b'b', b'c', b'-', b']']), 0..10),
        ) {
            proptest::prop_assert_eq!(glob_match(&p, &s, false), reference(&p, &s));
        }
    }
}
