//! The link's socket to the master with its read buffer: lines for the
//! handshake, raw bytes for the RDB and the stream. Every wait wakes at
//! least every [`TICK`] to notice a role change (a newer link generation).

use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::server::shared::ServerShared;

/// Longest wait without checking whether the link must stop.
pub const TICK: Duration = Duration::from_millis(200);

/// Size of each read from the socket.
const READ_CHUNK: usize = 64 * 1024;

/// Longest handshake reply line accepted.
const MAX_LINE: usize = 64 * 1024;

/// Why the link stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// The master closed the connection or a socket call failed.
    Io(String),
    /// Nothing arrived for `repl-timeout` seconds.
    Timeout,
    /// The link was replaced or the server is no longer a replica.
    Stopped,
    /// The master sent something this side cannot use.
    Protocol(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Io(e) => write!(f, "{}", e),
            LinkError::Timeout => write!(f, "timeout"),
            LinkError::Stopped => write!(f, "link stopped"),
            LinkError::Protocol(e) => write!(f, "{}", e),
        }
    }
}

/// The socket and what was read from it but not yet consumed.
#[derive(Debug)]
pub struct MasterConn {
    /// The socket.
    pub stream: TcpStream,
    /// Bytes read, not yet consumed.
    pub buf: BytesMut,
    /// Link generation this connection belongs to.
    pub gen: u64,
    /// The process-wide state (link status updates).
    pub shared: Arc<ServerShared>,
    /// When the last byte arrived.
    pub last_io: Instant,
}

impl MasterConn {
    /// Wraps a connected socket.
    pub fn new(stream: TcpStream, gen: u64, shared: Arc<ServerShared>) -> MasterConn {
        let _ = stream.set_nodelay(true);
        super::set_master_fd(stream.as_raw_fd());
        MasterConn {
            stream,
            buf: BytesMut::with_capacity(READ_CHUNK),
            gen,
            shared,
            last_io: Instant::now(),
        }
    }

    /// Reads more bytes into the buffer. Waits at most `tick` (returns
    /// `Ok(0)` then) and fails when nothing arrived for `timeout`, when the
    /// master closed the connection, or when the link must stop.
    pub async fn fill(&mut self, timeout: Duration, tick: Duration) -> Result<usize, LinkError> {
        if !super::is_current(self.gen) || !self.shared.role.is_replica() {
            return Err(LinkError::Stopped);
        }
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            self.buf.reserve(READ_CHUNK);
        }
        let spare: &mut [MaybeUninit<u8>] = self.buf.spare_capacity_mut();
        // SAFETY: the socket read only writes into the slice; the length is
        // advanced by exactly the number of bytes it reports written.
        let spare: &mut [u8] = unsafe { &mut *(spare as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let stream = &mut self.stream;
        // The read is readiness-based (bytes are copied only when it
        // completes), so dropping it when the timer wins loses nothing.
        let r = futures_lite::future::or(async { Some(stream.read(spare).await) }, async {
            glommio::timer::sleep(tick).await;
            None
        })
        .await;
        match r {
            Some(Ok(0)) => Err(LinkError::Io("Connection lost".into())),
            Some(Ok(n)) => {
                // SAFETY: `n` bytes were initialised by the read above.
                unsafe { self.buf.set_len(self.buf.len() + n) };
                self.last_io = Instant::now();
                if let Some(l) = self.shared.role.link().as_mut() {
                    l.last_io = self.last_io;
                }
                Ok(n)
            }
            Some(Err(e)) => Err(LinkError::Io(e.to_string())),
            None => {
                if !super::is_current(self.gen) || !self.shared.role.is_replica() {
                    return Err(LinkError::Stopped);
                }
                if self.last_io.elapsed() >= timeout {
                    Err(LinkError::Timeout)
                } else {
                    Ok(0)
                }
            }
        }
    }

    /// One reply line without its line ending (`\r\n` or `\n`).
    pub async fn read_line(&mut self, timeout: Duration) -> Result<String, LinkError> {
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf) {
                let line = self.buf.split_to(nl + 1);
                let mut end = nl;
                if end > 0 && line[end - 1] == b'\r' {
                    end -= 1;
                }
                return Ok(String::from_utf8_lossy(&line[..end]).into_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(LinkError::Protocol("reply line too long".into()));
            }
            self.fill(timeout, TICK).await?;
        }
    }

    /// Sends `bytes`.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| LinkError::Io(e.to_string()))
    }

    /// Sends a command and reads its one-line reply.
    pub async fn command(
        &mut self,
        args: &[&[u8]],
        timeout: Duration,
    ) -> Result<String, LinkError> {
        let mut out = Vec::with_capacity(64);
        crate::journal::encode_command(&mut out, args);
        self.send(&out).await?;
        self.read_line(timeout).await
    }
}

impl Drop for MasterConn {
    fn drop(&mut self) {
        let fd = self.stream.as_raw_fd();
        let _ = super::MASTER_FD.compare_exchange(
            fd,
            -1,
            std::sync::atomic::Ordering::AcqRel,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}
