//! The one module that turns the raw pointers C passes in into Rust values: handles, input
//! structs, byte strings, arrays, versioned structs and out-parameters. No other module of this
//! crate dereferences a pointer that came from C (the model is rustls-ffi's `Castable` and
//! `try_ref_from_ptr!`, reduced to what lfe needs).
//!
//! # The contract these functions rest on, stated once
//! Every export is an `unsafe extern "C" fn` whose `# Safety` section is its C caller's promise
//! about each pointer argument, in the terms of the header's conventions:
//! * a handle is NULL or a live handle of its type, made by its `_new` and not yet given to its
//!   `_free` (which no other call may overlap, except the waits [`hold`] covers); it may have
//!   been closed (`_close_handle`, at any time: [`Gated`]), which [`live`] and [`hold`] report
//!   as `LFE_E_CLOSED`;
//! * an input struct or array is NULL or points to initialised, aligned values that stay valid
//!   and unchanged for the call, and the `(ptr, len)` byte strings inside them follow the next
//!   rule;
//! * a byte string `(ptr, len)` is NULL or `len` readable bytes, valid and unchanged for the call;
//! * an out-parameter is NULL or aligned and writable for its type, and overlaps no other
//!   argument;
//! * a versioned struct (configs, queries, counters: `size` first) is NULL or as many readable
//!   (or, for counters, writable) bytes as its `size` field says.
//!
//! The functions below are called only with pointers an export received from C, passed on
//! unchanged (never with a pointer this crate made, except the handles it made itself), and the
//! lifetimes they hand out never outlive the export's call. So each may assume that promise; it
//! checks what can be checked (NULL, lengths, alignment, sizes) and fails with the documented
//! code. That is why they are safe functions: the unsafety belongs to the export, and the
//! export's `# Safety` section states it.
//!
//! # One size rule for versioned structs
//! A struct that can grow starts with `size_t size` ([`Versioned`]). `size` must be at least
//! the smallest version this library knows (`MIN_SIZE`; in ABI 1 each struct has one version,
//! so its `sizeof`) and at most `isize::MAX`, else `LFE_E_INVALID`. In: fields past `size` take
//! their defaults (an older host), and bytes past the fields this library knows must be zero (a
//! newer host asking for something this library lacks gets `LFE_E_INVALID`, not a silent no).
//! Out: the library writes `min(size, sizeof)` bytes, never more, and sets `size` to that.

use crate::guard::{call, call_or, Res, Status};
use crate::status::*;
use std::mem::{size_of, MaybeUninit};
use std::sync::Arc;

/// Borrows a handle or an input struct; NULL is `LFE_E_NULL`.
#[inline]
pub(crate) fn arg<'a, T>(p: *const T) -> Res<&'a T> {
    // SAFETY: `p` is an export's argument: NULL (checked by `as_ref`) or a live handle / an
    // initialised, aligned input valid for the call (module contract).
    unsafe { p.as_ref() }.ok_or(Status(LFE_E_NULL))
}

/// Borrows `(ptr, len)` as a byte slice. `(NULL, 0)` is the empty slice; `(NULL, n>0)` is
/// `LFE_E_NULL`; a length over `isize::MAX` is `LFE_E_TOO_LARGE`.
#[inline]
pub(crate) fn bytes<'a>(ptr: *const u8, len: usize) -> Res<&'a [u8]> {
    slice(ptr, len)
}

/// Borrows `(ptr, count)` as a slice of `T`, with the rules of [`bytes`]; a misaligned `ptr` is
/// `LFE_E_INVALID`.
#[inline]
pub(crate) fn slice<'a, T>(ptr: *const T, count: usize) -> Res<&'a [T]> {
    if count > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(Status(LFE_E_TOO_LARGE));
    }
    if ptr.is_null() {
        return if count == 0 {
            Ok(&[])
        } else {
            Err(Status(LFE_E_NULL))
        };
    }
    if !ptr.is_aligned() {
        return Err(Status(LFE_E_INVALID));
    }
    // SAFETY: non-NULL, aligned, count * size_of::<T>() <= isize::MAX (checked), and `count`
    // initialised elements valid for the call (module contract).
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Checks an out-parameter (call it before doing any work, so that nothing happens when the
/// call cannot report its result) and gives it as a slot to write once the call succeeds.
#[inline]
pub(crate) fn slot<'a, T>(p: *mut T) -> Res<&'a mut MaybeUninit<T>> {
    // SAFETY: `p` is an export's out-parameter: NULL (checked by `as_mut`) or aligned, writable
    // for a `T` and overlapping no other argument (module contract). `MaybeUninit` claims
    // nothing about what is there now, so an uninitialised C variable is fine.
    unsafe { p.cast::<MaybeUninit<T>>().as_mut() }.ok_or(Status(LFE_E_NULL))
}

/// An optional out-parameter: NULL means "not wanted".
#[inline]
pub(crate) fn out_opt<'a, T>(p: *mut T) -> Option<&'a mut MaybeUninit<T>> {
    slot(p).ok()
}

/// Checks the caller's buffer `(buf, cap)` for a result of `need` bytes and returns the slot of
/// `*len_out`, which the caller writes (`need`) once the result is in `buf`. When `cap` is too
/// small, `*len_out` receives `need` and the result is `LFE_E_BUFFER_TOO_SMALL` (the documented
/// exception to "out-parameters only on success"). `buf` may be NULL when `cap` is 0 (asking
/// for the size); `len_out` NULL is `LFE_E_NULL`; `buf` not aligned to `align` is
/// `LFE_E_INVALID`.
pub(crate) fn out_buffer<'a>(
    buf: *mut u8,
    cap: usize,
    len_out: *mut usize,
    need: usize,
    align: usize,
) -> Res<&'a mut MaybeUninit<usize>> {
    let len_out = slot(len_out)?;
    if need > cap {
        len_out.write(need);
        return Err(Status(LFE_E_BUFFER_TOO_SMALL));
    }
    if buf.is_null() && need > 0 {
        return Err(Status(LFE_E_NULL));
    }
    if buf.align_offset(align) != 0 {
        return Err(Status(LFE_E_INVALID));
    }
    Ok(len_out)
}

/// Copies `src` into the caller's buffer `(buf, cap)` and writes its length to `*len_out`, by
/// the rules of [`out_buffer`].
pub(crate) fn copy_out(src: &[u8], buf: *mut u8, cap: usize, len_out: *mut usize) -> Res {
    let len_out = out_buffer(buf, cap, len_out, src.len(), 1)?;
    if !src.is_empty() {
        // SAFETY: `buf` is non-NULL and `cap >= src.len()` writable bytes that overlap no other
        // argument (module contract, checked by `out_buffer`); `src` is memory this library
        // owns.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buf, src.len()) };
    }
    len_out.write(src.len());
    Ok(())
}

/// Writes a plain value (no resource to free) computed by a call without side effects to an
/// out-parameter. A result that owns something (a batch, a handle) must take its [`slot`]
/// first: computed before a NULL out was found, it would leak.
#[inline]
pub(crate) fn put<T>(p: *mut T, v: T) -> Res {
    slot(p)?.write(v);
    Ok(())
}

/// The body of an export that acts on a handle and reports only a status: `f` runs on the
/// borrowed handle inside the panic guard; what it returns on success is dropped.
#[inline]
pub(crate) fn on<H: Handle, T, E: Into<Status>>(
    p: *const H,
    f: impl FnOnce(&H) -> Result<T, E>,
) -> i32 {
    call(|| f(live(p)?).map(drop).map_err(Into::into))
}

/// [`on`] for an action that cannot fail.
#[inline]
pub(crate) fn on_ok<H: Handle>(p: *const H, f: impl FnOnce(&H)) -> i32 {
    call(|| {
        f(live(p)?);
        Ok(())
    })
}

/// The body of an export that computes one result from a handle: the handle and the
/// out-parameter are checked before `f` runs (so a result that owns something, a batch, is
/// never made for a NULL `out`), and `*out` is written only when `f` succeeds.
#[inline]
pub(crate) fn fill<H: Handle, T, E: Into<Status>>(
    p: *const H,
    out: *mut T,
    f: impl FnOnce(&H) -> Result<T, E>,
) -> i32 {
    call(|| {
        let h = live(p)?;
        let out = slot(out)?;
        out.write(f(h).map_err(Into::into)?);
        Ok(())
    })
}

/// The body of every `_new` export: checks `out`, reads the versioned config (NULL: the
/// defaults), builds the handle with `make` and hands it to C.
#[inline]
pub(crate) fn create<C: Versioned, H: Handle, E: Into<Status>>(
    cfg: *const C,
    out: *mut *mut H,
    make: impl FnOnce(C) -> Result<H, E>,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let h = make(versioned(cfg)?).map_err(Into::into)?;
        new_handle(out, h);
        Ok(())
    })
}

/// The body of a counters export: checks the handle and the versioned out-parameter, then
/// writes what `f` reads by the size rule.
#[inline]
pub(crate) fn counters<H: Handle, T: Versioned>(
    p: *const H,
    out: *mut T,
    f: impl FnOnce(&H) -> T,
) -> i32 {
    call(|| {
        let (h, out) = (live(p)?, versioned_out(out)?);
        out.write(f(h));
        Ok(())
    })
}

/// Implements, for a config struct whose fields mirror the core's config of the same names,
/// `Default` (the core's defaults, `size` = `sizeof`) and the conversion to the core's config:
/// one field list serves both directions.
macro_rules! mirror_config {
    ($c:ident => $core:path { $($f:ident),+ $(,)? }) => {
        impl Default for $c {
            fn default() -> Self {
                let d = <$core>::default();
                $c { size: std::mem::size_of::<Self>(), $($f: d.$f),+ }
            }
        }
        impl From<$c> for $core {
            fn from(c: $c) -> Self {
                Self { $($f: c.$f),+ }
            }
        }
    };
}
pub(crate) use mirror_config;

/// Implements, for a counters struct whose fields mirror the core's stats of the same names, the
/// conversion from those stats (`size` 0: [`counters`] sets it by the size rule).
macro_rules! mirror_counters {
    ($c:ident from $core:path { $($f:ident),+ $(,)? }) => {
        impl From<$core> for $c {
            fn from(s: $core) -> Self {
                $c { size: 0, $($f: s.$f),+ }
            }
        }
    };
}
pub(crate) use mirror_counters;

/// A `#[repr(C)]` struct that starts with a `size_t size` field and can grow (module docs, "One
/// size rule").
///
/// # Safety
/// The implementor must be `#[repr(C)]`, start with a `usize` `size` field, and have fields for
/// which any initialised bytes are a valid value (integers, raw pointers, structs of them; no
/// bool, enum or reference), so that a prefix can be copied from C memory.
pub unsafe trait Versioned: Copy + Default {
    /// The smallest size a caller may declare: that of the oldest version this library knows.
    const MIN_SIZE: usize = size_of::<Self>();

    /// The defaults with `size` set to `sizeof(Self)`: what a Rust caller passes (a counters
    /// struct's derived `Default` has `size` 0, which the size rule refuses).
    fn sized() -> Self {
        let mut v = Self::default();
        set_size(&mut v, size_of::<Self>());
        v
    }
}

/// Implements [`Versioned`] for `#[repr(C)]` structs of this crate whose fields are integers,
/// raw pointers and `lfe_bytes` (name no other kind here), and checks at compile time that each
/// starts with `size: usize`.
macro_rules! versioned_structs {
    ($($t:ty),+ $(,)?) => {$(
        const _: () = assert!(std::mem::offset_of!($t, size) == 0);
        const _: fn(&$t) -> usize = |v| v.size;
        // SAFETY: `size: usize` is the first field (checked just above), the struct is
        // repr(C), and its fields are integers, raw pointers and lfe_bytes (the macro's rule),
        // for which any initialised bytes are a valid value.
        unsafe impl $crate::args::Versioned for $t {}
    )+};
}
pub(crate) use versioned_structs;

/// Implements `Default` for versioned structs whose defaults are all zero (a config's 0 is "the
/// library's default", a query's 0 is "no bound") but for `size`, which is `sizeof`.
macro_rules! zeroed_default {
    ($($t:ty),+ $(,)?) => {$(
        const _: () = {
            fn versioned<T: $crate::args::Versioned>() {}
            let _ = versioned::<$t>;
        };
        impl Default for $t {
            fn default() -> Self {
                // SAFETY: the type is Versioned (checked just above): its fields are integers,
                // raw pointers and lfe_bytes, for which all-zero bytes are a valid value (0,
                // NULL, an empty byte string).
                let mut v: Self = unsafe { std::mem::zeroed() };
                v.size = std::mem::size_of::<Self>();
                v
            }
        }
    )+};
}
pub(crate) use zeroed_default;

fn set_size<T: Versioned>(v: &mut T, size: usize) {
    // SAFETY: `size` is the first field of a Versioned struct (trait contract): a usize at
    // offset 0 of `*v`, which is aligned for it since `T` is at least as aligned as its fields.
    unsafe { (v as *mut T).cast::<usize>().write(size) };
}

/// The declared size of the versioned struct at `p` (non-NULL), checked against the rule.
fn declared_size<T: Versioned>(p: *const T) -> Res<usize> {
    // SAFETY: `p` is non-NULL and points to a versioned struct, which starts with a size_t
    // (module contract); `read_unaligned` makes no alignment assumption.
    let size = unsafe { p.cast::<usize>().read_unaligned() };
    if size < T::MIN_SIZE || size > isize::MAX as usize {
        return Err(Status(LFE_E_INVALID));
    }
    Ok(size)
}

/// Reads a versioned input struct (a config, a query); NULL gives the defaults.
pub(crate) fn versioned<T: Versioned>(p: *const T) -> Res<T> {
    let mut v = T::default();
    if p.is_null() {
        return Ok(v);
    }
    let size = declared_size(p)?;
    let ours = size_of::<T>();
    if size > ours {
        // `size` readable bytes at p (module contract), so the tail is too.
        let tail = bytes(p.cast::<u8>().wrapping_add(ours), size - ours)?;
        if tail.iter().any(|&b| b != 0) {
            return Err(Status(LFE_E_INVALID));
        }
    }
    let n = size.min(ours);
    // SAFETY: `p` has `size >= n` readable bytes (module contract) and `v` is a local `T` of
    // `ours >= n` bytes, so both regions are valid and do not overlap; any bytes are a valid `T`
    // (Versioned contract), and n >= MIN_SIZE covers whole fields of the oldest version.
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), (&mut v as *mut T).cast::<u8>(), n) };
    Ok(v)
}

/// Reads a versioned input struct that is required (NULL is `LFE_E_NULL`).
pub(crate) fn versioned_arg<T: Versioned>(p: *const T) -> Res<T> {
    if p.is_null() {
        return Err(Status(LFE_E_NULL));
    }
    versioned(p)
}

/// A checked versioned out-parameter (counters): [`VersionedOut::write`] fills it by the rule.
pub(crate) struct VersionedOut<T> {
    p: *mut T,
    n: usize,
}

/// Checks a versioned out-parameter (NULL: `LFE_E_NULL`; a bad `size`: `LFE_E_INVALID`).
pub(crate) fn versioned_out<T: Versioned>(p: *mut T) -> Res<VersionedOut<T>> {
    if p.is_null() {
        return Err(Status(LFE_E_NULL));
    }
    let n = declared_size(p)?.min(size_of::<T>());
    Ok(VersionedOut { p, n })
}

impl<T: Versioned> VersionedOut<T> {
    /// Writes the first `min(size, sizeof(T))` bytes of `v`, with `size` set to that count.
    pub(crate) fn write(self, mut v: T) {
        set_size(&mut v, self.n);
        // SAFETY: `self.p` was checked non-NULL and has `size >= n` writable bytes, and `v` has
        // `sizeof(T) >= n` (module contract; `versioned_out`); a local does not overlap it.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&v as *const T).cast::<u8>(),
                self.p.cast::<u8>(),
                self.n,
            )
        };
    }
}

/// An opaque handle type given to C. A plain handle is a `Box<Gated<Self>>`; one with blocking
/// calls (`COUNTED`) is an `Arc<Gated<Self>>`, so that a call waiting on it can keep it alive
/// ([`hold`]) while `_free` closes it (waking that call) and drops the host's reference. The
/// choice is the type's, made once, so no export can free one kind as the other.
pub(crate) trait Handle: Sized {
    /// True for an `Arc` handle.
    const COUNTED: bool = false;
    /// Wakes every call waiting on the handle and ends the structure's own activity (a
    /// worker); run once, by the first `_close_handle` or `_free`.
    fn close(&self) {}
}

/// What a handle pointer given to C points to: the handle and its gate ([`lfe::gate`]).
///
/// # Closing a handle while other threads use it (the design, stated once)
/// `_close_handle` may run at any time, concurrently with any call on the handle, and any number
/// of times: it closes the gate (the first one also runs [`Handle::close`], which wakes the
/// handle's waiters), and from then on every call on the handle returns `LFE_E_CLOSED`. A call
/// that passed the gate before it closed completes as if it had run before the close: the
/// memory stays until `_free`. So a call writes nothing shared to enter a handle (it reads the
/// gate), and a Go or Python binding needs no lock of its own around the handle.
///
/// The memory is freed by `_free` (which closes first), and only the host can know that no
/// call can still be in flight: `_free` may run concurrently with calls blocked in a wait (they
/// hold their own reference, [`hold`], and return `LFE_E_CLOSED`), never with other calls. A
/// garbage-collected binding closes on its `Close` and frees from its finalizer/cleanup, which
/// runs only once no call can reach the handle.
pub(crate) type Gated<T> = lfe::gate::Gated<T>;

/// The gate of the handle `p` points to (as [`arg`] for a handle).
fn gated<'a, T: Handle>(p: *const T) -> Res<&'a Gated<T>> {
    arg(p.cast::<Gated<T>>())
}

/// Borrows a handle for one call: NULL is `LFE_E_NULL`, a closed handle `LFE_E_CLOSED`.
#[inline]
pub(crate) fn live<'a, T: Handle>(p: *const T) -> Res<&'a T> {
    gated(p)?.get().ok_or(Status(LFE_E_CLOSED))
}

/// Moves `v` to the heap and writes the handle given to C to a checked out-parameter.
pub(crate) fn new_handle<T: Handle>(out: &mut MaybeUninit<*mut T>, v: T) {
    let g = Gated::new(v);
    out.write(if T::COUNTED {
        Arc::into_raw(Arc::new(g)).cast_mut().cast()
    } else {
        Box::into_raw(Box::new(g)).cast()
    });
}

/// A reference to a counted handle for the duration of a blocking call; NULL is `LFE_E_NULL`,
/// a closed handle `LFE_E_CLOSED`. What it protects is a call that is already waiting when
/// `_free` runs; a call that has entered the export but not yet taken its reference is not
/// (the host cannot tell the two apart, which is why `_free` must not race other calls, and
/// why `_close_handle`, which may, exists).
pub(crate) fn hold<T: Handle>(p: *const T) -> Res<Arc<Gated<T>>> {
    const { assert!(T::COUNTED, "hold: only counted handles") };
    if p.is_null() {
        return Err(Status(LFE_E_NULL));
    }
    let p = p.cast::<Gated<T>>();
    // SAFETY: a counted handle comes from `Arc::into_raw` in `new_handle`, and the host's
    // reference is alive (module contract: not yet freed), so the count is at least 1 while we
    // add ours; `from_raw` then owns exactly the reference we added.
    let a = unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    };
    if a.is_closed() {
        return Err(Status(LFE_E_CLOSED));
    }
    Ok(a)
}

/// The body of every `_close_handle` export: sets the gate; the first call also closes the
/// handle ([`Handle::close`]). Safe concurrently with any call on the handle ([`Gated`]).
pub(crate) fn close_handle<T: Handle>(p: *const T) -> i32 {
    call(|| {
        let g = gated(p)?;
        if g.close() {
            g.value().close();
        }
        Ok(())
    })
}

/// Frees a handle (the body of every `_free` export): NULL is a no-op; the handle is closed
/// first (waking its waiters), then the host's reference is dropped.
pub(crate) fn free_handle<T: Handle>(p: *mut T) {
    call_or((), || {
        if p.is_null() {
            return;
        }
        close_handle(p.cast_const());
        let p = p.cast::<Gated<T>>();
        if T::COUNTED {
            // SAFETY: the host gives back, once, the reference `new_handle` made with
            // `Arc::into_raw` (module contract: `_free` is called once per handle).
            drop(unsafe { Arc::from_raw(p.cast_const()) });
        } else {
            // SAFETY: as above, for the `Box::into_raw` of `new_handle`; no other call runs on
            // the handle during or after its `_free` (module contract).
            drop(unsafe { Box::from_raw(p) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_default_sets_only_size() {
        let q = crate::log_read::lfe_log_query::default();
        assert_eq!(q.size, size_of::<crate::log_read::lfe_log_query>());
        assert!(q.pattern.ptr.is_null());
        assert_eq!((q.pattern.len, q.flags, q.min_level), (0, 0, 0));
        assert_eq!(
            (q.process_id, q.since_ns, q.until_ns, q.limit),
            (0, 0, 0, 0)
        );
        let c = crate::lockdep::lfe_lockdep_config::default();
        assert_eq!(c.size, size_of::<crate::lockdep::lfe_lockdep_config>());
        assert_eq!((c.max_locks, c.start_disabled, c.long_hold_ns), (0, 0, 0));
    }

    #[test]
    fn bytes_rules() {
        static B: [u8; 3] = [1, 2, 3];
        assert_eq!(bytes(std::ptr::null(), 0), Ok(&[][..]));
        assert_eq!(bytes(std::ptr::null(), 3), Err(Status(LFE_E_NULL)));
        assert_eq!(bytes(B.as_ptr(), usize::MAX), Err(Status(LFE_E_TOO_LARGE)));
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
                size: size_of::<Cfg>(),
                a: 10,
                b: 20,
            }
        }
    }
    // SAFETY: repr(C), starts with usize size, only integers.
    unsafe impl Versioned for Cfg {
        // A library that knew an older version without `b`.
        const MIN_SIZE: usize = 16;
    }

    /// Reads a config laid out as `words` (the first word is its size in bytes).
    fn cfg(words: &[usize]) -> Res<Cfg> {
        assert!(words.is_empty() || words[0] <= std::mem::size_of_val(words));
        let p = if words.is_empty() {
            std::ptr::null()
        } else {
            words.as_ptr() as *const Cfg
        };
        versioned::<Cfg>(p)
    }

    #[test]
    fn versioned_in() {
        assert_eq!(cfg(&[]), Ok(Cfg::default()));
        // Older host: only knows `size` and `a`; `b` takes its default.
        let got = cfg(&[16, 99]).unwrap();
        assert_eq!((got.a, got.b), (99, 20));
        // Smaller than the oldest known version.
        assert_eq!(cfg(&[8, 99]), Err(Status(LFE_E_INVALID)));
        assert_eq!(cfg(&[3]), Err(Status(LFE_E_INVALID)));
        // Newer host with zeroed extra fields: accepted.
        let got = cfg(&[40, 5, 6, 0, 0]).unwrap();
        assert_eq!((got.a, got.b), (5, 6));
        // Newer host asking for something we do not know: refused.
        assert_eq!(cfg(&[40, 5, 6, 0, 1]), Err(Status(LFE_E_INVALID)));
    }

    /// Regression (fuzz target `abi`): an absurd `size` (SIZE_MAX) is a bad size, `LFE_E_INVALID`,
    /// and nothing past the struct is read.
    #[test]
    fn versioned_absurd_size_is_invalid() {
        for size in [usize::MAX, isize::MAX as usize + 1] {
            let words = [size, 1, 2];
            assert_eq!(
                versioned::<Cfg>(words.as_ptr() as *const Cfg),
                Err(Status(LFE_E_INVALID))
            );
        }
    }

    #[test]
    fn versioned_out_writes_at_most_size() {
        // An older host's struct: `size` and `a` only, followed by a guard word.
        let mut words = [16usize, 0, 0xdead];
        let o = versioned_out(words.as_mut_ptr() as *mut Cfg).unwrap();
        o.write(Cfg {
            size: 0,
            a: 7,
            b: 9,
        });
        assert_eq!(words, [16, 7, 0xdead]);
        // A newer host's larger struct: our fields, the rest untouched.
        let mut words = [40usize, 0, 0, 0xbeef, 0xbeef];
        versioned_out(words.as_mut_ptr() as *mut Cfg)
            .unwrap()
            .write(Cfg {
                size: 0,
                a: 1,
                b: 2,
            });
        assert_eq!(words[..1], [24]);
        assert_eq!(words[1], 1);
        assert_eq!(words[3..], [0xbeef, 0xbeef]);
        let mut small = [8usize];
        assert!(versioned_out(small.as_mut_ptr() as *mut Cfg).is_err());
        assert_eq!(
            versioned_out::<Cfg>(std::ptr::null_mut()).err(),
            Some(Status(LFE_E_NULL))
        );
    }
}
