"""ctypes mirrors of the C ABI's structs and constants (include/lfe.h).

Every ``#[repr(C)]`` struct of the header has a ``ctypes.Structure`` here with the same fields in
the same order; batches are checked against ``ctypes.sizeof`` of these at run time (a batch whose
``record_size`` differs raises instead of being misread), and the test suite checks the field
names against the header.
"""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    c_char_p,
    c_int32,
    c_size_t,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)

#: The ABI version this binding was written for (``LFE_ABI_VERSION``).
ABI_VERSION = 1

# Record kinds (LFE_REC_*).
LFE_REC_TEXT = 1


class lfe_bytes(ctypes.Structure):
    """``struct lfe_bytes``: ``len`` bytes at ``ptr`` (not NUL-terminated)."""

    _fields_ = [("ptr", c_void_p), ("len", c_size_t)]


class lfe_batch(ctypes.Structure):
    """``struct lfe_batch``: the one result object every query returns."""

    _fields_ = [
        ("kind", c_uint32),
        ("record_size", c_uint32),
        ("count", c_size_t),
        ("records", c_void_p),
        ("next", c_uint64),
        ("missed", c_uint64),
        ("bytes", c_void_p),
        ("bytes_len", c_size_t),
    ]


class lfe_rec_text(ctypes.Structure):
    """``struct lfe_rec_text`` (``LFE_REC_TEXT``): one byte string."""

    _fields_ = [("text", lfe_bytes)]


#: Opaque handle pointer type (all handles are passed as ``void *`` by the binding).
handle_p = c_void_p
batch_p = POINTER(lfe_batch)
batch_pp = POINTER(batch_p)

__all__ = [
    "ABI_VERSION",
    "LFE_REC_TEXT",
    "lfe_bytes",
    "lfe_batch",
    "lfe_rec_text",
    "handle_p",
    "batch_p",
    "batch_pp",
    "c_char_p",
    "c_int32",
    "c_size_t",
    "c_uint8",
    "c_uint32",
    "c_uint64",
    "c_void_p",
    "POINTER",
]
