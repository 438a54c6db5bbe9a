"""The package's type hints are consistent (runs mypy when it is installed)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_mypy_clean():
    api = pytest.importorskip("mypy.api")
    pkg = Path(__file__).resolve().parents[1] / "lfe"
    out, err, rc = api.run([str(pkg), "--ignore-missing-imports", "--no-error-summary",
                            "--cache-dir", "/dev/null"])
    assert rc == 0, out + err
