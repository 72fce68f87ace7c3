//! The events each write command reports, command by command, against
//! lists captured from a real redis-server.

use crate::commands::testutil::Session;

/// Runs each `(command line, expected events)` on one session (`"#sleep
/// MS"` advances the clock instead) and compares the events of every
/// command, `"event key"` each (`key@db` outside database 0). `new_keys`
/// records `new` events too (`notify-keyspace-events` with `n`).
fn check(new_keys: bool, steps: &[(&str, &[&str])]) {
    let mut s = Session::new();
    s.new_keys = new_keys;
    for (line, want) in steps {
        let got = if let Some(ms) = line.strip_prefix("#sleep ") {
            s.now += ms.parse::<u64>().unwrap_or(0);
            Vec::new()
        } else {
            s.run(line);
            s.events()
        };
        assert_eq!(got, *want, "events of {line:?}");
    }
}

include!("tests_redis.rs");

/// Blocked clients are served through the same code as the non-blocking
/// pops and moves, so they report the same events.
#[test]
fn blocking_serves_report_events() {
    use crate::commands::lists::blocking::{BLMOVE, BLMPOP, BLPOP, BRPOP};
    use crate::commands::zsets::pop::{BZMPOP, BZPOPMAX, BZPOPMIN};
    let mut s = Session::new();
    s.run("RPUSH l 1");
    assert!(s.blocking_serve(&BLPOP, "BLPOP l 0", 1).0);
    assert_eq!(s.events(), ["lpop l", "del l"]);
    s.run("RPUSH l 1 2");
    assert!(s.blocking_serve(&BRPOP, "BRPOP l 0", 1).0);
    assert_eq!(s.events(), ["rpop l"]);
    s.run("RPUSH m x");
    assert!(s.blocking_serve(&BLMOVE, "BLMOVE m l LEFT LEFT 0", 1).0);
    assert_eq!(s.events(), ["lpush l", "lpop m", "del m"]);
    assert!(
        s.blocking_serve(&BLMPOP, "BLMPOP 0 1 l RIGHT COUNT 10", 3)
            .0
    );
    assert_eq!(s.events(), ["rpop l", "del l"]);
    s.run("ZADD z 1 a 2 b 3 c 4 d");
    assert!(s.blocking_serve(&BZPOPMIN, "BZPOPMIN z 0", 1).0);
    assert_eq!(s.events(), ["zpopmin z"]);
    assert!(s.blocking_serve(&BZMPOP, "BZMPOP 0 1 z MIN COUNT 2", 3).0);
    assert_eq!(s.events(), ["zpopmin z"]);
    assert!(s.blocking_serve(&BZPOPMAX, "BZPOPMAX z 0", 1).0);
    assert_eq!(s.events(), ["zpopmax z", "del z"]);
    // Nothing to serve: no events.
    assert!(!s.blocking_serve(&BLPOP, "BLPOP l 0", 1).0);
    assert!(s.events().is_empty());
}

/// The store records expired keys only while a collector asks for them,
/// and the log is empty (no allocation) otherwise.
#[test]
fn expiry_log_only_when_asked() {
    use crate::commands::spec::ExecCtx;
    use crate::notify::Events;
    use crate::shard::keyspace::{Store, LOG_EXPIRED};
    use crate::types::Value;
    let mut store = Store::new(2);
    store.db(0).set(b"a", Value::Int(1), false);
    store.db(0).set_expire(b"a", 10);
    store.db(1).set(b"b", Value::Int(1), false);
    store.db(1).set_expire(b"b", 10);
    // Off: lazy expiry leaves nothing behind.
    assert!(store.db(0).get(b"a", 20).is_none());
    assert!(!store.has_logged());
    // On: active expiry in database 1 becomes an event.
    store.set_key_log(LOG_EXPIRED);
    let mut cursor = 0;
    assert_eq!(store.db(1).active_expire(&mut cursor, 100, 20), (1, 1));
    let mut events = Events::new(true);
    events.absorb_key_log(&mut store);
    let got: Vec<_> = events
        .list()
        .iter()
        .map(|e| (e.event, e.db, e.key.clone()))
        .collect();
    assert_eq!(got, [("expired", 1, bytes::Bytes::from_static(b"b"))]);
    store.set_key_log(0);
    // A context with events off turns nothing on.
    let ctx = ExecCtx::new(&mut store, 0, 0, false);
    assert_eq!(ctx.events.key_log_flags(), 0);
}
