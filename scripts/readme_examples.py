#!/usr/bin/env python3
"""`make readme-examples`: the README's examples are programs that run, with the output it shows.

* Every fenced block after a `<!-- readme-example: c -->` or `<!-- readme-example: go -->`
  marker is built (C: strict C11 against build/lib; Go: a module in a temporary directory that
  requires bindings/go through `replace`, built with -tags lfe_repo so it links the
  build/lib/liblfe.a just built) and run; its stdout must equal the block after the matching
  `<!-- readme-example: <lang> output -->` marker.
* The README's `>>>` examples run as doctests against build/lib (LFE_LIBRARY) and the
  binding's sources (scripts/python_install_check.sh runs them against an installed wheel too).
* Every limit constant of include/lfe.h (`LFE_*MAX*`, `LFE_*DEFAULT*`, `LFE_*_BYTES`) appears
  in the README's "Defaults and limits" table.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
README = TOP / "README.md"
MARK = re.compile(r"<!-- readme-example: (\w+)( output)? -->\n```[^\n]*\n(.*?)\n```", re.S)


def blocks(text: str) -> dict:
    out: dict = {}
    for m in MARK.finditer(text):
        key = (m.group(1), bool(m.group(2)))
        if key in out:
            sys.exit(f"README: two '{m.group(1)}{m.group(2) or ''}' example blocks")
        out[key] = m.group(3) + "\n"
    return out


def run(cmd, **kw) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def check_output(lang: str, got: str, want: str) -> None:
    if got != want:
        sys.exit(f"README {lang} example printed:\n{got}\nthe README says:\n{want}")
    print(f"readme: the {lang} example builds, runs and prints what the README shows")


def c_example(src: str, want: str, tmp: Path) -> None:
    lib = TOP / "build" / "lib"
    (tmp / "example.c").write_text(src)
    cc = os.environ.get("CC", "cc")
    run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{TOP / 'include'}",
         "-o", str(tmp / "example-c"), str(tmp / "example.c"), f"-L{lib}",
         f"-Wl,-rpath,{lib}", "-llfe", "-lpthread"])
    check_output("C", run([str(tmp / "example-c")]), want)


def go_example(src: str, want: str, tmp: Path) -> None:
    mod = tmp / "goexample"
    mod.mkdir()
    (mod / "main.go").write_text(src)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOWORK="off", CGO_ENABLED="1")
    run(["go", "mod", "init", "example.com/readme"], cwd=mod, env=env)
    run(["go", "mod", "edit", "-require=github.com/lfe-engine/lfe/bindings/go@v0.0.0",
         f"-replace=github.com/lfe-engine/lfe/bindings/go={TOP / 'bindings' / 'go'}"],
        cwd=mod, env=env)
    run(["go", "build", "-tags", "lfe_repo", "-o", "example-go", "."], cwd=mod, env=env)
    check_output("Go", run([str(mod / "example-go")]), want)


def python_examples() -> None:
    abi = re.search(r"^#define LFE_ABI_VERSION (\d+)", (TOP / "include" / "lfe.h").read_text(), re.M)
    env = dict(os.environ, LFE_LIBRARY=str(TOP / "build" / "lib" / f"liblfe.so.{abi.group(1)}"),
               PYTHONPATH=str(TOP / "bindings" / "python"))
    code = ("import doctest, sys\n"
            "f, t = doctest.testfile(sys.argv[1], module_relative=False)\n"
            "print(f'readme: {t} Python doctest examples, {f} failed'); sys.exit(1 if f or not t else 0)\n")
    print(run([sys.executable, "-c", code, str(README)], env=env), end="")


def limits_table(text: str) -> None:
    header = (TOP / "include" / "lfe.h").read_text()
    names = sorted(set(re.findall(r"^#define (LFE_\w*(?:MAX|DEFAULT)\w*|LFE_\w+_BYTES) ", header, re.M)))
    start = text.index("## Defaults and limits")
    end = text.find("\n## ", start + 1)
    table = text[start:end if end > 0 else None]
    missing = [n for n in names if n not in table]
    if missing:
        sys.exit("README 'Defaults and limits' lacks: " + ", ".join(missing))
    print(f"readme: all {len(names)} limit constants of include/lfe.h are in the limits table")


def main() -> None:
    text = README.read_text()
    found = blocks(text)
    for lang in ("c", "go"):
        if (lang, False) not in found or (lang, True) not in found:
            sys.exit(f"README: no '{lang}' example with its output block")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        c_example(found[("c", False)], found[("c", True)], tmp)
        go_example(found[("go", False)], found[("go", True)], tmp)
    python_examples()
    limits_table(text)


if __name__ == "__main__":
    main()
