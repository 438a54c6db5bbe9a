//! C ABI of the log store (`lfe::log`): `lfe_log_*`.
//!
//! A thin layer over [`lfe::log::LogStore`]: argument checks, enum range checks and copying
//! results into one `lfe_batch` per call. Records: [`lfe_log_line`] (`LFE_REC_LOG_LINE`),
//! [`lfe_log_url`] (`LFE_REC_LOG_URL`), [`lfe_log_error_group`] (`LFE_REC_LOG_ERROR_GROUP`);
//! `lfe_log_line_urls` gives `LFE_REC_TEXT` records.
//!
//! One documented exception to "out-params are written only on success": `lfe_log_search`'s
//! optional `err_out` is written only when the call fails with `LFE_E_BAD_PATTERN`, with one
//! `LFE_REC_TEXT` record holding the pattern compiler's message (no thread-local last error).

use crate::args::*;
use crate::batch::{kinds::LFE_REC_TEXT, lfe_batch, lfe_bytes, lfe_rec_text, BatchBuilder, Record};
use crate::guard::{call, Res, Status};
use crate::status::*;
use lfe::log::enrich::Level;
use lfe::log::errors::GroupConfig;
use lfe::log::{level_from_u8, Config, Input, LogLine, LogStore, Query, Stream};

versioned_structs!(lfe_log_config, lfe_log_query, lfe_log_counters);

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

/// Record kind of [`lfe_log_line`].
pub const LFE_REC_LOG_LINE: u32 = 100;
/// Record kind of [`lfe_log_url`].
pub const LFE_REC_LOG_URL: u32 = 101;
/// Record kind of [`lfe_log_error_group`].
pub const LFE_REC_LOG_ERROR_GROUP: u32 = 102;

/// Opaque log store handle.
pub struct lfe_log {
    inner: LogStore,
}

impl Handle for lfe_log {}

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

impl Default for lfe_log_config {
    fn default() -> Self {
        lfe_log_config {
            size: std::mem::size_of::<lfe_log_config>(),
            capacity: 0,
            max_line_len: 0,
            manual: 0,
            url_capacity: 0,
            error_group_capacity: 0,
            error_group_max_lines: 0,
            error_group_max_gap_ns: 0,
            max_pattern_len: 0,
            max_unreclaimed_bytes: 0,
        }
    }
}

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

/// A search for `lfe_log_search`. Set `size = sizeof(lfe_log_query)`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_query {
    pub size: usize,
    /// Regular expression (UTF-8, regex-automata syntax) or literal bytes.
    pub pattern: lfe_bytes,
    /// LFE_LOG_SEARCH_* bits.
    pub flags: u32,
    /// Only lines whose detected level is at least this (LFE_LOG_LEVEL_*).
    pub min_level: u32,
    /// With LFE_LOG_SEARCH_HAS_PROCESS: only this process's lines.
    pub process_id: u64,
    /// Only lines with since_ns <= ts_ns.
    pub since_ns: u64,
    /// Only lines with ts_ns <= until_ns (0: no bound).
    pub until_ns: u64,
    /// At most this many lines, the newest matches (0: no limit).
    pub limit: u64,
}

impl Default for lfe_log_query {
    fn default() -> Self {
        lfe_log_query {
            size: std::mem::size_of::<Self>(),
            pattern: lfe_bytes::EMPTY,
            flags: 0,
            min_level: 0,
            process_id: 0,
            since_ns: 0,
            until_ns: 0,
            limit: 0,
        }
    }
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

/// A log line (`LFE_REC_LOG_LINE`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_line {
    pub seq: u64,
    pub ts_ns: u64,
    pub process_id: u64,
    /// LFE_LOG_STDOUT / STDERR / SYSTEM.
    pub stream: u32,
    /// LFE_LOG_LEVEL_*.
    pub level: u32,
    /// LFE_LOG_FLAG_* bits.
    pub flags: u32,
    /// LFE_LOG_TAG_* bits.
    pub tags: u32,
    pub text: lfe_bytes,
}

impl Record for lfe_log_line {
    const KIND: u32 = LFE_REC_LOG_LINE;
    fn rebase(&mut self, base: *const u8) {
        self.text.rebase(base);
    }
}

/// A URL seen in the log (`LFE_REC_LOG_URL`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_url {
    /// Normalised URL.
    pub url: lfe_bytes,
    /// Process that printed it first.
    pub process_id: u64,
    pub first_seen_ns: u64,
    pub last_seen_ns: u64,
    pub count: u64,
}

impl Record for lfe_log_url {
    const KIND: u32 = LFE_REC_LOG_URL;
    fn rebase(&mut self, base: *const u8) {
        self.url.rebase(base);
    }
}

/// An error group (`LFE_REC_LOG_ERROR_GROUP`).
///
/// `seqs` holds `line_count` native-endian `uint64_t` sequences (first is the starting line).
/// Its bytes are not guaranteed to be 8-byte aligned: copy them out with `memcpy`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_log_error_group {
    pub id: u64,
    pub process_id: u64,
    /// One of `LFE_ERROR_KIND_*`.
    pub kind: u32,
    /// 1 when the group can take no more lines.
    pub closed: u32,
    pub first_ns: u64,
    pub last_ns: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub line_count: u64,
    /// Text of the first line (ANSI stripped).
    pub first_line: lfe_bytes,
    /// `line_count * 8` bytes: the sequences, as native-endian u64.
    pub seqs: lfe_bytes,
}

impl Record for lfe_log_error_group {
    const KIND: u32 = LFE_REC_LOG_ERROR_GROUP;
    fn rebase(&mut self, base: *const u8) {
        self.first_line.rebase(base);
        self.seqs.rebase(base);
    }
}

fn stream_of(v: u32) -> Res<Stream> {
    Stream::from_u32(v).ok_or(Status(LFE_E_INVALID))
}

fn lines_batch(lines: &[LogLine], next: u64, missed: u64) -> *mut lfe_batch {
    let total: usize = lines.iter().map(|l| l.text.len()).sum();
    let mut b = BatchBuilder::<lfe_log_line>::with_capacity(lines.len(), total);
    for l in lines {
        let text = b.bytes(&l.text);
        b.push(lfe_log_line {
            seq: l.seq,
            ts_ns: l.ts_ns,
            process_id: l.process_id,
            stream: l.stream as u32,
            level: l.level as u32,
            flags: l.flags,
            tags: l.tags,
            text,
        });
    }
    b.set_next(next);
    b.set_missed(missed);
    b.finish()
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
    call(|| {
        let out = slot(out)?;
        let c = versioned(cfg)?.to_config()?;
        let store = LogStore::new(c)?;
        new_handle(out, lfe_log { inner: store });
        Ok(())
    })
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
        let log = arg(log)?;
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
        let log = arg(log)?;
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

/// Cursor read: up to `max` lines with seq >= `cursor` (start with 0), oldest first.
/// `batch->next` is the cursor for the next call; `batch->missed` counts lines evicted before
/// they could be read.
///
/// Ownership: `*out` receives a batch of `lfe_log_line`; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (log or out NULL), `LFE_E_INVALID` (`cursor` beyond the end: greater
/// than the sequence the next append will get; such a cursor is not one this store gave out,
/// and reading with it would wait silently).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_read(
    log: *const lfe_log,
    cursor: u64,
    max: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let r = log.inner.read(cursor, max)?;
        out.write(lines_batch(&r.lines, r.next, r.missed));
        Ok(())
    })
}

/// The newest `n` lines (only of `process_id` when `has_process` is 1), oldest first.
///
/// Ownership: `*out` receives a batch of `lfe_log_line`; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (log or out NULL), `LFE_E_INVALID` (has_process not 0/1).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_tail(
    log: *const lfe_log,
    n: usize,
    has_process: u32,
    process_id: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let p = match has_process {
            0 => None,
            1 => Some(process_id),
            _ => return Err(Status(LFE_E_INVALID)),
        };
        let lines = log.inner.tail(n, p);
        out.write(lines_batch(&lines, 0, 0));
        Ok(())
    })
}

/// Searches the retained lines; returns the newest `limit` matches, oldest first.
///
/// Ownership: on success `*out` receives a batch of `lfe_log_line`. On `LFE_E_BAD_PATTERN`
/// only, and only if `err_out` is not NULL, `*err_out` receives a batch with one
/// `LFE_REC_TEXT` record: the compiler's message (free it with `lfe_batch_free`). This is the
/// one exception to "out-params only on success".
/// Errors: `LFE_E_NULL` (log, query or out NULL; pattern NULL with len > 0), `LFE_E_INVALID`
/// (query size, unknown flag bits, min_level out of range), `LFE_E_TOO_LARGE` (pattern longer
/// than max_pattern_len), `LFE_E_BAD_PATTERN` (does not compile).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `q` points to a valid `lfe_log_query`; `out` is writable; `err_out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_search(
    log: *const lfe_log,
    q: *const lfe_log_query,
    out: *mut *mut lfe_batch,
    err_out: *mut *mut lfe_batch,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let q = versioned_arg(q)?;
        let all =
            LFE_LOG_SEARCH_LITERAL | LFE_LOG_SEARCH_CASE_INSENSITIVE | LFE_LOG_SEARCH_HAS_PROCESS;
        if q.flags & !all != 0 || q.min_level > LFE_LOG_LEVEL_CRITICAL {
            return Err(Status(LFE_E_INVALID));
        }
        let pattern = q.pattern.input()?;
        let query = Query {
            pattern,
            literal: q.flags & LFE_LOG_SEARCH_LITERAL != 0,
            case_insensitive: q.flags & LFE_LOG_SEARCH_CASE_INSENSITIVE != 0,
            process_id: (q.flags & LFE_LOG_SEARCH_HAS_PROCESS != 0).then_some(q.process_id),
            min_level: level_from_u8(q.min_level as u8),
            since_ns: q.since_ns,
            until_ns: q.until_ns,
            limit: usize::try_from(q.limit).unwrap_or(usize::MAX),
        };
        match log.inner.search(&query) {
            Ok(lines) => {
                out.write(lines_batch(&lines, 0, 0));
                Ok(())
            }
            Err(lfe::Error::BadPattern(msg)) => {
                if let Some(o) = out_opt(err_out) {
                    let mut b = BatchBuilder::<lfe_rec_text>::new();
                    let t = b.bytes(msg.as_bytes());
                    b.push(lfe_rec_text { text: t });
                    o.write(b.finish());
                }
                Err(Status(LFE_E_BAD_PATTERN))
            }
            Err(e) => Err(Status::from(e)),
        }
    })
}

/// The URLs seen so far, most recently seen first.
///
/// Ownership: `*out` receives a batch of `lfe_log_url`; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (log or out NULL).
/// Thread safety: safe to call concurrently; never waits on appends or enrichment.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_urls(log: *const lfe_log, out: *mut *mut lfe_batch) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let urls = log.inner.urls();
        let mut b = BatchBuilder::<lfe_log_url>::new();
        for u in &urls {
            let url = b.bytes(&u.url);
            b.push(lfe_log_url {
                url,
                process_id: u.process_id,
                first_seen_ns: u.first_seen_ns,
                last_seen_ns: u.last_seen_ns,
                count: u.count,
            });
        }
        out.write(b.finish());
        Ok(())
    })
}

/// The URLs of one line: those found in line `seq`, normalised like `lfe_log_urls`' entries,
/// in order of appearance, one `LFE_REC_TEXT` record (`lfe_rec_text`) each; an empty batch
/// when the enriched line has none. A line keeps the URLs whose encoding fits in its own length
/// plus 16 bytes (in practice all; `lfe_log_urls` lists every one).
///
/// Ownership: on success `*out` receives a batch of `lfe_rec_text`; free it with
/// `lfe_batch_free`. The URL bytes are copies, valid until then.
/// Errors: `LFE_E_NULL` (log or out NULL); `LFE_E_NOT_FOUND` when line `seq` is not retained
/// (evicted, not appended yet, or hidden by `lfe_log_clear`/`lfe_log_clear_process`) or not
/// enriched yet (`LFE_LOG_FLAG_ENRICHED` not set; `lfe_log_sync` enriches every line appended
/// before it). `*out` is left untouched on error.
/// Thread safety: safe to call concurrently; never waits on appends or enrichment.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_line_urls(
    log: *const lfe_log,
    seq: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let urls = log.inner.line_urls(seq).ok_or(Status(LFE_E_NOT_FOUND))?;
        let mut b = BatchBuilder::<lfe_rec_text>::new();
        for u in &urls {
            let text = b.bytes(u);
            b.push(lfe_rec_text { text });
        }
        out.write(b.finish());
        Ok(())
    })
}

/// Recent error groups, oldest first.
///
/// Ownership: `*out` receives a batch of `lfe_log_error_group`; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (log or out NULL).
/// Thread safety: safe to call concurrently; never waits on appends or enrichment.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_errors(log: *const lfe_log, out: *mut *mut lfe_batch) -> i32 {
    call(|| {
        let out = slot(out)?;
        let log = arg(log)?;
        let groups = log.inner.error_groups();
        let mut b = BatchBuilder::<lfe_log_error_group>::new();
        for g in &groups {
            let first_line = b.bytes(&g.first_line);
            let raw: Vec<u8> = g.seqs.iter().flat_map(|s| s.to_ne_bytes()).collect();
            let seqs = b.bytes(&raw);
            b.push(lfe_log_error_group {
                id: g.id,
                process_id: g.process_id,
                kind: g.kind as u32,
                closed: g.closed as u32,
                first_ns: g.first_ns,
                last_ns: g.last_ns,
                first_seq: g.seqs.first().copied().unwrap_or(0),
                last_seq: g.seqs.last().copied().unwrap_or(0),
                line_count: g.seqs.len() as u64,
                first_line,
                seqs,
            });
        }
        out.write(b.finish());
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
    call(|| {
        let (log, out) = (arg(log)?, versioned_out(out)?);
        let s = log.inner.stats();
        out.write(lfe_log_counters {
            size: 0,
            appended: s.appended,
            bytes: s.bytes,
            evicted: s.evicted,
            truncated: s.truncated,
            enriched: s.enriched,
            enrich_lag: s.enrich_lag,
            inline_enriched: s.inline_enriched,
            capacity: s.capacity,
            unreclaimed_bytes: s.unreclaimed_bytes,
        });
        Ok(())
    })
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
        let log = arg(log)?;
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
    call(|| {
        arg(log)?.inner.sync();
        Ok(())
    })
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
    call(|| {
        arg(log)?.inner.clear();
        Ok(())
    })
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
    call(|| {
        arg(log)?.inner.clear_process(process_id);
        Ok(())
    })
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
