//! Status codes of the C ABI.
//!
//! Every fallible export returns `int32_t`: [`LFE_OK`] or one of the negative `LFE_E_*`
//! constants below. They are plain integer constants, not a Rust enum, because an out-of-range
//! enum value coming from C would be undefined behaviour in Rust. Codes are stable: a code is
//! never renumbered or reused (ABI rule 2).

use std::ffi::c_char;

/// Success.
pub const LFE_OK: i32 = 0;
/// A required pointer argument was NULL.
pub const LFE_E_NULL: i32 = -1;
/// An argument is out of its documented range (bad enum value, zero capacity, ...).
pub const LFE_E_INVALID: i32 = -2;
/// The structure is full: the operation would block.
pub const LFE_E_FULL: i32 = -3;
/// The structure is empty: the operation would block.
pub const LFE_E_EMPTY: i32 = -4;
/// A blocking call reached its timeout.
pub const LFE_E_TIMEOUT: i32 = -5;
/// The id, name or key is not present.
pub const LFE_E_NOT_FOUND: i32 = -6;
/// A caller-supplied buffer is too small.
pub const LFE_E_BUFFER_TOO_SMALL: i32 = -7;
/// A compare-and-set lost: the state changed meanwhile (or a lock-order violation was found).
pub const LFE_E_CONFLICT: i32 = -8;
/// The structure was closed.
pub const LFE_E_CLOSED: i32 = -9;
/// A search pattern failed to compile.
pub const LFE_E_BAD_PATTERN: i32 = -10;
/// An input exceeds a configured bound (payload size, pattern size, batch size).
pub const LFE_E_TOO_LARGE: i32 = -11;
/// A Rust panic was caught at the ABI boundary; the call had no effect that can be relied on.
pub const LFE_E_PANIC: i32 = -12;
/// The key already exists.
pub const LFE_E_EXISTS: i32 = -13;
/// The operation is not supported on this platform or in this mode.
pub const LFE_E_UNSUPPORTED: i32 = -14;
/// An allocation sized by the configuration or the input failed; the call changed nothing.
pub const LFE_E_NOMEM: i32 = -15;

/// Every status code, in order; used by tests and bindings to check they know them all.
pub const ALL_CODES: [i32; 16] = [
    LFE_OK,
    LFE_E_NULL,
    LFE_E_INVALID,
    LFE_E_FULL,
    LFE_E_EMPTY,
    LFE_E_TIMEOUT,
    LFE_E_NOT_FOUND,
    LFE_E_BUFFER_TOO_SMALL,
    LFE_E_CONFLICT,
    LFE_E_CLOSED,
    LFE_E_BAD_PATTERN,
    LFE_E_TOO_LARGE,
    LFE_E_PANIC,
    LFE_E_EXISTS,
    LFE_E_UNSUPPORTED,
    LFE_E_NOMEM,
];

/// The status code of a safe-API error: each [`lfe::Error`] variant has one code, whose text
/// ([`lfe_status_str`]) is the error's [`lfe::Error::text`].
pub fn code_of(e: lfe::Error) -> i32 {
    use lfe::Error;
    match e {
        Error::Invalid(_) => LFE_E_INVALID,
        Error::Full => LFE_E_FULL,
        Error::Empty => LFE_E_EMPTY,
        Error::Timeout => LFE_E_TIMEOUT,
        Error::NotFound => LFE_E_NOT_FOUND,
        Error::BufferTooSmall { .. } => LFE_E_BUFFER_TOO_SMALL,
        Error::Conflict => LFE_E_CONFLICT,
        Error::Closed => LFE_E_CLOSED,
        Error::BadPattern(_) => LFE_E_BAD_PATTERN,
        Error::TooLarge => LFE_E_TOO_LARGE,
        Error::Exists => LFE_E_EXISTS,
        Error::Unsupported => LFE_E_UNSUPPORTED,
        Error::NoMem => LFE_E_NOMEM,
    }
}

/// NUL-terminated text of each code, so `lfe_status_str` can hand out static C strings.
fn status_cstr(code: i32) -> &'static [u8] {
    match code {
        LFE_OK => b"ok\0",
        LFE_E_NULL => b"null pointer argument\0",
        LFE_E_INVALID => b"invalid argument\0",
        LFE_E_FULL => b"full (would block)\0",
        LFE_E_EMPTY => b"empty (would block)\0",
        LFE_E_TIMEOUT => b"timed out\0",
        LFE_E_NOT_FOUND => b"not found\0",
        LFE_E_BUFFER_TOO_SMALL => b"buffer too small\0",
        LFE_E_CONFLICT => b"conflict (state changed meanwhile)\0",
        LFE_E_CLOSED => b"closed\0",
        LFE_E_BAD_PATTERN => b"bad pattern\0",
        LFE_E_TOO_LARGE => b"too large\0",
        LFE_E_PANIC => b"internal panic caught at the ABI boundary\0",
        LFE_E_EXISTS => b"already exists\0",
        LFE_E_UNSUPPORTED => b"not supported\0",
        LFE_E_NOMEM => b"out of memory\0",
        _ => b"unknown status code\0",
    }
}

/// The text of a status code, without the trailing NUL (for Rust's `Display`).
pub fn status_text(code: i32) -> &'static str {
    let s = status_cstr(code);
    // The table above is ASCII literals, so this cannot fail.
    std::str::from_utf8(&s[..s.len() - 1]).unwrap_or("unknown status code")
}

/// Returns a static, NUL-terminated English description of `code`.
///
/// Unknown codes give "unknown status code". Never returns NULL.
///
/// Ownership: the string is static; do not free it.
/// Errors: none.
/// Thread safety: safe to call from any thread at any time.
#[no_mangle]
pub extern "C" fn lfe_status_str(code: i32) -> *const c_char {
    // No guard needed: a match on an integer and a static slice cannot panic.
    status_cstr(code).as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_distinct_text_and_unknown_is_handled() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL_CODES {
            // SAFETY: lfe_status_str returns a static NUL-terminated string.
            let s = unsafe { CStr::from_ptr(lfe_status_str(code)) }
                .to_str()
                .unwrap();
            assert_ne!(s, "unknown status code", "code {code}");
            assert!(seen.insert(s), "duplicate text {s}");
            assert_eq!(s, status_text(code));
        }
        for code in [1, -16, -1000, i32::MIN, i32::MAX] {
            // SAFETY: as above.
            let s = unsafe { CStr::from_ptr(lfe_status_str(code)) }
                .to_str()
                .unwrap();
            assert_eq!(s, "unknown status code");
        }
    }

    /// The C text of each error's code is the Rust error's text, so both APIs say the same.
    #[test]
    fn error_texts_match_the_rust_api() {
        use lfe::Error;
        for e in [
            Error::Invalid("x"),
            Error::Full,
            Error::Empty,
            Error::Timeout,
            Error::NotFound,
            Error::BufferTooSmall { needed: 1 },
            Error::Conflict,
            Error::Closed,
            Error::BadPattern(String::new()),
            Error::TooLarge,
            Error::Exists,
            Error::Unsupported,
            Error::NoMem,
        ] {
            assert_eq!(status_text(code_of(e.clone())), e.text(), "{e:?}");
        }
    }

    #[test]
    fn codes_are_zero_then_dense_negatives() {
        for (i, code) in ALL_CODES.iter().enumerate() {
            assert_eq!(*code, -(i as i32));
        }
    }
}
