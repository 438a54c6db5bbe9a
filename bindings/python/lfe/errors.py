"""Status codes of the C ABI as Python exceptions.

Every fallible C function returns ``LFE_OK`` (0) or a negative ``LFE_E_*`` code. The binding
turns a non-zero code into an instance of one :class:`LfeError` subclass, one class per code
(``Full`` for ``LFE_E_FULL``, ``BadPattern`` for ``LFE_E_BAD_PATTERN``, ...). Each exception
carries ``code`` (the integer) and ``message`` (the library's ``lfe_status_str`` text, plus
what the binding knows about the call).

Where a Python built-in exception means the same thing, the class also derives from it, so
ordinary Python code can catch it: ``Invalid``/``TooLarge``/``BadPattern``/``Null`` are
``ValueError``, ``NotFound`` is ``LookupError``, ``Timeout`` is ``TimeoutError``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple, Type

# The status codes (mirrors of the LFE_E_* macros in include/lfe.h; a test checks they agree).
LFE_OK = 0
LFE_E_NULL = -1
LFE_E_INVALID = -2
LFE_E_FULL = -3
LFE_E_EMPTY = -4
LFE_E_TIMEOUT = -5
LFE_E_NOT_FOUND = -6
LFE_E_BUFFER_TOO_SMALL = -7
LFE_E_CONFLICT = -8
LFE_E_CLOSED = -9
LFE_E_BAD_PATTERN = -10
LFE_E_TOO_LARGE = -11
LFE_E_PANIC = -12
LFE_E_EXISTS = -13
LFE_E_UNSUPPORTED = -14
LFE_E_NOMEM = -15


#: Exception class of each status code (each LfeError subclass given a ``code`` adds itself).
ERRORS: Dict[int, Type["LfeError"]] = {}

#: C name of each status code (``-3`` -> ``"LFE_E_FULL"``), from the constants above.
_CONSTANTS: Dict[int, str] = {v: k for k, v in list(globals().items()) if k.startswith("LFE_E_")}


class LfeError(Exception):
    """Base class of every error reported by lfe.

    Attributes:
        code: the ``LFE_E_*`` status code (a negative integer).
        message: human-readable text (the library's description of the code, and context).
    """

    code: int = 0
    #: Name of the C constant, e.g. ``"LFE_E_FULL"``.
    constant: str = ""

    def __init_subclass__(cls, code: Optional[int] = None, **kwargs: Any) -> None:
        """``class Full(LfeError, code=LFE_E_FULL)`` gives the class its code and constant name
        and registers it in :data:`ERRORS`."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
            cls.constant = _CONSTANTS[code]
            ERRORS[code] = cls

    def __init__(self, message: Optional[str] = None, code: Optional[int] = None) -> None:
        if code is None:
            code = type(self).code
        self.code = code
        if message is None:
            message = status_text(code)
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} ({self.constant or 'code'} {self.code})"

    def __reduce__(self) -> Tuple[Any, Tuple[str, int]]:  # keep pickling/copying working with the two-argument constructor
        return (type(self), (self.message, self.code))


class Null(LfeError, ValueError, code=LFE_E_NULL):
    """``LFE_E_NULL``: a required pointer argument was NULL."""


class Invalid(LfeError, ValueError, code=LFE_E_INVALID):
    """``LFE_E_INVALID``: an argument is out of its documented range."""


class Full(LfeError, code=LFE_E_FULL):
    """``LFE_E_FULL``: the structure is full; the operation would block."""


class Empty(LfeError, code=LFE_E_EMPTY):
    """``LFE_E_EMPTY``: the structure is empty; the operation would block."""


class Timeout(LfeError, TimeoutError, code=LFE_E_TIMEOUT):
    """``LFE_E_TIMEOUT``: a blocking call reached its timeout."""


class NotFound(LfeError, LookupError, code=LFE_E_NOT_FOUND):
    """``LFE_E_NOT_FOUND``: the id, name or key is not present."""


class BufferTooSmall(LfeError, code=LFE_E_BUFFER_TOO_SMALL):
    """``LFE_E_BUFFER_TOO_SMALL``: a caller-supplied buffer is too small."""


class Conflict(LfeError, code=LFE_E_CONFLICT):
    """``LFE_E_CONFLICT``: a compare-and-set lost, or a lock-order violation was found."""


class Closed(LfeError, code=LFE_E_CLOSED):
    """``LFE_E_CLOSED``: the structure was closed (also raised by the binding for a Python object
    used after ``close()``)."""


class BadPattern(LfeError, ValueError, code=LFE_E_BAD_PATTERN):
    """``LFE_E_BAD_PATTERN``: a search pattern failed to compile."""


class TooLarge(LfeError, ValueError, code=LFE_E_TOO_LARGE):
    """``LFE_E_TOO_LARGE``: an input exceeds a configured bound."""


class Panic(LfeError, code=LFE_E_PANIC):
    """``LFE_E_PANIC``: a Rust panic was caught at the ABI boundary; the call had no reliable
    effect."""


class Exists(LfeError, code=LFE_E_EXISTS):
    """``LFE_E_EXISTS``: the key already exists."""


class Unsupported(LfeError, code=LFE_E_UNSUPPORTED):
    """``LFE_E_UNSUPPORTED``: not supported on this platform or in this mode."""


class Nomem(LfeError, MemoryError, code=LFE_E_NOMEM):
    """``LFE_E_NOMEM``: an allocation sized by the configuration or input failed."""


class UnknownStatus(LfeError):
    """A status code this binding does not know (a newer library); ``code`` holds it."""

    constant = "LFE_E_?"


class LibraryError(ImportError):
    """The shared library could not be found or loaded, or its ABI version does not match."""


_status_text: Optional[Callable[[int], str]] = None  # set by lfe._lib once loaded


def status_text(code: int) -> str:
    """The library's static description of ``code`` (``lfe_status_str``)."""
    if _status_text is not None:
        return _status_text(code)
    return "unknown status code"


def error_class(code: int) -> Type[LfeError]:
    """The exception class of status ``code`` (:class:`UnknownStatus` for unknown codes)."""
    return ERRORS.get(code, UnknownStatus)


def make_error(code: int, context: str = "") -> LfeError:
    """An exception instance for a non-zero status ``code``; ``context`` names the call."""
    text = status_text(code)
    if context:
        text = f"{context}: {text}"
    return error_class(code)(text, code)


def check(code: int, context: str = "") -> None:
    """Raises the exception of ``code`` unless it is ``LFE_OK``."""
    if code != LFE_OK:
        raise make_error(code, context)
