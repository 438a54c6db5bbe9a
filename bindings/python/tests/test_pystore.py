"""The pure-Python baseline store used by the benchmark does the work it claims."""

from __future__ import annotations

from lfe.bench import make_lines
from lfe.pystore import PyLogStore


def test_pystore_bounds_urls_tail_search():
    s = PyLogStore(capacity=5, max_urls=2)
    for i in range(7):
        s.append(1, f"line {i} http://localhost:{3000 + i}/x.".encode())
    assert len(s) == 5
    assert [l.seq for l in s.tail(3)] == [5, 6, 7]
    assert s.tail(3)[0].urls == (b"http://localhost:3004/x",)
    assert s.urls() == [b"http://localhost:3006/x", b"http://localhost:3005/x"]
    assert [l.seq for l in s.search(rb"line [56]")] == [7, 6]
    assert s.append_batch(2, [b"a", b"b"]) == 9


def test_bench_lines_have_urls_and_errors():
    lines = make_lines(100)
    assert sum(b"http" in l for l in lines) == 10
    assert sum(b"TypeError" in l for l in lines) == 5
