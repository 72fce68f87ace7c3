//! Command tests; expected replies are those of Redis 7.0.15 for the same
//! command sequence (ZRANK/ZREVRANK WITHSCORE: Redis 7.2's replies).

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
fn rank_withscore_as_redis_7_2() {
    let mut s = Session::new();
    s.run("zadd z 1 a 2.5 b 3 c");
    assert_eq!(
        s.run("zrank z b withscore"),
        "*2\\r\\n:1\\r\\n$3\\r\\n2.5\\r\\n"
    );
    assert_eq!(
        s.run("zrevrank z b WITHSCORE"),
        "*2\\r\\n:1\\r\\n$3\\r\\n2.5\\r\\n"
    );
    assert_eq!(s.run("zrank z x withscore"), "*-1\\r\\n");
    assert_eq!(s.run("zrank z x"), "$-1\\r\\n");
    assert_eq!(s.run("zrank z b foo"), "-ERR syntax error\\r\\n");
    assert_eq!(
        s.run("zrank z b withscore x"),
        "-ERR wrong number of arguments for 'zrank' command\\r\\n"
    );
    s.proto = Protocol::Resp3;
    assert_eq!(s.run("zrank z c withscore"), "*2\\r\\n:2\\r\\n,3\\r\\n");
    assert_eq!(s.run("zrank z x withscore"), "_\\r\\n");
}
