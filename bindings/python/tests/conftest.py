"""Shared fixtures: the repository root and a parsed view of include/lfe.h."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import pytest

REPO = Path(__file__).resolve().parents[3]
HEADER = REPO / "include" / "lfe.h"


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^\s*#[^\n]*", " ", text, flags=re.M)  # preprocessor lines
    return re.sub(r'extern "C"\s*\{', " ", text)


def header_text() -> str:
    if not HEADER.exists():
        pytest.skip(f"{HEADER} not found (tests run from a checkout)")
    return strip_comments(HEADER.read_text())


def header_functions() -> Dict[str, Tuple[str, List[str]]]:
    """``name -> (return type, [parameter declarations])`` for every ``lfe_*(`` prototype."""
    text = header_text()
    out: Dict[str, Tuple[str, List[str]]] = {}
    for m in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(lfe_\w+)\s*\(([^)]*)\)\s*;", text):
        ret, name, params = m.group(1), m.group(2), m.group(3).strip()
        ret = " ".join(ret.split())
        plist = [] if params in ("", "void") else [" ".join(p.split()) for p in params.split(",")]
        out[name] = (ret, plist)
    # Every `lfe_xxx(` occurrence outside comments must be one of the prototypes parsed above.
    for name in set(re.findall(r"\b(lfe_\w+)\s*\(", text)):
        assert name in out, f"could not parse the declaration of {name}"
    return out


_NAMED = {"UINT64_MAX": (1 << 64) - 1, "UINT32_MAX": (1 << 32) - 1, "SIZE_MAX": (1 << 64) - 1,
          "INT32_MAX": (1 << 31) - 1}


def header_defines() -> Dict[str, int]:
    """Every ``#define LFE_* <integer>`` of the header (also ``UINT64_MAX`` and friends)."""
    text = HEADER.read_text() if HEADER.exists() else ""
    out = {}
    for m in re.finditer(r"^#define\s+(LFE_\w+)\s+(.+?)\s*$", text, re.M):
        v = m.group(2).strip("() ")
        if re.fullmatch(r"-?\d+", v):
            out[m.group(1)] = int(v)
        elif v in _NAMED:
            out[m.group(1)] = _NAMED[v]
        elif not m.group(1) == "LFE_H":
            raise AssertionError(f"cannot parse #define {m.group(1)} {v}")
    return out


def header_structs() -> Dict[str, List[str]]:
    """``struct name -> [field names]`` for every struct with a body."""
    text = header_text()
    out: Dict[str, List[str]] = {}
    for m in re.finditer(r"typedef struct (lfe_\w+)\s*\{(.*?)\}\s*\w+\s*;", text, re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = decl.strip()
            if decl:
                fields.append(re.findall(r"(\w+)\s*(?:\[[^\]]*\])?$", decl)[0])
        out[m.group(1)] = fields
    return out


@pytest.fixture
def run_workers():
    """``run(readers, writer, n, stop)``: starts a thread per reader (callables) and ``n`` threads
    of ``writer(k)``; once every writer has returned it calls ``stop()`` and joins the readers."""

    def run(readers: Sequence[Callable[[], None]], writer: Callable[[int], None], n: int,
            stop: Callable[[], None]) -> None:
        rs = [threading.Thread(target=f) for f in readers]
        ws = [threading.Thread(target=writer, args=(k,)) for k in range(n)]
        for t in rs + ws:
            t.start()
        for t in ws:
            t.join()
        stop()
        for t in rs:
            t.join()

    return run
