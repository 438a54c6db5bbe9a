"""The shared machinery: bytes in, integer and timeout checks, handle close semantics."""

from __future__ import annotations

import threading

import pytest

import lfe
from lfe import _core


def test_as_bytes_accepts_the_documented_types():
    assert _core.as_bytes(b"a\x00b") == b"a\x00b"
    assert _core.as_bytes(bytearray(b"\xff\xfe")) == b"\xff\xfe"
    assert _core.as_bytes(memoryview(b"xyz")[1:]) == b"yz"
    assert _core.as_bytes("héllo") == "héllo".encode()
    # surrogateescape round trip: bytes decoded by the OS come back unchanged
    raw = b"bad \xff utf8"
    assert _core.as_bytes(raw.decode("utf-8", "surrogateescape")) == raw
    # non-contiguous memoryview
    assert _core.as_bytes(memoryview(b"abcdef")[::2]) == b"ace"


@pytest.mark.parametrize("bad", [None, 1, 1.5, ["a"], object(), ("a",)])
def test_as_bytes_rejects_other_types(bad):
    with pytest.raises(TypeError):
        _core.as_bytes(bad, "text")


def test_as_bytes_lone_surrogate_is_value_error():
    with pytest.raises(ValueError):
        _core.as_bytes("\ud800")


def test_as_int_and_timeout():
    assert _core.as_int(5, "n") == 5
    for bad in (None, "5", 1.0, True):
        with pytest.raises(TypeError):
            _core.as_int(bad, "n")
    for bad in (-1, 1 << 64):
        with pytest.raises(ValueError):
            _core.as_int(bad, "n")
    assert _core.timeout_ms(None) == _core.U32_MAX
    assert _core.timeout_ms(0) == 0
    assert _core.timeout_ms(0.0001) == 1
    assert _core.timeout_ms(1e12) == _core.U32_MAX
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError):
            _core.timeout_ms(bad)
    with pytest.raises(TypeError):
        _core.timeout_ms("1")


def test_pack_bytes_array_points_into_one_buffer():
    items = [b"one", b"", b"\x00three\xff"]
    arr, keep = _core.pack_bytes_array(items)
    assert keep == b"".join(items)
    for rec, want in zip(arr, items):
        assert _core.bytes_at(rec) == want
    assert arr[1].ptr is None and arr[1].len == 0


class _Fake(_core.Handle):
    freed: list = []
    _what = "fake"

    @staticmethod
    def _free_fn(ptr):
        _Fake.freed.append(ptr)


def test_handle_close_is_idempotent_and_use_after_close_raises():
    _Fake.freed = []
    h = _Fake(1234)
    assert not h.closed
    h._call(lambda p: 0)
    with pytest.raises(lfe.Full):
        h._call(lambda p: lfe.Full.code, what="op")
    with h:
        pass
    assert h.closed and _Fake.freed == [1234]
    h.close()
    assert _Fake.freed == [1234]
    with pytest.raises(lfe.Closed) as ei:
        h._call(lambda p: 0)
    assert ei.value.code == lfe.Closed.code
    assert "closed" in repr(h)


def test_handle_del_backstop_frees_once():
    _Fake.freed = []
    h = _Fake(77)
    del h
    import gc

    gc.collect()
    assert _Fake.freed == [77]


def test_null_handle_from_constructor_is_an_error():
    with pytest.raises(lfe.LibraryError):
        _Fake(None)


def test_close_waits_for_calls_in_flight():
    _Fake.freed = []
    h = _Fake(99)
    entered = threading.Event()
    release = threading.Event()
    seen = []

    def slow(p):
        entered.set()
        release.wait(10)
        seen.append(("call", p, list(_Fake.freed)))
        return 0

    t = threading.Thread(target=h._call, args=(slow,))
    t.start()
    assert entered.wait(10)
    closer = threading.Thread(target=h.close)
    closer.start()
    closer.join(0.05)
    assert _Fake.freed == []  # not freed while the call runs
    release.set()
    t.join(10)
    closer.join(10)
    assert seen == [("call", 99, [])] and _Fake.freed == [99]


def test_frozen_factory_makes_the_same_object_as_the_constructor():
    import dataclasses

    @dataclasses.dataclass(frozen=True)
    class P:
        a: int
        b: bytes

    make = _core.frozen_factory(P)
    p = make(1, b"x")
    assert p == P(1, b"x") and hash(p) == hash(P(1, b"x")) and repr(p) == repr(P(1, b"x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.a = 2
    assert dataclasses.asdict(p) == {"a": 1, "b": b"x"}
