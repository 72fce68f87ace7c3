//! Replication topologies for the scenario tests: a master and two replicas,
//! each node a redis-server or a shardis process configured by its own config
//! file (port, dir, logfile, replicaof, save, ...) in a private directory, so
//! that a node can be killed and restarted with the same configuration and
//! the same data directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{self, escape_trunc, RawConn};

/// Which server a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The reference redis-server.
    Redis,
    /// shardis (or `$SHARDIS_TEST_BIN`), with 4 shard threads.
    Shardis,
}

/// How the two replicas hang off the master.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Both replicas replicate the master.
    Star,
    /// Replica 1 replicates the master, replica 2 replicates replica 1.
    Chain,
}

/// How long a node has to answer PING after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long replicas have to catch up with their master.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// What the shardis binary under test supports of replication: (master
/// side: it knows REPLCONF, replica side: it knows REPLICAOF). Checked once
/// per test process.
pub fn shardis_support() -> (bool, bool) {
    static ANSWER: OnceLock<(bool, bool)> = OnceLock::new();
    *ANSWER.get_or_init(|| {
        let server = common::start_shardis(&["--threads", "4"]);
        let known = |args: &[&str]| !server.raw().cmd(args).starts_with(b"-ERR unknown command");
        (
            known(&["REPLCONF", "listening-port", "6379"]),
            known(&["REPLICAOF", "NO", "ONE"]),
        )
    })
}

/// True when a topology with these kinds can run now; prints why not. A
/// shardis master (node 0), or a shardis replica 1 (the middle of a chain,
/// or promoted), needs the master side; a shardis replica needs the
/// replica side.
pub fn can_run(kinds: &[Kind; 3], test: &str) -> bool {
    if !kinds.contains(&Kind::Shardis) {
        return true;
    }
    let (master_side, replica_side) = shardis_support();
    let needs_master = kinds[0] == Kind::Shardis || kinds[1] == Kind::Shardis;
    let needs_replica = kinds[1] == Kind::Shardis || kinds[2] == Kind::Shardis;
    let mut missing = Vec::new();
    if needs_master && !master_side {
        missing.push("the master side (REPLCONF is an unknown command)");
    }
    if needs_replica && !replica_side {
        missing.push("the replica side (REPLICAOF is an unknown command)");
    }
    if missing.is_empty() {
        return true;
    }
    println!(
        "skipped {test}: the shardis binary does not support {} of replication yet",
        missing.join(" nor ")
    );
    false
}

/// One server process of a topology.
pub struct Node {
    /// Its role in messages: "master", "replica 1", ...
    pub name: String,
    /// The server it runs.
    pub kind: Kind,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its private directory (config, log, RDB files).
    pub dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    /// Write the node's config file (`lines` after the standard ones) and
    /// start it; waits until it answers PING.
    pub fn start(name: &str, kind: Kind, dir: &Path, lines: &[String]) -> Node {
        let dir = dir.join(name.replace(' ', "-"));
        std::fs::create_dir_all(&dir).expect("create node dir");
        let mut node = Node {
            name: name.to_string(),
            kind,
            port: 0,
            dir,
            child: None,
        };
        // A free port can be taken by another test before the node binds
        // it: try another one then.
        let mut last = String::new();
        for _ in 0..3 {
            node.port = common::free_port();
            node.write_conf(lines);
            match node.launch() {
                Ok(()) => return node,
                Err((msg, in_use)) => {
                    last = msg;
                    if !in_use {
                        break;
                    }
                }
            }
        }
        panic!("{last}");
    }

    fn write_conf(&self, lines: &[String]) {
        let mut conf = vec![
            format!("port {}", self.port),
            "bind 127.0.0.1".to_string(),
            format!("dir {}", self.dir.display()),
            format!("logfile {}", self.dir.join("server.log").display()),
            "daemonize no".to_string(),
            "appendonly no".to_string(),
            "save \"\"".to_string(),
            "repl-diskless-sync-delay 0".to_string(),
            "repl-backlog-size 16mb".to_string(),
        ];
        if self.kind == Kind::Shardis && !common::shardis_is_redis_stand_in() {
            conf.push("threads 4".to_string());
        }
        conf.extend(lines.iter().cloned());
        let mut f = std::fs::File::create(self.dir.join("node.conf")).expect("create node.conf");
        for l in &conf {
            writeln!(f, "{l}").expect("write node.conf");
        }
    }

    /// The binary this node runs.
    fn bin(&self) -> PathBuf {
        match self.kind {
            Kind::Redis => common::redis_bin(),
            Kind::Shardis => common::shardis_bin(),
        }
    }

    /// Start the process again with the same config file and directory
    /// (after `kill9` or `stop`); waits until it answers PING.
    pub fn restart(&mut self) {
        if let Err((msg, _)) = self.launch() {
            panic!("{msg}");
        }
    }

    /// Start the process, wait until it answers PING as itself (INFO
    /// server's process_id); Err(message, whether its port was taken).
    fn launch(&mut self) -> Result<(), (String, bool)> {
        assert!(self.child.is_none(), "{} is still running", self.name);
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("stdout.log"))
            .expect("open stdout.log");
        let err = out.try_clone().expect("clone stdout.log");
        let child = Command::new(self.bin())
            .arg(self.dir.join("node.conf"))
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("start {} ({:?}): {e}", self.name, self.bin()));
        let pid = child.id().to_string();
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                let tail = self.log_tail(30);
                let in_use = tail.contains("Address already in use") || tail.contains("AddrInUse");
                return Err((
                    format!("{} exited with {status} at start\n{tail}", self.name),
                    in_use,
                ));
            }
            if let Ok(mut c) = RawConn::connect(self.port) {
                // A replica still loading answers -LOADING: wait.
                if c.try_send(&common::encode_command(&["PING"])).is_ok()
                    && c.try_read_reply().is_ok_and(|r| r == b"+PONG\r\n")
                {
                    let info = self.info("server");
                    match info.get("process_id") {
                        Some(p) if *p != pid => {}
                        _ => return Ok(()),
                    }
                }
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err((
                    format!(
                        "{} did not answer PING within {START_TIMEOUT:?}\n{}",
                        self.name,
                        self.log_tail(30)
                    ),
                    false,
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL the process and reap it.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: kill(2) on our own child, not reaped yet, so its pid
            // cannot have been reused.
            unsafe {
                libc::kill(c.id() as libc::pid_t, libc::SIGKILL);
            }
            let _ = c.wait();
        }
    }

    /// Stop the process: SIGTERM, SIGKILL after 10 s.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if let Ok(None) = c.try_wait() {
                // SAFETY: as in `kill9`.
                unsafe {
                    libc::kill(c.id() as libc::pid_t, libc::SIGTERM);
                }
                let deadline = Instant::now() + Duration::from_secs(10);
                while let Ok(None) = c.try_wait() {
                    if Instant::now() >= deadline {
                        let _ = c.kill();
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            let _ = c.wait();
        }
    }

    /// `SHUTDOWN SAVE` and wait for the process to end.
    pub fn shutdown_save(&mut self) {
        let mut c = self.raw();
        c.send_cmd(&["SHUTDOWN", "SAVE"]);
        // The server closes the connection (or answers an error).
        if let Ok(r) = c.try_read_reply() {
            panic!(
                "{}: SHUTDOWN SAVE answered {}",
                self.name,
                escape_trunc(&r, 200)
            );
        }
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(20);
            while let Ok(None) = child.try_wait() {
                assert!(
                    Instant::now() < deadline,
                    "{} did not exit after SHUTDOWN SAVE",
                    self.name
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// A raw RESP connection.
    pub fn raw(&self) -> RawConn {
        RawConn::connect(self.port)
            .unwrap_or_else(|e| panic!("connect to {} on port {}: {e}", self.name, self.port))
    }

    /// One command over a fresh connection, the exact reply bytes.
    pub fn cmd(&self, args: &[&str]) -> Vec<u8> {
        self.raw().cmd(args)
    }

    /// `INFO <section>` as a field map.
    pub fn info(&self, section: &str) -> HashMap<String, String> {
        let reply = self.raw().cmd_parsed(&["INFO", section]);
        let text = reply
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_else(|| panic!("{}: INFO {section} answered {reply:?}", self.name));
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect()
    }

    /// An integer field of `INFO <section>` (panics when missing).
    pub fn info_int(&self, section: &str, field: &str) -> i64 {
        let info = self.info(section);
        info.get(field)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "{}: no integer {field} in INFO {section}: {info:?}",
                    self.name
                )
            })
    }

    /// The replication offset this node has processed: `slave_repl_offset`
    /// for a replica whose link is up, `master_repl_offset` for a master,
    /// None for a replica not connected.
    pub fn repl_offset(&self) -> Option<i64> {
        let info = self.info("replication");
        match info.get("role").map(String::as_str) {
            Some("master") => info.get("master_repl_offset")?.parse().ok(),
            _ if info.get("master_link_status").map(String::as_str) == Some("up") => {
                info.get("slave_repl_offset")?.parse().ok()
            }
            _ => None,
        }
    }

    /// The whole log file.
    pub fn log(&self) -> String {
        std::fs::read(self.dir.join("server.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `n` lines of the log and of stdout/stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let mut out = String::new();
        for f in ["server.log", "stdout.log"] {
            let text = std::fs::read(self.dir.join(f))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("--- {} {f} ---\n", self.name));
            for l in &lines[lines.len().saturating_sub(n)..] {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A master and two replicas in one temporary directory (removed on drop
/// unless `SHARDIS_TEST_KEEP_DIRS` is set).
pub struct Topology {
    /// Master, replica 1, replica 2.
    pub nodes: Vec<Node>,
    /// How the replicas are connected.
    pub shape: Shape,
    dir: PathBuf,
}

impl Topology {
    /// Start the master, then the replicas (each with `replicaof` in its
    /// config file); `extra(i)` adds config lines to node `i`. Waits until
    /// every replica's link is up.
    pub fn start(kinds: [Kind; 3], shape: Shape, extra: impl Fn(usize) -> Vec<String>) -> Self {
        Self::start_with(kinds, shape, extra, |_| {})
    }

    /// `start`, with `before_replicas` run on the master before the
    /// replicas are started (what it writes reaches them by full sync).
    pub fn start_with(
        kinds: [Kind; 3],
        shape: Shape,
        extra: impl Fn(usize) -> Vec<String>,
        before_replicas: impl FnOnce(&Node),
    ) -> Self {
        let dir = common::unique_temp_dir("shardis-repl");
        let mut nodes = Vec::new();
        nodes.push(Node::start("master", kinds[0], &dir, &extra(0)));
        before_replicas(&nodes[0]);
        for (i, &kind) in kinds.iter().enumerate().skip(1) {
            let upstream = match (shape, i) {
                (Shape::Chain, 2) => nodes[1].port,
                _ => nodes[0].port,
            };
            let mut lines = vec![format!("replicaof 127.0.0.1 {upstream}")];
            lines.extend(extra(i));
            nodes.push(Node::start(&format!("replica {i}"), kind, &dir, &lines));
        }
        let t = Topology { nodes, shape, dir };
        t.wait_synced(&[0], &[1, 2]);
        t
    }

    /// The index of the node replica `i` replicates.
    pub fn upstream_of(&self, i: usize) -> usize {
        match (self.shape, i) {
            (Shape::Chain, 2) => 1,
            _ => 0,
        }
    }

    /// How many replicas are attached directly to the master.
    pub fn direct_replicas(&self) -> usize {
        match self.shape {
            Shape::Star => 2,
            Shape::Chain => 1,
        }
    }

    /// Every node's log tail, for failure messages.
    pub fn logs(&self) -> String {
        self.nodes.iter().map(|n| n.log_tail(25)).collect()
    }

    /// Wait until every node in `replicas` has a link up and has processed
    /// at least the offset of the master `master[0]` (offsets are the top
    /// master's along a chain). Panics with the logs after `SYNC_TIMEOUT`.
    pub fn wait_synced(&self, master: &[usize], replicas: &[usize]) {
        let m = &self.nodes[master[0]];
        let deadline = Instant::now() + SYNC_TIMEOUT;
        loop {
            let target = m.info_int("replication", "master_repl_offset");
            let behind: Vec<(usize, Option<i64>)> = replicas
                .iter()
                .map(|&i| (i, self.nodes[i].repl_offset()))
                .filter(|(_, o)| o.is_none_or(|o| o < target))
                .collect();
            if behind.is_empty() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "replicas not in sync with {} (offset {target}) within {SYNC_TIMEOUT:?}: \
                 {behind:?}\n{}",
                m.name,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        // Replicas first, so that none tries to reconnect to a stopped
        // master's port.
        for n in self.nodes.iter_mut().rev() {
            n.stop();
        }
        if std::env::var_os("SHARDIS_TEST_KEEP_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Poll `cond` every 25 ms until it is true; false after `timeout`.
pub fn poll(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}
