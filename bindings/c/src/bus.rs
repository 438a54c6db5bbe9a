//! C ABI for the fan-out event bus (`lfe_bus_*`) and its subscriptions (`lfe_sub_*`).
//! Records and inputs are shared with the queue (`lfe_event`, `lfe_event_input`).

use crate::args::*;
use crate::batch::lfe_batch;
use crate::guard::{call, Res};
use crate::queue::{inputs, lfe_event_input, pop, pops_handle, Take};
use lfe::event::{BusConfig, Event, EventBus, Filter, Subscription};
use std::time::Duration;

versioned_structs!(lfe_bus_config, lfe_sub_counters, lfe_bus_counters);

/// Mask bit selecting every event type (`lfe_bus_subscribe`).
pub const LFE_EVENT_MASK_ALL: u64 = u64::MAX;

/// Configuration of `lfe_bus_new`. Set `size = sizeof(lfe_bus_config)`; NULL = defaults.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_bus_config {
    /// `sizeof(lfe_bus_config)`.
    pub size: usize,
    /// Maximum payload bytes (default 4096).
    pub max_payload: usize,
    /// Maximum subscriptions at once (default 1024).
    pub max_subscribers: usize,
    /// Maximum capacity of one subscription (default 2^20; at most `LFE_QUEUE_MAX_CAPACITY`,
    /// more is `LFE_E_TOO_LARGE`).
    pub max_capacity: usize,
    /// Payload bytes one subscription may hold (0, the default: the larger of 16 MiB and
    /// `max_payload`; otherwise at least `max_payload`): a delivery that would pass it drops the
    /// subscription's oldest events first, counted in `lagged` like a full subscription. A
    /// subscription so holds at most `capacity` events and about `max_sub_bytes` payload bytes
    /// (events a consumer is popping at that moment come on top).
    pub max_sub_bytes: usize,
}

impl Default for lfe_bus_config {
    fn default() -> Self {
        let d = BusConfig::default();
        lfe_bus_config {
            size: std::mem::size_of::<Self>(),
            max_payload: d.max_payload,
            max_subscribers: d.max_subscribers,
            max_capacity: d.max_capacity,
            max_sub_bytes: 0,
        }
    }
}

/// Counters of a subscription.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_sub_counters {
    /// `sizeof(lfe_sub_counters)`, set by the caller before the call; the library writes at most that
    /// many bytes and sets it to the bytes written (README, "ABI notes": versioned structs).
    pub size: usize,
    /// Events dropped (oldest first) because the subscription was full.
    pub lagged: u64,
    /// Events delivered into the subscription since it started.
    pub delivered: u64,
    /// Events popped by the subscriber.
    pub popped: u64,
    /// Events waiting now.
    pub depth: u64,
    /// The subscription's capacity.
    pub capacity: u64,
}

mirror_counters!(lfe_sub_counters from lfe::event::bus::SubStats {
    lagged, delivered, popped, depth, capacity,
});

/// Counters of a bus.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct lfe_bus_counters {
    /// `sizeof(lfe_bus_counters)`, set by the caller before the call; the library writes at most that
    /// many bytes and sets it to the bytes written (README, "ABI notes": versioned structs).
    pub size: usize,
    /// Events published since creation.
    pub published: u64,
    /// Current number of subscriptions.
    pub subscribers: u64,
}

mirror_counters!(lfe_bus_counters from lfe::event::bus::BusStats { published, subscribers });

/// Opaque handle of a fan-out event bus.
pub struct lfe_bus {
    pub(crate) inner: EventBus,
}

impl Handle for lfe_bus {}

/// Opaque handle of one bus subscription.
pub struct lfe_sub {
    pub(crate) inner: Subscription,
}

pops_handle!(lfe_sub, unsubscribe);

/// Creates an event bus.
///
/// Ownership: on success `*out` is a new bus owned by the caller (`lfe_bus_free`).
/// Errors: `LFE_E_NULL` (out), `LFE_E_INVALID` (zero limits, a non-zero `max_sub_bytes` below
/// `max_payload`, bad config size), `LFE_E_TOO_LARGE` (`max_capacity` over `LFE_QUEUE_MAX_CAPACITY`).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` must be NULL or a valid config; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_new(cfg: *const lfe_bus_config, out: *mut *mut lfe_bus) -> i32 {
    create(cfg, out, |c| -> Res<_> {
        let inner = EventBus::new(BusConfig {
            max_payload: c.max_payload,
            max_subscribers: c.max_subscribers,
            max_capacity: c.max_capacity,
            max_sub_bytes: if c.max_sub_bytes == 0 {
                lfe::event::bus::DEFAULT_MAX_SUB_BYTES.max(c.max_payload)
            } else {
                c.max_sub_bytes
            },
        })?;
        Ok(lfe_bus { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. The memory stays until `lfe_bus_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `bus` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_close_handle(bus: *const lfe_bus) -> i32 {
    close_handle(bus)
}

/// Closes and frees a bus. NULL is a no-op. Subscriptions stay valid (they keep what they need
/// alive) and must still be freed with `lfe_sub_free`; each is closed as by
/// `lfe_sub_unsubscribe`: calls blocked in `lfe_sub_pop_timeout` / `lfe_sub_pop_batch_timeout`
/// wake, every event delivered before the free can still be popped, then pops return
/// `LFE_E_CLOSED`, and the eventfd turns readable.
///
/// Ownership: takes back the bus.
/// Errors: none.
/// Thread safety: no other thread may use the bus during or after this call.
///
/// # Safety
/// `bus` must be NULL or a bus from `lfe_bus_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_free(bus: *mut lfe_bus) {
    free_handle(bus)
}

/// Subscribes to the events selected by `mask` and/or the list `types[0..ntypes]`, with a queue
/// of `capacity` events. Mask bit t (t < 63) selects type t, bit 63 every type >= 63;
/// `LFE_EVENT_MASK_ALL` selects everything. The subscription receives matching events published
/// after this call returns.
///
/// Ownership: on success `*out` is a new subscription owned by the caller (`lfe_sub_free`); the
/// type list is copied.
/// Errors: `LFE_E_NULL` (bus, out, types with ntypes > 0), `LFE_E_INVALID` (capacity 0, empty
/// filter), `LFE_E_TOO_LARGE` (capacity or subscriber count over the bus limits),
/// `LFE_E_UNSUPPORTED` (no eventfd could be made), `LFE_E_NOMEM` (the ring, 64 bytes an event,
/// could not be allocated).
/// Thread safety: safe to call concurrently with every bus call except `lfe_bus_free`.
///
/// # Safety
/// `bus` must be a live bus; `types` NULL or `ntypes` readable u32s; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_subscribe(
    bus: *const lfe_bus,
    mask: u64,
    types: *const u32,
    ntypes: usize,
    capacity: usize,
    out: *mut *mut lfe_sub,
) -> i32 {
    call(|| {
        let out = slot(out)?;
        let (bus, types) = (live(bus)?, slice(types, ntypes)?);
        let sub = bus.inner.subscribe(Filter::new(mask, types), capacity)?;
        new_handle(out, lfe_sub { inner: sub });
        Ok(())
    })
}

/// Publishes one event to every matching subscription; never waits on a subscriber (a full
/// subscription drops its oldest event and counts it in `lagged`).
///
/// Ownership: the payload is copied: up to 24 bytes into each subscription's ring slot (no
/// allocation), longer ones once into an allocation shared by the subscriptions.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (type 0 or reserved, reserved field not 0),
/// `LFE_E_TOO_LARGE` (payload over max_payload).
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `bus` must be a live bus; `ev` a valid input.
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_publish(bus: *const lfe_bus, ev: *const lfe_event_input) -> i32 {
    on(bus, |bus| -> Res<_> {
        Ok(bus.inner.publish(&arg(ev)?.as_input()?)?)
    })
}

/// Publishes `n` events in order, with consecutive sequence numbers. Every input is checked
/// first: on an error nothing is published.
///
/// Ownership: payloads are copied.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID`, `LFE_E_TOO_LARGE`.
/// Thread safety: safe to call concurrently from any number of threads.
///
/// # Safety
/// `bus` must be a live bus; `evs` must point to `n` valid inputs (or be NULL with n == 0).
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_publish_batch(
    bus: *const lfe_bus,
    evs: *const lfe_event_input,
    n: usize,
) -> i32 {
    on(bus, |bus| -> Res<_> {
        Ok(bus.inner.publish_batch(&inputs(evs, n)?)?)
    })
}

/// Reads the bus counters.
///
/// Ownership: writes `*out` (caller-owned); set `out->size` first.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (`out->size` too small).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `bus` must be a live bus; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_bus_stats(bus: *const lfe_bus, out: *mut lfe_bus_counters) -> i32 {
    counters(bus, out, |h| h.inner.stats().into())
}

/// Leaves the bus without freeing the subscription: nothing published after this starts is
/// delivered; blocked pops wake; queued events can still be popped, then pops return
/// `LFE_E_CLOSED` (never before: every event delivered to the subscription, even by a publish
/// racing this call, is popped first). Idempotent.
///
/// Ownership: the subscription stays owned by the caller (still free it).
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call except `lfe_sub_free`.
///
/// # Safety
/// `sub` must be a live subscription.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_unsubscribe(sub: *const lfe_sub) -> i32 {
    on_ok(sub, |s| s.inner.unsubscribe())
}

/// Makes every pop now blocked on the subscription (`lfe_sub_pop_timeout`,
/// `lfe_sub_pop_batch_timeout`) return `LFE_E_TIMEOUT` at once, as if its timeout had passed:
/// a host cancelling a wait without polling.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `sub` must be a live subscription.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_interrupt(sub: *const lfe_sub) -> i32 {
    on_ok(sub, |s| s.inner.interrupt())
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. It first unsubscribes, as `lfe_sub_unsubscribe`. The memory stays until `lfe_sub_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `sub` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_close_handle(sub: *const lfe_sub) -> i32 {
    close_handle(sub)
}

/// Unsubscribes (if not done yet) and frees the subscription, its queued events and its
/// eventfd. NULL is a no-op.
///
/// A call already waiting inside `lfe_sub_pop_timeout` / `lfe_sub_pop_batch_timeout` on this
/// subscription is woken first, as by `lfe_sub_unsubscribe`: it returns what was delivered, then
/// `LFE_E_CLOSED`, and never touches freed memory (a waiting call keeps the subscription alive
/// until it returns; the fd is closed with the last of them).
///
/// Ownership: takes back the subscription; its fd is closed.
/// Errors: none.
/// Thread safety: only calls already waiting are covered; any other call running or starting
/// during or after this one is a use after free. For an orderly shutdown: unsubscribe, join the
/// consumers, then free.
///
/// # Safety
/// `sub` must be NULL or a subscription from `lfe_bus_subscribe` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_free(sub: *mut lfe_sub) {
    free_handle(sub)
}

/// Pops the oldest waiting event without waiting, as a batch of one `lfe_event`. The batch's
/// `missed` (and the record's `lost_before`) counts events dropped just before it.
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_EMPTY`, `LFE_E_CLOSED` (unsubscribed and drained).
/// Thread safety: safe to call concurrently (gap reporting is exact with one consumer).
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_pop(sub: *const lfe_sub, out: *mut *mut lfe_batch) -> i32 {
    pop(sub, Take::One, None, out)
}

/// Pops one event, waiting up to `timeout_ns` (`LFE_TIMEOUT_INFINITE`: forever).
///
/// Ownership: on success `*out` is a batch of one `lfe_event` owned by the caller.
/// Errors: `LFE_E_NULL`, `LFE_E_TIMEOUT`, `LFE_E_CLOSED` (unsubscribed and drained).
/// Thread safety: safe to call concurrently; `lfe_sub_unsubscribe`, `lfe_sub_free` and
/// `lfe_bus_free` wake every waiter.
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_pop_timeout(
    sub: *const lfe_sub,
    timeout_ns: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(sub, Take::One, Some(timeout_ns), out)
}

/// Pops up to `max` waiting events without waiting, into one batch (`missed` = events dropped
/// within the range it covers).
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (max 0), `LFE_E_EMPTY`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently (gap reporting is exact with one consumer).
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_pop_batch(
    sub: *const lfe_sub,
    max: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(sub, Take::Upto(max), None, out)
}

/// Waits up to `timeout_ns` for at least one event, then pops up to `max` into one batch.
///
/// Ownership: on success `*out` is a batch owned by the caller (`lfe_batch_free`).
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (max 0), `LFE_E_TIMEOUT`, `LFE_E_CLOSED`.
/// Thread safety: safe to call concurrently; `lfe_sub_unsubscribe`, `lfe_sub_free` and
/// `lfe_bus_free` wake every waiter.
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_pop_batch_timeout(
    sub: *const lfe_sub,
    max: usize,
    timeout_ns: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    pop(sub, Take::Upto(max), Some(timeout_ns), out)
}

/// Gives the subscription's eventfd: readable (poll/epoll `POLLIN`) while events may be
/// waiting. Pop until `LFE_E_EMPTY` after each wake-up; the fd may occasionally be readable with
/// nothing left (a spurious wake-up), never unreadable with events waiting.
///
/// Ownership: the fd belongs to the subscription: do not read, write or close it;
/// `lfe_sub_free` closes it.
/// Errors: `LFE_E_NULL`, `LFE_E_UNSUPPORTED` (not Linux).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_fd(sub: *const lfe_sub, out: *mut i32) -> i32 {
    fill(sub, out, |s| s.inner.fd())
}

/// Reads the subscription's counters (lagged, delivered, popped, depth, capacity).
///
/// Ownership: writes `*out` (caller-owned); set `out->size` first.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (`out->size` too small).
/// Thread safety: safe to call concurrently.
///
/// # Safety
/// `sub` must be a live subscription; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_sub_stats(sub: *const lfe_sub, out: *mut lfe_sub_counters) -> i32 {
    counters(sub, out, |h| h.inner.stats().into())
}
