#!/usr/bin/env bash
# What a Python user does with a fresh clone, checked end to end (issue 18):
#   1. a copy of the tracked files (nothing built in it) into a temporary directory;
#   2. `pip wheel ./bindings/python` there: setuptools-rust compiles the C ABI crate with cargo;
#   3. `python -m build --sdist` there, then `pip wheel` of that sdist (it carries rust/);
#   4. each wheel installed into a new venv and used with cargo absent from PATH, no LFE_LIBRARY
#      and no repository build/ in reach: import, ABI check, a LogStore and an EventQueue round
#      trip, and the Python examples of README.md run as doctests.
# CARGO_TARGET_DIR points at the repository's target/ so the crates.io dependencies (and, with the
# same sources, the crates themselves) are not compiled again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$top/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

mkdir -p "$tmp/clone"
git -C "$top" ls-files -z | (cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$tmp/clone"
[ ! -e "$tmp/clone/build" ] && [ ! -e "$tmp/clone/target" ] || { echo "copy holds build output"; exit 1; }

echo "== pip wheel ./bindings/python (in the copy)"
(cd "$tmp/clone" && "$py" -m pip wheel -q --no-deps -w "$tmp/wheel" ./bindings/python)

echo "== sdist, then a wheel from it"
"$py" -m venv "$tmp/tools"
"$tmp/tools/bin/pip" install -q build
"$tmp/tools/bin/python" -m build -q --sdist -o "$tmp/sdist" "$tmp/clone/bindings/python" >/dev/null 2>&1
listing=$(tar -tzf "$tmp"/sdist/lfe-*.tar.gz)
grep -q '/rust/bindings/c/src/lib.rs$' <<< "$listing" \
  || { echo "the sdist lacks the Rust sources (rust/)"; exit 1; }
"$py" -m pip wheel -q --no-deps -w "$tmp/wheel-from-sdist" "$tmp"/sdist/lfe-*.tar.gz

# PATH without any directory that holds cargo or rustc.
nocargo=""
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || nocargo="${nocargo:+$nocargo:}$d"
done

for w in "$tmp"/wheel/lfe-*.whl "$tmp"/wheel-from-sdist/lfe-*.whl; do
  name=$(basename "$w")
  case "$name" in *-py3-none-linux_*|*-py3-none-manylinux*|*-py3-none-macosx*) ;;
    *) echo "$name: not a py3-none-<platform> wheel"; exit 1;; esac
  listing=$("$py" -m zipfile -l "$w")
  grep -q 'lfe/_native/liblfe\.so\.' <<< "$listing" || { echo "$name carries no library"; exit 1; }
  venv="$tmp/venv-$RANDOM"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --no-index "$w"
  echo "== $name in a new venv, cargo not on PATH"
  (cd "$tmp" && env -u LFE_LIBRARY -u CARGO_TARGET_DIR PATH="$nocargo" \
    "$venv/bin/python" - "$top/README.md" <<'PY'
import doctest, shutil, sys
from pathlib import Path

assert shutil.which("cargo") is None and shutil.which("rustc") is None, "cargo still on PATH"
import lfe

lib = Path(lfe.library_path)
assert lib.parent.name == "_native" and Path(sys.prefix) in lib.parents, lib
assert lfe.abi_version() == lfe.ABI_VERSION

with lfe.LogStore() as log:
    first = log.append("server listening on http://127.0.0.1:8080", process_id=7)
    log.append("GET / 200", process_id=7)
    log.sync()
    page = log.read()
    assert [l.string for l in page.lines] == ["server listening on http://127.0.0.1:8080",
                                              "GET / 200"], page
    assert page.lines[0].seq == first and page.lines[0].process_id == 7
    assert [u.url for u in log.urls()] == ["http://127.0.0.1:8080/"]  # normalised

with lfe.EventQueue(capacity=8) as q:
    q.try_push(lfe.EVENT_HOST_MIN, b"hello", process_id=3)
    ev = q.try_pop()
    assert (ev.type, ev.payload, ev.process_id) == (lfe.EVENT_HOST_MIN, b"hello", 3), ev
    try:
        q.try_pop()
        raise AssertionError("the queue should be empty")
    except lfe.Empty:
        pass

failed, tried = doctest.testfile(sys.argv[1], module_relative=False, verbose=False)
assert failed == 0, f"{failed} README doctest(s) failed"
print(f"ok: {lib} (ABI {lfe.abi_version()}), round trip, {tried} README doctest example(s)")
PY
  )
done
echo "python-install-check: wheel and sdist build, install and run without cargo"
