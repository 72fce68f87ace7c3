//! The global allocator: mimalloc, with a count of the bytes in use, which
//! INFO reports as `used_memory` (and `maxmemory` will compare against).
//! The count is of usable sizes (what mimalloc really hands out, size class
//! rounding included), as Redis counts jemalloc's usable sizes.
//!
//! Each thread adds to its own cache-line-sized counter (uncontended atomic
//! adds), and the total is the sum of all counters. Memory freed by another
//! thread than the one that allocated it makes one counter go down and
//! another up; the sum stays exact.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use mimalloc::MiMalloc;

const SLOTS: usize = 256;

#[repr(align(64))]
struct Slot(AtomicI64);

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: Slot = Slot(AtomicI64::new(0));
static COUNTERS: [Slot; SLOTS] = [ZERO; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static MY_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[inline]
fn slot() -> usize {
    MY_SLOT
        .try_with(|s| {
            let v = s.get();
            if v != usize::MAX {
                return v;
            }
            let n = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS;
            s.set(n);
            n
        })
        .unwrap_or(0)
}

extern "C" {
    /// mimalloc's usable size of a block it allocated (from the mimalloc
    /// library the `mimalloc` crate links).
    fn mi_usable_size(p: *const std::ffi::c_void) -> usize;
    fn mi_malloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_zalloc(size: usize) -> *mut std::ffi::c_void;
    fn mi_realloc(p: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
}

/// Alignment every mimalloc block has: requests that need no more go to
/// `mi_malloc`, which packs them into exact size classes. The `mimalloc`
/// crate sends every request through `mi_malloc_aligned`, which puts a
/// 48-byte block in the 64-byte class (and 24 in 32): a third more memory
/// for every key table entry.
const PLAIN_ALIGN: usize = 8;

/// Usable size of a block from mimalloc.
#[inline]
unsafe fn usable(p: *mut u8) -> i64 {
    // SAFETY (caller): `p` is a live block allocated by mimalloc.
    mi_usable_size(p as *const std::ffi::c_void) as i64
}

/// mimalloc with byte accounting.
#[derive(Debug)]
pub struct CountingMiMalloc;

// SAFETY: every method forwards to mimalloc with the same arguments and only
// adds bookkeeping on atomics.
unsafe impl GlobalAlloc for CountingMiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = if layout.align() <= PLAIN_ALIGN {
            mi_malloc(layout.size()) as *mut u8
        } else {
            MiMalloc.alloc(layout)
        };
        if !p.is_null() {
            COUNTERS[slot()].0.fetch_add(usable(p), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let n = usable(ptr);
        MiMalloc.dealloc(ptr, layout);
        COUNTERS[slot()].0.fetch_sub(n, Ordering::Relaxed);
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = if layout.align() <= PLAIN_ALIGN {
            mi_zalloc(layout.size()) as *mut u8
        } else {
            MiMalloc.alloc_zeroed(layout)
        };
        if !p.is_null() {
            COUNTERS[slot()].0.fetch_add(usable(p), Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr);
        let p = if layout.align() <= PLAIN_ALIGN {
            mi_realloc(ptr as *mut std::ffi::c_void, new_size) as *mut u8
        } else {
            MiMalloc.realloc(ptr, layout, new_size)
        };
        if !p.is_null() {
            COUNTERS[slot()]
                .0
                .fetch_add(usable(p) - old, Ordering::Relaxed);
        }
        p
    }
}

/// Bytes currently allocated by the process through the global allocator.
/// Only the counters handed out so far are read (slot 0 always: it is the
/// fallback of threads whose slot is gone), so the cost follows the number
/// of threads rather than [`SLOTS`] (the memory limit reads it before
/// every command).
pub fn used_memory() -> u64 {
    let used = NEXT_SLOT.load(Ordering::Relaxed).clamp(1, SLOTS);
    COUNTERS[..used]
        .iter()
        .map(|c| c.0.load(Ordering::Relaxed))
        .sum::<i64>()
        .max(0) as u64
}

/// Resident set size from /proc/self/statm, in bytes.
pub fn rss() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    pages * page
}
