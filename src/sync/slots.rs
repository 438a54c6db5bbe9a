//! [`SlotArray`]: a fixed array of slots that starts all zeros, allocated fallibly.
//!
//! In production the array is asked of the allocator zeroed, with 16-byte alignment, and
//! aligned to `align_of::<T>()` by hand: `alloc_zeroed` with a larger alignment allocates and
//! then `memset`s, which commits every page at once (1 GiB for the largest event queue); with 16
//! bytes it is `calloc`, which gets fresh zero pages from the kernel for a large array,
//! committed as first touched. loom's atomics and cells are not plain memory, so under loom
//! the slots are built one by one (models are tiny).
#[cfg(loom)]
pub(crate) use self::model::SlotArray;
#[cfg(not(loom))]
pub(crate) use self::zeroed::SlotArray;

#[cfg(not(loom))]
mod zeroed {
    use std::alloc::Layout;
    use std::ptr::NonNull;

    /// `len` slots of `T`, all zero bytes at the start, aligned to `align_of::<T>()`.
    pub(crate) struct SlotArray<T> {
        /// What the allocator returned, and its layout (to free it).
        base: NonNull<u8>,
        layout: Layout,
        /// `base` rounded up to `align_of::<T>()`: `len` slots.
        first: NonNull<T>,
        len: usize,
    }

    // SAFETY: the array owns its slots like a `Box<[T]>` does.
    unsafe impl<T: Send> Send for SlotArray<T> {}
    // SAFETY: as above; `&SlotArray` only gives `&[T]`.
    unsafe impl<T: Sync> Sync for SlotArray<T> {}

    impl<T> SlotArray<T> {
        /// `len` slots, each all zero bytes (`fresh` is for loom and is not called here);
        /// `None` if the size overflows or the allocator refuses.
        ///
        /// # Safety
        /// All-zero bytes must be a valid `T` (the value `fresh` would return), and `T` must
        /// have no drop glue (the slots are freed without dropping them).
        pub(crate) unsafe fn zeroed(len: usize, _fresh: impl FnMut() -> T) -> Option<Self> {
            let align = std::mem::align_of::<T>();
            let size = std::mem::size_of::<T>()
                .checked_mul(len)?
                .checked_add(align)?;
            let layout = Layout::from_size_align(size, 16).ok()?;
            // SAFETY: the layout has a non-zero size (at least `align`).
            let base = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })?;
            // The padding to the next `align` boundary, from the address (`align_offset` may
            // give up and return usize::MAX, which would not be sound to rely on here).
            let addr = base.as_ptr() as usize;
            let pad = (align - addr % align) % align;
            // SAFETY: `pad < align` and the allocation has `align` spare bytes, so the aligned
            // start and `len` slots after it stay inside it.
            let first = unsafe { base.add(pad) }.cast::<T>();
            Some(SlotArray {
                base,
                layout,
                first,
                len,
            })
        }
    }

    impl<T> std::ops::Deref for SlotArray<T> {
        type Target = [T];
        fn deref(&self) -> &[T] {
            // SAFETY: `first` is aligned and followed by `len` slots inside our allocation,
            // all-zero bytes are a valid `T` (the contract of `zeroed`), and slots are only
            // ever accessed through `&T`.
            unsafe { std::slice::from_raw_parts(self.first.as_ptr(), self.len) }
        }
    }

    impl<T> Drop for SlotArray<T> {
        fn drop(&mut self) {
            // SAFETY: `base` came from `alloc_zeroed(self.layout)` and is freed once; `T` has
            // no drop glue (the contract of `zeroed`).
            unsafe { std::alloc::dealloc(self.base.as_ptr(), self.layout) };
        }
    }
}

#[cfg(loom)]
mod model {
    /// The loom version: a boxed slice built with `fresh`.
    pub(crate) struct SlotArray<T>(Box<[T]>);

    impl<T> SlotArray<T> {
        /// `len` slots made by `fresh`.
        ///
        /// # Safety
        /// None here; the contract is the production version's.
        pub(crate) unsafe fn zeroed(len: usize, fresh: impl FnMut() -> T) -> Option<Self> {
            Some(SlotArray(std::iter::repeat_with(fresh).take(len).collect()))
        }
    }

    impl<T> std::ops::Deref for SlotArray<T> {
        type Target = [T];
        fn deref(&self) -> &[T] {
            &self.0
        }
    }
}
