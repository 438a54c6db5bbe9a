"""Process table, route table (RCU snapshots) and request log.

* :class:`ProcessTable` — registered processes with a compare-and-set state machine;
  reads (``get``, ``find``, ``list``) are wait-free and see one consistent snapshot.
* :class:`RouteTable` — proxy routes: longest-prefix ``lookup`` and URL ``attribute``.
* :class:`RequestLog` — a bounded ring of proxied requests with per-route counters.

Text fields come back as ``str`` decoded from UTF-8 with ``surrogateescape`` (so passing one
back gives exactly the bytes the library holds); inputs accept ``bytes``, ``bytearray``,
``memoryview`` or ``str``.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import POINTER, c_char_p, c_int32, c_size_t, c_uint32, c_uint64, c_void_p
from dataclasses import dataclass
from typing import (Any, Callable, Dict, Generic, Iterable, List, Mapping, Optional, Tuple, Type,
                    TypeVar, Union)

from . import errors
from ._core import (
    U32_MAX,
    Handle,
    as_bytes,
    as_enum,
    as_int,
    bytes_at,
    iter_items,
    sized,
)
from ._lib import lib, register
from ._types import batch_pp, lfe_bytes

R = TypeVar("R")

LFE_REC_PROC = 200
LFE_REC_ROUTE = 201
LFE_REC_REQUEST = 202


# --- ctypes mirrors ---------------------------------------------------------------------------
class lfe_procs_config(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("max_procs", c_size_t), ("max_labels", c_size_t),
                ("max_field", c_size_t)]


class lfe_label(ctypes.Structure):
    _fields_ = [("key", lfe_bytes), ("value", lfe_bytes)]


class lfe_proc_spec(ctypes.Structure):
    _fields_ = [("name", lfe_bytes), ("command", lfe_bytes), ("cwd", lfe_bytes),
                ("labels", c_void_p), ("label_count", c_size_t)]


class lfe_proc_record(ctypes.Structure):
    _fields_ = [
        ("id", c_uint64),
        ("start_ns", c_uint64),
        ("end_ns", c_uint64),
        ("state", c_uint32),
        ("exit_code", c_int32),
        ("pid", c_uint32),
        ("restarts", c_uint32),
        ("label_count", c_uint32),
        ("reserved", c_uint32),
        ("name", lfe_bytes),
        ("command", lfe_bytes),
        ("cwd", lfe_bytes),
        ("labels", lfe_bytes),
    ]


class lfe_routes_config(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("max_routes", c_size_t), ("max_field", c_size_t)]


class lfe_route_spec(ctypes.Structure):
    _fields_ = [
        ("host", lfe_bytes),
        ("path_prefix", lfe_bytes),
        ("target", lfe_bytes),
        ("label", lfe_bytes),
        ("process_id", c_uint64),
        ("proxy_port", c_uint32),
    ]


class lfe_route_record(ctypes.Structure):
    _fields_ = [
        ("id", c_uint64),
        ("process_id", c_uint64),
        ("proxy_port", c_uint32),
        ("reserved", c_uint32),
        ("host", lfe_bytes),
        ("path_prefix", lfe_bytes),
        ("target", lfe_bytes),
        ("label", lfe_bytes),
    ]


class lfe_requests_config(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("capacity", c_size_t), ("max_routes", c_size_t),
                ("max_field", c_size_t), ("max_bytes", c_size_t)]


_REQ_COMMON: List[Tuple[str, Any]] = [
    ("time_ns", c_uint64),
    ("duration_ns", c_uint64),
    ("bytes", c_uint64),
    ("process_id", c_uint64),
    ("route_id", c_uint64),
    ("status", c_uint32),
    ("flags", c_uint32),
    ("method", lfe_bytes),
    ("host", lfe_bytes),
    ("path", lfe_bytes),
    ("trace_id", lfe_bytes),
]


class lfe_request_in(ctypes.Structure):
    _fields_ = list(_REQ_COMMON)


class lfe_request_record(ctypes.Structure):
    _fields_ = [("seq", c_uint64)] + _REQ_COMMON


class lfe_request_stats(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("requests", c_uint64), ("errors", c_uint64), ("bytes", c_uint64),
                ("p50_ns", c_uint64), ("p90_ns", c_uint64), ("p99_ns", c_uint64)]


_h = c_void_p
_out_h = POINTER(c_void_p)
register(
    {
        "lfe_procs_new": (c_int32, [POINTER(lfe_procs_config), _out_h]),
        "lfe_procs_free": (None, [_h]),
        "lfe_procs_close_handle": (c_int32, [_h]),
        "lfe_procs_insert": (c_int32, [_h, POINTER(lfe_proc_spec), POINTER(c_uint64)]),
        "lfe_procs_get": (c_int32, [_h, c_uint64, batch_pp]),
        "lfe_procs_find": (c_int32, [_h, c_char_p, c_size_t, batch_pp]),
        "lfe_procs_list": (c_int32, [_h, batch_pp]),
        "lfe_procs_transition": (c_int32, [_h, c_uint64, c_uint32, c_uint32, c_int32]),
        "lfe_procs_set_pid": (c_int32, [_h, c_uint64, c_uint32]),
        "lfe_procs_remove": (c_int32, [_h, c_uint64]),
        "lfe_procs_count": (c_int32, [_h, POINTER(c_size_t)]),
        "lfe_procs_generation": (c_int32, [_h, POINTER(c_uint64)]),
        "lfe_routes_new": (c_int32, [POINTER(lfe_routes_config), _out_h]),
        "lfe_routes_free": (None, [_h]),
        "lfe_routes_close_handle": (c_int32, [_h]),
        "lfe_routes_add": (c_int32, [_h, POINTER(lfe_route_spec), POINTER(c_uint64)]),
        "lfe_routes_replace": (c_int32, [_h, c_uint64, POINTER(lfe_route_spec)]),
        "lfe_routes_remove": (c_int32, [_h, c_uint64]),
        "lfe_routes_get": (c_int32, [_h, c_uint64, batch_pp]),
        "lfe_routes_lookup": (c_int32, [_h, c_char_p, c_size_t, c_char_p, c_size_t, batch_pp]),
        "lfe_routes_attribute": (c_int32, [_h, c_char_p, c_size_t, batch_pp]),
        "lfe_routes_list": (c_int32, [_h, batch_pp]),
        "lfe_routes_count": (c_int32, [_h, POINTER(c_size_t)]),
        "lfe_routes_generation": (c_int32, [_h, POINTER(c_uint64)]),
        "lfe_requests_new": (c_int32, [POINTER(lfe_requests_config), _out_h]),
        "lfe_requests_free": (None, [_h]),
        "lfe_requests_close_handle": (c_int32, [_h]),
        "lfe_requests_record": (c_int32, [_h, POINTER(lfe_request_in), POINTER(c_uint64)]),
        "lfe_requests_record_batch": (
            c_int32, [_h, POINTER(lfe_request_in), c_size_t, POINTER(c_uint64)]
        ),
        "lfe_requests_read": (c_int32, [_h, c_uint64, c_size_t, batch_pp]),
        "lfe_requests_recent": (c_int32, [_h, c_size_t, batch_pp]),
        "lfe_requests_route_stats": (c_int32, [_h, c_uint64, POINTER(lfe_request_stats)]),
        "lfe_requests_global_stats": (c_int32, [_h, POINTER(lfe_request_stats)]),
        "lfe_requests_retained_bytes": (c_int32, [_h, POINTER(c_size_t)]),
    },
    {
        "LFE_REC_PROC": LFE_REC_PROC,
        "LFE_REC_ROUTE": LFE_REC_ROUTE,
        "LFE_REC_REQUEST": LFE_REC_REQUEST,
        "LFE_REQ_ERROR": 1,
        "LFE_REQ_XHR": 2,
        "LFE_REQ_TRANSPORT_ERROR": 4,
        "LFE_PROCS_MAX_PROCS": 1 << 16,
        "LFE_PROCS_MAX_LABELS": 256,
        "LFE_PROCS_MAX_FIELD": 1 << 20,
        "LFE_ROUTES_MAX_ROUTES": 1 << 16,
        "LFE_ROUTES_MAX_FIELD": 1 << 16,
        "LFE_REQUESTS_MAX_CAPACITY": 1 << 24,
        "LFE_REQUESTS_MAX_ROUTES": 1 << 14,
        "LFE_REQUESTS_MAX_FIELD": 1 << 16,
        "LFE_REQUESTS_DEFAULT_MAX_BYTES": 16 << 20,
        "LFE_REQUESTS_SLOT_BYTES": 256,
        "LFE_REQUESTS_INLINE_BYTES": 168,
    },
)

BytesIn = Union[bytes, bytearray, memoryview, str]


def _text(b: lfe_bytes) -> str:
    return bytes_at(b).decode("utf-8", "surrogateescape")


def _config(struct: Any, defaults: Mapping[str, int], given: Mapping[str, Optional[int]]) -> Any:
    """A config struct (or None for the library defaults when nothing was given)."""
    if all(v is None for v in given.values()):
        return None
    cfg = struct()
    cfg.size = ctypes.sizeof(struct)
    for name, default in defaults.items():
        v = given.get(name)
        setattr(cfg, name, default if v is None else as_int(v, name, 0, (1 << 63) - 1))
    return ctypes.byref(cfg)


def _set_bytes(field_owner: Any, name: str, value: Any, keep: List[bytes]) -> None:
    b = as_bytes(value, name)
    keep.append(b)
    lb = getattr(field_owner, name)
    lb.ptr = ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p).value if b else None
    lb.len = len(b)


# ==========================================================================================
# Process table


class ProcState(enum.IntEnum):
    """Process states (``LFE_PROC_*``)."""

    PENDING = 0
    STARTING = 1
    RUNNING = 2
    STOPPING = 3
    STOPPED = 4
    EXITED = 5
    FAILED = 6


register({}, {f"LFE_PROC_{st.name}": int(st) for st in ProcState})


def _decode_labels(raw: bytes, count: int) -> Tuple[Tuple[str, str], ...]:
    out = []
    i = 0
    for _ in range(count):
        kl = int.from_bytes(raw[i : i + 4], "little")
        k = raw[i + 4 : i + 4 + kl]
        i += 4 + kl
        vl = int.from_bytes(raw[i : i + 4], "little")
        v = raw[i + 4 : i + 4 + vl]
        i += 4 + vl
        out.append(
            (k.decode("utf-8", "surrogateescape"), v.decode("utf-8", "surrogateescape"))
        )
    return tuple(out)


@dataclass(frozen=True)
class Process:
    """One process record (a copy; later changes to the table do not affect it)."""

    id: int
    name: str
    command: str
    cwd: str
    state: ProcState
    exit_code: int
    pid: int
    restarts: int
    start_ns: int
    end_ns: int
    labels: Tuple[Tuple[str, str], ...]

    @property
    def label_dict(self) -> Dict[str, str]:
        """The labels as a dict."""
        return dict(self.labels)


def _process(r: lfe_proc_record) -> Process:
    try:
        st = ProcState(r.state)
    except ValueError:  # a newer library's state: keep the number
        st = r.state
    return Process(
        id=r.id,
        name=_text(r.name),
        command=_text(r.command),
        cwd=_text(r.cwd),
        state=st,
        exit_code=r.exit_code,
        pid=r.pid,
        restarts=r.restarts,
        start_ns=r.start_ns,
        end_ns=r.end_ns,
        labels=_decode_labels(bytes_at(r.labels), r.label_count),
    )


class _SnapshotTable(Handle, Generic[R]):
    """What the process and route tables share: reads of one consistent snapshot, whose records
    come back in a batch of ``record`` rows of kind ``kind``, each made into an ``R`` by
    ``convert``. A subclass names these and its C prefix (``lfe_<c_name>_*``) in its class line.
    """

    _record: Type[ctypes.Structure]
    _kind: int
    _convert: Callable[..., R]
    _list_fn: Callable[..., int]
    _count_fn: Callable[..., int]
    _generation_fn: Callable[..., int]

    def __init_subclass__(cls, c_name: str, record: Type[ctypes.Structure], kind: int,
                          convert: Callable[..., R], **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._what = cls.__name__
        cls._record, cls._kind = record, kind
        cls._convert = staticmethod(convert)
        cls._free_fn = getattr(lib, f"lfe_{c_name}_free")
        cls._list_fn = getattr(lib, f"lfe_{c_name}_list")
        cls._count_fn = getattr(lib, f"lfe_{c_name}_count")
        cls._generation_fn = getattr(lib, f"lfe_{c_name}_generation")

    def _one(self, fn: Any, *args: Any) -> R:
        items, _, _ = self._query(fn, *args, record=self._record, kind=self._kind,
                                  convert=type(self)._convert)
        return items[0]

    def list(self) -> List[R]:
        """Every record from one consistent snapshot, sorted by id."""
        return self.snapshot()[0]

    def snapshot(self) -> Tuple[List[R], int]:
        """Every record from one snapshot, and that snapshot's generation."""
        items, gen, _ = self._query(type(self)._list_fn, record=self._record, kind=self._kind,
                                    convert=type(self)._convert)
        return items, gen

    def __len__(self) -> int:
        out = ctypes.c_size_t()
        self._call(type(self)._count_fn, ctypes.byref(out))
        return out.value

    @property
    def generation(self) -> int:
        """Changes on every write, never goes backwards (starts at 1)."""
        out = ctypes.c_uint64()
        self._call(type(self)._generation_fn, ctypes.byref(out))
        return out.value


class ProcessTable(_SnapshotTable[Process], c_name="procs", record=lfe_proc_record,
                   kind=LFE_REC_PROC, convert=_process):
    """A process table (``lfe_procs``): wait-free reads of consistent snapshots.

    Args:
        max_procs: most records at once (library default 4096).
        max_labels: most labels per record (default 16).
        max_field: longest name/command/cwd/label in bytes (default 4096).
    """

    _DEFAULTS = {"max_procs": 4096, "max_labels": 16, "max_field": 4096}

    def __init__(
        self,
        max_procs: Optional[int] = None,
        max_labels: Optional[int] = None,
        max_field: Optional[int] = None,
    ) -> None:
        cfg = _config(
            lfe_procs_config,
            self._DEFAULTS,
            {"max_procs": max_procs, "max_labels": max_labels, "max_field": max_field},
        )
        out = ctypes.c_void_p()
        errors.check(lib.lfe_procs_new(cfg, ctypes.byref(out)), "lfe_procs_new")
        super().__init__(out.value)

    def insert(
        self,
        name: BytesIn,
        command: BytesIn = b"",
        cwd: BytesIn = b"",
        labels: Optional[Union[Mapping[Any, Any], Iterable[Tuple[Any, Any]]]] = None,
    ) -> int:
        """Registers a process (state ``PENDING``); returns its id (ids start at 1).

        Raises ``Exists`` (name taken), ``Full``, ``TooLarge``, ``Invalid`` (empty name).
        """
        keep: List[bytes] = []
        spec = lfe_proc_spec()
        _set_bytes(spec, "name", name, keep)
        _set_bytes(spec, "command", command, keep)
        _set_bytes(spec, "cwd", cwd, keep)
        pairs = list(labels.items()) if isinstance(labels, Mapping) else iter_items(labels or [], "labels")
        arr = (lfe_label * max(len(pairs), 1))()
        for i, pair in enumerate(pairs):
            if not isinstance(pair, tuple) or len(pair) != 2:
                raise TypeError("labels must be a mapping or (key, value) pairs")
            _set_bytes(arr[i], "key", pair[0], keep)
            _set_bytes(arr[i], "value", pair[1], keep)
        spec.labels = ctypes.cast(arr, ctypes.c_void_p).value if pairs else None
        spec.label_count = len(pairs)
        out = ctypes.c_uint64()
        self._call(lib.lfe_procs_insert, ctypes.byref(spec), ctypes.byref(out))
        return out.value

    def get(self, id: int) -> Process:
        """The record of ``id``; raises ``NotFound``."""
        return self._one(lib.lfe_procs_get, as_int(id, "id"))

    def find(self, name: BytesIn) -> Process:
        """The record named ``name``; raises ``NotFound``."""
        b = as_bytes(name, "name")
        return self._one(lib.lfe_procs_find, b, len(b))

    def transition(self, id: int, expected: int, new_state: int, exit_code: int = 0) -> None:
        """Compare-and-set of the state of ``id`` from ``expected`` to ``new_state``.

        Raises ``Conflict`` when the state is no longer ``expected``, ``Invalid`` for an
        illegal edge or exit code, ``NotFound``.
        """
        self._call(
            lib.lfe_procs_transition,
            as_int(id, "id"),
            as_enum(expected, ProcState, "expected"),
            as_enum(new_state, ProcState, "new_state"),
            as_int(exit_code, "exit_code", -(1 << 31), (1 << 31) - 1),
        )

    def set_pid(self, id: int, pid: int) -> None:
        """Records the OS pid of ``id``."""
        self._call(lib.lfe_procs_set_pid, as_int(id, "id"), as_int(pid, "pid", 0, U32_MAX))

    def remove(self, id: int) -> None:
        """Removes ``id`` (its id is never reused); raises ``NotFound``."""
        self._call(lib.lfe_procs_remove, as_int(id, "id"))



# ==========================================================================================
# Route table


@dataclass(frozen=True)
class Route:
    """One route record."""

    id: int
    host: str
    path_prefix: str
    target: str
    label: str
    process_id: int
    proxy_port: int


def _route(r: lfe_route_record) -> Route:
    return Route(
        id=r.id,
        host=_text(r.host),
        path_prefix=_text(r.path_prefix),
        target=_text(r.target),
        label=_text(r.label),
        process_id=r.process_id,
        proxy_port=r.proxy_port,
    )


class RouteTable(_SnapshotTable[Route], c_name="routes", record=lfe_route_record,
                 kind=LFE_REC_ROUTE, convert=_route):
    """A route table (``lfe_routes``): wait-free longest-prefix lookups.

    Args:
        max_routes: most routes at once (library default 1024).
        max_field: longest host/prefix/target/label in bytes (default 2048).
    """

    _DEFAULTS = {"max_routes": 1024, "max_field": 2048}

    def __init__(self, max_routes: Optional[int] = None, max_field: Optional[int] = None) -> None:
        cfg = _config(
            lfe_routes_config, self._DEFAULTS, {"max_routes": max_routes, "max_field": max_field}
        )
        out = ctypes.c_void_p()
        errors.check(lib.lfe_routes_new(cfg, ctypes.byref(out)), "lfe_routes_new")
        super().__init__(out.value)

    @staticmethod
    def _spec(host: Any, path_prefix: Any, target: Any, label: Any, process_id: int,
              proxy_port: int, keep: List[bytes]) -> lfe_route_spec:
        s = lfe_route_spec()
        _set_bytes(s, "host", host, keep)
        _set_bytes(s, "path_prefix", path_prefix, keep)
        _set_bytes(s, "target", target, keep)
        _set_bytes(s, "label", label, keep)
        s.process_id = as_int(process_id, "process_id")
        s.proxy_port = as_int(proxy_port, "proxy_port", 0, U32_MAX)
        return s

    def add(self, host: BytesIn, path_prefix: BytesIn, target: BytesIn, label: BytesIn = b"",
            process_id: int = 0, proxy_port: int = 0) -> int:
        """Adds a route; returns its id. ``host`` is ``name``, ``name:port`` or ``*``;
        ``path_prefix`` starts with ``/``. Raises ``Exists``, ``Full``, ``Invalid``,
        ``TooLarge``."""
        keep: List[bytes] = []
        s = self._spec(host, path_prefix, target, label, process_id, proxy_port, keep)
        out = ctypes.c_uint64()
        self._call(lib.lfe_routes_add, ctypes.byref(s), ctypes.byref(out))
        return out.value

    def replace(self, id: int, host: BytesIn, path_prefix: BytesIn, target: BytesIn,
                label: BytesIn = b"", process_id: int = 0, proxy_port: int = 0) -> None:
        """Replaces route ``id`` (the id stays)."""
        keep: List[bytes] = []
        s = self._spec(host, path_prefix, target, label, process_id, proxy_port, keep)
        self._call(lib.lfe_routes_replace, as_int(id, "id"), ctypes.byref(s))

    def remove(self, id: int) -> None:
        """Removes route ``id``; raises ``NotFound``."""
        self._call(lib.lfe_routes_remove, as_int(id, "id"))

    def get(self, id: int) -> Route:
        """Route ``id``; raises ``NotFound``."""
        return self._one(lib.lfe_routes_get, as_int(id, "id"))

    def lookup(self, host: BytesIn, path: BytesIn) -> Route:
        """The route for a request to ``host`` + ``path`` (longest prefix; then ``*``
        routes); raises ``NotFound``."""
        h = as_bytes(host, "host")
        p = as_bytes(path, "path")
        return self._one(lib.lfe_routes_lookup, h, len(h), p, len(p))

    def attribute(self, url: BytesIn) -> Route:
        """The route a URL belongs to (read its ``process_id``); raises ``NotFound``."""
        u = as_bytes(url, "url")
        return self._one(lib.lfe_routes_attribute, u, len(u))


# ==========================================================================================
# Request log

#: Request flag set by lfe: status >= 400 or a transport error.
REQ_ERROR = 1
#: Request flag set by the host: an XHR / fetch request.
REQ_XHR = 2
#: Request flag set by the host: the upstream could not be reached (implies REQ_ERROR).
REQ_TRANSPORT_ERROR = 4


@dataclass(frozen=True)
class Request:
    """One recorded request."""

    seq: int
    time_ns: int
    duration_ns: int
    bytes: int
    process_id: int
    route_id: int
    status: int
    flags: int
    method: str
    host: str
    path: str
    trace_id: str


@dataclass(frozen=True)
class RequestStats:
    """Counters of a route (or of every request); percentiles are log-bucket upper bounds."""

    requests: int
    errors: int
    bytes: int
    p50_ns: int
    p90_ns: int
    p99_ns: int


@dataclass(frozen=True)
class RequestPage:
    """The result of :meth:`RequestLog.read`: requests, the next cursor, and how many requests
    after the given cursor were evicted before they could be read."""

    requests: List[Request]
    next: int
    missed: int


def _request(r: lfe_request_record) -> Request:
    return Request(
        seq=r.seq,
        time_ns=r.time_ns,
        duration_ns=r.duration_ns,
        bytes=r.bytes,
        process_id=r.process_id,
        route_id=r.route_id,
        status=r.status,
        flags=r.flags,
        method=_text(r.method),
        host=_text(r.host),
        path=_text(r.path),
        trace_id=_text(r.trace_id),
    )


def _request_in(req: Mapping[str, Any], keep: List[bytes], into: lfe_request_in) -> None:
    if not isinstance(req, Mapping):
        raise TypeError(f"a request must be a mapping of fields, not {type(req).__name__}")
    unknown = set(req) - {
        "time_ns", "duration_ns", "bytes", "process_id", "route_id", "status", "flags",
        "method", "host", "path", "trace_id",
    }
    if unknown:
        raise TypeError(f"unknown request fields: {sorted(unknown)}")
    for name in ("time_ns", "duration_ns", "bytes", "process_id", "route_id"):
        setattr(into, name, as_int(req.get(name, 0), name))
    into.status = as_int(req.get("status", 0), "status", 0, U32_MAX)
    into.flags = as_int(req.get("flags", 0), "flags", 0, U32_MAX)
    for name in ("method", "host", "path", "trace_id"):
        _set_bytes(into, name, req.get(name, b""), keep)


class RequestLog(Handle):
    """A request log (``lfe_requests``): a bounded ring plus per-route counters.

    Args:
        capacity: requests kept (library default 1000; at most 2**24, more is ``TooLarge``).
        max_routes: routes with their own counters (default 1024).
        max_field: longest method/host/path/trace id in bytes (default 4096).
        max_bytes: most bytes the ring retains, slots plus long fields (default 16 MiB);
            the oldest long fields are evicted first (counted as missed).

    Requests are given as keyword arguments or mappings with the fields of :class:`Request`
    (except ``seq``); missing fields are 0 or empty.
    """

    _free_fn = lib.lfe_requests_free
    _what = "RequestLog"
    _DEFAULTS = {"capacity": 1000, "max_routes": 1024, "max_field": 4096,
                 "max_bytes": 0}  # 0: the library default (16 MiB)

    def __init__(self, capacity: Optional[int] = None, max_routes: Optional[int] = None,
                 max_field: Optional[int] = None, max_bytes: Optional[int] = None) -> None:
        cfg = _config(
            lfe_requests_config,
            self._DEFAULTS,
            {"capacity": capacity, "max_routes": max_routes, "max_field": max_field,
             "max_bytes": max_bytes},
        )
        out = ctypes.c_void_p()
        errors.check(lib.lfe_requests_new(cfg, ctypes.byref(out)), "lfe_requests_new")
        super().__init__(out.value)

    def record(self, **fields: Any) -> int:
        """Records one request; returns its sequence number (0, 1, 2, ...). Never blocks."""
        keep: List[bytes] = []
        r = lfe_request_in()
        _request_in(fields, keep, r)
        out = ctypes.c_uint64()
        self._call(lib.lfe_requests_record, ctypes.byref(r), ctypes.byref(out))
        return out.value

    def record_batch(self, requests: Iterable[Mapping[str, Any]]) -> int:
        """Records requests in order with consecutive sequence numbers (all or nothing);
        returns the first one's sequence number."""
        items = iter_items(requests, "requests")
        keep: List[bytes] = []
        arr = (lfe_request_in * max(len(items), 1))()
        for i, req in enumerate(items):
            _request_in(req, keep, arr[i])
        out = ctypes.c_uint64()
        self._call(lib.lfe_requests_record_batch, arr, len(items), ctypes.byref(out))
        return out.value

    def read(self, cursor: int = 0, max: int = 1000) -> RequestPage:
        """Up to ``max`` requests after ``cursor`` (start with 0), oldest first."""
        items, nxt, missed = self._query(
            lib.lfe_requests_read, as_int(cursor, "cursor"), as_int(max, "max", 0, (1 << 63) - 1),
            record=lfe_request_record, kind=LFE_REC_REQUEST, convert=_request)
        return RequestPage(items, nxt, missed)

    def recent(self, n: int) -> List[Request]:
        """The last ``n`` requests still in the ring, oldest first."""
        return self._query(lib.lfe_requests_recent, as_int(n, "n", 0, (1 << 63) - 1),
                           record=lfe_request_record, kind=LFE_REC_REQUEST, convert=_request)[0]

    @staticmethod
    def _stats(s: lfe_request_stats) -> RequestStats:
        return RequestStats(s.requests, s.errors, s.bytes, s.p50_ns, s.p90_ns, s.p99_ns)

    def route_stats(self, route_id: int) -> RequestStats:
        """Counters of ``route_id`` (0: unrouted); raises ``NotFound`` if it has none."""
        s = sized(lfe_request_stats)
        self._call(lib.lfe_requests_route_stats, as_int(route_id, "route_id"), ctypes.byref(s))
        return self._stats(s)

    def stats(self) -> RequestStats:
        """Counters over every request."""
        s = sized(lfe_request_stats)
        self._call(lib.lfe_requests_global_stats, ctypes.byref(s))
        return self._stats(s)

    def retained_bytes(self) -> int:
        """Bytes the ring retains now (slots committed so far plus long fields); never more
        than ``max_bytes``."""
        n = ctypes.c_size_t()
        self._call(lib.lfe_requests_retained_bytes, ctypes.byref(n))
        return n.value


__all__ = [
    "ProcState",
    "Process",
    "ProcessTable",
    "Route",
    "RouteTable",
    "Request",
    "RequestStats",
    "RequestPage",
    "RequestLog",
    "REQ_ERROR",
    "REQ_XHR",
    "REQ_TRANSPORT_ERROR",
]
