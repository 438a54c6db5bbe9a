//! The one std/loom swap: every atomic, cell, lock, `Arc` and thread primitive the algorithms
//! use comes from here.
//!
//! Under `cfg(loom)` each item is loom's model-checked version, so the same algorithm code runs
//! in `tests/loom_*.rs` (`make loom`) and in production, without `cfg` attributes in the
//! algorithm files (tokio's `src/loom/` is the model). What differs between the two worlds is
//! written here, once:
//!
//! * atomics, [`fence`], [`spin_loop`], [`Arc`], [`thread`] (spawn, park, yield): loom's or std's;
//! * [`UnsafeCell`] with loom's closure API (`with`, `with_mut`) in both modes;
//! * [`Mutex`], [`Condvar`], [`RwLock`]: no poisoning in the API (the reason is in [`lock`]);
//! * [`ArcSlot`]: `arc-swap` in production, a loom-visible stand-in under loom;
//! * [`SlotArray`]: a zeroed, cache-line-aligned array from the allocator in production, built
//!   value by value under loom (loom's atomics are not plain memory);
//! * [`model_sc_fence`]: a `SeqCst` fence under loom only, where loom does not model the total
//!   order of `SeqCst` accesses (see `event/wait.rs`);
//! * [`LOOM`]: `true` under loom, for the sizes a model shrinks (histogram buckets, chunk
//!   sizes, spin budgets) so its state space stays small.
//!
//! `std::sync::Arc` stays in public signatures (a host's `Arc`); [`Arc`] here is for internal
//! sharing that loom should see.
//!
//! A `static` lock (a process-wide cache such as the ring's block depot) cannot be one of
//! these (loom's locks are not `const`); such a lock is plain `std`, used with `try_lock`
//! only, outside what a model sees.
#![allow(dead_code, unused_imports)]

mod arc_slot;
pub(crate) mod lock;
mod slots;

pub(crate) use arc_slot::ArcSlot;
pub(crate) use slots::SlotArray;

/// `true` when compiled for the loom models (`RUSTFLAGS="--cfg loom"`).
pub(crate) const LOOM: bool = cfg!(loom);

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::hint::spin_loop;
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
    pub(crate) use loom::thread;
}

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::hint::spin_loop;
    pub(crate) use std::sync::atomic::{
        fence, AtomicBool, AtomicI32, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
    pub(crate) use std::thread;

    /// `std::cell::UnsafeCell` with loom's closure API.
    #[derive(Debug, Default)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(v: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(v))
        }
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

pub(crate) use imp::{
    fence, spin_loop, thread, Arc, AtomicBool, AtomicI32, AtomicPtr, AtomicU32, AtomicU64,
    AtomicUsize, Ordering, UnsafeCell,
};
pub(crate) use lock::{Condvar, Mutex, MutexGuard, RwLock};

/// A `SeqCst` fence under loom, nothing in production.
///
/// loom treats `SeqCst` loads, stores and read-modify-writes as acquire/release and does not
/// model their single total order S (tokio-rs/loom#180), which a store-buffering check between
/// two `SeqCst` accesses relies on. A fence it does model. Call this exactly where S orders the
/// real code, so a model takes that step as an axiom instead of reporting a lost wake-up the
/// real code cannot have (the protocol that needs it says so).
#[inline(always)]
pub(crate) fn model_sc_fence() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}
