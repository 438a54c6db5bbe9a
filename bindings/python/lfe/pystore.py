"""A pure-Python log store: the way hosts usually write one, used as the benchmark baseline.

One ``threading.Lock`` guards a ``collections.deque(maxlen=capacity)`` of lines; URL detection
(a regex over every appended line) runs *inside* the lock, as hosts do, and feeds a bounded,
de-duplicated URL list. Tail reads copy out under the lock; search compiles the pattern and
scans every line under the lock.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Deque, Iterable, List, Optional, Tuple

#: URL detection of the pure-Python store: http(s) URLs up to whitespace, quotes or brackets.
URL_RE = re.compile(rb"https?://[^\s\"'<>()\[\]{}]+")


@dataclass(frozen=True)
class PyLine:
    seq: int
    process_id: int
    ts_ns: int
    text: bytes
    urls: Tuple[bytes, ...]


class PyLogStore:
    """Bounded log store under one lock (the baseline of ``python -m lfe.bench``)."""

    def __init__(self, capacity: int = 65536, max_urls: int = 1024) -> None:
        self._lock = threading.Lock()
        self._lines: Deque[PyLine] = deque(maxlen=capacity)
        self._seq = 0
        self._urls: "OrderedDict[bytes, int]" = OrderedDict()
        self._max_urls = max_urls

    def _append_locked(self, process_id: int, text: bytes) -> int:
        urls = tuple(m.rstrip(b".,;:") for m in URL_RE.findall(text))
        for u in urls:
            self._urls[u] = self._urls.get(u, 0) + 1
            self._urls.move_to_end(u)
            if len(self._urls) > self._max_urls:
                self._urls.popitem(last=False)
        self._seq += 1
        self._lines.append(PyLine(self._seq, process_id, time.time_ns(), text, urls))
        return self._seq

    def append(self, process_id: int, text: bytes) -> int:
        """Appends one line; returns its sequence number."""
        with self._lock:
            return self._append_locked(process_id, text)

    def append_batch(self, process_id: int, lines: Iterable[bytes]) -> int:
        """Appends lines in order under one lock acquisition; returns the last sequence."""
        with self._lock:
            seq = 0
            for t in lines:
                seq = self._append_locked(process_id, t)
            return seq

    def tail(self, n: int) -> List[PyLine]:
        """The last ``n`` lines, oldest first."""
        with self._lock:
            k = min(n, len(self._lines))
            return [self._lines[i] for i in range(len(self._lines) - k, len(self._lines))]

    def search(self, pattern: bytes, limit: Optional[int] = 1000) -> List[PyLine]:
        """Lines matching ``pattern`` (a regex), newest first, at most ``limit`` (None: all)."""
        rx = re.compile(pattern)
        out: List[PyLine] = []
        with self._lock:
            for line in reversed(self._lines):
                if rx.search(line.text):
                    out.append(line)
                    if limit is not None and len(out) >= limit:
                        break
        return out

    def urls(self) -> List[bytes]:
        """Distinct URLs seen, most recent first."""
        with self._lock:
            return list(reversed(self._urls))

    def __len__(self) -> int:
        with self._lock:
            return len(self._lines)
