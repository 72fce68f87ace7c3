//! Unit tests of SORT and SORT_RO; expected replies are Redis 7.0's for the
//! same data.

use crate::commands::testutil::Session;
use crate::types::{List, Value};

fn list(s: &mut Session, key: &str, items: &[&str]) {
    let mut l = List::new();
    for i in items {
        l.push_back(i.as_bytes());
    }
    s.store
        .db(0)
        .insert(key.as_bytes(), Value::List(Box::new(l)), None);
}

fn list_items(s: &mut Session, key: &str) -> Option<Vec<String>> {
    let now = s.now;
    match s.store.db(0).get(key.as_bytes(), now) {
        Some(Value::List(l)) => {
            let mut out = Vec::new();
            l.for_each(|e| out.push(String::from_utf8_lossy(e).into_owned()));
            Some(out)
        }
        _ => None,
    }
}

/// The escaped RESP2 array of bulk strings (`None` = nil).
fn arr(items: &[Option<&str>]) -> String {
    let mut s = format!("*{}\\r\\n", items.len());
    for i in items {
        match i {
            Some(v) => s.push_str(&format!("${}\\r\\n{}\\r\\n", v.len(), v)),
            None => s.push_str("$-1\\r\\n"),
        }
    }
    s
}

fn setup() -> Session {
    let mut s = Session::new();
    list(&mut s, "l", &["3", "1", "2", "10"]);
    s.run("MSET w_3 30 w_1 10 w_2 20 w_10 5 n_1 one n_2 two n_3 three");
    s
}

#[test]
fn numeric_and_alpha() {
    let mut s = setup();
    let a = |v: &[&str]| arr(&v.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    assert_eq!(s.run("SORT l"), a(&["1", "2", "3", "10"]));
    assert_eq!(s.run("SORT l DESC"), a(&["10", "3", "2", "1"]));
    assert_eq!(s.run("SORT l ALPHA"), a(&["1", "10", "2", "3"]));
    assert_eq!(s.run("SORT l ALPHA DESC"), a(&["3", "2", "10", "1"]));
    assert_eq!(s.run("SORT l LIMIT 1 2"), a(&["2", "3"]));
    assert_eq!(s.run("SORT_RO l LIMIT -5 2"), a(&["1", "2"]));
    assert_eq!(s.run("SORT l LIMIT 0 -1"), a(&["1", "2", "3", "10"]));
    assert_eq!(
        s.run("SORT l LIMIT 9223372036854775807 9223372036854775807"),
        "*0\\r\\n"
    );
    assert_eq!(s.run("SORT l LIMIT 2 9223372036854775807"), a(&["3", "10"]));
    assert_eq!(s.run("SORT missing"), "*0\\r\\n");
}

#[test]
fn by_and_get_patterns() {
    let mut s = setup();
    let a = |v: &[&str]| arr(&v.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    assert_eq!(s.run("SORT l BY w_*"), a(&["10", "1", "2", "3"]));
    assert_eq!(
        s.run("SORT l BY w_* GET # GET n_*"),
        arr(&[
            Some("10"),
            None,
            Some("1"),
            Some("one"),
            Some("2"),
            Some("two"),
            Some("3"),
            Some("three")
        ])
    );
    assert_eq!(
        s.run("SORT l BY nosort GET n_*"),
        arr(&[Some("three"), Some("one"), Some("two"), None])
    );
    assert_eq!(s.run("SORT l BY nosort DESC LIMIT 1 2"), a(&["2", "1"]));
    // Missing weights count as 0: ties are broken by the element bytes.
    assert_eq!(s.run("SORT l BY missing_*"), a(&["1", "10", "2", "3"]));
    // ALPHA with missing weights keeps the original order.
    assert_eq!(
        s.run("SORT l BY missing_* ALPHA"),
        a(&["3", "1", "2", "10"])
    );
    assert_eq!(s.run("SORT l GET x"), arr(&[None, None, None, None]));
    assert_eq!(
        s.run("SORT l BY w_* DESC LIMIT 0 2 GET h_*->f"),
        arr(&[None, None])
    );
    // A pattern key holding a non-string is ignored.
    list(&mut s, "w_1", &["x"]);
    assert_eq!(s.run("SORT l BY w_*"), a(&["1", "10", "2", "3"]));
}

#[test]
fn store() {
    let mut s = setup();
    assert_eq!(s.run("SORT l STORE dst"), ":4\\r\\n");
    assert_eq!(list_items(&mut s, "dst").unwrap(), ["1", "2", "3", "10"]);
    assert_eq!(s.run("SORT l GET n_* STORE dst2"), ":4\\r\\n");
    assert_eq!(
        list_items(&mut s, "dst2").unwrap(),
        ["one", "two", "three", ""]
    );
    let before = s.dirty;
    assert_eq!(s.run("SORT missing STORE dst"), ":0\\r\\n");
    assert_eq!(s.exists("dst"), 0);
    assert_eq!(s.dirty, before + 1);
    assert_eq!(s.run("SORT l LIMIT 0 0 STORE dst2"), ":0\\r\\n");
    assert_eq!(s.exists("dst2"), 0);
    // The destination's previous value is replaced whatever its type.
    s.run("SET dst3 x");
    assert_eq!(s.run("SORT l DESC STORE dst3"), ":4\\r\\n");
    assert_eq!(list_items(&mut s, "dst3").unwrap(), ["10", "3", "2", "1"]);
}

#[test]
fn errors() {
    let mut s = setup();
    assert_eq!(s.run("SORT l LIMIT 1 2 3"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("SORT l LIMIT 1"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("SORT l BY"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("SORT_RO l STORE x"), "-ERR syntax error\\r\\n");
    assert_eq!(
        s.run("SORT l LIMIT a 1"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    s.run("SET str x");
    assert_eq!(
        s.run("SORT str"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    // Option errors come before the type check.
    assert_eq!(s.run("SORT str FOO"), "-ERR syntax error\\r\\n");
    list(&mut s, "words", &["b", "a"]);
    assert_eq!(
        s.run("SORT words"),
        "-ERR One or more scores can't be converted into double\\r\\n"
    );
    assert_eq!(
        s.run("SORT words STORE d"),
        "-ERR One or more scores can't be converted into double\\r\\n"
    );
    assert_eq!(s.exists("d"), 0);
    assert_eq!(
        s.run("SORT words ALPHA"),
        "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n"
    );
}

#[test]
fn weights_parse_as_strtod() {
    use super::parse_weight as p;
    assert_eq!(p(b""), Some(0.0));
    assert_eq!(p(b" 1"), Some(1.0));
    assert_eq!(p(b"1 "), None);
    assert_eq!(p(b" "), None);
    assert_eq!(p(b"0x10"), Some(16.0));
    assert_eq!(p(b".5"), Some(0.5));
    assert_eq!(p(b"1."), Some(1.0));
    assert_eq!(p(b"-inf"), Some(f64::NEG_INFINITY));
    assert_eq!(p(b"nan"), None);
    assert_eq!(p(b"1e400"), None);
    assert_eq!(p(b"1e-310"), None);
    assert_eq!(p(b"0e-400"), Some(0.0));
    assert_eq!(p(b"2\x00junk"), Some(2.0));
    assert_eq!(p(b"abc"), None);
    assert_eq!(p(b"--5"), None);
    assert_eq!(p(b"+-5"), None);
    assert_eq!(p(b"-1e-3"), Some(-0.001));
    assert_eq!(p(b"-0x1p4"), Some(-16.0));
    let mut s = Session::new();
    list(&mut s, "l", &["", " 1", "0x10", "1.5", ".5", "1."]);
    let a = |v: &[&str]| arr(&v.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    assert_eq!(s.run("SORT l"), a(&["", ".5", " 1", "1.", "1.5", "0x10"]));
}

#[test]
fn keys_of_sort() {
    use bytes::Bytes;
    let args = |s: &str| -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    };
    assert_eq!(super::sort_keys(&args("SORT k")), vec![1]);
    assert_eq!(
        super::sort_keys(&args("SORT k STORE a LIMIT 0 1 STORE b")),
        vec![1, 8]
    );
    assert_eq!(
        super::sort_keys(&args("SORT k GET store BY store")),
        vec![1]
    );
    assert_eq!(super::sort_keys(&args("SORT k STORE")), vec![1]);
}
