//! The list type: a deque of packed nodes (Redis' quicklist design).
//!
//! Elements live back to back in node buffers ([`packed`]); a node grows
//! until it would pass the `list-max-listpack-size` bound (a count of
//! entries when positive, 4/8/16/32/64 KiB when -1..-5), then a new node is
//! started. A small list is therefore one packed buffer, a long one a
//! sequence of them. Pushes and pops at either end touch only the end
//! node; indexed access skips whole nodes by their counts.
//!
//! OBJECT ENCODING reports "quicklist" for every list, as Redis 7.0 does.

pub mod packed;

use std::collections::VecDeque;

pub use packed::{Elem, Needle};
use packed::{Encoded, Node};

use crate::types::limits::limits;

/// A list value.
#[derive(Debug, Clone, Default)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    /// Node bound to use instead of the configured one (tests).
    fill_override: Option<i64>,
}

impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

/// Whether a node of `bytes` bytes and `count` entries respects `fill`
/// (Redis' `list-max-listpack-size` semantics; a node always accepts its
/// first entry, however large).
#[inline]
fn fits(bytes: usize, count: usize, fill: i64) -> bool {
    if count <= 1 {
        return true;
    }
    if fill < 0 {
        let level = (-(fill + 1)).min(4) as u32;
        bytes <= 4096usize << level
    } else {
        count as i64 <= fill.min(1 << 15) && bytes <= 8192
    }
}

impl List {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list whose nodes follow `fill` rather than the configured
    /// `list-max-listpack-size` (lets tests force tiny nodes).
    pub fn with_fill(fill: i64) -> Self {
        List {
            fill_override: Some(fill),
            ..Self::default()
        }
    }

    #[inline]
    fn fill(&self) -> i64 {
        match self.fill_override {
            Some(f) => f,
            None => limits().list_max_listpack_size(),
        }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of nodes (for tests and introspection).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes of every node as a listpack, with its 6-byte header and end
    /// byte (DEBUG OBJECT `ql_uncompressed_size`).
    pub fn packed_bytes(&self) -> usize {
        self.nodes.iter().map(|n| n.bytes() + 7).sum()
    }

    /// The node size limit (`list-max-listpack-size`, or this list's own).
    pub fn fill_limit(&self) -> i64 {
        self.fill()
    }

    /// The OBJECT ENCODING name ("quicklist" for every list, as Redis 7.0).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Appends an element at the tail.
    pub fn push_back(&mut self, v: &[u8]) {
        let e = Encoded::new(v);
        let fill = self.fill();
        match self.nodes.back_mut() {
            Some(n) if fits(n.bytes() + e.len(), n.count() + 1, fill) => n.push_back(&e),
            last => {
                if let Some(n) = last {
                    n.shrink();
                }
                self.reserve_node();
                self.nodes.push_back(Node::with(&e));
            }
        }
        self.len += 1;
    }

    /// Prepends an element at the head.
    pub fn push_front(&mut self, v: &[u8]) {
        let e = Encoded::new(v);
        let fill = self.fill();
        match self.nodes.front_mut() {
            Some(n) if fits(n.bytes() + e.len(), n.count() + 1, fill) => n.insert_at(0, &e),
            first => {
                if let Some(n) = first {
                    n.shrink();
                }
                self.reserve_node();
                self.nodes.push_front(Node::with(&e));
            }
        }
        self.len += 1;
    }

    /// Makes room for one more node, growing the node table by 1/16 (at
    /// least one slot) rather than doubling it: still amortized O(1) per
    /// node, with at most ~6% of the table unused.
    fn reserve_node(&mut self) {
        if self.nodes.len() == self.nodes.capacity() {
            let extra = (self.nodes.len() / 16).max(1);
            self.nodes.reserve_exact(extra);
        }
    }

    /// Removes the head element, passing it to `f` first.
    pub fn pop_front_with<R>(&mut self, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        let node = self.nodes.front_mut()?;
        let r = f(node.at(0).0);
        node.remove_at(0);
        if node.count() == 0 {
            self.nodes.pop_front();
        }
        self.len -= 1;
        Some(r)
    }

    /// Removes the tail element, passing it to `f` first.
    pub fn pop_back_with<R>(&mut self, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        let node = self.nodes.back_mut()?;
        let off = node.prev(node.bytes());
        let r = f(node.at(off).0);
        node.remove_at(off);
        if node.count() == 0 {
            self.nodes.pop_back();
        }
        self.len -= 1;
        Some(r)
    }

    /// Removes and returns the head element.
    pub fn pop_front(&mut self) -> Option<Vec<u8>> {
        self.pop_front_with(|e| e.to_vec())
    }

    /// Removes and returns the tail element.
    pub fn pop_back(&mut self) -> Option<Vec<u8>> {
        self.pop_back_with(|e| e.to_vec())
    }

    /// Node index and byte offset of element `index`, skipping whole nodes
    /// from the nearer end.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index < self.len / 2 {
            let mut i = index;
            for (ni, n) in self.nodes.iter().enumerate() {
                if i < n.count() {
                    return Some((ni, n.offset_of(i)));
                }
                i -= n.count();
            }
        } else {
            let mut back = self.len - 1 - index;
            for (ni, n) in self.nodes.iter().enumerate().rev() {
                if back < n.count() {
                    return Some((ni, n.offset_of(n.count() - 1 - back)));
                }
                back -= n.count();
            }
        }
        None
    }

    /// The element at `index` (0 is the head).
    pub fn get(&self, index: usize) -> Option<Elem<'_>> {
        let (ni, off) = self.locate(index)?;
        self.nodes.get(ni).map(|n| n.at(off).0)
    }

    /// Replaces the element at `index`; false when out of range.
    pub fn set(&mut self, index: usize, v: &[u8]) -> bool {
        let Some((ni, off)) = self.locate(index) else {
            return false;
        };
        let e = Encoded::new(v);
        if let Some(n) = self.nodes.get_mut(ni) {
            n.replace_at(off, &e);
        }
        self.rebalance(ni);
        true
    }

    /// Inserts `v` before (or after) the first element equal to `pivot`;
    /// false when there is none.
    pub fn insert_relative(&mut self, pivot: &Needle<'_>, after: bool, v: &[u8]) -> bool {
        let mut found = None;
        'outer: for (ni, node) in self.nodes.iter().enumerate() {
            let mut off = 0;
            while off < node.bytes() {
                let (e, size) = node.at(off);
                if pivot.matches(&e) {
                    found = Some((ni, if after { off + size } else { off }));
                    break 'outer;
                }
                off += size;
            }
        }
        let Some((ni, off)) = found else {
            return false;
        };
        let e = Encoded::new(v);
        if let Some(n) = self.nodes.get_mut(ni) {
            n.insert_at(off, &e);
        }
        self.len += 1;
        self.rebalance(ni);
        true
    }

    /// Splits node `ni` into as many nodes as its bound requires (after an
    /// insert or a replacement made it too big), then joins the last piece
    /// with the next node when both fit in one.
    fn rebalance(&mut self, ni: usize) {
        let fill = self.fill();
        let Some(node) = self.nodes.get(ni) else {
            return;
        };
        if fits(node.bytes(), node.count(), fill) {
            return;
        }
        let Some(node) = self.nodes.remove(ni) else {
            return;
        };
        let mut pieces: Vec<Node> = Vec::new();
        let mut cur = Node::default();
        let mut off = 0;
        while off < node.bytes() {
            let size = node.at(off).1;
            if cur.count() > 0 && !fits(cur.bytes() + size, cur.count() + 1, fill) {
                cur.shrink();
                pieces.push(std::mem::take(&mut cur));
            }
            cur.push_raw(node.raw(off, size));
            off += size;
        }
        pieces.push(cur);
        let added = pieces.len();
        for (k, p) in pieces.into_iter().enumerate() {
            self.nodes.insert(ni + k, p);
        }
        self.try_merge(ni + added - 1, fill);
    }

    /// Joins node `ni` with node `ni + 1` when the result fits.
    fn try_merge(&mut self, ni: usize, fill: i64) -> bool {
        let (Some(a), Some(b)) = (self.nodes.get(ni), self.nodes.get(ni + 1)) else {
            return false;
        };
        if !fits(a.bytes() + b.bytes(), a.count() + b.count(), fill) {
            return false;
        }
        if let Some(b) = self.nodes.remove(ni + 1) {
            if let Some(a) = self.nodes.get_mut(ni) {
                a.append(b);
            }
        }
        true
    }

    /// Removes up to `|count|` elements equal to `v` (all when `count` is
    /// 0), from the head when `count >= 0`, from the tail otherwise.
    /// Returns how many were removed.
    pub fn remove_matching(&mut self, needle: &Needle<'_>, count: i64) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX)
        };
        let mut removed = 0usize;
        if count >= 0 {
            for node in self.nodes.iter_mut() {
                if removed >= limit {
                    break;
                }
                node.retain(|_, e| {
                    if removed < limit && needle.matches(e) {
                        removed += 1;
                        false
                    } else {
                        true
                    }
                });
            }
        } else {
            for node in self.nodes.iter_mut().rev() {
                if removed >= limit {
                    break;
                }
                let matches = node.iter().filter(|e| needle.matches(e)).count();
                if matches == 0 {
                    continue;
                }
                let take = matches.min(limit - removed);
                let mut skip = matches - take;
                node.retain(|_, e| {
                    if needle.matches(e) {
                        if skip > 0 {
                            skip -= 1;
                            true
                        } else {
                            false
                        }
                    } else {
                        true
                    }
                });
                removed += take;
            }
        }
        if removed > 0 {
            self.len -= removed;
            self.nodes.retain(|n| n.count() > 0);
            self.merge_neighbours();
        }
        removed
    }

    /// Joins adjacent nodes that fit together (after deletions in the
    /// middle).
    fn merge_neighbours(&mut self) {
        let fill = self.fill();
        let mut i = 0;
        while i + 1 < self.nodes.len() {
            if !self.try_merge(i, fill) {
                i += 1;
            }
        }
    }

    /// Removes the first `n` elements (all when `n >= len`).
    pub fn remove_front(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(front) = self.nodes.front_mut() else {
                break;
            };
            if front.count() <= n {
                n -= front.count();
                self.nodes.pop_front();
            } else {
                let off = front.offset_of(n);
                front.remove_bytes(0, off, n);
                n = 0;
            }
        }
    }

    /// Removes the last `n` elements (all when `n >= len`).
    pub fn remove_back(&mut self, n: usize) {
        let mut n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let Some(back) = self.nodes.back_mut() else {
                break;
            };
            if back.count() <= n {
                n -= back.count();
                self.nodes.pop_back();
            } else {
                let off = back.offset_of(back.count() - n);
                let end = back.bytes();
                back.remove_bytes(off, end, n);
                n = 0;
            }
        }
    }

    /// Elements head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            nodes: &self.nodes,
            ni: 0,
            off: 0,
            remaining: self.len,
        }
    }

    /// Elements from `index` towards the tail (empty when out of range).
    pub fn iter_from(&self, index: usize) -> Iter<'_> {
        match self.locate(index) {
            Some((ni, off)) => Iter {
                nodes: &self.nodes,
                ni,
                off,
                remaining: self.len - index,
            },
            None => Iter {
                nodes: &self.nodes,
                ni: self.nodes.len(),
                off: 0,
                remaining: 0,
            },
        }
    }

    /// Elements tail to head.
    pub fn iter_rev(&self) -> RevIter<'_> {
        let ni = self.nodes.len().saturating_sub(1);
        RevIter {
            nodes: &self.nodes,
            ni,
            off: self.nodes.get(ni).map_or(0, |n| n.bytes()),
            remaining: self.len,
        }
    }

    /// Elements from `index` towards the head (empty when out of range).
    pub fn iter_rev_from(&self, index: usize) -> RevIter<'_> {
        match self.locate(index) {
            Some((ni, off)) => {
                let end = self
                    .nodes
                    .get(ni)
                    .map_or(off, |n| (off + n.at(off).1).min(n.bytes()));
                RevIter {
                    nodes: &self.nodes,
                    ni,
                    off: end,
                    remaining: index + 1,
                }
            }
            None => RevIter {
                nodes: &self.nodes,
                ni: 0,
                off: 0,
                remaining: 0,
            },
        }
    }

    /// Calls `f` on every element, head to tail.
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        for e in self.iter() {
            e.with_bytes(&mut f);
        }
    }

    /// Approximate heap bytes used (MEMORY USAGE).
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of::<List>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.nodes.iter().map(|n| n.capacity()).sum::<usize>()
    }
}

/// Elements of a list, head to tail.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    nodes: &'a VecDeque<Node>,
    ni: usize,
    off: usize,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;
    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let node = self.nodes.get(self.ni)?;
            if self.off < node.bytes() {
                let (e, size) = node.at(self.off);
                self.off += size;
                self.remaining -= 1;
                return Some(e);
            }
            self.ni += 1;
            self.off = 0;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// Elements of a list, tail to head.
#[derive(Debug, Clone)]
pub struct RevIter<'a> {
    nodes: &'a VecDeque<Node>,
    ni: usize,
    off: usize,
    remaining: usize,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = Elem<'a>;
    #[inline]
    fn next(&mut self) -> Option<Elem<'a>> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let node = self.nodes.get(self.ni)?;
            if self.off > 0 {
                let start = node.prev(self.off);
                self.off = start;
                self.remaining -= 1;
                return Some(node.at(start).0);
            }
            if self.ni == 0 {
                return None;
            }
            self.ni -= 1;
            self.off = self.nodes.get(self.ni).map_or(0, |n| n.bytes());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

#[cfg(test)]
mod tests;
