//! Line analysis for enrichment: level, tags, URLs and error starts (INTERFACE STUB: the
//! detectors are filled in by the detection work; the signatures are fixed).

use std::borrow::Cow;

/// Log level detected from a line's text.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    Unknown = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Critical = 5,
}

/// Tag bits detected from a line's text (a line can carry several).
pub mod tags {
    pub const BUILD: u32 = 1 << 0;
    pub const TEST: u32 = 1 << 1;
    pub const LINT: u32 = 1 << 2;
    pub const COMPILE: u32 = 1 << 3;
    pub const WARNING: u32 = 1 << 4;
    pub const ERROR: u32 = 1 << 5;
    /// Every tag bit.
    pub const ALL: u32 = (1 << 6) - 1;
}

/// The kind of error a line starts.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// JS/TS `TypeError:`, `ReferenceError:`, `Error:` ...
    JavaScript = 1,
    /// Go `panic:` / `fatal error:`.
    GoPanic = 2,
    /// Python `Traceback (most recent call last):` or `XxxError:`.
    Python = 3,
    /// Rust `thread '...' panicked at`.
    RustPanic = 4,
    /// Java / JVM `Exception in thread` or `xxx.XxxException:`.
    Java = 5,
    /// Compiler errors: `error[E0308]:`, `error TS2322:`, `file.c:1:2: error:`, ...
    Compiler = 6,
    /// Any other line that clearly reports an error.
    Generic = 7,
}

/// What the detectors found in one line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    pub level: Level,
    /// `tags::*` bits.
    pub tags: u32,
    /// URLs found, already trimmed and normalised (see `urls::normalize`), in order of appearance.
    pub urls: Vec<Vec<u8>>,
    /// Set when this line starts an error (opens an error group).
    pub error: Option<ErrorKind>,
    /// Set when this line looks like a continuation of an error (stack frame, context line,
    /// caret line, `at ...`, indented line, `Caused by:`).
    pub continuation: bool,
}

/// The compiled detectors. Cheap to share (`Send + Sync`); build once per store.
#[derive(Debug)]
pub struct Detector {
    _private: (),
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// Compiles the detectors.
    pub fn new() -> Detector {
        Detector { _private: () }
    }

    /// Analyses one line (any bytes; ANSI escape sequences are ignored).
    pub fn analyze(&self, line: &[u8]) -> Analysis {
        let _ = line;
        Analysis::default()
    }
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, two-byte
/// `ESC x`). Borrowed when the line has none.
pub fn strip_ansi(line: &[u8]) -> Cow<'_, [u8]> {
    Cow::Borrowed(line)
}
