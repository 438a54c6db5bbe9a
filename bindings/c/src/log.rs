//! C ABI of the log store (`lfe::log`): `lfe_log_*`.
//!
//! A thin layer over [`lfe::log::LogStore`]: argument checks, enum range checks and copying
//! results into one `lfe_batch` per call. This file holds the store itself (constants, config,
//! creation, appends, enrichment, counters, clearing); [`crate::log_read`] holds the calls that
//! read lines, URLs and error groups back, and their record types.

// The reading side's items, under this module's path too (`lfe_capi::log::lfe_log_read`...).
pub use crate::log_read::*;

use crate::args::*;
use crate::batch::{kinds::LFE_REC_TEXT, lfe_bytes};
use crate::guard::{call, Res, Status};
use crate::status::*;
use lfe::log::enrich::Level;
use lfe::log::errors::GroupConfig;
use lfe::log::{Config, Input, LogStore, Stream};

versioned_structs!(lfe_log_config, lfe_log_counters);

/// Stream: standard output.
pub const LFE_LOG_STDOUT: u32 = 0;
/// Stream: standard error.
pub const LFE_LOG_STDERR: u32 = 1;
/// Stream: lines written by the host itself.
pub const LFE_LOG_SYSTEM: u32 = 2;

pub const LFE_LOG_LEVEL_UNKNOWN: u32 = 0;
pub const LFE_LOG_LEVEL_DEBUG: u32 = 1;
pub const LFE_LOG_LEVEL_INFO: u32 = 2;
pub const LFE_LOG_LEVEL_WARN: u32 = 3;
pub const LFE_LOG_LEVEL_ERROR: u32 = 4;
pub const LFE_LOG_LEVEL_CRITICAL: u32 = 5;

/// Line flag: cut at max_line_len.
pub const LFE_LOG_FLAG_TRUNCATED: u32 = 1;
/// Line flag: analysed (level, tags final).
pub const LFE_LOG_FLAG_ENRICHED: u32 = 2;
/// Line flag: starts an error group.
pub const LFE_LOG_FLAG_ERROR_START: u32 = 4;
/// Line flag: continues an error.
pub const LFE_LOG_FLAG_CONTINUATION: u32 = 8;
/// Line flag: contains a URL.
pub const LFE_LOG_FLAG_HAS_URL: u32 = 16;

pub const LFE_LOG_TAG_BUILD: u32 = 1;
pub const LFE_LOG_TAG_TEST: u32 = 2;
pub const LFE_LOG_TAG_LINT: u32 = 4;
pub const LFE_LOG_TAG_COMPILE: u32 = 8;
pub const LFE_LOG_TAG_WARNING: u32 = 16;
pub const LFE_LOG_TAG_ERROR: u32 = 32;

/// Error-group kind (`lfe_log_error_group.kind`): JS/TS `TypeError:`, `Error:` ...
pub const LFE_ERROR_KIND_JAVASCRIPT: u32 = 1;
/// Error-group kind: Go `panic:` / `fatal error:`.
pub const LFE_ERROR_KIND_GO_PANIC: u32 = 2;
/// Error-group kind: a Python traceback or `XxxError:`.
pub const LFE_ERROR_KIND_PYTHON: u32 = 3;
/// Error-group kind: a Rust `thread '...' panicked at`.
pub const LFE_ERROR_KIND_RUST_PANIC: u32 = 4;
/// Error-group kind: a Java / JVM exception.
pub const LFE_ERROR_KIND_JAVA: u32 = 5;
/// Error-group kind: a compiler error (`error[E0308]:`, `error TS2322:`, `file.c:1:2: error:`).
pub const LFE_ERROR_KIND_COMPILER: u32 = 6;
/// Error-group kind: any other line that clearly reports an error.
pub const LFE_ERROR_KIND_GENERIC: u32 = 7;

/// Search flag: the pattern is a literal, not a regular expression.
pub const LFE_LOG_SEARCH_LITERAL: u32 = 1;
/// Search flag: case-insensitive.
pub const LFE_LOG_SEARCH_CASE_INSENSITIVE: u32 = 2;
/// Search flag: only lines of `process_id`.
pub const LFE_LOG_SEARCH_HAS_PROCESS: u32 = 4;

/// Record kind of `lfe_log_line`.
pub const LFE_REC_LOG_LINE: u32 = 100;
/// Record kind of `lfe_log_url`.
pub const LFE_REC_LOG_URL: u32 = 101;
/// Record kind of `lfe_log_error_group`.
pub const LFE_REC_LOG_ERROR_GROUP: u32 = 102;

/// Opaque log store handle.
pub struct lfe_log {
    pub(crate) inner: LogStore,
}

// Counted: `lfe_log_wait` blocks, and `_free` must be able to wake it (`args::hold`).
impl Handle for lfe_log {
    const COUNTED: bool = true;
    fn close(&self) {
        self.inner.close();
    }
}

/// Largest accepted `lfe_log_config.capacity` (2^28 lines).
pub const LFE_LOG_MAX_CAPACITY: u64 = 268_435_456;
/// Largest accepted `lfe_log_config.max_line_len` (2^30 bytes).
pub const LFE_LOG_MAX_LINE_LEN: u64 = 1_073_741_824;
/// Default of `lfe_log_config.max_unreclaimed_bytes` (8 MiB).
pub const LFE_LOG_DEFAULT_UNRECLAIMED_BYTES: u64 = 8_388_608;
/// Bytes an appending thread may keep in its own batch of evicted lines before handing them
/// to the collector (64 KiB; part of the memory bound, see `lfe_log_config`).
pub const LFE_LOG_HANDOVER_BYTES: u64 = 65_536;

/// Configuration of `lfe_log_new`. Set `size = sizeof(lfe_log_config)`; a field left 0 takes
/// its default.
///
/// Maximums (a larger value is `LFE_E_INVALID`; every value up to them can be asked for:
/// allocations they size are fallible and give `LFE_E_NOMEM`, never an abort):
/// `capacity` <= `LFE_LOG_MAX_CAPACITY` (2^28; the slot array is 16 bytes a line, taken
/// from the kernel zeroed, so it costs address space until lines fill it),
/// `max_line_len` <= `LFE_LOG_MAX_LINE_LEN` (2^30 bytes), `manual` 0 or 1,
/// `max_unreclaimed_bytes` any value (up to SIZE_MAX); `url_capacity`,
/// `error_group_capacity`, `error_group_max_lines` and `max_pattern_len` bound structures
/// that grow on demand (nothing is allocated up front) and take any value up to SIZE_MAX.
///
/// Memory bound: the store holds at most `capacity` lines of at most `max_line_len` bytes
/// (plus about 150 bytes each), plus the evicted lines that await reclamation: at most
/// `max_unreclaimed_bytes` of them handed to the collector once the appends that evicted them
/// have returned, plus less than `LFE_LOG_HANDOVER_BYTES` kept by each appending thread, plus
/// one line per append in progress. What can exceed it: evicted lines are freed only once
/// no thread is inside a call that was already reading when they were evicted
/// (`lfe_log_read`, `_tail`, `_search` of any store pin the process-wide reclamation epoch
/// for their duration), so lines evicted during a long search wait for it to return. `lfe_log_free` frees the store's
/// lines before it returns (except the few kept in other threads' batches, freed at their
/// next append or exit).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_config {
    pub size: usize,
    /// Lines kept (default 10000; at most LFE_LOG_MAX_CAPACITY).
    pub capacity: u64,
    /// Longer lines are cut and flagged TRUNCATED (default 16384; at most
    /// LFE_LOG_MAX_LINE_LEN). A cut that would split a UTF-8 character is made before it.
    pub max_line_len: u64,
    /// 1: no background worker, enrich with lfe_log_enrich; 0: worker (default).
    pub manual: u64,
    /// Distinct URLs kept (default 256).
    pub url_capacity: u64,
    /// Error groups kept (default 256).
    pub error_group_capacity: u64,
    /// Lines per error group (default 64).
    pub error_group_max_lines: u64,
    /// An error group closes after this gap in ns (default 2 s).
    pub error_group_max_gap_ns: u64,
    /// Longest search pattern in bytes (default 4096).
    pub max_pattern_len: u64,
    /// Bytes of evicted lines that may await reclamation before appenders help free them
    /// (default LFE_LOG_DEFAULT_UNRECLAIMED_BYTES, 8 MiB). See "Memory bound" above.
    pub max_unreclaimed_bytes: u64,
}

zeroed_default!(lfe_log_config);

fn to_usize(v: u64, default: usize) -> Res<usize> {
    if v == 0 {
        Ok(default)
    } else {
        usize::try_from(v).map_err(|_| Status(LFE_E_INVALID))
    }
}

impl lfe_log_config {
    fn to_config(self) -> Res<Config> {
        let d = Config::default();
        let g = GroupConfig::default();
        if self.manual > 1 {
            return Err(Status(LFE_E_INVALID));
        }
        Ok(Config {
            capacity: to_usize(self.capacity, d.capacity)?,
            max_line_len: to_usize(self.max_line_len, d.max_line_len)?,
            manual: self.manual == 1,
            url_capacity: to_usize(self.url_capacity, d.url_capacity)?,
            groups: GroupConfig {
                capacity: to_usize(self.error_group_capacity, g.capacity)?,
                max_lines: to_usize(self.error_group_max_lines, g.max_lines)?,
                max_gap_ns: if self.error_group_max_gap_ns == 0 {
                    g.max_gap_ns
                } else {
                    self.error_group_max_gap_ns
                },
            },
            max_pattern_len: to_usize(self.max_pattern_len, d.max_pattern_len)?,
            // A budget beyond the address space means "no budget": saturate.
            max_unreclaimed_bytes: if self.max_unreclaimed_bytes == 0 {
                d.max_unreclaimed_bytes
            } else {
                usize::try_from(self.max_unreclaimed_bytes).unwrap_or(usize::MAX)
            },
        })
    }
}

/// One line for `lfe_log_append_batch`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_input {
    pub process_id: u64,
    /// LFE_LOG_STDOUT, LFE_LOG_STDERR or LFE_LOG_SYSTEM.
    pub stream: u32,
    /// ns since the Unix epoch; 0 = now.
    pub ts_ns: u64,
    pub text: lfe_bytes,
}

/// Counters of a store (`lfe_log_stats`). Set `size` before the call; the library writes at
/// most `size` bytes and sets `size` to the bytes it wrote (README, "ABI notes").
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_log_counters {
    pub size: usize,
    pub appended: u64,
    pub bytes: u64,
    pub evicted: u64,
    pub truncated: u64,
    pub enriched: u64,
    pub enrich_lag: u64,
    pub inline_enriched: u64,
    pub capacity: u64,
    /// Bytes of evicted lines handed to the collector and not freed yet.
    pub unreclaimed_bytes: u64,
}

mirror_counters!(lfe_log_counters from lfe::log::Stats {
    appended, bytes, evicted, truncated, enriched, enrich_lag, inline_enriched, capacity,
    unreclaimed_bytes,
});

fn stream_of(v: u32) -> Res<Stream> {
    Stream::from_u32(v).ok_or(Status(LFE_E_INVALID))
}

/// Creates a log store.
///
/// Unless `cfg->manual` is 1, a worker thread enriches the lines in the background. During a
/// burst of appends it gives way to the appenders: it runs once enrichment is half a ring
/// behind or lines have waited 10 ms, so a URL or error is found within about 10 ms of its
/// append (plus the analysis). `lfe_log_sync` enriches everything appended so far at once.
///
/// Ownership: on success `*out` receives a new store; free it with `lfe_log_free`.
/// Errors: `LFE_E_NULL` (out is NULL), `LFE_E_INVALID` (bad config: size, manual not 0/1,
/// values over the maximums documented at `lfe_log_config`), `LFE_E_NOMEM` (the ring's slot
/// array could not be allocated), `LFE_E_UNSUPPORTED` (the worker thread could not be
/// started).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` is NULL (defaults) or points to a config of `cfg->size` readable bytes; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_new(cfg: *const lfe_log_config, out: *mut *mut lfe_log) -> i32 {
    create(cfg, out, |c| -> Res<_> {
        let inner = LogStore::new(c.to_config()?)?;
        Ok(lfe_log { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. It also stops the enrichment worker (after it enriched what was appended). The memory stays until `lfe_log_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `log` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_log_close_handle(log: *const lfe_log) -> i32 {
    close_handle(log)
}

/// Frees a log store: stops and joins its worker after it enriched what was appended. NULL is a
/// no-op.
///
/// Ownership: takes back the store; batches returned earlier stay valid.
/// Errors: none.
/// Thread safety: not concurrently with any other call on the same store.
///
/// # Safety
/// `log` is NULL or a store from `lfe_log_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_free(log: *mut lfe_log) {
    free_handle(log)
}

/// Appends one line. Lines longer than max_line_len are cut and flagged TRUNCATED.
///
/// Ownership: the bytes are copied; the caller keeps its buffer.
/// Errors: `LFE_E_NULL` (log NULL, or text NULL with len > 0), `LFE_E_INVALID` (stream out of
/// range), `LFE_E_TOO_LARGE` (len over isize::MAX), `LFE_E_NOMEM` (the line's bytes could not
/// be allocated; nothing appended).
/// Thread safety: safe to call concurrently; lock-free unless enrichment is a full ring behind.
///
/// # Safety
/// `log` is a live store; `text` points to `len` readable bytes (or is NULL with len 0);
/// `seq_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_append(
    log: *const lfe_log,
    process_id: u64,
    stream: u32,
    ts_ns: u64,
    text: *const u8,
    len: usize,
    seq_out: *mut u64,
) -> i32 {
    call(|| {
        let log = live(log)?;
        let stream = stream_of(stream)?;
        let text = bytes(text, len)?;
        let seq = log.inner.try_append(process_id, stream, ts_ns, text)?;
        if let Some(o) = out_opt(seq_out) {
            o.write(seq);
        }
        Ok(())
    })
}

/// Appends `count` lines in order with one sequence claim (their sequences are consecutive).
///
/// Ownership: the bytes are copied.
/// Errors: `LFE_E_NULL` (log NULL, inputs NULL with count > 0, a text NULL with len > 0),
/// `LFE_E_INVALID` (a stream out of range, misaligned inputs), `LFE_E_TOO_LARGE`,
/// `LFE_E_NOMEM` (a line's bytes could not be allocated). Nothing is appended on error.
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `inputs` points to `count` valid `lfe_log_input`s whose texts are readable; `first_seq_out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_append_batch(
    log: *const lfe_log,
    inputs: *const lfe_log_input,
    count: usize,
    first_seq_out: *mut u64,
) -> i32 {
    call(|| {
        let log = live(log)?;
        let ins = slice(inputs, count)?;
        let mut v = Vec::with_capacity(ins.len());
        for i in ins {
            v.push(Input {
                process_id: i.process_id,
                stream: stream_of(i.stream)?,
                ts_ns: i.ts_ns,
                text: i.text.input()?,
            });
        }
        let r = log.inner.try_append_batch(&v)?;
        if let Some(o) = out_opt(first_seq_out) {
            o.write(r.start);
        }
        Ok(())
    })
}

/// Reads the store's counters into `*out`. Set `out->size` to `sizeof(lfe_log_counters)`;
/// `out->size` is set to the bytes written (README, "ABI notes": versioned structs).
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL` (log or out NULL), `LFE_E_INVALID` (out->size too small).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `out` points to `out->size` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_stats(log: *const lfe_log, out: *mut lfe_log_counters) -> i32 {
    counters(log, out, |h| h.inner.stats().into())
}

/// Enriches up to `max_lines` published lines now (manual mode; allowed with a worker too).
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL` (log NULL). `done` may be NULL; otherwise it receives the count.
/// Thread safety: safe to call concurrently (enrichers serialise on an internal mutex).
///
/// # Safety
/// `log` is a live store; `done` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_enrich(
    log: *const lfe_log,
    max_lines: usize,
    done: *mut usize,
) -> i32 {
    call(|| {
        let log = live(log)?;
        let n = log.inner.enrich(max_lines);
        if let Some(o) = out_opt(done) {
            o.write(n);
        }
        Ok(())
    })
}

/// Enriches every line appended before this call (waits for the enrichment mutex), so URLs,
/// error groups and levels reflect them.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL` (log NULL).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_sync(log: *const lfe_log) -> i32 {
    on_ok(log, |log| log.inner.sync())
}

/// Hides every line appended before this call and forgets URLs and error groups. Sequences
/// keep increasing.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL` (log NULL).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_clear(log: *const lfe_log) -> i32 {
    on_ok(log, |log| log.inner.clear())
}

/// Hides the retained lines of `process_id` and forgets its URLs and error groups.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL` (log NULL).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_clear_process(log: *const lfe_log, process_id: u64) -> i32 {
    on_ok(log, |log| log.inner.clear_process(process_id))
}

// The C constants equal the Rust ones (checked at compile time).
const _: () = {
    use lfe::log::enrich::ErrorKind;
    assert!(LFE_ERROR_KIND_JAVASCRIPT == ErrorKind::JavaScript as u32);
    assert!(LFE_ERROR_KIND_GO_PANIC == ErrorKind::GoPanic as u32);
    assert!(LFE_ERROR_KIND_PYTHON == ErrorKind::Python as u32);
    assert!(LFE_ERROR_KIND_RUST_PANIC == ErrorKind::RustPanic as u32);
    assert!(LFE_ERROR_KIND_JAVA == ErrorKind::Java as u32);
    assert!(LFE_ERROR_KIND_COMPILER == ErrorKind::Compiler as u32);
    assert!(LFE_ERROR_KIND_GENERIC == ErrorKind::Generic as u32);
    assert!(LFE_LOG_MAX_CAPACITY == lfe::log::MAX_CAPACITY as u64);
    assert!(LFE_LOG_MAX_LINE_LEN == lfe::log::MAX_LINE_LEN as u64);
    assert!(LFE_LOG_DEFAULT_UNRECLAIMED_BYTES == lfe::log::DEFAULT_UNRECLAIMED_BYTES as u64);
    assert!(LFE_LOG_HANDOVER_BYTES == lfe::ring::HANDOVER_BYTES as u64);
    assert!(LFE_LOG_FLAG_TRUNCATED == lfe::log::flags::TRUNCATED);
    assert!(LFE_LOG_FLAG_ENRICHED == lfe::log::flags::ENRICHED);
    assert!(LFE_LOG_FLAG_ERROR_START == lfe::log::flags::ERROR_START);
    assert!(LFE_LOG_FLAG_CONTINUATION == lfe::log::flags::CONTINUATION);
    assert!(LFE_LOG_FLAG_HAS_URL == lfe::log::flags::HAS_URL);
    assert!(LFE_LOG_TAG_BUILD == lfe::log::enrich::tags::BUILD);
    assert!(LFE_LOG_TAG_TEST == lfe::log::enrich::tags::TEST);
    assert!(LFE_LOG_TAG_LINT == lfe::log::enrich::tags::LINT);
    assert!(LFE_LOG_TAG_COMPILE == lfe::log::enrich::tags::COMPILE);
    assert!(LFE_LOG_TAG_WARNING == lfe::log::enrich::tags::WARNING);
    assert!(LFE_LOG_TAG_ERROR == lfe::log::enrich::tags::ERROR);
    assert!(LFE_LOG_LEVEL_CRITICAL == Level::Critical as u32);
    assert!(LFE_REC_TEXT == 1);
};
