"""LogStore: appends, reads, search, enrichment, hostile input, and Python threads at once."""

from __future__ import annotations

import ctypes
import threading

import pytest

import lfe
from lfe import Level, LineFlag, LogStore, Stream
from lfe import _lib
from lfe._core import SIZE_MAX


def test_append_read_tail_search_urls_errors():
    with LogStore(capacity=64) as s:
        assert s.append("server at http://localhost:3000 ready", process_id=1) == 0
        assert s.append(b"ERROR: TypeError: x is undefined", process_id=2, stream=Stream.STDERR) == 1
        assert s.append_batch([b"one", bytearray(b"two"), memoryview(b"three"), "four"], process_id=3) == 2
        s.sync()
        tail = s.tail(3)
        assert [l.text for l in tail] == [b"two", b"three", b"four"]
        assert all(isinstance(l, lfe.LogLine) for l in tail)
        with pytest.raises(Exception):
            tail[0].text = b"x"  # frozen
        assert [l.seq for l in s.tail(10, process_id=3)] == [2, 3, 4, 5]
        err = s.read(1, 1).lines[0]
        assert err.stream == Stream.STDERR and err.level == Level.ERROR
        assert err.flags & LineFlag.ENRICHED and err.flags & LineFlag.ERROR_START
        page = s.read(0, 4)
        assert [l.seq for l in page.lines] == [0, 1, 2, 3] and page.next == 4 and page.missed == 0
        assert [l.seq for l in s.read(page.next).lines] == [4, 5]
        assert [l.seq for l in s.search("t[wh]")] == [3, 4]
        assert [l.seq for l in s.search("TWO", ignore_case=True)] == [3]
        assert [l.seq for l in s.search(".", literal=True)] == []
        assert [l.seq for l in s.search("o", process_id=3, limit=2)] == [3, 5]
        assert [l.seq for l in s.search("", min_level=Level.ERROR)] == [1]
        urls = s.urls()
        assert [u.url for u in urls] == ["http://localhost:3000/"] and urls[0].process_id == 1
        groups = s.errors()
        assert len(groups) == 1 and groups[0].first_seq == 1 and groups[0].seqs[0] == 1
        st = s.stats()
        assert st.appended == 6 and st.capacity == 64
        s.clear_process(3)
        assert [l.seq for l in s.tail(10)] == [0, 1]
        s.clear()
        assert s.tail(10) == [] and s.urls() == []
        assert s.append("after") == 6  # sequences keep increasing


def test_manual_enrichment_and_eviction():
    with LogStore(capacity=4, manual=True) as s:
        s.append_batch([f"line {i}" for i in range(10)])
        assert s.enrich() >= 1
        s.sync()
        page = s.read(0, 100)
        assert [l.seq for l in page.lines] == [6, 7, 8, 9] and page.missed == 6
        assert all(l.flags & LineFlag.ENRICHED for l in page.lines)


def test_bytes_round_trip_invalid_utf8_nul_and_truncation():
    with LogStore(capacity=16, max_line_len=8) as s:
        raw = b"\xff\x00\xfe bad"
        s.append(raw)
        s.append("0123456789")
        s.append(b"")
        lines = s.tail(3)
        assert lines[0].text == raw and "\ufffd" in lines[0].string
        assert lines[1].text == b"01234567" and lines[1].flags & LineFlag.TRUNCATED
        assert lines[2].text == b""
        assert [l.seq for l in s.search(b"\x00", literal=True)] == [0]


def test_hostile_input():
    with LogStore(capacity=8, max_pattern_len=16) as s:
        for bad in (None, 1, 2.5, ["x"], object()):
            with pytest.raises(TypeError):
                s.append(bad)
        with pytest.raises(TypeError):
            s.append_batch(None)
        with pytest.raises(TypeError):
            s.append_batch(b"not a list")
        with pytest.raises(TypeError):
            s.append_batch([b"ok", None])
        # Enum arguments outside their values raise Invalid (a ValueError) in Python, before
        # C (the message is the binding's, not the library's status text).
        for call in (lambda: s.append("x", stream=9), lambda: s.append("x", stream=99),
                     lambda: s.append_batch(["x"], stream=3),
                     lambda: s.search("x", min_level=6)):
            with pytest.raises(lfe.Invalid) as ei:
                call()
            assert isinstance(ei.value, ValueError) and ei.value.code == lfe.errors.LFE_E_INVALID
            assert "must be one of" in str(ei.value)
        for bad in (-1, 1 << 64):
            with pytest.raises(ValueError):
                s.append("x", process_id=bad)
            with pytest.raises(ValueError):
                s.tail(bad)
            with pytest.raises(ValueError):
                s.read(bad)
        with pytest.raises(lfe.BadPattern) as ei:
            s.search("(unclosed")
        assert ei.value.code == lfe.BadPattern.code and isinstance(ei.value, ValueError)
        assert "unclosed" in ei.value.message
        with pytest.raises(lfe.TooLarge):
            s.search("a" * 17)
        with pytest.raises(lfe.Invalid):
            s.search("a", min_level=99)
        assert s.stats().appended == 0  # nothing got in from the refused calls
        assert s.append_batch([]) == 0
        assert s.tail(0) == [] and s.tail((1 << 63) - 1) == []
        # Raw C: an absurd length is refused before any byte is read.
        h = s._enter()
        try:
            seq = ctypes.c_uint64()
            rc = _lib.lib.lfe_log_append(h, 0, 0, 0, b"x", SIZE_MAX, ctypes.byref(seq))
            assert rc == lfe.TooLarge.code
            rc = _lib.lib.lfe_log_append(h, 0, 0, 0, None, 5, ctypes.byref(seq))
            assert rc == lfe.Null.code
        finally:
            s._leave()
    with pytest.raises(lfe.Closed):
        s.append("x")
    with pytest.raises(lfe.Closed):
        s.tail(1)
    with pytest.raises(ValueError):
        LogStore(capacity=-1)
    with pytest.raises(TypeError):
        LogStore(capacity="big")


def test_python_threads_append_and_read_at_once(run_workers):
    """ctypes drops the GIL in each call: writers and readers really run together in lfe.
    Nothing is lost, each writer's lines keep their order, readers see increasing sequences."""
    n_writers, per = 4, 2000
    with LogStore(capacity=n_writers * per + 16) as s:
        stop = threading.Event()
        problems = []
        followed = []

        def writer(k):
            i = 0
            while i < per:
                if i % 3 == 0:
                    s.append_batch([f"w{k} {j}" for j in range(i, min(i + 10, per))], process_id=k + 1)
                    i = min(i + 10, per)
                else:
                    s.append(f"w{k} {i}", process_id=k + 1)
                    i += 1

        def follower():  # cursor reader: sees every line exactly once, in sequence order
            cur = 0
            while True:
                done = stop.is_set()
                page = s.read(cur, 500)
                if page.missed:
                    problems.append(("missed", page.missed))
                followed.extend(l.seq for l in page.lines)
                cur = page.next
                if done and not page.lines:
                    return

        def tailer():
            while not stop.is_set():
                seqs = [l.seq for l in s.tail(50)]
                if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
                    problems.append(("tail", seqs))

        run_workers([follower, tailer], writer, n_writers, stop.set)
        assert problems == []
        total = n_writers * per
        assert followed == list(range(total))
        lines = s.read(0, total).lines
        assert len(lines) == total
        for k in range(n_writers):
            mine = [int(l.text.split()[1]) for l in lines if l.process_id == k + 1]
            assert mine == list(range(per))
            assert all(l.text.startswith(f"w{k} ".encode()) for l in lines if l.process_id == k + 1)


def test_bench_runs_small():
    from lfe import bench

    res = bench.run(n_lines=600, rounds=1)
    assert set(res) == {"append", "append_batch", "batch+enrich", "append_4thr", "tail(100)", "search", "search_all"}
    assert all(r["lfe_ns"] > 0 and r["python_ns"] > 0 for r in res.values())


def test_batch_kind_and_record_size_are_checked():
    from lfe import _core
    from lfe.events import lfe_event
    from lfe.log import LFE_REC_LOG_LINE, lfe_log_line

    class Bigger(ctypes.Structure):
        _fields_ = lfe_log_line._fields_ + [("extra", ctypes.c_uint64)]

    with LogStore(capacity=8) as s:
        s.append("x")
        for record, kind, msg in ((lfe_event, 300, "kind"), (Bigger, LFE_REC_LOG_LINE, "record_size")):
            b = _core.new_batch()
            s._call(_lib.lib.lfe_log_tail, 1, 0, 0, ctypes.byref(b))
            with pytest.raises(lfe.LibraryError, match=msg):
                _core.read_batch(b, record, kind, lambda r: r)  # the batch is freed anyway


def test_line_urls():
    with LogStore(capacity=4, manual=True) as s:
        a = s.append(b"  \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m and ws://[::1]:24678{x}")
        b = s.append("no url")
        with pytest.raises(lfe.errors.NotFound):
            s.line_urls(a)  # not enriched yet
        s.sync()
        assert s.line_urls(a) == ["http://localhost:5173/", "ws://[::1]:24678/"]
        assert s.line_urls(b) == []
        with pytest.raises(LookupError):
            s.line_urls(1000)
        with pytest.raises((ValueError, TypeError, OverflowError)):
            s.line_urls(-1)
        for _ in range(4):
            s.append("tick")
        s.sync()
        with pytest.raises(lfe.errors.NotFound):
            s.line_urls(a)  # evicted
        c = s.append("see https://Example.TEST/a%20b\u00e9|next")
        s.sync()
        assert s.line_urls(c) == ["https://example.test/a%20b\u00e9"]
        s.clear()
        with pytest.raises(lfe.errors.NotFound):
            s.line_urls(c)


def test_follow_sees_every_line_once_in_order_and_close_ends_it():
    import threading

    writers, per = 3, 2000
    s = lfe.LogStore(capacity=1 << 15, manual=True)
    got = []

    def follower():
        for line in s.follow():
            got.append((line.seq, line.process_id, line.text))
            if len(got) == writers * per:
                break

    f = threading.Thread(target=follower)
    f.start()

    def writer(w):
        for i in range(per):
            s.append(str(i), process_id=w)

    ws = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    f.join()
    assert [g[0] for g in got] == list(range(writers * per))
    nxt = [0] * writers
    for _, pid, text in got:
        assert text == str(nxt[pid]).encode()
        nxt[pid] += 1
    assert nxt == [per] * writers

    # A follower blocked in its wait: stop + interrupt ends it; close ends another.
    stop = threading.Event()
    ends = []

    def blocked(st):
        ends.append(list(s.follow(writers * per, stop=st)))

    t = threading.Thread(target=blocked, args=(stop,))
    t.start()
    while t.is_alive():
        stop.set()
        s.interrupt()
        t.join(0.01)
    t = threading.Thread(target=blocked, args=(None,))
    t.start()
    s.close()
    t.join()
    assert ends == [[], []]
    # A timeout ends a follow with nothing new.
    s2 = lfe.LogStore(manual=True)
    s2.append("a")
    assert [ln.text for ln in s2.follow(timeout=0.01)] == [b"a"]
    s2.close()


def test_read_process():
    s = lfe.LogStore(capacity=100, manual=True)
    for i in range(150):
        s.append(str(i), process_id=i % 3)
    assert [ln.text for ln in s.read_process(2)] == [
        str(i).encode() for i in range(50, 150) if i % 3 == 2
    ]
    assert s.read_process(9) == []
    s.close()
