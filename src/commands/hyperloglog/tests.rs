//! Unit tests of the HyperLogLog commands against bytes and counts captured
//! from Redis 7.0 after the same commands.

use crate::commands::testutil::Session;
use crate::types::hll;

/// `PFADD small a b c` in Redis (cache stale).
const SMALL_ADD: &str = "48594c4c01000000000000000000008060f38050b1844bfb80425a";
/// The same after `PFCOUNT small` (cache holds 3).
const SMALL_AFTER_COUNT: &str = "48594c4c01000000030000000000000060f38050b1844bfb80425a";
/// `PFADD s200 e0 .. e199` then `PFCOUNT s200` (200).
const S200: &str = "48594c4c01000000c800000000000000368421801980409f8408a40e88409084406c9c0190018812883884409480411c8817884055800080407a80411d8812804075800d842a8040638440768c404684414880098040d5800980409480407e9040738040628440a280408384405d84148040cb8407840d8040f080405e80068427844081803c844047840780404e80408f84039404844043840c842684406e80407380404084409d84198019802a8441028c088441298010801c884060801080404b8c4052881b8040b080406e8040bc802b8c40f58040618c1a840380407e80408080404580088440fd80405a80406684409f8040468c108c018401841e8811802384407d8440de84406280308812844065840784198040de84404684408b8814802988008402800a8840578041a79011842e844070801f840180189440f98440848c168421813c881d801380368410804089844044804147800380228040b88440bb88404684168040c684404980048440e680404380388c405c80405584409980268005800380405480409e88404c882e8840448040b080198408841f880380405b841b803f804044804055800d88128440d380405988408b800290407e800784407b801d841d8040af8418840f844045803384404f80288440a78440768040578419844048800e9022840a80406a840d8039801380409a8828804046844044";
/// `S200` after `PFADD s200 more1 more2 more3`.
const S200_MORE: &str = "48594c4c01000000c800000000000080368421801980409f8408a40e88409084406c9c0190018812883884409480411c8817884055800080407a80411d8812804075800d842a8040638440768c404684414880098040d5800980409480407e9040738040628440a280408384405d84148040cb8407840d8040f080405e80068427844081803c844047840780404e80408f84039404844043840c842684406e80407380404084409d84198019802a8441028c088441298010801c884060801080404b8c4052881b8040b080406e8040bc802b8c40f58040618c1a840380407e80408080404580088440fd80405a80406684409f8040468c108c018401841e8811802384407d8440de84406280308812844065840784198040de84404684408b8814802988008402800a8840578041a79011842e844070801f840180189440f98440848c168421813c881d801380368410804089844044804147800380228040b88440bb88404684168040c684404980048440e680404380388c405c80405584409980268005800380405480409e8840438007882e8840448040b080198408841f880380405b841b803f804044804055800d88128440d380405988408b800290407e80078409804070801d841d8040af8418840f844045803384404f8028840980409c8440768040578419844048800e9022840a80406a840d8039801380409a8828804046844044";
/// `PFMERGE ms small s200` (sparse destination, cache stale).
const MS: &str = "48594c4c010000000000000000000080368421801980409f8408a40e88409084406c9c0190018812883884409480411c8817884055800080407a80411d8812804075800d842a8040638440768c404684414880098040d5800980409480407e9040738040628440a280408384405d84148040cb8407840d8040f080405e80068427844081803c844047840780404e80408f84039404844043840c842684406e80407380404084409d84198019802a8441028c088441298010801c884060801080404b8c4052881b8040b080406e8040bc802b8c40f58040618c1a840380407e80408080404580088440fd80405a80406684409f8040468c108c018401841e8811802384406280198440de84406280308812844065840784198040de84404684408b8814802988008402800a8840578041a79011842e844070801f840180189440f98440848c168421813c881d801380368410804089844044804147800380228040b88440bb88404684168040c684404980048440e680404380388c405c801384404084409980268005800380405480409e88404c882e8840448040b080198408841f880380405b841b803f804044804055800d88128440d380405988408b800290407e800784407b801d841d8040af8418840f844045803384404f80288440a784407680405784198440488001800b9022840a80406a840d8039801380409a8828804046844044";
/// `PFADD d3000 x0 .. x2999` then `PFCOUNT d3000` (2985): dense.
const D3000: &str = include_str!("vectors/dense3000.hex");

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn cmd(s: &mut Session, args: &[&[u8]]) -> Vec<u8> {
    let v: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
    s.exec(&v)
}

fn get(s: &mut Session, key: &str) -> Vec<u8> {
    let r = cmd(s, &[b"GET", key.as_bytes()]);
    // $<len>\r\n<bytes>\r\n
    let start = r.iter().position(|&b| b == b'\n').unwrap() + 1;
    r[start..r.len() - 2].to_vec()
}

fn pfadd_range(s: &mut Session, key: &str, prefix: &str, n: usize) {
    let eles: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    let mut args: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
    args.extend(eles.iter().map(|e| e.as_bytes()));
    cmd(s, &args);
}

#[test]
fn small_sparse_bytes_match_redis() {
    let mut s = Session::new();
    assert_eq!(s.run("PFADD small a b c"), ":1\\r\\n");
    assert_eq!(get(&mut s, "small"), unhex(SMALL_ADD));
    assert_eq!(s.run("PFCOUNT small"), ":3\\r\\n");
    assert_eq!(get(&mut s, "small"), unhex(SMALL_AFTER_COUNT));
    assert_eq!(s.run("PFADD small a b c"), ":0\\r\\n");
    assert_eq!(s.run("TYPE small"), "+string\\r\\n");
    assert_eq!(s.encoding("small"), Some("raw"));
    assert_eq!(
        s.run("PFDEBUG DECODE small"),
        "$44\\r\\nZ:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603\\r\\n"
    );
    assert_eq!(s.run("PFDEBUG ENCODING small"), "+sparse\\r\\n");
}

#[test]
fn sparse_growth_matches_redis() {
    let mut s = Session::new();
    pfadd_range(&mut s, "s200", "e", 200);
    assert_eq!(s.run("PFCOUNT s200"), ":200\\r\\n");
    assert_eq!(get(&mut s, "s200"), unhex(S200));
    assert_eq!(s.run("PFADD s200 more1 more2 more3"), ":1\\r\\n");
    assert_eq!(get(&mut s, "s200"), unhex(S200_MORE));
    let decoded = s.run("PFDEBUG DECODE s200");
    assert!(decoded.contains("z:55 v:2,1 z:34 v:1,1 z:26 v:1,1 Z:160 v:2,1"));
}

#[test]
fn dense_promotion_matches_redis() {
    let mut s = Session::new();
    pfadd_range(&mut s, "d3000", "x", 3000);
    assert_eq!(s.run("PFDEBUG ENCODING d3000"), "+dense\\r\\n");
    assert_eq!(s.run("PFCOUNT d3000"), ":2985\\r\\n");
    let bytes = get(&mut s, "d3000");
    assert_eq!(bytes.len(), hll::DENSE_SIZE);
    assert_eq!(bytes, unhex(D3000));
}

#[test]
fn merge_and_union_match_redis() {
    let mut s = Session::new();
    s.run("PFADD small a b c");
    pfadd_range(&mut s, "s200", "e", 200);
    pfadd_range(&mut s, "d3000", "x", 3000);
    assert_eq!(s.run("PFCOUNT s200 d3000 small"), ":3189\\r\\n");
    assert_eq!(s.run("PFCOUNT s200 d3000 small missing"), ":3189\\r\\n");
    assert_eq!(s.run("PFMERGE ms small s200"), "+OK\\r\\n");
    assert_eq!(get(&mut s, "ms"), unhex(MS));
    assert_eq!(s.run("PFMERGE m s200 d3000"), "+OK\\r\\n");
    assert_eq!(s.run("PFDEBUG ENCODING m"), "+dense\\r\\n");
    assert_eq!(s.run("PFCOUNT m"), ":3186\\r\\n");
    // Sources are not modified by a union count.
    assert_eq!(s.run("PFDEBUG ENCODING s200"), "+sparse\\r\\n");
    // Merging nothing creates an empty HLL.
    assert_eq!(s.run("PFMERGE empty"), "+OK\\r\\n");
    assert_eq!(s.run("PFCOUNT empty"), ":0\\r\\n");
}

#[test]
fn redis_written_hll_is_usable() {
    let mut s = Session::new();
    cmd(&mut s, &[b"SET", b"k", &unhex(S200)]);
    assert_eq!(s.run("PFCOUNT k"), ":200\\r\\n");
    assert_eq!(s.run("PFADD k more1 more2 more3"), ":1\\r\\n");
    assert_eq!(get(&mut s, "k"), unhex(S200_MORE));
    cmd(&mut s, &[b"SET", b"d", &unhex(D3000)]);
    assert_eq!(s.run("PFCOUNT d"), ":2985\\r\\n");
    assert_eq!(s.run("PFCOUNT d k"), ":3189\\r\\n");
}

#[test]
fn errors_as_redis() {
    let mut s = Session::new();
    s.run("SET str hello");
    s.run("SET num 12345");
    let not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\\r\\n";
    assert_eq!(s.run("PFADD str a"), not_hll);
    assert_eq!(s.run("PFADD num a"), not_hll);
    assert_eq!(s.run("PFCOUNT str"), not_hll);
    assert_eq!(s.run("PFCOUNT str num"), not_hll);
    assert_eq!(s.run("PFMERGE d str"), not_hll);
    assert_eq!(s.exists("d"), 0);
    // A dense header on a short string is not an HLL.
    s.run(
        "SET shortdense HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe",
    );
    assert_eq!(s.run("PFCOUNT shortdense"), not_hll);
    // A sparse body covering too few registers is corrupt.
    s.run("SET bad HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe");
    let corrupt = "-INVALIDOBJ Corrupted HLL object detected\\r\\n";
    assert_eq!(s.run("PFCOUNT bad"), corrupt);
    assert_eq!(s.run("PFCOUNT bad str"), corrupt);
    assert_eq!(s.run("PFMERGE x bad"), corrupt);
    assert_eq!(s.run("PFDEBUG TODENSE bad"), corrupt);
    assert_eq!(
        s.run("PFDEBUG GETREG missing"),
        "-ERR The specified key does not exist\\r\\n"
    );
    s.run("PFADD h a");
    assert_eq!(
        s.run("PFDEBUG nope h"),
        "-ERR Unknown PFDEBUG subcommand 'nope'\\r\\n"
    );
    assert_eq!(s.run("PFDEBUG TODENSE h"), ":1\\r\\n");
    assert_eq!(s.run("PFDEBUG TODENSE h"), ":0\\r\\n");
    assert_eq!(
        s.run("PFDEBUG DECODE h"),
        "-ERR HLL encoding is not sparse\\r\\n"
    );
    assert_eq!(s.run("PFSELFTEST"), "+OK\\r\\n");
}

#[test]
fn getreg_lists_every_register() {
    let mut s = Session::new();
    s.run("PFADD h a b c");
    let r = s.run("PFDEBUG GETREG h");
    assert!(r.starts_with("*16384\\r\\n"));
    assert_eq!(r.matches(":0\\r\\n").count(), 16381);
    assert_eq!(s.run("PFDEBUG ENCODING h"), "+dense\\r\\n");
    assert_eq!(s.run("PFCOUNT h"), ":3\\r\\n");
}

#[test]
fn dirty_counts_as_redis() {
    let mut s = Session::new();
    s.run("PFADD h a b c");
    // Key creation plus three changed registers.
    assert_eq!(s.dirty, 4);
    s.run("PFCOUNT h");
    assert_eq!(s.dirty, 5);
    s.run("PFCOUNT h");
    assert_eq!(s.dirty, 5);
    s.run("PFADD h a");
    assert_eq!(s.dirty, 5);
}
