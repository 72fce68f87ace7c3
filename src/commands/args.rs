//! Argument parsing helpers with Redis' error texts.

use crate::error;

/// Parses a 64-bit integer argument (`ERR value is not an integer or out of range`).
pub fn int(arg: &[u8]) -> Result<i64, &'static str> {
    crate::protocol::parse::parse_i64(arg).ok_or(error::NOT_INTEGER)
}

/// Parses a double as Redis' `getDoubleFromObject` (`strtod` over the
/// whole argument: no leading white space or trailing garbage, NaN
/// refused, `inf`/`-inf` and hexadecimal floats accepted, and a finite
/// number that overflows to infinity or underflows to zero refused as
/// `strtod`'s ERANGE is).
pub fn float(arg: &[u8]) -> Result<f64, &'static str> {
    strict_f64(arg).ok_or(error::NOT_FLOAT)
}

/// [`float`] without the error text.
pub fn strict_f64(arg: &[u8]) -> Option<f64> {
    let v = parse_f64(arg)?;
    if (v.is_infinite() && !is_inf_literal(arg)) || (v == 0.0 && mantissa_nonzero(arg)) {
        return None;
    }
    Some(v)
}

/// Parses a double like `strtod` over the whole argument (no leading white
/// space or trailing garbage, NaN refused, hexadecimal floats accepted);
/// out-of-range numbers read as infinity or zero, as a long double parse
/// followed by a conversion would give (blocking timeouts).
pub fn parse_f64(arg: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(arg).ok()?;
    if s.is_empty()
        || s.starts_with(|c: char| c.is_ascii_whitespace())
        || s.ends_with(|c: char| c.is_ascii_whitespace())
    {
        return None;
    }
    let (neg, body) = split_sign(arg);
    let v = if is_inf_literal(arg) {
        if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    } else if body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        let v = parse_hex_float(&body[2..])?;
        if neg {
            -v
        } else {
            v
        }
    } else if body
        .first()
        .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
    {
        s.parse::<f64>().ok()?
    } else {
        return None;
    };
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

fn split_sign(arg: &[u8]) -> (bool, &[u8]) {
    match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    }
}

/// Whether the argument spells infinity (`inf`, `-Infinity`, ...).
fn is_inf_literal(arg: &[u8]) -> bool {
    let body = split_sign(arg).1;
    body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity")
}

/// Whether a number's digits (before its exponent) are not all zero.
fn mantissa_nonzero(arg: &[u8]) -> bool {
    let body = split_sign(arg).1;
    if body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        body[2..]
            .iter()
            .take_while(|c| (**c | 0x20) != b'p')
            .any(|c| c.is_ascii_hexdigit() && *c != b'0')
    } else {
        body.iter()
            .take_while(|c| (**c | 0x20) != b'e')
            .any(|c| matches!(c, b'1'..=b'9'))
    }
}

/// Parses the part of a C hexadecimal float after `0x`: hex digits with an
/// optional point, then an optional binary exponent `p[+-]digits`; rounds
/// to nearest.
fn parse_hex_float(t: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut digits = 0usize;
    let mut seen_point = false;
    let mut i = 0;
    while let Some(&c) = t.get(i) {
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            digits += 1;
            if mant < (1 << 60) {
                mant = mant * 16 + u64::from(d);
                if seen_point {
                    exp2 -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_point {
                    exp2 += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(&c) = t.get(i) {
        if (c | 0x20) != b'p' {
            return None;
        }
        let (eneg, edigits) = split_sign(&t[i + 1..]);
        if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut e: i64 = 0;
        for d in edigits {
            e = (e * 10 + i64::from(d - b'0')).min(1 << 20);
        }
        exp2 += if eneg { -e } else { e };
    }
    if mant == 0 {
        return Some(0.0);
    }
    // The lowest bit stands for the dropped digits, below the rounding
    // position once the mantissa holds more than 53 bits.
    if sticky {
        mant |= 1;
    }
    let mut v = mant as f64;
    let mut e = exp2;
    while e > 1000 {
        v *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        v *= 2f64.powi(-1000);
        e += 1000;
    }
    Some(v * 2f64.powi(e as i32))
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
        assert_eq!(parse_f64(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b"-0X1.8p1"), Some(-3.0));
        assert_eq!(parse_f64(b"0x1p-2"), Some(0.25));
        assert_eq!(parse_f64(b"0x"), None);
        assert_eq!(parse_f64(b"0x1p"), None);
        assert_eq!(parse_f64(b"+.5"), Some(0.5));
        assert_eq!(parse_f64(b"e5"), None);
        assert_eq!(float(b"1e400"), Err(crate::error::NOT_FLOAT));
        assert_eq!(float(b"-1e400"), Err(crate::error::NOT_FLOAT));
        assert_eq!(float(b"1e-400"), Err(crate::error::NOT_FLOAT));
        assert_eq!(float(b"0e-400"), Ok(0.0));
        assert_eq!(float(b"0x1p5000"), Err(crate::error::NOT_FLOAT));
        assert_eq!(float(b"4e-320"), Ok(4e-320));
        assert_eq!(float(b"-Infinity"), Ok(f64::NEG_INFINITY));
        assert_eq!(float(b"1e308"), Ok(1e308));
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
