use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// A model sorted set: the ordered (score, member) pairs.
#[derive(Default)]
struct Model {
    set: BTreeSet<(Score, Vec<u8>)>,
}

#[derive(Clone, Copy, PartialEq, Debug)]
struct Score(f64);
impl PartialOrd for Score {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Eq for Score {}
impl Ord for Score {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0
            .partial_cmp(&o.0)
            .unwrap_or(std::cmp::Ordering::Equal)
    }
}

impl Model {
    fn score(&self, m: &[u8]) -> Option<f64> {
        self.set.iter().find(|(_, x)| x == m).map(|(s, _)| s.0)
    }
    fn insert(&mut self, m: &[u8], s: f64) {
        self.remove(m);
        self.set.insert((Score(s), m.to_vec()));
    }
    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let s = self.score(m)?;
        self.set.remove(&(Score(s), m.to_vec()));
        Some(s)
    }
    fn items(&self) -> Vec<(Vec<u8>, f64)> {
        self.set.iter().map(|(s, m)| (m.clone(), s.0)).collect()
    }
}

fn items(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
    let mut v = Vec::new();
    z.for_each(|m, s| v.push((m.to_vec(), s)));
    v
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u16, i8),
    Remove(u16),
    PopMin,
    PopMax,
    RemoveRanks(u16, u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u16..600, any::<i8>()).prop_map(|(m, s)| Op::Insert(m, s)),
        2 => (0u16..600).prop_map(Op::Remove),
        1 => Just(Op::PopMin),
        1 => Just(Op::PopMax),
        1 => (0u16..700, 0u16..40).prop_map(|(a, n)| Op::RemoveRanks(a, n)),
    ]
}

fn member(i: u16, modn: u16) -> Vec<u8> {
    format!("m{}", i % modn).into_bytes()
}

fn check(z: &ZSet, model: &Model) {
    let want = model.items();
    assert_eq!(z.len(), want.len());
    assert_eq!(items(z), want);
    for (r, (m, s)) in want.iter().enumerate().step_by(7) {
        assert_eq!(z.rank(m), Some((r, *s)));
        assert_eq!(
            z.get(r).map(|(a, b)| (a.to_vec(), b)),
            Some((m.clone(), *s))
        );
        assert_eq!(z.score(m), Some(*s));
    }
    // Score range positions.
    for t in [-200.0, -5.0, 0.0, 3.0, 128.0] {
        let want_lo = want.iter().filter(|(_, s)| *s < t).count();
        assert_eq!(z.partition_point(|_, s| s < t), want_lo);
    }
    // Reverse walks of a middle range.
    if want.len() > 4 {
        let (a, b) = (want.len() / 4, want.len() * 3 / 4);
        let mut got = Vec::new();
        z.walk(a, b, true, |m, s| {
            got.push((m.to_vec(), s));
            true
        });
        let mut exp: Vec<_> = want[a..b].to_vec();
        exp.reverse();
        assert_eq!(got, exp);
    }
}

fn apply(z: &mut ZSet, model: &mut Model, op: &Op, modn: u16) {
    match *op {
        Op::Insert(m, s) => {
            let m = member(m, modn);
            let s = s as f64 / 2.0;
            let before = model.score(&m);
            let out = z.insert(&m, s);
            let exp = match before {
                None => AddOutcome::Added,
                Some(b) if b == s => AddOutcome::Unchanged,
                Some(_) => AddOutcome::Updated,
            };
            assert_eq!(out, exp);
            model.insert(&m, s);
        }
        Op::Remove(m) => {
            let m = member(m, modn);
            assert_eq!(z.remove(&m), model.remove(&m));
        }
        Op::PopMin | Op::PopMax => {
            let last = matches!(op, Op::PopMax);
            let mut got = None;
            z.pop(last, |m, s| got = Some((m.to_vec(), s)));
            let want = if last {
                model.items().pop()
            } else {
                model.items().into_iter().next()
            };
            if let Some((m, _)) = &want {
                model.remove(m);
            }
            assert_eq!(got, want);
        }
        Op::RemoveRanks(a, n) => {
            let (a, b) = (a as usize, a as usize + n as usize);
            let items = model.items();
            let exp = b.min(items.len()).saturating_sub(a);
            for (m, _) in items.iter().skip(a).take(exp) {
                model.remove(m);
            }
            assert_eq!(z.remove_ranks(a, b), exp);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn encodings_agree_with_model(ops in proptest::collection::vec(op(), 1..900)) {
        // Listpack form (large limit would be global; keep it to what
        // fits under the default 128 by using a fresh listpack and
        // comparing only while it stays listpack) and the full form.
        // The listpack form (at most 120 members: it stays compact) and
        // the full form on the same operations, plus the full form on a
        // wider member range (many blocks).
        let mut lp = ZSet::new();
        let mut small_full = ZSet::with_expected(usize::MAX, 0);
        let mut big = ZSet::with_expected(usize::MAX, 0);
        let (mut m1, mut m2, mut m3) = (Model::default(), Model::default(), Model::default());
        for (i, o) in ops.iter().enumerate() {
            apply(&mut lp, &mut m1, o, 120);
            apply(&mut small_full, &mut m2, o, 120);
            apply(&mut big, &mut m3, o, 600);
            if i % 50 == 0 {
                check(&lp, &m1);
                check(&small_full, &m2);
                check(&big, &m3);
            }
        }
        check(&lp, &m1);
        check(&small_full, &m2);
        check(&big, &m3);
        prop_assert_eq!(lp.encoding(), "listpack");
        prop_assert_eq!(items(&lp), items(&small_full));
        prop_assert_eq!(big.encoding(), "skiplist");
    }
}

#[test]
fn small_set_stays_listpack_and_converts() {
    let mut z = ZSet::new();
    for i in 0..128 {
        z.insert(format!("m{i}").as_bytes(), i as f64);
    }
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"x", 0.5);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(z.rank(b"x"), Some((1, 0.5)));
    z.remove_ranks(0, 100);
    z.shrink_if_small();
    assert_eq!(z.encoding(), "listpack");
    assert_eq!(z.len(), 29);
    let mut long = ZSet::new();
    long.insert(&[b'a'; 65], 1.0);
    assert_eq!(long.encoding(), "skiplist");
}

#[test]
fn large_sequential_and_pops() {
    let mut z = ZSet::with_expected(usize::MAX, 0);
    for i in 0..20_000u32 {
        z.insert_new(format!("member:{i}").as_bytes(), i as f64);
    }
    assert_eq!(z.rank(b"member:12345"), Some((12345, 12345.0)));
    assert_eq!(
        z.get(19_999).map(|(m, _)| m.to_vec()),
        Some(b"member:19999".to_vec())
    );
    for i in 0..10_000u32 {
        let mut got = None;
        assert!(z.pop(false, |m, s| got = Some((m.to_vec(), s))));
        assert_eq!(got, Some((format!("member:{i}").into_bytes(), i as f64)));
    }
    assert_eq!(z.len(), 10_000);
    assert_eq!(z.rank(b"member:12345"), Some((2345, 12345.0)));
}
