"""Finding, loading and declaring the lfe shared library.

The library is looked up, in order:

1. the ``LFE_LIBRARY`` environment variable (a path to the library file; if it is set and does
   not load, that is an error — no silent fallback);
2. a copy bundled inside this package (``lfe/_native/``, compiled and put there by the
   package build: ``pip install``/``pip wheel``, see setup.py);
3. the repository's build output (``build/lib/liblfe.so.<ABI>``, found by walking up from this
   package's directory — for use straight from a checkout);
4. the system loader (``liblfe.so.<ABI>`` on the default search path, e.g. after
   ``make install``).

On load the binding compares ``lfe_abi_version()`` with :data:`ABI_VERSION` and raises
:class:`lfe.errors.LibraryError` on a mismatch; it then declares ``argtypes``/``restype`` for
every C function in :data:`SIGNATURES` (a library missing one of them is also refused).

Calls through :data:`lib` (ctypes ``CDLL``) release the GIL, so lfe's lock-free structures are
really used concurrently by Python threads and blocking calls never stall other threads;
:data:`quick` (``PyDLL``) keeps it for short non-blocking calls.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import errors
from ._types import ABI_VERSION, batch_p, c_char_p, c_int32, c_uint32

Signature = Tuple[object, Sequence[object]]

#: ``name -> (restype, argtypes)`` for every C function of include/lfe.h: the foundation's here,
#: each structure module adds its own with :func:`register`. A test parses the header and fails
#: when it declares a function missing here (or with other parameter shapes).
SIGNATURES: Dict[str, Signature] = {
    # --- foundation -----------------------------------------------------------------------
    "lfe_abi_version": (c_uint32, []),
    "lfe_version": (c_char_p, []),
    "lfe_status_str": (c_char_p, [c_int32]),
    "lfe_selftest_panic": (c_int32, []),
    "lfe_batch_free": (None, [batch_p]),
}



def _lib_names() -> List[str]:
    if sys.platform == "darwin":
        return [f"liblfe.{ABI_VERSION}.dylib", "liblfe.dylib"]
    if sys.platform == "win32":
        return ["lfe.dll"]
    return [f"liblfe.so.{ABI_VERSION}", "liblfe.so"]


def candidates() -> List[Tuple[str, str]]:
    """The places the library is looked for, in order, as ``(source, path-or-name)``."""
    out: List[Tuple[str, str]] = []
    env = os.environ.get("LFE_LIBRARY")
    if env:
        out.append(("LFE_LIBRARY", env))
    here = Path(__file__).resolve().parent
    for name in _lib_names():
        p = here / "_native" / name
        if p.exists():
            out.append(("bundled", str(p)))
    for parent in here.parents:
        for name in _lib_names():
            p = parent / "build" / "lib" / name
            if p.exists():
                out.append(("repository build", str(p)))
    found = ctypes.util.find_library("lfe")
    for name in _lib_names() + ([found] if found else []):
        out.append(("system loader", name))
    return out


def declare(lib: ctypes.CDLL, signatures: Dict[str, Signature]) -> None:
    """Sets ``argtypes``/``restype`` of every function in ``signatures``; raises
    :class:`~lfe.errors.LibraryError` listing the functions the library lacks."""
    missing = []
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = list(argtypes)
    if missing:
        raise errors.LibraryError(
            f"lfe library {getattr(lib, '_name', '?')} lacks functions this binding needs: "
            + ", ".join(sorted(missing))
            + " (rebuild the library: make lib)"
        )


def load(path: Optional[str] = None, expected_abi: int = ABI_VERSION) -> Tuple[ctypes.CDLL, str]:
    """Loads and checks the library; returns ``(lib, path)``.

    ``path`` overrides the search. Raises :class:`~lfe.errors.LibraryError` when no candidate
    loads, when the ABI version differs from ``expected_abi``, or when functions are missing.
    """
    tried: List[str] = []
    lib: Optional[ctypes.CDLL] = None
    where = ""
    cands = [("argument", path)] if path else candidates()
    for source, cand in cands:
        try:
            lib = ctypes.CDLL(cand)
            where = cand
            break
        except OSError as e:
            tried.append(f"{source}: {cand} ({e})")
            if source in ("LFE_LIBRARY", "argument"):
                raise errors.LibraryError(
                    f"cannot load the lfe library from {source}={cand!r}: {e}"
                ) from e
    if lib is None:
        raise errors.LibraryError(
            "cannot find the lfe shared library; build it (make lib) or set LFE_LIBRARY. Tried: "
            + "; ".join(tried)
        )
    try:
        abi_fn = lib.lfe_abi_version
    except AttributeError as e:
        raise errors.LibraryError(f"{where} is not an lfe library (no lfe_abi_version)") from e
    abi_fn.restype = c_uint32
    abi_fn.argtypes = []
    got = abi_fn()
    if got != expected_abi:
        raise errors.LibraryError(
            f"lfe ABI mismatch: the library {where} has ABI version {got}, this Python binding "
            f"was written for ABI version {expected_abi}; install a matching library or binding"
        )
    declare(lib, SIGNATURES)
    return lib, where


lib, path = load()

#: The same library opened a second time as :class:`ctypes.PyDLL`: calls through it keep the
#: GIL. Used for the short calls that never block (an append, a tail, freeing a batch), where
#: releasing and retaking the GIL costs more than the lock-free call itself when Python
#: threads contend; calls that may wait (pops, waits, sync) go through :data:`lib`, which
#: releases the GIL. lfe never calls back into Python, so holding the GIL cannot deadlock.
quick = ctypes.PyDLL(path)
declare(quick, SIGNATURES)


def _status_text(code: int) -> str:
    raw = lib.lfe_status_str(code)
    return raw.decode("utf-8", "replace") if raw else "unknown status code"


errors._status_text = _status_text


#: Every ``#define LFE_*`` integer constant of the header the binding knows (C name -> value),
#: other than the ``LFE_E_*`` codes (in :mod:`lfe.errors`) and ``LFE_VERSION_*`` (the loaded
#: library's, see ``lfe.version()``). A test checks it against include/lfe.h.
CONSTANTS: Dict[str, int] = {"LFE_OK": 0, "LFE_ABI_VERSION": ABI_VERSION, "LFE_REC_TEXT": 1}


def register(signatures: Dict[str, Signature], constants: Optional[Dict[str, int]] = None) -> None:
    """Declares a structure module's functions on the loaded library and records them in
    :data:`SIGNATURES` (raises :class:`~lfe.errors.LibraryError` if the library lacks one);
    records its C constants in :data:`CONSTANTS`."""
    declare(lib, signatures)
    declare(quick, signatures)
    SIGNATURES.update(signatures)
    CONSTANTS.update(constants or {})

