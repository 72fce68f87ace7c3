//! Unit tests of the set commands against replies captured from Redis 7.0.

use crate::commands::testutil::Session;

const WRONG: &str = r"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[test]
fn basic_commands_as_redis() {
    let mut s = Session::new();
    assert_eq!(s.run("sadd s 3 1 2"), r":3\r\n");
    assert_eq!(
        s.run("smembers s"),
        r"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_eq!(s.encoding("s"), Some("intset"));
    assert_eq!(s.run("sadd s 1 5"), r":1\r\n");
    assert_eq!(s.run("scard s"), r":4\r\n");
    assert_eq!(s.run("scard nokey"), r":0\r\n");
    assert_eq!(s.run("sismember s 1"), r":1\r\n");
    assert_eq!(s.run("sismember nokey 1"), r":0\r\n");
    assert_eq!(s.run("smismember s 1 9 3"), r"*3\r\n:1\r\n:0\r\n:1\r\n");
    assert_eq!(s.run("smismember nokey a"), r"*1\r\n:0\r\n");
    assert_eq!(s.run("srem s 1 9"), r":1\r\n");
    assert_eq!(s.run("srem s 2 3 5"), r":3\r\n");
    assert_eq!(s.exists("s"), 0);
    assert_eq!(s.run("sadd l c a b"), r":3\r\n");
    assert_eq!(s.encoding("l"), Some("listpack"));
    assert_eq!(
        s.run("smembers l"),
        r"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    s.run("sadd i 5 -3 100000 -9223372036854775808 9223372036854775807");
    assert_eq!(
        s.run("smembers i"),
        r"*5\r\n$20\r\n-9223372036854775808\r\n$2\r\n-3\r\n$1\r\n5\r\n$6\r\n100000\r\n$19\r\n9223372036854775807\r\n"
    );
    s.run("sadd i 007");
    assert_eq!(s.encoding("i"), Some("listpack"));
    s.run("set str x");
    s.run("sadd s 2");
    for c in [
        "sadd str a",
        "sismember str a",
        "smismember str a",
        "scard str",
        "smembers str",
        "spop str",
        "srandmember str",
        "sscan str 0",
        "sinter nokey str",
        "sunion nokey str",
        "sdiff nokey str",
        "sinterstore d nokey str",
        "smove s str 2",
        "smove str s 2",
    ] {
        assert_eq!(s.run(c), WRONG, "{c}");
    }
    assert_eq!(s.run("smove nokey str 2"), r":0\r\n");
}

#[test]
fn random_commands_as_redis() {
    let mut s = Session::new();
    s.run("sadd s a b c");
    assert_eq!(
        s.run("spop s -1"),
        r"-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        s.run("spop s x"),
        r"-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(s.run("spop nokey 3"), r"*0\r\n");
    assert_eq!(s.run("spop nokey"), r"$-1\r\n");
    assert_eq!(s.run("spop s 0"), r"*0\r\n");
    assert_eq!(s.run("spop s 1 2"), r"-ERR syntax error\r\n");
    let range = r"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n";
    assert_eq!(s.run("srandmember s -9223372036854775808"), range);
    assert_eq!(
        s.run("srandmember s 9223372036854775807"),
        r"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(s.run("srandmember s 0"), r"*0\r\n");
    assert_eq!(s.run("srandmember nokey 5"), r"*0\r\n");
    assert_eq!(s.run("srandmember nokey"), r"$-1\r\n");
    assert_eq!(
        s.run("srandmember s x"),
        r"-ERR value is not an integer or out of range\r\n"
    );
    assert!(s.run("srandmember s -7").starts_with(r"*7\r\n"));
    let r = s.run("srandmember s 2");
    assert!(r.starts_with(r"*2\r\n"));
    let r = s.run("spop s 2");
    assert!(r.starts_with(r"*2\r\n"), "{r}");
    assert_eq!(s.run("scard s"), r":1\r\n");
    assert!(s.run("spop s").starts_with("$1"));
    assert_eq!(s.exists("s"), 0);
    // Popping at least the whole set returns it (in intset order) and
    // deletes the key.
    s.run("sadd n 3 1 2");
    assert_eq!(
        s.run("spop n 100"),
        r"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    assert_eq!(s.exists("n"), 0);
    // Distinct members for positive counts on a hashtable.
    for i in 0..300 {
        s.runv(&["sadd", "big", &format!("m{i}")]);
    }
    let r = s.run("srandmember big 100");
    let members: std::collections::BTreeSet<&str> =
        r.split(r"\r\n").filter(|p| p.starts_with('m')).collect();
    assert_eq!(members.len(), 100);
    let r = s.run("spop big 299");
    assert!(r.starts_with(r"*299\r\n"));
    assert_eq!(s.run("scard big"), r":1\r\n");
}

#[test]
fn multi_key_commands_as_redis() {
    let mut s = Session::new();
    s.run("sadd a 1 2 3 4");
    s.run("sadd b 2 3 4 5 x");
    assert_eq!(
        s.run("sintercard 0 a"),
        r"-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(
        s.run("sintercard x a"),
        r"-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(
        s.run("sintercard 2 a"),
        r"-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(
        s.run("sintercard 1 a limit -1"),
        r"-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(
        s.run("sintercard 1 a limit x"),
        r"-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(s.run("sintercard 1 a foo 1"), r"-ERR syntax error\r\n");
    assert_eq!(s.run("sintercard 1 a limit"), r"-ERR syntax error\r\n");
    assert_eq!(s.run("sintercard 2 a nokey"), r":0\r\n");
    assert_eq!(s.run("sintercard 2 a b limit 0"), r":3\r\n");
    assert_eq!(s.run("sintercard 2 a b limit 2"), r":2\r\n");
    assert_eq!(
        s.run("sinter a b"),
        r"*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"
    );
    assert_eq!(s.run("sinter a nokey"), r"*0\r\n");
    assert_eq!(s.run("sinterstore d a b"), r":3\r\n");
    assert_eq!(s.encoding("d"), Some("intset"));
    assert_eq!(s.run("sinterstore d a nokey"), r":0\r\n");
    assert_eq!(s.exists("d"), 0);
    assert_eq!(
        s.run("sunion a b"),
        r"*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\nx\r\n"
    );
    assert_eq!(s.run("sunionstore u a b"), r":6\r\n");
    assert_eq!(s.encoding("u"), Some("listpack"));
    assert_eq!(s.run("sdiff b a"), r"*2\r\n$1\r\n5\r\n$1\r\nx\r\n");
    assert_eq!(s.run("sdiffstore df a b"), r":1\r\n");
    assert_eq!(s.encoding("df"), Some("intset"));
    assert_eq!(s.run("sdiff nokey a"), r"*0\r\n");
    assert_eq!(s.run("smove a b 1"), r":1\r\n");
    assert_eq!(s.run("smove a b 99"), r":0\r\n");
    assert_eq!(s.run("smove a a 2"), r":1\r\n");
    assert_eq!(s.run("smove a a 99"), r":0\r\n");
    assert_eq!(s.run("smove nokey b 1"), r":0\r\n");
    assert_eq!(s.run("smove a newdst 2"), r":1\r\n");
    assert_eq!(s.encoding("newdst"), Some("intset"));
    assert_eq!(s.run("smove b newdst2 x"), r":1\r\n");
    assert_eq!(s.encoding("newdst2"), Some("listpack"));
}

#[test]
fn sscan_as_redis() {
    let mut s = Session::new();
    s.run("sadd a 1 2 3");
    assert_eq!(s.run("sscan a 0 count 0"), r"-ERR syntax error\r\n");
    assert_eq!(
        s.run("sscan a 0 match 2"),
        r"*2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n"
    );
    assert_eq!(s.run("sscan a x"), r"-ERR invalid cursor\r\n");
    assert_eq!(s.run("sscan nokey 0 foo"), r"*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(s.run("sscan a 0 foo"), r"-ERR syntax error\r\n");
}

#[test]
fn spop_checks_arguments_in_redis_order() {
    let mut s = Session::new();
    s.run("sadd s a b");
    // The argument count is checked before the count itself.
    assert_eq!(s.run("spop nokey -4 1"), r"-ERR syntax error\r\n");
    assert_eq!(s.run("spop s x junk"), r"-ERR syntax error\r\n");
    // A huge count pops everything (and must not overflow counters).
    assert_eq!(
        s.run("spop s 9223372036854775807").len(),
        r"*2\r\n$1\r\na\r\n$1\r\nb\r\n".len()
    );
    assert_eq!(s.exists("s"), 0);
}

#[test]
fn spop_keeping_few_members_rebuilds_the_set() {
    let mut s = Session::new();
    // A hashtable of integers and one string: when most of it is popped,
    // the members kept form a new set, an intset again if they are all
    // integers (as in Redis 7.0).
    for i in 0..600 {
        s.runv(&["sadd", "h", &i.to_string()]);
    }
    assert_eq!(s.encoding("h"), Some("hashtable"));
    let r = s.run("spop h 590");
    assert!(r.starts_with(r"*590\r\n"), "{r}");
    assert_eq!(s.run("scard h"), r":10\r\n");
    assert_eq!(s.encoding("h"), Some("intset"));
    // Fewer popped: members are removed one by one, the encoding stays.
    for i in 0..600 {
        s.runv(&["sadd", "g", &i.to_string()]);
    }
    s.run("spop g 100");
    assert_eq!(s.encoding("g"), Some("hashtable"));
    assert_eq!(s.run("scard g"), r":500\r\n");
}

#[test]
fn sadd_of_many_integers_starts_as_intset() {
    let mut s = Session::new();
    // 600 arguments, 400 distinct integers: Redis 7.0 starts an intset and
    // only converts past set-max-intset-entries distinct members.
    let mut cmd = vec!["sadd".to_string(), "k".to_string()];
    for i in 0..600 {
        cmd.push((i % 400).to_string());
    }
    let v: Vec<&str> = cmd.iter().map(|x| x.as_str()).collect();
    assert_eq!(s.runv(&v), r":400\r\n");
    assert_eq!(s.encoding("k"), Some("intset"));
}
