// Expected events captured from redis-server 7.0.15 with
// notify-keyspace-events KEA (KEAn where new_keys is true), active expiry
// off and time advanced by sleeping.

#[test]
fn strings() {
    check(
        false,
        &[
            ("SET k v", &["set k"]),
            ("SET k v EX 100", &["set k", "expire k"]),
            ("SET k v KEEPTTL", &["set k"]),
            ("SET k v NX", &[]),
            ("SET k v XX PX 100", &["set k", "expire k"]),
            ("SET k v GET", &["set k"]),
            ("SET n v XX", &[]),
            ("SET k v PXAT 1", &["set k", "expire k"]),
            ("SETNX k v", &["expired k", "set k"]),
            ("SETNX k2 v", &["set k2"]),
            ("SETNX k2 v", &[]),
            ("SETEX k 10 v", &["set k", "expire k"]),
            ("PSETEX k 10 v", &["set k", "expire k"]),
            ("GETSET k z", &["set k"]),
            ("GETDEL k", &["del k"]),
            ("GETDEL k", &[]),
            ("SET k v", &["set k"]),
            ("GETEX k", &[]),
            ("GETEX k EX 100", &["expire k"]),
            ("GETEX k PERSIST", &["persist k"]),
            ("GETEX k PERSIST", &[]),
            ("GETEX k PXAT 1", &["del k"]),
            ("GETEX k EX 10", &[]),
            ("MSET a 1 b 2 a 3", &["set a", "set b", "set a"]),
            ("MSETNX a 1 c 3", &[]),
            ("MSETNX d 1 e 3", &["set d", "set e"]),
            ("APPEND ap \"\"", &["append ap"]),
            ("APPEND ap x", &["append ap"]),
            ("APPEND ap \"\"", &["append ap"]),
            ("INCR i", &["incrby i"]),
            ("INCRBY i 5", &["incrby i"]),
            ("DECR i", &["incrby i"]),
            ("DECRBY i 2", &["incrby i"]),
            ("INCR ap", &[]),
            ("INCRBYFLOAT i 1.5", &["incrbyfloat i"]),
            ("SETRANGE sr 0 \"\"", &[]),
            ("SETRANGE sr 2 ab", &["setrange sr"]),
            ("SETRANGE sr 0 \"\"", &[]),
            ("SETRANGE sr 0 x", &["setrange sr"]),
            ("GET nothing", &[]),
            ("STRLEN sr", &[]),
        ],
    );
}

#[test]
fn expiry() {
    check(
        false,
        &[
            ("SET k v PX 100", &["set k", "expire k"]),
            ("SET j v PX 100", &["set j", "expire j"]),
            ("SET keep v PX 100000", &["set keep", "expire keep"]),
            ("#sleep 200", &[]),
            ("GET k", &["expired k"]),
            ("EXISTS j", &["expired j"]),
            ("TTL keep", &[]),
            ("SET k2 v PX 100", &["set k2", "expire k2"]),
            ("RPUSH l a", &["rpush l"]),
            ("PEXPIRE l 100", &["expire l"]),
            ("#sleep 200", &[]),
            ("SET k2 again", &["expired k2", "set k2"]),
            ("LPUSH l b", &["expired l", "lpush l"]),
            ("EXPIRE k2 -1", &["del k2"]),
            ("SET s v EXAT 1", &["set s", "expire s"]),
            ("TTL s", &["expired s"]),
        ],
    );
}

#[test]
fn keys() {
    check(
        false,
        &[
            ("MSET a 1 b 2 c 3", &["set a", "set b", "set c"]),
            ("DEL a x b", &["del a", "del b"]),
            ("UNLINK c y", &["del c"]),
            ("SET k v", &["set k"]),
            ("EXPIRE k 100", &["expire k"]),
            ("EXPIRE k 100 NX", &[]),
            ("EXPIRE k 200 XX", &["expire k"]),
            ("EXPIRE k 100 GT", &[]),
            ("PEXPIRE k 100000", &["expire k"]),
            ("EXPIREAT k 99999999999", &["expire k"]),
            ("PEXPIREAT k 99999999999999", &["expire k"]),
            ("PERSIST k", &["persist k"]),
            ("PERSIST k", &[]),
            ("EXPIRE k -1", &["del k"]),
            ("EXPIRE k 10", &[]),
            ("SET k v", &["set k"]),
            ("PEXPIREAT k 1", &["del k"]),
            ("SET k v", &["set k"]),
            ("RENAME k k2", &["rename_from k", "rename_to k2"]),
            ("SET k3 v", &["set k3"]),
            ("RENAME k2 k3", &["rename_from k2", "rename_to k3"]),
            ("RENAME k3 k3", &[]),
            ("RENAMENX k3 k4", &["rename_from k3", "rename_to k4"]),
            ("SET k5 v", &["set k5"]),
            ("RENAMENX k4 k5", &[]),
            ("RENAME nope x", &[]),
            ("MOVE k4 1", &["move_from k4", "move_to k4@1"]),
            ("SET m v", &["set m"]),
            ("MOVE m 1", &["move_from m", "move_to m@1"]),
            ("COPY k5 c5", &["copy_to c5"]),
            ("COPY k5 c5", &[]),
            ("COPY k5 c5 REPLACE", &["copy_to c5"]),
            ("COPY k5 c5 DB 2", &["copy_to c5@2"]),
            ("COPY x c6", &[]),
            ("SET e v EX 100", &["set e", "expire e"]),
            ("RENAME e e2", &["rename_from e", "rename_to e2"]),
            ("TOUCH e2 zz", &[]),
            ("EXISTS e2", &[]),
        ],
    );
}

#[test]
fn newkeys() {
    check(
        true,
        &[
            ("SET a 1", &["new a", "set a"]),
            ("SET a 2", &["set a"]),
            ("SET b 1", &["new b", "set b"]),
            ("RENAME a b", &["new b", "rename_from a", "rename_to b"]),
            ("COPY b c", &["new c", "copy_to c"]),
            ("COPY b c REPLACE", &["new c", "copy_to c"]),
            ("MOVE c 1", &["new c@1", "move_from c", "move_to c@1"]),
            ("LPUSH l x", &["new l", "lpush l"]),
            ("LPUSH l y", &["lpush l"]),
            ("SADD s x", &["new s", "sadd s"]),
            ("HSET h f v", &["new h", "hset h"]),
            ("ZADD z 1 a", &["new z", "zadd z"]),
            ("INCR i", &["new i", "incrby i"]),
            ("APPEND ap x", &["new ap", "append ap"]),
            ("SET e v PX 100", &["new e", "set e", "expire e"]),
            ("#sleep 200", &[]),
            ("SET e 2", &["expired e", "new e", "set e"]),
            ("PFADD p a", &["new p", "pfadd p"]),
            ("PFMERGE p2 p", &["new p2", "pfadd p2"]),
            ("SETBIT b2 1 1", &["new b2", "setbit b2"]),
            ("SINTERSTORE d s s", &["new d", "sinterstore d"]),
            ("SINTERSTORE d s s", &["sinterstore d"]),
            ("LMOVE l l2 LEFT LEFT", &["new l2", "lpush l2", "lpop l"]),
            ("SMOVE s s2 x", &["srem s", "del s", "new s2", "sadd s2"]),
            ("ZUNIONSTORE zu 1 z", &["new zu", "zunionstore zu"]),
            ("SORT l STORE st", &[]),
            ("BITOP OR bo b2", &["new bo", "set bo"]),
        ],
    );
}

#[test]
fn lists() {
    check(
        false,
        &[
            ("LPUSH l a b", &["lpush l"]),
            ("RPUSH l c", &["rpush l"]),
            ("LPUSHX l d", &["lpush l"]),
            ("LPUSHX nx d", &[]),
            ("RPUSHX l e", &["rpush l"]),
            ("LPOP l", &["lpop l"]),
            ("RPOP l 2", &["rpop l"]),
            ("LPOP l 0", &[]),
            ("LPOP l 10", &["lpop l", "del l"]),
            ("LPOP l", &[]),
            ("RPUSH l a b c a", &["rpush l"]),
            ("LSET l 0 z", &["lset l"]),
            ("LINSERT l BEFORE b y", &["linsert l"]),
            ("LINSERT l BEFORE nope y", &[]),
            ("LREM l 0 a", &["lrem l"]),
            ("LREM l 0 nope", &[]),
            ("LTRIM l 0 -1", &["ltrim l"]),
            ("LTRIM l 1 1", &["ltrim l"]),
            ("LTRIM l 5 10", &["ltrim l", "del l"]),
            ("LTRIM l 0 1", &[]),
            ("RPUSH l a b", &["rpush l"]),
            ("LMOVE l l LEFT RIGHT", &["rpush l", "lpop l"]),
            ("LMOVE l m RIGHT LEFT", &["lpush m", "rpop l"]),
            ("LMOVE l m LEFT RIGHT", &["rpush m", "lpop l", "del l"]),
            ("RPOPLPUSH m m", &["lpush m", "rpop m"]),
            ("RPOPLPUSH m m2", &["lpush m2", "rpop m"]),
            ("RPUSH l 1 2 3", &["rpush l"]),
            ("LMPOP 2 x l LEFT COUNT 2", &["lpop l"]),
            ("LMPOP 2 x l RIGHT COUNT 5", &["rpop l", "del l"]),
            ("LMPOP 1 x LEFT", &[]),
            ("RPUSH l x", &["rpush l"]),
            ("LREM l 0 x", &["lrem l", "del l"]),
        ],
    );
}

#[test]
fn hashes() {
    check(
        false,
        &[
            ("HSET h a 1 b 2", &["hset h"]),
            ("HSET h a 1", &["hset h"]),
            ("HMSET h c 3", &["hset h"]),
            ("HSETNX h a 1", &[]),
            ("HSETNX h z 1", &["hset h"]),
            ("HDEL h x", &[]),
            ("HDEL h a b", &["hdel h"]),
            ("HINCRBY h n 1", &["hincrby h"]),
            ("HINCRBYFLOAT h f 1.5", &["hincrbyfloat h"]),
            ("HGET h n", &[]),
            ("HDEL h c z n f", &["hdel h", "del h"]),
            ("HDEL h c", &[]),
        ],
    );
}

#[test]
fn sets() {
    check(
        false,
        &[
            ("SADD s a b", &["sadd s"]),
            ("SADD s a", &[]),
            ("SREM s x", &[]),
            ("SREM s a", &["srem s"]),
            ("SADD s a c d", &["sadd s"]),
            ("SPOP s", &["spop s"]),
            ("SPOP s 0", &[]),
            ("SPOP s 1", &["spop s"]),
            ("SPOP s 10", &["spop s", "del s"]),
            ("SPOP s", &[]),
            ("SADD s a b", &["sadd s"]),
            ("SMOVE s t a", &["srem s", "sadd t"]),
            ("SMOVE s t a", &[]),
            ("SMOVE s t b", &["srem s", "del s", "sadd t"]),
            ("SADD t c", &["sadd t"]),
            ("SMOVE t t c", &[]),
            ("SADD u a", &["sadd u"]),
            ("SMOVE t u a", &["srem t"]),
            ("SINTERSTORE d t u", &[]),
            ("SINTERSTORE d t nope", &[]),
            ("SINTERSTORE d t nope", &[]),
            ("SUNIONSTORE d t u", &["sunionstore d"]),
            ("SDIFFSTORE d t t", &["del d"]),
            ("SADD x 1 2 3 4 5", &["sadd x"]),
            ("SPOP x 4", &["spop x"]),
            ("SREM x 1 2 3 4 5", &["srem x", "del x"]),
            ("SADD one 1", &["sadd one"]),
            ("SPOP one", &["spop one", "del one"]),
        ],
    );
}

#[test]
fn zsets() {
    check(
        false,
        &[
            ("ZADD z 1 a 2 b", &["zadd z"]),
            ("ZADD z 1 a", &[]),
            ("ZADD z 5 a", &["zadd z"]),
            ("ZADD z NX 5 a", &[]),
            ("ZADD z INCR 1 a", &["zincr z"]),
            ("ZADD z XX INCR 1 q", &[]),
            ("ZADD z XX 1 q", &[]),
            ("ZADD z GT 1 a", &[]),
            ("ZADD z CH 7 a", &["zadd z"]),
            ("ZINCRBY z 1 b", &["zincr z"]),
            ("ZINCRBY z 1 new", &["zincr z"]),
            ("ZREM z x", &[]),
            ("ZREM z new", &["zrem z"]),
            ("ZADD z 1 c 2 d 3 e", &["zadd z"]),
            ("ZREMRANGEBYSCORE z 100 200", &[]),
            ("ZREMRANGEBYSCORE z 1 1", &["zremrangebyscore z"]),
            ("ZREMRANGEBYRANK z 0 0", &["zremrangebyrank z"]),
            ("ZREMRANGEBYLEX z - (b", &[]),
            ("ZREMRANGEBYLEX z [zz +", &[]),
            ("ZPOPMIN z", &["zpopmin z"]),
            ("ZPOPMAX z 0", &[]),
            ("ZPOPMAX z 2", &["zpopmax z", "del z"]),
            ("ZADD z 1 a 2 b", &["zadd z"]),
            ("ZPOPMIN z 10", &["zpopmin z", "del z"]),
            ("ZPOPMIN z", &[]),
            ("ZADD z 1 a 2 b", &["zadd z"]),
            ("ZADD y 1 a", &["zadd y"]),
            ("ZINTERSTORE d 2 z y", &["zinterstore d"]),
            ("ZINTERSTORE d 2 z nope", &["del d"]),
            ("ZINTERSTORE d 2 z nope", &[]),
            ("ZUNIONSTORE d 2 z y", &["zunionstore d"]),
            ("ZDIFFSTORE d 1 z", &["zdiffstore d"]),
            ("ZRANGESTORE d2 z 0 -1", &["zrangestore d2"]),
            ("ZRANGESTORE d2 z 5 6", &["del d2"]),
            ("ZMPOP 1 z MIN", &["zpopmin z"]),
            ("ZMPOP 2 q z MAX COUNT 5", &["zpopmax z", "del z"]),
            ("ZADD r 1 a 2 b 3 c", &["zadd r"]),
            (
                "ZREMRANGEBYSCORE r -inf +inf",
                &["zremrangebyscore r", "del r"],
            ),
            ("ZADD r 1 a", &["zadd r"]),
            ("ZREMRANGEBYLEX r - +", &["zremrangebylex r", "del r"]),
            ("ZADD r 1 a", &["zadd r"]),
            ("ZREMRANGEBYRANK r 0 -1", &["zremrangebyrank r", "del r"]),
            ("ZADD r 1 a", &["zadd r"]),
            ("ZREM r a", &["zrem r", "del r"]),
        ],
    );
}

#[test]
fn bits_hll_sort() {
    check(
        false,
        &[
            ("SETBIT b 7 1", &["setbit b"]),
            ("SETBIT b 7 1", &[]),
            ("SETBIT b 7 0", &["setbit b"]),
            ("SETBIT b 100 0", &["setbit b"]),
            ("SET x abc", &["set x"]),
            ("BITOP AND d x b", &["set d"]),
            ("BITOP AND d nope nope2", &["del d"]),
            ("BITOP AND d nope nope2", &[]),
            ("BITOP NOT d x", &["set d"]),
            ("BITFIELD bf SET u8 0 1", &["setbit bf"]),
            ("BITFIELD bf GET u8 0", &[]),
            ("BITFIELD bf INCRBY u8 0 1 GET u8 0", &["setbit bf"]),
            ("BITFIELD bf OVERFLOW FAIL INCRBY u8 0 1000", &[]),
            ("BITFIELD bf SET u8 0 1", &["setbit bf"]),
            ("BITFIELD_RO bf GET u8 0", &[]),
            ("PFADD p a", &["pfadd p"]),
            ("PFADD p a", &[]),
            ("PFADD p", &[]),
            ("PFADD p2", &["pfadd p2"]),
            ("PFMERGE p3 p p2", &["pfadd p3"]),
            ("PFMERGE p3", &["pfadd p3"]),
            ("PFCOUNT p p2", &[]),
            ("PFCOUNT p", &[]),
            ("RPUSH l 3 1 2", &["rpush l"]),
            ("SORT l STORE s", &["sortstore s"]),
            ("SORT nope STORE s", &["del s"]),
            ("SORT nope STORE s", &[]),
            ("SORT l", &[]),
        ],
    );
}

#[test]
fn bitfield() {
    check(
        true,
        &[
            ("BITFIELD g SET u8 0 0", &["new g", "setbit g"]),
            ("BITFIELD g SET u8 100 0", &["setbit g"]),
            ("BITFIELD g INCRBY u8 0 0", &[]),
            ("BITFIELD g GET u8 200", &[]),
            ("BITFIELD h GET u8 0", &[]),
            ("BITFIELD h2 OVERFLOW FAIL INCRBY u8 0 1000", &["new h2"]),
            ("EXISTS h2", &[]),
            ("SETBIT sb 0 0", &["new sb", "setbit sb"]),
            (
                "BITFIELD f SET u16 0 1 OVERFLOW FAIL SET i37 46 310469223600119038",
                &["new f", "setbit f"],
            ),
            ("BITFIELD f SET u16 0 1", &[]),
            ("BITFIELD f SET u16 0 1 OVERFLOW FAIL SET u8 0 1000", &[]),
            (
                "BITFIELD f OVERFLOW FAIL SET u8 0 1000 SET u8 0 1",
                &["setbit f"],
            ),
            (
                "BITFIELD f OVERFLOW FAIL INCRBY u8 0 1000 INCRBY u8 0 1",
                &["setbit f"],
            ),
            (
                "BITFIELD f SET u8 0 1 OVERFLOW FAIL INCRBY u8 0 1000",
                &["setbit f"],
            ),
            ("BITFIELD f SET i8 0 -1 SET i8 0 -1", &["setbit f"]),
        ],
    );
}
