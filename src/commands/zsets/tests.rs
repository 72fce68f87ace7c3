//! Command tests; expected replies are those of Redis 7.0.15 for the same
//! command sequence.

use crate::commands::testutil::Session;
use crate::protocol::Protocol;

#[test]
#[rustfmt::skip]
fn basic_commands_as_redis() {
        let mut s = Session::new();
        assert_eq!(s.run("zadd z 1 a 2 b 3 c"), ":3\\r\\n");
        assert_eq!(s.run("zadd z 1 a"), ":0\\r\\n");
        assert_eq!(s.run("zadd z ch 5 a"), ":1\\r\\n");
        assert_eq!(s.run("zadd z nx 10 a 4 d"), ":1\\r\\n");
        assert_eq!(s.run("zadd z xx 11 e 12 a"), ":0\\r\\n");
        assert_eq!(s.run("zadd z gt 1 a"), ":0\\r\\n");
        assert_eq!(s.run("zadd z lt 1 a"), ":0\\r\\n");
        assert_eq!(s.run("zadd z gt ch 20 a"), ":1\\r\\n");
        assert_eq!(s.run("zadd z xx incr 1 zz"), "$-1\\r\\n");
        assert_eq!(s.run("zadd z incr 0.5 b"), "$3\\r\\n2.5\\r\\n");
        assert_eq!(s.run("zadd z nx incr 1 b"), "$-1\\r\\n");
        assert_eq!(s.run("zadd z nx xx 1 a"), "-ERR XX and NX options at the same time are not compatible\\r\\n");
        assert_eq!(s.run("zadd z gt lt 1 a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\\r\\n");
        assert_eq!(s.run("zadd z gt nx 1 a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\\r\\n");
        assert_eq!(s.run("zadd z incr 1 a 2 b"), "-ERR INCR option supports a single increment-element pair\\r\\n");
        assert_eq!(s.run("zadd z 1"), "-ERR wrong number of arguments for 'zadd' command\\r\\n");
        assert_eq!(s.run("zadd z 1 a 2"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zadd z nan a"), "-ERR value is not a valid float\\r\\n");
        assert_eq!(s.run("zadd z x a"), "-ERR value is not a valid float\\r\\n");
        assert_eq!(s.run("zadd z 1 a xx"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zadd z -inf ninf +inf pinf"), ":2\\r\\n");
        assert_eq!(s.run("zadd z incr -inf pinf"), "-ERR resulting score is not a number (NaN)\\r\\n");
        assert_eq!(s.run("zadd z 0.1 tenth 1e20 big -0 negzero"), ":3\\r\\n");
        assert_eq!(s.run("zincrby z 1.5 c"), "$3\\r\\n4.5\\r\\n");
        assert_eq!(s.run("zincrby z x c"), "-ERR value is not a valid float\\r\\n");
        assert_eq!(s.run("zincrby z 2 new"), "$1\\r\\n2\\r\\n");
        assert_eq!(s.run("zscore z c"), "$3\\r\\n4.5\\r\\n");
        assert_eq!(s.run("zscore z nosuch"), "$-1\\r\\n");
        assert_eq!(s.run("zscore nokey a"), "$-1\\r\\n");
        assert_eq!(s.run("zmscore z a nosuch c"), "*3\\r\\n$2\\r\\n20\\r\\n$-1\\r\\n$3\\r\\n4.5\\r\\n");
        assert_eq!(s.run("zmscore nokey a"), "*1\\r\\n$-1\\r\\n");
        assert_eq!(s.run("zcard z"), ":10\\r\\n");
        assert_eq!(s.run("zcard nokey"), ":0\\r\\n");
        assert_eq!(s.run("zrank z c"), ":6\\r\\n");
        assert_eq!(s.run("zrevrank z c"), ":3\\r\\n");
        assert_eq!(s.run("zrank z nosuch"), "$-1\\r\\n");
        assert_eq!(s.run("zrem z a nosuch b"), ":2\\r\\n");
        assert_eq!(s.run("zrem nokey a"), ":0\\r\\n");
        assert_eq!(s.run("set str x"), "+OK\\r\\n");
        assert_eq!(s.run("zadd str 1 a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zscore str a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zcard str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zrank str a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zrem str a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zadd str x a"), "-ERR value is not a valid float\\r\\n");
        assert_eq!(s.run("zincrby str 1 a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zadd small 1 a 2 b"), ":2\\r\\n");
        assert_eq!(s.encoding("small"), Some("listpack"));
        assert_eq!(s.run("zrem small a b"), ":2\\r\\n");
        assert_eq!(s.run("exists small"), ":0\\r\\n");
        s.proto = Protocol::Resp3;
        assert_eq!(s.run("zscore z c"), ",4.5\\r\\n");
        assert_eq!(s.run("zmscore z c nosuch"), "*2\\r\\n,4.5\\r\\n_\\r\\n");
        assert_eq!(s.run("zadd z incr 1 c"), ",5.5\\r\\n");
        assert_eq!(s.run("zadd z xx incr 1 nosuch"), "_\\r\\n");
}

#[test]
#[rustfmt::skip]
fn range_commands_as_redis() {
        let mut s = Session::new();
        assert_eq!(s.run("zadd z 1 a 2 b 3 c 4 d 5 e 5 f 6 g"), ":7\\r\\n");
        assert_eq!(s.run("zrange z 0 -1"), "*7\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z 2 3 withscores"), "*4\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.run("zrange z -3 -1"), "*3\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z 5 1"), "*0\\r\\n");
        assert_eq!(s.run("zrange z 0 100"), "*7\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z -100 1"), "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n");
        assert_eq!(s.run("zrange z 0 9223372036854775807"), "*7\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z -9223372036854775808 9223372036854775807"), "*7\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z 0 -1 rev"), "*7\\r\\n$1\\r\\ng\\r\\n$1\\r\\nf\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n$1\\r\\na\\r\\n");
        assert_eq!(s.run("zrange z 0 1 rev withscores"), "*4\\r\\n$1\\r\\ng\\r\\n$1\\r\\n6\\r\\n$1\\r\\nf\\r\\n$1\\r\\n5\\r\\n");
        assert_eq!(s.run("zrange z (1 5 byscore"), "*5\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n");
        assert_eq!(s.run("zrange z (1 (5 byscore withscores"), "*6\\r\\n$1\\r\\nb\\r\\n$1\\r\\n2\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.run("zrange z -inf +inf byscore limit 1 2"), "*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n");
        assert_eq!(s.run("zrange z -inf +inf byscore limit 1 -1"), "*6\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrange z -inf +inf byscore limit -1 2"), "*0\\r\\n");
        assert_eq!(s.run("zrange z -inf +inf byscore limit 0 0"), "*0\\r\\n");
        assert_eq!(s.run("zrange z +inf -inf byscore rev limit 1 3 withscores"), "*6\\r\\n$1\\r\\nf\\r\\n$1\\r\\n5\\r\\n$1\\r\\ne\\r\\n$1\\r\\n5\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.run("zrange z 5 (1 byscore rev"), "*5\\r\\n$1\\r\\nf\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n");
        assert_eq!(s.run("zrange z 0 1 limit 0 1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\\r\\n");
        assert_eq!(s.run("zrange z 0 1 limit 0 -1"), "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n");
        assert_eq!(s.run("zrange z 0 1 byscore bylex"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrange z 0 1 rev rev"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrange z x 1"), "-ERR value is not an integer or out of range\\r\\n");
        assert_eq!(s.run("zrange z (x 1 byscore"), "-ERR min or max is not a float\\r\\n");
        assert_eq!(s.run("zrange z a b bylex"), "-ERR min or max not valid string range item\\r\\n");
        assert_eq!(s.run("zrange z - + bylex withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\\r\\n");
        assert_eq!(s.run("zrange z 0 1 limit x 1"), "-ERR value is not an integer or out of range\\r\\n");
        assert_eq!(s.run("zrange z 0 1 limit 1"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrange z 0 1 foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrange nokey 0 -1"), "*0\\r\\n");
        assert_eq!(s.run("zrevrange z 0 2 withscores"), "*6\\r\\n$1\\r\\ng\\r\\n$1\\r\\n6\\r\\n$1\\r\\nf\\r\\n$1\\r\\n5\\r\\n$1\\r\\ne\\r\\n$1\\r\\n5\\r\\n");
        assert_eq!(s.run("zrevrange z 0 2 limit 0 1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\\r\\n");
        assert_eq!(s.run("zrevrange z 0 2 rev"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrangebyscore z 2 5"), "*5\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n");
        assert_eq!(s.run("zrangebyscore z 2 5 withscores limit 1 2"), "*4\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.run("zrangebyscore z (2 +inf"), "*5\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrangebyscore z 5 2"), "*0\\r\\n");
        assert_eq!(s.run("zrangebyscore z 2 5 rev"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrangebyscore z 2 5 byscore"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrangebyscore z nan 5"), "-ERR min or max is not a float\\r\\n");
        assert_eq!(s.run("zrangebyscore z \"\" 5"), "*6\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n");
        assert_eq!(s.run("zrevrangebyscore z 5 2"), "*5\\r\\n$1\\r\\nf\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n");
        assert_eq!(s.run("zrevrangebyscore z 5 (2 withscores limit 0 2"), "*4\\r\\n$1\\r\\nf\\r\\n$1\\r\\n5\\r\\n$1\\r\\ne\\r\\n$1\\r\\n5\\r\\n");
        assert_eq!(s.run("zrevrangebyscore z 2 5"), "*0\\r\\n");
        assert_eq!(s.run("zcount z 2 5"), ":5\\r\\n");
        assert_eq!(s.run("zcount z (2 (5"), ":2\\r\\n");
        assert_eq!(s.run("zcount z -inf +inf"), ":7\\r\\n");
        assert_eq!(s.run("zcount z x 1"), "-ERR min or max is not a float\\r\\n");
        assert_eq!(s.run("zcount nokey 0 1"), ":0\\r\\n");
        assert_eq!(s.run("zadd l 0 a 0 b 0 c 0 d 0 e 0 f 0 g"), ":7\\r\\n");
        assert_eq!(s.run("zrangebylex l - +"), "*7\\r\\n$1\\r\\na\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zrangebylex l [b (e"), "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n");
        assert_eq!(s.run("zrangebylex l (b [e limit 1 2"), "*2\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n");
        assert_eq!(s.run("zrangebylex l + -"), "*0\\r\\n");
        assert_eq!(s.run("zrangebylex l b e"), "-ERR min or max not valid string range item\\r\\n");
        assert_eq!(s.run("zrangebylex l [a [a"), "*1\\r\\n$1\\r\\na\\r\\n");
        assert_eq!(s.run("zrevrangebylex l + -"), "*7\\r\\n$1\\r\\ng\\r\\n$1\\r\\nf\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n$1\\r\\nb\\r\\n$1\\r\\na\\r\\n");
        assert_eq!(s.run("zrevrangebylex l [e (b"), "*3\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n");
        assert_eq!(s.run("zrevrangebylex l [e (b limit 1 1"), "*1\\r\\n$1\\r\\nd\\r\\n");
        assert_eq!(s.run("zrange l [e (b bylex rev"), "*3\\r\\n$1\\r\\ne\\r\\n$1\\r\\nd\\r\\n$1\\r\\nc\\r\\n");
        assert_eq!(s.run("zrange l [b [e bylex limit 1 10"), "*3\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n");
        assert_eq!(s.run("zlexcount l - +"), ":7\\r\\n");
        assert_eq!(s.run("zlexcount l [b (e"), ":3\\r\\n");
        assert_eq!(s.run("zlexcount l x y"), "-ERR min or max not valid string range item\\r\\n");
        assert_eq!(s.run("zlexcount nokey - +"), ":0\\r\\n");
        assert_eq!(s.run("zrangestore d z 1 3"), ":3\\r\\n");
        assert_eq!(s.run("zrange d 0 -1 withscores"), "*6\\r\\n$1\\r\\nb\\r\\n$1\\r\\n2\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.encoding("d"), Some("listpack"));
        assert_eq!(s.run("zrangestore d z 2 5 byscore rev limit 0 2"), ":0\\r\\n");
        assert_eq!(s.run("zrange d 0 -1 withscores"), "*0\\r\\n");
        assert_eq!(s.run("zrangestore d z 0 1 withscores"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrangestore d nokey 0 -1"), ":0\\r\\n");
        assert_eq!(s.run("exists d"), ":0\\r\\n");
        assert_eq!(s.run("zrangestore d l [b [d bylex"), ":3\\r\\n");
        assert_eq!(s.run("zrange d 0 -1"), "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n");
        assert_eq!(s.run("zremrangebyrank z 0 1"), ":2\\r\\n");
        assert_eq!(s.run("zrange z 0 -1"), "*5\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zremrangebyrank z x 1"), "-ERR value is not an integer or out of range\\r\\n");
        assert_eq!(s.run("zremrangebyscore z (4 5"), ":2\\r\\n");
        assert_eq!(s.run("zrange z 0 -1 withscores"), "*6\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n$1\\r\\ng\\r\\n$1\\r\\n6\\r\\n");
        assert_eq!(s.run("zremrangebyscore z a 1"), "-ERR min or max is not a float\\r\\n");
        assert_eq!(s.run("zremrangebylex l - [b"), ":2\\r\\n");
        assert_eq!(s.run("zremrangebylex l x y"), "-ERR min or max not valid string range item\\r\\n");
        assert_eq!(s.run("zrange l 0 -1"), "*5\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n$1\\r\\ne\\r\\n$1\\r\\nf\\r\\n$1\\r\\ng\\r\\n");
        assert_eq!(s.run("zremrangebyrank z 0 -1"), ":3\\r\\n");
        assert_eq!(s.run("exists z"), ":0\\r\\n");
        assert_eq!(s.run("zremrangebyrank nokey 0 -1"), ":0\\r\\n");
        assert_eq!(s.run("set str x"), "+OK\\r\\n");
        assert_eq!(s.run("zrange str 0 -1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zrangestore d str 0 -1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zcount str 0 1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zlexcount str - +"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zremrangebyrank str 0 1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        s.proto = Protocol::Resp3;
        assert_eq!(s.run("zrange l 0 1 withscores"), "*2\\r\\n*2\\r\\n$1\\r\\nc\\r\\n,0\\r\\n*2\\r\\n$1\\r\\nd\\r\\n,0\\r\\n");
        assert_eq!(s.run("zrevrangebyscore l +inf -inf withscores limit 0 2"), "*2\\r\\n*2\\r\\n$1\\r\\ng\\r\\n,0\\r\\n*2\\r\\n$1\\r\\nf\\r\\n,0\\r\\n");
        assert_eq!(s.run("zrange l 0 1"), "*2\\r\\n$1\\r\\nc\\r\\n$1\\r\\nd\\r\\n");
}

#[test]
#[rustfmt::skip]
fn pop_setop_random_commands_as_redis() {
        let mut s = Session::new();
        assert_eq!(s.run("zadd z 1 a 2 b 3 c 4 d 5 e"), ":5\\r\\n");
        assert_eq!(s.run("zpopmin z"), "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zpopmax z"), "*2\\r\\n$1\\r\\ne\\r\\n$1\\r\\n5\\r\\n");
        assert_eq!(s.run("zpopmin z 0"), "*0\\r\\n");
        assert_eq!(s.run("zpopmin z -1"), "-ERR value is out of range, must be positive\\r\\n");
        assert_eq!(s.run("zpopmin z x"), "-ERR value is out of range, must be positive\\r\\n");
        assert_eq!(s.run("zpopmin z 1 2"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zpopmin z 2"), "*4\\r\\n$1\\r\\nb\\r\\n$1\\r\\n2\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n");
        assert_eq!(s.run("zpopmax z 100"), "*2\\r\\n$1\\r\\nd\\r\\n$1\\r\\n4\\r\\n");
        assert_eq!(s.run("exists z"), ":0\\r\\n");
        assert_eq!(s.run("zpopmin nokey"), "*0\\r\\n");
        assert_eq!(s.run("zpopmin nokey 3"), "*0\\r\\n");
        assert_eq!(s.run("set str x"), "+OK\\r\\n");
        assert_eq!(s.run("zpopmin str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zpopmin str 0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zpopmin str -1"), "-ERR value is out of range, must be positive\\r\\n");
        assert_eq!(s.run("zadd z 1 a 2 b 3 c"), ":3\\r\\n");
        assert_eq!(s.run("zadd y 10 x"), ":1\\r\\n");
        assert_eq!(s.run("zmpop 2 nokey z min"), "*2\\r\\n$1\\r\\nz\\r\\n*1\\r\\n*2\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zmpop 2 nokey z max count 10"), "*2\\r\\n$1\\r\\nz\\r\\n*2\\r\\n*2\\r\\n$1\\r\\nc\\r\\n$1\\r\\n3\\r\\n*2\\r\\n$1\\r\\nb\\r\\n$1\\r\\n2\\r\\n");
        assert_eq!(s.run("zmpop 2 nokey z min"), "*-1\\r\\n");
        assert_eq!(s.run("zmpop 1 y max count 5"), "*2\\r\\n$1\\r\\ny\\r\\n*1\\r\\n*2\\r\\n$1\\r\\nx\\r\\n$2\\r\\n10\\r\\n");
        assert_eq!(s.run("zmpop 1 nokey min"), "*-1\\r\\n");
        assert_eq!(s.run("zmpop 0 z min"), "-ERR numkeys should be greater than 0\\r\\n");
        assert_eq!(s.run("zmpop 2 z min"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zmpop 1 z foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zmpop 1 z min count 0"), "-ERR count should be greater than 0\\r\\n");
        assert_eq!(s.run("zmpop 1 z min count x"), "-ERR count should be greater than 0\\r\\n");
        assert_eq!(s.run("zmpop 1 z min count 1 count 2"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zmpop 1 z min foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zmpop 2 str z min"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zmpop -1 z min"), "-ERR numkeys should be greater than 0\\r\\n");
        assert_eq!(s.run("zadd z 1 a 2 b 3 c"), ":3\\r\\n");
        s.proto = Protocol::Resp3;
        assert_eq!(s.run("zpopmin z"), "*2\\r\\n$1\\r\\na\\r\\n,1\\r\\n");
        assert_eq!(s.run("zpopmin z 1"), "*1\\r\\n*2\\r\\n$1\\r\\nb\\r\\n,2\\r\\n");
        assert_eq!(s.run("zmpop 1 z max count 2"), "*2\\r\\n$1\\r\\nz\\r\\n*1\\r\\n*2\\r\\n$1\\r\\nc\\r\\n,3\\r\\n");
        assert_eq!(s.run("zpopmin nokey"), "*0\\r\\n");
        assert_eq!(s.run("zmpop 1 nokey min"), "_\\r\\n");
        s.proto = Protocol::Resp2;
        assert_eq!(s.run("zadd a 1 x 2 y 3 z"), ":3\\r\\n");
        assert_eq!(s.run("zadd b 10 y 20 z 30 w"), ":3\\r\\n");
        assert_eq!(s.run("zunion 2 a b"), "*4\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n$1\\r\\nz\\r\\n$1\\r\\nw\\r\\n");
        assert_eq!(s.run("zunion 2 a b withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zunion 2 a b weights 2 3 withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n2\\r\\n$1\\r\\ny\\r\\n$2\\r\\n34\\r\\n$1\\r\\nz\\r\\n$2\\r\\n66\\r\\n$1\\r\\nw\\r\\n$2\\r\\n90\\r\\n");
        assert_eq!(s.run("zunion 2 a b aggregate min withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$1\\r\\n2\\r\\n$1\\r\\nz\\r\\n$1\\r\\n3\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zunion 2 a b aggregate max withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n10\\r\\n$1\\r\\nz\\r\\n$2\\r\\n20\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zinter 2 a b withscores"), "*4\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n");
        assert_eq!(s.run("zinter 2 a b weights 1 0 aggregate max withscores"), "*4\\r\\n$1\\r\\ny\\r\\n$1\\r\\n2\\r\\n$1\\r\\nz\\r\\n$1\\r\\n3\\r\\n");
        assert_eq!(s.run("zinter 2 a nokey"), "*0\\r\\n");
        assert_eq!(s.run("zdiff 2 a b withscores"), "*2\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zdiff 1 a"), "*3\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n$1\\r\\nz\\r\\n");
        assert_eq!(s.run("zunionstore d 2 a b"), ":4\\r\\n");
        assert_eq!(s.run("zrange d 0 -1 withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.encoding("d"), Some("listpack"));
        assert_eq!(s.run("zinterstore d 2 a b aggregate min"), ":2\\r\\n");
        assert_eq!(s.run("zrange d 0 -1 withscores"), "*4\\r\\n$1\\r\\ny\\r\\n$1\\r\\n2\\r\\n$1\\r\\nz\\r\\n$1\\r\\n3\\r\\n");
        assert_eq!(s.run("zdiffstore d 2 a b"), ":1\\r\\n");
        assert_eq!(s.run("zrange d 0 -1 withscores"), "*2\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zinterstore d 2 a nokey"), ":0\\r\\n");
        assert_eq!(s.run("exists d"), ":0\\r\\n");
        assert_eq!(s.run("zunionstore d 0 a"), "-ERR at least 1 input key is needed for 'zunionstore' command\\r\\n");
        assert_eq!(s.run("zunionstore d 3 a b"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zunionstore d 2 a b weights 1"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zunionstore d 2 a b weights 1 x"), "-ERR weight value is not a float\\r\\n");
        assert_eq!(s.run("zunionstore d 2 a b aggregate avg"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zunionstore d 2 a b withscores"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zunion 2 a b foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zdiff 2 a b weights 1 1"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zdiff 2 a b aggregate sum"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zunion 2 a str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zunion 2 a str weights x"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zunion x a"), "-ERR value is not an integer or out of range\\r\\n");
        assert_eq!(s.run("zadd i1 inf x -inf y 1 z"), ":3\\r\\n");
        assert_eq!(s.run("zadd i2 -inf x inf y 0 z"), ":3\\r\\n");
        assert_eq!(s.run("zunion 2 i1 i2 withscores"), "*6\\r\\n$1\\r\\nx\\r\\n$1\\r\\n0\\r\\n$1\\r\\ny\\r\\n$1\\r\\n0\\r\\n$1\\r\\nz\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zinter 2 i1 i2 withscores"), "*6\\r\\n$1\\r\\nx\\r\\n$1\\r\\n0\\r\\n$1\\r\\ny\\r\\n$1\\r\\n0\\r\\n$1\\r\\nz\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zunion 2 i1 i2 weights 0 0 withscores"), "*6\\r\\n$1\\r\\nx\\r\\n$1\\r\\n0\\r\\n$1\\r\\ny\\r\\n$1\\r\\n0\\r\\n$1\\r\\nz\\r\\n$1\\r\\n0\\r\\n");
        assert_eq!(s.run("zunionstore i3 1 i1 weights 0"), ":3\\r\\n");
        assert_eq!(s.run("zrange i3 0 -1 withscores"), "*6\\r\\n$1\\r\\nx\\r\\n$1\\r\\n0\\r\\n$1\\r\\ny\\r\\n$1\\r\\n0\\r\\n$1\\r\\nz\\r\\n$1\\r\\n0\\r\\n");
        assert_eq!(s.run("zintercard 2 a b"), ":2\\r\\n");
        assert_eq!(s.run("zintercard 2 a b limit 1"), ":1\\r\\n");
        assert_eq!(s.run("zintercard 2 a b limit 0"), ":2\\r\\n");
        assert_eq!(s.run("zintercard 2 a nokey"), ":0\\r\\n");
        assert_eq!(s.run("zintercard 0 a"), "-ERR at least 1 input key is needed for 'zintercard' command\\r\\n");
        assert_eq!(s.run("zintercard 3 a b"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zintercard 2 a b limit -1"), "-ERR LIMIT can't be negative\\r\\n");
        assert_eq!(s.run("zintercard 2 a b limit x"), "-ERR LIMIT can't be negative\\r\\n");
        assert_eq!(s.run("zintercard 2 a b foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zintercard 2 a str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zunion 2 a a withscores"), "*6\\r\\n$1\\r\\nx\\r\\n$1\\r\\n2\\r\\n$1\\r\\ny\\r\\n$1\\r\\n4\\r\\n$1\\r\\nz\\r\\n$1\\r\\n6\\r\\n");
        assert_eq!(s.run("zunionstore a 2 a b"), ":4\\r\\n");
        assert_eq!(s.run("zrange a 0 -1 withscores"), "*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zrandmember nokey"), "$-1\\r\\n");
        assert_eq!(s.run("zrandmember nokey 5"), "*0\\r\\n");
        assert_eq!(s.run("zrandmember nokey 5 withscores"), "*0\\r\\n");
        assert_eq!(s.run("zrandmember a 0"), "*0\\r\\n");
        assert_eq!(s.run("zrandmember a 100"), "*4\\r\\n$1\\r\\nw\\r\\n$1\\r\\nz\\r\\n$1\\r\\ny\\r\\n$1\\r\\nx\\r\\n");
        assert_eq!(s.run("zrandmember a 100 withscores"), "*8\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n");
        assert_eq!(s.run("zrandmember a 1 foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrandmember a 1 withscores foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zrandmember a -9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\\r\\n");
        assert_eq!(s.run("zrandmember a 9223372036854775807 withscores"), "-ERR value is out of range\\r\\n");
        assert_eq!(s.run("zrandmember a -4611686018427387904 withscores"), "-ERR value is out of range\\r\\n");
        assert_eq!(s.run("zrandmember a x"), "-ERR value is not an integer or out of range\\r\\n");
        assert_eq!(s.run("zrandmember str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zrandmember str 1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        assert_eq!(s.run("zscan a 0"), "*2\\r\\n$1\\r\\n0\\r\\n*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zscan a 0 match w*"), "*2\\r\\n$1\\r\\n0\\r\\n*2\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
        assert_eq!(s.run("zscan a 0 count 0"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zscan a x"), "-ERR invalid cursor\\r\\n");
        assert_eq!(s.run("zscan a 0 foo"), "-ERR syntax error\\r\\n");
        assert_eq!(s.run("zscan nokey 0"), "*2\\r\\n$1\\r\\n0\\r\\n*0\\r\\n");
        assert_eq!(s.run("zscan str 0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n");
        s.proto = Protocol::Resp3;
        assert_eq!(s.run("zunion 2 a b withscores"), "*4\\r\\n*2\\r\\n$1\\r\\nx\\r\\n,1\\r\\n*2\\r\\n$1\\r\\ny\\r\\n,22\\r\\n*2\\r\\n$1\\r\\nz\\r\\n,43\\r\\n*2\\r\\n$1\\r\\nw\\r\\n,60\\r\\n");
        assert_eq!(s.run("zrandmember a 100 withscores"), "*4\\r\\n*2\\r\\n$1\\r\\nw\\r\\n,30\\r\\n*2\\r\\n$1\\r\\nz\\r\\n,23\\r\\n*2\\r\\n$1\\r\\ny\\r\\n,12\\r\\n*2\\r\\n$1\\r\\nx\\r\\n,1\\r\\n");
        assert_eq!(s.run("zscan a 0"), "*2\\r\\n$1\\r\\n0\\r\\n*8\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n$1\\r\\ny\\r\\n$2\\r\\n12\\r\\n$1\\r\\nz\\r\\n$2\\r\\n23\\r\\n$1\\r\\nw\\r\\n$2\\r\\n30\\r\\n");
}

#[test]
fn rank_with_score_as_redis_7_2() {
    let mut s = Session::new();
    s.run("zadd z 1 a 2.5 b 3 c");
    assert_eq!(s.run("zrank z b"), ":1\\r\\n");
    assert_eq!(s.run("zrevrank z a"), ":2\\r\\n");
    assert_eq!(s.run("zrank z x"), "$-1\\r\\n");
    assert_eq!(
        s.run("zrank z b withscore"),
        "*2\\r\\n:1\\r\\n$3\\r\\n2.5\\r\\n"
    );
    assert_eq!(
        s.run("zrevrank z b WITHSCORE"),
        "*2\\r\\n:1\\r\\n$3\\r\\n2.5\\r\\n"
    );
    assert_eq!(s.run("zrank z x withscore"), "*-1\\r\\n");
    assert_eq!(s.run("zrank missing x withscore"), "*-1\\r\\n");
    assert_eq!(s.run("zrank z b withscores"), "-ERR syntax error\\r\\n");
    assert_eq!(
        s.run("zrank z b withscore x"),
        "-ERR wrong number of arguments for 'zrank' command\\r\\n"
    );
}

/// Runs a blocking command's `attempt` (or `serve` on key index `serve`)
/// against the session's store.
fn blocking(
    s: &mut Session,
    spec: &crate::blocking::BlockingSpec,
    line: &str,
    serve: Option<usize>,
) -> (String, bool) {
    let (served, reply) = match serve {
        None => (true, s.blocking_attempt(spec, line)),
        Some(k) => s.blocking_serve(spec, line, k),
    };
    (reply, served)
}

#[test]
fn blocking_pops_attempt_and_serve() {
    use super::pop::{BZMPOP, BZPOPMAX, BZPOPMIN};
    let mut s = Session::new();
    // Nothing to pop: the attempt writes nothing (the client waits).
    assert_eq!(blocking(&mut s, &BZPOPMIN, "bzpopmin a b 0", None).0, "");
    assert_eq!(blocking(&mut s, &BZMPOP, "bzmpop 0 2 a b min", None).0, "");
    // Argument errors are replies.
    assert_eq!(
        blocking(&mut s, &BZMPOP, "bzmpop 0 0 a min", None).0,
        "-ERR numkeys should be greater than 0\\r\\n"
    );
    assert_eq!(
        blocking(&mut s, &BZMPOP, "bzmpop 0 1 a foo", None).0,
        "-ERR syntax error\\r\\n"
    );
    s.run("set str x");
    assert_eq!(
        blocking(&mut s, &BZPOPMIN, "bzpopmin str a 0", None).0,
        "-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n"
    );
    s.run("zadd b 1 x 2 y 3 z");
    assert_eq!(
        blocking(&mut s, &BZPOPMIN, "bzpopmin a b 0", None).0,
        "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nx\\r\\n$1\\r\\n1\\r\\n"
    );
    assert_eq!(
        blocking(&mut s, &BZPOPMAX, "bzpopmax a b 0", None).0,
        "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\nz\\r\\n$1\\r\\n3\\r\\n"
    );
    // Serving from a key that cannot serve changes nothing.
    assert_eq!(
        blocking(&mut s, &BZPOPMIN, "bzpopmin a b 0", Some(1)),
        (String::new(), false)
    );
    s.run("zadd a 5 p 6 q");
    assert_eq!(
        blocking(&mut s, &BZPOPMIN, "bzpopmin a b 0", Some(1)),
        (
            "*3\\r\\n$1\\r\\na\\r\\n$1\\r\\np\\r\\n$1\\r\\n5\\r\\n".to_string(),
            true
        )
    );
    assert_eq!(
        blocking(&mut s, &BZMPOP, "bzmpop 0 2 a b max count 5", Some(3)),
        (
            "*2\\r\\n$1\\r\\na\\r\\n*1\\r\\n*2\\r\\n$1\\r\\nq\\r\\n$1\\r\\n6\\r\\n".to_string(),
            true
        )
    );
    assert_eq!(s.exists("a"), 0);
    s.proto = Protocol::Resp3;
    assert_eq!(
        blocking(&mut s, &BZPOPMIN, "bzpopmin b 0", Some(1)),
        (
            "*3\\r\\n$1\\r\\nb\\r\\n$1\\r\\ny\\r\\n,2\\r\\n".to_string(),
            true
        )
    );
    assert_eq!(s.exists("b"), 0);
    assert_eq!((BZPOPMIN.timeout_arg)(&vec![bytes::Bytes::new(); 4]), 3);
    let args: Vec<bytes::Bytes> = "bzmpop 0 2 a b min"
        .split(' ')
        .map(|t| bytes::Bytes::from(t.to_string()))
        .collect();
    assert_eq!((BZMPOP.wait_keys)(&args), vec![3, 4]);
    assert_eq!((BZMPOP.timeout_arg)(&args), 1);
}

#[test]
#[rustfmt::skip]
fn skiplist_encoded_commands_as_redis() {
        let mut s = Session::new();
        assert_eq!(s.run("zadd big -9 m000 -31 m001 0 m002 33 m003 -44 m004 -41 m005 18 m006 -38 m007 -4 m008 24 m009 -43 m010 14 m011 -23 m012 -46 m013 -39 m014 5 m015 3 m016 -42 m017 -20 m018 -39 m019 20 m020 4 m021 -43 m022 22 m023 -35 m024 -22 m025 30 m026 30 m027 24 m028 -43 m029 23 m030 24 m031 0 m032 -44 m033 -22 m034 -45 m035 21 m036 -33 m037 -13 m038 3 m039 -32 m040 19 m041 -35 m042 23 m043 -11 m044 21 m045 37 m046 -27 m047 -37 m048 24 m049 23 m050 31 m051 -26 m052 -3 m053 -38 m054 20 m055 41 m056 -42 m057 22 m058 -43 m059 29 m060 -24 m061 13 m062 37 m063 18 m064 4 m065 49 m066 -10 m067 9 m068 24 m069 8 m070 -4 m071 -12 m072 -19 m073 -27 m074 39 m075 49 m076 -19 m077 -40 m078 23 m079 -12 m080 17 m081 13 m082 -7 m083 43 m084 7 m085 -14 m086 27 m087 -41 m088 -35 m089 15 m090 3 m091 -29 m092 46 m093 -7 m094 -31 m095 12 m096 3 m097 -45 m098 35 m099"), ":100\\r\\n");
        assert_eq!(s.run("zadd big -41 m100 47 m101 21 m102 23 m103 -10 m104 -7 m105 38 m106 -6 m107 26 m108 13 m109 24 m110 8 m111 -42 m112 -39 m113 -16 m114 10 m115 39 m116 35 m117 -42 m118 -43 m119 43 m120 39 m121 -11 m122 32 m123 23 m124 37 m125 7 m126 -14 m127 41 m128 -1 m129 35 m130 -6 m131 -48 m132 9 m133 -5 m134 -29 m135 28 m136 -36 m137 13 m138 -43 m139 -23 m140 48 m141 -14 m142 -34 m143 44 m144 -19 m145 0 m146 0 m147 13 m148 -40 m149 -29 m150 7 m151 1 m152 20 m153 -15 m154 -33 m155 5 m156 20 m157 -15 m158 40 m159 3 m160 -5 m161 37 m162 -2 m163 -21 m164 -31 m165 -40 m166 -28 m167 -31 m168 -21 m169 34 m170 -21 m171 -49 m172 12 m173 25 m174 -27 m175 -17 m176 -14 m177 -50 m178 -32 m179 3 m180 18 m181 -3 m182 28 m183 22 m184 -10 m185 -34 m186 38 m187 15 m188 29 m189 33 m190 36 m191 44 m192 -44 m193 8 m194 49 m195 37 m196 21 m197 0 m198 0 m199"), ":100\\r\\n");
        assert_eq!(s.run("zadd big 1 m200 0 m201 -37 m202 11 m203 31 m204 1 m205 -43 m206 -26 m207 -42 m208 -24 m209 6 m210 -30 m211 -36 m212 -7 m213 26 m214 -44 m215 -37 m216 -50 m217 22 m218 -31 m219 18 m220 -38 m221 -4 m222 28 m223 -47 m224 -41 m225 -24 m226 28 m227 -2 m228 -31 m229 31 m230 -18 m231 -6 m232 27 m233 -4 m234 10 m235 -35 m236 -36 m237 12 m238 9 m239 11 m240 11 m241 -11 m242 -40 m243 -32 m244 -37 m245 45 m246 -7 m247 44 m248 -17 m249 11 m250 38 m251 -30 m252 16 m253 -48 m254 -24 m255 17 m256 -4 m257 -32 m258 38 m259 19 m260 -47 m261 47 m262 17 m263 -12 m264 32 m265 -39 m266 39 m267 -17 m268 16 m269 -4 m270 -29 m271 -5 m272 48 m273 -22 m274 18 m275 19 m276 49 m277 14 m278 -8 m279 31 m280 -22 m281 28 m282 50 m283 47 m284 -26 m285 -20 m286 1 m287 44 m288 -21 m289 -25 m290 16 m291 13 m292 -5 m293 43 m294 -47 m295 -47 m296 -15 m297 10 m298 -17 m299"), ":100\\r\\n");
        assert_eq!(s.encoding("big"), Some("skiplist"));
        assert_eq!(s.run("zcard big"), ":300\\r\\n");
        assert_eq!(s.run("zrange big 0 9 withscores"), "*20\\r\\n$4\\r\\nm178\\r\\n$3\\r\\n-50\\r\\n$4\\r\\nm217\\r\\n$3\\r\\n-50\\r\\n$4\\r\\nm172\\r\\n$3\\r\\n-49\\r\\n$4\\r\\nm132\\r\\n$3\\r\\n-48\\r\\n$4\\r\\nm254\\r\\n$3\\r\\n-48\\r\\n$4\\r\\nm224\\r\\n$3\\r\\n-47\\r\\n$4\\r\\nm261\\r\\n$3\\r\\n-47\\r\\n$4\\r\\nm295\\r\\n$3\\r\\n-47\\r\\n$4\\r\\nm296\\r\\n$3\\r\\n-47\\r\\n$4\\r\\nm013\\r\\n$3\\r\\n-46\\r\\n");
        assert_eq!(s.run("zrange big -5 -1"), "*5\\r\\n$4\\r\\nm066\\r\\n$4\\r\\nm076\\r\\n$4\\r\\nm195\\r\\n$4\\r\\nm277\\r\\n$4\\r\\nm283\\r\\n");
        assert_eq!(s.run("zrange big 100 104 rev withscores"), "*10\\r\\n$4\\r\\nm188\\r\\n$2\\r\\n15\\r\\n$4\\r\\nm090\\r\\n$2\\r\\n15\\r\\n$4\\r\\nm278\\r\\n$2\\r\\n14\\r\\n$4\\r\\nm011\\r\\n$2\\r\\n14\\r\\n$4\\r\\nm292\\r\\n$2\\r\\n13\\r\\n");
        assert_eq!(s.run("zrangebyscore big (10 20 withscores"), "*70\\r\\n$4\\r\\nm203\\r\\n$2\\r\\n11\\r\\n$4\\r\\nm240\\r\\n$2\\r\\n11\\r\\n$4\\r\\nm241\\r\\n$2\\r\\n11\\r\\n$4\\r\\nm250\\r\\n$2\\r\\n11\\r\\n$4\\r\\nm096\\r\\n$2\\r\\n12\\r\\n$4\\r\\nm173\\r\\n$2\\r\\n12\\r\\n$4\\r\\nm238\\r\\n$2\\r\\n12\\r\\n$4\\r\\nm062\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm082\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm109\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm138\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm148\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm292\\r\\n$2\\r\\n13\\r\\n$4\\r\\nm011\\r\\n$2\\r\\n14\\r\\n$4\\r\\nm278\\r\\n$2\\r\\n14\\r\\n$4\\r\\nm090\\r\\n$2\\r\\n15\\r\\n$4\\r\\nm188\\r\\n$2\\r\\n15\\r\\n$4\\r\\nm253\\r\\n$2\\r\\n16\\r\\n$4\\r\\nm269\\r\\n$2\\r\\n16\\r\\n$4\\r\\nm291\\r\\n$2\\r\\n16\\r\\n$4\\r\\nm081\\r\\n$2\\r\\n17\\r\\n$4\\r\\nm256\\r\\n$2\\r\\n17\\r\\n$4\\r\\nm263\\r\\n$2\\r\\n17\\r\\n$4\\r\\nm006\\r\\n$2\\r\\n18\\r\\n$4\\r\\nm064\\r\\n$2\\r\\n18\\r\\n$4\\r\\nm181\\r\\n$2\\r\\n18\\r\\n$4\\r\\nm220\\r\\n$2\\r\\n18\\r\\n$4\\r\\nm275\\r\\n$2\\r\\n18\\r\\n$4\\r\\nm041\\r\\n$2\\r\\n19\\r\\n$4\\r\\nm260\\r\\n$2\\r\\n19\\r\\n$4\\r\\nm276\\r\\n$2\\r\\n19\\r\\n$4\\r\\nm020\\r\\n$2\\r\\n20\\r\\n$4\\r\\nm055\\r\\n$2\\r\\n20\\r\\n$4\\r\\nm153\\r\\n$2\\r\\n20\\r\\n$4\\r\\nm157\\r\\n$2\\r\\n20\\r\\n");
        assert_eq!(s.run("zrevrangebyscore big 20 (10 limit 2 5"), "*5\\r\\n$4\\r\\nm055\\r\\n$4\\r\\nm020\\r\\n$4\\r\\nm276\\r\\n$4\\r\\nm260\\r\\n$4\\r\\nm041\\r\\n");
        assert_eq!(s.run("zcount big -10 10"), ":62\\r\\n");
        assert_eq!(s.run("zrank big m150"), ":72\\r\\n");
        assert_eq!(s.run("zrevrank big m150"), ":227\\r\\n");
        assert_eq!(s.run("zscore big m299"), "$3\\r\\n-17\\r\\n");
        assert_eq!(s.run("zrem big m000 m001 m002 nosuch"), ":3\\r\\n");
        assert_eq!(s.run("zincrby big 1000 m010"), "$3\\r\\n957\\r\\n");
        assert_eq!(s.run("zrank big m010"), ":296\\r\\n");
        assert_eq!(s.run("zadd big gt 1000 m011"), ":0\\r\\n");
        assert_eq!(s.run("zrange big -3 -1 withscores"), "*6\\r\\n$4\\r\\nm283\\r\\n$2\\r\\n50\\r\\n$4\\r\\nm010\\r\\n$3\\r\\n957\\r\\n$4\\r\\nm011\\r\\n$4\\r\\n1000\\r\\n");
        assert_eq!(s.run("zremrangebyscore big -50 -40"), ":35\\r\\n");
        assert_eq!(s.run("zcard big"), ":262\\r\\n");
        assert_eq!(s.run("zremrangebyrank big 0 9"), ":10\\r\\n");
        assert_eq!(s.run("zcard big"), ":252\\r\\n");
        assert_eq!(s.run("zpopmin big 3"), "*6\\r\\n$4\\r\\nm245\\r\\n$3\\r\\n-37\\r\\n$4\\r\\nm137\\r\\n$3\\r\\n-36\\r\\n$4\\r\\nm212\\r\\n$3\\r\\n-36\\r\\n");
        assert_eq!(s.run("zpopmax big 2"), "*4\\r\\n$4\\r\\nm011\\r\\n$4\\r\\n1000\\r\\n$4\\r\\nm010\\r\\n$3\\r\\n957\\r\\n");
        assert_eq!(s.run("zrangestore small big 0 9"), ":10\\r\\n");
        assert_eq!(s.encoding("small"), Some("listpack"));
        assert_eq!(s.run("zrangestore big2 big 0 199"), ":200\\r\\n");
        assert_eq!(s.encoding("big2"), Some("skiplist"));
        assert_eq!(s.run("zunionstore u 2 big small weights 1 2"), ":247\\r\\n");
        assert_eq!(s.encoding("u"), Some("skiplist"));
        assert_eq!(s.run("zcard u"), ":247\\r\\n");
        assert_eq!(s.run("zrange u 0 4 withscores"), "*10\\r\\n$4\\r\\nm237\\r\\n$4\\r\\n-108\\r\\n$4\\r\\nm024\\r\\n$4\\r\\n-105\\r\\n$4\\r\\nm042\\r\\n$4\\r\\n-105\\r\\n$4\\r\\nm089\\r\\n$4\\r\\n-105\\r\\n$4\\r\\nm236\\r\\n$4\\r\\n-105\\r\\n");
        assert_eq!(s.run("zinterstore i 2 big small"), ":10\\r\\n");
        assert_eq!(s.encoding("i"), Some("listpack"));
        assert_eq!(s.run("zrange i 0 -1 withscores"), "*20\\r\\n$4\\r\\nm237\\r\\n$3\\r\\n-72\\r\\n$4\\r\\nm024\\r\\n$3\\r\\n-70\\r\\n$4\\r\\nm042\\r\\n$3\\r\\n-70\\r\\n$4\\r\\nm089\\r\\n$3\\r\\n-70\\r\\n$4\\r\\nm236\\r\\n$3\\r\\n-70\\r\\n$4\\r\\nm143\\r\\n$3\\r\\n-68\\r\\n$4\\r\\nm186\\r\\n$3\\r\\n-68\\r\\n$4\\r\\nm037\\r\\n$3\\r\\n-66\\r\\n$4\\r\\nm155\\r\\n$3\\r\\n-66\\r\\n$4\\r\\nm040\\r\\n$3\\r\\n-64\\r\\n");
        assert_eq!(s.run("zadd lex 0 a 0 b 0 c"), ":3\\r\\n");
        assert_eq!(s.run("zmpop 1 big min count 4"), "*2\\r\\n$3\\r\\nbig\\r\\n*4\\r\\n*2\\r\\n$4\\r\\nm237\\r\\n$3\\r\\n-36\\r\\n*2\\r\\n$4\\r\\nm024\\r\\n$3\\r\\n-35\\r\\n*2\\r\\n$4\\r\\nm042\\r\\n$3\\r\\n-35\\r\\n*2\\r\\n$4\\r\\nm089\\r\\n$3\\r\\n-35\\r\\n");
        assert_eq!(s.run("zremrangebyrank big 0 -1"), ":243\\r\\n");
        assert_eq!(s.run("exists big"), ":0\\r\\n");
}

#[test]
fn fast_score_format_matches_double_reply() {
    use crate::protocol::ReplyWriter;
    for proto in [Protocol::Resp2, Protocol::Resp3] {
        for v in [
            1.0,
            -1.0,
            0.0,
            -0.0,
            1e14,
            999999999999999.0,
            1e15,
            1e16,
            -12345.0,
            0.5,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            let (mut a, mut b) = (bytes::BytesMut::new(), bytes::BytesMut::new());
            super::reply_score(&mut ReplyWriter::new(&mut a, proto), v);
            ReplyWriter::new(&mut b, proto).double(v);
            assert_eq!(a, b, "{v}");
        }
    }
}

#[test]
fn zscan_of_a_large_set_returns_members_present_throughout() {
    let mut s = Session::new();
    for i in 0..300 {
        s.run(&format!("zadd z {i} m{i}"));
    }
    assert_eq!(s.encoding("z"), Some("skiplist"));
    let mut seen = std::collections::HashMap::new();
    let mut cursor = "0".to_string();
    let mut step = 0;
    loop {
        let r = s.run(&format!("zscan z {cursor} count 20"));
        // Churn between steps: remove and add members other than m0..m149.
        s.run(&format!("zrem z m{}", 150 + step));
        s.run(&format!("zadd z 1 new{step}"));
        step += 1;
        let parts: Vec<&str> = r.split("\\r\\n").collect();
        cursor = parts[2].to_string();
        let items: Vec<&str> = parts[4..]
            .iter()
            .copied()
            .filter(|p| !p.starts_with('$') && !p.is_empty())
            .collect();
        for pair in items.chunks(2) {
            *seen.entry(pair[0].to_string()).or_insert(0) += 1;
        }
        if cursor == "0" {
            break;
        }
        assert!(step < 100);
    }
    for i in 0..150 {
        assert_eq!(seen.get(&format!("m{i}")), Some(&1), "m{i}");
    }
    assert_eq!(
        s.run("zscan z 0 match m29* count 1000"),
        s.run("zscan z 0 match m29* count 1000")
    );
}

/// Lex ranges over members of different scores in a listpack: Redis walks
/// the listpack linearly, which these replies (taken from Redis 7.0.15)
/// pin down.
#[test]
fn lex_ranges_walk_a_listpack_as_redis() {
    let mut s = Session::new();
    s.run("zadd t 1 m5 2 a 3 z 4 b 5 m1");
    let arr = |xs: &[&str]| {
        let mut o = format!("*{}\\r\\n", xs.len());
        for x in xs {
            o += &format!("${}\\r\\n{}\\r\\n", x.len(), x);
        }
        o
    };
    assert_eq!(s.run("zlexcount t [b [y"), ":2\\r\\n");
    assert_eq!(s.run("zlexcount t (a +"), ":5\\r\\n");
    assert_eq!(s.run("zlexcount t - [c"), ":0\\r\\n");
    assert_eq!(
        s.run("zrangebylex t [b [z"),
        arr(&["m5", "a", "z", "b", "m1"])
    );
    assert_eq!(s.run("zrangebylex t [b [z limit 1 2"), arr(&["a", "z"]));
    assert_eq!(s.run("zrevrangebylex t [z [b"), arr(&["m1", "b", "z"]));
    assert_eq!(
        s.run("zrevrangebylex t [y [a"),
        arr(&["m1", "b", "z", "a", "m5"])
    );
    assert_eq!(
        s.run("zrevrangebylex t + [a limit 1 3"),
        arr(&["b", "z", "a"])
    );
    assert_eq!(s.run("zrange t [a [m limit 2 5 bylex"), "*0\\r\\n");
    assert_eq!(s.run("zrevrangebylex t (m2 - limit 0 10"), "*0\\r\\n");
    assert_eq!(s.run("zremrangebylex t [b [y"), ":2\\r\\n");
    assert_eq!(s.run("zrange t 0 -1"), arr(&["z", "b", "m1"]));
}

/// ZSCAN prints scores as the encoding stores them (Redis 7.0.15 replies).
#[test]
fn zscan_score_text_per_encoding() {
    let mut s = Session::new();
    s.run("zadd z 123456789012345680 a 1.5 b -0 c 4611686018427387904 d 9223372036854775807 e");
    assert_eq!(s.encoding("z"), Some("listpack"));
    assert_eq!(
        s.run("zscan z 0"),
        "*2\\r\\n$1\\r\\n0\\r\\n*10\\r\\n$1\\r\\nc\\r\\n$1\\r\\n0\\r\\n$1\\r\\nb\\r\\n$3\\r\\n1.5\\r\\n\
$1\\r\\na\\r\\n$18\\r\\n123456789012345680\\r\\n$1\\r\\nd\\r\\n$19\\r\\n4611686018427387904\\r\\n\
$1\\r\\ne\\r\\n$22\\r\\n9.2233720368547758e+18\\r\\n"
    );
    // A first member past zset-max-listpack-value makes it a skiplist.
    let long = "x".repeat(70);
    s.run(&format!(
        "zadd y 1 {long} 123456789012345680 a -0 c 4503599627370495 e"
    ));
    assert_eq!(s.encoding("y"), Some("skiplist"));
    let r = s.run("zscan y 0 count 100");
    assert!(
        r.contains("$1\\r\\na\\r\\n$22\\r\\n1.2345678901234568e+17\\r\\n"),
        "{r}"
    );
    assert!(r.contains("$1\\r\\nc\\r\\n$2\\r\\n-0\\r\\n"), "{r}");
    assert!(
        r.contains("$1\\r\\ne\\r\\n$16\\r\\n4503599627370495\\r\\n"),
        "{r}"
    );
}

/// ZSCAN looks the key up before it parses its options.
#[test]
fn zscan_missing_key_before_options() {
    let mut s = Session::new();
    assert_eq!(
        s.run("zscan nokey 0 count 0"),
        "*2\\r\\n$1\\r\\n0\\r\\n*0\\r\\n"
    );
    s.run("zadd z 1 a");
    assert_eq!(s.run("zscan z 0 count 0"), "-ERR syntax error\\r\\n");
    assert_eq!(s.run("zscan z x"), "-ERR invalid cursor\\r\\n");
    assert_eq!(s.run("zscan nokey x"), "-ERR invalid cursor\\r\\n");
    assert_eq!(
        s.run("zscan z -1"),
        "*2\\r\\n$1\\r\\n0\\r\\n*2\\r\\n$1\\r\\na\\r\\n$1\\r\\n1\\r\\n"
    );
}

/// Scores out of a double's range are refused as Redis' strtod check does.
#[test]
fn out_of_range_scores_are_refused() {
    let mut s = Session::new();
    let e = "-ERR value is not a valid float\\r\\n";
    assert_eq!(s.run("zincrby z 1e400 a"), e);
    assert_eq!(s.run("zadd z -1e400 a"), e);
    assert_eq!(s.run("zadd z 1e-400 a"), e);
    assert_eq!(s.run("zadd z 0x10 a"), ":1\\r\\n");
    assert_eq!(s.run("zscore z a"), "$2\\r\\n16\\r\\n");
    assert_eq!(
        s.run("zunion 1 z weights 1e400"),
        "-ERR weight value is not a float\\r\\n"
    );
    // Range ends take strtod's overflow to infinity.
    assert_eq!(s.run("zcount z -1e400 1e400"), ":1\\r\\n");
}

/// ZUNION/ZINTER aggregates as C compares: ties and NaN keep the value
/// there, only the first input's products are cleared of NaN, and a reply
/// keeps a -0 score (Redis 7.0.15 replies).
#[test]
fn aggregate_edge_cases_as_redis() {
    let mut s = Session::new();
    s.run("zadd w -3 a 2 b");
    s.run("zadd w2 -3 a");
    s.run("zadd v inf a 1 b");
    assert_eq!(
        s.run("zinter 2 w w aggregate max weights 3 0 withscores"),
        "*4\\r\\n$1\\r\\na\\r\\n$2\\r\\n-0\\r\\n$1\\r\\nb\\r\\n$1\\r\\n6\\r\\n"
    );
    assert_eq!(
        s.run("zinter 2 w2 v aggregate max weights 1 0 withscores"),
        "*2\\r\\n$1\\r\\na\\r\\n$2\\r\\n-3\\r\\n"
    );
    assert_eq!(
        s.run("zinter 2 w2 v aggregate sum weights 1 0 withscores"),
        "*2\\r\\n$1\\r\\na\\r\\n$1\\r\\n0\\r\\n"
    );
    assert_eq!(
        s.run("zunion 2 w2 v aggregate max weights 1 0 withscores"),
        "*4\\r\\n$1\\r\\na\\r\\n$1\\r\\n0\\r\\n$1\\r\\nb\\r\\n$1\\r\\n0\\r\\n"
    );
    // Stored small, the listpack keeps -0 as 0.
    assert_eq!(
        s.run("zinterstore st 2 w w weights 3 0 aggregate max"),
        ":2\\r\\n"
    );
    assert_eq!(
        s.run("zrange st 0 -1 withscores"),
        "*4\\r\\n$1\\r\\na\\r\\n$1\\r\\n0\\r\\n$1\\r\\nb\\r\\n$1\\r\\n6\\r\\n"
    );
}
