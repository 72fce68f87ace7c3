//! Unit tests of the hash commands against replies captured from Redis 7.0.

use crate::commands::testutil::Session;

#[test]
fn basic_commands_as_redis() {
    let mut s = Session::new();
    assert_eq!(s.run("hset h a 1 b 2 c 3"), r":3\r\n");
    assert_eq!(
        s.run("hgetall h"),
        r"*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(s.run("hkeys h"), r"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    assert_eq!(s.run("hvals h"), r"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    assert_eq!(
        s.run("hmget h a x c"),
        r"*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n"
    );
    assert_eq!(s.run("hmget nokey a"), r"*1\r\n$-1\r\n");
    assert_eq!(s.run("hget h zz"), r"$-1\r\n");
    assert_eq!(s.run("hlen h"), r":3\r\n");
    assert_eq!(s.run("hlen nokey"), r":0\r\n");
    assert_eq!(s.run("hexists h a"), r":1\r\n");
    assert_eq!(s.run("hstrlen h a"), r":1\r\n");
    assert_eq!(s.run("hstrlen nokey a"), r":0\r\n");
    assert_eq!(s.run("hsetnx h a 9"), r":0\r\n");
    assert_eq!(s.run("hsetnx h d 4"), r":1\r\n");
    assert_eq!(s.run("hdel h a zz"), r":1\r\n");
    assert_eq!(s.run("hdel h b c d"), r":3\r\n");
    assert_eq!(s.exists("h"), 0);
    assert_eq!(
        s.run("hset h a 1 b"),
        r"-ERR wrong number of arguments for 'hset' command\r\n"
    );
    assert_eq!(
        s.run("hmset h a 1 b"),
        r"-ERR wrong number of arguments for 'hmset' command\r\n"
    );
    assert_eq!(s.run("hmset h x 1"), r"+OK\r\n");
    assert_eq!(s.run("hgetall nokey"), r"*0\r\n");
    s.run("set str x");
    for c in [
        "hget str a",
        "hset str a 1",
        "hgetall str",
        "hincrby str a 1",
        "hrandfield str",
        "hscan str 0",
        "hlen str",
    ] {
        assert_eq!(
            s.run(c),
            r"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "{c}"
        );
    }
}

#[test]
fn increments_as_redis() {
    let mut s = Session::new();
    assert_eq!(s.run("hincrby h new -7"), r":-7\r\n");
    assert_eq!(
        s.run("hincrby h a x"),
        r"-ERR value is not an integer or out of range\r\n"
    );
    s.run(r"hset h big 9223372036854775807 nonint abc sp \x201");
    assert_eq!(
        s.run("hincrby h big 1"),
        r"-ERR increment or decrement would overflow\r\n"
    );
    assert_eq!(
        s.run("hincrby h nonint 1"),
        r"-ERR hash value is not an integer\r\n"
    );
    assert_eq!(
        s.run("hincrby h sp 1"),
        r"-ERR hash value is not an integer\r\n"
    );
    assert_eq!(
        s.run("hincrbyfloat h nonint 1"),
        r"-ERR hash value is not a float\r\n"
    );
    assert_eq!(s.run("hincrbyfloat h fl 0.1"), r"$3\r\n0.1\r\n");
    assert_eq!(s.run("hincrbyfloat h fl 0.2"), r"$3\r\n0.3\r\n");
    assert_eq!(
        s.run("hincrbyfloat h fl inf"),
        r"-ERR value is NaN or Infinity\r\n"
    );
    assert_eq!(
        s.run("hincrbyfloat h fl abc"),
        r"-ERR value is not a valid float\r\n"
    );
    assert_eq!(s.run("hincrbyfloat h new 0x10"), r"$1\r\n9\r\n");
    let big = s.run("hincrbyfloat h c 1.5e300");
    assert_eq!(big, format!(r"$301\r\n{}\r\n", "1500000000000000000049800109861472166362379239118673928551219718248973529929812708792854310575830930686530644566050229406926646739311017606984258288377434143937602778196710661234655944195770838513268846826150205418632995547271874827072936230594920013241190363994471886080567336615911694509046614720512"));
    s.run("hset h m 1e4932");
    assert_eq!(
        s.run("hincrbyfloat h m 1e4932"),
        r"-ERR increment would produce NaN or Infinity\r\n"
    );
}

#[test]
fn encodings_follow_the_thresholds() {
    let mut s = Session::new();
    s.run("hset h a 1");
    assert_eq!(s.encoding("h"), Some("listpack"));
    let long = "x".repeat(65);
    s.runv(&["hincrby", "h", &long, "1"]);
    assert_eq!(s.encoding("h"), Some("hashtable"));
    s.runv(&["hsetnx", "h2", &long, "1"]);
    assert_eq!(s.encoding("h2"), Some("hashtable"));
    s.runv(&["hset", "h3", "f", &"y".repeat(64)]);
    assert_eq!(s.encoding("h3"), Some("listpack"));
}

#[test]
fn hrandfield_as_redis() {
    let mut s = Session::new();
    s.run("hset h a 1 b 2 c 3");
    let range = r"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n";
    assert_eq!(s.run("hrandfield h -9223372036854775808"), range);
    assert_eq!(
        s.run("hrandfield h 4611686018427387904 withvalues"),
        r"-ERR value is out of range\r\n"
    );
    assert_eq!(
        s.run("hrandfield h -4611686018427387904 withvalues"),
        r"-ERR value is out of range\r\n"
    );
    assert_eq!(
        s.run("hrandfield h 4611686018427387903 withvalues"),
        r"*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(s.run("hrandfield h 1 withvalue"), r"-ERR syntax error\r\n");
    assert_eq!(
        s.run("hrandfield h 1 withvalues x"),
        r"-ERR syntax error\r\n"
    );
    assert_eq!(
        s.run("hrandfield h x"),
        r"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(s.run("hrandfield nokey 5 withvalues"), r"*0\r\n");
    assert_eq!(s.run("hrandfield nokey"), r"$-1\r\n");
    assert_eq!(s.run("hrandfield h 0"), r"*0\r\n");
    assert_eq!(
        s.run("hrandfield h 100"),
        r"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    // Distinct picks, in listpack order.
    for _ in 0..20 {
        let r = s.run("hrandfield h 2");
        assert!(
            [
                r"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                r"*2\r\n$1\r\na\r\n$1\r\nc\r\n",
                r"*2\r\n$1\r\nb\r\n$1\r\nc\r\n"
            ]
            .contains(&r.as_str()),
            "{r}"
        );
    }
    // Repeats allowed: 10 picks out of 3.
    let r = s.run("hrandfield h -10 withvalues");
    assert!(r.starts_with(r"*20\r\n"), "{r}");
    s.proto = crate::protocol::Protocol::Resp3;
    let r = s.run("hrandfield h -2 withvalues");
    assert!(r.starts_with(r"*2\r\n*2\r\n"), "{r}");
}

#[test]
fn hscan_as_redis() {
    let mut s = Session::new();
    s.run("hset h a 1 sp 2");
    assert_eq!(
        s.run("hscan h 0"),
        r"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nsp\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        s.run("hscan h 0 match s*"),
        r"*2\r\n$1\r\n0\r\n*2\r\n$2\r\nsp\r\n$1\r\n2\r\n"
    );
    assert_eq!(s.run("hscan h abc"), r"-ERR invalid cursor\r\n");
    assert_eq!(
        s.run("hscan h 18446744073709551616"),
        r"-ERR invalid cursor\r\n"
    );
    assert_eq!(s.run("hscan h 0 count 0"), r"-ERR syntax error\r\n");
    assert_eq!(
        s.run("hscan h 0 count x"),
        r"-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(s.run("hscan h 0 type string"), r"-ERR syntax error\r\n");
    assert_eq!(s.run("hscan h 0 count 1 match"), r"-ERR syntax error\r\n");
    assert_eq!(s.run("hscan nokey 0 foo"), r"*2\r\n$1\r\n0\r\n*0\r\n");
    // A hashtable scan returns every field.
    for i in 0..1000 {
        s.runv(&["hset", "big", &format!("f{i}"), "v"]);
    }
    let mut cursor = "0".to_string();
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let reply = s.exec(&[
            b"hscan".to_vec(),
            b"big".to_vec(),
            cursor.into_bytes(),
            b"count".to_vec(),
            b"7".to_vec(),
        ]);
        let text = String::from_utf8(reply).unwrap();
        let parts: Vec<&str> = text.split("\r\n").collect();
        cursor = parts[2].to_string();
        for f in parts.iter().skip(5).step_by(4) {
            if f.starts_with('f') {
                seen.insert(f.to_string());
            }
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
}
