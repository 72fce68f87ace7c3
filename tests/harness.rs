//! Self-tests of the test harness (tests/common): RESP framing of every
//! RESP2/RESP3 type, and the server lifecycle against a real redis-server
//! (skipped when none is installed). Nothing here needs shardis.

mod common;

use common::{encode_command, parse_reply, reply_len, Reply};

#[test]
fn framing_of_every_resp_type() {
    let cases: &[&[u8]] = &[
        b"+OK\r\n",
        b"-ERR wrong\r\n",
        b":-42\r\n",
        b"$-1\r\n",
        b"$0\r\n\r\n",
        b"$4\r\na\r\nb\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n",
        b"_\r\n",
        b",3.14\r\n",
        b"#t\r\n",
        b"(12345678901234567890\r\n",
        b"=8\r\ntxt:abcd\r\n",
        b"!5\r\nERR x\r\n",
        b"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n_\r\n",
        b"~2\r\n:1\r\n:2\r\n",
        b">2\r\n+message\r\n$1\r\nx\r\n",
        b"|1\r\n+ttl\r\n:3\r\n$2\r\nhi\r\n",
        b"$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n",
        b"*?\r\n:1\r\n$1\r\nz\r\n.\r\n",
    ];
    for c in cases {
        assert_eq!(reply_len(c), Ok(Some(c.len())), "{}", common::escape(c));
        // Every strict prefix is incomplete.
        for i in 0..c.len() {
            assert_eq!(
                reply_len(&c[..i]),
                Ok(None),
                "prefix {i} of {}",
                common::escape(c)
            );
        }
        // Followed by another reply, only the first one is taken.
        let mut two = c.to_vec();
        two.extend_from_slice(b"+NEXT\r\n");
        assert_eq!(reply_len(&two), Ok(Some(c.len())));
        parse_reply(c).unwrap();
    }
    assert!(reply_len(b"?what\r\n").is_err());
    assert_eq!(
        parse_reply(b"*3\r\n$1\r\na\r\n:7\r\n$-1\r\n").unwrap(),
        Reply::Array(vec![Reply::Bulk(b"a".to_vec()), Reply::Int(7), Reply::Nil])
    );
    assert_eq!(
        parse_reply(b"|1\r\n+ttl\r\n:3\r\n$2\r\nhi\r\n").unwrap(),
        Reply::Bulk(b"hi".to_vec())
    );
    assert_eq!(
        parse_reply(b"$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n").unwrap(),
        Reply::Bulk(b"abc".to_vec())
    );
    assert_eq!(
        encode_command(&["SET", "k\r\n", ""]),
        b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$0\r\n\r\n".to_vec()
    );
}

#[test]
fn redis_lifecycle_raw_and_client() {
    if !common::redis_available() {
        eprintln!("SKIP: no redis-server");
        return;
    }
    let mut server = common::start_redis(&[]);
    let dir = server.dir.clone();
    assert!(dir.is_dir());

    // redis crate connection
    let mut con = server.client();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg(b"v\r\n\0")
        .query(&mut con)
        .unwrap();
    let v: Vec<u8> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, b"v\r\n\0");

    // raw: pipelined commands come back one reply at a time
    let mut raw = server.raw();
    let mut wire = encode_command(&["GET", "k"]);
    wire.extend(encode_command(&["MGET", "k", "nope"]));
    wire.extend(encode_command(&["NOSUCHCMD"]));
    wire.extend(encode_command(&["HELLO", "3"]));
    wire.extend(encode_command(&["GET", "nope"]));
    raw.send(&wire);
    assert_eq!(raw.read_reply(), b"$4\r\nv\r\n\0\r\n");
    assert_eq!(raw.read_reply(), b"*2\r\n$4\r\nv\r\n\0\r\n$-1\r\n");
    assert!(raw.read_reply().starts_with(b"-ERR unknown command"));
    let hello = raw.read_reply();
    assert!(hello.starts_with(b"%"), "{}", common::escape(&hello));
    assert_eq!(raw.read_reply(), b"_\r\n"); // RESP3 null
                                            // a big reply spanning many reads
    let big = vec![b'x'; 300_000];
    assert_eq!(raw.cmd(&[&b"SET"[..], b"big", &big]), b"+OK\r\n");
    let r = raw.cmd(&["GET", "big"]);
    assert_eq!(r.len(), 300_000 + 2 + "$300000\r\n".len());

    let pid = server.pid;
    assert!(server.is_running());
    drop(raw);
    drop(con);
    drop(server);
    assert!(!dir.exists(), "temp dir removed on drop");
    // the process is gone (reaped: kill(pid, 0) fails)
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, 0) }, -1);
}

#[test]
fn config_file_goes_first() {
    if !common::redis_available() {
        return;
    }
    let dir = common::unique_temp_dir("shardis-harness-conf");
    let conf = dir.join("test.conf");
    std::fs::write(&conf, "databases 4\n").unwrap();
    let server = common::start_redis(&[conf.to_str().unwrap(), "--maxmemory", "100mb"]);
    let mut raw = server.raw();
    assert!(raw.cmd(&["SELECT", "4"]).starts_with(b"-ERR"));
    assert_eq!(raw.cmd(&["SELECT", "3"]), b"+OK\r\n");
    let r = raw.cmd_parsed(&["CONFIG", "GET", "maxmemory"]);
    assert_eq!(r.as_array().unwrap()[1].as_bytes().unwrap(), b"104857600");
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}
