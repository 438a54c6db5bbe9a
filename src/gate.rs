//! [`Gated`]: a value with a gate, for bindings that close a shared object while other threads
//! may still be calling it (the C ABI's `_close_handle`; README, "C API conventions": closing
//! and freeing are two steps).
//!
//! # Protocol (the invariant the code keeps)
//! * A call enters through [`Gated::get`]: one `Acquire` load of `closed`, which only the
//!   closer writes. Entering writes nothing shared (a lock or a reference count would be one
//!   cache line written by every calling thread).
//! * [`Gated::close`] swaps `closed` to true; the first closer gets `true` and then closes the
//!   value itself (waking its waiters: the value's own close protocol, e.g. `LogStore::close`).
//! * A call that passed the gate before the swap runs to its end on a value that is still
//!   alive: the gate never frees anything. Freeing is the owner's, once no call can be in
//!   flight (a join, a garbage collector's finalizer), or, for a call blocked in a wait, once
//!   that call dropped its own reference (the C ABI's counted handles are `Arc<Gated<T>>`).
//!
//! `tests/loom_log.rs` checks a close racing a call and a waiter, and a free racing a waiter.

use crate::sync::{AtomicBool, Ordering};

/// A value and its gate. `repr(C)` with the value first, so a pointer to a `Gated<T>` is a
/// pointer to its `T` (the C ABI hands out one and reads the other).
#[repr(C)]
#[derive(Debug)]
pub struct Gated<T> {
    value: T,
    closed: AtomicBool,
}

impl<T> Gated<T> {
    /// An open gate around `value`.
    pub fn new(value: T) -> Self {
        Gated {
            value,
            closed: AtomicBool::new(false),
        }
    }

    /// The value, unless the gate is closed.
    #[inline]
    pub fn get(&self) -> Option<&T> {
        if self.is_closed() {
            None
        } else {
            Some(&self.value)
        }
    }

    /// Whether [`close`](Self::close) was called.
    #[inline]
    pub fn is_closed(&self) -> bool {
        // Acquire: pairs with close's swap, so a refused caller sees what the closer did
        // before closing. A plain load on x86.
        self.closed.load(Ordering::Acquire)
    }

    /// Closes the gate; `true` for the first call (which should then close the value).
    pub fn close(&self) -> bool {
        // AcqRel: one closer wins; it and later refused callers are ordered after earlier ones.
        !self.closed.swap(true, Ordering::AcqRel)
    }

    /// The value whatever the gate says (for closing it, and for a free once no call is left).
    pub fn value(&self) -> &T {
        &self.value
    }
}
