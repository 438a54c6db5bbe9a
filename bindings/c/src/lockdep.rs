//! C ABI of the lock-order validator (`lfe::lockdep`): `lfe_lockdep_*`.
//!
//! Time: `acquire`, `acquire_shared`, `release` and `scan` take `now_ns`; 0 means "read the
//! library's monotonic clock". A host that passes its own times must do so on every call (it
//! only matters for the long-hold check, and tests use it to inject time).
//!
//! Reports come back as one `lfe_batch` of `lfe_rec_lockdep_violation` records
//! (`LFE_REC_LOCKDEP_VIOLATION`); see that struct for the encoding of the path and tokens.

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, record, BatchBuilder};
use crate::guard::{call, Res};
use lfe::lockdep::{Config, Kind, Validator, Violation};

versioned_structs!(lfe_lockdep_config, lfe_lockdep_counters);

/// A lock taken again by its holder: write under write, read under write, write under read.
pub const LFE_LOCKDEP_RECURSIVE: u32 = 1;
/// A read lock taken again under itself by its holder (Go: deadlocks if a writer queues between).
pub const LFE_LOCKDEP_RECURSIVE_READ: u32 = 2;
/// Two locks taken in both orders (a 2-cycle, AB/BA).
pub const LFE_LOCKDEP_ORDER_INVERSION: u32 = 3;
/// A lock-order cycle of three or more locks.
pub const LFE_LOCKDEP_CYCLE: u32 = 4;
/// A release of a lock the token does not hold.
pub const LFE_LOCKDEP_RELEASE_UNHELD: u32 = 5;
/// A hold longer than the configured `long_hold_ns`.
pub const LFE_LOCKDEP_LONG_HOLD: u32 = 6;

/// Record kind of `lfe_rec_lockdep_violation`.
pub const LFE_REC_LOCKDEP_VIOLATION: u32 = 400;

/// An opaque lock-order validator.
pub struct lfe_lockdep {
    pub(crate) inner: Validator,
}

impl Handle for lfe_lockdep {}

/// Configuration of `lfe_lockdep_new`. Set `size = sizeof(lfe_lockdep_config)`; a field left 0
/// takes its default.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_lockdep_config {
    /// `sizeof(lfe_lockdep_config)`.
    pub size: usize,
    /// Lock classes that can be registered, 1..=8192 (default 1024). The order graph takes
    /// `2 * max_locks^2` bits.
    pub max_locks: u32,
    /// Locks one token may hold at once (default 64); more gives `LFE_E_FULL`.
    pub max_held: u32,
    /// Tokens holding locks at once (default 65536); more gives `LFE_E_FULL`.
    pub max_tokens: u32,
    /// Reports kept (default 1024); later ones are counted as dropped.
    pub max_violations: u32,
    /// Shards of the token map, 1..=1024 (default 64).
    pub shards: u32,
    /// Non-zero: start disabled (call `lfe_lockdep_enable`).
    pub start_disabled: u32,
    /// Report holds longer than this many nanoseconds; 0 turns the check off.
    pub long_hold_ns: u64,
}

zeroed_default!(lfe_lockdep_config);

impl lfe_lockdep_config {
    fn to_config(self) -> Config {
        let d = Config::default();
        let or = |v: u32, dv: u32| if v == 0 { dv } else { v };
        Config {
            max_locks: or(self.max_locks, d.max_locks),
            max_held: or(self.max_held, d.max_held),
            max_tokens: or(self.max_tokens, d.max_tokens),
            max_violations: or(self.max_violations, d.max_violations),
            shards: or(self.shards, d.shards),
            long_hold_ns: self.long_hold_ns,
            enabled: self.start_disabled == 0,
        }
    }
}

/// One violation report (`LFE_REC_LOCKDEP_VIOLATION`).
///
/// `path` is text, the lock names joined by `" -> "`: for a cycle `"A -> B -> A"`, starting with
/// the closing edge (the lock held, then the lock being taken); for a recursive acquisition
/// `"A -> A"`; for release-unheld and long-hold just `"A"`. `path_ids` holds the same locks as
/// `path_len` `uint32_t` ids and `tokens` holds `token_count` `uint64_t` tokens, both in native
/// byte order and not necessarily aligned (copy them out with `memcpy`). For a cycle, `tokens[i]`
/// is the token that first took `path_ids[i+1]` while holding `path_ids[i]` (`tokens[0] ==
/// token`); otherwise `tokens` is just `token`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_rec_lockdep_violation {
    /// Report number (dense from 0); pass `seq + 1` as `since` to read only newer reports.
    pub seq: u64,
    /// One of the `LFE_LOCKDEP_*` kinds.
    pub kind: u32,
    /// The lock of the call that found it (acquired or released).
    pub lock_id: u32,
    /// The token of the call that found it.
    pub token: u64,
    /// Long hold: nanoseconds held (at release, or so far at a scan); otherwise 0.
    pub held_ns: u64,
    /// Number of ids in `path_ids`.
    pub path_len: u32,
    /// Number of tokens in `tokens`.
    pub token_count: u32,
    /// Name of `lock_id`.
    pub lock_name: lfe_bytes,
    /// The path as text (`"A -> B -> A"`).
    pub path: lfe_bytes,
    /// `path_len` native-endian `uint32_t` lock ids.
    pub path_ids: lfe_bytes,
    /// `token_count` native-endian `uint64_t` tokens.
    pub tokens: lfe_bytes,
}

record!(
    lfe_rec_lockdep_violation,
    LFE_REC_LOCKDEP_VIOLATION,
    lock_name,
    path,
    path_ids,
    tokens
);

/// Counters written by `lfe_lockdep_stats`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_lockdep_counters {
    /// `sizeof(lfe_lockdep_counters)`, set by the caller before the call; the library writes at most that
    /// many bytes and sets it to the bytes written (README, "ABI notes": versioned structs).
    pub size: usize,
    /// Registered locks.
    pub locks: u64,
    /// Acquisitions recorded.
    pub acquires: u64,
    /// Releases seen.
    pub releases: u64,
    /// Edges in the (acyclic) order graph.
    pub edges: u64,
    /// Acquisitions that met an unknown edge and took the graph lock.
    pub slow_paths: u64,
    /// Calls that returned `LFE_E_CONFLICT`.
    pub conflicts: u64,
    /// Reports made (kept or dropped).
    pub violations: u64,
    /// Reports dropped because `max_violations` were kept.
    pub violations_dropped: u64,
    /// Tokens holding at least one lock now.
    pub holding_tokens: u64,
}

mirror_counters!(lfe_lockdep_counters from lfe::lockdep::Stats {
    locks, acquires, releases, edges, slow_paths, conflicts, violations, violations_dropped,
    holding_tokens,
});

fn kind_code(k: Kind) -> u32 {
    match k {
        Kind::Recursive => LFE_LOCKDEP_RECURSIVE,
        Kind::RecursiveRead => LFE_LOCKDEP_RECURSIVE_READ,
        Kind::OrderInversion => LFE_LOCKDEP_ORDER_INVERSION,
        Kind::Cycle => LFE_LOCKDEP_CYCLE,
        Kind::ReleaseUnheld => LFE_LOCKDEP_RELEASE_UNHELD,
        Kind::LongHold => LFE_LOCKDEP_LONG_HOLD,
    }
}

fn push_violation(b: &mut BatchBuilder<lfe_rec_lockdep_violation>, v: &Violation) {
    let lock_name = b.bytes(v.lock_name());
    let path = b.bytes(&v.path_bytes());
    let ids: Vec<u8> = v.path.iter().flat_map(|id| id.to_ne_bytes()).collect();
    let path_ids = b.bytes(&ids);
    let toks: Vec<u8> = v.tokens.iter().flat_map(|t| t.to_ne_bytes()).collect();
    let tokens = b.bytes(&toks);
    b.push(lfe_rec_lockdep_violation {
        seq: v.seq,
        kind: kind_code(v.kind),
        lock_id: v.lock,
        token: v.token,
        held_ns: v.held_ns,
        path_len: v.path.len() as u32,
        token_count: v.tokens.len() as u32,
        lock_name,
        path,
        path_ids,
        tokens,
    });
}

/// Creates a validator. `cfg` may be NULL for the defaults.
///
/// Ownership: the caller owns `*out` and frees it with `lfe_lockdep_free`.
/// Errors: `LFE_E_NULL` (out is NULL), `LFE_E_INVALID` (a bound out of range, or an unknown
/// non-zero config tail).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` is NULL or points to `cfg->size` readable bytes; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_new(
    cfg: *const lfe_lockdep_config,
    out: *mut *mut lfe_lockdep,
) -> i32 {
    create(cfg, out, |c| {
        Validator::new(c.to_config()).map(|inner| lfe_lockdep { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. The memory stays until `lfe_lockdep_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `v` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_close_handle(v: *const lfe_lockdep) -> i32 {
    close_handle(v)
}

/// Frees a validator. NULL is a no-op.
///
/// Ownership: takes back `v`; batches already returned stay valid.
/// Errors: none.
/// Thread safety: not concurrently with any other call on `v`.
///
/// # Safety
/// `v` is NULL or a handle from `lfe_lockdep_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_free(v: *mut lfe_lockdep) {
    free_handle(v)
}

/// Registers a lock class by name (any bytes) and writes its id. Registering the same name
/// again gives the same id.
///
/// Ownership: the name is copied.
/// Errors: `LFE_E_NULL` (v or out NULL, or name NULL with len > 0), `LFE_E_TOO_LARGE`,
/// `LFE_E_FULL` (max_locks names registered).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `v` is a live handle; `name` points to `len` readable bytes (or is NULL with len 0).
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_register(
    v: *const lfe_lockdep,
    name: *const u8,
    len: usize,
    out_id: *mut u32,
) -> i32 {
    fill(v, out_id, |v| -> Res<_> {
        Ok(v.inner.register(bytes(name, len)?)?)
    })
}

/// Reports that `token` is about to take lock `id` exclusively (mutex, write lock). `now_ns` 0
/// reads the library clock.
///
/// Ownership: nothing is allocated for the caller.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND` (id not registered), `LFE_E_CONFLICT` (recursive
/// acquisition or lock-order cycle: read the report with `lfe_lockdep_violations`; the hold is
/// recorded anyway), `LFE_E_FULL` (max_held or max_tokens reached: not tracked).
/// Thread safety: safe to call concurrently; one token is used by one thread at a time.
///
/// # Safety
/// `v` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_acquire(
    v: *const lfe_lockdep,
    token: u64,
    id: u32,
    now_ns: u64,
) -> i32 {
    acquire(v, token, id, false, now_ns)
}

/// The body of `lfe_lockdep_acquire` and `lfe_lockdep_acquire_shared`.
fn acquire(v: *const lfe_lockdep, token: u64, id: u32, shared: bool, now_ns: u64) -> i32 {
    call(|| {
        let v = &live(v)?.inner;
        if now_ns != 0 {
            v.acquire_at(token, id, shared, now_ns)?;
        } else if shared {
            v.acquire_shared(token, id)?;
        } else {
            v.acquire(token, id)?;
        }
        Ok(())
    })
}

/// Reports that `token` is about to take lock `id` shared (read lock). `now_ns` 0 reads the
/// library clock.
///
/// Ownership: nothing is allocated for the caller.
/// Errors: as `lfe_lockdep_acquire` (`LFE_E_NULL`, `LFE_E_NOT_FOUND`, `LFE_E_CONFLICT`,
/// `LFE_E_FULL`).
/// Thread safety: safe to call concurrently; one token is used by one thread at a time.
///
/// # Safety
/// `v` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_acquire_shared(
    v: *const lfe_lockdep,
    token: u64,
    id: u32,
    now_ns: u64,
) -> i32 {
    acquire(v, token, id, true, now_ns)
}

/// Reports that `token` released lock `id`. `now_ns` 0 reads the library clock.
///
/// Ownership: nothing is allocated for the caller.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND` (id not registered), `LFE_E_CONFLICT` (the token did
/// not hold it, or held it longer than long_hold_ns: reported).
/// Thread safety: safe to call concurrently; one token is used by one thread at a time.
///
/// # Safety
/// `v` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_release(
    v: *const lfe_lockdep,
    token: u64,
    id: u32,
    now_ns: u64,
) -> i32 {
    on(v, |v| {
        if now_ns == 0 {
            v.inner.release(token, id)
        } else {
            v.inner.release_at(token, id, now_ns)
        }
    })
}

/// Reports holds still open longer than `long_hold_ns` at `now_ns` (0: the library clock) and
/// writes how many there are (each lock is reported once; later scans count it again).
///
/// Ownership: nothing is allocated for the caller.
/// Errors: `LFE_E_NULL` (v or out_count NULL).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `v` is NULL or a live handle; `out_count` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_scan(
    v: *const lfe_lockdep,
    now_ns: u64,
    out_count: *mut usize,
) -> i32 {
    fill(v, out_count, |v| {
        Res::Ok(if now_ns == 0 {
            v.inner.scan()
        } else {
            v.inner.scan_at(now_ns)
        })
    })
}

/// Returns the kept reports with `seq >= since` as one batch of `lfe_rec_lockdep_violation`
/// (`LFE_REC_LOCKDEP_VIOLATION`), oldest first. `batch->next` is the `since` for the next call;
/// `batch->missed` is the number of reports dropped so far (max_violations reached).
///
/// Ownership: the caller owns `*out` and frees it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL` (v or out NULL).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `v` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_violations(
    v: *const lfe_lockdep,
    since: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(v, out, |v| {
        let (list, next) = v.inner.violations_since(since);
        let dropped = v.inner.stats().violations_dropped;
        Res::Ok(BatchBuilder::of(&list, push_violation, next, dropped))
    })
}

/// Turns checking on.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently; toggle at quiet points (a lock taken while
/// disabled and released after enabling is reported as release-unheld).
///
/// # Safety
/// `v` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_enable(v: *const lfe_lockdep) -> i32 {
    on_ok(v, |v| v.inner.enable())
}

/// Turns checking off: every call then costs one relaxed load and records nothing.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently; toggle at quiet points.
///
/// # Safety
/// `v` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_disable(v: *const lfe_lockdep) -> i32 {
    on_ok(v, |v| v.inner.disable())
}

/// Writes the validator's counters.
///
/// Ownership: `*out` is the caller's struct, filled in; set `out->size` first.
/// Errors: `LFE_E_NULL` (v or out NULL), `LFE_E_INVALID` (`out->size` too small).
/// Thread safety: safe to call concurrently (the counters are summed at the time of the call).
///
/// # Safety
/// `v` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_lockdep_stats(
    v: *const lfe_lockdep,
    out: *mut lfe_lockdep_counters,
) -> i32 {
    counters(v, out, |h| h.inner.stats().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{batch_records, lfe_batch_free};
    use crate::status::*;

    #[test]
    fn kind_constants_match_the_rust_api() {
        for k in [
            Kind::Recursive,
            Kind::RecursiveRead,
            Kind::OrderInversion,
            Kind::Cycle,
            Kind::ReleaseUnheld,
            Kind::LongHold,
        ] {
            assert_eq!(kind_code(k), k.code());
        }
    }

    #[test]
    fn abba_through_the_abi() {
        // SAFETY: every pointer passed is valid for the call; the batch is freed once.
        unsafe {
            let mut v = std::ptr::null_mut();
            assert_eq!(lfe_lockdep_new(std::ptr::null(), &mut v), LFE_OK);
            let (mut a, mut b) = (0u32, 0u32);
            assert_eq!(lfe_lockdep_register(v, b"A".as_ptr(), 1, &mut a), LFE_OK);
            assert_eq!(lfe_lockdep_register(v, b"B".as_ptr(), 1, &mut b), LFE_OK);
            assert_eq!(lfe_lockdep_acquire(v, 1, a, 0), LFE_OK);
            assert_eq!(lfe_lockdep_acquire(v, 1, b, 0), LFE_OK);
            assert_eq!(lfe_lockdep_release(v, 1, b, 0), LFE_OK);
            assert_eq!(lfe_lockdep_release(v, 1, a, 0), LFE_OK);
            assert_eq!(lfe_lockdep_acquire(v, 2, b, 0), LFE_OK);
            assert_eq!(lfe_lockdep_acquire(v, 2, a, 0), LFE_E_CONFLICT);
            assert_eq!(lfe_lockdep_acquire(v, 2, 99, 0), LFE_E_NOT_FOUND);
            let mut batch = std::ptr::null_mut();
            assert_eq!(lfe_lockdep_violations(v, 0, &mut batch), LFE_OK);
            let recs = batch_records::<lfe_rec_lockdep_violation>(batch);
            assert_eq!(recs.len(), 1);
            assert_eq!(recs[0].kind, LFE_LOCKDEP_ORDER_INVERSION);
            assert_eq!(recs[0].path.as_slice().unwrap(), b"B -> A -> B");
            assert_eq!(recs[0].lock_name.as_slice().unwrap(), b"A");
            assert_eq!(recs[0].path_len, 3);
            let toks = recs[0].tokens.as_slice().unwrap();
            assert_eq!(toks.len(), 16);
            assert_eq!(u64::from_ne_bytes(toks[..8].try_into().unwrap()), 2);
            assert_eq!(u64::from_ne_bytes(toks[8..].try_into().unwrap()), 1);
            assert_eq!((*batch).next, 1);
            lfe_batch_free(batch);
            let mut st = lfe_lockdep_counters::sized();
            assert_eq!(lfe_lockdep_stats(v, &mut st), LFE_OK);
            assert_eq!((st.locks, st.edges, st.violations), (2, 1, 1));
            assert_eq!(lfe_lockdep_stats(v, std::ptr::null_mut()), LFE_E_NULL);
            lfe_lockdep_free(v);
        }
    }
}
