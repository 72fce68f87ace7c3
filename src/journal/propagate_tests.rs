//! What the journal records for commands whose arguments would not replay
//! the same way (checked against the forms Redis 7.0 propagates).

use crate::commands::testutil::Session;

/// Runs `line` with journaling on; returns what the command asks the
/// journal to record: its own arguments (`None`) or the listed commands,
/// each as a space-joined string.
fn recorded(s: &mut Session, line: &str) -> Option<Vec<String>> {
    s.store.set_journal_log(true);
    s.run(line);
    last_recorded(s)
}

/// The session's last `propagate` list, each command space-joined.
fn last_recorded(s: &Session) -> Option<Vec<String>> {
    s.last_propagated.as_ref().map(|list| {
        list.iter()
            .map(|c| {
                c.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    })
}

#[test]
fn relative_expiry_times_become_absolute() {
    let mut s = Session::new();
    let at = s.now + 10_000;
    assert_eq!(
        recorded(&mut s, "SET k v EX 10"),
        Some(vec![format!("SET k v PXAT {at}")])
    );
    assert_eq!(
        recorded(&mut s, "SETEX k 10 v"),
        Some(vec![format!("SET k v PXAT {at}")])
    );
    assert_eq!(
        recorded(&mut s, "PSETEX k 10000 v"),
        Some(vec![format!("SET k v PXAT {at}")])
    );
    assert_eq!(
        recorded(&mut s, "EXPIRE k 10"),
        Some(vec![format!("PEXPIREAT k {at}")])
    );
    assert_eq!(
        recorded(&mut s, "GETEX k PX 10000"),
        Some(vec![format!("PEXPIREAT k {at}")])
    );
    assert_eq!(
        recorded(&mut s, "GETEX k PERSIST"),
        Some(vec!["PERSIST k".into()])
    );
    assert_eq!(recorded(&mut s, "EXPIRE k -1"), Some(vec!["DEL k".into()]));
    // Deterministic writes are recorded as they are.
    assert_eq!(recorded(&mut s, "SET k v"), None);
    assert_eq!(
        recorded(&mut s, "SET k v PXAT 99999999999999"),
        Some(vec!["SET k v PXAT 99999999999999".into()])
    );
}

#[test]
fn computed_and_random_results_are_recorded_as_values() {
    let mut s = Session::new();
    assert_eq!(
        recorded(&mut s, "INCRBYFLOAT f 1.5"),
        Some(vec!["SET f 1.5 KEEPTTL".into()])
    );
    assert_eq!(
        recorded(&mut s, "HINCRBYFLOAT h x 2.25"),
        Some(vec!["HSET h x 2.25".into()])
    );
    assert_eq!(recorded(&mut s, "GETDEL f"), Some(vec!["DEL f".into()]));
    s.run("SADD s a b c d");
    let one = recorded(&mut s, "SPOP s").expect("rewritten");
    assert_eq!(one.len(), 1);
    assert!(one[0].starts_with("SREM s "));
    let two = recorded(&mut s, "SPOP s 2").expect("rewritten");
    assert_eq!(two[0].split(' ').count(), 4);
    assert_eq!(recorded(&mut s, "SPOP s 5"), Some(vec!["DEL s".into()]));
}

/// Runs blocking command `line`'s attempt (`serve` None) or its serve from
/// the key at `serve`, with journaling on; returns what it records.
fn recorded_blocking(
    s: &mut Session,
    spec: &crate::blocking::BlockingSpec,
    line: &str,
    serve: Option<usize>,
) -> Option<Vec<String>> {
    s.store.set_journal_log(true);
    match serve {
        None => {
            s.blocking_attempt(spec, line);
        }
        Some(k) => {
            s.blocking_serve(spec, line, k);
        }
    }
    last_recorded(s)
}

#[test]
fn blocking_pops_are_recorded_as_plain_pops() {
    use crate::commands::lists::blocking::{BLMOVE, BLMPOP, BLPOP, BRPOP};
    use crate::commands::zsets::pop::{BZMPOP, BZPOPMIN};
    let mut s = Session::new();
    s.run("RPUSH l2 a b c d e f");
    let one = |v: &str| Some(vec![v.to_string()]);
    assert_eq!(
        recorded_blocking(&mut s, &BLPOP, "BLPOP l1 l2 0", None),
        one("LPOP l2")
    );
    assert_eq!(
        recorded_blocking(&mut s, &BRPOP, "BRPOP l1 l2 0", None),
        one("RPOP l2")
    );
    assert_eq!(
        recorded_blocking(&mut s, &BLPOP, "BLPOP l1 l2 0", Some(2)),
        one("LPOP l2")
    );
    assert_eq!(
        recorded_blocking(&mut s, &BLMOVE, "BLMOVE l2 d LEFT RIGHT 0", None),
        one("LMOVE l2 d LEFT RIGHT")
    );
    assert_eq!(
        recorded_blocking(&mut s, &BLMPOP, "BLMPOP 0 2 l1 l2 LEFT COUNT 5", None),
        one("LMPOP 2 l1 l2 LEFT COUNT 5")
    );
    s.run("RPUSH l1 x y");
    assert_eq!(
        recorded_blocking(&mut s, &BLMPOP, "BLMPOP 0 1 l1 RIGHT COUNT 5", Some(3)),
        one("RPOP l1 5")
    );
    s.run("ZADD z 1 a 2 b 3 c");
    assert_eq!(
        recorded_blocking(&mut s, &BZPOPMIN, "BZPOPMIN z 0", None),
        one("ZPOPMIN z")
    );
    assert_eq!(
        recorded_blocking(&mut s, &BZMPOP, "BZMPOP 0 1 z MAX", None),
        one("ZMPOP 1 z MAX")
    );
}
