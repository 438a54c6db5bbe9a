"""`pip install bindings/python` after `make lib` bundles the library, and the installed package
finds that copy with no LFE_LIBRARY set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import lfe

from conftest import REPO


def test_pip_install_bundles_the_built_library(tmp_path):
    built = REPO / "build" / "lib" / f"liblfe.so.{lfe.ABI_VERSION}"
    if not built.exists():
        pytest.skip("no repository build (make lib)")
    target = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "LFE_LIBRARY"}
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(REPO / "bindings" / "python")],
        env=env, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    bundled = target / "lfe" / "_native" / f"liblfe.so.{lfe.ABI_VERSION}"
    assert bundled.exists()
    env["PYTHONPATH"] = str(target)
    r = subprocess.run(
        [sys.executable, "-c", "import lfe; print(lfe.library_path); print(lfe.abi_version())"],
        env=env, capture_output=True, text=True, cwd=str(tmp_path),
    )
    assert r.returncode == 0, r.stderr
    path, abi = r.stdout.split()
    assert Path(path) == bundled and int(abi) == lfe.ABI_VERSION
