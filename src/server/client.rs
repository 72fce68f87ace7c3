//! Client state visible to CLIENT LIST/INFO/KILL, and the per-shard registry.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use hashbrown::HashMap;

use crate::protocol::Protocol;

/// How replies are sent (CLIENT REPLY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    /// Every reply is sent.
    #[default]
    On,
    /// No reply is sent.
    Off,
    /// The next command's reply is skipped.
    SkipNext,
    /// The current command's reply is skipped.
    Skip,
}

/// What CLIENT LIST shows of a client, updated by its connection task.
#[derive(Debug)]
pub struct ClientInfo {
    /// Unique id.
    pub id: u64,
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// Socket descriptor (for CLIENT KILL and idle timeouts).
    pub fd: i32,
    /// CLIENT SETNAME name.
    pub name: Bytes,
    /// Connection time, Unix ms.
    pub created_ms: u64,
    /// Last command time, Unix ms.
    pub last_ms: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version.
    pub proto: Protocol,
    /// Last command name.
    pub last_cmd: &'static str,
    /// Whether the client authenticated (or needs not).
    pub authenticated: bool,
    /// CLIENT NO-EVICT.
    pub no_evict: bool,
    /// In MONITOR mode.
    pub monitor: bool,
    /// Query buffer length.
    pub qbuf: usize,
    /// Pending output length.
    pub obuf: usize,
    /// Set by CLIENT KILL: the connection closes at its next step.
    pub killed: bool,
    /// Library name (CLIENT SETINFO).
    pub lib_name: Bytes,
    /// Library version (CLIENT SETINFO).
    pub lib_ver: Bytes,
    /// Reply mode.
    pub reply_mode: ReplyMode,
    /// Waiting in a blocking command.
    pub blocked: bool,
    /// Channel subscriptions.
    pub sub: usize,
    /// Pattern subscriptions.
    pub psub: usize,
    /// Shard channel subscriptions.
    pub ssub: usize,
    /// Commands queued in an open MULTI, or -1 outside one.
    pub multi: i64,
    /// Whether the connection is a replica's feed (flag `S`, type
    /// `replica`).
    pub replica: bool,
    /// Whether this is a replica's link to its master (flag `M`, type
    /// `master`).
    pub master: bool,
}

impl ClientInfo {
    /// A client that just connected (`fd` -1 for the server's own).
    pub fn new(
        id: u64,
        addr: String,
        laddr: String,
        fd: i32,
        now_ms: u64,
        authenticated: bool,
    ) -> Self {
        ClientInfo {
            id,
            addr,
            laddr,
            fd,
            name: Bytes::new(),
            created_ms: now_ms,
            last_ms: now_ms,
            db: 0,
            proto: Protocol::Resp2,
            last_cmd: "",
            authenticated,
            no_evict: false,
            monitor: false,
            qbuf: 0,
            obuf: 0,
            killed: false,
            lib_name: Bytes::new(),
            lib_ver: Bytes::new(),
            reply_mode: ReplyMode::On,
            blocked: false,
            sub: 0,
            psub: 0,
            ssub: 0,
            multi: -1,
            replica: false,
            master: false,
        }
    }

    /// The CLIENT LIST / CLIENT INFO line of this client.
    pub fn list_line(&self, now_ms: u64) -> String {
        let age = now_ms.saturating_sub(self.created_ms) / 1000;
        let idle = now_ms.saturating_sub(self.last_ms) / 1000;
        // Redis' order: O (monitor), P (subscribed), x (in MULTI), b
        // (blocked); N when none.
        let mut flags = String::with_capacity(4);
        if self.replica {
            flags.push('S');
        }
        if self.monitor {
            flags.push('O');
        }
        if self.master {
            flags.push('M');
        }
        if self.has_subscriptions() {
            flags.push('P');
        }
        if self.multi >= 0 {
            flags.push('x');
        }
        if self.blocked {
            flags.push('b');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem=0 events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            String::from_utf8_lossy(&self.name),
            age,
            idle,
            flags,
            self.db,
            self.sub,
            self.psub,
            self.ssub,
            self.multi,
            self.qbuf,
            self.obuf,
            if self.last_cmd.is_empty() { "NULL" } else { self.last_cmd },
            if self.proto == Protocol::Resp3 { 3 } else { 2 },
            String::from_utf8_lossy(&self.lib_name),
            String::from_utf8_lossy(&self.lib_ver),
        )
    }

    /// Whether the client has any Pub/Sub subscription.
    pub fn has_subscriptions(&self) -> bool {
        self.sub + self.psub + self.ssub > 0
    }

    /// The class CLIENT LIST/KILL TYPE and the output limits see:
    /// `replica` for a replica's feed, `master` for a replica's link to
    /// its master, `pubsub` while subscribed, else `normal` (`slave` is
    /// read as `replica`).
    pub fn client_type(&self) -> &'static str {
        if self.replica {
            "replica"
        } else if self.master {
            "master"
        } else if self.has_subscriptions() {
            "pubsub"
        } else {
            "normal"
        }
    }

    /// Closes the socket so the connection task ends (CLIENT KILL, timeout).
    pub fn kill(&mut self) {
        self.killed = true;
        // SAFETY: shutdown(2) on a descriptor this process owns; it only
        // makes pending and future reads and writes on it fail or end.
        unsafe {
            libc::shutdown(self.fd, libc::SHUT_RDWR);
        }
    }
}

/// Clients connected to one shard.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    /// Client id → shared info.
    pub clients: HashMap<u64, Rc<RefCell<ClientInfo>>>,
}
