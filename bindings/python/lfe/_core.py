"""Shared machinery of the Python classes: handles, bytes in, batches out.

* :class:`Handle` owns one opaque C handle. Every call goes through :meth:`Handle._call` (or
  ``_enter``/``_leave``), which counts the calls in flight; :meth:`Handle.close` marks the object closed (later calls raise
  :class:`~lfe.errors.Closed`), waits for the calls in flight to return, and only then frees the
  C handle, so a close racing with calls on other threads can never free memory under them.
  ``__del__`` is a backstop for objects that are never closed.
* :func:`as_bytes` accepts ``bytes``, ``bytearray``, ``memoryview`` and ``str`` (encoded UTF-8)
  and rejects anything else with ``TypeError``.
* :func:`read_batch` turns one ``lfe_batch`` into Python objects, checking its ``kind`` and
  ``record_size`` against the ctypes record type, and always frees it; records are decoded with
  :mod:`struct` from one copy of the record array (:class:`RecordLayout`).
* :func:`pack_bytes_array` builds an ``lfe_bytes[]`` for batch writes from one joined buffer.
"""

from __future__ import annotations

import collections
import ctypes
import math
import struct
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Type, TypeVar

from . import errors
from ._lib import lib, quick
from ._types import batch_p, lfe_batch, lfe_bytes

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


def as_enum(value: Any, enum_cls: Any, what: str) -> int:
    """Checks an enum argument (a member of ``enum_cls`` or its int value) and returns the int.
    A value outside the enum raises :class:`~lfe.errors.Invalid` (a ``ValueError``) here, the
    error C would return, before anything reaches C."""
    v = as_int(int(value) if isinstance(value, enum_cls) else value, what, 0, U32_MAX)
    if v not in enum_cls._value2member_map_:
        names = ", ".join(f"{m.value} ({m.name})" for m in enum_cls)
        raise errors.Invalid(f"{what} must be one of {names}; got {v}", errors.LFE_E_INVALID)
    return v


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


def bytes_at(b: Any) -> bytes:
    """The bytes of a record's byte-string field: rows made by :func:`read_batch` already hold
    ``bytes`` (returned as is); a ctypes ``lfe_bytes`` is copied out."""
    if isinstance(b, bytes):
        return b
    if not b.len:
        return b""
    return ctypes.string_at(b.ptr, b.len)


_CT_CODES = {
    ctypes.c_uint8: "B",
    ctypes.c_uint16: "H",
    ctypes.c_uint32: "I",
    ctypes.c_int32: "i",
    ctypes.c_uint64: "Q",
    ctypes.c_int64: "q",
    ctypes.c_size_t: "N",
    ctypes.c_void_p: "P",
}


class RecordLayout:
    """How to read a ``#[repr(C)]`` record type from raw batch memory with :mod:`struct`.

    Built from the ctypes mirror's ``_fields_`` (``lfe_bytes`` fields are a pointer and a
    length); every field offset is checked against ctypes' own layout. Rows are namedtuples with
    the ctypes field names, byte-string fields already copied out as ``bytes``.
    """

    def __init__(self, record: Type[ctypes.Structure]) -> None:
        fmt = "@"
        names: List[str] = []
        pairs: List[int] = []  # positions (in unpacked values) of lfe_bytes pointers
        pos = 0
        for field in record._fields_:
            name, t = field[0], field[1]
            code = "PN" if t is lfe_bytes else _CT_CODES[t]
            first = code[0]
            off = struct.calcsize(fmt + first) - struct.calcsize("@" + first)
            if off != getattr(record, name).offset:
                raise errors.LibraryError(f"{record.__name__}.{name}: layout mismatch")
            fmt += code
            names.append(name)
            if t is lfe_bytes:
                pairs.append(pos)
                pos += 2
            else:
                pos += 1
        self.record = record
        self.struct = struct.Struct(fmt)
        self.size = ctypes.sizeof(record)
        if self.struct.size > self.size:
            raise errors.LibraryError(f"{record.__name__}: struct layout larger than ctypes'")
        self.pairs = pairs[::-1]  # collapsed from the end so earlier positions stay valid
        self.row: Any = collections.namedtuple(record.__name__ + "_row", names)  # type: ignore[misc]

    def unpacked(self, recs: bytes, count: int) -> Any:
        """Iterates the ``count`` records in ``recs`` as the raw ``struct`` tuples (a byte-string
        field is two items: its pointer and its length)."""
        if self.struct.size == self.size:
            return self.struct.iter_unpack(recs[: count * self.size])
        unpack = self.struct.unpack_from
        size = self.size
        return (unpack(recs, i * size) for i in range(count))

    def rows(self, recs: bytes, count: int, buf: bytes, base: int) -> List[Any]:
        """The ``count`` records in ``recs`` as rows; byte fields are sliced from ``buf``."""
        unpack = self.struct.unpack_from
        size = self.size
        make = self.row._make
        pairs = self.pairs
        blen = len(buf)
        out = []
        if not pairs:
            for i in range(count):
                out.append(make(unpack(recs, i * size)))
            return out
        for i in range(count):
            v = list(unpack(recs, i * size))
            for j in pairs:
                n = v[j + 1]
                if n:
                    o = v[j] - base
                    if o < 0 or o + n > blen:
                        raise errors.LibraryError("batch byte field points outside its buffer")
                    v[j] = buf[o : o + n]
                else:
                    v[j] = b""
                del v[j + 1]
            out.append(make(v))
        return out


def frozen_factory(cls: Type[T]) -> Callable[..., T]:
    """A fast positional constructor for a frozen dataclass (hot read paths).

    It makes the same object as ``cls(*values)`` (a frozen dataclass without ``__slots__``
    keeps its fields in ``__dict__``) but skips the generated ``__init__``, which sets each
    field through ``object.__setattr__`` and costs about twice as much.
    """
    import dataclasses

    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    new = object.__new__

    def make(*values: Any) -> T:
        o = new(cls)
        o.__dict__.update(zip(names, values))
        return o

    return make


_LAYOUTS: Dict[type, RecordLayout] = {}


def layout(record: Type[ctypes.Structure]) -> RecordLayout:
    """The (cached) :class:`RecordLayout` of a ctypes record type."""
    lay = _LAYOUTS.get(record)
    if lay is None:
        lay = _LAYOUTS[record] = RecordLayout(record)
    return lay


def read_batch(
    ptr: Any,
    record: Type[ctypes.Structure],
    kind: int,
    convert: Callable[..., T],
    raw: bool = False,
) -> Tuple[List[T], int, int]:
    """Reads and frees one batch: returns ``(items, next, missed)``.

    ``ptr`` is a ``POINTER(lfe_batch)`` filled by a query. The batch's ``kind`` must equal
    ``kind`` and its ``record_size`` must equal ``ctypes.sizeof(record)``; otherwise the binding
    and library disagree on the layout and :class:`~lfe.errors.LibraryError` is raised rather
    than reading garbage. The records and the byte buffer are each copied out with one
    ``memcpy`` and decoded with :mod:`struct`; ``convert`` gets one row per record (a
    namedtuple with the record's field names, byte-string fields as ``bytes``). With ``raw``
    (hot paths) ``convert(t, buf, base)`` gets the raw ``struct`` tuple instead (a byte-string
    field is a pointer and a length: its bytes are ``buf[ptr - base : ptr - base + len]``);
    ``buf`` is a Python copy, so a wrong offset can only give wrong bytes, never touch memory.
    """
    try:
        recs, buf, base, n, nxt, missed = batch_parts(ptr, record, kind)
        if n == 0:
            items: List[T] = []
        else:
            lay = layout(record)
            if raw:
                items = [convert(t, buf, base) for t in lay.unpacked(recs, n)]
            else:
                items = [convert(r) for r in lay.rows(recs, n, buf, base)]
        return items, nxt, missed
    finally:
        quick.lfe_batch_free(ptr)


#: ``struct lfe_batch`` as :mod:`struct` reads it (one copy of the header instead of a ctypes
#: attribute access per field); checked against the ctypes mirror at import.
_BATCH = struct.Struct("@IINPQQPN")
assert _BATCH.size == ctypes.sizeof(lfe_batch) and lfe_batch.bytes_len.offset == _BATCH.size - 8


def batch_parts(ptr: Any, record: Type[ctypes.Structure],
                kind: int) -> Tuple[bytes, bytes, int, int, int, int]:
    """Copies one batch out (it is not freed): ``(records, bytes, base, count, next, missed)``,
    the record array and the byte buffer each copied with one ``memcpy``; ``base`` is the
    buffer's address in the library (a record's byte field at pointer ``p`` is
    ``bytes[p - base:]``). Raises :class:`~lfe.errors.LibraryError` when the batch's ``kind``
    or ``record_size`` differ from ``kind`` and ``sizeof(record)``: binding and library would
    disagree on the layout, and nothing is read."""
    if not ptr:
        raise errors.LibraryError("lfe query returned OK but no batch")
    k, rsize, n, recs_p, nxt, missed, bytes_p, bytes_len = _BATCH.unpack(bytes(ptr.contents))
    if k != kind:
        raise errors.LibraryError(
            f"batch kind {k} where {record.__name__} (kind {kind}) was expected"
        )
    size = ctypes.sizeof(record)
    if rsize != size:
        raise errors.LibraryError(
            f"batch record_size {rsize} != sizeof({record.__name__}) "
            f"{size}: binding and library layouts differ"
        )
    recs = ctypes.string_at(recs_p, n * size) if n else b""
    buf = ctypes.string_at(bytes_p, bytes_len) if bytes_len else b""
    return recs, buf, bytes_p or 0, n, nxt, missed


S = TypeVar("S", bound=ctypes.Structure)


def sized(struct_type: Type[S]) -> S:
    """A zeroed versioned struct (counters) with ``size`` set, as the C ABI's size rule asks."""
    s = struct_type()
    s.size = ctypes.sizeof(s)
    return s


def new_batch() -> Any:
    """An out-parameter for a query (pass with ``ctypes.byref``)."""
    return batch_p()


class Handle:
    """Owner of one opaque C handle (base class of every lfe object).

    Calls in flight are counted without a lock: a call appends to ``_busy`` and *then* checks
    ``_closed``; :meth:`close` sets ``_closed`` and *then* waits for ``_busy`` to drain. Both
    list operations are atomic in CPython, so either the call sees the object closed (and
    raises :class:`~lfe.errors.Closed`) or ``close`` sees the call and waits for it: the C
    handle is freed only when no call can still be using it.

    Subclasses set ``_free_fn`` (the C ``lfe_<type>_free``) and may override
    :meth:`_before_close` (e.g. to wake blocked waiters with ``lfe_<type>_close``).
    """

    _free_fn: Optional[Callable[[Any], None]] = None
    _what = "lfe object"

    def __init__(self, ptr: Optional[int]) -> None:
        self._busy: List[None] = []
        self._closed = False
        self._ptr = ptr
        self._close_lock = threading.Lock()
        if not ptr:
            self._closed = True
            raise errors.LibraryError(f"{self._what}: constructor returned a NULL handle")

    # -- use and close ----------------------------------------------------------------------
    def _enter(self) -> int:
        """Marks a call in flight and returns the handle (raises ``Closed`` once closed); pair
        with :meth:`_leave`."""
        self._busy.append(None)
        if self._closed:
            self._busy.pop()
            raise errors.Closed(f"{self._what} is closed", errors.LFE_E_CLOSED)
        return self._ptr  # type: ignore[return-value]

    def _leave(self) -> None:
        self._busy.pop()

    def _query(self, fn: Callable[..., int], *args: Any, record: Type[ctypes.Structure], kind: int,
               convert: Callable[..., T], raw: bool = False) -> Tuple[List[T], int, int]:
        """Runs the query ``fn(handle, *args, &batch)`` and reads its batch: ``(items, next,
        missed)`` (see :func:`read_batch`)."""
        b = new_batch()
        self._call(fn, *args, ctypes.byref(b))
        return read_batch(b, record, kind, convert, raw)

    def _call(self, fn: Callable[..., int], *args: Any, what: str = "") -> None:
        """Calls ``fn(handle, *args)`` and raises the status as an exception."""
        busy = self._busy
        busy.append(None)
        try:
            if self._closed:
                raise errors.Closed(f"{self._what} is closed", errors.LFE_E_CLOSED)
            rc = fn(self._ptr, *args)
        finally:
            busy.pop()
        if rc:
            raise errors.make_error(rc, what or getattr(fn, "__name__", ""))

    def _before_close(self, ptr: int) -> None:
        """Hook run once, before waiting for calls in flight (e.g. wake blocked waiters)."""

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Releases the C object. Idempotent; later calls on this object raise
        :class:`~lfe.errors.Closed`. Waits for calls running on other threads to return (a
        structure with blocking calls wakes them first)."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            ptr = self._ptr
            if self._busy:
                self._before_close(ptr)  # type: ignore[arg-type]
            delay = 0.0001
            while self._busy:
                time.sleep(delay)
                delay = min(delay * 2, 0.01)
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
