"""lfe — Python binding (ctypes) of the lfe lock-free engine.

The package loads the lfe shared library (see :mod:`lfe._lib` for where it looks), checks its
ABI version, and wraps the C ABI in Python classes. Every status code of the C ABI is an
exception class in :mod:`lfe.errors` (base :class:`LfeError`).

Objects own a C handle: use them as context managers or call ``close()``; a closed object raises
:class:`Closed` instead of touching freed memory. Methods that take bytes accept ``bytes``,
``bytearray``, ``memoryview`` and ``str`` (encoded as UTF-8). All objects are safe to share
between threads; calls that may wait release the GIL while lfe runs.
"""

from __future__ import annotations

from . import errors
from . import events as _events
from . import lockdep as _lockdep
from . import log as _log
from . import tables as _tables
from ._lib import lib as _clib
from ._lib import path as library_path
from ._types import ABI_VERSION
from .errors import (
    BadPattern,
    BufferTooSmall,
    Closed,
    Conflict,
    Empty,
    Exists,
    Full,
    Invalid,
    LfeError,
    LibraryError,
    NotFound,
    Nomem,
    Null,
    Panic,
    Timeout,
    TooLarge,
    UnknownStatus,
    Unsupported,
)

from .events import (
    EVENT_BUILD_EVENT,
    EVENT_ERROR_DETECTED,
    EVENT_HOST_MIN,
    EVENT_LOG_LINE,
    EVENT_PROCESS_EXITED,
    EVENT_PROCESS_STARTED,
    EVENT_PROXY_REQUEST,
    EVENT_ROUTE_ADDED,
    EVENT_ROUTE_REMOVED,
    EVENT_TEST_FAILED,
    EVENT_TEST_PASSED,
    EVENT_URL_DETECTED,
    Bus,
    BusStats,
    Event,
    EventIn,
    EventQueue,
    QueueStats,
    Subscription,
    SubStats,
)
from .log import (
    ErrorGroup,
    ErrorKind,
    Level,
    LineFlag,
    LogLine,
    LogLines,
    LogPage,
    LogStats,
    LogStore,
    LogUrl,
    Stream,
    Tag,
)
from .lockdep import (
    LockdepStats,
    LockValidator,
    TrackedLock,
    Violation,
    ViolationKind,
    ViolationPage,
)
from .openmetrics import Collector, metrics
from .tables import (
    REQ_ERROR,
    REQ_TRANSPORT_ERROR,
    REQ_XHR,
    Process,
    ProcessTable,
    ProcState,
    Request,
    RequestLog,
    RequestPage,
    RequestStats,
    Route,
    RouteTable,
)

__version__ = "0.1.0"


def version() -> str:
    """The loaded library's version string (``lfe_version``), e.g. ``"0.1.0"``."""
    return str(_clib.lfe_version().decode("ascii", "replace"))


def abi_version() -> int:
    """The loaded library's ABI version (``lfe_abi_version``)."""
    return int(_clib.lfe_abi_version())


def status_str(code: int) -> str:
    """The library's description of a status code (``lfe_status_str``)."""
    return errors.status_text(code)


def selftest_panic() -> None:
    """Calls ``lfe_selftest_panic``: a deliberate Rust panic inside the library, caught at the
    ABI boundary. Always raises :class:`Panic`; the process and the library go on working."""
    errors.check(_clib.lfe_selftest_panic(), "lfe_selftest_panic")


__all__ = [
    "ABI_VERSION",
    "library_path",
    "version",
    "abi_version",
    "status_str",
    "selftest_panic",
    "errors",
    "LfeError",
    "LibraryError",
    "Null",
    "Invalid",
    "Full",
    "Empty",
    "Timeout",
    "NotFound",
    "BufferTooSmall",
    "Conflict",
    "Closed",
    "BadPattern",
    "TooLarge",
    "Panic",
    "Exists",
    "Unsupported",
    "Nomem",
    "UnknownStatus",
]
# Each part lists its own public names.
__all__ += _log.__all__
__all__ += _lockdep.__all__
__all__ += _tables.__all__
__all__ += _events.__all__
__all__ += ["metrics", "Collector"]
