//! Tests of the packed list against a plain `VecDeque` model.

use std::collections::VecDeque;

use proptest::prelude::*;

use super::*;

fn contents(l: &List) -> Vec<Vec<u8>> {
    l.iter().map(|e| e.to_vec()).collect()
}

fn check(l: &List, m: &VecDeque<Vec<u8>>) {
    let want: Vec<Vec<u8>> = m.iter().cloned().collect();
    assert_eq!(l.len(), m.len());
    assert_eq!(contents(l), want);
    let mut rev: Vec<Vec<u8>> = l.iter_rev().map(|e| e.to_vec()).collect();
    rev.reverse();
    assert_eq!(rev, want);
    let mut total = 0;
    for n in l.nodes.iter() {
        assert!(n.count() > 0, "empty node left");
        total += n.count();
        assert!(
            fits(n.bytes(), n.count(), l.fill()),
            "node over its bound: {} bytes, {} entries",
            n.bytes(),
            n.count()
        );
    }
    assert_eq!(total, l.len());
}

#[derive(Debug, Clone)]
enum Op {
    PushBack(Vec<u8>),
    PushFront(Vec<u8>),
    PopFront,
    PopBack,
    Insert(usize, bool, Vec<u8>),
    Set(usize, Vec<u8>),
    Rem(usize, i64),
    Trim(usize, usize),
    Range(usize, usize),
    Get(usize),
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (-5i64..5).prop_map(|i| i.to_string().into_bytes()),
        any::<i64>().prop_map(|i| i.to_string().into_bytes()),
        (0i64..100000).prop_map(|i| i.to_string().into_bytes()),
        prop::collection::vec(b'a'..b'd', 0..4),
        prop::collection::vec(any::<u8>(), 0..80),
        (60usize..200).prop_map(|n| vec![b'z'; n]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => value().prop_map(Op::PushBack),
        3 => value().prop_map(Op::PushFront),
        1 => Just(Op::PopFront),
        1 => Just(Op::PopBack),
        2 => (any::<usize>(), any::<bool>(), value()).prop_map(|(i, a, v)| Op::Insert(i, a, v)),
        2 => (any::<usize>(), value()).prop_map(|(i, v)| Op::Set(i, v)),
        1 => (any::<usize>(), -3i64..3).prop_map(|(i, c)| Op::Rem(i, c)),
        1 => (0usize..4, 0usize..4).prop_map(|(a, b)| Op::Trim(a, b)),
        1 => (any::<usize>(), 0usize..20).prop_map(|(a, b)| Op::Range(a, b)),
        1 => any::<usize>().prop_map(Op::Get),
    ]
}

fn apply(l: &mut List, m: &mut VecDeque<Vec<u8>>, op: &Op) {
    match op {
        Op::PushBack(v) => {
            l.push_back(v);
            m.push_back(v.clone());
        }
        Op::PushFront(v) => {
            l.push_front(v);
            m.push_front(v.clone());
        }
        Op::PopFront => assert_eq!(l.pop_front(), m.pop_front()),
        Op::PopBack => assert_eq!(l.pop_back(), m.pop_back()),
        Op::Insert(i, after, v) => {
            // Pivot: an existing element (or a missing one on empty lists).
            let pivot = if m.is_empty() {
                b"missing".to_vec()
            } else {
                m[i % m.len()].clone()
            };
            let pos = m.iter().position(|x| *x == pivot);
            let done = l.insert_relative(&Needle::new(&pivot), *after, v);
            assert_eq!(done, pos.is_some());
            if let Some(p) = pos {
                m.insert(if *after { p + 1 } else { p }, v.clone());
            }
        }
        Op::Set(i, v) => {
            let idx = *i % (m.len() + 1);
            let ok = l.set(idx, v);
            assert_eq!(ok, idx < m.len());
            if ok {
                m[idx] = v.clone();
            }
        }
        Op::Rem(i, count) => {
            let target = if m.is_empty() {
                b"x".to_vec()
            } else {
                m[i % m.len()].clone()
            };
            let removed = l.remove_matching(&Needle::new(&target), *count);
            let limit = if *count == 0 {
                usize::MAX
            } else {
                count.unsigned_abs() as usize
            };
            let mut n = 0;
            if *count >= 0 {
                let mut out = VecDeque::new();
                for x in m.drain(..) {
                    if n < limit && x == target {
                        n += 1;
                    } else {
                        out.push_back(x);
                    }
                }
                *m = out;
            } else {
                let mut out = VecDeque::new();
                for x in m.drain(..).rev() {
                    if n < limit && x == target {
                        n += 1;
                    } else {
                        out.push_front(x);
                    }
                }
                *m = out;
            }
            assert_eq!(removed, n);
        }
        Op::Trim(a, b) => {
            l.remove_front(*a);
            l.remove_back(*b);
            for _ in 0..*a {
                m.pop_front();
            }
            for _ in 0..*b {
                m.pop_back();
            }
        }
        Op::Range(start, n) => {
            let start = if m.is_empty() { 0 } else { start % m.len() };
            let got: Vec<Vec<u8>> = l.iter_from(start).take(*n).map(|e| e.to_vec()).collect();
            let want: Vec<Vec<u8>> = m.iter().skip(start).take(*n).cloned().collect();
            assert_eq!(got, want);
            let got: Vec<Vec<u8>> = l
                .iter_rev_from(start)
                .take(*n)
                .map(|e| e.to_vec())
                .collect();
            let want: Vec<Vec<u8>> = if m.is_empty() {
                Vec::new()
            } else {
                m.iter().take(start + 1).rev().take(*n).cloned().collect()
            };
            assert_eq!(got, want);
        }
        Op::Get(i) => {
            let i = i % (m.len() + 1);
            assert_eq!(l.get(i).map(|e| e.to_vec()), m.get(i).cloned());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn packed_list_matches_model(
        fill in prop_oneof![Just(1i64), Just(2), Just(3), Just(5), Just(0), Just(-1), Just(-2), Just(-5)],
        ops in prop::collection::vec(op(), 0..200),
    ) {
        // Tiny byte bounds are emulated with small counts: fill 1..5 keeps
        // nodes of a handful of entries so they split and merge constantly.
        let mut l = List::with_fill(fill);
        let mut m = VecDeque::new();
        for o in &ops {
            apply(&mut l, &mut m, o);
            check(&l, &m);
        }
    }
}

#[test]
fn big_list_spans_nodes() {
    let mut l = List::with_fill(-2);
    for i in 0..100_000 {
        l.push_back(format!("value{:05}", i).as_bytes());
    }
    assert!(l.node_count() > 100);
    assert_eq!(
        l.get(54321).map(|e| e.to_vec()),
        Some(b"value54321".to_vec())
    );
    assert!(l.set(99_999, b"last"));
    assert_eq!(l.pop_back(), Some(b"last".to_vec()));
    assert_eq!(l.pop_front(), Some(b"value00000".to_vec()));
    assert_eq!(l.len(), 99_998);
    // Memory: about 12 bytes per 10-byte element.
    assert!(l.memory_usage() < 99_998 * 13, "{}", l.memory_usage());
}

#[test]
fn small_ints_are_compact() {
    let mut l = List::with_fill(-2);
    for i in 0..100_000 {
        l.push_back((i % 100).to_string().as_bytes());
    }
    assert!(
        l.memory_usage() < 100_000 * 2 + 2000,
        "{}",
        l.memory_usage()
    );
    let mut seen = 0;
    l.for_each(|b| {
        assert_eq!(b, (seen % 100).to_string().as_bytes());
        seen += 1;
    });
    assert_eq!(seen, 100_000);
}

#[test]
fn huge_element_gets_its_own_node() {
    let mut l = List::with_fill(-1);
    l.push_back(b"a");
    l.push_back(&vec![b'x'; 10_000]);
    l.push_back(b"b");
    assert_eq!(l.node_count(), 3);
    assert!(l.set(0, &vec![b'y'; 5000]));
    assert_eq!(l.get(0).map(|e| e.to_vec()), Some(vec![b'y'; 5000]));
    assert_eq!(l.len(), 3);
}

#[test]
fn equality_ignores_node_layout() {
    let mut a = List::with_fill(1);
    let mut b = List::with_fill(-5);
    for v in ["1", "x", "300", "yy"] {
        a.push_back(v.as_bytes());
        b.push_back(v.as_bytes());
    }
    assert_eq!(a, b);
    assert_eq!(a.encoding(), "quicklist");
}
