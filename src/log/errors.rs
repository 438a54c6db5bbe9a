//! Error detection grouping.
//!
//! Per process at most one group is open. A line whose analysis has `error` closes that
//! process's open group and opens a new one; a `continuation` line joins the open group; a blank
//! line is neutral (Go prints one between `panic:` and `goroutine 1`); any other line closes it.
//! Three refinements keep real traces in one group: the line after a header (a joined line
//! ending in `:`, `ERROR in ...`, `Failed to compile`, or a bare `file:line:col` location) joins
//! unconditionally (Rust's panic message, webpack's `Module not found`); a Python traceback's
//! final `XxxError: msg` joins its `Traceback` group; and a `Traceback` after `During handling
//! of the above exception` joins the chain. A group also closes at `max_lines` lines and when
//! its process's next line comes more than `max_gap_ns` after the previous one. A group opened
//! by a log header line (a timestamp or `LEVEL:` prefix, reporting an error:
//! `2024-01-01 12:00:00 ERROR [main] c.e.App - Request failed`) takes the exception that
//! immediately follows it (a JVM `java.lang.IllegalStateException: boom` or a Python
//! `Traceback`), and the group then has the exception's kind.
//!
//! The grouper reads no more of a line than its [`LineShape`] (a few bits the analyser
//! computes off the enrichment lock, see [`LineShape::of`]), its `Analysis` and, only for a
//! line that opens a group, its title (asked for lazily).
//!
//! Invariant: `groups` holds at most `capacity` groups in increasing id order (oldest dropped
//! first); `open` maps a process to the id of its open group, which is in `groups` and not
//! `closed`, or the entry is removed.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
/// std's Arc in every mode: the groups are shared with `arc-swap` snapshots, which loom does
/// not model.
use std::sync::Arc;

use super::enrich::{visible_part, Analysis, ErrorKind};

/// Bounds of error grouping.
#[derive(Debug, Clone, Copy)]
pub struct GroupConfig {
    /// Recent groups kept (oldest dropped first).
    pub capacity: usize,
    /// A group closes after this many lines.
    pub max_lines: usize,
    /// A group closes when the next line of its process comes this much later (ns).
    pub max_gap_ns: u64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        GroupConfig {
            capacity: 256,
            max_lines: 64,
            max_gap_ns: 2_000_000_000,
        }
    }
}

/// One error group: the line that started it and the lines that joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorGroup {
    /// Unique, increasing id.
    pub id: u64,
    pub process_id: u64,
    pub kind: ErrorKind,
    /// The text of the first line (ANSI stripped).
    pub first_line: Vec<u8>,
    /// Sequences of the lines in the group, in order (first is the starting line).
    pub seqs: Vec<u64>,
    pub first_ns: u64,
    pub last_ns: u64,
    /// False while the group can still take lines.
    pub closed: bool,
}

/// What the grouper needs to know of a line's text, besides its `Analysis`: computed once, by
/// the analyser (off the enrichment lock), from the visible ANSI-stripped text.
///
/// cbindgen:ignore
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LineShape(u8);

/// cbindgen:ignore
impl LineShape {
    /// Only whitespace.
    pub const BLANK: u8 = 1 << 0;
    /// Python's `Traceback (most recent call last)`.
    pub const TRACEBACK: u8 = 1 << 1;
    /// Python's `During handling of the above exception` / `The above exception was ...`.
    pub const CHAIN: u8 = 1 << 2;
    /// Ends with `:` (details follow when the line joined a group).
    pub const COLON: u8 = 1 << 3;
    /// Opens a group whose next line joins unconditionally (`is_header`).
    pub const HEADER: u8 = 1 << 4;
    /// A log header: starts with a timestamp (`2024-01-01 12:00:00`, `[12:00:00.123]`) or a
    /// `LEVEL:` prefix (`ERROR:root:`).
    pub const LOG_HEADER: u8 = 1 << 5;
    /// Every bit.
    pub const ALL: u8 = (1 << 6) - 1;

    /// The shape of `text` (ANSI-stripped; `visible_part` is applied here).
    ///
    /// This runs for every line, so each test is gated on the trimmed text's first or last
    /// byte (every prefix below starts with an ASCII letter, a digit, `[` or, for the status
    /// symbols, a UTF-8 lead byte; a location ends with a digit): a typical line costs the
    /// trims and a few byte compares, not one `starts_with` per pattern. `shape_reference` in
    /// the tests is the ungated definition, and the two are compared on the corpus and on
    /// random lines.
    pub fn of(text: &[u8]) -> LineShape {
        let t = visible_part(text).trim_ascii();
        let (Some(&first), Some(&last)) = (t.first(), t.last()) else {
            return LineShape(Self::BLANK);
        };
        let mut b = 0;
        match first {
            b'T' => {
                if is_traceback(t) {
                    b |= Self::TRACEBACK;
                }
                if is_chain_phrase(t) {
                    b |= Self::CHAIN;
                }
            }
            b'D' if is_chain_phrase(t) => b |= Self::CHAIN,
            _ => {}
        }
        if last == b':' {
            // A symbol prefix never ends in `:`, so the symbol-stripped text ends with `:` too.
            b |= Self::COLON | Self::HEADER;
        } else if if first >= 0x80 {
            is_header(t)
        } else {
            // No status symbol to strip (they are not ASCII).
            (matches!(first, b'E' | b'F') || last.is_ascii_digit()) && is_header_unsymbolled(t)
        } {
            b |= Self::HEADER;
        }
        let u = if first == b'[' { &t[1..] } else { t };
        if matches!(u.first(), Some(b'0'..=b'9' | b'E' | b'C' | b'F' | b'S')) && is_log_header(t) {
            b |= Self::LOG_HEADER;
        }
        LineShape(b)
    }

    /// The bits (`LineShape::*` constants).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The shape with these bits (bits outside [`LineShape::ALL`] are dropped).
    pub fn from_bits(bits: u8) -> LineShape {
        LineShape(bits & Self::ALL)
    }

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// Hashes the process ids that key the open groups: a multiply and a fold (the map is looked
/// up for every line). The keys are the host's process ids, not log text, so SipHash's keyed
/// protection against chosen collisions buys nothing here.
#[derive(Debug, Default, Clone, Copy)]
struct PidHasher(u64);

impl Hasher for PidHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[derive(Debug, Clone, Copy)]
struct Open {
    id: u64,
    last_ns: u64,
    /// The next non-blank line joins whatever it is.
    header: bool,
    /// A Python traceback still waiting for its `XxxError: msg` line.
    awaiting_exception: bool,
    /// The last joined line was Python's "During handling ..." / "The above exception ...".
    chained: bool,
    /// The group is a log header line alone: the exception right after it joins.
    log_header: bool,
}

/// Groups error lines per process. Fed lines in sequence order by the enricher.
#[derive(Debug, Default)]
pub struct ErrorGrouper {
    cfg: GroupConfig,
    /// Shared with the published snapshots (`shared_groups`): a group is copied only when it
    /// changes while a snapshot holds it (`Arc::make_mut`), not on every publication.
    groups: VecDeque<Arc<ErrorGroup>>,
    open: HashMap<u64, Open, BuildHasherDefault<PidHasher>>,
    next_id: u64,
    /// `groups` may have changed since [`take_changed`](Self::take_changed) last looked.
    changed: bool,
}

impl ErrorGrouper {
    pub fn new(cfg: GroupConfig) -> ErrorGrouper {
        ErrorGrouper {
            cfg,
            groups: VecDeque::new(),
            open: HashMap::default(),
            next_id: 1,
            changed: false,
        }
    }

    fn index_of(&self, id: u64) -> Option<usize> {
        // Ids are given out one by one and groups leave from the front, so a group's index is
        // usually its id minus the first id (a look-up per line with an open group); after
        // `clear_process` removed groups from the middle, a binary search.
        let first = self.groups.front()?.id;
        let guess = usize::try_from(id.checked_sub(first)?).ok()?;
        if self.groups.get(guess).is_some_and(|g| g.id == id) {
            return Some(guess);
        }
        self.groups.binary_search_by_key(&id, |g| g.id).ok()
    }

    fn close(&mut self, process_id: u64) {
        if let Some(o) = self.open.remove(&process_id) {
            if let Some(i) = self.index_of(o.id) {
                Arc::make_mut(&mut self.groups[i]).closed = true;
                self.changed = true;
            }
        }
    }

    /// Feeds one analysed line (`text` is the ANSI-stripped line).
    /// `first_line` keeps the visible part (`enrich::visible_part`: no trailing CR/LF, text
    /// after the last `\r`).
    pub fn feed(&mut self, process_id: u64, seq: u64, ts_ns: u64, text: &[u8], a: &Analysis) {
        let shape = LineShape::of(text);
        self.feed_shaped(process_id, seq, ts_ns, shape, a, || {
            visible_part(text).to_vec()
        });
    }

    /// Feeds one analysed line by its shape: what [`feed`](Self::feed) does, without reading
    /// the text. `title` gives the visible ANSI-stripped text and is called only when the line
    /// opens a group (the log store strips lazily, under its enrichment lock, only there).
    pub fn feed_shaped(
        &mut self,
        process_id: u64,
        seq: u64,
        ts_ns: u64,
        shape: LineShape,
        a: &Analysis,
        title: impl FnOnce() -> Vec<u8>,
    ) {
        // The open group may have been evicted by capacity. (One map lookup serves both steps.)
        let mut open = None;
        if let Some(o) = self.open.get(&process_id).copied() {
            match self.index_of(o.id) {
                None => {
                    self.open.remove(&process_id);
                }
                Some(_) if ts_ns.saturating_sub(o.last_ns) > self.cfg.max_gap_ns => {
                    self.close(process_id);
                }
                Some(i) => open = Some((o, i)),
            }
        }
        if shape.has(LineShape::BLANK) {
            return;
        }
        let traceback = shape.has(LineShape::TRACEBACK);
        if let Some((o, i)) = open {
            let python_tail = o.awaiting_exception && a.error.is_some() && !traceback;
            let chain = o.chained && traceback;
            // The exception a log header announced (`... ERROR ... - Request failed`, then
            // `java.lang.IllegalStateException: boom` or `Traceback ...`).
            let announced = o.log_header
                && match a.error {
                    Some(ErrorKind::Java) => true,
                    Some(ErrorKind::Python) => traceback,
                    _ => false,
                };
            let joins = o.header
                || python_tail
                || chain
                || announced
                || (a.error.is_none() && a.continuation);
            if joins {
                self.changed = true;
                let g = Arc::make_mut(&mut self.groups[i]);
                g.seqs.push(seq);
                g.last_ns = g.last_ns.max(ts_ns);
                if announced && g.kind == ErrorKind::Generic {
                    if let Some(k) = a.error {
                        g.kind = k;
                    }
                }
                let full = g.seqs.len() >= self.cfg.max_lines.max(1);
                let header = if announced {
                    shape.has(LineShape::HEADER)
                } else {
                    shape.has(LineShape::COLON) && !python_tail
                };
                let o = Open {
                    id: o.id,
                    last_ns: ts_ns,
                    header,
                    awaiting_exception: (o.awaiting_exception && !python_tail)
                        || chain
                        || (announced && traceback),
                    chained: shape.has(LineShape::CHAIN),
                    log_header: false,
                };
                if full {
                    g.closed = true;
                    self.open.remove(&process_id);
                } else {
                    self.open.insert(process_id, o);
                }
                return;
            }
            self.close(process_id);
        }
        let Some(kind) = a.error else {
            return;
        };
        if self.cfg.capacity == 0 {
            return;
        }
        while self.groups.len() >= self.cfg.capacity {
            if let Some(old) = self.groups.pop_front() {
                if self
                    .open
                    .get(&old.process_id)
                    .is_some_and(|o| o.id == old.id)
                {
                    self.open.remove(&old.process_id);
                }
            }
        }
        self.changed = true;
        let id = self.next_id;
        self.next_id += 1;
        let single = self.cfg.max_lines <= 1;
        self.groups.push_back(Arc::new(ErrorGroup {
            id,
            process_id,
            kind,
            first_line: title(),
            seqs: {
                // Most groups are a few lines (a message and its frames): one allocation.
                let mut v = Vec::with_capacity(self.cfg.max_lines.clamp(1, 8));
                v.push(seq);
                v
            },
            first_ns: ts_ns,
            last_ns: ts_ns,
            closed: single,
        }));
        if !single {
            self.open.insert(
                process_id,
                Open {
                    id,
                    last_ns: ts_ns,
                    header: shape.has(LineShape::HEADER),
                    awaiting_exception: kind == ErrorKind::Python && traceback,
                    chained: false,
                    log_header: kind == ErrorKind::Generic && shape.has(LineShape::LOG_HEADER),
                },
            );
        }
    }

    /// True when the groups may have changed since the last call (what [`groups`](Self::groups)
    /// returns): the log store copies them for readers only then.
    pub(crate) fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Recent groups, oldest first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        self.groups.iter().map(|g| ErrorGroup::clone(g)).collect()
    }

    /// [`groups`](Self::groups), shared: a copy of the list of handles, not of the groups.
    pub(crate) fn shared_groups(&self) -> Vec<Arc<ErrorGroup>> {
        self.groups.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn clear(&mut self) {
        self.changed = true;
        self.groups.clear();
        self.open.clear();
    }

    pub fn clear_process(&mut self, process_id: u64) {
        self.changed = true;
        self.groups.retain(|g| g.process_id != process_id);
        self.open.remove(&process_id);
    }
}

/// (`t` trimmed, here and below.)
fn is_traceback(t: &[u8]) -> bool {
    t.starts_with(b"Traceback (most recent call last)")
}

fn is_chain_phrase(t: &[u8]) -> bool {
    t.starts_with(b"During handling of the above exception")
        || t.starts_with(b"The above exception was the direct cause")
}

/// Strips a leading status symbol (`⨯`, `✖`, ...) and whitespace.
fn strip_symbol(t: &[u8]) -> &[u8] {
    for s in ["⨯", "✖", "✗", "✘", "✕", "×", "●", "❌"] {
        if let Some(rest) = t.strip_prefix(s.as_bytes()) {
            return rest.trim_ascii();
        }
    }
    t
}

/// A start line whose details follow on the next line.
fn is_header(t: &[u8]) -> bool {
    is_header_unsymbolled(strip_symbol(t))
}

/// [`is_header`] of a text without a leading status symbol.
fn is_header_unsymbolled(t: &[u8]) -> bool {
    if t.ends_with(b":") || t.starts_with(b"ERROR in ") || t.starts_with(b"Failed to compile") {
        return true;
    }
    // A bare `path:line[:col]` location (the space test first: it stops at the first space,
    // early in most lines).
    !t.is_empty()
        && !t.iter().any(u8::is_ascii_whitespace)
        && t.iter()
            .rposition(|&b| b == b':')
            .is_some_and(|p| p + 1 < t.len() && t[p + 1..].iter().all(u8::is_ascii_digit))
}

/// A log header: the line starts (after an optional `[`) with a date or time stamp
/// (`2024-01-01`, `2024/01/01`, `12:00:00`), or with a logging `LEVEL:` prefix
/// (`ERROR:root:msg`, Python's default format).
fn is_log_header(t: &[u8]) -> bool {
    let t = t.strip_prefix(b"[").unwrap_or(t);
    let digits = |s: &[u8], n: usize| s.len() >= n && s[..n].iter().all(u8::is_ascii_digit);
    // 2024-01-01 / 2024/01/01
    if digits(t, 4) && matches!(t.get(4), Some(b'-' | b'/')) && digits(&t[5..], 2) {
        return true;
    }
    // 12:00:00
    if digits(t, 2) && t.get(2) == Some(&b':') && digits(&t[3..], 2) && t.get(5) == Some(&b':') {
        return true;
    }
    for level in [&b"ERROR:"[..], b"CRITICAL:", b"FATAL:", b"SEVERE:"] {
        if t.starts_with(level) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ungated definition of [`LineShape::of`]: every test on every line.
    fn shape_reference(text: &[u8]) -> LineShape {
        let t = visible_part(text).trim_ascii();
        if t.is_empty() {
            return LineShape(LineShape::BLANK);
        }
        let mut b = 0;
        if is_traceback(t) {
            b |= LineShape::TRACEBACK;
        }
        if is_chain_phrase(t) {
            b |= LineShape::CHAIN;
        }
        if t.ends_with(b":") {
            b |= LineShape::COLON;
        }
        if is_header(t) {
            b |= LineShape::HEADER;
        }
        if is_log_header(t) {
            b |= LineShape::LOG_HEADER;
        }
        LineShape(b)
    }

    /// The gated shape equals the reference on every line of both corpora and on random
    /// lines made of the fragments the tests look for.
    #[test]
    fn shape_gates_change_nothing() {
        let mut n = 0;
        for dir in ["benches/data", "tests/data"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for e in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read(e.unwrap().path()).unwrap();
                for line in text.split(|&b| b == b'\n') {
                    let stripped = crate::log::enrich::strip_ansi(line);
                    assert_eq!(
                        LineShape::of(&stripped),
                        shape_reference(&stripped),
                        "{:?}",
                        String::from_utf8_lossy(line)
                    );
                    n += 1;
                }
            }
        }
        assert!(n > 2000, "corpora read: {n} lines");
        let parts: &[&[u8]] = &[
            b"Traceback (most recent call last)",
            b"During handling of the above exception",
            b"The above exception was the direct cause",
            b"ERROR in ",
            b"Failed to compile",
            b"ERROR:",
            b"CRITICAL:",
            b"FATAL:",
            b"SEVERE:",
            "⨯".as_bytes(),
            "✖".as_bytes(),
            "×".as_bytes(),
            "●".as_bytes(),
            "❌".as_bytes(),
            b"2024-01-01",
            b"2024/01/01",
            b"12:00:00",
            b"src/a.rs:12:5",
            b":",
            b"[",
            b" ",
            b"\t",
            b"\r",
            b"\n",
            b"7",
            b"x",
            b"T",
            b"E",
            b"\xe2",
            b"\xc3",
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let mut line = Vec::new();
            for _ in 0..next() % 5 {
                line.extend_from_slice(parts[(next() % parts.len() as u64) as usize]);
            }
            assert_eq!(
                LineShape::of(&line),
                shape_reference(&line),
                "{:?}",
                String::from_utf8_lossy(&line)
            );
        }
    }
}
