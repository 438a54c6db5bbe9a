//! [`ArcSlot`]: an atomically replaceable `Arc<T>` (the RCU tables' snapshot slot).
//!
//! In production it is `arc-swap` (wait-free loads; it keeps a snapshot alive while any reader
//! holds it). `arc-swap` is not loom-instrumented, so under loom the slot is a plain
//! `AtomicPtr` that keeps every published snapshot until the slot is dropped (a model makes a
//! handful of writes), and loom checks the orderings of the code built on it.
use std::sync::Arc;

#[cfg(not(loom))]
pub(crate) use self::arc_swap_slot::ArcSlot;
#[cfg(loom)]
pub(crate) use self::model_slot::ArcSlot;

#[cfg(not(loom))]
mod arc_swap_slot {
    use arc_swap::ArcSwap;
    use std::sync::Arc;

    /// An atomically replaceable `Arc<T>`: `arc-swap`.
    pub(crate) struct ArcSlot<T>(ArcSwap<T>);

    impl<T> ArcSlot<T> {
        pub(crate) fn new(v: Arc<T>) -> Self {
            ArcSlot(ArcSwap::new(v))
        }
        /// Runs `f` on the current value (no reference-count write).
        #[inline]
        pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
            f(&self.0.load())
        }
        pub(crate) fn load_full(&self) -> Arc<T> {
            self.0.load_full()
        }
        /// Publishes `new` if the slot still holds `cur`.
        pub(crate) fn cas(&self, cur: &Arc<T>, new: Arc<T>) -> bool {
            let prev = self.0.compare_and_swap(cur, new);
            Arc::ptr_eq(&prev, cur)
        }
    }
}

#[cfg(loom)]
mod model_slot {
    use crate::sync::lock::Mutex;
    use crate::sync::{AtomicPtr, Ordering};
    use std::sync::Arc;

    /// The loom stand-in for arc-swap: an `AtomicPtr` to a value that `retired` keeps alive
    /// until the slot is dropped.
    pub(crate) struct ArcSlot<T> {
        ptr: AtomicPtr<T>,
        retired: Mutex<Vec<Arc<T>>>,
    }

    impl<T> ArcSlot<T> {
        pub(crate) fn new(v: Arc<T>) -> Self {
            let ptr = AtomicPtr::new(Arc::as_ptr(&v) as *mut T);
            ArcSlot {
                ptr,
                retired: Mutex::new(vec![v]),
            }
        }
        pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
            f(&self.load_full())
        }
        pub(crate) fn load_full(&self) -> Arc<T> {
            // Acquire: pairs with the AcqRel CAS that published the pointer, so the value's
            // contents are visible.
            let p = self.ptr.load(Ordering::Acquire);
            // SAFETY: every pointer stored in `ptr` is `Arc::as_ptr` of an Arc held in
            // `retired` until the slot is dropped, so the allocation is live and the strong
            // count is at least 1.
            unsafe {
                Arc::increment_strong_count(p);
                Arc::from_raw(p)
            }
        }
        pub(crate) fn cas(&self, cur: &Arc<T>, new: Arc<T>) -> bool {
            let np = Arc::as_ptr(&new) as *mut T;
            self.retired.lock().push(new);
            // AcqRel: release publishes the new value, acquire orders us after the writer we
            // replace.
            self.ptr
                .compare_exchange(
                    Arc::as_ptr(cur) as *mut T,
                    np,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        }
    }
}
