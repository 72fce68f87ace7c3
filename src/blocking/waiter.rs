//! A client waiting on keys, as the shards owning those keys see it.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Bytes, BytesMut};

use super::BlockingSpec;
use crate::protocol::Protocol;

/// One blocked command of one client. Shared (`Arc`) by the queues of
/// every key it waits on, on every shard owning one of them.
///
/// Exactly one party completes a waiter: the shard that serves it, the
/// client's own timeout or disconnect, or `CLIENT UNBLOCK`. Each first
/// [`claim`](Waiter::claim)s it; only the winner acts.
#[derive(Debug)]
pub struct Waiter {
    claimed: AtomicBool,
    /// Shard of the client's connection (where the outcome is delivered).
    pub client_shard: usize,
    /// Delivery token on that shard.
    pub token: u64,
    /// Client id (CLIENT UNBLOCK).
    pub client_id: u64,
    /// The client's socket, to tell whether the peer is still there before
    /// serving it (a disconnected client must not consume data).
    pub fd: RawFd,
    /// The client's database.
    pub db: usize,
    /// The client's protocol (served replies are encoded for it).
    pub proto: Protocol,
    /// The command's arguments.
    pub args: Vec<Bytes>,
    /// The command's description.
    pub spec: &'static BlockingSpec,
}

impl Waiter {
    /// A waiter not yet claimed.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client_shard: usize,
        token: u64,
        client_id: u64,
        fd: RawFd,
        db: usize,
        proto: Protocol,
        args: Vec<Bytes>,
        spec: &'static BlockingSpec,
    ) -> Waiter {
        Waiter {
            claimed: AtomicBool::new(false),
            client_shard,
            token,
            client_id,
            fd,
            db,
            proto,
            args,
            spec,
        }
    }

    /// Takes the right to complete the waiter; `false` if someone else has.
    pub fn claim(&self) -> bool {
        !self.claimed.swap(true, Ordering::AcqRel)
    }

    /// Gives the right back (a serve attempt that found nothing to serve).
    pub fn unclaim(&self) {
        self.claimed.store(false, Ordering::Release);
    }

    /// Whether someone holds (or held) the right to complete the waiter.
    pub fn is_claimed(&self) -> bool {
        self.claimed.load(Ordering::Acquire)
    }

    /// Whether the client's peer has closed its side of the connection.
    /// Data still unread means the peer may be alive: it is not closed.
    pub fn peer_closed(&self) -> bool {
        let mut b = [0u8; 1];
        // SAFETY: recv(2) with MSG_PEEK|MSG_DONTWAIT into a 1-byte local
        // buffer; it never blocks and never consumes input. The descriptor
        // stays open while the waiter is unclaimed: the connection task
        // closes its socket only after it has claimed its waiter.
        let n = unsafe {
            libc::recv(
                self.fd,
                b.as_mut_ptr() as *mut libc::c_void,
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n == 0 {
            return true;
        }
        if n < 0 {
            let e = std::io::Error::last_os_error().raw_os_error();
            return !matches!(e, Some(libc::EAGAIN) | Some(libc::EINTR));
        }
        false
    }
}

/// How a waiter was completed, delivered to its client's shard.
#[derive(Debug)]
pub enum Outcome {
    /// Served: the encoded reply and the number of changes it made.
    Served {
        /// The client's reply.
        reply: BytesMut,
        /// Keyspace changes (dirty count).
        dirty: u64,
    },
    /// A key became ready but serving needs keys of several shards (BLMOVE
    /// to a destination elsewhere): the client runs its attempt again.
    Retry,
    /// `CLIENT UNBLOCK id [TIMEOUT]`: answer as if the timeout passed.
    UnblockTimeout,
    /// `CLIENT UNBLOCK id ERROR`.
    UnblockError,
    /// The client disconnected.
    Gone,
}
