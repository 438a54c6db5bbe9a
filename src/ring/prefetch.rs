//! Cache-line prefetch hints for the ring's pushes, scans and batch frees.

/// `_mm_prefetch` hints: for writing and for reading. The write hint becomes `prefetchw` only
/// when the build enables the `prfchw` target feature; the default x86_64 target gets
/// `prefetcht0` for both (what every number in this crate's docs was measured with; a
/// `prefetchw` build measured the same on the 2-thread burst).
const FOR_WRITE: i32 = 7;
const FOR_READ: i32 = 3;

/// A hint to start loading the cache line at `p` (`HINT` is [`FOR_WRITE`] or [`FOR_READ`]).
#[inline(always)]
fn prefetch_hint<const HINT: i32, P>(p: *const P) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and has no effect on program state,
    // whatever the address; SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<HINT>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Starts loading the cache line at `p` for writing.
#[inline(always)]
pub(super) fn prefetch<P>(p: *const P) {
    prefetch_hint::<FOR_WRITE, P>(p)
}

/// Starts loading the cache line at `p` for reading.
#[inline(always)]
pub(super) fn prefetch_read<P>(p: *const P) {
    prefetch_hint::<FOR_READ, P>(p)
}
