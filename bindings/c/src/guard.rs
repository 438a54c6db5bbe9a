//! The panic boundary every export runs in, and the status an export's body fails with.
//!
//! Every `extern "C"` function runs its body inside [`call`] (or [`call_or`] for the few that
//! do not return a status), which catches a Rust panic and returns `LFE_E_PANIC` instead of
//! unwinding into C, which would be undefined behaviour (ABI rule 3). The release profile keeps
//! `panic = "unwind"` so that this works.
//!
//! A body returns `Result<(), Status>`: `?` turns an [`lfe::Error`] of the safe API into its
//! code (one mapping, [`code_of`]), and the argument helpers of [`crate::args`] fail with the
//! code of the check that failed.

use crate::status::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call's status code: one of the negative `LFE_E_*` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub i32);

impl From<lfe::Error> for Status {
    #[inline]
    fn from(e: lfe::Error) -> Status {
        Status(code_of(e))
    }
}

/// What an export's body returns: `Ok` is `LFE_OK`.
pub type Res<T = ()> = Result<T, Status>;

/// Runs `f`, turning a panic into [`LFE_E_PANIC`].
#[inline]
pub fn call(f: impl FnOnce() -> Res) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => LFE_OK,
        Ok(Err(Status(code))) => code,
        Err(_) => LFE_E_PANIC,
    }
}

/// Runs `f`, returning `fallback` if it panics. For exports that do not return a status
/// (`_free` functions, accessors that return a value).
#[inline]
pub fn call_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
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
        assert_eq!(call(|| Err(Status(LFE_E_FULL))), LFE_E_FULL);
        assert_eq!(call(|| Err(lfe::Error::Closed.into())), LFE_E_CLOSED);
        assert_eq!(call(|| Ok(())), LFE_OK);
        assert_eq!(call_or(7u8, || panic!("x")), 7);
    }
}
