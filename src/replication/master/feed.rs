//! The task a replica's connection becomes after PSYNC or SYNC: partial
//! or full synchronization, then the stream from the replica's offset,
//! reading its `REPLCONF ACK`s meanwhile.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use super::fullsync::{self, JobState, Piece};
use super::psync::{self, ReplicaHello, SyncAsk};
use super::registry::{ReplicaEntry, ReplicaState};
use crate::protocol::{ParseLimits, RequestParser};
use crate::replication::role::LinkState;
use crate::replication::stream::Tap;
use crate::server::connection::ConnCtx;
use crate::server::shared::ServerShared;
use crate::shard::keyspace::now_ms;

/// Stream bytes written to the socket per write.
const WRITE_CHUNK: usize = 256 * 1024;
/// Unparsed input a replica may leave us with before it is dropped.
const MAX_INPUT: usize = 64 * 1024;
/// How often the loop checks timeouts, and reads input while streaming.
const TICK: Duration = Duration::from_millis(100);

/// Removes the replica from the registry when its feed ends, with Redis'
/// log line.
struct Attached {
    shared: Arc<ServerShared>,
    entry: Arc<ReplicaEntry>,
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.shared.replicas.remove(self.entry.id);
        self.shared.repl.untap(self.entry.id);
        crate::warning!("Connection with replica {} lost.", self.entry.name());
    }
}

/// Serves the replica on `stream` until it goes away: `ctx.replica` holds
/// its handshake and the sync it asked for; `rbuf` any input read past
/// that request.
pub async fn serve(ctx: &mut ConnCtx, stream: &mut TcpStream, rbuf: BytesMut) -> io::Result<()> {
    let Some(hello) = ctx.replica.take() else {
        return Ok(());
    };
    let Some(ask) = hello.sync.clone() else {
        return Ok(());
    };
    let shard = ctx.shard.clone();
    let shared = shard.shared.clone();
    let peer = ctx.info.borrow().addr.clone();
    let name = hello.name(&peer);
    crate::notice!("Replica {} asks for synchronization", name);
    if shared.role.is_replica() {
        let up = shared
            .role
            .link()
            .as_ref()
            .is_some_and(|l| l.state == LinkState::Connected);
        if !up {
            stream
                .write_all(b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n")
                .await?;
            return Ok(());
        }
    }
    let entry = Arc::new(ReplicaEntry::new(
        ctx.id,
        hello.ip(&peer),
        hello.listening_port,
    ));
    shared.replicas.add(entry.clone());
    ctx.info.borrow_mut().replica = true;
    let _attached = Attached {
        shared: shared.clone(),
        entry: entry.clone(),
    };
    super::cron::ensure_running(&shard);
    let mut feed = Feed {
        ctx,
        entry,
        name,
        rbuf,
        parser: RequestParser::new(ParseLimits::default()),
        args: Vec::with_capacity(4),
        awaiting_ack: false,
        epoch: shared.replicas.epoch(),
    };
    let hard = shared.output_limit(1).hard as usize;
    let partial = psync::partial_from(&shared.repl, &ask).and_then(|from| {
        shared
            .repl
            .tap(feed.ctx.id, from, hard)
            .map(|tap| (from, tap))
            .map_err(|_| Some(String::new()))
    });
    let owed = match partial {
        Ok((from, tap)) => {
            let from = feed.continue_from(stream, &hello, &ask, from).await?;
            Owed::new(&shared, feed.ctx.id, tap, from)
        }
        Err(why) => {
            match why {
                None => crate::notice!("Full resync requested by replica {}", feed.name),
                Some(text) if text.is_empty() => {
                    crate::notice!(
                        "Unable to partial resync with replica {} for lack of backlog (Replica request was: {}).",
                        feed.name,
                        ask.offset
                    );
                    if ask.offset > shared.repl.offset() as i64 + 1 {
                        crate::warning!(
                            "Warning: replica {} tried to PSYNC with an offset that is greater than the master replication offset.",
                            feed.name
                        );
                    }
                }
                Some(text) => crate::notice!("{}", text),
            }
            if ask.replid.as_deref().is_some_and(|id| id != "?") {
                shared
                    .replicas
                    .sync_partial_err
                    .fetch_add(1, Ordering::Relaxed);
            }
            shared.replicas.sync_full.fetch_add(1, Ordering::Relaxed);
            match feed.full_sync(stream, &hello, &ask).await? {
                Some(owed) => owed,
                None => return Ok(()),
            }
        }
    };
    feed.stream_from(stream, owed).await
}

/// A replica's feed.
struct Feed<'a> {
    ctx: &'a mut ConnCtx,
    entry: Arc<ReplicaEntry>,
    name: String,
    rbuf: BytesMut,
    parser: RequestParser,
    args: Vec<Bytes>,
    /// After a diskless transfer: the stream starts at the first ACK (the
    /// replica has loaded the snapshot).
    awaiting_ack: bool,
    /// [`super::registry::Registry::epoch`] when it attached.
    epoch: u64,
}

impl Feed<'_> {
    fn shared(&self) -> &Arc<ServerShared> {
        &self.ctx.shard.shared
    }

    /// Partial resynchronization accepted: `+CONTINUE` and the backlog
    /// from `from`.
    async fn continue_from(
        &mut self,
        stream: &mut TcpStream,
        hello: &ReplicaHello,
        ask: &SyncAsk,
        from: u64,
    ) -> io::Result<u64> {
        let shared = self.shared().clone();
        let line = if hello.capa_psync2 {
            format!("+CONTINUE {}\r\n", shared.repl.lock().replid)
        } else {
            "+CONTINUE\r\n".to_string()
        };
        stream.write_all(line.as_bytes()).await?;
        shared
            .replicas
            .sync_partial_ok
            .fetch_add(1, Ordering::Relaxed);
        crate::notice!(
            "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from offset {}.",
            self.name,
            shared.repl.offset().saturating_sub(from),
            ask.offset
        );
        self.entry.ack(0, now_ms());
        self.entry.set_state(ReplicaState::Online);
        Ok(from)
    }

    /// Full synchronization: joins (or starts) the snapshot job that
    /// serves it, diskless or from a file, with `\n` keepalives while it is
    /// prepared. Returns the offset the stream continues from, or `None`
    /// when the replica was dropped.
    async fn full_sync(
        &mut self,
        stream: &mut TcpStream,
        hello: &ReplicaHello,
        ask: &SyncAsk,
    ) -> io::Result<Option<Owed>> {
        let shard = self.ctx.shard.clone();
        let shared = shard.shared.clone();
        let diskless = shared.replicas.settings.diskless.load(Ordering::Relaxed) && hello.capa_eof;
        self.entry.set_state(ReplicaState::WaitBgsave);
        let ticket = fullsync::join_or_start(&shard, diskless, self.ctx.id);
        let job = ticket.job.clone();
        let mut last_keepalive = Instant::now();
        let (replid, offset) = loop {
            match job.current() {
                JobState::Started(id, off) => break (id, off),
                JobState::Failed => {
                    stream
                        .write_all(b"-ERR BGSAVE failed, replication can't continue\r\n")
                        .await?;
                    return Ok(None);
                }
                JobState::Waiting => {}
            }
            if shared.stopping() {
                return Ok(None);
            }
            glommio::timer::sleep(Duration::from_millis(10)).await;
            self.keepalive(stream, &mut last_keepalive).await?;
        };
        if ask.replid.is_some() {
            let line = format!("+FULLRESYNC {} {}\r\n", replid, offset);
            stream.write_all(line.as_bytes()).await?;
        }
        let Some(tap) = job.take_tap(self.ctx.id) else {
            return Ok(None);
        };
        let mut owed = Owed::new(&shared, self.ctx.id, tap, offset);
        match ticket.rx {
            None => {
                let path = loop {
                    let done = job.file.lock().ok().and_then(|f| f.clone());
                    match done {
                        Some(Ok(p)) => break p,
                        Some(Err(_)) => return Ok(None),
                        None => {}
                    }
                    glommio::timer::sleep(Duration::from_millis(10)).await;
                    self.keepalive(stream, &mut last_keepalive).await?;
                    if owed.catch_up(&shared).is_err() {
                        self.log_overflow();
                        return Ok(None);
                    }
                };
                if !self.send_file(stream, &path, &mut owed).await? {
                    self.log_overflow();
                    return Ok(None);
                }
                drop(job);
                crate::notice!("Synchronization with replica {} succeeded", self.name);
                self.entry.ack(0, now_ms());
                self.entry.set_state(ReplicaState::Online);
            }
            Some(rx) => {
                self.entry.set_state(ReplicaState::SendBulk);
                stream
                    .write_all(format!("$EOF:{}\r\n", job.mark).as_bytes())
                    .await?;
                let ok = loop {
                    if owed.catch_up(&shared).is_err() {
                        self.log_overflow();
                        return Ok(None);
                    }
                    match rx.try_recv() {
                        Ok(Piece::Chunk(chunk)) => stream.write_all(&chunk).await?,
                        Ok(Piece::Done(ok)) => break ok,
                        Err(std::sync::mpsc::TryRecvError::Empty) => {
                            if self.ctx.info.borrow().killed {
                                return Ok(None);
                            }
                            glommio::timer::sleep(Duration::from_millis(1)).await
                        }
                        Err(std::sync::mpsc::TryRecvError::Disconnected) => break false,
                    }
                };
                if !ok {
                    return Ok(None);
                }
                stream.write_all(job.mark.as_bytes()).await?;
                crate::notice!(
                    "Streamed RDB transfer with replica {} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming",
                    self.name
                );
                self.entry.ack(0, now_ms());
                self.awaiting_ack = true;
            }
        }
        Ok(Some(owed))
    }

    /// Writes `\n` once a second while the replica waits.
    async fn keepalive(&self, stream: &mut TcpStream, last: &mut Instant) -> io::Result<()> {
        if last.elapsed() >= Duration::from_secs(1) {
            *last = Instant::now();
            stream.write_all(b"\n").await?;
        }
        if self.ctx.info.borrow().killed {
            return Err(io::Error::other("killed"));
        }
        Ok(())
    }

    /// `$<len>\r\n` and the file's bytes, taking the stream into `owed`
    /// meanwhile; false when the replica must be dropped for it.
    async fn send_file(
        &self,
        stream: &mut TcpStream,
        path: &std::path::Path,
        owed: &mut Owed,
    ) -> io::Result<bool> {
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let len = f.metadata()?.len();
        self.entry.set_state(ReplicaState::SendBulk);
        stream.write_all(format!("${}\r\n", len).as_bytes()).await?;
        let mut buf = vec![0u8; WRITE_CHUNK];
        let mut left = len;
        while left > 0 {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "premature EOF",
                ));
            }
            let n = n.min(left as usize);
            stream.write_all(&buf[..n]).await?;
            left -= n as u64;
            if owed.catch_up(self.shared()).is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The stream from `owed`'s offset, reading the replica's input
    /// meanwhile.
    async fn stream_from(&mut self, stream: &mut TcpStream, mut owed: Owed) -> io::Result<()> {
        let shared = self.shared().clone();
        let repl = shared.repl.clone();
        let id = self.ctx.id;
        let fd = stream.as_raw_fd();
        let mut last_input = Instant::now();
        loop {
            if self.ctx.info.borrow().killed
                || shared.stopping()
                || self.timed_out()
                || shared.replicas.epoch() != self.epoch
            {
                return Ok(());
            }
            if owed.catch_up(&shared).is_err() {
                self.log_overflow();
                return Ok(());
            }
            if !self.awaiting_ack && !owed.buf.is_empty() {
                let mut sending = std::mem::take(&mut owed.buf);
                // While the replica does not read, what comes next piles
                // up in its buffer, up to its output limit.
                let owed_ref = &mut owed;
                let sh = &shared;
                let written = futures_lite::future::or(
                    async { Some(stream.write_all(&sending).await) },
                    async move {
                        loop {
                            glommio::timer::sleep(TICK).await;
                            if owed_ref.catch_up(sh).is_err() {
                                return None;
                            }
                        }
                    },
                )
                .await;
                match written {
                    Some(r) => r?,
                    None => {
                        self.log_overflow();
                        return Ok(());
                    }
                }
                self.entry_sent(sending.len());
                if owed.buf.is_empty() && sending.capacity() <= 4 * WRITE_CHUNK {
                    sending.clear();
                    owed.buf = sending;
                }
                if last_input.elapsed() >= TICK {
                    last_input = Instant::now();
                    if !self.read_nonblocking(fd)? {
                        return Ok(());
                    }
                }
                continue;
            }
            // Nothing to send: wait for input, stream bytes, or a tick.
            if self.rbuf.capacity() - self.rbuf.len() < 1024 {
                self.rbuf.reserve(4096);
            }
            let spare: &mut [MaybeUninit<u8>] = self.rbuf.spare_capacity_mut();
            // SAFETY: the socket read only writes into the slice; the
            // length is advanced by exactly the bytes it reports.
            let spare: &mut [u8] = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
            let pos = owed.pos;
            let r = futures_lite::future::or(async { Some(stream.read(spare).await) }, async {
                let more = std::future::poll_fn(|cx| {
                    if repl.wait_past(id, pos, cx.waker()) {
                        std::task::Poll::Pending
                    } else {
                        std::task::Poll::Ready(())
                    }
                });
                futures_lite::future::or(more, async {
                    glommio::timer::sleep(TICK).await;
                })
                .await;
                None
            })
            .await;
            if let Some(r) = r {
                let n = r?;
                if n == 0 {
                    return Ok(());
                }
                // SAFETY: `n` bytes were initialised by the read.
                unsafe { self.rbuf.set_len(self.rbuf.len() + n) };
                last_input = Instant::now();
                if !self.process_input() {
                    return Ok(());
                }
            }
        }
    }

    /// Redis' line for a replica closed for its output buffer (here: the
    /// backlog moved past what it still needs).
    fn log_overflow(&self) {
        let info = self.ctx.info.borrow();
        crate::warning!(
            "Client id={} addr={} laddr={} fd={} name= flags=S db=0 scheduled to be closed ASAP for overcoming of output buffer limits.",
            info.id,
            info.addr,
            info.laddr,
            info.fd
        );
    }

    /// Counts stream bytes sent.
    fn entry_sent(&self, n: usize) {
        self.shared()
            .replicas
            .repl_output_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Reads what the replica sent without waiting; false when it must be
    /// dropped (closed, garbage).
    fn read_nonblocking(&mut self, fd: i32) -> io::Result<bool> {
        loop {
            if self.rbuf.capacity() - self.rbuf.len() < 1024 {
                self.rbuf.reserve(4096);
            }
            let spare = self.rbuf.spare_capacity_mut();
            // SAFETY: recv writes at most `spare.len()` bytes into memory
            // this buffer owns; the length is advanced by what it reports.
            let n = unsafe {
                libc::recv(
                    fd,
                    spare.as_mut_ptr() as *mut libc::c_void,
                    spare.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if n == 0 {
                return Ok(false);
            }
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted {
                    return Ok(true);
                }
                return Err(e);
            }
            // SAFETY: `n` bytes were written by recv.
            unsafe { self.rbuf.set_len(self.rbuf.len() + n as usize) };
            if !self.process_input() {
                return Ok(false);
            }
        }
    }

    /// Handles the replica's commands (`REPLCONF ACK`, and whatever else
    /// a replica may harmlessly send); false when it must be dropped.
    fn process_input(&mut self) -> bool {
        loop {
            match self.parser.next(&mut self.rbuf, &mut self.args) {
                Ok(true) => {
                    if self.args.is_empty() {
                        continue;
                    }
                    if !self.command() {
                        return false;
                    }
                }
                Ok(false) => break,
                Err(e) => {
                    crate::warning!(
                        "Protocol error ({}) from replica {}: closing its connection",
                        e.0,
                        self.name
                    );
                    return false;
                }
            }
        }
        if self.rbuf.len() > MAX_INPUT {
            crate::warning!(
                "Replica {} sent {} bytes that are not a command: closing its connection",
                self.name,
                self.rbuf.len()
            );
            return false;
        }
        true
    }

    /// One command from the replica.
    fn command(&mut self) -> bool {
        let args = std::mem::take(&mut self.args);
        let ok = match args.first().map(|a| a.to_ascii_lowercase()) {
            Some(n) if n == b"replconf" => {
                if let Some(off) = ack_offset(&args) {
                    self.entry.ack(off, now_ms());
                    if self.awaiting_ack {
                        self.awaiting_ack = false;
                        self.entry.set_state(ReplicaState::Online);
                        crate::notice!("Synchronization with replica {} succeeded", self.name);
                    }
                }
                true
            }
            Some(n) if n == b"ping" => true,
            _ => {
                let shown = args
                    .first()
                    .map(|a| String::from_utf8_lossy(&a[..a.len().min(64)]).into_owned())
                    .unwrap_or_default();
                crate::warning!(
                    "Replica {} sent an unexpected command ('{}'): closing its connection",
                    self.name,
                    shown
                );
                false
            }
        };
        self.args = args;
        self.args.clear();
        ok
    }

    /// Whether the replica sent nothing for `repl-timeout` (it is then
    /// dropped, with Redis' log line).
    fn timed_out(&self) -> bool {
        let secs = self
            .shared()
            .replicas
            .settings
            .timeout
            .load(Ordering::Relaxed);
        if secs == 0 {
            return false;
        }
        let last = self.entry.ack_time_ms.load(Ordering::Relaxed);
        if now_ms().saturating_sub(last) <= secs * 1000 {
            return false;
        }
        let kind = if self.awaiting_ack {
            "full sync"
        } else {
            "streaming sync"
        };
        crate::warning!("Disconnecting timedout replica ({}): {}", kind, self.name);
        true
    }
}

/// Stream bytes a replica is owed: its [`Tap`] fills as the stream
/// grows, whatever the feed is doing (sending the snapshot, waiting on a
/// slow socket), up to `client-output-buffer-limit replica`; `buf` holds
/// what was taken from it and not yet written.
#[derive(Debug)]
struct Owed {
    repl: Arc<crate::replication::stream::ReplStream>,
    /// The feed's id (its tap's).
    id: u64,
    tap: Arc<std::sync::Mutex<Tap>>,
    /// Stream offset just past what was taken from the tap.
    pos: u64,
    /// Bytes taken, not yet sent.
    buf: Vec<u8>,
    /// Since when the bytes owed are over the soft limit.
    over_soft: Option<Instant>,
}

impl Drop for Owed {
    fn drop(&mut self) {
        self.repl.untap(self.id);
    }
}

impl Owed {
    fn new(shared: &ServerShared, id: u64, tap: Arc<std::sync::Mutex<Tap>>, pos: u64) -> Self {
        Owed {
            repl: shared.repl.clone(),
            id,
            tap,
            pos,
            buf: Vec::new(),
            over_soft: None,
        }
    }

    /// Takes what the tap gathered. `Err` when the replica must be
    /// dropped: past the hard limit, or the soft one for too long.
    fn catch_up(&mut self, shared: &ServerShared) -> Result<(), ()> {
        let pending = {
            let mut t = match self.tap.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if t.overflow {
                return Err(());
            }
            if !t.bytes.is_empty() {
                self.pos += t.bytes.len() as u64;
                if self.buf.is_empty() {
                    std::mem::swap(&mut self.buf, &mut t.bytes);
                } else {
                    self.buf.extend_from_slice(&t.bytes);
                    t.bytes.clear();
                }
                if t.bytes.capacity() > 4 * WRITE_CHUNK {
                    t.bytes = Vec::new();
                }
            }
            t.bytes.len() + self.buf.len()
        };
        let limit = shared.output_limit(1);
        if limit.soft > 0 && pending as u64 > limit.soft {
            let since = *self.over_soft.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(limit.soft_seconds) {
                return Err(());
            }
        } else {
            self.over_soft = None;
        }
        Ok(())
    }
}

/// `REPLCONF ACK <offset> [FACK <offset>]`'s offset.
fn ack_offset(args: &[Bytes]) -> Option<u64> {
    let sub = args.get(1)?;
    if !sub.eq_ignore_ascii_case(b"ack") {
        return None;
    }
    let off = crate::protocol::parse::parse_i64(args.get(2)?)?;
    u64::try_from(off).ok()
}

/// Whether the connection asked for a sync (PSYNC or SYNC): after this
/// batch's replies it becomes the replica's feed ([`serve`]).
pub fn wants_feed(ctx: &ConnCtx) -> bool {
    ctx.replica.as_ref().is_some_and(|r| r.sync.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_offsets() {
        let a =
            |v: &[&str]| -> Vec<Bytes> { v.iter().map(|s| Bytes::from(s.to_string())).collect() };
        assert_eq!(ack_offset(&a(&["REPLCONF", "ACK", "42"])), Some(42));
        assert_eq!(
            ack_offset(&a(&["REPLCONF", "ack", "7", "FACK", "3"])),
            Some(7)
        );
        assert_eq!(ack_offset(&a(&["REPLCONF", "ACK", "-1"])), None);
        assert_eq!(ack_offset(&a(&["REPLCONF", "GETACK", "*"])), None);
    }
}
