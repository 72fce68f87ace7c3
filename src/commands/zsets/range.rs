//! Score and lexicographic range arguments (`(1.5`, `-inf`, `[abc`, `+`),
//! parsed as Redis does, and turned into rank ranges of a sorted set.

use crate::commands::args::parse_f64;
use crate::types::ZSet;

/// `ERR min or max is not a float`.
pub const NOT_FLOAT_RANGE: &str = "ERR min or max is not a float";
/// `ERR min or max not valid string range item`.
pub const NOT_LEX_RANGE: &str = "ERR min or max not valid string range item";

/// A score interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower end.
    pub min: f64,
    /// Whether `min` itself is excluded.
    pub minex: bool,
    /// Upper end.
    pub max: f64,
    /// Whether `max` itself is excluded.
    pub maxex: bool,
}

/// One end of a string interval.
#[derive(Debug, Clone, PartialEq)]
pub enum LexBound<'a> {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[x`: `x` included.
    Incl(&'a [u8]),
    /// `(x`: `x` excluded.
    Excl(&'a [u8]),
}

/// A string interval.
#[derive(Debug, Clone, PartialEq)]
pub struct LexRange<'a> {
    /// Lower end.
    pub min: LexBound<'a>,
    /// Upper end.
    pub max: LexBound<'a>,
}

/// A number the way C's `strtod` reads a range end: leading white space
/// allowed, nothing after the number, NaN refused; the empty string reads 0.
fn range_number(s: &[u8]) -> Option<f64> {
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    parse_f64(&s[start..])
}

fn score_end(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.first() {
        Some(b'(') => range_number(&arg[1..]).map(|v| (v, true)),
        _ => range_number(arg).map(|v| (v, false)),
    }
}

impl ScoreRange {
    /// Parses `min` and `max` (`ERR min or max is not a float`).
    pub fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, &'static str> {
        let (min, minex) = score_end(min).ok_or(NOT_FLOAT_RANGE)?;
        let (max, maxex) = score_end(max).ok_or(NOT_FLOAT_RANGE)?;
        Ok(ScoreRange {
            min,
            minex,
            max,
            maxex,
        })
    }

    /// Whether `s` is above the lower end... i.e. not below it.
    pub fn below_min(&self, s: f64) -> bool {
        if self.minex {
            s <= self.min
        } else {
            s < self.min
        }
    }

    /// Whether `s` is not past the upper end.
    pub fn within_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }

    /// Whether `s` is in the interval.
    pub fn contains(&self, s: f64) -> bool {
        !self.below_min(s) && self.within_max(s)
    }

    /// Whether no score can be in the interval.
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }

    /// The ranks `start..end` of `z`'s members in the interval.
    pub fn ranks(&self, z: &ZSet) -> (usize, usize) {
        if self.is_empty() {
            return (0, 0);
        }
        let start = z.partition_point(|_, s| self.below_min(s));
        let end = z.partition_point(|_, s| self.within_max(s));
        (start, end.max(start))
    }
}

fn lex_end(arg: &[u8]) -> Option<LexBound<'_>> {
    match arg {
        b"+" => Some(LexBound::Max),
        b"-" => Some(LexBound::Min),
        [b'(', rest @ ..] => Some(LexBound::Excl(rest)),
        [b'[', rest @ ..] => Some(LexBound::Incl(rest)),
        _ => None,
    }
}

impl<'a> LexRange<'a> {
    /// Parses `min` and `max` (`ERR min or max not valid string range item`).
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, &'static str> {
        Ok(LexRange {
            min: lex_end(min).ok_or(NOT_LEX_RANGE)?,
            max: lex_end(max).ok_or(NOT_LEX_RANGE)?,
        })
    }

    /// Whether `m` sorts before the lower end.
    pub fn below_min(&self, m: &[u8]) -> bool {
        match self.min {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Incl(x) => m < x,
            LexBound::Excl(x) => m <= x,
        }
    }

    /// Whether `m` is not past the upper end.
    pub fn within_max(&self, m: &[u8]) -> bool {
        match self.max {
            LexBound::Max => true,
            LexBound::Min => false,
            LexBound::Incl(x) => m <= x,
            LexBound::Excl(x) => m < x,
        }
    }

    /// Whether `m` is in the interval.
    pub fn contains(&self, m: &[u8]) -> bool {
        !self.below_min(m) && self.within_max(m)
    }

    /// Whether no string can be in the interval (as Redis checks it).
    pub fn is_empty(&self) -> bool {
        use LexBound::*;
        match (&self.min, &self.max) {
            (Max, _) | (_, Min) => true,
            (Min, _) | (_, Max) => false,
            (Incl(a), Incl(b)) => a > b,
            (Incl(a), Excl(b)) | (Excl(a), Incl(b)) | (Excl(a), Excl(b)) => a >= b,
        }
    }

    /// The ranks `start..end` of `z`'s members in the interval (members
    /// are assumed to share one score, as the commands require; a listpack
    /// is walked as Redis walks it, see [`LexRange::walk_listpack`]).
    pub fn ranks(&self, z: &ZSet) -> (usize, usize) {
        if self.is_empty() {
            return (0, 0);
        }
        if z.encoding() == "listpack" {
            return self.walk_listpack(z, false, 0, None);
        }
        let start = z.partition_point(|m, _| self.below_min(m));
        let end = z.partition_point(|m, _| self.within_max(m));
        (start, end.max(start))
    }
}

impl LexRange<'_> {
    /// The ranks `start..end` a lex range with `LIMIT offset limit`
    /// selects in a listpack, found by the linear walk Redis makes there,
    /// which gives the same answer as a search when the members share a
    /// score and a well-defined one otherwise: nothing when the last member
    /// is below the lower end or the first past the upper end; else from
    /// the first member not below the lower end (the last one not past the
    /// upper end for `rev`), which must itself be in the range, skip
    /// `offset` members unchecked, then take members while they stay on the
    /// inner side of the other end, at most `limit`.
    pub fn walk_listpack(
        &self,
        z: &ZSet,
        rev: bool,
        offset: usize,
        limit: Option<usize>,
    ) -> (usize, usize) {
        let len = z.len();
        if self.is_empty() || len == 0 {
            return (0, 0);
        }
        let (Some((first, _)), Some((last, _))) = (z.get(0), z.get(len - 1)) else {
            return (0, 0);
        };
        if self.below_min(last) || !self.within_max(first) {
            return (0, 0);
        }
        // Ranks counted from the walk's start (from the end for `rev`).
        let mut anchor = None;
        let mut n = 0usize;
        z.walk(0, len, rev, |m, _| {
            let found = if rev {
                self.within_max(m)
            } else {
                !self.below_min(m)
            };
            if found {
                anchor = Some((
                    n,
                    if rev {
                        !self.below_min(m)
                    } else {
                        self.within_max(m)
                    },
                ));
                return false;
            }
            n += 1;
            true
        });
        let Some((at, true)) = anchor else {
            return (0, 0);
        };
        let from = at.saturating_add(offset).min(len);
        let mut taken = 0usize;
        let (ws, we) = if rev { (0, len - from) } else { (from, len) };
        z.walk(ws, we, rev, |m, _| {
            if limit.is_some_and(|l| taken >= l) {
                return false;
            }
            let inside = if rev {
                !self.below_min(m)
            } else {
                self.within_max(m)
            };
            if inside {
                taken += 1;
            }
            inside
        });
        if rev {
            (len - from - taken, len - from)
        } else {
            (from, from + taken)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ranges() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert_eq!(
            (r.min, r.minex, r.max, r.maxex),
            (1.0, true, f64::INFINITY, false)
        );
        assert!(!r.contains(1.0) && r.contains(1.5));
        let r = ScoreRange::parse(b"-inf", b"(2.5").unwrap();
        assert!(r.contains(-1e300) && !r.contains(2.5) && r.contains(2.4));
        assert_eq!(ScoreRange::parse(b"", b"(").unwrap().min, 0.0);
        assert_eq!(ScoreRange::parse(b" 3", b"4").unwrap().min, 3.0);
        for bad in [&b"nan"[..], b"(nan", b"1x", b"((1", b"3 ", b"abc", b" "] {
            assert_eq!(ScoreRange::parse(bad, b"1"), Err(NOT_FLOAT_RANGE));
            assert_eq!(ScoreRange::parse(b"1", bad), Err(NOT_FLOAT_RANGE));
        }
        assert!(ScoreRange::parse(b"(1", b"1").unwrap().is_empty());
        assert!(ScoreRange::parse(b"2", b"1").unwrap().is_empty());
        assert!(!ScoreRange::parse(b"1", b"1").unwrap().is_empty());
    }

    #[test]
    fn lex_ranges() {
        let r = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(!r.contains(b"a") && r.contains(b"b") && r.contains(b"c") && !r.contains(b"d"));
        let r = LexRange::parse(b"-", b"+").unwrap();
        assert!(r.contains(b"") && r.contains(b"\xff"));
        assert!(LexRange::parse(b"+", b"-").unwrap().is_empty());
        assert!(LexRange::parse(b"(a", b"[a").unwrap().is_empty());
        assert!(!LexRange::parse(b"[a", b"[a").unwrap().is_empty());
        for bad in [&b"a"[..], b"", b"++", b"-a"] {
            assert_eq!(LexRange::parse(bad, b"+"), Err(NOT_LEX_RANGE));
            assert_eq!(LexRange::parse(b"-", bad), Err(NOT_LEX_RANGE));
        }
        let r = LexRange::parse(b"(", b"[").unwrap();
        assert!(r.is_empty());
    }
}
