"""LockValidator: violations found and reported, hostile input, closed handles, threads."""

from __future__ import annotations

import threading

import pytest

import lfe
from lfe import LockValidator, ViolationKind


def test_order_inversion_is_reported_with_names():
    with LockValidator() as v:
        a, b = v.register("A"), v.register(b"B")
        assert v.register("A") == a and a != b
        v.acquire(a, token=1)
        v.acquire(b, token=1)
        v.release(b, token=1)
        v.release(a, token=1)
        v.acquire(b, token=2)
        with pytest.raises(lfe.Conflict) as ei:
            v.acquire(a, token=2)
        assert ei.value.code == lfe.Conflict.code
        v.release(a, token=2)
        v.release(b, token=2)
        page = v.violations()
        assert len(page.violations) == 1 and page.dropped == 0
        x = page.violations[0]
        assert isinstance(x, lfe.Violation)
        assert x.kind == ViolationKind.ORDER_INVERSION
        assert x.path.split(" -> ")[0] in ("A", "B") and len(x.path_ids) == 3
        assert set(x.path_ids) == {a, b} and x.tokens[0] == x.token == 2
        assert v.violations(page.next).violations == []
        st = v.stats()
        assert st.locks == 2 and st.violations == 1


def test_recursive_release_unheld_and_long_hold():
    with LockValidator(long_hold=1.0) as v:
        a = v.register("A")
        v.acquire(a, token=7, now_ns=1)
        with pytest.raises(lfe.Conflict):
            v.acquire(a, token=7, now_ns=2)
        v.release(a, token=7, now_ns=3)
        v.release(a, token=7, now_ns=4)
        with pytest.raises(lfe.Conflict):
            v.release(a, token=7, now_ns=5)
        v.acquire(a, token=8, now_ns=10)
        assert v.scan(now_ns=10 + 2_000_000_000) == 1
        kinds = [x.kind for x in v.violations().violations]
        assert ViolationKind.RECURSIVE in kinds and ViolationKind.RELEASE_UNHELD in kinds
        assert ViolationKind.LONG_HOLD in kinds


def test_disable_records_nothing():
    with LockValidator(enabled=False) as v:
        a = v.register("A")
        v.acquire(a, token=1)
        v.acquire(a, token=1)  # would be recursive
        assert v.violations().violations == []
        v.enable()
        v.disable()


def test_tracked_lock_with_threads_reports_inversion_without_raising():
    with LockValidator() as v:
        la, lb = v.lock("A"), v.lock("B")

        def ab():
            with la:
                with lb:
                    pass

        def ba():
            with lb:
                with la:
                    pass

        for fn in (ab, ba):  # sequential: no real deadlock, but the order is inverted
            t = threading.Thread(target=fn)
            t.start()
            t.join()
        kinds = [x.kind for x in v.violations().violations]
        assert kinds == [ViolationKind.ORDER_INVERSION]
        strict = v.lock("A", strict=True)
        with strict:
            with pytest.raises(lfe.Conflict):
                strict.acquire()


def test_lockdep_hostile():
    with LockValidator(max_locks=2) as v:
        v.register("a")
        v.register("b")
        with pytest.raises(lfe.Full):
            v.register("c")
        with pytest.raises(TypeError):
            v.register(None)
        with pytest.raises(lfe.NotFound):
            v.acquire(999, token=1)
        for bad in (-1, 1 << 32, None, "x"):
            with pytest.raises((TypeError, ValueError)):
                v.acquire(bad, token=1)
        with pytest.raises(ValueError):
            v.acquire(0, token=-1)
        with pytest.raises(ValueError):
            v.violations(-1)
    with pytest.raises(ValueError):
        LockValidator(long_hold=-1)
    with pytest.raises(ValueError):
        LockValidator(max_locks=1 << 40)
    v.close()
    with pytest.raises(lfe.Closed):
        v.register("x")
    with pytest.raises(lfe.Closed):
        v.violations()


def test_many_threads_register_and_hold_consistently():
    with LockValidator() as v:
        ids = [v.register(f"L{i}") for i in range(8)]
        errs = []

        def worker(k):
            try:
                for _ in range(200):
                    for i in ids:  # always the same order: no violation
                        v.acquire(i)
                    for i in reversed(ids):
                        v.release(i)
            except Exception as e:  # pragma: no cover - reported below
                errs.append(e)

        ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert errs == []
        assert v.violations().violations == []
        st = v.stats()
        assert st.acquires == st.releases == 4 * 200 * 8
