//! Property tests: random operation sequences give the same results on a
//! hash that starts as a listpack (converting at the default thresholds),
//! one that is a hashtable from the start, and a `BTreeMap` model.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn full() -> Hash {
    Hash {
        repr: Repr::Table(Box::default()),
    }
}

fn pairs(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v = Vec::new();
    h.for_each(|f, x| v.push((f.to_vec(), x.to_vec())));
    v
}

#[derive(Debug, Clone)]
enum Op {
    Set(Vec<u8>, Vec<u8>),
    Remove(Vec<u8>),
}

fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (0u32..700).prop_map(|i| format!("f{i}").into_bytes()),
        1 => Just(vec![b'F'; 65]),
        1 => Just(Vec::new()),
    ]
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => "[a-z0-9]{0,10}".prop_map(String::into_bytes),
        1 => Just(vec![b'v'; 65]),
        1 => Just(vec![b'w'; 200]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (field(), value()).prop_map(|(f, v)| Op::Set(f, v)),
        2 => field().prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn compact_full_and_model_agree(ops in prop::collection::vec(op(), 0..800)) {
        let mut compact = Hash::new();
        let mut table = full();
        let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut order: Vec<Vec<u8>> = Vec::new();
        let mut ever_long = false;
        for op in ops {
            let was = compact.encoding();
            match op {
                Op::Set(f, v) => {
                    ever_long |= f.len() > 64 || v.len() > 64;
                    let new = model.insert(f.clone(), v.clone()).is_none();
                    if new {
                        order.push(f.clone());
                    }
                    prop_assert_eq!(compact.set(&f, &v), new);
                    prop_assert_eq!(table.set(&f, &v), new);
                }
                Op::Remove(f) => {
                    let had = model.remove(&f).is_some();
                    order.retain(|x| x != &f);
                    prop_assert_eq!(compact.remove(&f), had);
                    prop_assert_eq!(table.remove(&f), had);
                }
            }
            prop_assert!(!(was == "hashtable" && compact.encoding() != "hashtable"));
            if compact.encoding() == "listpack" {
                prop_assert!(!ever_long);
                prop_assert!(model.len() <= 512);
                let want: Vec<(Vec<u8>, Vec<u8>)> =
                    order.iter().map(|f| (f.clone(), model[f].clone())).collect();
                prop_assert_eq!(pairs(&compact), want);
            }
            prop_assert_eq!(compact.len(), model.len());
            prop_assert_eq!(table.len(), model.len());
            let got: BTreeMap<_, _> = pairs(&compact).into_iter().collect();
            prop_assert_eq!(&got, &model);
            let got: BTreeMap<_, _> = pairs(&table).into_iter().collect();
            prop_assert_eq!(&got, &model);
            for (f, v) in model.iter().take(3) {
                prop_assert_eq!(compact.value(f), Some(&v[..]));
                prop_assert_eq!(table.value(f), Some(&v[..]));
            }
        }
    }
}

#[test]
fn converts_at_the_thresholds() {
    let mut h = Hash::new();
    for i in 0..512 {
        h.set(format!("f{i}").as_bytes(), b"v");
    }
    assert_eq!(h.encoding(), "listpack");
    h.set(b"f512", b"v");
    assert_eq!(h.encoding(), "hashtable");
    let mut h = Hash::new();
    h.set(b"a", &[b'x'; 64]);
    assert_eq!(h.encoding(), "listpack");
    h.set(b"a", &[b'x'; 65]);
    assert_eq!(h.encoding(), "hashtable");
    assert_eq!(h.get(b"a"), Some(vec![b'x'; 65]));
}

#[test]
fn compact_size() {
    let mut h = Hash::new();
    for i in 0..10 {
        h.set(format!("f{i}").as_bytes(), b"12345678");
    }
    assert_eq!(std::mem::size_of::<Hash>(), 16);
    // Header, then 10 x (1 + 2) + 10 x (1 + 8).
    assert_eq!(h.memory_usage(), 16 + 4 + 120);
}
