//! Unit tests of the list commands. Expected replies were captured from
//! Redis 7.0.

use bytes::Bytes;

use super::blocking::{BLMOVE, BLMPOP, BLPOP, BRPOP, BRPOPLPUSH};
use crate::blocking::{BlockingSpec, TimeoutReply};
use crate::commands::testutil::Session;
use crate::protocol::Protocol;

fn argv(line: &str) -> Vec<Bytes> {
    line.split(' ')
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

/// Runs a blocking spec's attempt; returns the escaped reply ("" = blocks).
fn attempt(s: &mut Session, spec: &BlockingSpec, line: &str) -> String {
    s.blocking_attempt(spec, line)
}

/// Runs a blocking spec's serve for the key at `key_arg`.
fn serve(s: &mut Session, spec: &BlockingSpec, line: &str, key_arg: usize) -> (bool, String) {
    s.blocking_serve(spec, line, key_arg)
}

#[test]
fn push_and_len() {
    let mut s = Session::new();
    assert_eq!(s.run("LPUSH l a b c"), ":3\\r\\n");
    assert_eq!(s.run("RPUSH l 1 2 300 -5 99999999999"), ":8\\r\\n");
    assert_eq!(s.run("LLEN l"), ":8\\r\\n");
    assert_eq!(s.run("LRANGE l 0 -1"), "*8\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n$1\\r\\n2\\r\\n$3\\r\\n300\\r\\n$2\\r\\n-5\\r\\n$11\\r\\n99999999999\\r\\n");
    assert_eq!(s.run("LPUSHX missing a"), ":0\\r\\n");
    assert_eq!(s.run("RPUSHX missing a"), ":0\\r\\n");
    assert_eq!(s.run("EXISTS missing"), ":0\\r\\n");
    assert_eq!(s.run("LPUSHX l x"), ":9\\r\\n");
    assert_eq!(s.run("RPUSHX l y z"), ":11\\r\\n");
    assert_eq!(s.run("LRANGE l 0 -1"), "*11\\r\\n$1\\r\\nx\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n$1\\r\\n2\\r\\n$3\\r\\n300\\r\\n$2\\r\\n-5\\r\\n$11\\r\\n99999999999\\r\\n$1\\r\\ny\\r\\n$1\\r\\nz\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LPUSH s a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("RPUSH s a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LPUSHX s a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("RPUSHX s a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LLEN s"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(s.run("LLEN missing"), ":0\\r\\n");
    assert_eq!(
        s.run("LPUSH l"),
        "-ERR wrong number of arguments for 'lpush' command\\r\\n"
    );
}

#[test]
fn pops() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH l a b c d e 7"), ":6\\r\\n");
    assert_eq!(s.run("LPOP l"), "$1\\r\\na\\r\\n");
    assert_eq!(s.run("RPOP l"), "$1\\r\\n7\\r\\n");
    assert_eq!(s.run("LPOP l 2"), "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n");
    assert_eq!(s.run("RPOP l 1"), "*1\\r\\n$1\\r\\ne\\r\\n");
    assert_eq!(s.run("LPOP l 0"), "*0\\r\\n");
    assert_eq!(
        s.run("RPOP l -1"),
        "-ERR value is out of range, must be positive\\r\\n"
    );
    assert_eq!(
        s.run("LPOP l abc"),
        "-ERR value is out of range, must be positive\\r\\n"
    );
    assert_eq!(
        s.run("LPOP l 1 2"),
        "-ERR wrong number of arguments for 'lpop' command\\r\\n"
    );
    assert_eq!(s.run("LPOP missing"), "$-1\\r\\n");
    assert_eq!(s.run("LPOP missing 1"), "*-1\\r\\n");
    assert_eq!(s.run("RPOP missing 0"), "*-1\\r\\n");
    assert_eq!(s.run("LPOP l 1000000000"), "*1\\r\\n$1\\r\\nd\\r\\n");
    assert_eq!(s.run("EXISTS l"), ":0\\r\\n");
    assert_eq!(s.run("RPUSH l 1 2 3"), ":3\\r\\n");
    assert_eq!(
        s.run("RPOP l 9223372036854775807"),
        "*3\\r\\n$1\\r\\n3\\r\\n$1\\r\\n2\\r\\n$1\\r\\n1\\r\\n"
    );
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LPOP s"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LPOP s 0"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("RPOP s 1"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LPOP s -1"),
        "-ERR value is out of range, must be positive\\r\\n"
    );
}

#[test]
fn range_index() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH l a b c d e f"), ":6\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 2"),
        "*3\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n"
    );
    assert_eq!(
        s.run("LRANGE l -2 -1"),
        "*2\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n"
    );
    assert_eq!(s.run("LRANGE l -100 100"), "*6\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n");
    assert_eq!(s.run("LRANGE l 4 2"), "*0\\r\\n");
    assert_eq!(s.run("LRANGE l 6 10"), "*0\\r\\n");
    assert_eq!(s.run("LRANGE l 0 9223372036854775807"), "*6\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n");
    assert_eq!(
        s.run("LRANGE l -9223372036854775808 0"),
        "*1\\r\\n$1\\r\\na\\r\\n"
    );
    assert_eq!(
        s.run("LRANGE l a 1"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("LRANGE missing 0 -1"), "*0\\r\\n");
    assert_eq!(
        s.run("LRANGE missing x 1"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("LINDEX l 0"), "$1\\r\\na\\r\\n");
    assert_eq!(s.run("LINDEX l -1"), "$1\\r\\nf\\r\\n");
    assert_eq!(s.run("LINDEX l 6"), "$-1\\r\\n");
    assert_eq!(s.run("LINDEX l -7"), "$-1\\r\\n");
    assert_eq!(
        s.run("LINDEX l x"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("LINDEX missing x"), "$-1\\r\\n");
    assert_eq!(s.run("LINDEX l 9223372036854775807"), "$-1\\r\\n");
    assert_eq!(s.run("LINDEX l -9223372036854775808"), "$-1\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LRANGE s 0 1"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LINDEX s 0"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LINDEX s x"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
}

#[test]
fn lset_linsert() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH l a b c"), ":3\\r\\n");
    assert_eq!(s.run("LSET l 1 B"), "+OK\\r\\n");
    assert_eq!(s.run("LSET l -1 C"), "+OK\\r\\n");
    assert_eq!(s.run("LSET l 3 x"), "-ERR index out of range\\r\\n");
    assert_eq!(s.run("LSET l -4 x"), "-ERR index out of range\\r\\n");
    assert_eq!(
        s.run("LSET l x y"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("LSET missing 0 x"), "-ERR no such key\\r\\n");
    assert_eq!(s.run("LSET missing x x"), "-ERR no such key\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 -1"),
        "*3\\r\\n$1\\r\\na\\r\\n$1\\r\\nB\\r\\n$1\\r\\nC\\r\\n"
    );
    assert_eq!(s.run("LINSERT l BEFORE a x"), ":4\\r\\n");
    assert_eq!(s.run("LINSERT l after C y"), ":5\\r\\n");
    assert_eq!(s.run("LINSERT l AFTER nope z"), ":-1\\r\\n");
    assert_eq!(s.run("LINSERT l middle a z"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("LINSERT missing before a b"), ":0\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 -1"),
        "*5\\r\\n$1\\r\\nx\\r\\n$1\\r\\na\\r\\n$1\\r\\nB\\r\\n$1\\r\\nC\\r\\n$1\\r\\ny\\r\\n"
    );
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LSET s 0 x"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LINSERT s before a b"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(s.run("LINSERT s middle a b"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("RPUSH n 1 2 3"), ":3\\r\\n");
    assert_eq!(s.run("LINSERT n after 2 20"), ":4\\r\\n");
    assert_eq!(s.run("LSET n 0 100000"), "+OK\\r\\n");
    assert_eq!(
        s.run("LRANGE n 0 -1"),
        "*4\\r\\n$6\\r\\n100000\\r\\n$1\\r\\n2\\r\\n$2\\r\\n20\\r\\n$1\\r\\n3\\r\\n"
    );
}

#[test]
fn lrem_ltrim() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH l a b a c a d a"), ":7\\r\\n");
    assert_eq!(s.run("LREM l 2 a"), ":2\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 -1"),
        "*5\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\na\\r\\n$1\\r\\nd\\r\\n$1\\r\\na\\r\\n"
    );
    assert_eq!(s.run("LREM l -1 a"), ":1\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 -1"),
        "*4\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\na\\r\\n$1\\r\\nd\\r\\n"
    );
    assert_eq!(s.run("LREM l 0 a"), ":1\\r\\n");
    assert_eq!(
        s.run("LRANGE l 0 -1"),
        "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n"
    );
    assert_eq!(s.run("LREM l 0 zz"), ":0\\r\\n");
    assert_eq!(
        s.run("LREM l x a"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("LREM missing 0 a"), ":0\\r\\n");
    assert_eq!(s.run("LREM l 0 b"), ":1\\r\\n");
    assert_eq!(s.run("LREM l 0 c"), ":1\\r\\n");
    assert_eq!(s.run("LREM l 0 d"), ":1\\r\\n");
    assert_eq!(s.run("EXISTS l"), ":0\\r\\n");
    assert_eq!(s.run("RPUSH t 1 2 3 4 5 6"), ":6\\r\\n");
    assert_eq!(s.run("LTRIM t 1 -2"), "+OK\\r\\n");
    assert_eq!(
        s.run("LRANGE t 0 -1"),
        "*4\\r\\n$1\\r\\n2\\r\\n$1\\r\\n3\\r\\n$1\\r\\n4\\r\\n$1\\r\\n5\\r\\n"
    );
    assert_eq!(s.run("LTRIM t -100 100"), "+OK\\r\\n");
    assert_eq!(s.run("LTRIM t 2 1"), "+OK\\r\\n");
    assert_eq!(s.run("EXISTS t"), ":0\\r\\n");
    assert_eq!(s.run("LTRIM missing 0 1"), "+OK\\r\\n");
    assert_eq!(
        s.run("LTRIM t x 1"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(s.run("RPUSH t 1 2 3"), ":3\\r\\n");
    assert_eq!(s.run("LTRIM t 0 9223372036854775807"), "+OK\\r\\n");
    assert_eq!(s.run("LTRIM t -9223372036854775808 0"), "+OK\\r\\n");
    assert_eq!(s.run("LRANGE t 0 -1"), "*1\\r\\n$1\\r\\n1\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LREM s 0 a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LTRIM s 0 1"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
}

#[test]
fn lpos() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH l a b c 1 2 3 c c"), ":8\\r\\n");
    assert_eq!(s.run("LPOS l c"), ":2\\r\\n");
    assert_eq!(s.run("LPOS l c RANK 2"), ":6\\r\\n");
    assert_eq!(s.run("LPOS l c RANK -1"), ":7\\r\\n");
    assert_eq!(s.run("LPOS l c RANK -3"), ":2\\r\\n");
    assert_eq!(s.run("LPOS l c RANK 4"), "$-1\\r\\n");
    assert_eq!(
        s.run("LPOS l c COUNT 0"),
        "*3\\r\\n:2\\r\\n:6\\r\\n:7\\r\\n"
    );
    assert_eq!(s.run("LPOS l c COUNT 2"), "*2\\r\\n:2\\r\\n:6\\r\\n");
    assert_eq!(
        s.run("LPOS l c COUNT 2 RANK -1"),
        "*2\\r\\n:7\\r\\n:6\\r\\n"
    );
    assert_eq!(s.run("LPOS l c COUNT 0 MAXLEN 3"), "*1\\r\\n:2\\r\\n");
    assert_eq!(s.run("LPOS l c MAXLEN 2"), "$-1\\r\\n");
    assert_eq!(s.run("LPOS l c RANK -1 MAXLEN 2"), ":7\\r\\n");
    assert_eq!(s.run("LPOS l 1"), ":3\\r\\n");
    assert_eq!(s.run("LPOS l 01"), "$-1\\r\\n");
    assert_eq!(s.run("LPOS l z"), "$-1\\r\\n");
    assert_eq!(s.run("LPOS l z COUNT 0"), "*0\\r\\n");
    assert_eq!(s.run("LPOS l c RANK 0"), "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\\r\\n");
    assert_eq!(
        s.run("LPOS l c RANK x"),
        "-ERR value is not an integer or out of range\\r\\n"
    );
    assert_eq!(
        s.run("LPOS l c COUNT -1"),
        "-ERR COUNT can't be negative\\r\\n"
    );
    assert_eq!(
        s.run("LPOS l c COUNT x"),
        "-ERR COUNT can't be negative\\r\\n"
    );
    assert_eq!(
        s.run("LPOS l c MAXLEN -1"),
        "-ERR MAXLEN can't be negative\\r\\n"
    );
    assert_eq!(s.run("LPOS l c FOO 1"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("LPOS l c RANK"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("LPOS l c RANK -9223372036854775808"), ":7\\r\\n");
    assert_eq!(
        s.run("LPOS l c RANK -9223372036854775808 COUNT 1"),
        "*3\\r\\n:7\\r\\n:6\\r\\n:2\\r\\n"
    );
    assert_eq!(
        s.run("LPOS l c RANK 9223372036854775807 COUNT 0"),
        "*0\\r\\n"
    );
    assert_eq!(s.run("LPOS missing c"), "$-1\\r\\n");
    assert_eq!(s.run("LPOS missing c COUNT 1"), "*0\\r\\n");
    assert_eq!(s.run("LPOS missing c RANK 0"), "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LPOS s a"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LPOS s a COUNT 0"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
}

#[test]
fn lmove() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH src a b c"), ":3\\r\\n");
    assert_eq!(s.run("LMOVE src dst LEFT RIGHT"), "$1\\r\\na\\r\\n");
    assert_eq!(s.run("LMOVE src dst RIGHT LEFT"), "$1\\r\\nc\\r\\n");
    assert_eq!(s.run("LRANGE src 0 -1"), "*1\\r\\n$1\\r\\nb\\r\\n");
    assert_eq!(
        s.run("LRANGE dst 0 -1"),
        "*2\\r\\n$1\\r\\nc\\r\\n$1\\r\\na\\r\\n"
    );
    assert_eq!(s.run("LMOVE src src LEFT RIGHT"), "$1\\r\\nb\\r\\n");
    assert_eq!(s.run("RPUSH r 1 2 3"), ":3\\r\\n");
    assert_eq!(s.run("LMOVE r r RIGHT LEFT"), "$1\\r\\n3\\r\\n");
    assert_eq!(
        s.run("LRANGE r 0 -1"),
        "*3\\r\\n$1\\r\\n3\\r\\n$1\\r\\n1\\r\\n$1\\r\\n2\\r\\n"
    );
    assert_eq!(
        s.run("LMOVE src dst middle left"),
        "-ERR syntax error\\r\\n"
    );
    assert_eq!(
        s.run("LMOVE src dst left middle"),
        "-ERR syntax error\\r\\n"
    );
    assert_eq!(s.run("LMOVE missing dst LEFT LEFT"), "$-1\\r\\n");
    assert_eq!(s.run("RPOPLPUSH src dst"), "$1\\r\\nb\\r\\n");
    assert_eq!(s.run("EXISTS src"), ":0\\r\\n");
    assert_eq!(
        s.run("LRANGE dst 0 -1"),
        "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\na\\r\\n"
    );
    assert_eq!(s.run("RPOPLPUSH missing dst"), "$-1\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LMOVE s dst LEFT LEFT"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("LMOVE dst s LEFT LEFT"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        s.run("RPOPLPUSH dst s"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(s.run("LMOVE missing s LEFT LEFT"), "$-1\\r\\n");
    assert_eq!(
        s.run("LRANGE dst 0 -1"),
        "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\na\\r\\n"
    );
}

#[test]
fn lmpop() {
    let mut s = Session::new();
    assert_eq!(s.run("RPUSH a 1 2 3 4 5"), ":5\\r\\n");
    assert_eq!(s.run("RPUSH b x"), ":1\\r\\n");
    assert_eq!(
        s.run("LMPOP 2 missing a LEFT"),
        "*2\\r\\n$1\\r\\na\\r\\n*1\\r\\n$1\\r\\n1\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 2 missing a RIGHT COUNT 2"),
        "*2\\r\\n$1\\r\\na\\r\\n*2\\r\\n$1\\r\\n5\\r\\n$1\\r\\n4\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 2 a b LEFT COUNT 10"),
        "*2\\r\\n$1\\r\\na\\r\\n*2\\r\\n$1\\r\\n2\\r\\n$1\\r\\n3\\r\\n"
    );
    assert_eq!(s.run("EXISTS a"), ":0\\r\\n");
    assert_eq!(
        s.run("LMPOP 3 missing a b right count 1"),
        "*2\\r\\n$1\\r\\nb\\r\\n*1\\r\\n$1\\r\\nx\\r\\n"
    );
    assert_eq!(s.run("LMPOP 1 missing LEFT"), "*-1\\r\\n");
    assert_eq!(
        s.run("LMPOP 0 a LEFT"),
        "-ERR numkeys should be greater than 0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP -1 a LEFT"),
        "-ERR numkeys should be greater than 0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP x a LEFT"),
        "-ERR numkeys should be greater than 0\\r\\n"
    );
    assert_eq!(s.run("LMPOP 3 a LEFT"), "-ERR syntax error\\r\\n");
    assert_eq!(
        s.run("LMPOP 9223372036854775807 a LEFT"),
        "-ERR syntax error\\r\\n"
    );
    assert_eq!(s.run("LMPOP 1 a MIDDLE"), "-ERR syntax error\\r\\n");
    assert_eq!(
        s.run("LMPOP 1 a LEFT COUNT 0"),
        "-ERR count should be greater than 0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 1 a LEFT COUNT -1"),
        "-ERR count should be greater than 0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 1 a LEFT COUNT x"),
        "-ERR count should be greater than 0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 1 a LEFT COUNT 1 COUNT 1"),
        "-ERR syntax error\\r\\n"
    );
    assert_eq!(s.run("LMPOP 1 a LEFT FOO"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("LMPOP 1 a LEFT COUNT"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("SET s v"), "+OK\\r\\n");
    assert_eq!(
        s.run("LMPOP 2 missing s LEFT"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(s.run("RPUSH c 1"), ":1\\r\\n");
    assert_eq!(
        s.run("LMPOP 2 c s LEFT"),
        "*2\\r\\n$1\\r\\nc\\r\\n*1\\r\\n$1\\r\\n1\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 2 s c LEFT"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
}

#[test]
fn encoding_is_quicklist() {
    let mut s = Session::new();
    s.run("RPUSH l a");
    assert_eq!(s.encoding("l"), Some("quicklist"));
    for i in 0..2000 {
        s.run(&format!("RPUSH l {}", i));
    }
    assert_eq!(s.encoding("l"), Some("quicklist"));
}

#[test]
fn dirty_counts_as_redis() {
    // Figures from rdb_changes_since_last_save on Redis 7.0.
    let mut s = Session::new();
    let step = |s: &mut Session, line: &str, want: u64| {
        let before = s.dirty;
        s.run(line);
        assert_eq!(s.dirty - before, want, "{}", line);
    };
    step(&mut s, "RPUSH a 1 2 3 4 5", 5);
    step(&mut s, "LPOP a 2", 2);
    step(&mut s, "LMPOP 1 a LEFT COUNT 2", 2);
    step(&mut s, "RPUSH b 1 2 1 2 1", 5);
    step(&mut s, "LREM b 0 1", 3);
    step(&mut s, "RPUSH t 1 2 3 4 5 6", 6);
    step(&mut s, "LTRIM t 1 2", 4);
    step(&mut s, "LPOP a 0", 0);
    step(&mut s, "LMOVE t t LEFT RIGHT", 1);
    step(&mut s, "LINSERT t BEFORE 2 x", 1);
    step(&mut s, "LINSERT t BEFORE nope x", 0);
    step(&mut s, "LSET t 0 y", 1);
}

#[test]
fn resp3_null_forms() {
    let mut s = Session::new();
    s.proto = Protocol::Resp3;
    assert_eq!(s.run("LPOP missing"), "_\\r\\n");
    assert_eq!(s.run("LPOP missing 1"), "_\\r\\n");
    assert_eq!(s.run("LINDEX missing 0"), "_\\r\\n");
    assert_eq!(s.run("LPOS missing a"), "_\\r\\n");
    assert_eq!(s.run("LMPOP 1 missing LEFT"), "_\\r\\n");
    assert_eq!(s.run("LMOVE missing d LEFT LEFT"), "_\\r\\n");
    s.run("RPUSH l a");
    assert_eq!(s.run("LPOP l 0"), "*0\\r\\n");
}

#[test]
fn huge_counts_do_not_preallocate() {
    let mut s = Session::new();
    s.run("RPUSH l a b");
    assert_eq!(
        s.run("LRANGE l 0 9223372036854775807"),
        "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n"
    );
    assert_eq!(
        s.run("LPOS l a COUNT 9223372036854775807"),
        "*1\\r\\n:0\\r\\n"
    );
    assert_eq!(
        s.run("LMPOP 1 l RIGHT COUNT 9223372036854775807"),
        "*2\\r\\n$1\\r\\nl\\r\\n*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\na\\r\\n"
    );
}

#[test]
fn long_lists_across_nodes() {
    let mut s = Session::new();
    for chunk in 0..50 {
        let mut line = String::from("RPUSH big");
        for i in 0..100 {
            line.push_str(&format!(" element-{:06}", chunk * 100 + i));
        }
        s.run(&line);
    }
    assert_eq!(s.run("LLEN big"), ":5000\\r\\n");
    assert_eq!(s.run("LINDEX big 4321"), "$14\\r\\nelement-004321\\r\\n");
    assert_eq!(s.run("LINDEX big -1"), "$14\\r\\nelement-004999\\r\\n");
    assert_eq!(s.run("LSET big 2500 x"), "+OK\\r\\n");
    assert_eq!(s.run("LPOS big x"), ":2500\\r\\n");
    assert_eq!(s.run("LINSERT big AFTER x y"), ":5001\\r\\n");
    assert_eq!(
        s.run("LRANGE big 2500 2501"),
        "*2\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n"
    );
    assert_eq!(s.run("LREM big 0 y"), ":1\\r\\n");
    assert_eq!(s.run("LTRIM big 1000 -1001"), "+OK\\r\\n");
    assert_eq!(s.run("LLEN big"), ":3000\\r\\n");
    assert_eq!(s.run("LINDEX big 0"), "$14\\r\\nelement-001000\\r\\n");
}

#[test]
fn blocking_specs_shape() {
    let a = argv("BLPOP a b c 0");
    assert_eq!((BLPOP.timeout_arg)(&a), 4);
    assert_eq!((BLPOP.wait_keys)(&a), vec![1, 2, 3]);
    assert!(BLPOP.destination.is_none());
    assert_eq!(BLPOP.timeout_reply, TimeoutReply::NullArray);
    let a = argv("BLMOVE s d LEFT RIGHT 0");
    assert_eq!((BLMOVE.timeout_arg)(&a), 5);
    assert_eq!((BLMOVE.wait_keys)(&a), vec![1]);
    assert_eq!(BLMOVE.destination.map(|f| f(&a)), Some(2));
    assert_eq!(BLMOVE.timeout_reply, TimeoutReply::NullArray);
    let a = argv("BRPOPLPUSH s d 0");
    assert_eq!((BRPOPLPUSH.timeout_arg)(&a), 3);
    assert_eq!(BRPOPLPUSH.timeout_reply, TimeoutReply::NullArray);
    let a = argv("BLMPOP 0 2 a b LEFT COUNT 2");
    assert_eq!((BLMPOP.timeout_arg)(&a), 1);
    assert_eq!((BLMPOP.wait_keys)(&a), vec![3, 4]);
}

#[test]
fn blocking_attempts() {
    let mut s = Session::new();
    // Nothing to pop: nothing written (the client waits).
    assert_eq!(attempt(&mut s, &BLPOP, "BLPOP a b 0"), "");
    assert_eq!(attempt(&mut s, &BLMOVE, "BLMOVE a b LEFT RIGHT 0"), "");
    assert_eq!(attempt(&mut s, &BRPOPLPUSH, "BRPOPLPUSH a b 0"), "");
    assert_eq!(attempt(&mut s, &BLMPOP, "BLMPOP 0 2 a b LEFT"), "");
    // Argument errors are replies.
    assert_eq!(
        attempt(&mut s, &BLMOVE, "BLMOVE a b UP RIGHT 0"),
        "-ERR syntax error\\r\\n"
    );
    assert_eq!(
        attempt(&mut s, &BLMPOP, "BLMPOP 0 0 a LEFT"),
        "-ERR numkeys should be greater than 0\\r\\n"
    );
    assert_eq!(
        attempt(&mut s, &BLMPOP, "BLMPOP 0 1 a LEFT COUNT 0"),
        "-ERR count should be greater than 0\\r\\n"
    );
    s.run("SET str v");
    assert_eq!(
        attempt(&mut s, &BLPOP, "BLPOP a str 0"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    s.run("RPUSH b x y z");
    assert_eq!(
        attempt(&mut s, &BLPOP, "BLPOP a b str 0"),
        "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\nx\\r\\n"
    );
    assert_eq!(
        attempt(&mut s, &BRPOP, "BRPOP a b 0"),
        "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\nz\\r\\n"
    );
    assert_eq!(
        attempt(&mut s, &BLMOVE, "BLMOVE b str LEFT RIGHT 0"),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    assert_eq!(
        attempt(&mut s, &BRPOPLPUSH, "BRPOPLPUSH b d 0"),
        "$1\\r\\ny\\r\\n"
    );
    assert_eq!(s.exists("b"), 0);
    s.run("RPUSH m 1 2 3");
    assert_eq!(
        attempt(&mut s, &BLMPOP, "BLMPOP 0 2 a m RIGHT COUNT 2"),
        "*2\\r\\n$1\\r\\nm\\r\\n*2\\r\\n$1\\r\\n3\\r\\n$1\\r\\n2\\r\\n"
    );
}

#[test]
fn blocking_serves() {
    let mut s = Session::new();
    // Missing, or another type: not served, nothing changed.
    assert_eq!(
        serve(&mut s, &BLPOP, "BLPOP a b 0", 2),
        (false, String::new())
    );
    s.run("SET str v");
    assert_eq!(
        serve(&mut s, &BLPOP, "BLPOP str 0", 1),
        (false, String::new())
    );
    assert_eq!(
        serve(&mut s, &BLMOVE, "BLMOVE str d LEFT LEFT 0", 1),
        (false, String::new())
    );
    s.run("RPUSH b x y");
    let d0 = s.dirty;
    assert_eq!(
        serve(&mut s, &BLPOP, "BLPOP a b 0", 2),
        (true, "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\nx\\r\\n".to_string())
    );
    assert_eq!(s.dirty - d0, 1);
    assert_eq!(
        serve(&mut s, &BRPOP, "BRPOP b 0", 1),
        (true, "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\ny\\r\\n".to_string())
    );
    assert_eq!(s.exists("b"), 0);
    // BLMOVE: the whole move.
    s.run("RPUSH src 1 2 3");
    assert_eq!(
        serve(&mut s, &BLMOVE, "BLMOVE src dst RIGHT LEFT 0", 1),
        (true, "$1\\r\\n3\\r\\n".to_string())
    );
    assert_eq!(s.run("LRANGE dst 0 -1"), "*1\\r\\n$1\\r\\n3\\r\\n");
    assert_eq!(
        serve(&mut s, &BRPOPLPUSH, "BRPOPLPUSH src dst 0", 1),
        (true, "$1\\r\\n2\\r\\n".to_string())
    );
    assert_eq!(
        s.run("LRANGE dst 0 -1"),
        "*2\\r\\n$1\\r\\n2\\r\\n$1\\r\\n3\\r\\n"
    );
    // Destination of another type: the client gets WRONGTYPE, nothing moves
    // (as a blocked Redis client does).
    assert_eq!(
        serve(&mut s, &BLMOVE, "BLMOVE src str LEFT LEFT 0", 1),
        (
            true,
            "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n".to_string()
        )
    );
    assert_eq!(s.run("LRANGE src 0 -1"), "*1\\r\\n$1\\r\\n1\\r\\n");
    // Rotation of a one-element list keeps the key.
    assert_eq!(
        serve(&mut s, &BLMOVE, "BLMOVE src src LEFT RIGHT 0", 1),
        (true, "$1\\r\\n1\\r\\n".to_string())
    );
    assert_eq!(s.exists("src"), 1);
    // BLMPOP: [key, [elements]].
    s.run("RPUSH m a b c");
    assert_eq!(
        serve(&mut s, &BLMPOP, "BLMPOP 0 2 x m LEFT COUNT 5", 4),
        (
            true,
            "*2\\r\\n$1\\r\\nm\\r\\n*3\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n"
                .to_string()
        )
    );
    assert_eq!(s.exists("m"), 0);
    assert_eq!(
        serve(&mut s, &BLMPOP, "BLMPOP 0 2 x m LEFT", 4),
        (false, String::new())
    );
}
