//! Tests of the public API: loading (files, includes, command line),
//! errors, CONFIG GET/SET/REWRITE, and a comparison with a real
//! `redis-server` when one is installed.

use super::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "shardis-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(std::fs::canonicalize(&p).expect("canonical temp dir"))
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).expect("write temp file");
        p
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn text(t: &str) -> Result<Config, ConfigError> {
    Config::from_text(t.as_bytes())
}

fn err_of(r: Result<Config, ConfigError>) -> ConfigError {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

// -- defaults ----------------------------------------------------------------

#[test]
fn defaults() {
    let c = Config::default();
    assert_eq!(c.port(), 6379);
    assert_eq!(c.bind(), vec!["127.0.0.1", "-::1"]);
    assert_eq!(c.get("save").as_deref(), Some("3600 1 300 100 60 10000"));
    assert_eq!(c.get("maxmemory").as_deref(), Some("0"));
    assert_eq!(c.get("appendonly").as_deref(), Some("no"));
    assert_eq!(
        c.get("client-output-buffer-limit").as_deref(),
        Some("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60")
    );
    assert_eq!(c.get("threads").as_deref(), Some("0"));
    assert_eq!(c.threads(), 0);
    assert!(c.effective_threads() >= 1);
    assert_eq!(c.databases(), 16);
    assert_eq!(c.maxclients(), 10000);
    assert_eq!(c.timeout(), 0);
    assert_eq!(c.tcp_keepalive(), 300);
    assert_eq!(c.requirepass(), None);
    assert!(c.protected_mode());
    assert!(!c.daemonize());
    assert_eq!(c.pidfile(), None);
    assert_eq!(c.logfile(), "");
    assert_eq!(c.loglevel(), LogLevel::Notice);
    assert!(!c.always_show_logo());
    assert_eq!(c.proto_max_bulk_len(), 512 * 1024 * 1024);
    assert_eq!(c.client_query_buffer_limit(), 1024 * 1024 * 1024);
    assert_eq!(c.hz(), 10);
    assert!(!c.sentinel_mode());
    assert_eq!(c.save_points(), vec![(3600, 1), (300, 100), (60, 10000)]);
    assert_eq!(c.maxmemory(), 0);
    assert_eq!(c.maxmemory_policy(), MaxmemoryPolicy::NoEviction);
    assert_eq!(c.appendfsync(), AppendFsync::Everysec);
    assert_eq!(c.dbfilename(), "dump.rdb");
    assert_eq!(c.slowlog_log_slower_than(), 10000);
    assert_eq!(c.slowlog_max_len(), 128);
    assert_eq!(c.active_expire_effort(), 1);
    assert!(!c.lazyfree_lazy_eviction() && !c.lazyfree_lazy_user_flush());
    assert_eq!(c.config_file(), None);
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(c.dir(), cwd.to_string_lossy());
    assert_eq!(c.get_u64("hash-max-listpack-entries"), Some(512));
    assert_eq!(c.get_i64("list-max-listpack-size"), Some(-2));
    assert_eq!(c.get_u64("list-max-listpack-size"), None);
    assert_eq!(c.get_bool("activerehashing"), Some(true));
    assert_eq!(c.get_bool("maxmemory"), None);
    assert_eq!(c.get("no-such-thing"), None);
}

// -- loading -----------------------------------------------------------------

#[test]
fn basic_file_syntax() {
    let c = text(
        "# comment\n\n   PORT 7000\r\n\tMaxMemory 1gb  \nmaxmemory-policy ALLKEYS-lru\n\
         requirepass \"p a\\x41ss\"\nloglevel warning\nslave-priority 5\n",
    )
    .expect("valid");
    assert_eq!(c.port(), 7000);
    assert_eq!(c.maxmemory(), 1 << 30);
    assert_eq!(c.maxmemory_policy(), MaxmemoryPolicy::AllkeysLru);
    assert_eq!(c.requirepass(), Some(b"p aAss".to_vec()));
    assert_eq!(c.loglevel(), LogLevel::Warning);
    assert_eq!(c.get("replica-priority").as_deref(), Some("5"));
    assert_eq!(c.get("SLAVE-PRIORITY").as_deref(), Some("5"));
}

#[test]
fn repeated_directives() {
    // Several save lines accumulate; save "" clears what came before.
    let c = text("save 900 1\nsave 300 10 60 100\n").expect("valid");
    assert_eq!(c.get("save").as_deref(), Some("900 1 300 10 60 100"));
    let c = text("save 900 1\nsave \"\"\n").expect("valid");
    assert_eq!(c.save_points(), vec![]);
    let c = text("save \"\"\nsave 100 1\n").expect("valid");
    assert_eq!(c.get("save").as_deref(), Some("100 1"));
    // bind: last wins.
    let c = text("bind 127.0.0.1\nbind 10.0.0.1 ::1\n").expect("valid");
    assert_eq!(c.bind(), vec!["10.0.0.1", "::1"]);
    let c = text("bind \"\"\n").expect("valid");
    assert!(c.bind().is_empty());
    // client-output-buffer-limit: per class.
    let c =
        text("client-output-buffer-limit pubsub 1 2 3\nclient-output-buffer-limit normal 4 5 6\n")
            .expect("valid");
    assert_eq!(
        c.get("client-output-buffer-limit").as_deref(),
        Some("normal 4 5 6 slave 268435456 67108864 60 pubsub 1 2 3")
    );
    // Scalars: last wins.
    let c = text("port 1\nport 2\n").expect("valid");
    assert_eq!(c.port(), 2);
    // rename-command accumulates.
    let c = text("rename-command get g\nrename-command set \"\"\n").expect("valid");
    assert_eq!(c.rename_commands().len(), 2);
    assert_eq!(c.rename_commands()[1].to, b"");
    assert_eq!(c.rename_commands()[1].origin.line, 2);
}

#[test]
fn hz_is_capped() {
    assert_eq!(text("hz 0\n").expect("valid").hz(), 1);
    assert_eq!(
        text("hz 100000\n").expect("valid").get("hz").as_deref(),
        Some("500")
    );
}

#[test]
fn deprecated_directives_are_ignored() {
    text("list-max-ziplist-entries 5\nlist-max-ziplist-value 6\nlua-replicate-commands yes\n")
        .expect("ignored");
    let e = err_of(text("list-max-ziplist-entries 5 6\n"));
    assert_eq!(e.reason(), "Bad directive or wrong number of arguments");
}

#[test]
fn fatal_error_block() {
    let e = err_of(text("port 6380\nfoo bar\n"));
    assert_eq!(
        e.to_string(),
        format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments",
            error::BANNER_VERSION
        )
    );
    assert_eq!(e.line(), Some(2));
    assert_eq!(e.line_text(), Some("foo bar"));
}

#[test]
fn error_reasons_and_lines() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("port\n", 1, "port", "wrong number of arguments"),
        ("\n\nport 1 2\n", 3, "port 1 2", "wrong number of arguments"),
        ("port abc\n", 1, "port abc", "argument couldn't be parsed into an integer"),
        ("maxmemory 1x\n", 1, "maxmemory 1x", "argument must be a memory value"),
        (
            "loglevel xx\n",
            1,
            "loglevel xx",
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing",
        ),
        ("daemonize maybe\n", 1, "daemonize maybe", "argument must be 'yes' or 'no'"),
        ("save 1\n", 1, "save 1", "Invalid save parameters"),
        ("bind \"127.0.0.1\n", 1, "bind \"127.0.0.1", "Unbalanced quotes in configuration line"),
        ("  bind '127.0.0.1  \n", 1, "bind '127.0.0.1", "Unbalanced quotes in configuration line"),
        ("sentinel monitor a b c\n", 1, "sentinel monitor a b c", "sentinel directive while not in sentinel mode"),
        ("dbfilename a/b\n", 1, "dbfilename a/b", "dbfilename can't be a path, just a filename"),
        (
            "client-output-buffer-limit normal 1 2\n",
            1,
            "client-output-buffer-limit normal 1 2",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        ("replicaof a\n", 1, "replicaof a", "wrong number of arguments"),
        ("replicaof a b\n", 1, "replicaof a b", "Invalid master port"),
        ("foo.bar\n", 1, "foo.bar", "Module config specified without value"),
        ("include\n", 1, "include", "Bad directive or wrong number of arguments"),
        ("rename-command a\n", 1, "rename-command a", "Bad directive or wrong number of arguments"),
        (
            "user a on\nuser a off\n",
            2,
            "user a off",
            "Error in user declaration 'a': Duplicate user found. A user can only be defined once in config files",
        ),
        ("maxclients 0\n", 1, "maxclients 0", "argument must be between 1 and 4294967295 inclusive"),
        ("dir /no/such/dir/anywhere\n", 1, "dir /no/such/dir/anywhere", "No such file or directory"),
    ];
    for (input, line, shown, reason) in cases {
        let e = err_of(text(input));
        assert_eq!(
            (e.line(), e.line_text(), e.reason()),
            (Some(*line), Some(*shown), *reason),
            "{input:?}"
        );
    }
}

#[test]
fn global_errors() {
    let e = err_of(text("cluster-enabled yes\nreplicaof a 1\n"));
    assert_eq!(e.line(), None);
    assert_eq!(
        e.to_string(),
        format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nreplicaof directive not allowed in cluster mode",
            error::BANNER_VERSION
        )
    );
    let e = err_of(text("logfile /no/such/dir/x.log\n"));
    assert_eq!(
        e.reason(),
        "Can't open the log file: No such file or directory"
    );
}

#[test]
fn file_only_directives_are_recorded() {
    let c = text("user alice on >pw ~* +@all\nloadmodule /x.so a b\nmymod.opt 1\nMyMod.Opt 2\n")
        .expect("valid");
    assert_eq!(c.users().len(), 1);
    assert_eq!(c.users()[0].args[0], b"alice");
    assert_eq!(c.load_modules()[0].path, b"/x.so");
    assert_eq!(c.load_modules()[0].args, vec![b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(
        c.module_configs(),
        &[("mymod.opt".to_string(), b"2".to_vec())]
    );
}

#[test]
fn rename_command_validation() {
    let c = text("rename-command get g\nrename-command g get2\nrename-command flushall \"\"\n")
        .expect("valid");
    let table = |n: &[u8]| matches!(n, b"get" | b"set" | b"flushall");
    c.validate_rename_commands(table).expect("valid renames");
    let c = text("port 1\nrename-command nosuch x\n").expect("valid");
    let e = c
        .validate_rename_commands(table)
        .expect_err("unknown command");
    assert_eq!(
        (e.line(), e.reason()),
        (Some(2), "No such command in rename-command")
    );
    let c = text("rename-command get set\n").expect("valid");
    let e = c
        .validate_rename_commands(table)
        .expect_err("target exists");
    assert_eq!(e.reason(), "Target command name already exists");
    let c = text("rename-command get x\nrename-command get y\n").expect("valid");
    assert!(c.validate_rename_commands(table).is_err());
}

#[test]
fn includes() {
    let d = TempDir::new();
    let inner = d.write("inner.conf", "maxmemory-samples 7\nsave 10 1\n");
    let middle = d.write(
        "middle.conf",
        &format!("include {}\nport 7001\n", inner.display()),
    );
    let main = d.write(
        "main.conf",
        &format!("port 7000\ninclude {}\nsave 20 2\n", middle.display()),
    );
    let c = Config::from_file(&main).expect("valid");
    assert_eq!(c.port(), 7001);
    assert_eq!(c.get("maxmemory-samples").as_deref(), Some("7"));
    assert_eq!(c.get("save").as_deref(), Some("10 1 20 2"));
    assert_eq!(c.config_file(), Some(main.as_path()));

    // Relative includes are relative to Redis' current directory, which a
    // preceding `dir` changes.
    let c = text(&format!("dir {}\ninclude inner.conf\n", d.path().display())).expect("valid");
    assert_eq!(c.get("maxmemory-samples").as_deref(), Some("7"));
    assert_eq!(c.dir(), d.path().to_string_lossy());

    // Errors inside an included file are reported with its own line numbers.
    let bad = d.write("bad.conf", "# x\nport nope\n");
    let e = err_of(text(&format!(
        "port 1\nport 2\ninclude {}\n",
        bad.display()
    )));
    assert_eq!((e.line(), e.line_text()), (Some(2), Some("port nope")));
    assert_eq!(e.file(), Some(bad.as_path()));

    // A missing file is fatal.
    let e = err_of(text("include /no/such/file.conf\n"));
    assert_eq!(
        e.to_string(),
        "Fatal error, can't open config file '/no/such/file.conf': No such file or directory"
    );

    // Wildcards: every match in order; no match is fine.
    let sub = d.path().join("conf.d");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(sub.join("a.conf"), "save 1 1\n").expect("write");
    std::fs::write(sub.join("b.conf"), "save 2 2\n").expect("write");
    std::fs::write(sub.join(".hidden.conf"), "save 3 3\n").expect("write");
    let c = text(&format!(
        "include {}/conf.d/*.conf\ninclude {}/empty.d/*.conf\n",
        d.path().display(),
        d.path().display()
    ))
    .expect("valid");
    assert_eq!(c.get("save").as_deref(), Some("1 1 2 2"));

    // An include loop stops instead of recursing forever.
    let lp = d.path().join("loop.conf");
    std::fs::write(&lp, format!("include {}\n", lp.display())).expect("write");
    let e = err_of(Config::from_file(&lp));
    assert_eq!(e.reason(), "Too many nested include directives");
}

#[test]
fn command_line() {
    let c = Config::from_args(&args(&["--port", "7000", "--save", "", "--threads", "4"]))
        .expect("valid");
    assert_eq!(c.port(), 7000);
    assert!(c.save_points().is_empty());
    assert_eq!(c.threads(), 4);
    assert_eq!(c.config_file(), None);

    let c = Config::from_args(&args(&["--save", "--port", "7001"])).expect("valid");
    assert!(c.save_points().is_empty());
    assert_eq!(c.port(), 7001);
    let c = Config::from_args(&args(&["--port", "7002", "--save"])).expect("valid");
    assert!(c.save_points().is_empty());
    let c = Config::from_args(&args(&["--save", "10", "1", "--save", "20", "2"])).expect("valid");
    assert_eq!(c.get("save").as_deref(), Some("10 1 20 2"));
    let c = Config::from_args(&args(&[
        "--requirepass",
        "--weird",
        "--bind",
        "1.2.3.4",
        "::1",
    ]))
    .expect("valid");
    assert_eq!(c.requirepass(), Some(b"--weird".to_vec()));
    assert_eq!(c.bind(), vec!["1.2.3.4", "::1"]);
    let c = Config::from_args(&args(&["--port 7003"])).expect("valid");
    assert_eq!(c.port(), 7003);
    let c = Config::from_args(&args(&[])).expect("valid");
    assert_eq!(c.port(), 6379);

    let c = Config::from_args(&args(&["--sentinel"])).expect("valid");
    assert!(c.sentinel_mode());
    assert_eq!(c.port(), 26379);
    assert!(!c.protected_mode());
    let c = Config::from_args(&args(&["--sentinel", "--port", "5000"])).expect("valid");
    assert_eq!(c.port(), 5000);

    // Errors in options: numbered after the (absent) file, shown quoted.
    let e = err_of(Config::from_args(&args(&["--port", "abc"])));
    assert_eq!((e.line(), e.line_text()), (Some(2), Some("port \"abc\"")));
    let e = err_of(Config::from_args(&args(&["--port", "7000", "--maxmemory"])));
    assert_eq!(
        (e.line(), e.line_text(), e.reason()),
        (Some(3), Some("maxmemory"), "wrong number of arguments")
    );
    let e = err_of(Config::from_args(&args(&["--maxmemory", "--port", "abc"])));
    assert_eq!(e.line_text(), Some("maxmemory \"--port\" \"abc\""));
    let e = err_of(Config::from_args(&args(&["--port", "1", "2"])));
    assert_eq!(e.line_text(), Some("port \"1\" \"2\""));
    let e = err_of(Config::from_args(&args(&["--foo"])));
    assert_eq!(
        (e.line_text(), e.reason()),
        (Some("foo"), "Bad directive or wrong number of arguments")
    );
    let e = err_of(Config::from_args(&args(&["-x", "--port", "y"])));
    assert_eq!((e.line(), e.line_text()), (Some(2), Some("\"-x\"")));
    let c = Config::from_args(&args(&[
        "--port",
        "1",
        "--sentinel",
        "monitor",
        "m",
        "h",
        "6379",
        "2",
    ]))
    .expect("valid");
    assert_eq!(c.sentinel_lines().len(), 1);
    assert_eq!(
        c.sentinel_lines()[0].origin.text,
        "sentinel \"monitor\" \"m\" \"h\" \"6379\" \"2\""
    );
}

#[test]
fn command_line_with_file() {
    let d = TempDir::new();
    let f = d.write("r.conf", "port 17002\n# c\nsave 900 1\n");
    let fs = f.to_string_lossy().into_owned();
    let c = Config::from_args(&args(&[&fs, "--port", "7000", "--save", "10", "1"])).expect("valid");
    assert_eq!(c.port(), 7000);
    assert_eq!(c.get("save").as_deref(), Some("900 1 10 1"));
    assert_eq!(c.config_file(), Some(f.as_path()));

    let e = err_of(Config::from_args(&args(&[&fs, "--port", "abc"])));
    assert_eq!((e.line(), e.line_text()), (Some(5), Some("port \"abc\"")));
    assert_eq!(e.file(), None);
    let e = err_of(Config::from_args(&args(&[&fs, "extra", "--port", "x"])));
    assert_eq!((e.line(), e.line_text()), (Some(5), Some("\"extra\"")));

    // Relative config file paths are remembered as absolute ones.
    let e = err_of(Config::from_args(&args(&["definitely-missing.conf"])));
    match e {
        ConfigError::Open { path, reason } => {
            assert!(
                path.starts_with('/') && path.ends_with("/definitely-missing.conf"),
                "{path}"
            );
            assert_eq!(reason, "No such file or directory");
        }
        other => panic!("unexpected {other:?}"),
    }

    let c = Config::from_args(&args(&["--sentinel", "--port", "1"])).expect("valid");
    assert!(c.sentinel_lines().is_empty());
    let sf = d.write("s.conf", "sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel down-after-milliseconds mymaster 5000\n");
    let c = Config::from_args(&args(&[&sf.to_string_lossy(), "--sentinel"])).expect("valid");
    assert_eq!(c.sentinel_lines().len(), 2);
    assert_eq!(
        c.sentinel_lines()[0].origin.text,
        "sentinel monitor mymaster 127.0.0.1 6379 2"
    );
    assert_eq!(c.sentinel_lines()[1].args[0], b"down-after-milliseconds");
}

// -- CONFIG GET ----------------------------------------------------------------

#[test]
fn get_matching_patterns() {
    let c = Config::default();
    let names = |pats: &[&str]| -> Vec<String> {
        let p: Vec<&[u8]> = pats.iter().map(|s| s.as_bytes()).collect();
        c.get_matching(&p).into_iter().map(|(n, _)| n).collect()
    };
    let mut v = names(&["maxmemory*"]);
    v.sort();
    assert_eq!(
        v,
        vec![
            "maxmemory",
            "maxmemory-clients",
            "maxmemory-eviction-tenacity",
            "maxmemory-policy",
            "maxmemory-samples"
        ]
    );
    assert_eq!(names(&["MAXMEM*"]).len(), 5);
    assert_eq!(
        names(&["maxmemory", "maxmemory", "MAXMEMORY"]),
        vec!["maxmemory"]
    );
    assert_eq!(names(&["MaxMemory", "max*"])[0], "MaxMemory");
    assert_eq!(
        names(&["MaxMemory", "max*"])
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("maxmemory"))
            .count(),
        1
    );
    let mut v = names(&["slave-pri*", "replica-pri*"]);
    v.sort();
    assert_eq!(v, vec!["replica-priority", "slave-priority"]);
    assert_eq!(names(&["ma?memory"]), vec!["maxmemory"]);
    assert_eq!(names(&["[s]ave"]), vec!["save"]);
    assert_eq!(names(&["nosuch", "*nosuch*"]), Vec::<String>::new());
    // Hidden parameters: exact name only.
    assert_eq!(names(&["key-load*"]), Vec::<String>::new());
    assert_eq!(names(&["key-load-delay"]), vec!["key-load-delay"]);
    // Every name once with "*", aliases included, hidden excluded.
    let all = names(&["*", "*"]);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    let visible = DIRECTIVES
        .iter()
        .filter(|d| !d.has(HIDDEN))
        .map(|d| 1 + usize::from(d.alias.is_some()))
        .sum::<usize>();
    assert_eq!(all.len(), visible);
    let pairs = c.get_matching(&[b"save", b"appendonly"]);
    assert_eq!(
        pairs,
        vec![
            ("save".into(), "3600 1 300 100 60 10000".into()),
            ("appendonly".into(), "no".into())
        ]
    );
}

// -- CONFIG SET ----------------------------------------------------------------

fn set_err(c: &mut Config, pairs: &[(&str, &str)]) -> String {
    let p: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(a, b)| (a.as_bytes(), b.as_bytes()))
        .collect();
    match c.set_many(&p) {
        Ok(()) => "OK".to_string(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn set_many_texts_and_atomicity() {
    let mut c = Config::default();
    assert_eq!(
        set_err(&mut c, &[("foo", "bar")]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );
    assert_eq!(
        set_err(&mut c, &[("maxmemory", "abc")]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    );
    assert_eq!(
        set_err(&mut c, &[("MAXMEMORY", "abc")]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    );
    assert_eq!(
        set_err(&mut c, &[("slave-priority", "abc")]),
        "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer"
    );
    assert_eq!(
        set_err(&mut c, &[("daemonize", "yes")]),
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
    );
    assert_eq!(
        set_err(&mut c, &[("DAEMONIZE", "yes")]),
        "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config"
    );
    assert_eq!(
        set_err(&mut c, &[("dbfilename", "x.rdb")]),
        "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"
    );
    assert_eq!(
        set_err(&mut c, &[("maxmemory", "1"), ("maxmemory", "2")]),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"
    );
    // An alias and its canonical name are distinct entries in Redis 7.0.
    assert_eq!(
        set_err(
            &mut c,
            &[("slave-priority", "1"), ("replica-priority", "2")]
        ),
        "OK"
    );
    assert_eq!(c.get("replica-priority").as_deref(), Some("2"));
    // Precedence: the first problem found decides, unknown names first.
    assert_eq!(
        set_err(&mut c, &[("maxmemory", "1"), ("foo", "2")]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );
    assert_eq!(
        set_err(&mut c, &[("daemonize", "yes"), ("foo", "2")]),
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
    );
    assert_eq!(
        set_err(&mut c, &[("foo", "1"), ("daemonize", "yes")]),
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );

    // All or nothing: the valid first pair is rolled back.
    let before = c.get("maxmemory");
    assert_eq!(
        set_err(&mut c, &[("maxmemory", "10mb"), ("port", "99999")]),
        "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive"
    );
    assert_eq!(c.get("maxmemory"), before);
    assert_eq!(
        set_err(
            &mut c,
            &[("maxmemory", "10mb"), ("hz", "0"), ("save", "10 5 20 6")]
        ),
        "OK"
    );
    assert_eq!(c.maxmemory(), 10 << 20);
    assert_eq!(c.hz(), 1);
    assert_eq!(c.get("save").as_deref(), Some("10 5 20 6"));
    // CONFIG SET save replaces, and splits on single spaces.
    assert_eq!(
        set_err(&mut c, &[("save", "10  5")]),
        "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
    );
    assert_eq!(set_err(&mut c, &[("save", "")]), "OK");
    assert_eq!(c.get("save").as_deref(), Some(""));
    assert_eq!(set_err(&mut c, &[("client-output-buffer-limit", "")]), "OK");
    assert_eq!(
        set_err(&mut c, &[("oom-score-adj-values", "")]),
        "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"
    );
    assert_eq!(set_err(&mut c, &[("shutdown-on-sigint", "save now")]), "OK");
    assert_eq!(c.get("shutdown-on-sigint").as_deref(), Some("save now"));
    assert_eq!(set_err(&mut c, &[("requirepass", "s3cret")]), "OK");
    assert_eq!(c.requirepass(), Some(b"s3cret".to_vec()));
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn set_many_context() {
    let mut c = text("enable-protected-configs local\n").expect("valid");
    let d = TempDir::new();
    let dir = d.path().to_string_lossy().into_owned();
    let remote = SetContext::default();
    let local = SetContext {
        local_client: true,
        loading: false,
    };
    assert!(c
        .set_many_with(&[(b"dir", dir.as_bytes())], &remote)
        .is_err());
    let changed = c
        .set_many_with(&[(b"dir", dir.as_bytes()), (b"port", b"7000")], &local)
        .expect("allowed");
    assert_eq!(changed, vec!["dir", "port"]);
    assert_eq!(c.dir(), dir);
    // Unchanged values are not reported.
    assert_eq!(
        c.set_many_with(&[(b"port", b"7000")], &local).expect("ok"),
        Vec::<&str>::new()
    );
    let loading = SetContext {
        loading: true,
        local_client: true,
    };
    let e = c
        .set_many_with(&[(b"appendonly", b"yes")], &loading)
        .expect_err("loading");
    assert_eq!(
        e.to_string(),
        "LOADING Redis is loading the dataset in memory"
    );
    // dir is resolved relative to the current dir.
    std::fs::create_dir_all(d.path().join("sub")).expect("mkdir");
    c.set_many_with(&[(b"dir", b"sub")], &local)
        .expect("relative dir");
    assert_eq!(c.dir(), d.path().join("sub").to_string_lossy());
    let e = c
        .set_many_with(&[(b"dir", b"nope")], &local)
        .expect_err("missing");
    assert_eq!(
        e.to_string(),
        "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"
    );
}

#[test]
fn mutability_flags() {
    assert_eq!(Config::is_mutable("daemonize"), Some(false));
    assert_eq!(Config::is_mutable("maxmemory"), Some(true));
    assert_eq!(Config::is_mutable("slaveof"), Some(false));
    assert_eq!(Config::is_mutable("threads"), Some(false));
    assert_eq!(Config::is_mutable("nope"), None);
    assert!(Config::is_sensitive("requirepass"));
    assert!(!Config::is_sensitive("port"));
}

// -- CONFIG REWRITE ------------------------------------------------------------

#[test]
fn rewrite_file() {
    let d = TempDir::new();
    let f = d.write(
        "r.conf",
        "# Top comment\n\nport 7000\n# keep me\nmaxmemory 100mb\nsave 900 1\nsave 300 10\n",
    );
    let mut c = Config::from_file(&f).expect("valid");
    c.set_many(&[
        (b"maxmemory", b"2gb"),
        (b"save", b"60 100"),
        (b"maxmemory-samples", b"9"),
    ])
    .expect("set");
    c.rewrite().expect("rewrite");
    let out = std::fs::read_to_string(&f).expect("read");
    assert_eq!(
        out,
        format!(
            "# Top comment\n\nport 7000\n# keep me\nmaxmemory 2gb\nsave 60 100\n\n\
             # Generated by CONFIG REWRITE\nmaxmemory-samples 9\ndir \"{}\"\nlatency-tracking-info-percentiles 50 99 99.9\n",
            std::env::current_dir().expect("cwd").display()
        )
    );
    // The rewritten file loads back to the same values.
    let back = Config::from_file(&f).expect("reload");
    for dd in DIRECTIVES {
        assert_eq!(back.get(dd.name), c.get(dd.name), "{}", dd.name);
    }
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(d.path()).expect("ls").count(), 1);

    let e = Config::default().rewrite().expect_err("no file");
    assert_eq!(
        e.to_string(),
        "ERR The server is running without a config file"
    );
}

#[test]
fn validate_text_has_no_side_effects() {
    let c = Config::validate_text(b"include /no/such/file\nlogfile /no/such/dir/log\nport 1\n")
        .expect("valid");
    assert_eq!(c.port(), 1);
    assert!(Config::validate_text(b"port x\n").is_err());
}

// -- comparison with a real redis-server ---------------------------------------

fn find_redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|p| p.join("redis-server"))
        .find(|p| p.is_file())
}

/// A redis-server child process, killed on drop.
struct Oracle {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Oracle {
    fn start(server: &Path) -> Option<Oracle> {
        Oracle::start_with(server, None)
    }

    /// Starts redis-server, optionally on a config file, with options
    /// `--port <free port> --bind 127.0.0.1 --dir <temp dir>`.
    fn start_with(server: &Path, file: Option<&Path>) -> Option<Oracle> {
        let dir = TempDir::new();
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new(server)
            .args(file)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let oracle = Oracle {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(oracle);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn connect(&self) -> BufReader<TcpStream> {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis-server");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        BufReader::new(s)
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq)]
enum Resp {
    Simple(String),
    Error(String),
    Bulk(Option<String>),
    Int(i64),
    Array(Vec<Resp>),
}

fn read_resp(r: &mut BufReader<TcpStream>) -> Resp {
    let mut line = String::new();
    r.read_line(&mut line).expect("read reply");
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at(1);
    match kind {
        "+" => Resp::Simple(rest.to_string()),
        "-" => Resp::Error(rest.to_string()),
        ":" => Resp::Int(rest.parse().expect("int")),
        "$" => {
            let n: i64 = rest.parse().expect("len");
            if n < 0 {
                return Resp::Bulk(None);
            }
            let mut buf = vec![0u8; n as usize + 2];
            r.read_exact(&mut buf).expect("bulk");
            buf.truncate(n as usize);
            Resp::Bulk(Some(String::from_utf8_lossy(&buf).into_owned()))
        }
        "*" => {
            let n: i64 = rest.parse().expect("len");
            Resp::Array((0..n.max(0)).map(|_| read_resp(r)).collect())
        }
        other => panic!("unexpected reply type {other}"),
    }
}

fn command(r: &mut BufReader<TcpStream>, parts: &[&str]) -> Resp {
    let mut out = format!("*{}\r\n", parts.len());
    for p in parts {
        out.push_str(&format!("${}\r\n{}\r\n", p.len(), p));
    }
    r.get_mut().write_all(out.as_bytes()).expect("send");
    read_resp(r)
}

fn pairs(reply: Resp) -> Vec<(String, String)> {
    let Resp::Array(items) = reply else {
        panic!("not an array: {reply:?}")
    };
    items
        .chunks(2)
        .map(|kv| match kv {
            [Resp::Bulk(Some(k)), Resp::Bulk(Some(v))] => (k.clone(), v.clone()),
            other => panic!("bad pair {other:?}"),
        })
        .collect()
}

/// Every parameter `CONFIG GET *` lists on the real server has the same
/// default here, except the documented differences.
#[test]
fn defaults_match_redis_server() {
    let Some(server) = find_redis_server() else {
        eprintln!("skipping defaults_match_redis_server: redis-server is not on PATH");
        return;
    };
    let Some(oracle) = Oracle::start(&server) else {
        eprintln!("skipping defaults_match_redis_server: could not start redis-server");
        return;
    };
    let mut conn = oracle.connect();
    let theirs = pairs(command(&mut conn, &["CONFIG", "GET", "*"]));
    assert!(
        theirs.len() > 150,
        "suspiciously few parameters: {}",
        theirs.len()
    );
    let ours = Config::default();
    // Documented differences: we set port/bind/dir on the command line, and
    // Shardis' bind default is loopback only.
    let skip = ["port", "bind", "dir"];
    let mut mismatches = Vec::new();
    for (name, value) in &theirs {
        if skip.contains(&name.as_str()) {
            continue;
        }
        match ours.get(name) {
            Some(v) if &v == value => {}
            other => mismatches.push(format!("{name}: redis {value:?}, shardis {other:?}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "default mismatches:\n{}",
        mismatches.join("\n")
    );

    // Same names both ways (Shardis-only ones aside).
    let their_names: HashSet<&str> = theirs.iter().map(|(n, _)| n.as_str()).collect();
    let ours_all = ours.get_matching(&[b"*"]);
    for (n, _) in &ours_all {
        let shardis_only = Config::directive(n).is_some_and(|d| d.has(directives::SHARDIS_ONLY));
        assert!(
            shardis_only || their_names.contains(n.as_str()),
            "{n} unknown to redis-server"
        );
    }
    // Hidden parameters exist there too, with the same defaults.
    for d in DIRECTIVES.iter().filter(|d| d.has(HIDDEN)) {
        let got = pairs(command(&mut conn, &["CONFIG", "GET", d.name]));
        assert_eq!(
            got,
            vec![(d.name.to_string(), ours.get(d.name).unwrap_or_default())],
            "{}",
            d.name
        );
    }
    // And the defaults Redis documents (and we differ on) are what we say.
    assert_eq!(ours.get("bind").as_deref(), Some("127.0.0.1 -::1"));
}

/// CONFIG SET answers (OK or the exact error) and the values CONFIG GET
/// shows afterwards are the same as the real server's.
#[test]
fn config_set_matches_redis_server() {
    let Some(server) = find_redis_server() else {
        eprintln!("skipping config_set_matches_redis_server: redis-server is not on PATH");
        return;
    };
    let Some(oracle) = Oracle::start(&server) else {
        eprintln!("skipping config_set_matches_redis_server: could not start redis-server");
        return;
    };
    let mut conn = oracle.connect();
    let mut ours = Config::from_args(&args(&[
        "--port",
        &oracle.port.to_string(),
        "--bind",
        "127.0.0.1",
    ]))
    .expect("valid args");
    let cases: &[&[&str]] = &[
        &["maxmemory", "1kb"],
        &["maxmemory", "2GB"],
        &["maxmemory", "1.5mb"],
        &["maxmemory", "-1"],
        &["maxmemory", ""],
        &["maxmemory", "99999999999999999999999"],
        &["maxmemory", "20000000000gb"],
        &["maxmemory", "0"],
        &["maxmemory-clients", "10%"],
        &["maxmemory-clients", "101%"],
        &["maxmemory-clients", "-5%"],
        &["maxmemory-clients", "0%"],
        &["hz", "0"],
        &["hz", "1000"],
        &["hz", "010"],
        &["hz", "+5"],
        &["hz", "-0"],
        &["hz", "9223372036854775808"],
        &["hz", "-1"],
        &["hz", "10"],
        &["timeout", "2147483648"],
        &["list-max-listpack-size", "-2147483649"],
        &["list-max-ziplist-size", "-3"],
        &["hash-max-listpack-entries", "-1"],
        &["hash-max-ziplist-value", "-1"],
        &["hash-max-ziplist-value", "1kb"],
        &["active-defrag-ignore-bytes", "0"],
        &["proto-max-bulk-len", "10"],
        &["proto-max-bulk-len", "18446744073709551615"],
        &["proto-max-bulk-len", "1gb"],
        &["client-query-buffer-limit", "2mb"],
        &["slowlog-log-slower-than", "-2"],
        &["slowlog-log-slower-than", "-1"],
        &["slowlog-max-len", "-1"],
        &["repl-backlog-ttl", "-1"],
        &["repl-backlog-size", "0"],
        &["repl-backlog-size", "10mb"],
        &["loglevel", "verbose"],
        &["loglevel", "WARNING"],
        &["maxmemory-policy", "ALLKEYS-LFU"],
        &["maxmemory-policy", "lru"],
        &["appendfsync", "always"],
        &["appendfsync", "sometimes"],
        &["propagation-error-behavior", "xx"],
        &["sanitize-dump-payload", "clients"],
        &["acl-pubsub-default", "allchannels"],
        &["repl-diskless-load", "swapdb"],
        &["cluster-preferred-endpoint-type", "hostname"],
        &["shutdown-on-sigint", "xx"],
        &["shutdown-on-sigint", "save now"],
        &["shutdown-on-sigint", "save nosave"],
        &["shutdown-on-sigint", "now save force"],
        &["shutdown-on-sigint", "default now"],
        &["shutdown-on-sigint", ""],
        &["shutdown-on-sigterm", "nosave"],
        &["replica-ignore-disk-write-errors", "x"],
        &["lazyfree-lazy-user-del", "YES"],
        &["activerehashing", "1"],
        &["daemonize", "no"],
        &["DAEMONIZE", "no"],
        &["databases", "1"],
        &["socket-mark-id", "1"],
        &["unixsocketperm", "700"],
        &["replicaof", "no one"],
        &["slaveof", "no one"],
        &["dbfilename", "a/b"],
        &["dir", "/tmp"],
        &["foo", "bar"],
        &["maxmemory", "1", "maxmemory", "2"],
        &["maxmemory", "1", "foo", "2"],
        &["foo", "1", "daemonize", "yes"],
        &["daemonize", "yes", "foo", "2"],
        &["slave-priority", "1", "replica-priority", "2"],
        &["slave-priority", "abc"],
        &["MAXMEMORY", "abc"],
        &["maxmemory", "10mb", "port", "99999"],
        &["port", "abc"],
        &["save", "1 2 x"],
        &["save", "0 2"],
        &["save", "10 -1"],
        &["save", "10  5"],
        &["save", "10 5 20 6"],
        &["save", "10 "],
        &["save", ""],
        &["client-output-buffer-limit", "normal 1 2"],
        &["client-output-buffer-limit", "master 1 2 3"],
        &["client-output-buffer-limit", "replica 1mb 2kb 3"],
        &[
            "client-output-buffer-limit",
            "slave 256mb 64mb 60 pubsub 1 2 -1",
        ],
        &["client-output-buffer-limit", "foo 1 2 3"],
        &["client-output-buffer-limit", ""],
        &["client-output-buffer-limit", "PUBSUB 1k 2k 3"],
        &["notify-keyspace-events", "KEA"],
        &["notify-keyspace-events", "Kxq"],
        &["notify-keyspace-events", "gE"],
        &["notify-keyspace-events", "g$lshzxetd"],
        &["notify-keyspace-events", "nA"],
        &["notify-keyspace-events", "Ex"],
        &["notify-keyspace-events", ""],
        &["oom-score-adj-values", "1 2"],
        &["oom-score-adj-values", "1 2 3000"],
        &["oom-score-adj-values", "1 2 x"],
        &["latency-tracking-info-percentiles", "50 99.99 100"],
        &["latency-tracking-info-percentiles", "101"],
        &["latency-tracking-info-percentiles", "abc"],
        &["latency-tracking-info-percentiles", ""],
        &["latency-tracking-info-percentiles", "0.5 99.9999999"],
        &["proc-title-template", "{foo}"],
        &["proc-title-template", "{title"],
        &["proc-title-template", " "],
        &["proc-title-template", "{server-mode}"],
        &["proc-title-template", "{title} {listen-addr} {server-mode}"],
        &["cluster-announce-hostname", "a_b"],
        &["cluster-announce-hostname", "host-1.example"],
        &["replica-announce-ip", "1.2.3.4"],
        &["replica-announce-ip", ""],
        &["masteruser", "bob"],
        &["ignore-warnings", "ARM64-COW-BUG"],
        &["key-load-delay", "5"],
        &["maxmemory-eviction-tenacity", "101"],
        &["active-expire-effort", "11"],
        &["io-threads", "2"],
        &["appendfilename", "x.aof"],
    ];
    for case in cases {
        let mut req = vec!["CONFIG", "SET"];
        req.extend_from_slice(case);
        let theirs = match command(&mut conn, &req) {
            Resp::Simple(s) => s,
            Resp::Error(e) => e,
            other => panic!("unexpected reply {other:?}"),
        };
        let p: Vec<(&[u8], &[u8])> = case
            .chunks(2)
            .map(|kv| (kv[0].as_bytes(), kv[1].as_bytes()))
            .collect();
        let mine = match ours.set_many(&p) {
            Ok(()) => "OK".to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(mine, theirs, "CONFIG SET {case:?}");
        for kv in case.chunks(2) {
            let name = kv[0];
            if ["dir"].contains(&name) {
                continue;
            }
            let theirs = pairs(command(&mut conn, &["CONFIG", "GET", name]));
            let mine: Vec<(String, String)> = ours.get_matching(&[name.as_bytes()]);
            assert_eq!(mine, theirs, "CONFIG GET {name} after CONFIG SET {case:?}");
        }
    }
}

/// Replaces the version in the fatal banner, so that Redis' and Shardis'
/// outputs compare equal.
fn normalize_banner(s: &str) -> String {
    match (s.find("FATAL CONFIG FILE ERROR (Redis "), s.find(") ***")) {
        (Some(a), Some(b)) if b > a => {
            format!("{}FATAL CONFIG FILE ERROR (Redis X{}", &s[..a], &s[b..])
        }
        _ => s.to_string(),
    }
}

/// Runs redis-server on a config file plus options; returns what it wrote
/// to stderr if it exited (start-up refused) within a few seconds.
fn redis_startup_error(server: &Path, file: &Path, extra: &[&str]) -> Option<String> {
    let mut child = Command::new(server)
        .arg(file)
        .args(extra)
        .args(["--port", "0", "--daemonize", "no"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    child.stderr.take()?.read_to_string(&mut out).ok()?;
    let mut so = String::new();
    child.stdout.take()?.read_to_string(&mut so).ok()?;
    Some(out + &so)
}

/// Start-up errors (line number, line text, reason) are the same as the
/// real server's for the same file.
#[test]
fn file_errors_match_redis_server() {
    let Some(server) = find_redis_server() else {
        eprintln!("skipping file_errors_match_redis_server: redis-server is not on PATH");
        return;
    };
    let d = TempDir::new();
    let cases: &[&str] = &[
        "port 6380\nfoo bar\n",
        "port\n",
        "# c\n\n  port 1 2  \n",
        "port abc\n",
        "port 99999\n",
        "maxmemory 1x\n",
        "maxmemory -1\n",
        "maxmemory-clients 200%\n",
        "daemonize maybe\n",
        "appendfsync sometimes\n",
        "shutdown-on-sigint save nosave\n",
        "save 1\n",
        "save 0 1\n",
        "bind \"127.0.0.1\n",
        "bind '127.0.0.1\n",
        "bind \"a\"b\n",
        "sentinel monitor a b c\n",
        "dbfilename a/b\n",
        "appendfilename \"\"\n",
        "client-output-buffer-limit normal 1 2\n",
        "client-output-buffer-limit master 1 2 3\n",
        "client-output-buffer-limit normal 1 2 x\n",
        "oom-score-adj-values 1 2\n",
        "notify-keyspace-events Kq\n",
        "replicaof a\n",
        "replicaof a b\n",
        "foo.bar\n",
        "include\n",
        "user a on\nuser a off\n",
        "cluster-enabled yes\nreplicaof a 1\n",
        "logfile /no/such/dir/x.log\n",
        "unixsocketperm 888\n",
        "unixsocketperm 1000\n",
        "hz -1\n",
        "latency-tracking-info-percentiles 101\n",
        "proc-title-template {nope}\n",
        "cluster-announce-hostname a_b\n",
        "list-max-ziplist-entries 1 2\n",
        "dir /no/such/dir\n",
        "slave-priority x\n",
    ];
    for (n, case) in cases.iter().enumerate() {
        let f = d.write(&format!("c{n}.conf"), case);
        let Some(theirs) = redis_startup_error(&server, &f, &[]) else {
            panic!("redis-server accepted {case:?}");
        };
        let mine = match Config::from_file(&f) {
            Ok(_) => panic!("shardis accepted {case:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            normalize_banner(&theirs).contains(&normalize_banner(&mine)),
            "{case:?}\nredis:\n{theirs}\nshardis:\n{mine}"
        );
    }
    // Options after the file: same line numbers and quoting.
    let f = d.write("opts.conf", "port 17002\n# c\n");
    let fs = f.to_string_lossy().into_owned();
    for extra in [
        &["--port", "abc"][..],
        &["--maxmemory", "--port", "abc"],
        &["extra", "--port", "x"],
        &["--foo"],
    ] {
        let theirs = redis_startup_error(&server, &f, extra).expect("refused");
        let mut a = vec![fs.as_str()];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--port", "0", "--daemonize", "no"]);
        let mine = Config::from_args(&args(&a))
            .expect_err("refused")
            .to_string();
        assert!(
            normalize_banner(&theirs).contains(&normalize_banner(&mine)),
            "{extra:?}\n{theirs}\n{mine}"
        );
    }
    // Missing include: Redis logs the same sentence.
    let f = d.write("inc.conf", "include /no/such/file.conf\n");
    let theirs = redis_startup_error(&server, &f, &[]).expect("refused");
    let mine = Config::from_file(&f).expect_err("refused").to_string();
    assert!(theirs.contains(&mine), "{theirs}\n{mine}");
}

/// CONFIG REWRITE produces the same file as the real server: identical up
/// to the `# Generated by CONFIG REWRITE` marker, the same lines (in hash
/// table order there) after it.
#[test]
fn rewrite_matches_redis_server() {
    let Some(server) = find_redis_server() else {
        eprintln!("skipping rewrite_matches_redis_server: redis-server is not on PATH");
        return;
    };
    let d = TempDir::new();
    let inc = d.write("inc.conf", "maxmemory-samples 7\n");
    let original = format!(
        "# Top comment\n\n  timeout 5\nrename-command KEYS \"\"\nhash-max-ziplist-entries 100\n\
         slave-priority 50\nsave 900 1\n# middle comment\nsave 300 10\n    # indented comment\n\
         maxmemory 1000000\nlist-max-ziplist-entries 5\ndbfilename dump.rdb\nlogfile \"\"\n\
         notify-keyspace-events \"\"\nappendonly no\nclient-output-buffer-limit pubsub 32mb 8mb 60\n\
         slave-read-only yes\nlua-time-limit 100\nrequirepass foo\nmaxmemory-clients 0\ninclude {}\n",
        inc.display()
    );
    let theirs_file = d.write("theirs.conf", &original);
    let Some(oracle) = Oracle::start_with(&server, Some(&theirs_file)) else {
        eprintln!("skipping rewrite_matches_redis_server: could not start redis-server");
        return;
    };
    let port = oracle.port.to_string();
    let odir = oracle._dir.path().to_string_lossy().into_owned();
    let ours_file = d.write("ours.conf", &original);
    let mut ours = Config::from_args(&args(&[
        &ours_file.to_string_lossy(),
        "--port",
        &port,
        "--bind",
        "127.0.0.1",
        "--dir",
        &odir,
    ]))
    .expect("valid");
    let mut conn = oracle.connect();
    assert_eq!(
        command(&mut conn, &["AUTH", "foo"]),
        Resp::Simple("OK".into())
    );
    let changes: &[&[&str]] = &[
        &[
            "maxmemory",
            "2gb",
            "hash-max-listpack-entries",
            "200",
            "slave-priority",
            "100",
        ],
        &[
            "loglevel",
            "verbose",
            "notify-keyspace-events",
            "KEA",
            "appendfsync",
            "always",
        ],
        &[
            "client-output-buffer-limit",
            "pubsub 1mb 1000 5",
            "maxmemory-clients",
            "5%",
        ],
        &[
            "shutdown-on-sigterm",
            "save now",
            "latency-tracking-info-percentiles",
            "99",
        ],
        &[
            "replica-announce-ip",
            "1.2.3.4",
            "save",
            "100 1 200 2 300 3",
            "requirepass",
            "",
        ],
        &[
            "lua-time-limit",
            "100",
            "timeout",
            "0",
            "proto-max-bulk-len",
            "3mb",
        ],
    ];
    for c in changes {
        let mut req = vec!["CONFIG", "SET"];
        req.extend_from_slice(c);
        assert_eq!(command(&mut conn, &req), Resp::Simple("OK".into()), "{c:?}");
        let p: Vec<(&[u8], &[u8])> = c
            .chunks(2)
            .map(|kv| (kv[0].as_bytes(), kv[1].as_bytes()))
            .collect();
        ours.set_many(&p).expect("set");
    }
    assert_eq!(
        command(&mut conn, &["CONFIG", "REWRITE"]),
        Resp::Simple("OK".into())
    );
    let theirs = std::fs::read_to_string(&theirs_file).expect("read");
    let opts = RewriteOptions {
        users: Some(vec!["user default on nopass ~* &* +@all".into()]),
        ..Default::default()
    };
    ours.rewrite_with(&opts).expect("rewrite");
    let mine = std::fs::read_to_string(&ours_file).expect("read");
    let split = |s: &str| -> (String, Vec<String>) {
        match s.split_once(rewrite::SIGNATURE) {
            Some((head, tail)) => {
                let mut t: Vec<String> = tail.lines().map(str::to_string).collect();
                t.sort();
                (head.to_string(), t)
            }
            None => (s.to_string(), Vec::new()),
        }
    };
    assert_eq!(
        split(&mine),
        split(&theirs),
        "\nredis:\n{theirs}\nshardis:\n{mine}"
    );
}

mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn name_of(i: usize, alias: bool) -> &'static str {
        let d = &DIRECTIVES[i % DIRECTIVES.len()];
        if alias {
            d.alias.unwrap_or(d.name)
        } else {
            d.name
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Random directive lines never make the loader, CONFIG GET or the
        /// rewrite panic.
        #[test]
        fn loader_never_panics(lines in vec((any::<usize>(), any::<bool>(), vec("[ -~]{0,12}", 0..4)), 0..12)) {
            let text: Vec<String> = lines
                .iter()
                .map(|(i, alias, words)| format!("{} {}", name_of(*i, *alias), words.join(" ")))
                .collect();
            let text = text.join("\n");
            if let Ok(cfg) = Config::validate_text(text.as_bytes()) {
                let _ = cfg.get_matching(&[b"*"]);
                let out = cfg.rewritten_content(text.as_bytes(), &RewriteOptions::default());
                let _ = Config::validate_text(&out);
            }
        }

        /// Whatever CONFIG SET accepts, CONFIG REWRITE writes in a form the
        /// loader reads back to the same values.
        #[test]
        fn set_rewrite_reload_round_trip(sets in vec((any::<usize>(), any::<bool>(), vec("[a-z0-9%.-]{1,6}", 0..4)), 0..10)) {
            let mut cfg = Config::default();
            for (i, alias, words) in &sets {
                let value = words.join(" ");
                let _ = cfg.set_many(&[(name_of(*i, *alias).as_bytes(), value.as_bytes())]);
            }
            let out = cfg.rewritten_content(b"", &RewriteOptions { force_all: true, ..Default::default() });
            let back = match Config::validate_text(&out) {
                Ok(c) => c,
                Err(e) => return Err(TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&out)))),
            };
            for d in DIRECTIVES {
                prop_assert_eq!(back.get(d.name), cfg.get(d.name), "{}", d.name);
            }
        }
    }
}
