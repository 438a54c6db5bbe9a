//! C ABI for the event queue (`lfe_queue_*`), plus the event records shared with the bus
//! (`lfe_event`, `lfe_event_input`, the `LFE_EVENT_*` type constants).

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, record, BatchBuilder};
use crate::guard::{call, Res, Status};
use crate::status::*;
use lfe::event::{Event, EventInput, EventQueue, Overflow, QueueConfig};
use std::time::Duration;

versioned_structs!(lfe_queue_config, lfe_queue_counters);

/// Record kind of `lfe_event`.
pub const LFE_REC_EVENT: u32 = 300;

/// Event type: a process started.
pub const LFE_EVENT_PROCESS_STARTED: u32 = 1;
/// Event type: a process exited.
pub const LFE_EVENT_PROCESS_EXITED: u32 = 2;
/// Event type: a log line.
pub const LFE_EVENT_LOG_LINE: u32 = 3;
/// Event type: a URL was detected.
pub const LFE_EVENT_URL_DETECTED: u32 = 4;
/// Event type: an error was detected.
pub const LFE_EVENT_ERROR_DETECTED: u32 = 5;
/// Event type: a build event.
pub const LFE_EVENT_BUILD_EVENT: u32 = 6;
/// Event type: a test failed.
pub const LFE_EVENT_TEST_FAILED: u32 = 7;
/// Event type: a test passed.
pub const LFE_EVENT_TEST_PASSED: u32 = 8;
/// Event type: a proxy route was added.
pub const LFE_EVENT_ROUTE_ADDED: u32 = 9;
/// Event type: a proxy route was removed.
pub const LFE_EVENT_ROUTE_REMOVED: u32 = 10;
/// Event type: a proxied request.
pub const LFE_EVENT_PROXY_REQUEST: u32 = 11;
/// The first host-defined event type; types `LFE_EVENT_HOST_MIN..=UINT32_MAX` are the host's.
/// Type 0 and `12..LFE_EVENT_HOST_MIN` are invalid (reserved).
pub const LFE_EVENT_HOST_MIN: u32 = 1024;
/// Default bound on an event's payload, in bytes.
pub const LFE_EVENT_DEFAULT_MAX_PAYLOAD: usize = 4096;

/// Overflow policy: a push into a full queue fails (`LFE_E_FULL`) or waits (timeout forms).
pub const LFE_OVERFLOW_REJECT: u32 = 0;
/// Overflow policy: a push into a full queue drops the oldest event (counted in `dropped`).
pub const LFE_OVERFLOW_DROP_OLDEST: u32 = 1;

/// Largest queue capacity (and subscription capacity): 2^24 events (a plain number, so that
/// every binding can parse the header).
pub const LFE_QUEUE_MAX_CAPACITY: usize = 16_777_216;

/// A timeout meaning "wait forever".
pub const LFE_TIMEOUT_INFINITE: u64 = u64::MAX;

/// One event, as returned in an `lfe_batch` of kind `LFE_REC_EVENT`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_event {
    /// Sequence number: unique, increasing in publish order.
    pub seq: u64,
    /// Wall-clock nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Bus only: events of this subscription dropped (lagged) just before this one; 0 otherwise.
    pub lost_before: u64,
    /// The process the event is about (0: none).
    pub process_id: u64,
    /// The event type (`LFE_EVENT_*` or host-defined).
    pub r#type: u32,
    /// Always 0.
    pub reserved: u32,
    /// The payload (any bytes).
    pub payload: lfe_bytes,
}

record!(lfe_event, LFE_REC_EVENT, payload);

/// An event to push or publish.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_event_input {
    /// The event type (`LFE_EVENT_*` or `>= LFE_EVENT_HOST_MIN`).
    pub r#type: u32,
    /// Must be 0.
    pub reserved: u32,
    /// The process the event is about (0: none).
    pub process_id: u64,
    /// Nanoseconds since the Unix epoch; 0 means "now".
    pub ts_ns: u64,
    /// The payload, copied (at most the structure's `max_payload` bytes).
    pub payload: lfe_bytes,
}

impl lfe_event_input {
    /// Borrows an export's input as a Rust input (checks the payload pointer; type and size
    /// are checked by the structure).
    pub(crate) fn as_input<'a>(&self) -> Res<EventInput<'a>> {
        if self.reserved != 0 {
            return Err(Status(LFE_E_INVALID));
        }
        Ok(EventInput {
            kind: self.r#type,
            process_id: self.process_id,
            ts_ns: self.ts_ns,
            payload: self.payload.input()?,
        })
    }
}

/// Borrows an export's array of inputs.
pub(crate) fn inputs<'a>(evs: *const lfe_event_input, n: usize) -> Res<Vec<EventInput<'a>>> {
    slice(evs, n)?
        .iter()
        .map(lfe_event_input::as_input)
        .collect()
}

/// The pop side a queue and a subscription share, so that the pop exports of both are one
/// implementation ([`pop`]).
pub(crate) trait Pops: Handle {
    fn try_pop(&self) -> lfe::Result<Event>;
    fn pop_timeout(&self, t: Duration) -> lfe::Result<Event>;
    fn try_pop_batch(&self, v: &mut Vec<Event>, max: usize) -> lfe::Result<usize>;
    fn pop_batch_timeout(&self, v: &mut Vec<Event>, max: usize, t: Duration) -> lfe::Result<usize>;
}

/// Implements [`Handle`] (counted: it has blocking calls) and [`Pops`] for a handle whose
/// `inner` has the pop methods, and whose `close` wakes its waiters.
macro_rules! pops_handle {
    ($t:ty, $close:ident) => {
        impl $crate::args::Handle for $t {
            const COUNTED: bool = true;
            fn close(&self) {
                self.inner.$close();
            }
        }
        impl $crate::queue::Pops for $t {
            fn try_pop(&self) -> lfe::Result<Event> {
                self.inner.try_pop()
            }
            fn pop_timeout(&self, t: Duration) -> lfe::Result<Event> {
                self.inner.pop_timeout(t)
            }
            fn try_pop_batch(&self, v: &mut Vec<Event>, max: usize) -> lfe::Result<usize> {
                self.inner.try_pop_batch(v, max)
            }
            fn pop_batch_timeout(
                &self,
                v: &mut Vec<Event>,
                max: usize,
                t: Duration,
            ) -> lfe::Result<usize> {
                self.inner.pop_batch_timeout(v, max, t)
            }
        }
    };
}
pub(crate) use pops_handle;

/// How many events a pop export takes: one (`_pop`, `_pop_timeout`) or up to `max`
/// (`_pop_batch`, `_pop_batch_timeout`; `max` 0 is `LFE_E_INVALID`, as in the Rust API).
#[derive(Clone, Copy)]
pub(crate) enum Take {
    One,
    Upto(usize),
}

/// The one implementation of the eight pop exports of the queue and the subscription: `take`
/// events now (`timeout_ns` None) or waiting up to `timeout_ns`, into one batch at `out`. A
/// waiting call holds its own reference to the handle ([`hold`]), so `_free` can wake it.
pub(crate) fn pop<H: Pops>(
    h: *const H,
    take: Take,
    timeout_ns: Option<u64>,
    out: *mut *mut lfe_batch,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        out.write(match timeout_ns {
            None => take_events(live(h)?, take, None)?,
            Some(ns) => take_events(hold(h)?.value(), take, Some(timeout(ns)))?,
        });
        Ok(())
    })
}

fn take_events<H: Pops>(h: &H, take: Take, wait: Option<Duration>) -> Res<*mut lfe_batch> {
    let max = match take {
        Take::One => {
            let ev = match wait {
                None => h.try_pop()?,
                Some(t) => h.pop_timeout(t)?,
            };
            return Ok(events_batch(&[ev]));
        }
        Take::Upto(max) => max,
    };
    let mut v = Vec::with_capacity(max.min(1024));
    match wait {
        None => h.try_pop_batch(&mut v, max)?,
        Some(t) => h.pop_batch_timeout(&mut v, max, t)?,
    };
    Ok(events_batch(&v))
}

/// Builds one `lfe_batch` of `LFE_REC_EVENT` records; `missed` is the sum of `lost_before`.
pub(crate) fn events_batch(evs: &[Event]) -> *mut lfe_batch {
    let total: usize = evs.iter().map(|e| e.payload.len()).sum();
    let mut b = BatchBuilder::<lfe_event>::with_capacity(evs.len(), total);
    let mut missed = 0u64;
    for e in evs {
        let payload = b.bytes(&e.payload);
        missed += e.lost_before;
        b.push(lfe_event {
            seq: e.seq,
            ts_ns: e.ts_ns,
            lost_before: e.lost_before,
            process_id: e.process_id,
            r#type: e.kind,
            reserved: 0,
            payload,
        });
    }
    b.set_missed(missed);
    b.finish()
}

/// Converts a C timeout to a Duration (`LFE_TIMEOUT_INFINITE`: as long as it can be).
pub(crate) fn timeout(ns: u64) -> Duration {
    if ns == LFE_TIMEOUT_INFINITE {
        Duration::MAX
    } else {
        Duration::from_nanos(ns)
    }
}

/// Configuration of `lfe_queue_new`. Set `size = sizeof(lfe_queue_config)`; NULL = defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_queue_config {
    /// `sizeof(lfe_queue_config)`.
    pub size: usize,
    /// Maximum events held (default 1024; 1..=`LFE_QUEUE_MAX_CAPACITY`). Memory held is at most
    /// `capacity * (64 + max_payload)` bytes (payloads up to 32 bytes live in the 64-byte slot
    /// and allocate nothing).
    pub capacity: usize,
    /// Maximum payload bytes (default 4096).
    pub max_payload: usize,
    /// `LFE_OVERFLOW_REJECT` (default) or `LFE_OVERFLOW_DROP_OLDEST`.
    pub overflow: u32,
}

impl Default for lfe_queue_config {
    fn default() -> Self {
        let d = QueueConfig::default();
        lfe_queue_config {
            size: std::mem::size_of::<Self>(),
            capacity: d.capacity,
            max_payload: d.max_payload,
            overflow: LFE_OVERFLOW_REJECT,
        }
    }
}

/// Counters of a queue (`lfe_queue_stats`). Set `size = sizeof(lfe_queue_counters)` before the
/// call (the size rule of versioned structs: README, "ABI notes").
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_queue_counters {
    /// `sizeof(lfe_queue_counters)`, set by the caller; the library sets it to the bytes written.
    pub size: usize,
    /// Events held now.
    pub depth: u64,
    /// Events pushed since creation.
    pub pushed: u64,
    /// Events popped by consumers.
    pub popped: u64,
    /// Events dropped by `LFE_OVERFLOW_DROP_OLDEST`.
    pub dropped: u64,
    /// The capacity.
    pub capacity: u64,
}

mirror_counters!(lfe_queue_counters from lfe::event::queue::QueueStats {
    depth, pushed, popped, dropped, capacity,
});

/// Opaque handle of a bounded MPMC event queue.
pub struct lfe_queue {
    pub(crate) inner: EventQueue,
}

pops_handle!(lfe_queue, close);

/// Creates an event queue.
///
/// Ownership: on success `*out` is a new queue owned by the caller; free it with
/// `lfe_queue_free`.
/// Errors: `LFE_E_NULL` (out), `LFE_E_INVALID` (capacity 0, unknown overflow policy, bad config
/// size), `LFE_E_TOO_LARGE` (capacity over `LFE_QUEUE_MAX_CAPACITY`), `LFE_E_NOMEM` (the slot
/// array, 64 bytes an event, could not be allocated; it is committed as the queue is used).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` must be NULL or a valid config; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_new(
    cfg: *const lfe_queue_config,
    out: *mut *mut lfe_queue,
) -> i32 {
    create(cfg, out, |c| -> Res<_> {
        let overflow = match c.overflow {
            LFE_OVERFLOW_REJECT => Overflow::Reject,
            LFE_OVERFLOW_DROP_OLDEST => Overflow::DropOldest,
            _ => return Err(Status(LFE_E_INVALID)),
        };
        let inner = EventQueue::new(QueueConfig {
            capacity: c.capacity,
            max_payload: c.max_payload,
            overflow,
        })?;
        Ok(lfe_queue { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. It first closes the queue for pushes, as `lfe_queue_close`. The memory stays until `lfe_queue_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `q` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_close_handle(q: *const lfe_queue) -> i32 {
    close_handle(q)
}

/// Closes and frees a queue. NULL is a no-op. Events still held are freed.
///
/// Calls already waiting inside `lfe_queue_push_timeout`, `lfe_queue_pop_timeout` or
/// `lfe_queue_pop_batch_timeout` on this queue are woken first, as by `lfe_queue_close`: they
/// return `LFE_E_CLOSED` (a pop may first return events still held) and never touch freed
/// memory (a waiting call keeps the queue alive until it returns).
///
/// Ownership: takes back the queue.
/// Errors: none.
/// Thread safety: only calls already waiting are covered; any other call running or starting
/// during or after this one is a use after free. For an orderly shutdown: `lfe_queue_close`,
/// join the users, then free.
///
/// # Safety
/// `q` must be NULL or a queue from `lfe_queue_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_free(q: *mut lfe_queue) {
    free_handle(q)
}

/// Pushes one event without waiting.
///
/// Ownership: the payload is copied; the caller keeps `ev`.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (type 0 or reserved, reserved field not 0),
/// `LFE_E_TOO_LARGE` (payload over max_payload), `LFE_E_FULL` (reject policy), `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `q` must be a live queue; `ev` a valid input.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_push(q: *const lfe_queue, ev: *const lfe_event_input) -> i32 {
    on(q, |q| -> Res<_> {
        Ok(q.inner.try_push(&arg(ev)?.as_input()?)?)
    })
}

/// Pushes one event, waiting up to `timeout_ns` for room (`LFE_TIMEOUT_INFINITE`: forever).
///
/// Ownership: the payload is copied.
/// Errors: as `lfe_queue_push`, plus `LFE_E_TIMEOUT` instead of `LFE_E_FULL`.
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `q` must be a live queue; `ev` a valid input.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_push_timeout(
    q: *const lfe_queue,
    ev: *const lfe_event_input,
    timeout_ns: u64,
) -> i32 {
    call(|| {
        let (q, ev) = (hold(q)?, arg(ev)?.as_input()?);
        q.value().inner.push_timeout(&ev, timeout(timeout_ns))?;
        Ok(())
    })
}

/// Pushes `n` events in order without waiting, stopping at the first that does not fit;
/// `*pushed` is how many went in. Every input is checked before anything is pushed.
///
/// Ownership: payloads are copied.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID`, `LFE_E_TOO_LARGE` (nothing pushed), `LFE_E_FULL`
/// (none fitted), `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently; other pushes may interleave with the batch.
///
/// # Safety
/// `q` must be a live queue; `evs` must point to `n` valid inputs (or be NULL with n == 0).
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_push_batch(
    q: *const lfe_queue,
    evs: *const lfe_event_input,
    n: usize,
    pushed: *mut usize,
) -> i32 {
    fill(q, pushed, |q| -> Res<_> {
        Ok(q.inner.try_push_batch(&inputs(evs, n)?)?)
    })
}

/// Pops one event without waiting, as a batch of one `lfe_event`.
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_EMPTY`, `LFE_E_CLOSED` (closed and drained).
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `q` must be a live queue; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_pop(q: *const lfe_queue, out: *mut *mut lfe_batch) -> i32 {
    pop(q, Take::One, None, out)
}

/// Pops one event, waiting up to `timeout_ns` (`LFE_TIMEOUT_INFINITE`: forever).
///
/// Ownership: on success `*out` is a batch of one `lfe_event` owned by the caller.
/// Errors: `LFE_E_NULL`, `LFE_E_TIMEOUT`, `LFE_E_CLOSED` (closed and drained).
/// Thread safety: safe to call concurrently; `lfe_queue_close` and `lfe_queue_free` wake every
/// waiter.
///
/// # Safety
/// `q` must be a live queue; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_pop_timeout(
    q: *const lfe_queue,
    timeout_ns: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(q, Take::One, Some(timeout_ns), out)
}

/// Pops up to `max` events without waiting, into one batch.
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (max 0), `LFE_E_EMPTY`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `q` must be a live queue; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_pop_batch(
    q: *const lfe_queue,
    max: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(q, Take::Upto(max), None, out)
}

/// Waits up to `timeout_ns` for at least one event, then pops up to `max` into one batch.
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (max 0), `LFE_E_TIMEOUT`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently; `lfe_queue_close` and `lfe_queue_free` wake every
/// waiter.
///
/// # Safety
/// `q` must be a live queue; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_pop_batch_timeout(
    q: *const lfe_queue,
    max: usize,
    timeout_ns: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(q, Take::Upto(max), Some(timeout_ns), out)
}

/// Closes the queue: wakes every waiter; pushes then fail with `LFE_E_CLOSED`; pops return what
/// is left, then `LFE_E_CLOSED`. Idempotent. Close is final: every push that returned `LFE_OK`,
/// even one racing this call, is popped exactly once before any pop returns `LFE_E_CLOSED`; a
/// push that returned `LFE_E_CLOSED` delivered nothing.
///
/// Ownership: the queue stays owned by the caller (still free it).
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every other call except `lfe_queue_free`.
///
/// # Safety
/// `q` must be a live queue.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_close(q: *const lfe_queue) -> i32 {
    on_ok(q, |q| q.inner.close())
}

/// Reads the queue's counters.
///
/// Ownership: writes `*out` (caller-owned); set `out->size` first.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (`out->size` too small).
/// Thread safety: safe to call concurrently; the counters are a near-instant snapshot.
///
/// # Safety
/// `q` must be a live queue; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_queue_stats(q: *const lfe_queue, out: *mut lfe_queue_counters) -> i32 {
    counters(q, out, |h| h.inner.stats().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lfe::event::types;

    #[test]
    fn constants_match_rust() {
        assert_eq!(LFE_EVENT_PROCESS_STARTED, types::PROCESS_STARTED);
        assert_eq!(LFE_EVENT_PROCESS_EXITED, types::PROCESS_EXITED);
        assert_eq!(LFE_EVENT_LOG_LINE, types::LOG_LINE);
        assert_eq!(LFE_EVENT_URL_DETECTED, types::URL_DETECTED);
        assert_eq!(LFE_EVENT_ERROR_DETECTED, types::ERROR_DETECTED);
        assert_eq!(LFE_EVENT_BUILD_EVENT, types::BUILD_EVENT);
        assert_eq!(LFE_EVENT_TEST_FAILED, types::TEST_FAILED);
        assert_eq!(LFE_EVENT_TEST_PASSED, types::TEST_PASSED);
        assert_eq!(LFE_EVENT_ROUTE_ADDED, types::ROUTE_ADDED);
        assert_eq!(LFE_EVENT_ROUTE_REMOVED, types::ROUTE_REMOVED);
        assert_eq!(LFE_EVENT_PROXY_REQUEST, types::PROXY_REQUEST);
        assert_eq!(LFE_EVENT_HOST_MIN, types::HOST_MIN);
        assert_eq!(LFE_QUEUE_MAX_CAPACITY, lfe::event::queue::MAX_CAPACITY);
        assert_eq!(LFE_QUEUE_MAX_CAPACITY, lfe::event::bus::MAX_SUB_CAPACITY);
        assert_eq!(
            LFE_EVENT_DEFAULT_MAX_PAYLOAD,
            lfe::event::DEFAULT_MAX_PAYLOAD
        );
    }

    /// The C ABI and the Rust API give one answer for the same input: `max` 0.
    #[test]
    fn pop_batch_max_zero_agrees_with_rust() {
        let rust = EventQueue::with_capacity(4)
            .unwrap()
            .try_pop_batch(&mut Vec::new(), 0)
            .unwrap_err();
        let mut q = std::ptr::null_mut();
        let mut b = std::ptr::null_mut();
        // SAFETY: valid out-params and a live handle, freed once.
        unsafe {
            assert_eq!(lfe_queue_new(std::ptr::null(), &mut q), LFE_OK);
            assert_eq!(lfe_queue_pop_batch(q, 0, &mut b), code_of(rust));
            assert_eq!(lfe_queue_pop_batch_timeout(q, 0, 0, &mut b), LFE_E_INVALID);
            assert!(b.is_null());
            lfe_queue_free(q);
        }
    }

    #[test]
    fn queue_round_trip_through_abi() {
        let mut q = std::ptr::null_mut();
        // SAFETY: valid out-params, live handles, inputs pointing to live bytes.
        unsafe {
            assert_eq!(lfe_queue_new(std::ptr::null(), &mut q), LFE_OK);
            let payload = b"hello";
            let ev = lfe_event_input {
                r#type: LFE_EVENT_LOG_LINE,
                reserved: 0,
                process_id: 7,
                ts_ns: 5,
                payload: lfe_bytes {
                    ptr: payload.as_ptr(),
                    len: payload.len(),
                },
            };
            assert_eq!(lfe_queue_push(q, &ev), LFE_OK);
            let mut b = std::ptr::null_mut();
            assert_eq!(lfe_queue_pop_batch(q, 8, &mut b), LFE_OK);
            let recs = super::super::batch::batch_records::<lfe_event>(b);
            assert_eq!(recs.len(), 1);
            assert_eq!(recs[0].payload.as_slice().unwrap(), b"hello");
            assert_eq!(
                (recs[0].r#type, recs[0].process_id, recs[0].ts_ns),
                (3, 7, 5)
            );
            super::super::batch::lfe_batch_free(b);
            assert_eq!(lfe_queue_pop(q, &mut b), LFE_E_EMPTY);
            lfe_queue_free(q);
        }
    }
}
