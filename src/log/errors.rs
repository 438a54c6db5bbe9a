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
//! its process's next line comes more than `max_gap_ns` after the previous one.
//!
//! Invariant: `groups` holds at most `capacity` groups in increasing id order (oldest dropped
//! first); `open` maps a process to the id of its open group, which is in `groups` and not
//! `closed`, or the entry is removed.

use std::collections::{HashMap, VecDeque};

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
}

/// Groups error lines per process. Fed lines in sequence order by the enricher.
#[derive(Debug, Default)]
pub struct ErrorGrouper {
    cfg: GroupConfig,
    groups: VecDeque<ErrorGroup>,
    open: HashMap<u64, Open>,
    next_id: u64,
}

impl ErrorGrouper {
    pub fn new(cfg: GroupConfig) -> ErrorGrouper {
        ErrorGrouper {
            cfg,
            groups: VecDeque::new(),
            open: HashMap::new(),
            next_id: 1,
        }
    }

    fn index_of(&self, id: u64) -> Option<usize> {
        self.groups.binary_search_by_key(&id, |g| g.id).ok()
    }

    fn close(&mut self, process_id: u64) {
        if let Some(o) = self.open.remove(&process_id) {
            if let Some(i) = self.index_of(o.id) {
                self.groups[i].closed = true;
            }
        }
    }

    /// Feeds one analysed line (`text` is the ANSI-stripped line).
    /// `first_line` keeps the visible part (`enrich::visible_part`: no trailing CR/LF, text
    /// after the last `\r`).
    pub fn feed(&mut self, process_id: u64, seq: u64, ts_ns: u64, text: &[u8], a: &Analysis) {
        let text = visible_part(text);
        // The open group may have been evicted by capacity.
        if let Some(o) = self.open.get(&process_id).copied() {
            if self.index_of(o.id).is_none() {
                self.open.remove(&process_id);
            } else if ts_ns.saturating_sub(o.last_ns) > self.cfg.max_gap_ns {
                self.close(process_id);
            }
        }
        if is_blank(text) {
            return;
        }
        if let Some(o) = self.open.get(&process_id).copied() {
            let python_tail = o.awaiting_exception && a.error.is_some() && !is_traceback(text);
            let chain = o.chained && is_traceback(text);
            let joins = o.header || python_tail || chain || (a.error.is_none() && a.continuation);
            if joins {
                let i = self.index_of(o.id).expect("open group is live");
                let g = &mut self.groups[i];
                g.seqs.push(seq);
                g.last_ns = g.last_ns.max(ts_ns);
                let full = g.seqs.len() >= self.cfg.max_lines.max(1);
                let chained = is_chain_phrase(text);
                let o = Open {
                    id: o.id,
                    last_ns: ts_ns,
                    header: ends_with_colon(text) && !python_tail,
                    awaiting_exception: (o.awaiting_exception && !python_tail) || chain,
                    chained,
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
        let id = self.next_id;
        self.next_id += 1;
        let single = self.cfg.max_lines <= 1;
        self.groups.push_back(ErrorGroup {
            id,
            process_id,
            kind,
            first_line: text.to_vec(),
            seqs: vec![seq],
            first_ns: ts_ns,
            last_ns: ts_ns,
            closed: single,
        });
        if !single {
            self.open.insert(
                process_id,
                Open {
                    id,
                    last_ns: ts_ns,
                    header: is_header(text),
                    awaiting_exception: kind == ErrorKind::Python && is_traceback(text),
                    chained: false,
                },
            );
        }
    }

    /// Recent groups, oldest first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        self.groups.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub fn clear(&mut self) {
        self.groups.clear();
        self.open.clear();
    }

    pub fn clear_process(&mut self, process_id: u64) {
        self.groups.retain(|g| g.process_id != process_id);
        self.open.remove(&process_id);
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &s[start..end]
}

fn is_blank(text: &[u8]) -> bool {
    trim(text).is_empty()
}

fn ends_with_colon(text: &[u8]) -> bool {
    trim(text).ends_with(b":")
}

fn is_traceback(text: &[u8]) -> bool {
    trim(text).starts_with(b"Traceback (most recent call last)")
}

fn is_chain_phrase(text: &[u8]) -> bool {
    let t = trim(text);
    t.starts_with(b"During handling of the above exception")
        || t.starts_with(b"The above exception was the direct cause")
}

/// Strips a leading status symbol (`⨯`, `✖`, ...) and whitespace.
fn strip_symbol(t: &[u8]) -> &[u8] {
    for s in ["⨯", "✖", "✗", "✘", "✕", "×", "●", "❌"] {
        if let Some(rest) = t.strip_prefix(s.as_bytes()) {
            return trim(rest);
        }
    }
    t
}

/// A start line whose details follow on the next line.
fn is_header(text: &[u8]) -> bool {
    let t = strip_symbol(trim(text));
    if t.ends_with(b":") || t.starts_with(b"ERROR in ") || t.starts_with(b"Failed to compile") {
        return true;
    }
    // A bare `path:line[:col]` location.
    !t.is_empty()
        && !t.iter().any(u8::is_ascii_whitespace)
        && t.iter()
            .rposition(|&b| b == b':')
            .is_some_and(|p| p + 1 < t.len() && t[p + 1..].iter().all(u8::is_ascii_digit))
}
