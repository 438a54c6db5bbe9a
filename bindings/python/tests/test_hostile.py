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


def test_every_byte_argument_refuses_an_absurd_length():
    """(ptr, SIZE_MAX) for every byte-string argument of every function: LFE_E_TOO_LARGE, and
    not one byte read past the 1-byte buffer."""
    from lfe._core import SIZE_MAX

    makers = {
        "lfe_log_": lfe.LogStore,
        "lfe_procs_": lfe.ProcessTable,
        "lfe_routes_": lfe.RouteTable,
        "lfe_lockdep_": lfe.LockValidator,
    }
    checked = []
    for name, (res, argtypes) in sorted(_lib.SIGNATURES.items()):
        pairs = [i for i in range(1, len(argtypes) - 1)
                 if argtypes[i] is ctypes.c_char_p and argtypes[i + 1] is ctypes.c_size_t]
        prefix = next((p for p in makers if name.startswith(p)), None)
        if not pairs or prefix is None:
            continue
        obj = makers[prefix]()
        try:
            for bad in pairs:
                keep = []
                args = [obj._ptr]
                for i, t in enumerate(argtypes[1:], start=1):
                    if t is ctypes.c_char_p:
                        args.append(b"x")
                    elif i - 1 in pairs and argtypes[i - 1] is ctypes.c_char_p:
                        args.append(SIZE_MAX if i - 1 == bad else 1)
                    elif t is ctypes.c_void_p or (isinstance(t, type) and issubclass(t, ctypes._Pointer)):
                        buf = ctypes.create_string_buffer(512)
                        keep.append(buf)
                        args.append(ctypes.cast(buf, t) if t is not ctypes.c_void_p else ctypes.addressof(buf))
                    else:
                        args.append(0)
                rc = getattr(_lib.lib, name)(*args)
                assert rc == lfe.TooLarge.code, f"{name} arg {bad}: {rc} ({lfe.status_str(rc)})"
                checked.append(name)
        finally:
            obj.close()
    assert {"lfe_log_append", "lfe_procs_find", "lfe_routes_lookup", "lfe_lockdep_register"} <= set(checked)
