//! Error detection grouping (INTERFACE STUB: filled in by the detection work).

use super::enrich::{Analysis, ErrorKind};

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

/// Groups error lines per process. Fed lines in sequence order by the enricher.
#[derive(Debug, Default)]
pub struct ErrorGrouper {
    cfg: GroupConfig,
    groups: Vec<ErrorGroup>,
}

impl ErrorGrouper {
    pub fn new(cfg: GroupConfig) -> ErrorGrouper {
        ErrorGrouper {
            cfg,
            groups: Vec::new(),
        }
    }

    /// Feeds one analysed line (`text` is the ANSI-stripped line).
    pub fn feed(&mut self, process_id: u64, seq: u64, ts_ns: u64, text: &[u8], a: &Analysis) {
        let _ = (process_id, seq, ts_ns, text, a, self.cfg);
    }

    /// Recent groups, oldest first.
    pub fn groups(&self) -> Vec<ErrorGroup> {
        self.groups.clone()
    }

    pub fn clear(&mut self) {
        self.groups.clear();
    }

    pub fn clear_process(&mut self, process_id: u64) {
        self.groups.retain(|g| g.process_id != process_id);
    }
}
