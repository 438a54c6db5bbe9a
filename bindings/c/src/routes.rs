//! C ABI for the route table (`lfe::table::route`). Routes come back as `lfe_route_record` in
//! an `lfe_batch` (`LFE_REC_ROUTE`).

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, record, BatchBuilder};
use crate::guard::{call, Res, Status};
use crate::status::LFE_E_INVALID;
use lfe::table::route::{Route, RouteConfig, RouteSpec, RouteTable};

versioned_structs!(lfe_routes_config);

/// Record kind of `lfe_route_record`.
pub const LFE_REC_ROUTE: u32 = 201;

/// A route table (opaque).
pub struct lfe_routes {
    inner: RouteTable,
}

impl Handle for lfe_routes {}

/// Largest `lfe_routes_config.max_routes` (2^16); over it is `LFE_E_TOO_LARGE`.
pub const LFE_ROUTES_MAX_ROUTES: usize = 65_536;
/// Largest `lfe_routes_config.max_field` in bytes (64 KiB); over it is `LFE_E_TOO_LARGE`.
pub const LFE_ROUTES_MAX_FIELD: usize = 65_536;

const _: () = {
    use lfe::table::route as r;
    assert!(LFE_ROUTES_MAX_ROUTES == r::MAX_ROUTES);
    assert!(LFE_ROUTES_MAX_FIELD == r::MAX_FIELD);
};

/// Configuration of `lfe_routes_new`. Set `size = sizeof(lfe_routes_config)`, or pass NULL for
/// the defaults. Zero fields are `LFE_E_INVALID`; a field over its `LFE_ROUTES_MAX_*` is
/// `LFE_E_TOO_LARGE`. Memory: nothing is allocated at creation; the table holds at most
/// `max_routes` routes of at most `4 * max_field` field bytes each.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_routes_config {
    pub size: usize,
    /// Most routes at once (default 1024; at most `LFE_ROUTES_MAX_ROUTES`).
    pub max_routes: usize,
    /// Longest host, prefix, target or label in bytes (default 2048; at most
    /// `LFE_ROUTES_MAX_FIELD`).
    pub max_field: usize,
}

mirror_config!(lfe_routes_config => RouteConfig { max_routes, max_field });

/// A route to add or replace.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_route_spec {
    /// `name` or `name:port` (case-insensitive), or `*` for every host.
    pub host: lfe_bytes,
    /// Must start with `/`.
    pub path_prefix: lfe_bytes,
    /// Upstream URL.
    pub target: lfe_bytes,
    pub label: lfe_bytes,
    /// Owning process id (0: none).
    pub process_id: u64,
    /// 0..=65535.
    pub proxy_port: u32,
}

/// A route in a batch (`LFE_REC_ROUTE`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_route_record {
    pub id: u64,
    pub process_id: u64,
    pub proxy_port: u32,
    /// Always 0.
    pub reserved: u32,
    /// Lowercased.
    pub host: lfe_bytes,
    pub path_prefix: lfe_bytes,
    pub target: lfe_bytes,
    pub label: lfe_bytes,
}

record!(
    lfe_route_record,
    LFE_REC_ROUTE,
    host,
    path_prefix,
    target,
    label
);

fn push(b: &mut BatchBuilder<lfe_route_record>, r: &Route) {
    let rec = lfe_route_record {
        id: r.id,
        process_id: r.process_id,
        proxy_port: r.proxy_port as u32,
        reserved: 0,
        host: b.bytes(&r.host),
        path_prefix: b.bytes(&r.path_prefix),
        target: b.bytes(&r.target),
        label: b.bytes(&r.label),
    };
    b.push(rec);
}

fn one(r: &Route) -> *mut lfe_batch {
    let mut b = BatchBuilder::new();
    push(&mut b, r);
    b.finish()
}

/// Copies an export's route spec argument.
fn spec_of(spec: *const lfe_route_spec) -> Res<RouteSpec> {
    let s = arg(spec)?;
    let proxy_port = u16::try_from(s.proxy_port).map_err(|_| Status(LFE_E_INVALID))?;
    Ok(RouteSpec {
        host: s.host.input()?.to_vec(),
        path_prefix: s.path_prefix.input()?.to_vec(),
        target: s.target.input()?.to_vec(),
        process_id: s.process_id,
        label: s.label.input()?.to_vec(),
        proxy_port,
    })
}

/// Creates a route table.
///
/// Ownership: `*out` receives a new table; release it with `lfe_routes_free`.
/// Errors: `LFE_E_NULL` (out is NULL), `LFE_E_INVALID` (bad config size or a zero bound),
/// `LFE_E_TOO_LARGE` (a bound over its `LFE_ROUTES_MAX_*`).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` must be NULL or point to a valid config of at least `cfg->size` bytes; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_new(
    cfg: *const lfe_routes_config,
    out: *mut *mut lfe_routes,
) -> i32 {
    create(cfg, out, |c| {
        RouteTable::with_config(c.into()).map(|inner| lfe_routes { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. The memory stays until `lfe_routes_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `r` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_close_handle(r: *const lfe_routes) -> i32 {
    close_handle(r)
}

/// Frees a route table. NULL is a no-op.
///
/// Ownership: takes back the table; batches already returned stay valid.
/// Errors: none.
/// Thread safety: not concurrently with any other call on the same table.
///
/// # Safety
/// `r` must be NULL or a table from `lfe_routes_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_free(r: *mut lfe_routes) {
    free_handle(r)
}

/// Adds a route and returns its id (ids start at 1 and are never reused).
///
/// Ownership: the spec's bytes are copied.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (empty host, prefix not starting with '/', proxy_port
/// over 65535), `LFE_E_TOO_LARGE`, `LFE_E_EXISTS` (same host and prefix), `LFE_E_FULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `spec` valid with readable bytes; `out_id` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_add(
    r: *const lfe_routes,
    spec: *const lfe_route_spec,
    out_id: *mut u64,
) -> i32 {
    fill(r, out_id, |t| -> Res<_> {
        Ok(t.inner.add(spec_of(spec)?)?)
    })
}

/// Replaces route `id` with `spec` (the id stays).
///
/// Ownership: the spec's bytes are copied.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID`, `LFE_E_TOO_LARGE`, `LFE_E_NOT_FOUND`, `LFE_E_EXISTS`
/// (another route has that host and prefix).
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `spec` valid with readable bytes.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_replace(
    r: *const lfe_routes,
    id: u64,
    spec: *const lfe_route_spec,
) -> i32 {
    on(r, |t| -> Res<_> {
        Ok(t.inner.replace(id, spec_of(spec)?)?)
    })
}

/// Removes route `id`.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_remove(r: *const lfe_routes, id: u64) -> i32 {
    on(r, |t| t.inner.remove(id))
}

/// Gets route `id` as a batch of one `lfe_route_record`.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_get(
    r: *const lfe_routes,
    id: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(r, out, |t| -> Res<_> { Ok(one(&t.inner.get(id)?)) })
}

/// The route for a request to `(host, path)`: the longest matching prefix among that host's
/// routes, else among the wildcard (`*`) routes. A batch of one `lfe_route_record`.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`, `LFE_E_TOO_LARGE`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`
/// (wait-free).
///
/// # Safety
/// `r` must be a live table; the byte ranges readable; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_lookup(
    r: *const lfe_routes,
    host: *const u8,
    host_len: usize,
    path: *const u8,
    path_len: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(r, out, |t| -> Res<_> {
        let (host, path) = (bytes(host, host_len)?, bytes(path, path_len)?);
        Ok(t.inner.lookup_with(host, path, one)?)
    })
}

/// Attributes a URL to a route (and so to its process): the route whose normalised target
/// equals the normalised URL, else the lowest-id route whose target has the same host:port.
/// A batch of one `lfe_route_record` (read its `process_id`).
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`, `LFE_E_TOO_LARGE`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `url` readable for `url_len` bytes; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_attribute(
    r: *const lfe_routes,
    url: *const u8,
    url_len: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(r, out, |t| -> Res<_> {
        Ok(one(&t.inner.attribute(bytes(url, url_len)?)?))
    })
}

/// Every route from one consistent snapshot, sorted by id; the batch's `next` field holds the
/// snapshot's generation.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_list(r: *const lfe_routes, out: *mut *mut lfe_batch) -> i32 {
    fill(r, out, |t| -> Res<_> {
        let l = t.inner.list();
        Ok(BatchBuilder::of(
            &l.routes,
            |b, x| push(b, x),
            l.generation,
            0,
        ))
    })
}

/// The number of routes.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_count(r: *const lfe_routes, out: *mut usize) -> i32 {
    call(|| put(out, live(r)?.inner.count()))
}

/// The table's generation (starts at 1, changes on every write, never goes backwards).
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `r` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_routes_generation(r: *const lfe_routes, out: *mut u64) -> i32 {
    call(|| put(out, live(r)?.inner.generation()))
}
