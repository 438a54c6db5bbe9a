"""Shared machinery of the Python classes: handles, bytes in, batches out.

* :class:`Handle` owns one opaque C handle. Every call goes through :meth:`Handle._use`, which
  counts the calls in flight; :meth:`Handle.close` marks the object closed (later calls raise
  :class:`~lfe.errors.Closed`), waits for the calls in flight to return, and only then frees the
  C handle, so a close racing with calls on other threads can never free memory under them.
  ``__del__`` is a backstop for objects that are never closed.
* :func:`as_bytes` accepts ``bytes``, ``bytearray``, ``memoryview`` and ``str`` (encoded UTF-8)
  and rejects anything else with ``TypeError``.
* :func:`read_batch` turns one ``lfe_batch`` into Python objects, checking its ``kind`` and
  ``record_size`` against the ctypes record type, and always frees it.
* :func:`pack_bytes_array` builds an ``lfe_bytes[]`` for batch writes from one joined buffer.
"""

from __future__ import annotations

import ctypes
import math
import threading
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar

from . import errors
from ._lib import lib
from ._types import batch_p, lfe_bytes

T = TypeVar("T")

BytesLike = "bytes | bytearray | memoryview | str"

#: Largest unsigned 64-bit value (for range checks of integer arguments).
U64_MAX = (1 << 64) - 1
U32_MAX = (1 << 32) - 1
SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1


def as_bytes(value: Any, what: str = "value") -> bytes:
    """Converts a bytes-like argument to ``bytes``.

    ``str`` is encoded as UTF-8 (lone surrogates from ``surrogateescape`` decoding map back to
    their original bytes); ``bytes``/``bytearray``/``memoryview`` are taken as raw bytes, which
    may be anything (invalid UTF-8 and NUL bytes included). Anything else is a ``TypeError``.
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError as e:
            raise ValueError(f"{what}: str cannot be encoded as UTF-8: {e}") from None
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise TypeError(
        f"{what} must be bytes, bytearray, memoryview or str, not {type(value).__name__}"
    )


def as_int(value: Any, what: str, lo: int = 0, hi: int = U64_MAX) -> int:
    """Checks an integer argument: a real ``int`` (not ``bool``) within ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < lo or value > hi:
        raise ValueError(f"{what} must be in [{lo}, {hi}], got {value}")
    return value


def timeout_ms(timeout: Optional[float], what: str = "timeout") -> int:
    """A timeout in seconds (``None`` = wait as long as the C ABI allows) as whole milliseconds.

    Negative or NaN timeouts are a ``ValueError``.
    """
    if timeout is None:
        return U32_MAX
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"{what} must be a number of seconds or None")
    if math.isnan(timeout) or timeout < 0:
        raise ValueError(f"{what} must be >= 0 seconds, got {timeout}")
    return int(min(math.ceil(timeout * 1000.0), U32_MAX))


def pack_bytes_array(items: Sequence[bytes]) -> Tuple[Any, bytes]:
    """An ``lfe_bytes[len(items)]`` pointing into one joined buffer; returns ``(array, keep)``:
    ``keep`` must stay alive for as long as the array is used."""
    n = len(items)
    arr = (lfe_bytes * n)()
    blob = b"".join(items)
    base = ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value or 0
    off = 0
    for i, b in enumerate(items):
        ln = len(b)
        arr[i].ptr = base + off if ln else None
        arr[i].len = ln
        off += ln
    return arr, blob


def bytes_at(b: lfe_bytes) -> bytes:
    """Copies the bytes an ``lfe_bytes`` record field points to."""
    if not b.len:
        return b""
    return ctypes.string_at(b.ptr, b.len)


def read_batch(
    ptr: Any,
    record: Type[ctypes.Structure],
    kind: int,
    convert: Callable[[Any], T],
) -> Tuple[List[T], int, int]:
    """Reads and frees one batch: returns ``(items, next, missed)``.

    ``ptr`` is a ``POINTER(lfe_batch)`` filled by a query. The batch's ``kind`` must equal
    ``kind`` and its ``record_size`` must equal ``ctypes.sizeof(record)``; otherwise the binding
    and library disagree on the layout and :class:`~lfe.errors.LibraryError` is raised rather
    than reading garbage. ``convert`` turns one ctypes record into a Python object; it runs while
    the batch is alive and must copy what it needs (see :func:`bytes_at`).
    """
    if not ptr:
        raise errors.LibraryError("lfe query returned OK but no batch")
    try:
        h = ptr.contents
        if h.kind != kind:
            raise errors.LibraryError(
                f"batch kind {h.kind} where {record.__name__} (kind {kind}) was expected"
            )
        if h.record_size != ctypes.sizeof(record):
            raise errors.LibraryError(
                f"batch record_size {h.record_size} != sizeof({record.__name__}) "
                f"{ctypes.sizeof(record)}: binding and library layouts differ"
            )
        n = h.count
        if n == 0:
            items: List[T] = []
        else:
            arr = ctypes.cast(h.records, ctypes.POINTER(record * n)).contents
            items = [convert(r) for r in arr]
        return items, h.next, h.missed
    finally:
        lib.lfe_batch_free(ptr)


def new_batch() -> Any:
    """An out-parameter for a query (pass with ``ctypes.byref``)."""
    return batch_p()


class Handle:
    """Owner of one opaque C handle (base class of every lfe object).

    Subclasses set ``_free_fn`` (the C ``lfe_<type>_free``) and may override
    :meth:`_before_close` (e.g. to wake blocked waiters with ``lfe_<type>_close``).
    """

    _free_fn: Optional[Callable[[Any], None]] = None
    _what = "lfe object"

    def __init__(self, ptr: Optional[int]) -> None:
        self._cv = threading.Condition(threading.Lock())
        self._busy = 0
        self._closed = False
        self._ptr = ptr
        if not ptr:
            self._closed = True
            raise errors.LibraryError(f"{self._what}: constructor returned a NULL handle")

    # -- use and close ----------------------------------------------------------------------
    def _enter(self) -> int:
        with self._cv:
            if self._closed:
                raise errors.Closed(f"{self._what} is closed", errors.LFE_E_CLOSED)
            self._busy += 1
            return self._ptr  # type: ignore[return-value]

    def _leave(self) -> None:
        with self._cv:
            self._busy -= 1
            if self._busy == 0 and self._closed:
                self._cv.notify_all()

    def _call(self, fn: Callable[..., int], *args: Any, what: str = "") -> None:
        """Calls ``fn(handle, *args)`` and raises the status as an exception."""
        p = self._enter()
        try:
            rc = fn(p, *args)
        finally:
            self._leave()
        if rc != 0:
            raise errors.make_error(rc, what or getattr(fn, "__name__", ""))

    def _call_value(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Calls ``fn(handle, *args)`` and returns its raw result (for non-status returns)."""
        p = self._enter()
        try:
            return fn(p, *args)
        finally:
            self._leave()

    def _before_close(self, ptr: int) -> None:
        """Hook run once, before waiting for calls in flight (e.g. wake blocked waiters)."""

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Releases the C object. Idempotent; later calls on this object raise
        :class:`~lfe.errors.Closed`. Waits for calls running on other threads to return."""
        with self._cv:
            if self._closed:
                return
            self._closed = True
            ptr = self._ptr
            busy = self._busy
        if busy:
            self._before_close(ptr)  # type: ignore[arg-type]
        with self._cv:
            while self._busy:
                self._cv.wait()
            self._ptr = None
        if ptr and self._free_fn is not None:
            type(self)._free_fn(ptr)  # type: ignore[misc]

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # Backstop only: nobody else can hold a reference, so nothing is in flight.
        try:
            if not getattr(self, "_closed", True) and self._ptr and self._free_fn is not None:
                self._closed = True
                ptr, self._ptr = self._ptr, None
                type(self)._free_fn(ptr)  # type: ignore[misc]
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"0x{self._ptr:x}"
        return f"<{type(self).__name__} {state}>"


def check_type(value: Any, cls: Type[Any], what: str) -> None:
    """``TypeError`` unless ``value`` is an instance of ``cls`` (e.g. None for a handle)."""
    if not isinstance(value, cls):
        raise TypeError(f"{what} must be a {cls.__name__}, not {type(value).__name__}")


def iter_items(values: Iterable[Any], what: str) -> List[Any]:
    """Materialises an iterable argument (strings and bytes are refused as iterables)."""
    if isinstance(values, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be an iterable of items, not a single {type(values).__name__}")
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"{what} must be iterable, not {type(values).__name__}") from None
