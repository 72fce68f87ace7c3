//! Snapshot mode of one database: the state a point-in-time image (BGSAVE)
//! keeps while clients go on changing the keys.
//!
//! At the instant T the database notes which of its slot-group tables hold
//! keys; each of them must reach the image exactly as it was at T. Two
//! things write a table out: the background task, one table per step, and
//! any change to a key of a table not written yet, which first serializes
//! the whole table ("copy before write", at the granularity of a group of
//! 64 slots). FLUSHDB hands the tables still owed to the image over
//! ([`DbSnapshot::detach`]) instead of serializing them on the spot.
//!
//! The output is a run of RDB entries (optional EXPIRETIME_MS, type byte,
//! key, value body) behind a SELECTDB of the database index at T, so every
//! buffer taken out is a self-contained piece of an RDB file body.

use super::keyspace::{SlotTable, GROUPS};
use crate::persistence::rdb::codec::write_len;
use crate::persistence::rdb::file::{encode_entry, OP_EXPIRETIME_MS, OP_SELECTDB};

/// Words of the "written out" bitmap.
const WORDS: usize = GROUPS.div_ceil(64);

/// What a database in snapshot mode keeps (see the module documentation).
#[derive(Debug)]
pub struct DbSnapshot {
    /// Bit per slot group: set once the group's keys as of T are in the
    /// output (or the group had none at T).
    done: [u64; WORDS],
    /// Groups whose bit is still clear.
    pending: usize,
    /// Where the background walk looks for the next pending group.
    cursor: usize,
    /// The database index the image files the keys under (its index at T:
    /// SWAPDB moves the state along with the keys).
    db_index: usize,
    /// T, Unix ms: keys expired by then are left out.
    at: u64,
    /// `rdbcompression` at T.
    compress: bool,
    /// Serialized entries not yet taken (starts with SELECTDB when not
    /// empty).
    out: Vec<u8>,
    /// Tables a flush removed before they were written out.
    detached: Vec<SlotTable>,
    /// Keys serialized and not yet reported by [`DbSnapshot::take_written`].
    written: u64,
    /// Scratch buffer of the value encoder.
    tmp: Vec<u8>,
}

impl DbSnapshot {
    /// Snapshot state for database `db_index` at T = `at` (Unix ms), where
    /// `has_table(g)` tells whether group `g` holds keys now.
    pub fn new(
        db_index: usize,
        at: u64,
        compress: bool,
        has_table: impl Fn(usize) -> bool,
    ) -> Self {
        let mut done = [0u64; WORDS];
        let mut pending = 0;
        for g in 0..GROUPS {
            if has_table(g) {
                pending += 1;
            } else {
                done[g / 64] |= 1 << (g % 64);
            }
        }
        DbSnapshot {
            done,
            pending,
            cursor: 0,
            db_index,
            at,
            compress,
            out: Vec::new(),
            detached: Vec::new(),
            written: 0,
            tmp: Vec::new(),
        }
    }

    /// Whether group `g` is already in the output.
    #[inline]
    pub fn is_done(&self, g: usize) -> bool {
        self.done
            .get(g / 64)
            .is_none_or(|w| w & (1 << (g % 64)) != 0)
    }

    fn mark_done(&mut self, g: usize) {
        if let Some(w) = self.done.get_mut(g / 64) {
            if *w & (1 << (g % 64)) == 0 {
                *w |= 1 << (g % 64);
                self.pending -= 1;
            }
        }
    }

    /// Serializes `table` (group `g`, as of T) unless already done, and
    /// marks the group done.
    pub fn write_group(&mut self, g: usize, table: Option<&SlotTable>) {
        if self.is_done(g) {
            return;
        }
        if let Some(t) = table {
            self.serialize(t);
        }
        self.mark_done(g);
    }

    /// Appends every entry of `table` not expired at T.
    fn serialize(&mut self, table: &SlotTable) {
        if table.keys.is_empty() {
            return;
        }
        if self.out.is_empty() {
            self.out.push(OP_SELECTDB);
            write_len(&mut self.out, self.db_index as u64);
        }
        let with_ttl = !table.expires.is_empty();
        for e in table.keys.entries() {
            if with_ttl {
                if let Some(&at) = table.expires.get(e.key.as_slice()) {
                    if at <= self.at {
                        continue;
                    }
                    self.out.push(OP_EXPIRETIME_MS);
                    self.out.extend_from_slice(&at.to_le_bytes());
                }
            }
            encode_entry(
                e.key.as_slice(),
                &e.value,
                self.compress,
                &mut self.tmp,
                &mut self.out,
            );
            self.written += 1;
        }
    }

    /// A flush is about to drop every table: `take(g)` removes group `g`'s
    /// table; those still owed to the image are kept here for the
    /// background task, and every group counts as done (keys added after
    /// the flush are not part of the image).
    pub fn detach(&mut self, mut take: impl FnMut(usize) -> Option<Box<SlotTable>>) {
        for g in 0..GROUPS {
            if !self.is_done(g) {
                if let Some(t) = take(g) {
                    self.detached.push(*t);
                }
                self.mark_done(g);
            }
        }
    }

    /// One step of the background walk: serializes one detached table or
    /// the next pending group (`table(g)` gives group `g`'s table).
    /// Returns false when nothing is left to write.
    pub fn step<'a>(&mut self, table: impl Fn(usize) -> Option<&'a SlotTable>) -> bool {
        if let Some(t) = self.detached.pop() {
            self.serialize(&t);
            return true;
        }
        if self.pending == 0 {
            return false;
        }
        while self.cursor < GROUPS && self.is_done(self.cursor) {
            self.cursor += 1;
        }
        let g = self.cursor;
        if g >= GROUPS {
            // Unreachable while `pending` counts clear bits.
            self.pending = 0;
            return false;
        }
        self.write_group(g, table(g));
        true
    }

    /// Whether everything owed to the image was serialized.
    pub fn finished(&self) -> bool {
        self.pending == 0 && self.detached.is_empty()
    }

    /// Bytes of output waiting.
    pub fn out_len(&self) -> usize {
        self.out.len()
    }

    /// Takes the output (a SELECTDB and entries; empty if none).
    pub fn take_out(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Keys serialized since the last call.
    pub fn take_written(&mut self) -> u64 {
        std::mem::take(&mut self.written)
    }

    /// The database index the image uses.
    pub fn db_index(&self) -> usize {
        self.db_index
    }
}
