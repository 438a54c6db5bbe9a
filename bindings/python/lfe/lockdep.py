"""Lock-order validator: lockdep-style checks of the host's own locks.

The host registers lock classes by name and reports every acquire and release with a *token*
(the holder: a thread id by default). The validator reports recursive acquisitions, order
inversions (AB/BA), longer cycles, releases of locks not held and holds longer than
``long_hold_ns``. A call that finds a violation raises :class:`~lfe.errors.Conflict` (the hold
is recorded anyway); the full reports come from :meth:`LockValidator.violations`.

:meth:`LockValidator.lock` wraps a ``threading.Lock``/``RLock`` so that ``with`` blocks report
themselves (violations are recorded, not raised, unless ``strict=True``).
"""

from __future__ import annotations

import ctypes
import enum
import struct
import threading
from ctypes import POINTER, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from . import errors
from ._core import U32_MAX, Handle, as_bytes, as_int, bytes_at, sized
from ._lib import lib, register
from ._types import batch_pp, lfe_bytes

LFE_REC_LOCKDEP_VIOLATION = 400


class ViolationKind(enum.IntEnum):
    """``LFE_LOCKDEP_*`` violation kinds."""

    RECURSIVE = 1
    RECURSIVE_READ = 2
    ORDER_INVERSION = 3
    CYCLE = 4
    RELEASE_UNHELD = 5
    LONG_HOLD = 6


class lfe_lockdep_config(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("max_locks", c_uint32),
        ("max_held", c_uint32),
        ("max_tokens", c_uint32),
        ("max_violations", c_uint32),
        ("shards", c_uint32),
        ("start_disabled", c_uint32),
        ("long_hold_ns", c_uint64),
    ]


class lfe_rec_lockdep_violation(ctypes.Structure):
    _fields_ = [
        ("seq", c_uint64),
        ("kind", c_uint32),
        ("lock_id", c_uint32),
        ("token", c_uint64),
        ("held_ns", c_uint64),
        ("path_len", c_uint32),
        ("token_count", c_uint32),
        ("lock_name", lfe_bytes),
        ("path", lfe_bytes),
        ("path_ids", lfe_bytes),
        ("tokens", lfe_bytes),
    ]


class lfe_lockdep_counters(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("locks", c_uint64),
        ("acquires", c_uint64),
        ("releases", c_uint64),
        ("edges", c_uint64),
        ("slow_paths", c_uint64),
        ("conflicts", c_uint64),
        ("violations", c_uint64),
        ("violations_dropped", c_uint64),
        ("holding_tokens", c_uint64),
    ]


register(
    {
        "lfe_lockdep_new": (c_int32, [POINTER(lfe_lockdep_config), POINTER(c_void_p)]),
        "lfe_lockdep_free": (None, [c_void_p]),
        "lfe_lockdep_close_handle": (c_int32, [c_void_p]),
        "lfe_lockdep_register": (c_int32, [c_void_p, ctypes.c_char_p, c_size_t, POINTER(c_uint32)]),
        "lfe_lockdep_acquire": (c_int32, [c_void_p, c_uint64, c_uint32, c_uint64]),
        "lfe_lockdep_acquire_shared": (c_int32, [c_void_p, c_uint64, c_uint32, c_uint64]),
        "lfe_lockdep_release": (c_int32, [c_void_p, c_uint64, c_uint32, c_uint64]),
        "lfe_lockdep_scan": (c_int32, [c_void_p, c_uint64, POINTER(c_size_t)]),
        "lfe_lockdep_violations": (c_int32, [c_void_p, c_uint64, batch_pp]),
        "lfe_lockdep_enable": (c_int32, [c_void_p]),
        "lfe_lockdep_disable": (c_int32, [c_void_p]),
        "lfe_lockdep_stats": (c_int32, [c_void_p, POINTER(lfe_lockdep_counters)]),
    },
    {
        "LFE_REC_LOCKDEP_VIOLATION": LFE_REC_LOCKDEP_VIOLATION,
        **{f"LFE_LOCKDEP_{k.name}": int(k) for k in ViolationKind},
    },
)


@dataclass(frozen=True)
class Violation:
    """One violation report.

    ``path`` is the lock names joined by ``" -> "`` (``"A -> B -> A"`` for a cycle, starting
    with the closing edge; ``"A -> A"`` for a recursive acquisition; ``"A"`` otherwise);
    ``path_ids`` the same locks as ids; ``tokens[i]`` took ``path_ids[i+1]`` while holding
    ``path_ids[i]`` (for a cycle), else ``(token,)``.
    """

    seq: int
    kind: Any  # ViolationKind, or an int from a newer library
    lock_id: int
    lock_name: str
    token: int
    held_ns: int
    path: str
    path_ids: Tuple[int, ...]
    tokens: Tuple[int, ...]


@dataclass(frozen=True)
class ViolationPage:
    """Result of :meth:`LockValidator.violations`: reports, the ``since`` for the next call, and
    how many reports were dropped so far (``max_violations`` reached)."""

    violations: List[Violation]
    next: int
    dropped: int


@dataclass(frozen=True)
class LockdepStats:
    locks: int
    acquires: int
    releases: int
    edges: int
    slow_paths: int
    conflicts: int
    violations: int
    violations_dropped: int
    holding_tokens: int


def _violation(r: lfe_rec_lockdep_violation) -> Violation:
    try:
        kind: Any = ViolationKind(r.kind)
    except ValueError:
        kind = r.kind
    ids_raw = bytes_at(r.path_ids)
    tok_raw = bytes_at(r.tokens)
    ids = struct.unpack(f"={r.path_len}I", ids_raw[: 4 * r.path_len]) if r.path_len else ()
    toks = struct.unpack(f"={r.token_count}Q", tok_raw[: 8 * r.token_count]) if r.token_count else ()
    return Violation(
        seq=r.seq,
        kind=kind,
        lock_id=r.lock_id,
        lock_name=bytes_at(r.lock_name).decode("utf-8", "replace"),
        token=r.token,
        held_ns=r.held_ns,
        path=bytes_at(r.path).decode("utf-8", "replace"),
        path_ids=tuple(ids),
        tokens=tuple(toks),
    )


def _token(token: Optional[int]) -> int:
    return threading.get_ident() if token is None else as_int(token, "token")


class LockValidator(Handle):
    """A lock-order validator (``lfe_lockdep``).

    Args:
        long_hold: seconds after which a hold is reported (``None``/0: never).
        max_locks, max_held, max_tokens, max_violations, shards: bounds (0 or None: defaults).
        enabled: start checking at once (default) or only after :meth:`enable`.

    Tokens identify holders; they default to ``threading.get_ident()``. ``now_ns`` arguments
    default to the library's monotonic clock.
    """

    _free_fn = lib.lfe_lockdep_free
    _what = "LockValidator"

    def __init__(self, long_hold: Optional[float] = None, max_locks: Optional[int] = None,
                 max_held: Optional[int] = None, max_tokens: Optional[int] = None,
                 max_violations: Optional[int] = None, shards: Optional[int] = None,
                 enabled: bool = True) -> None:
        c = lfe_lockdep_config()
        c.size = ctypes.sizeof(c)
        for name, v in (("max_locks", max_locks), ("max_held", max_held),
                        ("max_tokens", max_tokens), ("max_violations", max_violations),
                        ("shards", shards)):
            setattr(c, name, 0 if v is None else as_int(v, name, 0, U32_MAX))
        c.start_disabled = 0 if enabled else 1
        if long_hold is not None:
            if isinstance(long_hold, bool) or not isinstance(long_hold, (int, float)) or not (
                long_hold >= 0
            ):
                raise ValueError("long_hold must be a number of seconds >= 0 or None")
            c.long_hold_ns = min(int(long_hold * 1e9), (1 << 64) - 1)
        out = c_void_p()
        errors.check(lib.lfe_lockdep_new(ctypes.byref(c), ctypes.byref(out)), "lfe_lockdep_new")
        super().__init__(out.value)

    def register(self, name: Any) -> int:
        """Registers a lock class by name (any bytes or str); the same name gives the same id."""
        b = as_bytes(name, "name")
        out = c_uint32()
        self._call(lib.lfe_lockdep_register, b, len(b), ctypes.byref(out))
        return out.value

    def acquire(self, id: int, token: Optional[int] = None, shared: bool = False,
                now_ns: int = 0) -> None:
        """Reports that ``token`` is about to take lock ``id`` (``shared`` for a read lock).
        Raises ``Conflict`` when this acquisition is a violation (the hold is recorded
        anyway), ``NotFound`` for an unregistered id, ``Full`` when not tracked."""
        fn = lib.lfe_lockdep_acquire_shared if shared else lib.lfe_lockdep_acquire
        self._call(fn, _token(token), as_int(id, "id", 0, U32_MAX), as_int(now_ns, "now_ns"))

    def release(self, id: int, token: Optional[int] = None, now_ns: int = 0) -> None:
        """Reports that ``token`` released lock ``id``; raises ``Conflict`` when it did not hold
        it or held it too long (reported)."""
        self._call(lib.lfe_lockdep_release, _token(token), as_int(id, "id", 0, U32_MAX),
                   as_int(now_ns, "now_ns"))

    def scan(self, now_ns: int = 0) -> int:
        """Reports holds open longer than ``long_hold``; returns how many there are."""
        out = c_size_t()
        self._call(lib.lfe_lockdep_scan, as_int(now_ns, "now_ns"), ctypes.byref(out))
        return out.value

    def violations(self, since: int = 0) -> ViolationPage:
        """Kept reports with ``seq >= since``, oldest first (one C call)."""
        items, nxt, dropped = self._query(lib.lfe_lockdep_violations, as_int(since, "since"),
                                          record=lfe_rec_lockdep_violation,
                                          kind=LFE_REC_LOCKDEP_VIOLATION, convert=_violation)
        return ViolationPage(items, nxt, dropped)

    def enable(self) -> None:
        """Turns checking on."""
        self._call(lib.lfe_lockdep_enable)

    def disable(self) -> None:
        """Turns checking off (calls then record nothing)."""
        self._call(lib.lfe_lockdep_disable)

    def stats(self) -> LockdepStats:
        """The validator's counters."""
        s = sized(lfe_lockdep_counters)
        self._call(lib.lfe_lockdep_stats, ctypes.byref(s))
        return LockdepStats(*(getattr(s, f[0]) for f in lfe_lockdep_counters._fields_[1:]))

    def lock(self, name: Any, lock: Optional[Any] = None, strict: bool = False) -> "TrackedLock":
        """A ``threading.Lock`` (or the given lock) that reports its acquires and releases."""
        return TrackedLock(self, name, lock, strict)


class TrackedLock:
    """A lock whose ``acquire``/``release`` (and ``with``) are reported to a validator, with the
    current thread's id as the token. Violations are recorded in the validator; with
    ``strict=True`` they are also raised (``Conflict``) after the lock is taken."""

    def __init__(self, validator: LockValidator, name: Any, lock: Optional[Any] = None,
                 strict: bool = False) -> None:
        self.validator = validator
        self.id = validator.register(name)
        self.name = name
        self._lock = threading.Lock() if lock is None else lock
        self._strict = strict

    def _unreport(self) -> None:
        try:
            self.validator.release(self.id)
        except errors.Conflict:
            pass

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Reports, then takes the lock. With ``strict=True`` a violation raises ``Conflict``
        before the lock is taken."""
        conflict: Optional[errors.Conflict] = None
        try:
            self.validator.acquire(self.id)
        except errors.Conflict as e:
            conflict = e
        if conflict is not None and self._strict:
            self._unreport()
            raise conflict
        ok = self._lock.acquire(blocking, timeout)
        if not ok:
            self._unreport()
        return ok

    def release(self) -> None:
        self._lock.release()
        try:
            self.validator.release(self.id)
        except errors.Conflict:
            if self._strict:
                raise

    def __enter__(self) -> "TrackedLock":
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


__all__ = [
    "LockValidator",
    "TrackedLock",
    "Violation",
    "ViolationKind",
    "ViolationPage",
    "LockdepStats",
]
