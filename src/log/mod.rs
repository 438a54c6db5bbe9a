//! The log store: a lock-free ring of log lines with asynchronous enrichment.
//!
//! # Design
//!
//! * Lines live in a [`Ring`](crate::ring::Ring) (see `src/ring.rs` for the publish/read
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
//! * URL list and error groups are published to readers as `arc-swap` snapshots after each
//!   enrichment chunk that changed them (by the worker, `enrich` and `sync`; by helping
//!   appenders at most once a millisecond, as each snapshot copies the lists), so reads never
//!   wait on enrichment or appends.
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
//! writes and applying the line it evicts is cheap. This is the only
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
//! rounds (no lock, no spin; see `src/ring.rs`, "Memory bound"). What can exceed it: a thread
//! pinned in a long read (a `read`, `tail` or `search` over a large ring, of any store: the
//! epoch is process-wide) holds back every line evicted meanwhile until it returns.
//! Dropping the store frees its lines before `drop` returns (except those in other threads'
//! batches, freed at their next append or exit). Allocations sized by the configuration are
//! fallible: the slot array (`Error::NoMem` from [`LogStore::new`]) and a line's bytes
//! (`Error::NoMem` from [`LogStore::try_append`]). The maximums are [`MAX_CAPACITY`] and
//! [`MAX_LINE_LEN`].
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
    match v {
        1 => Level::Debug,
        2 => Level::Info,
        3 => Level::Warn,
        4 => Level::Error,
        5 => Level::Critical,
        _ => Level::Unknown,
    }
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
pub const LINE_OVERHEAD: usize = std::mem::size_of::<crate::ring::Entry<Line>>();

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

/// A line as stored in the ring. Level, tags and flags are set by the enricher after publish.
#[derive(Debug)]
struct Line {
    ts_ns: u64,
    process_id: u64,
    stream: Stream,
    /// A `Level` as u32 (`crate::sync` has no AtomicU8).
    level: AtomicU32,
    tags: AtomicU32,
    flags: AtomicU32,
    text: Text,
    /// The detectors' result, computed once by whichever thread claims the line first (see
    /// `analyze_some`) and taken by the applier, which applies it in sequence order under the
    /// enrichment mutex and frees it there, off the append path. Then the line's URL list,
    /// if it has URLs (stored by the applier, read by `line_urls`).
    analysis: AnalysisCell,
}

impl Line {
    /// Claims the line's analysis for the calling thread; false if another thread claimed it.
    fn claim(&self) -> bool {
        // Relaxed: the claim bit only avoids duplicate work; the result itself is handed over
        // through the analysis cell (Release/Acquire).
        self.flags.fetch_or(flags::CLAIMED, Ordering::Relaxed) & flags::CLAIMED == 0
    }
}

/// Bytes of a line kept inside the line itself; longer lines get their own allocation.
const INLINE_TEXT: usize = 94;

/// A line's bytes. Short lines (most log lines) are stored inline, so an append makes one
/// allocation instead of two and an eviction frees one.
enum Text {
    Inline { len: u8, buf: [u8; INLINE_TEXT] },
    Heap(Box<[u8]>),
}

impl Text {
    /// The line's text; `Error::NoMem` when a long line's allocation fails.
    fn new(b: &[u8]) -> Result<Text> {
        if b.len() <= INLINE_TEXT {
            let mut buf = [0u8; INLINE_TEXT];
            buf[..b.len()].copy_from_slice(b);
            Ok(Text::Inline {
                len: b.len() as u8,
                buf,
            })
        } else {
            let mut v = Vec::new();
            v.try_reserve_exact(b.len()).map_err(|_| Error::NoMem)?;
            v.extend_from_slice(b);
            Ok(Text::Heap(v.into_boxed_slice()))
        }
    }

    /// Bytes on the heap (0 for an inline text).
    fn heap_bytes(&self) -> usize {
        match self {
            Text::Inline { .. } => 0,
            Text::Heap(b) => b.len(),
        }
    }
}

/// Bytes a line owns on the heap besides its ring entry (the ring's byte accounting): its
/// text and, for a line that may have URLs, the room its URL list may take.
fn line_heap_bytes(line: &Line) -> usize {
    // Relaxed: URL_ROOM is set before the line is shared and never changes.
    let room = if line.flags.load(Ordering::Relaxed) & flags::URL_ROOM != 0 {
        url_room(line.text.len())
    } else {
        0
    };
    line.text.heap_bytes() + room
}

/// Bytes a line of `len` bytes may hold for its URL list ([`LineUrls`]): the list's handle plus
/// its encoding, which is kept within `len + URL_SLACK` bytes.
fn url_room(len: usize) -> usize {
    std::mem::size_of::<LineUrls>() + len + URL_SLACK
}

/// Slack of a line's URL list over the line's length: normalising adds a `/` to a URL
/// without a path, and each URL costs a length prefix (one byte under 128 bytes).
const URL_SLACK: usize = 16;

/// The URLs of one line, kept with the line once it is enriched: the normalised URLs in order
/// of appearance, each as a LEB128 length and its bytes, in one allocation of at most the
/// line's length plus [`URL_SLACK`] bytes (URLs that would go over are left out of the line's
/// list; the store-wide list still has them).
#[derive(Debug)]
struct LineUrls(Box<[u8]>);

impl LineUrls {
    /// The list for `urls` within `room` bytes of encoding (`None` when none fits).
    fn new(urls: &[Vec<u8>], room: usize) -> Option<LineUrls> {
        let mut buf = Vec::new();
        for u in urls {
            let mut head = [0u8; 10];
            let mut n = 0;
            let mut v = u.len();
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                head[n] = if v == 0 { b } else { b | 0x80 };
                n += 1;
                if v == 0 {
                    break;
                }
            }
            if buf.len() + n + u.len() > room {
                break;
            }
            if buf.try_reserve(n + u.len()).is_err() {
                break;
            }
            buf.extend_from_slice(&head[..n]);
            buf.extend_from_slice(u);
        }
        (!buf.is_empty()).then(|| LineUrls(buf.into_boxed_slice()))
    }

    /// The URLs, in order.
    fn to_vec(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let b = &self.0;
        let mut i = 0;
        while i < b.len() {
            let mut len = 0usize;
            let mut shift = 0;
            while let Some(&x) = b.get(i) {
                i += 1;
                len |= ((x & 0x7f) as usize) << shift;
                shift += 7;
                if x & 0x80 == 0 {
                    break;
                }
            }
            let end = (i + len).min(b.len());
            out.push(b[i..end].to_vec());
            i = end;
        }
        out
    }
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

impl std::ops::Deref for Text {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Text::Inline { len, buf } => &buf[..*len as usize],
            Text::Heap(b) => b,
        }
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

/// What the analyser computes for a line, off the enrichment mutex, for the applier: the
/// detectors' result and what the error grouper needs of the text ([`LineShape`]), so the
/// applier neither strips nor classifies the text again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Analysed {
    a: enrich::Analysis,
    shape: LineShape,
}

/// A line's analysis, then its URL list: an analysis is stored at most once (the first `set`
/// wins) by an analyser and taken by the applier; then the applier may store the line's URL
/// list ([`LineUrls`]), which stays until the line is dropped. Only `set`, `is_set`, `take`,
/// `set_urls` and `urls` exist, so no thread ever holds a reference into an analysis: the
/// applier owns what it takes. A reference to the URL list is only lent to a reader of the
/// line (the ring keeps the line alive while it is read), and the list is freed only when the
/// line is dropped.
///
/// Most lines carry no URL, and their analysis is a handful of small fields: those are packed
/// into the word itself (an odd address, made without provenance and never dereferenced), so
/// analysing and applying them allocates and frees nothing. An analysis with URLs is boxed (an
/// even, real address, low bits `00`). A URL list is a box tagged with bit 1 (low bits `10`;
/// both boxes are 8-byte aligned). Profiles of a flood had malloc/free at about a fifth of the
/// time, much of it the per-line box (allocated by the analyser, freed by the applier on
/// another core).
#[derive(Debug)]
struct AnalysisCell(AtomicPtr<Analysed>);

/// Tag of a word holding a `Box<LineUrls>`.
const URLS_TAG: usize = 2;
/// Bit where the shape starts in a packed word, and where the tags start.
const SHAPE_SHIFT: usize = 8;
const TAGS_SHIFT: usize = 14;

/// Packs an analysis without URLs into an odd word: bit 0 set, level in bits 1-3, error kind
/// in bits 4-6, continuation in bit 7, shape in bits 8-13, tags from bit 14.
fn pack(x: &Analysed) -> Option<usize> {
    let a = &x.a;
    if !a.urls.is_empty() || a.tags > (u32::MAX >> TAGS_SHIFT) {
        return None;
    }
    let e = a.error.map_or(0, |k| k as usize);
    Some(
        1 | (a.level as usize) << 1
            | e << 4
            | (a.continuation as usize) << 7
            | (x.shape.bits() as usize) << SHAPE_SHIFT
            | (a.tags as usize) << TAGS_SHIFT,
    )
}

fn unpack(v: usize) -> Analysed {
    Analysed {
        a: enrich::Analysis {
            level: level_from_u8((v >> 1 & 7) as u8),
            tags: (v >> TAGS_SHIFT) as u32,
            urls: Vec::new(),
            error: enrich::ErrorKind::from_u8((v >> 4 & 7) as u8),
            continuation: v >> 7 & 1 == 1,
        },
        shape: LineShape::from_bits((v >> SHAPE_SHIFT & 0x3f) as u8),
    }
}

/// True for a word holding a URL list.
fn is_urls(p: *mut Analysed) -> bool {
    p.addr() & 3 == URLS_TAG
}

impl AnalysisCell {
    fn new() -> Self {
        AnalysisCell(AtomicPtr::new(std::ptr::null_mut()))
    }

    fn is_set(&self) -> bool {
        // Relaxed: a hint only; the value is handed over by `take`'s Acquire.
        !self.0.load(Ordering::Relaxed).is_null()
    }

    /// Stores `a` unless a value is already stored (then `a` is dropped).
    fn set(&self, a: Analysed) {
        let p = match pack(&a) {
            Some(v) => std::ptr::without_provenance_mut(v),
            None => Box::into_raw(Box::new(a)),
        };
        // Release: publishes the analysis to the thread that takes it. Relaxed on failure:
        // nothing is read.
        if self
            .0
            .compare_exchange(
                std::ptr::null_mut(),
                p,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_err()
        {
            drop(Self::own(p));
        }
    }

    /// Takes the stored analysis, if any (never a URL list).
    fn take(&self) -> Option<Analysed> {
        // Acquire: pairs with `set`'s Release, so a boxed analysis is fully visible.
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur.is_null() || is_urls(cur) {
                return None;
            }
            // Acquire: as above. Failure: the value changed, look again.
            match self.0.compare_exchange_weak(
                cur,
                std::ptr::null_mut(),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(Self::own(cur)),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Stores the line's URL list (the applier, once the line is applied). A value left in
    /// the cell (a late analyser's result, computed twice) is dropped; a URL list already
    /// stored stays, and `urls` is dropped.
    fn set_urls(&self, urls: LineUrls) {
        let p = Box::into_raw(Box::new(urls)).cast::<Analysed>();
        let p = p.map_addr(|a| a | URLS_TAG);
        // Relaxed: the cell's previous value is only dropped (an analysis owns nothing shared)
        // or kept.
        let mut cur = self.0.load(Ordering::Relaxed);
        loop {
            if is_urls(cur) {
                drop(Self::own_urls(p));
                return;
            }
            // Release: publishes the list to readers that load it with Acquire. Acquire: a
            // boxed analysis replaced here is freed by this thread.
            match self
                .0
                .compare_exchange_weak(cur, p, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => {
                    if !cur.is_null() {
                        drop(Self::own(cur));
                    }
                    return;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// The line's URL list, once the applier stored it.
    fn urls(&self) -> Option<&LineUrls> {
        // Acquire: pairs with `set_urls`' Release.
        let p = self.0.load(Ordering::Acquire);
        if !is_urls(p) {
            return None;
        }
        // SAFETY: a word tagged URLS_TAG came from `Box::into_raw` in `set_urls`; such a word
        // is never replaced (`set` and `set_urls` only replace other values, `take` leaves it),
        // so the box lives until the cell is dropped, which needs `&mut self`: it outlives the
        // `&self` borrow this reference is tied to.
        Some(unsafe { &*p.map_addr(|a| a & !URLS_TAG).cast::<LineUrls>() })
    }

    /// The analysis a non-null analysis word stands for; the caller owns the word (a box it
    /// frees).
    fn own(p: *mut Analysed) -> Analysed {
        if p.addr() & 1 == 1 {
            unpack(p.addr())
        } else {
            debug_assert!(!is_urls(p));
            // SAFETY: an even non-null word without the URL tag came from `Box::into_raw` in
            // `set`, and the caller is its only owner (the CAS in `take`, a `set` whose CAS
            // failed, or the CAS in `set_urls` that replaced it).
            *unsafe { Box::from_raw(p) }
        }
    }

    /// The URL list a tagged word stands for; the caller owns the word.
    fn own_urls(p: *mut Analysed) -> LineUrls {
        // SAFETY: the word came from `Box::into_raw` of a `LineUrls` in `set_urls`, tagged
        // with URLS_TAG, and the caller is its only owner (a `set_urls` that lost, or drop).
        *unsafe { Box::from_raw(p.map_addr(|a| a & !URLS_TAG).cast::<LineUrls>()) }
    }
}

impl Drop for AnalysisCell {
    fn drop(&mut self) {
        let p = self.0.swap(std::ptr::null_mut(), Ordering::Acquire);
        if is_urls(p) {
            drop(Self::own_urls(p));
        } else if !p.is_null() {
            drop(Self::own(p));
        }
    }
}

/// A copy of one stored line, as returned by reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub seq: u64,
    pub ts_ns: u64,
    pub process_id: u64,
    pub stream: Stream,
    pub level: Level,
    /// [`flags`] bits.
    pub flags: u32,
    /// [`enrich::tags`] bits.
    pub tags: u32,
    pub text: Vec<u8>,
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

/// Enrichment state; only enrichers take its mutex.
struct EnrichState {
    cursor: u64,
    urls: UrlList,
    groups: ErrorGrouper,
    /// The groups changed since their snapshot was last published.
    groups_stale: bool,
    /// The URL list changed since its snapshot was last published.
    urls_stale: bool,
    /// When snapshots were last published (`crate::time::mono_ns`).
    published_ns: u64,
}

struct Shared {
    ring: Ring<Line>,
    cfg: Config,
    detector: &'static Detector,
    enrich: Mutex<EnrichState>,
    /// Every seq below this is enriched (or was evicted before enrichment, which helping
    /// prevents). Written by enrichers (Release), read by appenders and stats (Acquire).
    enriched_upto: CachePadded<AtomicU64>,
    /// Analysis frontier: lines below it were handed to an analyser (see `analyze_some`).
    analyze_next: CachePadded<AtomicU64>,
    urls_snap: ArcSwap<Vec<UrlEntry>>,
    /// The groups as the grouper shares them (publishing copies handles, not groups).
    groups_snap: ArcSwap<Vec<StdArc<ErrorGroup>>>,
    bytes: StripedCounter,
    truncated: StripedCounter,
    inline_enriched: AtomicU64,
    /// Lines with seq below this were cleared.
    clear_floor: AtomicU64,
    // Worker wake-up.
    wake: pace::Wake,
}

/// The lock-free log store. See the module docs.
pub struct LogStore {
    shared: Arc<Shared>,
    worker: Option<crate::sync::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Lines an enricher processes per mutex hold.
const CHUNK: u64 = 256;
/// Shortest interval between two snapshot publications by helpers (1 ms).
const SNAPSHOT_EVERY_NS: u64 = 1_000_000;
/// Lines a helper claims for analysis at a time (the worker claims 4x this): small, so the
/// helpers and the worker interleave over the lines near the apply cursor.
const HELP_CLAIM: u64 = 4;
/// Backoff rounds a helper tolerates before it applies with `Apply::Wait` (computing an
/// analysis whose claimer seems stuck).
const HELP_PATIENCE: u32 = 100;
/// The worker's idle sleep between polls (it is also woken when enrichment falls behind).
const IDLE_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

/// How far an enricher holding the mutex goes (`Shared::enrich_locked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Apply {
    /// Only lines whose analysis is ready; stops at the first other line.
    Ready,
    /// Also analyses unclaimed lines itself; stops at a line whose analysis another thread
    /// claimed and has not finished, and at a line not published yet. The mutex is never held
    /// while waiting for another thread.
    Claim,
    /// Waits for lines claimed but not yet published, and for analyses another thread claimed
    /// (bounded, then computes them itself).
    Wait,
}

impl Shared {
    /// Enriches lines from the state's cursor up to `until` (exclusive); see [`Apply`] for
    /// which lines it stops at. Returns lines processed.
    fn enrich_locked(&self, st: &mut EnrichState, until: u64, mode: Apply) -> u64 {
        let wait = mode == Apply::Wait;
        let start = st.cursor;
        let mut urls_changed = false;
        let mut spins = 0u32;
        while st.cursor < until {
            let seq = st.cursor;
            let r = self.ring.visit(seq, |line| {
                let Some(an) = self.analysis(line, mode) else {
                    return false;
                };
                let a = &an.a;
                let mut fl = flags::ENRICHED;
                if a.error.is_some() {
                    fl |= flags::ERROR_START;
                }
                if a.continuation {
                    fl |= flags::CONTINUATION;
                }
                if !a.urls.is_empty() {
                    fl |= flags::HAS_URL;
                    // Relaxed: URL_ROOM is set before the line is shared and never changes.
                    if line.flags.load(Ordering::Relaxed) & flags::URL_ROOM != 0 {
                        let room = line.text.len() + URL_SLACK;
                        if let Some(u) = LineUrls::new(&a.urls, room) {
                            // Before ENRICHED is set (Release below): a reader that sees
                            // ENRICHED sees the list.
                            line.analysis.set_urls(u);
                        }
                    }
                }
                // Relaxed: readers of these fields only need each value itself (no other data
                // is published through them); ENRICHED is set last with Release so a reader
                // that sees it (Acquire) sees level and tags too.
                line.level.store(a.level as u32, Ordering::Relaxed);
                line.tags.store(a.tags, Ordering::Relaxed);
                line.flags.fetch_or(fl, Ordering::Release);
                // A line hidden by `clear`/`clear_process` before it was enriched must not bring
                // its URLs and error group back into the lists those calls emptied. (The
                // enrichment mutex orders this after the clear that took it.)
                if !self.visible(seq, line) {
                    return true;
                }
                for u in &a.urls {
                    st.urls.record(u, line.process_id, line.ts_ns);
                    urls_changed = true;
                }
                // The grouper reads the shape computed with the analysis; only a line that
                // opens a group has its text stripped again here, for the group's title.
                st.groups
                    .feed_shaped(line.process_id, seq, line.ts_ns, an.shape, a, || {
                        visible_part(&strip_ansi(&line.text)).to_vec()
                    });
                true
            });
            match r {
                // Analysis not ready (claimed by another thread, or not done and `Ready`).
                Look::Present(false) => break,
                Look::Present(true) | Look::Evicted => {
                    st.cursor += 1;
                    if st.cursor % 64 == 0 {
                        // Release: appenders that read this know those lines are enriched.
                        self.enriched_upto.store(st.cursor, Ordering::Release);
                    }
                    spins = 0;
                }
                Look::Pending => {
                    if !wait {
                        break;
                    }
                    // Publish progress before waiting: the appender we wait for may be polling
                    // the cursor to decide whether it must help.
                    self.enriched_upto.store(st.cursor, Ordering::Release);
                    backoff(&mut spins);
                }
            }
        }
        // Release: as above.
        self.enriched_upto.store(st.cursor, Ordering::Release);
        if urls_changed {
            st.urls_stale = true;
        }
        // The groups snapshot copies every group: only when they changed (most lines open,
        // join or close no group).
        if st.groups.take_changed() {
            st.groups_stale = true;
        }
        st.cursor - start
    }

    /// The line's analysis, taken from its cell; with `Ready`, only that. Otherwise, computed
    /// now when no other thread has claimed it. When another thread claimed it and is computing
    /// it: with `Claim`, `None` (the caller does other work meanwhile); with `Wait`, waits
    /// briefly for its result, then computes it itself (bounded: a preempted claimer costs one
    /// duplicate analysis, never a stall).
    fn analysis(&self, line: &Line, mode: Apply) -> Option<Analysed> {
        if let Some(a) = line.analysis.take() {
            return Some(a);
        }
        if mode == Apply::Ready {
            return None;
        }
        let wait = mode == Apply::Wait;
        if !line.claim() {
            if !wait {
                return line.analysis.take();
            }
            let mut spins = 0u32;
            while spins < 200 {
                if let Some(a) = line.analysis.take() {
                    return Some(a);
                }
                backoff(&mut spins);
            }
        }
        // Unclaimed, or its claimer is stuck: compute it here. (A claimer that finishes later
        // stores its result in the cell, where the line's drop frees it.)
        Some(self.analyze(line))
    }

    /// Runs the detectors over the line (the expensive part of enrichment): one strip into a
    /// per-thread buffer serves the detectors (which keep OSC 8 link targets as URLs) and the
    /// grouper's [`LineShape`].
    fn analyze(&self, line: &Line) -> Analysed {
        let (a, shape) = self.detector.analyze_with(&line.text, LineShape::of);
        Analysed { a, shape }
    }

    /// Claims up to `max` lines for analysis from the shared analysis frontier and analyses
    /// them, *without* the enrichment mutex: this is the expensive part of enrichment (the
    /// regexes), and it runs in parallel on every thread that enriches (the worker and every
    /// helping appender). Applying the results (URL list, error groups, level/flags) stays in
    /// sequence order under the mutex and is cheap. Returns how many lines it claimed (0: no
    /// line is left to claim).
    ///
    /// The frontier (`analyze_next`) only spreads the work: each thread takes the next lines
    /// nobody took, so two enrichers do not walk the same lines. The per-line `CLAIMED` bit
    /// stays the real claim: a line skipped here (not published yet) is left unclaimed and is
    /// analysed by whoever applies it.
    fn analyze_some(&self, max: u64, until: u64) -> u64 {
        let head = self.ring.appended().min(until);
        // Relaxed (here and in the CAS): the frontier only distributes work; what a line's
        // analysis is, is handed over through its cell, and who may compute it through its
        // CLAIMED bit.
        let mut cur = self.analyze_next.load(Ordering::Relaxed);
        let range = loop {
            // Acquire: pairs with the enrichers' Release store; lines below are applied.
            let start = cur.max(self.enriched_upto.load(Ordering::Acquire));
            if start >= head {
                return 0;
            }
            let end = head.min(start + max);
            match self.analyze_next.compare_exchange_weak(
                cur,
                end,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break start..end,
                Err(actual) => cur = actual,
            }
        };
        let claimed = range.end - range.start;
        for seq in range {
            let _ = self.ring.get(seq, |line| {
                // A line another thread claimed is left to it.
                if !line.analysis.is_set() && line.claim() {
                    line.analysis.set(self.analyze(line));
                }
            });
        }
        claimed
    }

    fn publish_groups(&self, st: &mut EnrichState) {
        if st.urls_stale || st.groups_stale {
            st.published_ns = crate::time::mono_ns();
        }
        if st.urls_stale {
            st.urls_stale = false;
            self.urls_snap.store(StdArc::new(st.urls.list()));
        }
        if st.groups_stale {
            st.groups_stale = false;
            self.groups_snap
                .store(StdArc::new(st.groups.shared_groups()));
        }
    }

    /// Called by an appender that is about to overwrite line `target`: make sure it is
    /// enriched first.
    ///
    /// The helper never idles while there is work: it applies what is ready when the mutex is
    /// free (never waiting for it), and otherwise analyses the next unclaimed lines, in
    /// parallel with the worker and the other helpers. Only when every line up to `target` is
    /// claimed by someone else does it back off; after a long wait (a claimer preempted) it
    /// applies with `wait`, which computes a stuck analysis itself.
    #[cold]
    fn help(&self, target: u64) {
        let mut spins = 0u32;
        loop {
            // Acquire: pairs with the enricher's Release store.
            if self.enriched_upto.load(Ordering::Acquire) > target {
                return;
            }
            if let Ok(mut st) = self.enrich.try_lock() {
                let before = st.cursor;
                let mode = if spins >= HELP_PATIENCE {
                    Apply::Wait
                } else {
                    Apply::Claim
                };
                self.enrich_locked(&mut st, target + 1, mode);
                if st.cursor > target {
                    // Go a little further over lines already analysed (cheap to apply), so
                    // the next appenders need not help.
                    let more = (target + 1 + CHUNK).min(self.ring.appended());
                    self.enrich_locked(&mut st, more, Apply::Ready);
                }
                // Snapshots for readers, from helpers: at most every SNAPSHOT_EVERY (each one
                // copies the URL list and the groups; under a flood, helpers apply lines all
                // the time). The worker, `enrich` and `sync` publish after every chunk.
                if st.cursor / 64 != before / 64
                    && crate::time::mono_ns().saturating_sub(st.published_ns) >= SNAPSHOT_EVERY_NS
                {
                    self.publish_groups(&mut st);
                }
                let done = st.cursor - before;
                drop(st);
                // Relaxed: a statistic.
                self.inline_enriched.fetch_add(done, Ordering::Relaxed);
                if done > 0 {
                    spins = 0;
                    continue;
                }
            }
            if self.analyze_some(HELP_CLAIM, u64::MAX) == 0 {
                backoff(&mut spins);
            }
        }
    }

    /// Called with the appender's own line (`seq`, not yet published) before it is published.
    #[inline]
    fn before_publish(&self, seq: u64, line: &Line) {
        let cap = self.ring.capacity() as u64;
        if seq >= cap {
            let target = seq - cap;
            // Acquire: pairs with the enricher's Release store of the cursor.
            if self.enriched_upto.load(Ordering::Acquire) <= target {
                // Enrichment is a full ring behind and this append must help. It analyses its
                // own line first: the bytes are in this core's cache and nobody else can see
                // the line yet (so the claim cannot fail), which is cheaper than analysing a
                // line another core wrote a ring ago. Publishing it (Release) carries both.
                line.claim();
                line.analysis.set(self.analyze(line));
                self.help(target);
            }
        }
    }

    fn after_publish(&self, seq: u64) {
        self.wake.wake_if_behind(self.ring.capacity(), || {
            // Relaxed: a lag estimate for the wake-up decision.
            seq.saturating_sub(self.enriched_upto.load(Ordering::Relaxed))
        });
    }

    fn make_line(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> Result<Line> {
        let max = self.cfg.max_line_len;
        let (text, mut fl) = if text.len() > max {
            (truncate_at_char(text, max), flags::TRUNCATED)
        } else {
            (text, 0)
        };
        if urls::may_contain_url(text) {
            fl |= flags::URL_ROOM;
        }
        let text = Text::new(text)?;
        if fl & flags::TRUNCATED != 0 {
            self.truncated.add(1);
        }
        self.bytes.add(text.len() as u64);
        Ok(Line {
            ts_ns: if ts_ns == 0 {
                crate::time::now_ns()
            } else {
                ts_ns
            },
            process_id,
            stream,
            level: AtomicU32::new(0),
            tags: AtomicU32::new(0),
            flags: AtomicU32::new(fl),
            text,
            analysis: AnalysisCell::new(),
        })
    }

    fn worker(&self) {
        let mut chunks = 0u32;
        let mut idle_rounds = 0u32;
        let mut pacer = pace::Pacer::default();
        loop {
            let stop = self.wake.stopping();
            // Give way to appenders during a burst (see `pace`); never when stopping.
            // Relaxed: a lag estimate for pacing; nothing is read through it.
            let done = self.enriched_upto.load(Ordering::Relaxed);
            let head = self.ring.appended();
            if !stop && pacer.give_way(head, done, self.ring.capacity(), crate::time::mono_ns()) {
                self.wake.sleep(pace::DEFER_WAIT);
                continue;
            }
            // Analyse the next lines outside the mutex, in small claims so helpers share the
            // work (they can apply meanwhile). Only lines appended before the look: a burst
            // that started since is left to the next look, which gives way to it.
            let mut analysed = 0;
            while analysed < CHUNK {
                let n = self.analyze_some(HELP_CLAIM * 4, if stop { u64::MAX } else { head });
                if n == 0 {
                    break;
                }
                analysed += n;
            }
            let (n, behind) = {
                let mut st = self.enrich.lock().unwrap_or_else(|e| e.into_inner());
                // Lines appended after the pacer's look are left to the next look (the mutex
                // may have been held by `sync` for a while, and a burst may have started).
                let head = if stop { self.ring.appended() } else { head };
                let until = head.min(st.cursor + CHUNK);
                // Waits for unfinished claims only when stopping (the drain must be complete)
                // or when it analysed nothing and could not apply either (a claimer is stuck).
                let mode = if stop || idle_rounds >= 8 {
                    Apply::Wait
                } else {
                    Apply::Claim
                };
                let n = self.enrich_locked(&mut st, until, mode);
                chunks = chunks.wrapping_add(1);
                // Groups: publish when caught up, and every 16 chunks under sustained load.
                if n == 0 || head == st.cursor || chunks % 16 == 0 {
                    self.publish_groups(&mut st);
                }
                // Behind: lines up to the look's head that could not be applied yet (claimed
                // by a helper, or not published yet).
                (n, st.cursor < head)
            };
            if n > 0 || analysed > 0 {
                idle_rounds = 0;
                continue;
            }
            if stop {
                // Drained: everything published before stop was set is enriched.
                return;
            }
            if behind {
                // Lines are pending but claimed by helpers (or not published yet): they will
                // be applied soon, by them or by us on a later round.
                idle_rounds += 1;
                let mut spins = 64 + idle_rounds.min(100);
                backoff(&mut spins);
                continue;
            }
            idle_rounds = 0;
            self.wake.sleep(IDLE_WAIT);
        }
    }

    fn visible(&self, seq: u64, line: &Line) -> bool {
        // Relaxed: clear is best-effort against concurrent appends; a clear that completed
        // before the read started is seen through the caller's synchronisation.
        seq >= self.clear_floor.load(Ordering::Relaxed)
            && line.flags.load(Ordering::Relaxed) & flags::CLEARED == 0
    }

    fn snapshot(seq: u64, line: &Line) -> LogLine {
        // Acquire: pairs with the enricher's Release on flags, so level/tags are those of the
        // enrichment when ENRICHED is set.
        let fl = line.flags.load(Ordering::Acquire) & flags::MASK;
        LogLine {
            seq,
            ts_ns: line.ts_ns,
            process_id: line.process_id,
            stream: line.stream,
            // Relaxed: see above.
            level: level_from_u8(line.level.load(Ordering::Relaxed) as u8),
            tags: line.tags.load(Ordering::Relaxed),
            flags: fl,
            text: line.text.to_vec(),
        }
    }
}

/// The layout reported when a line's bytes cannot be allocated (`append`'s abort).
fn text_layout(len: usize) -> std::alloc::Layout {
    std::alloc::Layout::array::<u8>(len).unwrap_or(std::alloc::Layout::new::<u8>())
}

/// The detectors, compiled once per process (compiling them costs milliseconds; a host may
/// create many stores). `Detector` is `Send + Sync` and stateless per call.
pub fn shared_detector() -> &'static Detector {
    static D: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    D.get_or_init(Detector::new)
}

fn backoff(spins: &mut u32) {
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

impl LogStore {
    /// A store with `cfg`; starts the enrichment worker unless `cfg.manual`.
    pub fn new(cfg: Config) -> Result<LogStore> {
        if cfg.capacity == 0 {
            return Err(Error::Invalid("capacity must be at least 1"));
        }
        if cfg.max_line_len == 0 {
            return Err(Error::Invalid("max_line_len must be at least 1"));
        }
        if cfg.capacity > MAX_CAPACITY || cfg.max_line_len > MAX_LINE_LEN {
            return Err(Error::Invalid("capacity or max_line_len too large"));
        }
        if cfg.max_unreclaimed_bytes == 0 {
            return Err(Error::Invalid("max_unreclaimed_bytes must be at least 1"));
        }
        let shared = Arc::new(Shared {
            ring: Ring::with_budget(cfg.capacity, cfg.max_unreclaimed_bytes, line_heap_bytes)?,
            cfg,
            detector: shared_detector(),
            enrich: Mutex::new(EnrichState {
                cursor: 0,
                urls: UrlList::new(cfg.url_capacity),
                groups: ErrorGrouper::new(cfg.groups),
                groups_stale: false,
                urls_stale: false,
                published_ns: 0,
            }),
            enriched_upto: CachePadded::new(AtomicU64::new(0)),
            analyze_next: CachePadded::new(AtomicU64::new(0)),
            urls_snap: ArcSwap::from_pointee(Vec::new()),
            groups_snap: ArcSwap::from_pointee(Vec::new()),
            bytes: StripedCounter::new(),
            truncated: StripedCounter::new(),
            inline_enriched: AtomicU64::new(0),
            clear_floor: AtomicU64::new(0),
            wake: pace::Wake::new(),
        });
        let worker = if cfg.manual {
            None
        } else {
            let s = shared.clone();
            Some(
                crate::sync::thread::Builder::new()
                    .name("lfe-log-enrich".into())
                    .spawn(move || s.worker())
                    .map_err(|_| Error::Unsupported)?,
            )
        };
        Ok(LogStore { shared, worker })
    }

    /// The configuration the store was made with.
    pub fn config(&self) -> &Config {
        &self.shared.cfg
    }

    /// Appends one line; `ts_ns == 0` means now. Returns its sequence. Lock-free unless
    /// enrichment is a full ring behind (see the module docs, "helping"). Aborts like `Vec`
    /// when a long line cannot be allocated; [`try_append`](Self::try_append) reports that.
    pub fn append(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> u64 {
        self.try_append(process_id, stream, ts_ns, text)
            .unwrap_or_else(|_| std::alloc::handle_alloc_error(text_layout(text.len())))
    }

    /// [`append`](Self::append), but a line whose bytes cannot be allocated gives
    /// `Error::NoMem` (and appends nothing).
    pub fn try_append(
        &self,
        process_id: u64,
        stream: Stream,
        ts_ns: u64,
        text: &[u8],
    ) -> Result<u64> {
        let s = &*self.shared;
        let line = s.make_line(process_id, stream, ts_ns, text)?;
        let seq = s
            .ring
            .push_hook(line, |seq, line| s.before_publish(seq, line));
        s.after_publish(seq);
        Ok(seq)
    }

    /// Appends lines in order with one sequence claim; returns their sequences. Aborts like
    /// `Vec` when a line cannot be allocated; [`try_append_batch`](Self::try_append_batch)
    /// reports that.
    pub fn append_batch(&self, lines: &[Input<'_>]) -> Range<u64> {
        self.try_append_batch(lines).unwrap_or_else(|_| {
            let longest = lines.iter().map(|i| i.text.len()).max().unwrap_or(0);
            std::alloc::handle_alloc_error(text_layout(longest))
        })
    }

    /// [`append_batch`](Self::append_batch), but when a line's bytes cannot be allocated it
    /// gives `Error::NoMem` and appends none of the lines.
    pub fn try_append_batch(&self, lines: &[Input<'_>]) -> Result<Range<u64>> {
        let s = &*self.shared;
        let mut made = Vec::new();
        made.try_reserve_exact(lines.len())
            .map_err(|_| Error::NoMem)?;
        for i in lines {
            made.push(s.make_line(i.process_id, i.stream, i.ts_ns, i.text)?);
        }
        let r = s
            .ring
            .push_batch_hook(made, |seq, line| s.before_publish(seq, line));
        if !r.is_empty() {
            s.after_publish(r.end - 1);
        }
        Ok(r)
    }

    /// Enriches up to `max_lines` published lines now (manual mode; also allowed with a
    /// worker). Returns how many were processed. Takes the enrichment mutex.
    pub fn enrich(&self, max_lines: usize) -> usize {
        let s = &*self.shared;
        let mut st = s.enrich.lock().unwrap_or_else(|e| e.into_inner());
        let until = s
            .ring
            .appended()
            .min(st.cursor.saturating_add(max_lines as u64));
        let n = s.enrich_locked(&mut st, until, Apply::Claim);
        s.publish_groups(&mut st);
        n as usize
    }

    /// Enriches every line published so far (waits for lines claimed before this call). After
    /// it returns, URLs, error groups and levels reflect every append that returned before.
    pub fn sync(&self) {
        let s = &*self.shared;
        let mut st = s.enrich.lock().unwrap_or_else(|e| e.into_inner());
        let head = s.ring.appended();
        s.enrich_locked(&mut st, head, Apply::Wait);
        s.publish_groups(&mut st);
    }

    /// Reads up to `max` visible lines at or after `cursor` (start with 0). Returns them with
    /// the cursor for the next read and the number of lines evicted before they were read.
    /// Errors: `Invalid` when `cursor` is beyond the end (greater than the sequence the next
    /// append will get): such a cursor came from elsewhere and would wait silently for lines
    /// that are not its own.
    pub fn read(&self, cursor: u64, max: usize) -> Result<ReadBatch> {
        let s = &*self.shared;
        if cursor > s.ring.next_seq() {
            return Err(Error::Invalid("cursor is beyond the end of the log"));
        }
        let mut lines = Vec::new();
        let res = s.ring.read_from_until(cursor, usize::MAX, |seq, line| {
            if s.visible(seq, line) {
                lines.push(Shared::snapshot(seq, line));
            }
            lines.len() < max
        });
        if max == 0 {
            return Ok(ReadBatch {
                lines: Vec::new(),
                next: cursor,
                missed: 0,
            });
        }
        Ok(ReadBatch {
            lines,
            next: res.next,
            missed: res.missed,
        })
    }

    /// The newest `n` visible lines (of `process_id` only, when given), oldest first.
    pub fn tail(&self, n: usize, process_id: Option<u64>) -> Vec<LogLine> {
        let s = &*self.shared;
        let mut out = Vec::new();
        if n == 0 {
            return out;
        }
        s.ring.for_each_rev(|seq, line| {
            if s.visible(seq, line) && process_id.is_none_or(|p| p == line.process_id) {
                out.push(Shared::snapshot(seq, line));
            }
            out.len() < n
        });
        out.reverse();
        out
    }

    /// Searches the retained lines; returns the newest `limit` matches, oldest first.
    /// Errors: `TooLarge` for a pattern over `max_pattern_len`, `BadPattern(msg)` when it does
    /// not compile.
    pub fn search(&self, q: &Query<'_>) -> Result<Vec<LogLine>> {
        let s = &*self.shared;
        let re = compile(q, s.cfg.max_pattern_len)?;
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        let mut out = Vec::new();
        s.ring.for_each_rev(|seq, line| {
            if s.visible(seq, line)
                && q.process_id.is_none_or(|p| p == line.process_id)
                && line.ts_ns >= q.since_ns
                && (q.until_ns == 0 || line.ts_ns <= q.until_ns)
                // Relaxed: the level is a value on its own (see snapshot()).
                && level_from_u8(line.level.load(Ordering::Relaxed) as u8) >= q.min_level
                && re.is_match(&line.text[..])
            {
                out.push(Shared::snapshot(seq, line));
            }
            out.len() < limit
        });
        out.reverse();
        Ok(out)
    }

    /// The URLs seen so far (most recently seen first), as of the last enrichment chunk.
    pub fn urls(&self) -> Vec<UrlEntry> {
        self.shared.urls_snap.load().as_ref().clone()
    }

    /// The URLs of line `seq`, normalised, in order of appearance (empty when it has none).
    /// `None` when the line is not retained (evicted, not appended yet, or hidden by
    /// `clear`/`clear_process`) or not enriched yet (see [`sync`](Self::sync)). A line keeps
    /// the URLs whose encoding fits in its own length plus 16 bytes (in practice all of
    /// them; the store-wide [`urls`](Self::urls) list has every one).
    pub fn line_urls(&self, seq: u64) -> Option<Vec<Vec<u8>>> {
        let s = &*self.shared;
        s.ring
            .get(seq, |line| {
                // Acquire: pairs with the applier's Release on flags, which follows its store
                // of the URL list.
                let enriched = line.flags.load(Ordering::Acquire) & flags::ENRICHED != 0;
                if !enriched || !s.visible(seq, line) {
                    return None;
                }
                Some(
                    line.analysis
                        .urls()
                        .map(LineUrls::to_vec)
                        .unwrap_or_default(),
                )
            })
            .flatten()
    }

    /// Recent error groups (oldest first), as of the last enrichment chunk.
    pub fn error_groups(&self) -> Vec<ErrorGroup> {
        let snap = self.shared.groups_snap.load();
        snap.iter().map(|g| ErrorGroup::clone(g)).collect()
    }

    /// The store's counters.
    pub fn stats(&self) -> Stats {
        let s = &*self.shared;
        let appended = s.ring.appended();
        // Acquire: pairs with the enricher's Release (a consistent lower bound).
        let enriched = s.enriched_upto.load(Ordering::Acquire).min(appended);
        Stats {
            appended,
            bytes: s.bytes.get(),
            evicted: s.ring.evicted(),
            truncated: s.truncated.get(),
            enriched,
            enrich_lag: appended - enriched,
            // Relaxed: a statistic.
            inline_enriched: s.inline_enriched.load(Ordering::Relaxed),
            capacity: s.ring.capacity() as u64,
            unreclaimed_bytes: s.ring.unreclaimed_bytes() as u64,
        }
    }

    /// Hides every line appended before this call and forgets URLs and error groups.
    /// Sequences keep increasing. Takes the enrichment mutex (not a hot path).
    pub fn clear(&self) {
        let s = &*self.shared;
        let head = s.ring.appended();
        // Relaxed: see visible().
        s.clear_floor.fetch_max(head, Ordering::Relaxed);
        let mut st = s.enrich.lock().unwrap_or_else(|e| e.into_inner());
        st.urls.clear();
        st.groups.clear();
        s.urls_snap.store(StdArc::new(Vec::new()));
        s.groups_snap.store(StdArc::new(Vec::new()));
        st.groups_stale = false;
        st.groups.take_changed();
    }

    /// Hides the retained lines of `process_id` and forgets its URLs and error groups.
    pub fn clear_process(&self, process_id: u64) {
        let s = &*self.shared;
        s.ring.for_each(|_, line| {
            if line.process_id == process_id {
                // Relaxed: see visible().
                line.flags.fetch_or(flags::CLEARED, Ordering::Relaxed);
            }
        });
        let mut st = s.enrich.lock().unwrap_or_else(|e| e.into_inner());
        st.urls.clear_process(process_id);
        st.groups.clear_process(process_id);
        s.urls_snap.store(StdArc::new(st.urls.list()));
        s.groups_snap.store(StdArc::new(st.groups.shared_groups()));
        st.groups_stale = false;
        st.groups.take_changed();
    }
}

impl Drop for LogStore {
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            self.shared.wake.stop();
            let _ = w.join();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use enrich::{Analysis, ErrorKind};

    /// Every analysis without URLs round-trips through the packed word; one with URLs is
    /// boxed; a second `set` loses and its value is dropped (no leak under ASan/valgrind).
    #[test]
    fn analysis_cell_packs_and_boxes() {
        let levels = [
            Level::Unknown,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Critical,
        ];
        let errors = (0..=7u8).map(ErrorKind::from_u8);
        let mut n = 0;
        for error in errors {
            for level in levels {
                for continuation in [false, true] {
                    for tags in [
                        0,
                        enrich::tags::ALL,
                        enrich::tags::TEST | enrich::tags::ERROR,
                    ] {
                        for shape in [0, LineShape::ALL, LineShape::HEADER | LineShape::COLON] {
                            let a = Analysed {
                                a: Analysis {
                                    level,
                                    tags,
                                    urls: Vec::new(),
                                    error,
                                    continuation,
                                },
                                shape: LineShape::from_bits(shape),
                            };
                            let c = AnalysisCell::new();
                            assert!(!c.is_set());
                            c.set(a.clone());
                            assert!(c.is_set());
                            assert_eq!(c.0.load(Ordering::Relaxed).addr() & 1, 1, "{a:?} packed");
                            assert!(c.urls().is_none());
                            assert_eq!(c.take(), Some(a));
                            assert_eq!(c.take(), None);
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 8 * 6 * 2 * 3 * 3);
        let with_url = Analysed {
            a: Analysis {
                level: Level::Info,
                urls: vec![b"http://localhost:3000/".to_vec()],
                ..Analysis::default()
            },
            shape: LineShape::default(),
        };
        let c = AnalysisCell::new();
        c.set(with_url.clone());
        assert_eq!(c.0.load(Ordering::Relaxed).addr() & 3, 0, "boxed");
        // The first set wins; the second (boxed or packed) is dropped.
        c.set(with_url.clone());
        c.set(Analysed::default());
        assert_eq!(c.take(), Some(with_url.clone()));
        c.set(with_url);
        drop(c); // frees the box
    }

    /// The URL list replaces a late analysis, is never taken or replaced, and is freed with
    /// the cell; its encoding round-trips and stays within its room.
    #[test]
    fn analysis_cell_keeps_urls() {
        let urls = vec![
            b"http://localhost:3000/".to_vec(),
            vec![b'x'; 300],
            b"ws://[::1]:24678/".to_vec(),
        ];
        let l = LineUrls::new(&urls, 1000).unwrap();
        assert_eq!(l.to_vec(), urls);
        assert!(l.0.len() <= 22 + 1 + 300 + 2 + 17 + 1);
        // Only what fits in the room, in order.
        assert_eq!(LineUrls::new(&urls, 30).unwrap().to_vec(), &urls[..1]);
        assert!(LineUrls::new(&urls, 5).is_none());

        let c = AnalysisCell::new();
        c.set(Analysed::default()); // a late analyser's result
        c.set_urls(LineUrls::new(&urls, 1000).unwrap());
        assert_eq!(c.urls().unwrap().to_vec(), urls);
        assert_eq!(c.take(), None);
        c.set(Analysed::default());
        c.set_urls(LineUrls::new(&urls[..1], 1000).unwrap());
        assert_eq!(c.urls().unwrap().to_vec(), urls, "the first list stays");
        assert!(c.is_set());
        drop(c); // frees the list
    }
}
