//! Placeholder configuration (replaced by the full redis.conf implementation).
#![allow(missing_docs)]
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    Nothing,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub map: std::collections::BTreeMap<String, String>,
    file: Option<PathBuf>,
}

#[derive(Debug)]
pub struct ConfigError(pub String);
impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug)]
pub struct ConfigSetError(pub String);
impl std::fmt::Display for ConfigSetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Default for Config {
    fn default() -> Self {
        let mut map = std::collections::BTreeMap::new();
        for (k, v) in [
            ("port", "6379"),
            ("bind", "127.0.0.1 -::1"),
            ("threads", "0"),
            ("databases", "16"),
            ("maxclients", "10000"),
            ("timeout", "0"),
            ("tcp-keepalive", "300"),
            ("requirepass", ""),
            ("protected-mode", "yes"),
            ("daemonize", "no"),
            ("pidfile", ""),
            ("logfile", ""),
            ("loglevel", "notice"),
            ("dir", "."),
            ("always-show-logo", "no"),
            ("proto-max-bulk-len", "536870912"),
            ("client-query-buffer-limit", "1073741824"),
            ("hz", "10"),
            ("save", ""),
            ("maxmemory", "0"),
            ("appendonly", "no"),
            ("dbfilename", "dump.rdb"),
            ("slowlog-log-slower-than", "10000"),
            ("slowlog-max-len", "128"),
        ] {
            map.insert(k.to_string(), v.to_string());
        }
        Config { map, file: None }
    }
}

impl Config {
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let mut i = 0;
        if let Some(f) = args.first() {
            if !f.starts_with("--") {
                c.file = Some(std::fs::canonicalize(f).map_err(|e| ConfigError(e.to_string()))?);
                i = 1;
            }
        }
        while i < args.len() {
            let name = args[i].trim_start_matches("--").to_lowercase();
            i += 1;
            let mut vals = vec![];
            while i < args.len() && !args[i].starts_with("--") {
                vals.push(args[i].clone());
                i += 1;
            }
            if name == "sentinel" {
                continue;
            }
            c.map.insert(name, vals.join(" "));
        }
        Ok(c)
    }
    pub fn get(&self, name: &str) -> Option<String> {
        self.map.get(name).cloned()
    }
    pub fn get_matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        self.map
            .iter()
            .filter(|(k, _)| {
                patterns
                    .iter()
                    .any(|p| *p == b"*" || p.eq_ignore_ascii_case(k.as_bytes()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
    pub fn set_many(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), ConfigSetError> {
        for (k, v) in pairs {
            self.map.insert(
                String::from_utf8_lossy(k).to_lowercase(),
                String::from_utf8_lossy(v).to_string(),
            );
        }
        Ok(())
    }
    pub fn rewrite(&self) -> Result<(), String> {
        Err("ERR The server is running without a config file".into())
    }
    pub fn config_file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
    fn n(&self, k: &str) -> u64 {
        self.map.get(k).and_then(|v| v.parse().ok()).unwrap_or(0)
    }
    pub fn port(&self) -> u16 {
        self.n("port") as u16
    }
    pub fn bind(&self) -> Vec<String> {
        self.map
            .get("bind")
            .map(|b| b.split_whitespace().map(|s| s.to_string()).collect())
            .unwrap_or_default()
    }
    pub fn threads(&self) -> usize {
        self.n("threads") as usize
    }
    pub fn databases(&self) -> usize {
        self.n("databases") as usize
    }
    pub fn maxclients(&self) -> u64 {
        self.n("maxclients")
    }
    pub fn timeout(&self) -> u64 {
        self.n("timeout")
    }
    pub fn tcp_keepalive(&self) -> u64 {
        self.n("tcp-keepalive")
    }
    pub fn requirepass(&self) -> Option<Vec<u8>> {
        self.map
            .get("requirepass")
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec())
    }
    pub fn protected_mode(&self) -> bool {
        self.map
            .get("protected-mode")
            .map(|s| s == "yes")
            .unwrap_or(true)
    }
    pub fn daemonize(&self) -> bool {
        self.map
            .get("daemonize")
            .map(|s| s == "yes")
            .unwrap_or(false)
    }
    pub fn pidfile(&self) -> Option<String> {
        self.map.get("pidfile").filter(|s| !s.is_empty()).cloned()
    }
    pub fn logfile(&self) -> String {
        self.map.get("logfile").cloned().unwrap_or_default()
    }
    pub fn loglevel(&self) -> LogLevel {
        match self.map.get("loglevel").map(|s| s.as_str()) {
            Some("debug") => LogLevel::Debug,
            Some("verbose") => LogLevel::Verbose,
            Some("warning") => LogLevel::Warning,
            Some("nothing") => LogLevel::Nothing,
            _ => LogLevel::Notice,
        }
    }
    pub fn dir(&self) -> String {
        self.map.get("dir").cloned().unwrap_or_else(|| ".".into())
    }
    pub fn always_show_logo(&self) -> bool {
        self.map
            .get("always-show-logo")
            .map(|s| s == "yes")
            .unwrap_or(false)
    }
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.n("proto-max-bulk-len")
    }
    pub fn client_query_buffer_limit(&self) -> u64 {
        self.n("client-query-buffer-limit")
    }
    pub fn hz(&self) -> u32 {
        self.n("hz") as u32
    }
    pub fn sentinel_mode(&self) -> bool {
        false
    }
    pub fn slowlog_log_slower_than(&self) -> i64 {
        self.map
            .get("slowlog-log-slower-than")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10000)
    }
    pub fn slowlog_max_len(&self) -> u64 {
        self.n("slowlog-max-len")
    }
}
