//! Per-thread search state: each thread keeps its own regex caches and line buffers.

use regex_automata::{hybrid, meta, PatternSet};

use super::setpass::MatchMasks;
use super::strip::Link;
use super::{Detector, ErrorKind, Level};

/// Per-thread search state for one detector: regex caches and reused buffers.
///
/// regex-automata's own cache pool has a fast path only for the thread that first used a
/// regex; every other thread locks a pool stack on each search. With analysis running on
/// several threads at once (the worker and helping appenders), each thread keeps its own
/// caches, and searches pass them explicitly.
pub(super) struct Scratch {
    /// The line being analysed, stripped.
    pub(super) line: LineBufs,
    pub(super) search: Search,
}

/// The stripped line and its OSC 8 links (`Detector::analyze`).
pub(super) struct LineBufs {
    pub(super) stripped: Vec<u8>,
    pub(super) links: Vec<Link>,
}

/// Regex caches and the buffers the analysis of a stripped line uses.
pub(super) struct Search {
    pub(super) set: meta::Cache,
    pub(super) set_dfa: hybrid::dfa::Cache,
    pub(super) structured: meta::Cache,
    pub(super) labels: meta::Cache,
    pub(super) label_one: Vec<meta::Cache>,
    pub(super) hints: meta::Cache,
    pub(super) tags: meta::Cache,
    pub(super) starts: meta::Cache,
    pub(super) vite: meta::Cache,
    pub(super) continuations: meta::Cache,
    /// The set patterns a line matched.
    pub(super) hits: PatternSet,
    /// The set DFA's match states met, by pattern mask.
    pub(super) match_masks: MatchMasks,
    /// The visible text with its URLs blanked.
    pub(super) masked: Vec<u8>,
    /// Decisions made from the set's hits alone.
    pub(super) decisions: Decisions,
}

/// Bytes of line buffer a thread's scratch keeps between lines.
pub(super) const KEEP_BYTES: usize = 64 << 10;

/// Detectors whose scratch a thread keeps (in use at once: normally one, the shared one).
pub(super) const CACHED_DETECTORS: usize = 4;

/// One thread's scratch, by detector id. When the thread exits it goes to [`SPARE`], so the
/// next thread starts with warm lazy-DFA caches (building DFA states again is the slow part of
/// a cold search).
pub(super) struct ThreadScratch(Vec<(u64, Box<Scratch>)>);

impl Drop for ThreadScratch {
    fn drop(&mut self) {
        SPARE.give_back(&mut self.0);
    }
}

/// Scratch an exited thread left for detector `id`, if any.
pub(super) fn take_spare(id: u64) -> Option<Box<Scratch>> {
    SPARE.take(id)
}

/// Scratch left by exited threads.
static SPARE: SparePool<Scratch> = SparePool::new();

/// Per-detector state (by detector id) that exited threads left for the next ones, bounded.
///
/// `#[doc(hidden)] pub` so the frozen old detector (`lfe_baselines::detect`) keeps its caches
/// the same way with this code rather than a copy.
#[doc(hidden)]
pub struct SparePool<T>(std::sync::Mutex<Vec<(u64, Box<T>)>>);

impl<T> Default for SparePool<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SparePool<T> {
    /// The most entries kept; what an exiting thread has beyond that is dropped.
    pub const MAX: usize = 16;

    pub const fn new() -> Self {
        SparePool(std::sync::Mutex::new(Vec::new()))
    }

    /// Keeps an exiting thread's entries (emptying `items`), up to [`Self::MAX`] in all.
    pub fn give_back(&self, items: &mut Vec<(u64, Box<T>)>) {
        if let Ok(mut spare) = self.0.lock() {
            for c in items.drain(..) {
                if spare.len() < Self::MAX {
                    spare.push(c);
                }
            }
        }
    }

    /// Takes an entry left for detector `id`, if any.
    pub fn take(&self, id: u64) -> Option<Box<T>> {
        let mut spare = self.0.lock().ok()?;
        let i = spare.iter().position(|(x, _)| *x == id)?;
        Some(spare.swap_remove(i).1)
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<ThreadScratch> =
        const { std::cell::RefCell::new(ThreadScratch(Vec::new())) };
}

impl Detector {
    pub(super) fn new_scratch(&self) -> Scratch {
        Scratch {
            line: LineBufs {
                stripped: Vec::new(),
                links: Vec::new(),
            },
            search: self.new_search(),
        }
    }

    fn new_search(&self) -> Search {
        Search {
            set: self.set.create_cache(),
            set_dfa: self.set_dfa.create_cache(),
            structured: self.structured.create_cache(),
            labels: self.labels.create_cache(),
            label_one: self.label_one.iter().map(|r| r.create_cache()).collect(),
            hints: self.hints.create_cache(),
            tags: self.tags.create_cache(),
            starts: self.starts.create_cache(),
            vite: self.vite.create_cache(),
            continuations: self.continuations.create_cache(),
            hits: PatternSet::new(self.set.pattern_len()),
            match_masks: MatchMasks::new(),
            masked: Vec::new(),
            decisions: Decisions::new(),
        }
    }

    /// Adds this detector's scratch to a thread's table (from the spares of exited threads, or
    /// new); returns its index.
    #[cold]
    #[inline(never)]
    fn add_scratch(&self, table: &mut Vec<(u64, Box<Scratch>)>) -> usize {
        let s = take_spare(self.id).unwrap_or_else(|| self.boxed_scratch());
        if table.len() >= CACHED_DETECTORS {
            table.remove(0);
        }
        table.push((self.id, s));
        table.len() - 1
    }

    /// A new scratch, on the heap (it is large: kept off the callers' stack frames).
    #[cold]
    #[inline(never)]
    fn boxed_scratch(&self) -> Box<Scratch> {
        Box::new(self.new_scratch())
    }

    /// Runs `f` with this thread's scratch for this detector (from the thread's table, or the
    /// spares of exited threads, or new). A thread being torn down gets a fresh one.
    pub(super) fn with_scratch<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        let mut f = Some(f);
        let r = SCRATCH.try_with(|t| {
            let mut t = t.try_borrow_mut().ok()?;
            let i = match t.0.iter().position(|(x, _)| *x == self.id) {
                Some(i) => i,
                None => self.add_scratch(&mut t.0),
            };
            let f = f.take()?;
            Some(f(&mut t.0[i].1))
        });
        match (r, f) {
            (Ok(Some(r)), _) => r,
            // Thread-local gone (thread exit) or in use: a fresh scratch, dropped after.
            (_, Some(f)) => f(&mut self.boxed_scratch()),
            (_, None) => unreachable!("analysis ran but returned nothing"),
        }
    }
}

/// What `Detector::decide` concluded: the analysis but for the URLs and the indentation part
/// of `continuation`.
#[derive(Clone, Copy)]
pub(super) struct Decision {
    pub(super) level: Level,
    pub(super) tags: u32,
    pub(super) error: Option<ErrorKind>,
    /// A continuation pattern matched (and the line starts no error).
    pub(super) continuation: bool,
}

/// What a decision made without a regex search depends on: the set's hits, whether the text
/// starts indented, whether it is a stack frame (`at ...`).
pub(super) type DecisionKey = (u64, bool, bool);

/// Decisions made from the hits alone, by key, in a small direct-mapped table (a colliding
/// key replaces the older one; a miss only costs the decision again).
pub(super) struct Decisions {
    slots: Box<[Option<(DecisionKey, Decision)>]>,
}

const DECISION_SLOTS_LOG2: u32 = 9;

impl Decisions {
    pub(super) fn new() -> Decisions {
        Decisions {
            slots: vec![None; 1 << DECISION_SLOTS_LOG2].into_boxed_slice(),
        }
    }

    fn slot(key: DecisionKey) -> usize {
        let (hits, indented, frame) = key;
        let k = hits ^ u64::from(indented) << 62 ^ u64::from(frame) << 61;
        (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - DECISION_SLOTS_LOG2)) as usize
    }

    #[inline]
    pub(super) fn get(&self, key: DecisionKey) -> Option<Decision> {
        match self.slots[Self::slot(key)] {
            Some((k, d)) if k == key => Some(d),
            _ => None,
        }
    }

    pub(super) fn put(&mut self, key: DecisionKey, d: Decision) {
        self.slots[Self::slot(key)] = Some((key, d));
    }
}
