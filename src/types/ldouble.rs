//! The x87 80-bit "long double" that Redis' INCRBYFLOAT (and HINCRBYFLOAT)
//! computes with on x86-64, emulated exactly in software.
//!
//! Redis parses both operands with `strtold`, adds them in long double
//! precision (64-bit significand) and formats the sum with `%.17Lf`, trimming
//! trailing zeros. Doing the same in `f64` gives different digits
//! (`0.1 + 0.1 + 0.1` is `0.3` in Redis, `0.30000000000000004` in f64), so
//! this module implements the three steps bit for bit: correctly rounded
//! parsing (decimal and hexadecimal, as glibc), round-to-nearest-even
//! addition with subnormals, and exact decimal formatting with glibc's
//! round-half-even.

use std::cmp::Ordering;

/// Exponent of the least significant significand bit of the smallest
/// subnormal (2^-16445).
const MIN_EXP: i32 = -16445;
/// Exponent of the least significant significand bit of the largest finite
/// values (whose magnitude is below 2^16384).
const MAX_EXP: i32 = 16320;
/// Redis' `MAX_LONG_DOUBLE_CHARS`: longer strings are not valid floats.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// An 80-bit extended precision value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongDouble {
    /// `(-1)^neg * mant * 2^exp`; `mant` has its top bit set unless the
    /// value is zero or subnormal (then `exp` is the minimum).
    Finite {
        /// Sign.
        neg: bool,
        /// Significand with explicit integer bit.
        mant: u64,
        /// Binary exponent of the significand's last bit.
        exp: i32,
    },
    /// An infinity of the given sign (`true`: negative).
    Inf(bool),
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble::Finite {
        neg: false,
        mant: 0,
        exp: 0,
    };

    /// The exact value of `v` (a 64-bit significand holds any i64).
    pub fn from_i64(v: i64) -> LongDouble {
        round(v < 0, v.unsigned_abs() as u128, 0, false)
    }

    /// Whether the value is finite.
    pub fn is_finite(&self) -> bool {
        matches!(self, LongDouble::Finite { .. })
    }

    /// Parses as Redis' `string2ld`: `strtold` over the whole string, with
    /// no leading space, no trailing garbage, no NaN, and neither overflow
    /// to infinity nor underflow to zero. Infinities written out (`inf`) are
    /// accepted. A NUL byte anywhere makes the string invalid (strtold
    /// stops there, short of the whole length).
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        if s[0].is_ascii_whitespace() || s[0] == 0x0b {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some(LongDouble::Inf(neg));
        }
        let r = if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            parse_hex(neg, &body[2..])?
        } else {
            parse_dec(neg, body)?
        };
        match r {
            // Overflow (ERANGE with HUGE_VAL) is refused by Redis.
            LongDouble::Inf(_) => None,
            v => Some(v),
        }
    }

    /// The sum, correctly rounded; infinities propagate (and `inf + -inf`,
    /// NaN, is given as `None`).
    pub fn checked_add(self, other: LongDouble) -> Option<LongDouble> {
        use LongDouble::*;
        match (self, other) {
            (Inf(a), Inf(b)) => (a == b).then_some(Inf(a)),
            (Inf(a), _) | (_, Inf(a)) => Some(Inf(a)),
            (
                Finite {
                    neg: na,
                    mant: ma,
                    exp: ea,
                },
                Finite {
                    neg: nb,
                    mant: mb,
                    exp: eb,
                },
            ) => {
                if ma == 0 && mb == 0 {
                    return Some(Finite {
                        neg: na && nb,
                        mant: 0,
                        exp: 0,
                    });
                }
                if ma == 0 {
                    return Some(other);
                }
                if mb == 0 {
                    return Some(self);
                }
                // Operand with the larger exponent first.
                let ((na, ma, ea), (nb, mb, eb)) = if ea >= eb {
                    ((na, ma, ea), (nb, mb, eb))
                } else {
                    ((nb, mb, eb), (na, ma, ea))
                };
                let a = (ma as u128) << 62;
                let b = (mb as u128) << 62;
                let d = (ea - eb) as u32;
                let b = if d >= 127 {
                    1
                } else {
                    (b >> d) | ((b & ((1u128 << d) - 1)) != 0) as u128
                };
                let e = ea - 62;
                let (neg, m) = if na == nb {
                    (na, a + b)
                } else if a >= b {
                    (na, a - b)
                } else {
                    (nb, b - a)
                };
                if m == 0 {
                    return Some(LongDouble::ZERO);
                }
                Some(round(neg, m, e, false))
            }
        }
    }

    /// Formats as Redis' `ld2string(LD_STR_HUMAN)`: `%.17Lf` with trailing
    /// zeros (and a trailing point) removed, `-0` written `0`, infinities
    /// as `inf` / `-inf`.
    pub fn to_human_string(&self) -> String {
        let (neg, mant, exp) = match *self {
            LongDouble::Inf(neg) => return if neg { "-inf" } else { "inf" }.to_string(),
            LongDouble::Finite { neg, mant, exp } => (neg, mant, exp),
        };
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        if exp >= 0 {
            // An integer: %.17Lf's zeros after the point are all trimmed.
            let mut n = Big::from_u128(mant as u128);
            n.shl(exp as u32);
            out.push_str(&n.to_decimal());
        } else {
            // round(mant * 10^17 / 2^k), ties to even, as glibc.
            let k = (-exp) as u32;
            let n = mant as u128 * 100_000_000_000_000_000u128;
            let q = if k >= 128 {
                0
            } else {
                let q = n >> k;
                let rem = n & ((1u128 << k) - 1);
                let half = 1u128 << (k - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q + 1
                } else {
                    q
                }
            };
            let digits = format!("{:018}", q);
            let (int, frac) = digits.split_at(digits.len() - 17);
            out.push_str(int);
            let frac = frac.trim_end_matches('0');
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
        }
        if out == "-0" {
            out = "0".to_string();
        }
        out
    }
}

/// Rounds `(-1)^neg * (m + sticky) * 2^e` (sticky: a nonzero remainder
/// below `m`'s last bit) to a long double, ties to even, with subnormals
/// and overflow to infinity.
fn round(neg: bool, m: u128, e: i32, sticky: bool) -> LongDouble {
    let zero = LongDouble::Finite {
        neg,
        mant: 0,
        exp: 0,
    };
    if m == 0 {
        return zero;
    }
    let bits = 128 - m.leading_zeros() as i32;
    let mut shift = bits - 64;
    if e.saturating_add(shift) < MIN_EXP {
        shift = MIN_EXP - e;
    }
    let (q, mut exp) = if shift <= 0 {
        (m << (-shift) as u32, e + shift)
    } else if shift > 128 {
        // The whole value is below half of the last place.
        (0, e + shift)
    } else {
        let s = shift as u32;
        let (q, rem, half) = if s == 128 {
            (0, m, 1u128 << 127)
        } else {
            (m >> s, m & ((1u128 << s) - 1), 1u128 << (s - 1))
        };
        let up = match rem.cmp(&half) {
            Ordering::Greater => true,
            Ordering::Equal => sticky || q & 1 == 1,
            Ordering::Less => false,
        };
        (q + up as u128, e + shift)
    };
    let mant = if q >> 64 != 0 {
        // Rounded up to 2^64.
        exp += 1;
        (q >> 1) as u64
    } else {
        q as u64
    };
    if mant == 0 {
        return zero;
    }
    if exp > MAX_EXP {
        return LongDouble::Inf(neg);
    }
    LongDouble::Finite { neg, mant, exp }
}

/// Parses decimal digits `[digits][.digits][(e|E)[sign]digits]` with
/// nothing after.
fn parse_dec(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let mut i = 0;
    let mut digits: Vec<u8> = Vec::new();
    let mut frac_digits: i64 = 0;
    let mut seen = false;
    while i < s.len() && s[i].is_ascii_digit() {
        digits.push(s[i] - b'0');
        i += 1;
        seen = true;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            digits.push(s[i] - b'0');
            frac_digits += 1;
            i += 1;
            seen = true;
        }
    }
    if !seen {
        return None;
    }
    let mut exp10: i64 = 0;
    if i < s.len() && (s[i] | 0x20) == b'e' {
        let (e, n) = parse_exp(&s[i + 1..])?;
        exp10 = e;
        i += 1 + n;
    }
    if i != s.len() {
        return None;
    }
    // Drop leading zeros, then trailing zeros into the exponent.
    let first = digits.iter().position(|&d| d != 0);
    let Some(first) = first else {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    };
    let mut digits = &digits[first..];
    let mut exp10 = exp10 - frac_digits;
    while let Some((&0, rest)) = digits.split_last() {
        digits = rest;
        exp10 += 1;
    }
    let nd = digits.len() as i64;
    // value = D * 10^exp10, with 10^(nd-1+exp10) <= value < 10^(nd+exp10).
    if nd - 1 + exp10 > 4933 {
        return Some(LongDouble::Inf(neg));
    }
    if nd + exp10 <= -4952 {
        return None; // rounds to zero: ERANGE
    }
    let mut d = Big::from_decimal(digits);
    let r = if exp10 >= 0 {
        d.mul_pow10(exp10 as u32);
        let (m, e, sticky) = d.top128();
        round(neg, m, e, sticky)
    } else {
        let mut b = Big::from_u128(1);
        b.mul_pow10((-exp10) as u32);
        // q = floor(D * 2^s / B) with 2^66 <= q < 2^68.
        let s = b.bits() as i64 - d.bits() as i64 + 67;
        if s >= 0 {
            d.shl(s as u32);
        } else {
            b.shl((-s) as u32);
        }
        let (q, rem_nonzero) = d.div_small_quotient(&b, 68);
        round(neg, q, -(s as i32), rem_nonzero)
    };
    if let LongDouble::Finite { mant: 0, .. } = r {
        return None; // nonzero input rounded to zero: ERANGE
    }
    Some(r)
}

/// Parses hexadecimal digits (after `0x`) `[h][.h][(p|P)[sign]digits]`.
fn parse_hex(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let mut i = 0;
    let mut n = Big::from_u128(0);
    let mut frac: i64 = 0;
    let mut seen = false;
    let mut nonzero = false;
    let hex = |c: u8| (c as char).to_digit(16);
    while i < s.len() {
        let Some(h) = hex(s[i]) else { break };
        if nonzero || h != 0 {
            n.shl(4);
            n.add_small(h);
            nonzero = true;
        }
        seen = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() {
            let Some(h) = hex(s[i]) else { break };
            if nonzero || h != 0 {
                n.shl(4);
                n.add_small(h);
                nonzero = true;
            }
            frac += 1;
            seen = true;
            i += 1;
        }
    }
    if !seen {
        return None;
    }
    let mut exp2: i64 = 0;
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let (e, k) = parse_exp(&s[i + 1..])?;
        exp2 = e;
        i += 1 + k;
    }
    if i != s.len() {
        return None;
    }
    if !nonzero {
        return Some(LongDouble::Finite {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    let e = exp2 - 4 * frac;
    let bits = n.bits() as i64;
    if bits + e > 16400 {
        return Some(LongDouble::Inf(neg));
    }
    if bits + e < -16500 {
        return None;
    }
    let (m, e2, sticky) = n.top128();
    let r = round(neg, m, e2 + e as i32, sticky);
    if let LongDouble::Finite { mant: 0, .. } = r {
        return None;
    }
    Some(r)
}

/// An exponent `[sign]digits` at the start of `s`: (value saturated to
/// about ±10^9, bytes used). `None` if there are no digits (then strtold
/// stops before the `e`, which leaves garbage: refused).
fn parse_exp(s: &[u8]) -> Option<(i64, usize)> {
    let (neg, start) = match s.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let mut i = start;
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + (s[i] - b'0') as i64).min(1_000_000_000);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, i))
}

/// A minimal unsigned big integer (little-endian 32-bit limbs).
#[derive(Debug, Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(v: u128) -> Big {
        let mut b = Big(vec![
            v as u32,
            (v >> 32) as u32,
            (v >> 64) as u32,
            (v >> 96) as u32,
        ]);
        b.trim();
        b
    }

    fn from_decimal(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let mut v = 0u32;
            for &d in chunk {
                v = v * 10 + d as u32;
            }
            b.mul_small(10u32.pow(chunk.len() as u32));
            b.add_small(v);
        }
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() as u64 * 32 - top.leading_zeros() as u64,
        }
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in self.0.iter_mut() {
            let v = *l as u64 * m as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            if carry == 0 {
                break;
            }
            let v = *l as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut k: u32) {
        while k >= 9 {
            self.mul_small(1_000_000_000);
            k -= 9;
        }
        if k > 0 {
            self.mul_small(10u32.pow(k));
        }
    }

    fn shl(&mut self, n: u32) {
        if self.0.is_empty() {
            return;
        }
        let limbs = (n / 32) as usize;
        let bits = n % 32;
        if bits > 0 {
            let mut carry = 0u32;
            for l in self.0.iter_mut() {
                let v = *l;
                *l = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if limbs > 0 {
            self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        }
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for l in self.0.iter_mut().rev() {
            let v = *l;
            *l = (v >> 1) | (carry << 31);
            carry = v & 1;
        }
        self.trim();
    }

    /// The top (up to) 128 bits as (m, e, sticky): self = (m + frac) * 2^e
    /// with `sticky` telling whether the dropped bits were nonzero.
    fn top128(&self) -> (u128, i32, bool) {
        let bits = self.bits();
        if bits <= 128 {
            let mut m = 0u128;
            for (i, &l) in self.0.iter().enumerate() {
                m |= (l as u128) << (32 * i);
            }
            return (m, 0, false);
        }
        let drop = bits - 128;
        let mut m = 0u128;
        for i in 0..128u64 {
            if self.bit(drop + i) {
                m |= 1u128 << i;
            }
        }
        let sticky = (0..drop).any(|i| self.bit(i));
        (m, drop as i32, sticky)
    }

    fn bit(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        limb < self.0.len() && (self.0[limb] >> (i % 32)) & 1 == 1
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn sub_assign(&mut self, o: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            if v < 0 {
                self.0[i] = (v + (1i64 << 32)) as u32;
                borrow = 1;
            } else {
                self.0[i] = v as u32;
                borrow = 0;
            }
        }
        self.trim();
    }

    /// `floor(self / d)` when it is below 2^`qbits`, and whether the
    /// remainder is nonzero. Consumes `self` into the remainder.
    fn div_small_quotient(&mut self, d: &Big, qbits: u32) -> (u128, bool) {
        let mut q = 0u128;
        let mut t = d.clone();
        t.shl(qbits - 1);
        for i in (0..qbits).rev() {
            if self.cmp(&t) != Ordering::Less {
                self.sub_assign(&t);
                q |= 1u128 << i;
            }
            t.shr1();
        }
        (q, !self.0.is_empty())
    }

    fn to_decimal(&self) -> String {
        if self.0.is_empty() {
            return "0".to_string();
        }
        let mut n = self.0.clone();
        let mut chunks: Vec<u32> = Vec::new();
        while !n.is_empty() {
            let mut rem = 0u64;
            for l in n.iter_mut().rev() {
                let v = (rem << 32) | *l as u64;
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while n.last() == Some(&0) {
                n.pop();
            }
        }
        let mut s = chunks.last().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{:09}", c));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> LongDouble {
        LongDouble::parse(s.as_bytes()).unwrap()
    }

    fn sum(a: &str, b: &str) -> String {
        p(a).checked_add(p(b)).unwrap().to_human_string()
    }

    // Expected strings are redis-server 7.0.15's INCRBYFLOAT replies.
    #[test]
    fn like_redis() {
        assert_eq!(sum("0", "0.1"), "0.1");
        assert_eq!(sum("0.1", "0.1"), "0.2");
        assert_eq!(sum("0.2", "0.1"), "0.3");
        assert_eq!(sum("0", "5.0e3"), "5000");
        assert_eq!(sum("10", "0.5"), "10.5");
        assert_eq!(sum("10.5", "1.5"), "12");
        assert_eq!(sum("10.5", "-10.5"), "0");
        assert_eq!(sum("0", "0x10"), "16");
        assert_eq!(sum("16", "0x1p-2"), "16.25");
        assert_eq!(sum("3.0000000000000000000001", "0"), "3");
        assert_eq!(sum("0", "1e-18"), "0");
        assert_eq!(sum("0", "-1e-17"), "-0.00000000000000001");
        assert_eq!(
            sum("-0.00000000000000001", "1.23456789012345678901234567890"),
            "1.23456789012345678"
        );
        assert_eq!(sum("0", "12345678901234567890"), "12345678901234567890");
        assert_eq!(sum("0", "0.0000000000000000049"), "0");
        assert_eq!(sum("0", "0.0000000000000000051"), "0.00000000000000001");
        assert_eq!(sum("0", "1.5e-17"), "0.00000000000000002");
        assert_eq!(sum("0", "2.5e-17"), "0.00000000000000002");
        assert_eq!(sum("0", "3.814697265625e-06"), "0.00000381469726562");
        assert_eq!(sum("0", "1.000000000000000000000000000000000001"), "1");
        assert_eq!(sum("0", "+.5"), "0.5");
        assert_eq!(sum("0.5", "5."), "5.5");
        assert_eq!(sum("5.5", "-0"), "5.5");
        assert_eq!(sum("9223372036854775807", "0.5"), "9223372036854775807.5");
        assert_eq!(
            LongDouble::from_i64(i64::MAX)
                .checked_add(p("1"))
                .unwrap()
                .to_human_string(),
            "9223372036854775808"
        );
        assert_eq!(sum("0", "1e-4940"), "0");
        assert_eq!(sum("0", "1e-4950"), "0");
        assert_eq!(sum("100", "1E-2"), "100.01");
        assert_eq!(sum("100.01", "0.1e1"), "101.01");
        assert_eq!(sum("0", "0.3333333333333333333333"), "0.33333333333333333");
        assert_eq!(
            sum("0.33333333333333333", "0.3333333333333333333333"),
            "0.66666666666666666"
        );
        assert_eq!(
            sum("0.66666666666666666", "0.3333333333333333333333"),
            "0.99999999999999999"
        );
        assert_eq!(sum("-0.1", "-0.1"), "-0.2");
        assert_eq!(sum("-0.2", "-0.1"), "-0.3");
        assert_eq!(sum("1e20", "0.1"), "100000000000000000000");
        assert_eq!(sum("123.456", "-0.456"), "123");
        assert_eq!(
            sum("1.7976931348623157e308", "1.7976931348623157e308"),
            "359538626972463139991842093548208868096772893888658356970628841530353257046248792709403737216774171128857586838851041378617416726902272110715794556052955234146997955372576789671236326588091188869859074894581254961338834769297758245552436667197907705664206565009503223382416235440319971852753604933726679072768"
        );
        let big = sum("0", "1e4000");
        assert_eq!(big.len(), 4000);
        assert!(big.starts_with("999999999999999999996546387309962378493249258350695763130150833304326194330634235548182164186550927986276445207312367354021760221736759234417212588195052799996142858243435475450187095821429074130114301467044502626084944345627533374234082255914622044077450269914711681830777556677357120649203631296339736876182607953816161203672468102798041894507185733380201957318437640797473774210058296343958"));
        assert_eq!(sum(&big, "1e900"), big);
        let m = sum("0", "1.18e4932");
        assert_eq!(m.len(), 4933);
        assert!(m.starts_with("118000000000000000000065281291809369920269043714016047172983124006183652772844699601208149626612279276676952619739183447038597344683590329800799116216991296694748343264723457720062012381800562060321625768307226675521178307389389889284112733879617530537405409132168754615668215506907357517144500733188644988397260567027911200189470622347927310338818710925241147506732118617165049001497328178631"));
        let m = p("-1.18e4932");
        assert_eq!(m.checked_add(p("-1e4932")), Some(LongDouble::Inf(true)));
    }

    #[test]
    fn parse_refusals() {
        for s in [
            "",
            "nan",
            "NaN",
            "abc",
            " 1",
            "1 ",
            "1e",
            ".",
            "0x",
            "1e5000",
            "1e-5000",
            "1e-4960",
            "1.19e4932",
            "infin",
            "1e+",
            "0x1p",
            "--1",
            "+-1",
        ] {
            assert_eq!(LongDouble::parse(s.as_bytes()), None, "{s:?}");
        }
        assert_eq!(p("inf"), LongDouble::Inf(false));
        assert_eq!(p("-Infinity"), LongDouble::Inf(true));
        assert_eq!(p("0e99999999999"), LongDouble::ZERO);
        assert_eq!(LongDouble::parse(b"1\0"), None);
        assert_eq!(LongDouble::parse(b"\0"), None);
        assert_eq!(LongDouble::parse(&[b'1'; 5120]), None);
    }

    #[test]
    fn add_rounds_to_even() {
        // 2^64 + 1 is not representable: ties to even gives 2^64.
        assert_eq!(sum("18446744073709551616", "1"), "18446744073709551616");
        assert_eq!(sum("18446744073709551616", "3"), "18446744073709551620");
        assert_eq!(sum("18446744073709551615", "1"), "18446744073709551616");
        // Subnormals add exactly.
        let tiny = p("0x1p-16445");
        let two = tiny.checked_add(tiny).unwrap();
        assert_eq!(two, p("0x1p-16444"));
        assert_eq!(p("-0").checked_add(p("-0")).unwrap().to_human_string(), "0");
    }
}
