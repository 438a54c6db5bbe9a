"""The log store: a lock-free ring of log lines with asynchronous enrichment.

``append`` never blocks on readers and never reorders a producer's lines; a background worker
(or :meth:`LogStore.enrich` in manual mode) detects each line's level, tags, URLs and error
groups. Reads (``tail``, ``read``, ``search``, ``urls``, ``errors``) each make one C call and
return frozen dataclasses.

Line text comes back as ``bytes`` (``LogLine.text``; ``LogLine.string`` decodes it as UTF-8 with
replacement), since a process may print any bytes. URLs and error first lines come back as
``str`` (decoded with replacement: they are for display).
"""

from __future__ import annotations

import ctypes
import enum
import struct
import threading
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union, overload

from . import errors
from ._core import (
    U32_MAX,
    U64_MAX,
    Handle,
    as_bytes,
    as_enum,
    as_int,
    bytes_at,
    frozen_factory,
    iter_items,
    layout,
    new_batch,
    read_batch,
    sized,
)
from ._lib import lib, quick, register
from ._types import LFE_REC_TEXT, batch_pp, lfe_bytes, lfe_rec_text

LFE_REC_LOG_LINE = 100
LFE_REC_LOG_URL = 101
LFE_REC_LOG_ERROR_GROUP = 102

SEARCH_LITERAL = 1
SEARCH_CASE_INSENSITIVE = 2
SEARCH_HAS_PROCESS = 4


class Stream(enum.IntEnum):
    """``LFE_LOG_STDOUT`` / ``LFE_LOG_STDERR`` / ``LFE_LOG_SYSTEM``."""

    STDOUT = 0
    STDERR = 1
    SYSTEM = 2


class Level(enum.IntEnum):
    """Detected level (``LFE_LOG_LEVEL_*``)."""

    UNKNOWN = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4
    CRITICAL = 5


class ErrorKind(enum.IntEnum):
    """Kind of an error group (``LFE_ERROR_KIND_*``)."""

    JAVASCRIPT = 1
    GO_PANIC = 2
    PYTHON = 3
    RUST_PANIC = 4
    JAVA = 5
    COMPILER = 6
    GENERIC = 7


class LineFlag(enum.IntFlag):
    """``LFE_LOG_FLAG_*`` bits of a line."""

    TRUNCATED = 1
    ENRICHED = 2
    ERROR_START = 4
    CONTINUATION = 8
    HAS_URL = 16


class Tag(enum.IntFlag):
    """``LFE_LOG_TAG_*`` bits of a line."""

    BUILD = 1
    TEST = 2
    LINT = 4
    COMPILE = 8
    WARNING = 16
    ERROR = 32


#: Largest accepted capacity (lines) and max_line_len (bytes); see ``lfe_log_config``.
MAX_CAPACITY = 1 << 28
MAX_LINE_LEN = 1 << 30
#: Default bytes of evicted lines awaiting reclamation before appenders help free them.
DEFAULT_UNRECLAIMED_BYTES = 8 << 20
#: Bytes an appending thread keeps in its own batch of evicted lines at most.
HANDOVER_BYTES = 64 << 10


# --- ctypes mirrors ---------------------------------------------------------------------------
class lfe_log_config(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("capacity", c_uint64),
        ("max_line_len", c_uint64),
        ("manual", c_uint64),
        ("url_capacity", c_uint64),
        ("error_group_capacity", c_uint64),
        ("error_group_max_lines", c_uint64),
        ("error_group_max_gap_ns", c_uint64),
        ("max_pattern_len", c_uint64),
        ("max_unreclaimed_bytes", c_uint64),
    ]


class lfe_log_input(ctypes.Structure):
    _fields_ = [
        ("process_id", c_uint64),
        ("stream", c_uint32),
        ("ts_ns", c_uint64),
        ("text", lfe_bytes),
    ]


class lfe_log_query(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("pattern", lfe_bytes),
        ("flags", c_uint32),
        ("min_level", c_uint32),
        ("process_id", c_uint64),
        ("since_ns", c_uint64),
        ("until_ns", c_uint64),
        ("limit", c_uint64),
    ]


class lfe_log_counters(ctypes.Structure):
    _fields_ = [
        ("size", c_size_t),
        ("appended", c_uint64),
        ("bytes", c_uint64),
        ("evicted", c_uint64),
        ("truncated", c_uint64),
        ("enriched", c_uint64),
        ("enrich_lag", c_uint64),
        ("inline_enriched", c_uint64),
        ("capacity", c_uint64),
        ("unreclaimed_bytes", c_uint64),
    ]


class lfe_log_line(ctypes.Structure):
    _fields_ = [
        ("seq", c_uint64),
        ("ts_ns", c_uint64),
        ("process_id", c_uint64),
        ("stream", c_uint32),
        ("level", c_uint32),
        ("flags", c_uint32),
        ("tags", c_uint32),
        ("text", lfe_bytes),
    ]


class lfe_log_url(ctypes.Structure):
    _fields_ = [
        ("url", lfe_bytes),
        ("process_id", c_uint64),
        ("first_seen_ns", c_uint64),
        ("last_seen_ns", c_uint64),
        ("count", c_uint64),
    ]


class lfe_log_error_group(ctypes.Structure):
    _fields_ = [
        ("id", c_uint64),
        ("process_id", c_uint64),
        ("kind", c_uint32),
        ("closed", c_uint32),
        ("first_ns", c_uint64),
        ("last_ns", c_uint64),
        ("first_seq", c_uint64),
        ("last_seq", c_uint64),
        ("line_count", c_uint64),
        ("first_line", lfe_bytes),
        ("seqs", lfe_bytes),
    ]


# lfe_log_wait's LFE_TIMEOUT_INFINITE.
_FOREVER = (1 << 64) - 1

_h = c_void_p
register(
    {
        "lfe_log_new": (c_int32, [POINTER(lfe_log_config), POINTER(c_void_p)]),
        "lfe_log_free": (None, [_h]),
        "lfe_log_append": (
            c_int32, [_h, c_uint64, c_uint32, c_uint64, c_char_p, c_size_t, POINTER(c_uint64)]
        ),
        "lfe_log_append_batch": (
            c_int32, [_h, POINTER(lfe_log_input), c_size_t, POINTER(c_uint64)]
        ),
        "lfe_log_read": (c_int32, [_h, c_uint64, c_size_t, batch_pp]),
        "lfe_log_tail": (c_int32, [_h, c_size_t, c_uint32, c_uint64, batch_pp]),
        "lfe_log_tail_into": (
            c_int32,
            # buf is an output buffer: void *, not a byte string in (c_char_p).
            [_h, c_size_t, c_uint32, c_uint64, c_void_p, c_size_t, POINTER(c_size_t),
             POINTER(c_size_t)],
        ),
        "lfe_log_search": (c_int32, [_h, POINTER(lfe_log_query), batch_pp, batch_pp]),
        "lfe_log_urls": (c_int32, [_h, batch_pp]),
        "lfe_log_line_urls": (c_int32, [_h, c_uint64, batch_pp]),
        "lfe_log_errors": (c_int32, [_h, batch_pp]),
        "lfe_log_stats": (c_int32, [_h, POINTER(lfe_log_counters)]),
        "lfe_log_enrich": (c_int32, [_h, c_size_t, POINTER(c_size_t)]),
        "lfe_log_sync": (c_int32, [_h]),
        "lfe_log_clear": (c_int32, [_h]),
        "lfe_log_clear_process": (c_int32, [_h, c_uint64]),
        "lfe_log_wait": (c_int32, [_h, c_uint64, c_uint64]),
        "lfe_log_interrupt": (c_int32, [_h]),
        "lfe_log_close_handle": (c_int32, [_h]),
        "lfe_log_read_process": (c_int32, [_h, c_uint64, batch_pp]),
    },
    {
        "LFE_REC_LOG_LINE": LFE_REC_LOG_LINE,
        "LFE_REC_LOG_URL": LFE_REC_LOG_URL,
        "LFE_REC_LOG_ERROR_GROUP": LFE_REC_LOG_ERROR_GROUP,
        "LFE_LOG_SEARCH_LITERAL": SEARCH_LITERAL,
        "LFE_LOG_SEARCH_CASE_INSENSITIVE": SEARCH_CASE_INSENSITIVE,
        "LFE_LOG_SEARCH_HAS_PROCESS": SEARCH_HAS_PROCESS,
        "LFE_LOG_MAX_CAPACITY": MAX_CAPACITY,
        "LFE_LOG_MAX_LINE_LEN": MAX_LINE_LEN,
        "LFE_LOG_DEFAULT_UNRECLAIMED_BYTES": DEFAULT_UNRECLAIMED_BYTES,
        "LFE_LOG_HANDOVER_BYTES": HANDOVER_BYTES,
        **{f"LFE_LOG_{s.name}": int(s) for s in Stream},
        **{f"LFE_LOG_LEVEL_{s.name}": int(s) for s in Level},
        **{f"LFE_LOG_FLAG_{s.name}": int(s) for s in LineFlag},
        **{f"LFE_LOG_TAG_{s.name}": int(s) for s in Tag},
        **{f"LFE_ERROR_KIND_{s.name}": int(s) for s in ErrorKind},
    },
)


# --- Python values ----------------------------------------------------------------------------
# Decoding tables (building enum/flag members per line is slow; values repeat). A value outside
# them (a newer library) stays a plain int.
_STREAMS = {int(x): x for x in Stream}
_LEVELS = {int(x): x for x in Level}
_FLAGS = {v: LineFlag(v) for v in range(32)}
_TAGS = {v: Tag(v) for v in range(64)}


@dataclass(frozen=True)
class LogLine:
    """One log line (a copy)."""

    seq: int
    ts_ns: int
    process_id: int
    stream: Stream
    level: Level
    flags: LineFlag
    tags: Tag
    #: The line's bytes as appended (possibly cut at ``max_line_len``; see ``flags``).
    text: bytes

    @property
    def string(self) -> str:
        """The text decoded as UTF-8 (invalid bytes replaced)."""
        return self.text.decode("utf-8", "replace")


@dataclass(frozen=True)
class LogPage:
    """Result of :meth:`LogStore.read`: lines, the cursor for the next call, and how many lines
    after the given cursor were evicted before they could be read."""

    lines: List[LogLine]
    next: int
    missed: int


@dataclass(frozen=True)
class LogUrl:
    """A distinct URL seen in the log."""

    url: str
    process_id: int
    first_seen_ns: int
    last_seen_ns: int
    count: int


@dataclass(frozen=True)
class ErrorGroup:
    """A group of lines that report one error (first line + continuation lines)."""

    id: int
    process_id: int
    #: One of :class:`ErrorKind` (``LFE_ERROR_KIND_*``).
    kind: int
    closed: bool
    first_ns: int
    last_ns: int
    first_seq: int
    last_seq: int
    line_count: int
    first_line: str
    seqs: Tuple[int, ...]


@dataclass(frozen=True)
class LogStats:
    appended: int
    bytes: int
    evicted: int
    truncated: int
    enriched: int
    enrich_lag: int
    inline_enriched: int
    capacity: int


_new_line = frozen_factory(LogLine)


def _line(t: Any, buf: bytes, base: int, sg: Any = _STREAMS.get, lg: Any = _LEVELS.get,
          fg: Any = _FLAGS.get, tg: Any = _TAGS.get) -> LogLine:
    # t: raw struct tuple (seq, ts_ns, process_id, stream, level, flags, tags, text ptr, text len)
    n = t[8]
    o = t[7] - base
    return _new_line(t[0], t[1], t[2], sg(t[3], t[3]), lg(t[4], t[4]), fg(t[5], t[5]),
                     tg(t[6], t[6]), buf[o : o + n] if n else b"")


class LogLines(Sequence[LogLine]):
    """The lines of one read, oldest first, decoded when accessed.

    Holds one copy of the records and their texts (for a tail, one buffer the library filled);
    indexing or iterating makes each :class:`LogLine` from them with :mod:`struct` (a line
    read twice is made twice). Compares equal to any sequence of the same lines.
    """

    __slots__ = ("_recs", "_buf", "_base", "_n")

    def __init__(self, recs: Any, buf: bytes, base: int, n: int) -> None:
        # recs: the n records (bytes or a memoryview of buf); a text at address p is
        # buf[p - base:].
        self._recs, self._buf, self._base, self._n = recs, buf, base, n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> LogLine: ...

    @overload
    def __getitem__(self, i: slice) -> List[LogLine]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[LogLine, List[LogLine]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        j = i + self._n if i < 0 else i
        if not 0 <= j < self._n:
            raise IndexError("line index out of range")
        return _line(_LINE.unpack_from(self._recs, j * _LINE_SIZE), self._buf, self._base)

    def __iter__(self) -> Iterator[LogLine]:
        buf, base = self._buf, self._base
        for t in _LINE.iter_unpack(self._recs):
            yield _line(t, buf, base)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(other) == self._n and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"LogLines({list(self)!r})"


_LINE = layout(lfe_log_line).struct
_LINE_SIZE = ctypes.sizeof(lfe_log_line)
assert _LINE.size == _LINE_SIZE  # iter_unpack steps by the record size


class _TailBuffer:
    """The memory of one ``lfe_log_tail_into`` call: the buffer and the two out-parameters,
    with their ``byref`` made once. Reused by the calls of one thread (see :func:`_tail_lines`)."""

    __slots__ = ("buf", "cap", "count", "size", "count_ref", "size_ref")

    def __init__(self, cap: int) -> None:
        self.buf = ctypes.create_string_buffer(cap)
        self.cap = cap
        self.count, self.size = c_size_t(), c_size_t()
        self.count_ref, self.size_ref = _byref(self.count), _byref(self.size)


def _tail_lines(store: "LogStore", n: int, has: int, pid: int) -> LogLines:
    """One ``lfe_log_tail_into`` call into this thread's buffer (a larger one if it was too
    small: again, as lines may be appended in between), copied once into ``bytes``: records
    first, texts after. The buffer is taken out of the thread's slot for the call, so a call
    made meanwhile on this thread (a signal handler) uses a buffer of its own."""
    slot = _tail_slot.__dict__
    tb: _TailBuffer = slot.pop("tb", None) or _TailBuffer(_TAIL_FIRST_CAP)
    while True:
        h = store._enter()
        try:
            rc = _tail_into(h, n, has, pid, tb.buf, tb.cap, tb.count_ref, tb.size_ref)
        finally:
            store._leave()
        if rc != errors.LFE_E_BUFFER_TOO_SMALL:
            break
        tb = _TailBuffer(1 << max(tb.size.value - 1, 1).bit_length())  # a power of two
    if rc:
        raise errors.make_error(rc, "lfe_log_tail_into")
    raw = memoryview(tb.buf)[: tb.size.value].tobytes()
    k = tb.count.value
    lines = LogLines(memoryview(raw)[: k * _LINE_SIZE], raw, ctypes.addressof(tb.buf), k)
    if tb.cap <= _TAIL_KEEP_CAP:
        slot["tb"] = tb
    return lines


#: First buffer of a thread's tails: 16 KiB holds 100 lines of typical length (a record is 56
#: bytes); buffers up to _TAIL_KEEP_CAP are kept for the thread's next tail.
_TAIL_FIRST_CAP = 16384
_TAIL_KEEP_CAP = 1 << 20
_tail_slot = threading.local()
_tail_into = quick.lfe_log_tail_into


def _url(r: lfe_log_url) -> LogUrl:
    return LogUrl(bytes_at(r.url).decode("utf-8", "replace"), r.process_id, r.first_seen_ns,
                  r.last_seen_ns, r.count)


def _group(r: lfe_log_error_group) -> ErrorGroup:
    raw = bytes_at(r.seqs)
    n = min(r.line_count, len(raw) // 8)
    seqs = struct.unpack_from(f"={n}Q", raw) if n else ()  # native-endian u64s
    return ErrorGroup(
        id=r.id,
        process_id=r.process_id,
        kind=r.kind,
        closed=bool(r.closed),
        first_ns=r.first_ns,
        last_ns=r.last_ns,
        first_seq=r.first_seq,
        last_seq=r.last_seq,
        line_count=r.line_count,
        first_line=bytes_at(r.first_line).decode("utf-8", "replace"),
        seqs=seqs,
    )


LineIn = Union[bytes, bytearray, memoryview, str]
_append = quick.lfe_log_append  # never blocks: keeps the GIL
_INPUT = struct.Struct("@QIQPN")
_INPUT_SIZE = ctypes.sizeof(lfe_log_input)
assert _INPUT.size == _INPUT_SIZE and lfe_log_input.text.offset == _INPUT.size - 16
_byref = ctypes.byref


_STREAM_MAX = max(Stream)  # Stream's values are 0..=_STREAM_MAX (the fast path of append)


def _stream(v: Any) -> int:
    return as_enum(v, Stream, "stream")


class LogStore(Handle):
    """A log store (``lfe_log``).

    Args:
        capacity: lines kept (0/None: the library default); older lines are evicted.
        max_line_len: longer lines are cut and flagged ``TRUNCATED``.
        manual: no background worker; call :meth:`enrich` (or :meth:`sync`) to analyse lines.
        url_capacity: distinct URLs kept.
        error_group_capacity, error_group_max_lines, error_group_max_gap_ns: error grouping.
        max_pattern_len: longest search pattern in bytes.

    ``None`` or 0 for any bound takes the library default.
    """

    _free_fn = lib.lfe_log_free
    _what = "LogStore"

    def __init__(self, capacity: Optional[int] = None, max_line_len: Optional[int] = None,
                 manual: bool = False, url_capacity: Optional[int] = None,
                 error_group_capacity: Optional[int] = None,
                 error_group_max_lines: Optional[int] = None,
                 error_group_max_gap_ns: Optional[int] = None,
                 max_pattern_len: Optional[int] = None) -> None:
        c = lfe_log_config()
        c.size = ctypes.sizeof(c)
        for name, v in (("capacity", capacity), ("max_line_len", max_line_len),
                        ("url_capacity", url_capacity),
                        ("error_group_capacity", error_group_capacity),
                        ("error_group_max_lines", error_group_max_lines),
                        ("error_group_max_gap_ns", error_group_max_gap_ns),
                        ("max_pattern_len", max_pattern_len)):
            setattr(c, name, 0 if v is None else as_int(v, name))
        c.manual = 1 if manual else 0
        out = c_void_p()
        errors.check(lib.lfe_log_new(ctypes.byref(c), ctypes.byref(out)), "lfe_log_new")
        super().__init__(out.value)

    # -- writes --------------------------------------------------------------------------------
    def append(self, text: LineIn, process_id: int = 0, stream: int = Stream.STDOUT,
               ts_ns: int = 0) -> int:
        """Appends one line (any bytes; ``str`` is encoded UTF-8); returns its sequence number.
        ``ts_ns`` 0 means now. Never blocks on readers."""
        b = text if type(text) is bytes else as_bytes(text, "text")
        if type(process_id) is not int or not 0 <= process_id <= U64_MAX:
            as_int(process_id, "process_id")
        if type(ts_ns) is not int or not 0 <= ts_ns <= U64_MAX:
            as_int(ts_ns, "ts_ns")
        # The default (a Stream member) and plain ints take the fast path (no enum lookup).
        st = (stream if (type(stream) is Stream or type(stream) is int) and 0 <= stream <= _STREAM_MAX
              else _stream(stream))
        seq = c_uint64()
        busy = self._busy
        busy.append(None)
        try:
            if self._closed:
                raise errors.Closed("LogStore is closed", errors.LFE_E_CLOSED)
            rc = _append(self._ptr, process_id, st, ts_ns, b, len(b), _byref(seq))
        finally:
            busy.pop()
        if rc:
            raise errors.make_error(rc, "lfe_log_append")
        return seq.value

    def append_batch(self, lines: Iterable[LineIn], process_id: int = 0,
                     stream: int = Stream.STDOUT, ts_ns: int = 0) -> int:
        """Appends lines in order with consecutive sequence numbers, in one C call; returns the
        first one's sequence number (nothing is appended on error)."""
        items = [t if type(t) is bytes else as_bytes(t, "line") for t in iter_items(lines, "lines")]
        n = len(items)
        pid = as_int(process_id, "process_id")
        st = _stream(stream)
        ts = as_int(ts_ns, "ts_ns")
        blob = b"".join(items)
        base = ctypes.cast(c_char_p(blob), c_void_p).value or 0
        # Pack the lfe_log_input array with struct (one call per line) instead of setting
        # ctypes fields one by one; the layout is checked against ctypes at import.
        raw = bytearray(max(n, 1) * _INPUT_SIZE)
        pack = _INPUT.pack_into
        off = 0
        for i, b in enumerate(items):
            ln = len(b)
            pack(raw, i * _INPUT_SIZE, pid, st, ts, base + off if ln else 0, ln)
            off += ln
        arr = (lfe_log_input * max(n, 1)).from_buffer(raw)
        seq = c_uint64()
        self._call(lib.lfe_log_append_batch, arr, n, ctypes.byref(seq))
        return seq.value

    # -- reads ---------------------------------------------------------------------------------
    def _lines(self, fn: Any, *args: Any) -> Tuple[List[LogLine], int, int]:
        return self._query(fn, *args, record=lfe_log_line, kind=LFE_REC_LOG_LINE, convert=_line,
                           raw=True)

    def read(self, cursor: int = 0, max: int = 1000) -> LogPage:
        """Up to ``max`` lines with ``seq >= cursor`` (start with 0), oldest first."""
        lines, nxt, missed = self._lines(lib.lfe_log_read, as_int(cursor, "cursor"),
                                         as_int(max, "max", 0, (1 << 63) - 1))
        return LogPage(lines, nxt, missed)

    def follow(self, cursor: int = 0, *, timeout: Optional[float] = None,
               stop: Optional[threading.Event] = None) -> Iterator[LogLine]:
        """Yields the lines from ``cursor`` on, oldest first, then new lines as they are
        appended. When caught up it blocks in ``lfe_log_wait`` (the GIL released; appends wake
        it, no polling). It ends when ``timeout`` seconds pass without a new line, when
        ``stop`` is set (set it, then call :meth:`interrupt` to wake the wait), or when the
        store is closed. Lines evicted before they were read are skipped."""
        limit = _FOREVER if timeout is None else max(0, int(timeout * 1e9))
        while stop is None or not stop.is_set():
            try:
                page = self.read(cursor, 1024)
                cursor = page.next
                if not page.lines and not page.missed:
                    self._call(lib.lfe_log_wait, cursor, limit)
            except (errors.Timeout, errors.Closed):
                return
            yield from page.lines

    def interrupt(self) -> None:
        """Wakes every thread blocked in :meth:`follow` on this store (it checks its ``stop``)."""
        self._call(lib.lfe_log_interrupt)

    def _before_close(self, ptr: int) -> None:
        # Wakes followers blocked in lfe_log_wait (they return CLOSED), so close can wait for
        # them.
        lib.lfe_log_close_handle(ptr)

    def read_process(self, process_id: int) -> List[LogLine]:
        """Every retained line of ``process_id``, oldest first, in one C call."""
        pid = as_int(process_id, "process_id")
        return self._lines(lib.lfe_log_read_process, pid)[0]

    def tail(self, n: int, process_id: Optional[int] = None) -> LogLines:
        """The newest ``n`` lines (only of ``process_id`` if given), oldest first, decoded
        when accessed (:class:`LogLines`)."""
        has = 0 if process_id is None else 1
        pid = 0 if process_id is None else as_int(process_id, "process_id")
        if type(n) is not int or not 0 <= n < 1 << 63:
            as_int(n, "n", 0, (1 << 63) - 1)
        return _tail_lines(self, n, has, pid)

    def search(self, pattern: LineIn, *, literal: bool = False, ignore_case: bool = False,
               process_id: Optional[int] = None, min_level: int = Level.UNKNOWN,
               since_ns: int = 0, until_ns: int = 0, limit: int = 0) -> List[LogLine]:
        """Retained lines matching ``pattern`` (a regular expression, or literal bytes with
        ``literal=True``), the newest ``limit`` matches (0: all), oldest first.

        Raises ``BadPattern`` (a ``ValueError``) with the compiler's message for a pattern that
        does not compile, ``TooLarge`` for one over ``max_pattern_len``.
        """
        pat = as_bytes(pattern, "pattern")
        q = lfe_log_query()
        q.size = ctypes.sizeof(q)
        q.pattern.ptr = ctypes.cast(c_char_p(pat), c_void_p).value if pat else None
        q.pattern.len = len(pat)
        flags = (SEARCH_LITERAL if literal else 0) | (SEARCH_CASE_INSENSITIVE if ignore_case else 0)
        if process_id is not None:
            flags |= SEARCH_HAS_PROCESS
            q.process_id = as_int(process_id, "process_id")
        q.flags = flags
        q.min_level = as_enum(min_level, Level, "min_level")
        q.since_ns = as_int(since_ns, "since_ns")
        q.until_ns = as_int(until_ns, "until_ns")
        q.limit = as_int(limit, "limit")
        out = new_batch()
        err = new_batch()
        p = self._enter()
        try:
            rc = lib.lfe_log_search(p, ctypes.byref(q), ctypes.byref(out), ctypes.byref(err))
        finally:
            self._leave()
        if rc == errors.LFE_E_BAD_PATTERN and err:
            msgs = read_batch(err, lfe_rec_text, LFE_REC_TEXT,
                              lambda r: bytes_at(r.text).decode("utf-8", "replace"))[0]
            raise errors.BadPattern(
                f"lfe_log_search: bad pattern {pat[:200]!r}: " + "; ".join(msgs),
                errors.LFE_E_BAD_PATTERN,
            )
        errors.check(rc, "lfe_log_search")
        return read_batch(out, lfe_log_line, LFE_REC_LOG_LINE, _line, raw=True)[0]

    def urls(self) -> List[LogUrl]:
        """Distinct URLs seen so far, most recently seen first."""
        return self._query(lib.lfe_log_urls, record=lfe_log_url, kind=LFE_REC_LOG_URL,
                           convert=_url)[0]

    def line_urls(self, seq: int) -> List[str]:
        """The URLs of line ``seq``, normalised as in :meth:`urls`, in order of appearance
        (empty when the line has none). One call, one batch.

        Raises ``NotFound`` (a ``LookupError``) when the line is not retained (evicted, not
        appended yet, or hidden by ``clear``/``clear_process``) or not enriched yet (see
        :meth:`sync`).
        """
        return self._query(lib.lfe_log_line_urls, as_int(seq, "seq"), record=lfe_rec_text,
                           kind=LFE_REC_TEXT,
                           convert=lambda r: bytes_at(r.text).decode("utf-8", "replace"))[0]

    def errors(self) -> List[ErrorGroup]:
        """Recent error groups, oldest first."""
        return self._query(lib.lfe_log_errors, record=lfe_log_error_group,
                           kind=LFE_REC_LOG_ERROR_GROUP, convert=_group)[0]

    def stats(self) -> LogStats:
        """The store's counters."""
        s = sized(lfe_log_counters)
        self._call(lib.lfe_log_stats, ctypes.byref(s))
        return LogStats(s.appended, s.bytes, s.evicted, s.truncated, s.enriched, s.enrich_lag,
                        s.inline_enriched, s.capacity)

    # -- enrichment and clearing ---------------------------------------------------------------
    def enrich(self, max_lines: int = 1 << 20) -> int:
        """Enriches up to ``max_lines`` published lines now; returns how many."""
        done = c_size_t()
        self._call(lib.lfe_log_enrich, as_int(max_lines, "max_lines", 0, (1 << 63) - 1),
                   ctypes.byref(done))
        return done.value

    def sync(self) -> None:
        """Enriches every line appended before this call (levels, URLs, error groups)."""
        self._call(lib.lfe_log_sync)

    def clear(self) -> None:
        """Hides every line appended so far and forgets URLs and error groups."""
        self._call(lib.lfe_log_clear)

    def clear_process(self, process_id: int) -> None:
        """Hides the lines of ``process_id`` and forgets its URLs and error groups."""
        self._call(lib.lfe_log_clear_process, as_int(process_id, "process_id"))


__all__ = [
    "LogStore",
    "LogLine",
    "LogLines",
    "LogPage",
    "LogUrl",
    "ErrorGroup",
    "LogStats",
    "Stream",
    "ErrorKind",
    "Level",
    "LineFlag",
    "Tag",
]
