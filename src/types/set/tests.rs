//! Property tests: random operation sequences give the same results on a
//! set that starts compact (and converts at the default thresholds), a set
//! that is a hashtable from the start, and a `BTreeSet` model.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

fn full() -> Set {
    Set {
        repr: Repr::Table(Box::default()),
    }
}

fn members(s: &Set) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    s.for_each(|m| v.push(m.to_vec()));
    v
}

#[derive(Debug, Clone)]
enum Op {
    Add(Vec<u8>),
    Remove(Vec<u8>),
    RemoveAt(usize),
}

fn member() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (-40i64..600).prop_map(|i| i.to_string().into_bytes()),
        1 => prop::sample::select(vec![i64::MIN, i64::MAX, 40_000, -70_000, 5_000_000_000])
            .prop_map(|i| i.to_string().into_bytes()),
        2 => "[a-c]{1,3}".prop_map(String::into_bytes),
        1 => prop::sample::select(vec!["007".to_string(), "-0".into(), "+1".into(), "x".repeat(65)])
            .prop_map(String::into_bytes),
    ]
}

fn op(ints_only: bool) -> impl Strategy<Value = Op> {
    let m = if ints_only {
        (-40i64..700)
            .prop_map(|i| i.to_string().into_bytes())
            .boxed()
    } else {
        member().boxed()
    };
    prop_oneof![
        6 => m.clone().prop_map(Op::Add),
        2 => m.prop_map(Op::Remove),
        1 => (0usize..1000).prop_map(Op::RemoveAt),
    ]
}

fn check(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut compact = Set::new();
    let mut table = full();
    let mut model: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut order: Vec<Vec<u8>> = Vec::new();
    for op in ops {
        let was = compact.encoding();
        if was == "intset" {
            // Converting an intset keeps its ascending order.
            let mut ints: Vec<i64> = model.iter().filter_map(|m| as_int(m.as_slice())).collect();
            ints.sort();
            order = ints.iter().map(|i| i.to_string().into_bytes()).collect();
        }
        match op {
            Op::Add(m) => {
                let r = model.insert(m.clone());
                if r {
                    order.push(m.clone());
                }
                prop_assert_eq!(compact.add(&m), r);
                prop_assert_eq!(table.add(&m), r);
            }
            Op::Remove(m) => {
                let r = model.remove(&m);
                order.retain(|x| x != &m);
                prop_assert_eq!(compact.remove(&m), r);
                prop_assert_eq!(table.remove(&m), r);
            }
            Op::RemoveAt(i) => {
                if model.is_empty() {
                    continue;
                }
                let i = i % model.len();
                let m = compact.remove_at(i).expect("in range");
                prop_assert!(model.remove(&m));
                order.retain(|x| x != &m);
                prop_assert!(table.remove(&m));
            }
        }
        // Never converts back.
        let now = compact.encoding();
        prop_assert!(!(was == "hashtable" && now != "hashtable"));
        prop_assert!(!(was == "listpack" && now == "intset"));
        prop_assert_eq!(compact.len(), model.len());
        prop_assert_eq!(table.len(), model.len());
        let got = members(&compact);
        match compact.encoding() {
            "intset" => {
                let mut sorted: Vec<i64> = model.iter().map(|m| as_int(m).unwrap()).collect();
                sorted.sort();
                let want: Vec<Vec<u8>> =
                    sorted.iter().map(|i| i.to_string().into_bytes()).collect();
                prop_assert_eq!(&got, &want);
            }
            "listpack" => prop_assert_eq!(&got, &order),
            _ => {}
        }
        let set: BTreeSet<Vec<u8>> = got.into_iter().collect();
        prop_assert_eq!(&set, &model);
        let tset: BTreeSet<Vec<u8>> = members(&table).into_iter().collect();
        prop_assert_eq!(&tset, &model);
        for m in model.iter().take(3) {
            prop_assert!(compact.contains(m));
            prop_assert!(table.contains(m));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn compact_full_and_model_agree(ops in prop::collection::vec(op(false), 0..400)) {
        check(ops)?;
    }

    #[test]
    fn intsets_agree_past_the_threshold(ops in prop::collection::vec(op(true), 400..900)) {
        check(ops)?;
    }

    #[test]
    fn scan_returns_every_member_present_throughout(
        n in 1usize..600,
        count in 1usize..50,
        churn in prop::collection::vec(0u32..2000, 0..200),
    ) {
        let mut s = full();
        for i in 0..n {
            s.add(format!("m{i}").as_bytes());
        }
        let stable: BTreeSet<Vec<u8>> = members(&s).into_iter().collect();
        let mut seen = BTreeSet::new();
        let mut cursor = 0u64;
        let mut steps = 0;
        let mut churn = churn.into_iter();
        loop {
            cursor = s.scan(cursor, count, |m| { seen.insert(m.to_vec()); });
            // Grow and shrink the table between calls with other members.
            if let Some(c) = churn.next() {
                let k = format!("x{c}");
                if !s.remove(k.as_bytes()) {
                    for j in 0..(c % 50) {
                        s.add(format!("x{c}-{j}").as_bytes());
                    }
                }
            }
            steps += 1;
            prop_assert!(steps < 10_000);
            if cursor == 0 {
                break;
            }
        }
        for m in &stable {
            prop_assert!(seen.contains(m));
        }
    }
}

#[test]
fn conversions_follow_redis_7_2() {
    let mut s = Set::new();
    for i in 0..512 {
        s.add(i.to_string().as_bytes());
    }
    assert_eq!(s.encoding(), "intset");
    s.add(b"512");
    assert_eq!(s.encoding(), "hashtable");

    let mut s = Set::new();
    s.add(b"1");
    s.add(b"a");
    assert_eq!(s.encoding(), "listpack");
    assert_eq!(members(&s), vec![b"1".to_vec(), b"a".to_vec()]);

    let mut s = Set::new();
    for i in 0..128 {
        s.add(i.to_string().as_bytes());
    }
    s.add(b"a");
    assert_eq!(s.encoding(), "hashtable");

    let mut s = Set::new();
    s.add(&[b'x'; 65]);
    assert_eq!(s.encoding(), "hashtable");

    // Redis 7.0: an integer first member always starts an intset.
    assert_eq!(Set::with_hint(b"1", 513).encoding(), "intset");
    assert_eq!(Set::with_hint(b"a", 128).encoding(), "listpack");
    assert_eq!(Set::with_hint(b"1", 129).encoding(), "intset");
    assert_eq!(Set::with_hint(b"a", 129).encoding(), "hashtable");
}

#[test]
fn compact_sizes() {
    let mut s = Set::new();
    for i in 0..10 {
        s.add(i.to_string().as_bytes());
    }
    // Ten small integers (1 + 10 x 2 bytes) fit inside the set itself.
    assert_eq!(std::mem::size_of::<Set>(), 24);
    assert_eq!(s.memory_usage(), 24);
    s.add(b"100000");
    assert_eq!(s.memory_usage(), 24 + 1 + 11 * 4);
}
