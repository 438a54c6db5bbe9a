//! `lfe_batch`: the one result object every query returns (ABI rule 5).
//!
//! A query makes one FFI call and gets one immutable, library-owned object: `count` records of
//! one `#[repr(C)]` type laid out flat at `records`, plus one byte buffer (`bytes`) that the
//! records' [`lfe_bytes`] fields point into. `kind` names the record type (`LFE_REC_*`) and
//! `record_size` its size, so a binding can check it reads what it expects. `next` and `missed`
//! carry per-query metadata (for a cursor read: the next cursor and the number of records lost to
//! eviction; each query documents its use). Everything stays valid and unchanged until
//! `lfe_batch_free`, which can be called from any thread.
//!
//! Rust side: a query fills a [`BatchBuilder`] with records whose byte fields are offsets into
//! the builder's buffer; [`BatchBuilder::finish`] freezes the buffer and rebases every offset to a
//! real pointer ([`Record::rebase`]). Records and bytes live in one heap object whose first field
//! is the public header, so `lfe_batch_free` can recover and drop the whole allocation.

use std::any::Any;
use std::ffi::c_void;

/// A byte string inside an `lfe_batch` (or a caller's input): `len` bytes at `ptr`, not
/// NUL-terminated, any bytes (not necessarily UTF-8). `ptr` may be NULL when `len` is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_bytes {
    pub ptr: *const u8,
    pub len: usize,
}

impl lfe_bytes {
    /// The empty byte string.
    pub const EMPTY: lfe_bytes = lfe_bytes {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// Turns a builder offset (stored in `ptr`) into a pointer into `base`.
    #[inline]
    pub fn rebase(&mut self, base: *const u8) {
        let off = self.ptr as usize;
        self.ptr = if self.len == 0 {
            std::ptr::null()
        } else {
            base.wrapping_add(off)
        };
    }

    /// Views an `lfe_bytes` of an export's input as a slice, by the rules of
    /// [`crate::args::bytes`].
    pub(crate) fn input<'a>(&self) -> crate::guard::Res<&'a [u8]> {
        crate::args::bytes(self.ptr, self.len)
    }

    /// Views `len` bytes at `ptr` as a slice (NULL with len 0 is empty), for Rust callers that
    /// read a batch.
    ///
    /// # Safety
    /// When `ptr` is not NULL, it must point to `len` readable bytes that stay valid and
    /// unchanged for the returned lifetime (true of a record's bytes until its batch is freed).
    pub unsafe fn as_slice<'a>(&self) -> Result<&'a [u8], i32> {
        if self.ptr.is_null() {
            return if self.len == 0 {
                Ok(&[])
            } else {
                Err(crate::status::LFE_E_NULL)
            };
        }
        // SAFETY: non-NULL, and the caller guarantees `len` readable bytes for 'a.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr, self.len) })
    }
}

/// The result of a query: records plus the bytes they point into. Free with `lfe_batch_free`.
///
/// Read `count` records of type `kind` (size `record_size`) starting at `records`.
#[repr(C)]
#[derive(Debug)]
pub struct lfe_batch {
    /// The record type, one of the `LFE_REC_*` constants.
    pub kind: u32,
    /// `sizeof` one record, for bindings to check their layout.
    pub record_size: u32,
    /// Number of records at `records`.
    pub count: usize,
    /// `count` records laid out contiguously (NULL when `count` is 0).
    pub records: *const c_void,
    /// Query-specific: the cursor to pass to the next call of a cursor read; otherwise 0.
    pub next: u64,
    /// Query-specific: how many records the caller missed (evicted before it read them).
    pub missed: u64,
    /// The byte buffer the records' `lfe_bytes` fields point into.
    pub bytes: *const u8,
    /// Length of `bytes`.
    pub bytes_len: usize,
}

/// Record kinds. Each structure's ffi module uses its own range.
pub mod kinds {
    /// `lfe_rec_text`: a single byte string (messages, names).
    pub const LFE_REC_TEXT: u32 = 1;
}

/// A text record (`LFE_REC_TEXT`): one byte string.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_rec_text {
    pub text: lfe_bytes,
}

record!(lfe_rec_text, kinds::LFE_REC_TEXT, text);

/// Implements [`Record`] for a record type: its kind, and its `lfe_bytes` fields, which
/// [`BatchBuilder::finish`] rebases onto the batch's byte buffer.
macro_rules! record {
    ($t:ty, $kind:expr, $($field:ident),+ $(,)?) => {
        impl $crate::batch::Record for $t {
            const KIND: u32 = $kind;
            fn rebase(&mut self, base: *const u8) {
                $(self.$field.rebase(base);)+
            }
        }
    };
}
pub(crate) use record;

/// A `#[repr(C)]` record type that can live in an `lfe_batch`.
pub trait Record: 'static {
    /// The `LFE_REC_*` constant of this type.
    const KIND: u32;
    /// Rebases every `lfe_bytes` field from an offset to a pointer into `base`.
    fn rebase(&mut self, base: *const u8);
}

/// The allocation behind an `lfe_batch` pointer. `hdr` must stay the first field.
#[repr(C)]
struct BatchAlloc {
    hdr: lfe_batch,
    _records: Box<dyn Any>,
    _bytes: Vec<u8>,
}

/// Collects records and bytes for one `lfe_batch`.
pub struct BatchBuilder<R: Record> {
    records: Vec<R>,
    bytes: Vec<u8>,
    next: u64,
    missed: u64,
}

impl<R: Record> Default for BatchBuilder<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Record> BatchBuilder<R> {
    pub fn new() -> Self {
        BatchBuilder {
            records: Vec::new(),
            bytes: Vec::new(),
            next: 0,
            missed: 0,
        }
    }

    /// A builder with room for `records` records and `bytes` bytes.
    pub fn with_capacity(records: usize, bytes: usize) -> Self {
        BatchBuilder {
            records: Vec::with_capacity(records),
            bytes: Vec::with_capacity(bytes),
            next: 0,
            missed: 0,
        }
    }

    /// Copies `b` into the batch's byte buffer; returns a field to put in a record (an offset
    /// until [`finish`](Self::finish) rebases it).
    pub fn bytes(&mut self, b: &[u8]) -> lfe_bytes {
        let off = self.bytes.len();
        self.bytes.extend_from_slice(b);
        lfe_bytes {
            ptr: off as *const u8,
            len: b.len(),
        }
    }

    /// Appends a record.
    pub fn push(&mut self, r: R) {
        self.records.push(r);
    }

    /// Reverses the records pushed so far (for results gathered newest first).
    pub fn reverse(&mut self) {
        self.records.reverse();
    }

    /// Number of records so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// A finished batch of `items`, each added with `push`, with its `next` and `missed` fields.
    pub(crate) fn of<T>(
        items: &[T],
        push: impl Fn(&mut Self, &T),
        next: u64,
        missed: u64,
    ) -> *mut lfe_batch {
        let mut b = Self::with_capacity(items.len(), 0);
        for x in items {
            push(&mut b, x);
        }
        b.set_next(next);
        b.set_missed(missed);
        b.finish()
    }

    /// Sets the `next` metadata field.
    pub fn set_next(&mut self, next: u64) {
        self.next = next;
    }

    /// Sets the `missed` metadata field.
    pub fn set_missed(&mut self, missed: u64) {
        self.missed = missed;
    }

    /// Writes the result into the caller's buffer `(buf, cap)` instead of an `lfe_batch`: the
    /// records (aligned as `R`), then the bytes they point to, their pointers into `buf`.
    /// Returns the record count; `*len_out` receives the bytes written (rules of
    /// [`out_buffer`](crate::args::out_buffer): too small a `cap` is `LFE_E_BUFFER_TOO_SMALL`
    /// with the size needed in `*len_out`).
    pub(crate) fn write_into(
        mut self,
        buf: *mut u8,
        cap: usize,
        len_out: *mut usize,
    ) -> crate::guard::Res<usize> {
        let count = self.records.len();
        let recs_len = count * std::mem::size_of::<R>();
        let need = recs_len + self.bytes.len();
        let len_out = crate::args::out_buffer(buf, cap, len_out, need, std::mem::align_of::<R>())?;
        let base = buf.wrapping_add(recs_len);
        for r in self.records.iter_mut() {
            r.rebase(base);
        }
        if need > 0 {
            // SAFETY: `out_buffer` checked `buf`: non-NULL, aligned for `R`, `cap >= need`
            // writable bytes overlapping no other argument (args module contract). The records
            // (typed copies of `count` values of `R`) fill `[0, recs_len)` and the bytes
            // `[recs_len, need)`; both sources are this builder's own memory.
            unsafe {
                std::ptr::copy_nonoverlapping(self.records.as_ptr(), buf.cast::<R>(), count);
                std::ptr::copy_nonoverlapping(self.bytes.as_ptr(), base, self.bytes.len());
            }
        }
        len_out.write(need);
        Ok(count)
    }

    /// Freezes the batch and returns the pointer handed to C (free with `lfe_batch_free`).
    pub fn finish(self) -> *mut lfe_batch {
        let BatchBuilder {
            mut records,
            mut bytes,
            next,
            missed,
        } = self;
        bytes.shrink_to_fit();
        let base = bytes.as_ptr();
        for r in records.iter_mut() {
            r.rebase(base);
        }
        let count = records.len();
        let recs_ptr: *const c_void = if count == 0 {
            std::ptr::null()
        } else {
            records.as_ptr().cast()
        };
        let bytes_len = bytes.len();
        let bytes_ptr = if bytes_len == 0 {
            std::ptr::null()
        } else {
            base
        };
        // Moving the Vecs into the Box does not move their heap buffers, so the pointers taken
        // above stay valid for the life of the allocation.
        let alloc = Box::new(BatchAlloc {
            hdr: lfe_batch {
                kind: R::KIND,
                record_size: std::mem::size_of::<R>() as u32,
                count,
                records: recs_ptr,
                next,
                missed,
                bytes: bytes_ptr,
                bytes_len,
            },
            _records: Box::new(records),
            _bytes: bytes,
        });
        Box::into_raw(alloc).cast::<lfe_batch>()
    }
}

/// Frees a batch returned by any lfe query. NULL is a no-op.
///
/// Ownership: takes back the batch; every pointer read from it (records, bytes) becomes invalid.
/// Freeing the same batch twice is undefined behaviour.
/// Errors: none.
/// Thread safety: may be called from any thread, but not concurrently with reads of the same
/// batch.
///
/// # Safety
/// `batch` must be NULL or a batch returned by lfe and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_batch_free(batch: *mut lfe_batch) {
    crate::guard::call_or((), || {
        if batch.is_null() {
            return;
        }
        // SAFETY: every non-NULL lfe_batch* handed out comes from BatchBuilder::finish, which
        // made it from Box<BatchAlloc> whose first field (repr(C)) is the header; the caller
        // gives it back exactly once.
        drop(unsafe { Box::from_raw(batch.cast::<BatchAlloc>()) });
    })
}

/// Reads a batch header; for Rust tests of the ABI.
///
/// # Safety
/// `b` must be a live batch of record type `R`.
pub unsafe fn batch_records<'a, R: Record>(b: *const lfe_batch) -> &'a [R] {
    // SAFETY: caller guarantees a live batch.
    let h = unsafe { &*b };
    assert_eq!(h.kind, R::KIND, "batch holds another record kind");
    if h.count == 0 {
        return &[];
    }
    // SAFETY: finish() laid out `count` records of R at `records`.
    unsafe { std::slice::from_raw_parts(h.records.cast::<R>(), h.count) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_rebases_and_frees() {
        let mut b = BatchBuilder::<lfe_rec_text>::new();
        let words: [&[u8]; 4] = [b"alpha", b"", b"\xff\x00bytes", b"z"];
        for w in words {
            let t = b.bytes(w);
            b.push(lfe_rec_text { text: t });
        }
        b.set_next(42);
        b.set_missed(3);
        let p = b.finish();
        // SAFETY: p is a live batch of lfe_rec_text.
        unsafe {
            let h = &*p;
            assert_eq!(h.count, 4);
            assert_eq!(h.next, 42);
            assert_eq!(h.missed, 3);
            assert_eq!(h.record_size as usize, std::mem::size_of::<lfe_rec_text>());
            let recs = batch_records::<lfe_rec_text>(p);
            for (r, w) in recs.iter().zip(words) {
                assert_eq!(r.text.as_slice().unwrap(), w);
            }
            lfe_batch_free(p);
            lfe_batch_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn empty_batch() {
        let p = BatchBuilder::<lfe_rec_text>::new().finish();
        // SAFETY: live batch.
        unsafe {
            assert_eq!((*p).count, 0);
            assert!((*p).records.is_null());
            lfe_batch_free(p);
        }
    }
}
