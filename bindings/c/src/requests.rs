//! C ABI for the request log (`lfe::table::requests`). Records come back as
//! `lfe_request_record` in an `lfe_batch` (`LFE_REC_REQUEST`).

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, record, BatchBuilder};
use crate::guard::{call, Res, Status};
use crate::status::{LFE_E_NOMEM, LFE_E_TOO_LARGE};
use lfe::table::requests::{Request, RequestLog, RequestsConfig, StatsView};

versioned_structs!(lfe_requests_config, lfe_request_stats);

/// Record kind of `lfe_request_record`.
pub const LFE_REC_REQUEST: u32 = 202;
/// Request flag, set by lfe: status >= 400 or a transport error.
pub const LFE_REQ_ERROR: u32 = 1;
/// Request flag, set by the host: an XHR / fetch request.
pub const LFE_REQ_XHR: u32 = 2;
/// Request flag, set by the host: the upstream could not be reached (implies LFE_REQ_ERROR).
pub const LFE_REQ_TRANSPORT_ERROR: u32 = 4;

/// A request log (opaque).
pub struct lfe_requests {
    pub(crate) inner: RequestLog,
}

impl Handle for lfe_requests {}

/// Largest `lfe_requests_config.capacity` in records (2^24); over it is `LFE_E_TOO_LARGE`.
pub const LFE_REQUESTS_MAX_CAPACITY: usize = 16_777_216;
/// Largest `lfe_requests_config.max_routes` (2^14); over it is `LFE_E_TOO_LARGE`.
pub const LFE_REQUESTS_MAX_ROUTES: usize = 16_384;
/// Largest `lfe_requests_config.max_field` in bytes (64 KiB); over it is `LFE_E_TOO_LARGE`.
pub const LFE_REQUESTS_MAX_FIELD: usize = 65_536;
/// Default `lfe_requests_config.max_bytes` (16 MiB).
pub const LFE_REQUESTS_DEFAULT_MAX_BYTES: usize = 16_777_216;
/// Bytes of one ring slot, charged to `max_bytes` for every slot of the capacity.
pub const LFE_REQUESTS_SLOT_BYTES: usize = 256;
/// Bytes of method, host, path and trace id (together) a slot holds; a record whose fields
/// are longer keeps them in one allocation charged to `max_bytes`.
pub const LFE_REQUESTS_INLINE_BYTES: usize = 168;

const _: () = {
    use lfe::table::requests as r;
    assert!(LFE_REQUESTS_MAX_CAPACITY == r::MAX_CAPACITY);
    assert!(LFE_REQUESTS_MAX_ROUTES == r::MAX_ROUTES);
    assert!(LFE_REQUESTS_MAX_FIELD == r::MAX_FIELD);
    assert!(LFE_REQUESTS_DEFAULT_MAX_BYTES == r::DEFAULT_MAX_BYTES);
    assert!(LFE_REQUESTS_SLOT_BYTES == r::SLOT_BYTES);
    assert!(LFE_REQUESTS_INLINE_BYTES == r::INLINE_BYTES);
};

/// Configuration of `lfe_requests_new`. Set `size = sizeof(lfe_requests_config)`, or pass NULL
/// for the defaults.
///
/// Zero `capacity` or `max_field` is `LFE_E_INVALID`; zero `max_routes` means no per-route
/// stats (every routed request is counted in the global stats and the overflow); zero
/// `max_bytes` means `LFE_REQUESTS_DEFAULT_MAX_BYTES` (it came after the other fields, so a
/// host that zero-fills the config and sets only those keeps working).
/// A field over its `LFE_REQUESTS_MAX_*` is `LFE_E_TOO_LARGE`.
///
/// Memory: the ring never retains more than `max_bytes`: `capacity` x
/// `LFE_REQUESTS_SLOT_BYTES` of slots (committed 1024 slots at a time as the ring first fills,
/// so a large capacity costs little until used), a chunk table of 8 bytes per 1024 slots, and
/// the long fields of records whose four byte fields total more than
/// `LFE_REQUESTS_INLINE_BYTES` (each charged its length plus a small header). When long
/// fields would exceed the budget, the oldest records' long fields are evicted first and
/// readers count those records in `missed`. `max_bytes` must hold the slots, the table and
/// one record with four `max_field`-long fields, else `LFE_E_TOO_LARGE`. Per-route stats are
/// separate: about 9 KiB per route, at most `max_routes` routes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_requests_config {
    pub size: usize,
    /// Ring capacity in records (default 1000; at most `LFE_REQUESTS_MAX_CAPACITY`).
    pub capacity: usize,
    /// Most routes with their own stats (default 1024; 0: none; at most
    /// `LFE_REQUESTS_MAX_ROUTES`); route 0 ("unrouted") is extra.
    pub max_routes: usize,
    /// Longest method, host, path or trace id in bytes (default 4096; at most
    /// `LFE_REQUESTS_MAX_FIELD`).
    pub max_field: usize,
    /// Most bytes the ring retains (0: `LFE_REQUESTS_DEFAULT_MAX_BYTES`); see above.
    pub max_bytes: usize,
}

mirror_config!(lfe_requests_config => RequestsConfig { capacity, max_routes, max_field, max_bytes });

/// A request to record.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_request_in {
    /// Wall clock ns; 0 means "now".
    pub time_ns: u64,
    pub duration_ns: u64,
    pub bytes: u64,
    pub process_id: u64,
    /// 0: unrouted.
    pub route_id: u64,
    /// HTTP status (0: no response).
    pub status: u32,
    /// `LFE_REQ_XHR` / `LFE_REQ_TRANSPORT_ERROR` (lfe sets `LFE_REQ_ERROR`).
    pub flags: u32,
    pub method: lfe_bytes,
    pub host: lfe_bytes,
    pub path: lfe_bytes,
    /// Optional trace / session id (len 0: none).
    pub trace_id: lfe_bytes,
}

/// A recorded request in a batch (`LFE_REC_REQUEST`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_request_record {
    pub seq: u64,
    pub time_ns: u64,
    pub duration_ns: u64,
    pub bytes: u64,
    pub process_id: u64,
    pub route_id: u64,
    pub status: u32,
    pub flags: u32,
    pub method: lfe_bytes,
    pub host: lfe_bytes,
    pub path: lfe_bytes,
    pub trace_id: lfe_bytes,
}

record!(
    lfe_request_record,
    LFE_REC_REQUEST,
    method,
    host,
    path,
    trace_id
);

/// Counters of a route (or of every request). Percentiles are log-bucket upper bounds (at most
/// 25% above the true value), 0 when there is no request.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_request_stats {
    /// `sizeof(lfe_request_stats)`, set by the caller before the call; the library writes at most that
    /// many bytes and sets it to the bytes written (README, "ABI notes": versioned structs).
    pub size: usize,
    pub requests: u64,
    pub errors: u64,
    pub bytes: u64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    pub p99_ns: u64,
}

mirror_counters!(lfe_request_stats from StatsView {
    requests, errors, bytes, p50_ns, p90_ns, p99_ns,
});

/// Copies a request of an export's input.
fn request_of(r: &lfe_request_in) -> Res<Request> {
    Ok(Request {
        seq: 0,
        time_ns: r.time_ns,
        method: r.method.input()?.to_vec(),
        host: r.host.input()?.to_vec(),
        path: r.path.input()?.to_vec(),
        status: r.status,
        duration_ns: r.duration_ns,
        bytes: r.bytes,
        process_id: r.process_id,
        route_id: r.route_id,
        flags: r.flags,
        trace_id: r.trace_id.input()?.to_vec(),
    })
}

fn batch_of(rs: &[Request], next: u64, missed: u64) -> *mut lfe_batch {
    let mut b = BatchBuilder::with_capacity(rs.len(), 0);
    for r in rs {
        let rec = lfe_request_record {
            seq: r.seq,
            time_ns: r.time_ns,
            duration_ns: r.duration_ns,
            bytes: r.bytes,
            process_id: r.process_id,
            route_id: r.route_id,
            status: r.status,
            flags: r.flags,
            method: b.bytes(&r.method),
            host: b.bytes(&r.host),
            path: b.bytes(&r.path),
            trace_id: b.bytes(&r.trace_id),
        };
        b.push(rec);
    }
    b.set_next(next);
    b.set_missed(missed);
    b.finish()
}

/// Creates a request log.
///
/// Ownership: `*out` receives a new log; release it with `lfe_requests_free`.
/// Errors: `LFE_E_NULL` (out is NULL), `LFE_E_INVALID` (bad config size, zero capacity or
/// max_field), `LFE_E_TOO_LARGE` (a field over its `LFE_REQUESTS_MAX_*`, or
/// max_bytes too small for the capacity and max_field), `LFE_E_NOMEM` (the chunk table could
/// not be allocated). No slot memory is committed here.
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` must be NULL or point to a valid config of at least `cfg->size` bytes; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_new(
    cfg: *const lfe_requests_config,
    out: *mut *mut lfe_requests,
) -> i32 {
    create(cfg, out, |c| {
        RequestLog::new(c.into()).map(|inner| lfe_requests { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. The memory stays until `lfe_requests_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `l` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_close_handle(l: *const lfe_requests) -> i32 {
    close_handle(l)
}

/// Frees a request log. NULL is a no-op.
///
/// Ownership: takes back the log; batches already returned stay valid.
/// Errors: none.
/// Thread safety: not concurrently with any other call on the same log.
///
/// # Safety
/// `l` must be NULL or a log from `lfe_requests_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_free(l: *mut lfe_requests) {
    free_handle(l)
}

/// Records one request and returns its sequence number (0, 1, 2, ...). Never blocks.
///
/// Ownership: the request's bytes are copied.
/// Errors: nothing is recorded on any error. `LFE_E_NULL`, `LFE_E_TOO_LARGE` (a field over
/// max_field), `LFE_E_INVALID` (unknown flag bits), `LFE_E_NOMEM` (slot or field memory could
/// not be allocated), `LFE_E_FULL` (its long fields do not fit max_bytes even after evicting every
/// older record's: the rest is held by records being written or read right now).
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `req` valid with readable bytes; `out_seq` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_record(
    l: *const lfe_requests,
    req: *const lfe_request_in,
    out_seq: *mut u64,
) -> i32 {
    fill(l, out_seq, |t| -> Res<_> {
        Ok(t.inner.record(request_of(arg(req)?)?)?)
    })
}

/// Records `count` requests with consecutive sequence numbers, in order; `*out_first_seq` gets
/// the first (for count 0: the next sequence number). All or nothing: if one is invalid,
/// none is recorded.
///
/// Ownership: the requests' bytes are copied.
/// Errors: nothing is recorded on any error. `LFE_E_NULL`, `LFE_E_TOO_LARGE` (count over the
/// ring capacity, a field over max_field, or long fields that together exceed what max_bytes can
/// hold), `LFE_E_INVALID` (unknown flag bits), `LFE_E_NOMEM` (memory for the batch, its slots
/// or its long fields could not be allocated), `LFE_E_FULL` (as for `lfe_requests_record`).
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `reqs` must point to `count` valid requests; `out_first_seq`
/// writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_record_batch(
    l: *const lfe_requests,
    reqs: *const lfe_request_in,
    count: usize,
    out_first_seq: *mut u64,
) -> i32 {
    fill(l, out_first_seq, |t| -> Res<_> {
        let rs = slice(reqs, count)?;
        // `record_batch` refuses the same; checked first so an over-long batch is not copied.
        if rs.len() > t.inner.capacity() {
            return Err(Status(LFE_E_TOO_LARGE));
        }
        let mut v = Vec::new();
        v.try_reserve_exact(rs.len())
            .map_err(|_| Status(LFE_E_NOMEM))?;
        for r in rs {
            v.push(request_of(r)?);
        }
        Ok(t.inner.record_batch(v)?)
    })
}

/// Reads up to `max` requests after `cursor` (start with 0), oldest first. The batch's `next`
/// is the cursor for the next call; `missed` counts requests after `cursor` that were evicted
/// before this call reached them.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_read(
    l: *const lfe_requests,
    cursor: u64,
    max: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(l, out, |t| {
        let r = t.inner.read(cursor, max);
        Res::Ok(batch_of(&r.requests, r.next, r.missed))
    })
}

/// The last `n` requests still in the ring, oldest first; the batch's `next` is the cursor
/// after the newest.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_recent(
    l: *const lfe_requests,
    n: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(l, out, |t| {
        let rs = t.inner.recent(n);
        let next = rs.last().map_or(0, |r| r.seq + 1);
        Res::Ok(batch_of(&rs, next, 0))
    })
}

/// Counters and p50/p90/p99 latency of route `route_id` (0: unrouted requests).
///
/// Ownership: fills the caller's struct; set `out->size = sizeof(lfe_request_stats)` first.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (`out->size` too small), `LFE_E_NOT_FOUND` (no request
/// recorded for that route).
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_route_stats(
    l: *const lfe_requests,
    route_id: u64,
    out: *mut lfe_request_stats,
) -> i32 {
    call(|| {
        let (t, out) = (live(l)?, versioned_out(out)?);
        out.write(t.inner.route_stats(route_id)?.into());
        Ok(())
    })
}

/// Counters and p50/p90/p99 latency over every request.
///
/// Ownership: fills the caller's struct; set `out->size = sizeof(lfe_request_stats)` first.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (`out->size` too small).
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_global_stats(
    l: *const lfe_requests,
    out: *mut lfe_request_stats,
) -> i32 {
    counters(l, out, |t| t.inner.global_stats().into())
}

/// The bytes the log's ring retains now: committed slots, the chunk table and live long
/// fields (see `lfe_requests_config`). Never more than the log's `max_bytes`.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the log except `_free`.
///
/// # Safety
/// `l` must be a live log; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_requests_retained_bytes(
    l: *const lfe_requests,
    out: *mut usize,
) -> i32 {
    call(|| put(out, live(l)?.inner.retained_bytes()))
}
