//! Snapshot mode of one database: the state a point-in-time image (BGSAVE)
//! keeps while clients go on changing the keys.
//!
//! At the instant T the database notes which of its slot-group tables hold
//! keys; each of them must reach the image exactly as it was at T. The
//! background task writes out one such group per step. Until it reaches a
//! group, a change to one of the group's keys first writes that key's
//! entry as it was at T ("copy before write", per key) and puts the
//! entry's address in the group's skip set; keys created after T go in
//! the skip set too. When the walk reaches the group it writes every entry
//! not in the skip set, then drops the set. So a write during a save
//! copies one entry, not a group, and memory grows with the keys changed,
//! as a forked child's copy-on-write grows with the pages touched.
//!
//! Entry addresses identify keys safely: a table holds each entry in its
//! own allocation for the entry's whole life, and an address freed after
//! T can only come back for an entry created after T, which belongs in the
//! skip set anyway. FLUSHDB hands the tables still owed to the image over
//! ([`DbSnapshot::detach`]), with their skip sets.
//!
//! The output is a run of RDB entries (optional EXPIRETIME_MS, type byte,
//! key, value body) behind a SELECTDB of the database index at T, so every
//! buffer taken out is a self-contained piece of an RDB file body.

use hashbrown::HashSet;

use super::keyspace::{Entry, SlotTable, GROUPS};
use crate::persistence::rdb::codec::write_len;
use crate::persistence::rdb::file::{encode_entry, OP_EXPIRETIME_MS, OP_SELECTDB};

/// Words of the "written out" bitmap.
const WORDS: usize = GROUPS.div_ceil(64);

/// Entry addresses a group's walk leaves out.
type SkipSet = HashSet<usize>;

/// The identity of an entry: its address.
#[inline]
pub fn entry_id(e: &Entry) -> usize {
    e as *const Entry as usize
}

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
    /// Per group not written out yet: addresses of its entries already
    /// written or created after T (allocated on first use).
    skip: Vec<Option<Box<SkipSet>>>,
    /// Tables a flush removed before they were written out, with their
    /// skip sets.
    detached: Vec<(SlotTable, Option<Box<SkipSet>>)>,
    /// Keys serialized and not yet reported by [`DbSnapshot::take_written`].
    written: u64,
    /// Scratch buffer of the value encoder.
    tmp: Vec<u8>,
    /// The group the background walk is in the middle of.
    walk: Option<Walk>,
}

/// Progress of the background walk through one group, written a piece at
/// a time (a group can hold thousands of keys: writing it whole would keep
/// clients waiting for milliseconds).
#[derive(Debug)]
struct Walk {
    /// The group.
    g: usize,
    /// Entries of the table's iteration already looked at.
    pos: usize,
    /// A key was added to or removed from the group since the last piece:
    /// the table's order may have changed, so the next piece starts over
    /// (entries already written are in the skip set).
    restart: bool,
}

/// Entries one step of the walk writes at most.
const PIECE: usize = 256;

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
            skip: Vec::new(),
            detached: Vec::new(),
            written: 0,
            tmp: Vec::new(),
            walk: None,
        }
    }

    /// A key of group `g` is being added or removed (the table may
    /// reorganize): a walk in the middle of that group starts over.
    #[inline]
    pub fn layout_changed(&mut self, g: usize) {
        if let Some(w) = self.walk.as_mut() {
            if w.g == g {
                w.restart = true;
            }
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

    fn skip_set(&mut self, g: usize) -> &mut SkipSet {
        if self.skip.is_empty() {
            self.skip.resize_with(GROUPS, || None);
        }
        self.skip[g].get_or_insert_with(Default::default)
    }

    /// Copy before write: `key` of group `g` (whose table is `table`) is
    /// about to change or go. Writes its entry as of T unless the group
    /// is done or the entry was written or created after T.
    pub fn before_change(&mut self, g: usize, table: Option<&SlotTable>, key: &[u8]) {
        if self.is_done(g) {
            return;
        }
        let Some(t) = table else {
            return;
        };
        let Some(e) = t.keys.entry(key) else {
            return;
        };
        if !self.skip_set(g).insert(entry_id(e)) {
            return;
        }
        let exp = if t.expires.is_empty() {
            None
        } else {
            t.expires.get(key).copied()
        };
        self.write_entry(e, exp);
    }

    /// Entry `id` was created in group `g` after T: the walk leaves it out.
    pub fn created(&mut self, g: usize, id: usize) {
        if !self.is_done(g) {
            self.skip_set(g).insert(id);
        }
    }

    /// Serializes `table` (group `g`, as of T: every entry not in the
    /// group's skip set) unless already done, and marks the group done.
    pub fn write_group(&mut self, g: usize, table: Option<&SlotTable>) {
        if self.is_done(g) {
            return;
        }
        let skip = self.skip.get_mut(g).and_then(Option::take);
        if let Some(t) = table {
            self.serialize(t, skip.as_deref());
        }
        self.mark_done(g);
        if self.walk.as_ref().is_some_and(|w| w.g == g) {
            self.walk = None;
        }
    }

    /// Writes up to [`PIECE`] more entries of group `g` (its table as of
    /// now is `table`), going on from where the last piece stopped; marks
    /// the group done when its table has been looked at to the end.
    fn write_piece(&mut self, g: usize, table: Option<&SlotTable>) {
        let Some(t) = table else {
            self.mark_done(g);
            self.walk = None;
            return;
        };
        let mut pos = match self.walk.take() {
            Some(w) if w.g == g && !w.restart => w.pos,
            _ => 0,
        };
        let with_ttl = !t.expires.is_empty();
        let mut written = 0;
        let mut exhausted = true;
        for e in t.keys.entries().skip(pos) {
            if written == PIECE {
                exhausted = false;
                break;
            }
            pos += 1;
            // Written already (by a change or an earlier piece) or
            // created after T.
            if !self.skip_set(g).insert(entry_id(e)) {
                continue;
            }
            let exp = if with_ttl {
                t.expires.get(e.key.as_slice()).copied()
            } else {
                None
            };
            self.write_entry(e, exp);
            written += 1;
        }
        if exhausted {
            if let Some(s) = self.skip.get_mut(g) {
                *s = None;
            }
            self.mark_done(g);
        } else {
            self.walk = Some(Walk {
                g,
                pos,
                restart: false,
            });
        }
    }

    /// Appends one entry with expiry time `exp`, unless expired at T.
    fn write_entry(&mut self, e: &Entry, exp: Option<u64>) {
        if exp.is_some_and(|at| at <= self.at) {
            return;
        }
        if self.out.is_empty() {
            self.out.push(OP_SELECTDB);
            write_len(&mut self.out, self.db_index as u64);
        }
        if let Some(at) = exp {
            self.out.push(OP_EXPIRETIME_MS);
            self.out.extend_from_slice(&at.to_le_bytes());
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

    /// Appends every entry of `table` not in `skip`.
    fn serialize(&mut self, table: &SlotTable, skip: Option<&SkipSet>) {
        let with_ttl = !table.expires.is_empty();
        for e in table.keys.entries() {
            if skip.is_some_and(|s| s.contains(&entry_id(e))) {
                continue;
            }
            let exp = if with_ttl {
                table.expires.get(e.key.as_slice()).copied()
            } else {
                None
            };
            self.write_entry(e, exp);
        }
    }

    /// A flush is about to drop every table: `take(g)` removes group `g`'s
    /// table; those still owed to the image are kept here for the
    /// background task, and every group counts as done (keys added after
    /// the flush are not part of the image).
    pub fn detach(&mut self, mut take: impl FnMut(usize) -> Option<Box<SlotTable>>) {
        // A group walked in part: its skip set holds what was written, so
        // the detached table's walk leaves those out.
        self.walk = None;
        for g in 0..GROUPS {
            if !self.is_done(g) {
                let skip = self.skip.get_mut(g).and_then(Option::take);
                if let Some(t) = take(g) {
                    self.detached.push((*t, skip));
                }
                self.mark_done(g);
            }
        }
    }

    /// One step of the background walk: serializes one detached table or
    /// the next pending group (`table(g)` gives group `g`'s table).
    /// Returns false when nothing is left to write.
    pub fn step<'a>(&mut self, table: impl Fn(usize) -> Option<&'a SlotTable>) -> bool {
        if let Some((t, skip)) = self.detached.pop() {
            self.serialize(&t, skip.as_deref());
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
        self.write_piece(g, table(g));
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

    /// Takes the output, leaving `spare` (emptied) to write into next: the
    /// writer hands buffers back, so a snapshot reuses a few of them
    /// instead of allocating as many as the file is large.
    pub fn take_out_into(&mut self, mut spare: Vec<u8>) -> Vec<u8> {
        spare.clear();
        std::mem::replace(&mut self.out, spare)
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
