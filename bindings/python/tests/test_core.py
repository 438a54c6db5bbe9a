"""The foundation: loading, versions, status codes as exceptions, the panic guard, and the
binding's completeness against include/lfe.h."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lfe
from lfe import _lib, _types, errors

from conftest import REPO, header_defines, header_functions, header_structs


def camel(suffix: str) -> str:
    return "".join(part.capitalize() for part in suffix.lower().split("_"))


def test_versions_match_header():
    d = header_defines()
    assert lfe.abi_version() == d["LFE_ABI_VERSION"] == lfe.ABI_VERSION
    assert lfe.version() == f"{d['LFE_VERSION_MAJOR']}.{d['LFE_VERSION_MINOR']}.{d['LFE_VERSION_PATCH']}"
    assert os.path.exists(lfe.library_path) or "/" not in lfe.library_path


def test_every_status_code_has_its_exception_class():
    codes = {k: v for k, v in header_defines().items() if k.startswith("LFE_E_")}
    assert len(codes) >= 14
    for name, code in codes.items():
        cls = errors.error_class(code)
        assert cls is not errors.UnknownStatus, f"{name} has no exception class"
        assert cls.__name__ == camel(name[len("LFE_E_"):]), (name, cls.__name__)
        assert issubclass(cls, lfe.LfeError)
        assert cls.code == code and cls.constant == name
        assert getattr(errors, name) == code
        assert getattr(lfe, cls.__name__) is cls
        e = errors.make_error(code, "ctx")
        assert type(e) is cls and e.code == code
        assert e.message.startswith("ctx: ") and e.message != "ctx: unknown status code"
        assert str(code) in str(e) and name in str(e)
    assert header_defines()["LFE_OK"] == errors.LFE_OK == 0
    # The binding knows no code the header lacks.
    assert set(errors.ERRORS) == set(codes.values())


def test_unknown_status_and_status_text():
    e = errors.make_error(-999)
    assert isinstance(e, errors.UnknownStatus) and isinstance(e, lfe.LfeError)
    assert e.code == -999 and "unknown status code" in e.message
    assert lfe.status_str(0) == "ok"
    assert lfe.status_str(12345) == "unknown status code"
    errors.check(0)
    with pytest.raises(lfe.Full) as ei:
        errors.check(errors.LFE_E_FULL)
    assert ei.value.code == -3


def test_builtin_exception_bases():
    assert issubclass(lfe.Invalid, ValueError)
    assert issubclass(lfe.BadPattern, ValueError)
    assert issubclass(lfe.TooLarge, ValueError)
    assert issubclass(lfe.NotFound, LookupError)
    assert issubclass(lfe.Timeout, TimeoutError)
    e = lfe.Timeout("waited", errors.LFE_E_TIMEOUT)
    assert e.code == errors.LFE_E_TIMEOUT and e.message == "waited"


def test_exceptions_pickle():
    import pickle

    e = errors.make_error(errors.LFE_E_CONFLICT, "x")
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is lfe.Conflict and e2.code == e.code and e2.message == e.message


def test_selftest_panic_is_the_panic_class_code():
    with pytest.raises(lfe.Panic) as ei:
        lfe.selftest_panic()
    assert ei.value.code == lfe.Panic.code == header_defines()["LFE_E_PANIC"]
    # Raw call too, and the library still works afterwards.
    assert _lib.lib.lfe_selftest_panic() == lfe.Panic.code
    assert lfe.abi_version() == lfe.ABI_VERSION


def test_batch_free_null_is_noop():
    _lib.lib.lfe_batch_free(None)


# ---- completeness against the header -----------------------------------------------------

_C_INT = {
    "int8_t": (1, True), "uint8_t": (1, False), "int16_t": (2, True), "uint16_t": (2, False),
    "int32_t": (4, True), "uint32_t": (4, False), "int64_t": (8, True), "uint64_t": (8, False),
    "size_t": (ctypes.sizeof(ctypes.c_size_t), False), "bool": (1, False), "int": (4, True),
    "uintptr_t": (ctypes.sizeof(ctypes.c_void_p), False),
}

_SIGNED = {ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64, ctypes.c_int,
           ctypes.c_long, ctypes.c_longlong, ctypes.c_ssize_t}


def _is_pointer_ctype(t) -> bool:
    return (
        t in (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_wchar_p)
        or (isinstance(t, type) and issubclass(t, ctypes._Pointer))
    )


def _check_type(cdecl: str, t, where: str) -> None:
    """``cdecl`` is a C parameter or return type (parameter name allowed at the end)."""
    c = cdecl.replace("const ", "").replace("struct ", "").strip()
    if "*" in c:
        assert _is_pointer_ctype(t), f"{where}: C {cdecl!r} is a pointer, binding has {t}"
        return
    base = c.split()[0]
    if base == "void":
        assert t is None, f"{where}: C returns void, binding has restype {t}"
        return
    assert base in _C_INT, f"{where}: unknown C type {cdecl!r}"
    size, signed = _C_INT[base]
    assert t is not None and not _is_pointer_ctype(t), f"{where}: C {cdecl!r}, binding {t}"
    assert ctypes.sizeof(t) == size, f"{where}: C {cdecl!r} has size {size}, binding {t}"
    if base != "bool":
        assert (t in _SIGNED) == signed, f"{where}: signedness of {cdecl!r} vs {t}"


def test_every_header_function_is_declared_with_matching_types():
    funcs = header_functions()
    assert "lfe_abi_version" in funcs and "lfe_batch_free" in funcs
    missing = sorted(set(funcs) - set(_lib.SIGNATURES))
    assert not missing, f"header functions the binding does not declare: {missing}"
    extra = sorted(set(_lib.SIGNATURES) - set(funcs))
    assert not extra, f"binding declares functions the header lacks: {extra}"
    for name, (ret, params) in funcs.items():
        restype, argtypes = _lib.SIGNATURES[name]
        assert len(argtypes) == len(params), f"{name}: {len(params)} params, binding {len(argtypes)}"
        _check_type(ret, restype, f"{name} return")
        for i, (p, t) in enumerate(zip(params, argtypes)):
            _check_type(p, t, f"{name} arg {i}")
        fn = getattr(_lib.lib, name)
        assert fn.restype is restype or (restype is None and fn.restype is None)


def _ctypes_structs():
    import inspect

    out = {}
    for mod in [_types] + [m for m in sys.modules.values() if getattr(m, "__name__", "").startswith("lfe.")]:
        for name, obj in vars(mod).items():
            if inspect.isclass(obj) and issubclass(obj, ctypes.Structure) and name.startswith("lfe_"):
                out[name] = obj
    return out


def test_every_header_struct_has_a_ctypes_mirror_with_the_same_fields():
    structs = header_structs()
    mine = _ctypes_structs()
    assert "lfe_batch" in structs
    for name, fields in structs.items():
        assert name in mine, f"no ctypes Structure for {name}"
        assert [f[0] for f in mine[name]._fields_] == fields, name


# ---- loading ------------------------------------------------------------------------------

def test_abi_mismatch_is_a_clear_error():
    with pytest.raises(lfe.LibraryError, match="ABI mismatch"):
        _lib.load(lfe.library_path, expected_abi=lfe.ABI_VERSION + 1)


def test_bad_library_path_is_a_clear_error(tmp_path):
    with pytest.raises(lfe.LibraryError, match="cannot load"):
        _lib.load(str(tmp_path / "nope.so"))
    env = dict(os.environ, LFE_LIBRARY=str(tmp_path / "nope.so"),
               PYTHONPATH=str(Path(lfe.__file__).resolve().parents[1]))
    r = subprocess.run([sys.executable, "-c", "import lfe"], env=env, capture_output=True,
                       text=True, cwd=str(tmp_path))
    assert r.returncode != 0 and "LibraryError" in r.stderr and "LFE_LIBRARY" in r.stderr


def test_search_order_puts_env_first(monkeypatch):
    monkeypatch.setenv("LFE_LIBRARY", "/x/liblfe.so.1")
    c = _lib.candidates()
    assert c[0] == ("LFE_LIBRARY", "/x/liblfe.so.1")
    sources = [s for s, _ in c]
    assert sources[-1] == "system loader"
    order = ["LFE_LIBRARY", "bundled", "repository build", "system loader"]
    idx = [order.index(s) for s in sources]
    assert idx == sorted(idx)


def test_found_without_env_from_a_checkout(tmp_path):
    build = REPO / "build" / "lib" / f"liblfe.so.{lfe.ABI_VERSION}"
    if not build.exists():
        pytest.skip("no repository build")
    env = {k: v for k, v in os.environ.items() if k != "LFE_LIBRARY"}
    env["PYTHONPATH"] = str(Path(lfe.__file__).resolve().parents[1])
    r = subprocess.run([sys.executable, "-c", "import lfe; print(lfe.library_path)"], env=env,
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(f"liblfe.so.{lfe.ABI_VERSION}")


def test_every_header_constant_is_known_with_its_value():
    skip = ("LFE_E_", "LFE_VERSION_")
    defs = {k: v for k, v in header_defines().items() if not k.startswith(skip)}
    missing = {k: v for k, v in defs.items() if _lib.CONSTANTS.get(k) != v}
    assert not missing, f"header constants unknown to the binding (or with other values): {missing}"


def test_struct_layouts_match_ctypes_for_every_mirror():
    from lfe._core import RecordLayout

    for name, cls in _ctypes_structs().items():
        lay = RecordLayout(cls)  # raises on any offset mismatch
        assert lay.struct.size <= lay.size == ctypes.sizeof(cls), name
        assert lay.row._fields == tuple(f[0] for f in cls._fields_)
