"""Event queue (bounded MPMC) and fan-out bus with filtered subscriptions.

* :class:`EventQueue` — each event goes to exactly one consumer; try, batch and blocking forms;
  ``shutdown()`` wakes every waiter (pushes then raise :class:`~lfe.errors.Closed`, pops drain
  what is left, then raise ``Closed``).
* :class:`Bus` — ``publish`` never waits on a subscriber: a full :class:`Subscription` drops its
  oldest event and counts it (``Event.lost_before``, ``SubStats.lagged``).

Payloads are ``bytes`` in and out (``Event.text`` decodes them as UTF-8 with replacement).
Timeouts are in seconds (``None`` waits forever; a thread blocked forever cannot be interrupted
by Ctrl-C, so prefer finite timeouts in loops).
"""

from __future__ import annotations

import asyncio
import ctypes
import math
from ctypes import POINTER, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from . import errors
from ._core import (
    U32_MAX,
    U64_MAX,
    Handle,
    as_bytes,
    as_int,
    frozen_factory,
    iter_items,
    sized,
)
from ._lib import lib, register
from ._types import batch_pp, lfe_bytes

# --- C constants ------------------------------------------------------------------------------
LFE_REC_EVENT = 300
EVENT_PROCESS_STARTED = 1
EVENT_PROCESS_EXITED = 2
EVENT_LOG_LINE = 3
EVENT_URL_DETECTED = 4
EVENT_ERROR_DETECTED = 5
EVENT_BUILD_EVENT = 6
EVENT_TEST_FAILED = 7
EVENT_TEST_PASSED = 8
EVENT_ROUTE_ADDED = 9
EVENT_ROUTE_REMOVED = 10
EVENT_PROXY_REQUEST = 11
#: The first host-defined event type (types below it other than 1..11 are reserved).
EVENT_HOST_MIN = 1024
EVENT_DEFAULT_MAX_PAYLOAD = 4096
EVENT_MASK_ALL = U64_MAX
OVERFLOW_REJECT = 0
OVERFLOW_DROP_OLDEST = 1
TIMEOUT_INFINITE = U64_MAX


# --- ctypes mirrors ---------------------------------------------------------------------------
class lfe_event(ctypes.Structure):
    """``struct lfe_event`` (``LFE_REC_EVENT``)."""

    _fields_ = [
        ("seq", c_uint64),
        ("ts_ns", c_uint64),
        ("lost_before", c_uint64),
        ("process_id", c_uint64),
        ("type", c_uint32),
        ("reserved", c_uint32),
        ("payload", lfe_bytes),
    ]


class lfe_event_input(ctypes.Structure):
    """``struct lfe_event_input``."""

    _fields_ = [
        ("type", c_uint32),
        ("reserved", c_uint32),
        ("process_id", c_uint64),
        ("ts_ns", c_uint64),
        ("payload", lfe_bytes),
    ]


class lfe_queue_config(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("capacity", c_size_t),
        ("max_payload", c_size_t),
        ("overflow", c_uint32),
    ]


class lfe_queue_counters(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("depth", c_uint64),
        ("pushed", c_uint64),
        ("popped", c_uint64),
        ("dropped", c_uint64),
        ("capacity", c_uint64),
    ]


class lfe_bus_config(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("max_payload", c_size_t),
        ("max_subscribers", c_size_t),
        ("max_capacity", c_size_t),
        ("max_sub_bytes", c_size_t),
    ]


class lfe_sub_counters(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("lagged", c_uint64),
        ("delivered", c_uint64),
        ("popped", c_uint64),
        ("depth", c_uint64),
        ("capacity", c_uint64),
    ]


class lfe_bus_counters(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("published", c_uint64), ("subscribers", c_uint64)]


_ev_in_p = POINTER(lfe_event_input)
register(
    {
        "lfe_queue_new": (c_int32, [POINTER(lfe_queue_config), POINTER(c_void_p)]),
        "lfe_queue_free": (None, [c_void_p]),
        "lfe_queue_close_handle": (c_int32, [c_void_p]),
        "lfe_queue_push": (c_int32, [c_void_p, _ev_in_p]),
        "lfe_queue_push_timeout": (c_int32, [c_void_p, _ev_in_p, c_uint64]),
        "lfe_queue_push_batch": (c_int32, [c_void_p, _ev_in_p, c_size_t, POINTER(c_size_t)]),
        "lfe_queue_pop": (c_int32, [c_void_p, batch_pp]),
        "lfe_queue_pop_timeout": (c_int32, [c_void_p, c_uint64, batch_pp]),
        "lfe_queue_pop_batch": (c_int32, [c_void_p, c_size_t, batch_pp]),
        "lfe_queue_pop_batch_timeout": (c_int32, [c_void_p, c_size_t, c_uint64, batch_pp]),
        "lfe_queue_close": (c_int32, [c_void_p]),
        "lfe_queue_stats": (c_int32, [c_void_p, POINTER(lfe_queue_counters)]),
        "lfe_bus_new": (c_int32, [POINTER(lfe_bus_config), POINTER(c_void_p)]),
        "lfe_bus_free": (None, [c_void_p]),
        "lfe_bus_close_handle": (c_int32, [c_void_p]),
        "lfe_bus_subscribe": (
            c_int32,
            [c_void_p, c_uint64, POINTER(c_uint32), c_size_t, c_size_t, POINTER(c_void_p)],
        ),
        "lfe_bus_publish": (c_int32, [c_void_p, _ev_in_p]),
        "lfe_bus_publish_batch": (c_int32, [c_void_p, _ev_in_p, c_size_t]),
        "lfe_bus_stats": (c_int32, [c_void_p, POINTER(lfe_bus_counters)]),
        "lfe_sub_unsubscribe": (c_int32, [c_void_p]),
        "lfe_sub_free": (None, [c_void_p]),
        "lfe_sub_close_handle": (c_int32, [c_void_p]),
        "lfe_sub_interrupt": (c_int32, [c_void_p]),
        "lfe_sub_pop": (c_int32, [c_void_p, batch_pp]),
        "lfe_sub_pop_timeout": (c_int32, [c_void_p, c_uint64, batch_pp]),
        "lfe_sub_pop_batch": (c_int32, [c_void_p, c_size_t, batch_pp]),
        "lfe_sub_pop_batch_timeout": (c_int32, [c_void_p, c_size_t, c_uint64, batch_pp]),
        "lfe_sub_fd": (c_int32, [c_void_p, POINTER(c_int32)]),
        "lfe_sub_stats": (c_int32, [c_void_p, POINTER(lfe_sub_counters)]),
    },
    {
        "LFE_REC_EVENT": LFE_REC_EVENT,
        "LFE_EVENT_PROCESS_STARTED": EVENT_PROCESS_STARTED,
        "LFE_EVENT_PROCESS_EXITED": EVENT_PROCESS_EXITED,
        "LFE_EVENT_LOG_LINE": EVENT_LOG_LINE,
        "LFE_EVENT_URL_DETECTED": EVENT_URL_DETECTED,
        "LFE_EVENT_ERROR_DETECTED": EVENT_ERROR_DETECTED,
        "LFE_EVENT_BUILD_EVENT": EVENT_BUILD_EVENT,
        "LFE_EVENT_TEST_FAILED": EVENT_TEST_FAILED,
        "LFE_EVENT_TEST_PASSED": EVENT_TEST_PASSED,
        "LFE_EVENT_ROUTE_ADDED": EVENT_ROUTE_ADDED,
        "LFE_EVENT_ROUTE_REMOVED": EVENT_ROUTE_REMOVED,
        "LFE_EVENT_PROXY_REQUEST": EVENT_PROXY_REQUEST,
        "LFE_EVENT_HOST_MIN": EVENT_HOST_MIN,
        "LFE_EVENT_DEFAULT_MAX_PAYLOAD": EVENT_DEFAULT_MAX_PAYLOAD,
        "LFE_EVENT_MASK_ALL": EVENT_MASK_ALL,
        "LFE_OVERFLOW_REJECT": OVERFLOW_REJECT,
        "LFE_OVERFLOW_DROP_OLDEST": OVERFLOW_DROP_OLDEST,
        "LFE_TIMEOUT_INFINITE": TIMEOUT_INFINITE,
        "LFE_QUEUE_MAX_CAPACITY": 1 << 24,
    },
)


# --- Python values ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    """One event popped from a queue or a subscription."""

    seq: int
    ts_ns: int
    type: int
    process_id: int
    #: Bus only: events of this subscription dropped just before this one.
    lost_before: int
    payload: bytes

    @property
    def text(self) -> str:
        """The payload decoded as UTF-8 (invalid bytes replaced)."""
        return self.payload.decode("utf-8", "replace")


@dataclass(frozen=True)
class EventIn:
    """An event to push or publish. ``ts_ns`` 0 means "now"."""

    type: int
    payload: Any = b""
    process_id: int = 0
    ts_ns: int = 0


@dataclass(frozen=True)
class QueueStats:
    depth: int
    pushed: int
    popped: int
    dropped: int
    capacity: int


@dataclass(frozen=True)
class BusStats:
    published: int
    subscribers: int


@dataclass(frozen=True)
class SubStats:
    lagged: int
    delivered: int
    popped: int
    depth: int
    capacity: int


EventLike = Union[EventIn, Tuple[Any, ...]]


_new_event = frozen_factory(Event)


def _event(t: Any, buf: bytes, base: int) -> Event:
    # t: raw struct tuple (seq, ts_ns, lost_before, process_id, type, reserved, payload ptr,
    # payload len)
    n = t[7]
    o = t[6] - base
    return _new_event(t[0], t[1], t[4], t[3], t[2], buf[o : o + n] if n else b"")


def timeout_ns(timeout: Optional[float]) -> int:
    """Seconds (``None``: forever) as the C ABI's nanoseconds."""
    if timeout is None:
        return TIMEOUT_INFINITE
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError("timeout must be a number of seconds or None")
    if math.isnan(timeout) or timeout < 0:
        raise ValueError(f"timeout must be >= 0 seconds or None, got {timeout}")
    if math.isinf(timeout):
        return TIMEOUT_INFINITE
    return int(min(timeout * 1e9, TIMEOUT_INFINITE - 1))


def _fill(into: lfe_event_input, ev: Any, keep: List[bytes]) -> None:
    if isinstance(ev, EventIn):
        t, payload, pid, ts = ev.type, ev.payload, ev.process_id, ev.ts_ns
    elif isinstance(ev, tuple) and 1 <= len(ev) <= 4:
        t, payload, pid, ts = (tuple(ev) + (b"", 0, 0)[len(ev) - 1 :])[:4]
    else:
        raise TypeError(
            f"an event must be an EventIn or a (type, payload[, process_id[, ts_ns]]) tuple, "
            f"not {type(ev).__name__}"
        )
    into.type = as_int(t, "type", 0, U32_MAX)
    into.reserved = 0
    into.process_id = as_int(pid, "process_id")
    into.ts_ns = as_int(ts, "ts_ns")
    b = as_bytes(payload, "payload")
    keep.append(b)
    into.payload.ptr = ctypes.cast(ctypes.c_char_p(b), c_void_p).value if b else None
    into.payload.len = len(b)


def _one_input(type: int, payload: Any, process_id: int, ts_ns: int) -> Tuple[Any, List[bytes]]:
    keep: List[bytes] = []
    ev = lfe_event_input()
    _fill(ev, EventIn(type, payload, process_id, ts_ns), keep)
    return ev, keep


def _inputs(events: Iterable[EventLike]) -> Tuple[Any, int, List[bytes]]:
    items = iter_items(events, "events")
    keep: List[bytes] = []
    arr = (lfe_event_input * max(len(items), 1))()
    for i, ev in enumerate(items):
        _fill(arr[i], ev, keep)
    return arr, len(items), keep


def _max(n: int) -> int:
    return as_int(n, "max", 0, (1 << 63) - 1)


class _Popper(Handle):
    """Pop forms shared by :class:`EventQueue` and :class:`Subscription`. A subclass names its C
    prefix (``lfe_<c_name>_free``, ``lfe_<c_name>_pop*``) in its class line."""

    _pop: Any
    _pop_timeout: Any
    _pop_batch: Any
    _pop_batch_timeout: Any

    def __init_subclass__(cls, c_name: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._what = cls.__name__
        cls._free_fn = getattr(lib, f"lfe_{c_name}_free")
        cls._pop = getattr(lib, f"lfe_{c_name}_pop")
        cls._pop_timeout = getattr(lib, f"lfe_{c_name}_pop_timeout")
        cls._pop_batch = getattr(lib, f"lfe_{c_name}_pop_batch")
        cls._pop_batch_timeout = getattr(lib, f"lfe_{c_name}_pop_batch_timeout")

    def _events(self, fn: Any, *args: Any) -> List[Event]:
        return self._query(fn, *args, record=lfe_event, kind=LFE_REC_EVENT, convert=_event,
                           raw=True)[0]

    def try_pop(self) -> Event:
        """Pops one event without waiting; raises ``Empty`` (or ``Closed`` once closed and
        drained)."""
        return self._events(type(self)._pop)[0]

    def pop(self, timeout: Optional[float] = None) -> Event:
        """Pops one event, waiting up to ``timeout`` seconds (``None``: forever); raises
        ``Timeout`` (or ``Closed`` once closed and drained)."""
        return self._events(type(self)._pop_timeout, timeout_ns(timeout))[0]

    def try_pop_batch(self, max: int = 256) -> List[Event]:
        """Pops up to ``max`` waiting events without waiting (one C call); raises ``Empty``."""
        return self._events(type(self)._pop_batch, _max(max))

    def pop_batch(self, max: int = 256, timeout: Optional[float] = None) -> List[Event]:
        """Waits up to ``timeout`` for at least one event, then pops up to ``max``; raises
        ``Timeout``."""
        return self._events(type(self)._pop_batch_timeout, _max(max), timeout_ns(timeout))

    def drain(self, max: int = 256) -> List[Event]:
        """Every event waiting now (possibly none), without waiting."""
        out: List[Event] = []
        while True:
            try:
                out.extend(self.try_pop_batch(max))
            except (errors.Empty, errors.Closed):
                return out


class EventQueue(_Popper, c_name="queue"):
    """A bounded MPMC event queue (``lfe_queue``).

    Args:
        capacity: events held at most (library default when None).
        max_payload: largest payload in bytes (default 4096).
        drop_oldest: when True a push into a full queue drops the oldest event (counted in
            ``stats().dropped``) instead of failing with ``Full``.
    """

    def __init__(self, capacity: Optional[int] = None, max_payload: Optional[int] = None,
                 drop_oldest: bool = False) -> None:
        cfg = None
        if capacity is not None or max_payload is not None or drop_oldest:
            c = lfe_queue_config()
            c.size = ctypes.sizeof(c)
            c.capacity = as_int(1024 if capacity is None else capacity, "capacity", 0, (1 << 63) - 1)
            c.max_payload = as_int(EVENT_DEFAULT_MAX_PAYLOAD if max_payload is None else max_payload,
                                   "max_payload", 0, (1 << 63) - 1)
            c.overflow = OVERFLOW_DROP_OLDEST if drop_oldest else OVERFLOW_REJECT
            cfg = ctypes.byref(c)
        out = c_void_p()
        errors.check(lib.lfe_queue_new(cfg, ctypes.byref(out)), "lfe_queue_new")
        super().__init__(out.value)

    def try_push(self, type: int, payload: Any = b"", process_id: int = 0, ts_ns: int = 0) -> None:
        """Pushes one event without waiting; raises ``Full``, ``Closed``, ``TooLarge``,
        ``Invalid`` (type 0 or reserved)."""
        ev, keep = _one_input(type, payload, process_id, ts_ns)
        self._call(lib.lfe_queue_push, ctypes.byref(ev))

    def push(self, type: int, payload: Any = b"", process_id: int = 0, ts_ns: int = 0,
             timeout: Optional[float] = None) -> None:
        """Pushes one event, waiting up to ``timeout`` seconds for room (``None``: forever);
        raises ``Timeout``, ``Closed``, ..."""
        ev, keep = _one_input(type, payload, process_id, ts_ns)
        self._call(lib.lfe_queue_push_timeout, ctypes.byref(ev), timeout_ns(timeout))

    def push_batch(self, events: Iterable[EventLike]) -> int:
        """Pushes events in order without waiting, stopping at the first that does not fit;
        returns how many went in (raises ``Full`` when none fit). Events are ``EventIn`` or
        ``(type, payload[, process_id[, ts_ns]])`` tuples; all are checked before any is
        pushed."""
        arr, n, keep = _inputs(events)
        if n == 0:
            return 0
        pushed = c_size_t()
        self._call(lib.lfe_queue_push_batch, arr, n, ctypes.byref(pushed))
        return pushed.value

    def shutdown(self) -> None:
        """Closes the queue for producers and wakes every waiter: pushes raise ``Closed``;
        pops return what is left, then raise ``Closed``. Idempotent; the object stays usable
        for pops and ``stats()`` until :meth:`close`."""
        self._call(lib.lfe_queue_close)

    def _before_close(self, ptr: int) -> None:
        lib.lfe_queue_close(ptr)  # wake blocked callers so close() can proceed

    def stats(self) -> QueueStats:
        """The queue's counters."""
        s = sized(lfe_queue_counters)
        self._call(lib.lfe_queue_stats, ctypes.byref(s))
        return QueueStats(s.depth, s.pushed, s.popped, s.dropped, s.capacity)

    def __len__(self) -> int:
        return self.stats().depth


async def _readable(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """Waits until ``fd`` is readable (level-triggered: at once if it already is)."""
    fut: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not fut.done():
            fut.set_result(None)

    loop.add_reader(fd, ready)
    try:
        await fut
    finally:
        loop.remove_reader(fd)


class Subscription(_Popper, c_name="sub"):
    """One bus subscription (``lfe_sub``), made by :meth:`Bus.subscribe`.

    ``close()`` unsubscribes and frees it; :meth:`unsubscribe` only leaves the bus (queued events
    can still be popped, then pops raise ``Closed``). ``fileno()`` gives an eventfd readable
    while events may be waiting, for ``select``/``selectors``. ``for ev in sub`` blocks for
    events; ``async for ev in sub`` waits on the eventfd in an asyncio loop.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("Subscription objects are made by Bus.subscribe()")

    @classmethod
    def _wrap(cls, ptr: Optional[int]) -> "Subscription":
        self = cls.__new__(cls)
        Handle.__init__(self, ptr)
        return self

    def unsubscribe(self) -> None:
        """Leaves the bus and wakes blocked pops. Idempotent."""
        self._call(lib.lfe_sub_unsubscribe)

    def _before_close(self, ptr: int) -> None:
        lib.lfe_sub_unsubscribe(ptr)

    def fileno(self) -> int:
        """The subscription's eventfd (owned by the subscription: do not read or close it).
        Raises ``Unsupported`` off Linux."""
        fd = c_int32()
        self._call(lib.lfe_sub_fd, ctypes.byref(fd))
        return fd.value

    #: Longest single wait (seconds) of ``for ev in subscription``: the wait is renewed after
    #: it, so that signal handlers (Ctrl-C), which Python runs between C calls, are not
    #: delayed longer. Events end a wait at once; this is not a polling period.
    ITER_WAIT = 0.25

    def __iter__(self) -> Iterator[Event]:
        """``for ev in subscription``: waits for events (releasing the GIL), yields them in
        publish order, and ends once the subscription is unsubscribed (or closed from another
        thread) and every event delivered before has been yielded."""
        while True:
            try:
                evs = self.pop_batch(256, self.ITER_WAIT)
            except errors.Timeout:
                continue
            except errors.Closed:
                return
            yield from evs

    def __aiter__(self) -> AsyncIterator[Event]:
        return self.aiter()

    async def aiter(self, max: int = 256) -> AsyncIterator[Event]:
        """``async for ev in subscription`` (or ``subscription.aiter()``): yields events in
        publish order without blocking the event loop; between batches it waits on the
        subscription's eventfd with ``loop.add_reader``. Ends once the subscription is
        unsubscribed and drained: end it with :meth:`unsubscribe` (which wakes the wait), and
        :meth:`close` only after the iteration ended, as closing closes the eventfd."""
        loop = asyncio.get_running_loop()
        fd = self.fileno()
        while True:
            try:
                evs = self.try_pop_batch(max)
            except errors.Empty:
                await _readable(loop, fd)
                continue
            except errors.Closed:
                return
            for ev in evs:
                yield ev

    def stats(self) -> SubStats:
        """The subscription's counters."""
        s = sized(lfe_sub_counters)
        self._call(lib.lfe_sub_stats, ctypes.byref(s))
        return SubStats(s.lagged, s.delivered, s.popped, s.depth, s.capacity)


class Bus(Handle):
    """A fan-out event bus (``lfe_bus``): every matching subscription gets every event, in
    publish order; ``publish`` never waits.

    Args:
        max_payload: largest payload (default 4096).
        max_subscribers: most live subscriptions (default 1024).
        max_capacity: largest subscription capacity (default 2**20, at most 2**24).
        max_sub_bytes: most payload bytes one subscription holds (default: the larger of
            16 MiB and ``max_payload``); beyond it the oldest events are dropped and counted
            in ``lagged``.
    """

    _free_fn = lib.lfe_bus_free
    _what = "Bus"

    def __init__(self, max_payload: Optional[int] = None, max_subscribers: Optional[int] = None,
                 max_capacity: Optional[int] = None, max_sub_bytes: Optional[int] = None) -> None:
        cfg = None
        if (max_payload is not None or max_subscribers is not None or max_capacity is not None
                or max_sub_bytes is not None):
            c = lfe_bus_config()
            c.size = ctypes.sizeof(c)
            c.max_payload = as_int(EVENT_DEFAULT_MAX_PAYLOAD if max_payload is None else max_payload,
                                   "max_payload", 0, (1 << 63) - 1)
            c.max_subscribers = as_int(1024 if max_subscribers is None else max_subscribers,
                                       "max_subscribers", 0, (1 << 63) - 1)
            c.max_capacity = as_int((1 << 20) if max_capacity is None else max_capacity,
                                    "max_capacity", 0, (1 << 63) - 1)
            c.max_sub_bytes = as_int(0 if max_sub_bytes is None else max_sub_bytes,
                                     "max_sub_bytes", 0, (1 << 63) - 1)
            cfg = ctypes.byref(c)
        out = c_void_p()
        errors.check(lib.lfe_bus_new(cfg, ctypes.byref(out)), "lfe_bus_new")
        super().__init__(out.value)

    def subscribe(self, types: Optional[Sequence[int]] = None, mask: Optional[int] = None,
                  capacity: int = 1024) -> Subscription:
        """A new subscription to the events whose type is in ``types`` or selected by ``mask``
        (bit t selects type t for t < 63, bit 63 every type >= 63). With neither, every event.
        It receives events published after this call returns."""
        tl = [] if types is None else [as_int(t, "type", 0, U32_MAX) for t in iter_items(types, "types")]
        if mask is None:
            m = EVENT_MASK_ALL if types is None else 0
        else:
            m = as_int(mask, "mask")
        arr = (c_uint32 * max(len(tl), 1))(*tl)
        out = c_void_p()
        self._call(lib.lfe_bus_subscribe, m, arr if tl else None, len(tl),
                   as_int(capacity, "capacity", 0, (1 << 63) - 1), ctypes.byref(out))
        return Subscription._wrap(out.value)

    def publish(self, type: int, payload: Any = b"", process_id: int = 0, ts_ns: int = 0) -> None:
        """Publishes one event to every matching subscription (never waits)."""
        ev, keep = _one_input(type, payload, process_id, ts_ns)
        self._call(lib.lfe_bus_publish, ctypes.byref(ev))

    def publish_batch(self, events: Iterable[EventLike]) -> None:
        """Publishes events in order with consecutive sequence numbers (all or nothing)."""
        arr, n, keep = _inputs(events)
        self._call(lib.lfe_bus_publish_batch, arr if n else None, n)

    def stats(self) -> BusStats:
        """The bus counters."""
        s = sized(lfe_bus_counters)
        self._call(lib.lfe_bus_stats, ctypes.byref(s))
        return BusStats(s.published, s.subscribers)


__all__ = [
    "Event",
    "EventIn",
    "EventQueue",
    "Bus",
    "Subscription",
    "QueueStats",
    "BusStats",
    "SubStats",
    "EVENT_PROCESS_STARTED",
    "EVENT_PROCESS_EXITED",
    "EVENT_LOG_LINE",
    "EVENT_URL_DETECTED",
    "EVENT_ERROR_DETECTED",
    "EVENT_BUILD_EVENT",
    "EVENT_TEST_FAILED",
    "EVENT_TEST_PASSED",
    "EVENT_ROUTE_ADDED",
    "EVENT_ROUTE_REMOVED",
    "EVENT_PROXY_REQUEST",
    "EVENT_HOST_MIN",
]
