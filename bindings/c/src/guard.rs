//! The panic boundary and argument checks shared by every export.
//!
//! Every `extern "C"` function runs its body inside [`call`] (or [`call_or`] for the few that
//! do not return a status), which catches a Rust panic and returns `LFE_E_PANIC` instead of
//! unwinding into C, which would be undefined behaviour (ABI rule 3). The release profile keeps
//! `panic = "unwind"` so that this works.
//!
//! The helpers below turn raw C arguments into Rust values with the checks the ABI promises:
//! every pointer is NULL-checked (`LFE_E_NULL`), byte slices may be `(NULL, 0)`, sizes beyond
//! `isize::MAX` are `LFE_E_TOO_LARGE`, and out-params are written only on success.

use super::status::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into [`LFE_E_PANIC`].
#[inline]
pub fn call(f: impl FnOnce() -> Result<(), i32>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => LFE_OK,
        Ok(Err(code)) => code,
        Err(_) => LFE_E_PANIC,
    }
}

/// Runs `f`, returning `fallback` if it panics. For exports that do not return a status
/// (`_free` functions, accessors that return a value).
#[inline]
pub fn call_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Borrows a handle or a struct argument; NULL is `LFE_E_NULL`.
///
/// # Safety
/// `p` must be NULL or point to a live `T` for the returned lifetime.
#[inline]
pub unsafe fn arg_ref<'a, T>(p: *const T) -> Result<&'a T, i32> {
    // SAFETY: the caller guarantees `p` is NULL or valid; `as_ref` checks NULL.
    unsafe { p.as_ref() }.ok_or(LFE_E_NULL)
}

/// Borrows `(ptr, len)` as a byte slice. `(NULL, 0)` is the empty slice; `(NULL, n>0)` is
/// `LFE_E_NULL`; a length over `isize::MAX` is `LFE_E_TOO_LARGE`.
///
/// # Safety
/// When `ptr` is not NULL, it must point to `len` readable bytes that stay valid and unchanged
/// for the returned lifetime.
#[inline]
pub unsafe fn arg_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], i32> {
    if len > isize::MAX as usize {
        return Err(LFE_E_TOO_LARGE);
    }
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(LFE_E_NULL) };
    }
    // SAFETY: non-NULL, the caller guarantees `len` readable bytes, and len <= isize::MAX.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `(ptr, count)` as a slice of `T`, with the same rules as [`arg_bytes`].
///
/// # Safety
/// When `ptr` is not NULL, it must point to `count` initialised, properly aligned `T`s valid for
/// the returned lifetime.
#[inline]
pub unsafe fn arg_slice<'a, T>(ptr: *const T, count: usize) -> Result<&'a [T], i32> {
    let size = std::mem::size_of::<T>().max(1);
    if count > isize::MAX as usize / size {
        return Err(LFE_E_TOO_LARGE);
    }
    if ptr.is_null() {
        return if count == 0 { Ok(&[]) } else { Err(LFE_E_NULL) };
    }
    if (ptr as usize) % std::mem::align_of::<T>() != 0 {
        return Err(LFE_E_INVALID);
    }
    // SAFETY: non-NULL, aligned, and the caller guarantees `count` valid elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Checks an out-parameter is not NULL (call before doing any work, so that nothing happens
/// when the call cannot report its result).
#[inline]
pub fn arg_out<T>(out: *mut T) -> Result<*mut T, i32> {
    if out.is_null() {
        Err(LFE_E_NULL)
    } else {
        Ok(out)
    }
}

/// Writes an out-parameter that [`arg_out`] already checked.
///
/// # Safety
/// `out` must be non-NULL, aligned and writable for a `T`.
#[inline]
pub unsafe fn write_out<T>(out: *mut T, v: T) {
    // SAFETY: guaranteed by the caller; `write` does not drop the (uninitialised) old value.
    unsafe { out.write(v) }
}

/// Marker for `#[repr(C)]` configuration structs that start with a `size_t size` field and whose
/// every field is a plain integer (any bit pattern valid), so that a prefix of one can be
/// copied from C memory.
///
/// # Safety
/// The implementor must be `#[repr(C)]`, start with a `usize` `size` field, and contain only
/// integer fields (no bool, enum, reference or pointer).
pub unsafe trait VersionedConfig: Copy + Default {}

/// Reads a versioned config (ABI rule 1: configs start with `size` so they can grow).
///
/// * NULL gives the defaults.
/// * `size` smaller than the `size` field itself, or over `isize::MAX` (no object is that
///   large), is `LFE_E_INVALID` (every constructor documents "bad config size" as that code).
/// * An older, shorter struct: the fields it has are read, the rest keep their defaults.
/// * A newer, longer struct: accepted only if every byte past the fields this library knows is
///   zero (a newer host asking for a feature this library lacks gets `LFE_E_INVALID`, not a
///   silent no).
///
/// # Safety
/// When `p` is not NULL it must point to at least `(*p).size` readable bytes.
pub unsafe fn arg_config<T: VersionedConfig>(p: *const T) -> Result<T, i32> {
    let mut cfg = T::default();
    if p.is_null() {
        return Ok(cfg);
    }
    let head = std::mem::size_of::<usize>();
    // SAFETY: p is non-NULL and points to a config starting with a size_t (caller contract);
    // read_unaligned makes no alignment assumption.
    let size = unsafe { (p as *const usize).read_unaligned() };
    if size < head || size > isize::MAX as usize {
        return Err(LFE_E_INVALID);
    }
    let ours = std::mem::size_of::<T>();
    if size > ours {
        // SAFETY: the caller promised `size` readable bytes at p.
        let extra = unsafe { arg_bytes((p as *const u8).add(ours), size - ours)? };
        if extra.iter().any(|&b| b != 0) {
            return Err(LFE_E_INVALID);
        }
    }
    let n = size.min(ours);
    // SAFETY: both regions are valid for n bytes and do not overlap; T is plain integers
    // (VersionedConfig contract), so any bytes form a valid value.
    unsafe {
        std::ptr::copy_nonoverlapping(p as *const u8, &mut cfg as *mut T as *mut u8, n);
    }
    // Report the size we understood, so code after this can rely on it.
    // SAFETY: `size` is the first field (VersionedConfig contract), a usize.
    unsafe { (&mut cfg as *mut T as *mut usize).write(ours) };
    Ok(cfg)
}

/// Moves a Rust value to the heap and returns the handle given to C.
pub fn into_handle<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Frees a handle made by [`into_handle`]. NULL is a no-op.
///
/// # Safety
/// `p` must be NULL or a pointer returned by `into_handle::<T>` that was not freed before, and
/// no other thread may be using it.
pub unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Moves a Rust value into a reference-counted handle, for structures that have blocking calls
/// (the queue, a subscription). The caller's handle is one reference; a blocking call holds
/// another for as long as it waits ([`hold`]), so `_free` can close the structure, which wakes
/// the waiters, and drop its own reference: the memory goes with the last waiter's return, never
/// under a waiter's feet.
pub fn into_shared<T>(v: T) -> *mut T {
    std::sync::Arc::into_raw(std::sync::Arc::new(v)) as *mut T
}

/// A reference to a shared handle for the duration of a blocking call; NULL is `LFE_E_NULL`.
/// What it protects is a call that is already waiting when `_free` runs; a call that has
/// entered the export but not yet taken its reference is not (the host cannot tell the two
/// apart, which is why the documented shutdown is close, join, free).
///
/// # Safety
/// `p` must be NULL or a live handle from [`into_shared::<T>`] whose `_free` has not started
/// (a call that holds it may then outlive the `_free`).
pub unsafe fn hold<T>(p: *const T) -> Result<std::sync::Arc<T>, i32> {
    if p.is_null() {
        return Err(LFE_E_NULL);
    }
    // SAFETY: `p` came from `Arc::into_raw` in `into_shared` and the caller's reference is still
    // alive (caller contract), so the count is at least 1 while we add ours; `from_raw` then
    // owns exactly the reference we added.
    unsafe {
        std::sync::Arc::increment_strong_count(p);
        Ok(std::sync::Arc::from_raw(p))
    }
}

/// Frees a shared handle: `close` runs first (it must wake every waiter), then the caller's
/// reference is dropped. NULL is a no-op.
///
/// # Safety
/// `p` must be NULL or a handle from [`into_shared::<T>`] not freed before; no call may start on
/// it after this one starts.
pub unsafe fn free_shared<T>(p: *mut T, close: impl FnOnce(&T)) {
    if !p.is_null() {
        // SAFETY: the caller gives back the reference `into_shared` handed out, once.
        let a = unsafe { std::sync::Arc::from_raw(p as *const T) };
        close(&a);
        drop(a);
    }
}

/// Deliberately panics inside the ABI guard and returns what the guard made of it.
///
/// Always returns `LFE_E_PANIC`. It exists so that hosts and tests can check, on their own
/// platform and build, that a Rust panic inside lfe comes back as a status code instead of
/// unwinding into (and aborting) the host. The panic message is printed to stderr by Rust's
/// default panic hook.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_PANIC`, always.
/// Thread safety: safe to call from any thread.
#[no_mangle]
pub extern "C" fn lfe_selftest_panic() -> i32 {
    call(|| panic!("lfe_selftest_panic: deliberate panic to test the ABI guard"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_panic_into_code() {
        assert_eq!(lfe_selftest_panic(), LFE_E_PANIC);
        assert_eq!(call(|| Err(LFE_E_FULL)), LFE_E_FULL);
        assert_eq!(call(|| Ok(())), LFE_OK);
        assert_eq!(call_or(7u8, || panic!("x")), 7);
    }

    fn bytes(p: *const u8, len: usize) -> Result<&'static [u8], i32> {
        // SAFETY: the tests pass NULL, or a static array with a length that arg_bytes either
        // rejects before reading (too large) or that the array covers.
        unsafe { arg_bytes(p, len) }
    }

    #[test]
    fn bytes_rules() {
        static B: [u8; 3] = [1, 2, 3];
        assert_eq!(bytes(std::ptr::null(), 0), Ok(&[][..]));
        assert_eq!(bytes(std::ptr::null(), 3), Err(LFE_E_NULL));
        assert_eq!(bytes(B.as_ptr(), usize::MAX), Err(LFE_E_TOO_LARGE));
        assert_eq!(bytes(B.as_ptr(), 3), Ok(&B[..]));
    }

    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Cfg {
        size: usize,
        a: u64,
        b: u32,
    }
    impl Default for Cfg {
        fn default() -> Self {
            Cfg {
                size: std::mem::size_of::<Cfg>(),
                a: 10,
                b: 20,
            }
        }
    }
    // SAFETY: repr(C), starts with usize size, only integers.
    unsafe impl VersionedConfig for Cfg {}

    /// Reads a config laid out as `words` (the first word is its size in bytes).
    fn cfg(words: &[usize]) -> Result<Cfg, i32> {
        assert!(words.is_empty() || words[0] <= std::mem::size_of_val(words));
        let p = if words.is_empty() {
            std::ptr::null()
        } else {
            words.as_ptr() as *const Cfg
        };
        // SAFETY: NULL, or `words` covers the `size` bytes its first word declares.
        unsafe { arg_config::<Cfg>(p) }
    }

    #[test]
    fn config_versions() {
        assert_eq!(cfg(&[]), Ok(Cfg::default()));
        // Older host: only knows `size` and `a`.
        let got = cfg(&[16, 99]).unwrap();
        assert_eq!((got.a, got.b, got.size), (99, 20, 24));
        // Newer host with zeroed extra fields: accepted.
        let got = cfg(&[40, 5, 6, 0, 0]).unwrap();
        assert_eq!((got.a, got.b), (5, 6));
        // Newer host asking for something we do not know: refused.
        assert_eq!(cfg(&[40, 5, 6, 0, 1]), Err(LFE_E_INVALID));
        assert_eq!(cfg(&[3]), Err(LFE_E_INVALID));
    }

    /// Regression (fuzz target `abi`): a config whose `size` is absurd (SIZE_MAX) gave
    /// `LFE_E_TOO_LARGE` from the tail check, a code no constructor documents; it is a bad
    /// config size, `LFE_E_INVALID`, and nothing past the struct is read.
    #[test]
    fn config_absurd_size_is_invalid() {
        let words = [usize::MAX, 1, 2];
        // SAFETY: arg_config rejects the size before reading past the first word.
        let got = unsafe { arg_config::<Cfg>(words.as_ptr() as *const Cfg) };
        assert_eq!(got, Err(LFE_E_INVALID));
        let words = [isize::MAX as usize + 1, 1, 2];
        // SAFETY: as above.
        let got = unsafe { arg_config::<Cfg>(words.as_ptr() as *const Cfg) };
        assert_eq!(got, Err(LFE_E_INVALID));
    }
}
