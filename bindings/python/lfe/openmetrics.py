"""OpenMetrics export of every structure's counters (``lfe_metrics_render``).

:func:`metrics` renders the counters of named structures as OpenMetrics text — the core's one
renderer, so Python, Go and C hosts export the same families: names under ``lfe_`` (e.g.
``lfe_log_enrich_lag``, ``lfe_queue_depth``, ``lfe_sub_lagged_total``), a ``name`` label
holding each structure's name, ``# EOF`` at the end.

:class:`Collector` serves the same families to ``prometheus_client`` (an optional dependency:
the class exists only to be registered, ``prometheus_client`` is imported when it collects)::

    from prometheus_client import REGISTRY
    REGISTRY.register(lfe.Collector({"app": store, "jobs": queue}))
"""

from __future__ import annotations

import ctypes
import importlib
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Tuple, Type, Union

from . import errors
from ._core import Handle, as_bytes
from ._lib import lib, register
from ._types import c_int32, c_size_t, c_uint32, c_void_p, lfe_bytes
from .events import Bus, EventQueue, Subscription
from .lockdep import LockValidator
from .log import LogStore
from .tables import RequestLog


class lfe_metrics_source(ctypes.Structure):
    _fields_ = [("kind", c_uint32), ("handle", c_void_p), ("name", lfe_bytes)]


#: The ``LFE_METRICS_*`` kind of each exportable class.
KINDS: Dict[Type[Handle], int] = {
    LogStore: 1,
    EventQueue: 2,
    Bus: 3,
    Subscription: 4,
    RequestLog: 5,
    LockValidator: 6,
}

register(
    {
        "lfe_metrics_render": (
            c_int32,
            [ctypes.POINTER(lfe_metrics_source), c_size_t, c_void_p, c_size_t,
             ctypes.POINTER(c_size_t)],
        ),
    },
    {
        "LFE_METRICS_LOG": 1,
        "LFE_METRICS_QUEUE": 2,
        "LFE_METRICS_BUS": 3,
        "LFE_METRICS_SUB": 4,
        "LFE_METRICS_REQUESTS": 5,
        "LFE_METRICS_LOCKDEP": 6,
    },
)

Structures = Union[Mapping[str, Handle], Iterable[Tuple[str, Handle]]]


def _pairs(structures: Structures) -> List[Tuple[bytes, Handle]]:
    items = structures.items() if isinstance(structures, Mapping) else structures
    out = []
    for name, obj in items:
        kind = next((k for cls, k in KINDS.items() if isinstance(obj, cls)), None)
        if kind is None:
            raise TypeError(f"metrics: {type(obj).__name__} has no metrics export")
        out.append((as_bytes(name, "name"), obj))
    return out


def metrics(structures: Structures) -> str:
    """The OpenMetrics text of ``structures`` (``{name: object}`` or ``(name, object)`` pairs;
    objects: :class:`LogStore`, :class:`EventQueue`, :class:`Bus`, :class:`Subscription`,
    :class:`RequestLog`, :class:`LockValidator`).

    Raises :class:`~lfe.errors.Invalid` for an empty name or two objects of one kind with the
    same name, :class:`~lfe.errors.Closed` if an object is closed, ``TypeError`` for an object
    that has no metrics.
    """
    pairs = _pairs(structures)
    arr = (lfe_metrics_source * max(len(pairs), 1))()
    entered: List[Handle] = []
    try:
        for i, (name, obj) in enumerate(pairs):
            arr[i].kind = next(k for cls, k in KINDS.items() if isinstance(obj, cls))
            arr[i].handle = obj._enter()
            entered.append(obj)
            # `name` is kept alive by `pairs` for the call.
            arr[i].name.ptr = ctypes.cast(ctypes.c_char_p(name), c_void_p).value
            arr[i].name.len = len(name)
        cap = 4096
        while True:
            buf = ctypes.create_string_buffer(cap)
            n = c_size_t()
            rc = lib.lfe_metrics_render(arr, len(pairs), buf, cap, ctypes.byref(n))
            if rc == errors.LFE_E_BUFFER_TOO_SMALL:
                cap = n.value + n.value // 4  # counters may grow between the two calls
                continue
            errors.check(rc, "lfe_metrics_render")
            return buf.raw[: n.value].decode("utf-8")
    finally:
        for obj in entered:
            obj._leave()


class Collector:
    """A ``prometheus_client`` collector of ``structures`` (as for :func:`metrics`): each
    scrape renders their counters and hands ``prometheus_client`` the parsed families."""

    def __init__(self, structures: Structures) -> None:
        self._pairs = [(n.decode("utf-8", "surrogateescape"), o) for n, o in _pairs(structures)]

    def collect(self) -> Iterator[Any]:
        # Imported here, untyped on purpose: prometheus_client is optional and has no stubs.
        parser: Any = importlib.import_module("prometheus_client.openmetrics.parser")
        yield from parser.text_string_to_metric_families(metrics(self._pairs))

    def describe(self) -> List[Any]:
        # Nothing up front: registering must not render (the objects may not be in use yet).
        return []


__all__ = ["metrics", "Collector"]
