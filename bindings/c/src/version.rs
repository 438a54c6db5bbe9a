//! Library and ABI versions (ABI rule 7).
//!
//! The `LFE_VERSION_*` macros in the header must match Cargo.toml's version and
//! `LFE_ABI_VERSION` must match the SONAME set by `build.rs`; the tests below make a drift fail.
//! `LFE_ABI_VERSION` changes only when a change breaks existing C callers.

use std::ffi::c_char;

/// Major version of lfe (semver), matching Cargo.toml.
pub const LFE_VERSION_MAJOR: u32 = 0;
/// Minor version of lfe (semver), matching Cargo.toml.
pub const LFE_VERSION_MINOR: u32 = 1;
/// Patch version of lfe (semver), matching Cargo.toml.
pub const LFE_VERSION_PATCH: u32 = 0;
/// Version of the C ABI. The shared library's SONAME is `liblfe.so.<LFE_ABI_VERSION>`; bindings
/// compare it with `lfe_abi_version()` when they load.
pub const LFE_ABI_VERSION: u32 = 1;

const VERSION_CSTR: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Returns the library version as a static NUL-terminated string, e.g. "0.1.0".
///
/// Ownership: the string is static; do not free it.
/// Errors: none; never returns NULL.
/// Thread safety: safe to call from any thread at any time.
#[no_mangle]
pub extern "C" fn lfe_version() -> *const c_char {
    VERSION_CSTR.as_ptr().cast()
}

/// Returns the ABI version of the loaded library (compare with `LFE_ABI_VERSION` from the header
/// the host was compiled against: a mismatch means the host must be rebuilt).
///
/// Ownership: nothing is allocated.
/// Errors: none.
/// Thread safety: safe to call from any thread at any time.
#[no_mangle]
pub extern "C" fn lfe_abi_version() -> u32 {
    LFE_ABI_VERSION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_macros_match_cargo_toml() {
        assert_eq!(
            LFE_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            LFE_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            LFE_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
        assert_eq!(LFE_ABI_VERSION.to_string(), env!("LFE_BUILD_ABI"));
        // SAFETY: static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(lfe_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(lfe_abi_version(), LFE_ABI_VERSION);
    }
}
