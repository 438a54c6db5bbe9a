//! The log store: a lock-free ring of log lines with asynchronous enrichment.
//!
//! # Design
//!
//! * Lines live in a [`Ring`](crate::ring::Ring) (see `src/ring/` for the publish/read
//!   protocol): [`LogStore::append`] and [`LogStore::append_batch`] claim a sequence with one
//!   `fetch_add` and publish with one CAS; they never take a lock on the common path. A
//!   producer's lines keep their order; memory is bounded in bytes (see "Memory bound"
//!   below); longer lines than `max_line_len` are cut (never inside a UTF-8 character, see
//!   [`truncate_at_char`]) and flagged [`flags::TRUNCATED`].
//! * Enrichment (level, tags, URL list, error groups) is done by *enrichers* that follow the
//!   ring in sequence order: a background worker thread (started by [`LogStore::new`], stopped
//!   and joined by `Drop` after it has drained what was published), or the caller in manual
//!   mode ([`LogStore::enrich`]). The worker gives way to appenders during a burst, within
//!   bounds: it runs once enrichment is half a ring behind or lines have waited 10 ms (see
//!   `pace`), so a URL is found within about 10 ms even under a stream that never pauses.
//!   The enrichment state (cursor, [`UrlList`], [`ErrorGrouper`]) sits behind one mutex
//!   taken only by enrichers. Level, tags and flags are atomics inside each line, so an
//!   enricher writes them after the line is published.
//! * URL list and error groups are published to readers as `arc-swap` snapshots when they
//!   changed: by `enrich` and `sync` before they return, by the worker when it has nothing
//!   left to apply, and while lines keep coming, by the worker and helping appenders at most
//!   once a millisecond (each snapshot copies the lists). So reads never wait on enrichment or
//!   appends, and lag a flood by at most about a millisecond.
//!
//! # The no-miss guarantee (helping) and the one place append can wait
//!
//! **Every published line is enriched before it is evicted**, in worker and manual mode alike:
//! no URL and no error line is missed because the ring wrapped. An append whose line will
//! overwrite line `s - capacity` checks the published enrichment cursor; if that line is not
//! enriched yet, the appender *helps*: it takes the enrichment mutex and enriches up to that
//! line inline (counted in [`Stats::inline_enriched`]) before publishing.
//!
//! Enrichment is split in two so helpers do not serialise on the expensive part: *analysis*
//! (the detectors' regexes; a pure function of the line's bytes) is done outside the mutex, by
//! whichever thread claims the line first (the worker analysing ahead, or the appender about to
//! evict it), and stored in the line; *applying* it (level/tags/flags, URL list, error groups)
//! happens in sequence order under the mutex and is cheap. So under sustained overload every
//! appender analyses the line it evicts in parallel with the others. An appender that will
//! have to help also analyses its *own* line before publishing it (the bytes are in its
//! cache, and nobody else can see the line yet), so in a flood each appender analyses what it
//! writes and applying the line it evicts is cheap. The worker never waits for the mutex
//! while lines remain to be analysed (a helper or `sync` holding it is applying: the worker
//! try-locks and analyses further meanwhile), and `sync` analyses the lines nobody has
//! claimed outside the mutex, alongside the worker it wakes, before it applies them: the
//! analysis runs on every core that enriches, and the mutex is held to apply. This is the only
//! place where an append can wait: when enrichment is a full ring behind (the worker starved,
//! or manual mode without `enrich` calls), appenders pay for enrichment themselves and
//! serialise on the enrichment mutex, and a helper waits for a line that was claimed but not yet
//! published by another appender (which itself never waits for the helper: it polls the
//! cursor with `try_lock`, so there is no deadlock). When enrichment keeps up, appends never
//! touch the mutex.
//!
//! # Memory bound
//!
//! A store holds at most `capacity` lines, each of at most `max_line_len` bytes plus
//! [`LINE_OVERHEAD`] (lines of up to 94 bytes live inside that overhead) plus, for a line
//! whose text has `://`, its URL list (at most its own length plus 32 bytes, counted in the
//! ring's byte accounting from the append on; see [`LogStore::line_urls`]), plus the evicted
//! lines awaiting reclamation: at most [`Config::max_unreclaimed_bytes`] of them handed to
//! the epoch collector once the appends that evicted them returned (plus one line per append
//! in progress), and less than [`crate::ring::HANDOVER_BYTES`] (64 KiB) kept by each
//! appending thread. An append over the budget helps reclamation for a bounded number of
//! rounds (no lock, no spin; see `src/ring/mod.rs`, "Memory bound"). What can exceed it: a thread
//! pinned in a long read (a `read`, `tail` or `search` over a large ring, of any store: the
//! epoch is process-wide) holds back every line evicted meanwhile until it returns.
//! Dropping the store frees its lines before `drop` returns (except those in other threads'
//! batches, freed at their next append or exit). Allocations sized by the configuration are
//! fallible: the slot array (`Error::NoMem` from [`LogStore::new`]) and a line's bytes
//! (`Error::NoMem` from [`LogStore::try_append`]). The maximums are [`MAX_CAPACITY`] and
//! [`MAX_LINE_LEN`].
//!
//! # Following
//!
//! [`LogStore::wait`] blocks until a line at or after a cursor is published, so a follower
//! reads, and when it is caught up waits instead of polling. It is the `event::wait` protocol
//! (spin briefly, then park on a `WaitSet`): the appender's claim of its sequence is a `SeqCst`
//! RMW and, after publishing, it does one `SeqCst` load of the waiter count (nothing more when
//! nobody follows); the follower registers, then re-checks the claimed count with a `SeqCst`
//! load. A line claimed but not yet published makes the follower yield and retry rather than
//! park. [`LogStore::interrupt`] wakes every follower (`Ok(false)`: a host cancelling one wait)
//! and [`LogStore::close`] makes every wait return `Closed`.
//!
//! # Clearing
//!
//! [`LogStore::clear`] hides every line appended before it (a sequence floor);
//! [`LogStore::clear_process`] flags that process's retained lines hidden. Sequences stay
//! monotonic; hidden lines are skipped by reads (not reported as missed).

pub mod enrich;
pub mod errors;
pub mod pace;
pub mod urls;

mod line;
mod store;
mod worker;

pub use store::LogStore;

use crate::ring::{Look, Ring, StripedCounter};
use crate::sync::{Arc, AtomicPtr, AtomicU32, AtomicU64, Mutex, Ordering};
use crate::{Error, Result};
use arc_swap::ArcSwap;
use crossbeam_utils::CachePadded;
use enrich::{strip_ansi, visible_part, Detector, Level};
use errors::{ErrorGroup, ErrorGrouper, GroupConfig, LineShape};
use std::ops::Range;
/// arc-swap snapshots use std's Arc in every mode (arc-swap is not loom-instrumented).
use std::sync::Arc as StdArc;
use urls::{UrlEntry, UrlList};

/// Which stream a line came from.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Stream {
    #[default]
    Stdout = 0,
    Stderr = 1,
    /// Lines the host writes itself (process started, exited, ...).
    System = 2,
}

impl Stream {
    /// The stream with this number (0 stdout, 1 stderr, 2 system).
    pub fn from_u32(v: u32) -> Option<Stream> {
        match v {
            0 => Some(Stream::Stdout),
            1 => Some(Stream::Stderr),
            2 => Some(Stream::System),
            _ => None,
        }
    }
}

/// Converts a level number (as stored) back to a [`Level`]; unknown numbers give `Unknown`.
pub fn level_from_u8(v: u8) -> Level {
    Level::ALL
        .get(usize::from(v))
        .copied()
        .unwrap_or(Level::Unknown)
}

/// Line flag bits.
pub mod flags {
    /// The line was longer than `max_line_len` and was cut.
    pub const TRUNCATED: u32 = 1 << 0;
    /// The line was analysed (level, tags, URLs, errors are final).
    pub const ENRICHED: u32 = 1 << 1;
    /// The line starts an error group.
    pub const ERROR_START: u32 = 1 << 2;
    /// The line continues an error (stack frame, context line).
    pub const CONTINUATION: u32 = 1 << 3;
    /// The line contains at least one URL.
    pub const HAS_URL: u32 = 1 << 4;
    /// Every public flag bit.
    pub const MASK: u32 = (1 << 5) - 1;
    /// Internal: hidden by `clear_process` (never reported).
    pub const CLEARED: u32 = 1 << 31;
    /// Internal: a thread has claimed this line's analysis (so two threads rarely analyse the
    /// same line).
    pub(crate) const CLAIMED: u32 = 1 << 30;
    /// Internal: the line may keep a URL list (its raw text has `://`); its byte accounting
    /// includes room for one (see `url_room`).
    pub(crate) const URL_ROOM: u32 = 1 << 29;

    /// The public flags an analysis gives a line: [`ENRICHED`], and [`ERROR_START`],
    /// [`CONTINUATION`], [`HAS_URL`] for what it found.
    pub fn of(a: &super::enrich::Analysis) -> u32 {
        let mut fl = ENRICHED;
        if a.error.is_some() {
            fl |= ERROR_START;
        }
        if a.continuation {
            fl |= CONTINUATION;
        }
        if !a.urls.is_empty() {
            fl |= HAS_URL;
        }
        fl
    }
}

/// Configuration of a [`LogStore`].
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Lines kept (default 10,000).
    pub capacity: usize,
    /// Longer lines are cut to this many bytes and flagged `TRUNCATED` (default 16 KiB).
    pub max_line_len: usize,
    /// No background worker: the caller enriches with [`LogStore::enrich`] (appends still help
    /// when enrichment is a full ring behind).
    pub manual: bool,
    /// Distinct URLs kept (default 256).
    pub url_capacity: usize,
    /// Error grouping bounds.
    pub groups: GroupConfig,
    /// Longest accepted search pattern in bytes (default 4096); longer is `Error::TooLarge`.
    pub max_pattern_len: usize,
    /// Bytes of evicted lines that may await reclamation before appenders help free them
    /// (default [`DEFAULT_UNRECLAIMED_BYTES`], 8 MiB; at least 1). See "Memory bound" in the
    /// module docs for the whole bound.
    pub max_unreclaimed_bytes: usize,
}

/// Largest accepted [`Config::capacity`] (2^28 lines). The slot array (16 bytes a line) is
/// allocated fallibly and zeroed lazily by the kernel, so asking for it costs address space
/// (4 GiB) and gives `Error::NoMem` when that is refused, never an abort.
pub const MAX_CAPACITY: usize = 1 << 28;
/// Largest accepted [`Config::max_line_len`] (2^30 bytes). A line's bytes are allocated
/// fallibly: [`LogStore::try_append`] gives `Error::NoMem` when the allocation fails.
pub const MAX_LINE_LEN: usize = 1 << 30;
/// Default of [`Config::max_unreclaimed_bytes`] (8 MiB).
pub const DEFAULT_UNRECLAIMED_BYTES: usize = crate::ring::DEFAULT_UNRECLAIMED_BYTES;
/// Bytes a line holds besides its text when it is over 94 bytes (its entry in
/// the ring); shorter lines are stored inside that entry.
pub const LINE_OVERHEAD: usize = std::mem::size_of::<crate::ring::Entry<line::Line>>();

impl Default for Config {
    fn default() -> Self {
        Config {
            capacity: 10_000,
            max_line_len: 16 * 1024,
            manual: false,
            url_capacity: 256,
            groups: GroupConfig::default(),
            max_pattern_len: 4096,
            max_unreclaimed_bytes: DEFAULT_UNRECLAIMED_BYTES,
        }
    }
}

/// One line to append ([`LogStore::append_batch`]).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub process_id: u64,
    pub stream: Stream,
    /// Timestamp in ns since the Unix epoch; 0 means "now".
    pub ts_ns: u64,
    pub text: &'a [u8],
}

/// The longest prefix of `text` of at most `max` bytes that does not end inside a UTF-8
/// character: when the cut at `max` falls after the first bytes of a character that is valid
/// UTF-8 up to the cut, it moves back to that character's start. Bytes that are not UTF-8 are
/// kept byte-exact (the cut stays at `max`).
pub fn truncate_at_char(text: &[u8], max: usize) -> &[u8] {
    if text.len() <= max {
        return text;
    }
    // A character is at most 4 bytes: its start is at most 3 bytes before the cut.
    let lo = max.saturating_sub(3);
    for start in (lo..max).rev() {
        let b = text[start];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: the start is further back
        }
        let need = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return &text[..max], // ASCII or not a UTF-8 lead byte: nothing split
        };
        let have = max - start;
        if have >= need {
            return &text[..max]; // the character ends at or before the cut
        }
        // The cut splits this character only if the whole character (up to `need` bytes in
        // the input) is valid UTF-8; otherwise the bytes are not UTF-8 and stay as they are.
        let end = (start + need).min(text.len());
        return if std::str::from_utf8(&text[start..end]).is_ok() {
            &text[..start]
        } else {
            &text[..max]
        };
    }
    &text[..max]
}

/// One stored line with its text as `T`: [`LogLine`] (a copy, as returned by reads) or
/// [`LineRef`] (borrowed from the ring for the duration of a visit, [`LogStore::tail_each`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineOf<T> {
    pub seq: u64,
    pub ts_ns: u64,
    pub process_id: u64,
    pub stream: Stream,
    pub level: Level,
    /// [`flags`] bits.
    pub flags: u32,
    /// [`enrich::tags`] bits.
    pub tags: u32,
    pub text: T,
}

/// A copy of one stored line, as returned by reads.
pub type LogLine = LineOf<Vec<u8>>;

/// A stored line borrowed from the ring ([`LogStore::tail_each`]).
pub type LineRef<'a> = LineOf<&'a [u8]>;

/// `LineOf { ..the fields of $from.., text: $text }`: a [`LineOf`] with another text type (struct
/// update syntax cannot change the type).
macro_rules! line_with_text {
    ($from:expr, $text:expr) => {
        LineOf {
            seq: $from.seq,
            ts_ns: $from.ts_ns,
            process_id: $from.process_id,
            stream: $from.stream,
            level: $from.level,
            flags: $from.flags,
            tags: $from.tags,
            text: $text,
        }
    };
}

impl LineRef<'_> {
    /// An owned copy.
    pub fn to_line(&self) -> LogLine {
        line_with_text!(self, self.text.to_vec())
    }
}

impl LogLine {
    /// The line as a [`LineRef`] borrowing its text.
    pub fn view(&self) -> LineRef<'_> {
        line_with_text!(self, &self.text)
    }
}

/// Result of a cursor read ([`LogStore::read`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    pub lines: Vec<LogLine>,
    /// Cursor for the next read.
    pub next: u64,
    /// Lines at or after the cursor that were evicted before this read reached them.
    pub missed: u64,
}

/// A search ([`LogStore::search`]).
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    /// A regular expression (regex-automata syntax), or a literal when `literal`.
    pub pattern: &'a [u8],
    pub literal: bool,
    pub case_insensitive: bool,
    pub process_id: Option<u64>,
    /// Only lines whose (detected) level is at least this.
    pub min_level: Level,
    /// Only lines with `since_ns <= ts_ns`.
    pub since_ns: u64,
    /// Only lines with `ts_ns <= until_ns` (0: no upper bound).
    pub until_ns: u64,
    /// At most this many lines, the newest matches (0: no limit other than capacity).
    pub limit: usize,
}

/// Counters of a store. Exact when no append runs concurrently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines appended since creation (sequences handed out).
    pub appended: u64,
    /// Bytes stored (after truncation).
    pub bytes: u64,
    /// Lines evicted from the ring.
    pub evicted: u64,
    /// Lines cut at `max_line_len`.
    pub truncated: u64,
    /// Lines enriched (all lines with seq below the enrichment cursor).
    pub enriched: u64,
    /// `appended - enriched`: how far enrichment is behind.
    pub enrich_lag: u64,
    /// Lines enriched inline by appenders that had to help.
    pub inline_enriched: u64,
    /// Ring capacity.
    pub capacity: u64,
    /// Bytes of evicted lines handed to the epoch collector and not freed yet (see
    /// [`Config::max_unreclaimed_bytes`]).
    pub unreclaimed_bytes: u64,
}

/// The detectors, compiled once per process (compiling them costs milliseconds; a host may
/// create many stores). `Detector` is `Send + Sync` and stateless per call.
pub fn shared_detector() -> &'static Detector {
    static D: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    D.get_or_init(Detector::new)
}

pub(super) fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 64 {
        crate::sync::spin_loop();
    } else if *spins < 256 {
        crate::sync::thread::yield_now();
    } else {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}

/// Compiles a search pattern.
pub fn compile(q: &Query<'_>, max_len: usize) -> Result<regex_automata::meta::Regex> {
    use regex_automata::{meta, util::syntax};
    if q.pattern.len() > max_len {
        return Err(Error::TooLarge);
    }
    let pat = if q.literal {
        let mut p = String::with_capacity(q.pattern.len() * 2);
        for chunk in q.pattern.utf8_chunks() {
            for c in chunk.valid().chars() {
                // Punctuation and whitespace as `\x{..}` escapes, never `\c`: regex-syntax
                // gives `\<` and `\>` a meaning (word-boundary assertions), so a backslash
                // escape would turn a literal `<` into an assertion.
                if c.is_ascii_punctuation() || c.is_whitespace() {
                    p.push_str(&format!("\\x{{{:x}}}", c as u32));
                    continue;
                }
                p.push(c);
            }
            for b in chunk.invalid() {
                p.push_str(&format!("(?-u:\\x{b:02x})"));
            }
        }
        p
    } else {
        std::str::from_utf8(q.pattern)
            .map_err(|_| Error::BadPattern("pattern is not valid UTF-8".into()))?
            .to_string()
    };
    meta::Regex::builder()
        .syntax(
            syntax::Config::new()
                .case_insensitive(q.case_insensitive)
                .utf8(false),
        )
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(Some(8 << 20))
                .hybrid_cache_capacity(2 << 20),
        )
        .build(&pat)
        .map_err(|e| Error::BadPattern(e.to_string()))
}
