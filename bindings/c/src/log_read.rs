//! C ABI of the log store, the reading side: cursor reads, tails, searches, URLs and error
//! groups, each copied into one `lfe_batch`. Records: [`lfe_log_line`] (`LFE_REC_LOG_LINE`),
//! [`lfe_log_url`] (`LFE_REC_LOG_URL`), [`lfe_log_error_group`] (`LFE_REC_LOG_ERROR_GROUP`);
//! `lfe_log_line_urls` gives `LFE_REC_TEXT` records.
//!
//! One documented exception to "out-params are written only on success": `lfe_log_search`'s
//! optional `err_out` is written only when the call fails with `LFE_E_BAD_PATTERN`, with one
//! `LFE_REC_TEXT` record holding the pattern compiler's message (no thread-local last error).

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, lfe_rec_text, record, BatchBuilder};
use crate::guard::{call, Res, Status};
use crate::log::*;
use crate::queue::timeout;
use crate::status::*;
use lfe::log::{level_from_u8, LineRef, LogLine, Query};

/// Text bytes per line reserved up front by `lfe_log_tail` (a typical line; the buffer grows
/// past it when needed), so that a tail does not grow its buffer by repeated reallocation.
const TAIL_LINE_BYTES: usize = 96;

versioned_structs!(lfe_log_query);

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

zeroed_default!(lfe_log_query);

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

record!(lfe_log_line, LFE_REC_LOG_LINE, text);

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

record!(lfe_log_url, LFE_REC_LOG_URL, url);

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

record!(
    lfe_log_error_group,
    LFE_REC_LOG_ERROR_GROUP,
    first_line,
    seqs
);

fn lines_batch(lines: &[LogLine], next: u64, missed: u64) -> *mut lfe_batch {
    refs_batch(lines.iter().map(LogLine::view), next, missed)
}

/// One batch of `lines`, sized up front (so each text is copied once, into its byte buffer).
fn refs_batch<'a>(
    lines: impl Iterator<Item = LineRef<'a>> + Clone,
    next: u64,
    missed: u64,
) -> *mut lfe_batch {
    let (n, total) = lines
        .clone()
        .fold((0, 0), |(n, t), l| (n + 1, t + l.text.len()));
    let mut b = BatchBuilder::<lfe_log_line>::with_capacity(n, total);
    for l in lines {
        push_line(&mut b, l);
    }
    b.set_next(next);
    b.set_missed(missed);
    b.finish()
}

/// Appends one line's record, its text copied into the batch.
fn push_line(b: &mut BatchBuilder<lfe_log_line>, l: LineRef<'_>) {
    let text = b.bytes(l.text);
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

/// Every retained line of `process_id`, oldest first, in one batch: one scan of the store
/// gathers the lines in place, then each text is copied once, into the batch's byte buffer
/// sized for them up front.
///
/// Ownership: `*out` receives a batch of `lfe_log_line`; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (log or out NULL), `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `out` is writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_read_process(
    log: *const lfe_log,
    process_id: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(log, out, |log| -> Res<_> {
        Ok(log.inner.with_lines(Some(process_id), |lines| {
            refs_batch(lines.iter().copied(), 0, 0)
        }))
    })
}

/// Waits until a line at or after `cursor` is published (or was evicted: a read from `cursor`
/// reports it missed), up to `timeout_ns` (`LFE_TIMEOUT_INFINITE`: forever; 0: just look). It
/// spins briefly, then sleeps; appends wake it. A follower reads with `lfe_log_read` until it
/// gets no line, then waits with the batch's `next`.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_OK` also when `lfe_log_interrupt` was called meanwhile (read, then wait again);
/// `LFE_E_TIMEOUT`; `LFE_E_CLOSED` (the handle was closed or freed before or during the
/// wait); `LFE_E_NULL`; `LFE_E_INVALID` (`cursor` beyond the end, as in `lfe_log_read`).
/// Thread safety: safe to call concurrently; `lfe_log_close_handle` and `lfe_log_free` wake it.
///
/// # Safety
/// `log` is a live store.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_wait(log: *const lfe_log, cursor: u64, timeout_ns: u64) -> i32 {
    call(|| {
        let log = hold(log)?;
        log.value().inner.wait(cursor, Some(timeout(timeout_ns)))?;
        Ok(())
    })
}

/// Makes every call now blocked in `lfe_log_wait` on this store return `LFE_OK` (a host
/// cancelling one follower's wait; the others find nothing new and wait again).
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_interrupt(log: *const lfe_log) -> i32 {
    on_ok(log, |log| log.inner.interrupt())
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
    fill(log, out, |log| -> Res<_> {
        let r = log.inner.read(cursor, max)?;
        Ok(lines_batch(&r.lines, r.next, r.missed))
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
    fill(log, out, |log| {
        Ok::<_, Status>(tail_lines(log, n, has_process, process_id)?.finish())
    })
}

/// `lfe_log_tail` into the caller's buffer, with nothing to free: `buf` receives `*count_out`
/// `lfe_log_line` records, oldest first, then the texts they point to (inside `buf`);
/// `*len_out` receives the bytes written. For bindings where each call costs more than copying
/// (one call instead of a query, a copy out of the batch and a free).
///
/// Ownership: nothing is allocated that outlives the call; `buf` stays the caller's.
/// Errors: `LFE_E_NULL` (log, count_out or len_out NULL; buf NULL with bytes to write),
/// `LFE_E_INVALID` (has_process not 0/1; buf not aligned to 8), `LFE_E_BUFFER_TOO_SMALL` (`cap`
/// is less than the result: nothing is written to `buf` and `*len_out` receives the bytes
/// needed — the one out-parameter written on an error; lines appended meanwhile can make the
/// next call need more).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `log` is a live store; `buf` is NULL or `cap` writable bytes; `count_out` and `len_out` are
/// writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_log_tail_into(
    log: *const lfe_log,
    n: usize,
    has_process: u32,
    process_id: u64,
    buf: *mut u8,
    cap: usize,
    count_out: *mut usize,
    len_out: *mut usize,
) -> i32 {
    call(|| {
        let count_out = slot(count_out)?;
        let b = tail_lines(live(log)?, n, has_process, process_id)?;
        count_out.write(b.write_into(buf, cap, len_out)?);
        Ok(())
    })
}

/// The builder of a tail: lines borrowed from the ring (one copy of each text, into the
/// builder), gathered newest first and then put oldest first.
fn tail_lines(
    log: &lfe_log,
    n: usize,
    has_process: u32,
    process_id: u64,
) -> Res<BatchBuilder<lfe_log_line>> {
    let p = match has_process {
        0 => None,
        1 => Some(process_id),
        _ => return Err(Status(LFE_E_INVALID)),
    };
    let lines = n.min(log.inner.config().capacity);
    let mut b = BatchBuilder::<lfe_log_line>::with_capacity(lines, lines * TAIL_LINE_BYTES);
    log.inner.tail_each(n, p, |l| push_line(&mut b, l));
    b.reverse();
    Ok(b)
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
        let log = live(log)?;
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
    fill(log, out, |log| {
        let push = |b: &mut BatchBuilder<lfe_log_url>, u: &lfe::log::urls::UrlEntry| {
            let url = b.bytes(&u.url);
            b.push(lfe_log_url {
                url,
                process_id: u.process_id,
                first_seen_ns: u.first_seen_ns,
                last_seen_ns: u.last_seen_ns,
                count: u.count,
            });
        };
        Res::Ok(BatchBuilder::of(&log.inner.urls(), push, 0, 0))
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
    fill(log, out, |log| -> Res<_> {
        let urls = log.inner.line_urls(seq).ok_or(Status(LFE_E_NOT_FOUND))?;
        Ok(BatchBuilder::of(
            &urls,
            |b, u| {
                let text = b.bytes(u);
                b.push(lfe_rec_text { text });
            },
            0,
            0,
        ))
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
    fill(log, out, |log| {
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
        Res::Ok(b.finish())
    })
}
