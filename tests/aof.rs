//! The append-only file across servers: shardis loads what redis-server
//! 7.0 wrote (RDB or AOF base, incremental files, a rewrite in between),
//! redis-server and redis-check-aof accept what shardis rewrote, torn and
//! corrupt files are handled as Redis handles them (cut back with a
//! warning, or refused with exit code 1 and a message naming the file).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::contents::{
    assert_same_contents, db_contents as snapshot, DbContents as Snapshot, TempDir,
};
use common::Server;
use redis::Connection;

/// Runs one command, ignoring its reply.
fn q(c: &mut Connection, args: &[&str]) {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let _: redis::Value = cmd.query(c).unwrap();
}

/// Fills the current database with every type, in small and large forms.
fn fill(c: &mut Connection, tag: &str) {
    let k = |s: &str| format!("{tag}{s}");
    q(c, &["SET", &k("str"), "hello world"]);
    q(c, &["SET", &k("int"), "-123456"]);
    q(c, &["INCRBY", &k("counter"), "41"]);
    q(c, &["APPEND", &k("raw"), "abc"]);
    q(c, &["APPEND", &k("raw"), "def"]);
    q(c, &["RPUSH", &k("list"), "a", "b", "1", "2"]);
    q(c, &["LPUSH", &k("list"), "z"]);
    q(c, &["SADD", &k("intset"), "1", "2", "3", "-9"]);
    q(c, &["SADD", &k("set"), "a", "b"]);
    q(c, &["HSET", &k("hash"), "f", "v", "g", "1"]);
    q(c, &["ZADD", &k("zset"), "1", "a", "2.5", "b", "-inf", "c"]);
    q(c, &["PFADD", &k("hll"), "x", "y", "z"]);
    q(c, &["SET", &k("ttl"), "v", "EX", "1000"]);
    q(c, &["HSET", &k("ttlhash"), "a", "b"]);
    q(c, &["PEXPIRE", &k("ttlhash"), "5000000"]);
    let big: Vec<String> = (0..150).map(|i| format!("m{i}")).collect();
    let mut args = vec!["RPUSH".to_string(), k("biglist")];
    args.extend(big.iter().cloned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    q(c, &refs);
    let mut args = vec!["ZADD".to_string(), k("bigzset")];
    for (i, m) in big.iter().enumerate() {
        args.push(format!("{i}.25"));
        args.push(m.clone());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    q(c, &refs);
    // A transaction, and a key that is written then deleted.
    q(c, &["MULTI"]);
    q(c, &["SET", &k("tx1"), "1"]);
    q(c, &["INCR", &k("tx1")]);
    q(c, &["SADD", &k("txset"), "p", "q"]);
    q(c, &["EXEC"]);
    q(c, &["SET", &k("gone"), "x"]);
    q(c, &["DEL", &k("gone")]);
}

fn snapshots(server: &Server, dbs: &[i64]) -> Vec<Snapshot> {
    dbs.iter().map(|&db| snapshot(server, db)).collect()
}

/// Asserts two servers' snapshots of the same databases are equal.
fn assert_same_snap(x: &[Snapshot], y: &[Snapshot]) {
    assert_eq!(x.len(), y.len());
    for (db, (a, b)) in x.iter().zip(y).enumerate() {
        assert_same_contents(a, b, &format!("database #{db}"));
    }
}

fn start(redis: bool, dir: &Path, extra: &[&str]) -> Server {
    let mut args: Vec<String> = Vec::new();
    let mut it = extra.iter();
    while let Some(a) = it.next() {
        if redis && *a == "--threads" {
            it.next();
            continue;
        }
        args.push(a.to_string());
    }
    args.extend([
        "--dir".to_string(),
        dir.to_string_lossy().into_owned(),
        "--appendonly".to_string(),
        "yes".to_string(),
    ]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    if redis {
        common::start_redis(&refs)
    } else {
        common::start_shardis(&refs)
    }
}

fn aof_dir(dir: &Path) -> PathBuf {
    dir.join("appendonlydir")
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(aof_dir(dir).join("appendonly.aof.manifest")).unwrap_or_default()
}

/// Waits until `cond` holds (10 s at most).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs BGREWRITEAOF and waits until the manifest names a newer base.
fn rewrite(server: &Server, dir: &Path) {
    let before = manifest(dir);
    let reply = server.raw().cmd(&["BGREWRITEAOF"]);
    assert_eq!(reply, b"+Background append only file rewriting started\r\n");
    wait_for("the rewrite", || {
        let m = manifest(dir);
        m != before
            && m.lines().next().is_some_and(|l| l.contains("type b"))
            && !m.contains("type h")
    });
    // Redis logs when the old files are gone: let it get there.
    std::thread::sleep(Duration::from_millis(200));
}

/// Copies a directory's AOF (manifest and files) into a new directory.
fn copy_aof(from: &Path, prefix: &str) -> TempDir {
    let to = TempDir(common::unique_temp_dir(prefix));
    std::fs::create_dir_all(aof_dir(&to.0)).unwrap();
    for e in std::fs::read_dir(aof_dir(from)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), aof_dir(&to.0).join(e.file_name())).unwrap();
    }
    to
}

/// Stops a server with SHUTDOWN (the AOF is complete on disk after it).
fn shutdown(server: Server) {
    let mut c = server.raw();
    c.send_cmd(&["SHUTDOWN", "NOSAVE"]);
    let _ = c.try_read_reply();
    drop(server);
}

fn redis_writes_shardis_loads(preamble: &str) {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("aof-a"));
    let redis = start(true, &dir.0, &["--aof-use-rdb-preamble", preamble]);
    let mut c = redis.client();
    fill(&mut c, "a:");
    q(&mut c, &["SELECT", "3"]);
    fill(&mut c, "b:");
    rewrite(&redis, &dir.0);
    let base = manifest(&dir.0);
    assert!(
        base.contains(if preamble == "yes" {
            ".base.rdb"
        } else {
            ".base.aof"
        }),
        "{base}"
    );
    let mut c = redis.client();
    fill(&mut c, "c:");
    q(&mut c, &["SELECT", "5"]);
    fill(&mut c, "d:");
    q(&mut c, &["SELECT", "3"]);
    q(&mut c, &["DEL", "b:str"]);
    q(&mut c, &["RPUSH", "b:list", "late"]);
    let expect = snapshots(&redis, &[0, 3, 5]);
    shutdown(redis);
    let copy = copy_aof(&dir.0, "aof-a-copy");
    let shardis = start(false, &copy.0, &["--threads", "4"]);
    assert_same_snap(&expect, &snapshots(&shardis, &[0, 3, 5]));
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    if preamble == "yes" {
        assert!(
            log.contains("Reading RDB base file on AOF loading..."),
            "{log}"
        );
    }
    assert!(
        log.contains("DB loaded from base file appendonly.aof."),
        "{log}"
    );
    assert!(
        log.contains("DB loaded from incr file appendonly.aof."),
        "{log}"
    );
    assert!(log.contains("DB loaded from append only file: "), "{log}");
    assert!(log.contains("Opening AOF incr file"), "{log}");
    // The manifest is kept as Redis wrote it.
    assert_eq!(manifest(&copy.0), base);
}

#[test]
fn redis_aof_with_rdb_base_loads_in_shardis() {
    redis_writes_shardis_loads("yes");
}

#[test]
fn redis_aof_with_aof_base_loads_in_shardis() {
    redis_writes_shardis_loads("no");
}

fn shardis_rewrites_redis_loads(preamble: &str) {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("aof-b"));
    let shardis = start(
        false,
        &dir.0,
        &["--threads", "4", "--aof-use-rdb-preamble", preamble],
    );
    // A fresh start creates the directory, a base, an incr file and the
    // manifest, as Redis 7.0 does.
    let m = manifest(&dir.0);
    let ext = if preamble == "yes" { "rdb" } else { "aof" };
    assert_eq!(
        m,
        format!(
            "file appendonly.aof.1.base.{ext} seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        )
    );
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    assert!(
        log.contains(&format!(
            "Creating AOF base file appendonly.aof.1.base.{ext} on server start"
        )),
        "{log}"
    );
    assert!(
        log.contains("Creating AOF incr file appendonly.aof.1.incr.aof on server start"),
        "{log}"
    );
    let mut c = shardis.client();
    fill(&mut c, "a:");
    q(&mut c, &["SELECT", "3"]);
    fill(&mut c, "b:");
    rewrite(&shardis, &dir.0);
    assert_eq!(
        manifest(&dir.0),
        format!(
            "file appendonly.aof.2.base.{ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        )
    );
    let mut names: Vec<String> = std::fs::read_dir(aof_dir(&dir.0))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            format!("appendonly.aof.2.base.{ext}"),
            "appendonly.aof.2.incr.aof".to_string(),
            "appendonly.aof.manifest".to_string()
        ]
    );
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    for line in [
        "Background append only file rewriting started",
        "Successfully created the temporary AOF base file temp-rewriteaof-bg-",
        "Background AOF rewrite terminated with success",
        "Background AOF rewrite finished successfully",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
    let check = Command::new("redis-check-aof")
        .arg(aof_dir(&dir.0).join("appendonly.aof.manifest"))
        .output();
    if let Ok(out) = check {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("All AOF files and manifest are valid"),
            "{text}"
        );
    }
    let expect = snapshots(&shardis, &[0, 3]);
    shutdown(shardis);
    let copy = copy_aof(&dir.0, "aof-b-copy");
    let redis = start(true, &copy.0, &[]);
    assert_same_snap(&expect, &snapshots(&redis, &[0, 3]));
    // And shardis restarts on its own files.
    let again = start(false, &dir.0, &["--threads", "3"]);
    assert_same_snap(&expect, &snapshots(&again, &[0, 3]));
}

#[test]
fn shardis_rewrite_with_rdb_base_loads_in_redis() {
    shardis_rewrites_redis_loads("yes");
}

#[test]
fn shardis_rewrite_with_aof_base_loads_in_redis() {
    shardis_rewrites_redis_loads("no");
}

#[test]
fn bgrewriteaof_replies_and_config_set_appendonly() {
    let dir = TempDir(common::unique_temp_dir("aof-c"));
    let mut args: Vec<String> = ["--threads", "2", "--dir"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(dir.0.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let shardis = common::start_shardis(&refs);
    let mut c = shardis.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), b"+OK\r\n");
    // appendonly is off: no directory until a rewrite or until it is
    // turned on. A rewrite with appendonly off writes a base alone (as
    // redis-server 7.0 does).
    assert!(!aof_dir(&dir.0).exists());
    assert_eq!(
        c.cmd(&["BGREWRITEAOF"]),
        b"+Background append only file rewriting started\r\n".to_vec()
    );
    wait_for("the first base", || manifest(&dir.0).contains("type b"));
    assert_eq!(
        manifest(&dir.0),
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), b"+OK\r\n");
    wait_for("the second base", || {
        let m = manifest(&dir.0);
        m.contains("incr") && !m.contains("type h")
    });
    assert_eq!(
        manifest(&dir.0),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    assert!(
        log.contains("Creating AOF incr file appendonly.aof.1.incr.aof on background rewrite"),
        "{log}"
    );
    assert!(
        log.contains("Successfully renamed the temporary AOF base file temp-rewriteaof-bg-"),
        "{log}"
    );
    assert_eq!(
        c.cmd(&["BGREWRITEAOF", "x"]),
        b"-ERR wrong number of arguments for 'bgrewriteaof' command\r\n".to_vec()
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "no"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SET", "k2", "v"]), b"+OK\r\n");
    drop(c);
    shutdown(shardis);
    // The data set at the time appendonly was turned on is in the base.
    let again = start(false, &dir.0, &["--threads", "2"]);
    assert_eq!(again.raw().cmd(&["GET", "k"]), b"$1\r\nv\r\n");
}

/// Writes a multi-part AOF by hand: an AOF-format base and incr files.
fn write_aof(dir: &Path, base: &[u8], incrs: &[&[u8]]) {
    let d = aof_dir(dir);
    std::fs::create_dir_all(&d).unwrap();
    let mut m = String::from("file appendonly.aof.1.base.aof seq 1 type b\n");
    std::fs::write(d.join("appendonly.aof.1.base.aof"), base).unwrap();
    for (i, body) in incrs.iter().enumerate() {
        let name = format!("appendonly.aof.{}.incr.aof", i + 1);
        std::fs::write(d.join(&name), body).unwrap();
        m.push_str(&format!("file {name} seq {} type i\n", i + 1));
    }
    std::fs::write(d.join("appendonly.aof.manifest"), m).unwrap();
}

fn resp(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
    }
    out
}

/// Starts a server expected to refuse to start: returns its exit code and
/// its log.
fn start_fails(redis: bool, dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let bin = if redis {
        common::redis_bin()
    } else {
        common::shardis_bin()
    };
    let log = dir.join(if redis { "redis.log" } else { "shardis.log" });
    let _ = std::fs::remove_file(&log);
    let port = common::free_port().to_string();
    let mut args = vec![
        "--port",
        &port,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    args.extend(["--dir".into(), dir.to_string_lossy().into_owned()]);
    args.extend(["--logfile".into(), log.to_string_lossy().into_owned()]);
    if !redis {
        args.extend(["--threads".into(), "2".into()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut child = Command::new(bin)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Ok(Some(st)) = child.try_wait() {
            break st.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (code, std::fs::read_to_string(&log).unwrap_or_default())
}

fn torn_files() -> (Vec<u8>, Vec<u8>, usize) {
    let base = [resp(&["SELECT", "0"]), resp(&["SET", "a", "1"])].concat();
    let good = [
        resp(&["SELECT", "0"]),
        resp(&["SET", "b", "2"]),
        resp(&["RPUSH", "l", "x", "y"]),
    ]
    .concat();
    let mut incr = good.clone();
    incr.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1");
    (base, incr, good.len())
}

#[test]
fn truncated_last_command_loads_with_warning_like_redis() {
    let (base, incr, good) = torn_files();
    let mut servers = vec![false];
    if common::redis_available() {
        servers.push(true);
    }
    for redis in servers {
        let dir = TempDir(common::unique_temp_dir("aof-t"));
        write_aof(&dir.0, &base, &[&incr]);
        let server = start(redis, &dir.0, &["--threads", "2"]);
        let mut c = server.raw();
        assert_eq!(c.cmd(&["GET", "a"]), b"$1\r\n1\r\n", "redis={redis}");
        assert_eq!(c.cmd(&["GET", "b"]), b"$1\r\n2\r\n");
        assert_eq!(c.cmd(&["LLEN", "l"]), b":2\r\n");
        assert_eq!(c.cmd(&["EXISTS", "c"]), b":0\r\n");
        let len = std::fs::metadata(aof_dir(&dir.0).join("appendonly.aof.1.incr.aof"))
            .unwrap()
            .len();
        assert_eq!(len as usize, good, "redis={redis}");
        let log = std::fs::read_to_string(server.logfile()).unwrap_or_default();
        for line in [
            "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!",
            &format!("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset {good} !!!"),
            "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled",
        ] {
            assert!(log.contains(line), "redis={redis} {line}: {log}");
        }
    }
}

#[test]
fn truncated_last_command_refused_without_aof_load_truncated() {
    let (base, incr, _) = torn_files();
    let mut servers = vec![false];
    if common::redis_available() {
        servers.push(true);
    }
    for redis in servers {
        let dir = TempDir(common::unique_temp_dir("aof-u"));
        write_aof(&dir.0, &base, &[&incr]);
        let (code, log) = start_fails(redis, &dir.0, &["--aof-load-truncated", "no"]);
        assert_eq!(code, Some(1), "redis={redis} {log}");
        assert!(
            log.contains(
                "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"
            ),
            "redis={redis} {log}"
        );
    }
}

#[test]
fn unfinished_multi_is_reverted() {
    let base = resp(&["SET", "a", "1"]);
    let incr = [
        resp(&["SET", "b", "2"]),
        resp(&["MULTI"]),
        resp(&["SET", "c", "3"]),
    ]
    .concat();
    let keep = resp(&["SET", "b", "2"]).len();
    let dir = TempDir(common::unique_temp_dir("aof-m"));
    write_aof(&dir.0, &base, &[&incr]);
    let server = start(false, &dir.0, &["--threads", "2"]);
    let mut c = server.raw();
    assert_eq!(
        c.cmd(&["MGET", "a", "b", "c"]),
        b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    );
    let log = std::fs::read_to_string(server.logfile()).unwrap_or_default();
    assert!(
        log.contains(
            "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof"
        ),
        "{log}"
    );
    let len = std::fs::metadata(aof_dir(&dir.0).join("appendonly.aof.1.incr.aof"))
        .unwrap()
        .len();
    assert_eq!(len as usize, keep);
}

#[test]
fn replay_spans_shards_databases_and_transactions() {
    let base = resp(&["SET", "base", "1"]);
    let mut incr1 = Vec::new();
    for i in 0..200 {
        incr1.extend(resp(&["SET", &format!("k{i}"), &i.to_string()]));
    }
    let incr2 = [
        resp(&["SELECT", "2"]),
        resp(&["MULTI"]),
        resp(&["SET", "x", "1"]),
        resp(&["SET", "y", "2"]),
        resp(&["MSET", "p", "1", "q", "2", "r", "3"]),
        resp(&["EXEC"]),
        resp(&["SELECT", "0"]),
        resp(&["DEL", "k7"]),
        resp(&["INCRBY", "k8", "100"]),
    ]
    .concat();
    let dir = TempDir(common::unique_temp_dir("aof-r"));
    write_aof(&dir.0, &base, &[&incr1, &incr2]);
    let server = start(false, &dir.0, &["--threads", "4"]);
    let mut c = server.raw();
    assert_eq!(c.cmd(&["DBSIZE"]), b":200\r\n");
    assert_eq!(
        c.cmd(&["MGET", "k7", "k8", "base"]),
        b"*3\r\n$-1\r\n$3\r\n108\r\n$1\r\n1\r\n"
    );
    assert_eq!(c.cmd(&["SELECT", "2"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["DBSIZE"]), b":5\r\n");
    // The last incr file stays the one written to.
    assert_eq!(
        manifest(&dir.0),
        "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
}

#[test]
fn corrupt_files_are_refused_naming_file_and_offset() {
    let good = resp(&["SET", "a", "1"]);
    type Case<'a> = (&'a str, Box<dyn Fn(&Path) + 'a>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "manifest",
            Box::new(|d: &Path| {
                write_aof(d, b"", &[]);
                std::fs::write(aof_dir(d).join("appendonly.aof.manifest"), "file x seq 1 type z\n").unwrap();
            }),
            vec!["Unknown AOF file type", "at line 1"],
        ),
        (
            "incr",
            Box::new({
                let good = good.clone();
                move |d: &Path| {
                    let mut incr = good.clone();
                    incr.extend_from_slice(b"$garbage\r\n");
                    incr.extend_from_slice(&good);
                    write_aof(d, &good, &[&incr]);
                }
            }),
            vec![
                "Bad file format reading the append only file appendonly.aof.1.incr.aof",
                "is not valid at offset 27",
            ],
        ),
        (
            "unknown command",
            Box::new(|d: &Path| write_aof(d, &resp(&["NOSUCHCMD", "x"]), &[])),
            vec!["Unknown command 'NOSUCHCMD' reading the append only file appendonly.aof.1.base.aof"],
        ),
        (
            "rdb base",
            Box::new(|d: &Path| {
                let a = aof_dir(d);
                std::fs::create_dir_all(&a).unwrap();
                std::fs::write(a.join("appendonly.aof.1.base.rdb"), b"REDIS0010\xfe\x00\x00garbage").unwrap();
                std::fs::write(
                    a.join("appendonly.aof.manifest"),
                    "file appendonly.aof.1.base.rdb seq 1 type b\n",
                )
                .unwrap();
            }),
            vec![
                "Reading RDB base file on AOF loading...",
                "Error reading the RDB base file appendonly.aof.1.base.rdb, AOF loading aborted (offset ",
            ],
        ),
        (
            "missing file",
            Box::new(|d: &Path| {
                write_aof(d, &good, &[]);
                std::fs::remove_file(aof_dir(d).join("appendonly.aof.1.base.aof")).unwrap();
            }),
            vec!["Unable to obtain the AOF file appendonly.aof.1.base.aof length. stat: No such file or directory"],
        ),
    ];
    for (what, make, lines) in cases {
        let dir = TempDir(common::unique_temp_dir("aof-x"));
        make(&dir.0);
        let (code, log) = start_fails(false, &dir.0, &[]);
        assert_eq!(code, Some(1), "{what}: {log}");
        for l in &lines {
            assert!(log.contains(l), "{what}: {l}: {log}");
        }
        assert!(!log.contains("panicked"), "{what}: {log}");
        // redis-server refuses the same files with the same first line.
        if common::redis_available() {
            let dir = TempDir(common::unique_temp_dir("aof-y"));
            make(&dir.0);
            let (code, log) = start_fails(true, &dir.0, &[]);
            assert_eq!(code, Some(1), "redis {what}: {log}");
            assert!(log.contains(lines[0]), "redis {what}: {}: {log}", lines[0]);
        }
    }
}

/// Starts shardis on `dir` with `args` and polls it with PING + DBSIZE
/// until PING answers +PONG. Returns whether `-LOADING` was seen meanwhile,
/// any other reply, and DBSIZE once loaded.
fn poll_while_loading(dir: &Path, args: &[&str]) -> (bool, Vec<String>, Option<String>) {
    let port = common::free_port();
    let log = dir.join("shardis.log");
    let mut child = Command::new(common::shardis_bin())
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(args)
        .arg("--dir")
        .arg(dir)
        .arg("--logfile")
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen_loading = false;
    let mut replies = Vec::new();
    let ok = loop {
        if Instant::now() > deadline {
            break false;
        }
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = s.write_all(b"*1\r\n$4\r\nPING\r\n");
        let mut buf = [0u8; 256];
        let got = s.read(&mut buf).unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..got]).into_owned();
        if text == "-LOADING Redis is loading the dataset in memory\r\n" {
            seen_loading = true;
        } else if text == "+PONG\r\n" {
            break true;
        } else if !text.is_empty() {
            replies.push(text);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut size = None;
    if ok {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"*1\r\n$6\r\nDBSIZE\r\n").unwrap();
        let mut buf = [0u8; 64];
        let got = s.read(&mut buf).unwrap_or(0);
        size = Some(String::from_utf8_lossy(&buf[..got]).into_owned());
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "never answered PONG: {replies:?}");
    (seen_loading, replies, size)
}

#[test]
fn clients_get_loading_while_the_aof_replays() {
    let n = 60_000;
    let mut incr = Vec::with_capacity(n * 40);
    for i in 0..n {
        incr.extend(resp(&["SET", &format!("key{i}"), &i.to_string()]));
    }
    let dir = TempDir(common::unique_temp_dir("aof-l"));
    write_aof(&dir.0, b"", &[&incr]);
    let (seen, others, size) =
        poll_while_loading(&dir.0, &["--appendonly", "yes", "--threads", "4"]);
    assert!(others.is_empty(), "{others:?}");
    assert!(seen, "no -LOADING seen during the replay");
    assert_eq!(size, Some(format!(":{n}\r\n")));
}

#[test]
fn clients_get_loading_while_the_rdb_loads() {
    let dir = TempDir(common::unique_temp_dir("aof-rdb"));
    let mut args: Vec<String> = ["--threads", "4", "--enable-debug-command", "yes", "--dir"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(dir.0.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = common::start_shardis(&refs);
    let mut c = first.raw();
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "300000"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    drop(c);
    drop(first);
    let (seen, others, size) = poll_while_loading(&dir.0, &["--threads", "4"]);
    assert!(others.is_empty(), "{others:?}");
    assert!(seen, "no -LOADING seen during the load");
    assert_eq!(size.as_deref(), Some(":300000\r\n"));
}

#[test]
fn debug_loadaof_reloads_from_disk() {
    let base = [resp(&["SET", "a", "1"]), resp(&["RPUSH", "l", "x"])].concat();
    let incr = resp(&["INCR", "a"]);
    let dir = TempDir(common::unique_temp_dir("aof-d"));
    write_aof(&dir.0, &base, &[&incr]);
    let server = start(
        false,
        &dir.0,
        &["--threads", "3", "--enable-debug-command", "yes"],
    );
    let mut c = server.raw();
    assert_eq!(c.cmd(&["GET", "a"]), b"$1\r\n2\r\n");
    // Appended behind the server's back: only a reload sees it.
    let path = aof_dir(&dir.0).join("appendonly.aof.1.incr.aof");
    let mut more = std::fs::read(&path).unwrap();
    more.extend(resp(&["SELECT", "4"]));
    more.extend(resp(&["SADD", "s", "p", "q"]));
    std::fs::write(&path, more).unwrap();
    assert_eq!(c.cmd(&["DEBUG", "LOADAOF"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["GET", "a"]), b"$1\r\n2\r\n");
    assert_eq!(c.cmd(&["LRANGE", "l", "0", "-1"]), b"*1\r\n$1\r\nx\r\n");
    assert_eq!(c.cmd(&["SELECT", "4"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["SCARD", "s"]), b":2\r\n");
    let log = std::fs::read_to_string(server.logfile()).unwrap_or_default();
    assert!(
        log.contains("Append Only File loaded by DEBUG LOADAOF"),
        "{log}"
    );
}

#[test]
fn old_style_single_aof_is_migrated_like_redis() {
    if !common::redis_available() {
        return;
    }
    // A pre-7.0 file: an RDB preamble followed by commands.
    let src = TempDir(common::unique_temp_dir("aof-o"));
    let redis = start(true, &src.0, &[]);
    let mut c = redis.client();
    fill(&mut c, "a:");
    rewrite(&redis, &src.0);
    let mut c = redis.client();
    q(&mut c, &["SELECT", "2"]);
    fill(&mut c, "b:");
    let expect = snapshots(&redis, &[0, 2]);
    shutdown(redis);
    let m = manifest(&src.0);
    let mut old = Vec::new();
    for line in m.lines() {
        let name = line.split(' ').nth(1).unwrap();
        old.extend(std::fs::read(aof_dir(&src.0).join(name)).unwrap());
    }
    assert!(old.starts_with(b"REDIS"));
    let mut manifests = Vec::new();
    for redis in [true, false] {
        let dir = TempDir(common::unique_temp_dir("aof-o2"));
        std::fs::write(dir.0.join("appendonly.aof"), &old).unwrap();
        let server = start(redis, &dir.0, &["--threads", "4"]);
        assert_same_snap(&expect, &snapshots(&server, &[0, 2]));
        assert!(!dir.0.join("appendonly.aof").exists());
        manifests.push(manifest(&dir.0));
        let log = std::fs::read_to_string(server.logfile()).unwrap_or_default();
        for line in [
            "Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).",
            "Reading RDB preamble from AOF file...",
            "Reading the remaining AOF tail...",
        ] {
            assert!(log.contains(line), "redis={redis} {line}: {log}");
        }
    }
    assert_eq!(manifests[0], manifests[1]);
}

/// Runs redis-check-aof on a directory's manifest and asserts it passes.
fn check_aof(dir: &Path) {
    let check = Command::new("redis-check-aof")
        .arg(aof_dir(dir).join("appendonly.aof.manifest"))
        .output();
    if let Ok(out) = check {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("All AOF files and manifest are valid"),
            "{text}"
        );
    }
}

fn shardis_writes_redis_loads(preamble: &str) {
    if !common::redis_available() {
        return;
    }
    let dir = TempDir(common::unique_temp_dir("aof-w"));
    let shardis = start(
        false,
        &dir.0,
        &["--threads", "4", "--aof-use-rdb-preamble", preamble],
    );
    let mut c = shardis.client();
    fill(&mut c, "a:");
    q(&mut c, &["SELECT", "3"]);
    fill(&mut c, "b:");
    // The journal's stream alone (base empty) is a valid AOF.
    check_aof(&dir.0);
    rewrite(&shardis, &dir.0);
    let mut c = shardis.client();
    fill(&mut c, "c:");
    q(&mut c, &["SELECT", "5"]);
    fill(&mut c, "d:");
    q(&mut c, &["SELECT", "3"]);
    q(&mut c, &["DEL", "b:str"]);
    q(&mut c, &["RPUSH", "b:list", "late"]);
    q(&mut c, &["SPOP", "b:set"]);
    q(&mut c, &["EXPIRE", "b:hash", "5000"]);
    check_aof(&dir.0);
    let expect = snapshots(&shardis, &[0, 3, 5]);
    shutdown(shardis);
    let copy = copy_aof(&dir.0, "aof-w-copy");
    let redis = start(true, &copy.0, &[]);
    assert_same_snap(&expect, &snapshots(&redis, &[0, 3, 5]));
    let again = start(false, &dir.0, &["--threads", "2"]);
    assert_same_snap(&expect, &snapshots(&again, &[0, 3, 5]));
}

#[test]
fn shardis_journal_with_rdb_base_loads_in_redis() {
    shardis_writes_redis_loads("yes");
}

#[test]
fn shardis_journal_with_aof_base_loads_in_redis() {
    shardis_writes_redis_loads("no");
}

#[test]
fn rewrites_under_concurrent_writes_lose_and_repeat_nothing() {
    let dir = TempDir(common::unique_temp_dir("aof-cw"));
    let shardis = start(false, &dir.0, &["--threads", "4"]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3 {
        let port = shardis.port;
        let stop = stop.clone();
        writers.push(std::thread::spawn(move || {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
            let mut c = client.get_connection().unwrap();
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("w{w}:{}", n % 37);
                let _: i64 = redis::cmd("INCR").arg(&key).query(&mut c).unwrap();
                let _: i64 = redis::cmd("RPUSH")
                    .arg(format!("w{w}:log"))
                    .arg(n)
                    .query(&mut c)
                    .unwrap();
                n += 1;
            }
            n
        }));
    }
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        let before = manifest(&dir.0);
        let reply = shardis.raw().cmd(&["BGREWRITEAOF"]);
        assert_eq!(reply, b"+Background append only file rewriting started\r\n");
        wait_for("the rewrite", || {
            let m = manifest(&dir.0);
            m != before && !m.contains("type h") && m.lines().count() == 2
        });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let counts: Vec<u64> = writers.into_iter().map(|h| h.join().unwrap()).collect();
    let expect = snapshots(&shardis, &[0]);
    // Every write acknowledged is there exactly once.
    let mut c = shardis.client();
    for (w, n) in counts.iter().enumerate() {
        let len: u64 = redis::cmd("LLEN")
            .arg(format!("w{w}:log"))
            .query(&mut c)
            .unwrap();
        assert_eq!(len, *n);
    }
    check_aof(&dir.0);
    shutdown(shardis);
    let again = start(false, &dir.0, &["--threads", "3"]);
    assert_same_snap(&expect, &snapshots(&again, &[0]));
    if common::redis_available() {
        let copy = copy_aof(&dir.0, "aof-cw-copy");
        let redis = start(true, &copy.0, &[]);
        assert_same_snap(&expect, &snapshots(&redis, &[0]));
    }
}

#[test]
fn automatic_rewrite_on_growth_and_appendonly_turned_on_keeps_writes() {
    let dir = TempDir(common::unique_temp_dir("aof-auto"));
    let mut args: Vec<String> = ["--threads", "2", "--dir"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(dir.0.to_string_lossy().into_owned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let shardis = common::start_shardis(&refs);
    let mut c = shardis.raw();
    assert_eq!(c.cmd(&["SET", "before", "1"]), b"+OK\r\n");
    assert_eq!(c.cmd(&["CONFIG", "SET", "appendonly", "yes"]), b"+OK\r\n");
    // Written while the first base is being made: they go to the new
    // incremental file.
    assert_eq!(c.cmd(&["SET", "during", "1"]), b"+OK\r\n");
    wait_for("the first base", || {
        let m = manifest(&dir.0);
        m.contains("type b") && m.contains("type i")
    });
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-min-size", "4096"]),
        b"+OK\r\n"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "auto-aof-rewrite-percentage", "100"]),
        b"+OK\r\n"
    );
    let value = "x".repeat(200);
    for i in 0..100 {
        assert_eq!(c.cmd(&["SET", &format!("k{}", i % 10), &value]), b"+OK\r\n");
    }
    wait_for("the automatic rewrite", || {
        manifest(&dir.0).contains("appendonly.aof.2.base.rdb")
    });
    let log = std::fs::read_to_string(shardis.logfile()).unwrap_or_default();
    assert!(
        log.contains("Starting automatic rewriting of AOF on"),
        "{log}"
    );
    assert_eq!(c.cmd(&["SET", "after", "1"]), b"+OK\r\n");
    drop(c);
    std::thread::sleep(Duration::from_millis(300));
    let expect = snapshots(&shardis, &[0]);
    shutdown(shardis);
    let again = start(false, &dir.0, &["--threads", "2"]);
    assert_same_snap(&expect, &snapshots(&again, &[0]));
    assert_eq!(
        again.raw().cmd(&["MGET", "before", "during", "after"]),
        b"*3\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n"
    );
}

#[test]
fn bgrewriteaof_during_bgsave_is_scheduled_then_runs() {
    let dir = TempDir(common::unique_temp_dir("aof-s"));
    let shardis = start(
        false,
        &dir.0,
        &["--threads", "2", "--enable-debug-command", "yes"],
    );
    let mut c = shardis.raw();
    assert_eq!(c.cmd(&["DEBUG", "POPULATE", "300"]), b"+OK\r\n");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "3000"]),
        b"+OK\r\n"
    );
    assert_eq!(c.cmd(&["BGSAVE"]), b"+Background saving started\r\n");
    assert_eq!(
        c.cmd(&["BGREWRITEAOF"]),
        b"+Background append only file rewriting scheduled\r\n".to_vec()
    );
    // Nothing rewritten while the save runs.
    assert!(manifest(&dir.0).contains("appendonly.aof.1.base.rdb"));
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "0"]),
        b"+OK\r\n"
    );
    wait_for("the scheduled rewrite", || {
        let m = manifest(&dir.0);
        m.contains("appendonly.aof.2.base.rdb") && !m.contains("type h")
    });
    assert_eq!(c.cmd(&["SET", "after", "1"]), b"+OK\r\n");
    let expect = snapshots(&shardis, &[0]);
    drop(c);
    shutdown(shardis);
    let again = start(false, &dir.0, &["--threads", "2"]);
    assert_same_snap(&expect, &snapshots(&again, &[0]));
}
