//! Entry allocation. Every entry is allocated by [`new_entry`] and freed by [`free_entry`].
//!
//! Outside loom, freed entry blocks are recycled through *magazines* (the slab allocator's
//! scheme): each thread keeps a small stack of free blocks per layout; a thread whose stack
//! fills moves a magazine of [`MAG`] blocks to a global depot, and a thread whose
//! stack is empty takes one from there. Entries are freed in batches by whichever thread runs
//! the epoch collector's deferred functions (often a reader, not the appender), so the depot
//! is what brings the blocks back to the threads that push. The depot is a mutex taken once
//! per magazine with `try_lock` only: a thread that finds it busy uses the system allocator
//! instead, so a push never waits for another thread here. Profiles had glibc's frees and
//! mallocs at close to half of the append time (batches of frees overflow its per-thread
//! cache). Memory held: at most `2 * MAG` blocks per thread and `DEPOT_MAX` magazines per
//! layout (16,384 blocks; 2.4 MB for log lines). The depot is sized for a ring of the default
//! 10,000 lines turning over in bursts: with 16 magazines, 40 % of the blocks a 2-thread burst
//! needed came from the system allocator, with 256 about 2 %.
//!
//! Under loom the cache is skipped ([`LOOM`]): it is thread-local plain memory that the model
//! would not see, so entries go straight to the allocator.

use super::Entry;
use crate::sync::LOOM;
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};

/// A new, still private entry holding `value` (sequence 0 until the push sets it).
pub(super) fn new_entry<T>(value: T) -> *mut Entry<T> {
    let p = alloc_block(std::alloc::Layout::new::<Entry<T>>()) as *mut Entry<T>;
    // SAFETY: `p` is a fresh block with the size and alignment of `Entry<T>`.
    unsafe {
        p.write(Entry {
            seq: 0,
            bytes: 0,
            value,
        })
    };
    p
}

/// Drops the entry's value and frees its block.
///
/// # Safety
/// `p` came from [`new_entry`], is not reachable by any other thread, and is freed once.
pub(super) unsafe fn free_entry<T>(p: *mut Entry<T>) {
    // SAFETY: per the contract, the entry is live and ours alone.
    unsafe {
        std::ptr::drop_in_place(p);
        free_block(p as *mut u8, std::alloc::Layout::new::<Entry<T>>());
    }
}

/// Blocks per magazine.
pub(super) const MAG: usize = 64;

mod cache {
    use super::MAG;
    use std::alloc::{dealloc, Layout};
    use std::sync::Mutex;

    /// Magazines kept per layout in the depot.
    const DEPOT_MAX: usize = 256;
    /// Layouts cached (one per entry type in use; others go to the allocator).
    const MAX_LAYOUTS: usize = 4;

    /// A free block (owned by whoever holds it).
    pub(super) struct Block(pub(super) *mut u8);
    // SAFETY: a free block is plain memory owned by its holder; moving it to another thread
    // moves that ownership.
    unsafe impl Send for Block {}

    type Magazine = Vec<Block>;

    // A plain std mutex: a `static` (loom's locks are not `const`), outside what a model sees,
    // and only ever `try_lock`ed (a poisoned or busy depot means "use the allocator").
    static DEPOT: Mutex<Vec<(Layout, Vec<Magazine>)>> = Mutex::new(Vec::new());

    fn free_all(l: Layout, blocks: impl IntoIterator<Item = Block>) {
        for b in blocks {
            // SAFETY: every cached block came from `alloc(l)` and is owned by its holder.
            unsafe { dealloc(b.0, l) };
        }
    }

    /// Moves `mag` to the depot, or frees it if the depot is busy or full.
    fn give(l: Layout, mag: Magazine) {
        if let Ok(mut d) = DEPOT.try_lock() {
            let idx = match d.iter().position(|(x, _)| *x == l) {
                Some(i) => Some(i),
                None if d.len() < MAX_LAYOUTS => {
                    d.push((l, Vec::new()));
                    Some(d.len() - 1)
                }
                None => None,
            };
            if let Some(i) = idx {
                if d[i].1.len() < DEPOT_MAX {
                    d[i].1.push(mag);
                    return;
                }
            }
        }
        free_all(l, mag);
    }

    /// A full magazine from the depot, if one is there and the depot is free.
    fn take(l: Layout) -> Option<Magazine> {
        let mut d = DEPOT.try_lock().ok()?;
        d.iter_mut().find(|(x, _)| *x == l)?.1.pop()
    }

    pub(super) struct Local(Vec<(Layout, Vec<Block>)>);

    impl Local {
        /// The stack for `l` (a thread caches one or two layouts: the first is checked
        /// inline, the rest out of line, as this runs twice per push).
        #[inline]
        fn stack(&mut self, l: Layout) -> Option<&mut Vec<Block>> {
            match self.0.first() {
                Some((x, _)) if *x == l => Some(&mut self.0[0].1),
                _ => self.stack_slow(l),
            }
        }

        #[cold]
        #[inline(never)]
        fn stack_slow(&mut self, l: Layout) -> Option<&mut Vec<Block>> {
            let i = match self.0.iter().position(|(x, _)| *x == l) {
                Some(i) => i,
                None if self.0.len() < MAX_LAYOUTS => {
                    self.0.push((l, Vec::with_capacity(2 * MAG)));
                    self.0.len() - 1
                }
                None => return None,
            };
            Some(&mut self.0[i].1)
        }

        pub(super) fn pop(&mut self, l: Layout) -> Option<*mut u8> {
            let st = self.stack(l)?;
            if st.is_empty() {
                // Move the blocks into our stack (its capacity stays 2 * MAG: no regrowth).
                st.append(&mut take(l)?);
            }
            let b = st.pop()?;
            // The next pop's block is usually cold (freed by a batch, often on another
            // core): start loading it for writing now, so the next push does not wait for
            // it (profiles had the first locked instruction after writing an entry
            // waiting for those stores).
            if let Some(next) = st.last() {
                let mut off = 0;
                while off < l.size() {
                    crate::ring::prefetch::prefetch(next.0.wrapping_add(off));
                    off += 64;
                }
            }
            Some(b.0)
        }

        /// Keeps `p`; false if this layout is not cached (the caller frees it).
        pub(super) fn push(&mut self, l: Layout, p: *mut u8) -> bool {
            let Some(st) = self.stack(l) else {
                return false;
            };
            st.push(Block(p));
            if st.len() >= 2 * MAG {
                // Exactly MAG blocks in a MAG-capacity vector (one small allocation).
                let mut mag = Magazine::with_capacity(MAG);
                mag.extend(st.drain(MAG..));
                give(l, mag);
            }
            true
        }
    }

    impl Drop for Local {
        fn drop(&mut self) {
            // Thread exit: hand full magazines to the depot, free the rest.
            for (l, mut st) in self.0.drain(..) {
                while st.len() >= MAG {
                    let mag: Magazine = st.drain(st.len() - MAG..).collect();
                    give(l, mag);
                }
                free_all(l, st);
            }
        }
    }

    thread_local! {
        pub(super) static LOCAL: std::cell::RefCell<Local> =
            const { std::cell::RefCell::new(Local(Vec::new())) };
    }
}

/// A block for `l` (`l.size() > 0`): a recycled one, or a fresh allocation.
pub(super) fn alloc_block(l: Layout) -> *mut u8 {
    if !LOOM {
        let cached = cache::LOCAL
            .try_with(|c| c.borrow_mut().pop(l))
            .ok()
            .flatten();
        if let Some(p) = cached {
            return p;
        }
    }
    // SAFETY: `l` has a non-zero size (entries contain a u64).
    let p = unsafe { alloc(l) };
    if p.is_null() {
        handle_alloc_error(l);
    }
    p
}

/// Recycles a block, or returns it to the allocator.
///
/// # Safety
/// `p` came from [`alloc_block`] with the same layout, holds no live value, and is not
/// used after this call.
pub(super) unsafe fn free_block(p: *mut u8, l: Layout) {
    if !LOOM {
        let kept = cache::LOCAL
            .try_with(|c| c.borrow_mut().push(l, p))
            .unwrap_or(false);
        if kept {
            return;
        }
    }
    // SAFETY: per the contract, `p` was allocated with layout `l` and is unused.
    unsafe { dealloc(p, l) };
}
