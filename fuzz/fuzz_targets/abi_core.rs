//! Drives the foundation of the C ABI with arbitrary arguments: status text for any code, and
//! versioned configs of any size and content. Only documented outcomes are allowed.
#![no_main]

use lfe_capi::status::*;
use libfuzzer_sys::fuzz_target;
use std::ffi::CStr;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 4 {
        let code = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
        // SAFETY: lfe_status_str always returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(lfe_status_str(code)) };
        assert!(!s.to_bytes().is_empty());
        if !ALL_CODES.contains(&code) {
            assert_eq!(s.to_bytes(), b"unknown status code");
        }
    }
});
