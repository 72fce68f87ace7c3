//! The replication backlog: the last `repl-backlog-size` bytes of the
//! replication stream, kept so that a replica that lost its link can go on
//! from its offset (`PSYNC replid offset`) instead of taking a full copy.
//!
//! Offsets are those of the whole stream since the replication id began
//! (`master_repl_offset`): byte `o` of the stream is kept while
//! `first_offset() <= o < end_offset()`.

/// A ring buffer of the stream's most recent bytes.
#[derive(Debug)]
pub struct Backlog {
    /// Capacity in bytes (`repl-backlog-size`, at least 1).
    size: usize,
    /// The ring; grows up to `size` as bytes arrive.
    buf: Vec<u8>,
    /// Where the next byte goes in `buf` once it is full.
    head: usize,
    /// Stream offset just past the last byte appended
    /// (`master_repl_offset`).
    end: u64,
    /// Bytes kept (`repl_backlog_histlen`).
    histlen: usize,
}

impl Backlog {
    /// An empty backlog of `size` bytes whose stream is at offset `end`
    /// (the next byte appended is byte `end`).
    pub fn new(size: usize, end: u64) -> Self {
        Backlog {
            size: size.max(1),
            buf: Vec::new(),
            head: 0,
            end,
            histlen: 0,
        }
    }

    /// Capacity in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Offset just past the last byte (`master_repl_offset`).
    pub fn end_offset(&self) -> u64 {
        self.end
    }

    /// Offset of the oldest byte kept (`repl_backlog_first_byte_offset`,
    /// which Redis reports as that offset plus one).
    pub fn first_offset(&self) -> u64 {
        self.end - self.histlen as u64
    }

    /// Bytes kept (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.histlen
    }

    /// Appends `bytes` to the stream, dropping the oldest bytes past the
    /// capacity.
    pub fn append(&mut self, mut bytes: &[u8]) {
        self.end += bytes.len() as u64;
        if bytes.len() >= self.size {
            // Only the last `size` bytes stay.
            bytes = &bytes[bytes.len() - self.size..];
            self.buf.clear();
            self.buf.extend_from_slice(bytes);
            self.head = 0;
            self.histlen = self.size;
            return;
        }
        // Fill the ring up to its capacity first.
        if self.buf.len() < self.size {
            let room = self.size - self.buf.len();
            let n = room.min(bytes.len());
            self.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            self.histlen += n;
            self.head = self.buf.len() % self.size;
        }
        while !bytes.is_empty() {
            let n = (self.size - self.head).min(bytes.len());
            self.buf[self.head..self.head + n].copy_from_slice(&bytes[..n]);
            self.head = (self.head + n) % self.size;
            bytes = &bytes[n..];
            self.histlen = (self.histlen + n).min(self.size);
        }
    }

    /// The bytes from stream offset `from` to the end, as (up to) two
    /// slices in order, or `None` when `from` is not in the backlog (too
    /// old, or past the end): a partial resync can start there only when
    /// this is `Some`.
    pub fn since(&self, from: u64) -> Option<(&[u8], &[u8])> {
        if from < self.first_offset() || from > self.end {
            return None;
        }
        let want = (self.end - from) as usize;
        if want == 0 {
            return Some((&[], &[]));
        }
        // The ring's oldest byte is at `head` once it is full, else at 0.
        let oldest = if self.buf.len() == self.size {
            self.head
        } else {
            0
        };
        let skip = self.histlen - want;
        let start = (oldest + skip) % self.size;
        if start + want <= self.buf.len() {
            Some((&self.buf[start..start + want], &[]))
        } else {
            let first = &self.buf[start..];
            let rest = want - first.len();
            Some((first, &self.buf[..rest]))
        }
    }

    /// Changes the capacity to `size` (CONFIG SET repl-backlog-size),
    /// keeping the most recent bytes that fit.
    pub fn resize(&mut self, size: usize) {
        let size = size.max(1);
        if size == self.size {
            return;
        }
        let keep = self.histlen.min(size);
        let mut kept = Vec::with_capacity(keep);
        if let Some((a, b)) = self.since(self.end - keep as u64) {
            kept.extend_from_slice(a);
            kept.extend_from_slice(b);
        }
        let end = self.end;
        *self = Backlog::new(size, end - keep as u64);
        self.append(&kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn joined(b: &Backlog, from: u64) -> Option<Vec<u8>> {
        b.since(from).map(|(x, y)| [x, y].concat())
    }

    #[test]
    fn keeps_the_last_bytes_with_their_offsets() {
        let mut b = Backlog::new(8, 100);
        assert_eq!(b.first_offset(), 100);
        assert_eq!(joined(&b, 100), Some(vec![]));
        b.append(b"abcde");
        assert_eq!(b.end_offset(), 105);
        assert_eq!(joined(&b, 102).unwrap(), b"cde");
        b.append(b"fghij");
        assert_eq!(b.histlen(), 8);
        assert_eq!(b.first_offset(), 102);
        assert_eq!(joined(&b, 102).unwrap(), b"cdefghij");
        assert_eq!(joined(&b, 101), None);
        assert_eq!(joined(&b, 111), None);
        b.append(b"0123456789xyz");
        assert_eq!(joined(&b, b.first_offset()).unwrap(), b"56789xyz");
        b.resize(4);
        assert_eq!(joined(&b, b.first_offset()).unwrap(), b"9xyz");
        assert_eq!(b.end_offset(), 123);
        b.resize(16);
        b.append(b"!");
        assert_eq!(joined(&b, 119).unwrap(), b"9xyz!");
    }

    proptest! {
        /// Against a model that keeps the whole stream: every offset in
        /// the backlog's range reads back the stream's bytes from there.
        #[test]
        fn reads_back_what_a_full_copy_holds(
            size in 1usize..64,
            start in 0u64..1000,
            pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..30),
            resize_at in proptest::option::of((0usize..30, 1usize..64)),
        ) {
            let mut b = Backlog::new(size, start);
            let mut all: Vec<u8> = Vec::new();
            for (i, p) in pieces.iter().enumerate() {
                if let Some((at, to)) = resize_at {
                    if at == i {
                        b.resize(to);
                    }
                }
                b.append(p);
                all.extend_from_slice(p);
                prop_assert_eq!(b.end_offset(), start + all.len() as u64);
                prop_assert!(b.histlen() <= b.size());
                prop_assert!(b.histlen() <= all.len());
                for from in b.first_offset()..=b.end_offset() {
                    let want = all[(from - start) as usize..].to_vec();
                    let got = joined(&b, from);
                    prop_assert_eq!(got, Some(want));
                }
                if b.first_offset() > start {
                    prop_assert_eq!(joined(&b, b.first_offset() - 1), None);
                }
            }
        }
    }
}
