"""``python -m lfe.bench``: lfe's log store against a pure-Python store, in one run.

The pure-Python store (:mod:`lfe.pystore`) is what hosts usually write: a
``threading.Lock`` + ``collections.deque`` with the URL regex run inside the lock. Both stores
get the same lines and the same work:

* ``append``        — one line per call;
* ``append_batch``  — 256 lines per call (lfe: one C call per batch);
* ``batch+enrich``  — the same, then wait until lfe's worker has enriched every line (the
  pure-Python store's detection already ran inside its appends);
* ``append_4thr``   — 4 Python threads appending at once (lfe's append keeps the GIL: it never
  blocks, and releasing the GIL would cost more than the call);
* ``tail``          — read the last 100 lines;
* ``search``        — regex search, the newest 100 matches;
* ``search_all``    — regex search returning every match (10% of the lines).

lfe's reads copy lines out of the library (one copy of the records and one of the text per
call, decoded into ``LogLine`` objects when accessed); the pure-Python store hands out
references to the objects it keeps, so small reads favour it.

The append figures are what the producer sees: lfe enriches lines (level, tags, URLs, error
groups) on a worker thread after ``append`` returns. Reads run on a store filled and fully
enriched beforehand. Each figure is the best of ``--rounds`` rounds, alternating lfe and Python in every round. The
ratio column is python time / lfe time: above 1 means lfe is faster. Timings vary run to run on
a loaded machine; compare ratios from the same run only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .pystore import PyLogStore


def make_lines(n: int) -> List[bytes]:
    """Synthetic dev-server output: request logs, some URLs, warnings and errors."""
    out = []
    for i in range(n):
        r = i % 20
        if r == 0:
            out.append(f"  ➜  Local:   http://localhost:{3000 + i % 7}/app/{i % 13}".encode())
        elif r == 5:
            out.append(f"ERROR: TypeError: Cannot read properties of undefined (reading 'x{i}')".encode())
        elif r == 9:
            out.append(f"warn: deprecated option --foo used by plugin-{i % 31}".encode())
        elif r == 13:
            out.append(f"GET https://api.example.com/v1/items/{i}?q=abc 200 {i % 97}ms".encode())
        else:
            out.append(f"[{i:08d}] INFO GET /api/items/{i} 200 in {i % 97}ms (worker {i % 4})".encode())
    return out


class _LfeStore:
    """Adapter with the pure-Python store's methods over :class:`lfe.LogStore`."""

    def __init__(self, capacity: int) -> None:
        try:
            from . import LogStore  # type: ignore[attr-defined]
        except ImportError:  # pragma: no cover - only before the log store is bound
            raise SystemExit("lfe.bench: this build of the binding has no LogStore") from None
        self.s = LogStore(capacity=capacity)

    def append(self, pid: int, text: bytes) -> Any:
        return self.s.append(text, process_id=pid)

    def append_batch(self, pid: int, lines: Sequence[bytes]) -> Any:
        return self.s.append_batch(lines, process_id=pid)

    def tail(self, n: int) -> Any:
        return self.s.tail(n)

    def search(self, pattern: bytes, limit: int = 100) -> Any:
        return self.s.search(pattern, limit=limit)

    def settle(self) -> None:
        self.s.sync()  # every appended line enriched (levels, URLs, error groups)

    def close(self) -> None:
        self.s.close()


class _PyStore:
    def __init__(self, capacity: int) -> None:
        self.s = PyLogStore(capacity=capacity)

    def append(self, pid: int, text: bytes) -> Any:
        return self.s.append(pid, text)

    def append_batch(self, pid: int, lines: Sequence[bytes]) -> Any:
        return self.s.append_batch(pid, lines)

    def tail(self, n: int) -> Any:
        return self.s.tail(n)

    def search(self, pattern: bytes, limit: int = 100) -> Any:
        return self.s.search(pattern, limit=limit or None)

    def settle(self) -> None:
        pass  # detection already ran inside append

    def close(self) -> None:
        pass


Workload = Callable[[Any, List[bytes]], int]  # returns the number of operations done


def w_append(st: Any, lines: List[bytes]) -> int:
    for ln in lines:
        st.append(1, ln)
    return len(lines)


def w_append_batch(st: Any, lines: List[bytes]) -> int:
    for i in range(0, len(lines), 256):
        st.append_batch(1, lines[i : i + 256])
    return len(lines)


def w_append_batch_sync(st: Any, lines: List[bytes]) -> int:
    w_append_batch(st, lines)
    st.settle()
    return len(lines)


def w_append_threads(st: Any, lines: List[bytes]) -> int:
    k = 4
    parts = [lines[i::k] for i in range(k)]

    def run(p: int) -> None:
        for ln in parts[p]:
            st.append(p + 1, ln)

    ts = [threading.Thread(target=run, args=(p,)) for p in range(k)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return len(lines)


def w_tail(st: Any, lines: List[bytes]) -> int:
    n = 500
    for _ in range(n):
        got = st.tail(100)
    assert got
    return n


def _search(st: Any, n: int, limit: int) -> int:
    """``n`` searches for the error pattern, keeping ``limit`` matches (0: all)."""
    for _ in range(n):
        got = st.search(rb"TypeError|deprecated", limit)
    assert got
    return n


def w_search(st: Any, lines: List[bytes]) -> int:
    return _search(st, 20, 100)


def w_search_all(st: Any, lines: List[bytes]) -> int:
    return _search(st, 5, 0)


WORKLOADS: List[Tuple[str, Workload, bool, str]] = [
    # name, function, needs a pre-filled store, unit
    ("append", w_append, False, "line"),
    ("append_batch", w_append_batch, False, "line"),
    ("batch+enrich", w_append_batch_sync, False, "line"),
    ("append_4thr", w_append_threads, False, "line"),
    ("tail(100)", w_tail, True, "call"),
    ("search", w_search, True, "call"),
    ("search_all", w_search_all, True, "call"),
]


def run(n_lines: int = 20000, rounds: int = 3, capacity: int = 65536) -> Dict[str, Dict[str, Any]]:
    lines = make_lines(n_lines)
    results: Dict[str, Dict[str, Any]] = {}
    for name, fn, prefill, unit in WORKLOADS:
        best = {"lfe": float("inf"), "python": float("inf")}
        for _ in range(rounds):
            for label, cls in (("lfe", _LfeStore), ("python", _PyStore)):
                st = cls(capacity)
                try:
                    if prefill:
                        w_append_batch(st, lines)
                        st.settle()
                    t0 = time.perf_counter()
                    ops = fn(st, lines)
                    dt = time.perf_counter() - t0
                finally:
                    st.close()
                best[label] = min(best[label], dt / ops * 1e9)
        results[name] = {
            "lfe_ns": best["lfe"],
            "python_ns": best["python"],
            "ratio": best["python"] / best["lfe"],
            "unit": unit,
        }
    return results


def main(argv: Sequence[str] = ()) -> int:
    ap = argparse.ArgumentParser(prog="python -m lfe.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=20000, help="lines per workload (default 20000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds, best kept (default 3)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(list(argv))
    import lfe

    res = run(args.lines, args.rounds)
    if args.json:
        print(json.dumps({"library": lfe.library_path, "lines": args.lines, "results": res}))
        return 0
    print(f"lfe {lfe.version()} ({lfe.library_path}); {args.lines} lines, best of {args.rounds}")
    print(f"{'workload':<14}{'lfe':>14}{'python':>14}{'python/lfe':>12}")
    for name, r in res.items():
        u = r["unit"]
        print(f"{name:<14}{r['lfe_ns']:>10.0f} ns/{u[0]}{r['python_ns']:>10.0f} ns/{u[0]}"
              f"{r['ratio']:>11.2f}x")
    print("(ns/l = per line, ns/c = per call; python/lfe > 1 means lfe is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
