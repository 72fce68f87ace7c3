//! Comparing data sets key by key: what a server holds in a database, in a
//! form two servers (shardis and redis-server, or shardis before and after
//! a restart) can be compared with, and a temporary directory for the
//! files such tests move between servers.

use std::path::PathBuf;

use redis::Connection;

use super::Server;

/// The keys of one database, sorted: (key, type and content, expiry as
/// EXPIRETIME gives it: Unix seconds, -1 for none). Absolute times, so two
/// servers read some seconds apart still compare equal.
pub type DbContents = Vec<(String, String, i64)>;

/// A key's type and content in a comparable form (set members and hash
/// fields sorted), and its expiry (EXPIRETIME: Unix seconds, -1 for none).
pub fn key_view(c: &mut Connection, key: &str) -> (String, i64) {
    let t: String = redis::cmd("TYPE").arg(key).query(c).unwrap();
    let sorted = |mut v: Vec<Vec<u8>>| {
        v.sort();
        format!("{v:?}")
    };
    let content = match t.as_str() {
        "string" => format!(
            "{:?}",
            redis::cmd("GET").arg(key).query::<Vec<u8>>(c).unwrap()
        ),
        "list" => format!(
            "{:?}",
            redis::cmd("LRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query::<Vec<Vec<u8>>>(c)
                .unwrap()
        ),
        "set" => sorted(redis::cmd("SMEMBERS").arg(key).query(c).unwrap()),
        "hash" => {
            let mut m: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("HGETALL").arg(key).query(c).unwrap();
            m.sort();
            format!("{m:?}")
        }
        "zset" => format!(
            "{:?}",
            redis::cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES")
                .query::<Vec<Vec<u8>>>(c)
                .unwrap()
        ),
        other => panic!("unexpected type {other} of {key}"),
    };
    let ttl: i64 = redis::cmd("EXPIRETIME").arg(key).query(c).unwrap();
    (format!("{t}:{content}"), ttl)
}

/// Every key of database `db` of `server` with its view.
pub fn db_contents(server: &Server, db: i64) -> DbContents {
    let mut c = server.client();
    let _: () = redis::cmd("SELECT").arg(db).query(&mut c).unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).unwrap();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let (v, ttl) = key_view(&mut c, &k);
            (k, v, ttl)
        })
        .collect()
}

/// Asserts two databases' contents are equal and not empty, expiry times
/// within a few seconds of each other; `what` names the database in messages.
pub fn assert_same_contents(x: &DbContents, y: &DbContents, what: &str) {
    assert!(!x.is_empty(), "{what} is empty");
    let kx: Vec<_> = x.iter().map(|e| &e.0).collect();
    let ky: Vec<_> = y.iter().map(|e| &e.0).collect();
    assert_eq!(kx, ky, "keys of {what}");
    for (p, q) in x.iter().zip(y) {
        assert_eq!(p.1, q.1, "value of {} in {what}", p.0);
        assert!(
            (p.2 - q.2).abs() <= 3,
            "ttl of {} in {what}: {} vs {}",
            p.0,
            p.2,
            q.2
        );
    }
}

/// Asserts servers `a` and `b` hold the same keys and values in `dbs`.
pub fn assert_same_dbs(a: &Server, b: &Server, dbs: &[i64]) {
    for &db in dbs {
        assert_same_contents(
            &db_contents(a, db),
            &db_contents(b, db),
            &format!("db {db}"),
        );
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
