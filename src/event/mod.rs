//! Events: a bounded MPMC [`EventQueue`] (each event to exactly one consumer) and a fan-out
//! [`EventBus`] (each subscription gets every event it asked for, in publish order).
//!
//! * [`queue`] — the MPMC ring (a Vyukov-style bounded ring whose head/tail positions double as
//!   the pushed/popped counters) with try, batch and blocking forms, close and overflow policy;
//! * [`bus`] — publish/subscribe with per-subscription bounded queues, drop-oldest with a
//!   `lagged` count, and an eventfd per subscription;
//! * [`wait`] — the spin-then-park layer both use (an event count over a mutex/condvar).
//!
//! An [`Event`] carries a sequence number, a timestamp, a type ([`types`]), a process id and a
//! bounded payload (default [`DEFAULT_MAX_PAYLOAD`] bytes; more is [`Error::TooLarge`]).

pub mod bus;
pub mod queue;
pub mod wait;

pub use bus::{BusConfig, BusStats, EventBus, Filter, SubStats, Subscription};
pub use queue::{EventQueue, Overflow, QueueConfig, QueueStats};

use crate::{Error, Result};
use std::sync::Arc;

/// Default bound on an event's payload, in bytes.
///
/// cbindgen:ignore
pub const DEFAULT_MAX_PAYLOAD: usize = 4096;

/// Standard event types, and the range left to hosts.
///
/// Types `1..=11` are the standard ones below; `12..=1023` are reserved for future standard
/// types (rejected today with [`Error::Invalid`]); [`HOST_MIN`](types::HOST_MIN)`..=u32::MAX`
/// are host-defined. Type 0 is invalid.
///
/// cbindgen:ignore
pub mod types {
    pub const PROCESS_STARTED: u32 = 1;
    pub const PROCESS_EXITED: u32 = 2;
    pub const LOG_LINE: u32 = 3;
    pub const URL_DETECTED: u32 = 4;
    pub const ERROR_DETECTED: u32 = 5;
    pub const BUILD_EVENT: u32 = 6;
    pub const TEST_FAILED: u32 = 7;
    pub const TEST_PASSED: u32 = 8;
    pub const ROUTE_ADDED: u32 = 9;
    pub const ROUTE_REMOVED: u32 = 10;
    pub const PROXY_REQUEST: u32 = 11;
    /// The last standard type defined so far.
    pub const STANDARD_MAX: u32 = 11;
    /// The first host-defined type.
    pub const HOST_MIN: u32 = 1024;

    /// True when `t` is a standard or a host-defined type.
    pub fn is_valid(t: u32) -> bool {
        (1..=STANDARD_MAX).contains(&t) || t >= HOST_MIN
    }
}

/// Payload bytes stored inline, without an allocation: in an [`Event`] and in a queue slot (a
/// bus subscription's slot also stores the sequence number and holds 24 bytes inline). A
/// longer payload is one shared allocation (`Arc<[u8]>`), which the bus shares between every
/// subscription that receives the event.
///
/// Chosen by measurement (`cargo bench --bench compare -- --workload queue_mpmc/0`, and `/32`):
/// 32 bytes is what a queue slot of one cache line holds next to its stamp and the event's
/// fields (`queue::Packed`). Storing whole events with 78 inline bytes in two-line slots moved
/// a second line between producer and consumer cores on every event and cut the 4-thread rate
/// to about two thirds even for empty payloads; subscriptions with two-line slots made a
/// 4-subscriber publish about 30% slower (p50 280 ns against 210 ns).
///
/// cbindgen:ignore
pub const INLINE_PAYLOAD: usize = 32;

/// An event's payload: immutable bytes, inline up to [`INLINE_PAYLOAD`] bytes, else shared
/// (not copied) between the subscriptions that receive the same event.
#[derive(Clone)]
pub struct Payload(Repr);

#[derive(Clone)]
enum Repr {
    /// `buf[..len]` are the bytes (`len <= INLINE_PAYLOAD`); the rest is zero.
    Inline { len: u8, buf: [u8; INLINE_PAYLOAD] },
    /// Longer than `INLINE_PAYLOAD`.
    Shared(Arc<[u8]>),
}

const _: () = assert!(INLINE_PAYLOAD <= u8::MAX as usize);

impl Payload {
    /// Copies `b` into a new payload (inline when it fits, else one allocation).
    #[inline]
    pub fn copy_from(b: &[u8]) -> Self {
        match crate::inline::copy::<INLINE_PAYLOAD>(b) {
            Some((len, buf)) => Payload(Repr::Inline { len, buf }),
            None => Payload(Repr::Shared(Arc::from(b))),
        }
    }

    /// The inline payload `buf[..len]` whose bytes after `len` are zero (the queue's slot keeps
    /// them so, and hands the whole array over: one fixed-size copy).
    #[inline(always)]
    pub(crate) fn from_inline(len: u8, buf: [u8; INLINE_PAYLOAD]) -> Self {
        debug_assert!(len as usize <= INLINE_PAYLOAD);
        debug_assert!(buf[len as usize..].iter().all(|&b| b == 0));
        Payload(Repr::Inline { len, buf })
    }

    /// The payload of a shared allocation (longer than [`INLINE_PAYLOAD`]: the queue keeps such
    /// payloads as an `Arc` in its slot and hands it over without a copy).
    pub(crate) fn from_shared(a: Arc<[u8]>) -> Self {
        debug_assert!(a.len() > INLINE_PAYLOAD);
        Payload(Repr::Shared(a))
    }

    /// True when the bytes live in a shared allocation (longer than [`INLINE_PAYLOAD`]).
    pub fn is_shared(&self) -> bool {
        matches!(self.0, Repr::Shared(_))
    }
}

impl Default for Payload {
    fn default() -> Self {
        Payload::copy_from(&[])
    }
}

impl std::ops::Deref for Payload {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Shared(a) => a,
        }
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Payload {}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Unique, increasing in publish order, starting at 1 (the queue: the ring position the push
    /// won + 1, so exactly the order in which consumers can pop; the bus: the order of the
    /// publish critical section).
    pub seq: u64,
    /// Wall-clock nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// The event type ([`types`]).
    pub kind: u32,
    /// The process the event is about (0: none).
    pub process_id: u64,
    /// Bus only: how many events of this subscription were dropped (lagged) just before this
    /// one. Exact when one thread at a time consumes the subscription; always 0 for the queue.
    pub lost_before: u64,
    /// The payload bytes (any bytes).
    pub payload: Payload,
}

/// What a producer supplies; the structure fills in `seq` (and `ts_ns` when 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventInput<'a> {
    pub kind: u32,
    pub process_id: u64,
    /// 0: now.
    pub ts_ns: u64,
    pub payload: &'a [u8],
}

impl<'a> EventInput<'a> {
    /// An input of type `kind` with payload `payload`, no process, timestamp "now".
    pub fn new(kind: u32, payload: &'a [u8]) -> Self {
        EventInput {
            kind,
            process_id: 0,
            ts_ns: 0,
            payload,
        }
    }

    /// Checks the type and payload bound.
    pub fn check(&self, max_payload: usize) -> Result<()> {
        if !types::is_valid(self.kind) {
            return Err(Error::Invalid("event type"));
        }
        if self.payload.len() > max_payload {
            return Err(Error::TooLarge);
        }
        Ok(())
    }

    /// Builds the event (sequence 0; the structure sets it).
    #[inline]
    pub fn to_event(&self) -> Event {
        Event {
            seq: 0,
            ts_ns: crate::time::or_now(self.ts_ns),
            kind: self.kind,
            process_id: self.process_id,
            lost_before: 0,
            payload: Payload::copy_from(self.payload),
        }
    }
}

/// The body of `pop_batch_timeout` for the queue, a subscription and the mutex baseline:
/// `Invalid` for `max == 0` (as `try_pop_batch`, and the C ABI); otherwise waits for one
/// event with `pop_timeout` (its error, e.g. `Timeout` or `Closed`, is the result), then takes up
/// to `max - 1` more that are already there with `try_pop_batch` (its error only ends the batch).
/// Public so that a queue with the same API follows the same rule.
pub fn pop_first_then_batch(
    out: &mut Vec<Event>,
    max: usize,
    pop_timeout: impl FnOnce() -> Result<Event>,
    try_pop_batch: impl FnOnce(&mut Vec<Event>, usize) -> Result<usize>,
) -> Result<usize> {
    if max == 0 {
        return Err(Error::Invalid("max is 0"));
    }
    out.push(pop_timeout()?);
    Ok(1 + try_pop_batch(out, max - 1).unwrap_or(0))
}
