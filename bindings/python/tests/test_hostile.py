"""Hostile input at the raw C layer: NULL everywhere, absurd lengths. Never a crash."""

from __future__ import annotations

import ctypes

import pytest

import lfe
from lfe import _lib, errors

SKIP = {"lfe_abi_version", "lfe_version", "lfe_status_str", "lfe_selftest_panic"}


def _null_args(argtypes):
    out = []
    for t in argtypes:
        if t in (ctypes.c_void_p, ctypes.c_char_p) or (
            isinstance(t, type) and issubclass(t, ctypes._Pointer)
        ):
            out.append(None)
        else:
            out.append(0)
    return out


def _status_functions():
    return sorted(
        name
        for name, (res, args) in _lib.SIGNATURES.items()
        if name not in SKIP and res is ctypes.c_int32
    )


@pytest.mark.parametrize("name", _status_functions())
def test_every_status_function_rejects_null_handles(name):
    """None for every pointer (handle, out-params, inputs) comes back as LFE_E_NULL, and the
    binding turns that code into the Null exception (a ValueError)."""
    _, argtypes = _lib.SIGNATURES[name]
    rc = getattr(_lib.lib, name)(*_null_args(argtypes))
    assert rc == errors.LFE_E_NULL, f"{name} returned {rc} ({lfe.status_str(rc)})"
    with pytest.raises(lfe.Null) as ei:
        errors.check(rc, name)
    assert isinstance(ei.value, ValueError) and ei.value.code == errors.LFE_E_NULL


@pytest.mark.parametrize(
    "name", sorted(n for n, (res, _) in _lib.SIGNATURES.items() if n.endswith("_free"))
)
def test_every_free_accepts_null(name):
    getattr(_lib.lib, name)(None)


def test_ctypes_refuses_wrong_argument_types_before_calling():
    # A str or an int where a pointer is declared never reaches the library as garbage.
    with pytest.raises(ctypes.ArgumentError):
        _lib.lib.lfe_batch_free("not a batch")
    with pytest.raises(ctypes.ArgumentError):
        _lib.lib.lfe_status_str("x")
