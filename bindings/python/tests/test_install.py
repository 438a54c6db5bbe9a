"""`pip install bindings/python` compiles the library (setuptools-rust, cargo) and bundles it, and
the installed package finds that copy with no LFE_LIBRARY set. scripts/python_install_check.sh
(`make python-install-check`) does the same from a copy of the tree, with an sdist and a wheel
used without cargo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lfe

from conftest import REPO


def test_pip_install_builds_and_bundles_the_library(tmp_path):
    if shutil.which("cargo") is None:
        pytest.skip("building the package needs cargo on PATH")
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
