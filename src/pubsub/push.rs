//! The per-connection push buffer: where messages published to a client's
//! subscriptions wait until its connection task writes them.
//!
//! Publishers (on the subscriber's own core: deliveries from other cores
//! arrive there through the mesh first) append frames and wake the task.
//! The buffer is bounded by the `pubsub` class of
//! `client-output-buffer-limit`: a client past the hard limit, or past the
//! soft limit for longer than its seconds, is closed at once, its buffer is
//! freed and its socket shut down, whatever its task is doing.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use bytes::BytesMut;

use crate::protocol::{Protocol, ReplyWriter};
use crate::server::client::ClientInfo;

/// One class of `client-output-buffer-limit`, in bytes and seconds (0: no
/// limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputLimit {
    /// Past this many pending bytes the client is closed at once.
    pub hard: u64,
    /// Past this many pending bytes for longer than `soft_seconds`, the
    /// client is closed.
    pub soft: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// What a limit check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitCheck {
    /// Within the limits.
    Ok,
    /// Over the limits: the client must be closed.
    Exceeded,
}

impl OutputLimit {
    /// Checks `pending` bytes against the limit; `soft_since` keeps when the
    /// soft limit was first exceeded (cleared when back under it).
    pub fn check(
        &self,
        pending: u64,
        soft_since: &mut Option<Instant>,
        now: impl FnOnce() -> Instant,
    ) -> LimitCheck {
        if self.hard > 0 && pending >= self.hard {
            return LimitCheck::Exceeded;
        }
        if self.soft > 0 && pending >= self.soft {
            let now = now();
            match *soft_since {
                None => *soft_since = Some(now),
                Some(t) => {
                    if now.saturating_duration_since(t).as_secs() > self.soft_seconds {
                        return LimitCheck::Exceeded;
                    }
                }
            }
        } else {
            *soft_since = None;
        }
        LimitCheck::Ok
    }
}

#[derive(Debug)]
struct PushState {
    buf: BytesMut,
    proto: Protocol,
    waker: Option<Waker>,
    closed: bool,
    in_flight: usize,
    soft_since: Option<Instant>,
    info: Weak<RefCell<ClientInfo>>,
}

/// A connection's buffer of pushed messages (shared by the connection task
/// and the shard's subscription table).
#[derive(Debug)]
pub struct PushBox {
    state: RefCell<PushState>,
}

impl PushBox {
    /// An empty buffer for a client speaking `proto`.
    pub fn new(proto: Protocol, info: Weak<RefCell<ClientInfo>>) -> PushBox {
        PushBox {
            state: RefCell::new(PushState {
                buf: BytesMut::new(),
                proto,
                waker: None,
                closed: false,
                in_flight: 0,
                soft_since: None,
                info,
            }),
        }
    }

    /// Changes the protocol of future frames (HELLO while subscribed).
    pub fn set_proto(&self, proto: Protocol) {
        self.state.borrow_mut().proto = proto;
    }

    /// Appends one frame of `parts` (`message`/`pmessage`/`smessage` and
    /// their arguments) unless the client is closed, then applies `limit`.
    pub fn deliver(&self, parts: &[&[u8]], limit: &OutputLimit) {
        let over = {
            let mut st = self.state.borrow_mut();
            if st.closed {
                return;
            }
            let proto = st.proto;
            let mut w = ReplyWriter::new(&mut st.buf, proto);
            w.push(parts.len());
            for p in parts {
                w.bulk(p);
            }
            let pending = (st.buf.len() + st.in_flight) as u64;
            let mut since = st.soft_since;
            let r = limit.check(pending, &mut since, Instant::now);
            st.soft_since = since;
            if let Some(w) = st.waker.take() {
                w.wake();
            }
            r == LimitCheck::Exceeded
        };
        if over {
            self.close_over_limit();
        }
    }

    /// Closes the client for exceeding its output limit: frees the buffer,
    /// logs Redis' line, shuts the socket down and wakes the task.
    fn close_over_limit(&self) {
        let info = {
            let mut st = self.state.borrow_mut();
            st.closed = true;
            st.buf = BytesMut::new();
            if let Some(w) = st.waker.take() {
                w.wake();
            }
            st.info.upgrade()
        };
        if let Some(info) = info {
            if let Ok(mut i) = info.try_borrow_mut() {
                crate::warning!(
                    "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                    i.list_line(crate::shard::keyspace::now_ms())
                );
                i.kill();
            }
        }
    }

    /// Whether the client was closed for exceeding its limit.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.state.borrow().buf.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the waiting frames to the end of `out`.
    pub fn take_into(&self, out: &mut BytesMut) {
        let mut st = self.state.borrow_mut();
        if st.buf.is_empty() {
            return;
        }
        if out.is_empty() {
            std::mem::swap(out, &mut st.buf);
        } else {
            out.extend_from_slice(&st.buf);
            st.buf.clear();
        }
    }

    /// Records how many bytes the connection task is writing now (they
    /// count against the limit).
    pub fn set_in_flight(&self, n: usize) {
        self.state.borrow_mut().in_flight = n;
    }

    /// Waits until frames are waiting or the client was closed.
    pub fn ready(&self) -> Ready<'_> {
        Ready {
            push: self,
            closed_only: false,
        }
    }

    /// Waits until the client was closed.
    pub fn closed(&self) -> Ready<'_> {
        Ready {
            push: self,
            closed_only: true,
        }
    }
}

/// Future of [`PushBox::ready`] and [`PushBox::closed`].
#[derive(Debug)]
pub struct Ready<'a> {
    push: &'a PushBox,
    closed_only: bool,
}

impl Future for Ready<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.push.state.borrow_mut();
        if st.closed || (!self.closed_only && !st.buf.is_empty()) {
            return Poll::Ready(());
        }
        st.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_take() {
        let b = PushBox::new(Protocol::Resp2, Weak::new());
        let lim = OutputLimit::default();
        b.deliver(&[b"message", b"ch", b"hi"], &lim);
        let mut out = BytesMut::new();
        b.take_into(&mut out);
        assert_eq!(&out[..], b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        assert!(b.is_empty());
        b.set_proto(Protocol::Resp3);
        b.deliver(&[b"smessage", b"c", b""], &lim);
        b.take_into(&mut out);
        assert!(out.ends_with(b">3\r\n$8\r\nsmessage\r\n$1\r\nc\r\n$0\r\n\r\n"));
    }

    #[test]
    fn hard_limit_closes_and_frees() {
        let b = PushBox::new(Protocol::Resp2, Weak::new());
        let lim = OutputLimit {
            hard: 1000,
            soft: 0,
            soft_seconds: 0,
        };
        for _ in 0..100 {
            b.deliver(&[b"message", b"ch", &[b'x'; 50]], &lim);
        }
        assert!(b.is_closed());
        assert_eq!(b.len(), 0);
        assert_eq!(b.state.borrow().buf.capacity(), 0);
    }

    #[test]
    fn soft_limit_needs_time() {
        let lim = OutputLimit {
            hard: 0,
            soft: 10,
            soft_seconds: 1,
        };
        let t0 = Instant::now();
        let mut since = None;
        assert_eq!(lim.check(20, &mut since, || t0), LimitCheck::Ok);
        assert_eq!(since, Some(t0));
        assert_eq!(
            lim.check(20, &mut since, || t0
                + std::time::Duration::from_millis(500)),
            LimitCheck::Ok
        );
        assert_eq!(
            lim.check(20, &mut since, || t0
                + std::time::Duration::from_millis(2500)),
            LimitCheck::Exceeded
        );
        assert_eq!(lim.check(5, &mut since, || t0), LimitCheck::Ok);
        assert_eq!(since, None);
    }
}
