//! The error type of the safe Rust API. The C ABI crate (`lfe-capi`) maps each variant to one
//! `LFE_E_*` status code whose text is [`Error::text`], so the Rust and C APIs report the same
//! failures in the same words; this crate knows nothing of the C codes.

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
    /// An allocation sized by the configuration or the input failed (nothing was changed).
    NoMem,
}

/// `Result` with lfe's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The kind of failure in a few words, without the variant's details (the C ABI's
    /// `lfe_status_str` gives the same text for the matching code).
    pub fn text(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid argument",
            Error::Full => "full (would block)",
            Error::Empty => "empty (would block)",
            Error::Timeout => "timed out",
            Error::NotFound => "not found",
            Error::BufferTooSmall { .. } => "buffer too small",
            Error::Conflict => "conflict (state changed meanwhile)",
            Error::Closed => "closed",
            Error::BadPattern(_) => "bad pattern",
            Error::TooLarge => "too large",
            Error::Exists => "already exists",
            Error::Unsupported => "not supported",
            Error::NoMem => "out of memory",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.text();
        match self {
            Error::Invalid(what) => write!(f, "{base}: {what}"),
            Error::BufferTooSmall { needed } => write!(f, "{base}: {needed} bytes needed"),
            Error::BadPattern(msg) => write!(f, "{base}: {msg}"),
            _ => f.write_str(base),
        }
    }
}

impl std::error::Error for Error {}
