//! One shard's subscription tables.
//!
//! Each shard keeps
//! - its *local* subscriptions: for each channel, pattern and shard channel,
//!   the push buffers of this shard's clients subscribed to it;
//! - a *view* of all shards: for each channel, pattern and shard channel
//!   that has subscribers anywhere, how many each shard has. A shard changes
//!   its own column at once and sends the change to every other shard (the
//!   subscribing client waits for their acknowledgements), so any shard can
//!   answer PUBLISH's receiver count and knows which shards need a message,
//!   without asking anyone.

use std::rc::Rc;

use bytes::Bytes;
use hashbrown::HashMap;

use super::push::{OutputLimit, PushBox};
use crate::commands::args::glob_match;

/// The three subscription namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// SUBSCRIBE / PUBLISH channels.
    Channel,
    /// PSUBSCRIBE patterns (matched against PUBLISH channels).
    Pattern,
    /// SSUBSCRIBE / SPUBLISH shard channels.
    Shard,
}

impl Kind {
    /// Index of the kind in per-kind arrays.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Kind::Channel => 0,
            Kind::Pattern => 1,
            Kind::Shard => 2,
        }
    }

    /// The three kinds, in index order.
    pub const ALL: [Kind; 3] = [Kind::Channel, Kind::Pattern, Kind::Shard];
}

/// A client subscribed on this shard.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// Client id.
    pub client: u64,
    /// Where its messages go.
    pub push: Rc<PushBox>,
}

/// Subscriber counts of one name, per shard.
#[derive(Debug)]
struct Counts {
    total: u64,
    per_shard: Box<[u32]>,
}

/// The subscription tables of one shard.
#[derive(Debug)]
pub struct Registry {
    me: usize,
    nshards: usize,
    local: [HashMap<Bytes, Vec<Subscriber>>; 3],
    view: [HashMap<Bytes, Counts>; 3],
    /// Shards the last [`Registry::plan`] selected.
    targets: Vec<usize>,
    /// `mark[s] == epoch` when shard `s` is in `targets`.
    mark: Vec<u64>,
    epoch: u64,
}

impl Registry {
    /// Empty tables for shard `me` of `nshards`.
    pub fn new(me: usize, nshards: usize) -> Registry {
        Registry {
            me,
            nshards: nshards.max(1),
            local: Default::default(),
            view: Default::default(),
            targets: Vec::new(),
            mark: vec![0; nshards.max(1)],
            epoch: 0,
        }
    }

    /// Registers `sub` on `name` locally (the caller knows it was not
    /// subscribed yet) and counts it in this shard's column; returns what
    /// [`Registry::apply`] returned.
    pub fn add_local(&mut self, kind: Kind, name: &Bytes, sub: Subscriber) -> i64 {
        match self.local[kind.index()].get_mut(name) {
            Some(v) => v.push(sub),
            None => {
                self.local[kind.index()].insert(name.clone(), vec![sub]);
            }
        }
        let me = self.me;
        self.apply(kind, me, name, 1)
    }

    /// Removes client `client` from `name` locally; returns `None` if it
    /// was not there, else what [`Registry::apply`] returned.
    pub fn remove_local(&mut self, kind: Kind, name: &[u8], client: u64) -> Option<i64> {
        let table = &mut self.local[kind.index()];
        let v = table.get_mut(name)?;
        let pos = v.iter().position(|s| s.client == client)?;
        v.swap_remove(pos);
        if v.is_empty() {
            table.remove(name);
        }
        let me = self.me;
        Some(self.apply(kind, me, name, -1))
    }

    /// Adds `delta` to shard `shard`'s count of `name`. Returns +1 when the
    /// name gained its first subscriber anywhere, -1 when it lost its last,
    /// 0 otherwise.
    pub fn apply(&mut self, kind: Kind, shard: usize, name: &[u8], delta: i64) -> i64 {
        if shard >= self.nshards {
            return 0;
        }
        let table = &mut self.view[kind.index()];
        match table.get_mut(name) {
            Some(c) => {
                let cur = c.per_shard[shard] as i64;
                let new = (cur + delta).clamp(0, u32::MAX as i64);
                c.per_shard[shard] = new as u32;
                c.total = (c.total as i64 + (new - cur)).max(0) as u64;
                if c.total == 0 {
                    table.remove(name);
                    return -1;
                }
                0
            }
            None if delta > 0 => {
                let mut per_shard = vec![0u32; self.nshards].into_boxed_slice();
                let n = delta.min(u32::MAX as i64) as u32;
                per_shard[shard] = n;
                table.insert(
                    Bytes::copy_from_slice(name),
                    Counts {
                        total: n as u64,
                        per_shard,
                    },
                );
                1
            }
            None => 0,
        }
    }

    /// For a message on `channel` (`kind` is [`Kind::Channel`] for
    /// PUBLISH, [`Kind::Shard`] for SPUBLISH): the number of receivers as
    /// Redis counts them (channel subscribers, plus each matching pattern's
    /// subscribers), and, in [`Registry::targets`], the shards that have
    /// any of them.
    pub fn plan(&mut self, kind: Kind, channel: &[u8]) -> u64 {
        let Registry {
            view,
            targets,
            mark,
            epoch,
            ..
        } = self;
        targets.clear();
        *epoch += 1;
        let epoch = *epoch;
        let mut add = |c: &Counts| {
            for (s, &n) in c.per_shard.iter().enumerate() {
                if n > 0 {
                    if let Some(m) = mark.get_mut(s) {
                        if *m != epoch {
                            *m = epoch;
                            targets.push(s);
                        }
                    }
                }
            }
        };
        let mut receivers = 0u64;
        if let Some(c) = view[kind.index()].get(channel) {
            receivers += c.total;
            add(c);
        }
        if kind == Kind::Channel {
            for (pat, c) in view[Kind::Pattern.index()].iter() {
                if glob_match(pat, channel, false) {
                    receivers += c.total;
                    add(c);
                }
            }
        }
        receivers
    }

    /// The shards chosen by the last [`Registry::plan`].
    pub fn targets(&self) -> &[usize] {
        &self.targets
    }

    /// Delivers a message to this shard's subscribers: `message` frames to
    /// the channel's subscribers and `pmessage` frames to matching patterns'
    /// (PUBLISH), or `smessage` frames (SPUBLISH). Returns the number of
    /// clients reached.
    pub fn deliver_local(
        &self,
        kind: Kind,
        channel: &[u8],
        message: &[u8],
        limit: &OutputLimit,
    ) -> u64 {
        let mut n = 0u64;
        let head: &[u8] = if kind == Kind::Shard {
            b"smessage"
        } else {
            b"message"
        };
        if let Some(subs) = self.local[kind.index()].get(channel) {
            for s in subs {
                s.push.deliver(&[head, channel, message], limit);
                n += 1;
            }
        }
        if kind == Kind::Channel {
            for (pat, subs) in self.local[Kind::Pattern.index()].iter() {
                if glob_match(pat, channel, false) {
                    for s in subs {
                        s.push.deliver(&[b"pmessage", pat, channel, message], limit);
                        n += 1;
                    }
                }
            }
        }
        n
    }

    /// Names with subscribers anywhere, of `kind`, matching `pattern` (all
    /// when `None`).
    pub fn names(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.view[kind.index()]
            .keys()
            .filter(|k| pattern.is_none_or(|p| glob_match(p, k, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of `name` on all shards.
    pub fn count(&self, kind: Kind, name: &[u8]) -> u64 {
        self.view[kind.index()].get(name).map_or(0, |c| c.total)
    }

    /// Number of names of `kind` with subscribers anywhere.
    pub fn len(&self, kind: Kind) -> usize {
        self.view[kind.index()].len()
    }

    /// Whether no shard has any subscription.
    pub fn is_empty(&self) -> bool {
        self.view.iter().all(|t| t.is_empty())
    }

    /// This shard's subscribers of `name`.
    pub fn local_count(&self, kind: Kind, name: &[u8]) -> usize {
        self.local[kind.index()].get(name).map_or(0, |v| v.len())
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Weak;

    use super::*;
    use crate::protocol::Protocol;

    fn sub(id: u64) -> Subscriber {
        Subscriber {
            client: id,
            push: Rc::new(PushBox::new(Protocol::Resp2, Weak::new())),
        }
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn add_remove_local_and_view() {
        let mut r = Registry::new(1, 4);
        assert_eq!(r.add_local(Kind::Channel, &b("news"), sub(7)), 1);
        assert_eq!(r.add_local(Kind::Channel, &b("news"), sub(8)), 0);
        assert_eq!(r.count(Kind::Channel, b"news"), 2);
        assert_eq!(r.local_count(Kind::Channel, b"news"), 2);
        assert_eq!(r.remove_local(Kind::Channel, b"news", 9), None);
        assert_eq!(r.remove_local(Kind::Pattern, b"news", 7), None);
        assert_eq!(r.remove_local(Kind::Channel, b"news", 7), Some(0));
        assert_eq!(r.count(Kind::Channel, b"news"), 1);
        assert_eq!(r.remove_local(Kind::Channel, b"news", 8), Some(-1));
        assert_eq!(r.count(Kind::Channel, b"news"), 0);
        assert_eq!(r.len(Kind::Channel), 0);
        assert!(r.is_empty());
    }

    #[test]
    fn remote_counts_and_plan() {
        let mut r = Registry::new(0, 4);
        assert_eq!(r.apply(Kind::Channel, 2, b"a", 1), 1);
        assert_eq!(r.apply(Kind::Channel, 3, b"a", 2), 0);
        assert_eq!(r.apply(Kind::Pattern, 3, b"a*", 1), 1);
        assert_eq!(r.apply(Kind::Pattern, 1, b"z*", 1), 1);
        r.add_local(Kind::Channel, &b("a"), sub(1));
        assert_eq!(r.plan(Kind::Channel, b"a"), 5);
        let mut t = r.targets().to_vec();
        t.sort();
        assert_eq!(t, vec![0, 2, 3]);
        assert_eq!(r.plan(Kind::Channel, b"zoo"), 1);
        assert_eq!(r.targets(), &[1]);
        // Shard channels are their own namespace.
        assert_eq!(r.plan(Kind::Shard, b"a"), 0);
        assert!(r.targets().is_empty());
        // Counts never go negative; an unknown shard is ignored.
        assert_eq!(r.apply(Kind::Channel, 2, b"a", -5), 0);
        assert_eq!(r.apply(Kind::Channel, 99, b"a", 1), 0);
        assert_eq!(r.count(Kind::Channel, b"a"), 3);
        assert_eq!(r.apply(Kind::Channel, 9, b"nope", -1), 0);
    }

    #[test]
    fn patterns_use_glob_rules() {
        let mut r = Registry::new(0, 2);
        for (i, p) in ["news.[ab]?", "x\\*", "[^z]*", "*"].iter().enumerate() {
            r.apply(Kind::Pattern, i % 2, p.as_bytes(), 1);
        }
        assert_eq!(r.plan(Kind::Channel, b"news.ax"), 3);
        assert_eq!(r.plan(Kind::Channel, b"news.cx"), 2);
        assert_eq!(r.plan(Kind::Channel, b"x*"), 3);
        assert_eq!(r.plan(Kind::Channel, b"xy"), 2);
        assert_eq!(r.plan(Kind::Channel, b"zz"), 1);
        assert_eq!(r.targets(), &[1]);
        assert_eq!(r.plan(Kind::Channel, b""), 1);
    }

    #[test]
    fn deliver_local_frames() {
        let mut r = Registry::new(0, 1);
        let s = sub(1);
        let push = s.push.clone();
        r.add_local(Kind::Channel, &b("h"), s.clone());
        r.add_local(Kind::Pattern, &b("h*"), s.clone());
        r.add_local(Kind::Pattern, &b("x*"), s);
        let lim = OutputLimit::default();
        assert_eq!(r.deliver_local(Kind::Channel, b"h", b"m", &lim), 2);
        let mut out = bytes::BytesMut::new();
        push.take_into(&mut out);
        assert_eq!(
            &out[..],
            &b"*3\r\n$7\r\nmessage\r\n$1\r\nh\r\n$1\r\nm\r\n*4\r\n$8\r\npmessage\r\n$2\r\nh*\r\n$1\r\nh\r\n$1\r\nm\r\n"[..]
        );
        let mut names = r.names(Kind::Pattern, None);
        names.sort();
        assert_eq!(names, vec![b("h*"), b("x*")]);
        assert_eq!(r.names(Kind::Pattern, Some(b"x*")), vec![b("x*")]);
    }
}
