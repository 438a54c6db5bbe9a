//! The error type of the safe Rust API. Each variant maps to one `LFE_E_*` status code of the C
//! ABI ([`Error::code`]), so the Rust and C APIs report the same failures.

use std::fmt;

/// Errors returned by lfe's safe API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// An argument is out of its documented range (the text says which).
    Invalid(&'static str),
    /// The structure is full and the operation would block.
    Full,
    /// The structure is empty and the operation would block.
    Empty,
    /// A blocking operation timed out.
    Timeout,
    /// The id, name or key is not present.
    NotFound,
    /// A caller-supplied buffer is too small; `needed` bytes are required.
    BufferTooSmall { needed: usize },
    /// A compare-and-set lost: the state changed since the caller read it.
    Conflict,
    /// The structure was closed.
    Closed,
    /// A search pattern failed to compile; the message says why.
    BadPattern(String),
    /// An input exceeds a configured bound (payload, pattern, count).
    TooLarge,
    /// The key already exists.
    Exists,
    /// The operation is not supported on this platform or in this mode.
    Unsupported,
    /// An allocation sized by configuration or input failed (the system is out of memory, or
    /// refuses that much); nothing was changed.
    NoMem,
}

/// `Result` with lfe's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The C ABI status code (`LFE_E_*`) of this error.
    pub fn code(&self) -> i32 {
        use crate::ffi::status::*;
        match self {
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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = crate::ffi::status::status_text(self.code());
        match self {
            Error::Invalid(what) => write!(f, "{base}: {what}"),
            Error::BufferTooSmall { needed } => write!(f, "{base}: {needed} bytes needed"),
            Error::BadPattern(msg) => write!(f, "{base}: {msg}"),
            _ => f.write_str(base),
        }
    }
}

impl std::error::Error for Error {}
